//! The "Getting started" guide (`docs/guides/getting-started.md`) does what it says, against the
//! local AWS: its producer configuration shares the cluster's writer, its consumer configuration,
//! in another account, answers the database's own hostname with the endpoint.
//!
//! The configurations are the guide's own blocks, extracted from the markdown by their
//! `<!-- docs: file producer/main.tf -->` and `consumer/main.tf` markers and written unchanged.
//! Two documented substitutions adapt them to the emulator, as a user adapts them to their
//! accounts, without editing them:
//!
//! - `emulator_override.tf`, a Terraform override file, merges into the guide's `provider`
//!   block the emulator's endpoint, the region, the test's DNS server and the role into each
//!   emulated account (what credentials do for a user);
//! - `guide.auto.tfvars` gives the variables the values the guide passes with `-var`: the
//!   seeded VPCs and subnets, the consumer's account id, and the producer's outputs.
//!
//! What does not run here: `terraform init` (the harness installs the provider with
//! `dev_overrides`; the release tests install it from a mirror), and the commands against real
//! AWS (`dig`, `curl` of the RDS CA bundle, `psql`, and the `aws` CLI failover).

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use rdslink_acceptance_tests::case::TestCase;
use rdslink_acceptance_tests::doc_examples::{self, Configuration};
use rdslink_acceptance_tests::step::Step;
use rdslink_acceptance_tests::{Workspace, provider_block};
use rdslink_testkit::{Account, seed};

use super::consumer::{alias_of, assert_consumer_account_empty, endpoint, private_zones};
use super::endpoint_service::aws::{assert_nothing_owned_left, targets};
use super::endpoint_service::{Bench, list};

const GUIDE: &str = "guides/getting-started.md";

/// The guide's configuration that its `file` markers put in `dir`.
fn guide_configuration(dir: &str) -> Configuration {
    let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let markdown = std::fs::read_to_string(docs.join(GUIDE)).expect("the guide");
    let blocks = doc_examples::blocks(&markdown).expect("the guide's blocks");
    doc_examples::configuration_in(Path::new(GUIDE), &blocks, dir)
        .unwrap_or_else(|| panic!("docs/{GUIDE} has no blocks marked `file {dir}/...`"))
}

/// A workspace holding exactly the guide's files, plus the override file that points its
/// provider block at the emulator and at `account`.
async fn workspace(dir: &str, account: &Account, bench: &Bench) -> Workspace {
    let configuration = guide_configuration(dir);
    let workspace = Workspace::new(&configuration.text()).expect("workspace");
    std::fs::remove_file(workspace.path().join("main.tf")).unwrap();
    for (name, text) in &configuration.files {
        std::fs::write(workspace.path().join(name), text).unwrap();
    }
    let moto = rdslink_testkit::moto().await;
    let provider = provider_block(&moto.endpoint, &account.role_arn, bench.dns().addr());
    std::fs::write(workspace.path().join("emulator_override.tf"), provider).unwrap();
    workspace
}

/// Writes the variables' values, as the guide's `-var` flags give them.
fn set_variables(workspace: &Workspace, variables: &[(&str, String)]) {
    let text: String = variables
        .iter()
        .map(|(name, value)| format!("{name} = {value}\n"))
        .collect();
    std::fs::write(workspace.path().join("guide.auto.tfvars"), text).unwrap();
}

fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[tokio::test]
async fn the_getting_started_guide_connects_a_consumer_account_under_the_database_hostname() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let consumer = rdslink_testkit::fresh_account().await;
    let consumer_vpc = seed::default_vpc(&consumer).await;

    let producer = workspace("producer", bench.account(), &bench).await;
    set_variables(
        &producer,
        &[
            ("vpc_id", quoted(&bench.vpc.id)),
            ("subnet_ids", list(bench.subnets())),
            ("consumer_account_id", quoted(&consumer.id)),
        ],
    );
    let consumer_workspace = workspace("consumer", &consumer, &bench).await;
    let endpoint_id = OnceCell::<String>::new();

    TestCase::new(&producer)
        .check_destroy(async || {
            assert_consumer_account_empty(&consumer).await;
            assert_nothing_owned_left(bench.account()).await;
        })
        .step(
            Step::same_config()
                .named("the producer applies producer/main.tf")
                .check(async |_| {
                    let outputs = producer.outputs().await.unwrap();
                    assert_eq!(
                        outputs["database_hostname"]["value"], cluster.endpoint,
                        "the guide hands over the cluster endpoint"
                    );
                    assert_eq!(outputs["port"]["value"], cluster.port);
                    let state = super::endpoint_service::state_values_of(
                        &producer,
                        "rdslink_endpoint_service.orders",
                    )
                    .await
                    .expect("the guide's endpoint service");
                    let target_group = super::endpoint_service::text(&state, "target_group_arn");
                    let held: Vec<String> = targets(bench.account(), target_group)
                        .await
                        .into_iter()
                        .map(|(ip, _)| ip)
                        .collect();
                    assert_eq!(held, [cluster.writer().ip.to_string()]);
                }),
        )
        .step(
            Step::same_config()
                .named("the consumer applies consumer/main.tf with the producer's outputs")
                .in_workspace(&consumer_workspace)
                .pre_config(async || {
                    let outputs = producer.outputs().await.unwrap();
                    let output = |name: &str| outputs[name]["value"].to_string();
                    set_variables(
                        &consumer_workspace,
                        &[
                            ("service_name", output("service_name")),
                            ("database_hostname", output("database_hostname")),
                            ("port", output("port")),
                            ("vpc_id", quoted(&consumer_vpc.id)),
                            ("subnet_ids", list(&consumer_vpc.subnet_ids)),
                            ("client_cidr_blocks", "[\"10.20.0.0/16\"]".to_owned()),
                        ],
                    );
                })
                .check(async |_| {
                    let outputs = consumer_workspace.outputs().await.unwrap();
                    assert_eq!(outputs["state"]["value"], "available");
                    let id = outputs["endpoint_id"]["value"].as_str().unwrap().to_owned();
                    let found = endpoint(&consumer, &id).await;
                    let regional = found
                        .dns_entries()
                        .first()
                        .and_then(|entry| entry.dns_name())
                        .expect("a regional DNS name")
                        .trim_end_matches('.')
                        .to_owned();
                    // The database's own hostname, answered in the consumer VPC by the endpoint:
                    // what lets `psql ... sslmode=verify-full` pass.
                    let zones = private_zones(&consumer).await;
                    let names: Vec<&str> = zones.iter().map(|(name, _)| name.as_str()).collect();
                    assert_eq!(names, [cluster.endpoint.as_str()]);
                    let (name, zone) = &zones[0];
                    assert_eq!(
                        alias_of(&consumer, zone, name).await.as_deref(),
                        Some(regional.as_str())
                    );
                    endpoint_id.set(id).unwrap();
                }),
        )
        // The producer's `connections` learns of the consumer at its next refresh.
        .step(
            Step::same_config()
                .named("the producer sees the consumer's endpoint")
                .refresh_only()
                .check(async |_| {
                    let connections = producer
                        .terraform(&[
                            "state",
                            "show",
                            "-no-color",
                            "rdslink_endpoint_service.orders",
                        ])
                        .await
                        .unwrap()
                        .success()
                        .unwrap()
                        .stdout;
                    let id = endpoint_id.get().expect("step 2 recorded the endpoint");
                    assert!(connections.contains(id.as_str()), "{connections}");
                    assert!(connections.contains(consumer.id.as_str()), "{connections}");
                }),
        )
        .run()
        .await;
}
