//! The crash story (issue 12): `saraban serve` as a real child process is
//! killed with SIGKILL (kill -9) at random moments while several clients
//! drive memos and orders through their routes over HTTP. After every
//! restart on the same database and key folder, every action the server
//! acknowledged with a 2xx is still there, the registers are gapless, and
//! `saraban verify` exits 0. On SQLite and on PostgreSQL (when
//! `SARABAN_TEST_POSTGRES_URL` names a server; required under CI=true).
//!
//! CI runs 5 kills per database. The long run, 20 kills per database:
//!
//! ```text
//! SARABAN_CRASH_KILLS=20 \
//! SARABAN_TEST_POSTGRES_URL=postgres://postgres:saraban-test@127.0.0.1:5432/postgres \
//!   cargo test -p saraban --test crash -- --nocapture --test-threads 1
//! ```
//!
//! Other knobs: `SARABAN_CRASH_CLIENTS` (concurrent clients, default 6) and
//! `SARABAN_CRASH_SEED` (replays the printed seed's kill moments; thread
//! timing still differs between runs, so the story asserts nothing timed).

#[path = "common/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use server::{FreshPostgres, Scratch, Server};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-demo";
const USERS: [&str; 6] = [
    "chanyurat",
    "somjai",
    "somsak",
    "wilaiwan",
    "kanok",
    "sunee",
];

/// The kill comes this long after the load starts, in milliseconds: long
/// enough for documents to reach issue, short enough to land in any step.
const DELAY_MS: (u64, u64) = (300, 4_000);

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: '{v}' is not a number"))
        })
        .unwrap_or(default)
}

/// SplitMix64: a seeded sequence of kill moments, printed so that a failing
/// run's moments can be replayed.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        DELAY_MS.0 + z % (DELAY_MS.1 - DELAY_MS.0)
    }
}

/// An action the server answered with a 2xx.
#[derive(Debug, Clone)]
struct Ack {
    doc: String,
    /// The event it wrote: "created", "submitted", "endorsed", …
    event: &'static str,
    /// Its place in the log, as the answer gave it (a create gives none).
    seq: Option<u64>,
    /// For an issue: register, B.E. year and number.
    number: Option<(String, i64, i64)>,
}

/// One signed-in HTTP client per demo user, on the current server.
#[derive(Clone)]
struct Users {
    api: String,
    clients: Arc<HashMap<&'static str, reqwest::Client>>,
}

impl Users {
    /// Sessions live in the database, but the port changes with each start:
    /// sign in again rather than rely on cookies crossing ports.
    async fn sign_in(server: &Server) -> Users {
        let api = format!("{}/api/v1", server.url);
        let mut clients = HashMap::new();
        for user in USERS {
            let http = reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .expect("an HTTP client");
            let response = http
                .post(format!("{api}/sign-in"))
                .json(&json!({ "org": ORG, "user": user, "password": PASSWORD }))
                .send()
                .await
                .expect("sign-in answers");
            assert_eq!(response.status(), StatusCode::OK, "{user} signs in");
            clients.insert(user, http);
        }
        Users {
            api,
            clients: Arc::new(clients),
        }
    }

    fn as_user(&self, user: &str) -> &reqwest::Client {
        &self.clients[user]
    }

