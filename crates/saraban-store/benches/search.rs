//! Search latency over a large organisation: p50 and p95 of `Store::search`
//! for several query shapes, on SQLite (a file in the temp dir) and, when
//! `SARABAN_BENCH_POSTGRES_URL` names a server, on a fresh PostgreSQL
//! database there.
//!
//! Setup (untimed, but reported): the example organisation, then
//! `SARABAN_BENCH_DOCUMENTS` memos (default 200,000) written straight into
//! the documents table in bulk, their subjects and bodies assembled from
//! the segmenter's Thai word list (words drawn by a Zipf law from a
//! seeded vocabulary of 5,000, with the office's own phrases and numbers),
//! numbered in their register, drafted and acted on by the example's
//! people; then `Store::reindex`, which builds every search row with the
//! function the transitions use. Timed: each query shape, 30 times after
//! 3 warm-ups, as the registrar (who may read everything not secret).
//! `SARABAN_BENCH_ONLY=sqlite|postgres` runs one backend;
//! `SARABAN_BENCH_KEEP=NAME` keeps the PostgreSQL database NAME (and
//! searches one kept by an earlier run without writing it again).
//!
//! `cargo bench -p saraban-store --bench search`

#[path = "common/scratch_postgres.rs"]
mod scratch_postgres;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::org::OrgConfig;
use saraban_core::{OrgId, PersonId, PositionId};
use saraban_store::{Account, PositionHeld, SearchQuery, Store};
use serde_json::json;

const ORG: &str = "wangkrachae";
const VOCABULARY: usize = 5_000;
const PEOPLE: [&str; 6] = [
    "chanyurat",
    "somjai",
    "somsak",
    "wilaiwan",
    "kanok",
    "sunee",
];
const OPENINGS: [&str; 8] = [
    "ขออนุมัติ",
    "รายงานผลการดำเนินงาน",
    "แต่งตั้งคณะกรรมการ",
    "ขอเชิญประชุม",
    "ขอความอนุเคราะห์",
    "แจ้งผลการพิจารณา",
    "ขอส่งรายงาน",
    "ประชาสัมพันธ์",
];

/// xorshift64*: seeded, so every run writes the same corpus.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A rank from 0, by Zipf's law over `n` ranks.
    fn zipf(&mut self, n: usize) -> usize {
        ((n as f64).powf(self.unit()) as usize)
            .saturating_sub(1)
            .min(n - 1)
    }
}

fn thai(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    thai_offset()
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid Thai time")
        .with_timezone(&Utc)
}

/// The vocabulary: Thai words of the segmenter's list (no abbreviations).
fn vocabulary(random: &mut Random) -> Vec<&'static str> {
    let words: Vec<&'static str> = include_str!("../../saraban-core/data/words_th.txt")
        .lines()
        .filter(|w| w.chars().count() >= 2 && !w.contains('.') && !w.contains(' '))
        .collect();
    (0..VOCABULARY)
        .map(|_| words[random.below(words.len())])
        .collect()
}

/// `least` to `least + spread - 1` words, run together as Thai is written.
fn words(random: &mut Random, vocabulary: &[&str], least: usize, spread: usize) -> String {
    let count = least + random.below(spread);
    (0..count)
        .map(|_| vocabulary[random.zipf(vocabulary.len())])
        .collect::<Vec<_>>()
        .join("")
}

/// Thai digits, as offices type them.
fn thai_digits(n: u64) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32('๐' as u32 + (c as u32 - '0' as u32)).unwrap_or(c))
        .collect()
}

fn memo(random: &mut Random, vocabulary: &[&str], year: i32, number: u64) -> serde_json::Value {
    let subject = format!(
        "{}{}{}",
        OPENINGS[random.below(OPENINGS.len())],
        words(random, vocabulary, 3, 4),
        if random.below(2) == 0 {
            format!(" ประจำปีงบประมาณ พ.ศ. {}", thai_digits(year as u64 + 543))
        } else {
            String::new()
        }
    );
    let body: Vec<serde_json::Value> = (0..2)
        .map(|_| {
            let sentences: Vec<String> = (0..3)
                .map(|_| words(random, vocabulary, 6, 8))
                .collect();
            json!({ "paragraph": format!("{} ตามหนังสือที่ {}", sentences.join(" "), thai_digits(number)) })
        })
        .collect();
    let mut content = json!({
        "format": "saraban/1",
        "kind": "memo",
        "agency": "สำนักปลัด องค์การบริหารส่วนตำบลวังกระแจะ",
        "date": format!("{year}-{:02}-{:02}", 1 + random.below(12), 1 + random.below(28)),
        "subject": subject,
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "body": body,
    });
    match random.below(10) {
        0 => content["urgency"] = json!("ด่วนที่สุด"),
        1 | 2 => content["urgency"] = json!("ด่วน"),
        _ => {}
    }
    content
}

