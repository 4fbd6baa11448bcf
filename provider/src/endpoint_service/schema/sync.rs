//! The `sync` attribute: the sync Lambda's settings, each with its default, and the parts the
//! provider deploys (computed). Left out, sync is on with every default.

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::{Attribute, AttributeType};
use tfplugin::value::{Type, Value};

use crate::settings::check_string;
use crate::sync::spec::MAX_DNS_WAIT_SECONDS;
use crate::validate;

pub const DEFAULT_ENABLED: bool = true;
pub const DEFAULT_EVENTS: &str = "eventbridge";
pub const DEFAULT_SCHEDULE: &str = "rate(1 minute)";
/// `schedule = "off"`: no schedule.
pub const SCHEDULE_OFF: &str = "off";
pub const DEFAULT_DNS_WAIT_SECONDS: i64 = 90;
pub const DEFAULT_MEMORY_SIZE: i64 = 128;
pub const DEFAULT_LOG_RETENTION_DAYS: i64 = 30;

/// `events = "sns"`: an RDS event subscription publishing to an SNS topic.
pub const EVENTS_SNS: &str = "sns";
/// `events = "both"`: the EventBridge rule and the SNS path.
pub const EVENTS_BOTH: &str = "both";
pub const EVENTS_OFF: &str = "off";

/// The delivery modes of RDS events.
pub const EVENTS_MODES: &[&str] = &[DEFAULT_EVENTS, EVENTS_SNS, EVENTS_BOTH, EVENTS_OFF];

/// CloudWatch Logs' allowed retention periods (PutRetentionPolicy).
pub const LOG_RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

fn computed(name: &str, description: &str) -> Attribute {
    Attribute::computed(name, Type::String, description)
}

