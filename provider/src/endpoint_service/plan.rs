//! What the plan of `rdslink_endpoint_service` needs beyond the schema's flags (defaults, kept
//! part ids and the usual replacements come from [`super::schema`]):
//!
//! - `tags_all`: the provider's `default_tags` merged with `tags`;
//! - the database *now*: `registered_targets` (so a failover shows as drift), and `endpoint`,
//!   `port` and `role` where the configuration leaves them to the database. When discovery fails,
//!   the state's values are kept and the plan carries a warning instead of failing;
//! - parts deleted outside Terraform planned unknown, so the update recreates them;
//! - security groups, which AWS changes in place except between none and some.

use std::collections::BTreeMap;

use rdslink_engine::discovery::{Discoverer, Discovery};
use tfplugin::crud::PlannedChange;
use tfplugin::diag::{AttributePath, Diagnostics};

use super::aws;
use super::model::{Configuration, EndpointServiceModel, Field, Map, ip_list};
use crate::aws::Clients;
use crate::selector;

pub(super) async fn modify_plan(
    clients: &Clients,
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
    let discovery = discover(&config, clients, diags).await;
    let now = DatabaseNow {
        discovery: discovery.as_ref(),
        default_tags: &clients.default_tags,
    };
    plan_change(plan, &prior, &config, planned, &now, diags);
}

/// What the plan learns from outside the configuration.
struct DatabaseNow<'a> {
    /// `None` when the database could not be discovered (or its selector is not known yet).
    discovery: Option<&'a Discovery>,
    default_tags: &'a BTreeMap<String, String>,
}

/// The database where it is now; `None`, with a warning, when it cannot be discovered, and
/// quietly when the selector is not known yet (its problems were reported at validate time).
async fn discover(
    config: &Configuration<'_>,
    clients: &Clients,
    diags: &mut Diagnostics,
) -> Option<Discovery> {
    if !config.value.is_fully_known() {
        return None;
    }
    let selector = selector::from_config(config.value, &mut Diagnostics::new())?;
    let discoverer = Discoverer::new(clients.rds.clone(), clients.resolver.clone());
    match discoverer.discover(&selector).await {
        Ok(discovery) => Some(discovery),
        Err(err) => {
            diags.warning(
                format!("Cannot discover {} now", selector::describe(&selector)),
                format!(
                    "{err}\n\nThe plan keeps the targets from the state; `terraform apply` discovers again."
                ),
            );
            None
        }
    }
}

/// The plan from the generic step's, given the database now.
fn plan_change(
    plan: &mut PlannedChange,
    prior: &EndpointServiceModel,
    config: &Configuration<'_>,
    mut planned: EndpointServiceModel,
    now: &DatabaseNow<'_>,
    diags: &mut Diagnostics,
) {
    planned.tags_all = tags_all(&config.model.tags, now.default_tags);
    plan_database(&mut planned, prior, config, now.discovery, diags);
    planned.parts = planned.parts.missing_as_unknown();
    plan.planned = planned.to_value();

    if !plan.is_create() && security_groups_need_replacement(prior, &planned) {
        plan.requires_replace
            .push(AttributePath::root("security_group_ids"));
    }
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

/// Plans what depends on the database now (see the module docs).
fn plan_database(
    planned: &mut EndpointServiceModel,
    prior: &EndpointServiceModel,
    config: &Configuration<'_>,
    discovery: Option<&Discovery>,
    diags: &mut Diagnostics,
) {
    let database = &config.model.database;
    match discovery {
        Some(discovery) => apply_discovery(planned, config, discovery, diags),
        None => {
            planned.registered_targets = prior.registered_targets.clone().or_unknown();
            if database.endpoint.is_null() {
                planned.database.endpoint = prior.database.endpoint.clone().or_unknown();
            }
            if config.model.port.is_null() {
                planned.port = prior.port.clone().or_unknown();
            }
            if database.role.is_null() && !database.db_cluster_identifier.is_null() {
                planned.database.role = Field::Known("writer".to_owned());
            }
        }
    }
    // No role applies to other databases: the state's value (null unless the selector was a
    // cluster before) stays, instead of an unknown the apply would not resolve.
    if database.role.is_null() && selector::role_of(config.value).is_none() {
        planned.database.role = prior.database.role.clone();
    }
}

/// Sets what a discovery answers: the targets, and `endpoint`, `port` and `role` where the
/// configuration leaves them to the database. A database without a port (a bare hostname) needs
/// `port` configured.
pub(super) fn apply_discovery(
    planned: &mut EndpointServiceModel,
    config: &Configuration<'_>,
    discovery: &Discovery,
    diags: &mut Diagnostics,
) {
    planned.registered_targets = ip_list(&discovery.target_ips);
    if config.model.database.endpoint.is_null() {
        planned.database.endpoint = Field::Known(discovery.endpoint.clone());
    }
    if config.model.port.is_null() {
        match discovery.port {
            Some(port) => planned.port = Field::Known(i64::from(port)),
            None => diags.error_at(
                AttributePath::root("port"),
                "Missing port",
                format!(
                    "RDS reports no port for {}: set `port`.",
                    discovery.endpoint
                ),
            ),
        }
    }
    if let Some(role) = selector::role_of(config.value) {
        planned.database.role = Field::Known(role.to_string());
    }
}

#[cfg(test)]
mod tests;
