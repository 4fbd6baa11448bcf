//! Creating a bundle: every part as configured, adopting what an earlier run left, and a
//! name already taken.

use std::collections::BTreeMap;
use std::future::pending;
use std::net::Ipv4Addr;

use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, TargetDescription, TargetTypeEnum,
};
use terraform_provider_rdslink::endpoint_service::aws::{
    self as es, Error, OWNERSHIP_TAG, Part, PartialBundle,
};

use crate::{
    Census, TIMEOUT, census, create, elb_tag, fixture, nothing, one_of_each, read, security_group,
    spec,
};

#[tokio::test]
async fn create_builds_every_part_and_read_returns_each_as_configured() {
    let fixture = fixture().await;
    let mut spec = spec(&fixture, "orders");
    spec.security_group_ids = vec![security_group(&fixture, &fixture.vpc_id, "nlb").await];
    let bundle = create(&fixture, &spec).await;
    let observed = read(&fixture, &bundle).await;
    assert!(observed.is_complete(), "{observed:#?}");
    let expected_tags = BTreeMap::from([
        ("team".to_owned(), "data".to_owned()),
        ("env".to_owned(), "test".to_owned()),
        (OWNERSHIP_TAG.to_owned(), "orders".to_owned()),
    ]);

    let tg = observed.target_group.as_ref().expect("target group");
    assert_eq!(tg.arn, bundle.target_group_arn);
    assert_eq!(tg.name, "rdslink-orders");
    assert_eq!(
        (tg.protocol.as_str(), tg.target_type.as_str()),
        ("TCP", "ip")
    );
    assert_eq!(
        (tg.port, tg.vpc_id.as_str()),
        (5432, fixture.vpc_id.as_str())
    );
    assert_eq!(tg.health_check, spec.health_check);
    assert_eq!(tg.health_check_protocol, "TCP");
    assert_eq!(
        tg.health_check_timeout_seconds,
        spec.health_check.timeout_seconds()
    );
    assert_eq!(tg.deregistration_delay_seconds, 45);
    assert!(tg.terminate_connections);
    assert!(tg.registered_targets.is_empty());
    assert_eq!(tg.tags, expected_tags);

    let lb = observed.load_balancer.as_ref().expect("load balancer");
    assert_eq!(lb.arn, bundle.nlb_arn);
    assert_eq!(lb.name, "rdslink-orders");
    assert_eq!(
        (lb.load_balancer_type.as_str(), lb.scheme.as_str()),
        ("network", "internal")
    );
    assert_eq!(lb.state, "active");
    assert_eq!(lb.vpc_id, fixture.vpc_id);
    let mut subnets = fixture.subnet_ids.clone();
    subnets.sort();
    assert_eq!(lb.subnet_ids, subnets);
    assert_eq!(lb.security_group_ids, spec.security_group_ids);
    assert!(lb.cross_zone);
    assert_eq!(lb.availability_zones.len(), 2);
    assert_eq!(lb.availability_zones, bundle.availability_zones);
    assert_eq!(lb.dns_name, bundle.nlb_dns_name);
    assert_eq!(lb.tags, expected_tags);

    let listener = observed.listener.as_ref().expect("listener");
    assert_eq!(listener.arn, bundle.listener_arn);
    assert_eq!(listener.load_balancer_arn, bundle.nlb_arn);
    assert_eq!((listener.port, listener.protocol.as_str()), (5432, "TCP"));
    assert_eq!(
        listener.target_group_arn.as_deref(),
        Some(bundle.target_group_arn.as_str())
    );
    assert_eq!(listener.tags, expected_tags);

    let service = observed
        .endpoint_service
        .as_ref()
        .expect("endpoint service");
    assert_eq!(service.id, bundle.service_id);
    assert!(service.id.starts_with("vpce-svc-"));
    assert_eq!(service.name, bundle.service_name);
    assert!(
        service.state.eq_ignore_ascii_case("available"),
        "{}",
        service.state
    );
    assert_eq!(service.nlb_arns, vec![bundle.nlb_arn.clone()]);
    assert!(!service.acceptance_required);
    assert_eq!(
        service.allowed_principals,
        vec![
            "arn:aws:iam::111111111111:root".to_owned(),
            "arn:aws:iam::222222222222:root".to_owned()
        ]
    );
    assert_eq!(service.tags, expected_tags);

    assert_eq!(observed.owner_name(), Some("orders"));
    assert_eq!(census(&fixture).await, one_of_each());
}

