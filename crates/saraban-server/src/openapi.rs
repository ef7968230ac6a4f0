//! The OpenAPI 3 document of `/api/v1`, generated from the handlers'
//! annotations and the types they exchange.

use saraban_store::{
    Account, ActOutcome, Audit, DocumentSummary, Finding, HistoryEntry, PositionHeld, PublicRecord,
    PublicStep, RegisterEntry,
};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::ApiError;
use crate::error::ErrorCode;

/// Answer of a sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    pub account: Account,
}

/// A new API token; shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewToken {
    pub token: String,
    #[schema(example = "Bearer")]
    pub r#type: String,
}

/// A page of documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentSummary>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxCounts {
    pub waiting: usize,
    pub drafts: usize,
    pub sent: usize,
}

/// What waits for the signed-in person.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    pub counts: InboxCounts,
    pub waiting: Vec<DocumentSummary>,
    pub drafts: Vec<DocumentSummary>,
    pub sent: Vec<DocumentSummary>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "saraban", description = "Thai official correspondence: documents, their route, registers and approval records."),
    servers((url = "/api/v1")),
    paths(
        crate::sign_in, crate::sign_out, crate::change_password, crate::create_token, crate::me,
        crate::list_documents, crate::inbox, crate::create_document, crate::show_document,
        crate::document_content, crate::edit_document, crate::act, crate::document_pdf,
        crate::document_history, crate::register_entries, crate::verify,
        crate::latest_checkpoint, crate::verifier_key, crate::public_record,
        crate::compare_issued_pdf,
        crate::organisation_config, crate::update_organisation,
    ),
    components(schemas(
        ApiError, ErrorCode, Account, PositionHeld, DocumentSummary, ActOutcome, HistoryEntry, RegisterEntry, Audit, Finding, PublicRecord, PublicStep, crate::PdfComparison,
        SignedIn, NewToken, DocumentList, Inbox, InboxCounts,
        crate::SignIn, crate::PasswordChange, crate::TokenRequest, crate::ActionBody,
    )),
    tags((name = "session"), (name = "documents"), (name = "registers")),
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
