//! Create: the bundle the plan describes and the sync Lambda, then the database's addresses of
//! this moment registered in it (through the engine's `reconcile`, see [`super::targets`]).
//!
//! AWS answers each call in tens of milliseconds, so what runs one after another sets the time:
//! the database's discovery beside the bundle's checks (all reads), and the sync Lambda's
//! deployment beside the load balancer, listener and endpoint service once the target group it
//! serves exists. Registering the targets waits for both: it stays the create's last step, which
//! is what tells a finished bundle from a leftover ([`super::aws::ownership`]).
//!
//! Failure policy: when a create fails half way, the parts that exist are returned with the error,
//! so Terraform records them as a tainted resource and the next `apply` (or `destroy`) deletes them
//! before creating anew; leftovers whose ids were never seen carry the ownership tag and are adopted
//! by the next create or swept by delete.

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::provider::Context;
use tokio::sync::oneshot;

use super::aws::{self, BundleSpec, PartialBundle};
use super::model::{
    Configuration, EndpointServiceModel, Field, HealthCheck, List, Operation, Parts,
};
use super::read::{connections, connections_or_warning};
use super::sync;
use super::targets;
use super::timeouts;
use crate::aws::Clients;

/// Creates the bundle and deploys the sync Lambda, then points its target group at the database's
/// primary of this moment through the engine's `reconcile` (the plan promised no address). The
/// database is discovered, and the network and the name checked, before anything is created, so
/// a database that cannot be found changes nothing.
pub(super) async fn create(
    clients: &Clients,
    mut planned: EndpointServiceModel,
    config: &Configuration<'_>,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<EndpointServiceModel> {
    let timeout = timeouts::of(&planned.timeouts, Operation::Create);
    let mut discovery_diags = Diagnostics::new();
    let name = planned.name.as_deref().unwrap_or_default().to_owned();
    let (subnet_ids, security_group_ids) = (
        planned.subnet_ids.elements(),
        planned.security_group_ids.elements(),
    );
    let network = aws::Network {
        vpc_id: planned.vpc_id.as_deref().unwrap_or_default(),
        subnet_ids: &subnet_ids,
        security_group_ids: &security_group_ids,
    };
    let nothing_yet = PartialBundle::default();
    let (now, checked) = tokio::join!(
        targets::discover(clients, config, &mut discovery_diags),
        aws::preflight(
            &clients.bundle,
            &name,
            network,
            &nothing_yet,
            timeout,
            ctx.stopped(),
        ),
    );
    for diagnostic in discovery_diags.into_vec() {
        diags.push(diagnostic);
    }
    let now = now?;
    let checked = match checked {
        Ok(checked) => checked,
        Err(err) => {
            diags.error(
                "Cannot create the endpoint service",
                creation_failure(&err.to_string(), &nothing_yet),
            );
            return None;
        }
    };
    if !targets::settle(&mut planned, config, &now, diags) {
        return None;
    }
    let spec = spec_of(&planned, diags)?;

    let mut progress = PartialBundle::default();
    let (target_group_ready, target_group_made) = oneshot::channel();
    let bundle = Box::pin(aws::build(
        &clients.bundle,
        &spec,
        checked,
        &mut progress,
        timeout,
        ctx.stopped(),
        Some(target_group_ready),
    ));
    // The sync Lambda needs only the target group's ARN: it is deployed while the rest of the
    // bundle is made, on a copy of the plan whose `sync` it then hands back.
    let role_given = sync::role_given(&config.model);
    let mut for_sync = planned.clone();
    let deployment = Box::pin(async {
        // The cluster's members (for the rule's pattern) are read while the group is made.
        let (target_group_arn, members) =
            tokio::join!(target_group_made, sync::members_ahead(clients, &for_sync));
        for_sync.parts.target_group_arn = Field::Known(target_group_arn.ok()?);
        Some(sync::apply(clients, &mut for_sync, role_given, members, timeout, ctx).await)
    });
    let (created, deployed) = tokio::join!(bundle, deployment);
    if deployed.is_some() {
        planned.sync = for_sync.sync;
    }
    let bundle = match created {
        Ok(bundle) => bundle,
        Err(err) => {
            diags.error(
                "Cannot create the endpoint service",
                creation_failure(&err.to_string(), &progress),
            );
            if let Some(Err(error)) = deployed {
                diags.error("Cannot deploy the sync Lambda", error);
            }
            return partial_state(planned, &progress, diags);
        }
    };
    planned.parts = Parts::from(&bundle);
    planned.service_nlb_arns = Field::Known(List::of([bundle.nlb_arn.clone()]));
    // The bundle exists, so the target group was announced and the deployment ran.
    let deployed = deployed.unwrap_or_else(|| Err("the sync Lambda was not deployed".to_owned()));
    if let Err(error) = &deployed
        && ctx.is_stopped()
    {
        // Asked to stop: no further call. Recorded (tainted by the error) with what exists.
        diags.error("Cannot deploy the sync Lambda", error.clone());
        return partial_state(planned, &PartialBundle::from(&bundle), diags);
    }
    // A create killed before this point leaves a bundle without targets, which the next apply
    // adopts (`aws::ownership`) together with the sync parts it finds by their names and tags.
    let (converged, connections) = tokio::join!(
        targets::converge(
            clients,
            &now,
            &bundle.target_group_arn,
            spec.port,
            &mut planned,
            diags,
        ),
        connections(clients, &bundle.service_id),
    );
    if converged.is_none() {
        return partial_state(planned, &PartialBundle::from(&bundle), diags);
    }
    planned.connections = connections_or_warning(connections, diags);
    if let Err(error) = deployed {
        // The bundle works; the state records it, tainted by the error, so Terraform would
        // replace it at the next apply. The sync parts that exist are found again by their names.
        diags.error(
            "Cannot deploy the sync Lambda",
            format!(
                "{error}\n\nThe load balancer, target group, listener and endpoint service were created and \
                 the target group holds the database's primary. Terraform marks the resource tainted because \
                 the create failed, and would replace the endpoint service (its consumers' endpoints \
                 included) at the next apply: to finish deploying the sync Lambda in place instead, run \
                 `terraform untaint` on this resource, then `terraform apply`."
            ),
        );
    }
    Some(planned)
}

