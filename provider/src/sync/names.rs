//! The names of the sync parts, derived from the endpoint service's `name`: a part is found again
//! by its name after a lost answer or a killed apply, and two states choosing the same `name` meet
//! on these names (the bundle's ownership check refuses the second before any of them is touched).

use super::policy::Scope;

/// Prefix of every sync part's name.
pub const PREFIX: &str = "rdslink-sync-";

/// The inline policy of the function's role (and of the scheduler's role).
pub const POLICY_NAME: &str = "rdslink-sync";

/// The id of the function among the rule's targets.
pub const RULE_TARGET_ID: &str = "rdslink-sync";

/// The statement id of the function's resource policy that lets the rule invoke it.
pub const EVENTS_PERMISSION_SID: &str = "rdslink-events";

/// The statement id of the function's resource policy that lets the SNS topic invoke it.
pub const SNS_PERMISSION_SID: &str = "rdslink-sns";

/// The names of one endpoint service's sync parts. With `name` at most 24 characters every name
/// fits AWS's limits (functions, roles and rules: 64; schedules: 64; log groups: 512).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncNames {
    /// The function `rdslink-sync-<name>`.
    pub function: String,
    /// The function's execution role (same name as the function).
    pub role: String,
    /// The role EventBridge Scheduler assumes to invoke the function.
    pub scheduler_role: String,
    /// `/aws/lambda/<function>`: where Lambda writes the function's logs by default.
    pub log_group: String,
    /// The EventBridge rule on the database's RDS events (default event bus).
    pub rule: String,
    /// The EventBridge Scheduler schedule (default schedule group).
    pub schedule: String,
    /// The SNS topic RDS publishes the database's events to (`events = "sns"`).
    pub topic: String,
    /// The RDS event subscription publishing to the topic.
    pub event_subscription: String,
}

impl SyncNames {
    pub fn of(name: &str) -> Self {
        let function = format!("{PREFIX}{name}");
        SyncNames {
            role: function.clone(),
            scheduler_role: format!("{function}-scheduler"),
            log_group: format!("/aws/lambda/{function}"),
            rule: function.clone(),
            schedule: function.clone(),
            topic: function.clone(),
            event_subscription: function.clone(),
            function,
        }
    }
}

impl SyncNames {
    /// The ARNs of the parts: derived, so that a plan knows them without asking AWS.
    pub fn function_arn(&self, scope: &Scope) -> String {
        scope.arn("lambda", &format!("function:{}", self.function))
    }

    /// The execution role rdslink manages (IAM ARNs name no region).
    pub fn managed_role_arn(&self, scope: &Scope) -> String {
        format!(
            "arn:{}:iam::{}:role/{}",
            scope.partition, scope.account_id, self.role
        )
    }

    pub fn rule_arn(&self, scope: &Scope) -> String {
        scope.arn("events", &format!("rule/{}", self.rule))
    }

    pub fn topic_arn(&self, scope: &Scope) -> String {
        scope.arn("sns", &self.topic)
    }

    pub fn event_subscription_arn(&self, scope: &Scope) -> String {
        scope.arn("rds", &format!("es:{}", self.event_subscription))
    }

    /// The schedule, in the default schedule group.
    pub fn schedule_arn(&self, scope: &Scope) -> String {
        scope.arn("scheduler", &format!("schedule/default/{}", self.schedule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_name_fits_every_limit() {
        let names = SyncNames::of(&"a".repeat(crate::endpoint_service::aws::MAX_NAME_LEN));
        for part in [
            &names.function,
            &names.role,
            &names.scheduler_role,
            &names.rule,
            &names.schedule,
            &names.topic,
            &names.event_subscription,
        ] {
            // SNS topics allow 256 characters, RDS event subscriptions 255.
            assert!(part.len() <= 64, "{part} is longer than 64");
        }
        assert_eq!(names.log_group, format!("/aws/lambda/{}", names.function));
    }
}
