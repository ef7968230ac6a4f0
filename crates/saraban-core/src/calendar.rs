//! Working days (วันทำการ): Monday to Friday, less the organisation's
//! holidays. The Thai public holidays of 2568–2570 ship as data
//! (`data/holidays_th.toml`), which an organisation may replace with its
//! own list. Pure: a calendar is built from a list, never from a clock.
//!
//! A deadline (ภายในวันที่) that falls on a day the office is closed runs
//! to the next working day, as a period under the Administrative Procedure
//! Act does (พ.ร.บ.วิธีปฏิบัติราชการทางปกครอง มาตรา ๖๔): its reminders go
//! out one working day before that day and on the day itself, and it is
//! overdue only after it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The holiday list saraban ships: the Thai public holidays of 2568–2570.
pub const THAI_HOLIDAYS: &str = include_str!("../data/holidays_th.toml");

/// The most days a holiday list may hold (ten years of holidays and more).
pub const MAX_HOLIDAYS: usize = 1_000;

/// One holiday as the list writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// YYYY-MM-DD.
    pub date: NaiveDate,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    #[serde(default)]
    holiday: Vec<Holiday>,
}

/// Why a holiday list was refused, in Thai.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HolidayError(pub String);

/// The days an organisation's offices close besides weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeMap<NaiveDate, Holiday>,
}

impl Calendar {
    /// The calendar of the holidays saraban ships.
    pub fn thai() -> Calendar {
        Calendar::from_toml(THAI_HOLIDAYS).expect("the shipped holiday list reads")
    }

    /// A calendar from a holiday list (TOML: `[[holiday]]` tables of
    /// `date`, `name` and an optional `note`). A day listed twice, an empty
    /// name or a list too long is refused.
    pub fn from_toml(text: &str) -> Result<Calendar, HolidayError> {
        let file: HolidayFile = toml::from_str(text)
            .map_err(|e| HolidayError(format!("อ่านรายการวันหยุดไม่ได้: {}", e.message())))?;
        Calendar::from_list(file.holiday)
    }

    pub fn from_list(list: Vec<Holiday>) -> Result<Calendar, HolidayError> {
        if list.len() > MAX_HOLIDAYS {
            return Err(HolidayError(format!(
                "รายการวันหยุดมีได้ไม่เกิน {MAX_HOLIDAYS} วัน"
            )));
        }
        let mut holidays = BTreeMap::new();
        for holiday in list {
            if holiday.name.trim().is_empty() || holiday.name.chars().count() > 200 {
                return Err(HolidayError(format!(
                    "วันหยุด {} ต้องมีชื่อ (ไม่เกิน 200 ตัวอักษร)",
                    holiday.date
                )));
            }
            let day = holiday.date;
            if holidays.insert(day, holiday).is_some() {
                return Err(HolidayError(format!("วันที่ {day} อยู่ในรายการสองครั้ง")));
            }
        }
        Ok(Calendar { holidays })
    }

    /// The list written back as TOML, in date order.
    pub fn to_toml(&self) -> String {
        let file = HolidayFile {
            holiday: self.holidays.values().cloned().collect(),
        };
        toml::to_string(&file).expect("a holiday list serialises")
    }

    pub fn holidays(&self) -> impl Iterator<Item = &Holiday> {
        self.holidays.values()
    }

    /// The holiday on `day`, if the list has one.
    pub fn holiday(&self, day: NaiveDate) -> Option<&Holiday> {
        self.holidays.get(&day)
    }

