//! Building a bundle: target group and load balancer (active) side by side -> listener ->
//! endpoint service.
//!
//! First, before anything is created or changed, [`preflight`] checks the network and refuses the
//! create when a working bundle of another state carries the name ([`super::ownership`]); it
//! only reads, so the caller runs it beside its own reads. Then each step looks for its part:
//! already recorded in `progress` (kept as it is), else a leftover of an interrupted apply
//! carrying the ownership tag for this name (adopted and brought to the spec), else it creates
//! the part. When a create call fails (its answer lost, or refused on a retry), the step looks the
//! part up by name and ownership tag before giving up ([`made_anyway`]); the endpoint service's
//! create also carries a client token, so the SDK's retries cannot make a second one. The id of
//! every part is written to `progress` the moment it is known, before anything else is tried, so
//! a failure at any later point leaves nothing that `progress` does not name.
//!
//! AWS answers each call in tens of milliseconds, so the number of calls made one after another,
//! not the number of calls, sets how long a create takes: independent steps run side by side,
//! and a step skips the reads whose answer it already knows (a load balancer this create made
//! has no listener yet; an endpoint service it made allows no principal yet).
//!
//! A little over 500 lines: the four steps, each with its adopt / create / recover paths, read best
//! side by side in dependency order.

use std::future::Future;
use std::time::Duration;

use aws_sdk_ec2::types::ServiceConfiguration;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, ProtocolEnum, TargetGroup};
use tokio::sync::oneshot;
use tracing::{info, warn};

use super::AwsClients;
use super::bundle::{Bundle, PartialBundle};
use super::endpoint_service::{
    client_token, converge_principals, create_endpoint_service, find_endpoint_service,
    find_tagged_endpoint_services, find_tagged_endpoint_services_on, is_state,
    point_at_load_balancer, state_of, update_acceptance, update_principals, wait_available,
};
use super::error::{Error, Part, Result};
use super::listener::{
    create_listener, find_listener, forward_listener_to, forward_target, listeners_of,
};
use super::load_balancer::{
    self, create_load_balancer, find_load_balancers_by_name, find_tagged_load_balancers,
    update_cross_zone, update_security_groups, wait_active, zones,
};
use super::network::{Network, validate_network};
use super::observed::Observed;
use super::ownership::refuse_foreign_bundle;
use super::poll::{Cancel, Deadline, bounded};
use super::spec::{BundleSpec, aws_name};
use super::tags::{
    converge_ec2_tags, converge_elb_tags, elb_tags_of, elb_tags_of_one, from_ec2, owned_by,
};
use super::target_group::{
    self, create_target_group, find_tagged_target_groups, find_target_group_by_name,
    update_health_check, update_target_group_attributes,
};

/// How a step came by its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Recorded in `progress` before this run: left as it is.
    Existing,
    /// A leftover carrying the ownership tag: brought to the spec.
    Adopted,
    /// Made by this run.
    Created,
}

/// What [`preflight`] found: proof that the checks ran, and the parts that carry the name, which
/// the build adopts instead of looking them up again.
#[derive(Debug)]
pub struct Preflight {
    /// Endpoint services carrying the name's ownership tag, none of them part of another
    /// state's working bundle.
    tagged_services: Vec<String>,
    /// The target group of the bundle's name, carrying its ownership tag (a leftover).
    target_group: Option<TargetGroup>,
    /// The load balancers of the bundle's name, each carrying its ownership tag (leftovers).
    load_balancers: Vec<LoadBalancer>,
}

