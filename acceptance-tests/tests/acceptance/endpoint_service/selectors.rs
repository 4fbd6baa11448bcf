//! Ways of naming the database: a hostname, and a database that is known only at apply time (created
//! by the same configuration, or between plan and apply).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use rdslink_testkit::seed;
use serde_json::json;

use super::aws::{parts, targets};
use super::{Bench, Service, assert_plan, state, text};

#[tokio::test]
async fn a_hostname_with_a_port_targets_every_a_record() {
    let bench = Bench::new().await;
    let addresses = [Ipv4Addr::new(10, 1, 2, 3), Ipv4Addr::new(10, 1, 2, 2)];
    bench.dns().set_a("db.orders.internal", &addresses);
    let service = Service::new(&bench, "orders")
        .database("endpoint = \"db.orders.internal\"")
        .with("port = 3306");
    bench.configure(&service.hcl()).await;

    bench.workspace().apply().await.unwrap();
    let values = state(bench.workspace()).await;
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    let expected: BTreeSet<(String, i32)> =
        addresses.iter().map(|ip| (ip.to_string(), 3306)).collect();
    assert_eq!(registered, expected);
    assert_eq!(
        values["registered_targets"],
        json!(["10.1.2.2", "10.1.2.3"])
    );
    assert_eq!(
        parts(bench.account(), &values).await.listener.port(),
        Some(3306)
    );
    assert_plan(bench.workspace(), 0, "the plan after apply must be empty").await;
}

#[tokio::test]
async fn a_hostname_without_a_port_is_a_plan_error_pointing_at_port() {
    let bench = Bench::new().await;
    bench
        .dns()
        .set_a("db.orders.internal", &[Ipv4Addr::new(10, 1, 2, 3)]);
    let service = Service::new(&bench, "orders").database("endpoint = \"db.orders.internal\"");
    bench.configure(&service.hcl()).await;

    let run = bench
        .workspace()
        .terraform(&["plan", "-no-color"])
        .await
        .unwrap();
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains("Missing port") && run.stderr.contains("set `port`"),
        "{}",
        run.stderr
    );
}

/// The usual way to use rdslink: the cluster and the endpoint service in one configuration, so
/// the cluster's identifier is unknown until the apply creates it (here a `terraform_data` stands
/// in for `aws_rds_cluster`, and the cluster already exists in the emulator).
#[tokio::test]
async fn a_cluster_identifier_known_only_at_apply_time_is_discovered_by_the_apply() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let cluster_stand_in = "resource \"terraform_data\" \"cluster\" {\n  input = \"orders\"\n}\n";
    let service = Service::new(&bench, "orders")
        .database("db_cluster_identifier = terraform_data.cluster.output");
    bench
        .configure(&format!("{cluster_stand_in}\n{}", service.hcl()))
        .await;

    let run = bench
        .workspace()
        .terraform(&["apply", "-auto-approve", "-no-color"])
        .await
        .unwrap();
    assert_eq!(
        run.code, 0,
        "--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
    let values = state(bench.workspace()).await;
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    assert_eq!(
        registered,
        BTreeSet::from([(cluster.writer().ip.to_string(), i32::from(cluster.port))])
    );
    assert_eq!(values["port"], cluster.port);
    assert_eq!(values["endpoint"], json!(cluster.endpoint));
    assert_plan(bench.workspace(), 0, "the plan after apply must be empty").await;
}

/// A saved plan made before the cluster existed (discovery fails with a warning) is applied after
/// it was created: the apply discovers it.
#[tokio::test]
async fn a_saved_plan_made_before_the_cluster_existed_applies_once_it_does() {
    let bench = Bench::new().await;
    bench.configure(&Service::new(&bench, "orders").hcl()).await;
    let run = bench
        .workspace()
        .terraform(&["plan", "-out=tfplan", "-no-color"])
        .await
        .unwrap();
    assert_eq!(
        run.code, 0,
        "--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(
        said.contains("Cannot discover"),
        "the plan should warn that the cluster is not found:\n{said}"
    );

    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let run = bench
        .workspace()
        .terraform(&["apply", "-auto-approve", "-no-color", "tfplan"])
        .await
        .unwrap();
    assert_eq!(
        run.code, 0,
        "--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
    let values = state(bench.workspace()).await;
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    assert_eq!(
        registered,
        BTreeSet::from([(cluster.writer().ip.to_string(), i32::from(cluster.port))])
    );
    assert_plan(bench.workspace(), 0, "the plan after apply must be empty").await;
}
