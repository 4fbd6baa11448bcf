//! The Terraform side of `sync` over the deployment layer ([`crate::sync`], which knows nothing
//! about Terraform): the plan (deterministic: every computed value is derived from the
//! configuration, the provider's account and region, and the code embedded in this binary),
//! the apply (`ensure` or `remove`), refresh (what drifted) and delete.

use std::time::Duration;

use aws_sdk_rds::types::Filter;
use rdslink_engine::function_env::MemberEndpoints;
use rdslink_engine::{ClusterRole, DatabaseSelector};
use tfplugin::provider::Context;

use super::aws::with_ownership;
use super::model::{Database, EndpointServiceModel, Field, List, Set, SyncModel};
use super::schema::sync::{
    DEFAULT_DNS_WAIT_SECONDS, DEFAULT_ENABLED, DEFAULT_EVENTS, DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_MEMORY_SIZE, DEFAULT_SCHEDULE, EVENTS_BOTH, EVENTS_OFF, EVENTS_SNS, SCHEDULE_OFF,
};
use crate::aws::{Clients, ConfigureError};
use crate::identity::account_of_arn;
use crate::sync::policy::{Scope, VpcAttachment};
use crate::sync::{self, EventDelivery, ExecutionRole, Owner, SyncNames, SyncSpec, code};

/// The account and region every sync part lives in.
pub(super) async fn scope(clients: &Clients) -> Result<Scope, String> {
    let account_id = clients.account_id().await.map_err(|err| err.to_string())?;
    Ok(Scope::new(&clients.region, account_id))
}

/// [`scope`] for a plan. The account of a resource that exists is in its parts' ARNs: planning
/// it then needs no AWS call, so an unchanged configuration plans without any. Only a plan
/// without a prior part (a create) asks STS.
pub(super) async fn plan_scope(
    clients: &Clients,
    prior: &EndpointServiceModel,
) -> Result<Scope, ConfigureError> {
    let parts = &prior.parts;
    let recorded = [&parts.target_group_arn, &parts.nlb_arn, &parts.listener_arn]
        .into_iter()
        .find_map(|arn| arn.known().and_then(|arn| account_of_arn(arn)));
    let account_id = match recorded {
        Some(account_id) => account_id,
        None => clients.account_id().await?,
    };
    Ok(Scope::new(&clients.region, account_id))
}

/// The settings `config` asks for, defaults filling what it leaves out (the whole attribute
/// included); the computed attributes are left null.
fn settings(config: &Field<SyncModel>) -> Field<SyncModel> {
    let given = match config {
        Field::Unknown(refinements) => return Field::Unknown(refinements.clone()),
        Field::Null => SyncModel::default(),
        Field::Known(model) => model.clone(),
    };
    let text = |value: &str| Field::Known(value.to_owned());
    Field::Known(SyncModel {
        enabled: given.enabled.or_if_null(Field::Known(DEFAULT_ENABLED)),
        events: given.events.or_if_null(text(DEFAULT_EVENTS)),
        schedule: given.schedule.or_if_null(text(DEFAULT_SCHEDULE)),
        dns_wait_seconds: given
            .dns_wait_seconds
            .or_if_null(Field::Known(DEFAULT_DNS_WAIT_SECONDS)),
        memory_size: given
            .memory_size
            .or_if_null(Field::Known(DEFAULT_MEMORY_SIZE)),
        log_retention_days: given
            .log_retention_days
            .or_if_null(Field::Known(DEFAULT_LOG_RETENTION_DAYS)),
        permissions_boundary: given.permissions_boundary,
        role_arn: given.role_arn,
        subnet_ids: given.subnet_ids,
        security_group_ids: given.security_group_ids,
        ..SyncModel::default()
    })
}

/// The delivery paths an `events` mode names.
fn event_delivery(mode: &str) -> EventDelivery {
    EventDelivery {
        eventbridge: mode == DEFAULT_EVENTS || mode == EVENTS_BOTH,
        sns: mode == EVENTS_SNS || mode == EVENTS_BOTH,
    }
}

/// The `events` mode of the paths that exist.
fn events_mode(delivery: EventDelivery) -> &'static str {
    match (delivery.eventbridge, delivery.sns) {
        (true, true) => EVENTS_BOTH,
        (true, false) => DEFAULT_EVENTS,
        (false, true) => EVENTS_SNS,
        (false, false) => EVENTS_OFF,
    }
}

