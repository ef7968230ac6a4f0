//! `saraban backup` of a large SQLite database while the server is under
//! load: the backup's time and size, and the load's p99 while the backup
//! runs beside its p99 without one.
//!
//! The database is the one `verify_scale` builds (`SARABAN_BENCH_EVENTS`
//! events, default 100,000, in `SARABAN_BENCH_DIR`): run that bench first.
//! It is copied, so the bench changes nothing of it. The real binary
//! (`SARABAN_BIN`, default `debug/saraban` in the target directory) serves
//! the copy; a client drives it open-loop at `SARABAN_BACKUP_LOAD_RATE`
//! requests a second (default 20: reads of a document and new drafts, half
//! each), latency counted from each request's scheduled time.
//!
//! `cargo bench -p saraban --bench backup_load`

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-bench";
const MEMO: &str = include_str!("../../../examples/ita-report-2568.toml");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    )
}

fn binary() -> PathBuf {
    std::env::var_os("SARABAN_BIN")
        .map_or_else(|| target_dir().join("debug/saraban"), PathBuf::from)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                size_of(&entry.path())
            } else {
                entry.metadata().unwrap().len()
            }
        })
        .sum()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// (scheduled instant, latency in ms, ok) of every request sent.
type Samples = Arc<Mutex<Vec<(Instant, f64, bool)>>>;

/// What the load sends, and to whom.
#[derive(Clone)]
struct Load {
    http: reqwest::Client,
    base: String,
    token: String,
    document: String,
    memo: Value,
}

/// Sends requests open-loop at `rate` a second until `until`.
async fn drive(load: Load, rate: f64, until: Instant, samples: Samples) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for n in 0.. {
        let scheduled = start + Duration::from_secs_f64(n as f64 / rate);
        if scheduled >= until {
            break;
        }
        tokio::time::sleep_until(scheduled.into()).await;
        let (
            Load {
                http,
                base,
                token,
                document,
                memo,
            },
            samples,
        ) = (load.clone(), samples.clone());
        tasks.push(tokio::spawn(async move {
            let request = if n % 2 == 0 {
                http.get(format!("{base}/documents/{document}"))
            } else {
                http.post(format!("{base}/documents")).json(&memo)
            };
            let ok = request
                .bearer_auth(&token)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            let ms = scheduled.elapsed().as_secs_f64() * 1000.0;
            samples.lock().unwrap().push((scheduled, ms, ok));
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

fn summary(samples: &[(Instant, f64, bool)], from: Instant, to: Instant) -> String {
    let mut ms: Vec<f64> = samples
        .iter()
        .filter(|(at, _, _)| *at >= from && *at <= to)
        .map(|(_, ms, _)| *ms)
        .collect();
    let errors = samples
        .iter()
        .filter(|(at, _, ok)| *at >= from && *at <= to && !ok)
        .count();
    ms.sort_by(f64::total_cmp);
    format!(
        "{} requests, {errors} errors, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms.len(),
        percentile(&ms, 0.50),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events: u64 = std::env::var("SARABAN_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let rate: f64 = std::env::var("SARABAN_BACKUP_LOAD_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20.0);
    let dir = std::env::var_os("SARABAN_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let source = dir.join(format!("saraban-verify-{events}.sqlite3"));
    assert!(
        source.is_file(),
        "{} is missing: run `cargo bench -p saraban --bench verify_scale` first",
        source.display()
    );
    let work = std::env::temp_dir().join(format!("saraban-backup-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let db_file = work.join("saraban.sqlite3");
    std::fs::copy(&source, &db_file).unwrap();
    let keys = work.join("keys");
    copy_dir(&dir.join(format!("saraban-verify-{events}.keys")), &keys);
    let db = format!("sqlite://{}", db_file.display());
    println!(
        "database: {events} events, {:.1} MB; load average {}",
        std::fs::metadata(&db_file).unwrap().len() as f64 / 1e6,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let _server = Server(
        Command::new(binary())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--public-url", "https://saraban.example.go.th", "--db", &db])
            .arg("--keys")
            .arg(&keys)
            .env_remove("SARABAN_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("saraban serve"),
    );
    let root = format!("http://127.0.0.1:{port}");
    let base = format!("{root}/api/v1");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    for _ in 0..600 {
        if http
            .get(format!("{root}/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let session = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_in = session
        .post(format!("{base}/sign-in"))
        .json(&json!({"org": ORG, "user": "chanyurat", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success(), "chanyurat signs in");
    let issued: Value = session
        .post(format!("{base}/tokens"))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["token"].as_str().expect("an API token").to_owned();
    let listing: Value = http
        .get(format!("{base}/documents?limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let document = listing["items"][0]["id"].as_str().unwrap().to_owned();
    let memo = saraban_core::document::read_value(MEMO, saraban_core::Syntax::Toml).unwrap();

    // Without a backup.
    let quiet: Samples = Arc::default();
    let seconds = 20;
    let start = Instant::now();
    let load = Load {
        http: http.clone(),
        base: base.clone(),
        token,
        document,
        memo,
    };
    drive(
        load.clone(),
        rate,
        start + Duration::from_secs(seconds),
        quiet.clone(),
    )
    .await;
    println!(
        "load {rate}/s without a backup ({seconds} s): {}",
        summary(&quiet.lock().unwrap(), start, Instant::now())
    );

    // With one, started two seconds into the load.
    let busy: Samples = Arc::default();
    // Stopped once the backup is done.
    let until = Instant::now() + Duration::from_secs(3600);
    let load = tokio::spawn(drive(load, rate, until, busy.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let to = work.join("backup");
    let began = Instant::now();
    let made = Command::new(binary())
        .args(["backup", "--db", &db, "--to"])
        .arg(&to)
        .arg("--keys")
        .arg(&keys)
        .env("SARABAN_BACKUP_PASSPHRASE", "bench passphrase")
        .output()
        .expect("saraban backup");
    let ended = Instant::now();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    println!(
        "backup: {:.2} s, {:.1} MB ({})",
        (ended - began).as_secs_f64(),
        size_of(&to) as f64 / 1e6,
        String::from_utf8_lossy(&made.stdout)
            .lines()
            .next()
            .unwrap_or_default()
    );
    load.abort();
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "load {rate}/s during the backup: {}",
        summary(&busy.lock().unwrap(), began, ended)
    );
    let _ = std::fs::remove_dir_all(&work);
}