pub fn attribute() -> Attribute {
    let settings = [
        Attribute::optional_computed(
            "enabled",
            Type::Bool,
            "Deploy the sync Lambda. `false` removes the function and its wiring and leaves the load balancer alone.",
        )
        .default(Value::bool(DEFAULT_ENABLED)),
        Attribute::optional_computed(
            "events",
            Type::String,
            "How RDS events reach the function: `eventbridge` (an EventBridge rule on the default bus matching this \
             database's address-changing events and nothing else), `sns` (an RDS event subscription for the database \
             publishing its address-changing event categories to an SNS topic the function is subscribed to, as the AWS \
             sample does; RDS allows 20 event subscriptions per account by default), `both`, or `off` (the schedule \
             alone). A database named by `endpoint` only has no RDS events: nothing is deployed for them.",
        )
        .default(Value::string(DEFAULT_EVENTS))
        .validate(validate_events),
        Attribute::optional_computed(
            "schedule",
            Type::String,
            "An EventBridge Scheduler expression (`rate(...)` or `cron(...)`) invoking the function as the safety net \
             for lost or late events, or `off`.",
        )
        .default(Value::string(DEFAULT_SCHEDULE))
        .validate(validate_schedule),
        Attribute::optional_computed(
            "dns_wait_seconds",
            Type::Number,
            format!(
                "After an address-changing event, how long the function waits for the database's DNS to move, \
                 0-{MAX_DNS_WAIT_SECONDS}. The function's timeout is this plus 60 seconds."
            ),
        )
        .default(Value::number(DEFAULT_DNS_WAIT_SECONDS))
        .validate(validate_dns_wait),
        Attribute::optional_computed("memory_size", Type::Number, "The function's memory in MB, 128-10240.")
            .default(Value::number(DEFAULT_MEMORY_SIZE))
            .validate(validate_memory),
        Attribute::optional_computed(
            "log_retention_days",
            Type::Number,
            "Days the function's log group keeps logs: one of CloudWatch Logs' periods (1, 3, 5, 7, 14, 30, 60, 90, \
             ...).",
        )
        .default(Value::number(DEFAULT_LOG_RETENTION_DAYS))
        .validate(validate_retention),
        Attribute::optional(
            "permissions_boundary",
            Type::String,
            "ARN of an IAM permissions boundary for the roles rdslink creates.",
        )
        .validate(validate_policy_arn),
        Attribute::optional_computed(
            "role_arn",
            Type::String,
            "The function's execution role. Set it to bring your own role (organisations that forbid creating IAM \
             roles): then rdslink creates no execution role, and the role needs the permissions listed in the \
             documentation. Unset: the role `rdslink-sync-<name>` that rdslink creates.",
        )
        .validate(validate_role_arn),
        Attribute::optional(
            "subnet_ids",
            Type::Set(Box::new(Type::String)),
            "Attach the function to these subnets, only when the database's endpoint does not resolve or answer from \
             outside the VPC. The subnets need a route to the ELB and RDS APIs (a NAT gateway or VPC endpoints). Set \
             together with `security_group_ids`.",
        )
        .validate(validate_vpc_subnets),
        Attribute::optional(
            "security_group_ids",
            Type::Set(Box::new(Type::String)),
            "The function's security groups when it is attached to a VPC (`subnet_ids`).",
        )
        .validate(validate_vpc_security_groups),
    ];
    let outputs = [
        computed(
            "function_name",
            "The function's name, `rdslink-sync-<name>`.",
        ),
        computed("function_arn", "The function's ARN."),
        computed(
            "code_sha256",
            "The SHA-256 (base64) of the function's code. Planned as the code embedded in this provider version, so a \
             provider upgrade shows the code update.",
        ),
        computed(
            "log_group_name",
            "The function's log group, `/aws/lambda/<function_name>`.",
        ),
        computed(
            "event_rule_arn",
            "The EventBridge rule delivering the database's events; null without one.",
        ),
        computed(
            "sns_topic_arn",
            "The SNS topic RDS publishes the database's events to; null unless `events` is `sns` or `both`.",
        ),
        computed(
            "event_subscription_arn",
            "The RDS event subscription publishing to the topic; null unless `events` is `sns` or `both`.",
        ),
        computed(
            "schedule_arn",
            "The EventBridge Scheduler schedule; null when `schedule` is `off`.",
        ),
        Attribute::computed(
            "drift",
            Type::List(Box::new(Type::String)),
            "What refresh found different from this configuration in the deployed parts (a function deleted, its \
             environment or reserved concurrency changed, a disabled rule, ...). Planned empty, so any drift shows as \
             an update that `terraform apply` repairs.",
        ),
    ];
    Attribute::optional_computed(
        "sync",
        AttributeType::single(settings.into_iter().chain(outputs)),
        "The sync Lambda that keeps the target group on the database's primary after a failover, without \
         `terraform apply`: the function (its code is embedded in this provider), its IAM role, its log group, an \
         EventBridge rule on the database's RDS events and a schedule. Left out: deployed with every default.",
    )
}

fn validate_vpc_subnets(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if !value.is_null() {
        super::check_id_list(value, path, "subnet", true, diags);
    }
}

fn validate_vpc_security_groups(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if !value.is_null() {
        super::check_id_list(value, path, "sg", true, diags);
    }
}

/// Lambda attaches a function to a VPC only with both its subnets and its security groups.
pub fn validate_vpc_attachment(
    no_subnets: bool,
    no_security_groups: bool,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    let (subnets, groups) = (!no_subnets, !no_security_groups);
    if subnets != groups {
        let (set, missing) = if subnets {
            ("subnet_ids", "security_group_ids")
        } else {
            ("security_group_ids", "subnet_ids")
        };
        diags.error_at(
            path.clone().attribute(missing),
            format!("Missing {missing}"),
            format!("`sync.{set}` attaches the function to a VPC, which Lambda does only with both `subnet_ids` and `security_group_ids`; set `sync.{missing}` too, or neither."),
        );
    }
}

fn validate_events(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(value, path.clone(), events_mode, "Invalid events", diags);
}

pub fn events_mode(value: &str) -> Result<(), String> {
    if EVENTS_MODES.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not one of {}",
            EVENTS_MODES.join(", ")
        ))
    }
}

fn validate_schedule(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        schedule_expression,
        "Invalid schedule",
        diags,
    );
}

