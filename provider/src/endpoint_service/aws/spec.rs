//! What the user asked for, the names and tags derived from it, and the checks AWS would make
//! late (after something was created) or not at all.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{Error, Result};
use super::network::Network;

/// The tag rdslink puts on every part of a bundle, valued with the bundle's `name`. It finds the
/// leftovers of an interrupted apply (to adopt them instead of duplicating them) and everything a
/// delete must remove.
pub const OWNERSHIP_TAG: &str = "rdslink:endpoint-service";

/// Prefix of the load balancer's and the target group's names.
pub const NAME_PREFIX: &str = "rdslink-";

/// Longest `name`: the derived names must fit AWS's 32 characters.
pub const MAX_NAME_LEN: usize = 24;

/// AWS allows 50 user tags per load balancer, target group, listener and endpoint service; the
/// ownership tag takes one.
pub const MAX_TAGS: usize = 49;

/// Active TCP health checks of the target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthCheck {
    /// 5..=300
    pub interval_seconds: i32,
    /// 2..=10
    pub healthy_threshold: i32,
    /// 2..=10
    pub unhealthy_threshold: i32,
}

impl HealthCheck {
    /// The health check timeout rdslink sets: AWS's TCP default (10 s), but always shorter than
    /// the interval, which AWS requires (a 5 s interval with the 10 s default is refused).
    pub fn timeout_seconds(&self) -> i32 {
        (self.interval_seconds - 1).clamp(2, 10)
    }
}

/// One bundle as the configuration describes it (validated by the Terraform glue, checked again
/// by [`BundleSpec::validate`] before anything is created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleSpec {
    /// 1..=24 characters of `[a-z0-9-]`, not starting or ending with `-`, no `--`.
    pub name: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    /// The listener's port and the targets' port (the database's port).
    pub port: u16,
    pub cross_zone_load_balancing: bool,
    pub health_check: HealthCheck,
    /// 0..=3600
    pub deregistration_delay_seconds: i32,
    pub terminate_connections_on_deregistration: bool,
    /// IAM principal ARNs allowed to create endpoints to the service, or `*`.
    pub allowed_principals: Vec<String>,
    pub acceptance_required: bool,
    /// Other regions whose consumers may reach the service through cross-region PrivateLink
    /// (the service's own region always may), sorted.
    pub supported_regions: Vec<String>,
    /// Provider default tags and resource tags, merged. The ownership tag is added on top.
    pub tags: BTreeMap<String, String>,
}

impl BundleSpec {
    /// The network the bundle goes into.
    pub fn network(&self) -> Network<'_> {
        Network {
            vpc_id: &self.vpc_id,
            subnet_ids: &self.subnet_ids,
            security_group_ids: &self.security_group_ids,
        }
    }

    /// `rdslink-{name}`
    pub fn load_balancer_name(&self) -> String {
        aws_name(&self.name)
    }

    /// `rdslink-{name}`
    pub fn target_group_name(&self) -> String {
        aws_name(&self.name)
    }

    /// The tags every part carries: the configured ones plus the ownership tag.
    pub fn part_tags(&self) -> BTreeMap<String, String> {
        with_ownership(&self.tags, &self.name)
    }

    /// The principals, deduplicated and sorted.
    pub fn principal_set(&self) -> BTreeSet<String> {
        self.allowed_principals.iter().cloned().collect()
    }

    /// Everything that can be checked without asking AWS.
    pub fn validate(&self) -> Result<()> {
        validate_name(&self.name).map_err(|message| invalid("name", message))?;
        if self.port == 0 {
            return Err(invalid("port", "0 is not a port; use 1-65535".into()));
        }
        if self.vpc_id.trim().is_empty() {
            return Err(invalid("vpc_id", "is empty".into()));
        }
        if self.subnet_ids.is_empty() {
            return Err(invalid(
                "subnet_ids",
                "is empty: a load balancer needs at least one subnet (one per availability zone)"
                    .into(),
            ));
        }
        no_duplicates("subnet_ids", &self.subnet_ids)?;
        no_duplicates("security_group_ids", &self.security_group_ids)?;
        no_duplicates("allowed_principals", &self.allowed_principals)?;
        in_range(
            "health_check.interval_seconds",
            self.health_check.interval_seconds,
            5,
            300,
        )?;
        in_range(
            "health_check.healthy_threshold",
            self.health_check.healthy_threshold,
            2,
            10,
        )?;
        in_range(
            "health_check.unhealthy_threshold",
            self.health_check.unhealthy_threshold,
            2,
            10,
        )?;
        in_range(
            "deregistration_delay_seconds",
            self.deregistration_delay_seconds,
            0,
            3600,
        )?;
        for principal in &self.allowed_principals {
            if principal != "*" && !principal.starts_with("arn:") {
                return Err(invalid(
                    "allowed_principals",
                    format!(
                        "{principal:?} is neither an IAM principal ARN (arn:aws:iam::111111111111:root) nor \"*\""
                    ),
                ));
            }
        }
        validate_tags(&self.tags, &self.name)
    }
}

/// The AWS name of the load balancer and the target group of bundle `name`.
pub fn aws_name(name: &str) -> String {
    format!("{NAME_PREFIX}{name}")
}

