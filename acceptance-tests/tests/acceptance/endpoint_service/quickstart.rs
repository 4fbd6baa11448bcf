//! `examples/quickstart` works as its comments say: applied with the variables `make demo` sets, it
//! builds the bundle for the cluster's writer, and a failover shows in the plan and is re-synced.

use std::path::PathBuf;

use rdslink_acceptance_tests::Workspace;
use rdslink_testkit::seed;
use serde_json::json;

use super::aws::{inventory, targets};
use super::{Bench, OWNERSHIP_TAG, assert_plan, list, state_values_of, text};

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

    workspace.apply().await.unwrap();
    let values = state_values_of(&workspace, ADDRESS)
        .await
        .expect("the quickstart's endpoint service");
    let service_name = workspace.output("service_name").await.unwrap();
    assert_eq!(service_name.as_str(), Some(text(&values, "service_name")));
    assert_eq!(
        workspace.output("registered_targets").await.unwrap(),
        json!([cluster.writer().ip.to_string()])
    );
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    assert_eq!(
        registered.into_iter().map(|(ip, _)| ip).collect::<Vec<_>>(),
        [cluster.writer().ip.to_string()]
    );
    let owned = inventory(bench.account()).await.owned();
    assert_eq!(owned.counts(), (1, 1, 1, 1), "{owned:#?}");
    assert!(
        owned
            .endpoint_services
            .values()
            .all(|tags| tags.get(OWNERSHIP_TAG).map(String::as_str) == Some("orders"))
    );
    assert_plan(&workspace, 0, "the quickstart's second plan must be empty").await;

    let new_writer_id = seed::failover_cluster(bench.account(), &cluster, None).await;
    let new_writer = cluster.member(&new_writer_id);
    let run = assert_plan(
        &workspace,
        2,
        "the failover must show in the quickstart's plan",
    )
    .await;
    assert!(
        run.stdout.contains(&new_writer.ip.to_string()),
        "{}",
        run.stdout
    );
    workspace.apply().await.unwrap();
    assert_eq!(
        workspace.output("registered_targets").await.unwrap(),
        json!([new_writer.ip.to_string()])
    );
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    assert_eq!(
        registered.into_iter().map(|(ip, _)| ip).collect::<Vec<_>>(),
        [new_writer.ip.to_string()]
    );
    assert_plan(
        &workspace,
        0,
        "converged, the quickstart's plan must be empty",
    )
    .await;
}
