//! Safety (issue 8): what must hold when several configurations share an account, when the world
//! changes between plan and apply, when parts are changed behind Terraform's back, on import into
//! a fresh directory, when the provider dies in the middle of a create, and for null list
//! elements. Each test is named after the defect it pins.
//!
//! Everything is checked through the AWS API (never through the provider's own code) as well as
//! through Terraform's view.

mod crash;
mod interrupt;
mod lost_responses;
mod ownership;
mod refresh;
mod reimport;
mod repair;
mod replan;
mod storm;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use rdslink_acceptance_tests::Workspace;
use rdslink_acceptance_tests::case::TestCase;
use rdslink_testkit::Account;
use rdslink_testkit::fault_proxy::FaultProxy;
use serde_json::{Value, json};

use super::aws::{Tags, assert_nothing_owned_left, parts, targets};
use super::{Bench, state, text};

/// The bench's provider block, with every AWS call going through `proxy` (which logs them, and
/// injects what its plan says).
pub async fn provider_through(bench: &Bench, proxy: &FaultProxy) -> String {
    let moto = rdslink_testkit::moto().await;
    let provider = bench.provider().await;
    let through_proxy = provider.replace(&moto.endpoint, &proxy.endpoint());
    assert_ne!(
        through_proxy, provider,
        "the provider block does not name the emulator's endpoint"
    );
    through_proxy
}

/// [`Bench::case`], with the provider going through `proxy` ([`provider_through`]).
pub async fn case_through<'a>(bench: &'a Bench, proxy: &FaultProxy) -> TestCase<'a> {
    TestCase::new(bench.workspace())
        .preamble(provider_through(bench, proxy).await)
        .check_destroy(async || assert_nothing_owned_left(bench.account()).await)
}

/// Everything of a bundle another configuration must not touch, as AWS reports it.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub service_id: String,
    pub load_balancer_arn: String,
    pub target_group_arn: String,
    pub listener_arn: String,
    /// The load balancers the endpoint service hands connections to.
    pub service_load_balancers: Vec<String>,
    /// The target group the listener forwards to.
    pub listener_target_group: Option<String>,
    /// (ip, port) of every registered target.
    pub targets: BTreeSet<(String, i32)>,
    pub principals: BTreeSet<String>,
    pub acceptance_required: Option<bool>,
    /// Every part's tags, by part.
    pub tags: BTreeMap<&'static str, Tags>,
}

/// Reads, through the SDK, the bundle whose parts `state` names.
pub async fn snapshot(account: &Account, state: &Value) -> Snapshot {
    let parts = parts(account, state).await;
    let mut service_load_balancers = parts.service.network_load_balancer_arns().to_vec();
    service_load_balancers.sort();
    Snapshot {
        service_id: text(state, "id").to_owned(),
        load_balancer_arn: text(state, "nlb_arn").to_owned(),
        target_group_arn: text(state, "target_group_arn").to_owned(),
        listener_arn: text(state, "listener_arn").to_owned(),
        service_load_balancers,
        listener_target_group: forward_target(&parts.listener),
        targets: parts.targets.clone(),
        principals: parts.principals.clone(),
        acceptance_required: parts.service.acceptance_required(),
        tags: parts
            .all_tags()
            .into_iter()
            .map(|(part, tags)| (part, tags.clone()))
            .collect(),
    }
}

/// The target group a listener forwards to, when it forwards to exactly one.
pub fn forward_target(
    listener: &aws_sdk_elasticloadbalancingv2::types::Listener,
) -> Option<String> {
    match listener.default_actions() {
        [action] => action.target_group_arn().map(str::to_owned),
        _ => None,
    }
}

/// After an apply: the workspace's target group holds exactly `ip` on `port` in AWS, and the
/// state says so.
pub async fn assert_target_group_holds(
    bench: &Bench,
    workspace: &Workspace,
    ip: Ipv4Addr,
    port: u16,
) {
    let values = state(workspace).await;
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    assert_eq!(
        registered,
        BTreeSet::from([(ip.to_string(), i32::from(port))]),
        "the target group must hold exactly the database's current primary"
    );
    assert_eq!(values["registered_targets"], json!([ip.to_string()]));
}

/// How many error diagnostics terraform printed (each starts with `Error: `).
pub fn error_count(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|line| {
            line.trim_start_matches(['│', ' ', '╷'])
                .starts_with("Error: ")
        })
        .count()
}

#[test]
fn error_count_counts_terraform_diagnostics() {
    // As -no-color prints them, and in boxes as a terminal shows them.
    let plain =
        "Error: Name taken\n\n  with rdslink_endpoint_service.this,\n\nvpce-svc-1\n\nError: Two\n";
    assert_eq!(error_count(plain), 2);
    assert_eq!(
        error_count("╷\n│ Error: Name taken\n│ \n│ vpce-svc-1\n╵\n"),
        1
    );
    assert_eq!(error_count("Warning: Provider development overrides\n"), 0);
}
