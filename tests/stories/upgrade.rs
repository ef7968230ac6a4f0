//! The upgrade story: databases written by round 1 (commit c36a838, schema
//! migrations 0001–0005; `tests/fixtures/round1`, made by its `make.sh`)
//! are opened by this code, which applies its own migrations, and must
//! still hold everything, unchanged: every organisation's audit (what
//! `saraban verify` runs) finds nothing, no record is lost, and the hashed
//! event bytes are byte for byte what round 1 wrote. Then the demo people
//! sign in with their round-1 passwords and carry on, and the records
//! still hold. On SQLite (a copy of the fixture file) and PostgreSQL (the
//! fixture's dump loaded into a fresh database).

use saraban_stories::PdfOf;
use saraban_stories::{org, person};
use std::path::{Path, PathBuf};

use chrono::Utc;
use saraban_core::ledger::sha256_hex;
use saraban_core::workflow::RouteAction as A;
use saraban_stories::saraban_store::{self, SignInError, Store};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

const ORG: &str = "wangkrachae";
/// Every demo person's password in round 1 …
const PASSWORD: &str = "saraban-demo";
/// … but somsak's, which he changed.
const SOMSAK_PASSWORD: &str = "saraban-round1";

/// What round 1 left in the fixtures (see tests/fixtures/round1/README.md).
const DOCUMENTS_BY_STATE: [(&str, i64); 9] = [
    ("archived", 1),
    ("awaiting_signature", 1),
    ("cancelled", 1),
    ("draft", 2),
    ("in_review", 1),
    ("issued", 2),
    ("returned", 1),
    ("signed", 1),
    ("withdrawn", 1),
];
/// The memo left signed, and the draft, that the story takes further.
const SIGNED_SUBJECT: &str = "ขอความเห็นชอบโครงการอบรมเจ้าหน้าที่";
const DRAFT_SUBJECT: &str = "ร่าง ขออนุมัติจ้างเหมาทำความสะอาด";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/round1")
}

