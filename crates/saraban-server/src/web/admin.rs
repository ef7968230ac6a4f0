//! Administration: the organisation's configuration (people, positions,
//! holdings, delegations, routes, registers and their numbering) shown as
//! tables and edited with forms — add a person, move someone to a position
//! from a date, a delegation, a route's steps with a preview of the route —
//! and, as the advanced view, as one checked file; with the emblem. Every
//! form builds the whole new configuration and stores it through the one
//! checked path (`OrgConfig::from_value`, then the store's `init_org`, which
//! versions a changed route); a refusal is said in Thai next to its field
//! and changes nothing.

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use saraban_core::org::{OrgConfig, RouteConfig, Slug, StepConfig};
use saraban_core::workflow::OnReturn;
use saraban_core::{DigitStyle, PersonId, ThaiDate};
use saraban_store::StoreError;
use serde_json::{Value, json};

use super::common::{Fields, WebUser, config_of, failure, multipart_parts, page, part_text};
use super::dates::{date_parts, posted_date};
use super::words;
use crate::state::AppState;

/// Today in Thai time, for what has expired and who holds what.
fn today() -> NaiveDate {
    saraban_core::clock::thai_date(Utc::now())
}

/// "หมดอายุ" after an end date that has passed; "ยังไม่เริ่ม" before a start
/// still to come.
fn period_mark(from: &ThaiDate, to: Option<&ThaiDate>, today: NaiveDate) -> Markup {
    html! {
        @if to.is_some_and(|to| to.naive() < today) {
            " " span.expired { "หมดอายุ" }
        } @else if from.naive() > today {
            " " span.pending { "ยังไม่เริ่ม" }
        }
    }
}

/// The people holding `position` today, and those acting for it by a
/// delegation in force today (with the capacity's wording).
fn holders_today(config: &OrgConfig, position: &str, today: NaiveDate) -> Vec<String> {
    let mut names: Vec<String> = config
        .people
        .iter()
        .filter(|person| {
            person.holds.iter().any(|h| {
                h.position.as_str() == position
                    && saraban_core::org::covers(h.from.naive(), h.to.map(ThaiDate::naive), today)
            })
        })
        .map(|person| person.name.as_str().to_owned())
        .collect();
    for d in &config.delegations {
        if d.position.as_str() == position
            && saraban_core::org::covers(d.from.naive(), Some(d.to.naive()), today)
        {
            names.push(format!(
                "{} ({})",
                words::person_name(config, d.delegate.as_str()),
                d.capacity.wording()
            ));
        }
    }
    names
}

fn summary(user: &WebUser, config: &OrgConfig) -> Markup {
    let digits = config.organisation.digits;
    let date = |d: &ThaiDate| d.abbreviated(digits);
    let today = today();
    html! {
        h2 #people-title { "บุคคลและตำแหน่ง" }
        div.table-scroll {
            table #people {
                thead { tr { th scope="col" { "ชื่อผู้ใช้" } th scope="col" { "ชื่อ" } th scope="col" { "ตำแหน่ง" } } }
                tbody {
                    @for person in &config.people {
                        tr {
                            td { code { (person.id) } }
                            td { (person.name) @if person.admin { " (ผู้ดูแลระบบ)" } }
                            td {
                                @for holding in &person.holds {
                                    span.holding {
                                        (words::position_title(config, holding.position.as_str()))
                                        " ตั้งแต่ " (date(&holding.from))
                                        @if let Some(to) = &holding.to { " ถึง " (date(to)) }
                                        (period_mark(&holding.from, holding.to.as_ref(), today))
                                    }
                                    br;
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 #delegations-title { "การมอบอำนาจ" }
        @if config.delegations.is_empty() { p.empty { "ไม่มี" } }
        ul #delegations {
            @for (i, d) in config.delegations.iter().enumerate() {
                li .expired-item[d.to.naive() < today] {
                    (words::person_name(config, d.delegate.as_str())) " "
                    (d.capacity.wording()) (words::position_title(config, d.position.as_str()))
                    " ตาม" (d.order) " (" (date(&d.from)) " – " (date(&d.to)) ")"
                    (period_mark(&d.from, Some(&d.to), today)) " "
                    form.inline-action method="post" action="/admin/delegations" data-busy {
                        (user.csrf_field())
                        button.danger type="submit" name="op" value=(format!("remove:{i}"))
                            aria-label=(format!("ยกเลิก การมอบอำนาจรายการที่ {}", digits.number(i as u64 + 1))) { "ยกเลิก" }
                    }
                }
            }
        }
    }
}

fn registers(config: &OrgConfig) -> Markup {
    let digits = config.organisation.digits;
    html! {
        h2 { "ทะเบียน" }
        ul {
            @for r in &config.registers {
                li {
                    (r.name)
                    @if let Some(prefix) = &r.prefix { " · รหัส " (prefix.as_str()) }
                    @if let Some(start) = &r.start {
                        " · เริ่มปี " (digits.number(start.year.get() as u64)) " ที่เลข " (digits.number(u64::from(start.next)))
                    }
                }
            }
        }
    }
}

/// What the administration page says after a change, or about a refusal.
#[derive(Debug, Default, Clone, Copy)]
struct Outcome<'a> {
    config_error: Option<&'a str>,
    password_error: Option<&'a str>,
    delegation: Option<&'a Draft>,
    person: Option<&'a Draft>,
    holding: Option<&'a Draft>,
    route: Option<&'a RouteDraft>,
    emblem_error: Option<&'a str>,
    saved: Option<&'a str>,
}

impl<'a> Outcome<'a> {
    fn saved(saved: &'a str) -> Self {
        Outcome {
            saved: Some(saved),
            ..Outcome::default()
        }
    }
}

/// The page with a form as typed and its refusal (`Posted::change`).
impl Outcome<'_> {
    fn person(draft: &Draft) -> Outcome<'_> {
        Outcome {
            person: Some(draft),
            ..Outcome::default()
        }
    }

    fn holding(draft: &Draft) -> Outcome<'_> {
        Outcome {
            holding: Some(draft),
            ..Outcome::default()
        }
    }

    fn delegation(draft: &Draft) -> Outcome<'_> {
        Outcome {
            delegation: Some(draft),
            ..Outcome::default()
        }
    }

    fn route(draft: &RouteDraft) -> Outcome<'_> {
        Outcome {
            route: Some(draft),
            ..Outcome::default()
        }
    }
}

