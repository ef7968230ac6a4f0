//! The documents saraban typesets, as read from an input file (format
//! `saraban/1`, documented in docs/document-format.md).
//!
//! Reading is the one place where input is checked: every field arrives as a
//! type that cannot hold a wrong value, and a refusal names the field's path.

use std::fmt;
use std::num::NonZeroU32;
use std::path::PathBuf;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

pub use crate::enclosure::Sha256;
use crate::ids::DocumentId;
pub use crate::outgoing::{Contact, Matter, Rank};
use crate::register::{NumberPattern, RegisterNumber, RegisterPrefix};
use crate::text::{Cell, Line, Paragraph};
use crate::thai::{DigitStyle, ThaiDate};

/// The input format this build reads.
pub const FORMAT: &str = "saraban/1";

/// The kinds of document saraban can typeset, by their input name.
pub const KINDS: [(&str, &str); 5] = [
    ("memo", "บันทึกข้อความ"),
    ("order", "คำสั่ง"),
    ("letter", "หนังสือภายนอก"),
    ("stamped", "หนังสือประทับตรา"),
    ("announcement", "ประกาศ"),
];

/// The kinds that are outgoing correspondence (หนังสือส่ง): they may share
/// one register, the ทะเบียนหนังสือส่ง.
pub const OUTGOING: [&str; 3] = ["memo", "letter", "stamped"];

/// Whether a register that numbers `register_kind` may number documents of
/// `kind`: its own kind, or any outgoing kind in a register of outgoing
/// correspondence.
pub fn register_numbers(register_kind: &str, kind: &str) -> bool {
    register_kind == kind || (OUTGOING.contains(&register_kind) && OUTGOING.contains(&kind))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Memo(Memo),
    Order(Order),
    Letter(Letter),
    Stamped(Stamped),
    Announcement(Announcement),
}

impl Document {
    pub fn kind(&self) -> &'static str {
        match self {
            Document::Memo(_) => "memo",
            Document::Order(_) => "order",
            Document::Letter(_) => "letter",
            Document::Stamped(_) => "stamped",
            Document::Announcement(_) => "announcement",
        }
    }

    /// The kind's name in Thai.
    pub fn kind_name(&self) -> &'static str {
        KINDS
            .iter()
            .find(|(kind, _)| *kind == self.kind())
            .map(|(_, name)| *name)
            .unwrap_or_default()
    }

    /// The body's blocks.
    pub fn body(&self) -> &Body {
        match self {
            Document::Memo(memo) => &memo.body,
            Document::Order(order) => &order.body,
            Document::Letter(letter) => &letter.body,
            Document::Stamped(stamped) => &stamped.body,
            Document::Announcement(announcement) => &announcement.body,
        }
    }

    pub fn common(&self) -> &Common {
        match self {
            Document::Memo(memo) => &memo.common,
            Document::Order(order) => &order.common,
            Document::Letter(letter) => &letter.common,
            Document::Stamped(stamped) => &stamped.common,
            Document::Announcement(announcement) => &announcement.common,
        }
    }

    pub fn common_mut(&mut self) -> &mut Common {
        match self {
            Document::Memo(memo) => &mut memo.common,
            Document::Order(order) => &mut order.common,
            Document::Letter(letter) => &mut letter.common,
            Document::Stamped(stamped) => &mut stamped.common,
            Document::Announcement(announcement) => &mut announcement.common,
        }
    }

    /// เรื่อง (a stamped letter prints none; its subject is for the register).
    pub fn subject(&self) -> &Paragraph {
        match self {
            Document::Memo(memo) => &memo.subject,
            Document::Order(order) => &order.subject,
            Document::Letter(letter) => &letter.subject,
            Document::Stamped(stamped) => &stamped.subject,
            Document::Announcement(announcement) => &announcement.subject,
        }
    }

    pub fn date(&self) -> ThaiDate {
        match self {
            Document::Memo(memo) => memo.date,
            Document::Order(order) => order.date,
            Document::Letter(letter) => letter.date,
            Document::Stamped(stamped) => stamped.date,
            Document::Announcement(announcement) => announcement.date,
        }
    }

    /// The received letter this one answers, where the kind may answer one.
    pub fn in_reply_to(&self) -> Option<&DocumentId> {
        match self {
            Document::Memo(memo) => memo.in_reply_to.as_ref(),
            Document::Letter(letter) => letter.in_reply_to.as_ref(),
            Document::Stamped(stamped) => stamped.in_reply_to.as_ref(),
            Document::Order(_) | Document::Announcement(_) => None,
        }
    }

    /// สิ่งที่ส่งมาด้วย, where the kind has them (memo, letter).
    pub fn enclosures(&self) -> &[Enclosure] {
        match self {
            Document::Memo(memo) => &memo.enclosures,
            Document::Letter(letter) => &letter.enclosures,
            _ => &[],
        }
    }

    pub fn signer(&self) -> &Signer {
        match self {
            Document::Memo(memo) => &memo.signer,
            Document::Order(order) => &order.signer,
            Document::Letter(letter) => &letter.signer,
            Document::Stamped(stamped) => &stamped.signer,
            Document::Announcement(announcement) => &announcement.signer,
        }
    }

    /// The register number printed after "ที่", when one has been allocated.
    pub fn register_number(&self) -> Option<RegisterNumber> {
        match self {
            Document::Memo(memo) => memo.number.number.map(|number| RegisterNumber {
                pattern: NumberPattern::PrefixNumber {
                    prefix: memo.number.prefix.clone(),
                },
                number,
                year: memo.date.year(),
            }),
            Document::Order(order) => order.number.map(|number| RegisterNumber {
                pattern: NumberPattern::NumberYear,
                number,
                year: order.date.year(),
            }),
            Document::Letter(letter) => letter.number.number.map(|number| RegisterNumber {
                pattern: NumberPattern::PrefixNumber {
                    prefix: letter.number.prefix.clone(),
                },
                number,
                year: letter.date.year(),
            }),
            Document::Stamped(stamped) => stamped.number.number.map(|number| RegisterNumber {
                pattern: NumberPattern::PrefixNumber {
                    prefix: stamped.number.prefix.clone(),
                },
                number,
                year: stamped.date.year(),
            }),
            Document::Announcement(announcement) => announcement
                .number
                .filter(|_| !announcement.unnumbered)
                .map(|number| RegisterNumber {
                    pattern: NumberPattern::NumberYear,
                    number,
                    year: announcement.date.year(),
                }),
        }
    }
}

