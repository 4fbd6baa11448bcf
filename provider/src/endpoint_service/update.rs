//! Update in place: rebuild the parts deleted outside Terraform, bring every setting to the plan
//! (the endpoint service back onto the bundle's load balancer included), then move the target
//! group onto the database's primary of this moment through the engine's `reconcile`.
//!
//! The database is discovered again on every update, whatever the plan says: the plan never
//! promises addresses (see [`super::plan`]). A target group recreated here is filled before any
//! listener forwards to it, and the update never finishes with an empty one.
//!
//! A failed update returns the prior state with the ids of every part that exists now, recreated
//! ones included, so nothing created is ever unrecorded.

use std::collections::BTreeSet;

use tfplugin::diag::Diagnostics;
use tfplugin::provider::Context;

use super::aws::{self, Bundle, BundleSpec, Observed, PartialBundle, PrincipalChanges};
use super::create::{creation_failure, spec_of};
use super::model::{Configuration, EndpointServiceModel, Field, List, Operation, Parts};
use super::sync;
use super::targets::{self, DatabaseNow};
use super::timeouts;
use crate::aws::Clients;

/// The new state; `None` keeps the prior one (nothing changed; the error is in `diags`).
pub(super) async fn update(
    clients: &Clients,
    prior: &EndpointServiceModel,
    mut planned: EndpointServiceModel,
    config: &Configuration<'_>,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<EndpointServiceModel> {
    let now = targets::discover(clients, config, diags).await?;
    if !targets::settle(&mut planned, config, &now, diags) {
        return None;
    }
    let spec = spec_of(&planned, diags)?;
    let observed = match aws::read(&clients.bundle, &prior.parts.ids()).await {
        Ok(observed) => observed,
        Err(err) => {
            diags.error("Cannot update the endpoint service", err.to_string());
            return None;
        }
    };
    let mut progress = observed.present();
    match rebuild(
        clients,
        &spec,
        &now,
        observed,
        &mut planned,
        &mut progress,
        ctx,
        diags,
    )
    .await
    {
        Some(bundle) => {
            planned.parts = Parts::from(&bundle);
            planned.service_nlb_arns = Field::Known(List::of([bundle.nlb_arn.clone()]));
            let timeout = timeouts::of(&planned.timeouts, Operation::Update);
            let role_given = sync::role_given(&config.model);
            if let Err(error) =
                sync::apply(clients, &mut planned, role_given, None, timeout, ctx).await
            {
                // The state records the drift, so the next plan shows the update again.
                diags.error("Cannot deploy the sync Lambda", error);
            }
            super::read::settle_connections(clients, &mut planned, diags).await;
            Some(planned)
        }
        None => failed(prior, &progress),
    }
}

/// Everything after the first read; `None` on failure (the error is in `diags`, and `progress`
/// names every part that exists).
#[allow(clippy::too_many_arguments)]
async fn rebuild(
    clients: &Clients,
    spec: &BundleSpec,
    now: &DatabaseNow,
    mut observed: Observed,
    planned: &mut EndpointServiceModel,
    progress: &mut PartialBundle,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Bundle> {
    let bundle_clients = &clients.bundle;
    let fail = |diags: &mut Diagnostics, err: aws::Error| {
        diags.error("Cannot update the endpoint service", err.to_string());
        None
    };
    if observed.target_group.is_none() {
        // Filled before the listener is recreated or re-pointed: consumers never reach an empty
        // group.
        let arn = match aws::recreate_target_group(bundle_clients, spec).await {
            Ok(arn) => arn,
            Err(err) => return fail(diags, err),
        };
        progress.target_group_arn = Some(arn.clone());
        targets::converge(clients, now, &arn, spec.port, planned, diags).await?;
        observed = match aws::read(bundle_clients, progress).await {
            Ok(observed) => observed,
            Err(err) => return fail(diags, err),
        };
    }
    let bundle = match complete_bundle(&observed) {
        Some(bundle) => bundle,
        None => {
            let timeout = timeouts::of(&planned.timeouts, Operation::Update);
            let recreated = aws::recreate_missing(
                bundle_clients,
                spec,
                &observed,
                progress,
                timeout,
                ctx.stopped(),
            )
            .await;
            match recreated {
                Ok(bundle) => bundle,
                Err(err) => {
                    diags.error(
                        "Cannot recreate the missing parts",
                        creation_failure(&err.to_string(), progress),
                    );
                    return None;
                }
            }
        }
    };
    *progress = PartialBundle::from(&bundle);
    // Read again: recreated parts come with the spec's settings, the others are converged below.
    let observed = match aws::read(bundle_clients, progress).await {
        Ok(observed) => observed,
        Err(err) => return fail(diags, err),
    };
    if let Err(err) = converge_settings(bundle_clients, spec, &bundle, &observed).await {
        return fail(diags, err);
    }
    targets::converge(
        clients,
        now,
        &bundle.target_group_arn,
        spec.port,
        planned,
        diags,
    )
    .await?;
    Some(bundle)
}

/// What a failed update leaves in the state: the prior state with the ids of the parts that exist
/// now (a recreated part's included), so the next plan and `terraform destroy` know them all.
fn failed(prior: &EndpointServiceModel, progress: &PartialBundle) -> Option<EndpointServiceModel> {
    let mut state = prior.clone();
    if state.parts.ids() == *progress {
        return None;
    }
    state.parts.record(progress);
    Some(state)
}

/// Brings every in-place setting to the spec, calling AWS only where the observed value differs.
async fn converge_settings(
    clients: &aws::AwsClients,
    spec: &BundleSpec,
    bundle: &Bundle,
    observed: &Observed,
) -> Result<(), aws::Error> {
    if let Some(service) = &observed.endpoint_service {
        if service.nlb_arns != [bundle.nlb_arn.clone()] {
            aws::point_service_at(clients, &bundle.service_id, &bundle.nlb_arn).await?;
        }
        let current: BTreeSet<String> = service.allowed_principals.iter().cloned().collect();
        let changes = PrincipalChanges::between(&current, &spec.principal_set());
        if !changes.add.is_empty() || !changes.remove.is_empty() {
            aws::update_principals(clients, &bundle.service_id, &changes.add, &changes.remove)
                .await?;
        }
        if service.acceptance_required != spec.acceptance_required {
            aws::update_acceptance(clients, &bundle.service_id, spec.acceptance_required).await?;
        }
        aws::update_supported_regions(
            clients,
            &bundle.service_id,
            &service.supported_regions,
            &spec.supported_regions,
        )
        .await?;
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

/// The bundle AWS holds, when every part exists and the listener forwards from the load balancer
/// to the target group (a part recreated out of band may not be wired in); `None` when parts must
/// be recreated or rewired.
fn complete_bundle(observed: &Observed) -> Option<Bundle> {
    let (Some(service), Some(load_balancer), Some(group), Some(listener)) = (
        &observed.endpoint_service,
        &observed.load_balancer,
        &observed.target_group,
        &observed.listener,
    ) else {
        return None;
    };
    let wired = listener.target_group_arn.as_deref() == Some(group.arn.as_str())
        && listener.load_balancer_arn == load_balancer.arn;
    wired.then(|| Bundle {
        service_id: service.id.clone(),
        service_name: service.name.clone(),
        nlb_arn: load_balancer.arn.clone(),
        nlb_dns_name: load_balancer.dns_name.clone(),
        target_group_arn: group.arn.clone(),
        listener_arn: listener.arn.clone(),
        availability_zones: load_balancer.availability_zones.clone(),
    })
}

#[cfg(test)]
mod tests;
