//! Deleting a bundle in dependency order (endpoint service -> load balancer beside listener ->
//! target group), idempotently, and sweeping whatever carries the ownership tag.

use std::future::Future;
use std::time::Duration;

use aws_sdk_ec2::types::Filter;
use tracing::info;

use super::AwsClients;
use super::bundle::PartialBundle;
use super::endpoint_service::{self, delete_endpoint_service, find_tagged_endpoint_services};
use super::error::{Error, Result, aws};
use super::listener::{delete_listener, find_tagged_listeners};
use super::load_balancer::{self, delete_load_balancer, find_tagged_load_balancers};
use super::ownership::find_working_bundles;
use super::poll::{Cancel, Deadline, Probe, retry_while_in_use, wait_for};
use super::target_group::{delete_target_group, find_tagged_target_groups};

/// How long a delete keeps retrying an endpoint service that consumers are still connected to.
/// Long enough for a consumer endpoint being deleted at the same time to go; short enough that a
/// delete blocked by live consumers fails with the explanation instead of hanging.
const CONNECTIONS_GRACE: Duration = Duration::from_secs(120);

/// How long a delete waits at most for the load balancer's network interfaces to be released
/// (they block deleting the subnets' security groups and the subnets themselves).
const NETWORK_INTERFACES_GRACE: Duration = Duration::from_secs(300);

/// Parts to delete, by kind. Several per kind when sweeping leftovers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leftovers {
    pub endpoint_services: Vec<String>,
    pub listeners: Vec<String>,
    pub load_balancers: Vec<String>,
    pub target_groups: Vec<String>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.endpoint_services.is_empty()
            && self.listeners.is_empty()
            && self.load_balancers.is_empty()
            && self.target_groups.is_empty()
    }
}

