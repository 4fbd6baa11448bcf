//! The sync function's environment: the variables the provider writes when it deploys the
//! function and the function reads when it starts (`rdslink-sync-lambda`'s `config`). Defined
//! once, here, so the two programs cannot drift apart; the function's configuration tests parse
//! what [`environment`] writes.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::selector::{ClusterRole, DatabaseSelector};

pub const TARGET_GROUP_ARN: &str = "RDSLINK_TARGET_GROUP_ARN";
pub const DB_INSTANCE_IDENTIFIER: &str = "RDSLINK_DB_INSTANCE_IDENTIFIER";
pub const DB_CLUSTER_IDENTIFIER: &str = "RDSLINK_DB_CLUSTER_IDENTIFIER";
pub const DB_PROXY_NAME: &str = "RDSLINK_DB_PROXY_NAME";
pub const ENDPOINT: &str = "RDSLINK_ENDPOINT";
pub const ROLE: &str = "RDSLINK_ROLE";
pub const PORT: &str = "RDSLINK_PORT";
pub const DNS_NAMESERVERS: &str = "RDSLINK_DNS_NAMESERVERS";
pub const DNS_WAIT_SECONDS: &str = "RDSLINK_DNS_WAIT_SECONDS";
/// A cluster writer's member endpoints when the function was deployed: a hint, see
/// [`MemberEndpoints`].
pub const MEMBER_ENDPOINTS: &str = "RDSLINK_MEMBER_ENDPOINTS";

/// The variables that select the database; exactly one is set.
pub const DATABASE_VARIABLES: [&str; 4] = [
    DB_INSTANCE_IDENTIFIER,
    DB_CLUSTER_IDENTIFIER,
    DB_PROXY_NAME,
    ENDPOINT,
];

/// The longest [`MEMBER_ENDPOINTS`] value written. Lambda allows 4 KB for all of a function's
/// variables; the others take a few hundred bytes. Entries past this are left out (the function
/// reads those members itself).
pub const MAX_MEMBER_ENDPOINTS_BYTES: usize = 2048;

/// A cluster's members' instance endpoints (instance id, lower case -> endpoint hostname), as the
/// provider read them when it deployed the function.
///
/// Only a hint, so it is never compared for drift ([`same_settings`]): an instance's endpoint
/// never changes while the instance exists (a renamed instance has a new id), so the function
/// can resolve its cluster's writer from the first invocation with one `DescribeDBClusters`
/// instead of also reading the members with `DescribeDBInstances`. A member missing from it
/// (added after the deployment) is read as before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberEndpoints(BTreeMap<String, String>);

impl MemberEndpoints {
    /// The endpoints of `members` (instance id, endpoint hostname); ids are matched without
    /// regard to case, as RDS does.
    pub fn new<'a>(members: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        MemberEndpoints(
            members
                .into_iter()
                .map(|(id, endpoint)| (id.to_ascii_lowercase(), endpoint.to_owned()))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The endpoint of member `id`, if known.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.0.get(&id.to_ascii_lowercase()).map(String::as_str)
    }

    /// Every (id, endpoint), ids in lower case and in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(id, endpoint)| (id.as_str(), endpoint.as_str()))
    }

    /// The variable's value: `id=endpoint` entries joined by commas, in id order, as many as
    /// fit in [`MAX_MEMBER_ENDPOINTS_BYTES`]. An entry with a character that would break the
    /// encoding (neither an RDS identifier nor a hostname has one) is left out.
    pub fn encode(&self) -> String {
        let mut value = String::new();
        for (id, endpoint) in self.iter() {
            let breaks = |text: &str| text.is_empty() || text.contains([',', '=']);
            if breaks(id) || breaks(endpoint) {
                continue;
            }
            let entry = format!("{id}={endpoint}");
            let separator = usize::from(!value.is_empty());
            if value.len() + separator + entry.len() > MAX_MEMBER_ENDPOINTS_BYTES {
                break;
            }
            if separator == 1 {
                value.push(',');
            }
            value.push_str(&entry);
        }
        value
    }

    /// Reads what [`MemberEndpoints::encode`] wrote. `Err` says what is wrong with the first
    /// malformed entry.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut endpoints = BTreeMap::new();
        for entry in value
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
        {
            let Some((id, endpoint)) = entry.split_once('=') else {
                return Err(format!("{entry:?} is not id=endpoint"));
            };
            let (id, endpoint) = (id.trim(), endpoint.trim());
            if id.is_empty() || endpoint.is_empty() || endpoint.contains('=') {
                return Err(format!("{entry:?} is not id=endpoint"));
            }
            if endpoints
                .insert(id.to_ascii_lowercase(), endpoint.to_owned())
                .is_some()
            {
                return Err(format!("instance {id:?} is named twice"));
            }
        }
        Ok(MemberEndpoints(endpoints))
    }
}

