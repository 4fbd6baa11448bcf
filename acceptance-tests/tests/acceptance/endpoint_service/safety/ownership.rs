//! Two working directories of one account and region that both declare a service named "shared",
//! for different databases: the second must be refused, never handed the first one's bundle.
//!
//! The ownership tag carries the resource's `name`, and a bundle left by an interrupted apply of
//! the same configuration carries the same tag: a complete, live bundle, named in another state, is
//! not such a leftover, and adopting it lets the second directory re-point the first one's target
//! group and, on destroy, delete it. (The crash tests, `crash.rs`, pin the other side: leftovers of
//! an interrupted create must still be adopted.)

use std::cell::OnceCell;

use rdslink_acceptance_tests::step::{Outcome, Step};
use rdslink_testkit::seed;

use super::super::aws::inventory;
use super::super::{Bench, OWNERSHIP_TAG, Service, state};
use super::{Snapshot, error_count, snapshot};

/// The name both directories declare.
const SHARED: &str = "shared";

/// Another consumer, so that a re-pointed first bundle would show it in its principals.
const OTHER_CONSUMER: &str = "arn:aws:iam::333333333333:root";

/// The first directory's service (cluster `orders`) and the second's (cluster `billing`, another
/// consumer, other tags), both named [`SHARED`].
fn services(bench: &Bench) -> (Service, Service) {
    let first = Service::new(bench, SHARED).with("tags = { team = \"orders\" }");
    let second = Service::new(bench, SHARED)
        .database("db_cluster_identifier = \"billing\"")
        .principals(&[OTHER_CONSUMER])
        .with("tags = { team = \"billing\" }");
    (first, second)
}

/// The second directory's apply failed with one diagnostic that names the first's endpoint service
/// and the import command, and the first bundle is as it was.
async fn assert_refused(bench: &Bench, outcome: &Outcome, before: &Snapshot) {
    let stderr = &outcome.run.stderr;
    assert_eq!(
        error_count(stderr),
        1,
        "exactly one diagnostic expected:\n{stderr}"
    );
    let one_line = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        one_line.contains(&before.service_id),
        "the diagnostic must name the existing endpoint service {}:\n{stderr}",
        before.service_id
    );
    assert_unchanged(bench, before).await;
}

/// The first bundle, read through the SDK, is exactly as recorded.
async fn assert_unchanged(bench: &Bench, before: &Snapshot) {
    let now = snapshot(bench.account(), &state(bench.workspace()).await).await;
    assert_eq!(
        &now, before,
        "the other working directory changed the first one's bundle"
    );
}

#[tokio::test]
async fn a_second_directory_with_the_same_name_is_refused_instead_of_capturing_the_first_bundle() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    seed::aurora_cluster(bench.account(), bench.dns(), "billing", 1).await;
    let (first, second) = services(&bench);
    let other = bench.other_workspace("").await;
    let recorded = OnceCell::<Snapshot>::new();
    let before = || recorded.get().expect("step 1 recorded the first bundle");
    bench
        .case()
        .await
        .step(Step::config(first.hcl()).check(async |_| {
            let values = state(bench.workspace()).await;
            recorded
                .set(snapshot(bench.account(), &values).await)
                .unwrap();
        }))
        .step(
            Step::config(second.hcl())
                .named("the second directory, same name, another database")
                .in_workspace(&other)
                .expect_error(r"vpce-svc-[0-9a-f]+")
                .expect_error("terraform import")
                .check(async |outcome| assert_refused(&bench, outcome, before()).await),
        )
        .step(
            Step::same_config()
                .named("destroying the refused second directory")
                .in_workspace(&other)
                .destroy()
                .check(async |_| assert_unchanged(&bench, before()).await),
        )
        .step(
            Step::same_config()
                .named("the first directory's plan stays empty")
                .plan_only(),
        )
        .run()
        .await;
}

#[tokio::test]
async fn a_second_directory_renamed_after_the_refusal_builds_and_destroys_only_its_own_bundle() {
    let bench = Bench::new().await;
    let orders = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let billing = seed::aurora_cluster(bench.account(), bench.dns(), "billing", 1).await;
    let (first, second) = services(&bench);
    let renamed = Service {
        name: "shared-2".into(),
        ..second.clone()
    };
    let other = bench.other_workspace("").await;
    let recorded = OnceCell::<Snapshot>::new();
    let before = || recorded.get().expect("step 1 recorded the first bundle");
    bench
        .case()
        .await
        .step(Step::config(first.hcl()).check(async |_| {
            let values = state(bench.workspace()).await;
            let first = snapshot(bench.account(), &values).await;
            assert_eq!(
                first.targets,
                [(orders.writer().ip.to_string(), i32::from(orders.port))].into()
            );
            recorded.set(first).unwrap();
        }))
        .step(
            Step::config(second.hcl())
                .named("the second directory, same name, another database")
                .in_workspace(&other)
                .expect_error(r"vpce-svc-[0-9a-f]+")
                .expect_error("terraform import")
                .check(async |outcome| assert_refused(&bench, outcome, before()).await),
        )
        .step(
            Step::config(renamed.hcl())
                .named("the second directory, renamed")
                .in_workspace(&other)
                .check(async |_| {
                    assert_unchanged(&bench, before()).await;
                    let owned = inventory(bench.account()).await.owned();
                    assert_eq!(owned.counts(), (2, 2, 2, 2), "{owned:#?}");
                    let own = snapshot(bench.account(), &state(&other).await).await;
                    assert_eq!(
                        own.targets,
                        [(billing.writer().ip.to_string(), i32::from(billing.port))].into()
                    );
                    for (part, tags) in &own.tags {
                        assert_eq!(
                            tags.get(OWNERSHIP_TAG).map(String::as_str),
                            Some("shared-2"),
                            "{part}"
                        );
                    }
                }),
        )
        .step(
            Step::same_config()
                .named("destroying the renamed second directory")
                .in_workspace(&other)
                .destroy()
                .check(async |_| {
                    assert_unchanged(&bench, before()).await;
                    let owned = inventory(bench.account()).await.owned();
                    assert_eq!(owned.counts(), (1, 1, 1, 1), "{owned:#?}");
                }),
        )
        .step(
            Step::same_config()
                .named("the first directory's plan stays empty")
                .plan_only(),
        )
        .run()
        .await;
}
