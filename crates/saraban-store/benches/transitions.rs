//! Durable transitions per second, on SQLite (a file in the temp dir, WAL;
//! the writer's syncer flushes the log before a batch is answered) and,
//! when `SARABAN_BENCH_POSTGRES_URL` names a server,
//! on a fresh PostgreSQL database there, with 1 and 32 concurrent clients.
//!
//! Setup (untimed): the organisation of the examples with its checkpoint key
//! (so every batch signs a checkpoint, as a server does), passwords (so each
//! reviewer's approval key is unlocked and every endorsement is signed),
//! and memos created and submitted. Timed: each client takes the next
//! document off a shared queue, endorses it once as the reviewer its step waits for, and puts it back at
//! the end while it has steps left; a document is held by one client at a
//! time, so no client waits on another's document. Each configuration runs
//! a fixed number of transitions. `--quick` (or `SARABAN_BENCH_QUICK=1`)
//! makes the runs short; `SARABAN_BENCH_ONLY=sqlite|postgres` runs one
//! backend (`enclosure`: only the issue of a letter with a 10 MB PDF
//! enclosure; `seal`: only the issue of a memo with and without its PAdES
//! seal; `anchor`: only the anchors); other arguments (`--bench`) are
//! ignored. The start of each timed run is told on stderr, for a profiler
//! to wait for.
//!
//! Each backend's figures come with their anchor, measured in the same run:
//! on SQLite the disk's own durable commit rate (small rows on a file like
//! the store's, one per commit and `ANCHOR_GROUP` per commit), on
//! PostgreSQL `pgbench -N -c 8` on a scratch database of the same server
//! (`SARABAN_BENCH_PGBENCH` names the binary, default PostgreSQL 15's;
//! `SARABAN_BENCH_PGBENCH_SECONDS`, default 20). Each run also tells how
//! large the writer's batches were, how long their COMMIT took and, on
//! SQLite, how long each flush of the log took and how many batches it
//! made durable.
//!
//! `cargo bench -p saraban-store --bench transitions [-- --quick]`

#[path = "common/scratch_postgres.rs"]
mod scratch_postgres;
#[path = "common/typst_press.rs"]
mod typst_press;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::document::{Syntax, read_value};
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction;
use saraban_core::{DocumentId, Drafted, OrgId, PersonId};
use saraban_store::Store;
use serde_json::Value;
use sqlx::{Connection, Row};
use typst_press::Typst;

const ORG: &str = "wangkrachae";
const REVIEWERS: [&str; 3] = ["somjai", "somsak", "wilaiwan"];

type Queue = Arc<Mutex<VecDeque<(DocumentId, usize)>>>;

fn thai(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    thai_offset()
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid Thai time")
        .with_timezone(&Utc)
}

fn memo() -> Value {
    read_value(
        include_str!("../../../examples/ita-report-2568.toml"),
        Syntax::Toml,
    )
    .expect("memo")
}

/// Creates and submits `count` memos, 16 at a time; they wait for step 1.
async fn submitted_memos(store: &Store, count: usize) -> Queue {
    let mut tasks = tokio::task::JoinSet::new();
    for part in 0..16 {
        let store = store.clone();
        tasks.spawn(async move {
            let mut ids = Vec::new();
            for _ in (part..count).step_by(16) {
                let doc = store
                    .create_document(
                        &org(ORG),
                        &person("chanyurat"),
                        drafted(memo()),
                        thai(2025, 4, 9, 10, 0),
                    )
                    .await
                    .expect("create");
                store
                    .act(
                        &org(ORG),
                        &person("chanyurat"),
                        &doc.id,
                        RouteAction::Submit,
                        None,
                        thai(2025, 4, 9, 11, 0),
                    )
                    .await
                    .expect("submit");
                ids.push((doc.id, 0));
            }
            ids
        });
    }
    let ids = tasks.join_all().await.into_iter().flatten().collect();
    // The tables' statistics, as a database in use has them from
    // autovacuum (and as `pgbench -i` leaves its own): a fresh table
    // without them is planned as if it were nearly empty.
    if store.backend() == saraban_store::Backend::Postgres {
        sqlx::raw_sql("VACUUM ANALYZE")
            .execute(store.pool())
            .await
            .expect("vacuum analyze");
    }
    Arc::new(Mutex::new(ids))
}

