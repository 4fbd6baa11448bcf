//! Import by endpoint service id (`vpce-svc-...`): the bundle built on that service, whether rdslink
//! built it (its parts carry the ownership tag, which gives the name) or not (no name yet: naming it
//! in the configuration adopts it in place).
//!
//! Everything AWS holds is read back as a refresh reads it. The database selector is not an AWS
//! setting: rdslink records it in the database tag ([`aws::DATABASE_TAG`]) at create and update,
//! and import reads it from there and asks the database for the `endpoint` a plan would compute.
//! A bundle without that tag (built by hand, or by a provider version that did not write it)
//! imports without a selector: the configuration supplies it, and the first plan shows it.

use rdslink_engine::DatabaseSelector;
use rdslink_engine::discovery::Discoverer;
use tfplugin::diag::Diagnostics;

use super::aws::{self, PartialBundle};
use super::model::{Database, EndpointServiceModel, Field, Parts};
use super::read::refreshed;
use super::schema::aws_id;
use crate::aws::Clients;
use crate::selector;

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
    let recorded = aws::recorded_database(&observed).and_then(Database::parse_tag);
    let database = match &recorded {
        Some(selector) => database_now(clients, selector, diags).await,
        None => Database::default(),
    };
    let skeleton = EndpointServiceModel {
        name: observed.owner_name().map(str::to_owned).into(),
        database,
        parts: Parts::from(&bundle),
        ..EndpointServiceModel::default()
    };
    Some(refreshed(skeleton, &observed, &clients.default_tags))
}

/// The selector attributes of `selector`, with the `endpoint` a plan computes for it (the
/// database's hostname now). When the database cannot be discovered, `endpoint` stays null with a
/// warning: the next plan computes it (and shows it as a change) once the database answers.
async fn database_now(
    clients: &Clients,
    selector: &DatabaseSelector,
    diags: &mut Diagnostics,
) -> Database {
    let mut database = Database::of_selector(selector);
    if matches!(selector, DatabaseSelector::Endpoint(_)) {
        return database;
    }
    let discoverer = Discoverer::new(clients.rds.clone(), clients.resolver.clone());
    match discoverer.discover(selector).await {
        Ok(discovery) => database.endpoint = Field::Known(discovery.endpoint),
        Err(err) => diags.warning(
            format!("Cannot discover {} now", selector::describe(selector)),
            format!(
                "{err}\n\nThe import records the database selector but not its endpoint; the next plan \
                 discovers it again."
            ),
        ),
    }
    database
}
