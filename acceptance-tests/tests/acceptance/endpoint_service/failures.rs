//! Apply-time failures: a clear error, and nothing left behind (or nothing that destroy leaves).

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerSchemeEnum, LoadBalancerTypeEnum};
use rdslink_testkit::seed;

use super::aws::{inventory, other_vpc};
use super::{Bench, Service, destroy, failed_apply, state_list};

/// Nothing carries the ownership tag, and the state holds nothing.
async fn assert_nothing_left(bench: &Bench) {
    let owned = inventory(bench.account()).await.owned();
    assert!(owned.is_empty(), "parts with the ownership tag remain: {owned:#?}");
    assert_eq!(state_list(bench.workspace()).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_subnet_that_does_not_exist_fails_before_anything_is_created() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let missing = "subnet-0123456789abcdef0".to_owned();
    let service = Service { subnet_ids: vec![bench.subnets()[0].clone(), missing.clone()], ..Service::new(&bench, "orders") };
    bench.configure(&service.hcl()).await;

    let run = failed_apply(bench.workspace()).await;
    assert!(run.stderr.contains(&missing) && run.stderr.contains("do not exist"), "{}", run.stderr);
    assert!(run.stderr.contains("Nothing was created"), "{}", run.stderr);
    assert!(!run.stderr.contains(&bench.subnets()[0]), "only the missing subnet is named: {}", run.stderr);
    assert_nothing_left(&bench).await;
}

#[tokio::test]
async fn subnets_outside_the_vpc_fail_before_anything_is_created() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let (other_vpc_id, _) = other_vpc(bench.account()).await;
    // The default VPC's subnets, but another VPC.
    let service = Service { vpc_id: other_vpc_id.clone(), ..Service::new(&bench, "orders") };
    bench.configure(&service.hcl()).await;

    let run = failed_apply(bench.workspace()).await;
    assert!(run.stderr.contains(&format!("not in VPC {other_vpc_id}")), "{}", run.stderr);
    assert!(run.stderr.contains(&bench.subnets()[0]), "the stray subnets are named: {}", run.stderr);
    assert_nothing_left(&bench).await;
}

/// A load balancer named like the bundle's but not rdslink's: creation stops after the target
/// group, the first part, already exists.
#[tokio::test]
async fn a_failure_after_partial_creation_is_cleaned_up_by_destroy() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let foreign = bench
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
        .to_owned();
    bench.configure(&Service::new(&bench, "orders").hcl()).await;

    let run = failed_apply(bench.workspace()).await;
    assert!(run.stderr.contains("rdslink-orders") && run.stderr.contains(&foreign), "{}", run.stderr);
    let owned = inventory(bench.account()).await.owned();
    assert_eq!(owned.counts(), (0, 1, 0, 0), "the target group should exist at this point: {owned:#?}");
    assert!(
        !state_list(bench.workspace()).await.is_empty(),
        "the parts created so far must be recorded (tainted) in the state"
    );

    destroy(bench.workspace()).await;
    assert_nothing_left(&bench).await;
    // The load balancer that was not rdslink's is left alone.
    let left = inventory(bench.account()).await;
    assert_eq!(left.load_balancers.keys().collect::<Vec<_>>(), [&foreign], "{left:#?}");
}
