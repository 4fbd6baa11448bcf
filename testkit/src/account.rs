//! Fresh, isolated emulated AWS accounts.
//!
//! moto keeps separate state per account id, and `sts:AssumeRole` into
//! `arn:aws:iam::<id>:role/<any>` returns credentials bound to that account (the role need not
//! exist). One account per test keeps tests that share a server from seeing each other, with no
//! resets.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::error::{Error, Result};
use crate::moto::{Moto, moto};

/// The region every emulated account uses.
pub const REGION: &str = "us-east-1";
/// The static credentials moto accepts for its default account (123456789012).
pub const STATIC_ACCESS_KEY_ID: &str = "testing";
/// See [`STATIC_ACCESS_KEY_ID`].
pub const STATIC_SECRET_ACCESS_KEY: &str = "testing";
/// The role name assumed in every fresh account.
pub const ROLE_NAME: &str = "rdslink-test";
/// moto's default account; never handed out as a fresh one.
const MOTO_DEFAULT_ACCOUNT: &str = "123456789012";

/// Safety nets against a wedged emulator: a hung call fails the test instead of the CI job.
/// Generous, so that tests of the product's own timeouts are not cut short; override with
/// `config.to_builder().timeout_config(...)` where needed.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(180);

/// An emulated AWS account of its own.
///
/// Build clients from [`Account::config`] (or the shortcuts below). Do not share one `Account`
/// between `#[tokio::test]`s: its HTTP connections belong to the runtime that first used them.
#[derive(Clone, Debug)]
pub struct Account {
    /// 12-digit account id.
    pub id: String,
    /// `arn:aws:iam::<id>:role/rdslink-test`: assume it (with the static credentials) to act in
    /// this account, e.g. from a Terraform provider's `assume_role` block.
    pub role_arn: String,
    /// Always [`REGION`].
    pub region: String,
    /// Credentials of the assumed role, the emulator's endpoint and the region.
    pub config: SdkConfig,
}

impl Account {
    pub fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.config)
    }

    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.config)
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    /// CloudWatch Logs.
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    /// EventBridge (rules, targets, `TestEventPattern`: see [`crate::event_pattern_matches`]).
    pub fn eventbridge(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::new(&self.config)
    }

    /// EventBridge Scheduler.
    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.config)
    }

    /// Route 53 (the private names of a consumer endpoint).
    pub fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::new(&self.config)
    }

    /// SNS (the topic of the sync function's `events = "sns"` path).
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config)
    }
}

/// A fresh emulated account with a random id, reached by `sts:AssumeRole` from the static
/// credentials.
///
/// # Panics
/// If moto is unavailable or the role cannot be assumed.
pub async fn fresh_account() -> Account {
    let moto = moto().await;
    match assume_fresh_account(moto).await {
        Ok(account) => account,
        Err(err) => panic!("cannot create a fresh emulated account: {err}"),
    }
}

/// The SDK configuration of moto's default account (static credentials `testing`/`testing`).
///
/// Prefer [`fresh_account`]: the default account is shared by everything that uses it.
pub async fn static_config(moto: &Moto) -> SdkConfig {
    config_with(
        moto,
        Credentials::new(
            STATIC_ACCESS_KEY_ID,
            STATIC_SECRET_ACCESS_KEY,
            None,
            None,
            "rdslink-testkit-static",
        ),
    )
    .await
}

async fn assume_fresh_account(moto: &Moto) -> Result<Account> {
    let id = random_account_id();
    let role_arn = format!("arn:aws:iam::{id}:role/{ROLE_NAME}");
    let sts = aws_sdk_sts::Client::new(&static_config(moto).await);
    let assumed = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("rdslink-testkit")
        .send()
        .await
        .map_err(Error::aws("sts:AssumeRole"))?;
    let credentials = assumed.credentials().ok_or(Error::Incomplete {
        operation: "sts:AssumeRole",
        missing: "credentials",
    })?;
    // No expiry: the emulator does not expire them, and the SDK would refuse expired static
    // credentials in a long debugging session.
    let credentials = Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        None,
        "rdslink-testkit-assumed-role",
    );
    Ok(Account {
        config: config_with(moto, credentials).await,
        id,
        role_arn,
        region: REGION.to_owned(),
    })
}

async fn config_with(moto: &Moto, credentials: Credentials) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&moto.endpoint)
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .load()
        .await
}

/// A random 12-digit account id, distinct within this process and very likely across processes
/// sharing one server (ids come from the std hasher's random keys, a counter, the time and the pid).
fn random_account_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u32(std::process::id());
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        hasher.write_u128(nanos);
        let id = format!("{:012}", hasher.finish() % 1_000_000_000_000);
        if id != MOTO_DEFAULT_ACCOUNT {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_have_twelve_digits_and_differ() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| random_account_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(
            ids.iter()
                .all(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
        );
    }
}
