//! Retention, as the Regulation on Correspondence (หมวด ๓) sets it: how long
//! each class of document is kept (ข้อ ๕๗), when the yearly destruction
//! review runs (ข้อ ๖๖: within 60 days after a calendar year ends), the
//! route of the destruction list (ข้อ ๖๗–๖๙: the registrar proposes, the
//! head appoints a committee, its members keep items longer, the head
//! approves), and transfer to the National Archives (ข้อ ๕๘).
//!
//! The regulation's classes are data (`data/retention_th.toml`) with the
//! clause each rests on; an organisation's schedule starts from them.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::document::InputError;
use crate::ledger::sha256_hex;
use crate::slug::Slug;
use crate::text::Line;
use crate::thai::BUDDHIST_ERA_OFFSET;

/// The regulation's classes and default schedule, as shipped.
pub const REGULATION_TOML: &str = include_str!("../data/retention_th.toml");

/// Events of the records side, beside the documents' own.
pub const SCHEDULE_SET: &str = "retention_schedule_set";
pub const CLASS_SET: &str = "retention_set";
pub const HOLD_PLACED: &str = "hold_placed";
pub const HOLD_LIFTED: &str = "hold_lifted";
pub const LIST_DRAFTED: &str = "destruction_list_drafted";
pub const LIST_PROPOSED: &str = "destruction_list_proposed";
pub const COMMITTEE_APPOINTED: &str = "destruction_committee_appointed";
pub const ITEM_KEPT: &str = "destruction_item_kept";
pub const LIST_APPROVED: &str = "destruction_list_approved";
pub const DESTROYED: &str = "destroyed";

/// Whether an event is of the records side (not a document's route).
pub fn is_records_event(kind: &str) -> bool {
    matches!(
        kind,
        SCHEDULE_SET
            | CLASS_SET
            | HOLD_PLACED
            | HOLD_LIFTED
            | LIST_DRAFTED
            | LIST_PROPOSED
            | COMMITTEE_APPOINTED
            | ITEM_KEPT
            | LIST_APPROVED
            | DESTROYED
    )
}

/// The days after 31 December within which the list is drawn up (ข้อ ๖๖).
pub const REVIEW_DAYS: i64 = 60;
/// A committee is a chair and at least two officials (ข้อ ๖๗).
pub const MIN_COMMITTEE: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionClass {
    pub id: Slug,
    pub name: Line,
    /// The clause of the regulation (or the organisation's rule) it rests on.
    pub source: Line,
    /// Years kept after the end of the document's calendar year; none: it
    /// is never listed for destruction (kept for ever, or as a law says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<u16>,
    /// Of permanent value: handed to the National Archives at the
    /// schedule's transfer age.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub permanent_value: bool,
}

/// Which class the documents of a kind, a register, or both get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Slug>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<Slug>,
    pub class: Slug,
}

/// An organisation's retention schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub default_class: Slug,
    /// Years after which permanent documents go to the archives (ข้อ ๕๘: 25).
    pub transfer_age: u16,
    pub classes: Vec<RetentionClass>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ScheduleRule>,
}

impl Schedule {
    /// The regulation's schedule, as shipped.
    pub fn regulation() -> Schedule {
        Schedule::parse_toml(REGULATION_TOML).expect("the shipped schedule is valid")
    }

    pub fn parse_toml(text: &str) -> Result<Schedule, InputError> {
        let value: toml::Value = toml::from_str(text).map_err(|e| InputError {
            path: String::new(),
            message: e.to_string(),
        })?;
        let json = serde_json::to_value(value).map_err(|e| InputError {
            path: String::new(),
            message: e.to_string(),
        })?;
        Schedule::from_value(json)
    }

    /// A schedule as sent, every field checked; a refusal names its path.
    pub fn from_value(value: serde_json::Value) -> Result<Schedule, InputError> {
        let schedule: Schedule =
            serde_path_to_error::deserialize(value).map_err(|e| InputError {
                path: e.path().to_string(),
                message: e.into_inner().to_string(),
            })?;
        schedule.check()?;
        Ok(schedule)
    }

