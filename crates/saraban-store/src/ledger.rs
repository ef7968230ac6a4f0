//! Appending to an organisation's log inside a batch of transitions.

use saraban_core::ledger::{Event, chain_hash};
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use saraban_core::checkpoint::{self, Checkpoint};
use saraban_core::clock::thai_time;
use saraban_core::merkle::{self, Frontier};

use sqlx::{Any, Row, Transaction};

use crate::checkpoints::{KeyFolder, origin};
use crate::writer::Batch;
use crate::{Result, StoreError};

/// The events a batch has appended, not yet written, and the log heads
/// they moved. Kept in memory until the batch's end, when `flush` writes
/// them in one statement per organisation, moves each head once, and signs
/// the checkpoints due.
#[derive(Debug, Default)]
pub(crate) struct PendingLedger {
    heads: HashMap<String, HeadState>,
    events: Vec<PendingEvent>,
    /// Organisations whose log is to be checkpointed at this commit.
    checkpoints: HashSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    seq: u64,
    hash: [u8; 32],
}

/// An organisation's head as read at the batch's start, and as now.
#[derive(Debug, Clone)]
struct HeadState {
    read: Head,
    now: Head,
    frontier: Frontier,
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
    /// The actor's own signature of `bytes`, for an approval.
    signature: Option<Vec<u8>>,
}

/// Where a batch's ledger stood before a job, to go back to if it fails.
pub(crate) struct LedgerMark {
    heads: HashMap<String, HeadState>,
    events: usize,
    checkpoints: HashSet<String>,
}

/// A checkpoint signed in a batch, to be filed once the batch commits.
#[derive(Debug)]
pub(crate) struct SignedCheckpoint {
    pub(crate) org: String,
    pub(crate) size: u64,
    pub(crate) note: String,
}

/// Events per INSERT statement: 8 values each, well under both servers'
/// limits on bound parameters.
const EVENTS_PER_INSERT: usize = 64;

impl PendingLedger {
    pub(crate) fn mark(&self) -> LedgerMark {
        LedgerMark {
            heads: self.heads.clone(),
            events: self.events.len(),
            checkpoints: self.checkpoints.clone(),
        }
    }

    pub(crate) fn restore(&mut self, mark: LedgerMark) {
        self.heads = mark.heads;
        self.events.truncate(mark.events);
        self.checkpoints = mark.checkpoints;
    }

    pub(crate) fn request_checkpoint(&mut self, org: &str) {
        self.checkpoints.insert(org.to_owned());
    }

    /// Writes the pending events, moves each head that moved, and signs a
    /// checkpoint where one is due: asked for, or a document was issued.
    pub(crate) async fn flush(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        keys: Option<&KeyFolder>,
    ) -> Result<Vec<SignedCheckpoint>> {
        for chunk in self.events.chunks(EVENTS_PER_INSERT) {
            let mut sql = String::from(
                "INSERT INTO events (org_id, seq, bytes, prev_hash, hash, document_id, kind, actor_signature) VALUES ",
            );
            for i in 0..chunk.len() {
                let n = i * 8;
                if i > 0 {
                    sql.push_str(", ");
                }
                let row: Vec<String> = (1..=8).map(|k| format!("${}", n + k)).collect();
                sql.push_str(&format!("({})", row.join(", ")));
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
                    .bind(event.kind.clone())
                    .bind(event.signature.clone());
            }
            query.execute(&mut **tx).await?;
        }
        for event in &self.events {
            if event.kind == "issued" {
                self.checkpoints.insert(event.org.clone());
            }
        }
        let mut signed = Vec::new();
        for (org, head) in &self.heads {
            if head.read != head.now {
                sqlx::query(
                    "UPDATE ledger_heads SET seq = $1, hash = $2, frontier = $3 WHERE org_id = $4",
                )
                .bind(head.now.seq as i64)
                .bind(head.now.hash.to_vec())
                .bind(head.frontier.to_bytes())
                .bind(org.clone())
                .execute(&mut **tx)
                .await?;
            }
            let signer = match keys {
                Some(keys) if self.checkpoints.contains(org) && head.now.seq > 0 => {
                    keys.signer(org)?
                }
                _ => None,
            };
            if let Some(signer) = signer {
                let checkpoint = Checkpoint::new(origin(org), head.now.seq, head.frontier.root())
                    .map_err(|e| StoreError::Invalid(format!("checkpoint: {e}")))?;
                let note = checkpoint::sign(&checkpoint, &signer);
                sqlx::query(
                    "INSERT INTO checkpoints (org_id, size, root, note, made_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (org_id, size) DO NOTHING",
                )
                .bind(org.clone())
                .bind(head.now.seq as i64)
                .bind(checkpoint.root().to_vec())
                .bind(note.clone())
                .bind(thai_time(Utc::now()).to_rfc3339())
                .execute(&mut **tx)
                .await?;
                signed.push(SignedCheckpoint {
                    org: org.clone(),
                    size: head.now.seq,
                    note,
                });
            }
        }
        self.events.clear();
        self.heads.clear();
        self.checkpoints.clear();
        Ok(signed)
    }
}