/// Fields every kind shares.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Common {
    /// Stable identity of the document (stored in the PDF metadata).
    #[serde(default)]
    pub id: Option<Line>,
    #[serde(default)]
    pub style: Style,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    #[serde(default)]
    pub secrecy: Option<Secrecy>,
    /// ภายในวันที่: the day it must be dealt with by (issue 18). Optional,
    /// and written only when given, so a document without one keeps its
    /// bytes; its reminders go out one working day before and on the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<ThaiDate>,
    /// How anyone checks the issued document: set by the engine at issue,
    /// printed with a QR code at the foot of the last page.
    #[serde(default)]
    pub verification: Option<Verification>,
}

/// The public check of an issued document.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The short code that finds the document's public record.
    pub code: Line,
    /// The page of that record (`…/verify/CODE`), also the QR code's
    /// content; none where the organisation has no public address.
    #[serde(default)]
    pub url: Option<Line>,
    /// The newest signed checkpoint of the log when the document was
    /// issued, in short.
    #[serde(default)]
    pub checkpoint: Option<Line>,
}

/// What the organisation decides about the look of its documents.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    #[serde(default)]
    pub digits: DigitStyle,
    /// The Garuda artwork (PNG or SVG), relative to the input file.
    #[serde(default)]
    pub emblem: Option<PathBuf>,
    /// A folder of the organisation's own fonts (e.g. TH SarabunIT๙),
    /// relative to the input file.
    #[serde(default)]
    pub font_dir: Option<PathBuf>,
    /// The family to typeset in, when the organisation brings its own.
    #[serde(default)]
    pub font_family: Option<Line>,
}

/// บันทึกข้อความ: an internal memo.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Memo {
    #[serde(skip)]
    pub common: Common,
    /// ส่วนราชการ
    pub unit: Line,
    #[serde(default)]
    pub phone: Option<Line>,
    /// ที่
    pub number: MemoNumber,
    /// วันที่
    pub date: ThaiDate,
    /// เรื่อง
    pub subject: Paragraph,
    /// เรียน
    pub to: Line,
    /// อ้างถึง
    #[serde(default)]
    pub references: Vec<Paragraph>,
    /// The received letter (หนังสือรับ) this one answers: issuing it
    /// answers that letter, whose page and register then say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<DocumentId>,
    /// สิ่งที่ส่งมาด้วย
    #[serde(default)]
    pub enclosures: Vec<Enclosure>,
    pub body: Body,
    #[serde(default)]
    pub closing: Option<Line>,
    pub signer: Signer,
    /// เกษียณ: the endorsements written on the memo on its way up.
    #[serde(default)]
    pub endorsements: Vec<Endorsement>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemoNumber {
    pub prefix: RegisterPrefix,
    /// Empty until the registrar numbers the memo.
    #[serde(default)]
    pub number: Option<NonZeroU32>,
}

/// คำสั่ง: an order of the organisation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    #[serde(skip)]
    pub common: Common,
    /// The issuing authority printed after "คำสั่ง".
    pub authority: Line,
    /// The running number; the year is the B.E. year of `date`.
    #[serde(default)]
    pub number: Option<NonZeroU32>,
    pub subject: Paragraph,
    pub body: Body,
    /// "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป"
    #[serde(default)]
    pub effective: Option<Paragraph>,
    /// The day the order takes effect: printed "ทั้งนี้ ตั้งแต่วันที่ …
    /// เป็นต้นไป" (instead of `effective`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<ThaiDate>,
    /// สั่ง ณ วันที่
    pub date: ThaiDate,
    /// Print `date` as set, not the date the order is signed on (the
    /// default, `compose`). Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_date: bool,
    pub signer: Signer,
    /// สำเนาส่ง: who receives a copy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<Paragraph>,
}

/// One entry of สิ่งที่ส่งมาด้วย: its title, printed in order, and the file
/// it names when one is attached. Written as the title alone (every
/// document before files, byte for byte) or as
/// `{ "title", "sha256", "filename"? }`; the hash puts the file's bytes
/// under the content hash, and so under the event of the version.
#[derive(Debug, Clone, PartialEq)]
pub struct Enclosure {
    pub title: Paragraph,
    pub file: Option<EnclosedFile>,
}

/// The file of an enclosure, by its SHA-256 among the organisation's
/// stored files, with the name it was sent under.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnclosedFile {
    pub sha256: Sha256,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<Line>,
}

impl Enclosure {
    pub fn titled(title: Paragraph) -> Self {
        Enclosure { title, file: None }
    }
}

impl Serialize for Enclosure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.file {
            None => self.title.serialize(serializer),
            Some(file) => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("title", &self.title)?;
                map.serialize_entry("sha256", &file.sha256)?;
                if let Some(name) = &file.filename {
                    map.serialize_entry("filename", name)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Enclosure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnclosureVisitor;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct WithFile {
            title: Paragraph,
            sha256: Sha256,
            #[serde(default)]
            filename: Option<Line>,
        }
        impl<'de> Visitor<'de> for EnclosureVisitor {
            type Value = Enclosure;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a title, or { title, sha256, filename }")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Enclosure, E> {
                Paragraph::parse(text)
                    .map(Enclosure::titled)
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Enclosure, A::Error> {
                let with = WithFile::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Enclosure {
                    title: with.title,
                    file: Some(EnclosedFile {
                        sha256: with.sha256,
                        filename: with.filename,
                    }),
                })
            }
        }
        deserializer.deserialize_any(EnclosureVisitor)
    }
}

