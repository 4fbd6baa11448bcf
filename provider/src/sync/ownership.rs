//! Which sync parts are this endpoint service's: those tagged with the ownership tag and its
//! `name`. A part with rdslink's name for it but without that tag is someone else's, and is
//! neither changed nor deleted.

use std::collections::BTreeMap;

use crate::endpoint_service::aws::OWNERSHIP_TAG;

use super::error::{Result, SyncError, SyncPart};

/// The endpoint service a deployment belongs to: the ownership tag's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner(pub String);

impl Owner {
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(OWNERSHIP_TAG) == Some(&self.0)
    }
}

/// `Ok` when `tags` show the part is `owner`'s; [`SyncError::NotOwned`] otherwise.
pub fn check(
    owner: &Owner,
    part: SyncPart,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<()> {
    if owner.owns(tags) {
        return Ok(());
    }
    let detail = match tags.get(OWNERSHIP_TAG) {
        Some(other) => format!("; it belongs to the endpoint service {other:?}"),
        None => String::new(),
    };
    Err(SyncError::NotOwned {
        part,
        name: name.to_owned(),
        tag: OWNERSHIP_TAG,
        owner: owner.0.clone(),
        detail,
    })
}
