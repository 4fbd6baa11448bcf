//! The sync layer's one error type. AWS errors are read through the engine's classifier
//! ([`rdslink_engine::aws_error`]), so "does not exist" and "retry later" mean the same here as
//! everywhere else in rdslink.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use rdslink_engine::aws_error::{self, ErrorClass, Failure, HttpStatus, ProvideErrorKind};

/// The AWS objects of one sync deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SyncPart {
    Function,
    Role,
    SchedulerRole,
    LogGroup,
    Rule,
    Schedule,
    Topic,
    EventSubscription,
}

impl fmt::Display for SyncPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyncPart::Function => "sync function",
            SyncPart::Role => "sync function's IAM role",
            SyncPart::SchedulerRole => "sync schedule's IAM role",
            SyncPart::LogGroup => "sync function's log group",
            SyncPart::Rule => "EventBridge rule",
            SyncPart::Schedule => "EventBridge Scheduler schedule",
            SyncPart::Topic => "SNS topic",
            SyncPart::EventSubscription => "RDS event subscription",
        })
    }
}

pub type Result<T> = std::result::Result<T, SyncError>;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// AWS refused or failed a call: what was asked, of which part, and AWS's own words.
    #[error("{action} the {part} {name}: {failure}")]
    Aws {
        part: SyncPart,
        name: String,
        action: &'static str,
        failure: String,
        /// AWS's error code, when AWS answered.
        code: Option<String>,
        class: ErrorClass,
    },
    /// A part with rdslink's name for it exists but belongs to something else.
    #[error(
        "a {part} named {name} already exists and is not this endpoint service's (it lacks the tag \
         {tag}={owner}{detail}): rdslink never changes or deletes what it cannot prove is its own; \
         delete or rename that {part}, or choose another `name`"
    )]
    NotOwned {
        part: SyncPart,
        name: String,
        tag: &'static str,
        owner: String,
        detail: String,
    },
    /// AWS answered something rdslink cannot use (a missing field, a malformed document).
    #[error("the {part} {name} as AWS reports it is unusable: {reason}")]
    Unexpected {
        part: SyncPart,
        name: String,
        reason: String,
    },
    /// The operation's deadline passed, or Terraform asked the provider to stop.
    #[error("{0}")]
    Interrupted(String),
}

impl SyncError {
    pub fn aws<E, R>(part: SyncPart, name: &str, action: &'static str, err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + ProvideErrorKind + std::error::Error + Send + Sync + 'static,
        R: HttpStatus + fmt::Debug + 'static,
    {
        SyncError::Aws {
            part,
            name: name.to_owned(),
            action,
            failure: Failure::of(err).to_string(),
            code: err
                .as_service_error()
                .and_then(|e| ProvideErrorMetadata::code(e))
                .map(str::to_owned),
            class: aws_error::classify_sdk_error(err),
        }
    }

    pub fn unexpected(part: SyncPart, name: &str, reason: impl Into<String>) -> Self {
        SyncError::Unexpected {
            part,
            name: name.to_owned(),
            reason: reason.into(),
        }
    }

    /// AWS's error code, for the few answers a caller handles by code (an object that already
    /// exists, a role Lambda cannot assume yet).
    pub fn code(&self) -> Option<&str> {
        match self {
            SyncError::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            SyncError::Aws {
                class: ErrorClass::NotFound(_),
                ..
            }
        )
    }

    /// AWS refused to create what already exists: after a create whose answer was lost, the
    /// retry meets the object the first attempt made.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self.code(),
            Some(
                "EntityAlreadyExists"
                    | "ResourceConflictException"
                    | "ResourceAlreadyExistsException"
                    | "ConflictException"
                    | "SubscriptionAlreadyExist"
            )
        )
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Aws { class, .. } if class.is_retryable())
    }
}

/// `Ok(None)` for "does not exist", the error otherwise: how every find of this layer reads.
pub fn found<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}
