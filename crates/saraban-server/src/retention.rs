//! Records management over the API: the retention schedule, a document's
//! class and destruction date, legal holds, the yearly destruction list
//! and its route, and the registrar's overview (due, held, lists).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use saraban_core::clock::thai_date;
use saraban_core::retention::{self, Schedule};
use saraban_core::{DocumentId, PersonId};
use saraban_store::{
    DestructionItem, DestructionList, DocumentRetention, Hold, StoreError, TransferItem,
};
use serde::{Deserialize, Serialize};

use crate::api::{Actor, Body};
use crate::error::ApiError;
use crate::search::SearchParams;
use crate::state::{AppState, document_id};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/records", get(overview))
        .route("/records/schedule", get(schedule).put(set_schedule))
        .route(
            "/documents/{id}/retention",
            get(document_retention).put(set_document_retention),
        )
        .route("/records/holds", get(holds).post(place_hold))
        .route("/records/holds/{id}/lift", post(lift_hold))
        .route(
            "/records/destruction-lists",
            get(destruction_lists).post(draft_destruction_list),
        )
        .route("/records/destruction-lists/{id}", get(destruction_list))
        .route("/records/transfer", get(transfer_due))
        .route(
            "/records/destruction-lists/{id}/committee-order",
            post(draft_committee_order),
        )
        .route(
            "/records/destruction-lists/{id}/{step}",
            post(destruction_step),
        )
}

/// The registrar's overview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RecordsOverview {
    /// The schedule's version (0: the regulation's).
    pub schedule_version: i64,
    /// The B.E. year whose review is open today, if one is.
    pub review_year: Option<i32>,
    /// Documents whose period ran out by the end of the last B.E. year and
    /// are on no list yet (held ones not counted).
    pub due: i64,
    /// Documents under a hold in force.
    pub held: i64,
    pub lists: Vec<DestructionList>,
    pub holds: Vec<Hold>,
    /// The first of the documents due for the National Archives.
    pub transfer: Vec<TransferItem>,
}

#[utoipa::path(get, path = "/records", tag = "records",
    responses((status = 200, body = RecordsOverview), (status = 401, body = ApiError)))]
pub(crate) async fn overview(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<RecordsOverview>, ApiError> {
    Ok(Json(records_overview(&state, &actor).await?))
}

pub(crate) async fn records_overview(
    state: &AppState,
    actor: &Actor,
) -> Result<RecordsOverview, StoreError> {
    let org = &actor.0.org;
    let today = thai_date(Utc::now());
    let ended = retention::review_year(today).unwrap_or_else(last_year_ended);
    let (_, schedule_version) = state.store.retention_schedule(org).await?;
    let (due, held) = state.store.due_for_destruction(org, ended).await?;
    Ok(RecordsOverview {
        schedule_version,
        review_year: retention::review_year(today),
        due,
        held,
        lists: state.store.destruction_lists(org).await?,
        holds: state.store.holds(org).await?,
        transfer: state.store.transfer_due(org, ended, None, 100).await?,
    })
}

/// A schedule and its version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ScheduleAnswer {
    version: i64,
    #[schema(value_type = Object)]
    schedule: Schedule,
}

#[utoipa::path(get, path = "/records/schedule", tag = "records",
    responses((status = 200, description = "The retention schedule in force: the regulation's (version 0) until the organisation sets its own", body = ScheduleAnswer), (status = 401, body = ApiError)))]
pub(crate) async fn schedule(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<ScheduleAnswer>, ApiError> {
    let (schedule, version) = state.store.retention_schedule(&actor.0.org).await?;
    Ok(Json(ScheduleAnswer { version, schedule }))
}

#[utoipa::path(put, path = "/records/schedule", tag = "records",
    request_body(content = Object, description = "A schedule: default_class, transfer_age, classes (id, name, source, years?, permanent_value?), rules (kind?, register?, class)"),
    responses((status = 413, body = ApiError), (status = 415, description = "The body is not declared application/json", body = ApiError), (status = 200, body = ScheduleAnswer),
        (status = 422, description = "A field that does not read (its path named), or the caller is not the registrar nor an administrator (`actor`)", body = ApiError),
        (status = 401, body = ApiError)))]
