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
        // Terraform finds a type's provider by the name before the first underscore.
        let prefix = format!("{}_", provider.type_name());
        check(&provider_schema, "provider configuration", &mut problems);
        let mut resources = BTreeMap::new();
        for handler in provider.resources() {
            let name = handler.type_name();
            let schema = handler.schema();
            check(&schema, &format!("resource {name}"), &mut problems);
            check_prefix("resource", name, &prefix, &mut problems);
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
            check_prefix("data source", name, &prefix, &mut problems);
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

fn check_prefix(kind: &str, name: &str, prefix: &str, problems: &mut Diagnostics) {
    if !name.starts_with(prefix) || name.len() == prefix.len() {
        problems.error(
            format!("Invalid {kind} type name {name:?}"),
            format!(
                "Type names must start with {prefix:?}, or Terraform attributes them to another \
                 provider. This is a bug in the provider."
            ),
        );
    }
}

fn duplicate(kind: &str, name: &str, problems: &mut Diagnostics) {
    problems.error(
        format!("Duplicate {kind} type {name:?}"),
        "Two implementations claim the same type name. This is a bug in the provider.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostics;
    use crate::provider::{ApplyRequest, ApplyResponse, Context, ReadRequest, ReadResponse};
    use crate::schema::{Attribute, Block};
    use crate::value::{Type, Value};
    use async_trait::async_trait;

    struct Named(&'static str, Schema);

    #[async_trait]
    impl Resource for Named {
        fn type_name(&self) -> &'static str {
            self.0
        }

        fn schema(&self) -> Schema {
            self.1.clone()
        }

        async fn apply(
            &self,
            _: ApplyRequest,
            _: &Context,
            _: &mut Diagnostics,
        ) -> Option<ApplyResponse> {
            None
        }

        async fn read(
            &self,
            _: ReadRequest,
            _: &Context,
            _: &mut Diagnostics,
        ) -> Option<ReadResponse> {
            None
        }

        async fn import(&self, _: &str, _: &Context, _: &mut Diagnostics) -> Option<Value> {
            None
        }
    }

    struct Test(Vec<Arc<dyn Resource>>);

    #[async_trait]
    impl Provider for Test {
        fn type_name(&self) -> &'static str {
            "demo"
        }

        fn schema(&self) -> Schema {
            Schema::new(Block::new("Demo."))
        }

        fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
            Vec::new()
        }

        fn resources(&self) -> Vec<Arc<dyn Resource>> {
            self.0.clone()
        }

        async fn configure(&self, _: &Value, _: &Context, _: &mut Diagnostics) {}
    }

    fn valid() -> Schema {
        Schema::new(Block::new("A thing.").attribute(Attribute::required(
            "name",
            Type::String,
            "Name.",
        )))
    }

    fn summaries(catalog: &Catalog) -> Vec<String> {
        catalog.problems.iter().map(|d| d.summary.clone()).collect()
    }

    #[test]
    fn a_consistent_provider_has_no_problems() {
        let catalog = Catalog::new(&Test(vec![Arc::new(Named("demo_thing", valid()))]));
        assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
        assert_eq!(catalog.resources["demo_thing"].ty, valid().value_type());
    }

    #[test]
    fn problems_are_reported_not_hidden() {
        let invalid = Schema::new(Block::new(""));
        let catalog = Catalog::new(&Test(vec![
            Arc::new(Named("demo_thing", valid())),
            Arc::new(Named("demo_thing", valid())),
            Arc::new(Named("other_thing", valid())),
            Arc::new(Named("demo_bad", invalid)),
        ]));
        assert_eq!(
            summaries(&catalog),
            vec![
                "Duplicate resource type \"demo_thing\"",
                "Invalid resource type name \"other_thing\"",
                "Invalid schema for resource demo_bad",
            ]
        );
    }
}
