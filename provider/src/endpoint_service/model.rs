//! The typed model of `rdslink_endpoint_service`: its configuration, plan and state as Rust values,
//! and their one conversion to and from Terraform's [`Value`]. This is the only file that knows
//! the attributes by name; everything else reads and writes an [`EndpointServiceModel`].
//!
//! Every attribute is a [`Field`]: configurations and plans hold null and unknown values anywhere,
//! so the model does too, and a value converted to the model and back is the same value.

mod sync;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use rdslink_engine::{ClusterRole, DatabaseSelector};
use tfplugin::diag::AttributePath;
use tfplugin::value::Value;

use super::aws::{self, Bundle, PartialBundle};
use super::schema::{DEFAULT_HEALTHY, DEFAULT_INTERVAL, DEFAULT_UNHEALTHY};

use crate::field;
pub use crate::field::{Convert, Field, List, Map, ModelError, Set};
pub use sync::SyncModel;

/// `resource "rdslink_endpoint_service"`: one bundle (target group, load balancer, listener,
/// endpoint service) as Terraform sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointServiceModel {
    pub name: Field<String>,
    pub database: Database,
    pub port: Field<i64>,
    pub vpc_id: Field<String>,
    /// Sets: AWS reports a load balancer's subnets and security groups in its own order.
    pub subnet_ids: Field<Set<String>>,
    pub security_group_ids: Field<Set<String>>,
    pub cross_zone_load_balancing: Field<bool>,
    pub allowed_principals: Field<Set<String>>,
    pub acceptance_required: Field<bool>,
    /// Other regions consumers may reach the service from (cross-region PrivateLink).
    pub supported_regions: Field<Set<String>>,
    pub deregistration_delay_seconds: Field<i64>,
    pub terminate_connections_on_deregistration: Field<bool>,
    pub tags: Field<Map<String>>,
    /// `default_tags` merged with `tags`: what every part carries.
    pub tags_all: Field<Map<String>>,
    pub parts: Parts,
    /// The IPv4 addresses the target group holds, sorted.
    pub registered_targets: Field<List<String>>,
    /// The IPv4 addresses the database answered at the last refresh or apply, sorted: when they
    /// differ from `registered_targets`, the database moved (a failover) and the plan says so.
    pub database_addresses: Field<List<String>>,
    /// The load balancers the endpoint service hands connections to, as AWS reports them, sorted:
    /// anything but `[nlb_arn]` means the service was re-pointed outside Terraform.
    pub service_nlb_arns: Field<List<String>>,
    pub health_check: Field<HealthCheck>,
    /// The consumers' endpoint connections as of the last refresh (a live fact: never planned).
    pub connections: Field<List<Connection>>,
    /// The sync Lambda's deployment (see `crate::sync`).
    pub sync: Field<SyncModel>,
    pub timeouts: Field<Timeouts>,
}

/// One consumer's endpoint connected to the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    pub vpc_endpoint_id: Field<String>,
    pub owner: Field<String>,
    pub state: Field<String>,
}

impl Convert for Connection {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        let object = field::Object::new(value, path)?;
        Ok(Connection {
            vpc_endpoint_id: object.field("vpc_endpoint_id")?,
            owner: object.field("owner")?,
            state: object.field("state")?,
        })
    }

    fn encode(&self) -> Value {
        Value::object([
            ("vpc_endpoint_id", self.vpc_endpoint_id.encode()),
            ("owner", self.owner.encode()),
            ("state", self.state.encode()),
        ])
    }
}

/// The database selector (see `crate::selector`) and what discovery computes from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Database {
    pub db_instance_identifier: Field<String>,
    pub db_cluster_identifier: Field<String>,
    pub db_proxy_name: Field<String>,
    /// Set by the user, or computed: the hostname clients of the selected database use.
    pub endpoint: Field<String>,
    /// Clusters only: `writer` or `reader`.
    pub role: Field<String>,
}

/// The computed attributes that name a part of the bundle: stable once the part exists, null in
/// the state when the part is gone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    /// The endpoint service's id (`vpce-svc-...`): the resource's id.
    pub id: Field<String>,
    pub service_name: Field<String>,
    pub nlb_arn: Field<String>,
    pub nlb_dns_name: Field<String>,
    pub target_group_arn: Field<String>,
    pub listener_arn: Field<String>,
    pub availability_zones: Field<List<String>>,
}

/// The `health_check` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthCheck {
    pub interval_seconds: Field<i64>,
    pub healthy_threshold: Field<i64>,
    pub unhealthy_threshold: Field<i64>,
}

/// The `timeouts` block: Go-style durations, see [`super::timeouts`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Field<String>,
    pub update: Field<String>,
    pub delete: Field<String>,
}

