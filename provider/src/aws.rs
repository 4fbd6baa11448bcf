//! Turning the provider's settings into AWS clients: the standard credentials chain, an optional
//! role to assume, endpoint overrides for emulators, and one identity check so that configuration
//! problems surface once, as one clear diagnostic, instead of on every later call.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sts::error::DisplayErrorContext;
use rdslink_engine::resolver::Resolver;

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
    pub account_id: String,
    pub region: String,
    pub rds: aws_sdk_rds::Client,
    /// The load balancer and endpoint service APIs of `rdslink_endpoint_service` (the one ELBv2
    /// client of the process).
    pub bundle: AwsClients,
    pub resolver: Resolver,
    pub default_tags: BTreeMap<String, String>,
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
                "rdslink asks STS who it is (GetCallerIdentity) when it starts. Check the credentials \
                 (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO login, instance role), and for \
                 `assume_role` that the role exists, trusts the caller, and that `external_id` matches."
                    .into()
            }
        }
    }
}

/// Loads AWS configuration (standard chain plus our settings), assumes the role if asked, and
/// verifies the resulting identity with one STS call.
pub async fn connect(settings: &Settings) -> Result<Clients, ConfigureError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
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

    let sdk = match &settings.assume_role {
        None => base,
        Some(role) => {
            let sts_base = with_sts_endpoint(&base, settings);
            let mut builder = AssumeRoleProvider::builder(&role.role_arn)
                .session_name(
                    role.session_name
                        .clone()
                        .unwrap_or_else(|| "terraform-provider-rdslink".into()),
                )
                .configure(&sts_base);
            if let Some(external_id) = &role.external_id {
                builder = builder.external_id(external_id);
            }
            let provider = builder.build().await;
            base.into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build()
        }
    };

    let sts = aws_sdk_sts::Client::from_conf(
        override_endpoint(
            aws_sdk_sts::config::Builder::from(&sdk),
            settings.endpoints.sts.as_deref(),
        )
        .build(),
    );
    let identity = sts.get_caller_identity().send().await.map_err(|err| {
        let who = match &settings.assume_role {
            Some(role) => format!("assuming role {}", role.role_arn),
            None => "with the ambient credentials".to_string(),
        };
        ConfigureError::Identity(format!(
            "AWS did not accept the provider's credentials ({who}): {}",
            DisplayErrorContext(&err)
        ))
    })?;
    let account_id = identity.account().unwrap_or_default().to_string();
    tracing::info!(account_id, region, "configured AWS access");

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
    let ec2 = aws_sdk_ec2::Client::from_conf(
        override_endpoint(
            aws_sdk_ec2::config::Builder::from(&sdk),
            settings.endpoints.ec2.as_deref(),
        )
        .build(),
    );
    Ok(Clients {
        account_id,
        region,
        rds: aws_sdk_rds::Client::from_conf(
            override_endpoint(
                aws_sdk_rds::config::Builder::from(&sdk),
                settings.endpoints.rds.as_deref(),
            )
            .build(),
        ),
        bundle: AwsClients { ec2, elbv2 },
        resolver,
        default_tags: settings.default_tags.clone(),
    })
}

/// The configuration the role is assumed through: STS at its override, if any.
fn with_sts_endpoint(base: &SdkConfig, settings: &Settings) -> SdkConfig {
    match &settings.endpoints.sts {
        Some(url) => base.to_builder().endpoint_url(url).build(),
        None => base.clone(),
    }
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
