//! `saraban verify` at scale: builds a database of `SARABAN_BENCH_EVENTS`
//! events (default 100,000) through the store, as an office makes them —
//! memos created, submitted, endorsed by three reviewers and signed, every
//! approval carrying its actor's signature, one in a hundred issued with
//! its PDF, a checkpoint per committed batch — then times the real command
//! on it (wall time and peak memory, from `/usr/bin/time`), rebuilding of
//! the projections included.
//!
//! On SQLite (a file under `SARABAN_BENCH_DIR`, default the temp dir; kept,
//! so a second run of the same size reuses it) and, when
//! `SARABAN_BENCH_POSTGRES_URL` names a server, on a PostgreSQL database
//! there (`saraban_verify_<events>`, kept likewise). `SARABAN_BENCH_ONLY=
//! sqlite|postgres` runs one backend.
//!
//! `SARABAN_BENCH_EVENTS=1000000 cargo bench -p saraban --bench verify_scale`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::document::{Syntax, read_value};
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction;
use saraban_core::{Drafted, OrgId, PersonId};
use saraban_store::Store;
use serde_json::Value;
use sqlx::{Connection, Row};

const ORG: &str = "wangkrachae";
/// Memos routed at once: as many as a writer's batch takes (its
/// `MAX_BATCH`), so that each commit carries a full batch.
const CLIENTS: u64 = 128;
/// One memo in this many is issued (typesetting is not what is measured).
const ISSUE_EVERY: u64 = 100;

fn thai(day: u32, hour: u32) -> DateTime<Utc> {
    thai_offset()
        .with_ymd_and_hms(2025, 5, day, hour, 0, 0)
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

fn main() {
    let events: u64 = std::env::var("SARABAN_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let only = std::env::var("SARABAN_BENCH_ONLY").ok();
    let dir = std::env::var_os("SARABAN_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    std::fs::create_dir_all(&dir).expect("bench folder");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    sqlx::any::install_default_drivers();
    println!("saraban verify at {events} events");
    if only.as_deref().is_none_or(|b| b == "sqlite") {
        let file = dir.join(format!("saraban-verify-{events}.sqlite3"));
        let url = format!("sqlite://{}", file.display());
        let keys = dir.join(format!("saraban-verify-{events}.keys"));
        runtime.block_on(ensure_built(&url, &keys, events));
        measure("SQLite", &url, &keys);
    }
    if only.as_deref().is_none_or(|b| b == "postgres") {
        match std::env::var("SARABAN_BENCH_POSTGRES_URL") {
            Ok(admin) => {
                let name = format!("saraban_verify_{events}");
                let url = runtime.block_on(postgres_database(&admin, &name));
                let keys = dir.join(format!("{name}.keys"));
                runtime.block_on(ensure_built(&url, &keys, events));
                measure("PostgreSQL", &url, &keys);
            }
            Err(_) => println!("PostgreSQL: skipped (set SARABAN_BENCH_POSTGRES_URL)"),
        }
    }
}

/// The URL of database `name` on the server of `admin`, made if missing.
async fn postgres_database(admin: &str, name: &str) -> String {
    let mut conn = sqlx::AnyConnection::connect(admin)
        .await
        .expect("PostgreSQL server");
    let exists = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT 1 FROM pg_database WHERE datname = '{name}'"
    )))
    .fetch_optional(&mut conn)
    .await
    .expect("pg_database")
    .is_some();
    if !exists {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
    }
    conn.close().await.ok();
    let (base, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{base}/{name}")
}

/// Fills the database until its log holds at least `events` events,
/// unless an earlier run did.
async fn ensure_built(url: &str, keys: &Path, events: u64) {
    // PostgreSQL's content goes to a folder beside the keys.
    let content = url
        .starts_with("postgres")
        .then(|| saraban_store::ContentPlace::Folder(keys.with_extension("content")));
    let store = saraban_press::TypstPress::default().attach(
        Store::open_with_content(url, content.as_ref())
            .await
            .expect("open"),
    );
    store.use_key_folder(keys).expect("keys");
    let head: Option<i64> = sqlx::query("SELECT seq FROM ledger_heads WHERE org_id = $1")
        .bind(ORG)
        .fetch_optional(store.pool())
        .await
        .expect("log head")
        .map(|row| row.get("seq"));
    let head = match head {
        Some(head) => head as u64,
        None => {
            let config = OrgConfig::parse_toml(include_str!(
                "../../../examples/organisation/wangkrachae.toml"
            ))
            .expect("organisation");
            store
                .init_org(&config, None, thai(1, 8))
                .await
                .expect("init");
            store.ensure_signing_key(&org(ORG)).await.expect("key");
            0
        }
    };
    // Every approval is signed by its actor: their keys unlock at sign-in.
    for person in [
        "chanyurat",
        "somjai",
        "somsak",
        "wilaiwan",
        "kanok",
        "sunee",
    ] {
        if head == 0 {
            store
                .set_password(
                    &org(ORG),
                    &PersonId::parse(person).unwrap(),
                    "saraban-bench",
                )
                .await
                .expect("password");
        } else {
            store
                .sign_in(ORG, person, "saraban-bench", false, thai(1, 8))
                .await
                .expect("sign in");
        }
    }
    let appended = Arc::new(AtomicU64::new(head.max(6)));
    if appended.load(Ordering::Relaxed) >= events {
        println!(
            "  reusing {url_shown} ({head} events)",
            url_shown = shown(url)
        );
        store.close().await;
        return;
    }
    let begun = Instant::now();
    let memos = Arc::new(AtomicU64::new(0));
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (store, appended, memos) = (store.clone(), appended.clone(), memos.clone());
        clients.spawn(async move {
            while appended.load(Ordering::Relaxed) < events {
                let n = memos.fetch_add(1, Ordering::Relaxed);
                let issue = n % ISSUE_EVERY == ISSUE_EVERY - 1;
                route_memo(&store, issue).await;
                let count = if issue { 7 } else { 6 };
                let total = appended.fetch_add(count, Ordering::Relaxed) + count;
                if total / 100_000 != (total - count) / 100_000 {
                    eprintln!(
                        "  {total} events, {:.0}/s",
                        total as f64 / begun.elapsed().as_secs_f64()
                    );
                }
            }
        });
    }
    clients.join_all().await;
    let elapsed = begun.elapsed();
    println!(
        "  built {} events in {:.0} s ({:.0} events/s)",
        appended.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        appended.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
    );
    store.close().await;
}

