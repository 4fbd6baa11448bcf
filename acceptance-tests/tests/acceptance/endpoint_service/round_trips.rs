//! Performance guards (issue 12) that count rather than time: how many AWS calls a plan makes, and
//! how many of them wait on each other. Every call goes through the testkit's proxy, which holds
//! each one for [`LATENCY`] as real AWS would; calls a refresh issues together overlap in the
//! proxy's log, calls that wait for one another do not, and [`sequential_round_trips`] counts the
//! longest chain. Someone adding a sequential call to the refresh path makes these tests fail.
//!
//! The latency is generous on purpose: calls issued together reach the proxy within microseconds
//! of each other, so with a quarter second each, only a machine stalled for that long could see
//! two parallel calls as sequential.

use std::time::Duration;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::fault_proxy::{Call, FaultPlan, FaultProxy, sequential_round_trips};
use rdslink_testkit::seed;

use super::safety::case_through;
use super::{Bench, Service};

const LATENCY: Duration = Duration::from_millis(250);

/// The refresh's critical path: AWS calls after the provider's configuration (STS), at most this
/// many deep. Terraform refreshes the bundle's parts, the database and the sync Lambda in one
/// ReadResource, so they must be read side by side.
const MAX_REFRESH_ROUND_TRIPS: usize = 4;

fn operations(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .map(|call| {
            format!(
                "{}:{}",
                call.service.as_deref().unwrap_or("-"),
                call.operation
            )
        })
        .collect()
}

fn is_sts(call: &Call) -> bool {
    call.service.as_deref() == Some("sts")
}

#[tokio::test]
async fn a_refresh_reads_everything_side_by_side_and_assumes_the_role_once() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let proxy = FaultProxy::start(&rdslink_testkit::moto().await.endpoint, FaultPlan::none()).await;
    case_through(&bench, &proxy)
        .await
        .step(
            Step::config(Service::new(&bench, "orders").hcl()).check(async |_| {
                proxy.clear();
                proxy.set_plan(FaultPlan::latency(LATENCY));
                let (code, run) = bench
                    .workspace()
                    .plan_exit_code(&[])
                    .await
                    .expect("terraform plan");
                let calls = proxy.forwarded_calls();
                proxy.set_plan(FaultPlan::none());
                assert_eq!(code, 0, "the plan after apply is empty:\n{}", run.stdout);

                let (sts, refresh): (Vec<Call>, Vec<Call>) = calls.into_iter().partition(is_sts);
                // The provider assumes the role (whose answer names the account) and asks nothing
                // else of STS; Terraform's other provider processes of the plan make no AWS call.
                assert_eq!(
                    operations(&sts),
                    ["sts:AssumeRole"],
                    "STS calls of one plan"
                );
                let depth = sequential_round_trips(&refresh);
                eprintln!(
                    "refresh: {} AWS calls in {depth} sequential round trips, after {} STS call(s)",
                    refresh.len(),
                    sts.len()
                );
                assert!(
                    depth <= MAX_REFRESH_ROUND_TRIPS,
                    "the refresh waits through {depth} sequential round trips (at most \
                 {MAX_REFRESH_ROUND_TRIPS}): {:#?}",
                    operations(&refresh)
                );
                let tag_reads = refresh
                    .iter()
                    .filter(|call| call.operation == "DescribeTags")
                    .count();
                assert!(
                    tag_reads <= 1,
                    "the load balancer, target group and listener tags are one DescribeTags, not \
                 {tag_reads}: {:#?}",
                    operations(&refresh)
                );
            }),
        )
        .step(Step::same_config().check(async |_| {
            // A plan that reads nothing from AWS (no refresh, nothing to change) makes no call
            // at all: the provider's configuration is lazy.
            proxy.clear();
            let (code, run) = bench
                .workspace()
                .plan_exit_code(&["-refresh=false"])
                .await
                .expect("terraform plan -refresh=false");
            assert_eq!(code, 0, "{}", run.stdout);
            assert_eq!(
                operations(&proxy.forwarded_calls()),
                Vec::<String>::new(),
                "AWS calls of `terraform plan -refresh=false`"
            );
        }))
        .run()
        .await;
}
