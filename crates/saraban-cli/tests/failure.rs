//! A failure of the database while the server runs: the client gets a 500
//! that says only "internal" and a request id, and the server's log line
//! carries the cause with the same id. On SQLite and on PostgreSQL (when
//! `SARABAN_TEST_POSTGRES_URL` names a server).

#[path = "common/server.rs"]
mod server;

use serde_json::{Value, json};
use sqlx::Connection;

use server::{FreshPostgres, Scratch, Server};

/// Signs in as the demo drafter, breaks the database from outside, and
/// asks for the inbox.
async fn story(db: &str, dir: &std::path::Path) {
    let server = Server::start(db, &dir.join("keys"));
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

    let log = server.log();
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
    let dir = Scratch::new("failure");
    sqlx::any::install_default_drivers();
    let db = format!("sqlite://{}/saraban.db?mode=rwc", dir.0.display());
    story(&db, &dir.0).await;
}

#[tokio::test]
async fn database_failure_on_postgres() {
    let Some(admin) = server::postgres_admin_url("database_failure_on_postgres") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let database = FreshPostgres::create(&admin, "failure").await;
    let dir = Scratch::new("failure");
    story(&database.url, &dir.0).await;
}
