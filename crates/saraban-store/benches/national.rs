//! The national-scale simulation (issue 20): `SARABAN_SIM_ORGS`
//! organisations, each the examples' อบต. with its people, positions and
//! routes, driven through a year's traffic compressed in time by
//! `SARABAN_SIM_CLIENTS` concurrent clients until `SARABAN_SIM_DOCS`
//! documents are done: `SARABAN_SIM_INCOMING` per cent of them (default
//! 60: an office receives more than it sends) letters received, the rest
//! memos issued. A memo is drafted, submitted, endorsed by three
//! reviewers (one in twenty is returned once and resubmitted), signed and
//! issued (typeset with Typst, sealed when the organisation has a seal, its
//! PDF put in the content store). A letter is received by its fields and
//! numbered in the receiving register, sent up by the registrar, endorsed
//! by the ปลัด, ordered and assigned with a deadline by the mayor, and
//! closed by the head of office with what was done. Before each step its
//! actor opens their inbox; one document in ten has its register's first
//! page (a memo's register, or the receiving register) read, and
//! each tenth memo its public page.
//!
//! The run stops at 10 %, 30 % and 100 % of the documents and reports, for the
//! traffic since the last stop: transitions per second, inbox p50/p99,
//! issue p99, register and public-page p99; and at the stop: `verify` of
//! one organisation (the store's `audit`, as `saraban verify --org` runs
//! it), database and content-store bytes per document.
//!
//! On a fresh PostgreSQL database when `SARABAN_BENCH_POSTGRES_URL` names a
//! server (content in a folder of the run's own, or `SARABAN_SIM_STORE`,
//! e.g. `s3://bucket/prefix`), else on an SQLite file.
//!
//! `SARABAN_SIM_KEEP=1` keeps the run's database; `SARABAN_SIM_SEARCH_ONLY=URL`
//! (with the run's `SARABAN_SIM_DOCS`) then replays the searches of its last
//! phase on it, one at a time.
//!
//! ```text
//! SARABAN_SIM_ORGS=80 SARABAN_SIM_DOCS=300000 \
//! SARABAN_BENCH_POSTGRES_URL=postgres://postgres:saraban-test@127.0.0.1:5432/postgres \
//!   cargo bench -p saraban-store --bench national
//! ```

#[path = "common/typst_press.rs"]
mod typst_press;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use saraban_core::clock::thai_offset;
use saraban_core::document::{Syntax, read_value};
use saraban_core::org::{OrgConfig, Slug};
use saraban_core::text::Line;
use saraban_core::workflow::RouteAction;
use saraban_core::{DocumentId, Drafted, OrgId, PersonId, PositionId};
use saraban_store::{ContentPlace, Store};
use serde_json::Value;
use sqlx::Connection;

const PASSWORD: &str = "saraban-simulation";
const DRAFTER: &str = "chanyurat";
const REVIEWERS: [&str; 3] = ["somjai", "somsak", "wilaiwan"];
const SIGNER: &str = "kanok";
const REGISTRAR: &str = "sunee";
/// The ปลัด, who sends a received letter on to the mayor.
const CLERK: &str = "wilaiwan";
/// Everyone the run signs in as.
const PEOPLE: [&str; 6] = [
    DRAFTER,
    REVIEWERS[0],
    REVIEWERS[1],
    REVIEWERS[2],
    SIGNER,
    REGISTRAR,
];
/// The head of office, whose position the mayor assigns letters to.
const ASSIGNEE: &str = "somjai";
const ASSIGNEE_POSITION: &str = "head-of-office";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: '{v}' is not a number"))
        })
        .unwrap_or(default)
}

fn person(id: &str) -> PersonId {
    PersonId::parse(id).expect("a person id")
}

/// The Thai working day and hour of memo `n` of `total`: a fiscal year
/// (from 1 October 2567 B.E.) spread over the run.
fn moment(n: usize, total: usize, hour: u32) -> DateTime<Utc> {
    let start = thai_offset()
        .with_ymd_and_hms(2024, 10, 1, hour, 0, 0)
        .single()
        .expect("a Thai time")
        .with_timezone(&Utc);
    start + chrono::Duration::days((n * 364 / total.max(1)) as i64)
}

fn memo(n: usize) -> Drafted {
    let mut content = read_value(
        include_str!("../../../examples/ita-report-2568.toml"),
        Syntax::Toml,
    )
    .expect("the memo");
    content["subject"] = Value::String(format!("รายงานผลการดำเนินงาน ฉบับจำลองที่ {n}"));
    Drafted::from_value(content).expect("the memo reads")
}

