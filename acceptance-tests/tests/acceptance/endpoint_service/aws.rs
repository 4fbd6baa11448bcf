//! What AWS holds, read straight through the SDK (never through the provider's own code), and
//! bundles built by hand.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::error::ProvideErrorMetadata as _;
use aws_sdk_ec2::types::ServiceConfiguration;
use aws_sdk_elasticloadbalancingv2::types::{Listener, LoadBalancer, TargetGroup};
use rdslink_testkit::Account;
use serde_json::Value;

use super::{OWNERSHIP_TAG, text};

pub type Tags = BTreeMap<String, String>;

/// The four parts of a bundle, each with its settings and tags, as AWS reports them.
#[derive(Debug)]
pub struct Parts {
    pub load_balancer: LoadBalancer,
    pub load_balancer_attributes: BTreeMap<String, String>,
    pub load_balancer_tags: Tags,
    pub target_group: TargetGroup,
    pub target_group_attributes: BTreeMap<String, String>,
    pub target_group_tags: Tags,
    /// (ip, port) of every registered target.
    pub targets: BTreeSet<(String, i32)>,
    pub listener: Listener,
    pub listener_tags: Tags,
    pub service: ServiceConfiguration,
    pub service_tags: Tags,
    pub principals: BTreeSet<String>,
}

impl Parts {
    /// Every part's tags, named.
    pub fn all_tags(&self) -> [(&'static str, &Tags); 4] {
        [
            ("load balancer", &self.load_balancer_tags),
            ("target group", &self.target_group_tags),
            ("listener", &self.listener_tags),
            ("endpoint service", &self.service_tags),
        ]
    }

    /// The target IPs, sorted.
    pub fn target_ips(&self) -> Vec<String> {
        self.targets.iter().map(|(ip, _)| ip.clone()).collect()
    }
}

/// Reads the parts a state names (`id`, `nlb_arn`, `target_group_arn`, `listener_arn`).
pub async fn parts(account: &Account, state: &Value) -> Parts {
    let elbv2 = account.elbv2();
    let lb_arn = text(state, "nlb_arn");
    let tg_arn = text(state, "target_group_arn");
    let listener_arn = text(state, "listener_arn");
    let service_id = text(state, "id");

    let load_balancer = elbv2
        .describe_load_balancers()
        .load_balancer_arns(lb_arn)
        .send()
        .await
        .expect("DescribeLoadBalancers")
        .load_balancers()
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no load balancer {lb_arn}"));
    let load_balancer_attributes = elbv2
        .describe_load_balancer_attributes()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .expect("DescribeLoadBalancerAttributes")
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?.to_owned(), a.value()?.to_owned())))
        .collect();
    let target_group = elbv2
        .describe_target_groups()
        .target_group_arns(tg_arn)
        .send()
        .await
        .expect("DescribeTargetGroups")
        .target_groups()
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no target group {tg_arn}"));
    let target_group_attributes = elbv2
        .describe_target_group_attributes()
        .target_group_arn(tg_arn)
        .send()
        .await
        .expect("DescribeTargetGroupAttributes")
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?.to_owned(), a.value()?.to_owned())))
        .collect();
    let listener = elbv2
        .describe_listeners()
        .listener_arns(listener_arn)
        .send()
        .await
        .expect("DescribeListeners")
        .listeners()
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no listener {listener_arn}"));
    let service = service(account, service_id)
        .await
        .unwrap_or_else(|| panic!("no endpoint service {service_id}"));
    let service_tags = ec2_tags(service.tags());
    Parts {
        load_balancer,
        load_balancer_attributes,
        load_balancer_tags: elb_tags(account, lb_arn).await,
        target_group,
        target_group_attributes,
        target_group_tags: elb_tags(account, tg_arn).await,
        targets: targets(account, tg_arn).await,
        listener,
        listener_tags: elb_tags(account, listener_arn).await,
        service,
        service_tags,
        principals: principals(account, service_id).await,
    }
}

/// The endpoint service, unless it does not exist or is being deleted.
pub async fn service(account: &Account, service_id: &str) -> Option<ServiceConfiguration> {
    let answer = account
        .ec2()
        .describe_vpc_endpoint_service_configurations()
        .service_ids(service_id)
        .send()
        .await;
    match answer {
        Ok(output) => output
            .service_configurations()
            .iter()
            .find(|s| s.service_id() == Some(service_id) && !is_deleted(s))
            .cloned(),
        Err(err)
            if err
                .code()
                .is_some_and(|code| code.starts_with("InvalidVpcEndpointServiceId")) =>
        {
            None
        }
        Err(err) => panic!("DescribeVpcEndpointServiceConfigurations: {err:?}"),
    }
}

fn is_deleted(service: &ServiceConfiguration) -> bool {
    let state = service
        .service_state()
        .map(|s| s.as_str().to_ascii_lowercase())
        .unwrap_or_default();
    state == "deleted" || state == "deleting"
}

