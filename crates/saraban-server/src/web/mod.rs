//! The web application in Thai, served beside the JSON API: server-rendered
//! pages (maud escapes every value), one small script for live preview and
//! autosave, Sarabun as the font. Every change goes through the same store
//! operations, and so the same permission checks, as the API; every form
//! carries a token tied to the session (CSRF).

// A refused page is answered as a ready `Response` in the `Err` side; it is
// returned once per request, so its size costs nothing worth boxing.
#![allow(clippy::result_large_err)]

mod admin;
mod assets;
mod board;
mod common;
mod dates;
mod document;
mod enclosures;
mod form;
mod form_fields;
mod form_kinds;
mod inbox;
mod incoming;
mod notifications;
mod operations;
mod records;
mod registers;
mod search;
mod session;
mod signature;
mod verify;
mod words;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(common::home))
        .route(
            "/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route(
            "/password",
            get(session::password_page).post(session::change_password),
        )
        .route(
            "/signature",
            get(signature::signature_page_route)
                .post(signature::register)
                .layer(axum::extract::DefaultBodyLimit::max(
                    signature::UPLOAD_LIMIT,
                )),
        )
        .route("/signature/image.png", get(signature::own_image))
        .route("/signature/remove", post(signature::remove))
        .route("/notifications", get(notifications::notifications_page))
        .route("/notifications/read", post(notifications::mark_read))
        .route("/channels", get(notifications::channels_page))
        .route("/channels/email", post(notifications::set_email))
        .route("/channels/line", post(notifications::set_line))
        .route("/channels/line/confirm", post(notifications::confirm_line))
        .route("/channels/remove", post(notifications::remove))
        .route(
            "/channels/confirm",
            get(notifications::confirm_page).post(notifications::confirm),
        )
        .route("/overdue", get(notifications::overdue_page))
        .route("/admin/notifications", get(notifications::admin_page))
        .route(
            "/admin/notifications/retry",
            post(notifications::admin_retry),
        )
        .route("/admin/holidays", post(notifications::admin_holidays))
        .route("/inbox", get(inbox::page_route))
        .route("/search", get(search::page_route))
        .route("/new", get(form::choose_page))
        .route("/new/{kind}", get(form::new_page).post(form::new_submit))
        .route("/preview", post(form::preview))
        .route("/autosave", post(form::autosave))
        .route("/doc/{id}", get(document::page_route))
        .route(
            "/doc/{id}/edit",
            get(form::edit_page).post(form::edit_submit),
        )
        .route(
            "/doc/{id}/act/{action}",
            get(document::confirm_page).post(document::act),
        )
        .route("/doc/{id}/pdf", get(document::pdf))
        // The files' own limits apply, checked as they arrive.
        .route(
            "/incoming/new",
            get(incoming::new_page)
                .post(incoming::receive)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/doc/{id}/stamp", post(document::place_stamp))
        .route("/doc/{id}/unit-receipt", post(document::unit_receipt))
        .route("/doc/{id}/stamped.pdf", get(incoming::stamped))
        .route("/doc/{id}/original", get(incoming::original))
        // The body limit of the file's own (the server's setting) applies,
        // checked as the file arrives.
        .route(
            "/doc/{id}/enclosures",
            post(enclosures::attach).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/doc/{id}/enclosures/{sha256}", get(enclosures::download))
        .route("/doc/{id}/history", get(document::history))
        .route("/registers", get(registers::page_route))
        .route("/registers/{register}/{year}/csv", get(registers::csv))
        .route("/registers/{register}/{year}/pdf", get(registers::pdf))
        .route("/admin", get(admin::page_route).post(admin::save))
        .route("/admin/verify", get(verify::audit_page))
        .route("/admin/operations", get(operations::operations_page))
        .route(
            "/admin/certificate",
            get(admin::certificate_page).post(admin::import_certificate),
        )
        .route("/verify", get(verify::lookup_page))
        .route(
            "/verify/{code}",
            get(verify::public_page).post(verify::compare_page),
        )
        .route("/p/{org}", get(board::board_page))
        .route("/p/{org}/feed.atom", get(board::feed))
        .route("/p/{org}/pdf/{id}", get(board::published_pdf))
        .route("/admin/delegations", post(admin::delegations))
        .route("/admin/people", post(admin::people))
        .route("/admin/holdings", post(admin::holdings))
        .route("/admin/routes", post(admin::routes_route))
        .route("/admin/password", post(admin::set_password))
        .route(
            "/admin/emblem",
            get(admin::emblem).post(admin::upload_emblem),
        )
        .route(
            "/static/app.css",
            get(|| assets::asset("text/css; charset=utf-8", assets::APP_CSS)),
        )
        .route(
            "/static/app.js",
            get(|| assets::asset("text/javascript; charset=utf-8", assets::APP_JS)),
        )
        .route("/static/fonts/{file}", get(assets::font))
        .route("/records", get(records::page_route))
        .route("/records/draft", post(records::draft))
        .route("/records/holds", post(records::place_hold))
        .route("/records/holds/{id}/lift", post(records::lift_hold))
        .route("/records/lists/{id}", get(records::list_route))
        .route("/records/lists/{id}/pdf", get(records::list_pdf))
        .route("/records/lists/{id}/{step}", post(records::list_step_route))
        .fallback(common::not_found)
}
