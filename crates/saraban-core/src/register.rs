//! Numbers of registered documents, as printed after "ที่".
//!
//! Two patterns are in use: outgoing memos and letters print the register's
//! prefix and the running number ("ตร ๗๑๐๐๑/๑๒๓"); orders and announcements
//! print the running number and the B.E. year ("๔๙๐/๒๕๖๗").

use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use crate::thai::{BuddhistYear, DigitStyle, parse_number};

/// How a register prints its numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "pattern", rename_all = "snake_case")]
pub enum NumberPattern {
    /// "{prefix}/{number}", e.g. "ตร ๗๑๐๐๑/๑๒๓".
    PrefixNumber { prefix: RegisterPrefix },
    /// "{number}/{B.E. year}", e.g. "๔๙๐/๒๕๖๗".
    NumberYear,
}

/// The code an office puts before the slash ("ตร ๗๑๐๐๑"): the province's
/// two letters and the office's code. Kept as typed, trimmed, without the
/// slash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegisterPrefix(String);

impl RegisterPrefix {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().trim_end_matches('/').trim_end();
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(format!("is longer than {} characters", Self::MAX_CHARS));
        }
        if text.contains('/') || text.chars().any(char::is_control) {
            return Err("must not contain '/' or control characters".into());
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegisterPrefix {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<RegisterPrefix> for String {
    fn from(prefix: RegisterPrefix) -> String {
        prefix.0
    }
}

/// A number allocated in a register: never zero, tied to its B.E. year.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegisterNumber {
    pub pattern: NumberPattern,
    pub number: NonZeroU32,
    pub year: BuddhistYear,
}

impl RegisterNumber {
    /// The number as printed after "ที่", in the given digits.
    pub fn format(&self, digits: DigitStyle) -> String {
        let text = match &self.pattern {
            NumberPattern::PrefixNumber { prefix } => {
                format!("{}/{}", prefix.as_str(), self.number)
            }
            NumberPattern::NumberYear => format!("{}/{}", self.number, self.year),
        };
        digits.apply(&text)
    }

    /// Reads a printed number back (as a user types it into a search box),
    /// given the register's pattern and, for prefix registers, its year.
    pub fn parse(pattern: &NumberPattern, text: &str, year: BuddhistYear) -> Option<Self> {
        let text = text.trim().trim_start_matches("ที่").trim();
        let (head, tail) = text.rsplit_once('/')?;
        let (number, year) = match pattern {
            NumberPattern::PrefixNumber { prefix } => {
                let same_prefix = DigitStyle::Arabic.apply(head.trim())
                    == DigitStyle::Arabic.apply(prefix.as_str());
                if !same_prefix {
                    return None;
                }
                (parse_number(tail)?, year)
            }
            NumberPattern::NumberYear => {
                let year = i32::try_from(parse_number(tail)?).ok()?;
                (parse_number(head)?, BuddhistYear::new(year).ok()?)
            }
        };
        let number = NonZeroU32::new(u32::try_from(number).ok()?)?;
        Some(Self {
            pattern: pattern.clone(),
            number,
            year,
        })
    }
}

impl fmt::Display for RegisterNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(DigitStyle::Arabic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn prefix(text: &str) -> NumberPattern {
        NumberPattern::PrefixNumber {
            prefix: RegisterPrefix::parse(text).unwrap(),
        }
    }

    #[test]
    fn seed_numbers_print_as_on_paper() {
        let order = RegisterNumber {
            pattern: NumberPattern::NumberYear,
            number: NonZeroU32::new(490).unwrap(),
            year: BuddhistYear::new(2567).unwrap(),
        };
        assert_eq!(order.format(DigitStyle::Thai), "๔๙๐/๒๕๖๗");
        let memo = RegisterNumber {
            pattern: prefix("ตร 71001/"),
            number: NonZeroU32::new(123).unwrap(),
            year: BuddhistYear::new(2568).unwrap(),
        };
        assert_eq!(memo.format(DigitStyle::Thai), "ตร ๗๑๐๐๑/๑๒๓");
        assert_eq!(memo.format(DigitStyle::Arabic), "ตร 71001/123");
    }

    #[test]
    fn bad_prefixes_are_refused() {
        assert!(RegisterPrefix::parse("  ").is_err());
        assert!(RegisterPrefix::parse("ตร/71001").is_err());
        assert!(RegisterPrefix::parse(&"ก".repeat(41)).is_err());
    }

    proptest! {
        #[test]
        fn printed_numbers_read_back(
            number in 1u32..=u32::MAX,
            year in BuddhistYear::MIN..=BuddhistYear::MAX,
            thai in any::<bool>(),
            code in 10000u32..99999,
            use_prefix in any::<bool>(),
        ) {
            let pattern = if use_prefix { prefix(&format!("ตร {code}")) } else { NumberPattern::NumberYear };
            let original = RegisterNumber {
                pattern: pattern.clone(),
                number: NonZeroU32::new(number).unwrap(),
                year: BuddhistYear::new(year).unwrap(),
            };
            let digits = if thai { DigitStyle::Thai } else { DigitStyle::Arabic };
            let printed = original.format(digits);
            let has_ascii_digit = printed.chars().any(|c| c.is_ascii_digit());
            prop_assert!(!(thai && has_ascii_digit));
            let read = RegisterNumber::parse(&pattern, &format!("ที่ {printed}"), original.year);
            prop_assert_eq!(read, Some(original));
        }
    }
}
