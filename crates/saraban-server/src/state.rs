//! The state every handler shares, and what the API and the web pages do
//! alike: read and set the session cookie, take a route action now, read a
//! B.E. year in an address.

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use chrono::Utc;
use saraban_core::workflow::RouteAction;
use saraban_core::{DocumentId, Drafted, OrgId};
use saraban_store::{Account, ActOutcome, Store};

use crate::download::PdfName;

const COOKIE_NAME: &str = "saraban_session";

#[derive(Debug, Clone)]
pub struct AppState {
    /// Opened with `press` attached, so that it can issue.
    pub store: Store,
    /// Typesets PDFs and page images on demand.
    pub press: saraban_press::TypstPress,
    /// Send the session cookie only over HTTPS.
    pub secure_cookies: bool,
}

pub(crate) fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(bearer) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_owned());
    }
    cookie_value(headers, COOKIE_NAME)
}

/// The value of the cookie `name`, from any of the `Cookie` headers.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

pub(crate) fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .expect("a valid header")
}

/// A route action taken now by `account`, as the API and the web page
/// take it; logged whether or not it was allowed, `via` after its message.
pub(crate) async fn act_now(
    state: &AppState,
    account: &Account,
    id: &DocumentId,
    action: RouteAction,
    text: Option<&str>,
    via: &str,
) -> Result<ActOutcome, saraban_store::StoreError> {
    let outcome = state
        .store
        .act(&account.org, &account.person, id, action, text, Utc::now())
        .await;
    tracing::info!(document = %id, user = %account.person, action = ?action, ok = outcome.is_ok(), "action{via}");
    outcome
}

/// A document's id as an address or a form gives it. Text that is no
/// document id names no document: answered as an unknown one is.
pub(crate) fn document_id(text: &str) -> Result<DocumentId, saraban_store::StoreError> {
    DocumentId::parse(text).map_err(|_| saraban_store::StoreError::not_found("document", text))
}

/// A document's PDF as the API and the pages download it, with the name it
/// is saved under: the issued file byte for byte, else the version asked
/// for (the document as it stands by default) typeset now.
pub(crate) async fn named_pdf(
    state: &AppState,
    org: &OrgId,
    id: &DocumentId,
    version: Option<i64>,
) -> Result<(PdfName, Vec<u8>), saraban_store::StoreError> {
    let summary = state.store.show(org, id).await?;
    // With no issued file to look for, the press typesets the version just
    // read at once.
    let version = version.or_else(|| summary.pdf_hash.is_none().then_some(summary.version));
    let pdf = state.press.pdf(&state.store, org, id, version).await?;
    Ok((PdfName::of(&summary), pdf))
}

/// New content for a document, read as a document. Content that is no
/// document is refused after what the edit would refuse first (an unknown
/// document, not the drafter, not in draft), as the store refused it when it
/// read the content itself.
pub(crate) async fn drafted_for_edit(
    state: &AppState,
    account: &Account,
    id: &DocumentId,
    content: serde_json::Value,
) -> Result<Drafted, saraban_store::StoreError> {
    match Drafted::from_value(content) {
        Ok(drafted) => Ok(drafted),
        Err(error) => {
            state
                .store
                .may_edit(&account.org, &account.person, id)
                .await?;
            Err(error.into())
        }
    }
}

/// A B.E. year as written in an address, in Thai or Arabic digits.
pub(crate) fn buddhist_year(text: &str) -> Option<i32> {
    saraban_core::thai::parse_number(text)
        .and_then(|y| i32::try_from(y).ok())
        .filter(|y| saraban_core::BuddhistYear::new(*y).is_ok())
}
