//! Pure validators for what people type: region and partition names, ARNs (IAM roles, ELBv2
//! target groups), `ip:port` addresses, endpoint URLs, RDS identifiers and hostnames. No AWS call:
//! a value that passes has the right *shape*, not necessarily an existing object behind it.
//!
//! The provider (Terraform attributes) and the sync Lambda (environment variables) both check
//! their input here, so they accept and reject the same values. Each failure is an [`Invalid`]
//! whose text reads as a sentence about the value (`"us-east" is not an AWS region name ...`);
//! each program adds where the value came from (an attribute path, a variable name).
//!
//! Where the programs used to disagree the more permissive *correct* rule won: partitions and
//! regions follow the shapes of the AWS SDK's partition table (`regionRegex` in the SDK's
//! `endpoint_lib`), so new regions and partitions such as the AWS European Sovereign Cloud
//! (`aws-eusc`, `eusc-de-east-1`) pass without a code change.
//!
//! A little over 500 lines because of its tests, which pin every partition and every shape.

use std::net::{IpAddr, SocketAddr};

/// A value that does not have the shape it must have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} {problem}")]
pub struct Invalid {
    /// The value as given.
    pub value: String,
    /// What is wrong with it, phrased to follow the quoted value ("is not an AWS region name").
    pub problem: String,
}

impl Invalid {
    fn new(value: &str, problem: impl Into<String>) -> Self {
        Invalid {
            value: value.to_owned(),
            problem: problem.into(),
        }
    }
}

/// Callers whose errors are plain sentences (the provider's diagnostics) can use `?`.
impl From<Invalid> for String {
    fn from(invalid: Invalid) -> Self {
        invalid.to_string()
    }
}

/// AWS partition names: `aws`, or `aws-` followed by lowercase words: `aws-cn`, `aws-us-gov`,
/// `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`, `aws-eusc`, and partitions yet to come.
pub fn partition(value: &str) -> Result<(), Invalid> {
    let well_formed = value == "aws"
        || value
            .strip_prefix("aws-")
            .is_some_and(|rest| rest.split('-').all(is_lower_alnum_word));
    if well_formed {
        Ok(())
    } else {
        Err(Invalid::new(
            value,
            "is not an AWS partition (expected aws, aws-cn, aws-us-gov, aws-eusc, ...)",
        ))
    }
}

/// AWS region names: `us-east-1`, `eu-west-1`, `cn-north-1`, `us-gov-west-1`, `us-iso-east-1`,
/// `us-isob-east-1`, `eu-isoe-west-1`, `eusc-de-east-1`, `ap-southeast-5`, `il-central-1`.
///
/// The shape every partition's `regionRegex` shares: a lowercase area code of at least two
/// letters (`us`, `cn`, `eusc`), one or more lowercase words, and a number.
pub fn region(value: &str) -> Result<(), Invalid> {
    let words: Vec<&str> = value.split('-').collect();
    let well_formed = match words.as_slice() {
        [area, middle @ .., number] if !middle.is_empty() => {
            area.len() >= 2
                && area.bytes().all(|b| b.is_ascii_lowercase())
                && middle.iter().all(|word| is_lower_alnum_word(word))
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    };
    if well_formed {
        Ok(())
    } else {
        Err(Invalid::new(
            value,
            "is not an AWS region name (expected something like \"eu-west-1\")",
        ))
    }
}

/// The parts of an ARN, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, checked for shape: a
/// partition name, a service, a 12-digit account or nothing, and a resource. The region is left
/// to the callers that need one (global services such as IAM have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    /// Empty for global services (IAM).
    pub region: &'a str,
    /// Empty for AWS-owned resources (managed policies).
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(value: &'a str) -> Result<Self, Invalid> {
        let malformed = || {
            Invalid::new(
                value,
                "is not an ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)",
            )
        };
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        let [
            "arn",
            partition_name,
            service,
            region_name,
            account,
            resource,
        ] = parts.as_slice()
        else {
            return Err(malformed());
        };
        if partition(partition_name).is_err() {
            return Err(Invalid::new(
                value,
                format!("has an unknown partition {partition_name:?}"),
            ));
        }
        if service.is_empty() || resource.is_empty() {
            return Err(malformed());
        }
        if !account.is_empty() && !is_account_id(account) {
            return Err(Invalid::new(
                value,
                format!("has an invalid account id {account:?} (12 digits expected)"),
            ));
        }
        Ok(Arn {
            partition: partition_name,
            service,
            region: region_name,
            account,
            resource,
        })
    }
}

/// An IAM role ARN: `arn:<partition>:iam::<12-digit account>:role/<path/name>`.
pub fn iam_role_arn(value: &str) -> Result<(), Invalid> {
    let arn = Arn::parse(value)?;
    let named = arn
        .resource
        .strip_prefix("role/")
        .is_some_and(|name| !name.is_empty());
    if arn.service != "iam" || !named {
        return Err(Invalid::new(
            value,
            "is not an IAM role ARN (expected arn:aws:iam::111111111111:role/NAME)",
        ));
    }
    Ok(())
}

