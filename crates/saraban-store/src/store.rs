//! The store's handle on its database: opened and migrated here, written
//! through its writers, read through its pool.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};

use std::sync::Arc;

use crate::error::{Result, StoreError};
use crate::keys::{SharedKeys, Unlocked};
use crate::press::Press;
use crate::writer::{Backend, SqliteLog, Writers};

/// The engine's handle on its database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// Typesets at issue; brought by whoever opens the store.
    pub(crate) press: Option<Arc<dyn Press>>,
    /// Every transition goes through them (`Writers::write`).
    pub(crate) writers: Writers,
    pub(crate) keys: SharedKeys,
    pub(crate) public_url: Arc<std::sync::RwLock<Option<String>>>,
    /// The RFC 3161 timestamp authority the seals of issued PDFs ask, if any.
    pub(crate) timestamp_authority: Arc<std::sync::RwLock<Option<crate::keys::TimestampAuthority>>>,
    pub(crate) unlocked: Unlocked,
    /// Signature images opened by their owners' sign-in in this process.
    pub(crate) inks: crate::keys::Inks,
    /// How large an enclosure file, and a document's files together, may
    /// be (a server setting).
    pub(crate) enclosure_limits: saraban_core::enclosure::Limits,
    /// What an operator watches: batches, commits, typesetting, backups.
    pub(crate) operations: crate::operations::Operations,
    /// PDFs, enclosures and signature images, by SHA-256 (issue 20).
    pub(crate) content: crate::content::ContentStore,
    /// A PostgreSQL streaming replica the lists may read (`--read-db`).
    pub(crate) replica: Option<crate::replica::Replica>,
    /// Rows a PostgreSQL search reads newest first before the trigram
    /// index (`POSTGRES_SEARCH_WINDOW` unless told).
    pub(crate) search_window: u64,
}

/// Rows a PostgreSQL search reads, newest first, before it turns to the
/// trigram index: a common word is found among the newest rows at once,
/// where the index would hand over every row that has it; a rare one
/// falls through to the index, which hands over few. A wider window
/// costs more than the index does (PostgreSQL's LIKE tests a Thai term
/// on each row slowly: 16,000 rows took 240 ms at 100,000 documents,
/// the index 2 ms for a rare word). Its newest eighth is read first: a
/// term too seldom there to fill the page goes to the index at once.
const POSTGRES_SEARCH_WINDOW: u64 = 2_000;

