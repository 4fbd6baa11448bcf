//! A nameserver that never answers, for resolver-timeout tests.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinSet;

use super::bind_udp_and_tcp;

const ERROR_BACKOFF: Duration = Duration::from_millis(10);

/// UDP and TCP sockets on `127.0.0.1` (one port) that accept queries and never answer: UDP
/// datagrams are read and dropped, TCP connections are accepted and held open in silence.
///
/// Stops when dropped; runs on the Tokio runtime that started it.
pub struct SilentDns {
    addr: SocketAddr,
    queries: Arc<AtomicU64>,
    // Dropping the set aborts the tasks (and with them the held connections).
    _tasks: JoinSet<()>,
}

impl SilentDns {
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        let requested = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let (udp, tcp) = match bind_udp_and_tcp(requested).await {
            Ok(sockets) => sockets,
            Err(err) => panic!("cannot bind the silent DNS server: {err}"),
        };
        let addr = match udp.local_addr() {
            Ok(bound) => bound,
            Err(err) => panic!("the silent DNS server's socket has no address: {err}"),
        };
        let queries = Arc::new(AtomicU64::new(0));
        let mut tasks = JoinSet::new();
        tasks.spawn(swallow_datagrams(udp, Arc::clone(&queries)));
        tasks.spawn(hold_connections(tcp, Arc::clone(&queries)));
        Self {
            addr,
            queries,
            _tasks: tasks,
        }
    }

    /// Where the server listens (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many UDP datagrams plus TCP connections it has received: proves the resolver tried.
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for SilentDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SilentDns")
            .field("addr", &self.addr)
            .finish()
    }
}

async fn swallow_datagrams(udp: UdpSocket, queries: Arc<AtomicU64>) {
    let mut buffer = [0_u8; 4096];
    loop {
        match udp.recv_from(&mut buffer).await {
            Ok(_) => {
                queries.fetch_add(1, Ordering::SeqCst);
            }
            // Not fatal on a connectionless socket (e.g. an ICMP report); do not spin on it.
            Err(_) => tokio::time::sleep(ERROR_BACKOFF).await,
        }
    }
}

async fn hold_connections(tcp: TcpListener, queries: Arc<AtomicU64>) {
    let mut held = Vec::new();
    loop {
        match tcp.accept().await {
            Ok((stream, _peer)) => {
                queries.fetch_add(1, Ordering::SeqCst);
                held.push(stream);
            }
            // E.g. out of file descriptors: wait rather than spin.
            Err(_) => tokio::time::sleep(ERROR_BACKOFF).await,
        }
    }
}
