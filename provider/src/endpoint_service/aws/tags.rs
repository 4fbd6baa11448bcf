//! Tags: reading them per part, and converging a part's tags onto the desired ones.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::Tag as ElbTag;

use super::AwsClients;
use super::error::{Part, Result, aws};
use super::spec::OWNERSHIP_TAG;

pub type Tags = BTreeMap<String, String>;

/// What turns `current` into `desired`. Keys under `aws:` belong to AWS and are never removed;
/// the ownership tag is never removed either (a part without it would be invisible to sweeps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagChanges {
    /// Added or changed.
    pub set: Tags,
    /// Removed.
    pub remove: Vec<String>,
}

impl TagChanges {
    pub fn between(current: &Tags, desired: &Tags) -> Self {
        let set = desired
            .iter()
            .filter(|(key, value)| current.get(*key) != Some(*value))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let remove = current
            .keys()
            .filter(|key| !desired.contains_key(*key))
            .filter(|key| !key.starts_with("aws:") && key.as_str() != OWNERSHIP_TAG)
            .cloned()
            .collect();
        TagChanges { set, remove }
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

pub(crate) fn elb_tags(tags: &Tags) -> Vec<ElbTag> {
    tags.iter()
        .map(|(key, value)| ElbTag::builder().key(key).value(value).build())
        .collect()
}

pub(crate) fn ec2_tags(tags: &Tags) -> Vec<aws_sdk_ec2::types::Tag> {
    tags.iter()
        .map(|(key, value)| {
            aws_sdk_ec2::types::Tag::builder()
                .key(key)
                .value(value)
                .build()
        })
        .collect()
}

pub(crate) fn from_ec2(tags: &[aws_sdk_ec2::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|tag| {
            Some((
                tag.key()?.to_owned(),
                tag.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// ELBv2 answers DescribeTags for at most 20 resources at once.
const DESCRIBE_TAGS_BATCH: usize = 20;

/// The tags of each ELBv2 resource in `arns` (target groups, load balancers, listeners). An ARN
/// that does not exist fails the call with a typed not-found.
pub(crate) async fn elb_tags_of(
    clients: &AwsClients,
    part: Part,
    arns: &[String],
) -> Result<BTreeMap<String, Tags>> {
    let mut all = BTreeMap::new();
    for batch in arns.chunks(DESCRIBE_TAGS_BATCH) {
        let subject: Vec<(Part, &str)> = batch.iter().map(|arn| (part, arn.as_str())).collect();
        let output = clients
            .elbv2
            .describe_tags()
            .set_resource_arns(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|err| aws("elbv2:DescribeTags", &subject, err))?;
        for description in output.tag_descriptions() {
            let Some(arn) = description.resource_arn() else {
                continue;
            };
            let tags = description
                .tags()
                .iter()
                .filter_map(|tag| {
                    Some((
                        tag.key()?.to_owned(),
                        tag.value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect();
            all.insert(arn.to_owned(), tags);
        }
    }
    Ok(all)
}

/// The tags of one ELBv2 resource.
pub(crate) async fn elb_tags_of_one(clients: &AwsClients, part: Part, arn: &str) -> Result<Tags> {
    let mut all = elb_tags_of(clients, part, &[arn.to_owned()]).await?;
    Ok(all.remove(arn).unwrap_or_default())
}

/// Makes the ELBv2 resource's tags `desired` (see [`TagChanges`]).
pub(crate) async fn converge_elb_tags(
    clients: &AwsClients,
    part: Part,
    arn: &str,
    desired: &Tags,
) -> Result<()> {
    let current = elb_tags_of_one(clients, part, arn).await?;
    let changes = TagChanges::between(&current, desired);
    let subject = [(part, arn)];
    if !changes.set.is_empty() {
        clients
            .elbv2
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(elb_tags(&changes.set)))
            .send()
            .await
            .map_err(|err| aws("elbv2:AddTags", &subject, err))?;
    }
    if !changes.remove.is_empty() {
        clients
            .elbv2
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(changes.remove))
            .send()
            .await
            .map_err(|err| aws("elbv2:RemoveTags", &subject, err))?;
    }
    Ok(())
}

/// Makes the EC2 resource's tags `desired`, given its `current` tags (EC2 returns tags with the
/// resource, so no extra read is needed).
pub(crate) async fn converge_ec2_tags(
    clients: &AwsClients,
    part: Part,
    id: &str,
    current: &Tags,
    desired: &Tags,
) -> Result<()> {
    let changes = TagChanges::between(current, desired);
    let subject = [(part, id)];
    if !changes.set.is_empty() {
        clients
            .ec2
            .create_tags()
            .resources(id)
            .set_tags(Some(ec2_tags(&changes.set)))
            .send()
            .await
            .map_err(|err| aws("ec2:CreateTags", &subject, err))?;
    }
    if !changes.remove.is_empty() {
        let keys = changes
            .remove
            .iter()
            .map(|key| aws_sdk_ec2::types::Tag::builder().key(key).build())
            .collect();
        clients
            .ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(keys))
            .send()
            .await
            .map_err(|err| aws("ec2:DeleteTags", &subject, err))?;
    }
    Ok(())
}

/// Does `tags` mark the object as part of bundle `name`?
pub(crate) fn owned_by(tags: &Tags, name: &str) -> bool {
    tags.get(OWNERSHIP_TAG).is_some_and(|value| value == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn changed_and_new_keys_are_set_and_dropped_keys_removed() {
        let current = tags(&[("a", "1"), ("b", "2"), ("gone", "x")]);
        let desired = tags(&[("a", "1"), ("b", "3"), ("new", "y")]);
        let changes = TagChanges::between(&current, &desired);
        assert_eq!(changes.set, tags(&[("b", "3"), ("new", "y")]));
        assert_eq!(changes.remove, vec!["gone".to_owned()]);
    }

    #[test]
    fn the_ownership_tag_and_aws_tags_are_never_removed() {
        let current = tags(&[
            (OWNERSHIP_TAG, "orders"),
            ("aws:cloudformation:stack-name", "s"),
        ]);
        let changes = TagChanges::between(&current, &Tags::new());
        assert!(changes.is_empty(), "{changes:?}");
    }

    #[test]
    fn equal_tags_change_nothing() {
        let same = tags(&[("a", "1")]);
        assert!(TagChanges::between(&same, &same).is_empty());
    }
}
