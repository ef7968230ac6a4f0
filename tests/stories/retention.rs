//! Records management (issue 19), on SQLite and PostgreSQL, with the clock
//! injected: documents issued and received across B.E. 2565–2568 with
//! different retention classes (the schedule's and chosen ones); on
//! 1 January 2569 the registrar draws up the destruction list of 2568,
//! which holds exactly the expired documents and none of the held ones;
//! the mayor appoints a committee by an order, a member keeps one item
//! with a reason, a hold placed late stops the approval (the refusal
//! names the document and the hold) until it is lifted; the mayor
//! approves; the destroyed documents' versions, text, PDFs and original
//! are gone from the database, the others untouched; the audit holds and
//! names each destroyed document under list 1/2568. Tamper: content
//! erased without a list is missing content, and a destruction mark
//! written by hand is a projection mismatch.

use saraban_core::retention::{Schedule, ScheduleRule};
use saraban_core::slug::Slug;
use saraban_core::workflow::RouteAction as A;
use saraban_core::{DocumentId, OrgId};
use saraban_store::{FindingClass, OriginalFile, Store, StoreError};
use saraban_stories::{Office, TestDb, org, person, stories, thai};
use serde_json::{Value, json};
use sqlx::Row;

const ORG: &str = "wangkrachae";
const REGISTRAR: &str = "sunee";
const MAYOR: &str = "kanok";
const DRAFTER: &str = "chanyurat";

fn memo(subject: &str) -> Value {
    let mut content = saraban_stories::example_content("ita-report-2568.toml");
    content["subject"] = json!(subject);
    content
}

fn order(subject: &str) -> Value {
    let mut content = saraban_stories::example_content("order-490-2567.toml");
    content["subject"] = json!(subject);
    content
}

/// Drafts `content` and takes it through its route to its number, on the
/// day `day` of B.E. `year` (1 March).
async fn issue(office: &Office<'_>, content: Value, year: i32) -> DocumentId {
    let at = |hour| thai(year - 543, 3, 1, hour, 0);
    let kind = content["kind"].as_str().unwrap().to_owned();
    let id = office.draft(DRAFTER, content, at(8)).await.unwrap().id;
    let reviewers: &[&str] = if kind == "order" {
        &["somjai", "wilaiwan"]
    } else {
        &["somjai", "somsak", "wilaiwan"]
    };
    office
        .act(DRAFTER, &id, A::Submit, None, at(9))
        .await
        .unwrap();
    for reviewer in reviewers {
        office
            .act(reviewer, &id, A::Endorse, Some("เห็นควรเสนอ"), at(10))
            .await
            .unwrap();
    }
    office
        .act(MAYOR, &id, A::Sign, Some("ทราบ"), at(11))
        .await
        .unwrap();
    office
        .act(REGISTRAR, &id, A::Issue, None, at(12))
        .await
        .unwrap();
    id
}

async fn start(store: &Store) {
    let config = saraban_stories::example_org_with_admin();
    store
        .init_org(&config, None, thai(2022, 1, 3, 9, 0))
        .await
        .unwrap();
}

fn routine(store: &Store, id: &DocumentId, who: &str) -> impl Future<Output = ()> {
    let (store, id, who) = (store.clone(), id.clone(), who.to_owned());
    async move {
        let set = store
            .set_retention_class(
                &org(ORG),
                &person(&who),
                &id,
                "routine",
                Some("เรื่องประจำ"),
                thai(2022, 1, 4, 9, 0),
            )
            .await
            .unwrap();
        assert_eq!(set.class.id.as_str(), "routine");
        assert!(set.chosen);
    }
}

async fn content_rows(db: &TestDb, id: &DocumentId) -> (i64, String, i64) {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let versions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM document_versions WHERE org_id = $1 AND document_id = $2",
    )
    .bind(ORG)
    .bind(id.as_str())
    .fetch_one(&pool)
    .await
    .unwrap();
    let row = sqlx::query(
        "SELECT c.content, d.pdf_hash FROM documents d
           JOIN document_contents c ON c.org_id = d.org_id AND c.document_id = d.id
          WHERE d.org_id = $1 AND d.id = $2",
    )
    .bind(ORG)
    .bind(id.as_str())
    .fetch_one(&pool)
    .await
    .unwrap();
    let pdf: Option<String> = row.get("pdf_hash");
    let pdfs: i64 = match pdf {
        Some(hash) => sqlx::query_scalar("SELECT COUNT(*) FROM pdfs WHERE sha256 = $1")
            .bind(hash)
            .fetch_one(&pool)
            .await
            .unwrap(),
        None => 0,
    };
    pool.close().await;
    (versions, row.get("content"), pdfs)
}

