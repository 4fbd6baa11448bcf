//! `reconcile`: converge the target group onto the database's current addresses.
//!
//! Like a kube-rs reconciler it is idempotent and is not told *why* it runs: it looks at the
//! desired state (discovery) and the actual state (the target group) and converges them. The
//! trigger only tunes one thing: after a failover-class event it may wait for a lagging DNS
//! answer to move. A scheduled run is the safety net for missed, late or duplicated events.
//!
//! # Invariants
//!
//! 1. **Register first, deregister second.** A new address is registered before any stale one
//!    is deregistered, so a failover never passes through a moment with no target.
//! 2. **No answer, no change.** If discovery fails or finds no address, nothing is registered or
//!    deregistered, and the error is retryable when waiting can fix it. `plan` itself returns no
//!    change for an empty desired set.
//! 3. **Deregister only against a fresh answer.** A run discovers and reads the group side by
//!    side, so its answer is one AWS round trip old when the registration is sent. Before
//!    deregistering, an engine with [`Recheck::Reread`] (the default) discovers again and reads
//!    the group again; one with [`Recheck::SideBySide`] (the sync Lambda) deregisters against
//!    the side-by-side answer, which is then exactly as fresh as that re-discovery would be (one
//!    round trip, the registration's, instead of the re-read's), unless the run waited for DNS,
//!    when it re-checks as `Reread` does. Only addresses absent from the answer deregistered
//!    against are deregistered, and only after every address of it is registered. So the run's
//!    final state is its *last* discovery, even if DNS flapped during the run, and the group
//!    always keeps at least one address of that last answer.
//! 4. **Runs through one engine are serialised** (an async mutex). Two concurrent runs with
//!    different answers could otherwise each deregister the address the other keeps: ELBv2 has
//!    no conditional write, so no lock-free ordering of reads and writes can rule that out.
//!    Across processes the Lambda must run with reserved concurrency 1, which serialises its
//!    invocations the same way (throttled asynchronous invocations are queued and retried by
//!    Lambda, not lost). As a last line of defence, a [`Recheck::Reread`] run that finds no
//!    address of its answer registered after deregistering (a concurrent writer outside the
//!    engine) registers its answer again at once; a `SideBySide` run leaves that to the next
//!    run (the Lambda's schedule), as it must for an outside write made a moment later anyway.
//! 5. **Status reports what was observed.** [`Report::targets`] is read back from the target
//!    group after the changes ([`Recheck::Reread`]) or is the run's read of the group plus the
//!    changes AWS acknowledged ([`Recheck::SideBySide`]); never the plan's intention.
//!
//! Invariants 1, 3 and the last line of defence of 4 live in [`converge`](crate::converge),
//! shared with the provider's apply-time re-sync. The engine reaches the world only through two
//! seams, [`Discover`] and [`Targets`], so the order of its calls is tested against a recording
//! fake (`testing`) as well as against the emulator.

use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Mutex;
use tracing::{Instrument, info, info_span, warn};

use crate::converge::{Recheck, converge_from};
use crate::{
    AwsCalls, DatabaseSelector, Discover, Discoverer, Discovery, Error, TargetGroup, Targets,
};

#[cfg(test)]
mod tests;

/// Why a reconcile runs (for logs only: the engine converges the same way whatever the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerReason {
    /// The periodic safety-net run.
    Schedule,
    /// Someone asked (a test invocation, the provider, an operator).
    Manual,
    /// An RDS event arrived (through SNS or EventBridge).
    RdsEvent {
        event_id: Option<String>,
        source_id: Option<String>,
    },
}

impl fmt::Display for TriggerReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TriggerReason::Schedule => f.write_str("schedule"),
            TriggerReason::Manual => f.write_str("manual"),
            TriggerReason::RdsEvent {
                event_id,
                source_id,
            } => write!(
                f,
                "RDS event {} from {}",
                event_id.as_deref().unwrap_or("(no id)"),
                source_id.as_deref().unwrap_or("(unknown source)")
            ),
        }
    }
}

/// What started a reconcile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub reason: TriggerReason,
    /// A failover-class event: the database's address is expected to move, so a discovery that
    /// still returns the registered addresses is probably stale DNS worth waiting out.
    pub expects_address_change: bool,
    /// When the event happened, for the convergence time metric.
    pub event_time: Option<SystemTime>,
}

impl Trigger {
    /// A scheduled run: no waiting, no event time.
    pub fn schedule() -> Self {
        Trigger {
            reason: TriggerReason::Schedule,
            expects_address_change: false,
            event_time: None,
        }
    }

    /// A manual run: no waiting, no event time.
    pub fn manual() -> Self {
        Trigger {
            reason: TriggerReason::Manual,
            expects_address_change: false,
            event_time: None,
        }
    }
}

/// How discovery is polled while waiting for DNS to move: `initial`, doubling up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollBackoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for PollBackoff {
    fn default() -> Self {
        PollBackoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(10),
        }
    }
}

