//! `sync`: `terraform apply` deploys the sync Lambda with the bundle, least-privilege, wired to
//! the database's RDS events and to a schedule; the deployed function, run from its deployed
//! configuration, re-points the target group after a failover without another apply; drift of
//! any part shows in the plan and apply repairs it; destroy leaves nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine as _;
use rdslink_acceptance_tests::provider_dir;
use rdslink_acceptance_tests::step::{Outcome, Step};
use rdslink_testkit::bootstrap::{aws_environment, invoke_once};
use rdslink_testkit::seed::{self, Cluster};
use rdslink_testkit::{Account, event_pattern_matches};
use serde_json::{Value, json};
use sha2::Digest as _;

use super::aws::targets;
use super::sync_aws::{grants, is_read_only, role_policies, trust_policy};
use super::{Bench, Service, state, text};

const FUNCTION: &str = "rdslink-sync-orders";

/// The zip `make lambda-zip` built from this commit, which the provider embeds.
fn packaged_zip_sha256() -> String {
    let path = rdslink_testkit::bootstrap::packaged_zip();
    let zip = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip))
}

/// The deployed function's configuration, as Lambda reports it.
async fn function(account: &Account) -> aws_sdk_lambda::operation::get_function::GetFunctionOutput {
    account
        .lambda()
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await
        .expect("GetFunction of the sync function")
}

async fn environment(account: &Account) -> HashMap<String, String> {
    let function = function(account).await;
    function
        .configuration()
        .and_then(|config| config.environment())
        .and_then(|environment| environment.variables())
        .cloned()
        .expect("the function has an environment")
}

/// Replaces the function's environment out of band.
async fn set_environment(account: &Account, env: HashMap<String, String>) {
    account
        .lambda()
        .update_function_configuration()
        .function_name(FUNCTION)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .set_variables(Some(env))
                .build(),
        )
        .send()
        .await
        .expect("UpdateFunctionConfiguration");
}

/// An RDS event as EventBridge delivers it, about `source_arn`.
fn rds_event(
    account: &Account,
    detail_type: &str,
    source_arn: &str,
    identifier: &str,
    event_id: &str,
) -> Value {
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": "aws.rds",
        "account": account.id,
        "time": "2026-11-29T10:00:00Z",
        "region": account.region,
        "resources": [source_arn],
        "detail": {
            "EventCategories": ["failover"],
            "SourceType": if detail_type.contains("Cluster") { "CLUSTER" } else { "DB_INSTANCE" },
            "SourceArn": source_arn,
            "Date": "2026-11-29T10:00:00.000Z",
            "Message": "Completed failover to DB instance",
            "SourceIdentifier": identifier,
            "EventID": event_id,
        }
    })
}

fn rds_arn(account: &Account, kind: &str, id: &str) -> String {
    format!("arn:aws:rds:{}:{}:{kind}:{id}", account.region, account.id)
}

async fn rule_pattern(account: &Account) -> String {
    account
        .eventbridge()
        .describe_rule()
        .name(FUNCTION)
        .send()
        .await
        .expect("DescribeRule")
        .event_pattern()
        .expect("the rule has a pattern")
        .to_owned()
}

async fn matches(account: &Account, event: &Value) -> bool {
    event_pattern_matches(
        &account.eventbridge(),
        &rule_pattern(account).await,
        &event.to_string(),
    )
    .await
    .expect("TestEventPattern")
}

