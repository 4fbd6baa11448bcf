//! Planning resource changes: the generic plan step ([`default_plan`]) that applies the schema's
//! declarative attribute behaviour, and the helpers it is made of, for resources that plan by
//! hand.
//!
//! The step follows terraform-plugin-framework's PlanResourceChange: Terraform's proposal;
//! write-only attributes nulled; defaults where the configuration is null; if the result differs
//! from the prior state, computed attributes the configuration leaves null (and that have no
//! default) become unknown; then use-state-for-unknown; then the replacements the flags ask
//! for. Defaults come before the "changed?" comparison, so an unchanged configuration that relies
//! on a default plans no change.

use super::diag::AttributePath;
use super::provider::{PlanRequest, PlanResponse};
use super::schema::{Block, RequiresReplace, Schema};
use super::value::Value;
use super::walk::{walk, walk_mut};

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

/// The generic plan step (see the module docs): Terraform's proposal with the schema's
/// defaults, unknowns, use-state-for-unknown and requires-replace flags applied. A destroy plans
/// null; an unchanged resource keeps its prior values, so its plan is empty.
pub fn default_plan(schema: &Schema, req: PlanRequest) -> PlanResponse {
    let PlanRequest {
        prior_state,
        proposed_new_state,
        config,
        prior_private,
    } = req;
    let mut planned = proposed_new_state;
    let mut requires_replace = Vec::new();
    if !planned.is_null() {
        let block = &schema.block;
        null_write_only(block, &mut planned);
        apply_defaults(block, &mut planned, &config);
        if planned != prior_state {
            mark_computed_unknown(block, &mut planned, &config);
        }
        keep_state_for_unknown(block, &mut planned, &prior_state, &config);
        requires_replace = replacements(block, &prior_state, &planned);
    }
    PlanResponse {
        planned_state: planned,
        requires_replace,
        planned_private: prior_private,
    }
}

/// Plans each attribute's [`default`](crate::schema::Attribute::default) where the
/// configuration leaves it null, nested attributes and blocks included.
pub fn apply_defaults(block: &Block, planned: &mut Value, config: &Value) {
    walk_mut(block, planned, &mut |site, slot| {
        let Some(default) = &site.attribute.default else {
            return;
        };
        if site.addressable && config.at(site.path).is_none_or(Value::is_null) {
            *slot = default.clone();
        }
    });
}

/// Marks computed attributes that `config` leaves null, and that have no default, as unknown in
/// `planned`, inside nested blocks and nested attributes too (matching list elements by
/// position; set elements cannot be matched to configuration and are left as proposed).
pub fn mark_computed_unknown(block: &Block, planned: &mut Value, config: &Value) {
    walk_mut(block, planned, &mut |site, slot| {
        let attribute = site.attribute;
        let unset = config.at(site.path).is_none_or(Value::is_null);
        if site.addressable && attribute.is_computed() && attribute.default.is_none() && unset {
            *slot = Value::unknown();
        }
    });
}

/// For attributes flagged [`use_state_for_unknown`](crate::schema::Attribute::use_state_for_unknown):
/// where `planned` is unknown, the prior state's non-null value. Not when creating, and not where
/// the configuration itself is unknown (the value is being set, to something not known yet).
pub fn keep_state_for_unknown(block: &Block, planned: &mut Value, prior: &Value, config: &Value) {
    if prior.is_null() {
        return;
    }
    walk_mut(block, planned, &mut |site, slot| {
        if !site.addressable || !site.attribute.use_state_for_unknown || !slot.is_unknown() {
            return;
        }
        let prior_value = prior.at(site.path).unwrap_or(&Value::Null);
        let config_unknown = config.at(site.path).is_some_and(Value::is_unknown);
        if !prior_value.is_null() && !config_unknown {
            *slot = prior_value.clone();
        }
    });
}

/// The paths of attributes whose [`requires_replace`](crate::schema::Attribute::requires_replace)
/// flag asks for replacement, in schema order, each once. Empty when creating or destroying.
pub fn replacements(block: &Block, prior: &Value, planned: &Value) -> Vec<AttributePath> {
    if prior.is_null() || planned.is_null() {
        return Vec::new();
    }
    let mut paths = Vec::new();
    walk(block, planned, &mut |site, planned_value| {
        let Some(rule) = site.attribute.requires_replace else {
            return;
        };
        if !site.addressable {
            return;
        }
        let prior_value = prior.at(site.path).unwrap_or(&Value::Null);
        if prior_value == planned_value {
            return;
        }
        let replace = match rule {
            RequiresReplace::Always => true,
            RequiresReplace::If(decide) => {
                !prior_value.is_null()
                    && !planned_value.is_null()
                    && decide(prior_value, planned_value)
            }
        };
        if replace && !paths.contains(site.path) {
            paths.push(site.path.clone());
        }
    });
    paths
}

/// Sets write-only attributes to null (Terraform refuses them in plans and state), inside nested
/// attributes and blocks too.
pub fn null_write_only(block: &Block, value: &mut Value) {
    walk_mut(block, value, &mut |site, slot| {
        if site.attribute.write_only {
            *slot = Value::Null;
        }
    });
}

#[cfg(test)]
mod flag_tests;
#[cfg(test)]
mod tests;
