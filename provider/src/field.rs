//! The building blocks of the typed model: a value that Terraform may hold as null or unknown
//! ([`Field`]), Terraform's collections ([`List`], [`Set`], [`Map`]), and their conversion to and
//! from [`Value`] ([`Convert`]). Elements of a collection are fields too: a configuration may be
//! known as a list while one of its elements is known only after apply.

use std::collections::BTreeMap;
use std::ops::Deref;

use tfplugin::diag::AttributePath;
use tfplugin::value::{Number, Refinements, Value};

/// One value as Terraform holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Field<T> {
    /// Not set in the configuration, or absent from the state.
    #[default]
    Null,
    /// Known only after apply, with what Terraform already knows about it (kept so that a plan
    /// passes Terraform's refinements through unchanged).
    Unknown(Refinements),
    Known(T),
}

impl<T> From<Option<T>> for Field<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Field::Null, Field::Known)
    }
}

impl<T> Field<T> {
    /// "Known after apply", with nothing more known.
    pub fn unknown() -> Self {
        Field::Unknown(Refinements::none())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown(_))
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(value) => Some(value),
            _ => None,
        }
    }

    /// This value, or `fallback` where it is null (an unknown value stays unknown).
    pub fn or_if_null(self, fallback: Field<T>) -> Field<T> {
        if self.is_null() { fallback } else { self }
    }

    /// This value, or unknown where it is null.
    pub fn or_unknown(self) -> Field<T> {
        self.or_if_null(Field::unknown())
    }
}

impl Field<String> {
    pub fn as_deref(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

/// Why a [`Value`] does not fit the model: only a value of another schema can cause it, since
/// Terraform checks every value against the schema before the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{path}` holds {found} where the schema has {expected}")]
pub struct ModelError {
    pub path: AttributePath,
    pub expected: &'static str,
    pub found: &'static str,
}

impl ModelError {
    pub fn new(path: &AttributePath, expected: &'static str, found: &Value) -> Self {
        let found = match found {
            Value::Unknown(_) => "an unknown value",
            Value::Null => "null",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
        };
        ModelError {
            path: path.clone(),
            expected,
            found,
        }
    }
}

/// A Rust type standing for one Terraform type.
pub trait Convert: Sized {
    /// From a known, non-null value; `path` locates it for the error.
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError>;

    fn encode(&self) -> Value;
}

impl<T: Convert> Field<T> {
    pub fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        Ok(match value {
            Value::Null => Field::Null,
            Value::Unknown(refinements) => Field::Unknown(refinements.clone()),
            known => Field::Known(T::decode(known, path)?),
        })
    }

    pub fn encode(&self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Unknown(refinements) => Value::Unknown(refinements.clone()),
            Field::Known(value) => value.encode(),
        }
    }

    /// Known, and (for collections and objects) known all the way down.
    pub fn is_fully_known(&self) -> bool {
        self.encode().is_fully_known()
    }
}

impl Convert for String {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ModelError::new(path, "a string", value))
    }

    fn encode(&self) -> Value {
        Value::string(self.clone())
    }
}

impl Convert for bool {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        value
            .as_bool()
            .ok_or_else(|| ModelError::new(path, "a bool", value))
    }

    fn encode(&self) -> Value {
        Value::bool(*self)
    }
}

/// Every number of this resource is a whole number (validation rejects the others).
impl Convert for i64 {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        value
            .as_i64()
            .ok_or_else(|| ModelError::new(path, "a whole number", value))
    }

    fn encode(&self) -> Value {
        Value::number(Number::from(*self))
    }
}

/// A Terraform list: order is meaningful.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List<T>(pub Vec<Field<T>>);

/// A Terraform set: order is not meaningful, but kept as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Set<T>(pub Vec<Field<T>>);

/// A Terraform map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map<T>(pub BTreeMap<String, Field<T>>);

impl<T> List<T> {
    /// A list of known elements.
    pub fn of(elements: impl IntoIterator<Item = T>) -> Self {
        List(elements.into_iter().map(Field::Known).collect())
    }
}

