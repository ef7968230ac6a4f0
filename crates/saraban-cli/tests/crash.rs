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

#[path = "common/load.rs"]
mod load;
#[path = "common/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use load::{Ack, Users, check, client, example};
use server::{FreshPostgres, Scratch, Server};

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
                    users.api.clone(),
                    doc.take(),
                    contents.clone(),
                    acks.clone(),
                    killed.clone(),
                    Arc::default(),
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
