//! The `rdslink_endpoint_service` schema and its validate-time checks, each pointing at the attribute
//! that carries the problem.

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::value::{Type, Value};

use super::aws::{MAX_NAME_LEN, validate_name};
use crate::selector;
use crate::settings::check_string;
use crate::validate;

pub const DEFAULT_INTERVAL: i64 = 10;
pub const DEFAULT_HEALTHY: i64 = 2;
pub const DEFAULT_UNHEALTHY: i64 = 2;

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

fn string_set() -> Type {
    Type::Set(Box::new(Type::String))
}

pub fn schema() -> Schema {
    let health_check =
        Block::new("TCP health checks of the database's address on `port`. Defaults shown.")
            .attribute(Attribute::optional_computed(
                "interval_seconds",
                Type::Number,
                "Seconds between checks, 5-300. Default `10`.",
            ))
            .attribute(Attribute::optional_computed(
                "healthy_threshold",
                Type::Number,
                "Consecutive successes before a target is healthy, 2-10. Default `2`.",
            ))
            .attribute(Attribute::optional_computed(
                "unhealthy_threshold",
                Type::Number,
                "Consecutive failures before a target is unhealthy, 2-10. Default `2`.",
            ));
    let timeouts = Block::new("How long each operation may take before it fails, e.g. `\"10m\"`.")
        .attribute(Attribute::optional(
            "create",
            Type::String,
            "Default `10m`.",
        ))
        .attribute(Attribute::optional(
            "update",
            Type::String,
            "Default `10m`.",
        ))
        .attribute(Attribute::optional(
            "delete",
            Type::String,
            "Default `10m`.",
        ));

    Schema::new(
        Block::new(
            "A database behind AWS PrivateLink: an internal Network Load Balancer with an IP target group \
             pointing at the database's current primary, a TCP listener, and a VPC endpoint service that only \
             `allowed_principals` can connect to.\n\n\
             `terraform plan` compares the target group with the database *now*: after a failover it shows \
             `registered_targets` changing and `terraform apply` re-syncs them, registering the new address \
             before deregistering the old one.",
        )
        .attribute(Attribute::computed("id", Type::String, "The endpoint service's id (`vpce-svc-...`)."))
        .attribute(Attribute::required(
            "name",
            Type::String,
            format!(
                "Names and tags every part: the load balancer and target group are `rdslink-<name>`. 1-{MAX_NAME_LEN} \
                 lowercase letters, digits or hyphens. Changing it replaces the resource."
            ),
        ))
        .attributes(selector::attributes())
        .attribute(Attribute::optional_computed(
            "port",
            Type::Number,
            "The listener's and the targets' port. Defaults to the database's port. Changing it replaces the resource.",
        ))
        .attribute(Attribute::required(
            "vpc_id",
            Type::String,
            "The VPC of the load balancer and target group. Changing it replaces the resource.",
        ))
        .attribute(Attribute::required(
            "subnet_ids",
            strings(),
            "The load balancer's subnets, one per availability zone. Changing them replaces the resource.",
        ))
        .attribute(Attribute::optional(
            "security_group_ids",
            strings(),
            "Security groups of the load balancer. Changed in place, except between none and some, which AWS \
             allows only at creation (replacement).",
        ))
        .attribute(Attribute::optional_computed(
            "cross_zone_load_balancing",
            Type::Bool,
            "Route to targets in every zone (the primary is in one). Default `true`.",
        ))
        .attribute(Attribute::required(
            "allowed_principals",
            string_set(),
            "IAM principal ARNs (account root, role or user) allowed to create endpoints to the service. `\"*\"` is \
             accepted only with `acceptance_required = true`.",
        ))
        .attribute(Attribute::optional_computed(
            "acceptance_required",
            Type::Bool,
            "Whether each endpoint connection must be accepted by the service owner. Default `false`.",
        ))
        .attribute(Attribute::optional_computed(
            "deregistration_delay_seconds",
            Type::Number,
            "Seconds a deregistered target keeps its connections, 0-3600. Default `0`.",
        ))
        .attribute(Attribute::optional_computed(
            "terminate_connections_on_deregistration",
            Type::Bool,
            "Reset connections to a deregistered target when the delay ends, so clients of a demoted primary \
             reconnect instead of writing to a reader. Default `true`.",
        ))
        .attribute(Attribute::optional("tags", Type::Map(Box::new(Type::String)), "Tags for every part."))
        .attribute(Attribute::computed(
            "tags_all",
            Type::Map(Box::new(Type::String)),
            "The tags every part carries: the provider's `default_tags` merged with `tags`.",
        ))
        .attribute(Attribute::computed(
            "service_name",
            Type::String,
            "The endpoint service's name, which consumers use in `aws_vpc_endpoint`.",
        ))
        .attribute(Attribute::computed("nlb_arn", Type::String, "ARN of the Network Load Balancer."))
        .attribute(Attribute::computed("nlb_dns_name", Type::String, "DNS name of the Network Load Balancer."))
        .attribute(Attribute::computed("target_group_arn", Type::String, "ARN of the IP target group."))
        .attribute(Attribute::computed("listener_arn", Type::String, "ARN of the TCP listener."))
        .attribute(Attribute::computed(
            "availability_zones",
            strings(),
            "Availability zones of the load balancer, sorted.",
        ))
        .attribute(Attribute::computed(
            "registered_targets",
            strings(),
            "The IPv4 addresses the target group holds, sorted. Planned as the database's addresses now, so a \
             failover shows up as a change.",
        ))
        .block(NestedBlock::single("health_check", health_check))
        .block(NestedBlock::single("timeouts", timeouts)),
    )
}

