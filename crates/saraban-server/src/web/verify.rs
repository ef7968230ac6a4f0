//! Checking documents: the public page behind the QR code of every issued
//! PDF (no sign-in; it changes nothing), and the administrators' check of
//! the organisation's whole records.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use saraban_core::DigitStyle;
use saraban_core::ledger::sha256_hex;
use saraban_store::{PublicRecord, SealSummary, normalise_code};
use serde::Deserialize;

use super::common::{WebUser, failure, page};
use super::words;
use crate::state::AppState;

/// The largest PDF the public page compares: what the server reads of any
/// request body.
const LARGEST_PDF: usize = crate::BODY_LIMIT;

/// How far into a file a PDF reader looks for the `%PDF-` header.
const PDF_HEADER_WITHIN: usize = 1024;

#[derive(Debug, Deserialize)]
pub(crate) struct Lookup {
    code: Option<String>,
}

/// `/verify`: the box for the code printed on a paper copy. A plain GET
/// form, so it works without JavaScript; a code that names an issued
/// document leads to its page, however it was typed.
pub(crate) async fn lookup_page(
    State(state): State<AppState>,
    Query(lookup): Query<Lookup>,
) -> Response {
    let typed = lookup.code.unwrap_or_default();
    if typed.trim().is_empty() {
        return lookup_form(StatusCode::OK, "", None);
    }
    let Some(code) = normalise_code(&typed) else {
        return lookup_form(
            StatusCode::BAD_REQUEST,
            &typed,
            Some("รหัสตรวจสอบมี ๑๐ ตัว เป็นตัวอักษรอังกฤษและตัวเลข เช่น 7K2QF-0B9XM โปรดตรวจอีกครั้ง"),
        );
    };
    match state.store.public_record(&code).await {
        Ok(Some(record)) => Redirect::to(&format!("/verify/{}", record.code)).into_response(),
        Ok(None) => unknown_code(&typed),
        Err(error) => failure(error),
    }
}

fn lookup_form(status: StatusCode, typed: &str, error: Option<&str>) -> Response {
    page(
        status,
        "ตรวจสอบเอกสารด้วยรหัส",
        None,
        html! {
            h1 { "ตรวจสอบเอกสารด้วยรหัส" }
            p {
                "พิมพ์รหัสตรวจสอบที่พิมพ์ไว้ใต้คิวอาร์โค้ดของเอกสาร "
                "จะพิมพ์ตัวเล็กหรือตัวใหญ่ มีหรือไม่มีขีด เลขไทยหรือเลขอารบิกก็ได้"
            }
            form.lookup method="get" action="/verify" {
                label for="code" { "รหัสตรวจสอบ" }
                @if let Some(error) = error {
                    input #code type="text" name="code" value=(typed) required
                        autocomplete="off" autocapitalize="characters" spellcheck="false"
                        aria-invalid="true" aria-describedby="code-error";
                    p.field-error #code-error role="alert" { (error) }
                } @else {
                    input #code type="text" name="code" value=(typed) required
                        autocomplete="off" autocapitalize="characters" spellcheck="false"
                        aria-describedby="code-hint";
                    p.hint #code-hint { "เช่น 7K2QF-0B9XM" }
                }
                button.primary #lookup type="submit" { "ตรวจสอบ" }
            }
        },
    )
}

pub(crate) async fn public_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Response {
    match state.store.public_record(&code).await {
        Ok(Some(record)) => page(
            StatusCode::OK,
            "ตรวจสอบเอกสาร",
            None,
            record_view(&record, None),
        ),
        Ok(None) => unknown_code(&code),
        Err(error) => failure(error),
    }
}

/// What became of the file a visitor sent to compare.
enum Compared {
    /// The issued file; what its seal says.
    Matches(Option<SealSummary>),
    /// Not the issued file; the SHA-256 of the one sent, and what its
    /// seal, if any, says.
    Differs(String, Option<SealSummary>),
    /// Nothing to compare, and why.
    CannotCheck(Unreadable),
}

enum Unreadable {
    Empty,
    TooLarge,
    NotPdf,
}

