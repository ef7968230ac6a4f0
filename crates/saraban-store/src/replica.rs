//! Reads from a PostgreSQL streaming replica (issue 20), with each person
//! seeing their own writes at once.
//!
//! The lists people read most (inbox, document lists, registers, search,
//! the public pages) may read a replica given with `--read-db`; whatever
//! decides or writes reads the primary. After a write, the server hands
//! the client the primary's WAL position (a cookie); a request that brings
//! one runs inside [`read_after`], and reads the replica only once it has
//! replayed past that position, the primary until then.

use std::future::Future;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

use crate::{Result, Store, StoreError};

tokio::task_local! {
    /// The WAL position this request's reads must see, if its client wrote.
    static READ_AFTER: Option<Lsn>;
}

/// A PostgreSQL WAL position, as `pg_current_wal_lsn()` prints it
/// (`16/B374D848`): two hexadecimal halves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lsn(String);

impl Lsn {
    /// Reads a position as a client sent it back; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Lsn> {
        let (high, low) = text.split_once('/')?;
        let half = |h: &str| (1..=8).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit());
        (half(high) && half(low)).then(|| Lsn(text.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Runs `work` with its reads held to see `after` (the client's last
/// write), or free to read the replica when `None`.
pub async fn read_after<F: Future>(after: Option<Lsn>, work: F) -> F::Output {
    READ_AFTER.scope(after, work).await
}

/// The replica's pool.
#[derive(Debug, Clone)]
pub(crate) struct Replica {
    pool: AnyPool,
}

impl Store {
    /// Reads the lists from the PostgreSQL streaming replica at `url`
    /// (`--read-db`). Refused for SQLite, which has no replica.
    pub async fn with_read_replica(mut self, url: &str) -> Result<Store> {
        if self.backend() != crate::Backend::Postgres || !url.starts_with("postgres") {
            return Err(StoreError::invalid(
                "read-db",
                "a read replica is a PostgreSQL server, beside a PostgreSQL database",
            ));
        }
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await?;
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&pool)
            .await?;
        if !standby {
            return Err(StoreError::invalid(
                "read-db",
                "the server is not a standby (pg_is_in_recovery() is false): give a streaming replica of the database",
            ));
        }
        self.replica = Some(Replica { pool });
        Ok(self)
    }

    /// Whether reads may go to a replica.
    pub fn has_read_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// The pool a list read uses: the replica, unless this request's client
    /// wrote something the replica has not replayed yet (or the replica
    /// does not answer), then the primary.
    pub(crate) async fn reader(&self) -> &AnyPool {
        let Some(replica) = &self.replica else {
            return &self.pool;
        };
        let after = READ_AFTER.try_with(Clone::clone).ok().flatten();
        let Some(after) = after else {
            return &replica.pool;
        };
        let replayed: std::result::Result<bool, sqlx::Error> = sqlx::query_scalar(
            "SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn), FALSE)",
        )
        .bind(after.as_str())
        .fetch_one(&replica.pool)
        .await;
        match replayed {
            Ok(true) => &replica.pool,
            Ok(false) => &self.pool,
            Err(error) => {
                tracing::warn!(%error, "the read replica did not answer; reading the primary");
                &self.pool
            }
        }
    }

    /// The primary's WAL position now, to hand a client after its write;
    /// `None` without a replica.
    pub async fn write_position(&self) -> Result<Option<Lsn>> {
        if self.replica.is_none() {
            return Ok(None);
        }
        let text: String = sqlx::query_scalar("SELECT CAST(pg_current_wal_lsn() AS TEXT)")
            .fetch_one(&self.pool)
            .await?;
        Ok(Lsn::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::Lsn;

    #[test]
    fn a_position_reads_as_postgresql_prints_it_and_nothing_else() {
        assert_eq!(Lsn::parse("16/b374d848").unwrap().as_str(), "16/B374D848");
        assert!(Lsn::parse("0/0").is_some());
        for bad in [
            "",
            "16",
            "/1",
            "1/",
            "123456789/1",
            "1/x",
            "1/2/3",
            "1 /2",
            "'; --/1",
        ] {
            assert!(Lsn::parse(bad).is_none(), "{bad}");
        }
    }
}
