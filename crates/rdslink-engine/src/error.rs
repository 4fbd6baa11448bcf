//! The sync engine's one error type.
//!
//! Every variant says what was asked and what to check, and is classified twice: `is_retryable`
//! (would the same request succeed later without anyone changing anything?) and `kind` (a stable
//! short name for the Lambda's `Diagnostic` error type, logs and metrics).

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws_error::{self, Caller, Failure, HttpStatus, ProvideErrorKind};

/// Everything that can go wrong while discovering a database's addresses or converging a target
/// group onto them. `Clone` so that test doubles can script the same failure more than once.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// DescribeDBInstances has no such instance.
    #[error(
        "RDS has no DB instance \"{identifier}\": check the identifier, the region, and that the \
         credentials belong to the account that owns the database"
    )]
    DbInstanceNotFound { identifier: String },

    /// DescribeDBClusters has no such cluster.
    #[error(
        "RDS has no DB cluster \"{identifier}\": check the identifier, the region, and that the \
         credentials belong to the account that owns the cluster"
    )]
    DbClusterNotFound { identifier: String },

    /// DescribeDBProxies has no such proxy.
    #[error(
        "RDS has no DB proxy \"{name}\": check the proxy name, the region, and that the \
         credentials belong to the account that owns the proxy"
    )]
    DbProxyNotFound { name: String },

    /// No member of the cluster is flagged as writer (no instances yet, or a failover between
    /// demotion and promotion).
    #[error(
        "DB cluster \"{identifier}\" has no writer instance: the cluster has no instances yet or \
         a failover is in progress; add an instance or retry"
    )]
    ClusterHasNoWriter { identifier: String },

    /// The reader role was asked for, but the cluster has no running reader instance.
    #[error(
        "DB cluster \"{identifier}\" has no running reader instance: add a reader (or start it), \
         or select the writer role"
    )]
    ClusterHasNoReaders { identifier: String },

    /// The database exists but is in a state in which it has no address worth targeting
    /// (stopped, stopping, deleting).
    #[error(
        "{kind} \"{identifier}\" is {status}: it has no address to target until it is available \
         again; the targets are left unchanged"
    )]
    DatabaseUnavailable {
        kind: &'static str,
        identifier: String,
        status: String,
    },

    /// The database exists but RDS has not assigned its endpoint yet (still being created).
    #[error(
        "{kind} \"{identifier}\" has no endpoint yet (status {status}): wait until it is \
         available"
    )]
    EndpointNotAssigned {
        kind: &'static str,
        identifier: String,
        status: String,
    },

    /// The name does not exist in DNS (NXDOMAIN).
    #[error(
        "DNS name \"{name}\" does not exist according to {nameservers}: check the name, and that \
         this resolver can see it (private hosted zones need the VPC's resolver)"
    )]
    NameDoesNotResolve { name: String, nameservers: String },

    /// The name exists but has no A record (directly or through its CNAME chain).
    #[error(
        "DNS name \"{name}\" has no IPv4 address according to {nameservers}: the database may be \
         changing address; retry, and check that it is not IPv6-only"
    )]
    NoAddresses { name: String, nameservers: String },

    /// No nameserver answered in time.
    #[error(
        "DNS lookup of \"{name}\" timed out asking {nameservers}: check that the nameservers are \
         reachable (VPC DNS resolution enabled, security groups/NACLs allow port 53)"
    )]
    ResolverTimeout { name: String, nameservers: String },

    /// Any other resolver failure (network error, SERVFAIL, REFUSED, malformed answer).
    #[error("DNS lookup of \"{name}\" failed: {message}")]
    Resolver { name: String, message: String },

    /// The resolver could not be built (unreadable /etc/resolv.conf, no nameservers).
    #[error(
        "cannot configure the DNS resolver: {message}; check /etc/resolv.conf or pass explicit nameservers"
    )]
    ResolverConfig { message: String },

    /// A string that must be a DNS name is not one.
    #[error("\"{name}\" is not a valid DNS name: {reason}")]
    InvalidHostname { name: String, reason: String },

    /// An AWS API call failed. `operation` is `service:Action`, e.g. `rds:DescribeDBInstances`;
    /// `message` is the whole sentence: the operation, the object, AWS's code and message (or why
    /// no answer came) and what to check ([`aws_error::sentence_for`]), never a `Debug` dump.
    #[error("{message}")]
    Aws {
        operation: &'static str,
        message: String,
        retryable: bool,
    },

    /// ELBv2 has no such target group.
    #[error(
        "target group {arn} does not exist: check the ARN, the region, and that the credentials \
         belong to the account that owns it"
    )]
    TargetGroupNotFound { arn: String },

    /// ELBv2 refused a target (e.g. an IP outside the target group's VPC).
    #[error(
        "target group {arn} refused the targets: {message}; check that the database's addresses \
         are inside the target group's VPC (or peered) and that the group's target type is `ip`"
    )]
    InvalidTarget { arn: String, message: String },

    /// The engine was configured with something it cannot use.
    #[error("invalid configuration for {field}: {message}")]
    InvalidConfig {
        field: &'static str,
        message: String,
    },
}

