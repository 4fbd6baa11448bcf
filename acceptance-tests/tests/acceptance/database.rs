//! `data "rdslink_database"` applied with the real terraform CLI against emulated databases.

use std::net::Ipv4Addr;

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

    world.workspace.apply().await.unwrap();
    let w = &world.workspace;
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

    let (code, run) = w.plan_exit_code(&[]).await.unwrap();
    assert_eq!(
        code, 0,
        "the plan after apply must be empty:\n{}",
        run.stdout
    );

    // Fail over; DNS is left stale on purpose: the writer comes from the RDS API.
    let new_writer_id = seed::failover_cluster(&world.account, &cluster, None).await;
    assert_ne!(new_writer_id, writer.id);
    let new_writer = cluster
        .members
        .iter()
        .find(|m| m.id == new_writer_id)
        .expect("new writer is a member");

    let (code, run) = w.plan_exit_code(&[]).await.unwrap();
    assert_eq!(
        code, 2,
        "the plan after a failover must show the change:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&new_writer.ip.to_string()),
        "plan does not show the new writer's IP:\n{}",
        run.stdout
    );

    w.terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(w.output("target_ips").await.unwrap(), ips(&[new_writer.ip]));
    assert_eq!(
        w.output("writer_instance_identifier").await.unwrap(),
        new_writer_id.as_str()
    );
    let (code, run) = w.plan_exit_code(&[]).await.unwrap();
    assert_eq!(
        code, 0,
        "converged, the plan must be empty again:\n{}",
        run.stdout
    );
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

    world.workspace.apply().await.unwrap();
    assert_eq!(
        world.workspace.output("target_ips").await.unwrap(),
        ips(&readers)
    );
    assert_eq!(world.workspace.output("role").await.unwrap(), "reader");
}

#[tokio::test]
async fn instance_targets_its_endpoint_address() {
    let world = World::new(&database_configuration(
        "  db_instance_identifier = \"billing\"",
    ))
    .await;
    let instance = seed::instance(&world.account, &world.dns, "billing").await;

    world.workspace.apply().await.unwrap();
    let w = &world.workspace;
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

    // An instance failover moves its DNS name: the next plan sees it.
    let moved = Ipv4Addr::new(10, 99, 0, 7);
    world.dns.set_a(&instance.endpoint, &[moved]);
    let (code, run) = w.plan_exit_code(&[]).await.unwrap();
    assert_eq!(code, 2, "{}", run.stdout);
    w.apply().await.unwrap();
    assert_eq!(w.output("target_ips").await.unwrap(), ips(&[moved]));
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

    world.workspace.apply().await.unwrap();
    let w = &world.workspace;
    assert_eq!(w.output("kind").await.unwrap(), "proxy");
    assert_eq!(w.output("target_ips").await.unwrap(), ips(&addresses));
    assert_eq!(w.output("endpoint").await.unwrap(), proxy.endpoint.as_str());
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

    world.workspace.apply().await.unwrap();
    let w = &world.workspace;
    assert_eq!(w.output("kind").await.unwrap(), "endpoint");
    assert_eq!(
        w.output("target_ips").await.unwrap(),
        json!(["10.1.2.2", "10.1.2.3"])
    );
    assert_eq!(w.output("port").await.unwrap(), Value::Null);
}

#[tokio::test]
async fn unknown_cluster_is_a_clear_error() {
    let world = World::new(&database_configuration(
        "  db_cluster_identifier = \"missing\"",
    ))
    .await;
    let run = world
        .workspace
        .terraform(&["plan", "-no-color"])
        .await
        .unwrap();
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("Cannot discover DB cluster \"missing\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
}

#[tokio::test]
async fn unresolvable_hostname_is_a_clear_error() {
    let world = World::new(&database_configuration(
        "  endpoint = \"nowhere.orders.internal\"",
    ))
    .await;
    let run = world
        .workspace
        .terraform(&["plan", "-no-color"])
        .await
        .unwrap();
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains("nowhere.orders.internal"),
        "{}",
        run.stderr
    );
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
    world.workspace.write_configuration(&configuration).unwrap();
    let run = world
        .workspace
        .terraform(&["plan", "-no-color"])
        .await
        .unwrap();
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.stderr.matches("Error: ").count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("Cannot configure the rdslink provider"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
