//! Which tagged parts belong to a *working* bundle, so that a create never takes one over and a
//! delete never sweeps one away.
//!
//! The ownership tag says which `name` a part was made for, not which Terraform state holds it:
//! two working directories of one account and region that declare the same `name` tag their parts
//! alike. What tells a leftover of an interrupted create from another state's bundle is how far
//! the bundle got: the create registers the database's addresses as its very last step, so a
//! bundle that is wired end to end (endpoint service -> load balancer -> listener -> target group,
//! each tagged with the name) *and* whose target group holds targets was finished by some apply
//! and is recorded in some state. Such a bundle is never adopted and never swept; a create that
//! meets one is refused and told to import it.

use aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthError;

use super::AwsClients;
use super::bundle::PartialBundle;
use super::endpoint_service::{find_endpoint_service, find_tagged_endpoint_services};
use super::error::{Error, Part, Result, aws};
use super::listener::{forward_target, listeners_of};
use super::tags::{elb_tags_of_one, owned_by};

/// The parts of a working bundle that carries a name's ownership tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingBundle {
    pub service_id: String,
    pub load_balancer_arn: String,
    pub listener_arn: String,
    pub target_group_arn: String,
}

impl WorkingBundle {
    /// Does this bundle share any part with `parts` (the bundle a state records)?
    pub fn shares_a_part_with(&self, parts: &PartialBundle) -> bool {
        parts.service_id.as_deref() == Some(self.service_id.as_str())
            || parts.load_balancer_arn.as_deref() == Some(self.load_balancer_arn.as_str())
            || parts.listener_arn.as_deref() == Some(self.listener_arn.as_str())
            || parts.target_group_arn.as_deref() == Some(self.target_group_arn.as_str())
    }

    /// Is `id` (of any kind) one of this bundle's parts?
    pub fn contains(&self, id: &str) -> bool {
        [
            &self.service_id,
            &self.load_balancer_arn,
            &self.listener_arn,
            &self.target_group_arn,
        ]
        .iter()
        .any(|part| part.as_str() == id)
    }
}

/// Every working bundle whose parts all carry the ownership tag for `name`.
pub async fn find_working_bundles(clients: &AwsClients, name: &str) -> Result<Vec<WorkingBundle>> {
    let tagged = find_tagged_endpoint_services(clients, name).await?;
    find_working_bundles_among(clients, name, &tagged).await
}

/// [`find_working_bundles`] among endpoint services already found to carry `name`'s tag.
async fn find_working_bundles_among(
    clients: &AwsClients,
    name: &str,
    tagged_services: &[String],
) -> Result<Vec<WorkingBundle>> {
    let mut working = Vec::new();
    for service_id in tagged_services {
        let service = match find_endpoint_service(clients, service_id).await {
            Ok(service) => service,
            // Deleted between the two calls: not a bundle any more.
            Err(err) if err.is_not_found() => continue,
            Err(err) => return Err(err),
        };
        for load_balancer_arn in service.network_load_balancer_arns() {
            if let Some((listener_arn, target_group_arn)) =
                serving_path(clients, name, load_balancer_arn).await?
            {
                working.push(WorkingBundle {
                    service_id: service_id.clone(),
                    load_balancer_arn: load_balancer_arn.clone(),
                    listener_arn,
                    target_group_arn,
                });
            }
        }
    }
    Ok(working)
}

/// Refuses (before anything is created or changed) when another state's working bundle carries
/// `name`: adopting its parts would let this configuration re-point and later delete them.
/// `tagged_services`: the endpoint services that carry `name`'s ownership tag, read just before.
pub async fn refuse_foreign_bundle(
    clients: &AwsClients,
    name: &str,
    tagged_services: &[String],
    ours: &PartialBundle,
) -> Result<()> {
    let mut bundles = find_working_bundles_among(clients, name, tagged_services).await?;
    bundles.retain(|bundle| !bundle.shares_a_part_with(ours));
    match bundles.into_iter().next() {
        None => Ok(()),
        Some(existing) => Err(Error::BundleExists {
            name: name.to_owned(),
            service_id: existing.service_id,
            load_balancer_arn: existing.load_balancer_arn,
        }),
    }
}

/// When the load balancer carries the tag and has a listener forwarding to a tagged target group
/// that holds targets: (listener, target group).
async fn serving_path(
    clients: &AwsClients,
    name: &str,
    load_balancer_arn: &str,
) -> Result<Option<(String, String)>> {
    if !tagged(clients, Part::LoadBalancer, name, load_balancer_arn).await? {
        return Ok(None);
    }
    let listeners = match listeners_of(clients, load_balancer_arn).await {
        Ok(listeners) => listeners,
        Err(err) if err.is_not_found() => return Ok(None),
        Err(err) => return Err(err),
    };
    for listener in &listeners {
        let (Some(listener_arn), Some(target_group_arn)) =
            (listener.listener_arn(), forward_target(listener))
        else {
            continue;
        };
        if tagged(clients, Part::TargetGroup, name, &target_group_arn).await?
            && holds_targets(clients, &target_group_arn).await?
        {
            return Ok(Some((listener_arn.to_owned(), target_group_arn)));
        }
    }
    Ok(None)
}

/// Does the ELBv2 object carry `name`'s ownership tag? One that is gone does not.
async fn tagged(clients: &AwsClients, part: Part, name: &str, arn: &str) -> Result<bool> {
    match elb_tags_of_one(clients, part, arn).await {
        Ok(tags) => Ok(owned_by(&tags, name)),
        Err(err) if err.is_not_found() => Ok(false),
        Err(err) => Err(err),
    }
}

/// Does the target group hold any target? The create registers them last, so a group that holds
/// some belongs to a finished bundle.
async fn holds_targets(clients: &AwsClients, target_group_arn: &str) -> Result<bool> {
    match clients
        .elbv2
        .describe_target_health()
        .target_group_arn(target_group_arn)
        .send()
        .await
    {
        Ok(output) => Ok(!output.target_health_descriptions().is_empty()),
        Err(err)
            if matches!(
                err.as_service_error(),
                Some(DescribeTargetHealthError::TargetGroupNotFoundException(_))
            ) =>
        {
            Ok(false)
        }
        Err(err) => Err(aws(
            "elbv2:DescribeTargetHealth",
            &[(Part::TargetGroup, target_group_arn)],
            err,
        )),
    }
}
