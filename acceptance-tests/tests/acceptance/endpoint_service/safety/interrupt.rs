//! A double Ctrl-C in the middle of a create: the first asks Terraform to stop gracefully, the
//! second makes it exit at once, without recording the resource being created. The parts made so
//! far stay in AWS, and no state names them.
//!
//! What Terraform does next (Terraform 1.5 and later): `terraform destroy` of a state that names
//! nothing plans nothing, and never calls the provider ("No objects need to be destroyed"), so no
//! provider can remove those parts through that destroy. The next `apply` does reach the provider:
//! its create adopts the parts (they carry the ownership tag for the name, and form no working
//! bundle, since the target group holds no targets yet), completing the bundle with exactly one of
//! each part, and that state's destroy then leaves nothing.
//!
//! To interrupt at an exact point, the proxy holds a call the provider does not cancel (the
//! targets' registration, which the engine's reconcile runs to its end), so that Terraform still
//! waits for the provider when the second Ctrl-C comes: the interruption is deterministic, not a
//! race with the provider's answer to the first. The held call is then dropped: it never happens.
//!
//! Every step of the create before that point stops on the first Ctrl-C: a single Ctrl-C while
//! the load balancer's attributes are being set (the call held) ends the apply at once, and
//! Terraform records the parts made so far, which its destroy removes.

use std::time::{Duration, Instant};

use rdslink_acceptance_tests::Workspace;
use rdslink_acceptance_tests::background::Background;
use rdslink_acceptance_tests::process::provider_processes;
use rdslink_testkit::Account;
use rdslink_testkit::fault_proxy::{Fault, FaultPlan, FaultProxy, Rule};
use rdslink_testkit::seed;

use super::super::aws::{Inventory, inventory};
use super::super::sync_aws::sync_inventory;
use super::super::{Bench, Service, state, state_values, text};
use super::{assert_target_group_holds, provider_through};

/// (load balancers, target groups, listeners, endpoint services), tagged or not.
type Counts = (usize, usize, usize, usize);

/// A point of the create where the provider waits on a call it cannot cancel.
#[derive(Clone, Copy, Debug)]
struct InterruptPoint {
    /// The call held (then dropped) by the proxy.
    held: &'static str,
    /// The parts that exist while it is held.
    parts: Counts,
    /// How many sync functions exist while it is held.
    sync_functions: usize,
}

/// The load balancer's attributes are set right after it became active; a step Ctrl-C stops.
/// The sync Lambda, deployed as soon as the target group exists, is there by then.
const AFTER_THE_LOAD_BALANCER: InterruptPoint = InterruptPoint {
    held: "ModifyLoadBalancerAttributes",
    parts: (1, 1, 0, 0),
    sync_functions: 1,
};
/// The bundle is complete; the sync deployment's first steps run (the log group, the roles and
/// the EventBridge rule, which is being created), and the function, which waits for its role,
/// does not exist yet (the targets are registered after the sync deployment, last).
const WHILE_THE_SYNC_RULE_IS_CREATED: InterruptPoint = InterruptPoint {
    held: "PutRule",
    parts: (1, 1, 1, 1),
    sync_functions: 0,
};
/// Every part exists, the consumers are allowed in and the sync Lambda is deployed; the targets
/// are registered last, through the engine's reconcile, which runs to its end.
const BEFORE_THE_TARGETS: InterruptPoint = InterruptPoint {
    held: "RegisterTargets",
    parts: (1, 1, 1, 1),
    sync_functions: 1,
};

/// Longer than everything the test does while the call is held; nobody waits for it.
const HOLD: Duration = Duration::from_secs(120);
/// Silence that means the provider waits on the held call: its other calls take milliseconds, and
/// its polls start at 200 ms.
const QUIET: Duration = Duration::from_secs(2);
/// How long the create may take to reach the point.
const REACH_TIMEOUT: Duration = Duration::from_secs(120);
/// How long Terraform may take to show it received the first interrupt, and to exit after the
/// second (it waits up to 5 s for the operation to return).
const REACTION_TIMEOUT: Duration = Duration::from_secs(30);
/// What Terraform prints on the first interrupt (standard output).
const FIRST_INTERRUPT: &str = "Interrupt received";
/// What Terraform prints on the second (standard error).
const SECOND_INTERRUPT: &str = "Two interrupts received";

/// Regression: setting the load balancer's attributes was outside the create's cancellable
/// steps, so a Ctrl-C there waited for the SDK's retries to run out.
#[tokio::test]
async fn one_ctrl_c_while_the_load_balancer_is_configured_stops_at_once_and_records_the_parts() {
    interrupted_once_then_destroyed(AFTER_THE_LOAD_BALANCER).await;
}

