//! What the plan of `rdslink_endpoint_service` needs beyond the schema's flags (defaults, kept
//! part ids and the usual replacements come from [`super::schema`]).
//!
//! Terraform plans a changed resource twice (at `plan`, and again during `apply` once values
//! unknown at plan time are known) and applies saved plans later; it rejects any *known* planned
//! value that moved in between. So every known value planned here is a function of the
//! configuration and the prior (refreshed) state only — never of the database *now*, which is
//! discovered at refresh (`database_addresses`, see [`super::read`]) and again at apply:
//!
//! - `tags_all`: the provider's `default_tags` merged with `tags`;
//! - `registered_targets` and `database_addresses`: unchanged when nothing changes; `(known after
//!   apply)` on create and on any update, including the drift a refresh found (the database
//!   answers other addresses than the target group holds), which also gets a warning naming
//!   old -> new;
//! - `endpoint`, `port` and `role` where the configuration leaves them to the database: the prior
//!   values while the selector stays the same (a changed selector keeps `port`, which the apply
//!   checks), unknown on create and while the selector is unknown;
//! - `service_nlb_arns`: always `[nlb_arn]`, so a service re-pointed outside Terraform shows;
//! - parts deleted outside Terraform planned unknown, so the update recreates them;
//! - security groups, which AWS changes in place except between none and some;
//! - `sync`: the settings with their defaults, and the deployment's names, ARNs and code hash
//!   derived from them, the account and region, and the code embedded in this provider; `drift`
//!   planned empty (see [`super::sync`]).

use std::collections::{BTreeMap, BTreeSet};

use tfplugin::crud::PlannedChange;
use tfplugin::diag::{AttributePath, Diagnostics};

use super::aws;
use super::model::{Configuration, Database, EndpointServiceModel, Field, List, Map};
use super::sync;
use crate::selector;
use crate::sync::policy::Scope;

pub(super) fn modify_plan(
    default_tags: &BTreeMap<String, String>,
    scope: &Scope,
    plan: &mut PlannedChange,
    diags: &mut Diagnostics,
) {
    let decoded = (
        EndpointServiceModel::from_value(&plan.prior),
        EndpointServiceModel::from_value(&plan.config),
        EndpointServiceModel::from_value(&plan.planned),
    );
    let (prior, config, planned) = match decoded {
        (Ok(prior), Ok(Some(config)), Ok(Some(planned))) => {
            (prior.unwrap_or_default(), config, planned)
        }
        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
            diags.error("Unexpected value from Terraform", err.to_string());
            return;
        }
        // Destroy plans do not come here.
        _ => return,
    };
    let config_value = plan.config.clone();
    let config = Configuration {
        model: config,
        value: &config_value,
    };
    plan_change(plan, &prior, &config, planned, default_tags, scope, diags);
}

/// The plan from the generic step's: deterministic (see the module docs).
fn plan_change(
    plan: &mut PlannedChange,
    prior: &EndpointServiceModel,
    config: &Configuration<'_>,
    mut planned: EndpointServiceModel,
    default_tags: &BTreeMap<String, String>,
    scope: &Scope,
    diags: &mut Diagnostics,
) {
    let creating = plan.is_create();
    planned.tags_all = tags_all(&config.model.tags, default_tags);
    planned.sync = sync::plan(&config.model, scope);
    plan_database(&mut planned, prior, config, creating);
    planned.parts = planned.parts.missing_as_unknown();
    planned.service_nlb_arns = match planned.parts.nlb_arn.known() {
        Some(arn) => Field::Known(List::of([arn.clone()])),
        None => Field::unknown(),
    };
    let moved = if creating { None } else { moved(prior) };
    if creating || planned != *prior || moved.is_some() {
        // Only the apply knows where the database will be when it runs.
        planned.registered_targets = Field::unknown();
        planned.database_addresses = Field::unknown();
    }
    if let Some(moved) = moved {
        diags.warning(
            "The database's primary moved",
            format!(
                "The target group holds {}, the database answers {}; `terraform apply` moves the target group \
                 onto the database's primary of the moment it runs (registering the new address before \
                 deregistering the old one).",
                moved.held, moved.answered
            ),
        );
    }
    plan.planned = planned.to_value();

    if !creating && security_groups_need_replacement(prior, &planned) {
        plan.requires_replace
            .push(AttributePath::root("security_group_ids"));
    }
}

