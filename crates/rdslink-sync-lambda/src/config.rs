//! The Lambda's environment -> engine configuration.
//!
//! Variables (set by the provider when it creates the function):
//!
//! | name | meaning |
//! |---|---|
//! | `RDSLINK_TARGET_GROUP_ARN` | the IP target group to keep in sync (required) |
//! | `RDSLINK_DB_INSTANCE_IDENTIFIER` | follow a DB instance |
//! | `RDSLINK_DB_CLUSTER_IDENTIFIER` | follow an Aurora / Multi-AZ DB cluster |
//! | `RDSLINK_DB_PROXY_NAME` | follow an RDS Proxy |
//! | `RDSLINK_ENDPOINT` | follow a DNS name |
//! | `RDSLINK_ROLE` | `writer` (default) or `reader`; only with a cluster |
//! | `RDSLINK_PORT` | the database port, 1-65535 (required) |
//! | `RDSLINK_DNS_NAMESERVERS` | optional comma-separated `ip:port` list instead of the system resolver |
//! | `RDSLINK_DNS_WAIT_SECONDS` | how long to wait for DNS after an address-changing event (default 90) |
//! | `RDSLINK_MEMBER_ENDPOINTS` | optional `id=endpoint,...`: a cluster's instance endpoints when the function was deployed (a hint that spares the first invocation a `DescribeDBInstances`) |
//!
//! Exactly one of the four database variables must be set. An empty value counts as unset, so a
//! deployment may set every variable and leave the unused ones blank.
//!
//! Which database the variables select, and what a valid identifier, hostname, target group ARN
//! or nameserver looks like, are decided by the engine's shared rules
//! ([`rdslink_engine::selector`], [`rdslink_engine::validate`]), the same as the provider's; this
//! module only maps their errors onto variable names.

use std::net::SocketAddr;
use std::time::Duration;

use rdslink_engine::DEFAULT_DNS_WAIT;
use rdslink_engine::DatabaseSelector;
use rdslink_engine::selector::{
    Candidate, SelectorCandidates, SelectorError, SelectorField, parse_selector,
};
use rdslink_engine::validate::{self, Invalid};

pub use rdslink_engine::validate::TargetGroupArn;

pub use rdslink_engine::function_env::{
    DATABASE_VARIABLES, DB_CLUSTER_IDENTIFIER, DB_INSTANCE_IDENTIFIER, DB_PROXY_NAME,
    DNS_NAMESERVERS, DNS_WAIT_SECONDS, ENDPOINT, MEMBER_ENDPOINTS, MemberEndpoints, PORT, ROLE,
    TARGET_GROUP_ARN,
};

/// A Lambda invocation lasts at most 15 minutes; a longer wait could never finish.
const MAX_DNS_WAIT_SECONDS: u64 = 900;

/// Everything the function needs to know from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub target_group_arn: TargetGroupArn,
    pub database: DatabaseSelector,
    pub port: u16,
    /// `None`: the system resolver.
    pub dns_nameservers: Option<Vec<SocketAddr>>,
    pub dns_wait: Duration,
    /// Empty when unset.
    pub member_endpoints: MemberEndpoints,
}

