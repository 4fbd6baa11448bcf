//! Updates in place, read back from AWS.

use std::collections::BTreeMap;

use terraform_provider_rdslink::endpoint_service::aws::{
    self as es, Error, HealthCheck, PartialBundle,
};

use crate::{create, fixture, read, security_group, spec};

#[tokio::test]
async fn updates_in_place_are_read_back() {
    let fixture = fixture().await;
    let mut spec = spec(&fixture, "tweaked");
    spec.security_group_ids = vec![security_group(&fixture, &fixture.vpc_id, "first").await];
    let bundle = create(&fixture, &spec).await;
    let clients = &fixture.clients;
    let second_group = security_group(&fixture, &fixture.vpc_id, "second").await;

    es::update_principals(
        clients,
        &bundle.service_id,
        &["arn:aws:iam::333333333333:root".to_owned()],
        &["arn:aws:iam::111111111111:root".to_owned()],
    )
    .await
    .expect("update_principals");
    es::update_acceptance(clients, &bundle.service_id, true)
        .await
        .expect("update_acceptance");
    let new_tags = BTreeMap::from([
        ("team".to_owned(), "platform".to_owned()),
        ("owner".to_owned(), "alice".to_owned()),
    ]);
    es::update_tags(clients, &PartialBundle::from(&bundle), "tweaked", &new_tags)
        .await
        .expect("update_tags");
    let health_check = HealthCheck {
        interval_seconds: 30,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
    };
    es::update_health_check(clients, &bundle.target_group_arn, &health_check)
        .await
        .expect("update_health_check");
    es::update_target_group_attributes(clients, &bundle.target_group_arn, 0, false)
        .await
        .expect("update_target_group_attributes");
    es::update_cross_zone(clients, &bundle.nlb_arn, false)
        .await
        .expect("update_cross_zone");
    es::update_security_groups(
        clients,
        &bundle.nlb_arn,
        std::slice::from_ref(&second_group),
    )
    .await
    .expect("update_security_groups");

    let observed = read(&fixture, &bundle).await;
    let service = observed.endpoint_service.expect("service");
    assert_eq!(
        service.allowed_principals,
        vec![
            "arn:aws:iam::222222222222:root".to_owned(),
            "arn:aws:iam::333333333333:root".to_owned()
        ]
    );
    assert!(service.acceptance_required);
    let expected_tags = es::with_ownership(&new_tags, "tweaked");
    assert_eq!(service.tags, expected_tags);
    let tg = observed.target_group.expect("target group");
    assert_eq!(tg.tags, expected_tags);
    assert_eq!(tg.health_check, health_check);
    assert_eq!(tg.health_check_timeout_seconds, 10);
    assert_eq!(
        (tg.deregistration_delay_seconds, tg.terminate_connections),
        (0, false)
    );
    let lb = observed.load_balancer.expect("load balancer");
    assert_eq!(lb.tags, expected_tags);
    assert!(!lb.cross_zone);
    assert_eq!(lb.security_group_ids, vec![second_group]);
    assert_eq!(observed.listener.expect("listener").tags, expected_tags);

    // A Network Load Balancer created with security groups cannot drop all of them.
    let err = es::update_security_groups(clients, &bundle.nlb_arn, &[])
        .await
        .expect_err("dropping every security group");
    assert!(
        matches!(err, Error::SecurityGroupsNeedReplacement { .. }),
        "{err:?}"
    );
}
