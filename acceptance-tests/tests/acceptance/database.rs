//! `data "rdslink_database"` applied with the real terraform CLI against emulated databases.

use std::cell::OnceCell;
use std::net::Ipv4Addr;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::{Value, json};

use crate::{World, database_configuration};

fn ips(addresses: &[Ipv4Addr]) -> Value {
    let mut sorted = addresses.to_vec();
    sorted.sort();
    Value::from(sorted.iter().map(ToString::to_string).collect::<Vec<_>>())
}

#[tokio::test]
async fn cluster_writer_then_failover_changes_target_ips_on_the_next_plan() {
    let world = World::new(&database_configuration(
        "  db_cluster_identifier = \"orders\"",
    ))
    .await;
    let cluster = seed::aurora_cluster(&world.account, &world.dns, "orders", 2).await;
    let writer = cluster
        .members
        .iter()
        .find(|m| m.is_writer)
        .expect("a writer");
    let w = &world.workspace;
    let new_writer_id = OnceCell::<String>::new();
    let new_writer = || {
        let id = new_writer_id.get().expect("the failover happened");
        cluster
            .members
            .iter()
            .find(|m| &m.id == id)
            .expect("new writer is a member")
    };

    world
        .case()
        .await
        // As after every apply, the plan after it must be empty.
        .step(Step::same_config().check(async |_| {
            assert_eq!(w.output("kind").await.unwrap(), "cluster");
            assert_eq!(
                w.output("writer_instance_identifier").await.unwrap(),
                writer.id.as_str()
            );
            assert_eq!(w.output("target_ips").await.unwrap(), ips(&[writer.ip]));
            assert_eq!(
                w.output("endpoint").await.unwrap(),
                cluster.endpoint.as_str()
            );
            assert_eq!(w.output("port").await.unwrap(), json!(cluster.port));
            assert_eq!(w.output("role").await.unwrap(), "writer");
            assert!(
                w.output("engine")
                    .await
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .starts_with("aurora")
            );
        }))
        .step(
            Step::same_config()
                .pre_config(async || {
                    // Fail over; DNS is left stale on purpose: the writer comes from the RDS API.
                    let id = seed::failover_cluster(&world.account, &cluster, None).await;
                    assert_ne!(id, writer.id);
                    new_writer_id.set(id).unwrap();
                })
                .plan_only()
                .expect_non_empty_plan("the plan after a failover must show the change")
                .check(async |outcome| {
                    assert!(
                        outcome.run.stdout.contains(&new_writer().ip.to_string()),
                        "plan does not show the new writer's IP:\n{}",
                        outcome.run.stdout
                    );
                }),
        )
        // Converged: the plan after it must be empty again.
        .step(Step::same_config().refresh_only().check(async |_| {
            assert_eq!(
                w.output("target_ips").await.unwrap(),
                ips(&[new_writer().ip])
            );
            assert_eq!(
                w.output("writer_instance_identifier").await.unwrap(),
                new_writer().id.as_str()
            );
        }))
        .run()
        .await;
}

#[tokio::test]
async fn cluster_reader_role_targets_every_reader() {
    let world = World::new(&database_configuration(
        "  db_cluster_identifier = \"reports\"\n  role = \"reader\"",
    ))
    .await;
    let cluster = seed::aurora_cluster(&world.account, &world.dns, "reports", 3).await;
    let readers: Vec<Ipv4Addr> = cluster
        .members
        .iter()
        .filter(|m| !m.is_writer)
        .map(|m| m.ip)
        .collect();
    assert_eq!(readers.len(), 2);

    world
        .case()
        .await
        .step(Step::same_config().check(async |_| {
            assert_eq!(
                world.workspace.output("target_ips").await.unwrap(),
                ips(&readers)
            );
            assert_eq!(world.workspace.output("role").await.unwrap(), "reader");
        }))
        .run()
        .await;
}

