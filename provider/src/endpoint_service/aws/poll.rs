//! Waiting on AWS: an adaptive poll interval, a named deadline, and cancellation that interrupts
//! even a call in flight.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::Shared;
use tokio::time::Instant;

use super::error::{Error, Result};

/// First pause between two polls: short, because the emulator and many AWS transitions answer
/// within a second.
pub const POLL_START: Duration = Duration::from_millis(200);
/// Longest pause between two polls: AWS transitions that take minutes need no finer reading.
pub const POLL_CAP: Duration = Duration::from_secs(10);
const POLL_GROWTH: f64 = 1.5;

/// Poll intervals: [`POLL_START`], growing by half each time, up to [`POLL_CAP`].
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: POLL_START }
    }
}

impl Backoff {
    /// The pause to take now; the next one is longer.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.mul_f64(POLL_GROWTH).min(POLL_CAP);
        delay
    }
}

/// The moment an operation must be done by, and the timeout it came from (for the message).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    timeout: Duration,
}

impl Deadline {
    pub(crate) fn after(timeout: Duration) -> Self {
        Deadline {
            at: Instant::now() + timeout,
            timeout,
        }
    }

    /// The earlier of this deadline and `limit` from now.
    pub(crate) fn capped(self, limit: Duration) -> Self {
        let at = self.at.min(Instant::now() + limit);
        Deadline {
            at,
            timeout: self.timeout.min(limit),
        }
    }

    /// Runs `fut`, or fails with [`Error::Timeout`] when the deadline passes first.
    pub(crate) async fn run<T>(
        &self,
        what: &str,
        last_seen: &str,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        match tokio::time::timeout_at(self.at, fut).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                what: what.to_owned(),
                after: self.timeout,
                last_seen: if last_seen.is_empty() {
                    "no answer yet".to_owned()
                } else {
                    last_seen.to_owned()
                },
            }),
        }
    }
}

/// A cancellation signal (a future that completes when Terraform asks to stop), polled alongside
/// every wait so a stop request is honoured within one scheduler tick.
pub(crate) struct Cancel<'a> {
    signal: Shared<Pin<Box<dyn Future<Output = ()> + Send + 'a>>>,
    fired: bool,
}

impl<'a> Cancel<'a> {
    pub(crate) fn new(signal: impl Future<Output = ()> + Send + 'a) -> Self {
        let signal: Pin<Box<dyn Future<Output = ()> + Send + 'a>> = Box::pin(signal);
        Cancel {
            signal: signal.shared(),
            fired: false,
        }
    }

    /// Another handle on the same signal, for a step that runs beside this one's.
    pub(crate) fn fork(&self) -> Cancel<'a> {
        Cancel {
            signal: self.signal.clone(),
            fired: self.fired,
        }
    }

    /// The signal itself, for a callee that makes its own [`Cancel`].
    pub(crate) fn signal(&self) -> impl Future<Output = ()> + Send + 'a {
        self.signal.clone()
    }

    /// Fails with [`Error::Cancelled`] if the signal has fired, without waiting.
    pub(crate) fn check(&mut self, what: &str) -> Result<()> {
        if !self.fired && (&mut self.signal).now_or_never().is_some() {
            self.fired = true;
        }
        if self.fired {
            Err(cancelled(what))
        } else {
            Ok(())
        }
    }

    /// Runs `fut` unless the signal fires first; then `fut` is dropped (an AWS call in flight is
    /// abandoned) and this fails with [`Error::Cancelled`].
    pub(crate) async fn run<T>(
        &mut self,
        what: &str,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        self.check(what)?;
        tokio::select! {
            biased;
            () = &mut self.signal => {
                self.fired = true;
                Err(cancelled(what))
            }
            result = fut => result,
        }
    }
}

/// Runs one step (of a create) unless the deadline passes or Terraform asks to stop first: the
/// SDK retries each call for up to minutes (see `crate::aws::retry_config`), which must not
/// outlast the resource's timeout or a Ctrl-C. A step dropped half way leaves at most a part
/// whose id it had not yet recorded; that part carries the ownership tag, so the next create
/// adopts it and destroy sweeps it.
pub(crate) async fn bounded<T>(
    what: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
    step: impl Future<Output = Result<T>>,
) -> Result<T> {
    // Boxed: a create step's future (SDK calls, retries) is large, and nesting it inline in the
    // create's own future overflowed the stack of debug builds.
    cancel
        .run(what, deadline.run(what, "", Box::pin(step)))
        .await
}

