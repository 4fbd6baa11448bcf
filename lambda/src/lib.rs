//! The rdslink sync engine: which addresses should the target group point at (discovery), what
//! must change (the pure [`plan`]), and making it so safely ([`reconcile`]).
//!
//! The Lambda (`src/bin/bootstrap.rs`) and the Terraform provider's `rdslink_database` data
//! source use this library, so "what should be registered" is computed one way.

pub mod config;
pub mod discovery;
pub mod error;
pub mod event;
#[cfg(feature = "runtime")]
pub mod handler;
pub mod metrics;
pub mod plan;
pub mod reconcile;
pub mod resolver;
pub mod targets;

pub use discovery::{ClusterRole, DatabaseKind, DatabaseSelector, Discoverer, Discovery};
pub use error::Error;
pub use metrics::AwsCalls;
pub use plan::{Changes, plan};
pub use reconcile::{
    DEFAULT_DNS_WAIT, Engine, PollBackoff, Report, Trigger, TriggerReason, WaitOutcome, reconcile,
};
pub use resolver::{Resolver, ResolverOptions};
pub use targets::TargetGroup;
