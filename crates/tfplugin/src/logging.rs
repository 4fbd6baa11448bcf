//! Logging in the shape Terraform understands.
//!
//! Terraform reads the provider's stderr; JSON lines in hclog's shape
//! (`{"@level":"debug","@message":"...","@module":"provider.rdslink","@timestamp":"..."}`) are
//! re-levelled and shown under `TF_LOG`/`TF_LOG_PROVIDER`, with other keys as fields. Spans'
//! fields (e.g. the RPC being served) are added to the events inside them.
//!
//! Secrets must never be logged: do not pass credentials, tokens or whole values/configurations
//! as fields. As a safety net, fields whose names look secret (`password`, `secret`, `token`,
//! `credential`, `external_id`, `private_key`, `authorization`) are written as `"[REDACTED]"`.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Field name fragments that mark a value as secret.
const SECRET_MARKERS: [&str; 7] = [
    "password",
    "secret",
    "token",
    "credential",
    "external_id",
    "private_key",
    "authorization",
];

/// This crate's own events are always logged at the requested level (with the provider's crates).
const PLUGIN_TARGET: &str = "tfplugin";

/// Installs the global subscriber: hclog JSON lines on stderr, level from the environment (see
/// [`level_from_env`]). `provider_name` gives the `@module` (`provider.<name>`). Does nothing if
/// a subscriber is already installed. `own_targets` are the provider's crates (tracing targets),
/// logged at the requested level; everything else (HTTP, TLS, gRPC internals) only from WARN up,
/// so TRACE stays readable.
pub fn init(provider_name: &str, own_targets: &[&str]) {
    let level = level_from_env(provider_name, |name| std::env::var(name).ok());
    let layer = HclogLayer::new(format!("provider.{provider_name}"), std::io::stderr);
    let subscriber =
        tracing_subscriber::registry().with(layer.with_filter(filter(level, own_targets)));
    // Already installed (e.g. by a test harness): keep that one.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The plugin layer and `own_targets` at `level`, the rest at most at WARN.
pub fn filter(level: LevelFilter, own_targets: &[&str]) -> Targets {
    let others = level.min(LevelFilter::WARN);
    std::iter::once(&PLUGIN_TARGET)
        .chain(own_targets)
        .fold(Targets::new().with_default(others), |targets, target| {
            targets.with_target(*target, level)
        })
}

/// The level Terraform asks for: `TF_LOG_PROVIDER_<NAME>`, then `TF_LOG_PROVIDER`, then
/// `TF_LOG` (TRACE, DEBUG, INFO, WARN, ERROR, OFF; JSON means TRACE). Default INFO.
pub fn level_from_env(provider_name: &str, lookup: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let specific = format!("TF_LOG_PROVIDER_{}", provider_name.to_ascii_uppercase());
    [specific.as_str(), "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .filter_map(|name| lookup(name))
        .find_map(|value| match value.trim().to_ascii_uppercase().as_str() {
            "TRACE" | "JSON" => Some(LevelFilter::TRACE),
            "DEBUG" => Some(LevelFilter::DEBUG),
            "INFO" => Some(LevelFilter::INFO),
            "WARN" => Some(LevelFilter::WARN),
            "ERROR" => Some(LevelFilter::ERROR),
            "OFF" => Some(LevelFilter::OFF),
            _ => None,
        })
        .unwrap_or(LevelFilter::INFO)
}

/// A layer writing each event as one hclog JSON line.
pub struct HclogLayer<W> {
    module: String,
    make_writer: W,
}

impl<W> HclogLayer<W> {
    pub fn new(module: impl Into<String>, make_writer: W) -> Self {
        Self {
            module: module.into(),
            make_writer,
        }
    }
}

/// A span's recorded fields, kept in the span's extensions.
struct SpanFields(Map<String, Json>);

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = FieldCollector::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(existing)) = extensions.get_mut::<SpanFields>() {
            let mut fields = FieldCollector::default();
            values.record(&mut fields);
            existing.extend(fields.fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.clone());
                }
            }
        }
        let mut fields = FieldCollector::default();
        event.record(&mut fields);
        line.extend(fields.fields);
        line.insert(
            "@level".into(),
            Json::from(level_name(*event.metadata().level())),
        );
        line.insert("@message".into(), Json::from(fields.message));
        line.insert("@module".into(), Json::from(self.module.as_str()));
        line.insert(
            "@timestamp".into(),
            Json::from(timestamp(SystemTime::now())),
        );
        let mut text = Json::Object(line).to_string();
        text.push('\n');
        // One write per line keeps lines whole when several threads log at once; a failed
        // write to stderr has nowhere to be reported.
        let _ = self.make_writer.make_writer().write_all(text.as_bytes());
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

