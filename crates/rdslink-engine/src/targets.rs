//! The target group, seen through three operations: which addresses are registered, register
//! some, deregister some ([`Targets`]). All ELBv2 knowledge of the engine lives here, in
//! [`TargetGroup`].

use std::collections::BTreeSet;
use std::future::Future;
use std::net::Ipv4Addr;

use aws_sdk_elasticloadbalancingv2::operation::deregister_targets::DeregisterTargetsError;
use aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthError;
use aws_sdk_elasticloadbalancingv2::operation::register_targets::RegisterTargetsError;
use aws_sdk_elasticloadbalancingv2::types::{TargetDescription, TargetHealthStateEnum};
use tracing::warn;

use crate::error::AwsObject;
use crate::{AwsCalls, Error};

/// The actuation half of the engine, as `reconcile` sees
/// it: the seam between the engine's logic and the load balancer. [`TargetGroup`] is the real
/// one (ELBv2); the `testing` module has a recording fake.
///
/// Every method counts the AWS API operations it makes in `calls`; an empty `ips` makes none.
pub trait Targets: Send + Sync {
    /// The target group's ARN, for logs and messages.
    fn arn(&self) -> &str;

    /// The port every target is registered on (the database's port).
    fn port(&self) -> u16;

    /// The addresses registered on [`port`](Targets::port) that take new connections (not
    /// draining). Targets on other ports are not the engine's and are left out.
    fn registered(
        &self,
        calls: &AwsCalls,
    ) -> impl Future<Output = Result<BTreeSet<Ipv4Addr>, Error>> + Send;

    /// Registers `ips` on the port. Registering an already registered (or draining) target is
    /// allowed and makes it a full target again.
    fn register(
        &self,
        ips: &[Ipv4Addr],
        calls: &AwsCalls,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Deregisters `ips` from the port; their connections drain. Addresses already gone are not
    /// an error (a concurrent run got there first, which is the outcome wanted).
    fn deregister(
        &self,
        ips: &[Ipv4Addr],
        calls: &AwsCalls,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// An IP target group whose targets all listen on one port.
#[derive(Debug, Clone)]
pub struct TargetGroup {
    client: aws_sdk_elasticloadbalancingv2::Client,
    arn: String,
    port: u16,
}

impl TargetGroup {
    /// `port` is the port every target is registered on (the database's port).
    pub fn new(
        client: aws_sdk_elasticloadbalancingv2::Client,
        arn: impl Into<String>,
        port: u16,
    ) -> Self {
        TargetGroup {
            client,
            arn: arn.into(),
            port,
        }
    }

    pub fn arn(&self) -> &str {
        &self.arn
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The addresses registered on this group's port that are not on their way out.
    ///
    /// `draining` targets are left out: they were deregistered already and only finish their
    /// connections. Counting them as registered would be wrong both ways: a draining address
    /// that is desired again would never be re-registered (and would vanish when draining
    /// ends), and the "never empty" checks would count a target that takes no new connections.
    /// `unhealthy.draining` targets *are* counted: they are still registered (the group drains
    /// connections of unhealthy targets) and come back when healthy.
    ///
    /// Targets on another port are not ours to manage (the engine registers only `port`); they
    /// are reported in a warning and otherwise ignored.
    async fn read_registered(&self, calls: &AwsCalls) -> Result<BTreeSet<Ipv4Addr>, Error> {
        calls.record();
        let output = self
            .client
            .describe_target_health()
            .target_group_arn(&self.arn)
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(DescribeTargetHealthError::TargetGroupNotFoundException(_)) => {
                    self.not_found()
                }
                _ => Error::aws_about(
                    "elbv2:DescribeTargetHealth",
                    AwsObject::TargetGroup(&self.arn),
                    err,
                ),
            })?;

        let mut registered = BTreeSet::new();
        for description in output.target_health_descriptions() {
            let Some(target) = description.target() else {
                continue;
            };
            let id = target.id().unwrap_or_default();
            let state = description
                .target_health()
                .and_then(|health| health.state());
            if state == Some(&TargetHealthStateEnum::Draining) {
                continue;
            }
            let Ok(ip) = id.parse::<Ipv4Addr>() else {
                warn!(
                    target_group = %self.arn,
                    target = id,
                    "ignoring a target that is not an IPv4 address (is this an IP target group?)"
                );
                continue;
            };
            match target.port() {
                Some(port) if port == i32::from(self.port) => {
                    registered.insert(ip);
                }
                other => warn!(
                    target_group = %self.arn,
                    target = %ip,
                    port = ?other,
                    expected_port = self.port,
                    "ignoring a target registered on another port"
                ),
            }
        }
        Ok(registered)
    }

    async fn register_ips(&self, ips: &[Ipv4Addr], calls: &AwsCalls) -> Result<(), Error> {
        if ips.is_empty() {
            return Ok(());
        }
        calls.record();
        self.client
            .register_targets()
            .target_group_arn(&self.arn)
            .set_targets(Some(self.descriptions(ips)))
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(RegisterTargetsError::TargetGroupNotFoundException(_)) => self.not_found(),
                Some(RegisterTargetsError::InvalidTargetException(invalid)) => {
                    Error::InvalidTarget {
                        arn: self.arn.clone(),
                        message: invalid.message().unwrap_or("invalid target").to_string(),
                    }
                }
                _ => Error::aws_about(
                    "elbv2:RegisterTargets",
                    AwsObject::TargetGroup(&self.arn),
                    err,
                ),
            })?;
        Ok(())
    }

    async fn deregister_ips(&self, ips: &[Ipv4Addr], calls: &AwsCalls) -> Result<(), Error> {
        if ips.is_empty() {
            return Ok(());
        }
        calls.record();
        let result = self
            .client
            .deregister_targets()
            .target_group_arn(&self.arn)
            .set_targets(Some(self.descriptions(ips)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(DeregisterTargetsError::TargetGroupNotFoundException(_)) => {
                    Err(self.not_found())
                }
                // The target is not registered (any more): a concurrent run got there first,
                // which is the outcome wanted.
                Some(DeregisterTargetsError::InvalidTargetException(_)) => {
                    warn!(
                        target_group = %self.arn,
                        targets = ?ips,
                        "targets to deregister were already gone"
                    );
                    Ok(())
                }
                _ => Err(Error::aws_about(
                    "elbv2:DeregisterTargets",
                    AwsObject::TargetGroup(&self.arn),
                    err,
                )),
            },
        }
    }

    fn descriptions(&self, ips: &[Ipv4Addr]) -> Vec<TargetDescription> {
        ips.iter()
            .map(|ip| {
                // The database is inside the VPC, so no AvailabilityZone ("all" is only for
                // addresses outside it).
                TargetDescription::builder()
                    .id(ip.to_string())
                    .port(i32::from(self.port))
                    .build()
            })
            .collect()
    }

    fn not_found(&self) -> Error {
        Error::TargetGroupNotFound {
            arn: self.arn.clone(),
        }
    }
}

impl Targets for TargetGroup {
    fn arn(&self) -> &str {
        &self.arn
    }

    fn port(&self) -> u16 {
        self.port
    }

    async fn registered(&self, calls: &AwsCalls) -> Result<BTreeSet<Ipv4Addr>, Error> {
        self.read_registered(calls).await
    }

    async fn register(&self, ips: &[Ipv4Addr], calls: &AwsCalls) -> Result<(), Error> {
        self.register_ips(ips, calls).await
    }

    async fn deregister(&self, ips: &[Ipv4Addr], calls: &AwsCalls) -> Result<(), Error> {
        self.deregister_ips(ips, calls).await
    }
}
