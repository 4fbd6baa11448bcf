//! Who the provider acts as, found out lazily and once per provider process.
//!
//! Terraform starts the provider several times per command, and most of those processes never
//! call AWS (validation, `plan -refresh=false` of an unchanged configuration). So configuration
//! makes no AWS call at all: the first operation that needs AWS asks [`Identity::account_id`],
//! which makes the one STS call of the process and caches its answer (or its failure) for every
//! later operation, concurrent ones included.
//!
//! With `assume_role`, that one call is `AssumeRole`: its answer carries both the credentials
//! every client signs with ([`AssumedRole`] is their credentials provider) and the account (the
//! assumed role's ARN names it), so no `GetCallerIdentity` follows. Without it, the call is
//! `GetCallerIdentity`, which also proves the ambient credentials work.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError, future};
use rdslink_engine::aws_error::Failure;
use tokio::sync::{Mutex, OnceCell};

/// The account the provider's credentials belong to, resolved on first use.
#[derive(Clone)]
pub struct Identity {
    source: Source,
    /// The account id, or the sentence saying why it could not be found.
    resolved: Arc<OnceCell<Result<String, String>>>,
}

#[derive(Clone)]
enum Source {
    AssumedRole(Arc<AssumedRole>),
    /// The ambient credentials, checked with `GetCallerIdentity` through this client.
    CallerIdentity(aws_sdk_sts::Client),
}

impl Identity {
    /// The identity of `role`'s sessions; `role` is also the credentials provider of every client.
    pub fn assumed(role: Arc<AssumedRole>) -> Self {
        Self::of(Source::AssumedRole(role))
    }

    /// The identity of the ambient credentials, asked of STS through `sts`.
    pub fn ambient(sts: aws_sdk_sts::Client) -> Self {
        Self::of(Source::CallerIdentity(sts))
    }

    fn of(source: Source) -> Self {
        Identity {
            source,
            resolved: Arc::new(OnceCell::new()),
        }
    }

    /// The account id, from one STS call made by whichever caller comes first; `explain` phrases
    /// the failure (the same sentence for every later caller).
    pub async fn account_id(
        &self,
        explain: impl Fn(&'static str, &Failure) -> String,
    ) -> Result<&str, &str> {
        let resolved = self
            .resolved
            .get_or_init(|| async {
                let account = match &self.source {
                    Source::AssumedRole(role) => role
                        .session()
                        .await
                        .map(|session| session.account_id)
                        .map_err(|failure| explain("sts:AssumeRole", &failure)),
                    Source::CallerIdentity(sts) => sts
                        .get_caller_identity()
                        .send()
                        .await
                        .map_err(|err| explain("sts:GetCallerIdentity", &Failure::of(&err)))
                        .and_then(|answer| {
                            answer.account().map(str::to_owned).ok_or_else(|| {
                                "sts:GetCallerIdentity answered without an account id".to_owned()
                            })
                        }),
                };
                if let Ok(account_id) = &account {
                    tracing::info!(account_id, "resolved the provider's AWS identity");
                }
                account
            })
            .await;
        resolved.as_deref().map_err(String::as_str)
    }
}

/// A role's temporary credentials: one `AssumeRole` per session, renewed shortly before it expires.
pub struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session_name: String,
    external_id: Option<String>,
    session: Mutex<Option<Session>>,
}

#[derive(Clone)]
struct Session {
    credentials: Credentials,
    account_id: String,
}

/// Renew this long before expiry, more than the SDK's identity cache waits (10 s plus jitter), so
/// the cache never gets back credentials it considers stale.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

impl AssumedRole {
    /// `sts` is built from the ambient configuration (the credentials that assume the role).
    pub fn new(
        sts: aws_sdk_sts::Client,
        role_arn: String,
        session_name: String,
        external_id: Option<String>,
    ) -> Self {
        AssumedRole {
            sts,
            role_arn,
            session_name,
            external_id,
            session: Mutex::new(None),
        }
    }

    /// The current session, assuming the role when there is none or it is about to expire.
    async fn session(&self) -> Result<Session, Failure> {
        let mut current = self.session.lock().await;
        if let Some(session) = current.as_ref().filter(|session| session.is_fresh()) {
            return Ok(session.clone());
        }
        let answer = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .set_external_id(self.external_id.clone())
            .send()
            .await
            .map_err(|err| Failure::of(&err))?;
        let session = Session::from_answer(&answer).map_err(|cause| Failure::Answered {
            code: None,
            message: Some(cause),
        })?;
        *current = Some(session.clone());
        Ok(session)
    }
}

impl Session {
    fn from_answer(
        answer: &aws_sdk_sts::operation::assume_role::AssumeRoleOutput,
    ) -> Result<Self, String> {
        let credentials = answer
            .credentials()
            .ok_or("AssumeRole answered without credentials")?;
        let arn = answer
            .assumed_role_user()
            .map(|user| user.arn())
            .ok_or("AssumeRole answered without the assumed role's ARN")?;
        let account_id = account_of_arn(arn)
            .ok_or_else(|| format!("AssumeRole answered an ARN without an account: {arn}"))?;
        let expiry = SystemTime::try_from(*credentials.expiration())
            .map_err(|err| format!("AssumeRole answered an unusable expiry: {err}"))?;
        Ok(Session {
            credentials: Credentials::new(
                credentials.access_key_id(),
                credentials.secret_access_key(),
                Some(credentials.session_token().to_owned()),
                Some(expiry),
                "rdslink-assume-role",
            ),
            account_id: account_id.to_owned(),
        })
    }

    fn is_fresh(&self) -> bool {
        self.credentials
            .expiry()
            .is_none_or(|expiry| SystemTime::now() + RENEW_BEFORE_EXPIRY < expiry)
    }
}

impl std::fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumedRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.session()
                .await
                .map(|session| session.credentials)
                .map_err(|failure| {
                    CredentialsError::provider_error(format!(
                        "assuming role {}: {failure}",
                        self.role_arn
                    ))
                }) as provider::Result
        })
    }
}

/// The account field of an ARN (`arn:partition:service:region:account:resource`).
pub fn account_of_arn(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_is_the_fifth_field_of_an_arn() {
        assert_eq!(
            account_of_arn("arn:aws:sts::111111111111:assumed-role/rdslink/terraform"),
            Some("111111111111")
        );
        assert_eq!(
            account_of_arn(
                "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/rdslink-orders/0123"
            ),
            Some("222222222222")
        );
        assert_eq!(account_of_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(account_of_arn("not an arn"), None);
    }
}