/// Everything `apply` deployed, read back through the AWS API.
async fn assert_deployed(account: &Account, cluster: &Cluster, values: &Value) {
    let target_group = text(values, "target_group_arn");
    let sync = &values["sync"];
    let function_arn = text(sync, "function_arn");

    let deployed = function(account).await;
    let config = deployed.configuration().expect("a configuration");
    assert_eq!(
        config.runtime().map(|r| r.as_str()),
        Some("provided.al2023")
    );
    assert_eq!(config.handler(), Some("bootstrap"));
    let architectures: Vec<&str> = config.architectures().iter().map(|a| a.as_str()).collect();
    assert_eq!(architectures, ["arm64"]);
    assert_eq!(
        config.timeout(),
        Some(150),
        "the DNS wait (90 s) plus 60 s of headroom"
    );
    assert_eq!(config.memory_size(), Some(128));
    assert_eq!(config.function_arn(), Some(function_arn));
    assert_eq!(
        deployed
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        Some(1),
        "one invocation at a time"
    );
    let sha = packaged_zip_sha256();
    assert_eq!(
        config.code_sha256(),
        Some(sha.as_str()),
        "the code is the zip `make lambda-zip` builds"
    );
    assert_eq!(text(sync, "code_sha256"), sha);
    // The members' endpoints, as RDS named them when the function was deployed: the function's
    // first invocation then needs no DescribeDBInstances.
    let mut members: Vec<String> = cluster
        .members
        .iter()
        .map(|member| format!("{}={}", member.id.to_ascii_lowercase(), member.endpoint))
        .collect();
    members.sort();
    let expected_env: HashMap<String, String> = [
        ("RDSLINK_TARGET_GROUP_ARN", target_group),
        ("RDSLINK_DB_CLUSTER_IDENTIFIER", "orders"),
        ("RDSLINK_ROLE", "writer"),
        ("RDSLINK_PORT", &cluster.port.to_string()),
        ("RDSLINK_DNS_WAIT_SECONDS", "90"),
        ("RDSLINK_MEMBER_ENDPOINTS", &members.join(",")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(environment(account).await, expected_env);
    let invoke_config = account
        .lambda()
        .get_function_event_invoke_config()
        .function_name(FUNCTION)
        .send()
        .await
        .expect("GetFunctionEventInvokeConfig");
    assert_eq!(invoke_config.maximum_retry_attempts(), Some(2));
    assert_eq!(invoke_config.maximum_event_age_in_seconds(), Some(900));

    // The execution role: least privilege, parsed.
    let role = config.role().expect("a role");
    assert_eq!(role, text(sync, "role_arn"));
    let policies = role_policies(account, FUNCTION).await;
    assert_eq!(policies.len(), 1, "{policies:#?}");
    let granted: Vec<(String, String)> = policies.values().flat_map(grants).collect();
    for (action, resource) in &granted {
        assert!(
            resource != "*" || is_read_only(action),
            "{action} on \"*\" in {policies:#?}"
        );
        if action.ends_with("RegisterTargets") || action.ends_with("DeregisterTargets") {
            assert_eq!(resource, target_group, "{action} only on this target group");
        }
        assert_ne!(
            action, "logs:CreateLogGroup",
            "the provider creates the log group"
        );
        assert!(
            !action.ends_with(":*"),
            "no service-wide wildcard action: {action}"
        );
    }
    for needed in [
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
        "rds:DescribeDBClusters",
    ] {
        assert!(
            granted.iter().any(|(action, _)| action == needed),
            "{needed} missing: {policies:#?}"
        );
    }
    let trust = trust_policy(account, FUNCTION).await;
    let statement = &trust["Statement"][0];
    assert_eq!(
        statement["Principal"]["Service"], "lambda.amazonaws.com",
        "{trust:#}"
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:SourceAccount"],
        account.id.as_str(),
        "{trust:#}"
    );

    // The log group, created by the provider with its retention.
    let groups = account
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(format!("/aws/lambda/{FUNCTION}"))
        .send()
        .await
        .expect("DescribeLogGroups");
    let group = groups
        .log_groups()
        .first()
        .expect("the function's log group");
    assert_eq!(group.retention_in_days(), Some(30));

    // The rule matches this cluster's and its members' failover events, and nothing else.
    let cluster_event = rds_event(
        account,
        "RDS DB Cluster Event",
        &rds_arn(account, "cluster", "orders"),
        "orders",
        "RDS-EVENT-0071",
    );
    assert!(
        matches(account, &cluster_event).await,
        "the cluster's failover event must match"
    );
    let member = &cluster.members[0].id;
    let member_event = rds_event(
        account,
        "RDS DB Instance Event",
        &rds_arn(account, "db", member),
        member,
        "RDS-EVENT-0049",
    );
    assert!(
        matches(account, &member_event).await,
        "a member's failover event must match"
    );
    let other = rds_event(
        account,
        "RDS DB Cluster Event",
        &rds_arn(account, "cluster", "billing"),
        "billing",
        "RDS-EVENT-0071",
    );
    assert!(
        !matches(account, &other).await,
        "another cluster's events must not match"
    );
    let same_name_instance = rds_event(
        account,
        "RDS DB Instance Event",
        &rds_arn(account, "db", "orders"),
        "orders",
        "RDS-EVENT-0049",
    );
    assert!(
        !matches(account, &same_name_instance).await,
        "an instance named like the cluster is another database"
    );
    let backup = rds_event(
        account,
        "RDS DB Cluster Event",
        &rds_arn(account, "cluster", "orders"),
        "orders",
        "RDS-EVENT-0169",
    );
    assert!(
        !matches(account, &backup).await,
        "a snapshot event moves no address"
    );
    let targets = account
        .eventbridge()
        .list_targets_by_rule()
        .rule(FUNCTION)
        .send()
        .await
        .expect("ListTargetsByRule");
    let rule_targets: Vec<&str> = targets.targets().iter().map(|t| t.arn()).collect();
    assert_eq!(rule_targets, [function_arn]);
    let permission = account
        .lambda()
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .expect("GetPolicy");
    let permission: Value = serde_json::from_str(permission.policy().unwrap()).unwrap();
    let statement = &permission["Statement"][0];
    assert_eq!(
        statement["Principal"]["Service"], "events.amazonaws.com",
        "{permission:#}"
    );
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        text(sync, "event_rule_arn"),
        "only the rule may invoke the function: {permission:#}"
    );

    // The schedule invokes the function through a role allowed that one invocation.
    let schedule = account
        .scheduler()
        .get_schedule()
        .name(FUNCTION)
        .send()
        .await
        .expect("GetSchedule");
    assert_eq!(schedule.schedule_expression(), Some("rate(1 minute)"));
    let target = schedule.target().expect("a target");
    assert_eq!(target.arn(), function_arn);
    let scheduler_role = target.role_arn().rsplit('/').next().unwrap().to_owned();
    let scheduler_grants: Vec<(String, String)> = role_policies(account, &scheduler_role)
        .await
        .values()
        .flat_map(grants)
        .collect();
    assert_eq!(
        scheduler_grants,
        [("lambda:InvokeFunction".to_owned(), function_arn.to_owned())]
    );
}

/// The environment Lambda would give the deployed function: the deployed variables, plus only
/// this test's AWS endpoint, credentials and DNS server.
async fn deployed_environment(bench: &Bench) -> HashMap<String, String> {
    let mut env = environment(bench.account()).await;
    env.extend(aws_environment(bench.account()).await);
    env.insert("AWS_LAMBDA_FUNCTION_NAME".to_owned(), FUNCTION.to_owned());
    env.insert(
        "RDSLINK_DNS_NAMESERVERS".to_owned(),
        bench.dns().addr().to_string(),
    );
    env
}

/// Runs the deployed function once, natively, with the environment Lambda would give it: the
/// deployed variables, plus only this test's AWS endpoint, credentials and DNS server.
async fn run_deployed_function(bench: &Bench, payload: &Value) -> Value {
    let env = deployed_environment(bench).await;
    let program = provider_dir().join("bootstrap");
    assert!(
        program.is_file(),
        "{} is built by `cargo test --workspace`",
        program.display()
    );
    invoke_once(&program, &env, payload)
        .await
        .response()
        .clone()
}

async fn registered(bench: &Bench, values: &Value) -> Vec<String> {
    targets(bench.account(), text(values, "target_group_arn"))
        .await
        .into_iter()
        .map(|(ip, _)| ip)
        .collect()
}

#[tokio::test]
async fn apply_deploys_a_least_privilege_sync_lambda_that_follows_a_failover_on_its_own() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let recorded = std::cell::OnceCell::<Value>::new();
    let values = || recorded.get().expect("step 1 recorded the state");
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
            let values = state(bench.workspace()).await;
            assert_deployed(bench.account(), &cluster, &values).await;
            assert_eq!(
                registered(&bench, &values).await,
                [cluster.writer().ip.to_string()]
            );
            recorded.set(values).unwrap();
        }))
        // A failover, delivered as the event the deployed rule matches: the function re-points
        // the target group; the plan that follows has nothing to do.
        .step(
            Step::same_config()
                .pre_config(async || {
                    let new_writer = seed::failover_cluster(bench.account(), &cluster, None).await;
                    seed::point_writer_dns(bench.dns(), &cluster, &new_writer);
                    let event = rds_event(
                        bench.account(),
                        "RDS DB Cluster Event",
                        &rds_arn(bench.account(), "cluster", "orders"),
                        "orders",
                        "RDS-EVENT-0071",
                    );
                    assert!(matches(bench.account(), &event).await);
                    let started = std::time::Instant::now();
                    let response = run_deployed_function(&bench, &event).await;
                    eprintln!("event to target group updated: {:?}", started.elapsed());
                    assert_eq!(
                        registered(&bench, values()).await,
                        [cluster.member(&new_writer).ip.to_string()],
                        "{response:#}"
                    );
                })
                .plan_only(),
        )
        // A silent failover (no event): the scheduled run catches it.
        .step(
            Step::same_config()
                .pre_config(async || {
                    let before = registered(&bench, values()).await;
                    let old = cluster
                        .members
                        .iter()
                        .find(|m| before.contains(&m.ip.to_string()))
                        .unwrap();
                    let new_writer = seed::failover_cluster(bench.account(), &cluster, None).await;
                    assert_ne!(new_writer, old.id);
                    seed::point_writer_dns(bench.dns(), &cluster, &new_writer);
                    let scheduled = account_schedule_input(bench.account()).await;
                    run_deployed_function(&bench, &scheduled).await;
                    assert_eq!(
                        registered(&bench, values()).await,
                        [cluster.member(&new_writer).ip.to_string()]
                    );
                })
                .plan_only(),
        )
        .run()
        .await;
}

