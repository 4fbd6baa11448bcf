//! Delete: the sync Lambda's parts (found by name, removed only when tagged as this endpoint
//! service's), then every recorded part of the bundle, and every part tagged with the bundle's name (leftovers of an
//! interrupted apply), in dependency order.

use tfplugin::diag::Diagnostics;
use tfplugin::provider::Context;

use super::aws;
use super::model::{EndpointServiceModel, Operation};
use super::sync;
use super::timeouts;
use crate::aws::Clients;

/// `Err(None)`: the prior state stays as it was (the error is in `diags`); a delete that fails half
/// way leaves parts that the next destroy, looking them up by id and by tag, removes.
pub(super) async fn delete(
    clients: &Clients,
    prior: &EndpointServiceModel,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Result<(), Option<EndpointServiceModel>> {
    let timeout = timeouts::of(&prior.timeouts, Operation::Delete);
    // The function first: it must not register targets in a group being deleted.
    let name = prior.name.as_deref().unwrap_or_default();
    if let Err(error) = ctx
        .until_stopped(tokio::time::timeout(
            timeout,
            sync::remove_parts(clients, name),
        ))
        .await
        .map_err(|_| "interrupted: Terraform asked the provider to stop".to_owned())
        .and_then(|done| done.map_err(|_| format!("did not finish within {}s", timeout.as_secs())))
        .and_then(|removed| removed)
    {
        diags.error("Cannot delete the sync Lambda", error);
        return Err(None);
    }
    let deleted = aws::delete(
        &clients.bundle,
        &prior.parts.ids(),
        prior.name.as_deref(),
        timeout,
        ctx.stopped(),
    )
    .await;
    deleted.map_err(|err| {
        diags.error("Cannot delete the endpoint service", err.to_string());
        None
    })
}
