//! A Terraform registry on loopback for one release: the provider registry protocol's two JSON
//! documents per version and platform, and the release files themselves, served from a directory.
//!
//! Terraform is pointed at it with a CLI configuration `host "registry.terraform.io"` block, so
//! `terraform init` runs the registry path exactly: it downloads SHA256SUMS and its signature,
//! verifies the signature with the key the registry returns, checks the zip against the signed
//! sums and records every signed `zh:` hash in the lock file.

use std::path::PathBuf;

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::artifacts::{PROJECT, Release, VERSION, sums_name, zip_name};

pub struct Registry {
    pub base_url: String,
    server: tokio::task::JoinHandle<()>,
}

/// The signing key as the registry publishes it.
pub struct SigningKey {
    /// 16 hex digits: the fingerprint's low 64 bits, as Terraform prints it.
    pub key_id: String,
    pub ascii_armor: String,
}

impl SigningKey {
    /// RDSLINK_GPG_KEY_ID's public key, exported from GNUPGHOME (set by `make test-release`).
    pub fn from_environment() -> SigningKey {
        let key = std::env::var("RDSLINK_GPG_KEY_ID")
            .expect("RDSLINK_GPG_KEY_ID is not set: run these tests with `make test-release`");
        let fingerprint = gpg(&["--with-colons", "--list-keys", &key])
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_string())
            .expect("gpg lists the key's fingerprint");
        SigningKey {
            key_id: fingerprint[fingerprint.len() - 16..].to_string(),
            ascii_armor: gpg(&["--armor", "--export", &key]),
        }
    }
}

fn gpg(args: &[&str]) -> String {
    let output = std::process::Command::new("gpg")
        .arg("--batch")
        .args(args)
        .output()
        .expect("gpg");
    assert!(
        output.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

impl Registry {
    /// Serves `release`'s platforms, with the files read from `files` at each request (a test may
    /// tamper with them in between).
    pub async fn start(release: &Release, files: PathBuf, key: &SigningKey) -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let platforms = release.platforms();
        let mut documents = std::collections::HashMap::new();
        let os_arch = |platform: &str| -> (String, String) {
            let (os, arch) = platform.split_once('_').unwrap();
            (os.to_string(), arch.to_string())
        };
        documents.insert(
            "/v1/providers/rdslink/rdslink/versions".to_string(),
            json!({"versions": [{
                "version": VERSION,
                "protocols": ["6.0"],
                "platforms": platforms.iter().map(|p| {
                    let (os, arch) = os_arch(p);
                    json!({"os": os, "arch": arch})
                }).collect::<Vec<_>>(),
            }]}),
        );
        for platform in &platforms {
            let (os, arch) = os_arch(platform);
            documents.insert(
                format!("/v1/providers/rdslink/rdslink/{VERSION}/download/{os}/{arch}"),
                json!({
                    "protocols": ["6.0"],
                    "os": os,
                    "arch": arch,
                    "filename": zip_name(platform),
                    "download_url": format!("{base_url}/files/{}", zip_name(platform)),
                    "shasums_url": format!("{base_url}/files/{}", sums_name()),
                    "shasums_signature_url": format!("{base_url}/files/{}.sig", sums_name()),
                    "shasum": release.zip_sum(platform),
                    "signing_keys": {"gpg_public_keys": [{
                        "key_id": key.key_id,
                        "ascii_armor": key.ascii_armor,
                    }]},
                }),
            );
        }
        let server = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let documents = documents.clone();
                let files = files.clone();
                tokio::spawn(async move {
                    let Some((method, path)) = read_request_line(&mut stream).await else {
                        return;
                    };
                    let (status, body) = match documents.get(&path) {
                        Some(document) => ("200 OK", document.to_string().into_bytes()),
                        None => match path.strip_prefix("/files/") {
                            Some(name) if name.starts_with(PROJECT) && !name.contains('/') => {
                                match std::fs::read(files.join(name)) {
                                    Ok(bytes) => ("200 OK", bytes),
                                    Err(_) => ("404 Not Found", Vec::new()),
                                }
                            }
                            _ => ("404 Not Found", Vec::new()),
                        },
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    if method != "HEAD" {
                        let _ = stream.write_all(&body).await;
                    }
                    let _ = stream.shutdown().await;
                });
            }
        });
        Registry { base_url, server }
    }

    /// A CLI configuration that makes `registry.terraform.io` this server, and nothing else.
    pub fn cli_configuration(&self) -> String {
        format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"{}/v1/providers/\"\n  }}\n}}\n\
             provider_installation {{\n  direct {{\n    include = [\"registry.terraform.io/rdslink/rdslink\"]\n  }}\n}}\n",
            self.base_url
        )
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The request's method and path; the headers are read and ignored (no request has a body).
async fn read_request_line(stream: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut parts = head.lines().next()?.split_whitespace();
    Some((parts.next()?.to_string(), parts.next()?.to_string()))
}
