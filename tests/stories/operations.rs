//! Operating saraban (issue 21), over real HTTP on SQLite and PostgreSQL:
//! `/metrics` is for administrators, reads back with Prometheus's own
//! text-format parser (Python's `prometheus_client.parser`), and its
//! series move after a transition; `/health/live` answers, and
//! `/health/ready` turns unready when the key folder goes away and ready
//! when it returns. On a PostgreSQL cluster of the story's own (initdb
//! under the temporary folder, on a free port), `/health/ready` turns
//! unready when the server is stopped and ready again when it is started.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use saraban_stories::{ApiServer, TestDb, example_content, org, stories};
use serde_json::{Value, json};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-operations";

/// One sample as the parser read it: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// The samples of a scrape, read by `prometheus_client.parser`.
fn parse(text: &str) -> Vec<Sample> {
    const READ: &str = "import json, sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        print(json.dumps([s.name, s.labels, s.value]))";
    let mut python = Command::new("python3")
        .args(["-c", READ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (scripts/test installs prometheus_client)");
    python
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the parser reads /metrics: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Sample>(line).unwrap())
        .collect()
}

/// The value of the sample `name` whose labels include `labels`; none if
/// there is no such sample.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| *v)
}

async fn start(db: TestDb, keys: &Path) -> ApiServer {
    db.store.use_key_folder(keys).unwrap();
    let server = ApiServer::start(db, PASSWORD).await;
    server.store.ensure_signing_key(&org(ORG)).await.unwrap();
    server
}

fn key_folder(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("saraban-{name}-{}.keys", uuid::Uuid::new_v4()))
}

/// Scrapes `/metrics` with `token` as the bearer.
async fn scrape(server: &ApiServer, token: &str) -> Vec<Sample> {
    let answer = reqwest::Client::new()
        .get(format!("{}/metrics", server.root))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
    );
    parse(&answer.text().await.unwrap())
}

