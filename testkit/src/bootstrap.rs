//! A `bootstrap` executable run as Lambda runs it: a process of its own with exactly the
//! environment Lambda would give it, its invocations served by a [`RuntimeApi`] emulator, and AWS
//! reached through `AWS_ENDPOINT_URL` (moto, with an emulated account's credentials).
//!
//! For tests outside the Lambda's crate, e.g. acceptance tests that run the artifact the provider
//! deployed with the environment the deployed function has:
//!
//! ```no_run
//! # async fn example(program: &std::path::Path) {
//! use rdslink_testkit::bootstrap::{self, Bootstrap};
//! use rdslink_testkit::runtime_api::Outcome;
//!
//! let account = rdslink_testkit::fresh_account().await;
//! // e.g. the Variables of the deployed function's GetFunctionConfiguration
//! let mut env = bootstrap::aws_environment(&account).await;
//! env.insert("RDSLINK_PORT".to_owned(), "5432".to_owned());
//!
//! let function = Bootstrap::start(program, &env).await;
//! let outcome = function.invoke(&serde_json::json!({"source": "aws.events"})).await;
//! assert!(matches!(outcome, Outcome::Response(_)), "{}", function.output());
//!
//! // Or all at once: start, deliver one event, stop.
//! let invocation = bootstrap::invoke_once(program, &env, &serde_json::json!({})).await;
//! # }
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_credential_types::provider::ProvideCredentials as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::account::{Account, REGION};
use crate::moto::moto;
use crate::runtime_api::{DEFAULT_INVOKE_TIMEOUT, ErrorReport, Outcome, RuntimeApi};

/// The sync Lambda's packaged zip: `RDSLINK_LAMBDA_ZIP` when set, else where `make lambda-zip`
/// writes it (`target/dist/rdslink-sync.zip` in the workspace). `make test` writes it after the
/// compile, from the same build the provider embedded, so the two are the same bytes.
pub fn packaged_zip() -> PathBuf {
    std::env::var_os("RDSLINK_LAMBDA_ZIP").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("testkit/ sits in the workspace root")
                .join("target/dist/rdslink-sync.zip")
        },
        PathBuf::from,
    )
}

/// The function name in [`lambda_environment`] when the given environment names none.
pub const DEFAULT_FUNCTION_NAME: &str = "rdslink-sync";

/// The variables Lambda itself sets for a function
/// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>),
/// for a function named `function_name` whose Runtime API is at `runtime_api` (`host:port`). No
/// `AWS_EXECUTION_ENV`: Lambda sets none for OS-only runtimes (`provided.al2023`).
/// `AWS_EC2_METADATA_DISABLED=true` is the testkit's: without credentials the SDK must not wait
/// for an instance metadata service.
pub fn lambda_environment(runtime_api: &str, function_name: &str) -> HashMap<String, String> {
    [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function_name}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]0123456789abcdef".to_owned(),
        ),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_DEFAULT_REGION", REGION.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// AWS access to `account` for a function process: moto's endpoint as `AWS_ENDPOINT_URL` and the
