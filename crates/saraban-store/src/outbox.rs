//! The outbox (issue 18): who is told of what, written in the same
//! transaction as the event that causes it, and what the sender takes
//! from it.
//!
//! A batch's events, once numbered, make `notifications` rows (one per
//! person: the holders and delegates, today, of each position a document
//! now waits for; the drafter of a document returned or issued; whoever a
//! received letter is assigned to) and, for each outside channel the
//! person has, a `notification_deliveries` row due when its urgency says
//! (`saraban_core::notify::Timing`). The in-app bell reads the
//! notifications themselves.
//!
//! The sender (`messages`) then (1) plans what is due into `notification_messages` —
//! one message per notification at once, the rest of a person's channel
//! gathered into one — in one transaction that takes each delivery only
//! while it has no message (so two senders never plan one twice), (2)
//! claims a message by a lease, (3) records how each try ended. A message
//! claimed by a sender that died is claimed again once its lease runs
//! out, with the same id: LINE's `X-Line-Retry-Key`, the e-mail's
//! Message-ID.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use saraban_core::calendar::Calendar;
use saraban_core::clock::thai_date;
use saraban_core::ledger::Event;
use saraban_core::notify::{Cause, Timing, stamp, unstamp, urgency_of};
use serde_json::Value;
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::rows::{Heading, RouteChange, timed_for, typed_values};

/// The outside channels.
pub const EMAIL: &str = "email";
pub const LINE: &str = "line";

/// One person to tell, before they are looked up.
#[derive(Debug, Clone)]
enum Whom {
    /// The holders and delegates of a position (or, when no position has
    /// that id, the person of that id: an assignment names either).
    Position(String),
    Person(String),
}

/// One thing to tell.
#[derive(Debug, Clone)]
struct Telling {
    document: String,
    cause: Cause,
    whom: Whom,
    urgency: Option<String>,
    subject: String,
    seq: u64,
    at: String,
    actor: String,
}

/// The urgency wording and เรื่อง of a stored content.
fn urgency_and_subject(heading: &Heading) -> (Option<String>, String) {
    let urgency = heading
        .urgency
        .as_deref()
        .and_then(|u| urgency_of(Some(u)))
        .map(|u| u.wording().to_owned());
    (urgency, heading.subject.clone().unwrap_or_default())
}

