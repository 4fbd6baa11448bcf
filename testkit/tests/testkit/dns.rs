use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use rdslink_testkit::{DnsServer, SilentDns};

use crate::resolve::{Transport, ipv4, ipv4_over, resolver};

const WRITER: &str = "orders-1.aaaaaaaaaa.us-east-1.rds.amazonaws.com";
const READER: &str = "orders-2.aaaaaaaaaa.us-east-1.rds.amazonaws.com";
const CLUSTER: &str = "orders.cluster-abc.us-east-1.rds.amazonaws.com";

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, last)
}

#[tokio::test]
async fn answers_change_at_once_and_replace_the_whole_rrset() {
    let dns = DnsServer::start().await;
    dns.set_a(WRITER, &[ip(1), ip(2)]);
    assert_eq!(ipv4(dns.addr(), WRITER).await, [ip(1), ip(2)]);

    dns.set_a(WRITER, &[ip(3)]);
    assert_eq!(ipv4(dns.addr(), WRITER).await, [ip(3)]);
}

#[tokio::test]
async fn answers_over_udp_and_tcp_on_one_port() {
    let dns = DnsServer::start().await;
    assert!(dns.addr().ip().is_loopback());
    dns.set_a(WRITER, &[ip(4)]);
    assert_eq!(ipv4_over(dns.addr(), Transport::Udp, WRITER).await, [ip(4)]);
    assert_eq!(ipv4_over(dns.addr(), Transport::Tcp, WRITER).await, [ip(4)]);
}

#[tokio::test]
async fn cnames_are_followed_and_can_move() {
    let dns = DnsServer::start().await;
    dns.set_a(WRITER, &[ip(1)]);
    dns.set_a(READER, &[ip(2)]);
    dns.set_cname(CLUSTER, WRITER);
    assert_eq!(ipv4(dns.addr(), CLUSTER).await, [ip(1)]);

    dns.set_cname(CLUSTER, READER);
    assert_eq!(ipv4(dns.addr(), CLUSTER).await, [ip(2)]);
}

#[tokio::test]
async fn names_are_case_insensitive() {
    let dns = DnsServer::start().await;
    dns.set_a(&WRITER.to_uppercase(), &[ip(5)]);
    assert_eq!(ipv4(dns.addr(), WRITER).await, [ip(5)]);
}

#[tokio::test]
async fn unknown_and_removed_names_are_nxdomain() {
    let dns = DnsServer::start().await;
    let lookup = |name: &'static str| {
        let resolver = resolver(dns.addr(), Transport::Udp, Duration::from_secs(2));
        async move { resolver.lookup_ip(format!("{name}.")).await }
    };
    let err = lookup("nothing.example")
        .await
        .expect_err("an unknown name");
    assert!(err.is_nx_domain(), "expected NXDOMAIN, got {err}");

    dns.set_a(WRITER, &[ip(1)]);
    assert!(lookup(WRITER).await.is_ok());
    dns.remove(WRITER);
    let err = lookup(WRITER).await.expect_err("a removed name");
    assert!(err.is_nx_domain(), "expected NXDOMAIN, got {err}");
}

#[tokio::test]
async fn every_lookup_reaches_the_server() {
    let dns = DnsServer::start().await;
    dns.set_a(WRITER, &[ip(1)]);
    let before = dns.query_count();
    for _ in 0..3 {
        assert_eq!(ipv4(dns.addr(), WRITER).await, [ip(1)]);
    }
    assert!(
        dns.query_count() >= before + 3,
        "TTL 0 answers must not be served from a cache"
    );
}

#[tokio::test]
async fn start_on_binds_the_requested_address() {
    // Port 0: the server picks the port and binds UDP and TCP on it in one step, then reports it.
    // A port picked here, released and handed over would race: another process may hold or grab
    // its TCP half (a free UDP port says nothing about TCP) before the server binds it.
    let requested = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let dns = DnsServer::start_on(requested).await;
    let addr = dns.addr();
    assert_eq!(addr.ip(), requested.ip(), "the requested interface");
    assert_ne!(addr.port(), 0, "the port actually bound, not the wildcard");
    dns.set_a(WRITER, &[ip(9)]);
    assert_eq!(ipv4_over(addr, Transport::Udp, WRITER).await, [ip(9)]);
    assert_eq!(ipv4_over(addr, Transport::Tcp, WRITER).await, [ip(9)]);
}

#[tokio::test]
#[should_panic(expected = "cannot bind the test DNS server to 127.0.0.1:")]
async fn start_on_never_swaps_a_requested_port_for_another() {
    // This listener holds the port's TCP half for the whole test, so the port stays unusable for
    // the server whoever holds its UDP half: the server must fail rather than serve elsewhere.
    let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let dns = DnsServer::start_on(taken.local_addr().unwrap()).await;
    drop(taken);
    panic!("started on {} although the port was taken", dns.addr());
}

#[tokio::test]
async fn silent_dns_makes_lookups_time_out() {
    let silent = SilentDns::start().await;
    for transport in [Transport::Udp, Transport::Tcp] {
        let timeout = Duration::from_millis(300);
        let started = Instant::now();
        let err = resolver(silent.addr(), transport, timeout)
            .lookup_ip(format!("{WRITER}."))
            .await
            .expect_err("a server that never answers");
        let elapsed = started.elapsed();
        assert!(
            !err.is_nx_domain() && !err.is_no_records_found(),
            "{transport:?}: expected a timeout, got {err}"
        );
        assert!(
            elapsed >= timeout,
            "{transport:?}: gave up after {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_secs(10),
            "{transport:?}: took {elapsed:?}"
        );
    }
    assert!(
        silent.query_count() >= 2,
        "both transports reached the server"
    );
}