/// One client: endorsements until `budget` transitions have been started.
async fn client(
    store: Store,
    queue: Queue,
    started: Arc<AtomicUsize>,
    budget: usize,
) -> Vec<Duration> {
    let mut latencies = Vec::new();
    while started.fetch_add(1, Ordering::Relaxed) < budget {
        let (id, step) = queue.lock().unwrap().pop_front().expect("enough documents");
        let begun = Instant::now();
        store
            .act(
                &org(ORG),
                &person(REVIEWERS[step]),
                &id,
                RouteAction::Endorse,
                Some("เห็นควรลงนาม"),
                thai(2025, 4, 13, 9, 0),
            )
            .await
            .expect("endorse");
        latencies.push(begun.elapsed());
        if step + 1 < REVIEWERS.len() {
            queue.lock().unwrap().push_back((id, step + 1));
        }
    }
    latencies
}

struct Run {
    clients: usize,
    transitions: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// Batches the writers committed in the run, and their COMMITs' time.
    batches: f64,
    commit_seconds: f64,
    /// SQLite: the flushes of the log, and their time.
    flushes: f64,
    flush_seconds: f64,
}

async fn run(store: &Store, clients: usize, transitions: usize) -> Run {
    // Enough documents that the queue never runs dry: at most `clients`
    // are held, and each finished one took three transitions.
    let queue = submitted_memos(store, transitions.div_ceil(REVIEWERS.len()) + clients).await;
    let started = Arc::new(AtomicUsize::new(0));
    eprintln!("timing {clients} clients");
    let before = batches(store);
    let begun = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        tasks.spawn(client(
            store.clone(),
            queue.clone(),
            started.clone(),
            transitions,
        ));
    }
    let mut latencies: Vec<Duration> = tasks.join_all().await.into_iter().flatten().collect();
    let elapsed = begun.elapsed();
    let after = batches(store);
    latencies.sort();
    Run {
        clients,
        transitions: latencies.len(),
        elapsed,
        latencies,
        batches: after.0 - before.0,
        commit_seconds: after.2 - before.2,
        flushes: after.3 - before.3,
        flush_seconds: after.4 - before.4,
    }
}

/// A valid one-page PDF of about `size` bytes (an unused stream pads it).
fn big_pdf(size: usize) -> Vec<u8> {
    let content = "BT /F1 24 Tf 72 720 Td (ITA report 2568) Tj ET";
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        {
            let mut object = format!("<< /Length {size} >>\nstream\n").into_bytes();
            // Varied bytes, as a scan's images are: no compression helps.
            let mut x: u32 = 2463534242;
            object.extend((0..size).map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b'a' + (x % 26) as u8
            }));
            object.extend_from_slice(b"\nendstream");
            object
        },
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// The examples' organisation on a new SQLite file, with a press, and
/// with `keys` as its key folder when given (its checkpoints and seal).
async fn example_store(file: &std::path::Path, keys: Option<&std::path::Path>) -> Store {
    let store = Store::open(&format!("sqlite://{}", file.display()))
        .await
        .expect("open the store")
        .with_press(Arc::new(Typst::default()));
    if let Some(keys) = keys {
        store.use_key_folder(keys).expect("key folder");
    }
    let config = OrgConfig::parse_toml(include_str!(
        "../../../examples/organisation/wangkrachae.toml"
    ))
    .expect("organisation");
    store
        .init_org(&config, None, thai(2024, 1, 2, 9, 0))
        .await
        .expect("org init");
    store
}

