//! The function's log group, `/aws/lambda/<function>`, created by the provider (so the function's
//! role needs no `logs:CreateLogGroup`) with a retention, and deleted with the function.

use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::Client;

use super::error::{Result, SyncError, SyncPart, found};
use super::ownership::{self, Owner};
use super::policy::Scope;

const PART: SyncPart = SyncPart::LogGroup;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedLogGroup {
    pub retention_days: Option<i32>,
    pub tags: BTreeMap<String, String>,
}

/// The log group's ARN as the tagging APIs take it (without the `:*` DescribeLogGroups adds).
pub fn log_group_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:{}:logs:{}:{}:log-group:{name}",
        scope.partition, scope.region, scope.account_id
    )
}

pub async fn read_log_group(
    logs: &Client,
    scope: &Scope,
    name: &str,
) -> Result<Option<ObservedLogGroup>> {
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "reading", &err))?;
    let Some(group) = groups
        .log_groups()
        .iter()
        .find(|group| group.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    let retention_days = group.retention_in_days();
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(log_group_arn(scope, name))
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "reading the tags of", &err));
    let tags = found(tags)?
        .and_then(|output| output.tags)
        .unwrap_or_default()
        .into_iter()
        .collect();
    Ok(Some(ObservedLogGroup {
        retention_days,
        tags,
    }))
}

pub async fn ensure_log_group(
    logs: &Client,
    scope: &Scope,
    owner: &Owner,
    name: &str,
    retention_days: u32,
    tags: &BTreeMap<String, String>,
) -> Result<()> {
    let retention = i32::try_from(retention_days).unwrap_or(i32::MAX);
    match read_log_group(logs, scope, name).await? {
        None => {
            let created = logs
                .create_log_group()
                .log_group_name(name)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(|err| SyncError::aws(PART, name, "creating", &err));
            // Created by an earlier attempt whose answer was lost: it carries the tags already.
            if let Err(err) = created
                && err.code() != Some("ResourceAlreadyExistsException")
            {
                return Err(err);
            }
            put_retention(logs, name, retention).await
        }
        Some(existing) => {
            ownership::check(owner, PART, name, &existing.tags)?;
            if existing.retention_days != Some(retention) {
                put_retention(logs, name, retention).await?;
            }
            let missing: std::collections::HashMap<String, String> = tags
                .iter()
                .filter(|(key, value)| existing.tags.get(*key) != Some(*value))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            if !missing.is_empty() {
                logs.tag_resource()
                    .resource_arn(log_group_arn(scope, name))
                    .set_tags(Some(missing))
                    .send()
                    .await
                    .map_err(|err| SyncError::aws(PART, name, "tagging", &err))?;
            }
            Ok(())
        }
    }
}

async fn put_retention(logs: &Client, name: &str, retention: i32) -> Result<()> {
    logs.put_retention_policy()
        .log_group_name(name)
        .retention_in_days(retention)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "setting the retention of", &err))?;
    Ok(())
}

/// Deletes the log group if it is this owner's; gone or another's is left alone.
pub async fn delete_log_group(
    logs: &Client,
    scope: &Scope,
    owner: &Owner,
    name: &str,
) -> Result<()> {
    let existing = read_log_group(logs, scope, name).await?;
    delete_read_log_group(logs, owner, name, existing).await
}

/// [`delete_log_group`] of a group already read (`None`: there is none).
pub async fn delete_read_log_group(
    logs: &Client,
    owner: &Owner,
    name: &str,
    existing: Option<ObservedLogGroup>,
) -> Result<()> {
    let Some(existing) = existing else {
        return Ok(());
    };
    if !owner.owns(&existing.tags) {
        return Ok(());
    }
    let deleted = logs
        .delete_log_group()
        .log_group_name(name)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "deleting", &err));
    found(deleted)?;
    Ok(())
}
