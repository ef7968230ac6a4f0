//! The form of every outgoing kind (memo, order, letter, stamped letter,
//! announcement): every part of the official form, body blocks
//! (paragraphs, headings, tables with rows added, removed or pasted from a
//! spreadsheet), a live preview, autosave. The form's field names are the
//! document's own paths (`signer.name`, `body[2].table.rows[0][1]`), so
//! that the engine's complaint about a path lands next to its field. The
//! parts only the letter, stamped letter and announcement have are in
//! `form_kinds`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::org::OrgConfig;
use saraban_core::{DigitStyle, Drafted};
use saraban_store::StoreError;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{
    Fields, WebUser, config_of, failure, html_response, message_page, page, page_images, redirect,
};
use super::dates::{arabic_digits, date_parts, posted_date};
use super::document::may_edit;
use super::form_fields::{FieldError, field, field_id, field_label, lines, select};
use super::form_kinds::{self, KINDS, KindFields};
use super::inbox::return_note;
use super::words;
use crate::state::{AppState, document_id, drafted_for_edit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Paragraph,
    Heading,
    Table,
    /// Numbered items (๑. ๒. / (๑) (๒)), two levels.
    Items,
}

impl BlockKind {
    /// Each kind: its name in the form (`body[i].type`), and in Thai.
    const ALL: [(BlockKind, &'static str, &'static str); 4] = [
        (BlockKind::Paragraph, "paragraph", "ย่อหน้า"),
        (BlockKind::Heading, "heading", "หัวข้อ"),
        (BlockKind::Table, "table", "ตาราง"),
        (BlockKind::Items, "items", "รายการลำดับเลข"),
    ];

    /// The kind a form names; a paragraph if none.
    fn named(name: &str) -> BlockKind {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map_or(BlockKind::Paragraph, |(kind, _, _)| *kind)
    }

    fn thai(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(kind, _, _)| *kind == self)
            .map_or("", |(_, _, thai)| thai)
    }
}

#[derive(Debug, Clone)]
struct BlockDraft {
    kind: BlockKind,
    text: String,
    /// Items: how the first level is numbered (the file's name, "(1)").
    numbering: String,
    /// Items: how sub-items are numbered; empty for the default.
    sub_numbering: String,
    /// Items: the items as the form holds them (see `items_text`).
    list: String,
    /// Items: the list as it came (JSON), kept while the text is unchanged
    /// (labels typed in the file, texts of several lines).
    original: String,
    columns: Vec<String>,
    /// Relative column widths as typed, one per column ("" for equal).
    widths: Vec<String>,
    /// Alignment per column ("left", "center", "right", "decimal").
    align: Vec<String>,
    rows: Vec<Vec<String>>,
    /// The total or footer row, printed once in bold after the last row.
    footer: Option<Vec<String>>,
    /// What of the table the form does not show (header rows, a footer of
    /// spanned cells), kept as it came (JSON).
    table_extra: String,
}

impl BlockDraft {
    fn new(kind: BlockKind) -> Self {
        let table = kind == BlockKind::Table;
        BlockDraft {
            kind,
            text: String::new(),
            numbering: if kind == BlockKind::Items {
                "(1)".into()
            } else {
                String::new()
            },
            sub_numbering: String::new(),
            list: String::new(),
            original: String::new(),
            columns: if table {
                vec!["ลำดับ".into(), "รายการ".into()]
            } else {
                Vec::new()
            },
            widths: if table {
                vec![String::new(); 2]
            } else {
                Vec::new()
            },
            align: if table {
                vec!["left".into(); 2]
            } else {
                Vec::new()
            },
            rows: if table {
                vec![vec![String::new(), String::new()]]
            } else {
                Vec::new()
            },
            footer: None,
            table_extra: String::new(),
        }
    }

    /// Whether nothing is filled in (a new paragraph, say).
    fn is_empty(&self) -> bool {
        match self.kind {
            BlockKind::Paragraph | BlockKind::Heading => self.text.trim().is_empty(),
            BlockKind::Items => self.list.trim().is_empty(),
            BlockKind::Table => self.columns.is_empty(),
        }
    }

    /// Whether the table keeps a footer the form cannot edit (spanned cells).
    fn kept_footer(&self) -> bool {
        serde_json::from_str::<Value>(&self.table_extra)
            .is_ok_and(|extra| extra.get("footer").is_some())
    }

    /// Widths, alignments and footer cells as many as the columns.
    fn fit_columns(&mut self) {
        let width = self.columns.len();
        self.widths.resize(width, String::new());
        self.align.resize(width, "left".into());
        for row in self.rows.iter_mut().chain(self.footer.iter_mut()) {
            while row.len() < width {
                row.push(String::new());
            }
        }
    }

    /// Items as JSON in the file's shape: `{ "items": […], "numbering": … }`.
    fn items_value(&self) -> Value {
        if let Ok(original @ Value::Object(_)) = serde_json::from_str::<Value>(&self.original)
            && items_text(&original)
                == (
                    self.numbering.clone(),
                    self.sub_numbering.clone(),
                    normal_list(&self.list),
                )
        {
            return original;
        }
        let mut items: Vec<Value> = Vec::new();
        for line in self.list.lines() {
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            let sub = line.starts_with([' ', '\t', '\u{3000}']);
            match items.last_mut() {
                Some(last) if sub => {
                    if last.is_string() {
                        *last = json!({ "text": last.clone() });
                    }
                    let list = last
                        .as_object_mut()
                        .expect("made an object")
                        .entry("items")
                        .or_insert_with(|| json!([]));
                    if let Some(list) = list.as_array_mut() {
                        list.push(json!(text));
                    }
                    if !self.sub_numbering.is_empty() {
                        last["numbering"] = json!(self.sub_numbering);
                    }
                }
                _ => items.push(json!(text)),
            }
        }
        let mut value = json!({ "items": items });
        if !self.numbering.is_empty() {
            value["numbering"] = json!(self.numbering);
        }
        value
    }
}

