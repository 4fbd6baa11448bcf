//! Just enough HTTP/1.1 for a proxy between the AWS SDK and moto: requests and responses with
//! `Content-Length`, chunked or (responses only) read-to-close bodies, `Expect: 100-continue`,
//! interim 1xx responses, keep-alive on the client side.
//!
//! Bodies are buffered whole: AWS control-plane calls are small, and the proxy must see a whole
//! query-protocol body to find its `Action`.

use std::io;

use tokio::io::BufReader;
use tokio::io::{
    AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _,
};

/// Headers that describe one hop, not the message: the proxy frames each side itself.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    "content-length",
];

#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The request target as sent: `/path?query` for the SDK.
    pub(crate) target: String,
    pub(crate) version: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub(crate) fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, query)| query)
    }

    /// Whether the client wants the connection closed after this exchange.
    pub(crate) fn closes(&self) -> bool {
        let connection = self.header("connection").unwrap_or_default();
        let has = |token: &str| {
            connection
                .split(',')
                .any(|item| item.trim().eq_ignore_ascii_case(token))
        };
        has("close") || (self.version.eq_ignore_ascii_case("HTTP/1.0") && !has("keep-alive"))
    }

    /// The request as sent to the emulator: one exchange per connection, body framed by length.
    pub(crate) fn to_upstream_bytes(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (name, value) in end_to_end(&self.headers) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Response {
            status,
            reason: reason(status).to_owned(),
            headers,
            body,
        }
    }

    /// The response as written to the client. `bodiless` (HEAD requests, 204, 304): the upstream's
    /// `Content-Length` describes a body that is not sent, so it is kept as is.
    pub(crate) fn to_client_bytes(&self, close: bool, bodiless: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (name, value) in &self.headers {
            let keep = if name.eq_ignore_ascii_case("content-length") {
                bodiless
            } else {
                !is_hop_by_hop(name)
            };
            if keep {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        if !bodiless {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !bodiless {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// Reads one request from a client; `Ok(None)` when the client closed the connection between
/// requests. Answers `Expect: 100-continue` itself, since the body is needed before forwarding.
pub(crate) async fn read_request<R, W>(
    reader: &mut BufReader<R>,
    writer: &mut W,
) -> io::Result<Option<Request>>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let Some((start, headers)) = read_head(reader).await? else {
        return Ok(None);
    };
    let mut parts = start.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("bad request line {start:?}")));
    };
    let (method, target, version) = (method.to_owned(), target.to_owned(), version.to_owned());
    if header(&headers, "expect").is_some_and(|value| value.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    let body = match framing(&headers)? {
        Framing::Chunked => read_chunked(reader).await?,
        Framing::Length(length) => read_exact(reader, length).await?,
        // A request without framing has no body (RFC 9112 §6.3).
        Framing::UntilClose => Vec::new(),
    };
    Ok(Some(Request {
        method,
        target,
        version,
        headers,
        body,
    }))
}

/// Reads the final response to a request (skipping interim 1xx ones). The request was sent with
/// `Connection: close`, so a response without framing ends when the connection does.
pub(crate) async fn read_response<R>(
    reader: &mut BufReader<R>,
    head_request: bool,
) -> io::Result<Response>
where
    R: AsyncRead + Unpin,
{
    loop {
        let (start, headers) = read_head(reader).await?.ok_or_else(|| {
            invalid("the emulator closed the connection without answering".into())
        })?;
        let mut parts = start.splitn(3, ' ');
        let status: u16 = (parts.nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {start:?}")))?;
        let reason = parts.next().unwrap_or_default().trim().to_owned();
        if (100..200).contains(&status) {
            continue;
        }
        let body = if head_request || status == 204 || status == 304 {
            Vec::new()
        } else {
            match framing(&headers)? {
                Framing::Chunked => read_chunked(reader).await?,
                Framing::Length(length) => read_exact(reader, length).await?,
                Framing::UntilClose => {
                    let mut body = Vec::new();
                    reader.read_to_end(&mut body).await?;
                    body
                }
            }
        };
        return Ok(Response {
            status,
            reason,
            headers,
            body,
        });
    }
}

/// The start line and the headers; `None` on a clean end of stream before the start line.
async fn read_head<R>(
    reader: &mut BufReader<R>,
) -> io::Result<Option<(String, Vec<(String, String)>)>>
where
    R: AsyncRead + Unpin,
{
    let mut line = String::new();
    // Tolerate empty lines before a request (RFC 9112 §2.2).
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let start = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Err(invalid("connection closed inside the headers".into()));
        }
        let text = line.trim_end();
        if text.is_empty() {
            return Ok(Some((start, headers)));
        }
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header line {text:?}")))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
}

enum Framing {
    Chunked,
    Length(usize),
    UntilClose,
}

fn framing(headers: &[(String, String)]) -> io::Result<Framing> {
    if header(headers, "transfer-encoding")
        .is_some_and(|encoding| encoding.to_ascii_lowercase().contains("chunked"))
    {
        return Ok(Framing::Chunked);
    }
    match header(headers, "content-length") {
        Some(length) => length
            .parse()
            .map(Framing::Length)
            .map_err(|err| invalid(format!("bad content-length {length:?}: {err}"))),
        None => Ok(Framing::UntilClose),
    }
}

async fn read_exact<R>(reader: &mut BufReader<R>, length: usize) -> io::Result<Vec<u8>>
where
    R: AsyncRead + Unpin,
{
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(body)
}

async fn read_chunked<R>(reader: &mut BufReader<R>) -> io::Result<Vec<u8>>
where
    R: AsyncRead + Unpin,
{
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Err(invalid("connection closed inside a chunked body".into()));
        }
        let size_text = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|err| invalid(format!("bad chunk size {size_text:?}: {err}")))?;
        if size == 0 {
            // Trailers (dropped: the body is forwarded with a length), then the final empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        body.extend(read_exact(reader, size).await?);
        line.clear();
        reader.read_line(&mut line).await?;
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|hop| hop.eq_ignore_ascii_case(name))
}

