//! What the pages share: the signed-in `WebUser` and the form token of its
//! session (CSRF), a submitted form's `Fields`, the page frame and its
//! headers, the front door and the not-found page, and the answers pages
//! give (messages, failures, redirects, PDFs, page images).

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION,
    REFERRER_POLICY, SET_COOKIE,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use saraban_core::DigitStyle;
use saraban_core::DocumentId;
use saraban_core::ledger::sha256_hex;
use saraban_core::org::OrgConfig;
use saraban_store::HistoryEntry;
use saraban_store::{Account, StoreError};
use serde_json::Value;

use super::words;
use crate::download::PdfName;
use crate::state::{AppState, document_id, token_of};

/// The application's front door: the inbox, or for an administrator who
/// holds no position the administration; the sign-in page otherwise.
pub(super) async fn home(user: Option<WebUser>) -> Response {
    match user {
        Some(user) if user.account.positions.is_empty() && user.account.is_admin => {
            redirect("/admin")
        }
        Some(_) => redirect("/inbox"),
        None => redirect("/sign-in"),
    }
}

/// A 303 to another page of the application.
pub(crate) fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(
        LOCATION,
        HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")),
    );
    response
}

/// The signed-in person of a page, and the form token of their session.
#[derive(Debug, Clone)]
pub(crate) struct WebUser {
    pub account: Account,
    pub csrf: String,
    pub session: String,
    /// Receives letters (holds the incoming route's `issue` position).
    pub receives: bool,
    /// Unread notifications: the bell's count (issue 18), and the
    /// organisation's digits it is written in.
    pub unread: u32,
    pub digits: DigitStyle,
}

/// The form token of a session: unguessable without the session cookie,
/// which scripts cannot read (HttpOnly).
fn csrf_of(session: &str) -> String {
    sha256_hex(format!("saraban-web-form:{session}").as_bytes())
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = token_of(&parts.headers) else {
            return Err(redirect("/sign-in"));
        };
        match state.store.authenticate(&token, Utc::now()).await {
            Ok(Some(account)) => {
                tracing::Span::current().record("user", account.person.as_str());
                let receives = receives(state, &account).await;
                let (unread, digits) = state
                    .store
                    .bell(&account.org, &account.person)
                    .await
                    .unwrap_or_default();
                Ok(WebUser {
                    account,
                    csrf: csrf_of(&token),
                    session: token,
                    receives,
                    unread,
                    digits,
                })
            }
            Ok(None) => Err(redirect("/sign-in")),
            Err(error) => Err(failure(error)),
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for WebUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <WebUser as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// The fields of a submitted form, in order (names may repeat).
#[derive(Debug, Default)]
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value posted under `name` (checkboxes), in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for Fields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| {
                message_page(
                    e.status(),
                    "ส่งข้อมูลไม่สำเร็จ",
                    "ข้อมูลที่ส่งมาใหญ่เกินไปหรืออ่านไม่ได้ กรุณาลองอีกครั้ง",
                )
            })?;
        // Browsers send a textarea's line breaks as CRLF; documents keep LF.
        let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.replace("\r\n", "\n")))
            .collect();
        // U+0000 has no place in any field, and PostgreSQL cannot store it.
        if let Some((name, _)) = fields
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(message_page(
                StatusCode::BAD_REQUEST,
                "ส่งข้อมูลไม่สำเร็จ",
                &format!(
                    "ช่อง {} มีอักขระที่ใช้ไม่ได้ (U+0000) กรุณาแก้ไขแล้วลองอีกครั้ง",
                    name.replace('\0', "")
                ),
            ));
        }
        Ok(Fields(fields))
    }
}

impl WebUser {
    /// Refuses a form whose token is not this session's.
    pub fn check_form(&self, fields: &Fields) -> Result<(), Response> {
        if fields.get("csrf") == Some(self.csrf.as_str()) {
            Ok(())
        } else {
            Err(message_page(
                StatusCode::FORBIDDEN,
                "แบบฟอร์มหมดอายุ",
                "แบบฟอร์มนี้ไม่ได้มาจากการเข้าใช้ครั้งนี้ของท่าน (อาจเปิดค้างไว้นานหรือออกจากระบบไปแล้ว) ไม่มีการเปลี่ยนแปลงใด ๆ กรุณาเปิดหน้าใหม่แล้วลองอีกครั้ง",
            ))
        }
    }

