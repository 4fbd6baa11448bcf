//! Failed AWS calls as one sentence for a person: the operation, the object, AWS's error code and
//! message (read through `ProvideErrorMetadata`) or why no answer came, and what to check. Never
//! a `Debug` dump of the SDK's error structs.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How an SDK call failed, in words for a person: AWS's own answer, or why there was none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// AWS answered with an error code (and usually a message).
    Answered {
        code: Option<String>,
        message: Option<String>,
    },
    /// The request may have left, but no usable answer came back (network, timeout, garbled
    /// response): AWS may or may not have done it.
    NoAnswer { cause: String },
    /// The request never left this machine (it could not be built or signed).
    NotSent { cause: String },
}

impl Failure {
    /// Reads an SDK error through its metadata (`ProvideErrorMetadata`) and its chain of causes,
    /// never through `Debug`.
    pub fn of<E, R>(err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        match err {
            SdkError::ServiceError(context) => Failure::Answered {
                code: ProvideErrorMetadata::code(context.err()).map(str::to_owned),
                message: ProvideErrorMetadata::message(context.err())
                    .filter(|message| !message.trim().is_empty())
                    .map(str::to_owned),
            },
            SdkError::ConstructionFailure(_) => Failure::NotSent { cause: causes(err) },
            _ => Failure::NoAnswer { cause: causes(err) },
        }
    }

    /// AWS's error code, when it answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Failure::Answered { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// What to check, for the codes a person can act on; `None` when AWS's message says it best.
    /// Worded for the provider's own calls (its `provider` block's credentials and region).
    pub fn what_to_check(&self) -> Option<&'static str> {
        self.what_to_check_for(Caller::Provider)
    }

    /// What to check, worded for whoever made the call (whose credentials and network it used).
    pub fn what_to_check_for(&self, caller: Caller) -> Option<&'static str> {
        let hints = Hints::of(caller);
        match self {
            Failure::NoAnswer { .. } => Some(hints.no_answer),
            Failure::NotSent { .. } => Some(hints.not_sent),
            Failure::Answered { code, .. } => hints.for_code(code.as_deref()?),
        }
    }
}

/// Who made a failed call: the hints name the credentials and the network it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The provider's own calls, with its `provider` block's credentials, region and endpoints.
    Provider,
    /// The sync engine's calls, run by the provider at apply time *or* by the sync Lambda (with
    /// its execution role, from its VPC): a hint must not assume which.
    SyncEngine,
}

/// The "what to check" texts of one [`Caller`].
struct Hints {
    no_answer: &'static str,
    not_sent: &'static str,
    not_allowed: &'static str,
    bad_credentials: &'static str,
    throttled: &'static str,
}

const PROVIDER_HINTS: Hints = Hints {
    no_answer: "check that the region is right and enabled for the account, and that its AWS \
                endpoint is reachable from this machine (network, proxy, DNS, endpoint overrides)",
    not_sent: "check the provider's credentials and region settings (the request could not be \
               signed or built)",
    not_allowed: "check that the provider's credentials (or assumed role) are allowed this action",
    bad_credentials: "check the provider's credentials: they are unknown, expired, or their \
                      secret is wrong (and the machine's clock is right)",
    throttled: "AWS kept throttling the account beyond the retries: apply again when other \
                automation calling AWS is quieter",
};

const SYNC_ENGINE_HINTS: Hints = Hints {
    no_answer: "check that the region is right and enabled for the account, and that its AWS \
                endpoint is reachable from where the sync runs (network, proxy, DNS, endpoint \
                overrides; a Lambda in a VPC needs a NAT gateway or a VPC endpoint for the \
                service)",
    not_sent: "check the credentials and region the sync runs with (the request could not be \
               signed or built)",
    not_allowed: "check that the credentials the sync runs with (the provider's, or the sync \
                  Lambda's execution role) are allowed this action",
    bad_credentials: "check the credentials the sync runs with (the provider's, or the sync \
                      Lambda's execution role): they are unknown, expired, or their secret is \
                      wrong (and the clock is right)",
    throttled: "AWS kept throttling the account beyond the SDK's retries: the next sync retries \
                it; if this persists, other automation is using up the account's API rate",
};

