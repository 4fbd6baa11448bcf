//! `reconcile` against the recording fake: the exact order of its calls, which the emulator
//! tests cannot observe (they see only the final target set).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

use proptest::collection::{btree_set, vec};
use proptest::prelude::*;

use super::*;
use crate::testing::{Answer, Call, Fake, Op, replay};

const OLD: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const NEW: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const NEWER: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 1);

fn engine(fake: &Fake, selector: DatabaseSelector) -> Engine<Fake, Fake> {
    Engine::new(fake.clone(), selector, fake.clone())
        .with_dns_wait(Duration::from_secs(5))
        .with_poll_backoff(PollBackoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(2),
        })
}

fn cluster_writer() -> DatabaseSelector {
    DatabaseSelector::Cluster {
        identifier: "orders".into(),
        role: crate::ClusterRole::Writer,
    }
}

fn failover_event() -> Trigger {
    Trigger {
        reason: TriggerReason::RdsEvent {
            event_id: Some("RDS-EVENT-0049".into()),
            source_id: Some("orders".into()),
        },
        expects_address_change: true,
        event_time: Some(SystemTime::now()),
    }
}

fn no_such_name() -> Error {
    Error::NameDoesNotResolve {
        name: "orders.example".into(),
        nameservers: "ns".into(),
    }
}

/// After the group first holds an address, it never holds none again.
fn assert_never_empty(initial: &BTreeSet<Ipv4Addr>, log: &[Call]) {
    let states = replay(initial, log);
    let first_held = if initial.is_empty() {
        states.iter().position(|state| !state.is_empty())
    } else {
        Some(0)
    };
    if let Some(first) = first_held {
        for (index, state) in states.iter().enumerate().skip(first) {
            assert!(
                !state.is_empty(),
                "the group is empty after call {index} ({:?}) of {log:?}",
                log[index]
            );
        }
    }
}

#[tokio::test]
async fn a_failover_registers_the_new_address_before_deregistering_the_old() {
    let fake = Fake::new([OLD]).answers([Ok(vec![NEW])]);
    let report = reconcile(&engine(&fake, cluster_writer()), &failover_event())
        .await
        .expect("reconcile");

    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Register(vec![NEW]),
            // A fresh discovery and a fresh read decide what is stale.
            Call::Discover,
            Call::Registered,
            Call::Deregister(vec![OLD]),
            Call::Registered,
        ]
    );
    assert_eq!(report.registered, [NEW]);
    assert_eq!(report.deregistered, [OLD]);
    assert_eq!(report.targets, [NEW]);
    assert!(report.in_sync);
    assert!(report.convergence.is_some());
    assert_eq!(report.aws_calls, 7);
    assert_never_empty(&BTreeSet::from([OLD]), &fake.log());
}

#[tokio::test]
async fn an_answer_that_changes_mid_run_is_followed_and_decides_deregistration() {
    let fake = Fake::new([OLD]).answers([Ok(vec![NEW]), Ok(vec![NEWER])]);
    let report = reconcile(&engine(&fake, cluster_writer()), &Trigger::schedule())
        .await
        .expect("reconcile");

    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Register(vec![NEW]),
            Call::Discover,
            Call::Registered,
            // Everything of the fresh answer is registered before anything is deregistered...
            Call::Register(vec![NEWER]),
            // ... and what is stale is decided against the fresh answer: NEW too.
            Call::Deregister(vec![OLD, NEW]),
            Call::Registered,
        ]
    );
    assert_eq!(report.desired, [NEWER]);
    assert_eq!(report.registered, [NEW, NEWER]);
    assert_eq!(report.deregistered, [OLD, NEW]);
    assert_eq!(report.targets, [NEWER]);
    assert!(report.in_sync);
    assert_never_empty(&BTreeSet::from([OLD]), &fake.log());
}

#[tokio::test]
async fn a_discovery_failure_makes_no_call_to_the_group() {
    let fake = Fake::new([OLD]).answers([Err(no_such_name())]);
    let err = reconcile(&engine(&fake, cluster_writer()), &failover_event())
        .await
        .unwrap_err();

    assert_eq!(err.kind(), "name_does_not_resolve");
    assert!(err.is_retryable());
    assert_eq!(fake.log(), [Call::Failed(Box::new(Call::Discover))]);
    assert_eq!(fake.registered_now(), BTreeSet::from([OLD]));
}

#[tokio::test]
async fn a_failed_fresh_discovery_deregisters_nothing() {
    let fake = Fake::new([OLD]).answers([Ok(vec![NEW]), Err(no_such_name())]);
    let err = reconcile(&engine(&fake, cluster_writer()), &Trigger::schedule())
        .await
        .unwrap_err();

    assert_eq!(err.kind(), "name_does_not_resolve");
    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Register(vec![NEW]),
            Call::Failed(Box::new(Call::Discover)),
        ]
    );
    assert_eq!(fake.registered_now(), BTreeSet::from([OLD, NEW]));
}