/// SQLite keeps timestamps as text (see `rows::timed`), so its 0007 is
/// PostgreSQL's 0008, and so on: its 0011 is PostgreSQL's 0012.
const SQLITE_MIGRATIONS: [(i64, &str, &str); 19] = [
    (
        1,
        "engine",
        include_str!("../../../migrations/sqlite/0001_engine.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../../../migrations/sqlite/0002_accounts.sql"),
    ),
    (
        3,
        "waiting",
        include_str!("../../../migrations/sqlite/0003_waiting.sql"),
    ),
    (
        4,
        "checkpoints",
        include_str!("../../../migrations/sqlite/0004_checkpoints.sql"),
    ),
    (
        5,
        "actor keys",
        include_str!("../../../migrations/sqlite/0005_actor_keys.sql"),
    ),
    (
        6,
        "sign-in limits",
        include_str!("../../../migrations/sqlite/0006_sign_in_limits.sql"),
    ),
    (
        7,
        "enclosures",
        include_str!("../../../migrations/sqlite/0007_enclosures.sql"),
    ),
    (
        8,
        "publication",
        include_str!("../../../migrations/sqlite/0008_publication.sql"),
    ),
    (
        9,
        "incoming",
        include_str!("../../../migrations/sqlite/0009_incoming.sql"),
    ),
    (
        10,
        "signature images",
        include_str!("../../../migrations/sqlite/0010_signature_images.sql"),
    ),
    (
        11,
        "search",
        include_str!("../../../migrations/sqlite/0011_search.sql"),
    ),
    (
        12,
        "notifications",
        include_str!("../../../migrations/sqlite/0012_notifications.sql"),
    ),
    (
        13,
        "retention",
        include_str!("../../../migrations/sqlite/0013_retention.sql"),
    ),
    (
        14,
        "content store",
        include_str!("../../../migrations/sqlite/0014_content_store.sql"),
    ),
    (
        15,
        "list indexes",
        include_str!("../../../migrations/sqlite/0015_list_indexes.sql"),
    ),
    (
        16,
        "session keys",
        include_str!("../../../migrations/sqlite/0016_session_keys.sql"),
    ),
    (
        17,
        "unit registers",
        include_str!("../../../migrations/sqlite/0017_unit_registers.sql"),
    ),
    (
        18,
        "sealed signatures",
        include_str!("../../../migrations/sqlite/0018_sealed_signatures.sql"),
    ),
    (
        19,
        "document contents",
        include_str!("../../../migrations/sqlite/0019_document_contents.sql"),
    ),
];
const POSTGRES_MIGRATIONS: [(i64, &str, &str); 23] = [
    (
        1,
        "engine",
        include_str!("../../../migrations/postgres/0001_engine.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../../../migrations/postgres/0002_accounts.sql"),
    ),
    (
        3,
        "waiting",
        include_str!("../../../migrations/postgres/0003_waiting.sql"),
    ),
    (
        4,
        "checkpoints",
        include_str!("../../../migrations/postgres/0004_checkpoints.sql"),
    ),
    (
        5,
        "actor keys",
        include_str!("../../../migrations/postgres/0005_actor_keys.sql"),
    ),
    (
        6,
        "sign-in limits",
        include_str!("../../../migrations/postgres/0006_sign_in_limits.sql"),
    ),
    (
        7,
        "timestamps",
        include_str!("../../../migrations/postgres/0007_timestamps.sql"),
    ),
    (
        8,
        "enclosures",
        include_str!("../../../migrations/postgres/0008_enclosures.sql"),
    ),
    (
        9,
        "publication",
        include_str!("../../../migrations/postgres/0009_publication.sql"),
    ),
    (
        10,
        "incoming",
        include_str!("../../../migrations/postgres/0010_incoming.sql"),
    ),
    (
        11,
        "signature images",
        include_str!("../../../migrations/postgres/0011_signature_images.sql"),
    ),
    (
        12,
        "search",
        include_str!("../../../migrations/postgres/0012_search.sql"),
    ),
    (
        13,
        "notifications",
        include_str!("../../../migrations/postgres/0013_notifications.sql"),
    ),
    (
        14,
        "retention",
        include_str!("../../../migrations/postgres/0014_retention.sql"),
    ),
    (
        15,
        "content store",
        include_str!("../../../migrations/postgres/0015_content_store.sql"),
    ),
    (
        16,
        "list indexes",
        include_str!("../../../migrations/postgres/0016_list_indexes.sql"),
    ),
    (
        17,
        "session keys",
        include_str!("../../../migrations/postgres/0017_session_keys.sql"),
    ),
    (
        18,
        "unit registers",
        include_str!("../../../migrations/postgres/0018_unit_registers.sql"),
    ),
    (
        19,
        "sealed signatures",
        include_str!("../../../migrations/postgres/0019_sealed_signatures.sql"),
    ),
    (
        20,
        "search by organisation",
        include_str!("../../../migrations/postgres/0020_search_by_organisation.sql"),
    ),
    (
        21,
        "list columns",
        include_str!("../../../migrations/postgres/0021_list_columns.sql"),
    ),
    (
        22,
        "search index keyed apart",
        include_str!("../../../migrations/postgres/0022_search_index_keyed_apart.sql"),
    ),
    (
        23,
        "document contents",
        include_str!("../../../migrations/postgres/0023_document_contents.sql"),
    ),
];

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates. `url` is a
    /// `sqlite://…` or `postgres://…` URL, or a plain path to a SQLite file.
    /// The content store is the folder beside a SQLite file; PostgreSQL
    /// needs one named (`open_with_content`).
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with_content(url, None).await
    }

    /// Opens with the content store at `content` (default: beside a SQLite
    /// file), and moves into it any content an older version kept in the
    /// database.
    pub async fn open_with_content(
        url: &str,
        content: Option<&crate::content::ContentPlace>,
    ) -> Result<Store> {
        let place = match content {
            Some(place) => place.clone(),
            None => crate::content::ContentPlace::beside(url)?,
        };
        let content = crate::content::ContentStore::open(&place)?;
        let (pool, backend) = connect(url).await?;
        let migrator = migrator(backend);
        // A database a newer saraban migrated is not ours to write.
        refuse_newer(&pool, backend).await?;
        // A database from before search gets its index built once, here.
        let search_migration = match backend {
            Backend::Sqlite => 11,
            Backend::Postgres => 12,
        };
        let before = applied_migration(&pool).await;
        let had_search = before.is_none_or(|newest| newest >= search_migration);
        migrator.run(&pool).await?;
        if !had_search {
            crate::search_rows::rebuild_every_org(&pool, backend == Backend::Postgres).await?;
        }
        crate::content::move_into_store(&pool, &content, backend == Backend::Postgres).await?;
        // SQLite plans its lists from statistics only ANALYZE gathers (the
        // plan test runs it); `optimize` gathers those that are missing or
        // stale, within a bounded effort. PostgreSQL's autovacuum does it,
        // but only a while after a table changed: a database in use that a
        // migration just filled or rewrote would meanwhile be planned as if
        // its new tables were nearly empty, so it is analysed now.
        match backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA optimize=0x10002")
                    .execute(&pool)
                    .await?;
            }
            Backend::Postgres => {
                // The migrator just brought it to the newest known: it ran
                // one if the database was in use and older.
                let newest = known_migrations(backend)
                    .last()
                    .map(|(version, _, _)| *version);
                if before.is_some() && before < newest {
                    sqlx::raw_sql("ANALYZE").execute(&pool).await?;
                }
            }
        }
        // SQLite has one writer whatever we do; PostgreSQL takes several
        // organisations' batches at once.
        let keys = SharedKeys::default();
        let operations = crate::operations::Operations::default();
        let (writer_pool, log) = match backend {
            Backend::Sqlite => {
                let writer = connect_sqlite_writer(url).await?;
                let file: String =
                    sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                        .fetch_one(&writer)
                        .await?;
                // An in-memory database has no log to flush.
                let log = (!file.is_empty()).then(|| SqliteLog {
                    wal: PathBuf::from(format!("{file}-wal")),
                    checkpointing: pool.clone(),
                });
                (writer, log)
            }
            Backend::Postgres => (pool.clone(), None),
        };
        let writers = Writers::start(&writer_pool, backend, log, &keys, &operations);
        Ok(Store {
            pool,
            backend,
            press: None,
            writers,
            keys,
            public_url: Default::default(),
            timestamp_authority: Default::default(),
            unlocked: Default::default(),
            inks: Default::default(),
            enclosure_limits: Default::default(),
            operations,
            content,
            replica: None,
            search_window: POSTGRES_SEARCH_WINDOW,
        })
    }

    /// The store with the press that typesets documents at issue; a store
    /// without one reads, verifies and acts, but refuses to issue.
    pub fn with_press(self, press: Arc<dyn Press>) -> Store {
        Store {
            press: Some(self.operations.timed_press(press)),
            ..self
        }
    }

    /// The store with other limits on enclosure files.
    pub fn with_enclosure_limits(self, limits: saraban_core::enclosure::Limits) -> Store {
        Store {
            enclosure_limits: limits,
            ..self
        }
    }

    /// The store with another PostgreSQL search window: how many of an
    /// organisation's newest rows a search reads before the trigram index
    /// (fewer, and more searches go by the index).
    pub fn with_search_window(self, rows: u64) -> Store {
        Store {
            search_window: rows.max(1),
            ..self
        }
    }

    pub fn enclosure_limits(&self) -> saraban_core::enclosure::Limits {
        self.enclosure_limits
    }

    /// `sql` with its timestamps written for this store's database.
    pub(crate) fn timed(&self, sql: &str) -> String {
        crate::rows::timed(self.backend == Backend::Postgres, sql)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Where the PDFs, enclosures and signature images are kept.
    pub fn content_store(&self) -> &crate::content::ContentStore {
        &self.content
    }

    pub async fn close(&self) {
        self.writers.close().await;
        self.pool.close().await;
    }
}

