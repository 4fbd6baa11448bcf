//! The sync parts' IAM roles: the function's execution role and the role EventBridge Scheduler
//! assumes to invoke it. Each carries one inline policy, [`POLICY_NAME`], and nothing attached.

use std::collections::BTreeMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;

use super::error::{Result, SyncError, SyncPart, found};
use super::names::POLICY_NAME;
use super::ownership::{self, Owner};
use super::policy::PolicyDocument;

/// A role as IAM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRole {
    pub arn: String,
    pub trust: PolicyDocument,
    /// The inline policy [`POLICY_NAME`]; `None` when it is gone.
    pub policy: Option<PolicyDocument>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// What a role should be.
pub struct RoleSpec<'a> {
    pub part: SyncPart,
    pub name: &'a str,
    pub trust: &'a PolicyDocument,
    pub policy: &'a PolicyDocument,
    pub permissions_boundary: Option<&'a str>,
    pub tags: &'a BTreeMap<String, String>,
    pub description: &'a str,
}

pub async fn read_role(iam: &Client, part: SyncPart, name: &str) -> Result<Option<ObservedRole>> {
    // Both by the role's name, so side by side (the policy is "not found" too when the role is).
    let (answer, policy) = tokio::join!(
        iam.get_role().role_name(name).send(),
        iam.get_role_policy()
            .role_name(name)
            .policy_name(POLICY_NAME)
            .send(),
    );
    let Some(role) = found(answer.map_err(|err| SyncError::aws(part, name, "reading", &err)))?
        .and_then(|output| output.role)
    else {
        return Ok(None);
    };
    let trust = PolicyDocument::parse(role.assume_role_policy_document().unwrap_or_default())
        .map_err(|reason| {
            SyncError::unexpected(part, name, format!("its trust policy: {reason}"))
        })?;
    let policy =
        policy.map_err(|err| SyncError::aws(part, name, "reading the inline policy of", &err));
    let policy = match found(policy)? {
        Some(output) => Some(PolicyDocument::parse(output.policy_document()).map_err(
            |reason| {
                SyncError::unexpected(part, name, format!("its policy {POLICY_NAME}: {reason}"))
            },
        )?),
        None => None,
    };
    Ok(Some(ObservedRole {
        arn: role.arn().to_owned(),
        trust,
        policy,
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|boundary| boundary.permissions_boundary_arn())
            .map(str::to_owned),
        tags: role
            .tags()
            .iter()
            .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
            .collect(),
    }))
}

/// Creates the role, or brings an existing one of this owner to `spec`; returns its ARN.
/// Refuses a role of that name that is not this owner's.
pub async fn ensure_role(iam: &Client, owner: &Owner, spec: &RoleSpec<'_>) -> Result<String> {
    let (part, name) = (spec.part, spec.name);
    let Some(existing) = read_role(iam, part, name).await? else {
        return create_role(iam, spec).await;
    };
    ownership::check(owner, part, name, &existing.tags)?;
    if existing.trust != *spec.trust {
        iam.update_assume_role_policy()
            .role_name(name)
            .policy_document(spec.trust.to_json())
            .send()
            .await
            .map_err(|err| SyncError::aws(part, name, "updating the trust policy of", &err))?;
    }
    if existing.policy.as_ref() != Some(spec.policy) {
        put_policy(iam, spec).await?;
    }
    match (
        existing.permissions_boundary.as_deref(),
        spec.permissions_boundary,
    ) {
        (current, Some(wanted)) if current != Some(wanted) => {
            iam.put_role_permissions_boundary()
                .role_name(name)
                .permissions_boundary(wanted)
                .send()
                .await
                .map_err(|err| {
                    SyncError::aws(part, name, "setting the permissions boundary of", &err)
                })?;
        }
        (Some(_), None) => {
            iam.delete_role_permissions_boundary()
                .role_name(name)
                .send()
                .await
                .map_err(|err| {
                    SyncError::aws(part, name, "removing the permissions boundary of", &err)
                })?;
        }
        _ => {}
    }
    let missing: Vec<Tag> = spec
        .tags
        .iter()
        .filter(|(key, value)| existing.tags.get(*key) != Some(*value))
        .map(|(key, value)| tag(key, value))
        .collect();
    if !missing.is_empty() {
        iam.tag_role()
            .role_name(name)
            .set_tags(Some(missing))
            .send()
            .await
            .map_err(|err| SyncError::aws(part, name, "tagging", &err))?;
    }
    Ok(existing.arn)
}

