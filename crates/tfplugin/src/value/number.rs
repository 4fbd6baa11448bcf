//! Arbitrary-precision decimal numbers.
//!
//! Terraform numbers are arbitrary-precision (cty uses 512-bit big floats), so a number is kept as
//! an exact decimal: sign, significant digits and a power of ten. Nothing is rounded unless a
//! caller asks for an `f64`.

use std::fmt;
use std::str::FromStr;

/// Exponents beyond this are refused: they would only come from hostile or broken input and
/// could make rendering allocate gigabytes.
const MAX_EXPONENT: i64 = 1_000_000;
/// Numbers whose plain decimal rendering would need more padding zeros than this are rendered in
/// scientific notation instead.
const MAX_PLAIN_PADDING: i64 = 400;

/// An exact decimal number.
///
/// Two numbers are equal when they have the same value: `1.50`, `1.5` and `15e-1` are equal.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Significant digits, ASCII, without leading or trailing zeros; empty for zero.
    digits: String,
    /// The value is `digits × 10^exponent`.
    exponent: i64,
}

/// A string that is not a decimal number (or a non-finite float).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a finite decimal number")]
pub struct NumberError {
    input: String,
}

impl NumberError {
    fn new(input: &str) -> Self {
        Self {
            input: input.chars().take(64).collect(),
        }
    }
}

impl Number {
    pub fn zero() -> Self {
        Self {
            negative: false,
            digits: String::new(),
            exponent: 0,
        }
    }

    /// The number closest to nothing but `value` itself: every finite `f64` is an exact decimal.
    /// NaN and infinities are refused (they have no Terraform representation here).
    pub fn from_f64(value: f64) -> Result<Self, NumberError> {
        if !value.is_finite() {
            return Err(NumberError::new(&value.to_string()));
        }
        // Rust prints the shortest decimal that reads back as the same f64, without exponent.
        format!("{value}").parse()
    }

    /// Whether the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.integer_text()?.parse().ok()
    }

    /// The value as a `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.integer_text()?.parse().ok()
    }

    /// The value as a `u16` (ports), if it is an integer in range.
    pub fn as_u16(&self) -> Option<u16> {
        u16::try_from(self.as_i64()?).ok()
    }

    /// The value as a `u32`, if it is an integer in range.
    pub fn as_u32(&self) -> Option<u32> {
        u32::try_from(self.as_i64()?).ok()
    }

    /// The nearest `f64`; precision beyond 17 significant digits is lost and very large values
    /// become infinite.
    pub fn as_f64(&self) -> f64 {
        // `to_string` always yields valid float syntax; 0.0 is unreachable in practice.
        self.to_string().parse().unwrap_or(0.0)
    }

    /// Whether `as_f64` is exact, i.e. the number is a binary64 value.
    pub fn is_exact_f64(&self) -> bool {
        Self::from_f64(self.as_f64()).is_ok_and(|back| &back == self)
    }

    /// Plain decimal text of an integer short enough to fit in 64 bits, else `None`.
    fn integer_text(&self) -> Option<String> {
        if self.exponent < 0 || self.digits.len() as i64 + self.exponent > 20 {
            return None;
        }
        Some(self.to_string())
    }
}

impl FromStr for Number {
    type Err = NumberError;

    /// Accepts `[+-]digits[.digits][(e|E)[+-]digits]`, also `.5` and `5.`, which covers JSON
    /// numbers, msgpack's string-encoded big numbers and HCL number literals.
    fn from_str(input: &str) -> Result<Self, NumberError> {
        let error = || NumberError::new(input);
        let (negative, unsigned) = match input.as_bytes().first() {
            Some(b'-') => (true, &input[1..]),
            Some(b'+') => (false, &input[1..]),
            _ => (false, input),
        };
        let (mantissa, exponent_text) = match unsigned.find(['e', 'E']) {
            Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
            None => (unsigned, None),
        };
        let (integer_part, fraction_part) = match mantissa.find('.') {
            Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if integer_part.len() + fraction_part.len() == 0
            || !all_digits(integer_part)
            || !all_digits(fraction_part)
        {
            return Err(error());
        }
        let mut exponent: i64 = match exponent_text {
            None => 0,
            Some(text) => {
                let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
                if digits.is_empty() || !all_digits(digits) {
                    return Err(error());
                }
                text.parse().map_err(|_| error())?
            }
        };
        exponent = exponent
            .checked_sub(fraction_part.len() as i64)
            .ok_or_else(error)?;

        let joined = format!("{integer_part}{fraction_part}");
        let significant = joined.trim_start_matches('0');
        let trimmed = significant.trim_end_matches('0');
        if trimmed.is_empty() {
            return Ok(Self::zero());
        }
        exponent += (significant.len() - trimmed.len()) as i64;
        let magnitude = exponent + trimmed.len() as i64;
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&magnitude) {
            return Err(error());
        }
        Ok(Self {
            negative,
            digits: trimmed.to_string(),
            exponent,
        })
    }
}