impl EndpointServiceModel {
    /// The model of a configuration, plan or state; `None` for a null one (no resource).
    pub fn from_value(value: &Value) -> Result<Option<Self>, ModelError> {
        match Field::<Self>::decode(value, &AttributePath::empty())? {
            Field::Null => Ok(None),
            Field::Known(model) => Ok(Some(model)),
            Field::Unknown(_) => Err(ModelError::new(&AttributePath::empty(), "an object", value)),
        }
    }

    pub fn to_value(&self) -> Value {
        self.encode()
    }

    /// The model with every unknown value made null: what Terraform records after a failed apply.
    pub fn without_unknowns(&self) -> Result<Self, ModelError> {
        let known = Self::from_value(&field::null_unknowns(self.to_value()))?;
        Ok(known.unwrap_or_default())
    }
}

/// A configuration: typed, and as Terraform sent it (the database selector, which the data source
/// shares, reads that).
pub struct Configuration<'a> {
    pub model: EndpointServiceModel,
    pub value: &'a Value,
}

/// `registered_targets` for a set of addresses: sorted, as the state keeps them.
pub fn ip_list(ips: &[Ipv4Addr]) -> Field<List<String>> {
    let mut sorted = ips.to_vec();
    sorted.sort();
    Field::Known(List::of(sorted.iter().map(ToString::to_string)))
}

/// AWS's longest tag value: a selector longer than that (a very long hostname) is not recorded.
const MAX_TAG_VALUE_LEN: usize = 256;

