//! Declarative schemas for the provider, its resources and data sources.
//!
//! Every attribute and block must carry a Markdown description (the registry docs are generated
//! from it), so the constructors take one. [`Schema::validate`] checks the rest of what Terraform
//! would otherwise reject at run time; unit-test it for every schema.

mod attribute;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

pub use attribute::{Attribute, ReplaceIfFn, RequiresReplace, ValidateFn};

use super::value::Type;

/// The schema of a provider configuration, resource or data source.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Bumped when the shape of stored state changes (resources only).
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// The object type of values (config, plan, state) described by this schema.
    pub fn value_type(&self) -> Type {
        self.block.type_of()
    }

    /// Checks what Terraform would reject: empty descriptions, invalid or duplicate names,
    /// empty nested objects, impossible item limits; and attribute behaviour that cannot work:
    /// a default on an attribute that is not optional+computed (or of the wrong type),
    /// use_state_for_unknown on a non-computed attribute, requires_replace on a computed-only or
    /// write-only attribute, and plan behaviour inside set elements.
    pub fn validate(&self) -> Result<(), SchemaError> {
        self.block.check("", false)
    }
}

/// A schema that Terraform would refuse; `path` names the offending attribute or block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema element {path:?}: {reason}")]
pub struct SchemaError {
    pub path: String,
    pub reason: String,
}

/// A configuration block: attributes and nested blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    /// Deprecation message, if the whole block is deprecated.
    pub deprecated: Option<String>,
}

impl Block {
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            attributes: Vec::new(),
            blocks: Vec::new(),
            deprecated: None,
        }
    }

    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    pub fn attributes(mut self, attributes: impl IntoIterator<Item = Attribute>) -> Self {
        self.attributes.extend(attributes);
        self
    }

    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// The object type of this block's values: one attribute per attribute and nested block.
    pub fn type_of(&self) -> Type {
        let attributes = self
            .attributes
            .iter()
            .map(|attribute| (attribute.name.clone(), attribute.value_type()));
        let blocks = self
            .blocks
            .iter()
            .map(|nested| (nested.name.clone(), nested.value_type()));
        Type::Object(attributes.chain(blocks).collect())
    }

    /// Finds an attribute by name.
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// `in_set`: inside the elements of a set block, which attribute paths cannot address.
    fn check(&self, at: &str, in_set: bool) -> Result<(), SchemaError> {
        if self.description.trim().is_empty() {
            return Err(error(at, "the block has no description"));
        }
        let mut seen = HashSet::new();
        let names = self
            .attributes
            .iter()
            .map(|a| &a.name)
            .chain(self.blocks.iter().map(|b| &b.name));
        for name in names {
            let path = join(at, name);
            check_name(&path, name)?;
            if !seen.insert(name) {
                return Err(error(&path, "the name is used twice"));
            }
        }
        for attribute in &self.attributes {
            attribute.check(&join(at, &attribute.name), in_set)?;
        }
        for nested in &self.blocks {
            nested.check(&join(at, &nested.name), in_set)?;
        }
        Ok(())
    }
}

/// Whether the user sets an attribute, the provider does, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Set by the user, or by the provider when the user does not.
    OptionalComputed,
}

/// How a nested attribute or block repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    /// Nested attributes only: a map of objects.
    Map,
}

/// An attribute's type: a plain type, or nested attributes (an object or a collection of
/// objects whose attributes have their own modes and descriptions).
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeType {
    Plain(Type),
    Nested {
        nesting: Nesting,
        attributes: Vec<Attribute>,
    },
}

impl AttributeType {
    /// Nested attributes forming one object.
    pub fn single(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::Single, attributes)
    }

    pub fn list(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::List, attributes)
    }

    pub fn set(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::Set, attributes)
    }

    pub fn map(attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::nested(Nesting::Map, attributes)
    }

    fn nested(nesting: Nesting, attributes: impl IntoIterator<Item = Attribute>) -> Self {
        Self::Nested {
            nesting,
            attributes: attributes.into_iter().collect(),
        }
    }
}

impl From<Type> for AttributeType {
    fn from(ty: Type) -> Self {
        AttributeType::Plain(ty)
    }
}

/// A nested block: `rule { ... }` inside a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    /// At most one block; its value is an object, or null when absent.
    pub fn single(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, Nesting::Single, block)
    }

    pub fn list(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, Nesting::List, block)
    }

    pub fn set(name: impl Into<String>, block: Block) -> Self {
        Self::new(name, Nesting::Set, block)
    }

    fn new(name: impl Into<String>, nesting: Nesting, block: Block) -> Self {
        Self {
            name: name.into(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    pub fn min_items(mut self, min: i64) -> Self {
        self.min_items = min;
        self
    }

    /// 0 means unlimited.
    pub fn max_items(mut self, max: i64) -> Self {
        self.max_items = max;
        self
    }

    pub fn value_type(&self) -> Type {
        wrap(self.nesting, self.block.type_of())
    }

    fn check(&self, at: &str, in_set: bool) -> Result<(), SchemaError> {
        if self.nesting == Nesting::Map {
            return Err(error(
                at,
                "map nesting is for nested attributes, not blocks",
            ));
        }
        if self.min_items < 0 || self.max_items < 0 {
            return Err(error(at, "item limits must not be negative"));
        }
        if self.max_items != 0 && self.min_items > self.max_items {
            return Err(error(at, "min_items is larger than max_items"));
        }
        if self.nesting == Nesting::Single && (self.min_items > 1 || self.max_items > 1) {
            return Err(error(at, "a single block holds at most one item"));
        }
        self.block.check(at, in_set || self.nesting == Nesting::Set)
    }
}

fn wrap(nesting: Nesting, object: Type) -> Type {
    match nesting {
        Nesting::Single => object,
        Nesting::List => Type::list(object),
        Nesting::Set => Type::set(object),
        Nesting::Map => Type::map(object),
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn error(at: &str, reason: &str) -> SchemaError {
    SchemaError {
        path: at.to_string(),
        reason: reason.to_string(),
    }
}

/// Terraform names: lowercase letters, digits and underscores, starting with a letter; a few
/// names are reserved by the language.
fn check_name(path: &str, name: &str) -> Result<(), SchemaError> {
    const RESERVED: [&str; 8] = [
        "count",
        "depends_on",
        "for_each",
        "lifecycle",
        "provider",
        "provisioner",
        "connection",
        "connection_info",
    ];
    let valid = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        return Err(error(
            path,
            "names are lowercase letters, digits and underscores, starting with a letter",
        ));
    }
    if RESERVED.contains(&name) {
        return Err(error(path, "the name is reserved by Terraform"));
    }
    Ok(())
}
