//! Serves the provider to Terraform; nothing else.

use std::process::ExitCode;
use std::time::Duration;

use terraform_provider_rdslink::RdslinkProvider;

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
    let outcome = runtime.block_on(tfplugin::serve(RdslinkProvider::new()));
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
