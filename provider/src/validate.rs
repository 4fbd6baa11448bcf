//! Pure validators for user input. Each returns a sentence that completes "… is invalid: <reason>" so
//! callers can attach it to the attribute that carried the value.

use std::net::{IpAddr, SocketAddr};

/// AWS region names: `us-east-1`, `eu-west-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`,
/// `ap-southeast-5`, `il-central-1`, `mx-central-1`.
pub fn region(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an AWS region name (expected something like \"eu-west-1\")"
        ))
    }
}

/// An IAM role ARN: `arn:<partition>:iam::<12-digit account>:role/<path/name>`.
pub fn iam_role_arn(value: &str) -> Result<(), String> {
    let arn = Arn::parse(value)?;
    if arn.service != "iam" || !arn.resource.starts_with("role/") || arn.resource.len() <= 5 {
        return Err(format!(
            "{value:?} is not an IAM role ARN (expected arn:aws:iam::111111111111:role/NAME)"
        ));
    }
    Ok(())
}

/// A DNS server address `ip:port` (IPv6 as `[::1]:53`).
pub fn nameserver(value: &str) -> Result<SocketAddr, String> {
    value.parse::<SocketAddr>().map_err(|_| {
        let hint = if value.parse::<IpAddr>().is_ok() {
            " (the port is missing: use ip:port, e.g. \"10.0.0.2:53\")"
        } else {
            " (expected ip:port, e.g. \"10.0.0.2:53\")"
        };
        format!("{value:?} is not a DNS server address{hint}")
    })
}

/// An endpoint URL: absolute http(s) URL with a host.
pub fn endpoint_url(value: &str) -> Result<(), String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| format!("{value:?} is not an http:// or https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("{value:?} has no host"));
    }
    Ok(())
}

/// RDS instance and cluster identifiers: 1-63 letters, digits or hyphens; first a letter; no
/// trailing hyphen and no two consecutive hyphens.
pub fn rds_identifier(value: &str) -> Result<(), String> {
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
        return Err(format!(
            "{value:?} is not an RDS identifier (1-63 letters, digits or hyphens, starting with a letter, \
             no trailing or double hyphen)"
        ));
    }
    Ok(())
}

/// A DNS hostname (not an IP address, not a URL).
pub fn hostname(value: &str) -> Result<(), String> {
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
        return Err(format!(
            "{value:?} is not a hostname (expected a DNS name such as \"db.example.internal\")"
        ));
    }
    Ok(())
}

/// The parts of an ARN that validators look at.
pub struct Arn<'a> {
    pub service: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(value: &'a str) -> Result<Self, String> {
        let mut parts = value.splitn(6, ':');
        let malformed = || {
            format!(
                "{value:?} is not an ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
            )
        };
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(_region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(malformed());
        };
        if !matches!(
            partition,
            "aws"
                | "aws-cn"
                | "aws-us-gov"
                | "aws-iso"
                | "aws-iso-b"
                | "aws-iso-e"
                | "aws-iso-f"
                | "aws-eusc"
        ) {
            return Err(format!("{value:?} has an unknown partition {partition:?}"));
        }
        if service.is_empty() || resource.is_empty() {
            return Err(malformed());
        }
        if !account.is_empty()
            && (account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!(
                "{value:?} has an invalid account id {account:?} (12 digits expected)"
            ));
        }
        Ok(Arn {
            service,
            account,
            resource,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-west-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-5",
            "us-isob-east-1",
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
        ] {
            assert!(region(bad).is_err(), "{bad}");
        }
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
    }

    #[test]
    fn nameservers() {
        assert_eq!(nameserver("127.0.0.1:5353").unwrap().port(), 5353);
        assert!(nameserver("[::1]:53").is_ok());
        assert!(
            nameserver("127.0.0.1")
                .unwrap_err()
                .contains("port is missing")
        );
        assert!(nameserver("dns.example:53").is_err());
        assert!(nameserver("127.0.0.1:99999").is_err());
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
}
