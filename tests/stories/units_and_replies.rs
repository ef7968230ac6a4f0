//! The last two pieces of receiving (issue 16), on SQLite and PostgreSQL:
//! a unit's own receiving register, numbered apart from the central
//! เลขรับ, per register and B.E. year, recorded by the unit's clerk and
//! refused to anyone else, twice, or for what is no received letter; over
//! the API too. And the issue of a reply closing the letter it answers,
//! recorded in the log, while a letter already closed stays as it is.
//! `verify` holds throughout.

use chrono::NaiveDate;
use saraban_core::incoming::Received;
use saraban_core::ledger::Event;
use saraban_core::org::{Holding, OrgConfig, PersonConfig, PositionConfig, RegisterConfig, Slug};
use saraban_core::replay::Projected;
use saraban_core::text::Line;
use saraban_core::workflow::{RouteAction as A, State};
use saraban_core::{BuddhistYear, DocumentId, ThaiDate};
use saraban_store::{Assignment, Store};
use saraban_stories::{ApiServer, Office, TestDb, org, person, stories, thai};
use serde_json::{Value, json};
use sqlx::Row;

const ORG: &str = "wangkrachae";
const REGISTRAR: &str = "sunee";
const CLERK: &str = "wilaiwan";
const MAYOR: &str = "kanok";
/// The head of office keeps สำนักปลัด's register (the example file's
/// `office-received`).
const HEAD: &str = "somjai";
/// The clerk of กองช่าง, who keeps its register (added by `config`).
const WORKS_CLERK: &str = "prasit";

fn slug(text: &str) -> Slug {
    Slug::parse(text).unwrap()
}

/// The example organisation with a second unit, กองช่าง, whose clerk
/// keeps its own receiving register.
fn config() -> OrgConfig {
    let mut config = saraban_stories::example_org_with_admin();
    config.positions.push(PositionConfig {
        id: slug("works-clerk"),
        title: Line::parse("เจ้าพนักงานธุรการ กองช่าง").unwrap(),
    });
    config.people.push(PersonConfig {
        id: slug(WORKS_CLERK),
        name: Line::parse("นายประสิทธิ์ ช่างดี").unwrap(),
        signature: None,
        holds: vec![Holding {
            position: slug("works-clerk"),
            from: ThaiDate::new(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()).unwrap(),
            to: None,
        }],
        admin: false,
    });
    config.registers.push(RegisterConfig {
        id: slug("works-received"),
        name: Line::parse("ทะเบียนหนังสือรับ กองช่าง").unwrap(),
        kind: "incoming".into(),
        prefix: None,
        reset: Default::default(),
        start: None,
        kept_by: vec![slug("works-clerk")],
    });
    OrgConfig::from_value(serde_json::to_value(&config).unwrap()).unwrap()
}

async fn start(db: &TestDb) {
    db.store
        .init_org(&config(), None, chrono::Utc::now())
        .await
        .unwrap();
}

fn letter(subject: &str, date: &str) -> Received {
    Received::from_value(json!({
        "format": "saraban/1",
        "kind": "incoming",
        "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
        "date": date,
        "from": "ที่ว่าการอำเภอเมืองตราด",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "subject": subject,
    }))
    .unwrap()
}

/// `saraban verify` of the organisation: every claim recomputed from the log.
async fn holds(store: &Store) {
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(audit.holds(), "{:#?}", audit.findings);
}

/// A letter received, sent up, endorsed and assigned by the mayor to
/// `assignee`, on `day` of January of `year`.
async fn assigned(store: &Store, subject: &str, year: i32, day: u32, assignee: &str) -> DocumentId {
    let office = Office::new(store, ORG);
    let received = store
        .receive_letter(
            &org(ORG),
            &person(REGISTRAR),
            letter(subject, &format!("{year}-01-0{}", day.min(9))),
            None,
            thai(year, 1, day, 9, 0),
        )
        .await
        .unwrap();
    let id = received.id;
    office
        .act(
            REGISTRAR,
            &id,
            A::Submit,
            Some("เรียน ปลัด อบต."),
            thai(year, 1, day, 9, 10),
        )
        .await
        .unwrap();
    office
        .act(
            CLERK,
            &id,
            A::Endorse,
            Some("เรียน นายก อบต."),
            thai(year, 1, day, 9, 20),
        )
        .await
        .unwrap();
    store
        .act_assigning(
            &org(ORG),
            &person(MAYOR),
            &id,
            A::Sign,
            Some("ทราบ มอบดำเนินการ"),
            Some(Assignment {
                to: slug(assignee),
                due: None,
            }),
            thai(year, 1, day, 9, 30),
        )
        .await
        .unwrap();
    id
}

