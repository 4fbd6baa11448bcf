//! The guide "Migrating from the AWS sample's CloudFormation stack"
//! (`docs/guides/migrating-from-the-aws-sample.md`), executed: the sample's stack is built as its
//! template builds it ([`rdslink_testkit::aws_sample`]), the guide's own Terraform files (read from
//! the page, only the provider block replaced by the test's) adopt it, and the guide's retirement
//! commands delete the Python function and its SNS wiring. The guide and this test cannot drift:
//! every configuration, expected plan line and command comes from the page.
//!
//! What the emulator cannot run is left out, and the guide says so: the CloudFormation commands
//! (moto's CloudFormation cannot create the sample's stack) and the `aws lambda invoke` of
//! rdslink's function (moto runs no Lambda code; the function's own tests run it).

mod aws_cli;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rdslink_acceptance_tests::doc_examples;
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::aws_sample::{self, Parameters, SampleStack};
use rdslink_testkit::{Account, seed};
use serde_json::{Value, json};

use crate::endpoint_service::aws::parts;
use crate::endpoint_service::{Bench, CONSUMER, OWNERSHIP_TAG, state_values_of, text};

const GUIDE: &str = "docs/guides/migrating-from-the-aws-sample.md";

/// The address the guide's configuration declares.
const ADDRESS: &str = "rdslink_endpoint_service.orders";

/// The sync function rdslink deploys for `name = "orders"`.
const SYNC_FUNCTION: &str = "rdslink-sync-orders";

/// The headings of the guide's sections this test reads.
const PLAN_SECTION: &str = "## 3. Plan: one import, changes in place, nothing replaced";
const BY_HAND_SECTION: &str = "## Without CloudFormation: the same retirement, one part at a time";

#[tokio::test]
async fn the_aws_sample_is_adopted_in_place_and_its_python_function_retired_as_the_guide_says() {
    let guide = Guide::read();
    let bench = Bench::new().await;
    let account = bench.account();
    let cluster = seed::aurora_cluster(account, bench.dns(), "orders", 2).await;
    let security_group = aws_sample::default_security_group(account, &bench.vpc.id).await;
    let parameters = Parameters::new(&guide.stack_name(), &bench.vpc, &cluster.endpoint)
        .security_group(&security_group)
        .target_role(CONSUMER)
        .port(cluster.port);
    let stack = aws_sample::build(account, &parameters).await;
    // The sample has been running: the writer is registered, the function has its log group.
    aws_sample::record_first_run(account, &stack, &[cluster.writer().ip]).await;

    let kept = Kept::of(&stack);
    std::fs::write(
        bench.workspace().path().join("terraform.tfvars.json"),
        json!({
            "endpoint_service_id": kept.service_id,
            "vpc_id": parameters.vpc_id,
            "subnet_ids": parameters.subnet_ids,
            "consumer_principal": parameters.target_role_arn,
        })
        .to_string(),
    )
    .expect("terraform.tfvars.json");

    bench
        .case()
        .await
        .step(
            Step::config(guide.main_tf())
                .named("the guide's plan: the import and the adoption")
                .plan_only()
                .expect_non_empty_plan("the endpoint service is imported and adopted")
                .check(async |outcome| {
                    let summary = guide.expected_plan_summary();
                    assert!(
                        outcome.run.stdout.contains(&summary),
                        "the plan does not end as the guide says ({summary:?}):\n{}",
                        outcome.run.stdout
                    );
                    assert_adoption_in_place(outcome.plan(), &kept);
                }),
        )
        .step(
            Step::same_config()
                .named("the guide's apply of the saved plan")
                .apply_saved_plan()
                .check(async |_| {
                    let adopted = state_values_of(bench.workspace(), ADDRESS)
                        .await
                        .expect("the adopted resource is in the state");
                    kept.assert_same_ids(&adopted);
                    let parts = parts(account, &adopted).await;
                    for (part, tags) in parts.all_tags() {
                        assert_eq!(
                            tags.get(OWNERSHIP_TAG).map(String::as_str),
                            Some("orders"),
                            "{part}: {tags:?}"
                        );
                    }
                    // CloudFormation's own tags are AWS's: adoption leaves them.
                    assert_eq!(
                        parts.target_group_tags.get("aws:cloudformation:logical-id"),
                        Some(&aws_sample::TARGET_GROUP.to_owned())
                    );
                    assert_eq!(parts.target_ips(), [cluster.writer().ip.to_string()]);
                    assert_eq!(parts.principals.iter().collect::<Vec<_>>(), [CONSUMER]);
                    assert_eq!(
                        parts.target_group.health_check_interval_seconds(),
                        Some(10),
                        "the sample's health check is kept"
                    );
                    assert_eq!(parts.target_group.healthy_threshold_count(), Some(3));
                    assert_sync_deployed(account, &kept).await;
                    // Nothing of the sample's own sync was touched: it goes in the next step.
                    assert_sample_sync_parts(account, &stack, true).await;
                }),
        )
        .step(
            Step::same_config()
                .named("the guide's retirement, then a clean plan")
                .pre_config(async || {
                    let (_, ran) =
                        aws_cli::run(account, &guide.retirement_script(), BTreeMap::new()).await;
                    assert!(
                        ran.len() >= 8,
                        "the guide's retirement ran only {} commands: {ran:?}",
                        ran.len()
                    );
                })
                .plan_only()
                .check(async |_| {
                    assert_sample_sync_parts(account, &stack, false).await;
                    let adopted = state_values_of(bench.workspace(), ADDRESS)
                        .await
                        .expect("the adopted resource is in the state");
                    kept.assert_same_ids(&adopted);
                    let parts = parts(account, &adopted).await;
                    assert_eq!(parts.target_ips(), [cluster.writer().ip.to_string()]);
                    assert_sync_deployed(account, &kept).await;
                }),
        )
        .run()
        .await;
}

