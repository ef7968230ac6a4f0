//! One's own signature image over the API: register it (a PNG, base64,
//! normalised here before the store seals it), read it back, take it away.
//! Endorsing or signing while it is open prints it above one's name.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use chrono::Utc;
use saraban_store::StoreError;
use saraban_typeset::{
    SIGNATURE_MAX_INPUT_BYTES, SignatureImage, SignatureRefusal, normalise_signature,
};
use serde::{Deserialize, Serialize};

use crate::api::{Actor, Body};
use crate::error::ApiError;
use crate::state::AppState;

/// The largest request `PUT /me/signature` takes: the normaliser's limit
/// as base64, so that an image over it is told why by the normaliser.
pub(crate) const SIGNATURE_BODY_LIMIT: usize = (SIGNATURE_MAX_INPUT_BYTES + 1024 * 1024) * 4 / 3;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/me/signature",
        get(own_signature)
            .put(register_signature)
            .delete(remove_signature)
            .layer(DefaultBodyLimit::max(SIGNATURE_BODY_LIMIT)),
    )
}

/// A signature image to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSignature {
    /// The image, PNG, base64: drawn on a canvas or scanned. It is
    /// trimmed to its ink and scaled to the signature line's height.
    #[schema(pattern = r"^[A-Za-z0-9+/=\s]*$")]
    png: String,
}

/// A registered signature image, as normalised.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RegisteredSignature {
    /// SHA-256 (hex) of the normalised PNG: what the log records.
    sha256: String,
    width_px: u32,
    height_px: u32,
}

/// Checks and normalises an uploaded image off the async threads: the
/// image, or why it is refused.
pub(crate) async fn normalised(
    bytes: Vec<u8>,
) -> Result<Result<SignatureImage, SignatureRefusal>, StoreError> {
    tokio::task::spawn_blocking(move || normalise_signature(&bytes))
        .await
        .map_err(|e| StoreError::invariant(format!("normalising a signature: {e}")))
}

#[utoipa::path(put, path = "/me/signature", tag = "session",
    request_body = NewSignature,
    responses((status = 201, description = "Registered: sealed under the caller's approval key and recorded in the log by its SHA-256; their endorsements and signatures print it from now on", body = RegisteredSignature),
        (status = 422, description = "Refused, field `png`: not base64, not a PNG (a JPEG is named as one), over 5 MB, too many pixels, damaged, or no ink. Nothing is stored.", body = ApiError),
        (status = 403, description = "The caller's approval key is not open in this server (`key_locked`): sign in with the password again", body = ApiError),
        (status = 413, description = "Over the request limit (a file well over 5 MB)", body = ApiError),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn register_signature(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<NewSignature>,
) -> Result<Response, ApiError> {
    let compact: String = body.png.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| StoreError::invalid("png", format!("ไม่ใช่ base64: {e}")))?;
    let image = normalised(bytes)
        .await?
        .map_err(|refusal| StoreError::invalid("png", refusal.thai_message()))?;
    let sha256 = state
        .store
        .register_signature(&actor.0.org, &actor.0.person, image.png, Utc::now())
        .await?;
    tracing::info!(user = %actor.0.person, %sha256, "signature image registered");
    Ok((
        StatusCode::CREATED,
        Json(RegisteredSignature {
            sha256,
            width_px: image.width_px,
            height_px: image.height_px,
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/me/signature", tag = "session",
    responses((status = 200, description = "The caller's signature image as registered (PNG)", content_type = "image/png"),
        (status = 404, description = "None registered", body = ApiError),
        (status = 403, description = "Registered, but not open in this server (`key_locked`)", body = ApiError),
        (status = 401, body = ApiError)))]
pub(crate) async fn own_signature(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Response, ApiError> {
    let (org, person) = (&actor.0.org, &actor.0.person);
    if let Some(ink) = state.store.ink(org.as_str(), person.as_str()) {
        return Ok(png_response(ink.png.to_vec()));
    }
    match state.store.registered_signature(org, person).await? {
        Some(_) => Err(StoreError::KeyLocked {
            person: person.to_string(),
        }
        .into()),
        None => Err(StoreError::not_found("signature", person.as_str()).into()),
    }
}

#[utoipa::path(delete, path = "/me/signature", tag = "session",
    responses((status = 204, description = "Taken away; approvals print the name alone from now on"),
        (status = 404, description = "None registered", body = ApiError),
        (status = 401, body = ApiError)))]
pub(crate) async fn remove_signature(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Response, ApiError> {
    let (org, person) = (&actor.0.org, &actor.0.person);
    if state
        .store
        .remove_signature(org, person, Utc::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(StoreError::not_found("signature", person.as_str()).into())
    }
}

/// A signature image: private to its owner, never cached.
pub(crate) fn png_response(png: Vec<u8>) -> Response {
    (
        [(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, "no-store")],
        png,
    )
        .into_response()
}