/// The sync Lambda's deployment stops on Ctrl-C too: the bundle and the sync parts made so far
/// are recorded, and destroy removes them all.
#[tokio::test]
async fn one_ctrl_c_while_the_sync_lambda_is_deployed_stops_at_once_and_destroy_removes_it() {
    interrupted_once_then_destroyed(WHILE_THE_SYNC_RULE_IS_CREATED).await;
}

async fn interrupted_once_then_destroyed(point: InterruptPoint) {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let holding = FaultPlan::none()
        .rule(Rule::new(Fault::Delay(HOLD)).operation(point.held))
        .rule(Rule::new(Fault::DropBeforeForward).operation(point.held));
    let proxy = FaultProxy::start(&rdslink_testkit::moto().await.endpoint, holding).await;
    let workspace = bench.workspace();
    let configuration = format!(
        "{}\n{}",
        provider_through(&bench, &proxy).await,
        Service::new(&bench, "orders").hcl()
    );
    workspace.write_configuration(&configuration).unwrap();

    let apply = workspace
        .start_terraform(&["apply", "-auto-approve", "-no-color"])
        .unwrap();
    if let Err(why) = reach(&proxy, bench.account(), point).await {
        let _ = apply.interrupt().await;
        let _ = apply.interrupt().await;
        let run = apply.finish(REACTION_TIMEOUT).await;
        panic!("the create did not reach {point:?}: {why}\n{run:#?}");
    }
    // One Ctrl-C: the apply ends long before the held call would (HOLD), without a second one.
    apply.interrupt().await.unwrap();
    let run = apply.finish(REACTION_TIMEOUT).await.unwrap();
    assert_ne!(run.code, 0, "an interrupted apply fails\n{run:#?}");
    assert!(
        !run.stderr.contains(SECOND_INTERRUPT),
        "one interrupt was enough\n{run:#?}"
    );
    providers_gone(workspace).await;

    // Terraform recorded what exists (the provider returned it with the stop), so its destroy
    // removes it.
    let leftovers = inventory(bench.account()).await;
    assert_eq!(leftovers.counts(), point.parts, "{leftovers:#?}");
    let values = state_values(workspace)
        .await
        .unwrap_or_else(|| panic!("the stopped apply records the parts it made\n{run:#?}"));
    assert_adopted(&leftovers, &values);
    let sync_leftovers = sync_inventory(bench.account()).await;
    assert_eq!(
        sync_leftovers.functions.len(),
        point.sync_functions,
        "{sync_leftovers:#?}"
    );
    proxy.set_plan(FaultPlan::none());
    workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap_or_else(|err| panic!("the destroy after the interrupt: {err:#}"));
    let left = inventory(bench.account()).await;
    assert!(left.is_empty(), "destroy left parts behind: {left:#?}");
    let sync_left = sync_inventory(bench.account()).await;
    assert!(
        sync_left.is_empty(),
        "destroy left sync parts behind: {sync_left:#?}"
    );
}

#[tokio::test]
async fn a_double_interrupt_before_the_targets_leaves_parts_the_next_apply_adopts() {
    interrupted_twice_then_destroyed_and_applied(BEFORE_THE_TARGETS).await;
}

