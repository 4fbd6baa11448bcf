//! Making a target group hold a set of addresses, safely: the register-then-deregister algorithm
//! [`reconcile`](crate::reconcile()) runs after its discovery. The Lambda and the provider's
//! apply both change targets only through `reconcile`, so both change them in this order.
//!
//! 1. Read what is registered (the caller may have read it already) and [`plan`](crate::plan()) the changes.
//!    Nothing to change, or nothing desired, means no call at all.
//! 2. Register the new addresses.
//! 3. Only if something must be deregistered, one of two ways ([`Recheck`]):
//!    - [`Recheck::Reread`]: ask for a fresh answer (reconcile discovers again), read the group
//!      again, register whatever of the fresh answer is missing, and deregister everything
//!      outside the fresh answer. Then read the group back: if none of the answer is registered
//!      (a writer outside the engine deregistered it meanwhile), register the answer again at once.
//!    - [`Recheck::SideBySide`]: the answer and the read of step 1 were made side by side just
//!      before step 2, so the answer is as fresh when step 3 sends its deregistration as a
//!      re-discovery made after step 2 would be (one AWS round trip old either way): deregister
//!      everything outside it. The group afterwards is that read plus the changes AWS
//!      acknowledged; no read-back.
//!
//!    Either way the answer deregistered against is entirely registered first, so the group is
//!    never empty.

use std::collections::BTreeSet;
use std::future::Future;
use std::net::Ipv4Addr;

use tracing::{info, warn};

use crate::{AwsCalls, Error, Targets, plan};

/// What a convergence saw and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Convergence {
    /// The addresses converged onto: the fresh answer when one was asked for, else the desired
    /// set given.
    pub desired: BTreeSet<Ipv4Addr>,
    /// The registered addresses before any change.
    pub registered_before: BTreeSet<Ipv4Addr>,
    /// The addresses this convergence registered.
    pub registered: BTreeSet<Ipv4Addr>,
    /// The addresses this convergence deregistered, sorted.
    pub deregistered: Vec<Ipv4Addr>,
    /// The registered addresses afterwards: read back after changes ([`Recheck::Reread`]),
    /// `registered_before` with the acknowledged changes ([`Recheck::SideBySide`]), or
    /// `registered_before` when nothing changed.
    pub targets: BTreeSet<Ipv4Addr>,
}

/// What a convergence checks again before it deregisters, and how it learns what the group holds
/// afterwards. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recheck {
    /// Before deregistering, ask for a fresh answer and read the group again; afterwards, read
    /// the group back (and restore the answer if a writer outside the engine removed it). Three
    /// more AWS calls per change than [`Recheck::SideBySide`].
    #[default]
    Reread,
    /// Deregister against the answer and the group read made side by side right before the
    /// registration; report the group as that read plus the acknowledged changes. Only for an
    /// answer and a read made together, with nothing between them and the registration (no DNS
    /// wait): `reconcile` falls back to [`Recheck::Reread`] otherwise.
    SideBySide,
}

impl Convergence {
    /// Nothing was registered or deregistered.
    pub fn is_noop(&self) -> bool {
        self.registered.is_empty() && self.deregistered.is_empty()
    }

    /// The group holds exactly the addresses converged onto.
    pub fn in_sync(&self) -> bool {
        self.targets == self.desired
    }
}