/// The ids consumers and the guide rely on: they must never change.
struct Kept {
    service_id: String,
    service_name: String,
    load_balancer_arn: String,
    target_group_arn: String,
    listener_arn: String,
}

impl Kept {
    fn of(stack: &SampleStack) -> Kept {
        let service_id = stack.physical_id(aws_sample::ENDPOINT_SERVICE).to_owned();
        Kept {
            service_name: format!(
                "com.amazonaws.vpce.{}.{service_id}",
                rdslink_testkit::REGION
            ),
            service_id,
            load_balancer_arn: stack.physical_id(aws_sample::LOAD_BALANCER).to_owned(),
            target_group_arn: stack.physical_id(aws_sample::TARGET_GROUP).to_owned(),
            listener_arn: stack.physical_id(aws_sample::LISTENER).to_owned(),
        }
    }

    fn assert_same_ids(&self, values: &Value) {
        assert_eq!(text(values, "id"), self.service_id);
        assert_eq!(text(values, "service_name"), self.service_name);
        assert_eq!(text(values, "nlb_arn"), self.load_balancer_arn);
        assert_eq!(text(values, "target_group_arn"), self.target_group_arn);
        assert_eq!(text(values, "listener_arn"), self.listener_arn);
    }
}

/// The plan imports the stack's endpoint service and changes it in place: no resource is deleted,
/// created or replaced, and every id it knows is the stack's.
fn assert_adoption_in_place(plan: &Value, kept: &Kept) {
    let changes = plan["resource_changes"]
        .as_array()
        .expect("resource_changes");
    for change in changes {
        let actions = &change["change"]["actions"];
        assert!(
            actions
                .as_array()
                .into_iter()
                .flatten()
                .all(|action| action == "update" || action == "no-op"),
            "{} plans {actions}: the guide promises changes in place only",
            change["address"]
        );
    }
    let service = changes
        .iter()
        .find(|change| change["address"] == ADDRESS)
        .unwrap_or_else(|| panic!("the plan does not touch {ADDRESS}: {plan:#}"));
    assert_eq!(service["change"]["actions"], json!(["update"]));
    assert_eq!(
        service["change"]["importing"]["id"], kept.service_id,
        "the plan imports the stack's endpoint service"
    );
    let before = &service["change"]["before"];
    let after = &service["change"]["after"];
    kept.assert_same_ids(before);
    kept.assert_same_ids(after);
    assert!(
        before["name"].is_null() && after["name"] == "orders",
        "naming the imported bundle adopts it: {} -> {}",
        before["name"],
        after["name"]
    );
}

/// rdslink's function, its rule and its schedule exist, and the function works on the stack's
/// target group.
async fn assert_sync_deployed(account: &Account, kept: &Kept) {
    let function = account
        .lambda()
        .get_function_configuration()
        .function_name(SYNC_FUNCTION)
        .send()
        .await
        .expect("rdslink's sync function is deployed");
    let variables = function
        .environment()
        .and_then(|environment| environment.variables())
        .expect("the function's environment");
    assert!(
        variables
            .values()
            .any(|value| value == &kept.target_group_arn),
        "the sync function is not told the stack's target group: {variables:?}"
    );
    account
        .eventbridge()
        .describe_rule()
        .name(SYNC_FUNCTION)
        .send()
        .await
        .expect("the sync function's EventBridge rule");
    account
        .scheduler()
        .get_schedule()
        .name(SYNC_FUNCTION)
        .send()
        .await
        .expect("the sync function's schedule");
}