/// The checks made before anything is created or changed: the network exists as `network` says
/// ([`validate_network`]), no other state's working bundle carries `name` (`ours`: the parts this
/// resource's state records, which are not another's), and nothing else holds the names of the
/// parts `ours` lacks. Reads only, side by side: a name taken by something else refuses the
/// create before any part of it exists.
pub async fn preflight(
    clients: &AwsClients,
    name: &str,
    network: Network<'_>,
    ours: &PartialBundle,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send,
) -> Result<Preflight> {
    let mut cancel = Cancel::new(cancel);
    let foreign = async {
        let tagged_services = find_tagged_endpoint_services(clients, name).await?;
        // The adoption below is for leftovers of this resource's own interrupted create, never
        // for another state's working bundle.
        refuse_foreign_bundle(clients, name, &tagged_services, ours).await?;
        Ok::<_, Error>(tagged_services)
    };
    let checks = async {
        let (network, tagged_services, target_group, load_balancers) = tokio::join!(
            validate_network(clients, network),
            foreign,
            survey_target_group(clients, name, ours.target_group_arn.is_some()),
            survey_load_balancers(clients, name, ours.load_balancer_arn.is_some()),
        );
        network?;
        Ok(Preflight {
            tagged_services: tagged_services?,
            target_group: target_group?,
            load_balancers: load_balancers?,
        })
    };
    let what = "checking the network and the names of the bundle's parts";
    bounded(what, Deadline::after(timeout), &mut cancel, checks).await
}

/// The target group named for `name`, when there is one and it carries `name`'s ownership tag;
/// refuses one that does not. Nothing to look for when the state records the group.
async fn survey_target_group(
    clients: &AwsClients,
    name: &str,
    recorded: bool,
) -> Result<Option<TargetGroup>> {
    if recorded {
        return Ok(None);
    }
    let aws_name = aws_name(name);
    let Some(group) = find_target_group_by_name(clients, &aws_name).await? else {
        return Ok(None);
    };
    let arn = group.target_group_arn().unwrap_or_default().to_owned();
    let tags = elb_tags_of_one(clients, Part::TargetGroup, &arn).await?;
    if !owned_by(&tags, name) {
        return Err(Error::NameTaken {
            part: Part::TargetGroup,
            name: name.to_owned(),
            aws_name,
            id: arn,
        });
    }
    Ok(Some(group))
}

/// The load balancers named for `name`, each carrying `name`'s ownership tag; refuses any that
/// does not. Nothing to look for when the state records the load balancer.
async fn survey_load_balancers(
    clients: &AwsClients,
    name: &str,
    recorded: bool,
) -> Result<Vec<LoadBalancer>> {
    if recorded {
        return Ok(Vec::new());
    }
    let aws_name = aws_name(name);
    let named = find_load_balancers_by_name(clients, &aws_name).await?;
    let arns: Vec<String> = named
        .iter()
        .filter_map(|lb| lb.load_balancer_arn().map(str::to_owned))
        .collect();
    if arns.is_empty() {
        return Ok(named);
    }
    let tags = elb_tags_of(clients, Part::LoadBalancer, &arns).await?;
    if let Some(foreign) = arns
        .iter()
        .find(|arn| !tags.get(*arn).is_some_and(|t| owned_by(t, name)))
    {
        return Err(Error::NameTaken {
            part: Part::LoadBalancer,
            name: name.to_owned(),
            aws_name,
            id: foreign.clone(),
        });
    }
    Ok(named)
}

/// Creates the bundle `spec` describes, adopting leftovers of an interrupted earlier attempt:
/// [`preflight`], then [`build`].
///
/// `progress` receives each part's id as soon as it exists: on failure the caller records those
/// parts (Terraform keeps them as a tainted resource, so the next apply or destroy deletes them).
/// `timeout` bounds the whole creation; `cancel` completing (Ctrl-C) stops it at once.
pub async fn create(
    clients: &AwsClients,
    spec: &BundleSpec,
    progress: &mut PartialBundle,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send,
) -> Result<Bundle> {
    spec.validate()?;
    let cancel = Cancel::new(cancel);
    let checked = preflight(
        clients,
        &spec.name,
        spec.network(),
        progress,
        timeout,
        cancel.signal(),
    )
    .await?;
    build(
        clients,
        spec,
        checked,
        progress,
        timeout,
        cancel.signal(),
        None,
    )
    .await
}

/// Builds the bundle `spec` describes once [`preflight`] passed (see [`create`]).
/// `target_group_ready` hears the target group's ARN the moment it exists, so that the caller can
/// start what needs only the group while the load balancer is still being made; it is dropped
/// unheard when the group cannot be made.
pub async fn build(
    clients: &AwsClients,
    spec: &BundleSpec,
    checked: Preflight,
    progress: &mut PartialBundle,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send,
    target_group_ready: Option<oneshot::Sender<String>>,
) -> Result<Bundle> {
    spec.validate()?;
    let mut cancel = Cancel::new(cancel);
    assemble(
        clients,
        spec,
        &checked,
        progress,
        Deadline::after(timeout),
        &mut cancel,
        target_group_ready,
    )
    .await
}

