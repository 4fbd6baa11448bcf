//! The provider killed (`kill -9`, as a crash or the OOM killer would) in the middle of a create,
//! at each point between two parts, the sync Lambda's included: Terraform records nothing, and the
//! parts made so far stay in AWS. The next apply must complete the bundle and the sync deployment
//! with exactly one of each part, and destroy must leave nothing behind.
//!
//! The provider reaches AWS through a [`FaultProxy`]. To hit a point exactly, the proxy holds the
//! create call that comes next; the test waits until the parts before it exist (asked of AWS) and
//! the provider has been silent for a while (it is waiting on the held call), then kills the
//! provider process terraform started for this workspace. The held call is then dropped (it never
//! happens), or forwarded (the part appears after the provider died, as when a create was already
//! on its way to AWS).

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdslink_acceptance_tests::process::kill_provider;
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::Account;
use rdslink_testkit::fault_proxy::{Fault, FaultPlan, FaultProxy, Rule};
use rdslink_testkit::seed;
use tokio::task::JoinHandle;

use super::super::aws::inventory;
use super::super::sync_aws::{SyncInventory, sync_inventory};
use super::super::{Bench, Service, state, text};
use super::{assert_target_group_holds, case_through};

/// How many (load balancers, target groups, listeners, endpoint services) the account holds, with
/// the ownership tag or without: the test's account holds nothing else, so a part that escaped
/// tagging counts too.
type Counts = (usize, usize, usize, usize);

/// How many sync (log groups, IAM roles, functions, EventBridge rules, schedules) the account
/// holds.
type SyncCounts = (usize, usize, usize, usize, usize);

fn sync_counts(inventory: &SyncInventory) -> SyncCounts {
    (
        inventory.log_groups.len(),
        inventory.roles.len(),
        inventory.functions.len(),
        inventory.rules.len(),
        inventory.schedules.len(),
    )
}

/// The whole sync deployment with the defaults: log group, the function's and the scheduler's
/// roles, function, rule, schedule.
const ALL_SYNC: SyncCounts = (1, 2, 1, 1, 1);
const BUNDLE: Counts = (1, 1, 1, 1);

/// Both inventories, as one comparable value.
async fn all_counts(account: &Account) -> (Counts, SyncCounts) {
    (
        inventory(account).await.counts(),
        sync_counts(&sync_inventory(account).await),
    )
}

/// A point of the create: the parts that exist there, and the call the provider waits on.
#[derive(Clone, Copy, Debug)]
struct KillPoint {
    /// The create call after those parts, held by the proxy while the provider is killed.
    held: &'static str,
    /// The parts that exist while the call is held.
    parts: Counts,
    /// The sync parts that exist while the call is held.
    sync: SyncCounts,
    fate: Fate,
}

/// What becomes of the held call once the provider is dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Dropped without forwarding: it never happens.
    Dropped,
    /// Forwarded once the hold ends: AWS makes the part, and nobody hears of it. The parts and
    /// sync parts then.
    Lands(Counts, SyncCounts),
}

/// The target group and the load balancer are made side by side, and the sync Lambda is deployed
/// as soon as the target group exists: while the load balancer is still being created, the
/// whole sync deployment is there.
const AFTER_THE_TARGET_GROUP: KillPoint = KillPoint {
    held: "CreateLoadBalancer",
    parts: (0, 1, 0, 0),
    sync: ALL_SYNC,
    fate: Fate::Dropped,
};
const AFTER_THE_LOAD_BALANCER: KillPoint = KillPoint {
    held: "CreateListener",
    parts: (1, 1, 0, 0),
    sync: ALL_SYNC,
    fate: Fate::Dropped,
};
const AFTER_THE_LISTENER: KillPoint = KillPoint {
    held: "CreateVpcEndpointServiceConfiguration",
    parts: (1, 1, 1, 0),
    sync: ALL_SYNC,
    fate: Fate::Dropped,
};
/// Every part exists, but the consumers are not allowed in yet.
const AFTER_THE_ENDPOINT_SERVICE: KillPoint = KillPoint {
    held: "ModifyVpcEndpointServicePermissions",
    parts: (1, 1, 1, 1),
    sync: ALL_SYNC,
    fate: Fate::Dropped,
};
/// The consumers are allowed in and the sync Lambda is deployed, but the target group is still
/// empty: registering the targets is the create's last step.
const AFTER_THE_PRINCIPALS: KillPoint = KillPoint {
    held: "RegisterTargets",
    parts: (1, 1, 1, 1),
    sync: ALL_SYNC,
    fate: Fate::Dropped,
};
/// The load balancer is created after the provider died: its name is the bundle's.
const LOAD_BALANCER_IN_FLIGHT: KillPoint = KillPoint {
    held: "CreateLoadBalancer",
    parts: (0, 1, 0, 0),
    sync: ALL_SYNC,
    fate: Fate::Lands((1, 1, 0, 0), ALL_SYNC),
};
/// The endpoint service is created after the provider died: unlike the other parts it has no
/// name, only the ownership tag tells it is the bundle's.
const ENDPOINT_SERVICE_IN_FLIGHT: KillPoint = KillPoint {
    held: "CreateVpcEndpointServiceConfiguration",
    parts: (1, 1, 1, 0),
    sync: ALL_SYNC,
    fate: Fate::Lands((1, 1, 1, 1), ALL_SYNC),
};

