//! Notifications: why a person is told (`Cause`), when each outside
//! channel tells them (`Timing`: ด่วนที่สุด at once, ด่วนมาก and ด่วน within
//! 15 minutes, the rest in the 08:00 digest of the next working day), and
//! the words of a message. Pure: every time is given, never read from a
//! clock, so a test moves time as it likes.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

use crate::calendar::Calendar;
use crate::clock::{thai_date, thai_offset, thai_time};
use crate::document::Urgency;
use crate::thai::{DigitStyle, ThaiDate};

/// Why someone is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// A document or letter now waits for a position they hold.
    Waiting,
    /// Their draft was returned to them.
    Returned,
    /// Their document was issued (numbered and sent out).
    Issued,
    /// A received letter was assigned to them (or a position they hold).
    Assigned,
    /// A deadline falls due on the next working day.
    DueTomorrow,
    /// A deadline falls due today.
    DueToday,
}

impl Cause {
    pub const ALL: [Cause; 6] = [
        Cause::Waiting,
        Cause::Returned,
        Cause::Issued,
        Cause::Assigned,
        Cause::DueTomorrow,
        Cause::DueToday,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cause::Waiting => "waiting",
            Cause::Returned => "returned",
            Cause::Issued => "issued",
            Cause::Assigned => "assigned",
            Cause::DueTomorrow => "due_tomorrow",
            Cause::DueToday => "due_today",
        }
    }

    pub fn parse(name: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|cause| cause.name() == name)
    }

    /// What the message says happened, in Thai.
    pub fn wording(self) -> &'static str {
        match self {
            Cause::Waiting => "รอท่านดำเนินการ",
            Cause::Returned => "ส่งคืนให้ท่านแก้ไข",
            Cause::Issued => "ออกเลขและส่งแล้ว",
            Cause::Assigned => "มอบหมายให้ท่าน",
            Cause::DueTomorrow => "ครบกำหนดวันทำการถัดไป",
            Cause::DueToday => "ครบกำหนดวันนี้",
        }
    }

    /// A reminder goes out when it is made (the reminder job makes it at
    /// 08:00 of the right working day).
    pub fn is_reminder(self) -> bool {
        matches!(self, Cause::DueTomorrow | Cause::DueToday)
    }
}

/// When the outside channels carry a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// ด่วนที่สุด, and reminders: as soon as the sender sees it.
    AtOnce,
    /// ด่วนมาก and ด่วน: gathered at the next quarter hour, so within 15
    /// minutes.
    Soon,
    /// The rest: the digest at 08:00 Thai time on the next working day.
    Digest,
}

/// The 08:00 of the digest.
pub const DIGEST_HOUR: u32 = 8;

impl Timing {
    pub fn of(cause: Cause, urgency: Option<Urgency>) -> Timing {
        if cause.is_reminder() {
            return Timing::AtOnce;
        }
        match urgency {
            Some(Urgency::MostUrgent) => Timing::AtOnce,
            Some(Urgency::VeryUrgent | Urgency::Urgent) => Timing::Soon,
            None => Timing::Digest,
        }
    }

    /// The earliest time a notification made at `at` may be sent.
    pub fn send_after(self, at: DateTime<Utc>, calendar: &Calendar) -> DateTime<Utc> {
        match self {
            Timing::AtOnce => at,
            Timing::Soon => next_quarter_hour(at),
            Timing::Digest => next_digest(at, calendar),
        }
    }
}

/// The first quarter hour (:00, :15, :30, :45) after `at`.
pub fn next_quarter_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    let local = thai_time(at);
    let minute = local.minute();
    let base = local
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .expect("a valid time");
    let next = base + Duration::minutes(i64::from(15 - minute % 15));
    next.with_timezone(&Utc)
}

/// The first digest at or after `at`: 08:00 Thai time on a working day.
/// One made at 08:00 exactly goes in that morning's digest.
pub fn next_digest(at: DateTime<Utc>, calendar: &Calendar) -> DateTime<Utc> {
    let today = thai_date(at);
    let mut day = calendar.on_or_after(today);
    if day == today && digest_time(day) < at {
        day = calendar.next_working_day(day);
    }
    digest_time(day)
}

/// 08:00 Thai time on `day`.
pub fn digest_time(day: NaiveDate) -> DateTime<Utc> {
    thai_offset()
        .from_local_datetime(
            &day.and_time(NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0).expect("08:00")),
        )
        .single()
        .expect("Thai time has no gaps")
        .with_timezone(&Utc)
}

/// A time as the notification tables keep it: Thai time with six fraction
/// digits, so that text order is time order on both databases.
pub fn stamp(at: DateTime<Utc>) -> String {
    thai_time(at).format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string()
}

/// A `stamp` read back.
pub fn unstamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The urgency a stored wording names.
pub fn urgency_of(wording: Option<&str>) -> Option<Urgency> {
    let wording = wording?;
    [Urgency::MostUrgent, Urgency::VeryUrgent, Urgency::Urgent]
        .into_iter()
        .find(|u| u.wording() == wording)
}

fn rank(urgency: Option<Urgency>) -> u8 {
    match urgency {
        Some(Urgency::MostUrgent) => 3,
        Some(Urgency::VeryUrgent) => 2,
        Some(Urgency::Urgent) => 1,
        None => 0,
    }
}

