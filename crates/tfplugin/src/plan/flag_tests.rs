//! The generic plan step with the schema's flags: each rule, and how they interplay.

use super::*;
use crate::schema::{Attribute, AttributeType, NestedBlock};
use crate::value::Type;

/// A resource using every flag: `name` replaces, `size` replaces only when it shrinks, `port`
/// defaults, `id` and `arn` keep their state, `endpoints[*].zone` and `settings.mode` are nested
/// flags, `rule[*].label` (a list block) replaces.
fn flagged() -> Schema {
    fn shrinks(prior: &Value, planned: &Value) -> bool {
        // Unknown sizes may shrink.
        planned
            .as_i64()
            .is_none_or(|size| Some(size) < prior.as_i64())
    }
    Schema::new(
        Block::new("r")
            .attribute(Attribute::computed("id", Type::String, "id").use_state_for_unknown())
            .attribute(Attribute::computed("arn", Type::String, "arn").use_state_for_unknown())
            .attribute(Attribute::computed("status", Type::String, "status"))
            .attribute(Attribute::required("name", Type::String, "name").requires_replace())
            .attribute(
                Attribute::optional("size", Type::Number, "size").requires_replace_if(shrinks),
            )
            .attribute(
                Attribute::optional_computed("port", Type::Number, "port")
                    .default(Value::number(5432)),
            )
            .attribute(Attribute::optional("secret", Type::String, "s").write_only())
            .attribute(Attribute::optional(
                "endpoints",
                AttributeType::list([
                    Attribute::required("host", Type::String, "h"),
                    Attribute::optional_computed("zone", Type::String, "z")
                        .default(Value::string("a"))
                        .requires_replace(),
                    Attribute::optional("token", Type::String, "t").write_only(),
                ]),
                "e",
            ))
            .attribute(Attribute::optional(
                "settings",
                AttributeType::single([
                    Attribute::optional_computed("mode", Type::String, "m").use_state_for_unknown()
                ]),
                "s",
            ))
            .block(NestedBlock::list(
                "rule",
                Block::new("r")
                    .attribute(Attribute::required("label", Type::String, "l").requires_replace()),
            ))
            .block(NestedBlock::single(
                "timeouts",
                Block::new("t").attribute(
                    Attribute::optional_computed("create", Type::String, "c")
                        .default(Value::string("10m")),
                ),
            )),
    )
    .version(0)
}

fn endpoint(host: &str, zone: Value) -> Value {
    Value::object([
        ("host", Value::string(host)),
        ("zone", zone),
        ("token", Value::Null),
    ])
}

/// The configuration: `name` set, the rest left null unless a test sets it.
fn flagged_config(name: &str) -> Value {
    Value::object([
        ("id", Value::Null),
        ("arn", Value::Null),
        ("status", Value::Null),
        ("name", Value::string(name)),
        ("size", Value::Null),
        ("port", Value::Null),
        ("secret", Value::Null),
        ("endpoints", Value::Null),
        ("settings", Value::Null),
        ("rule", Value::list([])),
        ("timeouts", Value::Null),
    ])
}

/// What apply stored for `flagged_config(name)`.
fn flagged_state(name: &str) -> Value {
    flagged_config(name)
        .with("id", Value::string("i-1"))
        .with("arn", Value::string("arn:1"))
        .with("status", Value::string("ok"))
        .with("port", Value::number(5432))
}

/// Terraform's proposal: the configuration, with prior values for computed attributes the
/// configuration leaves null.
fn propose(prior: &Value, config: &Value) -> Value {
    let mut proposed = config.clone();
    for name in ["id", "arn", "status", "port"] {
        if config.get(name).is_null() {
            proposed.set_attribute(name, prior.get(name).clone());
        }
    }
    proposed
}

fn plan_flagged(prior: &Value, config: &Value) -> PlanResponse {
    default_plan(
        &flagged(),
        PlanRequest {
            prior_state: prior.clone(),
            proposed_new_state: propose(prior, config),
            config: config.clone(),
            prior_private: Vec::new(),
        },
    )
}

#[test]
fn the_flagged_schema_is_valid() {
    assert_eq!(flagged().validate(), Ok(()));
}

#[test]
fn create_plans_defaults_and_unknowns_and_never_replaces() {
    let config = flagged_config("a").with("secret", Value::string("pw"));
    let plan = plan_flagged(&Value::Null, &config);
    let planned = &plan.planned_state;
    assert_eq!(planned.get("port").as_i64(), Some(5432));
    assert!(planned.get("id").is_unknown());
    assert!(planned.get("status").is_unknown());
    assert!(planned.get("secret").is_null());
    assert!(plan.requires_replace.is_empty());
}