    /// Monday to Friday, and not a holiday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains_key(&day)
    }

    /// `day` if it is a working day, else the first one after it.
    pub fn on_or_after(&self, day: NaiveDate) -> NaiveDate {
        let mut day = day;
        // A list holds at most MAX_HOLIDAYS days, so this ends.
        while !self.is_working_day(day) {
            day = day.succ_opt().expect("a date before the end of time");
        }
        day
    }

    /// The first working day after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        self.on_or_after(day.succ_opt().expect("a date before the end of time"))
    }

    /// The last working day before `day`.
    pub fn previous_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut day = day.pred_opt().expect("a date after the start of time");
        while !self.is_working_day(day) {
            day = day.pred_opt().expect("a date after the start of time");
        }
        day
    }

    /// The day a deadline falls due: the deadline itself if the office is
    /// open then, else the next working day.
    pub fn due_day(&self, deadline: NaiveDate) -> NaiveDate {
        self.on_or_after(deadline)
    }

    /// The days a deadline's reminders go out: one working day before the
    /// day it falls due, and that day.
    pub fn reminder_days(&self, deadline: NaiveDate) -> (NaiveDate, NaiveDate) {
        let due = self.due_day(deadline);
        (self.previous_working_day(due), due)
    }

    /// Whether a deadline has passed on `today`.
    pub fn is_overdue(&self, deadline: NaiveDate, today: NaiveDate) -> bool {
        today > self.due_day(deadline)
    }

    /// Working days from `from` to `to`, counting `to` and not `from`
    /// (zero when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = day.succ_opt().expect("a date before the end of time");
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_shipped_list_reads_and_lists_only_weekdays() {
        let calendar = Calendar::thai();
        let years: Vec<i32> = calendar.holidays().map(|h| h.date.year()).collect();
        for year in [2025, 2026, 2027] {
            assert!(
                years.iter().filter(|y| **y == year).count() >= 15,
                "{year} has its holidays"
            );
        }
        for holiday in calendar.holidays() {
            assert!(
                !matches!(holiday.date.weekday(), Weekday::Sat | Weekday::Sun),
                "{holiday:?} falls on a weekend"
            );
        }
        // สงกรานต์ 2568: 13 April was a Sunday; 14–16 closed.
        assert!(!calendar.is_working_day(date(2025, 4, 14)));
        assert!(!calendar.is_working_day(date(2025, 4, 16)));
        assert!(calendar.is_working_day(date(2025, 4, 17)));
        assert_eq!(
            calendar.to_toml().matches("[[holiday]]").count(),
            years.len()
        );
    }

    #[test]
    fn a_deadline_on_a_closed_day_runs_to_the_next_working_day() {
        let calendar = Calendar::thai();
        // Saturday 12 April 2568; 13–16 are Sunday and Songkran.
        assert_eq!(calendar.due_day(date(2025, 4, 12)), date(2025, 4, 17));
        assert_eq!(
            calendar.reminder_days(date(2025, 4, 12)),
            (date(2025, 4, 11), date(2025, 4, 17))
        );
        // Monday 8 December 2568: Friday the 5th is วันพ่อ, so the working
        // day before is Thursday the 4th.
        assert_eq!(
            calendar.reminder_days(date(2025, 12, 8)),
            (date(2025, 12, 4), date(2025, 12, 8))
        );
        assert!(!calendar.is_overdue(date(2025, 4, 12), date(2025, 4, 17)));
        assert!(calendar.is_overdue(date(2025, 4, 12), date(2025, 4, 18)));
    }

    #[test]
    fn a_list_with_a_day_twice_or_a_nameless_day_is_refused() {
        let twice = "[[holiday]]\ndate = \"2025-01-01\"\nname = \"a\"\n[[holiday]]\ndate = \"2025-01-01\"\nname = \"b\"\n";
        assert!(Calendar::from_toml(twice).is_err());
        let nameless = "[[holiday]]\ndate = \"2025-01-01\"\nname = \" \"\n";
        assert!(Calendar::from_toml(nameless).is_err());
        assert!(Calendar::from_toml("[[holiday]]\ndate = \"1 Jan\"\nname = \"x\"\n").is_err());
        assert_eq!(Calendar::from_toml("").unwrap(), Calendar::default());
    }

    fn any_calendar() -> impl Strategy<Value = Calendar> {
        proptest::collection::btree_set(0u32..1200, 0..200).prop_map(|days| {
            Calendar::from_list(
                days.into_iter()
                    .map(|n| Holiday {
                        date: date(2025, 1, 1) + chrono::Days::new(u64::from(n)),
                        name: "หยุด".into(),
                        note: None,
                    })
                    .collect(),
            )
            .unwrap()
        })
    }

    proptest! {
        #[test]
        fn working_days_skip_weekends_and_holidays(calendar in any_calendar(), offset in 0u64..1100) {
            let day = date(2025, 1, 1) + chrono::Days::new(offset);
            let next = calendar.next_working_day(day);
            prop_assert!(next > day);
            prop_assert!(calendar.is_working_day(next));
            prop_assert!(!matches!(next.weekday(), Weekday::Sat | Weekday::Sun));
            prop_assert!(calendar.holiday(next).is_none());
            // Nothing between is a working day.
            let mut between = day.succ_opt().unwrap();
            while between < next {
                prop_assert!(!calendar.is_working_day(between));
                between = between.succ_opt().unwrap();
            }
            let previous = calendar.previous_working_day(next);
            prop_assert!(previous <= day);
            prop_assert_eq!(previous == day, calendar.is_working_day(day));
            prop_assert!(calendar.is_working_day(previous));
            prop_assert_eq!(calendar.working_days_between(previous, next), 1);
        }

        #[test]
        fn reminders_fall_on_working_days_before_and_on_the_due_day(calendar in any_calendar(), offset in 0u64..1100) {
            let deadline = date(2025, 1, 1) + chrono::Days::new(offset);
            let (before, on) = calendar.reminder_days(deadline);
            prop_assert!(calendar.is_working_day(before));
            prop_assert!(calendar.is_working_day(on));
            prop_assert!(on >= deadline);
            prop_assert!(before < on);
            prop_assert_eq!(calendar.working_days_between(before, on), 1);
            prop_assert!(!calendar.is_overdue(deadline, on));
            prop_assert!(calendar.is_overdue(deadline, on.succ_opt().unwrap()));
        }

        #[test]
        fn a_list_reads_back_as_written(calendar in any_calendar()) {
            prop_assert_eq!(Calendar::from_toml(&calendar.to_toml()).unwrap(), calendar);
        }
    }
}
