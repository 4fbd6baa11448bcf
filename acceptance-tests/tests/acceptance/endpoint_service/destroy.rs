//! Destroy: AWS, asked directly, holds nothing of the bundle afterwards.

use std::cell::OnceCell;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::Value;

use super::aws::{inventory, service};
use super::{Bench, Service, state, state_list, text};

#[tokio::test]
async fn destroy_leaves_nothing_with_the_ownership_tag() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let created = OnceCell::<Value>::new();
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl()).check(async |_| {
                created.set(state(bench.workspace()).await).unwrap();
                assert_eq!(
                    inventory(bench.account()).await.owned().counts(),
                    (1, 1, 1, 1)
                );
            }),
        )
        .step(Step::same_config().destroy().check(async |_| {
            assert_eq!(state_list(bench.workspace()).await, Vec::<String>::new());
            let left = inventory(bench.account()).await;
            assert!(
                left.owned().is_empty(),
                "parts with the ownership tag remain: {left:#?}"
            );
            // Nothing else either: this account only ever held this bundle.
            assert!(left.is_empty(), "parts remain: {left:#?}");
            let created = created.get().expect("step 1 recorded the state");
            assert!(
                service(bench.account(), text(created, "id"))
                    .await
                    .is_none()
            );
        }))
        .run()
        .await;
}

/// The endpoint service is the resource's identity, but not the whole bundle: when it was deleted
/// outside Terraform, destroy must still remove the load balancer, listener and target group.
#[tokio::test]
async fn destroy_after_the_endpoint_service_was_deleted_out_of_band_removes_the_rest() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let created = OnceCell::<Value>::new();
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl()).check(async |_| {
                created.set(state(bench.workspace()).await).unwrap();
            }),
        )
        .step(
            Step::same_config()
                .pre_config(async || {
                    let created = created.get().expect("step 1 recorded the state");
                    bench
                        .account()
                        .ec2()
                        .delete_vpc_endpoint_service_configurations()
                        .service_ids(text(created, "id"))
                        .send()
                        .await
                        .expect("DeleteVpcEndpointServiceConfigurations");
                })
                .destroy()
                .check(async |destroyed| {
                    let left = inventory(bench.account()).await.owned();
                    assert!(
                        left.is_empty(),
                        "parts with the ownership tag remain: {left:#?}\nterraform destroy said:\n{}",
                        destroyed.run.stdout
                    );
                }),
        )
        .run()
        .await;
}

/// Two services of one account (the writer and the readers of one cluster): removing one from the
/// configuration destroys its parts only.
#[tokio::test]
async fn destroying_one_of_two_services_leaves_the_other_untouched() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let writer = Service::new(&bench, "orders");
    let readers = Service::new(&bench, "orders-ro").with("role = \"reader\"");
    let kept = OnceCell::<Value>::new();
    bench
        .case()
        .await
        .step(
            Step::config(format!(
                "{}\n{}",
                writer.hcl(),
                readers.hcl_labelled("readers")
            ))
            .check(async |_| {
                assert_eq!(
                    inventory(bench.account()).await.owned().counts(),
                    (2, 2, 2, 2)
                );
                kept.set(state(bench.workspace()).await).unwrap();
            }),
        )
        // As after every apply, the remaining service must be unchanged: the next plan is empty.
        .step(Step::config(writer.hcl()).check(async |_| {
            let owned = inventory(bench.account()).await.owned();
            assert_eq!(owned.counts(), (1, 1, 1, 1), "{owned:#?}");
            let all_tags = owned
                .load_balancers
                .values()
                .chain(owned.target_groups.values())
                .chain(owned.listeners.values());
            for tags in all_tags.chain(owned.endpoint_services.values()) {
                assert_eq!(
                    tags.get(super::OWNERSHIP_TAG).map(String::as_str),
                    Some("orders"),
                    "{owned:#?}"
                );
            }
            let kept = kept.get().expect("step 1 recorded the state");
            let parts = super::aws::parts(bench.account(), kept).await;
            assert_eq!(parts.target_ips(), [cluster.writer().ip.to_string()]);
        }))
        .run()
        .await;
}
