//! The documents an office sends out beyond the memo and the order: the
//! external letter (หนังสือภายนอก), the stamped letter (หนังสือประทับตรา)
//! and the announcement (ประกาศ), with what their forms need: the table of
//! salutations and closings by the addressee's rank, the contact block of
//! the unit that owns the matter, and the matters a stamped letter may
//! serve. Read as part of the input format `saraban/1` (see `document`).

use std::fmt;
use std::num::NonZeroU32;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::document::{Body, Common, MemoNumber, Signer};
use crate::text::{Line, Paragraph};
use crate::thai::ThaiDate;

/// หนังสือภายนอก: a letter to another agency, a body that is not one, or a
/// person, on Garuda paper.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    #[serde(skip)]
    pub common: Common,
    /// ที่: the register's prefix; the number is the register's to give.
    pub number: MemoNumber,
    /// ส่วนราชการเจ้าของหนังสือ and its address, one line each, printed
    /// at the top right.
    pub agency: Paragraph,
    /// วัน เดือน ปี: the day it is signed, once signed.
    pub date: ThaiDate,
    /// เรื่อง
    pub subject: Paragraph,
    /// The addressee, printed after the salutation ("นายอำเภอเมืองตราด").
    pub to: Line,
    /// The addressee's rank, which chooses the salutation and the closing
    /// from the regulation's table; `general` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<Rank>,
    /// คำขึ้นต้น typed by the drafter, instead of the table's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salutation: Option<Line>,
    /// คำลงท้าย typed by the drafter, instead of the table's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_off: Option<Line>,
    /// อ้างถึง
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Paragraph>,
    /// สิ่งที่ส่งมาด้วย
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enclosures: Vec<Paragraph>,
    pub body: Body,
    pub signer: Signer,
    /// ส่วนราชการเจ้าของเรื่อง, at the bottom left.
    pub contact: Contact,
    /// สำเนาส่ง: who receives a copy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<Paragraph>,
}

impl Letter {
    /// The salutation as printed before the addressee.
    pub fn salutation(&self) -> &str {
        match &self.salutation {
            Some(typed) => typed.as_str(),
            None => self.rank.unwrap_or_default().forms().salutation,
        }
    }

    /// The closing printed above the signature.
    pub fn sign_off(&self) -> &str {
        match &self.sign_off {
            Some(typed) => typed.as_str(),
            None => self.rank.unwrap_or_default().forms().sign_off,
        }
    }
}

/// หนังสือประทับตรา: a routine letter that carries the agency's stamp and
/// the initials of the official responsible, in place of a signature.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stamped {
    #[serde(skip)]
    pub common: Common,
    /// ที่: the register's prefix; the number is the register's to give.
    pub number: MemoNumber,
    /// ถึง: the agency or person addressed.
    pub to: Line,
    /// What it is about, for the register and lists; the form prints no
    /// เรื่อง.
    pub subject: Paragraph,
    /// Which of the matters the regulation allows this letter serves.
    pub matter: Matter,
    /// For `matter = "ordered"`: the order of the head of the agency that
    /// makes this matter one for stamped letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Line>,
    pub body: Body,
    /// The agency's name, printed as its stamp line.
    pub agency: Line,
    /// ลงชื่อย่อกำกับตรา: the initials beside the stamp; taken from the
    /// official who signs on the route when not typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initials: Option<Line>,
    /// The official responsible (a head of unit): not printed but for the
    /// initials, recorded as the signer.
    pub signer: Signer,
    /// วัน เดือน ปี: the day it is stamped, once signed.
    pub date: ThaiDate,
    /// ส่วนราชการเจ้าของเรื่อง with its telephone.
    pub contact: Contact,
}