/// One of the small forms as typed (field name → text), with the
/// engine's complaint: the field at fault and why, in Thai.
#[derive(Debug, Default, Clone)]
struct Draft {
    values: Vec<(&'static str, String)>,
    error: Option<(String, String)>,
}

impl Draft {
    /// The fields `names` of a posted form; a field that is a date is read
    /// from its day, month and B.E. year (`dates::posted_date`) as ISO.
    fn from_fields(fields: &Fields, names: &[&'static str], dates: &[&'static str]) -> Self {
        let mut values: Vec<(&'static str, String)> =
            names.iter().map(|n| (*n, fields.text(n))).collect();
        values.extend(dates.iter().map(|n| (*n, posted_date(fields, n))));
        Draft {
            values,
            error: None,
        }
    }

    fn get(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn error_at(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// A small form of this page as typed, which a refusal is shown on.
trait Typed {
    /// The field that stands for the form as a whole.
    const WHOLE: &'static str;

    /// The field at fault and why, in Thai.
    fn error_mut(&mut self) -> &mut Option<(String, String)>;

    /// The refusal of the path `path` placed at this form's field (see
    /// `field_of`), else at the form as a whole, naming the path.
    fn refused_at(&mut self, path: &str, reason: String, prefix: &str, fields: &[(&str, &str)]) {
        *self.error_mut() = Some(match field_of(path, prefix, fields) {
            Some(field) => (field.to_owned(), reason),
            None if path.is_empty() => (Self::WHOLE.to_owned(), reason),
            None => (Self::WHOLE.to_owned(), format!("{path}: {reason}")),
        });
    }
}

impl Typed for Draft {
    const WHOLE: &'static str = "form";

    fn error_mut(&mut self) -> &mut Option<(String, String)> {
        &mut self.error
    }
}

impl Typed for RouteDraft {
    const WHOLE: &'static str = "route";

    fn error_mut(&mut self) -> &mut Option<(String, String)> {
        &mut self.error
    }
}

/// The form's field a configuration path belongs to: the part after
/// `prefix` ("people[6]") is one of `fields`' suffixes (".id"), or lies
/// within one (".holds[0].from" within ".holds[0]").
fn field_of<'a>(path: &str, prefix: &str, fields: &[(&str, &'a str)]) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    fields
        .iter()
        .find(|(suffix, _)| {
            rest == *suffix
                || rest.starts_with(&format!("{suffix}."))
                || rest.starts_with(&format!("{suffix}["))
        })
        .map(|(_, field)| *field)
}

/// A labelled field's error, and whether the field is marked invalid.
fn field_error(draft: &Draft, form: &str, field: &str) -> Markup {
    html! {
        @if let Some(message) = draft.error_at(field) {
            p.field-error #(format!("{form}-{field}-error")) role="alert" { (message) }
        }
    }
}

fn invalid(draft: &Draft, field: &str) -> Option<&'static str> {
    draft.error_at(field).map(|_| "true")
}

/// A date as day, Thai month and B.E. year, with its label, hint and error.
fn date_field(
    digits: DigitStyle,
    form: &str,
    name: &str,
    label: &str,
    draft: &Draft,
    hint: &str,
) -> Markup {
    let id = format!("{form}-{name}");
    html! {
        div.field {
            label #(format!("{id}-label")) for=(id) { (label) }
            span.hint #(format!("{id}-hint")) { (hint) }
            (date_parts(digits, name, &id, draft.get(name), &format!("{id}-label"), draft.error_at(name).is_some()))
            (field_error(draft, form, name))
        }
    }
}

fn position_options(config: &OrgConfig, chosen: &str) -> Markup {
    html! {
        @for position in &config.positions {
            option value=(position.id) selected[position.id.as_str() == chosen] { (position.title) }
        }
    }
}

fn person_options(config: &OrgConfig, chosen: &str) -> Markup {
    html! {
        @for person in &config.people {
            option value=(person.id) selected[person.id.as_str() == chosen] { (person.name) " (" (person.id) ")" }
        }
    }
}

const PERSON_FIELDS: [&str; 4] = ["id", "name", "position", "admin"];

/// Adding a person: sign-in name, name, and optionally the position they
/// hold from a date; whether they administer.
fn person_form(user: &WebUser, config: &OrgConfig, draft: Option<&Draft>) -> Markup {
    let digits = config.organisation.digits;
    let fresh = Draft {
        values: vec![("from", today().format("%Y-%m-%d").to_string())],
        error: None,
    };
    let draft = draft.unwrap_or(&fresh);
    html! {
        h3 #person-title { "เพิ่มบุคคล" }
        form.document-form #person-form method="post" action="/admin/people#person-title" data-busy {
            (user.csrf_field())
            div.pair {
                div.field {
                    label for="person-id" { "ชื่อผู้ใช้ (สำหรับเข้าสู่ระบบ)" }
                    span.hint #person-id-hint { "อักษรภาษาอังกฤษตัวเล็ก ตัวเลข และ - _ . เช่น somchai.k" }
                    input #person-id name="id" value=(draft.get("id")) required autocapitalize="none" autocomplete="off"
                        aria-describedby="person-id-hint" aria-invalid=[invalid(draft, "id")];
                    (field_error(draft, "person", "id"))
                }
                div.field {
                    label for="person-name" { "ชื่อ-สกุล (พร้อมคำนำหน้า)" }
                    input #person-name name="name" value=(draft.get("name")) required autocomplete="off"
                        placeholder="นายสมชาย ใจดี" aria-invalid=[invalid(draft, "name")];
                    (field_error(draft, "person", "name"))
                }
            }
            div.pair {
                div.field {
                    label for="person-position" { "ดำรงตำแหน่ง" }
                    select #person-position name="position" aria-invalid=[invalid(draft, "position")] {
                        option value="" selected[draft.get("position").is_empty()] { "— ยังไม่ดำรงตำแหน่ง —" }
                        (position_options(config, draft.get("position")))
                    }
                    (field_error(draft, "person", "position"))
                }
                (date_field(digits, "person", "from", "ตั้งแต่วันที่", draft, "วัน เดือน ปี พุทธศักราช"))
            }
            label.choice {
                input #person-admin type="checkbox" name="admin" value="true" checked[draft.get("admin") == "true"];
                " เป็นผู้ดูแลระบบ (จัดการบุคคล ตำแหน่ง และเส้นทางเสนอ)"
            }
            @if let Some(message) = draft.error_at("form") {
                p.field-error #person-form-error role="alert" { (message) }
            }
            button.primary type="submit" { "เพิ่มบุคคล" }
        }
    }
}

const HOLDING_FIELDS: [&str; 3] = ["person", "position", "end_current"];

/// Moving someone to a position from a date: a new holding (to an end
/// date, or open), their current positions ending the day before.
fn holding_form(user: &WebUser, config: &OrgConfig, draft: Option<&Draft>) -> Markup {
    let digits = config.organisation.digits;
    let fresh = Draft {
        values: vec![
            ("from", today().format("%Y-%m-%d").to_string()),
            ("end_current", "true".into()),
        ],
        error: None,
    };
    let draft = draft.unwrap_or(&fresh);
    html! {
        h3 #holding-title { "ย้ายหรือแต่งตั้งให้ดำรงตำแหน่ง" }
        p.hint { "ตำแหน่งใหม่มีผลตั้งแต่วันที่กำหนด ตำแหน่งเดิมของบุคคลนั้นสิ้นสุดในวันก่อนหน้า (ถ้าเลือกไว้) เอกสารที่อยู่ระหว่างเสนอจะรอผู้ดำรงตำแหน่งในวันที่ดำเนินการ" }
        form.document-form #holding-form method="post" action="/admin/holdings#holding-title" data-busy {
            (user.csrf_field())
            div.pair {
                div.field {
                    label for="holding-person" { "บุคคล" }
                    select #holding-person name="person" aria-invalid=[invalid(draft, "person")] {
                        (person_options(config, draft.get("person")))
                    }
                    (field_error(draft, "holding", "person"))
                }
                div.field {
                    label for="holding-position" { "ตำแหน่งใหม่" }
                    select #holding-position name="position" aria-invalid=[invalid(draft, "position")] {
                        (position_options(config, draft.get("position")))
                    }
                    (field_error(draft, "holding", "position"))
                }
            }
            div.pair {
                (date_field(digits, "holding", "from", "ตั้งแต่วันที่", draft, "วัน เดือน ปี พุทธศักราช"))
                (date_field(digits, "holding", "to", "ถึงวันที่ (ไม่บังคับ)", draft, "เว้นว่างไว้ถ้าไม่มีกำหนดสิ้นสุด"))
            }
            label.choice {
                input #holding-end-current type="checkbox" name="end_current" value="true" checked[draft.get("end_current") == "true"];
                " ตำแหน่งเดิมของบุคคลนี้สิ้นสุดในวันก่อนวันเริ่มตำแหน่งใหม่"
            }
            @if let Some(message) = draft.error_at("form") {
                p.field-error #holding-form-error role="alert" { (message) }
            }
            button.primary type="submit" { "บันทึกการดำรงตำแหน่ง" }
        }
    }
}