    fn check(&self) -> Result<(), InputError> {
        let error = |path: String, message: &str| InputError {
            path,
            message: message.to_owned(),
        };
        for (i, class) in self.classes.iter().enumerate() {
            if self.classes[..i].iter().any(|c| c.id == class.id) {
                return Err(error(format!("classes[{i}].id"), "named twice"));
            }
            if let Some(years) = class.years
                && !(1..=100).contains(&years)
            {
                return Err(error(
                    format!("classes[{i}].years"),
                    "from 1 to 100 years (ข้อ ๕๗: at least a year)",
                ));
            }
            if class.permanent_value && class.years.is_some() {
                return Err(error(
                    format!("classes[{i}].years"),
                    "a class of permanent value is never destroyed",
                ));
            }
        }
        if self.class(self.default_class.as_str()).is_none() {
            return Err(error("default_class".into(), "no such class"));
        }
        if !(1..=100).contains(&self.transfer_age) {
            return Err(error("transfer_age".into(), "from 1 to 100 years"));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if self.class(rule.class.as_str()).is_none() {
                return Err(error(format!("rules[{i}].class"), "no such class"));
            }
            if rule.kind.is_none() && rule.register.is_none() {
                return Err(error(
                    format!("rules[{i}]"),
                    "a rule names a kind, a register or both",
                ));
            }
        }
        Ok(())
    }

    /// The canonical bytes (RFC 8785) that the log's event hashes.
    pub fn canonical(&self) -> Vec<u8> {
        serde_jcs::to_vec(self).expect("a schedule serialises")
    }

    pub fn hash(&self) -> String {
        sha256_hex(&self.canonical())
    }

    pub fn class(&self, id: &str) -> Option<&RetentionClass> {
        self.classes.iter().find(|class| class.id.as_str() == id)
    }

    /// The class the schedule gives a document of `kind` in `register`: a
    /// rule naming both wins over one naming the register, which wins
    /// over one naming the kind; otherwise the default.
    pub fn class_for(&self, kind: &str, register: Option<&str>) -> &RetentionClass {
        let fits = |rule: &&ScheduleRule| {
            rule.kind.as_ref().is_none_or(|k| k.as_str() == kind)
                && rule
                    .register
                    .as_ref()
                    .is_none_or(|r| Some(r.as_str()) == register)
        };
        let rank = |rule: &ScheduleRule| {
            u8::from(rule.register.is_some()) * 2 + u8::from(rule.kind.is_some())
        };
        self.rules
            .iter()
            .filter(fits)
            .max_by_key(|rule| rank(rule))
            .and_then(|rule| self.class(rule.class.as_str()))
            .or_else(|| self.class(self.default_class.as_str()))
            .expect("checked: the default class exists")
    }
}

/// The last B.E. year a document dated in B.E. `year` is kept: it may be
/// destroyed from 1 January after it. None: never.
pub fn kept_through(year: i32, class: &RetentionClass) -> Option<i32> {
    class.years.map(|years| year + i32::from(years))
}

/// The destruction date: the end of the calendar year of the document's
/// date plus the class's period (31 December, C.E. date).
pub fn destruction_date(year: i32, class: &RetentionClass) -> Option<NaiveDate> {
    kept_through(year, class)
        .and_then(|last| NaiveDate::from_ymd_opt(last - BUDDHIST_ERA_OFFSET, 12, 31))
}

/// Whether a document dated in B.E. `year` has run out its period by the
/// end of B.E. `ended`.
pub fn expired_by(year: i32, class: &RetentionClass, ended: i32) -> bool {
    kept_through(year, class).is_some_and(|last| last <= ended)
}

/// The B.E. year whose destruction list may be drawn up on `today` (a
/// Thai date): the year just ended, within `REVIEW_DAYS` of its end.
pub fn review_year(today: NaiveDate) -> Option<i32> {
    let year_end = NaiveDate::from_ymd_opt(today.year() - 1, 12, 31)?;
    (today - year_end <= Duration::days(REVIEW_DAYS))
        .then_some(today.year() - 1 + BUDDHIST_ERA_OFFSET)
}

/// The last day of the review of B.E. `year`.
pub fn review_ends(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year - BUDDHIST_ERA_OFFSET, 12, 31)
        .map(|end| end + Duration::days(REVIEW_DAYS))
}

/// Whether a permanent document dated in B.E. `year` is due for the
/// archives by the end of B.E. `ended`.
pub fn due_for_transfer(year: i32, class: &RetentionClass, age: u16, ended: i32) -> bool {
    class.permanent_value && year + i32::from(age) <= ended
}

/// The hash of a list's items, as its drafting event records it: SHA-256
/// of the documents' ids in order, each followed by a line feed.
pub fn items_hash<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = ItemsHasher::default();
    for id in ids {
        hasher.line(id);
    }
    hasher.finish()
}

/// `items_hash` fed one id at a time (a list may hold millions).
#[derive(Debug, Default)]
pub struct ItemsHasher(sha2::Sha256);

