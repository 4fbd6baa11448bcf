//! The generic validate step, run by the server on every configuration (provider, resource, data
//! source) before the implementation's own `validate_config`: the schema's validators, and
//! checks every configuration needs, walking nested attributes and blocks.

use crate::diag::Diagnostics;
use crate::schema::{AttributeType, Schema};
use crate::value::{Type, Value};
use crate::walk::walk;

/// Runs the generic checks on `config`. Unknown values are skipped (they are checked again when
/// known); validators see only known, non-null values. Inside set elements, which paths cannot
/// address, diagnostics point at the set.
pub fn validate_config(schema: &Schema, config: &Value, diags: &mut Diagnostics) {
    walk(&schema.block, config, &mut |site, value| {
        if value.is_null() || value.is_unknown() {
            return;
        }
        let attribute = site.attribute;
        if is_collection(&attribute.ty) && value.elements().iter().any(Value::is_null) {
            diags.error_at(
                site.path.clone(),
                "Invalid value",
                format!(
                    "{} must not contain null: remove the null element, or make sure what it \
                     refers to is set.",
                    site.path
                ),
            );
        }
        for validator in &attribute.validators {
            validator(value, site.path, diags);
        }
    });
}

/// Lists and sets, of plain values or of nested objects.
fn is_collection(ty: &AttributeType) -> bool {
    match ty {
        AttributeType::Plain(ty) => matches!(ty, Type::List(_) | Type::Set(_)),
        AttributeType::Nested { nesting, .. } => {
            matches!(
                nesting,
                crate::schema::Nesting::List | crate::schema::Nesting::Set
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{AttributePath, Diagnostic};
    use crate::schema::{Attribute, Block, NestedBlock};

    fn not_empty(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if value.as_str() == Some("") {
            diags.error_at(path.clone(), "Empty", "must not be empty");
        }
    }

    fn short(value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if value.as_str().is_some_and(|text| text.len() > 3) {
            diags.error_at(path.clone(), "Too long", "at most 3 characters");
        }
    }

    fn schema() -> Schema {
        Schema::new(
            Block::new("r")
                .attribute(
                    Attribute::optional("name", Type::String, "n")
                        .validate(not_empty)
                        .validate(short),
                )
                .attribute(Attribute::optional("ids", Type::list(Type::String), "i"))
                .attribute(Attribute::optional("tags", Type::set(Type::String), "t"))
                .attribute(Attribute::optional(
                    "endpoints",
                    AttributeType::list([
                        Attribute::required("host", Type::String, "h").validate(not_empty)
                    ]),
                    "e",
                ))
                .block(NestedBlock::list(
                    "rule",
                    Block::new("r")
                        .attribute(Attribute::optional("label", Type::String, "l").validate(short)),
                ))
                .block(NestedBlock::set(
                    "grant",
                    Block::new("g")
                        .attribute(Attribute::optional("who", Type::String, "w").validate(short)),
                )),
        )
    }

    fn config() -> Value {
        Value::object([
            ("name", Value::Null),
            ("ids", Value::Null),
            ("tags", Value::Null),
            ("endpoints", Value::Null),
            ("rule", Value::list([])),
            ("grant", Value::set([])),
        ])
    }

    fn found(config: &Value) -> Vec<(String, String)> {
        let mut diags = Diagnostics::new();
        validate_config(&schema(), config, &mut diags);
        diags
            .into_iter()
            .map(|d: Diagnostic| {
                let path = d.attribute.map(|p| p.to_string()).unwrap_or_default();
                (path, d.summary)
            })
            .collect()
    }

    fn pair(path: &str, summary: &str) -> (String, String) {
        (path.to_string(), summary.to_string())
    }

    #[test]
    fn validators_run_in_order_on_known_values_only() {
        assert!(found(&config()).is_empty());
        assert!(found(&config().with("name", Value::unknown())).is_empty());
        assert_eq!(
            found(&config().with("name", Value::string(""))),
            vec![pair("name", "Empty")]
        );
        assert_eq!(
            found(&config().with("name", Value::string("long"))),
            vec![pair("name", "Too long")]
        );
    }

    #[test]
    fn validators_reach_nested_attributes_and_blocks() {
        let host = |h: &str| Value::object([("host", Value::string(h))]);
        let label = |l: &str| Value::object([("label", Value::string(l))]);
        let config = config()
            .with("endpoints", Value::list([host("a"), host("")]))
            .with("rule", Value::list([label("ok"), label("toolong")]))
            .with(
                "grant",
                Value::set([Value::object([("who", Value::string("everyone"))])]),
            );
        assert_eq!(
            found(&config),
            vec![
                pair("endpoints[1].host", "Empty"),
                pair("rule[1].label", "Too long"),
                // Set elements have no path of their own: the set is pointed at.
                pair("grant", "Too long"),
            ]
        );
    }

    #[test]
    fn null_elements_of_lists_and_sets_are_errors() {
        let config = config()
            .with("ids", Value::list([Value::string("a"), Value::Null]))
            .with("tags", Value::set([Value::Null]))
            .with("endpoints", Value::list([Value::Null]));
        let diags = found(&config);
        assert_eq!(
            diags,
            vec![
                pair("ids", "Invalid value"),
                pair("tags", "Invalid value"),
                pair("endpoints", "Invalid value"),
            ]
        );
        let mut detail = Diagnostics::new();
        validate_config(
            &schema(),
            &self::config().with("ids", Value::list([Value::Null])),
            &mut detail,
        );
        assert!(
            detail
                .iter()
                .all(|d| d.detail.contains("ids must not contain null")),
            "{detail:?}"
        );
        // Unknown elements are not null: they are checked once known.
        assert!(found(&self::config().with("ids", Value::list([Value::unknown()]))).is_empty());
    }
}
