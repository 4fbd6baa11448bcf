use std::io::{BufRead as _, BufReader, ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdslink_testkit::moto;

/// A blocking `GET` of moto's control API (the test needs no HTTP client for one call); returns
/// the status code and the body.
fn get(endpoint: &str, path: &str) -> (u16, String) {
    let authority = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("moto accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, body.to_owned())
}

#[tokio::test]
async fn moto_is_shared_and_configured_for_lambda_without_docker() {
    let first = moto().await;
    let second = moto().await;
    assert!(std::ptr::eq(first, second), "one server per process");
    assert!(
        first.endpoint.starts_with("http://127.0.0.1:"),
        "{}",
        first.endpoint
    );

    // moto answers this GET with 201.
    let (status, body) = get(&first.endpoint, "/moto-api/config");
    assert!((200..300).contains(&status), "{status}: {body}");
    let config: serde_json::Value = serde_json::from_str(&body).expect("JSON config");
    assert_eq!(
        config["lambda"]["use_docker"],
        serde_json::json!(false),
        "{config}"
    );
}

/// The guarantee behind "moto never outlives its test run": the watchdog stops the server when its
/// stdin closes, which the kernel does whenever the parent exits, even on SIGKILL.
#[test]
fn the_watchdog_stops_moto_when_its_stdin_closes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("../.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `make venv`",
        python.display()
    );
    let mut watchdog = Command::new(python)
        .arg(root.join("scripts/moto_watchdog.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the watchdog starts");

    let mut line = String::new();
    BufReader::new(watchdog.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("RDSLINK_MOTO_PORT=")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let endpoint = format!("http://127.0.0.1:{port}");
    let (status, _) = get(&endpoint, "/moto-api/config");
    assert!((200..300).contains(&status), "moto serves ({status})");
    // Proof that the server went away with the process: a connection to it that closes. moto keeps
    // an idle connection open as long as it runs (the dev server sets no timeout). Probing the
    // port afterwards would prove nothing: once freed, anyone may listen on it again.
    let mut held = TcpStream::connect(("127.0.0.1", port)).expect("moto accepts connections");

    drop(watchdog.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = watchdog.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the watchdog ignored EOF on stdin"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    // The kernel closed the connection when the process exited: end of stream, or a reset if moto
    // had not accepted it yet. A read that times out means something still serves it.
    held.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    match held.read(&mut [0_u8; 1]) {
        Ok(0) => {}
        Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("moto's connection outlived the watchdog: {other:?}"),
    }
}