/// The bundle a planned (fully known) state describes.
pub(super) fn spec_of(
    planned: &EndpointServiceModel,
    diags: &mut Diagnostics,
) -> Option<BundleSpec> {
    let port = planned
        .port
        .known()
        .and_then(|port| u16::try_from(*port).ok())
        .filter(|port| *port > 0);
    let Some(port) = port else {
        diags.error_at(
            AttributePath::root("port"),
            "Missing port",
            "The port is not known: set `port`.",
        );
        return None;
    };
    let text =
        |field: &super::model::Field<String>| field.as_deref().unwrap_or_default().to_owned();
    Some(BundleSpec {
        name: text(&planned.name),
        vpc_id: text(&planned.vpc_id),
        subnet_ids: planned.subnet_ids.elements(),
        security_group_ids: planned.security_group_ids.elements(),
        port,
        cross_zone_load_balancing: *planned.cross_zone_load_balancing.known().unwrap_or(&true),
        health_check: HealthCheck::settings(&planned.health_check),
        deregistration_delay_seconds: *planned.deregistration_delay_seconds.known().unwrap_or(&0)
            as i32,
        terminate_connections_on_deregistration: *planned
            .terminate_connections_on_deregistration
            .known()
            .unwrap_or(&true),
        allowed_principals: planned.allowed_principals.elements(),
        acceptance_required: *planned.acceptance_required.known().unwrap_or(&false),
        supported_regions: {
            let mut regions = planned.supported_regions.elements();
            regions.sort();
            regions.dedup();
            regions
        },
        tags: planned.part_tags(),
    })
}

/// What Terraform records after a failed create or update: the parts that exist, every unknown
/// made null. Terraform marks it tainted, so the next apply deletes it first. `None` (nothing to
/// record) when no part exists.
pub(super) fn partial_state(
    mut planned: EndpointServiceModel,
    progress: &PartialBundle,
    diags: &mut Diagnostics,
) -> Option<EndpointServiceModel> {
    if progress.is_empty() {
        return None;
    }
    planned.parts.record(progress);
    match planned.without_unknowns() {
        Ok(state) => Some(state),
        Err(err) => {
            diags.error("Cannot record the parts created", err.to_string());
            None
        }
    }
}

