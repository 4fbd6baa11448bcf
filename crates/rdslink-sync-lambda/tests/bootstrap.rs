//! The packaged `bootstrap` executable, run as Lambda runs it: a separate process talking to a
//! Runtime API (the testkit's emulator), AWS through `AWS_ENDPOINT_URL` (moto, a fresh account
//! per test), DNS through `RDSLINK_DNS_NAMESERVERS` (the testkit's loopback server).
//!
//! The native build (`CARGO_BIN_EXE_bootstrap`) covers behaviour. The arm64 artifact that ships
//! (`make lambda-zip`) is run under `qemu-aarch64-static`; see [`arm64_artifact_runs_under_qemu`]
//! for why that test needs the artifact built beforehand.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_rds::config::ProvideCredentials as _;
use rdslink_testkit::runtime_api::{Outcome, RuntimeApi};
use rdslink_testkit::{Account, DnsServer, REGION, fresh_account, moto, seed};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// A running `bootstrap` process and what it printed.
struct Function {
    child: Child,
    spawned: Instant,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Function {
    /// Starts `program` (optionally through `runner`, e.g. qemu) with exactly `env`.
    fn spawn(runner: Option<&Path>, program: &Path, env: &HashMap<String, String>) -> Self {
        let mut command = match runner {
            Some(runner) => {
                let mut command = Command::new(runner);
                command.arg(program);
                command
            }
            None => Command::new(program),
        };
        command
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let spawned = Instant::now();
        let mut child = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", program.display()));
        let stdout = collect_lines(child.stdout.take().expect("piped stdout"));
        let stderr = collect_lines(child.stderr.take().expect("piped stderr"));
        Function {
            child,
            spawned,
            stdout,
            stderr,
        }
    }

    fn output(&self) -> String {
        let lines = |lines: &Arc<Mutex<Vec<String>>>| lines.lock().expect("log lock").join("\n");
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            lines(&self.stdout),
            lines(&self.stderr)
        )
    }

    /// Peak resident set size so far (Linux `VmHWM`), in KiB.
    fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

fn collect_lines(
    stream: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock().expect("log lock").push(line);
        }
    });
    lines
}

/// The environment Lambda gives a function, plus AWS access to `account` and the RDSLINK_*
/// configuration in `rdslink`.
async fn lambda_env(
    api: &RuntimeApi,
    account: Option<&Account>,
    rdslink: &[(&str, String)],
) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = [
        ("AWS_LAMBDA_RUNTIME_API", api.address()),
        ("AWS_LAMBDA_FUNCTION_NAME", "rdslink-sync".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/rdslink-sync".to_owned(),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]0123456789abcdef".to_owned(),
        ),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    if let Some(account) = account {
        let credentials = account
            .config
            .credentials_provider()
            .expect("the account has credentials")
            .provide_credentials()
            .await
            .expect("the account's credentials");
        env.insert("AWS_ENDPOINT_URL".to_owned(), moto().await.endpoint.clone());
        env.insert(
            "AWS_ACCESS_KEY_ID".to_owned(),
            credentials.access_key_id().to_owned(),
        );
        env.insert(
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            credentials.secret_access_key().to_owned(),
        );
        if let Some(token) = credentials.session_token() {
            env.insert("AWS_SESSION_TOKEN".to_owned(), token.to_owned());
        }
    }
    for (name, value) in rdslink {
        env.insert((*name).to_owned(), value.clone());
    }
    env
}

/// An instance in DNS, a target group for it, and a running function configured for both.
struct Setup {
    account: Account,
    dns: DnsServer,
    instance: seed::Instance,
    target_group: String,
    api: RuntimeApi,
    function: Function,
}

impl Setup {
    async fn instance(extra: &[(&str, String)]) -> Self {
        Self::start(None, &native_bootstrap(), extra).await
    }

    async fn start(runner: Option<&Path>, program: &Path, extra: &[(&str, String)]) -> Self {
        let account = fresh_account().await;
        let dns = DnsServer::start().await;
        let instance = seed::instance(&account, &dns, "orders").await;
        let target_group = seed::target_group(&account, "rdslink-orders", instance.port).await;
        let api = RuntimeApi::start().await;
        let mut rdslink = vec![
            ("RDSLINK_TARGET_GROUP_ARN", target_group.clone()),
            ("RDSLINK_DB_INSTANCE_IDENTIFIER", instance.id.clone()),
            ("RDSLINK_PORT", instance.port.to_string()),
            ("RDSLINK_DNS_NAMESERVERS", dns.addr().to_string()),
        ];
        rdslink.extend(extra.iter().cloned());
        let env = lambda_env(&api, Some(&account), &rdslink).await;
        let function = Function::spawn(runner, program, &env);
        Setup {
            account,
            dns,
            instance,
            target_group,
            api,
            function,
        }
    }

