//! The one rule for "which database": exactly one of the four database fields, each value of the
//! right shape, and a role only for a cluster.
//!
//! Each program reads its own surface into [`SelectorCandidates`] (the provider from Terraform
//! attributes, the Lambda from environment variables, with its own idea of "unset") and maps the
//! typed [`SelectorError`]s back onto that surface (attribute paths, variable names).

use std::fmt;

use super::{ClusterRole, DatabaseSelector};
use crate::validate::{self, Invalid};

/// A field of the selector, by meaning. The provider's attribute names are the canonical names
/// ([`SelectorField::name`]); other surfaces map each field to their own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SelectorField {
    DbInstanceIdentifier,
    DbClusterIdentifier,
    DbProxyName,
    Endpoint,
    Role,
}

impl SelectorField {
    /// The fields that name a database, exactly one of which must be set.
    pub const DATABASES: [SelectorField; 4] = [
        SelectorField::DbInstanceIdentifier,
        SelectorField::DbClusterIdentifier,
        SelectorField::DbProxyName,
        SelectorField::Endpoint,
    ];

    /// `db_instance_identifier`, `db_cluster_identifier`, `db_proxy_name`, `endpoint`, `role`.
    pub fn name(self) -> &'static str {
        match self {
            SelectorField::DbInstanceIdentifier => "db_instance_identifier",
            SelectorField::DbClusterIdentifier => "db_cluster_identifier",
            SelectorField::DbProxyName => "db_proxy_name",
            SelectorField::Endpoint => "endpoint",
            SelectorField::Role => "role",
        }
    }

    /// The shape a database field's value must have.
    fn check(self, value: &str) -> Result<(), Invalid> {
        match self {
            SelectorField::Endpoint => validate::hostname(value),
            SelectorField::DbInstanceIdentifier
            | SelectorField::DbClusterIdentifier
            | SelectorField::DbProxyName => validate::rds_identifier(value),
            // The role is a choice, not a shape: see `SelectorError::InvalidRole`.
            SelectorField::Role => Ok(()),
        }
    }
}

impl fmt::Display for SelectorField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One field's value, as a program read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Candidate<'a> {
    #[default]
    Unset,
    /// Set, but to a value known only later (a Terraform value unknown until apply): it counts
    /// as set, and its shape is checked once it is known.
    Unknown,
    Set(&'a str),
}

/// Everything that may select a database, before the rule is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SelectorCandidates<'a> {
    pub db_instance_identifier: Candidate<'a>,
    pub db_cluster_identifier: Candidate<'a>,
    pub db_proxy_name: Candidate<'a>,
    pub endpoint: Candidate<'a>,
    pub role: Candidate<'a>,
}

/// Why the candidates select no usable database. Each names the fields it is about, so each
/// program can point at its own attribute or variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("no database selected: set exactly one of {}", names(&SelectorField::DATABASES))]
    NoDatabase,

    /// `fields` in [`SelectorField::DATABASES`] order.
    #[error(
        "several databases selected ({}): set exactly one of {}",
        names(.fields),
        names(&SelectorField::DATABASES)
    )]
    SeveralDatabases { fields: Vec<SelectorField> },

    /// A database field's value does not have the right shape.
    #[error("{field}: {invalid}")]
    InvalidValue {
        field: SelectorField,
        invalid: Invalid,
    },

    /// `role` chooses among a cluster's members, but the database selected is not a cluster.
    #[error("role applies only to db_cluster_identifier, but {database} is set")]
    RoleWithoutCluster { database: SelectorField },

    #[error("{value:?} is not a cluster role: use \"writer\" or \"reader\"")]
    InvalidRole { value: String },

    /// The field that decides the selector is set to a value not known yet.
    #[error("{field} is not known yet")]
    NotKnownYet { field: SelectorField },
}

