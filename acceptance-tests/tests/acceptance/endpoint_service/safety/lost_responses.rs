//! Lost responses: AWS performs a create, and the answer never reaches the provider (the
//! connection drops after the call was forwarded). The SDK retries the call; the retry either
//! gets the same part (the call is idempotent, or carries a client token), or is refused because
//! the part exists, and the provider then looks the part up by its name and ownership tag. Either
//! way the bundle must end with exactly one of each part, every part recorded, and destroy must
//! leave nothing.
//!
//! Both tests drive terraform themselves: whether the first apply succeeds or fails with the parts
//! recorded (and the next apply completes) is the provider's choice, and both are correct.
//! Counting goes through the SDK ([`inventory`]), tagged or not: the test's account holds nothing
//! else, so a duplicate that escaped tagging counts too.

use rdslink_acceptance_tests::{Run, Workspace};
use rdslink_testkit::fault_proxy::{Fault, FaultKind, FaultPlan, FaultProxy, Rule};
use rdslink_testkit::seed::{self, Cluster};

use super::super::aws::inventory;
use super::super::{Bench, Service, state, state_values, text};
use super::{assert_target_group_holds, provider_through};

/// Every call a create makes that brings a part, a setting of it, or a target into being.
const CREATE_CALLS: [&str; 8] = [
    "CreateTargetGroup",
    "ModifyTargetGroupAttributes",
    "CreateLoadBalancer",
    "ModifyLoadBalancerAttributes",
    "CreateListener",
    "CreateVpcEndpointServiceConfiguration",
    "ModifyVpcEndpointServicePermissions",
    "RegisterTargets",
];

/// The endpoint service's create, whose answer the second test loses on every attempt.
const CREATE_SERVICE: &str = "CreateVpcEndpointServiceConfiguration";

/// More than the provider's SDK attempts per call (10, `provider::aws::retry_config`): every
/// attempt of the first create call loses its answer, and so would a second create call.
const MORE_THAN_THE_SDK_ATTEMPTS: u64 = 12;

#[tokio::test]
async fn the_response_of_every_create_lost_once_leaves_one_of_each_part_and_nothing_after_destroy()
{
    let mut plan = FaultPlan::none();
    for operation in CREATE_CALLS {
        plan = plan.rule(
            Rule::new(Fault::DropAfterForward)
                .operation(operation)
                .times(1),
        );
    }
    let (bench, cluster, proxy) = start(plan).await;

    let first = terraform(bench.workspace(), &["apply", "-auto-approve", "-no-color"]).await;
    for operation in CREATE_CALLS {
        assert_eq!(
            proxy.injected_into(operation, FaultKind::DropAfterForward),
            1,
            "the answer of {operation} must have been lost once\n{}",
            shown(&first)
        );
    }
    proxy.set_plan(FaultPlan::none());
    converges_to_one_bundle(&bench, &cluster, first).await;
    destroys_everything(&bench).await;
}

/// Every SDK attempt of the endpoint service's create is performed and loses its answer, so the
/// create call fails. The provider then finds the service by its ownership tag on the bundle's
/// load balancer and records it (today the apply then succeeds; a failure recording it would do
/// too).
#[tokio::test]
async fn the_endpoint_service_create_answer_lost_on_every_attempt_leaves_one_service() {
    let plan = FaultPlan::none().rule(
        Rule::new(Fault::DropAfterForward)
            .operation(CREATE_SERVICE)
            .times(MORE_THAN_THE_SDK_ATTEMPTS),
    );
    let (bench, cluster, proxy) = start(plan).await;

    let first = terraform(bench.workspace(), &["apply", "-auto-approve", "-no-color"]).await;
    let lost = proxy.injected_into(CREATE_SERVICE, FaultKind::DropAfterForward);
    assert!(
        lost >= 2,
        "the SDK must have retried the lost create (lost {lost} answers)\n{}",
        shown(&first)
    );
    eprintln!("{lost} answers of {CREATE_SERVICE} lost");
    // Every attempt was performed by AWS; the client token makes them one service.
    let services = inventory(bench.account()).await.endpoint_services;
    assert_eq!(
        services.len(),
        1,
        "{lost} attempts of one create must make one endpoint service: {services:#?}"
    );
    proxy.set_plan(FaultPlan::none());
    converges_to_one_bundle(&bench, &cluster, first).await;
    destroys_everything(&bench).await;
}

