//! Changes made in place across parts. The per-part ones live with their part
//! (`update_health_check`, `update_cross_zone`, `update_principals`, ...).

use super::AwsClients;
use super::bundle::PartialBundle;
use super::endpoint_service::{find_endpoint_service, point_at_load_balancer};
use super::error::{Part, Result};
use super::spec::with_ownership;
use super::tags::{Tags, converge_ec2_tags, converge_elb_tags, from_ec2};

/// Makes every recorded part's tags `tags` plus the ownership tag for `name`: changed and new keys
/// are set, keys no longer wanted are removed (never the ownership tag, never `aws:` keys).
pub async fn update_tags(
    clients: &AwsClients,
    parts: &PartialBundle,
    name: &str,
    tags: &Tags,
) -> Result<()> {
    let desired = with_ownership(tags, name);
    if let Some(arn) = &parts.target_group_arn {
        converge_elb_tags(clients, Part::TargetGroup, arn, &desired).await?;
    }
    if let Some(arn) = &parts.load_balancer_arn {
        converge_elb_tags(clients, Part::LoadBalancer, arn, &desired).await?;
    }
    if let Some(arn) = &parts.listener_arn {
        converge_elb_tags(clients, Part::Listener, arn, &desired).await?;
    }
    if let Some(id) = &parts.service_id {
        let service = find_endpoint_service(clients, id).await?;
        converge_ec2_tags(
            clients,
            Part::EndpointService,
            id,
            &from_ec2(service.tags()),
            &desired,
        )
        .await?;
    }
    Ok(())
}

/// Makes the bundle's load balancer the endpoint service's only one: repairs a service re-pointed
/// to another load balancer outside Terraform. No call when it already is.
pub async fn point_service_at(
    clients: &AwsClients,
    service_id: &str,
    load_balancer_arn: &str,
) -> Result<()> {
    let service = find_endpoint_service(clients, service_id).await?;
    point_at_load_balancer(clients, &service, load_balancer_arn).await
}