/// The page again, the verdict on the PDF the visitor holds first.
pub(crate) async fn compare_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let mut pdf: Option<Vec<u8>> = None;
    let mut too_large = false;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("pdf") => match field.bytes().await {
                Ok(bytes) if bytes.len() <= LARGEST_PDF => pdf = Some(bytes.to_vec()),
                _ => {
                    too_large = true;
                    break;
                }
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                too_large = true;
                break;
            }
        }
    }
    let record = match state.store.public_record(&code).await {
        Ok(Some(record)) => record,
        Ok(None) => return unknown_code(&code),
        Err(error) => return failure(error),
    };
    if record.secret {
        return page(
            StatusCode::OK,
            "ตรวจสอบเอกสาร",
            None,
            record_view(&record, None),
        );
    }
    let (status, compared) = match pdf {
        _ if too_large => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Compared::CannotCheck(Unreadable::TooLarge),
        ),
        None => (
            StatusCode::BAD_REQUEST,
            Compared::CannotCheck(Unreadable::Empty),
        ),
        Some(pdf) if pdf.is_empty() => (
            StatusCode::BAD_REQUEST,
            Compared::CannotCheck(Unreadable::Empty),
        ),
        Some(pdf) if !looks_like_pdf(&pdf) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Compared::CannotCheck(Unreadable::NotPdf),
        ),
        Some(pdf) => match state.store.compare_issued_pdf(&record.code, &pdf).await {
            Ok(Some(check)) if check.matches => (StatusCode::OK, Compared::Matches(check.seal)),
            Ok(check) => (
                StatusCode::OK,
                Compared::Differs(sha256_hex(&pdf), check.and_then(|c| c.seal)),
            ),
            Err(error) => return failure(error),
        },
    };
    page(
        status,
        "ตรวจสอบเอกสาร",
        None,
        record_view(&record, Some(compared)),
    )
}

/// A PDF begins with `%PDF-` near its start (readers allow a little
/// before it).
fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(PDF_HEADER_WITHIN)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

fn unknown_code(typed: &str) -> Response {
    lookup_form(
        StatusCode::NOT_FOUND,
        typed,
        Some("ไม่มีเอกสารที่ออกเลขแล้วซึ่งมีรหัสตรวจสอบนี้ โปรดตรวจรหัสอีกครั้ง"),
    )
}

/// The signer as the document prints them: name, then the position, or
/// the delegation wording and the position acted for.
fn signer_text(record: &PublicRecord) -> Option<String> {
    let signer = record.signer.as_ref()?;
    let mut text = signer.name.clone();
    if let Some(capacity) = &signer.capacity {
        text.push(' ');
        text.push_str(capacity);
    }
    if let Some(position) = &signer.position {
        text.push(' ');
        text.push_str(position);
    }
    Some(text)
}

fn document_date(record: &PublicRecord, digits: DigitStyle) -> Option<String> {
    let date = record.date.as_deref()?;
    saraban_core::thai::parse_iso_date(date)
        .ok()
        .map(|d| d.full(digits))
}

/// What the document says of itself: number, date, signer.
fn identity(record: &PublicRecord, digits: DigitStyle) -> Markup {
    html! {
        dl.identity {
            dt { "เลขที่" } dd { (record.printed_number.clone().unwrap_or_default()) }
            @if let Some(date) = document_date(record, digits) {
                dt { "ลงวันที่" } dd { (date) }
            }
            @if let Some(signer) = signer_text(record) {
                dt { "ผู้ลงนาม" } dd { (signer) }
            }
        }
    }
}

