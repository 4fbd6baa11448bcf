//! The sync engine against the local AWS (moto) and a loopback DNS server whose answers the tests
//! change: discovery, reconcile (failovers, waits, failures, concurrency) and measurements.
//!
//! Every test has its own emulated account and its own DNS server, so tests run in parallel.

#[path = "engine/concurrency.rs"]
mod concurrency;
#[path = "engine/discovery.rs"]
mod discovery;
#[path = "engine/measure.rs"]
mod measure;
#[path = "engine/reconcile.rs"]
mod reconcile;
#[path = "engine/support.rs"]
mod support;
