//! The tamper suite: a store of 10,000 events (issued memos with their
//! numbers, PDFs and signed checkpoints among them), copied once per kind
//! of tampering, each copy damaged the way an insider with database access
//! would, and `audit` must name the damage by its class. On SQLite and on
//! PostgreSQL.

use saraban_core::PersonId;
use saraban_stories::Office;
use saraban_stories::PdfOf;
use saraban_stories::{doc_id, drafted, org, person};
use std::path::{Path, PathBuf};

use saraban_core::ledger::{Event, chain_hash};
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction as A;
use saraban_stories::saraban_store::{self, ContentKind, FindingClass, Store};
use saraban_stories::{example, postgres_url, thai};
use serde_json::Value;
use sqlx::{AnyPool, Connection, Row};

const ORG: &str = "wangkrachae";
const EVENTS: u64 = 10_000;
const ISSUED: usize = 12;

fn memo() -> Value {
    saraban_stories::example_content("ita-report-2568.toml")
}

/// A database and its key folder, as a copy of the base.
struct Copy {
    url: String,
    keys: PathBuf,
    /// The PostgreSQL database to drop afterwards, with the admin URL.
    database: Option<(String, String)>,
}

async fn open(copy: &Copy) -> Store {
    let store = saraban_stories::open_store(&copy.url).await.unwrap();
    store.use_key_folder(&copy.keys).unwrap();
    store
}

/// Fills a store: `ISSUED` memos through to their number, then memos
/// created, submitted and endorsed by all three reviewers, 32 at a time,
/// until the log holds `EVENTS` events; then a closing checkpoint.
async fn fill(store: &Store) {
    let office = Office::new(store, ORG);
    let config = OrgConfig::parse_toml(
        &std::fs::read_to_string(example("organisation/wangkrachae.toml")).unwrap(),
    )
    .unwrap();
    store
        .init_org(&config, None, thai(2024, 1, 2, 9, 0))
        .await
        .unwrap();
    // Passwords give everyone an approval key: endorsements and
    // signatures carry their actor's signature.
    for person in [
        "chanyurat",
        "somjai",
        "somsak",
        "wilaiwan",
        "kanok",
        "sunee",
    ] {
        store
            .set_password(&org(ORG), &PersonId::parse(person).unwrap(), "saraban-demo")
            .await
            .unwrap();
    }
    // The head of office and the mayor print signature images.
    for (person, wave) in [("somjai", 11.0), ("kanok", 19.0)] {
        store
            .register_signature(
                &org(ORG),
                &PersonId::parse(person).unwrap(),
                saraban_stories::drawn_png(450, 150, wave),
                thai(2024, 1, 2, 9, 30),
            )
            .await
            .unwrap();
    }
    for i in 0..ISSUED {
        let at = |hour| thai(2025, 4, 1 + i as u32, hour, 0);
        let id = office.draft("chanyurat", memo(), at(8)).await.unwrap().id;
        let steps: [(&str, A, Option<&str>); 6] = [
            ("chanyurat", A::Submit, None),
            ("somjai", A::Endorse, Some("เห็นควรเสนอ")),
            ("somsak", A::Endorse, Some("เห็นควรเสนอ")),
            ("wilaiwan", A::Endorse, Some("เห็นควรทราบ")),
            ("kanok", A::Sign, Some("ทราบ")),
            ("sunee", A::Issue, None),
        ];
        for (who, action, text) in steps {
            office.act(who, &id, action, text, at(9)).await.unwrap();
        }
    }
    let head = store.audit(&org(ORG)).await.unwrap().head_seq;
    let memos = (EVENTS - head) / 5;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..32 {
        let store = store.clone();
        workers.spawn(async move {
            let office = Office::new(&store, ORG);
            for _ in (worker..memos).step_by(32) {
                let at = thai(2025, 5, 2, 9, 0);
                let id = office.draft("chanyurat", memo(), at).await.unwrap().id;
                office
                    .act("chanyurat", &id, A::Submit, None, at)
                    .await
                    .unwrap();
                for who in ["somjai", "somsak", "wilaiwan"] {
                    office
                        .act(who, &id, A::Endorse, Some("เห็นควรเสนอ"), at)
                        .await
                        .unwrap();
                }
            }
        });
    }
    workers.join_all().await;
    // Round up to exactly EVENTS with single creations.
    let mut head = store.audit(&org(ORG)).await.unwrap().head_seq;
    while head < EVENTS {
        office
            .draft("chanyurat", memo(), thai(2025, 5, 3, 9, 0))
            .await
            .unwrap();
        head += 1;
    }
    store.checkpoint(&org(ORG)).await.unwrap();
}

