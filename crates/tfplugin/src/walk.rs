//! Walks a value (configuration, plan or state) along its schema: every attribute that occurs in
//! it, with its path, inside nested attributes and nested blocks too. The generic plan and
//! validate steps are written as one visit per attribute on top of this.

use crate::diag::AttributePath;
use crate::schema::{Attribute, AttributeType, Block, NestedBlock, Nesting};
use crate::value::Value;

/// Where a visited attribute value sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site<'a> {
    pub attribute: &'a Attribute,
    /// The attribute's path. Inside set elements, which paths cannot address, it is the path of
    /// the enclosing set.
    pub path: &'a AttributePath,
    /// False inside set elements: `path` then names the set, not this value.
    pub addressable: bool,
}

/// Calls `visit` for every attribute of `block` occurring in `value`, parents before the
/// attributes nested in them. `visit` may replace the value; the walk then descends into the
/// new one. Null and unknown objects and collections have nothing inside to visit.
pub(crate) fn walk_mut(block: &Block, value: &mut Value, visit: &mut dyn FnMut(Site, &mut Value)) {
    object_mut(
        &block.attributes,
        &block.blocks,
        value,
        &AttributePath::empty(),
        true,
        visit,
    );
}

/// [`walk_mut`] for reading.
pub(crate) fn walk(block: &Block, value: &Value, visit: &mut dyn FnMut(Site, &Value)) {
    object(
        &block.attributes,
        &block.blocks,
        value,
        &AttributePath::empty(),
        true,
        visit,
    );
}

fn object_mut(
    attributes: &[Attribute],
    blocks: &[NestedBlock],
    value: &mut Value,
    at: &AttributePath,
    addressable: bool,
    visit: &mut dyn FnMut(Site, &mut Value),
) {
    let Value::Object(entries) = value else {
        return;
    };
    for attribute in attributes {
        let Some(slot) = entries.get_mut(&attribute.name) else {
            continue;
        };
        let path = descend(at, &attribute.name, addressable);
        let site = Site {
            attribute,
            path: &path,
            addressable,
        };
        visit(site, slot);
        if let AttributeType::Nested {
            nesting,
            attributes: inner,
        } = &attribute.ty
        {
            elements_mut(
                *nesting,
                slot,
                &path,
                addressable,
                &mut |item, at, addressable| object_mut(inner, &[], item, at, addressable, visit),
            );
        }
    }
    for nested in blocks {
        let Some(slot) = entries.get_mut(&nested.name) else {
            continue;
        };
        let path = descend(at, &nested.name, addressable);
        let inner = &nested.block;
        elements_mut(
            nested.nesting,
            slot,
            &path,
            addressable,
            &mut |item, at, addressable| {
                object_mut(
                    &inner.attributes,
                    &inner.blocks,
                    item,
                    at,
                    addressable,
                    visit,
                )
            },
        );
    }
}

fn object(
    attributes: &[Attribute],
    blocks: &[NestedBlock],
    value: &Value,
    at: &AttributePath,
    addressable: bool,
    visit: &mut dyn FnMut(Site, &Value),
) {
    let Value::Object(entries) = value else {
        return;
    };
    for attribute in attributes {
        let Some(slot) = entries.get(&attribute.name) else {
            continue;
        };
        let path = descend(at, &attribute.name, addressable);
        let site = Site {
            attribute,
            path: &path,
            addressable,
        };
        visit(site, slot);
        if let AttributeType::Nested {
            nesting,
            attributes: inner,
        } = &attribute.ty
        {
            elements(
                *nesting,
                slot,
                &path,
                addressable,
                &mut |item, at, addressable| object(inner, &[], item, at, addressable, visit),
            );
        }
    }
    for nested in blocks {
        let Some(slot) = entries.get(&nested.name) else {
            continue;
        };
        let path = descend(at, &nested.name, addressable);
        let inner = &nested.block;
        elements(
            nested.nesting,
            slot,
            &path,
            addressable,
            &mut |item, at, addressable| {
                object(
                    &inner.attributes,
                    &inner.blocks,
                    item,
                    at,
                    addressable,
                    visit,
                )
            },
        );
    }
}