const DELEGATION_FIELDS: [&str; 4] = ["delegate", "position", "capacity", "order"];

fn delegation_form(user: &WebUser, config: &OrgConfig, draft: Option<&Draft>) -> Markup {
    let digits = config.organisation.digits;
    let empty = Draft::default();
    let draft = draft.unwrap_or(&empty);
    html! {
        h3 #delegation-title { "เพิ่มการมอบอำนาจ" }
        p.hint { "เช่น นายกไม่อยู่ ให้ปลัดปฏิบัติราชการแทนตามคำสั่ง ระบบจะพิมพ์ข้อความนี้ใต้ลายมือชื่อเมื่อผู้ได้รับมอบอำนาจลงนาม" }
        form.document-form #delegation-form method="post" action="/admin/delegations" data-busy {
            (user.csrf_field())
            input type="hidden" name="op" value="add";
            div.pair {
                div.field {
                    label for="delegation-delegate" { "ผู้ได้รับมอบอำนาจ" }
                    select #delegation-delegate name="delegate" aria-invalid=[invalid(draft, "delegate")] {
                        @for person in &config.people {
                            option value=(person.id) selected[person.id.as_str() == draft.get("delegate")] { (person.name) }
                        }
                    }
                    (field_error(draft, "delegation", "delegate"))
                }
                div.field {
                    label for="delegation-position" { "ทำการแทนตำแหน่ง" }
                    select #delegation-position name="position" aria-invalid=[invalid(draft, "position")] {
                        (position_options(config, draft.get("position")))
                    }
                    (field_error(draft, "delegation", "position"))
                }
            }
            div.field {
                label for="delegation-capacity" { "ลักษณะ" }
                select #delegation-capacity name="capacity" {
                    @for wording in ["ปฏิบัติราชการแทน", "รักษาราชการแทน", "รักษาการในตำแหน่ง"] {
                        option value=(wording) selected[wording == draft.get("capacity")] { (wording) }
                    }
                }
                (field_error(draft, "delegation", "capacity"))
            }
            div.field {
                label for="delegation-order" { "ตามคำสั่ง" }
                input #delegation-order name="order" value=(draft.get("order")) required
                    placeholder="คำสั่งองค์การบริหารส่วนตำบล… ที่ …/…" aria-invalid=[invalid(draft, "order")];
                (field_error(draft, "delegation", "order"))
            }
            div.pair {
                (date_field(digits, "delegation", "from", "ตั้งแต่วันที่", draft, "วัน เดือน ปี พุทธศักราช"))
                (date_field(digits, "delegation", "to", "ถึงวันที่", draft, "วัน เดือน ปี พุทธศักราช"))
            }
            @if let Some(message) = draft.error_at("form") {
                p.field-error #delegation-form-error role="alert" { (message) }
            }
            button.primary type="submit" { "เพิ่มการมอบอำนาจ" }
        }
    }
}

/// A route as its form holds it: the review steps in order (each one
/// position, or a group as `group:REQUIRED:A,B,…`), who signs and issues,
/// where a resubmission goes; whether it differs from what is stored.
#[derive(Debug, Default, Clone)]
struct RouteDraft {
    kind: String,
    steps: Vec<String>,
    sign: String,
    issue: String,
    on_return: String,
    add: String,
    /// Changed by the form and not yet saved.
    pending: bool,
    /// The field at fault (steps, add, sign, issue, on_return, route) and why.
    error: Option<(String, String)>,
}

