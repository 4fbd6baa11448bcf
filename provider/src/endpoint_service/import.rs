//! Import by endpoint service id (`vpce-svc-...`): the bundle built on that service, whether rdslink
//! built it (its parts carry the ownership tag, which gives the name) or not (no name yet: naming it
//! in the configuration adopts it in place).

use tfplugin::diag::Diagnostics;

use super::aws::{self, PartialBundle};
use super::model::{EndpointServiceModel, Parts};
use super::read::refreshed;
use super::schema::aws_id;
use crate::aws::Clients;

pub(super) async fn import(
    clients: &Clients,
    id: &str,
    diags: &mut Diagnostics,
) -> Option<EndpointServiceModel> {
    if aws_id(id, "vpce-svc").is_err() {
        diags.error(
            "Invalid import id",
            format!("{id:?} is not an endpoint service id: import with the service's id, e.g. vpce-svc-0123456789abcdef0."),
        );
        return None;
    }
    let cannot_import = |diags: &mut Diagnostics, err: aws::Error| {
        diags.error(
            format!("Cannot import endpoint service {id}"),
            err.to_string(),
        );
        None
    };
    let bundle = match aws::find_bundle_by_service_id(&clients.bundle, id).await {
        Ok(bundle) => bundle,
        Err(err) => return cannot_import(diags, err),
    };
    let observed = match aws::read(&clients.bundle, &PartialBundle::from(&bundle)).await {
        Ok(observed) => observed,
        Err(err) => return cannot_import(diags, err),
    };
    let skeleton = EndpointServiceModel {
        name: observed.owner_name().map(str::to_owned).into(),
        parts: Parts::from(&bundle),
        ..EndpointServiceModel::default()
    };
    Some(refreshed(skeleton, &observed, &clients.default_tags))
}
