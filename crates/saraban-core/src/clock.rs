//! Thai time. Dates, register years and year boundaries are those of
//! Asia/Bangkok (UTC+7, no daylight saving), whatever the server's zone.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SubsecRound, Utc};

use crate::thai::{BUDDHIST_ERA_OFFSET, BuddhistYear, ThaiDate};

pub fn thai_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// An instant as it reads on a clock in Thailand.
/// Kept to the microsecond, the finest a PostgreSQL timestamp holds, so that
/// a time stored in a column reads back as the text its event hashed.
pub fn thai_time(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.trunc_subsecs(6).with_timezone(&thai_offset())
}

/// A stored time as this code writes it now (Thai time, to the
/// microsecond), so that a time written before PostgreSQL kept it as a
/// timestamp compares equal to its event's text; what is not an RFC 3339
/// time stays as it is.
pub fn normal_time(text: &str) -> String {
    DateTime::parse_from_rfc3339(text).map_or_else(
        |_| text.to_owned(),
        |at| thai_time(at.with_timezone(&Utc)).to_rfc3339(),
    )
}

/// The calendar date in Thailand at `instant`.
pub fn thai_date(instant: DateTime<Utc>) -> NaiveDate {
    thai_time(instant).date_naive()
}

/// How a register counts its years.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum YearReset {
    /// 1 January to 31 December (correspondence and orders, as the
    /// regulation says).
    #[default]
    Calendar,
    /// ปีงบประมาณ: 1 October to 30 September, named by the B.E. year in
    /// which it ends.
    Fiscal,
}

impl YearReset {
    /// The register year `instant` falls in.
    pub fn year_of(self, instant: DateTime<Utc>) -> BuddhistYear {
        let date = thai_date(instant);
        let year = match self {
            YearReset::Calendar => date.year(),
            YearReset::Fiscal if date.month() >= 10 => date.year() + 1,
            YearReset::Fiscal => date.year(),
        };
        BuddhistYear::new(year + BUDDHIST_ERA_OFFSET).unwrap_or_else(|_| BuddhistYear::of(date))
    }
}

/// The Thai calendar date at `instant`, as documents print it.
pub fn thai_document_date(instant: DateTime<Utc>) -> ThaiDate {
    ThaiDate::new(thai_date(instant)).unwrap_or_else(|_| {
        ThaiDate::new(NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid")).expect("in range")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn new_year_in_thailand_starts_a_new_register_year() {
        // 00:30 on 1 January 2025 in Bangkok is still 31 December in UTC.
        let instant = Utc.with_ymd_and_hms(2024, 12, 31, 17, 30, 0).unwrap();
        assert_eq!(YearReset::Calendar.year_of(instant).get(), 2568);
        let before = Utc.with_ymd_and_hms(2024, 12, 31, 16, 59, 59).unwrap();
        assert_eq!(YearReset::Calendar.year_of(before).get(), 2567);
    }

    #[test]
    fn fiscal_years_start_on_1_october() {
        let october = Utc.with_ymd_and_hms(2024, 9, 30, 17, 0, 0).unwrap(); // 1 Oct 00:00 +07
        assert_eq!(YearReset::Fiscal.year_of(october).get(), 2568);
        let september = Utc.with_ymd_and_hms(2024, 9, 30, 16, 59, 0).unwrap();
        assert_eq!(YearReset::Fiscal.year_of(september).get(), 2567);
    }

    proptest! {
        #[test]
        fn register_years_follow_the_thai_date(seconds in 0i64..4_000_000_000) {
            let instant = Utc.timestamp_opt(seconds, 0).unwrap();
            let local = thai_date(instant);
            let calendar = YearReset::Calendar.year_of(instant).get();
            prop_assert_eq!(calendar, local.year() + 543);
            let fiscal = YearReset::Fiscal.year_of(instant).get();
            prop_assert!(fiscal == calendar || fiscal == calendar + 1);
            prop_assert_eq!(fiscal == calendar + 1, local.month() >= 10);
        }
    }
}
