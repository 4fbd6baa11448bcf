//! Payload classification against the shared RDS event fixtures, the documented event table, and
//! payloads that are not RDS events at all (which must still reconcile, never fail).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use rdslink_engine::{ClusterRole, DatabaseSelector, TriggerReason};
use rdslink_sync_lambda::event::{
    ADDRESS_CHANGING_EVENTS, EventSource, Origin, RdsEventId, Relevance, SourceKind, classify,
};
use serde_json::{Value, json};

/// The RDS event payloads kept with this crate's tests (see their README).
fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rds-events")
}

fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn event_id(reason: &TriggerReason) -> Option<&str> {
    match reason {
        TriggerReason::RdsEvent { event_id, .. } => event_id.as_deref(),
        _ => None,
    }
}

fn is_manual(reason: &TriggerReason) -> bool {
    matches!(reason, TriggerReason::Manual)
}

/// What each fixture must classify as.
struct Expected {
    origin: Origin,
    event_id: &'static str,
    waits: bool,
    kind: SourceKind,
    identifier: &'static str,
    arn: Option<&'static str>,
    /// Seconds since the epoch of the event time.
    time: u64,
}

fn expectations() -> BTreeMap<&'static str, Expected> {
    BTreeMap::from([
        (
            "eventbridge_db_cluster_failover_completed_RDS-EVENT-0071__aimably-fixture.json",
            Expected {
                origin: Origin::EventBridge,
                event_id: "RDS-EVENT-0071",
                waits: true,
                kind: SourceKind::DbCluster,
                identifier: "auroratestscaling",
                arn: Some("arn:aws:rds:us-east-1:339712808883:cluster:auroratestscaling"),
                time: 1_715_036_904, // 2024-05-06T23:08:24.252Z
            },
        ),
        (
            "eventbridge_db_cluster_failover_started_RDS-EVENT-0072__aimably-fixture.json",
            Expected {
                origin: Origin::EventBridge,
                event_id: "RDS-EVENT-0072",
                waits: true,
                kind: SourceKind::DbCluster,
                identifier: "auroratestscaling",
                arn: Some("arn:aws:rds:us-east-1:339712808883:cluster:auroratestscaling"),
                time: 1_715_036_865, // 2024-05-06T23:07:45.884Z
            },
        ),
        (
            "eventbridge_db_cluster_patched_RDS-EVENT-0173__awsdocs-aurora-guide.json",
            Expected {
                origin: Origin::EventBridge,
                event_id: "RDS-EVENT-0173",
                waits: true,
                kind: SourceKind::DbCluster,
                identifier: "my-db-cluster",
                arn: Some("arn:aws:rds:us-east-1:123456789012:cluster:my-db-cluster"),
                time: 1_538_828_773, // 2018-10-06T12:26:13.882Z
            },
        ),
        (
            "eventbridge_db_instance_failover_RDS-EVENT-0049__awsdocs-rds-guide.json",
            Expected {
                origin: Origin::EventBridge,
                event_id: "RDS-EVENT-0049",
                waits: true,
                kind: SourceKind::DbInstance,
                identifier: "my-db-instance",
                arn: Some("arn:aws:rds:us-east-1:123456789012:db:my-db-instance"),
                time: 1_538_087_803, // 2018-09-27T22:36:43.292Z
            },
        ),
        (
            "eventbridge_db_instance_stopped_RDS-EVENT-0087__awsdocs-rds-guide-tutorial.json",
            Expected {
                origin: Origin::EventBridge,
                event_id: "RDS-EVENT-0087",
                waits: true,
                kind: SourceKind::DbInstance,
                identifier: "testdb",
                arn: Some("arn:aws:rds:us-east-1:111111111111:db:testdb"),
                time: 1_616_182_449, // 2021-03-19T19:34:09.293Z
            },
        ),
        (
            "sns_lambda_rds_cluster_snapshot_RDS-EVENT-0169__postmangovsg.json",
            Expected {
                origin: Origin::Sns,
                event_id: "RDS-EVENT-0169",
                waits: false,
                kind: SourceKind::Other("db-cluster-snapshot".to_owned()),
                identifier: "db-instance-aurora",
                arn: Some("arn:aws:rds:us-east-2:123456789012:cluster-snapshot:db-instance-aurora"),
                time: 1_636_307_031, // "2021-11-07 17:43:51.876"
            },
        ),
        (
            "sns_lambda_rds_instance_RDS-EVENT-0002__awsdocs-lambda-guide.json",
            Expected {
                origin: Origin::Sns,
                event_id: "RDS-EVENT-0002",
                waits: false,
                kind: SourceKind::DbInstance,
                identifier: "dbinstanceid",
                arn: None,
                time: 1_546_433_106, // "2019-01-02 12:45:06.000"
            },
        ),
    ])
}

