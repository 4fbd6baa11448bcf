//! A [`Crud`] resource served through the adapter, on the wire: the generic validate and plan
//! steps, modify_plan, create/read/update/delete/import dispatch, partial failures and private
//! data.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tonic::transport::Channel;

use super::harness::{Harness, dynamic, summaries, value_of};
use crate::crud::{Crud, PlannedChange, resource};
use crate::diag::{AttributePath, Diagnostics};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_client::ProviderClient;
use crate::provider::{Context, DataSource, Provider, Resource};
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};

/// The objects "in the cloud", by id.
type Store = Arc<Mutex<BTreeMap<String, Value>>>;

struct BoxProvider(Store);

#[async_trait]
impl Provider for BoxProvider {
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
        vec![resource(Boxes(self.0.clone()))]
    }

    async fn configure(&self, _: &Value, _: &Context, _: &mut Diagnostics) {}
}

/// `test_box`: a named box of a size. `fail` makes create or delete fail half-way.
struct Boxes(Store);

fn no_spaces(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if value.as_str().is_some_and(|name| name.contains(' ')) {
        diags.error_at(path.clone(), "Invalid name", "Names have no spaces.");
    }
}

fn shrinks(prior: &Value, planned: &Value) -> bool {
    planned
        .as_i64()
        .is_none_or(|size| Some(size) < prior.as_i64())
}

impl Boxes {
    fn objects(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Value>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Crud for Boxes {
    fn type_name(&self) -> &'static str {
        "test_box"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A box.")
                .attribute(Attribute::computed("id", Type::String, "Id.").use_state_for_unknown())
                .attribute(
                    Attribute::required("name", Type::String, "Name.")
                        .requires_replace()
                        .validate(no_spaces),
                )
                .attribute(
                    Attribute::optional_computed("size", Type::Number, "Size.")
                        .default(Value::number(1))
                        .requires_replace_if(shrinks),
                )
                .attribute(Attribute::optional(
                    "tags",
                    Type::list(Type::String),
                    "Tags.",
                ))
                .attribute(Attribute::computed("fqdn", Type::String, "Name in DNS."))
                .attribute(Attribute::optional(
                    "fail",
                    Type::String,
                    "Fail on purpose.",
                )),
        )
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        if config.get("name").as_str() == Some("forbidden") {
            diags.error_at(
                AttributePath::root("name"),
                "Forbidden name",
                "Pick another.",
            );
        }
    }

    async fn modify_plan(&self, plan: &mut PlannedChange, _: &Context, _: &mut Diagnostics) {
        // The provider knows the DNS name before apply.
        if let Some(name) = plan.planned.get("name").as_str() {
            let fqdn = Value::string(format!("{name}.boxes.test"));
            plan.planned.set_attribute("fqdn", fqdn);
        }
        if plan.is_create() {
            plan.private = b"v1".to_vec();
        }
    }

    async fn create(
        &self,
        planned: Value,
        _config: &Value,
        _ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let name = planned.get("name").as_str().unwrap_or_default().to_string();
        let state = planned.with("id", Value::string(format!("box-{name}")));
        self.objects().insert(format!("box-{name}"), state.clone());
        if state.get("fail").as_str() == Some("create") {
            diags.error("Half-created", "the box exists but is not painted");
        }
        Some(state)
    }

    async fn read(&self, state: Value, _: &Context, diags: &mut Diagnostics) -> Option<Value> {
        if state.get("name").as_str() == Some("unreachable") {
            diags.error("Cannot read", "the API is down");
            return None;
        }
        let id = state.get("id").as_str().unwrap_or_default();
        Some(self.objects().get(id).cloned().unwrap_or(Value::Null))
    }

    async fn update(
        &self,
        prior: &Value,
        planned: Value,
        _config: &Value,
        _ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        if planned.get("fail").as_str() == Some("update") {
            diags.error("Cannot update", "the box is locked");
            return None;
        }
        let id = prior.get("id").as_str().unwrap_or_default().to_string();
        self.objects().insert(id, planned.clone());
        Some(planned)
    }

    async fn delete(
        &self,
        prior: &Value,
        _: &Context,
        diags: &mut Diagnostics,
    ) -> Result<(), Option<Value>> {
        if prior.get("fail").as_str() == Some("delete") {
            diags.error("Half-deleted", "the lid is still there");
            return Err(Some(prior.clone().with("size", Value::number(0))));
        }
        let id = prior.get("id").as_str().unwrap_or_default();
        self.objects().remove(id);
        Ok(())
    }

