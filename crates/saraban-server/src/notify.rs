//! Notifications and deadlines over the API (issue 18): one's own
//! notifications (the bell) and channels, the overdue list for those who
//! oversee the office, and, for the administrator, the messages that failed
//! for good and the holiday list.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use saraban_core::clock::thai_date;
use saraban_store::{
    Account, Channel, FailedMessage, NotificationEntry, Overdue, Store, StoreError,
};
use serde::{Deserialize, Serialize};

use crate::api::{Actor, Body};
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/me/notifications", get(notifications))
        .route("/me/notifications/read", post(mark_read))
        .route("/me/channels", get(channels))
        .route("/me/channels/email", put(request_email))
        .route("/me/channels/line", put(request_line))
        .route("/me/channels/line/confirm", post(confirm_line))
        .route("/me/channels/{channel}", delete(remove_channel))
        .route("/channels/email/confirm", post(confirm_email))
        .route("/overdue", get(overdue))
        .route("/admin/notifications/failed", get(failed))
        .route("/admin/notifications/{id}/retry", post(retry))
        .route("/admin/holidays", get(holidays).put(set_holidays))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct Limit {
    /// At most this many, newest first (default 50, at most 500).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// One's notifications and how many are unread (the bell's count).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Bell {
    unread: u32,
    notifications: Vec<NotificationEntry>,
}

