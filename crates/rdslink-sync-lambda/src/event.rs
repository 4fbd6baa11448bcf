//! Lambda payloads -> the reconcile [`Trigger`].
//!
//! Every invocation reconciles: RDS events are best-effort (late, unordered, duplicated or
//! missing), so the payload never decides *whether* to converge, only two things:
//!
//! - whether reconcile should expect the database's address to move and wait for DNS to show it
//!   (an address-changing RDS event, see [`RdsEventId::expects_address_change`]), and
//! - what to log about why the function ran.
//!
//! Any payload yields an [`Invocation`]: shapes that are not understood (garbage, an empty object,
//! an array, another service's event, the plain-text notice SNS delivers when a subscription is
//! created) are a manual reconcile. Parsing never fails.
//!
//! Accepted shapes:
//! - SNS -> Lambda records whose `Message` is an RDS event notification (a JSON *string*).
//! - EventBridge events from `aws.rds` (DB instance, cluster, proxy, ... events).
//! - EventBridge "Scheduled Event" (the periodic safety net).

use std::fmt;
use std::time::SystemTime;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde::Deserialize;
use serde_json::Value;

use rdslink_engine::DatabaseSelector;
// The table lives in the engine so the provider can build its EventBridge rule from it too;
// re-exported so callers keep naming it here.
pub use rdslink_engine::rds_events::ADDRESS_CHANGING_EVENTS;
use rdslink_engine::{Trigger, TriggerReason};

/// What one invocation's payload asks for, plus what is worth logging about it.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The trigger handed to reconcile.
    pub trigger: Trigger,
    /// Where the payload came from.
    pub origin: Origin,
    /// The RDS resource the event is about, when the payload is an RDS event.
    pub source: Option<EventSource>,
    /// One line for logs and the invocation summary.
    pub description: String,
}

/// The delivery path of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An SNS -> Lambda record (RDS event subscription).
    Sns,
    /// An EventBridge rule matching RDS events.
    EventBridge,
    /// An EventBridge schedule.
    Schedule,
    /// Anything else: a direct invocation, a test event, another service, garbage.
    Other,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Sns => "sns",
            Origin::EventBridge => "eventbridge",
            Origin::Schedule => "schedule",
            Origin::Other => "other",
        }
    }
}

/// The RDS resource an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSource {
    pub kind: SourceKind,
    /// `SourceIdentifier` / `Source ID`, without the `rds:` prefix of documentation samples.
    pub identifier: Option<String>,
    /// `SourceArn` / `resources[0]` / `Source ARN` / the `Resource` message attribute.
    pub arn: Option<String>,
}

/// The kind of RDS resource an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    DbInstance,
    DbCluster,
    DbProxy,
    /// Snapshots, parameter groups, blue/green deployments, ... (normalised, e.g. `cluster-snapshot`).
    Other(String),
    /// The payload did not say.
    Unknown,
}

/// Whether an event is about the database this function keeps in sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relevance {
    /// The event names our database.
    Ours,
    /// The event names another resource of the same kind as ours: certainly not ours.
    Other,
    /// Cannot tell (e.g. an instance event while we follow a cluster: it may be a member).
    Unknown,
}

/// An RDS event id (`RDS-EVENT-0049`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RdsEventId(u16);

/// Reads a payload. Never fails: an unrecognised payload is a manual reconcile.
pub fn classify(payload: &Value) -> Invocation {
    if let Some(records) = sns_records(payload) {
        return classify_sns(&records);
    }
    if let Ok(event) = EventBridgeEvent::<Value>::deserialize(payload) {
        return classify_eventbridge(&event);
    }
    manual(Origin::Other, describe_unrecognised(payload))
}

impl RdsEventId {
    /// Finds `RDS-EVENT-nnnn` in an event id as RDS writes it: bare in EventBridge and message
    /// attributes, or as the fragment of a documentation URL in SNS message bodies (both
    /// `docs.aws.amazon.com` and `docs.amazonwebservices.com` variants exist).
    pub fn parse(text: &str) -> Option<Self> {
        const PREFIX: &str = "RDS-EVENT-";
        let upper = text.trim().to_ascii_uppercase();
        let start = upper.rfind(PREFIX)? + PREFIX.len();
        let digits = &upper[start..];
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(Self)
    }