impl Error {
    /// Would the same request succeed later without anyone changing anything?
    ///
    /// Retryable: transient states (failover in progress, endpoint being created, DNS not yet
    /// moved or not answering), throttling and 5xx from AWS. Not retryable: things a person must
    /// fix (wrong identifier, stopped database, wrong target group, bad configuration).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::ClusterHasNoWriter { .. }
            | Error::EndpointNotAssigned { .. }
            | Error::NameDoesNotResolve { .. }
            | Error::NoAddresses { .. }
            | Error::ResolverTimeout { .. }
            | Error::Resolver { .. } => true,
            Error::Aws { retryable, .. } => *retryable,
            Error::DbInstanceNotFound { .. }
            | Error::DbClusterNotFound { .. }
            | Error::DbProxyNotFound { .. }
            | Error::ClusterHasNoReaders { .. }
            | Error::DatabaseUnavailable { .. }
            | Error::ResolverConfig { .. }
            | Error::InvalidHostname { .. }
            | Error::TargetGroupNotFound { .. }
            | Error::InvalidTarget { .. }
            | Error::InvalidConfig { .. } => false,
        }
    }

    /// A stable short name for this kind of failure (Lambda `Diagnostic` error type, log field,
    /// metric label). Never changes once released.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::DbInstanceNotFound { .. } => "db_instance_not_found",
            Error::DbClusterNotFound { .. } => "db_cluster_not_found",
            Error::DbProxyNotFound { .. } => "db_proxy_not_found",
            Error::ClusterHasNoWriter { .. } => "cluster_has_no_writer",
            Error::ClusterHasNoReaders { .. } => "cluster_has_no_readers",
            Error::DatabaseUnavailable { .. } => "database_unavailable",
            Error::EndpointNotAssigned { .. } => "endpoint_not_assigned",
            Error::NameDoesNotResolve { .. } => "name_does_not_resolve",
            Error::NoAddresses { .. } => "no_addresses",
            Error::ResolverTimeout { .. } => "resolver_timeout",
            Error::Resolver { .. } => "resolver",
            Error::ResolverConfig { .. } => "resolver_config",
            Error::InvalidHostname { .. } => "invalid_hostname",
            Error::Aws { .. } => "aws_api",
            Error::TargetGroupNotFound { .. } => "target_group_not_found",
            Error::InvalidTarget { .. } => "invalid_target",
            Error::InvalidConfig { .. } => "invalid_config",
        }
    }

    /// Did this failure happen while finding out which addresses the database has (RDS API or
    /// DNS), as opposed to while reading or changing the target group?
    pub fn is_discovery_failure(&self) -> bool {
        match self {
            Error::DbInstanceNotFound { .. }
            | Error::DbClusterNotFound { .. }
            | Error::DbProxyNotFound { .. }
            | Error::ClusterHasNoWriter { .. }
            | Error::ClusterHasNoReaders { .. }
            | Error::DatabaseUnavailable { .. }
            | Error::EndpointNotAssigned { .. }
            | Error::NameDoesNotResolve { .. }
            | Error::NoAddresses { .. }
            | Error::ResolverTimeout { .. }
            | Error::Resolver { .. }
            | Error::InvalidHostname { .. } => true,
            Error::Aws { operation, .. } => operation.starts_with("rds:"),
            Error::ResolverConfig { .. }
            | Error::TargetGroupNotFound { .. }
            | Error::InvalidTarget { .. }
            | Error::InvalidConfig { .. } => false,
        }
    }

    /// Converts an SDK failure that has no typed meaning for the engine into [`Error::Aws`],
    /// classified for retry by the shared [`aws_error`] classifier. Prefer [`Error::aws_about`],
    /// which also names the object the call was about. Public so that other implementations of
    /// the engine's seams report AWS failures in the same words.
    pub fn aws<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + ProvideErrorKind + Send + Sync + 'static,
        R: std::fmt::Debug + HttpStatus + 'static,
    {
        Self::from_sdk(operation, None, err)
    }

    /// [`Error::aws`] for a call about `object` (a target group, a DB instance, ...), which the
    /// sentence names: `elbv2:DescribeTargetHealth for target group arn:... failed: AWS answered
    /// AccessDenied: ...; check that ...`.
    pub fn aws_about<E, R>(
        operation: &'static str,
        object: AwsObject<'_>,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + ProvideErrorKind + Send + Sync + 'static,
        R: std::fmt::Debug + HttpStatus + 'static,
    {
        Self::from_sdk(operation, Some(object), err)
    }

    fn from_sdk<E, R>(
        operation: &'static str,
        object: Option<AwsObject<'_>>,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + ProvideErrorKind + Send + Sync + 'static,
        R: std::fmt::Debug + HttpStatus + 'static,
    {
        let retryable = aws_error::classify_sdk_error(&err).is_retryable();
        // Read through the error's metadata and its Display chain: `DisplayErrorContext` would
        // append the SDK's `Debug` struct dump, which is no diagnostic for a person.
        let failure = Failure::of(&err);
        let object = object.map(|object| object.to_string()).unwrap_or_default();
        Error::Aws {
            operation,
            message: aws_error::sentence_for(Caller::SyncEngine, operation, &object, &failure),
            retryable,
        }
    }
}

/// What an engine AWS call was about, as its error sentence names it (the same words as the
/// engine's other errors: `target group arn:...`, `DB instance "orders-db"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsObject<'a> {
    /// A target group, by ARN.
    TargetGroup(&'a str),
    /// One DB instance, by identifier.
    DbInstance(&'a str),
    /// Several DB instances asked for in one call (a cluster's members), by identifier.
    DbInstances(&'a [String]),
    /// A DB cluster, by identifier.
    DbCluster(&'a str),
    /// A DB proxy, by name.
    DbProxy(&'a str),
}

impl fmt::Display for AwsObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AwsObject::TargetGroup(arn) => write!(f, "target group {arn}"),
            AwsObject::DbInstance(identifier) => write!(f, "DB instance \"{identifier}\""),
            AwsObject::DbInstances(identifiers) => {
                f.write_str("DB instances ")?;
                for (i, identifier) in identifiers.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "\"{identifier}\"")?;
                }
                Ok(())
            }
            AwsObject::DbCluster(identifier) => write!(f, "DB cluster \"{identifier}\""),
            AwsObject::DbProxy(name) => write!(f, "DB proxy \"{name}\""),
        }
    }
}

