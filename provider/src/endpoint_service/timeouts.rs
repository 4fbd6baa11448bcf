//! The `timeouts` block: Go-style durations ("30s", "10m", "1h30m"), defaulting to 10 minutes.

use std::time::Duration;

use super::model::{Field, Operation, Timeouts};

pub const DEFAULT: Duration = Duration::from_secs(600);

/// The timeout configured for `operation`, or the default.
pub fn of(block: &Field<Timeouts>, operation: Operation) -> Duration {
    Timeouts::of(block, operation)
        .as_deref()
        .and_then(|text| parse(text).ok())
        .unwrap_or(DEFAULT)
}

/// Parses `1h30m`, `10m`, `45s`, `1m30s`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let invalid = || format!("{text:?} is not a duration (use e.g. \"30s\", \"10m\", \"1h30m\")");
    if text.is_empty() {
        return Err(invalid());
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(invalid()),
        };
        let amount: u64 = digits.parse().map_err(|_| invalid())?;
        total = total
            .checked_add(amount.checked_mul(unit).ok_or_else(invalid)?)
            .ok_or_else(invalid)?;
        digits.clear();
    }
    if !digits.is_empty() || total == 0 {
        return Err(invalid());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("45s"), Ok(Duration::from_secs(45)));
        for bad in ["", "10", "m", "10x", "0s", "-1m"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn configured_or_default() {
        let block = Field::Known(Timeouts {
            create: Field::Known("20m".into()),
            ..Timeouts::default()
        });
        assert_eq!(of(&block, Operation::Create), Duration::from_secs(1200));
        assert_eq!(of(&block, Operation::Delete), DEFAULT);
        assert_eq!(of(&Field::Null, Operation::Update), DEFAULT);
    }
}