async fn metrics_move_after_a_transition(db: TestDb) {
    let keys = key_folder("metrics");
    let server = start(db, &keys).await;

    // Not public: nobody, and a drafter, are refused; an administrator's
    // API token reads it.
    let anonymous = reqwest::get(format!("{}/metrics", server.root))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let drafter = server.sign_in("chanyurat").await;
    let refused = drafter
        .http
        .get(format!("{}/metrics", server.root))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let admin = server.sign_in("admin").await;
    let (status, token) = admin
        .post("/tokens", &json!({ "password": PASSWORD }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let token = token["token"].as_str().unwrap().to_owned();

    let before = scrape(&server, &token).await;
    let memo = example_content("ita-report-2568.toml");
    let (issued, _) = server
        .through_the_route(&memo, &["somjai", "somsak", "wilaiwan"], "kanok")
        .await;
    let id = issued["id"].as_str().unwrap();
    server.store.audit(&org(ORG)).await.unwrap();
    let after = scrape(&server, &token).await;

    let action = [
        ("method", "POST"),
        ("route", "/api/v1/documents/{id}/actions/{action}"),
        ("status", "200"),
    ];
    let moved = |name: &str, labels: &[(&str, &str)]| {
        let was = value(&before, name, labels).unwrap_or(0.0);
        let is = value(&after, name, labels)
            .unwrap_or_else(|| panic!("{name} {labels:?} is in the scrape"));
        assert!(is > was, "{name} {labels:?} moved: {was} → {is}");
    };
    // Six route actions (submit, three endorsements, sign, issue).
    let actions = value(&after, "saraban_http_requests_total", &action).unwrap()
        - value(&before, "saraban_http_requests_total", &action).unwrap_or(0.0);
    assert_eq!(actions, 6.0);
    moved(
        "saraban_http_request_seconds_count",
        &[("route", "/api/v1/documents/{id}/actions/{action}")],
    );
    moved("saraban_transitions_total", &[("outcome", "committed")]);
    moved("saraban_writer_batch_size_count", &[]);
    moved("saraban_writer_batch_size_sum", &[]);
    moved("saraban_writer_commit_seconds_count", &[]);
    moved("saraban_writer_batch_seconds_count", &[]);
    moved("saraban_typeset_seconds_count", &[]);
    moved("saraban_checkpoint_size", &[("org", ORG)]);
    assert!(value(&after, "saraban_checkpoint_age_seconds", &[("org", ORG)]).unwrap() >= 0.0);
    assert_eq!(value(&after, "saraban_writer_queue_depth", &[]), Some(0.0));
    assert_eq!(
        value(&after, "saraban_verify_findings", &[("org", ORG)]),
        Some(0.0)
    );
    assert_eq!(value(&after, "saraban_backup_age_seconds", &[]), Some(-1.0));
    assert_eq!(value(&after, "saraban_backup_failing", &[]), Some(0.0));
    // Nobody here chose an outside channel: nothing waits for the sender.
    assert_eq!(
        value(&after, "saraban_notifications_queue_depth", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&after, "saraban_notifications_failed", &[]),
        Some(0.0)
    );
    // Routes by their pattern: no document's id is a label.
    for (name, labels, _) in &after {
        for label in labels.values() {
            assert!(!label.contains(id), "{name} {labels:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&keys);
}

async fn readiness_follows_the_key_folder(db: TestDb) {
    let keys = key_folder("ready");
    let server = start(db, &keys).await;
    let http = reqwest::Client::new();
    let ready = || async {
        let answer = http
            .get(format!("{}/health/ready", server.root))
            .send()
            .await
            .unwrap();
        let status = answer.status();
        (status, answer.json::<Value>().await.unwrap())
    };
    let live = http
        .get(format!("{}/health/live", server.root))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["checks"]["migrations"]["ok"], true, "{body}");

    let away = keys.with_extension("away");
    std::fs::rename(&keys, &away).unwrap();
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["checks"]["key_folder"]["ok"], false, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], true, "{body}");
    assert!(
        !body.to_string().contains(&*away.to_string_lossy()),
        "{body}"
    );
    std::fs::rename(&away, &keys).unwrap();
    let (status, body) = ready().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let _ = std::fs::remove_dir_all(&keys);
}

stories!(
    metrics_move_after_a_transition,
    readiness_follows_the_key_folder
);

/// A PostgreSQL cluster of the story's own, under the temporary folder,
/// run by the `postgres` account; stopped and removed when dropped.
struct PrivateCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl PrivateCluster {
    /// None where PostgreSQL's server programs or the `postgres` account
    /// are missing (outside CI).
    fn start() -> Option<PrivateCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .find(|bin| bin.join("initdb").is_file())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = std::env::temp_dir().join(format!("saraban-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let cluster = PrivateCluster { dir, bin, port };
        if !Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&cluster.dir)
            .status()
            .is_ok_and(|s| s.success())
        {
            return None;
        }
        cluster.as_postgres(&[
            "initdb",
            "--auth=trust",
            "--username=postgres",
            "--no-sync",
            "-D",
            &cluster.data(),
        ]);
        cluster.pg_ctl("start");
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn as_postgres(&self, args: &[&str]) {
        let program = self.bin.join(args[0]);
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&program)
            .args(&args[1..])
            .current_dir(&self.dir)
            .output()
            .expect("runuser");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn pg_ctl(&self, what: &str) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").to_string_lossy().into_owned();
        let data = self.data();
        let mut args = vec![
            "pg_ctl", what, "-w", "-D", &data, "-l", &log, "-o", &options,
        ];
        if what == "stop" {
            args = vec!["pg_ctl", "stop", "-w", "-m", "fast", "-D", &data];
        }
        self.as_postgres(&args);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["stop", "-m", "immediate", "-D", &self.data()])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Asks `/health/ready` until it answers `wanted` (a bounded number of
/// times, a fifth of a second apart); the last answer.
async fn ready_becomes(root: &str, wanted: StatusCode) -> (StatusCode, Value) {
    let http = reqwest::Client::new();
    let mut last = (StatusCode::IM_A_TEAPOT, Value::Null);
    for _ in 0..150 {
        let answer = http
            .get(format!("{root}/health/ready"))
            .send()
            .await
            .unwrap();
        last = (answer.status(), answer.json().await.unwrap_or(Value::Null));
        if last.0 == wanted {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readiness_follows_a_stopped_and_restarted_postgres() {
    let Some(cluster) = PrivateCluster::start() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI has PostgreSQL's server programs and the postgres account"
        );
        eprintln!("skipped: no PostgreSQL server programs to start a cluster with");
        return;
    };
    let store = saraban_stories::open_store(&cluster.url()).await.unwrap();
    let keys = key_folder("ready-pg");
    store.use_key_folder(&keys).unwrap();
    let (root, _stop) = saraban_stories::serve(store).await;

    let (status, body) = ready_becomes(&root, StatusCode::OK).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    cluster.pg_ctl("stop");
    let (status, body) = ready_becomes(&root, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
    assert_eq!(body["checks"]["key_folder"]["ok"], true, "{body}");
    // Liveness is the process's, not the database's.
    let live = reqwest::get(format!("{root}/health/live")).await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    cluster.pg_ctl("start");
    let (status, body) = ready_becomes(&root, StatusCode::OK).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let _ = std::fs::remove_dir_all(&keys);
}
