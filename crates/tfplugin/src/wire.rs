//! Conversions between the provider-facing types and tfplugin6 messages.

use super::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use super::proto::tfplugin6 as pb;
use super::schema::{Attribute, AttributeType, Block, NestedBlock, Nesting, Schema};
use super::value::{Type, Value, ValueError, json, msgpack};

pub(crate) fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block, schema.version)),
    }
}

fn block(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated.is_some(),
        deprecation_message: block.deprecated.clone().unwrap_or_default(),
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    // Terraform refuses an attribute with both `type` and `nested_type`.
    let (ty, nested_type) = match &attribute.ty {
        AttributeType::Plain(ty) => (ty.to_json_bytes(), None),
        AttributeType::Nested {
            nesting,
            attributes,
        } => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes.iter().map(self::attribute).collect(),
                nesting: object_nesting(*nesting) as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: ty,
        nested_type,
        // What the flags mean is stated from the flags themselves (see
        // `Attribute::full_description`): Terraform's schema has no field for them, and the
        // registry docs are rendered from what Terraform reports.
        description: attribute.full_description(),
        required: attribute.is_required(),
        optional: attribute.is_optional(),
        computed: attribute.is_computed(),
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attribute.deprecated.is_some(),
        write_only: attribute.write_only,
        deprecation_message: attribute.deprecated.clone().unwrap_or_default(),
    }
}

fn object_nesting(nesting: Nesting) -> pb::schema::object::NestingMode {
    use pb::schema::object::NestingMode;
    match nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    }
}

fn nested_block(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    pb::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

pub(crate) fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags.into_iter().map(diagnostic).collect()
}

fn diagnostic(diag: Diagnostic) -> pb::Diagnostic {
    let severity = match diag.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: diag.summary,
        detail: diag.detail,
        attribute: diag.attribute.as_ref().map(attribute_path),
    }
}

pub(crate) fn attribute_path(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::Index(index) => Selector::ElementKeyInt(*index),
                }),
            })
            .collect(),
    }
}

/// Decodes a DynamicValue (msgpack, or JSON when only that is set); an absent or empty one is
/// null.
pub(crate) fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, ValueError> {
    match value {
        Some(dynamic) if !dynamic.msgpack.is_empty() => msgpack::decode(&dynamic.msgpack, ty),
        Some(dynamic) if !dynamic.json.is_empty() => {
            json::decode(&dynamic.json, ty, json::UndefinedAttributes::Reject)
        }
        _ => Ok(Value::Null),
    }
}

pub(crate) fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, ValueError> {
    Ok(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty)?,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_carry_nested_type_and_no_type() {
        let schema = Schema::new(Block::new("r").attribute(Attribute::optional(
            "endpoints",
            AttributeType::set([Attribute::required("host", Type::String, "h")]),
            "e",
        )));
        let proto = self::schema(&schema);
        let attribute = &proto
            .block
            .as_ref()
            .map(|b| b.attributes.clone())
            .unwrap_or_default()[0];
        assert!(attribute.r#type.is_empty());
        let nested = attribute.nested_type.as_ref();
        assert_eq!(
            nested.map(|n| n.nesting),
            Some(pb::schema::object::NestingMode::Set as i32)
        );
        assert_eq!(attribute.description_kind, pb::StringKind::Markdown as i32);
        assert!(attribute.optional && !attribute.required && !attribute.computed);
    }

    #[test]
    fn plain_attributes_carry_cty_json_types() {
        let schema = Schema::new(Block::new("r").attribute(
            Attribute::optional_computed("ids", Type::list(Type::String), "i").sensitive(),
        ))
        .version(3);
        let proto = self::schema(&schema);
        assert_eq!(proto.version, 3);
        let block = proto.block.unwrap_or_default();
        assert_eq!(block.version, 3);
        assert_eq!(block.attributes[0].r#type, br#"["list","string"]"#.to_vec());
        assert!(block.attributes[0].optional && block.attributes[0].computed);
        assert!(block.attributes[0].sensitive);
    }

    #[test]
    fn descriptions_state_defaults_and_replacement_from_the_flags() {
        let schema = Schema::new(
            Block::new("r")
                .attribute(
                    Attribute::required("name", Type::String, "The name.").requires_replace(),
                )
                .attribute(
                    Attribute::optional_computed("port", Type::Number, "The port.")
                        .default(Value::number(5432)),
                )
                .attribute(Attribute::optional("plain", Type::String, "Plain.")),
        );
        let block = self::schema(&schema).block.unwrap_or_default();
        let descriptions: Vec<&str> = block
            .attributes
            .iter()
            .map(|a| a.description.as_str())
            .collect();
        assert_eq!(
            descriptions,
            [
                "The name. Changing this forces a new resource.",
                "The port. Defaults to `5432`.",
                "Plain.",
            ]
        );
    }

    #[test]
    fn diagnostics_keep_their_paths() {
        let mut diags = Diagnostics::new();
        diags.error_at(AttributePath::root("rules").index(2).key("k"), "s", "d");
        let proto = diagnostics(diags);
        assert_eq!(proto[0].severity, pb::diagnostic::Severity::Error as i32);
        let steps = proto[0].attribute.clone().unwrap_or_default().steps;
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[1].selector,
            Some(pb::attribute_path::step::Selector::ElementKeyInt(2))
        );
    }

    #[test]
    fn absent_dynamic_values_are_null() {
        assert_eq!(decode(None, &Type::String), Ok(Value::Null));
        assert_eq!(
            decode(Some(&pb::DynamicValue::default()), &Type::String),
            Ok(Value::Null)
        );
        let json = pb::DynamicValue {
            msgpack: Vec::new(),
            json: br#""x""#.to_vec(),
        };
        assert_eq!(decode(Some(&json), &Type::String), Ok(Value::string("x")));
    }
}
