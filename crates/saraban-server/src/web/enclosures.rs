//! Enclosure files on the pages: the list of a document's enclosures, each
//! a link that opens the file (PDFs and images in the browser), and the
//! small form that attaches a file to a draft (multipart, no script
//! needed). The store checks and stores; this only carries.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use saraban_store::{DocumentSummary, EnclosureInfo, StoreError, Upload};

use super::common::{Fields, WebUser, failure, message_page, readable_document, redirect};
use crate::state::AppState;

/// The document page's list of enclosures, and for its drafter, the
/// form that attaches one.
pub(crate) async fn panel(
    state: &AppState,
    user: &WebUser,
    summary: &DocumentSummary,
    editable: bool,
) -> Markup {
    if !matches!(summary.kind.as_str(), "memo" | "letter") {
        return html! {};
    }
    let list = state
        .store
        .enclosures(&user.account.org, &summary.id)
        .await
        .unwrap_or_default();
    html! {
        @if !list.is_empty() {
            section #enclosures aria-labelledby="enclosures-title" {
                h3 #enclosures-title { "สิ่งที่ส่งมาด้วย" }
                (listing(summary.id.as_str(), &list))
            }
        }
        @if editable {
            (attach_form(user, summary.id.as_str(), "doc", ""))
        }
    }
}

fn size_text(size: u64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", size.div_ceil(1024))
    }
}

fn type_name(mime: &str) -> &'static str {
    match mime {
        "application/pdf" => "PDF",
        "image/png" => "ภาพ PNG",
        "image/jpeg" => "ภาพ JPEG",
        _ => "ไฟล์สำนักงาน",
    }
}

/// Each enclosure in order, a link to its file where it has one.
pub(crate) fn listing(id: &str, list: &[EnclosureInfo]) -> Markup {
    html! {
        ol.enclosures {
            @for item in list {
                li {
                    @match &item.sha256 {
                        Some(hash) => {
                            a.enclosure href=(format!("/doc/{id}/enclosures/{hash}")) target="_blank" rel="noopener" {
                                (item.title)
                            }
                            " "
                            span.hint {
                                "(" (item.media_type.as_deref().map(type_name).unwrap_or("ไฟล์"))
                                @if let Some(size) = item.size { ", " (size_text(size)) }
                                ")"
                            }
                        }
                        None => { (item.title) " " span.hint { "(ไม่มีไฟล์แนบ)" } }
                    }
                }
            }
        }
    }
}

/// The form that attaches a file to a draft; `back` is the page to come
/// back to ("doc" or "edit"); `attached`, the edit form's files as JSON
/// (`[{title, sha256, …}]`), listed above it.
pub(crate) fn attach_form(user: &WebUser, id: &str, back: &str, attached: &str) -> Markup {
    let attached: Vec<serde_json::Value> = serde_json::from_str(attached).unwrap_or_default();
    html! {
        @if !attached.is_empty() {
            section #attached-files aria-labelledby="attached-title" {
                h3 #attached-title { "ไฟล์ที่แนบแล้ว (พิมพ์ก่อนรายการที่พิมพ์ไว้ในช่องสิ่งที่ส่งมาด้วย)" }
                ol.enclosures {
                    @for file in &attached {
                        @let hash = file["sha256"].as_str().unwrap_or_default();
                        li {
                            a.enclosure href=(format!("/doc/{id}/enclosures/{hash}")) target="_blank" rel="noopener" {
                                (file["title"].as_str().unwrap_or_default())
                            }
                        }
                    }
                }
            }
        }
        form.attach #attach-form method="post" action=(format!("/doc/{id}/enclosures")) enctype="multipart/form-data" data-busy {
            (user.csrf_field())
            input type="hidden" name="back" value=(back);
            fieldset {
                legend { "แนบไฟล์สิ่งที่ส่งมาด้วย" }
                div.field {
                    label for="enclosure-title" { "ชื่อสิ่งที่ส่งมาด้วย" }
                    input #enclosure-title name="title" required;
                }
                div.field {
                    label for="enclosure-file" { "ไฟล์" }
                    span.hint #enclosure-hint { "PDF, PNG, JPEG หรือไฟล์สำนักงาน ไม่เกิน 25 MB ต่อไฟล์ ไฟล์แนบจะอยู่ท้ายรายการสิ่งที่ส่งมาด้วย" }
                    input #enclosure-file type="file" name="file" required aria-describedby="enclosure-hint";
                }
                button #attach-submit type="submit" { "แนบไฟล์" }
            }
        }
    }
}