/// ประกาศ: an announcement of the organisation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    #[serde(skip)]
    pub common: Common,
    /// The issuer printed after "ประกาศ" ("องค์การบริหารส่วนตำบลวังกระแจะ").
    pub issuer: Line,
    /// The number its register gave; the year is the B.E. year of `date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<NonZeroU32>,
    /// The organisation keeps its announcements without a printed number:
    /// the register still records it, and no "ที่" line is printed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unnumbered: bool,
    pub subject: Paragraph,
    pub body: Body,
    /// A closing clause typed as it is ("ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<Paragraph>,
    /// The day it takes effect: printed "ทั้งนี้ ตั้งแต่วันที่ … เป็นต้นไป".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<ThaiDate>,
    /// ประกาศ ณ วันที่: the day it is signed, once signed.
    pub date: ThaiDate,
    pub signer: Signer,
}

/// ส่วนราชการเจ้าของเรื่อง: the unit that owns the matter, and how to reach
/// it. Printed at the bottom left of a letter.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// "สำนักปลัด"
    pub unit: Line,
    /// โทร.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Line>,
    /// โทรสาร
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<Line>,
    /// ไปรษณีย์อิเล็กทรอนิกส์
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Line>,
}

impl Contact {
    /// The lines as printed: the unit, then one line for each way to reach it.
    pub fn lines(&self) -> Vec<(&'static str, &str)> {
        let mut lines = vec![("", self.unit.as_str())];
        for (label, value) in [
            ("โทร. ", &self.phone),
            ("โทรสาร ", &self.fax),
            ("ไปรษณีย์อิเล็กทรอนิกส์ ", &self.email),
        ] {
            if let Some(value) = value {
                lines.push((label, value.as_str()));
            }
        }
        lines
    }
}

/// The rank of the addressee, as the regulation's table of salutations
/// and closings (ภาคผนวก ๒ of the Regulation on Correspondence) groups
/// them. Royal addressees and the Supreme Patriarch take forms of their
/// own: type those with `salutation` and `sign_off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rank {
    /// Anyone not named below: officials, agencies, the public.
    #[default]
    General,
    /// The office holders the table names for "กราบเรียน" (`HIGH_OFFICES`).
    High,
    /// A monk (พระภิกษุ).
    Monk,
}

/// A rank's forms: the salutation before the addressee, the closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forms {
    pub rank: Rank,
    /// The name in the input file.
    pub name: &'static str,
    /// Who the rank is for, in Thai.
    pub who: &'static str,
    pub salutation: &'static str,
    pub sign_off: &'static str,
}

/// The table, as data: the drafter picks a row by its `name`.
pub const RANKS: [Forms; 3] = [
    Forms {
        rank: Rank::General,
        name: "general",
        who: "บุคคลทั่วไป ส่วนราชการ และหน่วยงานอื่น",
        salutation: "เรียน",
        sign_off: "ขอแสดงความนับถือ",
    },
    Forms {
        rank: Rank::High,
        name: "high",
        who: "ผู้ดำรงตำแหน่งที่ระเบียบกำหนดให้ใช้คำขึ้นต้นว่า กราบเรียน",
        salutation: "กราบเรียน",
        sign_off: "ขอแสดงความนับถืออย่างยิ่ง",
    },
    Forms {
        rank: Rank::Monk,
        name: "monk",
        who: "พระภิกษุ",
        salutation: "นมัสการ",
        sign_off: "ขอนมัสการด้วยความเคารพ",
    },
];

/// The offices addressed "กราบเรียน … ขอแสดงความนับถืออย่างยิ่ง" (rank
/// `high`), as the regulation's appendix lists them.
pub const HIGH_OFFICES: [&str; 14] = [
    "ประธานองคมนตรี",
    "นายกรัฐมนตรี",
    "ประธานรัฐสภา",
    "ประธานสภาผู้แทนราษฎร",
    "ประธานวุฒิสภา",
    "ประธานศาลฎีกา",
    "รัฐบุรุษ",
    "ประธานศาลรัฐธรรมนูญ",
    "ประธานศาลปกครองสูงสุด",
    "ประธานกรรมการการเลือกตั้ง",
    "ประธานกรรมการสิทธิมนุษยชนแห่งชาติ",
    "ประธานกรรมการป้องกันและปราบปรามการทุจริตแห่งชาติ",
    "ประธานกรรมการตรวจเงินแผ่นดิน",
    "ผู้ตรวจการแผ่นดิน",
];

