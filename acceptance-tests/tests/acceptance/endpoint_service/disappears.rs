//! Parts deleted outside Terraform: the plan notices, apply rebuilds them, and nothing is duplicated.

use std::cell::OnceCell;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::Value;

use super::aws::{inventory, parts};
use super::{Bench, OWNERSHIP_TAG, Service, actions, state, text};

#[tokio::test]
async fn a_listener_deleted_out_of_band_is_recreated_on_the_same_load_balancer() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
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
                    bench
                        .account()
                        .elbv2()
                        .delete_listener()
                        .listener_arn(text(before(), "listener_arn"))
                        .send()
                        .await
                        .expect("DeleteListener");
                })
                .plan_only()
                .expect_non_empty_plan("the missing listener must show in the plan"),
        )
        .step(Step::same_config().check(async |_| {
            let (before, after) = (before(), state(bench.workspace()).await);
            assert_ne!(
                after["listener_arn"], before["listener_arn"],
                "the state still names the deleted listener"
            );
            for kept in ["id", "nlb_arn", "target_group_arn"] {
                assert_eq!(
                    after[kept], before[kept],
                    "{kept} must survive a missing listener"
                );
            }
            let parts = parts(bench.account(), &after).await;
            assert_eq!(
                parts.listener.load_balancer_arn(),
                Some(text(before, "nlb_arn"))
            );
            assert_eq!(parts.listener.port(), Some(i32::from(cluster.port)));
            let [action] = parts.listener.default_actions() else {
                panic!("{:?}", parts.listener)
            };
            assert_eq!(
                action.target_group_arn(),
                Some(text(before, "target_group_arn"))
            );
            assert_eq!(
                parts.listener_tags.get(OWNERSHIP_TAG).map(String::as_str),
                Some("orders")
            );
            assert_eq!(
                inventory(bench.account()).await.owned().counts(),
                (1, 1, 1, 1)
            );
        }))
        .run()
        .await;
}

#[tokio::test]
async fn an_endpoint_service_deleted_out_of_band_is_recreated_adopting_the_other_parts() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
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
                    bench
                        .account()
                        .ec2()
                        .delete_vpc_endpoint_service_configurations()
                        .service_ids(text(before(), "id"))
                        .send()
                        .await
                        .expect("DeleteVpcEndpointServiceConfigurations");
                })
                .plan_only()
                .expect_non_empty_plan("the missing endpoint service must show in the plan")
                .check(async |outcome| {
                    // The service is the resource's identity: gone, Terraform plans to create it
                    // again (or, were the remaining parts kept in the state, to complete the bundle
                    // in place). Never a no-op, and never a delete of the parts that remain.
                    let plan = outcome.plan();
                    let planned = actions(plan);
                    assert!(
                        planned == ["create"] || planned == ["update"],
                        "{planned:?}\n{plan:#}"
                    );
                }),
        )
        .step(Step::same_config().check(async |_| {
            let (before, after) = (before(), state(bench.workspace()).await);
            assert_ne!(
                after["id"], before["id"],
                "the state still names the deleted service"
            );
            // The load balancer, target group and listener left behind are adopted, not
            // duplicated.
            for kept in ["nlb_arn", "target_group_arn", "listener_arn"] {
                assert_eq!(after[kept], before[kept], "{kept} was not adopted");
            }
            let owned = inventory(bench.account()).await.owned();
            assert_eq!(owned.counts(), (1, 1, 1, 1), "{owned:#?}");
            let parts = parts(bench.account(), &after).await;
            assert_eq!(
                parts.service.network_load_balancer_arns(),
                [text(before, "nlb_arn").to_owned()]
            );
            assert_eq!(
                parts.service_tags.get(OWNERSHIP_TAG).map(String::as_str),
                Some("orders")
            );
            assert_eq!(parts.target_ips(), [cluster.writer().ip.to_string()]);
        }))
        .run()
        .await;
}
