//! The provider processes terraform starts for a workspace, found through Linux's `/proc`, and
//! ended the way a crash or the OOM killer ends them (`SIGKILL`, no chance to clean up): for the
//! tests of what an apply interrupted at an arbitrary point leaves behind.
//!
//! Terraform starts `terraform-provider-rdslink` as its child in its own working directory, which
//! is the workspace's: the executable's name and that directory tell one test's provider from the
//! providers of the tests running in parallel.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

/// The provider's executable, as `dev_overrides` makes terraform run it.
const PROVIDER_EXECUTABLE: &str = "terraform-provider-rdslink";

/// How long a killed process may take to disappear (terraform reaps its children at once).
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// The ids of the provider processes running for `workspace` right now.
pub fn provider_processes(workspace: &Path) -> Result<Vec<u32>> {
    let workspace = workspace
        .canonicalize()
        .with_context(|| format!("resolving {}", workspace.display()))?;
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").context("listing /proc")? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A process may end between listing and reading: it is then simply not one of ours.
        let (Some(executable), Some(directory)) = (link(pid, "exe"), link(pid, "cwd")) else {
            continue;
        };
        if runs_provider(&executable) && directory == workspace {
            found.push(pid);
        }
    }
    Ok(found)
}

/// Kills every provider process of `workspace` with `SIGKILL` and waits until they are gone;
/// returns their ids. Fails when there is none: the test meant to interrupt something.
pub async fn kill_provider(workspace: &Path) -> Result<Vec<u32>> {
    let pids = provider_processes(workspace)?;
    if pids.is_empty() {
        bail!(
            "no {PROVIDER_EXECUTABLE} process runs in {}",
            workspace.display()
        );
    }
    for pid in &pids {
        let status = tokio::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .await
            .context("running kill")?;
        // Not an error when it ended by itself in the meantime: it is gone either way.
        if !status.success() && is_running(*pid) {
            bail!("kill -KILL {pid} failed ({status})");
        }
    }
    let waited = tokio::time::timeout(EXIT_TIMEOUT, async {
        while pids.iter().any(|pid| is_running(*pid)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if waited.is_err() {
        bail!("the killed provider processes {pids:?} did not end within {EXIT_TIMEOUT:?}");
    }
    Ok(pids)
}

/// Whether the process still runs: a zombie (killed, not yet reaped) has no executable left.
fn is_running(pid: u32) -> bool {
    link(pid, "exe").is_some()
}

fn link(pid: u32, name: &str) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/{name}")).ok()
}

/// Whether `executable` is the provider, also when cargo replaced the file since the process
/// started (Linux then shows the old path with " (deleted)").
fn runs_provider(executable: &Path) -> bool {
    executable
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.trim_end_matches(" (deleted)") == PROVIDER_EXECUTABLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_is_recognised_also_after_a_rebuild() {
        assert!(runs_provider(Path::new(
            "/work/target/debug/terraform-provider-rdslink"
        )));
        assert!(runs_provider(Path::new(
            "/work/target/debug/terraform-provider-rdslink (deleted)"
        )));
        assert!(!runs_provider(Path::new("/usr/local/bin/terraform")));
        assert!(!runs_provider(Path::new(
            "/work/target/debug/terraform-provider-rdslink-old"
        )));
    }

    #[test]
    fn a_directory_without_a_provider_has_no_process() {
        let directory = tempfile::tempdir().unwrap();
        assert_eq!(
            provider_processes(directory.path()).unwrap(),
            Vec::<u32>::new()
        );
    }
}
