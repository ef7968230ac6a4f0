//! A circulated letter (หนังสือเวียน): who has acknowledged it, and who,
//! holding a position it was circulated to, has not yet.

use chrono::NaiveDate;
use saraban_core::{DocumentId, OrgId, PersonId, PositionId};
use serde::Serialize;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::reads::load_document;
use crate::rows::timed_for;
use crate::store::Store;

/// One person's รับทราบ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Acknowledgement {
    #[schema(value_type = String)]
    pub person: PersonId,
    pub name: String,
    #[schema(value_type = String)]
    pub position: PositionId,
    /// RFC 3339, Thai time.
    pub at: String,
}

/// Someone the letter went to who has yet to acknowledge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unacknowledged {
    #[schema(value_type = String)]
    pub person: PersonId,
    pub name: String,
    #[schema(value_type = String)]
    pub position: PositionId,
}

/// A circulated letter someone has yet to acknowledge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ToAcknowledge {
    #[schema(value_type = String)]
    pub id: DocumentId,
    pub subject: String,
    /// เลขรับ.
    pub number: Option<i64>,
}

/// A letter's circulation as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Circulation {
    #[schema(value_type = Vec<String>)]
    pub positions: Vec<PositionId>,
    /// In the order they acknowledged.
    pub acknowledged: Vec<Acknowledgement>,
    /// The holders, on `today`, of the positions it went to, less those who
    /// have acknowledged.
    pub waiting: Vec<Unacknowledged>,
}

/// The subject, as a received letter's content keeps it.
#[derive(serde::Deserialize)]
struct Subject {
    subject: String,
}

impl Store {
    /// The circulated letters that `person`, holding `positions`, has yet
    /// to acknowledge: the newest first.
    pub async fn to_acknowledge(
        &self,
        org: &OrgId,
        person: &PersonId,
        positions: &[PositionId],
    ) -> Result<Vec<ToAcknowledge>> {
        if positions.is_empty() {
            return Ok(Vec::new());
        }
        // Few letters are ever circulated; their lists are read here.
        let rows = sqlx::query(crate::list_queries::CIRCULATED)
            .bind(org.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut found = Vec::new();
        for row in rows {
            let listed = |column: &str| -> Result<Vec<String>> {
                Ok(row
                    .try_get::<Option<String>, _>(column)?
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect())
            };
            let (circulated, acknowledged) = (listed("circulated_to")?, listed("acknowledged_by")?);
            let mine = positions
                .iter()
                .any(|p| circulated.iter().any(|c| c == p.as_str()));
            if !mine || acknowledged.iter().any(|a| a == person.as_str()) {
                continue;
            }
            let content: String = row.try_get("content")?;
            let subject: Subject =
                serde_json::from_str(&content).map_err(|e| StoreError::corrupt("content", e))?;
            found.push(ToAcknowledge {
                id: crate::rows::stored_id(row.try_get("id")?)?,
                subject: subject.subject,
                number: row.try_get("number")?,
            });
        }
        Ok(found)
    }

    /// Who has and who has not acknowledged the letter `id` (empty lists
    /// when it was never circulated).
    pub async fn circulation(
        &self,
        org: &OrgId,
        id: &DocumentId,
        today: NaiveDate,
    ) -> Result<Circulation> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org, id).await?;
        let acknowledged_rows = sqlx::query(sqlx::AssertSqlSafe(timed_for(
            &tx,
            "SELECT a.actor_id, p.name, a.position_id, @text(a.at) FROM actions a
               JOIN people p ON p.org_id = a.org_id AND p.id = a.actor_id
              WHERE a.org_id = $1 AND a.document_id = $2 AND a.kind = 'acknowledge'
              ORDER BY a.seq",
        )))
        .bind(org)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let holder_rows = sqlx::query(
            "SELECT h.person_id, p.name, h.position_id FROM holdings h
               JOIN people p ON p.org_id = h.org_id AND p.id = h.person_id
              WHERE h.org_id = $1 AND h.from_date <= $2 AND (h.to_date IS NULL OR h.to_date >= $2)
              ORDER BY h.position_id, h.person_id",
        )
        .bind(org)
        .bind(today.format("%Y-%m-%d").to_string())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let person =
            |text: String| PersonId::parse(&text).map_err(|e| StoreError::corrupt("person", e));
        let position =
            |text: String| PositionId::parse(&text).map_err(|e| StoreError::corrupt("position", e));
        let mut acknowledged = Vec::with_capacity(acknowledged_rows.len());
        for row in acknowledged_rows {
            acknowledged.push(Acknowledgement {
                person: person(row.try_get("actor_id")?)?,
                name: row.try_get("name")?,
                position: position(row.try_get("position_id")?)?,
                at: row.try_get("at")?,
            });
        }
        let mut waiting = Vec::new();
        for row in holder_rows {
            let held: String = row.try_get("position_id")?;
            let who: String = row.try_get("person_id")?;
            let circulated = doc.circulated_to.iter().any(|p| p.as_str() == held);
            let done = acknowledged.iter().any(|a| a.person.as_str() == who)
                || waiting
                    .iter()
                    .any(|w: &Unacknowledged| w.person.as_str() == who);
            if circulated && !done {
                waiting.push(Unacknowledged {
                    person: person(who)?,
                    name: row.try_get("name")?,
                    position: position(held)?,
                });
            }
        }
        Ok(Circulation {
            positions: doc
                .circulated_to
                .iter()
                .map(|p| PositionId::from(p.clone()))
                .collect(),
            acknowledged,
            waiting,
        })
    }
}
