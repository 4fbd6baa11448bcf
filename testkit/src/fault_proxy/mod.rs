//! A fault-injecting HTTP proxy in front of the emulator, for the safety tests and the performance
//! benchmarks alike.
//!
//! [`FaultProxy::start`] listens on a loopback port and forwards every request to moto. Point an
//! SDK client (or the provider's `endpoint_url`, or the Lambda's endpoint) at
//! [`FaultProxy::endpoint`] instead of moto, and a [`FaultPlan`] decides what happens to each call:
//!
//! - [`Fault::Throttle`]: the service's own throttling answer, in its own protocol (query:
//!   400 `Throttling`; EC2: 503 `RequestLimitExceeded`; Lambda: 429 `TooManyRequestsException`;
//!   EventBridge and Logs: 400 `ThrottlingException`; Scheduler: 429 `ThrottlingException`), which
//!   the SDK retries as throttling;
//! - [`Fault::InternalError`] / [`Fault::ServiceUnavailable`]: a 500 / 503 in that protocol;
//! - [`Fault::Delay`]: latency before the call is handled (e.g. 50 ms per AWS call);
//! - [`Fault::DropBeforeForward`]: the connection closes, the call never happened;
//! - [`Fault::DropAfterForward`]: moto performs the call, then the connection closes without an
//!   answer: the call happened but the client never learns it (the "lost create response").
//!
//! Rules filter by service (SigV4 signing name) and operation, fire with a probability drawn from
//! a seeded generator (same seed and same calls, same faults: a failure is reproducible), and can
//! be limited to a number of times. The plan can be replaced while the proxy runs
//! ([`FaultProxy::set_plan`]). The proxy counts what it injected, per kind and per operation, and
//! logs every call in arrival order with the time the proxy held it ([`FaultProxy::calls`]).
//!
//! # In a safety test
//! ```no_run
//! # async fn example() {
//! use rdslink_testkit::fault_proxy::{Fault, FaultKind, FaultPlan, FaultProxy, Rule};
//! use rdslink_testkit::{fresh_account, moto};
//!
//! let account = fresh_account().await;
//! // Lose the response of the first CreateLoadBalancer; throttle a third of STS calls.
//! let plan = FaultPlan::none()
//!     .rule(Rule::new(Fault::DropAfterForward).operation("CreateLoadBalancer").times(1))
//!     .rule(Rule::new(Fault::Throttle).service("sts").probability(0.33))
//!     .with_seed(42);
//! let proxy = FaultProxy::start(&moto().await.endpoint, plan).await;
//! let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(&proxy.sdk_config(&account.config));
//! // ... run the code under test with `elbv2` (or with `proxy.endpoint()` as its endpoint) ...
//! assert_eq!(proxy.injected_into("CreateLoadBalancer", FaultKind::DropAfterForward), 1);
//! # }
//! ```
//!
//! # In a benchmark
//! ```no_run
//! # async fn example() {
//! use std::time::Duration;
//! use rdslink_testkit::fault_proxy::{FaultPlan, FaultProxy, sequential_round_trips};
//! use rdslink_testkit::moto;
//!
//! let proxy = FaultProxy::start(&moto().await.endpoint, FaultPlan::latency(Duration::from_millis(50))).await;
//! // ... run the workload against proxy.endpoint() ...
//! let calls = proxy.forwarded_calls();
//! println!("{} AWS calls in {} sequential round trips", calls.len(), sequential_round_trips(&calls));
//! # }
//! ```
//!
//! # With the SDK's retries
//! The SDK retries throttling, 5xx and dropped connections (a connection closed before the answer
//! is a transient error to it), so a rule without [`Rule::times`] hits every attempt: "drop every
//! CreateLoadBalancer response" performs it once per attempt. Turn retries off
//! (`RetryConfig::disabled()`) to see one injected fault as the call's error, or limit the rule
//! to see the code under test recover. The log records every attempt.
//!
//! The proxy runs on the Tokio runtime that started it and stops when dropped. It speaks plain
//! HTTP/1.1 with keep-alive to its clients and opens one connection per call to moto.

