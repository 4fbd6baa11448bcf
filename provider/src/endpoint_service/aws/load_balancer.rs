//! The internal Network Load Balancer: find, create, status and waits, settings, read, delete.

use std::future::Future;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerStateEnum,
    LoadBalancerTypeEnum,
};
use tokio::time::Instant;

use super::AwsClients;
use super::error::{Error, Part, Result, aws};
use super::poll::{Cancel, Deadline, Probe, wait_for};
use super::spec::{BundleSpec, aws_name};
use super::tags::{Tags, elb_tags, elb_tags_of, elb_tags_of_one, owned_by};

const CROSS_ZONE: &str = "load_balancing.cross_zone.enabled";

/// How long a load balancer that was just created may still be unknown to reads (ELBv2 is
/// eventually consistent).
const NOT_FOUND_GRACE: Duration = Duration::from_secs(30);

/// The load balancer as AWS holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedLoadBalancer {
    pub arn: String,
    pub name: String,
    pub dns_name: String,
    /// `internal` for a bundle.
    pub scheme: String,
    /// `network` for a bundle.
    pub load_balancer_type: String,
    pub vpc_id: String,
    /// Sorted.
    pub subnet_ids: Vec<String>,
    /// Sorted.
    pub security_group_ids: Vec<String>,
    pub cross_zone: bool,
    /// Sorted.
    pub availability_zones: Vec<String>,
    /// `provisioning`, `active`, `active_impaired` or `failed`.
    pub state: String,
    pub tags: Tags,
}

/// The load balancer with this ARN.
pub async fn find_load_balancer(clients: &AwsClients, arn: &str) -> Result<LoadBalancer> {
    let output = clients
        .elbv2
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:DescribeLoadBalancers",
                &[(Part::LoadBalancer, arn)],
                err,
            )
        })?;
    output
        .load_balancers()
        .iter()
        .find(|lb| lb.load_balancer_arn() == Some(arn))
        .cloned()
        .ok_or_else(|| Error::NotFound {
            part: Part::LoadBalancer,
            id: arn.to_owned(),
        })
}

/// Load balancers named `aws_name`: one at most in AWS (names are unique per account and region).
pub(crate) async fn find_load_balancers_by_name(
    clients: &AwsClients,
    aws_name: &str,
) -> Result<Vec<LoadBalancer>> {
    let result = clients
        .elbv2
        .describe_load_balancers()
        .names(aws_name)
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:DescribeLoadBalancers",
                &[(Part::LoadBalancer, aws_name)],
                err,
            )
        });
    match result {
        Ok(output) => Ok(output
            .load_balancers()
            .iter()
            .filter(|lb| lb.load_balancer_name() == Some(aws_name))
            .cloned()
            .collect()),
        Err(err) if err.is_not_found() => Ok(Vec::new()),
        Err(err) => Err(err),
    }
}

/// Load balancers of bundle `name` (named after it and carrying its ownership tag).
pub async fn find_tagged_load_balancers(clients: &AwsClients, name: &str) -> Result<Vec<String>> {
    let arns: Vec<String> = find_load_balancers_by_name(clients, &aws_name(name))
        .await?
        .iter()
        .filter_map(|lb| lb.load_balancer_arn().map(str::to_owned))
        .collect();
    if arns.is_empty() {
        return Ok(arns);
    }
    let tags = match elb_tags_of(clients, Part::LoadBalancer, &arns).await {
        Ok(tags) => tags,
        // One was deleted between the two calls: ask again about each.
        Err(err) if err.is_not_found() => {
            let mut owned = Vec::new();
            for arn in arns {
                match elb_tags_of_one(clients, Part::LoadBalancer, &arn).await {
                    Ok(tags) if owned_by(&tags, name) => owned.push(arn),
                    Ok(_) => {}
                    Err(err) if err.is_not_found() => {}
                    Err(err) => return Err(err),
                }
            }
            return Ok(owned);
        }
        Err(err) => return Err(err),
    };
    Ok(arns
        .into_iter()
        .filter(|arn| tags.get(arn).is_some_and(|tags| owned_by(tags, name)))
        .collect())
}

/// Creates the internal Network Load Balancer and returns its ARN (it is `provisioning`).
pub(crate) async fn create_load_balancer(
    clients: &AwsClients,
    spec: &BundleSpec,
) -> Result<String> {
    let name = spec.load_balancer_name();
    let security_groups =
        (!spec.security_group_ids.is_empty()).then(|| spec.security_group_ids.clone());
    let output = clients
        .elbv2
        .create_load_balancer()
        .name(&name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(spec.subnet_ids.clone()))
        .set_security_groups(security_groups)
        .set_tags(Some(elb_tags(&spec.part_tags())))
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:CreateLoadBalancer",
                &[(Part::LoadBalancer, &name)],
                err,
            )
        })?;
    output
        .load_balancers()
        .first()
        .and_then(|lb| lb.load_balancer_arn())
        .map(str::to_owned)
        .ok_or(Error::Incomplete {
            operation: "elbv2:CreateLoadBalancer",
            missing: "the load balancer's ARN",
        })
}

