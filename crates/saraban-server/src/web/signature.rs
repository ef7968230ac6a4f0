//! One's own signature image (`/signature`): drawn with a finger or a
//! pen on the page's canvas, or a PNG uploaded (a scan on white paper
//! is cleaned); shown as it will print; taken away. Without script the
//! upload still works.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use chrono::Utc;
use maud::{Markup, html};

use super::common::{Fields, WebUser, message_page, multipart_parts, page, part_text, redirect};
use crate::signatures::{normalised, png_response};
use crate::state::AppState;

/// The largest upload the page takes: the normaliser's own limit, plus
/// the form around it.
pub(crate) const UPLOAD_LIMIT: usize = 6 * 1024 * 1024;

/// What the page shows besides the forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Opened by this sign-in: shown, and printed on approvals.
    Open,
    /// Registered under an earlier approval key (a password an
    /// administrator reset): it cannot be opened; register it again.
    Shut,
    None,
}

async fn standing(state: &AppState, user: &WebUser) -> Standing {
    let (org, person) = (&user.account.org, &user.account.person);
    if state.store.ink(org.as_str(), person.as_str()).is_some() {
        return Standing::Open;
    }
    match state.store.registered_signature(org, person).await {
        Ok(Some(_)) => Standing::Shut,
        _ => Standing::None,
    }
}

fn signature_page(
    status: StatusCode,
    user: &WebUser,
    standing: Standing,
    error: Option<&str>,
    done: Option<&str>,
) -> Response {
    page(
        status,
        "ลายมือชื่อ",
        Some(user),
        content(user, standing, error, done),
    )
}

fn content(user: &WebUser, standing: Standing, error: Option<&str>, done: Option<&str>) -> Markup {
    html! {
        section.narrow.signature-page {
            h1 { "ลายมือชื่อ" }
            p { "ลายมือชื่อที่บันทึกไว้จะพิมพ์เหนือชื่อของท่านเมื่อท่านลงความเห็นหรือลงนาม ภาพถูกเข้ารหัสด้วยกุญแจของท่าน ใช้ได้เฉพาะเมื่อท่านเข้าสู่ระบบ และบันทึกค่าแฮชไว้ในบันทึกเหตุการณ์" }
            @if let Some(done) = done { p.notice role="status" { (done) } }
            @if let Some(error) = error { p.field-error role="alert" #signature-error { (error) } }
            @match standing {
                Standing::Open => {
                    figure.signature-current {
                        img #signature-current src="/signature/image.png" alt="ลายมือชื่อที่บันทึกไว้";
                        figcaption { "ลายมือชื่อที่ใช้อยู่" }
                    }
                    form method="post" action="/signature/remove" data-busy {
                        (user.csrf_field())
                        button.link type="submit" { "ลบลายมือชื่อ (ต่อไปพิมพ์เฉพาะชื่อ)" }
                    }
                }
                Standing::Shut => {
                    p.notice { "ลายมือชื่อที่บันทึกไว้เปิดใช้ไม่ได้ เพราะรหัสผ่านถูกตั้งใหม่ กรุณาบันทึกลายมือชื่ออีกครั้ง" }
                }
                Standing::None => {
                    p { "ยังไม่ได้บันทึกลายมือชื่อ เอกสารจะพิมพ์ชื่อของท่านตามระเบียบ (ระบบยืนยันตัวตนแล้ว)" }
                }
            }
            form #signature-form method="post" action="/signature" enctype="multipart/form-data" data-busy {
                (user.csrf_field())
                fieldset {
                    legend { "เขียนลายมือชื่อ" }
                    p.hint { "ใช้นิ้วหรือปากกาเขียนในกรอบ" }
                    canvas #signature-pad data-signature-pad width="600" height="200"
                        aria-label="กรอบเขียนลายมือชื่อ" {}
                    input #signature-drawn type="hidden" name="drawn" value="";
                    button #signature-clear.secondary type="button" { "ล้าง" }
                }
                fieldset {
                    legend { "หรือส่งไฟล์ภาพ PNG" }
                    label for="signature-file" { "ไฟล์ลายมือชื่อ (PNG ไม่เกิน ๕ MB)" }
                    input #signature-file name="image" type="file" accept="image/png"
                        aria-describedby="signature-error";
                }
                button.primary #signature-save type="submit" { "บันทึกลายมือชื่อ" }
            }
        }
    }
}

