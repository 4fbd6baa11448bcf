//! Many reconciles at once while DNS flaps between two disjoint answers: the group must never be
//! observed empty, and one more reconcile must converge it onto the final answer.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdslink_engine::{AwsCalls, DatabaseSelector, Targets, Trigger, reconcile};

use crate::support::{Fixture, failover_event, ok, targets};

/// Concurrent reconcilers, each reconciling [`ROUNDS`] times in a row.
const RUNS: usize = 20;
const ROUNDS: usize = 5;
const NAME: &str = "flapping.corp.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reconciles_with_flapping_dns_never_empty_the_group() {
    let fx = Arc::new(Fixture::new().await);
    let a = Ipv4Addr::new(10, 31, 0, 1);
    let b = Ipv4Addr::new(10, 31, 0, 2);
    fx.dns.set_a(NAME, &[a]);
    let engine = Arc::new(
        fx.engine(
            DatabaseSelector::Endpoint(NAME.into()),
            Duration::from_secs(2),
        )
        .await,
    );
    ok(
        reconcile(&engine, &Trigger::schedule()).await,
        "initial sync",
    );
    assert_eq!(targets(engine.target_group()).await, vec![a]);

    let stop = Arc::new(AtomicBool::new(false));

    // DNS flips between two disjoint answers every few milliseconds.
    let flapper = tokio::spawn({
        let (fx, stop) = (Arc::clone(&fx), Arc::clone(&stop));
        async move {
            let mut flips = 0_u32;
            while !stop.load(Ordering::SeqCst) {
                fx.dns
                    .set_a(NAME, &[if flips.is_multiple_of(2) { b } else { a }]);
                flips += 1;
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
            flips
        }
    });

    // An observer reads the group as often as it can, independently of the engine.
    let observer = tokio::spawn({
        let (group, stop) = (engine.target_group().clone(), Arc::clone(&stop));
        async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                match group.registered(&AwsCalls::default()).await {
                    Ok(set) => seen.push(set.into_iter().collect::<Vec<_>>()),
                    Err(err) => panic!("observer cannot read the group: {err}"),
                }
            }
            seen
        }
    });

    // Schedule runs and failover-event runs (which may wait for DNS) mixed, all at once.
    let runs: Vec<_> = (0..RUNS)
        .map(|n| {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move {
                let trigger = if n.is_multiple_of(2) {
                    Trigger::schedule()
                } else {
                    failover_event(NAME)
                };
                let mut reports = Vec::with_capacity(ROUNDS);
                for _ in 0..ROUNDS {
                    reports.push(reconcile(&engine, &trigger).await);
                }
                reports
            })
        })
        .collect();
    let mut reports = Vec::new();
    for run in runs {
        for report in run.await.expect("reconcile task panicked") {
            reports.push(ok(report, "concurrent reconcile"));
        }
    }

    stop.store(true, Ordering::SeqCst);
    let flips = flapper.await.expect("flapper panicked");
    let observed = observer.await.expect("observer panicked");

    assert!(flips > 10, "DNS hardly flapped ({flips} flips)");
    assert!(
        observed.len() >= 10,
        "too few observations to mean anything: {}",
        observed.len()
    );
    let changed = reports.iter().filter(|r| !r.is_noop()).count();
    assert!(
        changed > 0,
        "no run saw the flapping answer change anything"
    );
    for (step, state) in observed.iter().enumerate() {
        assert!(
            !state.is_empty(),
            "observer saw an empty group at step {step}"
        );
        assert!(
            state.iter().all(|ip| *ip == a || *ip == b),
            "unexpected target in {state:?}"
        );
    }
    for report in &reports {
        assert!(
            !report.targets.is_empty(),
            "a run left the group empty: {report:?}"
        );
        assert!(!report.registered_before.is_empty(), "{report:?}");
    }

    // DNS settles; one more run converges exactly onto the final answer.
    fx.dns.set_a(NAME, &[b]);
    let last = ok(reconcile(&engine, &Trigger::schedule()).await, "last run");
    assert_eq!(last.targets, vec![b]);
    assert!(last.in_sync);
    assert_eq!(targets(engine.target_group()).await, vec![b]);
}
