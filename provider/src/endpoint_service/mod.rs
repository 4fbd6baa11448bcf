//! `resource "rdslink_endpoint_service"`: the Terraform side of a bundle, over the AWS layer
//! ([`aws`]), which knows nothing about Terraform.
//!
//! [`schema`] declares the attributes and their plan behaviour, [`model`] is the typed form of
//! configuration, plan and state, [`plan`] adds what only this resource knows at plan time (the
//! database now), and each operation has its file: [`create`], [`read`], [`update`], [`delete`],
//! [`import`]. This file only converts between [`Value`] and the model and dispatches.

pub mod aws;
mod create;
mod delete;
mod import;
mod model;
mod plan;
mod read;
mod schema;
mod timeouts;
mod update;

use async_trait::async_trait;

use tfplugin::crud::{Crud, PlannedChange};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::Context;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::ClientSlot;
use model::{Configuration, EndpointServiceModel};

pub struct EndpointServiceResource {
    clients: ClientSlot,
}

impl EndpointServiceResource {
    pub fn new(clients: ClientSlot) -> Self {
        EndpointServiceResource { clients }
    }
}

/// The model of a configuration, plan or state Terraform sent; an error when it does not fit
/// the schema or is null where an object must be.
fn typed(value: &Value, diags: &mut Diagnostics) -> Option<EndpointServiceModel> {
    match EndpointServiceModel::from_value(value) {
        Ok(Some(model)) => Some(model),
        Ok(None) => {
            diags.error(
                "Unexpected value from Terraform",
                "A null object where rdslink_endpoint_service expects one.",
            );
            None
        }
        Err(err) => {
            diags.error("Unexpected value from Terraform", err.to_string());
            None
        }
    }
}

fn configuration<'a>(value: &'a Value, diags: &mut Diagnostics) -> Option<Configuration<'a>> {
    Some(Configuration {
        model: typed(value, diags)?,
        value,
    })
}

#[async_trait]
impl Crud for EndpointServiceResource {
    fn type_name(&self) -> &'static str {
        "rdslink_endpoint_service"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        schema::validate(config, diags);
    }

    async fn modify_plan(
        &self,
        change: &mut PlannedChange,
        _ctx: &Context,
        diags: &mut Diagnostics,
    ) {
        if let Some(clients) = self.clients.get(diags) {
            plan::modify_plan(clients, change, diags).await;
        }
    }

    async fn create(
        &self,
        planned: Value,
        config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let clients = self.clients.get(diags)?;
        let planned = typed(&planned, diags)?;
        let config = configuration(config, diags)?;
        let state = create::create(clients, planned, &config, ctx, diags).await?;
        Some(state.to_value())
    }

    async fn read(&self, state: Value, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let clients = self.clients.get(diags)?;
        let state = typed(&state, diags)?;
        let refreshed = read::read(clients, state, diags).await?;
        Some(refreshed.encode())
    }

    async fn update(
        &self,
        prior: &Value,
        planned: Value,
        _config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let clients = self.clients.get(diags)?;
        let prior = typed(prior, diags)?;
        let planned = typed(&planned, diags)?;
        let state = update::update(clients, &prior, planned, ctx, diags).await?;
        Some(state.to_value())
    }

    async fn delete(
        &self,
        prior: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Result<(), Option<Value>> {
        let Some(clients) = self.clients.get(diags) else {
            return Err(None);
        };
        let Some(prior) = typed(prior, diags) else {
            return Err(None);
        };
        delete::delete(clients, &prior, ctx, diags)
            .await
            .map_err(|remaining| remaining.map(|state| state.to_value()))
    }

    async fn import(&self, id: &str, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let clients = self.clients.get(diags)?;
        let state = import::import(clients, id, diags).await?;
        Some(state.to_value())
    }
}
