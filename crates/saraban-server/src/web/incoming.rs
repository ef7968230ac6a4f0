//! Receiving on the pages (หนังสือรับ): the registrar's form (a PDF, scanned
//! pages, or a paper letter by its fields; multipart, no script needed),
//! the letter's page (its fields, เลขรับ, the stamped first page with the
//! notes below it, the stamp's place, the actions, the reply), the stamped
//! view and the original, and the receiving register (page, CSV, PDF). The
//! store checks and stores; this only carries.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, PreEscaped, html};
use saraban_core::DigitStyle;
use saraban_core::incoming::{Incoming, Received, StampPlace, incoming_from_value};
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction;
use saraban_store::{AllowedAction, DocumentSummary, HistoryEntry, OriginalFile, StoreError};
use serde_json::{Value, json};

use super::common::{
    Fields, WebUser, digits_of, failure, message_page, page, readable_document, redirect,
    route_list,
};
use super::dates::{date_parts, posted_date};
use super::words;
use crate::download::PdfName;
use crate::state::AppState;
use saraban_typeset::{STAMP_H_MM, STAMP_W_MM, default_stamp_place_mm};

/// PDF points to millimetres, for the first page's image.
const MM_PER_PT: f64 = 25.4 / 72.0;

fn may_receive(user: &WebUser) -> Result<(), Response> {
    user.may_read_documents()?;
    if user.receives {
        Ok(())
    } else {
        Err(page(
            StatusCode::FORBIDDEN,
            words::RECEIVE_TITLE,
            Some(user),
            html! {
                h1 { (words::RECEIVE_TITLE) }
                p.alert role="alert" #not-registrar { (words::NOT_REGISTRAR) }
                p { a href="/inbox" { "กลับไปที่งานรอดำเนินการ" } }
            },
        ))
    }
}

/// The receiving form as typed: text as typed, nothing checked yet.
#[derive(Debug, Default, Clone)]
struct Typed {
    their_number: String,
    date: String,
    from: String,
    to: String,
    subject: String,
    urgency: String,
    secrecy: String,
    due: String,
}

impl Typed {
    fn from_fields(fields: &Fields) -> Typed {
        Typed {
            their_number: fields.text("their_number"),
            date: posted_date(fields, "date"),
            from: fields.text("from"),
            to: fields.text("to"),
            subject: fields.text("subject"),
            urgency: fields.text("urgency"),
            secrecy: fields.text("secrecy"),
            due: posted_date(fields, "due"),
        }
    }

    /// The letter in format saraban/1, kind incoming, for the engine.
    fn content(&self) -> Value {
        let mut value = json!({
            "format": saraban_core::document::FORMAT,
            "kind": saraban_core::incoming::KIND,
            "their_number": self.their_number,
            "date": self.date,
            "from": self.from,
            "to": self.to,
            "subject": self.subject,
        });
        for (key, text) in [
            ("urgency", &self.urgency),
            ("secrecy", &self.secrecy),
            ("due", &self.due),
        ] {
            if !text.trim().is_empty() {
                value[key] = json!(text.trim());
            }
        }
        value
    }
}

/// A refusal at one of the form's fields.
#[derive(Debug)]
struct Refused {
    field: &'static str,
    message: String,
}

/// The form's field a refusal's path belongs to.
fn field_of(path: &str) -> &'static str {
    const FIELDS: [&str; 10] = [
        "their_number",
        "date",
        "from",
        "to",
        "subject",
        "urgency",
        "secrecy",
        "due",
        "file",
        "scans",
    ];
    FIELDS
        .into_iter()
        .find(|f| {
            path == *f || path.starts_with(&format!("{f}.")) || path.starts_with(&format!("{f}["))
        })
        .unwrap_or("their_number")
}

fn refused_of(error: &StoreError, digits: DigitStyle) -> Option<Refused> {
    let (path, message) = match error {
        StoreError::Input(input) => (input.path.clone(), input.message.clone()),
        StoreError::Invalid { field, reason } => (field.clone(), reason.clone()),
        _ => return None,
    };
    let field = if path == "original" || path.starts_with("original.") {
        "file"
    } else {
        field_of(&path)
    };
    let reason = words::input_reason(&message, digits);
    Some(Refused {
        field,
        message: format!("{reason} ไม่มีการบันทึกใด ๆ"),
    })
}

