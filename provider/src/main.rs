//! Serves the provider to Terraform; `--version` prints the version instead.
//!
//! Terraform starts the provider with no arguments (go-plugin's handshake is all in the
//! environment), so any argument is a person at a terminal: it is answered here and the plugin
//! server never starts.

use std::process::ExitCode;
use std::time::Duration;

use terraform_provider_rdslink::RdslinkProvider;
use terraform_provider_rdslink::version::long_version;

const USAGE: &str = "usage: terraform-provider-rdslink [--version | -v | --help | -h]

This binary is the rdslink Terraform provider. Terraform starts it itself (install it with
`terraform init`); run without arguments it serves the plugin protocol to Terraform.";

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => serve(),
        ["--version" | "-v" | "version"] => {
            println!("{}", long_version());
            ExitCode::SUCCESS
        }
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("unexpected arguments: {}\n{USAGE}", arguments.join(" "));
            ExitCode::from(2)
        }
    }
}

/// The stack of each runtime thread (a few threads: one per core).
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

fn serve() -> ExitCode {
    // An apply runs many AWS calls side by side, each a future inside the next; unoptimised
    // builds lay those out in large stack frames, which overflowed tokio's 2 MiB default.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
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
