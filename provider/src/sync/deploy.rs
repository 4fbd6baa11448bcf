//! The whole deployment, level-triggered: [`ensure`] brings every part to the spec whatever it
//! finds (nothing, a half-made deployment from a killed apply, parts changed outside Terraform),
//! [`observe`] reads every part and says what differs, [`remove`] deletes every part.
//! Each part is found by its derived name and changed only when it is this endpoint service's
//! ([`super::ownership`]), so running any of them again after an interruption is safe.

use crate::aws::SyncClients;

use super::error::{Result, SyncPart};
use super::function::{self, EnsuredFunction, Invocation, ObservedFunction};
use super::iam::{self, ObservedRole, RoleSpec};
use super::logs::{self, ObservedLogGroup};
use super::names::{EVENTS_PERMISSION_SID, SNS_PERMISSION_SID, SyncNames};
use super::ownership::Owner;
use super::policy::{self, Scope};
use super::rds_subscription::{self, ObservedSubscription};
use super::rule::{self, ObservedRule};
use super::schedule::{self, ObservedSchedule, ScheduleSpec};
use super::spec::{ExecutionRole, SyncSpec, schedule_input};
use super::topic::{self, ObservedTopic};

/// What a deployment is made of once [`ensure`] is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    pub function_arn: String,
    pub role_arn: String,
    pub code_sha256: String,
    pub event_rule_arn: Option<String>,
    pub sns_topic_arn: Option<String>,
    pub event_subscription_arn: Option<String>,
    pub schedule_arn: Option<String>,
}

/// How many times [`ensure`] starts over after a transient failure.
const ATTEMPTS: u32 = 4;

