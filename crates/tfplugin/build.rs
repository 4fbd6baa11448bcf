//! Compiles the vendored Terraform plugin protocol (tfplugin6) and go-plugin service definitions.
//!
//! protox is a pure-Rust protobuf compiler, so building needs no `protoc` on the machine; the
//! well-known `google/protobuf/*.proto` files (timestamp, empty) are bundled with it. Server stubs
//! are what the provider serves; the client stubs exist only for tests (`cfg(test)` or the
//! `testing` feature), so the shipped binary carries no gRPC client.

use std::error::Error;

const PROTO_DIR: &str = "proto";
const PROTOS: [&str; 4] = [
    "tfplugin6.proto",
    "grpc_controller.proto",
    "grpc_stdio.proto",
    "grpc_broker.proto",
];
const TEST_ONLY: &str = r#"#[cfg(any(test, feature = "testing"))]"#;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed={PROTO_DIR}");
    let descriptors = protox::compile(PROTOS, [PROTO_DIR])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .client_mod_attribute(".", TEST_ONLY)
        .compile_fds(descriptors)?;
    Ok(())
}
