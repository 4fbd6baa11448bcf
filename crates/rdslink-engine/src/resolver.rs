//! DNS resolution for discovery: IPv4 addresses of a name, following CNAMEs, never cached.
//!
//! Caching is off on purpose: after a failover the whole point is to see the new answer the
//! moment the authoritative servers give it. A per-query timeout and a hard overall deadline keep
//! a silent nameserver from eating the Lambda's time budget.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
    ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use crate::Error;

/// How long to wait for nameservers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolverOptions {
    /// Time allowed for one query to one nameserver.
    pub timeout: Duration,
    /// How many times a query is sent before giving up.
    pub attempts: usize,
}

impl Default for ResolverOptions {
    /// 2 s x 2 attempts: the VPC resolver answers in milliseconds; a resolver that has not answered
    /// twice in 2 s is not going to answer within a Lambda invocation either.
    fn default() -> Self {
        ResolverOptions {
            timeout: Duration::from_secs(2),
            attempts: 2,
        }
    }
}

impl ResolverOptions {
    /// The most a single lookup may take before it is reported as a timeout, whatever the
    /// resolver library does internally (UDP then TCP, several servers): every attempt's
    /// timeout, plus one timeout of slack.
    fn deadline(&self) -> Duration {
        self.timeout
            .saturating_mul(u32::try_from(self.attempts.max(1)).unwrap_or(u32::MAX))
            .saturating_add(self.timeout)
    }
}

/// An uncached DNS resolver for IPv4 addresses.
#[derive(Clone)]
pub struct Resolver {
    inner: TokioResolver,
    options: ResolverOptions,
    /// Who is asked, for error messages ("the system resolver (/etc/resolv.conf)", "127.0.0.1:53").
    nameservers: Arc<str>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("nameservers", &self.nameservers)
            .field("options", &self.options)
            .finish()
    }
}

impl Resolver {
    /// The operating system's nameservers (`/etc/resolv.conf`; in a Lambda in a VPC, the VPC
    /// resolver), with the default [`ResolverOptions`].
    pub fn system() -> Result<Self, Error> {
        Self::system_with(ResolverOptions::default())
    }

    /// The operating system's nameservers with explicit timeouts. The system's own `timeout` and
    /// `attempts` options are replaced by `options`, so the engine's time budget is predictable.
    pub fn system_with(options: ResolverOptions) -> Result<Self, Error> {
        let mut builder = TokioResolver::builder_tokio().map_err(|err| Error::ResolverConfig {
            message: err.to_string(),
        })?;
        apply_options(builder.options_mut(), options, ResolveHosts::Auto);
        let inner = builder.build().map_err(|err| Error::ResolverConfig {
            message: err.to_string(),
        })?;
        Ok(Resolver {
            inner,
            options,
            nameservers: Arc::from("the system resolver (/etc/resolv.conf)"),
        })
    }

    /// Exactly these nameservers (UDP, falling back to TCP), with the default [`ResolverOptions`].
    /// `/etc/hosts` is not consulted.
    pub fn with_nameservers(nameservers: &[SocketAddr]) -> Self {
        Self::with_nameservers_and_options(nameservers, ResolverOptions::default())
    }

    /// Exactly these nameservers with explicit timeouts.
    pub fn with_nameservers_and_options(
        nameservers: &[SocketAddr],
        options: ResolverOptions,
    ) -> Self {
        let servers = nameservers
            .iter()
            .map(|addr| {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
            })
            .collect();
        let mut builder = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        );
        apply_options(builder.options_mut(), options, ResolveHosts::Never);
        let description = nameservers
            .iter()
            .map(SocketAddr::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        // `build` can only fail while setting up DNSSEC or TLS, and this crate enables neither
        // (see the hickory-resolver features in Cargo.toml): no input can make this fail.
        let inner = builder
            .build()
            .expect("a plain UDP/TCP resolver without DNSSEC or TLS always builds");
        Resolver {
            inner,
            options,
            nameservers: Arc::from(format!("nameservers {description}")),
        }
    }

    /// Describes who this resolver asks (for messages).
    pub fn nameservers(&self) -> &str {
        &self.nameservers
    }

