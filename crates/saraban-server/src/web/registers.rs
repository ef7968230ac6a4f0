//! ทะเบียน: a register's numbered documents for one B.E. year, cancelled
//! ones marked, with a CSV export and a printable PDF page.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::org::OrgConfig;
use saraban_store::RegisterEntry;
use serde::Deserialize;

use super::common::{WebUser, config_of, failure, inline_pdf, message_page, page};
use super::words;
use crate::download::PdfName;
use crate::state::{AppState, buddhist_year};

#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    #[serde(default)]
    register: Option<String>,
    #[serde(default)]
    year: Option<String>,
    /// The page: the number (a receiving register's เลขรับ) it starts after.
    #[serde(default)]
    after: Option<String>,
}

/// Lines a page of a register shows: a year of thousands is read by page
/// (its CSV and PDF carry the whole year).
const REGISTER_PAGE: u32 = 500;

/// `(after, limit)` of a whole year: from the first number, every line.
const WHOLE_YEAR: (i64, u32) = (0, u32::MAX);

fn year_now(config: &OrgConfig, register: &str) -> i32 {
    config
        .registers
        .iter()
        .find(|r| r.id.as_str() == register)
        .map(|r| r.reset.year_of(Utc::now()).get())
        .unwrap_or_else(|| {
            saraban_core::BuddhistYear::of(saraban_core::clock::thai_date(Utc::now())).get()
        })
}

fn register_name<'a>(config: &'a OrgConfig, register: &str) -> Option<&'a str> {
    config
        .registers
        .iter()
        .find(|r| r.id.as_str() == register)
        .map(|r| r.name.as_str())
}

/// A page of a register's year, after the number `after`.
async fn entries_page(
    state: &AppState,
    user: &WebUser,
    register: &str,
    year: i32,
    after: i64,
) -> Result<saraban_store::RegisterPage, Response> {
    state
        .store
        .register_page(&user.account.org, register, year, after, REGISTER_PAGE)
        .await
        .map_err(failure)
}

async fn entries(
    state: &AppState,
    user: &WebUser,
    register: &str,
    year: i32,
) -> Result<Vec<RegisterEntry>, Response> {
    state
        .store
        .register_entries(&user.account.org, register, year)
        .await
        .map_err(failure)
}

