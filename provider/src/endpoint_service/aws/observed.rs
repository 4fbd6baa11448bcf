//! What AWS holds for a bundle now, read part by part.

use super::AwsClients;
use super::bundle::PartialBundle;
use super::endpoint_service::{ObservedEndpointService, read_endpoint_service};
use super::error::Result;
use super::listener::{ObservedListener, read_listener};
use super::load_balancer::{ObservedLoadBalancer, read_load_balancer};
use super::spec::OWNERSHIP_TAG;
use super::target_group::{ObservedTargetGroup, read_target_group};

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

/// Reads every recorded part. A part that no longer exists is `None`; any other failure is an
/// error (the caller must not mistake "could not read" for "gone").
pub async fn read(clients: &AwsClients, ids: &PartialBundle) -> Result<Observed> {
    Ok(Observed {
        target_group: gone_as_none(ids.target_group_arn.as_deref(), |arn| {
            read_target_group(clients, arn)
        })
        .await?,
        load_balancer: gone_as_none(ids.load_balancer_arn.as_deref(), |arn| {
            read_load_balancer(clients, arn)
        })
        .await?,
        listener: gone_as_none(ids.listener_arn.as_deref(), |arn| {
            read_listener(clients, arn)
        })
        .await?,
        endpoint_service: gone_as_none(ids.service_id.as_deref(), |id| {
            read_endpoint_service(clients, id)
        })
        .await?,
    })
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
