//! Receiving (issue 16), on SQLite and PostgreSQL: a PDF letter from the
//! district office received and numbered 1 of the year, sent up by the
//! registrar, endorsed by the ปลัด, ordered and assigned by the mayor with
//! a deadline, closed with what was done; its original comes back byte for
//! byte and its stamped view carries the original's text and the stamp. A
//! paper letter by fields only; three scanned pages as one letter; bad
//! files refused with the field named and nothing stored; 64 letters
//! received at once numbered 1..64 without a gap.

use chrono::{Datelike, NaiveDate};
use saraban_core::incoming::Received;
use saraban_core::ledger::Event;
use saraban_core::replay::Projected;
use saraban_core::workflow::{RouteAction as A, State};
use saraban_store::{Assignment, OriginalFile, Store, StoreError};
use saraban_stories::{Office, TestDb, org, pdf_text, person, stories, thai};
use serde_json::{Value, json};
use sqlx::Row;

const ORG: &str = "wangkrachae";
/// The registrar (เจ้าพนักงานธุรการ), the ปลัด, the mayor, and the head of
/// office to whom the order assigns the letter.
const REGISTRAR: &str = "sunee";
const CLERK: &str = "wilaiwan";
const MAYOR: &str = "kanok";
const HEAD: &str = "somjai";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/incoming")
            .join(name),
    )
    .unwrap()
}

fn letter(subject: &str) -> Value {
    json!({
        "format": "saraban/1",
        "kind": "incoming",
        "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
        "date": "2026-01-05",
        "from": "ที่ว่าการอำเภอเมืองตราด",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "subject": subject,
        "urgency": "ด่วน",
    })
}

fn received(subject: &str) -> Received {
    Received::from_value(letter(subject)).unwrap()
}

async fn start(db: &TestDb) {
    let config = saraban_stories::example_org_with_admin();
    db.store
        .init_org(&config, None, chrono::Utc::now())
        .await
        .unwrap();
}