pub(crate) async fn page_route(
    State(state): State<AppState>,
    user: WebUser,
    Query(choice): Query<Choice>,
) -> Response {
    if let Err(response) = user.may_read_documents() {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    let Some(first) = config.registers.first() else {
        return message_page(StatusCode::OK, "ทะเบียน", "หน่วยงานยังไม่มีทะเบียน");
    };
    let register = choice
        .register
        .filter(|r| config.registers.iter().any(|c| c.id.as_str() == r))
        .unwrap_or_else(|| first.id.to_string());
    let current = year_now(&config, &register);
    let year = choice
        .year
        .as_deref()
        .and_then(buddhist_year)
        .unwrap_or(current);
    let receiving = is_receiving(&config, &register);
    let after = choice
        .after
        .as_deref()
        .map(super::dates::arabic_digits)
        .and_then(|after| after.trim().parse::<i64>().ok())
        .filter(|after| *after > 0)
        .unwrap_or(0);
    let unit = match is_unit(&config, &register) {
        true => match unit_page(&state, &user, &register, year, (after, REGISTER_PAGE)).await {
            Ok(page) => Some(page),
            Err(response) => return response,
        },
        false => None,
    };
    let no_rows = saraban_store::RegisterPage {
        entries: Vec::new(),
        next: None,
    };
    let (rows, received) = if unit.is_some() {
        (
            no_rows,
            saraban_store::ReceivedPage {
                entries: Vec::new(),
                next: None,
            },
        )
    } else if receiving {
        match register_page_rows(&state, &user, year, (after, REGISTER_PAGE)).await {
            Ok(received) => (no_rows, received),
            Err(response) => return response,
        }
    } else {
        match entries_page(&state, &user, &register, year, after).await {
            Ok(rows) => (
                rows,
                saraban_store::ReceivedPage {
                    entries: Vec::new(),
                    next: None,
                },
            ),
            Err(response) => return response,
        }
    };
    let digits = config.organisation.digits;
    let name = register_name(&config, &register).unwrap_or_default();
    let content = html! {
        h1 { "ทะเบียน" }
        form.inline method="get" action="/registers" {
            div.field {
                label for="register" { "ทะเบียน" }
                select #register name="register" {
                    @for r in &config.registers {
                        option value=(r.id) selected[r.id.as_str() == register] { (r.name) }
                    }
                }
            }
            div.field {
                label for="year" { "ปี พ.ศ." }
                select #year name="year" {
                    @for y in (current - 5..=current).rev() {
                        option value=(y) selected[y == year] { (digits.number(y as u64)) }
                    }
                }
            }
            button type="submit" { "แสดง" }
        }
        h2 #register-title { (name) " ปี พ.ศ. " (digits.number(year as u64)) }
        p.links {
            a.button href=(format!("/registers/{register}/{year}/csv")) download { "ส่งออก CSV" }
            " "
            a.button href=(format!("/registers/{register}/{year}/pdf")) data-busy-link { "พิมพ์ทะเบียน (PDF)" }
        }
        @if let Some(unit) = &unit {
            (unit_table(&config, &unit.entries))
            (pages_nav(&register, year, after, PageSpan::of("เลขรับของหน่วยที่ ", unit.entries.iter().map(|e| e.unit_number), unit.next), digits))
        } @else if receiving {
            (register_table(&config, &received.entries))
            (pages_nav(&register, year, after, PageSpan::of("เลขรับที่ ", received.entries.iter().map(|e| e.number), received.next), digits))
        } @else if rows.entries.is_empty() && after == 0 {
            p.empty { "ยังไม่มีหนังสือในทะเบียนปีนี้" }
        } @else {
            // The official register's columns; on a narrow screen the table
            // scrolls inside its box rather than breaking words apart.
            div.table-scroll #register-scroll tabindex="0" role="region" aria-labelledby="register-title" {
                table.register #register-table {
                    thead {
                        tr {
                            @for heading in COLUMNS { th scope="col" { (heading) } }
                        }
                    }
                    tbody {
                        @for row in &rows.entries {
                            tr.cancelled[row.cancelled] {
                                td.number { (row.printed_number) }
                                td.date { (words::iso_date(&row.dated, false, digits)) }
                                td { (row.from) }
                                td { @if row.to.is_empty() { "-" } @else { (row.to) } }
                                td.subject { a href=(format!("/doc/{}", row.document_id)) { (row.subject) } }
                                td { (row.signer.as_deref().unwrap_or("-")) }
                                td {
                                    @if row.cancelled {
                                        strong.cancelled { "ยกเลิก" }
                                        @if let Some(reason) = &row.cancel_reason { " " (reason) }
                                    } @else if let Some(list) = &row.destroyed_under {
                                        span.destroyed { "ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ " (words::list_number(list, digits)) }
                                    } @else if row.state != "issued" {
                                        (state_thai(&row.state))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pages_nav(&register, year, after, PageSpan::of("เลขที่ ", rows.entries.iter().map(|e| e.number), rows.next), digits))
        }
    };
    page(StatusCode::OK, "ทะเบียน", Some(&user), content)
}

/// The numbers a page of a register shows, and the number the next page
/// starts after.
struct PageSpan {
    label: &'static str,
    first: Option<i64>,
    last: Option<i64>,
    next: Option<i64>,
}

impl PageSpan {
    fn of(label: &'static str, mut numbers: impl Iterator<Item = i64>, next: Option<i64>) -> Self {
        let first = numbers.next();
        PageSpan {
            label,
            first,
            last: numbers.last().or(first),
            next,
        }
    }
}

/// The range a page shows and the links to the first and the next page,
/// when the year takes more than one.
fn pages_nav(
    register: &str,
    year: i32,
    after: i64,
    span: PageSpan,
    digits: saraban_core::thai::DigitStyle,
) -> Markup {
    html! {
        @if after > 0 || span.next.is_some() {
            nav.pages aria-label="หน้าของทะเบียน" {
                @if let (Some(first), Some(last)) = (span.first, span.last) {
                    p #register-range {
                        (span.label) (digits.number(first.unsigned_abs()))
                        " – " (digits.number(last.unsigned_abs()))
                    }
                }
                @if after > 0 {
                    a.button href=(format!("/registers?register={register}&year={year}")) { "หน้าแรก" }
                    " "
                }
                @if let Some(next) = span.next {
                    a.button #register-next href=(format!("/registers?register={register}&year={year}&after={next}")) { "หน้าถัดไป" }
                }
            }
        }
    }
}

/// Whether `register` numbers received letters (ทะเบียนหนังสือรับ) for the
/// central registry.
fn is_receiving(config: &OrgConfig, register: &str) -> bool {
    config.registers.iter().any(|r| {
        r.id.as_str() == register && r.kind == saraban_core::incoming::KIND && !r.is_unit_register()
    })
}

/// Whether `register` is a unit's own receiving register.
fn is_unit(config: &OrgConfig, register: &str) -> bool {
    config.unit_registers().any(|r| r.id.as_str() == register)
}

/// At most `limit` lines of a unit register's year, after the unit's
/// number `after`.
async fn unit_page(
    state: &AppState,
    user: &WebUser,
    register: &str,
    year: i32,
    (after, limit): (i64, u32),
) -> Result<saraban_store::UnitRegisterPage, Response> {
    let year = received_year(year)?;
    state
        .store
        .unit_register_page(
            &user.account.org,
            register,
            year,
            saraban_core::clock::thai_date(Utc::now()),
            after,
            limit,
        )
        .await
        .map_err(failure)
}

/// A unit register's whole year, for its CSV and PDF.
async fn unit_rows(
    state: &AppState,
    user: &WebUser,
    register: &str,
    year: i32,
) -> Result<Vec<saraban_store::UnitRegisterEntry>, Response> {
    let page = unit_page(state, user, register, year, WHOLE_YEAR).await?;
    Ok(page.entries)
}

/// The columns of a unit's receiving register: its own number, then the
/// central เลขรับ and the receiving register's columns.
const UNIT_COLUMNS: [&str; 9] = [
    "เลขรับของหน่วย",
    "เลขทะเบียนรับ (กลาง)",
    "ที่",
    "ลงวันที่",
    "จาก",
    "ถึง",
    "เรื่อง",
    "การปฏิบัติ",
    "หมายเหตุ",
];

/// A unit's receiving register in its columns.
fn unit_table(config: &OrgConfig, rows: &[saraban_store::UnitRegisterEntry]) -> Markup {
    let digits = config.organisation.digits;
    receiving_frame(
        &UNIT_COLUMNS,
        rows.is_empty(),
        html! {
            @for row in rows {
                tr.overdue[row.letter.overdue] {
                    td.number.unit-number { (digits.number(row.unit_number.unsigned_abs())) }
                    td.number { (digits.number(row.letter.number.unsigned_abs())) }
                    (letter_cells(config, &row.letter))
                }
            }
        },
    )
}

/// A unit's receiving register as CSV: its columns, the dates as ISO and
/// in Thai, when the unit and the registry received it, the document's id.
fn unit_csv(
    config: &OrgConfig,
    register: &str,
    year: i32,
    rows: &[saraban_store::UnitRegisterEntry],
) -> Response {
    let mut out = String::from("\u{FEFF}");
    out.push_str(
        "เลขรับของหน่วย,เลขทะเบียนรับ (กลาง),ที่,ลงวันที่,ลงวันที่ (พ.ศ.),จาก,ถึง,เรื่อง,การปฏิบัติ,หมายเหตุ,เวลาที่หน่วยรับ,เวลาที่รับ (กลาง),รหัสเอกสาร\r\n",
    );
    for row in rows {
        let letter = &row.letter;
        let mut fields = vec![row.unit_number.to_string(), letter.number.to_string()];
        fields.extend(letter_fields(config, letter));
        fields.extend([
            row.unit_received_at.clone(),
            letter.received_at.clone(),
            letter.document_id.to_string(),
        ]);
        push_csv_line(&mut out, &fields);
    }
    csv_attachment(register, year, out)
}

/// The columns of the official register (ทะเบียนหนังสือส่ง).
const COLUMNS: [&str; 7] = [
    "เลขที่",
    "ลงวันที่",
    "จาก",
    "ถึง",
    "เรื่อง",
    "การปฏิบัติ / ผู้ลงนาม",
    "หมายเหตุ",
];

fn state_thai(name: &str) -> &'static str {
    saraban_core::workflow::State::from_parts(name, 0)
        .map(|s| s.thai())
        .unwrap_or("")
}

/// A register's year named in an export's address, with its entries.
struct Listed {
    config: OrgConfig,
    name: String,
    year: i32,
    rows: Vec<RegisterEntry>,
}

async fn listed(
    state: &AppState,
    user: &WebUser,
    register: &str,
    year: &str,
) -> Result<Listed, Response> {
    user.may_read_documents()?;
    let config = config_of(state, user).await?;
    let year = buddhist_year(year).ok_or_else(|| {
        message_page(
            StatusCode::BAD_REQUEST,
            "ปีไม่ถูกต้อง",
            "ปี พ.ศ. ต้องเป็นตัวเลข เช่น ๒๕๖๘",
        )
    })?;
    let name = register_name(&config, register)
        .ok_or_else(|| message_page(StatusCode::NOT_FOUND, "ไม่พบทะเบียน", "ไม่มีทะเบียนนี้"))?
        .to_owned();
    let rows = if is_receiving(&config, register) || is_unit(&config, register) {
        Vec::new()
    } else {
        entries(state, user, register, year).await?
    };
    Ok(Listed {
        config,
        name,
        year,
        rows,
    })
}

/// One CSV field, always quoted (RFC 4180).
pub(super) fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A cell of text someone typed: one that a spreadsheet would read as a
/// formula (starting with =, +, -, @, tab or CR) gets a leading
/// apostrophe, per OWASP's guidance on CSV injection. Numbers and dates
/// the system writes are not passed through it.
pub(super) fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

pub(crate) async fn csv(
    State(state): State<AppState>,
    user: WebUser,
    Path((register, year)): Path<(String, String)>,
) -> Response {
    let Listed {
        config, year, rows, ..
    } = match listed(&state, &user, &register, &year).await {
        Ok(listed) => listed,
        Err(response) => return response,
    };
    if is_receiving(&config, &register) {
        return match register_rows(&state, &user, year).await {
            Ok(received) => register_csv(&config, &register, year, &received),
            Err(response) => response,
        };
    }
    if is_unit(&config, &register) {
        return match unit_rows(&state, &user, &register, year).await {
            Ok(rows) => unit_csv(&config, &register, year, &rows),
            Err(response) => response,
        };
    }
    let digits = config.organisation.digits;
    // A byte-order mark so that spreadsheets read the Thai as UTF-8. The
    // register's columns, the date twice (ISO for sorting, Thai to read),
    // then the running number and the document's id for lookups.
    let mut out = String::from("\u{FEFF}");
    out.push_str("เลขที่,ลงวันที่,ลงวันที่ (พ.ศ.),จาก,ถึง,เรื่อง,การปฏิบัติ / ผู้ลงนาม,หมายเหตุ,ลำดับ,รหัสเอกสาร\r\n");
    for row in &rows {
        let remark = match (&row.cancel_reason, row.cancelled) {
            (Some(reason), true) => format!("ยกเลิก: {reason}"),
            (None, true) => "ยกเลิก".to_owned(),
            _ if row.destroyed_under.is_some() => format!(
                "ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ {}",
                words::list_number(row.destroyed_under.as_deref().unwrap_or_default(), digits)
            ),
            _ if row.state != "issued" => state_thai(&row.state).to_owned(),
            _ => String::new(),
        };
        let fields = [
            row.printed_number.clone(),
            row.dated.clone(),
            words::iso_date(&row.dated, true, digits),
            csv_text(&row.from),
            csv_text(&row.to),
            csv_text(&row.subject),
            csv_text(row.signer.as_deref().unwrap_or_default()),
            csv_text(&remark),
            row.number.to_string(),
            row.document_id.to_string(),
        ];
        push_csv_line(&mut out, &fields);
    }
    csv_attachment(&register, year, out)
}

pub(crate) async fn pdf(
    State(state): State<AppState>,
    user: WebUser,
    Path((register, year)): Path<(String, String)>,
) -> Response {
    let Listed {
        config,
        name,
        year,
        rows,
    } = match listed(&state, &user, &register, &year).await {
        Ok(listed) => listed,
        Err(response) => return response,
    };
    if is_receiving(&config, &register) {
        return match register_rows(&state, &user, year).await {
            Ok(received) => register_pdf(&state, &config, &register, year, &received).await,
            Err(response) => response,
        };
    }
    if is_unit(&config, &register) {
        return match unit_rows(&state, &user, &register, year).await {
            Ok(rows) => unit_pdf(&state, &config, &register, &name, year, &rows).await,
            Err(response) => response,
        };
    }
    let digits = config.organisation.digits;
    let sheet = saraban_typeset::RegisterPage {
        title: format!("{name} ปี พ.ศ. {}", digits.number(year as u64)),
        subtitle: config.organisation.name.as_str().to_owned(),
        headers: [
            "เลขที่".into(),
            "เรื่อง".into(),
            "วันที่ออกเลข".into(),
            "สถานะ".into(),
        ],
        rows: rows
            .iter()
            .map(|row| saraban_typeset::RegisterPageRow {
                number: row.printed_number.trim_start_matches("ที่ ").to_owned(),
                subject: row.subject.clone(),
                date: words::date(&row.issued_at, digits),
                state: if row.cancelled {
                    "ยกเลิก".into()
                } else if let Some(list) = &row.destroyed_under {
                    format!("ทำลายแล้ว ({})", words::list_number(list, digits))
                } else {
                    state_thai(&row.state).to_owned()
                },
                cancelled: row.cancelled,
            })
            .collect(),
        page_word: "หน้า".into(),
        cancelled_word: "ยกเลิก".into(),
        empty: "ยังไม่มีหนังสือในทะเบียนปีนี้".into(),
        digits: digits.digits(),
        printed_on: saraban_core::clock::thai_date(Utc::now()),
    };
    match state.press.register_pdf(sheet).await {
        Ok(bytes) => inline_pdf(
            &PdfName {
                thai: format!("ทะเบียน-{register}-{year}.pdf"),
                ascii: format!("register-{register}-{year}.pdf"),
            },
            bytes,
        ),
        Err(error) => failure(error),
    }
}

/// At most `limit` letters of the receiving register's year, after the
/// เลขรับ `after`.
async fn register_page_rows(
    state: &AppState,
    user: &WebUser,
    year: i32,
    (after, limit): (i64, u32),
) -> Result<saraban_store::ReceivedPage, Response> {
    let year = received_year(year)?;
    state
        .store
        .received_register_page(
            &user.account.org,
            year,
            saraban_core::clock::thai_date(Utc::now()),
            after,
            limit,
        )
        .await
        .map_err(failure)
}

fn received_year(year: i32) -> Result<saraban_core::BuddhistYear, Response> {
    saraban_core::BuddhistYear::new(year).map_err(|_| {
        message_page(
            StatusCode::BAD_REQUEST,
            "ปีไม่ถูกต้อง",
            "ปี พ.ศ. ต้องเป็นตัวเลข เช่น ๒๕๖๘",
        )
    })
}

/// The receiving register's whole year, for its CSV and PDF.
pub(crate) async fn register_rows(
    state: &AppState,
    user: &WebUser,
    year: i32,
) -> Result<Vec<saraban_store::ReceivedEntry>, Response> {
    let page = register_page_rows(state, user, year, WHOLE_YEAR).await?;
    Ok(page.entries)
}

/// What the register's หมายเหตุ says: the assignee, the deadline, overdue.
fn remark(config: &OrgConfig, row: &saraban_store::ReceivedEntry) -> String {
    let digits = config.organisation.digits;
    let mut parts = Vec::new();
    if let Some(to) = &row.assigned_to {
        parts.push(format!(
            "มอบ {}",
            super::incoming::assignee_name(config, to)
        ));
    }
    if let Some(due) = &row.due {
        parts.push(format!("ภายใน {}", words::iso_date(due, false, digits)));
    }
    if row.state != "closed" && row.state != "signed" {
        parts.push(
            saraban_core::workflow::State::from_parts(&row.state, 0)
                .map(|s| s.thai())
                .unwrap_or_default()
                .to_owned(),
        );
    }
    parts.join(" ")
}

/// The receiving register in the official columns (ทะเบียนหนังสือรับ).
pub(crate) fn register_table(config: &OrgConfig, rows: &[saraban_store::ReceivedEntry]) -> Markup {
    let digits = config.organisation.digits;
    receiving_frame(
        &words::RECEIVING_COLUMNS,
        rows.is_empty(),
        html! {
            @for row in rows {
                tr.overdue[row.overdue] {
                    td.number { (digits.number(row.number.unsigned_abs())) }
                    (letter_cells(config, row))
                }
            }
        },
    )
}

/// A receiving register's table (the registry's or a unit's) around its
/// rows; on a narrow screen it scrolls inside its box.
fn receiving_frame(headings: &[&str], empty: bool, rows: Markup) -> Markup {
    html! {
        @if empty {
            p.empty { "ยังไม่มีหนังสือในทะเบียนปีนี้" }
        } @else {
            div.table-scroll #register-scroll tabindex="0" role="region" aria-labelledby="register-title" {
                table.register #register-table {
                    thead { tr { @for heading in headings { th scope="col" { (heading) } } } }
                    tbody { (rows) }
                }
            }
        }
    }
}

