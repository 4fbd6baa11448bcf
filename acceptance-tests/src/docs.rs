//! Registry documentation (`docs/`) rendered from the provider's schema, as Terraform reports it with
//! `terraform providers schema -json`, plus the files under `examples/`. Documentation is never
//! written twice by hand: descriptions live in the schema, usage in the examples.
//!
//! Beside each example, `intro.md` (prose before the example) and `guide.md` (prose after the
//! schema) carry what a schema cannot. The guides under `docs/guides/` are hand-written pages,
//! not rendered here: [`check_guide`] holds them to the registry's front matter.
//!
//! "Defaults to `…`." and "Changing this forces a new resource." come from the attributes'
//! `default` and `requires_replace` flags, not from prose: Terraform's schema has no field for
//! them, so the plugin layer (`tfplugin::Attribute::full_description`) appends them to the
//! description it reports, and they reach these pages (and editors' hover text) from there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One rendered page: its path under `docs/` and its text.
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

/// Every page of the provider: `index.md`, one per data source and one per resource.
pub fn render(provider_schema: &Value, examples: &Path) -> Vec<Page> {
    let mut pages = vec![Page {
        path: "index.md".into(),
        text: page(
            "rdslink Provider",
            "rdslink",
            "Provider",
            &provider_schema["provider"]["block"],
            &examples.join("provider/provider.tf"),
            None,
        ),
    }];
    for (kind, dir, label) in [
        ("data_source_schemas", "data-sources", "Data Source"),
        ("resource_schemas", "resources", "Resource"),
    ] {
        for (type_name, schema) in provider_schema[kind].as_object().into_iter().flatten() {
            let short = type_name.strip_prefix("rdslink_").unwrap_or(type_name);
            let example_dir = examples.join(dir).join(type_name);
            let example_file = if dir == "resources" {
                "resource.tf"
            } else {
                "data-source.tf"
            };
            let import = (dir == "resources").then(|| example_dir.join("import.sh"));
            pages.push(Page {
                path: Path::new(dir).join(format!("{short}.md")),
                text: page(
                    &format!("{type_name} {label} - rdslink"),
                    type_name,
                    label,
                    &schema["block"],
                    &example_dir.join(example_file),
                    import.as_deref(),
                ),
            });
        }
    }
    pages
}

fn page(
    title: &str,
    name: &str,
    label: &str,
    block: &Value,
    example: &Path,
    import: Option<&Path>,
) -> String {
    let description = block["description"].as_str().unwrap_or_default().trim();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-"
    );
    for line in description.lines().take_while(|l| !l.trim().is_empty()) {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "---\n\n# {name} ({label})\n\n{description}\n");
    // Prose that introduces the page (what the provider is, say), before its example.
    if let Some(intro) = prose_beside(example, "intro.md") {
        let _ = writeln!(out, "{}\n", intro.trim_end());
    }
    if let Ok(text) = std::fs::read_to_string(example) {
        let _ = writeln!(
            out,
            "## Example Usage\n\n```terraform\n{}\n```\n",
            text.trim_end()
        );
    }
    out.push_str("<!-- generated from the provider schema by `make docs`; edit descriptions in the code -->\n");
    let _ = writeln!(out, "## Schema\n");
    schema_sections(&mut out, block, "");
    // Prose the schema cannot carry (a guide to the deployed parts, say), next to the example.
    if let Some(guide) = prose_beside(example, "guide.md") {
        let _ = writeln!(out, "\n{}\n", guide.trim_end());
    }
    if let Some(text) = import.and_then(|p| std::fs::read_to_string(p).ok()) {
        let _ = writeln!(
            out,
            "## Import\n\nImport is supported using the following syntax:\n\n```shell\n{}\n```",
            text.trim_end()
        );
    }
    out
}

