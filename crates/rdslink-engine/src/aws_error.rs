//! The one classifier of AWS errors: is it "does not exist", "still in use", worth retrying, or
//! something a person must fix? Both programs read AWS errors through it: the engine's
//! [`Error`](crate::Error) (the Lambda's retry decision) and the provider's AWS layer (find /
//! wait / delete of the endpoint service bundle).
//!
//! [`classify`] looks at an error code and an HTTP status only, so it serves SDK errors and the
//! per-item errors of batch calls (EC2's `Unsuccessful` lists) alike; [`classify_sdk_error`]
//! adds what only an SDK error knows (no answer at all, the SDK's own retry hint).

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use aws_smithy_types::retry::ProvideErrorKind;

mod failure;
pub use failure::{Caller, Failure, causes, sentence, sentence_for};

/// The AWS objects whose "does not exist" codes rdslink tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AwsResource {
    TargetGroup,
    LoadBalancer,
    Listener,
    EndpointService,
    DbInstance,
    DbCluster,
    DbProxy,
    /// An RDS event subscription.
    EventSubscription,
    /// An IAM role or policy (IAM answers `NoSuchEntity` for all of them).
    IamEntity,
    /// The object the request addressed, of a service whose "not found" code does not name the
    /// object's type (Lambda, CloudWatch Logs, EventBridge, EventBridge Scheduler:
    /// `ResourceNotFoundException`).
    Addressed,
}

/// What an AWS error means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The object addressed does not exist (deleted, or never there).
    NotFound(AwsResource),
    /// AWS refuses because another object still uses this one; usually transient while that
    /// object is itself being deleted.
    InUse,
    /// Throttling, a transient failure, a server error, or no answer at all: the same request
    /// may succeed later without anyone changing anything.
    Retryable,
    /// Anything else (access denied, invalid input, a quota): a person must act.
    Other,
}

impl ErrorClass {
    /// Would the same request succeed later without anyone changing anything?
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Retryable | ErrorClass::InUse)
    }
}

/// "Does not exist" codes, with the API and the source of each.
const NOT_FOUND_CODES: &[(&str, AwsResource)] = &[
    // ELBv2 API reference, DescribeTargetGroups / RegisterTargets / ... errors.
    ("TargetGroupNotFound", AwsResource::TargetGroup),
    // ELBv2 API reference, DescribeLoadBalancers / DeleteLoadBalancer errors.
    ("LoadBalancerNotFound", AwsResource::LoadBalancer),
    // ELBv2 API reference, DescribeListeners / DeleteListener errors.
    ("ListenerNotFound", AwsResource::Listener),
    // EC2: DescribeVpcEndpointServiceConfigurations and friends answer `...ServiceId.NotFound`;
    // the per-item errors of DeleteVpcEndpointServiceConfigurations say `...Service.NotFound`.
    (
        "InvalidVpcEndpointServiceId.NotFound",
        AwsResource::EndpointService,
    ),
    (
        "InvalidVpcEndpointService.NotFound",
        AwsResource::EndpointService,
    ),
    // RDS API reference (the codes the SDK maps onto DBInstanceNotFoundFault,
    // DBClusterNotFoundFault and DBProxyNotFoundFault).
    ("DBInstanceNotFound", AwsResource::DbInstance),
    ("DBClusterNotFoundFault", AwsResource::DbCluster),
    ("DBProxyNotFoundFault", AwsResource::DbProxy),
    // RDS API reference, DescribeEventSubscriptions / DeleteEventSubscription errors
    // (SubscriptionNotFoundFault).
    ("SubscriptionNotFound", AwsResource::EventSubscription),
    // IAM API reference, GetRole / GetRolePolicy / DeleteRole errors.
    ("NoSuchEntity", AwsResource::IamEntity),
    // Lambda, CloudWatch Logs, EventBridge and EventBridge Scheduler API references.
    ("ResourceNotFoundException", AwsResource::Addressed),
    // SNS API reference (NotFoundException: GetTopicAttributes, Subscribe, ... on a topic that
    // does not exist).
    ("NotFound", AwsResource::Addressed),
];

