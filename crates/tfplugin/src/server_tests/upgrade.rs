//! UpgradeResourceState on the wire: a resource at schema version 1 upgrading hand-written
//! version 0 state (a list that became a set, a renamed attribute), and the error cases.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::harness::{Harness, summaries, value_of};
use crate::crud::{Crud, resource};
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::{Context, DataSource, Provider, Resource};
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};

struct UpgradeProvider;

#[async_trait]
impl Provider for UpgradeProvider {
    fn type_name(&self) -> &'static str {
        "test"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block::new("Test provider."))
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![resource(Certificate), resource(NoUpgrades)]
    }

    async fn configure(&self, _: &Value, _: &Context, _: &mut Diagnostics) {}
}

/// Version 0 had `hostname` and a list `domains`; version 1 renamed `hostname` to `host_name`,
/// made `domains` a set and added a `tags` map.
struct Certificate;

fn certificate_schema() -> Schema {
    Schema::new(
        Block::new("A certificate.")
            .attribute(Attribute::computed("id", Type::String, "Id."))
            .attribute(Attribute::required("host_name", Type::String, "Host name."))
            .attribute(Attribute::optional(
                "domains",
                Type::set(Type::String),
                "Domains.",
            ))
            .attribute(Attribute::optional(
                "tags",
                Type::map(Type::String),
                "Tags.",
            ))
            .attribute(Attribute::optional(
                "serial",
                Type::Number,
                "Serial number.",
            )),
    )
    .version(1)
}

#[async_trait]
impl Crud for Certificate {
    fn type_name(&self) -> &'static str {
        "test_certificate"
    }

    fn schema(&self) -> Schema {
        certificate_schema()
    }

    fn upgrade_state(
        &self,
        from_version: i64,
        mut state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        debug_assert_eq!(from_version, 0);
        let host_name = state.get("hostname").clone();
        if host_name.is_null() {
            diags.error("Cannot upgrade", "version 0 state without a hostname");
            return None;
        }
        if let Value::Object(attributes) = &mut state {
            attributes.remove("hostname");
        }
        // `domains` stays a JSON array (a list): the server makes it the set the schema says.
        Some(state.with("host_name", host_name))
    }

    async fn create(&self, _: Value, _: &Value, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        None
    }

    async fn read(&self, state: Value, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        Some(state)
    }

    async fn update(
        &self,
        _: &Value,
        planned: Value,
        _: &Value,
        _: &Context,
        _: &mut Diagnostics,
    ) -> Option<Value> {
        Some(planned)
    }

    async fn delete(
        &self,
        _: &Value,
        _: &Context,
        _: &mut Diagnostics,
    ) -> Result<(), Option<Value>> {
        Ok(())
    }

    async fn import(&self, _: &str, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        None
    }
}

/// At version 1 without an upgrade: version 0 state cannot be read.
struct NoUpgrades;

#[async_trait]
impl Crud for NoUpgrades {
    fn type_name(&self) -> &'static str {
        "test_no_upgrades"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block::new("No upgrades.").attribute(Attribute::computed(
            "id",
            Type::String,
            "Id.",
        )))
        .version(1)
    }

    async fn create(&self, _: Value, _: &Value, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        None
    }

    async fn read(&self, state: Value, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        Some(state)
    }

    async fn update(
        &self,
        _: &Value,
        planned: Value,
        _: &Value,
        _: &Context,
        _: &mut Diagnostics,
    ) -> Option<Value> {
        Some(planned)
    }

    async fn delete(
        &self,
        _: &Value,
        _: &Context,
        _: &mut Diagnostics,
    ) -> Result<(), Option<Value>> {
        Ok(())
    }

    async fn import(&self, _: &str, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        None
    }
}

async fn upgrade(
    harness: &Harness,
    type_name: &str,
    version: i64,
    raw: pb::RawState,
) -> pb::upgrade_resource_state::Response {
    harness
        .provider()
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: type_name.into(),
            version,
            raw_state: Some(raw),
        })
        .await
        .unwrap_or_else(|e| panic!("UpgradeResourceState: {e}"))
        .into_inner()
}

fn json(text: &str) -> pb::RawState {
    pb::RawState {
        json: text.as_bytes().to_vec(),
        ..Default::default()
    }
}

#[tokio::test]
async fn version_0_state_is_upgraded_to_the_current_shape() {
    let harness = Harness::start(UpgradeProvider, Duration::from_secs(1)).await;
    let v0 = r#"{"id":"c-1","hostname":"db.example","domains":["b.example","a.example"],
                 "tags":{"Name":"db"},"serial":123456789012345678901234567890}"#;
    let response = upgrade(&harness, "test_certificate", 0, json(v0)).await;
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let state = value_of(
        response.upgraded_state.as_ref(),
        &certificate_schema().value_type(),
    );
    assert_eq!(
        state,
        Value::object([
            ("id", Value::string("c-1")),
            ("host_name", Value::string("db.example")),
            ("domains", Value::set_of_strings(["a.example", "b.example"])),
            ("tags", Value::map_of_strings([("Name", "db")])),
            (
                "serial",
                Value::number(
                    "123456789012345678901234567890"
                        .parse::<crate::value::Number>()
                        .unwrap_or_else(|e| panic!("{e}"))
                )
            ),
        ])
    );

    // State already at version 1 is decoded as it is.
    let v1 = r#"{"id":"c-1","host_name":"h","domains":["a"],"tags":null,"serial":null}"#;
    let current = upgrade(&harness, "test_certificate", 1, json(v1)).await;
    assert!(current.diagnostics.is_empty(), "{:?}", current.diagnostics);
    let state = value_of(
        current.upgraded_state.as_ref(),
        &certificate_schema().value_type(),
    );
    assert_eq!(state.get("domains"), &Value::set_of_strings(["a"]));
}

#[tokio::test]
async fn upgrades_that_cannot_work_are_errors() {
    let harness = Harness::start(UpgradeProvider, Duration::from_secs(1)).await;
    let cases = [
        // Written by a newer provider.
        (
            "test_certificate",
            2,
            json("{}"),
            "Resource state from a newer provider",
        ),
        // Terraform 0.11's flatmap.
        (
            "test_certificate",
            0,
            pb::RawState {
                flatmap: [("id".to_string(), "c-1".to_string())].into(),
                ..Default::default()
            },
            "Unsupported state format",
        ),
        ("test_certificate", 0, json("{"), "Invalid stored state"),
        // The resource's own refusal.
        (
            "test_certificate",
            0,
            json(r#"{"id":"c-1"}"#),
            "Cannot upgrade",
        ),
        // An upgrade that leaves an attribute the schema does not have.
        (
            "test_certificate",
            0,
            json(r#"{"hostname":"h","legacy":true}"#),
            "Provider produced an invalid upgraded state",
        ),
        // No upgrade implemented.
        (
            "test_no_upgrades",
            0,
            json(r#"{"id":"x"}"#),
            "Unable to upgrade resource state",
        ),
    ];
    for (type_name, version, raw, expected) in cases {
        let response = upgrade(&harness, type_name, version, raw).await;
        assert_eq!(
            summaries(&response.diagnostics),
            vec![expected],
            "{type_name} from version {version}"
        );
        assert!(response.upgraded_state.is_none(), "{expected}");
    }

    // No stored state at all is null, whatever the version.
    let empty = upgrade(&harness, "test_certificate", 0, pb::RawState::default()).await;
    assert!(empty.diagnostics.is_empty(), "{:?}", empty.diagnostics);
    let state = value_of(
        empty.upgraded_state.as_ref(),
        &certificate_schema().value_type(),
    );
    assert!(state.is_null());
}