fn text_field(
    name: &str,
    label: &str,
    value: &str,
    refused: Option<&Refused>,
    hint: Option<&str>,
    rows: Option<usize>,
) -> Markup {
    let message = refused
        .filter(|r| r.field == name)
        .map(|r| r.message.as_str());
    let id = format!("in-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            @if let Some(hint) = hint { span.hint #(format!("{id}-hint")) { (hint) } }
            @if let Some(rows) = rows {
                textarea #(id) name=(name) rows=(rows) aria-describedby=(format!("{id}-hint {id}-error"))
                    aria-invalid=[message.map(|_| "true")] { (value) }
            } @else {
                input #(id) name=(name) value=(value) aria-describedby=(format!("{id}-hint {id}-error"))
                    aria-invalid=[message.map(|_| "true")];
            }
            @if let Some(message) = message {
                p.field-error #(format!("{id}-error")) role="alert" { (message) }
            }
        }
    }
}

fn date_field(
    name: &str,
    label: &str,
    iso: &str,
    refused: Option<&Refused>,
    hint: &str,
    digits: DigitStyle,
) -> Markup {
    let message = refused
        .filter(|r| r.field == name)
        .map(|r| r.message.as_str());
    let id = format!("in-{name}");
    html! {
        div.field {
            label #(format!("{id}-label")) for=(id) { (label) }
            span.hint #(format!("{id}-hint")) { (hint) }
            (date_parts(digits, name, &id, iso, &format!("{id}-label"), message.is_some()))
            @if let Some(message) = message {
                p.field-error #(format!("{id}-error")) role="alert" { (message) }
            }
        }
    }
}

fn choice(name: &str, label: &str, value: &str, options: &[(&str, &str)]) -> Markup {
    let id = format!("in-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            select #(id) name=(name) {
                @for (option, text) in options {
                    option value=(option) selected[*option == value] { (text) }
                }
            }
        }
    }
}

fn receive_form(
    user: &WebUser,
    typed: &Typed,
    refused: Option<&Refused>,
    digits: DigitStyle,
    limit: u64,
) -> Markup {
    let file_error = refused
        .filter(|r| r.field == "file")
        .map(|r| r.message.as_str());
    let scans_error = refused
        .filter(|r| r.field == "scans")
        .map(|r| r.message.as_str());
    html! {
        p.crumbs { a href="/inbox" { "← งานรอดำเนินการ" } }
        h1 { (words::RECEIVE_TITLE) }
        @if let Some(refused) = refused {
            div.alert role="alert" #form-error {
                p { "ยังลงรับไม่ได้ กรุณาแก้ไขช่องที่ทำเครื่องหมายไว้:" }
                p { a href=(format!("#in-{}", refused.field)) { (words::incoming_field(refused.field)) } ": " (refused.message) }
            }
        }
        form.receive-form #receive-form method="post" action="/incoming/new" enctype="multipart/form-data" data-busy {
            (user.csrf_field())
            fieldset {
                legend { "หนังสือที่ได้รับ" }
                (text_field("their_number", words::incoming_field("their_number"), &typed.their_number, refused, Some("พิมพ์ตามที่ปรากฏในหนังสือ เช่น ตร ๐๐๒๓.๓/ว ๑๒๓"), None))
                (date_field("date", words::incoming_field("date"), &typed.date, refused, "วัน เดือน ปี พุทธศักราช ตามที่ลงในหนังสือ", digits))
                (text_field("from", words::incoming_field("from"), &typed.from, refused, Some("ส่วนราชการหรือบุคคลผู้ส่ง"), None))
                (text_field("to", words::incoming_field("to"), &typed.to, refused, None, None))
                (text_field("subject", words::incoming_field("subject"), &typed.subject, refused, None, Some(2)))
                div.pair {
                    (choice("urgency", words::incoming_field("urgency"), &typed.urgency, &[("", "ปกติ"), ("ด่วน", "ด่วน"), ("ด่วนมาก", "ด่วนมาก"), ("ด่วนที่สุด", "ด่วนที่สุด")]))
                    (choice("secrecy", words::incoming_field("secrecy"), &typed.secrecy, &[("", "ไม่มี"), ("ลับ", "ลับ"), ("ลับมาก", "ลับมาก")]))
                }
                (date_field("due", words::incoming_field("due"), &typed.due, refused, "ไม่บังคับ กำหนดที่ผู้ส่งขอให้ดำเนินการภายใน", digits))
            }
            // The files last: the typed fields arrive first, and are kept
            // even when a file is refused on its way in.
            fieldset #incoming-files {
                legend { "ตัวหนังสือ (เลือกอย่างใดอย่างหนึ่ง หรือไม่แนบเลยหากเป็นหนังสือกระดาษ)" }
                div.field {
                    label for="in-file" { (words::incoming_field("file")) }
                    span.hint #in-file-hint { "ไฟล์ PDF ไม่เข้ารหัส ไม่เกิน " (words::megabytes(limit, digits)) " ระบบเก็บต้นฉบับไว้ตามที่ได้รับทุกไบต์" }
                    input #in-file type="file" name="file" accept="application/pdf,.pdf" aria-describedby="in-file-hint in-file-error"
                        aria-invalid=[file_error.map(|_| "true")];
                    @if let Some(message) = file_error {
                        p.field-error #in-file-error role="alert" { (message) }
                    }
                }
                div.field {
                    label for="in-scans" { (words::incoming_field("scans")) }
                    span.hint #in-scans-hint { "ภาพ PNG หรือ JPEG เลือกได้หลายภาพ เรียงตามลำดับหน้า ระบบรวมเป็นไฟล์ PDF เดียว" }
                    input #in-scans type="file" name="scans" multiple accept="image/png,image/jpeg" aria-describedby="in-scans-hint in-scans-error"
                        aria-invalid=[scans_error.map(|_| "true")];
                    @if let Some(message) = scans_error {
                        p.field-error #in-scans-error role="alert" { (message) }
                    }
                }
            }
            div.buttons {
                button.primary #receive-submit type="submit" { "ลงรับหนังสือ" }
                a.button href="/inbox" { "ยกเลิก" }
            }
        }
    }
}