/// Why the environment is not a usable configuration. Every message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set")]
    Missing { name: &'static str },
    #[error("{name}={value:?} is invalid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("no database configured: set exactly one of {}", DATABASE_VARIABLES.join(", "))]
    NoDatabase,
    #[error("more than one database configured ({}): set exactly one of {}", .names.join(", "), DATABASE_VARIABLES.join(", "))]
    SeveralDatabases { names: Vec<&'static str> },
    #[error("{ROLE} applies only with {DB_CLUSTER_IDENTIFIER}, but {database} is set")]
    RoleWithoutCluster { database: &'static str },
    /// A value the shared validators reject (the provider applies the same rules).
    #[error("{name}: {reason}")]
    Rejected { name: &'static str, reason: Invalid },
}

impl ConfigError {
    /// The variables this error is about, for tests and structured logs.
    pub fn variables(&self) -> Vec<&'static str> {
        match self {
            ConfigError::Missing { name }
            | ConfigError::Invalid { name, .. }
            | ConfigError::Rejected { name, .. } => vec![name],
            ConfigError::NoDatabase => DATABASE_VARIABLES.to_vec(),
            ConfigError::SeveralDatabases { names } => names.clone(),
            ConfigError::RoleWithoutCluster { database } => vec![ROLE, database],
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, so tests need no process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let required = |name: &'static str| get(name).ok_or(ConfigError::Missing { name });

        let arn = required(TARGET_GROUP_ARN)?;
        let target_group_arn =
            TargetGroupArn::parse(&arn).map_err(|reason| ConfigError::Rejected {
                name: TARGET_GROUP_ARN,
                reason,
            })?;
        let database = database(&get)?;
        let port = port(&required(PORT)?)?;
        let dns_nameservers = get(DNS_NAMESERVERS)
            .map(|value| nameservers(&value))
            .transpose()?;
        let dns_wait = match get(DNS_WAIT_SECONDS) {
            Some(value) => dns_wait(&value)?,
            None => DEFAULT_DNS_WAIT,
        };
        let member_endpoints = match get(MEMBER_ENDPOINTS) {
            Some(value) => {
                MemberEndpoints::parse(&value).map_err(|reason| ConfigError::Invalid {
                    name: MEMBER_ENDPOINTS,
                    value,
                    reason,
                })?
            }
            None => MemberEndpoints::default(),
        };
        Ok(Config {
            target_group_arn,
            database,
            port,
            dns_nameservers,
            dns_wait,
            member_endpoints,
        })
    }
}

/// A variable's value for the selector rule: unset (or blank, see [`Config::from_lookup`]) or set.
fn candidate(value: &Option<String>) -> Candidate<'_> {
    value.as_deref().map_or(Candidate::Unset, Candidate::Set)
}

fn database(get: &impl Fn(&str) -> Option<String>) -> Result<DatabaseSelector, ConfigError> {
    let instance = get(DB_INSTANCE_IDENTIFIER);
    let cluster = get(DB_CLUSTER_IDENTIFIER);
    let proxy = get(DB_PROXY_NAME);
    let endpoint = get(ENDPOINT);
    let role = get(ROLE);
    let candidates = SelectorCandidates {
        db_instance_identifier: candidate(&instance),
        db_cluster_identifier: candidate(&cluster),
        db_proxy_name: candidate(&proxy),
        endpoint: candidate(&endpoint),
        role: candidate(&role),
    };
    parse_selector(&candidates).map_err(selector_error)
}

/// The variable that carries each selector field (for errors).
fn variable(field: SelectorField) -> &'static str {
    match field {
        SelectorField::DbInstanceIdentifier => DB_INSTANCE_IDENTIFIER,
        SelectorField::DbClusterIdentifier => DB_CLUSTER_IDENTIFIER,
        SelectorField::DbProxyName => DB_PROXY_NAME,
        SelectorField::Endpoint => ENDPOINT,
        SelectorField::Role => ROLE,
    }
}

fn selector_error(err: SelectorError) -> ConfigError {
    match err {
        SelectorError::NoDatabase => ConfigError::NoDatabase,
        SelectorError::SeveralDatabases { fields } => ConfigError::SeveralDatabases {
            names: fields.into_iter().map(variable).collect(),
        },
        SelectorError::InvalidValue { field, invalid } => ConfigError::Rejected {
            name: variable(field),
            reason: invalid,
        },
        SelectorError::RoleWithoutCluster { database } => ConfigError::RoleWithoutCluster {
            database: variable(database),
        },
        SelectorError::InvalidRole { value } => ConfigError::Invalid {
            name: ROLE,
            value,
            reason: "expected writer or reader".to_owned(),
        },
        // The environment has no "known later": every variable is read or unset. Kept total.
        SelectorError::NotKnownYet { field } => ConfigError::Missing {
            name: variable(field),
        },
    }
}

fn port(value: &str) -> Result<u16, ConfigError> {
    match value.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(ConfigError::Invalid {
            name: PORT,
            value: value.to_owned(),
            reason: "expected a port number from 1 to 65535".to_owned(),
        }),
    }
}

fn nameservers(value: &str) -> Result<Vec<SocketAddr>, ConfigError> {
    value
        .split(',')
        .map(str::trim)
        .map(|entry| {
            validate::nameserver(entry).map_err(|reason| ConfigError::Rejected {
                name: DNS_NAMESERVERS,
                reason,
            })
        })
        .collect()
}

