//! What the proxy injects: faults, the rules that select them, and the seeded draw between them.

use std::time::Duration;

/// The seed of plans that were not given one: any fixed value keeps runs reproducible.
pub const DEFAULT_SEED: u64 = 0x5EED_F00D;

/// One thing the proxy can do to a call instead of (or on top of) forwarding it faithfully.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with the service's own throttling error (e.g. `Throttling`, `RequestLimitExceeded`,
    /// `TooManyRequestsException`); the call never reaches the emulator.
    Throttle,
    /// Answer HTTP 500 in the service's protocol (`InternalFailure`, `InternalError`, ...).
    InternalError,
    /// Answer HTTP 503 in the service's protocol (`ServiceUnavailable`, `Unavailable`, ...).
    ServiceUnavailable,
    /// Wait this long before handling the call. Combines with one of the other faults.
    Delay(Duration),
    /// Close the client's connection without forwarding: the call never happened.
    DropBeforeForward,
    /// Forward the call, let the emulator perform it, then close the client's connection without
    /// answering: the call happened but the client never learns it.
    DropAfterForward,
}

impl Fault {
    /// The fault without its parameters, as counters and the call log name it.
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Throttle => FaultKind::Throttle,
            Fault::InternalError => FaultKind::InternalError,
            Fault::ServiceUnavailable => FaultKind::ServiceUnavailable,
            Fault::Delay(_) => FaultKind::Delay,
            Fault::DropBeforeForward => FaultKind::DropBeforeForward,
            Fault::DropAfterForward => FaultKind::DropAfterForward,
        }
    }
}

/// [`Fault`] without parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    Throttle,
    InternalError,
    ServiceUnavailable,
    Delay,
    DropBeforeForward,
    DropAfterForward,
}

/// A fault, how often it applies, and to which calls.
///
/// `Rule::new(fault)` applies to every signed AWS call; narrow it with [`Rule::probability`],
/// [`Rule::service`], [`Rule::operation`] and [`Rule::times`].
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    fault: Fault,
    probability: f64,
    services: Vec<String>,
    operations: Vec<String>,
    limit: Option<u64>,
}

impl Rule {
    pub fn new(fault: Fault) -> Self {
        Rule {
            fault,
            probability: 1.0,
            services: Vec::new(),
            operations: Vec::new(),
            limit: None,
        }
    }

    /// The share of matching calls that get the fault, in `[0, 1]`.
    ///
    /// # Panics
    /// If `probability` is outside `[0, 1]`: a typo in a test should not pass silently.
    pub fn probability(mut self, probability: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&probability),
            "a fault probability is in [0, 1], not {probability}"
        );
        self.probability = probability;
        self
    }

    /// Only calls to this service (the SigV4 signing name: `sts`, `rds`, `ec2`,
    /// `elasticloadbalancing`, `lambda`, ...). Repeat to allow several.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.services.push(service.into());
        self
    }

    /// Only this operation: the `Action` of query protocols (`CreateTargetGroup`), the part of
    /// `X-Amz-Target` after the dot for JSON protocols (`PutRule`), `METHOD /path` for rest-json
    /// (`POST /2015-03-31/functions`). Repeat to allow several.
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.operations.push(operation.into());
        self
    }

    /// At most `count` times over the plan's life (e.g. "lose the first create response only").
    pub fn times(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    pub fn fault(&self) -> Fault {
        self.fault
    }

    fn matches(&self, service: &str, operation: &str) -> bool {
        (self.services.is_empty() || self.services.iter().any(|s| s == service))
            && (self.operations.is_empty() || self.operations.iter().any(|o| o == operation))
    }
}

/// Which faults the proxy injects, and the seed of its random draws.
///
/// Each call is decided once, when the proxy has read it, in arrival order:
/// - every matching [`Fault::Delay`] rule draws on its own; the delays that hit add up;
/// - the other matching rules share one draw: their probabilities add up, a call gets at most one
///   of them, and earlier rules win when they add up past 1.
///
/// Only matching rules draw, so the same seed and the same sequence of calls give the same faults.
/// Calls without a SigV4 signature (e.g. moto's `/moto-api/`) are never faulted.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPlan {
    seed: u64,
    rules: Vec<Rule>,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self::none()
    }
}

impl FaultPlan {
    /// Forward everything faithfully (the proxy still logs and times every call).
    pub fn none() -> Self {
        FaultPlan {
            seed: DEFAULT_SEED,
            rules: Vec::new(),
        }
    }

    /// `share` of all calls get one fault: a quarter each throttled, answered 5xx (half 500, half
    /// 503), dropped before forwarding, dropped after forwarding.
    ///
    /// # Panics
    /// If `share` is outside `[0, 1]`.
    pub fn mixed(share: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&share),
            "a share of faulted calls is in [0, 1], not {share}"
        );
        let quarter = share / 4.0;
        Self::none()
            .rule(Rule::new(Fault::Throttle).probability(quarter))
            .rule(Rule::new(Fault::InternalError).probability(quarter / 2.0))
            .rule(Rule::new(Fault::ServiceUnavailable).probability(quarter / 2.0))
            .rule(Rule::new(Fault::DropBeforeForward).probability(quarter))
            .rule(Rule::new(Fault::DropAfterForward).probability(quarter))
    }

    /// Every call waits `delay` before it is forwarded (e.g. 50 ms to model a real region's latency).
    pub fn latency(delay: Duration) -> Self {
        Self::none().rule(Rule::new(Fault::Delay(delay)))
    }

    /// Replaces the seed (the default is [`DEFAULT_SEED`]).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Adds a rule after the existing ones.
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

