//! `resource "rdslink_endpoint_connection"`: the producer accepts one consumer's endpoint to an
//! endpoint service with `acceptance_required = true`, and rejects it when the resource is
//! destroyed, as terraform-provider-aws's `aws_vpc_endpoint_connection_accepter` does.

pub mod aws;

use async_trait::async_trait;
use tfplugin::crud::Crud;
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::provider::Context;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::ClientSlot;
use crate::settings::check_string;

pub struct EndpointConnectionResource {
    clients: ClientSlot,
}

impl EndpointConnectionResource {
    pub fn new(clients: ClientSlot) -> Self {
        EndpointConnectionResource { clients }
    }
}

const SERVICE_ID: &str = "service_id";
const VPC_ENDPOINT_ID: &str = "vpc_endpoint_id";

fn schema() -> Schema {
    Schema::new(
        Block::new(
            "Accepts a consumer's endpoint to an endpoint service that requires acceptance \
             (`acceptance_required = true`), and rejects it on destroy.",
        )
        .attribute(
            Attribute::computed("id", Type::String, "`<service_id>/<vpc_endpoint_id>`.").use_state_for_unknown(),
        )
        .attribute(
            Attribute::required(
                SERVICE_ID,
                Type::String,
                "The endpoint service's id (`id` of the `rdslink_endpoint_service`, `vpce-svc-...`).",
            )
            .requires_replace()
            .validate(|value, path, diags| check_id(value, path, "vpce-svc", diags)),
        )
        .attribute(
            Attribute::required(
                VPC_ENDPOINT_ID,
                Type::String,
                "The consumer's endpoint (`vpce-...`), as listed in the service's `connections`.",
            )
            .requires_replace()
            .validate(|value, path, diags| check_id(value, path, "vpce", diags)),
        )
        .attribute(
            Attribute::computed("owner", Type::String, "The consumer's account.").use_state_for_unknown(),
        )
        .attribute(Attribute::computed(
            "state",
            Type::String,
            "The connection's state as of the last refresh (`available` once accepted).",
        )),
    )
}

fn check_id(value: &Value, path: &AttributePath, prefix: &str, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |id| crate::endpoint_service::aws_id(id, prefix),
        "Invalid id",
        diags,
    );
}

fn state_value(service_id: &str, connection: &aws::ObservedConnection) -> Value {
    Value::object([
        (
            "id",
            Value::string(format!("{service_id}/{}", connection.vpc_endpoint_id)),
        ),
        (SERVICE_ID, Value::string(service_id)),
        (VPC_ENDPOINT_ID, Value::string(&connection.vpc_endpoint_id)),
        ("owner", Value::string(&connection.owner)),
        ("state", Value::string(&connection.state)),
    ])
}

fn ids(value: &Value) -> Option<(String, String)> {
    Some((
        value.get(SERVICE_ID).as_str()?.to_owned(),
        value.get(VPC_ENDPOINT_ID).as_str()?.to_owned(),
    ))
}

#[async_trait]
impl Crud for EndpointConnectionResource {
    fn type_name(&self) -> &'static str {
        "rdslink_endpoint_connection"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn create(
        &self,
        planned: Value,
        _config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let ec2 = &clients.bundle.ec2;
        let (service_id, endpoint_id) = ids(&planned)?;
        let result = ctx
            .until_stopped(Box::pin(async {
                let connection = aws::find(ec2, &service_id, &endpoint_id).await?.ok_or_else(|| {
                    format!(
                        "no endpoint {endpoint_id} is connected to endpoint service {service_id} (the consumer \
                         creates it first; the service's `connections` lists it)"
                    )
                })?;
                if connection.state == "pendingAcceptance" {
                    aws::decide(ec2, &service_id, &endpoint_id, true).await?;
                } else if connection.state != "available" {
                    return Err(format!(
                        "the connection of {endpoint_id} is {}, which cannot be accepted",
                        connection.state
                    ));
                }
                aws::find(ec2, &service_id, &endpoint_id)
                    .await?
                    .ok_or_else(|| format!("the connection of {endpoint_id} disappeared once accepted"))
            }))
            .await
            .unwrap_or_else(|_| Err("interrupted: Terraform asked the provider to stop".to_owned()));
        match result {
            Ok(connection) => Some(state_value(&service_id, &connection)),
            Err(err) => {
                diags.error("Cannot accept the endpoint connection", err);
                None
            }
        }
    }

    async fn read(&self, state: Value, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let (service_id, endpoint_id) = ids(&state)?;
        match aws::find(&clients.bundle.ec2, &service_id, &endpoint_id).await {
            Ok(Some(connection)) if connection.state != "rejected" => {
                Some(state_value(&service_id, &connection))
            }
            // Rejected or gone: no longer accepted, so the plan accepts it again (or fails clearly).
            Ok(_) => Some(Value::Null),
            Err(err) => {
                diags.error("Cannot read the endpoint connection", err);
                None
            }
        }
    }

    async fn update(
        &self,
        _prior: &Value,
        planned: Value,
        _config: &Value,
        _ctx: &Context,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        // Every argument forces replacement: nothing changes in place.
        Some(planned)
    }

    async fn delete(
        &self,
        prior: &Value,
        _ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Result<(), Option<Value>> {
        let Some(clients) = self.clients.connected(diags).await else {
            return Err(None);
        };
        let Some((service_id, endpoint_id)) = ids(prior) else {
            return Ok(());
        };
        let ec2 = &clients.bundle.ec2;
        let result = async {
            match aws::find(ec2, &service_id, &endpoint_id).await? {
                Some(connection)
                    if matches!(connection.state.as_str(), "available" | "pendingAcceptance") =>
                {
                    aws::decide(ec2, &service_id, &endpoint_id, false).await
                }
                _ => Ok(()),
            }
        }
        .await;
        result.map_err(|err| {
            diags.error("Cannot reject the endpoint connection", err);
            None
        })
    }

    async fn import(&self, id: &str, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let Some((service_id, endpoint_id)) = id.split_once('/') else {
            diags.error(
                "Invalid import id",
                format!("{id:?} is not `<service_id>/<vpc_endpoint_id>` (e.g. vpce-svc-0123.../vpce-0abc...)."),
            );
            return None;
        };
        Some(Value::object([
            ("id", Value::string(id)),
            (SERVICE_ID, Value::string(service_id)),
            (VPC_ENDPOINT_ID, Value::string(endpoint_id)),
            ("owner", Value::Null),
            ("state", Value::Null),
        ]))
    }
}
