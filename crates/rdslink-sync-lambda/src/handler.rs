//! The sync Lambda function: initialisation (environment -> clients, once per execution
//! environment) and one invocation (payload -> [`reconcile`] -> summary).
//!
//! `bin/bootstrap.rs` wires this to the Lambda runtime; tests call [`handle`] directly.

use std::net::Ipv4Addr;
use std::time::SystemTime;

use aws_config::BehaviorVersion;
use lambda_runtime::Diagnostic;
use serde::Serialize;
use serde_json::Value;
use tracing::{error, info, warn};

use crate::config::{Config, ConfigError};
use crate::event::{self, Invocation, Relevance};
use crate::metrics::{self, Dimensions};
use rdslink_engine::{
    Discoverer, Engine, Error, Recheck, Report, Resolver, TargetGroup, reconcile,
};

/// What every invocation needs, built once at init.
#[derive(Debug)]
pub struct Function {
    engine: Engine,
    dimensions: Dimensions,
}

/// Why the function could not start. The runtime reports it as the init error.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("invalid environment: {0}")]
    Config(#[from] ConfigError),
    #[error("cannot set up DNS resolution: {0}")]
    Resolver(#[source] Error),
}

/// A failed invocation: the engine's error, reported to Lambda with a readable type
/// (`Rdslink.Retryable.ResolverTimeout`, `Rdslink.Fatal.DbInstanceNotFound`, ...).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvocationError(#[from] pub Error);

/// The JSON an invocation returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The target group holds exactly the database's current addresses.
    pub in_sync: bool,
    /// The addresses registered when the invocation ended (the invocation's read of the group
    /// plus the changes AWS acknowledged), sorted.
    pub targets: Vec<Ipv4Addr>,
    /// Addresses this invocation registered.
    pub registered: Vec<Ipv4Addr>,
    /// Addresses this invocation deregistered.
    pub deregistered: Vec<Ipv4Addr>,
    /// Whether the invocation waited for DNS to move: `not_needed`, `moved` or `timed_out`.
    pub wait: &'static str,
    /// Seconds spent waiting for DNS.
    pub waited: f64,
    /// The database this function follows (`instance:orders`, `cluster:orders:writer`, ...).
    pub database: String,
    /// The hostname discovery resolved.
    pub endpoint: String,
    pub trigger: TriggerSummary,
}

/// What the payload was, as understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerSummary {
    /// `sns`, `eventbridge`, `schedule` or `other`.
    pub origin: &'static str,
    /// `schedule`, `manual` or `RDS event <id> from <source>`.
    pub reason: String,
    pub event_id: Option<String>,
    /// The resource the event is about.
    pub source: Option<String>,
    /// Whether that resource is the database this function follows: `ours`, `other`, `unknown`.
    pub relevance: Option<&'static str>,
    /// Whether reconcile was asked to expect an address change (and so may wait for DNS).
    pub expects_address_change: bool,
    pub description: String,
}

