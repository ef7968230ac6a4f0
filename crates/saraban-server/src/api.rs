//! The JSON API under `/api/v1`: its routes and handlers with their OpenAPI
//! annotations, the `Actor` and `Body` extractors, and the bodies the API
//! exchanges. Every request is checked here, on the server; one
//! organisation never sees another's documents (404).

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use saraban_core::workflow::RouteAction;
use saraban_core::{Drafted, OrgId, PositionId};
use saraban_store::list_queries::After;
use saraban_store::{
    Account, ActOutcome, Audit, BoardEntry, BoardFilter, DocumentSummary, HistoryEntry,
    PublicRecord, RegisterEntry, StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::edge::{Peer, body_bytes, check_json_type, check_no_nul};
use crate::error::ApiError;
use crate::state::{
    AppState, act_now, buddhist_year, document_id, drafted_for_edit, named_pdf, session_cookie,
    token_of,
};

/// The routes under `/api/v1` (the OpenAPI document aside); any other
/// path there is a JSON 404.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/password", post(change_password))
        .route("/tokens", post(create_token))
        .route("/me", get(me))
        .route("/inbox", get(inbox))
        .route("/documents", get(list_documents).post(create_document))
        .route("/documents/{id}", get(show_document).put(edit_document))
        .route("/documents/{id}/content", get(document_content))
        .route("/documents/{id}/actions/{action}", post(act))
        .route("/documents/{id}/pdf", get(document_pdf))
        .route("/documents/{id}/history", get(document_history))
        .route("/registers/{register}/{year}", get(register_entries))
        .route("/verify", get(verify))
        .route("/orgs/{org}/checkpoint", get(latest_checkpoint))
        .route("/orgs/{org}/key", get(verifier_key))
        .route("/orgs/{org}/certificate", get(seal_certificate))
        .route("/public/orgs/{org}/published", get(published_documents))
        .route(
            "/public/verify/{code}",
            get(public_record).post(compare_issued_pdf),
        )
        .route(
            "/organisation",
            get(organisation_config).put(update_organisation),
        )
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
}

/// The signed-in person of a request: from the session cookie or a
/// `Authorization: Bearer` API token.
#[derive(Debug, Clone)]
pub struct Actor(pub Account);

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = token_of(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let account = state
            .store
            .authenticate(&token, Utc::now())
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        tracing::Span::current().record("user", account.person.as_str());
        Ok(Actor(account))
    }
}

impl Actor {
    /// Documents are read by people with a position today; an
    /// administrator without one manages people and routes only.
    pub(crate) fn may_read_documents(&self) -> Result<(), ApiError> {
        if self.0.positions.is_empty() {
            Err(ApiError::forbidden(
                "you hold no position today, so you cannot read documents",
            ))
        } else {
            Ok(())
        }
    }
}

/// JSON bodies whose errors come back as our JSON errors: declared as
/// JSON (415 otherwise), within the size limit (413), with no U+0000 in
/// any string (422 naming where: PostgreSQL cannot store it).
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        check_json_type(request.headers(), false)?;
        let bytes = body_bytes(axum::body::Bytes::from_request(request, state).await)?;
        check_no_nul(&bytes)?;
        let Json(value) = Json::<T>::from_bytes(&bytes)?;
        Ok(Body(value))
    }
}

/// Answer of a sign-in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    pub account: Account,
}

/// A new API token; shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub token: String,
    #[schema(example = "Bearer")]
    pub r#type: String,
}

/// A page of documents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentSummary>,
    pub limit: i64,
    /// `?after=` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        pattern = "^[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    pub next: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxCounts {
    pub waiting: usize,
    pub drafts: usize,
    pub sent: usize,
}

/// What waits for the signed-in person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub counts: InboxCounts,
    pub waiting: Vec<DocumentSummary>,
    pub drafts: Vec<DocumentSummary>,
    pub sent: Vec<DocumentSummary>,
}

// `pattern = r"^[^\u0000]*$"` below: `Body` refuses U+0000 in any string of
// a JSON body (422), and the OpenAPI document says so.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    #[schema(pattern = r"^[^\u0000]*$")]
    org: String,
    #[schema(pattern = r"^[^\u0000]*$")]
    user: String,
    #[schema(pattern = r"^[^\u0000]*$")]
    password: String,
}

