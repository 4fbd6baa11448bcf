//! The pure heart of the engine: what must change so the target group holds the desired
//! addresses.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// Addresses to register and to deregister, each sorted ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub register: Vec<Ipv4Addr>,
    pub deregister: Vec<Ipv4Addr>,
}

impl Changes {
    /// Nothing to do.
    pub fn is_noop(&self) -> bool {
        self.register.is_empty() && self.deregister.is_empty()
    }
}

/// The changes that turn `registered` into `desired`.
///
/// An empty `desired` yields no changes at all: "the database has no address" is never a reason
/// to empty the target group (a stale target fails health checks; an empty group fails every
/// connection and hides the problem). Callers apply `register` before `deregister`.
pub fn plan(desired: &BTreeSet<Ipv4Addr>, registered: &BTreeSet<Ipv4Addr>) -> Changes {
    if desired.is_empty() {
        return Changes::default();
    }
    Changes {
        register: desired.difference(registered).copied().collect(),
        deregister: registered.difference(desired).copied().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::btree_set;
    use proptest::prelude::*;

    /// Addresses from a small pool, so generated sets overlap often.
    fn addresses() -> impl Strategy<Value = BTreeSet<Ipv4Addr>> {
        btree_set((0u8..12).prop_map(|n| Ipv4Addr::new(10, 0, 0, n)), 0..8)
    }

    fn apply(registered: &BTreeSet<Ipv4Addr>, changes: &Changes) -> BTreeSet<Ipv4Addr> {
        let mut after = registered.clone();
        after.extend(changes.register.iter().copied());
        for ip in &changes.deregister {
            after.remove(ip);
        }
        after
    }

    proptest! {
        #[test]
        fn applying_the_plan_yields_exactly_the_desired_set(
            desired in addresses(), registered in addresses()
        ) {
            prop_assume!(!desired.is_empty());
            let changes = plan(&desired, &registered);
            prop_assert_eq!(apply(&registered, &changes), desired);
        }

        #[test]
        fn registered_plus_kept_is_desired(desired in addresses(), registered in addresses()) {
            prop_assume!(!desired.is_empty());
            let changes = plan(&desired, &registered);
            let kept: BTreeSet<Ipv4Addr> = registered.intersection(&desired).copied().collect();
            let mut union: BTreeSet<Ipv4Addr> = changes.register.iter().copied().collect();
            prop_assert!(union.is_disjoint(&kept), "registers something already registered");
            union.extend(kept);
            prop_assert_eq!(union, desired);
        }

        #[test]
        fn never_deregisters_everything_registered(
            desired in addresses(), registered in addresses()
        ) {
            let changes = plan(&desired, &registered);
            let after = apply(&registered, &changes);
            // Whatever was registered, something is left unless there was nothing to begin with.
            prop_assert!(registered.is_empty() || !after.is_empty());
            // ... and every deregistration is covered by a registration or a kept target.
            if !changes.deregister.is_empty() {
                prop_assert!(!after.is_empty());
            }
        }

        #[test]
        fn empty_desired_changes_nothing(registered in addresses()) {
            let changes = plan(&BTreeSet::new(), &registered);
            prop_assert!(changes.is_noop());
        }

        #[test]
        fn register_and_deregister_are_disjoint_sorted_and_correct(
            desired in addresses(), registered in addresses()
        ) {
            let changes = plan(&desired, &registered);
            let register: BTreeSet<Ipv4Addr> = changes.register.iter().copied().collect();
            let deregister: BTreeSet<Ipv4Addr> = changes.deregister.iter().copied().collect();
            prop_assert!(register.is_disjoint(&deregister));
            prop_assert!(changes.register.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(changes.deregister.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(register.iter().all(|ip| desired.contains(ip) && !registered.contains(ip)));
            prop_assert!(deregister.iter().all(|ip| registered.contains(ip) && !desired.contains(ip)));
        }

        #[test]
        fn in_sync_means_noop(set in addresses()) {
            prop_assert!(plan(&set, &set).is_noop());
        }

        #[test]
        fn disjoint_sets_replace_everything(desired in addresses(), registered in addresses()) {
            prop_assume!(!desired.is_empty() && desired.is_disjoint(&registered));
            let changes = plan(&desired, &registered);
            prop_assert_eq!(changes.register, desired.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(changes.deregister, registered.iter().copied().collect::<Vec<_>>());
        }
    }

    #[test]
    fn failover_swaps_one_address_for_another() {
        let old = Ipv4Addr::new(10, 0, 1, 5);
        let new = Ipv4Addr::new(10, 0, 2, 9);
        let changes = plan(&BTreeSet::from([new]), &BTreeSet::from([old]));
        assert_eq!(
            changes,
            Changes {
                register: vec![new],
                deregister: vec![old]
            }
        );
    }
}