/// Holds a hand-written guide to the registry's conventions: front matter with a quoted
/// `page_title`, `subcategory: "Guides"` and a `description`, then the page's `# ` title.
pub fn check_guide(text: &str) -> Result<(), String> {
    let Some(rest) = text.strip_prefix("---\n") else {
        return Err("it must start with front matter (`---`)".into());
    };
    let Some((front_matter, body)) = rest.split_once("\n---\n") else {
        return Err("its front matter is never closed (`---`)".into());
    };
    let field = |name: &str| {
        front_matter
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    match field("page_title") {
        Some(title) if title.len() > 2 && title.starts_with('"') && title.ends_with('"') => {}
        _ => return Err("its front matter needs a quoted `page_title`".into()),
    }
    if field("subcategory") != Some("\"Guides\"") {
        return Err("its front matter needs `subcategory: \"Guides\"`".into());
    }
    if field("description").is_none() {
        return Err("its front matter needs a `description`".into());
    }
    if !body.trim_start().starts_with("# ") {
        return Err("the page must start with a `# ` title after the front matter".into());
    }
    Ok(())
}

/// The hand-written markdown file `name` in the example's directory, if there is one.
fn prose_beside(example: &Path, name: &str) -> Option<String> {
    let path = example.parent()?.join(name);
    std::fs::read_to_string(path).ok()
}

/// Required / Optional / Read-Only lists for a block, then a section per nested block.
fn schema_sections(out: &mut String, block: &Value, prefix: &str) {
    let attributes = block["attributes"].as_object().cloned().unwrap_or_default();
    let blocks = block["block_types"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut groups: [(&str, Vec<String>); 3] = [
        ("Required", vec![]),
        ("Optional", vec![]),
        ("Read-Only", vec![]),
    ];
    for (name, attribute) in &attributes {
        let group = if attribute["required"] == true {
            0
        } else if attribute["optional"] == true {
            1
        } else {
            2
        };
        let nested_type = &attribute["nested_type"];
        let label = if nested_type.is_object() {
            // Nested attributes: their own section below, as terraform-plugin-docs renders them.
            format!(
                "Attributes{}",
                match nesting_label(&nested_type["nesting_mode"]) {
                    "" => String::new(),
                    mode => format!(" {mode}"),
                }
            )
        } else {
            type_label(&attribute["type"])
        };
        let mut line = format!("- `{name}` ({label})");
        if attribute["sensitive"] == true {
            line.push_str(", Sensitive");
        }
        let _ = write!(
            line,
            " {}",
            one_line(attribute["description"].as_str().unwrap_or_default())
        );
        if nested_type.is_object() {
            let _ = write!(
                line,
                " (see [below for nested schema](#nestedatt--{prefix}{name}))"
            );
        }
        groups[group].1.push(line);
    }
    for (name, nested) in &blocks {
        let required = nested["min_items"].as_u64().unwrap_or(0) > 0;
        let anchor = format!("nestedblock--{prefix}{name}");
        let line = format!(
            "- `{name}` (Block {}, {}) {} (see [below for nested schema](#{anchor}))",
            nesting_label(&nested["nesting_mode"]),
            if required { "Required" } else { "Optional" },
            one_line(nested["block"]["description"].as_str().unwrap_or_default())
        );
        groups[usize::from(!required)].1.push(line);
    }
    for (heading, lines) in &groups {
        if !lines.is_empty() {
            let _ = writeln!(out, "### {heading}\n\n{}\n", lines.join("\n"));
        }
    }
    for (name, attribute) in &attributes {
        let nested_type = &attribute["nested_type"];
        if nested_type.is_object() {
            let _ = writeln!(
                out,
                "<a id=\"nestedatt--{prefix}{name}\"></a>\n### Nested Schema for `{prefix}{name}`\n"
            );
            schema_sections(out, nested_type, &format!("{prefix}{name}."));
        }
    }
    for (name, nested) in &blocks {
        let anchor = format!("nestedblock--{prefix}{name}");
        let _ = writeln!(
            out,
            "<a id=\"{anchor}\"></a>\n### Nested Schema for `{prefix}{name}`\n"
        );
        schema_sections(out, &nested["block"], &format!("{prefix}{name}."));
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn nesting_label(mode: &Value) -> &'static str {
    match mode.as_str() {
        Some("list") => "List",
        Some("set") => "Set",
        Some("map") => "Map",
        _ => "",
    }
    .trim_end()
}

/// `"string"` -> String, `["list","string"]` -> List of String, objects -> Object.
fn type_label(ty: &Value) -> String {
    match ty {
        Value::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            _ => "Dynamic".into(),
        },
        Value::Array(parts) => match parts.first().and_then(Value::as_str) {
            Some("list") => format!("List of {}", type_label(&parts[1])),
            Some("set") => format!("Set of {}", type_label(&parts[1])),
            Some("map") => format!("Map of {}", type_label(&parts[1])),
            Some("object") => "Object".into(),
            _ => "Tuple".into(),
        },
        _ => "Dynamic".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block as `terraform providers schema -json` reports it; the plugin layer appended the
    /// flag sentences to `port` and `name`.
    fn block() -> Value {
        serde_json::json!({
            "description": "A thing.",
            "attributes": {
                "id": {"type": "string", "description": "The id.", "computed": true},
                "name": {
                    "type": "string",
                    "description": "The name. Changing this forces a new resource.",
                    "required": true
                },
                "port": {
                    "type": "number",
                    "description": "The port. Defaults to `5432`. Changing this forces a new resource.",
                    "optional": true,
                    "computed": true
                },
                "tags": {
                    "type": ["map", "string"],
                    "description": "Tags\n  on   two lines.",
                    "optional": true,
                    "sensitive": true
                }
            },
            "block_types": {
                "rule": {
                    "nesting_mode": "list",
                    "min_items": 1,
                    "block": {
                        "description": "A rule.",
                        "attributes": {
                            "cidr": {
                                "type": "string",
                                "description": "CIDR. Changing this forces a new resource.",
                                "required": true
                            }
                        }
                    }
                }
            }
        })
    }

    #[test]
    fn a_guide_needs_the_registry_front_matter() {
        let guide = "---\npage_title: \"Getting started\"\nsubcategory: \"Guides\"\ndescription: |-\n  From nothing.\n---\n\n# Getting started\n";
        assert_eq!(check_guide(guide), Ok(()));
        for (broken, why) in [
            (guide.replacen("---\n", "", 1), "front matter"),
            (guide.replace("\"Guides\"", "\"\""), "subcategory"),
            (
                guide.replace("page_title: \"Getting started\"", "page_title: x"),
                "page_title",
            ),
            (
                guide.replace("description: |-\n  From nothing.\n", ""),
                "description",
            ),
            (
                guide.replace("# Getting started", "Getting started"),
                "title",
            ),
        ] {
            let error = check_guide(&broken).unwrap_err();
            assert!(error.contains(why), "{why}: {error}");
        }
    }

    #[test]
    fn attributes_render_with_the_sentences_their_flags_added() {
        let mut out = String::new();
        schema_sections(&mut out, &block(), "");
        let expected = "\
### Required

- `name` (String) The name. Changing this forces a new resource.
- `rule` (Block List, Required) A rule. (see [below for nested schema](#nestedblock--rule))

### Optional

- `port` (Number) The port. Defaults to `5432`. Changing this forces a new resource.
- `tags` (Map of String), Sensitive Tags on two lines.

### Read-Only

- `id` (String) The id.

<a id=\"nestedblock--rule\"></a>
### Nested Schema for `rule`

### Required

- `cidr` (String) CIDR. Changing this forces a new resource.

";
        assert_eq!(out, expected);
    }

    #[test]
    fn nested_attributes_get_their_own_section() {
        let block = serde_json::json!({
            "attributes": {
                "sync": {
                    "nested_type": {
                        "nesting_mode": "single",
                        "attributes": {
                            "enabled": {"type": "bool", "description": "On. Defaults to `true`.", "optional": true, "computed": true},
                            "function_arn": {"type": "string", "description": "The ARN.", "computed": true}
                        }
                    },
                    "description": "The sync.",
                    "optional": true,
                    "computed": true
                }
            }
        });
        let mut out = String::new();
        schema_sections(&mut out, &block, "");
        let expected = "\
### Optional

- `sync` (Attributes) The sync. (see [below for nested schema](#nestedatt--sync))

<a id=\"nestedatt--sync\"></a>
### Nested Schema for `sync`

### Optional

- `enabled` (Boolean) On. Defaults to `true`.

### Read-Only

- `function_arn` (String) The ARN.

";
        assert_eq!(out, expected);
    }
}
