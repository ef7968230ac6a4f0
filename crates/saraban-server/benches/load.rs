//! Load benchmark over loopback: the real `saraban serve --demo` binary in its
//! own process (so its memory can be read from /proc), driven open-loop at
//! fixed rates. Latency counts from each request's scheduled send time, so a
//! slow server cannot hide behind a slow client (no coordinated omission).
//!
//! Build the server first — `cargo build --release -p saraban` (a bench
//! build does not build binaries) — then `cargo bench -p saraban-server
//! --bench load`. `SARABAN_BIN` names the server binary
//! (default: `release/saraban` in the target directory);
//! `SARABAN_LOAD_SECONDS` sets each scenario's length (default 10) and
//! `SARABAN_LOAD_{READ,INBOX,ENDORSE,GROWN_INBOX}_RATE` the rates.

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "saraban-demo";
const ORG: &str = "wangkrachae";
const MEMO: &str = include_str!("../../../examples/ita-report-2568.toml");

/// The server process; killed when dropped, even on a panic.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (VmRSS, VmHWM) of a process, in kB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A scenario's rate, from `SARABAN_LOAD_<NAME>_RATE` or the default.
fn rate(name: &str, default: f64) -> f64 {
    let var = format!("SARABAN_LOAD_{name}_RATE");
    std::env::var(var)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default()
}

fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SARABAN_BIN") {
        return path.into();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("release/saraban"),
        // This binary lives in <target>/release/deps/.
        None => std::env::current_exe()
            .expect("own path")
            .with_file_name("../saraban"),
    }
}

/// Signs in, then trades the session for an API token.
async fn token(http: &Client, base: &str, user: &str) -> String {
    let signed_in = http
        .post(format!("{base}/sign-in"))
        .json(&json!({ "org": ORG, "user": user, "password": PASSWORD }))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(signed_in.status(), StatusCode::OK, "{user} signs in");
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let response: Value = http
        .post(format!("{base}/tokens"))
        .header("cookie", cookie)
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    response["token"].as_str().expect("a token").to_owned()
}

/// True when the request got a 2xx answer and its whole body.
async fn ok(request: reqwest::RequestBuilder) -> bool {
    match request.send().await {
        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
        Err(_) => false,
    }
}

struct Stats {
    sent: usize,
    errors: usize,
    achieved: f64,
    /// From the scheduled send time.
    latencies: Vec<Duration>,
    /// From the moment the request actually left, for comparison.
    service: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    sorted[(last as f64 * p).round() as usize].as_secs_f64() * 1e3
}

fn requests(rate: f64, seconds: u64) -> usize {
    (rate * seconds as f64).round() as usize
}

/// Sends `rate` requests a second for `seconds`, open-loop, then waits for
/// the last answer. Request `i` is `request(first + i)`. A thread of its own
/// keeps the schedule: tokio's timer ticks in whole milliseconds, which
/// would add up to a millisecond of the generator's own to every latency.
async fn run<F, Fut>(rate: f64, seconds: u64, first: usize, request: Arc<F>) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let sent = requests(rate, seconds);
    let period = Duration::from_secs_f64(1.0 / rate);
    let runtime = tokio::runtime::Handle::current();
    let start = Instant::now();
    let pacer = tokio::task::spawn_blocking(move || {
        let mut tasks = Vec::with_capacity(sent);
        for i in 0..sent {
            let scheduled = start + period * i as u32;
            std::thread::sleep(scheduled.saturating_duration_since(Instant::now()));
            let request = request(first + i);
            tasks.push(runtime.spawn(async move {
                let left = Instant::now();
                let ok = request.await;
                (ok, scheduled.elapsed(), left.elapsed())
            }));
        }
        tasks
    });
    let tasks = pacer.await.expect("pacer");
    let (mut latencies, mut service, mut errors) = (Vec::new(), Vec::new(), 0);
    for task in tasks {
        match task.await.expect("request task") {
            (true, latency, own) => {
                latencies.push(latency);
                service.push(own);
            }
            (false, ..) => errors += 1,
        }
    }
    let achieved = latencies.len() as f64 / start.elapsed().as_secs_f64();
    latencies.sort();
    service.sort();
    Stats {
        sent,
        errors,
        achieved,
        latencies,
        service,
    }
}

