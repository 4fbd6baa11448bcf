//! The one error type of the AWS layer, built from the engine's AWS error classifier
//! ([`rdslink_engine::aws_error`], shared with the sync Lambda).
//!
//! Callers never look at codes or messages: "does not exist" is [`Error::NotFound`], "still in
//! use" is [`Error::InUse`], everything else AWS says is [`Error::Aws`] with a retry hint.

use std::fmt;
use std::time::Duration;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use rdslink_engine::aws_error::{self, AwsResource, ErrorClass, Failure, ProvideErrorKind};

use super::spec::OWNERSHIP_TAG;

/// The four AWS objects of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    TargetGroup,
    LoadBalancer,
    Listener,
    EndpointService,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::TargetGroup => "target group",
            Part::LoadBalancer => "load balancer",
            Part::Listener => "listener",
            Part::EndpointService => "endpoint service",
        })
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Why an operation on a bundle failed, phrased for the person reading `terraform apply`: what was
/// asked, and what to check.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object is gone (deleted outside Terraform) or never existed here.
    #[error(
        "{part} {id} does not exist: it was deleted outside Terraform, or the id, the region or \
         the account (credentials) is wrong"
    )]
    NotFound { part: Part, id: String },

    /// AWS refuses to delete the object because another one still uses it. Usually transient
    /// during a delete (the dependent object is itself being deleted).
    #[error("{part} {id} is still in use: {message}")]
    InUse {
        part: Part,
        id: String,
        message: String,
    },

    /// The specification is not something AWS can build.
    #[error("invalid {field}: {message}")]
    InvalidSpec {
        field: &'static str,
        message: String,
    },

    #[error(
        "VPC {vpc_id} does not exist: check vpc_id, and that the provider's region and credentials \
         are those of the VPC's account"
    )]
    VpcNotFound { vpc_id: String },

    #[error(
        "subnet(s) {} do not exist: check subnet_ids, and that the provider's region and \
         credentials are those of the VPC's account",
        .subnet_ids.join(", ")
    )]
    SubnetsNotFound { subnet_ids: Vec<String> },

    #[error(
        "subnet(s) {} are not in VPC {vpc_id}: every subnet in subnet_ids must belong to vpc_id",
        describe_owners(.subnets)
    )]
    SubnetsOutsideVpc {
        vpc_id: String,
        /// (subnet id, the VPC it belongs to)
        subnets: Vec<(String, String)>,
    },

    #[error(
        "subnets {} are all in availability zone {zone}: a Network Load Balancer takes at most one \
         subnet per availability zone; keep one of them",
        .subnet_ids.join(", ")
    )]
    SubnetsShareZone {
        zone: String,
        subnet_ids: Vec<String>,
    },

    #[error(
        "security group(s) {} do not exist: check security_group_ids, and that the provider's \
         region and credentials are those of the VPC's account",
        .group_ids.join(", ")
    )]
    SecurityGroupsNotFound { group_ids: Vec<String> },

    #[error(
        "security group(s) {} are not in VPC {vpc_id}: the load balancer's security groups must \
         belong to vpc_id",
        describe_owners(.groups)
    )]
    SecurityGroupsOutsideVpc {
        vpc_id: String,
        /// (security group id, the VPC it belongs to)
        groups: Vec<(String, String)>,
    },

    /// An object with the name rdslink derives for this bundle exists but is not rdslink's.
    #[error(
        "a {part} named {aws_name} already exists ({id}) and is not managed by rdslink (it lacks \
         the tag {OWNERSHIP_TAG}={name}): choose another name, or delete that {part}"
    )]
    NameTaken {
        part: Part,
        name: String,
        aws_name: String,
        id: String,
    },

    /// Another state's working bundle carries this name: taking it over would let this
    /// configuration re-point it and later delete it.
    #[error(
        "an endpoint service named \"{name}\" already exists in this account and region: \
         {service_id} (load balancer {load_balancer_arn}) is a working bundle tagged \
         {OWNERSHIP_TAG}={name}, made by another Terraform configuration or state, and rdslink \
         never takes one over. Give this resource another `name` \
         (it must be unique per account and region), or, if this configuration should manage \
         that bundle, remove it from the other state and run \
         `terraform import <resource address> {service_id}`"
    )]
    BundleExists {
        name: String,
        service_id: String,
        load_balancer_arn: String,
    },

    /// Several leftovers claim this bundle; adopting one would leave the others behind unseen.
    #[error(
        "several {part}s carry the tag {OWNERSHIP_TAG}={name} ({}): they are leftovers of \
         interrupted applies; delete all but one (or all) and apply again",
        .ids.join(", ")
    )]
    AmbiguousLeftovers {
        part: Part,
        name: String,
        ids: Vec<String>,
    },

    /// A leftover of an interrupted apply cannot become this bundle's part because a property
    /// that AWS cannot change in place differs.
    #[error(
        "{part} {id}, left over from an interrupted apply (tag {OWNERSHIP_TAG}={name}), has \
         {field} {actual} but the configuration asks for {expected}: delete that {part} and apply \
         again"
    )]
    LeftoverMismatch {
        part: Part,
        id: String,
        name: String,
        field: &'static str,
        expected: String,
        actual: String,
    },

    /// A part exists but is not wired the way a bundle must be.
    #[error("{part} {id} {problem}")]
    Miswired {
        part: Part,
        id: String,
        problem: String,
    },

    #[error(
        "load balancer {arn} failed to provision: {reason}; check the subnets' free addresses and \
         the account's load balancer quota, then apply again (the failed load balancer is deleted \
         with the resource)"
    )]
    LoadBalancerFailed { arn: String, reason: String },

    #[error(
        "endpoint service {service_id} is {state}: AWS could not set it up; delete the resource \
         and apply again, and check the load balancer {load_balancer}"
    )]
    EndpointServiceFailed {
        service_id: String,
        state: String,
        load_balancer: String,
    },

    /// A wait ran out of time.
    #[error(
        "timed out after {after:?} waiting for {what} (last seen: {last_seen}); AWS may still be \
         working on it: apply (or destroy) again, or raise the timeout"
    )]
    Timeout {
        what: String,
        after: Duration,
        last_seen: String,
    },

    /// Terraform asked to stop (Ctrl-C).
    #[error("cancelled while {what}; what was created so far is recorded")]
    Cancelled { what: String },

    #[error(
        "endpoint service {service_id} still has endpoint connections that are available or \
         pending acceptance ({message}): the consumers must delete their VPC endpoints, or you \
         reject them (aws ec2 reject-vpc-endpoint-connections --service-id {service_id} \
         --vpc-endpoint-ids ...), before the service can be deleted"
    )]
    EndpointServiceHasConnections { service_id: String, message: String },

    /// `SetSecurityGroups` cannot do this change on a Network Load Balancer.
    #[error(
        "the security groups of load balancer {arn} cannot change from {from} to {to}: a Network \
         Load Balancer created without security groups can never have any, and one created with \
         security groups cannot drop all of them; the load balancer must be replaced"
    )]
    SecurityGroupsNeedReplacement {
        arn: String,
        from: String,
        to: String,
    },

    /// Any other failure of an AWS call. `operation` is `service:Action`; `message` is one
    /// sentence naming the operation, the object, AWS's code and message (or why no answer came)
    /// and what to check ([`aws_error::sentence`]).
    #[error("{message}")]
    Aws {
        operation: &'static str,
        code: Option<String>,
        message: String,
        retryable: bool,
        /// No usable answer came back (network, timeout): AWS may have done it anyway.
        unanswered: bool,
    },

    /// AWS answered without a field it always sends.
    #[error(
        "AWS answered {operation} without {missing}; this is unexpected: try again, and report it \
         if it persists"
    )]
    Incomplete {
        operation: &'static str,
        missing: &'static str,
    },

    /// The sync engine failed to read or change the targets.
    #[error(transparent)]
    Targets(rdslink_engine::Error),
}

