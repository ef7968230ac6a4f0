//! Upgrades told before they are made: which of this build's migrations a
//! database still needs, and applying them without opening the store.

use serde::Serialize;

use crate::error::Result;
use crate::store::{connect, known_migrations, unknown_migrations};

/// Where a database stands against this build's migrations.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Applied, newest last.
    pub applied: Vec<i64>,
    /// Known to this build and not applied yet: (version, name).
    pub pending: Vec<(i64, &'static str)>,
    /// Applied by a newer saraban, unknown to this one.
    pub unknown: Vec<i64>,
}

/// The migrations `url`'s database has and still needs; changes nothing.
pub async fn migration_status(url: &str) -> Result<MigrationStatus> {
    let (pool, backend) = connect(url).await?;
    let applied: Vec<i64> =
        sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    let unknown = unknown_migrations(&pool, backend).await?;
    pool.close().await;
    let pending = known_migrations(backend)
        .iter()
        .filter(|(version, _, _)| !applied.contains(version))
        .map(|(version, name, _)| (*version, *name))
        .collect();
    Ok(MigrationStatus {
        database: match backend {
            crate::writer::Backend::Sqlite => "sqlite",
            crate::writer::Backend::Postgres => "postgres",
        },
        applied,
        pending,
        unknown,
    })
}

/// Applies the migrations `url`'s database still needs, as opening the
/// store would, and says which. A database newer than this build is
/// refused untouched.
pub async fn apply_migrations(
    url: &str,
    content: Option<&crate::content::ContentPlace>,
) -> Result<Vec<(i64, &'static str)>> {
    let status = migration_status(url).await?;
    // Opening migrates, refuses a newer database, and builds the search
    // index of a database from before it.
    // It moves content an older version kept in the database into the
    // content store, too.
    let store = crate::store::Store::open_with_content(url, content).await?;
    store.close().await;
    Ok(status.pending)
}