/// A list's lines with their ends trimmed and blank lines dropped, to
/// compare what was typed with what was shown.
fn normal_list(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            if l.starts_with([' ', '\t', '\u{3000}']) {
                format!("  {}", l.trim())
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A list of items (`{ "items": […], "numbering": … }`) as the form shows
/// it: first-level numbering, sub-item numbering, and one item a line, a
/// sub-item indented by two spaces.
fn items_text(value: &Value) -> (String, String, String) {
    let text = |v: &Value| -> String {
        v.as_str()
            .or_else(|| v.get("text").and_then(Value::as_str))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let numbering = value
        .get("numbering")
        .and_then(Value::as_str)
        .unwrap_or("(1)")
        .to_owned();
    let mut sub_numbering = String::new();
    let mut lines = Vec::new();
    for item in value
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        lines.push(text(item));
        if let Some(n) = item.get("numbering").and_then(Value::as_str) {
            sub_numbering = n.to_owned();
        }
        for sub in item
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            lines.push(format!("  {}", text(sub)));
        }
    }
    (numbering, sub_numbering, lines.join("\n"))
}

/// A document as the form holds it: text as typed, nothing checked yet.
#[derive(Debug, Clone)]
struct Draft {
    kind: String,
    urgency: String,
    secrecy: String,
    /// ภายในวันที่ (ISO), or empty: none (issue 18).
    deadline: String,
    unit: String,
    phone: String,
    prefix: String,
    /// ISO (C.E.), as the format has it; shown and typed as day, Thai
    /// month and B.E. year.
    date: String,
    /// An order: print `date` as set, not the signing date.
    keep_date: bool,
    subject: String,
    to: String,
    references: String,
    enclosures: String,
    /// The enclosures with a file (JSON array of `{title, sha256,
    /// filename}`), kept as they are: files are attached on their own
    /// form, and print before the enclosures typed as text.
    enclosure_files: String,
    closing: String,
    authority: String,
    effective: String,
    signer_name: String,
    signer_position: String,
    signer_signature: String,
    blocks: Vec<BlockDraft>,
    /// Fields the form does not show (id, style, a signer's acting), kept.
    extra: String,
    signer_extra: String,
    /// A letter's, stamped letter's or announcement's own fields.
    kind_fields: KindFields,
}

fn text_of(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

impl Draft {
    fn new(kind: &str, config: &OrgConfig, user: &WebUser) -> Draft {
        let today = saraban_core::clock::thai_date(Utc::now())
            .format("%Y-%m-%d")
            .to_string();
        let route = config.route(kind);
        let signing_title = route
            .as_ref()
            .map(|r| words::position_title(config, r.sign.as_str()))
            .unwrap_or_default();
        let me = config
            .people
            .iter()
            .find(|p| p.id.as_str() == user.account.person);
        // Everything but a memo is signed by whoever signs on its route.
        let (signer_name, signer_position, signer_signature) = if kind != "memo" {
            let signer = route
                .as_ref()
                .map(|r| words::waiting_for(config, &[r.sign.to_string()]))
                .unwrap_or_default();
            // "title (name)" → the name; the signature is whoever signs.
            let name = signer
                .rsplit_once(" (")
                .map(|(_, n)| n.trim_end_matches(')').to_owned())
                .unwrap_or_default();
            (name, signing_title.clone(), String::new())
        } else {
            (
                user.account.name.clone(),
                user.own_title(config),
                me.and_then(|p| p.signature.as_ref())
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            )
        };
        // The prefix of the register the route numbers in (letters share
        // the memos'), else of any register of the kind.
        let prefix = config
            .registers
            .iter()
            .filter(|r| r.prefix.is_some())
            .find(|r| route.as_ref().is_some_and(|route| route.register == r.id))
            .or_else(|| {
                config
                    .registers
                    .iter()
                    .find(|r| r.kind == kind && r.prefix.is_some())
            })
            .and_then(|r| r.prefix.as_ref())
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        Draft {
            kind: kind.to_owned(),
            urgency: String::new(),
            secrecy: String::new(),
            deadline: String::new(),
            unit: config
                .organisation
                .unit
                .as_ref()
                .unwrap_or(&config.organisation.name)
                .as_str()
                .to_owned(),
            phone: config
                .organisation
                .phone
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            prefix,
            date: today,
            keep_date: false,
            subject: String::new(),
            // A memo goes up to whoever signs; the others go out.
            to: if kind == "memo" {
                signing_title
            } else {
                String::new()
            },
            references: String::new(),
            enclosures: String::new(),
            enclosure_files: String::new(),
            closing: if kind == "memo" {
                "จึงเรียนมาเพื่อโปรดทราบ".into()
            } else {
                String::new()
            },
            authority: config.organisation.name.as_str().to_owned(),
            effective: if kind == "order" {
                "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป".into()
            } else {
                String::new()
            },
            signer_name,
            signer_position,
            signer_signature,
            blocks: vec![BlockDraft::new(BlockKind::Paragraph)],
            extra: String::new(),
            signer_extra: String::new(),
            kind_fields: KindFields::new(kind, config),
        }
    }

    fn from_content(content: &Value) -> Draft {
        let mut object = content.as_object().cloned().unwrap_or_default();
        let mut take = |key: &str| text_of(object.remove(key).as_ref());
        let kind = take("kind");
        let urgency = take("urgency");
        let secrecy = take("secrecy");
        let deadline = take("deadline");
        let unit = take("unit");
        let phone = take("phone");
        let date = take("date");
        let subject = take("subject");
        let to = take("to");
        let closing = take("closing");
        let authority = take("authority");
        let effective = take("effective");
        let keep_date = object
            .remove("keep_date")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let joined = |value: Option<Value>| {
            value
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let references = joined(object.remove("references"));
        let (files, texts): (Vec<Value>, Vec<Value>) = object
            .remove("enclosures")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .into_iter()
            .partition(Value::is_object);
        let enclosures = joined(Some(Value::Array(texts)));
        let enclosure_files = if files.is_empty() {
            String::new()
        } else {
            Value::Array(files).to_string()
        };
        let prefix = object
            .remove("number")
            .and_then(|n| n.get("prefix").cloned())
            .map(|p| text_of(Some(&p)))
            .unwrap_or_default();
        let mut signer = object
            .remove("signer")
            .and_then(|s| s.as_object().cloned())
            .unwrap_or_default();
        let signer_name = text_of(signer.remove("name").as_ref());
        let signer_position = text_of(signer.remove("position").as_ref());
        let signer_signature = text_of(signer.remove("signature").as_ref());
        let blocks = object
            .remove("body")
            .and_then(|b| b.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .flat_map(block_from_value)
            .collect();
        object.remove("endorsements");
        let kind_fields = KindFields::take(&kind, &mut object);
        Draft {
            kind,
            urgency,
            secrecy,
            deadline,
            unit,
            phone,
            prefix,
            date,
            keep_date,
            subject,
            to,
            references,
            enclosures,
            enclosure_files,
            closing,
            authority,
            effective,
            signer_name,
            signer_position,
            signer_signature,
            blocks,
            extra: if object.is_empty() {
                String::new()
            } else {
                Value::Object(object).to_string()
            },
            signer_extra: if signer.is_empty() {
                String::new()
            } else {
                Value::Object(signer).to_string()
            },
            kind_fields,
        }
    }

    fn from_fields(fields: &Fields) -> Draft {
        let mut blocks: BTreeMap<usize, BlockDraft> = BTreeMap::new();
        let mut cells: BTreeMap<(usize, usize, usize), String> = BTreeMap::new();
        let mut pastes: BTreeMap<usize, String> = BTreeMap::new();
        let mut widths: BTreeMap<(usize, usize), String> = BTreeMap::new();
        let mut aligns: BTreeMap<(usize, usize), String> = BTreeMap::new();
        let mut footers: BTreeMap<usize, BTreeMap<usize, String>> = BTreeMap::new();
        // Each block's kind first: its other fields are read as that kind's.
        for (key, value) in &fields.0 {
            if let Some(index) = key
                .strip_prefix("body[")
                .and_then(|rest| rest.strip_suffix("].type"))
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i <= 500)
            {
                blocks.insert(index, BlockDraft::new(BlockKind::named(value)));
            }
        }
        for (key, value) in &fields.0 {
            let Some(rest) = key.strip_prefix("body[") else {
                continue;
            };
            let Some((index, field)) = rest.split_once("].") else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            if index > 500 {
                continue;
            }
            let block = blocks
                .entry(index)
                .or_insert_with(|| BlockDraft::new(BlockKind::Paragraph));
            match field {
                "type" => {
                    // Read first, above.
                }
                "paragraph" | "heading" => block.text = value.clone(),
                "items.list" => block.list = value.clone(),
                "items.numbering" => block.numbering = value.clone(),
                "items.sub_numbering" => block.sub_numbering = value.clone(),
                "items.original" => block.original = value.clone(),
                "table.columns" => block.columns = lines(value),
                "table.extra" => block.table_extra = value.clone(),
                "table.paste" => {
                    pastes.insert(index, value.clone());
                }
                _ => {
                    let indexed = |name: &str| {
                        field
                            .strip_prefix(name)
                            .and_then(|r| r.strip_suffix(']'))
                            .and_then(|c| c.parse::<usize>().ok())
                            .filter(|c| *c < 12)
                    };
                    if let Some(c) = indexed("table.widths[") {
                        widths.insert((index, c), value.clone());
                        continue;
                    }
                    if let Some(c) = indexed("table.align[") {
                        aligns.insert((index, c), value.clone());
                        continue;
                    }
                    if let Some(c) = indexed("table.footer[0][") {
                        footers.entry(index).or_default().insert(c, value.clone());
                        continue;
                    }
                    // table.rows[r][c]
                    if let Some(position) = field
                        .strip_prefix("table.rows[")
                        .and_then(|r| r.strip_suffix(']'))
                        .and_then(|r| r.split_once("]["))
                        .and_then(|(r, c)| Some((r.parse().ok()?, c.parse().ok()?)))
                        .filter(|(r, c): &(usize, usize)| *r < 2000 && *c < 12)
                    {
                        cells.insert((index, position.0, position.1), value.clone());
                    }
                }
            }
        }
        for block in blocks.values_mut() {
            if block.kind == BlockKind::Table {
                block.rows.clear();
            }
        }
        for ((index, row, column), value) in cells {
            if let Some(block) = blocks
                .get_mut(&index)
                .filter(|b| b.kind == BlockKind::Table)
            {
                while block.rows.len() <= row {
                    block.rows.push(Vec::new());
                }
                let cells = &mut block.rows[row];
                while cells.len() <= column {
                    cells.push(String::new());
                }
                cells[column] = value;
            }
        }
        for (index, pasted) in pastes {
            if let Some(block) = blocks
                .get_mut(&index)
                .filter(|b| b.kind == BlockKind::Table)
            {
                let mut rows = parse_tab_separated(&pasted);
                if block.columns.is_empty() && !rows.is_empty() {
                    block.columns = rows.remove(0);
                }
                // Rows of only empty cells (a spreadsheet's trailing line) are dropped.
                block.rows.extend(
                    rows.into_iter()
                        .filter(|row| row.iter().any(|c| !c.trim().is_empty())),
                );
            }
        }
        for (index, block) in blocks.iter_mut() {
            if block.kind != BlockKind::Table {
                continue;
            }
            block.widths.clear();
            block.align.clear();
            for c in 0..block.columns.len() {
                block
                    .widths
                    .push(widths.get(&(*index, c)).cloned().unwrap_or_default());
                block.align.push(
                    aligns
                        .get(&(*index, c))
                        .cloned()
                        .unwrap_or_else(|| "left".into()),
                );
            }
            block.footer = footers
                .get(index)
                .map(|cells| cells.values().cloned().collect());
            block.fit_columns();
        }
        // Day, Thai month and B.E. year, as the form asks them.
        let date = posted_date(fields, "date");
        Draft {
            kind: fields
                .get("kind")
                .filter(|kind| KINDS.contains(kind))
                .unwrap_or("memo")
                .to_owned(),
            urgency: fields.text("urgency"),
            secrecy: fields.text("secrecy"),
            deadline: posted_date(fields, "deadline"),
            unit: fields.text("unit"),
            phone: fields.text("phone"),
            prefix: fields.text("number.prefix"),
            date,
            keep_date: fields.get("keep_date") == Some("true"),
            subject: fields.text("subject"),
            to: fields.text("to"),
            references: fields.text("references"),
            enclosures: fields.text("enclosures"),
            enclosure_files: fields.text("enclosure_files"),
            closing: fields.text("closing"),
            authority: fields.text("authority"),
            effective: fields.text("effective"),
            signer_name: fields.text("signer.name"),
            signer_position: fields.text("signer.position"),
            signer_signature: fields.text("signer.signature"),
            blocks: blocks.into_values().collect(),
            extra: fields.text("extra"),
            signer_extra: fields.text("signer_extra"),
            kind_fields: KindFields::from_fields(fields),
        }
    }

    /// The document in format saraban/1, for the engine to judge.
    fn to_content(&self) -> Value {
        let mut object: Map<String, Value> = serde_json::from_str(&self.extra).unwrap_or_default();
        object.insert("format".into(), json!(saraban_core::document::FORMAT));
        object.insert("kind".into(), json!(self.kind));
        let optional = |object: &mut Map<String, Value>, key: &str, value: &str| {
            if value.trim().is_empty() {
                object.remove(key);
            } else {
                object.insert(key.into(), json!(value));
            }
        };
        optional(&mut object, "urgency", &self.urgency);
        optional(&mut object, "secrecy", &self.secrecy);
        optional(&mut object, "deadline", &self.deadline);
        object.insert("date".into(), json!(self.date));
        object.insert("subject".into(), json!(self.subject));
        let kind = self.kind.as_str();
        if kind == "order" {
            object.insert("authority".into(), json!(self.authority));
            if self.keep_date {
                object.insert("keep_date".into(), json!(true));
            } else {
                object.remove("keep_date");
            }
        }
        if matches!(kind, "order" | "announcement") {
            optional(&mut object, "effective", &self.effective);
        }
        if kind == "memo" {
            object.insert("unit".into(), json!(self.unit));
            optional(&mut object, "phone", &self.phone);
            optional(&mut object, "closing", &self.closing);
        }
        if matches!(kind, "memo" | "letter" | "stamped") {
            object.insert("number".into(), json!({ "prefix": self.prefix }));
            object.insert("to".into(), json!(self.to));
        }
        if matches!(kind, "memo" | "letter") {
            for (key, text) in [
                ("references", &self.references),
                ("enclosures", &self.enclosures),
            ] {
                let mut list: Vec<Value> = if key == "enclosures" {
                    serde_json::from_str(&self.enclosure_files).unwrap_or_default()
                } else {
                    Vec::new()
                };
                list.extend(lines(text).into_iter().map(Value::String));
                if list.is_empty() {
                    object.remove(key);
                } else {
                    object.insert(key.into(), json!(list));
                }
            }
        }
        self.kind_fields.write(kind, &mut object);
        let mut signer: Map<String, Value> =
            serde_json::from_str(&self.signer_extra).unwrap_or_default();
        signer.insert("name".into(), json!(self.signer_name));
        signer.insert("position".into(), json!(self.signer_position));
        optional(&mut signer, "signature", &self.signer_signature);
        object.insert("signer".into(), Value::Object(signer));
        let body: Vec<Value> = self
            .blocks
            .iter()
            .map(|block| match block.kind {
                BlockKind::Paragraph => json!({ "paragraph": block.text }),
                BlockKind::Heading => json!({ "heading": block.text }),
                BlockKind::Items => block.items_value(),
                BlockKind::Table => json!({ "table": table_value(block) }),
            })
            .collect();
        object.insert("body".into(), Value::Array(body));
        Value::Object(object)
    }

    /// Applies a button of the form that changes its shape (not its text).
    fn apply(&mut self, op: &str) {
        let mut parts = op.split(':');
        let verb = parts.next().unwrap_or_default();
        let index: Option<usize> = parts.next().and_then(|i| i.parse().ok());
        let row: Option<usize> = parts.next().and_then(|r| r.parse().ok());
        match (verb, index, row) {
            ("add-paragraph", _, _) => self.blocks.push(BlockDraft::new(BlockKind::Paragraph)),
            ("add-heading", _, _) => self.blocks.push(BlockDraft::new(BlockKind::Heading)),
            ("add-table", _, _) => self.blocks.push(BlockDraft::new(BlockKind::Table)),
            ("add-items", _, _) => self.blocks.push(BlockDraft::new(BlockKind::Items)),
            ("add-footer", Some(i), _) => {
                if let Some(block) = self.blocks.get_mut(i)
                    && block.kind == BlockKind::Table
                    && block.footer.is_none()
                    && !block.kept_footer()
                {
                    block.footer = Some(vec![String::new(); block.columns.len()]);
                    if let Some(first) = block.footer.as_mut().and_then(|f| f.first_mut()) {
                        *first = "รวม".into();
                    }
                }
            }
            ("remove-footer", Some(i), _) => {
                if let Some(block) = self.blocks.get_mut(i) {
                    block.footer = None;
                }
            }
            ("remove-block", Some(i), _) if i < self.blocks.len() && self.blocks.len() > 1 => {
                self.blocks.remove(i);
            }
            ("up", Some(i), _) if i > 0 && i < self.blocks.len() => self.blocks.swap(i - 1, i),
            ("add-row", Some(i), _) => {
                if let Some(block) = self.blocks.get_mut(i) {
                    block
                        .rows
                        .push(vec![String::new(); block.columns.len().max(1)]);
                }
            }
            ("remove-row", Some(i), Some(r)) => {
                if let Some(block) = self.blocks.get_mut(i)
                    && r < block.rows.len()
                {
                    block.rows.remove(r);
                }
            }
            _ => {}
        }
    }

    /// The draft as far as it is filled in, for the preview: empty parts
    /// of the body left out, empty required lines dotted; with what is
    /// empty (label and the form's element id).
    fn for_preview(&self, digits: DigitStyle) -> (Draft, Vec<(String, String)>) {
        const DOTS: &str = "……………………";
        let mut draft = self.clone();
        let mut empty = Vec::new();
        for (label, name) in draft.kind_fields.for_preview(&self.kind, DOTS) {
            empty.push((label.to_owned(), field_id(name)));
        }
        let mut lines: Vec<(&str, &str, &mut String)> =
            vec![("subject", "เรื่อง", &mut draft.subject)];
        match draft.kind.as_str() {
            "order" => lines.push(("authority", "คำสั่ง (ผู้ออกคำสั่ง)", &mut draft.authority)),
            "memo" => {
                lines.push(("unit", "ส่วนราชการ", &mut draft.unit));
                lines.push(("to", "เรียน", &mut draft.to));
            }
            "letter" => lines.push(("to", "ผู้รับ", &mut draft.to)),
            "stamped" => lines.push(("to", "ถึง", &mut draft.to)),
            _ => {}
        }
        lines.push(("signer.name", "ชื่อผู้ลงนาม", &mut draft.signer_name));
        lines.push((
            "signer.position",
            "ตำแหน่งผู้ลงนาม",
            &mut draft.signer_position,
        ));
        for (name, label, value) in lines {
            if value.trim().is_empty() {
                *value = DOTS.into();
                empty.push((label.to_owned(), field_id(name)));
            }
        }
        let mut kept = Vec::new();
        for (i, block) in self.blocks.iter().enumerate() {
            if block.is_empty() {
                empty.push((
                    format!(
                        "ส่วนที่ {} ({})",
                        digits.number(i as u64 + 1),
                        block.kind.thai()
                    ),
                    field_id(&format!("body[{i}]")),
                ));
            } else {
                kept.push(block.clone());
            }
        }
        if kept.is_empty() {
            kept.push(BlockDraft {
                text: DOTS.into(),
                ..BlockDraft::new(BlockKind::Paragraph)
            });
        }
        draft.blocks = kept;
        (draft, empty)
    }

    /// Every field name the form shows, for placing an error.
    fn field_names(&self) -> Vec<String> {
        let mut names: Vec<String> = [
            "urgency",
            "secrecy",
            "deadline",
            "date",
            "subject",
            "signer.name",
            "signer.position",
            "signer.signature",
            "signer",
            "body",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let kind_fields: &[&str] = match self.kind.as_str() {
            "order" => &["authority", "effective"],
            "memo" => &[
                "unit",
                "phone",
                "number",
                "number.prefix",
                "to",
                "references",
                "enclosures",
                "closing",
            ],
            kind => form_kinds::field_names(kind),
        };
        names.extend(kind_fields.iter().map(|s| (*s).to_owned()));
        for (i, block) in self.blocks.iter().enumerate() {
            names.push(format!("body[{i}]"));
            match block.kind {
                BlockKind::Paragraph => names.push(format!("body[{i}].paragraph")),
                BlockKind::Heading => names.push(format!("body[{i}].heading")),
                BlockKind::Table => names.push(format!("body[{i}].table")),
                BlockKind::Items => names.push(format!("body[{i}].items")),
            }
        }
        names
    }
}

/// Rows pasted from a spreadsheet: tab-separated cells, one row a line; a
/// cell in double quotes may hold tabs, line breaks and doubled quotes.
pub(crate) fn parse_tab_separated(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut at_cell_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_cell_start => {
                // Quoted: read up to the closing quote.
                while let Some(q) = chars.next() {
                    if q == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            cell.push('"');
                        } else {
                            break;
                        }
                    } else {
                        cell.push(q);
                    }
                }
                at_cell_start = false;
            }
            '\t' => {
                row.push(std::mem::take(&mut cell).trim().replace("\r\n", "\n"));
                at_cell_start = true;
            }
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut cell).trim().replace("\r\n", "\n"));
                rows.push(std::mem::take(&mut row));
                at_cell_start = true;
            }
            other => {
                cell.push(other);
                at_cell_start = false;
            }
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell.trim().to_owned());
        rows.push(row);
    }
    rows
}