/// The effective clause as printed: the typed one, or the one made from
/// the date in the era form.
pub fn effective_clause(
    typed: Option<&Paragraph>,
    from: Option<ThaiDate>,
    digits: DigitStyle,
) -> Option<String> {
    match (typed, from) {
        (Some(typed), _) => Some(typed.as_str().to_owned()),
        (None, Some(date)) => Some(format!(
            "ทั้งนี้ ตั้งแต่วันที่ {} เป็นต้นไป",
            date.full_with_era(digits)
        )),
        (None, None) => None,
    }
}

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
    /// The received letter (หนังสือรับ) this one answers: issuing it
    /// answers that letter, whose page and register then say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<DocumentId>,
    /// สิ่งที่ส่งมาด้วย
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enclosures: Vec<Enclosure>,
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
    /// The received letter (หนังสือรับ) this one answers: issuing it
    /// answers that letter, whose page and register then say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<DocumentId>,
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

/// The body: at least one block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body(Vec<Block>);

impl Body {
    pub fn blocks(&self) -> &[Block] {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<BlockEntry>::deserialize(deserializer)?;
        if entries.is_empty() {
            return Err(de::Error::custom("must hold at least one paragraph"));
        }
        Ok(Body(entries.into_iter().flat_map(|e| e.0).collect()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// A paragraph, printed with the first-line indent.
    Paragraph(Paragraph),
    /// A centred bold line (the title of a report inside a memo).
    Heading(Paragraph),
    Table(Table),
    /// Labelled items, indented; in the file they stand alone or follow
    /// the paragraph, heading or table of their block.
    Items(Items),
}

/// One entry of `body` in the file: a block, and the items written with it
/// (`{ paragraph = …, items = […] }`), which become a block of their own.
struct BlockEntry(Vec<Block>);

/// In the file a block is a plain string (a paragraph) or a table with one
/// of `paragraph`, `heading`, `table`, and/or `items` (+ `numbering`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockFields {
    #[serde(default)]
    paragraph: Option<Paragraph>,
    #[serde(default)]
    heading: Option<Paragraph>,
    #[serde(default)]
    table: Option<Table>,
    #[serde(default)]
    items: Option<Vec<Item>>,
    #[serde(default)]
    numbering: Option<Numbering>,
}

impl<'de> Deserialize<'de> for BlockEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlockVisitor;
        impl<'de> Visitor<'de> for BlockVisitor {
            type Value = BlockEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a paragraph (string) or a table with `paragraph`, `heading`, `table` or `items`",
                )
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<BlockEntry, E> {
                let text = Paragraph::parse(text).map_err(E::custom)?;
                Ok(BlockEntry(vec![Block::Paragraph(text)]))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<BlockEntry, A::Error> {
                let fields = BlockFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let mut blocks = Vec::new();
                if let Some(text) = fields.paragraph {
                    blocks.push(Block::Paragraph(text));
                }
                if let Some(text) = fields.heading {
                    blocks.push(Block::Heading(text));
                }
                if let Some(table) = fields.table {
                    blocks.push(Block::Table(table));
                }
                if blocks.len() > 1 {
                    return Err(de::Error::custom(
                        "a block holds at most one of `paragraph`, `heading`, `table`",
                    ));
                }
                match fields.items {
                    None if fields.numbering.is_some() => {
                        return Err(de::Error::custom("`numbering` goes with `items`"));
                    }
                    None if blocks.is_empty() => {
                        return Err(de::Error::custom(
                            "a block holds one of `paragraph`, `heading`, `table`, `items`",
                        ));
                    }
                    None => {}
                    // Older files write `items = []` after a paragraph.
                    Some(items) if items.is_empty() && !blocks.is_empty() => {}
                    Some(items) => {
                        let items = Items::new(fields.numbering, items, None)
                            .map_err(|e| de::Error::custom(within("items", &e)))?;
                        blocks.push(Block::Items(items));
                    }
                }
                Ok(BlockEntry(blocks))
            }
        }
        deserializer.deserialize_any(BlockVisitor)
    }
}

/// A list of items at one level, and how its items are numbered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Items {
    pub numbering: Numbering,
    pub items: Vec<Item>,
}

impl Items {
    /// The texts of the items and their sub-items, in reading order.
    pub fn texts(&self) -> Vec<&Paragraph> {
        let mut texts = Vec::new();
        for item in &self.items {
            texts.push(&item.text);
            if let Some(sub) = &item.items {
                texts.extend(sub.texts());
            }
        }
        texts
    }

    /// Checks a list read from the file: not empty, numbering that fits
    /// its level, and no third level. `parent` is the numbering of the
    /// list above, for a list of sub-items.
    fn new(
        numbering: Option<Numbering>,
        items: Vec<Item>,
        parent: Option<Numbering>,
    ) -> Result<Self, String> {
        if items.is_empty() {
            return Err("must hold at least one item".into());
        }
        let numbering = numbering.unwrap_or(match parent {
            None => Numbering::ParenNumber,
            Some(parent) => parent.sub_default(),
        });
        if parent.is_none() && numbering == Numbering::Nested {
            return Err(
                "numbering \"1.1\" numbers sub-items after their item; the first level takes \"1.\""
                    .into(),
            );
        }
        if let Some(max) = numbering.capacity()
            && items.len() > max
        {
            return Err(format!(
                "{} items are more than the {max} that numbering \"{}\" can label",
                items.len(),
                numbering.name()
            ));
        }
        let mut checked = Vec::with_capacity(items.len());
        for (i, mut item) in items.into_iter().enumerate() {
            if let Some(sub) = item.pending.take() {
                if parent.is_some() {
                    return Err(format!("[{i}].items: items nest two levels deep at most"));
                }
                item.items = Some(
                    Items::new(sub.numbering, sub.items, Some(numbering))
                        .map_err(|e| within(&format!("[{i}].items"), &e))?,
                );
            }
            checked.push(item);
        }
        Ok(Items {
            numbering,
            items: checked,
        })
    }
}

/// Puts a reason under a part of a block: "items: …", "items[1].items: …".
fn within(part: &str, reason: &str) -> String {
    if reason.starts_with('[') {
        format!("{part}{reason}")
    } else {
        format!("{part}: {reason}")
    }
}

/// One item: its text, the label typed for it (or none, to number it),
/// and its own sub-items (second level only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub label: Option<Line>,
    pub text: Paragraph,
    pub items: Option<Items>,
    /// Sub-items as read, before their level is checked.
    #[serde(skip)]
    pending: Option<PendingItems>,
}

