//! Terraform's side of the plugin connection, for tests: a per-run client certificate made the
//! way Terraform makes it, the handshake line parser, and gRPC channels over mutual TLS.
//!
//! Shared by the provider's protocol tests (the built binary) and the plugin layer's in-process
//! tests; compiled only for tests (`cfg(test)` or the `testing` feature), never shipped.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tonic::transport::{Channel, Endpoint};

use crate::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use crate::tls::crypto_provider;

/// The environment variable and value go-plugin uses to recognise Terraform.
pub const MAGIC_COOKIE: (&str, &str) = (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE);

/// A client certificate and key.
pub struct ClientIdentity {
    pub certificate_pem: String,
    certificate: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl ClientIdentity {
    /// Like Terraform's (go-plugin `generateCert`): self-signed ECDSA P-521, CA:TRUE, CN
    /// localhost, server and client auth.
    pub fn like_terraform() -> Self {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512)
            .unwrap_or_else(|e| panic!("P-521 key: {e}"));
        let mut params = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap_or_else(|e| panic!("params: {e}"));
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "HashiCorp");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let certificate = params
            .self_signed(&key)
            .unwrap_or_else(|e| panic!("certificate: {e}"));
        Self {
            certificate_pem: certificate.pem(),
            certificate: certificate.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// What the provider announced.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub address: SocketAddr,
    pub server_certificate: CertificateDer<'static>,
}

/// Parses `1|6|tcp|127.0.0.1:PORT|grpc|<base64 DER without padding>`, failing on any
/// deviation from what go-plugin's client accepts.
pub fn parse_handshake(line: &str) -> Result<Handshake, String> {
    let fields: Vec<&str> = line.trim_end_matches('\n').split('|').collect();
    let [core, protocol, network, address, kind, certificate] = fields[..] else {
        return Err(format!("expected 6 fields: {line:?}"));
    };
    if (core, protocol, network, kind) != ("1", "6", "tcp", "grpc") {
        return Err(format!("unexpected protocol fields: {line:?}"));
    }
    let address: SocketAddr = address
        .parse()
        .map_err(|e| format!("address {address:?}: {e}"))?;
    if !address.ip().is_loopback() {
        return Err(format!("not a loopback address: {address}"));
    }
    if certificate.ends_with('=') {
        return Err("the certificate must be base64 without padding".into());
    }
    let der = STANDARD_NO_PAD
        .decode(certificate)
        .map_err(|e| format!("certificate base64: {e}"))?;
    Ok(Handshake {
        address,
        server_certificate: CertificateDer::from(der),
    })
}

/// Trusts exactly the certificate from the handshake, as Terraform does (a self-signed CA
/// certificate that WebPKI would refuse as a server certificate).
#[derive(Debug)]
struct PinnedServerCertificate {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServerCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS client configuration trusting the announced server certificate and presenting
/// `identity` (or no certificate at all).
pub fn client_config(
    handshake: &Handshake,
    identity: Option<&ClientIdentity>,
) -> Arc<rustls::ClientConfig> {
    let provider = crypto_provider();
    let verifier = PinnedServerCertificate {
        expected: handshake.server_certificate.clone(),
        algorithms: provider.signature_verification_algorithms,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("protocol versions: {e}"))
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(vec![identity.certificate.clone()], identity.key())
            .unwrap_or_else(|e| panic!("client certificate: {e}")),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// Opens a TLS connection the way Terraform's gRPC client does.
pub async fn connect_tls(
    handshake: &Handshake,
    config: Arc<rustls::ClientConfig>,
) -> io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(handshake.address).await?;
    tcp.set_nodelay(true)?;
    let name = ServerName::try_from("localhost").map_err(io::Error::other)?;
    TlsConnector::from(config).connect(name, tcp).await
}

/// A gRPC channel to the provider over mutual TLS.
pub async fn channel(
    handshake: &Handshake,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let config = client_config(handshake, identity);
    let target = handshake.clone();
    Endpoint::from_shared(format!("http://{}", handshake.address))?
        .connect_with_connector(tower::service_fn(move |_uri| {
            let config = config.clone();
            let target = target.clone();
            async move { connect_tls(&target, config).await.map(TokioIo::new) }
        }))
        .await
}

/// Checks that Terraform's stop reaches in-flight work: starts `in_flight` (an RPC), checks it
/// is still running after a moment, runs `stop` (StopProvider, which must itself return at
/// once), then expects `in_flight` to finish within `within`. Returns its output and how long
/// after the stop it finished.
pub async fn assert_cancelled_by_stop<T, E>(
    in_flight: impl std::future::Future<Output = T> + Send + 'static,
    stop: impl std::future::Future<Output = Result<(), E>>,
    within: std::time::Duration,
) -> (T, std::time::Duration)
where
    T: Send + 'static,
    E: std::fmt::Display,
{
    use std::time::{Duration, Instant};
    let running = tokio::spawn(in_flight);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !running.is_finished(),
        "the operation finished before the stop"
    );
    let stopped_at = Instant::now();
    if let Err(error) = stop.await {
        panic!("StopProvider failed: {error}");
    }
    assert!(
        stopped_at.elapsed() < Duration::from_secs(1),
        "StopProvider must return at once, took {:?}",
        stopped_at.elapsed()
    );
    let output = tokio::time::timeout(within, running)
        .await
        .unwrap_or_else(|_| panic!("the operation was still running {within:?} after the stop"))
        .unwrap_or_else(|e| panic!("the operation panicked: {e}"));
    (output, stopped_at.elapsed())
}
