//! Retention on the store: the organisation's schedule (the regulation's
//! until it sets its own), each document's class and destruction date, and
//! legal holds. Every change writes its event in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use saraban_core::clock::{thai_date, thai_time};
use saraban_core::ledger::{Event, EventHead};
use saraban_core::retention::{
    self, CLASS_SET, HOLD_LIFTED, HOLD_PLACED, RetentionClass, SCHEDULE_SET, Schedule,
};
use saraban_core::{DocumentId, OrgId, PersonId};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::accounts::Account;
use crate::reads::{AUTHORITIES, destroyed_under, ensure_person, load_route};
use crate::rows::timed_for;
use crate::search::{COUNT_BOUND, MAX_SEARCH_LIMIT, SearchQuery};
use crate::writer::Writes;
use crate::{Result, Store, StoreError};

/// What the records side lets a person do: the registrar issues for the
/// order route, the head signs its orders.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecordsRoles {
    pub registrar: bool,
    pub head: bool,
    pub admin: bool,
}

pub(crate) async fn records_roles(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    person: &str,
    at: DateTime<Utc>,
) -> Result<RecordsRoles> {
    ensure_person(tx, org, person).await?;
    let (route, _) = load_route(tx, org, "order", None).await?;
    let date = thai_date(at).to_string();
    let mut roles = RecordsRoles::default();
    for row in sqlx::query(AUTHORITIES)
        .bind(org)
        .bind(person)
        .bind(&date)
        .fetch_all(&mut **tx)
        .await?
    {
        let position: String = row.try_get("position_id")?;
        roles.registrar |= position == route.issue.as_str();
        roles.head |= position == route.sign.as_str();
    }
    roles.admin = sqlx::query_scalar::<_, String>("SELECT config FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?
        .and_then(|config| serde_json::from_str::<serde_json::Value>(&config).ok())
        .and_then(|config| {
            config["people"].as_array().map(|people| {
                people
                    .iter()
                    .any(|p| p["id"] == person && p["admin"] == serde_json::Value::Bool(true))
            })
        })
        .unwrap_or(false);
    Ok(roles)
}

/// An event of the records side: no content, no route.
pub(crate) fn records_event(
    org: &str,
    kind: &str,
    subject: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Event {
    Event::new(EventHead {
        org,
        seq: 0,
        at: thai_time(at).to_rfc3339(),
        kind,
        document: subject,
        doc_version: 0,
        actor,
        content_hash: String::new(),
    })
}

/// The schedule in force (the newest the log set, or the regulation's)
/// and its version (0: the regulation's).
pub(crate) async fn schedule_in(
    tx: &mut Transaction<'static, Any>,
    org: &str,
) -> Result<(Schedule, i64)> {
    let row = sqlx::query(
        "SELECT version, definition FROM retention_schedules WHERE org_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(org)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        None => Ok((Schedule::regulation(), 0)),
        Some(row) => {
            let text: String = row.try_get("definition")?;
            let value = serde_json::from_str(&text)
                .map_err(|e| StoreError::corrupt("retention schedule", e))?;
            let schedule = Schedule::from_value(value)
                .map_err(|e| StoreError::corrupt("retention schedule", e))?;
            Ok((schedule, row.try_get("version")?))
        }
    }
}

/// A document's retention as the pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentRetention {
    #[schema(value_type = Object)]
    pub class: RetentionClass,
    /// Chosen for this document (not the schedule's by kind and register).
    pub chosen: bool,
    /// B.E. year of its register number, which its period counts from.
    pub year: Option<i32>,
    /// 31 December of the year its period ends (C.E. date); none when it
    /// is never destroyed or has no number yet.
    #[schema(value_type = Option<String>)]
    pub destruction_date: Option<NaiveDate>,
    /// The holds that keep it, each as (id, reason).
    pub holds: Vec<HoldSummary>,
    /// The list it was destroyed under, when it was.
    pub destroyed_under: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HoldSummary {
    pub id: String,
    pub reason: String,
}

/// A legal hold.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hold {
    pub id: String,
    pub reason: String,
    /// The search it was placed on, if it was.
    pub query: Option<String>,
    pub placed_by: String,
    pub placed_at: String,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<String>,
    pub documents: Vec<String>,
}

fn check_reason(reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid(
            "reason",
            "say why (the case or the audit)",
        ));
    }
    if reason.chars().count() > 500 {
        return Err(StoreError::invalid("reason", "at most 500 characters"));
    }
    Ok(())
}