/// Where copies of the base are made: SQLite files in a temp folder, or
/// PostgreSQL databases made from the base as a template.
enum Base {
    Sqlite { dir: PathBuf },
    Postgres { admin: String, name: String },
}

impl Base {
    fn keys(&self) -> PathBuf {
        match self {
            Base::Sqlite { dir } => dir.join("base.keys"),
            Base::Postgres { name, .. } => std::env::temp_dir().join(format!("{name}.keys")),
        }
    }

    fn url(&self) -> String {
        match self {
            Base::Sqlite { dir } => format!("sqlite://{}", dir.join("base.sqlite").display()),
            Base::Postgres { admin, name } => database_url(admin, name),
        }
    }

    async fn copy(&self, label: &str) -> Copy {
        let keys = std::env::temp_dir().join(format!(
            "saraban-tamper-{label}-{}.keys",
            uuid::Uuid::new_v4().simple()
        ));
        copy_folder(&self.keys(), &keys);
        let url = match self {
            Base::Sqlite { dir } => {
                let file = dir.join(format!("{label}.sqlite"));
                std::fs::copy(dir.join("base.sqlite"), &file).unwrap();
                let wal = dir.join("base.sqlite-wal");
                if wal.exists() {
                    std::fs::copy(wal, dir.join(format!("{label}.sqlite-wal"))).unwrap();
                }
                let url = format!("sqlite://{}", file.display());
                saraban_stories::copy_content(&self.url(), &url).await;
                url
            }
            Base::Postgres { admin, name } => {
                let copy = format!("{name}_{}", label.replace('-', "_"));
                let mut conn = sqlx::AnyConnection::connect(admin).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {copy} TEMPLATE {name}"
                )))
                .execute(&mut conn)
                .await
                .unwrap();
                conn.close().await.ok();
                let url = database_url(admin, &copy);
                saraban_stories::copy_content(&self.url(), &url).await;
                return Copy {
                    url,
                    keys,
                    database: Some((admin.clone(), copy)),
                };
            }
        };
        Copy {
            url,
            keys,
            database: None,
        }
    }
}

/// Removes a copy: its key folder, and its PostgreSQL database.
async fn discard(copy: &Copy) {
    std::fs::remove_dir_all(&copy.keys).ok();
    saraban_stories::remove_content(&copy.url).await;
    // Each SQLite copy is the base's full size (about 180 MB); keep only
    // the one in use so the suite's disk use does not grow with its cases.
    if let Some(file) = copy.url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            std::fs::remove_file(format!("{file}{suffix}")).ok();
        }
    }
    if let Some((admin, name)) = &copy.database {
        let mut conn = sqlx::AnyConnection::connect(admin).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.ok();
    }
}

fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

/// One byte in the middle changed.
fn flip_middle(mut bytes: Vec<u8>) -> Vec<u8> {
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    bytes
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

async fn event_bytes(pool: &AnyPool, seq: i64) -> Vec<u8> {
    sqlx::query("SELECT bytes FROM events WHERE org_id = $1 AND seq = $2")
        .bind(ORG)
        .bind(seq)
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0)
}

async fn flip_blob(pool: &AnyPool, table: &str, column: &str, filter: &str) {
    let select = format!("SELECT {column} FROM {table} WHERE {filter}");
    let mut bytes: Vec<u8> = sqlx::query(sqlx::AssertSqlSafe(select))
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let update = format!("UPDATE {table} SET {column} = $1 WHERE {filter}");
    sqlx::query(sqlx::AssertSqlSafe(update))
        .bind(bytes)
        .execute(pool)
        .await
        .unwrap();
}

