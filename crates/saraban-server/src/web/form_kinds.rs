//! What the form of a หนังสือภายนอก (letter), a หนังสือประทับตรา (stamped)
//! or a ประกาศ (announcement) asks beyond a memo's: the agency and its
//! address, the addressee's rank from the regulation's table with the
//! salutation and closing it gives, the matters a stamped letter may
//! serve, the contact block, สำเนาส่ง, the issuer and the effective date.
//! Field names are the document's paths, as in the rest of the form.

use maud::{Markup, html};
use saraban_core::DigitStyle;
use saraban_core::org::OrgConfig;
use saraban_core::outgoing::{HIGH_OFFICES, MATTERS, RANKS};
use serde_json::{Map, Value, json};

use super::common::Fields;
use super::dates::{date_parts, posted_date};
use super::form_fields::{FieldError, field, field_id, lines};
use super::words;

/// Every kind the form drafts, in the order it offers them.
pub(crate) const KINDS: [&str; 5] = ["memo", "letter", "stamped", "order", "announcement"];

/// The kinds whose parts are here.
const NEW_KINDS: [&str; 3] = ["letter", "stamped", "announcement"];

/// The matter a drafter picks when theirs is none of the regulation's: the
/// engine refuses it, and the form says why at the field.
const OTHER_MATTER: &str = "other";

pub(crate) fn is_new_kind(kind: &str) -> bool {
    NEW_KINDS.contains(&kind)
}

/// What each kind is for, as the pages that offer them say.
fn kind_use(kind: &str) -> &'static str {
    match kind {
        "memo" => "หนังสือติดต่อราชการภายในหน่วยงาน เสนอผู้บังคับบัญชา",
        "letter" => "หนังสือถึงส่วนราชการอื่น หน่วยงานอื่น หรือบุคคลภายนอก",
        "stamped" => "เรื่องที่ไม่สำคัญตามที่ระเบียบกำหนด ใช้ตราประทับและชื่อย่อแทนการลงชื่อ",
        "order" => "บทบังคับที่ผู้บังคับบัญชาสั่งการให้ปฏิบัติ",
        "announcement" => "ประกาศหรือชี้แจงให้ทราบโดยทั่วกัน",
        _ => "",
    }
}

/// A link to start each kind the organisation has a route for (nothing
/// else could be sent on); with what each is for when `described`.
pub(crate) fn kinds_offered(config: &OrgConfig, described: bool) -> Markup {
    let kinds = KINDS
        .into_iter()
        .filter(|kind| config.route(kind).is_some());
    html! {
        ul.kinds.described[described] {
            @for kind in kinds {
                li {
                    a.button href=(format!("/new/{kind}")) { "+ " (words::kind_name(kind)) }
                    @if described { " " span.hint { (kind_use(kind)) } }
                }
            }
        }
    }
}

/// The fields of the new kinds, as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct KindFields {
    /// A letter's agency and its address, one line each; a stamped
    /// letter's agency (its stamp line).
    pub agency: String,
    /// A letter's rank, by its name in `RANKS`; empty for the default.
    pub rank: String,
    pub salutation: String,
    pub sign_off: String,
    pub contact_unit: String,
    pub contact_phone: String,
    pub contact_fax: String,
    pub contact_email: String,
    /// สำเนาส่ง, one a line.
    pub copies: String,
    pub matter: String,
    pub order: String,
    pub initials: String,
    pub issuer: String,
    pub unnumbered: bool,
    /// ISO (C.E.), shown as day, Thai month and B.E. year.
    pub effective_from: String,
}

