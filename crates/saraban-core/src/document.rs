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

use crate::register::{NumberPattern, RegisterNumber, RegisterPrefix};
use crate::text::{Cell, Line, Paragraph};
use crate::thai::{DigitStyle, ThaiDate};

/// The input format this build reads.
pub const FORMAT: &str = "saraban/1";

/// The kinds of document saraban can typeset, by their input name.
pub const KINDS: [(&str, &str); 2] = [("memo", "บันทึกข้อความ"), ("order", "คำสั่ง")];

#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Memo(Memo),
    Order(Order),
}

impl Document {
    pub fn kind(&self) -> &'static str {
        match self {
            Document::Memo(_) => "memo",
            Document::Order(_) => "order",
        }
    }

    pub fn common(&self) -> &Common {
        match self {
            Document::Memo(memo) => &memo.common,
            Document::Order(order) => &order.common,
        }
    }

    pub fn common_mut(&mut self) -> &mut Common {
        match self {
            Document::Memo(memo) => &mut memo.common,
            Document::Order(order) => &mut order.common,
        }
    }

    pub fn subject(&self) -> &Paragraph {
        match self {
            Document::Memo(memo) => &memo.subject,
            Document::Order(order) => &order.subject,
        }
    }

    pub fn date(&self) -> ThaiDate {
        match self {
            Document::Memo(memo) => memo.date,
            Document::Order(order) => order.date,
        }
    }

    pub fn signer(&self) -> &Signer {
        match self {
            Document::Memo(memo) => &memo.signer,
            Document::Order(order) => &order.signer,
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
    /// สิ่งที่ส่งมาด้วย
    #[serde(default)]
    pub enclosures: Vec<Paragraph>,
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
    /// สั่ง ณ วันที่
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
        let blocks = Vec::<Block>::deserialize(deserializer)?;
        if blocks.is_empty() {
            return Err(de::Error::custom("must hold at least one paragraph"));
        }
        Ok(Body(blocks))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// A paragraph, printed with the first-line indent; `items` follow it
    /// as numbered sub-items.
    Paragraph {
        text: Paragraph,
        items: Vec<Paragraph>,
    },
    /// A centred bold line (the title of a report inside a memo).
    Heading(Paragraph),
    Table(Table),
}

/// In the file a block is a plain string (a paragraph) or a table with one
/// of `paragraph` (+ `items`), `heading`, `table`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockFields {
    #[serde(default)]
    paragraph: Option<Paragraph>,
    #[serde(default)]
    items: Option<Vec<Paragraph>>,
    #[serde(default)]
    heading: Option<Paragraph>,
    #[serde(default)]
    table: Option<Table>,
}

impl<'de> Deserialize<'de> for Block {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlockVisitor;
        impl<'de> Visitor<'de> for BlockVisitor {
            type Value = Block;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a paragraph (string) or a table with `paragraph`, `heading` or `table`",
                )
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Block, E> {
                Ok(Block::Paragraph {
                    text: Paragraph::parse(text).map_err(E::custom)?,
                    items: Vec::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Block, A::Error> {
                let fields = BlockFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match fields {
                    BlockFields {
                        paragraph: Some(text),
                        items,
                        heading: None,
                        table: None,
                    } => Ok(Block::Paragraph {
                        text,
                        items: items.unwrap_or_default(),
                    }),
                    BlockFields {
                        paragraph: None,
                        items: None,
                        heading: Some(text),
                        table: None,
                    } => Ok(Block::Heading(text)),
                    BlockFields {
                        paragraph: None,
                        items: None,
                        heading: None,
                        table: Some(table),
                    } => Ok(Block::Table(table)),
                    BlockFields {
                        paragraph: None,
                        items: Some(_),
                        ..
                    } => Err(de::Error::custom(
                        "`items` needs the `paragraph` they belong to",
                    )),
                    _ => Err(de::Error::custom(
                        "a block holds exactly one of `paragraph`, `heading`, `table`",
                    )),
                }
            }
        }
        deserializer.deserialize_any(BlockVisitor)
    }
}

/// A table with a header row that repeats on every page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<Line>,
    /// Relative column widths; equal when not given.
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFields {
    columns: Vec<Line>,
    #[serde(default)]
    widths: Option<Vec<f64>>,
    rows: Vec<Vec<Cell>>,
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
        if let Some(row) = fields.rows.iter().position(|row| row.len() != count) {
            return Err(de::Error::custom(format!(
                "rows[{row}]: has {} cells for {count} columns",
                fields.rows[row].len()
            )));
        }
        Ok(Table {
            columns: fields.columns,
            widths,
            rows: fields.rows,
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
    pub date: ThaiDate,
    #[serde(default)]
    pub signature: Option<Line>,
    #[serde(default)]
    pub acting: Option<Acting>,
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
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        // One line, whatever the parser said.
        let message: String = message.into();
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        Self {
            path: path.into(),
            message,
        }
    }
}

const COMMON_KEYS: [&str; 5] = ["id", "style", "urgency", "secrecy", "verification"];

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
            order.common = common;
            Ok(Document::Order(order))
        }
        other => Err(InputError::new(
            "kind",
            format!("unknown kind '{other}'; known kinds: {known}"),
        )),
    }
}

fn from_value<T: de::DeserializeOwned>(value: serde_json::Value) -> Result<T, InputError> {
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
