//! What every RPC handler shares: decoding and encoding values with diagnostics, the standard
//! error diagnostics, and the tracing span around each request.

use std::future::Future;
use std::time::Instant;

use tonic::Status;
use tracing::Instrument as _;

use crate::diag::{Diagnostic, Diagnostics};
use crate::proto::tfplugin6 as pb;
use crate::value::{Type, Value, ValueError};
use crate::wire;

pub(super) fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

pub(super) fn unknown_type(kind: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}."),
    )
}

pub(super) fn stopped(operation: &str) -> Diagnostic {
    Diagnostic::error(
        "The provider was stopped",
        format!(
            "{operation} was cancelled because Terraform asked the provider to stop (e.g. \
             Ctrl-C). Real-world objects may have been partly changed; run terraform plan to \
             see where things stand."
        ),
    )
}

pub(super) fn no_result(operation: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{operation} returned no result"),
        "The provider returned neither a result nor an error. This is a bug in the provider.",
    )
}

/// Decodes a request value; a failure becomes an error diagnostic at the offending attribute.
pub(super) fn decode(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    wire::decode(value, ty)
        .map_err(|error| diags.push(invalid_value(&format!("Invalid {what}"), error)))
        .ok()
}

/// Encodes a response value; a failure (the resource returned something its schema does not
/// allow) becomes an error diagnostic.
pub(super) fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    wire::encode(value, ty)
        .map_err(|error| {
            let mut diagnostic =
                invalid_value(&format!("Provider produced an invalid {what}"), error);
            diagnostic
                .detail
                .push_str(". This is a bug in the provider.");
            diags.push(diagnostic);
        })
        .ok()
}

pub(super) fn invalid_value(summary: &str, error: ValueError) -> Diagnostic {
    let diagnostic = Diagnostic::error(summary, error.reason().to_string());
    if error.path.is_empty() {
        diagnostic
    } else {
        diagnostic.at(error.path)
    }
}

/// Runs a handler inside a span naming the RPC, logging its start and duration.
pub(super) async fn traced<T>(
    rpc: &'static str,
    type_name: &str,
    handler: impl Future<Output = T>,
) -> T {
    // At ERROR level the span is enabled whenever logging is, so even warnings carry its fields.
    let span = tracing::error_span!("rpc", tf_rpc = rpc, tf_type_name = type_name);
    async move {
        let started = Instant::now();
        tracing::debug!("Received request");
        let output = handler.await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(tf_req_duration_ms = elapsed_ms, "Served request");
        output
    }
    .instrument(span)
    .await
}

pub(super) fn only_unknown_type(kind: &str, name: &str) -> Vec<pb::Diagnostic> {
    wire::diagnostics(std::iter::once(unknown_type(kind, name)).collect())
}

pub(super) fn no_state_stores() -> Status {
    Status::unimplemented("this provider has no state stores")
}
