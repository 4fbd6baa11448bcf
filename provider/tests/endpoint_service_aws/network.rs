//! A wrong network or spec is refused before anything is created.

use std::future::pending;

use rdslink_testkit::seed;
use terraform_provider_rdslink::endpoint_service::aws::{
    self as es, BundleSpec, Error, PartialBundle,
};

use crate::{Fixture, TIMEOUT, census, fixture, security_group, spec};

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
