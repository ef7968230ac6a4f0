//! The OpenAPI 3 document of `/api/v1`, generated from the handlers'
//! annotations and the types they exchange.

use saraban_store::{
    Account, ActOutcome, Audit, DocumentSummary, Finding, HistoryEntry, PositionHeld, PublicRecord,
    PublicStep, RegisterEntry,
};
use utoipa::OpenApi;

use crate::api;
use crate::error::{ApiError, ErrorCode};

#[derive(OpenApi)]
#[openapi(
    info(title = "saraban", description = "Thai official correspondence: documents, their route, registers and approval records."),
    servers((url = "/api/v1")),
    paths(
        api::sign_in, api::sign_out, api::change_password, api::create_token, api::me,
        api::list_documents, api::inbox, api::create_document, api::show_document,
        api::document_content, api::edit_document, api::act, api::document_pdf,
        api::document_history, api::register_entries, api::verify,
        api::latest_checkpoint, api::verifier_key, api::public_record,
        api::compare_issued_pdf,
        api::organisation_config, api::update_organisation,
    ),
    components(schemas(
        ApiError, ErrorCode, Account, PositionHeld, DocumentSummary, ActOutcome, HistoryEntry, RegisterEntry, Audit, Finding, PublicRecord, PublicStep, api::PdfComparison,
        api::SignedIn, api::NewToken, api::DocumentList, api::Inbox, api::InboxCounts,
        api::SignIn, api::PasswordChange, api::TokenRequest, api::ActionBody,
    )),
    tags((name = "session"), (name = "documents"), (name = "registers")),
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use saraban_core::InputError;
    use saraban_core::workflow::{ActionKind, Refusal};
    use saraban_store::StoreError;

    /// The codes the OpenAPI document lists as `ErrorCode`.
    fn listed_codes() -> Vec<String> {
        let document = serde_json::to_value(super::document()).expect("JSON");
        document["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .expect("ErrorCode is an enum")
            .iter()
            .map(|code| code.as_str().expect("a code").to_owned())
            .collect()
    }

    #[test]
    fn every_code_of_the_store_is_listed_in_the_openapi_document() {
        let listed = listed_codes();
        let errors = [
            StoreError::Input(InputError {
                path: String::new(),
                message: String::new(),
            }),
            StoreError::invalid("text", "too long"),
            StoreError::Refused(Refusal::AlreadyActed(
                saraban_core::org::Slug::parse("somjai").expect("a slug"),
            )),
            StoreError::Refused(Refusal::TextRequired(ActionKind::Return)),
            StoreError::not_found("document", "x"),
            StoreError::Conflict(String::new()),
            StoreError::KeyLocked {
                person: String::new(),
            },
            StoreError::Render(String::new()),
            StoreError::invariant("x"),
        ];
        for error in errors {
            assert!(listed.iter().any(|c| c == error.code()), "{}", error.code());
        }
    }
}
