use rdslink_engine::{ClusterRole, DatabaseSelector};
use std::collections::BTreeSet;

use serde_json::json;

use super::*;

const TARGET_GROUP: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orders/0123456789abcdef";
const LOG_GROUP: &str = "/aws/lambda/rdslink-sync-orders";

fn scope() -> Scope {
    Scope::new("eu-west-1", "123456789012")
}

fn every_selector() -> Vec<DatabaseSelector> {
    vec![
        DatabaseSelector::Instance("orders-db".into()),
        DatabaseSelector::Cluster {
            identifier: "orders".into(),
            role: ClusterRole::Writer,
        },
        DatabaseSelector::Cluster {
            identifier: "orders".into(),
            role: ClusterRole::Reader,
        },
        DatabaseSelector::Proxy("orders-proxy".into()),
        DatabaseSelector::Endpoint("db.example.internal".into()),
    ]
}

fn execution(selector: &DatabaseSelector) -> PolicyDocument {
    execution_policy(&scope(), TARGET_GROUP, selector, LOG_GROUP, None)
}

fn vpc() -> VpcAttachment {
    VpcAttachment {
        subnet_ids: BTreeSet::from(["subnet-0aaa".to_owned(), "subnet-0bbb".to_owned()]),
        security_group_ids: BTreeSet::from(["sg-0ccc".to_owned()]),
    }
}

/// Every execution policy rdslink writes: each selector, outside and inside a VPC.
fn every_execution_policy() -> Vec<PolicyDocument> {
    let vpc = vpc();
    every_selector()
        .iter()
        .flat_map(|selector| {
            [
                execution(selector),
                execution_policy(&scope(), TARGET_GROUP, selector, LOG_GROUP, Some(&vpc)),
            ]
        })
        .collect()
}

const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:rdslink-sync-orders";
const EVENT_SUBSCRIPTION: &str = "arn:aws:rds:eu-west-1:123456789012:es:rdslink-sync-orders";

/// Each statement as (Sid, actions, resources), for readable assertions.
fn summary(document: &PolicyDocument) -> Vec<(String, Vec<String>, Vec<String>)> {
    document
        .statements
        .iter()
        .map(|statement| {
            (
                statement.sid.clone().unwrap_or_default(),
                statement.action.iter().cloned().collect(),
                statement.resource.iter().cloned().collect(),
            )
        })
        .collect()
}

fn line(sid: &str, actions: &[&str], resources: &[&str]) -> (String, Vec<String>, Vec<String>) {
    let strings = |items: &[&str]| items.iter().map(|item| (*item).to_owned()).collect();
    (sid.to_owned(), strings(actions), strings(resources))
}

/// What IAM does to a document before returning it (RFC 3986: everything but the unreserved
/// characters is escaped).
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn target_statements() -> Vec<(String, Vec<String>, Vec<String>)> {
    vec![
        line(
            "RegisterTargetsOfThisTargetGroup",
            &[
                "elasticloadbalancing:DeregisterTargets",
                "elasticloadbalancing:RegisterTargets",
            ],
            &[TARGET_GROUP],
        ),
        line(
            "ReadTargetHealth",
            &["elasticloadbalancing:DescribeTargetHealth"],
            &["*"],
        ),
    ]
}

fn logs_statement() -> (String, Vec<String>, Vec<String>) {
    line(
        "WriteOwnLogs",
        &["logs:CreateLogStream", "logs:PutLogEvents"],
        &["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/rdslink-sync-orders:*"],
    )
}

#[test]
fn an_instance_is_described_by_its_own_arn_only() {
    let mut want = target_statements();
    want.push(line(
        "DescribeTheInstance",
        &["rds:DescribeDBInstances"],
        &["arn:aws:rds:eu-west-1:123456789012:db:orders-db"],
    ));
    want.push(logs_statement());
    assert_eq!(
        summary(&execution(&DatabaseSelector::Instance("orders-db".into()))),
        want
    );
}

#[test]
fn a_cluster_reads_itself_and_any_member() {
    for role in [ClusterRole::Writer, ClusterRole::Reader] {
        let selector = DatabaseSelector::Cluster {
            identifier: "orders".into(),
            role,
        };
        let mut want = target_statements();
        want.extend([
            line(
                "DescribeTheCluster",
                &["rds:DescribeDBClusters"],
                &["arn:aws:rds:eu-west-1:123456789012:cluster:orders"],
            ),
            line(
                "DescribeClusterMembers",
                &["rds:DescribeDBInstances"],
                &["arn:aws:rds:eu-west-1:123456789012:db:*"],
            ),
        ]);
        want.push(logs_statement());
        assert_eq!(summary(&execution(&selector)), want, "{role}");
    }
}