#[derive(Default)]
struct FieldCollector {
    message: String,
    fields: Map<String, Json>,
}

impl FieldCollector {
    fn insert(&mut self, field: &Field, value: Json) {
        let name = field.name();
        if name == "message" {
            self.message = match value {
                Json::String(text) => text,
                other => other.to_string(),
            };
            return;
        }
        let lower = name.to_ascii_lowercase();
        let value = if SECRET_MARKERS.iter().any(|marker| lower.contains(marker)) {
            Json::from("[REDACTED]")
        } else {
            value
        };
        self.fields.insert(name.to_string(), value);
    }
}

impl Visit for FieldCollector {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field, Json::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, Json::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, Json::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, Json::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Json::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(text, ": {cause}");
            source = cause.source();
        }
        self.insert(field, Json::from(text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, Json::from(format!("{value:?}")));
    }
}

/// hclog's timestamp format in UTC: `2026-01-02T03:04:05.000000Z`.
fn timestamp(now: SystemTime) -> String {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since_epoch.subsec_micros()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut buffer) = self.0.lock() {
                buffer.extend_from_slice(bytes);
            }
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture(level: LevelFilter, log: impl FnOnce()) -> Vec<Json> {
        let sink = Captured::default();
        let layer = HclogLayer::new("provider.test", sink.clone());
        let subscriber = tracing_subscriber::registry().with(layer.with_filter(filter(level, &[])));
        tracing::subscriber::with_default(subscriber, log);
        let bytes = sink.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or(Json::Null))
            .collect()
    }

    #[test]
    fn events_are_hclog_json_lines_with_span_fields() {
        let lines = capture(LevelFilter::DEBUG, || {
            let span = tracing::info_span!("rpc", rpc = "PlanResourceChange");
            let _entered = span.enter();
            tracing::debug!(attempt = 2, ok = true, "planning {}", "now");
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["@level"], "debug");
        assert_eq!(line["@message"], "planning now");
        assert_eq!(line["@module"], "provider.test");
        assert_eq!(line["rpc"], "PlanResourceChange");
        assert_eq!(line["attempt"], 2);
        assert_eq!(line["ok"], true);
        let stamp = line["@timestamp"].as_str().unwrap_or_default();
        assert_eq!(stamp.len(), "2026-01-02T03:04:05.000000Z".len(), "{stamp}");
        assert!(stamp.ends_with('Z'));
    }

    #[test]
    fn secret_looking_fields_are_redacted() {
        let lines = capture(LevelFilter::INFO, || {
            tracing::info!(
                session_token = "abc",
                external_id = "x",
                role = "r",
                "assumed"
            );
        });
        assert_eq!(lines[0]["session_token"], "[REDACTED]");
        assert_eq!(lines[0]["external_id"], "[REDACTED]");
        assert_eq!(lines[0]["role"], "r");
    }

    #[test]
    fn levels_below_the_filter_and_foreign_chatter_are_dropped() {
        let lines = capture(LevelFilter::INFO, || {
            tracing::debug!("hidden");
            tracing::info!("shown");
            tracing::info!(target: "h2::codec", "foreign info hidden");
            tracing::warn!(target: "h2::codec", "foreign warning shown");
        });
        let messages: Vec<_> = lines.iter().map(|l| l["@message"].clone()).collect();
        assert_eq!(messages, vec!["shown", "foreign warning shown"]);
    }

    #[test]
    fn level_comes_from_the_most_specific_variable() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        assert_eq!(level_from_env("rdslink", env(&[])), LevelFilter::INFO);
        assert_eq!(
            level_from_env("rdslink", env(&[("TF_LOG", "debug")])),
            LevelFilter::DEBUG
        );
        assert_eq!(
            level_from_env(
                "rdslink",
                env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "ERROR")])
            ),
            LevelFilter::ERROR
        );
        assert_eq!(
            level_from_env(
                "rdslink",
                env(&[
                    ("TF_LOG_PROVIDER", "ERROR"),
                    ("TF_LOG_PROVIDER_RDSLINK", "off")
                ])
            ),
            LevelFilter::OFF
        );
        assert_eq!(
            level_from_env("rdslink", env(&[("TF_LOG", "JSON")])),
            LevelFilter::TRACE
        );
    }

    #[test]
    fn timestamps_are_utc_with_microseconds() {
        let at = UNIX_EPOCH + Duration::from_micros(1_767_323_045_000_123);
        assert_eq!(timestamp(at), "2026-01-02T03:04:05.000123Z");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(timestamp(leap), "2000-02-29T00:00:00.000000Z");
    }
}