#[test]
fn every_fixture_file_is_classified_as_expected() {
    let expected = expectations();
    let mut files: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap_or_else(|err| panic!("{}: {err}", fixtures_dir().display()))
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    let listed: Vec<String> = expected.keys().map(|name| name.to_string()).collect();
    assert_eq!(
        files, listed,
        "every fixture needs an expectation here, and every expectation a file"
    );

    for (name, want) in expected {
        let invocation = classify(&fixture(name));
        let trigger = &invocation.trigger;
        assert_eq!(invocation.origin, want.origin, "{name}");
        assert_eq!(event_id(&trigger.reason), Some(want.event_id), "{name}");
        assert_eq!(trigger.expects_address_change, want.waits, "{name}");
        let source = invocation.source.as_ref().expect(name);
        assert_eq!(source.kind, want.kind, "{name}");
        assert_eq!(
            source.identifier.as_deref(),
            Some(want.identifier),
            "{name}"
        );
        assert_eq!(source.arn.as_deref(), want.arn, "{name}");
        match &trigger.reason {
            TriggerReason::RdsEvent { source_id, .. } => {
                assert_eq!(source_id.as_deref(), Some(want.identifier), "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
        let time = trigger
            .event_time
            .expect(name)
            .duration_since(UNIX_EPOCH)
            .expect(name);
        assert_eq!(time.as_secs(), want.time, "{name}");
        assert!(
            invocation.description.contains(want.event_id),
            "{name}: {}",
            invocation.description
        );
        assert!(
            invocation.description.contains(want.identifier),
            "{name}: {}",
            invocation.description
        );
    }
}

#[test]
fn documentation_samples_and_captured_events_name_the_same_source() {
    // `SourceIdentifier` is `rds:my-db-instance` in the documentation sample, `testdb` in the
    // captured event; both come out as the bare identifier.
    let documented = classify(&fixture(
        "eventbridge_db_instance_failover_RDS-EVENT-0049__awsdocs-rds-guide.json",
    ));
    let captured = classify(&fixture(
        "eventbridge_db_instance_stopped_RDS-EVENT-0087__awsdocs-rds-guide-tutorial.json",
    ));
    assert_eq!(
        documented.source.expect("source").identifier.as_deref(),
        Some("my-db-instance")
    );
    assert_eq!(
        captured.source.expect("source").identifier.as_deref(),
        Some("testdb")
    );
}

#[test]
fn the_source_is_compared_with_the_configured_database() {
    let instance = classify(&fixture(
        "eventbridge_db_instance_failover_RDS-EVENT-0049__awsdocs-rds-guide.json",
    ))
    .source
    .expect("source");
    assert_eq!(
        instance.relevance_to(&DatabaseSelector::Instance("my-db-instance".into())),
        Relevance::Ours
    );
    assert_eq!(
        instance.relevance_to(&DatabaseSelector::Instance("orders".into())),
        Relevance::Other
    );
    // An instance event while following a cluster may concern one of its members.
    let cluster_selector = DatabaseSelector::Cluster {
        identifier: "orders".into(),
        role: ClusterRole::Writer,
    };
    assert_eq!(instance.relevance_to(&cluster_selector), Relevance::Unknown);

    let cluster = classify(&fixture(
        "eventbridge_db_cluster_failover_completed_RDS-EVENT-0071__aimably-fixture.json",
    ))
    .source
    .expect("source");
    let ours = DatabaseSelector::Cluster {
        identifier: "auroratestscaling".into(),
        role: ClusterRole::Reader,
    };
    assert_eq!(cluster.relevance_to(&ours), Relevance::Ours);
    assert_eq!(cluster.relevance_to(&cluster_selector), Relevance::Other);
}

fn eventbridge_rds(detail_type: &str, detail: Value, resources: Value) -> Value {
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": "aws.rds",
        "account": "123456789012",
        "time": "2024-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": resources,
        "detail": detail
    })
}

#[test]
fn proxy_events_are_rds_events_about_a_proxy() {
    let payload = eventbridge_rds(
        "RDS DB Proxy Event",
        json!({
            "EventCategories": ["configuration change"],
            "SourceType": "DB_PROXY",
            "SourceArn": "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0",
            "Date": "2024-01-01T00:00:00.000Z",
            "Message": "RDS modified the end point of the DB proxy orders-proxy.",
            "SourceIdentifier": "orders-proxy",
            "EventID": "RDS-EVENT-0207"
        }),
        json!(["arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0"]),
    );
    let invocation = classify(&payload);
    assert_eq!(invocation.origin, Origin::EventBridge);
    assert_eq!(event_id(&invocation.trigger.reason), Some("RDS-EVENT-0207"));
    assert!(!invocation.trigger.expects_address_change);
    let source = invocation.source.expect("source");
    assert_eq!(source.kind, SourceKind::DbProxy);
    assert_eq!(
        source.relevance_to(&DatabaseSelector::Proxy("orders-proxy".into())),
        Relevance::Ours
    );
    // Proxy ARNs carry a resource id, not the name: another name is not proof of another proxy.
    assert_eq!(
        source.relevance_to(&DatabaseSelector::Proxy("billing".into())),
        Relevance::Unknown
    );
}

#[test]
fn an_eventbridge_rds_event_without_event_id_still_reconciles() {
    let mut payload =
        fixture("eventbridge_db_instance_failover_RDS-EVENT-0049__awsdocs-rds-guide.json");
    payload["detail"]
        .as_object_mut()
        .expect("detail")
        .remove("EventID");
    let invocation = classify(&payload);
    assert!(matches!(
        &invocation.trigger.reason,
        TriggerReason::RdsEvent { event_id: None, source_id: Some(id) } if id == "my-db-instance"
    ));
    assert!(!invocation.trigger.expects_address_change);
    assert!(
        invocation.description.contains("without an event id"),
        "{}",
        invocation.description
    );
}

#[test]
fn the_source_falls_back_to_resources_when_detail_lacks_it() {
    let payload = eventbridge_rds(
        "RDS DB Instance Event",
        json!({ "EventID": "RDS-EVENT-0049" }),
        json!(["arn:aws:rds:us-east-1:123456789012:db:orders"]),
    );
    let invocation = classify(&payload);
    assert!(invocation.trigger.expects_address_change);
    let source = invocation.source.expect("source");
    assert_eq!(source.kind, SourceKind::DbInstance);
    assert_eq!(source.identifier.as_deref(), Some("orders"));
    // The envelope's time stands in for the missing detail.Date.
    let time = invocation
        .trigger
        .event_time
        .expect("time")
        .duration_since(UNIX_EPOCH)
        .expect("after epoch");
    assert_eq!(time, Duration::from_secs(1_704_067_200));
}

fn sns_record(message: &str, attributes: Value) -> Value {
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:rds-events:3b5c0b4e",
            "Sns": {
                "Type": "Notification",
                "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:rds-events",
                "Subject": "RDS Notification Message",
                "Message": message,
                "Timestamp": "2024-01-01T00:00:01.000Z",
                "SignatureVersion": "1",
                "Signature": "c2ln",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": attributes
            }
        }]
    })
}

