//! Terraform (cty) types and their JSON encoding, which is how schemas and dynamically-typed
//! values describe types on the wire: `"string"`, `["list","string"]`, `["object",{"a":"bool"}]`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

/// The type of a Terraform value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    /// "any type": the value carries its own type on the wire.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

/// A type description Terraform sent that is not a cty type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid type description {found}: {reason}")]
pub struct TypeError {
    found: String,
    reason: &'static str,
}

impl TypeError {
    fn new(found: &Json, reason: &'static str) -> Self {
        Self {
            found: found.to_string().chars().take(120).collect(),
            reason,
        }
    }
}

impl Type {
    pub fn list(element: Type) -> Self {
        Self::List(Box::new(element))
    }

    pub fn set(element: Type) -> Self {
        Self::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Self {
        Self::Map(Box::new(element))
    }

    /// An object type from `(attribute name, type)` pairs.
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Type)>) -> Self {
        Self::Object(
            attributes
                .into_iter()
                .map(|(name, ty)| (name.into(), ty))
                .collect(),
        )
    }

    /// cty's JSON type encoding.
    pub fn to_json(&self) -> Json {
        match self {
            Type::Bool => Json::from("bool"),
            Type::Number => Json::from("number"),
            Type::String => Json::from("string"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(element) => Json::from(vec![Json::from("list"), element.to_json()]),
            Type::Set(element) => Json::from(vec![Json::from("set"), element.to_json()]),
            Type::Map(element) => Json::from(vec![Json::from("map"), element.to_json()]),
            Type::Object(attributes) => {
                let attributes = attributes
                    .iter()
                    .map(|(name, ty)| (name.clone(), ty.to_json()))
                    .collect::<serde_json::Map<_, _>>();
                Json::from(vec![Json::from("object"), Json::Object(attributes)])
            }
            Type::Tuple(elements) => Json::from(vec![
                Json::from("tuple"),
                Json::Array(elements.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// cty's JSON type encoding as bytes, as schema attributes carry it.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Parses cty's JSON type encoding. The optional-attributes list an object type constraint
    /// may carry as a third element is accepted and ignored: it does not change the value type.
    pub fn from_json(json: &Json) -> Result<Self, TypeError> {
        match json {
            Json::String(name) => match name.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(TypeError::new(json, "unknown primitive type")),
            },
            Json::Array(parts) => {
                let kind = parts.first().and_then(Json::as_str);
                let argument = parts
                    .get(1)
                    .ok_or_else(|| TypeError::new(json, "missing type argument"))?;
                match (kind, parts.len()) {
                    (Some("list"), 2) => Ok(Type::list(Self::from_json(argument)?)),
                    (Some("set"), 2) => Ok(Type::set(Self::from_json(argument)?)),
                    (Some("map"), 2) => Ok(Type::map(Self::from_json(argument)?)),
                    (Some("object"), 2 | 3) => {
                        let attributes = argument
                            .as_object()
                            .ok_or_else(|| TypeError::new(json, "object attributes not a map"))?;
                        attributes
                            .iter()
                            .map(|(name, ty)| Ok((name.clone(), Self::from_json(ty)?)))
                            .collect::<Result<_, _>>()
                            .map(Type::Object)
                    }
                    (Some("tuple"), 2) => {
                        let elements = argument
                            .as_array()
                            .ok_or_else(|| TypeError::new(json, "tuple elements not a list"))?;
                        elements
                            .iter()
                            .map(Self::from_json)
                            .collect::<Result<_, _>>()
                            .map(Type::Tuple)
                    }
                    _ => Err(TypeError::new(json, "unknown type constructor")),
                }
            }
            _ => Err(TypeError::new(json, "neither a string nor a list")),
        }
    }

    /// Parses cty's JSON type encoding from bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self, TypeError> {
        let json: Json = serde_json::from_slice(bytes)
            .map_err(|_| TypeError::new(&Json::from("<not JSON>"), "not JSON"))?;
        Self::from_json(&json)
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(element) => write!(f, "list({element})"),
            Type::Set(element) => write!(f, "set({element})"),
            Type::Map(element) => write!(f, "map({element})"),
            Type::Object(attributes) => {
                f.write_str("object({")?;
                for (position, (name, ty)) in attributes.iter().enumerate() {
                    let separator = if position == 0 { "" } else { ", " };
                    write!(f, "{separator}{name}={ty}")?;
                }
                f.write_str("})")
            }
            Type::Tuple(elements) => {
                f.write_str("tuple([")?;
                for (position, ty) in elements.iter().enumerate() {
                    let separator = if position == 0 { "" } else { ", " };
                    write!(f, "{separator}{ty}")?;
                }
                f.write_str("])")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_encoding_matches_cty() {
        let ty = Type::object([
            ("ids", Type::list(Type::String)),
            ("port", Type::Number),
            ("tags", Type::map(Type::String)),
            ("pair", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
            ("rules", Type::set(Type::object([("cidr", Type::String)]))),
        ]);
        let text = ty.to_json().to_string();
        assert_eq!(
            text,
            r#"["object",{"ids":["list","string"],"pair":["tuple",["bool","dynamic"]],"port":"number","rules":["set",["object",{"cidr":"string"}]],"tags":["map","string"]}]"#
        );
        assert_eq!(Type::from_json_bytes(text.as_bytes()), Ok(ty));
    }

    #[test]
    fn object_constraints_with_optional_attributes_parse() {
        let json = serde_json::json!(["object", {"a": "string"}, ["a"]]);
        assert_eq!(
            Type::from_json(&json),
            Ok(Type::object([("a", Type::String)]))
        );
    }

    #[test]
    fn invalid_descriptions_are_errors() {
        for json in [
            serde_json::json!("text"),
            serde_json::json!(["list"]),
            serde_json::json!(["list", "string", "extra"]),
            serde_json::json!(["object", ["a"]]),
            serde_json::json!(["tuple", {}]),
            serde_json::json!(42),
        ] {
            assert!(Type::from_json(&json).is_err(), "{json}");
        }
    }
}