/// Validate-time checks. Unknown values are skipped.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    check_string(
        config.get("name"),
        AttributePath::root("name"),
        validate_name,
        "Invalid name",
        diags,
    );
    selector::validate(config, diags);
    check_number(
        config.get("port"),
        AttributePath::root("port"),
        1,
        65535,
        "Invalid port",
        diags,
    );
    check_string(
        config.get("vpc_id"),
        AttributePath::root("vpc_id"),
        |v| aws_id(v, "vpc"),
        "Invalid VPC id",
        diags,
    );
    check_id_list(config, "subnet_ids", "subnet", true, diags);
    check_id_list(config, "security_group_ids", "sg", false, diags);

    let principals = config.get("allowed_principals");
    if principals.is_known() && !principals.is_null() && principals.elements().is_empty() {
        diags.error_at(
            AttributePath::root("allowed_principals"),
            "No allowed principals",
            "List at least one IAM principal ARN allowed to connect, e.g. \"arn:aws:iam::222222222222:root\".",
        );
    }
    for element in principals.elements() {
        let Some(principal) = element.as_str() else {
            continue;
        };
        // Sets are addressed by value, not by index.
        let path = AttributePath::root("allowed_principals");
        if principal == "*" {
            if config.get("acceptance_required").as_bool() != Some(true) {
                diags.error_at(
                    path,
                    "\"*\" needs acceptance_required",
                    "\"*\" lets every AWS account create an endpoint to this database. rdslink accepts it only with \
                     `acceptance_required = true`, so that each connection is approved by you.",
                );
            }
        } else if let Err(reason) = principal_arn(principal) {
            diags.error_at(path, "Invalid principal", format!("{reason}."));
        }
    }

    let health_check = config.get("health_check");
    let bounds = [
        ("interval_seconds", 5, 300),
        ("healthy_threshold", 2, 10),
        ("unhealthy_threshold", 2, 10),
    ];
    for (attribute, min, max) in bounds {
        check_number(
            health_check.get(attribute),
            AttributePath::root("health_check").attribute(attribute),
            min,
            max,
            "Invalid health check",
            diags,
        );
    }
    check_number(
        config.get("deregistration_delay_seconds"),
        AttributePath::root("deregistration_delay_seconds"),
        0,
        3600,
        "Invalid deregistration delay",
        diags,
    );
    let timeouts = config.get("timeouts");
    for operation in ["create", "update", "delete"] {
        check_string(
            timeouts.get(operation),
            AttributePath::root("timeouts").attribute(operation),
            |v| super::timeouts::parse(v).map(|_| ()),
            "Invalid timeout",
            diags,
        );
    }
}

