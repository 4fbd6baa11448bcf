//! `terraform validate` rejects bad input before anything reaches AWS, pointing at the attribute.

use rdslink_acceptance_tests::{Workspace, validate_errors};

/// Validation needs no AWS: a provider block with a region is enough.
const PROVIDER: &str = "provider \"rdslink\" {\n  region = \"us-east-1\"\n}\n";

/// A valid resource with `overrides` replacing (or adding) arguments, keyed by argument name.
fn configuration(overrides: &[(&str, &str)]) -> String {
    let mut arguments = vec![
        ("name", "\"orders\"".to_owned()),
        ("db_cluster_identifier", "\"orders\"".to_owned()),
        ("vpc_id", "\"vpc-0123456789abcdef0\"".to_owned()),
        (
            "subnet_ids",
            "[\"subnet-0aaa1111\", \"subnet-0bbb2222\"]".to_owned(),
        ),
        (
            "allowed_principals",
            "[\"arn:aws:iam::222222222222:root\"]".to_owned(),
        ),
    ];
    for (name, value) in overrides {
        match arguments.iter_mut().find(|(n, _)| n == name) {
            Some(argument) => argument.1 = (*value).to_owned(),
            None => arguments.push((name, (*value).to_owned())),
        }
    }
    let body: String = arguments
        .iter()
        .map(|(name, value)| {
            if value.starts_with('{') {
                format!("  {name} {value}\n")
            } else {
                format!("  {name} = {value}\n")
            }
        })
        .collect();
    format!("{PROVIDER}resource \"rdslink_endpoint_service\" \"this\" {{\n{body}}}\n")
}

async fn errors_of(configuration: &str) -> Vec<(String, String)> {
    let workspace = Workspace::new(configuration).unwrap();
    validate_errors(&workspace.validate_json().await.unwrap())
}

/// Exactly one error, whose summary contains `summary` and whose underlined source mentions
/// `attribute`.
async fn assert_single_error(overrides: &[(&str, &str)], summary: &str, attribute: &str) {
    let configuration = configuration(overrides);
    let errors = errors_of(&configuration).await;
    assert_eq!(
        errors.len(),
        1,
        "expected one error for\n{configuration}\ngot {errors:#?}"
    );
    let (got_summary, code) = &errors[0];
    assert!(
        got_summary.contains(summary),
        "summary {got_summary:?} lacks {summary:?} for\n{configuration}"
    );
    assert!(
        code.contains(attribute),
        "error points at {code:?}, not at {attribute}, for\n{configuration}"
    );
}

#[tokio::test]
async fn a_valid_resource_validates() {
    assert_eq!(errors_of(&configuration(&[])).await, vec![]);
    // "*" is accepted together with acceptance_required.
    let open = configuration(&[
        ("allowed_principals", "[\"*\"]"),
        ("acceptance_required", "true"),
    ]);
    assert_eq!(errors_of(&open).await, vec![]);
    let tuned = configuration(&[
        ("port", "5432"),
        (
            "health_check",
            "{\n    interval_seconds = 5\n    healthy_threshold = 10\n  }",
        ),
        ("role", "\"reader\""),
    ]);
    assert_eq!(errors_of(&tuned).await, vec![]);
}

#[tokio::test]
async fn name_must_fit_aws_names() {
    assert_single_error(
        &[("name", "\"abcdefghijklmnopqrstuvwxy\"")],
        "Invalid name",
        "name",
    )
    .await;
    assert_single_error(&[("name", "\"Orders_DB\"")], "Invalid name", "name").await;
}

#[tokio::test]
async fn port_must_be_a_port() {
    assert_single_error(&[("port", "70000")], "Invalid port", "port").await;
}

/// `subnet_ids` is a set (issue 8: AWS keeps no order): Terraform collapses a repeated id before
/// the provider sees it, as for `aws_lb.subnets`, so a duplicate is no longer an error; an invalid
/// id still is, pointing at the set (set elements have no index).
#[tokio::test]
async fn subnet_ids_must_be_subnet_ids_and_not_empty_and_duplicates_collapse() {
    assert_single_error(&[("subnet_ids", "[]")], "No subnets", "subnet_ids").await;
    assert_single_error(
        &[("subnet_ids", "[\"subnet-0aaa1111\", \"subnet-orders\"]")],
        "Invalid subnet id",
        "subnet_ids",
    )
    .await;
    let repeated = configuration(&[("subnet_ids", "[\"subnet-0aaa1111\", \"subnet-0aaa1111\"]")]);
    assert_eq!(errors_of(&repeated).await, vec![]);
}

#[tokio::test]
async fn vpc_id_must_be_a_vpc_id() {
    assert_single_error(&[("vpc_id", "\"vpc-orders\"")], "Invalid VPC id", "vpc_id").await;
}

#[tokio::test]
async fn a_wildcard_principal_needs_acceptance_required() {
    assert_single_error(
        &[("allowed_principals", "[\"*\"]")],
        "needs acceptance_required",
        "allowed_principals",
    )
    .await;
}

#[tokio::test]
async fn principals_must_be_iam_principal_arns() {
    assert_single_error(
        &[("allowed_principals", "[\"222222222222\"]")],
        "Invalid principal",
        "allowed_principals",
    )
    .await;
}

#[tokio::test]
async fn health_check_interval_has_bounds() {
    assert_single_error(
        &[("health_check", "{\n    interval_seconds = 3\n  }")],
        "Invalid health check",
        "interval_seconds",
    )
    .await;
}

#[tokio::test]
async fn exactly_one_database_selector() {
    let configuration = configuration(&[("db_instance_identifier", "\"billing\"")]);
    let errors = errors_of(&configuration).await;
    assert_eq!(errors.len(), 1, "{configuration}\n{errors:#?}");
    assert!(
        errors[0].0.contains("Conflicting database selectors"),
        "{errors:#?}"
    );
    let code = &errors[0].1;
    assert!(
        code.contains("db_instance_identifier") || code.contains("db_cluster_identifier"),
        "{errors:#?}"
    );
}

#[tokio::test]
async fn role_is_for_clusters_only() {
    let configuration = configuration(&[("role", "\"reader\"")])
        .replace("db_cluster_identifier", "db_instance_identifier");
    let errors = errors_of(&configuration).await;
    assert_eq!(errors.len(), 1, "{configuration}\n{errors:#?}");
    assert!(errors[0].0.contains("clusters only"), "{errors:#?}");
    assert!(errors[0].1.contains("role"), "{errors:#?}");
}
