//! Refresh: the state as AWS holds it now. A part deleted outside Terraform becomes null, so the
//! plan rebuilds it; the resource is gone only when no part is left.
//!
//! Refresh is also where the database is discovered (never the plan, which must be a function of
//! configuration and state): `database_addresses` records its answer, next to
//! `registered_targets`, what the target group holds, so a failover shows in the plan as their
//! difference.

use std::collections::{BTreeMap, BTreeSet};

use rdslink_engine::Discoverer;
use tfplugin::diag::Diagnostics;

use super::aws::{self, DATABASE_TAG, OWNERSHIP_TAG, Observed};
use super::model::{Connection, EndpointServiceModel, Field, HealthCheck, List, Map, Set, ip_list};
use super::sync;
use crate::aws::Clients;
use crate::selector;

/// The refreshed state: `Field::Null` when the bundle is gone, `None` (keep the state) when AWS
/// could not be read.
pub(super) async fn read(
    clients: &Clients,
    state: EndpointServiceModel,
    diags: &mut Diagnostics,
) -> Option<Field<EndpointServiceModel>> {
    let parts = state.parts.ids();
    if parts.is_empty() {
        return Some(Field::Null);
    }
    // Everything a refresh reads depends only on the state, so it is read side by side: the
    // bundle's parts, the database, the endpoint service's connections and the sync Lambda (its
    // own diagnostics each, merged in this order).
    let mut discovery_diags = Diagnostics::new();
    let mut sync_state = state.clone();
    let (observed, database_addresses, connections, sync_refreshed) = tokio::join!(
        aws::read(&clients.bundle, &parts),
        database_addresses(clients, &state, &mut discovery_diags),
        async {
            match &parts.service_id {
                Some(service_id) => Some(connections(clients, service_id).await),
                None => None,
            }
        },
        sync::refresh(clients, &mut sync_state),
    );
    let observed = match observed {
        Ok(observed) => observed,
        Err(err) => {
            diags.error("Cannot read the endpoint service", err.to_string());
            return None;
        }
    };
    // Gone only when no part is left: parts that remain stay in the state (with the missing
    // ones null), so the plan rebuilds what is missing, and destroy still removes what is left.
    if observed.is_gone() {
        tracing::info!(id = ?parts.service_id, "every part is gone; planning to create it again");
        return Some(Field::Null);
    }
    let mut state = refreshed(state, &observed, &clients.default_tags);
    diags.extend(discovery_diags);
    state.database_addresses = database_addresses;
    match connections {
        Some(Ok(connections)) if state.parts.id.known().is_some() => {
            state.connections = connections
        }
        Some(Err(error)) => diags.warning(
            "Cannot read the endpoint service's connections",
            format!("{error}\n\nThe state keeps the connections it recorded."),
        ),
        _ => {}
    }
    match sync_refreshed {
        // The sync Lambda's drift is measured against the target group it serves: with the
        // target group gone, the plan rebuilds both, and the state keeps what it recorded.
        Ok(()) if state.parts.target_group_arn.is_null() => {}
        Ok(()) => state.sync = sync_state.sync,
        Err(error) => diags.warning(
            "Cannot read the sync Lambda",
            format!("{error}\n\nThe state keeps what it recorded of the sync Lambda; this plan cannot show its drift."),
        ),
    }
    Some(Field::Known(state))
}

/// Where the state's database answers now; the state's value, with a warning, when it cannot be
/// discovered, and quietly when the state names no database (an import of a bundle rdslink did
/// not build, until the configuration names one).
async fn database_addresses(
    clients: &Clients,
    state: &EndpointServiceModel,
    diags: &mut Diagnostics,
) -> Field<List<String>> {
    let mut selecting = state.clone();
    let other_selector = [
        &state.database.db_instance_identifier,
        &state.database.db_cluster_identifier,
        &state.database.db_proxy_name,
    ]
    .iter()
    .any(|field| !field.is_null());
    if other_selector {
        // Then `endpoint` in the state is computed, the answer rather than a selector.
        selecting.database.endpoint = Field::Null;
    }
    let Some(selector) = selector::from_config(&selecting.to_value(), &mut Diagnostics::new())
    else {
        return state.database_addresses.clone();
    };
    let discoverer = Discoverer::new(clients.rds.clone(), clients.resolver.clone());
    match discoverer.discover(&selector).await {
        Ok(discovery) => ip_list(&discovery.target_ips),
        Err(err) => {
            diags.warning(
                format!("Cannot discover {} now", selector::describe(&selector)),
                format!(
                    "{err}\n\n`database_addresses` keeps its previous value, so this plan cannot show whether \
                     the database moved; `terraform apply` of any change discovers it again."
                ),
            );
            state.database_addresses.clone()
        }
    }
}