mod aws;
mod http1;
mod plan;
mod record;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use tokio::io::{AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub use plan::{DEFAULT_SEED, Fault, FaultKind, FaultPlan, Rule};
pub use record::{Call, sequential_round_trips, time_in_flight};

use http1::{Request, Response};
use plan::ActivePlan;
use record::Records;

/// A safety net against a wedged emulator, longer than the SDK attempt timeout the testkit's
/// accounts use (60 s), so that the client's own timeout is what a test normally sees.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(180);

/// A fault-injecting proxy on `127.0.0.1` in front of one upstream endpoint. Stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

struct Shared {
    /// `host:port` of the emulator.
    upstream: String,
    decider: Mutex<Decider>,
    records: Mutex<Records>,
}

/// Sequence numbers and decisions are taken under one lock, so arrival order is decision order.
struct Decider {
    plan: ActivePlan,
    current: FaultPlan,
    next_seq: u64,
}

impl FaultProxy {
    /// Starts a proxy to `upstream_endpoint` (`http://host:port`, e.g. [`Moto::endpoint`]) on a
    /// free loopback port, on the current Tokio runtime.
    ///
    /// # Panics
    /// If the endpoint is not `http://host:port[/]` or no loopback port can be bound.
    ///
    /// [`Moto::endpoint`]: crate::Moto::endpoint
    pub async fn start(upstream_endpoint: &str, plan: FaultPlan) -> Self {
        let upstream = upstream_endpoint
            .strip_prefix("http://")
            .map(|rest| rest.trim_end_matches('/'))
            .filter(|authority| !authority.is_empty() && !authority.contains('/'))
            .unwrap_or_else(|| {
                panic!(
                    "the fault proxy needs an http://host:port upstream, not {upstream_endpoint:?}"
                )
            })
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|err| panic!("cannot bind the fault proxy: {err}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|err| panic!("the fault proxy's socket has no address: {err}"));
        tracing::info!(%addr, %upstream, seed = plan.seed(), "fault proxy started");
        let shared = Arc::new(Shared {
            upstream,
            decider: Mutex::new(Decider {
                plan: ActivePlan::new(plan.clone()),
                current: plan,
                next_seq: 1,
            }),
            records: Mutex::new(Records::default()),
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&shared)));
        FaultProxy {
            addr,
            shared,
            server,
        }
    }

    /// `http://127.0.0.1:PORT`: the `endpoint_url` for clients that should go through the proxy.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base` with its endpoint replaced by the proxy's (credentials, region, timeouts and retry
    /// settings kept).
    pub fn sdk_config(&self, base: &SdkConfig) -> SdkConfig {
        base.to_builder().endpoint_url(self.endpoint()).build()
    }

    /// Replaces the plan for the calls that arrive from now on; its random stream and its rules'
    /// `times` limits start afresh. The log and the counters are kept.
    pub fn set_plan(&self, plan: FaultPlan) {
        tracing::info!(seed = plan.seed(), "fault proxy plan replaced");
        let mut decider = lock(&self.shared.decider);
        decider.plan = ActivePlan::new(plan.clone());
        decider.current = plan;
    }

    /// The plan in force.
    pub fn plan(&self) -> FaultPlan {
        lock(&self.shared.decider).current.clone()
    }

    /// Every call so far, in arrival order. A call is logged before its client hears anything, so
    /// once an SDK call has returned, its attempts are here.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.records).calls()
    }

    /// The calls the emulator performed (faithful ones and dropped-after-forward ones), in
    /// arrival order: the AWS calls a workload really made.
    pub fn forwarded_calls(&self) -> Vec<Call> {
        let mut calls = self.calls();
        calls.retain(|call| call.forwarded);
        calls
    }

    /// How many times faults of `kind` were injected.
    pub fn injected(&self, kind: FaultKind) -> u64 {
        let injections = self.injections();
        (injections.iter())
            .filter(|((_, injected), _)| *injected == kind)
            .map(|(_, count)| count)
            .sum()
    }

    /// How many times faults of `kind` were injected into `operation`.
    pub fn injected_into(&self, operation: &str, kind: FaultKind) -> u64 {
        let key = (operation.to_owned(), kind);
        self.injections().get(&key).copied().unwrap_or(0)
    }

