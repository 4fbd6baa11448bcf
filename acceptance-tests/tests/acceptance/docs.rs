//! `docs/` matches the provider's schema and the examples (`make docs` regenerates it), holds no
//! generated page the provider no longer has, and its hand-written guides keep the registry's
//! conventions. That the pages' HCL validates is `doc_examples`' job.

use std::path::{Path, PathBuf};

use rdslink_acceptance_tests::{PROVIDER_SOURCE, Workspace, docs};

#[tokio::test]
async fn docs_match_the_schema() {
    let workspace = Workspace::new(
        "terraform {\n  required_providers {\n    rdslink = { source = \"rdslink/rdslink\" }\n  }\n}\n",
    )
    .unwrap();
    let run = workspace
        .terraform(&["providers", "schema", "-json"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let schemas: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let pages = docs::render(
        &schemas["provider_schemas"][PROVIDER_SOURCE],
        &root.join("examples"),
    );
    assert!(
        pages.len() >= 2,
        "expected the provider page and at least one data source page"
    );

    let update = std::env::var_os("RDSLINK_UPDATE_DOCS").is_some();
    let rendered: Vec<PathBuf> = pages.iter().map(|page| page.path.clone()).collect();
    let mut stale = Vec::new();
    for page in pages {
        let path = root.join("docs").join(&page.path);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &page.text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.text.as_str()) {
            stale.push(page.path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ is out of date for {stale:?}: run `make docs`"
    );

    // A page for a data source or resource the provider no longer has is stale too.
    for dir in ["data-sources", "resources"] {
        let leftovers: Vec<PathBuf> = std::fs::read_dir(root.join("docs").join(dir))
            .unwrap()
            .map(|entry| Path::new(dir).join(entry.unwrap().file_name()))
            .filter(|path| !rendered.contains(path))
            .collect();
        assert!(
            leftovers.is_empty(),
            "docs/ has pages the provider does not render: {leftovers:?}; delete them"
        );
    }
}

/// The guides are written by hand, straight in `docs/guides/`; they keep the registry's front
/// matter so that they are listed under "Guides".
#[test]
fn guides_carry_the_registry_front_matter() {
    let guides = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/guides");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&guides).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".md"),
            "docs/guides/{name} is not a markdown page"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(why) = docs::check_guide(&text) {
            panic!("docs/guides/{name}: {why}");
        }
        names.push(name);
    }
    for guide in [
        "getting-started.md",
        "failover.md",
        "many-endpoint-services.md",
    ] {
        assert!(
            names.iter().any(|n| n == guide),
            "docs/guides/{guide} is missing"
        );
    }
}