/// Whether the configured database has RDS events to match: an instance, cluster or proxy does,
/// a plain hostname does not; `None` while the selector is unknown.
fn has_rds_events(database: &Database) -> Option<bool> {
    let ids = [
        &database.db_instance_identifier,
        &database.db_cluster_identifier,
        &database.db_proxy_name,
    ];
    if ids.iter().any(|field| field.known().is_some()) {
        return Some(true);
    }
    if ids.iter().any(|field| field.is_unknown()) {
        return None;
    }
    match &database.endpoint {
        Field::Known(_) => Some(false),
        _ => None,
    }
}

/// The planned `sync`: a function of the configuration, the name, the account and region, and
/// the code embedded in this provider (see the module docs).
pub(super) fn plan(config: &EndpointServiceModel, scope: &Scope) -> Field<SyncModel> {
    let Field::Known(settings) = settings(&config.sync) else {
        return Field::unknown();
    };
    let unknown = || Field::unknown();
    let role_arn = settings.role_arn.clone();
    match (settings.enabled.known().copied(), config.name.known()) {
        (Some(false), _) => {
            // Nothing is deployed: no computed value, and the role is the user's or none.
            Field::Known(
                SyncModel {
                    role_arn,
                    ..settings
                }
                .with_outputs(|| Field::Null, Field::Null),
            )
        }
        (None, _) | (_, None) => Field::Known(
            SyncModel {
                role_arn: role_arn.or_unknown(),
                ..settings
            }
            .with_outputs(unknown, Field::unknown()),
        ),
        (Some(true), Some(name)) => {
            let names = SyncNames::of(name);
            let known = |text: String| Field::Known(text);
            let delivery = match (settings.events.as_deref(), has_rds_events(&config.database)) {
                (Some(mode), Some(true)) => Some(event_delivery(mode)),
                (Some(_), Some(false)) => Some(EventDelivery::default()),
                _ => None,
            };
            let arn_if = |deployed: fn(&EventDelivery) -> bool, arn: String| match &delivery {
                Some(delivery) if deployed(delivery) => known(arn),
                Some(_) => Field::Null,
                None => unknown(),
            };
            let event_rule_arn = arn_if(|d| d.eventbridge, names.rule_arn(scope));
            let sns_topic_arn = arn_if(|d| d.sns, names.topic_arn(scope));
            let event_subscription_arn = arn_if(|d| d.sns, names.event_subscription_arn(scope));
            let schedule_arn = match settings.schedule.as_deref() {
                Some(SCHEDULE_OFF) => Field::Null,
                Some(_) => known(names.schedule_arn(scope)),
                None => unknown(),
            };
            Field::Known(SyncModel {
                role_arn: role_arn.or_if_null(known(names.managed_role_arn(scope))),
                function_name: known(names.function.clone()),
                function_arn: known(names.function_arn(scope)),
                code_sha256: known(code::code_sha256().to_owned()),
                log_group_name: known(names.log_group.clone()),
                event_rule_arn,
                sns_topic_arn,
                event_subscription_arn,
                schedule_arn,
                drift: Field::Known(List::of(Vec::<String>::new())),
                ..settings
            })
        }
    }
}

/// The deployment `state` (a planned or refreshed model, fully known) describes, for the target
/// group it names. `role_given`: the configuration sets `role_arn` (at apply) — at refresh the
/// role is the user's when it is not rdslink's managed one.
async fn spec_of(
    clients: &Clients,
    state: &EndpointServiceModel,
    sync: &SyncModel,
    role_given: bool,
    members: Option<ClusterMembers>,
) -> Result<SyncSpec, String> {
    let scope = scope(clients).await?;
    let name = state
        .name
        .as_deref()
        .ok_or("the name is not known")?
        .to_owned();
    let names = SyncNames::of(&name);
    let selector = state
        .database
        .selector()
        .ok_or("the database is not known")?;
    let target_group_arn = state
        .parts
        .target_group_arn
        .as_deref()
        .ok_or("the target group does not exist")?
        .to_owned();
    let port = state
        .port
        .known()
        .and_then(|port| u16::try_from(*port).ok())
        .ok_or("the port is not known")?;
    let number = |field: &Field<i64>, default: i64| {
        u32::try_from(*field.known().unwrap_or(&default)).unwrap_or_default()
    };
    let execution_role = match sync.role_arn.as_deref() {
        Some(arn) if role_given || arn != names.managed_role_arn(&scope) => {
            ExecutionRole::Provided {
                arn: arn.to_owned(),
            }
        }
        _ => ExecutionRole::Managed {
            permissions_boundary: sync.permissions_boundary.known().cloned(),
        },
    };
    let schedule = sync
        .schedule
        .as_deref()
        .unwrap_or(DEFAULT_SCHEDULE)
        .to_owned();
    // An apply always passes them (endpoints included); refresh reads the ids only.
    let members = match members {
        Some(members) => members,
        None => cluster_members(clients, &selector, Purpose::Compare).await?,
    };
    Ok(SyncSpec {
        owner: name.clone(),
        cluster_members: members.ids,
        member_endpoints: members.endpoints,
        names,
        scope,
        target_group_arn,
        selector,
        port,
        dns_wait_seconds: number(&sync.dns_wait_seconds, DEFAULT_DNS_WAIT_SECONDS),
        memory_size: number(&sync.memory_size, DEFAULT_MEMORY_SIZE),
        log_retention_days: number(&sync.log_retention_days, DEFAULT_LOG_RETENTION_DAYS),
        schedule: (schedule != SCHEDULE_OFF).then_some(schedule),
        events: event_delivery(sync.events.as_deref().unwrap_or(DEFAULT_EVENTS)),
        vpc: vpc_attachment(sync),
        execution_role,
        tags: with_ownership(&state.part_tags(), &name),
    })
}