#[test]
fn sns_message_attributes_stand_in_for_missing_body_fields() {
    let body = json!({
        "Event Source": "db-instance",
        "Event Time": "2024-01-01 00:00:00.000",
        "Source ID": "orders",
        "Event Message": "Multi-AZ instance failover completed"
    });
    let attributes = json!({
        "EventID": { "Type": "String", "Value": "RDS-EVENT-0049" },
        "Resource": { "Type": "String", "Value": "arn:aws:rds:us-east-1:123456789012:db:orders" }
    });
    let invocation = classify(&sns_record(&body.to_string(), attributes));
    assert_eq!(invocation.origin, Origin::Sns);
    assert_eq!(event_id(&invocation.trigger.reason), Some("RDS-EVENT-0049"));
    assert!(invocation.trigger.expects_address_change);
    let source = invocation.source.expect("source");
    assert_eq!(
        source.arn.as_deref(),
        Some("arn:aws:rds:us-east-1:123456789012:db:orders")
    );
    assert_eq!(source.identifier.as_deref(), Some("orders"));
}

#[test]
fn the_subscription_notice_is_a_manual_reconcile() {
    // The first delivery after RDS creates an event subscription is plain text, not JSON.
    let notice = "This is a notification for event subscription rdslink-orders. \
                  You will receive notifications for the source type db-instance.";
    let invocation = classify(&sns_record(notice, json!({})));
    assert!(is_manual(&invocation.trigger.reason));
    assert!(!invocation.trigger.expects_address_change);
    assert_eq!(invocation.origin, Origin::Sns);
    assert!(
        invocation.description.contains("plain text"),
        "{}",
        invocation.description
    );
}

