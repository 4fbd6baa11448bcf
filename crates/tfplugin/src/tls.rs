//! AutoMTLS as go-plugin does it: the provider makes a fresh self-signed certificate per
//! process and announces it in the handshake line; Terraform passes its own per-process
//! certificate in `PLUGIN_CLIENT_CERT`, and only a client presenting exactly that certificate is
//! served.
//!
//! Terraform's client certificate is self-signed ECDSA P-521 with CA:TRUE. rustls' WebPKI
//! client verifier refuses a CA certificate as an end entity, so [`PinnedClientCertificate`]
//! compares the certificate bytes instead and checks the TLS handshake signature with the
//! aws-lc-rs provider's algorithms (which include P-521).

use std::fmt;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not generate the provider's TLS certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCertificate(String),
    #[error("could not build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The provider's certificate and key for this process.
pub struct ServerIdentity {
    pub certificate: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

/// Mirrors go-plugin's generated certificate: SAN and CN `localhost`, CA:TRUE, usable for both
/// server and client authentication. (go-plugin uses P-521; P-256 signs faster and every
/// Terraform accepts it.) The validity is rcgen's default, 1975-4096, so clock skew cannot
/// break the handshake; the key never outlives the process anyway.
pub fn generate_server_identity() -> Result<ServerIdentity, TlsError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "terraform-provider");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let certificate = params.self_signed(&key)?;
    Ok(ServerIdentity {
        certificate: certificate.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Parses the PEM certificate Terraform passes in `PLUGIN_CLIENT_CERT`.
pub fn parse_client_certificate(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| TlsError::ClientCertificate(e.to_string()))
}

/// The crypto provider used on both sides: aws-lc-rs (verifies P-521 signatures).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Server TLS configuration: our identity, a mandatory client certificate equal to `client`,
/// HTTP/2 via ALPN (grpc-go refuses servers that do not negotiate it).
pub fn server_config(
    identity: ServerIdentity,
    client: CertificateDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = crypto_provider();
    let verifier = PinnedClientCertificate {
        expected: client,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.certificate], identity.key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts exactly one client certificate.
pub struct PinnedClientCertificate {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for PinnedClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedClientCertificate")
            .field("expected_len", &self.expected.len())
            .finish()
    }
}

impl ClientCertVerifier for PinnedClientCertificate {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_is_a_parsable_certificate() {
        let identity = generate_server_identity().unwrap_or_else(|e| panic!("{e}"));
        // DER SEQUENCE
        assert_eq!(identity.certificate.first(), Some(&0x30));
        let pem = rcgen::KeyPair::generate()
            .and_then(|key| CertificateParams::new(vec!["x".into()])?.self_signed(&key))
            .map(|cert| cert.pem())
            .unwrap_or_else(|e| panic!("{e}"));
        let parsed = parse_client_certificate(&pem).unwrap_or_else(|e| panic!("{e}"));
        assert!(!parsed.is_empty());
        assert!(parse_client_certificate("not a certificate").is_err());
    }

    #[test]
    fn only_the_pinned_certificate_is_accepted() {
        let certificate = |name: &str| {
            rcgen::KeyPair::generate()
                .and_then(|key| CertificateParams::new(vec![name.into()])?.self_signed(&key))
                .map(|cert| cert.der().clone())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let pinned = certificate("a");
        let verifier = PinnedClientCertificate {
            expected: pinned.clone(),
            algorithms: crypto_provider().signature_verification_algorithms,
        };
        assert!(
            verifier
                .verify_client_cert(&pinned, &[], UnixTime::now())
                .is_ok()
        );
        assert!(
            verifier
                .verify_client_cert(&certificate("a"), &[], UnixTime::now())
                .is_err()
        );
        assert!(verifier.client_auth_mandatory());
        assert!(
            verifier
                .supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }
}