#[test]
fn an_unchanged_configuration_relying_on_a_default_plans_no_change() {
    let prior = flagged_state("a");
    let plan = plan_flagged(&prior, &flagged_config("a"));
    assert_eq!(plan.planned_state, prior);
    assert!(plan.requires_replace.is_empty());
}

#[test]
fn removing_a_configured_value_plans_the_default_again() {
    let prior = flagged_state("a").with("port", Value::number(3306));
    let plan = plan_flagged(&prior, &flagged_config("a"));
    assert_eq!(plan.planned_state.get("port").as_i64(), Some(5432));
    // Something changed: computed attributes without use_state_for_unknown are unknown.
    assert!(plan.planned_state.get("status").is_unknown());
    assert_eq!(plan.planned_state.get("id").as_str(), Some("i-1"));
    assert_eq!(plan.planned_state.get("arn").as_str(), Some("arn:1"));
}

#[test]
fn a_configured_value_wins_over_the_default() {
    let config = flagged_config("a").with("port", Value::number(3306));
    let plan = plan_flagged(&flagged_state("a"), &config);
    assert_eq!(plan.planned_state.get("port").as_i64(), Some(3306));
}

#[test]
fn requires_replace_only_for_a_changed_flagged_value() {
    let prior = flagged_state("a");
    let plan = plan_flagged(&prior, &flagged_config("b"));
    assert_eq!(plan.requires_replace, vec![AttributePath::root("name")]);
    // Changing an attribute without the flag updates in place.
    let plan = plan_flagged(&prior, &flagged_config("a").with("port", Value::number(1)));
    assert!(plan.requires_replace.is_empty());
    // Destroy plans null and replaces nothing.
    let destroy = default_plan(
        &flagged(),
        PlanRequest {
            prior_state: prior,
            proposed_new_state: Value::Null,
            config: Value::Null,
            prior_private: Vec::new(),
        },
    );
    assert!(destroy.planned_state.is_null() && destroy.requires_replace.is_empty());
}

#[test]
fn an_unknown_planned_value_counts_as_a_change() {
    let prior = flagged_state("a");
    let config = flagged_config("a").with("name", Value::unknown());
    let plan = plan_flagged(&prior, &config);
    assert_eq!(plan.requires_replace, vec![AttributePath::root("name")]);
}

#[test]
fn requires_replace_if_asks_only_when_both_values_are_set() {
    let prior = flagged_state("a").with("size", Value::number(10));
    let sized = |size: Value| flagged_config("a").with("size", size);
    let replaced = |config: &Value, prior: &Value| plan_flagged(prior, config).requires_replace;
    assert_eq!(
        replaced(&sized(Value::number(5)), &prior),
        vec![AttributePath::root("size")]
    );
    assert!(replaced(&sized(Value::number(20)), &prior).is_empty());
    assert_eq!(
        replaced(&sized(Value::unknown()), &prior),
        vec![AttributePath::root("size")]
    );
    // From or to null the function is not asked, and nothing is replaced.
    assert!(replaced(&sized(Value::Null), &prior).is_empty());
    assert!(replaced(&sized(Value::number(1)), &flagged_state("a")).is_empty());
}

#[test]
fn use_state_for_unknown_keeps_prior_values_but_not_on_create_or_unknown_config() {
    let prior = flagged_state("a");
    let plan = plan_flagged(&prior, &flagged_config("a").with("port", Value::number(1)));
    assert_eq!(plan.planned_state.get("id").as_str(), Some("i-1"));
    assert!(plan.planned_state.get("status").is_unknown());

    let created = plan_flagged(&Value::Null, &flagged_config("a"));
    assert!(created.planned_state.get("id").is_unknown());

    // A prior null stays unknown: there is nothing to keep.
    let no_arn = flagged_state("a").with("arn", Value::Null);
    let plan = plan_flagged(&no_arn, &flagged_config("a").with("port", Value::number(1)));
    assert!(plan.planned_state.get("arn").is_unknown());
}