pub(crate) async fn set_schedule(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<serde_json::Value>,
) -> Result<Json<ScheduleAnswer>, ApiError> {
    let schedule = Schedule::from_value(body).map_err(StoreError::Input)?;
    let version = state
        .store
        .set_retention_schedule(&actor.0.org, &actor.0.person, schedule.clone(), Utc::now())
        .await?;
    Ok(Json(ScheduleAnswer { version, schedule }))
}

#[utoipa::path(get, path = "/documents/{id}/retention", tag = "records",
    params(("id" = String, Path)),
    responses((status = 200, description = "Its class, destruction date (31 December), holds, and the list it was destroyed under", body = DocumentRetention),
        (status = 404, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn document_retention(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<DocumentRetention>, ApiError> {
    let id = document_id(&id)?;
    Ok(Json(state.store.retention_of(&actor.0.org, &id).await?))
}

/// A class for one document.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClassChange {
    class: String,
    #[serde(default)]
    reason: Option<String>,
}

#[utoipa::path(put, path = "/documents/{id}/retention", tag = "records",
    params(("id" = String, Path)), request_body = ClassChange,
    responses((status = 413, body = ApiError), (status = 415, description = "The body is not declared application/json", body = ApiError), (status = 200, body = DocumentRetention),
        (status = 422, description = "No such class (`class`), or the caller is neither its drafter nor the registrar (`actor`)", body = ApiError),
        (status = 409, description = "Destroyed already", body = ApiError),
        (status = 404, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn set_document_retention(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Body(body): Body<ClassChange>,
) -> Result<Json<DocumentRetention>, ApiError> {
    let id = document_id(&id)?;
    Ok(Json(
        state
            .store
            .set_retention_class(
                &actor.0.org,
                &actor.0.person,
                &id,
                &body.class,
                body.reason.as_deref(),
                Utc::now(),
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/records/holds", tag = "records",
    responses((status = 200, body = [Hold]), (status = 401, body = ApiError)))]
pub(crate) async fn holds(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<Hold>>, ApiError> {
    Ok(Json(state.store.holds(&actor.0.org).await?))
}

/// A hold: on one document, or on what a search finds (the search's
/// parameters, as `GET /search` takes them).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewHold {
    reason: String,
    #[serde(default)]
    document: Option<String>,
    #[serde(default)]
    search: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct HoldPlaced {
    id: String,
}

#[utoipa::path(post, path = "/records/holds", tag = "records", request_body = NewHold,
    responses((status = 413, body = ApiError), (status = 415, description = "The body is not declared application/json", body = ApiError), (status = 201, body = HoldPlaced),
        (status = 422, description = "No reason (`reason`), neither or both of `document` and `search`, a search parameter that does not read (named), a search that finds nothing or too much (`q`), or the caller is neither registrar nor head (`actor`)", body = ApiError),
        (status = 404, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn place_hold(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<NewHold>,
) -> Result<Response, ApiError> {
    let id = match (body.document, body.search) {
        (Some(document), None) => {
            let document = document_id(&document)?;
            state
                .store
                .place_hold(
                    &actor.0.org,
                    &actor.0.person,
                    &document,
                    &body.reason,
                    Utc::now(),
                )
                .await?
        }
        (None, Some(search)) => {
            let params: SearchParams = serde_json::to_value(search)
                .and_then(serde_json::from_value)
                .map_err(|e| StoreError::invalid("search", e.to_string()))?;
            let query = params
                .to_query()
                .map_err(|(field, why)| StoreError::invalid(format!("search.{field}"), why))?;
            state
                .store
                .place_query_hold(&actor.0, query, &body.reason, Utc::now())
                .await?
        }
        _ => {
            return Err(StoreError::invalid(
                "document",
                "a hold is on a document or on a search: give one of `document` and `search`",
            )
            .into());
        }
    };
    Ok((StatusCode::CREATED, Json(HoldPlaced { id })).into_response())
}

/// Why something is done.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reason {
    reason: String,
}

#[utoipa::path(post, path = "/records/holds/{id}/lift", tag = "records",
    params(("id" = String, Path)), request_body = Reason,
    responses((status = 413, body = ApiError), (status = 415, description = "The body is not declared application/json", body = ApiError), (status = 204, description = "Lifted"),
        (status = 422, body = ApiError), (status = 404, description = "No hold in force with this id", body = ApiError),
        (status = 401, body = ApiError)))]
pub(crate) async fn lift_hold(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Body(body): Body<Reason>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .lift_hold(&actor.0.org, &actor.0.person, &id, &body.reason, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/records/destruction-lists", tag = "records",
    responses((status = 200, body = [DestructionList]), (status = 401, body = ApiError)))]
pub(crate) async fn destruction_lists(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<DestructionList>>, ApiError> {
    Ok(Json(state.store.destruction_lists(&actor.0.org).await?))
}

#[utoipa::path(post, path = "/records/destruction-lists", tag = "records",
    responses((status = 201, description = "The list of the year just ended, drawn up now", body = DestructionList),
        (status = 422, description = "Not within 60 days after 31 December (`at`), or the caller is not the registrar (`actor`)", body = ApiError),
        (status = 409, description = "This year's list is drawn up already", body = ApiError),
        (status = 401, body = ApiError)))]
pub(crate) async fn draft_destruction_list(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Response, ApiError> {
    let list = state
        .store
        .draft_destruction_list(&actor.0.org, &actor.0.person, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(list)).into_response())
}

/// A list with a page of its items.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ListWithItems {
    list: DestructionList,
    items: Vec<DestructionItem>,
}

/// A page of a list of documents (a destruction list's items, the
/// documents due for transfer): those after the item of document `after`
/// (the last of the page before).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct ItemsPage {
    #[serde(default)]
    #[param(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    after: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

impl ItemsPage {
    fn after_document(&self) -> Result<Option<DocumentId>, ApiError> {
        self.after
            .as_deref()
            .map(DocumentId::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request("after", e.to_string()))
    }
}

#[utoipa::path(get, path = "/records/destruction-lists/{id}", tag = "records",
    params(("id" = String, Path), ItemsPage),
    responses((status = 200, body = ListWithItems), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn destruction_list(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Query(page): Query<ItemsPage>,
) -> Result<Json<ListWithItems>, ApiError> {
    let after = page.after_document()?;
    let list = state.store.destruction_list(&actor.0.org, &id).await?;
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let items = state
        .store
        .destruction_items(&actor.0.org, &id, after.as_ref(), limit)
        .await?;
    Ok(Json(ListWithItems { list, items }))
}

/// บัญชีส่งมอบหนังสือครบ ๒๕ ปี: documents of permanent value whose age
/// reaches the schedule's transfer age by the end of the last B.E. year.
#[utoipa::path(get, path = "/records/transfer", tag = "records", params(ItemsPage),
    responses((status = 200, body = [TransferItem]), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, description = "`after` is not a numbered document of the organisation", body = ApiError)))]
pub(crate) async fn transfer_due(
    State(state): State<AppState>,
    actor: Actor,
    Query(page): Query<ItemsPage>,
) -> Result<Json<Vec<TransferItem>>, ApiError> {
    let after = page.after_document()?;
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        state
            .store
            .transfer_due(&actor.0.org, last_year_ended(), after.as_ref(), limit)
            .await?,
    ))
}

