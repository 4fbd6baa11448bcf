//! The HTTPS client the function's AWS clients share: the SDK's default client (rustls with
//! aws-lc, proxies from the environment), trusting the roots of one CA bundle file.
//!
//! Why not the SDK's default roots: it loads the platform's "native" roots where OpenSSL's probe
//! finds them, the bundle file *and* every file of every certificate directory that exists. On
//! Lambda's `provided.al2023` image that is the bundle plus `/etc/pki/tls/certs` and
//! `/etc/ssl/certs` (one directory twice through a symlink, holding the bundle again); on a
//! Debian host the bundle plus 147 one-certificate files. Every cold start read and parsed them
//! all before its first request. One bundle file holds every root.
//!
//! Why a file and not roots compiled into the binary: the bundle belongs to the OS image, which
//! AWS patches with the runtime, so a root that is distrusted leaves the function with the next
//! image and no rdslink release, and an operator can point `SSL_CERT_FILE` at a bundle with a
//! private CA (a TLS-inspecting egress proxy), which compiled-in roots would ignore.
//!
//! Why at init and not lazily: on Lambda the first invocation talks to AWS over TLS, so a lazy
//! trust store would only move the cost from init into the first response (and flatter a test
//! against a plain-HTTP emulator, which never builds one).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use aws_smithy_http_client::tls::{TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tracing::warn;

/// The distributions' CA bundles, most likely first: Amazon Linux 2023 (Lambda's
/// `provided.al2023`) and other Fedora-family systems, then Debian and Ubuntu, then Alpine.
pub const CA_BUNDLES: &[&str] = &[
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/cert.pem",
];

/// Where the trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// One PEM bundle file.
    Bundle(PathBuf),
    /// The SDK's default: the platform's native roots (`SSL_CERT_DIR` is set, or no bundle was
    /// found).
    Native,
}

/// The roots to trust, from the OpenSSL variables and which files exist: `SSL_CERT_FILE` when it
/// names a file; the native roots when `SSL_CERT_DIR` names one (a directory is what the native
/// loader reads); else the first of [`CA_BUNDLES`] that exists.
pub fn roots(
    ssl_cert_file: Option<OsString>,
    ssl_cert_dir: Option<OsString>,
    is_file: impl Fn(&Path) -> bool,
) -> Roots {
    if let Some(file) = ssl_cert_file.map(PathBuf::from).filter(|f| is_file(f)) {
        return Roots::Bundle(file);
    }
    if ssl_cert_dir.is_some_and(|dir| !dir.is_empty()) {
        return Roots::Native;
    }
    CA_BUNDLES
        .iter()
        .map(Path::new)
        .find(|bundle| is_file(bundle))
        .map_or(Roots::Native, |bundle| Roots::Bundle(bundle.to_owned()))
}

/// The certificates of a PEM bundle, when every one of them is a root rustls accepts. The SDK
/// builds its trust store from the PEM and panics on a certificate it cannot parse, so a bundle
/// is used only when it passes the same checks first.
pub fn check_bundle(pem: &[u8]) -> Result<usize, String> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| format!("not a PEM bundle: {err}"))?;
    let count = certificates.len();
    let mut store = rustls::RootCertStore::empty();
    let (_, invalid) = store.add_parsable_certificates(certificates);
    match (count, invalid) {
        (0, _) => Err("no certificate in it".to_owned()),
        (_, 0) => Ok(count),
        (_, invalid) => Err(format!(
            "{invalid} of its {count} certificates are unusable"
        )),
    }
}

/// The HTTPS client for the SDK config: the default one, trusting the roots of [`roots`] from
/// the environment; `None` (the SDK's default client) for native roots or a bundle that cannot
/// be read or checked, with a warning for the latter.
pub fn client_from_env() -> Option<SharedHttpClient> {
    let roots = roots(
        std::env::var_os("SSL_CERT_FILE"),
        std::env::var_os("SSL_CERT_DIR"),
        Path::is_file,
    );
    let Roots::Bundle(path) = roots else {
        return None;
    };
    let pem = match std::fs::read(&path).map_err(|err| err.to_string()) {
        Ok(pem) => check_bundle(&pem).map(|_| pem),
        Err(err) => Err(err),
    };
    match pem {
        Ok(pem) => Some(client_trusting(pem)),
        Err(err) => {
            warn!(
                bundle = %path.display(),
                error = err,
                "cannot use the CA bundle; loading the platform's native roots"
            );
            None
        }
    }
}

/// The SDK's default HTTPS client with `pem` as its only roots.
fn client_trusting(pem: Vec<u8>) -> SharedHttpClient {
    let tls = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(pem))
        .build()
        .expect("a TLS context takes any trust store");
    rdslink_engine::https::client(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(existing: &'static [&'static str]) -> impl Fn(&Path) -> bool {
        move |path| existing.iter().any(|file| Path::new(file) == path)
    }

    #[test]
    fn ssl_cert_file_wins_when_it_exists() {
        let all = only(&["/custom/ca.pem", "/etc/ssl/certs/ca-certificates.crt"]);
        assert_eq!(
            roots(Some("/custom/ca.pem".into()), Some("/d".into()), &all),
            Roots::Bundle("/custom/ca.pem".into())
        );
        // A variable naming no file is ignored, as OpenSSL's probe ignores it.
        assert_eq!(
            roots(Some("/missing.pem".into()), None, &all),
            Roots::Bundle("/etc/ssl/certs/ca-certificates.crt".into())
        );
    }

    #[test]
    fn ssl_cert_dir_keeps_the_native_roots() {
        let all = only(&["/etc/ssl/certs/ca-certificates.crt"]);
        assert_eq!(roots(None, Some("/my/certs".into()), &all), Roots::Native);
    }

    #[test]
    fn the_amazon_linux_bundle_comes_first() {
        let al2023 = only(&[
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/certs/ca-certificates.crt",
        ]);
        assert_eq!(
            roots(None, None, &al2023),
            Roots::Bundle("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem".into())
        );
        assert_eq!(roots(None, None, only(&[])), Roots::Native);
    }

    #[test]
    fn a_bundle_is_used_only_when_every_certificate_is_usable() {
        assert!(check_bundle(b"").is_err());
        assert!(check_bundle(b"not pem at all").is_err());
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = check_bundle(garbage).unwrap_err();
        assert!(err.contains("1 of its 1"), "{err}");
    }

    /// The bundle of the machine the tests run on (Debian's, or Amazon Linux's) passes.
    #[test]
    fn this_machines_bundle_passes() {
        let Roots::Bundle(path) = roots(None, None, Path::is_file) else {
            panic!("no CA bundle of {CA_BUNDLES:?} on this machine");
        };
        let pem = std::fs::read(&path).expect("read the bundle");
        let count = check_bundle(&pem).expect("a usable bundle");
        assert!(count > 10, "{count} roots in {}", path.display());
    }
}