/// Five wrong passwords in a row lock an account for 15 minutes (429
/// `locked`, even with the right password); 30 failures from one address
/// in 15 minutes refuse that address (429 `rate_limited`).
#[utoipa::path(post, path = "/sign-in", request_body = SignIn, tag = "session", security(()),
    responses((status = 200, description = "Signed in; the session cookie is set", body = SignedIn), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Sent with cookies from another site", body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 429, description = "The account is locked after repeated failures, or this address made too many", body = ApiError)))]
async fn sign_in(
    State(state): State<AppState>,
    Peer(address): Peer,
    Body(body): Body<SignIn>,
) -> Result<Response, ApiError> {
    let token = state
        .store
        .sign_in_from(
            address.as_deref(),
            &body.org,
            &body.user,
            &body.password,
            false,
            Utc::now(),
        )
        .await?;
    tracing::info!(user = %body.user, org = %body.org, "signed in");
    let account = state
        .store
        .authenticate(&token, Utc::now())
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let mut response = Json(json!({ "account": account })).into_response();
    let cookie = session_cookie(&state, &token, saraban_store::SESSION_HOURS * 3600);
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

#[utoipa::path(post, path = "/sign-out", tag = "session", security((), ("bearer" = []), ("session" = [])), responses((status = 204, description = "Signed out"), (status = 403, description = "Sent with cookies from another site", body = ApiError)))]
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = token_of(&headers) {
        state.store.sign_out(&token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    #[schema(pattern = r"^[^\u0000]*$")]
    old: String,
    /// As `saraban_store::check_new_password` counts: characters.
    #[schema(pattern = r"^[^\u0000]*$", min_length = 8, max_length = 256)]
    new: String,
}

#[utoipa::path(post, path = "/password", request_body = PasswordChange, tag = "session",
    responses((status = 204, description = "Changed; other sessions end"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Sent with cookies from another site", body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 429, description = "Locked after repeated failures", body = ApiError)))]
async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .change_password(&actor.0, &body.old, &body.new, Utc::now())
        .await
        .map_err(|e| {
            // The store names the new password "password"; here it is "new".
            let mut error = ApiError::from(e);
            if error.field.as_deref() == Some("password") {
                error.field = Some("new".into());
            }
            error
        })?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenRequest {
    #[schema(pattern = r"^[^\u0000]*$")]
    password: String,
}

/// An API token for scripts, after the password again.
#[utoipa::path(post, path = "/tokens", request_body = TokenRequest, tag = "session",
    responses((status = 201, description = "An API token for `Authorization: Bearer`", body = NewToken), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Sent with cookies from another site", body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 429, description = "Locked after repeated failures, or too many from this address", body = ApiError)))]
async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    Peer(address): Peer,
    Body(body): Body<TokenRequest>,
) -> Result<Response, ApiError> {
    let token = state
        .store
        .sign_in_from(
            address.as_deref(),
            actor.0.org.as_str(),
            actor.0.person.as_str(),
            &body.password,
            true,
            Utc::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "type": "Bearer" })),
    )
        .into_response())
}

#[utoipa::path(get, path = "/me", tag = "session", responses((status = 200, body = Account), (status = 401, body = ApiError)))]
async fn me(actor: Actor) -> Json<Account> {
    Json(actor.0)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct Page {
    #[serde(default)]
    #[param(value_type = Option<StateName>)]
    state: Option<String>,
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: i64,
    /// The `next` of the page before: the list goes on after it.
    #[serde(default)]
    #[param(
        pattern = "^[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    after: Option<String>,
}

/// The states `?state=` may name (`State::from_parts` reads them); any
/// other is refused with 400.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum StateName {
    Draft,
    InReview,
    Returned,
    AwaitingSignature,
    Signed,
    Issued,
    Withdrawn,
    Cancelled,
    Archived,
}

/// The largest `offset` of a page: 2^53 - 1, which every JSON reader
/// holds exactly, so that the OpenAPI document can state it.
pub(crate) const MAX_OFFSET: i64 = 9_007_199_254_740_991;
const OFFSET_RANGE: &str = "must be 0 to 9007199254740991";

fn default_limit() -> i64 {
    50
}

impl Page {
    /// The page's key, once its parameters hold.
    fn check(&self) -> Result<Option<After>, ApiError> {
        if !(1..=200).contains(&self.limit) {
            return Err(ApiError::bad_request("limit", "must be 1 to 200"));
        }
        if let Some(state) = &self.state
            && saraban_core::workflow::State::from_parts(state, 0).is_none()
        {
            return Err(ApiError::bad_request(
                "state",
                format!("unknown state '{state}'"),
            ));
        }
        self.after
            .as_deref()
            .map(After::parse)
            .transpose()
            .map_err(|e| match e {
                StoreError::Invalid { reason, .. } => ApiError::bad_request("after", reason),
                other => other.into(),
            })
    }
}

/// `?limit=&offset=` on lists that are not documents.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct Window {
    #[serde(default = "window_limit")]
    #[param(minimum = 1, maximum = 10000, default = 1000)]
    limit: usize,
    #[serde(default)]
    #[param(minimum = 0, maximum = 9007199254740991_i64, default = 0)]
    offset: usize,
}

