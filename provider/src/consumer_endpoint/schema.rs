//! `rdslink_consumer_endpoint`'s attributes, their plan behaviour and the checks that need no AWS
//! call. Subnets that do not exist, sit in another VPC or share a zone are checked at plan time,
//! when the provider can ask EC2 ([`super::plan`]).

use std::collections::BTreeSet;
use std::net::IpAddr;

use rdslink_engine::validate as engine;
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::value::{Type, Value};

use super::model::ConsumerEndpointModel;
use crate::endpoint_service::timeouts;
use crate::settings::check_string;

pub const TYPE_NAME: &str = "rdslink_consumer_endpoint";

fn strings() -> Type {
    Type::Set(Box::new(Type::String))
}

pub fn schema() -> Schema {
    let timeouts_block =
        Block::new("How long create and delete may take (Go durations, default 10m).")
            .attribute(
                Attribute::optional("create", Type::String, "Default 10m.")
                    .validate(validate_duration),
            )
            .attribute(
                Attribute::optional("delete", Type::String, "Default 10m.")
                    .validate(validate_duration),
            );
    Schema::new(
        Block::new(
            "An interface VPC endpoint in a consumer account to an rdslink endpoint service, with its own security \
             group and, when asked, private DNS names: with `database_hostname` clients in the VPC reach the \
             database under its own RDS hostname, so TLS with certificate verification (`sslmode=verify-full`) and \
             IAM database authentication keep working.",
        )
        .attribute(
            Attribute::computed("id", Type::String, "The endpoint's id, `vpce-...`.").use_state_for_unknown(),
        )
        .attribute(
            Attribute::required(
                "service_name",
                Type::String,
                "The producer's endpoint service name (`service_name` of its `rdslink_endpoint_service`), \
                 `com.amazonaws.vpce.<region>.vpce-svc-...`.",
            )
            .requires_replace()
            .validate(validate_service_name),
        )
        .attribute(
            Attribute::required("vpc_id", Type::String, "The consumer VPC.")
                .requires_replace()
                .validate(validate_vpc_id),
        )
        .attribute(
            Attribute::required(
                "subnet_ids",
                strings(),
                "One subnet per availability zone, in `vpc_id` (checked at plan time). The service must be \
                 offered in those zones.",
            )
            .requires_replace()
            .validate(validate_subnet_ids),
        )
        .attribute(
            Attribute::required("port", Type::Number, "The database port the endpoint's security group opens.")
                .validate(validate_port),
        )
        .attribute(
            Attribute::optional(
                "allowed_cidr_blocks",
                strings(),
                "Client networks allowed to reach `port`. Nothing is open by default; `0.0.0.0/0` and `::/0` need \
                 `allow_any_source = true`.",
            )
            .validate(validate_cidrs),
        )
        .attribute(
            Attribute::optional(
                "allowed_security_group_ids",
                strings(),
                "Client security groups allowed to reach `port`.",
            )
            .validate(validate_security_groups),
        )
        .attribute(
            Attribute::optional_computed(
                "allow_any_source",
                Type::Bool,
                "Accept `0.0.0.0/0` or `::/0` in `allowed_cidr_blocks`: an explicit opt-in, because it opens the \
                 database to everything that can route to the VPC.",
            )
            .default(Value::bool(false)),
        )
        .attribute(
            Attribute::optional(
                "database_hostname",
                Type::String,
                "The database's own RDS endpoint name (`<id>.<cluster-|proxy-|>xxxx.<region>.rds.amazonaws.com`). \
                 A private hosted zone of that exact name, associated with the VPC, answers it with the \
                 endpoint's addresses, so clients keep the hostname their TLS certificate check expects.",
            )
            .validate(validate_database_hostname),
        )
        .attribute(
            Attribute::optional(
                "dns_name",
                Type::String,
                "An extra private name for the endpoint (e.g. `orders.db.internal`), answered the same way.",
            )
            .validate(validate_dns_name),
        )
        .attribute(
            Attribute::optional(
                "service_region",
                Type::String,
                "The producer's region, for cross-region PrivateLink; null: the provider's region.",
            )
            .requires_replace()
            .validate(validate_region),
        )
        .attribute(Attribute::optional("tags", Type::Map(Box::new(Type::String)), "Tags for every part."))
        .attribute(Attribute::computed(
            "tags_all",
            Type::Map(Box::new(Type::String)),
            "The tags every part carries: the provider's `default_tags` merged with `tags`.",
        ))
        .attribute(Attribute::computed(
            "state",
            Type::String,
            "The endpoint's state as of the last refresh: `available`, or `pendingAcceptance` until the producer \
             accepts the connection (`rdslink_endpoint_connection`), or `rejected`.",
        ))
        .attribute(
            Attribute::computed(
                "dns_entries",
                Type::List(Box::new(Type::String)),
                "The endpoint's DNS names, the regional one first, then one per zone.",
            )
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed(
                "network_interface_ids",
                Type::List(Box::new(Type::String)),
                "The endpoint's network interfaces, sorted.",
            )
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::computed(
                "security_group_id",
                Type::String,
                "The endpoint's security group, created for it.",
            )
            .use_state_for_unknown(),
        )
        .attribute(Attribute::computed(
            "private_zone_ids",
            Type::Map(Box::new(Type::String)),
            "The private hosted zone of each name (`database_hostname`, `dns_name`) by name.",
        ))
        .attribute(Attribute::computed(
            "drift",
            Type::List(Box::new(Type::String)),
            "What refresh found different from the configuration in the private DNS records (a record deleted \
             or pointed elsewhere, a zone gone). Planned empty, so any drift shows as an update that \
             `terraform apply` repairs.",
        ))
        .block(NestedBlock::single("timeouts", timeouts_block)),
    )
}

