//! Makes an untyped value (decoded from JSON without a schema, then reshaped by a state upgrade)
//! conform to a type: collection kinds follow the type, absent object attributes become null,
//! anything else must already match.

use super::{Type, Value, ValueError};
use crate::diag::PathStep;

/// `value` as a value of `ty`: lists, sets and tuples become what `ty` says (arrays in JSON do
/// not say which), maps and objects likewise, absent object attributes null. Refuses unknown
/// values, attributes `ty` does not have, and mismatched primitives. A `dynamic` type takes any
/// known value as it is.
pub fn conform(value: Value, ty: &Type) -> Result<Value, ValueError> {
    let sequence = |items: Vec<Value>, element: &Type, indexed: bool| {
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                let step = indexed.then_some(PathStep::Index(index as i64));
                conform(item, element).map_err(|e| e.within(step))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    match (value, ty) {
        (Value::Null, _) => Ok(Value::Null),
        (Value::Unknown(_), _) => Err(ValueError::new("stored state cannot hold unknown values")),
        (value, Type::Dynamic) if value.is_fully_known() => Ok(value),
        (Value::Bool(flag), Type::Bool) => Ok(Value::Bool(flag)),
        (Value::Number(number), Type::Number) => Ok(Value::Number(number)),
        (Value::String(text), Type::String) => Ok(Value::String(text)),
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::List(element)) => {
            sequence(items, element, true).map(Value::List)
        }
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::Set(element)) => {
            sequence(items, element, false).map(Value::Set)
        }
        (Value::List(items) | Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(ValueError::new(format!(
                    "a tuple of {} elements has {}",
                    types.len(),
                    items.len()
                )));
            }
            items
                .into_iter()
                .zip(types)
                .enumerate()
                .map(|(index, (item, ty))| {
                    conform(item, ty).map_err(|e| e.within(Some(PathStep::Index(index as i64))))
                })
                .collect::<Result<_, _>>()
                .map(Value::Tuple)
        }
        (Value::Map(entries) | Value::Object(entries), Type::Map(element)) => entries
            .into_iter()
            .map(|(key, item)| {
                let item = conform(item, element)
                    .map_err(|e| e.within(Some(PathStep::Key(key.clone()))))?;
                Ok((key, item))
            })
            .collect::<Result<_, _>>()
            .map(Value::Map),
        (Value::Map(mut entries) | Value::Object(mut entries), Type::Object(attributes)) => {
            if let Some(extra) = entries.keys().find(|name| !attributes.contains_key(*name)) {
                return Err(ValueError::new(format!(
                    "attribute {extra:?} is not in the schema"
                )));
            }
            attributes
                .iter()
                .map(|(name, ty)| {
                    let item = entries.remove(name).unwrap_or(Value::Null);
                    let item = conform(item, ty)
                        .map_err(|e| e.within(Some(PathStep::Attribute(name.clone()))))?;
                    Ok((name.clone(), item))
                })
                .collect::<Result<_, _>>()
                .map(Value::Object)
        }
        (value, ty) => Err(ValueError::new(format!(
            "{} does not conform to type {ty}",
            describe(&value)
        ))),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::AttributePath;

    fn ty() -> Type {
        Type::object([
            ("ids", Type::set(Type::String)),
            ("tags", Type::map(Type::String)),
            ("pair", Type::Tuple(vec![Type::String, Type::Number])),
            ("port", Type::Number),
            ("any", Type::Dynamic),
        ])
    }

    #[test]
    fn collections_take_the_kind_the_type_says() {
        let untyped = Value::object([
            ("ids", Value::list_of_strings(["b", "a"])),
            ("tags", Value::object([("Name", Value::string("x"))])),
            ("pair", Value::list([Value::string("a"), Value::number(1)])),
            ("any", Value::list([Value::bool(true)])),
        ]);
        let typed = conform(untyped, &ty()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            typed,
            Value::object([
                ("ids", Value::set_of_strings(["a", "b"])),
                ("tags", Value::map_of_strings([("Name", "x")])),
                ("pair", Value::tuple([Value::string("a"), Value::number(1)])),
                ("port", Value::Null),
                ("any", Value::list([Value::bool(true)])),
            ])
        );
    }

    #[test]
    fn mismatches_are_errors_with_paths() {
        let extra = Value::object([("old", Value::bool(true))]);
        assert!(conform(extra, &ty()).is_err());
        let wrong = Value::object([("port", Value::string("5432"))]);
        assert_eq!(
            conform(wrong, &ty()).map_err(|e| e.path),
            Err(AttributePath::root("port"))
        );
        let unknown = Value::object([("ids", Value::list([Value::unknown()]))]);
        assert!(conform(unknown, &ty()).is_err());
        let short = Value::object([("pair", Value::list([Value::string("a")]))]);
        assert!(conform(short, &ty()).is_err());
    }
}