async fn interrupted_twice_then_destroyed_and_applied(point: InterruptPoint) {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let holding = FaultPlan::none()
        .rule(Rule::new(Fault::Delay(HOLD)).operation(point.held))
        .rule(Rule::new(Fault::DropBeforeForward).operation(point.held));
    let proxy = FaultProxy::start(&rdslink_testkit::moto().await.endpoint, holding).await;
    let workspace = bench.workspace();
    let configuration = format!(
        "{}\n{}",
        provider_through(&bench, &proxy).await,
        Service::new(&bench, "orders").hcl()
    );
    workspace.write_configuration(&configuration).unwrap();

    // The apply, interrupted twice while the provider waits on the held call.
    let apply = workspace
        .start_terraform(&["apply", "-auto-approve", "-no-color"])
        .unwrap();
    if let Err(why) = reach(&proxy, bench.account(), point).await {
        let _ = apply.interrupt().await;
        let _ = apply.interrupt().await;
        let run = apply.finish(REACTION_TIMEOUT).await;
        panic!("the create did not reach {point:?}: {why}\n{run:#?}");
    }
    let run = interrupt_twice(apply).await;
    assert_ne!(run.code, 0, "an interrupted apply fails\n{run:#?}");
    assert!(
        run.stderr.contains(SECOND_INTERRUPT),
        "Terraform must have exited on the second interrupt\n{run:#?}"
    );
    providers_gone(workspace).await;
    assert_eq!(
        state_values(workspace).await,
        None,
        "after a double interrupt Terraform records nothing of the resource being created"
    );
    let leftovers = inventory(bench.account()).await;
    assert_eq!(
        leftovers.counts(),
        point.parts,
        "the parts made before the interrupt stay in AWS: {leftovers:#?}"
    );
    assert_eq!(
        leftovers.owned().counts(),
        point.parts,
        "each part carries the ownership tag: {leftovers:#?}"
    );
    proxy.set_plan(FaultPlan::none());

    // Terraform's destroy of a state naming nothing never reaches the provider.
    let destroyed = workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap_or_else(|err| panic!("the destroy after the interrupt: {err:#}"));
    assert!(
        destroyed.stdout.contains("No objects need to be destroyed"),
        "{destroyed:#?}"
    );
    let after_destroy = inventory(bench.account()).await;
    assert_eq!(
        after_destroy.counts(),
        point.parts,
        "Terraform does not call the provider to destroy an empty state: the parts stay \
         {after_destroy:#?}"
    );

    // The next apply adopts them, one of each, and its destroy leaves nothing.
    workspace
        .apply()
        .await
        .unwrap_or_else(|err| panic!("the apply after the interrupt: {err:#}"));
    let all = inventory(bench.account()).await;
    assert_eq!(
        all.counts(),
        (1, 1, 1, 1),
        "exactly one of each part: {all:#?}"
    );
    assert_eq!(all.owned().counts(), (1, 1, 1, 1), "each tagged: {all:#?}");
    let values = state(workspace).await;
    assert_adopted(&leftovers, &values);
    assert_target_group_holds(&bench, workspace, cluster.writer().ip, cluster.port).await;
    let (code, plan) = workspace.plan_exit_code(&[]).await.unwrap();
    assert_eq!(code, 0, "the plan after the apply must be empty\n{plan:#?}");

    workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap_or_else(|err| panic!("the final destroy: {err:#}"));
    let left = inventory(bench.account()).await;
    assert!(left.is_empty(), "destroy left parts behind: {left:#?}");
}

/// Waits until the parts before `point` exist and the provider has been silent for [`QUIET`]
/// (it waits on the held call).
async fn reach(proxy: &FaultProxy, account: &Account, point: InterruptPoint) -> Result<(), String> {
    let deadline = Instant::now() + REACH_TIMEOUT;
    loop {
        let calls = proxy.calls();
        if calls.iter().any(|call| call.operation == point.held) {
            return Err(format!("{} finished before the interrupt", point.held));
        }
        let quiet = calls
            .last()
            .is_some_and(|call| call.finished.elapsed() >= QUIET);
        if quiet && inventory(account).await.counts() == point.parts {
            return Ok(());
        }
        if Instant::now() > deadline {
            let operations: Vec<String> = calls.into_iter().map(|c| c.operation).collect();
            return Err(format!(
                "not within {REACH_TIMEOUT:?}; parts: {:?}; calls: {operations:?}",
                inventory(account).await.counts()
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Ctrl-C, then (once Terraform has shown it received it, so that the two signals cannot merge
/// into one) Ctrl-C again; returns what Terraform printed.
async fn interrupt_twice(mut apply: Background) -> rdslink_acceptance_tests::Run {
    apply.interrupt().await.unwrap();
    apply
        .wait_for_output(FIRST_INTERRUPT, REACTION_TIMEOUT)
        .await
        .unwrap();
    apply.interrupt().await.unwrap();
    apply.finish(REACTION_TIMEOUT).await.unwrap()
}

/// Terraform ends its provider processes when it exits; waits until they are gone, so that
/// nothing of the interrupted apply still runs when the next command starts.
async fn providers_gone(workspace: &Workspace) {
    let deadline = Instant::now() + REACTION_TIMEOUT;
    loop {
        let running = provider_processes(workspace.path()).unwrap();
        if running.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the interrupted apply's providers {running:?} still run"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The state names the parts the interrupted apply left (recorded or adopted, not made anew).
fn assert_adopted(leftovers: &Inventory, values: &serde_json::Value) {
    let adopted = [
        (&leftovers.load_balancers, "nlb_arn"),
        (&leftovers.target_groups, "target_group_arn"),
        (&leftovers.listeners, "listener_arn"),
        (&leftovers.endpoint_services, "id"),
    ];
    for (parts, attribute) in adopted {
        if let Some(leftover) = parts.keys().next() {
            assert_eq!(
                text(values, attribute),
                leftover,
                "the next apply must adopt the leftover, not make another ({attribute})"
            );
        }
    }
}