/// The answer to the question the visitor asked by sending a file: first
/// on the page, in words and colour that cannot be mistaken.
fn comparison(record: &PublicRecord, compared: &Compared, digits: DigitStyle) -> Markup {
    let records_line = if record.records_verify {
        "บันทึกการอนุมัติของเอกสารฉบับที่ออกจริงในระบบตรวจสอบได้ถูกต้องครบถ้วน"
    } else {
        "บันทึกของเอกสารฉบับนี้ในระบบก็ตรวจสอบไม่ผ่านเช่นกัน (ดูรายละเอียดด้านล่าง)"
    };
    match compared {
        Compared::Matches(seal) if record.records_verify && !record.cancelled => html! {
            section.verdict.good #comparison role="status" {
                h1 { "ไฟล์นี้ตรงกับเอกสารที่ออกจริง" }
                p { "ไฟล์ที่ส่งมาตรงกับเอกสารที่ออกจริงทุกไบต์ และบันทึกการอนุมัติตรวจสอบได้ถูกต้องครบถ้วน" }
                (identity(record, digits))
                (seal_view(seal.as_ref(), digits))
            }
        },
        Compared::Matches(seal) if record.records_verify => html! {
            section.verdict.bad #comparison role="alert" {
                h1 { "เอกสารนี้ถูกยกเลิกแล้ว" }
                p { "ไฟล์ที่ส่งมาตรงกับเอกสารที่ออกจริงทุกไบต์ แต่เอกสารนี้ถูกยกเลิกหลังออกแล้ว จึงไม่มีผลใช้" }
                (identity(record, digits))
                (seal_view(seal.as_ref(), digits))
            }
        },
        Compared::Matches(_) => html! {
            section.verdict.bad #comparison role="alert" {
                h1 { "ยืนยันเอกสารนี้ไม่ได้" }
                p {
                    "ไฟล์ที่ส่งมาตรงกับไฟล์ที่ระบบเก็บไว้ แต่บันทึกการอนุมัติของเอกสารนี้ตรวจสอบไม่ผ่าน "
                    "จึงยืนยันไม่ได้ว่าเป็นเอกสารที่ออกจริง (ดูรายละเอียดด้านล่าง)"
                }
                (identity(record, digits))
            }
        },
        Compared::Differs(hash, seal) => html! {
            section.verdict.bad #comparison role="alert" {
                h1 { "ไฟล์นี้ไม่ใช่เอกสารที่ออกจริง" }
                p {
                    "ไฟล์ที่ส่งมาไม่ตรงกับเอกสารที่ออกจริง: ถูกแก้ไขหลังออก "
                    "หรือเป็นไฟล์ของเอกสารอื่น อย่าถือว่าเป็นเอกสารฉบับนี้"
                }
                p { (records_line) }
                dl.identity {
                    dt { "SHA-256 ของไฟล์ที่ส่งมา" } dd { code.hash { (hash) } }
                    @if let Some(issued) = &record.pdf_sha256 {
                        dt { "SHA-256 ของฉบับที่ออก" } dd { code.hash { (issued) } }
                    }
                }
                (seal_view(seal.as_ref(), digits))
            }
        },
        Compared::CannotCheck(why) => html! {
            section.verdict.neutral #comparison role="status" {
                h1 { "เทียบไฟล์ไม่ได้" }
                p {
                    @match why {
                        Unreadable::Empty => "ไม่ได้เลือกไฟล์ หรือไฟล์ที่ส่งมาว่างเปล่า โปรดเลือกไฟล์ PDF ของเอกสารที่ต้องการเทียบ",
                        Unreadable::TooLarge => "ไฟล์ใหญ่เกินกว่าที่รับเทียบได้ หรือส่งมาไม่ครบ",
                        Unreadable::NotPdf => "ไฟล์ที่ส่งมาไม่ใช่ไฟล์ PDF โปรดเลือกไฟล์ PDF ของเอกสารที่ได้รับ",
                    }
                    @if matches!(why, Unreadable::TooLarge) {
                        " (ไม่เกิน " (digits.number((LARGEST_PDF / (1024 * 1024)) as u64)) " MB)"
                    }
                }
                p { "จึงยังบอกไม่ได้ว่าไฟล์นั้นเป็นเอกสารที่ออกจริงหรือไม่" }
            }
        },
    }
}

/// What the file's own digital signature (PAdES) says: who sealed it,
/// whose certificate, when, and whether it holds.
fn seal_view(seal: Option<&SealSummary>, digits: DigitStyle) -> Markup {
    let Some(seal) = seal else {
        return html! { p #seal { "ไฟล์นี้ไม่มีลายมือชื่อดิจิทัล" } };
    };
    let unknown = "ไม่ทราบ".to_owned();
    html! {
        div #seal {
            p {
                "ลงนามดิจิทัลโดย " strong { (seal.signer.as_ref().unwrap_or(&unknown)) }
                ", ใบรับรองออกโดย " strong { (seal.issuer.as_ref().unwrap_or(&unknown)) }
                @if let Some(at) = &seal.signed_at { ", เวลา " (words::time(at, digits)) }
            }
            @if let Some(reason) = &seal.reason { p { (reason) } }
            @if let Some(at) = &seal.timestamp { p { "ประทับเวลาโดยผู้ให้บริการประทับเวลา " (words::time(at, digits)) } }
            @match &seal.problem {
                None => p.seal-valid { "ลายมือชื่อดิจิทัลถูกต้อง ไฟล์ไม่ถูกแก้ไขหลังลงนาม" },
                Some(code) => p.seal-invalid { "ลายมือชื่อดิจิทัลไม่ถูกต้อง: " (words::seal_problem(code)) },
            }
        }
    }
}

