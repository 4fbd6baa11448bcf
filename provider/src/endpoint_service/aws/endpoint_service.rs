//! The VPC endpoint service (PrivateLink) on the load balancer, and who may connect to it.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::{Filter, ResourceType, ServiceConfiguration, TagSpecification};

use super::AwsClients;
use super::error::{Error, Part, Result, aws, from_code};
use super::poll::{Cancel, Deadline, Probe, wait_for};
use super::spec::OWNERSHIP_TAG;
use super::tags::{Tags, ec2_tags, from_ec2, owned_by};

/// The per-item error code of DeleteVpcEndpointServiceConfigurations while consumers are
/// connected.
const EXISTING_CONNECTIONS: &str = "ExistingVpcEndpointConnections";

/// The endpoint service as AWS holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedEndpointService {
    pub id: String,
    /// `com.amazonaws.vpce.<region>.vpce-svc-...`
    pub name: String,
    /// `Pending`, `Available`, `Deleting`, `Deleted` or `Failed`.
    pub state: String,
    /// Sorted.
    pub nlb_arns: Vec<String>,
    pub acceptance_required: bool,
    /// The regions the service may be reached from besides its own, sorted.
    pub supported_regions: Vec<String>,
    /// Sorted.
    pub allowed_principals: Vec<String>,
    /// Sorted.
    pub availability_zones: Vec<String>,
    pub tags: Tags,
}

/// The lifecycle states that matter here. AWS spells them capitalised; compared without case so
/// an emulator's spelling does not matter.
pub(crate) fn state_of(service: &ServiceConfiguration) -> String {
    service
        .service_state()
        .map(|state| state.as_str().to_owned())
        .unwrap_or_default()
}

pub(crate) fn is_state(state: &str, expected: &str) -> bool {
    state.eq_ignore_ascii_case(expected)
}

fn is_gone(service: &ServiceConfiguration) -> bool {
    let state = state_of(service);
    is_state(&state, "Deleted") || is_state(&state, "Deleting")
}

/// The endpoint service with this id. One being deleted counts as not found.
pub async fn find_endpoint_service(
    clients: &AwsClients,
    service_id: &str,
) -> Result<ServiceConfiguration> {
    let output = clients
        .ec2
        .describe_vpc_endpoint_service_configurations()
        .service_ids(service_id)
        .send()
        .await
        .map_err(|err| {
            aws(
                "ec2:DescribeVpcEndpointServiceConfigurations",
                &[(Part::EndpointService, service_id)],
                err,
            )
        })?;
    output
        .service_configurations()
        .iter()
        .find(|service| service.service_id() == Some(service_id) && !is_gone(service))
        .cloned()
        .ok_or_else(|| Error::NotFound {
            part: Part::EndpointService,
            id: service_id.to_owned(),
        })
}

/// Endpoint services carrying bundle `name`'s ownership tag (not being deleted).
pub async fn find_tagged_endpoint_services(
    clients: &AwsClients,
    name: &str,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    // The filter narrows AWS's answer; the check below is what decides (an emulator may ignore
    // filters).
    let mut pages = clients
        .ec2
        .describe_vpc_endpoint_service_configurations()
        .filters(
            Filter::builder()
                .name(format!("tag:{OWNERSHIP_TAG}"))
                .values(name)
                .build(),
        )
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|err| aws("ec2:DescribeVpcEndpointServiceConfigurations", &[], err))?;
        for service in page.service_configurations() {
            if let Some(id) = service.service_id()
                && owned_by(&from_ec2(service.tags()), name)
                && !is_gone(service)
            {
                ids.push(id.to_owned());
            }
        }
    }
    Ok(ids)
}

/// The endpoint services carrying bundle `name`'s ownership tag that hand connections to
/// `load_balancer_arn`: what a create whose answer was lost made.
pub(crate) async fn find_tagged_endpoint_services_on(
    clients: &AwsClients,
    name: &str,
    load_balancer_arn: &str,
) -> Result<Vec<String>> {
    let mut on_load_balancer = Vec::new();
    for id in find_tagged_endpoint_services(clients, name).await? {
        match find_endpoint_service(clients, &id).await {
            Ok(service)
                if service
                    .network_load_balancer_arns()
                    .iter()
                    .any(|arn| arn == load_balancer_arn) =>
            {
                on_load_balancer.push(id)
            }
            Ok(_) => {}
            Err(err) if err.is_not_found() => {}
            Err(err) => return Err(err),
        }
    }
    Ok(on_load_balancer)
}

