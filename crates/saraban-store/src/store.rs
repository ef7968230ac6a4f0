//! The store's handle on its database: opened and migrated here, written
//! through its writers, read through its pool.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};

use std::sync::Arc;

use crate::error::{Result, StoreError};
use crate::keys::{SharedKeys, Unlocked};
use crate::press::Press;
use crate::writer::{Backend, Writers};

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
}

/// SQLite keeps timestamps as text (see `rows::timed`), so its 0007 is
/// PostgreSQL's 0008, and so on: its 0010 is PostgreSQL's 0011.
const SQLITE_MIGRATIONS: [(i64, &str, &str); 10] = [
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
];
const POSTGRES_MIGRATIONS: [(i64, &str, &str); 11] = [
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
];

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates. `url` is a
    /// `sqlite://…` or `postgres://…` URL, or a plain path to a SQLite file.
    pub async fn open(url: &str) -> Result<Store> {
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
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
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
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let migrations = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS[..],
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let migrator = Migrator::with_migrations(
            migrations
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
        );
        migrator.run(&pool).await?;
        // SQLite has one writer whatever we do; PostgreSQL takes several
        // organisations' batches at once.
        let keys = SharedKeys::default();
        let writers = Writers::start(&pool, backend, &keys);
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
        })
    }

    /// The store with the press that typesets documents at issue; a store
    /// without one reads, verifies and acts, but refuses to issue.
    pub fn with_press(self, press: Arc<dyn Press>) -> Store {
        Store {
            press: Some(press),
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

    pub async fn close(&self) {
        self.pool.close().await;
    }
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
}