/// The algorithm of the module documentation, from an already read `registered_before`.
/// `fresh_answer` is `Some` for [`Recheck::Reread`] and asked only when something is to be
/// deregistered; deregistration is decided against its answer, which must not be empty (fail
/// instead). `None` is [`Recheck::SideBySide`]: `desired` and `registered_before` were observed
/// side by side just now.
pub(crate) async fn converge_from<T, F, Fut>(
    targets: &T,
    desired: &BTreeSet<Ipv4Addr>,
    registered_before: BTreeSet<Ipv4Addr>,
    fresh_answer: Option<F>,
    calls: &AwsCalls,
) -> Result<Convergence, Error>
where
    T: Targets,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<BTreeSet<Ipv4Addr>, Error>>,
{
    let changes = plan(desired, &registered_before);
    if changes.is_noop() {
        info!(targets = ?registered_before, "in sync; nothing to change");
        return Ok(Convergence {
            desired: desired.clone(),
            targets: registered_before.clone(),
            registered_before,
            registered: BTreeSet::new(),
            deregistered: Vec::new(),
        });
    }

    // New addresses first.
    targets.register(&changes.register, calls).await?;
    let mut registered: BTreeSet<Ipv4Addr> = changes.register.iter().copied().collect();
    if !registered.is_empty() {
        info!(registered = ?changes.register, "registered new targets");
    }

    let Some(fresh_answer) = fresh_answer else {
        // Side by side: `desired` is entirely registered now, and `plan` deregisters nothing
        // for an empty answer, so this never empties the group.
        targets.deregister(&changes.deregister, calls).await?;
        if !changes.deregister.is_empty() {
            info!(deregistered = ?changes.deregister, "deregistered stale targets");
        }
        let mut now = registered_before.clone();
        now.extend(registered.iter().copied());
        for stale in &changes.deregister {
            now.remove(stale);
        }
        return Ok(Convergence {
            desired: desired.clone(),
            registered_before,
            registered,
            deregistered: changes.deregister,
            targets: now,
        });
    };

    let mut answer = desired.clone();
    let mut deregistered = Vec::new();
    if !changes.deregister.is_empty() {
        // Decide what is stale against a fresh answer and a fresh read.
        let fresh = fresh_answer().await?;
        if fresh != answer {
            info!(
                first = ?answer,
                fresh = ?fresh,
                "the answer changed during the run; following the fresh one"
            );
        }
        let current = targets.registered(calls).await?;
        let missing: Vec<Ipv4Addr> = fresh.difference(&current).copied().collect();
        targets.register(&missing, calls).await?;
        if !missing.is_empty() {
            info!(registered = ?missing, "registered targets of the fresh answer");
        }
        registered.extend(missing.iter().copied());

        let mut kept = current;
        kept.extend(missing);
        // `fresh` is now entirely registered, so deregistering everything outside it leaves
        // the fresh answer in the group (and `plan` deregisters nothing for an empty answer).
        let stale = plan(&fresh, &kept).deregister;
        targets.deregister(&stale, calls).await?;
        if !stale.is_empty() {
            info!(deregistered = ?stale, "deregistered stale targets");
        }
        deregistered = stale;
        answer = fresh;
    }

    // Report what the group holds now.
    let mut now = targets.registered(calls).await?;
    if !answer.is_empty() && now.is_disjoint(&answer) {
        // Only a writer outside this engine can cause this. Restore at once.
        let restore: Vec<Ipv4Addr> = answer.iter().copied().collect();
        warn!(
            targets = ?now,
            desired = ?restore,
            "none of the desired targets is registered after deregistering (concurrent \
             writer?); registering them again"
        );
        targets.register(&restore, calls).await?;
        registered.extend(restore);
        now = targets.registered(calls).await?;
    }
    if now != answer {
        warn!(
            targets = ?now,
            desired = ?answer,
            "targets differ from the answer after the changes (concurrent change?); the next \
             run converges them"
        );
    }
    Ok(Convergence {
        desired: answer,
        registered_before,
        registered,
        deregistered,
        targets: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Fake, Op, replay};

    /// Makes `desired` the registered addresses of `targets`: registers the new ones, re-reads the
    /// group, then deregisters the stale ones and reads the group back. An empty `desired` changes
    /// nothing (the group is never emptied). The algorithm with a fixed answer, for these tests.
    async fn converge_to<T: Targets>(
        targets: &T,
        desired: &BTreeSet<Ipv4Addr>,
        calls: &AwsCalls,
    ) -> Result<Convergence, Error> {
        let registered_before = targets.registered(calls).await?;
        converge_from(
            targets,
            desired,
            registered_before,
            Some(|| async { Ok(desired.clone()) }),
            calls,
        )
        .await
    }

    /// [`converge_to`] with [`Recheck::SideBySide`]: `desired` counts as observed together with
    /// the read of the group.
    async fn converge_side_by_side<T: Targets>(
        targets: &T,
        desired: &BTreeSet<Ipv4Addr>,
        calls: &AwsCalls,
    ) -> Result<Convergence, Error> {
        let registered_before = targets.registered(calls).await?;
        type Fresh = std::future::Ready<Result<BTreeSet<Ipv4Addr>, Error>>;
        converge_from(
            targets,
            desired,
            registered_before,
            None::<fn() -> Fresh>,
            calls,
        )
        .await
    }

    const OLD: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const NEW: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);

    /// The provider's apply-time re-sync: no discovery; the planned set is the answer.
    #[tokio::test]
    async fn converge_to_registers_rereads_then_deregisters() {
        let fake = Fake::new([OLD]);
        let calls = AwsCalls::default();
        let outcome = converge_to(&fake, &BTreeSet::from([NEW]), &calls)
            .await
            .expect("converge");

        let log = fake.log();
        assert_eq!(
            log,
            [
                Call::Registered,
                Call::Register(vec![NEW]),
                Call::Registered,
                Call::Deregister(vec![OLD]),
                Call::Registered,
            ]
        );
        assert_eq!(outcome.targets, BTreeSet::from([NEW]));
        assert_eq!(outcome.registered, BTreeSet::from([NEW]));
        assert_eq!(outcome.deregistered, [OLD]);
        assert!(outcome.in_sync());
        assert_eq!(calls.get(), 5);
        assert!(
            replay(&BTreeSet::from([OLD]), &log)
                .iter()
                .all(|state| !state.is_empty())
        );
    }

    #[tokio::test]
    async fn converge_to_nothing_or_to_what_is_there_only_reads() {
        for desired in [BTreeSet::new(), BTreeSet::from([OLD])] {
            let fake = Fake::new([OLD]);
            let outcome = converge_to(&fake, &desired, &AwsCalls::default())
                .await
                .expect("converge");
            assert_eq!(fake.log(), [Call::Registered], "{desired:?}");
            assert!(outcome.is_noop());
            assert_eq!(outcome.targets, BTreeSet::from([OLD]));
        }
    }

    #[tokio::test]
    async fn converge_to_adds_without_deregistering_when_nothing_is_stale() {
        let fake = Fake::new([OLD]);
        converge_to(&fake, &BTreeSet::from([OLD, NEW]), &AwsCalls::default())
            .await
            .expect("converge");
        assert_eq!(
            fake.log(),
            [
                Call::Registered,
                Call::Register(vec![NEW]),
                Call::Registered
            ]
        );
    }

    #[tokio::test]
    async fn a_failed_registration_stops_before_any_deregistration() {
        let fake = Fake::new([OLD]);
        fake.fail_next(
            Op::Register,
            Error::InvalidTarget {
                arn: "arn".into(),
                message: "outside the VPC".into(),
            },
        );
        let err = converge_to(&fake, &BTreeSet::from([NEW]), &AwsCalls::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "invalid_target");
        assert_eq!(
            fake.log(),
            [
                Call::Registered,
                Call::Failed(Box::new(Call::Register(vec![NEW]))),
            ]
        );
        assert_eq!(fake.registered_now(), BTreeSet::from([OLD]));
    }

    /// Side by side: register, then deregister against the same observation; the group
    /// afterwards is known from the acknowledged calls, not read back.
    #[tokio::test]
    async fn side_by_side_registers_then_deregisters_without_rereading() {
        let fake = Fake::new([OLD]);
        let calls = AwsCalls::default();
        let outcome = converge_side_by_side(&fake, &BTreeSet::from([NEW]), &calls)
            .await
            .expect("converge");

        let log = fake.log();
        assert_eq!(
            log,
            [
                Call::Registered,
                Call::Register(vec![NEW]),
                Call::Deregister(vec![OLD]),
            ]
        );
        assert_eq!(calls.get(), 3);
        assert_eq!(outcome.targets, BTreeSet::from([NEW]));
        assert_eq!(outcome.targets, fake.registered_now());
        assert_eq!(outcome.registered, BTreeSet::from([NEW]));
        assert_eq!(outcome.deregistered, [OLD]);
        assert!(outcome.in_sync());
        assert!(
            replay(&BTreeSet::from([OLD]), &log)
                .iter()
                .all(|state| !state.is_empty())
        );
    }

    #[tokio::test]
    async fn side_by_side_adds_keeps_and_empties_nothing() {
        // Nothing stale: no deregistration call at all.
        let fake = Fake::new([OLD]);
        let outcome =
            converge_side_by_side(&fake, &BTreeSet::from([OLD, NEW]), &AwsCalls::default())
                .await
                .expect("converge");
        assert_eq!(fake.log(), [Call::Registered, Call::Register(vec![NEW])]);
        assert_eq!(outcome.targets, BTreeSet::from([OLD, NEW]));

        // No answer: no change, whatever is registered.
        for desired in [BTreeSet::new(), BTreeSet::from([OLD])] {
            let fake = Fake::new([OLD]);
            let outcome = converge_side_by_side(&fake, &desired, &AwsCalls::default())
                .await
                .expect("converge");
            assert_eq!(fake.log(), [Call::Registered], "{desired:?}");
            assert!(outcome.is_noop());
        }
    }

    #[tokio::test]
    async fn side_by_side_a_failed_registration_stops_before_any_deregistration() {
        let fake = Fake::new([OLD]);
        fake.fail_next(
            Op::Register,
            Error::InvalidTarget {
                arn: "arn".into(),
                message: "outside the VPC".into(),
            },
        );
        converge_side_by_side(&fake, &BTreeSet::from([NEW]), &AwsCalls::default())
            .await
            .unwrap_err();
        assert_eq!(
            fake.log(),
            [
                Call::Registered,
                Call::Failed(Box::new(Call::Register(vec![NEW]))),
            ]
        );
        assert_eq!(fake.registered_now(), BTreeSet::from([OLD]));
    }
}
