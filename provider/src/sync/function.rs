//! The sync function: created from the zip embedded in the provider ([`super::code`]), then kept
//! equal to the spec (code, configuration, reserved concurrency, asynchronous invocation
//! settings, tags) by [`ensure_function`], and read back by [`read_function`] for drift.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment, FunctionCode, LastUpdateStatus, Runtime, State, VpcConfig,
};
use rdslink_engine::function_env;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::code;
use super::error::{Result, SyncError, SyncPart, found};
use super::ownership::{self, Owner};
use super::policy::VpcAttachment;
use super::spec::{self, SyncSpec};

const PART: SyncPart = SyncPart::Function;

/// How long IAM may take to let Lambda assume a role created a moment ago (terraform-provider-aws
/// waits as long for the same error).
const ROLE_PROPAGATION: Duration = Duration::from_secs(120);

/// The function as Lambda reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedFunction {
    pub arn: String,
    pub code_sha256: String,
    pub role: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub architectures: Vec<String>,
    pub memory_size: Option<i32>,
    pub timeout: Option<i32>,
    pub environment: BTreeMap<String, String>,
    /// `None`: not attached to a VPC.
    pub vpc: Option<VpcAttachment>,
    /// `None`: no reserved concurrency (the account's unreserved pool).
    pub reserved_concurrency: Option<i32>,
    pub tags: BTreeMap<String, String>,
    /// `(maximum retry attempts, maximum event age)`; `None` when Lambda's defaults apply.
    pub async_invocation: Option<(Option<i32>, Option<i32>)>,
}

impl ObservedFunction {
    /// What differs from `spec` (besides the code, which [`code::code_sha256`] decides), one
    /// phrase each, for the plan's drift list.
    pub fn differences(&self, spec: &SyncSpec, role_arn: &str) -> Vec<String> {
        let mut drift = Vec::new();
        if self.role != role_arn {
            drift.push(format!(
                "the function runs as {} instead of {role_arn}",
                self.role
            ));
        }
        if self.runtime.as_deref() != Some(spec::RUNTIME)
            || self.handler.as_deref() != Some(spec::HANDLER)
            || self.architectures != [spec::ARCHITECTURE]
        {
            drift.push("the function's runtime, handler or architecture changed".to_owned());
        }
        if self.memory_size != Some(spec.memory_size as i32) {
            drift.push(format!(
                "the function's memory is {} MB instead of {}",
                self.memory_size.unwrap_or_default(),
                spec.memory_size
            ));
        }
        if self.timeout != Some(spec.timeout_seconds() as i32) {
            drift.push(format!(
                "the function's timeout is {} s instead of {}",
                self.timeout.unwrap_or_default(),
                spec.timeout_seconds()
            ));
        }
        if !function_env::same_settings(&self.environment, &spec.environment()) {
            drift.push("the function's environment changed".to_owned());
        }
        if self.vpc != spec.vpc {
            drift.push(match &spec.vpc {
                Some(_) => "the function's VPC subnets or security groups changed".to_owned(),
                None => "the function is attached to a VPC".to_owned(),
            });
        }
        if self.reserved_concurrency != Some(spec::RESERVED_CONCURRENCY) {
            drift.push(match self.reserved_concurrency {
                None => "the function's reserved concurrency of 1 was removed".to_owned(),
                Some(n) => format!("the function's reserved concurrency is {n} instead of 1"),
            });
        }
        if self.async_invocation != Some(wanted_async_invocation(spec)) {
            drift.push("the function's asynchronous invocation settings changed".to_owned());
        }
        drift
    }
}

fn wanted_async_invocation(spec: &SyncSpec) -> (Option<i32>, Option<i32>) {
    (
        Some(spec::MAX_RETRY_ATTEMPTS),
        Some(spec.max_event_age_seconds()),
    )
}

