//! Stopping: Shutdown, StopProvider (including cancelling a slow read) and Ctrl-C.

use std::process::Command;
use std::time::{Duration, Instant};

use terraform_provider_rdslink::RdslinkProvider;
use tfplugin::proto::go_plugin::Empty;
use tfplugin::proto::go_plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::provider::Provider;
use tfplugin::schema::Schema;
use tfplugin::value::{Type, Value, msgpack};

use crate::Plugin;

#[tokio::test]
async fn shutdown_exits_zero_and_prints_nothing_more() {
    let mut plugin = Plugin::launch();
    GrpcControllerClient::new(plugin.channel().await)
        .shutdown(Empty {})
        .await
        .unwrap_or_else(|e| panic!("Shutdown: {e}"));
    let status = plugin.wait_for_exit(Duration::from_secs(3));
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn stop_provider_returns_at_once_and_the_process_keeps_serving() {
    let plugin = Plugin::launch();
    let mut provider = plugin.provider().await;
    let started = Instant::now();
    let response = provider
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap_or_else(|e| panic!("StopProvider: {e}"))
        .into_inner();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(response.error, "");
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn survives_ctrl_c_so_terraform_can_stop_it_gracefully() {
    let plugin = Plugin::launch();
    let pid = plugin.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(sent.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut provider = plugin.provider().await;
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}

/// Encodes an object of strings (null where `None`) for a DynamicValue of the given schema type.
fn msgpack_object(attributes: &[(&str, Option<&str>)], ty: &Type) -> Vec<u8> {
    let value = Value::object(
        attributes
            .iter()
            .map(|(name, text)| (*name, text.map(Value::string).unwrap_or(Value::Null))),
    );
    let value = fill_nulls(value, ty);
    msgpack::encode(&value, ty).unwrap_or_else(|e| panic!("encoding {value:?}: {e}"))
}

/// The object type of a block with the given attribute names, all strings or lists of strings.
fn object_type(schema: &Schema) -> Type {
    schema.value_type()
}

#[tokio::test]
async fn stop_provider_cancels_a_slow_data_source_read() {
    let moto = rdslink_testkit::moto().await;
    let silent = rdslink_testkit::SilentDns::start().await;
    let plugin = Plugin::launch_with(&[
        (
            "AWS_ACCESS_KEY_ID",
            rdslink_testkit::STATIC_ACCESS_KEY_ID.to_string(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            rdslink_testkit::STATIC_SECRET_ACCESS_KEY.to_string(),
        ),
    ]);
    let mut provider = plugin.provider().await;

    let rdslink = RdslinkProvider::new();
    let provider_type = object_type(&rdslink.schema());
    let config = Value::object([
        ("region", Value::string("us-east-1")),
        ("endpoint_url", Value::string(moto.endpoint.clone())),
        (
            "dns_nameservers",
            Value::list_of_strings([silent.addr().to_string()]),
        ),
    ]);
    let config = fill_nulls(config, &provider_type);
    let configured = provider
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(pb::DynamicValue {
                msgpack: msgpack::encode(&config, &provider_type).unwrap(),
                json: vec![],
            }),
            client_capabilities: None,
        })
        .await
        .unwrap_or_else(|e| panic!("ConfigureProvider: {e}"))
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );

    let database = rdslink
        .data_sources()
        .into_iter()
        .find(|d| d.type_name() == "rdslink_database")
        .expect("rdslink_database");
    let database_type = object_type(&database.schema());
    let read_config = msgpack_object(&[("endpoint", Some("db.silent.internal"))], &database_type);
    let mut reader = provider.clone();
    let read = async move {
        reader
            .read_data_source(pb::read_data_source::Request {
                type_name: "rdslink_database".into(),
                config: Some(pb::DynamicValue {
                    msgpack: read_config,
                    json: vec![],
                }),
                provider_meta: None,
                client_capabilities: None,
            })
            .await
            .map(|r| r.into_inner())
    };
    let mut stopper = provider.clone();
    let stop = async move {
        stopper
            .stop_provider(pb::stop_provider::Request {})
            .await
            .map(|_| ())
    };
    // The silent nameserver would keep the read waiting for its resolver timeouts (seconds).
    let (response, after) =
        tfplugin::testing::assert_cancelled_by_stop(read, stop, Duration::from_millis(800)).await;
    let response = response.unwrap_or_else(|e| panic!("ReadDataSource: {e}"));
    let summaries: Vec<&str> = response
        .diagnostics
        .iter()
        .map(|d| d.summary.as_str())
        .collect();
    assert!(
        summaries.iter().any(|s| s.contains("stopped")),
        "expected a 'stopped' diagnostic, got {:?}",
        response.diagnostics
    );
    eprintln!("read cancelled {} ms after StopProvider", after.as_millis());
}

/// Every attribute of `ty`'s object that `value` lacks, as null (msgpack objects carry them all).
fn fill_nulls(value: Value, ty: &Type) -> Value {
    let Type::Object(attributes) = ty else {
        return value;
    };
    let mut value = value;
    for name in attributes.keys() {
        if value.get(name).is_null() {
            value.set_attribute(name.clone(), Value::Null);
        }
    }
    value
}
