//! A unit's own receiving register over the API: a received letter
//! recorded in it by the unit's clerk (its own number of the year), a
//! letter's places in the units' registers, and a unit register's year.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use saraban_core::org::Slug;
use saraban_store::{StoreError, UnitReceipt, UnitRegisterEntry};
use serde::Deserialize;

use crate::api::{Actor, Body, RegisterWindow, query};
use crate::error::ApiError;
use crate::state::{AppState, buddhist_year, document_id};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/documents/{id}/unit-receipts", post(record).get(receipts))
        .route("/unit-registers/{register}/{year}", get(unit_register))
}

/// The unit register to record a received letter in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnitReceiptRequest {
    /// The register's id in the organisation file: a register of kind
    /// `incoming` with `kept_by`.
    #[schema(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    register: String,
}

#[utoipa::path(post, path = "/documents/{id}/unit-receipts", tag = "registers",
    params(("id" = String, Path)),
    request_body = UnitReceiptRequest,
    responses((status = 201, description = "Recorded in the unit's register (ลงรับของหน่วย) with its next number of the B.E. year", body = UnitReceipt),
        (status = 422, description = "No such unit register (`invalid`, field `register`)", body = ApiError),
        (status = 403, description = "Not a holder of, or delegate for, a position that keeps the register (`not_your_turn`)", body = ApiError),
        (status = 404, description = "No such received letter (the document is not one)", body = ApiError),
        (status = 409, description = "The letter is already in that register (`conflict`)", body = ApiError),
        (status = 410, description = "The letter's content was destroyed under a destruction list (`destroyed`)", body = ApiError),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn record(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Body(request): Body<UnitReceiptRequest>,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    let register = Slug::parse(&request.register)
        .map_err(|e| StoreError::invalid("register", format!("'{}': {e}", request.register)))?;
    let receipt = state
        .store
        .record_in_unit_register(&actor.0.org, &actor.0.person, &id, &register, Utc::now())
        .await?;
    tracing::info!(document = %id, register = %register, number = receipt.number, "unit received");
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

#[utoipa::path(get, path = "/documents/{id}/unit-receipts", tag = "registers",
    params(("id" = String, Path)),
    responses((status = 200, description = "The letter's numbers in the units' own registers (none if no unit recorded it)", body = Vec<UnitReceipt>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn receipts(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<UnitReceipt>>, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    state.store.show(&actor.0.org, &id).await?;
    Ok(Json(state.store.unit_receipts(&actor.0.org, &id).await?))
}

#[utoipa::path(get, path = "/unit-registers/{register}/{year}", tag = "registers",
    params(("register" = String, Path, description = "A unit register's id"),
        ("year" = i32, Path, minimum = 2443, maximum = 3542, description = "B.E. year, e.g. 2569 (Thai digits are read too)"), RegisterWindow),
    responses((status = 200, description = "A unit's receiving register after the unit's number `after`, at most `limit`: เลขรับของหน่วย, then the letter's line of the central register (its เลขรับ, ที่, ลงวันที่, จาก, ถึง, เรื่อง, การปฏิบัติ, หมายเหตุ)", body = Vec<UnitRegisterEntry>),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, description = "No such unit register", body = ApiError)))]
pub(crate) async fn unit_register(
    State(state): State<AppState>,
    actor: Actor,
    Path((register, year)): Path<(String, String)>,
    page: Result<Query<RegisterWindow>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<UnitRegisterEntry>>, ApiError> {
    actor.may_read_documents()?;
    let (after, limit) = query(page)?.check()?;
    let year = buddhist_year(&year)
        .and_then(|y| saraban_core::BuddhistYear::new(y).ok())
        .ok_or_else(|| {
            ApiError::bad_request("year", format!("'{year}' is not a B.E. year such as 2569"))
        })?;
    let today = saraban_core::clock::thai_date(Utc::now());
    Ok(Json(
        state
            .store
            .unit_register_page(&actor.0.org, &register, year, today, after, limit)
            .await?
            .entries,
    ))
}