#[tokio::test]
async fn an_empty_answer_changes_nothing_and_is_retryable() {
    let fake = Fake::new([OLD]).answers([Ok(Vec::new())]);
    let err = reconcile(&engine(&fake, cluster_writer()), &Trigger::schedule())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "no_addresses", "{err}");
    assert!(err.is_retryable());
    assert!(err.is_discovery_failure());
    assert_eq!(fake.log(), [Call::Discover]);
    assert_eq!(fake.registered_now(), BTreeSet::from([OLD]));

    // The same when the fresh answer is the empty one.
    let fake = Fake::new([OLD]).answers([Ok(vec![NEW]), Ok(Vec::new())]);
    let err = reconcile(&engine(&fake, cluster_writer()), &Trigger::schedule())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "no_addresses", "{err}");
    assert!(
        !fake
            .log()
            .iter()
            .any(|call| matches!(call, Call::Deregister(_)))
    );
    assert_eq!(fake.registered_now(), BTreeSet::from([OLD, NEW]));
}

#[tokio::test]
async fn a_failed_registration_deregisters_nothing() {
    let fake = Fake::new([OLD]).answers([Ok(vec![NEW])]);
    fake.fail_next(
        Op::Register,
        Error::InvalidTarget {
            arn: "arn".into(),
            message: "outside the VPC".into(),
        },
    );
    let err = reconcile(&engine(&fake, cluster_writer()), &Trigger::schedule())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_target");
    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Failed(Box::new(Call::Register(vec![NEW]))),
        ]
    );
    assert_eq!(fake.registered_now(), BTreeSet::from([OLD]));
}

#[tokio::test]
async fn a_concurrent_writer_that_removes_the_answer_is_undone_at_once() {
    let fake = Fake::new([OLD]).answers([Ok(vec![NEW])]);
    // Right after the engine deregisters OLD, someone else puts OLD back and removes NEW.
    fake.outside_write_after(Op::Deregister, [OLD]);
    let report = reconcile(&engine(&fake, cluster_writer()), &Trigger::schedule())
        .await
        .expect("reconcile");

    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Register(vec![NEW]),
            Call::Discover,
            Call::Registered,
            Call::Deregister(vec![OLD]),
            Call::OutsideWrite(vec![OLD]),
            Call::Registered,
            Call::Register(vec![NEW]),
            Call::Registered,
        ]
    );
    assert_eq!(report.targets, [OLD, NEW]);
    assert!(!report.in_sync);
    assert_eq!(report.convergence, None);
    assert_never_empty(&BTreeSet::from([OLD]), &fake.log());
}

/// The sync Lambda's engine: the side-by-side answer decides what is stale; four calls.
#[tokio::test]
async fn a_side_by_side_failover_registers_first_and_makes_four_calls() {
    let fake = Fake::new([OLD]).answers([Ok(vec![NEW])]);
    let engine = engine(&fake, cluster_writer()).with_recheck(Recheck::SideBySide);
    let report = reconcile(&engine, &failover_event())
        .await
        .expect("reconcile");

    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Register(vec![NEW]),
            Call::Deregister(vec![OLD]),
        ]
    );
    assert_eq!(report.registered, [NEW]);
    assert_eq!(report.deregistered, [OLD]);
    assert_eq!(report.targets, [NEW]);
    assert!(report.in_sync);
    assert!(report.convergence.is_some());
    assert_eq!(report.aws_calls, 4);
    assert_never_empty(&BTreeSet::from([OLD]), &fake.log());
}

/// After a DNS wait the first read of the group is old: a side-by-side engine checks again
/// before deregistering, as the default one does.
#[tokio::test]
async fn a_side_by_side_run_that_waited_for_dns_rechecks_before_deregistering() {
    let fake = Fake::new([OLD]).answers([Ok(vec![OLD]), Ok(vec![NEW])]);
    let engine = engine(&fake, DatabaseSelector::Instance("orders".into()))
        .with_recheck(Recheck::SideBySide);
    let report = reconcile(&engine, &failover_event())
        .await
        .expect("reconcile");

    assert_eq!(report.wait, WaitOutcome::Moved);
    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Refresh,
            Call::Register(vec![NEW]),
            Call::Discover,
            Call::Registered,
            Call::Deregister(vec![OLD]),
            Call::Registered,
        ]
    );
    assert_eq!(report.targets, [NEW]);
}

#[tokio::test]
async fn a_side_by_side_run_with_a_failed_discovery_touches_nothing() {
    let fake = Fake::new([OLD]).answers([Err(no_such_name())]);
    let engine = engine(&fake, cluster_writer()).with_recheck(Recheck::SideBySide);
    reconcile(&engine, &failover_event()).await.unwrap_err();
    assert_eq!(fake.log(), [Call::Failed(Box::new(Call::Discover))]);
    assert_eq!(fake.registered_now(), BTreeSet::from([OLD]));
}

