//! The local AWS (moto) and loopback DNS for rdslink's tests and demo.
//!
//! - [`moto()`]: the one emulator of a test process (or of a whole `make test` run).
//! - [`fresh_account()`]: an isolated emulated account per test, reached through `sts:AssumeRole`.
//! - [`DnsServer`] / [`SilentDns`]: authoritative loopback DNS whose answers tests change, and a
//!   nameserver that never answers.
//! - [`seed`]: databases, proxies and target groups in an account, with DNS pointed at fake IPs.
//! - [`aws_sample`]: the AWS sample's stack (NLB, target group, endpoint service, Python function and
//!   its SNS wiring), built as its CloudFormation template builds it: where the migration guide starts.
//! - [`fault_proxy`]: a proxy in front of moto that throttles, fails, delays or drops AWS calls by
//!   plan, and logs and times every call (safety tests and performance benchmarks).
//! - [`runtime_api`] and [`bootstrap`]: a Lambda Runtime API emulator, and a `bootstrap` executable
//!   run against it with the environment Lambda would give it; [`python_function`]: a Python
//!   function (the AWS sample's, the benchmarks' baseline) run the same way.
//! - [`event_pattern_matches()`]: EventBridge's verdict on an event pattern and an event.
//!
//! ```no_run
//! # async fn example() {
//! use rdslink_testkit::{DnsServer, fresh_account, seed};
//!
//! let account = fresh_account().await;
//! let dns = DnsServer::start().await;
//! let cluster = seed::aurora_cluster(&account, &dns, "orders", 2).await;
//! let new_writer = seed::failover_cluster(&account, &cluster, None).await;
//! seed::point_writer_dns(&dns, &cluster, &new_writer);
//! # }
//! ```
//!
//! Setup failures panic with a message saying what to do (e.g. run `make venv`): these helpers
//! serve tests, where a broken environment should stop the test at once.
//!
//! # Where moto comes from
//! `make test` starts one server for the whole run (`testkit/scripts/with-moto`) and exports
//! [`MOTO_ENDPOINT_ENV`] (`RDSLINK_MOTO_ENDPOINT`). A plain `cargo test` has no such variable:
//! each test process then starts its own server from the project venv (`make venv` creates it) and
//! that server stops when the process exits, whatever way it exits.
//!
//! # Runtimes
//! [`DnsServer`] and [`SilentDns`] run on the Tokio runtime that started them and stop when
//! dropped; an [`Account`]'s HTTP connections belong to the runtime that first used them. Create
//! them inside each `#[tokio::test]` rather than sharing them between tests.

mod account;
pub mod aws_sample;
pub mod bootstrap;
mod dns;
mod error;
mod event_pattern;
pub mod fault_proxy;
mod http;
mod moto;
pub mod python_function;
pub mod runtime_api;
pub mod seed;

pub use account::{
    Account, REGION, ROLE_NAME, STATIC_ACCESS_KEY_ID, STATIC_SECRET_ACCESS_KEY, fresh_account,
    static_config,
};
pub use dns::{DnsServer, SilentDns};
pub use event_pattern::event_pattern_matches;
pub use moto::{MOTO_ENDPOINT_ENV, Moto, moto};
