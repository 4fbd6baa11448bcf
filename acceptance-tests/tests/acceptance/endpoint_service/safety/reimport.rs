//! `terraform import` of a bundle rdslink built, into a fresh working directory holding the same
//! configuration (a lost state file, a module moved to another directory): the next plan must be
//! empty. Whatever the import cannot read back from AWS as written (the order of `subnet_ids`, the
//! database selector) must not turn into a diff, let alone a replacement.

use std::cell::OnceCell;

use rdslink_acceptance_tests::Workspace;
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;

use super::super::{ADDRESS, Bench, Service, state, text};

/// A case that applies `service` in the bench's workspace, imports it with `terraform import` into
/// a fresh directory with the same configuration, and plans there: the plan must be empty.
async fn import_then_plan(bench: &Bench, service: &Service) {
    let fresh: Workspace = bench.other_workspace(&service.hcl()).await;
    let service_id = OnceCell::<String>::new();
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
            let values = state(bench.workspace()).await;
            service_id.set(text(&values, "id").to_owned()).unwrap();
        }))
        .step(
            Step::same_config()
                .named("terraform import into a fresh directory, then plan there")
                .in_workspace(&fresh)
                // The id exists only once step 1 ran, so the import is run here rather than as a
                // step of its own.
                .pre_config(async || {
                    let id = service_id.get().expect("step 1 recorded the id");
                    fresh
                        .terraform(&["import", "-no-color", ADDRESS, id])
                        .await
                        .unwrap()
                        .success()
                        .unwrap_or_else(|err| panic!("terraform import failed: {err:#}"));
                })
                .plan_only(),
        )
        .step(
            Step::same_config()
                .named("the imported state survives a refresh")
                .in_workspace(&fresh)
                .refresh_only(),
        )
        .run()
        .await;
}

#[tokio::test]
async fn an_imported_cluster_bundle_with_subnets_in_another_order_plans_no_changes() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    // Not the sorted order AWS reports the load balancer's subnets in.
    let mut subnets = bench.subnets().to_vec();
    subnets.sort();
    subnets.reverse();
    assert!(
        subnets.len() > 1,
        "the order matters only with several subnets"
    );
    let service = Service {
        subnet_ids: subnets,
        ..Service::new(&bench, "orders")
    };
    import_then_plan(&bench, &service).await;
}

#[tokio::test]
async fn an_imported_instance_bundle_keeps_its_database_selector_and_plans_no_changes() {
    let bench = Bench::new().await;
    seed::instance(bench.account(), bench.dns(), "billing").await;
    let mut subnets = bench.subnets().to_vec();
    subnets.sort();
    let service = Service {
        subnet_ids: subnets,
        ..Service::new(&bench, "billing").database("db_instance_identifier = \"billing\"")
    };
    import_then_plan(&bench, &service).await;
}

/// The attributes of schema version 0 (before `subnet_ids` and `security_group_ids` became sets):
/// a state written by that provider holds these and no others.
const VERSION_0_ATTRIBUTES: &[&str] = &[
    "name",
    "db_instance_identifier",
    "db_cluster_identifier",
    "db_proxy_name",
    "endpoint",
    "role",
    "port",
    "vpc_id",
    "subnet_ids",
    "security_group_ids",
    "cross_zone_load_balancing",
    "allowed_principals",
    "acceptance_required",
    "deregistration_delay_seconds",
    "terminate_connections_on_deregistration",
    "tags",
    "tags_all",
    "id",
    "service_name",
    "nlb_arn",
    "nlb_dns_name",
    "target_group_arn",
    "listener_arn",
    "availability_zones",
    "registered_targets",
    "health_check",
    "timeouts",
];

/// Rewrites the workspace's `terraform.tfstate` as the version 0 provider wrote it: schema version
/// 0, only version 0's attributes, and `subnet_ids` a list in the configuration's order (not the
/// order AWS reports).
fn write_version_0_state(workspace: &Workspace, subnets_in_config_order: &[String]) {
    let path = workspace.path().join("terraform.tfstate");
    let text = std::fs::read_to_string(&path).expect("the state file");
    let mut file: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
    let resource = file["resources"]
        .as_array_mut()
        .expect("resources")
        .iter_mut()
        .find(|r| r["type"] == "rdslink_endpoint_service")
        .expect("the endpoint service in the state");
    let instance = &mut resource["instances"][0];
    instance["schema_version"] = serde_json::json!(0);
    let attributes = instance["attributes"].as_object_mut().expect("attributes");
    attributes.retain(|name, _| VERSION_0_ATTRIBUTES.contains(&name.as_str()));
    attributes.insert(
        "subnet_ids".into(),
        serde_json::json!(subnets_in_config_order),
    );
    instance
        .as_object_mut()
        .expect("instance")
        .remove("sensitive_attributes");
    file["serial"] = serde_json::json!(file["serial"].as_u64().unwrap_or(0) + 1);
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).expect("writing the state");
}

#[tokio::test]
async fn a_version_0_state_with_subnet_ids_as_a_list_upgrades_and_plans_no_changes() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let mut subnets = bench.subnets().to_vec();
    subnets.sort();
    subnets.reverse();
    assert!(
        subnets.len() > 1,
        "the order matters only with several subnets"
    );
    let service = Service {
        subnet_ids: subnets.clone(),
        ..Service::new(&bench, "orders")
    };
    bench
        .case()
        .await
        .step(Step::config(service.hcl()))
        .step(
            Step::same_config()
                .named("a version 0 state written by hand, then plan")
                .pre_config(async || write_version_0_state(bench.workspace(), &subnets))
                .plan_only(),
        )
        .step(
            Step::same_config()
                .named("the upgraded state, stored by a refresh")
                .refresh_only()
                .check(async |_| {
                    let path = bench.workspace().path().join("terraform.tfstate");
                    let file: serde_json::Value =
                        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                    let instance = file["resources"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|r| r["type"] == "rdslink_endpoint_service")
                        .map(|r| &r["instances"][0])
                        .expect("the endpoint service in the state");
                    assert_eq!(instance["schema_version"], 1, "{instance:#}");
                    let stored =
                        super::super::strings(&state(bench.workspace()).await, "subnet_ids");
                    assert_eq!(stored, subnets.iter().cloned().collect());
                }),
        )
        .run()
        .await;
}
