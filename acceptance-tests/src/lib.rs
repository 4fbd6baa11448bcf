//! Acceptance-test harness: runs the real `terraform` CLI against the freshly built provider, through
//! a generated CLI configuration with `dev_overrides` (no registry, no `terraform init`), and against
//! the local AWS from `rdslink-testkit`.
//!
//! Each [`Workspace`] is a temporary directory with its own configuration and state; the provider
//! reaches its own emulated account by assuming a role into it, so tests run in parallel on one
//! emulator without seeing each other.
//!
//! Tests are written as a [`case::TestCase`] of [`step::Step`]s: the harness, not each test, runs
//! the empty-plan check after every apply and the destroy (and its check) at the end.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use anyhow::{Context as _, Result, bail};

pub mod background;
pub mod bench;
pub mod case;
pub mod doc_examples;
pub mod docs;
pub mod process;
pub mod step;

/// The provider's source address, as configurations name it.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/rdslink/rdslink";

const REQUIRED_PROVIDERS: &str = "terraform {\n  required_providers {\n    rdslink = {\n      source = \"rdslink/rdslink\"\n    }\n  }\n}\n";

/// The directory holding the `terraform-provider-rdslink` that cargo built alongside these tests.
///
/// `cargo test --workspace` builds every binary of packages with integration tests, so the provider
/// sits next to this test's own executable's `deps/` directory.
pub fn provider_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("RDSLINK_PROVIDER_DIR") {
            return PathBuf::from(dir);
        }
        let exe = std::env::current_exe().expect("the test executable has a path");
        // target/<profile>/deps/<test> -> target/<profile>
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test executables live in target/<profile>/deps")
            .to_path_buf();
        let provider = dir.join("terraform-provider-rdslink");
        assert!(
            provider.is_file(),
            "{} does not exist: build it first (`cargo build -p terraform-provider-rdslink`, or run `make test`)",
            provider.display()
        );
        dir
    })
}

/// The `terraform` executable: from PATH, and the tests fail loudly without it.
pub fn terraform_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
            .expect(
                "the acceptance tests drive the real terraform CLI, but `terraform` is not on PATH: \
                 install Terraform (>= 1.5) and run again",
            )
    })
}

/// A terraform working directory with its own CLI configuration and state.
pub struct Workspace {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// The result of one terraform command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails with both output streams when the command did not exit 0.
    pub fn success(self) -> Result<Self> {
        if self.code != 0 {
            bail!(
                "terraform exited {}\n--- stdout\n{}\n--- stderr\n{}",
                self.code,
                self.stdout,
                self.stderr
            );
        }
        Ok(self)
    }
}

