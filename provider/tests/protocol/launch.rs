//! Launching as Terraform does: the handshake, the schema, the health service, and the refusals
//! when Terraform's environment is incomplete.

use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use tfplugin::proto::tfplugin6 as pb;
use tfplugin::testing::{ClientIdentity, MAGIC_COOKIE};

use crate::{Plugin, run_to_exit, terraform_env};

#[tokio::test]
async fn announces_itself_and_serves_the_schema() {
    let plugin = Plugin::launch();
    let mut provider = plugin.provider().await;
    let schema = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap_or_else(|e| panic!("GetProviderSchema: {e}"))
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let block = schema.provider.and_then(|p| p.block).unwrap_or_default();
    assert!(!block.description.is_empty());
    assert_eq!(block.description_kind, pb::StringKind::Markdown as i32);
    let capabilities = schema.server_capabilities.unwrap_or_default();
    assert!(capabilities.get_provider_schema_optional);
    assert!(capabilities.plan_destroy);

    let metadata = provider
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap_or_else(|e| panic!("GetMetadata: {e}"))
        .into_inner();
    let mut listed: Vec<String> = metadata
        .resources
        .into_iter()
        .map(|r| r.type_name)
        .collect();
    let mut schemas: Vec<String> = schema.resource_schemas.keys().cloned().collect();
    listed.sort();
    schemas.sort();
    assert_eq!(listed, schemas);

    // Schemas are cached: the second call is served the same.
    let again = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap_or_else(|e| panic!("GetProviderSchema: {e}"))
        .into_inner();
    assert_eq!(again.resource_schemas.len(), schemas.len());

    eprintln!(
        "provider start to handshake line: {} ms; peak RSS after the schema calls: {} KiB",
        plugin.startup.as_millis(),
        plugin.peak_rss_kib().unwrap_or_default()
    );
    assert!(
        plugin.startup < Duration::from_secs(2),
        "slow start: {:?}",
        plugin.startup
    );
}

#[tokio::test]
async fn reports_plugin_serving_on_the_health_service() {
    let plugin = Plugin::launch();
    let response = HealthClient::new(plugin.channel().await)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap_or_else(|e| panic!("Health/Check: {e}"))
        .into_inner();
    assert_eq!(response.status, ServingStatus::Serving as i32);
}

#[test]
fn without_the_magic_cookie_it_explains_and_exits_1() {
    let identity = ClientIdentity::like_terraform();
    let env: Vec<_> = terraform_env(&identity)
        .into_iter()
        .filter(|(name, _)| *name != MAGIC_COOKIE.0)
        .collect();
    let (status, stdout, stderr) = run_to_exit(&env);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("This binary is a plugin. These are not meant to be executed directly."),
        "{stderr}"
    );
    assert!(
        stderr.contains("load any plugins automatically"),
        "{stderr}"
    );
}

#[test]
fn without_protocol_6_it_fails_clearly() {
    let identity = ClientIdentity::like_terraform();
    let mut env = terraform_env(&identity);
    env.retain(|(name, _)| *name != "PLUGIN_PROTOCOL_VERSIONS");
    env.push(("PLUGIN_PROTOCOL_VERSIONS", "4,5".to_string()));
    let (status, stdout, stderr) = run_to_exit(&env);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    assert!(stderr.contains("speaks only protocol 6"), "{stderr}");
    assert!(stderr.contains("4,5"), "{stderr}");
}

#[test]
fn without_a_client_certificate_it_refuses_to_start() {
    let identity = ClientIdentity::like_terraform();
    let mut env = terraform_env(&identity);
    env.retain(|(name, _)| *name != "PLUGIN_CLIENT_CERT");
    let (status, stdout, stderr) = run_to_exit(&env);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "", "nothing may be served without mutual TLS");
    assert!(stderr.contains("PLUGIN_CLIENT_CERT"), "{stderr}");
}
