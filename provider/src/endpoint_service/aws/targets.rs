//! The target group's targets, converged with the sync engine's own plan: the provider and the
//! Lambda decide "what changes" one way.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use rdslink_engine::{TargetGroup, plan};

use super::AwsClients;
use super::error::Result;

/// Makes `desired` the registered targets on `port`: new addresses are registered before stale
/// ones are deregistered, and an empty `desired` changes nothing (the group is never emptied).
/// Returns the registered targets read back afterwards, sorted.
pub async fn sync_targets(
    clients: &AwsClients,
    target_group_arn: &str,
    port: u16,
    desired: &BTreeSet<Ipv4Addr>,
) -> Result<Vec<Ipv4Addr>> {
    let group = TargetGroup::new(clients.elbv2.clone(), target_group_arn, port);
    let registered = group.registered().await?;
    let changes = plan(desired, &registered);
    group.register(&changes.register).await?;
    group.deregister(&changes.deregister).await?;
    Ok(group.registered().await?.into_iter().collect())
}