fn dns_wait(value: &str) -> Result<Duration, ConfigError> {
    match value.parse::<u64>() {
        Ok(seconds) if seconds <= MAX_DNS_WAIT_SECONDS => Ok(Duration::from_secs(seconds)),
        _ => Err(ConfigError::Invalid {
            name: DNS_WAIT_SECONDS,
            value: value.to_owned(),
            reason: format!("expected whole seconds from 0 to {MAX_DNS_WAIT_SECONDS}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdslink_engine::ClusterRole;
    use std::collections::HashMap;

    const ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rdslink-db/0123456789abcdef";

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    fn with_base<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut vars = vec![(TARGET_GROUP_ARN, ARN), (PORT, "5432")];
        vars.extend_from_slice(extra);
        vars
    }

    #[test]
    fn minimal_instance_configuration_uses_defaults() {
        let config = parse(&with_base(&[(DB_INSTANCE_IDENTIFIER, "orders")])).expect("valid");
        assert_eq!(config.target_group_arn.as_str(), ARN);
        assert_eq!(config.database, DatabaseSelector::Instance("orders".into()));
        assert_eq!(config.port, 5432);
        assert_eq!(config.dns_nameservers, None);
        assert_eq!(config.dns_wait, DEFAULT_DNS_WAIT);
    }

    #[test]
    fn every_database_kind_is_read() {
        let cases = [
            (
                DB_CLUSTER_IDENTIFIER,
                DatabaseSelector::Cluster {
                    identifier: "c".into(),
                    role: ClusterRole::Writer,
                },
            ),
            (DB_PROXY_NAME, DatabaseSelector::Proxy("c".into())),
            (ENDPOINT, DatabaseSelector::Endpoint("c".into())),
            (
                DB_INSTANCE_IDENTIFIER,
                DatabaseSelector::Instance("c".into()),
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(
                parse(&with_base(&[(name, "c")])).expect(name).database,
                expected
            );
        }
    }

    #[test]
    fn cluster_role_reader_and_optional_settings() {
        let config = parse(&with_base(&[
            (DB_CLUSTER_IDENTIFIER, "aurora"),
            (ROLE, "reader"),
            (DNS_NAMESERVERS, "127.0.0.1:5353, [::1]:53"),
            (DNS_WAIT_SECONDS, "0"),
        ]))
        .expect("valid");
        assert_eq!(
            config.database,
            DatabaseSelector::Cluster {
                identifier: "aurora".into(),
                role: ClusterRole::Reader
            }
        );
        let expected: Vec<SocketAddr> = vec![
            "127.0.0.1:5353".parse().unwrap(),
            "[::1]:53".parse().unwrap(),
        ];
        assert_eq!(config.dns_nameservers, Some(expected));
        assert_eq!(config.dns_wait, Duration::ZERO);
        assert!(config.member_endpoints.is_empty());
    }

    #[test]
    fn member_endpoints_are_read_when_set() {
        let config = parse(&with_base(&[
            (DB_CLUSTER_IDENTIFIER, "aurora"),
            (
                MEMBER_ENDPOINTS,
                "aurora-1=aurora-1.abc.us-east-1.rds.amazonaws.com,\
                 aurora-2=aurora-2.abc.us-east-1.rds.amazonaws.com",
            ),
        ]))
        .expect("valid");
        assert_eq!(
            config.member_endpoints,
            MemberEndpoints::new([
                ("aurora-1", "aurora-1.abc.us-east-1.rds.amazonaws.com"),
                ("aurora-2", "aurora-2.abc.us-east-1.rds.amazonaws.com"),
            ])
        );
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config = parse(&with_base(&[
            (DB_INSTANCE_IDENTIFIER, "orders"),
            (DB_CLUSTER_IDENTIFIER, ""),
            (DB_PROXY_NAME, " "),
            (DNS_NAMESERVERS, ""),
            (DNS_WAIT_SECONDS, ""),
        ]))
        .expect("valid");
        assert_eq!(config.database, DatabaseSelector::Instance("orders".into()));
        assert_eq!(config.dns_nameservers, None);
    }

    /// Each broken environment fails with an error naming the variable at fault.
    #[test]
    fn errors_name_the_variable() {
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![(PORT, "5432"), (ENDPOINT, "db")], TARGET_GROUP_ARN),
            (vec![(TARGET_GROUP_ARN, ARN), (ENDPOINT, "db")], PORT),
            (with_base(&[]), DB_INSTANCE_IDENTIFIER),
            (
                with_base(&[(ENDPOINT, "a"), (DB_PROXY_NAME, "b")]),
                DB_PROXY_NAME,
            ),
            (
                with_base(&[(DB_INSTANCE_IDENTIFIER, "a"), (ROLE, "writer")]),
                ROLE,
            ),
            (
                with_base(&[(DB_CLUSTER_IDENTIFIER, "a"), (ROLE, "primary")]),
                ROLE,
            ),
            (
                with_base(&[(ENDPOINT, "a"), (DNS_NAMESERVERS, "127.0.0.1")]),
                DNS_NAMESERVERS,
            ),
            (
                with_base(&[(ENDPOINT, "a"), (DNS_NAMESERVERS, "1.1.1.1:53,,")]),
                DNS_NAMESERVERS,
            ),
            (
                with_base(&[(ENDPOINT, "a"), (DNS_WAIT_SECONDS, "-1")]),
                DNS_WAIT_SECONDS,
            ),
            (
                with_base(&[(ENDPOINT, "a"), (DNS_WAIT_SECONDS, "901")]),
                DNS_WAIT_SECONDS,
            ),
            (
                vec![
                    (TARGET_GROUP_ARN, "arn:aws:s3:::bucket"),
                    (PORT, "1"),
                    (ENDPOINT, "a"),
                ],
                TARGET_GROUP_ARN,
            ),
            // The provider's rules for identifiers and hostnames apply here too.
            (
                with_base(&[(DB_INSTANCE_IDENTIFIER, "orders_db")]),
                DB_INSTANCE_IDENTIFIER,
            ),
            (
                with_base(&[(DB_CLUSTER_IDENTIFIER, "1-orders--")]),
                DB_CLUSTER_IDENTIFIER,
            ),
            (with_base(&[(ENDPOINT, "http://db:5432")]), ENDPOINT),
            (
                with_base(&[(DB_CLUSTER_IDENTIFIER, "a"), (MEMBER_ENDPOINTS, "a-1")]),
                MEMBER_ENDPOINTS,
            ),
        ];
        for (vars, variable) in cases {
            let error = parse(&vars).expect_err(variable);
            assert!(
                error.to_string().contains(variable),
                "{error} should name {variable}"
            );
            assert!(error.variables().contains(&variable), "{error:?}");
        }
    }

    #[test]
    fn ports_outside_the_range_are_rejected() {
        for bad in ["0", "65536", "-1", "5432/tcp", "abc"] {
            let error = parse(&with_base(&[(ENDPOINT, "a"), (PORT, bad)])).expect_err(bad);
            assert!(
                matches!(error, ConfigError::Invalid { name: PORT, .. }),
                "{bad}: {error}"
            );
        }
        for good in ["1", "65535"] {
            assert!(
                parse(&with_base(&[(ENDPOINT, "a"), (PORT, good)])).is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn every_partition_is_accepted() {
        for (arn, region) in [
            (ARN, "us-east-1"),
            (
                "arn:aws-eusc:elasticloadbalancing:eusc-de-east-1:123456789012:targetgroup/rdslink-db/0123456789abcdef",
                "eusc-de-east-1",
            ),
            (
                "arn:aws-iso-b:elasticloadbalancing:us-isob-east-1:123456789012:targetgroup/rdslink-db/0123456789abcdef",
                "us-isob-east-1",
            ),
        ] {
            let config = parse(&[
                (TARGET_GROUP_ARN, arn),
                (PORT, "5432"),
                (ENDPOINT, "db.example"),
            ])
            .expect(region);
            assert_eq!(config.target_group_arn.as_str(), arn);
        }
    }

    #[test]
    fn target_group_arn_shapes() {
        let good = [
            ARN,
            "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/a/1",
            "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/x-y-32/deadbeef",
        ];
        for arn in good {
            assert!(TargetGroupArn::parse(arn).is_ok(), "{arn}");
        }
        let bad = [
            "",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb/0123456789abcdef",
            "arn:aws:elasticloadbalancing:us-east-1:12345:targetgroup/tg/0123456789abcdef",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/-tg/0123",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/xyz",
            "arn:aws:elasticloadbalancing:useast:123456789012:targetgroup/tg/0123",
            "arn:amazon:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/a-name-that-is-longer-than-32-chars/0123",
        ];
        for arn in bad {
            assert!(TargetGroupArn::parse(arn).is_err(), "{arn}");
        }
    }
}