impl RouteDraft {
    fn of(route: &RouteConfig) -> Self {
        RouteDraft {
            kind: route.kind.clone(),
            steps: route
                .review
                .iter()
                .map(|step| match step {
                    StepConfig::One(position) => position.as_str().to_owned(),
                    StepConfig::Group { any_of, required } => format!(
                        "group:{required}:{}",
                        any_of
                            .iter()
                            .map(Slug::as_str)
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                })
                .collect(),
            sign: route.sign.as_str().to_owned(),
            issue: route.issue.as_str().to_owned(),
            on_return: route.on_return.name().to_owned(),
            ..RouteDraft::default()
        }
    }

    fn from_fields(fields: &Fields) -> Self {
        RouteDraft {
            kind: fields.text("kind"),
            steps: fields
                .0
                .iter()
                .filter(|(name, _)| name == "step")
                .map(|(_, value)| value.clone())
                .collect(),
            sign: fields.text("sign"),
            issue: fields.text("issue"),
            on_return: fields.text("on_return"),
            add: fields.text("add"),
            pending: true,
            error: None,
        }
    }

    /// Moves, removes or adds a step (`up:K`, `down:K`, `remove:K`, `add`).
    fn apply(&mut self, op: &str) {
        let at = |prefix: &str| {
            op.strip_prefix(prefix)
                .and_then(|k| k.parse::<usize>().ok())
        };
        if let Some(k) = at("up:").filter(|k| (1..self.steps.len()).contains(k)) {
            self.steps.swap(k - 1, k);
        } else if let Some(k) = at("down:").filter(|k| k + 1 < self.steps.len()) {
            self.steps.swap(k, k + 1);
        } else if let Some(k) = at("remove:").filter(|k| *k < self.steps.len()) {
            self.steps.remove(k);
        } else if op == "add" {
            if self.add.is_empty() {
                self.error = Some(("add".into(), "กรุณาเลือกตำแหน่งที่จะเพิ่ม".into()));
            } else {
                self.steps.push(std::mem::take(&mut self.add));
            }
        }
    }

    /// A step as the configuration file writes it.
    fn step_value(step: &str) -> Value {
        match step
            .strip_prefix("group:")
            .and_then(|rest| rest.split_once(':'))
        {
            Some((required, any_of)) => json!({
                "any_of": any_of.split(',').collect::<Vec<_>>(),
                "required": required.parse::<u64>().unwrap_or(0),
            }),
            None => json!(step),
        }
    }

    /// The positions of a step, and how many of them must endorse.
    fn step_positions(step: &str) -> (Vec<&str>, usize) {
        match step
            .strip_prefix("group:")
            .and_then(|rest| rest.split_once(':'))
        {
            Some((required, any_of)) => {
                (any_of.split(',').collect(), required.parse().unwrap_or(0))
            }
            None => (vec![step], 1),
        }
    }

    fn error_at(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// A step's positions as the page names them.
fn step_title(config: &OrgConfig, step: &str, digits: DigitStyle) -> String {
    let (positions, required) = RouteDraft::step_positions(step);
    let titles: Vec<String> = positions
        .iter()
        .map(|p| words::position_title(config, p))
        .collect();
    if positions.len() > 1 {
        format!(
            "{} ใน {} คน: {}",
            digits.number(required as u64),
            digits.number(positions.len() as u64),
            titles.join(" / ")
        )
    } else {
        titles.join(" / ")
    }
}

/// The route as it would run today: the drafter, each review step, the
/// signer and the registrar, with the positions' titles and who holds
/// them (or acts for them) today; where a resubmission goes.
fn route_preview(config: &OrgConfig, draft: &RouteDraft) -> Markup {
    let digits = config.organisation.digits;
    let today = today();
    let holders = |position: &str| -> Markup {
        let names = holders_today(config, position, today);
        html! {
            @if names.is_empty() {
                " — " span.vacant { "ยังไม่มีผู้ดำรงตำแหน่งในวันนี้" }
            } @else {
                " — " (names.join(", "))
            }
        }
    };
    let on_return = if draft.on_return == OnReturn::BackToReturner.name() {
        OnReturn::BackToReturner
    } else {
        OnReturn::Restart
    };
    html! {
        section.route-preview aria-labelledby=(format!("route-{}-preview-title", draft.kind)) {
            h4 #(format!("route-{}-preview-title", draft.kind)) { "ลำดับการเสนอ" @if draft.pending { " (ตามแบบฟอร์ม ยังไม่ได้บันทึก)" } }
            ol.route-run.thai-digits[digits != DigitStyle::Arabic] #(format!("route-{}-preview", draft.kind)) {
                li { strong { "ผู้จัดทำร่าง" } " ส่งเสนอ" }
                @for step in &draft.steps {
                    @let (positions, required) = RouteDraft::step_positions(step);
                    li {
                        strong { "พิจารณา" }
                        @if positions.len() > 1 {
                            " (ต้องเห็นชอบ " (digits.number(required as u64)) " ใน " (digits.number(positions.len() as u64)) ")"
                        }
                        ": "
                        @for (j, position) in positions.iter().enumerate() {
                            @if j > 0 { " / " }
                            (words::position_title(config, position)) (holders(position))
                        }
                    }
                }
                li { strong { "ลงนาม" } ": " (words::position_title(config, &draft.sign)) (holders(&draft.sign)) }
                li { strong { "ออกเลขและส่ง" } ": " (words::position_title(config, &draft.issue)) (holders(&draft.issue)) }
            }
            p.on-return { "เมื่อส่งคืนแก้ไขแล้วเสนอใหม่: " (on_return.thai()) }
        }
    }
}

/// One route's form: its steps in order (up, down, remove), a step to
/// add, the signer and registrar, `on_return`; and the route's preview.
fn route_form(user: &WebUser, config: &OrgConfig, draft: &RouteDraft) -> Markup {
    let digits = config.organisation.digits;
    let kind = draft.kind.as_str();
    let id = |field: &str| format!("route-{kind}-{field}");
    let error = |field: &str| -> Markup {
        html! {
            @if let Some(message) = draft.error_at(field) {
                p.field-error #(id(&format!("{field}-error"))) role="alert" { (message) }
            }
        }
    };
    let invalid = |field: &str| draft.error_at(field).map(|_| "true");
    let count = draft.steps.len();
    html! {
        div.route-editor #(format!("route-{kind}")) {
            form.document-form.route-form method="post" action=(format!("/admin/routes#route-{kind}")) data-busy
                aria-labelledby=(id("title")) {
                (user.csrf_field())
                input type="hidden" name="kind" value=(kind);
                h3 #(id("title")) { "เส้นทางเสนอ" (words::kind_name(kind)) }
                @if draft.pending && draft.error.is_none() {
                    p.notice #(id("pending")) role="status" { "แก้ไขลำดับแล้ว ยังไม่ได้บันทึก กด “บันทึกเส้นทาง” เพื่อใช้เส้นทางนี้" }
                }
                fieldset {
                    legend { "ขั้นพิจารณา (เรียงตามลำดับ)" }
                    @if draft.steps.is_empty() { p.empty { "ไม่มีขั้นพิจารณา ผู้จัดทำร่างเสนอผู้ลงนามโดยตรง" } }
                    ol.route-steps.thai-digits[digits != DigitStyle::Arabic] #(id("steps")) {
                        @for (k, step) in draft.steps.iter().enumerate() {
                            @let number = digits.number(k as u64 + 1);
                            li {
                                input type="hidden" name="step" value=(step);
                                span.step-title { (step_title(config, step, digits)) }
                                span.step-buttons {
                                    @if k > 0 {
                                        button type="submit" name="op" value=(format!("up:{k}")) formnovalidate
                                            aria-label=(format!("เลื่อนขั้นที่ {number} ขึ้น")) { "↑" }
                                    }
                                    @if k + 1 < count {
                                        button type="submit" name="op" value=(format!("down:{k}")) formnovalidate
                                            aria-label=(format!("เลื่อนขั้นที่ {number} ลง")) { "↓" }
                                    }
                                    button.danger type="submit" name="op" value=(format!("remove:{k}")) formnovalidate
                                        aria-label=(format!("ลบ ขั้นที่ {number}")) { "ลบ" }
                                }
                            }
                        }
                    }
                    (error("steps"))
                    div.add-step {
                        div.field {
                            label for=(id("add")) { "เพิ่มขั้นพิจารณาท้ายสุด" }
                            select #(id("add")) name="add" aria-invalid=[invalid("add")] {
                                option value="" { "— เลือกตำแหน่ง —" }
                                (position_options(config, ""))
                            }
                            (error("add"))
                        }
                        button type="submit" name="op" value="add" formnovalidate { "เพิ่มขั้น" }
                    }
                }
                div.pair {
                    div.field {
                        label for=(id("sign")) { "ผู้ลงนาม" }
                        select #(id("sign")) name="sign" aria-invalid=[invalid("sign")] {
                            (position_options(config, &draft.sign))
                        }
                        (error("sign"))
                    }
                    div.field {
                        label for=(id("issue")) { "ผู้ออกเลขและส่ง (งานสารบรรณ)" }
                        select #(id("issue")) name="issue" aria-invalid=[invalid("issue")] {
                            (position_options(config, &draft.issue))
                        }
                        (error("issue"))
                    }
                }
                fieldset {
                    legend { "เมื่อส่งคืนแก้ไขแล้วผู้จัดทำร่างเสนอใหม่" }
                    div.choices {
                        @for (value, label) in [(OnReturn::Restart, "เสนอใหม่ตั้งแต่ขั้นแรก (ทุกคนเห็นฉบับที่แก้ไข)"), (OnReturn::BackToReturner, "กลับไปยังผู้ส่งคืนโดยตรง (ผู้ที่เห็นชอบแล้วเห็นสิ่งที่เปลี่ยน)")] {
                            label.choice {
                                input #(id(value.name())) type="radio" name="on_return" value=(value.name())
                                    checked[draft.on_return == value.name() || (draft.on_return.is_empty() && value == OnReturn::Restart)];
                                " " (label)
                            }
                        }
                    }
                    (error("on_return"))
                }
                (error("route"))
                div.buttons {
                    button.primary type="submit" name="op" value="save" #(id("save")) { "บันทึกเส้นทาง" }
                }
            }
            (route_preview(config, draft))
        }
    }
}

fn routes(user: &WebUser, config: &OrgConfig, draft: Option<&RouteDraft>) -> Markup {
    html! {
        h2 #routes-title { "เส้นทางเสนอ" }
        p.hint { "ลำดับที่เอกสารแต่ละชนิดเสนอ เปลี่ยนแล้วเอกสารที่อยู่ระหว่างเสนอยังใช้เส้นทางเดิมจนจบ เอกสารที่สร้างต่อจากนี้ใช้เส้นทางใหม่" }
        @for route in &config.routes {
            @match draft.filter(|d| d.kind == route.kind) {
                Some(draft) => (route_form(user, config, draft)),
                None => (route_form(user, config, &RouteDraft::of(route))),
            }
        }
    }
}