/// The load balancer's state: `provisioning`, `active`, `active_impaired` or `failed`, with
/// AWS's reason when there is one.
pub async fn load_balancer_status(
    clients: &AwsClients,
    arn: &str,
) -> Result<(LoadBalancerStateEnum, String)> {
    let lb = find_load_balancer(clients, arn).await?;
    let state = lb.state();
    let code = state
        .and_then(|s| s.code())
        .cloned()
        .ok_or(Error::Incomplete {
            operation: "elbv2:DescribeLoadBalancers",
            missing: "the load balancer's state",
        })?;
    let reason = state
        .and_then(|s| s.reason())
        .unwrap_or_default()
        .to_owned();
    Ok((code, reason))
}

/// Waits until the load balancer is `active` and returns it. Fails at once if it `failed`, after
/// `timeout`, or as soon as `cancel` completes (even in the middle of a call).
pub async fn wait_load_balancer_active(
    clients: &AwsClients,
    arn: &str,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send,
) -> Result<LoadBalancer> {
    let mut cancel = Cancel::new(cancel);
    wait_active(clients, arn, Deadline::after(timeout), &mut cancel).await
}

pub(crate) async fn wait_active(
    clients: &AwsClients,
    arn: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
) -> Result<LoadBalancer> {
    let what = format!("load balancer {arn} to become active");
    let started = Instant::now();
    wait_for(&what, deadline, cancel, || async {
        let lb = match find_load_balancer(clients, arn).await {
            Ok(lb) => lb,
            Err(err) if err.is_not_found() && started.elapsed() < NOT_FOUND_GRACE => {
                return Ok(Probe::Pending("not visible yet".into()));
            }
            Err(err) => return Err(err),
        };
        let state = lb.state();
        match state.and_then(|s| s.code()) {
            Some(LoadBalancerStateEnum::Active) => Ok(Probe::Done(lb)),
            Some(LoadBalancerStateEnum::Failed) => Err(Error::LoadBalancerFailed {
                arn: arn.to_owned(),
                reason: state
                    .and_then(|s| s.reason())
                    .unwrap_or("no reason given")
                    .to_owned(),
            }),
            Some(other) => Ok(Probe::Pending(other.as_str().to_owned())),
            None => Ok(Probe::Pending("no state".into())),
        }
    })
    .await
}

/// Turns cross-zone load balancing on or off.
pub async fn update_cross_zone(clients: &AwsClients, arn: &str, enabled: bool) -> Result<()> {
    clients
        .elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key(CROSS_ZONE)
                .value(enabled.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:ModifyLoadBalancerAttributes",
                &[(Part::LoadBalancer, arn)],
                err,
            )
        })?;
    Ok(())
}

/// Whether going from `current` to `desired` security groups needs a new load balancer: a
/// Network Load Balancer created without security groups can never get any, and one created with
/// them cannot drop all of them.
pub fn security_groups_change_needs_replacement(current: &[String], desired: &[String]) -> bool {
    current.is_empty() != desired.is_empty()
}

/// Replaces the load balancer's security groups with `desired`, or fails with
/// [`Error::SecurityGroupsNeedReplacement`] when AWS cannot (see
/// [`security_groups_change_needs_replacement`]).
pub async fn update_security_groups(
    clients: &AwsClients,
    arn: &str,
    desired: &[String],
) -> Result<()> {
    let current = find_load_balancer(clients, arn)
        .await?
        .security_groups()
        .to_vec();
    if sorted(current.clone()) == sorted(desired.to_vec()) {
        return Ok(());
    }
    if security_groups_change_needs_replacement(&current, desired) {
        return Err(Error::SecurityGroupsNeedReplacement {
            arn: arn.to_owned(),
            from: describe_groups(&current),
            to: describe_groups(desired),
        });
    }
    clients
        .elbv2
        .set_security_groups()
        .load_balancer_arn(arn)
        .set_security_groups(Some(desired.to_vec()))
        .send()
        .await
        .map_err(|err| aws("elbv2:SetSecurityGroups", &[(Part::LoadBalancer, arn)], err))?;
    Ok(())
}

