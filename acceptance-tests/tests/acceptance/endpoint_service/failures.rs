//! Apply-time failures: a clear error, and nothing left behind (or nothing that destroy leaves).

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerSchemeEnum, LoadBalancerTypeEnum};
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::fault_proxy::{Fault, FaultPlan, FaultProxy, Rule};
use rdslink_testkit::seed;

use super::aws::{inventory, other_vpc};
use super::safety::case_through;
use super::sync_aws::sync_inventory;
use super::{ADDRESS, Bench, Service, state_list};

/// Nothing carries the ownership tag, and the state holds nothing. `context` explains a failure.
async fn assert_nothing_left(bench: &Bench, context: &str) {
    let owned = inventory(bench.account()).await.owned();
    assert!(
        owned.is_empty(),
        "parts with the ownership tag remain: {owned:#?}\n{context}"
    );
    assert_eq!(
        state_list(bench.workspace()).await,
        Vec::<String>::new(),
        "{context}"
    );
}

/// Terraform wraps diagnostics at 80 columns: compare with every run of whitespace as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the state records the resource as tainted (to be replaced by the next apply).
async fn is_tainted(workspace: &rdslink_acceptance_tests::Workspace) -> bool {
    let run = workspace
        .terraform(&["show", "-json", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let state: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("terraform show -json prints JSON");
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|resource| resource["address"] == ADDRESS && resource["tainted"] == true)
}

#[tokio::test]
async fn a_subnet_that_does_not_exist_fails_before_anything_is_created() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let missing = "subnet-0123456789abcdef0".to_owned();
    let service = Service {
        subnet_ids: vec![bench.subnets()[0].clone(), missing.clone()],
        ..Service::new(&bench, "orders")
    };
    bench
        .case()
        .await
        .step(
            Step::config(service.hcl())
                .expect_error(&format!("{missing} do not exist"))
                .expect_error("Nothing was created")
                .check(async |outcome| {
                    let stderr = &outcome.run.stderr;
                    assert!(
                        !one_line(stderr).contains(&bench.subnets()[0]),
                        "only the missing subnet is named: {stderr}"
                    );
                    assert_nothing_left(&bench, stderr).await;
                }),
        )
        .run()
        .await;
}

#[tokio::test]
async fn subnets_outside_the_vpc_fail_before_anything_is_created() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let (other_vpc_id, _) = other_vpc(bench.account()).await;
    // The default VPC's subnets, but another VPC.
    let service = Service {
        vpc_id: other_vpc_id.clone(),
        ..Service::new(&bench, "orders")
    };
    bench
        .case()
        .await
        .step(
            Step::config(service.hcl())
                .expect_error(&format!("not in VPC {other_vpc_id}"))
                // The stray subnets are named.
                .expect_error(&bench.subnets()[0])
                .expect_error("Nothing was created")
                .check(async |outcome| assert_nothing_left(&bench, &outcome.run.stderr).await),
        )
        .run()
        .await;
}

/// A load balancer rdslink would name `rdslink-orders`, but not rdslink's.
async fn foreign_load_balancer(bench: &Bench) -> String {
    bench
        .account()
        .elbv2()
        .create_load_balancer()
        .name("rdslink-orders")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(bench.subnets().to_vec()))
        .send()
        .await
        .expect("CreateLoadBalancer")
        .load_balancers()[0]
        .load_balancer_arn()
        .expect("ARN")
        .to_owned()
}

/// A load balancer named like the bundle's but not rdslink's: the create refuses before it makes
/// any part (the names are checked first), and leaves that load balancer alone.
#[tokio::test]
async fn a_load_balancer_name_held_by_something_else_is_refused_before_anything_is_created() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let foreign = foreign_load_balancer(&bench).await;
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl())
                .expect_error("rdslink-orders")
                .expect_error(&regex_lite::escape(&foreign))
                .check(async |outcome| {
                    assert_nothing_left(&bench, &outcome.run.stderr).await;
                    let sync = sync_inventory(bench.account()).await;
                    assert!(sync.is_empty(), "no sync part either: {sync:#?}");
                    let all = inventory(bench.account()).await;
                    assert_eq!(
                        all.load_balancers.keys().collect::<Vec<_>>(),
                        [&foreign],
                        "{all:#?}"
                    );
                    assert_eq!(all.counts(), (1, 0, 0, 0), "{all:#?}");
                }),
        )
        .run()
        .await;
}

