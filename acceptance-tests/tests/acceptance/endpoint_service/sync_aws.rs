//! The sync Lambda's parts read straight from the AWS API, independently of the provider's code:
//! the function, its role and policy documents (parsed), its log group, the rule and the schedule.

use std::collections::{BTreeMap, HashMap};

use rdslink_testkit::Account;
use serde_json::Value;

use super::OWNERSHIP_TAG;

/// IAM answers policy documents URL-encoded (RFC 3986); `+` is not a space there.
pub fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
            out.push(u8::from_str_radix(hex, 16).expect("a percent escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 policy")
}

/// A policy document as JSON, whether IAM sent it encoded or not.
pub fn policy_json(text: &str) -> Value {
    let decoded = if text.trim_start().starts_with('{') {
        text.to_owned()
    } else {
        url_decode(text)
    };
    serde_json::from_str(&decoded).expect("a JSON policy document")
}

fn as_list(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().expect("strings").to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// Every `(action, resource)` an Allow statement grants.
pub fn grants(policy: &Value) -> Vec<(String, String)> {
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        single => vec![single.clone()],
    };
    let mut grants = Vec::new();
    for statement in statements.iter().filter(|s| s["Effect"] == "Allow") {
        for action in as_list(&statement["Action"]) {
            for resource in as_list(&statement["Resource"]) {
                grants.push((action.clone(), resource));
            }
        }
    }
    grants
}

/// Read-only actions (`Describe*`, `List*`, `Get*`): the only ones allowed on `"*"`.
pub fn is_read_only(action: &str) -> bool {
    let verb = action.split_once(':').map_or(action, |(_, verb)| verb);
    ["Describe", "List", "Get"]
        .iter()
        .any(|prefix| verb.starts_with(prefix))
}

/// The inline policies of a role, by name, as JSON.
pub async fn role_policies(account: &Account, role: &str) -> BTreeMap<String, Value> {
    let iam = account.iam();
    let names = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .expect("ListRolePolicies");
    let mut policies = BTreeMap::new();
    for name in names.policy_names() {
        let policy = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .expect("GetRolePolicy");
        policies.insert(name.clone(), policy_json(policy.policy_document()));
    }
    policies
}

pub async fn trust_policy(account: &Account, role: &str) -> Value {
    let role = account
        .iam()
        .get_role()
        .role_name(role)
        .send()
        .await
        .expect("GetRole");
    policy_json(
        role.role()
            .expect("a role")
            .assume_role_policy_document()
            .expect("a trust policy"),
    )
}

/// Names of the sync parts in the account that carry the ownership tag (or, for schedules, which
/// carry no tags, that invoke an rdslink sync function).
#[derive(Debug, Default)]
pub struct SyncInventory {
    pub functions: Vec<String>,
    pub roles: Vec<String>,
    pub log_groups: Vec<String>,
    pub rules: Vec<String>,
    pub schedules: Vec<String>,
    pub topics: Vec<String>,
    pub event_subscriptions: Vec<String>,
}

impl SyncInventory {
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
            && self.roles.is_empty()
            && self.log_groups.is_empty()
            && self.rules.is_empty()
            && self.schedules.is_empty()
            && self.topics.is_empty()
            && self.event_subscriptions.is_empty()
    }
}

fn owned(tags: &HashMap<String, String>) -> bool {
    tags.contains_key(OWNERSHIP_TAG)
}

pub async fn sync_inventory(account: &Account) -> SyncInventory {
    let mut inventory = SyncInventory::default();
    let lambda = account.lambda();
    let functions = lambda.list_functions().send().await.expect("ListFunctions");
    for function in functions.functions() {
        let arn = function.function_arn().expect("an ARN");
        let tags = lambda
            .list_tags()
            .resource(arn)
            .send()
            .await
            .expect("ListTags");
        if tags.tags().is_some_and(owned) {
            inventory
                .functions
                .push(function.function_name().unwrap_or_default().to_owned());
        }
    }
    let iam = account.iam();
    let roles = iam.list_roles().send().await.expect("ListRoles");
    for role in roles.roles() {
        let tags = iam
            .list_role_tags()
            .role_name(role.role_name())
            .send()
            .await
            .expect("ListRoleTags");
        if tags.tags().iter().any(|tag| tag.key() == OWNERSHIP_TAG) {
            inventory.roles.push(role.role_name().to_owned());
        }
    }
    let logs = account.logs();
    let groups = logs
        .describe_log_groups()
        .send()
        .await
        .expect("DescribeLogGroups");
    for group in groups.log_groups() {
        let name = group.log_group_name().unwrap_or_default();
        let arn = group.arn().unwrap_or_default().trim_end_matches(":*");
        let tags = logs
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .expect("ListTagsForResource");
        if tags.tags().is_some_and(owned) {
            inventory.log_groups.push(name.to_owned());
        }
    }
    let events = account.eventbridge();
    let rules = events.list_rules().send().await.expect("ListRules");
    for rule in rules.rules() {
        let tags = events
            .list_tags_for_resource()
            .resource_arn(rule.arn().unwrap_or_default())
            .send()
            .await
            .expect("ListTagsForResource");
        if tags.tags().iter().any(|tag| tag.key() == OWNERSHIP_TAG) {
            inventory
                .rules
                .push(rule.name().unwrap_or_default().to_owned());
        }
    }
    let scheduler = account.scheduler();
    let schedules = scheduler
        .list_schedules()
        .send()
        .await
        .expect("ListSchedules");
    for schedule in schedules.schedules() {
        let invokes_sync = schedule
            .target()
            .is_some_and(|target| target.arn().contains(":function:rdslink-sync-"));
        if invokes_sync {
            inventory
                .schedules
                .push(schedule.name().unwrap_or_default().to_owned());
        }
    }
    let sns = account.sns();
    let topics = sns.list_topics().send().await.expect("ListTopics");
    for topic in topics.topics() {
        let arn = topic.topic_arn().unwrap_or_default();
        let tags = sns
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .expect("ListTagsForResource");
        if tags.tags().iter().any(|tag| tag.key() == OWNERSHIP_TAG) {
            inventory.topics.push(arn.to_owned());
        }
    }
    let rds = account.rds();
    let subscriptions = rds
        .describe_event_subscriptions()
        .send()
        .await
        .expect("DescribeEventSubscriptions");
    for subscription in subscriptions.event_subscriptions_list() {
        let tags = rds
            .list_tags_for_resource()
            .resource_name(subscription.event_subscription_arn().unwrap_or_default())
            .send()
            .await
            .expect("ListTagsForResource");
        if tags
            .tag_list()
            .iter()
            .any(|tag| tag.key() == Some(OWNERSHIP_TAG))
        {
            inventory.event_subscriptions.push(
                subscription
                    .cust_subscription_id()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    inventory
}
