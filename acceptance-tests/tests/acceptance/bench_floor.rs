//! `make bench`'s floor provider (`terraform-provider-floor`) works through the real CLI, so the
//! bench's baseline cannot rot unnoticed: an apply, an empty plan, a destroy.

use rdslink_acceptance_tests::bench::terraform::floor_provider_workspace;

#[tokio::test]
async fn the_provider_that_does_nothing_applies_and_plans_empty() {
    let workspace = floor_provider_workspace().expect("a workspace");
    workspace.apply().await.expect("apply");
    let (code, run) = workspace
        .plan_exit_code(&["-refresh=false"])
        .await
        .expect("plan");
    assert_eq!(code, 0, "the plan is not empty:\n{}", run.stdout);
    let destroyed = workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .expect("destroy");
    destroyed.success().expect("destroy succeeds");
}
