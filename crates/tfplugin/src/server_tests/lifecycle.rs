//! A raw test provider: cancellation, shutdown and the resource lifecycle on the wire.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt as _;

use super::harness::{Harness, dynamic, summaries, value_of};
use crate::diag::Diagnostics;
use crate::proto::go_plugin::grpc_broker_client::GrpcBrokerClient;
use crate::proto::go_plugin::grpc_controller_client::GrpcControllerClient;
use crate::proto::go_plugin::grpc_stdio_client::GrpcStdioClient;
use crate::proto::go_plugin::{ConnInfo, Empty};
use crate::proto::tfplugin6 as pb;
use crate::provider::{
    ApplyRequest, ApplyResponse, Context, DataSource, Provider, ReadRequest, ReadResponse, Resource,
};
use crate::schema::{Attribute, Block, Schema};
use crate::testing::assert_cancelled_by_stop;
use crate::value::{Type, Value};

const GRACE: Duration = Duration::from_millis(300);

struct TestProvider;

#[async_trait]
impl Provider for TestProvider {
    fn type_name(&self) -> &'static str {
        "test"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block::new("Test provider.").attribute(Attribute::optional(
            "region",
            Type::String,
            "Region.",
        )))
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(NeverAnswers)]
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing)]
    }

    async fn configure(&self, config: &Value, _ctx: &Context, diags: &mut Diagnostics) {
        if config.get("region").as_str() == Some("nowhere") {
            diags.error("Unknown region", "nowhere is not a region");
        }
    }
}

/// A data source whose read never finishes (a lookup against a server that never answers).
struct NeverAnswers;

#[async_trait]
impl DataSource for NeverAnswers {
    fn type_name(&self) -> &'static str {
        "test_never"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Never answers.")
                .attribute(Attribute::required("name", Type::String, "Name."))
                .attribute(Attribute::computed("value", Type::String, "Value.")),
        )
    }

    async fn read(
        &self,
        _config: &Value,
        _ctx: &Context,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        std::future::pending().await
    }
}

/// A resource whose create takes forever; with `honor_stop` it returns partial state as soon
/// as the provider is stopped, without it it ignores the stop.
struct Thing;

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A thing.")
                .attribute(Attribute::computed("id", Type::String, "Id."))
                .attribute(Attribute::required("name", Type::String, "Name."))
                .attribute(Attribute::optional(
                    "honor_stop",
                    Type::Bool,
                    "Honor stops.",
                ))
                .attribute(Attribute::optional("big", Type::Number, "A big number.")),
        )
        .version(1)
    }

    async fn apply(
        &self,
        req: ApplyRequest,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<ApplyResponse> {
        if req.is_destroy() {
            return Some(ApplyResponse {
                new_state: Value::Null,
                private: Vec::new(),
            });
        }
        let name = req
            .planned_state
            .get("name")
            .as_str()
            .unwrap_or_default()
            .to_string();
        if name == "slow" {
            if req.planned_state.get("honor_stop").as_bool() == Some(true) {
                ctx.stopped().await;
                diags.error("Interrupted", "creation was interrupted half-way");
                let partial = req.planned_state.with("id", Value::string("partial-1"));
                return Some(ApplyResponse {
                    new_state: partial,
                    private: Vec::new(),
                });
            }
            std::future::pending::<()>().await;
        }
        Some(ApplyResponse {
            new_state: req
                .planned_state
                .with("id", Value::string(format!("id-{name}"))),
            private: b"private".to_vec(),
        })
    }

    async fn read(
        &self,
        req: ReadRequest,
        _ctx: &Context,
        _diags: &mut Diagnostics,
    ) -> Option<ReadResponse> {
        let gone = req.current_state.get("name").as_str() == Some("gone");
        Some(ReadResponse {
            new_state: if gone { Value::Null } else { req.current_state },
            private: req.private,
        })
    }

    async fn import(&self, id: &str, _ctx: &Context, _diags: &mut Diagnostics) -> Option<Value> {
        Some(Value::object([
            ("id", Value::string(id)),
            ("name", Value::string("imported")),
        ]))
    }
}

fn thing_type() -> Type {
    Thing.schema().value_type()
}

fn thing(name: &str, honor_stop: Option<bool>) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", Value::string(name)),
        ("honor_stop", Value::from(honor_stop)),
        ("big", Value::Null),
    ])
}

