//! Destroy: AWS, asked directly, holds nothing of the bundle afterwards.

use rdslink_testkit::seed;

use super::aws::{inventory, service};
use super::{Bench, Service, destroy, state, state_list, text};

#[tokio::test]
async fn destroy_leaves_nothing_with_the_ownership_tag() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    bench.configure(&Service::new(&bench, "orders").hcl()).await;
    bench.workspace().apply().await.unwrap();
    let created = state(bench.workspace()).await;
    assert_eq!(
        inventory(bench.account()).await.owned().counts(),
        (1, 1, 1, 1)
    );

    destroy(bench.workspace()).await;

    assert_eq!(state_list(bench.workspace()).await, Vec::<String>::new());
    let left = inventory(bench.account()).await;
    assert!(
        left.owned().is_empty(),
        "parts with the ownership tag remain: {left:#?}"
    );
    // Nothing else either: this account only ever held this bundle.
    assert!(left.is_empty(), "parts remain: {left:#?}");
    assert!(
        service(bench.account(), text(&created, "id"))
            .await
            .is_none()
    );
}

/// The endpoint service is the resource's identity, but not the whole bundle: when it was deleted
/// outside Terraform, destroy must still remove the load balancer, listener and target group.
#[tokio::test]
async fn destroy_after_the_endpoint_service_was_deleted_out_of_band_removes_the_rest() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    bench.configure(&Service::new(&bench, "orders").hcl()).await;
    bench.workspace().apply().await.unwrap();
    let created = state(bench.workspace()).await;
    bench
        .account()
        .ec2()
        .delete_vpc_endpoint_service_configurations()
        .service_ids(text(&created, "id"))
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations");

    let destroyed = destroy(bench.workspace()).await;

    let left = inventory(bench.account()).await.owned();
    assert!(
        left.is_empty(),
        "parts with the ownership tag remain: {left:#?}\nterraform destroy said:\n{}",
        destroyed.stdout
    );
}

/// Two services of one account (the writer and the readers of one cluster): removing one from the
/// configuration destroys its parts only.
#[tokio::test]
async fn destroying_one_of_two_services_leaves_the_other_untouched() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let writer = Service::new(&bench, "orders");
    let readers = Service::new(&bench, "orders-ro").with("role = \"reader\"");
    bench
        .configure(&format!(
            "{}\n{}",
            writer.hcl(),
            readers.hcl_labelled("readers")
        ))
        .await;
    bench.workspace().apply().await.unwrap();
    assert_eq!(
        inventory(bench.account()).await.owned().counts(),
        (2, 2, 2, 2)
    );
    let kept = state(bench.workspace()).await;

    bench.configure(&writer.hcl()).await;
    bench.workspace().apply().await.unwrap();

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
    let parts = super::aws::parts(bench.account(), &kept).await;
    assert_eq!(parts.target_ips(), [cluster.writer().ip.to_string()]);
    super::assert_plan(
        bench.workspace(),
        0,
        "the remaining service must be unchanged",
    )
    .await;
}