/// "Still in use" codes: ELBv2 API reference (DeleteTargetGroup, DeleteLoadBalancer); IAM's
/// DeleteRole while policies are attached; Lambda's refusal while an update of the function is in
/// progress (`ResourceConflictException`, "The operation cannot be performed at this time").
const IN_USE_CODES: &[&str] = &[
    "ResourceInUse",
    "DeleteConflict",
    "ResourceConflictException",
    // RDS: an event subscription being created, modified or deleted refuses other changes.
    "InvalidEventSubscriptionState",
];

/// Throttling and transient failure codes. The SDK has already retried these (standard retry
/// mode); they stay retryable for the caller (a Lambda retry, the next scheduled run, a wait
/// loop). The union of the lists the engine and the provider kept before they shared this one.
const RETRYABLE_CODES: &[&str] = &[
    // aws-runtime `retries::classifiers::THROTTLING_ERRORS` (the SDK's own throttling list).
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    // aws-runtime `retries::classifiers::TRANSIENT_ERRORS`.
    "RequestTimeout",
    "RequestTimeoutException",
    // AWS "common errors" of the Query protocol APIs (ELBv2, RDS, STS): server-side failures,
    // sometimes answered without a 5xx status by emulators and proxies.
    "InternalFailure",
    "ServiceUnavailable",
    // EC2 API reference, "server error codes".
    "InternalError",
];

/// Classifies an AWS error by its code and, when there was a response, its HTTP status. A code
/// with a meaning wins over the status; without one, any 5xx is retryable.
pub fn classify(code: Option<&str>, status: Option<u16>) -> ErrorClass {
    if let Some(code) = code {
        if let Some((_, resource)) = NOT_FOUND_CODES.iter().find(|(known, _)| *known == code) {
            return ErrorClass::NotFound(*resource);
        }
        if IN_USE_CODES.contains(&code) {
            return ErrorClass::InUse;
        }
        if RETRYABLE_CODES.contains(&code) {
            return ErrorClass::Retryable;
        }
    }
    if status.is_some_and(|status| status >= 500) {
        ErrorClass::Retryable
    } else {
        ErrorClass::Other
    }
}

