//! Helpers for planning resource changes: what forces replacement, which computed values stay,
//! defaults, and the default plan.

use super::diag::{AttributePath, PathStep};
use super::provider::{PlanRequest, PlanResponse};
use super::schema::{Attribute, AttributeType, Block, Nesting, Schema};
use super::value::Value;

/// The paths among `candidates` (attributes that cannot be updated in place) whose planned
/// value differs from the prior state. Empty when creating or destroying. An unknown planned
/// value counts as a change: it may turn out different.
pub fn requires_replace(
    prior: &Value,
    planned: &Value,
    candidates: &[AttributePath],
) -> Vec<AttributePath> {
    if prior.is_null() || planned.is_null() {
        return Vec::new();
    }
    candidates
        .iter()
        .filter(|path| changed(prior, planned, path))
        .cloned()
        .collect()
}

/// Whether the value at `path` differs between `before` and `after` (absent counts as null).
pub fn changed(before: &Value, after: &Value, path: &AttributePath) -> bool {
    let before = before.at(path).unwrap_or(&Value::Null);
    let after = after.at(path).unwrap_or(&Value::Null);
    before != after
}

/// For computed attributes whose value never changes once created (ids, ARNs): where the plan
/// says unknown, reuse the prior state's value, so an update does not show "known after apply"
/// for them. Does nothing when creating.
pub fn use_state_for_unknown(planned: &mut Value, prior: &Value, paths: &[AttributePath]) {
    if prior.is_null() {
        return;
    }
    for path in paths {
        let Some(prior_value) = prior.at(path) else {
            continue;
        };
        if let Some(slot) = planned.at_mut(path)
            && slot.is_unknown()
            && !prior_value.is_null()
        {
            *slot = prior_value.clone();
        }
    }
}

/// Plans `default` for an optional+computed attribute the configuration leaves null.
pub fn set_default(planned: &mut Value, config: &Value, path: &AttributePath, default: Value) {
    let configured = config.at(path).is_some_and(|value| !value.is_null());
    if configured {
        return;
    }
    if let Some(slot) = planned.at_mut(path) {
        *slot = default;
    }
}

/// The plan of a resource with no special needs: Terraform's proposal, in which computed
/// attributes the configuration leaves null become unknown when the resource is created or
/// anything changes (an unchanged resource keeps its prior values: the plan stays empty).
/// Write-only attributes are planned null, as Terraform requires.
pub fn default_plan(schema: &Schema, req: PlanRequest) -> PlanResponse {
    let PlanRequest {
        prior_state,
        proposed_new_state,
        config,
        prior_private,
    } = req;
    let mut planned = proposed_new_state;
    null_write_only(&schema.block, &mut planned);
    if !planned.is_null() && planned != prior_state {
        mark_computed_unknown(&schema.block, &mut planned, &config);
    }
    PlanResponse {
        planned_state: planned,
        requires_replace: Vec::new(),
        planned_private: prior_private,
    }
}

/// Marks computed attributes that `config` leaves null as unknown in `planned`, inside nested
/// blocks and nested attributes too (matching list elements by position; set elements cannot be
/// matched to configuration and are left as proposed).
pub fn mark_computed_unknown(block: &Block, planned: &mut Value, config: &Value) {
    let Value::Object(entries) = planned else {
        return;
    };
    for attribute in &block.attributes {
        let configured = config.get(&attribute.name);
        let Some(slot) = entries.get_mut(&attribute.name) else {
            continue;
        };
        if attribute.is_computed() && configured.is_null() {
            *slot = Value::unknown();
        } else if let AttributeType::Nested {
            nesting,
            attributes,
        } = &attribute.ty
        {
            for_each_object(*nesting, slot, configured, |object, object_config| {
                mark_computed_unknown_in(attributes, object, object_config);
            });
        }
    }
    for nested in &block.blocks {
        let configured = config.get(&nested.name);
        if let Some(slot) = entries.get_mut(&nested.name) {
            for_each_object(nested.nesting, slot, configured, |object, object_config| {
                mark_computed_unknown(&nested.block, object, object_config);
            });
        }
    }
}

fn mark_computed_unknown_in(attributes: &[Attribute], planned: &mut Value, config: &Value) {
    let block = Block {
        description: String::new(),
        attributes: attributes.to_vec(),
        blocks: Vec::new(),
        deprecated: None,
    };
    mark_computed_unknown(&block, planned, config);
}

/// Calls `visit` with each object of a nested attribute/block value and its configuration.
fn for_each_object(
    nesting: Nesting,
    planned: &mut Value,
    config: &Value,
    mut visit: impl FnMut(&mut Value, &Value),
) {
    match (nesting, planned) {
        (Nesting::Single, object @ Value::Object(_)) => visit(object, config),
        (Nesting::List, Value::List(items)) => {
            for (index, item) in items.iter_mut().enumerate() {
                let path = AttributePath::from(vec![PathStep::Index(index as i64)]);
                visit(item, config.at(&path).unwrap_or(&Value::Null));
            }
        }
        (Nesting::Map, Value::Map(items)) => {
            for (key, item) in items.iter_mut() {
                visit(item, config.get(key));
            }
        }
        _ => {}
    }
}

/// Sets write-only attributes to null (Terraform refuses them in plans and state).
pub fn null_write_only(block: &Block, value: &mut Value) {
    let Value::Object(entries) = value else {
        return;
    };
    for attribute in &block.attributes {
        if attribute.write_only
            && let Some(slot) = entries.get_mut(&attribute.name)
        {
            *slot = Value::Null;
        }
    }
    for nested in &block.blocks {
        let Some(slot) = entries.get_mut(&nested.name) else {
            continue;
        };
        match slot {
            object @ Value::Object(_) => null_write_only(&nested.block, object),
            Value::List(items) | Value::Set(items) => {
                for item in items {
                    null_write_only(&nested.block, item);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};
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
}
