//! Search (issue 18), over the HTTP API on SQLite and PostgreSQL: Thai
//! substrings and compounds, Thai and Arabic digits either way, the
//! register number's forms, a received letter by its sender's number, a
//! person by name; a secret letter found only by those it names, tried
//! as every person of the example organisation, and never by another
//! organisation's people, whose counts say nothing of it either; the
//! index `reindex` rebuilds equals the one the transitions kept.

use reqwest::StatusCode;
use saraban_core::incoming::Received;
use saraban_core::org::{OrgConfig, Slug};
use saraban_core::workflow::RouteAction as A;
use saraban_stories::{ApiClient, ApiServer, Office, TestDb, doc_id, example_content, org, person};
use saraban_stories::{stories, thai};
use serde_json::{Value, json};
use sqlx::Row;

const ORG: &str = "wangkrachae";
const OTHER: &str = "other-org";
const PASSWORD: &str = "saraban-demo";

fn config(id: &str) -> OrgConfig {
    let mut config = saraban_stories::example_org_with_admin();
    config.organisation.id = Slug::parse(id).unwrap();
    config
}

async fn start(db: TestDb) -> ApiServer {
    ApiServer::start_with(db, &[config(ORG), config(OTHER)], PASSWORD).await
}

/// The ids and `matched` of what `client` finds for `q` (and the total).
async fn find(client: &ApiClient, q: &str) -> (u64, Vec<(String, String)>) {
    let address = format!(
        "/search?q={}",
        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
    );
    let (status, body) = client.get(&address).await;
    assert_eq!(status, StatusCode::OK, "{q}: {body}");
    let hits = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            (
                hit["id"].as_str().unwrap().to_owned(),
                hit["matched"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (body["total"].as_u64().unwrap(), hits)
}

fn ids(hits: &[(String, String)]) -> Vec<&str> {
    hits.iter().map(|(id, _)| id.as_str()).collect()
}

/// `content` through the order route at `at` (so numbered in its year).
async fn issued_order(
    office: &Office<'_>,
    content: Value,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let id = office.draft("chanyurat", content, at).await.unwrap().id;
    for (who, action) in [
        ("chanyurat", A::Submit),
        ("somjai", A::Endorse),
        ("wilaiwan", A::Endorse),
        ("kanok", A::Sign),
        ("sunee", A::Issue),
    ] {
        office.act(who, &id, action, None, at).await.unwrap();
    }
    id.to_string()
}

fn letter(their_number: &str, subject: &str, secrecy: Option<&str>) -> Received {
    let mut content = json!({
        "format": "saraban/1",
        "kind": "incoming",
        "their_number": their_number,
        "date": "2026-01-05",
        "from": "ที่ว่าการอำเภอเมืองตราด",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "subject": subject,
    });
    if let Some(level) = secrecy {
        content["secrecy"] = json!(level);
    }
    Received::from_value(content).unwrap()
}

/// Every row of the search table, in order, as text.
async fn search_table(server: &ApiServer) -> Vec<String> {
    sqlx::query(
        "SELECT org_id, document_id, kind, register_id, year, number, dated, urgency, secrecy, title, subject, numbers, text, readers
         FROM search_documents ORDER BY org_id, document_id",
    )
    .fetch_all(server.store.pool())
    .await
    .unwrap()
    .iter()
    .map(|row| {
        let text = |c: &str| row.try_get::<Option<String>, _>(c).unwrap().unwrap_or_default();
        let number = |c: &str| row.try_get::<Option<i64>, _>(c).unwrap().unwrap_or_default();
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            text("org_id"),
            text("document_id"),
            text("kind"),
            text("register_id"),
            number("year"),
            number("number"),
            text("dated"),
            text("urgency"),
            text("secrecy"),
            text("title"),
            text("subject"),
            text("numbers"),
            text("text"),
            text("readers"),
        )
    })
    .collect()
}

async fn thai_text_digits_numbers_and_names_are_found(db: TestDb) {
    let server = start(db).await;
    let store = &server.store;
    let office = Office::new(store, ORG);
    // The ITA report memo, in review.
    let memo = office
        .draft(
            "chanyurat",
            example_content("ita-report-2568.toml"),
            thai(2025, 4, 9, 9, 0),
        )
        .await
        .unwrap()
        .id;
    office
        .act("chanyurat", &memo, A::Submit, None, thai(2025, 4, 9, 9, 5))
        .await
        .unwrap();
    let memo = memo.to_string();
    // Order ๔๙๐/๒๕๖๗: the register starts 2567 at 489, so the second.
    let at = thai(2024, 8, 1, 10, 0);
    let mut first = example_content("order-490-2567.toml");
    first["subject"] = json!("แต่งตั้งคณะกรรมการตรวจรับพัสดุ");
    let first = issued_order(&office, first, at).await;
    let order = issued_order(&office, example_content("order-490-2567.toml"), at).await;
    // A memo whose subject has Arabic digits.
    let mut arabic = example_content("ita-report-2568.toml");
    arabic["subject"] = json!("ขออนุมัติจัดซื้อครุภัณฑ์ตามโครงการที่ 1234");
    let arabic = office
        .draft("chanyurat", arabic, thai(2025, 5, 1, 9, 0))
        .await
        .unwrap()
        .id
        .to_string();
    // A letter from the district, with its sender's number.
    let received = store
        .receive_letter(
            &org(ORG),
            &person("sunee"),
            letter("ตร ๐๐๒๓.๓/ว ๗๗๑", "ขอเชิญประชุมประจำเดือน", None),
            None,
            thai(2026, 1, 6, 9, 30),
        )
        .await
        .unwrap()
        .id
        .to_string();

    let clerk = server.sign_in("wilaiwan").await;
    // Thai substrings, inside compounds.
    let (_, hits) = find(&clerk, "งบประมาณ").await;
    assert!(ids(&hits).contains(&memo.as_str()), "{hits:?}");
    assert!(ids(&hits).contains(&order.as_str()), "{hits:?}");
    let (_, hits) = find(&clerk, "คุณธรรม").await;
    assert!(ids(&hits).contains(&memo.as_str()), "{hits:?}");
    // Zero-width marks in the query are nothing.
    let (_, hits) = find(&clerk, "งบ\u{200B}ประมาณ").await;
    assert!(ids(&hits).contains(&memo.as_str()), "{hits:?}");
    // Arabic digits find Thai ones, and the reverse.
    let (_, hits) = find(&clerk, "พ.ศ. 2568").await;
    assert!(ids(&hits).contains(&memo.as_str()), "{hits:?}");
    let (_, hits) = find(&clerk, "โครงการที่ ๑๒๓๔").await;
    assert_eq!(ids(&hits), [arabic.as_str()], "{hits:?}");
    // The register number, each way it is typed: the order first.
    for q in ["๔๙๐/๒๕๖๗", "490/2567", "ที่ 490/2567", "490"] {
        let (_, hits) = find(&clerk, q).await;
        assert_eq!(
            hits.first(),
            Some(&(order.clone(), "number".into())),
            "{q}: {hits:?}"
        );
        assert!(
            !ids(&hits).contains(&first.as_str()) || q == "490",
            "{q}: {hits:?}"
        );
    }
    let (_, hits) = find(&clerk, "489/2567").await;
    assert_eq!(hits.first().map(|h| h.0.as_str()), Some(first.as_str()));
    // The sender's number, in either digits, whole or in part.
    for q in ["ตร ๐๐๒๓.๓/ว ๗๗๑", "0023.3/ว 771", "ว ๗๗๑"] {
        let (_, hits) = find(&clerk, q).await;
        assert_eq!(
            hits.first().map(|h| h.0.as_str()),
            Some(received.as_str()),
            "{q}: {hits:?}"
        );
    }
    // People by name: the drafter's, and the mayor who signed the order.
    let (_, hits) = find(&clerk, "ฉัญญุรัตน์").await;
    assert!(ids(&hits).contains(&memo.as_str()) && ids(&hits).contains(&order.as_str()));
    let (_, hits) = find(&clerk, "กนก ใจรักษ์").await;
    assert!(ids(&hits).contains(&order.as_str()), "{hits:?}");
    // A query under three characters still finds, by a scan.
    let (_, hits) = find(&clerk, "49").await;
    assert!(ids(&hits).contains(&order.as_str()), "{hits:?}");
    // Filters: kind, state, year, and a subject match ranking before body.
    let (status, body) = clerk.get("/search?q=%E0%B8%87%E0%B8%9A%E0%B8%9B%E0%B8%A3%E0%B8%B0%E0%B8%A1%E0%B8%B2%E0%B8%93&kind=order&year=2567&state=issued").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let kinds: Vec<&str> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| *k == "order"),
        "{body}"
    );
    let (status, body) = clerk.get("/search?q=abc&year=twenty").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "year", "{body}");
    let (status, body) = clerk.get("/search?q=%E2%80%8B").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "q", "{body}");
    // The snippet marks what matched.
    let (_, body) = clerk
        .get("/search?q=%E0%B8%84%E0%B8%B8%E0%B8%93%E0%B8%98%E0%B8%A3%E0%B8%A3%E0%B8%A1")
        .await;
    let hit = &body["hits"][0];
    assert!(
        hit["snippet"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["matched"] == true && p["text"] == "คุณธรรม"),
        "{hit}"
    );
    // The page: the box in the frame, the results with <mark>.
    let page = clerk
        .html("/search?q=%E0%B8%84%E0%B8%B8%E0%B8%93%E0%B8%98%E0%B8%A3%E0%B8%A3%E0%B8%A1")
        .await;
    assert!(page.contains("<mark>คุณธรรม</mark>"), "{page}");
    assert!(page.contains("role=\"search\""), "the header's box");
    let inbox = clerk.html("/inbox").await;
    assert!(inbox.contains("action=\"/search\""), "on every page");

    // A changed name is found on the documents of its person.
    let mut renamed = config(ORG);
    let mayor = renamed
        .people
        .iter_mut()
        .find(|p| p.id.as_str() == "kanok")
        .unwrap();
    mayor.name = saraban_core::text::Line::parse("นายกนก ใจรักษ์ดียิ่ง").unwrap();
    store
        .init_org(&renamed, None, chrono::Utc::now())
        .await
        .unwrap();
    let (_, hits) = find(&clerk, "ใจรักษ์ดียิ่ง").await;
    assert!(ids(&hits).contains(&order.as_str()), "{hits:?}");

    // The index kept by the transitions is the one rebuilt from the records.
    let kept = search_table(&server).await;
    assert!(kept.len() >= 5, "{kept:?}");
    let report = store.reindex(None).await.unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!(search_table(&server).await, kept);
    if store.backend() == saraban_store::Backend::Postgres {
        // The planner is told of the rewritten rows at once.
        let analysed: bool = sqlx::query_scalar(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'search_documents'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(analysed, "reindex analyses the search table");
    }
    let (_, hits) = find(&clerk, "คุณธรรม").await;
    assert!(
        ids(&hits).contains(&memo.as_str()),
        "still found after reindex"
    );

    // verify holds the table to the rebuild: a changed row is a projection
    // mismatch naming the column.
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(audit.holds(), "{:?}", audit.findings);
    for sql in [
        "UPDATE search_documents SET text = 'ซ่อนไว้' WHERE document_id = $1",
        "UPDATE search_documents SET readers = ' person:somsak ' WHERE document_id = $1",
    ] {
        sqlx::query(sql)
            .bind(&memo)
            .execute(store.pool())
            .await
            .unwrap();
    }
    let audit = store.audit(&org(ORG)).await.unwrap();
    let found: Vec<String> = audit.findings.iter().map(|f| f.detail.clone()).collect();
    assert_eq!(
        found,
        ["its search row differs from the rebuild in text, readers"],
        "{found:?}"
    );
    assert_eq!(
        audit.findings[0].class,
        saraban_store::FindingClass::Projection
    );
    store.reindex(Some(&org(ORG))).await.unwrap();
    assert!(store.audit(&org(ORG)).await.unwrap().holds());
    let (_, hits) = find(&clerk, "ซ่อนไว้").await;
    assert!(
        hits.is_empty(),
        "the tampered text is gone from the index too"
    );

    // Another organisation's people find none of it, not even a count.
    let stranger = server.sign_in_to(OTHER, "wilaiwan").await;
    for q in ["คุณธรรม", "490", "ฉัญญุรัตน์", "0023.3"] {
        assert_eq!(find(&stranger, q).await, (0, Vec::new()), "{q}");
    }

    // The newest rows and the trigram index find alike: a store whose
    // window is one row finds nearly everything through the index, one of
    // 16 rows samples 2 and goes to the index for what they hold seldom,
    // LIKE wildcards and its escape taken literally in each.
    let mut marked = example_content("ita-report-2568.toml");
    marked["subject"] = json!("ผลการเบิกจ่าย 50% ของแผน_ก (ดู\\ภาคผนวก)");
    let marked = office
        .draft("chanyurat", marked, thai(2025, 6, 2, 9, 0))
        .await
        .unwrap()
        .id
        .to_string();
    let reader = reader_of(store, "wilaiwan").await;
    let narrow = store.clone().with_search_window(1);
    let sampled = store.clone().with_search_window(16);
    for q in [
        "งบประมาณ",
        "คุณธรรม",
        "1234",
        "490",
        "ว ๗๗๑",
        "ประชุม",
        "0%",
        "%",
        "_",
        "\\",
        "แผน_ก",
        "ฉัญญุรัตน์",
    ] {
        let query = saraban_store::SearchQuery {
            text: q.to_owned(),
            limit: 100,
            ..Default::default()
        };
        let found = |results: saraban_store::SearchResults| {
            let ids: Vec<String> = results.hits.iter().map(|h| h.id.to_string()).collect();
            (results.total, ids)
        };
        let windowed = found(store.search(&reader, &query).await.unwrap());
        let indexed = found(narrow.search(&reader, &query).await.unwrap());
        assert_eq!(windowed, indexed, "{q}");
        let after_sample = found(sampled.search(&reader, &query).await.unwrap());
        assert_eq!(windowed, after_sample, "{q}");
        if matches!(q, "0%" | "%") {
            assert!(windowed.1.contains(&marked), "{q}: {windowed:?}");
        }
        if matches!(q, "_" | "\\" | "แผน_ก") {
            assert_eq!(
                windowed.1,
                std::slice::from_ref(&marked),
                "{q} is taken literally"
            );
        }
    }
}