/// A bench with one cluster, and a workspace whose provider goes through a proxy injecting `plan`.
async fn start(plan: FaultPlan) -> (Bench, Cluster, FaultProxy) {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let proxy = FaultProxy::start(&rdslink_testkit::moto().await.endpoint, plan).await;
    let configuration = format!(
        "{}\n{}",
        provider_through(&bench, &proxy).await,
        Service::new(&bench, "orders").hcl()
    );
    bench
        .workspace()
        .write_configuration(&configuration)
        .unwrap();
    (bench, cluster, proxy)
}

/// After the faulted `first` apply (and, when it failed, one more apply without faults): exactly
/// one of each part in the account, each tagged and each the state's, the target group holding
/// the writer, and nothing left to plan.
async fn converges_to_one_bundle(bench: &Bench, cluster: &Cluster, first: Run) {
    let workspace = bench.workspace();
    // Which of the two correct outcomes the provider chose, for whoever reads the test's output.
    eprintln!("the apply with lost responses exited {}", first.code);
    if first.code != 0 {
        // A failed create records what exists (tainted): nothing may be unrecorded.
        let all = inventory(bench.account()).await;
        let Some(recorded) = state_values(workspace).await else {
            panic!(
                "the apply failed and recorded nothing: {all:#?}\n{}",
                shown(&first)
            );
        };
        for (part, attribute, exists) in [
            ("load balancer", "nlb_arn", !all.load_balancers.is_empty()),
            (
                "target group",
                "target_group_arn",
                !all.target_groups.is_empty(),
            ),
            ("listener", "listener_arn", !all.listeners.is_empty()),
            ("endpoint service", "id", !all.endpoint_services.is_empty()),
        ] {
            assert!(
                !exists || recorded[attribute].is_string(),
                "the {part} exists but the failed apply did not record it: {all:#?}\n{recorded:#}"
            );
        }
        terraform(workspace, &["apply", "-auto-approve", "-no-color"])
            .await
            .success()
            .unwrap_or_else(|err| panic!("the apply after the failed one: {err:#}"));
    }
    let all = inventory(bench.account()).await;
    assert_eq!(
        all.counts(),
        (1, 1, 1, 1),
        "exactly one of each part: {all:#?}"
    );
    let owned = all.owned();
    assert_eq!(owned.counts(), (1, 1, 1, 1), "each part tagged: {all:#?}");
    let values = state(workspace).await;
    assert!(owned.load_balancers.contains_key(text(&values, "nlb_arn")));
    assert!(
        owned
            .target_groups
            .contains_key(text(&values, "target_group_arn"))
    );
    assert!(owned.listeners.contains_key(text(&values, "listener_arn")));
    assert!(owned.endpoint_services.contains_key(text(&values, "id")));
    assert_target_group_holds(bench, workspace, cluster.writer().ip, cluster.port).await;
    let (code, plan) = workspace.plan_exit_code(&[]).await.unwrap();
    assert_eq!(
        code,
        0,
        "the plan after the apply must be empty\n{}",
        shown(&plan)
    );
}

/// `terraform destroy` succeeds and leaves nothing in the account, tagged or not.
async fn destroys_everything(bench: &Bench) {
    let destroyed = terraform(
        bench.workspace(),
        &["destroy", "-auto-approve", "-no-color"],
    )
    .await;
    assert_eq!(destroyed.code, 0, "destroy failed\n{}", shown(&destroyed));
    let left = inventory(bench.account()).await;
    assert!(left.is_empty(), "destroy left parts behind: {left:#?}");
}

async fn terraform(workspace: &Workspace, args: &[&str]) -> Run {
    workspace
        .terraform(args)
        .await
        .unwrap_or_else(|err| panic!("running terraform {args:?}: {err:#}"))
}

fn shown(run: &Run) -> String {
    format!(
        "terraform exited {}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}
