//! The `rdslink_endpoint_service` schema with its behaviour declared on each attribute: defaults,
//! what forces replacement, which computed values stay once known, and the validate-time checks
//! (each pointing at the attribute that carries the problem). What no flag can say lives in
//! [`validate`] (checks across attributes) and in [`super::plan`].

use std::collections::BTreeSet;

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::value::{Type, Value};

use super::aws::{MAX_NAME_LEN, validate_name};
use super::model::{EndpointServiceModel, Field, Set};
use crate::selector;
use crate::settings::check_string;
use crate::validate;

pub const DEFAULT_INTERVAL: i64 = 10;
pub const DEFAULT_HEALTHY: i64 = 2;
pub const DEFAULT_UNHEALTHY: i64 = 2;

/// 1: `subnet_ids` and `security_group_ids` became sets (AWS keeps no order); version 0 states
/// are upgraded in `super::EndpointServiceResource::upgrade_state`.
pub const SCHEMA_VERSION: i64 = 1;

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

fn string_set() -> Type {
    Type::Set(Box::new(Type::String))
}

fn number(n: i64) -> Value {
    Value::number(n)
}

/// A computed attribute naming a part of the bundle: it never changes once the part exists.
fn part(name: &str, ty: Type, description: &str) -> Attribute {
    Attribute::computed(name, ty, description).use_state_for_unknown()
}

