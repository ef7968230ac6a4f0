//! A failure of the database while the server runs: the client gets a 500
//! that says only "internal" and a request id, and the server's log line
//! carries the cause with the same id. On SQLite and on PostgreSQL (when
//! `SARABAN_TEST_POSTGRES_URL` names a server).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sqlx::Connection;

/// `saraban serve --demo` on `db`, its log collected as it is written.
struct Server {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(db: &str, dir: &std::path::Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_saraban"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db", db])
            .arg("--keys")
            .arg(dir.join("keys"))
            .env_remove("SARABAN_CONFIG")
            .env("SARABAN_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("saraban serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = collected.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut url = None;
        let mut line = String::new();
        while url.is_none() {
            line.clear();
            let read = stdout.read_line(&mut line).expect("stdout of serve");
            assert!(read > 0, "serve ended early: {}", log.lock().expect("log"));
            url = line
                .split_whitespace()
                .find(|word| word.starts_with("http://"))
                .map(str::to_owned);
        }
        // The rest of stdout (the sign-ins) is drained so the server never blocks.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Server {
            child,
            url: url.expect("the URL"),
            log,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in as the demo drafter, breaks the database from outside, and
/// asks for the inbox.
async fn story(db: &str, dir: &std::path::Path) {
    let server = Server::start(db, dir);
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let api = format!("{}/api/v1", server.url);
    let signed_in = http
        .post(format!("{api}/sign-in"))
        .json(&json!({"org": "wangkrachae", "user": "chanyurat", "password": "saraban-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let inbox = http.get(format!("{api}/inbox")).send().await.unwrap();
    assert_eq!(
        inbox.status(),
        200,
        "the inbox answers while the database is whole"
    );

    // The injected failure: the documents table goes away under the server.
    let mut conn = sqlx::AnyConnection::connect(db).await.unwrap();
    sqlx::raw_sql("ALTER TABLE documents RENAME TO documents_gone")
        .execute(&mut conn)
        .await
        .unwrap();

    let failed = http.get(format!("{api}/inbox")).send().await.unwrap();
    assert_eq!(failed.status(), 500);
    let header_id = failed
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["code"], "internal", "{body}");
    assert_eq!(body["message"], "internal error", "{body}");
    let id = body["request_id"]
        .as_str()
        .expect("a request id")
        .to_owned();
    assert_eq!(header_id.as_deref(), Some(id.as_str()));
    let text = body.to_string();
    for hidden in ["documents", "table", "relation", "database", "sqlx"] {
        assert!(!text.contains(hidden), "the body hides the cause: {text}");
    }

    // The same failure through a web page: a Thai page naming the id.
    let page = http
        .get(format!("{}/inbox", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 500);
    let page_id = page
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("the page's request id");
    let page = page.text().await.unwrap();
    assert!(page.contains(&page_id), "the page gives its request id");
    assert!(!page.contains("documents"), "the page hides the cause");

    sqlx::raw_sql("ALTER TABLE documents_gone RENAME TO documents")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mended = http.get(format!("{api}/inbox")).send().await.unwrap();
    assert_eq!(mended.status(), 200, "nothing else was broken");

    let log = server.log.lock().expect("log").clone();
    for id in [&id, &page_id] {
        let line = log
            .lines()
            .find(|line| line.contains("internal error") && line.contains(id.as_str()))
            .unwrap_or_else(|| panic!("a log line with the cause and request id {id}:\n{log}"));
        assert!(
            line.contains("documents"),
            "the log line names the cause: {line}"
        );
    }
}

#[tokio::test]
async fn database_failure_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("saraban-failure-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    sqlx::any::install_default_drivers();
    let db = format!("sqlite://{}/saraban.db?mode=rwc", dir.display());
    story(&db, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn database_failure_on_postgres() {
    let admin = match std::env::var("SARABAN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must run the stories on PostgreSQL: set SARABAN_TEST_POSTGRES_URL")
        }
        _ => {
            eprintln!("database_failure_on_postgres: skipped (no SARABAN_TEST_POSTGRES_URL)");
            return;
        }
    };
    sqlx::any::install_default_drivers();
    let name = format!("saraban_test_failure_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
    let db = format!("{base}/{name}");
    let dir = std::env::temp_dir().join(format!("saraban-failure-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    story(&db, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
