//! Sign-in, sign-out and changing one's password.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use saraban_store::SignInError;

use super::common::{Fields, WebUser, failure, page, redirect, with_cookie};
use super::words;
use crate::edge::Peer;
use crate::state::{AppState, cookie_value, session_cookie};

/// Before sign-in there is no session to tie a form to: the sign-in form
/// carries a random value that must match this cookie (double submit).
const SIGN_IN_COOKIE: &str = "saraban_sign_in";

async fn sign_in_form(
    state: &AppState,
    status: StatusCode,
    org: &str,
    user: &str,
    error: Option<&str>,
) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let organisations = state.store.organisations().await.unwrap_or_default();
    let org = if org.is_empty() && organisations.len() == 1 {
        organisations[0].to_string()
    } else {
        org.to_owned()
    };
    let content = html! {
        section.narrow {
            h1 { "เข้าสู่ระบบสารบรรณ" }
            p.hint { "ระบบงานสารบรรณอิเล็กทรอนิกส์: ร่าง เสนอ ลงนาม และออกเลขหนังสือราชการ" }
            @if let Some(error) = error {
                p.alert role="alert" #sign-in-error { (error) }
            }
            form method="post" action="/sign-in" data-busy {
                input type="hidden" name="nonce" value=(nonce);
                @if organisations.len() == 1 {
                    input type="hidden" name="org" value=(org);
                } @else {
                    label for="org" { "รหัสหน่วยงาน" }
                    input #org name="org" value=(org) required autocomplete="organization";
                }
                label for="user" { "ชื่อผู้ใช้" }
                input #user name="user" value=(user) required autocomplete="username" autocapitalize="none" autofocus;
                label for="password" { "รหัสผ่าน" }
                input #password name="password" type="password" required autocomplete="current-password";
                button.primary type="submit" { "เข้าสู่ระบบ" }
            }
            p { a href="/verify" { "ตรวจสอบเอกสารที่ได้รับด้วยรหัสตรวจสอบ (ไม่ต้องเข้าสู่ระบบ)" } }
        }
    };
    let cookie = HeaderValue::from_str(&format!(
        "{SIGN_IN_COOKIE}={nonce}; HttpOnly; SameSite=Strict; Path=/sign-in; Max-Age=3600{}",
        if state.secure_cookies { "; Secure" } else { "" }
    ))
    .expect("a valid header");
    with_cookie(page(status, "เข้าสู่ระบบ", None, content), cookie)
}

pub(crate) async fn sign_in_page(State(state): State<AppState>, user: Option<WebUser>) -> Response {
    if user.is_some() {
        return redirect("/");
    }
    sign_in_form(&state, StatusCode::OK, "", "", None).await
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Peer(address): Peer,
    headers: HeaderMap,
    fields: Fields,
) -> Response {
    let (org, user, password) = (
        fields.text("org"),
        fields.text("user"),
        fields.text("password"),
    );
    let expected = cookie_value(&headers, SIGN_IN_COOKIE);
    if expected.is_none() || expected.as_deref() != fields.get("nonce") {
        return sign_in_form(
            &state,
            StatusCode::FORBIDDEN,
            &org,
            &user,
            Some("แบบฟอร์มเข้าสู่ระบบหมดอายุ กรุณากรอกใหม่อีกครั้ง"),
        )
        .await;
    }
    let token = match state
        .store
        .sign_in_from(
            address.as_deref(),
            org.trim(),
            user.trim(),
            &password,
            false,
            Utc::now(),
        )
        .await
    {
        Ok(token) => token,
        Err(SignInError::Store(error)) => return failure(error),
        Err(refused) => {
            // The time in Thai, in the organisation's digits when it is known.
            let digits = match saraban_core::OrgId::parse(org.trim()) {
                Ok(id) => state
                    .store
                    .org_config(&id)
                    .await
                    .map(|config| config.organisation.digits)
                    .unwrap_or_default(),
                Err(_) => saraban_core::DigitStyle::default(),
            };
            let (status, text) = match refused {
                SignInError::Locked(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "ใส่รหัสผ่านผิดหลายครั้งเกินไป บัญชีถูกระงับชั่วคราว กรุณาลองใหม่หลังเวลา {}",
                        words::time(&until, digits)
                    ),
                ),
                SignInError::RateLimited(until) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "มีการเข้าสู่ระบบผิดจากเครือข่ายนี้หลายครั้งเกินไป กรุณาลองใหม่หลังเวลา {}",
                        words::time(&until, digits)
                    ),
                ),
                SignInError::Wrong | SignInError::Store(_) => {
                    (StatusCode::UNAUTHORIZED, "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง".to_owned())
                }
            };
            return sign_in_form(&state, status, &org, &user, Some(&text)).await;
        }
    };
    tracing::info!(user = %user.trim(), org = %org.trim(), "signed in (web)");
    let cookie = session_cookie(&state, &token, saraban_store::SESSION_HOURS * 3600);
    with_cookie(redirect("/"), cookie)
}