impl Workspace {
    /// A workspace whose `main.tf` is `configuration`, using the provider cargo built.
    pub fn new(configuration: &str) -> Result<Self> {
        let cli_configuration = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir().display()
        );
        let workspace = Workspace::create(configuration, &cli_configuration)?;
        if !configuration.contains("required_providers") {
            // Without it Terraform reads `rdslink` as hashicorp/rdslink, which dev_overrides does not cover.
            std::fs::write(workspace.path().join("versions.tf"), REQUIRED_PROVIDERS)?;
        }
        Ok(workspace)
    }

    /// A workspace for a configuration of Terraform's built-in resources only (`terraform_data`):
    /// it needs neither the rdslink provider built nor `terraform init`.
    pub fn builtin_only(configuration: &str) -> Result<Self> {
        Workspace::create(configuration, "")
    }

    /// A workspace with its own CLI configuration (`provider_installation` from a mirror, as users
    /// install a release), run through `terraform init` by the test itself.
    pub fn with_cli_configuration(configuration: &str, cli_configuration: &str) -> Result<Self> {
        Workspace::create(configuration, cli_configuration)
    }

    fn create(configuration: &str, cli_configuration: &str) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("rdslink-acc-").tempdir()?;
        let cli_config = dir.path().join("terraform.rc");
        std::fs::write(&cli_config, cli_configuration)?;
        std::fs::write(dir.path().join("main.tf"), configuration)?;
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".into(),
                cli_config.display().to_string(),
            ),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("TF_INPUT".into(), "0".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            // The base credentials the provider assumes each test's role with.
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
            ("AWS_REGION".into(), "us-east-1".into()),
        ];
        Ok(Workspace { dir, env })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces `main.tf`.
    pub fn write_configuration(&self, configuration: &str) -> Result<()> {
        std::fs::write(self.dir.path().join("main.tf"), configuration).context("writing main.tf")
    }

    /// Sets an environment variable for every later command.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs `terraform <args>` in the workspace and returns its exit code and output.
    ///
    /// Async so that servers the test runs on the same runtime (the loopback DNS) keep answering
    /// while terraform and the provider it starts are working.
    pub async fn terraform(&self, args: &[&str]) -> Result<Run> {
        let mut command = tokio::process::Command::new(terraform_binary());
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command.kill_on_drop(true);
        let Output {
            status,
            stdout,
            stderr,
        } = command
            .output()
            .await
            .with_context(|| format!("running terraform {}", args.join(" ")))?;
        Ok(Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }

    pub async fn apply(&self) -> Result<Run> {
        self.terraform(&["apply", "-auto-approve", "-no-color"])
            .await?
            .success()
    }

    /// `terraform plan -detailed-exitcode`: 0 when there is nothing to do, 2 when there are changes.
    pub async fn plan_exit_code(&self, extra: &[&str]) -> Result<(i32, Run)> {
        let mut args = vec!["plan", "-detailed-exitcode", "-no-color"];
        args.extend_from_slice(extra);
        let run = self.terraform(&args).await?;
        if run.code == 1 {
            bail!(
                "terraform plan failed\n--- stdout\n{}\n--- stderr\n{}",
                run.stdout,
                run.stderr
            );
        }
        Ok((run.code, run))
    }

    /// The root module's outputs as JSON (`terraform output -json`).
    pub async fn outputs(&self) -> Result<serde_json::Value> {
        let run = self.terraform(&["output", "-json"]).await?.success()?;
        let outputs: serde_json::Value = serde_json::from_str(&run.stdout)?;
        Ok(outputs)
    }

    /// One output's value; null when Terraform left it out (it omits outputs whose value is null).
    pub async fn output(&self, name: &str) -> Result<serde_json::Value> {
        let outputs = self.outputs().await?;
        Ok(outputs
            .get(name)
            .and_then(|o| o.get("value"))
            .cloned()
            .unwrap_or(serde_json::Value::Null))
    }

    /// `terraform validate -json` as JSON.
    pub async fn validate_json(&self) -> Result<serde_json::Value> {
        let run = self.terraform(&["validate", "-json", "-no-color"]).await?;
        serde_json::from_str(&run.stdout).with_context(|| {
            format!(
                "validate -json printed no JSON\n{}\n{}",
                run.stdout, run.stderr
            )
        })
    }
}

/// The provider block for a test: the emulator, the test's own account (through `assume_role`) and
/// the test's DNS server.
pub fn provider_block(moto_endpoint: &str, role_arn: &str, dns: std::net::SocketAddr) -> String {
    format!(
        r#"provider "rdslink" {{
  region          = "us-east-1"
  endpoint_url    = "{moto_endpoint}"
  dns_nameservers = ["{dns}"]
  assume_role {{
    role_arn     = "{role_arn}"
    session_name = "rdslink-acceptance"
  }}
}}
"#
    )
}

/// The errors of a `terraform validate -json` answer as (summary, attribute path) pairs, where the
/// attribute is the source text Terraform underlined, e.g. `role_arn = "nope"`.
pub fn validate_errors(validate: &serde_json::Value) -> Vec<(String, String)> {
    validate["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let summary = d["summary"].as_str().unwrap_or_default().to_string();
            let code = d["snippet"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (summary, code)
        })
        .collect()
}
