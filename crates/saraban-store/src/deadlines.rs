//! Deadlines (ภายในวันที่, issue 18): the reminders one working day before
//! a deadline and on the day, the overdue list, and the organisation's
//! holiday list that says which days are working days. Every function
//! takes the time it acts at, so a test moves it across a weekend and a
//! holiday.

use chrono::{DateTime, Days, NaiveDate, Timelike, Utc};
use saraban_core::calendar::Calendar;
use saraban_core::clock::{thai_date, thai_time};
use saraban_core::ledger::{Event, EventHead, sha256_hex};
use saraban_core::notify::{Cause, DIGEST_HOUR, stamp};
use saraban_core::{OrgId, PersonId};
use serde::Serialize;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::list_queries::CLOSED_STATES;
use crate::outbox::{NewNotification, calendar_of, holders_on, insert_notifications};
use crate::store::Store;
use crate::writer::Writes;

/// The event that records a change of an organisation's holiday list; its
/// `text` is the new list's SHA-256.
pub const HOLIDAYS_CHANGED: &str = "holidays_changed";

/// How far a deadline may run past its date over holidays (Songkran and a
/// weekend make a week).
const RUN_DAYS: u64 = 21;

/// A document past its deadline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Overdue {
    pub document: String,
    pub kind: String,
    pub subject: String,
    pub urgency: Option<String>,
    /// The deadline as given (ISO).
    pub deadline: String,
    /// The working day it fell due (ISO): the deadline, or the next working
    /// day after it.
    pub due_day: String,
    /// Working days since.
    pub days_late: u32,
    /// Whom it waits for (positions or a person).
    pub waiting_for: Vec<String>,
}

