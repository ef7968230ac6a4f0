//! Received letters over the API: record one (its fields, with its
//! original PDF or scanned pages as base64 within the body limit), the
//! receiving register of a year, the original byte for byte, and the
//! stamped view. The route actions are the documents' own endpoint.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::Utc;
use saraban_core::incoming::Received;
use saraban_store::{DocumentSummary, OriginalFile, ReceivedEntry, StoreError};
use serde::Deserialize;
use serde_json::Value;

use crate::api::{Actor, Body};
use crate::enclosures::file_response;
use crate::error::ApiError;
use crate::state::{AppState, buddhist_year, document_id};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/incoming", post(receive))
        .route("/incoming/register/{year}", get(received_register))
        .route("/documents/{id}/original", get(original))
        .route("/documents/{id}/stamped.pdf", get(stamped))
        .route("/documents/{id}/circulation", get(circulation))
        .route("/documents/{id}/replies", get(replies))
}

/// A letter received: its fields, and the file it came as, if any.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Receipt {
    /// The letter, format saraban/1, kind "incoming" (`their_number`,
    /// `date`, `from`, `to`, `subject`, and optionally `urgency`,
    /// `secrecy`, `due`, `stamp`); `original` is filled in from the file.
    #[schema(value_type = Object)]
    content: Value,
    /// The original PDF, base64.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9+/=\s]*$")]
    original: Option<String>,
    /// The name the original came under.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$")]
    filename: Option<String>,
    /// Scanned pages (PNG or JPEG), in order, each base64: made one PDF.
    #[serde(default)]
    scans: Option<Vec<String>>,
}

fn decoded(text: &str, field: String) -> Result<Vec<u8>, ApiError> {
    let compact: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| StoreError::invalid(field, format!("ไม่ใช่ base64: {e}")).into())
}

#[utoipa::path(post, path = "/incoming", tag = "documents",
    request_body = Receipt,
    responses((status = 201, description = "Received: numbered in the receiving register, in draft with the registrar", body = DocumentSummary),
        (status = 422, description = "Refused, naming the field: the content (`invalid_document`), or the file (`invalid`, field `file` or `scans[i]`): empty, not a PDF, encrypted, malformed, over the limit. Nothing is stored.", body = ApiError),
        (status = 403, description = "Not the registrar of the incoming route (`not_your_turn`), no position today, or sent with cookies from another site", body = ApiError),
        (status = 404, description = "The organisation has no incoming route", body = ApiError),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 409, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn receive(
    State(state): State<AppState>,
    actor: Actor,
    Body(receipt): Body<Receipt>,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let content = Received::from_value(receipt.content).map_err(StoreError::from)?;
    let (org, person, now) = (&actor.0.org, &actor.0.person, Utc::now());
    let received = match (receipt.original, receipt.scans) {
        (Some(_), Some(_)) => {
            return Err(
                StoreError::invalid("scans", "ส่งได้อย่างใดอย่างหนึ่ง: ไฟล์ PDF หรือภาพสแกน").into(),
            );
        }
        (Some(original), None) => {
            let bytes = decoded(&original, "original".into())?;
            let file = OriginalFile {
                filename: receipt.filename,
                bytes,
            };
            state
                .store
                .receive_letter(org, person, content, Some(file), now)
                .await?
        }
        (None, Some(scans)) => {
            let images = scans
                .iter()
                .enumerate()
                .map(|(i, scan)| decoded(scan, format!("scans[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            state
                .store
                .receive_scans(org, person, content, images, now)
                .await?
        }
        (None, None) => {
            state
                .store
                .receive_letter(org, person, content, None, now)
                .await?
        }
    };
    tracing::info!(document = %received.id, user = %person, "received");
    Ok((StatusCode::CREATED, Json(received)).into_response())
}

#[utoipa::path(get, path = "/incoming/register/{year}", tag = "registers",
    params(("year" = i32, Path, minimum = 2443, maximum = 3542, description = "B.E. year, e.g. 2569 (Thai digits are read too)")),
    responses((status = 200, description = "ทะเบียนหนังสือรับ: เลขทะเบียนรับ, ที่, ลงวันที่, จาก, ถึง, เรื่อง, การปฏิบัติ, หมายเหตุ; overdue letters marked", body = Vec<ReceivedEntry>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn received_register(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<String>,
) -> Result<Json<Vec<ReceivedEntry>>, ApiError> {
    actor.may_read_documents()?;
    let year = buddhist_year(&year)
        .and_then(|y| saraban_core::BuddhistYear::new(y).ok())
        .ok_or_else(|| {
            ApiError::bad_request("year", format!("'{year}' is not a B.E. year such as 2569"))
        })?;
    let today = saraban_core::clock::thai_date(Utc::now());
    Ok(Json(
        state
            .store
            .received_register(&actor.0.org, year, today)
            .await?,
    ))
}

#[utoipa::path(get, path = "/documents/{id}/original", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, description = "A received letter's original PDF, byte for byte", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, description = "No such received letter, or one recorded on paper only", body = ApiError)))]
pub(crate) async fn original(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    Ok(file_response(
        state.store.original(&actor.0.org, &id).await?,
    ))
}

#[utoipa::path(get, path = "/documents/{id}/stamped.pdf", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, description = "The original with the receiving stamp and the notes written on it", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, description = "No such received letter, or one recorded on paper only", body = ApiError)))]
pub(crate) async fn stamped(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    let pdf = state.store.stamped_view(&actor.0.org, &id).await?;
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"stamped.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[utoipa::path(get, path = "/documents/{id}/circulation", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, description = "Who has acknowledged a circulated letter, and who, holding a position it went to, has not (empty lists when never circulated)", body = saraban_store::Circulation),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn circulation(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<saraban_store::Circulation>, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    let today = saraban_core::clock::thai_date(Utc::now());
    Ok(Json(
        state.store.circulation(&actor.0.org, &id, today).await?,
    ))
}

#[utoipa::path(get, path = "/documents/{id}/replies", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, description = "The memos and letters that answer a received letter (`in_reply_to`); an issued one answers it", body = Vec<saraban_store::Reply>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn replies(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<saraban_store::Reply>>, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    Ok(Json(state.store.replies(&actor.0.org, &id).await?))
}