fn end_to_end(headers: &[(String, String)]) -> impl Iterator<Item = &(String, String)> {
    headers.iter().filter(|(name, _)| !is_hop_by_hop(name))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn request(raw: &[u8]) -> (Option<Request>, Vec<u8>) {
        let mut reader = BufReader::new(raw);
        let mut written = Vec::new();
        let request = read_request(&mut reader, &mut written).await.unwrap();
        (request, written)
    }

    #[tokio::test]
    async fn reads_keep_alive_requests_with_length_and_chunked_bodies() {
        let raw = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
POST /b?Action=X HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext\r\nAct\r\n4\r\nion=\r\n0\r\nTrailer: t\r\n\r\n";
        let mut reader = BufReader::new(&raw[..]);
        let mut written = Vec::new();
        let first = read_request(&mut reader, &mut written)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (first.body.as_slice(), first.closes()),
            (&b"hello"[..], false)
        );
        let second = read_request(&mut reader, &mut written)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(second.body, b"Action=");
        assert_eq!((second.path(), second.query()), ("/b", Some("Action=X")));
        assert!(
            read_request(&mut reader, &mut written)
                .await
                .unwrap()
                .is_none()
        );
        assert!(written.is_empty());
    }

    #[tokio::test]
    async fn answers_expect_100_continue_and_does_not_forward_it() {
        let (request, written) = request(
            b"PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        )
        .await;
        let request = request.unwrap();
        assert_eq!(written, b"HTTP/1.1 100 Continue\r\n\r\n");
        assert!(request.closes());
        let upstream = String::from_utf8(request.to_upstream_bytes()).unwrap();
        assert_eq!(
            upstream,
            "PUT /x HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        );
    }

    #[tokio::test]
    async fn reads_responses_after_interim_ones_and_until_close() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: b\r\n\r\nall of it";
        let response = read_response(&mut BufReader::new(&raw[..]), false)
            .await
            .unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, &b"all of it"[..])
        );
        let client = String::from_utf8(response.to_client_bytes(true, false)).unwrap();
        assert_eq!(
            client,
            "HTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 9\r\nConnection: close\r\n\r\nall of it"
        );
    }

    #[tokio::test]
    async fn head_responses_keep_their_length_and_send_no_body() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n";
        let response = read_response(&mut BufReader::new(&raw[..]), true)
            .await
            .unwrap();
        let client = String::from_utf8(response.to_client_bytes(false, true)).unwrap();
        assert_eq!(client, "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
    }

    #[tokio::test]
    async fn http_1_0_closes_unless_kept_alive() {
        let (plain, _) = request(b"GET / HTTP/1.0\r\n\r\n").await;
        assert!(plain.unwrap().closes());
        let (kept, _) = request(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").await;
        assert!(!kept.unwrap().closes());
    }
}
