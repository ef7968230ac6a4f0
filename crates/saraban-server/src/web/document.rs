//! A document's page: the pages as they stand, the route with who did what
//! and when, and the actions the signed-in person may take now, each behind
//! a confirmation. Also its PDF and its approval records (history).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::DigitStyle;
use saraban_core::diff::{self, Change, Piece};
use saraban_core::incoming::StampPlace;
use saraban_core::org::OrgConfig;
use saraban_core::segment::Segmenter;
use saraban_core::workflow::{RouteAction, Standing};
use saraban_store::{AllowedAction, DocumentSummary, HistoryEntry, StoreError};
use serde::Deserialize;
use serde_json::Value;

use super::common::{
    Fields, WebUser, config_of, failure, inline_pdf, message_page, page, page_images,
    readable_document, redirect, route_list,
};
use super::words;
use crate::state::{AppState, act_now, document_id, named_pdf};

#[derive(Debug, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    received: Option<String>,
    #[serde(default)]
    placed: Option<String>,
    #[serde(default)]
    unit: Option<String>,
}

/// Everything the document page shows.
struct Loaded {
    config: OrgConfig,
    summary: DocumentSummary,
    allowed: Vec<AllowedAction>,
    history: Vec<HistoryEntry>,
}

async fn load(state: &AppState, user: &WebUser, id: &str) -> Result<Loaded, Response> {
    let id = readable_document(user, id)?;
    let org = &user.account.org;
    let config = config_of(state, user).await?;
    let summary = state.store.show(org, &id).await.map_err(failure)?;
    let allowed = state
        .store
        .allowed_actions(org, &user.account.person, &id, Utc::now())
        .await
        .map_err(failure)?;
    let history = state.store.history(org, &id).await.map_err(failure)?;
    Ok(Loaded {
        config,
        summary,
        allowed,
        history,
    })
}

/// "ปลัด … ปฏิบัติราชการแทน นายก …": the wording printed when acting for another.
fn acting_wording(config: &OrgConfig, user: &WebUser, allowed: &AllowedAction) -> Option<String> {
    let authority = allowed.acting_for.as_ref()?;
    let Standing::Delegate(capacity) = authority.standing else {
        return None;
    };
    Some(format!(
        "{} {}{}",
        user.own_title(config),
        capacity.wording(),
        words::position_title(config, authority.position.as_str())
    ))
}

/// Only the drafter edits, and only a draft or a returned document.
pub(super) fn may_edit(user: &WebUser, summary: &DocumentSummary) -> bool {
    summary.drafter == user.account.person && matches!(summary.state.as_str(), "draft" | "returned")
}

async fn document_page(
    state: &AppState,
    user: &WebUser,
    id: &str,
    status: StatusCode,
    alert: Option<String>,
    notice: Option<String>,
) -> Response {
    match load(state, user, id).await {
        Ok(loaded) => loaded_page(state, user, id, loaded, status, alert, notice).await,
        Err(response) => response,
    }
}

