//! Appending to an organisation's log inside a transition's transaction,
//! and reading it back to verify.

use saraban_core::ledger::{ChainFault, Event, StoredEvent, chain_hash};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::{Result, Store, StoreError};

/// Takes the organisation's next sequence number. This is the first write
/// of every transition: it locks the log's head (a row lock on PostgreSQL,
/// the write lock on SQLite) so that events are chained one at a time.
pub(crate) async fn reserve(
    tx: &mut Transaction<'static, Any>,
    org: &str,
) -> Result<(u64, [u8; 32])> {
    let row =
        sqlx::query("UPDATE ledger_heads SET seq = seq + 1 WHERE org_id = $1 RETURNING seq, hash")
            .bind(org)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", org))?;
    let seq: i64 = row.get(0);
    let prev: Vec<u8> = row.get(1);
    let prev: [u8; 32] = prev
        .try_into()
        .map_err(|_| StoreError::Invalid("ledger head hash is not 32 bytes".into()))?;
    Ok((seq as u64, prev))
}

/// Writes `event` (whose `seq` came from `reserve`) after `prev`.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Any>,
    event: &Event,
    prev: [u8; 32],
) -> Result<[u8; 32]> {
    let bytes = event.canonical();
    let hash = chain_hash(&prev, &bytes);
    sqlx::query(
        "INSERT INTO events (org_id, seq, bytes, prev_hash, hash, document_id, kind) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&event.org)
    .bind(event.seq as i64)
    .bind(bytes)
    .bind(prev.to_vec())
    .bind(hash.to_vec())
    .bind(&event.document)
    .bind(&event.kind)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE ledger_heads SET hash = $1 WHERE org_id = $2")
        .bind(hash.to_vec())
        .bind(&event.org)
        .execute(&mut **tx)
        .await?;
    Ok(hash)
}

/// The result of recomputing a log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LogReport {
    pub events: u64,
    pub head_seq: u64,
    /// RFC 6962 tree head over the events' stored bytes (hex).
    pub merkle_root: String,
    pub faults: Vec<String>,
}

impl LogReport {
    pub fn holds(&self) -> bool {
        self.faults.is_empty()
    }
}

impl Store {
    /// Recomputes the organisation's chain from the stored bytes.
    pub async fn verify_log(&self, org: &str) -> Result<LogReport> {
        let head = sqlx::query("SELECT seq, hash FROM ledger_heads WHERE org_id = $1")
            .bind(org)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", org))?;
        let rows = sqlx::query(
            "SELECT seq, bytes, prev_hash, hash FROM events WHERE org_id = $1 ORDER BY seq",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        let to_hash = |bytes: Vec<u8>| -> [u8; 32] { bytes.try_into().unwrap_or([0xff; 32]) };
        let events: Vec<StoredEvent> = rows
            .into_iter()
            .map(|row| StoredEvent {
                seq: row.get::<i64, _>(0) as u64,
                bytes: row.get(1),
                prev_hash: to_hash(row.get(2)),
                hash: to_hash(row.get(3)),
            })
            .collect();
        let mut faults: Vec<String> = saraban_core::ledger::verify_chain(&events)
            .into_iter()
            .map(|fault| match fault {
                ChainFault::Gap { expected, found } => {
                    format!("gap: expected event {expected}, found {found}")
                }
                ChainFault::NotCanonical { seq } => {
                    format!("event {seq}: content modified or not canonical")
                }
                ChainFault::HashMismatch { seq } => {
                    format!("event {seq}: hash does not match its bytes")
                }
                ChainFault::PrevMismatch { seq } => {
                    format!("event {seq}: does not link to the event before")
                }
            })
            .collect();
        let head_seq = head.get::<i64, _>(0) as u64;
        let head_hash = to_hash(head.get(1));
        match events.last() {
            Some(last) if last.seq != head_seq || last.hash != head_hash => {
                faults.push(format!(
                    "truncated: the head is at event {head_seq}, the log ends at {}",
                    last.seq
                ));
            }
            None if head_seq != 0 => faults.push(format!(
                "truncated: the head is at event {head_seq}, the log is empty"
            )),
            _ => {}
        }
        let leaves: Vec<_> = events
            .iter()
            .map(|e| saraban_core::merkle::leaf_hash(&e.bytes))
            .collect();
        Ok(LogReport {
            events: events.len() as u64,
            head_seq,
            merkle_root: hex::encode(saraban_core::merkle::root(&leaves)),
            faults,
        })
    }
}
