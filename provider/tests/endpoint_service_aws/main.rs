//! The AWS layer of `rdslink_endpoint_service` against the local AWS (moto): every test in a fresh
//! emulated account of its own. No Terraform here; the resource's glue has its own tests.
//!
//! One test binary, a module per area; the fixture and the census of parts are here.

mod create;
mod delete;
mod drift;
mod import;
mod network;
mod targets;
mod update;
mod wait;

use std::collections::BTreeMap;
use std::future::pending;
use std::time::Duration;

use aws_sdk_ec2::types::Filter;
use aws_sdk_elasticloadbalancingv2::types::Tag;
use rdslink_testkit::{Account, fresh_account};
use terraform_provider_rdslink::endpoint_service::aws::{
    self as es, AwsClients, Bundle, BundleSpec, HealthCheck, Observed, PartialBundle,
};

/// Generous: moto answers in milliseconds; a slow CI machine should not fail a test.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// A fresh account, its clients, and its default VPC with two subnets in distinct zones.
pub struct Fixture {
    pub account: Account,
    pub clients: AwsClients,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
}

pub async fn fixture() -> Fixture {
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

pub fn spec(fixture: &Fixture, name: &str) -> BundleSpec {
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
        supported_regions: Vec::new(),
        tags: BTreeMap::from([
            ("team".to_owned(), "data".to_owned()),
            ("env".to_owned(), "test".to_owned()),
        ]),
    }
}

pub async fn create(fixture: &Fixture, spec: &BundleSpec) -> Bundle {
    let mut progress = PartialBundle::default();
    es::create(&fixture.clients, spec, &mut progress, TIMEOUT, pending())
        .await
        .unwrap_or_else(|err| panic!("create {}: {err}", spec.name))
}

pub async fn read(fixture: &Fixture, bundle: &Bundle) -> Observed {
    es::read(&fixture.clients, &PartialBundle::from(bundle))
        .await
        .expect("read")
}

pub async fn security_group(fixture: &Fixture, vpc_id: &str, name: &str) -> String {
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
pub struct Census {
    pub target_groups: usize,
    pub load_balancers: usize,
    pub listeners: usize,
    pub endpoint_services: usize,
}

pub async fn census(fixture: &Fixture) -> Census {
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

pub fn one_of_each() -> Census {
    Census {
        target_groups: 1,
        load_balancers: 1,
        listeners: 1,
        endpoint_services: 1,
    }
}

pub fn nothing() -> Census {
    Census {
        target_groups: 0,
        load_balancers: 0,
        listeners: 0,
        endpoint_services: 0,
    }
}

pub fn elb_tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}
