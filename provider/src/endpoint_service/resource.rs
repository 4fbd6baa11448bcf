//! `resource "rdslink_endpoint_service"`: the Terraform side of a bundle. It maps the schema onto
//! [`BundleSpec`] and back, plans `registered_targets` as the database's addresses *now* (so a
//! failover shows as drift), and leaves every AWS call to [`super::aws`].
//!
//! Failure policy: when a create fails half way, the parts that exist are returned with the error,
//! so Terraform records them as a tainted resource and the next `apply` (or `destroy`) deletes them
//! before creating anew; leftovers whose ids were never seen carry the ownership tag and are adopted
//! by the next create or swept by delete.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

use async_trait::async_trait;
use rdslink_engine::discovery::{Discoverer, Discovery};

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::plan::{requires_replace, set_default};
use tfplugin::provider::{
    ApplyRequest, ApplyResponse, Context, PlanRequest, PlanResponse, ReadRequest, ReadResponse,
    Resource,
};
use tfplugin::schema::Schema;
use tfplugin::value::{Number, Value};
use crate::aws::Clients;
use crate::{ClientSlot, selector};

use super::aws::{
    self, Bundle, BundleSpec, HealthCheck, OWNERSHIP_TAG, Observed, PartialBundle, PrincipalChanges,
};
use super::schema::{self as attrs, DEFAULT_HEALTHY, DEFAULT_INTERVAL, DEFAULT_UNHEALTHY};
use super::timeouts;

/// Computed attributes that name a part: stable once the part exists.
const PART_ATTRIBUTES: [&str; 7] = [
    "id",
    "service_name",
    "nlb_arn",
    "nlb_dns_name",
    "target_group_arn",
    "listener_arn",
    "availability_zones",
];

pub struct EndpointServiceResource {
    clients: ClientSlot,
}

impl EndpointServiceResource {
    pub fn new(clients: ClientSlot) -> Arc<Self> {
        Arc::new(EndpointServiceResource { clients })
    }
}

