//! Diagnostics: the warnings and errors a provider reports to Terraform, optionally pointing at the
//! attribute that caused them so Terraform can underline it in the configuration.

use std::fmt;

/// How serious a diagnostic is. Any error makes Terraform stop the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An attribute of an object (or a nested block, which is an attribute of its parent).
    Attribute(String),
    /// An element of a map, by key.
    Key(String),
    /// An element of a list or tuple, by position.
    Index(i64),
}

/// A path from the root of a configuration/state object to one value inside it, e.g.
/// `AttributePath::root("subnet_ids").index(1)` for `subnet_ids[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AttributePath {
    steps: Vec<PathStep>,
}

impl AttributePath {
    /// The path of a top-level attribute (or block).
    pub fn root(attribute: impl Into<String>) -> Self {
        Self {
            steps: vec![PathStep::Attribute(attribute.into())],
        }
    }

    /// The empty path: the whole object.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Descends into an attribute of the object at this path.
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.steps.push(PathStep::Attribute(name.into()));
        self
    }

    /// Descends into a map element.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.steps.push(PathStep::Key(key.into()));
        self
    }

    /// Descends into a list or tuple element.
    pub fn index(mut self, index: i64) -> Self {
        self.steps.push(PathStep::Index(index));
        self
    }

    /// Returns a path with `step` added in front: used when an error found inside a value is
    /// reported by the code that walked into it.
    pub fn prepend(mut self, step: PathStep) -> Self {
        self.steps.insert(0, step);
        self
    }

    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether `self` is `other` or lies inside it (`a.b[1]` starts with `a.b`).
    pub fn starts_with(&self, other: &AttributePath) -> bool {
        self.steps.starts_with(&other.steps)
    }
}

impl From<Vec<PathStep>> for AttributePath {
    fn from(steps: Vec<PathStep>) -> Self {
        Self { steps }
    }
}

/// Renders the path the way Terraform users write it: `rules[0].port`, `tags["Name"]`.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if position == 0 => write!(f, "{name}")?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A warning or an error for Terraform to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One line: what went wrong.
    pub summary: String,
    /// Why, and what the user can do about it.
    pub detail: String,
    /// The attribute the diagnostic is about, if any.
    pub attribute: Option<AttributePath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(summary, detail)
        }
    }

    /// Points the diagnostic at an attribute.
    pub fn at(mut self, path: AttributePath) -> Self {
        self.attribute = Some(path);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: {}", self.summary)?;
        if let Some(path) = &self.attribute {
            write!(f, " (at {path})")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// The diagnostics collected while serving one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds an error about the whole request.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }

    /// Adds an error about one attribute.
    pub fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }

    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail));
    }

    pub fn warning_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::warning(summary, detail).at(path));
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.items.extend(iter);
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self {
            items: iter.into_iter().collect(),
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_terraform_references() {
        let path = AttributePath::root("rules")
            .index(0)
            .attribute("port")
            .key("a b");
        assert_eq!(path.to_string(), "rules[0].port[\"a b\"]");
        assert_eq!(AttributePath::empty().to_string(), "");
    }

    #[test]
    fn starts_with_compares_whole_steps() {
        let inner = AttributePath::root("a").attribute("b").index(1);
        assert!(inner.starts_with(&AttributePath::root("a").attribute("b")));
        assert!(!inner.starts_with(&AttributePath::root("a").attribute("c")));
        assert!(inner.starts_with(&AttributePath::empty()));
    }

    #[test]
    fn only_errors_count_as_errors() {
        let mut diags = Diagnostics::new();
        diags.warning("careful", "");
        assert!(!diags.has_errors());
        diags.error_at(AttributePath::root("name"), "bad name", "too long");
        assert!(diags.has_errors());
        assert_eq!(diags.len(), 2);
        let error = diags.iter().nth(1).cloned();
        assert_eq!(
            error.map(|d| d.to_string()),
            Some("error: bad name (at name): too long".to_string())
        );
    }
}