impl Rank {
    pub fn forms(self) -> &'static Forms {
        RANKS
            .iter()
            .find(|f| f.rank == self)
            .expect("every rank has its row")
    }
}

impl Serialize for Rank {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.forms().name)
    }
}

impl<'de> Deserialize<'de> for Rank {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let text = text.trim();
        RANKS
            .iter()
            .find(|f| f.name == text || f.salutation == text)
            .map(|f| f.rank)
            .ok_or_else(|| {
                let known: Vec<String> = RANKS
                    .iter()
                    .map(|f| format!("\"{}\" ({} … {})", f.name, f.salutation, f.sign_off))
                    .collect();
                de::Error::custom(format!(
                    "unknown rank '{text}'; expected one of {}, or type `salutation` and `sign_off`",
                    known.join(", ")
                ))
            })
    }
}

/// The matters a stamped letter may serve (ข้อ 14 of the regulation): only
/// routine ones, never an important matter of state or of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Matter {
    /// การขอรายละเอียดเพิ่มเติม
    Details,
    /// การส่งสำเนาหนังสือ สิ่งของ เอกสาร หรือบรรณสาร
    Copies,
    /// การตอบรับทราบที่ไม่เกี่ยวกับราชการสำคัญหรือการเงิน
    Acknowledgement,
    /// การแจ้งผลงานที่ได้ดำเนินการไปแล้วให้ส่วนราชการที่เกี่ยวข้องทราบ
    Report,
    /// การเตือนเรื่องที่ค้าง
    Reminder,
    /// เรื่องที่หัวหน้าส่วนราชการระดับกรมขึ้นไปกำหนด โดยทำเป็นคำสั่ง
    Ordered,
}

/// Each matter: its name in the file and its wording.
pub const MATTERS: [(Matter, &str, &str); 6] = [
    (Matter::Details, "details", "การขอรายละเอียดเพิ่มเติม"),
    (
        Matter::Copies,
        "copies",
        "การส่งสำเนาหนังสือ สิ่งของ เอกสาร หรือบรรณสาร",
    ),
    (
        Matter::Acknowledgement,
        "acknowledgement",
        "การตอบรับทราบที่ไม่เกี่ยวกับราชการสำคัญหรือการเงิน",
    ),
    (
        Matter::Report,
        "report",
        "การแจ้งผลงานที่ได้ดำเนินการไปแล้วให้ส่วนราชการที่เกี่ยวข้องทราบ",
    ),
    (Matter::Reminder, "reminder", "การเตือนเรื่องที่ค้าง"),
    (
        Matter::Ordered,
        "ordered",
        "เรื่องที่หัวหน้าส่วนราชการระดับกรมขึ้นไปกำหนดโดยทำเป็นคำสั่งให้ใช้หนังสือประทับตรา",
    ),
];

impl Matter {
    pub fn name(self) -> &'static str {
        MATTERS
            .iter()
            .find(|(m, ..)| *m == self)
            .map(|(_, name, _)| *name)
            .unwrap_or_default()
    }

    pub fn wording(self) -> &'static str {
        MATTERS
            .iter()
            .find(|(m, ..)| *m == self)
            .map(|(.., wording)| *wording)
            .unwrap_or_default()
    }
}

