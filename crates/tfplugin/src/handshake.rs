//! go-plugin's launch contract: the environment Terraform starts the provider with, the port
//! range to listen in, and the one handshake line the provider prints on stdout.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// go-plugin's handshake cookie for Terraform providers; proves Terraform launched us.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version: the first field of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// What is wrong with the way the provider was started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    /// Same words as go-plugin, so people recognise them.
    #[error(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         Please execute the program that consumes these plugins, which will\n\
         load any plugins automatically"
    )]
    NotLaunchedByTerraform,
    #[error(
        "Terraform offered plugin protocol version(s) {offered:?}, but this provider speaks only \
         protocol 6; use Terraform 1.0 or later"
    )]
    UnsupportedProtocol { offered: String },
    #[error(
        "PLUGIN_CLIENT_CERT is not set: Terraform always sends its client certificate, and this \
         provider refuses to serve without mutual TLS"
    )]
    MissingClientCertificate,
    #[error("{name}={value:?} is not a port number")]
    InvalidPort { name: &'static str, value: String },
    #[error("PLUGIN_MIN_PORT {min} is greater than PLUGIN_MAX_PORT {max}")]
    InvertedPortRange { min: u16, max: u16 },
    #[error("no free TCP port on 127.0.0.1 between {min} and {max}")]
    NoFreePort { min: u16, max: u16 },
}

/// How Terraform asked the provider to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// Terraform's certificate (PEM): the only client to serve.
    pub client_certificate_pem: String,
    pub min_port: u16,
    pub max_port: u16,
}

impl Launch {
    /// Reads the launch environment.
    pub fn from_env() -> Result<Self, LaunchError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the launch environment through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LaunchError> {
        if lookup(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(LaunchError::NotLaunchedByTerraform);
        }
        // Absent means "whatever the plugin speaks", as in go-plugin.
        if let Some(offered) = lookup("PLUGIN_PROTOCOL_VERSIONS") {
            let speaks_ours = offered
                .split(',')
                .any(|version| version.trim().parse() == Ok(PROTOCOL_VERSION));
            if !speaks_ours {
                return Err(LaunchError::UnsupportedProtocol { offered });
            }
        }
        let client_certificate_pem = lookup("PLUGIN_CLIENT_CERT")
            .filter(|pem| !pem.trim().is_empty())
            .ok_or(LaunchError::MissingClientCertificate)?;
        let port = |name: &'static str| match lookup(name) {
            None => Ok(0),
            Some(value) if value.is_empty() => Ok(0),
            Some(value) => value
                .trim()
                .parse::<u16>()
                .map_err(|_| LaunchError::InvalidPort { name, value }),
        };
        let (min_port, max_port) = (port("PLUGIN_MIN_PORT")?, port("PLUGIN_MAX_PORT")?);
        if min_port > max_port {
            return Err(LaunchError::InvertedPortRange {
                min: min_port,
                max: max_port,
            });
        }
        Ok(Self {
            client_certificate_pem,
            min_port,
            max_port,
        })
    }

    /// Listens on 127.0.0.1 at the first free port of the range, like go-plugin (0..=0 lets
    /// the system choose).
    pub fn bind(&self) -> Result<TcpListener, LaunchError> {
        (self.min_port..=self.max_port)
            .find_map(|port| TcpListener::bind((Ipv4Addr::LOCALHOST, port)).ok())
            .ok_or(LaunchError::NoFreePort {
                min: self.min_port,
                max: self.max_port,
            })
    }
}

/// `1|6|tcp|127.0.0.1:PORT|grpc|<certificate DER, base64 without padding>`.
pub fn handshake_line(address: SocketAddr, server_certificate_der: &[u8]) -> String {
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|tcp|{address}|grpc|{}",
        STANDARD_NO_PAD.encode(server_certificate_der)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn launch(vars: &[(&str, &str)]) -> Result<Launch, LaunchError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Launch::from_lookup(|name| vars.get(name).cloned())
    }

    const COOKIE: (&str, &str) = (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE);
    const CERT: (&str, &str) = ("PLUGIN_CLIENT_CERT", "-----BEGIN CERTIFICATE-----");

    #[test]
    fn reads_what_terraform_sets() {
        let parsed = launch(&[
            COOKIE,
            CERT,
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_MIN_PORT", "10000"),
            ("PLUGIN_MAX_PORT", "25000"),
        ]);
        assert_eq!(
            parsed,
            Ok(Launch {
                client_certificate_pem: CERT.1.to_string(),
                min_port: 10000,
                max_port: 25000
            })
        );
    }

    #[test]
    fn refuses_to_run_without_the_cookie() {
        assert_eq!(launch(&[CERT]), Err(LaunchError::NotLaunchedByTerraform));
        assert_eq!(
            launch(&[(MAGIC_COOKIE_KEY, "wrong"), CERT]),
            Err(LaunchError::NotLaunchedByTerraform)
        );
        assert!(
            LaunchError::NotLaunchedByTerraform
                .to_string()
                .starts_with("This binary is a plugin.")
        );
    }

    #[test]
    fn needs_protocol_6() {
        assert_eq!(
            launch(&[COOKIE, CERT, ("PLUGIN_PROTOCOL_VERSIONS", "4,5")]),
            Err(LaunchError::UnsupportedProtocol {
                offered: "4,5".into()
            })
        );
        assert!(launch(&[COOKIE, CERT, ("PLUGIN_PROTOCOL_VERSIONS", "6")]).is_ok());
        assert!(launch(&[COOKIE, CERT]).is_ok());
    }

    #[test]
    fn needs_a_client_certificate() {
        assert_eq!(
            launch(&[COOKIE]),
            Err(LaunchError::MissingClientCertificate)
        );
        assert_eq!(
            launch(&[COOKIE, ("PLUGIN_CLIENT_CERT", " ")]),
            Err(LaunchError::MissingClientCertificate)
        );
    }

    #[test]
    fn validates_the_port_range() {
        assert!(matches!(
            launch(&[COOKIE, CERT, ("PLUGIN_MIN_PORT", "x")]),
            Err(LaunchError::InvalidPort { .. })
        ));
        assert_eq!(
            launch(&[
                COOKIE,
                CERT,
                ("PLUGIN_MIN_PORT", "20000"),
                ("PLUGIN_MAX_PORT", "10000")
            ]),
            Err(LaunchError::InvertedPortRange {
                min: 20000,
                max: 10000
            })
        );
    }

    #[test]
    fn binds_the_first_free_port_in_range() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap_or_else(|e| panic!("{e}"));
        let port = taken.local_addr().map(|a| a.port()).unwrap_or_default();
        let only_taken = Launch {
            client_certificate_pem: String::new(),
            min_port: port,
            max_port: port,
        };
        assert_eq!(
            only_taken.bind().err(),
            Some(LaunchError::NoFreePort {
                min: port,
                max: port
            })
        );
        let any = Launch {
            min_port: 0,
            max_port: 0,
            ..only_taken
        };
        let bound = any.bind().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            bound
                .local_addr()
                .is_ok_and(|a| a.ip() == Ipv4Addr::LOCALHOST)
        );
    }

    #[test]
    fn handshake_line_format() {
        let address: SocketAddr = ([127, 0, 0, 1], 10001).into();
        assert_eq!(
            handshake_line(address, &[0xfb, 0xff]),
            "1|6|tcp|127.0.0.1:10001|grpc|+/8"
        );
    }
}