fn text(value: Option<Value>) -> String {
    value
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn joined(value: Option<Value>) -> String {
    value
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

impl KindFields {
    /// A new draft's: the organisation's name as agency and issuer, its
    /// unit and telephone as the contact.
    pub fn new(kind: &str, config: &OrgConfig) -> KindFields {
        let name = config.organisation.name.as_str().to_owned();
        KindFields {
            agency: if is_new_kind(kind) && kind != "announcement" {
                name.clone()
            } else {
                String::new()
            },
            contact_unit: config
                .organisation
                .unit
                .as_ref()
                .unwrap_or(&config.organisation.name)
                .as_str()
                .to_owned(),
            contact_phone: config
                .organisation
                .phone
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            issuer: name,
            ..KindFields::default()
        }
    }

    /// Takes this kind's fields out of a stored document's content (what
    /// is left is kept as it came).
    pub fn take(kind: &str, object: &mut Map<String, Value>) -> KindFields {
        if !is_new_kind(kind) {
            return KindFields::default();
        }
        let mut contact = object
            .remove("contact")
            .and_then(|c| c.as_object().cloned())
            .unwrap_or_default();
        let agency = match object.remove("agency") {
            // A letter's address in lines; a stamped letter's name.
            Some(Value::String(agency)) => agency,
            _ => String::new(),
        };
        KindFields {
            agency,
            rank: text(object.remove("rank")),
            salutation: text(object.remove("salutation")),
            sign_off: text(object.remove("sign_off")),
            contact_unit: text(contact.remove("unit")),
            contact_phone: text(contact.remove("phone")),
            contact_fax: text(contact.remove("fax")),
            contact_email: text(contact.remove("email")),
            copies: joined(object.remove("copies")),
            matter: text(object.remove("matter")),
            order: text(object.remove("order")),
            initials: text(object.remove("initials")),
            issuer: text(object.remove("issuer")),
            unnumbered: object
                .remove("unnumbered")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            effective_from: text(object.remove("effective_from")),
        }
    }

    pub fn from_fields(fields: &Fields) -> KindFields {
        KindFields {
            agency: fields.text("agency"),
            rank: fields.text("rank"),
            salutation: fields.text("salutation"),
            sign_off: fields.text("sign_off"),
            contact_unit: fields.text("contact.unit"),
            contact_phone: fields.text("contact.phone"),
            contact_fax: fields.text("contact.fax"),
            contact_email: fields.text("contact.email"),
            copies: fields.text("copies"),
            matter: fields.text("matter"),
            order: fields.text("order"),
            initials: fields.text("initials"),
            issuer: fields.text("issuer"),
            unnumbered: fields.get("unnumbered") == Some("true"),
            effective_from: posted_date(fields, "effective_from"),
        }
    }

    /// Writes this kind's fields into the document (format saraban/1).
    pub fn write(&self, kind: &str, object: &mut Map<String, Value>) {
        let optional = |object: &mut Map<String, Value>, key: &str, value: &str| {
            if value.trim().is_empty() {
                object.remove(key);
            } else {
                object.insert(key.into(), json!(value));
            }
        };
        match kind {
            "letter" => {
                object.insert("agency".into(), json!(lines(&self.agency).join("\n")));
                // The default rank is written as nothing, as the examples do.
                let rank = if self.rank == RANKS[0].name {
                    ""
                } else {
                    &self.rank
                };
                optional(object, "rank", rank);
                optional(object, "salutation", &self.salutation);
                optional(object, "sign_off", &self.sign_off);
                let copies = lines(&self.copies);
                if copies.is_empty() {
                    object.remove("copies");
                } else {
                    object.insert("copies".into(), json!(copies));
                }
                object.insert("contact".into(), self.contact());
            }
            "stamped" => {
                object.insert("agency".into(), json!(self.agency.trim()));
                optional(object, "matter", &self.matter);
                optional(object, "order", &self.order);
                optional(object, "initials", &self.initials);
                object.insert("contact".into(), self.contact());
            }
            "announcement" => {
                object.insert("issuer".into(), json!(self.issuer));
                if self.unnumbered {
                    object.insert("unnumbered".into(), json!(true));
                } else {
                    object.remove("unnumbered");
                }
                optional(object, "effective_from", &self.effective_from);
            }
            _ => {}
        }
    }

    fn contact(&self) -> Value {
        let mut contact = Map::new();
        contact.insert("unit".into(), json!(self.contact_unit));
        for (key, value) in [
            ("phone", &self.contact_phone),
            ("fax", &self.contact_fax),
            ("email", &self.contact_email),
        ] {
            if !value.trim().is_empty() {
                contact.insert(key.into(), json!(value));
            }
        }
        Value::Object(contact)
    }

    /// For the preview: the required lines left empty dotted, a matter
    /// not yet chosen (or refused, said at saving) taken as the first,
    /// since none is printed; with what is empty (label, field name).
    pub fn for_preview(&mut self, kind: &str, dots: &str) -> Vec<(&'static str, &'static str)> {
        let mut empty = Vec::new();
        let mut required: Vec<(&'static str, &'static str, &mut String)> = Vec::new();
        match kind {
            "letter" => {
                required.push(("agency", "ส่วนราชการเจ้าของหนังสือ", &mut self.agency));
                required.push((
                    "contact.unit",
                    "ส่วนราชการเจ้าของเรื่อง",
                    &mut self.contact_unit,
                ));
            }
            "stamped" => {
                required.push(("agency", "ชื่อส่วนราชการ (บรรทัดตรา)", &mut self.agency));
                required.push((
                    "contact.unit",
                    "ส่วนราชการเจ้าของเรื่อง",
                    &mut self.contact_unit,
                ));
                if !MATTERS.iter().any(|(_, name, _)| *name == self.matter) {
                    if self.matter.is_empty() {
                        empty.push(("เรื่องที่ใช้หนังสือประทับตรา", "matter"));
                    }
                    self.matter = MATTERS[0].1.into();
                    self.order.clear();
                }
            }
            "announcement" => {
                required.push(("issuer", "ประกาศ (ผู้ออกประกาศ)", &mut self.issuer));
            }
            _ => {}
        }
        for (name, label, value) in required {
            if value.trim().is_empty() {
                *value = dots.into();
                empty.push((label, name));
            }
        }
        empty
    }
}

/// The names of this kind's fields, for placing an error.
pub(crate) fn field_names(kind: &str) -> &'static [&'static str] {
    match kind {
        "letter" => &[
            "number",
            "number.prefix",
            "agency",
            "to",
            "rank",
            "salutation",
            "sign_off",
            "references",
            "enclosures",
            "contact",
            "contact.unit",
            "contact.phone",
            "contact.fax",
            "contact.email",
            "copies",
        ],
        "stamped" => &[
            "number",
            "number.prefix",
            "to",
            "matter",
            "order",
            "agency",
            "initials",
            "contact",
            "contact.unit",
            "contact.phone",
            "contact.fax",
            "contact.email",
        ],
        "announcement" => &["issuer", "unnumbered", "effective", "effective_from"],
        _ => &[],
    }
}

/// The head of the form, before the date: the letter's agency and
/// address, the announcement's issuer.
pub(crate) fn head(kind: &str, fields: &KindFields, error: Option<&FieldError>) -> Markup {
    html! {
        @match kind {
            "letter" => {
                (field("agency", "ส่วนราชการเจ้าของหนังสือและที่อยู่", &fields.agency, error, Some(3),
                    Some("บรรทัดแรกเป็นชื่อส่วนราชการ บรรทัดถัดไปเป็นที่อยู่ พิมพ์ชิดขวาตามที่แบ่งบรรทัดไว้")))
            }
            "announcement" => {
                (field("issuer", "ประกาศ (ผู้ออกประกาศ)", &fields.issuer, error, None, None))
                div.field {
                    label.choice {
                        input #unnumbered type="checkbox" name="unnumbered" value="true" checked[fields.unnumbered];
                        " ไม่พิมพ์เลขที่ประกาศ (ทะเบียนประกาศยังบันทึกไว้)"
                    }
                }
            }
            _ => {}
        }
    }
}

/// After the addressee: a letter's rank with its salutation and closing,
/// a stamped letter's matter.
pub(crate) fn addressee(
    kind: &str,
    fields: &KindFields,
    error: Option<&FieldError>,
    digits: DigitStyle,
) -> Markup {
    match kind {
        "letter" => rank(fields, error),
        "stamped" => matter(fields, error, digits),
        _ => html! {},
    }
}

/// The rank from the regulation's table; the salutation and closing it
/// gives shown, and typed over when they differ.
fn rank(fields: &KindFields, error: Option<&FieldError>) -> Markup {
    let chosen = RANKS
        .iter()
        .find(|r| r.name == fields.rank || r.salutation == fields.rank)
        .unwrap_or(&RANKS[0]);
    let message = |name: &str| error.and_then(|e| e.at(name));
    html! {
        div.field #rank-field {
            label for="rank" { "ฐานะของผู้รับ (คำขึ้นต้นและคำลงท้ายตามระเบียบ)" }
            span.hint #rank-hint { "ตามตารางคำขึ้นต้นและคำลงท้ายของระเบียบงานสารบรรณ" }
            select #rank name="rank" aria-describedby="rank-hint rank-error" data-forms
                aria-invalid=[message("rank").map(|_| "true")] {
                @for forms in &RANKS {
                    option value=(forms.name) selected[forms.name == chosen.name]
                        data-salutation=(forms.salutation) data-sign-off=(forms.sign_off) {
                        (forms.salutation) " … " (forms.sign_off) " — " (forms.who)
                    }
                }
            }
            @if let Some(message) = message("rank") {
                p.field-error #rank-error role="alert" { (message) }
            }
            details.offices {
                summary { "ตำแหน่งที่ใช้คำขึ้นต้น “กราบเรียน”" }
                ul { @for office in HIGH_OFFICES { li { (office) } } }
            }
        }
        div.pair {
            (typed_over("salutation", "คำขึ้นต้น", &fields.salutation, chosen.salutation, error))
            (typed_over("sign_off", "คำลงท้าย", &fields.sign_off, chosen.sign_off, error))
        }
    }
}