impl EndpointServiceModel {
    /// The tags every part carries (besides the ownership tag): `tags_all`, and the database
    /// selector under [`aws::DATABASE_TAG`], so that an import can read it back.
    pub fn part_tags(&self) -> BTreeMap<String, String> {
        let mut tags: BTreeMap<String, String> = self
            .tags_all
            .known()
            .map(|tags| {
                tags.known_entries()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(selector) = self.database.selector() {
            let value = selector.to_string();
            if value.chars().count() <= MAX_TAG_VALUE_LEN {
                tags.insert(aws::DATABASE_TAG.to_owned(), value);
            }
        }
        tags
    }
}

impl Database {
    /// The selector these attributes name (the first set of instance, cluster, proxy, endpoint:
    /// validation allows one, and `endpoint` is computed when another is set); `None` when none is
    /// known.
    pub fn selector(&self) -> Option<DatabaseSelector> {
        let known = |field: &Field<String>| field.known().cloned();
        if let Some(id) = known(&self.db_instance_identifier) {
            return Some(DatabaseSelector::Instance(id));
        }
        if let Some(identifier) = known(&self.db_cluster_identifier) {
            let role = self
                .role
                .as_deref()
                .and_then(|role| role.parse().ok())
                .unwrap_or_default();
            return Some(DatabaseSelector::Cluster { identifier, role });
        }
        if let Some(name) = known(&self.db_proxy_name) {
            return Some(DatabaseSelector::Proxy(name));
        }
        known(&self.endpoint).map(DatabaseSelector::Endpoint)
    }

    /// The attributes a configuration naming `selector` holds (`endpoint` is only set for an
    /// endpoint selector: for the others it is computed from the database).
    pub fn of_selector(selector: &DatabaseSelector) -> Database {
        let text = |value: &str| Field::Known(value.to_owned());
        match selector {
            DatabaseSelector::Instance(id) => Database {
                db_instance_identifier: text(id),
                ..Database::default()
            },
            DatabaseSelector::Cluster { identifier, role } => Database {
                db_cluster_identifier: text(identifier),
                role: text(role.as_str()),
                ..Database::default()
            },
            DatabaseSelector::Proxy(name) => Database {
                db_proxy_name: text(name),
                ..Database::default()
            },
            DatabaseSelector::Endpoint(host) => Database {
                endpoint: text(host),
                ..Database::default()
            },
        }
    }

    /// The selector a [`aws::DATABASE_TAG`] value records (the selector's `Display` form:
    /// `instance:<id>`, `cluster:<id>:<role>`, `proxy:<name>`, `endpoint:<host>`); `None` for a
    /// value rdslink did not write.
    pub fn parse_tag(value: &str) -> Option<DatabaseSelector> {
        let (kind, rest) = value.split_once(':')?;
        if rest.is_empty() {
            return None;
        }
        match kind {
            "instance" => Some(DatabaseSelector::Instance(rest.to_owned())),
            "cluster" => {
                let (identifier, role) = rest.rsplit_once(':')?;
                let role: ClusterRole = role.parse().ok()?;
                (!identifier.is_empty()).then(|| DatabaseSelector::Cluster {
                    identifier: identifier.to_owned(),
                    role,
                })
            }
            "proxy" => Some(DatabaseSelector::Proxy(rest.to_owned())),
            "endpoint" => Some(DatabaseSelector::Endpoint(rest.to_owned())),
            _ => None,
        }
    }
}

impl Parts {
    /// The ids of the parts the state records.
    pub fn ids(&self) -> PartialBundle {
        let id = |field: &Field<String>| field.known().cloned();
        PartialBundle {
            target_group_arn: id(&self.target_group_arn),
            load_balancer_arn: id(&self.nlb_arn),
            listener_arn: id(&self.listener_arn),
            service_id: id(&self.id),
        }
    }

    /// Records the ids of `parts` (null for those it lacks), as a failed apply leaves them.
    pub fn record(&mut self, parts: &PartialBundle) {
        self.id = parts.service_id.clone().into();
        self.nlb_arn = parts.load_balancer_arn.clone().into();
        self.target_group_arn = parts.target_group_arn.clone().into();
        self.listener_arn = parts.listener_arn.clone().into();
    }

    /// Parts that are gone (null) planned unknown: the apply creates them again.
    pub fn missing_as_unknown(self) -> Self {
        Parts {
            id: self.id.or_unknown(),
            service_name: self.service_name.or_unknown(),
            nlb_arn: self.nlb_arn.or_unknown(),
            nlb_dns_name: self.nlb_dns_name.or_unknown(),
            target_group_arn: self.target_group_arn.or_unknown(),
            listener_arn: self.listener_arn.or_unknown(),
            availability_zones: self.availability_zones.or_unknown(),
        }
    }
}

impl From<&Bundle> for Parts {
    fn from(bundle: &Bundle) -> Self {
        let known = |text: &String| Field::Known(text.clone());
        Parts {
            id: known(&bundle.service_id),
            service_name: known(&bundle.service_name),
            nlb_arn: known(&bundle.nlb_arn),
            nlb_dns_name: known(&bundle.nlb_dns_name),
            target_group_arn: known(&bundle.target_group_arn),
            listener_arn: known(&bundle.listener_arn),
            availability_zones: Field::Known(List::of(bundle.availability_zones.iter().cloned())),
        }
    }
}

impl HealthCheck {
    /// The settings a (possibly absent) block asks for, defaults filling what it leaves out.
    pub fn settings(block: &Field<HealthCheck>) -> aws::HealthCheck {
        let number = |field: Option<&Field<i64>>, default: i64| {
            field.and_then(Field::known).copied().unwrap_or(default) as i32
        };
        let block = block.known();
        aws::HealthCheck {
            interval_seconds: number(block.map(|b| &b.interval_seconds), DEFAULT_INTERVAL),
            healthy_threshold: number(block.map(|b| &b.healthy_threshold), DEFAULT_HEALTHY),
            unhealthy_threshold: number(block.map(|b| &b.unhealthy_threshold), DEFAULT_UNHEALTHY),
        }
    }

    /// The block for what AWS holds: absent when that is the default and the block was absent,
    /// so a configuration without the block stays without it.
    pub fn observed(check: aws::HealthCheck, before: &Field<HealthCheck>) -> Field<HealthCheck> {
        if check == Self::settings(&Field::Null) && before.is_null() {
            return Field::Null;
        }
        Field::Known(HealthCheck {
            interval_seconds: Field::Known(i64::from(check.interval_seconds)),
            healthy_threshold: Field::Known(i64::from(check.healthy_threshold)),
            unhealthy_threshold: Field::Known(i64::from(check.unhealthy_threshold)),
        })
    }
}

/// The operations the `timeouts` block bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Timeouts {
    /// What the block says for `operation` (null when the block or the attribute is absent).
    pub fn of(block: &Field<Timeouts>, operation: Operation) -> &Field<String> {
        static NULL: Field<String> = Field::Null;
        match (block.known(), operation) {
            (Some(block), Operation::Create) => &block.create,
            (Some(block), Operation::Update) => &block.update,
            (Some(block), Operation::Delete) => &block.delete,
            (None, _) => &NULL,
        }
    }
}

impl Convert for EndpointServiceModel {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        let object = field::Object::new(value, path)?;
        Ok(EndpointServiceModel {
            name: object.field("name")?,
            database: Database {
                db_instance_identifier: object.field("db_instance_identifier")?,
                db_cluster_identifier: object.field("db_cluster_identifier")?,
                db_proxy_name: object.field("db_proxy_name")?,
                endpoint: object.field("endpoint")?,
                role: object.field("role")?,
            },
            port: object.field("port")?,
            vpc_id: object.field("vpc_id")?,
            subnet_ids: object.field("subnet_ids")?,
            security_group_ids: object.field("security_group_ids")?,
            cross_zone_load_balancing: object.field("cross_zone_load_balancing")?,
            allowed_principals: object.field("allowed_principals")?,
            acceptance_required: object.field("acceptance_required")?,
            supported_regions: object.field("supported_regions")?,
            deregistration_delay_seconds: object.field("deregistration_delay_seconds")?,
            terminate_connections_on_deregistration: object
                .field("terminate_connections_on_deregistration")?,
            tags: object.field("tags")?,
            tags_all: object.field("tags_all")?,
            parts: Parts {
                id: object.field("id")?,
                service_name: object.field("service_name")?,
                nlb_arn: object.field("nlb_arn")?,
                nlb_dns_name: object.field("nlb_dns_name")?,
                target_group_arn: object.field("target_group_arn")?,
                listener_arn: object.field("listener_arn")?,
                availability_zones: object.field("availability_zones")?,
            },
            registered_targets: object.field("registered_targets")?,
            database_addresses: object.field("database_addresses")?,
            service_nlb_arns: object.field("service_nlb_arns")?,
            health_check: object.field("health_check")?,
            connections: object.field("connections")?,
            sync: object.field("sync")?,
            timeouts: object.field("timeouts")?,
        })
    }

