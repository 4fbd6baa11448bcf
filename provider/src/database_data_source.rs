//! `data "rdslink_database"`: which IPs should a load balancer target for a database right now?
//!
//! The answer comes from the sync engine's discovery (`rdslink_engine::discovery`), the same code the
//! sync Lambda runs, so the provider and the Lambda never disagree about what "the primary" is.

use std::sync::Arc;

use async_trait::async_trait;
use rdslink_engine::discovery::{Discoverer, Discovery};

use tfplugin::diag::Diagnostics;
use tfplugin::provider::{Context, DataSource};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Number, Type, Value};

use super::ClientSlot;
use super::selector;

pub struct DatabaseDataSource {
    clients: ClientSlot,
}

impl DatabaseDataSource {
    pub fn new(clients: ClientSlot) -> Arc<Self> {
        Arc::new(DatabaseDataSource { clients })
    }
}

#[async_trait]
impl DataSource for DatabaseDataSource {
    fn type_name(&self) -> &'static str {
        "rdslink_database"
    }

    fn schema(&self) -> Schema {
        let strings = || Type::List(Box::new(Type::String));
        Schema::new(Block::new(
                "Answers *which IPs should a load balancer target for this database right now?* — the discovery \
                 half of rdslink's sync engine. Name exactly one of `db_instance_identifier`, \
                 `db_cluster_identifier`, `db_proxy_name` or `endpoint`.\n\n\
                 For an Aurora cluster the writer comes from the RDS API (`IsClusterWriter`) and its own instance \
                 endpoint is resolved, so the answer is right as soon as a failover completes, without waiting \
                 for the cluster endpoint's DNS to move.",
            )
            .attributes(selector::attributes())
            .attribute(Attribute::computed(
                "kind",
                Type::String,
                "What was discovered: `instance`, `cluster`, `proxy` or `endpoint`.",
            ))
            .attribute(Attribute::computed(
                "port",
                Type::Number,
                "The database's port, when RDS reports one (null for `endpoint`).",
            ))
            .attribute(Attribute::computed(
                "vpc_id",
                Type::String,
                "The VPC the database lives in, when RDS reports it.",
            ))
            .attribute(Attribute::computed("engine", Type::String, "The database engine, e.g. `aurora-postgresql`."))
            .attribute(Attribute::computed(
                "availability_zones",
                strings(),
                "Availability zones of the database (of its members, for clusters), sorted.",
            ))
            .attribute(Attribute::computed(
                "writer_instance_identifier",
                Type::String,
                "Clusters: the instance the RDS API reports as the writer right now.",
            ))
            .attribute(Attribute::computed(
                "target_ips",
                strings(),
                "The IPv4 addresses a load balancer should target now, sorted: the writer's (or every reader's) \
                 instance address for clusters, every A record for proxies and hostnames.",
            )),
        )
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        selector::validate(config, diags);
    }

    async fn read(&self, config: &Value, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let selector = selector::from_config(config, diags)?;
        let clients = self.clients.connected(diags).await?;
        let discoverer = Discoverer::new(clients.rds.clone(), clients.resolver.clone());
        match discoverer.discover(&selector).await {
            Ok(discovery) => {
                tracing::debug!(
                    database = %selector,
                    kind = discovery.kind.as_str(),
                    endpoint = %discovery.endpoint,
                    target_ips = ?discovery.target_ips,
                    "discovered database"
                );
                Some(state(config, &discovery))
            }
            Err(err) => {
                diags.error(
                    format!("Cannot discover {}", selector::describe(&selector)),
                    err.to_string(),
                );
                None
            }
        }
    }
}

/// The data source's state: the configuration with every computed attribute filled in.
fn state(config: &Value, discovery: &Discovery) -> Value {
    let mut zones = discovery.availability_zones.clone();
    zones.sort();
    zones.dedup();
    config
        .clone()
        .with(
            "role",
            match selector::role_of(config) {
                Some(role) => Value::string(role.to_string()),
                None => config.get("role").clone(),
            },
        )
        .with("kind", Value::string(discovery.kind.as_str()))
        .with("endpoint", Value::string(discovery.endpoint.clone()))
        .with(
            "port",
            Value::from(discovery.port.map(|p| Number::from(i64::from(p)))),
        )
        .with("vpc_id", Value::optional_string(discovery.vpc_id.clone()))
        .with("engine", Value::optional_string(discovery.engine.clone()))
        .with("availability_zones", Value::list_of_strings(zones))
        .with(
            "writer_instance_identifier",
            Value::optional_string(discovery.writer_instance_identifier.clone()),
        )
        .with(
            "target_ips",
            Value::list_of_strings(discovery.target_ips.iter().map(ToString::to_string)),
        )
}