pub fn schema() -> Schema {
    let health_check = Block::new("TCP health checks of the database's address on `port`.")
        .attribute(
            Attribute::optional_computed(
                "interval_seconds",
                Type::Number,
                "Seconds between checks, 5-300.",
            )
            .default(number(DEFAULT_INTERVAL))
            .validate(validate_interval),
        )
        .attribute(
            Attribute::optional_computed(
                "healthy_threshold",
                Type::Number,
                "Consecutive successes before a target is healthy, 2-10.",
            )
            .default(number(DEFAULT_HEALTHY))
            .validate(validate_threshold),
        )
        .attribute(
            Attribute::optional_computed(
                "unhealthy_threshold",
                Type::Number,
                "Consecutive failures before a target is unhealthy, 2-10.",
            )
            .default(number(DEFAULT_UNHEALTHY))
            .validate(validate_threshold),
        );
    // Optional only (a timeout is never planned), so the default is stated here.
    let timeout = |operation: &str| {
        Attribute::optional(operation, Type::String, "Default `10m`.").validate(validate_timeout)
    };
    let timeouts = Block::new("How long each operation may take before it fails, e.g. `\"10m\"`.")
        .attribute(timeout("create"))
        .attribute(timeout("update"))
        .attribute(timeout("delete"));

    Schema::new(
        Block::new(
            "A database behind AWS PrivateLink: an internal Network Load Balancer with an IP target group \
             pointing at the database's current primary, a TCP listener, and a VPC endpoint service that only \
             `allowed_principals` can connect to.\n\n\
             Refresh asks the database where it is now and records the answer in `database_addresses`; \
             `registered_targets` is what the target group holds. After a failover they differ, so \
             `terraform plan` shows an in-place update with `registered_targets` `(known after apply)` and a \
             warning naming the addresses that leave and arrive. Every apply of this resource (create or update) \
             discovers the database again and moves the target group onto its primary *at that moment*, the way \
             the sync Lambda does: the new address is registered before the old one is deregistered, and the \
             group is never left empty. A plan saved before a failover therefore still applies cleanly.",
        )
        .attribute(part("id", Type::String, "The endpoint service's id (`vpce-svc-...`)."))
        .attribute(
            Attribute::required(
                "name",
                Type::String,
                format!(
                    "Names and tags every part: the load balancer and target group are `rdslink-<name>`. \
                     1-{MAX_NAME_LEN} lowercase letters, digits or hyphens. An imported bundle rdslink did not \
                     build has no name yet: setting one adopts it in place. \
                     Must be unique per AWS account and region, across every Terraform configuration and state \
                     that uses it: a create that finds a working bundle already tagged with this name (in another \
                     state) fails before it changes anything, naming that bundle's `vpce-svc-...` id; rename this \
                     resource, or move the bundle here with `terraform import`. Only leftovers of this resource's \
                     own interrupted create (parts tagged with the name that do not form a working bundle) are \
                     adopted, and destroy removes only those and what the state records."
                ),
            )
            .requires_replace_if(renamed)
            .validate(validate_name_attribute),
        )
        .attributes(selector::attributes())
        .attribute(
            Attribute::optional_computed(
                "port",
                Type::Number,
                "The listener's and the targets' port; when unset, the database's port.",
            )
            .requires_replace()
            .validate(validate_port),
        )
        .attribute(
            Attribute::required(
                "vpc_id",
                Type::String,
                "The VPC of the load balancer and target group.",
            )
            .requires_replace()
            .validate(validate_vpc_id),
        )
        .attribute(
            Attribute::required(
                "subnet_ids",
                string_set(),
                "The load balancer's subnets, one per availability zone. A set: AWS keeps no order.",
            )
            .requires_replace_if(other_subnets)
            .validate(validate_subnet_ids),
        )
        .attribute(
            Attribute::optional(
                "security_group_ids",
                string_set(),
                "Security groups of the load balancer. Changed in place, except between none and some, which AWS \
                 allows only at creation (replacement).",
            )
            .validate(validate_security_group_ids),
        )
        .attribute(
            Attribute::optional_computed(
                "cross_zone_load_balancing",
                Type::Bool,
                "Route to targets in every zone (the primary is in one).",
            )
            .default(Value::bool(true)),
        )
        .attribute(
            Attribute::required(
                "allowed_principals",
                string_set(),
                "IAM principal ARNs (account root, role or user) allowed to create endpoints to the service. `\"*\"` is \
                 accepted only with `acceptance_required = true`.",
            )
            .validate(validate_principals),
        )
        .attribute(
            Attribute::optional_computed(
                "acceptance_required",
                Type::Bool,
                "Whether each endpoint connection must be accepted by the service owner.",
            )
            .default(Value::bool(false)),
        )
        .attribute(
            Attribute::optional(
                "supported_regions",
                string_set(),
                "Other regions whose consumers may reach the service through cross-region PrivateLink (their \
                 `rdslink_consumer_endpoint` sets `service_region` to this provider's region). The service's own \
                 region always may and is not listed.",
            )
            .validate(validate_regions),
        )
        .attribute(
            Attribute::optional_computed(
                "deregistration_delay_seconds",
                Type::Number,
                "Seconds a deregistered target keeps its connections, 0-3600.",
            )
            .default(number(0))
            .validate(validate_deregistration_delay),
        )
        .attribute(
            Attribute::optional_computed(
                "terminate_connections_on_deregistration",
                Type::Bool,
                "Reset connections to a deregistered target when the delay ends, so clients of a demoted primary \
                 reconnect instead of writing to a reader.",
            )
            .default(Value::bool(true)),
        )
        .attribute(Attribute::optional("tags", Type::Map(Box::new(Type::String)), "Tags for every part."))
        .attribute(Attribute::computed(
            "tags_all",
            Type::Map(Box::new(Type::String)),
            "The tags every part carries: the provider's `default_tags` merged with `tags`.",
        ))
        .attribute(part(
            "service_name",
            Type::String,
            "The endpoint service's name, which consumers use in `aws_vpc_endpoint`.",
        ))
        .attribute(part("nlb_arn", Type::String, "ARN of the Network Load Balancer."))
        .attribute(part("nlb_dns_name", Type::String, "DNS name of the Network Load Balancer."))
        .attribute(part("target_group_arn", Type::String, "ARN of the IP target group."))
        .attribute(part("listener_arn", Type::String, "ARN of the TCP listener."))
        .attribute(part(
            "availability_zones",
            strings(),
            "Availability zones of the load balancer, sorted.",
        ))
        .attribute(Attribute::computed(
            "registered_targets",
            strings(),
            "The IPv4 addresses the target group holds, sorted. A plan never guesses them: when the resource \
             changes (or the database moved) they are `(known after apply)`, and `terraform apply` moves the \
             target group onto the database's primary of the moment it runs.",
        ))
        .attribute(Attribute::computed(
            "database_addresses",
            strings(),
            "The IPv4 addresses the database answered at the last refresh or apply, sorted. When they differ from \
             `registered_targets` (the database failed over), the plan updates the resource and warns which \
             addresses leave and which arrive. When the database cannot be discovered at refresh, the previous \
             value is kept, with a warning.",
        ))
        .attribute(Attribute::computed(
            "service_nlb_arns",
            strings(),
            "The load balancers the endpoint service hands connections to, as AWS reports them. Always planned as \
             `[nlb_arn]`: an endpoint service re-pointed outside Terraform shows as a change, and `terraform apply` \
             points it back.",
        ))
        .attribute(part(
            "connections",
            Type::List(Box::new(Type::object([
                ("vpc_endpoint_id", Type::String),
                ("owner", Type::String),
                ("state", Type::String),
            ]))),
            "The consumers' endpoints connected to the service as of the last refresh, by endpoint id: each \
             endpoint's id, its owner account and its state (`pendingAcceptance` until an \
             `rdslink_endpoint_connection` accepts it, `available`, `rejected`). Deleted endpoints are left out.",
        ))
        .attribute(sync::attribute())
        .block(NestedBlock::single("health_check", health_check))
        .block(NestedBlock::single("timeouts", timeouts)),
    )
    .version(SCHEMA_VERSION)
}

/// `name` names every part, so another name is another bundle. Only called when the prior name is
/// non-null: an imported bundle rdslink did not build has none, and naming it adopts it in place.
fn renamed(_prior: &Value, _planned: &Value) -> bool {
    true
}

