//! The target group's targets, changed only by the sync engine's [`reconcile`]: the provider's
//! apply and the Lambda run one writer algorithm (fresh discovery, register first, deregister
//! only against a fresh discovery, never empty), under the engine's lock. The apply uses the
//! engine's default recheck (`Recheck::Reread`: discover and read the group again before
//! deregistering, read it back at the end), as its state records what the group holds.

use std::time::Duration;

use rdslink_engine::{
    DatabaseSelector, Discover, Discoverer, Engine, Report, TargetGroup, Targets, Trigger,
    reconcile,
};

use super::AwsClients;
use super::error::Result;
use super::spec::BundleSpec;
use super::target_group::{create_target_group, update_target_group_attributes};

/// Converges the target group `target_group_arn` (targets on `port`) onto where `selector` is
/// *now*. An apply is not a failover event: it never waits for DNS to move (the next refresh,
/// or the Lambda's scheduled run, catches a late record).
pub async fn reconcile_targets(
    clients: &AwsClients,
    discoverer: Discoverer,
    selector: DatabaseSelector,
    target_group_arn: &str,
    port: u16,
) -> Result<Report> {
    let group = TargetGroup::new(clients.elbv2.clone(), target_group_arn, port);
    let engine = Engine::new(discoverer, selector, group).with_dns_wait(Duration::ZERO);
    reconcile_targets_with(&engine).await
}

/// [`reconcile_targets`] through any engine (the real seams, or the engine's recording fake).
pub async fn reconcile_targets_with<D: Discover, T: Targets>(
    engine: &Engine<D, T>,
) -> Result<Report> {
    Ok(reconcile(engine, &Trigger::manual()).await?)
}

/// A new, empty target group for `spec` (its attributes set), for a bundle whose target group was
/// deleted outside Terraform. The caller fills it before any listener forwards to it, so no
/// consumer connection ever reaches an empty group.
pub async fn recreate_target_group(clients: &AwsClients, spec: &BundleSpec) -> Result<String> {
    let arn = create_target_group(clients, spec).await?;
    update_target_group_attributes(
        clients,
        &arn,
        spec.deregistration_delay_seconds,
        spec.terminate_connections_on_deregistration,
    )
    .await?;
    Ok(arn)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::net::Ipv4Addr;

    use super::*;
    use rdslink_engine::ClusterRole;
    use rdslink_engine::testing::{Call, Fake, Op, replay};

    const OLD: Ipv4Addr = Ipv4Addr::new(172, 31, 1, 10);
    const NEW: Ipv4Addr = Ipv4Addr::new(172, 31, 2, 10);

    fn engine(fake: &Fake) -> Engine<Fake, Fake> {
        let selector = DatabaseSelector::Cluster {
            identifier: "orders".into(),
            role: ClusterRole::Writer,
        };
        Engine::new(fake.clone(), selector, fake.clone()).with_dns_wait(Duration::ZERO)
    }

    /// The apply's order (the engine's `Recheck::Reread`): discover, register the new address,
    /// discover again and read the group again, and only then deregister the old one.
    #[tokio::test]
    async fn an_apply_registers_first_and_deregisters_against_a_fresh_discovery() {
        let fake = Fake::new([OLD]).answers([Ok(vec![NEW])]);
        let report = reconcile_targets_with(&engine(&fake)).await.expect("sync");
        assert_eq!(report.targets, [NEW]);
        let log = fake.log();
        assert_eq!(
            log,
            [
                Call::Discover,
                Call::Registered,
                Call::Register(vec![NEW]),
                Call::Discover,
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

    /// A recreated, empty group is filled from a fresh discovery: never left empty.
    #[tokio::test]
    async fn an_empty_group_is_filled_with_the_database_now() {
        let fake = Fake::new([]).answers([Ok(vec![NEW])]);
        let report = reconcile_targets_with(&engine(&fake)).await.expect("sync");
        assert_eq!(report.targets, [NEW]);
        assert_eq!(report.registered, [NEW]);
    }

    #[tokio::test]
    async fn no_answer_changes_nothing_and_fails() {
        let fake = Fake::new([OLD]).answers([Ok(Vec::new())]);
        reconcile_targets_with(&engine(&fake))
            .await
            .expect_err("no address");
        assert!(!fake.log().iter().any(Call::is_mutation));
    }

    #[tokio::test]
    async fn a_missing_target_group_is_not_found_and_changes_nothing() {
        let fake = Fake::new([OLD]).answers([Ok(vec![NEW])]);
        fake.fail_next(
            Op::Registered,
            rdslink_engine::Error::TargetGroupNotFound { arn: "arn".into() },
        );
        let err = reconcile_targets_with(&engine(&fake))
            .await
            .expect_err("no such group");
        assert!(err.is_not_found(), "{err:?}");
        assert!(!fake.log().iter().any(Call::is_mutation));
    }
}