/// A fresh idempotency token for one `CreateVpcEndpointServiceConfiguration`, as
/// terraform-provider-aws passes one: the SDK resends the same request (token included) on every
/// retry, so a retry after a lost answer gets the service the first attempt made instead of a
/// second one. Unique per create (AWS answers `IdempotentParameterMismatch` when a token is reused
/// with other parameters), at most 64 ASCII characters.
pub(crate) fn client_token() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    use std::time::{SystemTime, UNIX_EPOCH};

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    // Each RandomState is seeded from the OS's randomness (and a per-thread counter).
    let state = RandomState::new();
    let high = state.hash_one((now, std::process::id()));
    let low = RandomState::new().hash_one(now);
    format!("rdslink-{high:016x}{low:016x}")
}

/// Creates the endpoint service on the load balancer. `client_token` makes the call idempotent
/// ([`client_token`]).
pub(crate) async fn create_endpoint_service(
    clients: &AwsClients,
    load_balancer_arn: &str,
    acceptance_required: bool,
    supported_regions: &[String],
    tags: &Tags,
    client_token: &str,
) -> Result<ServiceConfiguration> {
    let output = clients
        .ec2
        .create_vpc_endpoint_service_configuration()
        .client_token(client_token)
        .network_load_balancer_arns(load_balancer_arn)
        .acceptance_required(acceptance_required)
        .set_supported_regions((!supported_regions.is_empty()).then(|| supported_regions.to_vec()))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::VpcEndpointService)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .send()
        .await
        .map_err(|err| {
            aws(
                "ec2:CreateVpcEndpointServiceConfiguration",
                &[(Part::LoadBalancer, load_balancer_arn)],
                err,
            )
        })?;
    let service = output
        .service_configuration()
        .cloned()
        .ok_or(Error::Incomplete {
            operation: "ec2:CreateVpcEndpointServiceConfiguration",
            missing: "the service configuration",
        })?;
    if service.service_id().is_none() {
        return Err(Error::Incomplete {
            operation: "ec2:CreateVpcEndpointServiceConfiguration",
            missing: "the service id",
        });
    }
    Ok(service)
}

/// Waits until the service is `Available`.
pub(crate) async fn wait_available(
    clients: &AwsClients,
    service_id: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
) -> Result<ServiceConfiguration> {
    let what = format!("endpoint service {service_id} to become available");
    wait_for(&what, deadline, cancel, || async {
        let service = find_endpoint_service(clients, service_id).await?;
        let state = state_of(&service);
        if is_state(&state, "Available") {
            Ok(Probe::Done(service))
        } else if is_state(&state, "Failed") {
            Err(Error::EndpointServiceFailed {
                service_id: service_id.to_owned(),
                state,
                load_balancer: service.network_load_balancer_arns().join(", "),
            })
        } else {
            Ok(Probe::Pending(state))
        }
    })
    .await
}

/// The principals allowed to connect, sorted.
pub async fn allowed_principals(clients: &AwsClients, service_id: &str) -> Result<Vec<String>> {
    let mut principals = BTreeSet::new();
    let mut pages = clients
        .ec2
        .describe_vpc_endpoint_service_permissions()
        .service_id(service_id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| {
            aws(
                "ec2:DescribeVpcEndpointServicePermissions",
                &[(Part::EndpointService, service_id)],
                err,
            )
        })?;
        principals.extend(
            page.allowed_principals()
                .iter()
                .filter_map(|p| p.principal().map(str::to_owned)),
        );
    }
    Ok(principals.into_iter().collect())
}

