//! The AWS layer of `rdslink_endpoint_service` against the local AWS (moto): every test in a fresh
//! emulated account of its own. No Terraform here; the resource's glue has its own tests.

use std::collections::{BTreeMap, BTreeSet};
use std::future::pending;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::Filter;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, Tag,
    TargetTypeEnum,
};
use rdslink_testkit::{Account, fresh_account, seed};
use terraform_provider_rdslink::endpoint_service::aws::{
    self as es, AwsClients, Bundle, BundleSpec, Error, HealthCheck, OWNERSHIP_TAG, Observed, Part,
    PartialBundle,
};

/// Generous: moto answers in milliseconds; a slow CI machine should not fail a test.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A fresh account, its clients, and its default VPC with two subnets in distinct zones.
struct Fixture {
    account: Account,
    clients: AwsClients,
    vpc_id: String,
    subnet_ids: Vec<String>,
}

async fn fixture() -> Fixture {
    let account = fresh_account().await;
    let clients = AwsClients::new(&account.config);
    let vpcs = clients
        .ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .expect("DescribeVpcs");
    let vpc_id = vpcs.vpcs()[0].vpc_id().expect("default VPC id").to_owned();
    let subnets = clients
        .ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .expect("DescribeSubnets");
    let mut by_zone = BTreeMap::new();
    for subnet in subnets.subnets() {
        by_zone
            .entry(subnet.availability_zone().unwrap_or_default().to_owned())
            .or_insert_with(|| subnet.subnet_id().unwrap_or_default().to_owned());
    }
    let subnet_ids: Vec<String> = by_zone.into_values().take(2).collect();
    assert_eq!(
        subnet_ids.len(),
        2,
        "the default VPC should have subnets in two zones"
    );
    Fixture {
        account,
        clients,
        vpc_id,
        subnet_ids,
    }
}

fn spec(fixture: &Fixture, name: &str) -> BundleSpec {
    BundleSpec {
        name: name.to_owned(),
        vpc_id: fixture.vpc_id.clone(),
        subnet_ids: fixture.subnet_ids.clone(),
        security_group_ids: Vec::new(),
        port: 5432,
        cross_zone_load_balancing: true,
        health_check: HealthCheck {
            interval_seconds: 10,
            healthy_threshold: 2,
            unhealthy_threshold: 3,
        },
        deregistration_delay_seconds: 45,
        terminate_connections_on_deregistration: true,
        allowed_principals: vec![
            "arn:aws:iam::222222222222:root".to_owned(),
            "arn:aws:iam::111111111111:root".to_owned(),
        ],
        acceptance_required: false,
        tags: BTreeMap::from([
            ("team".to_owned(), "data".to_owned()),
            ("env".to_owned(), "test".to_owned()),
        ]),
    }
}

async fn create(fixture: &Fixture, spec: &BundleSpec) -> Bundle {
    let mut progress = PartialBundle::default();
    es::create(&fixture.clients, spec, &mut progress, TIMEOUT, pending())
        .await
        .unwrap_or_else(|err| panic!("create {}: {err}", spec.name))
}

async fn read(fixture: &Fixture, bundle: &Bundle) -> Observed {
    es::read(&fixture.clients, &PartialBundle::from(bundle))
        .await
        .expect("read")
}

async fn security_group(fixture: &Fixture, vpc_id: &str, name: &str) -> String {
    fixture
        .clients
        .ec2
        .create_security_group()
        .group_name(name)
        .description("rdslink test")
        .vpc_id(vpc_id)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .expect("group id")
        .to_owned()
}

/// How many of each part exist in the account (whoever made them).
#[derive(Debug, PartialEq, Eq)]
struct Census {
    target_groups: usize,
    load_balancers: usize,
    listeners: usize,
    endpoint_services: usize,
}

async fn census(fixture: &Fixture) -> Census {
    let elbv2 = &fixture.clients.elbv2;
    let target_groups = elbv2
        .describe_target_groups()
        .send()
        .await
        .expect("DescribeTargetGroups");
    let load_balancers = elbv2
        .describe_load_balancers()
        .send()
        .await
        .expect("DescribeLoadBalancers");
    let mut listeners = 0;
    for lb in load_balancers.load_balancers() {
        let arn = lb.load_balancer_arn().expect("load balancer ARN");
        listeners += es::listeners_of(&fixture.clients, arn)
            .await
            .expect("listeners")
            .len();
    }
    let services = fixture
        .clients
        .ec2
        .describe_vpc_endpoint_service_configurations()
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations");
    Census {
        target_groups: target_groups.target_groups().len(),
        load_balancers: load_balancers.load_balancers().len(),
        listeners,
        endpoint_services: services.service_configurations().len(),
    }
}

