//! The administrator's view of the server's health (`/admin/operations`):
//! whether it is ready and, if not, which condition fails; the last
//! scheduled backup, or its failure; the organisation's newest checkpoint.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use saraban_core::DigitStyle;
use saraban_core::clock::thai_time;

use super::common::{WebUser, digits_of, failure, page};
use super::words;
use crate::state::AppState;

pub(crate) async fn operations_page(State(state): State<AppState>, user: WebUser) -> Response {
    if let Err(response) = user.may_administer() {
        return response;
    }
    let digits = digits_of(&state, &user).await;
    let readiness = state.store.readiness().await;
    let backup = state.store.operations().backup_status();
    let checkpoints = match state.store.newest_checkpoints().await {
        Ok(checkpoints) => checkpoints,
        Err(error) => return failure(error),
    };
    let checkpoint = checkpoints
        .into_iter()
        .find(|(org, _, _)| org == user.account.org.as_str());
    let when = |at: chrono::DateTime<chrono::Utc>, digits: DigitStyle| {
        words::time(&thai_time(at).to_rfc3339(), digits)
    };
    let checks = [
        ("ฐานข้อมูล", &readiness.database),
        ("โครงสร้างฐานข้อมูลตรงกับรุ่นของโปรแกรม", &readiness.migrations),
        ("โฟลเดอร์กุญแจอ่านได้", &readiness.key_folder),
        ("ตัวบันทึกรายการทำงานอยู่", &readiness.writer),
    ];
    page(
        StatusCode::OK,
        "สถานะของระบบ",
        Some(&user),
        html! {
            h1 { "สถานะของระบบ" }
            @if readiness.ready() {
                p.notice role="status" #readiness { "ระบบพร้อมทำงาน" }
            } @else {
                div.alert role="alert" #readiness { "ระบบยังไม่พร้อมทำงาน" }
            }
            ul {
                @for (name, check) in checks {
                    li { (name) ": " @if check.ok { "ปกติ" } @else { strong { "ขัดข้อง" } } }
                }
            }
            h2 { "การสำรองข้อมูลตามกำหนด" }
            @if let Some((at, reason)) = &backup.failure {
                div.alert role="alert" #backup-failure {
                    "การสำรองข้อมูลเมื่อ " (when(*at, digits)) " ไม่สำเร็จ: " (reason)
                }
            }
            @match (&backup.last_success, &backup.last_folder) {
                (Some(at), Some(folder)) => p #backup-success {
                    "สำรองสำเร็จครั้งล่าสุดเมื่อ " (when(*at, digits)) " ที่ " code { (folder) }
                },
                _ => p #backup-success { "ยังไม่มีการสำรองข้อมูลตามกำหนดตั้งแต่เริ่มเซิร์ฟเวอร์ (ดู serve --backup-every)" },
            }
            h2 { "checkpoint ล่าสุด" }
            @match checkpoint {
                Some((_, size, at)) => p {
                    "ครอบคลุม " (digits.number(size)) " เหตุการณ์ ลงนามเมื่อ " (when(at, digits))
                },
                None => p { "ยังไม่มี checkpoint" },
            }
        },
    )
}
