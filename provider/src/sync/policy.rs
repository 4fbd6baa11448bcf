//! The IAM documents of a sync deployment, typed: the sync function's trust and execution
//! policies, and the trust and permissions of the role EventBridge Scheduler invokes it with.
//!
//! The execution policy grants what the engine's calls need and nothing more, one statement per
//! purpose, each named by its `Sid`:
//!
//! - `RegisterTargetsOfThisTargetGroup`: `elasticloadbalancing:RegisterTargets` and
//!   `DeregisterTargets` on exactly the bundle's target group, the only thing the sync changes.
//! - `ReadTargetHealth`: `elasticloadbalancing:DescribeTargetHealth` on `*`, because ELBv2's
//!   `Describe*` actions support no resource-level permissions; it only reads.
//! - The RDS reads discovery makes for the selector (`rdslink_engine::discovery`):
//!   - an instance: `rds:DescribeDBInstances` on that instance (`DescribeTheInstance`);
//!   - a cluster: `rds:DescribeDBClusters` on that cluster (`DescribeTheCluster`);
//!     `rds:DescribeDBInstances` on every instance of the account and region
//!     (`DescribeClusterMembers`), because the members change over time: naming today's would
//!     break the sync the moment a member added later is promoted. Nothing on subnet groups:
//!     the function's discovery is address-only (`Discoverer::addresses_only`), so it never reads
//!     the cluster's VPC;
//!   - a proxy: `rds:DescribeDBProxies` on every proxy (`DescribeTheProxy`), because a proxy's ARN
//!     carries a generated id, not the name the selector knows;
//!   - a hostname: nothing (DNS only).
//! - `WriteOwnLogs`: `logs:CreateLogStream` and `logs:PutLogEvents` on the function's own log
//!   group; no `logs:CreateLogGroup`, since the provider creates the group (with a retention).
//! - Only for a function attached to a VPC (`sync.subnet_ids`), the network interfaces Lambda
//!   creates for it with the function's role (the Lambda developer guide's "execution role
//!   permissions" for VPC access, the AWSLambdaVPCAccessExecutionRole actions without its logs
//!   actions):
//!   - `CreateNetworkInterfacesInTheSubnets`: `ec2:CreateNetworkInterface` on network interfaces
//!     of this account and region, and only in the configured subnets and with the configured
//!     security groups (the action is authorised against each of them);
//!   - `ManageTheNetworkInterfaces`: `ec2:DeleteNetworkInterface`, `ec2:AssignPrivateIpAddresses`
//!     and `ec2:UnassignPrivateIpAddresses` on network interfaces of this account and region
//!     (Lambda names none in advance; the guide asks for all of them);
//!   - `DescribeNetworkInterfaces`: `ec2:DescribeNetworkInterfaces` and `ec2:DescribeSubnets` on
//!     `*`, because EC2's `Describe*` actions support no resource-level permissions; they only
//!     read.
//!
//! Invariant: no statement allows a mutating action on `*`; every `*` resource is a read
//! ([`mutating_actions_on_wildcard`], asserted for every selector kind in the tests).
//!
//! Both trust policies let only their service, acting for this account, assume the role
//! (`aws:SourceAccount`): the confused-deputy guard AWS recommends for service roles.
//!
//! Documents read back from IAM ([`PolicyDocument::parse`]) compare semantically: actions,
//! resources and condition values are sets, so order and duplicates do not count as drift.

use std::collections::{BTreeMap, BTreeSet};

use rdslink_engine::DatabaseSelector;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The current policy language version (IAM's default, `2008-10-17`, lacks policy variables).
pub const VERSION: &str = "2012-10-17";

/// The account and region every sync part lives in, and their partition (which every ARN
/// names).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub partition: String,
    pub region: String,
    pub account_id: String,
}

impl Scope {
    /// The scope of `account_id` in `region`, the partition derived from the region's name.
    pub fn new(region: &str, account_id: &str) -> Self {
        Scope {
            partition: partition_of_region(region).to_owned(),
            region: region.to_owned(),
            account_id: account_id.to_owned(),
        }
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account_id
        )
    }

    /// A DB instance's ARN. RDS stores identifiers in lower case (accepting any case), and ARNs
    /// and events carry them so; IAM and EventBridge compare case-sensitively.
    pub fn db_instance_arn(&self, identifier: &str) -> String {
        self.arn("rds", &format!("db:{}", identifier.to_ascii_lowercase()))
    }

    /// A DB cluster's ARN (lower case, as for instances).
    pub fn db_cluster_arn(&self, identifier: &str) -> String {
        self.arn(
            "rds",
            &format!("cluster:{}", identifier.to_ascii_lowercase()),
        )
    }
}