/// Issuing a letter with a 10 MB PDF enclosure, on SQLite: attaching it
/// (type from the bytes, the PDF opened, SHA-256, stored in the draft's
/// new version), then the route, then the issue (the file read back,
/// embedded in the PDF/A-3b, its hash, stored). Times the attach and the
/// issue, `runs` letters each.
async fn enclosure_bench(runs: usize) {
    let file = std::env::temp_dir().join(format!("saraban-bench-{}.sqlite", uuid::Uuid::new_v4()));
    let store = example_store(&file, None).await;
    let mut letter = read_value(
        include_str!("../../../examples/letter-ita-report-2568.toml"),
        Syntax::Toml,
    )
    .expect("letter");
    letter.as_object_mut().unwrap().remove("enclosures");
    let (mut attach, mut issue) = (Vec::new(), Vec::new());
    let mut size = 0;
    for run in 0..runs {
        // A different file each time: each is stored anew.
        let mut pdf = big_pdf(10 * 1024 * 1024);
        pdf.extend_from_slice(format!("% run {run}\n").as_bytes());
        let at = thai(2025, 4, 21, 9, 0);
        let id = store
            .create_document(&org(ORG), &person("chanyurat"), drafted(letter.clone()), at)
            .await
            .expect("create")
            .id;
        let started = Instant::now();
        store
            .attach_enclosure(
                &org(ORG),
                &person("chanyurat"),
                &id,
                saraban_store::Upload {
                    title: "รายงานผลการดำเนินการ จำนวน ๑ ชุด".into(),
                    filename: Some("ita-report-2568.pdf".into()),
                    bytes: pdf,
                },
                at,
            )
            .await
            .expect("attach");
        attach.push(started.elapsed());
        for (who, action) in [
            ("chanyurat", RouteAction::Submit),
            ("somjai", RouteAction::Endorse),
            ("wilaiwan", RouteAction::Endorse),
            ("kanok", RouteAction::Sign),
        ] {
            store
                .act(&org(ORG), &person(who), &id, action, None, at)
                .await
                .expect("route");
        }
        let started = Instant::now();
        let issued = store
            .act(
                &org(ORG),
                &person("sunee"),
                &id,
                RouteAction::Issue,
                None,
                at,
            )
            .await
            .expect("issue");
        issue.push(started.elapsed());
        let hash = issued.document.pdf_hash.expect("a PDF");
        let row = sqlx::query("SELECT size AS n FROM pdfs WHERE sha256 = $1")
            .bind(&hash)
            .fetch_one(store.pool())
            .await
            .expect("the PDF");
        size = row.try_get::<i64, _>("n").unwrap_or_default();
    }
    attach.sort();
    issue.sort();
    println!("\nletter with a 10 MB PDF enclosure (sqlite, {runs} runs)");
    println!(
        "attach (check, hash, store, new version): median {:.0} ms, max {:.0} ms",
        attach[runs / 2].as_secs_f64() * 1000.0,
        attach[runs - 1].as_secs_f64() * 1000.0
    );
    println!(
        "issue (read back, embed, PDF/A-3b, hash, store): median {:.0} ms, max {:.0} ms; issued PDF {:.1} MB",
        issue[runs / 2].as_secs_f64() * 1000.0,
        issue[runs - 1].as_secs_f64() * 1000.0,
        size as f64 / (1024.0 * 1024.0)
    );
    let audit = store.audit(&org(ORG)).await.expect("verify");
    assert!(audit.holds(), "{:?}", audit.findings);
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

/// The cost of the PAdES seal on an issue, on SQLite: the same memo taken
/// through its route and issued `runs` times on a store without a key
/// folder (no seal) and on one with (sealed, B-B); the issues' medians.
async fn seal_bench(runs: usize) {
    let mut medians = Vec::new();
    for sealed in [false, true] {
        let file =
            std::env::temp_dir().join(format!("saraban-bench-{}.sqlite", uuid::Uuid::new_v4()));
        let keys = file.with_extension("keys");
        let store = example_store(&file, sealed.then_some(keys.as_path())).await;
        let memo = read_value(
            include_str!("../../../examples/ita-report-2568.toml"),
            Syntax::Toml,
        )
        .expect("memo");
        let mut issue = Vec::new();
        for _ in 0..runs {
            let at = thai(2025, 4, 21, 9, 0);
            let id = store
                .create_document(&org(ORG), &person("chanyurat"), drafted(memo.clone()), at)
                .await
                .expect("create")
                .id;
            for (who, action) in [
                ("chanyurat", RouteAction::Submit),
                ("somjai", RouteAction::Endorse),
                ("somsak", RouteAction::Endorse),
                ("wilaiwan", RouteAction::Endorse),
                ("kanok", RouteAction::Sign),
            ] {
                store
                    .act(&org(ORG), &person(who), &id, action, None, at)
                    .await
                    .expect("route");
            }
            let started = Instant::now();
            store
                .act(
                    &org(ORG),
                    &person("sunee"),
                    &id,
                    RouteAction::Issue,
                    None,
                    at,
                )
                .await
                .expect("issue");
            issue.push(started.elapsed());
        }
        issue.sort();
        let median = percentile(&issue, 0.5);
        println!(
            "issue of the seed memo ({}; sqlite, {runs} runs): p50 {median:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
            if sealed {
                "sealed, PAdES B-B"
            } else {
                "no seal"
            },
            percentile(&issue, 0.95),
            percentile(&issue, 0.99)
        );
        medians.push(median);
        let audit = store.audit(&org(ORG)).await.expect("verify");
        assert!(audit.holds(), "{:?}", audit.findings);
        store.close().await;
        // What each issued document costs the database and the content
        // store (the folder beside the file), everything it holds counted.
        let database: u64 = ["", "-wal"]
            .iter()
            .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", file.display())).ok())
            .map(|meta| meta.len())
            .sum();
        let content_dir = std::path::PathBuf::from(format!("{}.content", file.display()));
        println!(
            "  per issued document: database {:.1} KB, content store {:.1} KB",
            database as f64 / runs as f64 / 1024.0,
            folder_size(&content_dir) as f64 / runs as f64 / 1024.0
        );
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        let _ = std::fs::remove_dir_all(&content_dir);
        let _ = std::fs::remove_dir_all(&keys);
    }
    println!(
        "the seal adds {:.1} ms to an issue (p50)",
        medians[1] - medians[0]
    );
}

/// The bytes of the files under `dir`; 0 if there is none.
fn folder_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => folder_size(&entry.path()),
            _ => entry.metadata().map_or(0, |meta| meta.len()),
        })
        .sum()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