/// `tags` plus the ownership tag for `name`.
pub fn with_ownership(tags: &BTreeMap<String, String>, name: &str) -> BTreeMap<String, String> {
    let mut tags = tags.clone();
    tags.insert(OWNERSHIP_TAG.to_owned(), name.to_owned());
    tags
}

/// A bundle name: it becomes part of AWS names, which allow letters, digits and single hyphens
/// inside, 32 characters at most.
pub fn validate_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!("{name:?} must have 1 to {MAX_NAME_LEN} characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "{name:?} may contain only lowercase letters, digits and hyphens"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err(format!(
            "{name:?} must not start or end with a hyphen or contain two in a row"
        ));
    }
    Ok(())
}

fn validate_tags(tags: &BTreeMap<String, String>, name: &str) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(invalid(
            "tags",
            format!(
                "{} tags (provider default_tags included) exceed AWS's limit of {MAX_TAGS} plus rdslink's own",
                tags.len()
            ),
        ));
    }
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(invalid(
                "tags",
                format!("{key:?}: keys must have 1 to 128 characters and values at most 256"),
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid(
                "tags",
                format!("{key:?}: the aws: prefix is reserved for AWS"),
            ));
        }
        if key == OWNERSHIP_TAG && value != name {
            return Err(invalid(
                "tags",
                format!(
                    "{OWNERSHIP_TAG} is set by rdslink to the resource's name ({name:?}); remove it from the tags"
                ),
            ));
        }
    }
    Ok(())
}

fn invalid(field: &'static str, message: String) -> Error {
    Error::InvalidSpec { field, message }
}

fn in_range(field: &'static str, value: i32, min: i32, max: i32) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(invalid(field, format!("{value} is outside {min}..={max}")))
    }
}

fn no_duplicates(field: &'static str, values: &[String]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for value in values {
        if !seen.insert(value) {
            return Err(invalid(field, format!("{value:?} is listed twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn spec() -> BundleSpec {
        BundleSpec {
            name: "orders".into(),
            vpc_id: "vpc-1".into(),
            subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            security_group_ids: vec![],
            port: 5432,
            cross_zone_load_balancing: true,
            health_check: HealthCheck {
                interval_seconds: 10,
                healthy_threshold: 3,
                unhealthy_threshold: 3,
            },
            deregistration_delay_seconds: 30,
            terminate_connections_on_deregistration: true,
            allowed_principals: vec!["arn:aws:iam::111111111111:root".into()],
            acceptance_required: false,
            supported_regions: Vec::new(),
            tags: BTreeMap::from([("team".into(), "data".into())]),
        }
    }

    #[test]
    fn a_sensible_spec_is_valid_and_derives_names_within_aws_limits() {
        let mut spec = spec();
        spec.name = "a".repeat(MAX_NAME_LEN);
        spec.validate().unwrap();
        assert_eq!(spec.load_balancer_name().len(), 32);
        assert_eq!(spec.target_group_name(), format!("rdslink-{}", spec.name));
    }

    #[test]
    fn names_aws_would_refuse_are_refused() {
        for name in [
            "",
            "Orders",
            "orders_db",
            "-orders",
            "orders-",
            "or--ders",
            &"a".repeat(25),
        ] {
            assert!(validate_name(name).is_err(), "{name:?} accepted");
        }
        assert!(validate_name("orders-db-2").is_ok());
    }

    #[test]
    fn ranges_duplicates_and_reserved_tags_are_refused() {
        type Mutation = Box<dyn Fn(&mut BundleSpec)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("port", Box::new(|s| s.port = 0)),
            ("subnet_ids", Box::new(|s| s.subnet_ids.clear())),
            (
                "subnet_ids",
                Box::new(|s| s.subnet_ids.push("subnet-1".into())),
            ),
            (
                "health_check.interval_seconds",
                Box::new(|s| s.health_check.interval_seconds = 4),
            ),
            (
                "health_check.unhealthy_threshold",
                Box::new(|s| s.health_check.unhealthy_threshold = 11),
            ),
            (
                "deregistration_delay_seconds",
                Box::new(|s| s.deregistration_delay_seconds = 3601),
            ),
            (
                "allowed_principals",
                Box::new(|s| s.allowed_principals.push("111111111111".into())),
            ),
            (
                "tags",
                Box::new(|s| {
                    s.tags.insert("aws:cloudformation:stack".into(), "x".into());
                }),
            ),
            (
                "tags",
                Box::new(|s| {
                    s.tags.insert(OWNERSHIP_TAG.into(), "someone-else".into());
                }),
            ),
        ];
        for (field, mutate) in cases {
            let mut spec = spec();
            mutate(&mut spec);
            match spec.validate() {
                Err(Error::InvalidSpec { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn health_check_timeout_is_shorter_than_the_interval() {
        for interval in 5..=300 {
            let check = HealthCheck {
                interval_seconds: interval,
                healthy_threshold: 3,
                unhealthy_threshold: 3,
            };
            let timeout = check.timeout_seconds();
            assert!(
                (2..=10).contains(&timeout) && timeout < interval,
                "{interval} -> {timeout}"
            );
        }
    }

    #[test]
    fn every_part_carries_the_ownership_tag() {
        let tags = spec().part_tags();
        assert_eq!(tags.get(OWNERSHIP_TAG).map(String::as_str), Some("orders"));
        assert_eq!(tags.get("team").map(String::as_str), Some("data"));
    }
}