fn apply_request(planned: &Value) -> pb::apply_resource_change::Request {
    let ty = thing_type();
    pb::apply_resource_change::Request {
        type_name: "test_thing".into(),
        prior_state: dynamic(&Value::Null, &ty),
        planned_state: dynamic(&planned.clone().with("id", Value::unknown()), &ty),
        config: dynamic(planned, &ty),
        ..Default::default()
    }
}

#[tokio::test]
async fn stop_cancels_an_in_flight_data_source_read() {
    let harness = Harness::start(TestProvider, GRACE).await;
    let ty = NeverAnswers.schema().value_type();
    let config = Value::object([("name", Value::string("db")), ("value", Value::Null)]);
    let mut client = harness.provider();
    let read = async move {
        client
            .read_data_source(pb::read_data_source::Request {
                type_name: "test_never".into(),
                config: dynamic(&config, &ty),
                ..Default::default()
            })
            .await
    };
    let (response, _) =
        assert_cancelled_by_stop(read, harness.stop(), Duration::from_secs(1)).await;
    let response = response
        .unwrap_or_else(|e| panic!("ReadDataSource: {e}"))
        .into_inner();
    assert_eq!(
        summaries(&response.diagnostics),
        vec!["The provider was stopped"]
    );
    assert!(response.diagnostics[0].detail.contains("Ctrl-C"));
    assert!(response.state.is_none());
}

#[tokio::test]
async fn apply_sees_the_stop_and_returns_partial_state() {
    let harness = Harness::start(TestProvider, GRACE).await;
    let mut client = harness.provider();
    let apply = async move {
        client
            .apply_resource_change(apply_request(&thing("slow", Some(true))))
            .await
    };
    let (response, _) =
        assert_cancelled_by_stop(apply, harness.stop(), Duration::from_secs(1)).await;
    let response = response
        .unwrap_or_else(|e| panic!("ApplyResourceChange: {e}"))
        .into_inner();
    assert_eq!(summaries(&response.diagnostics), vec!["Interrupted"]);
    let state = value_of(response.new_state.as_ref(), &thing_type());
    assert_eq!(state.get("id").as_str(), Some("partial-1"));
}

#[tokio::test]
async fn apply_ignoring_the_stop_is_cancelled_after_the_grace_period() {
    let harness = Harness::start(TestProvider, GRACE).await;
    let mut client = harness.provider();
    let apply = async move {
        client
            .apply_resource_change(apply_request(&thing("slow", Some(false))))
            .await
    };
    let (response, after) =
        assert_cancelled_by_stop(apply, harness.stop(), Duration::from_secs(3)).await;
    assert!(
        after >= GRACE,
        "cancelled before the grace period: {after:?}"
    );
    let response = response
        .unwrap_or_else(|e| panic!("ApplyResourceChange: {e}"))
        .into_inner();
    assert_eq!(
        summaries(&response.diagnostics),
        vec!["The provider was stopped"]
    );
    // Nothing was recorded as created: the prior (null) state stands.
    assert!(value_of(response.new_state.as_ref(), &thing_type()).is_null());
}

#[tokio::test]
async fn shutdown_ends_the_server_even_with_open_streams() {
    let harness = Harness::start(TestProvider, GRACE).await;
    let mut stdio = GrpcStdioClient::new(harness.channel.clone())
        .stream_stdio(())
        .await
        .unwrap_or_else(|e| panic!("StreamStdio: {e}"))
        .into_inner();
    let offers = futures::stream::iter(vec![ConnInfo::default()]).chain(futures::stream::pending());
    let mut broker = GrpcBrokerClient::new(harness.channel.clone())
        .start_stream(offers)
        .await
        .unwrap_or_else(|e| panic!("StartStream: {e}"))
        .into_inner();
    GrpcControllerClient::new(harness.channel.clone())
        .shutdown(Empty {})
        .await
        .unwrap_or_else(|e| panic!("Shutdown: {e}"));
    let served = tokio::time::timeout(Duration::from_secs(3), harness.running.task)
        .await
        .unwrap_or_else(|_| panic!("the server did not shut down"));
    assert!(matches!(served, Ok(Ok(()))), "{served:?}");
    // Both streams ended cleanly (or with the connection), and sent nothing.
    assert!(!matches!(stdio.message().await, Ok(Some(_))));
    assert!(!matches!(broker.message().await, Ok(Some(_))));
}

