//! Reads from a PostgreSQL streaming replica (issue 20): `scripts/test`
//! makes a second cluster with `pg_basebackup -R` on a port of its own
//! (`SARABAN_TEST_REPLICA_URL`). With the replica's replay paused, a person
//! who just wrote reads their own write at once (from the primary), while
//! a list read by someone who wrote nothing since comes from the replica
//! and does not show it yet; the public page of an issued document is
//! served from the replica once it has replayed the issue.

use std::time::Duration;

use reqwest::StatusCode;
use saraban_stories::{ApiServer, example_content, example_org_with_admin, init_with_passwords};
use sqlx::Connection;

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-replica";

/// The replica's admin URL, if any; under CI it must be set.
fn replica_admin() -> Option<String> {
    match std::env::var("SARABAN_TEST_REPLICA_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must run the replica story: scripts/test sets SARABAN_TEST_REPLICA_URL")
        }
        _ => None,
    }
}

/// `admin`'s server with `database` instead of its own.
fn on_database(admin: &str, database: &str) -> String {
    let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
    format!("{base}/{database}")
}

async fn replica_sql(admin: &str, sql: &str) {
    let mut conn = sqlx::AnyConnection::connect(admin)
        .await
        .expect("the replica answers");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
}

/// Waits until the replica has replayed everything the primary has written.
async fn caught_up(primary: &sqlx::AnyPool, replica_admin: &str) {
    let target: String = sqlx::query_scalar("SELECT CAST(pg_current_wal_lsn() AS TEXT)")
        .fetch_one(primary)
        .await
        .unwrap();
    let mut conn = sqlx::AnyConnection::connect(replica_admin).await.unwrap();
    // Not a timing: a replica that stopped streaming would hang the story.
    for _ in 0..6_000 {
        let replayed: bool = sqlx::query_scalar(
            "SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn), FALSE)",
        )
        .bind(&target)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if replayed {
            conn.close().await.ok();
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the replica has not replayed {target} in two minutes: is it streaming?");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lists_from_the_replica_and_your_own_writes_at_once() {
    let Some(db) = saraban_stories::postgres().await else {
        eprintln!("replica story skipped: SARABAN_TEST_POSTGRES_URL is not set");
        return;
    };
    let Some(admin) = replica_admin() else {
        eprintln!("replica story skipped: SARABAN_TEST_REPLICA_URL is not set");
        return;
    };
    // A run that failed half-way may have left the replay paused.
    replica_sql(&admin, "SELECT pg_wal_replay_resume()").await;
    init_with_passwords(&db.store, &example_org_with_admin(), PASSWORD).await;
    caught_up(db.store.pool(), &admin).await;
    let database = db.url.rsplit('/').next().unwrap().to_owned();
    let store = db
        .store
        .clone()
        .with_read_replica(&on_database(&admin, &database))
        .await
        .expect("the replica serves the story's database");
    assert!(store.has_read_replica());
    let server = ApiServer::serve(db, store, ORG, PASSWORD).await;

    // The reviewer signs in while the replica keeps up.
    let reviewer = server.sign_in("somjai").await;
    let drafter = server.sign_in("chanyurat").await;
    caught_up(server.store.pool(), &admin).await;

    replica_sql(&admin, "SELECT pg_wal_replay_pause()").await;
    let id = drafter
        .create(&example_content("ita-report-2568.toml"))
        .await;
    drafter.act_ok(&id, "submit", None).await;
    // The drafter sees their own write at once: it reads the primary.
    let (status, listed) = drafter.get("/documents?limit=50").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert!(
        listed.to_string().contains(&id),
        "the drafter's list shows what they just wrote: {listed}"
    );
    // The reviewer wrote nothing since the replica stopped: their inbox is
    // the replica's, which has not replayed the submission.
    let (waiting, inbox) = reviewer.waiting(&id).await;
    assert!(
        !waiting,
        "the reviewer's inbox is read from the paused replica: {inbox}"
    );
    replica_sql(&admin, "SELECT pg_wal_replay_resume()").await;
    caught_up(server.store.pool(), &admin).await;
    let (waiting, inbox) = reviewer.waiting(&id).await;
    assert!(waiting, "replayed, the replica shows it: {inbox}");

    // An issued document's public page, for a visitor who wrote nothing,
    // comes from the replica: not there while the issue is not replayed.
    replica_sql(&admin, "SELECT pg_wal_replay_pause()").await;
    let (issued, _pdf) = server
        .through_the_route(
            &example_content("ita-report-2568.toml"),
            &["somjai", "somsak", "wilaiwan"],
            "kanok",
        )
        .await;
    let code = saraban_store::verification_code(ORG, issued["id"].as_str().unwrap());
    let (status, record) = server
        .visitor()
        .get(&format!("/public/verify/{code}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not yet replayed: {record}");
    replica_sql(&admin, "SELECT pg_wal_replay_resume()").await;
    caught_up(server.store.pool(), &admin).await;
    let (status, record) = server
        .visitor()
        .get(&format!("/public/verify/{code}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["code"], code.as_str(), "{record}");
    let (status, _, page) = server.visitor().page(&format!("/verify/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page).contains("คุณธรรมและความโปร่งใส"));
}