/// The HTTP status of a raw response, abstracted so classification is testable without one.
pub trait HttpStatus {
    fn http_status(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn http_status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// Classifies any SDK failure: [`classify`] for an answer from the service (made retryable also
/// when the SDK's model says the error is), and by failure mode when there was no answer.
pub fn classify_sdk_error<E, R>(err: &SdkError<E, R>) -> ErrorClass
where
    E: ProvideErrorMetadata + ProvideErrorKind,
    R: HttpStatus,
{
    match err {
        // The request never left: retrying the same input fails the same way.
        SdkError::ConstructionFailure(_) => ErrorClass::Other,
        // No usable answer: network, timeout, garbled response.
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            ErrorClass::Retryable
        }
        SdkError::ServiceError(context) => {
            let service_error = context.err();
            match classify(
                ProvideErrorMetadata::code(service_error),
                Some(context.raw().http_status()),
            ) {
                ErrorClass::Other if service_error.retryable_error_kind().is_some() => {
                    ErrorClass::Retryable
                }
                class => class,
            }
        }
        // SdkError is non-exhaustive; an unknown failure mode is treated as transient so that
        // the next run retries it rather than giving up.
        _ => ErrorClass::Retryable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_codes_name_the_resource() {
        let cases = [
            ("TargetGroupNotFound", AwsResource::TargetGroup),
            ("LoadBalancerNotFound", AwsResource::LoadBalancer),
            ("ListenerNotFound", AwsResource::Listener),
            (
                "InvalidVpcEndpointServiceId.NotFound",
                AwsResource::EndpointService,
            ),
            (
                "InvalidVpcEndpointService.NotFound",
                AwsResource::EndpointService,
            ),
            ("DBInstanceNotFound", AwsResource::DbInstance),
            ("DBClusterNotFoundFault", AwsResource::DbCluster),
            ("DBProxyNotFoundFault", AwsResource::DbProxy),
            ("NoSuchEntity", AwsResource::IamEntity),
            ("ResourceNotFoundException", AwsResource::Addressed),
            ("SubscriptionNotFound", AwsResource::EventSubscription),
            ("NotFound", AwsResource::Addressed),
        ];
        for (code, resource) in cases {
            // Even a 5xx answer with a "not found" code means not found.
            for status in [Some(400), Some(503), None] {
                assert_eq!(
                    classify(Some(code), status),
                    ErrorClass::NotFound(resource),
                    "{code}"
                );
            }
            assert!(!ErrorClass::NotFound(resource).is_retryable());
        }
    }

    #[test]
    fn resource_in_use_is_in_use_and_retryable() {
        let class = classify(Some("ResourceInUse"), Some(400));
        assert_eq!(class, ErrorClass::InUse);
        assert!(class.is_retryable());
    }

    #[test]
    fn both_former_lists_are_retryable() {
        // The engine's former list (aws-runtime's) and the provider's former list.
        for code in [
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "TransactionInProgressException",
            "RequestLimitExceeded",
            "BandwidthLimitExceeded",
            "LimitExceededException",
            "RequestThrottled",
            "SlowDown",
            "PriorRequestNotComplete",
            "EC2ThrottledException",
            "RequestTimeout",
            "RequestTimeoutException",
            "ServiceUnavailable",
            "InternalFailure",
            "InternalError",
        ] {
            assert_eq!(
                classify(Some(code), Some(400)),
                ErrorClass::Retryable,
                "{code}"
            );
        }
    }

    #[test]
    fn server_errors_are_retryable_and_client_errors_are_not() {
        assert_eq!(classify(Some("Whatever"), Some(503)), ErrorClass::Retryable);
        assert_eq!(classify(None, Some(500)), ErrorClass::Retryable);
        assert_eq!(classify(Some("AccessDenied"), Some(403)), ErrorClass::Other);
        assert_eq!(
            classify(Some("ValidationError"), Some(400)),
            ErrorClass::Other
        );
        assert_eq!(classify(None, None), ErrorClass::Other);
        assert!(!ErrorClass::Other.is_retryable());
    }

    mod sdk {
        use super::super::*;
        use aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthError;
        use aws_sdk_elasticloadbalancingv2::types::error::TargetGroupNotFoundException;
        use aws_smithy_runtime_api::client::result::ServiceError;
        use aws_smithy_types::error::ErrorMetadata;

        struct Status(u16);
        impl std::fmt::Debug for Status {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "HTTP {}", self.0)
            }
        }
        impl HttpStatus for Status {
            fn http_status(&self) -> u16 {
                self.0
            }
        }

        fn answer(
            error: DescribeTargetHealthError,
            status: u16,
        ) -> SdkError<DescribeTargetHealthError, Status> {
            SdkError::ServiceError(
                ServiceError::builder()
                    .source(error)
                    .raw(Status(status))
                    .build(),
            )
        }

        fn generic(code: &str, status: u16) -> SdkError<DescribeTargetHealthError, Status> {
            let meta = ErrorMetadata::builder().code(code).message("m").build();
            answer(DescribeTargetHealthError::generic(meta), status)
        }

        #[test]
        fn throttling_is_retryable() {
            assert_eq!(
                classify_sdk_error(&generic("Throttling", 400)),
                ErrorClass::Retryable
            );
        }

        #[test]
        fn server_errors_are_retryable() {
            assert_eq!(
                classify_sdk_error(&generic("InternalFailure", 503)),
                ErrorClass::Retryable
            );
        }

        #[test]
        fn access_denied_is_not_retryable() {
            assert_eq!(
                classify_sdk_error(&generic("AccessDenied", 403)),
                ErrorClass::Other
            );
        }

        #[test]
        fn construction_failure_is_not_retryable() {
            let err: SdkError<DescribeTargetHealthError, Status> =
                SdkError::construction_failure("bad input");
            assert_eq!(classify_sdk_error(&err), ErrorClass::Other);
        }

        #[test]
        fn no_answer_is_retryable() {
            let err: SdkError<DescribeTargetHealthError, Status> = SdkError::timeout_error("slow");
            assert_eq!(classify_sdk_error(&err), ErrorClass::Retryable);
        }

        /// The SDK's modelled exception and the code table agree.
        #[test]
        fn a_modelled_not_found_exception_is_classified_by_its_code() {
            let meta = ErrorMetadata::builder()
                .code("TargetGroupNotFound")
                .message("m")
                .build();
            let modelled = DescribeTargetHealthError::TargetGroupNotFoundException(
                TargetGroupNotFoundException::builder()
                    .message("m")
                    .meta(meta)
                    .build(),
            );
            assert_eq!(
                classify_sdk_error(&answer(modelled, 400)),
                ErrorClass::NotFound(AwsResource::TargetGroup)
            );
        }
    }
}