/// (ip, port) of every target registered in the group.
pub async fn targets(account: &Account, target_group_arn: &str) -> BTreeSet<(String, i32)> {
    account
        .elbv2()
        .describe_target_health()
        .target_group_arn(target_group_arn)
        .send()
        .await
        .expect("DescribeTargetHealth")
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target())
        .map(|t| {
            (
                t.id().unwrap_or_default().to_owned(),
                t.port().unwrap_or_default(),
            )
        })
        .collect()
}

async fn principals(account: &Account, service_id: &str) -> BTreeSet<String> {
    account
        .ec2()
        .describe_vpc_endpoint_service_permissions()
        .service_id(service_id)
        .send()
        .await
        .expect("DescribeVpcEndpointServicePermissions")
        .allowed_principals()
        .iter()
        .filter_map(|p| p.principal().map(str::to_owned))
        .collect()
}

/// The tags of ELBv2 resources (load balancers, target groups, listeners), by ARN.
pub async fn elb_tags_of(account: &Account, arns: &[String]) -> BTreeMap<String, Tags> {
    let mut all = BTreeMap::new();
    // DescribeTags takes 20 resources at most.
    for batch in arns.chunks(20) {
        let output = account
            .elbv2()
            .describe_tags()
            .set_resource_arns(Some(batch.to_vec()))
            .send()
            .await
            .expect("DescribeTags");
        for description in output.tag_descriptions() {
            let tags = description
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_owned(),
                        t.value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect();
            all.insert(
                description.resource_arn().unwrap_or_default().to_owned(),
                tags,
            );
        }
    }
    all
}

pub async fn elb_tags(account: &Account, arn: &str) -> Tags {
    elb_tags_of(account, &[arn.to_owned()])
        .await
        .remove(arn)
        .unwrap_or_default()
}

fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// Every part in the account, whoever made it, with its tags.
#[derive(Debug, Default)]
pub struct Inventory {
    pub load_balancers: BTreeMap<String, Tags>,
    pub target_groups: BTreeMap<String, Tags>,
    pub listeners: BTreeMap<String, Tags>,
    pub endpoint_services: BTreeMap<String, Tags>,
}

impl Inventory {
    /// The parts carrying the ownership tag (for any name).
    pub fn owned(&self) -> Inventory {
        let keep = |parts: &BTreeMap<String, Tags>| {
            parts
                .iter()
                .filter(|(_, tags)| tags.contains_key(OWNERSHIP_TAG))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        Inventory {
            load_balancers: keep(&self.load_balancers),
            target_groups: keep(&self.target_groups),
            listeners: keep(&self.listeners),
            endpoint_services: keep(&self.endpoint_services),
        }
    }

    /// How many of each: (load balancers, target groups, listeners, endpoint services).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.load_balancers.len(),
            self.target_groups.len(),
            self.listeners.len(),
            self.endpoint_services.len(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.counts() == (0, 0, 0, 0)
    }
}

/// Fails unless nothing carrying the ownership tag is left in the account.
pub async fn assert_nothing_owned_left(account: &Account) {
    let owned = inventory(account).await.owned();
    assert!(
        owned.is_empty(),
        "parts with the ownership tag remain: {owned:#?}"
    );
    let sync = super::sync_aws::sync_inventory(account).await;
    assert!(sync.is_empty(), "sync parts remain: {sync:#?}");
}

/// Lists every load balancer, target group, listener and (live) endpoint service of the account,
/// with their tags.
pub async fn inventory(account: &Account) -> Inventory {
    let elbv2 = account.elbv2();
    let mut load_balancer_arns = Vec::new();
    let mut pages = elbv2.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.expect("DescribeLoadBalancers");
        load_balancer_arns.extend(
            page.load_balancers()
                .iter()
                .filter_map(|lb| lb.load_balancer_arn().map(str::to_owned)),
        );
    }
    let mut target_group_arns = Vec::new();
    let mut pages = elbv2.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.expect("DescribeTargetGroups");
        target_group_arns.extend(
            page.target_groups()
                .iter()
                .filter_map(|tg| tg.target_group_arn().map(str::to_owned)),
        );
    }
    let mut listener_arns = Vec::new();
    for lb in &load_balancer_arns {
        let output = elbv2
            .describe_listeners()
            .load_balancer_arn(lb)
            .send()
            .await
            .expect("DescribeListeners");
        listener_arns.extend(
            output
                .listeners()
                .iter()
                .filter_map(|l| l.listener_arn().map(str::to_owned)),
        );
    }
    let mut endpoint_services = BTreeMap::new();
    let mut pages = account
        .ec2()
        .describe_vpc_endpoint_service_configurations()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.expect("DescribeVpcEndpointServiceConfigurations");
        for service in page
            .service_configurations()
            .iter()
            .filter(|s| !is_deleted(s))
        {
            endpoint_services.insert(
                service.service_id().unwrap_or_default().to_owned(),
                ec2_tags(service.tags()),
            );
        }
    }
    Inventory {
        load_balancers: elb_tags_of(account, &load_balancer_arns).await,
        target_groups: elb_tags_of(account, &target_group_arns).await,
        listeners: elb_tags_of(account, &listener_arns).await,
        endpoint_services,
    }
}

pub use rdslink_testkit::seed::other_vpc;