    /// Invokes and expects a successful summary.
    async fn invoke_ok(&self, payload: &Value) -> Value {
        match self.api.invoke(payload).await {
            Outcome::Response(summary) => summary,
            Outcome::Error(report) => {
                panic!("invocation failed: {report:?}\n{}", self.function.output())
            }
        }
    }

    /// The target group's registered IPs, as the emulator has them.
    async fn registered(&self) -> Vec<Ipv4Addr> {
        let health = self
            .account
            .elbv2()
            .describe_target_health()
            .target_group_arn(&self.target_group)
            .send()
            .await
            .expect("elbv2:DescribeTargetHealth");
        let mut ips: Vec<Ipv4Addr> = health
            .target_health_descriptions()
            .iter()
            .filter_map(|description| description.target()?.id()?.parse().ok())
            .collect();
        ips.sort();
        ips
    }

    /// The 0049 "Multi-AZ failover completed" fixture, rewritten to name this setup's instance.
    fn failover_event(&self) -> Value {
        let mut event =
            fixture("eventbridge_db_instance_failover_RDS-EVENT-0049__awsdocs-rds-guide.json");
        event["account"] = json!(self.account.id);
        event["resources"] = json!([self.instance.arn]);
        event["detail"]["SourceArn"] = json!(self.instance.arn);
        event["detail"]["SourceIdentifier"] = json!(format!("rds:{}", self.instance.id));
        event
    }
}

fn native_bootstrap() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_bootstrap"))
}

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rds-events")
        .join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-01T00:05:00Z",
        "region": REGION,
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/rdslink-orders-schedule"],
        "detail": {}
    })
}

fn ips(summary: &Value, field: &str) -> Vec<Ipv4Addr> {
    summary[field]
        .as_array()
        .unwrap_or_else(|| panic!("{field} is not a list in {summary}"))
        .iter()
        .map(|ip| {
            ip.as_str()
                .and_then(|ip| ip.parse().ok())
                .unwrap_or_else(|| panic!("{ip} in {summary}"))
        })
        .collect()
}

#[tokio::test]
async fn a_failover_event_moves_the_target_group_to_the_new_address() {
    let setup = Setup::instance(&[]).await;
    let old_ip = setup.instance.ip;

    let first = setup.invoke_ok(&scheduled_event()).await;
    assert_eq!(first["in_sync"], json!(true), "{first}");
    assert_eq!(ips(&first, "targets"), [old_ip], "{first}");
    assert_eq!(ips(&first, "registered"), [old_ip], "{first}");
    assert_eq!(first["trigger"]["origin"], json!("schedule"), "{first}");
    assert_eq!(setup.registered().await, [old_ip]);

    // The failover completed and DNS already answers the standby's address.
    let new_ip = seed::fake_ip();
    setup.dns.set_a(&setup.instance.endpoint, &[new_ip]);
    let failover = setup.invoke_ok(&setup.failover_event()).await;
    assert_eq!(failover["in_sync"], json!(true), "{failover}");
    assert_eq!(ips(&failover, "targets"), [new_ip], "{failover}");
    assert_eq!(ips(&failover, "registered"), [new_ip], "{failover}");
    assert_eq!(ips(&failover, "deregistered"), [old_ip], "{failover}");
    assert_eq!(
        failover["trigger"]["event_id"],
        json!("RDS-EVENT-0049"),
        "{failover}"
    );
    assert_eq!(
        failover["trigger"]["relevance"],
        json!("ours"),
        "{failover}"
    );
    assert_eq!(
        failover["trigger"]["expects_address_change"],
        json!(true),
        "{failover}"
    );
    assert_eq!(setup.registered().await, [new_ip]);

    // Logs are one JSON object per line (CloudWatch), metrics included.
    let stdout = setup.function.stdout.lock().expect("log lock").clone();
    assert!(stdout.len() >= 4, "{}", setup.function.output());
    for line in &stdout {
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
        assert!(parsed.is_object(), "{line}");
    }
    assert!(
        stdout.iter().any(|line| line.contains("\"_aws\"")),
        "an EMF metrics line"
    );
}

