//! `terraform validate` rejects bad input with errors that point at the attribute.

use rdslink_acceptance_tests::{Workspace, validate_errors};

const VALID_PROVIDER: &str = "provider \"rdslink\" {\n  region = \"us-east-1\"\n}\n";

/// A data source that makes Terraform start, and so validate, the provider.
const USES_THE_PROVIDER: &str =
    "data \"rdslink_database\" \"any\" {\n  endpoint = \"db.example.internal\"\n}\n";

/// Validates `configuration` and returns its errors as (summary, underlined source) pairs.
/// Terraform validates a provider block only when something uses the provider.
async fn errors_of(configuration: &str) -> Vec<(String, String)> {
    let workspace = Workspace::new(&format!("{configuration}\n{USES_THE_PROVIDER}")).unwrap();
    let answer = workspace.validate_json().await.unwrap();
    validate_errors(&answer)
}

/// Asserts exactly one error, whose summary contains `summary` and whose underlined source mentions
/// `attribute`.
async fn assert_single_error(configuration: &str, summary: &str, attribute: &str) {
    let errors = errors_of(configuration).await;
    assert_eq!(
        errors.len(),
        1,
        "expected one error for\n{configuration}\ngot {errors:#?}"
    );
    let (got_summary, code) = &errors[0];
    assert!(
        got_summary.contains(summary),
        "summary {got_summary:?} lacks {summary:?}"
    );
    assert!(
        code.contains(attribute),
        "error points at {code:?}, not at {attribute}"
    );
}

#[tokio::test]
async fn a_valid_configuration_validates() {
    let configuration = format!(
        "{VALID_PROVIDER}data \"rdslink_database\" \"db\" {{\n  db_cluster_identifier = \"orders\"\n  role = \"reader\"\n}}\n"
    );
    assert_eq!(errors_of(&configuration).await, vec![]);
}

#[tokio::test]
async fn provider_region_must_be_a_region() {
    assert_single_error(
        "provider \"rdslink\" {\n  region = \"mars-1\"\n}\n",
        "Invalid region",
        "region",
    )
    .await;
}

#[tokio::test]
async fn provider_role_arn_must_be_a_role_arn() {
    let configuration = "provider \"rdslink\" {\n  region = \"us-east-1\"\n  assume_role {\n    role_arn = \"arn:aws:iam::123:user/x\"\n  }\n}\n";
    assert_single_error(configuration, "Invalid role ARN", "role_arn").await;
}

#[tokio::test]
async fn provider_nameservers_need_a_port() {
    let configuration = "provider \"rdslink\" {\n  region = \"us-east-1\"\n  dns_nameservers = [\"127.0.0.1:53\", \"10.0.0.2\"]\n}\n";
    assert_single_error(
        configuration,
        "Invalid DNS server address",
        "dns_nameservers",
    )
    .await;
}

#[tokio::test]
async fn provider_endpoint_url_must_be_a_url() {
    let configuration = "provider \"rdslink\" {\n  region = \"us-east-1\"\n  endpoint_url = \"localhost:5000\"\n}\n";
    assert_single_error(configuration, "Invalid endpoint URL", "endpoint_url").await;
}

#[tokio::test]
async fn data_source_needs_exactly_one_selector() {
    let none = format!("{VALID_PROVIDER}data \"rdslink_database\" \"db\" {{\n}}\n");
    let errors = errors_of(&none).await;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].0.contains("No database selected"), "{errors:#?}");

    let two = format!(
        "{VALID_PROVIDER}data \"rdslink_database\" \"db\" {{\n  db_instance_identifier = \"a\"\n  db_proxy_name = \"b\"\n}}\n"
    );
    assert_single_error(&two, "Conflicting database selectors", "db_proxy_name").await;
}

#[tokio::test]
async fn data_source_role_is_for_clusters_only() {
    let configuration = format!(
        "{VALID_PROVIDER}data \"rdslink_database\" \"db\" {{\n  db_instance_identifier = \"orders\"\n  role = \"reader\"\n}}\n"
    );
    assert_single_error(&configuration, "clusters only", "role").await;
}

#[tokio::test]
async fn data_source_role_must_be_writer_or_reader() {
    let configuration = format!(
        "{VALID_PROVIDER}data \"rdslink_database\" \"db\" {{\n  db_cluster_identifier = \"orders\"\n  role = \"primary\"\n}}\n"
    );
    assert_single_error(&configuration, "Invalid role", "role").await;
}

#[tokio::test]
async fn data_source_identifiers_are_checked() {
    let configuration = format!(
        "{VALID_PROVIDER}data \"rdslink_database\" \"db\" {{\n  db_cluster_identifier = \"1-orders--\"\n}}\n"
    );
    assert_single_error(
        &configuration,
        "Invalid DB cluster identifier",
        "db_cluster_identifier",
    )
    .await;

    let configuration = format!(
        "{VALID_PROVIDER}data \"rdslink_database\" \"db\" {{\n  endpoint = \"http://db:5432\"\n}}\n"
    );
    assert_single_error(&configuration, "Invalid endpoint", "endpoint").await;
}