/// Allows `add` and disallows `remove`. Connections already accepted for a removed principal
/// stay until someone rejects them (AWS does not close them).
pub async fn update_principals(
    clients: &AwsClients,
    service_id: &str,
    add: &[String],
    remove: &[String],
) -> Result<()> {
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    clients
        .ec2
        .modify_vpc_endpoint_service_permissions()
        .service_id(service_id)
        .set_add_allowed_principals((!add.is_empty()).then(|| add.to_vec()))
        .set_remove_allowed_principals((!remove.is_empty()).then(|| remove.to_vec()))
        .send()
        .await
        .map_err(|err| {
            aws(
                "ec2:ModifyVpcEndpointServicePermissions",
                &[(Part::EndpointService, service_id)],
                err,
            )
        })?;
    Ok(())
}

/// Principals to add and to remove so that exactly `desired` are allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrincipalChanges {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl PrincipalChanges {
    pub fn between(current: &BTreeSet<String>, desired: &BTreeSet<String>) -> Self {
        PrincipalChanges {
            add: desired.difference(current).cloned().collect(),
            remove: current.difference(desired).cloned().collect(),
        }
    }
}

/// Makes the allowed principals exactly `desired`.
pub(crate) async fn converge_principals(
    clients: &AwsClients,
    service_id: &str,
    desired: &BTreeSet<String>,
) -> Result<()> {
    let current: BTreeSet<String> = allowed_principals(clients, service_id)
        .await?
        .into_iter()
        .collect();
    let changes = PrincipalChanges::between(&current, desired);
    update_principals(clients, service_id, &changes.add, &changes.remove).await
}

/// Whether consumers' endpoint connections wait for acceptance.
pub async fn update_acceptance(
    clients: &AwsClients,
    service_id: &str,
    acceptance_required: bool,
) -> Result<()> {
    clients
        .ec2
        .modify_vpc_endpoint_service_configuration()
        .service_id(service_id)
        .acceptance_required(acceptance_required)
        .send()
        .await
        .map_err(|err| {
            aws(
                "ec2:ModifyVpcEndpointServiceConfiguration",
                &[(Part::EndpointService, service_id)],
                err,
            )
        })?;
    Ok(())
}

/// Makes `load_balancer_arn` the service's only load balancer.
pub(crate) async fn point_at_load_balancer(
    clients: &AwsClients,
    service: &ServiceConfiguration,
    load_balancer_arn: &str,
) -> Result<()> {
    let service_id = service.service_id().unwrap_or_default();
    let current = service.network_load_balancer_arns();
    let add = !current.iter().any(|arn| arn == load_balancer_arn);
    let remove: Vec<String> = current
        .iter()
        .filter(|arn| *arn != load_balancer_arn)
        .cloned()
        .collect();
    if !add && remove.is_empty() {
        return Ok(());
    }
    clients
        .ec2
        .modify_vpc_endpoint_service_configuration()
        .service_id(service_id)
        .set_add_network_load_balancer_arns(add.then(|| vec![load_balancer_arn.to_owned()]))
        .set_remove_network_load_balancer_arns((!remove.is_empty()).then_some(remove))
        .send()
        .await
        .map_err(|err| {
            aws(
                "ec2:ModifyVpcEndpointServiceConfiguration",
                &[
                    (Part::EndpointService, service_id),
                    (Part::LoadBalancer, load_balancer_arn),
                ],
                err,
            )
        })?;
    Ok(())
}