fn record_view(record: &PublicRecord, compared: Option<Compared>) -> Markup {
    let digits = record.digits;
    // A secret document tells that it exists, and nothing more: no
    // details, and no comparison.
    if record.secret {
        return html! {
            h1 { "ตรวจสอบเอกสาร" }
            p { "รหัสตรวจสอบ " strong #code { (record.code) } " · " (record.organisation) }
            p.notice role="status" #verdict {
                "เอกสารนี้มีอยู่ในระบบและเป็นเอกสารชั้นความลับ จึงไม่แสดงรายละเอียด"
            }
            p { a href="/verify" { "ตรวจสอบเอกสารอื่นด้วยรหัส" } }
        };
    }
    html! {
        @if let Some(compared) = &compared {
            (comparison(record, compared, digits))
            h2 { "เอกสารที่ออกจริง" }
        } @else {
            h1 { "ตรวจสอบเอกสาร" }
        }
        p { "รหัสตรวจสอบ " strong #code { (record.code) } " · " (record.organisation) }
        @if record.records_verify {
            p.notice role="status" #verdict { "บันทึกการอนุมัติของเอกสารนี้ตรวจสอบได้ถูกต้องครบถ้วน" }
        } @else {
            div.alert role="alert" #verdict {
                p { "บันทึกของเอกสารนี้ตรวจสอบไม่ผ่าน:" }
                ul { @for problem in &record.problems { li { (problem) } } }
            }
        }
        @if record.cancelled {
            p.alert role="alert" #cancelled { "เอกสารนี้ถูกยกเลิกแล้ว" }
        }
        @if let Some(list) = &record.destroyed_under {
            p.notice role="status" #destroyed {
                "เอกสารนี้ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ " (words::list_number(list, digits))
                " เหลือเพียงเลขที่และบันทึกการอนุมัติ"
            }
        }
        dl.facts #facts {
            dt { "ประเภท" } dd { (words::kind_name(record.kind.as_deref().unwrap_or_default())) }
            dt { "เลขที่" } dd #number { (record.printed_number.clone().unwrap_or_default()) }
            @if let Some(date) = document_date(record, digits) {
                dt { "ลงวันที่" } dd #date { (date) }
            }
            dt { "เรื่อง" } dd #subject { (record.subject.clone().unwrap_or_default()) }
            @if let Some(signer) = signer_text(record) {
                dt { "ผู้ลงนาม" } dd #signer { (signer) }
            }
            @if let Some(at) = &record.issued_at {
                dt { "ออกเลขเมื่อ" } dd #issued-at { (words::time(at, digits)) }
            }
            @if let Some(hash) = &record.pdf_sha256 {
                dt { "ค่าแฮช SHA-256 ของ PDF" } dd { code.hash #pdf-hash { (hash) } }
            }
        }
        h2 { "เทียบไฟล์ PDF ที่ท่านมี" }
        form.compare method="post" enctype="multipart/form-data" action=(format!("/verify/{}", record.code)) {
            label for="pdf" { "ไฟล์ PDF" }
            input #pdf type="file" name="pdf" accept="application/pdf" required;
            button type="submit" { "เทียบกับเอกสารที่ออก" }
        }
        @if let Some(note) = &record.checkpoint {
            details {
                summary { "บันทึกตรวจสอบที่ลงลายมือชื่อดิจิทัล (checkpoint)" }
                pre.checkpoint { (note) }
            }
        }
        p { a href="/verify" { "ตรวจสอบเอกสารอื่นด้วยรหัส" } }
    }
}

/// The administrators' check of everything the organisation's records
/// claim (as `saraban verify`).
pub(crate) async fn audit_page(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    let audit = match state.store.audit(&user.account.org).await {
        Ok(audit) => audit,
        Err(error) => return failure(error),
    };
    let digits = match state.store.org_config(&user.account.org).await {
        Ok(config) => config.organisation.digits,
        Err(error) => return failure(error),
    };
    page(
        StatusCode::OK,
        "ตรวจสอบความถูกต้องของบันทึก",
        Some(&user),
        html! {
            h1 { "ตรวจสอบความถูกต้องของบันทึก" }
            dl.facts {
                dt { "จำนวนเหตุการณ์" } dd { (digits.apply(&audit.events.to_string())) }
                dt { "เอกสาร" } dd { (digits.apply(&audit.documents.to_string())) }
                dt { "ออกเลขแล้ว" } dd { (digits.apply(&audit.issued.to_string())) }
                dt { "checkpoint ที่ลงนามแล้ว" } dd { (digits.apply(&audit.checkpoints.to_string())) }
                dt { "Merkle root" } dd { code.hash { (audit.merkle_root) } }
            }
            @if audit.holds() {
                p.notice role="status" #verdict { "บันทึกทั้งหมดตรวจสอบได้ถูกต้อง ไม่พบการแก้ไข" }
            } @else {
                div.alert role="alert" #verdict {
                    p { "พบความผิดปกติ " (digits.apply(&audit.findings.len().to_string())) " รายการ" }
                    ul {
                        @for finding in &audit.findings { li { (finding.to_string()) } }
                    }
                }
            }
        },
    )
}
