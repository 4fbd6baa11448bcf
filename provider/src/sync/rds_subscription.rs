//! The RDS event subscription of `events = "sns"`: RDS publishes the database's events of the
//! address-changing categories to the sync topic ([`super::topic`]).
//!
//! One subscription names one source type, so a cluster's subscription carries the cluster's
//! events (its failovers among them) and not its member instances' (a member's reboot); those
//! reach the function through EventBridge (`events = "both"`) or the schedule.
//!
//! A subscription that differs from what is wanted is deleted and created again rather than
//! modified: it is one call either way, and the same path corrects every field (the source ids
//! included, which `ModifyEventSubscription` does not change). The schedule covers an event that
//! falls in the gap.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_rds::Client;
use aws_sdk_rds::types::Tag;
use rdslink_engine::DatabaseSelector;

use super::error::{Result, SyncError, SyncPart, found};
use super::ownership::{self, Owner};

const PART: SyncPart = SyncPart::EventSubscription;

/// The RDS source a subscription names: the database's own kind and identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdsSource {
    pub source_type: SourceType,
    /// As RDS stores it (lower case).
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    Instance,
    Cluster,
    Proxy,
}

impl SourceType {
    /// The API's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceType::Instance => "db-instance",
            SourceType::Cluster => "db-cluster",
            SourceType::Proxy => "db-proxy",
        }
    }

    /// The event categories (as `DescribeEventCategories` names them for this source type) of
    /// the events after which the address may move: the categories of
    /// [`rdslink_engine::rds_events::ADDRESS_CHANGING_EVENTS`] that RDS reports for this type,
    /// and for a proxy those of [`super::pattern::PROXY_EVENTS`]. Sorted.
    pub fn categories(self) -> &'static [&'static str] {
        match self {
            SourceType::Instance => &[
                "availability",
                "configuration change",
                "failover",
                "maintenance",
                "notification",
                "recovery",
            ],
            SourceType::Cluster => &["failover", "global-failover", "maintenance", "notification"],
            SourceType::Proxy => &["configuration change", "creation", "deletion", "failure"],
        }
    }
}

impl RdsSource {
    /// The source `selector` names; `None` for a hostname, which is no RDS resource.
    pub fn of(selector: &DatabaseSelector) -> Option<RdsSource> {
        let (source_type, id) = match selector {
            DatabaseSelector::Instance(identifier) => (SourceType::Instance, identifier),
            DatabaseSelector::Cluster { identifier, .. } => (SourceType::Cluster, identifier),
            DatabaseSelector::Proxy(name) => (SourceType::Proxy, name),
            DatabaseSelector::Endpoint(_) => return None,
        };
        Some(RdsSource {
            source_type,
            id: id.to_ascii_lowercase(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedSubscription {
    pub arn: String,
    pub topic_arn: Option<String>,
    pub source_type: Option<String>,
    pub source_ids: BTreeSet<String>,
    pub categories: BTreeSet<String>,
    pub enabled: bool,
    pub tags: BTreeMap<String, String>,
}

impl ObservedSubscription {
    /// What differs from a subscription of `source`'s events publishing to `topic_arn`.
    pub fn differences(&self, source: &RdsSource, topic_arn: &str) -> Vec<String> {
        let mut drift = Vec::new();
        if !self.enabled {
            drift.push("the RDS event subscription is disabled".to_owned());
        }
        if self.topic_arn.as_deref() != Some(topic_arn) {
            drift.push("the RDS event subscription publishes to another topic".to_owned());
        }
        let wanted_ids = BTreeSet::from([source.id.clone()]);
        if self.source_type.as_deref() != Some(source.source_type.as_str())
            || self.source_ids != wanted_ids
        {
            drift.push("the RDS event subscription names other sources".to_owned());
        }
        let wanted_categories: BTreeSet<String> = source
            .source_type
            .categories()
            .iter()
            .map(|category| (*category).to_owned())
            .collect();
        if self.categories != wanted_categories {
            drift.push("the RDS event subscription's event categories changed".to_owned());
        }
        drift
    }
}

pub async fn read_subscription(rds: &Client, name: &str) -> Result<Option<ObservedSubscription>> {
    let answer = rds
        .describe_event_subscriptions()
        .subscription_name(name)
        .send()
        .await;
    let Some(answer) = found(answer.map_err(|err| SyncError::aws(PART, name, "reading", &err)))?
    else {
        return Ok(None);
    };
    let Some(subscription) = answer
        .event_subscriptions_list()
        .iter()
        .find(|subscription| subscription.cust_subscription_id() == Some(name))
    else {
        return Ok(None);
    };
    let arn = subscription
        .event_subscription_arn()
        .ok_or_else(|| {
            SyncError::unexpected(PART, name, "DescribeEventSubscriptions answered no ARN")
        })?
        .to_owned();
    let tags = rds
        .list_tags_for_resource()
        .resource_name(&arn)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "reading the tags of", &err))?;
    Ok(Some(ObservedSubscription {
        topic_arn: subscription.sns_topic_arn().map(str::to_owned),
        source_type: subscription.source_type().map(str::to_owned),
        source_ids: subscription
            .source_ids_list()
            .iter()
            .map(|id| id.to_ascii_lowercase())
            .collect(),
        categories: subscription
            .event_categories_list()
            .iter()
            .cloned()
            .collect(),
        enabled: subscription.enabled() == Some(true),
        tags: tags
            .tag_list()
            .iter()
            .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value()?.to_owned())))
            .collect(),
        arn,
    }))
}