/// Rewrites the events from `from` on with `change`, recomputing every
/// hash and the head, as an insider without the signing key can.
async fn rewrite_tail(pool: &AnyPool, from: i64, change: impl Fn(&mut Event)) {
    let mut prev: [u8; 32] = sqlx::query("SELECT hash FROM events WHERE org_id = $1 AND seq = $2")
        .bind(ORG)
        .bind(from - 1)
        .fetch_one(pool)
        .await
        .unwrap()
        .get::<Vec<u8>, _>(0)
        .try_into()
        .unwrap();
    let rows =
        sqlx::query("SELECT seq, bytes FROM events WHERE org_id = $1 AND seq >= $2 ORDER BY seq")
            .bind(ORG)
            .bind(from)
            .fetch_all(pool)
            .await
            .unwrap();
    for row in rows {
        let seq: i64 = row.get(0);
        let mut event = Event::from_canonical(&row.get::<Vec<u8>, _>(1)).unwrap();
        change(&mut event);
        let bytes = event.canonical();
        let hash = chain_hash(&prev, &bytes);
        sqlx::query("UPDATE events SET bytes = $1, prev_hash = $2, hash = $3 WHERE org_id = $4 AND seq = $5")
            .bind(bytes)
            .bind(prev.to_vec())
            .bind(hash.to_vec())
            .bind(ORG)
            .bind(seq)
            .execute(pool)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE ledger_heads SET hash = $1, frontier = NULL WHERE org_id = $2")
        .bind(prev.to_vec())
        .bind(ORG)
        .execute(pool)
        .await
        .unwrap();
}

async fn issued_events(pool: &AnyPool) -> Vec<(i64, Event)> {
    sqlx::query("SELECT seq, bytes FROM events WHERE org_id = $1 AND kind = 'issued' ORDER BY seq")
        .bind(ORG)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.get(0),
                Event::from_canonical(&row.get::<Vec<u8>, _>(1)).unwrap(),
            )
        })
        .collect()
}

/// Each kind of damage, and the class `audit` must name it by.
const CASES: [(&str, FindingClass); 36] = [
    ("enclosure-bytes", FindingClass::Enclosure),
    ("actor-signature", FindingClass::BadSignature),
    ("unsigned-approval", FindingClass::BadSignature),
    ("event-bytes", FindingClass::ContentModified),
    ("event-prev-hash", FindingClass::ContentModified),
    ("event-hash", FindingClass::ContentModified),
    ("head-hash", FindingClass::ContentModified),
    ("document-content", FindingClass::ContentModified),
    ("document-rehashed", FindingClass::ContentModified),
    ("version-content", FindingClass::ContentModified),
    ("action-text", FindingClass::ContentModified),
    ("replaced-pdf", FindingClass::ContentModified),
    ("deleted-event", FindingClass::Gap),
    ("reordered-events", FindingClass::NonCanonical),
    ("inserted-event", FindingClass::NonCanonical),
    ("rewritten-tail", FindingClass::Fork),
    ("truncated", FindingClass::Truncated),
    ("fork", FindingClass::Fork),
    ("reused-number", FindingClass::DuplicateNumber),
    ("skipped-number", FindingClass::NumberGap),
    ("counter-rewound", FindingClass::DuplicateNumber),
    ("bad-signature", FindingClass::BadSignature),
    ("checkpoint-deleted", FindingClass::CheckpointMismatch),
    ("event-moved", FindingClass::Projection),
    ("cancellation-removed", FindingClass::Projection),
    ("action-deleted-before-issue", FindingClass::Projection),
    ("tail-dropped-head-moved", FindingClass::Truncated),
    ("tail-rewritten-head-moved", FindingClass::Fork),
    ("frontier-corrupted-then-issue", FindingClass::Projection),
    ("published-by-hand", FindingClass::Projection),
    ("signature-image-swapped", FindingClass::ContentModified),
    ("sealed-signature-replaced", FindingClass::Projection),
    ("unit-number-changed", FindingClass::Projection),
    ("subject-column-changed", FindingClass::Projection),
    ("secrecy-column-set", FindingClass::Projection),
    ("content-row-deleted", FindingClass::ContentModified),
];