/// An ELBv2 target group ARN:
/// `arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetGroupArn(String);

impl TargetGroupArn {
    /// Checks the ARN's shape (not that the target group exists).
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let arn = Arn::parse(value)?;
        let problem = |problem: String| Err(Invalid::new(value, problem));
        if arn.service != "elasticloadbalancing" {
            return problem(format!(
                "is not a target group ARN: its service is {:?}, not elasticloadbalancing",
                arn.service
            ));
        }
        if let Err(invalid) = region(arn.region) {
            return problem(format!(
                "is not a target group ARN: {:?} {}",
                arn.region, invalid.problem
            ));
        }
        if !is_account_id(arn.account) {
            return problem(format!(
                "is not a target group ARN: account {:?} is not a 12-digit account id",
                arn.account
            ));
        }
        let mut path = arn.resource.split('/');
        let (Some("targetgroup"), Some(name), Some(id), None) =
            (path.next(), path.next(), path.next(), path.next())
        else {
            return problem(
                "is not a target group ARN: its resource is not targetgroup/<name>/<id>".to_owned(),
            );
        };
        if !is_target_group_name(name) {
            return problem(format!(
                "is not a target group ARN: name {name:?} must be 1-32 letters, digits or \
                 hyphens, not starting or ending with a hyphen"
            ));
        }
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return problem(format!(
                "is not a target group ARN: id {id:?} is not hexadecimal"
            ));
        }
        Ok(TargetGroupArn(value.to_owned()))
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

/// A DNS server address `ip:port` (IPv6 as `[::1]:53`).
pub fn nameserver(value: &str) -> Result<SocketAddr, Invalid> {
    value.parse::<SocketAddr>().map_err(|_| {
        let hint = if value.parse::<IpAddr>().is_ok() {
            " (the port is missing: use ip:port, e.g. \"10.0.0.2:53\")"
        } else {
            " (expected ip:port, e.g. \"10.0.0.2:53\"; [v6]:port for IPv6)"
        };
        Invalid::new(value, format!("is not a DNS server address{hint}"))
    })
}

/// An endpoint URL: absolute http(s) URL with a host.
pub fn endpoint_url(value: &str) -> Result<(), Invalid> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| Invalid::new(value, "is not an http:// or https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(Invalid::new(value, "has no host"));
    }
    Ok(())
}

/// RDS instance and cluster identifiers and proxy names: 1-63 letters, digits or hyphens; first a
/// letter; no trailing hyphen and no two consecutive hyphens.
pub fn rds_identifier(value: &str) -> Result<(), Invalid> {
    let first_is_letter = value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic());
    let charset_ok = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if value.is_empty()
        || value.len() > 63
        || !first_is_letter
        || !charset_ok
        || value.ends_with('-')
        || value.contains("--")
    {
        return Err(Invalid::new(
            value,
            "is not an RDS identifier (1-63 letters, digits or hyphens, starting with a letter, \
             no trailing or double hyphen)",
        ));
    }
    Ok(())
}

/// A DNS hostname (not an IP address, not a URL).
pub fn hostname(value: &str) -> Result<(), Invalid> {
    let name = value.strip_suffix('.').unwrap_or(value);
    let labels_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !labels_ok || name.parse::<IpAddr>().is_ok() {
        return Err(Invalid::new(
            value,
            "is not a hostname (expected a DNS name such as \"db.example.internal\")",
        ));
    }
    Ok(())
}