/// `saraban verify` of the organisation: every claim recomputed from the log.
async fn holds(store: &Store) {
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(audit.holds(), "{:#?}", audit.findings);
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

/// The document's events replayed as `verify` replays them, against its
/// row: the state, number and assignment the log gives are the row's.
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
    let config = saraban_stories::example_org_with_admin();
    let route = config.route("incoming").unwrap();
    let mut doc = Projected::created(&events[0].1).unwrap();
    for (seq, event) in &events[1..] {
        doc.apply(*seq, event, &route).unwrap();
    }
    let row = sqlx::query(
        "SELECT state, step, register_id, year, number, assigned_to, due_on FROM documents WHERE id = $1",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    let state = State::from_parts(&row.get::<String, _>("state"), row.get("step")).unwrap();
    assert_eq!(state, doc.state);
    assert_eq!(row.get::<Option<String>, _>("register_id"), doc.register);
    assert_eq!(row.get::<Option<i64>, _>("year"), doc.year);
    assert_eq!(row.get::<Option<i64>, _>("number"), doc.number);
    assert_eq!(row.get::<Option<String>, _>("assigned_to"), doc.assigned_to);
    assert_eq!(row.get::<Option<String>, _>("due_on"), doc.due);
    doc
}

async fn a_pdf_letter_is_received_ordered_and_closed(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let office = Office::new(store, ORG);
    let original = fixture("letter-short.pdf");
    let at = thai(2026, 1, 6, 9, 30);
    let file = OriginalFile {
        filename: Some("letter-short.pdf".into()),
        bytes: original.clone(),
    };
    // Only the registrar receives.
    let refused = store
        .receive_letter(
            &org(ORG),
            &person(CLERK),
            received("ขอเชิญประชุม"),
            Some(file.clone()),
            at,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "not_your_turn", "{refused}");
    let letter = store
        .receive_letter(
            &org(ORG),
            &person(REGISTRAR),
            received("ขอเชิญประชุม"),
            Some(file),
            at,
        )
        .await
        .unwrap();
    assert_eq!(
        (letter.kind.as_str(), letter.state.as_str()),
        ("incoming", "draft")
    );
    assert_eq!(
        (letter.register.as_deref(), letter.year, letter.number),
        (Some("received"), Some(2569), Some(1))
    );
    let id = letter.id.clone();
    let content = store.content(&org(ORG), &id).await.unwrap();
    assert_eq!(
        content["original"]["sha256"],
        saraban_core::ledger::sha256_hex(&original)
    );
    assert_eq!(content["original"]["pages"], 2);

    office
        .act(
            REGISTRAR,
            &id,
            A::Submit,
            Some("เรียน ปลัด อบต. เพื่อโปรดพิจารณา"),
            thai(2026, 1, 6, 10, 0),
        )
        .await
        .unwrap();
    office
        .act(
            CLERK,
            &id,
            A::Endorse,
            Some("เรียน นายก อบต. เพื่อโปรดพิจารณาสั่งการ"),
            thai(2026, 1, 6, 11, 0),
        )
        .await
        .unwrap();
    // Never issued: the number came at receipt.
    let assignment = Assignment {
        to: saraban_core::org::Slug::parse("head-of-office").unwrap(),
        due: NaiveDate::from_ymd_opt(2026, 1, 20),
    };
    let signed = store
        .act_assigning(
            &org(ORG),
            &person(MAYOR),
            &id,
            A::Sign,
            Some("ทราบ มอบสำนักปลัดดำเนินการ"),
            Some(assignment),
            thai(2026, 1, 6, 14, 0),
        )
        .await
        .unwrap();
    assert_eq!(signed.document.state, "signed");
    let issue = office
        .act(REGISTRAR, &id, A::Issue, None, thai(2026, 1, 6, 15, 0))
        .await
        .unwrap_err();
    assert_eq!(
        (issue.code(), issue.field().as_deref()),
        ("not_for_kind", Some("kind"))
    );
    // The ปลัด is not the assignee; the head of office is, and says what was done.
    let not_theirs = office
        .act(
            CLERK,
            &id,
            A::Close,
            Some("ดำเนินการแล้ว"),
            thai(2026, 1, 7, 9, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(not_theirs.code(), "not_your_turn");
    office
        .act(
            HEAD,
            &id,
            A::Close,
            Some("เข้าร่วมประชุมแล้ว"),
            thai(2026, 1, 8, 9, 0),
        )
        .await
        .unwrap();
    let doc = replayed(store, id.as_str()).await;
    assert_eq!(doc.state, State::Closed);
    assert_eq!(doc.assigned_to.as_deref(), Some("head-of-office"));
    assert_eq!(doc.due.as_deref(), Some("2026-01-20"));

    // The original, byte for byte; the stamped view keeps its text.
    let back = store.original(&org(ORG), &id).await.unwrap();
    assert_eq!(back.bytes, original);
    let stamped = store.stamped_view(&org(ORG), &id).await.unwrap();
    let text = pdf_text(&stamped);
    let original_text = pdf_text(&original);
    let first_line = original_text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap()
        .trim();
    assert!(text.contains(first_line), "{first_line:?} not in {text}");
    assert!(text.contains("๑/๒๕๖๙"), "{text}");
    assert!(
        text.contains("ทราบ มอบสำนักปลัดดำเนินการ")
            || text
                .replace(['\n', ' '], "")
                .contains("ทราบมอบสำนักปลัดดำเนินการ"),
        "{text}"
    );

    // The register of 2569: the letter, what was done, not overdue once closed.
    let register = store
        .received_register(
            &org(ORG),
            saraban_core::BuddhistYear::new(2569).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].number, 1);
    assert_eq!(register[0].their_number, "ตร ๐๐๒๓.๓/ว ๑๒๓");
    assert_eq!(register[0].action.as_deref(), Some("เข้าร่วมประชุมแล้ว"));
    assert!(!register[0].overdue);
    holds(store).await;
}

async fn a_paper_letter_is_recorded_by_its_fields(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let mut content = letter("ขอความอนุเคราะห์ข้อมูล");
    content["due"] = json!("2026-01-10");
    let letter = store
        .receive_letter(
            &org(ORG),
            &person(REGISTRAR),
            Received::from_value(content).unwrap(),
            None,
            thai(2026, 1, 6, 9, 0),
        )
        .await
        .unwrap();
    assert_eq!(letter.number, Some(1));
    let original = store.original(&org(ORG), &letter.id).await.unwrap_err();
    assert_eq!(original.code(), "not_found");
    // Past the sender's deadline and not closed: overdue in the register.
    let register = store
        .received_register(
            &org(ORG),
            saraban_core::BuddhistYear::new(2569).unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 11).unwrap(),
        )
        .await
        .unwrap();
    assert!(register[0].overdue, "{:?}", register[0]);
    assert!(register[0].remark.contains("เกินกำหนด"));
    assert_eq!(
        count(store, "SELECT COUNT(*) FROM enclosure_files").await,
        0
    );
    replayed(store, letter.id.as_str()).await;
    holds(store).await;
}

async fn three_scanned_pages_become_one_letter(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let scans = vec![
        fixture("scan-1.jpg"),
        fixture("scan-2.jpg"),
        fixture("scan-3.jpg"),
    ];
    let letter = store
        .receive_scans(
            &org(ORG),
            &person(REGISTRAR),
            received("ภาพสแกน"),
            scans,
            thai(2026, 1, 6, 9, 0),
        )
        .await
        .unwrap();
    let content = store.content(&org(ORG), &letter.id).await.unwrap();
    assert_eq!(content["original"]["pages"], 3);
    let pdf = store.original(&org(ORG), &letter.id).await.unwrap().bytes;
    assert_eq!(
        saraban_core::ledger::sha256_hex(&pdf),
        content["original"]["sha256"]
    );
    holds(store).await;
}

async fn bad_files_are_refused_and_nothing_is_stored(db: TestDb) {
    start(&db).await;
    let store = db
        .store
        .clone()
        .with_enclosure_limits(saraban_core::enclosure::Limits {
            file: 100 * 1024,
            document: 200 * 1024,
        });
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let mut large = fixture("letter-short.pdf");
    large.resize(150 * 1024, b' ');
    for (name, bytes, says) in [
        ("empty.pdf", Vec::new(), "ว่าง"),
        ("picture.pdf", png, "ไม่ใช่ไฟล์ PDF"),
        ("encrypted.pdf", fixture("encrypted.pdf"), "เข้ารหัส"),
        ("large.pdf", large, "เกินกำหนด"),
    ] {
        let file = OriginalFile {
            filename: Some(name.into()),
            bytes,
        };
        let refused: StoreError = store
            .receive_letter(
                &org(ORG),
                &person(REGISTRAR),
                received("x"),
                Some(file),
                thai(2026, 1, 6, 9, 0),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (refused.code(), refused.field().as_deref()),
            ("invalid", Some("file")),
            "{name}"
        );
        assert!(refused.to_string().contains(says), "{name}: {refused}");
    }
    let refused = store
        .receive_scans(
            &org(ORG),
            &person(REGISTRAR),
            received("x"),
            vec![fixture("scan-1.jpg"), fixture("letter-short.pdf")],
            thai(2026, 1, 6, 9, 0),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("scans[1]"));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM enclosure_files").await,
        0
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM documents").await, 0);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM events WHERE kind = 'received'"
        )
        .await,
        0
    );
    // No number was taken: the next letter is number 1.
    let first = store
        .receive_letter(
            &org(ORG),
            &person(REGISTRAR),
            received("x"),
            None,
            thai(2026, 1, 6, 9, 0),
        )
        .await
        .unwrap();
    assert_eq!(first.number, Some(1));
}