/// Rows per commit in the grouped SQLite anchor: the clients of the
/// concurrent run.
const ANCHOR_GROUP: usize = 32;

/// The disk's durable commit rate on a SQLite file like the store's (WAL,
/// synchronous=FULL, in the same folder): `rows` small rows committed one
/// per transaction, then `ANCHOR_GROUP` per transaction. Rows per second
/// of each.
async fn sqlite_anchor(rows: usize) -> (f64, f64) {
    sqlx::any::install_default_drivers();
    let file = std::env::temp_dir().join(format!("saraban-anchor-{}.sqlite", uuid::Uuid::new_v4()));
    let mut conn = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=rwc", file.display()))
        .await
        .expect("open the anchor file");
    sqlx::raw_sql(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE anchor (id INTEGER PRIMARY KEY, at TEXT NOT NULL, hash BLOB NOT NULL)",
    )
    .execute(&mut conn)
    .await
    .expect("the anchor table");
    let begun = Instant::now();
    for i in 0..rows {
        anchor_row(&mut conn, i).await;
    }
    let single = rows as f64 / begun.elapsed().as_secs_f64();
    let begun = Instant::now();
    for group in 0..rows.div_ceil(ANCHOR_GROUP) {
        let mut tx = conn.begin().await.expect("begin");
        for i in group * ANCHOR_GROUP..((group + 1) * ANCHOR_GROUP).min(rows) {
            anchor_row(&mut tx, i).await;
        }
        tx.commit().await.expect("a commit");
    }
    let grouped = rows as f64 / begun.elapsed().as_secs_f64();
    conn.close().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    (single, grouped)
}