#[async_trait]
impl Resource for EndpointServiceResource {
    fn type_name(&self) -> &'static str {
        "rdslink_endpoint_service"
    }

    fn schema(&self) -> Schema {
        attrs::schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        attrs::validate(config, diags);
    }

    async fn plan(
        &self,
        req: PlanRequest,
        _ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<PlanResponse> {
        if req.is_destroy() {
            return Some(PlanResponse {
                planned_state: Value::Null,
                requires_replace: Vec::new(),
                planned_private: req.prior_private,
            });
        }
        let clients = self.clients.get(diags)?;
        let PlanRequest {
            prior_state: prior,
            proposed_new_state,
            config,
            prior_private,
        } = req;
        let mut planned = proposed_new_state;

        plan_defaults(&mut planned, &config);
        planned.set_attribute("tags_all", tags_all(&config, &clients.default_tags));
        plan_database(&mut planned, &prior, &config, clients, diags).await;
        for name in PART_ATTRIBUTES {
            let kept = prior.get(name);
            planned.set_attribute(
                name,
                if kept.is_null() {
                    Value::unknown()
                } else {
                    kept.clone()
                },
            );
        }

        let mut replace = requires_replace(
            &prior,
            &planned,
            &[AttributePath::root("vpc_id"), AttributePath::root("port")],
        );
        if !prior.is_null() {
            if string_set(prior.get("subnet_ids")) != string_set(planned.get("subnet_ids"))
                || !planned.get("subnet_ids").is_fully_known()
            {
                replace.push(AttributePath::root("subnet_ids"));
            }
            // An imported bundle rdslink did not build has no name yet: naming it adopts it in place.
            if !prior.get("name").is_null() && prior.get("name") != planned.get("name") {
                replace.push(AttributePath::root("name"));
            }
            let before = strings(prior.get("security_group_ids"));
            let after = strings(planned.get("security_group_ids"));
            if planned.get("security_group_ids").is_fully_known()
                && aws::security_groups_change_needs_replacement(&before, &after)
            {
                replace.push(AttributePath::root("security_group_ids"));
            }
        }
        Some(PlanResponse {
            planned_state: planned,
            requires_replace: replace,
            planned_private: prior_private,
        })
    }

    async fn apply(
        &self,
        req: ApplyRequest,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<ApplyResponse> {
        let clients = self.clients.get(diags)?;
        let private = req.planned_private.clone();
        let new_state = if req.is_destroy() {
            destroy(clients, &req.prior_state, ctx, diags).await?
        } else if req.is_create() {
            create(clients, req.planned_state, &req.config, ctx, diags).await?
        } else {
            update(clients, &req.prior_state, req.planned_state, ctx, diags).await?
        };
        Some(ApplyResponse { new_state, private })
    }

    async fn read(
        &self,
        req: ReadRequest,
        _ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<ReadResponse> {
        let clients = self.clients.get(diags)?;
        let state = req.current_state;
        let parts = parts_of(&state);
        if parts.is_empty() {
            return Some(ReadResponse {
                new_state: Value::Null,
                private: req.private,
            });
        }
        let observed = match aws::read(&clients.bundle, &parts).await {
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
            return Some(ReadResponse {
                new_state: Value::Null,
                private: req.private,
            });
        }
        Some(ReadResponse {
            new_state: refreshed(state, &observed, &clients.default_tags),
            private: req.private,
        })
    }

    async fn import(&self, id: &str, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let clients = self.clients.get(diags)?;
        if attrs::aws_id(id, "vpce-svc").is_err() {
            diags.error(
                "Invalid import id",
                format!("{id:?} is not an endpoint service id: import with the service's id, e.g. vpce-svc-0123456789abcdef0."),
            );
            return None;
        }
        let bundle = match aws::find_bundle_by_service_id(&clients.bundle, id).await {
            Ok(bundle) => bundle,
            Err(err) => {
                diags.error(
                    format!("Cannot import endpoint service {id}"),
                    err.to_string(),
                );
                return None;
            }
        };
        let observed = match aws::read(&clients.bundle, &PartialBundle::from(&bundle)).await {
            Ok(observed) => observed,
            Err(err) => {
                diags.error(
                    format!("Cannot import endpoint service {id}"),
                    err.to_string(),
                );
                return None;
            }
        };
        let skeleton = empty_state()
            .with(
                "name",
                Value::optional_string(observed.owner_name().map(str::to_owned)),
            )
            .with("service_name", Value::string(bundle.service_name.clone()));
        let state = with_bundle(skeleton, &bundle);
        Some(refreshed(state, &observed, &clients.default_tags))
    }
}

/// Defaults of optional+computed attributes the configuration leaves null.
fn plan_defaults(planned: &mut Value, config: &Value) {
    let root = AttributePath::root;
    set_default(
        planned,
        config,
        &root("cross_zone_load_balancing"),
        Value::bool(true),
    );
    set_default(
        planned,
        config,
        &root("acceptance_required"),
        Value::bool(false),
    );
    set_default(
        planned,
        config,
        &root("deregistration_delay_seconds"),
        number(0),
    );
    set_default(
        planned,
        config,
        &root("terminate_connections_on_deregistration"),
        Value::bool(true),
    );
    if !planned.get("health_check").is_null() {
        for (name, default) in [
            ("interval_seconds", DEFAULT_INTERVAL),
            ("healthy_threshold", DEFAULT_HEALTHY),
            ("unhealthy_threshold", DEFAULT_UNHEALTHY),
        ] {
            set_default(
                planned,
                config,
                &root("health_check").attribute(name),
                number(default),
            );
        }
    }
}

/// Plans what depends on the database now: `registered_targets`, and `endpoint`, `port` and `role`
/// when the configuration leaves them to the database. When discovery fails, the state's values
/// are kept and the plan carries a warning instead of failing.
async fn plan_database(
    planned: &mut Value,
    prior: &Value,
    config: &Value,
    clients: &Clients,
    diags: &mut Diagnostics,
) {
    let mut quiet = Diagnostics::new();
    let selector = if config.is_fully_known() {
        selector::from_config(config, &mut quiet)
    } else {
        None
    };
    let discovery = match &selector {
        Some(selector) => {
            let discoverer = Discoverer::new(clients.rds.clone(), clients.resolver.clone());
            match discoverer.discover(selector).await {
                Ok(discovery) => Some(discovery),
                Err(err) => {
                    diags.warning(
                        format!("Cannot discover {} now", selector::describe(selector)),
                        format!(
                            "{err}\n\nThe plan keeps the targets from the state; `terraform apply` discovers again."
                        ),
                    );
                    None
                }
            }
        }
        None => None,
    };
    let keep_or_unknown = |name: &str| {
        let kept = prior.get(name);
        if kept.is_null() {
            Value::unknown()
        } else {
            kept.clone()
        }
    };
    match discovery {
        Some(discovery) => apply_discovery(planned, config, &discovery, diags),
        None => {
            planned.set_attribute("registered_targets", keep_or_unknown("registered_targets"));
            for name in ["endpoint", "port"] {
                if config.get(name).is_null() {
                    planned.set_attribute(name, keep_or_unknown(name));
                }
            }
            if config.get("role").is_null() && !config.get("db_cluster_identifier").is_null() {
                planned.set_attribute("role", Value::string("writer"));
            }
        }
    }
}

fn apply_discovery(
    state: &mut Value,
    config: &Value,
    discovery: &Discovery,
    diags: &mut Diagnostics,
) {
    state.set_attribute("registered_targets", ip_list(&discovery.target_ips));
    if config.get("endpoint").is_null() {
        state.set_attribute("endpoint", Value::string(discovery.endpoint.clone()));
    }
    if config.get("port").is_null() {
        match discovery.port {
            Some(port) => state.set_attribute("port", number(i64::from(port))),
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
    if let Some(role) = selector::role_of(config) {
        state.set_attribute("role", Value::string(role.to_string()));
    }
}

async fn create(
    clients: &Clients,
    mut planned: Value,
    config: &Value,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Value> {
    // Values planned unknown because discovery failed at plan time are discovered now. The selector
    // comes from the configuration: the planned `endpoint` is the computed answer, not a selector.
    if !planned.get("registered_targets").is_known() || !planned.get("port").is_known() {
        let selector = selector::from_config(config, diags)?;
        let discoverer = Discoverer::new(clients.rds.clone(), clients.resolver.clone());
        match discoverer.discover(&selector).await {
            Ok(discovery) => {
                apply_discovery(&mut planned, config, &discovery, diags);
                if diags.has_errors() {
                    return None;
                }
            }
            Err(err) => {
                diags.error(
                    format!("Cannot discover {}", selector::describe(&selector)),
                    err.to_string(),
                );
                return None;
            }
        }
    }
    let spec = spec_of(&planned, diags)?;
    let desired = desired_targets(&planned);
    let timeout = timeouts::of(&planned, "create");
    let mut progress = PartialBundle::default();
    let created = aws::create(
        &clients.bundle,
        &spec,
        &mut progress,
        timeout,
        ctx.stopped(),
    )
    .await;
    let bundle = match created {
        Ok(bundle) => bundle,
        Err(err) => {
            diags.error(
                "Cannot create the endpoint service",
                creation_failure(&err.to_string(), &progress),
            );
            return partial_state(planned, &progress);
        }
    };
    match aws::sync_targets(
        &clients.bundle,
        &bundle.target_group_arn,
        spec.port,
        &desired,
    )
    .await
    {
        Ok(registered) => {
            Some(with_bundle(planned, &bundle).with("registered_targets", ip_list(&registered)))
        }
        Err(err) => {
            diags.error("Cannot register the database's addresses", err.to_string());
            partial_state(planned, &PartialBundle::from(&bundle))
        }
    }
}

async fn update(
    clients: &Clients,
    prior: &Value,
    planned: Value,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let spec = spec_of(&planned, diags)?;
    let bundle_clients = &clients.bundle;
    let fail = |diags: &mut Diagnostics, err: aws::Error| {
        diags.error("Cannot update the endpoint service", err.to_string());
        None
    };
    let parts = parts_of(prior);
    let observed = match aws::read(bundle_clients, &parts).await {
        Ok(observed) => observed,
        Err(err) => return fail(diags, err),
    };
    let timeout = timeouts::of(&planned, "update");
    let mut progress = PartialBundle::default();
    let bundle = if observed.is_complete() && listener_wired(&observed) {
        bundle_of(&observed)
    } else {
        match aws::recreate_missing(
            bundle_clients,
            &spec,
            &observed,
            &mut progress,
            timeout,
            ctx.stopped(),
        )
        .await
        {
            Ok(bundle) => bundle,
            Err(err) => {
                diags.error(
                    "Cannot recreate the missing parts",
                    creation_failure(&err.to_string(), &progress),
                );
                return partial_state(planned, &progress);
            }
        }
    };
    // Read again: recreated parts come with the spec's settings, the others are converged below.
    let observed = match aws::read(bundle_clients, &PartialBundle::from(&bundle)).await {
        Ok(observed) => observed,
        Err(err) => return fail(diags, err),
    };
    if let Err(err) = converge_settings(bundle_clients, &spec, &bundle, &observed).await {
        return fail(diags, err);
    }
    match aws::sync_targets(
        bundle_clients,
        &bundle.target_group_arn,
        spec.port,
        &desired_targets(&planned),
    )
    .await
    {
        Ok(registered) => {
            Some(with_bundle(planned, &bundle).with("registered_targets", ip_list(&registered)))
        }
        Err(err) => fail(diags, err),
    }
}

/// Brings every in-place setting to the spec, calling AWS only where the observed value differs.
async fn converge_settings(
    clients: &aws::AwsClients,
    spec: &BundleSpec,
    bundle: &Bundle,
    observed: &Observed,
) -> Result<(), aws::Error> {
    if let Some(service) = &observed.endpoint_service {
        let current: BTreeSet<String> = service.allowed_principals.iter().cloned().collect();
        let changes = PrincipalChanges::between(&current, &spec.principal_set());
        if !changes.add.is_empty() || !changes.remove.is_empty() {
            aws::update_principals(clients, &bundle.service_id, &changes.add, &changes.remove)
                .await?;
        }
        if service.acceptance_required != spec.acceptance_required {
            aws::update_acceptance(clients, &bundle.service_id, spec.acceptance_required).await?;
        }
    }
    if let Some(group) = &observed.target_group {
        if group.health_check != spec.health_check {
            aws::update_health_check(clients, &bundle.target_group_arn, &spec.health_check).await?;
        }
        if group.deregistration_delay_seconds != spec.deregistration_delay_seconds
            || group.terminate_connections != spec.terminate_connections_on_deregistration
        {
            aws::update_target_group_attributes(
                clients,
                &bundle.target_group_arn,
                spec.deregistration_delay_seconds,
                spec.terminate_connections_on_deregistration,
            )
            .await?;
        }
    }
    if let Some(load_balancer) = &observed.load_balancer {
        if load_balancer.cross_zone != spec.cross_zone_load_balancing {
            aws::update_cross_zone(clients, &bundle.nlb_arn, spec.cross_zone_load_balancing)
                .await?;
        }
        let mut desired_groups = spec.security_group_ids.clone();
        desired_groups.sort();
        if load_balancer.security_group_ids != desired_groups {
            aws::update_security_groups(clients, &bundle.nlb_arn, &spec.security_group_ids).await?;
        }
    }
    aws::update_tags(
        clients,
        &PartialBundle::from(bundle),
        &spec.name,
        &spec.tags,
    )
    .await
}

async fn destroy(
    clients: &Clients,
    prior: &Value,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let parts = parts_of(prior);
    let name = prior.get("name").as_str();
    let timeout = timeouts::of(prior, "delete");
    match aws::delete(&clients.bundle, &parts, name, timeout, ctx.stopped()).await {
        Ok(()) => Some(Value::Null),
        Err(err) => {
            diags.error("Cannot delete the endpoint service", err.to_string());
            None
        }
    }
}

/// The listener forwards to the target group the bundle records (a part recreated out of band may
/// not).
fn listener_wired(observed: &Observed) -> bool {
    match (
        &observed.listener,
        &observed.target_group,
        &observed.load_balancer,
    ) {
        (Some(listener), Some(group), Some(load_balancer)) => {
            listener.target_group_arn.as_deref() == Some(group.arn.as_str())
                && listener.load_balancer_arn == load_balancer.arn
        }
        _ => false,
    }
}

fn bundle_of(observed: &Observed) -> Bundle {
    let (Some(service), Some(load_balancer), Some(group), Some(listener)) = (
        &observed.endpoint_service,
        &observed.load_balancer,
        &observed.target_group,
        &observed.listener,
    ) else {
        unreachable!("bundle_of is called on complete observations only")
    };
    Bundle {
        service_id: service.id.clone(),
        service_name: service.name.clone(),
        nlb_arn: load_balancer.arn.clone(),
        nlb_dns_name: load_balancer.dns_name.clone(),
        target_group_arn: group.arn.clone(),
        listener_arn: listener.arn.clone(),
        availability_zones: load_balancer.availability_zones.clone(),
    }
}

/// The state after a refresh: every setting as AWS holds it, parts that are gone as null (so the
/// plan recreates them), representation kept where the meaning is the same (list order).
fn refreshed(state: Value, observed: &Observed, default_tags: &BTreeMap<String, String>) -> Value {
    let mut state = state;
    match &observed.endpoint_service {
        Some(service) => {
            state.set_attribute("id", Value::string(service.id.clone()));
            state.set_attribute("service_name", Value::string(service.name.clone()));
            state.set_attribute(
                "allowed_principals",
                Value::set_of_strings(service.allowed_principals.clone()),
            );
            state.set_attribute(
                "acceptance_required",
                Value::bool(service.acceptance_required),
            );
            let (tags, all) = split_tags(&service.tags, default_tags, state.get("tags"));
            state.set_attribute("tags", tags);
            state.set_attribute("tags_all", all);
        }
        None => {
            state.set_attribute("id", Value::Null);
            state.set_attribute("service_name", Value::Null);
        }
    }
    match &observed.load_balancer {
        Some(lb) => {
            state.set_attribute("nlb_arn", Value::string(lb.arn.clone()));
            state.set_attribute("nlb_dns_name", Value::string(lb.dns_name.clone()));
            state.set_attribute("vpc_id", Value::string(lb.vpc_id.clone()));
            state.set_attribute(
                "availability_zones",
                Value::list_of_strings(lb.availability_zones.clone()),
            );
            state.set_attribute("cross_zone_load_balancing", Value::bool(lb.cross_zone));
            let subnets = same_set_or(state.get("subnet_ids"), &lb.subnet_ids);
            state.set_attribute("subnet_ids", subnets);
            let groups =
                if lb.security_group_ids.is_empty() && state.get("security_group_ids").is_null() {
                    Value::Null
                } else {
                    same_set_or(state.get("security_group_ids"), &lb.security_group_ids)
                };
            state.set_attribute("security_group_ids", groups);
        }
        None => {
            for name in ["nlb_arn", "nlb_dns_name", "availability_zones"] {
                state.set_attribute(name, Value::Null);
            }
        }
    }
    match &observed.listener {
        Some(listener) => {
            state.set_attribute("listener_arn", Value::string(listener.arn.clone()));
            state.set_attribute("port", number(i64::from(listener.port)));
        }
        None => state.set_attribute("listener_arn", Value::Null),
    }
    match &observed.target_group {
        Some(group) => {
            state.set_attribute("target_group_arn", Value::string(group.arn.clone()));
            state.set_attribute("registered_targets", ip_list(&group.registered_targets));
            state.set_attribute(
                "deregistration_delay_seconds",
                number(i64::from(group.deregistration_delay_seconds)),
            );
            state.set_attribute(
                "terminate_connections_on_deregistration",
                Value::bool(group.terminate_connections),
            );
            let check = group.health_check;
            let is_default = check
                == (HealthCheck {
                    interval_seconds: DEFAULT_INTERVAL as i32,
                    healthy_threshold: DEFAULT_HEALTHY as i32,
                    unhealthy_threshold: DEFAULT_UNHEALTHY as i32,
                });
            let block = if is_default && state.get("health_check").is_null() {
                Value::Null
            } else {
                Value::object([
                    (
                        "interval_seconds",
                        number(i64::from(check.interval_seconds)),
                    ),
                    (
                        "healthy_threshold",
                        number(i64::from(check.healthy_threshold)),
                    ),
                    (
                        "unhealthy_threshold",
                        number(i64::from(check.unhealthy_threshold)),
                    ),
                ])
            };
            state.set_attribute("health_check", block);
        }
        None => {
            state.set_attribute("target_group_arn", Value::Null);
            state.set_attribute("registered_targets", Value::Null);
        }
    }
    state
}

/// The user's `tags` and `tags_all` from what a part carries: the ownership tag is rdslink's, and
/// provider default tags with their default value belong to `tags_all` only.
fn split_tags(
    observed: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
    prior_tags: &Value,
) -> (Value, Value) {
    let all: BTreeMap<String, String> = observed
        .iter()
        .filter(|(k, _)| k.as_str() != OWNERSHIP_TAG)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let own: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| {
            default_tags.get(*k) != Some(v) || prior_tags.get(k).as_str() == Some(v.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let tags = if own.is_empty() && prior_tags.is_null() {
        Value::Null
    } else {
        Value::map_of_strings(own)
    };
    (tags, Value::map_of_strings(all))
}

fn tags_all(config: &Value, default_tags: &BTreeMap<String, String>) -> Value {
    let tags = config.get("tags");
    if !tags.is_fully_known() {
        return Value::unknown();
    }
    let mut all = default_tags.clone();
    for (key, value) in tags.entries().into_iter().flatten() {
        if let Some(text) = value.as_str() {
            all.insert(key.clone(), text.to_owned());
        }
    }
    Value::map_of_strings(all)
}

/// The bundle a planned (fully known) state describes.
fn spec_of(state: &Value, diags: &mut Diagnostics) -> Option<BundleSpec> {
    let int = |v: &Value, default: i64| v.as_i64().unwrap_or(default) as i32;
    let Some(port) = state.get("port").as_u16().filter(|p| *p > 0) else {
        diags.error_at(
            AttributePath::root("port"),
            "Missing port",
            "The port is not known: set `port`.",
        );
        return None;
    };
    let health = state.get("health_check");
    let tags_all = state.get("tags_all");
    Some(BundleSpec {
        name: state.get("name").as_str().unwrap_or_default().to_owned(),
        vpc_id: state.get("vpc_id").as_str().unwrap_or_default().to_owned(),
        subnet_ids: strings(state.get("subnet_ids")),
        security_group_ids: strings(state.get("security_group_ids")),
        port,
        cross_zone_load_balancing: state
            .get("cross_zone_load_balancing")
            .as_bool()
            .unwrap_or(true),
        health_check: HealthCheck {
            interval_seconds: int(health.get("interval_seconds"), DEFAULT_INTERVAL),
            healthy_threshold: int(health.get("healthy_threshold"), DEFAULT_HEALTHY),
            unhealthy_threshold: int(health.get("unhealthy_threshold"), DEFAULT_UNHEALTHY),
        },
        deregistration_delay_seconds: int(state.get("deregistration_delay_seconds"), 0),
        terminate_connections_on_deregistration: state
            .get("terminate_connections_on_deregistration")
            .as_bool()
            .unwrap_or(true),
        allowed_principals: strings(state.get("allowed_principals")),
        acceptance_required: state.get("acceptance_required").as_bool().unwrap_or(false),
        tags: tags_all
            .entries()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
    })
}

fn desired_targets(state: &Value) -> BTreeSet<Ipv4Addr> {
    state
        .get("registered_targets")
        .elements()
        .iter()
        .filter_map(|v| v.as_str()?.parse().ok())
        .collect()
}

fn parts_of(state: &Value) -> PartialBundle {
    let text = |name: &str| state.get(name).as_str().map(str::to_owned);
    PartialBundle {
        target_group_arn: text("target_group_arn"),
        load_balancer_arn: text("nlb_arn"),
        listener_arn: text("listener_arn"),
        service_id: text("id"),
    }
}

fn with_bundle(state: Value, bundle: &Bundle) -> Value {
    state
        .with("id", Value::string(bundle.service_id.clone()))
        .with("service_name", Value::string(bundle.service_name.clone()))
        .with("nlb_arn", Value::string(bundle.nlb_arn.clone()))
        .with("nlb_dns_name", Value::string(bundle.nlb_dns_name.clone()))
        .with(
            "target_group_arn",
            Value::string(bundle.target_group_arn.clone()),
        )
        .with("listener_arn", Value::string(bundle.listener_arn.clone()))
        .with(
            "availability_zones",
            Value::list_of_strings(bundle.availability_zones.clone()),
        )
}

/// What Terraform records after a failed create or update: the parts that exist, every unknown
/// made null. Terraform marks it tainted, so the next apply deletes it first.
fn partial_state(planned: Value, progress: &PartialBundle) -> Option<Value> {
    if progress.is_empty() {
        return None;
    }
    let mut state = null_unknowns(planned);
    let set = |state: &mut Value, name: &str, value: &Option<String>| {
        state.set_attribute(name, Value::optional_string(value.clone()));
    };
    set(&mut state, "id", &progress.service_id);
    set(&mut state, "nlb_arn", &progress.load_balancer_arn);
    set(&mut state, "target_group_arn", &progress.target_group_arn);
    set(&mut state, "listener_arn", &progress.listener_arn);
    Some(state)
}

fn creation_failure(error: &str, progress: &PartialBundle) -> String {
    if progress.is_empty() {
        format!("{error}\n\nNothing was created.")
    } else {
        format!(
            "{error}\n\nThe parts created so far are recorded in the state (tainted): the next `terraform apply` \
             deletes them and starts again, and `terraform destroy` removes them."
        )
    }
}

fn null_unknowns(value: Value) -> Value {
    match value {
        Value::Unknown(_) => Value::Null,
        Value::Object(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k, null_unknowns(v)))
                .collect(),
        ),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k, null_unknowns(v)))
                .collect(),
        ),
        Value::List(items) => Value::List(items.into_iter().map(null_unknowns).collect()),
        Value::Set(items) => Value::Set(items.into_iter().map(null_unknowns).collect()),
        Value::Tuple(items) => Value::Tuple(items.into_iter().map(null_unknowns).collect()),
        other => other,
    }
}

/// A state object with every attribute null (import starts from it).
fn empty_state() -> Value {
    let schema = attrs::schema();
    let mut state = Value::object(Vec::<(String, Value)>::new());
    for attribute in &schema.block.attributes {
        state.set_attribute(attribute.name.clone(), Value::Null);
    }
    for block in &schema.block.blocks {
        state.set_attribute(block.name.clone(), Value::Null);
    }
    state
}

/// Keeps the state's list when it holds the same strings as `observed` (order is not meaningful).
fn same_set_or(current: &Value, observed: &[String]) -> Value {
    let current_set = string_set(current);
    let observed_set: BTreeSet<String> = observed.iter().cloned().collect();
    if current.is_fully_known() && !current.is_null() && current_set == observed_set {
        current.clone()
    } else {
        Value::list_of_strings(observed.to_vec())
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .elements()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn string_set(value: &Value) -> BTreeSet<String> {
    strings(value).into_iter().collect()
}

fn ip_list(ips: &[Ipv4Addr]) -> Value {
    let mut sorted = ips.to_vec();
    sorted.sort();
    Value::list_of_strings(sorted.iter().map(ToString::to_string))
}

fn number(n: i64) -> Value {
    Value::number(Number::from(n))
}