#[derive(Debug, Clone, PartialEq)]
struct PendingItems {
    numbering: Option<Numbering>,
    items: Vec<Item>,
}

impl Item {
    pub fn new(label: Option<Line>, text: Paragraph, items: Option<Items>) -> Self {
        Self {
            label,
            text,
            items,
            pending: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFields {
    #[serde(default)]
    label: Option<Line>,
    text: Paragraph,
    #[serde(default)]
    items: Option<Vec<Item>>,
    #[serde(default)]
    numbering: Option<Numbering>,
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = Item;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an item (string) or a table with `text` and `label` or `items`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Item, E> {
                Ok(Item::new(
                    None,
                    Paragraph::parse(text).map_err(E::custom)?,
                    None,
                ))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Item, A::Error> {
                let fields = ItemFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if fields.numbering.is_some() && fields.items.is_none() {
                    return Err(de::Error::custom("`numbering` goes with `items`"));
                }
                let mut item = Item::new(fields.label, fields.text, None);
                item.pending = fields.items.map(|items| PendingItems {
                    numbering: fields.numbering,
                    items,
                });
                Ok(item)
            }
        }
        deserializer.deserialize_any(ItemVisitor)
    }
}

/// How saraban labels items that carry no label of their own. Written in
/// the file as the label of the first item: "(1)", "1.", "ก." …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Numbering {
    /// (๑) (๒) (๓)
    ParenNumber,
    /// ๑. ๒. ๓.
    DotNumber,
    /// ๑) ๒) ๓)
    CloseNumber,
    /// ก. ข. ค.
    DotLetter,
    /// (ก) (ข) (ค)
    ParenLetter,
    /// ก) ข) ค)
    CloseLetter,
    /// ๑.๑ ๑.๒: the item's number after its parent's.
    Nested,
    /// A dash before every item.
    Dash,
}

/// The letters Thai lists count with: the alphabet without the obsolete
/// ฃ and ฅ, and without ฆ, which lists skip (ก ข ค ง จ, as CSS's
/// `thai-alphabetic` does).
pub const LIST_LETTERS: [&str; 41] = [
    "ก", "ข", "ค", "ง", "จ", "ฉ", "ช", "ซ", "ฌ", "ญ", "ฎ", "ฏ", "ฐ", "ฑ", "ฒ", "ณ", "ด", "ต", "ถ",
    "ท", "ธ", "น", "บ", "ป", "ผ", "ฝ", "พ", "ฟ", "ภ", "ม", "ย", "ร", "ล", "ว", "ศ", "ษ", "ส", "ห",
    "ฬ", "อ", "ฮ",
];

impl Numbering {
    const ALL: [(Numbering, &'static str, &'static str); 8] = [
        (Numbering::ParenNumber, "(1)", "(๑)"),
        (Numbering::DotNumber, "1.", "๑."),
        (Numbering::CloseNumber, "1)", "๑)"),
        (Numbering::DotLetter, "ก.", "ก."),
        (Numbering::ParenLetter, "(ก)", "(ก)"),
        (Numbering::CloseLetter, "ก)", "ก)"),
        (Numbering::Nested, "1.1", "๑.๑"),
        (Numbering::Dash, "-", "-"),
    ];

    /// The name of this numbering in the file.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(n, ..)| *n == self)
            .map(|(_, name, _)| *name)
            .unwrap_or_default()
    }

    /// The numbering of sub-items when the file names none.
    fn sub_default(self) -> Numbering {
        match self {
            Numbering::DotNumber | Numbering::Nested => Numbering::Nested,
            Numbering::ParenNumber => Numbering::ParenLetter,
            Numbering::CloseNumber => Numbering::CloseLetter,
            Numbering::DotLetter | Numbering::ParenLetter => Numbering::ParenNumber,
            Numbering::CloseLetter => Numbering::CloseNumber,
            Numbering::Dash => Numbering::Dash,
        }
    }

    /// How many items the style can label, when it runs out.
    fn capacity(self) -> Option<usize> {
        match self {
            Numbering::DotLetter | Numbering::ParenLetter | Numbering::CloseLetter => {
                Some(LIST_LETTERS.len())
            }
            _ => None,
        }
    }

