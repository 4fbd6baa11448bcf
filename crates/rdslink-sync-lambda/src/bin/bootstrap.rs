//! The sync Lambda's entry point: JSON logs, one-time initialisation, then the runtime loop.
//! Everything else lives in `rdslink_sync_lambda::handler`.

use std::process::ExitCode;

use lambda_runtime::{LambdaEvent, service_fn};
use rdslink_sync_lambda::handler::{self, Function};
use serde_json::Value;
use tracing_subscriber::EnvFilter;

// One thread: an invocation is one sequential reconcile, and Lambda serves one invocation at a
// time per execution environment (128 MB gets a fraction of a vCPU). Worker threads would only
// add start-up time and memory.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    init_logging();
    let function = match Function::from_env().await {
        Ok(function) => function,
        Err(error) => {
            tracing::error!(error_type = error.error_type(), "{error}");
            handler::report_init_error(&error).await;
            return ExitCode::FAILURE;
        }
    };
    let function = &function;
    // Boxed: the handler's future (reconcile, the SDK, DNS) nested in the runtime's layers is
    // deeper than rustc's default layout query limit.
    let result = lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        Box::pin(handler::handle(function, event.payload))
    }))
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "the Lambda runtime loop stopped");
            ExitCode::FAILURE
        }
    }
}

/// One JSON object per line on stdout, which CloudWatch Logs indexes. The level comes from
/// `RUST_LOG`, else Lambda's `AWS_LAMBDA_LOG_LEVEL` (set by the function's logging config),
/// else `info`.
fn init_logging() {
    let filter = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL"))
        .map(|level| level.to_ascii_lowercase())
        .unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(false)
        .with_span_list(true)
        .flatten_event(true)
        .with_target(false)
        .with_writer(std::io::stdout)
        .init();
}