    fn encode(&self) -> Value {
        let Database {
            db_instance_identifier,
            db_cluster_identifier,
            db_proxy_name,
            endpoint,
            role,
        } = &self.database;
        let Parts {
            id,
            service_name,
            nlb_arn,
            nlb_dns_name,
            target_group_arn,
            listener_arn,
            availability_zones,
        } = &self.parts;
        Value::object([
            ("name", self.name.encode()),
            ("db_instance_identifier", db_instance_identifier.encode()),
            ("db_cluster_identifier", db_cluster_identifier.encode()),
            ("db_proxy_name", db_proxy_name.encode()),
            ("endpoint", endpoint.encode()),
            ("role", role.encode()),
            ("port", self.port.encode()),
            ("vpc_id", self.vpc_id.encode()),
            ("subnet_ids", self.subnet_ids.encode()),
            ("security_group_ids", self.security_group_ids.encode()),
            (
                "cross_zone_load_balancing",
                self.cross_zone_load_balancing.encode(),
            ),
            ("allowed_principals", self.allowed_principals.encode()),
            ("acceptance_required", self.acceptance_required.encode()),
            ("supported_regions", self.supported_regions.encode()),
            (
                "deregistration_delay_seconds",
                self.deregistration_delay_seconds.encode(),
            ),
            (
                "terminate_connections_on_deregistration",
                self.terminate_connections_on_deregistration.encode(),
            ),
            ("tags", self.tags.encode()),
            ("tags_all", self.tags_all.encode()),
            ("id", id.encode()),
            ("service_name", service_name.encode()),
            ("nlb_arn", nlb_arn.encode()),
            ("nlb_dns_name", nlb_dns_name.encode()),
            ("target_group_arn", target_group_arn.encode()),
            ("listener_arn", listener_arn.encode()),
            ("availability_zones", availability_zones.encode()),
            ("registered_targets", self.registered_targets.encode()),
            ("database_addresses", self.database_addresses.encode()),
            ("service_nlb_arns", self.service_nlb_arns.encode()),
            ("health_check", self.health_check.encode()),
            ("connections", self.connections.encode()),
            ("sync", self.sync.encode()),
            ("timeouts", self.timeouts.encode()),
        ])
    }
}

impl Convert for HealthCheck {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        let object = field::Object::new(value, path)?;
        Ok(HealthCheck {
            interval_seconds: object.field("interval_seconds")?,
            healthy_threshold: object.field("healthy_threshold")?,
            unhealthy_threshold: object.field("unhealthy_threshold")?,
        })
    }

    fn encode(&self) -> Value {
        Value::object([
            ("interval_seconds", self.interval_seconds.encode()),
            ("healthy_threshold", self.healthy_threshold.encode()),
            ("unhealthy_threshold", self.unhealthy_threshold.encode()),
        ])
    }
}

impl Convert for Timeouts {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        let object = field::Object::new(value, path)?;
        Ok(Timeouts {
            create: object.field("create")?,
            update: object.field("update")?,
            delete: object.field("delete")?,
        })
    }

    fn encode(&self) -> Value {
        Value::object([
            ("create", self.create.encode()),
            ("update", self.update.encode()),
            ("delete", self.delete.encode()),
        ])
    }
}

#[cfg(test)]
mod tests;