fn window_limit<N: From<u16>>() -> N {
    N::from(1_000)
}

impl Window {
    fn apply<T>(&self, items: Vec<T>) -> Result<Vec<T>, ApiError> {
        if !(1..=10_000).contains(&self.limit) {
            return Err(ApiError::bad_request("limit", "must be 1 to 10000"));
        }
        if self.offset > MAX_OFFSET as usize {
            return Err(ApiError::bad_request("offset", OFFSET_RANGE));
        }
        Ok(items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect())
    }
}

pub(crate) fn query<T: serde::de::DeserializeOwned>(
    raw: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    raw.map(|Query(q)| q).map_err(|e| {
        let text = e.body_text();
        let field = text
            .rsplit_once(": ")
            .map(|(_, f)| f.split('`').nth(1).unwrap_or("query").to_owned());
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, "bad_query", text);
        error.field = field.or_else(|| Some("query".into()));
        error
    })
}

#[utoipa::path(get, path = "/documents", params(Page), tag = "documents",
    responses((status = 200, body = DocumentList), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn list_documents(
    State(state): State<AppState>,
    actor: Actor,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DocumentList>, ApiError> {
    actor.may_read_documents()?;
    let page = query(page)?;
    let after = page.check()?;
    let items = state
        .store
        .list_documents(
            &actor.0.org,
            page.state.as_deref(),
            page.limit,
            after.as_ref(),
        )
        .await?;
    // A full page may have more after it; a short one is the last.
    let next = match items.last() {
        Some(last) if items.len() as i64 == page.limit => {
            After::text_of(&last.updated_at, &last.id)
        }
        _ => None,
    };
    Ok(Json(DocumentList {
        items,
        limit: page.limit,
        next,
    }))
}

/// What waits for me: documents at a step addressed to a position I hold
/// or act for today; my drafts and returned documents.
#[utoipa::path(get, path = "/inbox", tag = "documents", responses((status = 200, body = Inbox), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn inbox(State(state): State<AppState>, actor: Actor) -> Result<Json<Inbox>, ApiError> {
    actor.may_read_documents()?;
    let positions: Vec<PositionId> = actor
        .0
        .positions
        .iter()
        .map(|p| p.position.clone())
        .collect();
    let found = state
        .store
        .inbox(&actor.0.org, &actor.0.person, &positions, 200)
        .await?;
    Ok(Json(Inbox {
        counts: InboxCounts {
            waiting: found.waiting.len(),
            drafts: found.drafts.len(),
            sent: found.sent.len(),
        },
        waiting: found.waiting,
        drafts: found.drafts,
        sent: found.sent,
    }))
}

#[utoipa::path(post, path = "/documents", tag = "documents",
    request_body(content = Object, description = "A document in format saraban/1 (docs/document-format.md)"),
    responses((status = 201, body = DocumentSummary), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "No position today, or sent with cookies from another site", body = ApiError), (status = 404, body = ApiError)))]