impl Store {
    /// The schedule in force and its version (0: the regulation's).
    pub async fn retention_schedule(&self, org: &OrgId) -> Result<(Schedule, i64)> {
        let mut tx = self.pool.begin().await?;
        let found = schedule_in(&mut tx, org.as_str()).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Sets the organisation's schedule (its registrar or an
    /// administrator); returns its version.
    pub async fn set_retention_schedule(
        &self,
        org: &OrgId,
        actor: &PersonId,
        schedule: Schedule,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let (org, actor) = (org.to_string(), actor.to_string());
        self.writers
            .write(&org.clone(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    let roles = records_roles(tx, &org, &actor, at).await?;
                    if !roles.registrar && !roles.admin {
                        return Err(StoreError::invalid(
                            "actor",
                            "only the registrar or an administrator sets the retention schedule",
                        ));
                    }
                    let (_, version) = schedule_in(tx, &org).await?;
                    let version = version + 1;
                    let text = String::from_utf8(schedule.canonical())
                        .map_err(|e| StoreError::invariant(e.to_string()))?;
                    let hash = schedule.hash();
                    let event = records_event(&org, SCHEDULE_SET, "", &actor, at);
                    sqlx::query(sqlx::AssertSqlSafe(timed_for(
                        tx,
                        "INSERT INTO retention_schedules (org_id, version, definition, definition_hash, set_by, set_at)
                         VALUES ($1, $2, $3, $4, $5, @ts($6))",
                    )))
                    .bind(&org)
                    .bind(version)
                    .bind(&text)
                    .bind(&hash)
                    .bind(&actor)
                    .bind(&event.at)
                    .execute(&mut **tx)
                    .await?;
                    let event = Event {
                        doc_version: version as u64,
                        content_hash: hash,
                        ..event
                    };
                    batch.ledger.push(event, None, None);
                    Ok(version)
                })
            })
            .await
    }

    /// Gives a document a class of the schedule: its drafter or the
    /// registrar, with a reason.
    pub async fn set_retention_class(
        &self,
        org: &OrgId,
        actor: &PersonId,
        document: &DocumentId,
        class: &str,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<DocumentRetention> {
        let (org_s, actor, id, class, reason) = (
            org.to_string(),
            actor.to_string(),
            document.to_string(),
            class.to_owned(),
            reason.map(str::to_owned),
        );
        self.writers
            .write(&format!("{org_s}/{id}"), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    let roles = records_roles(tx, &org_s, &actor, at).await?;
                    let drafter: Option<String> = sqlx::query_scalar(
                        "SELECT drafter_id FROM documents WHERE org_id = $1 AND id = $2",
                    )
                    .bind(&org_s)
                    .bind(&id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    let drafter = drafter.ok_or_else(|| StoreError::not_found("document", &id))?;
                    if drafter != actor && !roles.registrar {
                        return Err(StoreError::invalid(
                            "actor",
                            "only the drafter or the registrar changes a document's retention class",
                        ));
                    }
                    if destroyed_under(tx, &org_s, &id).await?.is_some() {
                        return Err(StoreError::Conflict(format!("document {id} was destroyed")));
                    }
                    let (schedule, _) = schedule_in(tx, &org_s).await?;
                    if schedule.class(&class).is_none() {
                        return Err(StoreError::invalid("class", "no such class in the schedule"));
                    }
                    let event = Event {
                        retention: Some(class.clone()),
                        text: reason,
                        ..records_event(&org_s, CLASS_SET, &id, &actor, at)
                    };
                    sqlx::query(sqlx::AssertSqlSafe(timed_for(
                        tx,
                        "INSERT INTO document_retention (org_id, document_id, class, set_by, set_at)
                         VALUES ($1, $2, $3, $4, @ts($5))
                         ON CONFLICT (org_id, document_id) DO UPDATE SET class = excluded.class,
                            set_by = excluded.set_by, set_at = excluded.set_at",
                    )))
                    .bind(&org_s)
                    .bind(&id)
                    .bind(&class)
                    .bind(&actor)
                    .bind(&event.at)
                    .execute(&mut **tx)
                    .await?;
                    batch.ledger.push(event, None, None);
                    Ok(())
                })
            })
            .await?;
        self.retention_of(org, document).await
    }

    /// A document's class, destruction date, holds and destruction.
    pub async fn retention_of(
        &self,
        org: &OrgId,
        document: &DocumentId,
    ) -> Result<DocumentRetention> {
        let mut tx = self.pool.begin().await?;
        let (org, id) = (org.as_str(), document.as_str());
        let row = sqlx::query(
            "SELECT d.kind, d.register_id, d.year, r.class FROM documents d
               LEFT JOIN document_retention r ON r.org_id = d.org_id AND r.document_id = d.id
              WHERE d.org_id = $1 AND d.id = $2",
        )
        .bind(org)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("document", id))?;
        let (schedule, _) = schedule_in(&mut tx, org).await?;
        let kind: String = row.try_get("kind")?;
        let register: Option<String> = row.try_get("register_id")?;
        let chosen: Option<String> = row.try_get("class")?;
        let year = row.try_get::<Option<i64>, _>("year")?.map(|y| y as i32);
        let class = chosen
            .as_deref()
            .and_then(|c| schedule.class(c))
            .unwrap_or_else(|| schedule.class_for(&kind, register.as_deref()))
            .clone();
        let holds = holds_on(&mut tx, org, id).await?;
        let destroyed = destroyed_under(&mut tx, org, id).await?;
        tx.commit().await?;
        Ok(DocumentRetention {
            destruction_date: year.and_then(|y| retention::destruction_date(y, &class)),
            class,
            chosen: chosen.is_some(),
            year,
            holds,
            destroyed_under: destroyed,
        })
    }

    /// Places a legal hold on a document (the registrar or the head);
    /// returns its id.
    pub async fn place_hold(
        &self,
        org: &OrgId,
        actor: &PersonId,
        document: &DocumentId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        self.hold_documents(org, actor, vec![document.to_string()], None, reason, at)
            .await
    }

    /// Places a legal hold on every document a search finds for `reader`
    /// now (a case, an audit): at most `COUNT_BOUND`.
    pub async fn place_query_hold(
        &self,
        reader: &Account,
        query: SearchQuery,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        check_reason(reason)?;
        let mut found = Vec::new();
        let mut page = SearchQuery {
            limit: MAX_SEARCH_LIMIT,
            offset: 0,
            ..query.clone()
        };
        loop {
            let results = self.search(reader, &page).await?;
            if results.more {
                return Err(StoreError::invalid(
                    "q",
                    format!("the search finds more than {COUNT_BOUND} documents: narrow it"),
                ));
            }
            let count = results.hits.len();
            found.extend(results.hits.into_iter().map(|hit| hit.id.to_string()));
            if count < MAX_SEARCH_LIMIT as usize {
                break;
            }
            page.offset += MAX_SEARCH_LIMIT;
        }
        if found.is_empty() {
            return Err(StoreError::invalid("q", "the search finds no document"));
        }
        self.hold_documents(
            &reader.org,
            &reader.person,
            found,
            Some(query.text),
            reason,
            at,
        )
        .await
    }

    async fn hold_documents(
        &self,
        org: &OrgId,
        actor: &PersonId,
        documents: Vec<String>,
        query: Option<String>,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        check_reason(reason)?;
        let (org, actor, reason) = (org.to_string(), actor.to_string(), reason.trim().to_owned());
        let id = uuid::Uuid::new_v4().to_string();
        let hold = id.clone();
        self.writers
            .write(&org.clone(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    let roles = records_roles(tx, &org, &actor, at).await?;
                    if !roles.registrar && !roles.head {
                        return Err(StoreError::invalid(
                            "actor",
                            "only the registrar or the head of the organisation places a hold",
                        ));
                    }
                    let mut documents = documents;
                    documents.sort();
                    documents.dedup();
                    for document in &documents {
                        let exists: Option<i64> = sqlx::query_scalar(
                            "SELECT 1 FROM documents WHERE org_id = $1 AND id = $2",
                        )
                        .bind(&org)
                        .bind(document)
                        .fetch_optional(&mut **tx)
                        .await?;
                        if exists.is_none() {
                            return Err(StoreError::not_found("document", document.clone()));
                        }
                    }
                    let event = Event {
                        text: Some(reason.clone()),
                        documents: Some(documents.clone()),
                        ..records_event(&org, HOLD_PLACED, &hold, &actor, at)
                    };
                    sqlx::query(sqlx::AssertSqlSafe(timed_for(
                        tx,
                        "INSERT INTO legal_holds (org_id, id, reason, query, placed_by, placed_at)
                         VALUES ($1, $2, $3, $4, $5, @ts($6))",
                    )))
                    .bind(&org)
                    .bind(&hold)
                    .bind(&reason)
                    .bind(query.as_deref())
                    .bind(&actor)
                    .bind(&event.at)
                    .execute(&mut **tx)
                    .await?;
                    for document in &documents {
                        sqlx::query(
                            "INSERT INTO legal_hold_documents (org_id, hold_id, document_id) VALUES ($1, $2, $3)",
                        )
                        .bind(&org)
                        .bind(&hold)
                        .bind(document)
                        .execute(&mut **tx)
                        .await?;
                    }
                    batch.ledger.push(event, None, None);
                    Ok(())
                })
            })
            .await?;
        Ok(id)
    }

    /// Lifts a hold (the registrar or the head), saying why.
    pub async fn lift_hold(
        &self,
        org: &OrgId,
        actor: &PersonId,
        hold: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "say why the hold ends"));
        }
        let (org, actor, hold, reason) = (
            org.to_string(),
            actor.to_string(),
            hold.to_owned(),
            reason.to_owned(),
        );
        self.writers
            .write(&org.clone(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    let roles = records_roles(tx, &org, &actor, at).await?;
                    if !roles.registrar && !roles.head {
                        return Err(StoreError::invalid(
                            "actor",
                            "only the registrar or the head of the organisation lifts a hold",
                        ));
                    }
                    let event = Event {
                        text: Some(reason),
                        ..records_event(&org, HOLD_LIFTED, &hold, &actor, at)
                    };
                    let lifted = sqlx::query(sqlx::AssertSqlSafe(timed_for(
                        tx,
                        "UPDATE legal_holds SET lifted_by = $3, lifted_at = @ts($4)
                          WHERE org_id = $1 AND id = $2 AND lifted_at IS NULL",
                    )))
                    .bind(&org)
                    .bind(&hold)
                    .bind(&actor)
                    .bind(&event.at)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if lifted == 0 {
                        return Err(StoreError::not_found("hold in force", hold));
                    }
                    batch.ledger.push(event, None, None);
                    Ok(())
                })
            })
            .await
    }

    /// Every hold of the organisation, those in force first.
    pub async fn holds(&self, org: &OrgId) -> Result<Vec<Hold>> {
        let org = org.as_str();
        let mut holds = Vec::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT id, reason, query, placed_by, @text(placed_at), lifted_by, @text(lifted_at) FROM legal_holds
              WHERE org_id = $1 ORDER BY lifted_by IS NOT NULL, placed_by, id",
        )))
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        {
            let id: String = row.try_get("id")?;
            let documents = sqlx::query_scalar(
                "SELECT document_id FROM legal_hold_documents WHERE org_id = $1 AND hold_id = $2 ORDER BY document_id",
            )
            .bind(org)
            .bind(&id)
            .fetch_all(&self.pool)
            .await?;
            holds.push(Hold {
                id,
                reason: row.try_get("reason")?,
                query: row.try_get("query")?,
                placed_by: row.try_get("placed_by")?,
                placed_at: row.try_get("placed_at")?,
                lifted_by: row.try_get("lifted_by")?,
                lifted_at: row.try_get("lifted_at")?,
                documents,
            });
        }
        Ok(holds)
    }
}

/// The holds in force on a document.
pub(crate) async fn holds_on(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    document: &str,
) -> Result<Vec<HoldSummary>> {
    let mut found = Vec::new();
    for row in sqlx::query(
        "SELECT h.id, h.reason FROM legal_hold_documents d
           JOIN legal_holds h ON h.org_id = d.org_id AND h.id = d.hold_id
          WHERE d.org_id = $1 AND d.document_id = $2 AND h.lifted_at IS NULL ORDER BY h.id",
    )
    .bind(org)
    .bind(document)
    .fetch_all(&mut **tx)
    .await?
    {
        found.push(HoldSummary {
            id: row.try_get("id")?,
            reason: row.try_get("reason")?,
        });
    }
    Ok(found)
}
