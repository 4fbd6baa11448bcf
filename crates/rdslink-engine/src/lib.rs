//! The rdslink sync engine: which addresses should the target group point at (discovery), what
//! must change (the pure [`plan()`]), and making it so safely ([`reconcile()`]).
//!
//! Both programs use this library: the sync Lambda (`rdslink-sync-lambda`) and the Terraform
//! provider (its `rdslink_database` data source and `rdslink_endpoint_service` resource), so "what
//! should be registered" is computed one way. So are the rules both programs apply to their
//! input: which database a configuration selects ([`selector`]), the shape of names, ARNs and
//! addresses ([`validate`]), and what an AWS error means ([`aws_error`]). Nothing here prints:
//! stdout belongs to the program.
//!
//! The engine reaches AWS through two seams, [`Discover`] and [`Targets`]; the `testing` feature
//! (always on in this crate's own tests) provides a recording fake of both.

pub mod aws_error;
pub mod calls;
pub mod converge;
pub mod discovery;
pub mod error;
pub mod function_env;
pub mod https;
pub mod plan;
pub mod rds_events;
pub mod reconcile;
pub mod resolver;
pub mod selector;
pub mod targets;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod validate;

pub use calls::AwsCalls;
pub use converge::{Convergence, Recheck};
pub use discovery::{Discover, Discoverer, Discovery};
pub use error::Error;
pub use plan::{Changes, plan};
pub use reconcile::{
    DEFAULT_DNS_WAIT, Engine, PollBackoff, Report, Trigger, TriggerReason, WaitOutcome, reconcile,
};
pub use resolver::{Resolver, ResolverOptions};
pub use selector::{
    Candidate, ClusterRole, DatabaseKind, DatabaseSelector, SelectorCandidates, SelectorError,
    SelectorField, parse_selector,
};
pub use targets::{TargetGroup, Targets};