#[tokio::test]
async fn a_run_in_sync_only_reads() {
    let fake = Fake::new([OLD]).answers([Ok(vec![OLD])]);
    let report = reconcile(&engine(&fake, cluster_writer()), &Trigger::schedule())
        .await
        .expect("reconcile");
    assert_eq!(fake.log(), [Call::Discover, Call::Registered]);
    assert!(report.is_noop() && report.in_sync);
    assert_eq!(report.aws_calls, 2);
}

#[tokio::test]
async fn waiting_for_dns_polls_addresses_without_touching_the_group() {
    let fake = Fake::new([OLD]).answers([Ok(vec![OLD]), Ok(vec![OLD]), Ok(vec![NEW])]);
    let selector = DatabaseSelector::Instance("orders".into());
    let report = reconcile(&engine(&fake, selector), &failover_event())
        .await
        .expect("reconcile");

    assert_eq!(report.wait, WaitOutcome::Moved);
    assert_eq!(
        fake.log(),
        [
            Call::Discover,
            Call::Registered,
            Call::Refresh,
            Call::Refresh,
            Call::Register(vec![NEW]),
            Call::Discover,
            Call::Registered,
            Call::Deregister(vec![OLD]),
            Call::Registered,
        ]
    );
}

/// Addresses from a small pool, so scripted answers overlap the registered set often.
fn addresses(size: std::ops::Range<usize>) -> impl Strategy<Value = BTreeSet<Ipv4Addr>> {
    btree_set((1u8..6).prop_map(|n| Ipv4Addr::new(10, 0, 0, n)), size)
}

/// Mostly answers with addresses; sometimes none (which the engine must refuse) or a failure.
fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        6 => addresses(1..4).prop_map(|set| Ok(set.into_iter().collect())),
        1 => Just(Ok(Vec::new())),
        1 => Just(Err(no_such_name())),
    ]
}

proptest! {
    /// Whatever discovery answers, in whatever order, with either recheck: the group is never
    /// empty once it holds an address, nothing is deregistered before a fresh discovery, nothing
    /// of the latest answer is ever deregistered, and the reported targets are the group's.
    #[test]
    fn every_run_keeps_the_invariants(
        initial in addresses(0..4),
        script in vec(answer(), 1..4),
        failover in any::<bool>(),
        side_by_side in any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let fake = Fake::new(initial.clone()).answers(script.clone());
        let selector = if failover {
            DatabaseSelector::Endpoint("orders.example".into())
        } else {
            cluster_writer()
        };
        let trigger = if failover { failover_event() } else { Trigger::schedule() };
        // A failover run whose answer does not move waits for DNS: keep that wait short.
        let recheck = if side_by_side { Recheck::SideBySide } else { Recheck::Reread };
        let engine = engine(&fake, selector)
            .with_dns_wait(Duration::from_millis(10))
            .with_recheck(recheck);
        let result = runtime.block_on(reconcile(&engine, &trigger));
        let log = fake.log();

        assert_never_empty(&initial, &log);

        // Replays the script alongside the log: which answer each discovery got.
        let mut answers = script.iter();
        let mut latest: Option<&Answer> = None;
        let mut discoveries = 0;
        let mut waited = false;
        for call in &log {
            match call {
                Call::Discover | Call::Refresh => {
                    latest = answers.next().or(latest);
                    if *call == Call::Discover {
                        discoveries += 1;
                    } else {
                        waited = true;
                    }
                }
                Call::Failed(failed) if matches!(**failed, Call::Discover | Call::Refresh) => {
                    latest = answers.next().or(latest);
                }
                Call::Deregister(ips) => {
                    // Side by side, the run's first discovery is fresh unless it waited for DNS.
                    let fresh = if side_by_side && !waited { 1 } else { 2 };
                    prop_assert!(
                        discoveries >= fresh,
                        "deregistered before a fresh discovery: {log:?}"
                    );
                    let Some(Ok(answer)) = latest else {
                        panic!("deregistered without an answer: {log:?}");
                    };
                    prop_assert!(!answer.is_empty(), "deregistered against no address: {log:?}");
                    prop_assert!(
                        ips.iter().all(|ip| !answer.contains(ip)),
                        "deregistered part of the latest answer {answer:?}: {log:?}"
                    );
                }
                _ => {}
            }
        }
        if let Ok(report) = result {
            prop_assert!(!report.targets.is_empty(), "{report:?}");
            prop_assert_eq!(report.targets, fake.registered_now().into_iter().collect::<Vec<_>>());
        } else {
            // A run stops at its failure: a failed discovery, or one the engine refused (empty).
            prop_assert!(
                matches!(log.last(), Some(Call::Failed(_) | Call::Discover)),
                "{log:?}"
            );
        }
    }
}
