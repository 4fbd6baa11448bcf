//! Declarative schemas for the provider, its resources and data sources.
//!
//! Every attribute and block must carry a Markdown description (the registry docs are generated
//! from it), so the constructors take one. [`Schema::validate`] checks the rest of what Terraform
//! would otherwise reject at run time; unit-test it for every schema.

use std::collections::{BTreeMap, HashSet};

use super::value::Type;

/// The schema of a provider configuration, resource or data source.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Bumped when the shape of stored state changes (resources only).
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// The object type of values (config, plan, state) described by this schema.
    pub fn value_type(&self) -> Type {
        self.block.type_of()
    }

    /// Checks what Terraform would reject: empty descriptions, invalid or duplicate names,
    /// empty nested objects, impossible item limits.
    pub fn validate(&self) -> Result<(), SchemaError> {
        self.block.validate("")
    }
}

/// A schema that Terraform would refuse; `path` names the offending attribute or block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema element {path:?}: {reason}")]
pub struct SchemaError {
    pub path: String,
    pub reason: String,
}

/// A configuration block: attributes and nested blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    /// Deprecation message, if the whole block is deprecated.
    pub deprecated: Option<String>,
}

impl Block {
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            attributes: Vec::new(),
            blocks: Vec::new(),
            deprecated: None,
        }
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    pub fn attributes(mut self, attributes: impl IntoIterator<Item = Attribute>) -> Self {
        self.attributes.extend(attributes);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// The object type of this block's values: one attribute per attribute and nested block.
    pub fn type_of(&self) -> Type {
        let attributes = self
            .attributes
            .iter()
            .map(|attribute| (attribute.name.clone(), attribute.value_type()));
        let blocks = self
            .blocks
            .iter()
            .map(|nested| (nested.name.clone(), nested.value_type()));
        Type::Object(attributes.chain(blocks).collect())
    }

    /// Finds an attribute by name.
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    fn validate(&self, at: &str) -> Result<(), SchemaError> {
        if self.description.trim().is_empty() {
            return Err(error(at, "the block has no description"));
        }
        let mut seen = HashSet::new();
        let names = self
            .attributes
            .iter()
            .map(|a| &a.name)
            .chain(self.blocks.iter().map(|b| &b.name));
        for name in names {
            let path = join(at, name);
            check_name(&path, name)?;
            if !seen.insert(name) {
                return Err(error(&path, "the name is used twice"));
            }
        }
        for attribute in &self.attributes {
            attribute.validate(&join(at, &attribute.name))?;
        }
        for nested in &self.blocks {
            nested.validate(&join(at, &nested.name))?;
        }
        Ok(())
    }
}

/// Whether the user sets an attribute, the provider does, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Set by the user, or by the provider when the user does not.
    OptionalComputed,
}

/// How a nested attribute or block repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    /// Nested attributes only: a map of objects.
    Map,
}

/// An attribute's type: a plain type, or nested attributes (an object or a collection of
/// objects whose attributes have their own modes and descriptions).
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeType {
    Plain(Type),
    Nested {
        nesting: Nesting,
        attributes: Vec<Attribute>,
    },
}

impl AttributeType {
    /// Nested attributes forming one object.
    pub fn single(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::Single, attributes)
    }

    pub fn list(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::List, attributes)
    }

    pub fn set(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::Set, attributes)
    }

    pub fn map(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::Map, attributes)
    }

    fn nested(nesting: Nesting, attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::Nested {
            nesting,
            attributes: attributes.into_iter().collect(),
        }
    }
}