/// One entry of `body` as the form's blocks: a paragraph written with its
/// items becomes the paragraph and the items (the same document).
fn block_from_value(value: &Value) -> Vec<BlockDraft> {
    if let Some(text) = value.as_str() {
        return vec![BlockDraft {
            text: text.to_owned(),
            ..BlockDraft::new(BlockKind::Paragraph)
        }];
    }
    let mut blocks = Vec::new();
    if let Some(text) = value.get("heading").and_then(Value::as_str) {
        blocks.push(BlockDraft {
            text: text.to_owned(),
            ..BlockDraft::new(BlockKind::Heading)
        });
    } else if let Some(table) = value.get("table") {
        blocks.push(table_from_value(table));
    } else if let Some(text) = value.get("paragraph").and_then(Value::as_str) {
        blocks.push(BlockDraft {
            text: text.to_owned(),
            ..BlockDraft::new(BlockKind::Paragraph)
        });
    }
    if let Some(items) = value
        .get("items")
        .filter(|i| i.as_array().is_some_and(|a| !a.is_empty()))
    {
        let mut list = json!({ "items": items });
        if let Some(numbering) = value.get("numbering") {
            list["numbering"] = numbering.clone();
        }
        let (numbering, sub_numbering, text) = items_text(&list);
        blocks.push(BlockDraft {
            numbering,
            sub_numbering,
            list: text,
            original: list.to_string(),
            ..BlockDraft::new(BlockKind::Items)
        });
    }
    if blocks.is_empty() {
        blocks.push(BlockDraft::new(BlockKind::Paragraph));
    }
    blocks
}

