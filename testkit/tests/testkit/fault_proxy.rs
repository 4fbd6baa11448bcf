//! The fault proxy with real SDK clients against moto: faithful forwarding, each protocol's
//! throttling as the SDK sees it, dropped requests and responses, delays, seeds and counters.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_elasticloadbalancingv2::error::{ProvideErrorMetadata as _, SdkError};
use aws_sdk_elasticloadbalancingv2::operation::create_target_group::CreateTargetGroupError;
use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetTypeEnum};
use rdslink_testkit::fault_proxy::{
    Fault, FaultKind, FaultPlan, FaultProxy, Rule, sequential_round_trips,
};
use rdslink_testkit::{Account, fresh_account, moto, seed};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

async fn proxy(plan: FaultPlan) -> FaultProxy {
    FaultProxy::start(&moto().await.endpoint, plan).await
}

/// The account's configuration through the proxy, with SDK retries off: one SDK call is then
/// exactly one request, and an injected fault is the call's error.
fn no_retries(proxy: &FaultProxy, account: &Account) -> SdkConfig {
    proxy
        .sdk_config(&account.config)
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .build()
}

/// The SDK's standard retries with a short backoff, so a test does not wait seconds per retry.
fn quick_retries(proxy: &FaultProxy, account: &Account) -> SdkConfig {
    let retries = RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(20));
    (proxy.sdk_config(&account.config).to_builder())
        .retry_config(retries)
        .build()
}

#[tokio::test]
async fn pass_through_is_transparent_and_logged() {
    let account = fresh_account().await;
    let proxy = proxy(FaultPlan::none()).await;
    let config = no_retries(&proxy, &account);

    let identity = (aws_sdk_sts::Client::new(&config).get_caller_identity())
        .send()
        .await
        .unwrap();
    assert_eq!(identity.account(), Some(account.id.as_str()));
    // Two calls on the client's keep-alive connection.
    let rds = aws_sdk_rds::Client::new(&config);
    for _ in 0..2 {
        let instances = rds.describe_db_instances().send().await.unwrap();
        assert!(instances.db_instances().is_empty());
    }

    let calls = proxy.calls();
    let seen: Vec<_> = (calls.iter())
        .map(|call| {
            (
                call.service.as_deref(),
                call.operation.as_str(),
                call.status,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("sts"), "GetCallerIdentity", Some(200)),
            (Some("rds"), "DescribeDBInstances", Some(200)),
            (Some("rds"), "DescribeDBInstances", Some(200)),
        ]
    );
    assert!(
        calls
            .iter()
            .all(|call| call.forwarded && call.fault.is_none())
    );
    assert!(proxy.injections().is_empty());
    // Awaited one after the other: three sequential round trips.
    assert_eq!(sequential_round_trips(&proxy.forwarded_calls()), 3);
}

#[tokio::test]
async fn throttling_is_each_protocols_own_throttling_error() {
    let account = fresh_account().await;
    let proxy = proxy(FaultPlan::none().rule(Rule::new(Fault::Throttle))).await;
    let config = no_retries(&proxy, &account);

    let sts = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await;
    let rds = aws_sdk_rds::Client::new(&config)
        .describe_db_instances()
        .send()
        .await;
    let elbv2 = (aws_sdk_elasticloadbalancingv2::Client::new(&config).describe_load_balancers())
        .send()
        .await;
    let ec2 = aws_sdk_ec2::Client::new(&config)
        .describe_vpcs()
        .send()
        .await;
    let codes = [
        sts.unwrap_err().code().map(str::to_owned),
        rds.unwrap_err().code().map(str::to_owned),
        elbv2.unwrap_err().code().map(str::to_owned),
        ec2.unwrap_err().code().map(str::to_owned),
    ];
    let codes: Vec<Option<&str>> = codes.iter().map(Option::as_deref).collect();
    assert_eq!(
        codes,
        [
            Some("Throttling"),
            Some("Throttling"),
            Some("Throttling"),
            Some("RequestLimitExceeded"),
        ]
    );
    assert_eq!(proxy.injected(FaultKind::Throttle), 4);
    assert_eq!(proxy.injected_into("DescribeVpcs", FaultKind::Throttle), 1);
    assert!(
        proxy.forwarded_calls().is_empty(),
        "throttled calls never reach moto"
    );
}