#[test]
fn a_non_rds_sns_message_is_a_manual_reconcile() {
    let alarm = json!({ "AlarmName": "cpu-high", "NewStateValue": "ALARM", "Trigger": { "Namespace": "AWS/EC2" } });
    let invocation = classify(&sns_record(&alarm.to_string(), json!({})));
    assert!(is_manual(&invocation.trigger.reason));
    assert_eq!(invocation.origin, Origin::Sns);
    assert!(invocation.source.is_none());
}

#[test]
fn a_truncated_sns_message_is_a_manual_reconcile() {
    let body = json!({
        "Event Source": "db-instance",
        "Source ID": "orders",
        "Event ID": "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0049"
    })
    .to_string();
    let truncated = &body[..body.len() / 2];
    let invocation = classify(&sns_record(truncated, json!({})));
    assert!(is_manual(&invocation.trigger.reason));
    assert!(!invocation.trigger.expects_address_change);
}

#[test]
fn any_sns_record_can_ask_for_the_dns_wait() {
    let backup = fixture("sns_lambda_rds_instance_RDS-EVENT-0002__awsdocs-lambda-guide.json");
    let failover_body = json!({
        "Event Source": "db-instance",
        "Source ID": "dbinstanceid",
        "Event ID": "http://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0049"
    });
    let failover = sns_record(&failover_body.to_string(), json!({}));
    let mut payload = backup.clone();
    let records = payload["Records"].as_array_mut().expect("records");
    records.push(failover["Records"][0].clone());
    let invocation = classify(&payload);
    assert_eq!(event_id(&invocation.trigger.reason), Some("RDS-EVENT-0002"));
    assert!(invocation.trigger.expects_address_change);
    assert!(
        invocation.description.contains("RDS-EVENT-0049"),
        "{}",
        invocation.description
    );
}

#[test]
fn scheduled_events_are_the_schedule() {
    let payload = json!({
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2024-01-01T00:05:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/rdslink-orders-schedule"],
        "detail": {}
    });
    let invocation = classify(&payload);
    assert!(matches!(invocation.trigger.reason, TriggerReason::Schedule));
    assert_eq!(invocation.origin, Origin::Schedule);
    assert!(!invocation.trigger.expects_address_change);
    assert!(invocation.description.contains("rdslink-orders-schedule"));
}