fn validate_duration(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |text| timeouts::parse(text).map(|_| ()),
        "Invalid timeout",
        diags,
    );
}

/// `com.amazonaws.vpce.<region>.vpce-svc-<17 hex>`: the names EC2 gives endpoint services.
pub fn service_name(value: &str) -> Result<(), String> {
    let invalid = || {
        format!(
            "{value:?} is not a PrivateLink endpoint service name (expected \
             com.amazonaws.vpce.<region>.vpce-svc-<id>, the producer's `service_name`)"
        )
    };
    let rest = value
        .strip_prefix("com.amazonaws.vpce.")
        .ok_or_else(invalid)?;
    let (region, id) = rest.split_once('.').ok_or_else(invalid)?;
    engine::region(region).map_err(|_| invalid())?;
    let hex = id.strip_prefix("vpce-svc-").ok_or_else(invalid)?;
    if !(matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(invalid());
    }
    Ok(())
}

fn validate_service_name(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        service_name,
        "Invalid service name",
        diags,
    );
}

fn validate_vpc_id(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |v| crate::endpoint_service::aws_id(v, "vpc"),
        "Invalid VPC id",
        diags,
    );
}

fn check_ids(value: &Value, path: &AttributePath, prefix: &str, diags: &mut Diagnostics) {
    for id in value.elements().iter().filter_map(Value::as_str) {
        if let Err(reason) = crate::endpoint_service::aws_id(id, prefix) {
            diags.error_at(
                path.clone(),
                format!("Invalid {prefix} id"),
                format!("{reason}."),
            );
        }
    }
}

fn validate_subnet_ids(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if value.is_known() && !value.is_null() && value.elements().is_empty() {
        diags.error_at(
            path.clone(),
            "No subnets",
            "List at least one subnet, one per availability zone.",
        );
    }
    check_ids(value, path, "subnet", diags);
}

fn validate_security_groups(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_ids(value, path, "sg", diags);
}

fn validate_port(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if let Some(port) = value.as_i64()
        && !(1..=65535).contains(&port)
    {
        diags.error_at(
            path.clone(),
            "Invalid port",
            format!("{port} is not a port (1-65535)."),
        );
    }
}