/// account's credentials, as Lambda gives a function its execution role's.
///
/// # Panics
/// If moto is unavailable or the account has no credentials.
pub async fn aws_environment(account: &Account) -> HashMap<String, String> {
    let provider = account
        .config
        .credentials_provider()
        .unwrap_or_else(|| panic!("account {} has no credentials provider", account.id));
    let credentials = provider
        .provide_credentials()
        .await
        .unwrap_or_else(|err| panic!("account {} has no credentials: {err}", account.id));
    let mut env: HashMap<String, String> = [
        ("AWS_ENDPOINT_URL", moto().await.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id().to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            credentials.secret_access_key().to_owned(),
        ),
        ("AWS_REGION", account.region.clone()),
        ("AWS_DEFAULT_REGION", account.region.clone()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    if let Some(token) = credentials.session_token() {
        env.insert("AWS_SESSION_TOKEN".to_owned(), token.to_owned());
    }
    env
}

/// What one invocation through [`invoke_once`] gave: the function's answer and everything the
/// process printed until then.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub outcome: Outcome,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Invocation {
    /// The response payload.
    ///
    /// # Panics
    /// If the function reported an error instead; the message carries its output.
    pub fn response(&self) -> &Value {
        match &self.outcome {
            Outcome::Response(value) => value,
            Outcome::Error(report) => panic!(
                "the function failed: {report:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.stdout.join("\n"),
                self.stderr.join("\n")
            ),
        }
    }
}

/// Starts `program` with `env` (see [`Bootstrap::start`]), delivers `payload` as one event, and
/// stops the process once it answered.
///
/// # Panics
/// As [`Bootstrap::start`] and [`Bootstrap::invoke`].
pub async fn invoke_once(
    program: &Path,
    env: &HashMap<String, String>,
    payload: &Value,
) -> Invocation {
    let function = Bootstrap::start(program, env).await;
    let outcome = function.invoke(payload).await;
    let stopped = function.stop().await;
    Invocation {
        outcome,
        stdout: stopped.stdout,
        stderr: stopped.stderr,
    }
}

/// A running `bootstrap` process and the Runtime API emulator that serves it. Both stop when this
/// is dropped (the process is killed).
pub struct Bootstrap {
    api: RuntimeApi,
    program: PathBuf,
    env: HashMap<String, String>,
    pid: Option<u32>,
    spawned: Instant,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
    exit: watch::Receiver<Option<ExitStatus>>,
    stop: Option<oneshot::Sender<()>>,
    reaper: JoinHandle<()>,
}

/// What a stopped [`Bootstrap`] left: its exit status (`None` if it could not be had) and every
/// line it wrote.
#[derive(Debug, Clone)]
pub struct Stopped {
    pub status: Option<ExitStatus>,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Bootstrap {
    /// Starts a Runtime API emulator, then `program` with exactly these variables and no others
    /// (not even the test's `PATH`): [`lambda_environment`] for the function named by
    /// `env["AWS_LAMBDA_FUNCTION_NAME"]` (else [`DEFAULT_FUNCTION_NAME`]), overridden by `env`,
    /// and `AWS_LAMBDA_RUNTIME_API` pointing at the emulator whatever `env` says. Add
    /// [`aws_environment`] to `env` for AWS access.
    ///
    /// # Panics
    /// If the program cannot be started.
    pub async fn start(program: &Path, env: &HashMap<String, String>) -> Self {
        Self::start_under(None, program, env).await
    }

    /// Like [`Bootstrap::start`], running `runner program` when a runner is given (e.g.
    /// `qemu-aarch64-static` for the arm64 artifact, or an interpreter for a script).
    ///
    /// # Panics
    /// If the program cannot be started.
    pub async fn start_under(
        runner: Option<&Path>,
        program: &Path,
        env: &HashMap<String, String>,
    ) -> Self {
        let api = RuntimeApi::start().await;
        let function_name = env
            .get("AWS_LAMBDA_FUNCTION_NAME")
            .map_or(DEFAULT_FUNCTION_NAME, String::as_str);
        let mut full_env = lambda_environment(&api.address(), function_name);
        full_env.extend(
            env.iter()
                .map(|(name, value)| (name.clone(), value.clone())),
        );
        full_env.insert("AWS_LAMBDA_RUNTIME_API".to_owned(), api.address());

        let mut command = match runner {
            Some(runner) => {
                let mut command = Command::new(runner);
                command.arg(program);
                command
            }
            None => Command::new(program),
        };
        command
            .env_clear()
            .envs(&full_env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let spawned = Instant::now();
        let mut child = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", program.display()));
        let pid = child.id();
        let (stdout, stdout_reader) = collect_lines(child.stdout.take());
        let (stderr, stderr_reader) = collect_lines(child.stderr.take());
        let (exit_sender, exit) = watch::channel(None);
        let (stop, stopped) = oneshot::channel();
        let reaper = tokio::spawn(reap(child, exit_sender, stopped));
        Bootstrap {
            api,
            program: program.to_owned(),
            env: full_env,
            pid,
            spawned,
            stdout,
            stderr,
            readers: vec![stdout_reader, stderr_reader],
            exit,
            stop: Some(stop),
            reaper,
        }
    }

    /// Delivers `payload` as one event and waits for the function's answer.
    ///
    /// # Panics
    /// If the process exits before answering, or does not answer within
    /// [`DEFAULT_INVOKE_TIMEOUT`]; the message carries what it printed.
    pub async fn invoke(&self, payload: &Value) -> Outcome {
        self.invoke_raw(payload.to_string().into_bytes(), DEFAULT_INVOKE_TIMEOUT)
            .await
    }

    /// Delivers any bytes as one event (the real service only accepts JSON; tests may not).
    ///
    /// # Panics
    /// As [`Bootstrap::invoke`], with `timeout`.
    pub async fn invoke_raw(&self, payload: Vec<u8>, timeout: Duration) -> Outcome {
        let mut exit = self.exit.clone();
        tokio::select! {
            // An answer that arrives as the process exits still counts.
            biased;
            // The emulator's own deadline is later, so that this one reports with the output.
            outcome = tokio::time::timeout(
                timeout,
                self.api.invoke_raw(payload, timeout + Duration::from_secs(5)),
            ) => {
                match outcome {
                    Ok(outcome) => outcome,
                    Err(_) => panic!(
                        "{} did not answer within {timeout:?}\n{}",
                        self.program.display(),
                        self.output()
                    ),
                }
            }
            status = exit.wait_for(Option::is_some) => {
                let status = status.map(|status| *status).ok().flatten();
                // Let the readers catch the last lines it wrote.
                tokio::time::sleep(Duration::from_millis(100)).await;
                panic!(
                    "{} exited ({}) before answering\n{}",
                    self.program.display(),
                    status.map_or_else(|| "status unknown".to_owned(), |s| s.to_string()),
                    self.output()
                )
            }
        }
    }

    /// The error the function posted to `/runtime/init/error`, waiting up to `timeout`.
    pub async fn init_error(&self, timeout: Duration) -> Option<ErrorReport> {
        self.api.init_error(timeout).await
    }

    /// Waits up to `timeout` for the process to exit; its status if it did.
    pub async fn wait_for_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let mut exit = self.exit.clone();
        let status = tokio::time::timeout(timeout, exit.wait_for(Option::is_some))
            .await
            .ok()?
            .ok()?;
        *status
    }

    /// Kills the process (unless it has exited) and returns its status and every line it wrote:
    /// unlike [`Bootstrap::stdout_lines`], nothing it wrote just before is missing.
    pub async fn stop(mut self) -> Stopped {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let status = self.wait_for_exit(Duration::from_secs(10)).await;
        for reader in std::mem::take(&mut self.readers) {
            // The pipes close with the process (unless it left children holding them).
            let _ = tokio::time::timeout(Duration::from_secs(5), reader).await;
        }
        Stopped {
            status,
            stdout: self.stdout_lines(),
            stderr: self.stderr_lines(),
        }
    }

    /// The emulator serving this process.
    pub fn api(&self) -> &RuntimeApi {
        &self.api
    }

    /// The whole environment the process was started with.
    pub fn env(&self) -> &HashMap<String, String> {
        &self.env
    }

    /// When the process was started.
    pub fn spawned(&self) -> Instant {
        self.spawned
    }

    /// Lines the process wrote to stdout so far (CloudWatch's log lines, in Lambda).
    pub fn stdout_lines(&self) -> Vec<String> {
        lines(&self.stdout)
    }

    /// Lines the process wrote to stderr so far.
    pub fn stderr_lines(&self) -> Vec<String> {
        lines(&self.stderr)
    }

    /// Both streams, for failure messages.
    pub fn output(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout_lines().join("\n"),
            self.stderr_lines().join("\n")
        )
    }

    /// Peak resident set size so far (Linux `VmHWM`), in KiB; `None` once the process is gone.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Bootstrap {
    fn drop(&mut self) {
        // Dropping the child inside the task kills it (kill_on_drop).
        self.reaper.abort();
        for reader in &self.readers {
            reader.abort();
        }
    }
}

/// Owns the child: records its exit status, killing it first when told to stop (or when the
/// [`Bootstrap`] goes away, which drops the sender).
async fn reap(
    mut child: Child,
    exit: watch::Sender<Option<ExitStatus>>,
    stopped: oneshot::Receiver<()>,
) {
    let status = tokio::select! {
        status = child.wait() => status,
        _ = stopped => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    let _ = exit.send(status.ok());
}

/// Reads `stream` line by line into the returned list until it closes.
fn collect_lines(
    stream: Option<impl tokio::io::AsyncRead + Unpin + Send + 'static>,
) -> (Arc<Mutex<Vec<String>>>, JoinHandle<()>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let reader = tokio::spawn(async move {
        let Some(stream) = stream else { return };
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(line);
        }
    });
    (lines, reader)
}

fn lines(lines: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    lines
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}