/// Whether each part of the sample's own sync (function, role, topic, its subscription, the RDS
/// event subscription, the log group) exists: all of them (`present`) or none.
async fn assert_sample_sync_parts(account: &Account, stack: &SampleStack, present: bool) {
    let parameters = &stack.parameters;
    let function = account
        .lambda()
        .get_function()
        .function_name(stack.physical_id(aws_sample::FUNCTION))
        .send()
        .await
        .is_ok();
    let role = account
        .iam()
        .get_role()
        .role_name(stack.physical_id(aws_sample::LAMBDA_ROLE))
        .send()
        .await
        .is_ok();
    let topic = account
        .sns()
        .get_topic_attributes()
        .topic_arn(stack.physical_id(aws_sample::TOPIC))
        .send()
        .await
        .is_ok();
    let subscription = account
        .sns()
        .list_subscriptions()
        .send()
        .await
        .expect("ListSubscriptions")
        .subscriptions()
        .iter()
        .any(|s| s.subscription_arn() == Some(stack.physical_id(aws_sample::TOPIC_SUBSCRIPTION)));
    let event_subscription = account
        .rds()
        .describe_event_subscriptions()
        .send()
        .await
        .expect("DescribeEventSubscriptions")
        .event_subscriptions_list()
        .iter()
        .any(|s| {
            s.cust_subscription_id() == Some(stack.physical_id(aws_sample::EVENT_SUBSCRIPTION))
        });
    let log_group = account
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(format!("/aws/lambda/{}", parameters.function_name()))
        .send()
        .await
        .expect("DescribeLogGroups")
        .log_groups()
        .iter()
        .any(|group| {
            group.log_group_name() == Some(&format!("/aws/lambda/{}", parameters.function_name()))
        });
    let found = BTreeMap::from([
        ("function", function),
        ("role", role),
        ("topic", topic),
        ("topic subscription", subscription),
        ("event subscription", event_subscription),
        ("log group", log_group),
    ]);
    let wrong: Vec<_> = found
        .iter()
        .filter(|(_, exists)| **exists != present)
        .map(|(part, _)| *part)
        .collect();
    assert!(
        wrong.is_empty(),
        "expected the sample's {wrong:?} to be {}",
        if present { "there" } else { "gone" }
    );
}

/// The guide's page, and the parts of it this test runs.
struct Guide {
    path: PathBuf,
    markdown: String,
}

impl Guide {
    fn read() -> Guide {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace root");
        let path = root.join(GUIDE);
        let markdown = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        Guide { path, markdown }
    }

    /// The guide's `migration/main.tf`. Its `migration/versions.tf` holds the terraform and
    /// provider blocks, which the test's own provider block (the emulator, the test's account)
    /// replaces.
    fn main_tf(&self) -> String {
        let blocks = doc_examples::blocks(&self.markdown).expect("the guide's HCL blocks");
        let configuration = doc_examples::configuration_in(&self.path, &blocks, "migration")
            .expect("the guide names its files migration/...");
        let file = |name: &str| {
            configuration
                .files
                .iter()
                .find(|(file, _)| file == name)
                .map(|(_, text)| text.clone())
                .unwrap_or_else(|| panic!("the guide has no migration/{name}"))
        };
        assert!(
            file("versions.tf").contains("provider \"rdslink\""),
            "the guide's versions.tf must configure the provider"
        );
        let main = file("main.tf");
        assert!(
            !main.contains("provider \"") && !main.contains("terraform {"),
            "the guide's main.tf must leave the provider to versions.tf: the test replaces it"
        );
        main
    }

    /// The text of a `## ` section, up to the next `## ` heading.
    fn section(&self, heading: &str) -> &str {
        let start = self
            .markdown
            .find(&format!("\n{heading}\n"))
            .unwrap_or_else(|| panic!("the guide has no section {heading:?}"))
            + heading.len()
            + 2;
        let rest = &self.markdown[start..];
        let end = rest.find("\n## ").map_or(rest.len(), |end| end + 1);
        &rest[..end]
    }

    /// The fenced blocks of `language` in `section`, in order.
    fn fenced<'a>(section: &'a str, language: &str) -> Vec<&'a str> {
        let open = format!("```{language}\n");
        let mut blocks = Vec::new();
        let mut rest = section;
        while let Some(start) = rest.find(&open) {
            let body = &rest[start + open.len()..];
            let end = body.find("```").expect("a closed fence");
            blocks.push(&body[..end]);
            rest = &body[end + 3..];
        }
        blocks
    }

    /// The `Plan: ...` line the guide says the plan ends with.
    fn expected_plan_summary(&self) -> String {
        let section = self.section(PLAN_SECTION);
        let text = Self::fenced(section, "text");
        let [summary] = text.as_slice() else {
            panic!("the plan section should show one `text` block, the plan's last line");
        };
        let summary = summary.trim().to_owned();
        assert!(summary.starts_with("Plan: "), "{summary:?}");
        summary
    }

    /// The shell lines of the section retiring the sample's parts one by one.
    fn retirement_script(&self) -> String {
        Self::fenced(self.section(BY_HAND_SECTION), "shell").concat()
    }

    /// The stack name the guide's commands use (`STACK=...`).
    fn stack_name(&self) -> String {
        self.retirement_script()
            .lines()
            .find_map(|line| line.strip_prefix("STACK="))
            .expect("the retirement sets STACK")
            .trim()
            .to_owned()
    }
}
