//! `docs/` matches the provider's schema and the examples. `make docs` regenerates it.

use std::path::PathBuf;

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
}
