//! A Lambda Runtime API emulator on loopback, to run a real `bootstrap` executable in tests.
//!
//! It serves the four calls a custom runtime makes
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>):
//!
//! - `GET  /2018-06-01/runtime/invocation/next`: blocks until a test calls [`RuntimeApi::invoke`],
//!   then answers the payload with the `Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`,
//!   `-Invoked-Function-Arn` and `-Trace-Id` headers;
//! - `POST /2018-06-01/runtime/invocation/{id}/response` and `.../{id}/error`: complete that
//!   invocation;
//! - `POST /2018-06-01/runtime/init/error`: the function could not start.
//!
//! Plain HTTP/1.1 with keep-alive over a Tokio `TcpListener` (the runtime's client reuses
//! connections and long-polls `next`); no HTTP library needed for four routes.
//!
//! ```no_run
//! # async fn example() {
//! use rdslink_testkit::runtime_api::{Outcome, RuntimeApi};
//!
//! let api = RuntimeApi::start().await;
//! // spawn `bootstrap` with AWS_LAMBDA_RUNTIME_API=api.address() ...
//! let outcome = api.invoke(&serde_json::json!({})).await;
//! assert!(matches!(outcome, Outcome::Response(_)));
//! # }
//! ```
//!
//! [`crate::bootstrap`] runs a `bootstrap` executable against it in one call.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify, oneshot};
use tokio::task::JoinHandle;

/// The ARN the emulator reports as the invoked function, unless started with
/// [`RuntimeApi::start_for`].
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:rdslink-sync";

/// How long [`RuntimeApi::invoke`] waits for the function to answer, unless told otherwise.
pub const DEFAULT_INVOKE_TIMEOUT: Duration = Duration::from_secs(120);

/// The function's answer to one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `POST .../response`: the handler's JSON result.
    Response(Value),
    /// `POST .../error`: the handler failed.
    Error(ErrorReport),
}

/// A reported error: the `errorType`/`errorMessage` body and the
/// `Lambda-Runtime-Function-Error-Type` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    pub error_type: String,
    pub error_message: String,
    pub header_error_type: Option<String>,
}

/// A Runtime API server on `127.0.0.1`. Stops when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    state: Arc<State>,
    server: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    function_arn: String,
    queue: Mutex<VecDeque<Pending>>,
    queued: Notify,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<ErrorReport>>,
    init_error_posted: Notify,
    first_poll: std::sync::Mutex<Option<Instant>>,
    polled: Notify,
    next_id: AtomicU64,
}

struct Pending {
    request_id: String,
    payload: Vec<u8>,
}