impl Hints {
    fn of(caller: Caller) -> &'static Hints {
        match caller {
            Caller::Provider => &PROVIDER_HINTS,
            Caller::SyncEngine => &SYNC_ENGINE_HINTS,
        }
    }

    /// What to check for error codes whose message alone does not say it.
    fn for_code(&self, code: &str) -> Option<&'static str> {
        match code {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
                Some(self.not_allowed)
            }
            "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "AuthFailure"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "RequestExpired" => Some(self.bad_credentials),
            "Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException" => Some(self.throttled),
            code if code.contains("LimitExceeded") || code.contains("QuotaExceeded") => {
                Some("check the account's service quotas in this region")
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Failure {
    /// `AWS answered <Code>: <message>`, or why no answer came, as one clause.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Answered { code, message } => {
                let code = code.as_deref().unwrap_or("an error without a code");
                match message {
                    Some(message) => {
                        write!(f, "AWS answered {code}: {}", message.trim_end_matches('.'))
                    }
                    None => write!(f, "AWS answered {code}"),
                }
            }
            Failure::NoAnswer { cause } => write!(f, "no answer came from AWS ({cause})"),
            Failure::NotSent { cause } => write!(f, "the request was not sent ({cause})"),
        }
    }
}

/// The error's chain of causes, each once, joined with `: `: e.g. `dispatch failure: io error:
/// dns error: failed to lookup address information`. Display only, so no struct dump.
pub fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(err) = next {
        let text = err.to_string();
        let text = text.trim();
        // A wrapper often repeats its source's text; keep each piece of news once.
        if !text.is_empty() && !parts.iter().any(|seen| seen.contains(text)) {
            parts.push(text.to_owned());
        }
        next = err.source();
    }
    parts.join(": ")
}

/// One sentence about a failed AWS call of the provider's: the operation, the object, what AWS
/// answered (code and message) or why nothing came back, and what to check.
///
/// `operation` is `service:Action`; `object` names what the call was about (`"load balancer
/// arn:..."`), empty when nothing in particular.
pub fn sentence(operation: &str, object: &str, failure: &Failure) -> String {
    sentence_for(Caller::Provider, operation, object, failure)
}

/// [`sentence`], with the "what to check" worded for `caller`.
pub fn sentence_for(caller: Caller, operation: &str, object: &str, failure: &Failure) -> String {
    let about = if object.is_empty() {
        String::new()
    } else {
        format!(" for {object}")
    };
    match failure.what_to_check_for(caller) {
        Some(check) => format!("{operation}{about} failed: {failure}; {check}"),
        None => format!("{operation}{about} failed: {failure}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_named_by_operation_object_code_and_message() {
        let failure = Failure::Answered {
            code: Some("AccessDenied".into()),
            message: Some("User x is not authorized.".into()),
        };
        assert_eq!(
            sentence(
                "elbv2:CreateLoadBalancer",
                "load balancer rdslink-orders",
                &failure
            ),
            "elbv2:CreateLoadBalancer for load balancer rdslink-orders failed: AWS answered \
             AccessDenied: User x is not authorized; check that the provider's credentials (or \
             assumed role) are allowed this action"
        );
        let plain = Failure::Answered {
            code: Some("ValidationError".into()),
            message: Some("Port out of range".into()),
        };
        assert_eq!(
            sentence("elbv2:CreateListener", "", &plain),
            "elbv2:CreateListener failed: AWS answered ValidationError: Port out of range"
        );
        assert_eq!(plain.code(), Some("ValidationError"));
    }

    #[test]
    fn no_answer_says_what_happened_and_to_check_reachability() {
        let failure = Failure::NoAnswer {
            cause: "dispatch failure: dns error".into(),
        };
        let text = sentence("sts:GetCallerIdentity", "", &failure);
        assert!(
            text.starts_with("sts:GetCallerIdentity failed: no answer came from AWS (dispatch failure: dns error); check that the region"),
            "{text}"
        );
        assert!(text.contains("reachable"), "{text}");
        assert!(!text.contains('{'), "no struct dump: {text}");
    }

    #[test]
    fn causes_lists_each_piece_of_news_once_without_debug() {
        #[derive(Debug)]
        struct Layer(&'static str, Option<Box<Layer>>);
        impl std::fmt::Display for Layer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for Layer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|l| l as _)
            }
        }
        let chain = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "io error",
                Some(Box::new(Layer(
                    "io error",
                    Some(Box::new(Layer("dns error: no such host", None))),
                ))),
            ))),
        );
        assert_eq!(
            causes(&chain),
            "dispatch failure: io error: dns error: no such host"
        );
    }
}