/// `count` paper letters received by the registrar all at once, at `at`;
/// the เลขรับ each was given, in the order they were sent.
async fn received_at_once(
    store: &Store,
    count: usize,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<i64> {
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .receive_letter(
                        &org(ORG),
                        &person(REGISTRAR),
                        received(&format!("หนังสือฉบับที่ {i}")),
                        None,
                        at,
                    )
                    .await
                    .unwrap()
                    .number
                    .unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers
}

async fn sixty_four_letters_at_once_are_numbered_without_a_gap(db: TestDb) {
    start(&db).await;
    let store = db.store.clone();
    let at = thai(2026, 3, 1, 9, 0);
    let mut numbers = received_at_once(&store, 64, at).await;
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=64).collect::<Vec<i64>>());
    let year = saraban_core::BuddhistYear::of(at.date_naive()).get();
    assert_eq!(year, at.year() + 543);
    let register = store
        .received_register(
            &org(ORG),
            saraban_core::BuddhistYear::new(year).unwrap(),
            at.date_naive(),
        )
        .await
        .unwrap();
    assert_eq!(
        register.iter().map(|e| e.number).collect::<Vec<_>>(),
        (1..=64).collect::<Vec<i64>>()
    );
    // Read by pages of 10, the year comes back whole, in order, once.
    let (mut paged, mut after, mut pages) = (Vec::new(), 0, 0);
    loop {
        let page = store
            .received_register_page(
                &org(ORG),
                saraban_core::BuddhistYear::new(year).unwrap(),
                at.date_naive(),
                after,
                10,
            )
            .await
            .unwrap();
        assert!(page.entries.len() <= 10);
        paged.extend(page.entries.iter().map(|e| e.number));
        pages += 1;
        match page.next {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(pages, 7);
    assert_eq!(paged, (1..=64).collect::<Vec<i64>>());
    holds(&store).await;
}

/// The receiving register's page shows a year of many letters by pages of
/// 500, each with the range of เลขรับ it holds and a link to the next; the
/// CSV still carries the whole year.
async fn the_receiving_register_page_goes_by_pages(db: TestDb) {
    let store = db.store.clone();
    let server = saraban_stories::ApiServer::start(db, "password").await;
    let at = chrono::Utc::now();
    received_at_once(&store, 501, at).await;
    let year = saraban_core::BuddhistYear::of(saraban_core::clock::thai_date(at)).get();
    let registrar = server.sign_in("sunee").await;
    let page = |path: String| {
        let (http, root) = (registrar.http.clone(), registrar.root.clone());
        async move {
            let response = http.get(format!("{root}{path}")).send().await.unwrap();
            assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
            response.text().await.unwrap()
        }
    };
    let first = page(format!("/registers?register=received&year={year}")).await;
    assert_eq!(
        first.matches("<tr").count(),
        501,
        "a heading and 500 letters"
    );
    assert!(first.contains("เลขรับที่ ๑ – ๕๐๐"), "the page's range");
    let next = format!("/registers?register=received&amp;year={year}&amp;after=500");
    assert!(first.contains(&next), "a link to the next page");
    let second = page(format!(
        "/registers?register=received&year={year}&after=500"
    ))
    .await;
    assert_eq!(
        second.matches("<tr").count(),
        2,
        "a heading and the last letter"
    );
    assert!(second.contains("เลขรับที่ ๕๐๑ – ๕๐๑"));
    assert!(!second.contains("after=501"), "no page after the last");
    let csv = page(format!("/registers/received/{year}/csv")).await;
    assert_eq!(csv.lines().count(), 502, "the heading and every letter");
}

/// Changing a received original's bytes, or a letter's เลขรับ, by hand in
/// the database: `verify` names each.
async fn a_changed_original_or_number_is_found(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let mut letters = Vec::new();
    for (subject, original) in [
        ("หนังสือฉบับแรก", "letter-short.pdf"),
        ("หนังสือฉบับที่สอง", "letter-full.pdf"),
    ] {
        let file = OriginalFile {
            filename: Some(original.into()),
            bytes: fixture(original),
        };
        letters.push(
            store
                .receive_letter(
                    &org(ORG),
                    &person(REGISTRAR),
                    received(subject),
                    Some(file),
                    thai(2026, 1, 6, 9, 0),
                )
                .await
                .unwrap(),
        );
    }
    holds(store).await;

    // The first original, one byte changed.
    let hash: String = sqlx::query_scalar("SELECT MIN(sha256) FROM enclosure_files")
        .fetch_one(store.pool())
        .await
        .unwrap();
    saraban_stories::tamper_object(
        store,
        ORG,
        saraban_store::ContentKind::Enclosure,
        &hash,
        |mut bytes| {
            let at = bytes.len() / 2;
            bytes[at] ^= 0x20;
            bytes
        },
    )
    .await;
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(
        audit.findings.iter().any(
            |f| f.class == saraban_core::finding::FindingClass::Enclosure
                && f.detail.contains(&hash)
        ),
        "{:#?}",
        audit.findings
    );

    // The second letter's เลขรับ changed from 2 to 7.
    sqlx::query("UPDATE documents SET number = 7 WHERE id = $1")
        .bind(letters[1].id.as_str())
        .execute(store.pool())
        .await
        .unwrap();
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(
        audit.findings.iter().any(|f| f.class
            == saraban_core::finding::FindingClass::ContentModified
            && f.document.as_deref() == Some(letters[1].id.as_str())
            && f.detail.contains("register number")),
        "{:#?}",
        audit.findings
    );
}

/// A circular (หนังสือเวียน) from the province, circulated to seven
/// positions: five of their holders acknowledge it, each once; the page's
/// list shows who has and who has not; someone it did not go to may not.
async fn a_circular_is_acknowledged_by_five_of_seven(db: TestDb) {
    // A seventh position and its holder: the director of public works.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/organisation/wangkrachae.toml"
    ))
    .unwrap();
    let text = format!(
        "{text}\n[[positions]]\nid = \"head-of-works\"\ntitle = \"ผู้อำนวยการกองช่าง\"\n\n\
         [[people]]\nid = \"prasert\"\nname = \"นายประเสริฐ ช่างดี\"\n\
         holds = [{{ position = \"head-of-works\", from = 2020-01-01 }}]\n"
    );
    let mut config = saraban_core::org::OrgConfig::parse_toml(&text).unwrap();
    // Someone who holds none of the positions it goes to.
    let admin = saraban_stories::example_org_with_admin()
        .people
        .pop()
        .unwrap();
    config.people.push(admin);
    let store = &db.store;
    store
        .init_org(&config, None, chrono::Utc::now())
        .await
        .unwrap();
    let at = thai(2026, 2, 2, 10, 0);
    let letter = store
        .receive_letter(
            &org(ORG),
            &person(REGISTRAR),
            received("แจ้งแนวทางการประเมิน ITA ประจำปี"),
            None,
            at,
        )
        .await
        .unwrap();
    let positions: Vec<_> = [
        "legal-assistant",
        "head-of-office",
        "deputy-clerk",
        "clerk",
        "mayor",
        "registrar",
        "head-of-works",
    ]
    .iter()
    .map(|p| saraban_core::org::Slug::parse(p).unwrap())
    .collect();
    // Only the registrar circulates; a circulation names positions.
    let refused = store
        .circulate(
            &org(ORG),
            &person(CLERK),
            &letter.id,
            positions.clone(),
            None,
            at,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "not_your_turn");
    let refused = store
        .circulate(
            &org(ORG),
            &person(REGISTRAR),
            &letter.id,
            Vec::new(),
            None,
            at,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("positions"));
    store
        .circulate(
            &org(ORG),
            &person(REGISTRAR),
            &letter.id,
            positions,
            Some("แจ้งเวียนเพื่อทราบ"),
            at,
        )
        .await
        .unwrap();
    let five = ["chanyurat", "somjai", "somsak", "wilaiwan", "prasert"];
    for (i, who) in five.iter().enumerate() {
        store
            .act(
                &org(ORG),
                &person(who),
                &letter.id,
                A::Acknowledge,
                None,
                thai(2026, 2, 2, 11, i as u32),
            )
            .await
            .unwrap();
    }
    // Once each; and not by whoever it did not go to.
    let again = store
        .act(
            &org(ORG),
            &person("somjai"),
            &letter.id,
            A::Acknowledge,
            None,
            at,
        )
        .await
        .unwrap_err();
    assert_eq!(again.code(), "already_acted");
    let outsider = store
        .act(
            &org(ORG),
            &person("admin"),
            &letter.id,
            A::Acknowledge,
            None,
            at,
        )
        .await
        .unwrap_err();
    assert_eq!(outsider.code(), "not_your_turn");

    let circulation = store
        .circulation(&org(ORG), &letter.id, at.date_naive())
        .await
        .unwrap();
    assert_eq!(circulation.positions.len(), 7);
    let acknowledged: Vec<&str> = circulation
        .acknowledged
        .iter()
        .map(|a| a.person.as_str())
        .collect();
    assert_eq!(acknowledged, five);
    let mut waiting: Vec<&str> = circulation
        .waiting
        .iter()
        .map(|w| w.person.as_str())
        .collect();
    waiting.sort_unstable();
    assert_eq!(waiting, ["kanok", "sunee"]);
    holds(store).await;
}

