//! Managed resource RPCs: ReadResource, PlanResourceChange, ApplyResourceChange,
//! ImportResourceState and UpgradeResourceState.

use super::ProviderService;
use super::support::{decode, encode, no_result, stopped, traced};
use crate::diag::Diagnostics;
use crate::plan::null_write_only;
use crate::proto::tfplugin6 as pb;
use crate::provider::{ApplyRequest, PlanRequest, Provider, ReadRequest};
use crate::upgrade::{StoredState, upgrade};
use crate::wire;

impl<P: Provider> ProviderService<P> {
    pub(super) async fn handle_read_resource(
        &self,
        request: pb::read_resource::Request,
    ) -> pb::read_resource::Response {
        traced("ReadResource", &request.type_name, async {
            let mut diags = Diagnostics::new();
            // Unless the resource says otherwise, the state stays as it was.
            let mut response = pb::read_resource::Response {
                new_state: request.current_state.clone(),
                private: request.private.clone(),
                ..Default::default()
            };
            let Some(entry) = self.resource(&request.type_name, &mut diags) else {
                response.diagnostics = wire::diagnostics(diags);
                return response;
            };
            let current = decode(
                request.current_state.as_ref(),
                &entry.ty,
                "state",
                &mut diags,
            );
            if let Some(current_state) = current {
                let ctx = self.context();
                let read = ReadRequest {
                    current_state,
                    private: request.private,
                };
                match self
                    .unless_stopped(entry.handler.read(read, &ctx, &mut diags))
                    .await
                {
                    None => diags.push(stopped(&format!("Reading {}", request.type_name))),
                    Some(None) => {}
                    Some(Some(mut read)) => {
                        null_write_only(&entry.schema.block, &mut read.new_state);
                        if let Some(state) = encode(&read.new_state, &entry.ty, "state", &mut diags)
                        {
                            response.new_state = Some(state);
                            response.private = read.private;
                        }
                    }
                }
            }
            response.diagnostics = wire::diagnostics(diags);
            response
        })
        .await
    }

    pub(super) async fn handle_plan_resource_change(
        &self,
        request: pb::plan_resource_change::Request,
    ) -> pb::plan_resource_change::Response {
        traced("PlanResourceChange", &request.type_name, async {
            let mut diags = Diagnostics::new();
            let mut response = pb::plan_resource_change::Response::default();
            let Some(entry) = self.resource(&request.type_name, &mut diags) else {
                response.diagnostics = wire::diagnostics(diags);
                return response;
            };
            let prior_state = decode(
                request.prior_state.as_ref(),
                &entry.ty,
                "prior state",
                &mut diags,
            );
            let proposed = decode(
                request.proposed_new_state.as_ref(),
                &entry.ty,
                "proposed state",
                &mut diags,
            );
            let config = decode(
                request.config.as_ref(),
                &entry.ty,
                "configuration",
                &mut diags,
            );
            if let (Some(prior_state), Some(proposed_new_state), Some(config)) =
                (prior_state, proposed, config)
            {
                let plan = PlanRequest {
                    prior_state,
                    proposed_new_state,
                    config,
                    prior_private: request.prior_private,
                };
                let ctx = self.context();
                match self
                    .unless_stopped(entry.handler.plan(plan, &ctx, &mut diags))
                    .await
                {
                    None => diags.push(stopped(&format!("Planning {}", request.type_name))),
                    Some(None) if !diags.has_errors() => diags.push(no_result("Planning")),
                    Some(None) => {}
                    Some(Some(mut plan)) => {
                        null_write_only(&entry.schema.block, &mut plan.planned_state);
                        response.planned_state =
                            encode(&plan.planned_state, &entry.ty, "plan", &mut diags);
                        response.requires_replace = plan
                            .requires_replace
                            .iter()
                            .map(wire::attribute_path)
                            .collect();
                        response.planned_private = plan.planned_private;
                    }
                }
            }
            response.diagnostics = wire::diagnostics(diags);
            response
        })
        .await
    }

