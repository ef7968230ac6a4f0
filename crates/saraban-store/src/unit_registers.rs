//! A unit's own receiving register (ทะเบียนหนังสือรับของหน่วย): once the
//! central registry has received a letter, the clerk of a unit (กอง) that
//! keeps its own register records it there (ลงรับของกอง), and it gets that
//! register's own gapless number of the B.E. year. The number is taken from
//! `register_counters` in the same transaction as the `unit_received`
//! event and the `unit_receipts` row, as an issue's or a receipt's is; the
//! row is a projection of the event, which `verify` rebuilds.
//!
//! Which positions keep a register is data: `kept_by` in the organisation
//! file. The letter's state is not touched: a unit's receipt is its own
//! record, not a step of the letter's route.

use chrono::{DateTime, NaiveDate, Utc};
use saraban_core::clock::{thai_date, thai_time};
use saraban_core::incoming::{self, UNIT_RECEIVED};
use saraban_core::ledger::{Event, EventHead};
use saraban_core::org::Slug;
use saraban_core::workflow::{Refusal, Standing};
use saraban_core::{BuddhistYear, DocumentId, OrgId, PersonId};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::incoming::{ReceivedEntry, received_entry};
use crate::reads::{load_document_and_route, org_config, refuse_destroyed, register_info};
use crate::rows::{stored_number, timed_for};
use crate::store::Store;
use crate::transitions::allocate;
use crate::writer::{Batch, Writes};

/// A letter's place in a unit's register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnitReceipt {
    /// The unit's register (a register id of the organisation file).
    pub register: String,
    /// Its name, as the organisation file gives it.
    pub register_name: String,
    /// B.E.
    pub year: i32,
    /// เลขรับของหน่วย: the unit register's number of the year.
    pub number: i64,
    /// When the unit recorded it (RFC 3339, Thai time).
    pub received_at: String,
    /// Who recorded it, and for which keeping position.
    pub actor: String,
    pub position: String,
}

/// One line of a unit's register: the unit's number, when and by whom it
/// was recorded, and the letter as the central register shows it (its
/// `number` is the central เลขรับ).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitRegisterEntry {
    /// เลขรับของหน่วย.
    pub unit_number: i64,
    /// When the unit recorded it (RFC 3339, Thai time).
    pub unit_received_at: String,
    /// Who recorded it.
    pub unit_actor: String,
    pub letter: ReceivedEntry,
}

/// A page of a unit register's year.
#[derive(Debug, Clone)]
pub struct UnitRegisterPage {
    pub entries: Vec<UnitRegisterEntry>,
    /// The unit's number the next page starts after, if there is one.
    pub next: Option<i64>,
}

impl Store {
    /// Records the received letter `id` in the unit register `register`,
    /// by a holder of (or delegate for) one of its keeping positions: the
    /// register's next number of the year. Refused, naming why, when the
    /// actor keeps no such register, the letter is already in it, the
    /// document is not a received letter, or its content was destroyed.
    pub async fn record_in_unit_register(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        register: &Slug,
        at: DateTime<Utc>,
    ) -> Result<UnitReceipt> {
        let (org, actor, id) = (org.to_string(), actor.to_string(), id.to_string());
        let register = register.clone();
        self.writers
            .write(&format!("{org}/{id}"), Writes::AsItGoes, move |batch| {
                Box::pin(async move { record_in(batch, &org, &actor, &id, &register, at).await })
            })
            .await
    }