/// The payload the deployed schedule delivers, read from the schedule.
async fn account_schedule_input(account: &Account) -> Value {
    let schedule = account
        .scheduler()
        .get_schedule()
        .name(FUNCTION)
        .send()
        .await
        .expect("GetSchedule");
    let input = schedule
        .target()
        .and_then(|t| t.input())
        .expect("the schedule has an input");
    serde_json::from_str(input).expect("the schedule's input is JSON")
}

fn names_drift(outcome: &Outcome, what: &str) {
    let stdout = &outcome.run.stdout;
    assert!(
        stdout.contains(what),
        "the plan must name the drift {what:?}:\n{stdout}"
    );
}

#[tokio::test]
async fn drift_of_every_sync_part_shows_in_the_plan_and_apply_repairs_it() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let lambda = bench.account().lambda();
    let events = bench.account().eventbridge();
    let mut case = bench.case().await.step(Step::config(service.hcl()));
    // Each: change a part out of band -> the plan shows it -> apply repairs -> plan empty.
    case = case
        .step(
            Step::same_config()
                .pre_config(async || {
                    lambda
                        .delete_function_concurrency()
                        .function_name(FUNCTION)
                        .send()
                        .await
                        .unwrap();
                })
                .plan_only()
                .expect_non_empty_plan("reserved concurrency removed")
                .check(async |outcome| {
                    names_drift(outcome, "reserved concurrency of 1 was removed")
                }),
        )
        .step(Step::same_config())
        .step(
            Step::same_config()
                .pre_config(async || {
                    events.disable_rule().name(FUNCTION).send().await.unwrap();
                })
                .plan_only()
                .expect_non_empty_plan("rule disabled")
                .check(async |outcome| names_drift(outcome, "rule is disabled")),
        )
        .step(Step::same_config())
        .step(
            Step::same_config()
                .pre_config(async || {
                    let mut env = environment(bench.account()).await;
                    env.insert("RDSLINK_PORT".to_owned(), "1".to_owned());
                    set_environment(bench.account(), env).await;
                })
                .plan_only()
                .expect_non_empty_plan("environment changed")
                .check(async |outcome| names_drift(outcome, "environment changed")),
        )
        .step(Step::same_config().check(async |_| {
            assert_eq!(
                environment(bench.account())
                    .await
                    .get("RDSLINK_PORT")
                    .map(String::as_str),
                Some("5432")
            );
        }))
        // The member endpoints are a hint of the deployment's moment (a member may join later),
        // not a setting: without them the function is as configured.
        .step(
            Step::same_config()
                .pre_config(async || {
                    let mut env = environment(bench.account()).await;
                    env.remove("RDSLINK_MEMBER_ENDPOINTS")
                        .expect("the repaired function has its members' endpoints again");
                    set_environment(bench.account(), env).await;
                })
                .plan_only(),
        )
        .step(
            Step::same_config()
                .pre_config(async || {
                    lambda
                        .delete_function()
                        .function_name(FUNCTION)
                        .send()
                        .await
                        .unwrap();
                })
                .plan_only()
                .expect_non_empty_plan("function deleted")
                .check(async |outcome| names_drift(outcome, "sync function is missing")),
        )
        .step(Step::same_config().check(async |_| {
            function(bench.account()).await;
        }));
    case.run().await;
}