/// A wording the table gives, shown as the field's placeholder; what is
/// typed replaces it.
fn typed_over(
    name: &str,
    label: &str,
    value: &str,
    from_table: &str,
    error: Option<&FieldError>,
) -> Markup {
    let id = field_id(name);
    let message = error.and_then(|e| e.at(name));
    html! {
        div.field {
            label for=(id) { (label) }
            span.hint #(format!("{id}-hint")) {
                "ตามตาราง: " span.from-table #(format!("{id}-table")) { (from_table) } " (พิมพ์เพื่อใช้คำอื่น)"
            }
            input #(id) name=(name) value=(value) placeholder=(from_table)
                aria-describedby=(format!("{id}-hint {id}-error"))
                aria-invalid=[message.map(|_| "true")];
            @if let Some(message) = message {
                p.field-error #(format!("{id}-error")) role="alert" { (message) }
            }
        }
    }
}

/// The matters of ข้อ ๑๔, one to choose, and the way out when the
/// drafter's is none of them (refused at saving, with why).
fn matter(fields: &KindFields, error: Option<&FieldError>, digits: DigitStyle) -> Markup {
    let message = error.and_then(|e| e.at("matter"));
    let other = !fields.matter.is_empty()
        && !MATTERS
            .iter()
            .any(|(_, name, wording)| *name == fields.matter || *wording == fields.matter);
    html! {
        fieldset.field.matters #matter aria-describedby="matter-hint matter-error" {
            legend { "เรื่องที่ใช้หนังสือประทับตรา" }
            span.hint #matter-hint {
                (digits.apply("ระเบียบงานสารบรรณ ข้อ 14 ให้ใช้หนังสือประทับตราได้เฉพาะเรื่องที่ไม่สำคัญ ดังนี้ "))
                "เรื่องอื่นให้จัดทำเป็นหนังสือภายนอก"
            }
            @for (_, name, wording) in &MATTERS {
                label.choice {
                    input #(format!("matter-{name}")) type="radio" name="matter" value=(name)
                        checked[fields.matter == *name || fields.matter == *wording];
                    " " (wording)
                }
            }
            label.choice {
                input #matter-other type="radio" name="matter" value=(if other { fields.matter.as_str() } else { OTHER_MATTER }) checked[other];
                " เรื่องอื่นที่ไม่อยู่ในรายการข้างต้น"
            }
            @if let Some(message) = message {
                p.field-error #matter-error role="alert" { (message) }
            }
        }
        (field("order", "คำสั่งที่กำหนดเรื่องนี้ (เฉพาะเรื่องที่หัวหน้าส่วนราชการกำหนดโดยทำเป็นคำสั่ง)", &fields.order, error, None, Some("ไม่บังคับสำหรับเรื่องอื่น")))
    }
}

