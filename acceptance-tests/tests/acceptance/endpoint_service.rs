//! `resource "rdslink_endpoint_service"` with the real terraform CLI against the local AWS. Every
//! claim is checked through the AWS API as well as through Terraform's view: a provider that only
//! reported success would fail here.
//!
//! Each test runs in its own emulated account ([`Bench`]), with its own DNS server and workspace,
//! so the tests run in parallel on one emulator. Tests are [`Bench::case`]s: the harness checks that
//! the plan after every apply is empty, and that after the final destroy nothing carrying the
//! ownership tag is left in the account.

pub mod aws;
mod basic;
mod destroy;
mod disappears;
mod drift;
mod failures;
mod import;
mod plan_actions;
mod quickstart;
mod round_trips;
mod safety;
mod selectors;
mod sync;
mod sync_aws;
mod validate;

use std::collections::BTreeSet;

use rdslink_acceptance_tests::case::TestCase;
use rdslink_acceptance_tests::{Workspace, provider_block};
use rdslink_testkit::seed::{self, Vpc};
use rdslink_testkit::{Account, DnsServer};
use serde_json::Value;

use crate::World;

/// The tag rdslink puts on every part, valued with the resource's `name`.
pub const OWNERSHIP_TAG: &str = "rdslink:endpoint-service";

/// The tag recording the database selector on every part, so that an import can read it back
/// (issue 8: import round-trips).
pub const DATABASE_TAG: &str = "rdslink:database";

/// The provider's `default_tags` in every [`Bench`]: each part must carry it.
pub const DEFAULT_TAG: (&str, &str) = ("managed-by", "rdslink-acceptance");

/// The consumer account allowed to connect in most configurations.
pub const CONSUMER: &str = "arn:aws:iam::222222222222:root";

/// The address of the resource every configuration here declares.
pub const ADDRESS: &str = "rdslink_endpoint_service.this";

/// A test's producer account: a [`World`] whose provider also sets `default_tags`, and the
/// account's default VPC.
pub struct Bench {
    pub world: World,
    pub vpc: Vpc,
}

impl Bench {
    pub async fn new() -> Bench {
        let world = World::new("").await;
        let vpc = seed::default_vpc(&world.account).await;
        Bench { world, vpc }
    }

    pub fn account(&self) -> &Account {
        &self.world.account
    }

    pub fn dns(&self) -> &DnsServer {
        &self.world.dns
    }

    pub fn workspace(&self) -> &Workspace {
        &self.world.workspace
    }

    /// The provider block: this account (through `assume_role`), this DNS server, default tags.
    pub async fn provider(&self) -> String {
        let moto = rdslink_testkit::moto().await;
        let block = provider_block(
            &moto.endpoint,
            &self.world.account.role_arn,
            self.world.dns.addr(),
        );
        let (key, value) = DEFAULT_TAG;
        // provider_block ends with the block's closing brace: add default_tags inside it.
        let open = block
            .trim_end()
            .strip_suffix('}')
            .expect("provider_block ends with `}`");
        format!("{open}  default_tags = {{\n    \"{key}\" = \"{value}\"\n  }}\n}}\n")
    }

    /// A test case on the main workspace: step configurations follow this bench's provider block,
    /// and after the case's destroy nothing carrying the ownership tag may remain in the account.
    pub async fn case(&self) -> TestCase<'_> {
        TestCase::new(self.workspace())
            .preamble(self.provider().await)
            .check_destroy(async || aws::assert_nothing_owned_left(self.account()).await)
    }

    /// Another workspace (its own state) on the same account and DNS server.
    pub async fn other_workspace(&self, body: &str) -> Workspace {
        Workspace::new(&format!("{}\n{body}", self.provider().await)).expect("workspace")
    }

    /// The default VPC's subnets, one per availability zone.
    pub fn subnets(&self) -> &[String] {
        &self.vpc.subnet_ids
    }
}

/// `resource "rdslink_endpoint_service" "this"` in HCL, built from the arguments a test cares about.
#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    /// The selector lines, e.g. `db_cluster_identifier = "orders"`.
    pub database: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub allowed_principals: Vec<String>,
    /// Further arguments and blocks, verbatim.
    pub extra: Vec<String>,
}