/// The most a text field of the attach form may hold.
const TEXT_FIELD_LIMIT: u64 = 64 * 1024;

/// `POST /doc/{id}/enclosures`: attaches the posted file to the draft.
pub(crate) async fn attach(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let id = match readable_document(&user, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let limit = state.store.enclosure_limits().file;
    let (mut csrf, mut title, mut back) = (String::new(), String::new(), String::new());
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    let unreadable = || {
        message_page(
            StatusCode::BAD_REQUEST,
            "แนบไฟล์ไม่สำเร็จ",
            "อ่านแบบฟอร์มที่ส่งมาไม่ได้ กรุณาลองอีกครั้ง ไม่มีการเปลี่ยนแปลงใด ๆ",
        )
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return unreadable(),
        };
        let name = field.name().unwrap_or_default().to_owned();
        // The file up to its limit; any other field is short text.
        let cap = if name == "file" {
            limit
        } else {
            TEXT_FIELD_LIMIT
        };
        let filename = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > cap {
                        if name != "file" {
                            return unreadable();
                        }
                        let shown = filename.clone().unwrap_or_else(|| title.clone());
                        return failure(StoreError::invalid(
                            "file",
                            saraban_core::enclosure::Refusal::OverLimit { limit }.message(&shown),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(_) => return unreadable(),
            }
        }
        if name == "file" {
            file = Some((filename, bytes));
        } else {
            let Ok(text) = String::from_utf8(bytes) else {
                return unreadable();
            };
            match name.as_str() {
                "csrf" => csrf = text,
                "title" => title = text,
                "back" => back = text,
                _ => {}
            }
        }
    }
    if let Err(response) = user.check_form(&Fields(vec![("csrf".into(), csrf)])) {
        return response;
    }
    let Some((filename, bytes)) = file else {
        return failure(StoreError::invalid("file", "กรุณาเลือกไฟล์ที่จะแนบ"));
    };
    let outcome = state
        .store
        .attach_enclosure(
            &user.account.org,
            &user.account.person,
            &id,
            Upload {
                title,
                filename: filename.filter(|n| !n.is_empty()),
                bytes,
            },
            Utc::now(),
        )
        .await;
    match outcome {
        Ok(_) => {
            tracing::info!(document = %id, user = %user.account.person, "enclosure attached (web)");
            if back == "edit" {
                redirect(&format!("/doc/{id}/edit"))
            } else {
                redirect(&format!("/doc/{id}"))
            }
        }
        Err(StoreError::Invalid { field, reason }) if field == "file" || field == "title" => {
            let text = if field == "title" {
                format!("ชื่อสิ่งที่ส่งมาด้วย: {reason}")
            } else {
                format!("{reason} ไม่มีการเปลี่ยนแปลงใด ๆ")
            };
            let back_to = format!("/doc/{id}");
            super::common::page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "แนบไฟล์ไม่สำเร็จ",
                Some(&user),
                html! {
                    h1 { "แนบไฟล์ไม่สำเร็จ" }
                    p.alert role="alert" #attach-refused { (text) }
                    p { a href=(back_to) { "กลับไปที่เอกสาร" } }
                },
            )
        }
        Err(error) => failure(error),
    }
}

/// `GET /doc/{id}/enclosures/{sha256}`: the file, for whoever may read
/// the document.
pub(crate) async fn download(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, sha256)): Path<(String, String)>,
) -> Response {
    let id = match readable_document(&user, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match state
        .store
        .enclosure_file(&user.account.org, &id, &sha256)
        .await
    {
        Ok(file) => crate::enclosures::file_response(file),
        Err(error) => failure(error),
    }
}
