//! Stories of the workflow engine, each on SQLite and on PostgreSQL.

use saraban_core::org::OrgConfig;
use saraban_core::workflow::{OnReturn, Refusal, RouteAction as A};
use saraban_core::{DocumentId, PersonId};
use saraban_stories::Office;
use saraban_stories::PdfOf;
use saraban_stories::example_content as content;
use saraban_stories::saraban_store::{self, Store, StoreError};
use saraban_stories::{TestDb, drafted, example, pdf_text, stories, thai};
use saraban_stories::{org, person};
use serde_json::Value;

const ORG: &str = "wangkrachae";

fn org_config() -> OrgConfig {
    OrgConfig::parse_toml(
        &std::fs::read_to_string(example("organisation/wangkrachae.toml")).unwrap(),
    )
    .unwrap()
}

async fn init(store: &Store) {
    let report = store
        .init_org(&org_config(), None, thai(2024, 1, 2, 9, 0))
        .await
        .unwrap();
    assert!(report.organisation_created);
}

/// The ITA memo, drafted by the assistant legal officer at `at`.
async fn draft_memo(
    office: &Office<'_>,
    at: chrono::DateTime<chrono::Utc>,
) -> saraban_store::DocumentSummary {
    office
        .draft("chanyurat", content("ita-report-2568.toml"), at)
        .await
        .unwrap()
}

/// The ledger head, to show that a refusal changed nothing.
async fn head(store: &Store) -> u64 {
    store.audit(&org(ORG)).await.unwrap().head_seq
}

/// The seed: the assistant legal officer drafts the memo, three reviewers
/// endorse it on ๑๓ เม.ย. ๖๘, the mayor writes "ทราบ", and the registrar
/// issues it with the next memo number.
async fn seed_memo_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    let again = store
        .init_org(&org_config(), None, thai(2024, 1, 3, 9, 0))
        .await
        .unwrap();
    assert_eq!(again, Default::default(), "org init is idempotent");

    let memo = draft_memo(&office, thai(2025, 4, 9, 10, 0)).await;
    assert_eq!((memo.state.as_str(), memo.version), ("draft", 1));
    let id = &memo.id;
    let submitted = office
        .act("chanyurat", id, A::Submit, None, thai(2025, 4, 9, 11, 0))
        .await
        .unwrap();
    assert_eq!(submitted.document.waiting_for, vec!["head-of-office"]);

    for (who, opinion, hour) in [
        ("somjai", "เรียน ปลัด อบต.\nเพื่อโปรดทราบ", 9),
        ("somsak", "เรียน ปลัด อบต.\nเพื่อโปรดทราบ", 10),
        ("wilaiwan", "เรียน นายก อบต.\nเพื่อโปรดทราบ", 11),
    ] {
        office
            .act(
                who,
                id,
                A::Endorse,
                Some(opinion),
                thai(2025, 4, 13, hour, 0),
            )
            .await
            .unwrap();
    }
    // The preview already carries the endorsements gathered so far.
    let preview = pdf_text(&store.pdf(&org(ORG), id).await.unwrap());
    assert_eq!(preview.matches("๑๓ เม.ย. ๖๘").count(), 3, "{preview}");

    let signed = office
        .act("kanok", id, A::Sign, Some("ทราบ"), thai(2025, 4, 13, 14, 0))
        .await
        .unwrap();
    assert_eq!(signed.document.state, "signed");
    let issued = office
        .act("sunee", id, A::Issue, None, thai(2025, 4, 13, 15, 0))
        .await
        .unwrap();
    let document = &issued.document;
    assert_eq!(
        (document.state.as_str(), document.number, document.year),
        ("issued", Some(1), Some(2568))
    );
    assert_eq!(document.printed_number.as_deref(), Some("ที่ ตร ๗๑๐๐๑/๑"));

    let pdf = store.pdf(&org(ORG), id).await.unwrap();
    assert_eq!(
        Some(saraban_core::ledger::sha256_hex(&pdf)),
        document.pdf_hash
    );
    let text = pdf_text(&pdf);
    assert!(text.contains("ตร ๗๑๐๐๑/๑"), "{text}");
    assert_eq!(
        text.matches("๑๓ เม.ย. ๖๘").count(),
        4,
        "three endorsements and the mayor's"
    );
    assert!(text.contains("(นายกนก ใจรักษ์)") && text.contains("ทราบ"));

    let history = store.history(&org(ORG), id).await.unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(|h| h.event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "submitted",
            "endorsed",
            "endorsed",
            "endorsed",
            "signed",
            "issued"
        ]
    );
    let issued_event = &history.last().unwrap().event;
    assert_eq!(
        issued_event["pdf_hash"].as_str(),
        document.pdf_hash.as_deref()
    );
    assert_eq!(issued_event["number"], 1);
    assert_eq!(history[2].event["position"], "head-of-office");
    assert_eq!(history[2].event["capacity"], "holder");
    assert!(store.audit(&org(ORG)).await.unwrap().holds());

    let register = store
        .register_entries(&org(ORG), "memo", 2568)
        .await
        .unwrap();
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].printed_number, "ที่ ตร ๗๑๐๐๑/๑");
}

