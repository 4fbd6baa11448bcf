//! The SNS topic of `events = "sns"`: RDS publishes the database's events to it (through the RDS
//! event subscription, [`super::rds_subscription`]) and it delivers them to the function, as the
//! AWS sample wires its Python function. Its access policy lets only RDS, for this account's one
//! event subscription, publish ([`super::policy::topic_policy`]).
//!
//! The topic is found by its name (its ARN is derived from it) and changed or deleted only when
//! it carries the ownership tag. Deleting a topic deletes its subscriptions.

use std::collections::BTreeMap;

use aws_sdk_sns::Client;
use aws_sdk_sns::types::Tag;

use super::error::{Result, SyncError, SyncPart, found};
use super::ownership::{self, Owner};
use super::policy::PolicyDocument;

const PART: SyncPart = SyncPart::Topic;

/// The protocol of the function's subscription to the topic.
const LAMBDA_PROTOCOL: &str = "lambda";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTopic {
    /// The access policy; `None` when it is not a policy document.
    pub policy: Option<PolicyDocument>,
    /// The endpoints of the topic's `lambda` subscriptions.
    pub lambda_subscribers: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl ObservedTopic {
    /// What differs from a topic with `wanted_policy` that delivers to `function_arn`.
    pub fn differences(&self, wanted_policy: &PolicyDocument, function_arn: &str) -> Vec<String> {
        let mut drift = Vec::new();
        if self.policy.as_ref() != Some(wanted_policy) {
            drift.push("the SNS topic's access policy changed".to_owned());
        }
        if !self
            .lambda_subscribers
            .iter()
            .any(|endpoint| endpoint == function_arn)
        {
            drift.push("the SNS topic does not deliver to the function".to_owned());
        }
        drift
    }
}

/// The topic at `arn` (`None`: absent).
pub async fn read_topic(sns: &Client, arn: &str) -> Result<Option<ObservedTopic>> {
    let attributes = sns.get_topic_attributes().topic_arn(arn).send().await;
    let Some(attributes) =
        found(attributes.map_err(|err| SyncError::aws(PART, arn, "reading", &err)))?
    else {
        return Ok(None);
    };
    let policy = attributes
        .attributes()
        .and_then(|attributes| attributes.get("Policy"))
        .and_then(|text| PolicyDocument::parse(text).ok());
    let tags = sns
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, arn, "reading the tags of", &err))?;
    Ok(Some(ObservedTopic {
        policy,
        lambda_subscribers: lambda_subscribers(sns, arn).await?,
        tags: tags
            .tags()
            .iter()
            .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
            .collect(),
    }))
}

/// The endpoints of the topic's `lambda` subscriptions, every page read.
async fn lambda_subscribers(sns: &Client, arn: &str) -> Result<Vec<String>> {
    let mut endpoints = Vec::new();
    let mut next_token = None;
    loop {
        let page = sns
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, arn, "reading the subscriptions of", &err))?;
        endpoints.extend(
            page.subscriptions()
                .iter()
                .filter(|subscription| subscription.protocol() == Some(LAMBDA_PROTOCOL))
                .filter_map(|subscription| subscription.endpoint().map(str::to_owned)),
        );
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
            _ => return Ok(endpoints),
        }
    }
}

/// Creates or corrects the topic `name` (at `arn`): its access policy and the function's
/// subscription. Refuses a topic of that name that is not this owner's. Returns the topic's ARN.
pub async fn ensure_topic(
    sns: &Client,
    owner: &Owner,
    name: &str,
    arn: &str,
    policy: &PolicyDocument,
    function_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    let existing = read_topic(sns, arn).await?;
    let existing = match existing {
        Some(existing) => {
            ownership::check(owner, PART, name, &existing.tags)?;
            existing
        }
        None => {
            // CreateTopic is idempotent for the same name and tags: a retry after a lost answer
            // meets the topic the first attempt made.
            let created = sns
                .create_topic()
                .name(name)
                .set_tags(Some(
                    tags.iter()
                        .map(|(key, value)| {
                            Tag::builder()
                                .key(key)
                                .value(value)
                                .build()
                                .expect("key and value are set")
                        })
                        .collect(),
                ))
                .send()
                .await
                .map_err(|err| SyncError::aws(PART, name, "creating", &err))?;
            if created.topic_arn() != Some(arn) {
                return Err(SyncError::unexpected(
                    PART,
                    name,
                    format!(
                        "CreateTopic answered the ARN {:?}, not {arn:?}",
                        created.topic_arn()
                    ),
                ));
            }
            ObservedTopic {
                policy: None,
                lambda_subscribers: Vec::new(),
                tags: tags.clone(),
            }
        }
    };
    if existing.policy.as_ref() != Some(policy) {
        sns.set_topic_attributes()
            .topic_arn(arn)
            .attribute_name("Policy")
            .attribute_value(policy.to_json())
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "setting the access policy of", &err))?;
    }
    if !existing
        .lambda_subscribers
        .iter()
        .any(|endpoint| endpoint == function_arn)
    {
        // Subscribe is idempotent for the same topic, protocol and endpoint.
        sns.subscribe()
            .topic_arn(arn)
            .protocol(LAMBDA_PROTOCOL)
            .endpoint(function_arn)
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "subscribing the function to", &err))?;
    }
    Ok(arn.to_owned())
}

/// Deletes the topic (and with it its subscriptions) if it is this owner's.
pub async fn delete_topic(sns: &Client, owner: &Owner, arn: &str) -> Result<()> {
    let Some(existing) = read_topic(sns, arn).await? else {
        return Ok(());
    };
    if !owner.owns(&existing.tags) {
        return Ok(());
    }
    let deleted = sns
        .delete_topic()
        .topic_arn(arn)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, arn, "deleting", &err));
    found(deleted)?;
    Ok(())
}