/// A received letter, as the registrar types it from paper.
fn letter(n: usize, at: DateTime<Utc>) -> saraban_core::incoming::Received {
    let dated = at.with_timezone(&thai_offset()).date_naive() - chrono::Duration::days(2);
    saraban_core::incoming::Received::from_value(serde_json::json!({
        "format": "saraban/1",
        "kind": "incoming",
        "their_number": format!("ตร ๐๐๒๓.{}/ว {}", n % 7 + 1, n % 900 + 1),
        "date": dated.format("%Y-%m-%d").to_string(),
        "from": "ที่ว่าการอำเภอเมืองตราด",
        "to": "นายกองค์การบริหารส่วนตำบล",
        "subject": format!("ขอความร่วมมือดำเนินการตามหนังสือสั่งการ ฉบับจำลองที่ {n}"),
    }))
    .expect("the letter reads")
}

/// What `work` gives, and how long it took.
async fn timed<T>(work: impl Future<Output = T>) -> (T, Duration) {
    let begun = Instant::now();
    let done = work.await;
    (done, begun.elapsed())
}

/// Latencies of one kind of request since the last stop.
#[derive(Default)]
struct Timings(Vec<Duration>);

impl Timings {
    fn percentile(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort();
        let at = ((self.0.len() as f64 - 1.0) * p).round() as usize;
        self.0[at].as_secs_f64() * 1000.0
    }
}

#[derive(Default)]
struct Phase {
    transitions: usize,
    inbox: Timings,
    issue: Timings,
    register: Timings,
    public: Timings,
    search: Timings,
}

struct Sim {
    store: Store,
    orgs: Vec<OrgId>,
    /// Each person's positions (the same in every organisation).
    positions: Vec<(String, Vec<PositionId>)>,
    total: usize,
    /// Of each hundred documents, how many are received letters.
    incoming: usize,
}

impl Sim {
    fn positions_of(&self, who: &str) -> Vec<PositionId> {
        self.positions
            .iter()
            .find(|(p, _)| p == who)
            .map(|(_, held)| held.clone())
            .unwrap_or_default()
    }

    async fn inbox(&self, org: &OrgId, who: &str, phase: &Mutex<Phase>) {
        let positions = self.positions_of(who);
        let (read, took) = timed(self.store.inbox(org, &person(who), &positions, 50)).await;
        read.expect("the inbox");
        phase.lock().unwrap().inbox.0.push(took);
    }

