//! cty's JSON encoding of values, which Terraform uses for stored state (UpgradeResourceState)
//! and a few other messages. Unknown values cannot occur in JSON.
//!
//! The provider only reads JSON; encoding is what Terraform does, so `encode` exists for tests
//! (`cfg(test)` or the `testing` feature) only.
//!
//! Decoding keeps number literals exactly: each JSON value is first split into raw text, so a
//! number's digits never pass through an `f64`. A value of type `dynamic` is
//! `{"value": ..., "type": <JSON type description>}`.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::{Number, Type, Value, ValueError};
use crate::diag::PathStep;

/// What to do with object attributes the type does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndefinedAttributes {
    /// Refuse them: the input must match the type exactly.
    Reject,
    /// Drop them: state written by an older schema may hold attributes since removed.
    Ignore,
}

/// Decodes a JSON document as a value of type `ty`.
pub fn decode(
    bytes: &[u8],
    ty: &Type,
    undefined: UndefinedAttributes,
) -> Result<Value, ValueError> {
    let raw: &RawValue =
        serde_json::from_slice(bytes).map_err(|e| ValueError::new(format!("invalid JSON: {e}")))?;
    Decoder { undefined }.value(raw, ty)
}

/// Decodes a JSON document without a type (stored state of an older schema version, whose
/// shape the current schema does not describe): objects become [`Value::Object`], arrays
/// [`Value::List`], and numbers keep every digit.
pub fn decode_untyped(bytes: &[u8]) -> Result<Value, ValueError> {
    let raw: &RawValue =
        serde_json::from_slice(bytes).map_err(|e| ValueError::new(format!("invalid JSON: {e}")))?;
    untyped(raw)
}

fn untyped(raw: &RawValue) -> Result<Value, ValueError> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'n') => Ok(Value::Null),
        Some(b't' | b'f') => parse(raw, "a bool").map(Value::Bool),
        Some(b'"') => parse(raw, "a string").map(Value::String),
        Some(b'[') => {
            let items: Vec<&RawValue> = parse(raw, "an array")?;
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    untyped(item).map_err(|e| e.within(Some(PathStep::Index(index as i64))))
                })
                .collect::<Result<_, _>>()
                .map(Value::List)
        }
        Some(b'{') => {
            let entries: BTreeMap<String, &RawValue> = parse(raw, "an object")?;
            entries
                .into_iter()
                .map(|(name, item)| {
                    let value = untyped(item)
                        .map_err(|e| e.within(Some(PathStep::Attribute(name.clone()))))?;
                    Ok((name, value))
                })
                .collect::<Result<_, _>>()
                .map(Value::Object)
        }
        _ => text.parse().map(Value::Number).map_err(|_| {
            let found: String = text.chars().take(40).collect();
            ValueError::new(format!("expected a JSON value, found {found}"))
        }),
    }
}

/// Encodes a value of type `ty` as JSON. Fails on unknown values and on values that do not
/// conform to the type.
#[cfg(any(test, feature = "testing"))]
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value, ty)?;
    Ok(out)
}

struct Decoder {
    undefined: UndefinedAttributes,
}

fn parse<'a, T: serde::Deserialize<'a>>(raw: &'a RawValue, what: &str) -> Result<T, ValueError> {
    serde_json::from_str(raw.get()).map_err(|_| {
        let found: String = raw.get().chars().take(40).collect();
        ValueError::new(format!("expected {what}, found {found}"))
    })
}

