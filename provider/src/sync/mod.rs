//! The sync Lambda's deployment: its code, embedded in the provider ([`code`]), and the AWS
//! parts that run it for one endpoint service. Nothing here knows Terraform: the resource's glue
//! (`crate::endpoint_service::sync`) maps the `sync` attribute onto a [`SyncSpec`] and the
//! results back.
//!
//! | part | name | owned when |
//! |---|---|---|
//! | log group ([`logs`]) | `/aws/lambda/rdslink-sync-<name>` | tagged with the ownership tag |
//! | execution role ([`iam`], [`policy`]) | `rdslink-sync-<name>` | tagged |
//! | function ([`function`]) | `rdslink-sync-<name>` | tagged |
//! | EventBridge rule ([`rule`], [`pattern`]) | `rdslink-sync-<name>` | tagged |
//! | SNS topic ([`topic`]) and the function's subscription to it | `rdslink-sync-<name>` | the topic is tagged |
//! | RDS event subscription ([`rds_subscription`]) | `rdslink-sync-<name>` | tagged |
//! | scheduler role | `rdslink-sync-<name>-scheduler` | tagged |
//! | schedule ([`schedule`]) | `rdslink-sync-<name>` | it invokes the function (schedules have no tags) |
//!
//! [`deploy`] runs them: `ensure` (create or correct, level-triggered), `observe` (read back and
//! say what drifted) and `remove` (dependency order, tolerant of parts already gone).

pub mod code;
pub mod deploy;
pub mod error;
pub mod function;
pub mod iam;
pub mod logs;
pub mod names;
pub mod ownership;
pub mod pattern;
pub mod policy;
pub mod rds_subscription;
pub mod rule;
pub mod schedule;
pub mod spec;
pub mod topic;

pub use deploy::{Deployed, Observation, ensure, observe, remove};
pub use error::{SyncError, SyncPart};
pub use names::SyncNames;
pub use ownership::Owner;
pub use spec::{EventDelivery, ExecutionRole, SyncSpec};
