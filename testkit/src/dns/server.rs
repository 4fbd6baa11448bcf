//! The authoritative loopback DNS server.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hickory_proto::op::{Edns, Header, HeaderCounts, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::Record;
use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;

use super::zone::{Answer, Zone};
use super::{bind_udp_and_tcp, parse_name};

/// Idle TCP connections are closed after this long.
const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Responses queued per TCP connection.
const TCP_RESPONSE_BUFFER: usize = 32;

/// An authoritative DNS server on loopback (UDP and TCP, one port) whose answers tests change at
/// runtime.
///
/// Every answer has TTL 0, names are case-insensitive, unknown names get NXDOMAIN, and CNAMEs are
/// followed within the server. Changes apply to the next query. The server stops when this value
/// is dropped; it runs on the Tokio runtime that started it.
pub struct DnsServer {
    addr: SocketAddr,
    zone: Arc<RwLock<Zone>>,
    queries: Arc<AtomicU64>,
    // Dropping the server aborts its tasks.
    _server: Server<Handler>,
}

impl DnsServer {
    /// Starts a server on `127.0.0.1` on a free port.
    pub async fn start() -> Self {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a server on `addr` (UDP and TCP, one port); [`addr`](Self::addr) says where.
    ///
    /// Port 0 lets the server pick a port that is free for both protocols and bind both at once:
    /// prefer it in tests. A port found free elsewhere and released for this call may be taken by
    /// another process in the meantime (its TCP half in particular: a UDP port being free says
    /// nothing about the TCP port of the same number).
    ///
    /// # Panics
    /// If the address cannot be bound; a non-zero port is never swapped for another.
    pub async fn start_on(addr: SocketAddr) -> Self {
        let (udp, tcp) = match bind_udp_and_tcp(addr).await {
            Ok(sockets) => sockets,
            Err(err) => panic!("cannot bind the test DNS server to {addr}: {err}"),
        };
        let addr = match udp.local_addr() {
            Ok(bound) => bound,
            Err(err) => panic!("the test DNS server's socket has no address: {err}"),
        };
        let zone = Arc::new(RwLock::new(Zone::default()));
        let queries = Arc::new(AtomicU64::new(0));
        let mut server = Server::new(Handler {
            zone: Arc::clone(&zone),
            queries: Arc::clone(&queries),
        });
        server.register_socket(udp);
        server.register_listener(tcp, TCP_IDLE_TIMEOUT, TCP_RESPONSE_BUFFER);
        Self {
            addr,
            zone,
            queries,
            _server: server,
        }
    }

    /// Where the server listens (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes `name` answer exactly `ips` (replacing its addresses, or the CNAME it held). An empty
    /// slice leaves the name existing with no addresses (NOERROR, no records).
    ///
    /// # Panics
    /// If `name` is not a valid DNS name.
    pub fn set_a(&self, name: &str, ips: &[Ipv4Addr]) {
        let name = parse_name(name);
        self.zone_mut().set_a(name, ips);
    }

    /// Makes `name` a CNAME to `target` (replacing whatever it held).
    ///
    /// # Panics
    /// If either is not a valid DNS name.
    pub fn set_cname(&self, name: &str, target: &str) {
        let (name, target) = (parse_name(name), parse_name(target));
        self.zone_mut().set_cname(name, target);
    }

    /// Forgets `name`: it answers NXDOMAIN from now on.
    ///
    /// # Panics
    /// If `name` is not a valid DNS name.
    pub fn remove(&self, name: &str) {
        let name = parse_name(name);
        self.zone_mut().remove(&name);
    }

    /// How many queries the server has received (over UDP and TCP) since it started; lets tests
    /// prove that a lookup really reached DNS rather than a cache.
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::SeqCst)
    }

    fn zone_mut(&self) -> std::sync::RwLockWriteGuard<'_, Zone> {
        // A panic while holding the lock cannot leave the map half-updated: keep serving.
        self.zone
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsServer")
            .field("addr", &self.addr)
            .finish()
    }
}

struct Handler {
    zone: Arc<RwLock<Zone>>,
    queries: Arc<AtomicU64>,
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        self.queries.fetch_add(1, Ordering::SeqCst);

        // Reply with EDNS when asked with EDNS (RFC 6891), advertising what the client offered.
        let response_edns = request.edns.as_ref().map(|requested| {
            let mut edns = Edns::new();
            edns.set_max_payload(requested.max_payload().max(512));
            edns.set_version(0);
            edns
        });
        let mut builder = MessageResponseBuilder::from_message_request(request);
        if let Some(edns) = &response_edns {
            builder.edns(edns);
        }

        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        let answers: Vec<Record> = match self.answer(request) {
            Ok(Answer::Records(records)) => records,
            Ok(Answer::NxDomain(records)) => {
                metadata.response_code = ResponseCode::NXDomain;
                records
            }
            Ok(Answer::ServFail) => {
                metadata.response_code = ResponseCode::ServFail;
                Vec::new()
            }
            Err(code) => {
                metadata.authoritative = false;
                metadata.response_code = code;
                Vec::new()
            }
        };
        let response = builder.build(metadata, answers.iter(), [], [], []);
        match response_handle.send_response(response).await {
            Ok(info) => info,
            Err(err) => {
                tracing::warn!(%err, "test DNS server could not send a response");
                metadata.response_code = ResponseCode::ServFail;
                ResponseInfo::from(Header {
                    metadata,
                    counts: HeaderCounts::default(),
                })
            }
        }
    }
}

impl Handler {
    /// The answer to a standard query with exactly one question, or the response code refusing it.
    fn answer(&self, request: &Request) -> Result<Answer, ResponseCode> {
        if request.metadata.message_type != MessageType::Query
            || request.metadata.op_code != OpCode::Query
        {
            return Err(ResponseCode::NotImp);
        }
        let [query] = request.queries.queries() else {
            return Err(ResponseCode::FormErr);
        };
        let zone = self
            .zone
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(zone.answer(query.name(), query.query_type()))
    }
}