/// The document page from what was already loaded for this request.
async fn loaded_page(
    state: &AppState,
    user: &WebUser,
    id: &str,
    loaded: Loaded,
    status: StatusCode,
    alert: Option<String>,
    notice: Option<String>,
) -> Response {
    // A received letter is no document to typeset: its own page.
    if loaded.summary.kind == saraban_core::incoming::KIND {
        let Loaded {
            config,
            summary,
            allowed,
            history,
        } = loaded;
        return super::incoming::letter_page(
            state,
            super::incoming::LetterPage {
                config,
                summary,
                allowed,
                history,
                alert,
                notice,
                status,
                user,
            },
        )
        .await;
    }
    let (pages, enclosure_pages) = match state
        .press
        .page_images(&state.store, &user.account.org, &loaded.summary.id)
        .await
    {
        Ok(images) => {
            // The document and its files' links show without them.
            let enclosures = images.enclosures.unwrap_or_else(|error| {
                tracing::warn!(%error, "enclosure pages not drawn");
                Vec::new()
            });
            (Ok(images.pages), enclosures)
        }
        Err(error) => (Err(error), Vec::new()),
    };
    let Loaded {
        config,
        summary,
        allowed,
        history,
    } = loaded;
    let digits = config.organisation.digits;
    let changes = changes_since_seen(state, user, &summary, &history).await;
    let secret = secret_class(state, user, &summary).await;
    let enclosures =
        super::enclosures::panel(state, user, &summary, may_edit(user, &summary)).await;
    let retention = super::records::retention_panel(state, user, id).await;
    let content = html! {
        p.crumbs { a href="/inbox" { "← งานรอดำเนินการ" } }
        h1 #doc-title { (if summary.subject.is_empty() { "(ไม่มีเรื่อง)" } else { summary.subject.as_str() }) }
        p.meta {
            span.kind { (words::kind_name(&summary.kind)) }
            span.state #doc-state { (summary.state_thai) }
            @if let Some(number) = &summary.printed_number { span #doc-number { (number) } }
            @if summary.cancelled { span.cancelled { "ยกเลิก" } }
        }
        @if let Some(alert) = &alert {
            p.alert role="alert" #action-refused { (alert) }
        }
        @if let Some(notice) = &notice {
            p.notice role="status" #action-done { (notice) }
        }
        // The actions, the document, then the route: on a phone (one column)
        // in that order, so that the buttons and the pages come before a
        // long history; on a desktop the route sits under the actions.
        div.document-layout {
            section.actions.panel aria-labelledby="actions-title" {
                h2 #actions-title { "สิ่งที่ท่านทำได้" }
                @if !summary.waiting_for.is_empty() {
                    p { "ขณะนี้รอ: " strong #waiting-for { (words::waiting_for(&config, &summary.waiting_for)) } }
                }
                @if allowed.is_empty() && !may_edit(user, &summary) {
                    p.hint #no-actions { "ขณะนี้ไม่มีรายการที่ท่านต้องดำเนินการกับเอกสารนี้" }
                }
                div.action-buttons {
                    @if may_edit(user, &summary) {
                        a.button #action-edit href=(format!("/doc/{id}/edit")) { "แก้ไขร่าง" }
                    }
                    @for choice in &allowed {
                        @let slug = choice.action.name();
                        a.button.primary[matches!(choice.action, RouteAction::Endorse | RouteAction::Sign | RouteAction::Issue | RouteAction::Submit)]
                            .danger[matches!(choice.action, RouteAction::Withdraw | RouteAction::Cancel)]
                            #(format!("action-{slug}"))
                            href=(format!("/doc/{id}/act/{slug}")) { (words::action_name(choice.action)) }
                    }
                }
                @if let Some(at) = &summary.published_at {
                    p.notice #published-note {
                        "เผยแพร่ต่อสาธารณะแล้ว เมื่อ " (words::date(at, digits)) " "
                        a href=(format!("/p/{}", user.account.org)) { "ดูหน้าเผยแพร่ของหน่วยงาน" }
                    }
                }
                @if let Some(level) = secret {
                    p.hint #not-publishable {
                        "หนังสือนี้มีชั้นความลับ “" (level) "” จึงเผยแพร่ต่อสาธารณะไม่ได้"
                    }
                }
                @for choice in &allowed {
                    @if let Some(wording) = acting_wording(&config, user, choice) {
                        p.hint { (words::action_name(choice.action)) " ในฐานะ: " strong { (wording) } }
                    }
                }
                @if let Some((seen, changes)) = &changes {
                    (changes_panel(*seen, summary.version, changes, digits))
                }
                p.links {
                    a href=(format!("/doc/{id}/pdf")) { "ดาวน์โหลด PDF" }
                    " · "
                    a href=(format!("/doc/{id}/history")) { "บันทึกการอนุมัติ (ประวัติ)" }
                }
                (enclosures)
                (retention)
            }
            section.preview #document aria-label="เอกสาร" tabindex="0" {
                @match &pages {
                    Ok(pages) => {
                        (page_images(pages, "เอกสาร", digits))
                        (super::common::enclosure_page_images(&enclosure_pages, digits))
                    },
                    Err(StoreError::Destroyed { list, .. }) => p.notice.destroyed #destroyed {
                        "ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ " (words::list_number(list, digits))
                        " เนื้อหา ฉบับร่าง และไฟล์ของหนังสือนี้ถูกลบตามระเบียบ เหลือทะเบียนและบันทึกการอนุมัติ"
                    },
                    Err(error) => p.alert { "แสดงตัวอย่างไม่ได้: " (words::store_error(error).1) },
                }
            }
            section.route.panel #route aria-labelledby="route-title" {
                h2 #route-title { "เส้นทางเสนอ" }
                (route_steps(&config, &summary))
                h3 #history-title { "ความเคลื่อนไหว" }
                (super::common::timeline(&config, &history, digits))
            }
        }
    };
    page(status, &summary.subject, Some(user), content)
}

