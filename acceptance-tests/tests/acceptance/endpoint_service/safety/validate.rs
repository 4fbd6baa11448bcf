//! A null element in a list of ids is a mistake (a variable or attribute that was not set), not an
//! id: `terraform validate` must reject it on the attribute instead of passing it on to AWS.

use rdslink_acceptance_tests::{Workspace, validate_errors};

/// Validation needs no AWS: a provider block with a region is enough.
const PROVIDER: &str = "provider \"rdslink\" {\n  region = \"us-east-1\"\n}\n";

/// A valid resource plus `extra` lines, with `subnet_ids` as given.
fn configuration(subnet_ids: &str, extra: &str) -> String {
    format!(
        "{PROVIDER}resource \"rdslink_endpoint_service\" \"this\" {{\n  \
         name                  = \"orders\"\n  \
         db_cluster_identifier = \"orders\"\n  \
         vpc_id                = \"vpc-0123456789abcdef0\"\n  \
         subnet_ids            = {subnet_ids}\n  \
         allowed_principals    = [\"arn:aws:iam::222222222222:root\"]\n  \
         {extra}\n}}\n"
    )
}

/// Exactly one error, and it underlines `attribute`.
async fn assert_one_error_on(configuration: &str, attribute: &str) {
    let workspace = Workspace::new(configuration).unwrap();
    let errors = validate_errors(&workspace.validate_json().await.unwrap());
    assert_eq!(
        errors.len(),
        1,
        "expected one error on {attribute} for\n{configuration}\ngot {errors:#?}"
    );
    let (summary, code) = &errors[0];
    assert!(
        code.contains(attribute),
        "the error {summary:?} points at {code:?}, not at {attribute}, for\n{configuration}"
    );
}

const SUBNETS: &str = "[\"subnet-0aaa1111\", \"subnet-0bbb2222\"]";

#[tokio::test]
async fn a_null_subnet_id_is_rejected_on_subnet_ids() {
    assert_one_error_on(&configuration("[null]", ""), "subnet_ids").await;
    assert_one_error_on(
        &configuration("[\"subnet-0aaa1111\", null]", ""),
        "subnet_ids",
    )
    .await;
}

#[tokio::test]
async fn a_null_security_group_id_is_rejected_on_security_group_ids() {
    assert_one_error_on(
        &configuration(SUBNETS, "security_group_ids = [null]"),
        "security_group_ids",
    )
    .await;
    assert_one_error_on(
        &configuration(SUBNETS, "security_group_ids = [\"sg-0aaa1111\", null]"),
        "security_group_ids",
    )
    .await;
}