async fn create_role(iam: &Client, spec: &RoleSpec<'_>) -> Result<String> {
    let (part, name) = (spec.part, spec.name);
    let created = iam
        .create_role()
        .role_name(name)
        .description(spec.description)
        .assume_role_policy_document(spec.trust.to_json())
        .set_permissions_boundary(spec.permissions_boundary.map(str::to_owned))
        .set_tags(Some(spec.tags.iter().map(|(k, v)| tag(k, v)).collect()))
        .send()
        .await
        .map_err(|err| SyncError::aws(part, name, "creating", &err))?;
    let arn = created
        .role()
        .map(|role| role.arn().to_owned())
        .ok_or_else(|| SyncError::unexpected(part, name, "CreateRole answered no role"))?;
    put_policy(iam, spec).await?;
    Ok(arn)
}

async fn put_policy(iam: &Client, spec: &RoleSpec<'_>) -> Result<()> {
    iam.put_role_policy()
        .role_name(spec.name)
        .policy_name(POLICY_NAME)
        .policy_document(spec.policy.to_json())
        .send()
        .await
        .map_err(|err| {
            SyncError::aws(spec.part, spec.name, "writing the inline policy of", &err)
        })?;
    Ok(())
}

/// Deletes the role if it is this owner's: inline and attached policies first (IAM refuses to
/// delete a role that has any). A role that is gone, or another's, is left as it is.
pub async fn delete_role(iam: &Client, owner: &Owner, part: SyncPart, name: &str) -> Result<()> {
    // The tags say whose the role is; GetRole alone answers them.
    let answer = iam.get_role().role_name(name).send().await;
    let Some(role) = found(answer.map_err(|err| SyncError::aws(part, name, "reading", &err)))?
        .and_then(|output| output.role)
    else {
        return Ok(());
    };
    let tags: BTreeMap<String, String> = role
        .tags()
        .iter()
        .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
        .collect();
    if ownership::check(owner, part, name, &tags).is_err() {
        return Ok(());
    }
    // IAM deletes a role only without policies: the inline ones deleted and the managed ones
    // detached, all side by side.
    let (inline, attached) = tokio::join!(
        iam.list_role_policies().role_name(name).send(),
        iam.list_attached_role_policies().role_name(name).send(),
    );
    let inline =
        inline.map_err(|err| SyncError::aws(part, name, "listing the inline policies of", &err))?;
    let attached = attached
        .map_err(|err| SyncError::aws(part, name, "listing the managed policies of", &err))?;
    let deletions = inline.policy_names().iter().map(|policy| async move {
        let deleted = iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|err| SyncError::aws(part, name, "deleting an inline policy of", &err));
        found(deleted).map(|_| ())
    });
    let detachments = attached
        .attached_policies()
        .iter()
        .map(|policy| async move {
            let detached = iam
                .detach_role_policy()
                .role_name(name)
                .set_policy_arn(policy.policy_arn().map(str::to_owned))
                .send()
                .await
                .map_err(|err| SyncError::aws(part, name, "detaching a managed policy from", &err));
            found(detached).map(|_| ())
        });
    tokio::try_join!(
        futures::future::try_join_all(deletions),
        futures::future::try_join_all(detachments),
    )?;
    let deleted = iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(|err| SyncError::aws(part, name, "deleting", &err));
    found(deleted)?;
    Ok(())
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}