impl Batch {
    /// The sequence number the organisation's next event will take. The
    /// first call in a batch locks the log's head (a row lock on
    /// PostgreSQL, the write lock on SQLite) until the batch commits, so
    /// that events are chained one at a time across processes.
    pub(crate) async fn next_seq(&mut self, org: &str) -> Result<u64> {
        if let Some(head) = self.ledger.heads.get(org) {
            return Ok(head.now.seq + 1);
        }
        let row = sqlx::query(
            "UPDATE ledger_heads SET seq = seq WHERE org_id = $1 RETURNING seq, hash, frontier",
        )
        .bind(org)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", org))?;
        let seq = row.get::<i64, _>(0) as u64;
        let hash: Vec<u8> = row.get(1);
        let hash: [u8; 32] = hash
            .try_into()
            .map_err(|_| StoreError::Invalid("ledger head hash is not 32 bytes".into()))?;
        let stored: Option<Vec<u8>> = row.get(2);
        let frontier = match stored.and_then(|bytes| Frontier::from_bytes(seq, &bytes)) {
            Some(frontier) => frontier,
            None => self.frontier_from_events(org, seq).await?,
        };
        let head = Head { seq, hash };
        self.ledger.heads.insert(
            org.to_owned(),
            HeadState {
                read: head,
                now: head,
                frontier,
            },
        );
        Ok(seq + 1)
    }

    /// The Merkle frontier recomputed from the stored events (for a log
    /// from before frontiers were kept).
    async fn frontier_from_events(&mut self, org: &str, seq: u64) -> Result<Frontier> {
        let mut frontier = Frontier::default();
        for row in sqlx::query("SELECT bytes FROM events WHERE org_id = $1 ORDER BY seq")
            .bind(org)
            .fetch_all(&mut *self.tx)
            .await?
        {
            frontier.push(merkle::leaf_hash(&row.get::<Vec<u8>, _>(0)));
        }
        if frontier.size() != seq {
            return Err(StoreError::Invalid(format!(
                "the log of {org} holds {} events but its head is at {seq}: run saraban verify",
                frontier.size()
            )));
        }
        Ok(frontier)
    }

    /// Chains `event`, whose `seq` came from `next_seq`, after the head;
    /// `signature` is its actor's own, for an approval.
    pub(crate) fn append(&mut self, event: &Event, signature: Option<[u8; 64]>) -> Result<()> {
        let head = self.ledger.heads.get_mut(&event.org).ok_or_else(|| {
            StoreError::Invalid("an event appended before its seq was taken".into())
        })?;
        if event.seq != head.now.seq + 1 {
            return Err(StoreError::Invalid(format!(
                "event {} appended after head {}",
                event.seq, head.now.seq
            )));
        }
        let bytes = event.canonical();
        let hash = chain_hash(&head.now.hash, &bytes);
        head.frontier.push(merkle::leaf_hash(&bytes));
        self.ledger.events.push(PendingEvent {
            org: event.org.clone(),
            seq: event.seq,
            bytes,
            prev: head.now.hash,
            hash,
            document: event.document.clone(),
            kind: event.kind.clone(),
            signature: signature.map(|s| s.to_vec()),
        });
        head.now = Head {
            seq: event.seq,
            hash,
        };
        Ok(())
    }
}
