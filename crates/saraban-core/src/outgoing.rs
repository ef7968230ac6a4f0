//! What the outgoing kinds' forms need beyond their fields (the kinds
//! themselves are in `document`): the table of salutations and closings by
//! the addressee's rank, the contact block of the unit that owns the
//! matter, and the matters a stamped letter may serve.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::text::Line;

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
