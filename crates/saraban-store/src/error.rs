//! What the store answers when it does not do what was asked: the client's
//! mistakes, each with a stable code and the field as data, and our own
//! failures, whose cause is for the log only.
//!
//! Knows nothing of the rest of the crate.

use std::path::PathBuf;

use saraban_core::InputError;
use saraban_core::workflow::Refusal;

/// Why the store refused or failed. Nothing is changed by either.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A document or configuration that does not parse: its path and why.
    #[error("{0}")]
    Input(#[from] InputError),
    /// A parameter of the request that cannot be taken.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The route does not allow it (wrong state, not your turn…).
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// Also the answer for another organisation's document.
    #[error("no {what} '{id}'")]
    NotFound { what: &'static str, id: String },
    /// The records are not in a state where this can be done.
    #[error("{0}")]
    Conflict(String),
    /// The document's content was erased under an approved destruction
    /// list (issue 19): its events and register entry stay, its text,
    /// versions and files do not.
    #[error("document '{id}' was destroyed under destruction list {list}")]
    Destroyed { id: String, list: String },
    /// An approval needs its actor's own key, unlocked by their password
    /// when they sign in.
    #[error("the approval key of '{person}' is locked: sign in again with the password")]
    KeyLocked { person: String },
    /// Typesetting failed (ours: what it was given had been accepted).
    #[error("typesetting: {0}")]
    Render(String),
    /// Ours, not the client's.
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// A failure of the store itself: the database, the disk, the writer, or
/// records that no longer read as they were written.
#[derive(Debug, thiserror::Error)]
pub enum Internal {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A stored value that does not read back as what was written.
    #[error("stored {what}: {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("cryptography: {0}")]
    Crypto(String),
    /// The batch the change was in did not commit; nothing of it is kept.
    #[error("not committed: {0}")]
    NotCommitted(String),
    /// The store is closed or its writer is gone.
    #[error("the writer stopped")]
    WriterGone,
    /// A rule of our own code that did not hold.
    #[error("{0}")]
    Invariant(String),
}

impl StoreError {
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        StoreError::NotFound {
            what,
            id: id.into(),
        }
    }

    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn corrupt(what: &'static str, reason: impl ToString) -> Self {
        Internal::Corrupt {
            what,
            reason: reason.to_string(),
        }
        .into()
    }

    pub fn crypto(reason: impl ToString) -> Self {
        Internal::Crypto(reason.to_string()).into()
    }

    pub fn render(reason: impl ToString) -> Self {
        StoreError::Render(reason.to_string())
    }

    pub fn invariant(reason: impl Into<String>) -> Self {
        Internal::Invariant(reason.into()).into()
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Internal::Io {
            path: path.into(),
            source,
        }
        .into()
    }

    /// The stable code of this error, as the API names it.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Input(_) => "invalid_document",
            StoreError::Invalid { .. } => "invalid",
            StoreError::Refused(refusal) => match refusal {
                Refusal::WrongState { .. } => "wrong_state",
                Refusal::AlreadyActed(_) | Refusal::AlreadyAcknowledged => "already_acted",
                Refusal::NotDrafter(_) => "not_drafter",
                Refusal::NotYourTurn { .. } => "not_your_turn",
                Refusal::TextRequired(_) => "text_required",
                Refusal::Secret(_) => "secret_document",
                Refusal::NotPublishable => "not_publishable",
                Refusal::NotForKind(_) => "not_for_kind",
            },
            StoreError::NotFound { .. } => "not_found",
            StoreError::Conflict(_) => "conflict",
            StoreError::Destroyed { .. } => "destroyed",
            StoreError::KeyLocked { .. } => "key_locked",
            StoreError::Render(_) | StoreError::Internal(_) => "internal",
        }
    }

    /// The field at fault, as a path into the request, where there is one.
    pub fn field(&self) -> Option<String> {
        match self {
            StoreError::Input(input) if input.path.is_empty() => Some("body".into()),
            StoreError::Input(input) => Some(input.path.clone()),
            StoreError::Invalid { field, .. } => Some(field.clone()),
            StoreError::Refused(Refusal::TextRequired(_)) => Some("text".into()),
            // The document's own field that forbids publishing it.
            StoreError::Refused(Refusal::Secret(_)) => Some("secrecy".into()),
            StoreError::Refused(Refusal::NotPublishable | Refusal::NotForKind(_)) => {
                Some("kind".into())
            }
            _ => None,
        }
    }

    /// Whether the fault is ours (a 5xx), not the client's.
    pub fn is_internal(&self) -> bool {
        matches!(self, StoreError::Render(_) | StoreError::Internal(_))
    }

    /// Whether the same request may succeed if sent again: the database
    /// was out of reach or busy, or the batch did not commit.
    pub fn retry_may_help(&self) -> bool {
        match self {
            StoreError::Internal(Internal::NotCommitted(_) | Internal::WriterGone) => true,
            StoreError::Internal(Internal::Database(error)) => matches!(
                error,
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            ),
            _ => false,
        }
    }

    /// Whether the database failed (which ends a batch).
    pub(crate) fn is_database(&self) -> bool {
        matches!(self, StoreError::Internal(Internal::Database(_)))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        Internal::Database(error).into()
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Internal::Migrate(error).into()
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_carry_their_field_and_ours_carry_none() {
        let input = StoreError::invalid("text", "too long");
        assert_eq!(input.code(), "invalid");
        assert_eq!(input.field().as_deref(), Some("text"));
        assert!(!input.is_internal());
        let ours = StoreError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(ours.code(), "internal");
        assert_eq!(ours.field(), None);
        assert!(ours.is_internal() && ours.retry_may_help());
        assert!(!StoreError::corrupt("route", "not JSON").retry_may_help());
    }
}
