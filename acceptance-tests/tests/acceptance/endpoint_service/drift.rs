//! Failover drift: the plan compares the target group with the database *now*, and apply re-syncs it.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::json;

use super::aws::targets;
use super::{Bench, Service, state, text};

/// After apply, the target group holds exactly `ip` on `port`, and Terraform's state says so.
async fn assert_targets(bench: &Bench, ip: Ipv4Addr, port: u16) {
    let values = state(bench.workspace()).await;
    let registered = targets(bench.account(), text(&values, "target_group_arn")).await;
    assert_eq!(
        registered,
        BTreeSet::from([(ip.to_string(), i32::from(port))])
    );
    assert_eq!(values["registered_targets"], json!([ip.to_string()]));
}

#[tokio::test]
async fn cluster_failover_shows_in_the_plan_and_apply_moves_the_target_to_the_new_writer() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let before = OnceCell::new();
    let new_writer_id = OnceCell::<String>::new();
    let new_writer = || cluster.member(new_writer_id.get().expect("the failover happened"));
    bench
        .case()
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl()).check(async |_| {
                assert_targets(&bench, cluster.writer().ip, cluster.port).await;
                before.set(state(bench.workspace()).await).unwrap();
            }),
        )
        .step(
            Step::same_config()
                .pre_config(async || {
                    // The RDS API reports the new writer at once; the cluster endpoint's DNS is
                    // left stale on purpose (rdslink must not wait for it).
                    let id = seed::failover_cluster(bench.account(), &cluster, None).await;
                    new_writer_id.set(id).unwrap();
                    assert_ne!(new_writer().ip, cluster.writer().ip);
                })
                .plan_only()
                .expect_non_empty_plan("a failover must show in the plan")
                .check(async |outcome| {
                    let stdout = &outcome.run.stdout;
                    assert!(
                        stdout.contains("registered_targets"),
                        "the plan does not show registered_targets:\n{stdout}"
                    );
                    assert!(
                        stdout.contains(&new_writer().ip.to_string()),
                        "the plan lacks the new writer's IP:\n{stdout}"
                    );
                    assert!(
                        stdout.contains("1 to change"),
                        "the failover must be an in-place update:\n{stdout}"
                    );
                }),
        )
        .step(Step::same_config().check(async |_| {
            assert_targets(&bench, new_writer().ip, cluster.port).await;
            let (before, after) = (before.get().unwrap(), state(bench.workspace()).await);
            for part in ["id", "nlb_arn", "target_group_arn", "listener_arn"] {
                assert_eq!(after[part], before[part], "{part} changed by a re-sync");
            }
        }))
        .run()
        .await;
}

#[tokio::test]
async fn instance_address_change_shows_in_the_plan_and_apply_moves_the_target() {
    let bench = Bench::new().await;
    let instance = seed::instance(bench.account(), bench.dns(), "billing").await;
    let service = Service::new(&bench, "billing").database("db_instance_identifier = \"billing\"");
    let moved = Ipv4Addr::new(10, 99, 0, 7);
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
            assert_targets(&bench, instance.ip, instance.port).await;
        }))
        .step(
            Step::same_config()
                // A Multi-AZ instance failover moves its endpoint's A record.
                .pre_config(async || bench.dns().set_a(&instance.endpoint, &[moved]))
                .plan_only()
                .expect_non_empty_plan("the moved address must show in the plan")
                .check(async |outcome| {
                    let stdout = &outcome.run.stdout;
                    assert!(stdout.contains("registered_targets"), "{stdout}");
                    assert!(stdout.contains(&moved.to_string()), "{stdout}");
                }),
        )
        .step(Step::same_config().check(async |_| {
            assert_targets(&bench, moved, instance.port).await;
        }))
        .run()
        .await;
}

/// Settings changed outside Terraform show in the plan, and apply puts them back.
#[tokio::test]
async fn settings_changed_out_of_band_are_restored() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    bench
        .case()
        .await
        .step(Step::config(Service::new(&bench, "orders").hcl()))
        .step(
            Step::same_config()
                .pre_config(async || change_settings_out_of_band(&bench).await)
                .plan_only()
                .expect_non_empty_plan("settings changed outside Terraform must show in the plan")
                .check(async |outcome| {
                    for attribute in [
                        "allowed_principals",
                        "acceptance_required",
                        "cross_zone_load_balancing",
                        "deregistration_delay_seconds",
                    ] {
                        assert!(
                            outcome.run.stdout.contains(attribute),
                            "the plan does not show {attribute}:\n{}",
                            outcome.run.stdout
                        );
                    }
                }),
        )
        .step(Step::same_config().check(async |_| {
            let restored =
                super::aws::parts(bench.account(), &state(bench.workspace()).await).await;
            assert_eq!(
                restored.principals,
                BTreeSet::from([super::CONSUMER.to_owned()])
            );
            assert_eq!(restored.service.acceptance_required(), Some(false));
            assert_eq!(
                restored
                    .load_balancer_attributes
                    .get("load_balancing.cross_zone.enabled")
                    .map(String::as_str),
                Some("true")
            );
            assert_eq!(
                restored
                    .target_group_attributes
                    .get("deregistration_delay.timeout_seconds")
                    .map(String::as_str),
                Some("0")
            );
            assert_eq!(
                restored.target_group.health_check_interval_seconds(),
                Some(10)
            );
        }))
        .run()
        .await;
}

/// A stranger allowed in, acceptance required, cross-zone off, a deregistration delay and a slower
/// health check: each setting changed through the AWS API, behind Terraform's back.
async fn change_settings_out_of_band(bench: &Bench) {
    use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerAttribute, TargetGroupAttribute};

    let values = state(bench.workspace()).await;
    let (elbv2, ec2) = (bench.account().elbv2(), bench.account().ec2());
    let stranger = "arn:aws:iam::444444444444:root";
    ec2.modify_vpc_endpoint_service_permissions()
        .service_id(text(&values, "id"))
        .add_allowed_principals(stranger)
        .send()
        .await
        .expect("ModifyVpcEndpointServicePermissions");
    ec2.modify_vpc_endpoint_service_configuration()
        .service_id(text(&values, "id"))
        .acceptance_required(true)
        .send()
        .await
        .expect("ModifyVpcEndpointServiceConfiguration");
    elbv2
        .modify_load_balancer_attributes()
        .load_balancer_arn(text(&values, "nlb_arn"))
        .attributes(
            LoadBalancerAttribute::builder()
                .key("load_balancing.cross_zone.enabled")
                .value("false")
                .build(),
        )
        .send()
        .await
        .expect("ModifyLoadBalancerAttributes");
    elbv2
        .modify_target_group_attributes()
        .target_group_arn(text(&values, "target_group_arn"))
        .attributes(
            TargetGroupAttribute::builder()
                .key("deregistration_delay.timeout_seconds")
                .value("300")
                .build(),
        )
        .send()
        .await
        .expect("ModifyTargetGroupAttributes");
    elbv2
        .modify_target_group()
        .target_group_arn(text(&values, "target_group_arn"))
        .health_check_interval_seconds(30)
        .send()
        .await
        .expect("ModifyTargetGroup");
}