/// Other subnets need another load balancer; subnets known only after apply may be other ones.
fn other_subnets(prior: &Value, planned: &Value) -> bool {
    let subnets = |value: &Value| -> Option<BTreeSet<String>> {
        let list = Field::<Set<String>>::decode(value, &AttributePath::root("subnet_ids")).ok()?;
        list.is_fully_known()
            .then(|| list.elements().into_iter().collect())
    };
    match (subnets(prior), subnets(planned)) {
        (Some(before), Some(after)) => before != after,
        _ => true,
    }
}

/// Checks that no single attribute's validator can make. Unknown values are skipped.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    selector::validate(config, diags);
    let model = match EndpointServiceModel::from_value(config) {
        Ok(Some(model)) => model,
        Ok(None) => return,
        Err(err) => {
            diags.error("Unexpected configuration", err.to_string());
            return;
        }
    };
    if let Field::Known(sync) = &model.sync
        && !sync.subnet_ids.is_unknown()
        && !sync.security_group_ids.is_unknown()
    {
        sync::validate_vpc_attachment(
            sync.subnet_ids.is_null(),
            sync.security_group_ids.is_null(),
            &AttributePath::root("sync"),
            diags,
        );
    }
    let wildcard = model
        .allowed_principals
        .elements()
        .iter()
        .any(|principal| principal == "*");
    if wildcard && model.acceptance_required.known() != Some(&true) {
        diags.error_at(
            AttributePath::root("allowed_principals"),
            "\"*\" needs acceptance_required",
            "\"*\" lets every AWS account create an endpoint to this database. rdslink accepts it only with \
             `acceptance_required = true`, so that each connection is approved by you.",
        );
    }
}

fn validate_name_attribute(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(value, path.clone(), validate_name, "Invalid name", diags);
}

fn validate_port(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_number(value, path, 1, 65535, "Invalid port", diags);
}

fn validate_vpc_id(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |v| aws_id(v, "vpc"),
        "Invalid VPC id",
        diags,
    );
}

fn validate_subnet_ids(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_id_list(value, path, "subnet", true, diags);
}

fn validate_security_group_ids(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_id_list(value, path, "sg", false, diags);
}

fn validate_regions(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    for region in value.elements().iter().filter_map(Value::as_str) {
        if let Err(reason) = rdslink_engine::validate::region(region) {
            diags.error_at(path.clone(), "Invalid region", format!("{reason}."));
        }
    }
}

fn validate_principals(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if value.elements().is_empty() {
        diags.error_at(
            path.clone(),
            "No allowed principals",
            "List at least one IAM principal ARN allowed to connect, e.g. \"arn:aws:iam::222222222222:root\".",
        );
    }
    for principal in value.elements().iter().filter_map(Value::as_str) {
        // "*" is checked with `acceptance_required` in `validate`. Sets are addressed by value, not
        // by index: the error points at the set.
        if principal == "*" {
            continue;
        }
        if let Err(reason) = principal_arn(principal) {
            diags.error_at(path.clone(), "Invalid principal", format!("{reason}."));
        }
    }
}

fn validate_interval(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_number(value, path, 5, 300, "Invalid health check", diags);
}

fn validate_threshold(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_number(value, path, 2, 10, "Invalid health check", diags);
}

fn validate_deregistration_delay(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_number(value, path, 0, 3600, "Invalid deregistration delay", diags);
}

fn validate_timeout(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |v| super::timeouts::parse(v).map(|_| ()),
        "Invalid timeout",
        diags,
    );
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
    path: &AttributePath,
    min: i64,
    max: i64,
    summary: &str,
    diags: &mut Diagnostics,
) {
    match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => {}
        _ => diags.error_at(
            path.clone(),
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
    list: &Value,
    path: &AttributePath,
    prefix: &str,
    required_non_empty: bool,
    diags: &mut Diagnostics,
) {
    let attribute = path.to_string();
    if required_non_empty && list.elements().is_empty() {
        diags.error_at(
            path.clone(),
            format!("No {prefix}s"),
            format!("List at least one {prefix} id; a load balancer needs one subnet per availability zone."),
        );
    }
    let mut seen = BTreeSet::new();
    for (index, element) in list.elements().iter().enumerate() {
        let Some(id) = element.as_str() else { continue };
        // Set elements have no index (Terraform refuses such a path): the error points at the set.
        let at = match list {
            Value::Set(_) => path.clone(),
            _ => path.clone().index(index as i64),
        };
        if let Err(reason) = aws_id(id, prefix) {
            diags.error_at(at, format!("Invalid {prefix} id"), format!("{reason}."));
        } else if !seen.insert(id) {
            diags.error_at(
                at,
                format!("Duplicate {prefix} id"),
                format!("{id:?} is listed twice in `{attribute}`."),
            );
        }
    }
}

pub mod sync;

#[cfg(test)]
mod tests;