    /// The label of the `index`-th item (from 0); `parent` is the label of
    /// the item above, for `Nested`.
    pub fn label(self, index: usize, parent: Option<&str>, digits: DigitStyle) -> String {
        let number = digits.number(index as u64 + 1);
        let letter = LIST_LETTERS.get(index).copied().unwrap_or("?");
        match self {
            Numbering::ParenNumber => format!("({number})"),
            Numbering::DotNumber => format!("{number}."),
            Numbering::CloseNumber => format!("{number})"),
            Numbering::DotLetter => format!("{letter}."),
            Numbering::ParenLetter => format!("({letter})"),
            Numbering::CloseLetter => format!("{letter})"),
            Numbering::Dash => "-".to_owned(),
            Numbering::Nested => {
                let stem = parent
                    .unwrap_or_default()
                    .trim()
                    .trim_start_matches('(')
                    .trim_end_matches([')', '.']);
                if stem.is_empty() {
                    format!("{number}.")
                } else {
                    format!("{stem}.{number}")
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for Numbering {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let text = text.trim();
        Self::ALL
            .iter()
            .find(|(_, name, thai)| text == *name || text == *thai)
            .map(|(n, ..)| *n)
            .ok_or_else(|| {
                let known: Vec<String> = Self::ALL
                    .iter()
                    .map(|(_, name, _)| format!("\"{name}\""))
                    .collect();
                de::Error::custom(format!(
                    "unknown numbering '{text}'; expected one of {}",
                    known.join(", ")
                ))
            })
    }
}

/// How the text of a column or a cell sits in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    #[serde(alias = "centre")]
    Center,
    Right,
    /// Right-aligned on the decimal point: amounts with and without
    /// satang line up.
    Decimal,
}

/// A table: header rows that repeat on every page, body rows, and footer
/// rows printed once in bold after the last row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// The last header row: one name per column, which sets the count.
    pub columns: Vec<Line>,
    /// Relative column widths; equal when not given.
    pub widths: Vec<f64>,
    /// Per column; left when not given.
    pub align: Vec<Align>,
    /// Header rows printed above `columns` (grouping headings).
    pub header: Vec<Vec<TableCell>>,
    pub rows: Vec<Vec<TableCell>>,
    /// Totals and notes, printed once, bold, after the last row.
    pub footer: Vec<Vec<TableCell>>,
}

/// A cell: its text, the columns it covers, and its own alignment when it
/// differs from its column's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableCell {
    pub text: Cell,
    pub span: NonZeroU32,
    pub align: Option<Align>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CellFields {
    #[serde(default)]
    text: Cell,
    #[serde(default)]
    span: Option<NonZeroU32>,
    #[serde(default)]
    align: Option<Align>,
}

impl<'de> Deserialize<'de> for TableCell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CellVisitor;
        impl<'de> Visitor<'de> for CellVisitor {
            type Value = TableCell;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a cell (string) or a table with `text`, `span`, `align`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<TableCell, E> {
                Ok(TableCell {
                    text: Cell::try_from(text.to_owned()).map_err(E::custom)?,
                    span: NonZeroU32::MIN,
                    align: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TableCell, A::Error> {
                let fields = CellFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(TableCell {
                    text: fields.text,
                    span: fields.span.unwrap_or(NonZeroU32::MIN),
                    align: fields.align,
                })
            }
        }
        deserializer.deserialize_any(CellVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFields {
    columns: Vec<Line>,
    #[serde(default)]
    widths: Option<Vec<f64>>,
    #[serde(default)]
    align: Option<Vec<Align>>,
    #[serde(default)]
    header: Vec<Vec<TableCell>>,
    rows: Vec<Vec<TableCell>>,
    #[serde(default)]
    footer: Vec<Vec<TableCell>>,
}

/// Refuses a row whose cells do not cover exactly `count` columns.
fn check_row(part: &str, index: usize, row: &[TableCell], count: usize) -> Result<(), String> {
    let covered: usize = row.iter().map(|c| c.span.get() as usize).sum();
    if covered == count {
        Ok(())
    } else if row.iter().all(|c| c.span.get() == 1) {
        Err(format!(
            "{part}[{index}]: has {} cells for {count} columns",
            row.len()
        ))
    } else {
        Err(format!(
            "{part}[{index}]: its cells span {covered} columns of {count}"
        ))
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = TableFields::deserialize(deserializer)?;
        let count = fields.columns.len();
        if count == 0 || count > 12 {
            return Err(de::Error::custom(format!(
                "columns: a table needs 1 to 12 columns, not {count}"
            )));
        }
        let widths = match fields.widths {
            None => vec![1.0; count],
            Some(widths) if widths.len() != count => {
                return Err(de::Error::custom(format!(
                    "widths: has {} entries for {count} columns",
                    widths.len()
                )));
            }
            Some(widths) => {
                if let Some(bad) = widths.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
                    return Err(de::Error::custom(format!(
                        "widths[{bad}]: must be a positive number"
                    )));
                }
                widths
            }
        };
        let align = match fields.align {
            None => vec![Align::Left; count],
            Some(align) if align.len() != count => {
                return Err(de::Error::custom(format!(
                    "align: has {} entries for {count} columns",
                    align.len()
                )));
            }
            Some(align) => align,
        };
        for (part, rows) in [
            ("header", &fields.header),
            ("rows", &fields.rows),
            ("footer", &fields.footer),
        ] {
            for (index, row) in rows.iter().enumerate() {
                check_row(part, index, row, count).map_err(de::Error::custom)?;
            }
        }
        Ok(Table {
            columns: fields.columns,
            widths,
            align,
            header: fields.header,
            rows: fields.rows,
            footer: fields.footer,
        })
    }
}

/// The person who signs, and the capacity they sign in.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    /// Full name with title, printed in parentheses.
    pub name: Line,
    /// Own position; may run over several lines.
    pub position: Paragraph,
    /// A typed signature standing for the handwritten one (2564 amendment).
    #[serde(default)]
    pub signature: Option<Line>,
    #[serde(default)]
    pub acting: Option<Acting>,
    /// The handwritten signature printed above the name: the lowercase hex
    /// SHA-256 of its normalised PNG. Set only by saraban's composition from
    /// the approvals; a drafter's input carrying it is refused as unknown, and
    /// documents without it serialise as before.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub signature_image: Option<String>,
}

/// Acting for another position: the wording printed under the position.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Acting {
    pub capacity: Capacity,
    /// The principal's position ("นายกองค์การบริหารส่วนตำบลวังกระแจะ").
    pub principal: Paragraph,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum Capacity {
    /// ปฏิบัติราชการแทน: power delegated by a written order.
    #[serde(rename = "ปฏิบัติราชการแทน", alias = "delegated")]
    Delegated,
    /// รักษาราชการแทน: acting while the holder cannot act.
    #[serde(rename = "รักษาราชการแทน", alias = "acting")]
    Acting,
    /// รักษาการในตำแหน่ง: acting in a vacant position.
    #[serde(rename = "รักษาการในตำแหน่ง", alias = "acting_in_position")]
    ActingInPosition,
}

impl Capacity {
    pub fn wording(self) -> &'static str {
        match self {
            Capacity::Delegated => "ปฏิบัติราชการแทน",
            Capacity::Acting => "รักษาราชการแทน",
            Capacity::ActingInPosition => "รักษาการในตำแหน่ง",
        }
    }
}

/// เกษียณ: an opinion written on the document by a reviewer or the signer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    /// "เห็นควรทราบ", "ทราบ", "เห็นควรอนุมัติ" ...
    pub opinion: Paragraph,
    pub name: Line,
    pub position: Paragraph,
    /// Some signers write no date ("ทราบ" alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<ThaiDate>,
    #[serde(default)]
    pub signature: Option<Line>,
    #[serde(default)]
    pub acting: Option<Acting>,
    /// The handwritten signature printed above the name: the lowercase hex
    /// SHA-256 of its normalised PNG. Set only by saraban's composition from
    /// the approvals; a drafter's input carrying it is refused as unknown, and
    /// documents without it serialise as before.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub signature_image: Option<String>,
}

/// ชั้นความเร็ว, printed in red above the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum Urgency {
    #[serde(rename = "ด่วน", alias = "urgent")]
    Urgent,
    #[serde(rename = "ด่วนมาก", alias = "very_urgent")]
    VeryUrgent,
    #[serde(rename = "ด่วนที่สุด", alias = "most_urgent")]
    MostUrgent,
}

impl Urgency {
    pub fn wording(self) -> &'static str {
        match self {
            Urgency::Urgent => "ด่วน",
            Urgency::VeryUrgent => "ด่วนมาก",
            Urgency::MostUrgent => "ด่วนที่สุด",
        }
    }
}

