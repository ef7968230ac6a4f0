//! Administration: the organisation's configuration (people, positions,
//! delegations, routes, registers and their numbering) shown as tables and
//! edited as one checked file, with the emblem; a changed route becomes a
//! new version, as with `saraban org init`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use saraban_core::org::{OrgConfig, StepConfig};

use super::words;
use super::{Fields, WebUser, failure, message_page, page};
use crate::AppState;

fn only_admins(user: &WebUser) -> Result<(), Response> {
    if user.account.is_admin {
        Ok(())
    } else {
        Err(message_page(
            StatusCode::FORBIDDEN,
            "เฉพาะผู้ดูแลระบบ",
            "หน้านี้สำหรับผู้ดูแลระบบของหน่วยงานเท่านั้น",
        ))
    }
}

fn summary(config: &OrgConfig) -> Markup {
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
        ul {
            @for d in &config.delegations {
                li {
                    (words::person_name(config, d.delegate.as_str())) " "
                    (d.capacity.wording()) (words::position_title(config, d.position.as_str()))
                    " ตาม" (d.order) " (" (date(&d.from)) " – " (date(&d.to)) ")"
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

fn editor(
    user: &WebUser,
    config: &OrgConfig,
    text: &str,
    error: Option<&str>,
    saved: bool,
) -> Markup {
    html! {
        h1 { "ผู้ดูแลระบบ: " (config.organisation.name) }
        @if saved { p.notice role="status" #admin-saved { "บันทึกการตั้งค่าแล้ว" } }
        (summary(config))
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

pub(crate) async fn page_route(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = only_admins(&user) {
        return response;
    }
    let config = match state.store.org_config(&user.account.org).await {
        Ok(config) => config,
        Err(error) => return failure(error),
    };
    let text = serde_json::to_string_pretty(&config).unwrap_or_default();
    page(
        StatusCode::OK,
        "ผู้ดูแลระบบ",
        Some(&user),
        editor(&user, &config, &text, None, false),
    )
}

pub(crate) async fn save(State(state): State<AppState>, user: WebUser, fields: Fields) -> Response {
    if let Err(response) = user.check_form(&fields).and_then(|_| only_admins(&user)) {
        return response;
    }
    let current = match state.store.org_config(&user.account.org).await {
        Ok(config) => config,
        Err(error) => return failure(error),
    };
    let text = fields.text("config");
    let refused = |message: String| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ผู้ดูแลระบบ",
            Some(&user),
            editor(&user, &current, &text, Some(&message), false),
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
            page(
                StatusCode::OK,
                "ผู้ดูแลระบบ",
                Some(&user),
                editor(&user, &config, &text, None, true),
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