#[test]
fn a_proxy_is_found_among_the_accounts_proxies() {
    let mut want = target_statements();
    want.push(line(
        "DescribeTheProxy",
        &["rds:DescribeDBProxies"],
        &["arn:aws:rds:eu-west-1:123456789012:db-proxy:*"],
    ));
    want.push(logs_statement());
    assert_eq!(
        summary(&execution(&DatabaseSelector::Proxy("orders-proxy".into()))),
        want
    );
}

#[test]
fn a_hostname_needs_no_rds_permission() {
    let mut want = target_statements();
    want.push(logs_statement());
    assert_eq!(
        summary(&execution(&DatabaseSelector::Endpoint(
            "db.example.internal".into()
        ))),
        want
    );
}

#[test]
fn identifiers_are_lower_case_in_arns_as_rds_stores_them() {
    let policy = execution(&DatabaseSelector::Instance("Orders-DB".into()));
    assert!(
        policy.to_json().contains(":db:orders-db\""),
        "{}",
        policy.to_json()
    );
}

#[test]
fn targets_are_changed_only_in_the_bundles_target_group() {
    for selector in every_selector() {
        let policy = execution(&selector);
        let changing: Vec<&Statement> = policy
            .statements
            .iter()
            .filter(|statement| {
                statement
                    .action
                    .iter()
                    .any(|action| action.ends_with("RegisterTargets"))
            })
            .collect();
        assert_eq!(changing.len(), 1, "{selector}");
        assert_eq!(
            changing[0].resource,
            BTreeSet::from([TARGET_GROUP.to_owned()]),
            "{selector}"
        );
    }
}

#[test]
fn no_mutating_action_is_allowed_on_every_resource() {
    for document in every_execution_policy() {
        assert_eq!(
            mutating_actions_on_wildcard(&document),
            Vec::<String>::new(),
            "{}",
            document.to_json()
        );
    }
    for document in [
        topic_policy(&scope(), TOPIC, EVENT_SUBSCRIPTION),
        lambda_trust_policy(&scope()),
        scheduler_trust_policy(&scope()),
        scheduler_policy("arn:aws:lambda:eu-west-1:123456789012:function:rdslink-sync-orders"),
    ] {
        assert!(mutating_actions_on_wildcard(&document).is_empty());
    }
}

#[test]
fn a_function_in_a_vpc_may_create_interfaces_only_in_its_subnets_with_its_groups() {
    let selector = DatabaseSelector::Instance("orders-db".into());
    let outside = execution(&selector);
    let inside = execution_policy(&scope(), TARGET_GROUP, &selector, LOG_GROUP, Some(&vpc()));
    let added: Vec<_> = summary(&inside)
        .into_iter()
        .filter(|statement| !summary(&outside).contains(statement))
        .collect();
    let interfaces = "arn:aws:ec2:eu-west-1:123456789012:network-interface/*";
    assert_eq!(
        added,
        [
            line(
                "CreateNetworkInterfacesInTheSubnets",
                &["ec2:CreateNetworkInterface"],
                &[
                    interfaces,
                    "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0ccc",
                    "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0aaa",
                    "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0bbb",
                ]
            ),
            line(
                "ManageTheNetworkInterfaces",
                &[
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:DeleteNetworkInterface",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                &[interfaces]
            ),
            line(
                "DescribeNetworkInterfaces",
                &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
                &["*"]
            ),
        ]
    );
    // Nothing else changes: a VPC adds permissions for Lambda's interfaces only.
    assert_eq!(inside.statements.len(), outside.statements.len() + 3);
}

#[test]
fn only_rds_publishing_for_this_subscription_may_use_the_topic() {
    let policy: Value =
        serde_json::from_str(&topic_policy(&scope(), TOPIC, EVENT_SUBSCRIPTION).to_json()).unwrap();
    assert_eq!(
        policy,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "RdsPublishesTheDatabaseEvents",
                "Effect": "Allow",
                "Principal": {"Service": "events.rds.amazonaws.com"},
                "Action": ["sns:Publish"],
                "Resource": [TOPIC],
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": EVENT_SUBSCRIPTION},
                    "StringEquals": {"aws:SourceAccount": "123456789012"},
                },
            }],
        })
    );
}