fn table_from_value(table: &Value) -> BlockDraft {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|c| text_of(Some(c))).collect())
            .unwrap_or_default()
    };
    let mut extra = table.as_object().cloned().unwrap_or_default();
    let columns = strings(extra.remove("columns").as_ref().unwrap_or(&Value::Null));
    let rows = extra
        .remove("rows")
        .and_then(|r| r.as_array().cloned())
        .map(|rows| rows.iter().map(strings).collect())
        .unwrap_or_default();
    let widths = extra
        .remove("widths")
        .and_then(|w| w.as_array().cloned())
        .map(|w| w.iter().map(|n| n.to_string()).collect())
        .unwrap_or_default();
    let align = extra
        .remove("align")
        .and_then(|a| a.as_array().cloned())
        .map(|a| a.iter().map(|n| text_of(Some(n))).collect())
        .unwrap_or_default();
    // One footer row of plain cells is edited in the form; any other
    // footer is kept as it came.
    let footer = match extra.get("footer").and_then(Value::as_array) {
        Some(rows)
            if rows.len() == 1
                && rows[0]
                    .as_array()
                    .is_some_and(|r| r.iter().all(Value::is_string)) =>
        {
            let row = strings(&rows[0]);
            extra.remove("footer");
            Some(row)
        }
        _ => None,
    };
    let mut block = BlockDraft {
        columns,
        widths,
        align,
        rows,
        footer,
        table_extra: if extra.is_empty() {
            String::new()
        } else {
            Value::Object(extra).to_string()
        },
        ..BlockDraft::new(BlockKind::Table)
    };
    block.fit_columns();
    block
}

/// A table block as the format's `table`.
fn table_value(block: &BlockDraft) -> Value {
    let mut table: Map<String, Value> =
        serde_json::from_str(&block.table_extra).unwrap_or_default();
    table.insert("columns".into(), json!(block.columns));
    table.insert("rows".into(), json!(block.rows));
    if block.widths.iter().any(|w| !w.trim().is_empty()) {
        // Relative numbers; a column left empty counts as 1. A width
        // that is no number goes as typed, for the engine to name.
        let widths: Vec<Value> = block
            .widths
            .iter()
            .map(|w| {
                let w = arabic_digits(w);
                if w.is_empty() {
                    json!(1)
                } else if let Ok(whole) = w.parse::<u64>() {
                    json!(whole)
                } else {
                    w.parse::<f64>()
                        .ok()
                        .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                        .unwrap_or(Value::String(w))
                }
            })
            .collect();
        table.insert("widths".into(), Value::Array(widths));
    } else {
        table.remove("widths");
    }
    if block.align.iter().any(|a| !a.is_empty() && a != "left") {
        let align: Vec<&str> = block
            .align
            .iter()
            .map(|a| if a.is_empty() { "left" } else { a.as_str() })
            .collect();
        table.insert("align".into(), json!(align));
    } else {
        table.remove("align");
    }
    if let Some(footer) = &block.footer {
        table.insert("footer".into(), json!([footer]));
    }
    Value::Object(table)
}

/// The document being edited, and why it was returned, when it was.
struct Editing<'a> {
    id: &'a str,
    returned: Option<Markup>,
}