/// Creates the subscription `name` of `source`'s events to `topic_arn`, or recreates it when it
/// differs. Refuses a subscription of that name that is not this owner's. Returns its ARN.
pub async fn ensure_subscription(
    rds: &Client,
    owner: &Owner,
    name: &str,
    source: &RdsSource,
    topic_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    if let Some(existing) = read_subscription(rds, name).await? {
        ownership::check(owner, PART, name, &existing.tags)?;
        if existing.differences(source, topic_arn).is_empty() {
            return Ok(existing.arn);
        }
        delete(rds, name).await?;
    }
    let created = rds
        .create_event_subscription()
        .subscription_name(name)
        .sns_topic_arn(topic_arn)
        .source_type(source.source_type.as_str())
        .source_ids(&source.id)
        .set_event_categories(Some(
            source
                .source_type
                .categories()
                .iter()
                .map(|category| (*category).to_owned())
                .collect(),
        ))
        .enabled(true)
        .set_tags(Some(
            tags.iter()
                .map(|(key, value)| Tag::builder().key(key).value(value).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "creating", &err))?;
    created
        .event_subscription()
        .and_then(|subscription| subscription.event_subscription_arn())
        .map(str::to_owned)
        .ok_or_else(|| SyncError::unexpected(PART, name, "CreateEventSubscription answered no ARN"))
}

/// Deletes the subscription if it is this owner's.
pub async fn delete_subscription(rds: &Client, owner: &Owner, name: &str) -> Result<()> {
    match read_subscription(rds, name).await? {
        Some(existing) if owner.owns(&existing.tags) => delete(rds, name).await,
        _ => Ok(()),
    }
}

async fn delete(rds: &Client, name: &str) -> Result<()> {
    let deleted = rds
        .delete_event_subscription()
        .subscription_name(name)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "deleting", &err));
    found(deleted)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use rdslink_engine::rds_events::ADDRESS_CHANGING_EVENTS;

    use super::*;
    use crate::sync::pattern::PROXY_EVENTS;

    fn category(description: &str) -> String {
        let (category, _) = description
            .split_once(": ")
            .expect("every table entry is `<category>: <what>`");
        // The tables write "global failover"; the API names the category `global-failover`.
        category.replace("global failover", "global-failover")
    }

    #[test]
    fn every_address_changing_category_is_subscribed_for_instances_or_clusters() {
        let subscribed: BTreeSet<&str> = SourceType::Instance
            .categories()
            .iter()
            .chain(SourceType::Cluster.categories())
            .copied()
            .collect();
        for (number, description) in ADDRESS_CHANGING_EVENTS {
            let category = category(description);
            assert!(
                subscribed.contains(category.as_str()),
                "RDS-EVENT-{number:04}'s category {category:?} is not subscribed"
            );
        }
    }

    #[test]
    fn every_proxy_event_category_is_subscribed_for_proxies() {
        for (number, description) in PROXY_EVENTS {
            let category = category(description);
            assert!(
                SourceType::Proxy.categories().contains(&category.as_str()),
                "RDS-EVENT-{number:04}'s category {category:?} is not subscribed"
            );
        }
    }

    #[test]
    fn categories_are_sorted_so_the_same_subscription_reads_back_equal() {
        for source_type in [SourceType::Instance, SourceType::Cluster, SourceType::Proxy] {
            assert!(source_type.categories().is_sorted(), "{source_type:?}");
        }
    }

    #[test]
    fn a_subscription_names_the_database_and_a_hostname_has_none() {
        let source = RdsSource::of(&DatabaseSelector::Cluster {
            identifier: "Orders".to_owned(),
            role: Default::default(),
        });
        assert_eq!(
            source,
            Some(RdsSource {
                source_type: SourceType::Cluster,
                id: "orders".to_owned()
            })
        );
        assert_eq!(
            RdsSource::of(&DatabaseSelector::Endpoint("db.example.com".to_owned())),
            None
        );
    }
}