    /// Pages about documents are for people who hold a position today.
    pub fn may_read_documents(&self) -> Result<(), Response> {
        if self.account.positions.is_empty() {
            Err(message_page(
                StatusCode::FORBIDDEN,
                "ไม่มีสิทธิ์อ่านเอกสาร",
                "วันนี้ท่านไม่ได้ดำรงตำแหน่งใด จึงอ่านเอกสารไม่ได้ ผู้ดูแลระบบจัดการได้เฉพาะบุคคล ตำแหน่ง และเส้นทางเสนอ",
            ))
        } else {
            Ok(())
        }
    }

    /// Administration pages are for the organisation's administrators.
    pub fn may_administer(&self) -> Result<(), Response> {
        if self.account.is_admin {
            Ok(())
        } else {
            Err(message_page(
                StatusCode::FORBIDDEN,
                "เฉพาะผู้ดูแลระบบ",
                "หน้านี้สำหรับผู้ดูแลระบบของหน่วยงานเท่านั้น",
            ))
        }
    }

    /// The title of the position this person holds themselves (not acts
    /// for); empty if none.
    pub fn own_title(&self, config: &OrgConfig) -> String {
        self.account
            .positions
            .iter()
            .find(|p| p.capacity == "holder")
            .map(|p| words::position_title(config, &p.position))
            .unwrap_or_default()
    }

    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }
}

/// The document an address names (`/doc/{id}/…`), for someone who may
/// read documents; text that is no document id names no document.
pub(crate) fn readable_document(user: &WebUser, id: &str) -> Result<DocumentId, Response> {
    user.may_read_documents()?;
    document_id(id).map_err(failure)
}

/// The organisation's configuration, for names, titles and digits.
pub(crate) async fn config_of(state: &AppState, user: &WebUser) -> Result<OrgConfig, Response> {
    state
        .store
        .org_config(&user.account.org)
        .await
        .map_err(failure)
}

/// The page frame: header with navigation, the content, the script.
pub(crate) fn layout(title: &str, user: Option<&WebUser>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="th" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · สารบรรณ" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { "ข้ามไปยังเนื้อหา" }
                header.top {
                    a.brand href="/" { "สารบรรณ" }
                    @if let Some(user) = user {
                        nav aria-label="เมนูหลัก" {
                            @if !user.account.positions.is_empty() {
                                a href="/inbox" { "งานรอดำเนินการ" }
                                a #nav-new href="/new" { "สร้างเอกสาร" }
                                @if user.receives {
                                    a #nav-receive href="/incoming/new" { (words::RECEIVE_NAV) }
                                }
                                a href="/registers" { "ทะเบียน" }
                            }
                            @if user.account.is_admin {
                                a href="/admin" { "ผู้ดูแลระบบ" }
                            }
                        }
                        div.who {
                            span { (user.account.name) }
                            a href="/signature" { "ลายมือชื่อ" }
                            a href="/password" { "เปลี่ยนรหัสผ่าน" }
                            form method="post" action="/sign-out" {
                                (user.csrf_field())
                                button.link type="submit" { "ออกจากระบบ" }
                            }
                        }
                        (bell(user.unread, user.digits))
                    }
                }
                // Under the header, a row of its own: at a phone's width
                // the header's one line has no room for it.
                @if user.is_some_and(|u| !u.account.positions.is_empty()) {
                    form.search-box role="search" method="get" action="/search" {
                        label.visually-hidden for="search-q" { "ค้นหาเอกสาร" }
                        input #search-q type="search" name="q" placeholder="ค้นหา เรื่อง เลขที่ ชื่อ…" autocomplete="off";
                        button type="submit" { "ค้นหา" }
                    }
                }
                main #main tabindex="-1" { (content) }
            }
        }
    }
}

/// The bell: a link to one's notifications, with the unread count.
/// A bell, drawn (an emoji needs a font the page may not have).
const BELL_ICON: &str = r#"<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg>"#;

