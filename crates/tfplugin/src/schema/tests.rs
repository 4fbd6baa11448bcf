//! Schema construction and the checks of [`Schema::validate`].

use super::*;
use crate::diag::{AttributePath, Diagnostics};
use crate::value::Value;

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

fn reject_all(_: &Value, _: &AttributePath, _: &mut Diagnostics) {}

fn grows(prior: &Value, planned: &Value) -> bool {
    planned.as_i64() > prior.as_i64()
}

fn only(attribute: Attribute) -> Schema {
    Schema::new(Block::new("x").attribute(attribute))
}

#[test]
fn attribute_behaviour_is_kept_by_the_builders() {
    let attribute = Attribute::optional_computed("port", Type::Number, "Port.")
        .default(Value::number(5432))
        .requires_replace_if(grows)
        .use_state_for_unknown()
        .validate(reject_all)
        .validate(reject_all);
    assert_eq!(attribute.default, Some(Value::number(5432)));
    assert_eq!(attribute.requires_replace, Some(RequiresReplace::If(grows)));
    assert!(attribute.use_state_for_unknown);
    assert_eq!(attribute.validators.len(), 2);
    assert_eq!(attribute.clone(), attribute);
    assert_ne!(
        attribute.clone().requires_replace(),
        attribute,
        "a different replacement rule is a different attribute"
    );
    assert_eq!(only(attribute).validate(), Ok(()));
}

#[test]
fn behaviour_that_cannot_work_is_rejected() {
    let reason = |attribute: Attribute| only(attribute).validate().map_err(|e| e.reason);
    let default = Value::string("x");
    for mode in [
        Attribute::required("a", Type::String, "a"),
        Attribute::optional("a", Type::String, "a"),
        Attribute::computed("a", Type::String, "a"),
    ] {
        assert!(reason(mode.default(default.clone())).is_err());
    }
    let wrong_type = Attribute::optional_computed("a", Type::Number, "a").default(default);
    assert!(reason(wrong_type).is_err());
    let unknown = Attribute::optional_computed("a", Type::String, "a").default(Value::unknown());
    assert!(reason(unknown).is_err());
    for not_computed in [
        Attribute::required("a", Type::String, "a"),
        Attribute::optional("a", Type::String, "a"),
    ] {
        assert!(reason(not_computed.use_state_for_unknown()).is_err());
    }
    assert!(reason(Attribute::computed("a", Type::String, "a").requires_replace()).is_err());
    assert!(
        reason(
            Attribute::optional("a", Type::String, "a")
                .write_only()
                .requires_replace()
        )
        .is_err()
    );
    // Nested: the path names the nested attribute; inside set elements plan flags are refused.
    let nested = Schema::new(Block::new("x").attribute(Attribute::optional(
        "n",
        AttributeType::list([Attribute::computed("id", Type::String, "i").requires_replace()]),
        "n",
    )));
    assert_eq!(
        nested.validate().map_err(|e| e.path),
        Err("n.id".to_string())
    );
    let in_set_block = Schema::new(Block::new("x").block(NestedBlock::set(
        "s",
        Block::new("s").attribute(Attribute::required("a", Type::String, "a").requires_replace()),
    )));
    assert!(in_set_block.validate().is_err());
    let validators_in_sets_are_fine = Schema::new(Block::new("x").attribute(Attribute::optional(
        "s",
        AttributeType::set([Attribute::required("a", Type::String, "a").validate(reject_all)]),
        "s",
    )));
    assert_eq!(validators_in_sets_are_fine.validate(), Ok(()));
}

#[test]
fn full_descriptions_say_what_the_flags_do() {
    let plain = Attribute::optional("a", Type::String, "Plain text.  ");
    assert_eq!(plain.full_description(), "Plain text.");
    let flagged = Attribute::optional_computed("a", Type::String, "The protocol.")
        .default(Value::string("TCP"))
        .requires_replace();
    assert_eq!(
        flagged.full_description(),
        "The protocol. Defaults to `TCP`. Changing this forces a new resource."
    );
    let collection = Attribute::optional_computed("a", Type::map(Type::list(Type::String)), "M.")
        .default(Value::map([
            ("a b", Value::list_of_strings(["x"])),
            ("c", Value::list([])),
        ]));
    assert_eq!(
        collection.full_description(),
        r#"M. Defaults to `{ "a b" = ["x"], c = [] }`."#
    );
}