/// The secrecy class of an issued document of a kind that is published,
/// said on its page in place of a publish button that would be refused.
async fn secret_class(
    state: &AppState,
    user: &WebUser,
    summary: &DocumentSummary,
) -> Option<&'static str> {
    if summary.state != "issued"
        || !saraban_core::workflow::Publicity::KINDS.contains(&summary.kind.as_str())
    {
        return None;
    }
    let content = state
        .store
        .content(&user.account.org, &summary.id)
        .await
        .ok()?;
    let level: saraban_core::document::Secrecy =
        serde_json::from_value(content.get("secrecy")?.clone()).ok()?;
    Some(level.wording())
}

/// What changed since the version the viewer last acted on (endorsed,
/// returned, signed), when the document has moved past it; none for
/// someone who has not acted, or when the text is the same.
async fn changes_since_seen(
    state: &AppState,
    user: &WebUser,
    summary: &DocumentSummary,
    history: &[HistoryEntry],
) -> Option<(i64, Vec<Change>)> {
    let seen = history.iter().rev().find_map(|entry| {
        let event = &entry.event;
        let acted = event["actor"].as_str() == Some(user.account.person.as_str())
            && !matches!(event["kind"].as_str(), Some("created" | "edited"));
        acted.then(|| event["doc_version"].as_i64()).flatten()
    })?;
    if seen >= summary.version {
        return None;
    }
    let read =
        state
            .store
            .version_contents(&user.account.org, &summary.id, (seen, summary.version));
    let (old, new) = match read.await {
        Ok(both) => both,
        Err(error) => {
            tracing::warn!(%error, "the versions to compare could not be read");
            return None;
        }
    };
    let changes = diff::compare(&old, &new, &Segmenter::bundled());
    Some((seen, changes))
}

/// The changes as a reviewer reads them: each field under its Thai name,
/// words taken out struck through, words put in underlined.
fn changes_panel(seen: i64, now: i64, changes: &[Change], digits: DigitStyle) -> Markup {
    let version = |v: i64| digits.number(v.unsigned_abs());
    html! {
        details.changes #changes open {
            summary {
                "สิ่งที่แก้ไขตั้งแต่ฉบับที่ท่านพิจารณา (ฉบับที่ " (version(seen)) " → ฉบับที่ " (version(now)) ")"
            }
            @if changes.is_empty() {
                p.hint { "ข้อความไม่เปลี่ยน" }
            }
            dl {
                @for change in changes {
                    dt { (change.label()) }
                    @match change {
                        Change::Added(field) => dd.added { "เพิ่ม: " ins { (field.text) } },
                        Change::Removed(field) => dd.removed { "ตัดออก: " del { (field.text) } },
                        Change::Changed { pieces, .. } => dd.changed {
                            @for piece in pieces {
                                @match piece {
                                    Piece::Kept(text) => (text),
                                    Piece::Added(text) => ins { (text) },
                                    Piece::Removed(text) => del { (text) },
                                }
                            }
                        },
                    }
                }
            }
        }
    }
}

/// The steps of the route, the one waited on marked.
fn route_steps(config: &OrgConfig, summary: &DocumentSummary) -> Markup {
    let Some(route) = config.route(&summary.kind) else {
        return html! {};
    };
    let state = summary.state.as_str();
    let drafter = (
        format!("ผู้จัดทำร่าง: {}", words::person_name(config, &summary.drafter)),
        matches!(state, "draft" | "returned"),
    );
    let issue = (
        format!(
            "ออกเลข: {}",
            words::position_title(config, route.issue.as_str())
        ),
        state == "signed",
    );
    route_list(config, summary, drafter, "ลงนาม", vec![issue])
}

