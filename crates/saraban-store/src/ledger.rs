//! Appending to an organisation's log inside a batch of transitions.
//!
//! A transition does not take a sequence number: it hands its event to the
//! batch, and the batch numbers and chains its events at the very end,
//! under the log head's lock, just before the commit. So the head is held
//! for a few statements and the commit only, and several writers can work
//! on one organisation's documents at once.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use chrono::Utc;
use saraban_core::checkpoint::{self, Checkpoint, SignerKey};
use saraban_core::clock::thai_time;
use saraban_core::ledger::{Event, chain_hash};
use saraban_core::merkle::{self, Frontier};
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::keys::{KeyFolder, origin};
use crate::route_changes;
use crate::rows::RouteChange;
use crate::search_rows;

/// The sequence number an appended event gets once its batch is numbered;
/// read it after the commit.
pub(crate) type SeqTicket = Arc<OnceLock<u64>>;

/// The events a batch has appended, not yet numbered or written, and the
/// organisations to checkpoint at this commit.
#[derive(Debug, Default)]
pub(crate) struct PendingLedger {
    events: Vec<PendingEvent>,
    checkpoints: HashSet<String>,
}

#[derive(Debug)]
struct PendingEvent {
    /// The event, its `seq` still to be given.
    event: Event,
    /// The actor's approval key: an approval is signed once numbered.
    signer: Option<Arc<SignerKey>>,
    /// The route action's changes, written once the event is numbered.
    change: Option<RouteChange>,
    ticket: SeqTicket,
}

/// Where a batch's ledger stood before a job, to go back to if it fails.
pub(crate) struct LedgerMark {
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

/// An organisation's log head, as locked at the flush.
struct Head {
    seq: u64,
    hash: [u8; 32],
    frontier: Frontier,
    /// Whether `frontier` was read from the row (a cache to check before
    /// signing) rather than recomputed from the events.
    cached: bool,
}

/// The (size, root) a writer last signed for each organisation: a stored
/// frontier that still gives it needs no rereading of the log.
pub(crate) type SignedRoots = HashMap<String, (u64, merkle::Hash)>;

impl PendingLedger {
    /// How many events wait for the batch's end.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn mark(&self) -> LedgerMark {
        LedgerMark {
            events: self.events.len(),
            checkpoints: self.checkpoints.clone(),
        }
    }

    pub(crate) fn restore(&mut self, mark: LedgerMark) {
        self.events.truncate(mark.events);
        self.checkpoints = mark.checkpoints;
    }

    pub(crate) fn request_checkpoint(&mut self, org: &str) {
        self.checkpoints.insert(org.to_owned());
    }