    /// A GET that must answer (the server is up while the story checks).
    async fn get(&self, user: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .as_user(user)
            .get(format!("{}{path}", self.api))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The next step of a document and who takes it; `None` once it is issued
/// (the client then starts another).
fn next_step(doc: &Value) -> Option<(&'static str, &'static str)> {
    let waiting = doc["waiting_for"][0].as_str().unwrap_or_default();
    match doc["state"].as_str()? {
        "draft" | "returned" => Some(("chanyurat", "submit")),
        "in_review" => {
            let reviewer = match waiting {
                "head-of-office" => "somjai",
                "deputy-clerk" => "somsak",
                "clerk" => "wilaiwan",
                other => panic!("unexpected reviewer position {other}: {doc}"),
            };
            Some((reviewer, "endorse"))
        }
        "awaiting_signature" => Some(("kanok", "sign")),
        "signed" => Some(("sunee", "issue")),
        _ => None,
    }
}

fn event_of(action: &str) -> &'static str {
    match action {
        "submit" => "submitted",
        "endorse" => "endorsed",
        "sign" => "signed",
        "issue" => "issued",
        other => panic!("the story does not {other}"),
    }
}

fn example(name: &str) -> Value {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    saraban_core::document::read_value(
        &std::fs::read_to_string(&path).expect("the example"),
        saraban_core::Syntax::Toml,
    )
    .expect("the example reads")
}

/// What one client did in one round, until the kill ended it.
struct Round {
    /// The document it was working on, carried into the next round.
    doc: Option<String>,
    /// Whether a request was left unanswered by the kill.
    cut_off: bool,
    /// Answers no kill explains: transport errors before the kill, or
    /// statuses other than the expected 2xx.
    unexpected: Vec<String>,
}

/// One client: takes its document through its route, then starts another,
/// until the server dies under it.
async fn client(
    n: usize,
    users: Users,
    mut doc_id: Option<String>,
    contents: Arc<[Value; 2]>,
    acks: Arc<Mutex<Vec<Ack>>>,
    killed: Arc<AtomicBool>,
) -> Round {
    let mut round = Round {
        doc: None,
        cut_off: false,
        unexpected: Vec::new(),
    };
    let gone = |round: &mut Round, what: String, e: reqwest::Error| {
        if killed.load(Ordering::SeqCst) {
            round.cut_off = true;
        } else {
            round
                .unexpected
                .push(format!("{what}: {e} before the kill"));
        }
    };
    // The document's state as the server has it now: an unanswered action
    // of the last round may or may not have been committed.
    let mut doc = match &doc_id {
        Some(id) => {
            let response = users
                .as_user("chanyurat")
                .get(format!("{}/documents/{id}", users.api))
                .send()
                .await;
            match response {
                Ok(r) if r.status() == StatusCode::OK => r.json::<Value>().await.ok(),
                Ok(r) => {
                    let status = r.status();
                    let body = r.text().await.unwrap_or_default();
                    round.unexpected.push(format!("GET {id}: {status} {body}"));
                    None
                }
                Err(e) => {
                    gone(&mut round, format!("GET {id}"), e);
                    None
                }
            }
        }
        None => None,
    };
    if doc_id.is_some() && doc.is_none() {
        round.doc = doc_id;
        return round;
    }
    let mut made = 0;
    loop {
        let step = doc.as_ref().and_then(next_step);
        let Some((user, action)) = step else {
            // Memos and orders in turn: two registers numbered at once.
            let mut content = contents[(n + made) % 2].clone();
            made += 1;
            content["subject"] = json!(format!("ทดสอบการหยุดกะทันหัน ผู้ใช้ {n} ฉบับ {made}"));
            let response = users
                .as_user("chanyurat")
                .post(format!("{}/documents", users.api))
                .json(&content)
                .send()
                .await;
            let response = match response {
                Ok(r) => r,
                Err(e) => {
                    gone(&mut round, "create".into(), e);
                    break;
                }
            };
            let status = response.status();
            let body = match response.json::<Value>().await {
                Ok(body) => body,
                Err(e) => {
                    gone(&mut round, "create's answer".into(), e);
                    break;
                }
            };
            if status != StatusCode::CREATED {
                round.unexpected.push(format!("create: {status} {body}"));
                break;
            }
            let id = body["id"].as_str().expect("the new id").to_owned();
            acks.lock().expect("acks").push(Ack {
                doc: id.clone(),
                event: "created",
                seq: None,
                number: None,
            });
            doc_id = Some(id);
            doc = Some(body);
            continue;
        };
        let id = doc_id.clone().expect("a document");
        let response = users
            .as_user(user)
            .post(format!("{}/documents/{id}/actions/{action}", users.api))
            .json(&json!({ "text": "เพื่อโปรดพิจารณา" }))
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                gone(&mut round, format!("{action} {id}"), e);
                break;
            }
        };
        let status = response.status();
        let body = match response.json::<Value>().await {
            Ok(body) => body,
            Err(e) => {
                gone(&mut round, format!("{action} {id}'s answer"), e);
                break;
            }
        };
        if status != StatusCode::OK {
            round
                .unexpected
                .push(format!("{action} {id} by {user}: {status} {body}"));
            break;
        }
        let after = &body["document"];
        let number = (action == "issue").then(|| {
            (
                after["register"].as_str().expect("a register").to_owned(),
                after["year"].as_i64().expect("a year"),
                after["number"].as_i64().expect("a number"),
            )
        });
        acks.lock().expect("acks").push(Ack {
            doc: id,
            event: event_of(action),
            seq: Some(body["event_seq"].as_u64().expect("the event's seq")),
            number,
        });
        doc = Some(after.clone());
    }
    round.doc = doc_id;
    round
}