pub(super) fn creation_failure(error: &str, progress: &PartialBundle) -> String {
    if progress.is_empty() {
        format!("{error}\n\nNothing was created.")
    } else {
        format!(
            "{error}\n\nThe parts created so far are recorded in the state (tainted): the next `terraform apply` \
             deletes them and starts again, and `terraform destroy` removes them."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint_service::model::{Map, Set};

    fn planned() -> EndpointServiceModel {
        let text = |value: &str| Field::Known(value.to_owned());
        EndpointServiceModel {
            name: text("orders"),
            port: Field::Known(5432),
            vpc_id: text("vpc-0123456789abcdef0"),
            subnet_ids: Field::Known(Set::of([
                "subnet-0bbb2222".to_owned(),
                "subnet-0aaa1111".to_owned(),
            ])),
            allowed_principals: Field::Known(Set::of(
                ["arn:aws:iam::222222222222:root".to_owned()],
            )),
            tags_all: Field::Known(Map::of([("team".to_owned(), "data".to_owned())])),
            ..EndpointServiceModel::default()
        }
    }

    #[test]
    fn the_spec_is_the_plan_with_defaults_for_what_it_leaves_out() {
        let mut diags = Diagnostics::new();
        let spec = spec_of(&planned(), &mut diags).expect("a spec");
        assert!(diags.is_empty());
        assert_eq!(spec.name, "orders");
        assert_eq!(spec.port, 5432);
        assert_eq!(spec.subnet_ids, ["subnet-0bbb2222", "subnet-0aaa1111"]);
        assert!(spec.security_group_ids.is_empty());
        assert!(spec.cross_zone_load_balancing);
        assert!(spec.terminate_connections_on_deregistration);
        assert!(!spec.acceptance_required);
        assert_eq!(spec.deregistration_delay_seconds, 0);
        assert_eq!(spec.health_check, HealthCheck::settings(&Field::Null));
        assert_eq!(spec.tags.get("team").map(String::as_str), Some("data"));
        assert_eq!(spec.validate().map_err(|e| e.to_string()), Ok(()));
    }

    #[test]
    fn an_unknown_or_impossible_port_is_reported_at_port() {
        for port in [
            Field::unknown(),
            Field::Null,
            Field::Known(0),
            Field::Known(70000),
        ] {
            let mut diags = Diagnostics::new();
            let model = EndpointServiceModel { port, ..planned() };
            assert!(spec_of(&model, &mut diags).is_none());
            let errors: Vec<String> = diags.iter().map(ToString::to_string).collect();
            assert!(errors[0].contains("Missing port"), "{errors:?}");
        }
    }

    #[test]
    fn a_failure_records_the_parts_that_exist_and_no_unknowns() {
        let mut diags = Diagnostics::new();
        assert_eq!(
            partial_state(planned(), &PartialBundle::default(), &mut diags),
            None
        );

        let unknown_parts = EndpointServiceModel {
            parts: Parts::default().missing_as_unknown(),
            registered_targets: Field::unknown(),
            ..planned()
        };
        let progress = PartialBundle {
            target_group_arn: Some("arn:tg".into()),
            load_balancer_arn: Some("arn:nlb".into()),
            ..PartialBundle::default()
        };
        let state = partial_state(unknown_parts, &progress, &mut diags).expect("a state");
        assert!(diags.is_empty());
        assert!(state.to_value().is_fully_known());
        assert_eq!(state.parts.ids(), progress);
        assert_eq!(state.parts.service_name, Field::Null);
        assert_eq!(state.registered_targets, Field::Null);
        assert_eq!(state.name, planned().name);
        assert!(creation_failure("boom", &progress).contains("tainted"));
        assert!(
            creation_failure("boom", &PartialBundle::default()).contains("Nothing was created")
        );
    }
}
