//! EventBridge's own verdict on an event pattern: does a rule with this pattern match that event?
//!
//! Tests check the pattern the provider deployed (read back with `DescribeRule`) against real RDS
//! event shapes through `TestEventPattern`, as EventBridge evaluates it, instead of re-implementing
//! the matching. moto lacks `TestEventPattern`; `testkit/scripts/moto_faithful.py` implements it
//! after the EventBridge User Guide and Event Ruler (lists of values, `prefix`, `suffix`,
//! `anything-but`, `numeric`, `exists`, `$or`, arrays in events, ...), and makes `PutRule` refuse
//! the patterns AWS refuses.

use aws_sdk_eventbridge::error::SdkError;
use aws_sdk_eventbridge::operation::test_event_pattern::TestEventPatternError;

/// Whether EventBridge matches `event_json` with the pattern `pattern_json` (`TestEventPattern`).
///
/// The event must carry the fields EventBridge requires of a test event (`id`, `account`,
/// `source`, `time`, `region`, `detail-type`); without them the call fails with
/// `ValidationException`. A pattern EventBridge would refuse in `PutRule` fails with
/// `InvalidEventPatternException`:
/// `err.as_service_error().is_some_and(|e| e.is_invalid_event_pattern_exception())`.
///
/// ```no_run
/// # async fn example() {
/// let account = rdslink_testkit::fresh_account().await;
/// let matched = rdslink_testkit::event_pattern_matches(
///     &account.eventbridge(),
///     r#"{"source": ["aws.rds"], "detail": {"EventID": [{"prefix": "RDS-EVENT-00"}]}}"#,
///     r#"{"id": "1", "account": "123456789012", "source": "aws.rds", "time": "2026-01-01T00:00:00Z",
///         "region": "us-east-1", "resources": [], "detail-type": "RDS DB Instance Event",
///         "detail": {"EventID": "RDS-EVENT-0049"}}"#,
/// )
/// .await
/// .expect("TestEventPattern");
/// assert!(matched);
/// # }
/// ```
pub async fn event_pattern_matches(
    client: &aws_sdk_eventbridge::Client,
    pattern_json: &str,
    event_json: &str,
) -> Result<bool, SdkError<TestEventPatternError>> {
    let answer = client
        .test_event_pattern()
        .event_pattern(pattern_json)
        .event(event_json)
        .send()
        .await?;
    Ok(answer.result())
}
