//! Delete: every recorded part, and every part tagged with the bundle's name (leftovers of an
//! interrupted apply), in dependency order.

use tfplugin::diag::Diagnostics;
use tfplugin::provider::Context;

use super::aws;
use super::model::{EndpointServiceModel, Operation};
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