impl From<Type> for AttributeType {
    fn from(ty: Type) -> Self {
        AttributeType::Plain(ty)
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

    fn validate(&self, at: &str) -> Result<(), SchemaError> {
        if self.description.trim().is_empty() {
            return Err(error(at, "the attribute has no description"));
        }
        if self.write_only && self.is_computed() {
            return Err(error(at, "a write-only attribute cannot be computed"));
        }
        if let AttributeType::Nested { attributes, .. } = &self.ty {
            if attributes.is_empty() {
                return Err(error(at, "nested attributes must not be empty"));
            }
            let mut seen = HashSet::new();
            for attribute in attributes {
                let path = join(at, &attribute.name);
                check_name(&path, &attribute.name)?;
                if !seen.insert(&attribute.name) {
                    return Err(error(&path, "the name is used twice"));
                }
                attribute.validate(&path)?;
            }
        }
        Ok(())
    }
}

/// A nested block: `rule { ... }` inside a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    /// At most one block; its value is an object, or null when absent.
    pub fn single(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, Nesting::Single, block)
    }

    pub fn list(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, Nesting::List, block)
    }

    pub fn set(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, Nesting::Set, block)
    }

    fn new(name: impl Into<String>, nesting: Nesting, block: Block) -> Self {
        Self {
            name: name.into(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn min_items(mut self, min: i64) -> Self {
        self.min_items = min;
        self
    }

    /// 0 means unlimited.
    pub fn max_items(mut self, max: i64) -> Self {
        self.max_items = max;
        self
    }

    pub fn value_type(&self) -> Type {
        wrap(self.nesting, self.block.type_of())
    }

    fn validate(&self, at: &str) -> Result<(), SchemaError> {
        if self.nesting == Nesting::Map {
            return Err(error(
                at,
                "map nesting is for nested attributes, not blocks",
            ));
        }
        if self.min_items < 0 || self.max_items < 0 {
            return Err(error(at, "item limits must not be negative"));
        }
        if self.max_items != 0 && self.min_items > self.max_items {
            return Err(error(at, "min_items is larger than max_items"));
        }
        if self.nesting == Nesting::Single && (self.min_items > 1 || self.max_items > 1) {
            return Err(error(at, "a single block holds at most one item"));
        }
        self.block.validate(at)
    }
}

fn wrap(nesting: Nesting, object: Type) -> Type {
    match nesting {
        Nesting::Single => object,
        Nesting::List => Type::list(object),
        Nesting::Set => Type::set(object),
        Nesting::Map => Type::map(object),
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn error(at: &str, reason: &str) -> SchemaError {
    SchemaError {
        path: at.to_string(),
        reason: reason.to_string(),
    }
}

/// Terraform names: lowercase letters, digits and underscores, starting with a letter; a few
/// names are reserved by the language.
fn check_name(path: &str, name: &str) -> Result<(), SchemaError> {
    const RESERVED: [&str; 8] = [
        "count",
        "depends_on",
        "for_each",
        "lifecycle",
        "provider",
        "provisioner",
        "connection",
        "connection_info",
    ];
    let valid = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        return Err(error(
            path,
            "names are lowercase letters, digits and underscores, starting with a letter",
        ));
    }
    if RESERVED.contains(&name) {
        return Err(error(path, "the name is reserved by Terraform"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Schema {
        Schema::new(
            Block::new("A database link.")
                .attribute(Attribute::computed("id", Type::String, "The id."))
                .attribute(Attribute::required("name", Type::String, "The name."))
                .attribute(Attribute::optional("password", Type::String, "A secret.").sensitive())
                .attribute(Attribute::optional_computed(
                    "endpoints",
                    AttributeType::map([
                        Attribute::required("host", Type::String, "Host name."),
                        Attribute::optional("port", Type::Number, "Port."),
                    ]),
                    "Endpoints by name.",
                ))
                .block(
                    NestedBlock::list(
                        "rule",
                        Block::new("A rule.").attribute(Attribute::required(
                            "cidrs",
                            Type::set(Type::String),
                            "CIDR blocks.",
                        )),
                    )
                    .max_items(3),
                )
                .block(NestedBlock::single(
                    "timeouts",
                    Block::new("Timeouts.").attribute(Attribute::optional(
                        "create",
                        Type::String,
                        "Create timeout.",
                    )),
                )),
        )
        .version(2)
    }

    #[test]
    fn value_type_covers_attributes_and_blocks() {
        assert_eq!(
            example().value_type(),
            Type::object([
                ("id", Type::String),
                ("name", Type::String),
                ("password", Type::String),
                (
                    "endpoints",
                    Type::map(Type::object([
                        ("host", Type::String),
                        ("port", Type::Number)
                    ]))
                ),
                (
                    "rule",
                    Type::list(Type::object([("cidrs", Type::set(Type::String))]))
                ),
                ("timeouts", Type::object([("create", Type::String)])),
            ])
        );
        assert_eq!(example().version, 2);
    }

    #[test]
    fn a_well_formed_schema_validates() {
        assert_eq!(example().validate(), Ok(()));
    }

    #[test]
    fn validation_names_the_offending_element() {
        let missing_description = Schema::new(Block::new("x").block(NestedBlock::list(
            "rule",
            Block::new("r").attribute(Attribute::required("port", Type::Number, " ")),
        )));
        assert_eq!(
            missing_description.validate().map_err(|e| e.path),
            Err("rule.port".to_string())
        );
        let duplicate = Schema::new(
            Block::new("x")
                .attribute(Attribute::required("name", Type::String, "a"))
                .attribute(Attribute::optional("name", Type::String, "b")),
        );
        assert!(duplicate.validate().is_err());
        let bad_name =
            Schema::new(Block::new("x").attribute(Attribute::required("Name", Type::String, "a")));
        assert!(bad_name.validate().is_err());
        let reserved =
            Schema::new(Block::new("x").attribute(Attribute::required("count", Type::Number, "a")));
        assert!(reserved.validate().is_err());
        let empty_nested = Schema::new(Block::new("x").attribute(Attribute::optional(
            "n",
            AttributeType::single([]),
            "a",
        )));
        assert!(empty_nested.validate().is_err());
        let limits = Schema::new(
            Block::new("x").block(
                NestedBlock::list("b", Block::new("b"))
                    .min_items(3)
                    .max_items(1),
            ),
        );
        assert!(limits.validate().is_err());
        let computed_write_only = Schema::new(
            Block::new("x")
                .attribute(Attribute::optional_computed("w", Type::String, "a").write_only()),
        );
        assert!(computed_write_only.validate().is_err());
    }
}
