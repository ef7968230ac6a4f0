//! The OpenAPI 3 document of `/api/v1`, generated from the handlers'
//! annotations and the types they exchange.

use saraban_store::{
    Account, ActOutcome, Audit, BoardEntry, DocumentSummary, Finding, HistoryEntry, PositionHeld,
    PublicRecord, PublicStep, RegisterEntry,
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
        api::latest_checkpoint, api::verifier_key, api::seal_certificate, api::public_record, api::published_documents,
        api::compare_issued_pdf,
        api::organisation_config, api::update_organisation,
        crate::enclosures::upload_enclosure, crate::enclosures::list_enclosures,
        crate::enclosures::download_enclosure,
        crate::incoming::receive, crate::incoming::received_register,
        crate::incoming::original, crate::incoming::stamped, crate::incoming::circulation, crate::incoming::replies,
        crate::unit_registers::record, crate::unit_registers::receipts, crate::unit_registers::unit_register,
        crate::search::search,
        crate::signatures::register_signature, crate::signatures::own_signature, crate::signatures::remove_signature,
        crate::notify::notifications, crate::notify::mark_read, crate::notify::channels,
        crate::notify::request_email, crate::notify::confirm_email, crate::notify::request_line,
        crate::notify::confirm_line, crate::notify::remove_channel, crate::notify::overdue,
        crate::notify::failed, crate::notify::retry, crate::notify::holidays, crate::notify::set_holidays,
        crate::retention::overview, crate::retention::schedule, crate::retention::set_schedule,
        crate::retention::document_retention, crate::retention::set_document_retention,
        crate::retention::holds, crate::retention::place_hold, crate::retention::lift_hold,
        crate::retention::destruction_lists, crate::retention::draft_destruction_list,
        crate::retention::destruction_list, crate::retention::destruction_step, crate::retention::draft_committee_order, crate::retention::transfer_due,
    ),
    components(schemas(
        saraban_store::EnclosureInfo, saraban_store::ReceivedEntry, crate::incoming::Receipt,
        saraban_store::UnitReceipt, saraban_store::UnitRegisterEntry, crate::unit_registers::UnitReceiptRequest,
        saraban_store::SearchResults, saraban_store::SearchHit, saraban_store::SnippetPart,
        crate::signatures::NewSignature, crate::signatures::RegisteredSignature,
        crate::notify::Bell, crate::notify::ReadBody, crate::notify::Marked, crate::notify::EmailBody,
        crate::notify::TokenBody, crate::notify::LineBody, crate::notify::CodeBody, crate::notify::HolidayList,
        saraban_store::NotificationEntry, saraban_store::Channel, saraban_store::Overdue, saraban_store::FailedMessage,
        crate::retention::RecordsOverview, crate::retention::ScheduleAnswer, crate::retention::ClassChange,
        crate::retention::NewHold, crate::retention::HoldPlaced, crate::retention::Reason,
        crate::retention::ListWithItems, crate::retention::ListStepBody,
        saraban_store::DestructionList, saraban_store::DestructionItem, saraban_store::DocumentRetention,
        saraban_store::Hold, saraban_store::HoldSummary, saraban_store::TransferItem,
        saraban_store::SealCertificate, saraban_store::SealSummary,
        saraban_store::Circulation, saraban_store::Acknowledgement, saraban_store::Unacknowledged, saraban_store::Reply,
        ApiError, ErrorCode, Account, PositionHeld, DocumentSummary, ActOutcome, HistoryEntry, RegisterEntry, Audit, Finding, PublicRecord, PublicStep, BoardEntry, api::Published, api::PdfComparison,
        api::SignedIn, api::NewToken, api::DocumentList, api::Inbox, api::InboxCounts,
        api::SignIn, api::PasswordChange, api::TokenRequest, api::ActionBody, api::ActionName, api::StateName,
    )),
    // Signed in unless an operation says otherwise (`security(())`).
    security(("bearer" = []), ("session" = [])),
    tags((name = "session"), (name = "documents"), (name = "registers"), (name = "records"), (name = "notifications")),
    modifiers(&EdgeRefusals, &SignIns),
)]
struct ApiDoc;