/// The regions a service supports besides its own (its name says which is its own), sorted.
pub(crate) fn other_regions(service: &ServiceConfiguration) -> Vec<String> {
    let home = service
        .service_name()
        .and_then(|name| name.strip_prefix("com.amazonaws.vpce."))
        .and_then(|rest| rest.split('.').next())
        .unwrap_or_default();
    let mut regions: Vec<String> = service
        .supported_regions()
        .iter()
        .filter_map(|region| region.region())
        .filter(|region| *region != home)
        .map(str::to_owned)
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

/// Brings the service's other supported regions to `wanted` (sorted).
pub async fn update_supported_regions(
    clients: &AwsClients,
    service_id: &str,
    current: &[String],
    wanted: &[String],
) -> Result<()> {
    let add: Vec<String> = wanted
        .iter()
        .filter(|r| !current.contains(r))
        .cloned()
        .collect();
    let remove: Vec<String> = current
        .iter()
        .filter(|r| !wanted.contains(r))
        .cloned()
        .collect();
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    clients
        .ec2
        .modify_vpc_endpoint_service_configuration()
        .service_id(service_id)
        .set_add_supported_regions((!add.is_empty()).then_some(add))
        .set_remove_supported_regions((!remove.is_empty()).then_some(remove))
        .send()
        .await
        .map_err(|err| {
            aws(
                "ec2:ModifyVpcEndpointServiceConfiguration",
                &[(Part::EndpointService, service_id)],
                err,
            )
        })?;
    Ok(())
}

/// The endpoint service, its principals and its tags.
pub async fn read_endpoint_service(
    clients: &AwsClients,
    service_id: &str,
) -> Result<ObservedEndpointService> {
    let (service, allowed_principals) = tokio::try_join!(
        find_endpoint_service(clients, service_id),
        allowed_principals(clients, service_id)
    )?;
    let mut nlb_arns = service.network_load_balancer_arns().to_vec();
    nlb_arns.sort();
    let mut availability_zones = service.availability_zones().to_vec();
    availability_zones.sort();
    availability_zones.dedup();
    Ok(ObservedEndpointService {
        id: service_id.to_owned(),
        name: service.service_name().unwrap_or_default().to_owned(),
        state: state_of(&service),
        nlb_arns,
        acceptance_required: service.acceptance_required().unwrap_or(true),
        supported_regions: other_regions(&service),
        allowed_principals,
        availability_zones,
        tags: from_ec2(service.tags()),
    })
}

/// Deletes the endpoint service. Already gone counts as done; consumers still connected is
/// [`Error::EndpointServiceHasConnections`].
pub(crate) async fn delete_endpoint_service(clients: &AwsClients, service_id: &str) -> Result<()> {
    let subject = [(Part::EndpointService, service_id)];
    let output = clients
        .ec2
        .delete_vpc_endpoint_service_configurations()
        .service_ids(service_id)
        .send()
        .await
        .map_err(|err| aws("ec2:DeleteVpcEndpointServiceConfigurations", &subject, err));
    let output = match output {
        Ok(output) => output,
        Err(err) if err.is_not_found() => return Ok(()),
        Err(err) => return Err(err),
    };
    // The call succeeds as a whole and reports failures per service.
    let Some(failure) = output.unsuccessful().iter().find_map(|item| item.error()) else {
        return Ok(());
    };
    let code = failure.code().map(str::to_owned);
    let message = failure.message().unwrap_or_default().to_owned();
    if code.as_deref() == Some(EXISTING_CONNECTIONS) {
        return Err(Error::EndpointServiceHasConnections {
            service_id: service_id.to_owned(),
            message,
        });
    }
    match from_code(
        "ec2:DeleteVpcEndpointServiceConfigurations",
        &subject,
        code,
        message,
    ) {
        err if err.is_not_found() => Ok(()),
        err => Err(err),
    }
}

/// Waits until reads no longer find the service (or find it deleted).
pub(crate) async fn wait_deleted(
    clients: &AwsClients,
    service_id: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
) -> Result<()> {
    let what = format!("endpoint service {service_id} to be deleted");
    wait_for(&what, deadline, cancel, || async {
        match find_endpoint_service(clients, service_id).await {
            Ok(service) => Ok(Probe::Pending(state_of(&service))),
            Err(err) if err.is_not_found() => Ok(Probe::Done(())),
            Err(err) => Err(err),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(values: &[&str]) -> BTreeSet<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn principal_changes_add_the_missing_and_remove_the_extra() {
        let changes = PrincipalChanges::between(&set(&["a", "b"]), &set(&["b", "c"]));
        assert_eq!(changes.add, vec!["c".to_owned()]);
        assert_eq!(changes.remove, vec!["a".to_owned()]);
        assert_eq!(
            PrincipalChanges::between(&set(&["a"]), &set(&["a"])),
            PrincipalChanges::default()
        );
    }

    #[test]
    fn client_tokens_are_unique_and_within_aws_limits() {
        let first = client_token();
        let second = client_token();
        assert_ne!(first, second);
        for token in [first, second] {
            assert!(token.len() <= 64 && token.is_ascii(), "{token}");
        }
    }
}