fn one_of_each() -> Census {
    Census {
        target_groups: 1,
        load_balancers: 1,
        listeners: 1,
        endpoint_services: 1,
    }
}

fn nothing() -> Census {
    Census {
        target_groups: 0,
        load_balancers: 0,
        listeners: 0,
        endpoint_services: 0,
    }
}

fn elb_tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

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
async fn creating_twice_with_one_name_adopts_the_first_bundle_instead_of_duplicating_it() {
    let fixture = fixture().await;
    let spec = spec(&fixture, "twice");
    let first = create(&fixture, &spec).await;
    // A crash after the last step, before Terraform saved the state: the next apply starts from
    // nothing recorded.
    let second = create(&fixture, &spec).await;
    assert_eq!(second, first);
    assert_eq!(census(&fixture).await, one_of_each());
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

#[tokio::test]
async fn delete_removes_every_part_and_nothing_tagged_remains() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "doomed")).await;
    es::sync_targets(
        &fixture.clients,
        &bundle.target_group_arn,
        5432,
        &BTreeSet::from([Ipv4Addr::new(172, 31, 0, 10)]),
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

/// Creating must fail with `expected` and leave the account as it was.
async fn assert_refused_before_creating(
    fixture: &Fixture,
    spec: &BundleSpec,
    expected: impl Fn(&Error) -> bool,
) {
    let before = census(fixture).await;
    let mut progress = PartialBundle::default();
    let err = es::create(&fixture.clients, spec, &mut progress, TIMEOUT, pending())
        .await
        .expect_err("the network is wrong");
    assert!(expected(&err), "unexpected error: {err:?}");
    assert!(progress.is_empty(), "{progress:?}");
    assert_eq!(census(fixture).await, before);
}

#[tokio::test]
async fn network_mistakes_are_refused_before_anything_is_created() {
    let fixture = fixture().await;
    let (other_vpc, foreign_subnet) = seed::other_vpc(&fixture.account).await;
    let foreign_group = security_group(&fixture, &other_vpc, "elsewhere").await;

    let mut bad = spec(&fixture, "badnet");
    bad.subnet_ids.push("subnet-0000000000000000f".into());
    assert_refused_before_creating(&fixture, &bad, |err| {
        matches!(err, Error::SubnetsNotFound { subnet_ids } if subnet_ids == &["subnet-0000000000000000f"])
    })
    .await;

    let mut bad = spec(&fixture, "badnet");
    bad.subnet_ids = vec![fixture.subnet_ids[0].clone(), foreign_subnet.clone()];
    assert_refused_before_creating(&fixture, &bad, |err| {
        matches!(err, Error::SubnetsOutsideVpc { subnets, .. } if subnets == &[(foreign_subnet.clone(), other_vpc.clone())])
    })
    .await;

    let mut bad = spec(&fixture, "badnet");
    bad.vpc_id = "vpc-0000000000000000f".into();
    assert_refused_before_creating(&fixture, &bad, |err| {
        matches!(err, Error::VpcNotFound { .. })
    })
    .await;

    let mut bad = spec(&fixture, "badnet");
    bad.security_group_ids = vec![foreign_group.clone()];
    assert_refused_before_creating(&fixture, &bad, |err| {
        matches!(err, Error::SecurityGroupsOutsideVpc { .. })
    })
    .await;

    let zone_of_first = fixture
        .clients
        .ec2
        .describe_subnets()
        .subnet_ids(&fixture.subnet_ids[0])
        .send()
        .await
        .expect("DescribeSubnets")
        .subnets()[0]
        .availability_zone()
        .expect("zone")
        .to_owned();
    let same_zone = fixture
        .clients
        .ec2
        .create_subnet()
        .vpc_id(&fixture.vpc_id)
        .cidr_block("172.31.200.0/24")
        .availability_zone(&zone_of_first)
        .send()
        .await
        .expect("CreateSubnet")
        .subnet()
        .and_then(|subnet| subnet.subnet_id())
        .expect("subnet id")
        .to_owned();
    let mut bad = spec(&fixture, "badnet");
    bad.subnet_ids.push(same_zone);
    assert_refused_before_creating(
        &fixture,
        &bad,
        |err| matches!(err, Error::SubnetsShareZone { zone, .. } if *zone == zone_of_first),
    )
    .await;

    let mut bad = spec(&fixture, "badnet");
    bad.health_check.interval_seconds = 3;
    assert_refused_before_creating(&fixture, &bad, |err| {
        matches!(err, Error::InvalidSpec { .. })
    })
    .await;
}

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

#[tokio::test]
async fn sync_targets_converges_registering_first_and_never_empties_the_group() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "targets")).await;
    let (a, b, c) = (
        Ipv4Addr::new(172, 31, 1, 10),
        Ipv4Addr::new(172, 31, 2, 10),
        Ipv4Addr::new(172, 31, 3, 10),
    );
    let sync = |desired: BTreeSet<Ipv4Addr>| {
        let clients = fixture.clients.clone();
        let arn = bundle.target_group_arn.clone();
        async move {
            es::sync_targets(&clients, &arn, 5432, &desired)
                .await
                .expect("sync_targets")
        }
    };
    assert_eq!(sync(BTreeSet::from([b, a])).await, vec![a, b]);
    assert_eq!(sync(BTreeSet::from([c])).await, vec![c]);
    // No address is never a reason to empty the group.
    assert_eq!(sync(BTreeSet::new()).await, vec![c]);
    let observed = read(&fixture, &bundle).await;
    assert_eq!(
        observed
            .target_group
            .expect("target group")
            .registered_targets,
        vec![c]
    );

    let err = es::sync_targets(
        &fixture.clients,
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/none/0",
        5432,
        &BTreeSet::from([a]),
    )
    .await
    .expect_err("no such target group");
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn waiting_for_an_active_load_balancer_returns_it() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "waited")).await;
    let lb = es::wait_load_balancer_active(&fixture.clients, &bundle.nlb_arn, TIMEOUT, pending())
        .await
        .expect("wait");
    assert_eq!(lb.load_balancer_arn(), Some(bundle.nlb_arn.as_str()));
    let (state, _) = es::load_balancer_status(&fixture.clients, &bundle.nlb_arn)
        .await
        .expect("status");
    assert_eq!(state.as_str(), "active");
}