fn is_lower_alnum_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn is_account_id(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
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

    /// Every partition of the SDK's partition table, and one region of each.
    const PARTITION_REGIONS: [(&str, &str); 8] = [
        ("aws", "us-east-1"),
        ("aws-cn", "cn-north-1"),
        ("aws-us-gov", "us-gov-west-1"),
        ("aws-iso", "us-iso-east-1"),
        ("aws-iso-b", "us-isob-east-1"),
        ("aws-iso-e", "eu-isoe-west-1"),
        ("aws-iso-f", "us-isof-south-1"),
        ("aws-eusc", "eusc-de-east-1"),
    ];

    #[test]
    fn every_partition_and_its_regions_are_accepted() {
        for (partition_name, region_name) in PARTITION_REGIONS {
            assert!(partition(partition_name).is_ok(), "{partition_name}");
            assert!(region(region_name).is_ok(), "{region_name}");
            let role = format!("arn:{partition_name}:iam::111111111111:role/rdslink");
            assert!(iam_role_arn(&role).is_ok(), "{role}");
            let group = format!(
                "arn:{partition_name}:elasticloadbalancing:{region_name}:123456789012:\
                 targetgroup/rdslink-db/0123456789abcdef"
            );
            assert!(TargetGroupArn::parse(&group).is_ok(), "{group}");
        }
    }

    #[test]
    fn partitions() {
        for bad in ["", "amazon", "aws-", "aws--cn", "AWS", "aws-CN", "nope"] {
            assert!(partition(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-west-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-5",
            "us-isob-east-1",
            "eusc-de-east-1",
            "il-central-1",
            "mx-central-1",
        ] {
            assert!(region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1a",
            "eu west 1",
            "u-east-1",
            "useast",
            "us--1",
            "mars-1",
        ] {
            assert!(region(bad).is_err(), "{bad}");
        }
        let message = region("us-east").unwrap_err().to_string();
        assert_eq!(
            message,
            "\"us-east\" is not an AWS region name (expected something like \"eu-west-1\")"
        );
    }

    #[test]
    fn role_arns() {
        assert!(iam_role_arn("arn:aws:iam::111111111111:role/x").is_ok());
        assert!(iam_role_arn("arn:aws:iam::111111111111:role/path/to/x").is_ok());
        assert!(iam_role_arn("arn:aws:iam::111111111111:user/x").is_err());
        assert!(iam_role_arn("arn:aws:iam::1111:role/x").is_err());
        assert!(iam_role_arn("arn:aws:iam::111111111111:role/").is_err());
        assert!(iam_role_arn("arn:nope:iam::111111111111:role/x").is_err());
        assert!(iam_role_arn("not-an-arn").is_err());
        let message = iam_role_arn("arn:nope:iam::111111111111:role/x")
            .unwrap_err()
            .to_string();
        assert!(message.contains("unknown partition \"nope\""), "{message}");
    }

    #[test]
    fn arn_parts() {
        let arn = Arn::parse("arn:aws-eusc:iam::111111111111:root").unwrap();
        assert_eq!(
            arn,
            Arn {
                partition: "aws-eusc",
                service: "iam",
                region: "",
                account: "111111111111",
                resource: "root",
            }
        );
        // The resource keeps its colons.
        let arn = Arn::parse("arn:aws:logs:us-east-1:123456789012:log-group:/x:*").unwrap();
        assert_eq!(arn.resource, "log-group:/x:*");
        assert!(Arn::parse("arn:aws:iam::111111111111").is_err());
        assert!(Arn::parse("arn:aws::us-east-1:111111111111:x").is_err());
    }

    #[test]
    fn target_group_arn_shapes() {
        let good = [
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rdslink-db/0123456789abcdef",
            "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/a/1",
            "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/x-y-32/deadbeef",
        ];
        for arn in good {
            let parsed = TargetGroupArn::parse(arn).expect(arn);
            assert_eq!(parsed.as_str(), arn);
            assert_eq!(parsed.to_string(), arn);
        }
        let bad = [
            "",
            "arn:aws:s3:::bucket",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb/0123456789abcdef",
            "arn:aws:elasticloadbalancing:us-east-1:12345:targetgroup/tg/0123456789abcdef",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/-tg/0123",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/xyz",
            "arn:aws:elasticloadbalancing:useast:123456789012:targetgroup/tg/0123",
            "arn:aws:elasticloadbalancing::123456789012:targetgroup/tg/0123",
            "arn:amazon:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/a-name-that-is-longer-than-32-chars/0123",
        ];
        for arn in bad {
            assert!(TargetGroupArn::parse(arn).is_err(), "{arn}");
        }
    }

    #[test]
    fn nameservers() {
        assert_eq!(nameserver("127.0.0.1:5353").unwrap().port(), 5353);
        assert!(nameserver("[::1]:53").is_ok());
        assert!(
            nameserver("127.0.0.1")
                .unwrap_err()
                .to_string()
                .contains("port is missing")
        );
        assert!(nameserver("dns.example:53").is_err());
        assert!(nameserver("127.0.0.1:99999").is_err());
        assert!(nameserver("").is_err());
    }

    #[test]
    fn urls() {
        assert!(endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(endpoint_url("https://rds.eu-west-1.amazonaws.com/").is_ok());
        assert!(endpoint_url("127.0.0.1:5000").is_err());
        assert!(endpoint_url("http://").is_err());
    }

    #[test]
    fn identifiers() {
        for ok in ["orders", "a", "orders-db-1", &"a".repeat(63)] {
            assert!(rds_identifier(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1orders",
            "orders-",
            "or--ders",
            "orders_db",
            &"a".repeat(64),
        ] {
            assert!(rds_identifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hostnames() {
        assert!(hostname("orders.cluster-abc.eu-west-1.rds.amazonaws.com").is_ok());
        assert!(hostname("db.internal.").is_ok());
        assert!(hostname("10.0.0.1").is_err());
        assert!(hostname("http://db").is_err());
        assert!(hostname("").is_err());
        assert!(hostname("-db.example").is_err());
    }

    #[test]
    fn messages_quote_the_value_first() {
        let invalid = rds_identifier("1orders").unwrap_err();
        assert_eq!(invalid.value, "1orders");
        assert!(
            invalid.to_string().starts_with("\"1orders\" is not"),
            "{invalid}"
        );
        assert_eq!(String::from(invalid.clone()), invalid.to_string());
    }
}
