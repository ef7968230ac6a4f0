//! Replies: the memos and letters whose content says they answer a received
//! letter (`in_reply_to`, kept in `documents.in_reply_to` as a projection
//! of the content). Issuing a reply answers its letter: the letter's page
//! and the receiving register say so, with the reply's number.

use std::collections::HashMap;

use saraban_core::{DocumentId, OrgId};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::documents::printed_number;
use crate::error::Result;
use crate::reads::org_config;
use crate::rows::stored_json;
use crate::store::Store;

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

/// The replies to the letters of `org` (to `letter` only, if given), by
/// letter, each letter's in the order they were made.
pub(crate) async fn replies_in(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    letter: Option<&str>,
) -> Result<HashMap<String, Vec<Reply>>> {
    let (config, _) = org_config(&mut *tx, org).await?;
    let sql =
        format!(
        "SELECT d.id, d.kind, d.state, d.in_reply_to, d.number, d.year, g.pattern FROM documents d
           LEFT JOIN registers g ON g.org_id = d.org_id AND g.id = d.register_id
          WHERE d.org_id = $1 AND d.in_reply_to {} ORDER BY d.id",
        if letter.is_some() { "= $2" } else { "IS NOT NULL" }
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
    if let Some(letter) = letter {
        query = query.bind(letter);
    }
    let mut replies: HashMap<String, Vec<Reply>> = HashMap::new();
    for row in query.fetch_all(&mut **tx).await? {
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
    Ok(replies)
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

impl Store {
    /// The memos and letters that answer the received letter `letter`.
    pub async fn replies(&self, org: &OrgId, letter: &DocumentId) -> Result<Vec<Reply>> {
        let mut tx = self.pool.begin().await?;
        let mut replies = replies_in(&mut tx, org.as_str(), Some(letter.as_str())).await?;
        tx.commit().await?;
        Ok(replies.remove(letter.as_str()).unwrap_or_default())
    }
}