/// How a request is signed in: an API token (`POST /tokens`) as
/// `Authorization: Bearer`, or the session cookie that sign-in sets.
struct SignIns;

impl utoipa::Modify for SignIns {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("saraban_session"))),
        );
    }
}

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
    use saraban_core::workflow::{ActionKind, Refusal, RouteAction};
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

    /// The schema of the parameter `name` of `method path`.
    fn parameter(
        document: &serde_json::Value,
        path: &str,
        method: &str,
        name: &str,
    ) -> serde_json::Value {
        document["paths"][path][method]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path}: {name}"))["schema"]
            .clone()
    }

    fn names(schema: &serde_json::Value) -> Vec<String> {
        schema["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .map(|v| v.as_str().expect("a name").to_owned())
            .collect()
    }

    /// What Schemathesis holds the server to (scripts/schemathesis): the
    /// limits and names the handlers enforce are the document's.
    #[test]
    fn the_document_states_what_the_server_enforces() {
        let document = serde_json::to_value(super::document()).expect("JSON");
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["session"]["name"], "saraban_session");
        assert_eq!(document["security"].as_array().map(Vec::len), Some(2));
        for (path, method) in [
            ("/sign-in", "post"),
            ("/orgs/{org}/key", "get"),
            ("/public/verify/{code}", "get"),
        ] {
            let security = &document["paths"][path][method]["security"];
            assert_eq!(
                security[0],
                serde_json::json!({}),
                "{method} {path}: public"
            );
        }

        let states = names(&document["components"]["schemas"]["StateName"]);
        assert_eq!(states.len(), 9);
        for state in &states {
            assert!(
                saraban_core::workflow::State::from_parts(state, 0).is_some(),
                "{state}"
            );
        }
        let actions = names(&document["components"]["schemas"]["ActionName"]);
        let taken: Vec<&str> = RouteAction::ALL
            .into_iter()
            .map(RouteAction::name)
            .collect();
        assert_eq!(actions, taken);

        let year = parameter(&document, "/registers/{register}/{year}", "get", "year");
        assert_eq!(year["minimum"], saraban_core::BuddhistYear::MIN);
        assert_eq!(year["maximum"], saraban_core::BuddhistYear::MAX);
        let offset = parameter(&document, "/documents/{id}/history", "get", "offset");
        assert_eq!(offset["maximum"], crate::api::MAX_OFFSET);
        // A document list pages by key: `after` is exactly what the store
        // parses, and the list's `next` is one.
        let after = parameter(&document, "/documents", "get", "after");
        assert_eq!(after["pattern"], saraban_store::list_queries::AFTER_PATTERN);
        let next = &document["components"]["schemas"]["DocumentList"]["properties"]["next"];
        assert_eq!(next["pattern"], saraban_store::list_queries::AFTER_PATTERN);

        let new = &document["components"]["schemas"]["PasswordChange"]["properties"]["new"];
        assert_eq!(
            (new["minLength"].as_u64(), new["maxLength"].as_u64()),
            (Some(8), Some(256))
        );
        let pdf = &document["paths"]["/public/verify/{code}"]["post"]["requestBody"]["content"];
        for media in ["application/pdf", "application/octet-stream"] {
            assert_eq!(pdf[media]["schema"]["format"], "binary", "{media}");
            assert_eq!(pdf[media]["schema"]["minLength"], 1, "{media}");
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
            StoreError::Refused(Refusal::Secret(
                saraban_core::document::Secrecy::Confidential,
            )),
            StoreError::Refused(Refusal::NotPublishable),
            StoreError::Refused(Refusal::NotForKind(ActionKind::Issue)),
            StoreError::not_found("document", "x"),
            StoreError::Conflict(String::new()),
            StoreError::Destroyed {
                id: String::new(),
                list: String::new(),
            },
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
