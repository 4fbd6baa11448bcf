//! Metrics: CloudWatch Embedded Metric Format (EMF) lines.
//!
//! In Lambda, a JSON line on stdout with an `_aws` block becomes CloudWatch metrics with no API
//! call and no extra permission. Building the line is pure (and tested); printing it is the
//! caller's choice — the Terraform provider must never print to stdout (it is the plugin
//! handshake channel), so the engine itself never emits.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use rdslink_engine::{Error, Report};

/// The CloudWatch namespace every rdslink metric lives in.
pub const NAMESPACE: &str = "rdslink";

/// The small, fixed label set every metric carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimensions {
    /// The target group's name (the ARN's `targetgroup/<name>/...` part), or its ARN.
    pub target_group: String,
    /// The database selector in text form, e.g. `cluster:orders:writer`.
    pub database: String,
}

impl Dimensions {
    /// Dimensions from a target group ARN and a selector text, shortening the ARN to the group's
    /// name (unique within an account and region, which is what a dashboard needs).
    pub fn new(target_group_arn: &str, database: impl Into<String>) -> Self {
        let target_group = target_group_arn
            .split_once(":targetgroup/")
            .and_then(|(_, rest)| rest.split('/').next())
            .filter(|name| !name.is_empty())
            .unwrap_or(target_group_arn)
            .to_string();
        Dimensions {
            target_group,
            database: database.into(),
        }
    }
}

/// One metric value with its CloudWatch unit.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Metric {
    name: &'static str,
    value: f64,
    unit: &'static str,
}

fn count(name: &'static str, value: usize) -> Metric {
    Metric {
        name,
        // Counts here are tiny (targets, calls): exact in f64.
        value: value as f64,
        unit: "Count",
    }
}

fn seconds(name: &'static str, value: Duration) -> Metric {
    Metric {
        name,
        value: value.as_secs_f64(),
        unit: "Seconds",
    }
}

/// The EMF line for a successful reconcile: `TargetsRegistered`, `TargetsDeregistered`,
/// `DiscoveryFailures` (0), `AwsCalls`, `DnsWaitSeconds`, and `ConvergenceSeconds` when the
/// reconcile changed the targets in answer to a timed event.
pub fn reconcile_succeeded(dimensions: &Dimensions, report: &Report, at: SystemTime) -> String {
    let mut metrics = vec![
        count("TargetsRegistered", report.registered.len()),
        count("TargetsDeregistered", report.deregistered.len()),
        count("DiscoveryFailures", 0),
        count("AwsCalls", report.aws_calls as usize),
        seconds("DnsWaitSeconds", report.waited),
    ];
    if let Some(convergence) = report.convergence {
        metrics.push(seconds("ConvergenceSeconds", convergence));
    }
    embedded_metric_line(dimensions, &metrics, at)
}

/// The EMF line for a failed reconcile: `DiscoveryFailures` is 1 when the database's addresses
/// could not be found (RDS API or DNS), `ReconcileFailures` is always 1.
pub fn reconcile_failed(dimensions: &Dimensions, error: &Error, at: SystemTime) -> String {
    let metrics = [
        count(
            "DiscoveryFailures",
            usize::from(error.is_discovery_failure()),
        ),
        count("ReconcileFailures", 1),
    ];
    embedded_metric_line(dimensions, &metrics, at)
}

