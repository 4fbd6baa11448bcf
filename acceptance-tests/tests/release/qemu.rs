//! The linux arm64 binary from the release, run under qemu-aarch64-static as Terraform runs a
//! provider: it prints its version when asked, and otherwise completes go-plugin's handshake (the
//! line Terraform reads) and listens where it said. (The gRPC conversation over mutual TLS is the
//! protocol tests' subject, provider/tests/protocol, on the native build of the same code.)

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::artifacts::{PROJECT, Release, VERSION, binary, entry_name};

const PLATFORM: &str = "linux_arm64";
/// go-plugin's handshake cookie for Terraform providers (the value every provider checks).
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// A guard against a hung emulator, not a speed requirement: qemu starts the binary in seconds.
const HANDSHAKE_GUARD: Duration = Duration::from_secs(120);

fn qemu() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("qemu-aarch64-static"))
        .find(|candidate| candidate.is_file())
        .expect("qemu-aarch64-static is not installed: run `make lambda-qemu` (Debian qemu-user-static)")
}

/// The arm64 executable, unpacked from its zip into `dir`.
fn unpacked(release: &Release, dir: &Path) -> PathBuf {
    let path = dir.join(entry_name(PLATFORM));
    std::fs::write(&path, binary(release, PLATFORM)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn the_arm64_binary_is_a_static_aarch64_executable() {
    let release = Release::load();
    let elf = binary(&release, PLATFORM);
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 183, "EM_AARCH64");
    // No program interpreter: it runs on any arm64 Linux, whatever its libc.
    let phoff = u64::from_le_bytes(elf[32..40].try_into().unwrap()) as usize;
    let phentsize = u16::from_le_bytes([elf[54], elf[55]]) as usize;
    let phnum = u16::from_le_bytes([elf[56], elf[57]]) as usize;
    const PT_INTERP: u32 = 3;
    for index in 0..phnum {
        let at = phoff + index * phentsize;
        let p_type = u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
        assert_ne!(p_type, PT_INTERP, "dynamically linked");
    }
}

#[tokio::test]
async fn the_arm64_binary_reports_its_version_under_qemu() {
    let release = Release::load();
    let scratch = tempfile::tempdir().unwrap();
    let executable = unpacked(&release, scratch.path());
    let output = tokio::process::Command::new(qemu())
        .arg(&executable)
        .arg("--version")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with(&format!("{PROJECT} {VERSION}")),
        "{stdout}"
    );
}

/// A client certificate for PLUGIN_CLIENT_CERT (Terraform makes one per run). The provider only
/// parses it at start; this test does not open the TLS connection, so its key is not needed.
const CLIENT_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----
MIIBpzCCAU2gAwIBAgIUQdcwQb64eLFkvkMehomITws/YQ8wCgYIKoZIzj0EAwIw
KDESMBAGA1UECgwJSGFzaGlDb3JwMRIwEAYDVQQDDAlsb2NhbGhvc3QwIBcNMjYx
MTMwMDMzNDAzWhgPMjEyNjExMDYwMzM0MDNaMCgxEjAQBgNVBAoMCUhhc2hpQ29y
cDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
t1OdsurSkMQDtD+4i1OUqrEuPH1uG+7OQSRkn6YZ1umZCPoUjfM0a9VS4yH3JABb
jQqKbpjYrW/8cOlJlshXZKNTMFEwHQYDVR0OBBYEFP2J/vvGuuBj8cslI06SDGZq
RDh2MB8GA1UdIwQYMBaAFP2J/vvGuuBj8cslI06SDGZqRDh2MA8GA1UdEwEB/wQF
MAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAOLHgpTcduiMz4EMSSatCvjcz0uUvPZK
k+eMA1ub0owxAiAFVhoaQBKE/u3gcB8Y7GnXJ3JfkuA8PnLv/a4vYTpJjg==
-----END CERTIFICATE-----
";

#[tokio::test]
async fn the_arm64_binary_completes_the_go_plugin_handshake_under_qemu() {
    let release = Release::load();
    let scratch = tempfile::tempdir().unwrap();
    let executable = unpacked(&release, scratch.path());
    // Exactly what Terraform sets; no arguments.
    let mut child = tokio::process::Command::new(qemu())
        .arg(&executable)
        .env_clear()
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", CLIENT_CERTIFICATE)
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(HANDSHAKE_GUARD, stdout.read_line(&mut line))
        .await
        .expect("no handshake line from the arm64 binary")
        .unwrap();

    // `1|6|tcp|127.0.0.1:<port>|grpc|<server certificate DER, base64 without padding>`
    assert!(line.ends_with('\n'), "{line:?}");
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "{line:?}");
    assert_eq!(&fields[..3], ["1", "6", "tcp"], "{line:?}");
    assert_eq!(fields[4], "grpc", "{line:?}");
    let address: SocketAddr = fields[3]
        .parse()
        .unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert!(address.ip().is_loopback(), "{line:?}");
    assert!((10000..=25000).contains(&address.port()), "{line:?}");
    let certificate = STANDARD_NO_PAD
        .decode(fields[5])
        .unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(
        certificate[0], 0x30,
        "a DER certificate starts with a SEQUENCE"
    );

    // The announced port is the server's: Terraform connects there next.
    tokio::net::TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("connect to {address}: {e}"));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the provider keeps serving"
    );
    child.kill().await.unwrap();
}