/// Every acknowledged action is in its document's history, under the seq
/// it was answered with; every acknowledged number is its document's, in
/// the register; every register year the story issued in runs 1, 2, 3, …
/// without a gap. Returns what is missing or wrong.
async fn check(users: &Users, acks: &[Ack]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut by_doc: BTreeMap<&str, Vec<&Ack>> = BTreeMap::new();
    for ack in acks {
        by_doc.entry(&ack.doc).or_default().push(ack);
    }
    let mut registers: BTreeMap<(String, i64), Vec<&Ack>> = BTreeMap::new();
    for (id, acked) in &by_doc {
        let (status, history) = users
            .get("chanyurat", &format!("/documents/{id}/history?limit=10000"))
            .await;
        if status != StatusCode::OK {
            problems.push(format!("document {id}: history {status} {history}"));
            continue;
        }
        let events: Vec<&Value> = history
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for ack in acked {
            let found = events.iter().any(|entry| {
                entry["event"]["kind"] == ack.event
                    && ack.seq.is_none_or(|seq| entry["seq"].as_u64() == Some(seq))
            });
            if !found {
                problems.push(format!(
                    "document {id}: acknowledged {} (seq {:?}) is not in its history",
                    ack.event, ack.seq
                ));
            }
            if let Some((register, year, number)) = &ack.number {
                let (_, doc) = users.get("chanyurat", &format!("/documents/{id}")).await;
                if doc["number"].as_i64() != Some(*number) || doc["state"] != "issued" {
                    problems.push(format!(
                        "document {id}: acknowledged number {number}, now {doc}"
                    ));
                }
                registers
                    .entry((register.clone(), *year))
                    .or_default()
                    .push(ack);
            }
        }
    }
    for ((register, year), issued) in &registers {
        let (status, entries) = users
            .get(
                "sunee",
                &format!("/registers/{register}/{year}?limit=10000"),
            )
            .await;
        if status != StatusCode::OK {
            problems.push(format!("register {register} {year}: {status} {entries}"));
            continue;
        }
        let entries = entries.as_array().cloned().unwrap_or_default();
        let numbers: Vec<i64> = entries
            .iter()
            .filter_map(|e| e["number"].as_i64())
            .collect();
        let sorted: BTreeSet<i64> = numbers.iter().copied().collect();
        // The demo configures a first number only for 2567's orders; the
        // years the story issues in start at 1.
        let expected: BTreeSet<i64> = (1..=numbers.len() as i64).collect();
        if sorted != expected || sorted.len() != numbers.len() {
            problems.push(format!(
                "register {register} {year} is not gapless from 1: {numbers:?}"
            ));
        }
        for ack in issued {
            let (_, _, number) = ack.number.as_ref().expect("an issue");
            let listed = entries.iter().any(|e| {
                e["number"].as_i64() == Some(*number) && e["document_id"] == ack.doc.as_str()
            });
            if !listed {
                problems.push(format!(
                    "register {register} {year}: acknowledged number {number} of {} is not listed",
                    ack.doc
                ));
            }
        }
    }
    problems
}

/// What the story saw, for the report and the final assertions.
#[derive(Default)]
struct Tally {
    cut_off: usize,
    unexpected: Vec<String>,
    lost: Vec<String>,
    /// (kill, exit code, output) of each verify that did not exit 0.
    verify_failures: Vec<(u64, Option<i32>, String)>,
    /// verify's finding lines so far: a finding stays in every later run,
    /// so the kills that caused one are those that added a line.
    findings: BTreeSet<String>,
    /// The kills after which verify found something new.
    new_findings: Vec<u64>,
    /// The restarts that filed a checkpoint note the kill had kept from the
    /// key folder's file (issue 12, hole 1): reported, not a failure.
    filed_late: Vec<u64>,
}

