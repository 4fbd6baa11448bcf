//! The EventBridge rule on the default event bus that delivers the database's RDS events (and no
//! others: [`super::pattern`]) to the function.

use std::collections::BTreeMap;

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::{RuleState, Tag, Target};

use super::error::{Result, SyncError, SyncPart, found};
use super::names::RULE_TARGET_ID;
use super::ownership::{self, Owner};
use super::pattern;

const PART: SyncPart = SyncPart::Rule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRule {
    pub arn: String,
    pub enabled: bool,
    pub pattern: Option<String>,
    /// The ARNs of the rule's targets.
    pub targets: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl ObservedRule {
    /// What differs from a rule delivering `wanted_pattern` to `function_arn`.
    pub fn differences(&self, wanted_pattern: &str, function_arn: &str) -> Vec<String> {
        let mut drift = Vec::new();
        if !self.enabled {
            drift.push("the EventBridge rule is disabled".to_owned());
        }
        let same = self
            .pattern
            .as_deref()
            .is_some_and(|pattern| pattern::same_pattern(pattern, wanted_pattern));
        if !same {
            drift.push("the EventBridge rule's event pattern does not match the database (a cluster member added or removed, or the rule edited)".to_owned());
        }
        if self.targets != [function_arn] {
            drift.push("the EventBridge rule does not deliver to the function (alone)".to_owned());
        }
        drift
    }
}

pub async fn read_rule(events: &Client, name: &str) -> Result<Option<ObservedRule>> {
    Ok(read_rule_and_target_ids(events, name)
        .await?
        .map(|(rule, _)| rule))
}

/// [`read_rule`], and the ids of the rule's targets (what RemoveTargets takes).
async fn read_rule_and_target_ids(
    events: &Client,
    name: &str,
) -> Result<Option<(ObservedRule, Vec<String>)>> {
    let answer = events.describe_rule().name(name).send().await;
    let Some(rule) = found(answer.map_err(|err| SyncError::aws(PART, name, "reading", &err)))?
    else {
        return Ok(None);
    };
    let arn = rule
        .arn()
        .ok_or_else(|| SyncError::unexpected(PART, name, "DescribeRule answered no ARN"))?
        .to_owned();
    let (tags, targets) = tokio::join!(
        events.list_tags_for_resource().resource_arn(&arn).send(),
        events.list_targets_by_rule().rule(name).send(),
    );
    let tags = tags.map_err(|err| SyncError::aws(PART, name, "reading the tags of", &err))?;
    let targets =
        targets.map_err(|err| SyncError::aws(PART, name, "reading the targets of", &err))?;
    let observed = ObservedRule {
        enabled: rule.state() == Some(&RuleState::Enabled),
        pattern: rule.event_pattern().map(str::to_owned),
        targets: targets
            .targets()
            .iter()
            .map(|target| target.arn().to_owned())
            .collect(),
        tags: tags
            .tags()
            .iter()
            .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
            .collect(),
        arn,
    };
    let target_ids = targets
        .targets()
        .iter()
        .map(|target| target.id().to_owned())
        .collect();
    Ok(Some((observed, target_ids)))
}

/// Creates or corrects the rule (pattern, enabled, the function as its only target); returns
/// its ARN. Refuses a rule of that name that is not this owner's.
pub async fn ensure_rule(
    events: &Client,
    owner: &Owner,
    name: &str,
    event_pattern: &str,
    function_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    let existing = read_rule(events, name).await?;
    if let Some(existing) = &existing {
        ownership::check(owner, PART, name, &existing.tags)?;
        if existing.differences(event_pattern, function_arn).is_empty() {
            return Ok(existing.arn.clone());
        }
    }
    // PutRule creates or replaces; tags given to it apply only when it creates.
    let put = events
        .put_rule()
        .name(name)
        .description(format!(
            "rdslink: RDS events of endpoint service {}'s database",
            owner.0
        ))
        .event_pattern(event_pattern)
        .state(RuleState::Enabled)
        .set_tags(existing.is_none().then(|| {
            tags.iter()
                .map(|(key, value)| {
                    Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .expect("key and value are set")
                })
                .collect()
        }))
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "writing", &err))?;
    let arn = put
        .rule_arn()
        .ok_or_else(|| SyncError::unexpected(PART, name, "PutRule answered no ARN"))?
        .to_owned();
    let has_foreign_targets = existing
        .iter()
        .flat_map(|rule| rule.targets.iter())
        .any(|target| target != function_arn);
    if has_foreign_targets {
        let listed = events
            .list_targets_by_rule()
            .rule(name)
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "reading the targets of", &err))?;
        let ids: Vec<String> = listed
            .targets()
            .iter()
            .filter(|target| target.arn() != function_arn)
            .map(|target| target.id().to_owned())
            .collect();
        events
            .remove_targets()
            .rule(name)
            .set_ids(Some(ids))
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "removing foreign targets of", &err))?;
    }
    events
        .put_targets()
        .rule(name)
        .targets(
            Target::builder()
                .id(RULE_TARGET_ID)
                .arn(function_arn)
                .build()
                .expect("id and arn are set"),
        )
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "pointing at the function", &err))?;
    Ok(arn)
}

/// Deletes the rule (its targets first, as EventBridge requires) if it is this owner's.
pub async fn delete_rule(events: &Client, owner: &Owner, name: &str) -> Result<()> {
    let Some((existing, target_ids)) = read_rule_and_target_ids(events, name).await? else {
        return Ok(());
    };
    if !owner.owns(&existing.tags) {
        return Ok(());
    }
    if !target_ids.is_empty() {
        let removed = events
            .remove_targets()
            .rule(name)
            .set_ids(Some(target_ids))
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "removing the targets of", &err));
        found(removed)?;
    }
    let deleted = events
        .delete_rule()
        .name(name)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "deleting", &err));
    found(deleted)?;
    Ok(())
}
