//! The `tfplugin6.Provider` gRPC service: decodes requests, calls the provider's data sources
//! and resources, encodes responses, and cancels in-flight work when Terraform says stop.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument as _;

use super::catalog::{Catalog, Entry};
use super::diag::{Diagnostic, Diagnostics};
use super::plan::null_write_only;
use super::proto::tfplugin6 as pb;
use super::provider::{
    ApplyRequest, Context, DataSource, PlanRequest, Provider, ReadRequest, Resource,
};
use super::value::{Type, Value, ValueError, json};
use super::wire;

type RpcResult<T> = Result<Response<T>, Status>;
type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

pub(crate) struct ProviderService<P> {
    provider: Arc<P>,
    catalog: Catalog,
    /// Cancelled by StopProvider (and Shutdown): in-flight operations end.
    stop: CancellationToken,
    /// How long an apply may keep running after a stop before it is cancelled.
    apply_stop_grace: Duration,
    schema_response: OnceLock<pb::get_provider_schema::Response>,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: Arc<P>, stop: CancellationToken, apply_stop_grace: Duration) -> Self {
        let catalog = Catalog::new(provider.as_ref());
        Self {
            provider,
            catalog,
            stop,
            apply_stop_grace,
            schema_response: OnceLock::new(),
        }
    }

    fn context(&self) -> Context {
        Context::new(self.stop.clone())
    }

    /// Runs `work` unless Terraform asks the provider to stop first.
    async fn unless_stopped<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            biased;
            () = self.stop.cancelled() => None,
            output = work => Some(output),
        }
    }

    /// Like [`Self::unless_stopped`], but `work` has a grace period after the stop to finish
    /// by itself (applies report partial state).
    async fn unless_stopped_with_grace<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let deadline = async {
            self.stop.cancelled().await;
            tokio::time::sleep(self.apply_stop_grace).await;
        };
        tokio::select! {
            biased;
            () = deadline => None,
            output = work => Some(output),
        }
    }

    fn resource(&self, name: &str, diags: &mut Diagnostics) -> Option<&Entry<dyn Resource>> {
        let entry = self.catalog.resources.get(name);
        if entry.is_none() {
            diags.push(unknown_type("resource", name));
        }
        entry
    }

    fn data_source(&self, name: &str, diags: &mut Diagnostics) -> Option<&Entry<dyn DataSource>> {
        let entry = self.catalog.data_sources.get(name);
        if entry.is_none() {
            diags.push(unknown_type("data source", name));
        }
        entry
    }

    fn build_schema_response(&self) -> pb::get_provider_schema::Response {
        let catalog = &self.catalog;
        pb::get_provider_schema::Response {
            provider: Some(wire::schema(&catalog.provider_schema)),
            resource_schemas: catalog
                .resources
                .iter()
                .map(|(name, entry)| (name.clone(), wire::schema(&entry.schema)))
                .collect(),
            data_source_schemas: catalog
                .data_sources
                .iter()
                .map(|(name, entry)| (name.clone(), wire::schema(&entry.schema)))
                .collect(),
            diagnostics: wire::diagnostics(catalog.problems.clone()),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        }
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}."),
    )
}

fn stopped(operation: &str) -> Diagnostic {
    Diagnostic::error(
        "The provider was stopped",
        format!(
            "{operation} was cancelled because Terraform asked the provider to stop (e.g. \
             Ctrl-C). Real-world objects may have been partly changed; run terraform plan to \
             see where things stand."
        ),
    )
}

fn no_result(operation: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{operation} returned no result"),
        "The provider returned neither a result nor an error. This is a bug in the provider.",
    )
}

/// Decodes a request value; a failure becomes an error diagnostic at the offending attribute.
fn decode(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    wire::decode(value, ty)
        .map_err(|error| diags.push(invalid_value(&format!("Invalid {what}"), error)))
        .ok()
}