/// The partition a region belongs to, by the region-name prefixes of the AWS SDK's partition
/// table (`regionRegex`); any other well-formed region is in `aws`, as the SDK assumes too.
///
/// The engine's validators check region and partition *shapes* but do not map one onto the
/// other, hence this table; it belongs beside them if another part ever needs it.
pub fn partition_of_region(region: &str) -> &'static str {
    const BY_PREFIX: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-iso-", "aws-iso"),
        ("us-isob-", "aws-iso-b"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
        ("eusc-", "aws-eusc"),
    ];
    BY_PREFIX
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// An IAM policy document, with IAM's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Statement", deserialize_with = "one_statement_or_many")]
    pub statements: Vec<Statement>,
    /// Fields rdslink never writes (`Id`): kept, so that a document edited to carry them reads
    /// back as different rather than failing to parse or hiding the edit.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// One statement. Actions and resources are sets: IAM gives their order no meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "Sid", default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(rename = "Action", default, deserialize_with = "one_or_many")]
    pub action: BTreeSet<String>,
    /// Empty in trust policies, which name no resource.
    #[serde(
        rename = "Resource",
        default,
        skip_serializing_if = "BTreeSet::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub resource: BTreeSet<String>,
    /// Operator (`StringEquals`) -> condition key (`aws:SourceAccount`) -> values.
    #[serde(rename = "Condition", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<BTreeMap<String, BTreeMap<String, Values>>>,
    /// Fields rdslink never writes (`NotAction`, `NotResource`, `NotPrincipal`): kept so that
    /// they count as drift (see [`PolicyDocument::other`]).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A statement's `Principal`: the services that may assume a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    #[serde(rename = "Service", default, skip_serializing_if = "Values::is_empty")]
    pub service: Values,
    /// Other principal kinds (`AWS`, `Federated`): kept so that they count as drift.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A set of strings written as IAM writes a principal's or a condition's values: one value as
/// a plain string, several as a list. Read from either form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(pub BTreeSet<String>);

impl Values {
    pub fn one(value: impl Into<String>) -> Self {
        Values(BTreeSet::from([value.into()]))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.first() {
            Some(only) if self.0.len() == 1 => serializer.serialize_str(only),
            _ => self.0.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one_or_many(deserializer).map(Values)
    }
}

/// Why a policy text read back from IAM is not a policy document.
#[derive(Debug, thiserror::Error)]
pub enum PolicyParseError {
    #[error("it is not URL-encoded correctly: {0}")]
    Encoding(String),
    #[error("it is not an IAM policy document: {0}")]
    Json(#[from] serde_json::Error),
}

impl PolicyDocument {
    /// The document as compact JSON, the same text for the same document: fields in a fixed
    /// order, sets sorted.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a policy document always serialises")
    }

    /// A document as IAM returns it: URL-encoded (GetRole, GetRolePolicy: `%7B%22Version...`) or
    /// plain JSON; actions, resources and values as a string or a list.
    pub fn parse(text: &str) -> Result<PolicyDocument, PolicyParseError> {
        let text = text.trim();
        if text.starts_with('{') {
            return Ok(serde_json::from_str(text)?);
        }
        Ok(serde_json::from_str(&percent_decode(text)?)?)
    }
}

/// The trust policy of the function's execution role: Lambda, acting for this account.
pub fn lambda_trust_policy(scope: &Scope) -> PolicyDocument {
    service_trust(
        "LambdaOfThisAccountRunsTheFunction",
        "lambda.amazonaws.com",
        scope,
    )
}

/// The trust policy of the role the schedule invokes the function with: EventBridge Scheduler,
/// acting for this account.
pub fn scheduler_trust_policy(scope: &Scope) -> PolicyDocument {
    service_trust(
        "SchedulerOfThisAccountInvokesTheFunction",
        "scheduler.amazonaws.com",
        scope,
    )
}

/// The schedule's permission: invoking exactly the function (its unqualified ARN, the one the
/// schedule targets; no versions or aliases).
pub fn scheduler_policy(function_arn: &str) -> PolicyDocument {
    document(vec![allow(
        "InvokeTheSyncFunction",
        &["lambda:InvokeFunction"],
        [function_arn.to_owned()],
    )])
}

/// The function's network placement: its subnets and security groups when it is attached to a
/// VPC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VpcAttachment {
    pub subnet_ids: BTreeSet<String>,
    pub security_group_ids: BTreeSet<String>,
}

