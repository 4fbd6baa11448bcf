//! Reconcile: first sync, idempotence, failovers (instance, Aurora, proxy, readers), waiting for
//! DNS, and failures that must change nothing.

use std::net::Ipv4Addr;
use std::time::Duration;

use rdslink_engine::{ClusterRole, DatabaseSelector, Trigger, WaitOutcome, reconcile};
use rdslink_testkit::seed;

use crate::support::{Fixture, PORT, failover_event, ok, targets};

const SHORT_WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn first_run_registers_and_a_second_run_is_a_noop() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), SHORT_WAIT)
        .await;

    let first = ok(reconcile(&engine, &Trigger::schedule()).await, "first run");
    assert!(first.registered_before.is_empty());
    assert_eq!(first.registered, vec![db.ip]);
    assert!(first.deregistered.is_empty());
    assert_eq!(first.targets, vec![db.ip]);
    assert!(first.in_sync);
    assert_eq!(targets(engine.target_group()).await, vec![db.ip]);

    let second = ok(reconcile(&engine, &Trigger::schedule()).await, "second run");
    assert!(second.is_noop(), "{second:?}");
    assert_eq!(second.registered_before, vec![db.ip]);
    assert_eq!(second.targets, vec![db.ip]);
    assert!(second.in_sync);
    assert_eq!(second.wait, WaitOutcome::NotNeeded);
    // One DescribeDBInstances, one DescribeTargetHealth.
    assert_eq!(second.aws_calls, 2);
}

#[tokio::test]
async fn instance_failover_with_dns_already_moved() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), SHORT_WAIT)
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    let standby = Ipv4Addr::new(10, 250, 0, 2);
    fx.dns.set_a(&db.endpoint, &[standby]);
    let report = ok(
        reconcile(&engine, &failover_event("orders")).await,
        "failover run",
    );

    assert_eq!(report.registered_before, vec![db.ip]);
    assert_eq!(report.registered, vec![standby]);
    assert_eq!(report.deregistered, vec![db.ip]);
    assert_eq!(report.targets, vec![standby]);
    assert_eq!(report.desired, vec![standby]);
    assert!(report.in_sync);
    assert_eq!(report.wait, WaitOutcome::NotNeeded);
    assert!(report.convergence.is_some());
    assert_eq!(targets(engine.target_group()).await, vec![standby]);
}

#[tokio::test]
async fn instance_failover_waits_for_lagging_dns() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), SHORT_WAIT)
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    let standby = Ipv4Addr::new(10, 250, 0, 3);
    let trigger = failover_event("orders");
    let run = reconcile(&engine, &trigger);
    let flip = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        fx.dns.set_a(&db.endpoint, &[standby]);
    };
    let (report, ()) = tokio::join!(run, flip);
    let report = ok(report, "failover run");

    assert_eq!(report.wait, WaitOutcome::Moved);
    assert!(
        report.waited >= Duration::from_millis(900),
        "{:?}",
        report.waited
    );
    assert!(report.waited < SHORT_WAIT, "{:?}", report.waited);
    assert_eq!(report.registered, vec![standby]);
    assert_eq!(report.deregistered, vec![db.ip]);
    assert_eq!(report.targets, vec![standby]);
    assert_eq!(targets(engine.target_group()).await, vec![standby]);
}

#[tokio::test]
async fn a_failover_whose_dns_never_moves_changes_nothing_after_the_wait() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let wait = Duration::from_millis(1500);
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), wait)
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    let report = ok(
        reconcile(&engine, &failover_event("orders")).await,
        "failover run",
    );

    assert_eq!(report.wait, WaitOutcome::TimedOut);
    assert!(report.waited >= wait, "{:?}", report.waited);
    assert!(report.is_noop());
    assert_eq!(targets(engine.target_group()).await, vec![db.ip]);
}

#[tokio::test]
async fn a_scheduled_run_never_waits_for_dns() {
    let fx = Fixture::new().await;
    seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), SHORT_WAIT)
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    let report = ok(reconcile(&engine, &Trigger::schedule()).await, "second run");
    assert_eq!(report.wait, WaitOutcome::NotNeeded);
    assert_eq!(report.waited, Duration::ZERO);
}

#[tokio::test]
async fn aurora_writer_failover_converges_without_waiting_for_cluster_dns() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 2).await;
    let selector = DatabaseSelector::Cluster {
        identifier: "aurora".into(),
        role: ClusterRole::Writer,
    };
    let engine = fx.engine(selector, SHORT_WAIT).await;
    let first = ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );
    assert_eq!(first.targets, vec![aurora.writer().ip]);

    let new_writer = seed::failover_cluster(&fx.account, &aurora, None).await;
    // The cluster endpoint still points at the old writer; the engine must not care.
    let report = ok(
        reconcile(&engine, &failover_event("aurora")).await,
        "failover run",
    );

    let new_ip = aurora.member(&new_writer).ip;
    assert_eq!(report.wait, WaitOutcome::NotNeeded);
    assert_eq!(report.waited, Duration::ZERO);
    assert_eq!(report.registered, vec![new_ip]);
    assert_eq!(report.deregistered, vec![aurora.writer().ip]);
    assert_eq!(report.targets, vec![new_ip]);
    assert_eq!(targets(engine.target_group()).await, vec![new_ip]);
}

