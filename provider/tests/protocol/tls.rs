//! Mutual TLS: a client without Terraform's certificate gets no RPC at all.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tfplugin::proto::go_plugin::Empty;
use tfplugin::proto::go_plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::testing::{ClientIdentity, channel, client_config, connect_tls};

use crate::Plugin;

/// Connects at the TLS level and tries an HTTP/2 exchange; returns the error that ended it.
async fn tls_exchange_error(plugin: &Plugin, identity: Option<&ClientIdentity>) -> String {
    let config = client_config(&plugin.handshake, identity);
    // With TLS 1.3 the client finishes its side of the handshake before the server has checked
    // the client certificate; the refusal arrives as an alert on the first read.
    let mut tls = match connect_tls(&plugin.handshake, config).await {
        Ok(tls) => tls,
        Err(error) => return error.to_string(),
    };
    let _ = tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    let mut buffer = [0u8; 64];
    match tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buffer)).await {
        Ok(Ok(0)) => "connection closed".to_string(),
        Ok(Ok(n)) => panic!("the server answered a refused client with {n} bytes"),
        Ok(Err(error)) => error.to_string(),
        Err(_) => panic!("the server neither answered nor refused"),
    }
}

async fn assert_rpc_refused(plugin: &Plugin, identity: Option<&ClientIdentity>) {
    let refused = match channel(&plugin.handshake, identity).await {
        Err(_) => true,
        Ok(channel) => ProviderClient::new(channel)
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_err(),
    };
    assert!(
        refused,
        "a gRPC call succeeded without Terraform's certificate"
    );
}

#[tokio::test]
async fn refuses_a_client_without_a_certificate() {
    let plugin = Plugin::launch();
    let error = tls_exchange_error(&plugin, None).await;
    assert!(error.contains("CertificateRequired"), "{error}");
    assert_rpc_refused(&plugin, None).await;
    // Shutdown in particular must not be reachable.
    if let Ok(channel) = channel(&plugin.handshake, None).await {
        assert!(
            GrpcControllerClient::new(channel)
                .shutdown(Empty {})
                .await
                .is_err()
        );
    }
    // The real client is still served afterwards.
    let mut provider = plugin.provider().await;
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn refuses_a_client_with_another_certificate() {
    let plugin = Plugin::launch();
    let stranger = ClientIdentity::like_terraform();
    let error = tls_exchange_error(&plugin, Some(&stranger)).await;
    assert!(error.contains("AccessDenied"), "{error}");
    assert_rpc_refused(&plugin, Some(&stranger)).await;
    let mut provider = plugin.provider().await;
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}