async fn records_are_kept_destroyed_and_proven(db: TestDb) {
    let store = &db.store;
    let o = org(ORG);
    // A key folder, so that the year's bundle can be signed and exported.
    let keys =
        std::env::temp_dir().join(format!("saraban-retention-{}.keys", uuid::Uuid::new_v4()));
    store.use_key_folder(&keys).unwrap();
    start(store).await;
    let office = Office::new(store, ORG);

    // The schedule: orders are kept for ever (a change is an event).
    let mut schedule = Schedule::regulation();
    // Transfer after 2 years, so that the story's order is due by 2568.
    schedule.transfer_age = 2;
    schedule.rules.push(ScheduleRule {
        kind: Some(Slug::parse("order").unwrap()),
        register: None,
        class: Slug::parse("permanent").unwrap(),
    });
    let refused = store
        .set_retention_schedule(
            &o,
            &person(DRAFTER),
            schedule.clone(),
            thai(2022, 1, 3, 10, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("actor"));
    assert_eq!(
        store
            .set_retention_schedule(&o, &person(REGISTRAR), schedule, thai(2022, 1, 3, 10, 0))
            .await
            .unwrap(),
        1
    );

    // B.E. 2565 … 2568, each class.
    let old_routine = issue(&office, memo("เรื่องประจำ ๒๕๖๕"), 2565).await;
    let routine_2566 = issue(&office, memo("เรื่องประจำ ๒๕๖๖"), 2566).await;
    let held = issue(&office, memo("เรื่องที่อยู่ในคดี ๒๕๖๗"), 2567).await;
    let kept = issue(&office, memo("เรื่องที่กรรมการเก็บไว้ ๒๕๖๗"), 2567).await;
    let late_hold = issue(&office, memo("เรื่องที่ถูกอายัดภายหลัง ๒๕๖๖"), 2566).await;
    let recent = issue(&office, memo("เรื่องประจำ ๒๕๖๘"), 2568).await;
    let ordinary = issue(&office, memo("เรื่องทั่วไป ๒๕๖๕"), 2565).await;
    let appointment = issue(&office, order("แต่งตั้งคณะกรรมการทำลายหนังสือ"), 2566).await;
    let charter = issue(&office, order("แต่งตั้งคณะทำงานจัดทำแผนพัฒนาท้องถิ่น"), 2565).await;
    let original = saraban_stories::tiny_pdf("letter from the district", 2000);
    let letter = store
        .receive_letter(
            &o,
            &person(REGISTRAR),
            saraban_core::incoming::Received::from_value(json!({
                "format": "saraban/1",
                "kind": "incoming",
                "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
                "date": "2023-05-01",
                "from": "ที่ว่าการอำเภอเมืองตราด",
                "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
                "subject": "ขอเชิญประชุม ๒๕๖๖",
            }))
            .unwrap(),
            Some(OriginalFile {
                filename: Some("letter.pdf".into()),
                bytes: original.clone(),
            }),
            thai(2023, 5, 2, 9, 0),
        )
        .await
        .unwrap()
        .id;
    for id in [
        &old_routine,
        &routine_2566,
        &held,
        &kept,
        &late_hold,
        &recent,
    ] {
        routine(store, id, DRAFTER).await;
    }
    // The drafter of a received letter is the registrar.
    routine(store, &letter, REGISTRAR).await;
    // Someone neither drafter nor registrar may not.
    let refused = store
        .set_retention_class(
            &o,
            &person("somsak"),
            &recent,
            "permanent",
            None,
            thai(2022, 1, 4, 9, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("actor"));
    let refused = store
        .set_retention_class(
            &o,
            &person(DRAFTER),
            &recent,
            "forever",
            None,
            thai(2022, 1, 4, 9, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("class"));

    // Class and destruction date: the end of the year of its number plus the period.
    let shown = store.retention_of(&o, &routine_2566).await.unwrap();
    assert_eq!(shown.year, Some(2566));
    assert_eq!(shown.destruction_date.unwrap().to_string(), "2024-12-31");
    let shown = store.retention_of(&o, &ordinary).await.unwrap();
    assert_eq!(shown.class.id.as_str(), "ordinary");
    assert!(!shown.chosen);
    assert_eq!(shown.destruction_date.unwrap().to_string(), "2032-12-31");
    let shown = store.retention_of(&o, &appointment).await.unwrap();
    assert_eq!(shown.class.id.as_str(), "permanent");
    assert_eq!(shown.destruction_date, None);

    // A hold on a document, placed by the registrar.
    let hold = store
        .place_hold(
            &o,
            &person(REGISTRAR),
            &held,
            "คดีหมายเลขดำ ที่ ๑๒๓/๒๕๖๘",
            thai(2025, 6, 1, 9, 0),
        )
        .await
        .unwrap();
    assert_eq!(
        store.retention_of(&o, &held).await.unwrap().holds[0].id,
        hold
    );

    // The list is drawn up only within 60 days after 31 December.
    let refused = store
        .draft_destruction_list(&o, &person(REGISTRAR), thai(2025, 12, 31, 23, 0))
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("at"));
    let new_year = thai(2026, 1, 1, 9, 0);
    let refused = store
        .draft_destruction_list(&o, &person(DRAFTER), new_year)
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("actor"));
    let list = store
        .draft_destruction_list(&o, &person(REGISTRAR), new_year)
        .await
        .unwrap();
    assert_eq!(
        (list.year, list.number, list.state.as_str()),
        (2568, 1, "drafted")
    );
    let items = store
        .destruction_items(&o, &list.id, None, 100)
        .await
        .unwrap();
    let mut listed: Vec<&str> = items.iter().map(|i| i.document.as_str()).collect();
    listed.sort();
    let mut expired = vec![
        old_routine.as_str(),
        routine_2566.as_str(),
        kept.as_str(),
        late_hold.as_str(),
        letter.as_str(),
    ];
    expired.sort();
    assert_eq!(listed, expired, "exactly the expired documents, none held");
    assert!(
        items
            .iter()
            .all(|i| i.subject.is_some() && i.class == "routine")
    );
    // One list a year.
    assert!(matches!(
        store
            .draft_destruction_list(&o, &person(REGISTRAR), new_year)
            .await,
        Err(StoreError::Conflict(_))
    ));

    // Its route: registrar proposes, mayor appoints, committee reviews, mayor approves.
    let at = |day, hour| thai(2026, 1, day, hour, 0);
    let refused = store
        .approve_destruction_list(&o, &person(MAYOR), &list.id, at(2, 9))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("drafted"), "{refused}");
    store
        .propose_destruction_list(&o, &person(REGISTRAR), &list.id, at(2, 9))
        .await
        .unwrap();
    let committee = [person("somjai"), person("somsak"), person("wilaiwan")];
    // The appointing order, drafted from the template for the mayor to
    // sign: the registrar may, a member may not.
    let refused = store
        .draft_committee_order(&o, &person("somsak"), &list.id, &committee, at(3, 9))
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("actor"));
    let order_draft = store
        .draft_committee_order(&o, &person(REGISTRAR), &list.id, &committee, at(3, 9))
        .await
        .unwrap();
    assert_eq!(order_draft.kind, "order");
    assert_eq!(order_draft.state, "draft");
    assert_eq!(order_draft.drafter.as_str(), REGISTRAR);
    assert!(
        order_draft
            .subject
            .starts_with("แต่งตั้งคณะกรรมการทำลายหนังสือ ประจำปี พ.ศ."),
        "{}",
        order_draft.subject
    );
    let drafted = store.content(&o, &order_draft.id).await.unwrap();
    let rows = drafted["body"][2]["table"]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][3], "ประธานกรรมการ");
    assert_eq!(drafted["signer"]["name"], "นายกนก ใจรักษ์");
    let refused = store
        .appoint_destruction_committee(
            &o,
            &person(MAYOR),
            &list.id,
            &committee[..2],
            None,
            at(5, 9),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("committee"));
    let refused = store
        .appoint_destruction_committee(&o, &person(REGISTRAR), &list.id, &committee, None, at(5, 9))
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("actor"));
    let appointed = store
        .appoint_destruction_committee(
            &o,
            &person(MAYOR),
            &list.id,
            &committee,
            Some(&appointment),
            at(5, 9),
        )
        .await
        .unwrap();
    assert_eq!(appointed.committee, ["somjai", "somsak", "wilaiwan"]);
    assert_eq!(appointed.order.as_deref(), Some(appointment.as_str()));
    let refused = store
        .keep_destruction_item(&o, &person(REGISTRAR), &list.id, &kept, "ยังใช้อยู่", at(6, 9))
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("actor"));
    let refused = store
        .keep_destruction_item(&o, &person("somsak"), &list.id, &kept, " ", at(6, 9))
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("reason"));
    let reviewed = store
        .keep_destruction_item(
            &o,
            &person("somsak"),
            &list.id,
            &kept,
            "ยังใช้อ้างอิงในการตรวจ ITA",
            at(6, 9),
        )
        .await
        .unwrap();
    assert_eq!(reviewed.kept, 1);

    // A hold placed after the list was drawn up stops the approval, and says so.
    let late = store
        .place_hold(&o, &person(REGISTRAR), &late_hold, "สตง. ขอตรวจ", at(7, 9))
        .await
        .unwrap();
    let refused = store
        .approve_destruction_list(&o, &person(MAYOR), &list.id, at(8, 9))
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("document"));
    assert!(
        refused.to_string().contains(late_hold.as_str()) && refused.to_string().contains("held"),
        "{refused}"
    );
    assert_eq!(
        content_rows(&db, &late_hold).await.0,
        1,
        "nothing was erased"
    );
    store
        .lift_hold(&o, &person(REGISTRAR), &late, "สตง. ตรวจเสร็จแล้ว", at(8, 10))
        .await
        .unwrap();
    let approved = store
        .approve_destruction_list(&o, &person(MAYOR), &list.id, at(9, 9))
        .await
        .unwrap();
    assert_eq!(
        (approved.state.as_str(), approved.destroyed, approved.kept),
        ("approved", 4, 1)
    );

    // Their content is gone; the others' is not.
    for id in [&old_routine, &routine_2566, &late_hold, &letter] {
        let (versions, content, pdfs) = content_rows(&db, id).await;
        assert_eq!((versions, content.as_str(), pdfs), (0, "{}", 0), "{id}");
        let shown = store.retention_of(&o, id).await.unwrap();
        assert_eq!(shown.destroyed_under.as_deref(), Some("1/2568"));
    }
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let originals: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enclosure_files WHERE org_id = $1 AND sha256 = $2",
    )
    .bind(ORG)
    .bind(saraban_core::ledger::sha256_hex(&original))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(originals, 0, "the received letter's original is erased");
    pool.close().await;
    for id in [&kept, &held, &recent, &ordinary, &appointment] {
        let (versions, content, pdfs) = content_rows(&db, id).await;
        assert!(versions >= 1 && content != "{}" && pdfs == 1, "{id}");
    }
    // A destroyed document can no longer be given a class.
    assert!(matches!(
        store
            .set_retention_class(
                &o,
                &person(DRAFTER),
                &old_routine,
                "routine",
                None,
                at(10, 9)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    // The log still verifies, and says what was destroyed under which list.
    let audit = store.audit(&o).await.unwrap();
    assert!(audit.holds(), "{:#?}", audit.findings);
    for id in [&old_routine, &routine_2566, &late_hold, &letter] {
        assert!(
            audit.notices.iter().any(|n| n.contains(id.as_str())
                && n.contains("destroyed under destruction list 1/2568")
                && n.contains("approved by kanok")),
            "{:#?}",
            audit.notices
        );
    }
    assert_eq!(audit.notices.len(), 4, "{:#?}", audit.notices);

    // The receiving register keeps the destroyed letter's number and
    // subject, marked; its original and a destroyed memo's enclosures
    // answer that they were destroyed.
    let received = store
        .received_register(
            &o,
            saraban_core::BuddhistYear::new(2566).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 3).unwrap(),
        )
        .await
        .unwrap();
    let entry = received
        .iter()
        .find(|e| e.document_id == letter)
        .expect("the destroyed letter keeps its entry");
    assert_eq!(entry.subject, "ขอเชิญประชุม ๒๕๖๖");
    assert_eq!(entry.destroyed_under.as_deref(), Some("1/2568"));
    assert!(matches!(
        store.original(&o, &letter).await,
        Err(StoreError::Destroyed { list, .. }) if list == "1/2568"
    ));
    // Nor is it recorded in a unit's own register any more (issue 16).
    let refused = store
        .record_in_unit_register(
            &o,
            &person("somjai"),
            &letter,
            &Slug::parse("office-received").unwrap(),
            thai(2026, 1, 3, 9, 0),
        )
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Destroyed { list, .. }) if list == "1/2568"),
        "{refused:?}"
    );
    assert!(matches!(
        store.enclosures(&o, &old_routine).await,
        Err(StoreError::Destroyed { .. })
    ));
    assert!(matches!(
        store.composed(&o, &old_routine, Some(1)).await,
        Err(StoreError::Destroyed { .. })
    ));

    // The year's bundle keeps their numbers, proven by the events that
    // numbered and destroyed them, and checks.
    let bundle = store.export_bundle(&o, 2566).await.unwrap();
    let mut destroyed: Vec<&str> = bundle
        .manifest
        .destroyed
        .iter()
        .map(|d| d.document.as_str())
        .collect();
    destroyed.sort();
    let mut expected = vec![routine_2566.as_str(), late_hold.as_str(), letter.as_str()];
    expected.sort();
    assert_eq!(destroyed, expected);
    assert!(
        bundle
            .manifest
            .destroyed
            .iter()
            .all(|d| d.list == "1/2568" && !d.subject.is_empty()),
        "{:#?}",
        bundle.manifest.destroyed
    );
    let manifest = bundle.manifest_json();
    let read = |path: &str| {
        bundle
            .files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("{path}: not in the bundle"))
    };
    let report =
        saraban_core::bundle::check(&manifest, saraban_core::bundle::Outside::default(), &read)
            .unwrap();
    assert!(report.holds(), "{:#?}", report.findings);
    // A destroyed entry whose destruction event is not its own fails.
    let mut forged = bundle.manifest.clone();
    forged.destroyed[0].destroyed_seq = forged.destroyed[0].event_seq;
    let forged = serde_json::to_vec(&forged).unwrap();
    let report =
        saraban_core::bundle::check(&forged, saraban_core::bundle::Outside::default(), &read)
            .unwrap();
    assert!(!report.holds(), "a forged destruction passes");

    // บัญชีส่งมอบหนังสือครบ: the orders kept for ever, of 2565 and 2566, are due by the end of 2568.
    let due = store.transfer_due(&o, 2568, None, 100).await.unwrap();
    let due: Vec<&str> = due.iter().map(|t| t.document.as_str()).collect();
    assert_eq!(due, [charter.as_str(), appointment.as_str()]);
    // A page at a time, each going on after the last of the one before.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .transfer_due(&o, 2568, after.as_ref(), 1)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(DocumentId::parse(&last.document).unwrap());
        paged.extend(page.into_iter().map(|t| t.document));
    }
    assert_eq!(paged, due);
    assert!(matches!(
        store
            .transfer_due(
                &o,
                2568,
                Some(&DocumentId::parse("00000000-0000-7000-8000-000000000000").unwrap()),
                1
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    // By the end of 2567 only the older one is; by 2566 neither.
    let due = store.transfer_due(&o, 2567, None, 100).await.unwrap();
    let due: Vec<&str> = due.iter().map(|t| t.document.as_str()).collect();
    assert_eq!(due, [charter.as_str()]);
    assert!(
        store
            .transfer_due(&o, 2566, None, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // Next year's list does not list them again, nor the held one while held.
    let next = store
        .draft_destruction_list(&o, &person(REGISTRAR), thai(2027, 1, 2, 9, 0))
        .await
        .unwrap();
    let items = store
        .destruction_items(&o, &next.id, None, 100)
        .await
        .unwrap();
    let mut listed: Vec<&str> = items.iter().map(|i| i.document.as_str()).collect();
    listed.sort();
    let mut again = vec![kept.as_str(), recent.as_str()];
    again.sort();
    assert_eq!(listed, again);
    assert!(store.audit(&o).await.unwrap().holds());
    std::fs::remove_dir_all(&keys).ok();
}

/// Content erased by hand, with no approved list, is missing content; a
/// destruction mark written by hand is a projection mismatch.
async fn content_erased_without_a_list_is_caught(db: TestDb) {
    let store = &db.store;
    let o = org(ORG);
    start(store).await;
    let office = Office::new(store, ORG);
    let victim = issue(&office, memo("เรื่องที่ถูกลบโดยไม่มีบัญชี"), 2566).await;
    let other = issue(&office, memo("เรื่องอื่น"), 2566).await;
    assert!(store.audit(&o).await.unwrap().holds());
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let pdf: String =
        sqlx::query_scalar("SELECT pdf_hash FROM documents WHERE org_id = $1 AND id = $2")
            .bind(ORG)
            .bind(victim.as_str())
            .fetch_one(&pool)
            .await
            .unwrap();
    for sql in [
        "DELETE FROM document_versions WHERE org_id = $1 AND document_id = $2",
        "UPDATE document_contents SET content = '{}' WHERE org_id = $1 AND document_id = $2",
    ] {
        sqlx::query(sql)
            .bind(ORG)
            .bind(victim.as_str())
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM pdfs WHERE sha256 = $1")
        .bind(&pdf)
        .execute(&pool)
        .await
        .unwrap();
    // And a destruction list made up in the tables, naming the other.
    sqlx::query(
        "INSERT INTO destruction_lists (org_id, id, year, number, state, items_hash, drafted_by, drafted_at)
         VALUES ($1, 'forged', 2568, 1, 'approved', 'x', 'sunee', '2026-01-01T09:00:00+07:00')",
    )
    .bind(ORG)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO destruction_items (org_id, list_id, document_id, kind, year, class, destroyed_at)
         VALUES ($1, 'forged', $2, 'memo', 2566, 'routine', '2026-01-02T09:00:00+07:00')",
    )
    .bind(ORG)
    .bind(other.as_str())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let audit = store.audit(&o).await.unwrap();
    let on = |id: &DocumentId, class: FindingClass| {
        audit
            .findings
            .iter()
            .any(|f| f.class == class && f.document.as_deref() == Some(id.as_str()))
    };
    assert!(
        on(&victim, FindingClass::ContentModified),
        "{:#?}",
        audit.findings
    );
    assert!(
        audit
            .findings
            .iter()
            .any(|f| f.class == FindingClass::ContentModified
                && f.detail.contains("issued PDF is missing")),
        "{:#?}",
        audit.findings
    );
    assert!(
        audit
            .findings
            .iter()
            .any(|f| f.class == FindingClass::Projection && f.detail.contains("forged")),
        "{:#?}",
        audit.findings
    );
    assert!(audit.notices.iter().all(|n| !n.contains("destroyed")));
    let _: &OrgId = &o;
}

/// The same over real HTTP: the API's retention of a document, a class
/// refused at its field, the list drawn up (refused outside its window,
/// naming `at`), a hold on a search, the committee's refusals and the
/// approval; the registrar's page, the list in the official columns as a
/// PDF, and the document page's retention panel.
async fn the_api_and_pages_show_retention(db: TestDb) {
    let store = db.store.clone();
    let config = saraban_stories::example_org_with_admin();
    saraban_stories::init_with_passwords(&store, &config, "saraban-demo").await;
    let o = org(ORG);
    let office = Office::new(&store, ORG);
    let expired = issue(&office, memo("รายงานประจำเดือน ๒๕๖๖"), 2566).await;
    let other = issue(&office, memo("ขอซ่อมแซมถนนลูกรัง ๒๕๖๖"), 2566).await;
    for id in [&expired, &other] {
        routine(&store, id, DRAFTER).await;
    }
    let server = saraban_stories::ApiServer::serve(db, store.clone(), ORG, "saraban-demo").await;
    let registrar = server.sign_in(REGISTRAR).await;

    let (status, shown) = registrar
        .get(&format!("/documents/{expired}/retention"))
        .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["class"]["id"], "routine");
    assert_eq!(shown["destruction_date"], "2024-12-31");
    let (status, refused) = registrar
        .send(
            reqwest::Method::PUT,
            &format!("/documents/{expired}/retention"),
            &json!({"class": "forever"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), refused["field"].as_str()),
        (422, Some("class")),
        "{refused}"
    );

    // Held by a search: the budget memo is found, the report is not.
    let (status, refused) = registrar
        .post("/records/holds", &json!({"reason": "สตง."}))
        .await;
    assert_eq!(
        (status.as_u16(), refused["field"].as_str()),
        (422, Some("document")),
        "{refused}"
    );
    let (status, placed) = registrar
        .post(
            "/records/holds",
            &json!({"reason": "สตง. ตรวจงานถนน", "search": {"q": "ลูกรัง"}}),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let (_, holds) = registrar.get("/records/holds").await;
    assert_eq!(holds[0]["documents"], json!([other.as_str()]), "{holds}");

    // Drawn up by the API only within 60 days after 31 December.
    let (status, answer) = registrar
        .post("/records/destruction-lists", &json!({}))
        .await;
    let today = saraban_core::clock::thai_date(chrono::Utc::now());
    match saraban_core::retention::review_year(today) {
        None => assert_eq!(
            (status.as_u16(), answer["field"].as_str()),
            (422, Some("at")),
            "{answer}"
        ),
        Some(_) => assert_eq!(status, 201, "{answer}"),
    }
    // With the clock at 1 January 2569.
    let list = store
        .draft_destruction_list(&o, &person(REGISTRAR), thai(2026, 1, 1, 9, 0))
        .await
        .unwrap();
    let (status, shown) = registrar
        .get(&format!("/records/destruction-lists/{}", list.id))
        .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["items"].as_array().unwrap().len(), 1, "{shown}");
    assert_eq!(shown["items"][0]["document"], expired.as_str());
    let step = |who: &'static str, step: &'static str, body: Value| {
        let (server, list) = (&server, list.id.clone());
        async move {
            server
                .sign_in(who)
                .await
                .post(&format!("/records/destruction-lists/{list}/{step}"), &body)
                .await
        }
    };
    let (status, refused) = step(MAYOR, "propose", json!({})).await;
    assert_eq!(
        (status.as_u16(), refused["field"].as_str()),
        (422, Some("actor")),
        "{refused}"
    );
    assert_eq!(step(REGISTRAR, "propose", json!({})).await.0, 200);
    let (status, refused) = step(MAYOR, "committee", json!({"committee": ["somjai"]})).await;
    assert_eq!(
        (status.as_u16(), refused["field"].as_str()),
        (422, Some("committee")),
        "{refused}"
    );
    let (status, appointed) = step(
        MAYOR,
        "committee",
        json!({"committee": ["somjai", "somsak", "wilaiwan"]}),
    )
    .await;
    assert_eq!(status, 200, "{appointed}");
    let (status, approved) = step(MAYOR, "approve", json!({})).await;
    assert_eq!(
        (status.as_u16(), approved["destroyed"].as_i64()),
        (200, Some(1)),
        "{approved}"
    );

    // The pages.
    let page = registrar.html("/records").await;
    assert!(page.contains("บัญชีหนังสือขอทำลาย ฉบับที่"), "{page}");
    assert!(page.contains("สตง. ตรวจงานถนน"));
    let page = registrar.html(&format!("/records/lists/{}", list.id)).await;
    assert!(
        page.contains("การพิจารณา") && page.contains("ทำลายแล้ว"),
        "{page}"
    );
    assert!(!page.contains(r#"id="list-next""#), "{page}");
    // The page after its one item: nothing more, and the way back.
    let page = registrar
        .html(&format!("/records/lists/{}?after={expired}", list.id))
        .await;
    assert!(
        !page.contains("รายงานประจำเดือน") && page.contains("หน้าแรก"),
        "{page}"
    );
    // After a document not on it: the first page, saying why.
    let (status, _, body) = registrar
        .page(&format!("/records/lists/{}?after={other}", list.id))
        .await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains(r#"id="list-refused""#) && body.contains("รายงานประจำเดือน"),
        "{body}"
    );
    // The transfer list pages by document too; a malformed one is named.
    let (status, refused) = registrar.get("/records/transfer?after=490").await;
    assert_eq!(
        (status.as_u16(), refused["field"].as_str()),
        (400, Some("after")),
        "{refused}"
    );
    let (status, _, pdf) = registrar
        .page(&format!("/records/lists/{}/pdf", list.id))
        .await;
    assert_eq!(status, 200);
    let text = saraban_stories::pdf_text(&pdf);
    assert!(
        text.contains("บัญชีหนังสือขอทำลาย") && text.contains("รายงานประจำเดือน"),
        "{text}"
    );
    let page = registrar.html(&format!("/doc/{other}")).await;
    assert!(
        page.contains("การเก็บรักษา") && page.contains("ถูกอายัด"),
        "{page}"
    );
    // A destroyed document's page says under which list, in place of its
    // preview, with no internal-error alert.
    let page = registrar.html(&format!("/doc/{expired}")).await;
    assert!(
        page.contains("ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ ๑/๒๕๖๘"),
        "{page}"
    );
    assert!(page.contains(r#"id="destroyed""#), "{page}");
    assert!(
        !page.contains("แสดงตัวอย่างไม่ได้") && !page.contains("ระบบขัดข้อง"),
        "{page}"
    );

    // Nothing else fails on it. The API: 410, the list named.
    for path in [
        format!("/documents/{expired}"),
        format!("/documents/{expired}/pdf"),
        format!("/documents/{expired}/content"),
    ] {
        let (status, gone) = registrar.get(&path).await;
        assert_eq!(
            (status.as_u16(), gone["code"].as_str()),
            (410, Some("destroyed")),
            "{path}: {gone}"
        );
        assert!(
            gone["message"].as_str().unwrap().contains("1/2568"),
            "{path}: {gone}"
        );
    }
    let (status, gone) = registrar
        .get(&format!("/documents/{expired}/enclosures"))
        .await;
    assert_eq!(status, 410, "{gone}");
    let (status, _, _) = registrar.page(&format!("/doc/{expired}/pdf")).await;
    assert_eq!(status, 410);
    let (status, history) = registrar
        .get(&format!("/documents/{expired}/history"))
        .await;
    assert_eq!(status, 200, "{history}");
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"]["kind"] == "destroyed"),
        "{history}"
    );
    // The register keeps its number, date and subject, marked destroyed.
    let summary = store.show(&o, &other).await.unwrap();
    let (register, year) = (summary.register.unwrap(), summary.year.unwrap());
    let (status, entries) = registrar
        .get(&format!("/registers/{register}/{year}"))
        .await;
    assert_eq!(status, 200, "{entries}");
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["document_id"] == expired.as_str())
        .unwrap_or_else(|| panic!("{entries}"));
    assert_eq!(entry["subject"], "รายงานประจำเดือน ๒๕๖๖", "{entry}");
    assert_eq!(entry["destroyed_under"], "1/2568", "{entry}");
    assert_eq!(entry["dated"], "2023-03-01", "{entry}");
    assert!(entry["number"].as_i64().is_some(), "{entry}");
    let page = registrar
        .html(&format!("/registers?register={register}&year={year}"))
        .await;
    assert!(
        page.contains("รายงานประจำเดือน ๒๕๖๖")
            && page.contains("ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ ๑/๒๕๖๘"),
        "{page}"
    );
    for format in ["csv", "pdf"] {
        let (status, _, body) = registrar
            .page(&format!("/registers/{register}/{year}/{format}"))
            .await;
        assert_eq!(status, 200, "{format}");
        if format == "csv" {
            let csv = String::from_utf8(body).unwrap();
            assert!(csv.contains("ทำลายแล้วตามบัญชีหนังสือขอทำลาย"), "{csv}");
        }
    }
    // The lists, the inbox, search and the public check.
    let (status, listed) = registrar.get("/documents?limit=100").await;
    assert_eq!(status, 200, "{listed}");
    let (status, inbox) = registrar.get("/inbox").await;
    assert_eq!(status, 200, "{inbox}");
    let page = registrar.html("/inbox").await;
    assert!(!page.contains("ระบบขัดข้อง"), "{page}");
    let (status, found) = registrar
        .get("/search?q=%E0%B8%A3%E0%B8%B2%E0%B8%A2%E0%B8%87%E0%B8%B2%E0%B8%99")
        .await;
    assert_eq!(status, 200, "{found}");
    // Its text went with its content: no search finds it by what it said.
    assert!(
        found["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|hit| hit["id"] != expired.as_str()),
        "{found}"
    );
    let html = registrar
        .html("/search?q=%E0%B8%A3%E0%B8%B2%E0%B8%A2%E0%B8%87%E0%B8%B2%E0%B8%99")
        .await;
    assert!(!html.contains("ระบบขัดข้อง"), "{html}");
    let code = saraban_store::verification_code(ORG, expired.as_str());
    let (status, _, body) = server.visitor().page(&format!("/verify/{code}")).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ทำลายแล้ว"), "{body}");
    let (status, record) = server
        .visitor()
        .get(&format!("/public/verify/{code}"))
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["destroyed_under"], "1/2568", "{record}");
    assert!(store.audit(&o).await.unwrap().holds());
}

stories!(
    records_are_kept_destroyed_and_proven,
    content_erased_without_a_list_is_caught,
    the_api_and_pages_show_retention,
);