fn render_form(
    digits: DigitStyle,
    user: &WebUser,
    draft: &Draft,
    action: &str,
    editing: Option<Editing>,
    error: Option<&FieldError>,
    preview: Option<Markup>,
) -> Markup {
    let doc_id = editing.as_ref().map(|e| e.id);
    let returned = editing.and_then(|e| e.returned);
    let kind = draft.kind.as_str();
    let is_memo = kind == "memo";
    let kind_name = words::kind_name(kind);
    html! {
        h1 {
            @if doc_id.is_some() { "แก้ไขร่าง" (kind_name) } @else { "สร้าง" (kind_name) }
        }
        @if let Some(returned) = returned {
            section.returned #returned aria-label="เหตุที่ส่งคืน" { (returned) }
        }
        @if let Some(letter) = replying_to(&draft.extra) {
            p.notice #reply-to {
                "ร่างนี้เป็นหนังสือตอบ " a href=(format!("/doc/{letter}")) { "หนังสือรับที่อ้างถึง" }
                " เมื่อออกเลขแล้ว ทะเบียนหนังสือรับจะแสดงว่าตอบแล้ว"
            }
        }
        @if let Some(error) = error {
            div.alert role="alert" #form-error {
                p { "ยังบันทึกไม่ได้ กรุณาแก้ไขช่องที่ทำเครื่องหมายไว้:" }
                p {
                    @if let Some(field) = &error.field {
                        a href=(format!("#{}", field_id(field))) { (field_label(&error.path, digits)) }
                    } @else {
                        (field_label(&error.path, digits))
                    }
                    ": " (error.reason)
                }
            }
        }
        p.jump { a href="#preview" { "ไปที่ตัวอย่างเอกสาร ↓" } }
        div.editor {
            form.document-form method="post" action=(action) data-busy data-autosave data-preview {
                (user.csrf_field())
                input type="hidden" name="kind" value=(draft.kind);
                input type="hidden" name="doc" value=(doc_id.unwrap_or_default());
                input type="hidden" name="extra" value=(draft.extra);
                input type="hidden" name="signer_extra" value=(draft.signer_extra);
                input type="hidden" name="enclosure_files" value=(draft.enclosure_files);
                fieldset {
                    legend { "ชั้นความเร็วและชั้นความลับ" }
                    div.pair {
                        (select("urgency", "ชั้นความเร็ว", &draft.urgency, &[("", "ปกติ"), ("ด่วน", "ด่วน"), ("ด่วนมาก", "ด่วนมาก"), ("ด่วนที่สุด", "ด่วนที่สุด")]))
                        (select("secrecy", "ชั้นความลับ", &draft.secrecy, &[("", "ไม่มี"), ("ลับ", "ลับ"), ("ลับมาก", "ลับมาก")]))
                    }
                    div.field #deadline-field {
                        label #deadline-label for="deadline" { "ภายในวันที่ (ไม่บังคับ)" }
                        span.hint #deadline-hint { (digits.apply("ผู้ที่หนังสือรออยู่ได้รับการเตือนก่อนครบกำหนด 1 วันทำการและในวันครบกำหนด")) }
                        (date_parts(digits, "deadline", "deadline", &draft.deadline, "deadline-label", error.and_then(|e| e.at("deadline")).is_some()))
                        @if let Some(message) = error.and_then(|e| e.at("deadline")) {
                            p.field-error #deadline-error role="alert" { (message) }
                        }
                    }
                }
                fieldset {
                    legend { "ส่วนหัว" }
                    @if is_memo {
                        (field("unit", "ส่วนราชการ", &draft.unit, error, None, None))
                        (field("phone", "โทร", &draft.phone, error, None, Some("ไม่บังคับ")))
                    }
                    @if matches!(kind, "memo" | "letter" | "stamped") {
                        (field("number.prefix", "ที่ (รหัสหนังสือ)", &draft.prefix, error, None, Some("เลขที่หนังสือจะออกโดยงานสารบรรณเมื่อออกเลข")))
                    }
                    @if kind == "order" {
                        (field("authority", "คำสั่ง (ผู้ออกคำสั่ง)", &draft.authority, error, None, None))
                    }
                    (form_kinds::head(kind, &draft.kind_fields, error))
                    (date_field(digits, draft, error))
                    @if kind == "stamped" {
                        (field("subject", "เรื่อง (สำหรับทะเบียนและการค้นหา ไม่พิมพ์ในหนังสือ)", &draft.subject, error, Some(2), None))
                    } @else {
                        (field("subject", "เรื่อง", &draft.subject, error, Some(2), None))
                    }
                    @match kind {
                        "memo" => { (field("to", "เรียน", &draft.to, error, None, None)) }
                        "letter" => { (field("to", "ผู้รับ (พิมพ์ต่อจากคำขึ้นต้น)", &draft.to, error, None, Some("เช่น นายอำเภอเมืองตราด"))) }
                        "stamped" => { (field("to", "ถึง", &draft.to, error, None, Some("ส่วนราชการหรือบุคคลที่มีหนังสือไปถึง"))) }
                        _ => {}
                    }
                    (form_kinds::addressee(kind, &draft.kind_fields, error, digits))
                    @if matches!(kind, "memo" | "letter") {
                        (field("references", "อ้างถึง", &draft.references, error, Some(2), Some("ไม่บังคับ หนึ่งรายการต่อบรรทัด")))
                        (field("enclosures", "สิ่งที่ส่งมาด้วย", &draft.enclosures, error, Some(2), Some("ไม่บังคับ หนึ่งรายการต่อบรรทัด")))
                    }
                }
                fieldset #body-blocks {
                    legend { "เนื้อความ" }
                    @if kind == "letter" {
                        p.hint #letter-body-hint {
                            "ย่อหน้าสุดท้ายเป็นจุดประสงค์ เช่น “จึงเรียนมาเพื่อโปรดทราบ” "
                            "คำลงท้ายพิมพ์ให้ตามฐานะของผู้รับ"
                        }
                    }
                    @if let Some(message) = error.and_then(|e| e.at("body")) {
                        p.field-error role="alert" { (message) }
                    }
                    @for (i, block) in draft.blocks.iter().enumerate() {
                        (block_editor(digits, i, block, error, draft.blocks.len()))
                    }
                    div.buttons {
                        button type="submit" name="op" value="add-paragraph" formnovalidate { "+ ย่อหน้า" }
                        button type="submit" name="op" value="add-heading" formnovalidate { "+ หัวข้อ" }
                        button type="submit" name="op" value="add-table" formnovalidate { "+ ตาราง" }
                        button type="submit" name="op" value="add-items" formnovalidate { "+ รายการลำดับเลข" }
                    }
                }
                fieldset {
                    legend { "ส่วนท้าย" }
                    @if is_memo {
                        div.field {
                            label for="closing" { "คำลงท้าย" }
                            span.hint #closing-hint { "เลือกจากรายการหรือพิมพ์เอง" }
                            input #closing name="closing" value=(draft.closing) list="closings" aria-describedby="closing-hint closing-error"
                                aria-invalid=[error.and_then(|e| e.at("closing")).map(|_| "true")];
                            datalist #closings {
                                @for closing in CLOSINGS { option value=(closing) {} }
                            }
                            @if let Some(message) = error.and_then(|e| e.at("closing")) {
                                p.field-error #closing-error role="alert" { (message) }
                            }
                        }
                    }
                    @if kind == "order" {
                        (field("effective", "ทั้งนี้ ตั้งแต่", &draft.effective, error, None, None))
                    }
                    @if kind == "announcement" {
                        (field("effective", "ข้อความวันมีผล (ไม่บังคับ)", &draft.effective, error, None, Some("เช่น ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป")))
                    }
                    (form_kinds::foot(kind, &draft.kind_fields, error, digits))
                    @if kind == "stamped" {
                        (field("signer.name", "ชื่อผู้รับผิดชอบ (ผู้ลงชื่อย่อกำกับตรา)", &draft.signer_name, error, None, Some("หัวหน้าส่วนราชการตามเส้นทาง ผู้ลงนามในระบบจะแทนชื่อนี้")))
                        (field("signer.position", "ตำแหน่งผู้รับผิดชอบ", &draft.signer_position, error, Some(2), None))
                        input type="hidden" name="signer.signature" value=(draft.signer_signature);
                    } @else {
                        (field("signer.name", "ชื่อผู้ลงนาม", &draft.signer_name, error, None, None))
                        (field("signer.position", "ตำแหน่งผู้ลงนาม", &draft.signer_position, error, Some(2), None))
                        (field("signer.signature", "ลายมือชื่อ (ข้อความแทนลายมือชื่อ)", &draft.signer_signature, error, None, Some("ไม่บังคับ")))
                    }
                }
                (form_kinds::contact(kind, &draft.kind_fields, error))
                div.buttons.sticky {
                    button.primary type="submit" name="op" value="save" #save { "บันทึกร่าง" }
                    button type="submit" name="op" value="preview" formnovalidate { "แสดงตัวอย่าง" }
                    span #autosave-status role="status" aria-live="polite" {}
                }
            }
            @if let (Some(id), true) = (doc_id, matches!(kind, "memo" | "letter")) {
                (super::enclosures::attach_form(user, id, "edit", &draft.enclosure_files))
            }
            section.preview #preview aria-label="ตัวอย่างเอกสาร" aria-live="polite" tabindex="0" {
                h2 { "ตัวอย่าง" }
                div #preview-pages {
                    @if let Some(preview) = preview {
                        (preview)
                    } @else {
                        p.hint { "ตัวอย่างจะปรากฏที่นี่ขณะพิมพ์ หรือกด “แสดงตัวอย่าง”" }
                    }
                }
            }
        }
    }
}

/// The received letter a draft answers (kept with the fields the form
/// does not show).
fn replying_to(extra: &str) -> Option<String> {
    serde_json::from_str::<Value>(extra)
        .ok()?
        .get("in_reply_to")?
        .as_str()
        .map(str::to_owned)
}

/// The date as day, Thai month and B.E. year (never the browser's C.E.
/// picker); for an order, whether the signing date replaces it; for the
/// letters and announcements, that it does.
fn date_field(digits: DigitStyle, draft: &Draft, error: Option<&FieldError>) -> Markup {
    let kind = draft.kind.as_str();
    let message = error.and_then(|e| e.at("date"));
    let label = match kind {
        "order" => "สั่ง ณ วันที่",
        "announcement" => "ประกาศ ณ วันที่",
        _ => "วันที่",
    };
    html! {
        div.field #date-field {
            label #date-label for="date" { (label) }
            span.hint #date-hint { "วัน เดือน ปี พุทธศักราช" }
            (date_parts(digits, "date", "date", &draft.date, "date-label", message.is_some()))
            @if let Some(message) = message {
                p.field-error #date-error role="alert" { (message) }
            }
            @if form_kinds::is_new_kind(kind) {
                p.notice #signing-date-rule {
                    "เมื่อผู้ลงนามลงนามในระบบ วันที่จะเปลี่ยนเป็นวันที่ลงนาม แทนวันที่ข้างต้น"
                }
            }
            @if kind == "order" {
                div.notice #order-date-rule {
                    p {
                        "เมื่อผู้ลงนามลงนามในระบบ “สั่ง ณ วันที่” จะเปลี่ยนเป็นวันที่ลงนาม แทนวันที่ข้างต้น "
                        "เว้นแต่เลือกช่องด้านล่าง ผู้ลงนามจะเห็นวันที่ที่จะพิมพ์ก่อนยืนยันการลงนาม"
                    }
                    label.choice {
                        input #keep-date type="checkbox" name="keep_date" value="true" checked[draft.keep_date];
                        " ใช้วันที่ข้างต้นเป็น “สั่ง ณ วันที่” (ไม่เปลี่ยนเป็นวันที่ลงนาม)"
                    }
                }
            }
        }
    }
}

