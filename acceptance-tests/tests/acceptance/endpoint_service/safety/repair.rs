//! Parts changed behind Terraform's back while the world moved on: a target group deleted while the
//! database failed over, and an endpoint service re-pointed to another load balancer. The plan must
//! show it, and the apply must put the bundle right, with the target group on the primary of now.

use std::cell::OnceCell;

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerSchemeEnum, LoadBalancerTypeEnum};
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::fault_proxy::{Call, FaultPlan, FaultProxy};
use rdslink_testkit::seed::{self, Cluster, Member};
use serde_json::Value;

use super::super::aws::{inventory, service};
use super::super::{Bench, Service, state, text};
use super::{assert_target_group_holds, case_through, snapshot};

/// Deletes the bundle's listener, then its target group, as AWS requires: it refuses to delete a
/// target group a listener forwards to.
async fn delete_target_group(bench: &Bench, before: &Value) {
    let elbv2 = bench.account().elbv2();
    elbv2
        .delete_listener()
        .listener_arn(text(before, "listener_arn"))
        .send()
        .await
        .expect("DeleteListener");
    elbv2
        .delete_target_group()
        .target_group_arn(text(before, "target_group_arn"))
        .send()
        .await
        .expect("DeleteTargetGroup");
}

/// After the repair: one new target group holding `writer` only, the listener forwarding to it,
/// the load balancer kept, and one of each part.
async fn assert_rebuilt(bench: &Bench, cluster: &Cluster, writer: &Member, before: &Value) {
    assert_target_group_holds(bench, bench.workspace(), writer.ip, cluster.port).await;
    let after = state(bench.workspace()).await;
    assert_ne!(
        after["target_group_arn"], before["target_group_arn"],
        "the state still names the deleted target group"
    );
    let rebuilt = snapshot(bench.account(), &after).await;
    assert_eq!(
        rebuilt.listener_target_group.as_deref(),
        Some(text(&after, "target_group_arn")),
        "the listener must forward to the recreated target group"
    );
    assert_eq!(rebuilt.load_balancer_arn, text(before, "nlb_arn"));
    let owned = inventory(bench.account()).await.owned();
    assert_eq!(owned.counts(), (1, 1, 1, 1), "{owned:#?}");
}

/// The position in `calls` of the first successful call of any of `operations`.
fn first_success(calls: &[Call], operations: &[&str]) -> Option<usize> {
    calls
        .iter()
        .position(|call| operations.contains(&call.operation.as_str()) && call.status == Some(200))
}

#[tokio::test]
async fn a_target_group_deleted_in_a_failover_holds_the_new_primary_before_a_listener_serves_it() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    // Only to log the provider's calls: nothing is injected.
    let proxy = FaultProxy::start(&rdslink_testkit::moto().await.endpoint, FaultPlan::none()).await;
    let recorded = OnceCell::<Value>::new();
    let before = || recorded.get().expect("step 1 recorded the state");
    let new_writer = OnceCell::<Member>::new();
    case_through(&bench, &proxy)
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl()).check(async |_| {
                recorded.set(state(bench.workspace()).await).unwrap();
            }),
        )
        .step(
            Step::same_config()
                .pre_config(async || {
                    let id = seed::failover_cluster(bench.account(), &cluster, None).await;
                    new_writer.set(cluster.member(&id).clone()).unwrap();
                    delete_target_group(&bench, before()).await;
                })
                .plan_only()
                .expect_non_empty_plan("the missing target group and listener must show"),
        )
        .step(
            Step::same_config()
                .pre_config(async || proxy.clear())
                .check(async |_| {
                    let writer = new_writer.get().expect("the failover happened");
                    assert_rebuilt(&bench, &cluster, writer, before()).await;
                    // Consumers' connections reach the target group as soon as a listener forwards
                    // to it: by then it must hold the primary.
                    let calls = proxy.forwarded_calls();
                    let operations: Vec<&str> =
                        calls.iter().map(|call| call.operation.as_str()).collect();
                    let registered = first_success(&calls, &["RegisterTargets"])
                        .unwrap_or_else(|| panic!("no RegisterTargets: {operations:?}"));
                    let forwarding = first_success(&calls, &["CreateListener", "ModifyListener"])
                        .unwrap_or_else(|| panic!("no listener was created: {operations:?}"));
                    assert!(
                        registered < forwarding,
                        "the listener forwarded to the recreated target group before it held the \
                         primary: {operations:?}"
                    );
                }),
        )
        .run()
        .await;
}

#[tokio::test]
async fn a_saved_plan_rebuilding_a_deleted_target_group_holds_the_primary_of_apply_time() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let recorded = OnceCell::<Value>::new();
    let before = || recorded.get().expect("step 1 recorded the state");
    let new_writer = OnceCell::<Member>::new();
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl()).check(async |_| {
                recorded.set(state(bench.workspace()).await).unwrap();
            }),
        )
        .step(
            Step::same_config()
                .named("a saved plan rebuilding the deleted target group")
                .pre_config(async || delete_target_group(&bench, before()).await)
                .plan_only()
                .expect_non_empty_plan("the missing target group and listener must show"),
        )
        .step(
            Step::same_config()
                .named("the saved plan, applied after a failover")
                .pre_config(async || {
                    let id = seed::failover_cluster(bench.account(), &cluster, None).await;
                    new_writer.set(cluster.member(&id).clone()).unwrap();
                })
                .apply_saved_plan()
                .check(async |_| {
                    let writer = new_writer.get().expect("the failover happened");
                    assert_rebuilt(&bench, &cluster, writer, before()).await;
                }),
        )
        .run()
        .await;
}

/// An internal network load balancer that is not rdslink's, in the bench's subnets.
async fn stranger_load_balancer(bench: &Bench) -> String {
    bench
        .account()
        .elbv2()
        .create_load_balancer()
        .name("stranger")
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

#[tokio::test]
async fn an_endpoint_service_repointed_to_another_load_balancer_is_planned_and_pointed_back() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let recorded = OnceCell::<Value>::new();
    let before = || recorded.get().expect("step 1 recorded the state");
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl()).check(async |_| {
                recorded.set(state(bench.workspace()).await).unwrap();
            }),
        )
        .step(
            Step::same_config()
                .pre_config(async || {
                    let stranger = stranger_load_balancer(&bench).await;
                    bench
                        .account()
                        .ec2()
                        .modify_vpc_endpoint_service_configuration()
                        .service_id(text(before(), "id"))
                        .add_network_load_balancer_arns(stranger)
                        .remove_network_load_balancer_arns(text(before(), "nlb_arn"))
                        .send()
                        .await
                        .expect("ModifyVpcEndpointServiceConfiguration");
                })
                .plan_only()
                .expect_non_empty_plan("the service no longer sends connections to the bundle"),
        )
        .step(Step::same_config().check(async |_| {
            let after = state(bench.workspace()).await;
            for kept in ["id", "nlb_arn", "target_group_arn", "listener_arn"] {
                assert_eq!(
                    after[kept],
                    before()[kept],
                    "{kept} must survive the repair"
                );
            }
            let repaired = service(bench.account(), text(&after, "id"))
                .await
                .expect("the endpoint service exists");
            assert_eq!(
                repaired.network_load_balancer_arns(),
                [text(before(), "nlb_arn").to_owned()],
                "the service must send connections to the bundle's load balancer only"
            );
        }))
        .run()
        .await;
}
