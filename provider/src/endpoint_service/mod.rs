//! `resource "rdslink_endpoint_service"`: the Terraform side of a bundle, over the AWS layer
//! ([`aws`]), which knows nothing about Terraform.
//!
//! [`schema`] declares the attributes and their plan behaviour, [`model`] is the typed form of
//! configuration, plan and state, [`plan`] adds what the flags cannot say (deterministically: no
//! AWS call), [`targets`] is the apply-time discovery and re-sync through the engine's
//! `reconcile`, and each operation has its file: [`create`], [`read`], [`update`], [`delete`],
//! [`import`]. This file only converts between [`Value`] and the model and dispatches.

pub mod aws;
mod create;
mod delete;
mod import;
mod model;
mod plan;
mod read;
mod schema;
mod sync;
mod targets;
pub(crate) mod timeouts;

pub(crate) use schema::aws_id;
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
        let Some(clients) = self.clients.get(diags) else {
            return;
        };
        let prior = EndpointServiceModel::from_value(&change.prior)
            .ok()
            .flatten()
            .unwrap_or_default();
        match sync::plan_scope(clients, &prior).await {
            Ok(scope) => plan::modify_plan(&clients.default_tags, &scope, change, diags),
            Err(err) => diags.error(
                format!("Cannot configure the rdslink provider: {err}"),
                err.detail(),
            ),
        }
    }

    async fn create(
        &self,
        planned: Value,
        config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let planned = typed(&planned, diags)?;
        let config = configuration(config, diags)?;
        let state = create::create(clients, planned, &config, ctx, diags).await?;
        Some(state.to_value())
    }

    async fn read(&self, state: Value, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let state = typed(&state, diags)?;
        let refreshed = read::read(clients, state, diags).await?;
        Some(refreshed.encode())
    }

    async fn update(
        &self,
        prior: &Value,
        planned: Value,
        config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let prior = typed(prior, diags)?;
        let planned = typed(&planned, diags)?;
        let config = configuration(config, diags)?;
        let state = update::update(clients, &prior, planned, &config, ctx, diags).await?;
        Some(state.to_value())
    }

    async fn delete(
        &self,
        prior: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Result<(), Option<Value>> {
        let Some(clients) = self.clients.connected(diags).await else {
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
        let clients = self.clients.connected(diags).await?;
        let state = import::import(clients, id, diags).await?;
        Some(state.to_value())
    }

    /// Version 0 held `subnet_ids` and `security_group_ids` as lists; version 1 as sets. The
    /// stored JSON of both is the same (a set is a JSON array too), and tfplugin makes the
    /// untyped lists sets where the schema says so, so the state passes through unchanged. The
    /// database tag a version 0 bundle lacks is written by its next update.
    fn upgrade_state(
        &self,
        from_version: i64,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        match from_version {
            0 => Some(state),
            other => {
                diags.error(
                    "Unable to upgrade resource state",
                    format!(
                        "The stored state of this rdslink_endpoint_service has schema version {other}, \
                         which no version of this provider wrote. This is a bug in the provider."
                    ),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod upgrade_tests {
    use tfplugin::crud::Crud;
    use tfplugin::value::conform;

    use super::*;
    use crate::ClientSlot;

    /// A version 0 state as Terraform stores it, decoded without a type (lists for every array).
    fn version_0_state() -> Value {
        let text = Value::string;
        EndpointServiceModel::default()
            .to_value()
            .with("name", text("orders"))
            .with("db_cluster_identifier", text("orders"))
            .with("role", text("writer"))
            .with("vpc_id", text("vpc-0123456789abcdef0"))
            .with(
                "subnet_ids",
                Value::list_of_strings(["subnet-0bbb2222", "subnet-0aaa1111"]),
            )
            .with(
                "security_group_ids",
                Value::list_of_strings(["sg-0aaa1111"]),
            )
            .with(
                "allowed_principals",
                Value::list_of_strings(["arn:aws:iam::222222222222:root"]),
            )
            .with("id", text("vpce-svc-0123456789abcdef0"))
    }

    #[test]
    fn a_version_0_state_upgrades_to_sets_of_the_same_ids() {
        let resource = EndpointServiceResource::new(ClientSlot::default());
        let mut diags = Diagnostics::new();
        let upgraded = resource
            .upgrade_state(0, version_0_state(), &mut diags)
            .expect("an upgraded state");
        assert!(diags.is_empty(), "{diags:?}");
        // What tfplugin does with the result: the schema's shape, lists made sets.
        let state = conform(upgraded, &schema::schema().value_type()).expect("the schema's type");
        let model = EndpointServiceModel::from_value(&state)
            .expect("the model's shape")
            .expect("a state");
        let mut subnets = model.subnet_ids.elements();
        subnets.sort();
        assert_eq!(subnets, ["subnet-0aaa1111", "subnet-0bbb2222"]);
        assert_eq!(model.security_group_ids.elements(), ["sg-0aaa1111"]);
        assert_eq!(
            model.parts.id.as_deref(),
            Some("vpce-svc-0123456789abcdef0")
        );
        assert_eq!(
            model.database.db_cluster_identifier.as_deref(),
            Some("orders")
        );
        assert_eq!(
            state.get("subnet_ids"),
            &Value::set_of_strings(["subnet-0aaa1111", "subnet-0bbb2222"])
        );
    }

    #[test]
    fn a_version_this_provider_never_wrote_is_an_error() {
        let resource = EndpointServiceResource::new(ClientSlot::default());
        let mut diags = Diagnostics::new();
        assert_eq!(
            resource.upgrade_state(7, version_0_state(), &mut diags),
            None
        );
        assert!(diags.has_errors());
    }
}
