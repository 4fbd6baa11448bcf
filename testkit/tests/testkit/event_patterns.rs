//! `event_pattern_matches`: EventBridge's `TestEventPattern` as the emulator implements it
//! (`moto_faithful.py`), on the matching rules the sync Lambda's rules rely on, and the way a
//! deployed rule's pattern is read back and checked.

use aws_sdk_eventbridge::error::ProvideErrorMetadata as _;
use rdslink_testkit::{Account, event_pattern_matches, fresh_account};
use serde_json::{Value, json};

/// An RDS instance event as EventBridge delivers it (RDS User Guide, "DB instance events").
fn rds_event(account: &Account, instance: &str, event_id: &str) -> Value {
    let arn = format!("arn:aws:rds:us-east-1:{}:db:{instance}", account.id);
    json!({
        "version": "0",
        "id": "68f6e973-1a0c-d37b-f2f2-94a7f62ffd4e",
        "detail-type": "RDS DB Instance Event",
        "source": "aws.rds",
        "account": account.id,
        "time": "2026-01-01T00:05:00Z",
        "region": "us-east-1",
        "resources": [arn],
        "detail": {
            "EventCategories": ["failover"],
            "SourceType": "DB_INSTANCE",
            "SourceArn": arn,
            "Date": "2026-01-01T00:04:58.000Z",
            "Message": "Multi-AZ instance failover completed.",
            "SourceIdentifier": instance,
            "EventID": event_id
        }
    })
}

async fn matches(account: &Account, pattern: &Value, event: &Value) -> bool {
    event_pattern_matches(
        &account.eventbridge(),
        &pattern.to_string(),
        &event.to_string(),
    )
    .await
    .unwrap_or_else(|err| {
        panic!(
            "TestEventPattern {pattern}: {}",
            aws_sdk_eventbridge::error::DisplayErrorContext(&err)
        )
    })
}

#[tokio::test]
async fn rds_patterns_match_as_eventbridge_matches_them() {
    let account = fresh_account().await;
    let event = rds_event(&account, "orders", "RDS-EVENT-0049");
    let cases = [
        (json!({"source": ["aws.rds"]}), true),
        (json!({"source": ["aws.ec2", "aws.rds"]}), true),
        (json!({"source": ["aws.ec2"]}), false),
        (
            json!({"detail-type": ["RDS DB Instance Event", "RDS DB Cluster Event"]}),
            true,
        ),
        // A list in the event matches when one of its values does.
        (
            json!({"detail": {"EventCategories": ["failover", "failure"]}}),
            true,
        ),
        (json!({"detail": {"EventCategories": ["backup"]}}), false),
        (json!({"resources": [{"suffix": ":db:orders"}]}), true),
        (
            json!({"detail": {"EventID": [{"prefix": "RDS-EVENT-00"}]}}),
            true,
        ),
        (
            json!({"detail": {"EventID": [{"prefix": "RDS-EVENT-01"}]}}),
            false,
        ),
        (
            json!({"detail": {"EventID": ["RDS-EVENT-0006", {"prefix": "RDS-EVENT-004"}]}}),
            true,
        ),
        (
            json!({"detail": {"SourceIdentifier": [{"equals-ignore-case": "ORDERS"}]}}),
            true,
        ),
        (
            json!({"detail": {"SourceType": [{"anything-but": ["DB_CLUSTER"]}]}}),
            true,
        ),
        (
            json!({"detail": {"SourceType": [{"anything-but": "DB_INSTANCE"}]}}),
            false,
        ),
        // anything-but needs the field.
        (
            json!({"detail": {"Nothing": [{"anything-but": "x"}]}}),
            false,
        ),
        (json!({"detail": {"Nothing": [{"exists": false}]}}), true),
        (json!({"detail": {"EventID": [{"exists": true}]}}), true),
        (
            json!({"detail": {"SourceArn": [{"wildcard": "arn:aws:rds:*:db:orders"}]}}),
            true,
        ),
        // Every field of the pattern must match...
        (
            json!({"source": ["aws.rds"], "detail": {"SourceIdentifier": ["other"]}}),
            false,
        ),
        // ...and one "$or" alternative.
        (
            json!({
                "source": ["aws.rds"],
                "$or": [
                    {"detail": {"SourceIdentifier": ["other"]}},
                    {"resources": [format!("arn:aws:rds:us-east-1:{}:db:orders", account.id)]}
                ]
            }),
            true,
        ),
        (
            json!({
                "source": ["aws.rds"],
                "$or": [
                    {"detail": {"SourceIdentifier": ["other"]}},
                    {"detail-type": ["RDS DB Cluster Event"]}
                ]
            }),
            false,
        ),
        (
            json!({"detail": {"$or": [
                {"EventID": [{"prefix": "RDS-EVENT-00"}]},
                {"EventCategories": ["failover"]}
            ]}}),
            true,
        ),
    ];
    for (pattern, expected) in cases {
        assert_eq!(
            matches(&account, &pattern, &event).await,
            expected,
            "{pattern}"
        );
    }
}

