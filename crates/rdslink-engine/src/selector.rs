//! Which database the target group follows: [`DatabaseSelector`] (an instance, a cluster's writer
//! or readers, a proxy, or any hostname), and [`parse_selector`], the one rule that turns what a
//! person configured (Terraform attributes, the Lambda's environment) into a selector.

use std::fmt;
use std::str::FromStr;

use crate::Error;

mod parse;

pub use parse::{Candidate, SelectorCandidates, SelectorError, SelectorField, parse_selector};

/// Which database, and which of its roles, the target group should follow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DatabaseSelector {
    /// A DB instance (single-AZ or Multi-AZ instance deployment): its endpoint's address.
    Instance(String),
    /// An Aurora (or Multi-AZ DB cluster) cluster: its writer, or all of its readers.
    Cluster {
        identifier: String,
        role: ClusterRole,
    },
    /// An RDS Proxy (its default endpoint): every address it has.
    Proxy(String),
    /// Any hostname (a custom endpoint, a Route 53 alias, ...): every address it has.
    Endpoint(String),
}

impl DatabaseSelector {
    /// The kind of database this selector names.
    pub fn kind(&self) -> DatabaseKind {
        match self {
            DatabaseSelector::Instance(_) => DatabaseKind::Instance,
            DatabaseSelector::Cluster { .. } => DatabaseKind::Cluster,
            DatabaseSelector::Proxy(_) => DatabaseKind::Proxy,
            DatabaseSelector::Endpoint(_) => DatabaseKind::Endpoint,
        }
    }

    /// The identifier, proxy name or hostname.
    pub fn identifier(&self) -> &str {
        match self {
            DatabaseSelector::Instance(id)
            | DatabaseSelector::Cluster { identifier: id, .. }
            | DatabaseSelector::Proxy(id)
            | DatabaseSelector::Endpoint(id) => id,
        }
    }

    /// Can this selector's answer lag behind a failover?
    ///
    /// True when the answer *is* the DNS of a name that moves on failover: an instance endpoint
    /// (Multi-AZ failover flips its CNAME, with a TTL and propagation delay) or a hostname.
    /// False for clusters (the writer/readers come from the RDS API, authoritative at once, and
    /// each instance endpoint keeps its address across a failover) and proxies (the proxy
    /// absorbs the database's failover; its own addresses do not move).
    pub fn answer_may_lag_failover(&self) -> bool {
        matches!(
            self,
            DatabaseSelector::Instance(_) | DatabaseSelector::Endpoint(_)
        )
    }

    /// "DB cluster \"orders\" (writer)" and the like, for messages.
    pub fn describe(&self) -> String {
        match self {
            DatabaseSelector::Instance(id) => format!("DB instance {id:?}"),
            DatabaseSelector::Cluster { identifier, role } => {
                format!("DB cluster {identifier:?} ({role})")
            }
            DatabaseSelector::Proxy(name) => format!("DB proxy {name:?}"),
            DatabaseSelector::Endpoint(host) => format!("endpoint {host:?}"),
        }
    }
}

/// `instance:<id>`, `cluster:<id>:writer`, `cluster:<id>:reader`, `proxy:<name>`,
/// `endpoint:<hostname>`: the form logs, metrics and the Lambda's summary show.
impl fmt::Display for DatabaseSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseSelector::Cluster { identifier, role } => {
                write!(f, "cluster:{identifier}:{role}")
            }
            other => write!(f, "{}:{}", other.kind(), other.identifier()),
        }
    }
}

/// Which members of a cluster to target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClusterRole {
    /// The one instance that accepts writes.
    #[default]
    Writer,
    /// Every running instance that is not the writer.
    Reader,
}

impl ClusterRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterRole::Writer => "writer",
            ClusterRole::Reader => "reader",
        }
    }
}

impl fmt::Display for ClusterRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClusterRole {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "writer" => Ok(ClusterRole::Writer),
            "reader" => Ok(ClusterRole::Reader),
            other => Err(Error::InvalidConfig {
                field: "cluster role",
                message: format!("\"{other}\" is neither \"writer\" nor \"reader\""),
            }),
        }
    }
}

/// What kind of thing was discovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatabaseKind {
    Instance,
    Cluster,
    Proxy,
    Endpoint,
}

impl DatabaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Instance => "instance",
            DatabaseKind::Cluster => "cluster",
            DatabaseKind::Proxy => "proxy",
            DatabaseKind::Endpoint => "endpoint",
        }
    }
}

impl fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_print_their_text_form() {
        let cluster = |role| DatabaseSelector::Cluster {
            identifier: "orders".into(),
            role,
        };
        let cases = [
            (
                DatabaseSelector::Instance("orders".into()),
                "instance:orders",
            ),
            (cluster(ClusterRole::Writer), "cluster:orders:writer"),
            (cluster(ClusterRole::Reader), "cluster:orders:reader"),
            (
                DatabaseSelector::Proxy("orders-proxy".into()),
                "proxy:orders-proxy",
            ),
            (
                DatabaseSelector::Endpoint("db.example.com".into()),
                "endpoint:db.example.com",
            ),
        ];
        for (selector, text) in cases {
            assert_eq!(selector.to_string(), text);
        }
    }

    #[test]
    fn selectors_describe_themselves_for_messages() {
        assert_eq!(
            DatabaseSelector::Cluster {
                identifier: "orders".into(),
                role: ClusterRole::Reader
            }
            .describe(),
            "DB cluster \"orders\" (reader)"
        );
        assert_eq!(
            DatabaseSelector::Endpoint("db.example".into()).describe(),
            "endpoint \"db.example\""
        );
    }

    #[test]
    fn roles_parse_and_print() {
        assert_eq!(
            "writer".parse::<ClusterRole>().unwrap(),
            ClusterRole::Writer
        );
        assert_eq!(
            "reader".parse::<ClusterRole>().unwrap(),
            ClusterRole::Reader
        );
        assert_eq!(ClusterRole::default(), ClusterRole::Writer);
        assert_eq!(ClusterRole::Reader.to_string(), "reader");
        assert!("Writer".parse::<ClusterRole>().is_err());
    }

    #[test]
    fn only_dns_named_selectors_wait_for_dns_after_failover() {
        assert!(DatabaseSelector::Instance("a".into()).answer_may_lag_failover());
        assert!(DatabaseSelector::Endpoint("a.example".into()).answer_may_lag_failover());
        assert!(!DatabaseSelector::Proxy("p".into()).answer_may_lag_failover());
        assert!(
            !DatabaseSelector::Cluster {
                identifier: "c".into(),
                role: ClusterRole::Writer
            }
            .answer_may_lag_failover()
        );
    }
}