fn editor(user: &WebUser, config: &OrgConfig, text: &str, outcome: Outcome<'_>) -> Markup {
    let error = outcome.config_error;
    html! {
        h1 { "ผู้ดูแลระบบ: " (config.organisation.name) }
        p { a href="/admin/verify" { "ตรวจสอบความถูกต้องของบันทึกทั้งหมด" } }
        p { a #admin-notifications href="/admin/notifications" { "การแจ้งเตือนที่ส่งไม่สำเร็จ และวันหยุดของหน่วยงาน" } }
        p { a href="/admin/operations" { "สถานะของระบบและการสำรองข้อมูล" } }
        @if let Some(saved) = outcome.saved { p.notice role="status" #admin-saved { (saved) } }
        (summary(user, config))
        (person_form(user, config, outcome.person))
        (holding_form(user, config, outcome.holding))
        (delegation_form(user, config, outcome.delegation))
        (routes(user, config, outcome.route))
        (registers(config))
        h2 #passwords-title { "ตั้งรหัสผ่านให้ผู้ใช้" }
        p.hint { "สำหรับผู้ใช้ใหม่หรือผู้ที่ลืมรหัสผ่าน แจ้งรหัสผ่านนี้ให้ผู้ใช้ แล้วให้เปลี่ยนเองเมื่อเข้าสู่ระบบ" }
        form.document-form method="post" action="/admin/password" data-busy {
            (user.csrf_field())
            div.pair {
                div.field {
                    label for="password-person" { "ผู้ใช้" }
                    select #password-person name="person" {
                        (person_options(config, ""))
                    }
                }
                div.field {
                    label for="password-new" { "รหัสผ่านใหม่ (อย่างน้อย " (config.organisation.digits.number(8)) " ตัวอักษร)" }
                    input #password-new name="password" type="password" autocomplete="new-password" required minlength="8"
                        aria-invalid=[outcome.password_error.map(|_| "true")] aria-describedby="password-new-error";
                    @if let Some(message) = outcome.password_error {
                        p.field-error #password-new-error role="alert" { (message) }
                    }
                }
            }
            button type="submit" { "ตั้งรหัสผ่าน" }
        }
        h2 #emblem-title { "ตราครุฑ" }
        p { img.emblem src="/admin/emblem" alt="ตราครุฑที่ใช้อยู่ (ถ้ายังไม่มี จะพิมพ์กรอบแทน)" width="80" height="80"; }
        form method="post" action="/admin/emblem" enctype="multipart/form-data" data-busy {
            (user.csrf_field())
            div.field {
                label for="emblem" { "ไฟล์ตราครุฑ (PNG หรือ SVG ไม่เกิน " (config.organisation.digits.number(2)) " MB)" }
                input #emblem type="file" name="emblem" accept=".png,.svg,image/png,image/svg+xml" required
                    aria-invalid=[outcome.emblem_error.map(|_| "true")] aria-describedby="emblem-error";
                @if let Some(message) = outcome.emblem_error {
                    p.field-error #emblem-error role="alert" { (message) }
                }
            }
            button type="submit" { "อัปโหลดตราครุฑ" }
        }
        h2 #certificate-title { "ใบรับรองลายมือชื่อดิจิทัล" }
        p {
            "เอกสารที่ออกทุกฉบับลงลายมือชื่อดิจิทัล (PAdES) ด้วยใบรับรองของหน่วยงาน "
            a href="/admin/certificate" { "ดูใบรับรองที่ใช้อยู่" }
        }
        h2 #edit-title { "ขั้นสูง: การตั้งค่าทั้งหมด" }
        p.hint {
            "การตั้งค่าทั้งหมดในแบบฟอร์มเดียว (รูปแบบ JSON เช่นเดียวกับไฟล์ examples/organisation) สำหรับสิ่งที่แบบฟอร์มข้างบนไม่มี: "
            "people = บุคคล, positions = ตำแหน่ง, delegations = การมอบอำนาจ, routes = เส้นทางเสนอ (review เรียงตามลำดับ), "
            "registers = ทะเบียน (prefix = รหัสหนังสือ, start = เลขเริ่มต้น) ระบบจะตรวจทั้งหมดก่อนบันทึก หากผิดจะไม่มีการเปลี่ยนแปลงใด ๆ"
        }
        form method="post" action="/admin" data-busy {
            (user.csrf_field())
            div.field {
                label for="config" { "การตั้งค่าหน่วยงาน" }
                textarea #config.code name="config" rows="24" spellcheck="false"
                    aria-invalid=[error.map(|_| "true")] aria-describedby="config-error" { (text) }
                @if let Some(error) = error {
                    p.field-error #config-error role="alert" { (error) }
                }
            }
            button.primary type="submit" { "ตรวจและบันทึก" }
        }
    }
}

/// The administration page, its editor holding `text` as typed.
fn answer_with_text(
    status: StatusCode,
    user: &WebUser,
    config: &OrgConfig,
    text: &str,
    outcome: Outcome<'_>,
) -> Response {
    page(
        status,
        "ผู้ดูแลระบบ",
        Some(user),
        editor(user, config, text, outcome),
    )
}

/// The administration page, its editor holding `config` itself.
fn answer(
    status: StatusCode,
    user: &WebUser,
    config: &OrgConfig,
    outcome: Outcome<'_>,
) -> Response {
    let text = serde_json::to_string_pretty(config).unwrap_or_default();
    answer_with_text(status, user, config, &text, outcome)
}

pub(crate) async fn page_route(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    match config_of(&state, &user).await {
        Ok(config) => answer(StatusCode::OK, &user, &config, Outcome::default()),
        Err(response) => response,
    }
}

/// Why a new configuration was not stored: a path of the configuration
/// and the reason in Thai, or a page already written (an internal failure).
enum Refused {
    At { path: String, reason: String },
    Failed(Response),
}

/// A form of this page posted by an administrator, its token checked:
/// who, what they sent, and the configuration as it stands with the
/// emblem, which a change keeps.
#[derive(Debug)]
pub(crate) struct Posted {
    state: AppState,
    user: WebUser,
    fields: Fields,
    current: OrgConfig,
    emblem: Option<Vec<u8>>,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let fields = Fields::from_request(Request::from_parts(parts, body), state).await?;
        user.check_form(&fields)
            .and_then(|_| user.may_administer())?;
        let org = &user.account.org;
        let (current, emblem) = match (
            state.store.org_config(org).await,
            state.store.emblem(org).await,
        ) {
            (Ok(config), Ok(emblem)) => (config, emblem),
            (Err(error), _) | (_, Err(error)) => return Err(failure(error)),
        };
        Ok(Posted {
            state: state.clone(),
            user,
            fields,
            current,
            emblem,
        })
    }
}

impl Posted {
    fn digits(&self) -> DigitStyle {
        self.current.organisation.digits
    }

    /// The page with the configuration as it stands.
    fn answer(&self, status: StatusCode, outcome: Outcome<'_>) -> Response {
        answer(status, &self.user, &self.current, outcome)
    }