/// A memo taken in the copy through review to the mayor's signature (the
/// approvers sign in first: their keys are locked in a new process).
async fn signed_memo(store: &Store) -> saraban_core::DocumentId {
    let office = Office::new(store, ORG);
    let at = thai(2025, 6, 2, 9, 0);
    for who in ["somjai", "somsak", "wilaiwan", "kanok", "sunee"] {
        store
            .sign_in(ORG, who, "saraban-demo", false, at)
            .await
            .unwrap();
    }
    let id = office.draft("chanyurat", memo(), at).await.unwrap().id;
    let steps: [(&str, A, Option<&str>); 5] = [
        ("chanyurat", A::Submit, None),
        ("somjai", A::Endorse, Some("เห็นควรเสนอ")),
        ("somsak", A::Endorse, Some("เห็นควรเสนอ")),
        ("wilaiwan", A::Endorse, Some("เห็นควรทราบ")),
        ("kanok", A::Sign, Some("ทราบ")),
    ];
    for (who, action, text) in steps {
        office.act(who, &id, action, text, at).await.unwrap();
    }
    id
}

/// Deletes the events after `keep` and moves the head back to it, with a
/// frontier recomputed for the shorter log, as an insider can.
async fn cut_log(pool: &AnyPool, keep: i64) {
    sqlx::query("DELETE FROM events WHERE org_id = $1 AND seq > $2")
        .bind(ORG)
        .bind(keep)
        .execute(pool)
        .await
        .unwrap();
    let mut frontier = saraban_core::merkle::Frontier::default();
    let mut last = Vec::new();
    for row in sqlx::query("SELECT bytes, hash FROM events WHERE org_id = $1 ORDER BY seq")
        .bind(ORG)
        .fetch_all(pool)
        .await
        .unwrap()
    {
        frontier.push(saraban_core::merkle::leaf_hash(&row.get::<Vec<u8>, _>(0)));
        last = row.get::<Vec<u8>, _>(1);
    }
    sqlx::query("UPDATE ledger_heads SET seq = $1, hash = $2, frontier = $3 WHERE org_id = $4")
        .bind(keep)
        .bind(last)
        .bind(frontier.to_bytes())
        .bind(ORG)
        .execute(pool)
        .await
        .unwrap();
}