/// The B.E. year that ended last.
pub(crate) fn last_year_ended() -> i32 {
    chrono::Datelike::year(&thai_date(Utc::now())) + saraban_core::thai::BUDDHIST_ERA_OFFSET - 1
}

/// A step of the list's route: `propose` (registrar), `committee` (head:
/// `committee`, chair first, and the appointing `order`), `keep` (a
/// member: `document` and `reason`), `approve` (head).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListStepBody {
    #[serde(default)]
    committee: Vec<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    document: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[utoipa::path(post, path = "/records/destruction-lists/{id}/{step}", tag = "records",
    params(("id" = String, Path), ("step" = String, Path, description = "propose, committee, keep or approve")),
    request_body = ListStepBody,
    responses((status = 413, body = ApiError), (status = 415, description = "The body is not declared application/json", body = ApiError), (status = 200, body = DestructionList),
        (status = 422, description = "Not this person's step or not now (`actor`), a committee under three (`committee`), no reason (`reason`); on approval, a listed document held or no longer due (`document`, named with the reason). Nothing changes.", body = ApiError),
        (status = 404, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn destruction_step(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, step)): Path<(String, String)>,
    Body(body): Body<ListStepBody>,
) -> Result<Json<DestructionList>, ApiError> {
    Ok(Json(list_step(&state, &actor, &id, &step, body).await?))
}

/// Who the committee's appointing order names, chair first.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommitteeOrderBody {
    committee: Vec<String>,
}

/// The order appointing the list's committee, drafted from the template
/// (ข้อ ๖๖–๖๗) as an ordinary draft order of mine for its route; the head
/// names it when appointing the committee.
#[utoipa::path(post, path = "/records/destruction-lists/{id}/committee-order", tag = "records",
    params(("id" = String, Path)),
    request_body = CommitteeOrderBody,
    responses((status = 201, body = saraban_store::DocumentSummary),
        (status = 413, body = ApiError), (status = 415, description = "The body is not declared application/json", body = ApiError),
        (status = 422, description = "Not the registrar or the head (`actor`), a committee under three or someone unknown (`committee`), no order route or signer (`order`). Nothing is drafted.", body = ApiError),
        (status = 404, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn draft_committee_order(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Body(body): Body<CommitteeOrderBody>,
) -> Result<(StatusCode, Json<saraban_store::DocumentSummary>), ApiError> {
    let committee = body
        .committee
        .iter()
        .map(|p| PersonId::parse(p).map_err(|_| StoreError::not_found("person", p.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let summary = state
        .store
        .draft_committee_order(&actor.0.org, &actor.0.person, &id, &committee, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// One step of a list, shared with the records page.
pub(crate) async fn list_step(
    state: &AppState,
    actor: &Actor,
    id: &str,
    step: &str,
    body: ListStepBody,
) -> Result<DestructionList, StoreError> {
    let (org, person, now) = (&actor.0.org, &actor.0.person, Utc::now());
    let store = &state.store;
    match step {
        "propose" => store.propose_destruction_list(org, person, id, now).await,
        "committee" => {
            let committee = body
                .committee
                .iter()
                .map(|p| PersonId::parse(p).map_err(|_| StoreError::not_found("person", p.clone())))
                .collect::<Result<Vec<_>, _>>()?;
            let order = body.order.as_deref().map(document_id).transpose()?;
            store
                .appoint_destruction_committee(org, person, id, &committee, order.as_ref(), now)
                .await
        }
        "keep" => {
            let document: DocumentId = document_id(body.document.as_deref().unwrap_or(""))?;
            store
                .keep_destruction_item(
                    org,
                    person,
                    id,
                    &document,
                    body.reason.as_deref().unwrap_or(""),
                    now,
                )
                .await
        }
        "approve" => store.approve_destruction_list(org, person, id, now).await,
        other => Err(StoreError::not_found("step", other)),
    }
}

impl ListStepBody {
    pub(crate) fn committee(committee: Vec<String>, order: Option<String>) -> Self {
        ListStepBody {
            committee,
            order,
            ..ListStepBody::default()
        }
    }

    pub(crate) fn keep(document: String, reason: String) -> Self {
        ListStepBody {
            document: Some(document),
            reason: Some(reason),
            ..ListStepBody::default()
        }
    }
}
