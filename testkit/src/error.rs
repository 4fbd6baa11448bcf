//! The one error type of the testkit's internals.
//!
//! The public API panics instead of returning these: it serves tests, where a failed setup should
//! stop the test at once with a message that says what to do. Internals still return typed errors
//! so that every panic message carries the cause.

use std::io;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The project venv, or moto inside it, is missing.
    #[error("moto is not available: {reason}. Run `make venv` in the repository root")]
    MotoUnavailable { reason: String },

    /// moto was found but did not come up.
    #[error("moto did not start: {reason}\n--- moto's stderr ---\n{stderr}")]
    MotoStart { reason: String, stderr: String },

    /// A plain HTTP exchange with the emulator failed below the HTTP level.
    #[error("HTTP {method} {url}: {source}")]
    Http {
        method: &'static str,
        url: String,
        #[source]
        source: io::Error,
    },

    /// The emulator answered a non-SDK call with an unexpected status or body.
    #[error("{what}: {detail}")]
    Emulator { what: String, detail: String },

    /// An AWS SDK call against the emulator failed.
    #[error("{operation} failed: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },

    /// An AWS SDK call succeeded but its answer lacks something the testkit relies on.
    #[error("{operation} answered without {missing}")]
    Incomplete {
        operation: &'static str,
        missing: &'static str,
    },
}

impl Error {
    /// Wraps an SDK error with the full chain of causes (the SDK's own `Display` shows only the
    /// outermost one, which is usually just "service error").
    pub(crate) fn aws<E>(operation: &'static str) -> impl FnOnce(E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |err| Self::Aws {
            operation,
            message: aws_sdk_sts::error::DisplayErrorContext(&err).to_string(),
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