pub(crate) async fn page_route(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Response {
    let notice = if notice.saved.is_some() {
        Some("บันทึกร่างแล้ว เมื่อพร้อมให้กด “ส่งเสนอ”".to_owned())
    } else if notice.received.is_some() {
        Some(words::RECEIVED_NOTICE.to_owned())
    } else if notice.placed.is_some() {
        Some(words::STAMP_PLACED_NOTICE.to_owned())
    } else if notice.unit.is_some() {
        Some(words::UNIT_RECEIVED_NOTICE.to_owned())
    } else {
        notice
            .done
            .as_deref()
            .and_then(route_action)
            .map(|action| format!("{}แล้ว", words::action_name(action)))
    };
    document_page(&state, &user, &id, StatusCode::OK, None, notice).await
}

/// The document's page with a refusal at its top.
pub(super) async fn refused_page(
    state: &AppState,
    user: &WebUser,
    id: &str,
    status: StatusCode,
    message: String,
) -> Response {
    document_page(state, user, id, status, Some(message), None).await
}

#[allow(clippy::too_many_arguments)]
fn confirm_form(
    config: &OrgConfig,
    user: &WebUser,
    summary: &DocumentSummary,
    choice: &AllowedAction,
    text: &str,
    error: Option<&str>,
    date_notice: Option<Markup>,
    ink_open: bool,
) -> Markup {
    let action = choice.action;
    let slug = action.name();
    let incoming = summary.kind == saraban_core::incoming::KIND;
    // The registrar sends a letter up with a note, ready-made.
    let prefilled;
    let text = if incoming && action == RouteAction::Submit && text.is_empty() && error.is_none() {
        prefilled = words::submit_note(config);
        prefilled.as_str()
    } else {
        text
    };
    // The organisation's ready-made texts for this kind and step (words.rs).
    let quick = words::quick_texts(config, &summary.kind, action, summary.step);
    let takes_text = matches!(
        action,
        RouteAction::Endorse
            | RouteAction::Return
            | RouteAction::Sign
            | RouteAction::Cancel
            | RouteAction::Withdraw
            | RouteAction::Close
            | RouteAction::Circulate
    ) || (incoming && action == RouteAction::Submit);
    let text_required = matches!(
        action,
        RouteAction::Return | RouteAction::Cancel | RouteAction::Close
    );
    let assigning = incoming && action == RouteAction::Sign;
    let circulating = action == RouteAction::Circulate;
    html! {
        p.crumbs { a href=(format!("/doc/{}", summary.id)) { "← กลับไปที่เอกสาร" } }
        h1 { "ยืนยัน: " (words::action_name(action)) }
        p { "เรื่อง " strong { (summary.subject) } }
        p { (words::action_explained(action)) }
        @if let Some(notice) = date_notice { (notice) }
        @if matches!(action, RouteAction::Endorse | RouteAction::Sign) && !incoming {
            @if ink_open {
                figure.signature-current #signature-to-print {
                    img src="/signature/image.png" alt="ลายมือชื่อของท่าน";
                    figcaption { "ลายมือชื่อนี้จะพิมพ์เหนือชื่อของท่าน" }
                }
            } @else {
                p.hint #signature-to-print {
                    "เอกสารจะพิมพ์ชื่อของท่านโดยไม่มีภาพลายมือชื่อ "
                    a href="/signature" { "บันทึกลายมือชื่อ" }
                }
            }
        }
        @if let Some(wording) = acting_wording(config, user, choice) {
            div.notice #acting-wording {
                p { "ท่านดำเนินการแทนผู้อื่น ข้อความที่จะพิมพ์ในเอกสารใต้ชื่อของท่าน:" }
                p { strong { (wording) } }
            }
        }
        form #act-form method="post" action=(format!("/doc/{}/act/{slug}", summary.id)) data-busy {
            (user.csrf_field())
            @if !quick.is_empty() {
                fieldset {
                    legend { "ความเห็นสำเร็จรูป" }
                    div.choices {
                        @for option in &quick {
                            label.choice {
                                input type="radio" name="quick" value=(option);
                                " " (option)
                            }
                        }
                    }
                }
            }
            @if takes_text {
                div.field {
                    label for="text" {
                        @match action {
                            RouteAction::Return => "เหตุผลที่ส่งคืน (จำเป็น)",
                            RouteAction::Cancel => "เหตุผลที่ยกเลิก (จำเป็น)",
                            RouteAction::Withdraw => "เหตุผลที่ถอนเรื่อง (ไม่บังคับ)",
                            RouteAction::Close => "การปฏิบัติ: สิ่งที่ได้ดำเนินการแล้ว (จำเป็น)",
                            RouteAction::Submit => "ข้อความเกษียณ",
                            RouteAction::Circulate => "ข้อความแจ้งเวียน (ไม่บังคับ)",
                            RouteAction::Sign if incoming => "คำสั่งการ (หรือเลือกข้อความสำเร็จรูปด้านบน)",
                            _ => "หรือเขียนความเห็นเอง (ถ้าเขียน จะใช้ข้อความนี้แทนความเห็นสำเร็จรูป)",
                        }
                    }
                    textarea #text name="text" rows="4" required[text_required]
                        aria-invalid=[error.map(|_| "true")] aria-describedby="text-error" { (text) }
                    @if let Some(error) = error {
                        p.field-error #text-error role="alert" { (error) }
                    }
                }
            }
            @if assigning {
                (super::incoming::assignment_fields(config, None))
            }
            @if circulating {
                (super::incoming::circulation_fields(config))
            }
            div.buttons {
                button.primary type="submit" #confirm { "ยืนยัน" (words::action_name(action)) }
                a.button href=(format!("/doc/{}", summary.id)) { "ยกเลิก" }
            }
        }
    }
}

