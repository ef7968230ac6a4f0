//! Whether a running store can do its work, for `/health/ready`, and the
//! figures `/metrics` reads at scrape time: the writers' queues and each
//! organisation's newest checkpoint.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::error::Result;
use crate::operations::Operations;
use crate::store::{Store, known_migrations};

/// How long a readiness check waits for the database.
const DATABASE_PATIENCE: Duration = Duration::from_secs(3);

/// Each condition of readiness, and why one does not hold.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub database: Check,
    pub migrations: Check,
    pub key_folder: Check,
    pub writer: Check,
}

/// One condition: holds, or the reason it does not.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Check {
    fn holds() -> Self {
        Check {
            ok: true,
            reason: None,
        }
    }

    fn fails(reason: impl Into<String>) -> Self {
        Check {
            ok: false,
            reason: Some(reason.into()),
        }
    }
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.database.ok && self.migrations.ok && self.key_folder.ok && self.writer.ok
    }
}

impl Store {
    /// The store's counters, histograms and last backup.
    pub fn operations(&self) -> &Operations {
        &self.operations
    }

    /// Transitions waiting for a writer now.
    pub fn writer_queue_depth(&self) -> usize {
        self.writers.queued()
    }

    /// Whether the store can work now: the database answers, every
    /// migration this build knows is applied (and none it does not), the
    /// key folder reads, and the writers run.
    pub async fn readiness(&self) -> Readiness {
        let versions = tokio::time::timeout(
            DATABASE_PATIENCE,
            sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.pool),
        )
        .await;
        let (database, migrations) = match versions {
            Err(_) => (
                Check::fails("the database did not answer in time"),
                Check::fails("unknown"),
            ),
            // The cause may name the server: to the log, not out.
            Ok(Err(error)) => {
                tracing::warn!("readiness: database: {error}");
                (
                    Check::fails("the database cannot be reached"),
                    Check::fails("unknown"),
                )
            }
            Ok(Ok(applied)) => {
                let known: Vec<i64> = known_migrations(self.backend())
                    .iter()
                    .map(|(version, _, _)| *version)
                    .collect();
                let migrations = if applied == known {
                    Check::holds()
                } else {
                    Check::fails(format!(
                        "applied migrations {applied:?}, this build has {known:?}"
                    ))
                };
                (Check::holds(), migrations)
            }
        };
        let key_folder = match self.key_folder() {
            None => Check::fails("no key folder: checkpoints are not signed"),
            Some(folder) => match std::fs::read_dir(folder.dir()) {
                Ok(_) => Check::holds(),
                Err(error) => {
                    tracing::warn!("readiness: key folder {}: {error}", folder.dir().display());
                    Check::fails("the key folder cannot be read")
                }
            },
        };
        let writer = if self.writers.running() {
            Check::holds()
        } else {
            Check::fails("the writer stopped")
        };
        Readiness {
            database,
            migrations,
            key_folder,
            writer,
        }
    }

    /// Each organisation's newest checkpoint: its size and when it was made.
    pub async fn newest_checkpoints(&self) -> Result<Vec<(String, u64, DateTime<Utc>)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT c.org_id, c.size, @text(c.made_at) FROM checkpoints c
             WHERE c.size = (SELECT MAX(size) FROM checkpoints WHERE org_id = c.org_id)
             ORDER BY c.org_id",
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut newest = Vec::with_capacity(rows.len());
        for row in rows {
            let made_at: String = row.try_get("made_at")?;
            let made_at = DateTime::parse_from_rfc3339(&made_at)
                .map_err(|e| crate::error::StoreError::corrupt("checkpoint time", e))?
                .with_timezone(&Utc);
            newest.push((
                row.try_get("org_id")?,
                row.try_get::<i64, _>("size")? as u64,
                made_at,
            ));
        }
        Ok(newest)
    }
}
