//! The built provider binary, launched exactly as Terraform launches it (go-plugin's
//! environment, a fresh P-521 CA:TRUE client certificate), spoken to over mutual TLS.
//!
//! One test binary, a module per area; the launched [`Plugin`] is here.

mod launch;
mod logs;
mod stop;
mod tls;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tonic::transport::Channel;

use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::testing::{ClientIdentity, Handshake, MAGIC_COOKIE, channel, parse_handshake};

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-rdslink");
const MIN_PORT: u16 = 10000;
const MAX_PORT: u16 = 25000;

/// A running provider process.
pub struct Plugin {
    pub child: Child,
    pub handshake: Handshake,
    identity: ClientIdentity,
    /// From spawning the process to reading its handshake line.
    pub startup: Duration,
    stderr: mpsc::Receiver<String>,
}

/// The environment Terraform 1.11 gives a provider.
pub fn terraform_env(identity: &ClientIdentity) -> Vec<(&'static str, String)> {
    vec![
        (MAGIC_COOKIE.0, MAGIC_COOKIE.1.to_string()),
        ("PLUGIN_PROTOCOL_VERSIONS", "6".to_string()),
        ("PLUGIN_CLIENT_CERT", identity.certificate_pem.clone()),
        ("PLUGIN_MIN_PORT", MIN_PORT.to_string()),
        ("PLUGIN_MAX_PORT", MAX_PORT.to_string()),
    ]
}

fn command(env: &[(&str, String)]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_remove(MAGIC_COOKIE.0)
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

impl Plugin {
    pub fn launch() -> Self {
        Self::launch_with(&[])
    }

    pub fn launch_with(extra_env: &[(&'static str, String)]) -> Self {
        let identity = ClientIdentity::like_terraform();
        let mut env = terraform_env(&identity);
        env.extend(extra_env.iter().cloned());
        let started = Instant::now();
        let mut child = command(&env)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {BINARY}: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (line_sender, line) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = line_sender.send(first);
            // Anything else on stdout would be a protocol violation: keep it for the checks.
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            let _ = line_sender.send(rest);
        });
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        let (stderr_sender, stderr_lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = stderr_sender.send(line);
            }
        });
        let first = line
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no handshake line within 10 s"));
        let startup = started.elapsed();
        assert!(
            first.ends_with('\n'),
            "the handshake line must end with a newline: {first:?}"
        );
        let handshake = parse_handshake(&first).unwrap_or_else(|e| panic!("{e}"));
        let port = handshake.address.port();
        assert!(
            (MIN_PORT..=MAX_PORT).contains(&port),
            "port {port} outside the range"
        );
        Self {
            child,
            handshake,
            identity,
            startup,
            stderr: stderr_lines,
        }
    }

    pub async fn channel(&self) -> Channel {
        channel(&self.handshake, Some(&self.identity))
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"))
    }

    pub async fn provider(&self) -> ProviderClient<Channel> {
        ProviderClient::new(self.channel().await)
    }

    /// Peak resident set size so far, in KiB (Linux).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    pub fn wait_for_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                Ok(None) => panic!("the provider did not exit within {within:?}"),
                Err(error) => panic!("wait: {error}"),
            }
        }
    }

    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary with `env` and returns its exit status, stdout and stderr.
pub fn run_to_exit(env: &[(&str, String)]) -> (ExitStatus, String, String) {
    let output = command(env)
        .output()
        .unwrap_or_else(|e| panic!("run {BINARY}: {e}"));
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