fn bell(unread: u32, digits: DigitStyle) -> Markup {
    let label = if unread == 0 {
        "การแจ้งเตือน".to_owned()
    } else {
        format!(
            "การแจ้งเตือน ยังไม่อ่าน {} รายการ",
            digits.number(u64::from(unread))
        )
    };
    html! {
        a.bell #bell href="/notifications" aria-label=(label) title=(label) {
            (PreEscaped(BELL_ICON))
            @if unread > 0 {
                span.bell-count #bell-count aria-hidden="true" {
                    (digits.number(u64::from(unread.min(99)))) @if unread > 99 { "+" }
                }
            }
        }
    }
}

pub(crate) fn page(
    status: StatusCode,
    title: &str,
    user: Option<&WebUser>,
    content: Markup,
) -> Response {
    (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
            (CONTENT_SECURITY_POLICY, PAGE_POLICY),
            (REFERRER_POLICY, "same-origin"),
        ],
        layout(title, user, content).into_string(),
    )
        .into_response()
}

/// Pages load only the application's own script, styles and fonts; images
/// may also be the previews' data URLs; no page may be framed.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub(super) async fn not_found(user: Option<WebUser>) -> Response {
    page(
        StatusCode::NOT_FOUND,
        "ไม่พบหน้านี้",
        user.as_ref(),
        html! {
            h1 { "ไม่พบหน้านี้" }
            p { "ที่อยู่ที่เปิดไม่มีอยู่ในระบบ" }
            p { a href="/" { "กลับสู่หน้าแรก" } }
        },
    )
}

/// A page that only says something (an error, a refusal).
pub(crate) fn message_page(status: StatusCode, title: &str, text: &str) -> Response {
    page(
        status,
        title,
        None,
        html! {
            h1 { (title) }
            p.alert role="alert" { (text) }
            p { a href="/" { "กลับสู่หน้าแรก" } }
        },
    )
}

/// A failure of the store as a page; refusals and bad input in Thai.
pub(crate) fn failure(error: StoreError) -> Response {
    let (status, text) = words::store_error(&error);
    message_page(status, "ดำเนินการไม่ได้", &text)
}

pub(crate) fn html_response(markup: Markup) -> Response {
    (
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// A PDF shown in the browser, saved under `name`.
pub(crate) fn inline_pdf(name: &PdfName, bytes: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (CONTENT_DISPOSITION, name.disposition()),
        ],
        bytes,
    )
        .into_response()
}

/// A session cookie set or cleared, as the API sets it.
pub(crate) fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

/// SVG pages as images: each page is its own document, so nothing in it
/// can touch the page around it. Pages counted in the organisation's digits.
pub(crate) fn page_images(pages: &[String], label: &str, digits: DigitStyle) -> Markup {
    use base64::Engine;
    let count = pages.len();
    html! {
        div.pages {
            @for (index, svg) in pages.iter().enumerate() {
                img.sheet src=(PreEscaped(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg))))
                    alt=(format!("{label} หน้า {} จาก {}", digits.number(index as u64 + 1), digits.number(count as u64)));
            }
        }
    }
}

/// The pages of each PDF enclosure, after the document's own: a heading
/// with its title, its first pages, and how many more the file holds.
pub(crate) fn enclosure_page_images(
    enclosures: &[saraban_press::EnclosurePages],
    digits: DigitStyle,
) -> Markup {
    html! {
        @for (index, enclosure) in enclosures.iter().enumerate() {
            section.enclosure-pages id=(format!("enclosure-pages-{}", index + 1)) {
                h3 { "สิ่งที่ส่งมาด้วย: " (enclosure.title) }
                (page_images(&enclosure.svgs, &enclosure.title, digits))
                @if enclosure.pages > enclosure.svgs.len() {
                    p.hint {
                        "แสดง " (digits.number(enclosure.svgs.len() as u64)) " หน้าแรกจาก "
                        (digits.number(enclosure.pages as u64)) " หน้า เปิดไฟล์เพื่ออ่านทั้งหมด"
                    }
                }
            }
        }
    }
}