/// A stored content's deadline (`deadline` of a document, `due` of a
/// received letter), ISO.
fn content_deadline(content: &Value) -> Option<String> {
    ["deadline", "due"]
        .iter()
        .filter_map(|key| content.get(*key).and_then(Value::as_str))
        .find_map(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .map(|date| date.to_string())
}

/// Writes what one organisation's numbered events of a batch tell, and
/// keeps the deadlines of the documents they touched. Called by the
/// batch's flush, after its events are written.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    events: &[(&Event, Option<&RouteChange>)],
) -> Result<()> {
    let mut tellings: Vec<Telling> = Vec::new();
    // Deadlines: (document, due date or none).
    let mut deadlines: Vec<(String, Option<String>)> = Vec::new();
    for (event, change) in events {
        let document = event.document.as_str();
        if document.is_empty() {
            continue;
        }
        let telling =
            |cause: Cause, whom: Whom, urgency: Option<String>, subject: String| Telling {
                document: document.to_owned(),
                cause,
                whom,
                urgency,
                subject,
                seq: event.seq,
                at: event.at.clone(),
                actor: event.actor.clone(),
            };
        match change {
            Some(change) => {
                let row = &change.document;
                let (urgency, subject) = urgency_and_subject(&row.heading);
                match event.kind.as_str() {
                    "returned" => tellings.push(telling(
                        Cause::Returned,
                        Whom::Person(row.drafter.to_string()),
                        urgency.clone(),
                        subject.clone(),
                    )),
                    "issued" => tellings.push(telling(
                        Cause::Issued,
                        Whom::Person(row.drafter.to_string()),
                        urgency.clone(),
                        subject.clone(),
                    )),
                    _ => {}
                }
                if let Some(moved) = &change.waiting {
                    let cause = if event.assigned_to.is_some() {
                        Cause::Assigned
                    } else {
                        Cause::Waiting
                    };
                    for position in moved.after.iter().filter(|p| !moved.before.contains(p)) {
                        tellings.push(telling(
                            cause,
                            Whom::Position(position.clone()),
                            urgency.clone(),
                            subject.clone(),
                        ));
                    }
                }
                if event.due.is_some() || row.due_on.is_some() {
                    let due = match &row.due_on {
                        Some(due) => Some(due.clone()),
                        None => content_deadline(&*crate::reads::content_read(tx, org, row).await?),
                    };
                    deadlines.push((document.to_owned(), due));
                }
            }
            None if matches!(event.kind.as_str(), "created" | "edited" | "received") => {
                let Some(row) = sqlx::query(concat!(
                    "SELECT ",
                    crate::rows::content_of!("documents"),
                    ", due_on FROM documents WHERE org_id = $1 AND id = $2"
                ))
                .bind(org)
                .bind(document)
                .fetch_optional(&mut **tx)
                .await?
                else {
                    continue;
                };
                let content: Value = serde_json::from_str(&row.get::<String, _>("content"))
                    .map_err(|e| StoreError::corrupt("content", e))?;
                let due: Option<String> = row.get("due_on");
                deadlines.push((
                    document.to_owned(),
                    due.or_else(|| content_deadline(&content)),
                ));
                if event.kind == "received" {
                    let (urgency, subject) = urgency_and_subject(&Heading::of(&content));
                    let urgency = event.urgency.clone().or(urgency);
                    for waiting in sqlx::query(
                        "SELECT position_id FROM waiting WHERE org_id = $1 AND document_id = $2",
                    )
                    .bind(org)
                    .bind(document)
                    .fetch_all(&mut **tx)
                    .await?
                    {
                        tellings.push(telling(
                            Cause::Waiting,
                            Whom::Position(waiting.get("position_id")),
                            urgency.clone(),
                            subject.clone(),
                        ));
                    }
                }
            }
            None => {}
        }
    }
    keep_deadlines(tx, org, &deadlines).await?;
    if tellings.is_empty() {
        return Ok(());
    }
    let today = tellings
        .iter()
        .filter_map(|t| unstamp(&t.at))
        .map(thai_date)
        .max()
        .unwrap_or_else(|| thai_date(Utc::now()));
    let holders = holders_on(tx, org, today).await?;
    let mut rows: Vec<NewNotification> = Vec::new();
    let mut people_to_check: HashSet<String> = HashSet::new();
    for telling in &tellings {
        let people: Vec<String> = match &telling.whom {
            Whom::Person(person) => vec![person.clone()],
            Whom::Position(slug) => match holders.get(slug) {
                Some(people) => people.clone(),
                None if holders.positions.contains(slug) => Vec::new(),
                None => {
                    people_to_check.insert(slug.clone());
                    vec![slug.clone()]
                }
            },
        };
        for person in people {
            if person == telling.actor {
                continue;
            }
            // One row per person, document and cause in a batch.
            if rows.iter().any(|r| {
                r.person == person && r.document == telling.document && r.cause == telling.cause
            }) {
                continue;
            }
            rows.push(NewNotification {
                id: uuid::Uuid::new_v4().to_string(),
                person,
                document: telling.document.clone(),
                cause: telling.cause,
                urgency: telling.urgency.clone(),
                subject: telling.subject.clone(),
                seq: Some(telling.seq),
                once: None,
                at: unstamp(&telling.at).unwrap_or_else(Utc::now),
            });
        }
    }
    // An assignment to an id no position has names a person: only one the
    // organisation has is told.
    if !people_to_check.is_empty() {
        let known = known_people(tx, org, &people_to_check).await?;
        rows.retain(|r| !people_to_check.contains(&r.person) || known.contains(&r.person));
    }
    insert_notifications(tx, org, &rows).await?;
    Ok(())
}

/// A notification about to be written.
#[derive(Debug, Clone)]
pub(crate) struct NewNotification {
    pub(crate) id: String,
    pub(crate) person: String,
    pub(crate) document: String,
    pub(crate) cause: Cause,
    pub(crate) urgency: Option<String>,
    pub(crate) subject: String,
    pub(crate) seq: Option<u64>,
    /// A reminder's key: one per person, document, cause and day.
    pub(crate) once: Option<String>,
    pub(crate) at: DateTime<Utc>,
}

/// Who holds (or acts for, by a delegation) each position of the
/// organisation on `day`, and which positions it has.
pub(crate) struct Holders {
    by_position: HashMap<String, Vec<String>>,
    positions: HashSet<String>,
}

impl Holders {
    pub(crate) fn get(&self, position: &str) -> Option<&Vec<String>> {
        self.by_position.get(position)
    }
}