#[tokio::test]
async fn server_errors_are_each_protocols_own_5xx() {
    let account = fresh_account().await;
    let plan = FaultPlan::none()
        .rule(Rule::new(Fault::InternalError).service("rds"))
        .rule(Rule::new(Fault::ServiceUnavailable).service("ec2"));
    let proxy = proxy(plan).await;
    let config = no_retries(&proxy, &account);

    let rds = aws_sdk_rds::Client::new(&config)
        .describe_db_instances()
        .send()
        .await;
    let rds = rds.unwrap_err();
    let ec2 = aws_sdk_ec2::Client::new(&config)
        .describe_vpcs()
        .send()
        .await;
    let ec2 = ec2.unwrap_err();
    let rds_status = rds.raw_response().map(|raw| raw.status().as_u16());
    assert_eq!(
        (rds.code(), rds_status),
        (Some("InternalFailure"), Some(500))
    );
    let ec2_status = ec2.raw_response().map(|raw| raw.status().as_u16());
    assert_eq!((ec2.code(), ec2_status), (Some("Unavailable"), Some(503)));
    assert_eq!(proxy.injected(FaultKind::InternalError), 1);
    assert_eq!(proxy.injected(FaultKind::ServiceUnavailable), 1);
}

/// The SDK retries a 400 `Throttling` only because it classifies the code as throttling (it
/// retries no 4xx status as such), so calls succeeding through 50 % throttling prove it.
#[tokio::test]
async fn the_sdk_retries_throttling_until_it_succeeds() {
    let account = fresh_account().await;
    let plan = FaultPlan::none().rule(Rule::new(Fault::Throttle).probability(0.5));
    let proxy = proxy(plan).await;
    let config = quick_retries(&proxy, &account);
    let (sts, rds) = (
        aws_sdk_sts::Client::new(&config),
        aws_sdk_rds::Client::new(&config),
    );
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let ec2 = aws_sdk_ec2::Client::new(&config);
    for _ in 0..4 {
        sts.get_caller_identity().send().await.unwrap();
        rds.describe_db_clusters().send().await.unwrap();
        elbv2.describe_target_groups().send().await.unwrap();
        ec2.describe_vpcs().send().await.unwrap();
    }
    let throttled = proxy
        .calls()
        .iter()
        .filter(|call| call.fault.is_some())
        .count();
    assert!(
        throttled > 0,
        "the seed throttled nothing: the test proves nothing"
    );
    assert_eq!(proxy.injected(FaultKind::Throttle), throttled as u64);
    assert_eq!(
        proxy.forwarded_calls().len(),
        16,
        "each call succeeded once"
    );
}

const JSON_1_1: &str = "Content-Type: application/x-amz-json-1.1\r\n";
const CHUNKED: &str = "Transfer-Encoding: chunked\r\n";
const EXPECT_CONTINUE: &str = "Content-Length: 2\r\nExpect: 100-continue\r\n";

