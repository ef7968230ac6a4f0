//! Administration: the organisation's configuration (people, positions,
//! delegations, routes, registers and their numbering) shown as tables and
//! edited as one checked file, with the emblem; a changed route becomes a
//! new version, as with `saraban org init`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::PersonId;
use saraban_core::org::{OrgConfig, StepConfig};
use saraban_store::StoreError;

use super::common::{Fields, WebUser, config_of, failure, message_page, page};
use super::words;
use crate::state::AppState;

fn summary(user: &WebUser, config: &OrgConfig) -> Markup {
    let digits = config.organisation.digits;
    let date = |d: &saraban_core::ThaiDate| d.abbreviated(digits);
    html! {
        h2 { "บุคคลและตำแหน่ง" }
        div.table-scroll {
            table #people {
                thead { tr { th scope="col" { "ชื่อผู้ใช้" } th scope="col" { "ชื่อ" } th scope="col" { "ตำแหน่ง" } } }
                tbody {
                    @for person in &config.people {
                        tr {
                            td { code { (person.id) } }
                            td { (person.name) @if person.admin { " (ผู้ดูแลระบบ)" } }
                            td {
                                @for holding in &person.holds {
                                    (words::position_title(config, holding.position.as_str()))
                                    " ตั้งแต่ " (date(&holding.from))
                                    @if let Some(to) = &holding.to { " ถึง " (date(to)) }
                                    br;
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "การมอบอำนาจ" }
        @if config.delegations.is_empty() { p.empty { "ไม่มี" } }
        ul #delegations {
            @for (i, d) in config.delegations.iter().enumerate() {
                li {
                    (words::person_name(config, d.delegate.as_str())) " "
                    (d.capacity.wording()) (words::position_title(config, d.position.as_str()))
                    " ตาม" (d.order) " (" (date(&d.from)) " – " (date(&d.to)) ") "
                    form.inline-action method="post" action="/admin/delegations" data-busy {
                        (user.csrf_field())
                        button.danger type="submit" name="op" value=(format!("remove:{i}"))
                            aria-label=(format!("ยกเลิกการมอบอำนาจรายการที่ {}", digits.number(i as u64 + 1))) { "ยกเลิก" }
                    }
                }
            }
        }
        h2 { "เส้นทางเสนอ" }
        @for route in &config.routes {
            h3 { (words::kind_name(&route.kind)) }
            ol.steps {
                @for step in &route.review {
                    li {
                        "พิจารณา: "
                        @match step {
                            StepConfig::One(position) => (words::position_title(config, position.as_str())),
                            StepConfig::Group { any_of, required } => {
                                (digits.number(*required as u64)) " ใน "
                                (any_of.iter().map(|p| words::position_title(config, p.as_str())).collect::<Vec<_>>().join(" / "))
                            }
                        }
                    }
                }
                li { "ลงนาม: " (words::position_title(config, route.sign.as_str())) }
                li { "ออกเลข: " (words::position_title(config, route.issue.as_str())) }
            }
            p.on-return { "เมื่อส่งคืนแก้ไขแล้วเสนอใหม่: " (route.on_return.thai()) }
        }
        h2 { "ทะเบียน" }
        ul {
            @for r in &config.registers {
                li {
                    (r.name)
                    @if let Some(prefix) = &r.prefix { " · รหัส " (prefix.as_str()) }
                    @if let Some(start) = &r.start {
                        " · เริ่มปี " (digits.number(start.year.get() as u64)) " ที่เลข " (digits.number(u64::from(start.next)))
                    }
                }
            }
        }
    }
}

/// What the administration page says after a change, or about a refusal.
#[derive(Debug, Default, Clone, Copy)]
struct Outcome<'a> {
    config_error: Option<&'a str>,
    password_error: Option<&'a str>,
    delegation: Option<&'a DelegationDraft>,
    emblem_error: Option<&'a str>,
    saved: Option<&'a str>,
}

/// A delegation as typed into its form, with the engine's complaint.
#[derive(Debug, Default, Clone)]
struct DelegationDraft {
    delegate: String,
    position: String,
    capacity: String,
    order: String,
    from: String,
    to: String,
    /// The field at fault (delegate, position, capacity, order, from, to) and why.
    error: Option<(String, String)>,
}

impl DelegationDraft {
    fn from_fields(fields: &Fields) -> Self {
        DelegationDraft {
            delegate: fields.text("delegate"),
            position: fields.text("position"),
            capacity: fields.text("capacity"),
            order: fields.text("order"),
            from: fields.text("from"),
            to: fields.text("to"),
            error: None,
        }
    }

    fn error_at(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn delegation_form(user: &WebUser, config: &OrgConfig, draft: Option<&DelegationDraft>) -> Markup {
    let empty = DelegationDraft::default();
    let draft = draft.unwrap_or(&empty);
    let field_error = |field: &str| {
        draft.error_at(field).map(|message| {
            html! { p.field-error #(format!("delegation-{field}-error")) role="alert" { (message) } }
        })
    };
    let invalid = |field: &str| draft.error_at(field).map(|_| "true");
    html! {
        h3 #delegation-title { "เพิ่มการมอบอำนาจ" }
        p.hint { "เช่น นายกไม่อยู่ ให้ปลัดปฏิบัติราชการแทนตามคำสั่ง ระบบจะพิมพ์ข้อความนี้ใต้ลายมือชื่อเมื่อผู้ได้รับมอบอำนาจลงนาม" }
        form.document-form method="post" action="/admin/delegations" data-busy {
            (user.csrf_field())
            input type="hidden" name="op" value="add";
            div.pair {
                div.field {
                    label for="delegation-delegate" { "ผู้ได้รับมอบอำนาจ" }
                    select #delegation-delegate name="delegate" aria-invalid=[invalid("delegate")] {
                        @for person in &config.people {
                            option value=(person.id) selected[person.id.as_str() == draft.delegate] { (person.name) }
                        }
                    }
                    (field_error("delegate").unwrap_or_default())
                }
                div.field {
                    label for="delegation-position" { "ทำการแทนตำแหน่ง" }
                    select #delegation-position name="position" aria-invalid=[invalid("position")] {
                        @for position in &config.positions {
                            option value=(position.id) selected[position.id.as_str() == draft.position] { (position.title) }
                        }
                    }
                    (field_error("position").unwrap_or_default())
                }
            }
            div.field {
                label for="delegation-capacity" { "ลักษณะ" }
                select #delegation-capacity name="capacity" {
                    @for wording in ["ปฏิบัติราชการแทน", "รักษาราชการแทน", "รักษาการในตำแหน่ง"] {
                        option value=(wording) selected[wording == draft.capacity] { (wording) }
                    }
                }
                (field_error("capacity").unwrap_or_default())
            }
            div.field {
                label for="delegation-order" { "ตามคำสั่ง" }
                input #delegation-order name="order" value=(draft.order) required
                    placeholder="คำสั่งองค์การบริหารส่วนตำบล… ที่ …/…" aria-invalid=[invalid("order")];
                (field_error("order").unwrap_or_default())
            }
            div.pair {
                div.field {
                    label for="delegation-from" { "ตั้งแต่วันที่" }
                    input #delegation-from type="date" name="from" value=(draft.from) required aria-invalid=[invalid("from")];
                    (field_error("from").unwrap_or_default())
                }
                div.field {
                    label for="delegation-to" { "ถึงวันที่" }
                    input #delegation-to type="date" name="to" value=(draft.to) required aria-invalid=[invalid("to")];
                    (field_error("to").unwrap_or_default())
                }
            }
            button.primary type="submit" { "เพิ่มการมอบอำนาจ" }
        }
    }
}

fn editor(user: &WebUser, config: &OrgConfig, text: &str, outcome: Outcome<'_>) -> Markup {
    let error = outcome.config_error;
    html! {
        h1 { "ผู้ดูแลระบบ: " (config.organisation.name) }
        p { a href="/admin/verify" { "ตรวจสอบความถูกต้องของบันทึกทั้งหมด" } }
        @if let Some(saved) = outcome.saved { p.notice role="status" #admin-saved { (saved) } }
        (summary(user, config))
        (delegation_form(user, config, outcome.delegation))
        h2 #passwords-title { "ตั้งรหัสผ่านให้ผู้ใช้" }
        p.hint { "สำหรับผู้ใช้ใหม่หรือผู้ที่ลืมรหัสผ่าน แจ้งรหัสผ่านนี้ให้ผู้ใช้ แล้วให้เปลี่ยนเองเมื่อเข้าสู่ระบบ" }
        form.document-form method="post" action="/admin/password" data-busy {
            (user.csrf_field())
            div.pair {
                div.field {
                    label for="password-person" { "ผู้ใช้" }
                    select #password-person name="person" {
                        @for person in &config.people {
                            option value=(person.id) { (person.name) " (" (person.id) ")" }
                        }
                    }
                }
                div.field {
                    label for="password-new" { "รหัสผ่านใหม่ (อย่างน้อย ๘ ตัวอักษร)" }
                    input #password-new name="password" type="password" autocomplete="new-password" required minlength="8"
                        aria-invalid=[outcome.password_error.map(|_| "true")] aria-describedby="password-new-error";
                    @if let Some(message) = outcome.password_error {
                        p.field-error #password-new-error role="alert" { (message) }
                    }
                }
            }
            button type="submit" { "ตั้งรหัสผ่าน" }
        }
        h2 #emblem-title { "ตราครุฑ" }
        p { img.emblem src="/admin/emblem" alt="ตราครุฑที่ใช้อยู่ (ถ้ายังไม่มี จะพิมพ์กรอบแทน)" width="80" height="80"; }
        form method="post" action="/admin/emblem" enctype="multipart/form-data" data-busy {
            (user.csrf_field())
            div.field {
                label for="emblem" { "ไฟล์ตราครุฑ (PNG หรือ SVG ไม่เกิน ๒ MB)" }
                input #emblem type="file" name="emblem" accept=".png,.svg,image/png,image/svg+xml" required
                    aria-invalid=[outcome.emblem_error.map(|_| "true")] aria-describedby="emblem-error";
                @if let Some(message) = outcome.emblem_error {
                    p.field-error #emblem-error role="alert" { (message) }
                }
            }
            button type="submit" { "อัปโหลดตราครุฑ" }
        }
        h2 #edit-title { "แก้ไขการตั้งค่า" }
        p.hint {
            "การตั้งค่าทั้งหมดอยู่ในแบบฟอร์มเดียว (รูปแบบ JSON เช่นเดียวกับไฟล์ examples/organisation): "
            "people = บุคคล, positions = ตำแหน่ง, delegations = การมอบอำนาจ, routes = เส้นทางเสนอ (review เรียงตามลำดับ), "
            "registers = ทะเบียน (prefix = รหัสหนังสือ, start = เลขเริ่มต้น) ระบบจะตรวจทั้งหมดก่อนบันทึก หากผิดจะไม่มีการเปลี่ยนแปลงใด ๆ"
        }
        form method="post" action="/admin" data-busy {
            (user.csrf_field())
            div.field {
                label for="config" { "การตั้งค่าหน่วยงาน" }
                textarea #config.code name="config" rows="24" spellcheck="false"
                    aria-invalid=[error.map(|_| "true")] aria-describedby="config-error" { (text) }
                @if let Some(error) = error {
                    p.field-error #config-error role="alert" { (error) }
                }
            }
            button.primary type="submit" { "ตรวจและบันทึก" }
        }
    }
}

/// The administration page, its editor holding `text` as typed.
fn answer_with_text(
    status: StatusCode,
    user: &WebUser,
    config: &OrgConfig,
    text: &str,
    outcome: Outcome<'_>,
) -> Response {
    page(
        status,
        "ผู้ดูแลระบบ",
        Some(user),
        editor(user, config, text, outcome),
    )
}

/// The administration page, its editor holding `config` itself.
fn answer(
    status: StatusCode,
    user: &WebUser,
    config: &OrgConfig,
    outcome: Outcome<'_>,
) -> Response {
    let text = serde_json::to_string_pretty(config).unwrap_or_default();
    answer_with_text(status, user, config, &text, outcome)
}

pub(crate) async fn page_route(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    match config_of(&state, &user).await {
        Ok(config) => answer(StatusCode::OK, &user, &config, Outcome::default()),
        Err(response) => response,
    }
}

pub(crate) async fn save(State(state): State<AppState>, user: WebUser, fields: Fields) -> Response {
    if let Err(response) = user.check_form(&fields).and_then(|_| user.may_administer()) {
        return response;
    }
    let current = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    let text = fields.text("config");
    let refused = |message: String| {
        answer_with_text(
            StatusCode::UNPROCESSABLE_ENTITY,
            &user,
            &current,
            &text,
            Outcome {
                config_error: Some(&message),
                ..Outcome::default()
            },
        )
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => {
            return refused(format!(
                "รูปแบบ JSON ไม่ถูกต้องที่บรรทัด {} ตำแหน่ง {}",
                error.line(),
                error.column()
            ));
        }
    };
    let config = match OrgConfig::from_value(value) {
        Ok(config) => config,
        Err(error) => {
            return refused(format!(
                "{}: {}",
                error.path,
                words::input_reason(&error.message)
            ));
        }
    };
    if config.organisation.id.as_str() != user.account.org {
        return refused("organisation.id: ต้องเป็นรหัสของหน่วยงานของท่านเอง".into());
    }
    // The emblem is kept: this form changes the configuration only.
    let emblem = match state.store.emblem(&user.account.org).await {
        Ok(emblem) => emblem,
        Err(error) => return failure(error),
    };
    match state
        .store
        .init_org(&config, emblem.as_deref(), Utc::now())
        .await
    {
        Ok(_) => {
            tracing::info!(user = %user.account.person, "organisation configuration changed (web)");
            answer_with_text(
                StatusCode::OK,
                &user,
                &config,
                &text,
                Outcome {
                    saved: Some("บันทึกการตั้งค่าแล้ว"),
                    ..Outcome::default()
                },
            )
        }
        Err(error) => {
            let (status, message) = words::store_error(&error);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                return failure(error);
            }
            refused(message)
        }
    }
}

/// The emblem in use, for the administration page. An uploaded SVG is
/// served so that nothing in it can run (sandboxed, no scripts).
pub(crate) async fn emblem(State(state): State<AppState>, user: WebUser) -> Response {
    use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
    use axum::response::IntoResponse;
    if let Err(response) = user.may_administer() {
        return response;
    }
    match state.store.emblem(&user.account.org).await {
        Ok(Some(bytes)) => {
            let content_type = match saraban_typeset::Emblem::from_bytes(bytes.clone()) {
                Ok(e) if e.format == saraban_typeset::EmblemFormat::Svg => "image/svg+xml",
                _ => "image/png",
            };
            (
                [
                    (CONTENT_TYPE, content_type),
                    (
                        CONTENT_SECURITY_POLICY,
                        "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => failure(error),
    }
}

pub(crate) async fn upload_emblem(
    State(state): State<AppState>,
    user: WebUser,
    mut multipart: axum::extract::Multipart,
) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) if name == "csrf" => {
                        csrf = String::from_utf8_lossy(&bytes).into_owned();
                    }
                    Ok(bytes) if name == "emblem" => file = Some(bytes.to_vec()),
                    Ok(_) => {}
                    Err(_) => {
                        return message_page(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "อัปโหลดไม่สำเร็จ",
                            "ไฟล์ใหญ่เกินไปหรือส่งมาไม่ครบ ไฟล์ตราครุฑต้องไม่เกิน ๒ MB",
                        );
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                return message_page(
                    StatusCode::BAD_REQUEST,
                    "อัปโหลดไม่สำเร็จ",
                    "อ่านแบบฟอร์มที่ส่งมาไม่ได้ กรุณาลองอีกครั้ง",
                );
            }
        }
    }
    if let Err(response) = user.check_form(&Fields(vec![("csrf".into(), csrf)])) {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    let shown = |status, outcome| answer(status, &user, &config, outcome);
    let bytes = match file.filter(|f| !f.is_empty()) {
        Some(bytes) => bytes,
        None => {
            return shown(
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome {
                    emblem_error: Some("กรุณาเลือกไฟล์ตราครุฑ"),
                    ..Outcome::default()
                },
            );
        }
    };
    if saraban_typeset::Emblem::from_bytes(bytes.clone()).is_err() {
        return shown(
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                emblem_error: Some("ไฟล์ต้องเป็นภาพ PNG หรือ SVG"),
                ..Outcome::default()
            },
        );
    }
    match state
        .store
        .init_org(&config, Some(&bytes), Utc::now())
        .await
    {
        Ok(_) => {
            tracing::info!(user = %user.account.person, "emblem changed (web)");
            shown(
                StatusCode::OK,
                Outcome {
                    saved: Some("บันทึกตราครุฑแล้ว เอกสารที่จัดทำต่อจากนี้จะใช้ตรานี้"),
                    ..Outcome::default()
                },
            )
        }
        Err(error) => failure(error),
    }
}

/// Adds a delegation from its form, or removes one; the whole
/// configuration is checked again before anything is stored.
pub(crate) async fn delegations(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(response) = user.check_form(&fields).and_then(|_| user.may_administer()) {
        return response;
    }
    let org = &user.account.org;
    let (current, emblem) = match (
        state.store.org_config(org).await,
        state.store.emblem(org).await,
    ) {
        (Ok(config), Ok(emblem)) => (config, emblem),
        (Err(error), _) | (_, Err(error)) => return failure(error),
    };
    let mut value = serde_json::to_value(&current).expect("serialisable");
    let mut draft = DelegationDraft::from_fields(&fields);
    let list = value["delegations"]
        .as_array_mut()
        .expect("delegations are a list");
    let op = fields.text("op");
    let index = list.len();
    if let Some(i) = op
        .strip_prefix("remove:")
        .and_then(|i| i.parse::<usize>().ok())
    {
        if i < list.len() {
            list.remove(i);
        }
    } else {
        list.push(serde_json::json!({
            "delegate": draft.delegate,
            "position": draft.position,
            "capacity": draft.capacity,
            "order": draft.order,
            "from": draft.from,
            "to": draft.to,
        }));
    }
    let config = match OrgConfig::from_value(value) {
        Ok(config) => config,
        Err(error) => {
            let prefix = format!("delegations[{index}]");
            let field = error
                .path
                .strip_prefix(&prefix)
                .map(|rest| rest.trim_start_matches('.').to_owned())
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| "order".to_owned());
            draft.error = Some((field, words::input_reason(&error.message)));
            return answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                &user,
                &current,
                Outcome {
                    delegation: Some(&draft),
                    ..Outcome::default()
                },
            );
        }
    };
    match state
        .store
        .init_org(&config, emblem.as_deref(), Utc::now())
        .await
    {
        Ok(_) => {
            tracing::info!(user = %user.account.person, "delegations changed (web)");
            answer(
                StatusCode::OK,
                &user,
                &config,
                Outcome {
                    saved: Some("บันทึกการมอบอำนาจแล้ว"),
                    ..Outcome::default()
                },
            )
        }
        Err(error) => failure(error),
    }
}