async fn record(
    store: &Store,
    who: &str,
    id: &DocumentId,
    register: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<saraban_store::UnitReceipt, saraban_store::StoreError> {
    store
        .record_in_unit_register(&org(ORG), &person(who), id, &slug(register), at)
        .await
}

async fn a_unit_numbers_its_own_receipts(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let office = Office::new(store, ORG);
    let first = assigned(store, "ขอเชิญประชุม", 2026, 6, "head-of-office").await;
    let at = thai(2026, 1, 6, 11, 0);

    // Refused, each naming why, and nothing recorded.
    let not_keeper = record(store, CLERK, &first, "office-received", at)
        .await
        .unwrap_err();
    assert_eq!(not_keeper.code(), "not_your_turn", "{not_keeper}");
    assert!(
        not_keeper.to_string().contains("head-of-office"),
        "{not_keeper}"
    );
    let central = record(store, HEAD, &first, "received", at)
        .await
        .unwrap_err();
    assert_eq!(
        (central.code(), central.field().as_deref()),
        ("invalid", Some("register"))
    );
    let memo = office
        .draft(
            HEAD,
            saraban_stories::example_content("ita-report-2568.toml"),
            at,
        )
        .await
        .unwrap();
    let not_received = record(store, HEAD, &memo.id, "office-received", at)
        .await
        .unwrap_err();
    assert_eq!(not_received.code(), "not_found", "{not_received}");
    assert!(not_received.to_string().contains("received letter"));
    let counted = |sql: &'static str| async move {
        sqlx::query(sql)
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get::<i64, _>(0)
    };
    assert_eq!(counted("SELECT COUNT(*) FROM unit_receipts").await, 0);
    assert_eq!(
        counted("SELECT COUNT(*) FROM events WHERE kind = 'unit_received'").await,
        0
    );

    // The head of office records it: number 1 of สำนักปลัด's 2569.
    let receipt = record(store, HEAD, &first, "office-received", at)
        .await
        .unwrap();
    assert_eq!((receipt.year, receipt.number), (2569, 1));
    assert_eq!(receipt.position, "head-of-office");
    let again = record(store, HEAD, &first, "office-received", at)
        .await
        .unwrap_err();
    assert_eq!(again.code(), "conflict", "{again}");
    assert!(again.to_string().contains("1/2569"), "{again}");
    // The letter's state is its route's: a unit's receipt is no step of it.
    assert_eq!(store.show(&org(ORG), &first).await.unwrap().state, "signed");

    // A second letter is 2 of the office's register, 1 of กองช่าง's.
    let second = assigned(store, "ขอข้อมูลถนน", 2026, 7, "works-clerk").await;
    let office_two = record(
        store,
        HEAD,
        &second,
        "office-received",
        thai(2026, 1, 7, 11, 0),
    )
    .await
    .unwrap();
    assert_eq!(office_two.number, 2);
    let works_one = record(
        store,
        WORKS_CLERK,
        &second,
        "works-received",
        thai(2026, 1, 7, 12, 0),
    )
    .await
    .unwrap();
    assert_eq!((works_one.year, works_one.number), (2569, 1));
    // The next B.E. year starts again at 1.
    let next_year = assigned(store, "ขอเชิญประชุมประจำปี", 2027, 5, "head-of-office").await;
    let new_year = record(
        store,
        HEAD,
        &next_year,
        "office-received",
        thai(2027, 1, 5, 11, 0),
    )
    .await
    .unwrap();
    assert_eq!((new_year.year, new_year.number), (2570, 1));

    // The register of 2569: the unit's numbers with the central เลขรับ.
    let register = store
        .unit_register(
            &org(ORG),
            "office-received",
            BuddhistYear::new(2569).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        )
        .await
        .unwrap();
    let numbers: Vec<(i64, i64)> = register
        .iter()
        .map(|entry| (entry.unit_number, entry.letter.number))
        .collect();
    assert_eq!(numbers, [(1, 1), (2, 2)]);
    assert_eq!(register[0].letter.subject, "ขอเชิญประชุม");
    assert_eq!(register[1].unit_actor, HEAD);
    let on_letter = store.unit_receipts(&org(ORG), &second).await.unwrap();
    let places: Vec<(&str, i64)> = on_letter
        .iter()
        .map(|r| (r.register.as_str(), r.number))
        .collect();
    assert_eq!(places, [("office-received", 2), ("works-received", 1)]);
    let kept = store
        .unit_registers_kept(&org(ORG), &person(WORKS_CLERK), at)
        .await
        .unwrap();
    assert_eq!(kept, [slug("works-received")]);
    holds(store).await;
}