/// The rule that delivers the database's events is being created, beside the log group and both
/// roles (the function's and the scheduler's), which exist; the function, which waits for its
/// role, does not yet. The bundle, made alongside, is complete but holds no target.
const SYNC_BEFORE_THE_RULE: KillPoint = KillPoint {
    held: "PutRule",
    parts: BUNDLE,
    sync: (1, 2, 0, 0, 0),
    fate: Fate::Dropped,
};
/// The function is created after the provider died: the next apply finds it by its name and
/// ownership tag and brings it to the spec.
const SYNC_FUNCTION_IN_FLIGHT: KillPoint = KillPoint {
    held: "POST /2015-03-31/functions",
    parts: BUNDLE,
    sync: (1, 2, 0, 1, 0),
    fate: Fate::Lands(BUNDLE, (1, 2, 1, 1, 0)),
};

/// How long the proxy holds a call that is then dropped: far longer than finding and killing the
/// provider takes, and nobody waits for it.
const HOLD_DROPPED: Duration = Duration::from_secs(60);
/// How long the proxy holds a call that then lands: the next apply waits for it, so shorter, but
/// still several times what finding and killing the provider takes ([`QUIET`] and a little).
const HOLD_LANDING: Duration = Duration::from_secs(15);
/// Silence that means the provider waits on the held call: its other calls take milliseconds, and
/// its polls start at 200 ms.
const QUIET: Duration = Duration::from_secs(2);
/// How long the create may take to reach the point.
const REACH_TIMEOUT: Duration = Duration::from_secs(120);

/// Holds every `held` call, then drops or forwards it as `point.fate` says.
fn holding(point: KillPoint) -> FaultPlan {
    match point.fate {
        Fate::Dropped => FaultPlan::none()
            .rule(Rule::new(Fault::Delay(HOLD_DROPPED)).operation(point.held))
            .rule(Rule::new(Fault::DropBeforeForward).operation(point.held)),
        Fate::Lands(..) => {
            FaultPlan::none().rule(Rule::new(Fault::Delay(HOLD_LANDING)).operation(point.held))
        }
    }
}