async fn create_document(
    State(state): State<AppState>,
    actor: Actor,
    Body(content): Body<Value>,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let content = Drafted::from_value(content).map_err(StoreError::from)?;
    let created = state
        .store
        .create_document(&actor.0.org, &actor.0.person, content, Utc::now())
        .await?;
    tracing::info!(document = %created.id, user = %actor.0.person, "created");
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(get, path = "/documents/{id}", params(("id" = String, Path)), tag = "documents",
    responses((status = 200, body = DocumentSummary), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 410, description = "Destroyed under a destruction list, which the message names", body = ApiError)))]
async fn show_document(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<DocumentSummary>, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    // Destroyed under a list: 410, the list named (its events stay at
    // `/history`, its entry in the register).
    state.store.refuse_destroyed(&actor.0.org, &id).await?;
    Ok(Json(state.store.show(&actor.0.org, &id).await?))
}

#[utoipa::path(get, path = "/documents/{id}/content", params(("id" = String, Path)), tag = "documents",
    responses((status = 200, description = "The drafter's content, format saraban/1", body = Object), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 410, description = "Destroyed under a destruction list, which the message names", body = ApiError)))]
async fn document_content(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    Ok(Json(state.store.content(&actor.0.org, &id).await?))
}

#[utoipa::path(put, path = "/documents/{id}", params(("id" = String, Path)), tag = "documents",
    request_body(content = Object, description = "The new content, format saraban/1"),
    responses((status = 200, body = ActOutcome), (status = 409, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Not the drafter, or sent with cookies from another site", body = ApiError), (status = 404, body = ApiError)))]
async fn edit_document(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Body(content): Body<Value>,
) -> Result<Json<ActOutcome>, ApiError> {
    actor.may_read_documents()?;
    let id = document_id(&id)?;
    let content = drafted_for_edit(&state, &actor.0, &id, content).await?;
    Ok(Json(
        state
            .store
            .edit_document(&actor.0.org, &actor.0.person, &id, content, Utc::now())
            .await?,
    ))
}

/// `?version=N`: a content version of the document.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct VersionQuery {
    #[serde(default)]
    version: Option<i64>,
}

/// The actions `POST /documents/{id}/actions/{action}` takes
/// (`RouteAction::from_name`, edits aside: they are `PUT /documents/{id}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum ActionName {
    Submit,
    Endorse,
    Return,
    Sign,
    Issue,
    Withdraw,
    Cancel,
    Archive,
    /// Puts an issued announcement, order or letter on the organisation's
    /// public board (`/p/{org}`, `/p/{org}/feed.atom`); the registrar who
    /// issues for the route (`route.issue`) does. A secret document is
    /// refused (409 `secret_document`, field `secrecy`), a memo too (409
    /// `not_publishable`, field `kind`).
    Publish,
    /// Takes it off the board (a cancellation does too).
    Unpublish,
    /// A received letter's order carried out: by the assignee (the
    /// assigned position's holder, or the assigned person) or the
    /// registrar, with `text` saying what was done (การปฏิบัติ).
    Close,
    /// A received letter sent for acknowledgement (หนังสือเวียน) to the
    /// holders of `positions`; by the registrar.
    Circulate,
    /// รับทราบ: one holder of a position the letter was circulated to,
    /// once (409 `already_acted` the second time).
    Acknowledge,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionBody {
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$")]
    text: Option<String>,
    /// With `sign` on a received letter: the position or person the
    /// order assigns it to.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$")]
    assigned_to: Option<String>,
    /// With `assigned_to`: by when, YYYY-MM-DD.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$")]
    due: Option<String>,
    /// With `circulate`: the positions whose holders are to acknowledge it.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$")]
    positions: Option<Vec<String>>,
    /// With `sign` on an order: `true` keeps the date its draft set as its
    /// "สั่ง ณ วันที่" instead of the day of signing.
    #[serde(default)]
    keep_date: Option<bool>,
}

#[utoipa::path(post, path = "/documents/{id}/actions/{action}", tag = "documents",
    params(("id" = String, Path), ("action" = ActionName, Path, description = "Any other is answered 404 `unknown_action`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key does not act twice")),
    request_body(content = Option<ActionBody>, content_type = "application/json", description = "Optional; when sent, as application/json"),
    responses((status = 200, body = ActOutcome), (status = 409, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Not yours to do, or sent with cookies from another site", body = ApiError), (status = 404, body = ApiError)))]
async fn act(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body)?;
    let empty = body.iter().all(u8::is_ascii_whitespace);
    // A form of another site can post text/plain without asking first;
    // JSON it cannot.
    check_json_type(&headers, empty)?;
    check_no_nul(&body)?;
    actor.may_read_documents()?;
    let action = match RouteAction::from_name(&action) {
        Some(action) => action,
        None => {
            let other = action.as_str();
            return Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_action", format!(
                "unknown action '{other}'; actions: submit, endorse, return, sign, issue, withdraw, cancel, archive, publish, unpublish, close, circulate, acknowledge"
            ))
            .field("action"));
        }
    };
    let parsed = if empty {
        ActionBody::default()
    } else {
        let parsed: ActionBody = serde_json::from_slice(&body).map_err(|e| {
            let (status, code) = match e.classify() {
                serde_json::error::Category::Data => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
                _ => (StatusCode::BAD_REQUEST, "malformed_json"),
            };
            let field = if e.to_string().contains("`text`")
                || e.to_string().contains("expected a string")
            {
                "text"
            } else {
                "body"
            };
            ApiError::new(status, code, e.to_string()).field(field)
        })?;
        parsed
    };
    let text = parsed.text;
    let assignment = assignment_of(parsed.assigned_to, parsed.due)?;
    let positions = parsed
        .positions
        .map(|positions| {
            positions
                .iter()
                .map(|p| saraban_core::org::Slug::parse(p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ApiError::from(StoreError::invalid("positions", e.to_string())))
        })
        .transpose()?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let account = &actor.0;
    if let Some(key) = &key {
        if key.is_empty() || key.len() > 200 {
            return Err(ApiError::bad_request(
                "Idempotency-Key",
                "must be 1 to 200 characters",
            ));
        }
        let scoped = format!("{id}:{key}");
        if let Some((status, response)) = state
            .store
            .idempotent_response(&account.org, &account.person, &scoped)
            .await?
        {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok((status, [(CONTENT_TYPE, "application/json")], response).into_response());
        }
    }
    let keep_date = parsed.keep_date == Some(true);
    if keep_date && (assignment.is_some() || positions.is_some()) {
        return Err(
            StoreError::invalid("keep_date", "keep_date goes only with sign on an order").into(),
        );
    }
    let outcome = match (assignment, positions) {
        (None, None) if keep_date => {
            if action != RouteAction::Sign {
                return Err(
                    StoreError::invalid("keep_date", "keep_date goes only with sign").into(),
                );
            }
            state
                .store
                .sign_keeping_date(
                    &account.org,
                    &account.person,
                    &document_id(&id)?,
                    text.as_deref(),
                    Utc::now(),
                )
                .await?
        }
        (_, Some(positions)) => {
            if action != RouteAction::Circulate {
                return Err(
                    StoreError::invalid("positions", "positions go only with circulate").into(),
                );
            }
            state
                .store
                .circulate(
                    &account.org,
                    &account.person,
                    &document_id(&id)?,
                    positions,
                    text.as_deref(),
                    Utc::now(),
                )
                .await?
        }
        (None, None) => {
            act_now(
                &state,
                account,
                &document_id(&id)?,
                action,
                text.as_deref(),
                "",
            )
            .await?
        }
        (Some(assignment), None) => {
            state
                .store
                .act_assigning(
                    &account.org,
                    &account.person,
                    &document_id(&id)?,
                    action,
                    text.as_deref(),
                    Some(assignment),
                    Utc::now(),
                )
                .await?
        }
    };
    let body = serde_json::to_string(&outcome).expect("serialisable");
    if let Some(key) = key {
        let scoped = format!("{id}:{key}");
        state
            .store
            .remember_response(
                &account.org,
                &account.person,
                &scoped,
                200,
                &body,
                Utc::now(),
            )
            .await?;
    }
    Ok((StatusCode::OK, [(CONTENT_TYPE, "application/json")], body).into_response())
}

