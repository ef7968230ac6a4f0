//! Two `saraban serve` processes on one PostgreSQL database (issue 20):
//! both serve the same organisation at once, under clients that drive
//! memos and orders through their routes over HTTP, and one of them is
//! killed with SIGKILL mid-run while the other goes on. Every client signs
//! in on the first server; half of them act through the second, which
//! opens each person's approval key from their session. After each round
//! the killed server starts again: every acknowledged action is there, the
//! registers are gapless, and `saraban verify` exits 0.
//!
//! ```text
//! SARABAN_TEST_POSTGRES_URL=postgres://postgres:saraban-test@127.0.0.1:5432/postgres \
//!   cargo test -p saraban --test two_servers -- --nocapture
//! ```
//! Knobs: `SARABAN_TWO_SERVERS_ROUNDS` (default 3), `SARABAN_TWO_SERVERS_CLIENTS` (6).

#[path = "common/load.rs"]
mod load;
#[path = "common/server.rs"]
mod server;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use load::{Ack, Users, check, client, example};
use server::{FreshPostgres, Scratch, Server};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: '{v}' is not a number"))
        })
        .unwrap_or(default)
}

/// Waits until `acks` has grown by `more` past `from`, or every client has
/// stopped (on something the story then reports).
async fn progress(
    acks: &Mutex<Vec<Ack>>,
    from: usize,
    more: usize,
    running: &[tokio::task::JoinHandle<load::Round>],
) {
    while acks.lock().expect("acks").len() < from + more && !running.iter().all(|r| r.is_finished())
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn story(db: &str, keys: &std::path::Path) {
    let rounds = setting("SARABAN_TWO_SERVERS_ROUNDS", 3);
    let clients = setting("SARABAN_TWO_SERVERS_CLIENTS", 6) as usize;
    let contents = Arc::new([
        example("ita-report-2568.toml"),
        example("order-490-2567.toml"),
    ]);
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let mut docs: Vec<Option<String>> = vec![None; clients];
    let mut unexpected = Vec::new();
    let mut lost = Vec::new();
    let mut failed_verifies = Vec::new();
    let mut cut_off = 0;
    // The first start seeds the demo organisation and makes its key; the
    // second meets both made.
    let mut first = Server::start(db, keys);
    let second = Server::start(db, keys);
    let second_api = format!("{}/api/v1", second.url);
    for round in 1..=rounds {
        let users = Users::sign_in(&first).await;
        let killed = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let start = acks.lock().expect("acks").len();
        // Each document moves between the servers from round to round.
        let on_second = |n: usize| (n + round as usize).is_multiple_of(2);
        let running: Vec<_> = docs
            .iter_mut()
            .enumerate()
            .map(|(n, doc)| {
                let (api, killed) = if on_second(n) {
                    (second_api.clone(), Arc::default())
                } else {
                    (users.api.clone(), killed.clone())
                };
                tokio::spawn(client(
                    n,
                    users.clone(),
                    api,
                    doc.take(),
                    contents.clone(),
                    acks.clone(),
                    killed,
                    stop.clone(),
                ))
            })
            .collect();
        // Both serving under load, then the first dies mid-run.
        progress(&acks, start, 4 * clients, &running).await;
        killed.store(true, Ordering::SeqCst);
        first.kill9();
        let at_kill = acks.lock().expect("acks").len();
        // The second goes on alone for a while before the round ends.
        progress(&acks, at_kill, 2 * clients, &running).await;
        stop.store(true, Ordering::SeqCst);
        let after_kill = acks.lock().expect("acks").len() - at_kill;
        for (n, running) in running.into_iter().enumerate() {
            let ended = running.await.expect("the client ends");
            docs[n] = ended.doc;
            cut_off += usize::from(ended.cut_off);
            unexpected.extend(
                ended
                    .unexpected
                    .into_iter()
                    .map(|u| format!("round {round}, client {n}: {u}")),
            );
        }
        drop(first);
        first = Server::start(db, keys);
        let users = Users::sign_in(&first).await;
        let acked = acks.lock().expect("acks").clone();
        let missing = check(&users, &acked).await;
        let verified = server::verify(db, keys);
        println!(
            "round {round}/{rounds}: {} acknowledged ({} after the kill, by the second server), \
             {} lost, verify exit {:?}",
            acked.len() - start,
            after_kill,
            missing.len(),
            verified.status.code()
        );
        if !verified.status.success() {
            failed_verifies.push(format!(
                "round {round}: {}{}",
                String::from_utf8_lossy(&verified.stdout),
                String::from_utf8_lossy(&verified.stderr)
            ));
        }
        lost.extend(missing.into_iter().map(|m| format!("round {round}: {m}")));
        assert!(
            after_kill > 0 || !unexpected.is_empty(),
            "round {round}: the second server acknowledged nothing once the first was killed"
        );
    }
    let acked = acks.lock().expect("acks").clone();
    println!(
        "two servers: {rounds} rounds, {} acknowledged actions, {cut_off} requests cut off by kills",
        acked.len()
    );
    assert!(
        acked.iter().any(|a| a.event == "issued"),
        "the load reached issue"
    );
    assert!(
        acked.iter().any(|a| a.event == "endorsed"),
        "the load reached an endorsement"
    );
    assert!(
        unexpected.is_empty(),
        "answers no kill explains (an approval refused by the second server would be here):\n{}",
        unexpected.join("\n")
    );
    assert!(
        lost.is_empty(),
        "acknowledged but lost:\n{}",
        lost.join("\n")
    );
    assert!(
        failed_verifies.is_empty(),
        "saraban verify failed:\n{}",
        failed_verifies.join("\n")
    );
    drop(second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_one_killed() {
    let Some(admin) = server::postgres_admin_url("two_servers_on_one_postgres_one_killed") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let database = FreshPostgres::create(&admin, "two_servers").await;
    let dir = Scratch::new("two-servers");
    story(&database.url, &dir.0.join("keys")).await;
}
