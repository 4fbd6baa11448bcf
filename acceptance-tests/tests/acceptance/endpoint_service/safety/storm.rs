//! A fault storm: apply, plan and destroy, twenty times over, with a fifth of the provider's AWS
//! calls throttled, answered 5xx, or dropped before or after AWS performed them. Retries and
//! leftover adoption must carry nearly every cycle through, and no cycle may leak a part.
//!
//! The cycles tolerate failures (one in twenty), which a [`TestCase`] cannot express, so this test
//! drives terraform itself, and destroys and checks the account itself at the end.
//!
//! [`TestCase`]: rdslink_acceptance_tests::case::TestCase

use rdslink_acceptance_tests::{Run, Workspace};
use rdslink_testkit::fault_proxy::{FaultPlan, FaultProxy};
use rdslink_testkit::seed::{self, Cluster};

use super::super::aws::{inventory, targets};
use super::super::{Bench, Service, state_values, text};
use super::provider_through;

const CYCLES: usize = 20;
/// Cycles that must succeed: a storm may defeat the SDK's retries once.
const REQUIRED: usize = 19;
const SHARE_OF_FAULTED_CALLS: f64 = 0.20;
/// Fixed, so that a failing storm can be run again (the order of concurrent calls may still vary).
const SEED: u64 = 8;

#[tokio::test]
async fn twenty_cycles_under_a_fifth_of_calls_faulted_nearly_all_succeed_and_leak_nothing() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let proxy = FaultProxy::start(&rdslink_testkit::moto().await.endpoint, FaultPlan::none()).await;
    let workspace = bench.workspace();
    let configuration = format!(
        "{}\n{}",
        provider_through(&bench, &proxy).await,
        Service::new(&bench, "orders").hcl()
    );
    workspace.write_configuration(&configuration).unwrap();

    proxy.set_plan(FaultPlan::mixed(SHARE_OF_FAULTED_CALLS).with_seed(SEED));
    let mut failures = Vec::new();
    for cycle in 1..=CYCLES {
        if let Err(why) = one_cycle(&bench, &cluster).await {
            failures.push(format!("cycle {cycle}: {why}"));
        }
    }
    let injected = proxy.injections();

    // Whatever the storm left in the state goes now; what it left outside the state stays.
    proxy.set_plan(FaultPlan::none());
    let destroyed = terraform(workspace, &["destroy", "-auto-approve", "-no-color"]).await;
    assert_eq!(
        destroyed.code, 0,
        "the final destroy failed: {}",
        destroyed.stderr
    );
    let left = inventory(bench.account()).await;
    assert!(
        left.is_empty(),
        "the storm leaked parts: {left:#?}\nfailed cycles: {failures:#?}"
    );
    assert!(
        failures.len() <= CYCLES - REQUIRED,
        "{} of {CYCLES} cycles failed (at most {} may), with {injected:?} injected:\n{}",
        failures.len(),
        CYCLES - REQUIRED,
        failures.join("\n")
    );
}

/// Apply (the target group must then hold the writer), plan (must be empty), destroy. Stops at the
/// first failure, but always destroys, so that the next cycle starts from nothing.
async fn one_cycle(bench: &Bench, cluster: &Cluster) -> Result<(), String> {
    let workspace = bench.workspace();
    let outcome = apply_and_plan(bench, cluster).await;
    let destroyed = terraform(workspace, &["destroy", "-auto-approve", "-no-color"]).await;
    outcome?;
    if destroyed.code != 0 {
        return Err(format!("destroy failed: {}", summary(&destroyed)));
    }
    Ok(())
}

async fn apply_and_plan(bench: &Bench, cluster: &Cluster) -> Result<(), String> {
    let workspace = bench.workspace();
    let applied = terraform(workspace, &["apply", "-auto-approve", "-no-color"]).await;
    if applied.code != 0 {
        return Err(format!("apply failed: {}", summary(&applied)));
    }
    let values = state_values(workspace)
        .await
        .ok_or("the apply succeeded but the state holds no service")?;
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    let writer = (cluster.writer().ip.to_string(), i32::from(cluster.port));
    if registered != [writer].into() {
        return Err(format!("the target group holds {registered:?}"));
    }
    let planned = terraform(workspace, &["plan", "-detailed-exitcode", "-no-color"]).await;
    if planned.code != 0 {
        return Err(format!(
            "the plan after the apply exited {}: {}",
            planned.code,
            summary(&planned)
        ));
    }
    Ok(())
}

async fn terraform(workspace: &Workspace, args: &[&str]) -> Run {
    workspace
        .terraform(args)
        .await
        .unwrap_or_else(|err| panic!("running terraform {args:?}: {err:#}"))
}

/// The error lines of a run (or its plan summary), on one line each.
fn summary(run: &Run) -> String {
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .chain(run.stdout.lines())
        .filter(|line| line.starts_with("Error: ") || line.starts_with("Plan: "))
        .collect();
    if errors.is_empty() {
        format!("exit {}", run.code)
    } else {
        errors.join(" | ")
    }
}