#[tokio::test]
async fn json_protocols_throttle_in_their_own_shape() {
    let plan = FaultPlan::none()
        .rule(Rule::new(Fault::Throttle).service("lambda"))
        .rule(Rule::new(Fault::Throttle).service("logs"));
    let proxy = proxy(plan).await;
    let mut client = RawClient::connect(&proxy).await;

    let lambda = client
        .send("GET /2015-03-31/functions/", "lambda", "", "")
        .await;
    assert_eq!(lambda.status, 429, "{lambda:?}");
    assert_eq!(
        lambda.header("x-amzn-errortype"),
        Some("TooManyRequestsException")
    );
    assert_eq!(lambda.json()["message"], "Rate exceeded");

    // awsJson 1.1, with a chunked body, on the same keep-alive connection.
    let headers = format!("X-Amz-Target: Logs_20140328.DescribeLogGroups\r\n{JSON_1_1}{CHUNKED}");
    let logs = client
        .send("POST /", "logs", &headers, "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n")
        .await;
    assert_eq!(logs.status, 400, "{logs:?}");
    assert_eq!(logs.json()["__type"], "ThrottlingException");
    assert_eq!(
        logs.header("content-type"),
        Some("application/x-amz-json-1.1")
    );

    // Not throttled: moto answers, after the proxy's own `100 Continue`.
    let headers = format!("X-Amz-Target: AWSEvents.ListRules\r\n{JSON_1_1}{EXPECT_CONTINUE}");
    let events = client.send("POST /", "events", &headers, "{}").await;
    assert_eq!(events.status, 200, "{events:?}");
    assert!(events.json()["Rules"].is_array(), "{events:?}");

    let operations: Vec<_> = (proxy.calls().into_iter())
        .map(|call| (call.operation, call.fault))
        .collect();
    assert_eq!(
        operations,
        [
            (
                "GET /2015-03-31/functions/".to_owned(),
                Some(FaultKind::Throttle)
            ),
            ("DescribeLogGroups".to_owned(), Some(FaultKind::Throttle)),
            ("ListRules".to_owned(), None),
        ]
    );
}

#[tokio::test]
async fn a_dropped_response_hides_a_call_that_happened() {
    let account = fresh_account().await;
    let vpc = seed::default_vpc(&account).await;
    let plan =
        FaultPlan::none().rule(Rule::new(Fault::DropAfterForward).operation("CreateTargetGroup"));
    let proxy = proxy(plan).await;
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(&no_retries(&proxy, &account));

    let created = create_target_group(&elbv2, "lost-response", &vpc.id).await;
    let err = created.unwrap_err();
    assert!(
        matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    // Straight to moto: the group exists.
    assert_eq!(target_group_names(&account).await, ["lost-response"]);
    assert_eq!(
        proxy.injected_into("CreateTargetGroup", FaultKind::DropAfterForward),
        1
    );
    let call = proxy.calls().pop().unwrap();
    assert!(call.forwarded && call.status.is_none(), "{call:?}");
}

#[tokio::test]
async fn a_dropped_request_never_happens() {
    let account = fresh_account().await;
    let vpc = seed::default_vpc(&account).await;
    let plan =
        FaultPlan::none().rule(Rule::new(Fault::DropBeforeForward).service("elasticloadbalancing"));
    let proxy = proxy(plan).await;
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(&no_retries(&proxy, &account));

    let err = create_target_group(&elbv2, "never-sent", &vpc.id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    assert!(target_group_names(&account).await.is_empty());
    assert_eq!(proxy.injected(FaultKind::DropBeforeForward), 1);
    assert!(proxy.forwarded_calls().is_empty());
}

#[tokio::test]
async fn delays_apply_to_the_calls_they_select() {
    let account = fresh_account().await;
    let delay = Duration::from_millis(300);
    let plan = FaultPlan::none().rule(Rule::new(Fault::Delay(delay)).service("rds"));
    let proxy = proxy(plan).await;
    let config = no_retries(&proxy, &account);

    let started = Instant::now();
    aws_sdk_rds::Client::new(&config)
        .describe_db_instances()
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();

    let calls = proxy.calls();
    let delays: Vec<Duration> = calls.iter().map(|call| call.delay).collect();
    assert_eq!(delays, [delay, Duration::ZERO]);
    assert!(calls[0].finished - calls[0].started >= delay);
    assert_eq!(proxy.injected(FaultKind::Delay), 1);

    // A share of calls: with a fixed seed some of these are delayed and some are not.
    proxy.set_plan(
        FaultPlan::none().rule(Rule::new(Fault::Delay(Duration::from_millis(20))).probability(0.5)),
    );
    proxy.clear();
    let sts = aws_sdk_sts::Client::new(&config);
    for _ in 0..10 {
        sts.get_caller_identity().send().await.unwrap();
    }
    let delayed = proxy
        .calls()
        .iter()
        .filter(|call| !call.delay.is_zero())
        .count();
    assert!((1..10).contains(&delayed), "{delayed} of 10 delayed");
    assert_eq!(proxy.injected(FaultKind::Delay), delayed as u64);
}

#[tokio::test]
async fn the_same_seed_injects_the_same_faults() {
    let account = fresh_account().await;
    let plan = FaultPlan::mixed(0.6).with_seed(11);
    let proxy = proxy(plan.clone()).await;
    let config = no_retries(&proxy, &account);
    let sts = aws_sdk_sts::Client::new(&config);
    let run = || async {
        proxy.clear();
        for _ in 0..20 {
            // Each call fails or succeeds by the plan; only the sequence matters here.
            let _ = sts.get_caller_identity().send().await;
        }
        let calls = proxy.calls();
        calls.into_iter().map(|call| call.fault).collect::<Vec<_>>()
    };

    let first = run().await;
    proxy.set_plan(plan);
    let again = run().await;
    proxy.set_plan(FaultPlan::mixed(0.6).with_seed(12));
    let other = run().await;
    assert_eq!(first, again);
    assert_ne!(first, other);
    assert!(
        first.contains(&None) && first.iter().any(Option::is_some),
        "{first:?}"
    );
    // Counters agree with the log.
    let faulted = other.iter().filter(|fault| fault.is_some()).count() as u64;
    assert_eq!(proxy.injections().values().sum::<u64>(), faulted);
}

async fn create_target_group(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    name: &str,
    vpc_id: &str,
) -> Result<(), SdkError<CreateTargetGroupError>> {
    (elbv2
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Tcp)
        .port(5432))
    .target_type(TargetTypeEnum::Ip)
    .vpc_id(vpc_id)
    .send()
    .await
    .map(|_| ())
}

/// Asked of moto directly, not through the proxy.
async fn target_group_names(account: &Account) -> Vec<String> {
    let groups = account
        .elbv2()
        .describe_target_groups()
        .send()
        .await
        .unwrap();
    (groups.target_groups().iter())
        .filter_map(|group| group.target_group_name().map(str::to_owned))
        .collect()
}

/// A minimal HTTP/1.1 client on one keep-alive connection, for the JSON protocols this workspace
/// has no SDK client for. The signature is fake: moto and the proxy read only its credential scope.
struct RawClient {
    stream: BufReader<TcpStream>,
}

#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("{err}: {self:?}"))
    }
}