/// `GET /incoming/new`: the receiving form, for the registrar.
pub(crate) async fn new_page(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = may_receive(&user) {
        return response;
    }
    let digits = digits_of(&state, &user).await;
    let typed = Typed::default();
    let limit = state.store.enclosure_limits().file;
    page(
        StatusCode::OK,
        words::RECEIVE_TITLE,
        Some(&user),
        receive_form(&user, &typed, None, digits, limit),
    )
}

/// The most a text field of the form may hold.
const TEXT_FIELD_LIMIT: u64 = 64 * 1024;

/// What the multipart form carried.
#[derive(Default)]
struct Posted {
    fields: Vec<(String, String)>,
    file: Option<(String, Vec<u8>)>,
    scans: Vec<Vec<u8>>,
}

/// Reads the form; a file over its limit stops the reading with a refusal
/// at its field (what was typed before it is kept).
async fn read_posted(
    multipart: &mut Multipart,
    file_limit: u64,
    scans_limit: u64,
) -> Result<Posted, (Posted, Option<Refused>)> {
    let mut posted = Posted::default();
    let mut scans_total: u64 = 0;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(posted),
            Err(_) => return Err((posted, None)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned).unwrap_or_default();
        let (is_file, cap) = match name.as_str() {
            "file" => (true, file_limit),
            "scans" => (true, scans_limit.saturating_sub(scans_total)),
            _ => (false, TEXT_FIELD_LIMIT),
        };
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > cap {
                        if !is_file {
                            return Err((posted, None));
                        }
                        let limit = if name == "file" {
                            file_limit
                        } else {
                            scans_limit
                        };
                        let shown = if filename.is_empty() {
                            words::incoming_field(if name == "file" { "file" } else { "scans" })
                                .to_owned()
                        } else {
                            filename.clone()
                        };
                        let message = if name == "file" {
                            saraban_core::enclosure::Refusal::OverLimit { limit }.message(&shown)
                        } else {
                            saraban_core::enclosure::Refusal::DocumentTooLarge {
                                total: scans_total + (bytes.len() + chunk.len()) as u64,
                                limit,
                            }
                            .message(words::incoming_field("scans"))
                        };
                        let field = if name == "file" { "file" } else { "scans" };
                        return Err((
                            posted,
                            Some(Refused {
                                field,
                                message: format!("{message} ไม่มีการบันทึกใด ๆ"),
                            }),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(_) => return Err((posted, None)),
            }
        }
        match name.as_str() {
            // A file input left empty sends a part with no name and no bytes.
            "file" if !filename.is_empty() => posted.file = Some((filename, bytes)),
            "scans" if !filename.is_empty() => {
                scans_total += bytes.len() as u64;
                posted.scans.push(bytes);
            }
            "file" | "scans" => {}
            _ => {
                let Ok(text) = String::from_utf8(bytes) else {
                    return Err((posted, None));
                };
                if text.contains('\0') {
                    return Err((posted, None));
                }
                posted.fields.push((name, text.replace("\r\n", "\n")));
            }
        }
    }
}

