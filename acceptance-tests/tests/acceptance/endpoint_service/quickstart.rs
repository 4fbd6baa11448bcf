//! `examples/quickstart` works as its comments say: applied with the variables `make demo` sets, it
//! builds the bundle for the cluster's writer, and a failover shows in the plan and is re-synced.

use std::cell::OnceCell;
use std::path::PathBuf;

use rdslink_acceptance_tests::Workspace;
use rdslink_acceptance_tests::case::TestCase;
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::{Value, json};

use super::aws::{assert_nothing_owned_left, inventory, targets};
use super::{Bench, OWNERSHIP_TAG, list, state_values_of, text};

const ADDRESS: &str = "rdslink_endpoint_service.orders";

#[tokio::test]
async fn the_quickstart_shares_the_writer_and_follows_a_failover() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/main.tf");
    let example = std::fs::read_to_string(&path).expect("examples/quickstart/main.tf");
    let moto = rdslink_testkit::moto().await;
    let mut workspace = Workspace::new(&example).unwrap();
    workspace
        .env("TF_VAR_endpoint_url", &moto.endpoint)
        .env(
            "TF_VAR_dns_nameservers",
            &format!("[\"{}\"]", bench.dns().addr()),
        )
        .env("TF_VAR_role_arn", &bench.account().role_arn)
        .env("TF_VAR_vpc_id", &bench.vpc.id)
        .env("TF_VAR_subnet_ids", &list(bench.subnets()));

    let recorded = OnceCell::<Value>::new();
    let values = || recorded.get().expect("step 1 recorded the state");
    let new_writer_id = OnceCell::<String>::new();
    let new_writer = || cluster.member(new_writer_id.get().expect("the failover happened"));
    let registered_ips = async || {
        targets(bench.account(), text(values(), "target_group_arn"))
            .await
            .into_iter()
            .map(|(ip, _)| ip)
            .collect::<Vec<_>>()
    };

    TestCase::new(&workspace)
        .check_destroy(async || assert_nothing_owned_left(bench.account()).await)
        // As after every apply, the quickstart's second plan must be empty.
        .step(Step::same_config().check(async |_| {
            let values = state_values_of(&workspace, ADDRESS)
                .await
                .expect("the quickstart's endpoint service");
            let service_name = workspace.output("service_name").await.unwrap();
            assert_eq!(service_name.as_str(), Some(text(&values, "service_name")));
            recorded.set(values).unwrap();
            assert_eq!(
                workspace.output("registered_targets").await.unwrap(),
                json!([cluster.writer().ip.to_string()])
            );
            assert_eq!(registered_ips().await, [cluster.writer().ip.to_string()]);
            let owned = inventory(bench.account()).await.owned();
            assert_eq!(owned.counts(), (1, 1, 1, 1), "{owned:#?}");
            assert!(
                owned
                    .endpoint_services
                    .values()
                    .all(|tags| tags.get(OWNERSHIP_TAG).map(String::as_str) == Some("orders"))
            );
        }))
        .step(
            Step::same_config()
                .pre_config(async || {
                    let id = seed::failover_cluster(bench.account(), &cluster, None).await;
                    new_writer_id.set(id).unwrap();
                })
                .plan_only()
                .expect_non_empty_plan("the failover must show in the quickstart's plan")
                .check(async |outcome| {
                    let stdout = &outcome.run.stdout;
                    assert!(stdout.contains(&new_writer().ip.to_string()), "{stdout}");
                }),
        )
        // Converged, the quickstart's plan must be empty.
        .step(Step::same_config().check(async |_| {
            assert_eq!(
                workspace.output("registered_targets").await.unwrap(),
                json!([new_writer().ip.to_string()])
            );
            assert_eq!(registered_ips().await, [new_writer().ip.to_string()]);
        }))
        .run()
        .await;
}
