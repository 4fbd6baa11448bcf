use std::collections::BTreeMap;
use std::path::PathBuf;

use rdslink_engine::ClusterRole;
use rdslink_engine::rds_events::ADDRESS_CHANGING_EVENTS;

use super::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/rdslink-sync-lambda/tests/fixtures/rds-events")
}

fn fixture(name: &str) -> Value {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path:?}: {err}"));
    serde_json::from_str(&text).unwrap()
}

const INSTANCE_FAILOVER: &str =
    "eventbridge_db_instance_failover_RDS-EVENT-0049__awsdocs-rds-guide.json";
const INSTANCE_STOPPED: &str =
    "eventbridge_db_instance_stopped_RDS-EVENT-0087__awsdocs-rds-guide-tutorial.json";
const CLUSTER_FAILOVER_STARTED: &str =
    "eventbridge_db_cluster_failover_started_RDS-EVENT-0072__aimably-fixture.json";
const CLUSTER_FAILOVER_COMPLETED: &str =
    "eventbridge_db_cluster_failover_completed_RDS-EVENT-0071__aimably-fixture.json";
const CLUSTER_PATCHED: &str =
    "eventbridge_db_cluster_patched_RDS-EVENT-0173__awsdocs-aurora-guide.json";

/// The scope an event came from (its account and region).
fn scope_of(event: &Value) -> Scope {
    Scope::new(
        event["region"].as_str().unwrap(),
        event["account"].as_str().unwrap(),
    )
}

/// EventBridge's matching, as far as these patterns use it: every field the pattern names must
/// be present in the event; a list in the pattern matches an event value equal to one of its
/// entries (or, for a list in the event, any of its elements); an object recurses.
fn matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(fields) = pattern else {
        panic!("a pattern is an object: {pattern}");
    };
    fields.iter().all(|(key, wanted)| {
        let Some(actual) = event.get(key) else {
            return false;
        };
        match wanted {
            Value::Object(_) => matches(wanted, actual),
            Value::Array(allowed) => match actual {
                Value::Array(values) => values.iter().any(|value| allowed.contains(value)),
                value => allowed.contains(value),
            },
            other => panic!("a pattern's leaves are lists: {other}"),
        }
    })
}

fn instance(identifier: &str) -> DatabaseSelector {
    DatabaseSelector::Instance(identifier.into())
}

fn cluster(identifier: &str) -> DatabaseSelector {
    DatabaseSelector::Cluster {
        identifier: identifier.into(),
        role: ClusterRole::Writer,
    }
}

fn members(identifiers: &[&str]) -> Vec<String> {
    identifiers.iter().map(|id| (*id).to_owned()).collect()
}

/// The pattern for `selector` in the account and region `event` came from.
fn pattern_for(event: &Value, selector: &DatabaseSelector, cluster_members: &[String]) -> Value {
    event_pattern(&scope_of(event), selector, cluster_members).expect("an RDS selector")
}

#[test]
fn an_instances_failover_events_match_its_pattern_only() {
    for (name, identifier) in [
        (INSTANCE_FAILOVER, "my-db-instance"),
        (INSTANCE_STOPPED, "testdb"),
    ] {
        let event = fixture(name);
        assert!(
            matches(&pattern_for(&event, &instance(identifier), &[]), &event),
            "{name}"
        );
        // The selector's case does not matter: RDS identifiers are lower case in ARNs.
        let upper = identifier.to_ascii_uppercase();
        assert!(matches(
            &pattern_for(&event, &instance(&upper), &[]),
            &event
        ));

        assert!(!matches(
            &pattern_for(&event, &instance("other-db"), &[]),
            &event
        ));
        // A cluster named like the instance is another database.
        assert!(!matches(
            &pattern_for(&event, &cluster(identifier), &members(&["x"])),
            &event
        ));
        // The same name in another account or region is another database.
        let elsewhere = Scope::new("eu-west-1", event["account"].as_str().unwrap());
        assert!(!matches(
            &event_pattern(&elsewhere, &instance(identifier), &[]).unwrap(),
            &event
        ));
    }
}

#[test]
fn a_clusters_failover_events_match_its_pattern_only() {
    for name in [CLUSTER_FAILOVER_STARTED, CLUSTER_FAILOVER_COMPLETED] {
        let event = fixture(name);
        let ours = members(&["auroratestscaling-liqeq", "auroratestscaling-abcde"]);
        for cluster_members in [ours.clone(), Vec::new()] {
            assert!(
                matches(
                    &pattern_for(&event, &cluster("auroratestscaling"), &cluster_members),
                    &event
                ),
                "{name} {cluster_members:?}"
            );
        }
        assert!(!matches(
            &pattern_for(&event, &cluster("other-cluster"), &ours),
            &event
        ));
        // An instance named like the cluster is another database.
        assert!(!matches(
            &pattern_for(&event, &instance("auroratestscaling"), &[]),
            &event
        ));
    }
    let patched = fixture(CLUSTER_PATCHED);
    assert!(matches(
        &pattern_for(&patched, &cluster("my-db-cluster"), &[]),
        &patched
    ));
}