    async fn import(&self, id: &str, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        self.objects().get(id).cloned()
    }
}

fn box_type() -> Type {
    Boxes(Store::default()).schema().value_type()
}

fn config(name: &str) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", Value::string(name)),
        ("size", Value::Null),
        ("tags", Value::Null),
        ("fqdn", Value::Null),
        ("fail", Value::Null),
    ])
}

/// Terraform's proposal: the configuration with prior computed values where it is null.
fn propose(prior: &Value, config: &Value) -> Value {
    let mut proposed = config.clone();
    for name in ["id", "size", "fqdn"] {
        if config.get(name).is_null() {
            proposed.set_attribute(name, prior.get(name).clone());
        }
    }
    proposed
}

struct Client(ProviderClient<Channel>);

impl Client {
    async fn validate(&mut self, config: &Value) -> Vec<String> {
        let response = self
            .0
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: "test_box".into(),
                config: dynamic(config, &box_type()),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        summaries(&response.diagnostics)
    }

    async fn plan(
        &mut self,
        prior: &Value,
        config: &Value,
        private: &[u8],
    ) -> pb::plan_resource_change::Response {
        let ty = box_type();
        let proposed = if config.is_null() {
            Value::Null
        } else {
            propose(prior, config)
        };
        let response = self
            .0
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: "test_box".into(),
                prior_state: dynamic(prior, &ty),
                proposed_new_state: dynamic(&proposed, &ty),
                config: dynamic(config, &ty),
                prior_private: private.to_vec(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        response
    }

    /// Plans, then applies that plan.
    async fn apply(
        &mut self,
        prior: &Value,
        config: &Value,
        private: &[u8],
    ) -> pb::apply_resource_change::Response {
        let plan = self.plan(prior, config, private).await;
        let ty = box_type();
        self.0
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "test_box".into(),
                prior_state: dynamic(prior, &ty),
                planned_state: plan.planned_state,
                config: dynamic(config, &ty),
                planned_private: plan.planned_private,
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner()
    }

    async fn read(&mut self, state: &Value, private: &[u8]) -> pb::read_resource::Response {
        self.0
            .read_resource(pb::read_resource::Request {
                type_name: "test_box".into(),
                current_state: dynamic(state, &box_type()),
                private: private.to_vec(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner()
    }
}

async fn start() -> (Harness, Client, Store) {
    let store = Store::default();
    let harness = Harness::start(BoxProvider(store.clone()), Duration::from_secs(1)).await;
    let client = Client(harness.provider());
    (harness, client, store)
}

fn replaced(plan: &pb::plan_resource_change::Response) -> Vec<String> {
    use pb::attribute_path::step::Selector;
    plan.requires_replace
        .iter()
        .map(
            |path| match path.steps.first().and_then(|s| s.selector.clone()) {
                Some(Selector::AttributeName(name)) => name,
                other => panic!("unexpected path {other:?}"),
            },
        )
        .collect()
}

#[tokio::test]
async fn validation_runs_schema_validators_then_the_resource() {
    let (_harness, mut client, _) = start().await;
    assert!(client.validate(&config("ok")).await.is_empty());
    assert_eq!(client.validate(&config("a b")).await, vec!["Invalid name"]);
    assert_eq!(
        client.validate(&config("forbidden")).await,
        vec!["Forbidden name"]
    );
    let null_tag = config("ok").with("tags", Value::list([Value::Null]));
    assert_eq!(client.validate(&null_tag).await, vec!["Invalid value"]);
    // Unknown values are validated later, once known.
    assert!(
        client
            .validate(&config("x").with("name", Value::unknown()))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_adapter_drives_the_whole_lifecycle() {
    let (_harness, mut client, store) = start().await;
    let ty = box_type();

    let plan = client.plan(&Value::Null, &config("a"), b"").await;
    let planned = value_of(plan.planned_state.as_ref(), &ty);
    assert!(planned.get("id").is_unknown());
    assert_eq!(planned.get("size").as_i64(), Some(1), "the default");
    assert_eq!(
        planned.get("fqdn").as_str(),
        Some("a.boxes.test"),
        "modify_plan"
    );
    assert_eq!(plan.planned_private, b"v1".to_vec());

    let created = client.apply(&Value::Null, &config("a"), b"").await;
    assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
    let state = value_of(created.new_state.as_ref(), &ty);
    assert_eq!(state.get("id").as_str(), Some("box-a"));
    assert_eq!(
        created.private,
        b"v1".to_vec(),
        "planned private data reaches the state"
    );
    assert_eq!(store.lock().map(|s| s.len()).unwrap_or_default(), 1);

    // The same configuration plans no change; private data passes through.
    let replan = client.plan(&state, &config("a"), b"v1").await;
    assert_eq!(value_of(replan.planned_state.as_ref(), &ty), state);
    assert!(replan.requires_replace.is_empty());
    assert_eq!(replan.planned_private, b"v1".to_vec());

    // Growing updates in place and keeps the id; shrinking or renaming replaces.
    let bigger = config("a").with("size", Value::number(3));
    let grow = client.plan(&state, &bigger, b"v1").await;
    assert!(replaced(&grow).is_empty());
    let updated = client.apply(&state, &bigger, b"v1").await;
    assert!(updated.diagnostics.is_empty(), "{:?}", updated.diagnostics);
    let state = value_of(updated.new_state.as_ref(), &ty);
    assert_eq!(
        (state.get("id").as_str(), state.get("size").as_i64()),
        (Some("box-a"), Some(3))
    );
    let shrink = client
        .plan(&state, &config("a").with("size", Value::number(2)), b"")
        .await;
    assert_eq!(replaced(&shrink), vec!["size"]);
    let rename = client
        .plan(
            &state,
            &bigger.clone().with("name", Value::string("b")),
            b"",
        )
        .await;
    assert_eq!(replaced(&rename), vec!["name"]);
    // Leaving size out plans its default, 1: a shrink as well.
    let rename_and_default = client.plan(&state, &config("b"), b"").await;
    assert_eq!(replaced(&rename_and_default), vec!["name", "size"]);

    // Read refreshes; private data passes through.
    let read = client.read(&state, b"v1").await;
    assert_eq!(value_of(read.new_state.as_ref(), &ty), state);
    assert_eq!(read.private, b"v1".to_vec());

    // Import finds the object by id.
    let imported = client
        .0
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_box".into(),
            id: "box-a".into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_inner();
    let imported_state = value_of(imported.imported_resources[0].state.as_ref(), &ty);
    assert_eq!(imported_state, state);

    // Destroy: a null plan, then delete; read of the gone object says null.
    let destroy = client.plan(&state, &Value::Null, b"v1").await;
    assert!(value_of(destroy.planned_state.as_ref(), &ty).is_null());
    let deleted = client.apply(&state, &Value::Null, b"v1").await;
    assert!(deleted.diagnostics.is_empty(), "{:?}", deleted.diagnostics);
    assert!(value_of(deleted.new_state.as_ref(), &ty).is_null());
    assert!(store.lock().map(|s| s.is_empty()).unwrap_or_default());
    let gone = client.read(&state, b"v1").await;
    assert!(value_of(gone.new_state.as_ref(), &ty).is_null());
}

#[tokio::test]
async fn failures_keep_what_exists() {
    let (_harness, mut client, _) = start().await;
    let ty = box_type();

    // A create that fails half-way records what exists.
    let half = config("h").with("fail", Value::string("create"));
    let created = client.apply(&Value::Null, &half, b"").await;
    assert_eq!(summaries(&created.diagnostics), vec!["Half-created"]);
    let state = value_of(created.new_state.as_ref(), &ty);
    assert_eq!(state.get("id").as_str(), Some("box-h"));

    // An update that fails keeps the prior state.
    let locked = config("h").with("fail", Value::string("update"));
    let updated = client.apply(&state, &locked, b"").await;
    assert_eq!(summaries(&updated.diagnostics), vec!["Cannot update"]);
    assert_eq!(value_of(updated.new_state.as_ref(), &ty), state);

    // A delete that fails half-way records what is left.
    let sticky = state.clone().with("fail", Value::string("delete"));
    let deleted = client.apply(&sticky, &Value::Null, b"").await;
    assert_eq!(summaries(&deleted.diagnostics), vec!["Half-deleted"]);
    let left = value_of(deleted.new_state.as_ref(), &ty);
    assert_eq!(left.get("size").as_i64(), Some(0));

    // A read that fails keeps the current state.
    let unreachable = state.clone().with("name", Value::string("unreachable"));
    let read = client.read(&unreachable, b"p").await;
    assert_eq!(summaries(&read.diagnostics), vec!["Cannot read"]);
    assert_eq!(value_of(read.new_state.as_ref(), &ty), unreachable);
    assert_eq!(read.private, b"p".to_vec());
}