/// What `person` of `ORG` searches as: their positions today.
async fn reader_of(store: &saraban_store::Store, who: &str) -> saraban_store::Account {
    let positions = store
        .positions_of(&org(ORG), &person(who), chrono::Utc::now())
        .await
        .unwrap();
    saraban_store::Account {
        org: org(ORG),
        person: person(who),
        name: String::new(),
        is_admin: false,
        positions,
    }
}

async fn a_secret_letter_is_found_only_by_those_it_names(db: TestDb) {
    let server = start(db).await;
    let store = &server.store;
    let subject = "ขอความร่วมมือตรวจสอบข้อร้องเรียนโครงการถนนลาดยาง";
    let secret = store
        .receive_letter(
            &org(ORG),
            &person("sunee"),
            letter("ตร ๐๐๑๗/ล ๕๕", subject, Some("ลับ")),
            None,
            thai(2026, 1, 6, 9, 30),
        )
        .await
        .unwrap()
        .id
        .to_string();
    // Sent up to the clerk: the route (registrar, clerk, mayor) may read.
    Office::new(store, ORG)
        .act(
            "sunee",
            &doc_id(&secret),
            A::Submit,
            None,
            thai(2026, 1, 6, 9, 40),
        )
        .await
        .unwrap();
    let permitted = ["sunee", "wilaiwan", "kanok"];
    for person in config(ORG).people {
        let name = person.id.as_str();
        let client = server.sign_in(name).await;
        let (status, body) = client
            .get("/search?q=%E0%B8%A5%E0%B8%B2%E0%B8%94%E0%B8%A2%E0%B8%B2%E0%B8%87")
            .await;
        if person.holds.is_empty() {
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{name} holds no position: {body}"
            );
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let found: Vec<&str> = body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap())
            .collect();
        if permitted.contains(&name) {
            assert_eq!(found, [secret.as_str()], "{name} may find it");
            assert_eq!(body["total"], 1, "{name}");
            assert_eq!(body["hits"][0]["secrecy"], "ลับ");
        } else {
            assert!(found.is_empty(), "{name} may not find it: {body}");
            assert_eq!(body["total"], 0, "{name}: no count of it either");
        }
        // Nor by its sender's number.
        let (total, _) = find(&client, "0017/ล 55").await;
        assert_eq!(total, u64::from(permitted.contains(&name)), "{name}");
    }
    for person in ["sunee", "wilaiwan", "kanok"] {
        let stranger = server.sign_in_to(OTHER, person).await;
        assert_eq!(
            find(&stranger, "ลาดยาง").await,
            (0, Vec::new()),
            "{person} of {OTHER}"
        );
    }
}

stories!(
    thai_text_digits_numbers_and_names_are_found,
    a_secret_letter_is_found_only_by_those_it_names,
);