pub async fn read_function(lambda: &Client, name: &str) -> Result<Option<ObservedFunction>> {
    // Both by name, so side by side (the settings are "not found" too when the function is).
    let (answer, async_invocation) = tokio::join!(
        lambda.get_function().function_name(name).send(),
        lambda
            .get_function_event_invoke_config()
            .function_name(name)
            .send(),
    );
    let Some(output) = found(answer.map_err(|err| SyncError::aws(PART, name, "reading", &err)))?
    else {
        return Ok(None);
    };
    let Some(config) = output.configuration() else {
        return Err(SyncError::unexpected(
            PART,
            name,
            "GetFunction answered no configuration",
        ));
    };
    let async_invocation = async_invocation.map_err(|err| {
        SyncError::aws(
            PART,
            name,
            "reading the asynchronous invocation settings of",
            &err,
        )
    });
    let async_invocation = found(async_invocation)?.map(|settings| {
        (
            settings.maximum_retry_attempts(),
            settings.maximum_event_age_in_seconds(),
        )
    });
    Ok(Some(ObservedFunction {
        arn: config.function_arn().unwrap_or_default().to_owned(),
        code_sha256: config.code_sha256().unwrap_or_default().to_owned(),
        role: config.role().unwrap_or_default().to_owned(),
        runtime: config.runtime().map(|runtime| runtime.as_str().to_owned()),
        handler: config.handler().map(str::to_owned),
        architectures: config
            .architectures()
            .iter()
            .map(|architecture| architecture.as_str().to_owned())
            .collect(),
        memory_size: config.memory_size(),
        timeout: config.timeout(),
        environment: config
            .environment()
            .and_then(|environment| environment.variables())
            .map(|variables| {
                variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        vpc: config.vpc_config().and_then(|vpc| {
            let attachment = VpcAttachment {
                subnet_ids: vpc.subnet_ids().iter().cloned().collect(),
                security_group_ids: vpc.security_group_ids().iter().cloned().collect(),
            };
            // Lambda answers empty lists for a function detached from its VPC.
            (!attachment.subnet_ids.is_empty()).then_some(attachment)
        }),
        reserved_concurrency: output
            .concurrency()
            .and_then(|concurrency| concurrency.reserved_concurrent_executions()),
        tags: output
            .tags()
            .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        async_invocation,
    }))
}

/// What [`ensure_function`] leaves: the function as Lambda last answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsuredFunction {
    pub arn: String,
    pub code_sha256: String,
    /// Made by this call, so its resource policy has no statement yet: whoever grants
    /// invocations need not read the policy first.
    pub created: bool,
    /// The two settings [`ensure_settings`] keeps, as they were before (a function made a
    /// moment ago has neither).
    reserved_concurrency: Option<i32>,
    async_invocation: Option<(Option<i32>, Option<i32>)>,
}

/// Creates the function or brings this owner's `existing` one (read by [`read_function`]) to
/// `spec`: code, configuration and tags. Its two settings of their own are [`ensure_settings`]'s.
pub async fn ensure_function(
    lambda: &Client,
    owner: &Owner,
    spec: &SyncSpec,
    role_arn: &str,
    existing: Option<ObservedFunction>,
) -> Result<EnsuredFunction> {
    let name = spec.names.function.as_str();
    let created = match &existing {
        None => create_function(lambda, spec, role_arn).await?,
        Some(existing) => {
            ownership::check(owner, PART, name, &existing.tags)?;
            if existing.code_sha256 != code::code_sha256()
                || existing.architectures != [spec::ARCHITECTURE]
            {
                update_code(lambda, name).await?;
            }
            let config_drift = existing.role != role_arn
                || existing.runtime.as_deref() != Some(spec::RUNTIME)
                || existing.handler.as_deref() != Some(spec::HANDLER)
                || existing.memory_size != Some(spec.memory_size as i32)
                || existing.timeout != Some(spec.timeout_seconds() as i32)
                || !function_env::same_settings(&existing.environment, &spec.environment())
                || existing.vpc != spec.vpc;
            if config_drift {
                update_configuration(lambda, spec, role_arn).await?;
            }
            let missing: HashMap<String, String> = spec
                .tags
                .iter()
                .filter(|(key, value)| existing.tags.get(*key) != Some(*value))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            if !missing.is_empty() {
                lambda
                    .tag_resource()
                    .resource(&existing.arn)
                    .set_tags(Some(missing))
                    .send()
                    .await
                    .map_err(|err| SyncError::aws(PART, name, "tagging", &err))?;
            }
            false
        }
    };
    // The function as it is once every change above took effect.
    let ready = wait_ready(lambda, name).await?;
    let (reserved_concurrency, async_invocation) = existing
        .map(|existing| (existing.reserved_concurrency, existing.async_invocation))
        .unwrap_or_default();
    Ok(EnsuredFunction {
        arn: ready.function_arn().unwrap_or_default().to_owned(),
        code_sha256: ready.code_sha256().unwrap_or_default().to_owned(),
        created,
        reserved_concurrency,
        async_invocation,
    })
}

/// The function's reserved concurrency and asynchronous invocation settings: settings of their
/// own, not updates of the function, so set side by side (and beside the event sources).
pub async fn ensure_settings(
    lambda: &Client,
    spec: &SyncSpec,
    function: &EnsuredFunction,
) -> Result<()> {
    let name = spec.names.function.as_str();
    let wanted = wanted_async_invocation(spec);
    let (retries, age) = wanted;
    let concurrency = async {
        if function.reserved_concurrency == Some(spec::RESERVED_CONCURRENCY) {
            return Ok(());
        }
        lambda
            .put_function_concurrency()
            .function_name(name)
            .reserved_concurrent_executions(spec::RESERVED_CONCURRENCY)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| SyncError::aws(PART, name, "reserving concurrency 1 for", &err))
    };
    let async_invocation = async {
        if function.async_invocation == Some(wanted) {
            return Ok(());
        }
        lambda
            .put_function_event_invoke_config()
            .function_name(name)
            .set_maximum_retry_attempts(retries)
            .set_maximum_event_age_in_seconds(age)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| {
                SyncError::aws(
                    PART,
                    name,
                    "setting the asynchronous invocation settings of",
                    &err,
                )
            })
    };
    tokio::try_join!(concurrency, async_invocation)?;
    Ok(())
}

