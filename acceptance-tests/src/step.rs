//! One step of a [`TestCase`](crate::case::TestCase): a configuration, a hook run before it, a
//! terraform command, what that command must answer, and checks of the result.
//!
//! ```no_run
//! # use rdslink_acceptance_tests::step::Step;
//! # async fn fail_over() {}
//! // Apply this configuration; the plan after it must be empty.
//! let create = Step::config("resource \"terraform_data\" \"this\" {}")
//!     .check(async |outcome| assert!(outcome.run.stdout.contains("1 added")));
//! // Keep the configuration, change the world, plan.
//! let drift = Step::same_config()
//!     .pre_config(async || fail_over().await)
//!     .plan_only()
//!     .expect_non_empty_plan("the failover must show in the plan");
//! ```

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use regex_lite::Regex;
use serde_json::Value;

use crate::{Run, Workspace};

pub(crate) type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
pub(crate) type Hook<'a> = Box<dyn FnOnce() -> LocalFuture<'a, ()> + 'a>;
pub(crate) type Check<'a> = Box<dyn FnOnce(Rc<Outcome>) -> LocalFuture<'a, ()> + 'a>;

/// What a step's command left for its checks to look at.
#[derive(Debug)]
pub struct Outcome {
    /// The output of the step's own command (for an apply, not of the plan that follows it).
    pub run: Run,
    /// For a [`Step::plan_only`] step that succeeded (and has checks): the plan as JSON
    /// (`terraform show -json` of the saved plan).
    pub plan: Option<Value>,
}

impl Outcome {
    /// The plan's JSON; panics unless the step was a plan that succeeded.
    pub fn plan(&self) -> &Value {
        self.plan
            .as_ref()
            .expect("only a successful plan_only step has a plan")
    }
}

/// The terraform command a step runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// `terraform apply`.
    Apply,
    /// `terraform apply` of the plan the last plan-only step saved in the same workspace.
    ApplySavedPlan,
    /// `terraform plan`, nothing applied; the plan is saved for a later [`Command::ApplySavedPlan`].
    Plan,
    /// `terraform apply -refresh-only`.
    RefreshOnly,
    /// `terraform import <address> <id>`.
    Import { address: String, id: String },
    /// `terraform destroy`.
    Destroy,
}

impl Command {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Command::Apply => "apply",
            Command::ApplySavedPlan => "apply of the saved plan",
            Command::Plan => "plan",
            Command::RefreshOnly => "refresh-only apply",
            Command::Import { .. } => "import",
            Command::Destroy => "destroy",
        }
    }

    /// Whether the command can write the state, so that the case must end with a destroy.
    pub(crate) fn writes_state(&self) -> bool {
        !matches!(self, Command::Plan)
    }

    /// Whether a successful run is followed by the empty-plan check.
    pub(crate) fn is_applied(&self) -> bool {
        matches!(
            self,
            Command::Apply | Command::ApplySavedPlan | Command::RefreshOnly
        )
    }
}

/// What `terraform plan -detailed-exitcode` must answer: the plan-only step's own plan, or the plan
/// run after an applied step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PlanExpectation {
    /// Exit 0: nothing to do.
    Empty,
    /// Exit 2: changes, for the reason given.
    NonEmpty { reason: String },
}

/// The configuration a step runs with.
pub(crate) enum Configuration<'a> {
    /// Keep `main.tf` as the previous step (or the workspace's creator) left it.
    Same,
    /// The case's preamble, then this.
    Body(String),
    /// The whole `main.tf`, without the case's preamble.
    Whole(String),
    /// The preamble, then what this returns when the step starts.
    Deferred(Box<dyn FnOnce() -> String + 'a>),
}

/// One step of a test case. Built with [`Step::config`] or [`Step::same_config`], then the
/// builder methods; by default a step applies its configuration and expects the plan that follows
/// to be empty.
#[must_use = "a step does nothing until it is added to a test case"]
pub struct Step<'a> {
    pub(crate) configuration: Configuration<'a>,
    pub(crate) command: Command,
    pub(crate) name: Option<String>,
    pub(crate) workspace: Option<&'a Workspace>,
    pub(crate) pre_config: Option<Hook<'a>>,
    pub(crate) expected_errors: Vec<Regex>,
    pub(crate) plan: PlanExpectation,
    pub(crate) checks: Vec<Check<'a>>,
}

