//! Serves the provider to Terraform; nothing else.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use terraform_provider_rdslink::plugin::{
    self, Block, Context, DataSource, Diagnostics, Provider, Resource, Schema, Value,
};

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(plugin::serve(PlaceholderProvider));
    // Work still running after shutdown (e.g. a blocked DNS lookup) must not delay the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// Stands in for the rdslink provider until it lands: an empty provider that makes the
/// protocol work end to end.
struct PlaceholderProvider;

#[async_trait]
impl Provider for PlaceholderProvider {
    fn type_name(&self) -> &'static str {
        "rdslink"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block::new(
            "Private, failover-proof access to Amazon RDS through AWS PrivateLink.",
        ))
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        Vec::new()
    }

    async fn configure(&self, _config: &Value, _ctx: &Context, _diags: &mut Diagnostics) {}
}