impl Service {
    /// A service `name` for cluster `orders` in the default VPC, open to [`CONSUMER`].
    pub fn new(bench: &Bench, name: &str) -> Service {
        Service {
            name: name.to_owned(),
            database: "db_cluster_identifier = \"orders\"".to_owned(),
            vpc_id: bench.vpc.id.clone(),
            subnet_ids: bench.subnets().to_vec(),
            allowed_principals: vec![CONSUMER.to_owned()],
            extra: Vec::new(),
        }
    }

    pub fn database(mut self, selector: &str) -> Service {
        self.database = selector.to_owned();
        self
    }

    pub fn principals(mut self, principals: &[&str]) -> Service {
        self.allowed_principals = principals.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// Adds an argument or block, verbatim (e.g. `port = 6543`).
    pub fn with(mut self, hcl: &str) -> Service {
        self.extra.push(hcl.to_owned());
        self
    }

    pub fn hcl(&self) -> String {
        self.hcl_labelled("this")
    }

    /// The resource block with another label than `this`.
    pub fn hcl_labelled(&self, label: &str) -> String {
        let mut lines = vec![
            format!("name = {}", quoted(&self.name)),
            self.database.clone(),
            format!("vpc_id = {}", quoted(&self.vpc_id)),
            format!("subnet_ids = {}", list(&self.subnet_ids)),
            format!("allowed_principals = {}", list(&self.allowed_principals)),
        ];
        lines.extend(self.extra.iter().cloned());
        let body: String = lines.iter().map(|line| format!("  {line}\n")).collect();
        format!("resource \"rdslink_endpoint_service\" \"{label}\" {{\n{body}}}\n")
    }
}

fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

/// An HCL list of strings.
pub fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| quoted(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The resource's attributes in the workspace's state (`terraform show -json`), or `None` when
/// the state holds no such resource.
pub async fn state_values(workspace: &Workspace) -> Option<Value> {
    state_values_of(workspace, ADDRESS).await
}

/// The attributes of the resource at `address` in the workspace's state, if it holds one.
pub async fn state_values_of(workspace: &Workspace, address: &str) -> Option<Value> {
    let run = workspace
        .terraform(&["show", "-json", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let state: Value = serde_json::from_str(&run.stdout).expect("terraform show -json prints JSON");
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|resource| resource["address"] == address)
        .map(|resource| resource["values"].clone())
}

/// [`state_values`] of a resource that must exist.
pub async fn state(workspace: &Workspace) -> Value {
    state_values(workspace)
        .await
        .unwrap_or_else(|| panic!("{ADDRESS} is not in the state"))
}

/// A string attribute of a state.
pub fn text<'a>(values: &'a Value, attribute: &str) -> &'a str {
    values[attribute]
        .as_str()
        .unwrap_or_else(|| panic!("{attribute} is not a string in {values:#}"))
}

/// A list or set attribute of a state, as a set.
pub fn strings(values: &Value, attribute: &str) -> BTreeSet<String> {
    values[attribute]
        .as_array()
        .unwrap_or_else(|| panic!("{attribute} is not a list in {values:#}"))
        .iter()
        .map(|v| v.as_str().expect("strings").to_owned())
        .collect()
}

/// The resource's planned actions (`["update"]`, `["delete", "create"]`, ...); `["no-op"]` when
/// nothing changes.
pub fn actions(plan: &Value) -> Vec<String> {
    let change = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|change| change["address"] == ADDRESS)
        .unwrap_or_else(|| panic!("the plan has no change for {ADDRESS}: {plan:#}"));
    change["change"]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a.as_str().expect("action").to_owned())
        .collect()
}

/// Whether `actions` replace the resource (in either order).
pub fn is_replacement(actions: &[String]) -> bool {
    let mut sorted = actions.to_vec();
    sorted.sort();
    sorted == ["create", "delete"]
}

/// `terraform state list`: the addresses the state holds.
pub async fn state_list(workspace: &Workspace) -> Vec<String> {
    let run = workspace
        .terraform(&["state", "list"])
        .await
        .unwrap()
        .success()
        .unwrap();
    run.stdout
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.trim().is_empty())
        .collect()
}