#[tokio::test]
async fn sync_turned_off_removes_the_function_and_its_wiring_and_keeps_the_load_balancer() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let off = service.clone().with("sync = { enabled = false }");
    let nlb = std::cell::OnceCell::<String>::new();
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
            nlb.set(text(&state(bench.workspace()).await, "nlb_arn").to_owned()).unwrap();
        }))
        .step(Step::config(off.hcl()).check(async |_| {
            let values = state(bench.workspace()).await;
            assert_eq!(text(&values, "nlb_arn"), nlb.get().unwrap(), "the load balancer stays");
            assert_eq!(values["sync"]["function_arn"], Value::Null);
            let left = super::sync_aws::sync_inventory(bench.account()).await;
            assert!(left.is_empty(), "{left:#?}");
        }))
        .step(Step::config(
            service
                .clone()
                .with("sync = {\n    schedule = \"rate(5 minutes)\"\n    memory_size = 256\n    log_retention_days = 7\n  }")
                .hcl(),
        ).check(async |_| {
            let config = function(bench.account()).await;
            assert_eq!(config.configuration().unwrap().memory_size(), Some(256));
            let schedule = bench.account().scheduler().get_schedule().name(FUNCTION).send().await.unwrap();
            assert_eq!(schedule.schedule_expression(), Some("rate(5 minutes)"));
        }))
        .run()
        .await;
}

/// An RDS event as RDS publishes it to an SNS topic and SNS delivers it to a Lambda function.
fn sns_wrapped_rds_event(
    account: &Account,
    topic_arn: &str,
    cluster: &str,
    event_id: &str,
) -> Value {
    let message = json!({
        "Event Source": "db-cluster",
        "Event Time": "2026-11-29 10:00:00.000",
        "Identifier Link": format!("https://console.aws.amazon.com/rds/home?region={}#dbclusters:id={cluster}", account.region),
        "Source ID": cluster,
        "Source ARN": rds_arn(account, "cluster", cluster),
        "Event ID": format!("http://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html#{event_id}"),
        "Event Message": "Completed failover to DB instance",
    });
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": format!("{topic_arn}:21be56ed-a058-49f5-8c98-aedd2564c486"),
            "Sns": {
                "Type": "Notification",
                "MessageId": "59aaab88-c2a3-554e-801b-f18ad03ba813",
                "TopicArn": topic_arn,
                "Subject": "RDS Notification Message",
                "Message": message.to_string(),
                "Timestamp": "2026-11-29T10:00:00.348Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.example/cert.pem",
                "UnsubscribeUrl": "https://sns.example/unsubscribe",
                "MessageAttributes": {}
            }
        }]
    })
}