impl Decoder {
    fn value(&self, raw: &RawValue, ty: &Type) -> Result<Value, ValueError> {
        if raw.get() == "null" {
            return Ok(Value::Null);
        }
        match ty {
            Type::Bool => parse(raw, "a bool").map(Value::Bool),
            Type::String => parse(raw, "a string").map(Value::String),
            Type::Number => {
                // JSON number syntax is a subset of what Number accepts; a string is refused
                // here by its leading quote.
                let text = raw.get();
                let number: Number = text.parse().map_err(|_| {
                    let found: String = text.chars().take(40).collect();
                    ValueError::new(format!("expected a number, found {found}"))
                })?;
                Ok(Value::Number(number))
            }
            Type::List(element) => self.elements(raw, element, true).map(Value::List),
            Type::Set(element) => self.elements(raw, element, false).map(Value::Set),
            Type::Tuple(types) => {
                let items: Vec<&RawValue> = parse(raw, "an array")?;
                if items.len() != types.len() {
                    return Err(ValueError::new(format!(
                        "tuple has {} elements, its type {}",
                        items.len(),
                        types.len()
                    )));
                }
                items
                    .into_iter()
                    .zip(types)
                    .enumerate()
                    .map(|(index, (item, ty))| {
                        self.value(item, ty)
                            .map_err(|e| e.within(Some(PathStep::Index(index as i64))))
                    })
                    .collect::<Result<_, _>>()
                    .map(Value::Tuple)
            }
            Type::Map(element) => {
                let entries: BTreeMap<String, &RawValue> = parse(raw, "an object")?;
                entries
                    .into_iter()
                    .map(|(key, item)| {
                        let value = self
                            .value(item, element)
                            .map_err(|e| e.within(Some(PathStep::Key(key.clone()))))?;
                        Ok((key, value))
                    })
                    .collect::<Result<_, _>>()
                    .map(Value::Map)
            }
            Type::Object(attributes) => {
                let entries: BTreeMap<String, &RawValue> = parse(raw, "an object")?;
                let mut object = BTreeMap::new();
                for (name, item) in entries {
                    let Some(ty) = attributes.get(&name) else {
                        if self.undefined == UndefinedAttributes::Reject {
                            return Err(ValueError::new(format!("unsupported attribute {name:?}")));
                        }
                        continue;
                    };
                    let value = self
                        .value(item, ty)
                        .map_err(|e| e.within(Some(PathStep::Attribute(name.clone()))))?;
                    object.insert(name, value);
                }
                for name in attributes.keys() {
                    object.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(object))
            }
            Type::Dynamic => {
                #[derive(serde::Deserialize)]
                struct Dynamic<'a> {
                    #[serde(borrow)]
                    value: &'a RawValue,
                    #[serde(rename = "type")]
                    ty: serde_json::Value,
                }
                let dynamic: Dynamic<'_> = parse(raw, "a {\"value\", \"type\"} object")?;
                let ty =
                    Type::from_json(&dynamic.ty).map_err(|e| ValueError::new(e.to_string()))?;
                self.value(dynamic.value, &ty)
            }
        }
    }

    fn elements(
        &self,
        raw: &RawValue,
        element: &Type,
        indexed: bool,
    ) -> Result<Vec<Value>, ValueError> {
        let items: Vec<&RawValue> = parse(raw, "an array")?;
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                let step = indexed.then_some(PathStep::Index(index as i64));
                self.value(item, element).map_err(|e| e.within(step))
            })
            .collect()
    }
}

#[cfg(any(test, feature = "testing"))]
fn write_value(out: &mut Vec<u8>, value: &Value, ty: &Type) -> Result<(), ValueError> {
    match (value, ty) {
        (Value::Null, _) => out.extend_from_slice(b"null"),
        (Value::Unknown(_), _) => {
            return Err(ValueError::new("unknown values cannot be encoded as JSON"));
        }
        (_, Type::Dynamic) => {
            let concrete = value.infer_type();
            out.extend_from_slice(b"{\"value\":");
            write_value(out, value, &concrete)?;
            out.extend_from_slice(b",\"type\":");
            out.extend_from_slice(concrete.to_json().to_string().as_bytes());
            out.push(b'}');
        }
        (Value::Bool(flag), Type::Bool) => {
            out.extend_from_slice(if *flag { b"true" } else { b"false" })
        }
        (Value::Number(number), Type::Number) => {
            out.extend_from_slice(number.to_string().as_bytes())
        }
        (Value::String(text), Type::String) => write_string(out, text)?,
        (Value::List(items), Type::List(element)) => write_items(out, items, element, true)?,
        (Value::Set(items), Type::Set(element)) => write_items(out, items, element, false)?,
        (Value::Tuple(items), Type::Tuple(types)) if items.len() == types.len() => {
            out.push(b'[');
            for (index, (item, ty)) in items.iter().zip(types).enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_value(out, item, ty)
                    .map_err(|e| e.within(Some(PathStep::Index(index as i64))))?;
            }
            out.push(b']');
        }
        (Value::Map(entries), Type::Map(element)) => {
            out.push(b'{');
            for (position, (key, item)) in entries.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_string(out, key)?;
                out.push(b':');
                write_value(out, item, element)
                    .map_err(|e| e.within(Some(PathStep::Key(key.clone()))))?;
            }
            out.push(b'}');
        }
        (Value::Object(entries), Type::Object(attributes)) => {
            if let Some(extra) = entries.keys().find(|name| !attributes.contains_key(*name)) {
                return Err(ValueError::new(format!(
                    "attribute {extra:?} is not in the schema"
                )));
            }
            out.push(b'{');
            for (position, (name, ty)) in attributes.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_string(out, name)?;
                out.push(b':');
                let item = entries.get(name).unwrap_or(&Value::Null);
                write_value(out, item, ty)
                    .map_err(|e| e.within(Some(PathStep::Attribute(name.clone()))))?;
            }
            out.push(b'}');
        }
        (value, ty) => {
            return Err(ValueError::new(format!(
                "value {} does not conform to type {ty}",
                kind(value)
            )));
        }
    }
    Ok(())
}

