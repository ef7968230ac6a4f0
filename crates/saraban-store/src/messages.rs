//! What the sender takes from the outbox (`outbox`): the messages it
//! plans, claims by a lease and records the tries of; and what a person
//! and the administrator read of them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use saraban_core::clock::thai_date;
use saraban_core::notify::{self, Cause, Item, Timing, stamp, urgency_of};
use saraban_core::{OrgId, PersonId};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::error::Result;
use crate::outbox::{NewMessage, insert_message};
use crate::store::Store;

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// The same on every try: LINE's retry key, the e-mail's Message-ID.
    pub id: String,
    pub org: String,
    pub person: String,
    pub channel: String,
    /// The e-mail address or LINE user id.
    pub address: String,
    pub subject: String,
    pub body: String,
    /// This try's number, from 1.
    pub attempt: u32,
}

/// A message that failed for good, for the administrator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FailedMessage {
    pub id: String,
    pub person: String,
    pub channel: String,
    pub subject: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: String,
}

/// One of a person's notifications, for the bell.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationEntry {
    pub id: String,
    pub document: String,
    /// waiting, returned, issued, assigned, due_tomorrow, due_today.
    pub cause: String,
    /// What happened, in Thai.
    pub wording: String,
    pub urgency: Option<String>,
    pub subject: String,
    pub created_at: String,
    pub read: bool,
}

/// How the sender's tries of a message ended, for a test or the
/// administrator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageSummary {
    pub id: String,
    pub person: String,
    pub channel: String,
    pub status: String,
    pub attempts: u32,
    pub items: u32,
}

/// What gathers into one message: at-once notifications alone, the rest
/// of a person's channel together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct MessageKey {
    org: String,
    person: String,
    channel: String,
    /// The notification's id for one sent at once.
    alone: Option<String>,
}

struct Planned {
    notification: String,
    document: String,
    cause: Cause,
    urgency: Option<String>,
    subject: String,
    timing: Timing,
}

/// How many deliveries one planning takes at most.
const PLAN_LIMIT: i64 = 500;

