//! Thai numerals, Buddhist-era years and Thai date formats as printed on
//! official documents ("๙ เมษายน ๒๕๖๘", "๑๓ เม.ย. ๖๘").

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Years between the Christian and the Buddhist eras (B.E. = C.E. + 543).
pub const BUDDHIST_ERA_OFFSET: i32 = 543;

const THAI_DIGITS: [char; 10] = ['๐', '๑', '๒', '๓', '๔', '๕', '๖', '๗', '๘', '๙'];

const MONTHS_FULL: [&str; 12] = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
];

const MONTHS_ABBREVIATED: [&str; 12] = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
];

/// Which digits an organisation prints: Thai (the default of official
/// documents) or Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigitStyle {
    #[default]
    Thai,
    Arabic,
}

impl DigitStyle {
    /// Rewrites every digit of `text`, Thai or Arabic, in this style; other
    /// characters are kept as they are.
    pub fn apply(self, text: &str) -> String {
        text.chars()
            .map(|c| match self {
                DigitStyle::Thai => to_thai_digit(c),
                DigitStyle::Arabic => to_arabic_digit(c),
            })
            .collect()
    }

    /// The ten digits of this style, zero first.
    pub fn digits(self) -> [char; 10] {
        match self {
            DigitStyle::Thai => THAI_DIGITS,
            DigitStyle::Arabic => ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        }
    }

    /// Formats a whole number in this style.
    pub fn number(self, value: u64) -> String {
        self.apply(&value.to_string())
    }
}

fn to_thai_digit(c: char) -> char {
    match c {
        '0'..='9' => THAI_DIGITS[(c as u32 - '0' as u32) as usize],
        _ => c,
    }
}

fn to_arabic_digit(c: char) -> char {
    match c {
        '๐'..='๙' => char::from_digit(c as u32 - '๐' as u32, 10).unwrap_or(c),
        _ => c,
    }
}

/// Parses a whole number written in Thai or Arabic digits (or a mix), as
/// people type register numbers: "๔๙๐", "490".
pub fn parse_number(text: &str) -> Option<u64> {
    let ascii = DigitStyle::Arabic.apply(text.trim());
    if ascii.is_empty() || !ascii.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ascii.parse().ok()
}

/// A year of the Buddhist era, as Thai documents count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct BuddhistYear(i32);

impl BuddhistYear {
    /// The first B.E. year saraban accepts (1 C.E. 1900); older paper has no
    /// business in a new register.
    pub const MIN: i32 = 2443;
    /// The last B.E. year saraban accepts (C.E. 2999).
    pub const MAX: i32 = 3542;

    pub fn new(year: i32) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&year) {
            Ok(Self(year))
        } else {
            Err(format!(
                "B.E. year {year} is outside {}..={}",
                Self::MIN,
                Self::MAX
            ))
        }
    }

    pub fn from_common_era(year: i32) -> Result<Self, String> {
        Self::new(year + BUDDHIST_ERA_OFFSET)
    }

    pub fn of(date: NaiveDate) -> Self {
        // Dates are range-checked where they are parsed (`ThaiDate`).
        Self(date.year() + BUDDHIST_ERA_OFFSET)
    }

    pub fn get(self) -> i32 {
        self.0
    }

    pub fn common_era(self) -> i32 {
        self.0 - BUDDHIST_ERA_OFFSET
    }

    /// The last two digits, as abbreviated dates print them ("๖๘").
    pub fn short(self) -> u32 {
        self.0.rem_euclid(100) as u32
    }
}

impl TryFrom<i32> for BuddhistYear {
    type Error = String;
    fn try_from(year: i32) -> Result<Self, String> {
        Self::new(year)
    }
}

impl From<BuddhistYear> for i32 {
    fn from(year: BuddhistYear) -> i32 {
        year.0
    }
}

impl fmt::Display for BuddhistYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A calendar date of a document. Stored as a Gregorian date, printed in the
/// Thai way. Accepts "2025-04-09" (C.E.) in input files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct ThaiDate(NaiveDate);

impl ThaiDate {
    pub fn new(date: NaiveDate) -> Result<Self, String> {
        BuddhistYear::from_common_era(date.year())?;
        Ok(Self(date))
    }

    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Self, String> {
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| format!("{year:04}-{month:02}-{day:02} is not a calendar date"))?;
        Self::new(date)
    }

    pub fn naive(self) -> NaiveDate {
        self.0
    }

    pub fn year(self) -> BuddhistYear {
        BuddhistYear::of(self.0)
    }

    /// "๙ เมษายน ๒๕๖๘": the form of วันที่ in a memo's header.
    pub fn full(self, digits: DigitStyle) -> String {
        format!(
            "{} {} {}",
            digits.number(self.0.day().into()),
            MONTHS_FULL[self.0.month0() as usize],
            digits.number(self.year().get() as u64)
        )
    }

    /// "๑ สิงหาคม พ.ศ. ๒๕๖๗": the form an order's "สั่ง ณ วันที่" line takes.
    pub fn full_with_era(self, digits: DigitStyle) -> String {
        format!(
            "{} {} พ.ศ. {}",
            digits.number(self.0.day().into()),
            MONTHS_FULL[self.0.month0() as usize],
            digits.number(self.year().get() as u64)
        )
    }

    /// "๑๓ เม.ย. ๖๘": the form written under an endorsement.
    pub fn abbreviated(self, digits: DigitStyle) -> String {
        format!(
            "{} {} {}",
            digits.number(self.0.day().into()),
            MONTHS_ABBREVIATED[self.0.month0() as usize],
            digits.apply(&format!("{:02}", self.year().short()))
        )
    }

    /// ISO 8601, as stored and exchanged.
    pub fn iso(self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

impl fmt::Display for ThaiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl From<ThaiDate> for String {
    fn from(date: ThaiDate) -> String {
        date.iso()
    }
}

impl<'de> Deserialize<'de> for ThaiDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = ThaiDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date of the form YYYY-MM-DD (Christian era)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ThaiDate, E> {
                parse_iso_date(text).map_err(E::custom)
            }
            // A TOML date arrives as a map with one private key.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ThaiDate, A::Error> {
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("expected a date, found an empty table"));
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom("expected a date, found a table"));
                }
                parse_iso_date(&text).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