/// A pool on `url` (`sqlite://…`, `postgres://…`, or a plain SQLite
/// path), not migrated.
pub(crate) async fn connect(url: &str) -> Result<(AnyPool, Backend)> {
    let (options, backend) = connect_options(url)?;
    let pool = pool_settings(
        AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 8 } else { 16 }),
        backend,
        &[],
    )
    .connect_with(options)
    .await?;
    Ok((pool, backend))
}

/// SQLite's writer: one connection of its own, kept open, with a page
/// cache large enough for a batch's index pages. A connection drops its
/// cache whenever another has written, so the writer's stays warm only
/// while the writer writes through the same one. Its COMMIT does not flush
/// the log: the writer's syncer does, before anyone is answered.
async fn connect_sqlite_writer(url: &str) -> Result<AnyPool> {
    let (options, backend) = connect_options(url)?;
    Ok(pool_settings(
        AnyPoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            // Its own file, held by nobody else: a batch's BEGIN is its
            // check, not a round trip of its own before it.
            .test_before_acquire(false),
        backend,
        SQLITE_WRITER_PRAGMAS,
    )
    .connect_with(options)
    .await?)
}

/// The SQLite writer's own settings, over the pool's: a page cache of
/// 8 MiB (the default is 2), which grows so far only on a database as
/// large; statement journals in memory (a batch's multi-row statements each
/// journal the pages they change, else spilled to a temporary file each
/// time); a COMMIT that leaves the log's flush to the syncer; and the log's
/// checkpoints left to the checkpointer, up to a log of 8,000 pages
/// (32 MiB), where the writer checkpoints the rest itself so that the
/// log starts over.
const SQLITE_WRITER_PRAGMAS: &[&str] = &[
    "PRAGMA cache_size = -8192",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA wal_autocheckpoint = 8000",
];