/// Prints one EMF line on stdout (where the Lambda runtime's log agent picks it up).
pub fn emit(line: &str) {
    let mut stdout = std::io::stdout().lock();
    // A metric lost because stdout is closed is not worth failing a reconcile for.
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

fn embedded_metric_line(dimensions: &Dimensions, metrics: &[Metric], at: SystemTime) -> String {
    let timestamp_ms = at
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|m| json!({ "Name": m.name, "Unit": m.unit }))
        .collect();
    let mut root = Map::new();
    root.insert(
        "_aws".to_string(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["TargetGroup", "Database"]],
                "Metrics": definitions,
            }],
        }),
    );
    root.insert(
        "TargetGroup".to_string(),
        Value::from(dimensions.target_group.clone()),
    );
    root.insert(
        "Database".to_string(),
        Value::from(dimensions.database.clone()),
    );
    for metric in metrics {
        root.insert(metric.name.to_string(), json!(metric.value));
    }
    Value::Object(root).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdslink_engine::WaitOutcome;
    use std::net::Ipv4Addr;

    fn dims() -> Dimensions {
        Dimensions::new(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-tg/0123456789abcdef",
            "instance:orders",
        )
    }

    fn failover_report() -> Report {
        let old = Ipv4Addr::new(10, 0, 1, 5);
        let new = Ipv4Addr::new(10, 0, 2, 9);
        Report {
            endpoint: "orders.abc.us-east-1.rds.amazonaws.com".into(),
            desired: vec![new],
            registered_before: vec![old],
            registered: vec![new],
            deregistered: vec![old],
            targets: vec![new],
            in_sync: true,
            wait: WaitOutcome::Moved,
            waited: Duration::from_millis(1500),
            convergence: Some(Duration::from_secs(42)),
            aws_calls: 7,
        }
    }

    fn parse(line: &str) -> Value {
        assert!(!line.contains('\n'), "EMF must be a single line");
        serde_json::from_str(line).expect("EMF line is JSON")
    }

    #[test]
    fn the_target_group_dimension_is_the_group_name() {
        assert_eq!(dims().target_group, "orders-tg");
        assert_eq!(
            Dimensions::new("not-an-arn", "x").target_group,
            "not-an-arn"
        );
    }

    #[test]
    fn success_line_has_the_emf_shape() {
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let doc = parse(&reconcile_succeeded(&dims(), &failover_report(), at));

        assert_eq!(doc["_aws"]["Timestamp"], json!(1_700_000_000_123u64));
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], json!("rdslink"));
        assert_eq!(
            directive["Dimensions"],
            json!([["TargetGroup", "Database"]])
        );
        assert_eq!(doc["TargetGroup"], json!("orders-tg"));
        assert_eq!(doc["Database"], json!("instance:orders"));

        // Every declared metric has a numeric value at the top level, and vice versa.
        let declared: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(
            declared,
            [
                "TargetsRegistered",
                "TargetsDeregistered",
                "DiscoveryFailures",
                "AwsCalls",
                "DnsWaitSeconds",
                "ConvergenceSeconds"
            ]
        );
        for name in &declared {
            assert!(doc[name].is_number(), "{name} has no value");
        }
        assert_eq!(doc["TargetsRegistered"], json!(1.0));
        assert_eq!(doc["TargetsDeregistered"], json!(1.0));
        assert_eq!(doc["DnsWaitSeconds"], json!(1.5));
        assert_eq!(doc["ConvergenceSeconds"], json!(42.0));
        assert_eq!(directive["Metrics"][5]["Unit"], json!("Seconds"));
        assert_eq!(directive["Metrics"][0]["Unit"], json!("Count"));
    }

    #[test]
    fn convergence_is_left_out_when_unknown() {
        let report = Report {
            convergence: None,
            ..failover_report()
        };
        let doc = parse(&reconcile_succeeded(&dims(), &report, SystemTime::now()));
        assert!(doc.get("ConvergenceSeconds").is_none());
        let names = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].to_string();
        assert!(!names.contains("ConvergenceSeconds"));
    }

    #[test]
    fn failures_count_discovery_failures_separately() {
        let dns = Error::NoAddresses {
            name: "db".into(),
            nameservers: "ns".into(),
        };
        let elbv2 = Error::TargetGroupNotFound { arn: "arn".into() };
        let doc = parse(&reconcile_failed(&dims(), &dns, SystemTime::now()));
        assert_eq!(doc["DiscoveryFailures"], json!(1.0));
        assert_eq!(doc["ReconcileFailures"], json!(1.0));
        let doc = parse(&reconcile_failed(&dims(), &elbv2, SystemTime::now()));
        assert_eq!(doc["DiscoveryFailures"], json!(0.0));
        assert_eq!(doc["ReconcileFailures"], json!(1.0));
    }
}