pub(crate) async fn sign_out(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    if let Err(error) = state.store.sign_out(&user.session).await {
        return failure(error);
    }
    with_cookie(redirect("/sign-in"), session_cookie(&state, "", 0))
}

/// The password page, with the field at fault and why, or that it is done.
fn password_answer(
    status: StatusCode,
    user: &WebUser,
    error: Option<(&str, &str)>,
    done: bool,
) -> Response {
    page(
        status,
        "เปลี่ยนรหัสผ่าน",
        Some(user),
        password_form(user, error, done),
    )
}

fn password_form(user: &WebUser, error: Option<(&str, &str)>, done: bool) -> Markup {
    let error_for = |field: &str| {
        error
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.to_owned())
    };
    html! {
        section.narrow {
            h1 { "เปลี่ยนรหัสผ่าน" }
            @if done {
                p.notice role="status" { "เปลี่ยนรหัสผ่านแล้ว การเข้าใช้จากเครื่องอื่นถูกปิดทั้งหมด" }
            }
            form method="post" action="/password" data-busy {
                (user.csrf_field())
                label for="old" { "รหัสผ่านปัจจุบัน" }
                input #old name="old" type="password" required autocomplete="current-password"
                    aria-invalid=[error_for("old").map(|_| "true")] aria-describedby="old-error";
                @if let Some(message) = error_for("old") { p.field-error #old-error { (message) } }
                label for="new" { "รหัสผ่านใหม่ (อย่างน้อย ๘ ตัวอักษร)" }
                input #new name="new" type="password" required minlength="8" autocomplete="new-password"
                    aria-invalid=[error_for("new").map(|_| "true")] aria-describedby="new-error";
                @if let Some(message) = error_for("new") { p.field-error #new-error { (message) } }
                label for="again" { "ยืนยันรหัสผ่านใหม่" }
                input #again name="again" type="password" required autocomplete="new-password"
                    aria-invalid=[error_for("again").map(|_| "true")] aria-describedby="again-error";
                @if let Some(message) = error_for("again") { p.field-error #again-error { (message) } }
                button.primary type="submit" { "เปลี่ยนรหัสผ่าน" }
            }
        }
    }
}

pub(crate) async fn password_page(user: WebUser) -> Response {
    password_answer(StatusCode::OK, &user, None, false)
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    let (old, new) = (fields.text("old"), fields.text("new"));
    let shown = |status, error| password_answer(status, &user, Some(error), false);
    if new != fields.text("again") {
        return shown(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("again", "รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน"),
        );
    }
    match state
        .store
        .change_password(&user.account, &old, &new, Utc::now())
        .await
    {
        Ok(()) => password_answer(StatusCode::OK, &user, None, true),
        Err(SignInError::Wrong) => shown(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("old", "รหัสผ่านปัจจุบันไม่ถูกต้อง"),
        ),
        Err(SignInError::Locked(_) | SignInError::RateLimited(_)) => shown(
            StatusCode::TOO_MANY_REQUESTS,
            ("old", "ใส่รหัสผ่านผิดหลายครั้งเกินไป กรุณาลองใหม่ภายหลัง"),
        ),
        Err(SignInError::Store(error)) => {
            let (status, _) = words::store_error(&error);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                return failure(error);
            }
            shown(status, ("new", "ต้องยาว ๘ ถึง ๒๕๖ ตัวอักษร"))
        }
    }
}
