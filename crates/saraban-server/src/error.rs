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
    #[schema(value_type = String, example = "not_your_turn")]
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
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

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Input(input) => {
                let field = if input.path.is_empty() {
                    "body".to_owned()
                } else {
                    input.path.clone()
                };
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_document",
                    input.message,
                )
                .field(field)
            }
            StoreError::Refused(refusal) => {
                let message = refusal.to_string();
                match refusal {
                    Refusal::WrongState { .. } => {
                        ApiError::new(StatusCode::CONFLICT, "wrong_state", message)
                    }
                    Refusal::AlreadyActed(_) => {
                        ApiError::new(StatusCode::CONFLICT, "already_acted", message)
                    }
                    Refusal::NotDrafter(_) => {
                        ApiError::new(StatusCode::FORBIDDEN, "not_drafter", message)
                    }
                    Refusal::NotYourTurn { .. } => {
                        ApiError::new(StatusCode::FORBIDDEN, "not_your_turn", message)
                    }
                    Refusal::TextRequired(_) => {
                        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "text_required", message)
                            .field("text")
                    }
                }
            }
            StoreError::NotFound { what, id } => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no {what} '{id}'"),
            ),
            StoreError::KeyLocked { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "key_locked", error.to_string())
            }
            StoreError::Invalid(message) => {
                let field = message
                    .split_once(':')
                    .map(|(f, _)| f.trim().to_owned())
                    .filter(|f| !f.contains(' '));
                let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message);
                error.field = field;
                error
            }
            other => {
                tracing::error!(error = %other, "request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed; the error is logged",
                )
            }
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