/// Parses "YYYY-MM-DD" with a Christian-era year. A year that looks like a
/// Buddhist-era one (≥ 2400) is refused with a hint, because swapping the
/// eras silently would shift a document by 543 years.
pub fn parse_iso_date(text: &str) -> Result<ThaiDate, String> {
    let text = DigitStyle::Arabic.apply(text.trim());
    let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date of the form YYYY-MM-DD"))?;
    if date.year() >= 2400 {
        return Err(format!(
            "'{text}' has a Buddhist-era year; write the Christian-era year ({}-{:02}-{:02})",
            date.year() - BUDDHIST_ERA_OFFSET,
            date.month(),
            date.day()
        ));
    }
    ThaiDate::new(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_dates_print_as_on_paper() {
        let memo = ThaiDate::from_ymd(2025, 4, 9).unwrap();
        assert_eq!(memo.full(DigitStyle::Thai), "๙ เมษายน ๒๕๖๘");
        let endorsed = ThaiDate::from_ymd(2025, 4, 13).unwrap();
        assert_eq!(endorsed.abbreviated(DigitStyle::Thai), "๑๓ เม.ย. ๖๘");
        let order = ThaiDate::from_ymd(2024, 8, 1).unwrap();
        assert_eq!(order.full_with_era(DigitStyle::Thai), "๑ สิงหาคม พ.ศ. ๒๕๖๗");
        assert_eq!(order.full(DigitStyle::Arabic), "1 สิงหาคม 2567");
    }

    #[test]
    fn buddhist_era_years_are_refused_with_a_hint() {
        let err = parse_iso_date("2568-04-09").unwrap_err();
        assert!(err.contains("2025-04-09"), "{err}");
        assert!(parse_iso_date("2025-02-30").is_err());
        assert!(parse_iso_date("๒๐๒๕-๐๔-๐๙").is_ok());
    }

    #[test]
    fn abbreviated_year_keeps_its_leading_zero() {
        let date = ThaiDate::from_ymd(2007, 1, 2).unwrap(); // B.E. 2550
        assert_eq!(date.abbreviated(DigitStyle::Arabic), "2 ม.ค. 50");
        let date = ThaiDate::from_ymd(1957, 12, 31).unwrap(); // B.E. 2500
        assert_eq!(date.abbreviated(DigitStyle::Thai), "๓๑ ธ.ค. ๐๐");
    }

    proptest! {
        #[test]
        fn digit_styles_round_trip(n in any::<u64>()) {
            let thai = DigitStyle::Thai.number(n);
            prop_assert!(thai.chars().all(|c| THAI_DIGITS.contains(&c)));
            prop_assert_eq!(DigitStyle::Arabic.apply(&thai), n.to_string());
            prop_assert_eq!(parse_number(&thai), Some(n));
        }

        #[test]
        fn digit_conversion_touches_only_digits(text in "\\PC*") {
            let thai = DigitStyle::Thai.apply(&text);
            prop_assert_eq!(thai.chars().count(), text.chars().count());
            for (a, b) in text.chars().zip(thai.chars()) {
                if a.is_ascii_digit() { prop_assert!(THAI_DIGITS.contains(&b)); }
                else { prop_assert_eq!(a, b); }
            }
        }

        #[test]
        fn dates_format_consistently(days in 0i64..(499 * 365)) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let thai = ThaiDate::new(date).unwrap();
            let year = date.year() + BUDDHIST_ERA_OFFSET;
            let full = thai.full(DigitStyle::Arabic);
            let parts: Vec<&str> = full.split(' ').collect();
            prop_assert_eq!(parts.len(), 3);
            prop_assert_eq!(parts[0].parse::<u32>().unwrap(), date.day());
            prop_assert_eq!(parts[1], MONTHS_FULL[date.month0() as usize]);
            prop_assert_eq!(parts[2].parse::<i32>().unwrap(), year);
            let short = thai.abbreviated(DigitStyle::Arabic);
            let suffix = format!(" {:02}", year % 100);
            prop_assert!(short.ends_with(&suffix));
            // The ISO form parses back to the same date.
            prop_assert_eq!(parse_iso_date(&thai.iso()).unwrap(), thai);
            // Thai digits carry the same numbers.
            prop_assert_eq!(DigitStyle::Arabic.apply(&thai.full(DigitStyle::Thai)), full);
        }
    }
}
