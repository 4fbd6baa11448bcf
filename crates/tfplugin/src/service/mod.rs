//! The `tfplugin6.Provider` gRPC service: decodes requests, calls the provider's data sources
//! and resources, encodes responses, and cancels in-flight work when Terraform says stop.
//!
//! This file holds the service's state and the gRPC trait; the RPCs that do work live one group
//! per file ([`config`], [`resources`], [`data_sources`]), the RPCs this provider does not
//! support are answered here in a few lines each.

mod config;
mod data_sources;
mod resources;
mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::catalog::{Catalog, Entry};
use super::diag::Diagnostics;
use super::proto::tfplugin6 as pb;
use super::provider::{Context, DataSource, Provider, Resource};
use super::wire;
use support::{capabilities, no_state_stores, only_unknown_type, unknown_type};

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
        Ok(Response::new(
            self.handle_validate_provider_config(request.into_inner())
                .await,
        ))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        Ok(Response::new(
            self.handle_validate_resource_config(request.into_inner())
                .await,
        ))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        Ok(Response::new(
            self.handle_validate_data_resource_config(request.into_inner())
                .await,
        ))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        Ok(Response::new(
            self.handle_upgrade_resource_state(request.into_inner())
                .await,
        ))
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
        Ok(Response::new(
            self.handle_configure_provider(request.into_inner()).await,
        ))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        Ok(Response::new(
            self.handle_read_resource(request.into_inner()).await,
        ))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        Ok(Response::new(
            self.handle_plan_resource_change(request.into_inner()).await,
        ))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        Ok(Response::new(
            self.handle_apply_resource_change(request.into_inner())
                .await,
        ))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        Ok(Response::new(
            self.handle_import_resource_state(request.into_inner())
                .await,
        ))
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
        Ok(Response::new(
            self.handle_read_data_source(request.into_inner()).await,
        ))
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