impl Error {
    /// The object addressed does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// AWS refused because the object is still used by another one.
    pub fn is_in_use(&self) -> bool {
        matches!(self, Error::InUse { .. })
    }

    /// The call got no usable answer: it may have happened in AWS all the same, so a create must
    /// look for what it asked for before reporting this.
    pub fn is_unanswered(&self) -> bool {
        matches!(
            self,
            Error::Aws {
                unanswered: true,
                ..
            }
        )
    }
}

impl From<rdslink_engine::Error> for Error {
    /// The engine's "no such target group" becomes the typed [`Error::NotFound`], so callers see one
    /// kind of not-found whichever layer noticed.
    fn from(err: rdslink_engine::Error) -> Self {
        match err {
            rdslink_engine::Error::TargetGroupNotFound { arn } => Error::NotFound {
                part: Part::TargetGroup,
                id: arn,
            },
            other => Error::Targets(other),
        }
    }
}

fn describe_owners(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(id, vpc)| format!("{id} (in {vpc})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a call addressed: the parts and ids, so that a "not found" answer names the right one.
pub(crate) type Subject<'a> = &'a [(Part, &'a str)];

/// The bundle part an AWS object is, when it is one.
fn part_of(resource: AwsResource) -> Option<Part> {
    match resource {
        AwsResource::TargetGroup => Some(Part::TargetGroup),
        AwsResource::LoadBalancer => Some(Part::LoadBalancer),
        AwsResource::Listener => Some(Part::Listener),
        AwsResource::EndpointService => Some(Part::EndpointService),
        AwsResource::DbInstance
        | AwsResource::DbCluster
        | AwsResource::DbProxy
        | AwsResource::IamEntity
        | AwsResource::EventSubscription
        | AwsResource::Addressed => None,
    }
}

/// Turns an SDK failure into an [`Error`], typed when the code says "not found" or "in use".
pub(crate) fn aws<E>(
    operation: &'static str,
    subject: Subject<'_>,
    err: SdkError<E, HttpResponse>,
) -> Error
where
    E: std::error::Error + ProvideErrorMetadata + ProvideErrorKind + Send + Sync + 'static,
{
    let failure = Failure::of(&err);
    let class = aws_error::classify_sdk_error(&err);
    from_class(operation, subject, class, failure)
}

/// Classifies a code that came from a per-item error of a batch call (`Unsuccessful` in EC2's
/// answers), which has no HTTP status of its own.
pub(crate) fn from_code(
    operation: &'static str,
    subject: Subject<'_>,
    code: Option<String>,
    message: String,
) -> Error {
    let class = aws_error::classify(code.as_deref(), None);
    let message = Some(message).filter(|message| !message.trim().is_empty());
    from_class(
        operation,
        subject,
        class,
        Failure::Answered { code, message },
    )
}

/// What a call was about, for its error sentence: its first subject, e.g. `load balancer arn:...`.
fn object_of(subject: Subject<'_>) -> String {
    subject
        .first()
        .map(|(part, id)| format!("{part} {id}"))
        .unwrap_or_default()
}

fn from_class(
    operation: &'static str,
    subject: Subject<'_>,
    class: ErrorClass,
    failure: Failure,
) -> Error {
    let id_of = |part: Part| {
        subject
            .iter()
            .find(|(p, _)| *p == part)
            .map_or_else(|| "(referenced)".to_owned(), |(_, id)| (*id).to_owned())
    };
    if let ErrorClass::NotFound(resource) = class
        && let Some(part) = part_of(resource)
    {
        return Error::NotFound {
            part,
            id: id_of(part),
        };
    }
    if class == ErrorClass::InUse
        && let Some((part, id)) = subject.first()
    {
        return Error::InUse {
            part: *part,
            id: (*id).to_owned(),
            message: failure.to_string(),
        };
    }
    Error::Aws {
        operation,
        code: failure.code().map(str::to_owned),
        message: aws_error::sentence(operation, &object_of(subject), &failure),
        retryable: class.is_retryable(),
        unanswered: matches!(failure, Failure::NoAnswer { .. }),
    }
}

#[cfg(test)]
mod tests;
