//! The load the kill stories drive: signed-in clients, one per demo user,
//! that take memos and orders through their routes over HTTP and note
//! every action the server acknowledged; and the check that each such
//! action is still there and every register gapless. Included by path
//! (`#[path]`) beside `server.rs`.
// Each story that includes it uses a part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::Server;

pub const ORG: &str = "wangkrachae";
pub const PASSWORD: &str = "saraban-demo";
pub const USERS: [&str; 6] = [
    "chanyurat",
    "somjai",
    "somsak",
    "wilaiwan",
    "kanok",
    "sunee",
];

/// An action the server answered with a 2xx.
#[derive(Debug, Clone)]
pub struct Ack {
    pub doc: String,
    /// The event it wrote: "created", "submitted", "endorsed", …
    pub event: &'static str,
    /// Its place in the log, as the answer gave it (a create gives none).
    pub seq: Option<u64>,
    /// For an issue: register, B.E. year and number.
    pub number: Option<(String, i64, i64)>,
}

/// One signed-in HTTP client per demo user, on the current server.
#[derive(Clone)]
pub struct Users {
    pub api: String,
    pub clients: Arc<HashMap<&'static str, reqwest::Client>>,
}

impl Users {
    /// Sessions live in the database, but the port changes with each start:
    /// sign in again rather than rely on cookies crossing ports.
    pub async fn sign_in(server: &Server) -> Users {
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
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            assert_eq!(status, StatusCode::OK, "{user} signs in: {body}");
            clients.insert(user, http);
        }
        Users {
            api,
            clients: Arc::new(clients),
        }
    }

    pub fn as_user(&self, user: &str) -> &reqwest::Client {
        &self.clients[user]
    }

    /// A GET that must answer (the server is up while the story checks).
    pub async fn get(&self, user: &str, path: &str) -> (StatusCode, Value) {
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
pub fn next_step(doc: &Value) -> Option<(&'static str, &'static str)> {
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

pub fn event_of(action: &str) -> &'static str {
    match action {
        "submit" => "submitted",
        "endorse" => "endorsed",
        "sign" => "signed",
        "issue" => "issued",
        other => panic!("the story does not {other}"),
    }
}

pub fn example(name: &str) -> Value {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    saraban_core::document::read_value(
        &std::fs::read_to_string(&path).expect("the example"),
        saraban_core::Syntax::Toml,
    )
    .expect("the example reads")
}

/// What one client did in one round, until the kill ended it.
pub struct Round {
    /// The document it was working on, carried into the next round.
    pub doc: Option<String>,
    /// Whether a request was left unanswered by the kill.
    pub cut_off: bool,
    /// Answers no kill explains: transport errors before the kill, or
    /// statuses other than the expected 2xx.
    pub unexpected: Vec<String>,
}

/// One client: takes its document through its route, then starts another,
/// until the server dies under it.
/// `api` is the server it drives (the sessions of `users` hold on any
/// server of the database); it stops before its next request once `stop`
/// is set.
#[allow(clippy::too_many_arguments)]
pub async fn client(
    n: usize,
    users: Users,
    api: String,
    mut doc_id: Option<String>,
    contents: Arc<[Value; 2]>,
    acks: Arc<Mutex<Vec<Ack>>>,
    killed: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
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
                .get(format!("{api}/documents/{id}"))
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
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let step = doc.as_ref().and_then(next_step);
        let Some((user, action)) = step else {
            // Memos and orders in turn: two registers numbered at once.
            let mut content = contents[(n + made) % 2].clone();
            made += 1;
            content["subject"] = json!(format!("ทดสอบการหยุดกะทันหัน ผู้ใช้ {n} ฉบับ {made}"));
            let response = users
                .as_user("chanyurat")
                .post(format!("{api}/documents"))
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
            .post(format!("{api}/documents/{id}/actions/{action}"))
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
pub async fn check(users: &Users, acks: &[Ack]) -> Vec<String> {
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