impl<T> Set<T> {
    /// A set of known elements.
    pub fn of(elements: impl IntoIterator<Item = T>) -> Self {
        Set(elements.into_iter().map(Field::Known).collect())
    }
}

impl<T> Map<T> {
    /// A map of known values.
    pub fn of(entries: impl IntoIterator<Item = (String, T)>) -> Self {
        Map(entries
            .into_iter()
            .map(|(key, value)| (key, Field::Known(value)))
            .collect())
    }

    /// The entries whose value is known.
    pub fn known_entries(&self) -> impl Iterator<Item = (&String, &T)> {
        self.0
            .iter()
            .filter_map(|(key, value)| Some((key, value.known()?)))
    }
}

impl<T> Deref for List<T> {
    type Target = [Field<T>];

    fn deref(&self) -> &[Field<T>] {
        &self.0
    }
}

impl<T> Deref for Set<T> {
    type Target = [Field<T>];

    fn deref(&self) -> &[Field<T>] {
        &self.0
    }
}

impl<T: Clone, C: Deref<Target = [Field<T>]>> Field<C> {
    /// The known elements of a list or set, in order; none when the collection is null or
    /// unknown. (Null elements cannot occur: validation rejects them.)
    pub fn elements(&self) -> Vec<T> {
        self.known()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.known().cloned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn decode_elements<T: Convert>(
    items: &[Value],
    path: &AttributePath,
    index_paths: bool,
) -> Result<Vec<Field<T>>, ModelError> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            // Set elements have no index: an error points at the set.
            let at = if index_paths {
                path.clone().index(index as i64)
            } else {
                path.clone()
            };
            Field::decode(item, &at)
        })
        .collect()
}

impl<T: Convert> Convert for List<T> {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::List(items) => Ok(List(decode_elements(items, path, true)?)),
            other => Err(ModelError::new(path, "a list", other)),
        }
    }

    fn encode(&self) -> Value {
        Value::list(self.0.iter().map(Field::encode))
    }
}

impl<T: Convert> Convert for Set<T> {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Set(items) => Ok(Set(decode_elements(items, path, false)?)),
            other => Err(ModelError::new(path, "a set", other)),
        }
    }

    fn encode(&self) -> Value {
        Value::set(self.0.iter().map(Field::encode))
    }
}

impl<T: Convert> Convert for Map<T> {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Map(entries) => entries
                .iter()
                .map(|(key, item)| Ok((key.clone(), Field::decode(item, &path.clone().key(key))?)))
                .collect::<Result<_, _>>()
                .map(Map),
            other => Err(ModelError::new(path, "a map", other)),
        }
    }

    fn encode(&self) -> Value {
        Value::map(
            self.0
                .iter()
                .map(|(key, item)| (key.clone(), item.encode())),
        )
    }
}

/// Reads the attributes of an object value (a block's) one by one.
pub struct Object<'a> {
    value: &'a Value,
    path: &'a AttributePath,
}

impl<'a> Object<'a> {
    pub fn new(value: &'a Value, path: &'a AttributePath) -> Result<Self, ModelError> {
        match value {
            Value::Object(_) => Ok(Object { value, path }),
            other => Err(ModelError::new(path, "an object", other)),
        }
    }

    /// Attribute `name`; an absent attribute reads as null.
    pub fn field<T: Convert>(&self, name: &str) -> Result<Field<T>, ModelError> {
        Field::decode(self.value.get(name), &self.path.clone().attribute(name))
    }
}

/// `value` with every unknown, at any depth, made null.
pub fn null_unknowns(value: Value) -> Value {
    match value {
        Value::Unknown(_) => Value::Null,
        Value::Object(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k, null_unknowns(v)))
                .collect(),
        ),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k, null_unknowns(v)))
                .collect(),
        ),
        Value::List(items) => Value::List(items.into_iter().map(null_unknowns).collect()),
        Value::Set(items) => Value::Set(items.into_iter().map(null_unknowns).collect()),
        Value::Tuple(items) => Value::Tuple(items.into_iter().map(null_unknowns).collect()),
        other => other,
    }
}