/// Whether two environments configure the function alike: equal but for the
/// [`MEMBER_ENDPOINTS`] hint, which records the moment of a deployment rather than a setting.
pub fn same_settings(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
    fn settings(env: &BTreeMap<String, String>) -> impl Iterator<Item = (&String, &String)> {
        env.iter()
            .filter(|(name, _)| name.as_str() != MEMBER_ENDPOINTS)
    }
    // Both in name order (a BTreeMap's), so equal settings give equal sequences.
    settings(a).eq(settings(b))
}

/// The environment of a function keeping `target_group_arn` on `selector`'s addresses at `port`.
/// The system resolver is used (no [`DNS_NAMESERVERS`]): in AWS it is the VPC's or Lambda's.
/// `member_endpoints` is written only for a cluster's writer (the one discovery that uses it)
/// and only when it has an entry.
pub fn environment(
    target_group_arn: &str,
    selector: &DatabaseSelector,
    port: u16,
    dns_wait: Duration,
    member_endpoints: &MemberEndpoints,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |name: &str, value: String| {
        env.insert(name.to_owned(), value);
    };
    set(TARGET_GROUP_ARN, target_group_arn.to_owned());
    match selector {
        DatabaseSelector::Instance(id) => set(DB_INSTANCE_IDENTIFIER, id.clone()),
        DatabaseSelector::Cluster { identifier, role } => {
            set(DB_CLUSTER_IDENTIFIER, identifier.clone());
            set(ROLE, role.as_str().to_owned());
            let hint = member_endpoints.encode();
            if *role == ClusterRole::Writer && !hint.is_empty() {
                set(MEMBER_ENDPOINTS, hint);
            }
        }
        DatabaseSelector::Proxy(name) => set(DB_PROXY_NAME, name.clone()),
        DatabaseSelector::Endpoint(host) => set(ENDPOINT, host.clone()),
    }
    set(PORT, port.to_string());
    set(DNS_WAIT_SECONDS, dns_wait.as_secs().to_string());
    env
}