/// The closing lines a memo usually ends with.
const CLOSINGS: [&str; 4] = [
    "จึงเรียนมาเพื่อโปรดทราบ",
    "จึงเรียนมาเพื่อโปรดพิจารณา",
    "จึงเรียนมาเพื่อโปรดพิจารณาอนุมัติ",
    "จึงเรียนมาเพื่อโปรดทราบและพิจารณา",
];

/// How items may be numbered: the format's name, and what the form shows.
const NUMBERINGS: [(&str, &str); 7] = [
    ("(1)", "(๑) (๒) (๓)"),
    ("1.", "๑. ๒. ๓."),
    ("1)", "๑) ๒) ๓)"),
    ("ก.", "ก. ข. ค."),
    ("(ก)", "(ก) (ข) (ค)"),
    ("ก)", "ก) ข) ค)"),
    ("-", "- (ขีด)"),
];

const ALIGNS: [(&str, &str); 4] = [
    ("left", "ชิดซ้าย"),
    ("center", "กึ่งกลาง"),
    ("right", "ชิดขวา"),
    ("decimal", "ตัวเลข (จุดทศนิยมตรงกัน)"),
];

fn block_editor(
    digits: DigitStyle,
    i: usize,
    block: &BlockDraft,
    error: Option<&FieldError>,
    count: usize,
) -> Markup {
    let prefix = format!("body[{i}]");
    let number = digits.number(i as u64 + 1);
    // The numberings as this organisation prints them ("๑." or "1.").
    let in_digits = |choices: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        choices
            .iter()
            .map(|(value, shown)| (*value, digits.apply(shown)))
            .collect()
    };
    let numberings = in_digits(&NUMBERINGS);
    let sub_numberings = in_digits(&[
        ("", "ตามแบบ (ค่าเริ่มต้น)"),
        ("1.1", "๑.๑ ๑.๒"),
        ("(1)", "(๑) (๒)"),
        ("(ก)", "(ก) (ข)"),
        ("ก.", "ก. ข."),
        ("-", "- (ขีด)"),
    ]);
    let numberings: Vec<(&str, &str)> = numberings.iter().map(|(v, s)| (*v, s.as_str())).collect();
    let sub_numberings: Vec<(&str, &str)> = sub_numberings
        .iter()
        .map(|(v, s)| (*v, s.as_str()))
        .collect();
    let block_error = error.and_then(|e| {
        e.at(&prefix)
            .or_else(|| e.at(&format!("{prefix}.table")))
            .or_else(|| e.at(&format!("{prefix}.items")))
    });
    html! {
        div.block #(field_id(&prefix)) data-block=(i) data-kind=(block.kind.thai()) {
            div.block-head {
                label for=(field_id(&format!("{prefix}.type"))) { "ส่วนที่ " (number) }
                select #(field_id(&format!("{prefix}.type"))) name=(format!("{prefix}.type")) {
                    @for (kind, name, thai) in BlockKind::ALL {
                        option value=(name) selected[block.kind == kind] { (thai) }
                    }
                }
                @if i > 0 {
                    button type="submit" name="op" value=(format!("up:{i}")) formnovalidate aria-label=(format!("เลื่อนส่วนที่ {number} ขึ้น")) { "↑" }
                }
                @if count > 1 {
                    button.danger type="submit" name="op" value=(format!("remove-block:{i}")) formnovalidate aria-label=(format!("ลบ ส่วนที่ {number}")) { "ลบ" }
                }
            }
            @if let Some(message) = block_error {
                p.field-error role="alert" { (message) }
            }
            @match block.kind {
                BlockKind::Paragraph => {
                    (field(&format!("{prefix}.paragraph"), "ข้อความ", &block.text, error, Some(5), None))
                }
                BlockKind::Heading => {
                    (field(&format!("{prefix}.heading"), "หัวข้อ", &block.text, error, Some(2), None))
                }
                BlockKind::Items => {
                    input type="hidden" name=(format!("{prefix}.items.original")) value=(block.original);
                    div.pair {
                        (select(&format!("{prefix}.items.numbering"), "ลำดับเลข", &block.numbering, &numberings))
                        (select(&format!("{prefix}.items.sub_numbering"), "ลำดับเลขของรายการย่อย", &block.sub_numbering, &sub_numberings))
                    }
                    (field(&format!("{prefix}.items.list"), "รายการ", &block.list, error, Some(block.list.lines().count().clamp(3, 12)),
                        Some("หนึ่งรายการต่อบรรทัด ขึ้นต้นบรรทัดด้วยช่องว่างสองช่องเพื่อเป็นรายการย่อยของรายการข้างบน ระบบใส่ลำดับเลขให้เอง")))
                }
                BlockKind::Table => {
                    @if !block.table_extra.is_empty() {
                        input type="hidden" name=(format!("{prefix}.table.extra")) value=(block.table_extra);
                    }
                    (field(&format!("{prefix}.table.columns"), "หัวตาราง", &block.columns.join("\n"), error, Some(block.columns.len().clamp(2, 8)), Some("หนึ่งหัวข้อต่อบรรทัด")))
                    div.table-scroll role="group" aria-label=(format!("ตาราง ส่วนที่ {number}")) {
                        table.cells {
                            thead {
                                tr {
                                    @for column in &block.columns { th scope="col" { (column) } }
                                    th { span.visually-hidden { "ลบแถว" } }
                                }
                                tr.column-settings {
                                    @for (c, column) in block.columns.iter().enumerate() {
                                        td {
                                            label.small for=(field_id(&format!("{prefix}.table.widths[{c}]"))) { "ความกว้าง" }
                                            input.width #(field_id(&format!("{prefix}.table.widths[{c}]"))) name=(format!("{prefix}.table.widths[{c}]"))
                                                value=(block.widths.get(c).map(String::as_str).unwrap_or("")) inputmode="decimal" placeholder=(digits.number(1))
                                                aria-label=(format!("ความกว้างของคอลัมน์ {column} (ตัวเลขเทียบกับคอลัมน์อื่น)"));
                                            label.small for=(field_id(&format!("{prefix}.table.align[{c}]"))) { "จัดข้อความ" }
                                            select #(field_id(&format!("{prefix}.table.align[{c}]"))) name=(format!("{prefix}.table.align[{c}]"))
                                                aria-label=(format!("การจัดข้อความของคอลัมน์ {column}")) {
                                                @for (value, text) in ALIGNS {
                                                    option value=(value) selected[block.align.get(c).map(String::as_str).unwrap_or("left") == value] { (text) }
                                                }
                                            }
                                        }
                                    }
                                    td {}
                                }
                            }
                            tbody {
                                @for (r, row) in block.rows.iter().enumerate() {
                                    tr {
                                        @for (c, cell) in row.iter().enumerate() {
                                            td {
                                                textarea name=(format!("{prefix}.table.rows[{r}][{c}]"))
                                                    aria-label=(format!("แถว {} {}", digits.number(r as u64 + 1), block.columns.get(c).map(String::as_str).unwrap_or("")))
                                                    rows="2" { (cell) }
                                            }
                                        }
                                        td {
                                            button.danger type="submit" name="op" value=(format!("remove-row:{i}:{r}")) formnovalidate aria-label=(format!("ลบแถว {}", digits.number(r as u64 + 1))) { "×" }
                                        }
                                    }
                                }
                            }
                            @if let Some(footer) = &block.footer {
                                tfoot {
                                    tr {
                                        @for (c, cell) in footer.iter().enumerate() {
                                            td {
                                                textarea name=(format!("{prefix}.table.footer[0][{c}]"))
                                                    aria-label=(format!("แถวท้ายตาราง {}", block.columns.get(c).map(String::as_str).unwrap_or("")))
                                                    rows="1" { (cell) }
                                            }
                                        }
                                        td {
                                            button.danger type="submit" name="op" value=(format!("remove-footer:{i}")) formnovalidate aria-label="ลบแถวท้ายตาราง" { "×" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div.buttons {
                        button type="submit" name="op" value=(format!("add-row:{i}")) formnovalidate { "+ เพิ่มแถว" }
                        @if block.footer.is_none() && !block.kept_footer() {
                            button type="submit" name="op" value=(format!("add-footer:{i}")) formnovalidate { "+ แถวรวม (ท้ายตาราง)" }
                        }
                    }
                    @if block.kept_footer() {
                        p.hint { "ตารางนี้มีแถวท้ายตารางที่มีเซลล์ผสาน ซึ่งแก้ไขในแบบฟอร์มนี้ไม่ได้ ระบบคงไว้ตามเดิม" }
                    }
                    (field(&format!("{prefix}.table.paste"), "วางแถวจากตารางคำนวณ (Excel, Google Sheets)", "", None, Some(2), Some("คัดลอกเซลล์จากตารางคำนวณแล้ววางที่นี่ แถวจะถูกเพิ่มท้ายตารางเมื่อบันทึกหรือแสดงตัวอย่าง")))
                }
            }
        }
    }
}

fn may_draft(user: &WebUser) -> Result<(), Response> {
    user.may_read_documents()
}

fn known_kind(kind: &str) -> Result<(), Response> {
    if KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(message_page(
            StatusCode::NOT_FOUND,
            "ไม่พบหน้านี้",
            "ชนิดเอกสารมีเพียงบันทึกข้อความ หนังสือภายนอก หนังสือประทับตรา คำสั่ง และประกาศ",
        ))
    }
}

/// `/new`: every kind the organisation's routes take, to start one.
pub(crate) async fn choose_page(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = may_draft(&user) {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    page(
        StatusCode::OK,
        "สร้างเอกสาร",
        Some(&user),
        html! {
            h1 { "สร้างเอกสาร" }
            p { "เลือกชนิดของหนังสือที่จะจัดทำ" }
            (form_kinds::kinds_offered(&config, true))
        },
    )
}

/// A new document may start as the reply to a received letter.
#[derive(Debug, Deserialize)]
pub(crate) struct Start {
    #[serde(default)]
    reply_to: Option<String>,
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(kind): Path<String>,
    Query(start): Query<Start>,
) -> Response {
    if let Err(response) = may_draft(&user).and_then(|_| known_kind(&kind)) {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    if config.route(&kind).is_none() {
        return message_page(
            StatusCode::NOT_FOUND,
            "ยังจัดทำไม่ได้",
            &format!(
                "หน่วยงานยังไม่ได้กำหนดเส้นทางเสนอของ{} กรุณาติดต่อผู้ดูแลระบบ",
                words::kind_name(&kind)
            ),
        );
    }
    let mut draft = Draft::new(&kind, &config, &user);
    // A reply: to the sender, citing their letter, carrying its id.
    if matches!(kind.as_str(), "memo" | "letter" | "stamped")
        && let Some(reply_to) = &start.reply_to
        && let Some((to, reference, subject, id)) = reply_start(&state, &user, reply_to).await
    {
        draft.to = to;
        draft.references = reference;
        draft.subject = subject;
        draft.extra = json!({ "in_reply_to": id }).to_string();
    }
    let title = format!("สร้าง{}", words::kind_name(&kind));
    page(
        StatusCode::OK,
        &title,
        Some(&user),
        render_form(
            config.organisation.digits,
            &user,
            &draft,
            &format!("/new/{kind}"),
            None,
            None,
            None,
        ),
    )
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = may_draft(&user) {
        return response;
    }
    let id = match document_id(&id) {
        Ok(id) => id,
        Err(error) => return failure(error),
    };
    // The store refuses other edits anyway, so the form is not offered.
    let returned = match state.store.show(&user.account.org, &id).await {
        Ok(summary) if may_edit(&user, &summary) => summary.state == "returned",
        Ok(summary) => {
            return message_page(
                StatusCode::CONFLICT,
                "แก้ไขไม่ได้",
                &format!(
                    "เอกสารนี้แก้ไขได้เฉพาะผู้จัดทำร่าง เมื่อเป็นร่างหรือถูกส่งคืนเท่านั้น (ขณะนี้: {})",
                    summary.state_thai
                ),
            );
        }
        Err(error) => return failure(error),
    };
    // Why it came back, above the form the drafter fixes it in.
    let (returned, digits) = if returned {
        let notes = match state
            .store
            .returns(&user.account.org, std::slice::from_ref(&id))
            .await
        {
            Ok(notes) => notes,
            Err(error) => return failure(error),
        };
        let config = match config_of(&state, &user).await {
            Ok(config) => config,
            Err(response) => return response,
        };
        let note = notes.get(&id).map(|note| return_note(&config, note));
        (note, config.organisation.digits)
    } else {
        (None, digits_of(&state, &user).await)
    };
    let content = match state.store.content(&user.account.org, &id).await {
        Ok(content) => content,
        Err(error) => return failure(error),
    };
    let draft = Draft::from_content(&content);
    let preview = preview_markup(&state, &user, &draft, digits).await;
    page(
        StatusCode::OK,
        "แก้ไขร่าง",
        Some(&user),
        render_form(
            digits,
            &user,
            &draft,
            &format!("/doc/{id}/edit"),
            Some(Editing { id: &id, returned }),
            None,
            Some(preview),
        ),
    )
}

/// The organisation's digits, for the numbers the form itself shows.
async fn digits_of(state: &AppState, user: &WebUser) -> DigitStyle {
    state
        .store
        .org_config(&user.account.org)
        .await
        .map(|config| config.organisation.digits)
        .unwrap_or_default()
}

async fn preview_markup(
    state: &AppState,
    user: &WebUser,
    draft: &Draft,
    digits: DigitStyle,
) -> Markup {
    let (draft, empty) = draft.for_preview(digits);
    let (pages, enclosures) = match saraban_core::document::document_from_value(draft.to_content())
    {
        Ok(document) => {
            let enclosures = state
                .press
                .enclosure_images(&state.store, &user.account.org, &document)
                .await
                .unwrap_or_default();
            let pages = state
                .press
                .draft_images(&state.store, &user.account.org, document)
                .await;
            (pages, enclosures)
        }
        Err(error) => (Err(error.into()), Vec::new()),
    };
    let pages = match pages {
        Ok(pages) => html! {
            (page_images(&pages, "ตัวอย่าง", digits))
            (super::common::enclosure_page_images(&enclosures, digits))
        },
        Err(error) => {
            let (_, text) = words::store_error_in(&error, digits);
            html! { p.alert { "ยังแสดงตัวอย่างไม่ได้: " (text) } }
        }
    };
    html! {
        @if !empty.is_empty() {
            div.empty-parts #empty-parts role="note" {
                p { "ยังไม่ได้กรอก (ตัวอย่างแสดงเฉพาะส่วนที่กรอกแล้ว ช่องที่ว่างแสดงเป็นจุดไข่ปลา):" }
                ul {
                    @for (label, id) in &empty {
                        li data-empty=(id) { a href=(format!("#{id}")) { (label) } }
                    }
                }
            }
        }
        (pages)
    }
}

/// The draft a form posted, once its token and its sender are checked.
fn posted_draft(user: &WebUser, fields: &Fields) -> Result<Draft, Response> {
    user.check_form(fields).and_then(|_| may_draft(user))?;
    Ok(Draft::from_fields(fields))
}

/// The form posted: a shape change, a preview, or a save.
async fn submitted(
    state: &AppState,
    user: &WebUser,
    fields: Fields,
    doc_id: Option<&str>,
) -> Response {
    let mut draft = match posted_draft(user, &fields) {
        Ok(draft) => draft,
        Err(response) => return response,
    };
    // A draft the script already autosaved is edited, not created again.
    let doc_id = doc_id.or_else(|| fields.get("doc").filter(|id| !id.is_empty()));
    let action = match doc_id {
        Some(id) => format!("/doc/{id}/edit"),
        None => format!("/new/{}", draft.kind),
    };
    let title = words::kind_name(&draft.kind);
    let op = fields.text("op");
    let digits;
    let (status, field_error, preview) = if op == "save" {
        let error = match save(state, user, &draft, doc_id).await {
            Ok(id) => return redirect(&format!("/doc/{id}?saved=1")),
            Err(error) => error,
        };
        digits = digits_of(state, user).await;
        match FieldError::from_store(&error, &draft.field_names(), digits) {
            Some(field_error) => (StatusCode::UNPROCESSABLE_ENTITY, Some(field_error), None),
            None => return failure(error),
        }
    } else {
        draft.apply(&op);
        digits = digits_of(state, user).await;
        let preview = if op == "preview" {
            Some(preview_markup(state, user, &draft, digits).await)
        } else {
            None
        };
        (StatusCode::OK, None, preview)
    };
    page(
        status,
        title,
        Some(user),
        render_form(
            digits,
            user,
            &draft,
            &action,
            doc_id.map(|id| Editing { id, returned: None }),
            field_error.as_ref(),
            preview,
        ),
    )
}

async fn save(
    state: &AppState,
    user: &WebUser,
    draft: &Draft,
    doc_id: Option<&str>,
) -> Result<String, StoreError> {
    let content = draft.to_content();
    let account = &user.account;
    match doc_id {
        Some(id) => {
            let id = document_id(id)?;
            let content = drafted_for_edit(state, account, &id, content).await?;
            state
                .store
                .edit_document(&account.org, &account.person, &id, content, Utc::now())
                .await
                .map(|outcome| outcome.document.id.to_string())
        }
        None => state
            .store
            .create_document(
                &account.org,
                &account.person,
                Drafted::from_value(content)?,
                Utc::now(),
            )
            .await
            .map(|created| {
                tracing::info!(document = %created.id, user = %account.person, "created (web)");
                created.id.to_string()
            }),
    }
}

pub(crate) async fn new_submit(
    State(state): State<AppState>,
    user: WebUser,
    Path(kind): Path<String>,
    fields: Fields,
) -> Response {
    if let Err(response) = known_kind(&kind) {
        return response;
    }
    submitted(&state, &user, fields, None).await
}

pub(crate) async fn edit_submit(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    submitted(&state, &user, fields, Some(&id)).await
}

/// The live preview of the form as it stands (the script posts the form).
pub(crate) async fn preview(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    match posted_draft(&user, &fields) {
        Ok(draft) => {
            let digits = digits_of(&state, &user).await;
            html_response(preview_markup(&state, &user, &draft, digits).await)
        }
        Err(response) => response,
    }
}

/// Saves the draft when it is complete enough to be a document; says
/// what is missing otherwise. The script calls it a while after typing.
pub(crate) async fn autosave(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    let draft = match posted_draft(&user, &fields) {
        Ok(draft) => draft,
        Err(response) => return response,
    };
    let doc_id = fields.get("doc").filter(|id| !id.is_empty());
    match save(&state, &user, &draft, doc_id).await {
        Ok(id) => {
            let now = saraban_core::clock::thai_time(Utc::now())
                .format("%H:%M")
                .to_string();
            let digits = digits_of(&state, &user).await;
            Json(json!({
                "saved": true,
                "id": id,
                "message": format!("บันทึกร่างอัตโนมัติแล้ว เวลา {} น.", digits.apply(&now)),
            }))
            .into_response()
        }
        Err(error) => {
            let (_, text) = words::store_error_in(&error, digits_of(&state, &user).await);
            Json(json!({
                "saved": false,
                "message": format!("ยังบันทึกอัตโนมัติไม่ได้: {text}"),
            }))
            .into_response()
        }
    }
}

/// A reply's start: to the sender, citing the letter, carrying its id.
/// None if `id` is no received letter.
pub(crate) async fn reply_start(
    state: &AppState,
    user: &WebUser,
    id: &str,
) -> Option<(String, String, String, String)> {
    let id = saraban_core::DocumentId::parse(id).ok()?;
    let content = state.store.content(&user.account.org, &id).await.ok()?;
    let letter = saraban_core::incoming::incoming_from_value(content).ok()?;
    let digits = super::common::digits_of(state, user).await;
    let reference = format!(
        "หนังสือ{} ที่ {} ลงวันที่ {}",
        letter.from.as_str(),
        letter.their_number.as_str(),
        letter.date.full(digits)
    );
    Some((
        letter.from.as_str().to_owned(),
        reference,
        letter.subject.as_str().to_owned(),
        id.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::dates::iso_of_parts;
    use super::{BlockDraft, BlockKind, Draft, parse_tab_separated};
    use serde_json::json;

    /// The budget memo (widths, alignments, a footer of spanned cells,
    /// items with typed labels on two levels) comes back from the form as
    /// the same document.
    #[test]
    fn tables_and_items_survive_the_form() {
        let mut original = saraban_core::document::read_value(
            include_str!("../../../../examples/budget-memo-2568.toml"),
            saraban_core::Syntax::Toml,
        )
        .unwrap();
        let again = Draft::from_content(&original).to_content();
        original["number"].as_object_mut().unwrap().remove("number");
        let read = |value| saraban_core::document::document_from_value(value).unwrap();
        assert_eq!(read(again), read(original));
    }

    #[test]
    fn items_typed_one_a_line() {
        let block = BlockDraft {
            numbering: "1.".into(),
            list: "ค่าอาหาร\n  อาหารกลางวัน\n\t อาหารว่าง\n\nค่าวิทยากร".into(),
            ..BlockDraft::new(BlockKind::Items)
        };
        assert_eq!(
            block.items_value(),
            json!({
                "items": [{ "text": "ค่าอาหาร", "items": ["อาหารกลางวัน", "อาหารว่าง"] }, "ค่าวิทยากร"],
                "numbering": "1."
            })
        );
    }

    #[test]
    fn dates_typed_in_buddhist_era() {
        assert_eq!(iso_of_parts("5", "3", "๒๕๖๘"), "2025-03-05");
        assert_eq!(iso_of_parts("๙", "๔", "2568"), "2025-04-09");
        // A C.E. year is taken as typed; nothing typed is nothing.
        assert_eq!(iso_of_parts("9", "4", "2025"), "2025-04-09");
        assert_eq!(iso_of_parts("", "", ""), "");
        assert_eq!(iso_of_parts("31", "", "2568"), "2568--31");
    }

    /// A new, empty paragraph leaves the preview; the rest is previewed.
    #[test]
    fn the_preview_leaves_out_what_is_empty() {
        let content = saraban_core::document::read_value(
            include_str!("../../../../examples/ita-report-2568.toml"),
            saraban_core::Syntax::Toml,
        )
        .unwrap();
        let mut draft = Draft::from_content(&content);
        draft
            .blocks
            .insert(1, BlockDraft::new(BlockKind::Paragraph));
        draft.subject.clear();
        assert!(saraban_core::document::document_from_value(draft.to_content()).is_err());
        let (preview, empty) = draft.for_preview(saraban_core::DigitStyle::Thai);
        assert!(saraban_core::document::document_from_value(preview.to_content()).is_ok());
        let ids: Vec<&str> = empty.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(ids, ["subject", "body-1-"]);
    }

    /// What the form shows of a document comes back as the same document:
    /// nothing it does not show (id, style, items, widths) is lost. Only
    /// the register number goes, as the register owns numbers.
    #[test]
    fn a_document_survives_the_form() {
        for (text, syntax) in [
            (
                include_str!("../../../../examples/order-490-2567.toml"),
                saraban_core::Syntax::Toml,
            ),
            (
                include_str!("../../../../examples/order-490-2567-delegated.json"),
                saraban_core::Syntax::Json,
            ),
        ] {
            let mut original = saraban_core::document::read_value(text, syntax).unwrap();
            let again = Draft::from_content(&original).to_content();
            original.as_object_mut().unwrap().remove("number");
            let read = |value| saraban_core::document::document_from_value(value).unwrap();
            assert_eq!(read(again), read(original));
        }
    }

    /// The letter, the stamped letter and the announcement come back from
    /// the form as the same documents (the announcement's number goes: the
    /// register gives it).
    #[test]
    fn the_new_kinds_survive_the_form() {
        for text in [
            include_str!("../../../../examples/letter-ita-report-2568.toml"),
            include_str!("../../../../examples/stamped-receipt-2568.toml"),
            include_str!("../../../../examples/announcement-complaints-2568.toml"),
        ] {
            let mut original =
                saraban_core::document::read_value(text, saraban_core::Syntax::Toml).unwrap();
            let draft = Draft::from_content(&original);
            assert!(draft.extra.contains("\"id\""), "{}", draft.extra);
            let again = draft.to_content();
            if original["kind"] == "announcement" {
                original.as_object_mut().unwrap().remove("number");
            }
            let read = |value| saraban_core::document::document_from_value(value).unwrap();
            assert_eq!(read(again), read(original));
        }
    }

    /// A stamped letter on a matter the regulation does not allow is
    /// refused at its field, in Thai; its preview still shows the letter.
    #[test]
    fn a_matter_not_allowed_is_refused_at_its_field() {
        let mut content = saraban_core::document::read_value(
            include_str!("../../../../examples/stamped-receipt-2568.toml"),
            saraban_core::Syntax::Toml,
        )
        .unwrap();
        content["matter"] = json!("other");
        let draft = Draft::from_content(&content);
        let error = saraban_core::document::document_from_value(draft.to_content()).unwrap_err();
        let error = super::FieldError::from_store(
            &error.into(),
            &draft.field_names(),
            saraban_core::DigitStyle::Thai,
        )
        .unwrap();
        assert_eq!(error.field.as_deref(), Some("matter"));
        assert!(error.reason.contains("ข้อ ๑๔"), "{}", error.reason);
        let (preview, _) = draft.for_preview(saraban_core::DigitStyle::Thai);
        assert!(saraban_core::document::document_from_value(preview.to_content()).is_ok());
    }

    #[test]
    fn spreadsheet_rows_with_quoted_cells() {
        let rows = parse_tab_separated("a\t\"b\nc\"\td\n\"e \"\"f\"\"\"\tg\th\n");
        assert_eq!(
            rows,
            vec![
                vec!["a".to_owned(), "b\nc".into(), "d".into()],
                vec!["e \"f\"".to_owned(), "g".into(), "h".into()],
            ]
        );
    }
}