/// Recreates the parts `observed` lacks (deleted outside Terraform), in dependency order, and
/// rewires the parts that remain onto them. Parts that exist are otherwise left as they are (the
/// `update_*` functions change them). `progress` is set to the parts that exist and then filled
/// in like [`create`]'s.
pub async fn recreate_missing(
    clients: &AwsClients,
    spec: &BundleSpec,
    observed: &Observed,
    progress: &mut PartialBundle,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send,
) -> Result<Bundle> {
    spec.validate()?;
    *progress = observed.present();
    let mut cancel = Cancel::new(cancel);
    let checked = if observed.target_group.is_none() || observed.load_balancer.is_none() {
        preflight(
            clients,
            &spec.name,
            spec.network(),
            progress,
            timeout,
            cancel.signal(),
        )
        .await?
    } else {
        // The network is the existing load balancer's, and the group and the load balancer
        // exist: only the name's other bundles matter.
        let what = "checking that no other state's bundle carries the name";
        let foreign = async {
            let tagged_services = find_tagged_endpoint_services(clients, &spec.name).await?;
            refuse_foreign_bundle(clients, &spec.name, &tagged_services, progress).await?;
            Ok(Preflight {
                tagged_services,
                target_group: None,
                load_balancers: Vec::new(),
            })
        };
        bounded(what, Deadline::after(timeout), &mut cancel, foreign).await?
    };
    assemble(
        clients,
        spec,
        &checked,
        progress,
        Deadline::after(timeout),
        &mut cancel,
        None,
    )
    .await
}

async fn assemble(
    clients: &AwsClients,
    spec: &BundleSpec,
    checked: &Preflight,
    progress: &mut PartialBundle,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
    target_group_ready: Option<oneshot::Sender<String>>,
) -> Result<Bundle> {
    // The target group and the load balancer do not need each other (the listener joins them):
    // made side by side, each recording its id in its own field of `progress`.
    let PartialBundle {
        target_group_arn: target_group_slot,
        load_balancer_arn: load_balancer_slot,
        ..
    } = progress;
    let mut target_group_cancel = cancel.fork();
    let mut load_balancer_cancel = cancel.fork();
    let target_group = Box::pin(async {
        let what = "creating the target group";
        let step = ensure_target_group(
            clients,
            spec,
            target_group_slot,
            checked.target_group.as_ref(),
            target_group_ready,
        );
        bounded(what, deadline, &mut target_group_cancel, step).await
    });
    let load_balancer = Box::pin(async {
        let cancel = &mut load_balancer_cancel;
        let what = "creating the load balancer";
        let step = ensure_load_balancer(clients, spec, load_balancer_slot, &checked.load_balancers);
        let (arn, origin) = bounded(what, deadline, cancel, step).await?;
        let load_balancer = wait_active(clients, &arn, deadline, cancel).await?;
        // Attributes are set once the load balancer is active, as AWS's own tooling does; like
        // every step, bounded by the deadline and by Ctrl-C.
        let what = "setting the load balancer's attributes";
        let configure = async {
            match origin {
                Origin::Created => {
                    update_cross_zone(clients, &arn, spec.cross_zone_load_balancing).await
                }
                Origin::Adopted => {
                    update_cross_zone(clients, &arn, spec.cross_zone_load_balancing).await?;
                    update_security_groups(clients, &arn, &spec.security_group_ids).await?;
                    converge_elb_tags(clients, Part::LoadBalancer, &arn, &spec.part_tags()).await
                }
                Origin::Existing => Ok(()),
            }
        };
        bounded(what, deadline, cancel, configure).await?;
        Ok::<_, Error>((arn, origin, load_balancer))
    });
    // Both run to the end, so that neither stops between making a part and recording it; the
    // target group's error is reported first.
    let (target_group, load_balancer) = tokio::join!(target_group, load_balancer);
    let target_group_arn = target_group?;
    let (load_balancer_arn, load_balancer_origin, load_balancer) = load_balancer?;

    let what = "creating the listener";
    let listener_arn = bounded(
        what,
        deadline,
        cancel,
        ensure_listener(
            clients,
            spec,
            &load_balancer_arn,
            load_balancer_origin,
            &target_group_arn,
            progress,
        ),
    )
    .await?;

    let what = "creating the endpoint service";
    let (service_id, available) = bounded(
        what,
        deadline,
        cancel,
        ensure_endpoint_service(clients, spec, checked, &load_balancer_arn, progress),
    )
    .await?;
    let service = match available {
        Some(service) => service,
        None => wait_available(clients, &service_id, deadline, cancel).await?,
    };

    Ok(Bundle {
        service_name: service.service_name().unwrap_or_default().to_owned(),
        service_id,
        nlb_dns_name: load_balancer.dns_name().unwrap_or_default().to_owned(),
        availability_zones: zones(&load_balancer),
        nlb_arn: load_balancer_arn,
        target_group_arn,
        listener_arn,
    })
}