#[tokio::test]
async fn cluster_reader_role_follows_the_reader_set_through_a_failover() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 3).await;
    let selector = DatabaseSelector::Cluster {
        identifier: "aurora".into(),
        role: ClusterRole::Reader,
    };
    let engine = fx.engine(selector, SHORT_WAIT).await;
    let ip = |id: &str| aurora.member(id).ip;

    let first = ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );
    let mut readers = vec![ip("aurora-2"), ip("aurora-3")];
    readers.sort();
    assert_eq!(first.targets, readers);

    let new_writer = seed::failover_cluster(&fx.account, &aurora, Some("aurora-3")).await;
    assert_eq!(new_writer, "aurora-3");
    let report = ok(
        reconcile(&engine, &failover_event("aurora")).await,
        "failover run",
    );

    let mut readers = vec![ip("aurora-1"), ip("aurora-2")];
    readers.sort();
    assert_eq!(report.registered, vec![ip("aurora-1")]);
    assert_eq!(report.deregistered, vec![ip("aurora-3")]);
    assert_eq!(report.targets, readers);
}

#[tokio::test]
async fn proxy_with_several_addresses_keeps_the_unchanged_ones() {
    let fx = Fixture::new().await;
    let [a, b, c, d] = [1, 2, 3, 4].map(|n| Ipv4Addr::new(10, 77, 0, n));
    let proxy = seed::proxy(&fx.account, &fx.dns, "orders-proxy", &[a, b, c]).await;
    let engine = fx
        .engine(DatabaseSelector::Proxy("orders-proxy".into()), SHORT_WAIT)
        .await;

    let first = ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );
    assert_eq!(first.targets, vec![a, b, c]);

    fx.dns.set_a(&proxy.endpoint, &[b, c, d]);
    let report = ok(reconcile(&engine, &Trigger::schedule()).await, "second run");
    assert_eq!(report.registered, vec![d]);
    assert_eq!(report.deregistered, vec![a]);
    assert_eq!(report.targets, vec![b, c, d]);
}

#[tokio::test]
async fn a_discovery_failure_deregisters_nothing() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), SHORT_WAIT)
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    // The name vanishes (e.g. mid-rename) and then exists with no address.
    fx.dns.remove(&db.endpoint);
    let err = reconcile(&engine, &failover_event("orders"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "name_does_not_resolve", "{err}");
    assert!(err.is_retryable());
    assert_eq!(targets(engine.target_group()).await, vec![db.ip]);

    fx.dns.set_a(&db.endpoint, &[]);
    let err = reconcile(&engine, &Trigger::schedule()).await.unwrap_err();
    assert_eq!(err.kind(), "no_addresses", "{err}");
    assert_eq!(targets(engine.target_group()).await, vec![db.ip]);
}

#[tokio::test]
async fn a_deleted_database_deregisters_nothing() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), SHORT_WAIT)
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    fx.account
        .rds()
        .delete_db_instance()
        .db_instance_identifier("orders")
        .skip_final_snapshot(true)
        .send()
        .await
        .expect("moto deletes the instance");
    let err = reconcile(&engine, &Trigger::schedule()).await.unwrap_err();
    assert_eq!(err.kind(), "db_instance_not_found", "{err}");
    assert!(!err.is_retryable());
    assert_eq!(targets(engine.target_group()).await, vec![db.ip]);
}

#[tokio::test]
async fn a_missing_target_group_is_a_typed_error() {
    let fx = Fixture::new().await;
    seed::instance(&fx.account, &fx.dns, "orders").await;
    let arn = format!(
        "arn:aws:elasticloadbalancing:us-east-1:{}:targetgroup/gone/0123456789abcdef",
        fx.account.id
    );
    let group = rdslink_engine::TargetGroup::new(fx.account.elbv2(), arn.clone(), PORT);
    let engine = rdslink_engine::Engine::new(
        fx.discoverer(),
        DatabaseSelector::Instance("orders".into()),
        group,
    );

    let err = reconcile(&engine, &Trigger::schedule()).await.unwrap_err();
    assert_eq!(err.kind(), "target_group_not_found", "{err}");
    assert!(err.to_string().contains(&arn), "{err}");
    assert!(!err.is_discovery_failure());
}

#[tokio::test]
async fn targets_on_another_port_are_left_alone() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(DatabaseSelector::Instance("orders".into()), SHORT_WAIT)
        .await;
    let foreign = Ipv4Addr::new(10, 66, 0, 1);
    fx.account
        .elbv2()
        .register_targets()
        .target_group_arn(engine.target_group().arn())
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id(foreign.to_string())
                .port(i32::from(PORT) + 1)
                .build(),
        )
        .send()
        .await
        .expect("moto registers the foreign target");

    let report = ok(reconcile(&engine, &Trigger::schedule()).await, "sync");
    assert_eq!(report.targets, vec![db.ip]);
    assert!(report.deregistered.is_empty());
    let all = fx
        .account
        .elbv2()
        .describe_target_health()
        .target_group_arn(engine.target_group().arn())
        .send()
        .await
        .expect("moto describes the group");
    let ids: Vec<&str> = all
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target().and_then(|t| t.id()))
        .collect();
    assert!(ids.contains(&foreign.to_string().as_str()), "{ids:?}");
}
