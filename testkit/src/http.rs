//! Plain HTTP requests to moto's own control API (`/moto-api/...`), which no AWS SDK covers.
//!
//! HTTP/1.0 with one request per connection keeps this trivial: no chunked bodies, no keep-alive;
//! moto's development server speaks it. Only `http://host:port` endpoints are supported, which is
//! all a loopback emulator needs.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::error::{Error, Result};

/// Long enough for moto's slowest calls (creating an account's default VPC on first use).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// `POST endpoint + path` with the given headers and body; returns the status and body whatever
/// the status is.
pub(crate) async fn post(
    endpoint: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response> {
    let url = format!("{endpoint}{path}");
    let io_error = |source| Error::Http {
        method: "POST",
        url: url.clone(),
        source,
    };
    let authority = authority(endpoint).map_err(io_error)?;
    let exchange = async {
        let mut stream = TcpStream::connect(authority).await?;
        let mut request = format!(
            "POST {path} HTTP/1.0\r\nHost: {authority}\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok(raw)
    };
    let raw = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| io_error(std::io::ErrorKind::TimedOut.into()))?
        .map_err(io_error)?;
    parse_response(&raw).map_err(io_error)
}

/// `http://127.0.0.1:5000/` -> `127.0.0.1:5000`.
fn authority(endpoint: &str) -> std::io::Result<&str> {
    let rest = endpoint.strip_prefix("http://").ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "only http:// endpoints are supported",
        )
    })?;
    Ok(rest.split('/').next().unwrap_or(rest))
}

fn parse_response(raw: &[u8]) -> std::io::Result<Response> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| invalid("response without a header/body separator"))?;
    let status = head
        .lines()
        .next()
        .and_then(|status_line| status_line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("response without a status code"))?;
    Ok(Response {
        status,
        body: body.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_is_host_and_port() {
        assert_eq!(
            authority("http://127.0.0.1:5000").unwrap(),
            "127.0.0.1:5000"
        );
        assert_eq!(
            authority("http://127.0.0.1:5000/").unwrap(),
            "127.0.0.1:5000"
        );
        assert!(authority("https://127.0.0.1:5000").is_err());
    }

    #[test]
    fn parses_status_and_body() {
        let response =
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello").unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, "hello");
        assert!(parse_response(b"garbage").is_err());
    }
}