/// Whether the person's signature image is open to print.
fn ink_open(state: &AppState, user: &WebUser) -> bool {
    state
        .store
        .ink(user.account.org.as_str(), user.account.person.as_str())
        .is_some()
}

pub(crate) async fn confirm_page(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, slug)): Path<(String, String)>,
) -> Response {
    let Some(action) = route_action(&slug) else {
        return message_page(StatusCode::NOT_FOUND, "ไม่พบหน้านี้", "ไม่มีรายการนี้");
    };
    let loaded = match load(&state, &user, &id).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let Some(choice) = loaded.allowed.iter().find(|a| a.action == action) else {
        return loaded_page(
            &state,
            &user,
            &id,
            loaded,
            StatusCode::CONFLICT,
            Some(format!(
                "ขณะนี้ท่านทำรายการ “{}” กับเอกสารนี้ไม่ได้ (อาจมีผู้อื่นดำเนินการไปแล้ว หรือยังไม่ถึงลำดับของท่าน)",
                words::action_name(action)
            )),
            None,
        )
        .await;
    };
    // Signing an order: which date it will bear (form.rs).
    let date_notice = if action == RouteAction::Sign {
        state
            .store
            .content(&user.account.org, &loaded.summary.id)
            .await
            .ok()
            .and_then(|content| order_date_notice(&content, loaded.config.organisation.digits))
    } else {
        None
    };
    page(
        StatusCode::OK,
        words::action_name(action),
        Some(&user),
        confirm_form(
            &loaded.config,
            &user,
            &loaded.summary,
            choice,
            "",
            None,
            date_notice,
            ink_open(&state, &user),
        ),
    )
}

