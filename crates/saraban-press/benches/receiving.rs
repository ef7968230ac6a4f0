//! Receiving, timed on SQLite (a file in the temp dir) and, when
//! `SARABAN_BENCH_POSTGRES_URL` names a server, on a fresh PostgreSQL
//! database there:
//! - a 20-page PDF letter received (checked, numbered, kept) and its
//!   stamped view typeset, 20 times: p50 and p95 of each;
//! - paper letters received by 32 clients at once: receipts per second;
//! - the receiving register of a year of 5,000 letters read: p50 and p95.
//!
//! `SARABAN_BENCH_ONLY=sqlite|postgres` runs one backend.
//! `cargo bench -p saraban-press --bench receiving`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::incoming::Received;
use saraban_core::org::OrgConfig;
use saraban_core::{BuddhistYear, OrgId, PersonId};
use saraban_store::{OriginalFile, Store};
use sqlx::Connection;

const ORG: &str = "wangkrachae";
const REGISTRAR: &str = "sunee";
const LONG_LETTERS: usize = 20;
const CLIENTS: usize = 32;
const YEAR_OF_LETTERS: usize = 5_000;
const REGISTER_READS: usize = 20;

fn thai(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    thai_offset()
        .with_ymd_and_hms(2026, 3, day, hour, minute, 0)
        .single()
        .expect("a valid Thai time")
        .with_timezone(&Utc)
}

fn letter(subject: &str) -> Received {
    Received::from_value(serde_json::json!({
        "format": "saraban/1",
        "kind": "incoming",
        "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
        "date": "2026-03-01",
        "from": "ที่ว่าการอำเภอเมืองตราด",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "subject": subject,
    }))
    .expect("a received letter")
}

fn repo_file(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
}

/// The median and the 95th percentile, in milliseconds.
fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| {
        let index = ((times.len() as f64 - 1.0) * q).round() as usize;
        times[index].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.95))
}

async fn bench(backend: &str, url: String) {
    let store = saraban_press::TypstPress::default().attach(Store::open(&url).await.expect("open"));
    let config = OrgConfig::parse_toml(
        &String::from_utf8(repo_file("examples/organisation/wangkrachae.toml")).expect("UTF-8"),
    )
    .expect("the example organisation");
    store
        .init_org(&config, None, Utc::now())
        .await
        .expect("init");
    let (org, registrar) = (
        OrgId::parse(ORG).expect("org"),
        PersonId::parse(REGISTRAR).expect("person"),
    );

    let long = repo_file("tests/fixtures/incoming/letter-20-pages.pdf");
    let (mut receipts, mut stamps) = (Vec::new(), Vec::new());
    for i in 0..LONG_LETTERS {
        let started = Instant::now();
        let received = store
            .receive_letter(
                &org,
                &registrar,
                letter(&format!("หนังสือยาว ๒๐ หน้า ฉบับที่ {i}")),
                Some(OriginalFile {
                    filename: Some("letter-20-pages.pdf".into()),
                    bytes: long.clone(),
                }),
                thai(2, 9, i as u32),
            )
            .await
            .expect("receive");
        receipts.push(started.elapsed());
        let started = Instant::now();
        let stamped = store
            .stamped_view(&org, &received.id)
            .await
            .expect("stamped view");
        stamps.push(started.elapsed());
        assert!(stamped.starts_with(b"%PDF-"));
    }
    let (receive_p50, receive_p95) = percentiles(receipts);
    let (stamp_p50, stamp_p95) = percentiles(stamps);
    println!(
        "{backend}: a 20-page PDF received p50 {receive_p50:.1} ms, p95 {receive_p95:.1} ms; stamped view p50 {stamp_p50:.1} ms, p95 {stamp_p95:.1} ms"
    );

    // A year's letters, received 32 at a time.
    let store = Arc::new(store);
    let per_client = (YEAR_OF_LETTERS - LONG_LETTERS).div_ceil(CLIENTS);
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (store, org, registrar) = (store.clone(), org.clone(), registrar.clone());
            tokio::spawn(async move {
                for i in 0..per_client {
                    store
                        .receive_letter(
                            &org,
                            &registrar,
                            letter(&format!("หนังสือฉบับที่ {client}-{i}")),
                            None,
                            thai(3 + (i % 20) as u32, 9, 0),
                        )
                        .await
                        .expect("receive");
                }
            })
        })
        .collect();
    for client in clients {
        client.await.expect("a client");
    }
    let elapsed = started.elapsed();
    let received = per_client * CLIENTS;
    println!(
        "{backend}: {received} paper letters by {CLIENTS} clients in {:.2} s: {:.0} receipts/s",
        elapsed.as_secs_f64(),
        received as f64 / elapsed.as_secs_f64()
    );

    let year = BuddhistYear::new(2569).expect("year");
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let mut reads = Vec::new();
    let mut rows = 0;
    for _ in 0..REGISTER_READS {
        let started = Instant::now();
        rows = store
            .received_register(&org, year, today)
            .await
            .expect("register")
            .len();
        reads.push(started.elapsed());
    }
    let (p50, p95) = percentiles(reads);
    println!(
        "{backend}: the receiving register of {rows} letters read p50 {p50:.1} ms, p95 {p95:.1} ms"
    );
}

fn main() {
    let only = std::env::var("SARABAN_BENCH_ONLY").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if only.as_deref().is_none_or(|b| b == "sqlite") {
        let file = std::env::temp_dir().join(format!(
            "saraban-receiving-bench-{}.sqlite3",
            std::process::id()
        ));
        runtime.block_on(bench("sqlite", format!("sqlite://{}", file.display())));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    if only.as_deref().is_none_or(|b| b == "postgres")
        && let Ok(admin) = std::env::var("SARABAN_BENCH_POSTGRES_URL")
    {
        runtime.block_on(async {
            let name = format!("saraban_receiving_bench_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to the bench server");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create the bench database");
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(base, _)| base);
            let url = format!("{base}/{name}");
            // On a task of its own, so that a panic still drops the database.
            let outcome = tokio::spawn(async move { bench("postgres", url).await }).await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .expect("drop the bench database");
            outcome.expect("the PostgreSQL bench");
        });
    }
}
