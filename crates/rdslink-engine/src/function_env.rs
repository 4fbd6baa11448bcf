//! The sync function's environment: the variables the provider writes when it deploys the
//! function and the function reads when it starts (`rdslink-sync-lambda`'s `config`). Defined
//! once, here, so the two programs cannot drift apart; the function's configuration tests parse
//! what [`environment`] writes.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::selector::DatabaseSelector;

pub const TARGET_GROUP_ARN: &str = "RDSLINK_TARGET_GROUP_ARN";
pub const DB_INSTANCE_IDENTIFIER: &str = "RDSLINK_DB_INSTANCE_IDENTIFIER";
pub const DB_CLUSTER_IDENTIFIER: &str = "RDSLINK_DB_CLUSTER_IDENTIFIER";
pub const DB_PROXY_NAME: &str = "RDSLINK_DB_PROXY_NAME";
pub const ENDPOINT: &str = "RDSLINK_ENDPOINT";
pub const ROLE: &str = "RDSLINK_ROLE";
pub const PORT: &str = "RDSLINK_PORT";
pub const DNS_NAMESERVERS: &str = "RDSLINK_DNS_NAMESERVERS";
pub const DNS_WAIT_SECONDS: &str = "RDSLINK_DNS_WAIT_SECONDS";

/// The variables that select the database; exactly one is set.
pub const DATABASE_VARIABLES: [&str; 4] = [
    DB_INSTANCE_IDENTIFIER,
    DB_CLUSTER_IDENTIFIER,
    DB_PROXY_NAME,
    ENDPOINT,
];

/// The environment of a function keeping `target_group_arn` on `selector`'s addresses at `port`.
/// The system resolver is used (no [`DNS_NAMESERVERS`]): in AWS it is the VPC's or Lambda's.
pub fn environment(
    target_group_arn: &str,
    selector: &DatabaseSelector,
    port: u16,
    dns_wait: Duration,
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
    use crate::selector::ClusterRole;

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
}