/// `POST /incoming/new`: records the letter; its page opens.
pub(crate) async fn receive(
    State(state): State<AppState>,
    user: WebUser,
    mut multipart: Multipart,
) -> Response {
    if let Err(response) = user.may_read_documents() {
        return response;
    }
    let limits = state.store.enclosure_limits();
    let digits = digits_of(&state, &user).await;
    let again = |typed: &Typed, refused: Refused| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            words::RECEIVE_TITLE,
            Some(&user),
            receive_form(&user, typed, Some(&refused), digits, limits.file),
        )
    };
    let posted = match read_posted(&mut multipart, limits.file, limits.document).await {
        Ok(posted) => posted,
        Err((posted, refused)) => {
            let fields = Fields(posted.fields);
            if let Err(response) = user.check_form(&fields) {
                return response;
            }
            return match refused {
                Some(refused) => again(&Typed::from_fields(&fields), refused),
                None => message_page(
                    StatusCode::BAD_REQUEST,
                    words::RECEIVE_TITLE,
                    words::FORM_UNREADABLE,
                ),
            };
        }
    };
    let fields = Fields(posted.fields);
    if let Err(response) = user.check_form(&fields).and_then(|_| may_receive(&user)) {
        return response;
    }
    let typed = Typed::from_fields(&fields);
    let content = match Received::from_value(typed.content()) {
        Ok(content) => content,
        Err(error) => {
            let error = StoreError::from(error);
            return match refused_of(&error, digits) {
                Some(refused) => again(&typed, refused),
                None => failure(error),
            };
        }
    };
    let (org, person, now) = (&user.account.org, &user.account.person, Utc::now());
    let outcome = match (posted.file, posted.scans.is_empty()) {
        (Some(_), false) => {
            return again(
                &typed,
                Refused {
                    field: "scans",
                    message: words::FILE_OR_SCANS.into(),
                },
            );
        }
        (Some((filename, bytes)), true) => {
            let file = OriginalFile {
                filename: Some(filename),
                bytes,
            };
            state
                .store
                .receive_letter(org, person, content, Some(file), now)
                .await
        }
        (None, false) => {
            state
                .store
                .receive_scans(org, person, content, posted.scans, now)
                .await
        }
        (None, true) => {
            state
                .store
                .receive_letter(org, person, content, None, now)
                .await
        }
    };
    match outcome {
        Ok(letter) => {
            tracing::info!(document = %letter.id, user = %person, "received (web)");
            redirect(&format!("/doc/{}?received=1", letter.id))
        }
        Err(error) => match refused_of(&error, digits) {
            Some(refused) => again(&typed, refused),
            None => failure(error),
        },
    }
}

/// A note (เกษียณ) written on the letter on its way: the text, who, as
/// what, when.
struct Note {
    text: String,
    name: String,
    position: String,
    date: String,
}

fn notes_of(config: &OrgConfig, history: &[HistoryEntry], registrar: &str) -> Vec<Note> {
    let digits = config.organisation.digits;
    history
        .iter()
        .filter_map(|entry| {
            let event = &entry.event;
            let get = |key: &str| event.get(key).and_then(Value::as_str);
            if !matches!(
                get("kind"),
                Some("submitted" | "endorsed" | "signed" | "closed")
            ) {
                return None;
            }
            let text = get("text")?.to_owned();
            // The registrar submits for no position: as the registrar.
            let position = get("position").unwrap_or(registrar);
            Some(Note {
                text,
                name: words::person_name(config, get("actor").unwrap_or_default()),
                position: words::position_title(config, position),
                date: words::date(get("at").unwrap_or_default(), digits),
            })
        })
        .collect()
}

/// Everything the letter's page shows, loaded by the document page.
pub(crate) struct LetterPage<'a> {
    pub config: OrgConfig,
    pub summary: DocumentSummary,
    pub allowed: Vec<AllowedAction>,
    pub history: Vec<HistoryEntry>,
    pub alert: Option<String>,
    pub notice: Option<String>,
    pub status: StatusCode,
    pub user: &'a WebUser,
}

/// The assignee as named on the page: a position's title, else a
/// person's name.
pub(crate) fn assignee_name(config: &OrgConfig, slug: &str) -> String {
    if config.positions.iter().any(|p| p.id.as_str() == slug) {
        words::position_title(config, slug)
    } else {
        words::person_name(config, slug)
    }
}