/// The function's VPC placement, when `subnet_ids` is set (validation requires the security
/// groups with it).
fn vpc_attachment(sync: &SyncModel) -> Option<VpcAttachment> {
    let subnet_ids = sync.subnet_ids.elements();
    if sync.subnet_ids.is_null() || subnet_ids.is_empty() {
        return None;
    }
    Some(VpcAttachment {
        subnet_ids: subnet_ids.into_iter().collect(),
        security_group_ids: sync.security_group_ids.elements().into_iter().collect(),
    })
}

/// [`cluster_members`] of the database `state` selects, read ahead of [`apply`] (which reads
/// them itself when given none); `None` when that cannot be done now.
pub(super) async fn members_ahead(
    clients: &Clients,
    state: &EndpointServiceModel,
) -> Option<ClusterMembers> {
    let selector = state.database.selector()?;
    cluster_members(clients, &selector, Purpose::Deploy)
        .await
        .ok()
}

/// What the deployment needs to know of a cluster's members; empty for other databases.
#[derive(Debug, Clone, Default)]
pub(super) struct ClusterMembers {
    /// Their instance ids, sorted (the rule's pattern).
    ids: Vec<String>,
    /// A writer's members' endpoints, the function's hint; empty unless read to deploy.
    endpoints: MemberEndpoints,
}

/// Why the members are read: to deploy the function (its environment then carries their
/// endpoints), or to compare what is deployed (the hint is never compared, so not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Deploy,
    Compare,
}

/// A cluster's members; for a writer being deployed, their endpoints too, read side by side.
async fn cluster_members(
    clients: &Clients,
    selector: &DatabaseSelector,
    purpose: Purpose,
) -> Result<ClusterMembers, String> {
    let DatabaseSelector::Cluster { identifier, role } = selector else {
        return Ok(ClusterMembers::default());
    };
    let with_endpoints = purpose == Purpose::Deploy && *role == ClusterRole::Writer;
    let clusters = async {
        clients
            .rds
            .describe_db_clusters()
            .db_cluster_identifier(identifier)
            .send()
            .await
            .map_err(|err| {
                format!(
                    "reading the members of DB cluster {identifier}: {}",
                    rdslink_engine::aws_error::Failure::of(&err)
                )
            })
    };
    let (answer, endpoints) = tokio::join!(clusters, async {
        if with_endpoints {
            member_endpoints(clients, identifier).await
        } else {
            MemberEndpoints::default()
        }
    });
    let mut ids: Vec<String> = answer?
        .db_clusters()
        .iter()
        .flat_map(|cluster| cluster.db_cluster_members())
        .filter_map(|member| member.db_instance_identifier().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ClusterMembers { ids, endpoints })
}

/// The endpoints of cluster `identifier`'s instances. Best effort: the function reads what the
/// hint lacks, so a failure only leaves it empty.
async fn member_endpoints(clients: &Clients, identifier: &str) -> MemberEndpoints {
    let filter = Filter::builder()
        .name("db-cluster-id")
        .values(identifier)
        .build();
    match clients
        .rds
        .describe_db_instances()
        .filters(filter)
        .send()
        .await
    {
        Ok(answer) => MemberEndpoints::new(answer.db_instances().iter().filter_map(|instance| {
            let address = instance.endpoint()?.address()?;
            Some((instance.db_instance_identifier()?, address))
        })),
        Err(err) => {
            tracing::debug!(
                cluster = identifier,
                error = %rdslink_engine::aws_error::Failure::of(&err),
                "cannot read the cluster's instance endpoints; the function will read them"
            );
            MemberEndpoints::default()
        }
    }
}

