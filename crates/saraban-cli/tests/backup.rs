//! Backups that restore and verify (issue 21), with the real binary on
//! SQLite and PostgreSQL: a full route through a running `saraban serve`,
//! then `saraban backup` while drafters keep writing, then `saraban
//! restore` into a fresh database and key folder, which verifies; every
//! draft acknowledged before the backup began is in the restored records.
//! A backup whose checkpoint file or signing key was removed, or whose
//! database file was corrupted, or opened with the wrong passphrase, is
//! refused, naming what is wrong.

#[path = "common/server.rs"]
mod server;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use server::{FreshPostgres, Scratch, Server};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-demo";
const PASSPHRASE: &str = "ความลับ of the backup 2569";

async fn signed_in(api: &str, user: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let answer = http
        .post(format!("{api}/sign-in"))
        .json(&json!({"org": ORG, "user": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{user} signs in");
    http
}

fn memo(subject: &str) -> Value {
    let mut memo = saraban_stories::example_content("ita-report-2568.toml");
    memo["subject"] = json!(subject);
    memo
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let answer = http.post(url).json(&body).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// A memo drafted, endorsed, signed and issued, each as themselves.
async fn full_route(api: &str) -> String {
    let drafter = signed_in(api, "chanyurat").await;
    let (status, created) = post(&drafter, format!("{api}/documents"), memo("ก่อนสำรอง")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let act = |who: &'static str, action: &'static str, id: String| async move {
        let http = signed_in(api, who).await;
        let (status, body) = post(
            &http,
            format!("{api}/documents/{id}/actions/{action}"),
            json!({"text": "เห็นควร"}),
        )
        .await;
        assert_eq!(status, 200, "{who} {action}: {body}");
    };
    act("chanyurat", "submit", id.clone()).await;
    for reviewer in ["somjai", "somsak", "wilaiwan"] {
        act(reviewer, "endorse", id.clone()).await;
    }
    act("kanok", "sign", id.clone()).await;
    act("sunee", "issue", id.clone()).await;
    id
}

/// A way to spoil a backup: its name, what it does, what the refusal names.
type Damage = (&'static str, fn(&Path), &'static str);

fn saraban(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_saraban"));
    command
        .args(args)
        .env_remove("SARABAN_DB")
        .env_remove("SARABAN_KEYS")
        .env_remove("SARABAN_ORG")
        .envs(saraban_stories::content_env_of_args(args))
        .env("SARABAN_BACKUP_PASSPHRASE", PASSPHRASE);
    command
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn restore(from: &Path, db: &str, keys: &Path) -> Output {
    saraban(&["restore", &from.to_string_lossy(), "--db", db])
        .arg("--keys")
        .arg(keys)
        .output()
        .expect("saraban restore runs")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The ids of the documents `db` holds.
async fn documents(db: &str) -> Vec<String> {
    let store = saraban_stories::open_store(db).await.unwrap();
    let ids = sqlx::query_scalar::<_, String>("SELECT id FROM documents")
        .fetch_all(store.pool())
        .await
        .unwrap();
    store.close().await;
    ids
}

/// The story on `db` (an empty database) and `fresh` (another, for the
/// restore); `scratch` holds the folders.
async fn story(db: &str, fresh: &str, fresh_for_refusals: &[String], scratch: &Path) {
    let keys = scratch.join("keys");
    let server = Server::start(db, &keys);
    let api = format!("{}/api/v1", server.url);
    let issued = full_route(&api).await;

    // Drafters keep writing while the backup runs; each draft's answer is
    // timed against the backup's start.
    let acknowledged: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for drafter in ["chanyurat", "somjai"] {
        let http = signed_in(&api, drafter).await;
        let (api, acknowledged, stop) = (api.clone(), acknowledged.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            // Bounded: a few hundred drafts at most.
            for n in 0..400 {
                if stop.load(std::sync::atomic::Ordering::SeqCst) && n > 2 {
                    break;
                }
                let (status, created) = post(
                    &http,
                    format!("{api}/documents"),
                    memo(&format!("ระหว่างสำรอง {n}")),
                )
                .await;
                assert_eq!(status, 201, "{created}");
                let id = created["id"].as_str().unwrap().to_owned();
                acknowledged.lock().unwrap().push((id, Instant::now()));
            }
        }));
    }
    // Some drafts are in before the backup starts.
    while acknowledged.lock().unwrap().len() < 6 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let backup = scratch.join("backup");
    let started = Instant::now();
    let made = tokio::task::spawn_blocking({
        let (db, backup, keys) = (db.to_owned(), backup.clone(), keys.clone());
        move || {
            saraban(&["backup", "--db", &db, "--to", &backup.to_string_lossy()])
                .arg("--keys")
                .arg(&keys)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    assert!(made.status.success(), "{}", text(&made));
    let before: Vec<String> = acknowledged
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at < started)
        .map(|(id, _)| id.clone())
        .collect();
    assert!(before.len() >= 6);
    drop(server);

    // The secret keys are sealed; the manifest names every file.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let clear_key = std::fs::read_to_string(keys.join(format!("{ORG}.key"))).unwrap();
    for file in manifest["files"].as_array().unwrap() {
        let bytes = std::fs::read(backup.join(file["path"].as_str().unwrap())).unwrap();
        assert!(
            !bytes
                .windows(clear_key.trim().len())
                .any(|w| w == clear_key.trim().as_bytes()),
            "{} holds the key in the clear",
            file["path"]
        );
    }
    assert!(backup.join(format!("keys/{ORG}.key.sealed")).is_file());
    assert!(
        manifest["organisations"][0]["checkpoint"]["size"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Restored into a fresh database and key folder, it verifies.
    let restored_keys = scratch.join("restored-keys");
    let restored = restore(&backup, fresh, &restored_keys);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(
        text(&restored).contains("verify holds"),
        "{}",
        text(&restored)
    );
    let verified = server::verify(fresh, &restored_keys);
    assert!(verified.status.success(), "{}", text(&verified));
    let present = documents(fresh).await;
    assert!(present.contains(&issued), "the issued memo is restored");
    for id in &before {
        assert!(
            present.contains(id),
            "draft {id}, acknowledged before the backup, is restored"
        );
    }
    // Restoring again over the restored database is refused.
    let again = restore(&backup, fresh, &scratch.join("keys-again"));
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("not empty"), "{}", text(&again));

    // Each damage is named; nothing is written.
    let damages: [Damage; 4] = [
        (
            "checkpoint file removed",
            |b| std::fs::remove_file(b.join(format!("keys/{ORG}.checkpoints"))).unwrap(),
            "checkpoint file of wangkrachae",
        ),
        (
            "key folder removed",
            |b| std::fs::remove_dir_all(b.join("keys")).unwrap(),
            "signing key of wangkrachae",
        ),
        (
            "database file corrupted",
            |b| {
                let name = ["database.sqlite", "database.pgdump"]
                    .into_iter()
                    .find(|name| b.join(name).is_file())
                    .unwrap();
                let mut bytes = std::fs::read(b.join(name)).unwrap();
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0x55;
                std::fs::write(b.join(name), bytes).unwrap();
            },
            "is corrupted",
        ),
        (
            "wrong passphrase",
            |b| {
                let path = b.join("manifest.json");
                let mut manifest: Value =
                    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                // Another salt: the passphrase no longer opens the keys.
                manifest["sealing"]["salt"] = json!("00112233445566778899aabbccddeeff");
                std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
            },
            "passphrase does not open",
        ),
    ];
    for ((damage, spoil, named), target) in damages.into_iter().zip(fresh_for_refusals) {
        let copy = scratch.join(format!("damaged-{}", damage.replace(' ', "-")));
        copy_dir(&backup, &copy);
        spoil(&copy);
        let keys = scratch.join(format!("keys-{}", damage.replace(' ', "-")));
        let refused = restore(&copy, target, &keys);
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{damage}: {}",
            text(&refused)
        );
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains(named), "{damage}: {said}");
        assert_eq!(said.trim().lines().count(), 1, "{damage}: one line: {said}");
        assert!(
            !keys.join(format!("{ORG}.key")).exists(),
            "{damage}: no key written"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_load_restores_and_verifies_on_sqlite() {
    let scratch = Scratch::new("backup");
    let db = format!("sqlite://{}", scratch.0.join("saraban.db").display());
    let fresh = format!("sqlite://{}", scratch.0.join("restored.db").display());
    let targets: Vec<String> = (0..4)
        .map(|n| {
            format!(
                "sqlite://{}",
                scratch.0.join(format!("refused-{n}.db")).display()
            )
        })
        .collect();
    story(&db, &fresh, &targets, &scratch.0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_load_restores_and_verifies_on_postgres() {
    let Some(admin) = server::postgres_admin_url("backup") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let scratch = Scratch::new("backup-pg");
    let db = FreshPostgres::create(&admin, "backup").await;
    let fresh = FreshPostgres::create(&admin, "restored").await;
    let mut targets = Vec::new();
    for _ in 0..4 {
        targets.push(FreshPostgres::create(&admin, "refused").await);
    }
    let urls: Vec<String> = targets.iter().map(|t| t.url.clone()).collect();
    story(&db.url, &fresh.url, &urls, &scratch.0).await;
}