#[utoipa::path(get, path = "/me/notifications", tag = "notifications", params(Limit),
    responses((status = 200, description = "The caller's notifications, newest first, and how many are unread", body = Bell),
        (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn notifications(
    State(state): State<AppState>,
    actor: Actor,
    Query(limit): Query<Limit>,
) -> Result<Json<Bell>, ApiError> {
    let (org, person) = (&actor.0.org, &actor.0.person);
    let limit = limit.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(
            ApiError::new(StatusCode::BAD_REQUEST, "bad_query", "จำนวนตั้งแต่ 1 ถึง 500")
                .field("limit"),
        );
    }
    Ok(Json(Bell {
        unread: state.store.unread_notifications(org, person).await?,
        notifications: state.store.notifications(org, person, limit).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadBody {
    /// The notifications read; none: all of them.
    #[serde(default)]
    ids: Option<Vec<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Marked {
    marked: u64,
}

#[utoipa::path(post, path = "/me/notifications/read", tag = "notifications", request_body = ReadBody,
    responses((status = 200, description = "Marked read", body = Marked),
        (status = 422, description = "A body that does not read (the field named)", body = ApiError),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<ReadBody>,
) -> Result<Json<Marked>, ApiError> {
    let marked = state
        .store
        .mark_notifications_read(
            &actor.0.org,
            &actor.0.person,
            body.ids.as_deref(),
            Utc::now(),
        )
        .await?;
    Ok(Json(Marked { marked }))
}

#[utoipa::path(get, path = "/me/channels", tag = "notifications",
    responses((status = 200, description = "The caller's outside channels", body = [Channel]),
        (status = 401, body = ApiError)))]
pub(crate) async fn channels(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<Channel>>, ApiError> {
    Ok(Json(
        state.store.channels(&actor.0.org, &actor.0.person).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailBody {
    address: String,
}

#[utoipa::path(put, path = "/me/channels/email", tag = "notifications", request_body = EmailBody,
    responses((status = 202, description = "A confirmation link goes to the address; notifications go there once it is opened"),
        (status = 422, description = "Not an e-mail address (field `email`)", body = ApiError),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn request_email(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<EmailBody>,
) -> Result<Response, ApiError> {
    // The token goes by e-mail only: dropped here.
    let _ = state
        .store
        .request_email(&actor.0.org, &actor.0.person, &body.address, Utc::now())
        .await?;
    tracing::info!(user = %actor.0.person, "e-mail confirmation asked for");
    Ok(StatusCode::ACCEPTED.into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenBody {
    token: String,
}

#[utoipa::path(post, path = "/channels/email/confirm", tag = "notifications", request_body = TokenBody,
    security(()),
    responses((status = 204, description = "The address is confirmed"),
        (status = 422, description = "Unknown or expired link (field `token`)", body = ApiError),
        (status = 400, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn confirm_email(
    State(state): State<AppState>,
    Body(body): Body<TokenBody>,
) -> Result<Response, ApiError> {
    state.store.confirm_email(&body.token, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LineBody {
    /// The LINE user id ("U" and 32 hexadecimal digits).
    user_id: String,
}

#[utoipa::path(put, path = "/me/channels/line", tag = "notifications", request_body = LineBody,
    responses((status = 202, description = "A one-time code goes to that LINE user; POST it to /me/channels/line/confirm"),
        (status = 422, description = "Not a LINE user id (field `line_user_id`)", body = ApiError),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn request_line(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<LineBody>,
) -> Result<Response, ApiError> {
    let _ = state
        .store
        .request_line(&actor.0.org, &actor.0.person, &body.user_id, Utc::now())
        .await?;
    tracing::info!(user = %actor.0.person, "LINE code asked for");
    Ok(StatusCode::ACCEPTED.into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeBody {
    code: String,
}

#[utoipa::path(post, path = "/me/channels/line/confirm", tag = "notifications", request_body = CodeBody,
    responses((status = 204, description = "The LINE user id is linked"),
        (status = 422, description = "Wrong or expired code, or too many tries (field `code`)", body = ApiError),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn confirm_line(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<CodeBody>,
) -> Result<Response, ApiError> {
    state
        .store
        .confirm_line(&actor.0.org, &actor.0.person, &body.code, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(delete, path = "/me/channels/{channel}", tag = "notifications",
    params(("channel" = String, Path, description = "email or line")),
    responses((status = 204, description = "Stopped; its address forgotten"),
        (status = 404, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn remove_channel(
    State(state): State<AppState>,
    actor: Actor,
    Path(channel): Path<String>,
) -> Result<Response, ApiError> {
    if state
        .store
        .remove_channel(&actor.0.org, &actor.0.person, &channel)
        .await?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(StoreError::not_found("channel", channel).into())
    }
}

/// Whether the account oversees the office's deadlines: the administrator,
/// and whoever holds a position that signs, or reviews last, on a route
/// (the ปลัด and the นายก of a local government).
pub(crate) async fn oversees(store: &Store, account: &Account) -> Result<bool, StoreError> {
    if account.is_admin {
        return Ok(true);
    }
    let config = store.org_config(&account.org).await?;
    let mut overseers: Vec<String> = Vec::new();
    for route in &config.routes {
        if let Some(route) = config.route(&route.kind) {
            overseers.push(route.sign.to_string());
            if let Some(last) = route.review.last() {
                overseers.extend(last.positions.iter().map(ToString::to_string));
            }
        }
    }
    Ok(account
        .positions
        .iter()
        .any(|held| overseers.iter().any(|p| p == held.position.as_str())))
}

#[utoipa::path(get, path = "/overdue", tag = "notifications",
    responses((status = 200, description = "The organisation's documents and received letters past their deadline (ภายในวันที่), counted in working days", body = [Overdue]),
        (status = 403, description = "Only the administrator and those who sign or review last on a route", body = ApiError),
        (status = 401, body = ApiError)))]
pub(crate) async fn overdue(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<Overdue>>, ApiError> {
    if !oversees(&state.store, &actor.0).await? {
        return Err(ApiError::forbidden(
            "only the administrator and those who sign or review last see the overdue list",
        ));
    }
    Ok(Json(
        state
            .store
            .overdue(&actor.0.org, thai_date(Utc::now()))
            .await?,
    ))
}

fn admin_only(actor: &Actor) -> Result<(), ApiError> {
    if actor.0.is_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only an administrator"))
    }
}

#[utoipa::path(get, path = "/admin/notifications/failed", tag = "notifications",
    responses((status = 200, description = "Messages that failed for good (a channel that refuses: a wrong LINE token, an address refused), newest first", body = [FailedMessage]),
        (status = 403, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn failed(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<FailedMessage>>, ApiError> {
    admin_only(&actor)?;
    Ok(Json(state.store.failed_messages(Some(&actor.0.org)).await?))
}

#[utoipa::path(post, path = "/admin/notifications/{id}/retry", tag = "notifications",
    params(("id" = String, Path, description = "The message's id")),
    responses((status = 202, description = "Sent again from now"),
        (status = 404, body = ApiError), (status = 403, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn retry(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    admin_only(&actor)?;
    if state
        .store
        .retry_message(&actor.0.org, &id, Utc::now())
        .await?
    {
        Ok(StatusCode::ACCEPTED.into_response())
    } else {
        Err(StoreError::not_found("message", id).into())
    }
}

/// The organisation's holiday list.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct HolidayList {
    /// TOML: `[[holiday]]` tables of `date` (YYYY-MM-DD), `name` and an
    /// optional `note`.
    toml: String,
    /// Whether it is the organisation's own (else the Thai public holidays
    /// saraban ships). Ignored when sent.
    #[serde(default)]
    own: bool,
}

#[utoipa::path(get, path = "/admin/holidays", tag = "notifications",
    responses((status = 200, description = "The holiday list working days skip", body = HolidayList),
        (status = 403, body = ApiError), (status = 401, body = ApiError)))]
pub(crate) async fn holidays(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<HolidayList>, ApiError> {
    admin_only(&actor)?;
    let (calendar, own) = state.store.holidays(&actor.0.org).await?;
    Ok(Json(HolidayList {
        toml: calendar.to_toml(),
        own,
    }))
}

#[utoipa::path(put, path = "/admin/holidays", tag = "notifications", request_body = HolidayList,
    responses((status = 200, description = "Replaced, and recorded in the log (holidays_changed)", body = HolidayList),
        (status = 422, description = "Not a holiday list (field `holidays`)", body = ApiError),
        (status = 403, body = ApiError), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 415, body = ApiError)))]
pub(crate) async fn set_holidays(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<HolidayList>,
) -> Result<Json<HolidayList>, ApiError> {
    admin_only(&actor)?;
    let calendar = state
        .store
        .set_holidays(&actor.0.org, &actor.0.person, &body.toml, Utc::now())
        .await?;
    Ok(Json(HolidayList {
        toml: calendar.to_toml(),
        own: true,
    }))
}