#[test]
fn the_wildcard_check_catches_what_it_exists_for() {
    let document = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["rds:DescribeDBInstances","rds:*","elasticloadbalancing:RegisterTargets"],"Resource":"*"},
            {"Effect":"Deny","Action":"iam:PassRole","Resource":"*"},
            {"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"arn:aws:ec2:eu-west-1:123456789012:instance/i-1"}
        ]}"#,
    )
    .unwrap();
    assert_eq!(
        mutating_actions_on_wildcard(&document),
        ["elasticloadbalancing:RegisterTargets", "rds:*"]
    );
}

#[test]
fn trust_policies_let_only_their_service_of_this_account_assume_the_role() {
    let lambda: Value = serde_json::from_str(&lambda_trust_policy(&scope()).to_json()).unwrap();
    assert_eq!(
        lambda,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "LambdaOfThisAccountRunsTheFunction",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": ["sts:AssumeRole"],
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            }],
        })
    );
    let scheduler = scheduler_trust_policy(&scope());
    assert_eq!(
        scheduler.statements[0].principal.as_ref().unwrap().service,
        Values::one("scheduler.amazonaws.com")
    );
    assert_eq!(
        scheduler.statements[0].condition,
        lambda_trust_policy(&scope()).statements[0].condition
    );
}

#[test]
fn the_schedule_may_invoke_exactly_the_unqualified_function() {
    let function = "arn:aws:lambda:eu-west-1:123456789012:function:rdslink-sync-orders";
    assert_eq!(
        summary(&scheduler_policy(function)),
        [line(
            "InvokeTheSyncFunction",
            &["lambda:InvokeFunction"],
            &[function]
        )]
    );
}

#[test]
fn to_json_is_compact_and_ordered_as_iam_documents_are() {
    let text = scheduler_policy("arn:aws:lambda:eu-west-1:123456789012:function:f").to_json();
    assert_eq!(
        text,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"InvokeTheSyncFunction","Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["arn:aws:lambda:eu-west-1:123456789012:function:f"]}]}"#
    );
}

#[test]
fn every_document_survives_iams_url_encoding() {
    let mut documents: Vec<PolicyDocument> = every_execution_policy();
    documents.extend([
        topic_policy(&scope(), TOPIC, EVENT_SUBSCRIPTION),
        lambda_trust_policy(&scope()),
        scheduler_trust_policy(&scope()),
        scheduler_policy("arn:aws:lambda:eu-west-1:123456789012:function:rdslink-sync-orders"),
    ]);
    for document in documents {
        let encoded = url_encode(&document.to_json());
        assert!(encoded.starts_with("%7B%22Version%22"), "{encoded}");
        assert_eq!(PolicyDocument::parse(&encoded).unwrap(), document);
        assert_eq!(
            PolicyDocument::parse(&document.to_json()).unwrap(),
            document
        );
    }
}

/// The IAM User Guide's first example policy: a single statement object, `Action` and
/// `Resource` as plain strings.
#[test]
fn a_documented_example_with_string_action_parses() {
    let text = r#"{
      "Version": "2012-10-17",
      "Statement": {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::example_bucket"
      }
    }"#;
    let document = PolicyDocument::parse(text).unwrap();
    assert_eq!(document.version, VERSION);
    assert_eq!(
        summary(&document),
        [line(
            "",
            &["s3:ListBucket"],
            &["arn:aws:s3:::example_bucket"]
        )]
    );
    assert_eq!(document.statements[0].effect, Effect::Allow);
}

/// GetRole's trust policy as the IAM API reference shows it: URL-encoded, with an empty `Sid`
/// and a string `Action`.
#[test]
fn a_url_encoded_trust_policy_from_get_role_parses() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22%22%2C%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let document = PolicyDocument::parse(encoded).unwrap();
    let statement = &document.statements[0];
    assert_eq!(statement.sid.as_deref(), Some(""));
    assert_eq!(
        statement.principal.as_ref().unwrap().service,
        Values::one("ec2.amazonaws.com")
    );
    assert_eq!(
        statement.action,
        BTreeSet::from(["sts:AssumeRole".to_owned()])
    );
    assert!(statement.resource.is_empty());
}