/// The foot of the form, before the signer: an announcement's effective
/// date; a stamped letter's stamp line and initials.
pub(crate) fn foot(
    kind: &str,
    fields: &KindFields,
    error: Option<&FieldError>,
    digits: DigitStyle,
) -> Markup {
    html! {
        @match kind {
            "announcement" => {
                @let message = error.and_then(|e| e.at("effective_from"));
                div.field #effective-from-field {
                    label #effective-from-label for="effective-from" { "ทั้งนี้ ตั้งแต่วันที่ (ไม่บังคับ)" }
                    span.hint #effective-from-hint { "พิมพ์ว่า “ทั้งนี้ ตั้งแต่วันที่ … เป็นต้นไป” ใช้แทนข้อความวันมีผลข้างบน" }
                    (date_parts(digits, "effective_from", "effective-from", &fields.effective_from, "effective-from-label", message.is_some()))
                    @if let Some(message) = message {
                        p.field-error #effective-from-error role="alert" { (message) }
                    }
                }
            }
            "stamped" => {
                (field("agency", "ชื่อส่วนราชการ (บรรทัดตรา)", &fields.agency, error, None, None))
                (field("initials", "ชื่อย่อกำกับตรา", &fields.initials, error, None,
                    Some("ไม่บังคับ ว่างไว้: ใช้อักษรแรกของชื่อและนามสกุลของผู้รับผิดชอบ")))
            }
            _ => {}
        }
    }
}

/// ส่วนราชการเจ้าของเรื่อง at the bottom left, and a letter's สำเนาส่ง.
pub(crate) fn contact(kind: &str, fields: &KindFields, error: Option<&FieldError>) -> Markup {
    if !matches!(kind, "letter" | "stamped") {
        return html! {};
    }
    html! {
        fieldset #contact-block {
            legend { "ส่วนราชการเจ้าของเรื่อง (มุมล่างซ้าย)" }
            (field("contact.unit", "ส่วนราชการเจ้าของเรื่อง", &fields.contact_unit, error, None, None))
            div.pair {
                (field("contact.phone", "โทร.", &fields.contact_phone, error, None, Some("ไม่บังคับ")))
                (field("contact.fax", "โทรสาร", &fields.contact_fax, error, None, Some("ไม่บังคับ")))
            }
            (field("contact.email", "ไปรษณีย์อิเล็กทรอนิกส์", &fields.contact_email, error, None, Some("ไม่บังคับ")))
            @if kind == "letter" {
                (field("copies", "สำเนาส่ง", &fields.copies, error, Some(2), Some("ไม่บังคับ หนึ่งรายการต่อบรรทัด")))
            }
        }
    }
}