/// `vpc-0123abcd`, `subnet-0123456789abcdef0`, `sg-...`: the prefix, then 8 or 17 hex digits.
pub fn aws_id(value: &str, prefix: &str) -> Result<(), String> {
    let hex = value
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'));
    match hex {
        Some(hex) if matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(())
        }
        _ => Err(format!(
            "{value:?} is not a {prefix} id (expected {prefix}- and 8 or 17 hexadecimal digits)"
        )),
    }
}

/// An IAM principal: `arn:aws:iam::<account>:root`, `...:role/NAME` or `...:user/NAME`.
pub fn principal_arn(value: &str) -> Result<(), String> {
    let arn = validate::Arn::parse(value)?;
    let resource_ok = arn.resource == "root"
        || arn
            .resource
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty())
        || arn
            .resource
            .strip_prefix("user/")
            .is_some_and(|n| !n.is_empty());
    if arn.service != "iam" || arn.account.is_empty() || !resource_ok {
        return Err(format!(
            "{value:?} is not an IAM principal ARN (expected arn:aws:iam::ACCOUNT:root, :role/NAME or :user/NAME)"
        ));
    }
    Ok(())
}

fn check_number(
    value: &Value,
    path: AttributePath,
    min: i64,
    max: i64,
    summary: &str,
    diags: &mut Diagnostics,
) {
    if value.is_null() || !value.is_known() {
        return;
    }
    match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => {}
        _ => diags.error_at(
            path,
            summary,
            format!(
                "{} is outside {min}-{max} (or not a whole number).",
                number_text(value)
            ),
        ),
    }
}

fn number_text(value: &Value) -> String {
    value
        .as_number()
        .map(ToString::to_string)
        .unwrap_or_else(|| "The value".into())
}

fn check_id_list(
    config: &Value,
    attribute: &str,
    prefix: &str,
    required_non_empty: bool,
    diags: &mut Diagnostics,
) {
    let list = config.get(attribute);
    if !list.is_known() || list.is_null() {
        return;
    }
    if required_non_empty && list.elements().is_empty() {
        diags.error_at(
            AttributePath::root(attribute),
            format!("No {prefix}s"),
            format!("List at least one {prefix} id; a load balancer needs one subnet per availability zone."),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, element) in list.elements().iter().enumerate() {
        let Some(id) = element.as_str() else { continue };
        let path = AttributePath::root(attribute).index(index as i64);
        if let Err(reason) = aws_id(id, prefix) {
            diags.error_at(path, format!("Invalid {prefix} id"), format!("{reason}."));
        } else if !seen.insert(id) {
            diags.error_at(
                path,
                format!("Duplicate {prefix} id"),
                format!("{id:?} is listed twice in `{attribute}`."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(aws_id("vpc-0123456789abcdef0", "vpc").is_ok());
        assert!(aws_id("subnet-0aaa1111", "subnet").is_ok());
        assert!(aws_id("subnet-0aaa", "subnet").is_err());
        assert!(aws_id("sg-0123456789abcdef0", "subnet").is_err());
        assert!(aws_id("vpc-0123456789abcdefg", "vpc").is_err());
    }

    #[test]
    fn principals() {
        assert!(principal_arn("arn:aws:iam::222222222222:root").is_ok());
        assert!(principal_arn("arn:aws:iam::222222222222:role/consumer").is_ok());
        assert!(principal_arn("arn:aws:iam::222222222222:user/alice").is_ok());
        assert!(principal_arn("arn:aws:iam::222222222222:group/devs").is_err());
        assert!(principal_arn("arn:aws:s3:::bucket").is_err());
        assert!(principal_arn("222222222222").is_err());
    }
}