/// Twenty letters recorded by the unit at once: its numbers are 1..20,
/// each once, on both databases.
async fn a_unit_numbers_concurrent_receipts_without_a_gap(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let mut letters = Vec::new();
    for i in 0..20 {
        let received = store
            .receive_letter(
                &org(ORG),
                &person(REGISTRAR),
                letter(&format!("หนังสือฉบับที่ {i}"), "2026-01-05"),
                None,
                thai(2026, 1, 6, 9, 0),
            )
            .await
            .unwrap();
        letters.push(received.id);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for id in letters {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .record_in_unit_register(
                    &org(ORG),
                    &person(HEAD),
                    &id,
                    &slug("office-received"),
                    thai(2026, 1, 6, 10, 0),
                )
                .await
                .unwrap()
                .number
        });
    }
    let mut numbers = tasks.join_all().await;
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<i64>>());
    holds(store).await;
}

/// The unit's register over the API: recorded (201), refused with the
/// reason and field, the letter's numbers and the register's year listed.
async fn a_unit_records_over_the_api(db: TestDb) {
    let store = db.store.clone();
    start(&db).await;
    let id = assigned(&store, "ขอเชิญประชุม", 2026, 6, "head-of-office").await;
    let second = assigned(&store, "ขอส่งรายงานผลการดำเนินงาน", 2026, 6, "head-of-office").await;
    // Only those who sign in get passwords (and so approval keys).
    for who in [HEAD, CLERK] {
        store
            .set_password(&org(ORG), &person(who), "saraban-demo")
            .await
            .unwrap();
    }
    let server = ApiServer::serve(db, store, ORG, "saraban-demo").await;
    let head = server.sign_in(HEAD).await;
    let clerk = server.sign_in(CLERK).await;
    let path = format!("/documents/{id}/unit-receipts");
    let (status, body) = clerk
        .post(&path, &json!({ "register": "office-received" }))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "not_your_turn");
    let (status, body) = head.post(&path, &json!({ "register": "nowhere" })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "register");
    let (status, body) = head
        .post(&path, &json!({ "register": "office-received" }))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["number"], 1);
    let (status, body) = head
        .post(&path, &json!({ "register": "office-received" }))
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = head.get(&path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["register"], "office-received");
    let year = BuddhistYear::of(saraban_core::clock::thai_date(chrono::Utc::now()));
    let (status, body) = head
        .get(&format!("/unit-registers/office-received/{}", year.get()))
        .await;
    assert_eq!(status, 200, "{body}");
    let listed: &Vec<Value> = body.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{body}");
    assert_eq!(listed[0]["unit_number"], 1);
    assert_eq!(listed[0]["letter"]["document_id"], id.as_str());
    // By pages of the unit's number, over the API and on the web page.
    let (status, body) = head
        .post(
            &format!("/documents/{second}/unit-receipts"),
            &json!({ "register": "office-received" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let register = format!("/unit-registers/office-received/{}", year.get());
    let (_, first_page) = head.get(&format!("{register}?limit=1")).await;
    let (_, next_page) = head.get(&format!("{register}?limit=1&after=1")).await;
    assert_eq!(first_page.as_array().map(Vec::len), Some(1), "{first_page}");
    assert_eq!(first_page[0]["unit_number"], 1);
    assert_eq!(next_page.as_array().map(Vec::len), Some(1), "{next_page}");
    assert_eq!(next_page[0]["unit_number"], 2);
    assert_eq!(next_page[0]["letter"]["document_id"], second.as_str());
    let (status, body) = head.get(&format!("{register}?after=-1")).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (reqwest::StatusCode::BAD_REQUEST, Some("after")),
        "{body}"
    );
    let page = head
        .html(&format!(
            "/registers?register=office-received&year={}&after=1",
            year.get()
        ))
        .await;
    assert!(page.contains("ขอส่งรายงานผลการดำเนินงาน"), "{page}");
    assert!(
        !page.contains("ขอเชิญประชุม"),
        "only the page's lines: {page}"
    );
    assert!(page.contains("เลขรับของหน่วยที่ ๒ – ๒"), "{page}");
    let (status, _) = head.get("/unit-registers/received/2569").await;
    assert_eq!(status, 404, "the central register is no unit's");
}

/// The hidden form token of a page.
fn csrf_of(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a form token") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

/// The form asking to record in สำนักปลัด's register, urlencoded.
fn form_body(page: &str) -> String {
    let token: String = csrf_of(page)
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("csrf={token}&register=office-received")
}

/// The pages: the keeper sees the button on the letter's page and
/// records it; someone else is refused in Thai with nothing changed; the
/// register page and its CSV list the unit's number beside the เลขรับ.
async fn a_unit_records_on_its_pages(db: TestDb) {
    let store = db.store.clone();
    start(&db).await;
    let id = assigned(&store, "ขอเชิญประชุม", 2026, 6, "head-of-office").await;
    for who in [HEAD, CLERK] {
        store
            .set_password(&org(ORG), &person(who), "saraban-demo")
            .await
            .unwrap();
    }
    let server = ApiServer::serve(db, store.clone(), ORG, "saraban-demo").await;
    let head = server.sign_in(HEAD).await;
    let clerk = server.sign_in(CLERK).await;
    let page_of = |client: &saraban_stories::ApiClient, path: String| {
        let (http, url) = (client.http.clone(), format!("{}{path}", client.root));
        async move {
            let response = http.get(url).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, page) = page_of(&clerk, format!("/doc/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("unit-receipt-office-received"),
        "not the ปลัด's register"
    );
    // A stale or forged form from someone who keeps no register.
    let refused = clerk
        .http
        .post(format!("{}/doc/{id}/unit-receipt", clerk.root))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&page))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("action-refused"));
    let (_, page) = page_of(&head, format!("/doc/{id}")).await;
    assert!(
        page.contains("unit-receipt-office-received"),
        "the keeper's button"
    );
    assert!(page.contains("ลงรับในทะเบียนของหน่วย"));
    let recorded = head
        .http
        .post(format!("{}/doc/{id}/unit-receipt", head.root))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&page))
        .send()
        .await
        .unwrap();
    assert_eq!(recorded.status(), 200, "followed to the letter's page");
    let page = recorded.text().await.unwrap();
    assert!(page.contains("ลงรับในทะเบียนของหน่วยแล้ว"), "the notice");
    assert!(
        page.contains("unit-number-office-received"),
        "the unit's number shown"
    );
    assert!(
        !page.contains("unit-receipt-office-received"),
        "no button once recorded"
    );
    let year = BuddhistYear::of(saraban_core::clock::thai_date(chrono::Utc::now())).get();
    let (status, page) = page_of(
        &head,
        format!("/registers?register=office-received&year={year}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("เลขรับของหน่วย") && page.contains("ขอเชิญประชุม"),
        "{page}"
    );
    assert!(
        page.contains(r#"<option value="office-received" selected"#),
        "listed in the select"
    );
    let (status, csv) = page_of(&head, format!("/registers/office-received/{year}/csv")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].contains("เลขรับของหน่วย"), "{csv}");
    assert!(
        lines[1].starts_with(r#""1","1","ตร ๐๐๒๓.๓/ว ๑๒๓""#),
        "{csv}"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    holds(&store).await;
}

/// The document's events replayed as `verify` replays them.
async fn replayed(store: &Store, id: &str) -> Projected {
    let rows = sqlx::query("SELECT seq, bytes FROM events WHERE document_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(store.pool())
        .await
        .unwrap();
    let events: Vec<(u64, Event)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>("seq") as u64,
                Event::from_canonical(&r.get::<Vec<u8>, _>("bytes")).unwrap(),
            )
        })
        .collect();
    let route = config().route("incoming").unwrap();
    let mut doc = Projected::created(&events[0].1).unwrap();
    for (seq, event) in &events[1..] {
        doc.apply(*seq, event, &route).unwrap();
    }
    doc
}