/// Encodes a response value; a failure (the resource returned something its schema does not
/// allow) becomes an error diagnostic.
fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    wire::encode(value, ty)
        .map_err(|error| {
            let mut diagnostic =
                invalid_value(&format!("Provider produced an invalid {what}"), error);
            diagnostic
                .detail
                .push_str(". This is a bug in the provider.");
            diags.push(diagnostic);
        })
        .ok()
}

fn invalid_value(summary: &str, error: ValueError) -> Diagnostic {
    let diagnostic = Diagnostic::error(summary, error.reason().to_string());
    if error.path.is_empty() {
        diagnostic
    } else {
        diagnostic.at(error.path)
    }
}

/// Runs a handler inside a span naming the RPC, logging its start and duration.
async fn traced<T>(rpc: &'static str, type_name: &str, handler: impl Future<Output = T>) -> T {
    // At ERROR level the span is enabled whenever logging is, so even warnings carry its fields.
    let span = tracing::error_span!("rpc", tf_rpc = rpc, tf_type_name = type_name);
    async move {
        let started = Instant::now();
        tracing::debug!("Received request");
        let output = handler.await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(tf_req_duration_ms = elapsed_ms, "Served request");
        output
    }
    .instrument(span)
    .await
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        let catalog = &self.catalog;
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: wire::diagnostics(catalog.problems.clone()),
            data_sources: catalog
                .data_sources
                .keys()
                .map(|name| pb::get_metadata::DataSourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            resources: catalog
                .resources
                .keys()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        let response = self
            .schema_response
            .get_or_init(|| self.build_schema_response());
        Ok(Response::new(response.clone()))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> RpcResult<pb::validate_provider_config::Response> {
        let request = request.into_inner();
        let diags = traced("ValidateProviderConfig", "", async {
            let mut diags = Diagnostics::new();
            let ty = &self.catalog.provider_type;
            if let Some(config) = decode(
                request.config.as_ref(),
                ty,
                "provider configuration",
                &mut diags,
            ) {
                self.provider.validate_config(&config, &mut diags);
            }
            diags
        })
        .await;
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: wire::diagnostics(diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        let request = request.into_inner();
        let diags = traced("ValidateResourceConfig", &request.type_name, async {
            let mut diags = Diagnostics::new();
            if let Some(entry) = self.resource(&request.type_name, &mut diags)
                && let Some(config) = decode(
                    request.config.as_ref(),
                    &entry.ty,
                    "configuration",
                    &mut diags,
                )
            {
                entry.handler.validate_config(&config, &mut diags);
            }
            diags
        })
        .await;
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: wire::diagnostics(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        let request = request.into_inner();
        let diags = traced("ValidateDataResourceConfig", &request.type_name, async {
            let mut diags = Diagnostics::new();
            if let Some(entry) = self.data_source(&request.type_name, &mut diags)
                && let Some(config) = decode(
                    request.config.as_ref(),
                    &entry.ty,
                    "configuration",
                    &mut diags,
                )
            {
                entry.handler.validate_config(&config, &mut diags);
            }
            diags
        })
        .await;
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: wire::diagnostics(diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let request = request.into_inner();
        let (upgraded_state, diags) = traced("UpgradeResourceState", &request.type_name, async {
            let mut diags = Diagnostics::new();
            let Some(entry) = self.resource(&request.type_name, &mut diags) else {
                return (None, diags);
            };
            if request.version > entry.schema.version {
                diags.error(
                    "Resource state from a newer provider",
                    format!(
                        "The state of this {} was written with schema version {} by a newer \
                         version of the provider; this version knows up to version {}. Use the \
                         newer provider version.",
                        request.type_name, request.version, entry.schema.version
                    ),
                );
                return (None, diags);
            }
            let raw = request.raw_state.unwrap_or_default();
            let state = if !raw.json.is_empty() {
                // Attributes removed from the schema since the state was written are dropped.
                json::decode(&raw.json, &entry.ty, json::UndefinedAttributes::Ignore)
                    .map_err(|error| diags.push(invalid_value("Invalid stored state", error)))
                    .ok()
            } else if !raw.flatmap.is_empty() {
                diags.error(
                    "Unsupported state format",
                    "The stored state uses the legacy flatmap format of Terraform 0.11, which \
                     this provider never wrote.",
                );
                None
            } else {
                Some(Value::Null)
            };
            let upgraded =
                state.and_then(|state| encode(&state, &entry.ty, "upgraded state", &mut diags));
            (upgraded, diags)
        })
        .await;
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: wire::diagnostics(diags),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> RpcResult<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(Default::default()))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> RpcResult<pb::upgrade_resource_identity::Response> {
        let type_name = request.into_inner().type_name;
        let mut diags = Diagnostics::new();
        diags.error(
            "Resource identity is not supported",
            format!("This provider defines no resource identity for {type_name:?}."),
        );
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: None,
            diagnostics: wire::diagnostics(diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> RpcResult<pb::configure_provider::Response> {
        let request = request.into_inner();
        let diags = traced("ConfigureProvider", "", async {
            let mut diags = Diagnostics::new();
            let ty = &self.catalog.provider_type;
            let Some(config) = decode(
                request.config.as_ref(),
                ty,
                "provider configuration",
                &mut diags,
            ) else {
                return diags;
            };
            let ctx = self.context();
            let finished = self
                .unless_stopped(self.provider.configure(&config, &ctx, &mut diags))
                .await;
            if finished.is_none() {
                diags.push(stopped("Configuring the provider"));
            }
            diags
        })
        .await;
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: wire::diagnostics(diags),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let request = request.into_inner();
        let response = traced("ReadResource", &request.type_name, async {
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
        .await;
        Ok(Response::new(response))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let request = request.into_inner();
        let response = traced("PlanResourceChange", &request.type_name, async {
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
        .await;
        Ok(Response::new(response))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let request = request.into_inner();
        let response = traced("ApplyResourceChange", &request.type_name, async {
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
        .await;
        Ok(Response::new(response))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let request = request.into_inner();
        let response = traced("ImportResourceState", &request.type_name, async {
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
        .await;
        Ok(Response::new(response))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::new();
        diags.error(
            "Moving resource state is not supported",
            format!(
                "This provider cannot move a {} into a {}.",
                request.source_type_name, request.target_type_name
            ),
        );
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: wire::diagnostics(diags),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let request = request.into_inner();
        let response = traced("ReadDataSource", &request.type_name, async {
            let mut diags = Diagnostics::new();
            let mut response = pb::read_data_source::Response::default();
            if let Some(entry) = self.data_source(&request.type_name, &mut diags)
                && let Some(config) = decode(
                    request.config.as_ref(),
                    &entry.ty,
                    "configuration",
                    &mut diags,
                )
            {
                let ctx = self.context();
                match self
                    .unless_stopped(entry.handler.read(&config, &ctx, &mut diags))
                    .await
                {
                    None => diags.push(stopped(&format!("Reading {}", request.type_name))),
                    Some(None) if !diags.has_errors() => diags.push(no_result("Reading")),
                    Some(None) => {}
                    Some(Some(state)) => {
                        response.state =
                            encode(&state, &entry.ty, "data source result", &mut diags);
                    }
                }
            }
            response.diagnostics = wire::diagnostics(diags);
            response
        })
        .await;
        Ok(Response::new(response))
    }

    async fn generate_resource_config(
        &self,
        _request: Request<pb::generate_resource_config::Request>,
    ) -> RpcResult<pb::generate_resource_config::Response> {
        Err(Status::unimplemented(
            "this provider does not generate resource configuration",
        ))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<pb::validate_ephemeral_resource_config::Response> {
        let diags = only_unknown_type("ephemeral resource", &request.into_inner().type_name);
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response { diagnostics: diags },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> RpcResult<pb::open_ephemeral_resource::Response> {
        let diags = only_unknown_type("ephemeral resource", &request.into_inner().type_name);
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: diags,
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> RpcResult<pb::renew_ephemeral_resource::Response> {
        let diags = only_unknown_type("ephemeral resource", &request.into_inner().type_name);
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: diags,
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> RpcResult<pb::close_ephemeral_resource::Response> {
        let diags = only_unknown_type("ephemeral resource", &request.into_inner().type_name);
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: diags,
        }))
    }

    type ListResourceStream = EventStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        _request: Request<pb::list_resource::Request>,
    ) -> RpcResult<Self::ListResourceStream> {
        Err(Status::unimplemented("this provider has no list resources"))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> RpcResult<pb::validate_list_resource_config::Response> {
        let diags = only_unknown_type("list resource", &request.into_inner().type_name);
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: diags,
        }))
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> RpcResult<pb::get_functions::Response> {
        Ok(Response::new(Default::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        let name = request.into_inner().name;
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!("This provider has no function {name:?}."),
                function_argument: None,
            }),
        }))
    }

    async fn validate_state_store_config(
        &self,
        _request: Request<pb::validate_state_store::Request>,
    ) -> RpcResult<pb::validate_state_store::Response> {
        Err(no_state_stores())
    }

    async fn configure_state_store(
        &self,
        _request: Request<pb::configure_state_store::Request>,
    ) -> RpcResult<pb::configure_state_store::Response> {
        Err(no_state_stores())
    }

    type ReadStateBytesStream = EventStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _request: Request<pb::read_state_bytes::Request>,
    ) -> RpcResult<Self::ReadStateBytesStream> {
        Err(no_state_stores())
    }

    async fn write_state_bytes(
        &self,
        _request: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> RpcResult<pb::write_state_bytes::Response> {
        Err(no_state_stores())
    }

    async fn lock_state(
        &self,
        _request: Request<pb::lock_state::Request>,
    ) -> RpcResult<pb::lock_state::Response> {
        Err(no_state_stores())
    }

    async fn unlock_state(
        &self,
        _request: Request<pb::unlock_state::Request>,
    ) -> RpcResult<pb::unlock_state::Response> {
        Err(no_state_stores())
    }

    async fn get_states(
        &self,
        _request: Request<pb::get_states::Request>,
    ) -> RpcResult<pb::get_states::Response> {
        Err(no_state_stores())
    }

    async fn delete_state(
        &self,
        _request: Request<pb::delete_state::Request>,
    ) -> RpcResult<pb::delete_state::Response> {
        Err(no_state_stores())
    }

    async fn plan_action(
        &self,
        request: Request<pb::plan_action::Request>,
    ) -> RpcResult<pb::plan_action::Response> {
        let diags = only_unknown_type("action", &request.into_inner().action_type);
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: diags,
            deferred: None,
        }))
    }

    type InvokeActionStream = EventStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        _request: Request<pb::invoke_action::Request>,
    ) -> RpcResult<Self::InvokeActionStream> {
        Err(Status::unimplemented("this provider has no actions"))
    }

    async fn validate_action_config(
        &self,
        request: Request<pb::validate_action_config::Request>,
    ) -> RpcResult<pb::validate_action_config::Response> {
        let diags = only_unknown_type("action", &request.into_inner().type_name);
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: diags,
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> RpcResult<pb::stop_provider::Response> {
        tracing::info!("Terraform asked the provider to stop: cancelling in-flight operations");
        self.stop.cancel();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn only_unknown_type(kind: &str, name: &str) -> Vec<pb::Diagnostic> {
    wire::diagnostics(std::iter::once(unknown_type(kind, name)).collect())
}

fn no_state_stores() -> Status {
    Status::unimplemented("this provider has no state stores")
}
