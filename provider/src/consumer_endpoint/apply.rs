//! Create, read, update, delete and import of a consumer endpoint, over [`super::aws`].
//!
//! Failure policy, as for the endpoint service: a create that fails half way returns what exists
//! with the error, so Terraform records it (tainted) and the next apply or destroy deletes it.

use std::collections::BTreeMap;
use std::time::Duration;

use tfplugin::diag::Diagnostics;
use tfplugin::provider::Context;
use tokio::time::Instant;

use super::aws::{self, EndpointSpec, Ingress, OWNERSHIP_TAG, ObservedEndpoint};
use super::model::{ConsumerEndpointModel, normalise_name};
use crate::aws::Clients;
use crate::endpoint_service::timeouts;
use crate::field::{Field, List, Map, Set};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

fn timeout(field: &Field<String>) -> Duration {
    field
        .known()
        .and_then(|text| timeouts::parse(text).ok())
        .unwrap_or(DEFAULT_TIMEOUT)
}

fn create_timeout(model: &ConsumerEndpointModel) -> Duration {
    model
        .timeouts
        .known()
        .map_or(DEFAULT_TIMEOUT, |timeouts| timeout(&timeouts.create))
}

fn delete_timeout(model: &ConsumerEndpointModel) -> Duration {
    model
        .timeouts
        .known()
        .map_or(DEFAULT_TIMEOUT, |timeouts| timeout(&timeouts.delete))
}