/// A folder of the story's own, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("saraban-upgrade-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies a fixture's key folder (the organisation's checkpoint key and its
/// filed notes), which the new code appends to, away from the checked-in one.
fn copy_keys(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The checkpoint notes round 1 filed beside the key, as a verifier who
/// kept them would hand them to `saraban verify --checkpoint`.
fn filed_notes(keys: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(keys.join(format!("{ORG}.checkpoints"))).unwrap();
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let filed: serde_json::Value = serde_json::from_str(line).unwrap();
            filed["note"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Everything the records are, read with plain SQL: each row of the tables
/// that must survive, reduced to text (blobs by their SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    by_state: Vec<(String, i64)>,
    /// Per table, its rows in key order.
    tables: Vec<(&'static str, Vec<String>)>,
}

/// A column's value as text: text as it is (a time as its instant, to the
/// microsecond), an integer in decimal, a blob by its SHA-256.
fn value(row: &AnyRow, i: usize) -> String {
    if let Ok(text) = row.try_get::<Option<String>, _>(i) {
        text.map_or_else(|| "NULL".into(), |text| instant(&text).unwrap_or(text))
    } else if let Ok(number) = row.try_get::<i64, _>(i) {
        number.to_string()
    } else {
        let bytes: Vec<u8> = row
            .try_get(i)
            .unwrap_or_else(|error| panic!("column {i}: {error}"));
        format!("sha256:{}", sha256_hex(&bytes))
    }
}

/// A time as round 1 wrote it (RFC 3339 text) or as PostgreSQL gives a
/// `TIMESTAMPTZ` cast to text ("2025-04-13 08:00:00.123456+00"), as one
/// instant in UTC to the microsecond: the upgrade keeps instants, and
/// PostgreSQL keeps microseconds.
fn instant(text: &str) -> Option<String> {
    use chrono::SubsecRound;
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .ok()?;
    Some(
        at.with_timezone(&Utc)
            .trunc_subsecs(6)
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    )
}

/// Each table that must survive, the columns kept, and their order.
const TABLES: [(&str, &str, &str); 10] = [
    (
        "events",
        "org_id, seq, bytes, prev_hash, hash, document_id, kind, actor_signature",
        "org_id, seq",
    ),
    (
        "documents",
        "org_id, id, kind, state, CAST(step AS BIGINT), CAST(round AS BIGINT), drafter_id, \
         CAST(route_version AS BIGINT), CAST(version AS BIGINT), @content, content_hash, \
         register_id, CAST(year AS BIGINT), CAST(number AS BIGINT), pdf_hash, \
         CAST(cancelled_at AS TEXT), CAST(created_at AS TEXT), CAST(updated_at AS TEXT), verify_code",
        "org_id, id",
    ),
    (
        "document_versions",
        "org_id, document_id, CAST(version AS BIGINT), content, content_hash, author_id, \
         CAST(created_at AS TEXT)",
        "org_id, document_id, version",
    ),
    (
        "actions",
        "org_id, seq, document_id, CAST(round AS BIGINT), CAST(step AS BIGINT), kind, \
         position_id, actor_id, standing, text, CAST(at AS TEXT)",
        "org_id, seq",
    ),
    ("pdfs", "sha256, bytes", "sha256"),
    (
        "checkpoints",
        "org_id, CAST(size AS BIGINT), root, note, CAST(made_at AS TEXT)",
        "org_id, size",
    ),
    (
        "accounts",
        "org_id, person_id, password_hash",
        "org_id, person_id",
    ),
    (
        "person_keys",
        "org_id, person_id, verifier_key, sealed_seed, salt",
        "org_id, person_id",
    ),
    ("organisations", "id, config_hash, verifier_key", "id"),
    (
        "register_counters",
        "org_id, register_id, CAST(year AS BIGINT), CAST(next_number AS BIGINT)",
        "org_id, register_id, year",
    ),
];

async fn snapshot(conn: &mut AnyConnection, url: &str) -> Snapshot {
    let by_state = sqlx::query(
        "SELECT state, COUNT(*) FROM documents WHERE org_id = $1 GROUP BY state ORDER BY state",
    )
    .bind(ORG)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get::<String, _>(0), row.get::<i64, _>(1)))
    .collect();
    let moved_contents = sqlx::query("SELECT 1 FROM document_contents LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .is_ok();
    let mut tables = Vec::new();
    for (table, columns, order) in TABLES {
        if table == "pdfs" {
            tables.push((table, pdf_rows(conn, url).await));
            continue;
        }
        // A document's content is in its row up to migration 0019/0023,
        // in `document_contents` after.
        let content = if moved_contents {
            "(SELECT c.content FROM document_contents c WHERE c.org_id = documents.org_id AND c.document_id = documents.id)"
        } else {
            "content"
        };
        let columns = columns.replace("@content", content);
        let sql = format!("SELECT {columns} FROM {table} ORDER BY {order}");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_else(|error| panic!("reading {table}: {error}"));
        let rows = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| value(row, i))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        tables.push((table, rows));
    }
    Snapshot { by_state, tables }
}

/// The issued PDFs, each as its hash and the hash of its bytes: in the
/// database before the upgrade (round 1's `pdfs.bytes`), in the content
/// store after it (sqlite 0014, postgres 0015 moved them out).
async fn pdf_rows(conn: &mut AnyConnection, url: &str) -> Vec<String> {
    let in_database = sqlx::query("SELECT sha256, bytes FROM pdfs ORDER BY sha256")
        .fetch_all(&mut *conn)
        .await;
    if let Ok(rows) = in_database {
        return rows
            .iter()
            .map(|row| format!("{} | {}", value(row, 0), value(row, 1)))
            .collect();
    }
    let content = saraban_stories::content_store(url);
    let mut out = Vec::new();
    for row in sqlx::query("SELECT org_id, sha256 FROM pdfs ORDER BY sha256")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
    {
        let (org, sha): (String, String) = (row.get(0), row.get(1));
        let bytes = content
            .get(&org, saraban_store::ContentKind::Pdf, &sha)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("the PDF {sha} is in the content store"));
        out.push(format!("{sha} | sha256:{}", sha256_hex(&bytes)));
    }
    out
}