/// The reply closes the letter: the head of office, to whom the mayor
/// assigned the district office's letter, drafts a letter that cites it
/// (อ้างถึง) and answers it (`in_reply_to`); once the reply is issued the
/// register shows the letter answered, with the reply's number, and no
/// longer overdue; the reply's PDF cites the letter. A reply may answer
/// only a received letter.
async fn a_reply_answers_the_letter(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let office = Office::new(store, ORG);
    let mut content = letter("ขอให้รายงานผลการประเมิน ITA");
    content["due"] = json!("2026-01-15");
    let letter = store
        .receive_letter(
            &org(ORG),
            &person(REGISTRAR),
            Received::from_value(content).unwrap(),
            None,
            thai(2026, 1, 6, 9, 0),
        )
        .await
        .unwrap();
    let id = letter.id.clone();
    office
        .act(
            REGISTRAR,
            &id,
            A::Submit,
            Some("เรียน ปลัด อบต."),
            thai(2026, 1, 6, 10, 0),
        )
        .await
        .unwrap();
    office
        .act(
            CLERK,
            &id,
            A::Endorse,
            Some("เรียน นายก อบต."),
            thai(2026, 1, 6, 11, 0),
        )
        .await
        .unwrap();
    store
        .act_assigning(
            &org(ORG),
            &person(MAYOR),
            &id,
            A::Sign,
            Some("มอบสำนักปลัดตอบ"),
            Some(Assignment {
                to: saraban_core::org::Slug::parse("head-of-office").unwrap(),
                due: NaiveDate::from_ymd_opt(2026, 1, 15),
            }),
            thai(2026, 1, 6, 14, 0),
        )
        .await
        .unwrap();

    let citation = "หนังสือที่ว่าการอำเภอเมืองตราด ที่ ตร ๐๐๒๓.๓/ว ๑๒๓ ลงวันที่ ๕ มกราคม ๒๕๖๙";
    let mut reply = saraban_stories::example_content("letter-ita-report-2568.toml");
    reply["references"] = json!([citation]);
    reply["in_reply_to"] = json!(id.as_str());
    // Only a received letter is answered.
    let mut wrong = reply.clone();
    wrong["in_reply_to"] = json!(uuid::Uuid::now_v7().to_string());
    let refused = office
        .draft(HEAD, wrong, thai(2026, 1, 7, 9, 0))
        .await
        .unwrap_err();
    assert_eq!(refused.field().as_deref(), Some("in_reply_to"));
    let drafted = office
        .draft(HEAD, reply, thai(2026, 1, 7, 9, 0))
        .await
        .unwrap();
    let answer = drafted.id.clone();
    let steps = [
        (HEAD, A::Submit),
        (HEAD, A::Endorse),
        (CLERK, A::Endorse),
        (MAYOR, A::Sign),
        (REGISTRAR, A::Issue),
    ];
    for (minute, (who, action)) in steps.into_iter().enumerate() {
        office
            .act(
                who,
                &answer,
                action,
                None,
                thai(2026, 1, 8, 9, minute as u32),
            )
            .await
            .unwrap_or_else(|e| panic!("{who} {action:?}: {e}"));
    }
    let replies = store.replies(&org(ORG), &id).await.unwrap();
    assert_eq!(replies.len(), 1);
    assert!(replies[0].issued());
    let number = replies[0].printed_number.clone().unwrap();
    assert!(number.starts_with("ที่ ตร ๗๑๐๐๑/"), "{number}");

    let register = store
        .received_register(
            &org(ORG),
            saraban_core::BuddhistYear::new(2569).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        register[0].action.as_deref(),
        Some(format!("ตอบแล้ว {number}").as_str())
    );
    assert!(!register[0].overdue, "{:?}", register[0]);
    let pdf = store.issued_pdf(&org(ORG), &answer).await.unwrap().unwrap();
    let text = pdf_text(&pdf).replace(['\n', ' '], "");
    assert!(text.contains("ตร๐๐๒๓.๓/ว๑๒๓"), "{text}");
    holds(store).await;
}

