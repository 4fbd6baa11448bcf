//! The harness itself, on Terraform's built-in `terraform_data` (no provider to build, no AWS): the
//! real terraform CLI decides what is empty, failed or destroyed.

use std::cell::Cell;
use std::path::Path;

use crate::Workspace;
use crate::case::TestCase;
use crate::step::Step;

/// Replaced on every plan: `timestamp()` is only known at apply time.
const NEVER_CONVERGES: &str =
    "resource \"terraform_data\" \"clock\" {\n  triggers_replace = timestamp()\n}\n";

const STABLE: &str = "resource \"terraform_data\" \"this\" {\n  input = \"one\"\n}\n";

const NO_DESTROY_CHECK: &str = "terraform_data lives in the state only";

/// A resource whose destroy leaves `marker` behind, to prove the case destroyed it.
fn destroy_leaves(marker: &Path) -> String {
    format!(
        "resource \"terraform_data\" \"this\" {{\n  input = \"one\"\n  provisioner \"local-exec\" {{\n    when    = destroy\n    command = \"touch {}\"\n  }}\n}}\n",
        marker.display()
    )
}

/// A resource whose precondition fails with a message longer than Terraform's 80 columns.
const FAILS_TO_APPLY: &str = r#"variable "broken" {
  default = true
}

resource "terraform_data" "this" {
  lifecycle {
    precondition {
      condition     = !var.broken
      error_message = "This configuration is broken on purpose, with a message long enough to be wrapped by Terraform."
    }
  }
}
"#;

fn workspace() -> Workspace {
    Workspace::builtin_only("").expect("workspace")
}

#[tokio::test]
async fn an_apply_whose_next_plan_is_not_empty_fails_the_case_naming_the_step() {
    let workspace = workspace();
    let error = TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(STABLE))
        .step(Step::config(NEVER_CONVERGES).named("a clock"))
        .try_run()
        .await
        .expect_err("a plan with changes after an apply must fail the case");
    let message = format!("{error:#}");
    assert!(
        message.contains("step 2 (a clock, apply): after the apply, terraform plan must be empty"),
        "{message}"
    );
    assert!(
        message.contains("terraform_data.clock must be replaced"),
        "terraform's plan output is shown: {message}"
    );
}

#[tokio::test]
async fn an_expected_non_empty_plan_passes_and_must_not_be_empty() {
    let workspace = workspace();
    TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(NEVER_CONVERGES).expect_non_empty_plan("timestamp() is never known"))
        .run()
        .await;

    let workspace = self::workspace();
    let error = TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(STABLE).expect_non_empty_plan("wrongly"))
        .try_run()
        .await
        .expect_err("an empty plan where changes are expected must fail the case");
    assert!(
        format!("{error:#}").contains("step 1 (apply): after the apply, terraform plan must have changes (wrongly), but it is empty"),
        "{error:#}"
    );
}

#[tokio::test]
async fn plan_only_steps_check_their_own_plan_and_show_it_as_json() {
    let workspace = workspace();
    let actions = Cell::new(None);
    TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(STABLE))
        .step(Step::same_config().plan_only())
        .step(
            Step::config(STABLE.replace("one", "two"))
                .plan_only()
                .expect_non_empty_plan("the input changed")
                .check(async |outcome| {
                    actions.set(Some(
                        outcome.plan()["resource_changes"][0]["change"]["actions"].clone(),
                    ));
                }),
        )
        .run()
        .await;
    assert_eq!(
        actions.take(),
        Some(serde_json::json!(["update"])),
        "the check saw the plan's JSON"
    );

    let workspace = self::workspace();
    let error = TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(STABLE).plan_only())
        .try_run()
        .await
        .expect_err("a plan-only step expects an empty plan by default");
    assert!(
        format!("{error:#}").contains("step 1 (plan): terraform plan must be empty"),
        "{error:#}"
    );
}

