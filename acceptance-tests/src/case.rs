//! Declarative acceptance tests, after terraform-plugin-testing's `resource.Test`: a [`TestCase`]
//! is a list of [`Step`]s run in order, and the harness, not each test, keeps the rules every test
//! must keep:
//!
//! - after every applied step, `terraform plan` must be empty (unless the step says why not, with
//!   [`Step::expect_non_empty_plan`]): a provider that converges only on the second apply fails;
//! - at the end, `terraform destroy` runs in every workspace a step wrote state in, the state must
//!   be empty afterwards, and the case's [`check_destroy`](TestCase::check_destroy) must find
//!   nothing left in AWS (or the case says why there is nothing to check).
//!
//! A failure names the step (number, name, command) and shows terraform's output.
//!
//! ```no_run
//! # use rdslink_acceptance_tests::{Workspace, case::TestCase, step::Step};
//! # async fn example(workspace: &Workspace) {
//! TestCase::new(workspace)
//!     .nothing_to_check_after_destroy("terraform_data lives in the state only")
//!     .step(Step::config("resource \"terraform_data\" \"this\" {\n  input = 1\n}\n"))
//!     .step(
//!         Step::config("resource \"terraform_data\" \"this\" {\n  input = 2\n}\n")
//!             .plan_only()
//!             .expect_non_empty_plan("the input changed"),
//!     )
//!     .run()
//!     .await;
//! # }
//! ```

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use anyhow::{Context as _, Result, anyhow, bail};

use crate::step::{Command, Configuration, Hook, Outcome, PlanExpectation, Step};
use crate::{Run, Workspace};

/// Where plan-only steps save their plan, for a later [`Step::apply_saved_plan`].
const SAVED_PLAN: &str = "case.tfplan";

/// What the case checks once everything is destroyed.
enum AfterDestroy<'a> {
    Check(Hook<'a>),
    NothingToCheck,
}

/// A sequence of steps on one workspace (and, step by step, others), ended by a destroy.
#[must_use = "a test case does nothing until it is run"]
pub struct TestCase<'a> {
    workspace: &'a Workspace,
    preamble: String,
    steps: Vec<Step<'a>>,
    after_destroy: Option<AfterDestroy<'a>>,
}

/// A workspace a step may have written state in, and whether a destroy step emptied it since.
struct Touched<'a> {
    workspace: &'a Workspace,
    destroyed: bool,
}

