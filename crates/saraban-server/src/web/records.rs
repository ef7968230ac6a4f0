//! The registrar's records page (`/records`): what is due for destruction,
//! what is held, the yearly destruction lists and each list in the
//! official columns of บัญชีหนังสือขอทำลาย with its route's buttons; and
//! the document page's retention panel (class, destruction date, holds).
//! Every button calls the same store operation as the API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::{DigitStyle, DocumentId, PersonId};
use saraban_store::{DestructionList, StoreError};
use serde::Deserialize;

use super::common::{Fields, WebUser, digits_of, failure, page, redirect};
use crate::api::Actor;
use crate::retention::{ListStepBody, list_step, records_overview};
use crate::state::{AppState, document_id};

fn state_thai(state: &str) -> &'static str {
    match state {
        "drafted" => "ร่าง รอเจ้าหน้าที่เสนอ",
        "proposed" => "เสนอแล้ว รอหัวหน้าส่วนราชการแต่งตั้งคณะกรรมการ",
        "in_review" => "คณะกรรมการทำลายหนังสือกำลังพิจารณา",
        "approved" => "หัวหน้าส่วนราชการอนุมัติแล้ว ทำลายแล้ว",
        _ => "ไม่ทราบ",
    }
}

fn class_thai(class: &str) -> &'static str {
    match class {
        "permanent" => "เก็บตลอดไป",
        "evidence" => "หลักฐานทางอรรถคดี/ตามกฎหมาย",
        "financial" => "หลักฐานทางการเงิน",
        "ordinary" => "ทั่วไป (๑๐ ปี)",
        "routine" => "เรื่องประจำ (๑ ปี)",
        _ => "ตามบัญชีกำหนดของหน่วยงาน",
    }
}

fn list_label(list: &DestructionList, digits: DigitStyle) -> String {
    format!(
        "บัญชีหนังสือขอทำลาย ฉบับที่ {} ประจำปี พ.ศ. {}",
        digits.number(list.number as u64),
        digits.number(list.year as u64)
    )
}

pub(crate) async fn page_route(State(state): State<AppState>, user: WebUser) -> Response {
    records_page(&state, &user, StatusCode::OK, None).await
}

