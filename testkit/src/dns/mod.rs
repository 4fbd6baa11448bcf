//! Loopback DNS for tests: an authoritative server whose answers tests change at runtime, and a
//! server that never answers.
//!
//! moto's RDS endpoint names resolve nowhere. Tests point the code under test (through its
//! explicit-nameserver option) at a [`DnsServer`] and play failover by changing the answers.

mod server;
mod silent;
mod zone;

pub use server::DnsServer;
pub use silent::SilentDns;

use std::net::SocketAddr;

use tokio::net::{TcpListener, UdpSocket};

/// Binds UDP and TCP on the same port of `addr` and hands back both sockets, still bound: the port
/// is chosen and held in one step, so no other process can take either half before the caller
/// serves on it (a port found free, released and bound again later could be taken in between).
///
/// With port 0 the kernel picks a free UDP port and TCP must take the same number. UDP and TCP
/// ports are separate, so another process may hold that TCP port; only then is another port tried.
/// The UDP sockets of rejected ports stay bound until this returns, so the kernel cannot offer the
/// same port twice. A non-zero port is the caller's choice: failing to bind it is an error, never a
/// reason to move to another port.
async fn bind_udp_and_tcp(addr: SocketAddr) -> std::io::Result<(UdpSocket, TcpListener)> {
    const ATTEMPTS: usize = 20;
    let mut rejected = Vec::new();
    let mut last_error = None;
    for _ in 0..ATTEMPTS {
        let udp = UdpSocket::bind(addr).await?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            // Any error, not just AddrInUse: e.g. Windows reports a port in an excluded range as
            // PermissionDenied, and another port is the cure either way.
            Err(err) if addr.port() == 0 => {
                last_error = Some(err);
                rejected.push(udp);
            }
            Err(err) => return Err(err),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::ErrorKind::AddrInUse.into()))
}

/// A fully qualified, lower-case DNS name, or a panic naming the offending input (test helpers
/// take names from tests and from emulator responses; a bad one is a bug in the test).
fn parse_name(name: &str) -> hickory_proto::rr::Name {
    match hickory_proto::rr::Name::from_ascii(name) {
        Ok(mut parsed) => {
            parsed.set_fqdn(true);
            parsed.to_lowercase()
        }
        Err(err) => panic!("{name:?} is not a valid DNS name: {err}"),
    }
}
