//! One attribute of a block, with its declarative behaviour: a default, when a change forces
//! replacement, whether an unknown plan keeps the prior state, and validators. Modelled on
//! terraform-plugin-framework's defaults, plan modifiers and validators; applied generically by
//! [`crate::plan::default_plan`] and the server's validate step ([`crate::validate`]).

use std::collections::{BTreeMap, HashSet};

use super::{AttributeType, Mode, Nesting, SchemaError, check_name, error, join, wrap};
use crate::diag::{AttributePath, Diagnostics};
use crate::value::{Type, Value, msgpack};

/// Checks a configured value (known and non-null) at validate time; reports problems at `path`.
pub type ValidateFn = fn(value: &Value, path: &AttributePath, diags: &mut Diagnostics);

/// Decides whether a change from `prior` to `planned` forces replacement. Called only when both
/// are non-null and differ (`planned` may be unknown).
pub type ReplaceIfFn = fn(prior: &Value, planned: &Value) -> bool;

/// When a change of the attribute forces destroying and re-creating the resource.
#[derive(Debug, Clone, Copy)]
pub enum RequiresReplace {
    /// Any change, including to an unknown value.
    Always,
    /// When the function says so.
    If(ReplaceIfFn),
}

/// Functions compare by address, which is what schema comparisons (tests) need: the same
/// function named twice is equal. (Rust does not promise distinct functions distinct addresses,
/// hence the explicit `fn_addr_eq` rather than a derived comparison.)
impl PartialEq for RequiresReplace {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Always, Self::Always) => true,
            (Self::If(a), Self::If(b)) => std::ptr::fn_addr_eq(*a, *b),
            _ => false,
        }
    }
}

/// One attribute of a block (or of a nested attribute object).
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: AttributeType,
    pub description: String,
    pub mode: Mode,
    /// Terraform hides the value in plans and output.
    pub sensitive: bool,
    /// The value is sent to the provider but never stored in plan or state.
    pub write_only: bool,
    pub deprecated: Option<String>,
    /// Planned when the configuration leaves the attribute null (optional+computed only).
    pub default: Option<Value>,
    pub requires_replace: Option<RequiresReplace>,
    /// Where the plan says unknown, keep the prior state's value (computed only).
    pub use_state_for_unknown: bool,
    pub validators: Vec<ValidateFn>,
}