    /// The one checked path every form of this page stores through: the
    /// new configuration read and cross-checked as a file would be, kept to
    /// this organisation, then stored by `init_org` (a changed route
    /// becomes a new version, and the change is logged).
    async fn store(&self, value: Value) -> Result<OrgConfig, Refused> {
        let digits = self.digits();
        let config = OrgConfig::from_value(value).map_err(|error| Refused::At {
            reason: words::input_reason(&error.message, digits),
            path: error.path,
        })?;
        if config.organisation.id.as_str() != self.user.account.org.as_str() {
            return Err(Refused::At {
                path: "organisation.id".into(),
                reason: "ต้องเป็นรหัสของหน่วยงานของท่านเอง".into(),
            });
        }
        let stored = self
            .state
            .store
            .init_org(&config, self.emblem.as_deref(), Utc::now())
            .await;
        match stored {
            Ok(_) => Ok(config),
            Err(error) if crate::error::status_of(&error).is_server_error() => {
                Err(Refused::Failed(failure(error)))
            }
            Err(error) => {
                let path = error.field().unwrap_or_default();
                let (_, reason) = words::store_error_in(&error, digits);
                Err(Refused::At { path, reason })
            }
        }
    }

    /// A small form's change: `value`, the configuration's JSON as the
    /// change leaves it, stored through the checked path. Stored, the page
    /// says what `saved` makes of the new configuration (it logs the change
    /// too); refused, the form `shown` comes back as typed, the refusal at
    /// its field (`at`: the path of what the form changed, and each field's
    /// suffix there).
    async fn change<D: Typed>(
        &self,
        value: Value,
        mut draft: D,
        at: (&str, &[(&str, &str)]),
        shown: fn(&D) -> Outcome<'_>,
        saved: impl FnOnce(&OrgConfig) -> String,
    ) -> Response {
        match self.store(value).await {
            Ok(config) => {
                let saved = saved(&config);
                answer(StatusCode::OK, &self.user, &config, Outcome::saved(&saved))
            }
            Err(Refused::At { path, reason }) => {
                draft.refused_at(&path, reason, at.0, at.1);
                self.answer(StatusCode::UNPROCESSABLE_ENTITY, shown(&draft))
            }
            Err(Refused::Failed(response)) => response,
        }
    }
}

pub(crate) async fn save(posted: Posted) -> Response {
    let digits = posted.digits();
    let text = posted.fields.text("config");
    let refused = |message: String| {
        answer_with_text(
            StatusCode::UNPROCESSABLE_ENTITY,
            &posted.user,
            &posted.current,
            &text,
            Outcome {
                config_error: Some(&message),
                ..Outcome::default()
            },
        )
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => {
            return refused(format!(
                "รูปแบบ JSON ไม่ถูกต้องที่บรรทัด {} ตำแหน่ง {}",
                digits.number(error.line() as u64),
                digits.number(error.column() as u64)
            ));
        }
    };
    match posted.store(value).await {
        Ok(config) => {
            tracing::info!(user = %posted.user.account.person, "organisation configuration changed (web)");
            answer_with_text(
                StatusCode::OK,
                &posted.user,
                &config,
                &text,
                Outcome::saved("บันทึกการตั้งค่าแล้ว"),
            )
        }
        // The advanced view names the path as the file writes it.
        Err(Refused::At { path, reason }) if path.is_empty() => refused(reason),
        Err(Refused::At { path, reason }) => refused(format!("{path}: {reason}")),
        Err(Refused::Failed(response)) => response,
    }
}

/// Adds a person from its form: sign-in name, name, and optionally the
/// position they hold from a date.
pub(crate) async fn people(posted: Posted) -> Response {
    let fields = &posted.fields;
    let draft = Draft::from_fields(fields, &PERSON_FIELDS, &["from"]);
    let mut value = serde_json::to_value(&posted.current).expect("serialisable");
    let index = posted.current.people.len();
    let mut person = json!({
        "id": draft.get("id").trim(),
        "name": draft.get("name").trim(),
        "admin": draft.get("admin") == "true",
    });
    if !draft.get("position").is_empty() {
        person["holds"] = json!([{ "position": draft.get("position"), "from": draft.get("from") }]);
    }
    list_of(&mut value, "people").push(person);
    let name = draft.get("name").trim().to_owned();
    let fields = [
        (".id", "id"),
        (".name", "name"),
        (".holds[0].position", "position"),
        (".holds[0].from", "from"),
        (".admin", "admin"),
    ];
    posted
        .change(
            value,
            draft,
            (&format!("people[{index}]"), &fields),
            Outcome::person,
            |_| {
                tracing::info!(user = %posted.user.account.person, "person added (web)");
                format!("เพิ่ม {name} แล้ว ตั้งรหัสผ่านให้ได้ที่ “ตั้งรหัสผ่านให้ผู้ใช้”")
            },
        )
        .await
}

/// The list `name` of a configuration's JSON, made if it is absent.
fn list_of<'a>(value: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    let slot = &mut value[name];
    if !slot.is_array() {
        *slot = json!([]);
    }
    slot.as_array_mut().expect("made a list")
}

/// Moves someone to a position from a date: a new holding, to an end date
/// or open; their holdings still running then end the day before.
pub(crate) async fn holdings(posted: Posted) -> Response {
    let fields = &posted.fields;
    let (current, digits) = (&posted.current, posted.digits());
    let mut draft = Draft::from_fields(fields, &HOLDING_FIELDS, &["from", "to"]);
    let refused = |draft: &mut Draft, field: &str, reason: String| {
        draft.error = Some((field.into(), reason));
        posted.answer(StatusCode::UNPROCESSABLE_ENTITY, Outcome::holding(draft))
    };
    let Some(index) = current
        .people
        .iter()
        .position(|p| p.id.as_str() == draft.get("person"))
    else {
        return refused(&mut draft, "person", "ไม่พบบุคคลนี้ กรุณาเลือกจากรายการ".into());
    };
    let from = match saraban_core::thai::parse_iso_date(draft.get("from")) {
        Ok(from) => from,
        Err(error) => return refused(&mut draft, "from", words::input_reason(&error, digits)),
    };
    let mut value = serde_json::to_value(current).expect("serialisable");
    let holds = list_of(&mut value["people"][index], "holds");
    if draft.get("end_current") == "true" {
        let day_before = from.naive() - chrono::Days::new(1);
        for (j, holding) in current.people[index].holds.iter().enumerate() {
            if holding.to.is_some_and(|to| to < from) {
                continue;
            }
            if holding.from >= from {
                return refused(
                    &mut draft,
                    "from",
                    format!(
                        "ต้องหลังวันที่เริ่มดำรงตำแหน่งเดิม ({} ตั้งแต่ {})",
                        words::position_title(current, holding.position.as_str()),
                        holding.from.full(digits)
                    ),
                );
            }
            holds[j]["to"] = json!(day_before.format("%Y-%m-%d").to_string());
        }
    }
    let new = holds.len();
    let mut holding = json!({ "position": draft.get("position"), "from": draft.get("from") });
    if !draft.get("to").is_empty() {
        holding["to"] = json!(draft.get("to"));
    }
    holds.push(holding);
    let (person, position) = (
        draft.get("person").to_owned(),
        draft.get("position").to_owned(),
    );
    posted
        .change(
            value,
            draft,
            (
                &format!("people[{index}].holds[{new}]"),
                &[(".position", "position"), (".from", "from"), (".to", "to")],
            ),
            Outcome::holding,
            |config| {
                tracing::info!(user = %posted.user.account.person, "holding added (web)");
                format!(
                    "บันทึกแล้ว: {} ดำรงตำแหน่ง{} ตั้งแต่ {}",
                    words::person_name(config, &person),
                    words::position_title(config, &position),
                    from.full(digits)
                )
            },
        )
        .await
}

