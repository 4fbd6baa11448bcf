//! A resolver that asks exactly one loopback nameserver and never caches, as the product's
//! explicit-nameserver mode does.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

#[derive(Clone, Copy, Debug)]
pub enum Transport {
    Udp,
    Tcp,
}

pub fn resolver(server: SocketAddr, transport: Transport, timeout: Duration) -> TokioResolver {
    let mut connection = match transport {
        Transport::Udp => ConnectionConfig::udp(),
        Transport::Tcp => ConnectionConfig::tcp(),
    };
    connection.port = server.port();
    let name_server = NameServerConfig::new(server.ip(), true, vec![connection]);
    let mut builder = TokioResolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![name_server]),
        TokioRuntimeProvider::default(),
    );
    let options = builder.options_mut();
    options.cache_size = 0;
    options.timeout = timeout;
    options.attempts = 1;
    builder
        .build()
        .expect("a resolver for one loopback nameserver")
}

/// The IPv4 addresses `name` resolves to through `server` (UDP), sorted.
pub async fn ipv4(server: SocketAddr, name: &str) -> Vec<Ipv4Addr> {
    ipv4_over(server, Transport::Udp, name).await
}

pub async fn ipv4_over(server: SocketAddr, transport: Transport, name: &str) -> Vec<Ipv4Addr> {
    let lookup = resolver(server, transport, Duration::from_secs(2))
        .lookup_ip(format!("{name}."))
        .await
        .unwrap_or_else(|err| panic!("{name} does not resolve: {err}"));
    let mut ips: Vec<Ipv4Addr> = lookup
        .iter()
        .filter_map(|ip| match ip {
            IpAddr::V4(ip) => Some(ip),
            IpAddr::V6(_) => None,
        })
        .collect();
    ips.sort();
    ips
}
