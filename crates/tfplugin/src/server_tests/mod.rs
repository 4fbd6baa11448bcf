//! The server in-process over real mutual TLS on loopback, driven by the generated gRPC client
//! with test providers, one module per area.

mod crud;
mod harness;
mod lifecycle;
mod upgrade;