/// Waits until the held call of a [`Fate::Lands`] point reached AWS, so that the next apply does
/// not race it.
async fn wait_for_landing(proxy: &FaultProxy, point: KillPoint) {
    let deadline = Instant::now() + HOLD_LANDING + Duration::from_secs(30);
    while !proxy
        .calls()
        .iter()
        .any(|call| call.operation == point.held && call.forwarded)
    {
        assert!(
            Instant::now() < deadline,
            "the held {} never reached the emulator",
            point.held
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the create reaches `point`, then kills the workspace's provider. On failure the
/// provider is killed too (so that the apply ends instead of waiting on held calls), and the error
/// says why.
async fn interrupt(
    proxy: Arc<FaultProxy>,
    account: Account,
    workspace: PathBuf,
    point: KillPoint,
) -> Result<(), String> {
    let deadline = Instant::now() + REACH_TIMEOUT;
    let failure = loop {
        let calls = proxy.calls();
        if calls.iter().any(|call| call.operation == point.held) {
            break format!("{} finished before the provider was killed", point.held);
        }
        let quiet = calls
            .last()
            .is_some_and(|call| call.finished.elapsed() >= QUIET);
        if quiet && all_counts(&account).await == (point.parts, point.sync) {
            return kill_provider(&workspace)
                .await
                .map(|_| ())
                .map_err(|err| format!("{err:#}"));
        }
        if Instant::now() > deadline {
            break format!(
                "the create did not reach {point:?} within {REACH_TIMEOUT:?}; parts: {:?}",
                all_counts(&account).await
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let operations: Vec<String> = proxy.calls().into_iter().map(|c| c.operation).collect();
    let _ = kill_provider(&workspace).await;
    Err(format!("{failure}\ncalls so far: {operations:?}"))
}

/// Kills the provider at `point` during the first apply, then applies again.
async fn killed_during_create_then_applied_again(point: KillPoint) {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let moto = rdslink_testkit::moto().await;
    let proxy = Arc::new(FaultProxy::start(&moto.endpoint, holding(point)).await);
    let watcher = Cell::new(None::<JoinHandle<Result<(), String>>>);
    case_through(&bench, &proxy)
        .await
        .check_destroy(async || {
            let left = inventory(bench.account()).await;
            assert!(left.is_empty(), "parts remain: {left:#?}");
            let sync = sync_inventory(bench.account()).await;
            assert!(sync.is_empty(), "sync parts remain: {sync:#?}");
        })
        .step(
            Step::config(Service::new(&bench, "orders").hcl())
                .named(format!("the provider killed while {} is held", point.held))
                .pre_config(async || {
                    watcher.set(Some(tokio::spawn(interrupt(
                        Arc::clone(&proxy),
                        bench.account().clone(),
                        bench.workspace().path().to_owned(),
                        point,
                    ))));
                })
                // Which of the two terraform reports depends on when it notices the plugin died.
                .expect_error("Plugin did not respond|request was cancelled")
                .expect_error("ApplyResourceChange")
                .check(async |_| {
                    let watching = watcher.take().expect("pre_config started the watcher");
                    if let Err(why) = watching.await.expect("the watcher panicked") {
                        panic!("the provider was not killed at {point:?}: {why}");
                    }
                    assert_eq!(
                        all_counts(bench.account()).await,
                        (point.parts, point.sync),
                        "the held call must not have happened yet"
                    );
                }),
        )
        .step(
            Step::same_config()
                .named("the next apply")
                .pre_config(async || {
                    proxy.set_plan(FaultPlan::none());
                    if let Fate::Lands(parts, sync) = point.fate {
                        wait_for_landing(&proxy, point).await;
                        assert_eq!(
                            all_counts(bench.account()).await,
                            (parts, sync),
                            "after the held call landed"
                        );
                    }
                })
                .check(async |_| {
                    let all = inventory(bench.account()).await;
                    assert_eq!(
                        all.counts(),
                        (1, 1, 1, 1),
                        "exactly one of each part: {all:#?}"
                    );
                    let owned = all.owned();
                    assert_eq!(owned.counts(), (1, 1, 1, 1), "each part tagged: {all:#?}");
                    let values = state(bench.workspace()).await;
                    assert!(owned.load_balancers.contains_key(text(&values, "nlb_arn")));
                    assert!(
                        owned
                            .target_groups
                            .contains_key(text(&values, "target_group_arn"))
                    );
                    assert!(owned.listeners.contains_key(text(&values, "listener_arn")));
                    assert!(owned.endpoint_services.contains_key(text(&values, "id")));
                    let sync = sync_inventory(bench.account()).await;
                    assert_eq!(
                        sync_counts(&sync),
                        ALL_SYNC,
                        "one of each sync part: {sync:#?}"
                    );
                    assert_eq!(sync.functions, ["rdslink-sync-orders"]);
                    assert_eq!(
                        values["sync"]["drift"],
                        serde_json::json!([]),
                        "the next apply finished the sync deployment"
                    );
                    let writer = cluster.writer();
                    assert_target_group_holds(&bench, bench.workspace(), writer.ip, cluster.port)
                        .await;
                }),
        )
        .run()
        .await;
}

#[tokio::test]
async fn a_provider_killed_after_the_target_group_leaves_one_bundle_after_the_next_apply() {
    killed_during_create_then_applied_again(AFTER_THE_TARGET_GROUP).await;
}

#[tokio::test]
async fn a_provider_killed_after_the_load_balancer_leaves_one_bundle_after_the_next_apply() {
    killed_during_create_then_applied_again(AFTER_THE_LOAD_BALANCER).await;
}

#[tokio::test]
async fn a_provider_killed_after_the_listener_leaves_one_bundle_after_the_next_apply() {
    killed_during_create_then_applied_again(AFTER_THE_LISTENER).await;
}

#[tokio::test]
async fn a_provider_killed_after_the_endpoint_service_leaves_one_bundle_after_the_next_apply() {
    killed_during_create_then_applied_again(AFTER_THE_ENDPOINT_SERVICE).await;
}

#[tokio::test]
async fn a_provider_killed_after_allowing_the_consumers_leaves_one_bundle_after_the_next_apply() {
    killed_during_create_then_applied_again(AFTER_THE_PRINCIPALS).await;
}

#[tokio::test]
async fn a_provider_killed_while_its_load_balancer_create_is_in_flight_leaves_one_bundle() {
    killed_during_create_then_applied_again(LOAD_BALANCER_IN_FLIGHT).await;
}

#[tokio::test]
async fn a_provider_killed_while_its_endpoint_service_create_is_in_flight_leaves_one_bundle() {
    killed_during_create_then_applied_again(ENDPOINT_SERVICE_IN_FLIGHT).await;
}

#[tokio::test]
async fn a_provider_killed_while_the_sync_rule_is_created_leaves_one_deployment() {
    killed_during_create_then_applied_again(SYNC_BEFORE_THE_RULE).await;
}

#[tokio::test]
async fn a_provider_killed_while_its_sync_function_create_is_in_flight_leaves_one_deployment() {
    killed_during_create_then_applied_again(SYNC_FUNCTION_IN_FLIGHT).await;
}