impl Store {
    /// Makes the deadline reminders due at `now`: from 08:00 Thai time on a
    /// working day, one for each person a document still open waits for,
    /// one working day before the day it falls due and on that day. Each
    /// is made once (a later call the same day makes none). Returns how
    /// many were made.
    pub async fn remind_deadlines(&self, now: DateTime<Utc>) -> Result<usize> {
        if thai_time(now).hour() < DIGEST_HOUR {
            return Ok(0);
        }
        let today = thai_date(now);
        let from = today - Days::new(RUN_DAYS);
        let to = today + Days::new(RUN_DAYS);
        let orgs: Vec<String> = sqlx::query(
            "SELECT DISTINCT org_id FROM deadlines WHERE due_on >= $1 AND due_on <= $2",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| row.get("org_id"))
        .collect();
        let mut made = 0;
        for org in orgs {
            let mut tx = self.pool.begin().await?;
            let calendar = calendar_of(&mut tx, &org).await?;
            if !calendar.is_working_day(today) {
                tx.rollback().await?;
                continue;
            }
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT d.document_id, d.due_on, doc.state, doc.drafter_id, {}
                   FROM deadlines d
                   JOIN documents doc ON doc.org_id = d.org_id AND doc.id = d.document_id
                  WHERE d.org_id = $1 AND d.due_on >= $2 AND d.due_on <= $3
                    AND doc.state NOT IN {CLOSED_STATES}",
                crate::rows::content_of!("doc")
            )))
            .bind(&org)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(&mut *tx)
            .await?;
            let holders = holders_on(&mut tx, &org, today).await?;
            let mut notifications = Vec::new();
            for row in rows {
                let due: String = row.get("due_on");
                let Ok(deadline) = NaiveDate::parse_from_str(&due, "%Y-%m-%d") else {
                    continue;
                };
                let (before, on) = calendar.reminder_days(deadline);
                let cause = if today == on {
                    Cause::DueToday
                } else if today == before {
                    Cause::DueTomorrow
                } else {
                    continue;
                };
                let document: String = row.get("document_id");
                let state: String = row.get("state");
                let content: serde_json::Value =
                    serde_json::from_str(&row.get::<String, _>("content"))
                        .map_err(|e| StoreError::corrupt("content", e))?;
                let subject = content
                    .get("subject")
                    .and_then(|s| s.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let urgency = content
                    .get("urgency")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned);
                let mut people: Vec<String> = Vec::new();
                if matches!(state.as_str(), "draft" | "returned") {
                    people.push(row.get("drafter_id"));
                }
                for waiting in sqlx::query(
                    "SELECT position_id FROM waiting WHERE org_id = $1 AND document_id = $2",
                )
                .bind(&org)
                .bind(&document)
                .fetch_all(&mut *tx)
                .await?
                {
                    let slug: String = waiting.get("position_id");
                    match holders.get(&slug) {
                        Some(holding) => people.extend(holding.iter().cloned()),
                        None => people.push(slug),
                    }
                }
                people.sort();
                people.dedup();
                for person in people {
                    notifications.push(NewNotification {
                        id: uuid::Uuid::new_v4().to_string(),
                        once: Some(format!("{}:{document}:{today}", cause.name())),
                        person,
                        document: document.clone(),
                        cause,
                        urgency: urgency.clone(),
                        subject: subject.clone(),
                        seq: None,
                        at: now,
                    });
                }
            }
            made += insert_notifications(&mut tx, &org, &notifications).await?;
            tx.commit().await?;
        }
        Ok(made)
    }

    /// The organisation's documents past their deadline on `today`, the
    /// latest first: for the inbox's mark and the ปลัด's list.
    pub async fn overdue(&self, org: &OrgId, today: NaiveDate) -> Result<Vec<Overdue>> {
        let mut conn = self.pool.acquire().await?;
        let calendar = calendar_of(&mut conn, org.as_str()).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::overdue()))
            .bind(org.as_str())
            .bind(today.to_string())
            .fetch_all(&mut *conn)
            .await?;
        let mut overdue = Vec::new();
        for row in rows {
            let due: String = row.get("due_on");
            let Ok(deadline) = NaiveDate::parse_from_str(&due, "%Y-%m-%d") else {
                continue;
            };
            if !calendar.is_overdue(deadline, today) {
                continue;
            }
            let document: String = row.get("document_id");
            let content: serde_json::Value =
                serde_json::from_str(&row.get::<String, _>("content")).unwrap_or_default();
            let waiting_for = sqlx::query(
                "SELECT position_id FROM waiting WHERE org_id = $1 AND document_id = $2 ORDER BY position_id",
            )
            .bind(org.as_str())
            .bind(&document)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.get("position_id"))
            .collect();
            let due_day = calendar.due_day(deadline);
            overdue.push(Overdue {
                document,
                kind: row.get("kind"),
                subject: content
                    .get("subject")
                    .and_then(|s| s.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                urgency: content
                    .get("urgency")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned),
                deadline: due,
                due_day: due_day.to_string(),
                days_late: calendar.working_days_between(due_day, today),
                waiting_for,
            });
        }
        Ok(overdue)
    }

    /// The documents of `ids` that are overdue on `today` (the inbox's mark).
    pub async fn overdue_among(
        &self,
        org: &OrgId,
        today: NaiveDate,
    ) -> Result<std::collections::HashSet<String>> {
        Ok(self
            .overdue(org, today)
            .await?
            .into_iter()
            .map(|o| o.document)
            .collect())
    }

    /// The organisation's working calendar, and whether it is its own list
    /// (else the one saraban ships).
    pub async fn holidays(&self, org: &OrgId) -> Result<(Calendar, bool)> {
        let mut conn = self.pool.acquire().await?;
        let own = sqlx::query("SELECT 1 FROM holiday_lists WHERE org_id = $1")
            .bind(org.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        Ok((calendar_of(&mut conn, org.as_str()).await?, own))
    }

    /// Replaces the organisation's holiday list (TOML, as
    /// `saraban_core::calendar` reads it); the log records the change
    /// (`holidays_changed`, with the new list's SHA-256). Returns the
    /// calendar.
    pub async fn set_holidays(
        &self,
        org: &OrgId,
        actor: &PersonId,
        list: &str,
        at: DateTime<Utc>,
    ) -> Result<Calendar> {
        let calendar =
            Calendar::from_toml(list).map_err(|e| StoreError::invalid("holidays", e.0))?;
        let text = calendar.to_toml();
        let sha = sha256_hex(text.as_bytes());
        let now = thai_time(at).to_rfc3339();
        let (org_owned, actor_owned) = (org.to_string(), actor.to_string());
        let updated = stamp(at);
        self.writers
            .write(org.as_str(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    sqlx::query(sqlx::AssertSqlSafe(crate::rows::timed_for(
                        &batch.tx,
                        "INSERT INTO holiday_lists (org_id, list, sha256, updated_at) VALUES ($1, $2, $3, @ts($4))
                         ON CONFLICT (org_id) DO UPDATE SET list = excluded.list,
                             sha256 = excluded.sha256, updated_at = excluded.updated_at",
                    )))
                    .bind(&org_owned)
                    .bind(&text)
                    .bind(&sha)
                    .bind(&updated)
                    .execute(&mut *batch.tx)
                    .await?;
                    let event = Event {
                        text: Some(sha),
                        ..Event::new(EventHead {
                            org: &org_owned,
                            seq: 0,
                            at: now,
                            kind: HOLIDAYS_CHANGED,
                            document: "",
                            doc_version: 0,
                            actor: &actor_owned,
                            content_hash: String::new(),
                        })
                    };
                    batch.ledger.push(event, None, None);
                    Ok(())
                })
            })
            .await?;
        Ok(calendar)
    }
}
