//! A Python Lambda function run as a Lambda process under the same
//! [`RuntimeApi`](crate::runtime_api::RuntimeApi) emulator as rdslink's `bootstrap`: the AWS
//! sample's sync function (`fixtures/aws-sample/index.py`, the Python 3.9 Lambda of the sample's
//! CloudFormation template, MIT-0) is the baseline of the sync Lambda's benchmarks.
//!
//! The function runs under `fixtures/python-runtime/runtime.py`, a standard-library custom runtime
//! loop (see its docstring), with the project venv's Python (boto3 comes with moto). Its AWS
//! calls go where `AWS_ENDPOINT_URL` says ([`bootstrap::aws_environment`] gives moto's; point it
//! at a [`FaultProxy`](crate::fault_proxy::FaultProxy) to count them), and its DNS lookups go to
//! the nameserver given, e.g. the test's [`DnsServer`](crate::DnsServer).
//!
//! The sample is a handler that ignores its event: it resolves the cluster endpoint, reads the
//! target group, registers the addresses it does not hold and deregisters the others. It
//! returns `null`.
//!
//! [`bootstrap::aws_environment`]: crate::bootstrap::aws_environment

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::bootstrap::Bootstrap;

/// The sample's variables, as its template sets them.
#[derive(Clone, Debug)]
pub struct SampleConfig {
    /// `Cluster_EndPoint`: the hostname it resolves (the template's `pDBEndPoint`, the cluster's
    /// writer endpoint).
    pub cluster_endpoint: String,
    /// `RDS_Port`.
    pub port: u16,
    /// `NLB_TG_ARN`.
    pub target_group_arn: String,
    /// Where its `socket.gethostbyname_ex` asks (see `runtime.py`).
    pub nameserver: SocketAddr,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The AWS sample's code directory (the function's `LAMBDA_TASK_ROOT`): its `index.py`.
pub fn sample_task_root() -> PathBuf {
    fixtures().join("aws-sample")
}

/// The environment [`start`] needs for the AWS sample: its variables and what Lambda sets for
/// a function (`_HANDLER`, `LAMBDA_TASK_ROOT`). Add [`bootstrap::aws_environment`] for AWS
/// access.
///
/// [`bootstrap::aws_environment`]: crate::bootstrap::aws_environment
pub fn sample_environment(config: &SampleConfig) -> HashMap<String, String> {
    [
        ("Cluster_EndPoint", config.cluster_endpoint.clone()),
        ("RDS_Port", config.port.to_string()),
        ("NLB_TG_ARN", config.target_group_arn.clone()),
        ("RDSLINK_DNS_NAMESERVERS", config.nameserver.to_string()),
        ("_HANDLER", "index.lambda_handler".to_owned()),
        ("LAMBDA_TASK_ROOT", sample_task_root().display().to_string()),
        (
            "AWS_LAMBDA_FUNCTION_NAME",
            "UpdateNLB-aws-sample".to_owned(),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// Starts a fresh Python function process with `env` (see [`Bootstrap::start`]), which names its
/// handler in `_HANDLER` and its code directory in `LAMBDA_TASK_ROOT`.
///
/// # Panics
/// If the venv's Python (`make venv`) or the runtime script is missing.
pub async fn start(env: &HashMap<String, String>) -> Bootstrap {
    let python = crate::moto::venv_python();
    assert!(
        python.is_file(),
        "{} is missing: run `make venv`",
        python.display()
    );
    let runtime = fixtures().join("python-runtime/runtime.py");
    assert!(runtime.is_file(), "{} is missing", runtime.display());
    Bootstrap::start_under(Some(&python), &runtime, env).await
}