async fn route_memo(store: &Store, issue: bool) {
    let id = store
        .create_document(&org(ORG), &person("chanyurat"), drafted(memo()), thai(2, 9))
        .await
        .expect("create")
        .id;
    let mut steps = vec![
        ("chanyurat", RouteAction::Submit, None),
        ("somjai", RouteAction::Endorse, Some("เห็นควรเสนอ")),
        ("somsak", RouteAction::Endorse, Some("เห็นควรเสนอ")),
        ("wilaiwan", RouteAction::Endorse, Some("เห็นควรทราบ")),
        ("kanok", RouteAction::Sign, Some("ทราบ")),
    ];
    if issue {
        steps.push(("sunee", RouteAction::Issue, None));
    }
    for (who, action, text) in steps {
        store
            .act(&org(ORG), &person(who), &id, action, text, thai(2, 10))
            .await
            .expect("act");
    }
}

/// Runs `saraban verify` under `/usr/bin/time`; prints its wall time and
/// peak resident memory.
fn measure(backend: &str, url: &str, keys: &Path) {
    let saraban = env!("CARGO_BIN_EXE_saraban");
    let mut command = Command::new("/usr/bin/time");
    command
        .args(["-f", "%e %M"])
        .arg(saraban)
        .args(["verify", "--db", url, "--keys"])
        .arg(keys);
    // PostgreSQL's content is in the folder `ensure_built` gave it.
    if url.starts_with("postgres") {
        command.arg("--store").arg(keys.with_extension("content"));
    }
    let output = command.output().expect("/usr/bin/time and saraban");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let timing = stderr.lines().last().unwrap_or_default();
    let (seconds, kib) = timing.split_once(' ').unwrap_or(("?", "0"));
    let mib = kib.trim().parse::<f64>().unwrap_or(0.0) / 1024.0;
    let summary = stdout.lines().next().unwrap_or_default();
    println!("{backend}: saraban verify took {seconds} s, peak memory {mib:.0} MiB");
    println!("  {summary}");
    assert!(
        stdout.contains("holds"),
        "verify must hold on an untouched database:\n{stdout}\n{stderr}"
    );
}

fn shown(url: &str) -> String {
    saraban_store::redact(url)
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