/// A received letter's cells in a receiving register, from ที่ to หมายเหตุ.
fn letter_cells(config: &OrgConfig, letter: &saraban_store::ReceivedEntry) -> Markup {
    let digits = config.organisation.digits;
    html! {
        td { (letter.their_number) }
        td.date { (words::iso_date(&letter.dated, false, digits)) }
        td { (letter.from) }
        td { (letter.to) }
        td.subject { a href=(format!("/doc/{}", letter.document_id)) { (letter.subject) } }
        td { (letter.action.as_deref().unwrap_or("-")) }
        td {
            @if letter.overdue { strong.overdue { (words::OVERDUE) } " " }
            (remark(config, letter))
        }
    }
}

/// A received letter's cells in a receiving register's CSV, from ที่ to
/// หมายเหตุ (the date as ISO and in Thai; overdue first in the remark).
fn letter_fields(config: &OrgConfig, letter: &saraban_store::ReceivedEntry) -> [String; 8] {
    let digits = config.organisation.digits;
    let note = overdue_first(letter, remark(config, letter));
    [
        csv_text(&letter.their_number),
        letter.dated.clone(),
        words::iso_date(&letter.dated, true, digits),
        csv_text(&letter.from),
        csv_text(&letter.to),
        csv_text(&letter.subject),
        csv_text(letter.action.as_deref().unwrap_or_default()),
        csv_text(&note),
    ]
}