/// An order's assignment as sent: an id, and a date only with it.
fn assignment_of(
    to: Option<String>,
    due: Option<String>,
) -> Result<Option<saraban_store::Assignment>, ApiError> {
    let Some(to) = to else {
        return match due {
            Some(_) => Err(StoreError::invalid("due", "ระบุกำหนดเสร็จได้เมื่อมอบหมายแล้วเท่านั้น").into()),
            None => Ok(None),
        };
    };
    let to = saraban_core::org::Slug::parse(&to)
        .map_err(|e| StoreError::invalid("assigned_to", e.to_string()))?;
    let due = due
        .map(|due| {
            saraban_core::thai::parse_iso_date(&due)
                .map(|d| d.naive())
                .map_err(|e| StoreError::invalid("due", e))
        })
        .transpose()?;
    Ok(Some(saraban_store::Assignment { to, due }))
}

#[utoipa::path(get, path = "/documents/{id}/pdf", params(("id" = String, Path), VersionQuery), tag = "documents",
    responses((status = 200, description = "The issued PDF/A, or a preview before issue", content_type = "application/pdf", body = inline(PdfBytes)), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 410, description = "Destroyed under a destruction list, which the message names", body = ApiError)))]
async fn document_pdf(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    version: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    actor.may_read_documents()?;
    let version = query(version)?.version;
    let id = document_id(&id)?;
    let (name, pdf) = named_pdf(&state, &actor.0.org, &id, version).await?;
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (CONTENT_DISPOSITION, name.disposition()),
        ],
        pdf,
    )
        .into_response())
}