/// Tells whoever waits for the target group that it exists.
fn announce(ready: &mut Option<oneshot::Sender<String>>, target_group_arn: &str) {
    if let Some(ready) = ready.take() {
        // Nobody listening any more (the caller gave up) is not this step's failure.
        let _ = ready.send(target_group_arn.to_owned());
    }
}

/// After a create call failed: the part may exist all the same (the answer was lost, or the SDK's
/// retry after a lost answer was refused), tagged for this bundle. `lookup` finds it (by name and
/// ownership tag); found, it is the part (the caller records it in `progress` at once, so a later
/// failure keeps it in the state and destroy removes it); not found, the call's error stands. A
/// failed lookup is logged and the call's error reported: the part, if any, stays a tagged
/// leftover that the next create adopts and destroy sweeps.
async fn made_anyway(
    part: Part,
    err: Error,
    lookup: impl Future<Output = Result<Option<String>>>,
) -> Result<String> {
    match lookup.await {
        Ok(Some(id)) => {
            warn!(%part, %id, error = %err, "the create call failed, but AWS made the part: keeping it");
            Ok(id)
        }
        Ok(None) => Err(err),
        Err(lookup_err) => {
            warn!(%part, error = %lookup_err, "cannot look for the part after its create call failed");
            Err(err)
        }
    }
}

/// At most one leftover may claim a part; several mean something went wrong more than once, and
/// adopting one would hide the others.
fn single_leftover(part: Part, name: &str, mut ids: Vec<String>) -> Result<Option<String>> {
    match ids.len() {
        0 => Ok(None),
        1 => Ok(ids.pop()),
        _ => Err(Error::AmbiguousLeftovers {
            part,
            name: name.to_owned(),
            ids,
        }),
    }
}