fn describe_groups(groups: &[String]) -> String {
    if groups.is_empty() {
        "none".into()
    } else {
        groups.join(", ")
    }
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

/// The load balancer and its cross-zone setting, side by side; its tags are read with the
/// other parts' ([`super::read`]).
pub(crate) async fn describe_load_balancer(
    clients: &AwsClients,
    arn: &str,
) -> Result<ObservedLoadBalancer> {
    let (lb, attributes) = tokio::try_join!(find_load_balancer(clients, arn), async {
        clients
            .elbv2
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|err| {
                aws(
                    "elbv2:DescribeLoadBalancerAttributes",
                    &[(Part::LoadBalancer, arn)],
                    err,
                )
            })
    })?;
    let cross_zone = attributes
        .attributes()
        .iter()
        .any(|a| a.key() == Some(CROSS_ZONE) && a.value() == Some("true"));
    Ok(ObservedLoadBalancer {
        arn: arn.to_owned(),
        name: lb.load_balancer_name().unwrap_or_default().to_owned(),
        dns_name: lb.dns_name().unwrap_or_default().to_owned(),
        scheme: lb
            .scheme()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        load_balancer_type: lb
            .r#type()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        vpc_id: lb.vpc_id().unwrap_or_default().to_owned(),
        subnet_ids: subnet_ids(&lb),
        security_group_ids: sorted(lb.security_groups().to_vec()),
        cross_zone,
        availability_zones: zones(&lb),
        state: lb
            .state()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        tags: Tags::default(),
    })
}

/// The load balancer's subnets, sorted.
pub(crate) fn subnet_ids(lb: &LoadBalancer) -> Vec<String> {
    sorted(
        lb.availability_zones()
            .iter()
            .filter_map(|zone| zone.subnet_id().map(str::to_owned))
            .collect(),
    )
}

/// The load balancer's availability zones, sorted.
pub(crate) fn zones(lb: &LoadBalancer) -> Vec<String> {
    sorted(
        lb.availability_zones()
            .iter()
            .filter_map(|zone| zone.zone_name().map(str::to_owned))
            .collect(),
    )
}

/// Deletes the load balancer (its listeners go with it). Already gone counts as done; "in use"
/// (an endpoint service still refers to it) is [`Error::InUse`] for the caller to retry.
pub(crate) async fn delete_load_balancer(clients: &AwsClients, arn: &str) -> Result<()> {
    let result = clients
        .elbv2
        .delete_load_balancer()
        .load_balancer_arn(arn)
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:DeleteLoadBalancer",
                &[(Part::LoadBalancer, arn)],
                err,
            )
        });
    match result {
        Ok(_) => Ok(()),
        Err(err) if err.is_not_found() => Ok(()),
        Err(err) => Err(err),
    }
}

/// Waits until reads no longer find the load balancer.
pub(crate) async fn wait_deleted(
    clients: &AwsClients,
    arn: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
) -> Result<()> {
    let what = format!("load balancer {arn} to be deleted");
    wait_for(&what, deadline, cancel, || async {
        match find_load_balancer(clients, arn).await {
            Ok(lb) => Ok(Probe::Pending(
                lb.state()
                    .and_then(|s| s.code())
                    .map_or("still listed", |c| c.as_str())
                    .to_owned(),
            )),
            Err(err) if err.is_not_found() => Ok(Probe::Done(())),
            Err(err) => Err(err),
        }
    })
    .await
}

/// The properties that cannot change in place, compared with the spec: for adopting a leftover.
pub(crate) fn immutable_mismatch(
    lb: &LoadBalancer,
    spec: &BundleSpec,
) -> Option<(&'static str, String, String)> {
    let checks: [(&'static str, String, String); 4] = [
        (
            "type",
            "network".into(),
            lb.r#type()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "scheme",
            "internal".into(),
            lb.scheme()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "vpc_id",
            spec.vpc_id.clone(),
            lb.vpc_id().unwrap_or_default().to_owned(),
        ),
        (
            "subnet_ids",
            sorted(spec.subnet_ids.clone()).join(","),
            subnet_ids(lb).join(","),
        ),
    ];
    checks
        .into_iter()
        .find(|(_, expected, actual)| expected != actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_groups_can_change_but_not_appear_or_vanish() {
        let some = vec!["sg-1".to_owned()];
        let other = vec!["sg-2".to_owned(), "sg-3".to_owned()];
        assert!(!security_groups_change_needs_replacement(&some, &other));
        assert!(!security_groups_change_needs_replacement(&[], &[]));
        assert!(security_groups_change_needs_replacement(&[], &some));
        assert!(security_groups_change_needs_replacement(&some, &[]));
    }
}