/// Payloads that are not RDS events, or not anything, are manual reconciles: never an error.
#[test]
fn garbage_is_a_manual_reconcile() {
    let payloads = [
        json!({}),
        json!([]),
        json!([1, 2, 3]),
        json!(null),
        json!("RDS-EVENT-0049"),
        json!(17),
        json!({ "Records": "not a list" }),
        json!({ "Records": [] }),
        json!({ "Records": [{ "Sns": "not an object" }] }),
        json!({ "Records": [{ "Sns": { "Message": 42 } }] }),
        json!({ "Records": [{ "eventSource": "aws:sqs", "body": "{}" }] }),
        json!({ "detail-type": 5, "source": "aws.rds", "detail": {} }),
        json!({ "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {} }),
        json!({ "source": "aws.rds" }),
        json!({ "hello": "world" }),
    ];
    for payload in payloads {
        let invocation = classify(&payload);
        assert!(
            is_manual(&invocation.trigger.reason),
            "{payload}: {:?}",
            invocation.trigger
        );
        assert!(!invocation.trigger.expects_address_change, "{payload}");
        assert!(invocation.trigger.event_time.is_none(), "{payload}");
        assert!(!invocation.description.is_empty(), "{payload}");
    }
}

#[test]
fn wrongly_typed_rds_fields_are_ignored_not_fatal() {
    let payload = eventbridge_rds(
        "RDS DB Instance Event",
        json!({ "EventID": 49, "SourceArn": ["x"], "SourceIdentifier": { "id": 1 }, "Date": false }),
        json!("not a list"),
    );
    // `resources` of the wrong type makes this no EventBridge event at all: manual.
    let invocation = classify(&payload);
    assert!(is_manual(&invocation.trigger.reason));

    let payload = eventbridge_rds(
        "RDS DB Instance Event",
        json!({ "EventID": 49, "SourceArn": ["x"], "SourceIdentifier": { "id": 1 }, "Date": false }),
        json!([]),
    );
    let invocation = classify(&payload);
    assert!(matches!(
        invocation.trigger.reason,
        TriggerReason::RdsEvent {
            event_id: None,
            source_id: None
        }
    ));
    assert!(!invocation.trigger.expects_address_change);
    assert_eq!(
        invocation.source,
        Some(EventSource {
            kind: SourceKind::Unknown,
            identifier: None,
            arn: None
        })
    );
}

/// Classification is total: arbitrary JSON never panics.
#[test]
fn classification_never_panics() {
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            ".{0,40}".prop_map(Value::from),
            Just(Value::from("RDS-EVENT-0049")),
            Just(Value::from("aws.rds")),
            Just(Value::from("arn:aws:rds:us-east-1:1:db:x")),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let keys = prop_oneof![
                Just("Records".to_owned()),
                Just("Sns".to_owned()),
                Just("Message".to_owned()),
                Just("MessageAttributes".to_owned()),
                Just("detail".to_owned()),
                Just("detail-type".to_owned()),
                Just("source".to_owned()),
                Just("resources".to_owned()),
                Just("time".to_owned()),
                Just("EventID".to_owned()),
                Just("SourceArn".to_owned()),
                "[a-z]{1,6}".prop_map(|key| key),
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(keys, inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest!(|(payload in json_value())| {
        let invocation = classify(&payload);
        prop_assert!(!invocation.description.is_empty());
    });
}

// --- The address-changing table against the documented event list --------------------------------

/// `(event number, categories)` from `rds-event-ids.csv`, merged over the RDS and Aurora guides.
fn documented_categories() -> BTreeMap<u16, BTreeSet<String>> {
    let path = fixtures_dir().join("rds-event-ids.csv");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut rows = text.lines().map(csv_fields);
    let header = rows.next().expect("header row");
    let column = |name: &str| header.iter().position(|field| field == name).expect(name);
    let (category, id) = (column("category"), column("event_id"));
    let mut categories: BTreeMap<u16, BTreeSet<String>> = BTreeMap::new();
    for row in rows.filter(|row| row.len() == header.len()) {
        let number = RdsEventId::parse(&row[id])
            .unwrap_or_else(|| panic!("bad id in {row:?}"))
            .number();
        for name in row[category].split(',') {
            categories
                .entry(number)
                .or_default()
                .insert(name.trim().to_owned());
        }
    }
    categories
}

/// One CSV line (quoted fields may hold commas; `""` is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().expect("a field").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().expect("a field").push(c),
        }
    }
    fields
}

#[test]
fn every_failover_event_expects_an_address_change() {
    let documented = documented_categories();
    assert!(
        documented.len() > 200,
        "the CSV lists every documented event"
    );
    for (number, categories) in &documented {
        if categories.contains("failover") || categories.contains("global failover") {
            let id = RdsEventId::parse(&format!("RDS-EVENT-{number:04}")).expect("id");
            assert!(id.expects_address_change(), "{id} is in {categories:?}");
        }
    }
}

#[test]
fn the_address_changing_table_matches_the_documented_categories() {
    let documented = documented_categories();
    let allowed = [
        "failover",
        "global failover",
        "availability",
        "notification",
        "recovery",
        "maintenance",
        "configuration change",
    ];
    for (number, description) in ADDRESS_CHANGING_EVENTS {
        let categories = documented
            .get(number)
            .unwrap_or_else(|| panic!("RDS-EVENT-{number:04} is not a documented event"));
        let (category, _) = description
            .split_once(':')
            .expect("<category>: <what happened>");
        assert!(
            categories.contains(category),
            "RDS-EVENT-{number:04}: table says {category:?}, the documentation {categories:?}"
        );
        assert!(
            allowed.contains(&category),
            "RDS-EVENT-{number:04}: {category} events do not move addresses"
        );
    }
}

#[test]
fn events_without_an_outage_do_not_wait() {
    for id in [
        "RDS-EVENT-0002",
        "RDS-EVENT-0169",
        "RDS-EVENT-0155",
        "RDS-EVENT-0207",
        "RDS-EVENT-0089",
    ] {
        assert!(
            !RdsEventId::parse(id).expect(id).expects_address_change(),
            "{id}"
        );
    }
    for id in [
        "RDS-EVENT-0013",
        "RDS-EVENT-0088",
        "RDS-EVENT-0248",
        "RDS-EVENT-0251",
        "RDS-EVENT-0260",
    ] {
        assert!(
            RdsEventId::parse(id).expect(id).expects_address_change(),
            "{id}"
        );
    }
}