    pub(super) async fn handle_apply_resource_change(
        &self,
        request: pb::apply_resource_change::Request,
    ) -> pb::apply_resource_change::Response {
        traced("ApplyResourceChange", &request.type_name, async {
            let mut diags = Diagnostics::new();
            // Without a result the prior state stands (null for a failed create).
            let mut response = pb::apply_resource_change::Response {
                new_state: request.prior_state.clone(),
                ..Default::default()
            };
            let Some(entry) = self.resource(&request.type_name, &mut diags) else {
                response.diagnostics = wire::diagnostics(diags);
                return response;
            };
            let prior_state = decode(
                request.prior_state.as_ref(),
                &entry.ty,
                "prior state",
                &mut diags,
            );
            let planned = decode(
                request.planned_state.as_ref(),
                &entry.ty,
                "planned state",
                &mut diags,
            );
            let config = decode(
                request.config.as_ref(),
                &entry.ty,
                "configuration",
                &mut diags,
            );
            if let (Some(prior_state), Some(planned_state), Some(config)) =
                (prior_state, planned, config)
            {
                let apply = ApplyRequest {
                    prior_state,
                    planned_state,
                    config,
                    planned_private: request.planned_private,
                };
                // The resource sees the stop through its context and should return what it
                // has; only if it does not within the grace period is it cancelled.
                let ctx = self.context();
                let outcome = self
                    .unless_stopped_with_grace(entry.handler.apply(apply, &ctx, &mut diags))
                    .await;
                match outcome {
                    None => diags.push(stopped(&format!("Applying {}", request.type_name))),
                    Some(None) if !diags.has_errors() => diags.push(no_result("Applying")),
                    Some(None) => {}
                    Some(Some(mut applied)) => {
                        null_write_only(&entry.schema.block, &mut applied.new_state);
                        if let Some(state) =
                            encode(&applied.new_state, &entry.ty, "new state", &mut diags)
                        {
                            response.new_state = Some(state);
                            response.private = applied.private;
                        }
                    }
                }
            }
            response.diagnostics = wire::diagnostics(diags);
            response
        })
        .await
    }

    pub(super) async fn handle_import_resource_state(
        &self,
        request: pb::import_resource_state::Request,
    ) -> pb::import_resource_state::Response {
        traced("ImportResourceState", &request.type_name, async {
            let mut diags = Diagnostics::new();
            let mut response = pb::import_resource_state::Response::default();
            if let Some(entry) = self.resource(&request.type_name, &mut diags) {
                let ctx = self.context();
                match self
                    .unless_stopped(entry.handler.import(&request.id, &ctx, &mut diags))
                    .await
                {
                    None => diags.push(stopped(&format!("Importing {}", request.type_name))),
                    Some(None) if !diags.has_errors() => diags.push(no_result("Importing")),
                    Some(None) => {}
                    Some(Some(mut state)) => {
                        null_write_only(&entry.schema.block, &mut state);
                        if let Some(state) = encode(&state, &entry.ty, "imported state", &mut diags)
                        {
                            response.imported_resources =
                                vec![pb::import_resource_state::ImportedResource {
                                    type_name: request.type_name.clone(),
                                    state: Some(state),
                                    ..Default::default()
                                }];
                        }
                    }
                }
            }
            response.diagnostics = wire::diagnostics(diags);
            response
        })
        .await
    }

    pub(super) async fn handle_upgrade_resource_state(
        &self,
        request: pb::upgrade_resource_state::Request,
    ) -> pb::upgrade_resource_state::Response {
        let (upgraded_state, diags) = traced("UpgradeResourceState", &request.type_name, async {
            let mut diags = Diagnostics::new();
            let Some(entry) = self.resource(&request.type_name, &mut diags) else {
                return (None, diags);
            };
            let raw = request.raw_state.unwrap_or_default();
            let stored = StoredState {
                type_name: &request.type_name,
                version: request.version,
                json: &raw.json,
                flatmap: !raw.flatmap.is_empty(),
            };
            let upgraded = upgrade(entry.handler.as_ref(), &entry.schema, stored, &mut diags)
                .and_then(|state| encode(&state, &entry.ty, "upgraded state", &mut diags));
            (upgraded, diags)
        })
        .await;
        pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: wire::diagnostics(diags),
        }
    }
}