/// The received letter's page.
pub(crate) async fn letter_page(state: &AppState, loaded: LetterPage<'_>) -> Response {
    let LetterPage {
        config,
        summary,
        allowed,
        history,
        alert,
        notice,
        status,
        user,
    } = loaded;
    let org = &user.account.org;
    let id = summary.id.clone();
    let digits = config.organisation.digits;
    let letter: Option<Incoming> = match state.store.content(org, &id).await {
        Ok(content) => incoming_from_value(content).ok(),
        Err(error) => return failure(error),
    };
    let Some(letter) = letter else {
        return failure(StoreError::not_found("received letter", id.as_str()));
    };
    let registrar = config
        .route(saraban_core::incoming::KIND)
        .map(|r| r.issue.to_string())
        .unwrap_or_default();
    let today = saraban_core::clock::thai_date(Utc::now());
    let order = state
        .store
        .incoming_orders(org, std::slice::from_ref(&id), today)
        .await
        .ok()
        .and_then(|mut found| found.remove(&id));
    let editable = summary.drafter == user.account.person && summary.state == "draft";
    let first_page = match &letter.original {
        Some(_) => match state.store.stamped_view(org, &id).await {
            Ok(pdf) => state.press.first_page_svg(pdf).await,
            Err(error) => {
                tracing::warn!(%error, "the stamped view could not be made");
                None
            }
        },
        None => None,
    };
    let notes = notes_of(&config, &history, &registrar);
    let replies = state.store.replies(org, &id).await.unwrap_or_default();
    let may_reply = allowed.iter().any(|a| a.action == RouteAction::Close);
    let circulation = match state.store.circulation(org, &id, today).await {
        Ok(circulation) => circulation,
        Err(error) => return failure(error),
    };
    let place = letter.stamp;
    let unit_receipts = match state.store.unit_receipts(org, &id).await {
        Ok(receipts) => receipts,
        Err(error) => return failure(error),
    };
    // The units' registers this person keeps and the letter is not yet in.
    let to_record: Vec<(String, String)> = match state
        .store
        .unit_registers_kept(org, &user.account.person, Utc::now())
        .await
    {
        Ok(kept) => kept
            .iter()
            .filter(|r| !unit_receipts.iter().any(|u| u.register == r.as_str()))
            .map(|r| {
                let name = config
                    .registers
                    .iter()
                    .find(|c| c.id == *r)
                    .map_or_else(|| r.to_string(), |c| c.name.as_str().to_owned());
                (r.to_string(), name)
            })
            .collect(),
        Err(error) => return failure(error),
    };
    let content = html! {
        p.crumbs { a href="/inbox" { "← งานรอดำเนินการ" } }
        h1 #doc-title { (letter.subject.as_str()) }
        p.meta {
            span.kind { (words::kind_name(&summary.kind)) }
            span.state #doc-state { (summary.state_thai) }
            @if let Some(number) = summary.number {
                span #doc-number { "เลขรับ " (digits.number(number.unsigned_abs())) }
            }
            @if let Some(order) = &order && order.overdue { span.overdue #overdue { (words::OVERDUE) } }
        }
        @if let Some(alert) = &alert { p.alert role="alert" #action-refused { (alert) } }
        @if let Some(notice) = &notice { p.notice role="status" #action-done { (notice) } }
        div.document-layout {
            section.actions.panel aria-labelledby="actions-title" {
                h2 #actions-title { "สิ่งที่ท่านทำได้" }
                @if !summary.waiting_for.is_empty() {
                    p { "ขณะนี้รอ: " strong #waiting-for { (words::waiting_for(&config, &summary.waiting_for)) } }
                }
                @if allowed.is_empty() && !editable {
                    p.hint #no-actions { "ขณะนี้ไม่มีรายการที่ท่านต้องดำเนินการกับหนังสือนี้" }
                }
                div.action-buttons {
                    @for choice in &allowed {
                        @let slug = choice.action.name();
                        a.button.primary[matches!(choice.action, RouteAction::Endorse | RouteAction::Sign | RouteAction::Submit | RouteAction::Close)]
                            .danger[matches!(choice.action, RouteAction::Withdraw | RouteAction::Cancel)]
                            #(format!("action-{slug}"))
                            href=(format!("/doc/{id}/act/{slug}")) { (words::incoming_action(choice.action)) }
                    }
                    @if may_reply {
                        a.button #action-reply href=(format!("/new/letter?reply_to={id}")) { (words::REPLY) }
                        a.button #action-reply-memo href=(format!("/new/memo?reply_to={id}")) { "ตอบเป็นบันทึกข้อความ" }
                    }
                }
                @if let Some(order) = &order && (order.assigned_to.is_some() || order.due.is_some()) {
                    dl.facts #assignment {
                        @if let Some(to) = &order.assigned_to { dt { "มอบหมายให้" } dd #assigned-to { (assignee_name(&config, to)) } }
                        @if let Some(due) = &order.due {
                            dt { "ภายในวันที่" }
                            dd #due { (words::iso_date(due, true, digits)) @if order.overdue { " " strong.overdue { (words::OVERDUE) } } }
                        }
                    }
                }
                @for (register, name) in &to_record {
                    form.unit-receipt method="post" action=(format!("/doc/{id}/unit-receipt")) data-busy {
                        (user.csrf_field())
                        input type="hidden" name="register" value=(register);
                        button.primary type="submit" id=(format!("unit-receipt-{register}")) { (words::UNIT_RECEIVE) }
                        @if to_record.len() > 1 { " " span.hint { (name) } }
                    }
                }
                @if editable && letter.original.is_some() {
                    (stamp_form(user, id.as_str(), place))
                }
                p.links {
                    @if letter.original.is_some() {
                        a #stamped-link href=(format!("/doc/{id}/stamped.pdf")) target="_blank" rel="noopener" { "หนังสือพร้อมตรารับ (PDF)" }
                        " · "
                        a #original-link href=(format!("/doc/{id}/original")) { "ต้นฉบับตามที่ได้รับ" }
                        " · "
                    }
                    a href=(format!("/doc/{id}/history")) { "บันทึกการอนุมัติ (ประวัติ)" }
                }
            }
            section.preview #document aria-label="หนังสือ" tabindex="0" {
                dl.facts #letter-fields {
                    dt { "เลขทะเบียนรับ" } dd #received-number { (summary.number.map(|n| digits.number(n.unsigned_abs())).unwrap_or_default()) }
                    dt { "วันเวลาที่รับ" } dd #received-at { (words::time(&summary.created_at, digits)) }
                    @for receipt in &unit_receipts {
                        dt { (words::UNIT_NUMBER) " (" (receipt.register_name) ")" }
                        dd.unit-number id=(format!("unit-number-{}", receipt.register)) {
                            (digits.number(receipt.number.unsigned_abs())) "/" (digits.number(u64::from(receipt.year.unsigned_abs())))
                            " " span.when { (words::time(&receipt.received_at, digits)) }
                        }
                    }
                    dt { (words::incoming_field("their_number")) } dd #their-number { (letter.their_number.as_str()) }
                    dt { (words::incoming_field("date")) } dd { (letter.date.full(digits)) }
                    dt { (words::incoming_field("from")) } dd #letter-from { (letter.from.as_str()) }
                    dt { (words::incoming_field("to")) } dd { (letter.to.as_str()) }
                    dt { (words::incoming_field("subject")) } dd { (letter.subject.as_str()) }
                    @if let Some(urgency) = letter.urgency { dt { (words::incoming_field("urgency")) } dd.urgency { (urgency.wording()) } }
                    @if let Some(secrecy) = letter.secrecy { dt { (words::incoming_field("secrecy")) } dd { (secrecy.wording()) } }
                    @if let Some(due) = &letter.due { dt { (words::incoming_field("due")) } dd { (due.full(digits)) } }
                }
                @match (&letter.original, &first_page) {
                    (Some(_), Some(first)) => (stamp_stage(first, place, editable)),
                    (Some(_), None) => p.alert { "แสดงหน้าแรกไม่ได้ เปิดไฟล์ PDF จากลิงก์ “หนังสือพร้อมตรารับ” แทน" },
                    (None, _) => p.hint #paper-letter { "หนังสือกระดาษ: ลงรับเฉพาะรายละเอียด ไม่มีไฟล์" },
                }
                @if !replies.is_empty() {
                    section #replies aria-labelledby="replies-title" {
                        h2 #replies-title { (words::REPLIES) }
                        ul.replies {
                            @for reply in &replies {
                                li {
                                    a href=(format!("/doc/{}", reply.id)) {
                                        (words::kind_name(&reply.kind))
                                        @if let Some(number) = &reply.printed_number { " " (number) }
                                    }
                                    " "
                                    span.state { (saraban_core::workflow::State::from_parts(&reply.state, 0).map(|s| s.thai_for(&reply.kind)).unwrap_or_default()) }
                                    @if reply.issued() { " " strong.answered { "ตอบแล้ว" } }
                                }
                            }
                        }
                    }
                }
                @if !circulation.positions.is_empty() {
                    (circulation_panel(&config, &circulation))
                }
                section #notes aria-labelledby="notes-title" {
                    h2 #notes-title { "การเกษียณหนังสือ" }
                    @if notes.is_empty() {
                        p.empty { "ยังไม่มีการเกษียณ" }
                    } @else {
                        ol.notes {
                            @for note in &notes {
                                li.note {
                                    p.note-text { (note.text) }
                                    p.note-by { (note.name) br; (note.position) br; span.when { (note.date) } }
                                }
                            }
                        }
                    }
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
    page(status, letter.subject.as_str(), Some(user), content)
}

/// The stamped first page, and for the registrar the box that drags the
/// stamp (the script sets the form's x and y from it).
fn stamp_stage(
    first: &saraban_press::FirstPage,
    place: Option<StampPlace>,
    editable: bool,
) -> Markup {
    use base64::Engine;
    let width_mm = first.width_pt * MM_PER_PT;
    let height_mm = first.height_pt * MM_PER_PT;
    let (x, y) = place_or_default(place, width_mm);
    html! {
        div.stamp-stage #stamp-stage data-width-mm=(format!("{width_mm:.2}")) data-height-mm=(format!("{height_mm:.2}"))
            data-stamp-w=(STAMP_W_MM) data-stamp-h=(STAMP_H_MM) data-x=(format!("{x:.1}")) data-y=(format!("{y:.1}")) {
            img.sheet #stamped-page src=(PreEscaped(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(&first.svg))))
                alt="หน้าแรกของหนังสือพร้อมตรารับ";
            @if editable {
                // Placed and shown by the script (the pages allow no inline
                // style); without it the form's numbers do the same.
                div.stamp-box #stamp-box hidden {}
            }
        }
    }
}

/// Where the stamp is, in mm: as placed, else the top right as the press
/// puts it (10 mm from the top and right edges).
fn place_or_default(place: Option<StampPlace>, width_mm: f64) -> (f64, f64) {
    match place {
        Some(place) => (place.x_mm, place.y_mm),
        None => default_stamp_place_mm(width_mm),
    }
}

fn stamp_form(user: &WebUser, id: &str, place: Option<StampPlace>) -> Markup {
    let (x, y) = place.map(|p| (p.x_mm, p.y_mm)).unwrap_or((0.0, 0.0));
    let shown = |v: f64| {
        if place.is_some() {
            format!("{v:.0}")
        } else {
            String::new()
        }
    };
    html! {
        form.stamp-place #stamp-form method="post" action=(format!("/doc/{id}/stamp")) data-busy {
            (user.csrf_field())
            fieldset {
                legend { "ตำแหน่งตรารับ (มิลลิเมตรจากมุมบนซ้ายของหน้าแรก)" }
                p.hint #stamp-hint { "เว้นว่างไว้ ตรารับจะอยู่มุมบนขวา ลากกรอบบนภาพหน้าแรกเพื่อเลือกตำแหน่งได้" }
                div.pair {
                    div.field {
                        label for="stamp-x" { "ระยะจากซ้าย (มม.)" }
                        input #stamp-x name="x_mm" type="number" min="0" max="1000" step="1" inputmode="numeric" value=(shown(x)) aria-describedby="stamp-hint";
                    }
                    div.field {
                        label for="stamp-y" { "ระยะจากบน (มม.)" }
                        input #stamp-y name="y_mm" type="number" min="0" max="1000" step="1" inputmode="numeric" value=(shown(y)) aria-describedby="stamp-hint";
                    }
                }
                div.buttons {
                    button #stamp-save type="submit" { "บันทึกตำแหน่งตรารับ" }
                }
            }
        }
    }
}

/// The route of a received letter: received, considered, ordered, done.
fn route_steps(config: &OrgConfig, summary: &DocumentSummary) -> Markup {
    let Some(route) = config.route(&summary.kind) else {
        return html! {};
    };
    let state = summary.state.as_str();
    let received = (
        format!(
            "ลงรับ: {}",
            words::position_title(config, route.issue.as_str())
        ),
        state == "draft",
    );
    let done = ("ปฏิบัติตามคำสั่ง".to_owned(), state == "signed");
    route_list(config, summary, received, "สั่งการ", vec![done])
}

/// `GET /doc/{id}/stamped.pdf`: the letter with its stamp and notes.
pub(crate) async fn stamped(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let id = match readable_document(&user, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match state.store.stamped_view(&user.account.org, &id).await {
        Ok(pdf) => super::common::inline_pdf(
            &PdfName {
                thai: "หนังสือรับ-ตรารับ.pdf".into(),
                ascii: "stamped.pdf".into(),
            },
            pdf,
        ),
        Err(error) => failure(error),
    }
}

/// `GET /doc/{id}/original`: the original byte for byte.
pub(crate) async fn original(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let id = match readable_document(&user, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match state.store.original(&user.account.org, &id).await {
        Ok(file) => crate::enclosures::file_response(file),
        Err(error) => failure(error),
    }
}

/// The confirmation's part for the signer of a received letter: the
/// order's assignee (a position or a person) and its deadline.
pub(crate) fn assignment_fields(config: &OrgConfig, error: Option<&str>) -> Markup {
    let digits = config.organisation.digits;
    html! {
        fieldset #assignment-fields {
            legend { "มอบหมายให้ปฏิบัติ" }
            div.field {
                label for="assigned_to" { "มอบหมายให้" }
                select #assigned_to name="assigned_to" aria-describedby="assigned-error" aria-invalid=[error.map(|_| "true")] {
                    option value="" { "ไม่มอบหมาย (ส่งคืนงานสารบรรณ)" }
                    optgroup label="ตำแหน่ง" {
                        @for position in &config.positions {
                            option value=(position.id) { (position.title) }
                        }
                    }
                    optgroup label="บุคคล" {
                        @for person in config.people.iter().filter(|p| !p.holds.is_empty()) {
                            option value=(person.id) { (person.name) }
                        }
                    }
                }
            }
            div.field {
                label #due-label for="due" { "ภายในวันที่ (ไม่บังคับ)" }
                (date_parts(digits, "due", "due", "", "due-label", error.is_some()))
            }
            @if let Some(error) = error {
                p.field-error #assigned-error role="alert" { (error) }
            }
        }
    }
}

/// The positions a letter may be circulated to, each a checkbox.
pub(crate) fn circulation_fields(config: &OrgConfig) -> Markup {
    html! {
        fieldset #circulation-fields {
            legend { "แจ้งเวียนให้ผู้ดำรงตำแหน่งต่อไปนี้รับทราบ" }
            div.choices {
                @for position in &config.positions {
                    label.choice {
                        input type="checkbox" name="positions" value=(position.id);
                        " " (position.title)
                    }
                }
            }
        }
    }
}

/// The positions a circulation's confirmation posted.
pub(crate) fn posted_positions(
    fields: &Fields,
) -> Result<Vec<saraban_core::org::Slug>, StoreError> {
    fields
        .all("positions")
        .into_iter()
        .map(|position| {
            saraban_core::org::Slug::parse(position)
                .map_err(|_| StoreError::invalid("positions", words::UNKNOWN_POSITION))
        })
        .collect()
}

/// Who has acknowledged a circulated letter, and who has not yet.
pub(crate) fn circulation_panel(
    config: &OrgConfig,
    circulation: &saraban_store::Circulation,
) -> Markup {
    let digits = config.organisation.digits;
    let title = |position: &str| {
        config
            .positions
            .iter()
            .find(|p| p.id.as_str() == position)
            .map_or_else(|| position.to_owned(), |p| p.title.as_str().to_owned())
    };
    html! {
        section.panel #circulation aria-labelledby="circulation-title" {
            h2 #circulation-title { "การแจ้งเวียน" }
            p {
                "รับทราบแล้ว " (digits.number(circulation.acknowledged.len() as u64))
                " จาก " (digits.number((circulation.acknowledged.len() + circulation.waiting.len()) as u64)) " คน"
            }
            h3 { "รับทราบแล้ว" }
            @if circulation.acknowledged.is_empty() {
                p { "ยังไม่มีผู้รับทราบ" }
            } @else {
                ul #acknowledged {
                    @for done in &circulation.acknowledged {
                        li { (done.name) " (" (title(done.position.as_str())) ") " (words::time(&done.at, digits)) }
                    }
                }
            }
            h3 { "ยังไม่รับทราบ" }
            @if circulation.waiting.is_empty() {
                p { "ครบทุกคนแล้ว" }
            } @else {
                ul #unacknowledged {
                    @for waiting in &circulation.waiting {
                        li { (waiting.name) " (" (title(waiting.position.as_str())) ")" }
                    }
                }
            }
        }
    }
}