/// The addresses the target group holds and those the database answered at refresh, when they
/// differ (a failover the target group has not followed yet).
struct Moved {
    held: String,
    answered: String,
}

fn moved(prior: &EndpointServiceModel) -> Option<Moved> {
    let answered = prior.database_addresses.known()?;
    if !prior.database_addresses.is_fully_known() || answered.0.is_empty() {
        return None;
    }
    let set = |field: &Field<List<String>>| field.elements().into_iter().collect::<BTreeSet<_>>();
    let held = set(&prior.registered_targets);
    let answered = set(&prior.database_addresses);
    if held == answered {
        return None;
    }
    let describe = |ips: &BTreeSet<String>| {
        if ips.is_empty() {
            "no address".to_owned()
        } else {
            ips.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    Some(Moved {
        held: describe(&held),
        answered: describe(&answered),
    })
}

/// AWS changes a load balancer's security groups in place, but not from none to some or back.
fn security_groups_need_replacement(
    prior: &EndpointServiceModel,
    planned: &EndpointServiceModel,
) -> bool {
    planned.security_group_ids.is_fully_known()
        && aws::security_groups_change_needs_replacement(
            &prior.security_group_ids.elements(),
            &planned.security_group_ids.elements(),
        )
}

/// The provider's default tags with the resource's on top; unknown until `tags` is known.
fn tags_all(
    tags: &Field<Map<String>>,
    default_tags: &BTreeMap<String, String>,
) -> Field<Map<String>> {
    if !tags.is_fully_known() {
        return Field::unknown();
    }
    let mut all = default_tags.clone();
    for (key, value) in tags.known().into_iter().flat_map(Map::known_entries) {
        all.insert(key.clone(), value.clone());
    }
    Field::Known(Map::of(all))
}

/// `endpoint`, `port` and `role` where the configuration leaves them to the database (see the
/// module docs): what the prior state says while that stays true, else unknown.
fn plan_database(
    planned: &mut EndpointServiceModel,
    prior: &EndpointServiceModel,
    config: &Configuration<'_>,
    creating: bool,
) {
    let database = &config.model.database;
    if database.role.is_null() {
        planned.database.role = match selector::role_of(config.value) {
            Some(role) => Field::Known(role.to_string()),
            // No role applies to other databases: the state's value (null unless the selector was
            // a cluster before) stays, instead of an unknown the apply would not resolve.
            None => prior.database.role.clone(),
        };
    }
    let selector_known = selector_is_known(database);
    if database.endpoint.is_null() {
        let same_database =
            selector_known && same_selector(database, &planned.database.role, &prior.database);
        planned.database.endpoint = if creating || !same_database {
            Field::unknown()
        } else {
            prior.database.endpoint.clone().or_unknown()
        };
    }
    if config.model.port.is_null() {
        // A changed selector keeps the port (the apply refuses a database on another one), so the
        // update stays in place; an unknown selector may be any database.
        planned.port = if creating || !selector_known {
            Field::unknown()
        } else {
            prior.port.clone().or_unknown()
        };
    }
}

/// Every selector attribute of the configuration is known (null or a value).
fn selector_is_known(database: &Database) -> bool {
    [
        &database.db_instance_identifier,
        &database.db_cluster_identifier,
        &database.db_proxy_name,
        &database.endpoint,
        &database.role,
    ]
    .iter()
    .all(|field| !field.is_unknown())
}

/// The configuration (with its planned `role`) selects the database the prior state was built
/// for.
fn same_selector(config: &Database, planned_role: &Field<String>, prior: &Database) -> bool {
    config.db_instance_identifier == prior.db_instance_identifier
        && config.db_cluster_identifier == prior.db_cluster_identifier
        && config.db_proxy_name == prior.db_proxy_name
        && *planned_role == prior.role
}

#[cfg(test)]
mod tests;
