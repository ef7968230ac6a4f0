//! Checking documents: the public page behind the QR code of every issued
//! PDF (no sign-in; it changes nothing), and the administrators' check of
//! the organisation's whole records.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use saraban_core::DigitStyle;
use saraban_core::ledger::sha256_hex;
use saraban_store::PublicRecord;

use super::common::{WebUser, failure, message_page, page};
use super::words;
use crate::state::AppState;

/// The largest PDF the public page compares.
const LARGEST_PDF: usize = 20 * 1024 * 1024;

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
        Ok(None) => unknown_code(),
        Err(error) => failure(error),
    }
}

/// The page again, with the verdict on a PDF the visitor holds.
pub(crate) async fn compare_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let mut pdf: Option<Vec<u8>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("pdf") => match field.bytes().await {
                Ok(bytes) if bytes.len() <= LARGEST_PDF => pdf = Some(bytes.to_vec()),
                _ => return too_large(),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return too_large(),
        }
    }
    let Some(pdf) = pdf.filter(|pdf| !pdf.is_empty()) else {
        return message_page(
            StatusCode::BAD_REQUEST,
            "ไม่ได้เลือกไฟล์",
            "โปรดเลือกไฟล์ PDF ของเอกสารที่ต้องการเทียบ",
        );
    };
    let record = match state.store.public_record(&code).await {
        Ok(Some(record)) => record,
        Ok(None) => return unknown_code(),
        Err(error) => return failure(error),
    };
    let matches = match state.store.matches_issued_pdf(&code, &pdf).await {
        Ok(matches) => matches.unwrap_or(false),
        Err(error) => return failure(error),
    };
    page(
        StatusCode::OK,
        "ตรวจสอบเอกสาร",
        None,
        record_view(&record, Some((matches, sha256_hex(&pdf)))),
    )
}

fn too_large() -> Response {
    message_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "ส่งไฟล์ไม่สำเร็จ",
        "ไฟล์ใหญ่เกินไปหรือส่งมาไม่ครบ ไฟล์ต้องไม่เกิน ๒๐ MB",
    )
}

fn unknown_code() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "ไม่พบเอกสาร",
        "ไม่มีเอกสารที่ออกเลขแล้วซึ่งมีรหัสตรวจสอบนี้ โปรดตรวจรหัสอีกครั้ง",
    )
}

fn record_view(record: &PublicRecord, compared: Option<(bool, String)>) -> Markup {
    let digits = DigitStyle::Thai;
    html! {
        h1 { "ตรวจสอบเอกสาร" }
        p { "รหัสตรวจสอบ " strong #code { (record.code) } " · " (record.organisation) }
        @if record.secret {
            p.notice role="status" #verdict {
                "เอกสารนี้มีอยู่ในระบบและเป็นเอกสารชั้นความลับ จึงไม่แสดงรายละเอียด"
            }
        } @else {
            @if record.records_verify {
                p.notice role="status" #verdict { "บันทึกการอนุมัติของเอกสารนี้ตรวจสอบได้ถูกต้องครบถ้วน" }
            } @else {
                div.alert role="alert" #verdict {
                    p { "บันทึกของเอกสารนี้ตรวจสอบไม่ผ่าน:" }
                    ul { @for problem in &record.problems { li { (problem) } } }
                }
            }
            @if record.cancelled {
                p.alert role="alert" { "เอกสารนี้ถูกยกเลิกแล้ว" }
            }
            dl.facts {
                dt { "ประเภท" } dd { (words::kind_name(record.kind.as_deref().unwrap_or_default())) }
                dt { "เลขที่" } dd #number { (record.printed_number.clone().unwrap_or_default()) }
                dt { "เรื่อง" } dd #subject { (record.subject.clone().unwrap_or_default()) }
                @if let Some(at) = &record.issued_at {
                    dt { "วันที่ออกเลข" } dd { (words::date(at, digits)) }
                }
                @if let Some(signer) = &record.signer {
                    dt { "ผู้ลงนาม" }
                    dd #signer {
                        (signer.name)
                        @if let Some(position) = &signer.position { " " (position) }
                        @if let Some(capacity) = &signer.capacity { " (" (capacity) ")" }
                    }
                }
                @if let Some(hash) = &record.pdf_sha256 {
                    dt { "ค่าแฮช SHA-256 ของ PDF" } dd { code.hash { (hash) } }
                }
            }
            h2 { "ขั้นตอนการอนุมัติ" }
            ol.route {
                @for step in &record.steps {
                    li {
                        (words::event_name(&step.kind)) " — " (step.name)
                        @if let Some(position) = &step.position { " " (position) }
                        @if let Some(capacity) = &step.capacity { " (" (capacity) ")" }
                        " · " (words::time(&step.at, digits))
                    }
                }
            }
            @if let Some((matches, hash)) = &compared {
                @if *matches {
                    p.notice role="status" #comparison { "ไฟล์ที่ส่งมาตรงกับเอกสารที่ออกจริงทุกไบต์" }
                } @else {
                    p.alert role="alert" #comparison {
                        "ไฟล์ที่ส่งมาไม่ตรงกับเอกสารที่ออกจริง (SHA-256 ของไฟล์นี้ " (hash) ")"
                    }
                }
            }
            h2 { "เทียบไฟล์ PDF ที่ท่านมี" }
            form method="post" enctype="multipart/form-data" action=(format!("/verify/{}", record.code)) {
                label for="pdf" { "ไฟล์ PDF" }
                input #pdf type="file" name="pdf" accept="application/pdf" required;
                button type="submit" { "เทียบกับเอกสารที่ออก" }
            }
            @if let Some(note) = &record.checkpoint {
                details {
                    summary { "บันทึกตรวจสอบที่ลงลายมือชื่อดิจิทัล (checkpoint)" }
                    pre { (note) }
                }
            }
        }
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
    let digits = DigitStyle::Thai;
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
