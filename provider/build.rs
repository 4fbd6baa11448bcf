//! Puts the sync Lambda's deployment zip at `OUT_DIR/rdslink-sync.zip`, for `sync::code` to embed:
//! the provider deploys the very Lambda it was built with, so the two never disagree on a version.
//!
//! Where the zip comes from:
//! - `RDSLINK_LAMBDA_ZIP`, when set: a prebuilt zip, copied as is. `make` builds one first and sets
//!   it; release pipelines, IDEs and `cargo check` should too, since the alternative is slow. A
//!   relative path is taken from the workspace root, where cargo is usually run.
//! - otherwise `crates/rdslink-sync-lambda/scripts/build-zip.sh`, a nested cargo-zigbuild of the
//!   arm64 `bootstrap`. It builds into `${CARGO_TARGET_DIR:-<workspace>/target}/lambda-build`
//!   (its default, or `RDSLINK_LAMBDA_TARGET_DIR`), never into this cargo's own build directory,
//!   whose lock this cargo holds while it runs us: sharing it would deadlock. Being incremental
//!   and shared by every profile, it costs minutes once and seconds afterwards.
//!
//! std only: a build dependency would be compiled before anything else on every cold build.

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ZIP_NAME: &str = "rdslink-sync.zip";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join(ZIP_NAME);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("provider/ sits in the workspace root");

    println!("cargo::rerun-if-env-changed=RDSLINK_LAMBDA_ZIP");
    let result = match env::var_os("RDSLINK_LAMBDA_ZIP") {
        Some(prebuilt) => copy_prebuilt(&workspace.join(prebuilt), &out),
        None => build_with_script(workspace, &out),
    };
    if let Err(message) = result {
        for line in message.lines() {
            println!("cargo::error={line}");
        }
        // A failing exit (not only cargo::error) makes cargo show our stderr: the nested build's
        // own error.
        std::process::exit(1);
    }
}

fn copy_prebuilt(zip: &Path, out: &Path) -> Result<(), String> {
    println!("cargo::rerun-if-changed={}", zip.display());
    match fs::copy(zip, out) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(format!(
            "RDSLINK_LAMBDA_ZIP={} does not exist: build it with `make lambda-zip`, or unset \
             RDSLINK_LAMBDA_ZIP to have this build make the zip",
            zip.display()
        )),
        Err(err) => Err(format!(
            "cannot copy RDSLINK_LAMBDA_ZIP={} to {}: {err}",
            zip.display(),
            out.display()
        )),
    }
}

fn build_with_script(workspace: &Path, out: &Path) -> Result<(), String> {
    // What the Lambda is built from; the nested cargo decides what actually needs recompiling.
    // The workspace manifest holds the `lambda` profile and the dependency versions.
    for input in [
        "crates/rdslink-sync-lambda/src",
        "crates/rdslink-sync-lambda/Cargo.toml",
        "crates/rdslink-sync-lambda/scripts",
        "crates/rdslink-engine/src",
        "crates/rdslink-engine/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!(
            "cargo::rerun-if-changed={}",
            workspace.join(input).display()
        );
    }

    let script = workspace.join("crates/rdslink-sync-lambda/scripts/build-zip.sh");
    let status = Command::new(&script)
        .arg(out)
        // Our stdout is read by cargo as instructions; the nested build's chatter goes to stderr.
        .stdout(Stdio::from(io::stderr()))
        .status()
        .map_err(|err| format!("cannot run {}: {err}", script.display()))?;
    if status.success() {
        return Ok(());
    }
    Err(format!(
        "building the sync Lambda's zip failed ({status}; its output is below).\n\
         The provider embeds that zip. Either install the cross tools with `make lambda-tools` \
         (cargo-zigbuild, zig and the aarch64-unknown-linux-musl target),\n\
         or set RDSLINK_LAMBDA_ZIP to a prebuilt zip (`make lambda-zip` writes \
         target/dist/rdslink-sync.zip), as release pipelines, IDEs and `cargo check` should."
    ))
}