/// A CIDR block in canonical form (`10.20.0.0/16`: no host bits set).
pub fn cidr(value: &str) -> Result<(), String> {
    let invalid = |why: &str| format!("{value:?} is not a CIDR block ({why})");
    let (address, length) = value
        .split_once('/')
        .ok_or_else(|| invalid("expected ADDRESS/LENGTH"))?;
    let address: IpAddr = address
        .parse()
        .map_err(|_| invalid("the address is not an IP address"))?;
    let length: u8 = length
        .parse()
        .map_err(|_| invalid("the length is not a number"))?;
    let bits = match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    if length > bits {
        return Err(invalid("the length is longer than the address"));
    }
    let host_bits_set = match address {
        IpAddr::V4(v4) => length < 32 && u32::from(v4) & (u32::MAX >> length) != 0,
        IpAddr::V6(v6) => length < 128 && u128::from(v6) & (u128::MAX >> length) != 0,
    };
    if host_bits_set {
        return Err(invalid("host bits are set; use the network address"));
    }
    Ok(())
}

/// The CIDR blocks that open the endpoint to every address.
pub fn is_any_source(cidr: &str) -> bool {
    cidr.ends_with("/0")
}

fn validate_cidrs(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    for block in value.elements().iter().filter_map(Value::as_str) {
        if let Err(reason) = cidr(block) {
            diags.error_at(path.clone(), "Invalid CIDR block", format!("{reason}."));
        }
    }
}

/// An RDS endpoint name: an instance (`<id>.<hash>.<region>.rds.amazonaws.com`), a cluster
/// (`<id>.cluster-[ro-|custom-]<hash>...`) or a proxy (`<name>.proxy-[...]<hash>...`), in any
/// partition's RDS domain.
pub fn database_hostname(value: &str) -> Result<(), String> {
    let invalid = || {
        format!(
            "{value:?} is not an RDS endpoint name (expected e.g. \
             orders.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com, the database's `endpoint`)"
        )
    };
    engine::hostname(value).map_err(|_| invalid())?;
    let name = value
        .strip_suffix('.')
        .unwrap_or(value)
        .to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let rds_at = labels
        .iter()
        .position(|label| *label == "rds")
        .ok_or_else(invalid)?;
    let domain = &labels[rds_at + 1..];
    let known_domain = matches!(domain, ["amazonaws", "com"] | ["amazonaws", "com", "cn"]);
    // <id>.<hash>.<region>.rds.<domain>: at least three labels before `rds`.
    if !known_domain || rds_at < 3 {
        return Err(invalid());
    }
    engine::region(labels[rds_at - 1]).map_err(|_| invalid())?;
    Ok(())
}

fn validate_database_hostname(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        database_hostname,
        "Invalid database hostname",
        diags,
    );
}

fn validate_dns_name(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |name| engine::hostname(name).map_err(|err| err.to_string()),
        "Invalid DNS name",
        diags,
    );
}

fn validate_region(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |region| engine::region(region).map_err(|err| err.to_string()),
        "Invalid region",
        diags,
    );
}

/// Checks across attributes; unknown values are skipped.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let Ok(Some(model)) = ConsumerEndpointModel::from_value(config) else {
        return;
    };
    let opted_in = model.allow_any_source.known() == Some(&true);
    let open: Vec<String> = model
        .allowed_cidr_blocks
        .elements()
        .into_iter()
        .filter(|block| is_any_source(block))
        .collect();
    if !open.is_empty() && !opted_in && !model.allow_any_source.is_unknown() {
        diags.error_at(
            AttributePath::root("allowed_cidr_blocks"),
            "Open to every address",
            format!(
                "{} lets every address that can route to the VPC reach the database. Set `allow_any_source = true` \
                 if that is intended, or list the client networks.",
                open.join(", ")
            ),
        );
    }
    let names: BTreeSet<String> = [&model.database_hostname, &model.dns_name]
        .into_iter()
        .filter_map(|field| {
            field
                .known()
                .map(|name| name.trim_end_matches('.').to_ascii_lowercase())
        })
        .collect();
    if names.len() == 1
        && model.database_hostname.known().is_some()
        && model.dns_name.known().is_some()
    {
        diags.error_at(
            AttributePath::root("dns_name"),
            "Same name twice",
            "`dns_name` repeats `database_hostname`; leave it out.",
        );
    }
}

#[cfg(test)]
mod tests;
