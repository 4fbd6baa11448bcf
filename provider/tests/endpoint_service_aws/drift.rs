//! Parts deleted out of band: read as missing, then recreated and rewired.

use std::future::pending;

use terraform_provider_rdslink::endpoint_service::aws::{self as es, OWNERSHIP_TAG, PartialBundle};

use crate::{TIMEOUT, census, create, fixture, one_of_each, read, spec};

#[tokio::test]
async fn parts_deleted_out_of_band_read_as_none_and_are_recreated() {
    let fixture = fixture().await;
    let spec = spec(&fixture, "disappears");
    let bundle = create(&fixture, &spec).await;
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

    let observed = read(&fixture, &bundle).await;
    assert!(
        observed.listener.is_none() && observed.endpoint_service.is_none(),
        "{observed:#?}"
    );
    assert!(observed.target_group.is_some() && observed.load_balancer.is_some());

    let mut progress = PartialBundle::default();
    let restored = es::recreate_missing(
        &fixture.clients,
        &spec,
        &observed,
        &mut progress,
        TIMEOUT,
        pending(),
    )
    .await
    .expect("recreate_missing");
    assert_eq!(restored.target_group_arn, bundle.target_group_arn);
    assert_eq!(restored.nlb_arn, bundle.nlb_arn);
    assert_ne!(restored.listener_arn, bundle.listener_arn);
    assert_ne!(restored.service_id, bundle.service_id);
    assert_eq!(progress, PartialBundle::from(&restored));

    let observed = read(&fixture, &restored).await;
    assert!(observed.is_complete(), "{observed:#?}");
    let service = observed.endpoint_service.expect("service");
    assert_eq!(service.nlb_arns, vec![restored.nlb_arn.clone()]);
    assert_eq!(service.allowed_principals.len(), 2);
    assert_eq!(
        service.tags.get(OWNERSHIP_TAG).map(String::as_str),
        Some("disappears")
    );
    assert_eq!(
        observed
            .listener
            .expect("listener")
            .target_group_arn
            .as_deref(),
        Some(restored.target_group_arn.as_str())
    );
    assert_eq!(census(&fixture).await, one_of_each());
}

#[tokio::test]
async fn a_load_balancer_deleted_out_of_band_is_recreated_and_the_service_repointed() {
    // AWS refuses to delete a load balancer an endpoint service uses; the emulator allows it,
    // which lets this test reach the rewiring that a half-deleted bundle needs.
    let fixture = fixture().await;
    let spec = spec(&fixture, "nolb");
    let bundle = create(&fixture, &spec).await;
    fixture
        .clients
        .elbv2
        .delete_load_balancer()
        .load_balancer_arn(&bundle.nlb_arn)
        .send()
        .await
        .expect("DeleteLoadBalancer");

    let observed = read(&fixture, &bundle).await;
    assert!(
        observed.load_balancer.is_none() && observed.listener.is_none(),
        "{observed:#?}"
    );
    let mut progress = PartialBundle::default();
    let restored = es::recreate_missing(
        &fixture.clients,
        &spec,
        &observed,
        &mut progress,
        TIMEOUT,
        pending(),
    )
    .await
    .expect("recreate_missing");
    assert_ne!(restored.nlb_arn, bundle.nlb_arn);
    assert_eq!(restored.service_id, bundle.service_id);
    assert_eq!(restored.target_group_arn, bundle.target_group_arn);

    let observed = read(&fixture, &restored).await;
    assert!(observed.is_complete(), "{observed:#?}");
    assert_eq!(
        observed.endpoint_service.expect("service").nlb_arns,
        vec![restored.nlb_arn.clone()]
    );
    assert!(observed.load_balancer.expect("load balancer").cross_zone);
    assert_eq!(census(&fixture).await, one_of_each());
}