/// A reply drafted by the head of office answering `letter`, taken
/// through its route and issued on `day` of January 2026.
async fn issue_reply(store: &Store, letter: &DocumentId, day: u32) -> DocumentId {
    let office = Office::new(store, ORG);
    let mut reply = saraban_stories::example_content("letter-ita-report-2568.toml");
    reply["in_reply_to"] = json!(letter.as_str());
    let id = office
        .draft(HEAD, reply, thai(2026, 1, day, 8, 0))
        .await
        .unwrap()
        .id;
    let steps = [
        (HEAD, A::Submit),
        (HEAD, A::Endorse),
        (CLERK, A::Endorse),
        (MAYOR, A::Sign),
        (REGISTRAR, A::Issue),
    ];
    for (minute, (who, action)) in steps.into_iter().enumerate() {
        office
            .act(who, &id, action, None, thai(2026, 1, day, 9, minute as u32))
            .await
            .unwrap_or_else(|e| panic!("{who} {action:?}: {e}"));
    }
    id
}

async fn closed_events(store: &Store, letter: &DocumentId) -> Vec<Event> {
    sqlx::query("SELECT bytes FROM events WHERE document_id = $1 AND kind = 'closed' ORDER BY seq")
        .bind(letter.as_str())
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| Event::from_canonical(&r.get::<Vec<u8>, _>("bytes")).unwrap())
        .collect()
}

