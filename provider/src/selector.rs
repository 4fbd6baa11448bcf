//! Which database a configuration means: exactly one of `db_instance_identifier`,
//! `db_cluster_identifier`, `db_proxy_name` or `endpoint`, plus `role` for clusters. Shared by every
//! data source and resource that points at a database, so they all accept and reject the same input.
//!
//! The rule itself is the engine's ([`parse_selector`]), shared with the sync Lambda; this module
//! reads the attributes into it and reports its errors on the attributes that carry them.

use rdslink_engine::selector::{
    Candidate, SelectorCandidates, SelectorError, SelectorField, parse_selector,
};
use rdslink_engine::{ClusterRole, DatabaseSelector};

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::Attribute;
use tfplugin::value::{Type, Value};

const INSTANCE: &str = "db_instance_identifier";
const CLUSTER: &str = "db_cluster_identifier";
const PROXY: &str = "db_proxy_name";
const ENDPOINT: &str = "endpoint";
const ROLE: &str = "role";

/// The selector attributes, for a schema.
pub fn attributes() -> Vec<Attribute> {
    vec![
        Attribute::optional(
            INSTANCE,
            Type::String,
            "Identifier of an RDS DB instance: its endpoint's A records.",
        ),
        Attribute::optional(
            CLUSTER,
            Type::String,
            "Identifier of an Aurora (or Multi-AZ) DB cluster: the writer's address, or every reader's with \
             `role = \"reader\"`.",
        ),
        Attribute::optional(
            PROXY,
            Type::String,
            "Name of an RDS Proxy: every A record of its endpoint.",
        ),
        Attribute::optional_computed(
            ENDPOINT,
            Type::String,
            "Any database hostname: every A record. When another selector is set, this is computed: the \
             hostname clients of that database use.",
        ),
        Attribute::optional_computed(
            ROLE,
            Type::String,
            "Clusters only: `writer` (default) or `reader` (every non-writer member's address, not the \
             round-robin reader endpoint).",
        ),
    ]
}

/// Validate-time checks, each pointing at its attribute. Unknown values count as "set" so that a
/// selector from a not-yet-known variable is not reported missing.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    for problem in candidates(config).problems() {
        report(&problem, diags);
    }
}

/// The selector of a fully known configuration.
pub fn from_config(config: &Value, diags: &mut Diagnostics) -> Option<DatabaseSelector> {
    validate(config, diags);
    if diags.has_errors() {
        return None;
    }
    match parse_selector(&candidates(config)) {
        Ok(selector) => Some(selector),
        Err(problem) => {
            report(&problem, diags);
            None
        }
    }
}

/// The role of a cluster selector (default writer); None when the configuration is not a cluster.
pub fn role_of(config: &Value) -> Option<ClusterRole> {
    if config.get(CLUSTER).is_null() {
        return None;
    }
    Some(
        config
            .get(ROLE)
            .as_str()
            .and_then(|r| r.parse().ok())
            .unwrap_or_default(),
    )
}

/// "DB cluster \"orders\" (writer)" and the like, for diagnostics.
pub fn describe(selector: &DatabaseSelector) -> String {
    selector.describe()
}

/// The attributes as the engine's rule reads them: null is unset, unknown is "set, known later".
fn candidates(config: &Value) -> SelectorCandidates<'_> {
    let candidate = |name: &str| {
        let value = config.get(name);
        match value.as_str() {
            _ if value.is_null() => Candidate::Unset,
            Some(text) => Candidate::Set(text),
            None => Candidate::Unknown,
        }
    };
    SelectorCandidates {
        db_instance_identifier: candidate(INSTANCE),
        db_cluster_identifier: candidate(CLUSTER),
        db_proxy_name: candidate(PROXY),
        endpoint: candidate(ENDPOINT),
        role: candidate(ROLE),
    }
}

