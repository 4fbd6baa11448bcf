//! `make bench`'s floor for a provider: a plugin on rdslink's own protocol server (`tfplugin`)
//! that does nothing. Its `plan -refresh=false`, next to `terraform_data`'s (no provider process
//! at all), is what starting provider processes costs Terraform, whatever the provider does; the
//! rdslink provider's figure is read against both.
//!
//! One resource, `floor_thing`, shaped like `terraform_data`: an `input` and a computed `id`,
//! kept in the state and nowhere else.

use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::{
    Attribute, Block, Context, Crud, DataSource, Diagnostics, Provider, Resource, Schema, Type,
    Value, resource,
};

struct Floor;

#[async_trait]
impl Provider for Floor {
    fn type_name(&self) -> &'static str {
        "floor"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block::new(
            "A provider that does nothing (rdslink's bench).",
        ))
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![resource(Thing)]
    }

    async fn configure(&self, _: &Value, _: &Context, _: &mut Diagnostics) {}
}

/// `floor_thing`: its state is all there is of it.
struct Thing;

#[async_trait]
impl Crud for Thing {
    fn type_name(&self) -> &'static str {
        "floor_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Nothing, kept in the state.")
                .attribute(Attribute::computed("id", Type::String, "Id.").use_state_for_unknown())
                .attribute(Attribute::required("input", Type::String, "Anything.")),
        )
    }

    async fn create(
        &self,
        planned: Value,
        _config: &Value,
        _ctx: &Context,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        Some(planned.with("id", Value::string("floor")))
    }

    async fn read(&self, state: Value, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        Some(state)
    }

    async fn update(
        &self,
        _prior: &Value,
        planned: Value,
        _config: &Value,
        _ctx: &Context,
        _diags: &mut Diagnostics,
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

    async fn import(&self, _id: &str, _: &Context, _: &mut Diagnostics) -> Option<Value> {
        None
    }
}

fn main() -> ExitCode {
    // The rdslink provider's runtime, so that the two differ only in what they serve.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tfplugin::serve(Floor)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
