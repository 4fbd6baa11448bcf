//! Import: of a bundle rdslink built (through an `import` block in another workspace), and of one
//! built by hand (through `terraform import`).

use std::cell::OnceCell;
use std::collections::BTreeSet;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::Value;

use super::aws::parts;
use super::{ADDRESS, Bench, OWNERSHIP_TAG, Service, actions, is_replacement, state, text};

/// The attributes compared between the original and the imported state: everything but the
/// `timeouts` block (configuration only) and the list order of `subnet_ids`.
fn comparable(values: &Value) -> Value {
    let mut values = values.clone();
    let object = values.as_object_mut().expect("state values are an object");
    object.remove("timeouts");
    if let Some(subnets) = object.get_mut("subnet_ids").and_then(Value::as_array_mut) {
        subnets.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    values
}

#[tokio::test]
async fn a_bundle_rdslink_created_imports_into_another_workspace_with_identical_state() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders")
        .with("tags = { team = \"data\" }")
        .with("health_check {\n    interval_seconds = 30\n  }");
    let recorded = OnceCell::<Value>::new();
    let original = || recorded.get().expect("step 1 recorded the state");
    let other = bench.other_workspace("").await;
    let importing = || {
        let id = text(original(), "id");
        let import_block = format!("import {{\n  to = {ADDRESS}\n  id = \"{id}\"\n}}\n");
        format!("{import_block}\n{}", service.hcl())
    };
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
            recorded.set(state(bench.workspace()).await).unwrap();
        }))
        .step(
            Step::config_with(importing)
                .named("the import block, planned")
                .in_workspace(&other)
                .plan_only()
                .expect_non_empty_plan("the plan imports")
                .check(async |outcome| {
                    let stdout = &outcome.run.stdout;
                    assert!(
                        stdout.contains("1 to import"),
                        "the plan does not import:\n{stdout}"
                    );
                    assert!(
                        stdout.contains("0 to add") && stdout.contains("0 to destroy"),
                        "{stdout}"
                    );
                }),
        )
        .step(
            Step::same_config()
                .named("the import block, applied")
                .in_workspace(&other)
                .check(async |_| {
                    let imported = state(&other).await;
                    assert_eq!(
                        comparable(&imported),
                        comparable(original()),
                        "the imported state differs from the original"
                    );
                }),
        )
        .step(
            Step::same_config()
                .named("the import must not disturb the original")
                .plan_only(),
        )
        .run()
        .await;
}

#[tokio::test]
async fn a_bundle_built_by_hand_imports_by_service_id_and_is_adopted_without_replacement() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let built = seed::hand_built_bundle(
        bench.account(),
        "legacy-db",
        &bench.vpc.id,
        bench.subnets(),
        cluster.port,
    )
    .await;
    let service = Service::new(&bench, "legacy").with("acceptance_required = true");
    bench
        .case()
        .await
        .step(
            Step::config(service.hcl())
                .import(ADDRESS, &built.service_id)
                .check(async |_| {
                    let imported = state(bench.workspace()).await;
                    assert_eq!(text(&imported, "id"), built.service_id);
                    assert_eq!(text(&imported, "nlb_arn"), built.load_balancer_arn);
                    assert_eq!(text(&imported, "listener_arn"), built.listener_arn);
                    assert_eq!(text(&imported, "target_group_arn"), built.target_group_arn);
                    assert_eq!(text(&imported, "vpc_id"), bench.vpc.id);
                    assert_eq!(imported["port"], cluster.port);
                    assert_eq!(imported["acceptance_required"], true);
                    assert!(
                        text(&imported, "service_name").ends_with(&built.service_id),
                        "{imported:#}"
                    );
                }),
        )
        .step(
            Step::same_config()
                .plan_only()
                .expect_non_empty_plan("the hand-built parts lack the ownership tag and targets")
                .check(async |outcome| {
                    let planned = actions(outcome.plan());
                    assert!(
                        !is_replacement(&planned) && !planned.contains(&"delete".to_owned()),
                        "import then plan replaces: {planned:?}"
                    );
                }),
        )
        // Applying adopts the bundle: same parts, now tagged, targets and principals synced.
        .step(Step::same_config().check(async |_| {
            let adopted = state(bench.workspace()).await;
            assert_eq!(text(&adopted, "id"), built.service_id);
            assert_eq!(text(&adopted, "nlb_arn"), built.load_balancer_arn);
            assert_eq!(text(&adopted, "target_group_arn"), built.target_group_arn);
            let parts = parts(bench.account(), &adopted).await;
            for (part, tags) in parts.all_tags() {
                assert_eq!(
                    tags.get(OWNERSHIP_TAG).map(String::as_str),
                    Some("legacy"),
                    "{part}: {tags:?}"
                );
            }
            assert_eq!(parts.target_ips(), [cluster.writer().ip.to_string()]);
            assert_eq!(
                parts.principals,
                BTreeSet::from([super::CONSUMER.to_owned()])
            );
        }))
        .run()
        .await;
}

#[tokio::test]
async fn importing_something_that_is_not_an_endpoint_service_is_a_clear_error() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 1).await;
    let missing = "vpce-svc-0123456789abcdef0";
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl())
                .import(ADDRESS, "orders")
                .expect_error("Invalid import id")
                .expect_error("vpce-svc-"),
        )
        .step(
            Step::same_config()
                .import(ADDRESS, missing)
                .expect_error(missing)
                .expect_error("does not exist")
                .check(async |_| {
                    assert!(
                        super::state_values(bench.workspace()).await.is_none(),
                        "a failed import must leave the state empty"
                    );
                }),
        )
        .run()
        .await;
}