    /// Every count: (operation, kind) -> times injected.
    pub fn injections(&self) -> BTreeMap<(String, FaultKind), u64> {
        lock(&self.shared.records).injected()
    }

    /// Forgets the log and the counters (e.g. after a benchmark's setup). Calls in flight are
    /// logged when they finish.
    pub fn clear(&self) {
        *lock(&self.shared.records) = Records::default();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Aborting the server drops its JoinSet, which aborts every connection task.
        self.server.abort();
    }
}

/// The proxy's state stays consistent under each lock, so a panic elsewhere need not poison it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(serve_connection(stream, Arc::clone(&shared)));
            }
            // Transient accept failures (e.g. too many open files) must not stop the proxy.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
        // Reap finished connections so a long benchmark does not accumulate them.
        while connections.try_join_next().is_some() {}
    }
}

/// One client connection: requests in sequence (keep-alive) until the client closes it or a fault
/// drops it.
async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    while let Ok(Some(request)) = http1::read_request(&mut reader, &mut writer).await {
        let Some(response) = handle(&shared, &request).await else {
            // Returning drops both halves: the client sees the connection close unanswered.
            return;
        };
        let close = request.closes();
        let bodiless = request.method == "HEAD" || matches!(response.status, 204 | 304);
        let bytes = response.to_client_bytes(close, bodiless);
        if writer.write_all(&bytes).await.is_err() || close {
            return;
        }
    }
}

/// Decides, injects, forwards and logs one call; `None` means "drop the connection".
async fn handle(shared: &Shared, request: &Request) -> Option<Response> {
    let started = Instant::now();
    let target = aws::identify(request);
    let (seq, decision) = {
        let mut decider = lock(&shared.decider);
        let seq = decider.next_seq;
        decider.next_seq += 1;
        let decision = decider
            .plan
            .decide(target.service.as_deref(), &target.operation);
        (seq, decision)
    };
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let mut forwarded = false;
    let response = match decision.fault {
        Some(Fault::DropBeforeForward) => None,
        Some(fault @ (Fault::Throttle | Fault::InternalError | Fault::ServiceUnavailable)) => {
            Some(aws::error_response(&target, fault, &request_id(seq)))
        }
        Some(Fault::DropAfterForward | Fault::Delay(_)) | None => {
            let answer = match forward(&shared.upstream, request).await {
                Ok(response) => {
                    forwarded = true;
                    response
                }
                Err(err) => {
                    tracing::warn!(operation = %target.operation, %err, "fault proxy: upstream failed");
                    bad_gateway(&err)
                }
            };
            (decision.fault != Some(Fault::DropAfterForward)).then_some(answer)
        }
    };
    // Logged before the client hears anything, so that a test reading the log or the counters
    // right after its SDK call returned sees this call.
    lock(&shared.records).push(Call {
        seq,
        service: target.service,
        operation: target.operation,
        delay: decision.delay,
        fault: decision.fault.map(|fault| fault.kind()),
        forwarded,
        status: response.as_ref().map(|response| response.status),
        started,
        finished: Instant::now(),
    });
    response
}

/// One exchange with the emulator on a connection of its own.
async fn forward(upstream: &str, request: &Request) -> io::Result<Response> {
    let exchange = async {
        let mut stream = TcpStream::connect(upstream).await?;
        stream.set_nodelay(true)?;
        stream.write_all(&request.to_upstream_bytes()).await?;
        http1::read_response(&mut BufReader::new(stream), request.method == "HEAD").await
    };
    tokio::time::timeout(UPSTREAM_TIMEOUT, exchange)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the emulator did not answer"))?
}

fn bad_gateway(err: &io::Error) -> Response {
    let headers = vec![("Content-Type".to_owned(), "text/plain".to_owned())];
    let body = format!("rdslink-testkit fault proxy: the emulator failed: {err}");
    Response::new(502, headers, body.into_bytes())
}

/// Request ids of injected errors say where they come from, in the SDK's error messages too.
fn request_id(seq: u64) -> String {
    format!("fault-proxy-{seq:08}")
}