/// The SNS path, read back: the topic's policy lets only RDS publish, for this subscription; the
/// function is subscribed and may be invoked by this topic only; the RDS event subscription names
/// the cluster and its address-changing categories.
async fn assert_sns_path(account: &Account, values: &Value) {
    let topic_arn = format!("arn:aws:sns:{}:{}:{FUNCTION}", account.region, account.id);
    let subscription_arn = rds_arn(account, "es", FUNCTION);
    assert_eq!(values["sync"]["sns_topic_arn"], json!(topic_arn));
    assert_eq!(
        values["sync"]["event_subscription_arn"],
        json!(subscription_arn)
    );
    let function_arn = text(&values["sync"], "function_arn");

    let sns = account.sns();
    let attributes = sns
        .get_topic_attributes()
        .topic_arn(&topic_arn)
        .send()
        .await
        .expect("GetTopicAttributes");
    let policy = super::sync_aws::policy_json(&attributes.attributes().unwrap()["Policy"]);
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{policy:#}");
    let statement = &statements[0];
    assert_eq!(
        statement["Principal"],
        json!({"Service": "events.rds.amazonaws.com"})
    );
    assert_eq!(
        grants(&policy),
        [("sns:Publish".to_owned(), topic_arn.clone())]
    );
    assert_eq!(
        statement["Condition"],
        json!({
            "ArnEquals": {"aws:SourceArn": subscription_arn},
            "StringEquals": {"aws:SourceAccount": account.id},
        })
    );
    let subscribers = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic_arn)
        .send()
        .await
        .expect("ListSubscriptionsByTopic");
    let endpoints: Vec<(Option<&str>, Option<&str>)> = subscribers
        .subscriptions()
        .iter()
        .map(|subscription| (subscription.protocol(), subscription.endpoint()))
        .collect();
    assert_eq!(endpoints, [(Some("lambda"), Some(function_arn))]);

    let resource_policy = account
        .lambda()
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .expect("GetPolicy");
    let resource_policy: Value = serde_json::from_str(resource_policy.policy().unwrap()).unwrap();
    let from_sns: Vec<&Value> = resource_policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|statement| statement["Principal"]["Service"] == "sns.amazonaws.com")
        .collect();
    assert_eq!(from_sns.len(), 1, "{resource_policy:#}");
    assert_eq!(
        from_sns[0]["Condition"]["ArnLike"]["AWS:SourceArn"],
        json!(topic_arn),
        "{resource_policy:#}"
    );

    let subscriptions = account
        .rds()
        .describe_event_subscriptions()
        .subscription_name(FUNCTION)
        .send()
        .await
        .expect("DescribeEventSubscriptions");
    let [subscription] = subscriptions.event_subscriptions_list() else {
        panic!("one event subscription: {subscriptions:#?}");
    };
    assert_eq!(subscription.sns_topic_arn(), Some(topic_arn.as_str()));
    assert_eq!(subscription.source_type(), Some("db-cluster"));
    assert_eq!(subscription.source_ids_list(), ["orders"]);
    assert_eq!(subscription.enabled(), Some(true));
    let mut categories = subscription.event_categories_list().to_vec();
    categories.sort();
    assert_eq!(
        categories,
        ["failover", "global-failover", "maintenance", "notification"]
    );
}