pub(crate) async fn signature_page_route(State(state): State<AppState>, user: WebUser) -> Response {
    let standing = standing(&state, &user).await;
    signature_page(StatusCode::OK, &user, standing, None, None)
}

/// The opened image, for its owner's page only.
pub(crate) async fn own_image(State(state): State<AppState>, user: WebUser) -> Response {
    match state
        .store
        .ink(user.account.org.as_str(), user.account.person.as_str())
    {
        Some(ink) => png_response(ink.png.to_vec()),
        None => message_page(StatusCode::NOT_FOUND, "ไม่พบ", "ยังไม่มีลายมือชื่อที่เปิดใช้"),
    }
}

/// Registers the drawn or uploaded image.
pub(crate) async fn register(
    State(state): State<AppState>,
    user: WebUser,
    multipart: Multipart,
) -> Response {
    let parts = match multipart_parts(
        multipart,
        "บันทึกลายมือชื่อไม่สำเร็จ",
        "ไฟล์ใหญ่เกินไปหรือส่งมาไม่ครบ ไฟล์ลายมือชื่อต้องไม่เกิน ๕ MB",
    )
    .await
    {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let (csrf, drawn) = (part_text(&parts, "csrf"), part_text(&parts, "drawn"));
    let file = parts
        .into_iter()
        .find(|(name, _)| name == "image")
        .map(|(_, bytes)| bytes);
    if let Err(response) = user.check_form(&Fields(vec![("csrf".into(), csrf)])) {
        return response;
    }
    let refused = |state_now: Standing, message: &str| {
        signature_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &user,
            state_now,
            Some(message),
            None,
        )
    };
    let bytes = match (file.filter(|f| !f.is_empty()), drawn.trim()) {
        (Some(bytes), _) => bytes,
        (None, drawn) if !drawn.is_empty() => {
            let encoded = drawn
                .strip_prefix("data:image/png;base64,")
                .unwrap_or(drawn);
            match base64::engine::general_purpose::STANDARD.decode(encoded) {
                Ok(bytes) => bytes,
                Err(_) => {
                    let now = standing(&state, &user).await;
                    return refused(now, "อ่านภาพที่เขียนไม่ได้ กรุณาเขียนใหม่");
                }
            }
        }
        _ => {
            let now = standing(&state, &user).await;
            return refused(now, "กรุณาเขียนลายมือชื่อในกรอบ หรือเลือกไฟล์ภาพ PNG");
        }
    };
    let image = match normalised(bytes).await {
        Ok(Ok(image)) => image,
        Ok(Err(refusal)) => {
            let now = standing(&state, &user).await;
            return refused(now, &refusal.thai_message());
        }
        Err(error) => return super::common::failure(error),
    };
    let (org, person) = (&user.account.org, &user.account.person);
    match state
        .store
        .register_signature(org, person, image.png, Utc::now())
        .await
    {
        Ok(_) => signature_page(
            StatusCode::OK,
            &user,
            Standing::Open,
            None,
            Some("บันทึกลายมือชื่อแล้ว"),
        ),
        Err(saraban_store::StoreError::KeyLocked { .. }) => {
            let now = standing(&state, &user).await;
            refused(
                now,
                "กุญแจลงนามของท่านยังไม่เปิดในเครื่องแม่ข่ายนี้ กรุณาออกจากระบบแล้วเข้าสู่ระบบใหม่",
            )
        }
        Err(error) => super::common::failure(error),
    }
}

/// Takes the image away.
pub(crate) async fn remove(
    State(state): State<AppState>,
    user: WebUser,
    fields: Fields,
) -> Response {
    if let Err(refused) = user.check_form(&fields) {
        return refused;
    }
    match state
        .store
        .remove_signature(&user.account.org, &user.account.person, Utc::now())
        .await
    {
        Ok(_) => redirect("/signature"),
        Err(error) => super::common::failure(error),
    }
}