impl<'a> Step<'a> {
    /// A step with this configuration after the case's preamble (the provider block).
    pub fn config(body: impl Into<String>) -> Step<'a> {
        Step::with(Configuration::Body(body.into()))
    }

    /// A step with this whole configuration, ignoring the case's preamble (e.g. to change the
    /// provider block itself).
    pub fn whole_config(configuration: impl Into<String>) -> Step<'a> {
        Step::with(Configuration::Whole(configuration.into()))
    }

    /// A step whose configuration (after the preamble) is computed when it starts, after its
    /// `pre_config`: from what earlier steps found, e.g. the id of something they created.
    pub fn config_with<F>(body: F) -> Step<'a>
    where
        F: FnOnce() -> String + 'a,
    {
        Step::with(Configuration::Deferred(Box::new(body)))
    }

    /// A step with the configuration the workspace already has.
    pub fn same_config() -> Step<'a> {
        Step::with(Configuration::Same)
    }

    fn with(configuration: Configuration<'a>) -> Step<'a> {
        Step {
            configuration,
            command: Command::Apply,
            name: None,
            workspace: None,
            pre_config: None,
            expected_errors: Vec::new(),
            plan: PlanExpectation::Empty,
            checks: Vec::new(),
        }
    }

    /// Names the step in error messages, beside its number.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Runs the step in another workspace than the case's (e.g. one importing what the case's
    /// workspace created). The case destroys it at the end too.
    pub fn in_workspace(mut self, workspace: &'a Workspace) -> Self {
        self.workspace = Some(workspace);
        self
    }

    /// Runs `hook` before the configuration is written and the command runs: a failover, a part
    /// deleted out of band, a database created late.
    pub fn pre_config<F>(mut self, hook: F) -> Self
    where
        F: AsyncFnOnce() + 'a,
    {
        self.pre_config = Some(Box::new(move || Box::pin(async move { hook().await })));
        self
    }

    /// `terraform plan` instead of apply: the plan must be empty, unless
    /// [`expect_non_empty_plan`](Step::expect_non_empty_plan). Checks see the plan as JSON.
    pub fn plan_only(mut self) -> Self {
        self.command = Command::Plan;
        self
    }

    /// Applies the plan the last [`plan_only`](Step::plan_only) step of this workspace saved,
    /// as `terraform apply <planfile>` does, whatever changed since.
    pub fn apply_saved_plan(mut self) -> Self {
        self.command = Command::ApplySavedPlan;
        self
    }

    /// `terraform apply -refresh-only`.
    pub fn refresh_only(mut self) -> Self {
        self.command = Command::RefreshOnly;
        self
    }

    /// `terraform import <address> <id>` instead of apply. The plan is not checked afterwards:
    /// an import is not applied.
    pub fn import(mut self, address: &str, id: &str) -> Self {
        self.command = Command::Import {
            address: address.to_owned(),
            id: id.to_owned(),
        };
        self
    }

    /// `terraform destroy` instead of apply. As the case's last step, it replaces the destroy
    /// the case would run.
    pub fn destroy(mut self) -> Self {
        self.command = Command::Destroy;
        self
    }

    /// The command must fail (exit 1) with an error output (stderr) matching the regex `pattern`;
    /// given several times, every pattern must match, in any order. Terraform wraps diagnostics at
    /// 80 columns wherever the words fall: the patterns see the output with every run of
    /// whitespace as one space.
    pub fn expect_error(mut self, pattern: &str) -> Self {
        let regex = Regex::new(pattern)
            .unwrap_or_else(|err| panic!("expect_error({pattern:?}) is not a regex: {err}"));
        self.expected_errors.push(regex);
        self
    }

    /// The plan (a plan-only step's own, or the one after an apply) must have changes, for
    /// `reason`. Without this a step's plan must be empty.
    pub fn expect_non_empty_plan(mut self, reason: impl Into<String>) -> Self {
        self.plan = PlanExpectation::NonEmpty {
            reason: reason.into(),
        };
        self
    }

    /// Checks the step's result (the state, AWS, the command's output) once its command has run.
    /// Checks run in the order they were added; a failed assertion fails the case at this step.
    pub fn check<F>(mut self, check: F) -> Self
    where
        F: AsyncFnOnce(&Outcome) + 'a,
    {
        self.checks.push(Box::new(move |outcome: Rc<Outcome>| {
            Box::pin(async move { check(&outcome).await })
        }));
        self
    }

    /// "step 3 (changing port, plan)" for error messages.
    pub(crate) fn title(&self, number: usize) -> String {
        match &self.name {
            Some(name) => format!("step {number} ({name}, {})", self.command.name()),
            None => format!("step {number} ({})", self.command.name()),
        }
    }
}