/// `off`, `rate(<n> <unit>)` with the unit EventBridge Scheduler takes (singular for 1), or
/// `cron(<six fields>)`; `at(...)` (one run) is no safety net and is refused.
pub fn schedule_expression(value: &str) -> Result<(), String> {
    if value == SCHEDULE_OFF {
        return Ok(());
    }
    if let Some(rate) = value
        .strip_prefix("rate(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let mut words = rate.split(' ');
        let (Some(count), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("{value:?} is not rate(<number> <unit>)"));
        };
        let count: u32 = count
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{value:?}: the rate must be a whole number above 0"))?;
        let units: &[&str] = if count == 1 {
            &["minute", "hour", "day"]
        } else {
            &["minutes", "hours", "days"]
        };
        if !units.contains(&unit) {
            return Err(format!(
                "{value:?}: the unit must be one of {}",
                units.join(", ")
            ));
        }
        return Ok(());
    }
    if let Some(fields) = value
        .strip_prefix("cron(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        if fields.split_whitespace().count() == 6 {
            return Ok(());
        }
        return Err(format!("{value:?}: a cron expression has six fields"));
    }
    Err(format!("{value:?} is not `off`, rate(...) or cron(...)"))
}

fn check_range(
    value: &Value,
    path: &AttributePath,
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
            path.clone(),
            summary,
            format!("The value is outside {min}-{max} (or not a whole number)."),
        ),
    }
}

fn validate_dns_wait(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_range(
        value,
        path,
        0,
        i64::from(MAX_DNS_WAIT_SECONDS),
        "Invalid DNS wait",
        diags,
    );
}

fn validate_memory(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_range(value, path, 128, 10240, "Invalid memory size", diags);
}

fn validate_retention(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if let Some(days) = value.as_i64()
        && !LOG_RETENTION_DAYS.contains(&days)
    {
        diags.error_at(
            path.clone(),
            "Invalid log retention",
            format!("{days} is not a retention CloudWatch Logs allows; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ..."),
        );
    }
}

fn validate_policy_arn(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |text| iam_arn(text, "policy/"),
        "Invalid permissions boundary",
        diags,
    );
}

fn validate_role_arn(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    check_string(
        value,
        path.clone(),
        |text| iam_arn(text, "role/"),
        "Invalid role ARN",
        diags,
    );
}

fn iam_arn(value: &str, kind: &str) -> Result<(), String> {
    let arn = validate::Arn::parse(value)?;
    if arn.service != "iam" || arn.resource.strip_prefix(kind).is_none_or(str::is_empty) {
        return Err(format!(
            "{value:?} is not an IAM {} ARN (arn:aws:iam::ACCOUNT:{kind}NAME)",
            kind.trim_end_matches('/')
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_eventbridge_scheduler_takes_are_accepted() {
        for ok in [
            "off",
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "cron(0/5 * * * ? *)",
        ] {
            assert_eq!(schedule_expression(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "rate(1 minutes)",
            "rate(0 minutes)",
            "rate(5 minute)",
            "rate(x minutes)",
            "cron(* * *)",
            "at(2026-01-01T00:00:00)",
            "every minute",
        ] {
            assert!(schedule_expression(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_deployable_event_modes_are_accepted() {
        assert_eq!(events_mode("eventbridge"), Ok(()));
        assert_eq!(events_mode("off"), Ok(()));
        assert_eq!(events_mode("sns"), Ok(()));
        assert_eq!(events_mode("both"), Ok(()));
        assert!(events_mode("sqs").is_err());
    }

    #[test]
    fn role_and_boundary_arns_are_iam_arns_of_their_kind() {
        assert_eq!(
            iam_arn("arn:aws:iam::111111111111:role/sync", "role/"),
            Ok(())
        );
        assert_eq!(
            iam_arn("arn:aws:iam::111111111111:policy/boundary", "policy/"),
            Ok(())
        );
        assert!(iam_arn("arn:aws:iam::111111111111:policy/boundary", "role/").is_err());
        assert!(iam_arn("arn:aws:s3:::bucket", "role/").is_err());
    }
}
