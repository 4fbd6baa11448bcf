//! The Terraform examples of the `docs/` pages: every fenced block whose language is `terraform`,
//! `hcl` or `tf`, grouped into the configurations a test validates (and, for the guides, applies).
//!
//! A block is a whole configuration by itself unless the line before its fence is a marker, an
//! HTML comment the registry does not render:
//!
//! - `<!-- docs: file producer/main.tf -->`: the block is (part of) the file `main.tf` of the
//!   configuration `producer` of this page. Blocks naming the same directory form one
//!   configuration; blocks naming the same file are joined in page order, so a guide can explain
//!   a file piece by piece. Tests that run a guide find its files by these names.
//! - `<!-- docs: not standalone: <why> -->`: the block is not a configuration (a `terraform.tfvars`
//!   file, say) and is not validated. Keep it rare; the reason is required.
//!
//! Any other `<!-- docs: ... -->` is an error, so that a misspelt marker cannot silently turn a
//! block into a standalone one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The languages whose blocks are Terraform configurations.
const HCL_LANGUAGES: [&str; 3] = ["terraform", "hcl", "tf"];

const MARKER_OPEN: &str = "<!-- docs:";

/// What the marker before a block says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// No marker: the block is a whole configuration.
    Standalone,
    /// `file <dir>/<name>`: part of the file `name` of the configuration `dir`.
    File { dir: String, name: String },
    /// `not standalone: <why>`: not validated, for the reason given.
    NotStandalone(String),
}

/// One fenced HCL block of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    pub text: String,
    pub role: Role,
}

/// A configuration to validate: one or more files, named for the messages by page and line or
/// by page and directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    pub name: String,
    /// (file name, text), in the order the page first names them.
    pub files: Vec<(String, String)>,
}

impl Configuration {
    /// Every file's text, joined: what the harness looks at to decide what the directory needs.
    pub fn text(&self) -> String {
        self.files
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The HCL blocks of one markdown page, with the role each marker gives them.
pub fn blocks(markdown: &str) -> Result<Vec<Block>> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().enumerate();
    let mut previous_non_blank: Option<&str> = None;
    while let Some((index, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            if !trimmed.is_empty() {
                if trimmed.starts_with(MARKER_OPEN) {
                    // Checked here too, so that a marker before prose is reported, not ignored.
                    role(trimmed).map_err(|e| anyhow::anyhow!("line {}: {e}", index + 1))?;
                }
                previous_non_blank = Some(trimmed);
            }
            continue;
        };
        let language = info.split_whitespace().next().unwrap_or_default();
        let mut body = Vec::new();
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            if line.trim() == "```" {
                closed = true;
                break;
            }
            body.push(line);
        }
        if !closed {
            bail!("line {}: the fence opened here is never closed", index + 1);
        }
        let marker = previous_non_blank.filter(|line| line.starts_with(MARKER_OPEN));
        previous_non_blank = None;
        if !HCL_LANGUAGES.contains(&language) {
            if marker.is_some() {
                bail!(
                    "line {}: a docs marker before a `{language}` block: markers are for HCL blocks",
                    index + 1
                );
            }
            continue;
        }
        let role = match marker {
            Some(marker) => role(marker).map_err(|e| anyhow::anyhow!("line {}: {e}", index + 1))?,
            None => Role::Standalone,
        };
        let mut text = body.join("\n");
        text.push('\n');
        blocks.push(Block {
            line: index + 1,
            text,
            role,
        });
    }
    Ok(blocks)
}