fn mismatch(
    part: Part,
    id: &str,
    spec: &BundleSpec,
    (field, expected, actual): (&'static str, String, String),
) -> Error {
    Error::LeftoverMismatch {
        part,
        id: id.to_owned(),
        name: spec.name.clone(),
        field,
        expected,
        actual,
    }
}

/// The target group: the recorded one, else the `surveyed` leftover (adopted and brought to the
/// spec), else a new one. `ready` hears its ARN as soon as it is known to be the bundle's.
async fn ensure_target_group(
    clients: &AwsClients,
    spec: &BundleSpec,
    recorded: &mut Option<String>,
    surveyed: Option<&TargetGroup>,
    mut ready: Option<oneshot::Sender<String>>,
) -> Result<String> {
    if let Some(arn) = recorded {
        announce(&mut ready, arn);
        return Ok(arn.clone());
    }
    if let Some(group) = surveyed {
        let arn = group.target_group_arn().unwrap_or_default().to_owned();
        *recorded = Some(arn.clone());
        info!(target_group = %arn, "adopting the target group left by an interrupted apply");
        if let Some(difference) = target_group::immutable_mismatch(group, spec) {
            return Err(mismatch(Part::TargetGroup, &arn, spec, difference));
        }
        announce(&mut ready, &arn);
        update_health_check(clients, &arn, &spec.health_check).await?;
        update_target_group_attributes(
            clients,
            &arn,
            spec.deregistration_delay_seconds,
            spec.terminate_connections_on_deregistration,
        )
        .await?;
        converge_elb_tags(clients, Part::TargetGroup, &arn, &spec.part_tags()).await?;
        return Ok(arn);
    }
    let arn = match create_target_group(clients, spec).await {
        Ok(arn) => arn,
        Err(err) => {
            let lookup = async {
                let found = find_tagged_target_groups(clients, &spec.name).await?;
                single_leftover(Part::TargetGroup, &spec.name, found)
            };
            made_anyway(Part::TargetGroup, err, lookup).await?
        }
    };
    *recorded = Some(arn.clone());
    info!(target_group = %arn, "created the target group");
    announce(&mut ready, &arn);
    update_target_group_attributes(
        clients,
        &arn,
        spec.deregistration_delay_seconds,
        spec.terminate_connections_on_deregistration,
    )
    .await?;
    Ok(arn)
}

/// The load balancer: the recorded one, else the single `surveyed` leftover (adopted), else a
/// new one; with how it came by it.
async fn ensure_load_balancer(
    clients: &AwsClients,
    spec: &BundleSpec,
    recorded: &mut Option<String>,
    surveyed: &[LoadBalancer],
) -> Result<(String, Origin)> {
    if let Some(arn) = recorded {
        return Ok((arn.clone(), Origin::Existing));
    }
    let arns: Vec<String> = surveyed
        .iter()
        .filter_map(|lb| lb.load_balancer_arn().map(str::to_owned))
        .collect();
    if let Some(arn) = single_leftover(Part::LoadBalancer, &spec.name, arns)? {
        *recorded = Some(arn.clone());
        info!(load_balancer = %arn, "adopting the load balancer left by an interrupted apply");
        let lb = surveyed
            .iter()
            .find(|lb| lb.load_balancer_arn() == Some(arn.as_str()))
            .ok_or_else(|| Error::NotFound {
                part: Part::LoadBalancer,
                id: arn.clone(),
            })?;
        if let Some(difference) = load_balancer::immutable_mismatch(lb, spec) {
            return Err(mismatch(Part::LoadBalancer, &arn, spec, difference));
        }
        return Ok((arn, Origin::Adopted));
    }
    let arn = match create_load_balancer(clients, spec).await {
        Ok(arn) => arn,
        Err(err) => {
            let lookup = async {
                let found = find_tagged_load_balancers(clients, &spec.name).await?;
                single_leftover(Part::LoadBalancer, &spec.name, found)
            };
            made_anyway(Part::LoadBalancer, err, lookup).await?
        }
    };
    *recorded = Some(arn.clone());
    info!(load_balancer = %arn, "created the load balancer");
    Ok((arn, Origin::Created))
}

async fn ensure_listener(
    clients: &AwsClients,
    spec: &BundleSpec,
    load_balancer_arn: &str,
    load_balancer_origin: Origin,
    target_group_arn: &str,
    progress: &mut PartialBundle,
) -> Result<String> {
    if let Some(arn) = progress.listener_arn.clone() {
        let listener = find_listener(clients, &arn).await?;
        if forward_target(&listener).as_deref() != Some(target_group_arn) {
            warn!(listener = %arn, target_group = %target_group_arn, "pointing the listener at the recreated target group");
            forward_listener_to(clients, &arn, target_group_arn).await?;
        }
        return Ok(arn);
    }
    // A listener on this bundle's load balancer and port can only be a leftover of this bundle;
    // a load balancer this create made has none.
    let on_port: Vec<_> = match load_balancer_origin {
        Origin::Created => Vec::new(),
        Origin::Adopted | Origin::Existing => listeners_of(clients, load_balancer_arn)
            .await?
            .into_iter()
            .filter(|listener| listener.port() == Some(i32::from(spec.port)))
            .collect(),
    };
    if let Some(listener) = on_port.first() {
        let arn = listener.listener_arn().unwrap_or_default().to_owned();
        progress.listener_arn = Some(arn.clone());
        info!(listener = %arn, "adopting the listener left by an interrupted apply");
        if listener.protocol() != Some(&ProtocolEnum::Tcp) {
            return Err(mismatch(
                Part::Listener,
                &arn,
                spec,
                (
                    "protocol",
                    "TCP".into(),
                    listener
                        .protocol()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                ),
            ));
        }
        if forward_target(listener).as_deref() != Some(target_group_arn) {
            forward_listener_to(clients, &arn, target_group_arn).await?;
        }
        converge_elb_tags(clients, Part::Listener, &arn, &spec.part_tags()).await?;
        return Ok(arn);
    }
    let created = create_listener(
        clients,
        load_balancer_arn,
        target_group_arn,
        spec.port,
        &spec.part_tags(),
    )
    .await;
    let arn = match created {
        Ok(arn) => arn,
        Err(err) => {
            let lookup = async {
                let on_port = listeners_of(clients, load_balancer_arn)
                    .await?
                    .into_iter()
                    .filter(|listener| listener.port() == Some(i32::from(spec.port)))
                    .filter_map(|listener| listener.listener_arn().map(str::to_owned))
                    .collect();
                single_leftover(Part::Listener, &spec.name, on_port)
            };
            made_anyway(Part::Listener, err, lookup).await?
        }
    };
    progress.listener_arn = Some(arn.clone());
    info!(listener = %arn, "created the listener");
    Ok(arn)
}

/// The endpoint service, allowing exactly the spec's principals; with its configuration when
/// AWS already answered that it is `Available` (then nobody needs to wait for it).
async fn ensure_endpoint_service(
    clients: &AwsClients,
    spec: &BundleSpec,
    checked: &Preflight,
    load_balancer_arn: &str,
    progress: &mut PartialBundle,
) -> Result<(String, Option<ServiceConfiguration>)> {
    if let Some(id) = progress.service_id.clone() {
        let service = find_endpoint_service(clients, &id).await?;
        point_at_load_balancer(clients, &service, load_balancer_arn).await?;
        converge_principals(clients, &id, &spec.principal_set()).await?;
        return Ok((id, None));
    }
    let leftover = single_leftover(
        Part::EndpointService,
        &spec.name,
        checked.tagged_services.clone(),
    )?;
    if let Some(id) = leftover {
        progress.service_id = Some(id.clone());
        info!(endpoint_service = %id, "adopting the endpoint service left by an interrupted apply");
        let service = find_endpoint_service(clients, &id).await?;
        point_at_load_balancer(clients, &service, load_balancer_arn).await?;
        if service.acceptance_required() != Some(spec.acceptance_required) {
            update_acceptance(clients, &id, spec.acceptance_required).await?;
        }
        super::endpoint_service::update_supported_regions(
            clients,
            &id,
            &super::endpoint_service::other_regions(&service),
            &spec.supported_regions,
        )
        .await?;
        converge_ec2_tags(
            clients,
            Part::EndpointService,
            &id,
            &from_ec2(service.tags()),
            &spec.part_tags(),
        )
        .await?;
        converge_principals(clients, &id, &spec.principal_set()).await?;
        return Ok((id, None));
    }
    // One token for this create: the SDK's retries resend it, so a retry after a lost answer
    // returns the service the first attempt made.
    let created = create_endpoint_service(
        clients,
        load_balancer_arn,
        spec.acceptance_required,
        &spec.supported_regions,
        &spec.part_tags(),
        &client_token(),
    )
    .await;
    match created {
        Ok(service) => {
            let id = service.service_id().unwrap_or_default().to_owned();
            progress.service_id = Some(id.clone());
            info!(endpoint_service = %id, "created the endpoint service");
            // A service AWS just made allows no principal: nothing to read before allowing them.
            let principals: Vec<String> = spec.principal_set().into_iter().collect();
            update_principals(clients, &id, &principals, &[]).await?;
            let available = is_state(&state_of(&service), "Available").then_some(service);
            Ok((id, available))
        }
        Err(err) => {
            let lookup = async {
                let on_ours =
                    find_tagged_endpoint_services_on(clients, &spec.name, load_balancer_arn)
                        .await?;
                single_leftover(Part::EndpointService, &spec.name, on_ours)
            };
            let id = made_anyway(Part::EndpointService, err, lookup).await?;
            progress.service_id = Some(id.clone());
            info!(endpoint_service = %id, "created the endpoint service");
            converge_principals(clients, &id, &spec.principal_set()).await?;
            Ok((id, None))
        }
    }
}
