//! The typed model of `rdslink_consumer_endpoint`, and its one conversion to and from [`Value`].

use tfplugin::diag::AttributePath;
use tfplugin::value::Value;

use crate::field::{self, Convert, Field, List, Map, ModelError, Set};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerEndpointModel {
    pub id: Field<String>,
    pub service_name: Field<String>,
    pub vpc_id: Field<String>,
    pub subnet_ids: Field<Set<String>>,
    pub port: Field<i64>,
    pub allowed_cidr_blocks: Field<Set<String>>,
    pub allowed_security_group_ids: Field<Set<String>>,
    pub allow_any_source: Field<bool>,
    pub database_hostname: Field<String>,
    pub dns_name: Field<String>,
    pub service_region: Field<String>,
    pub tags: Field<Map<String>>,
    pub tags_all: Field<Map<String>>,
    pub state: Field<String>,
    pub dns_entries: Field<List<String>>,
    pub network_interface_ids: Field<List<String>>,
    pub security_group_id: Field<String>,
    /// Hostname -> private hosted zone id.
    pub private_zone_ids: Field<Map<String>>,
    pub drift: Field<List<String>>,
    pub timeouts: Field<Timeouts>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Field<String>,
    pub delete: Field<String>,
}

impl ConsumerEndpointModel {
    /// The model of a configuration, plan or state; `None` for a null one.
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

    /// The names to answer privately, each once: `database_hostname` and `dns_name`, lower case,
    /// without a trailing dot.
    pub fn private_names(&self) -> Vec<String> {
        let mut names: Vec<String> = [&self.database_hostname, &self.dns_name]
            .into_iter()
            .filter_map(|field| field.known())
            .map(|name| normalise_name(name))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

pub fn normalise_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Convert for Timeouts {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        let object = field::Object::new(value, path)?;
        Ok(Timeouts {
            create: object.field("create")?,
            delete: object.field("delete")?,
        })
    }

    fn encode(&self) -> Value {
        Value::object([
            ("create", self.create.encode()),
            ("delete", self.delete.encode()),
        ])
    }
}

impl Convert for ConsumerEndpointModel {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        let object = field::Object::new(value, path)?;
        Ok(ConsumerEndpointModel {
            id: object.field("id")?,
            service_name: object.field("service_name")?,
            vpc_id: object.field("vpc_id")?,
            subnet_ids: object.field("subnet_ids")?,
            port: object.field("port")?,
            allowed_cidr_blocks: object.field("allowed_cidr_blocks")?,
            allowed_security_group_ids: object.field("allowed_security_group_ids")?,
            allow_any_source: object.field("allow_any_source")?,
            database_hostname: object.field("database_hostname")?,
            dns_name: object.field("dns_name")?,
            service_region: object.field("service_region")?,
            tags: object.field("tags")?,
            tags_all: object.field("tags_all")?,
            state: object.field("state")?,
            dns_entries: object.field("dns_entries")?,
            network_interface_ids: object.field("network_interface_ids")?,
            security_group_id: object.field("security_group_id")?,
            private_zone_ids: object.field("private_zone_ids")?,
            drift: object.field("drift")?,
            timeouts: object.field("timeouts")?,
        })
    }

    fn encode(&self) -> Value {
        Value::object([
            ("id", self.id.encode()),
            ("service_name", self.service_name.encode()),
            ("vpc_id", self.vpc_id.encode()),
            ("subnet_ids", self.subnet_ids.encode()),
            ("port", self.port.encode()),
            ("allowed_cidr_blocks", self.allowed_cidr_blocks.encode()),
            (
                "allowed_security_group_ids",
                self.allowed_security_group_ids.encode(),
            ),
            ("allow_any_source", self.allow_any_source.encode()),
            ("database_hostname", self.database_hostname.encode()),
            ("dns_name", self.dns_name.encode()),
            ("service_region", self.service_region.encode()),
            ("tags", self.tags.encode()),
            ("tags_all", self.tags_all.encode()),
            ("state", self.state.encode()),
            ("dns_entries", self.dns_entries.encode()),
            ("network_interface_ids", self.network_interface_ids.encode()),
            ("security_group_id", self.security_group_id.encode()),
            ("private_zone_ids", self.private_zone_ids.encode()),
            ("drift", self.drift.encode()),
            ("timeouts", self.timeouts.encode()),
        ])
    }
}
