//! A recording fake of the engine's two seams, for tests of the engine's *order* of calls, which
//! no emulator can observe: an in-memory target group, a script of discovery answers, and a log
//! of every call in the order it was made.
//!
//! One [`Fake`] plays both seams ([`Discover`] and [`Targets`]); its clones share one state, so
//! `Engine::new(fake.clone(), selector, fake.clone())` logs discovery and target group calls in
//! one sequence. Compiled for this crate's tests and, with the `testing` feature, for other
//! crates' tests.

use std::collections::{BTreeSet, VecDeque};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{AwsCalls, DatabaseSelector, Discover, Discovery, Error, Targets};

/// One call the engine made, or one change made behind its back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// [`Discover::discover`].
    Discover,
    /// [`Discover::refresh_addresses`] (DNS only, while waiting for a failover to show).
    Refresh,
    /// [`Targets::registered`].
    Registered,
    /// [`Targets::register`] with these addresses (calls with none are not made, as with ELBv2).
    Register(Vec<Ipv4Addr>),
    /// [`Targets::deregister`] with these addresses.
    Deregister(Vec<Ipv4Addr>),
    /// The call failed (a scripted discovery failure or an injected error) and changed nothing.
    Failed(Box<Call>),
    /// Not the engine's call: a writer outside it set the registered addresses to these.
    OutsideWrite(Vec<Ipv4Addr>),
}

impl Call {
    /// Register, deregister, or an outside write (a failed call changes nothing).
    pub fn is_mutation(&self) -> bool {
        matches!(
            self,
            Call::Register(_) | Call::Deregister(_) | Call::OutsideWrite(_)
        )
    }

    fn op(&self) -> Option<Op> {
        match self {
            Call::Discover => Some(Op::Discover),
            Call::Refresh => Some(Op::Refresh),
            Call::Registered => Some(Op::Registered),
            Call::Register(_) => Some(Op::Register),
            Call::Deregister(_) => Some(Op::Deregister),
            Call::Failed(_) | Call::OutsideWrite(_) => None,
        }
    }
}

/// A kind of call, for injecting errors and outside writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Discover,
    Refresh,
    Registered,
    Register,
    Deregister,
}

/// What discovery answers: addresses (possibly none, which the engine must refuse), or a failure.
pub type Answer = Result<Vec<Ipv4Addr>, Error>;

/// The fake target group and discoverer. See the module documentation.
#[derive(Debug, Clone)]
pub struct Fake {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    registered: BTreeSet<Ipv4Addr>,
    /// Consumed in order by `discover` and `refresh_addresses`; the last one repeats.
    answers: VecDeque<Answer>,
    /// The next call of each op fails with the error, once.
    failures: Vec<(Op, Error)>,
    /// After the next successful call of each op, the registered set becomes this, once.
    outside_writes: Vec<(Op, BTreeSet<Ipv4Addr>)>,
    log: Vec<Call>,
}

/// The ARN the fake reports.
pub const FAKE_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fake/0123456789abcdef";
/// The port the fake reports.
pub const FAKE_PORT: u16 = 5432;

impl Fake {
    /// A group holding `registered`, whose discovery answers nothing until scripted.
    pub fn new(registered: impl IntoIterator<Item = Ipv4Addr>) -> Self {
        Fake {
            state: Arc::new(Mutex::new(State {
                registered: registered.into_iter().collect(),
                answers: VecDeque::new(),
                failures: Vec::new(),
                outside_writes: Vec::new(),
                log: Vec::new(),
            })),
        }
    }

    /// Scripts discovery: each `discover` or `refresh_addresses` takes the next answer; the last
    /// one keeps being given.
    pub fn answers(self, answers: impl IntoIterator<Item = Answer>) -> Self {
        self.lock().answers.extend(answers);
        self
    }

    /// The next call of `op` fails with `error` (and changes nothing).
    pub fn fail_next(&self, op: Op, error: Error) {
        self.lock().failures.push((op, error));
    }

    /// Right after the next successful call of `op`, a writer outside the engine sets the
    /// registered addresses to `registered` (logged as [`Call::OutsideWrite`]).
    pub fn outside_write_after(&self, op: Op, registered: impl IntoIterator<Item = Ipv4Addr>) {
        self.lock()
            .outside_writes
            .push((op, registered.into_iter().collect()));
    }

    /// Every call so far, in order.
    pub fn log(&self) -> Vec<Call> {
        self.lock().log.clone()
    }