/// One problem as a diagnostic on the attribute at fault.
fn report(problem: &SelectorError, diags: &mut Diagnostics) {
    let at = |field: &SelectorField| AttributePath::root(field.name());
    match problem {
        SelectorError::NoDatabase => diags.error(
            "No database selected",
            "Set exactly one of `db_instance_identifier`, `db_cluster_identifier`, `db_proxy_name` or `endpoint`.",
        ),
        SelectorError::SeveralDatabases { fields } => {
            let listed = fields
                .iter()
                .map(|field| format!("`{field}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            // The first one set is taken as meant; every further one is the conflict.
            for field in fields.iter().skip(1) {
                diags.error_at(
                    at(field),
                    "Conflicting database selectors",
                    format!(
                        "Set exactly one of `db_instance_identifier`, `db_cluster_identifier`, `db_proxy_name` or \
                         `endpoint`; this configuration sets {listed}."
                    ),
                );
            }
        }
        SelectorError::InvalidValue { field, invalid } => {
            diags.error_at(at(field), invalid_summary(*field), format!("{invalid}."));
        }
        SelectorError::RoleWithoutCluster { database } => diags.error_at(
            AttributePath::root(ROLE),
            "`role` applies to clusters only",
            format!(
                "`role` chooses between a cluster's writer and its readers; this configuration selects a database \
                 with `{database}`. Remove `role`, or select a cluster with `db_cluster_identifier`."
            ),
        ),
        SelectorError::InvalidRole { value } => diags.error_at(
            AttributePath::root(ROLE),
            "Invalid role",
            format!("{value:?} is not a cluster role: use \"writer\" or \"reader\"."),
        ),
        SelectorError::NotKnownYet { .. } => diags.error(
            "Database selector is not known yet",
            "The database selector depends on a value known only after apply.",
        ),
    }
}

fn invalid_summary(field: SelectorField) -> &'static str {
    match field {
        SelectorField::DbInstanceIdentifier => "Invalid DB instance identifier",
        SelectorField::DbClusterIdentifier => "Invalid DB cluster identifier",
        SelectorField::DbProxyName => "Invalid DB proxy name",
        SelectorField::Endpoint => "Invalid endpoint",
        SelectorField::Role => "Invalid role",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(attributes: &[(&str, Value)]) -> Value {
        let mut config = Value::object(
            [INSTANCE, CLUSTER, PROXY, ENDPOINT, ROLE]
                .into_iter()
                .map(|name| (name, Value::Null)),
        );
        for (name, value) in attributes {
            config.set_attribute(*name, value.clone());
        }
        config
    }

    /// An error's summary, and the top-level attribute it points at.
    type Error = (String, Option<String>);

    fn errors(config: &Value) -> Vec<Error> {
        let mut diags = Diagnostics::new();
        validate(config, &mut diags);
        diags
            .iter()
            .map(|diag| {
                let attribute = diag.attribute.as_ref().and_then(|path| match path.steps() {
                    [tfplugin::diag::PathStep::Attribute(name)] => Some(name.clone()),
                    _ => None,
                });
                (diag.summary.clone(), attribute)
            })
            .collect()
    }

    #[test]
    fn each_problem_points_at_its_attribute() {
        type Expected<'a> = Vec<(&'a str, Option<&'a str>)>;
        let cases: Vec<(Value, Expected)> = vec![
            (config(&[]), vec![("No database selected", None)]),
            (
                config(&[(INSTANCE, Value::string("a")), (PROXY, Value::string("b"))]),
                vec![("Conflicting database selectors", Some(PROXY))],
            ),
            (
                config(&[(CLUSTER, Value::string("1-orders--"))]),
                vec![("Invalid DB cluster identifier", Some(CLUSTER))],
            ),
            (
                config(&[(ENDPOINT, Value::string("http://db:5432"))]),
                vec![("Invalid endpoint", Some(ENDPOINT))],
            ),
            (
                config(&[
                    (INSTANCE, Value::string("orders")),
                    (ROLE, Value::string("reader")),
                ]),
                vec![("`role` applies to clusters only", Some(ROLE))],
            ),
            (
                config(&[
                    (CLUSTER, Value::string("orders")),
                    (ROLE, Value::string("primary")),
                ]),
                vec![("Invalid role", Some(ROLE))],
            ),
        ];
        for (config, expected) in cases {
            let expected: Vec<Error> = expected
                .into_iter()
                .map(|(summary, attribute)| (summary.to_owned(), attribute.map(str::to_owned)))
                .collect();
            assert_eq!(errors(&config), expected, "{config:?}");
        }
    }

    #[test]
    fn unknown_selectors_count_as_set_but_are_not_known() {
        let config = config(&[(CLUSTER, Value::unknown())]);
        assert!(errors(&config).is_empty());
        let mut diags = Diagnostics::new();
        assert_eq!(from_config(&config, &mut diags), None);
        assert!(diags.has_errors());
    }

    #[test]
    fn a_known_configuration_selects_its_database() {
        let mut diags = Diagnostics::new();
        let config = config(&[
            (CLUSTER, Value::string("orders")),
            (ROLE, Value::string("reader")),
        ]);
        assert_eq!(
            from_config(&config, &mut diags),
            Some(DatabaseSelector::Cluster {
                identifier: "orders".into(),
                role: ClusterRole::Reader
            })
        );
        assert!(!diags.has_errors());
        assert_eq!(role_of(&config), Some(ClusterRole::Reader));
        assert_eq!(
            describe(&DatabaseSelector::Proxy("p".into())),
            "DB proxy \"p\""
        );
    }
}
