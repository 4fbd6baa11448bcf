//! The provider's resource and data source types with their schemas, collected once per
//! process, and the problems found in them.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::diag::Diagnostics;
use super::provider::{DataSource, Provider, Resource};
use super::schema::Schema;
use super::value::Type;

/// A resource or data source with its schema and the value type derived from it.
pub(crate) struct Entry<T: ?Sized> {
    pub handler: Arc<T>,
    pub schema: Schema,
    pub ty: Type,
}

pub(crate) struct Catalog {
    pub provider_schema: Schema,
    pub provider_type: Type,
    pub resources: BTreeMap<String, Entry<dyn Resource>>,
    pub data_sources: BTreeMap<String, Entry<dyn DataSource>>,
    /// Invalid schemas and duplicate type names: reported with the schema, so Terraform
    /// refuses to use the provider with a message saying why.
    pub problems: Diagnostics,
}

impl Catalog {
    pub fn new<P: Provider>(provider: &P) -> Self {
        let mut problems = Diagnostics::new();
        let provider_schema = provider.schema();
        check(&provider_schema, "provider configuration", &mut problems);
        let mut resources = BTreeMap::new();
        for handler in provider.resources() {
            let name = handler.type_name();
            let schema = handler.schema();
            check(&schema, &format!("resource {name}"), &mut problems);
            let entry = Entry {
                ty: schema.value_type(),
                schema,
                handler,
            };
            if resources.insert(name.to_string(), entry).is_some() {
                duplicate("resource", name, &mut problems);
            }
        }
        let mut data_sources = BTreeMap::new();
        for handler in provider.data_sources() {
            let name = handler.type_name();
            let schema = handler.schema();
            check(&schema, &format!("data source {name}"), &mut problems);
            let entry = Entry {
                ty: schema.value_type(),
                schema,
                handler,
            };
            if data_sources.insert(name.to_string(), entry).is_some() {
                duplicate("data source", name, &mut problems);
            }
        }
        Self {
            provider_type: provider_schema.value_type(),
            provider_schema,
            resources,
            data_sources,
            problems,
        }
    }
}

fn check(schema: &Schema, what: &str, problems: &mut Diagnostics) {
    if let Err(error) = schema.validate() {
        tracing::error!(%error, "Invalid schema for {what}");
        problems.error(
            format!("Invalid schema for {what}"),
            format!("{error}. This is a bug in the provider."),
        );
    }
}

fn duplicate(kind: &str, name: &str, problems: &mut Diagnostics) {
    problems.error(
        format!("Duplicate {kind} type {name:?}"),
        "Two implementations claim the same type name. This is a bug in the provider.",
    );
}