    /// The registered addresses now.
    pub fn registered_now(&self) -> BTreeSet<Ipv4Addr> {
        self.lock().registered.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has failed already; its state is still
        // worth reading.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records `call`, applying `effect` unless an error was injected for it; then applies a
    /// scripted outside write.
    fn call<T>(
        &self,
        call: Call,
        effect: impl FnOnce(&mut State) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut state = self.lock();
        let op = call.op().expect("only engine calls are made");
        if let Some(index) = state
            .failures
            .iter()
            .position(|(failing, _)| *failing == op)
        {
            let (_, error) = state.failures.remove(index);
            state.log.push(Call::Failed(Box::new(call)));
            return Err(error);
        }
        match effect(&mut state) {
            Ok(value) => {
                state.log.push(call);
                if let Some(index) = state
                    .outside_writes
                    .iter()
                    .position(|(after, _)| *after == op)
                {
                    let (_, registered) = state.outside_writes.remove(index);
                    state
                        .log
                        .push(Call::OutsideWrite(registered.iter().copied().collect()));
                    state.registered = registered;
                }
                Ok(value)
            }
            Err(error) => {
                state.log.push(Call::Failed(Box::new(call)));
                Err(error)
            }
        }
    }
}

impl State {
    fn next_answer(&mut self) -> Answer {
        match self.answers.len() {
            0 => Ok(Vec::new()),
            1 => self.answers[0].clone(),
            _ => self.answers.pop_front().expect("more than one answer"),
        }
    }
}

/// The addresses the group holds after each entry of `log`, starting from `initial`: a replay
/// that needs nothing but the log.
pub fn replay(initial: &BTreeSet<Ipv4Addr>, log: &[Call]) -> Vec<BTreeSet<Ipv4Addr>> {
    let mut registered = initial.clone();
    log.iter()
        .map(|call| {
            match call {
                Call::Register(ips) => registered.extend(ips.iter().copied()),
                Call::Deregister(ips) => {
                    for ip in ips {
                        registered.remove(ip);
                    }
                }
                Call::OutsideWrite(ips) => registered = ips.iter().copied().collect(),
                Call::Discover | Call::Refresh | Call::Registered | Call::Failed(_) => {}
            }
            registered.clone()
        })
        .collect()
}

fn sorted_unique(ips: &[Ipv4Addr]) -> Vec<Ipv4Addr> {
    let set: BTreeSet<Ipv4Addr> = ips.iter().copied().collect();
    set.into_iter().collect()
}

impl Discover for Fake {
    async fn discover(
        &self,
        selector: &DatabaseSelector,
        calls: &AwsCalls,
    ) -> Result<Discovery, Error> {
        calls.record();
        self.call(Call::Discover, |state| {
            let target_ips = sorted_unique(&state.next_answer()?);
            Ok(Discovery {
                kind: selector.kind(),
                endpoint: selector.identifier().to_owned(),
                port: Some(FAKE_PORT),
                vpc_id: None,
                engine: None,
                availability_zones: Vec::new(),
                writer_instance_identifier: None,
                target_ips,
            })
        })
    }

    async fn refresh_addresses(&self, discovery: &Discovery) -> Result<Discovery, Error> {
        self.call(Call::Refresh, |state| {
            Ok(Discovery {
                target_ips: sorted_unique(&state.next_answer()?),
                ..discovery.clone()
            })
        })
    }
}

impl Targets for Fake {
    fn arn(&self) -> &str {
        FAKE_ARN
    }

    fn port(&self) -> u16 {
        FAKE_PORT
    }

    async fn registered(&self, calls: &AwsCalls) -> Result<BTreeSet<Ipv4Addr>, Error> {
        calls.record();
        self.call(Call::Registered, |state| Ok(state.registered.clone()))
    }

    async fn register(&self, ips: &[Ipv4Addr], calls: &AwsCalls) -> Result<(), Error> {
        if ips.is_empty() {
            return Ok(());
        }
        calls.record();
        self.call(Call::Register(ips.to_vec()), |state| {
            state.registered.extend(ips.iter().copied());
            Ok(())
        })
    }

    async fn deregister(&self, ips: &[Ipv4Addr], calls: &AwsCalls) -> Result<(), Error> {
        if ips.is_empty() {
            return Ok(());
        }
        calls.record();
        self.call(Call::Deregister(ips.to_vec()), |state| {
            for ip in ips {
                state.registered.remove(ip);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    #[tokio::test]
    async fn the_fake_records_calls_scripts_answers_and_injects_failures() {
        let fake = Fake::new([A]).answers([Ok(vec![B, A, B]), Ok(vec![B])]);
        let calls = AwsCalls::default();
        let selector = DatabaseSelector::Endpoint("db.example".into());
        let first = fake.discover(&selector, &calls).await.unwrap();
        assert_eq!(first.target_ips, [A, B]);
        assert_eq!(first.endpoint, "db.example");
        // The last answer repeats.
        for _ in 0..2 {
            let again = fake.refresh_addresses(&first).await.unwrap();
            assert_eq!(again.target_ips, [B]);
        }

        fake.register(&[B], &calls).await.unwrap();
        fake.register(&[], &calls).await.unwrap();
        fake.fail_next(
            Op::Deregister,
            Error::TargetGroupNotFound {
                arn: FAKE_ARN.into(),
            },
        );
        assert!(fake.deregister(&[A], &calls).await.is_err());
        fake.outside_write_after(Op::Deregister, [A]);
        fake.deregister(&[A], &calls).await.unwrap();
        assert_eq!(fake.registered(&calls).await.unwrap(), BTreeSet::from([A]));

        let log = fake.log();
        assert_eq!(
            log,
            [
                Call::Discover,
                Call::Refresh,
                Call::Refresh,
                Call::Register(vec![B]),
                Call::Failed(Box::new(Call::Deregister(vec![A]))),
                Call::Deregister(vec![A]),
                Call::OutsideWrite(vec![A]),
                Call::Registered,
            ]
        );
        // Discover, register, failed deregister, deregister, registered.
        assert_eq!(calls.get(), 5);
        let states = replay(&BTreeSet::from([A]), &log);
        assert_eq!(states.last(), Some(&fake.registered_now()));
        assert_eq!(states[3], BTreeSet::from([A, B]));
        assert_eq!(states[5], BTreeSet::from([B]));
    }

    #[tokio::test]
    async fn an_unscripted_discovery_answers_no_address() {
        let fake = Fake::new([]);
        let found = fake
            .discover(
                &DatabaseSelector::Instance("orders".into()),
                &AwsCalls::default(),
            )
            .await
            .unwrap();
        assert!(found.target_ips.is_empty());
    }
}