/// A letter's remark with "เกินกำหนด" first when it is overdue.
fn overdue_first(letter: &saraban_store::ReceivedEntry, note: String) -> String {
    if letter.overdue {
        format!("{} {note}", words::OVERDUE).trim().to_owned()
    } else {
        note
    }
}

/// One CSV line of `fields`, quoted where they need it.
fn push_csv_line(out: &mut String, fields: &[String]) {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// A register's year as a CSV file to download.
fn csv_attachment(register: &str, year: i32, out: String) -> Response {
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"register-{register}-{year}.csv\""),
            ),
        ],
        out,
    )
        .into_response()
}

/// The receiving register as CSV: the register's columns, the date as
/// ISO and in Thai, the time of receipt, the document's id.
pub(crate) fn register_csv(
    config: &OrgConfig,
    register: &str,
    year: i32,
    rows: &[saraban_store::ReceivedEntry],
) -> Response {
    let mut out = String::from("\u{FEFF}");
    out.push_str(
        "เลขทะเบียนรับ,ที่,ลงวันที่,ลงวันที่ (พ.ศ.),จาก,ถึง,เรื่อง,การปฏิบัติ,หมายเหตุ,เวลาที่รับ,รหัสเอกสาร\r\n",
    );
    for row in rows {
        let mut fields = vec![row.number.to_string()];
        fields.extend(letter_fields(config, row));
        fields.extend([row.received_at.clone(), row.document_id.to_string()]);
        push_csv_line(&mut out, &fields);
    }
    csv_attachment(register, year, out)
}