/// Sets a person's password, for a newcomer or someone who forgot theirs.
pub(crate) async fn set_password(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(response) = user.check_form(&fields).and_then(|_| user.may_administer()) {
        return response;
    }
    let config = match config_of(&state, &user).await {
        Ok(config) => config,
        Err(response) => return response,
    };
    let person = fields.text("person");
    let password = fields.text("password");
    // A name that is no person's id is answered as an unknown person, after
    // the password is checked, as the store answers it.
    let set = match PersonId::parse(&person) {
        Ok(id) => {
            state
                .store
                .set_password(&user.account.org, &id, &password)
                .await
        }
        Err(_) => saraban_store::check_new_password(&password)
            .and(Err(StoreError::not_found("person", person.as_str()))),
    };
    let (status, outcome) = match set {
        Ok(()) => {
            tracing::info!(user = %user.account.person, person = %person, "password set by an administrator (web)");
            (StatusCode::OK, Ok(words::person_name(&config, &person)))
        }
        Err(StoreError::Invalid { .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Err("ต้องยาว ๘ ถึง ๒๕๖ ตัวอักษร"),
        ),
        Err(error) => return failure(error),
    };
    let saved = outcome
        .as_ref()
        .ok()
        .map(|name| format!("ตั้งรหัสผ่านของ {name} แล้ว"));
    answer(
        status,
        &user,
        &config,
        Outcome {
            saved: saved.as_deref(),
            password_error: outcome.err(),
            ..Outcome::default()
        },
    )
}
