//! The target group's targets, converged by the sync engine's own algorithm
//! ([`rdslink_engine::converge_to`]): the provider's apply-time re-sync and the Lambda's reconcile
//! change targets in the same order, through the same code.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use rdslink_engine::{AwsCalls, TargetGroup, Targets, converge_to};

use super::AwsClients;
use super::error::Result;

/// Makes `desired` the registered targets on `port`: new addresses are registered first, the
/// group is read again, then stale ones are deregistered; an empty `desired` changes nothing (the
/// group is never emptied). Returns the registered targets afterwards, sorted.
pub async fn sync_targets(
    clients: &AwsClients,
    target_group_arn: &str,
    port: u16,
    desired: &BTreeSet<Ipv4Addr>,
) -> Result<Vec<Ipv4Addr>> {
    let group = TargetGroup::new(clients.elbv2.clone(), target_group_arn, port);
    sync_targets_with(&group, desired).await
}

/// [`sync_targets`] on any [`Targets`] (the ELBv2 target group, or the engine's recording fake).
pub async fn sync_targets_with(
    targets: &impl Targets,
    desired: &BTreeSet<Ipv4Addr>,
) -> Result<Vec<Ipv4Addr>> {
    let outcome = converge_to(targets, desired, &AwsCalls::default()).await?;
    Ok(outcome.targets.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdslink_engine::testing::{Call, Fake, Op, replay};

    const OLD: Ipv4Addr = Ipv4Addr::new(172, 31, 1, 10);
    const NEW: Ipv4Addr = Ipv4Addr::new(172, 31, 2, 10);

    /// The same order as the engine's reconcile, minus the discovery: the planned set is the
    /// answer.
    #[tokio::test]
    async fn a_re_sync_registers_first_and_deregisters_against_a_fresh_read() {
        let fake = Fake::new([OLD]);
        let targets = sync_targets_with(&fake, &BTreeSet::from([NEW]))
            .await
            .expect("sync");
        assert_eq!(targets, [NEW]);
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
        assert!(
            replay(&BTreeSet::from([OLD]), &log)
                .iter()
                .all(|state| !state.is_empty()),
            "{log:?}"
        );
    }

    #[tokio::test]
    async fn an_empty_plan_changes_nothing() {
        let fake = Fake::new([OLD]);
        let targets = sync_targets_with(&fake, &BTreeSet::new())
            .await
            .expect("sync");
        assert_eq!(targets, [OLD]);
        assert_eq!(fake.log(), [Call::Registered]);
    }

    #[tokio::test]
    async fn a_missing_target_group_is_not_found_and_changes_nothing() {
        let fake = Fake::new([OLD]);
        fake.fail_next(
            Op::Registered,
            rdslink_engine::Error::TargetGroupNotFound { arn: "arn".into() },
        );
        let err = sync_targets_with(&fake, &BTreeSet::from([NEW]))
            .await
            .expect_err("no such group");
        assert!(err.is_not_found(), "{err:?}");
        assert!(!fake.log().iter().any(Call::is_mutation));
    }
}