    /// The IPv4 addresses `host` resolves to now, following CNAMEs; sorted and without
    /// duplicates; never empty on success. An IPv4 literal is returned as is.
    pub async fn resolve_ipv4(&self, host: &str) -> Result<Vec<Ipv4Addr>, Error> {
        if let Ok(literal) = Ipv4Addr::from_str(host) {
            return Ok(vec![literal]);
        }
        let name = fully_qualified(host)?;
        let lookup = tokio::time::timeout(
            self.options.deadline(),
            self.inner.lookup(name, RecordType::A),
        )
        .await
        .map_err(|_elapsed| self.timeout_error(host))?
        .map_err(|err| self.lookup_error(host, err))?;

        // The answer section holds the CNAME chain and the A records at its end; only the
        // addresses matter.
        let mut addresses: Vec<Ipv4Addr> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::A(a) => Some(a.0),
                _ => None,
            })
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        if addresses.is_empty() {
            return Err(self.no_addresses(host));
        }
        Ok(addresses)
    }

    fn lookup_error(&self, host: &str, err: NetError) -> Error {
        match &err {
            NetError::Dns(DnsError::NoRecordsFound(no_records)) => {
                if no_records.response_code == ResponseCode::NXDomain {
                    Error::NameDoesNotResolve {
                        name: host.to_string(),
                        nameservers: self.nameservers.to_string(),
                    }
                } else {
                    self.no_addresses(host)
                }
            }
            NetError::Timeout => self.timeout_error(host),
            _ => Error::Resolver {
                name: host.to_string(),
                message: format!("{err} (asked {})", self.nameservers),
            },
        }
    }

    fn timeout_error(&self, host: &str) -> Error {
        Error::ResolverTimeout {
            name: host.to_string(),
            nameservers: self.nameservers.to_string(),
        }
    }

    fn no_addresses(&self, host: &str) -> Error {
        Error::NoAddresses {
            name: host.to_string(),
            nameservers: self.nameservers.to_string(),
        }
    }
}

fn apply_options(opts: &mut ResolverOpts, options: ResolverOptions, hosts: ResolveHosts) {
    opts.cache_size = 0;
    opts.timeout = options.timeout;
    opts.attempts = options.attempts.max(1);
    opts.ip_strategy = LookupIpStrategy::Ipv4Only;
    opts.use_hosts_file = hosts;
    // Keep the CNAME chain in the answer: harmless, and useful when debugging with `tracing`.
    opts.preserve_intermediates = true;
    // A truncated or failed UDP answer is retried over TCP.
    opts.try_tcp_on_error = true;
}

/// Parses `host` as an absolute name, so no search domain from resolv.conf is ever appended
/// (RDS names are always fully qualified; `orders.abc.rds.amazonaws.com.internal` is not meant).
fn fully_qualified(host: &str) -> Result<Name, Error> {
    let invalid = |reason: String| Error::InvalidHostname {
        name: host.to_string(),
        reason,
    };
    if host.is_empty() {
        return Err(invalid("it is empty".to_string()));
    }
    if host.parse::<IpAddr>().is_ok() {
        return Err(invalid(
            "IPv6 addresses cannot be NLB IP targets here".to_string(),
        ));
    }
    let mut name = Name::from_str(host).map_err(|err| invalid(err.to_string()))?;
    name.set_fqdn(true);
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_absolute() {
        let name = fully_qualified("db.abc.us-east-1.rds.amazonaws.com").unwrap();
        assert!(name.is_fqdn());
        assert_eq!(name.to_string(), "db.abc.us-east-1.rds.amazonaws.com.");
        let already = fully_qualified("db.example.").unwrap();
        assert_eq!(already.to_string(), "db.example.");
    }

    #[test]
    fn bad_names_are_typed_errors() {
        for bad in ["", "::1", "a..b"] {
            let err = fully_qualified(bad).unwrap_err();
            assert_eq!(err.kind(), "invalid_hostname", "{bad:?}: {err}");
        }
    }

    #[test]
    fn the_overall_deadline_covers_every_attempt() {
        let options = ResolverOptions {
            timeout: Duration::from_millis(300),
            attempts: 2,
        };
        assert_eq!(options.deadline(), Duration::from_millis(900));
    }

    #[tokio::test]
    async fn ipv4_literals_need_no_lookup() {
        // Port 9 (discard): nothing answers, so a lookup would fail.
        let resolver = Resolver::with_nameservers(&["127.0.0.1:9".parse().unwrap()]);
        assert_eq!(
            resolver.resolve_ipv4("10.0.0.7").await.unwrap(),
            vec![Ipv4Addr::new(10, 0, 0, 7)]
        );
    }
}