#[test]
fn a_members_instance_events_match_the_clusters_pattern() {
    // The documented instance failover, as if it happened to a member of the cluster.
    let mut event = fixture(INSTANCE_FAILOVER);
    let member_arn = "arn:aws:rds:us-east-1:123456789012:db:orders-2";
    event["detail"]["SourceArn"] = json!(member_arn);
    event["resources"] = json!([member_arn]);

    let with_member = pattern_for(
        &event,
        &cluster("orders"),
        &members(&["orders-1", "orders-2"]),
    );
    assert!(matches(&with_member, &event));
    let without = pattern_for(&event, &cluster("orders"), &members(&["orders-1"]));
    assert!(!matches(&without, &event));
    let no_members = pattern_for(&event, &cluster("orders"), &[]);
    assert!(!matches(&no_members, &event));
}

#[test]
fn events_that_move_no_address_do_not_match() {
    let mut event = fixture(INSTANCE_FAILOVER);
    let pattern = pattern_for(&event, &instance("my-db-instance"), &[]);
    for quiet in ["RDS-EVENT-0002", "RDS-EVENT-0089", "RDS-EVENT-0169"] {
        event["detail"]["EventID"] = json!(quiet);
        assert!(!matches(&pattern, &event), "{quiet}");
    }
    // Another kind of RDS event about the same name (a snapshot's) is not ours either.
    let mut snapshot = fixture(INSTANCE_FAILOVER);
    snapshot["detail-type"] = json!("RDS DB Snapshot Event");
    assert!(!matches(&pattern, &snapshot));
}

#[test]
fn the_event_ids_are_the_engines_table() {
    let scope = Scope::new("eu-west-1", "123456789012");
    let want: Vec<String> = ADDRESS_CHANGING_EVENTS
        .iter()
        .map(|(number, _)| format!("RDS-EVENT-{number:04}"))
        .collect();
    for (selector, cluster_members) in [
        (instance("orders"), Vec::new()),
        (cluster("orders"), members(&["orders-1"])),
    ] {
        let pattern = event_pattern(&scope, &selector, &cluster_members).unwrap();
        let ids: Vec<String> =
            serde_json::from_value(pattern["detail"]["EventID"].clone()).unwrap();
        assert_eq!(ids, want, "{selector}");
    }
}

#[test]
fn the_patterns_are_exactly_these() {
    let scope = Scope::new("eu-west-1", "123456789012");
    let ids: Vec<String> = address_changing_event_ids().collect();
    assert_eq!(
        event_pattern(&scope, &instance("Orders"), &[]).unwrap(),
        json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Instance Event"],
            "detail": {
                "SourceArn": ["arn:aws:rds:eu-west-1:123456789012:db:orders"],
                "EventID": ids,
            },
        })
    );
    assert_eq!(
        event_pattern(
            &scope,
            &cluster("orders"),
            &members(&["orders-b", "orders-a", "orders-b"])
        )
        .unwrap(),
        json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Cluster Event", "RDS DB Instance Event"],
            "detail": {
                "SourceArn": [
                    "arn:aws:rds:eu-west-1:123456789012:cluster:orders",
                    "arn:aws:rds:eu-west-1:123456789012:db:orders-a",
                    "arn:aws:rds:eu-west-1:123456789012:db:orders-b",
                ],
                "EventID": ids,
            },
        })
    );
    assert_eq!(
        event_pattern(&scope, &DatabaseSelector::Proxy("orders-proxy".into()), &[]).unwrap(),
        json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Proxy Event"],
            "detail": {
                "SourceIdentifier": ["orders-proxy", "rds:orders-proxy"],
                "EventID": ["RDS-EVENT-0203", "RDS-EVENT-0204", "RDS-EVENT-0205", "RDS-EVENT-0243"],
            },
        })
    );
}

#[test]
fn a_hostname_has_no_pattern() {
    let scope = Scope::new("eu-west-1", "123456789012");
    let endpoint = DatabaseSelector::Endpoint("db.example.internal".into());
    assert_eq!(event_pattern(&scope, &endpoint, &[]), None);
    assert_eq!(pattern_json(&scope, &endpoint, &[]), None);
}