impl Store {
    /// Plans what is due at `now` into messages: each at-once notification
    /// its own message, the rest of each person's channel one message (the
    /// digest, when any of it waited for 08:00). Returns how many messages
    /// were made.
    pub async fn plan_messages(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT d.org_id, d.notification_id, d.channel, n.person_id, n.document_id, n.cause,
                    n.urgency, n.subject
               FROM notification_deliveries d
               JOIN notifications n ON n.org_id = d.org_id AND n.id = d.notification_id
              WHERE d.message_id IS NULL AND d.send_after <= @ts($1)
              ORDER BY d.send_after, n.created_at
              LIMIT $2",
        )))
        .bind(stamp(now))
        .bind(PLAN_LIMIT)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.rollback().await?;
            return Ok(0);
        }
        let mut groups: BTreeMap<MessageKey, Vec<Planned>> = BTreeMap::new();
        for row in rows {
            let cause_name: String = row.get("cause");
            let Some(cause) = Cause::parse(&cause_name) else {
                continue;
            };
            let urgency: Option<String> = row.get("urgency");
            let timing = Timing::of(cause, urgency_of(urgency.as_deref()));
            let notification: String = row.get("notification_id");
            let key = MessageKey {
                org: row.get("org_id"),
                person: row.get("person_id"),
                channel: row.get("channel"),
                alone: (timing == Timing::AtOnce).then(|| notification.clone()),
            };
            groups.entry(key).or_default().push(Planned {
                notification,
                document: row.get("document_id"),
                cause,
                urgency,
                subject: row.get("subject"),
                timing,
            });
        }
        let base = self
            .public_url()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        let created = stamp(now);
        let mut made = 0;
        for (key, planned) in groups {
            let address: Option<String> = sqlx::query(
                "SELECT address FROM person_channels WHERE org_id = $1 AND person_id = $2 AND channel = $3",
            )
            .bind(&key.org)
            .bind(&key.person)
            .bind(&key.channel)
            .fetch_optional(&mut *tx)
            .await?
            .and_then(|row| row.get("address"));
            let id = uuid::Uuid::new_v4().to_string();
            // Taken only while no other planning took it.
            let mut taken: Vec<&Planned> = Vec::new();
            for item in &planned {
                let marked = sqlx::query(
                    "UPDATE notification_deliveries SET message_id = $1
                      WHERE org_id = $2 AND notification_id = $3 AND channel = $4 AND message_id IS NULL",
                )
                .bind(if address.is_some() { id.as_str() } else { "-" })
                .bind(&key.org)
                .bind(&item.notification)
                .bind(&key.channel)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked > 0 {
                    taken.push(item);
                }
            }
            // The channel was removed since: nothing to send it to.
            let Some(address) = address else { continue };
            if taken.is_empty() {
                continue;
            }
            let digest = taken
                .iter()
                .any(|p| p.timing == Timing::Digest)
                .then(|| thai_date(now));
            let items: Vec<Item> = taken
                .iter()
                .map(|p| Item {
                    cause: p.cause,
                    urgency: urgency_of(p.urgency.as_deref()),
                    subject: p.subject.clone(),
                    link: format!("{base}/doc/{}", p.document),
                    deadline: None,
                })
                .collect();
            let items = with_deadlines(&mut tx, &key.org, items, &taken).await?;
            let message = notify::compose(&items, digest);
            insert_message(
                &mut tx,
                &NewMessage {
                    id: &id,
                    org: &key.org,
                    person: &key.person,
                    channel: &key.channel,
                    address: &address,
                    subject: &message.subject,
                    body: &message.body,
                    secret: false,
                    at: &created,
                },
            )
            .await?;
            made += 1;
        }
        tx.commit().await?;
        Ok(made)
    }

    /// Claims the next message due at `now` (or one whose sender's lease
    /// ran out), leased until `lease_until`, and records the try.
    pub async fn claim_message(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        channels: &[&str],
    ) -> Result<Option<OutgoingMessage>> {
        if channels.is_empty() {
            return Ok(None);
        }
        let now_text = stamp(now);
        let list: Vec<String> = (0..channels.len()).map(|i| format!("${}", i + 3)).collect();
        let list = list.join(", ");
        let sql = format!(
            "UPDATE notification_messages
                SET status = 'sending', attempts = attempts + 1, lease_until = @ts($2)
              WHERE id = (SELECT id FROM notification_messages
                           WHERE ((status = 'pending' AND next_attempt <= @ts($1))
                              OR (status = 'sending' AND lease_until <= @ts($1)))
                             AND channel IN ({list})
                           ORDER BY next_attempt LIMIT 1)
                AND ((status = 'pending' AND next_attempt <= @ts($1))
                  OR (status = 'sending' AND lease_until <= @ts($1)))
             RETURNING id, org_id, person_id, channel, address, subject, body, attempts"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.timed(&sql)))
            .bind(now_text.clone())
            .bind(stamp(lease_until));
        for channel in channels {
            query = query.bind(channel.to_string());
        }
        let mut tx = self.pool.begin().await?;
        let claimed = query.fetch_optional(&mut *tx).await?;
        let Some(row) = claimed else {
            tx.rollback().await?;
            return Ok(None);
        };
        let message = OutgoingMessage {
            id: row.get("id"),
            org: row.get("org_id"),
            person: row.get("person_id"),
            channel: row.get("channel"),
            address: row.get("address"),
            subject: row.get("subject"),
            body: row.get("body"),
            attempt: row.get::<i64, _>("attempts") as u32,
        };
        // A try left unfinished by a sender that died says so.
        sqlx::query(
            "UPDATE notification_attempts SET outcome = 'interrupted'
              WHERE message_id = $1 AND outcome = 'sending'",
        )
        .bind(&message.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "INSERT INTO notification_attempts (message_id, attempt, at, outcome) VALUES ($1, $2, @ts($3), 'sending')",
        )))
        .bind(&message.id)
        .bind(i64::from(message.attempt))
        .bind(&now_text)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(message))
    }

    /// The channel took the message (`detail`: what it answered). One
    /// statement, so that the window in which a crash could send it again
    /// is as small as it can be; a message with a secret in its body (a
    /// confirmation link or code) keeps no copy of it.
    pub async fn message_sent(
        &self,
        message: &OutgoingMessage,
        now: DateTime<Utc>,
        detail: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "UPDATE notification_messages
                SET status = 'sent', sent_at = @ts($2), lease_until = NULL, last_error = NULL,
                    body = CASE WHEN secret = 1 THEN '(ลบหลังส่ง)' ELSE body END
              WHERE id = $1",
        )))
        .bind(&message.id)
        .bind(stamp(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE notification_attempts SET outcome = 'sent', detail = $3
              WHERE message_id = $1 AND attempt = $2",
        )
        .bind(&message.id)
        .bind(i64::from(message.attempt))
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The try failed: tried again at `retry_at`, or, with none, failed for
    /// good (shown to the administrator).
    pub async fn message_failed(
        &self,
        message: &OutgoingMessage,
        now: DateTime<Utc>,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        let mut tx = self.pool.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "UPDATE notification_messages
                SET status = $2, next_attempt = COALESCE(@ts($3), next_attempt), lease_until = NULL,
                    last_error = $4
              WHERE id = $1",
        )))
        .bind(&message.id)
        .bind(if retry_at.is_some() {
            "pending"
        } else {
            "failed"
        })
        .bind(retry_at.map(stamp))
        .bind(&error)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE notification_attempts SET outcome = $3, detail = $4
              WHERE message_id = $1 AND attempt = $2",
        )
        .bind(&message.id)
        .bind(i64::from(message.attempt))
        .bind(if retry_at.is_some() {
            "failed"
        } else {
            "gave_up"
        })
        .bind(&error)
        .execute(&mut *tx)
        .await?;
        let _ = now;
        tx.commit().await?;
        Ok(())
    }

    /// What waits for the sender, for the metrics: deliveries not yet
    /// made into a message or messages not yet sent (pending or being
    /// sent), and messages failed for good.
    pub async fn notification_queue(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM notification_deliveries WHERE message_id IS NULL)
                  + (SELECT COUNT(*) FROM notification_messages WHERE status IN ('pending', 'sending')) AS waiting,
                    (SELECT COUNT(*) FROM notification_messages WHERE status = 'failed') AS failed",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("waiting")?, row.try_get("failed")?))
    }

    /// The messages that failed for good, newest first (all organisations
    /// when `org` is none).
    pub async fn failed_messages(&self, org: Option<&OrgId>) -> Result<Vec<FailedMessage>> {
        let postgres = self.backend() == crate::Backend::Postgres;
        let rows = match org {
            Some(org) => {
                sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::statement(
                    postgres,
                    crate::list_queries::FAILED_MESSAGES,
                )))
                .bind(org.as_str())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::statement(
                    postgres,
                    crate::list_queries::FAILED_MESSAGES_ALL,
                )))
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows
            .iter()
            .map(|row| FailedMessage {
                id: row.get("id"),
                person: row.get("person_id"),
                channel: row.get("channel"),
                subject: row.get("subject"),
                attempts: row.get::<i64, _>("attempts") as u32,
                last_error: row.get("last_error"),
                created_at: row.get("created_at"),
            })
            .collect())
    }

    /// Sends a message that failed for good again, from now.
    pub async fn retry_message(&self, org: &OrgId, id: &str, now: DateTime<Utc>) -> Result<bool> {
        let changed = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "UPDATE notification_messages SET status = 'pending', next_attempt = @ts($3)
              WHERE org_id = $1 AND id = $2 AND status = 'failed'",
        )))
        .bind(org.as_str())
        .bind(id)
        .bind(stamp(now))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    /// Every message of an organisation and how it stands (tests, and the
    /// administrator's page).
    pub async fn messages(&self, org: &OrgId) -> Result<Vec<MessageSummary>> {
        let rows = sqlx::query(
            "SELECT m.id, m.person_id, m.channel, m.status, m.attempts,
                    (SELECT COUNT(*) FROM notification_deliveries d WHERE d.message_id = m.id) AS items
               FROM notification_messages m WHERE m.org_id = $1 ORDER BY m.created_at, m.id",
        )
        .bind(org.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| MessageSummary {
                id: row.get("id"),
                person: row.get("person_id"),
                channel: row.get("channel"),
                status: row.get("status"),
                attempts: row.get::<i64, _>("attempts") as u32,
                items: row.get::<i64, _>("items") as u32,
            })
            .collect())
    }

    /// A person's notifications, newest first.
    pub async fn notifications(
        &self,
        org: &OrgId,
        person: &PersonId,
        limit: u32,
    ) -> Result<Vec<NotificationEntry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::statement(
            self.backend() == crate::Backend::Postgres,
            crate::list_queries::NOTIFICATIONS,
        )))
        .bind(org.as_str())
        .bind(person.as_str())
        .bind(i64::from(limit.min(500)))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| {
                let cause: String = row.get("cause");
                NotificationEntry {
                    id: row.get("id"),
                    document: row.get("document_id"),
                    wording: Cause::parse(&cause)
                        .map(Cause::wording)
                        .unwrap_or_default()
                        .to_owned(),
                    cause,
                    urgency: row.get("urgency"),
                    subject: row.get("subject"),
                    created_at: row.get("created_at"),
                    read: row.get::<Option<String>, _>("read_at").is_some(),
                }
            })
            .collect())
    }

    /// How many of a person's notifications are unread: the bell's count.
    pub async fn unread_notifications(&self, org: &OrgId, person: &PersonId) -> Result<u32> {
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications
              WHERE org_id = $1 AND person_id = $2 AND read_at IS NULL",
        )
        .bind(org.as_str())
        .bind(person.as_str())
        .fetch_one(&self.pool)
        .await?
        .get("n");
        Ok(count as u32)
    }

    /// The bell: how many of a person's notifications are unread, and the
    /// organisation's digit style to write the count in; one round trip.
    pub async fn bell(
        &self,
        org: &OrgId,
        person: &PersonId,
    ) -> Result<(u32, saraban_core::DigitStyle)> {
        let row = sqlx::query(
            "SELECT config, (SELECT COUNT(*) FROM notifications n
                              WHERE n.org_id = $1 AND n.person_id = $2 AND n.read_at IS NULL) AS n
               FROM organisations WHERE id = $1",
        )
        .bind(org.as_str())
        .bind(person.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| crate::StoreError::not_found("organisation", org.as_str()))?;
        let digits = crate::reads::digits_of(&row.get::<String, _>("config"))?;
        Ok((row.get::<i64, _>("n") as u32, digits))
    }

    /// Marks a person's notifications read: the ones named, or all.
    pub async fn mark_notifications_read(
        &self,
        org: &OrgId,
        person: &PersonId,
        ids: Option<&[String]>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut marked = 0;
        match ids {
            None => {
                marked += sqlx::query(sqlx::AssertSqlSafe(self.timed(
                    "UPDATE notifications SET read_at = @ts($3)
                      WHERE org_id = $1 AND person_id = $2 AND read_at IS NULL",
                )))
                .bind(org.as_str())
                .bind(person.as_str())
                .bind(stamp(now))
                .execute(&self.pool)
                .await?
                .rows_affected();
            }
            Some(ids) => {
                for id in ids.iter().take(500) {
                    marked += sqlx::query(sqlx::AssertSqlSafe(self.timed(
                        "UPDATE notifications SET read_at = @ts($4)
                          WHERE org_id = $1 AND person_id = $2 AND id = $3 AND read_at IS NULL",
                    )))
                    .bind(org.as_str())
                    .bind(person.as_str())
                    .bind(id)
                    .bind(stamp(now))
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                }
            }
        }
        Ok(marked)
    }
}

/// The items with their documents' deadlines.
async fn with_deadlines(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    mut items: Vec<Item>,
    planned: &[&Planned],
) -> Result<Vec<Item>> {
    for (item, planned) in items.iter_mut().zip(planned) {
        item.deadline =
            sqlx::query("SELECT due_on FROM deadlines WHERE org_id = $1 AND document_id = $2")
                .bind(org)
                .bind(&planned.document)
                .fetch_optional(&mut **tx)
                .await?
                .and_then(|row| row.get::<Option<String>, _>("due_on"))
                .and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok());
    }
    Ok(items)
}