impl Snapshot {
    fn rows(&self, table: &str) -> &[String] {
        &self
            .tables
            .iter()
            .find(|(name, _)| *name == table)
            .expect("a table of the snapshot")
            .1
    }

    /// Panics naming the first row that differs, if any.
    fn assert_same(&self, other: &Snapshot, when: &str) {
        assert_eq!(self.by_state, other.by_state, "documents by state {when}");
        for ((table, before), (_, after)) in self.tables.iter().zip(&other.tables) {
            assert_same_rows(table, before, after, when);
        }
    }
}

fn assert_same_rows(table: &str, before: &[String], after: &[String], when: &str) {
    for (i, (before, after)) in before.iter().zip(after).enumerate() {
        assert_eq!(before, after, "{table}, row {i}, {when}");
    }
    assert_eq!(
        before.len(),
        after.len(),
        "{table}: the number of rows {when}"
    );
}

/// What round 1 wrote, as the fixture holds it (read before the new code
/// opens the database).
fn check_fixture(fixture: &Snapshot) {
    let expected: Vec<(String, i64)> = DOCUMENTS_BY_STATE
        .iter()
        .map(|(state, n)| ((*state).to_owned(), *n))
        .collect();
    assert_eq!(fixture.by_state, expected, "the fixture's documents");
    for table in [
        "events",
        "checkpoints",
        "accounts",
        "person_keys",
        "pdfs",
        "actions",
    ] {
        assert!(!fixture.rows(table).is_empty(), "the fixture has {table}");
    }
    assert!(
        fixture
            .rows("events")
            .iter()
            .any(|row| !row.ends_with("| NULL")),
        "the fixture has approvals signed with a person's key"
    );
}

