//! Plans Terraform can re-plan: the apply plans the resource again (when values unknown at plan
//! time became known) or applies a plan saved earlier, and in both the database may have failed
//! over since the first plan. Terraform refuses a final plan or a result that contradicts a known
//! planned value, so the provider may promise only what it will hold to; and the target group must
//! end on the primary of the moment the apply runs, not the one of the plan.

use std::cell::OnceCell;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed::{self, Cluster, Member};

use super::super::aws::parts;
use super::super::{Bench, Service, state};
use super::assert_target_group_holds;

/// A failover to the cluster's second member; returns the new writer.
async fn fail_over(bench: &Bench, cluster: &Cluster) -> Member {
    let id = seed::failover_cluster(bench.account(), cluster, None).await;
    let writer = cluster.member(&id).clone();
    assert_ne!(writer.ip, cluster.writer().ip, "the failover moved nothing");
    writer
}

/// `terraform_data.build` (replaced, and its `output` unknown until apply, whenever `build`
/// changes) and the service, whose tags take that output.
fn with_build(service: &Service, build: u32) -> String {
    let service = service
        .clone()
        .with("tags = { build = terraform_data.build.output }");
    format!(
        "resource \"terraform_data\" \"build\" {{\n  \
         input            = \"{build}\"\n  \
         triggers_replace = \"{build}\"\n}}\n\n{}",
        service.hcl()
    )
}

/// The `build` tag on every part, read through the SDK.
async fn assert_build_tag(bench: &Bench, build: u32) {
    let values = state(bench.workspace()).await;
    for (part, tags) in parts(bench.account(), &values).await.all_tags() {
        assert_eq!(
            tags.get("build").map(String::as_str),
            Some(build.to_string().as_str()),
            "{part}: {tags:?}"
        );
    }
}

#[tokio::test]
async fn a_failover_with_a_value_unknown_until_apply_does_not_make_an_inconsistent_final_plan() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let new_writer = OnceCell::<Member>::new();
    bench
        .case()
        .await
        .step(Step::config(with_build(&service, 1)).check(async |_| {
            let writer = cluster.writer();
            assert_target_group_holds(&bench, bench.workspace(), writer.ip, cluster.port).await;
            assert_build_tag(&bench, 1).await;
        }))
        .step(
            // The plan sees the new writer but not the tags; the apply plans again with the tags
            // known, and Terraform checks that this final plan keeps every value the first knew.
            Step::config(with_build(&service, 2))
                .named("a failover, and tags known only after terraform_data is replaced")
                .pre_config(async || {
                    new_writer.set(fail_over(&bench, &cluster).await).unwrap();
                })
                .check(async |_| {
                    let writer = new_writer.get().expect("the failover happened");
                    assert_target_group_holds(&bench, bench.workspace(), writer.ip, cluster.port)
                        .await;
                    assert_build_tag(&bench, 2).await;
                }),
        )
        .run()
        .await;
}

#[tokio::test]
async fn a_saved_plan_applied_after_a_failover_moves_the_target_to_the_new_primary() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let base = Service::new(&bench, "orders").with("tags = { team = \"data\" }");
    let retagged = Service::new(&bench, "orders").with("tags = { team = \"payments\" }");
    let new_writer = OnceCell::<Member>::new();
    bench
        .case()
        .await
        .step(Step::config(base.hcl()))
        .step(
            Step::config(retagged.hcl())
                .named("a saved plan changing the tags")
                .plan_only()
                .expect_non_empty_plan("the tags changed"),
        )
        .step(
            Step::same_config()
                .named("the saved plan, applied after a failover")
                .pre_config(async || {
                    new_writer.set(fail_over(&bench, &cluster).await).unwrap();
                })
                .apply_saved_plan()
                .check(async |_| {
                    let writer = new_writer.get().expect("the failover happened");
                    assert_target_group_holds(&bench, bench.workspace(), writer.ip, cluster.port)
                        .await;
                    let values = state(bench.workspace()).await;
                    for (part, tags) in parts(bench.account(), &values).await.all_tags() {
                        assert_eq!(
                            tags.get("team").map(String::as_str),
                            Some("payments"),
                            "{part}"
                        );
                    }
                }),
        )
        .run()
        .await;
}

#[tokio::test]
async fn a_saved_plan_without_changes_applied_after_a_failover_succeeds_and_the_drift_shows_next() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let new_writer = OnceCell::<Member>::new();
    bench
        .case()
        .await
        .step(Step::config(service.hcl()))
        .step(
            Step::same_config()
                .named("a saved plan without changes")
                .plan_only(),
        )
        .step(
            Step::same_config()
                .named("the saved plan, applied after a failover")
                .pre_config(async || {
                    new_writer.set(fail_over(&bench, &cluster).await).unwrap();
                })
                .apply_saved_plan()
                .expect_non_empty_plan(
                    "the failover after the saved plan must show in the next plan",
                )
                .check(async |_| {
                    // Terraform skips a resource without changes: the old writer stays until the
                    // next apply.
                    let writer = cluster.writer();
                    assert_target_group_holds(&bench, bench.workspace(), writer.ip, cluster.port)
                        .await;
                }),
        )
        .step(
            Step::same_config()
                .named("the next apply")
                .check(async |_| {
                    let writer = new_writer.get().expect("the failover happened");
                    assert_target_group_holds(&bench, bench.workspace(), writer.ip, cluster.port)
                        .await;
                }),
        )
        .run()
        .await;
}