async fn story(label: &str, db: &str, keys: &Path) {
    let kills = setting("SARABAN_CRASH_KILLS", 5);
    let clients = setting("SARABAN_CRASH_CLIENTS", 6) as usize;
    let seed = setting(
        "SARABAN_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos() as u64,
    );
    println!(
        "crash story on {label}: {kills} kills, {clients} clients, seed {seed} \
         (replay: SARABAN_CRASH_SEED={seed})"
    );
    let mut moments = Moments(seed);
    let contents = Arc::new([
        example("ita-report-2568.toml"),
        example("order-490-2567.toml"),
    ]);
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let mut docs: Vec<Option<String>> = vec![None; clients];
    let mut tally = Tally::default();
    let mut server = Server::start(db, keys);
    // Signed in once per start: the check after a restart and the load of
    // the next round share the sessions.
    let mut users = Users::sign_in(&server).await;
    for kill in 1..=kills {
        let killed = Arc::new(AtomicBool::new(false));
        let before = acks.lock().expect("acks").len();
        let running: Vec<_> = docs
            .iter_mut()
            .enumerate()
            .map(|(n, doc)| {
                tokio::spawn(client(
                    n,
                    users.clone(),
                    doc.take(),
                    contents.clone(),
                    acks.clone(),
                    killed.clone(),
                ))
            })
            .collect();
        let delay = moments.next_ms();
        tokio::time::sleep(Duration::from_millis(delay)).await;
        // Under load means after this round's first answer (a slow start
        // must not turn the kill into one of an idle server), unless every
        // client has already stopped on something unexpected.
        while acks.lock().expect("acks").len() == before && !running.iter().all(|r| r.is_finished())
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        killed.store(true, Ordering::SeqCst);
        server.kill9();
        let mut cut_off = 0;
        for (n, running) in running.into_iter().enumerate() {
            let round = running.await.expect("the client ends");
            docs[n] = round.doc;
            cut_off += usize::from(round.cut_off);
            tally.unexpected.extend(
                round
                    .unexpected
                    .into_iter()
                    .map(|u| format!("kill {kill}: {u}")),
            );
        }
        tally.cut_off += cut_off;
        let acked = acks.lock().expect("acks").clone();

        drop(server);
        server = Server::start(db, keys);
        users = Users::sign_in(&server).await;
        let lost = check(&users, &acked).await;
        let verified = server::verify(db, keys);
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&verified.stdout),
            String::from_utf8_lossy(&verified.stderr)
        );
        println!(
            "{label}: kill {kill}/{kills} after {delay} ms: {} acknowledged this round \
             ({} in all), {cut_off} requests cut off, {} lost, verify exit {:?}",
            acked.len() - before,
            acked.len(),
            lost.len(),
            verified.status.code()
        );
        if !verified.status.success() {
            println!("{output}");
            let lines: Vec<String> = output
                .lines()
                .filter(|l| l.starts_with("  ") && !l.contains("does NOT hold"))
                .map(str::to_owned)
                .collect();
            let before = tally.findings.len();
            tally.findings.extend(lines);
            if tally.findings.len() > before {
                tally.new_findings.push(kill);
            }
            tally
                .verify_failures
                .push((kill, verified.status.code(), output));
        }
        if !lost.is_empty() {
            println!("{}", server.log_tail(50));
        }
        // Read after the check and verify, by when the log of the start is in.
        if server.logged("checkpoints filed late") {
            tally.filed_late.push(kill);
        }
        tally
            .lost
            .extend(lost.into_iter().map(|l| format!("kill {kill}: {l}")));
    }

    let acked = acks.lock().expect("acks").clone();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for ack in &acked {
        *kinds.entry(ack.event).or_default() += 1;
    }
    println!(
        "crash story on {label}: {kills} kills, {} acknowledged actions {kinds:?}, \
         {} cut off by kills, {} lost, {} unexpected answers, verify exit 0 after {} of {kills} restarts, \
         new verify findings after kills {:?}, checkpoints filed late after kills {:?}",
        acked.len(),
        tally.cut_off,
        tally.lost.len(),
        tally.unexpected.len(),
        kills as usize - tally.verify_failures.len(),
        tally.new_findings,
        tally.filed_late,
    );
    assert!(
        acked.iter().any(|a| a.event == "issued"),
        "the load reached issue at least once"
    );
    assert!(
        tally.unexpected.is_empty(),
        "answers no kill explains:\n{}",
        tally.unexpected.join("\n")
    );
    assert!(
        tally.lost.is_empty(),
        "acknowledged but lost (seed {seed}):\n{}",
        tally.lost.join("\n")
    );
    assert!(
        tally.verify_failures.is_empty(),
        "saraban verify failed after {} of {kills} restarts (seed {seed}):\n{}",
        tally.verify_failures.len(),
        tally
            .verify_failures
            .iter()
            .map(|(kill, code, output)| format!("kill {kill}: exit {code:?}\n{output}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_under_load_on_sqlite() {
    sqlx::any::install_default_drivers();
    let dir = Scratch::new("crash");
    let db = format!("sqlite://{}/saraban.db?mode=rwc", dir.0.display());
    story("SQLite", &db, &dir.0.join("keys")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_under_load_on_postgres() {
    let Some(admin) = server::postgres_admin_url("kill_nine_under_load_on_postgres") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let database = FreshPostgres::create(&admin, "crash").await;
    let dir = Scratch::new("crash");
    story("PostgreSQL", &database.url, &dir.0.join("keys")).await;
}