/// One notification as a message lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub cause: Cause,
    pub urgency: Option<Urgency>,
    /// The document's เรื่อง.
    pub subject: String,
    /// Its page, absolute.
    pub link: String,
    pub deadline: Option<NaiveDate>,
}

/// A message to one person on one channel: one or more items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

/// What a message of `items` says. One item: its urgency, what happened
/// and its เรื่อง in the subject line. Several (a digest, or what gathered
/// in a quarter hour): the most urgent first, and how many.
pub fn compose(items: &[Item], digest: Option<NaiveDate>) -> Message {
    let mut items: Vec<&Item> = items.iter().collect();
    items.sort_by_key(|item| std::cmp::Reverse(rank(item.urgency)));
    let top = items.first().and_then(|item| item.urgency);
    let mark = top
        .map(|u| format!("[{}] ", u.wording()))
        .unwrap_or_default();
    let subject = match (items.as_slice(), digest) {
        ([one], None) => format!("{mark}{}: {}", one.cause.wording(), one.subject),
        (_, Some(day)) => format!(
            "{mark}สรุปงานรอดำเนินการ ประจำวันที่ {} ({} เรื่อง)",
            thai_day(day),
            items.len()
        ),
        (_, None) => format!("{mark}มีหนังสือรอท่าน {} เรื่อง", items.len()),
    };
    let mut body = String::new();
    if let Some(day) = digest {
        body.push_str(&format!("สรุปงานรอดำเนินการ ประจำวันที่ {}\n\n", thai_day(day)));
    }
    for item in &items {
        if let Some(urgency) = item.urgency {
            body.push_str(&format!("[{}] ", urgency.wording()));
        }
        body.push_str(&format!(
            "{}\nเรื่อง {}\n",
            item.cause.wording(),
            item.subject
        ));
        if let Some(deadline) = item.deadline {
            body.push_str(&format!("ภายในวันที่ {}\n", thai_day(deadline)));
        }
        body.push_str(&format!("{}\n\n", item.link));
    }
    body.push_str("— ระบบสารบรรณอิเล็กทรอนิกส์ (saraban)\n");
    Message { subject, body }
}

/// "๙ เมษายน ๒๕๖๘".
pub fn thai_day(day: NaiveDate) -> String {
    ThaiDate::new(day)
        .map(|d| d.full(DigitStyle::Thai))
        .unwrap_or_else(|_| day.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        thai_offset()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_urgency_says_when() {
        let calendar = Calendar::thai();
        // Friday 11 April 2568, 16:07; Monday the 14th to Wednesday the
        // 16th are Songkran.
        let at = thai(2025, 4, 11, 16, 7);
        let most = Timing::of(Cause::Waiting, Some(Urgency::MostUrgent));
        assert_eq!(most.send_after(at, &calendar), at);
        let soon = Timing::of(Cause::Waiting, Some(Urgency::Urgent));
        assert_eq!(soon.send_after(at, &calendar), thai(2025, 4, 11, 16, 15));
        let very = Timing::of(Cause::Returned, Some(Urgency::VeryUrgent));
        assert_eq!(
            very.send_after(thai(2025, 4, 11, 16, 45), &calendar),
            thai(2025, 4, 11, 17, 0)
        );
        let plain = Timing::of(Cause::Waiting, None);
        assert_eq!(plain.send_after(at, &calendar), thai(2025, 4, 17, 8, 0));
        assert_eq!(
            plain.send_after(thai(2025, 4, 17, 7, 59), &calendar),
            thai(2025, 4, 17, 8, 0)
        );
        assert_eq!(
            plain.send_after(thai(2025, 4, 17, 8, 0), &calendar),
            thai(2025, 4, 17, 8, 0)
        );
        assert_eq!(
            Timing::of(Cause::DueToday, None).send_after(at, &calendar),
            at
        );
    }

    #[test]
    fn a_stamp_orders_as_text_and_reads_back() {
        let a = thai(2025, 4, 11, 16, 7);
        let b = a + Duration::microseconds(1);
        assert!(stamp(a) < stamp(b));
        assert_eq!(stamp(a), "2025-04-11T16:07:00.000000+07:00");
        assert_eq!(unstamp(&stamp(b)), Some(b));
    }

    #[test]
    fn a_message_carries_urgency_subject_and_link() {
        let item = Item {
            cause: Cause::Waiting,
            urgency: Some(Urgency::MostUrgent),
            subject: "ขออนุมัติจัดซื้อ".into(),
            link: "https://saraban.example.go.th/doc/x".into(),
            deadline: NaiveDate::from_ymd_opt(2025, 4, 17),
        };
        let message = compose(std::slice::from_ref(&item), None);
        assert_eq!(message.subject, "[ด่วนที่สุด] รอท่านดำเนินการ: ขออนุมัติจัดซื้อ");
        assert!(message.body.contains("https://saraban.example.go.th/doc/x"));
        assert!(message.body.contains("ภายในวันที่ ๑๗ เมษายน ๒๕๖๘"));
        let plain = Item {
            urgency: None,
            ..item.clone()
        };
        let digest = compose(&[plain, item], NaiveDate::from_ymd_opt(2025, 4, 17));
        assert!(
            digest.subject.starts_with("[ด่วนที่สุด] สรุปงาน"),
            "{}",
            digest.subject
        );
        assert!(digest.subject.contains("(2 เรื่อง)"));
    }
}
