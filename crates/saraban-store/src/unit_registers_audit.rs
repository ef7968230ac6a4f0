//! What `verify` holds the units' own receiving registers and the replies
//! that closed letters to: `unit_receipts` rebuilt from the
//! `unit_received` events and compared column by column (their numbers are
//! held gapless with the other registers' by the audit's number check);
//! each receipt of a letter that was received and not yet destroyed, in a
//! unit register, once; and each letter closed by a reply closed by the
//! issue of a document that answers it.

use std::collections::{BTreeMap, HashSet};

use saraban_core::clock::normal_time;
use saraban_core::finding::FindingClass;
use saraban_core::incoming::UNIT_RECEIVED;
use saraban_core::ledger::Event;
use saraban_core::org::OrgConfig;
use saraban_core::retention::DESTROYED;
use sqlx::Row;

use crate::{Result, Store};

/// A finding: class, event, document, detail.
pub(crate) type UnitFinding = (FindingClass, Option<u64>, Option<String>, String);

/// A `unit_receipts` row as its event says it must read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReceiptRebuilt {
    seq: u64,
    year: i64,
    number: i64,
    position: String,
    actor: String,
    standing: String,
    at: String,
}

/// A letter closed by a reply's issue: the close, the letter, the reply.
#[derive(Debug)]
struct ClosedByReply {
    seq: u64,
    letter: String,
    reply: String,
    /// Whether the reply's issue came before the close in the log.
    issued_before: bool,
}

/// Follows the log as the audit streams it, then compares.
#[derive(Debug, Default)]
pub(crate) struct UnitRegisterCheck {
    received: HashSet<String>,
    destroyed: HashSet<String>,
    issued: HashSet<String>,
    /// By (register, letter).
    receipts: BTreeMap<(String, String), ReceiptRebuilt>,
    closed_by_reply: Vec<ClosedByReply>,
    found: Vec<UnitFinding>,
}

impl UnitRegisterCheck {
    pub(crate) fn observe(&mut self, seq: u64, event: &Event) {
        let document = event.document.as_str();
        match event.kind.as_str() {
            "received" => {
                self.received.insert(document.to_owned());
            }
            "issued" => {
                self.issued.insert(document.to_owned());
            }
            DESTROYED => {
                self.destroyed.insert(document.to_owned());
            }
            "closed" => {
                if let Some(replies) = &event.documents {
                    for reply in replies {
                        self.closed_by_reply.push(ClosedByReply {
                            seq,
                            letter: document.to_owned(),
                            reply: reply.clone(),
                            issued_before: self.issued.contains(reply),
                        });
                    }
                }
            }
            UNIT_RECEIVED => self.receipt(seq, event),
            _ => {}
        }
    }

    fn receipt(&mut self, seq: u64, event: &Event) {
        let document = event.document.as_str();
        let mut refused = |detail: String| {
            self.found.push((
                FindingClass::Transition,
                Some(seq),
                Some(document.to_owned()),
                detail,
            ));
        };
        if !self.received.contains(document) {
            return refused("recorded in a unit's register, but never received".into());
        }
        if self.destroyed.contains(document) {
            return refused("recorded in a unit's register after it was destroyed".into());
        }
        let (Some(register), Some(year), Some(number), Some(position)) =
            (&event.register, event.year, event.number, &event.position)
        else {
            return refused(
                "a unit's receipt without its register, year, number or position".into(),
            );
        };
        let key = (register.clone(), document.to_owned());
        if self.receipts.contains_key(&key) {
            return refused(format!("recorded in unit register {register} twice"));
        }
        self.receipts.insert(
            key,
            ReceiptRebuilt {
                seq,
                year: i64::from(year),
                number: i64::from(number),
                position: position.clone(),
                actor: event.actor.clone(),
                standing: event.capacity.clone().unwrap_or_default(),
                at: normal_time(&event.at),
            },
        );
    }

    /// The findings: the rules each event was held to as it passed, the
    /// registers named, the `unit_receipts` table against the rebuild,
    /// and each close by a reply against the reply's row.
    pub(crate) async fn finish(
        mut self,
        store: &Store,
        org: &str,
        config: &OrgConfig,
    ) -> Result<Vec<UnitFinding>> {
        for ((register, document), rebuilt) in &self.receipts {
            if !config.unit_registers().any(|r| r.id.as_str() == register) {
                self.found.push((
                    FindingClass::Transition,
                    Some(rebuilt.seq),
                    Some(document.clone()),
                    format!("recorded in {register}, which is no unit's receiving register"),
                ));
            }
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(store.timed(
            "SELECT register_id, document_id, year, number, position_id, actor_id, standing, @text(received_at)
               FROM unit_receipts WHERE org_id = $1",
        )))
        .bind(org)
        .fetch_all(store.pool())
        .await?;
        let mut seen = HashSet::new();
        for row in rows {
            let register: String = row.try_get("register_id")?;
            let document: String = row.try_get("document_id")?;
            let stored = ReceiptRebuilt {
                seq: 0,
                year: row.try_get("year")?,
                number: row.try_get("number")?,
                position: row.try_get("position_id")?,
                actor: row.try_get("actor_id")?,
                standing: row.try_get("standing")?,
                at: normal_time(&row.try_get::<String, _>("received_at")?),
            };
            let key = (register.clone(), document.clone());
            let detail = match self.receipts.get(&key) {
                None => Some(format!(
                    "unit register {register} holds number {}/{} that no event gave",
                    stored.number, stored.year
                )),
                Some(rebuilt)
                    if (ReceiptRebuilt {
                        seq: rebuilt.seq,
                        ..stored.clone()
                    }) != *rebuilt =>
                {
                    Some(format!(
                        "unit register {register} says number {}/{} by {} for {} ({}) at {}; its event gives {}/{} by {} for {} ({}) at {}",
                        stored.number,
                        stored.year,
                        stored.actor,
                        stored.position,
                        stored.standing,
                        stored.at,
                        rebuilt.number,
                        rebuilt.year,
                        rebuilt.actor,
                        rebuilt.position,
                        rebuilt.standing,
                        rebuilt.at
                    ))
                }
                Some(_) => None,
            };
            seen.insert(key);
            if let Some(detail) = detail {
                self.found
                    .push((FindingClass::Projection, None, Some(document), detail));
            }
        }
        for ((register, document), rebuilt) in &self.receipts {
            if !seen.contains(&(register.clone(), document.clone())) {
                self.found.push((
                    FindingClass::Projection,
                    Some(rebuilt.seq),
                    Some(document.clone()),
                    format!(
                        "unit register {register} lacks number {}/{} its event gave",
                        rebuilt.number, rebuilt.year
                    ),
                ));
            }
        }
        for closed in &self.closed_by_reply {
            let answers: Option<Option<String>> = sqlx::query_scalar(
                "SELECT in_reply_to FROM documents WHERE org_id = $1 AND id = $2",
            )
            .bind(org)
            .bind(&closed.reply)
            .fetch_optional(store.pool())
            .await?;
            let detail = if !closed.issued_before {
                Some(format!(
                    "closed by reply {}, which had not been issued",
                    closed.reply
                ))
            } else if answers.flatten().as_deref() != Some(closed.letter.as_str()) {
                Some(format!(
                    "closed by {}, which does not answer this letter",
                    closed.reply
                ))
            } else {
                None
            };
            if let Some(detail) = detail {
                self.found.push((
                    FindingClass::Transition,
                    Some(closed.seq),
                    Some(closed.letter.clone()),
                    detail,
                ));
            }
        }
        Ok(self.found)
    }
}