/// What happens to one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) delay: Duration,
    /// Never a [`Fault::Delay`].
    pub(crate) fault: Option<Fault>,
}

/// The plan in force: its random stream and how often each rule has fired.
#[derive(Debug)]
pub(crate) struct ActivePlan {
    plan: FaultPlan,
    rng: SplitMix64,
    fired: Vec<u64>,
}

impl ActivePlan {
    pub(crate) fn new(plan: FaultPlan) -> Self {
        ActivePlan {
            rng: SplitMix64(plan.seed),
            fired: vec![0; plan.rules.len()],
            plan,
        }
    }

    /// Decides one call; `service` is `None` for unsigned requests, which are never faulted.
    pub(crate) fn decide(&mut self, service: Option<&str>, operation: &str) -> Decision {
        let mut decision = Decision::default();
        let Some(service) = service else {
            return decision;
        };
        let live = |index: usize, rule: &Rule| {
            rule.matches(service, operation) && rule.limit.is_none_or(|n| self.fired[index] < n)
        };
        let candidates: Vec<usize> = (self.plan.rules.iter().enumerate())
            .filter(|(index, rule)| live(*index, rule))
            .map(|(index, _)| index)
            .collect();

        for &index in &candidates {
            if let Fault::Delay(delay) = self.plan.rules[index].fault
                && self.rng.next_f64() < self.plan.rules[index].probability
            {
                decision.delay += delay;
                self.fired[index] += 1;
            }
        }

        let others: Vec<usize> = (candidates.into_iter())
            .filter(|&index| !matches!(self.plan.rules[index].fault, Fault::Delay(_)))
            .collect();
        if !others.is_empty() {
            let draw = self.rng.next_f64();
            let mut cumulative = 0.0;
            for index in others {
                cumulative += self.plan.rules[index].probability;
                if draw < cumulative {
                    decision.fault = Some(self.plan.rules[index].fault);
                    self.fired[index] += 1;
                    break;
                }
            }
        }
        decision
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and statistically sound for picking faults;
/// no dependency needed.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`: the top 53 bits as a double's mantissa.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(plan: FaultPlan, calls: usize) -> Vec<Option<FaultKind>> {
        let mut active = ActivePlan::new(plan);
        (0..calls)
            .map(|_| active.decide(Some("rds"), "DescribeDBInstances").fault)
            .map(|fault| fault.map(|f| f.kind()))
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_faults_and_another_seed_others() {
        let plan = FaultPlan::mixed(0.5).with_seed(7);
        assert_eq!(faults(plan.clone(), 200), faults(plan.clone(), 200));
        assert_ne!(
            faults(plan, 200),
            faults(FaultPlan::mixed(0.5).with_seed(8), 200)
        );
    }

    #[test]
    fn mixed_faults_about_the_given_share_with_every_kind() {
        let decided = faults(FaultPlan::mixed(0.2), 10_000);
        let faulted = decided.iter().filter(|fault| fault.is_some()).count();
        // The seed is fixed, so this is exact for this seed; the bounds say what it means.
        assert!((1_800..=2_200).contains(&faulted), "{faulted}");
        for kind in [
            FaultKind::Throttle,
            FaultKind::InternalError,
            FaultKind::ServiceUnavailable,
            FaultKind::DropBeforeForward,
            FaultKind::DropAfterForward,
        ] {
            assert!(decided.contains(&Some(kind)), "{kind:?} never drawn");
        }
    }

    #[test]
    fn filters_and_limits_select_calls() {
        let plan = FaultPlan::none()
            .rule(
                Rule::new(Fault::DropAfterForward)
                    .operation("CreateTargetGroup")
                    .times(1),
            )
            .rule(Rule::new(Fault::Throttle).service("sts"))
            .rule(Rule::new(Fault::Delay(Duration::from_millis(5))).service("ec2"));
        let mut active = ActivePlan::new(plan);
        let lost = active.decide(Some("elasticloadbalancing"), "CreateTargetGroup");
        assert_eq!(lost.fault, Some(Fault::DropAfterForward));
        let retried = active.decide(Some("elasticloadbalancing"), "CreateTargetGroup");
        assert_eq!(retried, Decision::default());
        let sts = active.decide(Some("sts"), "GetCallerIdentity");
        assert_eq!(sts.fault, Some(Fault::Throttle));
        let ec2 = active.decide(Some("ec2"), "DescribeVpcs");
        assert_eq!((ec2.fault, ec2.delay), (None, Duration::from_millis(5)));
        assert_eq!(
            active.decide(None, "POST /moto-api/reset"),
            Decision::default()
        );
    }

    #[test]
    fn delays_add_up_and_combine_with_a_fault() {
        let plan = FaultPlan::latency(Duration::from_millis(50))
            .rule(Rule::new(Fault::Delay(Duration::from_millis(10))))
            .rule(Rule::new(Fault::Throttle));
        let decided = ActivePlan::new(plan).decide(Some("rds"), "DescribeDBClusters");
        assert_eq!(decided.delay, Duration::from_millis(60));
        assert_eq!(decided.fault, Some(Fault::Throttle));
    }

    #[test]
    #[should_panic(expected = "a fault probability is in [0, 1]")]
    fn probabilities_outside_the_unit_interval_are_refused() {
        let _ = Rule::new(Fault::Throttle).probability(20.0);
    }
}