impl Attribute {
    fn new(
        name: impl Into<String>,
        ty: impl Into<AttributeType>,
        mode: Mode,
        description: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            ty: ty.into(),
            description: description.into(),
            mode,
            sensitive: false,
            write_only: false,
            deprecated: None,
            default: None,
            requires_replace: None,
            use_state_for_unknown: false,
            validators: Vec::new(),
        }
    }

    pub fn required(
        name: impl Into<String>,
        ty: impl Into<AttributeType>,
        description: impl Into<String>,
    ) -> Self {
        Self::new(name, ty, Mode::Required, description)
    }

    pub fn optional(
        name: impl Into<String>,
        ty: impl Into<AttributeType>,
        description: impl Into<String>,
    ) -> Self {
        Self::new(name, ty, Mode::Optional, description)
    }

    pub fn computed(
        name: impl Into<String>,
        ty: impl Into<AttributeType>,
        description: impl Into<String>,
    ) -> Self {
        Self::new(name, ty, Mode::Computed, description)
    }

    pub fn optional_computed(
        name: impl Into<String>,
        ty: impl Into<AttributeType>,
        description: impl Into<String>,
    ) -> Self {
        Self::new(name, ty, Mode::OptionalComputed, description)
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// Planned when the configuration leaves the attribute null (Optional+Computed only;
    /// [`super::Schema::validate`] rejects it elsewhere). The registry docs say "Defaults to".
    pub fn default(mut self, value: Value) -> Self {
        self.default = Some(value);
        self
    }

    /// A changed planned value (unknown counts as changed) forces replacement (not on create or
    /// destroy). Pair it with [`Self::use_state_for_unknown`] or [`Self::default`] on a computed
    /// attribute, or every update that leaves it unknown replaces the resource.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = Some(RequiresReplace::Always);
        self
    }

    /// Replacement only when `f(prior, planned)` says so; `f` is called only when the prior and
    /// planned values are both non-null and differ (planned may be unknown).
    pub fn requires_replace_if(mut self, f: ReplaceIfFn) -> Self {
        self.requires_replace = Some(RequiresReplace::If(f));
        self
    }

    /// Computed: where the plan says unknown, keep the prior state's non-null value (not on
    /// create), for values that never change once the object exists (ids, ARNs).
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    /// Runs at validate time on the configured value when it is known and non-null; call it
    /// several times to add several validators (they run in order).
    pub fn validate(mut self, f: ValidateFn) -> Self {
        self.validators.push(f);
        self
    }

    pub fn is_required(&self) -> bool {
        self.mode == Mode::Required
    }

    pub fn is_optional(&self) -> bool {
        matches!(self.mode, Mode::Optional | Mode::OptionalComputed)
    }

    pub fn is_computed(&self) -> bool {
        matches!(self.mode, Mode::Computed | Mode::OptionalComputed)
    }

    /// The type of this attribute's values.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttributeType::Plain(ty) => ty.clone(),
            AttributeType::Nested {
                nesting,
                attributes,
            } => {
                let object: BTreeMap<String, Type> = attributes
                    .iter()
                    .map(|a| (a.name.clone(), a.value_type()))
                    .collect();
                wrap(*nesting, Type::Object(object))
            }
        }
    }

    /// The description Terraform (and so the registry docs) shows: the written one, then what
    /// the flags mean, so the docs never state a default or a replacement by hand.
    pub fn full_description(&self) -> String {
        let mut text = self.description.trim_end().to_string();
        let mut add = |sentence: &str| {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(sentence);
        };
        if let Some(default) = &self.default {
            add(&format!("Defaults to `{}`.", hcl_literal(default, true)));
        }
        if self.requires_replace.is_some() {
            add("Changing this forces a new resource.");
        }
        text
    }

    /// Checks the attribute where it sits; `in_set` says whether it is inside the elements of a
    /// set, which attribute paths cannot address.
    pub(super) fn check(&self, at: &str, in_set: bool) -> Result<(), SchemaError> {
        if self.description.trim().is_empty() {
            return Err(error(at, "the attribute has no description"));
        }
        if self.write_only && self.is_computed() {
            return Err(error(at, "a write-only attribute cannot be computed"));
        }
        self.check_behaviour(at, in_set)?;
        if let AttributeType::Nested {
            nesting,
            attributes,
        } = &self.ty
        {
            if attributes.is_empty() {
                return Err(error(at, "nested attributes must not be empty"));
            }
            let in_set = in_set || *nesting == Nesting::Set;
            let mut seen = HashSet::new();
            for attribute in attributes {
                let path = join(at, &attribute.name);
                check_name(&path, &attribute.name)?;
                if !seen.insert(&attribute.name) {
                    return Err(error(&path, "the name is used twice"));
                }
                attribute.check(&path, in_set)?;
            }
        }
        Ok(())
    }

    fn check_behaviour(&self, at: &str, in_set: bool) -> Result<(), SchemaError> {
        if let Some(default) = &self.default {
            if self.mode != Mode::OptionalComputed {
                return Err(error(
                    at,
                    "a default needs an optional+computed attribute (Terraform refuses a planned \
                     value the configuration did not set otherwise)",
                ));
            }
            let conforms = msgpack::encode(default, &self.value_type()).is_ok();
            if !conforms || !default.is_fully_known() || default.is_null() {
                return Err(error(
                    at,
                    "the default must be a known, non-null value of the attribute's type",
                ));
            }
        }
        if self.use_state_for_unknown && !self.is_computed() {
            return Err(error(
                at,
                "use_state_for_unknown needs a computed attribute (only those are planned unknown)",
            ));
        }
        if self.requires_replace.is_some() {
            if self.mode == Mode::Computed {
                return Err(error(
                    at,
                    "requires_replace on a computed-only attribute: the user cannot change it, \
                     so it would replace the resource whenever the provider plans it unknown",
                ));
            }
            if self.write_only {
                return Err(error(
                    at,
                    "requires_replace on a write-only attribute never triggers (it is never \
                     stored)",
                ));
            }
        }
        let plans =
            self.default.is_some() || self.use_state_for_unknown || self.requires_replace.is_some();
        if in_set && plans {
            return Err(error(
                at,
                "defaults, requires_replace and use_state_for_unknown are not supported inside \
                 set elements (attribute paths cannot address them); put them on the set",
            ));
        }
        Ok(())
    }
}

/// A value as written in Terraform configuration, for docs; `top` strings are left unquoted
/// (`Defaults to `TCP`.`, as the registry docs write them).
fn hcl_literal(value: &Value, top: bool) -> String {
    let items = |items: &[Value]| {
        let inner: Vec<String> = items.iter().map(|item| hcl_literal(item, false)).collect();
        format!("[{}]", inner.join(", "))
    };
    match value {
        Value::Unknown(_) => "(known after apply)".to_string(),
        Value::Null => "null".to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) if top => text.clone(),
        Value::String(text) => format!("{text:?}"),
        Value::List(values) | Value::Set(values) | Value::Tuple(values) => items(values),
        Value::Map(entries) | Value::Object(entries) if entries.is_empty() => "{}".to_string(),
        Value::Map(entries) | Value::Object(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(key, item)| format!("{} = {}", hcl_key(key), hcl_literal(item, false)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
    }
}

/// A map key or attribute name: bare when it is an identifier, quoted otherwise.
fn hcl_key(key: &str) -> String {
    let identifier = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}
