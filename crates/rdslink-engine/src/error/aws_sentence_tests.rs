//! How a failed AWS call of the engine reads: one sentence naming the operation, the object, AWS's
//! code and message (or why no answer came) and what to check, never the SDK's `Debug` structs.
//!
//! The SDK errors are real: a client calls a local socket that answers like ELBv2, refuses the
//! connection, or never answers, so the text is what a person would see in the Lambda's logs.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::config::retry::RetryConfig;
use aws_sdk_elasticloadbalancingv2::config::timeout::TimeoutConfig;
use aws_sdk_elasticloadbalancingv2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use super::*;

const ARN: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/rdslink-orders/0123456789abcdef";
const OPERATION: &str = "elbv2:DescribeTargetHealth";

/// Text that only a `Debug` rendering of the SDK's errors produces.
const DEBUG_DUMP_MARKERS: &[&str] = &[
    "{",
    "}",
    "DispatchFailure(",
    "TimeoutError(",
    "ServiceError(",
    "ConnectorError {",
    "SdkError",
    "ErrorMetadata",
    "source:",
    "raw: Response",
];

fn assert_no_debug_dump(text: &str) {
    for marker in DEBUG_DUMP_MARKERS {
        assert!(!text.contains(marker), "{marker:?} in {text}");
    }
}

/// An ELBv2 client of `endpoint`, without retries (each test is about one attempt's failure).
fn client(endpoint: SocketAddr, attempt_timeout: Duration) -> Client {
    let config = aws_sdk_elasticloadbalancingv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(format!("http://{endpoint}"))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(attempt_timeout)
                .build(),
        )
        .build();
    Client::from_conf(config)
}

async fn describe_target_health(
    endpoint: SocketAddr,
    attempt_timeout: Duration,
) -> SdkError<DescribeTargetHealthError, HttpResponse> {
    client(endpoint, attempt_timeout)
        .describe_target_health()
        .target_group_arn(ARN)
        .send()
        .await
        .expect_err("the call must fail")
}

/// A one-request server that answers like an AWS Query API (ELBv2, RDS) refusing the call.
async fn answering(status: &'static str, code: &'static str, message: &'static str) -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_request(&mut stream).await;
        let body = format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>"
        );
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\
             x-amzn-requestid: req-1\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(response.as_bytes()).await.unwrap();
        // Hold the connection until the client is done with it, so that it reads the answer
        // rather than a reset.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
    });
    address
}

/// Reads one request (head, then a body of `content-length` bytes).
async fn read_request(stream: &mut TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the client closed before sending its request");
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request);
        let Some(head_end) = text.find("\r\n\r\n") else {
            continue;
        };
        let body_length = text[..head_end]
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        if request.len() >= head_end + 4 + body_length {
            return;
        }
    }
}

#[tokio::test]
async fn access_denied_names_operation_object_code_message_and_what_to_check() {
    let endpoint = answering(
        "403 Forbidden",
        "AccessDenied",
        "User: arn:aws:sts::123456789012:assumed-role/sync/fn is not authorized to perform: \
         elasticloadbalancing:DescribeTargetHealth",
    )
    .await;
    let err = Error::aws_about(
        OPERATION,
        AwsObject::TargetGroup(ARN),
        describe_target_health(endpoint, Duration::from_secs(10)).await,
    );
    assert_eq!(
        err.to_string(),
        format!(
            "elbv2:DescribeTargetHealth for target group {ARN} failed: AWS answered AccessDenied: \
             User: arn:aws:sts::123456789012:assumed-role/sync/fn is not authorized to perform: \
             elasticloadbalancing:DescribeTargetHealth; check that the credentials the sync runs \
             with (the provider's, or the sync Lambda's execution role) are allowed this action"
        )
    );
    assert_no_debug_dump(&err.to_string());
    assert_eq!(err.kind(), "aws_api");
    assert!(!err.is_retryable());
    assert!(!err.is_discovery_failure());
}