/// The assignment a signer's confirmation posted, if any.
pub(crate) fn posted_assignment(
    fields: &Fields,
) -> Result<Option<saraban_store::Assignment>, StoreError> {
    let to = fields.text("assigned_to");
    let due = posted_date(fields, "due");
    if to.trim().is_empty() {
        if due.is_empty() {
            return Ok(None);
        }
        return Err(StoreError::invalid(
            "assigned_to",
            words::DUE_WITHOUT_ASSIGNEE,
        ));
    }
    let to = saraban_core::org::Slug::parse(to.trim())
        .map_err(|_| StoreError::invalid("assigned_to", words::UNKNOWN_ASSIGNEE))?;
    let due = if due.is_empty() {
        None
    } else {
        Some(
            chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d")
                .map_err(|_| StoreError::invalid("due", words::DUE_INVALID))?,
        )
    };
    Ok(Some(saraban_store::Assignment { to, due }))
}

/// The inbox's line about a received letter: the order and the deadline.
pub(crate) fn inbox_line(config: &OrgConfig, order: &saraban_store::IncomingOrder) -> Markup {
    let digits = config.organisation.digits;
    html! {
        div.incoming-order {
            @if let Some(text) = &order.order { p.order { "คำสั่ง: " (text) } }
            p.meta {
                @if let Some(to) = &order.assigned_to { span { "มอบหมายให้ " (assignee_name(config, to)) } }
                @if let Some(due) = &order.due { span.due { "ภายใน " (words::iso_date(due, false, digits)) } }
                @if order.overdue { span.overdue { (words::OVERDUE) } }
            }
        }
    }
}
