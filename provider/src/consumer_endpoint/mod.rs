//! `resource "rdslink_consumer_endpoint"`: the consumer side of an rdslink endpoint service. An
//! interface endpoint in the consumer's VPC behind its own security group (open on `port` to the
//! listed clients only), and private hosted zones that answer the database's own hostname (and an
//! extra name) with the endpoint's addresses.
//!
//! [`schema`] declares the attributes, [`model`] is their typed form, [`aws`] the calls, and
//! [`apply`] the operations. The plan makes no AWS call except to check the subnets.

mod apply;
pub mod aws;
mod model;
mod schema;

use std::collections::BTreeMap;

use async_trait::async_trait;
use tfplugin::crud::{Crud, PlannedChange};
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::provider::Context;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::ClientSlot;
use crate::field::{Field, List, Map};
use model::ConsumerEndpointModel;

pub use schema::{database_hostname, service_name};

pub struct ConsumerEndpointResource {
    clients: ClientSlot,
}

impl ConsumerEndpointResource {
    pub fn new(clients: ClientSlot) -> Self {
        ConsumerEndpointResource { clients }
    }
}

fn typed(value: &Value, diags: &mut Diagnostics) -> Option<ConsumerEndpointModel> {
    match ConsumerEndpointModel::from_value(value) {
        Ok(Some(model)) => Some(model),
        Ok(None) => {
            diags.error(
                "Unexpected value from Terraform",
                "A null object where rdslink_consumer_endpoint expects one.",
            );
            None
        }
        Err(err) => {
            diags.error("Unexpected value from Terraform", err.to_string());
            None
        }
    }
}

/// `default_tags` merged with `tags`; unknown while `tags` is.
fn tags_all(
    default_tags: &BTreeMap<String, String>,
    tags: &Field<Map<String>>,
) -> Field<Map<String>> {
    match tags {
        Field::Unknown(_) => Field::unknown(),
        _ if tags
            .known()
            .is_some_and(|map| map.0.values().any(Field::is_unknown)) =>
        {
            Field::unknown()
        }
        _ => {
            let mut all = default_tags.clone();
            if let Some(map) = tags.known() {
                all.extend(map.known_entries().map(|(k, v)| (k.clone(), v.clone())));
            }
            Field::Known(Map::of(all))
        }
    }
}

#[async_trait]
impl Crud for ConsumerEndpointResource {
    fn type_name(&self) -> &'static str {
        schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        schema::validate(config, diags);
    }

    async fn modify_plan(
        &self,
        change: &mut PlannedChange,
        _ctx: &Context,
        diags: &mut Diagnostics,
    ) {
        // No AWS call here: the plan is a function of configuration and state.
        let Some(clients) = self.clients.get(diags) else {
            return;
        };
        let (Some(mut planned), Some(config)) =
            (typed(&change.planned, diags), typed(&change.config, diags))
        else {
            return;
        };
        let prior = ConsumerEndpointModel::from_value(&change.prior)
            .ok()
            .flatten();
        planned.tags_all = tags_all(&clients.default_tags, &config.tags);
        planned.drift = Field::Known(List::of(Vec::<String>::new()));
        planned.private_zone_ids = match &prior {
            // The zones stay those of the prior state when it holds one for each wanted name (a
            // zone refresh found gone was dropped from it, so its replacement plans unknown).
            Some(prior)
                if zone_names(&prior.private_zone_ids) == Some(planned.private_names())
                    && !planned.database_hostname.is_unknown()
                    && !planned.dns_name.is_unknown() =>
            {
                prior.private_zone_ids.clone()
            }
            _ if planned.private_names().is_empty()
                && !planned.database_hostname.is_unknown()
                && !planned.dns_name.is_unknown() =>
            {
                Field::Known(Map::default())
            }
            _ => Field::unknown(),
        };
        if let Some(prior) = &prior {
            // A live fact, read at refresh: kept as refreshed rather than guessed.
            planned.state = prior.state.clone();
            if prior.id.is_null() {
                // Refresh found the endpoint deleted: replace it (the delete removes what is left).
                planned.id = Field::unknown();
                planned.state = Field::unknown();
                change.requires_replace.push(AttributePath::root("id"));
            }
        }
        check_service_region(&planned, &clients.region, diags);
        let subnets_changed = prior.as_ref().is_none_or(|prior| {
            prior.subnet_ids != planned.subnet_ids || prior.vpc_id != planned.vpc_id
        });
        if subnets_changed
            && let (Some(vpc_id), Some(subnets)) =
                (planned.vpc_id.known(), planned.subnet_ids.known())
            && subnets.iter().all(|subnet| subnet.known().is_some())
        {
            match aws::subnet_problems(&clients.bundle.ec2, vpc_id, &planned.subnet_ids.elements())
                .await
            {
                Ok(problems) => {
                    for problem in problems {
                        diags.error_at(
                            AttributePath::root("subnet_ids"),
                            "Invalid subnets",
                            format!("{problem}."),
                        );
                    }
                }
                Err(err) => diags.warning("Cannot check the subnets", err),
            }
        }
        change.planned = planned.to_value();
    }

    async fn create(
        &self,
        planned: Value,
        _config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let planned = typed(&planned, diags)?;
        apply::create(clients, planned, ctx, diags)
            .await
            .map(|state| state.to_value())
    }

    async fn read(&self, state: Value, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let state = typed(&state, diags)?;
        match apply::read(clients, state, diags).await? {
            Some(state) => Some(state.to_value()),
            None => Some(Value::Null),
        }
    }

    async fn update(
        &self,
        prior: &Value,
        planned: Value,
        _config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        let prior = typed(prior, diags)?;
        let planned = typed(&planned, diags)?;
        apply::update(clients, &prior, planned, ctx, diags)
            .await
            .map(|state| state.to_value())
    }

    async fn delete(
        &self,
        prior: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Result<(), Option<Value>> {
        let Some(clients) = self.clients.connected(diags).await else {
            return Err(None);
        };
        let Some(prior) = typed(prior, diags) else {
            return Err(None);
        };
        apply::delete(clients, &prior, ctx, diags)
            .await
            .map_err(|remaining| remaining.map(|state| state.to_value()))
    }

    async fn import(&self, id: &str, _ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        let clients = self.clients.connected(diags).await?;
        apply::import(clients, id, diags)
            .await
            .map(|state| state.to_value())
    }
}

/// The names a known zone map holds, sorted.
fn zone_names(zones: &Field<Map<String>>) -> Option<Vec<String>> {
    zones.known().map(|map| map.0.keys().cloned().collect())
}

/// A service in another region needs `service_region`: its name says where it is.
fn check_service_region(
    planned: &ConsumerEndpointModel,
    provider_region: &str,
    diags: &mut Diagnostics,
) {
    let Some(name) = planned.service_name.known() else {
        return;
    };
    let Some(region) = name
        .strip_prefix("com.amazonaws.vpce.")
        .and_then(|rest| rest.split('.').next())
    else {
        return;
    };
    let endpoint_region = match &planned.service_region {
        Field::Known(region) => region.as_str(),
        Field::Unknown(_) => return,
        Field::Null => provider_region,
    };
    if region != endpoint_region {
        diags.error_at(
            AttributePath::root("service_name"),
            "Service in another region",
            format!(
                "The service is in {region}, the endpoint's provider in {provider_region}. Set `service_region = \
                 \"{region}\"` for cross-region PrivateLink (the producer must list {provider_region} in its \
                 `supported_regions`)."
            ),
        );
    }
}