    pub fn number(self) -> u16 {
        self.0
    }

    /// Whether RDS documents this event as one after which the database's endpoint may resolve to
    /// a different address, so that reconcile should wait for DNS to move.
    pub fn expects_address_change(self) -> bool {
        ADDRESS_CHANGING_EVENTS
            .binary_search_by_key(&self.0, |&(id, _)| id)
            .is_ok()
    }
}

impl fmt::Display for RdsEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RDS-EVENT-{:04}", self.0)
    }
}

impl EventSource {
    /// Whether this event names the database this function follows. Identifiers are compared
    /// case-insensitively (RDS stores them in lower case but accepts any case).
    pub fn relevance_to(&self, database: &DatabaseSelector) -> Relevance {
        let names = |wanted: &str| {
            let arn_name = self.arn.as_deref().and_then(arn_resource_name);
            [self.identifier.as_deref(), arn_name]
                .into_iter()
                .flatten()
                .any(|name| name.eq_ignore_ascii_case(wanted))
        };
        let (our_kind, ours) = match database {
            DatabaseSelector::Instance(id) => (SourceKind::DbInstance, id.as_str()),
            DatabaseSelector::Cluster { identifier, .. } => {
                (SourceKind::DbCluster, identifier.as_str())
            }
            DatabaseSelector::Proxy(name) => (SourceKind::DbProxy, name.as_str()),
            DatabaseSelector::Endpoint(_) => return Relevance::Unknown,
        };
        if names(ours) {
            Relevance::Ours
        } else if self.kind == our_kind && self.kind != SourceKind::DbProxy {
            Relevance::Other
        } else {
            // Proxy ARNs carry the proxy's resource id, not its name; other kinds (an instance
            // event while we follow a cluster) may concern a member of our database.
            Relevance::Unknown
        }
    }

    /// The identifier, or the ARN when there is none, for logs.
    pub fn display_name(&self) -> &str {
        self.identifier
            .as_deref()
            .or(self.arn.as_deref())
            .unwrap_or("(unnamed)")
    }
}

impl SourceKind {
    /// Maps the spellings RDS uses: ARN resource types (`db`, `cluster`, `db-proxy`), SNS
    /// `Event Source` (`db-instance`, `db-cluster`, `db-cluster-snapshot`) and EventBridge
    /// `SourceType` (`DB_INSTANCE`, `CLUSTER`, `DB_PROXY`, `CLUSTER_SNAPSHOT`).
    fn from_rds_name(name: &str) -> Self {
        let normalised = name.trim().to_ascii_lowercase().replace('_', "-");
        match normalised.as_str() {
            "" => SourceKind::Unknown,
            "db" | "db-instance" => SourceKind::DbInstance,
            "cluster" | "db-cluster" => SourceKind::DbCluster,
            "db-proxy" => SourceKind::DbProxy,
            _ => SourceKind::Other(normalised),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SourceKind::DbInstance => "db-instance",
            SourceKind::DbCluster => "db-cluster",
            SourceKind::DbProxy => "db-proxy",
            SourceKind::Other(name) => name,
            SourceKind::Unknown => "unknown",
        }
    }
}

impl Relevance {
    pub fn as_str(self) -> &'static str {
        match self {
            Relevance::Ours => "ours",
            Relevance::Other => "other",
            Relevance::Unknown => "unknown",
        }
    }
}

/// An RDS event notification, whichever path delivered it.
struct RdsNotice {
    event_id: Option<RdsEventId>,
    source: EventSource,
    time: Option<SystemTime>,
    message: Option<String>,
}