/// The path of attribute `name` of the object at `at`; inside set elements it stays `at` (the
/// set's path).
fn descend(at: &AttributePath, name: &str, addressable: bool) -> AttributePath {
    if addressable {
        at.clone().attribute(name)
    } else {
        at.clone()
    }
}

/// The objects of a nested attribute or block value, with their paths.
fn elements_mut(
    nesting: Nesting,
    value: &mut Value,
    at: &AttributePath,
    addressable: bool,
    each: &mut dyn FnMut(&mut Value, &AttributePath, bool),
) {
    match (nesting, value) {
        (Nesting::Single, object) => each(object, at, addressable),
        (Nesting::List, Value::List(items)) => {
            for (index, item) in items.iter_mut().enumerate() {
                each(item, &at.clone().index(index as i64), addressable);
            }
        }
        (Nesting::Map, Value::Map(items)) => {
            for (key, item) in items.iter_mut() {
                each(item, &at.clone().key(key), addressable);
            }
        }
        (Nesting::Set, Value::Set(items)) => {
            for item in items {
                each(item, at, false);
            }
        }
        _ => {}
    }
}

fn elements(
    nesting: Nesting,
    value: &Value,
    at: &AttributePath,
    addressable: bool,
    each: &mut dyn FnMut(&Value, &AttributePath, bool),
) {
    match (nesting, value) {
        (Nesting::Single, object) => each(object, at, addressable),
        (Nesting::List, Value::List(items)) => {
            for (index, item) in items.iter().enumerate() {
                each(item, &at.clone().index(index as i64), addressable);
            }
        }
        (Nesting::Map, Value::Map(items)) => {
            for (key, item) in items {
                each(item, &at.clone().key(key), addressable);
            }
        }
        (Nesting::Set, Value::Set(items)) => {
            for item in items {
                each(item, at, false);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AttributeType, NestedBlock};
    use crate::value::Type;

    fn block() -> Block {
        Block::new("r")
            .attribute(Attribute::required("name", Type::String, "n"))
            .attribute(Attribute::optional(
                "endpoints",
                AttributeType::list([Attribute::required("host", Type::String, "h")]),
                "e",
            ))
            .attribute(Attribute::optional(
                "by_name",
                AttributeType::map([Attribute::required("host", Type::String, "h")]),
                "m",
            ))
            .block(NestedBlock::single(
                "check",
                Block::new("c").attribute(Attribute::optional("port", Type::Number, "p")),
            ))
            .block(NestedBlock::set(
                "rule",
                Block::new("r").attribute(Attribute::optional("cidr", Type::String, "c")),
            ))
    }

    fn value() -> Value {
        let host = |h: &str| Value::object([("host", Value::string(h))]);
        Value::object([
            ("name", Value::string("a")),
            ("endpoints", Value::list([host("x"), host("y")])),
            ("by_name", Value::map([("k", host("z"))])),
            ("check", Value::object([("port", Value::number(1))])),
            (
                "rule",
                Value::set([Value::object([("cidr", Value::string("10.0.0.0/8"))])]),
            ),
        ])
    }

    #[test]
    fn visits_every_attribute_with_its_path() {
        let mut seen = Vec::new();
        walk(&block(), &value(), &mut |site, _| {
            seen.push((site.path.to_string(), site.addressable));
        });
        let expected = [
            ("name", true),
            ("endpoints", true),
            ("endpoints[0].host", true),
            ("endpoints[1].host", true),
            ("by_name", true),
            ("by_name[\"k\"].host", true),
            ("check.port", true),
            ("rule", false),
        ];
        let expected: Vec<(String, bool)> = expected
            .iter()
            .map(|(path, addressable)| (path.to_string(), *addressable))
            .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_mutable_walk_descends_into_replaced_values() {
        let mut planned = value().with("endpoints", Value::Null);
        walk_mut(&block(), &mut planned, &mut |site, slot| {
            if site.path.to_string() == "endpoints" {
                *slot = Value::list([Value::object([("host", Value::string("new"))])]);
            } else if site.path.to_string() == "endpoints[0].host" {
                *slot = Value::string("visited");
            }
        });
        assert_eq!(
            planned.get("endpoints").elements()[0].get("host").as_str(),
            Some("visited")
        );
    }
}