/// Clients whose every call hangs: a TCP server that accepts connections and never answers.
async fn hanging_clients() -> (AwsClients, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(format!("http://{address}"))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "hanging-test",
        ))
        .load()
        .await;
    (AwsClients::new(&config), server)
}

const SOME_LB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/rdslink-x/0";

#[tokio::test]
async fn waiting_for_the_load_balancer_stops_promptly_when_cancelled_even_mid_call() {
    let (clients, server) = hanging_clients().await;
    let started = Instant::now();
    let cancel = tokio::time::sleep(Duration::from_millis(300));
    let err = es::wait_load_balancer_active(&clients, SOME_LB, Duration::from_secs(600), cancel)
        .await
        .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    server.abort();
}

#[tokio::test]
async fn waiting_for_the_load_balancer_gives_up_at_its_timeout() {
    let (clients, server) = hanging_clients().await;
    let started = Instant::now();
    let err =
        es::wait_load_balancer_active(&clients, SOME_LB, Duration::from_millis(500), pending())
            .await
            .expect_err("timed out");
    match &err {
        Error::Timeout { what, after, .. } => {
            assert!(what.contains(SOME_LB), "{what}");
            assert_eq!(*after, Duration::from_millis(500));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    server.abort();
}

#[tokio::test]
async fn a_create_cancelled_before_it_starts_creates_and_records_nothing() {
    let fixture = fixture().await;
    let mut progress = PartialBundle::default();
    let err = es::create(
        &fixture.clients,
        &spec(&fixture, "interrupted"),
        &mut progress,
        TIMEOUT,
        std::future::ready(()),
    )
    .await
    .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled { .. }), "{err:?}");
    assert!(progress.is_empty());
    assert_eq!(census(&fixture).await, nothing());
}
