//! Importing a bundle by its endpoint service ID, including one built by hand.

use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, ProtocolEnum};
use rdslink_testkit::seed;
use terraform_provider_rdslink::endpoint_service::aws::{self as es, Error, Part};

use crate::{fixture, read};

#[tokio::test]
async fn import_finds_a_bundle_built_by_hand_without_rdslink_tags() {
    let fixture = fixture().await;
    // As the AWS sample's CloudFormation stack builds it: no rdslink names, no rdslink tags.
    let built = seed::hand_built_bundle(
        &fixture.account,
        "sample-db",
        &fixture.vpc_id,
        &fixture.subnet_ids,
        3306,
    )
    .await;
    let (service_id, lb, listener, tg) = (
        built.service_id,
        built.load_balancer_arn,
        built.listener_arn,
        built.target_group_arn,
    );

    let bundle = es::find_bundle_by_service_id(&fixture.clients, &service_id)
        .await
        .expect("import");
    assert_eq!(
        (
            bundle.nlb_arn.as_str(),
            bundle.listener_arn.as_str(),
            bundle.target_group_arn.as_str()
        ),
        (lb.as_str(), listener.as_str(), tg.as_str())
    );
    assert!(
        bundle.service_name.ends_with(&service_id),
        "{}",
        bundle.service_name
    );
    assert_eq!(bundle.availability_zones.len(), 2);

    let observed = read(&fixture, &bundle).await;
    assert!(observed.is_complete());
    assert_eq!(observed.owner_name(), None);
    assert!(
        observed
            .endpoint_service
            .expect("service")
            .acceptance_required
    );
    assert_eq!(observed.listener.expect("listener").port, 3306);

    // A second TCP listener makes the bundle ambiguous: say so instead of guessing.
    fixture
        .clients
        .elbv2
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(3307)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tg)
                .build(),
        )
        .send()
        .await
        .expect("CreateListener");
    let err = es::find_bundle_by_service_id(&fixture.clients, &service_id)
        .await
        .expect_err("two TCP listeners");
    assert!(
        matches!(
            &err,
            Error::Miswired {
                part: Part::LoadBalancer,
                ..
            }
        ) && err.to_string().contains("2 TCP listeners"),
        "{err}"
    );

    let err = es::find_bundle_by_service_id(&fixture.clients, "vpce-svc-0123456789abcdef0")
        .await
        .expect_err("no such service");
    assert!(err.is_not_found(), "{err:?}");
}
