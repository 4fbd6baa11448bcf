//! The shared moto server: one per test process, or the one `make test` started.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::http;

/// Set by `make test` (through `testkit/scripts/with-moto`) so that every test binary of a run
/// shares one server instead of starting its own.
pub const MOTO_ENDPOINT_ENV: &str = "RDSLINK_MOTO_ENDPOINT";

/// Runs moto and exits when its stdin closes; see the script's docstring. Run from its file, not
/// with `python -c`: it imports `moto_faithful.py` from its own directory.
const WATCHDOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/moto_watchdog.py");

/// A cold start (first import of moto after boot) takes a few seconds; a warm one about one.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long an externally started server may take to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How many lines of moto's stderr are kept to explain a failed start.
const STDERR_TAIL_LINES: usize = 200;

/// A running moto server.
#[derive(Debug)]
pub struct Moto {
    /// Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash): the `endpoint_url` for the SDK.
    pub endpoint: String,
    /// The server this process started, if it started one. Never dropped (it lives in a static);
    /// moto stops when this process exits because the process holds moto's stdin open.
    _process: Option<MotoProcess>,
}

/// The shared moto server, started on first use and ready to serve.
///
/// Uses `RDSLINK_MOTO_ENDPOINT` when set (as `make test` does). Otherwise starts
/// `<workspace>/.venv/bin/python testkit/scripts/moto_watchdog.py` once per process on a free
/// loopback port; that server stops when this process exits, however it exits (its stdin is a pipe
/// from this process; the kernel closes it). Either way Lambda is configured not to need Docker
/// (`POST /moto-api/config {"lambda":{"use_docker":false}}`) before this returns.
///
/// # Panics
/// If moto is not installed (run `make venv`) or does not start or answer in time.
pub async fn moto() -> &'static Moto {
    static MOTO: OnceCell<Moto> = OnceCell::const_new();
    MOTO.get_or_init(|| async {
        match start().await {
            Ok(moto) => moto,
            Err(err) => panic!("{err}"),
        }
    })
    .await
}

async fn start() -> Result<Moto> {
    match std::env::var(MOTO_ENDPOINT_ENV) {
        Ok(endpoint) if !endpoint.trim().is_empty() => {
            let endpoint = endpoint.trim().trim_end_matches('/').to_owned();
            wait_until_configured(&endpoint, READY_TIMEOUT)
                .await
                .map_err(|err| Error::Emulator {
                    what: format!("{MOTO_ENDPOINT_ENV}={endpoint}"),
                    detail: format!("the server does not answer: {err}"),
                })?;
            Ok(Moto {
                endpoint,
                _process: None,
            })
        }
        _ => {
            let started = Instant::now();
            let process = MotoProcess::spawn(&venv_python()).await?;
            let endpoint = format!("http://127.0.0.1:{}", process.port);
            if let Err(err) = wait_until_configured(&endpoint, READY_TIMEOUT).await {
                return Err(Error::MotoStart {
                    reason: format!("it listens on {endpoint} but does not answer: {err}"),
                    stderr: process.stderr_tail(),
                });
            }
            tracing::info!(%endpoint, elapsed = ?started.elapsed(), "moto started");
            Ok(Moto {
                endpoint,
                _process: Some(process),
            })
        }
    }
}

/// The project venv's Python. The workspace root is this crate's parent directory.
pub(crate) fn venv_python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(".venv/bin/python")
}

/// Tells moto not to use Docker for Lambda, retrying until it answers or `timeout` passes. This
/// doubles as the readiness check: the setting must be in place before any function is created.
async fn wait_until_configured(endpoint: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let body = serde_json::json!({ "lambda": { "use_docker": false } }).to_string();
    loop {
        let attempt = http::post(
            endpoint,
            "/moto-api/config",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
        .await;
        let err = match attempt {
            // moto answers 201 to this POST (and to a GET of the same path).
            Ok(response) if (200..300).contains(&response.status) => return Ok(()),
            Ok(response) => Error::Emulator {
                what: "POST /moto-api/config".to_owned(),
                detail: format!("status {}: {}", response.status, response.body),
            },
            Err(err) => err,
        };
        if Instant::now() >= deadline {
            return Err(err);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A moto server started by this process.
#[derive(Debug)]
struct MotoProcess {
    /// Holds moto's stdin (the write end of the pipe the watchdog reads) for as long as it lives.
    _child: Child,
    port: u16,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl MotoProcess {
    async fn spawn(python: &Path) -> Result<Self> {
        if !python.is_file() {
            return Err(Error::MotoUnavailable {
                reason: format!("{} does not exist", python.display()),
            });
        }
        let mut child = Command::new(python)
            .arg(WATCHDOG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| Error::MotoUnavailable {
                reason: format!("cannot run {}: {err}", python.display()),
            })?;

        // Drain stderr for the server's whole life (a full pipe would block moto) and keep the last
        // lines to explain a failed start.
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let mut tail = tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    if tail.len() == STDERR_TAIL_LINES {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
        }

        let stdout = child.stdout.take();
        let port_line = tokio::task::spawn_blocking(move || -> Option<String> {
            let mut line = String::new();
            BufReader::new(stdout?).read_line(&mut line).ok()?;
            Some(line)
        });
        let port = match tokio::time::timeout(START_TIMEOUT, port_line).await {
            Ok(Ok(Some(line))) => line
                .trim()
                .strip_prefix("RDSLINK_MOTO_PORT=")
                .and_then(|port| port.parse::<u16>().ok()),
            _ => None,
        };
        let process = Self {
            _child: child,
            port: port.unwrap_or(0),
            stderr_tail,
        };
        match port {
            Some(_) => Ok(process),
            None => Err(process.failed_start()),
        }
    }

    /// Explains a start that produced no port, and stops what is left of the process.
    fn failed_start(mut self) -> Error {
        let exited = self._child.try_wait().ok().flatten();
        let _ = self._child.kill();
        let _ = self._child.wait();
        // Let the stderr thread catch the last lines the process wrote before exiting.
        std::thread::sleep(Duration::from_millis(200));
        let stderr = self.stderr_tail();
        if stderr.contains("ModuleNotFoundError") {
            return Error::MotoUnavailable {
                reason: format!("the venv lacks moto[server]:\n{stderr}"),
            };
        }
        Error::MotoStart {
            reason: match exited {
                Some(status) => format!("the watchdog exited ({status}) before reporting its port"),
                None => format!("no port reported within {START_TIMEOUT:?}"),
            },
            stderr,
        }
    }

    fn stderr_tail(&self) -> String {
        let tail = self
            .stderr_tail
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}