/// Pushes a document of `kind` through its whole route up to signature.
async fn signed_document(
    store: &Store,
    name: &str,
    signer: &str,
    day: (i32, u32, u32),
) -> DocumentId {
    let office = Office::new(store, ORG);
    let id = awaiting_signature(store, name, day).await;
    let (y, m, d) = day;
    office
        .act(signer, &id, A::Sign, None, thai(y, m, d, 10, 0))
        .await
        .unwrap();
    id
}

/// The example `name` drafted, submitted and endorsed by every reviewer
/// on `day`: waiting for its signature.
async fn awaiting_signature(store: &Store, name: &str, day: (i32, u32, u32)) -> DocumentId {
    let office = Office::new(store, ORG);
    let (y, m, d) = day;
    let doc = office
        .draft("chanyurat", content(name), thai(y, m, d, 8, 0))
        .await
        .unwrap();
    let id = doc.id;
    office
        .act("chanyurat", &id, A::Submit, None, thai(y, m, d, 8, 5))
        .await
        .unwrap();
    let reviewers: &[&str] = if doc.kind == "memo" {
        &["somjai", "somsak", "wilaiwan"]
    } else {
        &["somjai", "wilaiwan"]
    };
    for who in reviewers {
        office
            .act(
                who,
                &id,
                A::Endorse,
                Some("เห็นควรลงนาม"),
                thai(y, m, d, 9, 0),
            )
            .await
            .unwrap();
    }
    id
}

/// A citizen holding the issued memo checks it: the code and QR printed
/// on it lead to its public record, which verifies, and a PDF with one
/// byte changed is told apart from the issued one.
async fn public_check_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    let keys = std::env::temp_dir().join(format!("saraban-keys-{}", uuid::Uuid::new_v4()));
    store.use_key_folder(&keys).unwrap();
    store.set_public_url(Some("https://saraban.example.go.th".into()));
    init(store).await;
    let id = signed_document(store, "ita-report-2568.toml", "kanok", (2025, 4, 13)).await;
    office
        .act("sunee", &id, A::Issue, None, thai(2025, 4, 13, 11, 0))
        .await
        .unwrap();
    let pdf = store.pdf(&org(ORG), &id).await.unwrap();
    let code = saraban_store::verification_code(ORG, &id);
    let text = pdf_text(&pdf);
    assert!(text.contains(&code), "the code is printed: {text}");
    assert!(text.contains(&format!("https://saraban.example.go.th/verify/{code}")));

    let record = store
        .public_record(&code.to_lowercase())
        .await
        .unwrap()
        .unwrap();
    assert!(record.records_verify, "{:?}", record.problems);
    assert!(!record.secret);
    assert!(record.printed_number.as_deref().unwrap().starts_with("ที่ "));
    assert!(
        record
            .subject
            .as_deref()
            .unwrap()
            .contains("คุณธรรมและความโปร่งใส")
    );
    let signer = record.signer.as_ref().unwrap();
    assert_eq!(signer.kind, "signed");
    assert!(signer.position.is_some(), "the signer's position is named");
    // Only what the issued memo shows: its date, and no list of the
    // internal steps (reviewers, returns).
    assert_eq!(record.date.as_deref(), Some("2025-04-09"));
    let public = serde_json::to_value(&record).unwrap();
    assert!(public.get("steps").is_none(), "{public}");
    assert!(record.checkpoint.is_some(), "a checkpoint covers the issue");

    let issued = store
        .compare_issued_pdf(&code, &pdf)
        .await
        .unwrap()
        .unwrap();
    assert!(issued.matches);
    let mut altered = pdf.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x20;
    let check = store
        .compare_issued_pdf(&code, &altered)
        .await
        .unwrap()
        .unwrap();
    assert!(!check.matches);
    // Whatever its seal says of the altered copy, it does not hold.
    assert!(
        check.seal.as_ref().is_none_or(|seal| !seal.valid),
        "{:?}",
        check.seal
    );
    assert_eq!(
        store
            .public_record("ZZZZZ-ZZZZZ")
            .await
            .unwrap()
            .map(|r| r.code),
        None
    );
    std::fs::remove_dir_all(&keys).ok();
}