#[tokio::test]
async fn a_modelled_exception_reads_by_its_code_and_message() {
    let endpoint = answering(
        "400 Bad Request",
        "InvalidConfigurationRequest",
        "The target group is being deleted",
    )
    .await;
    let err = Error::aws_about(
        OPERATION,
        AwsObject::TargetGroup(ARN),
        describe_target_health(endpoint, Duration::from_secs(10)).await,
    );
    let Error::Aws { message, .. } = &err else {
        panic!("not an AWS error: {err:?}");
    };
    assert_eq!(
        message,
        &format!(
            "elbv2:DescribeTargetHealth for target group {ARN} failed: AWS answered \
             InvalidConfigurationRequest: The target group is being deleted"
        )
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn throttling_names_the_code_and_is_retryable() {
    let endpoint = answering("400 Bad Request", "Throttling", "Rate exceeded").await;
    let err = Error::aws_about(
        OPERATION,
        AwsObject::TargetGroup(ARN),
        describe_target_health(endpoint, Duration::from_secs(10)).await,
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "elbv2:DescribeTargetHealth for target group {ARN} failed: AWS answered Throttling: \
             Rate exceeded; AWS kept throttling the account"
        )),
        "{text}"
    );
    assert!(text.contains("the next sync retries it"), "{text}");
    assert_no_debug_dump(&text);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_refused_connection_says_no_answer_came_and_to_check_reachability() {
    // Bound but not listening: the port is ours (no other test can take it) and refuses.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
    let endpoint = socket.local_addr().unwrap();
    let err = Error::aws_about(
        OPERATION,
        AwsObject::TargetGroup(ARN),
        describe_target_health(endpoint, Duration::from_secs(10)).await,
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "elbv2:DescribeTargetHealth for target group {ARN} failed: no answer came from AWS \
             (dispatch failure"
        )),
        "{text}"
    );
    assert!(
        text.to_lowercase().contains("connection refused"),
        "the cause is named: {text}"
    );
    assert!(
        text.contains("its AWS endpoint is reachable from where the sync runs"),
        "{text}"
    );
    assert_no_debug_dump(&text);
    assert!(err.is_retryable());
    drop(socket);
}

#[tokio::test]
async fn a_timeout_says_no_answer_came_and_to_check_reachability() {
    // Listening but never accepting: the connection is made, the request sent, no answer comes.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let endpoint = listener.local_addr().unwrap();
    let err = Error::aws_about(
        OPERATION,
        AwsObject::TargetGroup(ARN),
        describe_target_health(endpoint, Duration::from_millis(200)).await,
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "elbv2:DescribeTargetHealth for target group {ARN} failed: no answer came from AWS \
             (request has timed out: operation attempt timeout"
        )),
        "{text}"
    );
    assert!(text.contains("occurred after 200ms"), "{text}");
    assert!(text.contains("reachable"), "{text}");
    assert_no_debug_dump(&text);
    assert!(err.is_retryable());
    drop(listener);
}

#[test]
fn a_request_that_was_never_sent_says_so() {
    let err = Error::aws_about(
        "rds:DescribeDBClusters",
        AwsObject::DbCluster("orders"),
        SdkError::<DescribeTargetHealthError, HttpResponse>::construction_failure(
            std::io::Error::other("no region configured"),
        ),
    );
    assert_eq!(
        err.to_string(),
        "rds:DescribeDBClusters for DB cluster \"orders\" failed: the request was not sent \
         (failed to construct request: no region configured); check the credentials and region the \
         sync runs with (the request could not be signed or built)"
    );
    assert!(!err.is_retryable());
    assert!(err.is_discovery_failure());
}

#[test]
fn a_call_about_nothing_in_particular_names_only_the_operation() {
    let err = Error::aws(
        "elbv2:DescribeTargetHealth",
        SdkError::<DescribeTargetHealthError, HttpResponse>::construction_failure(
            std::io::Error::other("no region configured"),
        ),
    );
    let text = err.to_string();
    assert!(
        text.starts_with("elbv2:DescribeTargetHealth failed: the request was not sent"),
        "{text}"
    );
    assert_no_debug_dump(&text);
}

#[test]
fn objects_are_named_as_in_the_engines_other_errors() {
    let members = ["orders-1".to_string(), "orders-2".to_string()];
    let cases = [
        (AwsObject::TargetGroup(ARN), format!("target group {ARN}")),
        (
            AwsObject::DbInstance("orders-1"),
            "DB instance \"orders-1\"".to_string(),
        ),
        (
            AwsObject::DbInstances(&members),
            "DB instances \"orders-1\", \"orders-2\"".to_string(),
        ),
        (
            AwsObject::DbCluster("orders"),
            "DB cluster \"orders\"".to_string(),
        ),
        (
            AwsObject::DbProxy("orders-proxy"),
            "DB proxy \"orders-proxy\"".to_string(),
        ),
    ];
    for (object, text) in cases {
        assert_eq!(object.to_string(), text);
    }
}