impl RdsNotice {
    fn describe(&self, via: &str) -> String {
        let id = self
            .event_id
            .map_or_else(|| "without an event id".to_owned(), |id| id.to_string());
        let mut text = format!(
            "RDS event {id} via {via} about {} {}",
            self.source.kind.as_str(),
            self.source.display_name()
        );
        if let Some(message) = &self.message {
            text.push_str(": ");
            text.push_str(&preview(message));
        }
        text
    }

    fn into_invocation(self, origin: Origin, description: String) -> Invocation {
        let trigger = Trigger {
            reason: TriggerReason::RdsEvent {
                event_id: self.event_id.map(|id| id.to_string()),
                source_id: self.source.identifier.clone(),
            },
            expects_address_change: self
                .event_id
                .is_some_and(RdsEventId::expects_address_change),
            event_time: self.time,
        };
        Invocation {
            trigger,
            origin,
            source: Some(self.source),
            description,
        }
    }
}

/// The records of an SNS -> Lambda payload, if it is one (`Records[*].Sns`).
///
/// Read from the JSON tree rather than `aws_lambda_events::sns::SnsEvent`: that type requires
/// every envelope field (signature, certificate URL, timestamp, ...), so a hand-forwarded or
/// test delivery without one would lose its RDS event id; only `Message` and
/// `MessageAttributes` matter here.
fn sns_records(payload: &Value) -> Option<Vec<&Value>> {
    let records: Vec<&Value> = payload
        .get("Records")?
        .as_array()?
        .iter()
        .filter_map(|record| record.get("Sns"))
        .filter(|sns| sns.is_object())
        .collect();
    (!records.is_empty()).then_some(records)
}

/// SNS delivers one record per invocation, but the format allows several: every record is read,
/// the first RDS notice names the reason, and any address-changing one makes reconcile wait.
fn classify_sns(records: &[&Value]) -> Invocation {
    let mut notices = Vec::new();
    let mut others = Vec::new();
    for sns in records {
        match sns_notice(sns) {
            Ok(notice) => notices.push(notice),
            Err(note) => others.push(note),
        }
    }
    let descriptions: Vec<String> = notices
        .iter()
        .map(|notice| notice.describe("SNS"))
        .chain(others)
        .collect();
    let description = descriptions.join("; ");
    let expects_address_change = notices.iter().any(|notice| {
        notice
            .event_id
            .is_some_and(RdsEventId::expects_address_change)
    });
    let Some(first) = notices.into_iter().next() else {
        return manual(Origin::Sns, description);
    };
    let mut invocation = first.into_invocation(Origin::Sns, description);
    invocation.trigger.expects_address_change = expects_address_change;
    invocation
}

/// Reads one SNS record as an RDS notice, or says why it is not one.
fn sns_notice(sns: &Value) -> Result<RdsNotice, String> {
    let attribute = |name: &str| {
        sns.get("MessageAttributes")
            .and_then(|attributes| attributes.get(name))
            .and_then(|attribute| text_field(attribute, "Value"))
    };
    let message_text = text_field(sns, "Message").unwrap_or_default();
    let body = match serde_json::from_str::<Value>(message_text) {
        Ok(body) if body.is_object() => body,
        // The first delivery after RDS creates an event subscription is plain text.
        _ => {
            return Err(format!(
                "SNS message that is not an RDS event notification (plain text): {}",
                preview(message_text)
            ));
        }
    };
    let event_id = text_field(&body, "Event ID")
        .and_then(RdsEventId::parse)
        .or_else(|| attribute("EventID").and_then(RdsEventId::parse));
    let arn = text_field(&body, "Source ARN")
        .or_else(|| attribute("Resource"))
        .map(str::to_owned);
    let identifier = text_field(&body, "Source ID").map(strip_rds_prefix);
    if event_id.is_none() && identifier.is_none() && arn.is_none() {
        return Err(format!(
            "SNS message that is not an RDS event notification: {}",
            preview(message_text)
        ));
    }
    let kind = text_field(&body, "Event Source")
        .map(SourceKind::from_rds_name)
        .or_else(|| {
            arn.as_deref()
                .and_then(arn_resource_type)
                .map(SourceKind::from_rds_name)
        })
        .unwrap_or(SourceKind::Unknown);
    let time = text_field(&body, "Event Time")
        .and_then(parse_time)
        .or_else(|| text_field(sns, "Timestamp").and_then(parse_time));
    Ok(RdsNotice {
        event_id,
        source: EventSource {
            kind,
            identifier,
            arn,
        },
        time,
        message: text_field(&body, "Event Message").map(str::to_owned),
    })
}