    /// The letter's places in the units' registers, by register.
    pub async fn unit_receipts(&self, org: &OrgId, id: &DocumentId) -> Result<Vec<UnitReceipt>> {
        let mut tx = self.pool.begin().await?;
        let (config, _) = org_config(&mut tx, org.as_str()).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(timed_for(
            &tx,
            "SELECT register_id, year, number, @text(received_at), actor_id, position_id FROM unit_receipts
              WHERE org_id = $1 AND document_id = $2 ORDER BY register_id",
        )))
        .bind(org.as_str())
        .bind(id.as_str())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|row| {
                let register: String = row.try_get("register_id")?;
                let register_name = config
                    .registers
                    .iter()
                    .find(|r| r.id.as_str() == register)
                    .map_or_else(|| register.clone(), |r| r.name.as_str().to_owned());
                Ok(UnitReceipt {
                    register,
                    register_name,
                    year: i32::try_from(row.try_get::<i64, _>("year")?)
                        .map_err(|e| StoreError::corrupt("register year", e))?,
                    number: row.try_get("number")?,
                    received_at: row.try_get("received_at")?,
                    actor: row.try_get("actor_id")?,
                    position: row.try_get("position_id")?,
                })
            })
            .collect()
    }

    /// The unit registers `actor` may record in on the day of `at`: those
    /// whose keeping positions they hold or act for.
    pub async fn unit_registers_kept(
        &self,
        org: &OrgId,
        actor: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<Vec<Slug>> {
        let mut tx = self.pool.begin().await?;
        let (config, _) = org_config(&mut tx, org.as_str()).await?;
        let held = held_positions(&mut tx, org.as_str(), actor.as_str(), at).await?;
        tx.commit().await?;
        Ok(config
            .unit_registers()
            .filter(|r| r.kept_by.iter().any(|k| held.iter().any(|(p, _)| p == k)))
            .map(|r| r.id.clone())
            .collect())
    }

    /// A unit register's letters of a B.E. year, by the unit's number,
    /// each with its line of the central register (what was done, the
    /// assignee, the deadline, overdue on `today`): the whole year, for
    /// its CSV and printed register.
    pub async fn unit_register(
        &self,
        org: &OrgId,
        register: &str,
        year: BuddhistYear,
        today: NaiveDate,
    ) -> Result<Vec<UnitRegisterEntry>> {
        let page = self
            .unit_register_page(org, register, year, today, 0, u32::MAX)
            .await?;
        Ok(page.entries)
    }

    /// At most `limit` lines of a unit register's year numbered (by the
    /// unit) after `after`, and the number the next page starts after.
    pub async fn unit_register_page(
        &self,
        org: &OrgId,
        register: &str,
        year: BuddhistYear,
        today: NaiveDate,
        after: i64,
        limit: u32,
    ) -> Result<UnitRegisterPage> {
        let org = org.as_str();
        let mut tx = self.pool.begin().await?;
        let (config, _) = org_config(&mut tx, org).await?;
        if !config.unit_registers().any(|r| r.id.as_str() == register) {
            return Err(StoreError::not_found("unit register", register));
        }
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::statement(
            tx.backend_name() == "PostgreSQL",
            crate::list_queries::UNIT_RECEIVED,
        )))
        .bind(org)
        .bind(register)
        .bind(i64::from(year.get()))
        .bind(after)
        // One more than asked tells whether there is a next page.
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let mut replies = crate::replies::replies_to_rows(&mut tx, org, &rows).await?;
        tx.commit().await?;
        let entries = rows
            .iter()
            .map(|row| {
                Ok(UnitRegisterEntry {
                    unit_number: row.try_get("unit_number")?,
                    unit_received_at: row.try_get("received_at")?,
                    unit_actor: row.try_get("unit_actor")?,
                    letter: received_entry(row, &mut replies, today)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(UnitRegisterPage {
            next: match (more, entries.last()) {
                (true, Some(last)) => Some(last.unit_number),
                _ => None,
            },
            entries,
        })
    }
}

/// The positions `person` holds or acts for on the day of `at`, each
/// once, holding before acting.
async fn held_positions(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    person: &str,
    at: DateTime<Utc>,
) -> Result<Vec<(Slug, Standing)>> {
    let date = thai_date(at).format("%Y-%m-%d").to_string();
    let mut held: Vec<(Slug, Standing)> = Vec::new();
    for row in sqlx::query(crate::reads::AUTHORITIES)
        .bind(org)
        .bind(person)
        .bind(&date)
        .fetch_all(&mut **tx)
        .await?
    {
        let position: String = row.try_get("position_id")?;
        let standing: String = row.try_get("standing")?;
        let position = Slug::parse(&position).map_err(|e| StoreError::corrupt("position", e))?;
        let standing = Standing::from_name(&standing)
            .ok_or_else(|| StoreError::corrupt("capacity", &standing))?;
        match held.iter_mut().find(|(p, _)| *p == position) {
            Some(existing) if standing == Standing::Holder => existing.1 = standing,
            Some(_) => {}
            None => held.push((position, standing)),
        }
    }
    Ok(held)
}

async fn record_in(
    batch: &mut Batch,
    org: &str,
    actor: &str,
    id: &str,
    register: &Slug,
    at: DateTime<Utc>,
) -> Result<UnitReceipt> {
    let now = thai_time(at).to_rfc3339();
    let date = thai_date(at).format("%Y-%m-%d").to_string();
    let lock = batch.lock_rows;
    let tx = &mut batch.tx;
    let actor = crate::reads::ensure_person(&mut *tx, org, actor).await?;
    let (doc, _, _) = load_document_and_route(&mut *tx, org, id, actor.as_str(), &date, lock)
        .await
        .map_err(|error| match error {
            StoreError::NotFound { .. } => StoreError::not_found("received letter", id),
            other => other,
        })?;
    if doc.kind != incoming::KIND {
        return Err(StoreError::not_found("received letter", id));
    }
    refuse_destroyed(&mut *tx, org, &doc).await?;
    let (config, _) = org_config(&mut *tx, org).await?;
    let kept = config
        .unit_registers()
        .find(|r| r.id == *register)
        .ok_or_else(|| {
            StoreError::invalid(
                "register",
                format!("ไม่มีทะเบียนหนังสือรับของหน่วย “{register}” ในหน่วยงาน"),
            )
        })?;
    let held = held_positions(&mut *tx, org, actor.as_str(), at).await?;
    let Some((position, standing)) = kept
        .kept_by
        .iter()
        .find_map(|keeper| held.iter().find(|(p, _)| p == keeper))
        .cloned()
    else {
        return Err(StoreError::Refused(Refusal::NotYourTurn {
            waiting_for: kept
                .kept_by
                .iter()
                .map(Slug::as_str)
                .collect::<Vec<_>>()
                .join(" or "),
        }));
    };
    if let Some(row) = sqlx::query(
        "SELECT year, number FROM unit_receipts WHERE org_id = $1 AND register_id = $2 AND document_id = $3",
    )
    .bind(org)
    .bind(register.as_str())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    {
        return Err(StoreError::Conflict(format!(
            "หนังสือนี้ลงรับใน{}แล้ว เลขรับของหน่วยที่ {}/{}",
            kept.name.as_str(),
            row.try_get::<i64, _>("number")?,
            row.try_get::<i64, _>("year")?
        )));
    }
    let (_, reset) = register_info(&mut *tx, org, register.as_str()).await?;
    let year = reset.year_of(at).get();
    let number = allocate(&mut *tx, org, register.as_str(), i64::from(year)).await?;
    sqlx::query(sqlx::AssertSqlSafe(timed_for(
        tx,
        "INSERT INTO unit_receipts (org_id, register_id, year, number, document_id, position_id, actor_id, standing, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, @ts($9))",
    )))
    .bind(org)
    .bind(register.as_str())
    .bind(i64::from(year))
    .bind(number)
    .bind(id)
    .bind(position.as_str())
    .bind(actor.as_str())
    .bind(standing.name())
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    let event = Event {
        position: Some(position.to_string()),
        capacity: Some(standing.name().to_owned()),
        register: Some(register.to_string()),
        year: Some(year),
        number: Some(stored_number(number)?.get()),
        ..Event::new(EventHead {
            org,
            seq: 0,
            at: now.clone(),
            kind: UNIT_RECEIVED,
            document: id,
            doc_version: doc.version as u64,
            actor: actor.as_str(),
            content_hash: doc.content_hash.clone(),
        })
    };
    // A record, not an approval: like the central receipt, not signed.
    batch.ledger.push(event, None, None);
    Ok(UnitReceipt {
        register: register.to_string(),
        register_name: kept.name.as_str().to_owned(),
        year,
        number,
        received_at: now,
        actor: actor.to_string(),
        position: position.to_string(),
    })
}