fn environment(spec: &SyncSpec) -> Environment {
    Environment::builder()
        .set_variables(Some(spec.environment().into_iter().collect()))
        .build()
}

/// The function's VPC configuration; empty lists detach it (UpdateFunctionConfiguration).
fn vpc_config(spec: &SyncSpec) -> VpcConfig {
    let attachment = spec.vpc.clone().unwrap_or_default();
    VpcConfig::builder()
        .set_subnet_ids(Some(attachment.subnet_ids.into_iter().collect()))
        .set_security_group_ids(Some(attachment.security_group_ids.into_iter().collect()))
        .build()
}

/// `true` when this call made the function; `false` when an earlier attempt, whose answer was
/// lost, did (its resource policy is then not known to be empty).
async fn create_function(lambda: &Client, spec: &SyncSpec, role_arn: &str) -> Result<bool> {
    let name = spec.names.function.as_str();
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_secs(1);
    loop {
        let upload = code_upload().await;
        let created = lambda
            .create_function()
            .function_name(name)
            .description(format!(
                "rdslink: keeps the target group of endpoint service {} on its database's primary",
                spec.owner
            ))
            .runtime(Runtime::Providedal2023)
            .handler(spec::HANDLER)
            .architectures(Architecture::Arm64)
            .role(role_arn)
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(code::ZIP))
                    .build(),
            )
            .memory_size(spec.memory_size as i32)
            .timeout(spec.timeout_seconds() as i32)
            .environment(environment(spec))
            .set_vpc_config(spec.vpc.is_some().then(|| vpc_config(spec)))
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "creating", &err));
        drop(upload);
        match created {
            Ok(_) => return Ok(true),
            // An earlier attempt whose answer was lost created it (with the tags): converge it.
            Err(err) if err.code() == Some("ResourceConflictException") => return Ok(false),
            Err(err) if role_not_assumable_yet(&err) && started.elapsed() < ROLE_PROPAGATION => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
            }
            Err(err) => return Err(err),
        }
    }
}

/// How many uploads of the function's code one provider process sends at once. Each holds the
/// 2.7 MB zip several times over while in flight (copied into the request, base64 in its JSON
/// body, signed), and Terraform creates up to 10 resources side by side: unbounded, the uploads
/// alone would set the process's peak memory, growing with the configuration. One at a time
/// keeps the peak flat (`make bench`: 1.17x of one service's with 10 services, where two at a
/// time gave 1.62x). It costs no time on the critical path of a create: the function is
/// deployed while the load balancer is provisioned, which takes minutes on AWS.
const CONCURRENT_CODE_UPLOADS: usize = 1;

static CODE_UPLOADS: Semaphore = Semaphore::const_new(CONCURRENT_CODE_UPLOADS);

/// A turn to upload the code (see [`CONCURRENT_CODE_UPLOADS`]), held until the request is done.
async fn code_upload() -> SemaphorePermit<'static> {
    CODE_UPLOADS
        .acquire()
        .await
        .expect("the code uploads' semaphore is never closed")
}

/// IAM is eventually consistent: a role created a moment ago may not be assumable by Lambda yet.
fn role_not_assumable_yet(err: &SyncError) -> bool {
    matches!(err, SyncError::Aws { code: Some(code), failure, .. }
        if code == "InvalidParameterValueException" && failure.contains("cannot be assumed"))
}

async fn update_code(lambda: &Client, name: &str) -> Result<()> {
    wait_ready(lambda, name).await?;
    let _upload = code_upload().await;
    lambda
        .update_function_code()
        .function_name(name)
        .zip_file(Blob::new(code::ZIP))
        .architectures(Architecture::Arm64)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "updating the code of", &err))?;
    Ok(())
}

