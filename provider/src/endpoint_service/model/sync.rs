//! The `sync` attribute's typed model: the sync Lambda's settings and the parts it is made of.

use tfplugin::diag::AttributePath;
use tfplugin::value::Value;

use crate::field::{self, Convert, Field, List, ModelError, Set};

/// `sync = { ... }`: what the user sets (every setting has a default, so the attribute may be
/// left out) and what the provider computes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncModel {
    pub enabled: Field<bool>,
    pub events: Field<String>,
    pub schedule: Field<String>,
    pub dns_wait_seconds: Field<i64>,
    pub memory_size: Field<i64>,
    pub log_retention_days: Field<i64>,
    pub permissions_boundary: Field<String>,
    /// Set: the user's own execution role. Computed otherwise: the role rdslink manages.
    pub role_arn: Field<String>,
    /// Set: the function is attached to these subnets (with `security_group_ids`).
    pub subnet_ids: Field<Set<String>>,
    pub security_group_ids: Field<Set<String>>,
    pub function_name: Field<String>,
    pub function_arn: Field<String>,
    pub code_sha256: Field<String>,
    pub log_group_name: Field<String>,
    pub event_rule_arn: Field<String>,
    pub sns_topic_arn: Field<String>,
    pub event_subscription_arn: Field<String>,
    pub schedule_arn: Field<String>,
    /// What refresh found different in the deployed parts; planned empty.
    pub drift: Field<List<String>>,
}

impl SyncModel {
    /// The computed attributes all set to `value` (null when sync is off, unknown when it is not
    /// known yet what will be deployed).
    pub fn with_outputs(
        mut self,
        value: impl Fn() -> Field<String>,
        drift: Field<List<String>>,
    ) -> Self {
        self.function_name = value();
        self.function_arn = value();
        self.code_sha256 = value();
        self.log_group_name = value();
        self.event_rule_arn = value();
        self.sns_topic_arn = value();
        self.event_subscription_arn = value();
        self.schedule_arn = value();
        self.drift = drift;
        self
    }
}

impl Convert for SyncModel {
    fn decode(value: &Value, path: &AttributePath) -> Result<Self, ModelError> {
        let object = field::Object::new(value, path)?;
        Ok(SyncModel {
            enabled: object.field("enabled")?,
            events: object.field("events")?,
            schedule: object.field("schedule")?,
            dns_wait_seconds: object.field("dns_wait_seconds")?,
            memory_size: object.field("memory_size")?,
            log_retention_days: object.field("log_retention_days")?,
            permissions_boundary: object.field("permissions_boundary")?,
            role_arn: object.field("role_arn")?,
            subnet_ids: object.field("subnet_ids")?,
            security_group_ids: object.field("security_group_ids")?,
            function_name: object.field("function_name")?,
            function_arn: object.field("function_arn")?,
            code_sha256: object.field("code_sha256")?,
            log_group_name: object.field("log_group_name")?,
            event_rule_arn: object.field("event_rule_arn")?,
            sns_topic_arn: object.field("sns_topic_arn")?,
            event_subscription_arn: object.field("event_subscription_arn")?,
            schedule_arn: object.field("schedule_arn")?,
            drift: object.field("drift")?,
        })
    }

    fn encode(&self) -> Value {
        Value::object([
            ("enabled", self.enabled.encode()),
            ("events", self.events.encode()),
            ("schedule", self.schedule.encode()),
            ("dns_wait_seconds", self.dns_wait_seconds.encode()),
            ("memory_size", self.memory_size.encode()),
            ("log_retention_days", self.log_retention_days.encode()),
            ("permissions_boundary", self.permissions_boundary.encode()),
            ("role_arn", self.role_arn.encode()),
            ("subnet_ids", self.subnet_ids.encode()),
            ("security_group_ids", self.security_group_ids.encode()),
            ("function_name", self.function_name.encode()),
            ("function_arn", self.function_arn.encode()),
            ("code_sha256", self.code_sha256.encode()),
            ("log_group_name", self.log_group_name.encode()),
            ("event_rule_arn", self.event_rule_arn.encode()),
            ("sns_topic_arn", self.sns_topic_arn.encode()),
            (
                "event_subscription_arn",
                self.event_subscription_arn.encode(),
            ),
            ("schedule_arn", self.schedule_arn.encode()),
            ("drift", self.drift.encode()),
        ])
    }
}