/// ชั้นความลับ, printed in red at the top and bottom of each page.
/// ลับที่สุด (top secret) stays off-system and is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Secrecy {
    Confidential,
    Secret,
}

impl Secrecy {
    pub fn wording(self) -> &'static str {
        match self {
            Secrecy::Confidential => "ลับ",
            Secrecy::Secret => "ลับมาก",
        }
    }
}

impl Serialize for Secrecy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.wording())
    }
}

impl<'de> Deserialize<'de> for Secrecy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.trim() {
            "ลับ" | "confidential" => Ok(Secrecy::Confidential),
            "ลับมาก" | "secret" => Ok(Secrecy::Secret),
            "ลับที่สุด" | "top_secret" => Err(de::Error::custom(
                "ลับที่สุด (top secret) documents are kept off-system",
            )),
            other => Err(de::Error::custom(format!(
                "unknown secrecy class '{other}'; expected ลับ or ลับมาก"
            ))),
        }
    }
}

/// The syntax of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Toml,
}

impl Syntax {
    /// Chooses by file extension: `.toml` is TOML, anything else JSON.
    pub fn of_path(path: &std::path::Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("toml") => Syntax::Toml,
            _ => Syntax::Json,
        }
    }
}

/// Why an input file was refused: the path of the field at fault (empty
/// for the whole file) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct InputError {
    pub path: String,
    pub message: String,
}

impl InputError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        // One line, whatever the parser said.
        let message: String = message.into();
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        Self {
            path: path.into(),
            message,
        }
    }
}

const COMMON_KEYS: [&str; 6] = [
    "id",
    "style",
    "urgency",
    "secrecy",
    "deadline",
    "verification",
];

/// Reads a document from the text of an input file.
pub fn read_document(text: &str, syntax: Syntax) -> Result<Document, InputError> {
    document_from_value(read_value(text, syntax)?)
}

/// Parses an input file into a JSON value in the form saraban stores:
/// TOML dates become "YYYY-MM-DD" strings.
pub fn read_value(text: &str, syntax: Syntax) -> Result<serde_json::Value, InputError> {
    let mut value: serde_json::Value = match syntax {
        Syntax::Json => serde_json::from_str(text)
            .map_err(|e| InputError::new("", format!("not valid JSON: {e}")))?,
        Syntax::Toml => {
            toml::from_str(text).map_err(|e| InputError::new("", format!("not valid TOML: {e}")))?
        }
    };
    flatten_toml_dates(&mut value);
    Ok(value)
}

fn flatten_toml_dates(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let (1, Some(Value::String(date))) = (map.len(), map.get("$__toml_private_datetime"))
            {
                *value = Value::String(date.clone());
                return;
            }
            map.values_mut().for_each(flatten_toml_dates);
        }
        Value::Array(items) => items.iter_mut().for_each(flatten_toml_dates),
        _ => {}
    }
}

/// A document as its drafter sent it: read, and the canonical bytes
/// (RFC 8785) of the JSON exactly as sent, with their SHA-256. The store
/// keeps and hashes those bytes, never the document written out again, so
/// a content hash is over what the client sent (as it always was).
#[derive(Debug, Clone)]
pub struct Drafted {
    document: Document,
    canonical: String,
    content_hash: String,
}

impl Drafted {
    /// Reads `value` as a document (format saraban/1) and keeps its
    /// canonical bytes.
    pub fn from_value(value: serde_json::Value) -> Result<Self, InputError> {
        let bytes =
            serde_jcs::to_vec(&value).map_err(|e| InputError::new("content", e.to_string()))?;
        let document = document_from_value(value)?;
        let content_hash = crate::ledger::sha256_hex(&bytes);
        Ok(Drafted {
            document,
            canonical: String::from_utf8(bytes).expect("JSON is UTF-8"),
            content_hash,
        })
    }

    pub fn document(&self) -> &Document {
        &self.document
    }

    pub fn into_document(self) -> Document {
        self.document
    }

    /// The document's kind ("memo", "order").
    pub fn kind(&self) -> &str {
        self.document.kind()
    }

    /// The canonical JSON (RFC 8785) of the content as sent.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The SHA-256 of `canonical`, in hex: the content hash events carry.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }
}