#[tokio::test]
async fn a_failover_event_waits_for_dns_to_move() {
    let setup = Setup::instance(&[("RDSLINK_DNS_WAIT_SECONDS", "60".to_owned())]).await;
    let old_ip = setup.instance.ip;
    setup.invoke_ok(&scheduled_event()).await;

    // The event arrives while DNS still answers the old primary; it moves a little later.
    let new_ip = seed::fake_ip();
    let event = setup.failover_event();
    let invocation = setup.api.invoke(&event);
    let move_dns = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        setup.dns.set_a(&setup.instance.endpoint, &[new_ip]);
    };
    let (outcome, ()) = tokio::join!(invocation, move_dns);
    let Outcome::Response(summary) = outcome else {
        panic!("{outcome:?}\n{}", setup.function.output());
    };
    assert_eq!(summary["wait"], json!("moved"), "{summary}");
    assert!(
        summary["waited"]
            .as_f64()
            .is_some_and(|waited| waited >= 1.0),
        "{summary}"
    );
    assert_eq!(ips(&summary, "targets"), [new_ip], "{summary}");
    assert_eq!(ips(&summary, "deregistered"), [old_ip], "{summary}");
    assert_eq!(setup.registered().await, [new_ip]);
}

#[tokio::test]
async fn an_event_about_another_database_reconciles_ours_without_waiting() {
    // A 60 s wait that would be spent if the event were taken as ours.
    let setup = Setup::instance(&[("RDSLINK_DNS_WAIT_SECONDS", "60".to_owned())]).await;
    setup.invoke_ok(&scheduled_event()).await;
    let started = Instant::now();
    let summary = setup
        .invoke_ok(&fixture(
            "eventbridge_db_instance_failover_RDS-EVENT-0049__awsdocs-rds-guide.json",
        ))
        .await;
    assert_eq!(summary["trigger"]["relevance"], json!("other"), "{summary}");
    assert_eq!(
        summary["trigger"]["expects_address_change"],
        json!(false),
        "{summary}"
    );
    assert_eq!(summary["wait"], json!("not_needed"), "{summary}");
    assert_eq!(ips(&summary, "targets"), [setup.instance.ip], "{summary}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn garbage_payloads_still_reconcile_and_the_function_survives_invalid_json() {
    let setup = Setup::instance(&[]).await;
    for payload in [
        json!({}),
        json!([1, 2]),
        json!("hello"),
        json!({"Records": [{"Sns": {"Message": "plain text"}}]}),
    ] {
        let summary = setup.invoke_ok(&payload).await;
        assert_eq!(
            summary["trigger"]["reason"],
            json!("manual"),
            "{payload}: {summary}"
        );
        assert_eq!(
            ips(&summary, "targets"),
            [setup.instance.ip],
            "{payload}: {summary}"
        );
    }
    // Lambda itself only accepts JSON payloads; should anything else arrive, the runtime reports
    // it as this invocation's error and the function keeps serving.
    let truncated = setup
        .api
        .invoke_raw(b"{\"Records\": [".to_vec(), Duration::from_secs(30))
        .await;
    assert!(matches!(truncated, Outcome::Error(_)), "{truncated:?}");
    let after = setup.invoke_ok(&scheduled_event()).await;
    assert_eq!(after["in_sync"], json!(true), "{after}");
}

#[tokio::test]
async fn engine_errors_are_reported_with_a_readable_error_type() {
    // Everything valid except the database, which does not exist.
    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let target_group = seed::target_group(&account, "rdslink-missing", 5432).await;
    let api = RuntimeApi::start().await;
    let rdslink = [
        ("RDSLINK_TARGET_GROUP_ARN", target_group),
        ("RDSLINK_DB_INSTANCE_IDENTIFIER", "no-such-db".to_owned()),
        ("RDSLINK_PORT", "5432".to_owned()),
        ("RDSLINK_DNS_NAMESERVERS", dns.addr().to_string()),
    ];
    let function = Function::spawn(
        None,
        &native_bootstrap(),
        &lambda_env(&api, Some(&account), &rdslink).await,
    );
    let outcome = api.invoke(&scheduled_event()).await;
    let Outcome::Error(report) = outcome else {
        panic!("expected an error: {outcome:?}\n{}", function.output());
    };
    assert_eq!(
        report.error_type, "Rdslink.Fatal.DbInstanceNotFound",
        "{report:?}"
    );
    assert!(report.error_message.contains("no-such-db"), "{report:?}");
}

#[tokio::test]
async fn a_bad_environment_is_an_init_error_naming_the_variable() {
    let cases = [
        (
            vec![
                ("RDSLINK_DB_INSTANCE_IDENTIFIER", "orders"),
                ("RDSLINK_PORT", "5432"),
            ],
            "RDSLINK_TARGET_GROUP_ARN",
        ),
        (
            vec![
                (
                    "RDSLINK_TARGET_GROUP_ARN",
                    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef",
                ),
                ("RDSLINK_DB_INSTANCE_IDENTIFIER", "orders"),
                ("RDSLINK_PORT", "99999"),
            ],
            "RDSLINK_PORT",
        ),
    ];
    for (vars, variable) in cases {
        let api = RuntimeApi::start().await;
        let rdslink: Vec<(&str, String)> = vars
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect();
        let env = lambda_env(&api, None, &rdslink).await;
        let mut function = Function::spawn(None, &native_bootstrap(), &env);
        let report = api
            .init_error(Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("no init error for {variable}\n{}", function.output()));
        assert_eq!(
            report.error_type, "Rdslink.Init.InvalidEnvironment",
            "{report:?}"
        );
        assert_eq!(
            report.header_error_type.as_deref(),
            Some("Rdslink.Init.InvalidEnvironment")
        );
        assert!(
            report.error_message.contains(variable),
            "{variable}: {report:?}"
        );
        let status = tokio::time::timeout(Duration::from_secs(10), function.child.wait())
            .await
            .expect("the function exits after an init error")
            .expect("exit status");
        assert!(!status.success(), "{status}");
        assert!(
            api.first_poll().is_none(),
            "a function that failed init must not ask for work"
        );
    }
}

/// Start-up cost of the native build: process start to first answered invocation, and peak RSS.
/// Printed for the record (run with `--nocapture`; set `RDSLINK_BOOTSTRAP` to measure another
/// build, e.g. the `lambda` profile); the bounds only catch gross regressions.
#[tokio::test]
async fn the_function_starts_quickly_and_stays_small() {
    let program =
        std::env::var_os("RDSLINK_BOOTSTRAP").map_or_else(native_bootstrap, PathBuf::from);
    let setup = Setup::start(None, &program, &[]).await;
    let init_done = setup.api.wait_for_first_poll(Duration::from_secs(30)).await;
    let summary = setup.invoke_ok(&scheduled_event()).await;
    let first_response = setup.function.spawned.elapsed();
    let warm_started = Instant::now();
    setup.invoke_ok(&scheduled_event()).await;
    let warm = warm_started.elapsed();
    let peak_rss_kib = setup
        .function
        .peak_rss_kib()
        .expect("VmHWM of the running function");
    println!(
        "bootstrap {}: init {:?}, process start to first response {first_response:?}, warm invoke \
         {warm:?}, peak RSS {:.1} MiB",
        program.display(),
        init_done.duration_since(setup.function.spawned),
        peak_rss_kib as f64 / 1024.0,
    );
    assert_eq!(summary["in_sync"], json!(true), "{summary}");
    assert!(
        first_response < Duration::from_secs(10),
        "{first_response:?}"
    );
    assert!(peak_rss_kib < 200 * 1024, "{peak_rss_kib} KiB");
}

/// The artifact that ships: the static arm64 `bootstrap` inside the zip, run under qemu.
///
/// It needs the zip built beforehand (`make lambda-zip`, which `make test` runs first): a cold
/// arm64 build takes minutes, too long to hide inside a test. A missing artifact or a missing
/// `qemu-aarch64-static` fails this test with what to run; it never skips.
#[tokio::test]
async fn arm64_artifact_runs_under_qemu() {
    let zip = rdslink_testkit::bootstrap::packaged_zip();
    assert!(
        zip.is_file(),
        "the arm64 artifact {} is missing: run `make lambda-zip` (or set RDSLINK_LAMBDA_ZIP)",
        zip.display()
    );
    let qemu = which("qemu-aarch64-static").expect(
        "qemu-aarch64-static is not installed: run `make lambda-qemu` (Debian qemu-user-static)",
    );

    let unpacked = tempfile::tempdir().expect("temp dir");
    let entries = unzip_bootstrap(&zip, unpacked.path());
    assert_eq!(
        entries,
        json!([{ "name": "bootstrap", "mode": "0o100755", "date_time": [1980, 1, 1, 0, 0, 0], "extra": 0 }]),
        "{}: exactly one entry, bootstrap, 0755, fixed time, no extra fields",
        zip.display()
    );
    let bootstrap = unpacked.path().join("bootstrap");

    let setup = Setup::start(Some(&qemu), &bootstrap, &[]).await;
    let summary = setup.invoke_ok(&scheduled_event()).await;
    assert_eq!(summary["in_sync"], json!(true), "{summary}");
    assert_eq!(ips(&summary, "targets"), [setup.instance.ip], "{summary}");
    assert_eq!(setup.registered().await, [setup.instance.ip]);
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}

/// Extracts `bootstrap` from the zip into `dir` (mode 0755) and lists the zip's entries. Python's
/// `zipfile` is the reader: the project needs python3 for its venv anyway.
fn unzip_bootstrap(zip: &Path, dir: &Path) -> Value {
    const SCRIPT: &str = r#"
import json, os, sys, zipfile
archive = zipfile.ZipFile(sys.argv[1])
entries = [{"name": i.filename, "mode": oct(i.external_attr >> 16), "date_time": list(i.date_time), "extra": len(i.extra)} for i in archive.infolist()]
target = os.path.join(sys.argv[2], "bootstrap")
with open(target, "wb") as out:
    out.write(archive.read("bootstrap"))
os.chmod(target, 0o755)
print(json.dumps(entries))
"#;
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(zip)
        .arg(dir)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "cannot read {}: {}",
        zip.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("entry list")
}

/// The AWS calls of one reconcile, counted by a proxy in front of the emulator: a guard against
/// a call slipping into the function's path (each is a round trip on AWS, paid at every
/// failover). An Aurora cluster's writer, as the function follows it most often. The reads of
/// a run go out side by side (their order at the proxy is not fixed, their number is), then the
/// writes in order: register before deregister. The function's engine deregisters against the
/// side-by-side answer (`Recheck::SideBySide`): no re-discovery, no re-read, no read-back.
#[tokio::test]
async fn a_reconcile_makes_only_the_aws_calls_it_needs() {
    use rdslink_testkit::bootstrap::Bootstrap;
    use rdslink_testkit::fault_proxy::{FaultPlan, FaultProxy};

    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let cluster = seed::aurora_cluster(&account, &dns, "orders", 2).await;
    let target_group = seed::target_group(&account, "rdslink-orders", cluster.port).await;
    let proxy = FaultProxy::start(&moto().await.endpoint, FaultPlan::none()).await;
    let env = writer_environment(&account, &dns, &cluster, &target_group, &proxy).await;
    let function = Bootstrap::start(&native_bootstrap(), &env).await;
    let invoke = |payload: Value| {
        let (function, proxy) = (&function, &proxy);
        async move {
            proxy.clear();
            let outcome = function.invoke(&payload).await;
            let Outcome::Response(summary) = outcome else {
                panic!("{outcome:?}\n{}", function.output());
            };
            let calls: Vec<String> = proxy
                .forwarded_calls()
                .into_iter()
                .map(|call| call.operation)
                .collect();
            (summary, calls)
        }
    };

    // First invocation, on an empty group: the cluster's member endpoints are read once, side
    // by side with the cluster and the group; nothing to deregister.
    let (first, calls) = invoke(scheduled_event()).await;
    assert_eq!(ips(&first, "registered"), [cluster.writer().ip], "{first}");
    assert_eq!(ips(&first, "targets"), [cluster.writer().ip], "{first}");
    assert_reads_then_writes(
        &calls,
        &[
            "DescribeDBClusters",
            "DescribeDBInstances",
            "DescribeTargetHealth",
        ],
        &["RegisterTargets"],
    );

    let (noop, calls) = invoke(scheduled_event()).await;
    assert_eq!(noop["in_sync"], json!(true), "{noop}");
    assert_reads_then_writes(&calls, &["DescribeDBClusters", "DescribeTargetHealth"], &[]);

    let new_writer = seed::failover_cluster(&account, &cluster, None).await;
    let new_ip = cluster.member(&new_writer).ip;
    let arn = format!("arn:aws:rds:{REGION}:{}:cluster:{}", account.id, cluster.id);
    let mut event =
        fixture("eventbridge_db_cluster_failover_completed_RDS-EVENT-0071__aimably-fixture.json");
    event["account"] = json!(account.id);
    event["resources"] = json!([arn]);
    event["detail"]["SourceArn"] = json!(arn);
    event["detail"]["SourceIdentifier"] = json!(cluster.id);
    let (failover, calls) = invoke(event).await;
    assert_eq!(ips(&failover, "targets"), [new_ip], "{failover}");
    assert_reads_then_writes(
        &calls,
        &["DescribeDBClusters", "DescribeTargetHealth"],
        &["RegisterTargets", "DeregisterTargets"],
    );
    // The reported targets are what the group holds.
    let registered = account
        .elbv2()
        .describe_target_health()
        .target_group_arn(&target_group)
        .send()
        .await
        .expect("DescribeTargetHealth");
    let held: Vec<String> = registered
        .target_health_descriptions()
        .iter()
        .filter_map(|description| description.target()?.id().map(str::to_owned))
        .collect();
    assert_eq!(held, [new_ip.to_string()]);
}

/// As the provider deploys it, the function knows its cluster's member endpoints
/// (`RDSLINK_MEMBER_ENDPOINTS`): even its first invocation, a no-op, makes two calls, side by side.
#[tokio::test]
async fn a_function_deployed_with_the_member_endpoints_makes_two_calls_from_the_first() {
    use rdslink_testkit::bootstrap::Bootstrap;
    use rdslink_testkit::fault_proxy::{FaultPlan, FaultProxy};

    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let cluster = seed::aurora_cluster(&account, &dns, "orders", 2).await;
    let target_group = seed::target_group(&account, "rdslink-orders", cluster.port).await;
    account
        .elbv2()
        .register_targets()
        .target_group_arn(&target_group)
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id(cluster.writer().ip.to_string())
                .port(i32::from(cluster.port))
                .build(),
        )
        .send()
        .await
        .expect("RegisterTargets");
    let proxy = FaultProxy::start(&moto().await.endpoint, FaultPlan::none()).await;
    let members: Vec<String> = cluster
        .members
        .iter()
        .map(|member| format!("{}={}", member.id, member.endpoint))
        .collect();
    let mut env = writer_environment(&account, &dns, &cluster, &target_group, &proxy).await;
    env.insert("RDSLINK_MEMBER_ENDPOINTS".to_owned(), members.join(","));
    let function = Bootstrap::start(&native_bootstrap(), &env).await;
    let outcome = function.invoke(&scheduled_event()).await;
    let Outcome::Response(first) = outcome else {
        panic!("{outcome:?}\n{}", function.output());
    };
    assert_eq!(first["in_sync"], json!(true), "{first}");
    assert_eq!(ips(&first, "targets"), [cluster.writer().ip], "{first}");
    let calls: Vec<String> = proxy
        .forwarded_calls()
        .into_iter()
        .map(|call| call.operation)
        .collect();
    assert_reads_then_writes(&calls, &["DescribeDBClusters", "DescribeTargetHealth"], &[]);
}