/// Writes `count` memos straight into the documents table, numbered per
/// year in the memo register, 500 a statement.
async fn write_corpus(store: &Store, count: usize) {
    let mut random = Random(0x5a4a_b4a1_2568);
    let vocabulary = vocabulary(&mut random);
    let postgres = store.backend() == saraban_store::Backend::Postgres;
    let time = |n: usize| {
        if postgres {
            format!("CAST(${n} AS TIMESTAMPTZ)")
        } else {
            format!("${n}")
        }
    };
    let mut numbers = std::collections::HashMap::<i32, u64>::new();
    let mut tx = store.pool().begin().await.expect("begin");
    for start in (0..count).step_by(500) {
        let rows = (count - start).min(500);
        let mut values = Vec::with_capacity(rows);
        for row in 0..rows {
            let p = row * 9;
            values.push(format!(
                "($1, ${}, 'memo', ${}, 0, 1, ${}, 1, 1, ${}, 'bench', ${}, ${}, ${}, {}, {})",
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7,
                p + 8,
                time(p + 9),
                time(p + 10)
            ));
        }
        let sql = format!(
            "INSERT INTO documents (org_id, id, kind, state, step, round, drafter_id, route_version, version, list_subject, content_hash, register_id, year, number, created_at, updated_at) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ORG);
        let mut contents = Vec::with_capacity(rows);
        for row in 0..rows {
            let year = 2022 + random.below(4) as i32;
            let issued = random.below(3) != 0;
            let number = if issued {
                let next = numbers.entry(year).or_insert(0);
                *next += 1;
                Some(*next as i64)
            } else {
                None
            };
            let content = memo(&mut random, &vocabulary, year, number.unwrap_or(0) as u64);
            let at = thai(year, 6, 1, 9, 0)
                .with_timezone(&thai_offset())
                .to_rfc3339();
            let id = format!("00000000-0000-4000-8000-{:012x}", start + row);
            query = query
                .bind(id.clone())
                .bind(if issued { "issued" } else { "draft" })
                .bind(PEOPLE[random.below(PEOPLE.len())])
                .bind(content["subject"].as_str().map(str::to_owned))
                .bind(issued.then_some("memo"))
                .bind(number.map(|_| i64::from(year + 543)))
                .bind(number)
                .bind(at.clone())
                .bind(at);
            contents.push((id, content.to_string()));
        }
        query.execute(&mut *tx).await.expect("insert the corpus");
        let sql = format!(
            "INSERT INTO document_contents (org_id, document_id, content) VALUES {}",
            (0..rows)
                .map(|row| format!("($1, ${}, ${})", row * 2 + 2, row * 2 + 3))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ORG);
        for (id, content) in contents {
            query = query.bind(id).bind(content);
        }
        query.execute(&mut *tx).await.expect("insert the contents");
    }
    tx.commit().await.expect("commit the corpus");
}

fn registrar() -> Account {
    Account {
        org: OrgId::parse(ORG).unwrap(),
        person: PersonId::parse("sunee").unwrap(),
        name: "นางสุนีย์ รักงาน".into(),
        is_admin: false,
        positions: vec![PositionHeld {
            position: PositionId::parse("registrar").unwrap(),
            capacity: "holder".into(),
        }],
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

async fn bench(name: &str, url: String, count: usize) {
    // PostgreSQL's content goes to a folder of the run's own.
    let content = url.starts_with("postgres").then(|| {
        saraban_store::ContentPlace::Folder(std::env::temp_dir().join(format!(
            "saraban-bench-{}.content",
            uuid::Uuid::new_v4().simple()
        )))
    });
    let store = Store::open_with_content(&url, content.as_ref())
        .await
        .expect("open");
    let config = OrgConfig::parse_toml(include_str!(
        "../../../examples/organisation/wangkrachae.toml"
    ))
    .expect("organisation");
    // A kept database (SARABAN_BENCH_KEEP) is searched as it was left.
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE org_id = $1")
        .bind(ORG)
        .fetch_one(store.pool())
        .await
        .expect("count the documents");
    if kept > 0 {
        println!("\n{name}: {kept} documents kept from an earlier run");
    } else {
        store
            .init_org(&config, None, thai(2024, 1, 2, 9, 0))
            .await
            .expect("init");
        let begun = Instant::now();
        write_corpus(&store, count).await;
        let written = begun.elapsed();
        let begun = Instant::now();
        store.reindex(None).await.expect("reindex");
        let indexed = begun.elapsed();
        println!(
            "\n{name}: {count} documents written in {:.1} s, indexed (reindex) in {:.1} s",
            written.as_secs_f64(),
            indexed.as_secs_f64()
        );
    }
    let mut random = Random(0x5a4a_b4a1_2568);
    let vocabulary = vocabulary(&mut random);
    let shapes: Vec<(String, SearchQuery)> = vec![
        ("common compound: งบประมาณ".into(), query("งบประมาณ")),
        (
            format!("frequent word: {}", vocabulary[3]),
            query(vocabulary[3]),
        ),
        (
            format!("mid word: {}", vocabulary[200]),
            query(vocabulary[200]),
        ),
        (
            format!("rare word: {}", vocabulary[4000]),
            query(vocabulary[4000]),
        ),
        (
            format!("two words: ขออนุมัติ {}", vocabulary[50]),
            query(&format!("ขออนุมัติ {}", vocabulary[50])),
        ),
        (
            "register number: ตร ๗๑๐๐๑/๑๒๓๔".into(),
            query("ตร ๗๑๐๐๑/๑๒๓๔"),
        ),
        ("number alone: 1234".into(), query("1234")),
        ("person: สมศักดิ์".into(), query("สมศักดิ์")),
        ("short (scan): ๔๙".into(), query("๔๙")),
        (
            "filtered: งบประมาณ, memo, 2568, ด่วน".into(),
            SearchQuery {
                kind: Some("memo".into()),
                year: Some(2568),
                urgency: Some(saraban_core::document::Urgency::Urgent),
                ..query("งบประมาณ")
            },
        ),
        (
            "page 3 of a common word".into(),
            SearchQuery {
                offset: 40,
                ..query("ประชุม")
            },
        ),
    ];
    let reader = registrar();
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "query", "matches", "p50 ms", "p95 ms"
    );
    for (label, asked) in shapes {
        let mut total = 0;
        for _ in 0..3 {
            total = store.search(&reader, &asked).await.expect("search").total;
        }
        let mut times = vec![Duration::ZERO; 30];
        for time in &mut times {
            let begun = Instant::now();
            store.search(&reader, &asked).await.expect("search");
            *time = begun.elapsed();
        }
        times.sort();
        println!(
            "{:<44} {:>9} {:>9.1} {:>9.1}",
            label,
            total,
            millis(times[times.len() / 2]),
            millis(times[times.len() * 95 / 100])
        );
    }
    store.close().await;
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        limit: 20,
        ..SearchQuery::default()
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let count: usize = std::env::var("SARABAN_BENCH_DOCUMENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let only = std::env::var("SARABAN_BENCH_ONLY").ok();
    if only.as_deref() != Some("postgres") {
        let file =
            std::env::temp_dir().join(format!("saraban-search-bench-{}.db", uuid::Uuid::new_v4()));
        bench("sqlite", format!("sqlite://{}", file.display()), count).await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    if only.as_deref() != Some("sqlite")
        && let Ok(admin) = std::env::var("SARABAN_BENCH_POSTGRES_URL")
    {
        // SARABAN_BENCH_KEEP=NAME: the database NAME, made if missing,
        // kept afterwards (to explain its plans, or search it again).
        let keep = std::env::var("SARABAN_BENCH_KEEP").ok();
        let name = keep
            .clone()
            .unwrap_or_else(|| format!("saraban_search_bench_{}", std::process::id()));
        let (url, conn) = scratch_postgres::create(&admin, &name).await;
        let outcome = tokio::spawn(async move { bench("postgres", url, count).await }).await;
        if keep.is_none() {
            scratch_postgres::drop(conn, &name).await;
        }
        if let Err(failure) = outcome {
            std::panic::resume_unwind(failure.into_panic());
        }
    }
}
