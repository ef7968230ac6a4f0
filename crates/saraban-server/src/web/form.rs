//! The form of a memo or an order: every part of the official form, body
//! blocks (paragraphs, headings, tables with rows added, removed or pasted
//! from a spreadsheet), a live preview, autosave. The form's field names
//! are the document's own paths (`signer.name`, `body[2].table.rows[0][1]`),
//! so that the engine's complaint about a path lands next to its field.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::org::OrgConfig;
use saraban_core::{DigitStyle, Drafted};
use saraban_store::StoreError;
use serde_json::{Map, Value, json};

use super::common::{
    Fields, WebUser, config_of, failure, html_response, message_page, page, page_images, redirect,
};
use super::document::may_edit;
use super::inbox::return_note;
use super::words;
use crate::state::{AppState, document_id, drafted_for_edit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Paragraph,
    Heading,
    Table,
}

#[derive(Debug, Clone)]
struct BlockDraft {
    kind: BlockKind,
    text: String,
    /// A paragraph's numbered items, kept as they came (JSON).
    items: String,
    columns: Vec<String>,
    /// Column widths, kept as they came (JSON) while the columns match.
    widths: String,
    rows: Vec<Vec<String>>,
}

impl BlockDraft {
    fn new(kind: BlockKind) -> Self {
        BlockDraft {
            kind,
            text: String::new(),
            items: String::new(),
            columns: if kind == BlockKind::Table {
                vec!["ลำดับ".into(), "รายการ".into()]
            } else {
                Vec::new()
            },
            widths: String::new(),
            rows: if kind == BlockKind::Table {
                vec![vec![String::new(), String::new()]]
            } else {
                Vec::new()
            },
        }
    }
}

/// A document as the form holds it: text as typed, nothing checked yet.
#[derive(Debug, Clone)]
struct Draft {
    kind: String,
    urgency: String,
    secrecy: String,
    unit: String,
    phone: String,
    prefix: String,
    date: String,
    subject: String,
    to: String,
    references: String,
    enclosures: String,
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
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
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
        let (signer_name, signer_position, signer_signature) = if kind == "order" {
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
        let prefix = config
            .registers
            .iter()
            .find(|r| r.kind == kind && r.prefix.is_some())
            .and_then(|r| r.prefix.as_ref())
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        Draft {
            kind: kind.to_owned(),
            urgency: String::new(),
            secrecy: String::new(),
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
            subject: String::new(),
            to: signing_title,
            references: String::new(),
            enclosures: String::new(),
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
        }
    }

    fn from_content(content: &Value) -> Draft {
        let mut object = content.as_object().cloned().unwrap_or_default();
        let mut take = |key: &str| text_of(object.remove(key).as_ref());
        let kind = take("kind");
        let urgency = take("urgency");
        let secrecy = take("secrecy");
        let unit = take("unit");
        let phone = take("phone");
        let date = take("date");
        let subject = take("subject");
        let to = take("to");
        let closing = take("closing");
        let authority = take("authority");
        let effective = take("effective");
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
        let enclosures = joined(object.remove("enclosures"));
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
            .map(block_from_value)
            .collect();
        object.remove("endorsements");
        Draft {
            kind,
            urgency,
            secrecy,
            unit,
            phone,
            prefix,
            date,
            subject,
            to,
            references,
            enclosures,
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
        }
    }

