//! Replies: the memos and letters whose content says they answer a received
//! letter (`in_reply_to`, kept in `documents.in_reply_to` as a projection
//! of the content). Issuing a reply answers its letter: the letter's page
//! and the receiving register say so, with the reply's number, and an open
//! letter is closed in the batch by a `closed` event that names
//! the reply (`documents`), so that replaying the letter's own events
//! rebuilds its state.

use std::collections::HashMap;

use saraban_core::ledger::{Event, EventHead};
use saraban_core::replay::reply_closes;
use saraban_core::workflow::ActionKind;
use saraban_core::{DocumentId, OrgId};
use serde::Serialize;
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::documents::printed_number;
use crate::error::{Result, StoreError};
use crate::reads::{load_document_and_route, org_config};
use crate::rows::{ActionRow, RouteChange, WaitingMove, stored_json};
use crate::store::Store;
use crate::writer::Batch;

/// A document that answers a received letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reply {
    #[schema(value_type = String)]
    pub id: DocumentId,
    pub kind: String,
    /// Its state's name ("issued" once it answers the letter).
    pub state: String,
    /// "ที่ ตร ๗๑๐๐๑/๑๒๓", once issued.
    pub printed_number: Option<String>,
}

impl Reply {
    /// Whether it has gone out, and so answers its letter.
    pub fn issued(&self) -> bool {
        matches!(self.state.as_str(), "issued" | "archived")
    }
}

/// The replies to the letters `letters` of `org`, by letter, each
/// letter's in the order they were made: a page's letters by the
/// `in_reply_to` index, never every reply of the organisation.
pub(crate) async fn replies_to(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    letters: &[String],
) -> Result<HashMap<String, Vec<Reply>>> {
    let mut replies: HashMap<String, Vec<Reply>> = HashMap::new();
    if letters.is_empty() {
        return Ok(replies);
    }
    let (config, _) = org_config(&mut *tx, org).await?;
    // Well within either database's count of parameters.
    for some in letters.chunks(1_000) {
        let sql = crate::list_queries::replies_to(some.len());
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
        for letter in some {
            query = query.bind(letter.as_str());
        }
        collect_replies(query.fetch_all(&mut **tx).await?, &config, &mut replies)?;
    }
    // Ids are UUIDv7: in id order is in the order they were made.
    for answering in replies.values_mut() {
        answering.sort_by(|a, b| a.id.cmp(&b.id));
    }
    Ok(replies)
}

/// `replies_to` the letters of `rows`, each row a letter with its `id`:
/// a receiving register's page.
pub(crate) async fn replies_to_rows(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    rows: &[sqlx::any::AnyRow],
) -> Result<HashMap<String, Vec<Reply>>> {
    let letters = rows
        .iter()
        .map(|row| row.try_get::<String, _>("id"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    replies_to(tx, org, &letters).await
}

fn collect_replies(
    rows: Vec<sqlx::any::AnyRow>,
    config: &saraban_core::org::OrgConfig,
    replies: &mut HashMap<String, Vec<Reply>>,
) -> Result<()> {
    for row in rows {
        let printed = match (
            row.try_get::<Option<i64>, _>("number")?,
            row.try_get::<Option<i64>, _>("year")?,
        ) {
            (Some(number), Some(year)) => Some(printed_number(
                &stored_json(&row, "pattern", "register pattern")?,
                number,
                year,
                config.organisation.digits,
            )?),
            _ => None,
        };
        replies
            .entry(row.try_get("in_reply_to")?)
            .or_default()
            .push(Reply {
                id: crate::rows::stored_id(row.try_get("id")?)?,
                kind: row.try_get("kind")?,
                state: row.try_get("state")?,
                printed_number: printed,
            });
    }
    Ok(())
}

/// What the receiving register says of a letter its issued replies answer:
/// "ตอบแล้ว ที่ …" with each reply's number; none if none has gone out.
pub(crate) fn answered(replies: &[Reply]) -> Option<String> {
    let numbers: Vec<&str> = replies
        .iter()
        .filter(|reply| reply.issued())
        .filter_map(|reply| reply.printed_number.as_deref())
        .collect();
    (!numbers.is_empty()).then(|| format!("ตอบแล้ว {}", numbers.join(", ")))
}

/// The received letter the document `id` answers, if it answers one.
pub(crate) async fn letter_answered(pool: &AnyPool, org: &str, id: &str) -> Result<Option<String>> {
    let letter: Option<Option<String>> =
        sqlx::query_scalar("SELECT in_reply_to FROM documents WHERE org_id = $1 AND id = $2")
            .bind(org)
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(letter.flatten())
}

/// A reply being issued: its id and its number as printed.
pub(crate) struct AnsweringReply<'a> {
    pub(crate) id: &'a str,
    pub(crate) printed_number: &'a str,
}

/// Closes `letter`, which the reply being issued answers, in the issue's
/// batch: a `closed` event by the issuer for no position, naming the reply
/// and saying its number, replayed as `verify` replays it. A letter closed
/// already (or withdrawn) stays as it is.
pub(crate) async fn close_answered(
    batch: &mut Batch,
    org: &str,
    actor: &str,
    letter: &str,
    reply: AnsweringReply<'_>,
    at: &str,
    date: &str,
) -> Result<()> {
    let lock = batch.lock_rows;
    let (doc, route, _) =
        load_document_and_route(&mut batch.tx, org, letter, actor, date, lock).await?;
    if doc.kind != saraban_core::incoming::KIND || !reply_closes(doc.state) {
        return Ok(());
    }
    let event = Event {
        documents: Some(vec![reply.id.to_owned()]),
        text: Some(format!("ตอบแล้ว {}", reply.printed_number).trim().to_owned()),
        ..Event::new(EventHead {
            org,
            seq: 0,
            at: at.to_owned(),
            kind: ActionKind::Close.event(),
            document: letter,
            doc_version: doc.version as u64,
            actor,
            content_hash: doc.content_hash.clone(),
        })
    };
    let mut projected = doc.projected(Vec::new(), None);
    let waiting_before = projected.waiting(&route);
    let action = projected
        .apply(0, &event, &route)
        .map_err(|fault| {
            StoreError::invariant(format!("the replay refuses a reply's close: {fault}"))
        })?
        .map(ActionRow::from);
    let waiting_after = projected.waiting(&route);
    let change = RouteChange {
        action,
        document: doc.replayed(projected),
        cancels: false,
        waiting: (waiting_before != waiting_after).then_some(WaitingMove {
            before: waiting_before,
            after: waiting_after,
        }),
        inked: None,
    };
    batch.ledger.push(event, None, Some(change));
    Ok(())
}

impl Store {
    /// The memos and letters that answer the received letter `letter`.
    pub async fn replies(&self, org: &OrgId, letter: &DocumentId) -> Result<Vec<Reply>> {
        let mut tx = self.pool.begin().await?;
        let mut replies = replies_to(&mut tx, org.as_str(), &[letter.to_string()]).await?;
        tx.commit().await?;
        Ok(replies.remove(letter.as_str()).unwrap_or_default())
    }
}