/// The receiving register's printable PDF, landscape.
pub(crate) async fn register_pdf(
    state: &AppState,
    config: &OrgConfig,
    register: &str,
    year: i32,
    rows: &[saraban_store::ReceivedEntry],
) -> Response {
    let digits = config.organisation.digits;
    let sheet = saraban_press::ReceivingRegisterPage {
        organisation: config.organisation.name.as_str().to_owned(),
        unit: None,
        year: digits.number(year.unsigned_abs().into()),
        rows: rows
            .iter()
            .map(|row| saraban_press::ReceivingRegisterRow {
                number: digits.number(row.number.unsigned_abs()),
                reference: row.their_number.clone(),
                dated: words::iso_date(&row.dated, false, digits),
                from: row.from.clone(),
                to: row.to.clone(),
                subject: row.subject.clone(),
                action: row.action.clone().unwrap_or_default(),
                remark: overdue_first(row, remark(config, row)),
            })
            .collect(),
        digits: digits.digits(),
        printed_on: saraban_core::clock::thai_date(Utc::now()),
    };
    match state.press.receiving_register_pdf(sheet).await {
        Ok(bytes) => inline_pdf(
            &PdfName {
                thai: format!("ทะเบียนหนังสือรับ-{year}.pdf"),
                ascii: format!("register-{register}-{year}.pdf"),
            },
            bytes,
        ),
        Err(error) => failure(error),
    }
}