/// The function's permissions: see the module documentation for why each statement exists.
pub fn execution_policy(
    scope: &Scope,
    target_group_arn: &str,
    selector: &DatabaseSelector,
    log_group_name: &str,
    vpc: Option<&VpcAttachment>,
) -> PolicyDocument {
    let mut statements = vec![
        allow(
            "RegisterTargetsOfThisTargetGroup",
            &[
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
            ],
            [target_group_arn.to_owned()],
        ),
        allow(
            "ReadTargetHealth",
            &["elasticloadbalancing:DescribeTargetHealth"],
            ["*".to_owned()],
        ),
    ];
    statements.extend(rds_reads(scope, selector));
    statements.push(allow(
        "WriteOwnLogs",
        &["logs:CreateLogStream", "logs:PutLogEvents"],
        [scope.arn("logs", &format!("log-group:{log_group_name}:*"))],
    ));
    if let Some(vpc) = vpc {
        statements.extend(network_interfaces(scope, vpc));
    }
    document(statements)
}

/// What Lambda does with the function's role to attach it to `vpc`.
fn network_interfaces(scope: &Scope, vpc: &VpcAttachment) -> [Statement; 3] {
    let interfaces = scope.arn("ec2", "network-interface/*");
    let subnets = vpc
        .subnet_ids
        .iter()
        .map(|id| scope.arn("ec2", &format!("subnet/{id}")));
    let security_groups = vpc
        .security_group_ids
        .iter()
        .map(|id| scope.arn("ec2", &format!("security-group/{id}")));
    [
        allow(
            "CreateNetworkInterfacesInTheSubnets",
            &["ec2:CreateNetworkInterface"],
            std::iter::once(interfaces.clone())
                .chain(subnets)
                .chain(security_groups),
        ),
        allow(
            "ManageTheNetworkInterfaces",
            &[
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            [interfaces],
        ),
        allow(
            "DescribeNetworkInterfaces",
            &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            ["*".to_owned()],
        ),
    ]
}

/// The access policy of the SNS topic of `events = "sns"`: only RDS, publishing for this
/// account's one event subscription (`aws:SourceArn`, `aws:SourceAccount`: the confused-deputy
/// guard of the RDS user guide's topic policy), may publish to it. The topic's owner keeps its
/// rights through IAM.
pub fn topic_policy(
    scope: &Scope,
    topic_arn: &str,
    event_subscription_arn: &str,
) -> PolicyDocument {
    let conditions = BTreeMap::from([
        (
            "StringEquals".to_owned(),
            BTreeMap::from([(
                "aws:SourceAccount".to_owned(),
                Values::one(&scope.account_id),
            )]),
        ),
        (
            "ArnEquals".to_owned(),
            BTreeMap::from([(
                "aws:SourceArn".to_owned(),
                Values::one(event_subscription_arn),
            )]),
        ),
    ]);
    document(vec![Statement {
        principal: Some(Principal {
            service: Values::one("events.rds.amazonaws.com"),
            other: BTreeMap::new(),
        }),
        condition: Some(conditions),
        ..allow(
            "RdsPublishesTheDatabaseEvents",
            &["sns:Publish"],
            [topic_arn.to_owned()],
        )
    }])
}

/// The RDS reads discovery makes for `selector`, in the order it makes them.
fn rds_reads(scope: &Scope, selector: &DatabaseSelector) -> Vec<Statement> {
    let every = |resource_type: &str| scope.arn("rds", &format!("{resource_type}:*"));
    match selector {
        DatabaseSelector::Instance(identifier) => vec![allow(
            "DescribeTheInstance",
            &["rds:DescribeDBInstances"],
            [scope.db_instance_arn(identifier)],
        )],
        DatabaseSelector::Cluster { identifier, .. } => vec![
            allow(
                "DescribeTheCluster",
                &["rds:DescribeDBClusters"],
                [scope.db_cluster_arn(identifier)],
            ),
            allow(
                "DescribeClusterMembers",
                &["rds:DescribeDBInstances"],
                [every("db")],
            ),
        ],
        DatabaseSelector::Proxy(_) => vec![allow(
            "DescribeTheProxy",
            &["rds:DescribeDBProxies"],
            [every("db-proxy")],
        )],
        DatabaseSelector::Endpoint(_) => Vec::new(),
    }
}

/// Every action some `Allow` statement grants on the resource `*` that is not a read
/// (`Describe*`, `List*`, `Get*`), sorted. Empty for every document rdslink writes.
pub fn mutating_actions_on_wildcard(document: &PolicyDocument) -> Vec<String> {
    let read_only = |action: &str| {
        let name = action.split_once(':').map_or(action, |(_, name)| name);
        let name = name.to_ascii_lowercase();
        ["describe", "list", "get"]
            .iter()
            .any(|verb| name.starts_with(verb))
    };
    let mutating: BTreeSet<&String> = document
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow && statement.resource.contains("*"))
        .flat_map(|statement| &statement.action)
        .filter(|action| !read_only(action))
        .collect();
    mutating.into_iter().cloned().collect()
}

