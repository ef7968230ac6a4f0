//! Notifications in the web application (issue 18): one's notifications
//! (`/notifications`, where the header's bell, `common::bell`, leads), one's
//! channels (`/channels`: an e-mail address confirmed by a link, a LINE user
//! id linked by a one-time code), the overdue list for those who oversee the office (`/overdue`),
//! and the administrator's page of failed messages and the holiday list
//! (`/admin/notifications`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::clock::thai_date;
use serde::Deserialize;

use super::common::{Fields, WebUser, failure, message_page, page, redirect};
use crate::notify::oversees;
use crate::state::AppState;

pub(super) async fn notifications_page(State(state): State<AppState>, user: WebUser) -> Response {
    let (org, person) = (&user.account.org, &user.account.person);
    let entries = match state.store.notifications(org, person, 200).await {
        Ok(entries) => entries,
        Err(error) => return failure(error),
    };
    let overseer = oversees(&state.store, &user.account).await.unwrap_or(false);
    page(
        StatusCode::OK,
        "การแจ้งเตือน",
        Some(&user),
        html! {
            section.notifications {
                h1 { "การแจ้งเตือน" }
                p {
                    a href="/channels" { "ช่องทางรับการแจ้งเตือน (อีเมล, LINE)" }
                    @if overseer { " · " a href="/overdue" { "หนังสือที่เกินกำหนด" } }
                }
                @if entries.is_empty() {
                    p #no-notifications { "ยังไม่มีการแจ้งเตือน" }
                } @else {
                    @if user.unread > 0 {
                        form method="post" action="/notifications/read" {
                            (user.csrf_field())
                            button type="submit" { "ทำเครื่องหมายว่าอ่านแล้วทั้งหมด" }
                        }
                    }
                    ul.notification-list {
                        @for entry in &entries {
                            li class=(if entry.read { "read" } else { "unread" }) {
                                @if let Some(urgency) = &entry.urgency {
                                    span.urgency { (urgency) } " "
                                }
                                strong { (entry.wording) } ": "
                                @if entry.document.is_empty() {
                                    (entry.subject)
                                } @else {
                                    a href=(format!("/doc/{}", entry.document)) { (entry.subject) }
                                }
                                " "
                                small { (super::words::time(&entry.created_at, user.digits)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub(super) async fn mark_read(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    match state
        .store
        .mark_notifications_read(&user.account.org, &user.account.person, None, Utc::now())
        .await
    {
        Ok(_) => redirect("/notifications"),
        Err(error) => failure(error),
    }
}

fn channels_content(
    user: &WebUser,
    channels: &[saraban_store::Channel],
    error: Option<&str>,
    done: Option<&str>,
) -> Markup {
    let find = |name: &str| channels.iter().find(|c| c.channel == name);
    let email = find("email");
    let line = find("line");
    html! {
        section.narrow.channels {
            h1 { "ช่องทางรับการแจ้งเตือน" }
            p { (user.digits.apply("ระบบแจ้งเตือนเมื่อมีหนังสือรอท่าน ส่งคืน ออกเลขแล้ว หรือมอบหมายให้ท่าน และเตือนก่อนครบกำหนด 1 วันทำการและในวันครบกำหนด: หนังสือด่วนที่สุดแจ้งทันที ด่วนมากและด่วนภายใน 15 นาที นอกนั้นรวมส่งเวลา 08.00 น. ของวันทำการ การแจ้งเตือนในระบบ (กระดิ่ง) ได้เสมอ")) }
            @if let Some(done) = done { p.notice role="status" #channels-done { (user.digits.apply(done)) } }
            @if let Some(error) = error { p.field-error role="alert" #channels-error { (error) } }
            h2 { "อีเมล" }
            @if let Some(address) = email.and_then(|c| c.address.as_deref()) {
                p #email-address { "ส่งไปที่ " strong { (address) } " (ยืนยันแล้ว)" }
            }
            @if let Some(pending) = email.and_then(|c| c.pending.as_deref()) {
                p #email-pending { "รอยืนยัน: " (pending) " — เปิดลิงก์ในอีเมลที่ส่งไปเพื่อยืนยัน" }
            }
            form method="post" action="/channels/email" {
                (user.csrf_field())
                label for="email" { "ที่อยู่อีเมล" }
                input #email type="email" name="address" required autocomplete="email";
                button type="submit" { "ส่งลิงก์ยืนยัน" }
            }
            @if email.is_some() {
                form method="post" action="/channels/remove" {
                    (user.csrf_field())
                    input type="hidden" name="channel" value="email";
                    button.link type="submit" { "เลิกรับทางอีเมล" }
                }
            }
            h2 { "LINE" }
            @if let Some(address) = line.and_then(|c| c.address.as_deref()) {
                p #line-linked { "เชื่อมกับ LINE แล้ว (" (address) ")" }
            }
            @if line.and_then(|c| c.pending.as_deref()).is_some() {
                form method="post" action="/channels/line/confirm" {
                    (user.csrf_field())
                    label for="line-code" { "รหัสที่ได้รับทาง LINE" }
                    input #line-code name="code" inputmode="numeric" pattern="[0-9]{6}" required autocomplete="one-time-code";
                    button type="submit" { "ยืนยัน" }
                }
            }
            form method="post" action="/channels/line" {
                (user.csrf_field())
                label for="line-user" { "LINE user id (ขึ้นต้นด้วย U)" }
                input #line-user name="user_id" required pattern="U[0-9a-fA-F]{32}";
                button type="submit" { "ส่งรหัสไปที่ LINE" }
            }
            @if line.is_some() {
                form method="post" action="/channels/remove" {
                    (user.csrf_field())
                    input type="hidden" name="channel" value="line";
                    button.link type="submit" { "เลิกรับทาง LINE" }
                }
            }
        }
    }
}

async fn channels_answer(
    state: &AppState,
    user: &WebUser,
    status: StatusCode,
    error: Option<&str>,
    done: Option<&str>,
) -> Response {
    match state
        .store
        .channels(&user.account.org, &user.account.person)
        .await
    {
        Ok(channels) => page(
            status,
            "ช่องทางรับการแจ้งเตือน",
            Some(user),
            channels_content(user, &channels, error, done),
        ),
        Err(error) => failure(error),
    }
}

pub(super) async fn channels_page(State(state): State<AppState>, user: WebUser) -> Response {
    channels_answer(&state, &user, StatusCode::OK, None, None).await
}

/// What a channel form did: its message, or the store's refusal shown at
/// the form (422).
async fn after(
    state: &AppState,
    user: &WebUser,
    done: Result<&str, saraban_store::StoreError>,
) -> Response {
    match done {
        Ok(done) => channels_answer(state, user, StatusCode::OK, None, Some(done)).await,
        Err(saraban_store::StoreError::Invalid { reason, .. }) => {
            channels_answer(
                state,
                user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&reason),
                None,
            )
            .await
        }
        Err(error) => failure(error),
    }
}

pub(super) async fn set_email(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    let (org, person) = (&user.account.org, &user.account.person);
    let result = state
        .store
        .request_email(org, person, &fields.text("address"), Utc::now())
        .await
        .map(|_token| "ส่งลิงก์ยืนยันไปที่อีเมลแล้ว กรุณาเปิดลิงก์ภายใน 24 ชั่วโมง");
    after(&state, &user, result).await
}

pub(super) async fn set_line(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    let (org, person) = (&user.account.org, &user.account.person);
    let result = state
        .store
        .request_line(org, person, &fields.text("user_id"), Utc::now())
        .await
        .map(|_code| "ส่งรหัสไปที่ LINE แล้ว กรุณาพิมพ์รหัสภายใน 15 นาที");
    after(&state, &user, result).await
}

pub(super) async fn confirm_line(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    let (org, person) = (&user.account.org, &user.account.person);
    let result = state
        .store
        .confirm_line(org, person, &fields.text("code"), Utc::now())
        .await
        .map(|()| "เชื่อมกับ LINE แล้ว");
    after(&state, &user, result).await
}

pub(super) async fn remove(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    let (org, person) = (&user.account.org, &user.account.person);
    let result = state
        .store
        .remove_channel(org, person, &fields.text("channel"))
        .await
        .map(|_| "เลิกรับทางช่องทางนี้แล้ว");
    after(&state, &user, result).await
}

#[derive(Debug, Deserialize)]
pub(super) struct Token {
    #[serde(default)]
    token: String,
}

/// The link in the confirmation e-mail: a button, so that a mail scanner
/// that opens links confirms nothing.
pub(super) async fn confirm_page(Query(token): Query<Token>) -> Response {
    page(
        StatusCode::OK,
        "ยืนยันอีเมล",
        None,
        html! {
            section.narrow {
                h1 { "ยืนยันอีเมลสำหรับรับการแจ้งเตือน" }
                form method="post" action="/channels/confirm" {
                    input type="hidden" name="token" value=(token.token);
                    button #confirm-email type="submit" { "ยืนยันอีเมลนี้" }
                }
            }
        },
    )
}

pub(super) async fn confirm(State(state): State<AppState>, fields: Fields) -> Response {
    match state
        .store
        .confirm_email(&fields.text("token"), Utc::now())
        .await
    {
        Ok(_) => message_page(StatusCode::OK, "ยืนยันอีเมลแล้ว", "ระบบจะส่งการแจ้งเตือนไปที่อีเมลนี้"),
        Err(saraban_store::StoreError::Invalid { reason, .. }) => {
            message_page(StatusCode::UNPROCESSABLE_ENTITY, "ยืนยันไม่ได้", &reason)
        }
        Err(error) => failure(error),
    }
}

pub(super) async fn overdue_page(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(refused) = user.may_read_documents() {
        return refused;
    }
    match oversees(&state.store, &user.account).await {
        Ok(true) => {}
        Ok(false) => {
            return message_page(
                StatusCode::FORBIDDEN,
                "เฉพาะผู้บังคับบัญชา",
                "รายการหนังสือที่เกินกำหนดสำหรับผู้ลงนามและผู้พิจารณาขั้นสุดท้าย (เช่น ปลัดและนายก) และผู้ดูแลระบบ",
            );
        }
        Err(error) => return failure(error),
    }
    let today = thai_date(Utc::now());
    let overdue = match state.store.overdue(&user.account.org, today).await {
        Ok(overdue) => overdue,
        Err(error) => return failure(error),
    };
    let day = |iso: &str| {
        chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
            .ok()
            .and_then(|d| saraban_core::ThaiDate::new(d).ok())
            .map(|d| d.abbreviated(user.digits))
            .unwrap_or_else(|| iso.to_owned())
    };
    page(
        StatusCode::OK,
        "หนังสือที่เกินกำหนด",
        Some(&user),
        html! {
            section.overdue {
                h1 { "หนังสือที่เกินกำหนด" }
                p { "นับวันทำการ (ไม่นับวันเสาร์ วันอาทิตย์ และวันหยุดของหน่วยงาน) กำหนดที่ตรงกับวันหยุดเลื่อนเป็นวันทำการถัดไป" }
                @if overdue.is_empty() {
                    p #no-overdue { "ไม่มีหนังสือที่เกินกำหนด" }
                } @else {
                    table #overdue-list {
                        thead { tr { th { "เรื่อง" } th { "ภายในวันที่" } th { "เกินมา (วันทำการ)" } th { "รอ" } } }
                        tbody {
                            @for item in &overdue {
                                tr {
                                    td {
                                        @if let Some(urgency) = &item.urgency { span.urgency { (urgency) } " " }
                                        a href=(format!("/doc/{}", item.document)) { (item.subject) }
                                    }
                                    td { (day(&item.deadline)) }
                                    td { (user.digits.number(u64::from(item.days_late))) }
                                    td { (item.waiting_for.join(", ")) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn admin_content(
    user: &WebUser,
    failed: &[saraban_store::FailedMessage],
    holidays: &str,
    own: bool,
    error: Option<&str>,
    done: Option<&str>,
) -> Markup {
    html! {
        section.admin-notifications {
            h1 { "การแจ้งเตือนและวันหยุด" }
            @if let Some(done) = done { p.notice role="status" { (done) } }
            @if let Some(error) = error { p.field-error role="alert" #holidays-error { (error) } }
            h2 { "ข้อความที่ส่งไม่สำเร็จ" }
            @if failed.is_empty() {
                p #no-failed { "ไม่มีข้อความที่ส่งไม่สำเร็จ" }
            } @else {
                p { "ช่องทางเหล่านี้ปฏิเสธข้อความหลังลองส่งแล้ว (เช่น โทเค็น LINE ไม่ถูกต้อง หรือเซิร์ฟเวอร์อีเมลปฏิเสธที่อยู่) แก้ไขการตั้งค่าแล้วสั่งส่งใหม่ได้" }
                table #failed-messages {
                    thead { tr { th { "ถึง" } th { "ช่องทาง" } th { "เรื่อง" } th { "ครั้งที่ลอง" } th { "ข้อผิดพลาด" } th {} } }
                    tbody {
                        @for message in failed {
                            tr {
                                td { (message.person) }
                                td { (message.channel) }
                                td { (message.subject) }
                                td { (user.digits.number(u64::from(message.attempts))) }
                                td { (message.last_error.as_deref().unwrap_or_default()) }
                                td {
                                    form method="post" action="/admin/notifications/retry" {
                                        (user.csrf_field())
                                        input type="hidden" name="id" value=(message.id);
                                        button type="submit" { "ส่งใหม่" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "วันหยุดของหน่วยงาน" }
            p {
                @if own { "รายการของหน่วยงานเอง" } @else { (user.digits.apply("วันหยุดราชการ 2568–2570 ที่ระบบกำหนดมา")) }
                " — วันทำการไม่นับวันเสาร์ วันอาทิตย์ และวันในรายการนี้ การแก้ไขบันทึกในบันทึกเหตุการณ์"
            }
            form method="post" action="/admin/holidays" {
                (user.csrf_field())
                label for="holidays" { "รายการวันหยุด (TOML: [[holiday]] date = \"YYYY-MM-DD\", name = \"…\")" }
                textarea #holidays name="holidays" rows="20" spellcheck="false" { (holidays) }
                button type="submit" { "บันทึกวันหยุด" }
            }
        }
    }
}

async fn admin_answer(
    state: &AppState,
    user: &WebUser,
    status: StatusCode,
    error: Option<&str>,
    done: Option<&str>,
    typed: Option<&str>,
) -> Response {
    let org = &user.account.org;
    let failed = match state.store.failed_messages(Some(org)).await {
        Ok(failed) => failed,
        Err(error) => return failure(error),
    };
    let (calendar, own) = match state.store.holidays(org).await {
        Ok(holidays) => holidays,
        Err(error) => return failure(error),
    };
    let text = typed.map_or_else(|| calendar.to_toml(), str::to_owned);
    page(
        status,
        "การแจ้งเตือนและวันหยุด",
        Some(user),
        admin_content(user, &failed, &text, own, error, done),
    )
}

pub(super) async fn admin_page(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(refused) = user.may_administer() {
        return refused;
    }
    admin_answer(&state, &user, StatusCode::OK, None, None, None).await
}

pub(super) async fn admin_retry(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user
        .may_administer()
        .and_then(|()| user.check_form(&fields))
    {
        return refused;
    }
    match state
        .store
        .retry_message(&user.account.org, &fields.text("id"), Utc::now())
        .await
    {
        Ok(_) => redirect("/admin/notifications"),
        Err(error) => failure(error),
    }
}

pub(super) async fn admin_holidays(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user
        .may_administer()
        .and_then(|()| user.check_form(&fields))
    {
        return refused;
    }
    let typed = fields.text("holidays");
    match state
        .store
        .set_holidays(&user.account.org, &user.account.person, &typed, Utc::now())
        .await
    {
        Ok(_) => {
            admin_answer(
                &state,
                &user,
                StatusCode::OK,
                None,
                Some("บันทึกวันหยุดแล้ว"),
                None,
            )
            .await
        }
        Err(saraban_store::StoreError::Invalid { reason, .. }) => {
            admin_answer(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&reason),
                None,
                Some(&typed),
            )
            .await
        }
        Err(error) => failure(error),
    }
}
