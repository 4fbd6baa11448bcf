//! Every Terraform example of every `docs/` page (provider, data sources, resources, guides)
//! passes `terraform validate` against the built provider.
//!
//! Each configuration (a block, or the blocks a guide names as files of one directory, see
//! `rdslink_acceptance_tests::doc_examples`) gets a workspace of its own with the harness's
//! `dev_overrides`, so no `terraform init` is needed for the rdslink provider. Modules come from
//! the repository's `modules/`, linked into the workspace as `./modules`, and are installed with
//! `terraform get`, which reads only local paths. Nothing is downloaded: an example that needs
//! another provider (`aws`) or a remote module fails here, with Terraform's own message.

use std::path::PathBuf;
use std::sync::Arc;

use rdslink_acceptance_tests::Workspace;
use rdslink_acceptance_tests::doc_examples::{self, Configuration, Role};
use tokio::sync::Semaphore;

/// How many configurations are validated at once: each `terraform validate` starts the provider.
const PARALLEL: usize = 4;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Validates one configuration; `Err` carries what a reader needs to fix the page.
async fn validate(configuration: Configuration) -> Result<(), String> {
    let fail = |what: String| format!("{}: {what}", configuration.name);
    let workspace = Workspace::new(&configuration.text()).map_err(|e| fail(e.to_string()))?;
    // Workspace::new wrote main.tf (and versions.tf when no file declares the provider's source);
    // now the configuration's own files.
    std::fs::remove_file(workspace.path().join("main.tf")).map_err(|e| fail(e.to_string()))?;
    for (name, text) in &configuration.files {
        std::fs::write(workspace.path().join(name), text).map_err(|e| fail(e.to_string()))?;
    }
    std::os::unix::fs::symlink(root().join("modules"), workspace.path().join("modules"))
        .map_err(|e| fail(e.to_string()))?;
    if configuration.text().contains("module \"") {
        let get = workspace
            .terraform(&["get", "-no-color"])
            .await
            .map_err(|e| fail(e.to_string()))?;
        if get.code != 0 {
            return Err(fail(format!("terraform get failed:\n{}", get.stderr)));
        }
    }
    let validate = workspace
        .validate_json()
        .await
        .map_err(|e| fail(format!("{e:#}")))?;
    if validate["valid"] != true {
        let errors: Vec<String> = validate["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == "error")
            .map(|d| {
                format!(
                    "{} ({}:{}): {}",
                    d["summary"].as_str().unwrap_or_default(),
                    d["range"]["filename"].as_str().unwrap_or("?"),
                    d["range"]["start"]["line"],
                    d["detail"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let files: String = configuration
            .files
            .iter()
            .map(|(name, text)| format!("--- {name}\n{text}"))
            .collect();
        return Err(fail(format!(
            "terraform validate failed:\n  {}\n{files}",
            errors.join("\n  ")
        )));
    }
    Ok(())
}

#[tokio::test]
async fn every_docs_example_validates_against_the_built_provider() {
    let docs = root().join("docs");
    let pages = doc_examples::pages(&docs).unwrap();
    let mut configurations = Vec::new();
    let mut not_standalone = Vec::new();
    let mut pages_with_examples = Vec::new();
    for page in &pages {
        let relative = page.strip_prefix(&docs).unwrap();
        let markdown = std::fs::read_to_string(page).unwrap();
        let blocks = doc_examples::blocks(&markdown)
            .unwrap_or_else(|e| panic!("docs/{}: {e:#}", relative.display()));
        for block in &blocks {
            if let Role::NotStandalone(why) = &block.role {
                not_standalone.push(format!("docs/{}:{}: {why}", relative.display(), block.line));
            }
        }
        let found = doc_examples::configurations(relative, &blocks);
        if !found.is_empty() {
            pages_with_examples.push(relative.display().to_string());
        }
        configurations.extend(found);
    }
    // The pages this test is about must have been read: a docs/ that lost its examples, or a
    // parser that stopped finding them, fails here rather than passing with nothing checked.
    for page in [
        "index.md",
        "resources/endpoint_service.md",
        "resources/consumer_endpoint.md",
        "resources/endpoint_connection.md",
        "data-sources/database.md",
        "guides/getting-started.md",
        "guides/many-endpoint-services.md",
    ] {
        assert!(
            pages_with_examples.iter().any(|p| p == page),
            "docs/{page} has no Terraform example; pages with examples: {pages_with_examples:?}"
        );
    }
    eprintln!(
        "validating {} configurations from {} pages; not standalone, so not validated: {not_standalone:#?}",
        configurations.len(),
        pages_with_examples.len()
    );

    let permits = Arc::new(Semaphore::new(PARALLEL));
    let mut runs = tokio::task::JoinSet::new();
    for configuration in configurations {
        let permits = Arc::clone(&permits);
        runs.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            validate(configuration).await
        });
    }
    let mut failures = Vec::new();
    while let Some(outcome) = runs.join_next().await {
        if let Err(failure) = outcome.expect("a validation task panicked") {
            failures.push(failure);
        }
    }
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} docs examples do not validate:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
