//! The target group converges through the engine's `reconcile` (the Lambda's writer algorithm):
//! registering first, never emptying the group.

use std::net::Ipv4Addr;
use std::time::Duration;

use rdslink_engine::testing::Fake;
use rdslink_engine::{ClusterRole, DatabaseSelector, Engine, Report, TargetGroup};
use terraform_provider_rdslink::endpoint_service::aws as es;

use crate::{Fixture, create, fixture, read, spec};

/// Reconciles the target group `arn` (port 5432) onto a database whose discovery answers `ips`.
pub async fn reconcile_onto(fixture: &Fixture, arn: &str, ips: &[Ipv4Addr]) -> es::Result<Report> {
    let database = Fake::new([]).answers([Ok(ips.to_vec())]);
    let selector = DatabaseSelector::Cluster {
        identifier: "orders".into(),
        role: ClusterRole::Writer,
    };
    let group = TargetGroup::new(fixture.clients.elbv2.clone(), arn, 5432);
    let engine = Engine::new(database, selector, group).with_dns_wait(Duration::ZERO);
    es::reconcile_targets_with(&engine).await
}

#[tokio::test]
async fn reconcile_converges_registering_first_and_never_empties_the_group() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "targets")).await;
    let (a, b, c) = (
        Ipv4Addr::new(172, 31, 1, 10),
        Ipv4Addr::new(172, 31, 2, 10),
        Ipv4Addr::new(172, 31, 3, 10),
    );
    let sync = async |ips: &[Ipv4Addr]| {
        reconcile_onto(&fixture, &bundle.target_group_arn, ips)
            .await
            .expect("reconcile")
            .targets
    };
    assert_eq!(sync(&[b, a]).await, vec![a, b]);
    assert_eq!(sync(&[c]).await, vec![c]);
    // No address is never a reason to empty the group: the run fails and changes nothing.
    let err = reconcile_onto(&fixture, &bundle.target_group_arn, &[])
        .await
        .expect_err("no address");
    assert!(!err.is_not_found(), "{err:?}");
    let observed = read(&fixture, &bundle).await;
    assert_eq!(
        observed
            .target_group
            .expect("target group")
            .registered_targets,
        vec![c]
    );

    let err = reconcile_onto(
        &fixture,
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/none/0",
        &[a],
    )
    .await
    .expect_err("no such target group");
    assert!(err.is_not_found(), "{err:?}");
}