#[cfg(test)]
mod aws_sentence_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn every_variant() -> Vec<Error> {
        let s = || "x".to_string();
        vec![
            Error::DbInstanceNotFound { identifier: s() },
            Error::DbClusterNotFound { identifier: s() },
            Error::DbProxyNotFound { name: s() },
            Error::ClusterHasNoWriter { identifier: s() },
            Error::ClusterHasNoReaders { identifier: s() },
            Error::DatabaseUnavailable {
                kind: "DB instance",
                identifier: s(),
                status: "stopped".into(),
            },
            Error::EndpointNotAssigned {
                kind: "DB instance",
                identifier: s(),
                status: "creating".into(),
            },
            Error::NameDoesNotResolve {
                name: s(),
                nameservers: s(),
            },
            Error::NoAddresses {
                name: s(),
                nameservers: s(),
            },
            Error::ResolverTimeout {
                name: s(),
                nameservers: s(),
            },
            Error::Resolver {
                name: s(),
                message: s(),
            },
            Error::ResolverConfig { message: s() },
            Error::InvalidHostname {
                name: s(),
                reason: s(),
            },
            Error::Aws {
                operation: "rds:DescribeDBInstances",
                message: s(),
                retryable: true,
            },
            Error::TargetGroupNotFound { arn: s() },
            Error::InvalidTarget {
                arn: s(),
                message: s(),
            },
            Error::InvalidConfig {
                field: "selector",
                message: s(),
            },
        ]
    }

    #[test]
    fn kinds_are_unique_snake_case_names() {
        let kinds: Vec<&str> = every_variant().iter().map(Error::kind).collect();
        let unique: std::collections::BTreeSet<&str> = kinds.iter().copied().collect();
        assert_eq!(unique.len(), kinds.len(), "duplicate kind in {kinds:?}");
        for kind in kinds {
            assert!(
                kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{kind} is not snake_case"
            );
        }
    }

    #[test]
    fn transient_states_are_retryable_and_mistakes_are_not() {
        let retryable: Vec<&str> = every_variant()
            .iter()
            .filter(|e| e.is_retryable())
            .map(Error::kind)
            .collect();
        assert_eq!(
            retryable,
            [
                "cluster_has_no_writer",
                "endpoint_not_assigned",
                "name_does_not_resolve",
                "no_addresses",
                "resolver_timeout",
                "resolver",
                "aws_api",
            ]
        );
        let not_retryable_aws = Error::Aws {
            operation: "elbv2:RegisterTargets",
            message: "AccessDenied".into(),
            retryable: false,
        };
        assert!(!not_retryable_aws.is_retryable());
    }

    #[test]
    fn discovery_failures_are_told_apart_from_target_group_failures() {
        let rds = Error::Aws {
            operation: "rds:DescribeDBClusters",
            message: String::new(),
            retryable: true,
        };
        let elbv2 = Error::Aws {
            operation: "elbv2:DescribeTargetHealth",
            message: String::new(),
            retryable: true,
        };
        assert!(rds.is_discovery_failure());
        assert!(!elbv2.is_discovery_failure());
        assert!(
            Error::NoAddresses {
                name: "db".into(),
                nameservers: "ns".into()
            }
            .is_discovery_failure()
        );
        assert!(!Error::TargetGroupNotFound { arn: "arn".into() }.is_discovery_failure());
    }

    #[test]
    fn messages_name_the_subject_and_what_to_check() {
        let err = Error::DbInstanceNotFound {
            identifier: "orders-db".into(),
        };
        let text = err.to_string();
        assert!(text.contains("\"orders-db\""), "{text}");
        assert!(text.contains("check"), "{text}");
    }
}
