//! A real `saraban serve --demo` child process that a story can break, or
//! kill -9 and start again on the same database and key folder, and a fresh
//! PostgreSQL database for it. Included by path (`#[path]`), not from
//! `mod.rs`, so the tests that do not use it compile without it.
// Each story that includes it uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use sqlx::Connection;

/// `saraban serve --demo` on a database, its log collected as it is written.
pub struct Server {
    child: Child,
    pub url: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the server and waits for the line that gives its address.
    pub fn start(db: &str, keys: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_saraban"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db", db])
            .arg("--keys")
            .arg(keys)
            .env_remove("SARABAN_CONFIG")
            .env("SARABAN_LOG", "info")
            .envs(saraban_stories::content_env(db))
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
            if read == 0 {
                // Give the stderr thread a moment to collect the cause.
                let _ = child.wait();
                std::thread::sleep(std::time::Duration::from_millis(200));
                panic!("serve ended early: {}", log.lock().expect("log"));
            }
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

    /// SIGKILL (what `kill -9` sends; `Child::kill` on Unix), then reaps
    /// the process so that the database and port are free.
    pub fn kill9(&mut self) {
        self.child.kill().expect("the server is killed");
        self.child.wait().expect("the killed server is reaped");
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Whether the server's log so far has a line containing `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.log.lock().expect("log").contains(needle)
    }

    /// The last `lines` lines of the server's log, for a failure message.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log.lock().expect("log");
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `saraban verify` on the database and key folder, as an operator runs it.
pub fn verify(db: &str, keys: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_saraban"))
        .args(["verify", "--db", db])
        .arg("--keys")
        .arg(keys)
        .envs(saraban_stories::content_env(db))
        .env_remove("SARABAN_ORG")
        .env_remove("SARABAN_DB")
        .env_remove("SARABAN_KEYS")
        .output()
        .expect("saraban verify runs")
}

/// A folder of the story's own under the temporary folder, removed when
/// dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("saraban-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL server to test against, if any; under CI it must be set.
pub fn postgres_admin_url(story: &str) -> Option<String> {
    match std::env::var("SARABAN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must run the stories on PostgreSQL: set SARABAN_TEST_POSTGRES_URL")
        }
        _ => {
            eprintln!("{story}: skipped (no SARABAN_TEST_POSTGRES_URL)");
            None
        }
    }
}

/// A new PostgreSQL database (saraban_test_*), dropped when this is dropped.
pub struct FreshPostgres {
    pub url: String,
    admin: String,
    name: String,
}

impl FreshPostgres {
    pub async fn create(admin: &str, story: &str) -> FreshPostgres {
        let name = format!("saraban_test_{story}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::AnyConnection::connect(admin)
            .await
            .expect("the PostgreSQL server answers");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("a fresh database");
        let _ = conn.close().await;
        let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
        FreshPostgres {
            url: format!("{base}/{name}"),
            admin: admin.to_owned(),
            name,
        }
    }
}

impl Drop for FreshPostgres {
    /// Drop runs inside the test's runtime, which must not block on itself:
    /// the database is dropped from a thread with a runtime of its own.
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut conn = sqlx::AnyConnection::connect(&admin).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await?;
                conn.close().await
            })
        });
        if let Ok(Err(error)) = dropped.join() {
            eprintln!("test database {} not dropped: {error}", self.name);
        }
    }
}