/// Order ๔๙๐/๒๕๖๗: the register started at 489 (continuing the paper
/// one), so after one other order this one is number 490 of 2567.
async fn order_490_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    let first = signed_document(store, "order-490-2567.toml", "kanok", (2024, 7, 30)).await;
    let issued = office
        .act("sunee", &first, A::Issue, None, thai(2024, 7, 30, 11, 0))
        .await
        .unwrap();
    assert_eq!(issued.document.number, Some(489));

    let order = signed_document(store, "order-490-2567.toml", "kanok", (2024, 8, 1)).await;
    let issued = office
        .act("sunee", &order, A::Issue, None, thai(2024, 8, 1, 11, 0))
        .await
        .unwrap();
    assert_eq!(
        issued.document.printed_number.as_deref(),
        Some("ที่ ๔๙๐/๒๕๖๗")
    );
    let text = pdf_text(&store.pdf(&org(ORG), &order).await.unwrap());
    assert!(text.contains("ที่ ๔๙๐/๒๕๖๗"), "{text}");
    assert!(
        text.contains("สั่ง ณ วันที่ ๑ สิงหาคม พ.ศ. ๒๕๖๗"),
        "the order is dated the day it was signed"
    );

    // Cancelled by a later order: keeps its number, marked in the register.
    office
        .act(
            "sunee",
            &first,
            A::Cancel,
            Some("ยกเลิกโดยคำสั่งที่ ๔๙๑/๒๕๖๗"),
            thai(2024, 8, 2, 9, 0),
        )
        .await
        .unwrap();
    let register = store
        .register_entries(&org(ORG), "order", 2567)
        .await
        .unwrap();
    let numbers: Vec<(i64, bool)> = register.iter().map(|e| (e.number, e.cancelled)).collect();
    assert_eq!(numbers, [(489, true), (490, false)]);
    assert!(store.audit(&org(ORG)).await.unwrap().holds());
}

/// The signer of an order whose draft date the signature would replace
/// keeps the typed date instead: the `signed` event says so, the issued
/// PDF, the register and the log agree. Keeping is only for signing an
/// order.
async fn signer_keeps_the_typed_date_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    // The example order is dated 1 August 2567; it is signed on the 5th.
    let order = awaiting_signature(store, "order-490-2567.toml", (2024, 8, 5)).await;
    // Not a memo's: refused naming the field, and nothing is signed.
    let memo = awaiting_signature(store, "ita-report-2568.toml", (2024, 8, 5)).await;
    let before = store.history(&org(ORG), &memo).await.unwrap().len();
    let keeping = store
        .sign_keeping_date(
            &org(ORG),
            &person("kanok"),
            &memo,
            None,
            thai(2024, 8, 5, 10, 0),
        )
        .await;
    match keeping {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "keep_date"),
        other => panic!("keeping a memo's date: {other:?}"),
    }
    assert_eq!(store.history(&org(ORG), &memo).await.unwrap().len(), before);
    store
        .sign_keeping_date(
            &org(ORG),
            &person("kanok"),
            &order,
            None,
            thai(2024, 8, 5, 10, 0),
        )
        .await
        .unwrap();
    let history = store.history(&org(ORG), &order).await.unwrap();
    let signed = history.last().unwrap();
    assert_eq!(signed.event["kind"], "signed");
    assert_eq!(signed.event["kept_date"], "2024-08-01");
    office
        .act("sunee", &order, A::Issue, None, thai(2024, 8, 5, 11, 0))
        .await
        .unwrap();
    let text = pdf_text(&store.pdf(&org(ORG), &order).await.unwrap());
    assert!(
        text.contains("สั่ง ณ วันที่ ๑ สิงหาคม พ.ศ. ๒๕๖๗"),
        "the order keeps its typed date:\n{text}"
    );
    let register = store
        .register_entries(&org(ORG), "order", 2567)
        .await
        .unwrap();
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].dated, "2024-08-01");

    // Signed without keeping, the next order is dated the day it is signed.
    let next = signed_document(store, "order-490-2567.toml", "kanok", (2024, 8, 6)).await;
    office
        .act("sunee", &next, A::Issue, None, thai(2024, 8, 6, 11, 0))
        .await
        .unwrap();
    let register = store
        .register_entries(&org(ORG), "order", 2567)
        .await
        .unwrap();
    assert_eq!(register[1].dated, "2024-08-06");
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(audit.holds(), "{:?}", audit.findings);
}

