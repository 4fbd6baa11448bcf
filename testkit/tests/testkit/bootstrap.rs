//! `bootstrap::Bootstrap`: a process run as Lambda runs it, against the Runtime API emulator. The
//! function is `fixtures/echo_bootstrap.py`, a minimal custom runtime that answers with what it
//! got (event, invoked ARN, environment), so these tests need no Lambda build.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rdslink_testkit::bootstrap::{self, Bootstrap, DEFAULT_FUNCTION_NAME};
use rdslink_testkit::runtime_api::{FUNCTION_ARN, Outcome};
use rdslink_testkit::{REGION, fresh_account, moto};
use serde_json::{Value, json};

fn echo_bootstrap() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testkit/fixtures/echo_bootstrap.py")
}

/// The project venv's interpreter runs the script (`make venv` makes it; moto needs it anyway).
fn python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `make venv`",
        python.display()
    );
    python
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn response(function: &Bootstrap, outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(value) => value,
        Outcome::Error(report) => panic!("{report:?}\n{}", function.output()),
    }
}

#[tokio::test]
async fn the_process_gets_lambdas_environment_and_answers_events() {
    let given = env(&[
        ("AWS_LAMBDA_FUNCTION_NAME", "orders-sync"),
        ("RDSLINK_PORT", "5432"),
        // Always replaced by the emulator's address.
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1"),
        // Given variables win over Lambda's defaults.
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
    ]);
    let function = Bootstrap::start_under(Some(&python()), &echo_bootstrap(), &given).await;

    for n in 0..2 {
        let event = json!({"source": "aws.rds", "n": n});
        let answer = response(&function, function.invoke(&event).await);
        assert_eq!(answer["event"], event, "{answer}");
        assert_eq!(answer["function_arn"], json!(FUNCTION_ARN));
        let seen = &answer["env"];
        assert_eq!(
            seen["AWS_LAMBDA_RUNTIME_API"],
            json!(function.api().address())
        );
        assert_eq!(seen["AWS_LAMBDA_FUNCTION_NAME"], json!("orders-sync"));
        assert_eq!(
            seen["AWS_LAMBDA_LOG_GROUP_NAME"],
            json!("/aws/lambda/orders-sync")
        );
        assert_eq!(seen["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], json!("256"));
        assert_eq!(seen["AWS_LAMBDA_FUNCTION_VERSION"], json!("$LATEST"));
        assert_eq!(seen["AWS_REGION"], json!(REGION));
        assert_eq!(seen["RDSLINK_PORT"], json!("5432"));
        // Nothing leaks in from the test's own environment.
        assert!(
            seen.get("PATH").is_none() && seen.get("HOME").is_none(),
            "{seen}"
        );
        assert!(seen.get("AWS_EXECUTION_ENV").is_none(), "{seen}");
    }
    assert_eq!(function.env()["AWS_LAMBDA_FUNCTION_NAME"], "orders-sync");
    assert!(function.peak_rss_kib().is_some_and(|kib| kib > 0));

    let stopped = function.stop().await;
    assert_eq!(stopped.stdout.len(), 3, "{stopped:?}");
    assert_eq!(stopped.stdout[0], "echo: ready");
    for line in &stopped.stdout[1..] {
        let logged: Value = serde_json::from_str(line).expect("a JSON log line");
        assert!(logged["request_id"].is_string(), "{line}");
    }
    // Killed: it never exits by itself.
    assert!(
        stopped.status.is_some_and(|status| !status.success()),
        "{stopped:?}"
    );
}

#[tokio::test]
async fn invoke_once_starts_delivers_one_event_and_stops() {
    // Run as an executable (its shebang), as a packaged bootstrap is.
    let invocation =
        bootstrap::invoke_once(&echo_bootstrap(), &HashMap::new(), &json!([1, 2])).await;
    let answer = invocation.response();
    assert_eq!(answer["event"], json!([1, 2]));
    assert_eq!(
        answer["env"]["AWS_LAMBDA_FUNCTION_NAME"],
        json!(DEFAULT_FUNCTION_NAME)
    );
    assert_eq!(
        invocation.stdout.first().map(String::as_str),
        Some("echo: ready")
    );
}

#[tokio::test]
async fn handler_errors_are_outcomes_and_the_process_keeps_serving() {
    let function =
        Bootstrap::start_under(Some(&python()), &echo_bootstrap(), &HashMap::new()).await;
    let Outcome::Error(report) = function.invoke(&json!({"fail": "no database"})).await else {
        panic!("expected an error\n{}", function.output());
    };
    assert_eq!(report.error_type, "Echo.Failed");
    assert_eq!(report.error_message, "no database");
    assert_eq!(report.header_error_type.as_deref(), Some("Echo.Failed"));
    let answer = response(&function, function.invoke(&json!({"after": true})).await);
    assert_eq!(answer["event"], json!({"after": true}));
}

#[tokio::test]
#[should_panic(expected = "before answering")]
async fn a_process_that_exits_fails_the_invocation_at_once() {
    let function =
        Bootstrap::start_under(Some(&python()), &echo_bootstrap(), &HashMap::new()).await;
    let started = std::time::Instant::now();
    let outcome = function.invoke(&json!({"exit": 3})).await;
    panic!("answered {outcome:?} after {:?}", started.elapsed());
}

#[tokio::test]
async fn init_errors_are_reported_and_the_process_exits() {
    let given = env(&[("ECHO_INIT_ERROR", "RDSLINK_PORT is not set")]);
    let function = Bootstrap::start_under(Some(&python()), &echo_bootstrap(), &given).await;
    let report = function
        .init_error(Duration::from_secs(30))
        .await
        .unwrap_or_else(|| panic!("no init error\n{}", function.output()));
    assert_eq!(report.error_type, "Echo.Init");
    assert_eq!(report.error_message, "RDSLINK_PORT is not set");
    let status = function
        .wait_for_exit(Duration::from_secs(30))
        .await
        .expect("the process exits after its init error");
    assert_eq!(status.code(), Some(1));
    assert!(function.api().first_poll().is_none());
}

#[tokio::test]
async fn aws_environment_carries_the_accounts_credentials_and_moto() {
    let account = fresh_account().await;
    let env = bootstrap::aws_environment(&account).await;
    assert_eq!(env["AWS_ENDPOINT_URL"], moto().await.endpoint);
    assert_eq!(env["AWS_REGION"], REGION);

    // The same credentials, taken from the variables alone, act in the account.
    let credentials = aws_credential_types::Credentials::new(
        &env["AWS_ACCESS_KEY_ID"],
        &env["AWS_SECRET_ACCESS_KEY"],
        env.get("AWS_SESSION_TOKEN").cloned(),
        None,
        "from-environment",
    );
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&env["AWS_ENDPOINT_URL"])
        .region(aws_config::Region::new(env["AWS_REGION"].clone()))
        .credentials_provider(credentials)
        .load()
        .await;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect("sts:GetCallerIdentity");
    assert_eq!(identity.account(), Some(account.id.as_str()));
}
