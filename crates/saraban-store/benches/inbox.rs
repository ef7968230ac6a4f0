//! A drafter's inbox as their documents grow (issue 20, point 5), on
//! SQLite (a file in the temp dir, as `saraban serve` opens it), or on a
//! fresh PostgreSQL database when `SARABAN_BENCH_POSTGRES_URL` names a
//! server (dropped afterwards, unless `SARABAN_BENCH_KEEP` is set: then
//! it is kept, and named, to explain its plans).
//!
//! Setup (untimed, but reported): the example organisation with its
//! checkpoint key; one drafter (chanyurat) keeps 51 drafts, and creates and
//! submits memos through the store's API until the organisation holds each
//! size of `SARABAN_BENCH_SIZES` (default `1817,17032`, the sizes of the
//! finding); every fourth is endorsed once by the head of office, so that
//! the states vary. Timed, at each size: 200 inboxes of the drafter (their
//! 51 drafts and the newest 200 they sent: 251 items however many they have
//! sent) and 200 of a reviewer (somsak, whom every fourth waits for), after
//! 5 warm-ups, as the server asks for them (`Store::inbox`, limit 200).
//! `--quick` (or `SARABAN_BENCH_QUICK=1`) grows to 300 and 3,000.
//!
//! `cargo bench -p saraban-store --bench inbox [-- --quick]`

#[path = "common/scratch_postgres.rs"]
mod scratch_postgres;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::document::{Syntax, read_value};
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction;
use saraban_core::{Drafted, OrgId, PersonId, PositionId};
use saraban_store::Store;
use serde_json::Value;

const ORG: &str = "wangkrachae";
const DRAFTER: &str = "chanyurat";
const REVIEWER: &str = "somsak";
const DRAFTS: usize = 51;
const RUNS: usize = 200;

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

fn org() -> OrgId {
    OrgId::parse(ORG).expect("an id")
}

fn person(id: &str) -> PersonId {
    PersonId::parse(id).expect("an id")
}

/// The n-th document's time: a second apart, so that the lists' order is
/// the order they were written in.
fn at(n: usize) -> DateTime<Utc> {
    thai(2025, 4, 9, 8, 0) + chrono::Duration::seconds(n as i64)
}

/// Creates and submits documents, 16 at a time, numbered from `from` up to
/// `to`; every fourth is endorsed once, so that it waits for the reviewer.
async fn grow(store: &Store, from: usize, to: usize) {
    let next = Arc::new(AtomicUsize::new(from));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (store, next) = (store.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= to {
                    break;
                }
                let doc = store
                    .create_document(
                        &org(),
                        &person(DRAFTER),
                        Drafted::from_value(memo()).expect("a document"),
                        at(n),
                    )
                    .await
                    .expect("create");
                store
                    .act(
                        &org(),
                        &person(DRAFTER),
                        &doc.id,
                        RouteAction::Submit,
                        None,
                        at(n),
                    )
                    .await
                    .expect("submit");
                if n % 4 == 0 {
                    store
                        .act(
                            &org(),
                            &person("somjai"),
                            &doc.id,
                            RouteAction::Endorse,
                            Some("เห็นควรลงนาม"),
                            at(n),
                        )
                        .await
                        .expect("endorse");
                }
            }
        });
    }
    tasks.join_all().await;
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

