//! The plan helpers, and the generic plan step on a schema without flags.

use super::*;
use crate::schema::{Attribute, AttributeType, NestedBlock};
use crate::value::Type;

fn schema() -> Schema {
    Schema::new(
        Block::new("r")
            .attribute(Attribute::computed("id", Type::String, "id"))
            .attribute(Attribute::required("name", Type::String, "name"))
            .attribute(Attribute::optional_computed("port", Type::Number, "port"))
            .attribute(Attribute::optional("secret", Type::String, "s").write_only())
            .attribute(Attribute::optional(
                "endpoints",
                AttributeType::list([
                    Attribute::required("host", Type::String, "h"),
                    Attribute::computed("ip", Type::String, "ip"),
                ]),
                "e",
            ))
            .block(NestedBlock::single(
                "status",
                Block::new("s").attribute(Attribute::computed("state", Type::String, "st")),
            )),
    )
}

fn state(name: &str, port: i64) -> Value {
    Value::object([
        ("id", Value::string("i-1")),
        ("name", Value::string(name)),
        ("port", Value::number(port)),
        ("secret", Value::Null),
        (
            "endpoints",
            Value::list([Value::object([
                ("host", Value::string("h")),
                ("ip", Value::string("10.0.0.1")),
            ])]),
        ),
        ("status", Value::object([("state", Value::string("ok"))])),
    ])
}

fn config(name: &str) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", Value::string(name)),
        ("port", Value::Null),
        ("secret", Value::string("hunter2")),
        (
            "endpoints",
            Value::list([Value::object([
                ("host", Value::string("h")),
                ("ip", Value::Null),
            ])]),
        ),
        ("status", Value::Null),
    ])
}

#[test]
fn unchanged_resource_plans_no_change() {
    // Terraform's proposal carries prior computed values when the config is unchanged.
    let response = default_plan(
        &schema(),
        PlanRequest {
            prior_state: state("a", 5432),
            proposed_new_state: state("a", 5432).with("secret", Value::string("hunter2")),
            config: config("a"),
            prior_private: b"p".to_vec(),
        },
    );
    assert_eq!(response.planned_state, state("a", 5432));
    assert_eq!(response.planned_private, b"p".to_vec());
}

#[test]
fn changed_resource_marks_unset_computed_attributes_unknown_everywhere() {
    let response = default_plan(
        &schema(),
        PlanRequest {
            prior_state: state("a", 5432),
            proposed_new_state: state("b", 5432),
            config: config("b"),
            prior_private: Vec::new(),
        },
    );
    let planned = response.planned_state;
    assert!(planned.get("id").is_unknown());
    assert!(planned.get("port").is_unknown());
    assert_eq!(planned.get("name").as_str(), Some("b"));
    assert!(
        planned.get("endpoints").elements()[0]
            .get("ip")
            .is_unknown()
    );
    assert_eq!(
        planned.get("endpoints").elements()[0].get("host").as_str(),
        Some("h")
    );
    assert!(planned.get("status").get("state").is_unknown());
}

#[test]
fn destroy_plans_null() {
    let response = default_plan(
        &schema(),
        PlanRequest {
            prior_state: state("a", 1),
            proposed_new_state: Value::Null,
            config: Value::Null,
            prior_private: Vec::new(),
        },
    );
    assert!(response.planned_state.is_null());
}

#[test]
fn replacement_only_for_changed_candidates() {
    let prior = state("a", 1);
    let planned = state("b", 1);
    let candidates = [AttributePath::root("name"), AttributePath::root("port")];
    assert_eq!(
        requires_replace(&prior, &planned, &candidates),
        vec![AttributePath::root("name")]
    );
    assert!(requires_replace(&Value::Null, &planned, &candidates).is_empty());
    let unknown_port = state("a", 1).with("port", Value::unknown());
    assert_eq!(
        requires_replace(&prior, &unknown_port, &candidates),
        vec![AttributePath::root("port")]
    );
}

#[test]
fn state_is_reused_for_stable_unknowns() {
    let prior = state("a", 1);
    let mut planned = state("b", 1)
        .with("id", Value::unknown())
        .with("port", Value::unknown());
    use_state_for_unknown(&mut planned, &prior, &[AttributePath::root("id")]);
    assert_eq!(planned.get("id").as_str(), Some("i-1"));
    assert!(planned.get("port").is_unknown());

    let mut created = state("b", 1).with("id", Value::unknown());
    use_state_for_unknown(&mut created, &Value::Null, &[AttributePath::root("id")]);
    assert!(created.get("id").is_unknown());
}

#[test]
fn defaults_fill_only_unset_values() {
    let mut planned = state("a", 1).with("port", Value::unknown());
    set_default(
        &mut planned,
        &config("a"),
        &AttributePath::root("port"),
        Value::number(5432),
    );
    assert_eq!(planned.get("port").as_i64(), Some(5432));

    let mut planned = state("a", 1);
    let configured = config("a").with("port", Value::number(3306));
    set_default(
        &mut planned,
        &configured,
        &AttributePath::root("port"),
        Value::number(5432),
    );
    assert_eq!(planned.get("port").as_i64(), Some(1));
}

#[test]
fn write_only_values_never_reach_the_plan() {
    let response = default_plan(
        &schema(),
        PlanRequest {
            prior_state: Value::Null,
            proposed_new_state: config("a"),
            config: config("a"),
            prior_private: Vec::new(),
        },
    );
    assert!(response.planned_state.get("secret").is_null());
    assert!(response.planned_state.get("id").is_unknown());
}