#[cfg(any(test, feature = "testing"))]
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Unknown(_) => "unknown",
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Tuple(_) => "tuple",
    }
}

#[cfg(any(test, feature = "testing"))]
fn write_items(
    out: &mut Vec<u8>,
    items: &[Value],
    element: &Type,
    indexed: bool,
) -> Result<(), ValueError> {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let step = indexed.then_some(PathStep::Index(index as i64));
        write_value(out, item, element).map_err(|e| e.within(step))?;
    }
    out.push(b']');
    Ok(())
}

#[cfg(any(test, feature = "testing"))]
fn write_string(out: &mut Vec<u8>, text: &str) -> Result<(), ValueError> {
    serde_json::to_writer(out, text).map_err(|e| ValueError::new(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::AttributePath;
    use crate::value::strategies::typed_value;
    use proptest::prelude::*;

    fn state_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("big", Type::Number),
            ("ids", Type::set(Type::String)),
        ])
    }

    #[test]
    fn decodes_state_json_without_losing_digits() {
        let json = br#"{"big":123456789012345678901234567890.25,"id":"x","ids":null}"#;
        let value = decode(json, &state_type(), UndefinedAttributes::Reject)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            value.get("big").as_number().map(ToString::to_string),
            Some("123456789012345678901234567890.25".to_string())
        );
        assert!(value.get("ids").is_null());
        assert_eq!(encode(&value, &state_type()), Ok(json.to_vec()));
    }

    #[test]
    fn absent_attributes_are_null_and_removed_ones_are_optional_to_refuse() {
        let json = br#"{"id":"x","removed_long_ago":true}"#;
        assert!(decode(json, &state_type(), UndefinedAttributes::Reject).is_err());
        let value = decode(json, &state_type(), UndefinedAttributes::Ignore)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            value,
            Value::object([
                ("id", Value::string("x")),
                ("big", Value::Null),
                ("ids", Value::Null)
            ])
        );
    }

    #[test]
    fn type_mismatches_are_errors_with_paths() {
        let json = br#"{"id":"x","big":"12","ids":["a",1]}"#;
        let error = decode(json, &state_type(), UndefinedAttributes::Reject);
        assert_eq!(error.map_err(|e| e.path), Err(AttributePath::root("big")));
        let json = br#"{"id":"x","big":1,"ids":["a",1]}"#;
        assert!(decode(json, &state_type(), UndefinedAttributes::Reject).is_err());
        assert!(decode(b"{", &state_type(), UndefinedAttributes::Reject).is_err());
        assert!(encode(&Value::unknown(), &Type::String).is_err());
    }

    #[test]
    fn untyped_decoding_keeps_the_shape_and_every_digit() {
        let json = br#"{"a":[1,"x",null,true],"b":{"c":123456789012345678901234567890.5}}"#;
        let value = decode_untyped(json).unwrap_or_else(|e| panic!("{e}"));
        let big: Number = "123456789012345678901234567890.5"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            value,
            Value::object([
                (
                    "a",
                    Value::list([
                        Value::number(1),
                        Value::string("x"),
                        Value::Null,
                        Value::bool(true)
                    ])
                ),
                ("b", Value::object([("c", Value::Number(big))])),
            ])
        );
        assert_eq!(decode_untyped(b"null"), Ok(Value::Null));
        assert!(decode_untyped(b"{").is_err());
        assert!(decode_untyped(b"[1,]").is_err());
    }

    #[test]
    fn dynamic_values_are_wrapped_with_their_type() {
        let value = Value::object([("a", Value::from(true))]);
        let bytes = encode(&value, &Type::Dynamic).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            r#"{"value":{"a":true},"type":["object",{"a":"bool"}]}"#
        );
        assert_eq!(
            decode(&bytes, &Type::Dynamic, UndefinedAttributes::Reject),
            Ok(value)
        );
    }

    proptest! {
        #[test]
        fn round_trips_any_known_value((ty, value) in typed_value(false)) {
            let bytes = encode(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = decode(&bytes, &ty, UndefinedAttributes::Reject)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, value);
        }
    }
}