fn connect_options(url: &str) -> Result<(AnyConnectOptions, Backend)> {
    sqlx::any::install_default_drivers();
    let (url, backend) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        (url.to_owned(), Backend::Postgres)
    } else if url.starts_with("sqlite:") {
        let url = if url.contains('?') {
            url.to_owned()
        } else {
            format!("{url}?mode=rwc")
        };
        (url, Backend::Sqlite)
    } else if url.contains("://") {
        return Err(StoreError::invalid(
            "database_url",
            format!("'{}' is neither sqlite:// nor postgres://", redact(url)),
        ));
    } else {
        (format!("sqlite://{url}?mode=rwc"), Backend::Sqlite)
    };
    Ok((AnyConnectOptions::from_str(&url)?, backend))
}

/// Every connection's settings: SQLite's pragmas (then `extra_pragmas`)
/// and how long a caller waits for a connection.
fn pool_settings(
    options: AnyPoolOptions,
    backend: Backend,
    extra_pragmas: &'static [&'static str],
) -> AnyPoolOptions {
    options
        .acquire_timeout(Duration::from_secs(60))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // Durable commits (fsync), concurrent readers, and
                    // writers that wait for each other instead of failing.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 60000").await?;
                    for pragma in extra_pragmas {
                        conn.execute(*pragma).await?;
                    }
                }
                Ok(())
            })
        })
}

/// The migrations this build knows for `backend`, oldest first.
pub(crate) fn known_migrations(backend: Backend) -> &'static [(i64, &'static str, &'static str)] {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

fn migrator(backend: Backend) -> Migrator {
    Migrator::with_migrations(
        known_migrations(backend)
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    (*name).into(),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(*sql),
                    false,
                )
            })
            .collect(),
    )
}

/// The migrations applied to the database that this build does not know,
/// newest last; none on a new database.
pub(crate) async fn unknown_migrations(pool: &AnyPool, backend: Backend) -> Result<Vec<i64>> {
    let applied: Vec<i64> =
        match sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
        {
            Ok(applied) => applied,
            // No table yet: a new database.
            Err(_) => return Ok(Vec::new()),
        };
    let known = known_migrations(backend);
    Ok(applied
        .into_iter()
        .filter(|version| !known.iter().any(|(v, _, _)| v == version))
        .collect())
}

/// Refuses a database that a newer saraban migrated further than this one
/// knows: its code would write rows the newer schema does not expect.
async fn refuse_newer(pool: &AnyPool, backend: Backend) -> Result<()> {
    let unknown = unknown_migrations(pool, backend).await?;
    if unknown.is_empty() {
        return Ok(());
    }
    Err(StoreError::invalid(
        "database",
        format!(
            "the database is newer than this saraban ({}): it has migration{} {} applied, which this version ({}) does not know; run the newer saraban",
            env!("CARGO_PKG_VERSION"),
            if unknown.len() == 1 { "" } else { "s" },
            unknown
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            env!("CARGO_PKG_VERSION"),
        ),
    ))
}

/// The newest migration applied; none on a new database.
async fn applied_migration(pool: &AnyPool) -> Option<i64> {
    sqlx::query_scalar::<_, i64>("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .ok()
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://saraban:s3cret@localhost/db"),
            "postgres://saraban:***@localhost/db"
        );
        assert_eq!(super::redact("sqlite://saraban.db"), "sqlite://saraban.db");
    }

    /// Each file of `migrations/` is listed once, in order, with its text:
    /// a file added but not listed would never run.
    #[test]
    fn every_migration_file_is_listed() {
        for (folder, listed) in [
            ("sqlite", &super::SQLITE_MIGRATIONS[..]),
            ("postgres", &super::POSTGRES_MIGRATIONS[..]),
        ] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../migrations")
                .join(folder);
            let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|entry| {
                    let path = entry.unwrap().path();
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(&path).unwrap())
                })
                .collect();
            files.sort();
            assert_eq!(files.len(), listed.len(), "{folder}: files and list");
            for (k, ((name, text), (version, _, sql))) in files.iter().zip(listed).enumerate() {
                assert_eq!(*version, k as i64 + 1, "{folder}: versions in order");
                assert!(
                    name.starts_with(&format!("{version:04}_")),
                    "{folder}/{name}"
                );
                assert_eq!(text, sql, "{folder}/{name}: the listed text");
            }
        }
    }
}