#[tokio::test]
async fn the_case_ends_with_a_destroy_then_its_destroy_check() {
    let workspace = workspace();
    let marker = workspace.path().join("destroyed");
    let checked = Cell::new(false);
    TestCase::new(&workspace)
        .check_destroy(async || {
            assert!(marker.exists(), "the resource was not destroyed");
            checked.set(true);
        })
        .step(Step::config(destroy_leaves(&marker)))
        .run()
        .await;
    assert!(checked.get(), "the destroy check did not run");

    let workspace = self::workspace();
    let error = TestCase::new(&workspace)
        .check_destroy(async || panic!("a part is left"))
        .step(Step::config(STABLE))
        .try_run()
        .await
        .expect_err("a failed destroy check fails the case");
    let message = format!("{error:#}");
    assert!(
        message.contains("after the case's destroy, something is left: a part is left")
            && message.contains("Destroy complete!"),
        "{message}"
    );
}

#[tokio::test]
async fn a_case_must_say_what_to_check_after_its_destroy() {
    let workspace = workspace();
    let error = TestCase::new(&workspace)
        .step(Step::config(STABLE))
        .try_run()
        .await
        .expect_err("no destroy check, no reason");
    assert!(
        format!("{error:#}").contains("nothing_to_check_after_destroy"),
        "{error:#}"
    );
}

#[tokio::test]
async fn an_expected_error_must_happen_and_match_across_terraforms_line_breaks() {
    let workspace = workspace();
    TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(
            Step::config(FAILS_TO_APPLY)
                .expect_error("long enough to be wrapped by Terraform")
                .expect_error(r"^Error: Resource precondition failed"),
        )
        .run()
        .await;

    let workspace = self::workspace();
    let error = TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(
            Step::config(FAILS_TO_APPLY)
                .expect_error("broken on purpose")
                .expect_error("another error"),
        )
        .try_run()
        .await
        .expect_err("an error that does not match fails the case");
    let message = format!("{error:#}");
    assert!(
        message.contains(
            "step 1 (apply): terraform failed, but not with an error matching /another error/"
        ) && message.contains("broken on purpose"),
        "{message}"
    );

    let workspace = self::workspace();
    let error = TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(STABLE).expect_error("anything"))
        .try_run()
        .await
        .expect_err("a success where an error is expected fails the case");
    assert!(
        format!("{error:#}")
            .contains("step 1 (apply): terraform exited 0, but an error was expected"),
        "{error:#}"
    );
}

#[tokio::test]
async fn a_failed_check_or_hook_names_its_step() {
    let workspace = workspace();
    let error = TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(STABLE))
        .step(Step::same_config().check(async |_| assert_eq!(1, 2, "one is not two")))
        .try_run()
        .await
        .expect_err("a failed assertion in a check fails the case");
    assert!(
        format!("{error:#}").contains(
            "step 2 (apply): check failed: assertion `left == right` failed: one is not two"
        ),
        "{error:#}"
    );

    let workspace = self::workspace();
    let error = TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(Step::config(STABLE).pre_config(async || panic!("no failover today")))
        .try_run()
        .await
        .expect_err("a failed hook fails the case");
    assert!(
        format!("{error:#}").contains("step 1 (apply): pre_config failed: no failover today"),
        "{error:#}"
    );
}

#[tokio::test]
async fn a_saved_plan_is_applied_as_planned() {
    let workspace = workspace();
    TestCase::new(&workspace)
        .nothing_to_check_after_destroy(NO_DESTROY_CHECK)
        .step(
            Step::config(STABLE)
                .plan_only()
                .expect_non_empty_plan("nothing exists yet"),
        )
        .step(
            Step::same_config()
                .apply_saved_plan()
                .check(async |outcome| {
                    assert!(
                        outcome.run.stdout.contains("1 added"),
                        "{}",
                        outcome.run.stdout
                    );
                }),
        )
        .run()
        .await;
}