impl Leftovers {
    /// Adds `other`'s ids that are not already listed.
    pub fn merge(&mut self, other: Leftovers) {
        fn extend(ids: &mut Vec<String>, more: Vec<String>) {
            for id in more {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        extend(&mut self.endpoint_services, other.endpoint_services);
        extend(&mut self.listeners, other.listeners);
        extend(&mut self.load_balancers, other.load_balancers);
        extend(&mut self.target_groups, other.target_groups);
    }
}

impl From<&PartialBundle> for Leftovers {
    fn from(parts: &PartialBundle) -> Self {
        Leftovers {
            endpoint_services: parts.service_id.iter().cloned().collect(),
            listeners: parts.listener_arn.iter().cloned().collect(),
            load_balancers: parts.load_balancer_arn.iter().cloned().collect(),
            target_groups: parts.target_group_arn.iter().cloned().collect(),
        }
    }
}

/// Everything that carries the ownership tag for `name` and is not part of a working bundle:
/// the provable leftovers of interrupted creates. A working bundle with this name is recorded in
/// some state (see [`super::ownership`]); a state that records it deletes it by its ids.
pub async fn find_leftovers(clients: &AwsClients, name: &str) -> Result<Leftovers> {
    // Each kind is looked up by the tag on its own, all side by side.
    let listeners_and_load_balancers = async {
        let load_balancers = find_tagged_load_balancers(clients, name).await?;
        let listeners = futures::future::try_join_all(
            load_balancers
                .iter()
                .map(|load_balancer| find_tagged_listeners(clients, load_balancer, name)),
        )
        .await?;
        Ok((
            listeners.into_iter().flatten().collect::<Vec<_>>(),
            load_balancers,
        ))
    };
    let (working, (listeners, load_balancers), endpoint_services, target_groups) = tokio::try_join!(
        find_working_bundles(clients, name),
        listeners_and_load_balancers,
        find_tagged_endpoint_services(clients, name),
        find_tagged_target_groups(clients, name),
    )?;
    let not_working = |ids: Vec<String>| -> Vec<String> {
        ids.into_iter()
            .filter(|id| !working.iter().any(|bundle| bundle.contains(id)))
            .collect()
    };
    Ok(Leftovers {
        endpoint_services: not_working(endpoint_services),
        listeners: not_working(listeners),
        load_balancers: not_working(load_balancers),
        target_groups: not_working(target_groups),
    })
}

/// Deletes the recorded parts and, when `name` is given, the leftovers of interrupted applies
/// carrying the ownership tag for it ([`find_leftovers`]: never a part of another state's working
/// bundle), all in dependency order. Parts already gone count as
/// deleted. AWS's documented "still in use" refusals are retried until `timeout`; `cancel`
/// completing stops at once (a later delete resumes where this one stopped).
pub async fn delete(
    clients: &AwsClients,
    parts: &PartialBundle,
    name: Option<&str>,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send,
) -> Result<()> {
    let deadline = Deadline::after(timeout);
    let mut cancel = Cancel::new(cancel);
    let recorded = Leftovers::from(parts);
    let Some(name) = name else {
        return delete_all(clients, &recorded, deadline, &mut cancel).await;
    };
    // The leftovers are looked for while the recorded parts go, all but the target group: a
    // recorded target group cannot go before an unrecorded listener that still forwards to it,
    // so it goes with the leftovers, in one set and one order. A recorded part already deleted
    // when the search meets it is gone by then, or deleted again (which counts as deleted).
    let (recorded_target_groups, front) = (
        recorded.target_groups.clone(),
        Leftovers {
            target_groups: Vec::new(),
            ..recorded
        },
    );
    let mut front_cancel = cancel.fork();
    let (leftovers, front_deleted) = tokio::join!(
        Box::pin(find_leftovers(clients, name)),
        Box::pin(delete_all(clients, &front, deadline, &mut front_cancel)),
    );
    front_deleted?;
    // The recorded parts the search met before they went are deleted already.
    let mut rest = without(leftovers?, &front);
    if !rest.is_empty() {
        info!(leftovers = ?rest, "also deleting parts tagged for this bundle");
    }
    rest.merge(Leftovers {
        target_groups: recorded_target_groups,
        ..Leftovers::default()
    });
    delete_all(clients, &rest, deadline, &mut cancel).await
}

/// `found` less the parts in `deleted`.
fn without(found: Leftovers, deleted: &Leftovers) -> Leftovers {
    let keep = |ids: Vec<String>, gone: &[String]| -> Vec<String> {
        ids.into_iter().filter(|id| !gone.contains(id)).collect()
    };
    Leftovers {
        endpoint_services: keep(found.endpoint_services, &deleted.endpoint_services),
        listeners: keep(found.listeners, &deleted.listeners),
        load_balancers: keep(found.load_balancers, &deleted.load_balancers),
        target_groups: keep(found.target_groups, &deleted.target_groups),
    }
}

/// Deletes every leftover carrying the ownership tag for `name` ([`find_leftovers`]), and returns
/// what it found.
pub async fn sweep(
    clients: &AwsClients,
    name: &str,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send,
) -> Result<Leftovers> {
    let found = find_leftovers(clients, name).await?;
    let mut cancel = Cancel::new(cancel);
    delete_all(clients, &found, Deadline::after(timeout), &mut cancel).await?;
    Ok(found)
}

/// Deletes `parts` along two chains side by side: an endpoint service holds its load balancer,
/// a listener its target group, and nothing else holds anything.
async fn delete_all(
    clients: &AwsClients,
    parts: &Leftovers,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
) -> Result<()> {
    let mut listeners_cancel = cancel.fork();
    let services_then_load_balancers = Box::pin(async {
        for service_id in &parts.endpoint_services {
            cancel.check("deleting the endpoint service")?;
            delete_service(clients, service_id, deadline, cancel).await?;
            info!(endpoint_service = %service_id, "deleted the endpoint service");
        }
        for arn in &parts.load_balancers {
            // In use while an endpoint service that was just deleted still refers to it.
            let what = format!("load balancer {arn} to be released by its endpoint service");
            retry_while_in_use(&what, deadline, cancel, || {
                delete_load_balancer(clients, arn)
            })
            .await?;
            load_balancer::wait_deleted(clients, arn, deadline, cancel).await?;
            wait_network_interfaces_released(
                clients,
                arn,
                deadline.capped(NETWORK_INTERFACES_GRACE),
                cancel,
            )
            .await?;
            info!(load_balancer = %arn, "deleted the load balancer");
        }
        Ok::<_, Error>(())
    });
    let listeners_then_target_groups = Box::pin(async {
        let cancel = &mut listeners_cancel;
        for arn in &parts.listeners {
            cancel.check("deleting the listener")?;
            delete_listener(clients, arn).await?;
            info!(listener = %arn, "deleted the listener");
        }
        for arn in &parts.target_groups {
            // In use until the listeners that forwarded to it are fully gone.
            let what = format!("target group {arn} to be released by its listener");
            retry_while_in_use(&what, deadline, cancel, || {
                delete_target_group(clients, arn)
            })
            .await?;
            info!(target_group = %arn, "deleted the target group");
        }
        Ok(())
    });
    // Both run to the end (neither stops half way through a deletion); the first chain's error
    // is reported first.
    let (services, listeners) =
        tokio::join!(services_then_load_balancers, listeners_then_target_groups);
    services.and(listeners)
}

/// Deletes the service, retrying for [`CONNECTIONS_GRACE`] while consumers are still connected,
/// then waits until it is gone.
async fn delete_service(
    clients: &AwsClients,
    service_id: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
) -> Result<()> {
    let what = format!("consumers to disconnect from endpoint service {service_id}");
    let attempts = wait_for(
        &what,
        deadline.capped(CONNECTIONS_GRACE),
        cancel,
        || async {
            match delete_endpoint_service(clients, service_id).await {
                Ok(()) => Ok(Probe::Done(())),
                Err(err @ Error::EndpointServiceHasConnections { .. }) => {
                    Ok(Probe::Pending(err.to_string()))
                }
                Err(err) => Err(err),
            }
        },
    )
    .await;
    match attempts {
        Ok(()) => {}
        // The grace ran out: one last attempt reports why (connections) rather than a timeout.
        Err(Error::Timeout { .. }) => delete_endpoint_service(clients, service_id).await?,
        Err(err) => return Err(err),
    }
    endpoint_service::wait_deleted(clients, service_id, deadline, cancel).await
}

/// An NLB's network interfaces outlive it for a few minutes; until they are released, the
/// security groups and subnets they use cannot be deleted (which Terraform often does next).
async fn wait_network_interfaces_released(
    clients: &AwsClients,
    load_balancer_arn: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
) -> Result<()> {
    // ENIs of a load balancer are described "ELB net/<name>/<id>": the ARN after `loadbalancer/`.
    let Some((_, suffix)) = load_balancer_arn.split_once(":loadbalancer/") else {
        return Ok(());
    };
    let description = format!("ELB {suffix}");
    let what =
        format!("the network interfaces of load balancer {load_balancer_arn} to be released");
    wait_for(&what, deadline, cancel, || async {
        let output = clients
            .ec2
            .describe_network_interfaces()
            .filters(
                Filter::builder()
                    .name("description")
                    .values(&description)
                    .build(),
            )
            .send()
            .await
            .map_err(|err| aws("ec2:DescribeNetworkInterfaces", &[], err))?;
        match output.network_interfaces().len() {
            0 => Ok(Probe::Done(())),
            n => Ok(Probe::Pending(format!(
                "{n} network interface(s) still attached"
            ))),
        }
    })
    .await
}