impl<'a> TestCase<'a> {
    /// A case on `workspace`. Say what must be gone after the final destroy, with
    /// [`check_destroy`](TestCase::check_destroy) or
    /// [`nothing_to_check_after_destroy`](TestCase::nothing_to_check_after_destroy): a case that
    /// says neither fails.
    pub fn new(workspace: &'a Workspace) -> TestCase<'a> {
        TestCase {
            workspace,
            preamble: String::new(),
            steps: Vec::new(),
            after_destroy: None,
        }
    }

    /// Text put before each [`Step::config`] body in `main.tf`, typically the provider block.
    pub fn preamble(mut self, preamble: impl Into<String>) -> Self {
        self.preamble = preamble.into();
        self
    }

    pub fn step(mut self, step: Step<'a>) -> Self {
        self.steps.push(step);
        self
    }

    /// Runs `check` after the final destroy: it must find nothing the case created left behind
    /// (asked of AWS directly, not of terraform).
    pub fn check_destroy<F>(mut self, check: F) -> Self
    where
        F: AsyncFnOnce() + 'a,
    {
        self.after_destroy = Some(AfterDestroy::Check(Box::new(move || {
            Box::pin(async move { check().await })
        })));
        self
    }

    /// The case creates nothing outside the state (data sources only, say): `why` is for the
    /// reader, the destroy still runs.
    pub fn nothing_to_check_after_destroy(mut self, why: &str) -> Self {
        debug_assert!(!why.is_empty(), "say why there is nothing to check");
        self.after_destroy = Some(AfterDestroy::NothingToCheck);
        self
    }

    /// Runs the case and panics with the first failure.
    pub async fn run(self) {
        if let Err(error) = self.try_run().await {
            panic!("{error:#}");
        }
    }

    /// Runs the case; the error names the failing step and shows terraform's output. After a
    /// failure nothing more runs, not even the destroy: each test has an emulated account of its
    /// own, and the first failure is the one to read.
    pub async fn try_run(self) -> Result<()> {
        let after_destroy = self.after_destroy.ok_or_else(|| {
            anyhow!(
                "the case says neither what must be gone after its destroy (check_destroy) nor \
                 why nothing needs checking (nothing_to_check_after_destroy)"
            )
        })?;
        if self.steps.is_empty() {
            bail!("the case has no steps");
        }
        for (index, step) in self.steps.iter().enumerate() {
            validate(step).map_err(|error| anyhow!("{}: {error}", step.title(index + 1)))?;
        }

        let mut touched: Vec<Touched<'a>> = Vec::new();
        for (index, step) in self.steps.into_iter().enumerate() {
            let workspace = step.workspace.unwrap_or(self.workspace);
            let command = step.command.clone();
            let destroys = command == Command::Destroy && step.expected_errors.is_empty();
            run_step(&self.preamble, workspace, index + 1, step).await?;
            if command.writes_state() {
                let position = touched
                    .iter()
                    .position(|t| std::ptr::eq(t.workspace, workspace))
                    .unwrap_or_else(|| {
                        touched.push(Touched {
                            workspace,
                            destroyed: false,
                        });
                        touched.len() - 1
                    });
                touched[position].destroyed = destroys;
            }
        }

        // Reverse order: a workspace that imported another's objects goes first.
        let mut destroy_output = String::new();
        for touched in touched.iter().rev() {
            if !touched.destroyed {
                let run = touched
                    .workspace
                    .terraform(&["destroy", "-auto-approve", "-no-color"])
                    .await?;
                if run.code != 0 {
                    bail!("the case's final terraform destroy failed\n{}", shown(&run));
                }
                destroy_output.push_str(&run.stdout);
            }
            let run = touched
                .workspace
                .terraform(&["state", "list"])
                .await?
                .success()
                .context("terraform state list after the destroy")?;
            if !run.stdout.trim().is_empty() {
                bail!(
                    "after the destroy, the state still holds:\n{}\nterraform destroy said:\n{destroy_output}",
                    run.stdout
                );
            }
        }
        if let AfterDestroy::Check(check) = after_destroy {
            guarded(check()).await.map_err(|panic| {
                anyhow!(
                    "after the case's destroy, something is left: {panic}\nterraform destroy said:\n{destroy_output}"
                )
            })?;
        }
        Ok(())
    }
}

/// Refuses expectations a step's command never meets, before anything runs.
fn validate(step: &Step<'_>) -> Result<()> {
    let expects_changes = matches!(step.plan, PlanExpectation::NonEmpty { .. });
    if expects_changes && !step.expected_errors.is_empty() {
        bail!("a step expecting an error has no plan to expect changes in");
    }
    if expects_changes && !(step.command.is_applied() || step.command == Command::Plan) {
        bail!("its plan is not checked, so it cannot be expected to be non-empty");
    }
    Ok(())
}

/// Runs one step: its hook, its configuration, its command, its checks and, after an apply, the
/// plan that must be empty.
async fn run_step(
    preamble: &str,
    workspace: &Workspace,
    number: usize,
    step: Step<'_>,
) -> Result<()> {
    let title = step.title(number);
    if let Some(hook) = step.pre_config {
        guarded(hook())
            .await
            .map_err(|panic| anyhow!("{title}: pre_config failed: {panic}"))?;
    }
    match step.configuration {
        Configuration::Same => {}
        Configuration::Body(body) => {
            workspace.write_configuration(&format!("{preamble}\n{body}"))?
        }
        Configuration::Whole(whole) => workspace.write_configuration(&whole)?,
        Configuration::Deferred(body) => {
            workspace.write_configuration(&format!("{preamble}\n{}", body()))?
        }
    }

    let arguments = arguments(&step.command);
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    let run = workspace.terraform(&arguments).await?;
    let succeeded = if !step.expected_errors.is_empty() {
        // Terraform reports errors with exit 1; with -detailed-exitcode, 2 is a plan with changes.
        if run.code != 1 {
            bail!(
                "{title}: terraform exited {}, but an error was expected\n{}",
                run.code,
                shown(&run)
            );
        }
        let error = one_line(&run.stderr);
        if let Some(pattern) = step.expected_errors.iter().find(|p| !p.is_match(&error)) {
            bail!(
                "{title}: terraform failed, but not with an error matching /{pattern}/\n{}",
                shown(&run)
            );
        }
        false
    } else if step.command == Command::Plan {
        expect_plan(&run, &step.plan)
            .map_err(|error| anyhow!("{title}: {error}\n{}", shown(&run)))?;
        true
    } else {
        if run.code != 0 {
            bail!("{title}: terraform failed\n{}", shown(&run));
        }
        true
    };

    // `show -json` starts the providers again: only for checks that may read the plan.
    let plan = if step.command == Command::Plan && succeeded && !step.checks.is_empty() {
        let shown_plan = workspace
            .terraform(&["show", "-json", SAVED_PLAN])
            .await?
            .success()
            .with_context(|| format!("{title}: terraform show -json of the saved plan"))?;
        Some(
            serde_json::from_str(&shown_plan.stdout)
                .with_context(|| format!("{title}: terraform show -json printed no JSON"))?,
        )
    } else {
        None
    };
    let outcome = Rc::new(Outcome { run, plan });
    for check in step.checks {
        guarded(check(Rc::clone(&outcome)))
            .await
            .map_err(|panic| anyhow!("{title}: check failed: {panic}"))?;
    }

    if step.command.is_applied() && succeeded {
        let run = workspace
            .terraform(&["plan", "-detailed-exitcode", "-no-color"])
            .await?;
        expect_plan(&run, &step.plan).map_err(|error| {
            let hint = if step.plan == PlanExpectation::Empty {
                "; changes right after an apply are a provider bug, unless the step expects them \
                 with expect_non_empty_plan(reason)"
            } else {
                ""
            };
            anyhow!("{title}: after the apply, {error}{hint}\n{}", shown(&run))
        })?;
    }
    Ok(())
}

fn arguments(command: &Command) -> Vec<String> {
    let words: &[&str] = match command {
        Command::Apply => &["apply", "-auto-approve", "-no-color"],
        Command::ApplySavedPlan => &["apply", "-auto-approve", "-no-color", SAVED_PLAN],
        Command::Plan => &["plan", "-detailed-exitcode", "-no-color"],
        Command::RefreshOnly => &["apply", "-refresh-only", "-auto-approve", "-no-color"],
        Command::Import { address, id } => &["import", "-no-color", address.as_str(), id.as_str()],
        Command::Destroy => &["destroy", "-auto-approve", "-no-color"],
    };
    let mut arguments: Vec<String> = words.iter().map(|word| (*word).to_owned()).collect();
    if *command == Command::Plan {
        arguments.push(format!("-out={SAVED_PLAN}"));
    }
    arguments
}

/// Whether a `terraform plan -detailed-exitcode` answered as expected.
fn expect_plan(run: &Run, expected: &PlanExpectation) -> Result<()> {
    match (run.code, expected) {
        (0, PlanExpectation::Empty) | (2, PlanExpectation::NonEmpty { .. }) => Ok(()),
        (2, PlanExpectation::Empty) => {
            Err(anyhow!("terraform plan must be empty, but it has changes"))
        }
        (0, PlanExpectation::NonEmpty { reason }) => Err(anyhow!(
            "terraform plan must have changes ({reason}), but it is empty"
        )),
        (code, _) => Err(anyhow!("terraform plan failed (exit {code})")),
    }
}

/// Every run of whitespace as one space: Terraform wraps diagnostics at 80 columns, wherever the
/// words fall.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shown(run: &Run) -> String {
    format!(
        "terraform exited {}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

/// Runs a hook or check, turning its panic (a failed assertion) into the panic's message, so the
/// case can say which step it belongs to.
async fn guarded(future: Pin<Box<dyn Future<Output = ()> + '_>>) -> Result<(), String> {
    CatchUnwind(future)
        .await
        .map_err(|payload| panic_message(&*payload))
}

struct CatchUnwind<'a>(Pin<Box<dyn Future<Output = ()> + 'a>>);

impl Future for CatchUnwind<'_> {
    type Output = std::thread::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests;