fn classify_eventbridge(event: &EventBridgeEvent<Value>) -> Invocation {
    let event_time = event.time.map(SystemTime::from);
    if event.source == "aws.events" && event.detail_type == "Scheduled Event" {
        let rule = event
            .resources
            .as_ref()
            .and_then(|resources| resources.first())
            .map_or("an unnamed rule", String::as_str);
        return Invocation {
            trigger: Trigger {
                reason: TriggerReason::Schedule,
                expects_address_change: false,
                event_time,
            },
            origin: Origin::Schedule,
            source: None,
            description: format!("scheduled event from {rule}"),
        };
    }
    if event.source != "aws.rds" {
        return manual(
            Origin::EventBridge,
            format!(
                "EventBridge event from {} ({}), not an RDS event",
                preview(&event.source),
                preview(&event.detail_type)
            ),
        );
    }
    let detail = &event.detail;
    // Documentation samples write `SourceIdentifier` as `rds:<id>`, captured events as `<id>`:
    // the ARN is the stable key, the identifier a fallback.
    let arn = text_field(detail, "SourceArn")
        .or_else(|| {
            event
                .resources
                .as_ref()
                .and_then(|resources| resources.first())
                .map(String::as_str)
        })
        .map(str::to_owned);
    let identifier = text_field(detail, "SourceIdentifier")
        .map(strip_rds_prefix)
        .or_else(|| {
            arn.as_deref()
                .and_then(arn_resource_name)
                .map(str::to_owned)
        });
    let kind = text_field(detail, "SourceType")
        .map(SourceKind::from_rds_name)
        .or_else(|| {
            arn.as_deref()
                .and_then(arn_resource_type)
                .map(SourceKind::from_rds_name)
        })
        .unwrap_or(SourceKind::Unknown);
    let notice = RdsNotice {
        event_id: text_field(detail, "EventID").and_then(RdsEventId::parse),
        source: EventSource {
            kind,
            identifier,
            arn,
        },
        time: text_field(detail, "Date")
            .and_then(parse_time)
            .or(event_time),
        message: text_field(detail, "Message").map(str::to_owned),
    };
    let description = notice.describe(&format!("EventBridge ({})", preview(&event.detail_type)));
    notice.into_invocation(Origin::EventBridge, description)
}

fn manual(origin: Origin, description: String) -> Invocation {
    Invocation {
        trigger: Trigger {
            reason: TriggerReason::Manual,
            expects_address_change: false,
            event_time: None,
        },
        origin,
        source: None,
        description,
    }
}

fn describe_unrecognised(payload: &Value) -> String {
    let shape = match payload {
        Value::Null => "null".to_owned(),
        Value::Bool(_) | Value::Number(_) => "a scalar".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Array(items) => format!("an array of {} items", items.len()),
        Value::Object(fields) if fields.is_empty() => "an empty object".to_owned(),
        Value::Object(fields) => {
            let keys: Vec<&str> = fields.keys().take(5).map(String::as_str).collect();
            format!("an object with keys {}", preview(&keys.join(", ")))
        }
    };
    format!("manual invocation (payload is {shape})")
}

/// A string field of a JSON object; absent when missing, empty, or of another type.
fn text_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

fn strip_rds_prefix(identifier: &str) -> String {
    identifier
        .strip_prefix("rds:")
        .unwrap_or(identifier)
        .to_owned()
}

