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
    modifiers(&EdgeRefusals),
)]
struct ApiDoc;

/// The refusals of the edge (`edge::guard`), which no handler writes but
/// every operation may answer: 400 for a path or query with U+0000 or not
/// UTF-8, and 403 for an unsafe request with another site's cookies.
struct EdgeRefusals;

impl utoipa::Modify for EdgeRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let refusal = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let safe = [&mut item.get];
            let unsafe_ = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for (operation, is_unsafe) in safe
                .into_iter()
                .map(|o| (o, false))
                .chain(unsafe_.into_iter().map(|o| (o, true)))
            {
                let Some(operation) = operation else { continue };
                let responses = &mut operation.responses.responses;
                responses.entry("400".into()).or_insert_with(|| {
                    refusal("The path or query holds U+0000 or is not UTF-8").into()
                });
                if is_unsafe {
                    responses.entry("403".into()).or_insert_with(|| {
                        refusal("Sent with cookies from another site (Origin, Sec-Fetch-Site)")
                            .into()
                    });
                }
            }
        }
    }
}

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
    fn the_edge_refusals_and_limits_are_in_the_document() {
        let document = serde_json::to_value(super::document()).expect("JSON");
        let paths = document["paths"].as_object().expect("paths");
        for (path, operations) in paths {
            for (method, operation) in operations.as_object().expect("operations") {
                let responses = &operation["responses"];
                assert!(responses["400"].is_object(), "{method} {path}: 400");
                let unsafe_ = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
                assert!(
                    !unsafe_ || responses["403"].is_object(),
                    "{method} {path}: 403"
                );
                let json_body = operation["requestBody"]["content"]["application/json"].is_object();
                assert!(
                    !json_body || responses["415"].is_object(),
                    "{method} {path}: 415"
                );
            }
        }
        assert!(document["paths"]["/sign-in"]["post"]["responses"]["429"].is_object());
        let limit = document["paths"]["/documents/{id}/history"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "limit")
            .expect("limit")
            .clone();
        assert_eq!(limit["schema"]["maximum"], 10000, "{limit}");
        let listed = listed_codes();
        for code in [
            "rate_limited",
            "locked",
            "cross_origin",
            "method_not_allowed",
        ] {
            assert!(listed.iter().any(|c| c == code), "{code}");
        }
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