impl fmt::Display for Matter {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Matter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Matter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let text = text.trim();
        MATTERS
            .iter()
            .find(|(_, name, wording)| *name == text || *wording == text)
            .map(|(m, ..)| *m)
            .ok_or_else(|| {
                let known: Vec<String> = MATTERS
                    .iter()
                    .map(|(_, name, wording)| format!("\"{name}\" ({wording})"))
                    .collect();
                de::Error::custom(format!(
                    "'{text}' is not a matter for a stamped letter; the regulation allows only: {}",
                    known.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Document, FORMAT, document_from_value};
    use serde_json::{Value, json};

    fn letter(extra: Value) -> Result<Document, crate::InputError> {
        let mut value = json!({
            "format": FORMAT,
            "kind": "letter",
            "number": { "prefix": "ตร ๗๑๐๐๑" },
            "agency": "องค์การบริหารส่วนตำบลวังกระแจะ\nอำเภอเมืองตราด จังหวัดตราด ๒๓๐๐๐",
            "date": "2025-04-20",
            "subject": "ส่งรายงาน",
            "to": "นายอำเภอเมืองตราด",
            "body": ["ข้อความ"],
            "signer": { "name": "นายกนก ใจรักษ์", "position": "นายก" },
            "contact": { "unit": "สำนักปลัด", "phone": "๐ ๓๙๕๑ ๑๒๓๔" },
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        document_from_value(value)
    }

    #[test]
    fn the_rank_chooses_salutation_and_closing_and_the_drafter_may_override() {
        let Document::Letter(plain) = letter(json!({})).unwrap() else {
            panic!()
        };
        assert_eq!(
            (plain.salutation(), plain.sign_off()),
            ("เรียน", "ขอแสดงความนับถือ")
        );
        let Document::Letter(high) = letter(json!({ "rank": "high" })).unwrap() else {
            panic!()
        };
        assert_eq!(
            (high.salutation(), high.sign_off()),
            ("กราบเรียน", "ขอแสดงความนับถืออย่างยิ่ง")
        );
        let Document::Letter(monk) = letter(json!({ "rank": "นมัสการ" })).unwrap()
        else {
            panic!()
        };
        assert_eq!(monk.sign_off(), "ขอนมัสการด้วยความเคารพ");
        let Document::Letter(typed) =
            letter(json!({ "rank": "high", "sign_off": "ขอแสดงความนับถืออย่างสูง" })).unwrap()
        else {
            panic!()
        };
        assert_eq!(typed.salutation(), "กราบเรียน");
        assert_eq!(typed.sign_off(), "ขอแสดงความนับถืออย่างสูง");
        let bad = letter(json!({ "rank": "king" })).unwrap_err().to_string();
        assert!(bad.starts_with("rank: unknown rank 'king'"), "{bad}");
        let missing = letter(json!({ "contact": { "phone": "1" } }))
            .unwrap_err()
            .to_string();
        assert_eq!(missing, "contact.unit: missing (required)");
    }

    #[test]
    fn a_stamped_letter_serves_only_the_matters_the_regulation_allows() {
        let stamped = |matter: &str, order: Option<&str>| {
            let mut value = json!({
                "format": FORMAT,
                "kind": "stamped",
                "number": { "prefix": "ตร ๗๑๐๐๑" },
                "to": "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดตราด",
                "subject": "ตอบรับหนังสือ",
                "matter": matter,
                "body": ["ได้รับหนังสือแล้ว"],
                "agency": "องค์การบริหารส่วนตำบลวังกระแจะ",
                "signer": { "name": "นางสาวสมใจ ตั้งใจดี", "position": "หัวหน้าสำนักปลัด" },
                "date": "2025-05-02",
                "contact": { "unit": "สำนักปลัด", "phone": "๐ ๓๙๕๑ ๑๒๓๔" },
            });
            if let Some(order) = order {
                value["order"] = json!(order);
            }
            document_from_value(value)
        };
        assert!(matches!(
            stamped("acknowledgement", None).unwrap(),
            Document::Stamped(s) if s.matter == Matter::Acknowledgement
        ));
        let refused = stamped("budget", None).unwrap_err();
        assert_eq!(refused.path, "matter");
        assert!(refused.message.contains("การเตือนเรื่องที่ค้าง"), "{refused}");
        let unordered = stamped("ordered", None).unwrap_err();
        assert_eq!(unordered.path, "order");
        assert!(stamped("ordered", Some("คำสั่ง ที่ ๑/๒๕๖๘")).is_ok());
        let stray = stamped("details", Some("คำสั่ง ที่ ๑/๒๕๖๘")).unwrap_err();
        assert_eq!(stray.path, "order");
    }

    /// Memos and orders written before these kinds existed read and write
    /// back as they did: no new field appears when absent.
    #[test]
    fn older_memos_and_orders_write_no_new_fields() {
        for (text, syntax) in [
            (
                include_str!("../../../examples/ita-report-2568.toml"),
                crate::Syntax::Toml,
            ),
            (
                include_str!("../../../examples/order-490-2567.toml"),
                crate::Syntax::Toml,
            ),
            (
                include_str!("../../../examples/order-490-2567-delegated.json"),
                crate::Syntax::Json,
            ),
        ] {
            let value = crate::document::read_value(text, syntax).unwrap();
            let written = match document_from_value(value.clone()).unwrap() {
                Document::Memo(memo) => serde_json::to_value(&memo).unwrap(),
                Document::Order(order) => serde_json::to_value(&order).unwrap(),
                other => panic!("{}", other.kind()),
            };
            for key in written.as_object().unwrap().keys() {
                assert!(
                    value.get(key).is_some() || written[key].is_null() || written[key] == json!([]),
                    "{key} is new"
                );
                assert!(
                    !["copies", "effective_from"].contains(&key.as_str()),
                    "{key}"
                );
            }
            // Endorsements keep their date where they had one.
            if let Some(endorsements) = value.get("endorsements") {
                assert_eq!(
                    written["endorsements"][0]["date"], endorsements[0]["date"],
                    "{written}"
                );
            }
        }
    }

    fn example_org() -> crate::org::OrgConfig {
        crate::org::OrgConfig::parse_toml(include_str!(
            "../../../examples/organisation/wangkrachae.toml"
        ))
        .unwrap()
    }

    #[test]
    fn a_stamped_letters_route_is_signed_by_a_head_of_unit() {
        let mut config = example_org();
        let stamped = config
            .routes
            .iter()
            .position(|r| r.kind == "stamped")
            .unwrap();
        config.routes[stamped].sign = crate::slug::Slug::parse("legal-assistant").unwrap();
        let value = serde_json::to_value(&config).unwrap();
        let refused = crate::org::OrgConfig::from_value(value).unwrap_err();
        assert_eq!(refused.path, format!("routes[{stamped}].sign"));
        assert!(refused.message.contains("head of unit"), "{refused}");
        // Which positions head a unit is the organisation's to say.
        config
            .heads_of_unit
            .push(crate::slug::Slug::parse("legal-assistant").unwrap());
        let value = serde_json::to_value(&config).unwrap();
        assert!(crate::org::OrgConfig::from_value(value).is_ok());
    }

    #[test]
    fn outgoing_letters_share_the_register_of_memos_and_announcements_keep_theirs() {
        let config = example_org();
        let register = |kind: &str| config.route(kind).unwrap().register;
        assert_eq!(register("letter"), register("memo"));
        assert_eq!(register("stamped"), register("memo"));
        assert_eq!(register("announcement").as_str(), "announcement");
        let mut wrong = config.clone();
        let announcement = wrong
            .routes
            .iter()
            .position(|r| r.kind == "announcement")
            .unwrap();
        wrong.routes[announcement].register = crate::slug::Slug::parse("memo").unwrap();
        let refused =
            crate::org::OrgConfig::from_value(serde_json::to_value(&wrong).unwrap()).unwrap_err();
        assert_eq!(refused.path, format!("routes[{announcement}].register"));
    }
}