#[tokio::test]
async fn the_sns_path_delivers_the_databases_events_and_goes_when_switched_off() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let both = service.clone().with("sync = { events = \"both\" }");
    let eventbridge_only = service.clone().with("sync = { events = \"eventbridge\" }");
    let recorded = std::cell::OnceCell::<Value>::new();
    let values = || recorded.get().expect("step 1 recorded the state");
    bench
        .case()
        .await
        .step(Step::config(both.hcl()).check(async |_| {
            let values = state(bench.workspace()).await;
            assert_sns_path(bench.account(), &values).await;
            // "both": the EventBridge rule is there too.
            assert_eq!(
                values["sync"]["event_rule_arn"],
                json!(format!(
                    "arn:aws:events:{}:{}:rule/{FUNCTION}",
                    bench.account().region,
                    bench.account().id
                ))
            );
            recorded.set(values).unwrap();
        }))
        // A failover, delivered as SNS delivers the RDS notification: the deployed function
        // re-points the target group without an apply.
        .step(
            Step::same_config()
                .pre_config(async || {
                    let new_writer = seed::failover_cluster(bench.account(), &cluster, None).await;
                    seed::point_writer_dns(bench.dns(), &cluster, &new_writer);
                    let event = sns_wrapped_rds_event(
                        bench.account(),
                        text(&values()["sync"], "sns_topic_arn"),
                        "orders",
                        "RDS-EVENT-0071",
                    );
                    let response = run_deployed_function(&bench, &event).await;
                    assert_eq!(
                        registered(&bench, values()).await,
                        [cluster.member(&new_writer).ip.to_string()],
                        "{response:#}"
                    );
                })
                .plan_only(),
        )
        // Drift of the SNS path: the event subscription deleted, the topic's policy opened to
        // everyone. Each shows in the plan and apply repairs it.
        .step(
            Step::same_config()
                .pre_config(async || {
                    bench
                        .account()
                        .rds()
                        .delete_event_subscription()
                        .subscription_name(FUNCTION)
                        .send()
                        .await
                        .unwrap();
                })
                .plan_only()
                .expect_non_empty_plan("event subscription deleted")
                .check(async |outcome| names_drift(outcome, "RDS event subscription is missing")),
        )
        .step(Step::same_config().check(async |_| {
            assert_sns_path(bench.account(), &state(bench.workspace()).await).await;
        }))
        .step(
            Step::same_config()
                .pre_config(async || {
                    let topic_arn = text(&values()["sync"], "sns_topic_arn");
                    let open = json!({"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Principal": {"AWS": "*"},
                        "Action": "sns:Publish", "Resource": topic_arn}]});
                    bench
                        .account()
                        .sns()
                        .set_topic_attributes()
                        .topic_arn(topic_arn)
                        .attribute_name("Policy")
                        .attribute_value(open.to_string())
                        .send()
                        .await
                        .unwrap();
                })
                .plan_only()
                .expect_non_empty_plan("topic policy opened")
                .check(async |outcome| names_drift(outcome, "topic's access policy changed")),
        )
        .step(Step::same_config().check(async |_| {
            assert_sns_path(bench.account(), &state(bench.workspace()).await).await;
        }))
        // Back to EventBridge alone: the topic, its subscription, the function's permission for
        // SNS and the RDS event subscription go; the rule stays.
        .step(Step::config(eventbridge_only.hcl()).check(async |_| {
            let values = state(bench.workspace()).await;
            assert_eq!(values["sync"]["sns_topic_arn"], Value::Null);
            assert_eq!(values["sync"]["event_subscription_arn"], Value::Null);
            let left = super::sync_aws::sync_inventory(bench.account()).await;
            assert!(left.topics.is_empty(), "{left:#?}");
            assert!(left.event_subscriptions.is_empty(), "{left:#?}");
            assert_eq!(left.rules, [FUNCTION]);
            let resource_policy = bench
                .account()
                .lambda()
                .get_policy()
                .function_name(FUNCTION)
                .send()
                .await
                .expect("GetPolicy");
            assert!(
                !resource_policy
                    .policy()
                    .unwrap()
                    .contains("sns.amazonaws.com"),
                "{resource_policy:?}"
            );
        }))
        .run()
        .await;
}

/// A security group in the bench's VPC.
async fn security_group(bench: &Bench, name: &str) -> String {
    bench
        .account()
        .ec2()
        .create_security_group()
        .vpc_id(&bench.vpc.id)
        .group_name(name)
        .description("the sync function's")
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id
        .expect("a group id")
}