impl SelectorError {
    /// The fields this error is about, the one to point at first.
    pub fn fields(&self) -> Vec<SelectorField> {
        match self {
            SelectorError::NoDatabase => SelectorField::DATABASES.to_vec(),
            SelectorError::SeveralDatabases { fields } => fields.clone(),
            SelectorError::InvalidValue { field, .. } | SelectorError::NotKnownYet { field } => {
                vec![*field]
            }
            SelectorError::RoleWithoutCluster { database } => {
                vec![SelectorField::Role, *database]
            }
            SelectorError::InvalidRole { .. } => vec![SelectorField::Role],
        }
    }
}

impl<'a> SelectorCandidates<'a> {
    pub fn get(&self, field: SelectorField) -> Candidate<'a> {
        match field {
            SelectorField::DbInstanceIdentifier => self.db_instance_identifier,
            SelectorField::DbClusterIdentifier => self.db_cluster_identifier,
            SelectorField::DbProxyName => self.db_proxy_name,
            SelectorField::Endpoint => self.endpoint,
            SelectorField::Role => self.role,
        }
    }

    /// Every problem at once (for validate-time reporting), in this order: how many databases
    /// are set, each known database value's shape, a role without a cluster, an unknown role.
    /// Values not known yet are not checked. Empty when [`parse_selector`] can only fail with
    /// [`SelectorError::NotKnownYet`].
    pub fn problems(&self) -> Vec<SelectorError> {
        let mut problems = Vec::new();
        let selected = self.selected();
        match &selected {
            // Only values known to be set conflict: one not known yet may turn out null (a
            // module's variable left at its null default is unknown when Terraform validates).
            Err(SelectorError::SeveralDatabases { fields }) => {
                let known: Vec<SelectorField> = fields
                    .iter()
                    .copied()
                    .filter(|field| matches!(self.get(*field), Candidate::Set(_)))
                    .collect();
                if known.len() > 1 {
                    problems.push(SelectorError::SeveralDatabases { fields: known });
                }
            }
            Err(err) => problems.push(err.clone()),
            Ok(_) => {}
        }
        for field in SelectorField::DATABASES {
            if let Candidate::Set(value) = self.get(field)
                && let Err(invalid) = field.check(value)
            {
                problems.push(SelectorError::InvalidValue { field, invalid });
            }
        }
        if let Ok((database, _)) = selected
            && database != SelectorField::DbClusterIdentifier
            && self.role != Candidate::Unset
        {
            problems.push(SelectorError::RoleWithoutCluster { database });
        }
        if let Candidate::Set(value) = self.role
            && value.parse::<ClusterRole>().is_err()
        {
            problems.push(SelectorError::InvalidRole {
                value: value.to_owned(),
            });
        }
        problems
    }

    /// The one database field set, or why there is not exactly one.
    fn selected(&self) -> Result<(SelectorField, Candidate<'a>), SelectorError> {
        let set: Vec<(SelectorField, Candidate<'a>)> = SelectorField::DATABASES
            .into_iter()
            .map(|field| (field, self.get(field)))
            .filter(|(_, candidate)| *candidate != Candidate::Unset)
            .collect();
        match set.as_slice() {
            [] => Err(SelectorError::NoDatabase),
            [one] => Ok(*one),
            several => Err(SelectorError::SeveralDatabases {
                fields: several.iter().map(|(field, _)| *field).collect(),
            }),
        }
    }
}

/// The database the candidates select, or the first of their [problems](SelectorCandidates::problems).
/// A cluster without a role follows its writer.
pub fn parse_selector(
    candidates: &SelectorCandidates<'_>,
) -> Result<DatabaseSelector, SelectorError> {
    if let Some(first) = candidates.problems().into_iter().next() {
        return Err(first);
    }
    let (field, candidate) = candidates.selected().map_err(|err| match err {
        // Several, of which at most one is known: the others are not known yet.
        SelectorError::SeveralDatabases { fields } => SelectorError::NotKnownYet {
            field: fields
                .into_iter()
                .find(|field| candidates.get(*field) == Candidate::Unknown)
                .unwrap_or(SelectorField::DbInstanceIdentifier),
        },
        other => other,
    })?;
    let Candidate::Set(value) = candidate else {
        return Err(SelectorError::NotKnownYet { field });
    };
    let value = value.to_owned();
    Ok(match field {
        SelectorField::DbInstanceIdentifier => DatabaseSelector::Instance(value),
        SelectorField::DbClusterIdentifier => DatabaseSelector::Cluster {
            identifier: value,
            role: match candidates.role {
                Candidate::Unset => ClusterRole::default(),
                Candidate::Unknown => {
                    return Err(SelectorError::NotKnownYet {
                        field: SelectorField::Role,
                    });
                }
                Candidate::Set(text) => text
                    .parse()
                    .map_err(|_| SelectorError::InvalidRole { value: text.into() })?,
            },
        },
        SelectorField::DbProxyName => DatabaseSelector::Proxy(value),
        // `selected` picks among DATABASES only, so `Role` never names the database.
        SelectorField::Endpoint | SelectorField::Role => DatabaseSelector::Endpoint(value),
    })
}

