//! The records a [`super::DnsServer`] serves, and how it answers a query from them.
//!
//! Each name holds either an A RRset or a CNAME (never both, as in real DNS). Setting a name
//! replaces whatever it held, so a test's "the writer moved" is one call with no stale addresses.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use hickory_proto::rr::rdata::{A, CNAME};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordType};

/// Answers must never be cached: tests change them between two lookups.
const TTL: u32 = 0;
/// Longer CNAME chains are treated as loops.
const MAX_CNAME_CHAIN: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    A(Vec<Ipv4Addr>),
    Cname(Name),
}

#[derive(Debug, Default)]
pub(super) struct Zone {
    entries: HashMap<LowerName, Entry>,
}

/// What the server answers, before it becomes a DNS message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// NOERROR with these records (a CNAME chain, then the addresses when the query asked for A).
    Records(Vec<Record>),
    /// NXDOMAIN: the name (or the end of its CNAME chain) does not exist. The records are the
    /// CNAMEs followed on the way (RFC 6604: the code describes the last name of the chain).
    NxDomain(Vec<Record>),
    /// SERVFAIL: a CNAME loop or an over-long chain.
    ServFail,
}

impl Zone {
    pub(super) fn set_a(&mut self, name: Name, ips: &[Ipv4Addr]) {
        self.entries
            .insert(LowerName::new(&name), Entry::A(ips.to_vec()));
    }

    pub(super) fn set_cname(&mut self, name: Name, target: Name) {
        self.entries
            .insert(LowerName::new(&name), Entry::Cname(target));
    }

    pub(super) fn remove(&mut self, name: &Name) {
        self.entries.remove(&LowerName::new(name));
    }

    /// Answers `query_type` for `name`, following CNAMEs inside this zone.
    ///
    /// A name holding addresses answers other query types (AAAA, TXT...) with no records: it exists
    /// but has no data of that type.
    pub(super) fn answer(&self, name: &LowerName, query_type: RecordType) -> Answer {
        let mut records = Vec::new();
        let mut current = name.clone();
        for _ in 0..MAX_CNAME_CHAIN {
            match self.entries.get(&current) {
                None => return Answer::NxDomain(records),
                Some(Entry::Cname(target)) => {
                    records.push(Record::from_rdata(
                        Name::from(&current),
                        TTL,
                        RData::CNAME(CNAME(target.clone())),
                    ));
                    if query_type == RecordType::CNAME {
                        return Answer::Records(records);
                    }
                    current = LowerName::new(target);
                }
                Some(Entry::A(ips)) => {
                    if matches!(query_type, RecordType::A | RecordType::ANY) {
                        let owner = Name::from(&current);
                        records
                            .extend(ips.iter().map(|ip| {
                                Record::from_rdata(owner.clone(), TTL, RData::A(A(*ip)))
                            }));
                    }
                    return Answer::Records(records);
                }
            }
        }
        Answer::ServFail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::from_ascii(text).unwrap()
    }

    fn lower(text: &str) -> LowerName {
        LowerName::new(&name(text))
    }

    fn addresses(answer: &Answer) -> Vec<Ipv4Addr> {
        let Answer::Records(records) = answer else {
            panic!("expected records, got {answer:?}");
        };
        records
            .iter()
            .filter_map(|record| match record.data {
                RData::A(A(ip)) => Some(ip),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn set_a_replaces_the_whole_rrset() {
        let mut zone = Zone::default();
        zone.set_a(
            name("db.example."),
            &[Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)],
        );
        zone.set_a(name("db.example."), &[Ipv4Addr::new(10, 0, 0, 3)]);
        let answer = zone.answer(&lower("db.example."), RecordType::A);
        assert_eq!(addresses(&answer), [Ipv4Addr::new(10, 0, 0, 3)]);
    }

    #[test]
    fn names_match_case_insensitively() {
        let mut zone = Zone::default();
        zone.set_a(name("DB.Example."), &[Ipv4Addr::new(10, 0, 0, 1)]);
        let answer = zone.answer(&lower("db.EXAMPLE."), RecordType::A);
        assert_eq!(addresses(&answer), [Ipv4Addr::new(10, 0, 0, 1)]);
    }

    #[test]
    fn cname_chains_are_followed_and_listed() {
        let mut zone = Zone::default();
        zone.set_cname(name("cluster.example."), name("writer.example."));
        zone.set_a(name("writer.example."), &[Ipv4Addr::new(10, 0, 0, 7)]);
        let answer = zone.answer(&lower("cluster.example."), RecordType::A);
        let Answer::Records(records) = &answer else {
            panic!("expected records, got {answer:?}");
        };
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].record_type(), RecordType::CNAME);
        assert_eq!(records[0].ttl, 0);
        assert_eq!(addresses(&answer), [Ipv4Addr::new(10, 0, 0, 7)]);
    }

    #[test]
    fn unknown_names_and_dangling_cnames_are_nxdomain() {
        let mut zone = Zone::default();
        assert_eq!(
            zone.answer(&lower("nothing.example."), RecordType::A),
            Answer::NxDomain(vec![])
        );
        zone.set_cname(name("dangling.example."), name("gone.example."));
        let Answer::NxDomain(chain) = zone.answer(&lower("dangling.example."), RecordType::A)
        else {
            panic!("expected NXDOMAIN");
        };
        assert_eq!(chain.len(), 1);
    }

    #[test]
    fn other_types_of_an_address_name_have_no_data() {
        let mut zone = Zone::default();
        zone.set_a(name("db.example."), &[Ipv4Addr::new(10, 0, 0, 1)]);
        assert_eq!(
            zone.answer(&lower("db.example."), RecordType::AAAA),
            Answer::Records(vec![])
        );
    }

    #[test]
    fn removed_names_are_unknown_and_loops_fail() {
        let mut zone = Zone::default();
        zone.set_a(name("db.example."), &[Ipv4Addr::new(10, 0, 0, 1)]);
        zone.remove(&name("db.example."));
        assert_eq!(
            zone.answer(&lower("db.example."), RecordType::A),
            Answer::NxDomain(vec![])
        );
        zone.set_cname(name("a.example."), name("b.example."));
        zone.set_cname(name("b.example."), name("a.example."));
        assert_eq!(
            zone.answer(&lower("a.example."), RecordType::A),
            Answer::ServFail
        );
    }
}