/// Damages `store` the way `case` says; returns checkpoint notes that a
/// verifier kept from elsewhere, if the case has any.
async fn tamper(case: &str, store: &Store, base: &Base) -> Vec<String> {
    let office = Office::new(store, ORG);
    let pool = store.pool();
    let issued = issued_events(pool).await;
    match case {
        // A unit's own receiving number (issue 16) rewritten by hand.
        "unit-number-changed" => {
            let content = serde_json::json!({
                "format": "saraban/1", "kind": "incoming", "their_number": "ตร ๐๐๒๓.๓/ว ๙",
                "date": "2025-06-03", "from": "ที่ว่าการอำเภอเมืองตราด",
                "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ", "subject": "ขอเชิญประชุม",
            });
            let content = saraban_core::incoming::Received::from_value(content).unwrap();
            let at = thai(2025, 6, 4, 9, 0);
            let letter = store
                .receive_letter(&org(ORG), &person("sunee"), content, None, at)
                .await
                .unwrap();
            let register = saraban_core::org::Slug::parse("office-received").unwrap();
            let receipt = store
                .record_in_unit_register(&org(ORG), &person("somjai"), &letter.id, &register, at)
                .await
                .unwrap();
            assert_eq!(receipt.number, 1);
            sqlx::query("UPDATE unit_receipts SET number = 7 WHERE document_id = $1")
                .bind(letter.id.as_str())
                .execute(pool)
                .await
                .unwrap();
        }
        "event-bytes" => flip_blob(pool, "events", "bytes", "seq = 5000").await,
        "actor-signature" => {
            let filter = "seq = (SELECT MIN(seq) FROM events WHERE kind = 'endorsed')";
            flip_blob(pool, "events", "actor_signature", filter).await;
        }
        "unsigned-approval" => {
            sqlx::query("UPDATE events SET actor_signature = NULL WHERE seq = (SELECT MAX(seq) FROM events WHERE kind = 'signed')")
                .execute(pool)
                .await
                .unwrap();
        }
        "event-prev-hash" => flip_blob(pool, "events", "prev_hash", "seq = 4000").await,
        "event-hash" => flip_blob(pool, "events", "hash", "seq = 3000").await,
        "head-hash" => flip_blob(pool, "ledger_heads", "hash", "org_id = 'wangkrachae'").await,
        "document-content" | "document-rehashed" => {
            let id = &issued[0].1.document;
            let content: String =
                sqlx::query("SELECT content FROM document_contents WHERE document_id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await
                    .unwrap()
                    .get(0);
            let forged = content.replacen("ITA", "ITB", 1);
            assert_ne!(forged, content);
            let hash = if case == "document-rehashed" {
                saraban_core::ledger::sha256_hex(forged.as_bytes())
            } else {
                sqlx::query("SELECT content_hash FROM documents WHERE id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await
                    .unwrap()
                    .get(0)
            };
            sqlx::query("UPDATE document_contents SET content = $1 WHERE document_id = $2")
                .bind(forged)
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("UPDATE documents SET content_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
        // What a list shows and a route action decides on, changed
        // beside a content that says otherwise.
        "subject-column-changed" => {
            sqlx::query("UPDATE documents SET list_subject = 'เรื่องอื่น' WHERE id = $1")
                .bind(&issued[0].1.document)
                .execute(pool)
                .await
                .unwrap();
        }
        "secrecy-column-set" => {
            sqlx::query("UPDATE documents SET list_secrecy = 'ลับ' WHERE id = $1")
                .bind(&issued[1].1.document)
                .execute(pool)
                .await
                .unwrap();
        }
        "content-row-deleted" => {
            sqlx::query("DELETE FROM document_contents WHERE document_id = $1")
                .bind(&issued[0].1.document)
                .execute(pool)
                .await
                .unwrap();
        }
        "version-content" => {
            let filter = format!("document_id = '{}' AND version = 1", issued[1].1.document);
            let content: String = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT content FROM document_versions WHERE {filter}"
            )))
            .fetch_one(pool)
            .await
            .unwrap()
            .get(0);
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE document_versions SET content = $1 WHERE {filter}"
            )))
            .bind(content.replacen("ITA", "ITB", 1))
            .execute(pool)
            .await
            .unwrap();
        }
        "action-text" => {
            sqlx::query("UPDATE actions SET text = 'อนุมัติ' WHERE seq = (SELECT MIN(seq) FROM actions WHERE kind = 'endorse')")
                .execute(pool)
                .await
                .unwrap();
        }
        "replaced-pdf" => {
            // The object in the content store (its folder or bucket).
            let hash = issued[2].1.pdf_hash.clone().unwrap();
            saraban_stories::tamper_object(store, ORG, ContentKind::Pdf, &hash, flip_middle).await;
        }
        "deleted-event" => {
            sqlx::query("DELETE FROM events WHERE seq = 6000")
                .execute(pool)
                .await
                .unwrap();
        }
        "reordered-events" => {
            let (a, b) = (event_bytes(pool, 7000).await, event_bytes(pool, 7001).await);
            for (seq, bytes) in [(7000, b), (7001, a)] {
                sqlx::query("UPDATE events SET bytes = $1 WHERE seq = $2")
                    .bind(bytes)
                    .bind(seq)
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        "inserted-event" => {
            // Make room at 8000 and put a forged event there, linked to
            // the one before it.
            sqlx::query("UPDATE events SET seq = seq + 100000 WHERE seq >= 8000")
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("UPDATE events SET seq = seq - 99999 WHERE seq >= 100000")
                .execute(pool)
                .await
                .unwrap();
            let mut forged = Event::from_canonical(&event_bytes(pool, 7999).await).unwrap();
            forged.seq = 8000;
            forged.text = Some("อนุมัติ".into());
            let prev: Vec<u8> = sqlx::query("SELECT hash FROM events WHERE seq = 7999")
                .fetch_one(pool)
                .await
                .unwrap()
                .get(0);
            let bytes = forged.canonical();
            let hash = chain_hash(&prev.clone().try_into().unwrap(), &bytes);
            sqlx::query("INSERT INTO events (org_id, seq, bytes, prev_hash, hash, document_id, kind) VALUES ($1, 8000, $2, $3, $4, $5, $6)")
                .bind(ORG)
                .bind(bytes)
                .bind(prev)
                .bind(hash.to_vec())
                .bind(forged.document.clone())
                .bind(forged.kind.clone())
                .execute(pool)
                .await
                .unwrap();
        }
        "rewritten-tail" => {
            rewrite_tail(pool, 9000, |event| {
                if event.seq == 9000 {
                    event.actor = "kanok".into();
                }
            })
            .await;
        }
        "truncated" => {
            sqlx::query("DELETE FROM events WHERE seq > 9500")
                .execute(pool)
                .await
                .unwrap();
            let hash: Vec<u8> = sqlx::query("SELECT hash FROM events WHERE seq = 9500")
                .fetch_one(pool)
                .await
                .unwrap()
                .get(0);
            sqlx::query("UPDATE ledger_heads SET seq = 9500, hash = $1, frontier = NULL")
                .bind(hash)
                .execute(pool)
                .await
                .unwrap();
        }
        "fork" => {
            // Another copy restored from the same backup, with the same
            // key, goes on differently; its checkpoint reaches a verifier.
            let other_copy = base.copy("fork-other").await;
            let other = open(&other_copy).await;
            let late = thai(2025, 6, 1, 9, 0);
            other
                .create_document(&org(ORG), &person("chanyurat"), drafted(memo()), late)
                .await
                .unwrap();
            other.checkpoint(&org(ORG)).await.unwrap();
            let kept = other.latest_checkpoint(&org(ORG)).await.unwrap().unwrap();
            other.close().await;
            discard(&other_copy).await;
            office.draft("somjai", memo(), late).await.unwrap();
            return vec![kept];
        }
        "reused-number" => {
            // The second issued memo rewritten to carry the first's number.
            let (seq, first) = (issued[1].0, issued[0].1.number);
            rewrite_tail(pool, seq, |event| {
                if event.seq == seq as u64 {
                    event.number = first;
                }
            })
            .await;
            // (The documents table's own unique index keeps the row as it
            // was; the log is what numbers are checked against.)
        }
        "skipped-number" => {
            sqlx::query("UPDATE register_counters SET next_number = next_number + 1")
                .execute(pool)
                .await
                .unwrap();
        }
        "counter-rewound" => {
            sqlx::query("UPDATE register_counters SET next_number = next_number - 1")
                .execute(pool)
                .await
                .unwrap();
        }
        "bad-signature" => {
            let note: String = sqlx::query(
                "SELECT note FROM checkpoints WHERE size = (SELECT MIN(size) FROM checkpoints)",
            )
            .fetch_one(pool)
            .await
            .unwrap()
            .get(0);
            // The size line says one more than was signed.
            let mut lines: Vec<String> = note.lines().map(str::to_owned).collect();
            lines[1] = (lines[1].parse::<u64>().unwrap() + 1).to_string();
            sqlx::query(
                "UPDATE checkpoints SET note = $1 WHERE size = (SELECT MIN(size) FROM checkpoints)",
            )
            .bind(lines.join("\n") + "\n")
            .execute(pool)
            .await
            .unwrap();
        }
        "checkpoint-deleted" => {
            sqlx::query("DELETE FROM checkpoints WHERE size = (SELECT MAX(size) FROM checkpoints)")
                .execute(pool)
                .await
                .unwrap();
        }
        "event-moved" => {
            // The mayor's signature of one memo shown on another.
            let (from, to) = (&issued[0].1.document, &issued[1].1.document);
            sqlx::query(
                "UPDATE events SET document_id = $1 WHERE seq = (SELECT MAX(seq) FROM events WHERE kind = 'signed' AND document_id = $2)",
            )
            .bind(to)
            .bind(from)
            .execute(pool)
            .await
            .unwrap();
        }
        "cancellation-removed" => {
            let id = &issued[3].1.document;
            store
                .sign_in(ORG, "sunee", "saraban-demo", false, thai(2025, 6, 3, 9, 0))
                .await
                .unwrap();
            office
                .act(
                    "sunee",
                    &doc_id(id),
                    A::Cancel,
                    Some("ออกผิดพลาด"),
                    thai(2025, 6, 3, 9, 0),
                )
                .await
                .unwrap();
            sqlx::query("UPDATE documents SET state = 'issued', cancelled_at = NULL WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
        "action-deleted-before-issue" => {
            let id = signed_memo(store).await;
            sqlx::query(
                "DELETE FROM actions WHERE seq = (SELECT MIN(seq) FROM actions WHERE document_id = $1 AND kind = 'endorse')",
            )
            .bind(id.as_str())
            .execute(pool)
            .await
            .unwrap();
            let issued = office
                .act("sunee", &id, A::Issue, None, thai(2025, 6, 2, 10, 0))
                .await
                .unwrap();
            // The issued PDF is composed from the events: the deleted
            // row's endorsement is still on it.
            let pdf = store.pdf(&org(ORG), &issued.document.id).await.unwrap();
            assert!(
                saraban_stories::pdf_text(&pdf).contains("สมใจ ตั้งใจดี"),
                "the first endorsement is printed"
            );
        }
        "tail-dropped-head-moved" => {
            // Work after the last issue: each batch is covered by its own
            // signed checkpoint, so dropping it is seen.
            let head = store.audit(&org(ORG)).await.unwrap().head_seq as i64;
            for _ in 0..3 {
                office
                    .draft("chanyurat", memo(), thai(2025, 6, 4, 9, 0))
                    .await
                    .unwrap();
            }
            cut_log(pool, head + 1).await;
        }
        "tail-rewritten-head-moved" => {
            let head = store.audit(&org(ORG)).await.unwrap().head_seq as i64;
            let id = office
                .draft("chanyurat", memo(), thai(2025, 6, 4, 9, 0))
                .await
                .unwrap()
                .id;
            office
                .act("chanyurat", &id, A::Submit, None, thai(2025, 6, 4, 9, 5))
                .await
                .unwrap();
            // The submission made to look like a withdrawal, rehashed, and
            // the head moved to the rewritten event.
            rewrite_tail(pool, head + 2, |event| {
                event.kind = "withdrawn".into();
            })
            .await;
            cut_log(pool, head + 2).await;
        }
        "enclosure-bytes" => {
            // A draft with a PDF enclosure, then one byte of the stored
            // file changed: its SHA-256 no longer names it.
            let id = office
                .draft("chanyurat", memo(), thai(2025, 6, 5, 9, 0))
                .await
                .unwrap()
                .id;
            store
                .attach_enclosure(
                    &org(ORG),
                    &person("chanyurat"),
                    &id,
                    saraban_store::Upload {
                        title: "รายงานผลการดำเนินการ จำนวน ๑ ชุด".into(),
                        filename: Some("report.pdf".into()),
                        bytes: saraban_stories::tiny_pdf("report", 4096),
                    },
                    thai(2025, 6, 5, 9, 5),
                )
                .await
                .unwrap();
            let hash: String = sqlx::query_scalar(
                "SELECT MIN(sha256) FROM enclosure_files WHERE org_id = 'wangkrachae'",
            )
            .fetch_one(pool)
            .await
            .unwrap();
            saraban_stories::tamper_object(store, ORG, ContentKind::Enclosure, &hash, flip_middle)
                .await;
        }
        "frontier-corrupted-then-issue" => {
            let id = signed_memo(store).await;
            flip_blob(pool, "ledger_heads", "frontier", "org_id = 'wangkrachae'").await;
            let refused = office
                .act("sunee", &id, A::Issue, None, thai(2025, 6, 2, 10, 0))
                .await;
            assert!(refused.is_err(), "nothing is signed over a wrong root");
        }
        "published-by-hand" => {
            // An issued memo put on the public board with no event: the log
            // says it was never published (and a memo never may be).
            sqlx::query("UPDATE documents SET published_at = updated_at WHERE id = $1")
                .bind(&issued[2].1.document)
                .execute(pool)
                .await
                .unwrap();
        }
        "signature-image-swapped" => {
            // The mayor's printed image replaced by other strokes.
            let hash: String = sqlx::query_scalar("SELECT MIN(sha256) FROM inked_signatures")
                .fetch_one(pool)
                .await
                .unwrap();
            saraban_stories::tamper_object(store, ORG, ContentKind::Ink, &hash, |_| {
                saraban_stories::drawn_png(450, 150, 3.0)
            })
            .await;
        }
        "sealed-signature-replaced" => {
            // Someone else's image sealed in the head of office's name.
            sqlx::query("UPDATE signature_images SET sha256 = (SELECT sha256 FROM signature_images WHERE person_id = 'kanok') WHERE person_id = 'somjai'")
                .execute(pool)
                .await
                .unwrap();
        }
        other => panic!("no such case {other}"),
    }
    Vec::new()
}

async fn tamper_suite(base: Base) {
    {
        let store = saraban_stories::open_store(&base.url()).await.unwrap();
        store.use_key_folder(base.keys()).unwrap();
        fill(&store).await;
        let audit = store.audit(&org(ORG)).await.unwrap();
        assert!(
            audit.holds(),
            "the untouched store holds: {:#?}",
            audit.findings
        );
        assert_eq!(audit.events, EVENTS);
        assert_eq!(audit.issued, ISSUED as u64);
        assert!(
            audit.checkpoints > ISSUED as u64,
            "a checkpoint per issue, and one closing"
        );
        store.close().await;
    }
    for (case, class) in CASES {
        let copy = base.copy(case).await;
        let store = open(&copy).await;
        let kept = tamper(case, &store, &base).await;
        let audit = store.audit_against(&org(ORG), &kept).await.unwrap();
        let classes: Vec<FindingClass> = audit.findings.iter().map(|f| f.class).collect();
        assert!(
            classes.contains(&class),
            "{case}: expected {class:?} among {:#?}",
            audit.findings
        );
        store.close().await;
        discard(&copy).await;
    }
    crash_between_saving_and_filing(&base).await;
    std::fs::remove_dir_all(base.keys()).ok();
    saraban_stories::remove_content(&base.url()).await;
}

/// A crash after a checkpoint was saved in the database and before it
/// was filed beside the key: not tampering. `audit` files it late and
/// says so, and so does a server starting (`file_late_checkpoints`).
async fn crash_between_saving_and_filing(base: &Base) {
    let copy = base.copy("filed-late").await;
    let file = copy.keys.join(format!("{ORG}.checkpoints"));
    let drop_last_line = || {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.pop().unwrap();
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        lines.len()
    };
    let kept = drop_last_line();
    let store = open(&copy).await;
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(
        audit.holds(),
        "filed late is not tampering: {:#?}",
        audit.findings
    );
    assert_eq!(audit.notices.len(), 1, "{:?}", audit.notices);
    assert!(audit.notices[0].contains("filed late"));
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert_eq!(lines, kept + 1, "the note is in the file again");
    assert!(store.audit(&org(ORG)).await.unwrap().notices.is_empty());

    drop_last_line();
    assert_eq!(
        store.file_late_checkpoints(&org(ORG)).await.unwrap().len(),
        1
    );
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(audit.holds() && audit.notices.is_empty());

    // A note whose signature does not verify is not filed: it is reported.
    drop_last_line();
    sqlx::query("UPDATE checkpoints SET note = replace(note, '— saraban', '— sarabam') WHERE size = (SELECT MAX(size) FROM checkpoints)")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(
        store
            .file_late_checkpoints(&org(ORG))
            .await
            .unwrap()
            .is_empty()
    );
    let classes: Vec<FindingClass> = store
        .audit(&org(ORG))
        .await
        .unwrap()
        .findings
        .iter()
        .map(|f| f.class)
        .collect();
    assert!(classes.contains(&FindingClass::BadSignature), "{classes:?}");
    store.close().await;
    discard(&copy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tamper_on_sqlite() {
    let dir =
        std::env::temp_dir().join(format!("saraban-tamper-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    tamper_suite(Base::Sqlite { dir: dir.clone() }).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tamper_on_postgres() {
    let Some(admin) = postgres_url() else {
        eprintln!("PostgreSQL tamper suite skipped: SARABAN_TEST_POSTGRES_URL is not set");
        return;
    };
    sqlx::any::install_default_drivers();
    let name = format!("saraban_tamper_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    tamper_suite(Base::Postgres {
        admin: admin.clone(),
        name: name.clone(),
    })
    .await;
    let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
