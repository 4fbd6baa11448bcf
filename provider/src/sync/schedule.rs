//! The EventBridge Scheduler schedule that invokes the function periodically: the safety net for
//! lost, late or unmatched events. Scheduler, not an EventBridge rule, because the default event
//! bus allows 300 rules per account and region, and Scheduler allows a million schedules.
//!
//! Schedules carry no tags: a schedule is this endpoint service's when its target is this
//! endpoint service's function.

use std::time::Duration;

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::types::{
    FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState, Target,
};

use super::error::{Result, SyncError, SyncPart, found};

const PART: SyncPart = SyncPart::Schedule;

/// How long IAM may take to let Scheduler assume a role created a moment ago.
const ROLE_PROPAGATION: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedSchedule {
    pub arn: String,
    pub expression: String,
    pub enabled: bool,
    pub target_arn: String,
    pub role_arn: String,
    pub input: Option<String>,
}

/// What a schedule should be.
pub struct ScheduleSpec<'a> {
    pub name: &'a str,
    pub expression: &'a str,
    pub function_arn: &'a str,
    pub role_arn: &'a str,
    pub input: &'a str,
    pub description: &'a str,
}

impl ObservedSchedule {
    pub fn differences(&self, spec: &ScheduleSpec<'_>) -> Vec<String> {
        let mut drift = Vec::new();
        if !self.enabled {
            drift.push("the schedule is disabled".to_owned());
        }
        if self.expression != spec.expression {
            drift.push(format!(
                "the schedule runs {} instead of {}",
                self.expression, spec.expression
            ));
        }
        if self.target_arn != spec.function_arn || self.role_arn != spec.role_arn {
            drift.push("the schedule's target or role changed".to_owned());
        }
        let same_input = self.input.as_deref().is_some_and(|input| {
            serde_json::from_str::<serde_json::Value>(input).ok()
                == serde_json::from_str::<serde_json::Value>(spec.input).ok()
        });
        if !same_input {
            drift.push("the schedule's payload changed".to_owned());
        }
        drift
    }
}

pub async fn read_schedule(scheduler: &Client, name: &str) -> Result<Option<ObservedSchedule>> {
    let answer = scheduler.get_schedule().name(name).send().await;
    let Some(schedule) = found(answer.map_err(|err| SyncError::aws(PART, name, "reading", &err)))?
    else {
        return Ok(None);
    };
    let target = schedule.target();
    Ok(Some(ObservedSchedule {
        arn: schedule.arn().unwrap_or_default().to_owned(),
        expression: schedule
            .schedule_expression()
            .unwrap_or_default()
            .to_owned(),
        enabled: schedule.state() != Some(&ScheduleState::Disabled),
        target_arn: target.map(|t| t.arn().to_owned()).unwrap_or_default(),
        role_arn: target.map(|t| t.role_arn().to_owned()).unwrap_or_default(),
        input: target.and_then(|t| t.input()).map(str::to_owned),
    }))
}

/// Creates or corrects the schedule; returns its ARN. A schedule of that name invoking anything
/// but this function is someone else's and is refused.
pub async fn ensure_schedule(scheduler: &Client, spec: &ScheduleSpec<'_>) -> Result<String> {
    let name = spec.name;
    let existing = read_schedule(scheduler, name).await?;
    if let Some(existing) = &existing {
        check_owner(existing, spec.function_arn, name)?;
        if existing.differences(spec).is_empty() {
            return Ok(existing.arn.clone());
        }
    }
    let target = Target::builder()
        .arn(spec.function_arn)
        .role_arn(spec.role_arn)
        .input(spec.input)
        // A missed run is worth nothing once the next one is due.
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(0)
                .maximum_event_age_in_seconds(60)
                .build(),
        )
        .build()
        .map_err(|err| SyncError::unexpected(PART, name, err.to_string()))?;
    let window = FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .map_err(|err| SyncError::unexpected(PART, name, err.to_string()))?;
    let started = tokio::time::Instant::now();
    loop {
        let written = if existing.is_some() {
            scheduler
                .update_schedule()
                .name(name)
                .description(spec.description)
                .schedule_expression(spec.expression)
                .state(ScheduleState::Enabled)
                .flexible_time_window(window.clone())
                .target(target.clone())
                .send()
                .await
                .map(|output| output.schedule_arn)
                .map_err(|err| SyncError::aws(PART, name, "updating", &err))
        } else {
            scheduler
                .create_schedule()
                .name(name)
                .description(spec.description)
                .schedule_expression(spec.expression)
                .state(ScheduleState::Enabled)
                .flexible_time_window(window.clone())
                .target(target.clone())
                .send()
                .await
                .map(|output| output.schedule_arn)
                .map_err(|err| SyncError::aws(PART, name, "creating", &err))
        };
        match written {
            Ok(arn) => return Ok(arn),
            // An earlier attempt whose answer was lost created it: read it and converge.
            Err(err) if err.code() == Some("ConflictException") => {
                return Box::pin(ensure_schedule(scheduler, spec)).await;
            }
            Err(err) if role_not_assumable_yet(&err) && started.elapsed() < ROLE_PROPAGATION => {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

fn role_not_assumable_yet(err: &SyncError) -> bool {
    matches!(err, SyncError::Aws { code: Some(code), failure, .. }
        if code == "ValidationException" && failure.contains("role"))
}

fn check_owner(existing: &ObservedSchedule, function_arn: &str, name: &str) -> Result<()> {
    if existing.target_arn == function_arn {
        return Ok(());
    }
    Err(SyncError::unexpected(
        PART,
        name,
        format!(
            "it invokes {} and not this endpoint service's function {function_arn}: rdslink never \
             changes or deletes what it cannot prove is its own; delete that schedule or choose another `name`",
            existing.target_arn
        ),
    ))
}

/// Deletes the schedule if it invokes `function_arn`; gone or another's is left alone.
pub async fn delete_schedule(scheduler: &Client, name: &str, function_arn: &str) -> Result<()> {
    let Some(existing) = read_schedule(scheduler, name).await? else {
        return Ok(());
    };
    if existing.target_arn != function_arn {
        return Ok(());
    }
    let deleted = scheduler
        .delete_schedule()
        .name(name)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "deleting", &err));
    found(deleted)?;
    Ok(())
}
