//! What every engine test needs: an account, a DNS server, and engines wired to both.

use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

use rdslink_engine::{
    AwsCalls, DatabaseSelector, Discoverer, Engine, PollBackoff, Resolver, ResolverOptions,
    TargetGroup, Targets, Trigger, TriggerReason,
};
use rdslink_testkit::{Account, DnsServer, fresh_account, seed};

/// Every seeded database listens on PostgreSQL's port; the target groups use it too.
pub const PORT: u16 = 5432;

/// One test's world: its own emulated account and its own DNS server.
pub struct Fixture {
    pub account: Account,
    pub dns: DnsServer,
}

impl Fixture {
    pub async fn new() -> Self {
        Fixture {
            account: fresh_account().await,
            dns: DnsServer::start().await,
        }
    }

    /// A resolver asking only this test's DNS server, with short timeouts (loopback answers in
    /// microseconds).
    pub fn resolver(&self) -> Resolver {
        Resolver::with_nameservers_and_options(
            &[self.dns.addr()],
            ResolverOptions {
                timeout: Duration::from_millis(500),
                attempts: 2,
            },
        )
    }

    pub fn discoverer(&self) -> Discoverer {
        Discoverer::new(self.account.rds(), self.resolver())
    }

    /// A fresh IP target group on [`PORT`] in the account's default VPC.
    pub async fn target_group(&self, name: &str) -> TargetGroup {
        let arn = seed::target_group(&self.account, name, PORT).await;
        TargetGroup::new(self.account.elbv2(), arn, PORT)
    }

    /// An engine for `selector` with a fresh target group, a short DNS wait and fast polling.
    pub async fn engine(&self, selector: DatabaseSelector, dns_wait: Duration) -> Engine {
        let group = self.target_group("rdslink-test").await;
        Engine::new(self.discoverer(), selector, group)
            .with_dns_wait(dns_wait)
            .with_poll_backoff(PollBackoff {
                initial: Duration::from_millis(200),
                max: Duration::from_secs(1),
            })
    }
}

/// What the event parser makes of "RDS-EVENT-0049: Multi-AZ instance failover completed".
pub fn failover_event(source_id: &str) -> Trigger {
    Trigger {
        reason: TriggerReason::RdsEvent {
            event_id: Some("RDS-EVENT-0049".to_string()),
            source_id: Some(source_id.to_string()),
        },
        expects_address_change: true,
        event_time: Some(SystemTime::now()),
    }
}

/// The group's registered addresses, sorted.
pub async fn targets(group: &TargetGroup) -> Vec<Ipv4Addr> {
    match group.registered(&AwsCalls::default()).await {
        Ok(set) => set.into_iter().collect(),
        Err(err) => panic!("cannot read the target group: {err}"),
    }
}

/// Unwraps a result or panics with the error's display form (more readable than `Debug`).
pub fn ok<T>(result: Result<T, rdslink_engine::Error>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(err) => panic!("{what} failed ({}): {err}", err.kind()),
    }
}
