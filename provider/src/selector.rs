//! Which database a configuration means: exactly one of `db_instance_identifier`,
//! `db_cluster_identifier`, `db_proxy_name` or `endpoint`, plus `role` for clusters. Shared by every
//! data source and resource that points at a database, so they all accept and reject the same input.

use rdslink_engine::discovery::{ClusterRole, DatabaseSelector};

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::Attribute;
use tfplugin::value::{Type, Value};

use super::settings::check_string;
use super::validate;

const INSTANCE: &str = "db_instance_identifier";
const CLUSTER: &str = "db_cluster_identifier";
const PROXY: &str = "db_proxy_name";
const ENDPOINT: &str = "endpoint";
const ROLE: &str = "role";

/// The selector attributes, for a schema.
pub fn attributes() -> Vec<Attribute> {
    vec![
        Attribute::optional(
            INSTANCE,
            Type::String,
            "Identifier of an RDS DB instance: its endpoint's A records.",
        ),
        Attribute::optional(
            CLUSTER,
            Type::String,
            "Identifier of an Aurora (or Multi-AZ) DB cluster: the writer's address, or every reader's with \
             `role = \"reader\"`.",
        ),
        Attribute::optional(
            PROXY,
            Type::String,
            "Name of an RDS Proxy: every A record of its endpoint.",
        ),
        Attribute::optional_computed(
            ENDPOINT,
            Type::String,
            "Any database hostname: every A record. When another selector is set, this is computed: the \
             hostname clients of that database use.",
        ),
        Attribute::optional_computed(
            ROLE,
            Type::String,
            "Clusters only: `writer` (default) or `reader` (every non-writer member's address, not the \
             round-robin reader endpoint).",
        ),
    ]
}

/// Validate-time checks, each pointing at its attribute. Unknown values count as "set" so that a
/// selector from a not-yet-known variable is not reported missing.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let set: Vec<&str> = [INSTANCE, CLUSTER, PROXY, ENDPOINT]
        .into_iter()
        .filter(|name| !config.get(name).is_null())
        .collect();
    match set.len() {
        0 => diags.error(
            "No database selected",
            "Set exactly one of `db_instance_identifier`, `db_cluster_identifier`, `db_proxy_name` or `endpoint`.",
        ),
        1 => {}
        _ => {
            for name in &set[1..] {
                diags.error_at(
                    AttributePath::root(*name),
                    "Conflicting database selectors",
                    format!(
                        "Set exactly one of `db_instance_identifier`, `db_cluster_identifier`, `db_proxy_name` or \
                         `endpoint`; this configuration sets {}.",
                        set.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" and ")
                    ),
                );
            }
        }
    }
    check_string(
        config.get(INSTANCE),
        AttributePath::root(INSTANCE),
        validate::rds_identifier,
        "Invalid DB instance identifier",
        diags,
    );
    check_string(
        config.get(CLUSTER),
        AttributePath::root(CLUSTER),
        validate::rds_identifier,
        "Invalid DB cluster identifier",
        diags,
    );
    check_string(
        config.get(PROXY),
        AttributePath::root(PROXY),
        validate::rds_identifier,
        "Invalid DB proxy name",
        diags,
    );
    check_string(
        config.get(ENDPOINT),
        AttributePath::root(ENDPOINT),
        validate::hostname,
        "Invalid endpoint",
        diags,
    );

    let role = config.get(ROLE);
    if let Some(text) = role.as_str()
        && text.parse::<ClusterRole>().is_err()
    {
        diags.error_at(
            AttributePath::root(ROLE),
            "Invalid role",
            format!("{text:?} is not a cluster role: use \"writer\" or \"reader\"."),
        );
    }
    if !role.is_null() && config.get(CLUSTER).is_null() && set.len() == 1 {
        diags.error_at(
            AttributePath::root(ROLE),
            "`role` applies to clusters only",
            format!(
                "`role` chooses between a cluster's writer and its readers; this configuration selects a database \
                 with `{}`. Remove `role`, or select a cluster with `db_cluster_identifier`.",
                set[0]
            ),
        );
    }
}

/// The selector of a fully known configuration.
pub fn from_config(config: &Value, diags: &mut Diagnostics) -> Option<DatabaseSelector> {
    validate(config, diags);
    if diags.has_errors() {
        return None;
    }
    let text = |name: &str| config.get(name).as_str().map(str::to_owned);
    let selector = if let Some(id) = text(INSTANCE) {
        DatabaseSelector::Instance(id)
    } else if let Some(identifier) = text(CLUSTER) {
        DatabaseSelector::Cluster {
            identifier,
            role: role_of(config).unwrap_or_default(),
        }
    } else if let Some(name) = text(PROXY) {
        DatabaseSelector::Proxy(name)
    } else if let Some(host) = text(ENDPOINT) {
        DatabaseSelector::Endpoint(host)
    } else {
        diags.error(
            "Database selector is not known yet",
            "The database selector depends on a value known only after apply.",
        );
        return None;
    };
    Some(selector)
}

/// The role of a cluster selector (default writer); None when the configuration is not a cluster.
pub fn role_of(config: &Value) -> Option<ClusterRole> {
    if config.get(CLUSTER).is_null() {
        return None;
    }
    Some(
        config
            .get(ROLE)
            .as_str()
            .and_then(|r| r.parse().ok())
            .unwrap_or_default(),
    )
}

/// "DB cluster \"orders\" (writer)" and the like, for diagnostics.
pub fn describe(selector: &DatabaseSelector) -> String {
    match selector {
        DatabaseSelector::Instance(id) => format!("DB instance {id:?}"),
        DatabaseSelector::Cluster { identifier, role } => {
            format!("DB cluster {identifier:?} ({role})")
        }
        DatabaseSelector::Proxy(name) => format!("DB proxy {name:?}"),
        DatabaseSelector::Endpoint(host) => format!("endpoint {host:?}"),
    }
}