/// Brings the deployment to `spec`. A failure AWS may not repeat (throttling, a 5xx, an update in
/// progress, or a create whose answer was lost so that its retry meets the object it made) starts
/// the whole pass over: every step reads before it writes, so a pass is safe to repeat, the way a
/// controller requeues.
pub async fn ensure(clients: &SyncClients, spec: &SyncSpec) -> Result<Deployed> {
    let mut pause = std::time::Duration::from_secs(1);
    let mut attempt = 1;
    loop {
        match ensure_once(clients, spec).await {
            Err(err) if attempt < ATTEMPTS && (err.is_retryable() || err.is_conflict()) => {
                tracing::info!(attempt, error = %err, "sync deployment: starting the pass again");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// One pass, in three waves of independent steps (AWS answers each call in tens of milliseconds,
/// so the waves, not the calls, set the time): what needs no other part (the log group, both
/// roles, the rule, and reading the function); the function, which needs its role; then what
/// needs the function: its two settings, the schedule, and the permissions of its event sources
/// (the rule's and the SNS path's one after the other when both change the function's resource
/// policy, which Lambda updates one change at a time).
async fn ensure_once(clients: &SyncClients, spec: &SyncSpec) -> Result<Deployed> {
    let owner = Owner(spec.owner.clone());
    let names = &spec.names;
    // The function's ARN follows from its name, so neither the scheduler role nor the rule's
    // target waits for the function (EventBridge does not ask a target to exist).
    let function_arn = names.function_arn(&spec.scope);
    // Each step boxed: side by side, their futures would otherwise share one large stack frame.
    let (_, role_arn, scheduler_role_arn, event_rule_arn, existing_function) = tokio::try_join!(
        Box::pin(logs::ensure_log_group(
            &clients.logs,
            &spec.scope,
            &owner,
            &names.log_group,
            spec.log_retention_days,
            &spec.tags,
        )),
        Box::pin(ensure_execution_role(clients, &owner, spec)),
        Box::pin(ensure_scheduler_role(clients, &owner, spec, &function_arn)),
        Box::pin(ensure_event_rule(clients, &owner, spec, &function_arn)),
        Box::pin(function::read_function(&clients.lambda, &names.function)),
    )?;
    let function = Box::pin(function::ensure_function(
        &clients.lambda,
        &owner,
        spec,
        &role_arn,
        existing_function,
    ))
    .await?;

    let event_sources = async {
        let rule = allow_rule(clients, spec, &function, event_rule_arn.as_deref());
        let sns = ensure_sns_delivery(clients, &owner, spec, &function);
        // Lambda changes a function's resource policy one change at a time: the two paths go
        // side by side only when at most one of them changes it (a function made a moment ago
        // has no statement to revoke).
        let both_grant = event_rule_arn.is_some() && spec.event_subscription_source().is_some();
        let ((), (sns_topic_arn, event_subscription_arn)) = if function.created && !both_grant {
            tokio::try_join!(rule, sns)?
        } else {
            (rule.await?, sns.await?)
        };
        Ok((sns_topic_arn, event_subscription_arn))
    };
    let ((sns_topic_arn, event_subscription_arn), schedule_arn, ()) = tokio::try_join!(
        Box::pin(event_sources),
        Box::pin(ensure_schedule(
            clients,
            &owner,
            spec,
            &function.arn,
            scheduler_role_arn.as_deref()
        )),
        Box::pin(function::ensure_settings(&clients.lambda, spec, &function)),
    )?;

    if matches!(spec.execution_role, ExecutionRole::Provided { .. }) {
        // The role rdslink managed before the user brought their own, if any.
        iam::delete_role(&clients.iam, &owner, SyncPart::Role, &names.role).await?;
    }

    Ok(Deployed {
        function_arn: function.arn,
        role_arn,
        code_sha256: function.code_sha256,
        event_rule_arn,
        sns_topic_arn,
        event_subscription_arn,
        schedule_arn,
    })
}

/// The function's role: rdslink's managed one, or the user's as given.
async fn ensure_execution_role(
    clients: &SyncClients,
    owner: &Owner,
    spec: &SyncSpec,
) -> Result<String> {
    match &spec.execution_role {
        ExecutionRole::Managed {
            permissions_boundary,
        } => {
            let trust = policy::lambda_trust_policy(&spec.scope);
            let permissions = spec.execution_policy();
            iam::ensure_role(
                &clients.iam,
                owner,
                &RoleSpec {
                    part: SyncPart::Role,
                    name: &spec.names.role,
                    trust: &trust,
                    policy: &permissions,
                    permissions_boundary: permissions_boundary.as_deref(),
                    tags: &spec.tags,
                    description: "rdslink sync function: keeps one target group on its database's primary",
                },
            )
            .await
        }
        ExecutionRole::Provided { arn } => Ok(arn.clone()),
    }
}

/// The role the schedule invokes the function with, when there is a schedule; its ARN.
async fn ensure_scheduler_role(
    clients: &SyncClients,
    owner: &Owner,
    spec: &SyncSpec,
    function_arn: &str,
) -> Result<Option<String>> {
    if spec.schedule.is_none() {
        return Ok(None);
    }
    let trust = policy::scheduler_trust_policy(&spec.scope);
    let permissions = policy::scheduler_policy(function_arn);
    let boundary = match &spec.execution_role {
        ExecutionRole::Managed {
            permissions_boundary,
        } => permissions_boundary.as_deref(),
        ExecutionRole::Provided { .. } => None,
    };
    let arn = iam::ensure_role(
        &clients.iam,
        owner,
        &RoleSpec {
            part: SyncPart::SchedulerRole,
            name: &spec.names.scheduler_role,
            trust: &trust,
            policy: &permissions,
            permissions_boundary: boundary,
            tags: &spec.tags,
            description: "rdslink sync schedule: invokes one sync function",
        },
    )
    .await?;
    Ok(Some(arn))
}

/// The EventBridge rule on the database's events, delivering to `function_arn`; or, when events
/// go through SNS only, the rule removed. Its ARN when there is one.
async fn ensure_event_rule(
    clients: &SyncClients,
    owner: &Owner,
    spec: &SyncSpec,
    function_arn: &str,
) -> Result<Option<String>> {
    let names = &spec.names;
    match spec.event_pattern() {
        Some(pattern) => {
            let arn = rule::ensure_rule(
                &clients.events,
                owner,
                &names.rule,
                &pattern,
                function_arn,
                &spec.tags,
            )
            .await?;
            Ok(Some(arn))
        }
        None => {
            rule::delete_rule(&clients.events, owner, &names.rule).await?;
            Ok(None)
        }
    }
}

/// The function's permission for the rule `rule_arn`, or none without a rule.
async fn allow_rule(
    clients: &SyncClients,
    spec: &SyncSpec,
    function: &EnsuredFunction,
    rule_arn: Option<&str>,
) -> Result<()> {
    let name = &spec.names.function;
    match rule_arn {
        Some(rule_arn) => {
            function::allow_invocation(
                &clients.lambda,
                name,
                function.created,
                Invocation {
                    sid: EVENTS_PERMISSION_SID,
                    principal: "events.amazonaws.com",
                    source_arn: rule_arn,
                    account_id: &spec.scope.account_id,
                },
            )
            .await
        }
        None if function.created => Ok(()),
        None => function::revoke_invocation(&clients.lambda, name, EVENTS_PERMISSION_SID).await,
    }
}

/// The schedule (its role made by [`ensure_scheduler_role`]); or, without one, the schedule and
/// its role removed.
async fn ensure_schedule(
    clients: &SyncClients,
    owner: &Owner,
    spec: &SyncSpec,
    function_arn: &str,
    scheduler_role_arn: Option<&str>,
) -> Result<Option<String>> {
    let names = &spec.names;
    match (&spec.schedule, scheduler_role_arn) {
        (Some(expression), Some(role_arn)) => {
            let input = schedule_input(&names.schedule_arn(&spec.scope));
            let arn = schedule::ensure_schedule(
                &clients.scheduler,
                &ScheduleSpec {
                    name: &names.schedule,
                    expression,
                    function_arn,
                    role_arn,
                    input: &input,
                    description: "rdslink: the periodic safety net of one sync function",
                },
            )
            .await?;
            Ok(Some(arn))
        }
        // No schedule (a scheduler role exists exactly when a schedule is asked for).
        _ => {
            schedule::delete_schedule(&clients.scheduler, &names.schedule, function_arn).await?;
            iam::delete_role(
                &clients.iam,
                owner,
                SyncPart::SchedulerRole,
                &names.scheduler_role,
            )
            .await?;
            Ok(None)
        }
    }
}

/// The SNS path (`events = "sns"`): topic, the function's subscription and permission, then the
/// RDS event subscription that publishes to the topic; or, when it is off, the same parts removed
/// in the reverse order. Returns the topic's and the event subscription's ARNs.
async fn ensure_sns_delivery(
    clients: &SyncClients,
    owner: &Owner,
    spec: &SyncSpec,
    function: &EnsuredFunction,
) -> Result<(Option<String>, Option<String>)> {
    let names = &spec.names;
    let topic_arn = names.topic_arn(&spec.scope);
    let Some(source) = spec.event_subscription_source() else {
        rds_subscription::delete_subscription(&clients.rds, owner, &names.event_subscription)
            .await?;
        topic::delete_topic(&clients.sns, owner, &topic_arn).await?;
        if !function.created {
            function::revoke_invocation(&clients.lambda, &names.function, SNS_PERMISSION_SID)
                .await?;
        }
        return Ok((None, None));
    };
    topic::ensure_topic(
        &clients.sns,
        owner,
        &names.topic,
        &topic_arn,
        &spec.topic_policy(),
        &function.arn,
        &spec.tags,
    )
    .await?;
    function::allow_invocation(
        &clients.lambda,
        &names.function,
        function.created,
        Invocation {
            sid: SNS_PERMISSION_SID,
            principal: "sns.amazonaws.com",
            source_arn: &topic_arn,
            account_id: &spec.scope.account_id,
        },
    )
    .await?;
    let subscription_arn = rds_subscription::ensure_subscription(
        &clients.rds,
        owner,
        &names.event_subscription,
        &source,
        &topic_arn,
        &spec.tags,
    )
    .await?;
    Ok((Some(topic_arn), Some(subscription_arn)))
}

/// Every part as AWS reports it (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub function: Option<ObservedFunction>,
    pub role: Option<ObservedRole>,
    pub scheduler_role: Option<ObservedRole>,
    pub log_group: Option<ObservedLogGroup>,
    pub rule: Option<ObservedRule>,
    pub topic: Option<ObservedTopic>,
    pub event_subscription: Option<ObservedSubscription>,
    pub schedule: Option<ObservedSchedule>,
}

pub async fn observe(
    clients: &SyncClients,
    scope: &Scope,
    names: &SyncNames,
) -> Result<Observation> {
    let topic_arn = names.topic_arn(scope);
    let (function, role, scheduler_role, log_group, rule, topic, event_subscription, schedule) = tokio::try_join!(
        function::read_function(&clients.lambda, &names.function),
        iam::read_role(&clients.iam, SyncPart::Role, &names.role),
        iam::read_role(&clients.iam, SyncPart::SchedulerRole, &names.scheduler_role),
        logs::read_log_group(&clients.logs, scope, &names.log_group),
        rule::read_rule(&clients.events, &names.rule),
        topic::read_topic(&clients.sns, &topic_arn),
        rds_subscription::read_subscription(&clients.rds, &names.event_subscription),
        schedule::read_schedule(&clients.scheduler, &names.schedule),
    )?;
    Ok(Observation {
        function,
        role,
        scheduler_role,
        log_group,
        rule,
        topic,
        event_subscription,
        schedule,
    })
}

impl Observation {
    /// What differs from `spec`, one phrase per difference; empty when the deployment is as
    /// `spec` says. The function's code is left out: `code_sha256` shows it in the plan.
    pub fn drift(&self, spec: &SyncSpec) -> Vec<String> {
        let owner = Owner(spec.owner.clone());
        let mut drift = Vec::new();
        let mut missing = |what: &str| drift.push(format!("the {what} is missing"));
        let role_arn = match (&spec.execution_role, &self.role) {
            (ExecutionRole::Provided { arn }, _) => Some(arn.clone()),
            (ExecutionRole::Managed { .. }, Some(role)) => Some(role.arn.clone()),
            (ExecutionRole::Managed { .. }, None) => {
                missing("function's IAM role");
                None
            }
        };
        if self.log_group.is_none() {
            missing("function's log group");
        }
        let Some(function) = &self.function else {
            missing("sync function");
            return drift;
        };
        if !owner.owns(&function.tags) {
            drift.push("the function is not tagged as this endpoint service's".to_owned());
        }
        if let (
            ExecutionRole::Managed {
                permissions_boundary,
            },
            Some(role),
        ) = (&spec.execution_role, &self.role)
        {
            if role.trust != policy::lambda_trust_policy(&spec.scope) {
                drift.push("the function role's trust policy changed".to_owned());
            }
            if role.policy.as_ref() != Some(&spec.execution_policy()) {
                drift.push("the function role's policy changed".to_owned());
            }
            if role.permissions_boundary != *permissions_boundary {
                drift.push("the function role's permissions boundary changed".to_owned());
            }
        }
        if let Some(log_group) = &self.log_group
            && log_group.retention_days != Some(spec.log_retention_days as i32)
        {
            drift.push("the log group's retention changed".to_owned());
        }
        drift.extend(function.differences(spec, role_arn.as_deref().unwrap_or_default()));
        match (spec.event_pattern(), &self.rule) {
            (Some(pattern), Some(rule)) => drift.extend(rule.differences(&pattern, &function.arn)),
            (Some(_), None) => drift.push("the EventBridge rule is missing".to_owned()),
            (None, Some(rule)) if owner.owns(&rule.tags) => {
                drift.push("an EventBridge rule exists although events are off".to_owned())
            }
            (None, _) => {}
        }
        drift.extend(self.sns_drift(spec, &owner, &function.arn));
        match (&spec.schedule, &self.schedule) {
            (Some(expression), Some(schedule)) => {
                let input = schedule_input(&spec.names.schedule_arn(&spec.scope));
                let role = self
                    .scheduler_role
                    .as_ref()
                    .map(|role| role.arn.as_str())
                    .unwrap_or_default();
                drift.extend(schedule.differences(&ScheduleSpec {
                    name: &spec.names.schedule,
                    expression,
                    function_arn: &function.arn,
                    role_arn: role,
                    input: &input,
                    description: "",
                }));
                match &self.scheduler_role {
                    None => drift.push("the schedule's IAM role is missing".to_owned()),
                    Some(role)
                        if role.policy.as_ref()
                            != Some(&policy::scheduler_policy(&function.arn)) =>
                    {
                        drift.push("the schedule role's policy changed".to_owned())
                    }
                    Some(_) => {}
                }
            }
            (Some(_), None) => drift.push("the schedule is missing".to_owned()),
            (None, Some(schedule)) if schedule.target_arn == function.arn => {
                drift.push("a schedule exists although the schedule is off".to_owned())
            }
            (None, _) => {}
        }
        drift
    }
}

impl Observation {
    fn sns_drift(&self, spec: &SyncSpec, owner: &Owner, function_arn: &str) -> Vec<String> {
        let mut drift = Vec::new();
        let Some(source) = spec.event_subscription_source() else {
            if self
                .event_subscription
                .as_ref()
                .is_some_and(|subscription| owner.owns(&subscription.tags))
            {
                drift.push(
                    "an RDS event subscription exists although SNS delivery is off".to_owned(),
                );
            }
            if self
                .topic
                .as_ref()
                .is_some_and(|topic| owner.owns(&topic.tags))
            {
                drift.push("an SNS topic exists although SNS delivery is off".to_owned());
            }
            return drift;
        };
        match &self.topic {
            Some(topic) => drift.extend(topic.differences(&spec.topic_policy(), function_arn)),
            None => drift.push("the SNS topic is missing".to_owned()),
        }
        match &self.event_subscription {
            Some(subscription) => {
                drift.extend(subscription.differences(&source, &spec.names.topic_arn(&spec.scope)))
            }
            None => drift.push("the RDS event subscription is missing".to_owned()),
        }
        drift
    }
}

/// Deletes every part this endpoint service owns, side by side (the log group after the
/// function); parts already gone or not its own are left alone.
pub async fn remove(
    clients: &SyncClients,
    owner: &Owner,
    scope: &Scope,
    names: &SyncNames,
) -> Result<()> {
    let function_arn = names.function_arn(scope);
    // Every part on its own, side by side: an event or schedule that still reaches the function,
    // or a function that runs once more without its role, fails and changes nothing. Only the
    // log group waits for the function, which would otherwise write into it again.
    // Each step boxed: side by side, their futures would otherwise share one large stack frame.
    tokio::try_join!(
        Box::pin(schedule::delete_schedule(
            &clients.scheduler,
            &names.schedule,
            &function_arn
        )),
        Box::pin(iam::delete_role(
            &clients.iam,
            owner,
            SyncPart::SchedulerRole,
            &names.scheduler_role,
        )),
        Box::pin(rule::delete_rule(&clients.events, owner, &names.rule)),
        Box::pin(async {
            rds_subscription::delete_subscription(&clients.rds, owner, &names.event_subscription)
                .await?;
            topic::delete_topic(&clients.sns, owner, &names.topic_arn(scope)).await
        }),
        Box::pin(iam::delete_role(
            &clients.iam,
            owner,
            SyncPart::Role,
            &names.role
        )),
        Box::pin(async {
            let (deleted, log_group) = tokio::join!(
                function::delete_function(&clients.lambda, owner, &names.function),
                logs::read_log_group(&clients.logs, scope, &names.log_group),
            );
            deleted?;
            logs::delete_read_log_group(&clients.logs, owner, &names.log_group, log_group?).await
        }),
    )?;
    Ok(())
}
