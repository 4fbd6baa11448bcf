//! Delete: the sync Lambda's parts (found by name, removed only when tagged as this endpoint
//! service's) beside every recorded part of the bundle, and every part tagged with the bundle's
//! name (leftovers of an interrupted apply), in dependency order.

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
    let name = prior.name.as_deref().unwrap_or_default();
    // Side by side: the function may run once more while the bundle goes, and what it does then
    // (register an address in a target group being deleted) fails or goes with the group, which
    // only a listener keeps in use.
    let sync_removed = Box::pin(async {
        ctx.until_stopped(tokio::time::timeout(
            timeout,
            sync::remove_parts(clients, name),
        ))
        .await
        .map_err(|_| "interrupted: Terraform asked the provider to stop".to_owned())
        .and_then(|done| done.map_err(|_| format!("did not finish within {}s", timeout.as_secs())))
        .and_then(|removed| removed)
    });
    let parts = prior.parts.ids();
    let bundle_deleted = Box::pin(aws::delete(
        &clients.bundle,
        &parts,
        prior.name.as_deref(),
        timeout,
        ctx.stopped(),
    ));
    let (sync_removed, bundle_deleted) = tokio::join!(sync_removed, bundle_deleted);
    if let Err(error) = &sync_removed {
        diags.error("Cannot delete the sync Lambda", error);
    }
    if let Err(err) = &bundle_deleted {
        diags.error("Cannot delete the endpoint service", err.to_string());
    }
    if sync_removed.is_err() || bundle_deleted.is_err() {
        return Err(None);
    }
    Ok(())
}
