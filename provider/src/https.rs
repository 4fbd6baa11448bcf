//! The HTTPS client every AWS client of the process shares: the SDK's default (rustls with
//! aws-lc, the platform's trusted roots, proxies from the environment), built at the first
//! request instead of at configuration.
//!
//! Why lazily: the SDK's client loads the platform's roots when a service client is built, so
//! that the first request does not pay for it. For a Terraform provider that is the wrong trade:
//! Terraform configures the provider in every process it starts, and many of those make no AWS
//! call at all (`terraform plan -refresh=false`, `validate`, a plan whose resources are all
//! new). On Linux, loading the roots reads and parses every file of `/etc/ssl/certs` (about 150),
//! which was about half of `ConfigureProvider`'s time (13 ms to 7 ms, release build). The roots are still the platform's (the
//! keychain on macOS, the system store on Windows): a provider runs on people's machines, where
//! a corporate root may exist only there.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use aws_smithy_http_client::tls::TlsContext;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The SDK's default HTTPS client, built when the first request needs a connection. Clones
/// share one client.
#[derive(Debug, Clone, Default)]
pub struct LazyHttpsClient {
    client: Arc<OnceLock<SharedHttpClient>>,
}

impl LazyHttpsClient {
    /// Whether a request has built the client (and so loaded the roots) yet.
    #[cfg(test)]
    pub fn is_built(&self) -> bool {
        self.client.get().is_some()
    }

    fn client(&self) -> &SharedHttpClient {
        self.client
            .get_or_init(|| rdslink_engine::https::client(TlsContext::default()))
    }
}

impl HttpClient for LazyHttpsClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.client().http_connector(settings, components)
    }

    // `validate_base_client_config` keeps its default (nothing): the SDK's client uses it to
    // load the roots when a service client is built, which is what this type defers.

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        // Named in the user agent; what the SDK's default client says.
        Some(ConnectorMetadata::new("hyper", Some(Cow::Borrowed("1.x"))))
    }
}

#[cfg(test)]
mod tests {
    use aws_config::retry::RetryConfig;
    use aws_config::{BehaviorVersion, Region};
    use aws_credential_types::Credentials;

    use super::*;

    /// Building the SDK configuration and a service client builds nothing; the first request
    /// does (here one that fails: nothing listens on the discard port).
    #[tokio::test]
    async fn the_client_is_built_by_the_first_request() {
        let lazy = LazyHttpsClient::default();
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .http_client(lazy.clone())
            .region(Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .retry_config(RetryConfig::disabled())
            .credentials_provider(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            ))
            .load()
            .await;
        let sts = aws_sdk_sts::Client::new(&sdk);
        let _ec2 = aws_sdk_ec2::Client::new(&sdk);
        assert!(
            !lazy.is_built(),
            "building the clients built the HTTPS client"
        );

        let answer = sts.get_caller_identity().send().await;
        assert!(
            answer.is_err(),
            "nothing listens on 127.0.0.1:9: {answer:?}"
        );
        assert!(
            lazy.is_built(),
            "the request did not build the HTTPS client"
        );
    }
}