fn cancelled(what: &str) -> Error {
    Error::Cancelled {
        what: what.to_owned(),
    }
}

/// One reading of a long-running object.
pub(crate) enum Probe<T> {
    /// The wait is over.
    Done(T),
    /// Not yet; the text says what was seen (for the timeout message).
    Pending(String),
}

/// Polls `probe` with [`Backoff`] until it is done, the deadline passes, or the signal fires.
/// An error from `probe` ends the wait with that error.
pub(crate) async fn wait_for<T, F, Fut>(
    what: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
    mut probe: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Probe<T>>>,
{
    let mut backoff = Backoff::default();
    let mut last_seen = String::new();
    loop {
        let reading = cancel
            .run(what, deadline.run(what, &last_seen, probe()))
            .await?;
        match reading {
            Probe::Done(value) => return Ok(value),
            Probe::Pending(seen) => last_seen = seen,
        }
        let pause = backoff.next_delay();
        let sleep = async {
            tokio::time::sleep(pause).await;
            Ok(())
        };
        cancel
            .run(what, deadline.run(what, &last_seen, sleep))
            .await?;
    }
}

/// Runs `attempt` until it succeeds or fails with something other than "in use", pausing with
/// [`Backoff`] in between; gives up at the deadline or on cancellation. For the documented
/// "still in use" refusals of deletes while a dependent object is itself being deleted.
pub(crate) async fn retry_while_in_use<T, F, Fut>(
    what: &str,
    deadline: Deadline,
    cancel: &mut Cancel<'_>,
    mut attempt: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    wait_for(what, deadline, cancel, || {
        let next = attempt();
        async move {
            match next.await {
                Ok(value) => Ok(Probe::Done(value)),
                Err(err) if err.is_in_use() => Ok(Probe::Pending(err.to_string())),
                Err(err) => Err(err),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_short_grows_by_half_and_is_capped() {
        let mut backoff = Backoff::default();
        let delays: Vec<Duration> = (0..16).map(|_| backoff.next_delay()).collect();
        assert_eq!(delays[0], Duration::from_millis(200));
        assert_eq!(delays[1], Duration::from_millis(300));
        assert_eq!(delays[2], Duration::from_millis(450));
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*delays.last().unwrap(), POLL_CAP);
    }

    #[tokio::test]
    async fn a_wait_that_never_ends_times_out_with_what_it_saw() {
        let mut cancel = Cancel::new(std::future::pending());
        let started = Instant::now();
        let err = wait_for::<(), _, _>(
            "the thing",
            Deadline::after(Duration::from_millis(700)),
            &mut cancel,
            || async { Ok(Probe::Pending("provisioning".into())) },
        )
        .await
        .unwrap_err();
        match err {
            Error::Timeout {
                what,
                after,
                last_seen,
            } => {
                assert_eq!(what, "the thing");
                assert_eq!(after, Duration::from_millis(700));
                assert_eq!(last_seen, "provisioning");
            }
            other => panic!("{other:?}"),
        }
        // The deadline cuts the pause short instead of sleeping past it.
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn cancellation_interrupts_a_probe_in_flight() {
        let (fire, fired) = tokio::sync::oneshot::channel::<()>();
        let mut cancel = Cancel::new(async move {
            let _ = fired.await;
        });
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = fire.send(());
        });
        let started = std::time::Instant::now();
        let err = wait_for::<(), _, _>(
            "a hung call",
            Deadline::after(Duration::from_secs(60)),
            &mut cancel,
            || async {
                std::future::pending::<()>().await;
                Ok(Probe::Pending(String::new()))
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Cancelled { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        // Once fired, it stays fired (the signal is not polled again after completing).
        assert!(cancel.check("later").is_err());
    }

    #[tokio::test]
    async fn in_use_is_retried_until_it_clears() {
        let mut cancel = Cancel::new(std::future::pending());
        let mut attempts = 0;
        let result = retry_while_in_use(
            "deleting",
            Deadline::after(Duration::from_secs(60)),
            &mut cancel,
            || {
                attempts += 1;
                let n = attempts;
                async move {
                    if n < 3 {
                        Err(Error::InUse {
                            part: super::super::error::Part::TargetGroup,
                            id: "tg".into(),
                            message: "used".into(),
                        })
                    } else {
                        Ok(n)
                    }
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(result, 3);
    }
}
