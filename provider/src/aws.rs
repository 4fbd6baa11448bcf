//! Turning the provider's settings into AWS clients: the standard credentials chain, an optional
//! role to assume, endpoint overrides for emulators. Building them makes no AWS call; the one
//! identity check ([`crate::identity`]) runs before the process's first AWS operation, so that
//! configuration problems surface as one clear diagnostic instead of on every later call.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use rdslink_engine::aws_error::{self, Failure};
use rdslink_engine::resolver::Resolver;

use crate::https::LazyHttpsClient;
use crate::identity::{AssumedRole, Identity};

/// What the `provider "rdslink"` block says, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub endpoints: ServiceEndpoints,
    pub assume_role: Option<AssumeRole>,
    pub default_tags: BTreeMap<String, String>,
    pub dns_nameservers: Vec<SocketAddr>,
}

/// Per-service endpoint overrides; each wins over `endpoint_url` for its service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceEndpoints {
    pub ec2: Option<String>,
    pub elbv2: Option<String>,
    pub rds: Option<String>,
    pub sts: Option<String>,
}

#[derive(Clone, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    /// A shared secret with the role's owner: kept out of `Debug` so it is never logged.
    pub external_id: Option<String>,
}

impl std::fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Everything data sources and resources need to talk to AWS, built once per provider process.
#[derive(Clone)]
pub struct Clients {
    /// The account, resolved by the first operation that calls AWS ([`Clients::account_id`]).
    pub identity: Identity,
    pub region: String,
    pub rds: aws_sdk_rds::Client,
    /// The load balancer and endpoint service APIs of `rdslink_endpoint_service` (the one ELBv2
    /// client of the process).
    pub bundle: AwsClients,
    /// The APIs the sync Lambda's deployment lives in (see `crate::sync`).
    pub sync: SyncClients,
    /// Route 53, for the private names of `rdslink_consumer_endpoint`.
    pub route53: aws_sdk_route53::Client,
    pub resolver: Resolver,
    pub default_tags: BTreeMap<String, String>,
    /// For the identity error: whose identity, through which STS endpoint.
    who: String,
    sts_endpoint: StsEndpoint,
}

/// The two AWS services a `rdslink_endpoint_service` bundle lives in (EC2 for the endpoint
/// service, ELBv2 for the load balancer, listener and target group). Configuration, not a
/// resource's: the resource's AWS layer re-exports it as `endpoint_service::aws::AwsClients`.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub ec2: aws_sdk_ec2::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
}

impl AwsClients {
    /// Both clients from one SDK configuration (credentials, region, endpoint).
    pub fn new(config: &aws_types::SdkConfig) -> Self {
        AwsClients {
            ec2: aws_sdk_ec2::Client::new(config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(config),
        }
    }
}

/// The services of the sync Lambda's deployment: the function, its IAM roles, its log group, the
/// EventBridge rule on the database's events, the SNS topic and RDS event subscription of
/// `events = "sns"`, and the EventBridge Scheduler schedule.
#[derive(Debug, Clone)]
pub struct SyncClients {
    pub lambda: aws_sdk_lambda::Client,
    pub iam: aws_sdk_iam::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub scheduler: aws_sdk_scheduler::Client,
    pub sns: aws_sdk_sns::Client,
    /// For the RDS event subscription (the same client as the discovery's).
    pub rds: aws_sdk_rds::Client,
}

impl SyncClients {
    /// Every client from one SDK configuration (credentials, region, endpoint).
    pub fn new(config: &aws_types::SdkConfig) -> Self {
        SyncClients {
            lambda: aws_sdk_lambda::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            events: aws_sdk_eventbridge::Client::new(config),
            scheduler: aws_sdk_scheduler::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            rds: aws_sdk_rds::Client::new(config),
        }
    }
}

/// Why configuration failed, phrased for the person reading `terraform plan`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigureError {
    #[error("no AWS region is configured")]
    NoRegion,
    #[error("the system DNS configuration could not be loaded: {0}")]
    Resolver(String),
    #[error("{0}")]
    Identity(String),
}

impl ConfigureError {
    pub fn detail(&self) -> String {
        match self {
            ConfigureError::NoRegion => {
                "Set `region` in the provider block, or AWS_REGION, or a region in the AWS profile.".into()
            }
            ConfigureError::Resolver(_) => {
                "Set `dns_nameservers` in the provider block to resolve database endpoints with explicit servers.".into()
            }
            ConfigureError::Identity(_) => {
                "Before its first AWS call, rdslink asks STS who it is (AssumeRole with `assume_role`, \
                 GetCallerIdentity without). Check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
                 AWS_PROFILE, SSO login, instance role), and for `assume_role` that the role exists, \
                 trusts the caller, and that `external_id` matches."
                    .into()
            }
        }
    }
}