/// The audit `saraban verify` runs, for every organisation, also against
/// the notes round 1 filed: each must hold.
async fn assert_verify_holds(store: &Store, notes: &[String], when: &str) -> u64 {
    let orgs = store.organisation_ids().await.unwrap();
    assert_eq!(orgs, [ORG], "the organisations {when}");
    let audit = store.audit_against(&org(ORG), notes).await.unwrap();
    assert!(
        audit.holds(),
        "verify {when}: {} findings:\n{}",
        audit.findings.len(),
        audit
            .findings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    audit.events
}

/// The one document of `state` whose subject is `subject`.
async fn document(store: &Store, state: &str, subject: &str) -> saraban_core::DocumentId {
    let found: Vec<_> = store
        .list_documents(&org(ORG), Some(state), 100, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.subject == subject)
        .collect();
    assert_eq!(found.len(), 1, "one {state} document '{subject}'");
    found[0].id.clone()
}

/// Opens the round-1 database at `url` with this code and checks it;
/// `keys` is a copy of the fixture's key folder.
async fn upgrade(url: &str, keys: &Path) {
    sqlx::any::install_default_drivers();
    let notes = filed_notes(keys);

    // Round 1's records, before this code touches them.
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let fixture = snapshot(&mut conn, url).await;
    for table in ["sessions", "idempotency_keys"] {
        let rows: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert!(rows > 0, "the fixture has {table}");
    }
    conn.close().await.unwrap();
    check_fixture(&fixture);

    // This code opens it, migrating; nothing changes.
    let store = saraban_stories::open_store(url)
        .await
        .expect("the new code opens round 1");
    store.use_key_folder(keys).unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let opened = snapshot(&mut conn, url).await;
    drop(conn);
    fixture.assert_same(&opened, "after the upgrade");
    let events = assert_verify_holds(&store, &notes, "after the upgrade").await;
    assert_eq!(events as usize, fixture.rows("events").len());

    // The demo people sign in with their round-1 passwords; their approval
    // keys, sealed under those passwords, open (no new key is made).
    for (person, password) in [
        ("chanyurat", PASSWORD),
        ("somjai", PASSWORD),
        ("sunee", PASSWORD),
        ("somsak", SOMSAK_PASSWORD),
    ] {
        store
            .sign_in(ORG, person, password, false, Utc::now())
            .await
            .unwrap_or_else(|error| panic!("{person} signs in after the upgrade: {error}"));
    }
    assert!(matches!(
        store
            .sign_in(ORG, "somsak", PASSWORD, false, Utc::now())
            .await,
        Err(SignInError::Wrong)
    ));
    store.ensure_signing_key(&org(ORG)).await.unwrap();

    // And carry on: the draft is submitted and endorsed (signed with the
    // round-1 key), the signed memo issued with the register's next number.
    let now = Utc::now();
    let draft = document(&store, "draft", DRAFT_SUBJECT).await;
    store
        .act(
            &org(ORG),
            &person("chanyurat"),
            &draft,
            A::Submit,
            None,
            now,
        )
        .await
        .unwrap();
    store
        .act(
            &org(ORG),
            &person("somjai"),
            &draft,
            A::Endorse,
            Some("เพื่อโปรดพิจารณา"),
            now,
        )
        .await
        .unwrap();
    let signed = document(&store, "signed", SIGNED_SUBJECT).await;
    let issued = store
        .act(&org(ORG), &person("sunee"), &signed, A::Issue, None, now)
        .await
        .unwrap()
        .document;
    assert_eq!(issued.state, "issued");
    let year = issued.year.unwrap();
    let numbers: Vec<i64> = store
        .register_entries(&org(ORG), "memo", year as i32)
        .await
        .unwrap()
        .iter()
        .map(|entry| entry.number)
        .collect();
    assert_eq!(
        numbers,
        (1..=numbers.len() as i64).collect::<Vec<_>>(),
        "the memo register {year} continues without a gap"
    );
    assert_eq!(issued.number, Some(numbers.len() as i64), "the next number");
    assert!(
        store
            .pdf(&org(ORG), &signed)
            .await
            .unwrap()
            .starts_with(b"%PDF-")
    );

    let mut conn = store.pool().acquire().await.unwrap();
    let after = snapshot(&mut conn, url).await;
    drop(conn);
    let kept = fixture.rows("events");
    assert_same_rows(
        "events",
        kept,
        &after.rows("events")[..kept.len().min(after.rows("events").len())],
        "after new actions",
    );
    assert_eq!(
        after.rows("events").len(),
        kept.len() + 3,
        "three new events, and no new person key"
    );
    assert_eq!(
        after.rows("person_keys"),
        fixture.rows("person_keys"),
        "the approval keys stay as round 1 sealed them"
    );
    assert_eq!(
        after.rows("documents").len(),
        fixture.rows("documents").len()
    );
    let events = assert_verify_holds(&store, &notes, "after new actions").await;
    assert_eq!(events as usize, kept.len() + 3);
    store.close().await;

    // Opened again, nothing is migrated twice and everything still holds.
    let store = saraban_stories::open_store(url)
        .await
        .expect("opened again");
    store.use_key_folder(keys).unwrap();
    assert_verify_holds(&store, &notes, "opened again").await;
    let mut conn = store.pool().acquire().await.unwrap();
    after.assert_same(&snapshot(&mut conn, url).await, "opened again");
    drop(conn);

    // Published documents (sqlite 0008, postgres 0009): round 1 published
    // nothing, so its board is empty; its archived and cancelled orders
    // may not go on it, nor may a memo. The refusals change nothing.
    let board = store
        .board(&org(ORG), &Default::default())
        .await
        .unwrap()
        .expect("the organisation's board");
    assert!(board.entries.is_empty(), "{:?}", board.entries);
    for (state, refused) in [
        ("archived", "wrong_state"),
        ("cancelled", "wrong_state"),
        ("issued", "not_publishable"),
    ] {
        for found in store
            .list_documents(&org(ORG), Some(state), 100, None)
            .await
            .unwrap()
        {
            let error = store
                .act(
                    &org(ORG),
                    &person("sunee"),
                    &found.id,
                    A::Publish,
                    None,
                    Utc::now(),
                )
                .await
                .expect_err("round 1's documents stay off the board");
            assert_eq!(error.code(), refused, "{state}: {error}");
        }
    }
    let mut conn = store.pool().acquire().await.unwrap();
    after.assert_same(
        &snapshot(&mut conn, url).await,
        "after refused publications",
    );
    drop(conn);
    assert_verify_holds(&store, &notes, "after refused publications").await;

    // Enclosure files (sqlite 0007, postgres 0008): round 1 has none; a
    // new draft takes one, stored by its hash, and the records still hold.
    let memo = {
        let path = saraban_stories::example("ita-report-2568.toml");
        saraban_core::document::read_value(
            &std::fs::read_to_string(&path).unwrap(),
            saraban_core::Syntax::of_path(&path),
        )
        .unwrap()
    };
    let draft = store
        .create_document(
            &org(ORG),
            &person("chanyurat"),
            saraban_stories::drafted(memo),
            Utc::now(),
        )
        .await
        .unwrap()
        .id;
    let attached = saraban_stories::tiny_pdf("round 2 enclosure", 0);
    store
        .attach_enclosure(
            &org(ORG),
            &person("chanyurat"),
            &draft,
            saraban_store::Upload {
                title: "รายงานผลการดำเนินการ จำนวน ๑ ชุด".into(),
                filename: Some("report.pdf".into()),
                bytes: attached.clone(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let listed = store.enclosures(&org(ORG), &draft).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        listed[0].sha256.as_deref(),
        Some(sha256_hex(&attached).as_str())
    );
    assert_verify_holds(&store, &notes, "after an enclosure").await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn round1_sqlite_upgrades() {
    let scratch = Scratch::new();
    let file = scratch.0.join("round1.sqlite3");
    std::fs::copy(fixtures().join("sqlite/round1.sqlite3"), &file).unwrap();
    let keys = scratch.0.join("keys");
    copy_keys(&fixtures().join("sqlite/keys"), &keys);
    upgrade(&format!("sqlite://{}", file.display()), &keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn round1_postgres_upgrades() {
    let Some(db) = saraban_stories::empty_postgres().await else {
        eprintln!("PostgreSQL story skipped: SARABAN_TEST_POSTGRES_URL is not set");
        return;
    };
    let dump = std::fs::read_to_string(fixtures().join("postgres/round1.sql")).unwrap();
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(dump))
        .execute(&mut conn)
        .await
        .expect("round 1's dump loads");
    conn.close().await.unwrap();
    let scratch = Scratch::new();
    let keys = scratch.0.join("keys");
    copy_keys(&fixtures().join("postgres/keys"), &keys);
    upgrade(&db.url, &keys).await;
    let mut conn = AnyConnection::connect(&db.url).await.unwrap();
    // The upgrade left the planner statistics of what its migrations
    // filled (every document's content moved into a table of its own), not
    // a table it would plan as empty until autovacuum came round.
    let analysed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = 'document_contents'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(analysed > 0, "the migrated tables are analysed");
    // Every time is a timestamp now, not text.
    let text_times: Vec<String> = sqlx::query(
        "SELECT table_name || '.' || column_name FROM information_schema.columns
          WHERE table_schema = 'public' AND data_type <> 'timestamp with time zone'
            AND (column_name LIKE '%\\_at' OR column_name IN ('at', 'locked_until', 'window_ends'))
          ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get(0))
    .collect();
    assert!(text_times.is_empty(), "times kept as text: {text_times:?}");
    conn.close().await.unwrap();
}