#[test]
fn order_duplicates_and_string_or_list_forms_are_not_drift() {
    let ours = lambda_trust_policy(&scope());
    let rewritten = r#"{"Statement":[{"Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]}},
        "Action":["sts:AssumeRole","sts:AssumeRole"],"Principal":{"Service":["lambda.amazonaws.com"]},
        "Effect":"Allow","Sid":"LambdaOfThisAccountRunsTheFunction"}],"Version":"2012-10-17"}"#;
    assert_eq!(PolicyDocument::parse(rewritten).unwrap(), ours);

    let scheduler = scheduler_policy("arn:aws:lambda:eu-west-1:123456789012:function:f");
    let string_forms = r#"{"Version":"2012-10-17","Statement":{"Sid":"InvokeTheSyncFunction","Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:eu-west-1:123456789012:function:f"}}"#;
    assert_eq!(PolicyDocument::parse(string_forms).unwrap(), scheduler);
}

#[test]
fn edits_outside_what_rdslink_writes_read_as_different() {
    let ours = scheduler_policy("arn:aws:lambda:eu-west-1:123456789012:function:f");
    for edited in [
        // Another resource: a qualified version.
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"InvokeTheSyncFunction","Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["arn:aws:lambda:eu-west-1:123456789012:function:f","arn:aws:lambda:eu-west-1:123456789012:function:f:*"]}]}"#,
        // Fields rdslink never writes.
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"InvokeTheSyncFunction","Effect":"Allow","NotAction":["iam:*"],"Action":["lambda:InvokeFunction"],"Resource":["arn:aws:lambda:eu-west-1:123456789012:function:f"]}]}"#,
        r#"{"Version":"2012-10-17","Id":"edited","Statement":[{"Sid":"InvokeTheSyncFunction","Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["arn:aws:lambda:eu-west-1:123456789012:function:f"]}]}"#,
        // The old policy language.
        r#"{"Version":"2008-10-17","Statement":[{"Sid":"InvokeTheSyncFunction","Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["arn:aws:lambda:eu-west-1:123456789012:function:f"]}]}"#,
    ] {
        let parsed = PolicyDocument::parse(edited).unwrap();
        assert_ne!(parsed, ours, "{edited}");
        // What is kept is written back.
        assert_eq!(PolicyDocument::parse(&parsed.to_json()).unwrap(), parsed);
    }
    let mut trust = lambda_trust_policy(&scope());
    let with_account_principal = trust.to_json().replace(
        r#""Principal":{"#,
        r#""Principal":{"AWS":"arn:aws:iam::999999999999:root","#,
    );
    assert_ne!(
        PolicyDocument::parse(&with_account_principal).unwrap(),
        trust
    );
    trust.statements[0].effect = Effect::Deny;
    assert_ne!(trust, lambda_trust_policy(&scope()));
}

#[test]
fn a_plus_is_literal_and_bad_escapes_are_errors() {
    let encoded = url_encode(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/a+b c"}]}"#)
        .replace("%2B", "+");
    let document = PolicyDocument::parse(&encoded).unwrap();
    assert!(
        document.statements[0]
            .resource
            .contains("arn:aws:s3:::bucket/a+b c")
    );

    for bad in ["%7B%2", "%7B%ZZ", "%7B%+1%7D", "%FF%FE"] {
        let error = PolicyDocument::parse(bad).unwrap_err();
        assert!(
            matches!(error, PolicyParseError::Encoding(_)),
            "{bad}: {error}"
        );
    }
    assert!(matches!(
        PolicyDocument::parse("%7B%7D").unwrap_err(),
        PolicyParseError::Json(_)
    ));
}

#[test]
fn the_partition_follows_the_region() {
    for (region, partition) in [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("il-central-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ] {
        assert_eq!(partition_of_region(region), partition, "{region}");
        let scope = Scope::new(region, "123456789012");
        assert!(rdslink_engine::validate::partition(&scope.partition).is_ok());
        assert_eq!(
            scope.db_instance_arn("db"),
            format!("arn:{partition}:rds:{region}:123456789012:db:db")
        );
    }
}

/// The documentation's guide to the deployed parts explains every statement rdslink writes: a
/// statement added here without a word there fails.
#[test]
fn the_guide_explains_every_statement() {
    let guide = include_str!("../../../../examples/resources/rdslink_endpoint_service/guide.md");
    let function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rdslink-sync-orders";
    let mut documents: Vec<PolicyDocument> = every_execution_policy();
    documents.push(scheduler_policy(function_arn));
    documents.push(topic_policy(&scope(), TOPIC, EVENT_SUBSCRIPTION));
    for document in documents {
        for statement in &document.statements {
            let sid = statement.sid.as_deref().expect("every statement has a Sid");
            assert!(
                guide.contains(&format!("`{sid}`")),
                "guide.md does not explain {sid}"
            );
        }
    }
}
