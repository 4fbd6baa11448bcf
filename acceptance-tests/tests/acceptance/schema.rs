//! `terraform providers schema -json` shows the provider as Terraform sees it.

use rdslink_acceptance_tests::{PROVIDER_SOURCE, Workspace};
use serde_json::Value;

fn every_attribute_is_described(block: &Value, path: &str, missing: &mut Vec<String>) {
    for (name, attribute) in block["attributes"].as_object().into_iter().flatten() {
        let description = attribute["description"].as_str().unwrap_or_default();
        if description.trim().is_empty() || attribute["description_kind"] != "markdown" {
            missing.push(format!("{path}.{name}"));
        }
    }
    for (name, nested) in block["block_types"].as_object().into_iter().flatten() {
        let inner = &nested["block"];
        if inner["description"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .is_empty()
        {
            missing.push(format!("{path}.{name}"));
        }
        every_attribute_is_described(inner, &format!("{path}.{name}"), missing);
    }
}

#[tokio::test]
async fn providers_schema_json_lists_the_provider_and_its_data_source() {
    let workspace = Workspace::new(
        "terraform {\n  required_providers {\n    rdslink = { source = \"rdslink/rdslink\" }\n  }\n}\n",
    )
    .unwrap();
    let run = workspace
        .terraform(&["providers", "schema", "-json"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let schemas: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let provider = &schemas["provider_schemas"][PROVIDER_SOURCE];
    assert!(provider.is_object(), "provider missing from {}", run.stdout);

    let config = &provider["provider"]["block"];
    for name in [
        "region",
        "profile",
        "endpoint_url",
        "default_tags",
        "dns_nameservers",
    ] {
        assert!(
            config["attributes"][name].is_object(),
            "provider attribute {name} missing"
        );
    }
    assert_eq!(
        config["block_types"]["assume_role"]["nesting_mode"],
        "single"
    );
    assert_eq!(config["block_types"]["endpoints"]["nesting_mode"], "single");
    assert_eq!(
        config["block_types"]["assume_role"]["block"]["attributes"]["external_id"]["sensitive"],
        true,
        "external_id must be sensitive"
    );

    let database = &provider["data_source_schemas"]["rdslink_database"]["block"];
    for (name, computed) in [
        ("db_instance_identifier", false),
        ("db_cluster_identifier", false),
        ("db_proxy_name", false),
        ("kind", true),
        ("port", true),
        ("target_ips", true),
        ("writer_instance_identifier", true),
    ] {
        let attribute = &database["attributes"][name];
        assert!(attribute.is_object(), "rdslink_database.{name} missing");
        assert_eq!(
            attribute["computed"].as_bool().unwrap_or(false),
            computed,
            "rdslink_database.{name} computed"
        );
    }
    assert_eq!(
        database["attributes"]["target_ips"]["type"],
        serde_json::json!(["list", "string"])
    );

    let mut missing = Vec::new();
    every_attribute_is_described(config, "provider", &mut missing);
    every_attribute_is_described(database, "rdslink_database", &mut missing);
    assert!(
        missing.is_empty(),
        "attributes without a markdown description: {missing:?}"
    );
}