#[tokio::test]
async fn instance_targets_its_endpoint_address() {
    let world = World::new(&database_configuration(
        "  db_instance_identifier = \"billing\"",
    ))
    .await;
    let instance = seed::instance(&world.account, &world.dns, "billing").await;
    let w = &world.workspace;
    let moved = Ipv4Addr::new(10, 99, 0, 7);

    world
        .case()
        .await
        .step(Step::same_config().check(async |_| {
            assert_eq!(w.output("kind").await.unwrap(), "instance");
            assert_eq!(w.output("target_ips").await.unwrap(), ips(&[instance.ip]));
            assert_eq!(
                w.output("endpoint").await.unwrap(),
                instance.endpoint.as_str()
            );
            assert_eq!(
                w.output("writer_instance_identifier").await.unwrap(),
                Value::Null
            );
            assert_eq!(w.output("role").await.unwrap(), Value::Null);
        }))
        .step(
            Step::same_config()
                // An instance failover moves its DNS name: the next plan sees it.
                .pre_config(async || world.dns.set_a(&instance.endpoint, &[moved]))
                .plan_only()
                .expect_non_empty_plan("the moved address must show in the plan"),
        )
        .step(Step::same_config().check(async |_| {
            assert_eq!(w.output("target_ips").await.unwrap(), ips(&[moved]));
        }))
        .run()
        .await;
}

#[tokio::test]
async fn proxy_targets_every_address_of_its_endpoint() {
    let world = World::new(&database_configuration(
        "  db_proxy_name = \"orders-proxy\"",
    ))
    .await;
    let addresses = [
        Ipv4Addr::new(10, 7, 0, 3),
        Ipv4Addr::new(10, 7, 1, 9),
        Ipv4Addr::new(10, 7, 0, 12),
    ];
    let proxy = seed::proxy(&world.account, &world.dns, "orders-proxy", &addresses).await;

    let w = &world.workspace;
    world
        .case()
        .await
        .step(Step::same_config().check(async |_| {
            assert_eq!(w.output("kind").await.unwrap(), "proxy");
            assert_eq!(w.output("target_ips").await.unwrap(), ips(&addresses));
            assert_eq!(w.output("endpoint").await.unwrap(), proxy.endpoint.as_str());
        }))
        .run()
        .await;
}

#[tokio::test]
async fn hostname_targets_every_a_record() {
    let world = World::new(&database_configuration(
        "  endpoint = \"db.orders.internal\"",
    ))
    .await;
    world.dns.set_a(
        "db.orders.internal",
        &[Ipv4Addr::new(10, 1, 2, 3), Ipv4Addr::new(10, 1, 2, 2)],
    );

    let w = &world.workspace;
    world
        .case()
        .await
        .step(Step::same_config().check(async |_| {
            assert_eq!(w.output("kind").await.unwrap(), "endpoint");
            assert_eq!(
                w.output("target_ips").await.unwrap(),
                json!(["10.1.2.2", "10.1.2.3"])
            );
            assert_eq!(w.output("port").await.unwrap(), Value::Null);
        }))
        .run()
        .await;
}

#[tokio::test]
async fn unknown_cluster_is_a_clear_error() {
    let world = World::new(&database_configuration(
        "  db_cluster_identifier = \"missing\"",
    ))
    .await;
    world
        .case()
        .await
        .step(
            Step::same_config()
                .plan_only()
                .expect_error("Cannot discover DB cluster \"missing\"")
                .expect_error("missing"),
        )
        .run()
        .await;
}

#[tokio::test]
async fn unresolvable_hostname_is_a_clear_error() {
    let world = World::new(&database_configuration(
        "  endpoint = \"nowhere.orders.internal\"",
    ))
    .await;
    world
        .case()
        .await
        .step(
            Step::same_config()
                .plan_only()
                .expect_error(&regex_lite::escape("nowhere.orders.internal")),
        )
        .run()
        .await;
}

#[tokio::test]
async fn unreachable_sts_is_one_configure_error() {
    let world = World::new(&database_configuration(
        "  endpoint = \"db.orders.internal\"",
    ))
    .await;
    // Point STS at a port where nothing listens: the identity check fails, once, clearly.
    let configuration = format!(
        "provider \"rdslink\" {{\n  region = \"us-east-1\"\n  endpoint_url = \"http://127.0.0.1:9\"\n  dns_nameservers = [\"{}\"]\n}}\n{}",
        world.dns.addr(),
        database_configuration("  endpoint = \"db.orders.internal\"")
    );
    world
        .case()
        .await
        .step(
            Step::whole_config(configuration)
                .plan_only()
                .expect_error("Cannot configure the rdslink provider")
                .check(async |outcome| {
                    let stderr = &outcome.run.stderr;
                    assert_eq!(stderr.matches("Error: ").count(), 1, "{stderr}");
                    assert!(!stderr.contains("panicked"), "{stderr}");
                }),
        )
        .run()
        .await;
}