impl ItemsHasher {
    pub fn line(&mut self, id: &str) {
        use sha2::Digest;
        self.0.update(id.as_bytes());
        self.0.update(b"\n");
    }

    pub fn finish(self) -> String {
        use sha2::Digest;
        hex::encode(self.0.finalize())
    }
}

/// Where a destruction list stands on its route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListState {
    /// Drawn up by saraban; the registrar has yet to propose it.
    Drafted,
    /// Proposed to the head, who appoints a committee.
    Proposed,
    /// Under the committee's review.
    InReview,
    /// Approved by the head: its items not kept are destroyed.
    Approved,
}

impl ListState {
    pub fn as_str(self) -> &'static str {
        match self {
            ListState::Drafted => "drafted",
            ListState::Proposed => "proposed",
            ListState::InReview => "in_review",
            ListState::Approved => "approved",
        }
    }

    pub fn parse(text: &str) -> Option<ListState> {
        [
            ListState::Drafted,
            ListState::Proposed,
            ListState::InReview,
            ListState::Approved,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// Who acts on a list: the registrar (the issuing position of the order
/// route), the head (its signer), a member of the appointed committee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListRole {
    Registrar,
    Head,
    Member,
}

/// Why a step on a list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListRefusal {
    #[error("the list is {}, not {}", .found.as_str(), .expected.as_str())]
    WrongState {
        expected: ListState,
        found: ListState,
    },
    #[error("only the {0} may do this")]
    NotYours(&'static str),
}

/// The rule of the list's route: the state `event_kind` moves a list in
/// `state` to, when taken by someone in `roles`.
pub fn list_step(
    state: ListState,
    event_kind: &str,
    roles: &[ListRole],
) -> Result<ListState, ListRefusal> {
    let (expected, role, role_name, next) = match event_kind {
        LIST_PROPOSED => (
            ListState::Drafted,
            ListRole::Registrar,
            "registrar",
            ListState::Proposed,
        ),
        COMMITTEE_APPOINTED => (
            ListState::Proposed,
            ListRole::Head,
            "head of the organisation",
            ListState::InReview,
        ),
        ITEM_KEPT => (
            ListState::InReview,
            ListRole::Member,
            "committee",
            ListState::InReview,
        ),
        LIST_APPROVED => (
            ListState::InReview,
            ListRole::Head,
            "head of the organisation",
            ListState::Approved,
        ),
        _ => {
            return Err(ListRefusal::WrongState {
                expected: ListState::Drafted,
                found: state,
            });
        }
    };
    if state != expected {
        return Err(ListRefusal::WrongState {
            expected,
            found: state,
        });
    }
    if !roles.contains(&role) {
        return Err(ListRefusal::NotYours(role_name));
    }
    Ok(next)
}

/// A member of the destruction committee as its appointing order names
/// them: their name and the title of their position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointee {
    pub name: String,
    pub position: String,
}