fn document(statements: Vec<Statement>) -> PolicyDocument {
    PolicyDocument {
        version: VERSION.to_owned(),
        statements,
        other: BTreeMap::new(),
    }
}

fn allow(sid: &str, actions: &[&str], resources: impl IntoIterator<Item = String>) -> Statement {
    Statement {
        sid: Some(sid.to_owned()),
        effect: Effect::Allow,
        principal: None,
        action: actions.iter().map(|action| (*action).to_owned()).collect(),
        resource: resources.into_iter().collect(),
        condition: None,
        other: BTreeMap::new(),
    }
}

fn service_trust(sid: &str, service: &str, scope: &Scope) -> PolicyDocument {
    let source_account = BTreeMap::from([(
        "aws:SourceAccount".to_owned(),
        Values::one(&scope.account_id),
    )]);
    document(vec![Statement {
        principal: Some(Principal {
            service: Values::one(service),
            other: BTreeMap::new(),
        }),
        condition: Some(BTreeMap::from([(
            "StringEquals".to_owned(),
            source_account,
        )])),
        ..allow(sid, &["sts:AssumeRole"], [])
    }])
}

/// `Statement` is one object or a list of them.
fn one_statement_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Statement>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<Statement>),
        One(Box<Statement>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(statements) => statements,
        OneOrMany::One(statement) => vec![*statement],
    })
}

/// A string or a list of strings, as a set. Condition values may also be JSON booleans or
/// numbers (`"aws:SecureTransport": false`): they are read as their text.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeSet<String>, D::Error> {
    let text = |value: Value| match value {
        Value::String(text) => Ok(text),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(number.to_string()),
        other => Err(D::Error::custom(format!(
            "expected a string or a list of strings, found {other}"
        ))),
    };
    match Value::deserialize(deserializer)? {
        Value::Array(items) => items.into_iter().map(text).collect(),
        single => text(single).map(|one| BTreeSet::from([one])),
    }
}

/// Percent-decoding (RFC 3986), as IAM encodes the documents it returns. A `+` stays a `+`:
/// IAM's encoding is not a form encoding, and `+` is literal in it.
fn percent_decode(text: &str) -> Result<String, PolicyParseError> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'%' {
            decoded.push(bytes[at]);
            at += 1;
            continue;
        }
        let byte = bytes
            .get(at + 1..at + 3)
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .ok_or_else(|| {
                PolicyParseError::Encoding(format!(
                    "'%' at byte {at} is not followed by two hexadecimal digits"
                ))
            })?;
        decoded.push(byte);
        at += 3;
    }
    String::from_utf8(decoded)
        .map_err(|_| PolicyParseError::Encoding("the decoded document is not UTF-8".to_owned()))
}

#[cfg(test)]
mod tests;
