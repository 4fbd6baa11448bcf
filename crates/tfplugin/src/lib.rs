//! The plugin layer: everything Terraform's plugin protocol needs, and nothing about AWS.
//!
//! - launch and handshake ([`handshake`]): go-plugin's environment contract and the one line
//!   announced on stdout;
//! - transport ([`tls`], `server`): AutoMTLS that serves only Terraform's own certificate, tonic
//!   over rustls, go-plugin's controller/stdio/broker/health services;
//! - data ([`value`], [`schema`], [`diag`]): Terraform values (cty msgpack/JSON), declarative
//!   schemas and diagnostics;
//! - the provider-facing API ([`provider`], [`crud`], [`plan`], [`validate`], [`upgrade`]):
//!   traits for the provider, its data sources and resources (raw, or as create/read/update/
//!   delete through [`crud::resource`]), the generic plan and validate steps that apply the
//!   schema's declarative attribute behaviour, state upgrades, and the stop-aware [`Context`];
//! - [`logging`]: hclog-shaped JSON lines on stderr.
//!
//! Resources and data sources see only [`Value`], [`Schema`], [`Diagnostics`] and [`Context`];
//! gRPC and msgpack stay in here.

mod catalog;
pub mod crud;
pub mod diag;
mod go_plugin;
pub mod handshake;
pub mod logging;
pub mod plan;
/// The generated protocol types; public (with client stubs) for tests only.
#[cfg(any(test, feature = "testing"))]
pub mod proto;
#[cfg(not(any(test, feature = "testing")))]
pub(crate) mod proto;
pub mod provider;
pub mod schema;
mod server;
mod service;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tls;
pub mod upgrade;
pub mod validate;
pub mod value;
mod walk;
mod wire;

pub use crud::{Crud, PlannedChange, resource};
pub use diag::{AttributePath, Diagnostic, Diagnostics, Severity};
pub use provider::{
    ApplyRequest, ApplyResponse, Context, DataSource, PlanRequest, PlanResponse, Provider,
    ReadRequest, ReadResponse, Resource, StopHandle, Stopped,
};
pub use schema::{
    Attribute, AttributeType, Block, Mode, NestedBlock, Nesting, ReplaceIfFn, RequiresReplace,
    Schema, ValidateFn,
};
pub use server::{ServeError, ServeOptions, serve, serve_with};
pub use value::{Number, Type, Value};

#[cfg(test)]
mod server_tests;