/// Adds a delegation from its form, or removes one; the whole
/// configuration is checked again before anything is stored.
pub(crate) async fn delegations(posted: Posted) -> Response {
    let fields = &posted.fields;
    let mut value = serde_json::to_value(&posted.current).expect("serialisable");
    let draft = Draft::from_fields(fields, &DELEGATION_FIELDS, &["from", "to"]);
    let list = list_of(&mut value, "delegations");
    let op = fields.text("op");
    let index = list.len();
    if let Some(i) = op
        .strip_prefix("remove:")
        .and_then(|i| i.parse::<usize>().ok())
    {
        if i < list.len() {
            list.remove(i);
        }
    } else {
        list.push(json!({
            "delegate": draft.get("delegate"),
            "position": draft.get("position"),
            "capacity": draft.get("capacity"),
            "order": draft.get("order"),
            "from": draft.get("from"),
            "to": draft.get("to"),
        }));
    }
    let fields = [
        (".delegate", "delegate"),
        (".position", "position"),
        (".capacity", "capacity"),
        (".order", "order"),
        (".from", "from"),
        (".to", "to"),
    ];
    posted
        .change(
            value,
            draft,
            (&format!("delegations[{index}]"), &fields),
            Outcome::delegation,
            |_| {
                tracing::info!(user = %posted.user.account.person, "delegations changed (web)");
                "บันทึกการมอบอำนาจแล้ว".into()
            },
        )
        .await
}

/// A route's form: a step moved, removed or added is shown with the
/// route's preview and not stored; `save` stores the route as the form
/// holds it, as a new version of the route.
pub(crate) async fn routes_route(posted: Posted) -> Response {
    let fields = &posted.fields;
    let mut draft = RouteDraft::from_fields(fields);
    let Some(index) = posted
        .current
        .routes
        .iter()
        .position(|r| r.kind == draft.kind)
    else {
        return failure(StoreError::not_found("route", draft.kind.as_str()));
    };
    let op = fields.text("op");
    if op != "save" {
        draft.apply(&op);
        let status = if draft.error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return posted.answer(status, Outcome::route(&draft));
    }
    let mut value = serde_json::to_value(&posted.current).expect("serialisable");
    let route = &mut value["routes"][index];
    route["review"] = draft
        .steps
        .iter()
        .map(|s| RouteDraft::step_value(s))
        .collect();
    route["sign"] = json!(draft.sign);
    route["issue"] = json!(draft.issue);
    route["on_return"] = json!(if draft.on_return.is_empty() {
        OnReturn::Restart.name()
    } else {
        draft.on_return.as_str()
    });
    let kind = draft.kind.clone();
    posted
        .change(
            value,
            draft,
            (
                &format!("routes[{index}]"),
                &[
                    (".review", "steps"),
                    (".sign", "sign"),
                    (".issue", "issue"),
                    (".on_return", "on_return"),
                ],
            ),
            Outcome::route,
            |_| {
                tracing::info!(user = %posted.user.account.person, kind = %kind, "route changed (web)");
                format!("บันทึกเส้นทางเสนอ{}แล้ว", words::kind_name(&kind))
            },
        )
        .await
}