/// The statements of the function's execution policy, by Sid.
async fn execution_statements(account: &Account) -> Vec<String> {
    let policies = role_policies(account, FUNCTION).await;
    let policy = policies.values().next().expect("the execution policy");
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|statement| statement["Sid"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const ENI_STATEMENTS: [&str; 3] = [
    "CreateNetworkInterfacesInTheSubnets",
    "ManageTheNetworkInterfaces",
    "DescribeNetworkInterfaces",
];

#[tokio::test]
async fn a_function_attached_to_a_vpc_gets_only_the_network_interface_permissions_it_needs() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let group = security_group(&bench, "sync-fn").await;
    let subnets = bench.subnets().to_vec();
    let service = Service::new(&bench, "orders");
    let attached = service.clone().with(&format!(
        "sync = {{\n    subnet_ids = {subnets:?}\n    security_group_ids = [\"{group}\"]\n  }}"
    ));
    bench
        .case()
        .await
        .step(Step::config(attached.hcl()).check(async |_| {
            let function = function(bench.account()).await;
            let vpc = function
                .configuration()
                .and_then(|config| config.vpc_config())
                .expect("the function is attached to a VPC");
            assert_eq!(vpc.vpc_id(), Some(bench.vpc.id.as_str()));
            let mut attached_subnets = vpc.subnet_ids().to_vec();
            attached_subnets.sort();
            let mut wanted = subnets.clone();
            wanted.sort();
            assert_eq!(attached_subnets, wanted);
            assert_eq!(vpc.security_group_ids(), std::slice::from_ref(&group));
            let statements = execution_statements(bench.account()).await;
            for sid in ENI_STATEMENTS {
                assert!(statements.iter().any(|s| s == sid), "{sid}: {statements:?}");
            }
            let policies = role_policies(bench.account(), FUNCTION).await;
            let policy = policies.values().next().unwrap();
            let on_everything: Vec<String> = grants(policy)
                .into_iter()
                .filter(|(action, resource)| resource == "*" && !is_read_only(action))
                .map(|(action, _)| action)
                .collect();
            assert!(on_everything.is_empty(), "{on_everything:?}");
            let create_resources: Vec<String> = grants(policy)
                .into_iter()
                .filter(|(action, _)| action == "ec2:CreateNetworkInterface")
                .map(|(_, resource)| resource)
                .collect();
            for subnet in &subnets {
                assert!(
                    create_resources
                        .iter()
                        .any(|r| r.ends_with(&format!(":subnet/{subnet}"))),
                    "{create_resources:?}"
                );
            }
        }))
        // Detached: the function leaves the VPC and its role loses the ENI permissions.
        .step(Step::config(service.hcl()).check(async |_| {
            let function = function(bench.account()).await;
            let vpc = function
                .configuration()
                .and_then(|config| config.vpc_config());
            assert!(vpc.is_none_or(|vpc| vpc.subnet_ids().is_empty()), "{vpc:?}");
            let statements = execution_statements(bench.account()).await;
            for sid in ENI_STATEMENTS {
                assert!(
                    !statements.iter().any(|s| s == sid),
                    "{sid}: {statements:?}"
                );
            }
        }))
        .run()
        .await;
}

/// The provider's apply and the deployed function both move targets, each through the engine's
/// `reconcile`, and nothing serialises the two: while an apply runs after a failover, the function
/// runs again and again. The target group is never seen empty, and both end on the new primary.
#[tokio::test]
async fn an_apply_and_the_function_running_at_the_same_time_never_empty_the_group() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let workspace = bench.other_workspace(&service.hcl()).await;
    workspace.apply().await.unwrap().success().unwrap();
    let values = super::state_values(&workspace)
        .await
        .expect("the endpoint service");
    let before = registered(&bench, &values).await;
    assert_eq!(before, [cluster.writer().ip.to_string()]);

    let new_writer = seed::failover_cluster(bench.account(), &cluster, None).await;
    seed::point_writer_dns(bench.dns(), &cluster, &new_writer);
    let new_ip = cluster.member(&new_writer).ip.to_string();
    // A changed tag: an update, which discovers the database and reconciles the targets too.
    let tagged = service.clone().with("tags = { run = \"concurrent\" }");
    workspace
        .write_configuration(&format!("{}\n{}", bench.provider().await, tagged.hcl()))
        .unwrap();

    let env = deployed_environment(&bench).await;
    let function =
        rdslink_testkit::bootstrap::Bootstrap::start(&provider_dir().join("bootstrap"), &env).await;
    let scheduled = account_schedule_input(bench.account()).await;

    let applying = std::cell::Cell::new(true);
    let apply = async {
        let run = workspace.apply().await.unwrap().success().unwrap();
        applying.set(false);
        run
    };
    let invocations = async {
        let mut runs = 0;
        while applying.get() || runs < 3 {
            function.invoke(&scheduled).await;
            runs += 1;
        }
        runs
    };
    let watcher = async {
        let mut samples = 0;
        while applying.get() {
            let held = registered(&bench, &values).await;
            assert!(
                !held.is_empty(),
                "the target group was empty during the apply"
            );
            samples += 1;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        samples
    };
    let (_, runs, samples) = tokio::join!(apply, invocations, watcher);
    function.stop().await;
    assert!(
        runs >= 3 && samples > 0,
        "{runs} function runs, {samples} samples"
    );
    assert_eq!(
        registered(&bench, &values).await,
        std::slice::from_ref(&new_ip)
    );
    let (code, run) = workspace.plan_exit_code(&[]).await.unwrap();
    assert_eq!(code, 0, "converged, the plan is empty:\n{}", run.stdout);
    workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    super::aws::assert_nothing_owned_left(bench.account()).await;
}

/// A state written by a provider with other function code plans an in-place code update; an
/// import rebuilds the sync settings from the deployed parts, so the plan after it is empty.
#[tokio::test]
async fn new_code_updates_in_place_and_an_import_reads_the_sync_settings_back() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let group = security_group(&bench, "sync-fn").await;
    let service = Service::new(&bench, "orders").with(&format!(
        "sync = {{\n    schedule = \"rate(5 minutes)\"\n    memory_size = 256\n    events = \"both\"\n    \
         subnet_ids = [\"{}\"]\n    security_group_ids = [\"{group}\"]\n  }}",
        bench.subnets()[0]
    ));
    let workspace = bench.other_workspace(&service.hcl()).await;
    workspace.apply().await.unwrap().success().unwrap();

    // The state of an older provider version: another code hash.
    let pulled = workspace
        .terraform(&["state", "pull"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let mut state: Value = serde_json::from_str(&pulled.stdout).unwrap();
    let sha = packaged_zip_sha256();
    let attributes = &mut state["resources"][0]["instances"][0]["attributes"];
    assert_eq!(attributes["sync"]["code_sha256"], sha.as_str());
    attributes["sync"]["code_sha256"] =
        json!("b2xkZXIgY29kZSBvZiBhbm90aGVyIHByb3ZpZGVyIHZlcnNpb24=");
    state["serial"] = json!(state["serial"].as_u64().unwrap() + 1);
    let path = workspace.path().join("older.tfstate");
    std::fs::write(&path, state.to_string()).unwrap();
    workspace
        .terraform(&["state", "push", path.to_str().unwrap()])
        .await
        .unwrap()
        .success()
        .unwrap();
    let (code, run) = workspace.plan_exit_code(&["-refresh=false"]).await.unwrap();
    assert_eq!(code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("update in-place"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&sha),
        "the plan shows the new code's hash:\n{}",
        run.stdout
    );

    let id = text(&super::state_values(&workspace).await.unwrap(), "id").to_owned();
    workspace
        .terraform(&["state", "rm", super::ADDRESS])
        .await
        .unwrap()
        .success()
        .unwrap();
    workspace
        .terraform(&["import", "-no-color", super::ADDRESS, &id])
        .await
        .unwrap()
        .success()
        .unwrap();
    let imported = super::state_values(&workspace).await.unwrap();
    assert_eq!(imported["sync"]["memory_size"], 256);
    assert_eq!(imported["sync"]["schedule"], "rate(5 minutes)");
    assert_eq!(imported["sync"]["code_sha256"], sha.as_str());
    assert_eq!(imported["sync"]["events"], "both");
    assert_eq!(imported["sync"]["subnet_ids"], json!([bench.subnets()[0]]));
    assert_eq!(imported["sync"]["security_group_ids"], json!([group]));
    let (code, run) = workspace.plan_exit_code(&[]).await.unwrap();
    assert_eq!(
        code, 0,
        "the plan after an import is empty:\n{}",
        run.stdout
    );
    workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    super::aws::assert_nothing_owned_left(bench.account()).await;
}

/// The artifact that ships: the arm64 `bootstrap` inside the zip the provider embeds, run under
/// qemu with the deployed function's configuration, follows a failover as the native build does.
#[tokio::test]
async fn the_arm64_zip_runs_the_deployed_configuration_under_qemu() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let unpacked = tempfile::tempdir().unwrap();
    bench
        .case()
        .await
        .step(Step::config(service.hcl()))
        .step(
            Step::same_config()
                .pre_config(async || {
                    let qemu = which("qemu-aarch64-static").expect(
                        "qemu-aarch64-static is not installed: run `make lambda-qemu` (Debian qemu-user-static)",
                    );
                    let bootstrap = unzip_bootstrap(unpacked.path());
                    let new_writer = seed::failover_cluster(bench.account(), &cluster, None).await;
                    seed::point_writer_dns(bench.dns(), &cluster, &new_writer);
                    let env = deployed_environment(&bench).await;
                    let function =
                        rdslink_testkit::bootstrap::Bootstrap::start_under(Some(&qemu), &bootstrap, &env).await;
                    let event = rds_event(
                        bench.account(),
                        "RDS DB Cluster Event",
                        &rds_arn(bench.account(), "cluster", "orders"),
                        "orders",
                        "RDS-EVENT-0071",
                    );
                    let outcome = function.invoke(&event).await;
                    let stopped = function.stop().await;
                    let values = state(bench.workspace()).await;
                    assert_eq!(
                        registered(&bench, &values).await,
                        [cluster.member(&new_writer).ip.to_string()],
                        "{outcome:?}\n{}",
                        stopped.stderr.join("\n")
                    );
                })
                .plan_only(),
        )
        .run()
        .await;
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| std::path::Path::new(dir).join(program))
        .find(|path| path.is_file())
}

/// `bootstrap` from the embedded zip, extracted into `dir` (mode 0755) with Python's `zipfile`.
fn unzip_bootstrap(dir: &std::path::Path) -> PathBuf {
    const SCRIPT: &str = r#"
import os, sys, zipfile
target = os.path.join(sys.argv[2], "bootstrap")
with open(target, "wb") as out:
    out.write(zipfile.ZipFile(sys.argv[1]).read("bootstrap"))
os.chmod(target, 0o755)
"#;
    let zip = rdslink_testkit::bootstrap::packaged_zip();
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(&zip)
        .arg(dir)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir.join("bootstrap")
}