/// Plain decimal (`-12.5`, `1000`) unless that would need hundreds of padding zeros, then
/// scientific (`1.5e+1000`). Both forms are valid JSON numbers.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let digit_count = self.digits.len() as i64;
        let point = digit_count + self.exponent; // digits before the decimal point
        if self.exponent >= 0 && self.exponent <= MAX_PLAIN_PADDING {
            f.write_str(&self.digits)?;
            return f.write_str(&"0".repeat(self.exponent as usize));
        }
        if self.exponent < 0 && point > 0 {
            let (integer, fraction) = self.digits.split_at(point as usize);
            return write!(f, "{integer}.{fraction}");
        }
        if self.exponent < 0 && -point <= MAX_PLAIN_PADDING {
            return write!(f, "0.{}{}", "0".repeat((-point) as usize), self.digits);
        }
        let (first, rest) = self.digits.split_at(1);
        let separator = if rest.is_empty() { "" } else { "." };
        write!(f, "{first}{separator}{rest}e{:+}", point - 1)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

macro_rules! number_from_integer {
    ($($int:ty),*) => {$(
        impl From<$int> for Number {
            fn from(value: $int) -> Self {
                let negative = value < (0 as $int);
                let magnitude = value.unsigned_abs().to_string();
                let trimmed = magnitude.trim_end_matches('0');
                if trimmed.is_empty() {
                    return Self::zero();
                }
                Self {
                    negative,
                    digits: trimmed.to_string(),
                    exponent: (magnitude.len() - trimmed.len()) as i64,
                }
            }
        }
    )*};
}
number_from_integer!(i8, i16, i32, i64, i128, isize);

macro_rules! number_from_unsigned {
    ($($int:ty),*) => {$(
        impl From<$int> for Number {
            fn from(value: $int) -> Self {
                Number::from(value as i128)
            }
        }
    )*};
}
number_from_unsigned!(u8, u16, u32, u64, usize);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(text: &str) -> Number {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn equal_values_are_equal_numbers() {
        assert_eq!(n("1.50"), n("1.5"));
        assert_eq!(n("15e-1"), n("1.5"));
        assert_eq!(n("-0"), Number::zero());
        assert_eq!(n("0.000"), Number::zero());
        assert_eq!(n("1000"), Number::from(1000));
        assert_eq!(n("1e3"), Number::from(1000));
        assert_ne!(n("1.5"), n("-1.5"));
    }

    #[test]
    fn renders_plain_decimals() {
        for (input, text) in [
            ("0", "0"),
            ("007", "7"),
            ("-12.50", "-12.5"),
            ("1e3", "1000"),
            ("0.001", "0.001"),
            (".5", "0.5"),
            ("5.", "5"),
            ("+4", "4"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
        ] {
            assert_eq!(n(input).to_string(), text, "{input}");
        }
        assert_eq!(n("1.5e1000").to_string(), "1.5e+1000");
        assert_eq!(n("-2e-1000").to_string(), "-2e-1000");
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for input in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "NaN", "inf", "1 ", "١",
        ] {
            assert!(input.parse::<Number>().is_err(), "{input:?}");
        }
        assert!(Number::from_f64(f64::NAN).is_err());
        assert!(Number::from_f64(f64::INFINITY).is_err());
        assert!("1e999999999999".parse::<Number>().is_err());
    }

    #[test]
    fn integer_accessors_refuse_what_does_not_fit() {
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("9223372036854775808").as_u64(), Some(1 << 63));
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("1.5").as_i64(), None);
        assert_eq!(n("5432").as_u16(), Some(5432));
        assert_eq!(n("65536").as_u16(), None);
        assert_eq!(n("-1").as_u16(), None);
        assert_eq!(n("1e30").as_i64(), None);
    }

    #[test]
    fn exact_f64_detection() {
        assert!(n("0.5").is_exact_f64());
        assert!(n("0.1").is_exact_f64()); // the shortest repr of the nearest double
        assert!(!n("0.10000000000000000001").is_exact_f64());
        assert!(!n("123456789012345678901234567890").is_exact_f64());
    }

    proptest! {
        #[test]
        fn integers_round_trip(value in any::<i64>()) {
            let number = Number::from(value);
            prop_assert_eq!(number.as_i64(), Some(value));
            prop_assert_eq!(number.to_string(), value.to_string());
            prop_assert_eq!(n(&value.to_string()), number);
        }

        #[test]
        fn finite_floats_round_trip(value in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            let number = Number::from_f64(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(number.as_f64(), value);
            prop_assert!(number.is_exact_f64());
        }

        #[test]
        fn decimal_text_round_trips(
            negative in any::<bool>(),
            digits in "[0-9]{1,60}",
            exponent in -500i64..500,
        ) {
            let text = format!("{}{digits}e{exponent}", if negative { "-" } else { "" });
            let number = n(&text);
            prop_assert_eq!(n(&number.to_string()), number);
        }
    }
}