    /// Numbers and chains the pending events under each organisation's
    /// head, writes them with their route actions' changes, moves each
    /// head once, and signs a checkpoint of every organisation that has a
    /// key and appended events (or asked for one), so no acknowledged
    /// event is left outside a signed checkpoint.
    pub(crate) async fn flush(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        keys: Option<&KeyFolder>,
        signed_roots: &mut SignedRoots,
    ) -> Result<Vec<SignedCheckpoint>> {
        let mut orgs: Vec<String> = Vec::new();
        for org in self
            .events
            .iter()
            .map(|p| &p.event.org)
            .chain(self.checkpoints.iter())
        {
            if !orgs.contains(org) {
                orgs.push(org.clone());
            }
        }
        let mut signed = Vec::new();
        for org in orgs {
            // What does not need the events' numbers is written before the
            // head is locked: the lock is held until the commit.
            let documents: Vec<&RouteChange> = self
                .events
                .iter()
                .filter(|p| p.event.org == org)
                .filter_map(|p| p.change.as_ref())
                .collect();
            route_changes::write_documents(tx, &org, &documents).await?;
            // The search rows of the documents the batch changed in a way
            // they show: content (an edit, a receipt: no route change), a
            // number (the issue), or anything of a secret one (who may
            // find it). A plain route action changes none of their
            // columns, and costs nothing here.
            let mut touched: Vec<&str> = Vec::new();
            let mut shown_once: HashSet<&str> = HashSet::new();
            let mut acting: Vec<(&str, &str)> = Vec::new();
            let mut text_kept: Vec<&str> = Vec::new();
            let mut text_needed: HashSet<&str> = HashSet::new();
            for pending in self.events.iter().filter(|p| p.event.org == org) {
                let document = pending.event.document.as_str();
                if document.is_empty() {
                    continue;
                }
                let shown = match &pending.change {
                    None => true,
                    Some(change) => {
                        pending.event.number.is_some() || search_rows::is_secret(&change.document)
                    }
                };
                if shown && shown_once.insert(document) {
                    touched.push(document);
                }
                if let Some(action) = pending.change.as_ref().and_then(|c| c.action.as_ref()) {
                    // The actions table's actors, as a rebuild reads them.
                    acting.push((action.document.as_str(), action.actor.as_str()));
                }
                // A route action changes no content, and only the issue a
                // number: the text stands, unless another of the
                // document's events needs it rebuilt.
                if pending.change.is_some() && pending.event.number.is_none() {
                    text_kept.push(document);
                } else {
                    text_needed.insert(document);
                }
            }
            text_kept.retain(|kept| !text_needed.contains(kept));
            search_rows::refresh(tx, &org, &touched, &acting, &text_kept).await?;
            let mut head = lock_head(tx, &org).await?;
            let signer = match keys {
                Some(keys) => keys.signer(&org)?,
                None => None,
            };
            if let Some(signer) = &signer {
                trust_frontier(tx, &org, &mut head, signer, signed_roots).await?;
            }
            let read_seq = head.seq;
            let mut rows = Vec::new();
            let mut changes = Vec::new();
            for pending in self.events.iter_mut().filter(|p| p.event.org == org) {
                pending.event.seq = head.seq + 1;
                let bytes = pending.event.canonical();
                let hash = chain_hash(&head.hash, &bytes);
                let signature = pending
                    .signer
                    .as_ref()
                    .map(|key| key.sign_message(&bytes).to_vec());
                head.frontier.push(merkle::leaf_hash(&bytes));
                rows.push(EventRow {
                    seq: pending.event.seq,
                    bytes,
                    prev: head.hash,
                    hash,
                    signature,
                    document: pending.event.document.clone(),
                    kind: pending.event.kind.clone(),
                });
                let _ = pending.ticket.set(pending.event.seq);
                head.seq = pending.event.seq;
                head.hash = hash;
                let pending: &PendingEvent = pending;
                if let Some(change) = &pending.change {
                    changes.push((pending.event.seq, change));
                }
            }
            insert_events(tx, &org, &rows).await?;
            route_changes::insert_actions(tx, &org, &changes).await?;
            // Who is told of them (issue 18), in the same transaction.
            let told: Vec<(&Event, Option<&RouteChange>)> = self
                .events
                .iter()
                .filter(|p| p.event.org == org)
                .map(|p| (&p.event, p.change.as_ref()))
                .collect();
            crate::outbox::enqueue(tx, &org, &told).await?;
            if head.seq != read_seq {
                sqlx::query(
                    "UPDATE ledger_heads SET seq = $1, hash = $2, frontier = $3 WHERE org_id = $4",
                )
                .bind(head.seq as i64)
                .bind(head.hash.to_vec())
                .bind(head.frontier.to_bytes())
                .bind(org.clone())
                .execute(&mut **tx)
                .await?;
            }
            let due = head.seq != read_seq || self.checkpoints.contains(&org);
            if let Some(signer) = signer.filter(|_| due && head.seq > 0) {
                // Appended events cannot be covered yet; a checkpoint asked
                // for without them may be.
                let covered = head.seq == read_seq && {
                    let last: Option<i64> =
                        sqlx::query("SELECT MAX(size) AS size FROM checkpoints WHERE org_id = $1")
                            .bind(org.clone())
                            .fetch_one(&mut **tx)
                            .await?
                            .get("size");
                    last.is_some_and(|size| size as u64 >= head.seq)
                };
                if !covered {
                    signed.push(sign_checkpoint(tx, &org, &head, &signer).await?);
                    signed_roots.insert(org.clone(), (head.seq, head.frontier.root()));
                }
            }
        }
        self.events.clear();
        self.checkpoints.clear();
        Ok(signed)
    }
}

/// Locks the organisation's log head until the commit (a row lock on
/// PostgreSQL, the write lock on SQLite), with its Merkle frontier.
async fn lock_head(tx: &mut Transaction<'static, Any>, org: &str) -> Result<Head> {
    let row = sqlx::query(
        "UPDATE ledger_heads SET seq = seq WHERE org_id = $1 RETURNING seq, hash, frontier",
    )
    .bind(org)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found("organisation", org))?;
    let seq = row.get::<i64, _>("seq") as u64;
    let hash: Vec<u8> = row.get("hash");
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|_| StoreError::corrupt("ledger head", "hash is not 32 bytes"))?;
    let stored: Option<Vec<u8>> = row.get("frontier");
    let (frontier, cached) = match stored.and_then(|bytes| Frontier::from_bytes(seq, &bytes)) {
        Some(frontier) => (frontier, true),
        None => (frontier_from_events(tx, org, seq).await?, false),
    };
    Ok(Head {
        seq,
        hash,
        frontier,
        cached,
    })
}