/// Reads a document from an already parsed JSON value (the HTTP API's path).
pub fn document_from_value(value: serde_json::Value) -> Result<Document, InputError> {
    let serde_json::Value::Object(mut fields) = value else {
        return Err(InputError::new("", "the document must be a table/object"));
    };
    match fields.remove("format") {
        Some(serde_json::Value::String(format)) if format == FORMAT => {}
        Some(other) => {
            return Err(InputError::new(
                "format",
                format!("unsupported format {other}; this build reads \"{FORMAT}\""),
            ));
        }
        None => {
            return Err(InputError::new(
                "format",
                format!("missing; write format = \"{FORMAT}\""),
            ));
        }
    }
    let known = KINDS
        .iter()
        .map(|(name, thai)| format!("{name} ({thai})"))
        .collect::<Vec<_>>()
        .join(", ");
    let kind = match fields.remove("kind") {
        Some(serde_json::Value::String(kind)) => kind,
        Some(_) | None => {
            return Err(InputError::new(
                "kind",
                format!("missing; known kinds: {known}"),
            ));
        }
    };
    let mut common_fields = serde_json::Map::new();
    for key in COMMON_KEYS {
        if let Some(value) = fields.remove(key) {
            common_fields.insert(key.to_owned(), value);
        }
    }
    let common: Common = from_value(serde_json::Value::Object(common_fields))?;
    let rest = serde_json::Value::Object(fields);
    match kind.as_str() {
        "memo" => {
            let mut memo: Memo = from_value(rest)?;
            memo.common = common;
            Ok(Document::Memo(memo))
        }
        "order" => {
            let mut order: Order = from_value(rest)?;
            one_clause(order.effective.is_some(), order.effective_from.is_some())?;
            order.common = common;
            Ok(Document::Order(order))
        }
        "letter" => {
            let mut letter: Letter = from_value(rest)?;
            letter.common = common;
            Ok(Document::Letter(letter))
        }
        "stamped" => {
            let mut stamped: Stamped = from_value(rest)?;
            match (stamped.matter, &stamped.order) {
                (Matter::Ordered, None) => {
                    return Err(InputError::new(
                        "order",
                        "missing (required): a stamped letter on a matter the head of the \
                         agency set must name the order that set it",
                    ));
                }
                (matter, Some(_)) if matter != Matter::Ordered => {
                    return Err(InputError::new(
                        "order",
                        format!("only for matter \"ordered\", not \"{matter}\""),
                    ));
                }
                _ => {}
            }
            stamped.common = common;
            Ok(Document::Stamped(stamped))
        }
        "announcement" => {
            let mut announcement: Announcement = from_value(rest)?;
            one_clause(
                announcement.effective.is_some(),
                announcement.effective_from.is_some(),
            )?;
            announcement.common = common;
            Ok(Document::Announcement(announcement))
        }
        other => Err(InputError::new(
            "kind",
            format!("unknown kind '{other}'; known kinds: {known}"),
        )),
    }
}

/// An effective clause is typed or made from its date, not both.
fn one_clause(typed: bool, dated: bool) -> Result<(), InputError> {
    if typed && dated {
        Err(InputError::new(
            "effective_from",
            "give either `effective` (the clause as typed) or `effective_from` (its date), not both",
        ))
    } else {
        Ok(())
    }
}