/// Brings the deployment to `planned.sync` (deploying or removing it) and records what exists.
/// `role_given`: the configuration sets `sync.role_arn`. On failure the error says what happened,
/// and `planned.sync` records drift, so the next plan shows an update that finishes the job.
/// `members`: the cluster's members read ahead ([`members_ahead`]), if they were.
pub(super) async fn apply(
    clients: &Clients,
    planned: &mut EndpointServiceModel,
    role_given: bool,
    members: Option<ClusterMembers>,
    timeout: Duration,
    ctx: &Context,
) -> Result<(), String> {
    let Field::Known(sync) = planned.sync.clone() else {
        return Err("the sync settings are not known".to_owned());
    };
    let result = bounded(timeout, ctx, async {
        if sync.enabled.known() == Some(&false) {
            let name = planned.name.as_deref().unwrap_or_default();
            remove_parts(clients, name).await?;
            return Ok(None);
        }
        let members = match members {
            Some(members) => members,
            None => {
                let selector = planned
                    .database
                    .selector()
                    .ok_or("the database is not known")?;
                cluster_members(clients, &selector, Purpose::Deploy).await?
            }
        };
        let spec = spec_of(clients, planned, &sync, role_given, Some(members)).await?;
        sync::ensure(&clients.sync, &spec)
            .await
            .map(|deployed| Some((spec, deployed)))
            .map_err(|err| err.to_string())
    })
    .await;
    match result {
        Ok(None) => {
            planned.sync = Field::Known(sync.with_outputs(|| Field::Null, Field::Null));
            Ok(())
        }
        Ok(Some((spec, deployed))) => {
            let known = |text: &str| Field::Known(text.to_owned());
            planned.sync = Field::Known(SyncModel {
                role_arn: known(&deployed.role_arn),
                function_name: known(&spec.names.function),
                function_arn: known(&deployed.function_arn),
                code_sha256: known(&deployed.code_sha256),
                log_group_name: known(&spec.names.log_group),
                event_rule_arn: deployed.event_rule_arn.clone().into(),
                sns_topic_arn: deployed.sns_topic_arn.clone().into(),
                event_subscription_arn: deployed.event_subscription_arn.clone().into(),
                schedule_arn: deployed.schedule_arn.clone().into(),
                drift: Field::Known(List::of(Vec::<String>::new())),
                ..sync
            });
            Ok(())
        }
        Err(error) => {
            let unfinished =
                format!("the last apply did not finish deploying the sync Lambda: {error}");
            planned.sync = Field::Known(SyncModel {
                role_arn: sync.role_arn.clone().known().cloned().into(),
                ..sync.with_outputs(|| Field::Null, Field::Known(List::of([unfinished])))
            });
            Err(error)
        }
    }
}

/// Runs `work` unless the timeout passes or Terraform asks to stop first. Dropping it half way
/// is safe: every part is found again by its name.
async fn bounded<T>(
    timeout: Duration,
    ctx: &Context,
    work: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    let work = Box::pin(work);
    match ctx.until_stopped(tokio::time::timeout(timeout, work)).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(format!(
            "the sync Lambda's deployment did not finish within {}s",
            timeout.as_secs()
        )),
        Err(_) => Err("interrupted: Terraform asked the provider to stop".to_owned()),
    }
}

/// Removes every sync part the endpoint service `name` owns (whatever the state says: leftovers
/// of an interrupted apply included).
pub(super) async fn remove_parts(clients: &Clients, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Ok(());
    }
    let scope = scope(clients).await?;
    sync::remove(
        &clients.sync,
        &Owner(name.to_owned()),
        &scope,
        &SyncNames::of(name),
    )
    .await
    .map_err(|err| err.to_string())
}