#[utoipa::path(get, path = "/documents/{id}/history", params(("id" = String, Path), Window), tag = "documents",
    responses((status = 200, body = Vec<HistoryEntry>), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn document_history(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    page: Result<Query<Window>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    actor.may_read_documents()?;
    let page = query(page)?;
    let id = document_id(&id)?;
    page.apply(state.store.history(&actor.0.org, &id).await?)
        .map(Json)
}

/// `?limit=&after=` on a register: the page after the number `after` (the
/// last `number` of the page before), read by the register's index.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RegisterWindow {
    #[serde(default = "window_limit")]
    #[param(minimum = 1, maximum = 10000, default = 1000)]
    limit: u32,
    /// The last number of the page before; the page starts after it.
    #[serde(default)]
    #[param(minimum = 0, maximum = 9007199254740991_i64, default = 0)]
    after: i64,
}

impl RegisterWindow {
    /// The page's `(after, limit)`, once both hold.
    pub(crate) fn check(&self) -> Result<(i64, u32), ApiError> {
        if !(1..=10_000).contains(&self.limit) {
            return Err(ApiError::bad_request("limit", "must be 1 to 10000"));
        }
        if !(0..=MAX_OFFSET).contains(&self.after) {
            return Err(ApiError::bad_request("after", OFFSET_RANGE));
        }
        Ok((self.after, self.limit))
    }
}

