//! Notifications survive kill -9 (issue 18): the real `saraban serve`
//! delivers ด่วนที่สุด notifications by e-mail to a slow real SMTP server
//! (Python's aiosmtpd) and by LINE to a slow loopback push endpoint, and is
//! killed with SIGKILL twice mid-delivery — once while an SMTP server holds
//! a message's DATA, once while the LINE endpoint holds a push it accepted
//! — and started again on the same database. In the end every message
//! reached its channel exactly once: the SMTP server delivered each
//! Message-ID once (the interrupted DATA was never answered, so never
//! delivered), and the LINE endpoint accepted each retry key once and
//! answered the retry of the interrupted push 409, which the sender took
//! as sent. On SQLite (a file both processes open) and on PostgreSQL (when
//! `SARABAN_TEST_POSTGRES_URL` names a server; required under CI=true).

#[path = "common/server.rs"]
mod server;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use saraban_stories::notify_sinks::{LineSink, SmtpSink, aiosmtpd_available};
use saraban_stories::{Office, example_content, org, person};

const ORG: &str = "wangkrachae";
const TOKEN: &str = "the-channel-token-of-the-crash-story";
const SOMJAI_LINE: &str = "Uabcdefabcdefabcdefabcdefabcdef01";
/// How long each far end takes to answer a message.
const SLOW: Duration = Duration::from_millis(1500);
/// The sender's lease, in seconds: each try's timeouts are a third of it
/// (2 s, more than SLOW).
const LEASE_SECS: &str = "6";
const MEMOS: usize = 4;

/// `saraban serve --demo` with the sender's settings.
struct Serve {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Serve {
    fn start(db: &str, keys: &Path, smtp_port: u16, line: &str) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_saraban"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db", db])
            .arg("--keys")
            .arg(keys)
            .env_remove("SARABAN_CONFIG")
            .env("SARABAN_LOG", "info")
            .env("SARABAN_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("SARABAN_MAIL_FROM", "saraban@wangkrachae.go.th")
            .env("SARABAN_LINE_ENDPOINT", line)
            .env("SARABAN_LINE_TOKEN", TOKEN)
            .env("SARABAN_NOTIFY_LEASE_SECS", LEASE_SECS)
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
        let mut line = String::new();
        loop {
            line.clear();
            if stdout.read_line(&mut line).expect("stdout of serve") == 0 {
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(200));
                panic!("serve ended early: {}", log.lock().expect("log"));
            }
            if line.contains("saraban is serving at") {
                break;
            }
        }
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Serve { child, log }
    }

    fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_sqlite_a_kill_9_mid_delivery_sends_every_notification_exactly_once() {
    if !aiosmtpd_available("notify_crash") {
        return;
    }
    let scratch = server::Scratch::new("notify-crash");
    let db = format!("sqlite://{}/saraban.db", scratch.0.display());
    story(&db, &scratch.0.join("keys")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgres_a_kill_9_mid_delivery_sends_every_notification_exactly_once() {
    let Some(admin) = server::postgres_admin_url("notify_crash") else {
        return;
    };
    if !aiosmtpd_available("notify_crash") {
        return;
    }
    sqlx::any::install_default_drivers();
    let scratch = server::Scratch::new("notify-crash-pg");
    let db = server::FreshPostgres::create(&admin, "notify_crash").await;
    story(&db.url, &scratch.0.join("keys")).await;
}

async fn story(db: &str, keys: &Path) {
    let (db, keys) = (db.to_owned(), keys.to_owned());
    let smtp = SmtpSink::start(SLOW);
    let line = LineSink::start(TOKEN, SLOW).await;

    let mut server = Serve::start(&db, &keys, smtp.port, &line.endpoint);
    // This process writes to the same database: somjai's channels, and
    // memos that wait for her.
    let store = saraban_stories::open_store(&db).await.unwrap();
    store.set_public_url(Some("https://saraban.wangkrachae.go.th".into()));
    let (o, somjai) = (org(ORG), person("somjai"));
    let token = store
        .request_email(&o, &somjai, "somjai@wangkrachae.go.th", Utc::now())
        .await
        .unwrap();
    store.confirm_email(&token, Utc::now()).await.unwrap();
    let code = store
        .request_line(&o, &somjai, SOMJAI_LINE, Utc::now())
        .await
        .unwrap();
    store
        .confirm_line(&o, &somjai, &code, Utc::now())
        .await
        .unwrap();
    let office = Office::new(&store, ORG);
    for n in 0..MEMOS {
        let mut content = example_content("ita-report-2568.toml");
        content["urgency"] = "ด่วนที่สุด".into();
        content["subject"] = format!("เรื่องด่วนที่สุด ฉบับที่ {}", n + 1).into();
        let id = office
            .draft("chanyurat", content, Utc::now())
            .await
            .unwrap()
            .id;
        office
            .act(
                "chanyurat",
                &id,
                saraban_core::workflow::RouteAction::Submit,
                None,
                Utc::now(),
            )
            .await
            .unwrap();
    }
    let expected = 2 * (MEMOS + 1);

    // Kill 1: while the SMTP server holds a message's DATA.
    let data =
        |events: &[serde_json::Value]| events.iter().filter(|e| e["event"] == "data").count();
    wait_until("an e-mail's DATA", Duration::from_secs(60), || {
        data(&smtp.events()) >= 1
    })
    .await;
    server.kill9();
    wait_until(
        "the SMTP server to drop it",
        Duration::from_secs(10),
        || smtp.events().iter().any(|e| e["event"] == "dropped"),
    )
    .await;
    server = Serve::start(&db, &keys, smtp.port, &line.endpoint);

    // Kill 2: while the LINE endpoint holds a push it accepted.
    let accepted = line.accepted().len();
    wait_until("a LINE push", Duration::from_secs(60), || {
        line.accepted().len() > accepted
    })
    .await;
    server.kill9();
    server = Serve::start(&db, &keys, smtp.port, &line.endpoint);

    // Everything is sent in the end.
    let started = Instant::now();
    loop {
        let messages = store.messages(&o).await.unwrap();
        if messages.len() == expected && messages.iter().all(|m| m.status == "sent") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "not all sent: {messages:#?}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let messages = store.messages(&o).await.unwrap();
    let retried = messages.iter().filter(|m| m.attempts > 1).count();
    assert!(
        retried >= 2,
        "the two interrupted tries were tried again: {messages:#?}"
    );

    // E-mail: each message delivered once, by its Message-ID.
    let delivered: Vec<String> = smtp
        .delivered()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect();
    let mut emails: Vec<String> = messages
        .iter()
        .filter(|m| m.channel == "email")
        .map(|m| format!("<{}@saraban>", m.id))
        .collect();
    let mut got = delivered.clone();
    emails.sort();
    got.sort();
    assert_eq!(got, emails, "every e-mail delivered exactly once");

    // LINE: each retry key accepted once; the interrupted push's retry was
    // answered 409 and taken as sent.
    let mut keys_accepted: Vec<String> = line.accepted().into_iter().map(|p| p.retry_key).collect();
    let mut lines: Vec<String> = messages
        .iter()
        .filter(|m| m.channel == "line")
        .map(|m| m.id.clone())
        .collect();
    keys_accepted.sort();
    lines.sort();
    assert_eq!(
        keys_accepted, lines,
        "every LINE push accepted exactly once"
    );
    assert!(
        !line.repeated().is_empty(),
        "the interrupted push was retried with its key"
    );
    assert!(line.refused().is_empty(), "{:?}", line.refused());
    assert!(
        !server.log().contains(TOKEN),
        "the channel token is never logged"
    );
    drop(server);
    store.close().await;
}
