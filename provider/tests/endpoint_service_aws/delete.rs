//! Deleting a bundle, including parts already gone and parts never recorded.

use std::future::pending;
use std::net::Ipv4Addr;

use terraform_provider_rdslink::endpoint_service::aws::{self as es, PartialBundle};

use crate::{TIMEOUT, census, create, fixture, nothing, read, spec};

#[tokio::test]
async fn delete_removes_every_part_and_nothing_tagged_remains() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "doomed")).await;
    crate::targets::reconcile_onto(
        &fixture,
        &bundle.target_group_arn,
        &[Ipv4Addr::new(172, 31, 0, 10)],
    )
    .await
    .expect("register a target");

    es::delete(
        &fixture.clients,
        &PartialBundle::from(&bundle),
        Some("doomed"),
        TIMEOUT,
        pending(),
    )
    .await
    .expect("delete");

    assert!(read(&fixture, &bundle).await.is_gone());
    let leftovers = es::find_leftovers(&fixture.clients, "doomed")
        .await
        .expect("find leftovers");
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let swept = es::sweep(&fixture.clients, "doomed", TIMEOUT, pending())
        .await
        .expect("sweep");
    assert!(swept.is_empty(), "{swept:?}");
    assert_eq!(census(&fixture).await, nothing());
}

#[tokio::test]
async fn delete_tolerates_parts_already_gone_and_can_run_twice() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "halfgone")).await;
    // Out of band: the endpoint service and the listener are deleted by hand.
    fixture
        .clients
        .ec2
        .delete_vpc_endpoint_service_configurations()
        .service_ids(&bundle.service_id)
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations");
    fixture
        .clients
        .elbv2
        .delete_listener()
        .listener_arn(&bundle.listener_arn)
        .send()
        .await
        .expect("DeleteListener");

    let parts = PartialBundle::from(&bundle);
    es::delete(
        &fixture.clients,
        &parts,
        Some("halfgone"),
        TIMEOUT,
        pending(),
    )
    .await
    .expect("delete with parts gone");
    es::delete(
        &fixture.clients,
        &parts,
        Some("halfgone"),
        TIMEOUT,
        pending(),
    )
    .await
    .expect("delete again");
    assert_eq!(census(&fixture).await, nothing());
}

#[tokio::test]
async fn delete_also_removes_leftovers_that_were_never_recorded() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "unrecorded")).await;
    // Only the target group made it into the state; the rest was lost with a crash.
    let recorded = PartialBundle {
        target_group_arn: Some(bundle.target_group_arn.clone()),
        ..PartialBundle::default()
    };
    es::delete(
        &fixture.clients,
        &recorded,
        Some("unrecorded"),
        TIMEOUT,
        pending(),
    )
    .await
    .expect("delete");
    assert_eq!(census(&fixture).await, nothing());
}