async fn records_page(
    state: &AppState,
    user: &WebUser,
    status: StatusCode,
    alert: Option<String>,
) -> Response {
    let actor = Actor(user.account.clone());
    let overview = match records_overview(state, &actor).await {
        Ok(overview) => overview,
        Err(error) => return failure(error),
    };
    let digits = digits_of(state, user).await;
    let content = html! {
        h1 { "งานเก็บรักษาและทำลายหนังสือ" }
        @if let Some(alert) = &alert { p.alert role="alert" #records-refused { (alert) } }
        section.panel aria-labelledby="due-title" {
            h2 #due-title { "ครบกำหนดทำลาย" }
            p #records-due { "หนังสือที่ครบอายุการเก็บและยังไม่อยู่ในบัญชีใด: " strong { (digits.number(overview.due as u64)) } " เรื่อง" }
            p #records-held { "หนังสือที่ถูกอายัด (ห้ามทำลาย): " strong { (digits.number(overview.held as u64)) } " เรื่อง" }
            @match overview.review_year {
                Some(year) => {
                    form method="post" action="/records/draft" {
                        (user.csrf_field())
                        button.primary #draft-list type="submit" {
                            "จัดทำบัญชีหนังสือขอทำลาย ประจำปี พ.ศ. " (digits.number(year as u64))
                        }
                    }
                }
                None => p.hint { "บัญชีหนังสือขอทำลายจัดทำภายใน ๖๐ วันหลังจากวันสิ้นปีปฏิทิน (ข้อ ๖๖)" }
            }
        }
        section.panel aria-labelledby="lists-title" {
            h2 #lists-title { "บัญชีหนังสือขอทำลาย" }
            @if overview.lists.is_empty() { p.hint { "ยังไม่มีบัญชี" } }
            ul #destruction-lists {
                @for list in &overview.lists {
                    li {
                        a href=(format!("/records/lists/{}", list.id)) { (list_label(list, digits)) }
                        " — " (state_thai(&list.state))
                        " (" (digits.number(list.items as u64)) " เรื่อง, เก็บไว้ " (digits.number(list.kept as u64))
                        ", ทำลาย " (digits.number(list.destroyed as u64)) ")"
                    }
                }
            }
        }
        section.panel aria-labelledby="transfer-title" {
            h2 #transfer-title { "บัญชีส่งมอบหนังสือครบ ๒๕ ปี (หอจดหมายเหตุแห่งชาติ)" }
            @if overview.transfer.is_empty() { p.hint #transfer-none { "ยังไม่มีหนังสือเก็บตลอดไปที่ครบกำหนดส่งมอบ" } }
            @else {
                table #transfer {
                    thead { tr { th { "ที่" } th { "ปี" } th { "เรื่อง" } } }
                    tbody {
                        @for item in &overview.transfer {
                            tr {
                                td { @if let Some(number) = item.number { (digits.number(number as u64)) } }
                                td { (digits.number(item.year as u64)) }
                                td { a href=(format!("/doc/{}", item.document)) { (item.subject.as_deref().unwrap_or("(ไม่มีเรื่อง)")) } }
                            }
                        }
                    }
                }
            }
        }
        section.panel aria-labelledby="holds-title" {
            h2 #holds-title { "การอายัดหนังสือ (คดี การตรวจสอบ)" }
            table #holds {
                thead { tr { th { "เหตุ" } th { "หนังสือ" } th { "อายัดเมื่อ" } th { "สถานะ" } } }
                tbody {
                    @for hold in &overview.holds {
                        tr {
                            td { (hold.reason) @if let Some(query) = &hold.query { br; small { "คำค้น: " (query) } } }
                            td { (digits.number(hold.documents.len() as u64)) " เรื่อง" }
                            td { (hold.placed_at) }
                            td {
                                @match &hold.lifted_at {
                                    Some(at) => { "ยกเลิกแล้ว " (at) }
                                    None => {
                                        "มีผล"
                                        form method="post" action=(format!("/records/holds/{}/lift", hold.id)) {
                                            (user.csrf_field())
                                            label { "เหตุที่ยกเลิก " input name="reason" required; }
                                            button type="submit" { "ยกเลิกการอายัด" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action="/records/holds" #place-hold {
                (user.csrf_field())
                label { "เลขอ้างอิงเอกสาร (ถ้าอายัดเรื่องเดียว) " input name="document"; }
                label { "หรือคำค้น (อายัดทุกเรื่องที่ค้นพบ) " input name="q"; }
                label { "เหตุ (คดี การตรวจสอบ) " input name="reason" required; }
                button type="submit" { "อายัด" }
            }
        }
    };
    page(status, "งานเก็บรักษาและทำลายหนังสือ", Some(user), content)
}

/// A refusal shown at the top of the page it came from.
async fn refused(
    state: &AppState,
    user: &WebUser,
    error: StoreError,
    list: Option<&str>,
) -> Response {
    if error.is_internal() {
        return failure(error);
    }
    let message = super::words::store_error(&error).1;
    match list {
        Some(list) => {
            list_page(
                state,
                user,
                list,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await
        }
        None => records_page(state, user, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await,
    }
}

pub(crate) async fn draft(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    match state
        .store
        .draft_destruction_list(&user.account.org, &user.account.person, Utc::now())
        .await
    {
        Ok(list) => redirect(&format!("/records/lists/{}", list.id)),
        Err(error) => refused(&state, &user, error, None).await,
    }
}

pub(crate) async fn place_hold(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    let reason = fields.text("reason");
    let document = fields.text("document");
    let query = fields.text("q");
    let placed = if !document.trim().is_empty() {
        match document_id(document.trim()) {
            Ok(id) => {
                state
                    .store
                    .place_hold(
                        &user.account.org,
                        &user.account.person,
                        &id,
                        &reason,
                        Utc::now(),
                    )
                    .await
            }
            Err(error) => Err(error),
        }
    } else {
        let query = saraban_store::SearchQuery {
            text: query,
            ..saraban_store::SearchQuery::default()
        };
        state
            .store
            .place_query_hold(&user.account, query, &reason, Utc::now())
            .await
    };
    match placed {
        Ok(_) => redirect("/records"),
        Err(error) => refused(&state, &user, error, None).await,
    }
}

pub(crate) async fn lift_hold(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    match state
        .store
        .lift_hold(
            &user.account.org,
            &user.account.person,
            &id,
            &fields.text("reason"),
            Utc::now(),
        )
        .await
    {
        Ok(()) => redirect("/records"),
        Err(error) => refused(&state, &user, error, None).await,
    }
}

/// The items a destruction list's page shows at once.
const LIST_PAGE: usize = 500;

/// Where a destruction list's page starts: after the item of document
/// `after` (the last of the page before), or at the first.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListPageAt {
    #[serde(default)]
    after: Option<String>,
}

pub(crate) async fn list_route(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(at): Query<ListPageAt>,
) -> Response {
    let after = match at.after.as_deref().map(DocumentId::parse).transpose() {
        Ok(after) => after,
        Err(error) => {
            return refused(
                &state,
                &user,
                StoreError::invalid("after", error.to_string()),
                Some(&id),
            )
            .await;
        }
    };
    list_page(&state, &user, &id, after.as_ref(), StatusCode::OK, None).await
}

async fn list_page(
    state: &AppState,
    user: &WebUser,
    id: &str,
    after: Option<&DocumentId>,
    status: StatusCode,
    alert: Option<String>,
) -> Response {
    let org = &user.account.org;
    let list = match state.store.destruction_list(org, id).await {
        Ok(list) => list,
        Err(error) => return failure(error),
    };
    let (mut status, mut alert, mut after) = (status, alert, after);
    let (mut items, before) = match items_page(state, org, id, after).await {
        Ok(page) => page,
        Err(error) if after.is_some() && !error.is_internal() => {
            // After something not on the list: the first page, saying why.
            status = StatusCode::UNPROCESSABLE_ENTITY;
            alert = Some(super::words::store_error(&error).1);
            after = None;
            match items_page(state, org, id, None).await {
                Ok(page) => page,
                Err(error) => return failure(error),
            }
        }
        Err(error) => return failure(error),
    };
    let next = (items.len() > LIST_PAGE).then(|| {
        items.truncate(LIST_PAGE);
        items.last().map(|item| item.document.clone())
    });
    let digits = digits_of(state, user).await;
    let me = user.account.person.as_str();
    let member = list.committee.iter().any(|p| p == me);
    let content = html! {
        p.crumbs { a href="/records" { "← งานเก็บรักษาและทำลายหนังสือ" } }
        h1 #list-title { (list_label(&list, digits)) }
        p #list-state { (state_thai(&list.state)) " · " a #list-pdf href=(format!("/records/lists/{id}/pdf")) { "พิมพ์บัญชี (PDF)" } }
        @if let Some(alert) = &alert { p.alert role="alert" #list-refused { (alert) } }
        @if !list.committee.is_empty() {
            p #committee { "คณะกรรมการทำลายหนังสือ: " (list.committee.join(", "))
                @if let Some(order) = &list.order { " ตามคำสั่ง " a href=(format!("/doc/{order}")) { "(คำสั่งแต่งตั้ง)" } } }
        }
        @match list.state.as_str() {
            "drafted" => {
                form method="post" action=(format!("/records/lists/{id}/propose")) {
                    (user.csrf_field())
                    button.primary #propose-list type="submit" { "เสนอหัวหน้าส่วนราชการ" }
                }
            }
            "proposed" => {
                form method="post" action=(format!("/records/lists/{id}/committee")) #appoint {
                    (user.csrf_field())
                    p.hint { "ประธานกรรมการและกรรมการอย่างน้อย ๒ คน (ข้อ ๖๗) ระบุรหัสผู้ใช้" }
                    label { "ประธานกรรมการ " input name="member" required; }
                    label { "กรรมการ " input name="member" required; }
                    label { "กรรมการ " input name="member" required; }
                    label { "กรรมการ (ถ้ามี) " input name="member"; }
                    label { "เลขอ้างอิงคำสั่งแต่งตั้ง (ถ้ามี) " input name="order"; }
                    button.primary type="submit" { "แต่งตั้งคณะกรรมการ" }
                }
                form method="post" action=(format!("/records/lists/{id}/committee-order")) #committee-order {
                    (user.csrf_field())
                    p.hint { "หรือร่างคำสั่งแต่งตั้งคณะกรรมการจากแบบ ให้ผ่านเส้นทางของคำสั่งก่อน แล้วระบุเลขอ้างอิงคำสั่งข้างบน" }
                    label { "ประธานกรรมการ " input name="member" required; }
                    label { "กรรมการ " input name="member" required; }
                    label { "กรรมการ " input name="member" required; }
                    label { "กรรมการ (ถ้ามี) " input name="member"; }
                    button type="submit" { "ร่างคำสั่งแต่งตั้ง" }
                }
            }
            "in_review" => {
                form method="post" action=(format!("/records/lists/{id}/approve")) {
                    (user.csrf_field())
                    button.primary.danger #approve-list type="submit" { "อนุมัติให้ทำลาย" }
                }
            }
            _ => {}
        }
        table #destruction-items {
            thead { tr {
                th { "ลำดับที่" } th { "ที่" } th { "ลงวันที่" } th { "เรื่อง" }
                th { "รหัสแฟ้ม" } th { "การพิจารณา" } th { "หมายเหตุ" }
            } }
            tbody {
                @for (index, item) in items.iter().enumerate() {
                    tr {
                        td { (digits.number(before + index as u64 + 1)) }
                        td { @if let Some(number) = item.number { (digits.number(number as u64)) "/" (digits.number(item.year as u64)) } }
                        td { "พ.ศ. " (digits.number(item.year as u64)) }
                        td { @if item.destroyed_at.is_some() { (item.subject.as_deref().unwrap_or("")) } @else { a href=(format!("/doc/{}", item.document)) { (item.subject.as_deref().unwrap_or("(ไม่มีเรื่อง)")) } } }
                        td { (item.register.as_deref().unwrap_or("")) }
                        td {
                            @if let Some(reason) = &item.kept_reason { "ขยายเวลาเก็บ: " (reason) }
                            @else if item.destroyed_at.is_some() { "ทำลายแล้ว" }
                            @else if member && list.state == "in_review" {
                                form method="post" action=(format!("/records/lists/{id}/keep")) {
                                    (user.csrf_field())
                                    input type="hidden" name="document" value=(item.document);
                                    label { "เหตุที่ควรเก็บไว้ " input name="reason" required; }
                                    button type="submit" { "ขยายเวลาเก็บ" }
                                }
                            }
                            @else { "ทำลาย" }
                        }
                        td { (class_thai(&item.class)) }
                    }
                }
            }
        }
        @if after.is_some() || next.is_some() {
            nav.pages aria-label="หน้าของบัญชี" {
                @if after.is_some() {
                    a.button href=(format!("/records/lists/{id}")) { "หน้าแรก" }
                    " "
                }
                @if let Some(Some(next)) = &next {
                    a.button #list-next href=(format!("/records/lists/{id}?after={next}")) { "หน้าถัดไป" }
                }
            }
        }
    };
    page(status, &list_label(&list, digits), Some(user), content)
}

/// A page of a list's items (one more than it shows, to tell whether a
/// next page exists), and how many come before it.
async fn items_page(
    state: &AppState,
    org: &saraban_core::OrgId,
    id: &str,
    after: Option<&DocumentId>,
) -> Result<(Vec<saraban_store::DestructionItem>, u64), StoreError> {
    let items = state
        .store
        .destruction_items(org, id, after, LIST_PAGE as i64 + 1)
        .await?;
    let before = match after {
        Some(after) => {
            state
                .store
                .destruction_items_through(org, id, after)
                .await?
        }
        None => 0,
    };
    Ok((items, u64::try_from(before).unwrap_or(0)))
}

pub(crate) async fn list_step_route(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, step)): Path<(String, String)>,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    let members = || -> Vec<String> {
        fields
            .all("member")
            .into_iter()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect()
    };
    if step == "committee-order" {
        // The appointing order from the template: its draft opens, to go
        // through the order's route.
        let committee: Result<Vec<PersonId>, StoreError> = members()
            .iter()
            .map(|p| {
                PersonId::parse(p)
                    .map_err(|_| StoreError::invalid("committee", format!("no person {p}")))
            })
            .collect();
        let drafted = match committee {
            Ok(committee) => {
                state
                    .store
                    .draft_committee_order(
                        &user.account.org,
                        &user.account.person,
                        &id,
                        &committee,
                        Utc::now(),
                    )
                    .await
            }
            Err(error) => Err(error),
        };
        return match drafted {
            Ok(summary) => redirect(&format!("/doc/{}", summary.id)),
            Err(error) => refused(&state, &user, error, Some(&id)).await,
        };
    }
    let body = match step.as_str() {
        "committee" => ListStepBody::committee(
            members(),
            Some(fields.text("order")).filter(|o| !o.trim().is_empty()),
        ),
        "keep" => ListStepBody::keep(fields.text("document"), fields.text("reason")),
        _ => ListStepBody::default(),
    };
    let actor = Actor(user.account.clone());
    match list_step(&state, &actor, &id, &step, body).await {
        Ok(_) => redirect(&format!("/records/lists/{id}")),
        Err(error) => refused(&state, &user, error, Some(&id)).await,
    }
}

/// The list printed in the official form (PDF).
pub(crate) async fn list_pdf(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let org = &user.account.org;
    let (list, items) = match (
        state.store.destruction_list(org, &id).await,
        state
            .store
            .destruction_items(org, &id, None, i64::MAX)
            .await,
    ) {
        (Ok(list), Ok(items)) => (list, items),
        (Err(error), _) | (_, Err(error)) => return failure(error),
    };
    let config = match super::common::config_of(&state, &user).await {
        Ok(config) => config,
        Err(refused) => return refused,
    };
    let digits = config.organisation.digits;
    let digit_chars: [char; 10] =
        std::array::from_fn(|d| digits.number(d as u64).chars().next().unwrap_or('0'));
    let rows = items
        .iter()
        .enumerate()
        .map(|(index, item)| saraban_typeset::DestructionListRow {
            order: digits.number(index as u64 + 1),
            number: item
                .number
                .map(|n| {
                    format!(
                        "{}/{}",
                        digits.number(n as u64),
                        digits.number(item.year as u64)
                    )
                })
                .unwrap_or_default(),
            date: format!("พ.ศ. {}", digits.number(item.year as u64)),
            subject: item.subject.clone().unwrap_or_default(),
            file_code: item.register.clone().unwrap_or_default(),
            decision: match (&item.kept_reason, &item.destroyed_at) {
                (Some(reason), _) => format!("ขยายเวลาเก็บ: {reason}"),
                (None, Some(_)) => "ทำลายแล้ว".into(),
                (None, None) => "ทำลาย".into(),
            },
            note: class_thai(&item.class).into(),
        })
        .collect();
    let page = saraban_typeset::DestructionListPage {
        title: format!(
            "บัญชีหนังสือขอทำลาย ประจำปี พ.ศ. {}",
            digits.number(list.year as u64)
        ),
        organisation: config.organisation.name.to_string(),
        drawn_up: format!("ฉบับที่ {}", digits.number(list.number as u64)),
        headers: [
            "ลำดับที่",
            "ที่",
            "ลงวันที่",
            "เรื่อง",
            "รหัสแฟ้ม",
            "การพิจารณา",
            "หมายเหตุ",
        ]
        .map(str::to_owned),
        rows,
        signatures: list
            .committee
            .iter()
            .enumerate()
            .map(|(i, member)| {
                let role = if i == 0 {
                    "ประธานกรรมการ"
                } else {
                    "กรรมการ"
                };
                format!("ลงชื่อ ........................ {role} ({member})")
            })
            .collect(),
        page_word: "แผ่นที่".into(),
        empty: "ไม่มีหนังสือครบกำหนดทำลาย".into(),
        digits: digit_chars,
        printed_on: saraban_core::clock::thai_date(Utc::now()),
    };
    match state.press.destruction_list_pdf(page).await {
        Ok(bytes) => super::common::inline_pdf(
            &crate::download::PdfName {
                thai: format!("บัญชีหนังสือขอทำลาย-{}.pdf", list.year),
                ascii: format!("destruction-list-{}.pdf", list.year),
            },
            bytes,
        ),
        Err(error) => failure(error),
    }
}

/// The document page's panel: its class, destruction date and holds.
pub(crate) async fn retention_panel(state: &AppState, user: &WebUser, id: &str) -> Markup {
    let Ok(id) = document_id(id) else {
        return html! {};
    };
    let Ok(retention) = state.store.retention_of(&user.account.org, &id).await else {
        return html! {};
    };
    let digits = digits_of(state, user).await;
    html! {
        section.retention #retention aria-label="การเก็บรักษา" {
            h3 { "การเก็บรักษา" }
            p #retention-class { "อายุการเก็บ: " (retention.class.name) " (" (retention.class.source) ")"
                @if retention.chosen { " — กำหนดเฉพาะเรื่องนี้" } }
            p #destruction-date {
                @match (&retention.destroyed_under, retention.destruction_date) {
                    (Some(list), _) => {
                        "ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ "
                        (list.split('/').map(|part| part.parse().map_or(part.to_owned(), |n| digits.number(n))).collect::<Vec<_>>().join("/"))
                    }
                    (None, Some(date)) => {
                        "ครบกำหนดเก็บ: " (digits.number(31)) " ธันวาคม พ.ศ. "
                        (digits.number((chrono::Datelike::year(&date) + saraban_core::thai::BUDDHIST_ERA_OFFSET) as u64))
                    }
                    (None, None) => { "เก็บตลอดไป (ไม่ทำลาย)" }
                }
            }
            @for hold in &retention.holds { p.notice.held { "ถูกอายัด: " (hold.reason) } }
        }
    }
}