#[utoipa::path(get, path = "/registers/{register}/{year}", tag = "registers",
    params(("register" = String, Path), ("year" = i32, Path, minimum = 2443, maximum = 3542, description = "B.E. year, e.g. 2568 (Thai digits are read too); `BuddhistYear`'s range"), RegisterWindow),
    responses((status = 200, description = "The register's entries numbered after `after`, in number order, at most `limit`", body = Vec<RegisterEntry>), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn register_entries(
    State(state): State<AppState>,
    actor: Actor,
    Path((register, year)): Path<(String, String)>,
    page: Result<Query<RegisterWindow>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<RegisterEntry>>, ApiError> {
    actor.may_read_documents()?;
    let (after, limit) = query(page)?.check()?;
    let year = buddhist_year(&year).ok_or_else(|| {
        ApiError::bad_request("year", format!("'{year}' is not a B.E. year such as 2568"))
    })?;
    Ok(Json(
        state
            .store
            .register_page(&actor.0.org, &register, year, after, limit)
            .await?
            .entries,
    ))
}

#[utoipa::path(get, path = "/verify", tag = "registers", responses((status = 200, body = Audit), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn verify(State(state): State<AppState>, actor: Actor) -> Result<Json<Audit>, ApiError> {
    if !actor.0.is_admin {
        return Err(ApiError::forbidden(
            "only an administrator verifies the log",
        ));
    }
    Ok(Json(state.store.audit(&actor.0.org).await?))
}

#[utoipa::path(get, path = "/orgs/{org}/checkpoint", tag = "registers", security(()),
    params(("org" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The newest signed checkpoint of the organisation's log (C2SP signed note), public", content_type = "text/plain"), (status = 404, body = ApiError)))]
async fn latest_checkpoint(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = OrgId::parse(&org).ok();
    let note = match &org {
        Some(org) => state.store.latest_checkpoint(org).await?,
        None => None,
    };
    let note = note.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no checkpoint of this organisation's log",
        )
    })?;
    Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
}

#[utoipa::path(get, path = "/orgs/{org}/certificate", tag = "registers", security(()),
    params(("org" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The certificate the organisation's issued PDFs are digitally signed (PAdES) with, and its chain as PEM: public", body = saraban_store::SealCertificate), (status = 404, body = ApiError)))]
async fn seal_certificate(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Json<saraban_store::SealCertificate>, ApiError> {
    let org =
        OrgId::parse(&org).map_err(|_| StoreError::not_found("organisation", org.as_str()))?;
    let certificate = state.store.seal_certificate(&org).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "this organisation signs no PDFs",
        )
    })?;
    Ok(Json(certificate))
}

#[utoipa::path(get, path = "/orgs/{org}/key", tag = "registers", security(()),
    params(("org" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The key that verifies the organisation's checkpoints (note verifier key text), public", content_type = "text/plain"), (status = 404, body = ApiError)))]
async fn verifier_key(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org =
        OrgId::parse(&org).map_err(|_| StoreError::not_found("organisation", org.as_str()))?;
    let key = state.store.verifier_key(&org).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "this organisation signs no checkpoints",
        )
    })?;
    Ok((
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{key}\n"),
    )
        .into_response())
}

#[utoipa::path(get, path = "/public/verify/{code}", tag = "registers", security(()),
    params(("code" = String, Path, description = "The verification code printed on the issued PDF")),
    responses((status = 200, body = PublicRecord), (status = 404, body = ApiError)))]
async fn public_record(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<PublicRecord>, ApiError> {
    state
        .store
        .public_record(&code)
        .await?
        .map(Json)
        .ok_or_else(unknown_code)
}

/// Which of an organisation's published documents to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct BoardQuery {
    /// announcement, order, letter or stamped.
    #[serde(default)]
    #[param(pattern = "^(announcement|order|letter|stamped)$")]
    kind: Option<String>,
    /// A B.E. year (2568; Thai digits are read too), of the date the
    /// document bears.
    #[serde(default)]
    #[param(value_type = Option<i32>, minimum = 2443, maximum = 3542)]
    year: Option<String>,
}

/// An organisation's published documents, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Published {
    organisation: String,
    items: Vec<BoardEntry>,
}

/// What an organisation publishes (its board at `/p/{org}` in Thai, its
/// Atom feed at `/p/{org}/feed.atom`): readable by anyone.
#[utoipa::path(get, path = "/public/orgs/{org}/published", tag = "registers", security(()),
    params(("org" = String, Path), BoardQuery),
    responses((status = 200, body = Published), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
async fn published_documents(
    State(state): State<AppState>,
    Path(org): Path<String>,
    raw: Result<Query<BoardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Published>, ApiError> {
    let asked = query(raw)?;
    if let Some(kind) = &asked.kind
        && !saraban_core::workflow::Publicity::KINDS.contains(&kind.as_str())
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            "kind: one of announcement, order, letter, stamped",
        )
        .field("kind"));
    }
    let year = match &asked.year {
        Some(text) => Some(buddhist_year(text).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_query", "year: a B.E. year").field("year")
        })?),
        None => None,
    };
    let unknown =
        || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such organisation").field("org");
    let org = OrgId::parse(&org).map_err(|_| unknown())?;
    let filter = BoardFilter {
        kind: asked.kind,
        year,
    };
    let board = state
        .store
        .board(&org, &filter)
        .await?
        .ok_or_else(unknown)?;
    Ok(Json(Published {
        organisation: board.organisation,
        items: board.entries,
    }))
}

