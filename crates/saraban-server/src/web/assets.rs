//! The static files of the pages: the styles, the script and the Sarabun
//! font (from `typst-templates/fonts`).

use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

pub(super) const APP_CSS: &[u8] = include_bytes!("static/app.css");
pub(super) const APP_JS: &[u8] = include_bytes!("static/app.js");
const SARABUN_REGULAR: &[u8] =
    include_bytes!("../../../../typst-templates/fonts/Sarabun_400Regular.ttf");
const SARABUN_BOLD: &[u8] = include_bytes!("../../../../typst-templates/fonts/Sarabun_700Bold.ttf");

pub(super) async fn asset(content_type: &'static str, bytes: &'static [u8]) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}

pub(super) async fn font(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let bytes = match file.as_str() {
        "Sarabun-Regular.ttf" => SARABUN_REGULAR,
        "Sarabun-Bold.ttf" => SARABUN_BOLD,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (CONTENT_TYPE, "font/ttf"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}
