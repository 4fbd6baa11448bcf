//! The rdslink sync Lambda: the function that keeps a Network Load Balancer's target group on the
//! database's current primary, built on the shared sync engine (`rdslink-engine`).
//!
//! [`event`] turns any payload (RDS events through EventBridge or SNS, schedules, manual runs) into
//! a [`Trigger`](rdslink_engine::Trigger); [`config`] reads the function's environment;
//! [`handler`] runs one invocation, through AWS clients whose HTTPS client [`https`] builds;
//! [`metrics`] builds CloudWatch EMF lines. Only this crate writes
//! to stdout (EMF lines); `src/bin/bootstrap.rs` wires telemetry and the runtime, nothing else.

pub mod config;
pub mod event;
#[cfg(feature = "runtime")]
pub mod handler;
#[cfg(feature = "runtime")]
pub mod https;
pub mod metrics;