/// One small row of the anchor: a time and a 32-byte hash.
async fn anchor_row(conn: &mut sqlx::AnyConnection, i: usize) {
    sqlx::query("INSERT INTO anchor (at, hash) VALUES ($1, $2)")
        .bind(format!("2025-04-13T09:00:00.{i:06}+07:00"))
        .bind(vec![i as u8; 32])
        .execute(conn)
        .await
        .expect("an anchor row");
}

/// `pgbench -N -c 8` (simple updates, 8 clients) on a scratch database of
/// the server `admin` names, for `seconds`: its transactions per second,
/// or why there is none.
async fn pgbench_anchor(admin: &str, seconds: u64) -> Result<f64, String> {
    let pgbench = std::env::var("SARABAN_BENCH_PGBENCH")
        .unwrap_or_else(|_| "/usr/lib/postgresql/15/bin/pgbench".to_owned());
    let name = format!("saraban_pgbench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::AnyConnection::connect(admin)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    let url = format!("{base}/{name}");
    let pgbench_run = |args: Vec<String>| {
        let pgbench = pgbench.clone();
        tokio::task::spawn_blocking(move || std::process::Command::new(pgbench).args(args).output())
    };
    let init = pgbench_run(vec!["-i".into(), "-q".into(), url.clone()]).await;
    let run = match init {
        Ok(Ok(done)) if done.status.success() => {
            pgbench_run(
                ["-N", "-c", "8", "-j", "2", "-T", &seconds.to_string(), &url]
                    .map(str::to_owned)
                    .to_vec(),
            )
            .await
        }
        other => other,
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    conn.close().await.ok();
    let output = run
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{pgbench}: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| {
            format!(
                "pgbench said no tps: {}{}",
                text.trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            )
        })
}

/// The writers' batches so far: (count, transitions, seconds in COMMIT,
/// flushes of the log, seconds in them), as the store counts them for
/// /metrics.
fn batches(store: &Store) -> (f64, f64, f64, f64, f64) {
    let mut registry = prometheus_client::registry::Registry::default();
    store.operations().register(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).expect("metrics");
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    (
        value("saraban_writer_batch_size_count"),
        value("saraban_writer_batch_size_sum"),
        value("saraban_writer_commit_seconds_sum"),
        value("saraban_writer_log_flush_seconds_count"),
        value("saraban_writer_log_flush_seconds_sum"),
    )
}

/// `total` over the run's flushes of the log, or "-" where the COMMIT
/// flushed (PostgreSQL).
fn per_flush(flushes: f64, total: f64) -> String {
    if flushes > 0.0 {
        format!("{:.2}", total / flushes)
    } else {
        "-".to_owned()
    }
}

/// A backend's runs; `anchor` is its reference rate measured in the same
/// run, named, which the concurrent rate is told as a multiple of.
async fn bench(backend: &str, url: String, plan: &[(usize, usize)], anchor: Option<(&str, f64)>) {
    // PostgreSQL's content goes to a folder of the run's own.
    let content = url.starts_with("postgres").then(|| {
        saraban_store::ContentPlace::Folder(std::env::temp_dir().join(format!(
            "saraban-bench-{}.content",
            uuid::Uuid::new_v4().simple()
        )))
    });
    let store = Store::open_with_content(&url, content.as_ref())
        .await
        .expect("open the store")
        .with_press(Arc::new(Typst::default()));
    // As a server runs: the organisation's key signs its checkpoints.
    let keys = std::env::temp_dir().join(format!(
        "saraban-bench-{}.keys",
        uuid::Uuid::new_v4().simple()
    ));
    store.use_key_folder(&keys).expect("a key folder");
    let config = OrgConfig::parse_toml(include_str!(
        "../../../examples/organisation/wangkrachae.toml"
    ))
    .expect("organisation");
    store
        .init_org(&config, None, thai(2024, 1, 2, 9, 0))
        .await
        .expect("org init");
    store
        .ensure_signing_key(&org(ORG))
        .await
        .expect("a signing key");
    // As after signing in: each reviewer's approval key unlocked, so every
    // endorsement is signed by its actor.
    for person in REVIEWERS.iter().chain(&["chanyurat"]) {
        store
            .set_password(
                &org(ORG),
                &PersonId::parse(person).unwrap(),
                "saraban-bench",
            )
            .await
            .expect("a password");
    }
    let durability = durability(&store, backend).await;
    println!("\n{backend} ({durability})");
    println!(
        "{:>7} {:>11} {:>9} {:>14} {:>9} {:>9} {:>9} {:>10} {:>9} {:>10} {:>9}",
        "clients",
        "transitions",
        "seconds",
        "transitions/s",
        "p50 ms",
        "p99 ms",
        "batch",
        "commit ms",
        "flush ms",
        "per flush",
        "× anchor"
    );
    for &(clients, transitions) in plan {
        let r = run(&store, clients, transitions).await;
        assert_eq!(r.transitions, transitions);
        let rate = r.transitions as f64 / r.elapsed.as_secs_f64();
        println!(
            "{:>7} {:>11} {:>9.2} {:>14.1} {:>9.2} {:>9.2} {:>9.1} {:>10.2} {:>9} {:>10} {:>9}",
            r.clients,
            r.transitions,
            r.elapsed.as_secs_f64(),
            rate,
            percentile(&r.latencies, 0.50),
            percentile(&r.latencies, 0.99),
            r.transitions as f64 / r.batches.max(1.0),
            r.commit_seconds * 1e3 / r.batches.max(1.0),
            per_flush(r.flushes, r.flush_seconds * 1e3),
            per_flush(r.flushes, r.batches),
            anchor.map_or("-".to_owned(), |(_, base)| format!("{:.2}", rate / base)),
        );
    }
    if let Some((name, base)) = anchor {
        println!(
            "anchor: {name} {base:.0}/s; batch = mean transitions per commit; \
             per flush = mean batches one flush of the log made durable"
        );
    }
    println!("load average: {}", load_average());
    let log = store.audit(&org(ORG)).await.expect("verify the log");
    println!(
        "log: {} events, head {}, chain {}",
        log.events,
        log.head_seq,
        if log.holds() {
            "holds".to_owned()
        } else {
            format!("BROKEN: {:?}", log.findings)
        }
    );
    store.close().await;
    std::fs::remove_dir_all(&keys).ok();
    assert!(log.holds(), "the log's chain is broken");
}

/// The settings that make a commit durable, as the server reports them.
async fn durability(store: &Store, backend: &str) -> String {
    let names: &[&str] = if backend == "sqlite" {
        &["journal_mode", "synchronous"]
    } else {
        &["fsync", "synchronous_commit", "wal_sync_method"]
    };
    let mut out = Vec::new();
    for name in names {
        let sql = if backend == "sqlite" {
            format!("PRAGMA {name}")
        } else {
            format!("SHOW {name}")
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(store.pool())
            .await
            .expect("setting");
        // Both name the result's column after the setting.
        let value = row
            .try_get::<String, _>(*name)
            .or_else(|_| row.try_get::<i64, _>(*name).map(|v| v.to_string()));
        out.push(format!("{name}={}", value.unwrap_or_default()));
    }
    out.join(", ")
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var("SARABAN_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let plan: &'static [(usize, usize)] = if quick {
        &[(1, 60), (32, 320)]
    } else {
        &[(1, 600), (32, 3_000)]
    };

    let only = std::env::var("SARABAN_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "seal" {
        seal_bench(if quick { 5 } else { 30 }).await;
        if only == "seal" {
            return;
        }
    }
    if only.is_empty() || only == "enclosure" {
        enclosure_bench(if quick { 3 } else { 7 }).await;
        if only == "enclosure" {
            return;
        }
    }
    if only.is_empty() || only == "sqlite" || only == "anchor" {
        let (single, grouped) = sqlite_anchor(if quick { 500 } else { 3_000 }).await;
        println!(
            "\nanchor, SQLite WAL synchronous=FULL in {}: {single:.0} commits/s of one row; \
             {grouped:.0} rows/s at {ANCHOR_GROUP} rows a commit ({:.0} commits/s); load average {}",
            std::env::temp_dir().display(),
            grouped / ANCHOR_GROUP as f64,
            load_average()
        );
        if only != "anchor" {
            let file =
                std::env::temp_dir().join(format!("saraban-bench-{}.sqlite", uuid::Uuid::new_v4()));
            let anchor = ("single-row commits", single);
            bench(
                "sqlite",
                format!("sqlite://{}", file.display()),
                plan,
                Some(anchor),
            )
            .await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
    if only == "anchor" {
        if let Ok(admin) = std::env::var("SARABAN_BENCH_POSTGRES_URL") {
            match pgbench_anchor(&admin, pgbench_seconds()).await {
                Ok(tps) => println!(
                    "anchor, pgbench -N -c 8: {tps:.0} tps; load average {}",
                    load_average()
                ),
                Err(why) => println!("anchor, pgbench: none ({why})"),
            }
        }
        return;
    }
    match std::env::var("SARABAN_BENCH_POSTGRES_URL") {
        Ok(_) if only == "sqlite" => {}
        Ok(admin) if !admin.is_empty() => {
            sqlx::any::install_default_drivers();
            let anchor = match pgbench_anchor(&admin, pgbench_seconds()).await {
                Ok(tps) => {
                    println!(
                        "\nanchor, pgbench -N -c 8 -j 2 -T {}: {tps:.0} tps; load average {}",
                        pgbench_seconds(),
                        load_average()
                    );
                    Some(tps)
                }
                Err(why) => {
                    println!("\nanchor, pgbench: none ({why})");
                    None
                }
            };
            let name = format!("saraban_bench_{}", uuid::Uuid::new_v4().simple());
            let (url, conn) = scratch_postgres::create(&admin, &name).await;
            // Run on a task of its own so that a panic still drops the database.
            let outcome = tokio::spawn(async move {
                bench(
                    "postgres",
                    url,
                    plan,
                    anchor.map(|tps| ("pgbench -N -c 8", tps)),
                )
                .await
            })
            .await;
            scratch_postgres::drop(conn, &name).await;
            if let Err(failure) = outcome {
                std::panic::resume_unwind(failure.into_panic());
            }
        }
        _ => println!("\npostgres: skipped (set SARABAN_BENCH_POSTGRES_URL to an admin URL)"),
    }
}

/// How long the pgbench anchor runs.
fn pgbench_seconds() -> u64 {
    std::env::var("SARABAN_BENCH_PGBENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The bench's organisation id, known good.
fn org(id: &str) -> OrgId {
    OrgId::parse(id).expect("an id")
}

/// One of the bench's people, known good.
fn person(id: &str) -> PersonId {
    PersonId::parse(id).expect("an id")
}

/// The bench's memo, read as a document.
fn drafted(content: Value) -> Drafted {
    Drafted::from_value(content).expect("a document")
}
