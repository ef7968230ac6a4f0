//! Appending to an organisation's log inside a batch of transitions.

use saraban_core::ledger::{Event, chain_hash};
use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use crate::writer::Batch;
use crate::{Result, StoreError};

/// The events a batch has appended, not yet written, and the log heads
/// they moved. Kept in memory until the batch's end, when `flush` writes
/// them in one statement per organisation and moves each head once.
#[derive(Debug, Default)]
pub(crate) struct PendingLedger {
    /// Per organisation: the head as read at the batch's start, and as now.
    heads: HashMap<String, (Head, Head)>,
    events: Vec<PendingEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    seq: u64,
    hash: [u8; 32],
}

#[derive(Debug)]
struct PendingEvent {
    org: String,
    seq: u64,
    bytes: Vec<u8>,
    prev: [u8; 32],
    hash: [u8; 32],
    document: String,
    kind: String,
}

/// Where a batch's ledger stood before a job, to go back to if it fails.
pub(crate) struct LedgerMark {
    heads: HashMap<String, (Head, Head)>,
    events: usize,
}

/// Events per INSERT statement: 7 values each, well under both servers'
/// limits on bound parameters.
const EVENTS_PER_INSERT: usize = 64;

impl PendingLedger {
    pub(crate) fn mark(&self) -> LedgerMark {
        LedgerMark {
            heads: self.heads.clone(),
            events: self.events.len(),
        }
    }

    pub(crate) fn restore(&mut self, mark: LedgerMark) {
        self.heads = mark.heads;
        self.events.truncate(mark.events);
    }

    /// Writes the pending events and moves each head that moved.
    pub(crate) async fn flush(&mut self, tx: &mut Transaction<'static, Any>) -> Result<()> {
        for chunk in self.events.chunks(EVENTS_PER_INSERT) {
            let mut sql = String::from(
                "INSERT INTO events (org_id, seq, bytes, prev_hash, hash, document_id, kind) VALUES ",
            );
            for i in 0..chunk.len() {
                let n = i * 7;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6,
                    n + 7
                ));
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for event in chunk {
                query = query
                    .bind(event.org.clone())
                    .bind(event.seq as i64)
                    .bind(event.bytes.clone())
                    .bind(event.prev.to_vec())
                    .bind(event.hash.to_vec())
                    .bind(event.document.clone())
                    .bind(event.kind.clone());
            }
            query.execute(&mut **tx).await?;
        }
        for (org, (read, now)) in &self.heads {
            if read != now {
                sqlx::query("UPDATE ledger_heads SET seq = $1, hash = $2 WHERE org_id = $3")
                    .bind(now.seq as i64)
                    .bind(now.hash.to_vec())
                    .bind(org.clone())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        self.events.clear();
        self.heads.clear();
        Ok(())
    }
}

impl Batch {
    /// The sequence number the organisation's next event will take. The
    /// first call in a batch locks the log's head (a row lock on
    /// PostgreSQL, the write lock on SQLite) until the batch commits, so
    /// that events are chained one at a time across processes.
    pub(crate) async fn next_seq(&mut self, org: &str) -> Result<u64> {
        if let Some((_, now)) = self.ledger.heads.get(org) {
            return Ok(now.seq + 1);
        }
        let row =
            sqlx::query("UPDATE ledger_heads SET seq = seq WHERE org_id = $1 RETURNING seq, hash")
                .bind(org)
                .fetch_optional(&mut *self.tx)
                .await?
                .ok_or_else(|| StoreError::not_found("organisation", org))?;
        let seq: i64 = row.get(0);
        let hash: Vec<u8> = row.get(1);
        let hash: [u8; 32] = hash
            .try_into()
            .map_err(|_| StoreError::Invalid("ledger head hash is not 32 bytes".into()))?;
        let head = Head {
            seq: seq as u64,
            hash,
        };
        self.ledger.heads.insert(org.to_owned(), (head, head));
        Ok(head.seq + 1)
    }

    /// Chains `event`, whose `seq` came from `next_seq`, after the head.
    pub(crate) fn append(&mut self, event: &Event) -> Result<()> {
        let (_, head) = self.ledger.heads.get_mut(&event.org).ok_or_else(|| {
            StoreError::Invalid("an event appended before its seq was taken".into())
        })?;
        if event.seq != head.seq + 1 {
            return Err(StoreError::Invalid(format!(
                "event {} appended after head {}",
                event.seq, head.seq
            )));
        }
        let bytes = event.canonical();
        let hash = chain_hash(&head.hash, &bytes);
        self.ledger.events.push(PendingEvent {
            org: event.org.clone(),
            seq: event.seq,
            bytes,
            prev: head.hash,
            hash,
            document: event.document.clone(),
            kind: event.kind.clone(),
        });
        *head = Head {
            seq: event.seq,
            hash,
        };
        Ok(())
    }
}
