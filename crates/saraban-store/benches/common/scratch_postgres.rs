//! A PostgreSQL database of a bench's own, made on the server the bench is
//! given and dropped when it is done. Included by path (`#[path]`).

use sqlx::Connection;

/// The database `name` on the server `admin` names, made if missing: its
/// URL, and the connection that makes and drops it.
pub async fn create(admin: &str, name: &str) -> (String, sqlx::PgConnection) {
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "a bench database's name is of a-z, 0-9 and _"
    );
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("the PostgreSQL server");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await
        .expect("look for the bench database");
    if exists.is_none() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create the bench database");
    }
    let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
    (format!("{base}/{name}"), conn)
}

/// Drops the database `create` made, its sessions closed.
pub async fn drop(mut conn: sqlx::PgConnection, name: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .expect("drop the bench database");
}