/// p50 and p99 of `RUNS` inboxes of `who`, and the items the last one held.
async fn time_inbox(store: &Store, who: &str) -> (f64, f64, usize) {
    let positions: Vec<PositionId> = store
        .positions_of(&org(), &person(who), thai(2025, 4, 10, 9, 0))
        .await
        .expect("positions")
        .into_iter()
        .map(|held| held.position)
        .collect();
    let mut items = 0;
    let mut latencies = Vec::with_capacity(RUNS);
    for run in 0..RUNS + 5 {
        let begun = Instant::now();
        let inbox = store
            .inbox(&org(), &person(who), &positions, 200)
            .await
            .expect("inbox");
        let took = begun.elapsed();
        items = inbox.waiting.len() + inbox.drafts.len() + inbox.sent.len();
        if run >= 5 {
            latencies.push(took);
        }
    }
    latencies.sort();
    (
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        items,
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var("SARABAN_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let sizes: Vec<usize> = match std::env::var("SARABAN_BENCH_SIZES") {
        Ok(sizes) if !sizes.is_empty() => sizes
            .split(',')
            .map(|s| s.trim().parse().expect("SARABAN_BENCH_SIZES: numbers"))
            .collect(),
        _ if quick => vec![300, 3_000],
        _ => vec![1_817, 17_032],
    };
    let keys = std::env::temp_dir().join(format!(
        "saraban-bench-{}.keys",
        uuid::Uuid::new_v4().simple()
    ));
    match std::env::var("SARABAN_BENCH_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("saraban_inbox_bench_{}", std::process::id());
            let (url, conn) = scratch_postgres::create(&admin, &name).await;
            let kept = keys.clone();
            let outcome =
                tokio::spawn(async move { bench("postgres", &url, &kept, &sizes).await }).await;
            let keep = std::env::var_os("SARABAN_BENCH_KEEP").is_some();
            if keep {
                println!(
                    "kept: database {name}, content and keys in {}",
                    keys.display()
                );
            } else {
                scratch_postgres::drop(conn, &name).await;
            }
            if let Err(failure) = outcome {
                std::panic::resume_unwind(failure.into_panic());
            }
            if keep {
                return;
            }
        }
        _ => {
            let file =
                std::env::temp_dir().join(format!("saraban-bench-{}.sqlite", uuid::Uuid::new_v4()));
            bench(
                "sqlite",
                &format!("sqlite://{}", file.display()),
                &keys,
                &sizes,
            )
            .await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&keys);
}

async fn bench(backend: &str, url: &str, keys: &std::path::Path, sizes: &[usize]) {
    // PostgreSQL's content in a folder beside the keys.
    let content = url
        .starts_with("postgres")
        .then(|| saraban_store::ContentPlace::Folder(keys.join("content")));
    let store = Store::open_with_content(url, content.as_ref())
        .await
        .expect("open the store");
    store.use_key_folder(keys).expect("a key folder");
    let config = OrgConfig::parse_toml(include_str!(
        "../../../examples/organisation/wangkrachae.toml"
    ))
    .expect("organisation");
    store
        .init_org(&config, None, thai(2024, 1, 2, 9, 0))
        .await
        .expect("org init");
    store
        .ensure_signing_key(&org())
        .await
        .expect("a signing key");
    for n in 0..DRAFTS {
        store
            .create_document(
                &org(),
                &person(DRAFTER),
                Drafted::from_value(memo()).expect("a document"),
                at(n),
            )
            .await
            .expect("a draft");
    }
    println!("\n{backend}: one drafter's inbox as their documents grow ({RUNS} runs each)");
    println!(
        "{:>9} {:>9} {:>14} {:>14} {:>6} {:>16} {:>16}",
        "documents",
        "grown s",
        "drafter p50",
        "drafter p99",
        "items",
        "reviewer p50",
        "reviewer p99"
    );
    let mut have = DRAFTS;
    for &size in sizes {
        let begun = Instant::now();
        grow(&store, have, size.max(have)).await;
        have = size.max(have);
        let grown = begun.elapsed().as_secs_f64();
        let (p50, p99, items) = time_inbox(&store, DRAFTER).await;
        let (r50, r99, _) = time_inbox(&store, REVIEWER).await;
        println!(
            "{have:>9} {grown:>9.1} {p50:>11.2} ms {p99:>11.2} ms {items:>6} {r50:>13.2} ms {r99:>13.2} ms"
        );
    }
    store.close().await;
}
