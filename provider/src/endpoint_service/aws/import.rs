//! Import: from an endpoint service id to the whole bundle, following AWS's own links (service ->
//! its load balancer -> the TCP listener -> the target group it forwards to). Tags are not needed,
//! so a bundle built by hand or by another tool imports too.

use aws_sdk_elasticloadbalancingv2::types::ProtocolEnum;

use super::AwsClients;
use super::bundle::Bundle;
use super::endpoint_service::find_endpoint_service;
use super::error::{Error, Part, Result};
use super::listener::{forward_target, listeners_of};
use super::load_balancer::{find_load_balancer, zones};
use super::observed::Observed;

/// The tag that records which database a bundle serves (`instance:<id>`, `cluster:<id>:<role>`,
/// `proxy:<name>`, `endpoint:<host>`), written with the other tags at create and update. AWS holds
/// the selector nowhere else (until the sync Lambda's configuration does), and import reads it back
/// from here. Like the ownership tag it is rdslink's own: never part of `tags` or `tags_all`.
pub const DATABASE_TAG: &str = "rdslink:database";

/// The database tag's value on the bundle's parts (the endpoint service's first, then the others');
/// `None` for a bundle built by hand or by a provider version that did not write it yet.
pub fn recorded_database(observed: &Observed) -> Option<&str> {
    let tags = [
        observed.endpoint_service.as_ref().map(|s| &s.tags),
        observed.load_balancer.as_ref().map(|lb| &lb.tags),
        observed.target_group.as_ref().map(|tg| &tg.tags),
        observed.listener.as_ref().map(|l| &l.tags),
    ];
    tags.into_iter()
        .flatten()
        .find_map(|tags| tags.get(DATABASE_TAG).map(String::as_str))
}

/// The bundle around the endpoint service `service_id` (`vpce-svc-...`).
pub async fn find_bundle_by_service_id(clients: &AwsClients, service_id: &str) -> Result<Bundle> {
    let miswired = |part: Part, id: &str, problem: String| Error::Miswired {
        part,
        id: id.to_owned(),
        problem: format!(
            "{problem}; rdslink imports a service on one Network Load Balancer with one TCP listener forwarding to one target group"
        ),
    };

    let service = find_endpoint_service(clients, service_id).await?;
    if !service.gateway_load_balancer_arns().is_empty() {
        return Err(miswired(
            Part::EndpointService,
            service_id,
            "is on a Gateway Load Balancer".into(),
        ));
    }
    let load_balancer_arn = match service.network_load_balancer_arns() {
        [arn] => arn.clone(),
        [] => {
            return Err(miswired(
                Part::EndpointService,
                service_id,
                "has no Network Load Balancer".into(),
            ));
        }
        several => {
            return Err(miswired(
                Part::EndpointService,
                service_id,
                format!(
                    "has {} Network Load Balancers ({})",
                    several.len(),
                    several.join(", ")
                ),
            ));
        }
    };
    let load_balancer = find_load_balancer(clients, &load_balancer_arn).await?;

    let tcp: Vec<_> = listeners_of(clients, &load_balancer_arn)
        .await?
        .into_iter()
        .filter(|listener| listener.protocol() == Some(&ProtocolEnum::Tcp))
        .collect();
    let listener = match tcp.as_slice() {
        [listener] => listener,
        [] => {
            return Err(miswired(
                Part::LoadBalancer,
                &load_balancer_arn,
                "has no TCP listener".into(),
            ));
        }
        several => {
            let ports: Vec<String> = several
                .iter()
                .map(|l| l.port().map_or_else(|| "?".to_owned(), |p| p.to_string()))
                .collect();
            return Err(miswired(
                Part::LoadBalancer,
                &load_balancer_arn,
                format!(
                    "has {} TCP listeners (ports {})",
                    several.len(),
                    ports.join(", ")
                ),
            ));
        }
    };
    let listener_arn = listener.listener_arn().unwrap_or_default().to_owned();
    let target_group_arn = forward_target(listener).ok_or_else(|| {
        miswired(
            Part::Listener,
            &listener_arn,
            "does not forward to exactly one target group".into(),
        )
    })?;

    Ok(Bundle {
        service_id: service_id.to_owned(),
        service_name: service.service_name().unwrap_or_default().to_owned(),
        nlb_dns_name: load_balancer.dns_name().unwrap_or_default().to_owned(),
        availability_zones: zones(&load_balancer),
        nlb_arn: load_balancer_arn,
        target_group_arn,
        listener_arn,
    })
}