pub(crate) async fn holders_on(
    tx: &mut sqlx::AnyConnection,
    org: &str,
    day: NaiveDate,
) -> Result<Holders> {
    let day = day.to_string();
    let rows = sqlx::query(
        "SELECT position_id, person_id FROM holdings
          WHERE org_id = $1 AND from_date <= $2 AND (to_date IS NULL OR to_date >= $2)
         UNION ALL
         SELECT position_id, delegate_id AS person_id FROM delegations
          WHERE org_id = $1 AND from_date <= $2 AND to_date >= $2
         UNION ALL
         SELECT id AS position_id, NULL AS person_id FROM positions WHERE org_id = $1",
    )
    .bind(org)
    .bind(day)
    .fetch_all(&mut *tx)
    .await?;
    let mut holders = Holders {
        by_position: HashMap::new(),
        positions: HashSet::new(),
    };
    for row in rows {
        let position: String = row.get("position_id");
        holders.positions.insert(position.clone());
        if let Some(person) = row.get::<Option<String>, _>("person_id") {
            let people = holders.by_position.entry(position).or_default();
            if !people.contains(&person) {
                people.push(person);
            }
        }
    }
    Ok(holders)
}

async fn known_people(
    tx: &mut sqlx::AnyConnection,
    org: &str,
    ids: &HashSet<String>,
) -> Result<HashSet<String>> {
    let mut known = HashSet::new();
    for id in ids {
        if sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND id = $2")
            .bind(org)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            known.insert(id.clone());
        }
    }
    Ok(known)
}

/// The deadline of each document touched, kept in `deadlines`.
async fn keep_deadlines(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    deadlines: &[(String, Option<String>)],
) -> Result<()> {
    for (document, due) in deadlines {
        match due {
            Some(due) => {
                sqlx::query(
                    "INSERT INTO deadlines (org_id, document_id, due_on) VALUES ($1, $2, $3)
                     ON CONFLICT (org_id, document_id) DO UPDATE SET due_on = excluded.due_on",
                )
                .bind(org)
                .bind(document)
                .bind(due)
                .execute(&mut **tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM deadlines WHERE org_id = $1 AND document_id = $2")
                    .bind(org)
                    .bind(document)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    Ok(())
}

/// The organisation's working calendar: its own holiday list, or the one
/// saraban ships.
pub(crate) async fn calendar_of(conn: &mut sqlx::AnyConnection, org: &str) -> Result<Calendar> {
    let own: Option<String> = sqlx::query("SELECT list FROM holiday_lists WHERE org_id = $1")
        .bind(org)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.get("list"));
    match own {
        Some(list) => Calendar::from_toml(&list).map_err(|e| StoreError::corrupt("holidays", e)),
        None => Ok(shipped_calendar().clone()),
    }
}

fn shipped_calendar() -> &'static Calendar {
    static SHIPPED: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(Calendar::thai)
}

/// Writes the notifications and, for each outside channel its person has,
/// a delivery due when its urgency says. A reminder (`once`) already
/// written is skipped. Returns how many were written.
pub(crate) async fn insert_notifications(
    conn: &mut sqlx::AnyConnection,
    org: &str,
    rows: &[NewNotification],
) -> Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let people: Vec<&str> = {
        let mut people: Vec<&str> = rows.iter().map(|r| r.person.as_str()).collect();
        people.sort_unstable();
        people.dedup();
        people
    };
    let channels = channels_of(conn, org, &people).await?;
    let needs_calendar = rows.iter().any(|r| {
        Timing::of(r.cause, urgency_of(r.urgency.as_deref())) == Timing::Digest
            && channels.contains_key(&r.person)
    });
    let calendar = if needs_calendar {
        Some(calendar_of(conn, org).await?)
    } else {
        None
    };
    // A reminder is written once (`once`): one statement each, skipped if
    // there. The rest, the common case, in a few multi-row statements.
    let mut inserted: Vec<&NewNotification> = Vec::with_capacity(rows.len());
    for row in rows.iter().filter(|r| r.once.is_some()) {
        let sql = format!(
            "INSERT INTO notifications {NOTIFICATION_COLUMNS} VALUES {}
             ON CONFLICT (org_id, person_id, once) WHERE once IS NOT NULL DO NOTHING",
            typed_values(1, &NOTIFICATION_TYPES, 1)
        );
        let sql = timed_for(conn, &sql);
        if bind_notification(sqlx::query(sqlx::AssertSqlSafe(sql)), org, row)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0
        {
            inserted.push(row);
        }
    }
    let plain: Vec<&NewNotification> = rows.iter().filter(|r| r.once.is_none()).collect();
    for chunk in plain.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO notifications {NOTIFICATION_COLUMNS} VALUES {}",
            typed_values(chunk.len(), &NOTIFICATION_TYPES, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(timed_for(conn, &sql)));
        for row in chunk {
            query = bind_notification(query, org, row);
        }
        query.execute(&mut *conn).await?;
        inserted.extend(chunk);
    }
    let mut deliveries: Vec<(&str, &str, String)> = Vec::new();
    for row in &inserted {
        let Some(own) = channels.get(&row.person) else {
            continue;
        };
        let timing = Timing::of(row.cause, urgency_of(row.urgency.as_deref()));
        let due = match (&calendar, timing) {
            (Some(calendar), _) => timing.send_after(row.at, calendar),
            (None, Timing::Digest) => timing.send_after(row.at, shipped_calendar()),
            (None, _) => timing.send_after(row.at, &Calendar::default()),
        };
        for channel in own {
            deliveries.push((row.id.as_str(), channel.as_str(), stamp(due)));
        }
    }
    for chunk in deliveries.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO notification_deliveries (org_id, notification_id, channel, send_after) VALUES {}",
            typed_values(chunk.len(), &["TEXT", "TEXT", "TEXT", "TIMESTAMP"], 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(timed_for(conn, &sql)));
        for (id, channel, due) in chunk {
            query = query
                .bind(org.to_owned())
                .bind(id.to_string())
                .bind(channel.to_string())
                .bind(due.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(inserted.len())
}

/// Rows per multi-row statement: at most 10 values each, well under both
/// servers' limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 64;

/// The columns' types, as `typed_values` casts them.
const NOTIFICATION_TYPES: [&str; 10] = [
    "TEXT",
    "TEXT",
    "TEXT",
    "TEXT",
    "TEXT",
    "TEXT",
    "TEXT",
    "BIGINT",
    "TEXT",
    "TIMESTAMP",
];

const NOTIFICATION_COLUMNS: &str =
    "(org_id, id, person_id, document_id, cause, urgency, subject, event_seq, once, created_at)";

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

fn bind_notification<'q>(query: AnyQuery<'q>, org: &str, row: &NewNotification) -> AnyQuery<'q> {
    query
        .bind(org.to_owned())
        .bind(row.id.clone())
        .bind(row.person.clone())
        .bind(row.document.clone())
        .bind(row.cause.name())
        .bind(row.urgency.clone())
        .bind(row.subject.clone())
        .bind(row.seq.map(|s| s as i64))
        .bind(row.once.clone())
        .bind(stamp(row.at))
}