#[test]
fn use_state_for_unknown_leaves_a_configured_unknown_alone() {
    let prior =
        flagged_state("a").with("settings", Value::object([("mode", Value::string("fast"))]));
    let config = flagged_config("a").with("settings", Value::object([("mode", Value::unknown())]));
    let plan = plan_flagged(&prior, &config);
    assert!(plan.planned_state.get("settings").get("mode").is_unknown());

    // Left null in the configuration, the nested computed value keeps its state.
    let config = flagged_config("a")
        .with("port", Value::number(1))
        .with("settings", Value::object([("mode", Value::Null)]));
    let mut proposed = propose(&prior, &config);
    proposed.set_attribute("settings", prior.get("settings").clone());
    let plan = default_plan(
        &flagged(),
        PlanRequest {
            prior_state: prior,
            proposed_new_state: proposed,
            config,
            prior_private: Vec::new(),
        },
    );
    assert_eq!(
        plan.planned_state.get("settings").get("mode").as_str(),
        Some("fast")
    );
}

#[test]
fn nested_attributes_get_defaults_replacement_and_write_only_nulls() {
    let config = flagged_config("a").with(
        "endpoints",
        Value::list([
            Value::object([
                ("host", Value::string("h1")),
                ("zone", Value::Null),
                ("token", Value::string("secret")),
            ]),
            Value::object([
                ("host", Value::string("h2")),
                ("zone", Value::string("b")),
                ("token", Value::Null),
            ]),
        ]),
    );
    let created = plan_flagged(&Value::Null, &config);
    let endpoints = created.planned_state.get("endpoints");
    assert_eq!(
        endpoints,
        &Value::list([
            endpoint("h1", Value::string("a")),
            endpoint("h2", Value::string("b"))
        ])
    );

    let prior = flagged_state("a").with("endpoints", endpoints.clone());
    let unchanged = plan_flagged(&prior, &config);
    assert_eq!(unchanged.planned_state, prior);
    assert!(unchanged.requires_replace.is_empty());

    let moved = config.clone().with(
        "endpoints",
        Value::list([
            endpoint("h1", Value::Null),
            endpoint("h2", Value::string("c")),
        ]),
    );
    let plan = plan_flagged(&prior, &moved);
    assert_eq!(
        plan.requires_replace,
        vec![AttributePath::root("endpoints").index(1).attribute("zone")]
    );
}

#[test]
fn flags_inside_list_blocks_point_at_the_element() {
    let label = |text: &str| Value::object([("label", Value::string(text))]);
    let prior = flagged_state("a").with("rule", Value::list([label("x"), label("y")]));
    let config = flagged_config("a").with("rule", Value::list([label("x"), label("z")]));
    let plan = plan_flagged(&prior, &config);
    assert_eq!(
        plan.requires_replace,
        vec![AttributePath::root("rule").index(1).attribute("label")]
    );
}

#[test]
fn replacements_are_listed_once_in_schema_order() {
    let prior = flagged_state("a").with("size", Value::number(10));
    let config = flagged_config("b").with("size", Value::number(1));
    let plan = plan_flagged(&prior, &config);
    assert_eq!(
        plan.requires_replace,
        vec![AttributePath::root("name"), AttributePath::root("size")]
    );
}

#[test]
fn write_only_attributes_are_nulled_inside_nested_attributes() {
    let schema = Schema::new(Block::new("r").attribute(Attribute::optional(
        "logins",
        AttributeType::set([
            Attribute::required("user", Type::String, "u"),
            Attribute::optional("password", Type::String, "p").write_only(),
        ]),
        "l",
    )));
    let mut value = Value::object([(
        "logins",
        Value::set([Value::object([
            ("user", Value::string("admin")),
            ("password", Value::string("hunter2")),
        ])]),
    )]);
    null_write_only(&schema.block, &mut value);
    assert_eq!(
        value,
        Value::object([(
            "logins",
            Value::set([Value::object([
                ("user", Value::string("admin")),
                ("password", Value::Null),
            ])]),
        )])
    );
}

#[test]
fn defaults_inside_a_single_block_apply_when_the_block_is_written() {
    let absent = plan_flagged(&Value::Null, &flagged_config("a"));
    assert!(absent.planned_state.get("timeouts").is_null());
    let written = flagged_config("a").with("timeouts", Value::object([("create", Value::Null)]));
    let plan = plan_flagged(&Value::Null, &written);
    assert_eq!(
        plan.planned_state.get("timeouts").get("create").as_str(),
        Some("10m")
    );
    let set =
        flagged_config("a").with("timeouts", Value::object([("create", Value::string("1h"))]));
    let plan = plan_flagged(&Value::Null, &set);
    assert_eq!(
        plan.planned_state.get("timeouts").get("create").as_str(),
        Some("1h")
    );
}