/// Refresh: reads every part back into `state.sync` (ids of what exists, the code deployed, and
/// what drifted). `Err`: AWS could not be read; the caller keeps the prior values with a warning.
pub(super) async fn refresh(
    clients: &Clients,
    state: &mut EndpointServiceModel,
) -> Result<(), String> {
    if state.sync.is_null() {
        // An import, or a state written before `sync` existed: the settings of a deployed
        // function of this endpoint service, if there is one.
        state.sync = recorded_settings(clients, state).await?.into();
    }
    let Field::Known(sync) = state.sync.clone() else {
        return Ok(());
    };
    if sync.enabled.known() != Some(&true) || state.parts.target_group_arn.is_null() {
        return Ok(());
    }
    // What is deployed depends only on the names, so it is read alongside the spec (whose
    // cluster members come from RDS).
    let scope = scope(clients).await?;
    let names = SyncNames::of(state.name.as_deref().ok_or("the name is not known")?);
    let (spec, observed) = tokio::try_join!(spec_of(clients, state, &sync, false, None), async {
        sync::observe(&clients.sync, &scope, &names)
            .await
            .map_err(|err| err.to_string())
    })?;
    let owner = Owner(spec.owner.clone());
    let function = observed
        .function
        .as_ref()
        .filter(|function| owner.owns(&function.tags));
    let rule = observed.rule.as_ref().filter(|rule| owner.owns(&rule.tags));
    let topic_arn = spec.names.topic_arn(&spec.scope);
    let topic = observed
        .topic
        .as_ref()
        .filter(|topic| owner.owns(&topic.tags))
        .map(|_| topic_arn.as_str());
    let event_subscription = observed
        .event_subscription
        .as_ref()
        .filter(|subscription| owner.owns(&subscription.tags));
    let schedule = observed
        .schedule
        .as_ref()
        .filter(|schedule| function.is_some_and(|function| function.arn == schedule.target_arn));
    let text = |value: Option<&str>| value.map(str::to_owned).into();
    state.sync = Field::Known(SyncModel {
        function_name: text(function.map(|_| spec.names.function.as_str())),
        function_arn: text(function.map(|function| function.arn.as_str())),
        code_sha256: text(function.map(|function| function.code_sha256.as_str())),
        log_group_name: text(
            observed
                .log_group
                .as_ref()
                .map(|_| spec.names.log_group.as_str()),
        ),
        event_rule_arn: text(rule.map(|rule| rule.arn.as_str())),
        sns_topic_arn: text(topic),
        event_subscription_arn: text(
            event_subscription.map(|subscription| subscription.arn.as_str()),
        ),
        schedule_arn: text(schedule.map(|schedule| schedule.arn.as_str())),
        drift: Field::Known(List::of(observed.drift(&spec))),
        ..sync
    });
    Ok(())
}

/// Whether the configuration brings its own execution role (`sync.role_arn` set).
pub(super) fn role_given(config: &EndpointServiceModel) -> bool {
    config
        .sync
        .known()
        .is_some_and(|sync| !sync.role_arn.is_null())
}

/// The settings a deployed function of this endpoint service was given, read back from its parts;
/// `None` when none is deployed.
async fn recorded_settings(
    clients: &Clients,
    state: &EndpointServiceModel,
) -> Result<Option<SyncModel>, String> {
    let Some(name) = state.name.as_deref() else {
        return Ok(None);
    };
    let scope = scope(clients).await?;
    let names = SyncNames::of(name);
    let observed = sync::observe(&clients.sync, &scope, &names)
        .await
        .map_err(|err| err.to_string())?;
    let owner = Owner(name.to_owned());
    let Some(function) = observed
        .function
        .filter(|function| owner.owns(&function.tags))
    else {
        return Ok(None);
    };
    let text = |value: &str| Field::Known(value.to_owned());
    let events = events_mode(EventDelivery {
        eventbridge: observed.rule.is_some_and(|rule| owner.owns(&rule.tags)),
        sns: observed
            .event_subscription
            .is_some_and(|subscription| owner.owns(&subscription.tags)),
    });
    let schedule = observed
        .schedule
        .filter(|schedule| schedule.target_arn == function.arn)
        .map_or_else(|| SCHEDULE_OFF.to_owned(), |schedule| schedule.expression);
    let dns_wait = function
        .environment
        .get(rdslink_engine::function_env::DNS_WAIT_SECONDS)
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_DNS_WAIT_SECONDS);
    let managed = names.managed_role_arn(&scope) == function.role;
    let permissions_boundary = observed
        .role
        .filter(|_| managed)
        .and_then(|role| role.permissions_boundary);
    Ok(Some(SyncModel {
        enabled: Field::Known(true),
        events: text(events),
        schedule: Field::Known(schedule),
        dns_wait_seconds: Field::Known(dns_wait),
        memory_size: Field::Known(function.memory_size.map_or(DEFAULT_MEMORY_SIZE, i64::from)),
        log_retention_days: Field::Known(
            observed
                .log_group
                .and_then(|group| group.retention_days)
                .map_or(DEFAULT_LOG_RETENTION_DAYS, i64::from),
        ),
        permissions_boundary: permissions_boundary.into(),
        role_arn: text(&function.role),
        subnet_ids: function
            .vpc
            .as_ref()
            .map(|vpc| Set::of(vpc.subnet_ids.clone()))
            .into(),
        security_group_ids: function
            .vpc
            .as_ref()
            .map(|vpc| Set::of(vpc.security_group_ids.clone()))
            .into(),
        ..SyncModel::default()
    }))
}