/// The default time a failover-triggered run waits for a stale DNS answer to move. The event
/// can arrive before the endpoint's record changes (RDS-EVENT-0015: "DNS propagation may take a
/// few minutes"); 90 s covers the common case and still fits a Lambda timeout of a few minutes.
/// The scheduled run catches anything slower.
pub const DEFAULT_DNS_WAIT: Duration = Duration::from_secs(90);

/// One database, one target group, and how to converge them. The defaults are the real seams
/// (RDS API and DNS, ELBv2); tests put fakes in their place.
#[derive(Debug)]
pub struct Engine<D = Discoverer, T = TargetGroup> {
    discoverer: D,
    selector: DatabaseSelector,
    target_group: T,
    dns_wait: Duration,
    poll: PollBackoff,
    recheck: Recheck,
    /// Serialises runs through this engine (invariant 4).
    serial: Mutex<()>,
}

impl<D: Discover, T: Targets> Engine<D, T> {
    /// An engine with the default DNS wait (90 s) and poll backoff (1 s doubling to 10 s).
    pub fn new(discoverer: D, selector: DatabaseSelector, target_group: T) -> Self {
        Engine {
            discoverer,
            selector,
            target_group,
            dns_wait: DEFAULT_DNS_WAIT,
            poll: PollBackoff::default(),
            recheck: Recheck::default(),
            serial: Mutex::new(()),
        }
    }

    /// How long a failover-triggered run waits for DNS to move. Keep it well under the Lambda
    /// timeout; zero disables waiting.
    pub fn with_dns_wait(mut self, dns_wait: Duration) -> Self {
        self.dns_wait = dns_wait;
        self
    }

    /// How often discovery is polled while waiting.
    pub fn with_poll_backoff(mut self, poll: PollBackoff) -> Self {
        self.poll = poll;
        self
    }

    /// What a run checks again before deregistering (invariant 3); [`Recheck::Reread`] unless
    /// set.
    pub fn with_recheck(mut self, recheck: Recheck) -> Self {
        self.recheck = recheck;
        self
    }

    pub fn recheck(&self) -> Recheck {
        self.recheck
    }

    pub fn selector(&self) -> &DatabaseSelector {
        &self.selector
    }

    pub fn target_group(&self) -> &T {
        &self.target_group
    }

    pub fn discoverer(&self) -> &D {
        &self.discoverer
    }

    pub fn dns_wait(&self) -> Duration {
        self.dns_wait
    }
}

/// Whether, and how, a run waited for DNS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOutcome {
    /// No wait: not a failover trigger, an authoritative selector, or the answer had already
    /// moved.
    NotNeeded,
    /// The answer moved while waiting.
    Moved,
    /// The answer did not move within the DNS wait; the targets were left as they were.
    TimedOut,
}

impl WaitOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitOutcome::NotNeeded => "not_needed",
            WaitOutcome::Moved => "moved",
            WaitOutcome::TimedOut => "timed_out",
        }
    }
}

/// What a reconcile saw and did. All address lists are sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The hostname discovery resolved.
    pub endpoint: String,
    /// The addresses the run converged onto (its last discovery).
    pub desired: Vec<Ipv4Addr>,
    /// The registered addresses when the run started.
    pub registered_before: Vec<Ipv4Addr>,
    /// The addresses this run registered.
    pub registered: Vec<Ipv4Addr>,
    /// The addresses this run deregistered.
    pub deregistered: Vec<Ipv4Addr>,
    /// The registered addresses after the changes: read back ([`Recheck::Reread`]), or the
    /// run's read plus the acknowledged changes ([`Recheck::SideBySide`]).
    pub targets: Vec<Ipv4Addr>,
    /// `targets == desired`.
    pub in_sync: bool,
    pub wait: WaitOutcome,
    /// Time spent waiting for DNS to move.
    pub waited: Duration,
    /// From the triggering event to the moment the targets matched, when this run changed
    /// them in answer to an event with a time.
    pub convergence: Option<Duration>,
    /// AWS API operations this run made (SDK retries not counted).
    pub aws_calls: u32,
}

impl Report {
    /// Nothing was registered or deregistered.
    pub fn is_noop(&self) -> bool {
        self.registered.is_empty() && self.deregistered.is_empty()
    }
}

/// Converges `engine`'s target group onto its database's current addresses. See the module
/// documentation for the invariants.
pub async fn reconcile<D: Discover, T: Targets>(
    engine: &Engine<D, T>,
    trigger: &Trigger,
) -> Result<Report, Error> {
    let span = info_span!(
        "reconcile",
        target_group = %engine.target_group.arn(),
        database = %engine.selector,
        trigger = %trigger.reason,
    );
    async {
        let _serial = engine.serial.lock().await;
        let calls = AwsCalls::default();
        let result = converge(engine, trigger, &calls).await;
        match &result {
            Ok(report) => info!(
                in_sync = report.in_sync,
                targets = ?report.targets,
                aws_calls = report.aws_calls,
                "reconcile finished"
            ),
            Err(err) => warn!(
                error = %err,
                error_type = err.kind(),
                retryable = err.is_retryable(),
                aws_calls = calls.get(),
                "reconcile failed; targets left as they were after the last successful step"
            ),
        }
        result
    }
    .instrument(span)
    .await
}