#[tokio::test]
async fn resource_lifecycle_over_the_wire() {
    let harness = Harness::start(TestProvider, GRACE).await;
    let mut client = harness.provider();
    let ty = thing_type();

    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    assert_eq!(schema.resource_schemas["test_thing"].version, 1);
    assert!(schema.data_source_schemas.contains_key("test_never"));
    let capabilities = schema.server_capabilities.unwrap_or_default();
    assert!(capabilities.get_provider_schema_optional && capabilities.plan_destroy);

    let configure = client
        .configure_provider(pb::configure_provider::Request {
            config: dynamic(
                &Value::object([("region", Value::string("nowhere"))]),
                &TestProvider.schema().value_type(),
            ),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert_eq!(summaries(&configure.diagnostics), vec!["Unknown region"]);

    // Create: the computed id is unknown in the plan, known after apply.
    let config = thing("a", None).with(
        "big",
        Value::number(
            "123456789012345678901234567890"
                .parse::<crate::value::Number>()
                .unwrap_or_else(|e| panic!("{e}")),
        ),
    );
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dynamic(&Value::Null, &ty),
            proposed_new_state: dynamic(&config, &ty),
            config: dynamic(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let planned = value_of(plan.planned_state.as_ref(), &ty);
    assert!(planned.get("id").is_unknown());
    assert_eq!(planned.get("big"), config.get("big"));

    let applied = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dynamic(&Value::Null, &ty),
            planned_state: plan.planned_state.clone(),
            config: dynamic(&config, &ty),
            planned_private: plan.planned_private,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    let state = value_of(applied.new_state.as_ref(), &ty);
    assert_eq!(state.get("id").as_str(), Some("id-a"));
    assert_eq!(applied.private, b"private".to_vec());

    // A second plan with the same configuration changes nothing.
    let replan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: applied.new_state.clone(),
            proposed_new_state: applied.new_state.clone(),
            config: dynamic(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert_eq!(value_of(replan.planned_state.as_ref(), &ty), state);

    // Read of an object that is gone returns null.
    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dynamic(&state.clone().with("name", Value::string("gone")), &ty),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert!(value_of(read.new_state.as_ref(), &ty).is_null());

    // Import gives a state for the id.
    let imported = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_thing".into(),
            id: "x-1".into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert_eq!(imported.imported_resources.len(), 1);
    let imported_state = value_of(imported.imported_resources[0].state.as_ref(), &ty);
    assert_eq!(imported_state.get("id").as_str(), Some("x-1"));

    // Stored JSON state of the current version is decoded with the current schema; removed
    // attributes are dropped. (Older versions go through the resource's upgrade: see
    // server_tests/upgrade.rs.)
    let upgraded = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json: br#"{"id":"id-a","name":"a","big":123456789012345678901234567890,"old":1}"#
                    .to_vec(),
                ..Default::default()
            }),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert!(
        upgraded.diagnostics.is_empty(),
        "{:?}",
        upgraded.diagnostics
    );
    assert_eq!(value_of(upgraded.upgraded_state.as_ref(), &ty), state);

    let newer = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 2,
            raw_state: Some(pb::RawState::default()),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert_eq!(
        summaries(&newer.diagnostics),
        vec!["Resource state from a newer provider"]
    );
}

#[tokio::test]
async fn unknown_types_and_bad_values_get_clear_errors() {
    let harness = Harness::start(TestProvider, GRACE).await;
    let mut client = harness.provider();
    let response = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "test_nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert_eq!(
        summaries(&response.diagnostics),
        vec!["Unknown resource type"]
    );
    assert!(response.diagnostics[0].detail.contains("test_nope"));

    let response = client
        .read_data_source(pb::read_data_source::Request {
            type_name: "test_never".into(),
            config: Some(pb::DynamicValue {
                msgpack: vec![0x81, 0xa4, b'n', b'a', b'm', b'e', 0x05],
                json: Vec::new(),
            }),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    assert_eq!(
        summaries(&response.diagnostics),
        vec!["Invalid configuration"]
    );
    let path = response.diagnostics[0]
        .attribute
        .clone()
        .unwrap_or_default();
    assert_eq!(path.steps.len(), 1);
}