/// Whether `user` receives letters: holds (or acts for) the incoming
/// route's `issue` position today.
pub(crate) async fn receives(state: &AppState, user: &Account) -> bool {
    if user.positions.is_empty() {
        return false;
    }
    match state.store.incoming_registrar(&user.org).await {
        Ok(Some(registrar)) => user
            .positions
            .iter()
            .any(|p| p.position.as_str() == registrar),
        _ => false,
    }
}

/// A document's history, oldest first: each event, who did it for which
/// position, when, and its text.
pub(super) fn timeline(config: &OrgConfig, history: &[HistoryEntry], digits: DigitStyle) -> Markup {
    html! {
        ol.timeline.thai-digits[digits != DigitStyle::Arabic] #timeline {
            @for entry in history {
                @let event = &entry.event;
                @let get = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
                li {
                    strong { (words::event_name(&get("kind"))) }
                    " — " (words::person_name(config, &get("actor")))
                    @if let Some(position) = event.get("position").and_then(Value::as_str) {
                        " ("
                        @if let Some(capacity) = event.get("capacity").and_then(Value::as_str).and_then(words::capacity_from_name) {
                            (capacity.wording()) " "
                        }
                        (words::position_title(config, position)) ")"
                    }
                    br;
                    span.when { (words::time(&get("at"), digits)) }
                    @if let Some(text) = event.get("text").and_then(Value::as_str) {
                        blockquote { (text) }
                    }
                }
            }
        }
    }
}

/// The organisation's digit style, for pages that need only that.
pub(crate) async fn digits_of(state: &AppState, user: &WebUser) -> DigitStyle {
    config_of(state, user)
        .await
        .map(|c| c.organisation.digits)
        .unwrap_or_default()
}

/// Every part of a small multipart form, each read whole, by name; or the
/// page saying why it could not be read (`too_large` when a part runs over
/// the route's limit). For forms of one file and a few fields.
pub(crate) async fn multipart_parts(
    mut multipart: axum::extract::Multipart,
    title: &str,
    too_large: &str,
) -> Result<Vec<(String, Vec<u8>)>, Response> {
    let mut parts = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) => parts.push((name, bytes.to_vec())),
                    Err(_) => {
                        return Err(message_page(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            title,
                            too_large,
                        ));
                    }
                }
            }
            Ok(None) => return Ok(parts),
            Err(_) => {
                return Err(message_page(
                    StatusCode::BAD_REQUEST,
                    title,
                    "อ่านแบบฟอร์มที่ส่งมาไม่ได้ กรุณาลองอีกครั้ง",
                ));
            }
        }
    }
}

/// The text of the part named `name`, empty when there is none.
pub(crate) fn part_text(parts: &[(String, Vec<u8>)], name: &str) -> String {
    parts
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default()
}

/// A route as an ordered list: `first`, each review step, the signer's
/// step named `signer`, then `rest`; each with whether the document stands
/// there now. The document and letter pages share it.
pub(crate) fn route_list(
    config: &OrgConfig,
    summary: &saraban_store::DocumentSummary,
    first: (String, bool),
    signer: &str,
    rest: Vec<(String, bool)>,
) -> Markup {
    let Some(route) = config.route(&summary.kind) else {
        return html! {};
    };
    let state = summary.state.as_str();
    let mut steps = vec![first];
    for (k, step) in route.review.iter().enumerate() {
        let titles: Vec<String> = step
            .positions
            .iter()
            .map(|p| words::position_title(config, p.as_str()))
            .collect();
        steps.push((
            format!("พิจารณา: {}", titles.join(" / ")),
            state == "in_review" && summary.step == Some(k + 1),
        ));
    }
    steps.push((
        format!(
            "{signer}: {}",
            words::position_title(config, route.sign.as_str())
        ),
        state == "awaiting_signature",
    ));
    steps.extend(rest);
    html! {
        ol.steps.thai-digits[config.organisation.digits != DigitStyle::Arabic] {
            @for (text, current) in steps {
                li aria-current=[current.then_some("step")] .current[current] { (text) }
            }
        }
    }
}
