//! Building, reading and comparing values.

use super::*;

fn sample() -> Value {
    Value::object([
        ("name", Value::string("db")),
        ("port", Value::number(5432)),
        ("enabled", Value::bool(true)),
        ("subnet_ids", Value::list_of_strings(["a", "b"])),
        ("tags", Value::map_of_strings([("Name", "x")])),
        (
            "rule",
            Value::list([Value::object([("cidr", Value::unknown())])]),
        ),
    ])
}

#[test]
fn accessors_read_attributes() {
    let value = sample();
    assert_eq!(value.get("name").as_str(), Some("db"));
    assert_eq!(value.get("port").as_u16(), Some(5432));
    assert_eq!(value.get("enabled").as_bool(), Some(true));
    assert_eq!(value.get("subnet_ids").as_strings(), Some(vec!["a", "b"]));
    assert_eq!(value.get("tags").get("Name").as_str(), Some("x"));
    assert!(value.get("missing").is_null());
    assert!(value.get("name").get("deeper").is_null());
    assert!(value.is_known());
    assert!(!value.is_fully_known());
    assert!(value.get("subnet_ids").is_fully_known());
}

#[test]
fn paths_reach_nested_values() {
    let mut value = sample();
    let path = AttributePath::root("rule").index(0).attribute("cidr");
    assert_eq!(value.at(&path), Some(&Value::unknown()));
    if let Some(slot) = value.at_mut(&path) {
        *slot = Value::string("10.0.0.0/8");
    }
    assert_eq!(value.at(&path).and_then(Value::as_str), Some("10.0.0.0/8"));
    assert_eq!(
        value.at(&AttributePath::root("tags").key("Name")),
        Some(&Value::string("x"))
    );
    assert_eq!(value.at(&AttributePath::root("subnet_ids").index(2)), None);
    assert_eq!(value.at(&AttributePath::root("subnet_ids").index(-1)), None);
    assert_eq!(value.at(&AttributePath::empty()), Some(&value));
}

#[test]
fn sets_compare_without_order() {
    assert_eq!(
        Value::set_of_strings(["a", "b", "b"]),
        Value::set_of_strings(["b", "a", "b"])
    );
    assert_ne!(
        Value::set_of_strings(["a", "a", "b"]),
        Value::set_of_strings(["a", "b", "b"])
    );
    assert_ne!(
        Value::list_of_strings(["a", "b"]),
        Value::list_of_strings(["b", "a"])
    );
    assert_ne!(Value::list_of_strings(["a"]), Value::set_of_strings(["a"]));
}

#[test]
fn builders_and_conversions() {
    assert_eq!(Value::from(Some("x")), Value::string("x"));
    assert_eq!(Value::from(None::<String>), Value::Null);
    assert_eq!(Value::optional_string(None::<&str>), Value::Null);
    let value = Value::object([("a", Value::Null)]).with("b", Value::from(3i64));
    assert_eq!(value.get("b").as_i64(), Some(3));
    assert_eq!(format!("{value:?}"), r#"{"a": null, "b": 3}"#);
}

#[test]
fn inferred_types_describe_the_value() {
    assert_eq!(
        Value::list([Value::from(1i64), Value::Null]).infer_type(),
        Type::list(Type::Number)
    );
    assert_eq!(
        Value::list([Value::from(1i64), Value::from("x")]).infer_type(),
        Type::list(Type::Dynamic)
    );
    assert_eq!(
        Value::object([("a", Value::from(true))]).infer_type(),
        Type::object([("a", Type::Bool)])
    );
}