/// One second of warm-up (connections, caches), then the measured run.
async fn scenario<F, Fut>(name: &str, rate: f64, seconds: u64, peak: &AtomicU64, request: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let request = Arc::new(request);
    let warm_up = run(rate, 1, 0, request.clone()).await.sent;
    peak.store(0, Ordering::Relaxed);
    let stats = run(rate, seconds, warm_up, request).await;
    let peak_rss = peak.load(Ordering::Relaxed);
    let l = &stats.latencies;
    println!(
        "{name:<24} {rate:>6} {:>8.1} {:>6} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.1}",
        stats.achieved,
        stats.sent,
        stats.errors,
        percentile(l, 0.5),
        percentile(l, 0.99),
        percentile(l, 1.0),
        percentile(&stats.service, 0.99),
        peak_rss as f64 / 1024.0,
    );
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("SARABAN_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    println!("load average before: {}", load_average().trim());
    let dir = std::env::temp_dir().join(format!("saraban-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let log = std::fs::File::create(dir.join("server.log")).expect("log file");
    let binary = server_binary();
    let mut server = Server(
        Command::new(&binary)
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(format!("sqlite://{}", dir.join("bench.db").display()))
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display())),
    );
    let pid = server.0.id();
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let seeded = Instant::now();
    while !ok(http.get(format!("http://127.0.0.1:{port}/health"))).await {
        assert!(server.0.try_wait().unwrap().is_none(), "the server exited");
        assert!(seeded.elapsed() < Duration::from_secs(120), "no /health");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "server {} (pid {pid}) seeded and ready in {:.1} s, VmRSS {:.1} MB; \
         {seconds} s per scenario after 1 s of warm-up",
        binary.display(),
        seeded.elapsed().as_secs_f64(),
        memory(pid).0 as f64 / 1024.0
    );

    // The highest RSS seen since the last reset, sampled every 20 ms.
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn({
        let peak = peak.clone();
        async move {
            loop {
                peak.fetch_max(memory(pid).0, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });

    let somjai = token(&http, &base, "somjai").await;
    let chanyurat = token(&http, &base, "chanyurat").await;
    let listing: Value = http
        .get(format!("{base}/documents"))
        .bearer_auth(&somjai)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("documents")
        .json()
        .await
        .expect("documents JSON");
    let ids: Arc<Vec<String>> = Arc::new(
        listing["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["id"].as_str().expect("id").to_owned())
            .collect(),
    );

    println!(
        "\n{:<24} {:>6} {:>8} {:>6} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "scenario",
        "rate/s",
        "done/s",
        "sent",
        "err",
        "p50 ms",
        "p99 ms",
        "max ms",
        "p99 svc",
        "peak MB"
    );
    let get = |url: String, token: &str| {
        let (http, token) = (http.clone(), token.to_owned());
        move |_: usize| ok(http.get(&url).bearer_auth(&token))
    };
    let reads = ids.iter().map(|id| format!("{base}/documents/{id}"));
    let reads: Vec<String> = reads.collect();
    let read = {
        let (http, token) = (http.clone(), somjai.clone());
        move |i: usize| ok(http.get(&reads[i % reads.len()]).bearer_auth(&token))
    };
    scenario("read document", rate("READ", 1000.0), seconds, &peak, read).await;
    let inbox = format!("{base}/inbox");
    let demo = format!("inbox ({} docs)", ids.len());
    scenario(
        &demo,
        rate("INBOX", 200.0),
        seconds,
        &peak,
        get(inbox.clone(), &somjai),
    )
    .await;

    // Documents in review at step 1, one per endorsement (and warm-up).
    let endorse_rate = rate("ENDORSE", 200.0);
    let count = requests(endorse_rate, 1) + requests(endorse_rate, seconds);
    let prepared = Instant::now();
    let mut in_review = Vec::with_capacity(count);
    let memo = saraban_core::document::read_value(MEMO, saraban_core::Syntax::Toml).unwrap();
    for _ in 0..count {
        let created: Value = http
            .post(format!("{base}/documents"))
            .bearer_auth(&chanyurat)
            .json(&memo)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("create")
            .json()
            .await
            .expect("created JSON");
        let id = created["id"].as_str().expect("id").to_owned();
        let submit = http.post(format!("{base}/documents/{id}/actions/submit"));
        assert!(ok(submit.bearer_auth(&chanyurat)).await, "submit {id}");
        in_review.push(format!("{base}/documents/{id}/actions/endorse"));
    }
    println!(
        "{:<24} prepared {count} in {:.1} s (create + submit, one at a time)",
        "",
        prepared.elapsed().as_secs_f64()
    );
    let endorse = {
        let (http, token) = (http.clone(), somjai.clone());
        let text = json!({ "text": "เรียน ปลัด อบต.\nเพื่อโปรดทราบ" });
        move |i: usize| ok(http.post(&in_review[i]).bearer_auth(&token).json(&text))
    };
    scenario("endorse", endorse_rate, seconds, &peak, endorse).await;
    let grown = format!("inbox ({} docs)", ids.len() + count);
    scenario(
        &grown,
        rate("GROWN_INBOX", 0.5),
        seconds,
        &peak,
        get(inbox, &somjai),
    )
    .await;

    sampler.abort();
    let (rss, hwm) = memory(pid);
    println!(
        "\nserver memory: VmRSS {:.1} MB now, VmHWM {:.1} MB peak over the whole run",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    println!("load average after: {}", load_average().trim());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
