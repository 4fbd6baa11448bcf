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
//!
//! Exactly one of the four database variables must be set. An empty value counts as unset, so a
//! deployment may set every variable and leave the unused ones blank.

use std::net::SocketAddr;
use std::time::Duration;

use rdslink_engine::{ClusterRole, DatabaseSelector};
use rdslink_engine::DEFAULT_DNS_WAIT;

pub const TARGET_GROUP_ARN: &str = "RDSLINK_TARGET_GROUP_ARN";
pub const DB_INSTANCE_IDENTIFIER: &str = "RDSLINK_DB_INSTANCE_IDENTIFIER";
pub const DB_CLUSTER_IDENTIFIER: &str = "RDSLINK_DB_CLUSTER_IDENTIFIER";
pub const DB_PROXY_NAME: &str = "RDSLINK_DB_PROXY_NAME";
pub const ENDPOINT: &str = "RDSLINK_ENDPOINT";
pub const ROLE: &str = "RDSLINK_ROLE";
pub const PORT: &str = "RDSLINK_PORT";
pub const DNS_NAMESERVERS: &str = "RDSLINK_DNS_NAMESERVERS";
pub const DNS_WAIT_SECONDS: &str = "RDSLINK_DNS_WAIT_SECONDS";

const DATABASE_VARIABLES: [&str; 4] = [
    DB_INSTANCE_IDENTIFIER,
    DB_CLUSTER_IDENTIFIER,
    DB_PROXY_NAME,
    ENDPOINT,
];

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
}

/// An ELBv2 target group ARN:
/// `arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetGroupArn(String);

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
}

impl ConfigError {
    /// The variables this error is about, for tests and structured logs.
    pub fn variables(&self) -> Vec<&'static str> {
        match self {
            ConfigError::Missing { name } | ConfigError::Invalid { name, .. } => vec![name],
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
            TargetGroupArn::parse(&arn).map_err(|reason| ConfigError::Invalid {
                name: TARGET_GROUP_ARN,
                value: arn.clone(),
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
        Ok(Config {
            target_group_arn,
            database,
            port,
            dns_nameservers,
            dns_wait,
        })
    }
}

fn database(get: &impl Fn(&str) -> Option<String>) -> Result<DatabaseSelector, ConfigError> {
    let set: Vec<(&'static str, String)> = DATABASE_VARIABLES
        .iter()
        .filter_map(|&name| get(name).map(|value| (name, value)))
        .collect();
    let (name, value) = match set.as_slice() {
        [] => return Err(ConfigError::NoDatabase),
        [one] => one.clone(),
        several => {
            return Err(ConfigError::SeveralDatabases {
                names: several.iter().map(|(name, _)| *name).collect(),
            });
        }
    };
    let role = get(ROLE);
    if role.is_some() && name != DB_CLUSTER_IDENTIFIER {
        return Err(ConfigError::RoleWithoutCluster { database: name });
    }
    let selector = match name {
        DB_INSTANCE_IDENTIFIER => DatabaseSelector::Instance(value),
        DB_CLUSTER_IDENTIFIER => {
            let role = match role {
                Some(role) => role
                    .parse::<ClusterRole>()
                    .map_err(|_| ConfigError::Invalid {
                        name: ROLE,
                        value: role.clone(),
                        reason: "expected writer or reader".to_owned(),
                    })?,
                None => ClusterRole::Writer,
            };
            DatabaseSelector::Cluster {
                identifier: value,
                role,
            }
        }
        DB_PROXY_NAME => DatabaseSelector::Proxy(value),
        _ => DatabaseSelector::Endpoint(value),
    };
    Ok(selector)
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
    let invalid = |reason: String| ConfigError::Invalid {
        name: DNS_NAMESERVERS,
        value: value.to_owned(),
        reason,
    };
    value
        .split(',')
        .map(str::trim)
        .map(|entry| {
            entry.parse::<SocketAddr>().map_err(|_| {
                invalid(format!(
                    "{entry:?} is not an ip:port address ([v6]:port for IPv6)"
                ))
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

impl TargetGroupArn {
    /// Checks the ARN's shape (not that the target group exists).
    pub fn parse(arn: &str) -> Result<Self, String> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
            return Err("expected arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>".to_owned());
        };
        if *prefix != "arn" {
            return Err("does not start with arn:".to_owned());
        }
        if !is_partition(partition) {
            return Err(format!("unknown partition {partition:?}"));
        }
        if *service != "elasticloadbalancing" {
            return Err(format!("service is {service:?}, not elasticloadbalancing"));
        }
        if !is_region(region) {
            return Err(format!("region {region:?} is not a region name"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("account {account:?} is not a 12-digit account id"));
        }
        let mut path = resource.split('/');
        let (Some("targetgroup"), Some(name), Some(id), None) =
            (path.next(), path.next(), path.next(), path.next())
        else {
            return Err("resource is not targetgroup/<name>/<id>".to_owned());
        };
        if !is_target_group_name(name) {
            return Err(format!(
                "target group name {name:?} must be 1-32 letters, digits or hyphens, not starting or ending with a hyphen"
            ));
        }
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("target group id {id:?} is not hexadecimal"));
        }
        Ok(TargetGroupArn(arn.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TargetGroupArn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-eusc`, ...
fn is_partition(partition: &str) -> bool {
    partition == "aws"
        || partition
            .strip_prefix("aws-")
            .is_some_and(|rest| !rest.is_empty() && rest.split('-').all(is_lower_alnum_word))
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `us-isob-east-1`: hyphenated words ending in a number.
fn is_region(region: &str) -> bool {
    let words: Vec<&str> = region.split('-').collect();
    words.len() >= 3
        && words.iter().all(|word| is_lower_alnum_word(word))
        && words
            .last()
            .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
}

fn is_lower_alnum_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn is_target_group_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;
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