/// A stored frontier is a cache, never trusted to sign: it must give the
/// root this writer last signed, or the newest signed checkpoint's when
/// that covers the whole log; otherwise it is recomputed from the events,
/// and one that disagrees with them stops the signing (someone changed
/// the head by hand: `saraban verify` says what else).
async fn trust_frontier(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    head: &mut Head,
    signer: &SignerKey,
    signed_roots: &mut SignedRoots,
) -> Result<()> {
    if !head.cached || head.seq == 0 {
        return Ok(());
    }
    let root = head.frontier.root();
    if signed_roots.get(org) == Some(&(head.seq, root)) {
        return Ok(());
    }
    let newest = sqlx::query(
        "SELECT size, note FROM checkpoints WHERE org_id = $1 ORDER BY size DESC LIMIT 1",
    )
    .bind(org)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = newest
        && row.get::<i64, _>("size") as u64 == head.seq
        && checkpoint::open(&row.get::<String, _>("note"), &signer.verifier())
            .is_ok_and(|signed| signed.size() == head.seq && *signed.root() == root)
    {
        signed_roots.insert(org.to_owned(), (head.seq, root));
        return Ok(());
    }
    let recomputed = frontier_from_events(tx, org, head.seq).await?;
    if recomputed != head.frontier {
        return Err(StoreError::corrupt(
            "log head",
            format!(
                "the stored Merkle frontier of {org} is not its log's; nothing is signed over it: run saraban verify"
            ),
        ));
    }
    head.cached = false;
    Ok(())
}

/// The Merkle frontier recomputed from the stored events (for a log from
/// before frontiers were kept).
async fn frontier_from_events(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    seq: u64,
) -> Result<Frontier> {
    let mut frontier = Frontier::default();
    for row in sqlx::query("SELECT bytes FROM events WHERE org_id = $1 ORDER BY seq")
        .bind(org)
        .fetch_all(&mut **tx)
        .await?
    {
        frontier.push(merkle::leaf_hash(&row.get::<Vec<u8>, _>("bytes")));
    }
    if frontier.size() != seq {
        return Err(StoreError::invariant(format!(
            "the log of {org} holds {} events but its head is at {seq}: run saraban verify",
            frontier.size()
        )));
    }
    Ok(frontier)
}

/// An event as its row is written.
struct EventRow {
    seq: u64,
    bytes: Vec<u8>,
    prev: [u8; 32],
    hash: [u8; 32],
    /// The actor's own signature of `bytes`, for an approval.
    signature: Option<Vec<u8>>,
    document: String,
    kind: String,
}

async fn insert_events(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    rows: &[EventRow],
) -> Result<()> {
    for chunk in rows.chunks(EVENTS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO events (org_id, seq, bytes, prev_hash, hash, document_id, kind, actor_signature) VALUES {}",
            crate::rows::values(chunk.len(), 8, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(org.to_owned())
                .bind(row.seq as i64)
                .bind(row.bytes.clone())
                .bind(row.prev.to_vec())
                .bind(row.hash.to_vec())
                .bind(row.document.clone())
                .bind(row.kind.clone())
                .bind(row.signature.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn sign_checkpoint(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    head: &Head,
    signer: &SignerKey,
) -> Result<SignedCheckpoint> {
    let checkpoint = Checkpoint::new(origin(org), head.seq, head.frontier.root())
        .map_err(|e| StoreError::crypto(format!("checkpoint: {e}")))?;
    let note = checkpoint::sign(&checkpoint, signer);
    sqlx::query(sqlx::AssertSqlSafe(crate::rows::timed_for(
        tx,
        "INSERT INTO checkpoints (org_id, size, root, note, made_at) VALUES ($1, $2, $3, $4, @ts($5))
         ON CONFLICT (org_id, size) DO NOTHING",
    )))
    .bind(org.to_owned())
    .bind(head.seq as i64)
    .bind(checkpoint.root().to_vec())
    .bind(note.clone())
    .bind(thai_time(Utc::now()).to_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(SignedCheckpoint {
        org: org.to_owned(),
        size: head.seq,
        note,
    })
}

impl PendingLedger {
    /// Takes `event` (its `seq` not yet given); `signer` signs it once
    /// numbered (an approval), and `change` is what its route action
    /// changes, written with it. The ticket tells its number after the
    /// commit.
    pub(crate) fn push(
        &mut self,
        event: Event,
        signer: Option<Arc<SignerKey>>,
        change: Option<RouteChange>,
    ) -> SeqTicket {
        let ticket = SeqTicket::default();
        self.events.push(PendingEvent {
            event,
            signer,
            change,
            ticket: ticket.clone(),
        });
        ticket
    }
}