fn unknown_code() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no issued document has this verification code",
    )
    .field("code")
}

/// Whether a PDF someone holds is the issued one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PdfComparison {
    /// Byte for byte the issued PDF.
    pub matches: bool,
    /// SHA-256 of the PDF sent.
    pub sha256: String,
    /// What the PDF's own digital signature (PAdES) says, checked against
    /// the organisation's certificates; absent when it carries none.
    pub seal: Option<saraban_store::SealSummary>,
}

/// A PDF's bytes, for the OpenAPI document: binary, never empty.
pub(crate) struct PdfBytes;

impl utoipa::PartialSchema for PdfBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .min_length(Some(1))
            .into()
    }
}

impl utoipa::ToSchema for PdfBytes {}

#[utoipa::path(post, path = "/public/verify/{code}", tag = "registers", security(()),
    params(("code" = String, Path, description = "The verification code printed on the issued PDF")),
    request_body(content((inline(PdfBytes) = "application/pdf"), (inline(PdfBytes) = "application/octet-stream")), description = "The PDF to compare, at most 2 MiB; any Content-Type is read as its bytes"),
    responses((status = 200, body = PdfComparison), (status = 400, description = "No PDF was sent", body = ApiError), (status = 403, description = "Sent with cookies from another site", body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError)))]
async fn compare_issued_pdf(
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<PdfComparison>, ApiError> {
    let body = body_bytes(body)?;
    // An empty body is no PDF: comparing it would only say "no".
    if body.is_empty() {
        return Err(ApiError::bad_request("body", "send the PDF to compare"));
    }
    let check = state
        .store
        .compare_issued_pdf(&code, &body)
        .await?
        .ok_or_else(unknown_code)?;
    Ok(Json(PdfComparison {
        matches: check.matches,
        sha256: saraban_core::ledger::sha256_hex(&body),
        seal: check.seal,
    }))
}

#[utoipa::path(get, path = "/organisation", tag = "registers",
    responses((status = 200, description = "The organisation's configuration (administrators)", body = Object), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn organisation_config(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Value>, ApiError> {
    if !actor.0.is_admin {
        return Err(ApiError::forbidden(
            "only an administrator reads the configuration",
        ));
    }
    let config = state.store.org_config(&actor.0.org).await?;
    Ok(Json(serde_json::to_value(config).expect("serialisable")))
}

/// Replaces the configuration (people, positions, delegations, routes,
/// registers). A changed route becomes a new version.
#[utoipa::path(put, path = "/organisation", tag = "registers",
    request_body(content = Object, description = "The organisation file as JSON (same fields as examples/organisation/wangkrachae.toml)"),
    responses((status = 200, description = "What changed", body = Object), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, description = "Not an administrator, or sent with cookies from another site", body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
async fn update_organisation(
    State(state): State<AppState>,
    actor: Actor,
    Body(body): Body<Value>,
) -> Result<Json<Value>, ApiError> {
    if !actor.0.is_admin {
        return Err(ApiError::forbidden(
            "only an administrator changes the configuration",
        ));
    }
    let config = saraban_core::org::OrgConfig::from_value(body).map_err(StoreError::from)?;
    if config.organisation.id.as_str() != actor.0.org {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "organisation.id: must be your own organisation",
        )
        .field("organisation.id"));
    }
    // The configuration does not carry the emblem: keep the one stored.
    let emblem = state.store.emblem(&actor.0.org).await?;
    let report = state
        .store
        .init_org(&config, emblem.as_deref(), Utc::now())
        .await?;
    tracing::info!(user = %actor.0.person, "organisation configuration changed");
    Ok(Json(serde_json::to_value(report).expect("serialisable")))
}