/// Returned for revision with a reason, edited (a new version), resubmitted:
/// the first round's endorsements do not carry over.
async fn return_for_revision_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    let doc = draft_memo(&office, thai(2025, 4, 9, 10, 0)).await;
    let id = &doc.id;
    office
        .act("chanyurat", id, A::Submit, None, thai(2025, 4, 9, 11, 0))
        .await
        .unwrap();
    office
        .act(
            "somjai",
            id,
            A::Endorse,
            Some("เพื่อโปรดทราบ"),
            thai(2025, 4, 10, 9, 0),
        )
        .await
        .unwrap();
    let returned = office
        .act(
            "somsak",
            id,
            A::Return,
            Some("แก้ไขวันที่ประชุม"),
            thai(2025, 4, 10, 10, 0),
        )
        .await
        .unwrap();
    assert_eq!(returned.document.state, "returned");

    let mut revised = content("ita-report-2568.toml");
    revised["subject"] = Value::String("รายงานการประชุม (แก้ไข)".into());
    let edited = store
        .edit_document(
            &org(ORG),
            &person("chanyurat"),
            id,
            drafted(revised),
            thai(2025, 4, 11, 9, 0),
        )
        .await
        .unwrap();
    assert_eq!(edited.document.version, 2);
    office
        .act("chanyurat", id, A::Submit, None, thai(2025, 4, 11, 10, 0))
        .await
        .unwrap();
    let shown = store.show(&org(ORG), id).await.unwrap();
    assert_eq!(
        (shown.round, shown.waiting_for.clone()),
        (2, vec!["head-of-office".to_owned()])
    );
    let preview = pdf_text(&store.pdf(&org(ORG), id).await.unwrap());
    assert!(
        !preview.contains("๑๐ เม.ย. ๖๘"),
        "round one's endorsement is gone from the page"
    );
    // Every version keeps its own page.
    let first = pdf_text(&store.pdf_of_version(&org(ORG), id, Some(1)).await.unwrap());
    let second = pdf_text(&store.pdf_of_version(&org(ORG), id, Some(2)).await.unwrap());
    assert!(!first.contains("(แก้ไข)") && second.contains("(แก้ไข)"));
    let history = store.history(&org(ORG), id).await.unwrap();
    let returned_event = history
        .iter()
        .find(|h| h.event["kind"] == "returned")
        .unwrap();
    assert_eq!(returned_event.event["text"], "แก้ไขวันที่ประชุม");
    assert_ne!(
        history[0].event["content_hash"],
        history.last().unwrap().event["content_hash"]
    );
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> Refusal {
    match result {
        Err(StoreError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Every refusal is typed and changes nothing.
async fn refusals_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    let doc = draft_memo(&office, thai(2025, 4, 9, 10, 0)).await;
    let id = &doc.id;
    let at = thai(2025, 4, 9, 11, 0);

    // Only the drafter submits; others may not edit.
    let before = head(store).await;
    assert!(matches!(
        refused(office.act("somjai", id, A::Submit, None, at).await),
        Refusal::NotDrafter(_)
    ));
    assert!(matches!(
        refused(
            store
                .edit_document(
                    &org(ORG),
                    &person("somjai"),
                    id,
                    drafted(content("ita-report-2568.toml")),
                    at
                )
                .await
        ),
        Refusal::NotDrafter(_)
    ));
    assert_eq!(head(store).await, before);

    office
        .act("chanyurat", id, A::Submit, None, at)
        .await
        .unwrap();
    // Edit after submit.
    assert!(matches!(
        refused(
            store
                .edit_document(
                    &org(ORG),
                    &person("chanyurat"),
                    id,
                    drafted(content("ita-report-2568.toml")),
                    at
                )
                .await
        ),
        Refusal::WrongState { .. }
    ));
    // Wrong person: the deputy before the head of office.
    assert!(matches!(
        refused(office.act("somsak", id, A::Endorse, None, at).await),
        Refusal::NotYourTurn { .. }
    ));
    // Wrong step: signing while in review.
    assert!(matches!(
        refused(office.act("kanok", id, A::Sign, None, at).await),
        Refusal::WrongState { .. }
    ));
    // Return without a reason.
    assert!(matches!(
        refused(office.act("somjai", id, A::Return, Some("  "), at).await),
        Refusal::TextRequired(_)
    ));
    // Acting twice: the head of office again once the step has moved on.
    office
        .act("somjai", id, A::Endorse, None, at)
        .await
        .unwrap();
    assert!(matches!(
        refused(office.act("somjai", id, A::Endorse, None, at).await),
        Refusal::NotYourTurn { .. }
    ));
    let before = head(store).await;
    let shown = store.show(&org(ORG), id).await.unwrap();
    assert_eq!(shown.waiting_for, vec!["deputy-clerk"]);

    office
        .act("somsak", id, A::Endorse, None, at)
        .await
        .unwrap();
    office
        .act("wilaiwan", id, A::Endorse, None, at)
        .await
        .unwrap();
    // Expired delegation: the clerk may sign for the mayor only in 2025.
    let after_delegation = thai(2026, 1, 5, 9, 0);
    assert!(matches!(
        refused(
            office
                .act("wilaiwan", id, A::Sign, None, after_delegation)
                .await
        ),
        Refusal::NotYourTurn { .. }
    ));
    // Within it she signs, ปฏิบัติราชการแทน the mayor.
    let signed = office
        .act(
            "wilaiwan",
            id,
            A::Sign,
            Some("ทราบ"),
            thai(2025, 4, 14, 9, 0),
        )
        .await
        .unwrap();
    assert_eq!(signed.document.state, "signed");
    let history = store.history(&org(ORG), id).await.unwrap();
    let sign = &history.last().unwrap().event;
    assert_eq!(
        (sign["position"].as_str(), sign["capacity"].as_str()),
        (Some("mayor"), Some("delegated"))
    );
    let text = pdf_text(&store.pdf(&org(ORG), id).await.unwrap());
    assert!(text.contains("ปฏิบัติราชการแทน"), "{text}");
    assert!(head(store).await > before);

    // An unknown person, and another organisation's view: not found.
    assert!(matches!(
        office.act("stranger", id, A::Issue, None, at).await,
        Err(StoreError::NotFound { .. })
    ));
    let mut other = org_config();
    other.organisation.id = saraban_core::org::Slug::parse("other-org").unwrap();
    store.init_org(&other, None, at).await.unwrap();
    assert!(matches!(
        store
            .act(&org("other-org"), &person("sunee"), id, A::Issue, None, at)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.show(&org("other-org"), id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .list_documents(&org("other-org"), None, 50, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.show(&org(ORG), id).await.unwrap().state,
        "signed",
        "still untouched"
    );
    assert!(store.audit(&org(ORG)).await.unwrap().holds());
}

/// A route change makes a new version; running documents keep theirs.
async fn route_versions_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    let running = draft_memo(&office, thai(2025, 4, 9, 10, 0)).await;
    let mut config = org_config();
    let memo_route = config.routes.iter_mut().find(|r| r.kind == "memo").unwrap();
    memo_route.review.remove(1);
    let report = store
        .init_org(&config, None, thai(2025, 4, 10, 9, 0))
        .await
        .unwrap();
    assert_eq!(report.new_route_versions, vec![("memo".to_owned(), 2)]);
    let fresh = draft_memo(&office, thai(2025, 4, 10, 10, 0)).await;
    assert_eq!((running.route_version, fresh.route_version), (1, 2));
    let at = thai(2025, 4, 10, 11, 0);
    for id in [&running.id, &fresh.id] {
        office
            .act("chanyurat", id, A::Submit, None, at)
            .await
            .unwrap();
        office
            .act("somjai", id, A::Endorse, None, at)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .show(&org(ORG), &running.id)
            .await
            .unwrap()
            .waiting_for,
        vec!["deputy-clerk"]
    );
    assert_eq!(
        store.show(&org(ORG), &fresh.id).await.unwrap().waiting_for,
        vec!["clerk"]
    );
}

/// 00:30 on 1 January, Thai time, is number 1 of the new B.E. year.
async fn year_boundary_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    let late = signed_document(store, "ita-report-2568.toml", "kanok", (2024, 12, 31)).await;
    let early = signed_document(store, "ita-report-2568.toml", "kanok", (2024, 12, 31)).await;
    let a = office
        .act("sunee", &late, A::Issue, None, thai(2024, 12, 31, 23, 59))
        .await
        .unwrap();
    let b = office
        .act("sunee", &early, A::Issue, None, thai(2025, 1, 1, 0, 30))
        .await
        .unwrap();
    assert_eq!((a.document.year, a.document.number), (Some(2567), Some(1)));
    assert_eq!((b.document.year, b.document.number), (Some(2568), Some(1)));
}

/// 64 issues at once into one register give exactly the next 64 numbers,
/// and the log verifies afterwards.
async fn concurrent_issue_story(db: TestDb) {
    let store = &db.store;
    init(store).await;
    let mut ids = Vec::new();
    for _ in 0..64 {
        ids.push(
            signed_document(
                store,
                "order-490-2567-delegated.json",
                "kanok",
                (2025, 3, 1),
            )
            .await,
        );
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move {
                Office::new(&store, ORG)
                    .act("sunee", &id, A::Issue, None, thai(2025, 3, 2, 9, 0))
                    .await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().unwrap().document.number.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=64).collect::<Vec<i64>>());
    let register = store
        .register_entries(&org(ORG), "order", 2568)
        .await
        .unwrap();
    assert_eq!(register.len(), 64);
    let report = store.audit(&org(ORG)).await.unwrap();
    assert!(report.holds(), "{:?}", report.findings);
    assert_eq!(
        report.events,
        64 * 6,
        "created, submitted, two endorsements, signed, issued"
    );
}

/// An issue that fails after its number was taken (here: the typesetter
/// refuses a broken emblem) rolls back whole: no number is used up, no
/// event is written, and the next issue gets the number.
async fn failed_issue_leaves_no_gap_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    init(store).await;
    let id = signed_document(store, "ita-report-2568.toml", "kanok", (2025, 4, 13)).await;
    store
        .init_org(
            &org_config(),
            Some(b"not an image".as_slice()),
            thai(2025, 4, 13, 12, 0),
        )
        .await
        .unwrap();
    let before = head(store).await;
    let failed = office
        .act("sunee", &id, A::Issue, None, thai(2025, 4, 13, 15, 0))
        .await;
    assert!(matches!(failed, Err(StoreError::Render(_))), "{failed:?}");
    assert_eq!(head(store).await, before, "no event");
    let shown = store.show(&org(ORG), &id).await.unwrap();
    assert_eq!((shown.state.as_str(), shown.number), ("signed", None));

    store
        .init_org(&org_config(), None, thai(2025, 4, 13, 16, 0))
        .await
        .unwrap();
    let issued = office
        .act("sunee", &id, A::Issue, None, thai(2025, 4, 13, 17, 0))
        .await
        .unwrap();
    assert_eq!(issued.document.number, Some(1), "the number was not lost");
    assert!(store.audit(&org(ORG)).await.unwrap().holds());
}

/// A memo drafted and submitted at `at`; it waits for its first reviewer.
async fn submitted_memo(store: &Store, at: chrono::DateTime<chrono::Utc>) -> DocumentId {
    let office = Office::new(store, ORG);
    let id = draft_memo(&office, at).await.id;
    office
        .act("chanyurat", &id, A::Submit, None, at)
        .await
        .unwrap();
    id
}

/// The organisation with three deputies, two of whom must endorse a memo,
/// and a memo submitted to them on 9 April 2025.
async fn memo_for_group(store: &Store) -> DocumentId {
    let mut config = org_config();
    let mut add = |id: &str, title: &str, person: &str, name: &str| {
        config.positions.push(saraban_core::org::PositionConfig {
            id: saraban_core::org::Slug::parse(id).unwrap(),
            title: saraban_core::text::Line::parse(title).unwrap(),
        });
        config.people.push(saraban_core::org::PersonConfig {
            id: saraban_core::org::Slug::parse(person).unwrap(),
            name: saraban_core::text::Line::parse(name).unwrap(),
            signature: None,
            holds: vec![saraban_core::org::Holding {
                position: saraban_core::org::Slug::parse(id).unwrap(),
                from: saraban_core::ThaiDate::from_ymd(2020, 1, 1).unwrap(),
                to: None,
            }],
            admin: false,
        });
    };
    add("finance", "ผู้อำนวยการกองคลัง", "malee", "นางมาลี ใจดี");
    add("works", "ผู้อำนวยการกองช่าง", "prasert", "นายประเสริฐ ช่างดี");
    add("education", "ผู้อำนวยการกองการศึกษา", "wanna", "นางวรรณา สอนดี");
    let memo_route = config.routes.iter_mut().find(|r| r.kind == "memo").unwrap();
    memo_route.review = vec![saraban_core::org::StepConfig::Group {
        any_of: ["finance", "works", "education"]
            .map(|p| saraban_core::org::Slug::parse(p).unwrap())
            .to_vec(),
        required: 2,
    }];
    store
        .init_org(&config, None, thai(2025, 1, 2, 9, 0))
        .await
        .unwrap();
    submitted_memo(store, thai(2025, 4, 9, 10, 0)).await
}

/// A parallel group: two of the three deputies must endorse, each once.
async fn parallel_group_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    let id = memo_for_group(store).await;
    let at = thai(2025, 4, 9, 10, 0);
    office
        .act("prasert", &id, A::Endorse, Some("เห็นชอบ"), at)
        .await
        .unwrap();
    assert!(matches!(
        refused(office.act("prasert", &id, A::Endorse, None, at).await),
        Refusal::AlreadyActed(_)
    ));
    assert_eq!(
        store.show(&org(ORG), &id).await.unwrap().state,
        "in_review",
        "one of two"
    );
    // The inbox follows: the deputy who endorsed no longer sees it.
    let inbox = |person: &'static str, position: &'static str| {
        let store = store.clone();
        let id = id.clone();
        async move {
            let found = store
                .inbox(
                    &org(ORG),
                    &PersonId::parse(person).unwrap(),
                    &[saraban_core::PositionId::parse(position).unwrap()],
                    50,
                )
                .await
                .unwrap();
            found.waiting.iter().any(|d| d.id == id)
        }
    };
    assert!(
        !inbox("prasert", "works").await
            && inbox("wanna", "education").await
            && inbox("malee", "finance").await
    );
    office
        .act("wanna", &id, A::Endorse, Some("เห็นชอบ"), at)
        .await
        .unwrap();
    let shown = store.show(&org(ORG), &id).await.unwrap();
    assert_eq!(
        (shown.state.as_str(), shown.waiting_for.clone()),
        ("awaiting_signature", vec!["mayor".to_owned()])
    );
    assert!(matches!(
        refused(office.act("malee", &id, A::Endorse, None, at).await),
        Refusal::WrongState { .. }
    ));
}

/// Everyone acts on one document at the same moment: the three deputies of
/// a two-of-three group, one of them twice. Exactly two endorsements are
/// taken, the rest refused, and document, inbox and log agree.
async fn same_document_at_once_story(db: TestDb) {
    let store = &db.store;
    let id = memo_for_group(store).await;
    let at = thai(2025, 4, 9, 10, 0);
    let before = head(store).await;
    let tasks: Vec<_> = ["prasert", "wanna", "prasert", "malee", "wanna"]
        .into_iter()
        .map(|person| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move {
                store
                    .act(
                        &org(ORG),
                        &PersonId::parse(person).unwrap(),
                        &id,
                        A::Endorse,
                        Some("เห็นชอบ"),
                        at,
                    )
                    .await
            })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => taken += 1,
            Err(StoreError::Refused(Refusal::AlreadyActed(_) | Refusal::WrongState { .. })) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(taken, 2, "two of three");
    assert_eq!(head(store).await, before + 2, "two events");
    let shown = store.show(&org(ORG), &id).await.unwrap();
    assert_eq!(
        (shown.state.as_str(), shown.waiting_for.clone()),
        ("awaiting_signature", vec!["mayor".to_owned()])
    );
    let mayor = store
        .inbox(
            &org(ORG),
            &person("kanok"),
            &[saraban_core::PositionId::parse("mayor").unwrap()],
            50,
        )
        .await
        .unwrap();
    assert!(
        mayor.waiting.iter().any(|d| d.id == id),
        "the mayor's inbox"
    );
    for (person, position) in [
        ("prasert", "works"),
        ("wanna", "education"),
        ("malee", "finance"),
    ] {
        let inbox = store
            .inbox(
                &org(ORG),
                &PersonId::parse(person).unwrap(),
                &[saraban_core::PositionId::parse(position).unwrap()],
                50,
            )
            .await
            .unwrap();
        assert!(
            !inbox.waiting.iter().any(|d| d.id == id),
            "{person}'s inbox"
        );
    }
    let report = store.audit(&org(ORG)).await.unwrap();
    assert!(report.holds(), "{:?}", report.findings);
}

/// Two processes on one database — two stores, each with writers of its
/// own — take turns on the same documents at the same time: memos pass
/// their three reviewers, switching process at every step, while orders
/// are issued through both. The register still counts without a gap, and
/// the log still chains.
async fn two_processes_story(db: TestDb) {
    let first = db.store.clone();
    init(&first).await;
    let second = saraban_stories::open_store(&db.url).await.unwrap();
    let day = thai(2025, 3, 2, 9, 0);
    let mut memos = Vec::new();
    for _ in 0..12 {
        memos.push(submitted_memo(&first, day).await);
    }
    let mut orders = Vec::new();
    for _ in 0..12 {
        orders.push(
            signed_document(
                &first,
                "order-490-2567-delegated.json",
                "kanok",
                (2025, 3, 1),
            )
            .await,
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, id) in memos.iter().enumerate() {
        let stores = [first.clone(), second.clone()];
        let id = id.clone();
        tasks.spawn(async move {
            for (step, who) in ["somjai", "somsak", "wilaiwan"].into_iter().enumerate() {
                stores[(i + step) % 2]
                    .act(
                        &org(ORG),
                        &person(who),
                        &id,
                        A::Endorse,
                        Some("เห็นควรลงนาม"),
                        day,
                    )
                    .await
                    .unwrap();
            }
            None
        });
    }
    for (i, id) in orders.iter().enumerate() {
        let store = [&first, &second][i % 2].clone();
        let id = id.clone();
        tasks.spawn(async move {
            let office = Office::new(&store, ORG);
            let issued = office.act("sunee", &id, A::Issue, None, day).await.unwrap();
            issued.document.number
        });
    }
    let mut numbers: Vec<i64> = tasks.join_all().await.into_iter().flatten().collect();
    numbers.sort();
    assert_eq!(numbers, (1..=12).collect::<Vec<i64>>(), "no gap, no repeat");
    for id in &memos {
        let shown = second.show(&org(ORG), id).await.unwrap();
        assert_eq!(shown.state, "awaiting_signature");
        assert_eq!(shown.waiting_for, vec!["mayor".to_owned()]);
    }
    let report = second.audit(&org(ORG)).await.unwrap();
    assert!(report.holds(), "{:?}", report.findings);
    assert_eq!(
        report.events,
        12 * (1 + 1 + 3) + 12 * 6,
        "memos: created, submitted, three endorsements; orders: created, submitted, two endorsements, signed, issued"
    );
    second.close().await;
}

/// A route that sends a resubmission back to whoever returned it: the
/// deputy clerk returns the memo, the drafter revises it, and it goes
/// straight back to the deputy clerk, the head of office's endorsement
/// kept on the page; the mayor returns it too, and it comes back to the
/// mayor. The log replays to the same rows.
async fn back_to_returner_story(db: TestDb) {
    let store = &db.store;
    let office = Office::new(store, ORG);
    let mut config = org_config();
    let memo_route = config.routes.iter_mut().find(|r| r.kind == "memo").unwrap();
    memo_route.on_return = OnReturn::BackToReturner;
    store
        .init_org(&config, None, thai(2024, 1, 2, 9, 0))
        .await
        .unwrap();
    let doc = draft_memo(&office, thai(2025, 4, 9, 10, 0)).await;
    let id = &doc.id;
    let office = &office;
    let act = |who: &'static str, action, text: Option<&'static str>, day, hour| async move {
        office
            .act(who, id, action, text, thai(2025, 4, day, hour, 0))
            .await
            .unwrap()
            .document
    };
    let revise = |subject: &'static str, day| async move {
        let mut revised = content("ita-report-2568.toml");
        revised["subject"] = Value::String(subject.into());
        store
            .edit_document(
                &org(ORG),
                &person("chanyurat"),
                id,
                drafted(revised),
                thai(2025, 4, day, 8, 0),
            )
            .await
            .unwrap()
    };
    act("chanyurat", A::Submit, None, 9, 11).await;
    act("somjai", A::Endorse, Some("เพื่อโปรดทราบ"), 10, 9).await;
    let returned = act("somsak", A::Return, Some("แก้ไขชื่อเรื่อง"), 10, 10).await;
    assert_eq!(returned.state, "returned");
    revise("รายงานผลการประเมิน ITA (แก้ไข)", 11).await;
    let resubmitted = act("chanyurat", A::Submit, None, 11, 9).await;
    assert_eq!(
        (resubmitted.state.as_str(), resubmitted.round),
        ("in_review", 2)
    );
    assert_eq!(resubmitted.waiting_for, vec!["deputy-clerk"]);
    let preview = pdf_text(&store.pdf(&org(ORG), id).await.unwrap());
    assert!(
        preview.contains("๑๐ เม.ย. ๖๘"),
        "the head of office's endorsement stands: {preview}"
    );
    act("somsak", A::Endorse, Some("เพื่อโปรดพิจารณา"), 12, 9).await;
    let at_mayor = act("wilaiwan", A::Endorse, Some("เพื่อโปรดทราบ"), 12, 10).await;
    assert_eq!(at_mayor.state, "awaiting_signature");
    act("kanok", A::Return, Some("แก้ไขอีกครั้ง"), 12, 11).await;
    revise("รายงานผลการประเมิน ITA (แก้ไขครั้งที่ ๒)", 13).await;
    let back = act("chanyurat", A::Submit, None, 13, 9).await;
    assert_eq!(
        back.state, "awaiting_signature",
        "straight back to the mayor"
    );
    act("kanok", A::Sign, Some("ทราบ"), 13, 10).await;
    let issued = act("sunee", A::Issue, None, 13, 11).await;
    assert_eq!(issued.state, "issued");
    let text = pdf_text(&store.pdf(&org(ORG), id).await.unwrap());
    assert_eq!(
        (
            text.matches("๑๐ เม.ย. ๖๘").count(),
            text.matches("๑๒ เม.ย. ๖๘").count()
        ),
        (1, 2),
        "every endorsement that stands is printed once: {text}"
    );
    assert!(store.audit(&org(ORG)).await.unwrap().holds());
}

stories!(
    back_to_returner_story,
    two_processes_story,
    parallel_group_story,
    same_document_at_once_story,
    failed_issue_leaves_no_gap_story,
    seed_memo_story,
    order_490_story,
    signer_keeps_the_typed_date_story,
    return_for_revision_story,
    refusals_story,
    route_versions_story,
    year_boundary_story,
    concurrent_issue_story,
    public_check_story,
);