/// Loads AWS configuration (standard chain plus our settings) and builds every client, with the
/// role to assume as their credentials provider. No AWS call: see [`Clients::account_id`].
pub async fn connect(settings: &Settings) -> Result<Clients, ConfigureError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        // The platform's roots are loaded by the first AWS call, not here (see `https`).
        .http_client(LazyHttpsClient::default())
        .retry_config(retry_config())
        // `app/rdslink-<version>` in every request's user agent (CloudTrail shows which build).
        .app_name(crate::version::aws_app_name());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let base = loader.load().await;
    let region = base.region().ok_or(ConfigureError::NoRegion)?.to_string();
    let sts_of = |config: &SdkConfig| {
        aws_sdk_sts::Client::from_conf(
            override_endpoint(
                aws_sdk_sts::config::Builder::from(config),
                settings.endpoints.sts.as_deref(),
            )
            .build(),
        )
    };

    let (sdk, identity) = match &settings.assume_role {
        None => {
            let identity = Identity::ambient(sts_of(&base));
            (base, identity)
        }
        Some(role) => {
            let assumed = Arc::new(AssumedRole::new(
                sts_of(&base),
                role.role_arn.clone(),
                role.session_name
                    .clone()
                    .unwrap_or_else(|| "terraform-provider-rdslink".into()),
                role.external_id.clone(),
            ));
            let sdk = base
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(
                    Arc::clone(&assumed) as Arc<dyn ProvideCredentials>
                ))
                .build();
            (sdk, Identity::assumed(assumed))
        }
    };
    tracing::info!(region, "configured AWS access");

    let resolver = if settings.dns_nameservers.is_empty() {
        Resolver::system().map_err(|e| ConfigureError::Resolver(e.to_string()))?
    } else {
        Resolver::with_nameservers(&settings.dns_nameservers)
    };

    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::from_conf(
        override_endpoint(
            aws_sdk_elasticloadbalancingv2::config::Builder::from(&sdk),
            settings.endpoints.elbv2.as_deref(),
        )
        .build(),
    );
    let rds = aws_sdk_rds::Client::from_conf(
        override_endpoint(
            aws_sdk_rds::config::Builder::from(&sdk),
            settings.endpoints.rds.as_deref(),
        )
        .build(),
    );
    let ec2 = aws_sdk_ec2::Client::from_conf(
        override_endpoint(
            aws_sdk_ec2::config::Builder::from(&sdk),
            settings.endpoints.ec2.as_deref(),
        )
        .build(),
    );
    Ok(Clients {
        identity,
        who: who(settings),
        sts_endpoint: sts_endpoint(settings, &region),
        region,
        bundle: AwsClients { ec2, elbv2 },
        // The RDS event subscription goes through the same client (and `endpoints.rds`) as the
        // discovery.
        sync: SyncClients {
            rds: rds.clone(),
            ..SyncClients::new(&sdk)
        },
        rds,
        route53: aws_sdk_route53::Client::new(&sdk),
        resolver,
        default_tags: settings.default_tags.clone(),
    })
}

impl Clients {
    /// The account the provider acts in. The first caller of the process makes the one STS call
    /// ([`Identity`]); its failure is the provider's configuration error, the same for every
    /// caller.
    pub async fn account_id(&self) -> Result<&str, ConfigureError> {
        let explain = |operation: &'static str, failure: &Failure| {
            identity_sentence(operation, &self.who, &self.sts_endpoint, failure)
        };
        self.identity
            .account_id(explain)
            .await
            .map_err(|sentence| ConfigureError::Identity(sentence.to_owned()))
    }
}

/// Whose identity is checked, for the error sentence.
fn who(settings: &Settings) -> String {
    match &settings.assume_role {
        Some(role) => format!("assuming role {}", role.role_arn),
        None => "with the ambient credentials".to_owned(),
    }
}

/// Which STS endpoint answers (region and override, for an unreachable or unknown region).
fn sts_endpoint(settings: &Settings, region: &str) -> StsEndpoint {
    let url = settings
        .endpoints
        .sts
        .as_deref()
        .or(settings.endpoint_url.as_deref());
    StsEndpoint {
        region: region.to_owned(),
        description: url.map_or_else(
            || format!("the STS endpoint of region {region}"),
            |url| format!("{url} (region {region})"),
        ),
    }
}

/// The STS endpoint as the identity error names it.
#[derive(Clone, Debug)]
pub struct StsEndpoint {
    region: String,
    description: String,
}