/// The selector an environment written by [`environment`] names; `None` when it names none or
/// several (a function rdslink did not configure). Used by import to rebuild the configuration.
pub fn selector_of(env: &BTreeMap<String, String>) -> Option<DatabaseSelector> {
    let get = |name: &str| env.get(name).filter(|value| !value.is_empty()).cloned();
    let set: Vec<&str> = DATABASE_VARIABLES
        .into_iter()
        .filter(|name| get(name).is_some())
        .collect();
    match set.as_slice() {
        [DB_INSTANCE_IDENTIFIER] => get(DB_INSTANCE_IDENTIFIER).map(DatabaseSelector::Instance),
        [DB_CLUSTER_IDENTIFIER] => Some(DatabaseSelector::Cluster {
            identifier: get(DB_CLUSTER_IDENTIFIER)?,
            role: get(ROLE)
                .and_then(|role| role.parse().ok())
                .unwrap_or_default(),
        }),
        [DB_PROXY_NAME] => get(DB_PROXY_NAME).map(DatabaseSelector::Proxy),
        [ENDPOINT] => get(ENDPOINT).map(DatabaseSelector::Endpoint),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_selector_round_trips_through_the_environment() {
        let selectors = [
            DatabaseSelector::Instance("orders".into()),
            DatabaseSelector::Cluster {
                identifier: "orders".into(),
                role: ClusterRole::Reader,
            },
            DatabaseSelector::Proxy("orders-proxy".into()),
            DatabaseSelector::Endpoint("orders.example.internal".into()),
        ];
        for selector in selectors {
            let env = environment(
                "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/rdslink-orders/0123456789abcdef",
                &selector,
                5432,
                Duration::from_secs(90),
                &MemberEndpoints::default(),
            );
            assert_eq!(env[PORT], "5432");
            assert_eq!(env[DNS_WAIT_SECONDS], "90");
            assert!(!env.contains_key(DNS_NAMESERVERS));
            assert_eq!(selector_of(&env), Some(selector));
        }
    }

    #[test]
    fn an_environment_naming_two_databases_names_none() {
        let env = BTreeMap::from([
            (DB_INSTANCE_IDENTIFIER.to_owned(), "a".to_owned()),
            (DB_PROXY_NAME.to_owned(), "b".to_owned()),
        ]);
        assert_eq!(selector_of(&env), None);
    }

    fn writer_of(identifier: &str) -> DatabaseSelector {
        DatabaseSelector::Cluster {
            identifier: identifier.into(),
            role: ClusterRole::Writer,
        }
    }

    const TG: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/rdslink-orders/0123456789abcdef";

    #[test]
    fn member_endpoints_round_trip_through_a_writers_environment() {
        let endpoints = MemberEndpoints::new([
            ("Orders-2", "orders-2.abc123.eu-west-1.rds.amazonaws.com"),
            ("orders-1", "orders-1.abc123.eu-west-1.rds.amazonaws.com"),
        ]);
        let env = environment(
            TG,
            &writer_of("orders"),
            5432,
            Duration::from_secs(90),
            &endpoints,
        );
        assert_eq!(
            env[MEMBER_ENDPOINTS],
            "orders-1=orders-1.abc123.eu-west-1.rds.amazonaws.com,\
             orders-2=orders-2.abc123.eu-west-1.rds.amazonaws.com"
        );
        let parsed = MemberEndpoints::parse(&env[MEMBER_ENDPOINTS]).unwrap();
        assert_eq!(parsed, endpoints);
        assert_eq!(
            parsed.get("ORDERS-2"),
            Some("orders-2.abc123.eu-west-1.rds.amazonaws.com")
        );
        assert_eq!(parsed.get("orders-3"), None);
    }

    #[test]
    fn member_endpoints_are_written_only_for_a_writer_that_has_some() {
        let endpoints = MemberEndpoints::new([("orders-1", "orders-1.abc123.rds.amazonaws.com")]);
        let wait = Duration::from_secs(90);
        let reader = DatabaseSelector::Cluster {
            identifier: "orders".into(),
            role: ClusterRole::Reader,
        };
        let instance = DatabaseSelector::Instance("orders-1".into());
        for selector in [reader, instance] {
            let env = environment(TG, &selector, 5432, wait, &endpoints);
            assert!(!env.contains_key(MEMBER_ENDPOINTS), "{selector}");
        }
        let env = environment(
            TG,
            &writer_of("orders"),
            5432,
            wait,
            &MemberEndpoints::default(),
        );
        assert!(!env.contains_key(MEMBER_ENDPOINTS));
    }

    #[test]
    fn member_endpoints_stop_at_the_size_limit_and_skip_what_would_break_the_encoding() {
        let endpoints: Vec<(String, String)> = (0..40)
            .map(|n| {
                let id = format!("orders-instance-{n:02}");
                let endpoint = format!("{id}.c0123456789a.eu-west-1.rds.amazonaws.com");
                (id, endpoint)
            })
            .chain([("bad,id".to_owned(), "x.example".to_owned())])
            .collect();
        let endpoints = MemberEndpoints::new(
            endpoints
                .iter()
                .map(|(id, host)| (id.as_str(), host.as_str())),
        );
        let value = endpoints.encode();
        assert!(value.len() <= MAX_MEMBER_ENDPOINTS_BYTES, "{}", value.len());
        assert!(!value.contains("bad"), "{value}");
        let parsed = MemberEndpoints::parse(&value).unwrap();
        // Whole entries, in id order, as many as fit.
        let kept: Vec<&str> = parsed.iter().map(|(id, _)| id).collect();
        assert!(kept.len() > 20 && kept.len() < 40, "{}", kept.len());
        assert_eq!(kept[0], "orders-instance-00");
        assert!(kept.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn malformed_member_endpoints_are_rejected_with_the_entry() {
        for (value, expected) in [
            ("orders-1", "\"orders-1\" is not id=endpoint"),
            ("=host.example", "\"=host.example\" is not id=endpoint"),
            ("orders-1=", "\"orders-1=\" is not id=endpoint"),
            ("a=b=c", "\"a=b=c\" is not id=endpoint"),
            ("a=x.example,A=y.example", "instance \"A\" is named twice"),
        ] {
            assert_eq!(
                MemberEndpoints::parse(value),
                Err(expected.to_owned()),
                "{value}"
            );
        }
        assert_eq!(MemberEndpoints::parse(""), Ok(MemberEndpoints::default()));
    }

    #[test]
    fn same_settings_ignores_only_the_member_endpoints_hint() {
        let wait = Duration::from_secs(90);
        let hinted = MemberEndpoints::new([("orders-1", "orders-1.abc123.rds.amazonaws.com")]);
        let deployed = environment(TG, &writer_of("orders"), 5432, wait, &hinted);
        let wanted = environment(
            TG,
            &writer_of("orders"),
            5432,
            wait,
            &MemberEndpoints::default(),
        );
        assert!(same_settings(&deployed, &wanted));
        let other_port = environment(TG, &writer_of("orders"), 3306, wait, &hinted);
        assert!(!same_settings(&other_port, &wanted));
        let mut extra = wanted.clone();
        extra.insert("SOMETHING_ELSE".to_owned(), "1".to_owned());
        assert!(!same_settings(&extra, &wanted));
    }
}
