//! The pieces every document form is built of: a labelled field with its
//! hint and its error, a choice, and the engine's complaint placed at the
//! field that holds its path. Shared by the form (`form`) and the parts of
//! the letter, stamped letter and announcement (`form_kinds`).

use maud::{Markup, html};
use saraban_core::DigitStyle;
use saraban_store::StoreError;

use super::words;

/// An error of the engine, placed at the form's field that best holds it.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    pub field: Option<String>,
    pub path: String,
    pub reason: String,
}

impl FieldError {
    pub fn from_store(
        error: &StoreError,
        names: &[String],
        digits: DigitStyle,
    ) -> Option<FieldError> {
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
            reason: input_reason(&path, &message, digits),
            path,
        })
    }

    pub fn at(&self, name: &str) -> Option<&str> {
        (self.field.as_deref() == Some(name)).then_some(self.reason.as_str())
    }
}

/// The engine's reason in Thai: what only these forms ask first, then
/// what every page says.
pub(crate) fn input_reason(path: &str, message: &str, digits: DigitStyle) -> String {
    if path == "matter" && message.contains("is not a matter for a stamped letter") {
        return format!(
            "เรื่องนี้ใช้หนังสือประทับตราไม่ได้ ระเบียบงานสารบรรณ ข้อ {} ให้ใช้เฉพาะเรื่องตามรายการข้างต้น \
             กรุณาเลือกเรื่องที่ตรงกัน หรือจัดทำเป็นหนังสือภายนอกแทน",
            digits.number(14)
        );
    }
    if path == "effective_from" && message.contains("not both") {
        return "ระบุได้อย่างใดอย่างหนึ่ง: วันที่มีผล หรือข้อความวันมีผล".into();
    }
    words::input_reason(message, digits)
}

/// The Thai name of a field of the new kinds, then of every document.
pub(crate) fn field_label(path: &str, digits: DigitStyle) -> String {
    let bare = path.split('[').next().unwrap_or(path);
    let label = match bare {
        "agency" => "ส่วนราชการเจ้าของหนังสือและที่อยู่",
        "rank" => "ฐานะของผู้รับ",
        "salutation" => "คำขึ้นต้น",
        "sign_off" => "คำลงท้าย",
        "contact" | "contact.unit" => "ส่วนราชการเจ้าของเรื่อง",
        "contact.phone" => "โทร.",
        "contact.fax" => "โทรสาร",
        "contact.email" => "ไปรษณีย์อิเล็กทรอนิกส์",
        "copies" => "สำเนาส่ง",
        "matter" => "เรื่องที่ใช้หนังสือประทับตรา",
        "order" => "คำสั่งที่กำหนดให้ใช้หนังสือประทับตรา",
        "initials" => "ชื่อย่อกำกับตรา",
        "issuer" => "ประกาศ (ผู้ออกประกาศ)",
        "effective_from" => "ทั้งนี้ ตั้งแต่วันที่",
        "in_reply_to" => "หนังสือที่ตอบ",
        _ => "",
    };
    if label.is_empty() {
        words::field_label(path, digits)
    } else {
        label.to_owned()
    }
}

pub(crate) fn field_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// One labelled field with its error and hint.
pub(crate) fn field(
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

pub(crate) fn select(name: &str, label: &str, value: &str, options: &[(&str, &str)]) -> Markup {
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

/// A one-line text a field holds, or nothing when blank.
pub(crate) fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}
