//! Errors as the API answers them: a status, a stable code, a message and
//! the field at fault.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saraban_core::workflow::Refusal;
use saraban_store::{SignInError, StoreError};
use serde::Serialize;

/// An error: a stable code, a message, and the field at fault.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// One of the codes of `ErrorCode`.
    #[schema(value_type = ErrorCode)]
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Of an internal error: the id its log line carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Every code an error of the API may carry: the store's (the client's
/// mistakes, and `internal` for ours, with a request id) and the API's own.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ErrorCode {
    InvalidDocument,
    Invalid,
    WrongState,
    AlreadyActed,
    NotDrafter,
    NotYourTurn,
    TextRequired,
    /// Publishing a secret (ลับ, ลับมาก) document: never done.
    SecretDocument,
    /// Publishing a memo: only announcements, orders and letters go on the board.
    NotPublishable,
    /// Issuing a received letter, or closing a document that was not received.
    NotForKind,
    NotFound,
    Conflict,
    /// The document's content was destroyed under an approved destruction
    /// list (410); the message names the list.
    Destroyed,
    KeyLocked,
    Internal,
    Unauthenticated,
    Forbidden,
    BadRequest,
    BadQuery,
    UnknownAction,
    WrongCredentials,
    Locked,
    RateLimited,
    CrossOrigin,
    MethodNotAllowed,
    TooLarge,
    UnsupportedMediaType,
    MalformedJson,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            request_id: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message).field(field)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

tokio::task_local! {
    /// The id of the request being answered, for internal errors' bodies.
    static REQUEST_ID: String;
}

/// Runs `answer` as the request `id`: an internal error it returns names
/// the id, and its log line carries the cause with the same id.
pub(crate) async fn with_request_id<F: Future>(id: String, answer: F) -> F::Output {
    REQUEST_ID.scope(id, answer).await
}

fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "none".to_owned())
}

/// The HTTP status of a store error: the one mapping the API and the web
/// pages share.
pub(crate) fn status_of(error: &StoreError) -> StatusCode {
    match error {
        StoreError::Input(_) | StoreError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::Refused(refusal) => match refusal {
            Refusal::WrongState { .. }
            | Refusal::AlreadyActed(_)
            | Refusal::AlreadyAcknowledged => StatusCode::CONFLICT,
            Refusal::NotDrafter(_) | Refusal::NotYourTurn { .. } => StatusCode::FORBIDDEN,
            Refusal::TextRequired(_) => StatusCode::UNPROCESSABLE_ENTITY,
            // The document is what it is: no request about it can change that.
            Refusal::Secret(_) | Refusal::NotPublishable | Refusal::NotForKind(_) => {
                StatusCode::CONFLICT
            }
        },
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::Conflict(_) => StatusCode::CONFLICT,
        StoreError::Destroyed { .. } => StatusCode::GONE,
        StoreError::KeyLocked { .. } => StatusCode::FORBIDDEN,
        StoreError::Render(_) | StoreError::Internal(_) if error.retry_may_help() => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        StoreError::Render(_) | StoreError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs an internal error's cause with the request id, and gives the id.
pub(crate) fn log_internal(error: &StoreError) -> String {
    let id = request_id();
    tracing::error!(request_id = %id, cause = %error, "internal error");
    id
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let status = status_of(&error);
        if error.is_internal() {
            let id = log_internal(&error);
            return ApiError {
                status,
                code: "internal",
                message: "internal error".into(),
                field: None,
                request_id: Some(id),
            };
        }
        let message = match &error {
            StoreError::Input(input) => input.message.clone(),
            StoreError::Invalid { reason, .. } => reason.clone(),
            other => other.to_string(),
        };
        ApiError {
            status,
            code: error.code(),
            message,
            field: error.field(),
            request_id: None,
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(error: SignInError) -> Self {
        match error {
            SignInError::Wrong => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                error.to_string(),
            ),
            SignInError::Locked(_) => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", error.to_string())
            }
            SignInError::RateLimited(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                error.to_string(),
            ),
            SignInError::Store(store) => store.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let text = rejection.body_text();
        // serde names the place: "... at line 1 column 9" or "field: reason".
        let field = text
            .split_once(": ")
            .map(|(_, rest)| rest)
            .and_then(|rest| rest.split_once(": "))
            .map(|(path, _)| path.to_owned())
            .filter(|p| !p.contains(' '));
        let (status, code) = match status {
            StatusCode::PAYLOAD_TOO_LARGE => (status, "too_large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (status, "unsupported_media_type"),
            StatusCode::UNPROCESSABLE_ENTITY => (status, "invalid"),
            _ => (StatusCode::BAD_REQUEST, "malformed_json"),
        };
        // Only a data error (the JSON is well-formed) has a field to name.
        let field = if status == StatusCode::UNPROCESSABLE_ENTITY {
            field
        } else {
            None
        };
        let mut error = ApiError::new(status, code, text);
        error.field = Some(field.unwrap_or_else(|| "body".into()));
        error
    }
}