async fn update_configuration(lambda: &Client, spec: &SyncSpec, role_arn: &str) -> Result<()> {
    let name = spec.names.function.as_str();
    wait_ready(lambda, name).await?;
    let started = tokio::time::Instant::now();
    loop {
        let updated = lambda
            .update_function_configuration()
            .function_name(name)
            .role(role_arn)
            .runtime(Runtime::Providedal2023)
            .handler(spec::HANDLER)
            .memory_size(spec.memory_size as i32)
            .timeout(spec.timeout_seconds() as i32)
            .environment(environment(spec))
            .vpc_config(vpc_config(spec))
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "updating the configuration of", &err));
        match updated {
            Ok(_) => return Ok(()),
            Err(err) if role_not_assumable_yet(&err) && started.elapsed() < ROLE_PROPAGATION => {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

/// Waits until Lambda accepts the next change: the function is `Active` and no update is in
/// progress; returns its configuration then. A failed state or update is an error naming
/// Lambda's reason.
async fn wait_ready(lambda: &Client, name: &str) -> Result<GetFunctionConfigurationOutput> {
    let mut pause = Duration::from_millis(200);
    loop {
        let config = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(|err| SyncError::aws(PART, name, "reading", &err))?;
        match (config.state(), config.last_update_status()) {
            (Some(State::Failed), _) | (_, Some(LastUpdateStatus::Failed)) => {
                let reason = config
                    .last_update_status_reason()
                    .or(config.state_reason())
                    .unwrap_or("no reason given");
                return Err(SyncError::unexpected(
                    PART,
                    name,
                    format!("Lambda reports it failed: {reason}"),
                ));
            }
            (Some(State::Pending), _) | (_, Some(LastUpdateStatus::InProgress)) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 3 / 2).min(Duration::from_secs(5));
            }
            _ => return Ok(config),
        }
    }
}

/// Lets `principal` (a service) invoke the function from `source_arn` only, under `sid`;
/// replaces a statement of that id that says anything else. `policy_empty`: the function was
/// made a moment ago ([`EnsuredFunction::created`]), so there is no statement to read.
pub async fn allow_invocation(
    lambda: &Client,
    function: &str,
    policy_empty: bool,
    invocation: Invocation<'_>,
) -> Result<()> {
    let Invocation {
        sid,
        principal,
        source_arn,
        account_id,
    } = invocation;
    let current = if policy_empty {
        None
    } else {
        invocation_source(lambda, function, sid).await?
    };
    match current {
        Some(current) if current == source_arn => return Ok(()),
        Some(_) => revoke_invocation(lambda, function, sid).await?,
        None => {}
    }
    lambda
        .add_permission()
        .function_name(function)
        .statement_id(sid)
        .action("lambda:InvokeFunction")
        .principal(principal)
        .source_arn(source_arn)
        .source_account(account_id)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, function, "allowing invocations of", &err))?;
    Ok(())
}

/// Who may invoke the function, from where: one statement of its resource policy.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    pub sid: &'a str,
    /// The service that invokes (`events.amazonaws.com`, `sns.amazonaws.com`).
    pub principal: &'a str,
    pub source_arn: &'a str,
    pub account_id: &'a str,
}

pub async fn revoke_invocation(lambda: &Client, function: &str, sid: &str) -> Result<()> {
    let removed = lambda
        .remove_permission()
        .function_name(function)
        .statement_id(sid)
        .send()
        .await
        .map_err(|err| {
            SyncError::aws(PART, function, "revoking an invocation permission of", &err)
        });
    found(removed)?;
    Ok(())
}

/// The `AWS:SourceArn` of the resource policy statement `sid`; `None` when there is none.
pub async fn invocation_source(
    lambda: &Client,
    function: &str,
    sid: &str,
) -> Result<Option<String>> {
    let policy = lambda.get_policy().function_name(function).send().await;
    let Some(policy) =
        found(policy.map_err(|err| {
            SyncError::aws(PART, function, "reading the resource policy of", &err)
        }))?
    else {
        return Ok(None);
    };
    let document: serde_json::Value = serde_json::from_str(policy.policy().unwrap_or("{}"))
        .map_err(|err| {
            SyncError::unexpected(
                PART,
                function,
                format!("its resource policy is not JSON: {err}"),
            )
        })?;
    let statement = document["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|statement| statement["Sid"] == sid);
    Ok(statement.map(|statement| {
        statement["Condition"]["ArnLike"]["AWS:SourceArn"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }))
}

/// Deletes the function if it is this owner's (its permissions, concurrency and invocation
/// settings go with it); gone or another's is left alone.
pub async fn delete_function(lambda: &Client, owner: &Owner, name: &str) -> Result<()> {
    let Some(existing) = read_function(lambda, name).await? else {
        return Ok(());
    };
    if !owner.owns(&existing.tags) {
        return Ok(());
    }
    let deleted = lambda
        .delete_function()
        .function_name(name)
        .send()
        .await
        .map_err(|err| SyncError::aws(PART, name, "deleting", &err));
    found(deleted)?;
    Ok(())
}
