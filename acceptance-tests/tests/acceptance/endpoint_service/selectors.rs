//! Ways of naming the database: a hostname, and a database that is known only at apply time (created
//! by the same configuration, or between plan and apply).

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::json;

use super::aws::{parts, targets};
use super::{Bench, Service, state, text};

#[tokio::test]
async fn a_hostname_with_a_port_targets_every_a_record() {
    let bench = Bench::new().await;
    let addresses = [Ipv4Addr::new(10, 1, 2, 3), Ipv4Addr::new(10, 1, 2, 2)];
    bench.dns().set_a("db.orders.internal", &addresses);
    let service = Service::new(&bench, "orders")
        .database("endpoint = \"db.orders.internal\"")
        .with("port = 3306");
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
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
        }))
        .run()
        .await;
}

/// Plans make no AWS call (issue 8: a plan must not depend on the database now), so the missing
/// port is found by the apply, before it creates anything (the case checks nothing is left).
#[tokio::test]
async fn a_hostname_without_a_port_is_an_apply_error_pointing_at_port() {
    let bench = Bench::new().await;
    bench
        .dns()
        .set_a("db.orders.internal", &[Ipv4Addr::new(10, 1, 2, 3)]);
    let service = Service::new(&bench, "orders").database("endpoint = \"db.orders.internal\"");
    bench
        .case()
        .await
        .step(
            Step::config(service.hcl())
                .expect_error("Missing port")
                .expect_error("set `port`"),
        )
        .run()
        .await;
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
        .case()
        .await
        .step(
            Step::config(format!("{cluster_stand_in}\n{}", service.hcl())).check(async |_| {
                let values = state(bench.workspace()).await;
                let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
                assert_eq!(
                    registered,
                    BTreeSet::from([(cluster.writer().ip.to_string(), i32::from(cluster.port))])
                );
                assert_eq!(values["port"], cluster.port);
                assert_eq!(values["endpoint"], json!(cluster.endpoint));
            }),
        )
        .run()
        .await;
}

/// A saved plan made before the cluster existed (the plan promises nothing about the database, and
/// asks AWS nothing) is applied after it was created: the apply discovers it.
#[tokio::test]
async fn a_saved_plan_made_before_the_cluster_existed_applies_once_it_does() {
    let bench = Bench::new().await;
    let created = OnceCell::new();
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl())
                .plan_only()
                .expect_non_empty_plan("nothing exists yet")
                .check(async |outcome| {
                    let said = format!("{}{}", outcome.run.stdout, outcome.run.stderr);
                    assert!(
                        !said.contains("Cannot discover"),
                        "a plan must not discover the database:\n{said}"
                    );
                    for computed in ["registered_targets", "port", "endpoint"] {
                        assert!(
                            said.lines()
                                .any(|line| line.contains(&format!("+ {computed} "))
                                    && line.contains("(known after apply)")),
                            "the plan must leave {computed} to the apply:\n{said}"
                        );
                    }
                }),
        )
        .step(
            Step::same_config()
                .pre_config(async || {
                    let cluster =
                        seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
                    created.set(cluster).unwrap();
                })
                .apply_saved_plan()
                .check(async |_| {
                    let cluster = created.get().expect("the cluster was created");
                    let values = state(bench.workspace()).await;
                    let registered =
                        targets(bench.account(), text(&values, "target_group_arn")).await;
                    assert_eq!(
                        registered,
                        BTreeSet::from([(
                            cluster.writer().ip.to_string(),
                            i32::from(cluster.port)
                        )])
                    );
                }),
        )
        .run()
        .await;
}