pub(crate) async fn act(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, slug)): Path<(String, String)>,
    fields: Fields,
) -> Response {
    if let Err(response) = user
        .check_form(&fields)
        .and_then(|_| user.may_read_documents())
    {
        return response;
    }
    let Some(action) = route_action(&slug) else {
        return message_page(StatusCode::NOT_FOUND, "ไม่พบหน้านี้", "ไม่มีรายการนี้");
    };
    let written = fields.text("text");
    let text = if !written.trim().is_empty() {
        Some(written.clone())
    } else {
        // A ready-made text is offered text like any typed one.
        fields
            .get("quick")
            .filter(|q| !q.trim().is_empty())
            .map(str::to_owned)
    };
    // A signer's order on a received letter may assign it.
    let assignment = super::incoming::posted_assignment(&fields);
    let outcome = match (document_id(&id), assignment) {
        (Ok(document), Ok(None)) if action == RouteAction::Circulate => {
            match super::incoming::posted_positions(&fields) {
                Ok(positions) => {
                    state
                        .store
                        .circulate(
                            &user.account.org,
                            &user.account.person,
                            &document,
                            positions,
                            text.as_deref(),
                            Utc::now(),
                        )
                        .await
                }
                Err(error) => Err(error),
            }
        }
        (Ok(document), Ok(Some(assignment))) => {
            let outcome = state
                .store
                .act_assigning(
                    &user.account.org,
                    &user.account.person,
                    &document,
                    action,
                    text.as_deref(),
                    Some(assignment),
                    Utc::now(),
                )
                .await;
            tracing::info!(document = %document, user = %user.account.person, action = ?action, ok = outcome.is_ok(), "action with assignment (web)");
            outcome
        }
        (Ok(document), Ok(None))
            if action == RouteAction::Sign && fields.get("keep_date") == Some("true") =>
        {
            state
                .store
                .sign_keeping_date(
                    &user.account.org,
                    &user.account.person,
                    &document,
                    text.as_deref(),
                    Utc::now(),
                )
                .await
        }
        (Ok(document), Ok(None)) => {
            act_now(
                &state,
                &user.account,
                &document,
                action,
                text.as_deref(),
                " (web)",
            )
            .await
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    match outcome {
        Ok(_) => redirect(&format!("/doc/{id}?done={slug}")),
        Err(
            error @ (StoreError::Refused(saraban_core::workflow::Refusal::TextRequired(_))
            | StoreError::Invalid { .. }),
        ) => {
            let loaded = match load(&state, &user, &id).await {
                Ok(loaded) => loaded,
                Err(response) => return response,
            };
            let (status, message) = words::store_error(&error);
            let fallback = AllowedAction {
                action,
                acting_for: None,
            };
            let choice = loaded
                .allowed
                .iter()
                .find(|a| a.action == action)
                .unwrap_or(&fallback);
            page(
                status,
                words::action_name(action),
                Some(&user),
                confirm_form(
                    &loaded.config,
                    &user,
                    &loaded.summary,
                    choice,
                    &written,
                    Some(&message),
                    None,
                    ink_open(&state, &user),
                ),
            )
        }
        Err(error @ StoreError::Refused(_)) => {
            let (status, message) = words::store_error(&error);
            document_page(&state, &user, &id, status, Some(message), None).await
        }
        Err(error) => failure(error),
    }
}

pub(crate) async fn pdf(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let id = match readable_document(&user, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match named_pdf(&state, &user.account.org, &id, None).await {
        Ok((name, bytes)) => inline_pdf(&name, bytes),
        Err(error) => failure(error),
    }
}

pub(crate) async fn history(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let loaded = match load(&state, &user, &id).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let config = &loaded.config;
    let digits = config.organisation.digits;
    let content = html! {
        p.crumbs { a href=(format!("/doc/{id}")) { "← กลับไปที่เอกสาร" } }
        h1 { "บันทึกการอนุมัติ" }
        p { "เรื่อง " strong { (loaded.summary.subject) } }
        p.hint {
            "ทุกการกระทำกับเอกสารถูกบันทึกต่อกันเป็นสายโซ่: แต่ละรายการมีลายนิ้วมือ (SHA-256) ของตนเอง "
            "และอ้างถึงลายนิ้วมือของรายการก่อนหน้า หากมีผู้แก้ไขรายการใดย้อนหลัง ลายนิ้วมือจะไม่ต่อกันและตรวจพบได้"
        }
        ol.records #records {
            @for entry in &loaded.history {
                @let event = &entry.event;
                @let get = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
                li.record {
                    h2 {
                        "รายการที่ " (digits.number(entry.seq)) ": " (words::event_name(&get("kind")))
                    }
                    dl {
                        dt { "ผู้ดำเนินการ" } dd { (words::person_name(config, &get("actor"))) }
                        @if let Some(position) = event.get("position").and_then(Value::as_str) {
                            dt { "ในตำแหน่ง" }
                            dd {
                                @if let Some(capacity) = event.get("capacity").and_then(Value::as_str).and_then(words::capacity_from_name) {
                                    (capacity.wording()) " "
                                }
                                (words::position_title(config, position))
                            }
                        }
                        dt { "เวลา" } dd { (words::time(&get("at"), digits)) }
                        @if let Some(text) = event.get("text").and_then(Value::as_str) {
                            dt { "ข้อความ" } dd { (text) }
                        }
                        @if let Some(number) = event.get("number").and_then(Value::as_u64) {
                            dt { "เลขทะเบียน" } dd { (digits.number(number)) }
                        }
                        dt { "ฉบับของเนื้อหา" } dd { (digits.number(event.get("doc_version").and_then(Value::as_u64).unwrap_or_default())) }
                        dt { "ลายนิ้วมือเนื้อหา" } dd { code.hash { (get("content_hash")) } }
                        @if let Some(pdf) = event.get("pdf_hash").and_then(Value::as_str) {
                            dt { "ลายนิ้วมือไฟล์ PDF" } dd { code.hash { (pdf) } }
                        }
                        dt { "ลายนิ้วมือรายการนี้" } dd { code.hash { (entry.hash) } }
                        dt { "อ้างถึงรายการก่อนหน้า" } dd { code.hash { (entry.prev_hash) } }
                    }
                }
            }
        }
    };
    page(StatusCode::OK, "บันทึกการอนุมัติ", Some(&user), content)
}

/// A route action named in a URL (editing has its own page).
fn route_action(name: &str) -> Option<RouteAction> {
    RouteAction::from_name(name)
}

/// For the signer of an order, before signing: the date the order will
/// bear, and whether it replaces the date set in the draft.
fn order_date_notice(content: &Value, digits: DigitStyle) -> Option<Markup> {
    if content.get("kind").and_then(Value::as_str) != Some("order") {
        return None;
    }
    let set = content
        .get("date")
        .and_then(Value::as_str)
        .and_then(|d| saraban_core::thai::parse_iso_date(d).ok())?;
    let kept = content.get("keep_date").and_then(Value::as_bool) == Some(true);
    let today = saraban_core::ThaiDate::new(saraban_core::clock::thai_date(Utc::now())).ok()?;
    Some(html! {
        div.notice #order-date-notice {
            @if kept || set == today {
                p { "คำสั่งนี้จะลงวันที่ “สั่ง ณ วันที่” " strong { (set.full_with_era(digits)) } " ตามที่กำหนดไว้ในร่าง" }
            } @else {
                p {
                    "เมื่อท่านลงนาม “สั่ง ณ วันที่” จะเป็นวันที่ลงนาม " strong { (today.full_with_era(digits)) }
                    " แทนวันที่ในร่าง " strong { (set.full_with_era(digits)) }
                }
                // Outside the form above it, so tied to it by `form`.
                label.choice {
                    input #keep-typed-date type="checkbox" name="keep_date" value="true" form="act-form";
                    " คงวันที่ในร่าง " strong { (set.full_with_era(digits)) } " เป็น “สั่ง ณ วันที่”"
                }
            }
        }
    })
}

/// `POST /doc/{id}/stamp`: the stamp's place, as a new version.
/// ลงรับในทะเบียนของหน่วย: the unit's clerk records a received letter in
/// the unit register the form names (the store decides who may).
pub(crate) async fn unit_receipt(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    if let Err(response) = user.check_form(&fields) {
        return response;
    }
    let document = match readable_document(&user, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let register = fields.text("register");
    let outcome = match saraban_core::org::Slug::parse(register.trim()) {
        Ok(register) => {
            state
                .store
                .record_in_unit_register(
                    &user.account.org,
                    &user.account.person,
                    &document,
                    &register,
                    Utc::now(),
                )
                .await
        }
        Err(_) => Err(StoreError::invalid(
            "register",
            words::UNIT_REGISTER_UNKNOWN,
        )),
    };
    match outcome {
        Ok(_) => redirect(&format!("/doc/{id}?unit=1")),
        Err(
            error @ (StoreError::Refused(_)
            | StoreError::Invalid { .. }
            | StoreError::Conflict(_)
            | StoreError::Destroyed { .. }),
        ) => {
            let (status, message) = words::store_error(&error);
            refused_page(&state, &user, &id, status, message).await
        }
        Err(error) => failure(error),
    }
}

pub(crate) async fn place_stamp(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    if let Err(response) = user.check_form(&fields) {
        return response;
    }
    let document = match readable_document(&user, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let number = |name: &str| {
        let text = super::dates::arabic_digits(&fields.text(name));
        if text.is_empty() {
            Ok(None)
        } else {
            text.parse::<f64>().map(Some).map_err(|_| ())
        }
    };
    let place = match (number("x_mm"), number("y_mm")) {
        (Ok(None), Ok(None)) => Ok(None),
        (Ok(Some(x)), Ok(Some(y)))
            if x.is_finite()
                && y.is_finite()
                && (0.0..=1000.0).contains(&x)
                && (0.0..=1000.0).contains(&y) =>
        {
            Ok(Some(StampPlace { x_mm: x, y_mm: y }))
        }
        _ => Err(StoreError::invalid("stamp", words::STAMP_PLACE_INVALID)),
    };
    let outcome = match place {
        Ok(place) => {
            state
                .store
                .place_stamp(
                    &user.account.org,
                    &user.account.person,
                    &document,
                    place,
                    Utc::now(),
                )
                .await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => redirect(&format!("/doc/{id}?placed=1")),
        Err(
            error @ (StoreError::Refused(_) | StoreError::Invalid { .. } | StoreError::Input(_)),
        ) => {
            let (status, message) = words::store_error(&error);
            refused_page(&state, &user, &id, status, message).await
        }
        Err(error) => failure(error),
    }
}