/// A unit's receiving register printed in the official columns: the
/// unit's number first, the central เลขรับ in the remark.
async fn unit_pdf(
    state: &AppState,
    config: &OrgConfig,
    register: &str,
    name: &str,
    year: i32,
    rows: &[saraban_store::UnitRegisterEntry],
) -> Response {
    let digits = config.organisation.digits;
    let sheet = saraban_press::ReceivingRegisterPage {
        organisation: config.organisation.name.as_str().to_owned(),
        unit: Some(name.to_owned()),
        year: digits.number(year.unsigned_abs().into()),
        rows: rows
            .iter()
            .map(|row| {
                let letter = &row.letter;
                let note = overdue_first(
                    letter,
                    format!(
                        "เลขรับ (กลาง) {} {}",
                        digits.number(letter.number.unsigned_abs()),
                        remark(config, letter)
                    ),
                );
                saraban_press::ReceivingRegisterRow {
                    number: digits.number(row.unit_number.unsigned_abs()),
                    reference: letter.their_number.clone(),
                    dated: words::iso_date(&letter.dated, false, digits),
                    from: letter.from.clone(),
                    to: letter.to.clone(),
                    subject: letter.subject.clone(),
                    action: letter.action.clone().unwrap_or_default(),
                    remark: note.trim().to_owned(),
                }
            })
            .collect(),
        digits: digits.digits(),
        printed_on: saraban_core::clock::thai_date(Utc::now()),
    };
    match state.press.receiving_register_pdf(sheet).await {
        Ok(bytes) => inline_pdf(
            &PdfName {
                thai: format!("ทะเบียนหนังสือรับของหน่วย-{register}-{year}.pdf"),
                ascii: format!("register-{register}-{year}.pdf"),
            },
            bytes,
        ),
        Err(error) => failure(error),
    }
}

#[cfg(test)]
mod tests {
    use super::{csv_field, csv_text};

    #[test]
    fn formulas_in_text_cells_are_neutralised() {
        for formula in ["=1+1", "+66 2", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_text(formula), format!("'{formula}"));
        }
        for plain in ["ขอรายงานผล", "1 = 1", "", "'quoted"] {
            assert_eq!(csv_text(plain), plain);
        }
        assert_eq!(
            csv_field(&csv_text("=HYPERLINK(\"x\")")),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
    }
}