fn names(fields: &[SelectorField]) -> String {
    fields
        .iter()
        .map(|field| field.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    use Candidate::{Set, Unknown};

    fn cluster(identifier: &str, role: ClusterRole) -> DatabaseSelector {
        DatabaseSelector::Cluster {
            identifier: identifier.into(),
            role,
        }
    }

    #[test]
    fn each_database_field_selects_its_kind() {
        let cases = [
            (
                SelectorCandidates {
                    db_instance_identifier: Set("orders"),
                    ..Default::default()
                },
                DatabaseSelector::Instance("orders".into()),
            ),
            (
                SelectorCandidates {
                    db_cluster_identifier: Set("orders"),
                    ..Default::default()
                },
                cluster("orders", ClusterRole::Writer),
            ),
            (
                SelectorCandidates {
                    db_cluster_identifier: Set("orders"),
                    role: Set("reader"),
                    ..Default::default()
                },
                cluster("orders", ClusterRole::Reader),
            ),
            (
                SelectorCandidates {
                    db_proxy_name: Set("orders-proxy"),
                    ..Default::default()
                },
                DatabaseSelector::Proxy("orders-proxy".into()),
            ),
            (
                SelectorCandidates {
                    endpoint: Set("db.example.internal"),
                    ..Default::default()
                },
                DatabaseSelector::Endpoint("db.example.internal".into()),
            ),
        ];
        for (candidates, expected) in cases {
            assert_eq!(parse_selector(&candidates), Ok(expected));
        }
    }

    #[test]
    fn exactly_one_database_must_be_set() {
        assert_eq!(
            parse_selector(&SelectorCandidates::default()),
            Err(SelectorError::NoDatabase)
        );
        let two = SelectorCandidates {
            endpoint: Set("db.example"),
            db_instance_identifier: Set("orders"),
            db_proxy_name: Unknown,
            ..Default::default()
        };
        assert_eq!(
            parse_selector(&two),
            Err(SelectorError::SeveralDatabases {
                fields: vec![SelectorField::DbInstanceIdentifier, SelectorField::Endpoint]
            })
        );
    }

    /// A value not known yet may turn out null, as a module's variable left at its null default
    /// does (Terraform validates a module with its variables unknown): no conflict until it is
    /// known, as terraform-plugin-framework's conflict validators skip unknown values.
    #[test]
    fn a_value_not_known_yet_is_no_conflict_until_it_is_known() {
        let one_known = SelectorCandidates {
            db_cluster_identifier: Set("orders"),
            db_instance_identifier: Unknown,
            db_proxy_name: Unknown,
            ..Default::default()
        };
        assert_eq!(one_known.problems(), Vec::new());
        assert_eq!(
            parse_selector(&one_known),
            Err(SelectorError::NotKnownYet {
                field: SelectorField::DbInstanceIdentifier
            })
        );
        let none_known = SelectorCandidates {
            db_cluster_identifier: Unknown,
            db_instance_identifier: Unknown,
            ..Default::default()
        };
        assert_eq!(none_known.problems(), Vec::new());
    }

    #[test]
    fn a_role_needs_a_cluster_and_must_be_writer_or_reader() {
        let instance_with_role = SelectorCandidates {
            db_instance_identifier: Set("orders"),
            role: Set("writer"),
            ..Default::default()
        };
        let err = parse_selector(&instance_with_role).unwrap_err();
        assert_eq!(
            err,
            SelectorError::RoleWithoutCluster {
                database: SelectorField::DbInstanceIdentifier
            }
        );
        assert_eq!(
            err.fields(),
            [SelectorField::Role, SelectorField::DbInstanceIdentifier]
        );

        let bad_role = SelectorCandidates {
            db_cluster_identifier: Set("orders"),
            role: Set("primary"),
            ..Default::default()
        };
        assert_eq!(
            parse_selector(&bad_role),
            Err(SelectorError::InvalidRole {
                value: "primary".into()
            })
        );
    }

    #[test]
    fn values_are_checked_with_the_shared_validators() {
        let candidates = SelectorCandidates {
            db_cluster_identifier: Set("1-orders--"),
            ..Default::default()
        };
        let err = parse_selector(&candidates).unwrap_err();
        assert!(
            matches!(
                &err,
                SelectorError::InvalidValue { field: SelectorField::DbClusterIdentifier, invalid }
                    if invalid.value == "1-orders--"
            ),
            "{err:?}"
        );
        let candidates = SelectorCandidates {
            endpoint: Set("http://db:5432"),
            ..Default::default()
        };
        assert!(matches!(
            parse_selector(&candidates),
            Err(SelectorError::InvalidValue {
                field: SelectorField::Endpoint,
                ..
            })
        ));
    }

    #[test]
    fn every_problem_is_reported_at_once_in_a_stable_order() {
        let candidates = SelectorCandidates {
            db_instance_identifier: Set("orders_db"),
            db_proxy_name: Set("-proxy"),
            role: Set("primary"),
            ..Default::default()
        };
        let problems = candidates.problems();
        let fields: Vec<Vec<SelectorField>> = problems.iter().map(SelectorError::fields).collect();
        assert_eq!(
            fields,
            [
                vec![
                    SelectorField::DbInstanceIdentifier,
                    SelectorField::DbProxyName
                ],
                vec![SelectorField::DbInstanceIdentifier],
                vec![SelectorField::DbProxyName],
                vec![SelectorField::Role],
            ],
            "{problems:?}"
        );

        // One database, a role, and a bad role: both role problems.
        let candidates = SelectorCandidates {
            db_instance_identifier: Set("orders"),
            role: Set("primary"),
            ..Default::default()
        };
        assert_eq!(
            candidates.problems(),
            [
                SelectorError::RoleWithoutCluster {
                    database: SelectorField::DbInstanceIdentifier
                },
                SelectorError::InvalidRole {
                    value: "primary".into()
                },
            ]
        );
    }

    #[test]
    fn unknown_values_count_as_set_and_are_not_checked() {
        let candidates = SelectorCandidates {
            db_cluster_identifier: Unknown,
            role: Unknown,
            ..Default::default()
        };
        assert!(candidates.problems().is_empty());
        assert_eq!(
            parse_selector(&candidates),
            Err(SelectorError::NotKnownYet {
                field: SelectorField::DbClusterIdentifier
            })
        );
        let role_unknown = SelectorCandidates {
            db_cluster_identifier: Set("orders"),
            role: Unknown,
            ..Default::default()
        };
        assert_eq!(
            parse_selector(&role_unknown),
            Err(SelectorError::NotKnownYet {
                field: SelectorField::Role
            })
        );
        // An unknown role still cannot go with an instance.
        let instance = SelectorCandidates {
            db_instance_identifier: Set("orders"),
            role: Unknown,
            ..Default::default()
        };
        assert!(matches!(
            parse_selector(&instance),
            Err(SelectorError::RoleWithoutCluster { .. })
        ));
    }

    #[test]
    fn messages_name_the_fields() {
        let err = SelectorError::SeveralDatabases {
            fields: vec![SelectorField::DbInstanceIdentifier, SelectorField::Endpoint],
        };
        assert!(
            err.to_string()
                .starts_with("several databases selected (db_instance_identifier, endpoint)"),
            "{err}"
        );
    }
}
