//! Enclosure files over the API: attach a file to a draft (the raw bytes
//! as the body, the title in the query), list a document's enclosures,
//! and download one with its type and name. The type is the store's
//! reading of the bytes, never the Content-Type sent or the name.

use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use saraban_core::enclosure::Refusal;
use saraban_store::{ActOutcome, EnclosureDownload, EnclosureInfo, StoreError, Upload};
use serde::Deserialize;

use crate::api::Actor;
use crate::error::ApiError;
use crate::state::{AppState, document_id};

/// The routes under `/api/v1/documents/{id}/enclosures`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/documents/{id}/enclosures",
            get(list_enclosures).post(upload_enclosure),
        )
        .route(
            "/documents/{id}/enclosures/{sha256}",
            get(download_enclosure),
        )
}

/// `?title=…&filename=…` of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct UploadQuery {
    /// The title printed under สิ่งที่ส่งมาด้วย.
    title: String,
    /// The file's name, for its download (optional).
    #[serde(default)]
    filename: Option<String>,
}

/// Reads at most `limit` bytes of the body; past that, the file is refused
/// as too large without reading the rest into memory.
pub(crate) async fn read_limited(
    body: axum::body::Body,
    limit: u64,
    name: &str,
) -> Result<Vec<u8>, StoreError> {
    match axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX)).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(_) => Err(StoreError::invalid(
            "file",
            Refusal::OverLimit { limit }.message(name),
        )),
    }
}

#[utoipa::path(post, path = "/documents/{id}/enclosures", tag = "documents",
    params(("id" = String, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file's bytes as they are: PDF, PNG, JPEG, or an office file (OOXML, OpenDocument, legacy OLE2). Its type is read from the bytes. At most 25 MB a file and 100 MB a document unless the server is set otherwise."),
    responses((status = 201, description = "Attached: a new version of the draft names the file at the end of its enclosures", body = ActOutcome),
        (status = 422, description = "Refused (`invalid`, field `file`): an unknown type, a malformed or encrypted PDF, a file or document over its limit; the message, in Thai, names the file and the reason. Nothing is stored.", body = ApiError),
        (status = 409, body = ApiError), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn upload_enclosure(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    upload: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    let Query(upload) = upload.map_err(|e| ApiError::bad_request("title", e.body_text()))?;
    // Refusals before the body is read: not the drafter, not a draft.
    state
        .store
        .may_edit(&actor.0.org, &actor.0.person, &id)
        .await?;
    let limits = state.store.enclosure_limits();
    let name = upload
        .filename
        .clone()
        .unwrap_or_else(|| upload.title.clone());
    let bytes = read_limited(request.into_body(), limits.file, &name).await?;
    let outcome = state
        .store
        .attach_enclosure(
            &actor.0.org,
            &actor.0.person,
            &id,
            Upload {
                title: upload.title,
                filename: upload.filename,
                bytes,
            },
            Utc::now(),
        )
        .await?;
    tracing::info!(document = %id, user = %actor.0.person, "enclosure attached");
    Ok((StatusCode::CREATED, Json(outcome)).into_response())
}

#[utoipa::path(get, path = "/documents/{id}/enclosures", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, description = "The enclosures of the current version, in order", body = Vec<EnclosureInfo>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn list_enclosures(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<EnclosureInfo>>, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    Ok(Json(state.store.enclosures(&actor.0.org, &id).await?))
}

#[utoipa::path(get, path = "/documents/{id}/enclosures/{sha256}", tag = "documents",
    params(("id" = String, Path), ("sha256" = String, Path, description = "The file's SHA-256, as a version of the document names it")),
    responses((status = 200, description = "The file as it was sent, with its type (PDF and images inline, office files as attachments)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn download_enclosure(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    let file = state
        .store
        .enclosure_file(&actor.0.org, &id, &sha256)
        .await?;
    Ok(file_response(file))
}

/// A stored file as sent: its type, `inline` for what browsers show, and
/// never sniffed into another type.
pub(crate) fn file_response(file: EnclosureDownload) -> Response {
    let inline = file.media_type.shows_in_browser();
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static(file.media_type.mime()),
            ),
            (
                CONTENT_DISPOSITION,
                crate::download::file_disposition(
                    inline,
                    &file.filename,
                    file.media_type.extension(),
                ),
            ),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        file.bytes,
    )
        .into_response()
}