/// The state after a refresh: every setting as AWS holds it, parts that are gone as null (so the
/// plan recreates them), representation kept where the meaning is the same (list order).
pub(super) fn refreshed(
    mut state: EndpointServiceModel,
    observed: &Observed,
    default_tags: &BTreeMap<String, String>,
) -> EndpointServiceModel {
    let text = |value: &String| Field::Known(value.clone());
    match &observed.endpoint_service {
        Some(service) => {
            state.parts.id = text(&service.id);
            state.parts.service_name = text(&service.name);
            state.allowed_principals =
                Field::Known(Set::of(service.allowed_principals.iter().cloned()));
            state.acceptance_required = Field::Known(service.acceptance_required);
            // None supported and none configured: the configuration's null stays null.
            if !(service.supported_regions.is_empty() && state.supported_regions.is_null()) {
                state.supported_regions =
                    Field::Known(Set::of(service.supported_regions.iter().cloned()));
            }
            state.service_nlb_arns = Field::Known(List::of(service.nlb_arns.iter().cloned()));
            let (tags, all) = split_tags(&service.tags, default_tags, &state.tags);
            state.tags = tags;
            state.tags_all = all;
        }
        None => {
            state.parts.id = Field::Null;
            state.parts.service_name = Field::Null;
            state.service_nlb_arns = Field::Null;
        }
    }
    match &observed.load_balancer {
        Some(lb) => {
            state.parts.nlb_arn = text(&lb.arn);
            state.parts.nlb_dns_name = text(&lb.dns_name);
            state.vpc_id = text(&lb.vpc_id);
            state.parts.availability_zones =
                Field::Known(List::of(lb.availability_zones.iter().cloned()));
            state.cross_zone_load_balancing = Field::Known(lb.cross_zone);
            state.subnet_ids = same_set_or(&state.subnet_ids, &lb.subnet_ids);
            state.security_group_ids =
                if lb.security_group_ids.is_empty() && state.security_group_ids.is_null() {
                    Field::Null
                } else {
                    same_set_or(&state.security_group_ids, &lb.security_group_ids)
                };
        }
        None => {
            state.parts.nlb_arn = Field::Null;
            state.parts.nlb_dns_name = Field::Null;
            state.parts.availability_zones = Field::Null;
        }
    }
    match &observed.listener {
        Some(listener) => {
            state.parts.listener_arn = text(&listener.arn);
            state.port = Field::Known(i64::from(listener.port));
        }
        None => state.parts.listener_arn = Field::Null,
    }
    match &observed.target_group {
        Some(group) => {
            state.parts.target_group_arn = text(&group.arn);
            state.registered_targets = ip_list(&group.registered_targets);
            state.deregistration_delay_seconds =
                Field::Known(i64::from(group.deregistration_delay_seconds));
            state.terminate_connections_on_deregistration =
                Field::Known(group.terminate_connections);
            state.health_check = HealthCheck::observed(group.health_check, &state.health_check);
        }
        None => {
            state.parts.target_group_arn = Field::Null;
            state.registered_targets = Field::Null;
        }
    }
    state
}

