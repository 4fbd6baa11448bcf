//! Checks of the network a bundle goes into, made before anything is created: AWS would notice
//! some of these only at the load balancer (after the target group exists), and the emulator not
//! at all.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::Filter;

use super::AwsClients;
use super::error::{Error, Result, aws};

/// The network a bundle goes into: what [`validate_network`] checks.
#[derive(Debug, Clone, Copy)]
pub struct Network<'a> {
    pub vpc_id: &'a str,
    pub subnet_ids: &'a [String],
    pub security_group_ids: &'a [String],
}

/// The VPC exists; every subnet exists, is in the VPC and in a zone of its own; every security
/// group exists and is in the VPC. The three reads go side by side; their errors are reported in
/// that order (the VPC's first), whichever answer comes first.
pub async fn validate_network(clients: &AwsClients, network: Network<'_>) -> Result<()> {
    let (vpc, subnets, security_groups) = tokio::join!(
        validate_vpc(clients, network.vpc_id),
        validate_subnets(clients, network.vpc_id, network.subnet_ids),
        validate_security_groups(clients, network.vpc_id, network.security_group_ids),
    );
    vpc.and(subnets).and(security_groups)
}

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// Filters rather than ids: asking by id fails the whole call on the first unknown id, while a
/// filter returns what exists, so every missing id can be named at once.
async fn validate_vpc(clients: &AwsClients, vpc_id: &str) -> Result<()> {
    let output = clients
        .ec2
        .describe_vpcs()
        .filters(filter("vpc-id", &[vpc_id.to_owned()]))
        .send()
        .await
        .map_err(|err| aws("ec2:DescribeVpcs", &[], err))?;
    if output.vpcs().iter().any(|vpc| vpc.vpc_id() == Some(vpc_id)) {
        Ok(())
    } else {
        Err(Error::VpcNotFound {
            vpc_id: vpc_id.to_owned(),
        })
    }
}

async fn validate_subnets(clients: &AwsClients, vpc_id: &str, subnet_ids: &[String]) -> Result<()> {
    let mut found = BTreeMap::new();
    let mut pages = clients
        .ec2
        .describe_subnets()
        .filters(filter("subnet-id", subnet_ids))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| aws("ec2:DescribeSubnets", &[], err))?;
        for subnet in page.subnets() {
            if let Some(id) = subnet.subnet_id() {
                let vpc = subnet.vpc_id().unwrap_or_default().to_owned();
                let zone = subnet.availability_zone().unwrap_or_default().to_owned();
                found.insert(id.to_owned(), (vpc, zone));
            }
        }
    }

    let missing: Vec<String> = subnet_ids
        .iter()
        .filter(|id| !found.contains_key(*id))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Error::SubnetsNotFound {
            subnet_ids: missing,
        });
    }
    let outside: Vec<(String, String)> = subnet_ids
        .iter()
        .filter_map(|id| {
            let (vpc, _) = &found[id];
            (vpc != vpc_id).then(|| (id.clone(), vpc.clone()))
        })
        .collect();
    if !outside.is_empty() {
        return Err(Error::SubnetsOutsideVpc {
            vpc_id: vpc_id.to_owned(),
            subnets: outside,
        });
    }
    let mut by_zone: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for id in subnet_ids {
        by_zone
            .entry(found[id].1.as_str())
            .or_default()
            .push(id.clone());
    }
    if let Some((zone, ids)) = by_zone.into_iter().find(|(_, ids)| ids.len() > 1) {
        return Err(Error::SubnetsShareZone {
            zone: zone.to_owned(),
            subnet_ids: ids,
        });
    }
    Ok(())
}

async fn validate_security_groups(
    clients: &AwsClients,
    vpc_id: &str,
    group_ids: &[String],
) -> Result<()> {
    if group_ids.is_empty() {
        return Ok(());
    }
    let mut found = BTreeMap::new();
    let mut pages = clients
        .ec2
        .describe_security_groups()
        .filters(filter("group-id", group_ids))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| aws("ec2:DescribeSecurityGroups", &[], err))?;
        for group in page.security_groups() {
            if let Some(id) = group.group_id() {
                found.insert(id.to_owned(), group.vpc_id().unwrap_or_default().to_owned());
            }
        }
    }
    let asked: BTreeSet<&String> = group_ids.iter().collect();
    let missing: Vec<String> = asked
        .iter()
        .filter(|id| !found.contains_key(**id))
        .map(|id| (*id).clone())
        .collect();
    if !missing.is_empty() {
        return Err(Error::SecurityGroupsNotFound { group_ids: missing });
    }
    let outside: Vec<(String, String)> = group_ids
        .iter()
        .filter(|id| found[*id] != vpc_id)
        .map(|id| (id.clone(), found[id].clone()))
        .collect();
    if !outside.is_empty() {
        return Err(Error::SecurityGroupsOutsideVpc {
            vpc_id: vpc_id.to_owned(),
            groups: outside,
        });
    }
    Ok(())
}
