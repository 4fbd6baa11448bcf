//! The layers ARCHITECTURE.md promises, checked on the dependency graph cargo resolves: a crate
//! boundary only enforces a layer if the wrong dependency cannot sneak in unnoticed.
//!
//! - The plugin layer (`tfplugin`) knows nothing about AWS: no AWS SDK crate in its tree. The one
//!   `aws-` prefix allowed is AWS-LC (`aws-lc-rs`, `aws-lc-sys`), the cryptography library behind
//!   rustls: a TLS implementation, not an AWS API, shared with the SDK so that the provider ships
//!   one crypto stack.
//! - The provider does not link the Lambda's runtime or event types (nor chrono, which they bring).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

use serde_json::Value;

/// The packages reachable from `root` through normal and build dependencies (what goes into a
/// build of it; dev-dependencies only serve its tests), by name.
struct Graph {
    names: BTreeMap<String, String>,
    edges: BTreeMap<String, Vec<String>>,
}

impl Graph {
    fn load() -> Graph {
        // Only the host platform: other platforms' dependencies are not needed here, and asking
        // for them would make cargo download their manifests.
        let host = rustc_host();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let output = Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked", "--offline"])
            .args(["--filter-platform", &host])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata runs");
        assert!(
            output.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
        let names = metadata["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|package| {
                let id = package["id"].as_str().expect("package id").to_owned();
                let name = package["name"].as_str().expect("package name").to_owned();
                (id, name)
            })
            .collect();
        let edges = metadata["resolve"]["nodes"]
            .as_array()
            .expect("resolve nodes")
            .iter()
            .map(|node| {
                let id = node["id"].as_str().expect("node id").to_owned();
                let deps = node["deps"]
                    .as_array()
                    .expect("node deps")
                    .iter()
                    .filter(|dep| {
                        dep["dep_kinds"]
                            .as_array()
                            .expect("dep kinds")
                            .iter()
                            .any(|kind| kind["kind"].as_str() != Some("dev"))
                    })
                    .map(|dep| dep["pkg"].as_str().expect("dep pkg").to_owned())
                    .collect();
                (id, deps)
            })
            .collect();
        Graph { names, edges }
    }

    fn tree_of(&self, root: &str) -> BTreeSet<String> {
        let start = self
            .names
            .iter()
            .find(|(_, name)| name.as_str() == root)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("{root} is not a workspace package"));
        let mut seen = BTreeSet::from([start.clone()]);
        let mut queue = VecDeque::from([start]);
        while let Some(id) = queue.pop_front() {
            for dep in self.edges.get(&id).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    queue.push_back(dep.clone());
                }
            }
        }
        seen.iter().map(|id| self.names[id].clone()).collect()
    }
}

fn rustc_host() -> String {
    let output = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

#[test]
fn the_plugin_layer_depends_on_no_aws_crate() {
    let graph = Graph::load();
    let tree = graph.tree_of("tfplugin");
    assert!(
        tree.contains("tonic"),
        "the graph walk found tfplugin's own dependencies: {tree:?}"
    );
    let aws: Vec<&String> = tree
        .iter()
        .filter(|name| name.starts_with("aws"))
        .filter(|name| !matches!(name.as_str(), "aws-lc-rs" | "aws-lc-sys"))
        .collect();
    assert!(aws.is_empty(), "tfplugin depends on {aws:?}");
    for workspace_crate in [
        "rdslink-engine",
        "terraform-provider-rdslink",
        "rdslink-sync-lambda",
    ] {
        assert!(
            !tree.contains(workspace_crate),
            "tfplugin depends on {workspace_crate}"
        );
    }
}

#[test]
fn the_provider_links_no_lambda_runtime_or_event_types() {
    let graph = Graph::load();
    let tree = graph.tree_of("terraform-provider-rdslink");
    assert!(
        tree.contains("rdslink-engine") && tree.contains("tfplugin"),
        "{tree:?}"
    );
    for unwanted in [
        "aws_lambda_events",
        "lambda_runtime",
        "lambda_runtime_api_client",
        "chrono",
        "rdslink-sync-lambda",
    ] {
        assert!(
            !tree.contains(unwanted),
            "the provider depends on {unwanted}"
        );
    }
}

#[test]
fn the_engine_knows_neither_terraform_nor_lambda() {
    let graph = Graph::load();
    let tree = graph.tree_of("rdslink-engine");
    // The walk sees AWS crates where they are, so the plugin layer's check above can fail.
    assert!(tree.contains("aws-sdk-rds"), "{tree:?}");
    for unwanted in [
        "tfplugin",
        "tonic",
        "aws_lambda_events",
        "lambda_runtime",
        "chrono",
    ] {
        assert!(!tree.contains(unwanted), "the engine depends on {unwanted}");
    }
}