/// The confirmed outside channels of each of `people`.
async fn channels_of(
    conn: &mut sqlx::AnyConnection,
    org: &str,
    people: &[&str],
) -> Result<HashMap<String, Vec<String>>> {
    let mut channels: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in people.chunks(200) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT person_id, channel FROM person_channels
              WHERE org_id = $1 AND address IS NOT NULL AND person_id IN ({})
              ORDER BY channel",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
        for person in chunk {
            query = query.bind(person.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            channels
                .entry(row.get("person_id"))
                .or_default()
                .push(row.get("channel"));
        }
    }
    Ok(channels)
}

pub(crate) struct NewMessage<'a> {
    pub(crate) id: &'a str,
    pub(crate) org: &'a str,
    pub(crate) person: &'a str,
    pub(crate) channel: &'a str,
    pub(crate) address: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) body: &'a str,
    /// The body holds a secret (a confirmation link or code): dropped once
    /// sent.
    pub(crate) secret: bool,
    pub(crate) at: &'a str,
}

pub(crate) async fn insert_message(
    conn: &mut sqlx::AnyConnection,
    message: &NewMessage<'_>,
) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(timed_for(
        conn,
        "INSERT INTO notification_messages
            (id, org_id, person_id, channel, address, subject, body, secret, status, attempts, next_attempt, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, @ts($9), @ts($9))",
    )))
    .bind(message.id)
    .bind(message.org)
    .bind(message.person)
    .bind(message.channel)
    .bind(message.address)
    .bind(message.subject)
    .bind(message.body)
    .bind(i64::from(message.secret))
    .bind(message.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