pub(crate) fn from_value<T: de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, InputError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let mut path = if path == "." { String::new() } else { path };
        let mut message = error.into_inner().to_string();
        // serde names a missing field in the message; name it in the path.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        if let Some(field) = missing {
            path = if path.is_empty() {
                field
            } else {
                format!("{path}.{field}")
            };
            message = "missing (required)".into();
        }
        InputError::new(path, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn memo(body: Value) -> Result<Document, InputError> {
        document_from_value(json!({
            "format": FORMAT,
            "kind": "memo",
            "unit": "สำนักปลัด",
            "number": { "prefix": "ตร ๗๑๐๐๑" },
            "date": "2025-04-09",
            "subject": "ทดสอบ",
            "to": "นายก",
            "body": body,
            "signer": { "name": "นายก ข", "position": "ปลัด" },
        }))
    }

    #[test]
    fn drafted_keeps_the_canonical_bytes_of_what_was_sent() {
        // Keys out of order and spaced: the bytes kept
        // are RFC 8785 of this value, not of the document written again.
        let sent: Value = serde_json::from_str(
            r#"{"subject": "ทดสอบ", "kind": "memo", "format": "saraban/1", "unit": "สำนักปลัด",
                "number": {"prefix": "ตร ๗๑๐๐๑"}, "date": "2025-04-09", "to": "นายก",
                "body": ["ข้อความ"], "signer": {"position": "ปลัด", "name": "นายก ข"}}"#,
        )
        .unwrap();
        let drafted = Drafted::from_value(sent.clone()).unwrap();
        let bytes = serde_jcs::to_vec(&sent).unwrap();
        assert_eq!(drafted.canonical().as_bytes(), bytes.as_slice());
        assert_eq!(drafted.content_hash(), crate::ledger::sha256_hex(&bytes));
        assert_eq!(drafted.kind(), "memo");
        assert_eq!(drafted.document(), &document_from_value(sent).unwrap());
        let refused = Drafted::from_value(json!({ "format": FORMAT })).unwrap_err();
        assert_eq!(refused.path, "kind");
    }

    fn blocks(body: Value) -> Vec<Block> {
        let Document::Memo(memo) = memo(body).unwrap() else {
            unreachable!()
        };
        memo.body.blocks().to_vec()
    }

    fn refused(body: Value) -> String {
        memo(body).unwrap_err().to_string()
    }

    #[test]
    fn items_follow_any_block_and_keep_the_old_form() {
        let body = blocks(json!([
            { "paragraph": "ดังนี้", "items": ["หนึ่ง", "สอง"] },
            { "paragraph": "ไม่มีรายการ", "items": [] },
            { "heading": "หัวข้อ", "items": ["สาม"], "numbering": "ก." },
            { "items": [{ "label": "(ก)", "text": "สี่" }] },
        ]));
        assert!(matches!(&body[0], Block::Paragraph(_)));
        let Block::Items(first) = &body[1] else {
            panic!("{body:?}")
        };
        assert_eq!(first.numbering, Numbering::ParenNumber);
        assert_eq!(first.items.len(), 2);
        assert!(matches!(&body[2], Block::Paragraph(_)));
        assert!(matches!(&body[3], Block::Heading(_)));
        assert!(matches!(&body[4], Block::Items(i) if i.numbering == Numbering::DotLetter));
        let Block::Items(typed) = &body[5] else {
            panic!()
        };
        assert_eq!(typed.items[0].label.as_ref().unwrap().as_str(), "(ก)");
    }

    #[test]
    fn items_nest_two_levels_with_their_own_numbering() {
        let body = blocks(json!([{ "paragraph": "ดังนี้", "numbering": "๑.", "items": [
            { "text": "หนึ่ง", "items": ["ก", "ข"] },
            { "text": "สอง", "numbering": "(1)", "items": ["ค"] },
        ]}]));
        let Block::Items(list) = &body[1] else {
            panic!()
        };
        let first = list.items[0].items.as_ref().unwrap();
        assert_eq!(first.numbering, Numbering::Nested);
        let second = list.items[1].items.as_ref().unwrap();
        assert_eq!(second.numbering, Numbering::ParenNumber);
        assert_eq!(list.texts().len(), 5);

        let deep = refused(json!([{ "items": [
            { "text": "ก", "items": [{ "text": "ข", "items": ["ค"] }] },
        ]}]));
        assert_eq!(
            deep,
            "body[0]: items[0].items[0].items: items nest two levels deep at most"
        );
        assert!(
            refused(json!([{ "items": ["ก"], "numbering": "1.1" }])).contains("sub-items"),
            "1.1 needs a parent"
        );
        assert!(refused(json!([{ "items": [] }])).contains("items: must hold at least one item"));
        assert!(
            refused(json!([{ "paragraph": "ก", "numbering": "1." }])).contains("goes with `items`")
        );
        let unknown = refused(json!([{ "items": ["ก"], "numbering": "i." }]));
        assert!(
            unknown.starts_with("body[0].numbering: unknown numbering 'i.'"),
            "{unknown}"
        );
        assert!(refused(json!([{ "items": [{ "label": "ก." }] }])).contains("text"));
    }

    #[test]
    fn labels_in_each_numbering() {
        let thai = DigitStyle::Thai;
        assert_eq!(Numbering::ParenNumber.label(0, None, thai), "(๑)");
        assert_eq!(Numbering::DotNumber.label(11, None, thai), "๑๒.");
        assert_eq!(
            Numbering::CloseNumber.label(1, None, DigitStyle::Arabic),
            "2)"
        );
        assert_eq!(Numbering::DotLetter.label(2, None, thai), "ค.");
        assert_eq!(Numbering::ParenLetter.label(4, None, thai), "(จ)");
        assert_eq!(Numbering::CloseLetter.label(0, None, thai), "ก)");
        assert_eq!(Numbering::Nested.label(1, Some("๓."), thai), "๓.๒");
        assert_eq!(Numbering::Nested.label(0, Some("(๒)"), thai), "๒.๑");
        assert_eq!(Numbering::Dash.label(5, None, thai), "-");
        let many: Vec<Value> = (0..42).map(|i| json!(format!("ข้อ {i}"))).collect();
        assert!(
            refused(json!([{ "items": many, "numbering": "ก." }])).contains("more than the 41")
        );
    }

    #[test]
    fn tables_take_alignment_spans_and_footers() {
        let body = blocks(json!([{ "table": {
            "columns": ["ที่", "รายการ", "บาท"],
            "align": ["center", "left", "right"],
            "header": [[{ "text": "ค่าใช้จ่าย", "span": 3 }]],
            "rows": [["๑", "กระดาษ", "๑๒๕.๐๐"], [{ "text": "หมวดวัสดุ", "span": 3, "align": "centre" }]],
            "footer": [[{ "text": "รวม", "span": 2 }, "๑๒๕.๐๐"]],
        }}]));
        let Block::Table(table) = &body[0] else {
            panic!()
        };
        assert_eq!(table.align, [Align::Center, Align::Left, Align::Right]);
        assert_eq!(table.header[0][0].span.get(), 3);
        assert_eq!(table.rows[1][0].align, Some(Align::Center));
        assert_eq!(table.footer[0][1].text.as_str(), "๑๒๕.๐๐");

        // Old tables: no alignment, header or footer.
        let old = blocks(json!([{ "table": { "columns": ["a", "b"], "rows": [["1", ""]] } }]));
        let Block::Table(old) = &old[0] else { panic!() };
        assert_eq!(old.align, [Align::Left, Align::Left]);
        assert!(old.header.is_empty() && old.footer.is_empty());

        let table = |extra: Value| {
            let mut t = json!({ "columns": ["a", "b"], "rows": [["1", "2"]] });
            t.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            refused(json!([{ "table": t }]))
        };
        assert_eq!(
            table(json!({ "footer": [[{ "text": "รวม", "span": 3 }]] })),
            "body[0].table: footer[0]: its cells span 3 columns of 2"
        );
        assert_eq!(
            table(json!({ "rows": [["1"]] })),
            "body[0].table: rows[0]: has 1 cells for 2 columns"
        );
        assert_eq!(
            table(json!({ "align": ["left"] })),
            "body[0].table: align: has 1 entries for 2 columns"
        );
        let bad = table(json!({ "align": ["left", "middle"] }));
        assert!(
            bad.starts_with("body[0].table.align[1]: unknown variant `middle`"),
            "{bad}"
        );
        let bad = table(json!({ "header": [[{ "text": "ก", "span": 0 }, "ข"]] }));
        assert!(bad.starts_with("body[0].table.header[0][0].span"), "{bad}");
    }

    // The outgoing kinds (issue 15).

    fn letter(extra: Value) -> Result<Document, InputError> {
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
    fn an_enclosure_is_a_title_or_a_title_with_its_file() {
        let hash = "ab".repeat(32);
        let enclosures = json!([
            "รายงานการประชุม จำนวน ๑ ชุด",
            { "title": "รายงานผล จำนวน ๑ ชุด", "sha256": hash, "filename": "report.pdf" },
        ]);
        let document = letter(json!({ "enclosures": enclosures.clone() })).unwrap();
        let listed = document.enclosures();
        assert_eq!(listed[0].file, None);
        assert_eq!(
            listed[1].file.as_ref().map(|f| f.sha256.as_str()),
            Some(hash.as_str())
        );
        // Written back as read: a title alone stays a string.
        assert_eq!(serde_json::to_value(listed).unwrap(), enclosures);
        let error =
            letter(json!({ "enclosures": [{ "title": "ก", "sha256": "AB" }] })).unwrap_err();
        assert_eq!(error.path, "enclosures[0].sha256", "{error:?}");
        let error = letter(json!({ "enclosures": [{ "title": "ก", "sha256": hash, "size": 1 }] }))
            .unwrap_err();
        assert!(error.message.contains("size"), "{error:?}");
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
                Syntax::Toml,
            ),
            (
                include_str!("../../../examples/order-490-2567.toml"),
                Syntax::Toml,
            ),
            (
                include_str!("../../../examples/order-490-2567-delegated.json"),
                Syntax::Json,
            ),
        ] {
            let value = read_value(text, syntax).unwrap();
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
}