/// A function following `cluster`'s writer into `target_group`, AWS through `proxy`.
async fn writer_environment(
    account: &Account,
    dns: &DnsServer,
    cluster: &seed::Cluster,
    target_group: &str,
    proxy: &rdslink_testkit::fault_proxy::FaultProxy,
) -> HashMap<String, String> {
    let mut env = rdslink_testkit::bootstrap::aws_environment(account).await;
    env.extend([
        ("AWS_ENDPOINT_URL".to_owned(), proxy.endpoint()),
        (
            "RDSLINK_TARGET_GROUP_ARN".to_owned(),
            target_group.to_owned(),
        ),
        (
            "RDSLINK_DB_CLUSTER_IDENTIFIER".to_owned(),
            cluster.id.clone(),
        ),
        ("RDSLINK_PORT".to_owned(), cluster.port.to_string()),
        ("RDSLINK_DNS_NAMESERVERS".to_owned(), dns.addr().to_string()),
    ]);
    env
}

/// `calls` are exactly `reads`, in any order (they go out side by side), followed by exactly
/// `writes`, in this order.
fn assert_reads_then_writes(calls: &[String], reads: &[&str], writes: &[&str]) {
    assert_eq!(calls.len(), reads.len() + writes.len(), "{calls:?}");
    let (first, rest) = calls.split_at(reads.len());
    let mut first: Vec<&str> = first.iter().map(String::as_str).collect();
    let mut reads = reads.to_vec();
    first.sort_unstable();
    reads.sort_unstable();
    assert_eq!(first, reads, "{calls:?}");
    assert_eq!(rest, writes, "{calls:?}");
}
