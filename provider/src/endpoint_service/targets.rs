//! Apply time: where the database is *now*, and the target group converged onto it through the
//! engine's `reconcile` ([`aws::reconcile_targets`]), the sync Lambda's own writer algorithm. The
//! plan promised no addresses (see [`super::plan`]), so whatever the database did since the plan,
//! the apply follows it and records what it found.

use rdslink_engine::{DatabaseSelector, Discoverer, Discovery, Report};
use tfplugin::diag::{AttributePath, Diagnostics};

use super::aws;
use super::model::{Configuration, EndpointServiceModel, Field, ip_list};
use crate::aws::Clients;
use crate::selector;

/// The database the configuration selects, and where it was found.
pub(super) struct DatabaseNow {
    pub selector: DatabaseSelector,
    pub discovery: Discovery,
}

fn discoverer(clients: &Clients) -> Discoverer {
    Discoverer::new(clients.rds.clone(), clients.resolver.clone())
}

/// Discovers the configuration's database; an error naming it when that fails. The selector
/// comes from the configuration: a planned `endpoint` is the computed answer, not a selector.
pub(super) async fn discover(
    clients: &Clients,
    config: &Configuration<'_>,
    diags: &mut Diagnostics,
) -> Option<DatabaseNow> {
    let selector = selector::from_config(config.value, diags)?;
    match discoverer(clients).discover(&selector).await {
        Ok(discovery) => Some(DatabaseNow {
            selector,
            discovery,
        }),
        Err(err) => {
            diags.error(
                format!("Cannot discover {}", selector::describe(&selector)),
                format!("{err}\n\nNothing was changed."),
            );
            None
        }
    }
}

/// Fills what the plan left to the database (`endpoint`, `port`), and refuses a database whose
/// port is not the bundle's: the listener's port cannot change in place, so only a configured
/// `port` (which replaces the bundle) may move it. `false` (with an error) when it must stop.
pub(super) fn settle(
    planned: &mut EndpointServiceModel,
    config: &Configuration<'_>,
    now: &DatabaseNow,
    diags: &mut Diagnostics,
) -> bool {
    let discovery = &now.discovery;
    if config.model.database.endpoint.is_null() && planned.database.endpoint.is_unknown() {
        planned.database.endpoint = Field::Known(discovery.endpoint.clone());
    }
    if !config.model.port.is_null() {
        return true;
    }
    let database = selector::describe(&now.selector);
    match (planned.port.known().copied(), discovery.port) {
        (None, Some(port)) => planned.port = Field::Known(i64::from(port)),
        (Some(bundle), Some(port)) if bundle != i64::from(port) => {
            diags.error_at(
                AttributePath::root("port"),
                "The database is on another port",
                format!(
                    "{database} listens on port {port}, but this endpoint service forwards port {bundle}, which \
                     cannot change in place. Set `port = {port}` (this replaces the endpoint service: consumers \
                     must recreate their endpoints), or select a database on port {bundle}."
                ),
            );
            return false;
        }
        (Some(_), _) => {}
        (None, None) => {
            diags.error_at(
                AttributePath::root("port"),
                "Missing port",
                format!(
                    "RDS reports no port for {database} ({}): set `port`.",
                    discovery.endpoint
                ),
            );
            return false;
        }
    }
    true
}

/// Moves the target group onto the database's primary of this moment (a fresh discovery, new
/// addresses registered first, stale ones deregistered only against a second discovery) and
/// records what it holds. Refuses to finish with an empty target group.
pub(super) async fn converge(
    clients: &Clients,
    now: &DatabaseNow,
    target_group_arn: &str,
    port: u16,
    planned: &mut EndpointServiceModel,
    diags: &mut Diagnostics,
) -> Option<Report> {
    let database = selector::describe(&now.selector);
    let report = match aws::reconcile_targets(
        &clients.bundle,
        discoverer(clients),
        now.selector.clone(),
        target_group_arn,
        port,
    )
    .await
    {
        Ok(report) => report,
        Err(err) => {
            diags.error(
                format!("Cannot point the target group at {database}"),
                format!(
                    "{err}\n\nThe target group {target_group_arn} keeps the addresses it held; the next \
                     `terraform apply` tries again."
                ),
            );
            return None;
        }
    };
    planned.registered_targets = ip_list(&report.targets);
    planned.database_addresses = ip_list(&report.desired);
    if report.targets.is_empty() {
        diags.error(
            "The target group is empty",
            format!(
                "After the re-sync, the target group {target_group_arn} holds no address of {database}, \
                 which discovery answered with {:?} ({}). Consumers cannot connect until it does: check \
                 the database, then run `terraform apply` again.",
                report.desired, report.endpoint
            ),
        );
        return None;
    }
    Some(report)
}

#[cfg(test)]
mod tests {
    use rdslink_engine::discovery::DatabaseKind;
    use tfplugin::value::Value;

    use super::*;

    fn now(port: Option<u16>) -> DatabaseNow {
        DatabaseNow {
            selector: DatabaseSelector::Cluster {
                identifier: "orders".into(),
                role: rdslink_engine::ClusterRole::Writer,
            },
            discovery: Discovery {
                kind: DatabaseKind::Cluster,
                endpoint: "orders.cluster-x.eu-west-1.rds.amazonaws.com".into(),
                port,
                vpc_id: None,
                engine: None,
                availability_zones: Vec::new(),
                writer_instance_identifier: None,
                target_ips: vec![[10, 0, 0, 2].into()],
            },
        }
    }

    fn settled(port: Field<i64>, now: &DatabaseNow) -> (EndpointServiceModel, Vec<String>) {
        let config_value = Value::Null;
        let config = Configuration {
            model: EndpointServiceModel::default(),
            value: &config_value,
        };
        let mut planned = EndpointServiceModel {
            port,
            ..EndpointServiceModel::default()
        };
        planned.database.endpoint = Field::unknown();
        let mut diags = Diagnostics::new();
        let went_on = settle(&mut planned, &config, now, &mut diags);
        assert_eq!(went_on, !diags.has_errors());
        (planned, diags.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_create_takes_the_databases_endpoint_and_port() {
        let (planned, said) = settled(Field::unknown(), &now(Some(5432)));
        assert!(said.is_empty(), "{said:?}");
        assert_eq!(planned.port, Field::Known(5432));
        assert_eq!(
            planned.database.endpoint.as_deref(),
            Some("orders.cluster-x.eu-west-1.rds.amazonaws.com")
        );
    }

    #[test]
    fn a_database_on_another_port_than_the_bundle_is_refused_with_the_way_out() {
        let (_, said) = settled(Field::Known(3306), &now(Some(5432)));
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("port = 5432"), "{said:?}");
        assert!(said[0].contains("replaces"), "{said:?}");
        let (_, said) = settled(Field::Known(5432), &now(Some(5432)));
        assert!(said.is_empty(), "{said:?}");
    }

    #[test]
    fn a_database_without_a_port_needs_port_set() {
        let (_, said) = settled(Field::unknown(), &now(None));
        assert!(said[0].contains("Missing port"), "{said:?}");
    }
}