async fn issuing_the_reply_closes_the_letter(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let office = Office::new(store, ORG);
    let letter = assigned(
        store,
        "ขอให้รายงานผลการประเมิน ITA",
        2026,
        6,
        "head-of-office",
    )
    .await;
    let can_close =
        |allowed: &[saraban_store::AllowedAction]| allowed.iter().any(|a| a.action == A::Close);
    let allowed = store
        .allowed_actions(&org(ORG), &person(HEAD), &letter, thai(2026, 1, 7, 8, 0))
        .await
        .unwrap();
    assert!(can_close(&allowed), "the assignee may close it before");

    let reply = issue_reply(store, &letter, 8).await;
    let summary = store.show(&org(ORG), &letter).await.unwrap();
    assert_eq!(summary.state, "closed");
    assert!(summary.waiting_for.is_empty(), "{:?}", summary.waiting_for);
    let doc = replayed(store, letter.as_str()).await;
    assert_eq!(doc.state, State::Closed);
    let closed = closed_events(store, &letter).await;
    assert_eq!(closed.len(), 1);
    assert_eq!(
        closed[0].documents.as_deref(),
        Some(&[reply.to_string()][..])
    );
    assert_eq!(closed[0].actor, REGISTRAR);
    let number = store
        .show(&org(ORG), &reply)
        .await
        .unwrap()
        .printed_number
        .unwrap();
    assert_eq!(
        closed[0].text.as_deref(),
        Some(format!("ตอบแล้ว {number}").as_str())
    );
    // The reply's issue and the letter's close are one commit, in order.
    let issued_seq: i64 =
        sqlx::query("SELECT seq FROM events WHERE document_id = $1 AND kind = 'issued'")
            .bind(reply.as_str())
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get(0);
    let closed_seq: i64 =
        sqlx::query("SELECT seq FROM events WHERE document_id = $1 AND kind = 'closed'")
            .bind(letter.as_str())
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get(0);
    assert_eq!(closed_seq, issued_seq + 1);
    let allowed = store
        .allowed_actions(&org(ORG), &person(HEAD), &letter, thai(2026, 1, 9, 8, 0))
        .await
        .unwrap();
    assert!(!can_close(&allowed), "no close once answered: {allowed:?}");
    // The register says so once, with the reply's number.
    let register = store
        .received_register(
            &org(ORG),
            BuddhistYear::new(2569).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        register[0].action.as_deref(),
        Some(format!("ตอบแล้ว {number}").as_str())
    );
    assert_eq!(register[0].state, "closed");

    // A letter closed already stays as it is: no second close.
    let done = assigned(store, "ขอความร่วมมือ", 2026, 7, "head-of-office").await;
    office
        .act(
            HEAD,
            &done,
            A::Close,
            Some("ดำเนินการแล้ว"),
            thai(2026, 1, 7, 10, 0),
        )
        .await
        .unwrap();
    issue_reply(store, &done, 9).await;
    let closed = closed_events(store, &done).await;
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].text.as_deref(), Some("ดำเนินการแล้ว"));
    assert_eq!(closed[0].documents, None);
    holds(store).await;
}

stories!(
    a_unit_numbers_its_own_receipts,
    a_unit_numbers_concurrent_receipts_without_a_gap,
    a_unit_records_over_the_api,
    a_unit_records_on_its_pages,
    issuing_the_reply_closes_the_letter,
);