impl RawClient {
    async fn connect(proxy: &FaultProxy) -> Self {
        let address = proxy.endpoint().trim_start_matches("http://").to_owned();
        RawClient {
            stream: BufReader::new(TcpStream::connect(address).await.unwrap()),
        }
    }

    /// `METHOD /path` "signed" for `service`, with extra header lines; the body follows the
    /// interim `100 Continue` when the headers ask for one.
    async fn send(&mut self, line: &str, service: &str, headers: &str, body: &str) -> RawResponse {
        let head = format!(
            "{line} HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 \
             Credential=testing/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, \
             Signature=0\r\n{headers}\r\n"
        );
        self.stream.write_all(head.as_bytes()).await.unwrap();
        if headers.contains("Expect: 100-continue") {
            let interim = self.read_response().await;
            assert_eq!(interim.status, 100, "{interim:?}");
        }
        self.stream.write_all(body.as_bytes()).await.unwrap();
        self.read_response().await
    }

    /// One response; the proxy frames every final response with `Content-Length`.
    async fn read_response(&mut self) -> RawResponse {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            if line.trim_end().is_empty() {
                break;
            }
            lines.push(line.trim_end().to_owned());
        }
        let status = (lines
            .first()
            .and_then(|line| line.split_whitespace().nth(1)))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad response head {lines:?}"));
        let headers = (lines.iter().skip(1))
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
            .collect();
        let mut response = RawResponse {
            status,
            headers,
            body: String::new(),
        };
        let length = response
            .header("content-length")
            .map_or(0, |n| n.parse().unwrap());
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.unwrap();
        response.body = String::from_utf8(body).unwrap();
        response
    }
}
