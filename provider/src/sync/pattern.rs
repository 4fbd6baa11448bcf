//! The EventBridge rule's event pattern: which RDS events invoke the sync function.
//!
//! Events only make convergence faster (the schedule is the safety net), so the pattern matches
//! the events after which the database's address may move, about this database only:
//!
//! - an instance: its own events (`SourceArn`), with the engine's address-changing ids
//!   ([`rdslink_engine::rds_events`]);
//! - a cluster: the cluster's events and its member instances' events (`SourceArn`), with the
//!   same ids. `SourceArn` rather than `SourceIdentifier`, because instance and cluster
//!   identifiers are separate namespaces: an unrelated instance named like the cluster must not
//!   match. The members are those discovered at apply; a member added later is matched once the
//!   rule is brought up to date (its pattern differs, see [`same_pattern`]);
//! - a proxy: its events by name (`SourceIdentifier`: a proxy's ARN carries a generated id, not
//!   its name), with the ids of [`PROXY_EVENTS`];
//! - a hostname: no pattern. It names no RDS resource whose events could be matched; the
//!   schedule alone keeps it in sync.
//!
//! Every list is sorted and without duplicates, so the same inputs give the same text.

use std::collections::BTreeSet;

use rdslink_engine::DatabaseSelector;
use rdslink_engine::rds_events::address_changing_event_ids;
use serde_json::{Value, json};

use super::policy::Scope;

const INSTANCE_EVENT: &str = "RDS DB Instance Event";
const CLUSTER_EVENT: &str = "RDS DB Cluster Event";
const PROXY_EVENT: &str = "RDS DB Proxy Event";

/// The RDS Proxy events that concern the proxy itself, by id and `"<category>: <what>"` as the
/// RDS user guide's proxy event table gives them
/// (`crates/rdslink-sync-lambda/tests/fixtures/rds-events/rds-event-ids.csv`). None moves the
/// proxy's addresses on a schedule we could wait for, but each is a moment the addresses may
/// have changed (created, modified, capacity scaling failed for want of addresses) or the sync
/// should say the proxy is gone. Left out: events about the proxy's additional endpoints
/// (0206-0208: rdslink follows the default endpoint), about the databases behind it
/// (0213-0215: the proxy's own addresses do not move with them), and throttling (0275: frequent
/// under load, and about connections, not addresses).
pub const PROXY_EVENTS: &[(u16, &str)] = &[
    (203, "creation: RDS created the DB proxy"),
    (204, "configuration change: RDS modified the DB proxy"),
    (205, "deletion: RDS deleted the DB proxy"),
    (
        243,
        "failure: RDS could not provision capacity for the proxy (not enough free addresses)",
    ),
];

/// The pattern for `selector` (`cluster_members`: a cluster's member instance identifiers, as
/// discovered; ignored for other selectors), or `None` for a hostname, which has no RDS events.
pub fn event_pattern(
    scope: &Scope,
    selector: &DatabaseSelector,
    cluster_members: &[String],
) -> Option<Value> {
    let address_changing: BTreeSet<String> = address_changing_event_ids().collect();
    let pattern = match selector {
        DatabaseSelector::Instance(identifier) => rds_pattern(
            [INSTANCE_EVENT],
            "SourceArn",
            [scope.db_instance_arn(identifier)],
            address_changing,
        ),
        DatabaseSelector::Cluster { identifier, .. } => {
            let members = cluster_members
                .iter()
                .map(|member| scope.db_instance_arn(member));
            let detail_types: &[&str] = if cluster_members.is_empty() {
                &[CLUSTER_EVENT]
            } else {
                &[CLUSTER_EVENT, INSTANCE_EVENT]
            };
            rds_pattern(
                detail_types.iter().copied(),
                "SourceArn",
                std::iter::once(scope.db_cluster_arn(identifier)).chain(members),
                address_changing,
            )
        }
        // Documentation samples write `SourceIdentifier` as `rds:<name>`, delivered events as
        // `<name>` (tests/fixtures/rds-events/README.md): both are matched.
        DatabaseSelector::Proxy(name) => rds_pattern(
            [PROXY_EVENT],
            "SourceIdentifier",
            [name.clone(), format!("rds:{name}")],
            PROXY_EVENTS
                .iter()
                .map(|(number, _)| format!("RDS-EVENT-{number:04}"))
                .collect(),
        ),
        DatabaseSelector::Endpoint(_) => return None,
    };
    Some(pattern)
}

/// [`event_pattern`] as compact JSON, the text the rule is created with.
pub fn pattern_json(
    scope: &Scope,
    selector: &DatabaseSelector,
    cluster_members: &[String],
) -> Option<String> {
    event_pattern(scope, selector, cluster_members).map(|pattern| pattern.to_string())
}

/// Whether two pattern texts match the same events: equal as JSON, ignoring whitespace, key
/// order and the order of and duplicates in lists (EventBridge reads a list as "any of").
/// Text that is not JSON is never the same as anything.
pub fn same_pattern(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(a), Ok(b)) => normalised(a) == normalised(b),
        _ => false,
    }
}

fn rds_pattern<'a>(
    detail_types: impl IntoIterator<Item = &'a str>,
    source_field: &str,
    sources: impl IntoIterator<Item = String>,
    event_ids: BTreeSet<String>,
) -> Value {
    let detail_types: BTreeSet<&str> = detail_types.into_iter().collect();
    let sources: BTreeSet<String> = sources.into_iter().collect();
    json!({
        "source": ["aws.rds"],
        "detail-type": detail_types,
        "detail": {
            source_field: sources,
            "EventID": event_ids,
        },
    })
}

/// Lists sorted (by their JSON text) and deduplicated, recursively. Objects need nothing: their
/// equality ignores key order.
fn normalised(value: Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(normalised).collect();
            items.sort_by_cached_key(Value::to_string);
            items.dedup();
            Value::Array(items)
        }
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (key, normalised(value)))
                .collect(),
        ),
        scalar => scalar,
    }
}

#[cfg(test)]
mod tests;