/// The one sentence for a failed identity check: the operation, who asked, where, AWS's code and
/// message, and what to check.
fn identity_sentence(
    operation: &str,
    who: &str,
    endpoint: &StsEndpoint,
    failure: &Failure,
) -> String {
    let StsEndpoint {
        region,
        description,
    } = endpoint;
    match failure {
        Failure::NoAnswer { cause } => format!(
            "{operation} ({who}) got no answer from {description}: {cause}; check that \
             region \"{region}\" exists and is enabled for the account, and that the endpoint is \
             reachable from this machine (network, proxy, DNS, endpoint overrides)"
        ),
        _ => aws_error::sentence(
            operation,
            &format!("the provider's identity ({who}, {description})"),
            failure,
        ),
    }
}

/// How many times one AWS call is tried before its failure is reported.
const MAX_ATTEMPTS: u32 = 10;
/// The first retry waits up to this long (with jitter), each later one about twice as long...
const INITIAL_BACKOFF: Duration = Duration::from_millis(200);
/// ...but never longer than this.
const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// The retry policy of every client the provider builds (STS, the role assumption, RDS, EC2,
/// ELBv2): they all come from the one `SdkConfig` it is set on.
///
/// Control-plane APIs throttle whole accounts (`Throttling`, `RequestLimitExceeded`) in bursts
/// that outlast the SDK's default three attempts; ten attempts with exponential backoff capped at
/// 20 s ride out roughly two minutes of storm, as terraform-provider-aws does (standard mode, up to
/// 25 attempts). Standard rather than adaptive: the SDK documents adaptive mode as experimental,
/// and its client-side rate limit would also slow down calls that are not throttled. The resource's operation timeouts and Ctrl-C still bound the
/// whole operation: the resource code races its calls against its deadline and cancellation.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// Each service's config builder has its own inherent `endpoint_url`; this trait lets one function
/// apply an optional override to any of them.
trait EndpointOverride: Sized {
    fn with_endpoint(self, url: &str) -> Self;
}

macro_rules! endpoint_override {
    ($($builder:ty),*) => {$(
        impl EndpointOverride for $builder {
            fn with_endpoint(self, url: &str) -> Self { self.endpoint_url(url) }
        }
    )*};
}
endpoint_override!(
    aws_sdk_sts::config::Builder,
    aws_sdk_rds::config::Builder,
    aws_sdk_ec2::config::Builder,
    aws_sdk_elasticloadbalancingv2::config::Builder
);

fn override_endpoint<B: EndpointOverride>(builder: B, url: Option<&str>) -> B {
    match url {
        Some(url) => builder.with_endpoint(url),
        None => builder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_region_is_one_sentence_naming_the_region_and_the_endpoint() {
        let settings = Settings {
            region: Some("moon-1".into()),
            ..Settings::default()
        };
        let failure = Failure::NoAnswer {
            cause: "dispatch failure: dns error: failed to lookup address information".into(),
        };
        let text = identity_sentence(
            "sts:GetCallerIdentity",
            &who(&settings),
            &sts_endpoint(&settings, "moon-1"),
            &failure,
        );
        assert!(text.starts_with("sts:GetCallerIdentity (with the ambient credentials) got no answer from the STS endpoint of region moon-1: dispatch failure"), "{text}");
        assert!(text.contains("region \"moon-1\" exists"), "{text}");
        assert!(!text.contains('{'), "no struct dump: {text}");
    }

    #[test]
    fn refused_credentials_name_the_code_the_message_and_the_endpoint_override() {
        let settings = Settings {
            endpoint_url: Some("http://127.0.0.1:5000".into()),
            ..Settings::default()
        };
        let failure = Failure::Answered {
            code: Some("InvalidClientTokenId".into()),
            message: Some("The security token included in the request is invalid.".into()),
        };
        let text = identity_sentence(
            "sts:GetCallerIdentity",
            &who(&settings),
            &sts_endpoint(&settings, "eu-west-1"),
            &failure,
        );
        assert_eq!(
            text,
            "sts:GetCallerIdentity for the provider's identity (with the ambient credentials, \
             http://127.0.0.1:5000 (region eu-west-1)) failed: AWS answered InvalidClientTokenId: \
             The security token included in the request is invalid; check the provider's \
             credentials: they are unknown, expired, or their secret is wrong (and the machine's \
             clock is right)"
        );
    }

    #[test]
    fn every_client_retries_ten_times_with_capped_backoff() {
        let config = retry_config();
        assert_eq!(config.max_attempts(), 10);
        assert_eq!(config.max_backoff(), Duration::from_secs(20));
    }
}
