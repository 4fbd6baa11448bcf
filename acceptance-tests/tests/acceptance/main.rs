//! Acceptance tests: the real terraform CLI, the built provider, the local AWS (moto) and a loopback
//! DNS server. One test binary, a module per area.

mod bench_floor;
mod consumer;
mod database;
mod doc_examples;
mod docs;
mod endpoint_service;
mod getting_started;
mod logging;
mod migration;
mod schema;
mod validate;

use rdslink_acceptance_tests::case::TestCase;
use rdslink_acceptance_tests::{Workspace, provider_block};
use rdslink_testkit::{Account, DnsServer};

/// A test's world: its own emulated account, its own DNS server, and a terraform workspace whose
/// provider block reaches both.
pub struct World {
    pub account: Account,
    pub dns: DnsServer,
    pub workspace: Workspace,
}

impl World {
    /// `body` is the configuration after the provider block.
    pub async fn new(body: &str) -> World {
        let moto = rdslink_testkit::moto().await;
        let account = rdslink_testkit::fresh_account().await;
        let dns = DnsServer::start().await;
        let provider = provider_block(&moto.endpoint, &account.role_arn, dns.addr());
        let workspace = Workspace::new(&format!("{provider}\n{body}")).expect("workspace");
        World {
            account,
            dns,
            workspace,
        }
    }

    /// A test case on the workspace, whose step configurations follow the provider block. Only
    /// data sources live here: nothing outside the state to check after the destroy.
    pub async fn case(&self) -> TestCase<'_> {
        let moto = rdslink_testkit::moto().await;
        TestCase::new(&self.workspace)
            .preamble(provider_block(
                &moto.endpoint,
                &self.account.role_arn,
                self.dns.addr(),
            ))
            .nothing_to_check_after_destroy("data sources create nothing")
    }

    /// Replaces the configuration after the provider block.
    pub async fn reconfigure(&self, body: &str) {
        let moto = rdslink_testkit::moto().await;
        let provider = provider_block(&moto.endpoint, &self.account.role_arn, self.dns.addr());
        self.workspace
            .write_configuration(&format!("{provider}\n{body}"))
            .expect("main.tf");
    }
}

/// Terraform configuration for one `rdslink_database` data source `db` with `arguments`, exposing every
/// computed attribute as an output of the same name.
pub fn database_configuration(arguments: &str) -> String {
    let outputs = [
        "kind",
        "endpoint",
        "port",
        "vpc_id",
        "engine",
        "availability_zones",
        "writer_instance_identifier",
        "target_ips",
        "role",
    ]
    .iter()
    .map(|name| format!("output \"{name}\" {{\n  value = data.rdslink_database.db.{name}\n}}\n"))
    .collect::<String>();
    format!("data \"rdslink_database\" \"db\" {{\n{arguments}\n}}\n\n{outputs}")
}