#[test]
fn a_proxys_own_events_match_by_name() {
    // The RDS user guide's proxy event sample, about the proxy itself; SourceArn carries the
    // proxy's generated id, which the selector does not know.
    let event = json!({
        "version": "0",
        "detail-type": "RDS DB Proxy Event",
        "source": "aws.rds",
        "account": "123456789012",
        "region": "us-east-1",
        "resources": ["arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0"],
        "detail": {
            "EventCategories": ["configuration change"],
            "SourceType": "DB_PROXY",
            "SourceArn": "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0",
            "Message": "RDS modified DB proxy my-rds-proxy.",
            "SourceIdentifier": "my-rds-proxy",
            "EventID": "RDS-EVENT-0204",
        },
    });
    let proxy = |name: &str| DatabaseSelector::Proxy(name.into());
    assert!(matches(
        &pattern_for(&event, &proxy("my-rds-proxy"), &[]),
        &event
    ));
    assert!(!matches(
        &pattern_for(&event, &proxy("other-proxy"), &[]),
        &event
    ));

    let mut prefixed = event.clone();
    prefixed["detail"]["SourceIdentifier"] = json!("rds:my-rds-proxy");
    assert!(matches(
        &pattern_for(&event, &proxy("my-rds-proxy"), &[]),
        &prefixed
    ));

    let mut throttled = event.clone();
    throttled["detail"]["EventID"] = json!("RDS-EVENT-0275");
    assert!(!matches(
        &pattern_for(&event, &proxy("my-rds-proxy"), &[]),
        &throttled
    ));

    // An instance named like the proxy is another database.
    let instance_event = fixture(INSTANCE_FAILOVER);
    assert!(!matches(
        &pattern_for(&instance_event, &proxy("my-db-instance"), &[]),
        &instance_event
    ));
}

#[test]
fn the_proxy_events_are_documented_proxy_events() {
    let csv = std::fs::read_to_string(fixtures().join("rds-event-ids.csv")).unwrap();
    // event id -> (source type section, category), from `guide,section,category,event_id,...`.
    let documented: BTreeMap<String, BTreeSet<(String, String)>> =
        csv.lines()
            .skip(1)
            .fold(BTreeMap::new(), |mut table, line| {
                let fields: Vec<&str> = line.splitn(5, ',').collect();
                if let [_, section, category, id, _] = fields.as_slice() {
                    table
                        .entry((*id).to_owned())
                        .or_default()
                        .insert(((*section).to_owned(), (*category).to_owned()));
                }
                table
            });
    for (number, description) in PROXY_EVENTS {
        let id = format!("RDS-EVENT-{number:04}");
        let (category, _) = description.split_once(':').unwrap();
        let entries = documented
            .get(&id)
            .unwrap_or_else(|| panic!("{id} is not documented"));
        assert!(
            entries.contains(&("RDS Proxy events".to_owned(), category.to_owned())),
            "{id}: {entries:?}"
        );
    }
    assert!(
        PROXY_EVENTS.windows(2).all(|pair| pair[0].0 < pair[1].0),
        "sorted and unique"
    );
}

#[test]
fn member_changes_change_the_pattern_and_order_does_not() {
    let scope = Scope::new("eu-west-1", "123456789012");
    let text = |ids: &[&str]| pattern_json(&scope, &cluster("orders"), &members(ids)).unwrap();

    let two = text(&["orders-1", "orders-2"]);
    assert_eq!(text(&["orders-2", "orders-1", "orders-2"]), two);
    for other in [
        text(&["orders-1"]),
        text(&["orders-1", "orders-2", "orders-3"]),
        text(&["orders-1", "orders-4"]),
        text(&[]),
    ] {
        assert_ne!(other, two);
        assert!(!same_pattern(&other, &two), "{other}");
    }
}

#[test]
fn the_text_is_compact_and_deterministic() {
    let scope = Scope::new("eu-west-1", "123456789012");
    let text = pattern_json(&scope, &instance("orders"), &[]).unwrap();
    assert!(
        !text.contains('\n') && !text.contains(": ") && !text.contains(", "),
        "{text}"
    );
    assert_eq!(Some(text), pattern_json(&scope, &instance("orders"), &[]));
}

#[test]
fn patterns_compare_as_json_not_as_text() {
    let scope = Scope::new("eu-west-1", "123456789012");
    let ours = pattern_json(
        &scope,
        &cluster("orders"),
        &members(&["orders-1", "orders-2"]),
    )
    .unwrap();
    // As EventBridge may hand it back: reformatted, keys and list entries reordered.
    let mut value: Value = serde_json::from_str(&ours).unwrap();
    let detail = value["detail"].as_object_mut().unwrap();
    let arns = detail["SourceArn"].as_array_mut().unwrap();
    arns.reverse();
    let reordered = format!(
        "{{ \"detail\": {}, \"detail-type\": {}, \"source\": [\"aws.rds\"] }}",
        serde_json::to_string_pretty(&value["detail"]).unwrap(),
        value["detail-type"],
    );
    assert!(same_pattern(&ours, &reordered), "{reordered}");
    assert!(same_pattern(&ours, &ours));

    let instance_pattern = pattern_json(&scope, &instance("orders"), &[]).unwrap();
    assert!(!same_pattern(&ours, &instance_pattern));
    assert!(!same_pattern(&ours, "not json"));
    assert!(!same_pattern("", ""));
}