/// The user's `tags` and `tags_all` from what a part carries: the ownership tag is rdslink's, keys
/// under `aws:` are AWS's (CloudFormation's `aws:cloudformation:*` on an adopted stack's parts: no
/// one else may set or remove them, so a configuration could never match them), and provider
/// default tags with their default value belong to `tags_all` only (unless the user's `tags` set
/// them too).
fn split_tags(
    observed: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
    prior_tags: &Field<Map<String>>,
) -> (Field<Map<String>>, Field<Map<String>>) {
    let prior = |key: &str| {
        prior_tags
            .known()
            .and_then(|tags| tags.0.get(key))
            .and_then(Field::known)
    };
    let all: BTreeMap<String, String> = observed
        .iter()
        .filter(|(key, _)| {
            key.as_str() != OWNERSHIP_TAG
                && key.as_str() != DATABASE_TAG
                && !key.starts_with("aws:")
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let own: BTreeMap<String, String> = all
        .iter()
        .filter(|&(key, value)| {
            default_tags.get(key) != Some(value) || prior(key.as_str()) == Some(value)
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let tags = if own.is_empty() && prior_tags.is_null() {
        Field::Null
    } else {
        Field::Known(Map::of(own))
    };
    (tags, Field::Known(Map::of(all)))
}

/// Keeps the state's set when it holds the same strings as `observed` (in the order it has).
fn same_set_or(current: &Field<Set<String>>, observed: &[String]) -> Field<Set<String>> {
    let same = current.known().is_some()
        && current.is_fully_known()
        && current.elements().into_iter().collect::<BTreeSet<_>>()
            == observed.iter().cloned().collect();
    if same {
        current.clone()
    } else {
        Field::Known(Set::of(observed.iter().cloned()))
    }
}

/// The consumers' endpoint connections of the service, as `connections` records them.
pub(super) async fn connections(
    clients: &Clients,
    service_id: &str,
) -> Result<Field<List<Connection>>, String> {
    let found = crate::endpoint_connection::aws::list(&clients.bundle.ec2, service_id).await?;
    Ok(Field::Known(List::of(found.into_iter().map(
        |connection| Connection {
            vpc_endpoint_id: Field::Known(connection.vpc_endpoint_id),
            owner: Field::Known(connection.owner),
            state: Field::Known(connection.state),
        },
    ))))
}

/// `connections` where a plan left it unknown (a new service, or a state from before the
/// attribute): read once the service exists; empty with a warning when it cannot be read.
pub(super) async fn settle_connections(
    clients: &Clients,
    planned: &mut EndpointServiceModel,
    diags: &mut Diagnostics,
) {
    if !planned.connections.is_unknown() {
        return;
    }
    let Some(service_id) = planned.parts.id.known().cloned() else {
        planned.connections = Field::Null;
        return;
    };
    planned.connections = connections_or_warning(connections(clients, &service_id).await, diags);
}

/// The connections read, or none with a warning: a plan or apply does not fail over a list that
/// only reports.
pub(super) fn connections_or_warning(
    read: Result<Field<List<Connection>>, String>,
    diags: &mut Diagnostics,
) -> Field<List<Connection>> {
    read.unwrap_or_else(|error| {
        diags.warning("Cannot read the endpoint service's connections", error);
        Field::Known(List::default())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn known(entries: &[(&str, &str)]) -> Field<Map<String>> {
        Field::Known(Map::of(tags(entries)))
    }

    #[test]
    fn aws_tags_are_neither_the_users_tags_nor_in_tags_all() {
        // A part of the AWS sample's stack, adopted: CloudFormation's tags stay on it for good.
        let observed = tags(&[
            ("aws:cloudformation:stack-name", "rds-crossaccount"),
            ("aws:cloudformation:logical-id", "rVPCEndpointService"),
            ("team", "data"),
        ]);
        let (own, all) = split_tags(&observed, &BTreeMap::new(), &Field::Null);
        assert_eq!(own, known(&[("team", "data")]));
        assert_eq!(all, known(&[("team", "data")]));
    }

    #[test]
    fn default_tags_and_the_ownership_tag_are_not_the_users_tags() {
        let defaults = tags(&[("managed-by", "rdslink")]);
        let observed = tags(&[
            ("team", "data"),
            ("managed-by", "rdslink"),
            (OWNERSHIP_TAG, "orders"),
            (DATABASE_TAG, "cluster:orders:writer"),
        ]);
        let (own, all) = split_tags(&observed, &defaults, &known(&[("team", "data")]));
        assert_eq!(own, known(&[("team", "data")]));
        assert_eq!(all, known(&[("team", "data"), ("managed-by", "rdslink")]));

        // A default tag the user also sets stays theirs; one with another value than the
        // default is theirs too.
        let (own, _) = split_tags(&observed, &defaults, &known(&[("managed-by", "rdslink")]));
        assert_eq!(own, known(&[("team", "data"), ("managed-by", "rdslink")]));
        let edited = tags(&[("managed-by", "someone")]);
        let (own, _) = split_tags(&edited, &defaults, &Field::Null);
        assert_eq!(own, known(&[("managed-by", "someone")]));

        // No tags of the user's own, and none before: `tags` stays null.
        let only_defaults = tags(&[("managed-by", "rdslink"), (OWNERSHIP_TAG, "orders")]);
        let (own, _) = split_tags(&only_defaults, &defaults, &Field::Null);
        assert_eq!(own, Field::Null);
        let (own, _) = split_tags(&only_defaults, &defaults, &known(&[]));
        assert_eq!(own, known(&[]));
    }

    #[test]
    fn list_order_is_kept_when_the_set_is_the_same() {
        let state = Field::Known(Set::of(["subnet-b".to_string(), "subnet-a".to_string()]));
        let sorted = ["subnet-a".to_string(), "subnet-b".to_string()];
        assert_eq!(same_set_or(&state, &sorted), state);
        let other = ["subnet-a".to_string()];
        assert_eq!(
            same_set_or(&state, &other),
            Field::Known(Set::of(other.iter().cloned()))
        );
        assert_eq!(
            same_set_or(&Field::Null, &sorted),
            Field::Known(Set::of(sorted.iter().cloned()))
        );
    }
}