impl Function {
    /// Reads the environment and builds the AWS clients and resolver. Region, credentials and
    /// endpoint come from the standard AWS environment (`AWS_REGION`, the Lambda role's
    /// credentials, `AWS_ENDPOINT_URL` for tests against an emulator).
    pub async fn from_env() -> Result<Self, InitError> {
        let config = Config::from_env()?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        // One CA bundle instead of every certificate file of the image (see `https`).
        if let Some(client) = crate::https::client_from_env() {
            loader = loader.http_client(client);
        }
        let sdk = loader.load().await;
        Self::new(config, &sdk)
    }

    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Result<Self, InitError> {
        let resolver = match &config.dns_nameservers {
            Some(nameservers) => Resolver::with_nameservers(nameservers),
            None => Resolver::system().map_err(InitError::Resolver)?,
        };
        // The function only converges addresses: no VPC lookup, cluster member endpoints read
        // once per execution environment, and not at all for those the provider wrote down.
        let discoverer = Discoverer::new(aws_sdk_rds::Client::new(sdk), resolver)
            .addresses_only()
            .remembering(&config.member_endpoints);
        let target_group = TargetGroup::new(
            aws_sdk_elasticloadbalancingv2::Client::new(sdk),
            config.target_group_arn.as_str(),
            config.port,
        );
        let dimensions = Dimensions::new(
            config.target_group_arn.as_str(),
            config.database.to_string(),
        );
        // A failover costs four AWS calls (discover and read side by side, register,
        // deregister) instead of seven: deregistering against the side-by-side answer is as
        // fresh as re-discovering after the registration (see `Recheck::SideBySide`), and the
        // scheduled run, not a read-back, catches a writer outside the engine.
        let engine = Engine::new(discoverer, config.database, target_group)
            .with_dns_wait(config.dns_wait)
            .with_recheck(Recheck::SideBySide);
        info!(
            database = %engine.selector(),
            target_group = engine.target_group().arn(),
            port = config.port,
            nameservers = engine.discoverer().resolver().nameservers(),
            dns_wait_secs = config.dns_wait.as_secs(),
            "initialised"
        );
        Ok(Function { engine, dimensions })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// One invocation: whatever the payload, reconcile the configured database's target group.
pub async fn handle(function: &Function, payload: Value) -> Result<Summary, InvocationError> {
    let mut invocation = event::classify(&payload);
    let relevance = invocation
        .source
        .as_ref()
        .map(|source| source.relevance_to(function.engine.selector()));
    if relevance == Some(Relevance::Other) && invocation.trigger.expects_address_change {
        // The subscription or rule also matched another database: its failover does not move
        // ours, so do not spend the DNS wait on it. Ours is still reconciled.
        invocation.trigger.expects_address_change = false;
    }
    log_invocation(&invocation, relevance);

    let result = reconcile(&function.engine, &invocation.trigger).await;
    let now = SystemTime::now();
    match result {
        Ok(report) => {
            metrics::emit(&metrics::reconcile_succeeded(
                &function.dimensions,
                &report,
                now,
            ));
            Ok(summarise(function, &invocation, relevance, report))
        }
        Err(err) => {
            metrics::emit(&metrics::reconcile_failed(&function.dimensions, &err, now));
            error!(
                error = %err,
                error_type = err.kind(),
                retryable = err.is_retryable(),
                "invocation failed"
            );
            Err(InvocationError(err))
        }
    }
}

fn log_invocation(invocation: &Invocation, relevance: Option<Relevance>) {
    let origin = invocation.origin.as_str();
    let source = invocation.source.as_ref();
    let source_kind = source.map(|source| source.kind.as_str());
    let source_id = source.and_then(|source| source.identifier.as_deref());
    let relevance_name = relevance.map(Relevance::as_str);
    if relevance == Some(Relevance::Other) {
        warn!(
            origin,
            source_kind,
            source_id,
            relevance = relevance_name,
            "{}; it is about another database: reconciling ours without waiting for DNS",
            invocation.description
        );
    } else {
        info!(
            origin,
            source_kind,
            source_id,
            relevance = relevance_name,
            expects_address_change = invocation.trigger.expects_address_change,
            "{}",
            invocation.description
        );
    }
}

fn summarise(
    function: &Function,
    invocation: &Invocation,
    relevance: Option<Relevance>,
    report: Report,
) -> Summary {
    let event_id = match &invocation.trigger.reason {
        rdslink_engine::TriggerReason::RdsEvent { event_id, .. } => event_id.clone(),
        _ => None,
    };
    Summary {
        in_sync: report.in_sync,
        targets: report.targets,
        registered: report.registered,
        deregistered: report.deregistered,
        wait: report.wait.as_str(),
        waited: report.waited.as_secs_f64(),
        database: function.engine.selector().to_string(),
        endpoint: report.endpoint,
        trigger: TriggerSummary {
            origin: invocation.origin.as_str(),
            reason: invocation.trigger.reason.to_string(),
            event_id,
            source: invocation
                .source
                .as_ref()
                .map(|source| format!("{} {}", source.kind.as_str(), source.display_name())),
            relevance: relevance.map(Relevance::as_str),
            expects_address_change: invocation.trigger.expects_address_change,
            description: invocation.description.clone(),
        },
    }
}

impl InvocationError {
    /// `Rdslink.<Retryable|Fatal>.<Kind>`, the kind in UpperCamelCase.
    pub fn error_type(&self) -> String {
        let class = if self.0.is_retryable() {
            "Retryable"
        } else {
            "Fatal"
        };
        format!("Rdslink.{class}.{}", upper_camel_case(self.0.kind()))
    }
}

impl From<InvocationError> for Diagnostic {
    fn from(error: InvocationError) -> Self {
        Diagnostic {
            error_type: error.error_type(),
            error_message: error.to_string(),
        }
    }
}

impl InitError {
    /// `Rdslink.Init.<Config|Resolver>`.
    pub fn error_type(&self) -> &'static str {
        match self {
            InitError::Config(_) => "Rdslink.Init.InvalidEnvironment",
            InitError::Resolver(_) => "Rdslink.Init.Resolver",
        }
    }
}

impl From<&InitError> for Diagnostic {
    fn from(error: &InitError) -> Self {
        Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// `resolver_timeout` -> `ResolverTimeout`.
fn upper_camel_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Tells the Lambda service that initialisation failed (`POST /runtime/init/error`), so the
/// failure shows as this error, not as an unexplained exit. Logs and returns on any failure to
/// report: the process exits next either way.
pub async fn report_init_error(error: &InitError) {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        error!(
            "AWS_LAMBDA_RUNTIME_API is not set: not running under Lambda; init error not reported"
        );
        return;
    };
    if let Err(report_error) = post_init_error(&api, Diagnostic::from(error)).await {
        error!(error = %report_error, "could not report the init error to the Lambda runtime API");
    }
}

async fn post_init_error(api: &str, diagnostic: Diagnostic) -> Result<(), lambda_runtime::Error> {
    let base: http::Uri = format!("http://{api}").parse()?;
    let client = lambda_runtime_api_client::PooledClient::builder()
        .with_endpoint(base)
        .build();
    let body = serde_json::to_vec(&diagnostic)?;
    let request = lambda_runtime_api_client::build_request()
        .method(http::Method::POST)
        .uri("/2018-06-01/runtime/init/error")
        .header(
            "lambda-runtime-function-error-type",
            diagnostic.error_type.as_str(),
        )
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(lambda_runtime_api_client::body::Body::from(body))?;
    let response = client.call(request).await?;
    if !response.status().is_success() {
        return Err(format!("runtime API answered {}", response.status()).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_readable() {
        let timeout = InvocationError(Error::ResolverTimeout {
            name: "db".into(),
            nameservers: "ns".into(),
        });
        assert_eq!(timeout.error_type(), "Rdslink.Retryable.ResolverTimeout");
        let missing = InvocationError(Error::DbInstanceNotFound {
            identifier: "x".into(),
        });
        let diagnostic = Diagnostic::from(missing);
        assert_eq!(diagnostic.error_type, "Rdslink.Fatal.DbInstanceNotFound");
        assert!(
            diagnostic.error_message.contains("\"x\""),
            "{}",
            diagnostic.error_message
        );
    }

    #[test]
    fn init_errors_name_the_variable() {
        let error = InitError::from(ConfigError::Missing {
            name: crate::config::TARGET_GROUP_ARN,
        });
        let diagnostic = Diagnostic::from(&error);
        assert_eq!(diagnostic.error_type, "Rdslink.Init.InvalidEnvironment");
        assert!(
            diagnostic
                .error_message
                .contains("RDSLINK_TARGET_GROUP_ARN")
        );
    }

    #[test]
    fn snake_case_kinds_become_upper_camel_case() {
        assert_eq!(upper_camel_case("aws_api"), "AwsApi");
        assert_eq!(upper_camel_case("resolver"), "Resolver");
    }
}
