//! What AWS holds for a bundle now: every part read side by side.

use std::collections::BTreeMap;

use super::AwsClients;
use super::bundle::PartialBundle;
use super::endpoint_service::{ObservedEndpointService, read_endpoint_service};
use super::error::{Part, Result};
use super::listener::{ObservedListener, describe_listener};
use super::load_balancer::{ObservedLoadBalancer, describe_load_balancer};
use super::spec::OWNERSHIP_TAG;
use super::tags::{Tags, elb_tags_of, elb_tags_of_one};
use super::target_group::{ObservedTargetGroup, describe_target_group};

/// Each part as read back; `None` when it is gone (deleted outside Terraform) or was never
/// recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub target_group: Option<ObservedTargetGroup>,
    pub load_balancer: Option<ObservedLoadBalancer>,
    pub listener: Option<ObservedListener>,
    pub endpoint_service: Option<ObservedEndpointService>,
}

impl Observed {
    /// Every part exists.
    pub fn is_complete(&self) -> bool {
        self.target_group.is_some()
            && self.load_balancer.is_some()
            && self.listener.is_some()
            && self.endpoint_service.is_some()
    }

    /// No part exists: the bundle is gone.
    pub fn is_gone(&self) -> bool {
        self.target_group.is_none()
            && self.load_balancer.is_none()
            && self.listener.is_none()
            && self.endpoint_service.is_none()
    }

    /// The ids of the parts that exist.
    pub fn present(&self) -> PartialBundle {
        PartialBundle {
            target_group_arn: self.target_group.as_ref().map(|tg| tg.arn.clone()),
            load_balancer_arn: self.load_balancer.as_ref().map(|lb| lb.arn.clone()),
            listener_arn: self.listener.as_ref().map(|l| l.arn.clone()),
            service_id: self.endpoint_service.as_ref().map(|s| s.id.clone()),
        }
    }

    /// The bundle name the parts claim through their ownership tag (the endpoint service's first,
    /// then the others'); `None` for a bundle built without rdslink.
    pub fn owner_name(&self) -> Option<&str> {
        let tags = [
            self.endpoint_service.as_ref().map(|s| &s.tags),
            self.load_balancer.as_ref().map(|lb| &lb.tags),
            self.target_group.as_ref().map(|tg| &tg.tags),
            self.listener.as_ref().map(|l| &l.tags),
        ];
        tags.into_iter()
            .flatten()
            .find_map(|tags| tags.get(OWNERSHIP_TAG).map(String::as_str))
    }
}

/// Reads every recorded part, all side by side, with the three ELBv2 parts' tags in one
/// `DescribeTags`. A part that no longer exists is `None`; any other failure is an error (the
/// caller must not mistake "could not read" for "gone").
pub async fn read(clients: &AwsClients, ids: &PartialBundle) -> Result<Observed> {
    let elb_arns: Vec<(Part, String)> = [
        (Part::TargetGroup, &ids.target_group_arn),
        (Part::LoadBalancer, &ids.load_balancer_arn),
        (Part::Listener, &ids.listener_arn),
    ]
    .into_iter()
    .filter_map(|(part, arn)| Some((part, arn.clone()?)))
    .collect();
    let (target_group, load_balancer, listener, endpoint_service, tags) = tokio::try_join!(
        gone_as_none(ids.target_group_arn.as_deref(), |arn| {
            describe_target_group(clients, arn)
        }),
        gone_as_none(ids.load_balancer_arn.as_deref(), |arn| {
            describe_load_balancer(clients, arn)
        }),
        gone_as_none(ids.listener_arn.as_deref(), |arn| {
            describe_listener(clients, arn)
        }),
        gone_as_none(ids.service_id.as_deref(), |id| {
            read_endpoint_service(clients, id)
        }),
        elb_tags_together(clients, &elb_arns),
    )?;
    let mut observed = Observed {
        target_group,
        load_balancer,
        listener,
        endpoint_service,
    };
    let tags = match tags {
        Some(tags) => tags,
        // One of them is gone, which fails the whole DescribeTags: ask for the others' alone.
        None => elb_tags_of_present(clients, &observed).await?,
    };
    let tags_of = |arn: &str| tags.get(arn).cloned().unwrap_or_default();
    if let Some(group) = &mut observed.target_group {
        group.tags = tags_of(&group.arn);
    }
    if let Some(lb) = &mut observed.load_balancer {
        lb.tags = tags_of(&lb.arn);
    }
    if let Some(listener) = &mut observed.listener {
        listener.tags = tags_of(&listener.arn);
    }
    Ok(observed)
}

/// The tags of every ARN in one call; `None` when one of them does not exist.
async fn elb_tags_together(
    clients: &AwsClients,
    arns: &[(Part, String)],
) -> Result<Option<BTreeMap<String, Tags>>> {
    let Some((part, _)) = arns.first() else {
        return Ok(Some(BTreeMap::new()));
    };
    let arns: Vec<String> = arns.iter().map(|(_, arn)| arn.clone()).collect();
    match elb_tags_of(clients, *part, &arns).await {
        Ok(tags) => Ok(Some(tags)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// The tags of the ELBv2 parts `observed` found, one call each.
async fn elb_tags_of_present(
    clients: &AwsClients,
    observed: &Observed,
) -> Result<BTreeMap<String, Tags>> {
    let present = observed.present();
    let arns = [
        (Part::TargetGroup, present.target_group_arn),
        (Part::LoadBalancer, present.load_balancer_arn),
        (Part::Listener, present.listener_arn),
    ];
    let reads = arns.into_iter().filter_map(|(part, arn)| {
        let arn = arn?;
        Some(async move {
            // Gone since the parts were read: no tags, as the part itself will be next time.
            match elb_tags_of_one(clients, part, &arn).await {
                Ok(tags) => Ok((arn, tags)),
                Err(err) if err.is_not_found() => Ok((arn, Tags::default())),
                Err(err) => Err(err),
            }
        })
    });
    Ok(futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .collect())
}

async fn gone_as_none<'a, T, F, Fut>(id: Option<&'a str>, read: F) -> Result<Option<T>>
where
    F: FnOnce(&'a str) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let Some(id) = id else {
        return Ok(None);
    };
    match read(id).await {
        Ok(part) => Ok(Some(part)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}
