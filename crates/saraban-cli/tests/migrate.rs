//! Upgrades told before they are made (issue 21), with the real binary on
//! SQLite and PostgreSQL: `saraban migrate --check` lists what a new
//! database needs (exit 1), `saraban migrate` applies it, `--check` then
//! says up to date (exit 0). A database that a newer saraban migrated (a
//! migration this build does not know) is refused by `migrate`, `serve`
//! and `verify` alike, in one line, exit 2, and left untouched.

#[path = "common/server.rs"]
mod server;

use std::process::{Command, Output};

use server::{FreshPostgres, Scratch};
use sqlx::Connection;

fn saraban(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_saraban"))
        .args(args)
        .env_remove("SARABAN_DB")
        .env_remove("SARABAN_KEYS")
        .env_remove("SARABAN_CONFIG")
        .envs(saraban_stories::content_env_of_args(args))
        .output()
        .expect("saraban runs")
}

fn said(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn story(db: &str, keys: &std::path::Path) {
    let pending = saraban(&["migrate", "--check", "--db", db]);
    assert_eq!(pending.status.code(), Some(1), "{}", said(&pending));
    let listed = String::from_utf8_lossy(&pending.stdout);
    assert!(listed.contains("0001 engine"), "{listed}");
    assert!(listed.contains("0011"), "{listed}");

    let applied = saraban(&["migrate", "--db", db]);
    assert_eq!(applied.status.code(), Some(0), "{}", said(&applied));
    let checked = saraban(&["migrate", "--check", "--db", db]);
    assert_eq!(checked.status.code(), Some(0), "{}", said(&checked));
    assert!(
        String::from_utf8_lossy(&checked.stdout).contains("up to date"),
        "{}",
        said(&checked)
    );

    // A newer saraban's migration.
    let mut conn = sqlx::AnyConnection::connect(db).await.unwrap();
    let checksum = if db.starts_with("postgres") {
        "'\\x00'::bytea"
    } else {
        "X'00'"
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from a newer saraban', TRUE, {checksum}, 0)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    let tables_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();

    let keys = keys.to_string_lossy();
    for args in [
        vec!["migrate", "--check", "--db", db],
        vec!["migrate", "--db", db],
        vec![
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--keys",
            &keys,
        ],
        vec!["verify", "--db", db, "--keys", &keys],
    ] {
        let refused = saraban(&args);
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{args:?}: {}",
            said(&refused)
        );
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("newer than this saraban") && stderr.contains("9999"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
    let tables_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(tables_before, tables_after, "nothing was migrated");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn migrations_are_told_and_a_newer_database_refused_on_sqlite() {
    sqlx::any::install_default_drivers();
    let scratch = Scratch::new("migrate");
    let db = format!("sqlite://{}", scratch.0.join("saraban.db").display());
    story(&db, &scratch.0.join("keys")).await;
}

#[tokio::test]
async fn migrations_are_told_and_a_newer_database_refused_on_postgres() {
    sqlx::any::install_default_drivers();
    let Some(admin) = server::postgres_admin_url("migrate") else {
        return;
    };
    let scratch = Scratch::new("migrate-pg");
    let db = FreshPostgres::create(&admin, "migrate").await;
    story(&db.url, &scratch.0.join("keys")).await;
}
