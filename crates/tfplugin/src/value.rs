//! Terraform values: what configuration, plans and state look like to resources.
//!
//! A [`Value`] does not carry its type; the schema's [`Type`] guides decoding and encoding (cty's
//! msgpack and JSON encodings, in [`msgpack`] and [`json`]). Values can be null or unknown at any
//! level, and numbers keep full precision.

mod conform;
pub mod json;
pub mod msgpack;
mod number;
mod ty;

use std::collections::BTreeMap;
use std::fmt;

pub use conform::conform;
pub use number::{Number, NumberError};
pub use ty::{Type, TypeError};

use super::diag::{AttributePath, PathStep};

/// A value not known until apply, with the refinements Terraform may know about it (e.g. "not
/// null", a string prefix), kept as cty's raw msgpack payload so they survive a round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Refinements {
    raw: Option<Vec<u8>>,
}

impl Refinements {
    /// A plain unknown value: nothing more is known about it.
    pub fn none() -> Self {
        Self::default()
    }

    /// Refinements as cty encodes them: the payload of msgpack extension 12, a msgpack map.
    pub fn from_raw(raw: Vec<u8>) -> Self {
        Self { raw: Some(raw) }
    }

    pub fn raw(&self) -> Option<&[u8]> {
        self.raw.as_deref()
    }
}

/// A Terraform value.
///
/// Objects are values of schema blocks and object types (fixed attribute names); maps have
/// arbitrary string keys. Sets keep the order they arrived in but compare without regard to it.
#[derive(Clone)]
pub enum Value {
    Unknown(Refinements),
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
}

/// A value that could not be decoded from, or encoded to, one of Terraform's encodings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", path_prefix(.path))]
pub struct ValueError {
    /// Where in the value the problem is (empty: at the root).
    pub path: AttributePath,
    reason: String,
}

fn path_prefix(path: &AttributePath) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl ValueError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            path: AttributePath::empty(),
            reason: reason.into(),
        }
    }

    /// Records that the error happened inside `step` (errors are built leaf first).
    pub(crate) fn within(mut self, step: Option<PathStep>) -> Self {
        if let Some(step) = step {
            self.path = self.path.prepend(step);
        }
        self
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// What [`Value::get`] returns for an absent attribute.
static NULL: Value = Value::Null;

impl Value {
    /// A plain unknown value ("known after apply").
    pub fn unknown() -> Self {
        Value::Unknown(Refinements::none())
    }

    pub fn string(text: impl Into<String>) -> Self {
        Value::String(text.into())
    }

    pub fn bool(value: bool) -> Self {
        Value::Bool(value)
    }

    pub fn number(number: impl Into<Number>) -> Self {
        Value::Number(number.into())
    }

    pub fn list(elements: impl IntoIterator<Item = Value>) -> Self {
        Value::List(elements.into_iter().collect())
    }

    pub fn set(elements: impl IntoIterator<Item = Value>) -> Self {
        Value::Set(elements.into_iter().collect())
    }

    pub fn tuple(elements: impl IntoIterator<Item = Value>) -> Self {
        Value::Tuple(elements.into_iter().collect())
    }

    pub fn list_of_strings<S: Into<String>>(strings: impl IntoIterator<Item = S>) -> Self {
        Value::List(strings.into_iter().map(Value::string).collect())
    }

    pub fn set_of_strings<S: Into<String>>(strings: impl IntoIterator<Item = S>) -> Self {
        Value::Set(strings.into_iter().map(Value::string).collect())
    }

    /// An object (a block's or object type's value) from `(attribute, value)` pairs.
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Value)>) -> Self {
        Value::Object(
            attributes
                .into_iter()
                .map(|(name, value)| (name.into(), value))
                .collect(),
        )
    }

    /// A map from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Self {
        Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| (key.into(), value))
                .collect(),
        )
    }

    /// A map of strings, e.g. tags.
    pub fn map_of_strings<K: Into<String>, S: Into<String>>(
        entries: impl IntoIterator<Item = (K, S)>,
    ) -> Self {
        Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| (key.into(), Value::string(value)))
                .collect(),
        )
    }

    /// `Some(text)` as a string value, `None` for null.
    pub fn optional_string(text: Option<impl Into<String>>) -> Self {
        text.map_or(Value::Null, Value::string)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// Whether the value itself is known (it may still contain unknown elements).
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }

    /// Whether no unknown value occurs anywhere inside.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_fully_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_fully_known)
            }
            _ => true,
        }
    }

    /// The attribute of an object (or element of a map) named `name`; null when the value is
    /// not an object, or is null or unknown, or has no such attribute.
    pub fn get(&self, name: &str) -> &Value {
        match self {
            Value::Object(entries) | Value::Map(entries) => entries.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    pub fn as_u16(&self) -> Option<u16> {
        self.as_number()?.as_u16()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// Elements of a list, set or tuple; empty for anything else (including null and unknown).
    pub fn elements(&self) -> &[Value] {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items,
            _ => &[],
        }
    }

    /// Entries of a map or object.
    pub fn entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// The elements of a list or set of strings, if all of them are known, non-null strings.
    pub fn as_strings(&self) -> Option<Vec<&str>> {
        match self {
            Value::List(items) | Value::Set(items) => items.iter().map(Value::as_str).collect(),
            _ => None,
        }
    }

    /// Sets attribute `name` of an object (or an entry of a map). Does nothing to other values.
    pub fn set_attribute(&mut self, name: impl Into<String>, value: Value) {
        if let Value::Object(entries) | Value::Map(entries) = self {
            entries.insert(name.into(), value);
        }
    }

    /// Builder form of [`Value::set_attribute`].
    pub fn with(mut self, name: impl Into<String>, value: Value) -> Self {
        self.set_attribute(name, value);
        self
    }

    /// The value at `path`, if every step exists.
    pub fn at(&self, path: &AttributePath) -> Option<&Value> {
        path.steps()
            .iter()
            .try_fold(self, |value, step| match (value, step) {
                (Value::Object(entries), PathStep::Attribute(name))
                | (Value::Map(entries), PathStep::Key(name)) => entries.get(name),
                (Value::List(items) | Value::Tuple(items), PathStep::Index(index)) => {
                    usize::try_from(*index).ok().and_then(|i| items.get(i))
                }
                _ => None,
            })
    }

    /// The value at `path` for modification, if every step exists.
    pub fn at_mut(&mut self, path: &AttributePath) -> Option<&mut Value> {
        path.steps()
            .iter()
            .try_fold(self, |value, step| match (value, step) {
                (Value::Object(entries), PathStep::Attribute(name))
                | (Value::Map(entries), PathStep::Key(name)) => entries.get_mut(name),
                (Value::List(items) | Value::Tuple(items), PathStep::Index(index)) => {
                    usize::try_from(*index).ok().and_then(|i| items.get_mut(i))
                }
                _ => None,
            })
    }

    /// A best guess at the value's type, for encoding values of schema type `dynamic`: empty or
    /// null-only collections get `dynamic` elements and mixed lists fall back to `dynamic`.
    pub fn infer_type(&self) -> Type {
        fn unify(types: impl Iterator<Item = Type>) -> Type {
            let mut found: Option<Type> = None;
            for ty in types.filter(|ty| *ty != Type::Dynamic) {
                match &found {
                    None => found = Some(ty),
                    Some(existing) if *existing == ty => {}
                    Some(_) => return Type::Dynamic,
                }
            }
            found.unwrap_or(Type::Dynamic)
        }
        match self {
            Value::Unknown(_) | Value::Null => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(items) => Type::list(unify(items.iter().map(Value::infer_type))),
            Value::Set(items) => Type::set(unify(items.iter().map(Value::infer_type))),
            Value::Map(entries) => Type::map(unify(entries.values().map(Value::infer_type))),
            Value::Object(entries) => Type::Object(
                entries
                    .iter()
                    .map(|(name, value)| (name.clone(), value.infer_type()))
                    .collect(),
            ),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::infer_type).collect()),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Unknown(a), Value::Unknown(b)) => a == b,
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Set(a), Value::Set(b)) => same_elements(a, b),
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            _ => false,
        }
    }
}

