//! The HTTPS client of both programs' AWS clients: the SDK's own default, built here so that each
//! program can choose when it is built and which roots it trusts (the sync Lambda: one CA bundle,
//! at init; the provider: the platform's roots, at the first AWS call).

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// What `aws_smithy_runtime`'s `default_https_client` builds for the latest behaviour version
/// (rustls with aws-lc, proxies from the environment), trusting the roots of `tls`
/// (`TlsContext::default()`: the platform's).
pub fn client(tls: TlsContext) -> SharedHttpClient {
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(tls.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}