/// The order (คำสั่ง) appointing the committee that reviews the destruction
/// list of B.E. `year` (ข้อ ๖๖–๖๘), as the registrar drafts it for the head
/// to sign: an ordinary order in `saraban/1`, so it takes the order's
/// route, register and layout. The first appointee chairs; a member's
/// name and title are data, never markup.
pub fn committee_order(
    authority: &str,
    year: i32,
    date: NaiveDate,
    appointees: &[Appointee],
    signer: &Appointee,
) -> serde_json::Value {
    let thai = crate::thai::DigitStyle::Thai;
    let year = thai.number(u64::try_from(year).unwrap_or_default());
    let rows: Vec<serde_json::Value> = appointees
        .iter()
        .enumerate()
        .map(|(k, member)| {
            let role = if k == 0 {
                "ประธานกรรมการ"
            } else {
                "กรรมการ"
            };
            serde_json::json!([
                thai.number(k as u64 + 1),
                member.name,
                member.position,
                role
            ])
        })
        .collect();
    serde_json::json!({
        "format": "saraban/1",
        "kind": "order",
        "authority": authority,
        "subject": format!("แต่งตั้งคณะกรรมการทำลายหนังสือ ประจำปี พ.ศ. {year}"),
        "date": date.format("%Y-%m-%d").to_string(),
        "body": [
            {"paragraph": format!(
                "ตามระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ พ.ศ. ๒๕๒๖ และที่แก้ไขเพิ่มเติม \
                 ข้อ ๖๖ กำหนดให้ภายในหกสิบวันหลังจากวันสิ้นปีปฏิทิน ให้เจ้าหน้าที่สำรวจหนังสือ\
                 ที่ครบกำหนดอายุการเก็บในปีนั้น และจัดทำบัญชีหนังสือขอทำลายเสนอหัวหน้าส่วนราชการ\
                 เพื่อพิจารณาแต่งตั้งคณะกรรมการทำลายหนังสือ บัดนี้ได้จัดทำบัญชีหนังสือขอทำลาย\
                 ประจำปี พ.ศ. {year} เสร็จแล้ว"
            )},
            {"paragraph": format!(
                "อาศัยอำนาจตามความในข้อ ๖๗ แห่งระเบียบดังกล่าว จึงแต่งตั้งคณะกรรมการทำลายหนังสือ \
                 ประจำปี พ.ศ. {year} ประกอบด้วย"
            )},
            {"table": {
                "columns": ["ที่", "ชื่อ - สกุล", "ตำแหน่ง", "หน้าที่"],
                "widths": [0.6, 3, 3, 2],
                "rows": rows,
            }},
            {"paragraph": "ให้คณะกรรมการมีหน้าที่พิจารณาหนังสือตามบัญชีหนังสือขอทำลาย \
                หากเห็นว่าหนังสือฉบับใดยังไม่ควรทำลายให้ระบุเหตุผลและกำหนดเวลาเก็บต่อ \
                แล้วเสนอหัวหน้าส่วนราชการพิจารณาสั่งการตามข้อ ๖๘"},
        ],
        "effective": "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป",
        "signer": {"name": signer.name, "position": signer.position},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn class(years: Option<u16>) -> RetentionClass {
        RetentionClass {
            id: Slug::parse("c").unwrap(),
            name: Line::parse("ชั้น").unwrap(),
            source: Line::parse("ข้อ ๕๗").unwrap(),
            years,
            permanent_value: years.is_none(),
        }
    }

    #[test]
    fn the_regulation_keeps_ordinary_documents_ten_years_and_routine_ones_one() {
        let schedule = Schedule::regulation();
        assert_eq!(schedule.class("ordinary").unwrap().years, Some(10));
        assert_eq!(schedule.class("routine").unwrap().years, Some(1));
        assert_eq!(schedule.class("permanent").unwrap().years, None);
        assert!(schedule.class("permanent").unwrap().permanent_value);
        assert_eq!(
            schedule.class_for("memo", Some("memo")).id.as_str(),
            "ordinary"
        );
        assert!(
            schedule
                .classes
                .iter()
                .all(|c| c.source.as_str().starts_with("ข้อ"))
        );
    }

    #[test]
    fn a_rule_naming_kind_and_register_wins_over_one_naming_either() {
        let mut schedule = Schedule::regulation();
        let slug = |s: &str| Slug::parse(s).unwrap();
        schedule.rules = vec![
            ScheduleRule {
                kind: Some(slug("memo")),
                register: None,
                class: slug("routine"),
            },
            ScheduleRule {
                kind: Some(slug("memo")),
                register: Some(slug("memo")),
                class: slug("permanent"),
            },
            ScheduleRule {
                kind: None,
                register: Some(slug("order")),
                class: slug("evidence"),
            },
        ];
        schedule.check().unwrap();
        assert_eq!(
            schedule.class_for("memo", Some("memo")).id.as_str(),
            "permanent"
        );
        assert_eq!(
            schedule.class_for("memo", Some("other")).id.as_str(),
            "routine"
        );
        assert_eq!(
            schedule.class_for("order", Some("order")).id.as_str(),
            "evidence"
        );
        assert_eq!(schedule.class_for("letter", None).id.as_str(), "ordinary");
    }

    #[test]
    fn a_schedule_naming_a_class_it_lacks_is_refused_at_the_field() {
        let mut value = serde_json::to_value(Schedule::regulation()).unwrap();
        value["rules"] = serde_json::json!([{"kind": "memo", "class": "nope"}]);
        assert_eq!(
            Schedule::from_value(value).unwrap_err().path,
            "rules[0].class"
        );
        let mut value = serde_json::to_value(Schedule::regulation()).unwrap();
        value["classes"][4]["years"] = serde_json::json!(0);
        assert_eq!(
            Schedule::from_value(value).unwrap_err().path,
            "classes[4].years"
        );
    }

    #[test]
    fn the_review_runs_sixty_days_from_new_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(review_year(day(2026, 1, 1)), Some(2568));
        assert_eq!(review_year(day(2026, 3, 1)), Some(2568));
        assert_eq!(review_year(day(2026, 3, 2)), None);
        // 2024 is a leap year: 60 days end on 29 February.
        assert_eq!(review_year(day(2024, 2, 29)), Some(2566));
        assert_eq!(review_year(day(2024, 3, 1)), None);
        assert_eq!(review_ends(2568), Some(day(2026, 3, 1)));
    }

    proptest! {
        #[test]
        fn the_destruction_date_is_the_year_end_after_the_period(
            year in 2400i32..2700, years in 1u16..=100
        ) {
            let class = class(Some(years));
            let date = destruction_date(year, &class).unwrap();
            prop_assert_eq!((date.month(), date.day()), (12, 31));
            prop_assert_eq!(date.year() + BUDDHIST_ERA_OFFSET, year + i32::from(years));
            // Due exactly from the year after that date.
            prop_assert!(!expired_by(year, &class, year + i32::from(years) - 1));
            prop_assert!(expired_by(year, &class, year + i32::from(years)));
        }

        #[test]
        fn a_class_without_a_period_never_expires(year in 2400i32..2700, ended in 2400i32..3000) {
            prop_assert!(!expired_by(year, &class(None), ended));
            prop_assert!(destruction_date(year, &class(None)).is_none());
        }

        #[test]
        fn every_day_of_the_review_names_the_year_just_ended(days in 0i64..800, year in 2000i32..2100) {
            let today = NaiveDate::from_ymd_opt(year, 1, 1).unwrap() + Duration::days(days);
            match review_year(today) {
                Some(ended) => {
                    prop_assert_eq!(ended, today.year() - 1 + BUDDHIST_ERA_OFFSET);
                    prop_assert!(today <= review_ends(ended).unwrap());
                    prop_assert!(i64::from(today.ordinal()) <= REVIEW_DAYS);
                }
                None => prop_assert!(i64::from(today.ordinal()) > REVIEW_DAYS),
            }
        }

        #[test]
        fn transfer_comes_at_the_age_and_only_for_permanent_value(year in 2400i32..2700, age in 1u16..60) {
            let permanent = class(None);
            prop_assert!(!due_for_transfer(year, &permanent, age, year + i32::from(age) - 1));
            prop_assert!(due_for_transfer(year, &permanent, age, year + i32::from(age)));
            prop_assert!(!due_for_transfer(year, &class(Some(10)), age, year + 500));
        }
    }

    #[test]
    fn the_list_goes_registrar_head_committee_head() {
        use ListRole::*;
        let mut state = ListState::Drafted;
        assert!(list_step(state, COMMITTEE_APPOINTED, &[Head]).is_err());
        assert_eq!(
            list_step(state, LIST_PROPOSED, &[Member]),
            Err(ListRefusal::NotYours("registrar"))
        );
        for (kind, role) in [
            (LIST_PROPOSED, Registrar),
            (COMMITTEE_APPOINTED, Head),
            (ITEM_KEPT, Member),
            (ITEM_KEPT, Member),
            (LIST_APPROVED, Head),
        ] {
            state = list_step(state, kind, &[role]).unwrap();
        }
        assert_eq!(state, ListState::Approved);
        assert!(list_step(state, ITEM_KEPT, &[Member]).is_err());
        assert_eq!(ListState::parse("in_review"), Some(ListState::InReview));
    }

    #[test]
    fn the_committee_order_is_an_order_with_its_members_as_data() {
        let member = |name: &str, position: &str| Appointee {
            name: name.to_owned(),
            position: position.to_owned(),
        };
        let appointees = [
            member("นางวิไลวรรณ ศรีสุขใจ", "ปลัดองค์การบริหารส่วนตำบล"),
            member("#set page(fill: red) นายสมศักดิ์", "รองปลัดองค์การบริหารส่วนตำบล"),
            member("นางสาวสมใจ ตั้งใจดี", "หัวหน้าสำนักปลัด"),
        ];
        let value = committee_order(
            "องค์การบริหารส่วนตำบลวังกระแจะ",
            2568,
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            &appointees,
            &member("นายกนก ใจรักษ์", "นายกองค์การบริหารส่วนตำบลวังกระแจะ"),
        );
        let document = crate::document::document_from_value(value.clone()).unwrap();
        let crate::document::Document::Order(order) = document else {
            panic!("not an order: {value}");
        };
        assert_eq!(
            order.subject.as_str(),
            "แต่งตั้งคณะกรรมการทำลายหนังสือ ประจำปี พ.ศ. ๒๕๖๘"
        );
        let rows = value["body"][2]["table"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][3], "ประธานกรรมการ");
        assert_eq!(rows[1][1], "#set page(fill: red) นายสมศักดิ์");
        assert_eq!(rows[2][3], "กรรมการ");
    }
}