/// Set equality regardless of order (sets are small: quadratic matching is fine).
fn same_elements(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![false; b.len()];
    a.iter().all(|x| {
        let found = b.iter().enumerate().position(|(i, y)| !used[i] && x == y);
        found.map(|i| used[i] = true).is_some()
    })
}

/// Compact rendering for tests and error messages; strings are quoted. Note: values may hold
/// secrets, so do not log them.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn sequence(f: &mut fmt::Formatter<'_>, open: &str, items: &[Value]) -> fmt::Result {
            f.write_str(open)?;
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item:?}")?;
            }
            f.write_str("]")
        }
        fn entries(
            f: &mut fmt::Formatter<'_>,
            open: &str,
            entries: &BTreeMap<String, Value>,
        ) -> fmt::Result {
            f.write_str(open)?;
            for (position, (name, value)) in entries.iter().enumerate() {
                if position > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{name:?}: {value:?}")?;
            }
            f.write_str("}")
        }
        match self {
            Value::Unknown(refinements) if refinements.raw().is_some() => {
                f.write_str("unknown(refined)")
            }
            Value::Unknown(_) => f.write_str("unknown"),
            Value::Null => f.write_str("null"),
            Value::Bool(value) => write!(f, "{value}"),
            Value::Number(number) => write!(f, "{number}"),
            Value::String(text) => write!(f, "{text:?}"),
            Value::List(items) => sequence(f, "list[", items),
            Value::Set(items) => sequence(f, "set[", items),
            Value::Tuple(items) => sequence(f, "tuple[", items),
            Value::Map(map) => entries(f, "map{", map),
            Value::Object(map) => entries(f, "{", map),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::string(text)
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::String(text)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<Number> for Value {
    fn from(number: Number) -> Self {
        Value::Number(number)
    }
}

macro_rules! value_from_integer {
    ($($int:ty),*) => {$(
        impl From<$int> for Value {
            fn from(value: $int) -> Self {
                Value::Number(Number::from(value))
            }
        }
    )*};
}
value_from_integer!(i32, i64, u16, u32, u64);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
pub(crate) mod strategies;
#[cfg(test)]
mod tests;