/// The role a `<!-- docs: ... -->` marker line gives the block after it.
fn role(marker: &str) -> Result<Role> {
    let Some(inner) = marker
        .strip_prefix(MARKER_OPEN)
        .and_then(|rest| rest.trim_end().strip_suffix("-->"))
        .map(str::trim)
    else {
        bail!("a docs marker must fit on one line: {marker:?}");
    };
    if let Some(path) = inner.strip_prefix("file ") {
        let path = path.trim();
        let Some((dir, name)) = path.rsplit_once('/') else {
            bail!("`file` needs <directory>/<name>.tf, got {path:?}");
        };
        let safe = |part: &str| {
            !part.is_empty()
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if !safe(dir) || !safe(name) || !name.ends_with(".tf") {
            bail!("`file` needs <directory>/<name>.tf (letters, digits, -_.), got {path:?}");
        }
        return Ok(Role::File {
            dir: dir.to_owned(),
            name: name.to_owned(),
        });
    }
    if let Some(why) = inner.strip_prefix("not standalone:") {
        let why = why.trim();
        if why.is_empty() {
            bail!("`not standalone:` needs a reason");
        }
        return Ok(Role::NotStandalone(why.to_owned()));
    }
    bail!(
        "unknown docs marker {marker:?}: use `<!-- docs: file <dir>/<name>.tf -->` or \
         `<!-- docs: not standalone: <why> -->`"
    )
}

/// The configurations of one page (`page` names it in messages): each standalone block, and one
/// per directory that `file` markers name. Not-standalone blocks are left out.
pub fn configurations(page: &Path, blocks: &[Block]) -> Vec<Configuration> {
    let mut standalone = Vec::new();
    let mut directories: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for block in blocks {
        match &block.role {
            Role::Standalone => standalone.push(Configuration {
                name: format!("{}:{}", page.display(), block.line),
                files: vec![("main.tf".to_owned(), block.text.clone())],
            }),
            Role::File { dir, name } => {
                let files = directories.entry(dir).or_default();
                match files.iter_mut().find(|(file, _)| file == name) {
                    Some((_, text)) => {
                        text.push('\n');
                        text.push_str(&block.text);
                    }
                    None => files.push((name.clone(), block.text.clone())),
                }
            }
            Role::NotStandalone(_) => {}
        }
    }
    standalone.extend(directories.into_iter().map(|(dir, files)| Configuration {
        name: format!("{} ({dir}/)", page.display()),
        files,
    }));
    standalone
}

/// The configuration of `page` that `file` markers name `dir`, if any.
pub fn configuration_in(page: &Path, blocks: &[Block], dir: &str) -> Option<Configuration> {
    configurations(page, blocks)
        .into_iter()
        .find(|configuration| configuration.name == format!("{} ({dir}/)", page.display()))
}

/// Every markdown page under `docs`, sorted.
pub fn pages(docs: &Path) -> Result<Vec<PathBuf>> {
    let mut pages = Vec::new();
    let mut pending = vec![docs.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "\
# A page

```terraform
provider \"rdslink\" {}
```

```shell
terraform apply
```

<!-- docs: file producer/main.tf -->
```hcl
variable \"a\" {}
```

Prose between the two halves.

<!-- docs: file producer/main.tf -->
```hcl
output \"a\" { value = var.a }
```

<!-- docs: file producer/outputs.tf -->
```hcl
output \"b\" { value = 1 }
```

<!-- docs: not standalone: a terraform.tfvars file -->
```hcl
a = 1
```
";

    #[test]
    fn blocks_carry_their_markers_and_other_languages_are_skipped() {
        let blocks = blocks(PAGE).unwrap();
        let roles: Vec<_> = blocks.iter().map(|b| (b.line, b.role.clone())).collect();
        let file = |name: &str| Role::File {
            dir: "producer".into(),
            name: name.into(),
        };
        assert_eq!(
            roles,
            [
                (3, Role::Standalone),
                (12, file("main.tf")),
                (19, file("main.tf")),
                (24, file("outputs.tf")),
                (29, Role::NotStandalone("a terraform.tfvars file".into())),
            ]
        );
        assert_eq!(blocks[0].text, "provider \"rdslink\" {}\n");
    }

    #[test]
    fn file_markers_make_one_configuration_per_directory() {
        let page = Path::new("guides/x.md");
        let configurations = configurations(page, &blocks(PAGE).unwrap());
        let names: Vec<_> = configurations.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["guides/x.md:3", "guides/x.md (producer/)"]);
        assert_eq!(
            configurations[1].files,
            [
                (
                    "main.tf".to_owned(),
                    "variable \"a\" {}\n\noutput \"a\" { value = var.a }\n".to_owned()
                ),
                (
                    "outputs.tf".to_owned(),
                    "output \"b\" { value = 1 }\n".to_owned()
                ),
            ]
        );
        assert!(configuration_in(page, &blocks(PAGE).unwrap(), "consumer").is_none());
    }

    #[test]
    fn a_misspelt_or_reasonless_marker_is_an_error() {
        for marker in [
            "<!-- docs: fil producer/main.tf -->",
            "<!-- docs: not standalone: -->",
            "<!-- docs: file main.tf -->",
            "<!-- docs: file ../x/main.tf -->",
            "<!-- docs: file producer/main.txt -->",
        ] {
            let page = format!("{marker}\n```hcl\nx = 1\n```\n");
            assert!(blocks(&page).is_err(), "{marker}");
        }
        let before_prose = "<!-- docs: fil producer/main.tf -->\nSome prose.\n";
        assert!(blocks(before_prose).is_err());
        let before_shell = "<!-- docs: not standalone: x -->\n```shell\nls\n```\n";
        assert!(blocks(before_shell).is_err());
    }

    #[test]
    fn an_unclosed_fence_is_an_error() {
        assert!(blocks("```hcl\nx = 1\n").is_err());
    }
}