    async fn act(
        &self,
        org: &OrgId,
        who: &str,
        id: &DocumentId,
        action: RouteAction,
        at: DateTime<Utc>,
        phase: &Mutex<Phase>,
    ) {
        self.act_assigning(org, who, id, action, None, at, phase)
            .await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn act_assigning(
        &self,
        org: &OrgId,
        who: &str,
        id: &DocumentId,
        action: RouteAction,
        assignment: Option<saraban_store::Assignment>,
        at: DateTime<Utc>,
        phase: &Mutex<Phase>,
    ) {
        self.inbox(org, who, phase).await;
        let begun = Instant::now();
        let text = match action {
            RouteAction::Endorse | RouteAction::Return | RouteAction::Submit => Some("เห็นควรเสนอ"),
            RouteAction::Close => Some("ดำเนินการแล้ว"),
            _ => None,
        };
        self.store
            .act_assigning(org, &person(who), id, action, text, assignment, at)
            .await
            .unwrap_or_else(|e| panic!("{action:?} by {who}: {e}"));
        let mut phase = phase.lock().unwrap();
        phase.transitions += 1;
        if action == RouteAction::Issue {
            phase.issue.0.push(begun.elapsed());
        }
    }

    /// Document `n`: a letter received and closed, or a memo issued.
    /// One in ten, the registrar then looks for an earlier one of the
    /// organisation by the words of its subject, or for a common phrase.
    async fn document(&self, n: usize, phase: &Mutex<Phase>) {
        if n % 100 < self.incoming {
            self.letter(n, phase).await;
        } else {
            self.memo(n, phase).await;
        }
        if n % 10 == 5 {
            self.search(n, phase).await;
        }
    }

    async fn search(&self, n: usize, phase: &Mutex<Phase>) {
        let (_, took) = self.search_timed(n).await;
        phase.lock().unwrap().search.0.push(took);
    }

    /// The registrar's search after document `n`: the same organisation's
    /// document some weeks back (`true`), or a phrase every letter has.
    async fn search_timed(&self, n: usize) -> (bool, Duration) {
        let org = &self.orgs[n % self.orgs.len()];
        let reader = saraban_store::Account {
            org: org.clone(),
            person: person(REGISTRAR),
            name: String::new(),
            is_admin: false,
            positions: self
                .positions_of(REGISTRAR)
                .into_iter()
                .map(|position| saraban_store::PositionHeld {
                    position,
                    capacity: "holder".into(),
                })
                .collect(),
        };
        let by_number = (n / 10).is_multiple_of(2);
        let text = if by_number {
            format!("ฉบับจำลองที่ {}", n.saturating_sub(self.orgs.len() * 20))
        } else {
            "ขอความร่วมมือ".to_owned()
        };
        let query = saraban_store::SearchQuery {
            text,
            limit: 20,
            ..saraban_store::SearchQuery::default()
        };
        let (found, took) = timed(self.store.search(&reader, &query)).await;
        found.expect("the search");
        (by_number, took)
    }

    /// Letter `n`: from receipt to its closing.
    async fn letter(&self, n: usize, phase: &Mutex<Phase>) {
        let org = &self.orgs[n % self.orgs.len()];
        let at = |hour| moment(n, self.total, hour);
        self.inbox(org, REGISTRAR, phase).await;
        let id = self
            .store
            .receive_letter(org, &person(REGISTRAR), letter(n, at(8)), None, at(8))
            .await
            .expect("receive")
            .id;
        phase.lock().unwrap().transitions += 1;
        self.act(org, REGISTRAR, &id, RouteAction::Submit, at(9), phase)
            .await;
        self.act(org, CLERK, &id, RouteAction::Endorse, at(10), phase)
            .await;
        let assignment = saraban_store::Assignment {
            to: Slug::parse(ASSIGNEE_POSITION).expect("a position"),
            due: Some(
                at(11).with_timezone(&thai_offset()).date_naive() + chrono::Duration::days(14),
            ),
        };
        self.act_assigning(
            org,
            SIGNER,
            &id,
            RouteAction::Sign,
            Some(assignment),
            at(11),
            phase,
        )
        .await;
        self.act(org, ASSIGNEE, &id, RouteAction::Close, at(16), phase)
            .await;
        if n.is_multiple_of(10) {
            let today = at(16).with_timezone(&thai_offset()).date_naive();
            let (page, took) = timed(self.store.received_register_page(
                org,
                saraban_core::thai::BuddhistYear::of(today),
                today,
                0,
                500,
            ))
            .await;
            page.expect("the receiving register");
            phase.lock().unwrap().register.0.push(took);
        }
    }

    /// Memo `n`: from draft to issue.
    async fn memo(&self, n: usize, phase: &Mutex<Phase>) {
        let org = &self.orgs[n % self.orgs.len()];
        let at = |hour| moment(n, self.total, hour);
        let id = self
            .store
            .create_document(org, &person(DRAFTER), memo(n), at(9))
            .await
            .expect("create")
            .id;
        phase.lock().unwrap().transitions += 1;
        self.act(org, DRAFTER, &id, RouteAction::Submit, at(9), phase)
            .await;
        // One memo in twenty goes back to its drafter once.
        let mut returned = n % 20 != 7;
        let mut step = 0;
        while step < REVIEWERS.len() {
            let reviewer = REVIEWERS[step];
            if !returned && step == (n / 20) % REVIEWERS.len() {
                returned = true;
                self.act(org, reviewer, &id, RouteAction::Return, at(10), phase)
                    .await;
                self.act(org, DRAFTER, &id, RouteAction::Submit, at(11), phase)
                    .await;
                step = 0;
                continue;
            }
            self.act(org, reviewer, &id, RouteAction::Endorse, at(11), phase)
                .await;
            step += 1;
        }
        self.act(org, SIGNER, &id, RouteAction::Sign, at(14), phase)
            .await;
        self.act(org, REGISTRAR, &id, RouteAction::Issue, at(15), phase)
            .await;
        if n.is_multiple_of(10) {
            let year = saraban_core::thai::BuddhistYear::of(
                moment(n, self.total, 15)
                    .with_timezone(&thai_offset())
                    .date_naive(),
            );
            // The register's first page, as its web page shows it.
            let (_, register) =
                timed(self.store.register_page(org, "memo", year.get(), 0, 500)).await;
            let code = saraban_store::verification_code(org.as_str(), id.as_str());
            let (record, public) = timed(self.store.public_record(&code)).await;
            assert!(
                record.expect("public").is_some(),
                "memo {n}'s public record"
            );
            let mut phase = phase.lock().unwrap();
            phase.register.0.push(register);
            phase.public.0.push(public);
        }
    }
}

async fn database_bytes(store: &Store, sqlite_file: Option<&Path>) -> u64 {
    match sqlite_file {
        Some(file) => ["", "-wal"]
            .iter()
            .map(|suffix| {
                std::fs::metadata(format!("{}{suffix}", file.display()))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum(),
        None => {
            let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(store.pool())
                .await
                .expect("the database's size");
            size as u64
        }
    }
}

/// Each simulated person's positions in `org`.
async fn positions_held(
    store: &Store,
    org: &OrgId,
    total: usize,
) -> Vec<(String, Vec<PositionId>)> {
    let mut positions = Vec::new();
    for who in PEOPLE {
        let held = store
            .positions_of(org, &person(who), moment(0, total, 9))
            .await
            .expect("positions");
        positions.push((
            who.to_owned(),
            held.into_iter().map(|h| h.position).collect(),
        ));
    }
    positions
}

/// The run's searches of its last phase (30 % to 100 %) again, one at a time, on a
/// database an earlier run kept (`SARABAN_SIM_KEEP`): each shape's p50 and
/// p95 without the rest of the traffic beside them.
async fn replay_searches(url: &str, total: usize) {
    let scratch = std::env::temp_dir().join("saraban-national-replay");
    let store = Store::open_with_content(url, Some(&ContentPlace::Folder(scratch)))
        .await
        .expect("open the kept database");
    let mut orgs = store.organisations().await.expect("its organisations");
    orgs.retain(|org| org.as_str().starts_with("sim"));
    orgs.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let positions = positions_held(&store, &orgs[0], total).await;
    let sim = Sim {
        store,
        orgs,
        positions,
        total,
        incoming: 0,
    };
    let (mut by_number, mut by_phrase) = (Timings::default(), Timings::default());
    let mut slowest = Vec::new();
    let searched = (total * 3 / 10..total).filter(|n| n % 10 == 5);
    for (k, n) in searched.enumerate() {
        let (number, took) = sim.search_timed(n).await;
        if k < 10 {
            continue;
        }
        slowest.push((took, n));
        if number {
            by_number.0.push(took);
        } else {
            by_phrase.0.push(took);
        }
    }
    slowest.sort();
    for (took, n) in slowest.iter().rev().take(5) {
        eprintln!(
            "slow: after document {n}: {:.1} ms",
            took.as_secs_f64() * 1000.0
        );
    }
    println!("| search | count | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|---|");
    for (shape, timings) in [
        ("a document by its number", &mut by_number),
        ("a common phrase", &mut by_phrase),
    ] {
        println!(
            "| {shape} | {} | {:.1} | {:.1} | {:.1} |",
            timings.0.len(),
            timings.percentile(0.5),
            timings.percentile(0.95),
            timings.percentile(1.0),
        );
    }
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    if let Ok(kept) = std::env::var("SARABAN_SIM_SEARCH_ONLY") {
        replay_searches(&kept, setting("SARABAN_SIM_DOCS", 300_000)).await;
        return;
    }
    let orgs = setting("SARABAN_SIM_ORGS", 80);
    let total = setting("SARABAN_SIM_DOCS", 300_000);
    let clients = setting("SARABAN_SIM_CLIENTS", 16);
    let scratch = std::env::temp_dir().join(format!(
        "saraban-national-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let (url, sqlite_file, content): (String, Option<PathBuf>, Option<ContentPlace>) =
        match std::env::var("SARABAN_BENCH_POSTGRES_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!("saraban_national_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .expect("the PostgreSQL server");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("a fresh database");
                let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
                let place = match std::env::var("SARABAN_SIM_STORE") {
                    Ok(spec) if !spec.is_empty() => {
                        ContentPlace::parse(&spec).expect("SARABAN_SIM_STORE")
                    }
                    _ => ContentPlace::Folder(scratch.join("content")),
                };
                (format!("{base}/{name}"), None, Some(place))
            }
            _ => {
                let file = scratch.join("saraban.db");
                (format!("sqlite://{}", file.display()), Some(file), None)
            }
        };
    // Counted through the store's own listing, in a folder or a bucket.
    let content_store = saraban_store::ContentStore::open(&match &content {
        Some(place) => place.clone(),
        None => ContentPlace::beside(&url).expect("the content beside the file"),
    })
    .expect("the content store");
    let store = Store::open_with_content(&url, content.as_ref())
        .await
        .expect("open the store")
        .with_press(Arc::new(typst_press::Typst::default()));
    store
        .use_key_folder(scratch.join("keys"))
        .expect("a key folder");

    eprintln!(
        "setting up {orgs} organisations on {}",
        saraban_store::redact(&url)
    );
    let example = OrgConfig::parse_toml(include_str!(
        "../../../examples/organisation/wangkrachae.toml"
    ))
    .expect("the example organisation");
    let mut ids = Vec::new();
    for i in 0..orgs {
        let mut config = example.clone();
        config.organisation.id = Slug::parse(&format!("sim{i:03}")).expect("an id");
        config.organisation.name =
            Line::parse(&format!("องค์การบริหารส่วนตำบลจำลองที่ {i}")).expect("a name");
        store
            .init_org(&config, None, moment(0, total, 8))
            .await
            .expect("the organisation");
        let org = OrgId::parse(config.organisation.id.as_str()).expect("an id");
        store.ensure_signing_key(&org).await.expect("its key");
        for who in PEOPLE {
            store
                .set_password(&org, &person(who), PASSWORD)
                .await
                .expect("a password");
        }
        ids.push(org);
    }
    let positions = positions_held(&store, &ids[0], total).await;
    let sim = Arc::new(Sim {
        store: store.clone(),
        orgs: ids,
        positions,
        total,
        incoming: setting("SARABAN_SIM_INCOMING", 60).min(100),
    });

    println!(
        "| at | documents | events | transitions/s | inbox p50 / p99 ms | issue p99 ms | register p99 ms | public p99 ms | search p50 / p95 ms | verify one org s | DB bytes/document | content bytes/document |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let next = Arc::new(AtomicUsize::new(0));
    for share in [10, 30, 100] {
        let end = total * share / 100;
        let phase = Arc::new(Mutex::new(Phase::default()));
        let begun = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..clients {
            let (sim, next, phase) = (sim.clone(), next.clone(), phase.clone());
            tasks.spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= end {
                        next.fetch_sub(1, Ordering::Relaxed);
                        break;
                    }
                    sim.document(n, &phase).await;
                }
            });
        }
        tasks.join_all().await;
        let elapsed = begun.elapsed();
        let mut phase = Arc::try_unwrap(phase)
            .ok()
            .expect("the clients are done")
            .into_inner()
            .unwrap();
        let verified = Instant::now();
        let audit = store.audit(&sim.orgs[0]).await.expect("verify");
        assert!(audit.holds(), "{:#?}", audit.findings);
        let verify = verified.elapsed();
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(store.pool())
            .await
            .expect("events");
        let database = database_bytes(&store, sqlite_file.as_deref()).await;
        let contents: u64 = content_store
            .list()
            .await
            .expect("the content's listing")
            .iter()
            .map(|object| object.size)
            .sum();
        println!(
            "| {share} % | {end} | {events} | {:.0} | {:.1} / {:.1} | {:.0} | {:.1} | {:.1} | {:.1} / {:.1} | {:.2} | {} | {} |",
            phase.transitions as f64 / elapsed.as_secs_f64(),
            phase.inbox.percentile(0.5),
            phase.inbox.percentile(0.99),
            phase.issue.percentile(0.99),
            phase.register.percentile(0.99),
            phase.public.percentile(0.99),
            phase.search.percentile(0.5),
            phase.search.percentile(0.95),
            verify.as_secs_f64(),
            database / end.max(1) as u64,
            contents / end.max(1) as u64,
        );
    }
    store.close().await;
    if std::env::var("SARABAN_SIM_KEEP").is_err() {
        std::fs::remove_dir_all(&scratch).ok();
        if let (Ok(admin), None) = (std::env::var("SARABAN_BENCH_POSTGRES_URL"), &sqlite_file) {
            let name = url.rsplit('/').next().unwrap_or_default();
            if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
            }
        }
    }
}