#[tokio::test]
async fn creating_twice_with_one_name_is_refused_and_leaves_the_working_bundle_untouched() {
    let fixture = fixture().await;
    let spec = spec(&fixture, "twice");
    let first = create(&fixture, &spec).await;
    // Working, as the resource leaves it: its create registers the database's addresses last.
    fixture
        .clients
        .elbv2
        .register_targets()
        .target_group_arn(&first.target_group_arn)
        .targets(
            TargetDescription::builder()
                .id(Ipv4Addr::new(172, 31, 0, 10).to_string())
                .port(i32::from(spec.port))
                .build(),
        )
        .send()
        .await
        .expect("register a target");
    let before = read(&fixture, &first).await;

    // Another state with the same name: it records nothing, and must not take the bundle over.
    let mut progress = PartialBundle::default();
    let err = es::create(&fixture.clients, &spec, &mut progress, TIMEOUT, pending())
        .await
        .expect_err("a second create with the same name must be refused");
    assert!(
        matches!(&err, Error::BundleExists { service_id, .. } if *service_id == first.service_id),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&first.service_id) && text.contains("terraform import"),
        "{text}"
    );
    assert!(progress.is_empty(), "{progress:?}");
    assert_eq!(census(&fixture).await, one_of_each());
    assert_eq!(read(&fixture, &first).await, before);

    // Destroying that other state (nothing recorded, the same name) sweeps none of it either.
    es::delete(
        &fixture.clients,
        &PartialBundle::default(),
        Some("twice"),
        TIMEOUT,
        pending(),
    )
    .await
    .expect("delete");
    assert_eq!(census(&fixture).await, one_of_each());
    assert_eq!(read(&fixture, &first).await, before);
}

#[tokio::test]
async fn create_adopts_and_fixes_up_parts_left_by_a_crash_between_steps() {
    let fixture = fixture().await;
    let spec = spec(&fixture, "crashed");
    let ownership = elb_tag(OWNERSHIP_TAG, "crashed");
    // What a run that died after creating the load balancer leaves: both parts tagged (the create
    // calls tag them), the target group's attributes never set, nothing recorded anywhere.
    let leftover_tg = fixture
        .clients
        .elbv2
        .create_target_group()
        .name("rdslink-crashed")
        .protocol(ProtocolEnum::Tcp)
        .port(5432)
        .vpc_id(&fixture.vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .tags(ownership.clone())
        .send()
        .await
        .expect("CreateTargetGroup")
        .target_groups()[0]
        .target_group_arn()
        .expect("ARN")
        .to_owned();
    let leftover_lb = fixture
        .clients
        .elbv2
        .create_load_balancer()
        .name("rdslink-crashed")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(fixture.subnet_ids.clone()))
        .tags(ownership)
        .send()
        .await
        .expect("CreateLoadBalancer")
        .load_balancers()[0]
        .load_balancer_arn()
        .expect("ARN")
        .to_owned();

    let leftovers = es::find_leftovers(&fixture.clients, "crashed")
        .await
        .expect("find leftovers");
    assert_eq!(leftovers.target_groups, vec![leftover_tg.clone()]);
    assert_eq!(leftovers.load_balancers, vec![leftover_lb.clone()]);

    let bundle = create(&fixture, &spec).await;
    assert_eq!(bundle.target_group_arn, leftover_tg);
    assert_eq!(bundle.nlb_arn, leftover_lb);
    assert_eq!(census(&fixture).await, one_of_each());

    // Adoption brought the leftovers to the spec.
    let observed = read(&fixture, &bundle).await;
    let tg = observed.target_group.expect("target group");
    assert_eq!(tg.deregistration_delay_seconds, 45);
    assert!(tg.terminate_connections);
    assert_eq!(tg.health_check, spec.health_check);
    assert_eq!(tg.tags.get("team").map(String::as_str), Some("data"));
    let lb = observed.load_balancer.expect("load balancer");
    assert!(lb.cross_zone);
    assert_eq!(lb.tags, es::with_ownership(&spec.tags, "crashed"));
}

#[tokio::test]
async fn a_name_used_by_something_else_is_refused_before_anything_is_created() {
    let fixture = fixture().await;
    fixture
        .clients
        .elbv2
        .create_target_group()
        .name("rdslink-taken")
        .protocol(ProtocolEnum::Tcp)
        .port(5432)
        .vpc_id(&fixture.vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .expect("CreateTargetGroup");
    let mut progress = PartialBundle::default();
    let err = es::create(
        &fixture.clients,
        &spec(&fixture, "taken"),
        &mut progress,
        TIMEOUT,
        pending(),
    )
    .await
    .expect_err("the name is taken");
    assert!(
        matches!(&err, Error::NameTaken { part: Part::TargetGroup, aws_name, .. } if aws_name == "rdslink-taken"),
        "{err:?}"
    );
    assert!(progress.is_empty(), "{progress:?}");
    assert_eq!(
        census(&fixture).await,
        Census {
            target_groups: 1,
            ..nothing()
        }
    );
}
