//! The RDS events after which a database's address may move, shared by both programs: the sync
//! Lambda decides from it whether to wait for DNS after an event, and the provider filters the
//! EventBridge rule that invokes the Lambda by the same ids, so the two never disagree about
//! which events matter.

/// Events after which an RDS endpoint may resolve to a new address, sorted by id.
///
/// Each entry is `(number, "<category>: <what happened>")`, the category as the RDS and Aurora
/// user guides' event tables give it (`rds-event-ids.csv` in
/// `crates/rdslink-sync-lambda/tests/fixtures/rds-events/`; the sync Lambda's `events`
/// integration test checks this table against that file). The set:
/// - every event of the categories **failover** (DB instance and DB cluster) and **global
///   failover** (DB cluster): the writer moves, or was just attempted to move;
/// - from other categories, only events reporting that the database was (or is being) stopped,
///   restarted, recovered onto a new host, converted, patched offline or switched over, which are
///   the operations that replace the host behind the endpoint: restarts (availability), stop and
///   start (notification), Multi-AZ recovery and recovery (recovery), instance class and Multi-AZ
///   conversions (configuration change), offline patching, engine and OS upgrades (maintenance),
///   and blue/green switchovers (notification).
///
/// "Started" events are included: the change follows within the DNS wait. Notices without an
/// outage (upgrade available, pre-checks, storage, backups, snapshots) are not. A miss only delays
/// convergence until DNS has moved and the next event or the schedule reconciles again.
pub const ADDRESS_CHANGING_EVENTS: &[(u16, &str)] = &[
    (6, "availability: DB instance restarted"),
    (
        12,
        "configuration change: applying modification to database instance class",
    ),
    (13, "failover: Multi-AZ instance failover started"),
    (
        14,
        "configuration change: finished applying modification to DB instance class",
    ),
    (
        15,
        "failover: Multi-AZ failover to standby complete, DNS propagation may take minutes",
    ),
    (20, "recovery: recovery of the DB instance has started"),
    (21, "recovery: recovery of the DB instance is complete"),
    (
        24,
        "configuration change: applying modification to convert to Multi-AZ",
    ),
    (25, "configuration change: finished converting to Multi-AZ"),
    (26, "maintenance: applying off-line patches to DB instance"),
    (
        27,
        "maintenance: finished applying off-line patches to DB instance",
    ),
    (29, "configuration change: finished converting to Single-AZ"),
    (
        30,
        "configuration change: applying modification to convert to Single-AZ",
    ),
    (
        34,
        "failover: abandoning user requested failover (a failover recently occurred)",
    ),
    (47, "maintenance: database instance patched"),
    (49, "failover: Multi-AZ instance failover completed"),
    (50, "failover: Multi-AZ instance activation started"),
    (51, "failover: Multi-AZ instance activation completed"),
    (52, "recovery: Multi-AZ instance recovery started"),
    (
        53,
        "recovery: Multi-AZ instance recovery completed, pending failover or activation",
    ),
    (65, "failover: recovered from partial failover"),
    (69, "failover: cluster failover failed"),
    (70, "failover: promoting previous primary again"),
    (71, "failover: completed failover to DB instance"),
    (72, "failover: started same AZ failover"),
    (73, "failover: started cross AZ failover"),
    (87, "notification: DB instance stopped"),
    (88, "notification: DB instance started"),
    (150, "notification: DB cluster stopped"),
    (151, "notification: DB cluster started"),
    (
        153,
        "notification: DB cluster started after exceeding the maximum stopped time",
    ),
    (
        154,
        "notification: DB instance started after exceeding the maximum stopped time",
    ),
    (
        173,
        "maintenance: database cluster engine version upgraded (patched)",
    ),
    (
        176,
        "maintenance: database cluster engine major version upgraded",
    ),
    (181, "global failover: global failover started"),
    (182, "global failover: old primary DB cluster shut down"),
    (183, "global failover: waiting for data synchronization"),
    (184, "global failover: new primary DB cluster promoted"),
    (185, "global failover: global failover finished"),
    (186, "global failover: global failover cancelled"),
    (187, "global failover: global failover failed"),
    (247, "notification: blue/green switchover started"),
    (248, "notification: blue/green switchover completed"),
    (
        250,
        "notification: blue/green switchover from primary source to target started",
    ),
    (
        251,
        "notification: blue/green switchover from primary source to target completed",
    ),
    (
        259,
        "notification: blue/green switchover from source to target started",
    ),
    (
        260,
        "notification: blue/green switchover from source to target completed",
    ),
    (266, "maintenance: the downtime started for the DB instance"),
    (268, "maintenance: the engine version upgrade finished"),
    (
        270,
        "maintenance: engine version upgrade failed, rollback succeeded",
    ),
    (
        286,
        "maintenance: database cluster engine version upgrade started",
    ),
    (
        288,
        "maintenance: cluster operating system upgrade starting",
    ),
    (
        289,
        "maintenance: cluster operating system upgrade completed",
    ),
    (290, "maintenance: database cluster has been patched"),
];

/// The ids of [`ADDRESS_CHANGING_EVENTS`] as RDS writes them (`RDS-EVENT-0049`), in the table's
/// order. Zero padding to four digits keeps that order when the ids are sorted as text.
pub fn address_changing_event_ids() -> impl Iterator<Item = String> {
    ADDRESS_CHANGING_EVENTS
        .iter()
        .map(|(number, _)| format!("RDS-EVENT-{number:04}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_changing_table_is_sorted_and_unique() {
        assert!(
            ADDRESS_CHANGING_EVENTS
                .windows(2)
                .all(|pair| pair[0].0 < pair[1].0),
            "binary search needs a strictly sorted table"
        );
    }

    #[test]
    fn ids_are_zero_padded_and_sorted_as_text() {
        let ids: Vec<String> = address_changing_event_ids().collect();
        assert_eq!(ids.len(), ADDRESS_CHANGING_EVENTS.len());
        assert!(ids.contains(&"RDS-EVENT-0006".to_string()), "{ids:?}");
        assert!(ids.contains(&"RDS-EVENT-0049".to_string()), "{ids:?}");
        assert!(ids.contains(&"RDS-EVENT-0290".to_string()), "{ids:?}");
        assert!(ids.iter().all(|id| id.len() == "RDS-EVENT-0000".len()));
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    }
}