fn tags_of(model: &ConsumerEndpointModel) -> BTreeMap<String, String> {
    model
        .tags_all
        .known()
        .map(|map| {
            map.known_entries()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn wanted_ingress(model: &ConsumerEndpointModel) -> Ingress {
    let port = model.port.known().copied().unwrap_or_default() as i32;
    Ingress::wanted(
        port,
        &model.allowed_cidr_blocks.elements(),
        &model.allowed_security_group_ids.elements(),
    )
}

/// The role tag of the zone answering `name` in `model`.
fn role_of(model: &ConsumerEndpointModel, name: &str) -> &'static str {
    if model
        .database_hostname
        .known()
        .map(|n| normalise_name(n))
        .as_deref()
        == Some(name)
    {
        "database_hostname"
    } else {
        "dns_name"
    }
}

/// Runs `work` unless Terraform asks to stop first.
async fn stoppable<T>(
    ctx: &Context,
    work: impl std::future::Future<Output = aws::Result<T>>,
) -> aws::Result<T> {
    match ctx.until_stopped(Box::pin(work)).await {
        Ok(result) => result,
        Err(_) => Err("interrupted: Terraform asked the provider to stop".to_owned()),
    }
}

fn record_endpoint(model: &mut ConsumerEndpointModel, endpoint: &ObservedEndpoint) {
    model.id = Field::Known(endpoint.id.clone());
    model.state = Field::Known(endpoint.state.clone());
    model.dns_entries = Field::Known(List::of(
        endpoint.dns_entries.iter().map(|(name, _)| name.clone()),
    ));
    model.network_interface_ids = Field::Known(List::of(endpoint.network_interface_ids.clone()));
}

fn fill_unknowns<T>(planned: &mut Field<T>, observed: Field<T>) {
    if planned.is_unknown() {
        *planned = observed;
    }
}

/// What exists after a failure, with unknowns made null, for Terraform to record (tainted).
fn partial(
    model: ConsumerEndpointModel,
    diags: &mut Diagnostics,
    error: String,
) -> Option<ConsumerEndpointModel> {
    diags.error("Cannot create the consumer endpoint", error);
    if model.security_group_id.is_null() || model.security_group_id.is_unknown() {
        return None;
    }
    let value = crate::field::null_unknowns(model.to_value());
    ConsumerEndpointModel::from_value(&value).ok().flatten()
}

pub async fn create(
    clients: &Clients,
    mut planned: ConsumerEndpointModel,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<ConsumerEndpointModel> {
    let deadline = Instant::now() + create_timeout(&planned);
    let ec2 = &clients.bundle.ec2;
    let service_name = planned.service_name.known()?.clone();
    let vpc_id = planned.vpc_id.known()?.clone();
    let subnet_ids = planned.subnet_ids.elements();
    let tags = tags_of(&planned);
    match stoppable(ctx, aws::subnet_problems(ec2, &vpc_id, &subnet_ids)).await {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            diags.error(
                "Invalid subnets",
                format!("{}.\n\nNothing was created.", problems.join("; ")),
            );
            return None;
        }
        Err(err) => {
            diags.error(
                "Cannot create the consumer endpoint",
                format!("{err}\n\nNothing was created."),
            );
            return None;
        }
    }
    let mut group_tags = tags.clone();
    group_tags.insert(OWNERSHIP_TAG.to_owned(), service_name.clone());
    let group_id = match stoppable(
        ctx,
        aws::create_security_group(ec2, &vpc_id, &service_name, &group_tags),
    )
    .await
    {
        Ok(id) => id,
        Err(err) => {
            diags.error(
                "Cannot create the consumer endpoint",
                format!("{err}\n\nNothing was created."),
            );
            return None;
        }
    };
    planned.security_group_id = Field::Known(group_id.clone());
    if let Err(err) = stoppable(
        ctx,
        aws::set_ingress(ec2, &group_id, &wanted_ingress(&planned)),
    )
    .await
    {
        return partial(planned, diags, err);
    }
    let client_token = format!("rdslink-{group_id}");
    let spec = EndpointSpec {
        service_name: &service_name,
        service_region: planned.service_region.known().map(String::as_str),
        vpc_id: &vpc_id,
        subnet_ids: &subnet_ids,
        security_group_id: &group_id,
        tags: &tags,
        client_token: &client_token,
    };
    let endpoint_id = match stoppable(ctx, aws::create_endpoint(ec2, &spec)).await {
        Ok(id) => id,
        Err(err) => return partial(planned, diags, err),
    };
    planned.id = Field::Known(endpoint_id.clone());
    let endpoint = match stoppable(ctx, aws::wait_settled(ec2, &endpoint_id, deadline)).await {
        Ok(endpoint) => endpoint,
        Err(err) => return partial(planned, diags, err),
    };
    record_endpoint(&mut planned, &endpoint);
    planned.private_zone_ids = Field::Known(Map::default());
    if let Err(err) = ensure_names(clients, &mut planned, &endpoint, ctx).await {
        return partial(planned, diags, err);
    }
    planned.drift = Field::Known(List::of(Vec::<String>::new()));
    warn_if_pending(&planned, diags);
    Some(planned)
}

fn warn_if_pending(model: &ConsumerEndpointModel, diags: &mut Diagnostics) {
    if model.state.known().map(String::as_str) == Some("pendingAcceptance") {
        diags.warning(
            "The producer must accept this endpoint",
            format!(
                "The endpoint {} waits for the service's owner to accept the connection (the service has \
                 `acceptance_required = true`): an `rdslink_endpoint_connection` in the producer's configuration \
                 accepts it. Until then clients cannot connect; `state` shows `available` after the next refresh \
                 once it is accepted.",
                model.id.known().map(String::as_str).unwrap_or("(unknown)")
            ),
        );
    }
}

/// Creates the missing private zones and points every name at the endpoint; deletes the zones of
/// names no longer wanted.
async fn ensure_names(
    clients: &Clients,
    model: &mut ConsumerEndpointModel,
    endpoint: &ObservedEndpoint,
    ctx: &Context,
) -> aws::Result<()> {
    let route53 = &clients.route53;
    let target = endpoint
        .regional_entry()
        .cloned()
        .ok_or("the endpoint has no DNS name to point the private names at")?;
    let mut zones: BTreeMap<String, String> = model
        .private_zone_ids
        .known()
        .map(|map| {
            map.known_entries()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let wanted = model.private_names();
    for (name, zone_id) in zones.clone() {
        if !wanted.contains(&name) {
            stoppable(ctx, aws::delete_zone(route53, &zone_id)).await?;
            zones.remove(&name);
        }
    }
    let vpc_id = model.vpc_id.known().cloned().unwrap_or_default();
    for name in wanted {
        let existing = match zones.get(&name) {
            Some(zone_id) => stoppable(ctx, aws::read_name(route53, zone_id, &name))
                .await?
                .map(|_| zone_id.clone()),
            None => None,
        };
        let zone_id = match existing {
            Some(zone_id) => zone_id,
            None => {
                let role = role_of(model, &name);
                let zone_id = stoppable(
                    ctx,
                    aws::create_zone(route53, &name, role, &vpc_id, &clients.region, &endpoint.id),
                )
                .await?;
                zones.insert(name.clone(), zone_id.clone());
                // Recorded as soon as it exists, so a failure below leaves it in the state.
                model.private_zone_ids = Field::Known(Map::of(zones.clone()));
                zone_id
            }
        };
        stoppable(ctx, aws::point_name(route53, &zone_id, &name, &target)).await?;
    }
    model.private_zone_ids = Field::Known(Map::of(zones));
    Ok(())
}

/// Refresh: `None` (inside `Some`) when the endpoint is gone.
pub async fn read(
    clients: &Clients,
    mut state: ConsumerEndpointModel,
    diags: &mut Diagnostics,
) -> Option<Option<ConsumerEndpointModel>> {
    let ec2 = &clients.bundle.ec2;
    let Some(id) = state.id.known().cloned() else {
        return Some(Some(state));
    };
    let endpoint = match aws::read_endpoint(ec2, &id).await {
        Ok(Some(endpoint)) => endpoint,
        Ok(None) => {
            // The endpoint was deleted outside Terraform. Its security group and private zones
            // may remain: kept in the state (the id null), so the plan replaces the resource and
            // its delete removes them, rather than forgetting them.
            state.id = Field::Null;
            state.state = Field::Known("deleted".to_owned());
            state.drift = Field::Known(List::of(["the endpoint was deleted".to_owned()]));
            return Some(Some(state));
        }
        Err(err) => {
            diags.error("Cannot read the consumer endpoint", err);
            return None;
        }
    };
    record_endpoint(&mut state, &endpoint);
    state.subnet_ids = Field::Known(Set::of(endpoint.subnet_ids.clone()));
    let mut drift = Vec::new();
    if let Some(group_id) = state.security_group_id.known().cloned() {
        match aws::read_ingress(ec2, &group_id).await {
            Ok(Some(ingress)) => {
                let port = state.port.known().copied().unwrap_or_default() as i32;
                let on_port = |pairs: &std::collections::BTreeSet<(i32, String)>| -> Vec<String> {
                    pairs
                        .iter()
                        .filter(|(p, _)| *p == port)
                        .map(|(_, source)| source.clone())
                        .collect()
                };
                let cidrs = on_port(&ingress.cidrs);
                let groups = on_port(&ingress.groups);
                // Written back as AWS has them, so that a widened rule shows in the plan; an empty
                // set the configuration left null stays null.
                if !(cidrs.is_empty() && state.allowed_cidr_blocks.is_null()) {
                    state.allowed_cidr_blocks = Field::Known(Set::of(cidrs));
                }
                if !(groups.is_empty() && state.allowed_security_group_ids.is_null()) {
                    state.allowed_security_group_ids = Field::Known(Set::of(groups));
                }
                for (other_port, source) in ingress.cidrs.iter().chain(&ingress.groups) {
                    if *other_port != port {
                        drift.push(format!(
                            "the security group lets {source} in on port {other_port}"
                        ));
                    }
                }
                for rule in ingress.other {
                    drift.push(format!("the security group has a rule for {rule}"));
                }
            }
            Ok(None) => drift.push(format!("the endpoint's security group {group_id} is gone")),
            Err(err) => {
                diags.error("Cannot read the consumer endpoint", err);
                return None;
            }
        }
    }
    let target = endpoint.regional_entry().map(|(name, zone)| {
        (
            name.trim_end_matches('.').to_ascii_lowercase(),
            zone.clone(),
        )
    });
    let zones: Vec<(String, String)> = state
        .private_zone_ids
        .known()
        .map(|map| {
            map.known_entries()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    for (name, zone_id) in zones {
        match aws::read_name(&clients.route53, &zone_id, &name).await {
            Ok(None) => {
                drift.push(format!("the private hosted zone of {name} is gone"));
                // Forgotten, so the plan makes a new one (its id unknown until then).
                if let Field::Known(map) = &mut state.private_zone_ids {
                    map.0.remove(&name);
                }
            }
            Ok(Some(None)) => drift.push(format!("the record of {name} is gone")),
            Ok(Some(found)) if found != target => {
                drift.push(format!("{name} no longer points at the endpoint"))
            }
            Ok(Some(_)) => {}
            Err(err) => {
                diags.error("Cannot read the consumer endpoint", err);
                return None;
            }
        }
    }
    state.drift = Field::Known(List::of(drift));
    Some(Some(state))
}

pub async fn update(
    clients: &Clients,
    prior: &ConsumerEndpointModel,
    mut planned: ConsumerEndpointModel,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<ConsumerEndpointModel> {
    let ec2 = &clients.bundle.ec2;
    let id = prior.id.known()?.clone();
    let group_id = prior.security_group_id.known()?.clone();
    let result = async {
        let previous = tags_of(prior);
        let tags = tags_of(&planned);
        if previous != tags {
            stoppable(
                ctx,
                aws::retag(ec2, &[id.clone(), group_id.clone()], &previous, &tags),
            )
            .await?;
        }
        stoppable(
            ctx,
            aws::set_ingress(ec2, &group_id, &wanted_ingress(&planned)),
        )
        .await?;
        let endpoint = stoppable(ctx, aws::read_endpoint(ec2, &id))
            .await?
            .ok_or_else(|| format!("the endpoint {id} is gone"))?;
        // What the plan knew stays as planned (Terraform rejects a known planned value that
        // moved); what it left unknown is filled in.
        let planned_zones = planned.private_zone_ids.clone();
        let mut observed = planned.clone();
        record_endpoint(&mut observed, &endpoint);
        fill_unknowns(&mut planned.state, observed.state);
        fill_unknowns(&mut planned.dns_entries, observed.dns_entries);
        fill_unknowns(
            &mut planned.network_interface_ids,
            observed.network_interface_ids,
        );
        planned.private_zone_ids = prior.private_zone_ids.clone();
        ensure_names(clients, &mut planned, &endpoint, ctx).await?;
        if planned_zones.known().is_some() && planned_zones != planned.private_zone_ids {
            return Err(
                "the private zones changed during the apply; refresh and apply again".to_owned(),
            );
        }
        Ok(())
    }
    .await;
    if let Err(err) = result {
        diags.error("Cannot update the consumer endpoint", err);
        return None;
    }
    planned.drift = Field::Known(List::of(Vec::<String>::new()));
    warn_if_pending(&planned, diags);
    Some(planned)
}

/// Deletes the zones, the endpoint, then its security group; `Err(Some(state))` records what
/// remains.
pub async fn delete(
    clients: &Clients,
    prior: &ConsumerEndpointModel,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Result<(), Option<ConsumerEndpointModel>> {
    let deadline = Instant::now() + delete_timeout(prior);
    let ec2 = &clients.bundle.ec2;
    let result = async {
        if let Some(zones) = prior.private_zone_ids.known() {
            for (_, zone_id) in zones.known_entries() {
                stoppable(ctx, aws::delete_zone(&clients.route53, zone_id)).await?;
            }
        }
        if let Some(id) = prior.id.known() {
            stoppable(ctx, aws::delete_endpoint(ec2, id, deadline)).await?;
        }
        if let Some(group_id) = prior.security_group_id.known() {
            stoppable(ctx, aws::delete_security_group(ec2, group_id, deadline)).await?;
        }
        Ok::<(), String>(())
    }
    .await;
    match result {
        Ok(()) => Ok(()),
        Err(err) => {
            diags.error("Cannot delete the consumer endpoint", err);
            Err(None)
        }
    }
}

/// Rebuilds the state from the endpoint id: the endpoint, its rdslink security group (tagged),
/// the rules on it, and the private zones tagged as the endpoint's.
pub async fn import(
    clients: &Clients,
    id: &str,
    diags: &mut Diagnostics,
) -> Option<ConsumerEndpointModel> {
    let ec2 = &clients.bundle.ec2;
    let result = async {
        let endpoint = aws::read_endpoint(ec2, id)
            .await?
            .ok_or_else(|| format!("no interface endpoint {id} exists in this account and region"))?;
        let groups = aws::owned_groups(ec2, &endpoint.security_group_ids).await?;
        let [group_id] = groups.as_slice() else {
            return Err(format!(
                "the endpoint {id} has {} security groups tagged {OWNERSHIP_TAG}; rdslink imports only endpoints \
                 it created (with exactly one)",
                groups.len()
            ));
        };
        let ingress = aws::read_ingress(ec2, group_id)
            .await?
            .ok_or_else(|| format!("the security group {group_id} is gone"))?;
        let ports: std::collections::BTreeSet<i32> = ingress
            .cidrs
            .iter()
            .chain(&ingress.groups)
            .map(|(port, _)| *port)
            .collect();
        let port = match ports.len() {
            1 => ports.first().copied(),
            _ => None,
        };
        let zones = aws::find_zones(&clients.route53, id).await?;
        Ok((endpoint, group_id.clone(), ingress, port, zones))
    }
    .await;
    let (endpoint, group_id, ingress, port, zones) = match result {
        Ok(found) => found,
        Err(err) => {
            diags.error("Cannot import the consumer endpoint", err);
            return None;
        }
    };
    let sources = |pairs: &std::collections::BTreeSet<(i32, String)>| -> Field<Set<String>> {
        if pairs.is_empty() {
            Field::Null
        } else {
            Field::Known(Set::of(pairs.iter().map(|(_, source)| source.clone())))
        }
    };
    let name_of = |role: &str| -> Field<String> {
        zones
            .iter()
            .find(|(zone_role, _, _)| zone_role == role)
            .map(|(_, _, name)| name.clone())
            .into()
    };
    let mut model = ConsumerEndpointModel {
        service_name: Field::Known(endpoint.service_name.clone()),
        vpc_id: Field::Known(endpoint.vpc_id.clone()),
        subnet_ids: Field::Known(Set::of(endpoint.subnet_ids.clone())),
        port: port.map(i64::from).into(),
        allowed_cidr_blocks: sources(&ingress.cidrs),
        allowed_security_group_ids: sources(&ingress.groups),
        allow_any_source: Field::Known(
            ingress
                .cidrs
                .iter()
                .any(|(_, cidr)| super::schema::is_any_source(cidr)),
        ),
        database_hostname: name_of("database_hostname"),
        dns_name: name_of("dns_name"),
        tags: user_tags(&endpoint.tags, &clients.default_tags),
        tags_all: Field::Known(Map::of(endpoint.tags.clone())),
        security_group_id: Field::Known(group_id),
        private_zone_ids: Field::Known(Map::of(
            zones
                .iter()
                .map(|(_, zone_id, name)| (name.clone(), zone_id.clone())),
        )),
        drift: Field::Known(List::of(Vec::<String>::new())),
        ..ConsumerEndpointModel::default()
    };
    record_endpoint(&mut model, &endpoint);
    Some(model)
}

/// The tags the configuration gave, as far as they can be told from what the endpoint carries:
/// those the provider's `default_tags` do not explain; null when there are none (a configuration
/// without `tags`).
fn user_tags(
    carried: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
) -> Field<Map<String>> {
    let own: BTreeMap<String, String> = carried
        .iter()
        .filter(|(key, value)| default_tags.get(*key) != Some(*value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if own.is_empty() {
        Field::Null
    } else {
        Field::Known(Map::of(own))
    }
}
