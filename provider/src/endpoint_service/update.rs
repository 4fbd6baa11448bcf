//! Update in place: rebuild the parts deleted outside Terraform, bring every setting to the plan,
//! then re-sync the targets (register first, deregister second).

use std::collections::BTreeSet;

use tfplugin::diag::Diagnostics;
use tfplugin::provider::Context;

use super::aws::{self, Bundle, BundleSpec, Observed, PartialBundle, PrincipalChanges};
use super::create::{creation_failure, partial_state, spec_of};
use super::model::{EndpointServiceModel, Operation, Parts, ip_list};
use super::timeouts;
use crate::aws::Clients;

/// The new state; `None` keeps the prior one (the error is in `diags`).
pub(super) async fn update(
    clients: &Clients,
    prior: &EndpointServiceModel,
    mut planned: EndpointServiceModel,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<EndpointServiceModel> {
    let spec = spec_of(&planned, diags)?;
    let bundle_clients = &clients.bundle;
    let fail = |diags: &mut Diagnostics, err: aws::Error| {
        diags.error("Cannot update the endpoint service", err.to_string());
        None
    };
    let observed = match aws::read(bundle_clients, &prior.parts.ids()).await {
        Ok(observed) => observed,
        Err(err) => return fail(diags, err),
    };
    let timeout = timeouts::of(&planned.timeouts, Operation::Update);
    let mut progress = PartialBundle::default();
    let bundle = match complete_bundle(&observed) {
        Some(bundle) => bundle,
        None => match aws::recreate_missing(
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
                return partial_state(planned, &progress, diags);
            }
        },
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
        &planned.target_ips(),
    )
    .await
    {
        Ok(registered) => {
            planned.parts = Parts::from(&bundle);
            planned.registered_targets = ip_list(&registered);
            Some(planned)
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
