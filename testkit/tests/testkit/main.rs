//! The testkit's own tests: one binary, a module per area. The moto-backed ones use the project venv
//! (`make venv`) or the server `make test` started.

mod accounts;
mod aws_sample;
mod bootstrap;
mod dns;
mod event_patterns;
mod fault_proxy;
mod moto;
mod privatelink;
mod resolve;
mod seeds;
mod sync_services;