    fn from_fields(fields: &Fields) -> Draft {
        let mut blocks: BTreeMap<usize, BlockDraft> = BTreeMap::new();
        let mut cells: BTreeMap<(usize, usize, usize), String> = BTreeMap::new();
        let mut pastes: BTreeMap<usize, String> = BTreeMap::new();
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
                    block.kind = match value.as_str() {
                        "heading" => BlockKind::Heading,
                        "table" => BlockKind::Table,
                        _ => BlockKind::Paragraph,
                    };
                    if block.kind != BlockKind::Table {
                        block.columns.clear();
                        block.rows.clear();
                    }
                }
                "paragraph" | "heading" => block.text = value.clone(),
                "items" => block.items = value.clone(),
                "table.columns" => block.columns = lines(value),
                "table.widths" => block.widths = value.clone(),
                "table.paste" => {
                    pastes.insert(index, value.clone());
                }
                _ => {
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
        for block in blocks.values_mut() {
            let width = block.columns.len();
            for row in &mut block.rows {
                while row.len() < width {
                    row.push(String::new());
                }
            }
        }
        Draft {
            kind: if fields.get("kind") == Some("order") {
                "order".into()
            } else {
                "memo".into()
            },
            urgency: fields.text("urgency"),
            secrecy: fields.text("secrecy"),
            unit: fields.text("unit"),
            phone: fields.text("phone"),
            prefix: fields.text("number.prefix"),
            date: fields.text("date"),
            subject: fields.text("subject"),
            to: fields.text("to"),
            references: fields.text("references"),
            enclosures: fields.text("enclosures"),
            closing: fields.text("closing"),
            authority: fields.text("authority"),
            effective: fields.text("effective"),
            signer_name: fields.text("signer.name"),
            signer_position: fields.text("signer.position"),
            signer_signature: fields.text("signer.signature"),
            blocks: blocks.into_values().collect(),
            extra: fields.text("extra"),
            signer_extra: fields.text("signer_extra"),
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
        object.insert("date".into(), json!(self.date));
        object.insert("subject".into(), json!(self.subject));
        if self.kind == "order" {
            object.insert("authority".into(), json!(self.authority));
            optional(&mut object, "effective", &self.effective);
        } else {
            object.insert("unit".into(), json!(self.unit));
            optional(&mut object, "phone", &self.phone);
            object.insert("number".into(), json!({ "prefix": self.prefix }));
            object.insert("to".into(), json!(self.to));
            for (key, text) in [
                ("references", &self.references),
                ("enclosures", &self.enclosures),
            ] {
                let list = lines(text);
                if list.is_empty() {
                    object.remove(key);
                } else {
                    object.insert(key.into(), json!(list));
                }
            }
            optional(&mut object, "closing", &self.closing);
        }
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
                BlockKind::Paragraph => {
                    let mut b = json!({ "paragraph": block.text });
                    if let Ok(items @ Value::Array(_)) = serde_json::from_str::<Value>(&block.items)
                    {
                        b["items"] = items;
                    }
                    b
                }
                BlockKind::Heading => json!({ "heading": block.text }),
                BlockKind::Table => {
                    let mut table = json!({ "columns": block.columns, "rows": block.rows });
                    if let Ok(Value::Array(widths)) = serde_json::from_str::<Value>(&block.widths)
                        && widths.len() == block.columns.len()
                    {
                        table["widths"] = Value::Array(widths);
                    }
                    json!({ "table": table })
                }
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

    /// Every field name the form shows, for placing an error.
    fn field_names(&self) -> Vec<String> {
        let mut names: Vec<String> = [
            "urgency",
            "secrecy",
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
        let kind_fields: &[&str] = if self.kind == "order" {
            &["authority", "effective"]
        } else {
            &[
                "unit",
                "phone",
                "number",
                "number.prefix",
                "to",
                "references",
                "enclosures",
                "closing",
            ]
        };
        names.extend(kind_fields.iter().map(|s| (*s).to_owned()));
        for (i, block) in self.blocks.iter().enumerate() {
            names.push(format!("body[{i}]"));
            match block.kind {
                BlockKind::Paragraph => names.push(format!("body[{i}].paragraph")),
                BlockKind::Heading => names.push(format!("body[{i}].heading")),
                BlockKind::Table => names.push(format!("body[{i}].table")),
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

fn block_from_value(value: &Value) -> BlockDraft {
    if let Some(text) = value.as_str() {
        return BlockDraft {
            text: text.to_owned(),
            ..BlockDraft::new(BlockKind::Paragraph)
        };
    }
    if let Some(text) = value.get("heading").and_then(Value::as_str) {
        return BlockDraft {
            text: text.to_owned(),
            ..BlockDraft::new(BlockKind::Heading)
        };
    }
    if let Some(table) = value.get("table") {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|c| text_of(Some(c))).collect())
                .unwrap_or_default()
        };
        return BlockDraft {
            kind: BlockKind::Table,
            text: String::new(),
            items: String::new(),
            columns: strings(table.get("columns").unwrap_or(&Value::Null)),
            widths: table
                .get("widths")
                .map(Value::to_string)
                .unwrap_or_default(),
            rows: table
                .get("rows")
                .and_then(Value::as_array)
                .map(|rows| rows.iter().map(strings).collect())
                .unwrap_or_default(),
        };
    }
    BlockDraft {
        text: text_of(value.get("paragraph")),
        items: value.get("items").map(Value::to_string).unwrap_or_default(),
        ..BlockDraft::new(BlockKind::Paragraph)
    }
}

/// An error of the engine, placed at the form's field that best holds it.
#[derive(Debug, Clone)]
struct FieldError {
    field: Option<String>,
    path: String,
    reason: String,
}

impl FieldError {
    fn from_store(error: &StoreError, names: &[String]) -> Option<FieldError> {
        let (path, message) = match error {
            StoreError::Input(input) => (input.path.clone(), input.message.clone()),
            StoreError::Invalid { field, reason } => (field.clone(), reason.clone()),
            _ => return None,
        };
        let field = names
            .iter()
            .filter(|name| {
                path == **name
                    || path.starts_with(&format!("{name}."))
                    || path.starts_with(&format!("{name}["))
            })
            .max_by_key(|name| name.len())
            .cloned();
        Some(FieldError {
            field,
            reason: words::input_reason(&message),
            path,
        })
    }

    fn at(&self, name: &str) -> Option<&str> {
        (self.field.as_deref() == Some(name)).then_some(self.reason.as_str())
    }
}

fn field_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// One labelled field with its error and hint.
fn field(
    name: &str,
    label: &str,
    value: &str,
    error: Option<&FieldError>,
    rows: Option<usize>,
    hint: Option<&str>,
) -> Markup {
    let id = field_id(name);
    let message = error.and_then(|e| e.at(name));
    let described = format!("{id}-hint {id}-error");
    html! {
        div.field {
            label for=(id) { (label) }
            @if let Some(hint) = hint { span.hint #(format!("{id}-hint")) { (hint) } }
            @if let Some(rows) = rows {
                textarea #(id) name=(name) rows=(rows) aria-describedby=(described)
                    aria-invalid=[message.map(|_| "true")] { (value) }
            } @else {
                input #(id) name=(name) value=(value) aria-describedby=(described)
                    aria-invalid=[message.map(|_| "true")];
            }
            @if let Some(message) = message {
                p.field-error #(format!("{id}-error")) role="alert" { (message) }
            }
        }
    }
}

fn select(name: &str, label: &str, value: &str, options: &[(&str, &str)]) -> Markup {
    let id = field_id(name);
    html! {
        div.field {
            label for=(id) { (label) }
            select #(id) name=(name) {
                @for (option, text) in options {
                    option value=(option) selected[*option == value] { (text) }
                }
            }
        }
    }
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
    let is_memo = draft.kind == "memo";
    let kind_name = words::kind_name(&draft.kind);
    html! {
        h1 {
            @if doc_id.is_some() { "แก้ไขร่าง" (kind_name) } @else { "สร้าง" (kind_name) }
        }
        @if let Some(returned) = returned {
            section.returned #returned aria-label="เหตุที่ส่งคืน" { (returned) }
        }
        @if let Some(error) = error {
            div.alert role="alert" #form-error {
                p { "ยังบันทึกไม่ได้ กรุณาแก้ไขช่องที่ทำเครื่องหมายไว้:" }
                p {
                    @if let Some(field) = &error.field {
                        a href=(format!("#{}", field_id(field))) { (words::field_label(&error.path)) }
                    } @else {
                        (words::field_label(&error.path))
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
                fieldset {
                    legend { "ชั้นความเร็วและชั้นความลับ" }
                    div.pair {
                        (select("urgency", "ชั้นความเร็ว", &draft.urgency, &[("", "ปกติ"), ("ด่วน", "ด่วน"), ("ด่วนมาก", "ด่วนมาก"), ("ด่วนที่สุด", "ด่วนที่สุด")]))
                        (select("secrecy", "ชั้นความลับ", &draft.secrecy, &[("", "ไม่มี"), ("ลับ", "ลับ"), ("ลับมาก", "ลับมาก")]))
                    }
                }
                fieldset {
                    legend { "ส่วนหัว" }
                    @if is_memo {
                        (field("unit", "ส่วนราชการ", &draft.unit, error, None, None))
                        (field("phone", "โทร", &draft.phone, error, None, Some("ไม่บังคับ")))
                        (field("number.prefix", "ที่ (รหัสหนังสือ)", &draft.prefix, error, None, Some("เลขที่หนังสือจะออกโดยงานสารบรรณเมื่อออกเลข")))
                    } @else {
                        (field("authority", "คำสั่ง (ผู้ออกคำสั่ง)", &draft.authority, error, None, None))
                    }
                    div.field {
                        label for="date" { @if is_memo { "วันที่" } @else { "สั่ง ณ วันที่" } }
                        input #date type="date" name="date" value=(draft.date) aria-describedby="date-error"
                            aria-invalid=[error.and_then(|e| e.at("date")).map(|_| "true")];
                        @if let Some(message) = error.and_then(|e| e.at("date")) {
                            p.field-error #date-error role="alert" { (message) }
                        }
                    }
                    (field("subject", "เรื่อง", &draft.subject, error, Some(2), None))
                    @if is_memo {
                        (field("to", "เรียน", &draft.to, error, None, None))
                        (field("references", "อ้างถึง", &draft.references, error, Some(2), Some("ไม่บังคับ หนึ่งรายการต่อบรรทัด")))
                        (field("enclosures", "สิ่งที่ส่งมาด้วย", &draft.enclosures, error, Some(2), Some("ไม่บังคับ หนึ่งรายการต่อบรรทัด")))
                    }
                }
                fieldset #body-blocks {
                    legend { "เนื้อความ" }
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
                    } @else {
                        (field("effective", "ทั้งนี้ ตั้งแต่", &draft.effective, error, None, None))
                    }
                    (field("signer.name", "ชื่อผู้ลงนาม", &draft.signer_name, error, None, None))
                    (field("signer.position", "ตำแหน่งผู้ลงนาม", &draft.signer_position, error, Some(2), None))
                    (field("signer.signature", "ลายมือชื่อ (ข้อความแทนลายมือชื่อ)", &draft.signer_signature, error, None, Some("ไม่บังคับ")))
                }
                div.buttons.sticky {
                    button.primary type="submit" name="op" value="save" #save { "บันทึกร่าง" }
                    button type="submit" name="op" value="preview" formnovalidate { "แสดงตัวอย่าง" }
                    span #autosave-status role="status" aria-live="polite" {}
                }
            }
            section.preview #preview aria-label="ตัวอย่างเอกสาร" aria-live="polite" {
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

/// The closing lines a memo usually ends with.
const CLOSINGS: [&str; 4] = [
    "จึงเรียนมาเพื่อโปรดทราบ",
    "จึงเรียนมาเพื่อโปรดพิจารณา",
    "จึงเรียนมาเพื่อโปรดพิจารณาอนุมัติ",
    "จึงเรียนมาเพื่อโปรดทราบและพิจารณา",
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
    let block_error =
        error.and_then(|e| e.at(&prefix).or_else(|| e.at(&format!("{prefix}.table"))));
    html! {
        div.block #(field_id(&prefix)) {
            div.block-head {
                label for=(field_id(&format!("{prefix}.type"))) { "ส่วนที่ " (number) }
                select #(field_id(&format!("{prefix}.type"))) name=(format!("{prefix}.type")) {
                    option value="paragraph" selected[block.kind == BlockKind::Paragraph] { "ย่อหน้า" }
                    option value="heading" selected[block.kind == BlockKind::Heading] { "หัวข้อ" }
                    option value="table" selected[block.kind == BlockKind::Table] { "ตาราง" }
                }
                @if i > 0 {
                    button type="submit" name="op" value=(format!("up:{i}")) formnovalidate aria-label=(format!("เลื่อนส่วนที่ {number} ขึ้น")) { "↑" }
                }
                @if count > 1 {
                    button.danger type="submit" name="op" value=(format!("remove-block:{i}")) formnovalidate aria-label=(format!("ลบส่วนที่ {number}")) { "ลบ" }
                }
            }
            @if let Some(message) = block_error {
                p.field-error role="alert" { (message) }
            }
            @match block.kind {
                BlockKind::Paragraph => {
                    (field(&format!("{prefix}.paragraph"), "ข้อความ", &block.text, error, Some(5), None))
                    input type="hidden" name=(format!("{prefix}.items")) value=(block.items);
                }
                BlockKind::Heading => {
                    (field(&format!("{prefix}.heading"), "หัวข้อ", &block.text, error, Some(2), None))
                }
                BlockKind::Table => {
                    input type="hidden" name=(format!("{prefix}.table.widths")) value=(block.widths);
                    (field(&format!("{prefix}.table.columns"), "หัวตาราง", &block.columns.join("\n"), error, Some(block.columns.len().clamp(2, 8)), Some("หนึ่งหัวข้อต่อบรรทัด")))
                    div.table-scroll {
                        table.cells {
                            thead {
                                tr {
                                    @for column in &block.columns { th scope="col" { (column) } }
                                    th { span.visually-hidden { "ลบแถว" } }
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
                        }
                    }
                    div.buttons {
                        button type="submit" name="op" value=(format!("add-row:{i}")) formnovalidate { "+ เพิ่มแถว" }
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
    if kind == "memo" || kind == "order" {
        Ok(())
    } else {
        Err(message_page(
            StatusCode::NOT_FOUND,
            "ไม่พบหน้านี้",
            "ชนิดเอกสารมีเพียงบันทึกข้อความและคำสั่ง",
        ))
    }
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(kind): Path<String>,
) -> Response {
    if let Err(response) = may_draft(&user).and_then(|_| known_kind(&kind)) {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    let draft = Draft::new(&kind, &config, &user);
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
    let returned = if returned {
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
        notes.get(&id).map(|note| return_note(&config, note))
    } else {
        None
    };
    let content = match state.store.content(&user.account.org, &id).await {
        Ok(content) => content,
        Err(error) => return failure(error),
    };
    let draft = Draft::from_content(&content);
    let preview = preview_markup(&state, &user, &draft).await;
    page(
        StatusCode::OK,
        "แก้ไขร่าง",
        Some(&user),
        render_form(
            digits_of(&state, &user).await,
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

async fn preview_markup(state: &AppState, user: &WebUser, draft: &Draft) -> Markup {
    let pages = match saraban_core::document::document_from_value(draft.to_content()) {
        Ok(document) => {
            state
                .press
                .draft_images(&state.store, &user.account.org, document)
                .await
        }
        Err(error) => Err(error.into()),
    };
    match pages {
        Ok(pages) => page_images(&pages, "ตัวอย่าง"),
        Err(error) => {
            let (_, text) = words::store_error(&error);
            html! { p.alert { "ยังแสดงตัวอย่างไม่ได้: " (text) } }
        }
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
    if op != "save" {
        draft.apply(&op);
        let preview = if op == "preview" {
            Some(preview_markup(state, user, &draft).await)
        } else {
            None
        };
        return page(
            StatusCode::OK,
            title,
            Some(user),
            render_form(
                digits_of(state, user).await,
                user,
                &draft,
                &action,
                doc_id.map(|id| Editing { id, returned: None }),
                None,
                preview,
            ),
        );
    }
    match save(state, user, &draft, doc_id).await {
        Ok(id) => redirect(&format!("/doc/{id}?saved=1")),
        Err(error) => match FieldError::from_store(&error, &draft.field_names()) {
            Some(field_error) => page(
                StatusCode::UNPROCESSABLE_ENTITY,
                title,
                Some(user),
                render_form(
                    digits_of(state, user).await,
                    user,
                    &draft,
                    &action,
                    doc_id.map(|id| Editing { id, returned: None }),
                    Some(&field_error),
                    None,
                ),
            ),
            None => failure(error),
        },
    }
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
        Ok(draft) => html_response(preview_markup(&state, &user, &draft).await),
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
            let (_, text) = words::store_error(&error);
            Json(json!({
                "saved": false,
                "message": format!("ยังบันทึกอัตโนมัติไม่ได้: {text}"),
            }))
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Draft, parse_tab_separated};

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