/// The emblem in use, for the administration page. An uploaded SVG is
/// served so that nothing in it can run (sandboxed, no scripts).
pub(crate) async fn emblem(State(state): State<AppState>, user: WebUser) -> Response {
    use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
    use axum::response::IntoResponse;
    if let Err(response) = user.may_administer() {
        return response;
    }
    match state.store.emblem(&user.account.org).await {
        Ok(Some(bytes)) => {
            let content_type = match saraban_typeset::Emblem::from_bytes(bytes.clone()) {
                Ok(e) if e.format == saraban_typeset::EmblemFormat::Svg => "image/svg+xml",
                _ => "image/png",
            };
            (
                [
                    (CONTENT_TYPE, content_type),
                    (
                        CONTENT_SECURITY_POLICY,
                        "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => failure(error),
    }
}

pub(crate) async fn upload_emblem(
    State(state): State<AppState>,
    user: WebUser,
    multipart: axum::extract::Multipart,
) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    let parts = match multipart_parts(
        multipart,
        "อัปโหลดไม่สำเร็จ",
        "ไฟล์ใหญ่เกินไปหรือส่งมาไม่ครบ ไฟล์ตราครุฑต้องไม่เกิน ๒ MB",
    )
    .await
    {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let csrf = part_text(&parts, "csrf");
    let file = parts
        .into_iter()
        .find(|(name, _)| name == "emblem")
        .map(|(_, bytes)| bytes);
    if let Err(response) = user.check_form(&Fields(vec![("csrf".into(), csrf)])) {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    let shown = |status, outcome| answer(status, &user, &config, outcome);
    let bytes = match file.filter(|f| !f.is_empty()) {
        Some(bytes) => bytes,
        None => {
            return shown(
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    emblem_error: Some("กรุณาเลือกไฟล์ตราครุฑ"),
                    ..Outcome::default()
                },
            );
        }
    };
    if saraban_typeset::Emblem::from_bytes(bytes.clone()).is_err() {
        return shown(
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                emblem_error: Some("ไฟล์ต้องเป็นภาพ PNG หรือ SVG"),
                ..Outcome::default()
            },
        );
    }
    match state
        .store
        .init_org(&config, Some(&bytes), Utc::now())
        .await
    {
        Ok(_) => {
            tracing::info!(user = %user.account.person, "emblem changed (web)");
            shown(
                StatusCode::OK,
                Outcome::saved("บันทึกตราครุฑแล้ว เอกสารที่จัดทำต่อจากนี้จะใช้ตรานี้"),
            )
        }
        Err(error) => failure(error),
    }
}

/// Sets a person's password, for a newcomer or someone who forgot theirs.
pub(crate) async fn set_password(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(response) = user.check_form(&fields).and_then(|_| user.may_administer()) {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    let person = fields.text("person");
    let password = fields.text("password");
    // A name that is no person's id is answered as an unknown person, after
    // the password is checked, as the store answers it.
    let set = match PersonId::parse(&person) {
        Ok(id) => {
            state
                .store
                .set_password(&user.account.org, &id, &password)
                .await
        }
        Err(_) => saraban_store::check_new_password(&password)
            .and(Err(StoreError::not_found("person", person.as_str()))),
    };
    let (status, outcome) = match set {
        Ok(()) => {
            tracing::info!(user = %user.account.person, person = %person, "password set by an administrator (web)");
            (StatusCode::OK, Ok(words::person_name(&config, &person)))
        }
        Err(StoreError::Invalid { .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Err("ต้องยาว ๘ ถึง ๒๕๖ ตัวอักษร"),
        ),
        Err(error) => return failure(error),
    };
    let saved = outcome
        .as_ref()
        .ok()
        .map(|name| format!("ตั้งรหัสผ่านของ {name} แล้ว"));
    answer(
        status,
        &user,
        &config,
        Outcome {
            saved: saved.as_deref(),
            password_error: outcome.err(),
            ..Outcome::default()
        },
    )
}

/// The certificate the organisation's issued PDFs are signed with.
pub(crate) async fn certificate_page(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    certificate_answer(&state, &user, StatusCode::OK, None, None).await
}

/// Why a .p12 was not installed, in Thai.
fn pkcs12_refusal(error: &saraban_seal::Pkcs12Error) -> String {
    use saraban_seal::Pkcs12Error as E;
    match error {
        E::WrongPassword => "รหัสผ่านไม่ถูกต้อง เปิดไฟล์ .p12 ไม่ได้".into(),
        E::NotPkcs12 => "ไฟล์นี้ไม่ใช่ไฟล์ใบรับรอง .p12 (.pfx) หรือไฟล์เสียหาย".into(),
        E::NoKey => "ไฟล์ .p12 ไม่มีกุญแจส่วนตัว (ต้องส่งออกพร้อมกุญแจ)".into(),
        E::NoCertificate => "ไฟล์ .p12 ไม่มีใบรับรอง".into(),
        E::KeyMismatch => "กุญแจส่วนตัวในไฟล์ไม่ตรงกับใบรับรองใด ๆ ในไฟล์".into(),
        E::UnsupportedKey(what) => format!(
            "กุญแจในไฟล์ไม่ใช่ชนิดที่ระบบใช้ลงนามได้ ({what}) ระบบลงนามด้วยกุญแจ ECDSA P-256 หรือ RSA ขนาด 2048 บิตขึ้นไป โปรดขอใบรับรองชนิดดังกล่าวจากผู้ออกใบรับรอง"
        ),
        E::RsaKeySize(bits) => format!(
            "กุญแจ RSA ในไฟล์มีขนาด {bits} บิต ระบบรับกุญแจ RSA ขนาด 2048 ถึง 8192 บิต โปรดขอใบรับรองที่มีกุญแจ 2048 บิตขึ้นไปจากผู้ออกใบรับรอง"
        ),
        E::Unsupported(what) => format!("ไฟล์ .p12 ใช้วิธีเข้ารหัสที่ระบบอ่านไม่ได้ ({what})"),
    }
}

/// Installs a real CA's certificate from a .p12 and its password.
pub(crate) async fn import_certificate(
    State(state): State<AppState>,
    user: WebUser,
    multipart: axum::extract::Multipart,
) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    let parts = match multipart_parts(multipart, "นำเข้าใบรับรองไม่สำเร็จ", "ไฟล์ใหญ่เกินไปหรือส่งมาไม่ครบ")
        .await
    {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    if let Err(response) =
        user.check_form(&Fields(vec![("csrf".into(), part_text(&parts, "csrf"))]))
    {
        return response;
    }
    let password = zeroize::Zeroizing::new(part_text(&parts, "password"));
    let file = parts
        .into_iter()
        .find(|(name, bytes)| name == "p12" && !bytes.is_empty())
        .map(|(_, bytes)| bytes);
    let Some(file) = file else {
        let refusal = "กรุณาเลือกไฟล์ใบรับรอง .p12".to_owned();
        return certificate_answer(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(refusal),
            None,
        )
        .await;
    };
    // Opening a .p12 hashes its password thousands of times: off the
    // async threads.
    let opened = tokio::task::spawn_blocking(move || {
        saraban_seal::SigningIdentity::from_pkcs12(&file, &password)
    })
    .await;
    let identity = match opened {
        Ok(Ok(identity)) => identity,
        Ok(Err(error)) => {
            let refusal = pkcs12_refusal(&error);
            return certificate_answer(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(refusal),
                None,
            )
            .await;
        }
        Err(error) => {
            return failure(StoreError::invariant(format!("opening a .p12: {error}")));
        }
    };
    match state.store.install_seal(&user.account.org, &identity).await {
        Ok(_) => {
            certificate_answer(
                &state,
                &user,
                StatusCode::OK,
                None,
                Some("ติดตั้งใบรับรองแล้ว เอกสารที่ออกต่อจากนี้ลงนามด้วยใบรับรองนี้"),
            )
            .await
        }
        Err(error) => failure(error),
    }
}

async fn certificate_answer(
    state: &AppState,
    user: &WebUser,
    status: StatusCode,
    refusal: Option<String>,
    done: Option<&str>,
) -> Response {
    let certificate = match state.store.seal_certificate(&user.account.org).await {
        Ok(certificate) => certificate,
        Err(error) => return failure(error),
    };
    let digits = super::common::digits_of(state, user).await;
    let org = user.account.org.as_str();
    page(
        status,
        "ใบรับรองลายมือชื่อดิจิทัล",
        Some(user),
        html! {
            @if let Some(done) = done { p.notice role="status" { (done) } }
            p.crumbs { a href="/admin" { "← กลับไปหน้าผู้ดูแลระบบ" } }
            h1 { "ใบรับรองลายมือชื่อดิจิทัล" }
            @match &certificate {
                None => p.notice { "หน่วยงานนี้ยังไม่มีใบรับรอง เอกสารที่ออกจึงไม่มีลายมือชื่อดิจิทัล (เริ่มระบบพร้อมโฟลเดอร์กุญแจเพื่อสร้าง)" },
                Some(certificate) => {
                    dl.identity #certificate {
                        dt { "ออกให้แก่" } dd { (certificate.subject) }
                        dt { "ออกโดย" } dd {
                            (certificate.issuer)
                            @if certificate.self_issued { " (หน่วยงานออกให้ตนเอง: ผู้ตรวจต้องเชื่อถือใบรับรองของหน่วยงานนี้)" }
                        }
                        dt { "ใช้ได้ตั้งแต่" } dd { (words::time(&certificate.not_before, digits)) }
                        dt { "ใช้ได้ถึง" } dd { (words::time(&certificate.not_after, digits)) }
                        dt { "เลขประจำใบรับรอง" } dd { code.hash { (certificate.serial) } }
                        dt { "ลายนิ้วมือ SHA-256" } dd { code.hash { (certificate.sha256_fingerprint) } }
                    }
                    p {
                        "ผู้ที่ต้องการตรวจลายมือชื่อดิจิทัลด้วยโปรแกรมอ่าน PDF ให้นำเข้าใบรับรองจาก "
                        a href=(format!("/api/v1/orgs/{org}/certificate")) { "ที่อยู่นี้ (chain_pem)" }
                        " เป็นใบรับรองที่เชื่อถือ"
                    }
                }
            }
            h2 { "ติดตั้งใบรับรองจากผู้ออกใบรับรอง" }
            p.hint { "ไฟล์ .p12 (.pfx) ที่มีกุญแจส่วนตัวชนิด ECDSA P-256 หรือ RSA (2048 บิตขึ้นไป) และใบรับรองพร้อมสายใบรับรอง เอกสารที่ออกแล้วยังตรวจสอบได้ด้วยใบรับรองเดิม" }
            form method="post" action="/admin/certificate" enctype="multipart/form-data" data-busy {
                (user.csrf_field())
                div.field {
                    label for="p12" { "ไฟล์ใบรับรอง (.p12)" }
                    input #p12 type="file" name="p12" accept=".p12,.pfx,application/x-pkcs12" required
                        aria-invalid=[refusal.as_ref().map(|_| "true")] aria-describedby="p12-error";
                    @if let Some(refusal) = &refusal {
                        p.field-error #p12-error role="alert" { (refusal) }
                    }
                }
                div.field {
                    label for="p12-password" { "รหัสผ่านของไฟล์" }
                    input #p12-password type="password" name="password" autocomplete="off";
                }
                button type="submit" { "ติดตั้งใบรับรอง" }
            }
        },
    )
}