async fn converge<D: Discover, T: Targets>(
    engine: &Engine<D, T>,
    trigger: &Trigger,
    calls: &AwsCalls,
) -> Result<Report, Error> {
    // Discovery and the read of the group side by side (invariant 3). Invariant 2: a failed
    // discovery returns before anything is touched (the read still in flight is dropped).
    let (first, registered_before) = futures::future::try_join(
        discover_addresses(engine, calls),
        engine.target_group.registered(calls),
    )
    .await?;
    info!(
        endpoint = %first.endpoint,
        desired = ?first.target_ips,
        registered = ?registered_before,
        "observed"
    );

    let wait_started = Instant::now();
    let (discovery, wait) = wait_for_move(engine, trigger, first, &registered_before).await;
    let waited = if wait == WaitOutcome::NotNeeded {
        Duration::ZERO
    } else {
        wait_started.elapsed()
    };

    // Invariants 1 and 3: register first; deregister only against a fresh discovery. The
    // side-by-side answer stops being fresh when a DNS wait came between it and the read.
    let reread = engine.recheck == Recheck::Reread || wait != WaitOutcome::NotNeeded;
    let outcome = converge_from(
        &engine.target_group,
        &discovery.target_set(),
        registered_before,
        reread.then_some(|| async {
            discover_addresses(engine, calls)
                .await
                .map(|fresh| fresh.target_set())
        }),
        calls,
    )
    .await?;

    let in_sync = outcome.in_sync();
    let convergence = if in_sync && !outcome.is_noop() {
        trigger
            .event_time
            .and_then(|event| SystemTime::now().duration_since(event).ok())
    } else {
        None
    };
    Ok(Report {
        endpoint: discovery.endpoint,
        desired: sorted(&outcome.desired),
        registered_before: sorted(&outcome.registered_before),
        registered: sorted(&outcome.registered),
        deregistered: outcome.deregistered,
        targets: sorted(&outcome.targets),
        in_sync,
        wait,
        waited,
        convergence,
        aws_calls: calls.get(),
    })
}

/// Discovery that never answers "no address" with success: the engine's own guard of
/// invariant 2, whatever the [`Discover`] implementation.
async fn discover_addresses<D: Discover, T>(
    engine: &Engine<D, T>,
    calls: &AwsCalls,
) -> Result<Discovery, Error> {
    let discovery = engine.discoverer.discover(&engine.selector, calls).await?;
    if discovery.target_ips.is_empty() {
        return Err(Error::NoAddresses {
            name: discovery.endpoint,
            nameservers: "discovery".to_owned(),
        });
    }
    Ok(discovery)
}

/// After a failover-class event, a selector answered by DNS may still return the old address.
/// If the answer equals what is registered, poll DNS (with backoff) until it moves or the DNS
/// wait passes. Cluster and proxy answers are authoritative and never wait.
async fn wait_for_move<D: Discover, T>(
    engine: &Engine<D, T>,
    trigger: &Trigger,
    discovery: Discovery,
    registered: &BTreeSet<Ipv4Addr>,
) -> (Discovery, WaitOutcome) {
    if !trigger.expects_address_change
        || !engine.selector.answer_may_lag_failover()
        || engine.dns_wait.is_zero()
        || discovery.target_set() != *registered
    {
        return (discovery, WaitOutcome::NotNeeded);
    }
    info!(
        endpoint = %discovery.endpoint,
        answer = ?discovery.target_ips,
        dns_wait_secs = engine.dns_wait.as_secs_f64(),
        "failover event but DNS still returns the registered targets; waiting for it to move"
    );
    let deadline = Instant::now() + engine.dns_wait;
    let mut delay = engine.poll.initial.max(Duration::from_millis(1));
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            info!(
                answer = ?discovery.target_ips,
                "DNS did not move within the wait; leaving the targets as they are"
            );
            return (discovery, WaitOutcome::TimedOut);
        }
        tokio::time::sleep(delay.min(remaining)).await;
        match engine.discoverer.refresh_addresses(&discovery).await {
            // An empty answer is no move: the targets are never emptied.
            Ok(refreshed) if refreshed.target_ips.is_empty() => {
                warn!("DNS answered no address while waiting; still waiting");
            }
            Ok(refreshed) if refreshed.target_set() != *registered => {
                info!(answer = ?refreshed.target_ips, "DNS moved");
                return (refreshed, WaitOutcome::Moved);
            }
            Ok(_) => {}
            // A lookup failing mid-failover is expected noise; keep polling until the deadline.
            Err(err) => warn!(error = %err, "DNS lookup failed while waiting; still waiting"),
        }
        delay = (delay * 2).min(engine.poll.max.max(engine.poll.initial));
    }
}

fn sorted(set: &BTreeSet<Ipv4Addr>) -> Vec<Ipv4Addr> {
    set.iter().copied().collect()
}
