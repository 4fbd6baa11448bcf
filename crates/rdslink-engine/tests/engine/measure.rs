//! Figures, printed rather than asserted (timings depend on the machine): reconcile latency
//! against the emulator, and AWS calls per no-op and per failover reconcile.
//!
//! `cargo test -p rdslink-lambda --test engine measure -- --nocapture` shows them.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use rdslink_engine::{ClusterRole, DatabaseSelector, Engine, Trigger, reconcile};
use rdslink_testkit::seed;

use crate::support::{Fixture, failover_event, ok};

const NOOP_RUNS: usize = 100;

async fn noop_latencies(engine: &Engine) -> (Vec<Duration>, u32) {
    let mut latencies = Vec::with_capacity(NOOP_RUNS);
    let mut calls = 0;
    for _ in 0..NOOP_RUNS {
        let started = Instant::now();
        let report = ok(reconcile(engine, &Trigger::schedule()).await, "no-op run");
        latencies.push(started.elapsed());
        assert!(report.is_noop(), "{report:?}");
        calls = report.aws_calls;
    }
    latencies.sort();
    (latencies, calls)
}

/// The value below which `percent`% of the sorted samples fall (nearest rank).
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::test]
async fn instance_reconcile_latency_and_calls() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let engine = fx
        .engine(
            DatabaseSelector::Instance("orders".into()),
            Duration::from_secs(5),
        )
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    let (latencies, noop_calls) = noop_latencies(&engine).await;

    fx.dns.set_a(&db.endpoint, &[Ipv4Addr::new(10, 250, 1, 1)]);
    let started = Instant::now();
    let failover = ok(
        reconcile(&engine, &failover_event("orders")).await,
        "failover run",
    );
    let failover_latency = started.elapsed();

    println!(
        "instance: no-op reconcile over {NOOP_RUNS} runs: median {}, p99 {}, max {}; \
         AWS calls per no-op {noop_calls}; failover reconcile {} with {} AWS calls",
        ms(percentile(&latencies, 50)),
        ms(percentile(&latencies, 99)),
        ms(latencies[latencies.len() - 1]),
        ms(failover_latency),
        failover.aws_calls,
    );
    // DescribeDBInstances + DescribeTargetHealth.
    assert_eq!(noop_calls, 2);
    // Discover, read, register, re-discover, re-read, deregister, read back.
    assert_eq!(failover.aws_calls, 7);
}

#[tokio::test]
async fn aurora_reconcile_latency_and_calls() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 2).await;
    let engine = fx
        .engine(
            DatabaseSelector::Cluster {
                identifier: "aurora".into(),
                role: ClusterRole::Writer,
            },
            Duration::from_secs(5),
        )
        .await;
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );

    let (latencies, noop_calls) = noop_latencies(&engine).await;

    seed::failover_cluster(&fx.account, &aurora, None).await;
    let started = Instant::now();
    let failover = ok(
        reconcile(&engine, &failover_event("aurora")).await,
        "failover run",
    );
    let failover_latency = started.elapsed();

    println!(
        "aurora writer: no-op reconcile over {NOOP_RUNS} runs: median {}, p99 {}, max {}; \
         AWS calls per no-op {noop_calls}; failover reconcile {} with {} AWS calls \
         (the emulator omits the instances' DB subnet group, which costs one \
         DescribeDBSubnetGroups per discovery that AWS does not need)",
        ms(percentile(&latencies, 50)),
        ms(percentile(&latencies, 99)),
        ms(latencies[latencies.len() - 1]),
        ms(failover_latency),
        failover.aws_calls,
    );
    assert_eq!(failover.deregistered, vec![aurora.writer().ip]);
}

#[test]
fn percentiles_use_the_nearest_rank() {
    let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
    assert_eq!(percentile(&samples, 50), Duration::from_millis(50));
    assert_eq!(percentile(&samples, 99), Duration::from_millis(99));
    assert_eq!(percentile(&samples[..1], 99), Duration::from_millis(1));
}
