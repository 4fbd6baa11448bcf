//! What a sync deployment should be: [`SyncSpec`], a pure function of the resource's planned
//! state, the bundle's target group and (for a cluster) the members discovered at apply.

use std::collections::BTreeMap;
use std::time::Duration;

use rdslink_engine::DatabaseSelector;
use rdslink_engine::function_env;

use super::names::SyncNames;
use super::pattern;
use super::policy::{self, PolicyDocument, Scope, VpcAttachment};
use super::rds_subscription::RdsSource;

/// The function's runtime: an OS-only runtime for a custom `bootstrap`.
pub const RUNTIME: &str = "provided.al2023";
/// The packaged binary is a static aarch64 build (Graviton: cheaper per millisecond).
pub const ARCHITECTURE: &str = "arm64";
pub const HANDLER: &str = "bootstrap";

/// Headroom of the function's timeout over the DNS wait: discovery, the register / deregister
/// calls and their SDK retries run before and after the wait.
pub const TIMEOUT_HEADROOM_SECONDS: u32 = 60;
/// Lambda's longest timeout.
pub const MAX_TIMEOUT_SECONDS: u32 = 900;
/// The longest DNS wait whose timeout (wait + headroom) Lambda allows.
pub const MAX_DNS_WAIT_SECONDS: u32 = MAX_TIMEOUT_SECONDS - TIMEOUT_HEADROOM_SECONDS;

/// Asynchronous invocations (EventBridge, Scheduler) that fail are retried twice by Lambda;
/// with the schedule as safety net an event older than this is worth nothing (the schedule has
/// reconciled since), so it is dropped rather than queued behind the one concurrent run.
pub const MAX_EVENT_AGE_WITH_SCHEDULE_SECONDS: i32 = 900;
/// Without a schedule an event is the only trigger: keep it as long as Lambda allows (6 hours).
pub const MAX_EVENT_AGE_WITHOUT_SCHEDULE_SECONDS: i32 = 21_600;
pub const MAX_RETRY_ATTEMPTS: i32 = 2;

/// The one invocation at a time the engine's serialisation invariant needs across invocations.
pub const RESERVED_CONCURRENCY: i32 = 1;

/// The payload the schedule delivers: an EventBridge "Scheduled Event", which the function reads
/// as the periodic safety net (`rdslink-sync-lambda`'s `event` module).
pub fn schedule_input(schedule_arn_hint: &str) -> String {
    serde_json::json!({
        "version": "0",
        "id": "rdslink-schedule",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "resources": [schedule_arn_hint],
        "detail": {},
    })
    .to_string()
}

/// Who provides the function's execution role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionRole {
    /// rdslink creates `names.role` with [`policy::execution_policy`].
    Managed {
        permissions_boundary: Option<String>,
    },
    /// The user's own role (organisations that forbid creating roles): rdslink creates none.
    Provided { arn: String },
}

/// The paths RDS events take to the function (`sync.events`): neither, either or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventDelivery {
    /// An EventBridge rule on the default bus matching the database's events.
    pub eventbridge: bool,
    /// An RDS event subscription publishing to an SNS topic the function is subscribed to.
    pub sns: bool,
}

/// One endpoint service's sync deployment, fully decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSpec {
    /// The endpoint service's `name`: the ownership tag's value.
    pub owner: String,
    pub names: SyncNames,
    pub scope: Scope,
    pub target_group_arn: String,
    pub selector: DatabaseSelector,
    pub port: u16,
    /// A cluster's member instances (for the rule's pattern); empty for other selectors.
    pub cluster_members: Vec<String>,
    /// A cluster's member endpoints, written into the function's environment as a hint when its
    /// configuration is written (see [`function_env::MemberEndpoints`]); read only at apply, so
    /// empty in a spec built by refresh, and never compared for drift.
    pub member_endpoints: function_env::MemberEndpoints,
    pub dns_wait_seconds: u32,
    pub memory_size: u32,
    pub log_retention_days: u32,
    /// An EventBridge Scheduler expression; `None`: no schedule.
    pub schedule: Option<String>,
    /// How the database's RDS events reach the function.
    pub events: EventDelivery,
    /// The function's subnets and security groups; `None`: not attached to a VPC.
    pub vpc: Option<VpcAttachment>,
    pub execution_role: ExecutionRole,
    /// Every part's tags, the ownership tag included.
    pub tags: BTreeMap<String, String>,
}

impl SyncSpec {
    pub fn timeout_seconds(&self) -> u32 {
        (self.dns_wait_seconds + TIMEOUT_HEADROOM_SECONDS).min(MAX_TIMEOUT_SECONDS)
    }

    pub fn environment(&self) -> BTreeMap<String, String> {
        function_env::environment(
            &self.target_group_arn,
            &self.selector,
            self.port,
            Duration::from_secs(u64::from(self.dns_wait_seconds)),
            &self.member_endpoints,
        )
    }

    pub fn max_event_age_seconds(&self) -> i32 {
        if self.schedule.is_some() {
            MAX_EVENT_AGE_WITH_SCHEDULE_SECONDS
        } else {
            MAX_EVENT_AGE_WITHOUT_SCHEDULE_SECONDS
        }
    }

    pub fn execution_policy(&self) -> PolicyDocument {
        policy::execution_policy(
            &self.scope,
            &self.target_group_arn,
            &self.selector,
            &self.names.log_group,
            self.vpc.as_ref(),
        )
    }

    /// The rule's pattern; `None` when there is no rule (events off, or a selector naming no RDS
    /// resource whose events could be matched: a plain hostname).
    pub fn event_pattern(&self) -> Option<String> {
        if !self.events.eventbridge {
            return None;
        }
        pattern::pattern_json(&self.scope, &self.selector, &self.cluster_members)
    }

    /// The RDS source of the event subscription; `None` when there is none (SNS delivery off,
    /// or a hostname, which names no RDS resource).
    pub fn event_subscription_source(&self) -> Option<RdsSource> {
        if !self.events.sns {
            return None;
        }
        RdsSource::of(&self.selector)
    }

    pub fn topic_policy(&self) -> PolicyDocument {
        policy::topic_policy(
            &self.scope,
            &self.names.topic_arn(&self.scope),
            &self.names.event_subscription_arn(&self.scope),
        )
    }
}