/// A letter marked ด่วนที่สุด goes from the registrar straight to the
/// mayor (the route's `urgent_skips_review`); one marked ด่วน goes to the
/// ปลัด first. The log replays both.
async fn a_most_urgent_letter_skips_the_review(db: TestDb) {
    start(&db).await;
    let store = &db.store;
    let office = Office::new(store, ORG);
    let mut most = letter("ขอข้อมูลผู้ประสบภัยน้ำท่วมด่วนที่สุด");
    most["urgency"] = json!("ด่วนที่สุด");
    let mut ids = Vec::new();
    for content in [most, letter("ขอเชิญประชุมประจำเดือน")]
    {
        let received = store
            .receive_letter(
                &org(ORG),
                &person(REGISTRAR),
                Received::from_value(content).unwrap(),
                None,
                thai(2026, 1, 6, 9, 0),
            )
            .await
            .unwrap();
        let submitted = office
            .act(
                REGISTRAR,
                &received.id,
                A::Submit,
                None,
                thai(2026, 1, 6, 9, 5),
            )
            .await
            .unwrap();
        ids.push((received.id, submitted.document.state));
    }
    assert_eq!(ids[0].1, "awaiting_signature");
    assert_eq!(ids[1].1, "in_review");
    office
        .act(
            MAYOR,
            &ids[0].0,
            A::Sign,
            Some("ทราบ ดำเนินการทันที"),
            thai(2026, 1, 6, 9, 30),
        )
        .await
        .unwrap();
    replayed(store, ids[0].0.as_str()).await;
    holds(store).await;
}

stories!(
    a_pdf_letter_is_received_ordered_and_closed,
    a_paper_letter_is_recorded_by_its_fields,
    three_scanned_pages_become_one_letter,
    bad_files_are_refused_and_nothing_is_stored,
    sixty_four_letters_at_once_are_numbered_without_a_gap,
    a_changed_original_or_number_is_found,
    a_circular_is_acknowledged_by_five_of_seven,
    a_reply_answers_the_letter,
    a_most_urgent_letter_skips_the_review,
    the_receiving_register_page_goes_by_pages,
);