#[tokio::test]
async fn values_keep_their_json_types_and_arrays_of_objects_their_elements() {
    let account = fresh_account().await;
    let mut event = rds_event(&account, "orders", "RDS-EVENT-0049");
    event["detail"]["Port"] = json!(5432.0);
    event["detail"]["Flag"] = json!(true);
    event["detail"]["Null"] = Value::Null;
    event["detail"]["Empty"] = json!("");
    event["detail"]["Members"] = json!([
        {"Id": "orders-1", "Writer": true},
        {"Id": "orders-2", "Writer": false}
    ]);
    let cases = [
        // A number matches the same value whatever its spelling; strings and booleans are not numbers.
        (json!({"detail": {"Port": [5432]}}), true),
        (json!({"detail": {"Port": ["5432"]}}), false),
        (
            json!({"detail": {"Port": [{"numeric": [">", 1024, "<=", 65535]}]}}),
            true,
        ),
        (json!({"detail": {"Flag": [true]}}), true),
        (json!({"detail": {"Flag": [1]}}), false),
        // null and "" are different values.
        (json!({"detail": {"Null": [null]}}), true),
        (json!({"detail": {"Null": [""]}}), false),
        (json!({"detail": {"Empty": [""]}}), true),
        (json!({"detail": {"Null": [{"exists": true}]}}), true),
        // Fields of one element match together; never across elements.
        (
            json!({"detail": {"Members": {"Id": ["orders-2"], "Writer": [false]}}}),
            true,
        ),
        (
            json!({"detail": {"Members": {"Id": ["orders-2"], "Writer": [true]}}}),
            false,
        ),
        // exists applies to leaves only.
        (json!({"detail": {"Members": [{"exists": true}]}}), false),
    ];
    for (pattern, expected) in cases {
        assert_eq!(
            matches(&account, &pattern, &event).await,
            expected,
            "{pattern}"
        );
    }
}

#[tokio::test]
async fn invalid_patterns_and_events_are_refused_as_eventbridge_refuses_them() {
    let account = fresh_account().await;
    let client = account.eventbridge();
    let event = rds_event(&account, "orders", "RDS-EVENT-0049").to_string();
    for pattern in [
        r#"["aws.rds"]"#,
        r#"{"source": "aws.rds"}"#,
        r#"{"source": []}"#,
        r#"{"detail": {"EventID": [{"prefx": "RDS"}]}}"#,
        r#"{"detail": {"EventID": [{"prefix": "RDS", "suffix": "9"}]}}"#,
        r#"{"$or": [{"source": ["aws.rds"]}]}"#,
        r#"{"detail": {"Port": [{"numeric": ["<", 10, ">", 1]}]}}"#,
        "not json",
    ] {
        let err = event_pattern_matches(&client, pattern, &event)
            .await
            .expect_err(pattern);
        assert_eq!(
            err.code(),
            Some("InvalidEventPatternException"),
            "{pattern}: {}",
            aws_sdk_eventbridge::error::DisplayErrorContext(&err)
        );
    }
    // A test event must carry EventBridge's envelope fields.
    let err = event_pattern_matches(
        &client,
        r#"{"source": ["aws.rds"]}"#,
        r#"{"source": "aws.rds"}"#,
    )
    .await
    .expect_err("an event without id, account, time, ...");
    assert_eq!(err.code(), Some("ValidationException"));
}

#[tokio::test]
async fn a_deployed_rules_pattern_reads_back_verbatim_and_is_checked_by_eventbridge() {
    let account = fresh_account().await;
    let client = account.eventbridge();
    // As the provider would write it, spacing and all.
    let pattern = r#"{ "source": ["aws.rds"], "detail-type": ["RDS DB Instance Event"],
        "detail": { "SourceIdentifier": ["orders"], "EventID": [{ "prefix": "RDS-EVENT-00" }] } }"#;
    client
        .put_rule()
        .name("rdslink-orders-events")
        .event_pattern(pattern)
        .state(aws_sdk_eventbridge::types::RuleState::Enabled)
        .send()
        .await
        .expect("events:PutRule");
    let described = client
        .describe_rule()
        .name("rdslink-orders-events")
        .send()
        .await
        .expect("events:DescribeRule");
    let deployed = described.event_pattern().expect("the rule's pattern");
    assert_eq!(deployed, pattern);

    let ours = rds_event(&account, "orders", "RDS-EVENT-0049").to_string();
    let other = rds_event(&account, "invoices", "RDS-EVENT-0049").to_string();
    assert!(
        event_pattern_matches(&client, deployed, &ours)
            .await
            .unwrap()
    );
    assert!(
        !event_pattern_matches(&client, deployed, &other)
            .await
            .unwrap()
    );

    // PutRule refuses what TestEventPattern refuses.
    let err = client
        .put_rule()
        .name("rdslink-broken")
        .event_pattern(r#"{"detail": {"EventID": [{"prefx": "RDS"}]}}"#)
        .send()
        .await
        .expect_err("an unknown match type");
    assert_eq!(err.code(), Some("InvalidEventPatternException"));
}
