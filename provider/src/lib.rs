//! terraform-provider-rdslink: a Terraform provider giving other AWS accounts private,
//! failover-proof access to an Amazon RDS database through AWS PrivateLink.
//!
//! The rdslink provider: configuration into AWS clients, and the data sources and resources built on
//! them. Nothing here knows gRPC or msgpack: it sees `Value`, `Schema` and `Diagnostics` only.

mod aws;
pub mod consumer_endpoint;
mod database_data_source;
pub mod endpoint_connection;
pub mod endpoint_service;
mod field;
mod https;
mod identity;
mod selector;
mod settings;
pub mod sync;
mod validate;
pub mod version;

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;

use tfplugin::diag::Diagnostics;
use tfplugin::provider::{Context, DataSource, Provider, Resource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

pub use aws::{Clients, Settings};

/// The provider's AWS access, filled in once by `configure` and shared by every data source and
/// resource of the process.
#[derive(Clone, Default)]
pub struct ClientSlot(Arc<OnceLock<Clients>>);

impl ClientSlot {
    /// The clients, or an error diagnostic when Terraform called before `configure` succeeded.
    pub fn get(&self, diags: &mut Diagnostics) -> Option<&Clients> {
        let clients = self.0.get();
        if clients.is_none() {
            diags.error(
                "The rdslink provider is not configured",
                "The provider's configuration failed or has not run; see the provider's own error above.",
            );
        }
        clients
    }

    /// The clients once the provider's identity is known: the process's one STS call, made by
    /// the first operation that calls AWS ([`Clients::account_id`]). Operations that call AWS
    /// start here, so a configuration problem is one clear error before any other call.
    pub async fn connected(&self, diags: &mut Diagnostics) -> Option<&Clients> {
        let clients = self.get(diags)?;
        match clients.account_id().await {
            Ok(_) => Some(clients),
            Err(err) => {
                diags.error(
                    format!("Cannot configure the rdslink provider: {err}"),
                    err.detail(),
                );
                None
            }
        }
    }
}

#[derive(Default)]
pub struct RdslinkProvider {
    clients: ClientSlot,
}

impl RdslinkProvider {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Provider for RdslinkProvider {
    fn type_name(&self) -> &'static str {
        "rdslink"
    }

    fn log_targets(&self) -> &'static [&'static str] {
        &["terraform_provider_rdslink", "rdslink_engine"]
    }

    fn version(&self) -> Option<&'static str> {
        Some(version::VERSION)
    }

    fn schema(&self) -> Schema {
        settings::schema()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![database_data_source::DatabaseDataSource::new(
            self.clients.clone(),
        )]
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            tfplugin::crud::resource(endpoint_service::EndpointServiceResource::new(
                self.clients.clone(),
            )),
            tfplugin::crud::resource(consumer_endpoint::ConsumerEndpointResource::new(
                self.clients.clone(),
            )),
            tfplugin::crud::resource(endpoint_connection::EndpointConnectionResource::new(
                self.clients.clone(),
            )),
        ]
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        settings::validate(config, diags);
    }

    async fn configure(&self, config: &Value, _ctx: &Context, diags: &mut Diagnostics) {
        let Some(settings) = settings::from_config(config, diags) else {
            return;
        };
        match aws::connect(&settings).await {
            Ok(clients) => {
                // Terraform configures a provider process once; a second call keeps the first clients.
                let _ = self.clients.0.set(clients);
            }
            Err(err) => diags.error(
                format!("Cannot configure the rdslink provider: {err}"),
                err.detail(),
            ),
        }
    }
}
