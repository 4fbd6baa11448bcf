//! The rdslink sync engine: which addresses should the target group point at (discovery), what
//! must change (the pure [`plan`]), and making it so safely ([`reconcile`]).
//!
//! Both programs use this library: the sync Lambda (`rdslink-sync-lambda`) and the Terraform
//! provider (its `rdslink_database` data source and `rdslink_endpoint_service` resource), so "what
//! should be registered" is computed one way. Nothing here prints: stdout belongs to the program.

pub mod calls;
pub mod discovery;
pub mod error;
pub mod plan;
pub mod reconcile;
pub mod resolver;
pub mod targets;

pub use calls::AwsCalls;
pub use discovery::{ClusterRole, DatabaseKind, DatabaseSelector, Discoverer, Discovery};
pub use error::Error;
pub use plan::{Changes, plan};
pub use reconcile::{
    DEFAULT_DNS_WAIT, Engine, PollBackoff, Report, Trigger, TriggerReason, WaitOutcome, reconcile,
};
pub use resolver::{Resolver, ResolverOptions};
pub use targets::TargetGroup;
