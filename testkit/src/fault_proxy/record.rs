//! What the proxy saw and did: one [`Call`] per request, and counters of injected faults.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::plan::FaultKind;

/// One request the proxy handled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Arrival order (from 1), which is also the order the plan decided calls in.
    pub seq: u64,
    /// SigV4 signing name (`rds`, `elasticloadbalancing`, ...); `None` for unsigned requests.
    pub service: Option<String>,
    /// `CreateTargetGroup`, `PutRule`, or `METHOD /path` for rest-json services.
    pub operation: String,
    /// Injected latency (zero when none).
    pub delay: Duration,
    /// The injected fault other than a delay, if any.
    pub fault: Option<FaultKind>,
    /// Whether the emulator performed the call (it answered the proxy): faithful calls and
    /// [`FaultKind::DropAfterForward`] ones.
    pub forwarded: bool,
    /// The status the client received; `None` when the connection was dropped instead.
    pub status: Option<u16>,
    /// When the proxy had read the whole request.
    pub started: Instant,
    /// When the proxy answered or dropped the connection (after any delay and the emulator's
    /// answer).
    pub finished: Instant,
}

impl Call {
    /// Whether the two calls were in flight at the same time.
    pub fn overlaps(&self, other: &Call) -> bool {
        self.started < other.finished && other.started < self.finished
    }
}

/// The number of sequential round trips in `calls`: the longest chain of calls each of which
/// started after the previous one finished. Ten calls one after the other count 10; ten calls in
/// parallel count 1; ten in parallel followed by one more count 2.
///
/// With a fixed delay per call (see [`FaultPlan::latency`](super::FaultPlan::latency)), this is
/// what the delay multiplies into wall-clock time.
pub fn sequential_round_trips(calls: &[Call]) -> usize {
    // Greedy interval scheduling: taking the earliest-finishing call that starts after the last
    // one taken yields a longest chain of non-overlapping calls.
    let mut by_end: Vec<&Call> = calls.iter().collect();
    by_end.sort_by_key(|call| call.finished);
    let mut chain = 0;
    let mut last_end: Option<Instant> = None;
    for call in by_end {
        if last_end.is_none_or(|end| call.started >= end) {
            chain += 1;
            last_end = Some(call.finished);
        }
    }
    chain
}

/// How long at least one of `calls` was in flight: the time their caller spent waiting on AWS
/// (calls made side by side count once).
pub fn time_in_flight(calls: &[Call]) -> Duration {
    let mut spans: Vec<(Instant, Instant)> = calls
        .iter()
        .map(|call| (call.started, call.finished))
        .collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut merged: Option<(Instant, Instant)> = None;
    for (start, end) in spans {
        merged = match merged {
            Some((first, last)) if start <= last => Some((first, last.max(end))),
            Some((first, last)) => {
                total += last - first;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + merged.map_or(Duration::ZERO, |(first, last)| last - first)
}

#[derive(Debug, Default)]
pub(crate) struct Records {
    calls: Vec<Call>,
    /// (operation, kind) -> how many times.
    injected: BTreeMap<(String, FaultKind), u64>,
}

impl Records {
    pub(crate) fn push(&mut self, call: Call) {
        let mut count = |kind| {
            *self
                .injected
                .entry((call.operation.clone(), kind))
                .or_default() += 1;
        };
        if !call.delay.is_zero() {
            count(FaultKind::Delay);
        }
        if let Some(kind) = call.fault {
            count(kind);
        }
        self.calls.push(call);
    }

    /// In arrival order (calls finish, and are recorded, in any order).
    pub(crate) fn calls(&self) -> Vec<Call> {
        let mut calls = self.calls.clone();
        calls.sort_by_key(|call| call.seq);
        calls
    }

    pub(crate) fn injected(&self) -> BTreeMap<(String, FaultKind), u64> {
        self.injected.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(seq: u64, start_ms: u64, end_ms: u64, origin: Instant) -> Call {
        Call {
            seq,
            service: Some("rds".to_owned()),
            operation: "DescribeDBInstances".to_owned(),
            delay: Duration::ZERO,
            fault: None,
            forwarded: true,
            status: Some(200),
            started: origin + Duration::from_millis(start_ms),
            finished: origin + Duration::from_millis(end_ms),
        }
    }

    #[test]
    fn round_trips_count_sequential_calls_once_per_wave() {
        let origin = Instant::now();
        let sequential: Vec<Call> = (0..3)
            .map(|i| call(i, i * 10, i * 10 + 10, origin))
            .collect();
        assert_eq!(sequential_round_trips(&sequential), 3);
        let parallel: Vec<Call> = (0..5).map(|i| call(i, i, 50 + i, origin)).collect();
        assert_eq!(sequential_round_trips(&parallel), 1);
        let mut waves = parallel;
        waves.push(call(9, 60, 70, origin));
        assert_eq!(sequential_round_trips(&waves), 2);
        assert!(waves[0].overlaps(&waves[1]) && !waves[0].overlaps(&waves[5]));
        assert_eq!(sequential_round_trips(&[]), 0);
    }

    #[test]
    fn time_in_flight_counts_overlapping_calls_once() {
        let origin = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(time_in_flight(&[]), Duration::ZERO);
        // 0-10 and 5-20 overlap (20 ms), 30-35 stands alone (5 ms), 31-33 lies inside it.
        let calls = [
            call(1, 5, 20, origin),
            call(2, 30, 35, origin),
            call(3, 0, 10, origin),
            call(4, 31, 33, origin),
        ];
        assert_eq!(time_in_flight(&calls), ms(25));
        // Back to back: nothing to merge, nothing lost.
        let chained = [call(1, 0, 10, origin), call(2, 10, 20, origin)];
        assert_eq!(time_in_flight(&chained), ms(20));
    }

    #[test]
    fn counters_count_delays_and_faults_per_operation() {
        let origin = Instant::now();
        let mut records = Records::default();
        let mut delayed = call(2, 0, 1, origin);
        delayed.delay = Duration::from_millis(1);
        delayed.fault = Some(FaultKind::Throttle);
        records.push(delayed);
        records.push(call(1, 0, 1, origin));
        let injected = records.injected();
        let key = |kind| ("DescribeDBInstances".to_owned(), kind);
        assert_eq!(injected.get(&key(FaultKind::Delay)), Some(&1));
        assert_eq!(injected.get(&key(FaultKind::Throttle)), Some(&1));
        assert_eq!(
            records.calls().iter().map(|c| c.seq).collect::<Vec<_>>(),
            [1, 2]
        );
    }
}
