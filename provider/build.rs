//! Puts the sync Lambda's deployment zip at `OUT_DIR/rdslink-sync.zip`, for `sync::code` to embed:
//! the provider deploys the very Lambda it was built with, so the two never disagree on a version.
//!
//! Where the zip comes from:
//! - `RDSLINK_LAMBDA_ZIP`, when set: a prebuilt zip, copied as is. `make release` builds one and
//!   sets it, since it compiles the provider for several targets. A relative path is taken from the
//!   workspace root, where cargo is usually run.
//! - otherwise (`make test`, `make demo`, `cargo build`, IDEs) `crates/rdslink-sync-lambda/scripts/
//!   build-zip.sh`, a nested cargo-zigbuild of the arm64 `bootstrap`. It builds into
//!   `${CARGO_TARGET_DIR:-<workspace>/target}/lambda-build` (its default, or
//!   `RDSLINK_LAMBDA_TARGET_DIR`), never into this cargo's own build directory, whose lock this
//!   cargo holds while it runs us: sharing it would deadlock. It shares this cargo's jobserver, so
//!   on a cold build the Lambda (whose whole-program LTO is single-threaded) compiles beside the
//!   rest of the workspace rather than before it. Being incremental and shared by every profile, it
//!   costs minutes once and seconds afterwards; `make lambda-zip` then finds it fresh.
//!
//! Next to it, `OUT_DIR/rdslink-sync.zip.sha256`: the zip's SHA-256 in the form Lambda reports as
//! `CodeSha256`. Every plan of an endpoint service needs it; hashing the 2.7 MB at run time was ~8%
//! of the CPU of each plan's provider process (perf, issue 12), so it is hashed once, here.
//!
//! std only: a build dependency would be compiled before anything else on every cold build (hence
//! the small SHA-256 and base64 below, checked against the `sha2` crate by `sync::code`'s tests).

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ZIP_NAME: &str = "rdslink-sync.zip";
const SHA256_NAME: &str = "rdslink-sync.zip.sha256";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join(ZIP_NAME);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("provider/ sits in the workspace root");

    fold_identical_code();
    println!("cargo::rerun-if-env-changed=RDSLINK_LAMBDA_ZIP");
    let result = match env::var_os("RDSLINK_LAMBDA_ZIP") {
        Some(prebuilt) => copy_prebuilt(&workspace.join(prebuilt), &out),
        None => build_with_script(workspace, &out),
    }
    .and_then(|()| write_code_sha256(&out, &out.with_file_name(SHA256_NAME)));
    if let Err(message) = result {
        for line in message.lines() {
            println!("cargo::error={line}");
        }
        // A failing exit (not only cargo::error) makes cargo show our stderr: the nested build's
        // own error.
        std::process::exit(1);
    }
}

/// Has the linker keep one copy of byte-identical functions in optimised builds: the SDKs'
/// monomorphised operations and futures leave many (21.2 MB to 19.7 MB for the provider with its
/// Lambda). Only where the linker is known to be LLD, which has `--icf`: rustc's own on x86_64
/// Linux (the default since Rust 1.90, our minimum) when no linker and no flags are configured
/// (either may choose another linker). Cross builds (zig's linker, `make release`) and
/// unoptimised builds link as before.
fn fold_identical_code() {
    let optimised = env::var("PROFILE").as_deref() == Ok("release");
    let rustc_lld = env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu")
        && env::var_os("RUSTC_LINKER").is_none()
        && env::var_os("CARGO_ENCODED_RUSTFLAGS").is_none_or(|flags| flags.is_empty());
    if optimised && rustc_lld {
        println!("cargo::rustc-link-arg-bins=-Wl,--icf=all");
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

/// Writes `zip`'s SHA-256 as standard, padded base64 (Lambda's `CodeSha256`) to `to`.
fn write_code_sha256(zip: &Path, to: &Path) -> Result<(), String> {
    let bytes = fs::read(zip).map_err(|err| format!("cannot read {}: {err}", zip.display()))?;
    fs::write(to, base64(&sha256(&bytes)))
        .map_err(|err| format!("cannot write {}: {err}", to.display()))
}

/// FIPS 180-4 SHA-256.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // The message, a 1 bit, zeros, and its length in bits: a whole number of 64-byte blocks.
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choice = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(choice)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            (h, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
        }
        for (word, add) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *word = word.wrapping_add(add);
        }
    }
    let mut digest = [0u8; 32];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// RFC 4648 base64, standard alphabet, padded.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &byte)| n | u32::from(byte) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                text.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                text.push('=');
            }
        }
    }
    text
}