impl RuntimeApi {
    /// Starts the emulator on a free loopback port, on the current Tokio runtime. It reports
    /// [`FUNCTION_ARN`] as the invoked function.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_for(FUNCTION_ARN).await
    }

    /// Like [`RuntimeApi::start`], reporting `function_arn` as the invoked function
    /// (`Lambda-Runtime-Invoked-Function-Arn`).
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start_for(function_arn: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|err| panic!("cannot bind the Lambda Runtime API emulator: {err}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|err| panic!("the emulator's socket has no address: {err}"));
        let state = Arc::new(State {
            function_arn: function_arn.to_owned(),
            ..State::default()
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&state)));
        RuntimeApi {
            addr,
            state,
            server,
        }
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API` for the function.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Invokes the function with a JSON payload and waits for its answer.
    ///
    /// # Panics
    /// If the function does not answer within [`DEFAULT_INVOKE_TIMEOUT`].
    pub async fn invoke(&self, payload: &Value) -> Outcome {
        self.invoke_raw(payload.to_string().into_bytes(), DEFAULT_INVOKE_TIMEOUT)
            .await
    }

    /// Invokes the function with any bytes (the real service only accepts JSON; tests may not).
    ///
    /// # Panics
    /// If the function does not answer within `timeout`.
    pub async fn invoke_raw(&self, payload: Vec<u8>, timeout: Duration) -> Outcome {
        let request_id = format!(
            "00000000-0000-4000-8000-{:012}",
            self.state.next_id.fetch_add(1, Ordering::Relaxed) + 1
        );
        let (answer, answered) = oneshot::channel();
        self.state
            .waiting
            .lock()
            .await
            .insert(request_id.clone(), answer);
        self.state.queue.lock().await.push_back(Pending {
            request_id: request_id.clone(),
            payload,
        });
        self.state.queued.notify_one();
        match tokio::time::timeout(timeout, answered).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => panic!("invocation {request_id}: the emulator dropped it"),
            Err(_) => {
                panic!("invocation {request_id}: no answer from the function within {timeout:?}")
            }
        }
    }

    /// The error the function posted to `/runtime/init/error`, waiting up to `timeout` for it.
    pub async fn init_error(&self, timeout: Duration) -> Option<ErrorReport> {
        let posted = self.state.init_error_posted.notified();
        if let Some(report) = self.state.init_error.lock().await.clone() {
            return Some(report);
        }
        let _ = tokio::time::timeout(timeout, posted).await;
        self.state.init_error.lock().await.clone()
    }

    /// When the function first asked for an invocation (its init was over), if it has.
    pub fn first_poll(&self) -> Option<Instant> {
        *self
            .state
            .first_poll
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until the function first asks for an invocation; returns when that was.
    ///
    /// # Panics
    /// If it does not within `timeout`.
    pub async fn wait_for_first_poll(&self, timeout: Duration) -> Instant {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let polled = self.state.polled.notified();
            if let Some(at) = self.first_poll() {
                return at;
            }
            if tokio::time::timeout_at(deadline, polled).await.is_err() {
                panic!("the function did not ask for an invocation within {timeout:?}");
            }
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(serve_connection(stream, Arc::clone(&state)));
            }
            // Transient accept failures (e.g. too many open files) must not stop the server.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// One keep-alive connection: requests in sequence until the client closes it.
async fn serve_connection(stream: TcpStream, state: Arc<State>) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    while let Ok(Some(request)) = read_request(&mut reader).await {
        let response = route(&state, &request).await;
        if writer.write_all(&response.to_bytes()).await.is_err() {
            return;
        }
        if request.close {
            return;
        }
    }
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    close: bool,
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            202 => "Accepted",
            400 => "Bad Request",
            404 => "Not Found",
            _ => "Status",
        };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.status,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Reads one request; `Ok(None)` when the client closed the connection between requests.
async fn read_request<R>(reader: &mut BufReader<R>) -> std::io::Result<Option<Request>>
where
    R: tokio::io::AsyncRead + Unpin,
{
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(invalid(format!("bad request line {line:?}")));
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut headers = HashMap::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Err(invalid("connection closed inside the headers".to_owned()));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|encoding| encoding.eq_ignore_ascii_case("chunked"))
    {
        read_chunked(reader).await?
    } else {
        let length = headers
            .get("content-length")
            .map(|length| length.parse::<usize>())
            .transpose()
            .map_err(|err| invalid(format!("bad content-length: {err}")))?
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        body
    };
    let close = headers
        .get("connection")
        .is_some_and(|value| value.eq_ignore_ascii_case("close"));
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
        close,
    }))
}

async fn read_chunked<R>(reader: &mut BufReader<R>) -> std::io::Result<Vec<u8>>
where
    R: tokio::io::AsyncRead + Unpin,
{
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let size_text = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|err| invalid(format!("bad chunk size {size_text:?}: {err}")))?;
        if size == 0 {
            // Trailers, then the final empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).await?;
        line.clear();
        reader.read_line(&mut line).await?;
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

const PREFIX: &str = "/2018-06-01/runtime/";

async fn route(state: &State, request: &Request) -> Response {
    let Some(route) = request.path.strip_prefix(PREFIX) else {
        return Response::new(404, r#"{"errorMessage":"unknown path"}"#);
    };
    match (request.method.as_str(), route) {
        ("GET", "invocation/next") => next_invocation(state).await,
        ("POST", "init/error") => {
            *state.init_error.lock().await = Some(error_report(request));
            state.init_error_posted.notify_waiters();
            Response::new(202, r#"{"status":"OK"}"#)
        }
        ("POST", path) => {
            let Some(rest) = path.strip_prefix("invocation/") else {
                return Response::new(404, r#"{"errorMessage":"unknown path"}"#);
            };
            let (request_id, outcome) = match rest.rsplit_once('/') {
                Some((id, "response")) => {
                    let outcome = match serde_json::from_slice(&request.body) {
                        Ok(value) => Outcome::Response(value),
                        Err(err) => Outcome::Error(ErrorReport {
                            error_type: "Emulator.InvalidResponseJson".to_owned(),
                            error_message: err.to_string(),
                            header_error_type: None,
                        }),
                    };
                    (id, outcome)
                }
                Some((id, "error")) => (id, Outcome::Error(error_report(request))),
                _ => return Response::new(404, r#"{"errorMessage":"unknown path"}"#),
            };
            match state.waiting.lock().await.remove(request_id) {
                Some(answer) => {
                    // The invoking test may have timed out and gone; nothing to tell it then.
                    let _ = answer.send(outcome);
                    Response::new(202, r#"{"status":"OK"}"#)
                }
                None => Response::new(400, r#"{"errorMessage":"unknown or completed request id"}"#),
            }
        }
        _ => Response::new(404, r#"{"errorMessage":"unknown path"}"#),
    }
}

async fn next_invocation(state: &State) -> Response {
    {
        let mut first = state
            .first_poll
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if first.is_none() {
            *first = Some(Instant::now());
        }
    }
    state.polled.notify_waiters();
    let pending = loop {
        let queued = state.queued.notified();
        if let Some(pending) = state.queue.lock().await.pop_front() {
            break pending;
        }
        queued.await;
    };
    let deadline = SystemTime::now() + DEFAULT_INVOKE_TIMEOUT;
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    let mut response = Response::new(200, pending.payload);
    response.headers = vec![
        ("Lambda-Runtime-Aws-Request-Id", pending.request_id.clone()),
        ("Lambda-Runtime-Deadline-Ms", deadline_ms.to_string()),
        (
            "Lambda-Runtime-Invoked-Function-Arn",
            state.function_arn.clone(),
        ),
        (
            "Lambda-Runtime-Trace-Id",
            format!(
                "Root=1-00000000-{};Sampled=0",
                pending.request_id.replace('-', "")[..24].to_owned()
            ),
        ),
    ];
    response
}

/// Reads an `{"errorType": ..., "errorMessage": ...}` body; keeps the raw body when it is not one.
fn error_report(request: &Request) -> ErrorReport {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    ErrorReport {
        error_type: field("errorType").unwrap_or_default(),
        error_message: field("errorMessage")
            .unwrap_or_else(|| String::from_utf8_lossy(&request.body).into_owned()),
        header_error_type: request
            .headers
            .get("lambda-runtime-function-error-type")
            .cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal runtime client: one request per connection.
    async fn exchange(api: &RuntimeApi, request: String) -> String {
        let mut stream = TcpStream::connect(api.addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.expect("read");
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await.expect("body");
        head + &String::from_utf8_lossy(&body)
    }

    fn post(path: &str, body: &str, extra: &str) -> String {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
            body.len()
        )
    }

    #[tokio::test]
    async fn an_invocation_round_trips_with_lambda_headers() {
        let api = Arc::new(RuntimeApi::start().await);
        let invoker = {
            let api = Arc::clone(&api);
            tokio::spawn(async move { api.invoke(&serde_json::json!({"hello": 1})).await })
        };
        let next = exchange(
            &api,
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned(),
        )
        .await;
        assert!(next.contains("Lambda-Runtime-Deadline-Ms: "), "{next}");
        assert!(next.contains(FUNCTION_ARN), "{next}");
        assert!(next.ends_with(r#"{"hello":1}"#), "{next}");
        let id = next
            .lines()
            .find_map(|line| line.strip_prefix("Lambda-Runtime-Aws-Request-Id: "))
            .expect("request id header")
            .to_owned();
        let accepted = exchange(
            &api,
            post(
                &format!("/2018-06-01/runtime/invocation/{id}/response"),
                r#"{"ok":true}"#,
                "",
            ),
        )
        .await;
        assert!(accepted.starts_with("HTTP/1.1 202"), "{accepted}");
        let outcome = invoker.await.expect("invoker");
        assert_eq!(outcome, Outcome::Response(serde_json::json!({"ok": true})));
        assert!(api.first_poll().is_some());
    }

    #[tokio::test]
    async fn the_invoked_function_arn_is_the_one_given() {
        let arn = "arn:aws:lambda:us-east-1:210987654321:function:orders-sync";
        let api = Arc::new(RuntimeApi::start_for(arn).await);
        let invoker = {
            let api = Arc::clone(&api);
            tokio::spawn(
                async move { api.invoke_raw(b"{}".to_vec(), Duration::from_secs(5)).await },
            )
        };
        let next = exchange(
            &api,
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned(),
        )
        .await;
        assert!(
            next.contains(&format!("Lambda-Runtime-Invoked-Function-Arn: {arn}\r\n")),
            "{next}"
        );
        invoker.abort();
    }

    #[tokio::test]
    async fn init_errors_are_recorded() {
        let api = RuntimeApi::start().await;
        let accepted = exchange(
            &api,
            post(
                "/2018-06-01/runtime/init/error",
                r#"{"errorType":"Init.Bad","errorMessage":"VAR is not set"}"#,
                "Lambda-Runtime-Function-Error-Type: Init.Bad\r\n",
            ),
        )
        .await;
        assert!(accepted.starts_with("HTTP/1.1 202"), "{accepted}");
        let report = api
            .init_error(Duration::from_secs(1))
            .await
            .expect("recorded");
        assert_eq!(report.error_type, "Init.Bad");
        assert_eq!(report.error_message, "VAR is not set");
        assert_eq!(report.header_error_type.as_deref(), Some("Init.Bad"));
    }

    #[tokio::test]
    async fn unknown_request_ids_are_refused() {
        let api = RuntimeApi::start().await;
        let refused = exchange(
            &api,
            post("/2018-06-01/runtime/invocation/nope/response", "{}", ""),
        )
        .await;
        assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
        assert_eq!(api.init_error(Duration::from_millis(10)).await, None);
    }
}
