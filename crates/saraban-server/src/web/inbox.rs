//! งานรอดำเนินการ: what waits for me (documents returned to me for revision
//! first, with who returned them, when and why; then most urgent, then
//! oldest), my drafts, and what I sent and where it is now.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use saraban_core::org::OrgConfig;
use saraban_core::{DocumentId, PositionId};
use saraban_store::{DocumentSummary, IncomingOrder, ReturnNote};

use super::common::{WebUser, config_of, failure, page};
use super::words;
use crate::state::AppState;

fn urgency_rank(urgency: Option<&String>) -> u8 {
    match urgency.map(String::as_str) {
        Some("ด่วนที่สุด") => 0,
        Some("ด่วนมาก") => 1,
        Some("ด่วน") => 2,
        _ => 3,
    }
}

async fn content(state: &AppState, user: &WebUser) -> Result<Markup, Response> {
    let config = config_of(state, user).await?;
    let mut positions: Vec<PositionId> = user
        .account
        .positions
        .iter()
        .map(|p| p.position.clone())
        .collect();
    // A received letter assigned to a person by name waits under their id.
    if let Ok(me) = PositionId::parse(user.account.person.as_str()) {
        positions.push(me);
    }
    let mut inbox = state
        .store
        .inbox(&user.account.org, &user.account.person, &positions, 200)
        .await
        .map_err(failure)?;
    let ids: Vec<DocumentId> = inbox
        .waiting
        .iter()
        .chain(&inbox.drafts)
        .chain(&inbox.sent)
        .map(|d| d.id.clone())
        .collect();
    let urgencies = state
        .store
        .urgencies(&user.account.org, &ids)
        .await
        .map_err(failure)?;
    // Most urgent first; among equals the oldest (the store's order).
    inbox
        .waiting
        .sort_by_key(|d| urgency_rank(urgencies.get(&d.id)));
    // A document returned to its drafter is work waiting for them, and
    // goes first: the route stands still until they act.
    let (returned, drafts): (Vec<_>, Vec<_>) = std::mem::take(&mut inbox.drafts)
        .into_iter()
        .partition(|d| d.state == "returned");
    inbox.drafts = drafts;
    inbox.waiting.splice(0..0, returned);
    let returned_ids: Vec<DocumentId> = inbox
        .waiting
        .iter()
        .filter(|d| d.state == "returned")
        .map(|d| d.id.clone())
        .collect();
    let returns = state
        .store
        .returns(&user.account.org, &returned_ids)
        .await
        .map_err(failure)?;
    let incoming_ids: Vec<DocumentId> = inbox
        .waiting
        .iter()
        .filter(|d| d.kind == saraban_core::incoming::KIND)
        .map(|d| d.id.clone())
        .collect();
    let orders = state
        .store
        .incoming_orders(
            &user.account.org,
            &incoming_ids,
            saraban_core::clock::thai_date(chrono::Utc::now()),
        )
        .await
        .map_err(failure)?;
    // Past their deadline in working days (issue 18): marked in the list.
    let overdue = state
        .store
        .overdue_among(
            &user.account.org,
            saraban_core::clock::thai_date(chrono::Utc::now()),
        )
        .await
        .map_err(failure)?;
    let oversees = !overdue.is_empty()
        && crate::notify::oversees(&state.store, &user.account)
            .await
            .unwrap_or(false);
    let to_acknowledge = state
        .store
        .to_acknowledge(&user.account.org, &user.account.person, &positions)
        .await
        .map_err(failure)?;
    let held: Vec<String> = user
        .account
        .positions
        .iter()
        .map(|p| match words::capacity_from_name(&p.capacity) {
            Some(capacity) => format!(
                "{} {}",
                capacity.wording(),
                words::position_title(&config, &p.position)
            ),
            None => words::position_title(&config, &p.position),
        })
        .collect();
    let digits = config.organisation.digits;
    let count = |n: usize| digits.number(n as u64);
    Ok(html! {
        h1 { "งานรอดำเนินการ" }
        p.hint { (user.account.name) " · " (held.join(", ")) }
        ul.counts aria-label="จำนวนเอกสาร" {
            li { a href="#waiting" { "รอท่านดำเนินการ " strong #count-waiting { (count(inbox.waiting.len())) } } }
            li { a href="#drafts" { "ร่างของท่าน " strong #count-drafts { (count(inbox.drafts.len())) } } }
            li { a href="#sent" { "ที่ท่านส่งเสนอ " strong #count-sent { (count(inbox.sent.len())) } } }
        }
        @if oversees {
            p #overdue-link { a href="/overdue" { "หนังสือที่เกินกำหนด " (count(overdue.len())) " เรื่อง" } }
        }
        section #waiting aria-labelledby="waiting-title" {
            h2 #waiting-title { "รอท่านดำเนินการ" }
            @if user.receives {
                p { a.button.primary #receive-new href="/incoming/new" { "+ " (words::RECEIVE_TITLE) } }
            }
            (list(&config, &inbox.waiting, &urgencies, &returns, &orders, &overdue, "ไม่มีเรื่องรอท่านดำเนินการ", true))
        }
        @if !to_acknowledge.is_empty() {
            section #circulars aria-labelledby="circulars-title" {
                h2 #circulars-title { "หนังสือเวียนรอรับทราบ" }
                ul.documents {
                    @for letter in &to_acknowledge {
                        li {
                            a href=(format!("/doc/{}", letter.id)) { (letter.subject) }
                            @if let Some(number) = letter.number {
                                " " span.meta { "เลขรับ " (digits.number(number.unsigned_abs())) }
                            }
                        }
                    }
                }
            }
        }
        section #drafts aria-labelledby="drafts-title" {
            h2 #drafts-title { "ร่างของท่าน" }
            (super::form_kinds::kinds_offered(&config, false))
            (list(&config, &inbox.drafts, &urgencies, &returns, &HashMap::new(), &overdue, "ไม่มีร่างค้างอยู่", false))
        }
        section #sent aria-labelledby="sent-title" {
            h2 #sent-title { "เรื่องที่ท่านส่งเสนอ" }
            (list(&config, &inbox.sent, &urgencies, &returns, &HashMap::new(), &overdue, "ยังไม่มีเรื่องที่ส่งเสนอ", false))
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn list(
    config: &OrgConfig,
    documents: &[DocumentSummary],
    urgencies: &HashMap<DocumentId, String>,
    returns: &HashMap<DocumentId, ReturnNote>,
    orders: &HashMap<DocumentId, IncomingOrder>,
    overdue: &std::collections::HashSet<String>,
    empty: &str,
    show_age: bool,
) -> Markup {
    let digits = config.organisation.digits;
    html! {
        @if documents.is_empty() {
            p.empty { (empty) }
        } @else {
            ul.docs {
                @for doc in documents {
                    li.doc.returned[doc.state == "returned"].overdue-doc[orders.get(&doc.id).is_some_and(|o| o.overdue) || overdue.contains(doc.id.as_str())] {
                        a.doc-title href=(format!("/doc/{}", doc.id)) {
                            @if let Some(urgency) = urgencies.get(&doc.id) {
                                span.urgency { (urgency) } " "
                            }
                            (if doc.subject.is_empty() { "(ไม่มีเรื่อง)" } else { doc.subject.as_str() })
                        }
                        div.meta {
                            span.kind { (words::kind_name(&doc.kind)) }
                            span.state { (doc.state_thai) }
                            @if let Some(number) = &doc.printed_number { span { (number) } }
                            @if overdue.contains(doc.id.as_str()) { span.overdue-mark { "เกินกำหนด" } }
                            @if !doc.waiting_for.is_empty() {
                                span { "รอ: " (words::waiting_for(config, &doc.waiting_for)) }
                            }
                            @if show_age {
                                span { "รอมาแล้ว " (words::age(&doc.updated_at, digits)) }
                            } @else {
                                span { "ปรับปรุง " (words::time(&doc.updated_at, digits)) }
                            }
                        }
                        @if let Some(order) = orders.get(&doc.id) {
                            (super::incoming::inbox_line(config, order))
                        }
                        @if doc.state == "returned" {
                            @if let Some(note) = returns.get(&doc.id) {
                                (return_note(config, note))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Who returned the document, as what, when, and the reason they gave;
/// shared with the edit page.
pub(super) fn return_note(config: &OrgConfig, note: &ReturnNote) -> Markup {
    let digits = config.organisation.digits;
    html! {
        div.return-note {
            p.return-by {
                strong { "ส่งคืนแก้ไข" } " โดย " (words::person_name(config, &note.by))
                @if let Some(position) = &note.position {
                    " (" (words::position_title(config, position)) ")"
                }
                " เมื่อ " (words::time(&note.at, digits))
            }
            @if !note.reason.is_empty() {
                blockquote.return-reason { "เหตุผล: " (note.reason) }
            }
        }
    }
}

pub(crate) async fn page_route(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(refused) = user.may_read_documents() {
        return refused;
    }
    match content(&state, &user).await {
        Ok(content) => page(StatusCode::OK, "งานรอดำเนินการ", Some(&user), content),
        Err(response) => response,
    }
}