/// Every CreateListener fails (AWS's 500, past the SDK's retries): the create stops with the
/// target group, the load balancer and the sync Lambda made.
fn listener_refused() -> FaultPlan {
    FaultPlan::none().rule(Rule::new(Fault::InternalError).operation("CreateListener"))
}

/// The parts made before the failure are recorded, tainted, and destroy removes them all.
#[tokio::test]
async fn a_failure_after_partial_creation_is_cleaned_up_by_destroy() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let proxy =
        FaultProxy::start(&rdslink_testkit::moto().await.endpoint, listener_refused()).await;
    case_through(&bench, &proxy)
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl())
                .expect_error("CreateListener")
                .check(async |_| {
                    let owned = inventory(bench.account()).await.owned();
                    assert_eq!(
                        owned.counts(),
                        (1, 1, 0, 0),
                        "the target group and the load balancer exist at this point: {owned:#?}"
                    );
                    assert!(
                        is_tainted(bench.workspace()).await,
                        "the parts created so far must be recorded, tainted, in the state"
                    );
                }),
        )
        .step(Step::same_config().destroy().check(async |destroyed| {
            assert_nothing_left(
                &bench,
                &format!("terraform destroy said:\n{}", destroyed.run.stdout),
            )
            .await;
            let sync = sync_inventory(bench.account()).await;
            assert!(sync.is_empty(), "destroy left sync parts: {sync:#?}");
        }))
        .run()
        .await;
}

/// After the same partial failure, once AWS accepts the listener, the next apply converges on one
/// bundle: the parts already created are reused or replaced, never duplicated.
#[tokio::test]
async fn the_apply_after_a_partial_failure_converges_without_duplicates() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let proxy =
        FaultProxy::start(&rdslink_testkit::moto().await.endpoint, listener_refused()).await;
    case_through(&bench, &proxy)
        .await
        .step(Step::config(Service::new(&bench, "orders").hcl()).expect_error("CreateListener"))
        // As after every apply, converged: the next plan is empty.
        .step(
            Step::same_config()
                .pre_config(async || proxy.set_plan(FaultPlan::none()))
                .check(async |_| {
                    let all = inventory(bench.account()).await;
                    assert_eq!(all.counts(), (1, 1, 1, 1), "{all:#?}");
                    assert_eq!(all.owned().counts(), (1, 1, 1, 1), "{all:#?}");
                    let values = super::state(bench.workspace()).await;
                    let parts = super::aws::parts(bench.account(), &values).await;
                    assert_eq!(parts.target_ips(), [cluster.writer().ip.to_string()]);
                }),
        )
        .run()
        .await;
}

/// The plan only warns when the database cannot be found (it may be created by the same apply);
/// the apply must then fail, naming the database, before creating anything.
#[tokio::test]
async fn a_database_that_does_not_exist_fails_the_apply_with_a_clear_error() {
    let bench = Bench::new().await;
    let service = Service::new(&bench, "orders").database("db_cluster_identifier = \"missing\"");
    bench
        .case()
        .await
        .step(
            Step::config(service.hcl())
                .expect_error("Cannot discover")
                .expect_error("\"missing\"")
                .check(async |outcome| {
                    let stderr = &outcome.run.stderr;
                    assert!(
                        !stderr.contains("panicked")
                            && !one_line(stderr).contains("bug in the provider"),
                        "{stderr}"
                    );
                    assert_nothing_left(&bench, stderr).await;
                }),
        )
        .run()
        .await;
}