/// `arn:partition:rds:region:account:<type>:<name>` -> (`<type>`, `<name>`). Names may contain
/// colons (automated snapshots: `cluster-snapshot:rds:name-2021-...`).
fn arn_resource(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(7, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let _partition = parts.next()?;
    let _service = parts.next()?;
    let _region = parts.next()?;
    let _account = parts.next()?;
    let resource_type = parts.next()?;
    let name = parts.next()?;
    (!resource_type.is_empty() && !name.is_empty()).then_some((resource_type, name))
}

fn arn_resource_type(arn: &str) -> Option<&str> {
    arn_resource(arn).map(|(resource_type, _)| resource_type)
}

fn arn_resource_name(arn: &str) -> Option<&str> {
    arn_resource(arn).map(|(_, name)| name)
}

/// RFC 3339 (`2018-09-27T22:36:43.292Z`, EventBridge and SNS `Timestamp`) or the SNS body's
/// `Event Time` (`2019-01-02 12:45:06.000`, UTC without a zone).
fn parse_time(text: &str) -> Option<SystemTime> {
    let parsed = DateTime::from_str(text, Format::DateTimeWithOffset).or_else(|_| {
        let rfc3339 = format!("{}Z", text.replacen(' ', "T", 1));
        DateTime::from_str(&rfc3339, Format::DateTime)
    });
    parsed.ok().and_then(|time| SystemTime::try_from(time).ok())
}

/// Payload text for a log line: one line, bounded length.
fn preview(text: &str) -> String {
    const LIMIT: usize = 160;
    let single_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match single_line.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", &single_line[..cut]),
        None => single_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_ids_parse_from_both_documentation_url_variants_and_bare() {
        let cases = [
            "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0002",
            "http://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0002",
            "RDS-EVENT-0002",
            " rds-event-0002 ",
        ];
        for case in cases {
            assert_eq!(RdsEventId::parse(case), Some(RdsEventId(2)), "{case}");
        }
        assert_eq!(RdsEventId(49).to_string(), "RDS-EVENT-0049");
    }

    #[test]
    fn malformed_event_ids_are_absent() {
        for case in [
            "",
            "RDS-EVENT-",
            "RDS-EVENT-12345",
            "RDS-EVENT-00x9",
            "EVENT-0049",
            "#",
        ] {
            assert_eq!(RdsEventId::parse(case), None, "{case:?}");
        }
    }

    #[test]
    fn both_sns_time_formats_parse() {
        let rfc3339 = parse_time("2019-01-02T12:45:07.000Z");
        let sns_body = parse_time("2019-01-02 12:45:07.000");
        assert!(rfc3339.is_some());
        assert_eq!(rfc3339, sns_body);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn arn_parts_allow_colons_in_names() {
        assert_eq!(
            arn_resource("arn:aws:rds:us-east-1:1:cluster-snapshot:rds:c-2021"),
            Some(("cluster-snapshot", "rds:c-2021"))
        );
        assert_eq!(arn_resource("arn:aws:rds:us-east-1:1:db"), None);
        assert_eq!(arn_resource("not an arn"), None);
    }

    #[test]
    fn previews_are_one_bounded_line() {
        let long = "x\n".repeat(500);
        let shown = preview(&long);
        assert!(!shown.contains('\n'));
        assert!(shown.chars().count() <= 163);
    }

    #[test]
    fn relevance_compares_same_kind_only() {
        let instance_event = EventSource {
            kind: SourceKind::DbInstance,
            identifier: Some("db-1".into()),
            arn: Some("arn:aws:rds:us-east-1:1:db:db-1".into()),
        };
        assert_eq!(
            instance_event.relevance_to(&DatabaseSelector::Instance("DB-1".into())),
            Relevance::Ours
        );
        assert_eq!(
            instance_event.relevance_to(&DatabaseSelector::Instance("db-2".into())),
            Relevance::Other
        );
        assert_eq!(
            instance_event.relevance_to(&DatabaseSelector::Endpoint("db-1.example".into())),
            Relevance::Unknown
        );
    }

    #[test]
    fn scalar_payload_is_manual() {
        let invocation = classify(&json!(42));
        assert!(matches!(invocation.trigger.reason, TriggerReason::Manual));
        assert_eq!(invocation.origin, Origin::Other);
    }
}
