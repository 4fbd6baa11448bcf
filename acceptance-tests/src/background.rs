//! A terraform command running in the background, for the tests that act on it while it works:
//! Ctrl-C in the middle of an apply.
//!
//! The command runs in a process group of its own, and [`Background::interrupt`] sends `SIGINT` to
//! that whole group, as a terminal's Ctrl-C does: terraform and the provider processes it started
//! both receive it (terraform asks the providers to stop through `StopProvider`; the providers
//! themselves must not die of the signal).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::process::Child;
use tokio::task::JoinHandle;

use crate::{Run, Workspace, terraform_binary};

/// How often [`Background::wait_for_output`] looks at the output again.
const POLL: Duration = Duration::from_millis(50);

/// A terraform command started by [`Workspace::start_terraform`].
pub struct Background {
    child: Child,
    /// The process group: the same id as terraform's own process.
    group: u32,
    stdout: Collected,
    stderr: Collected,
}

/// One output stream, read as it comes, so that a test can wait for a line terraform printed.
struct Collected {
    text: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

impl Collected {
    fn start(stream: impl AsyncRead + Unpin + Send + 'static) -> Collected {
        let text = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&text);
        let reader = tokio::spawn(async move {
            let mut stream = stream;
            let mut buffer = [0_u8; 4096];
            // Ends at end of stream (terraform exited) or on a read error (nothing more to read).
            while let Ok(read @ 1..) = stream.read(&mut buffer).await {
                let chunk = String::from_utf8_lossy(&buffer[..read]);
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push_str(&chunk);
            }
        });
        Collected { text, reader }
    }

    fn so_far(&self) -> String {
        self.text
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn finish(self) -> String {
        let Collected { text, reader } = self;
        // The reader ends with the stream; a panic in it would only lose output.
        let _ = reader.await;
        let collected = text.lock().unwrap_or_else(PoisonError::into_inner);
        collected.clone()
    }
}

impl Workspace {
    /// Starts `terraform <args>` in the workspace, in a process group of its own, and returns at
    /// once; see [`Background`].
    pub fn start_terraform(&self, args: &[&str]) -> Result<Background> {
        let mut command = tokio::process::Command::new(terraform_binary());
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting terraform {}", args.join(" ")))?;
        let group = child.id().context("terraform exited before it started")?;
        let stdout = Collected::start(child.stdout.take().context("terraform's stdout")?);
        let stderr = Collected::start(child.stderr.take().context("terraform's stderr")?);
        Ok(Background {
            child,
            group,
            stdout,
            stderr,
        })
    }
}

impl Background {
    /// What terraform printed on its standard output so far.
    pub fn stdout_so_far(&self) -> String {
        self.stdout.so_far()
    }

    /// Sends `SIGINT` to terraform's process group: one Ctrl-C in a terminal.
    pub async fn interrupt(&self) -> Result<()> {
        let status = tokio::process::Command::new("kill")
            .args(["-INT", "--", &format!("-{}", self.group)])
            .status()
            .await
            .context("running kill")?;
        if !status.success() {
            bail!("kill -INT -{} failed ({status})", self.group);
        }
        Ok(())
    }

    /// Waits until terraform's standard output contains `text`; fails after `timeout`, or when
    /// terraform exits first.
    pub async fn wait_for_output(&mut self, text: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stdout.so_far().contains(text) {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait().context("polling terraform")? {
                bail!(
                    "terraform exited ({status}) without printing {text:?}\n--- stdout\n{}\n--- stderr\n{}",
                    self.stdout.so_far(),
                    self.stderr.so_far()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "terraform did not print {text:?} within {timeout:?}\n--- stdout\n{}",
                    self.stdout.so_far()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for terraform to exit, at most `timeout` (then kills it and fails).
    pub async fn finish(mut self, timeout: Duration) -> Result<Run> {
        let status = match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.context("waiting for terraform")?,
            Err(_) => {
                let _ = self.child.kill().await;
                bail!(
                    "terraform did not exit within {timeout:?}\n--- stdout\n{}",
                    self.stdout.so_far()
                );
            }
        };
        Ok(Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.finish().await,
            stderr: self.stderr.finish().await,
        })
    }
}
