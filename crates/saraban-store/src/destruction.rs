//! The yearly destruction review (หมวด ๓ ส่วนที่ ๓): the list of documents
//! whose period has run out (บัญชีหนังสือขอทำลาย) drawn up in SQL, in one
//! statement, without reading the documents into memory; its route
//! (registrar, head, committee, head); and on approval each listed
//! document's content erased, with an event naming what was erased.

use chrono::{DateTime, Utc};
use saraban_core::clock::thai_date;
use saraban_core::ledger::{Event, sha256_hex};
use saraban_core::retention::{
    self, Appointee, COMMITTEE_APPOINTED, DESTROYED, ITEM_KEPT, ItemsHasher, LIST_APPROVED,
    LIST_DRAFTED, LIST_PROPOSED, ListRole, ListState, MIN_COMMITTEE, Schedule, committee_order,
    list_step,
};
use saraban_core::{DocumentId, OrgId, PersonId};
use serde::Serialize;
use serde_json::Value;
use sqlx::{Any, Row, Transaction};

use crate::reads::ensure_person;
use crate::retention::{RecordsRoles, holds_on, records_event, records_roles, schedule_in};
use crate::rows::timed_for;
use crate::writer::Writes;
use crate::{Result, Store, StoreError};

/// Item ids hashed a page at a time.
const ITEM_PAGE: i64 = 10_000;

/// A destruction list, as the pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DestructionList {
    pub id: String,
    /// The B.E. year whose end the review followed.
    pub year: i32,
    pub number: i64,
    /// drafted, proposed, in_review, approved.
    pub state: String,
    pub items: i64,
    pub kept: i64,
    pub destroyed: i64,
    pub items_hash: String,
    /// The committee, chair first.
    pub committee: Vec<String>,
    /// The order (คำสั่ง) that appointed it.
    pub order: Option<String>,
    pub drafted_by: String,
    pub drafted_at: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
}

/// One listed document, in the official columns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DestructionItem {
    pub document: String,
    pub kind: String,
    pub register: Option<String>,
    /// B.E. year of its number.
    pub year: i32,
    pub number: Option<i64>,
    pub class: String,
    /// เรื่อง: from its content, or, once destroyed, from the event.
    pub subject: Option<String>,
    pub kept_by: Option<String>,
    pub kept_reason: Option<String>,
    pub destroyed_at: Option<String>,
}

fn list_from(row: &sqlx::any::AnyRow, counts: (i64, i64, i64)) -> Result<DestructionList> {
    let committee: Option<String> = row.try_get("committee")?;
    Ok(DestructionList {
        id: row.try_get("id")?,
        year: row.try_get::<i64, _>("year")? as i32,
        number: row.try_get("number")?,
        state: row.try_get("state")?,
        items: counts.0,
        kept: counts.1,
        destroyed: counts.2,
        items_hash: row.try_get("items_hash")?,
        committee: committee
            .map(|c| c.split(' ').map(str::to_owned).collect())
            .unwrap_or_default(),
        order: row.try_get("order_ref")?,
        drafted_by: row.try_get("drafted_by")?,
        drafted_at: row.try_get("drafted_at")?,
        approved_by: row.try_get("approved_by")?,
        approved_at: row.try_get("approved_at")?,
    })
}

const LIST_COLUMNS: &str = "id, year, number, state, items_hash, committee, order_ref, drafted_by, @text(drafted_at), approved_by, @text(approved_at)";

/// The hash of a list's item ids (`retention::items_hash`), read a page
/// at a time.
pub(crate) async fn hash_items(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    list: &str,
) -> Result<(String, i64)> {
    let mut hasher = ItemsHasher::default();
    let mut after = String::new();
    let mut count = 0;
    loop {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT document_id FROM destruction_items WHERE org_id = $1 AND list_id = $2 AND document_id > $3
              ORDER BY document_id LIMIT $4",
        )
        .bind(org)
        .bind(list)
        .bind(&after)
        .bind(ITEM_PAGE)
        .fetch_all(&mut **tx)
        .await?;
        count += ids.len() as i64;
        for id in &ids {
            hasher.line(id);
        }
        let full = ids.len() as i64 == ITEM_PAGE;
        match ids.into_iter().last() {
            Some(last) if full => after = last,
            _ => break,
        }
    }
    Ok((hasher.finish(), count))
}

/// The list's row, locked for the change on PostgreSQL.
async fn list_row(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    list: &str,
) -> Result<sqlx::any::AnyRow> {
    sqlx::query(sqlx::AssertSqlSafe(timed_for(
        tx,
        &format!("SELECT {LIST_COLUMNS} FROM destruction_lists WHERE org_id = $1 AND id = $2"),
    )))
    .bind(org)
    .bind(list)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found("destruction list", list))
}

fn roles_for(roles: RecordsRoles, member: bool) -> Vec<ListRole> {
    let mut found = Vec::new();
    if roles.registrar {
        found.push(ListRole::Registrar);
    }
    if roles.head {
        found.push(ListRole::Head);
    }
    if member {
        found.push(ListRole::Member);
    }
    found
}

/// The step `kind` on list `row` by `actor`: the state it moves to.
async fn step(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    actor: &str,
    row: &sqlx::any::AnyRow,
    kind: &str,
    at: DateTime<Utc>,
) -> Result<ListState> {
    let state: String = row.try_get("state")?;
    let state =
        ListState::parse(&state).ok_or_else(|| StoreError::corrupt("list state", &state))?;
    let committee: Option<String> = row.try_get("committee")?;
    let member = committee.is_some_and(|c| c.split(' ').any(|p| p == actor));
    let roles = records_roles(tx, org, actor, at).await?;
    list_step(state, kind, &roles_for(roles, member))
        .map_err(|refusal| StoreError::invalid("actor", refusal.to_string()))
}

/// Whether the class `class` of a document of B.E. `year` has run out by
/// the end of B.E. `ended`; why not, if not.
fn still_due(schedule: &Schedule, class: &str, year: i32, ended: i32) -> Option<String> {
    match schedule.class(class) {
        None => Some(format!("its class {class} is no longer in the schedule")),
        Some(found) if !retention::expired_by(year, found, ended) => {
            Some(match retention::destruction_date(year, found) {
                Some(date) => format!("not yet due: its class {class} keeps it until {date}"),
                None => format!("not due: its class {class} is never destroyed"),
            })
        }
        Some(_) => None,
    }
}

/// Every "sha256" a content names: its enclosures, a received letter's
/// original.
fn named_files(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("sha256", Value::String(hash)) => found.push(hash.clone()),
                    _ => named_files(value, found),
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|v| named_files(v, found)),
        _ => {}
    }
}

impl Store {
    /// Draws up the destruction list of the year just ended (the
    /// registrar, within 60 days of 31 December): every numbered document
    /// whose period has run out, not held and not on a list already.
    pub async fn draft_destruction_list(
        &self,
        org: &OrgId,
        actor: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<DestructionList> {
        let today = thai_date(at);
        let ended = retention::review_year(today).ok_or_else(|| {
            StoreError::invalid(
                "at",
                format!(
                    "a year's destruction list is drawn up within {} days after 31 December (ข้อ ๖๖); today is {today}",
                    retention::REVIEW_DAYS
                ),
            )
        })?;
        let (org_s, actor) = (org.to_string(), actor.to_string());
        let id = uuid::Uuid::new_v4().to_string();
        let list = id.clone();
        self.writers
            .write(&org_s.clone(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    let roles = records_roles(tx, &org_s, &actor, at).await?;
                    if !roles.registrar {
                        return Err(StoreError::invalid("actor", "only the registrar draws up the destruction list"));
                    }
                    let exists: Option<String> = sqlx::query_scalar(
                        "SELECT id FROM destruction_lists WHERE org_id = $1 AND year = $2",
                    )
                    .bind(&org_s)
                    .bind(i64::from(ended))
                    .fetch_optional(&mut **tx)
                    .await?;
                    if let Some(existing) = exists {
                        return Err(StoreError::Conflict(format!(
                            "the destruction list of {ended} is drawn up already ({existing})"
                        )));
                    }
                    let number: i64 = sqlx::query_scalar(
                        "SELECT COALESCE(MAX(number), 0) + 1 FROM destruction_lists WHERE org_id = $1",
                    )
                    .bind(&org_s)
                    .fetch_one(&mut **tx)
                    .await?;
                    due_items(tx, &org_s, &list, ended, true).await?;
                    let (hash, _) = hash_items(tx, &org_s, &list).await?;
                    let event = Event {
                        year: Some(ended),
                        number: Some(number as u32),
                        content_hash: hash.clone(),
                        ..records_event(&org_s, LIST_DRAFTED, &list, &actor, at)
                    };
                    sqlx::query(sqlx::AssertSqlSafe(timed_for(
                        tx,
                        "INSERT INTO destruction_lists (org_id, id, year, number, state, items_hash, drafted_by, drafted_at)
                         VALUES ($1, $2, $3, $4, 'drafted', $5, $6, @ts($7))",
                    )))
                    .bind(&org_s)
                    .bind(&list)
                    .bind(i64::from(ended))
                    .bind(number)
                    .bind(&hash)
                    .bind(&actor)
                    .bind(&event.at)
                    .execute(&mut **tx)
                    .await?;
                    batch.ledger.push(event, None, None);
                    Ok(())
                })
            })
            .await?;
        self.destruction_list(org, &id).await
    }

    /// The registrar proposes the list to the head.
    pub async fn propose_destruction_list(
        &self,
        org: &OrgId,
        actor: &PersonId,
        list: &str,
        at: DateTime<Utc>,
    ) -> Result<DestructionList> {
        self.list_step(org, actor, list, LIST_PROPOSED, at, |event| event)
            .await
    }

    /// Drafts, as `actor` (the registrar or the head), the order that
    /// appoints list `list`'s committee (`committee`, chair first) from
    /// the template (`retention::committee_order`), signed by whoever holds
    /// the order route's signing position today. An ordinary draft order:
    /// it goes through the order's route, and the head names it when
    /// appointing.
    pub async fn draft_committee_order(
        &self,
        org: &OrgId,
        actor: &PersonId,
        list: &str,
        committee: &[PersonId],
        at: DateTime<Utc>,
    ) -> Result<crate::documents::DocumentSummary> {
        if committee.len() < MIN_COMMITTEE {
            return Err(StoreError::invalid(
                "committee",
                "a chair and at least two officials (ข้อ ๖๗)",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let roles = records_roles(&mut tx, org.as_str(), actor.as_str(), at).await?;
        tx.commit().await?;
        if !(roles.registrar || roles.head) {
            return Err(StoreError::invalid(
                "actor",
                "the registrar or the head drafts the committee's order",
            ));
        }
        let year = self.destruction_list(org, list).await?.year;
        let config = self.org_config(org).await?;
        let today = thai_date(at);
        let title_of = |position: &str| {
            config
                .positions
                .iter()
                .find(|p| p.id.as_str() == position)
                .map(|p| p.title.as_str().to_owned())
        };
        let held_today = |person: &saraban_core::org::PersonConfig| {
            person
                .holds
                .iter()
                .filter(|h| h.from.naive() <= today && h.to.is_none_or(|to| to.naive() >= today))
                .map(|h| h.position.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        let mut appointees = Vec::new();
        for id in committee {
            let person = config
                .people
                .iter()
                .find(|p| p.id.as_str() == id.as_str())
                .ok_or_else(|| StoreError::invalid("committee", format!("no person {id}")))?;
            let position = held_today(person)
                .first()
                .and_then(|p| title_of(p))
                .unwrap_or_default();
            appointees.push(Appointee {
                name: person.name.as_str().to_owned(),
                position,
            });
        }
        let sign = config
            .routes
            .iter()
            .find(|route| route.kind == "order")
            .map(|route| route.sign.as_str().to_owned())
            .ok_or_else(|| StoreError::invalid("order", "the organisation has no order route"))?;
        let head = config
            .people
            .iter()
            .find(|person| held_today(person).contains(&sign))
            .ok_or_else(|| {
                StoreError::invalid("order", "nobody holds the order's signing position")
            })?;
        let signer = Appointee {
            name: head.name.as_str().to_owned(),
            position: title_of(&sign).unwrap_or_default(),
        };
        let value = committee_order(
            config.organisation.name.as_str(),
            year,
            today,
            &appointees,
            &signer,
        );
        let drafted = saraban_core::Drafted::from_value(value)
            .map_err(|e| StoreError::invalid("committee", e.to_string()))?;
        self.create_document(org, actor, drafted, at).await
    }

    /// The head appoints the committee (a chair and at least two
    /// officials), by an order (คำสั่ง) when one is named.
    pub async fn appoint_destruction_committee(
        &self,
        org: &OrgId,
        actor: &PersonId,
        list: &str,
        committee: &[PersonId],
        order: Option<&DocumentId>,
        at: DateTime<Utc>,
    ) -> Result<DestructionList> {
        let mut people: Vec<String> = Vec::new();
        for person in committee {
            if people.iter().any(|p| p == person.as_str()) {
                return Err(StoreError::invalid(
                    "committee",
                    format!("{person} is named twice"),
                ));
            }
            people.push(person.to_string());
        }
        if people.len() < MIN_COMMITTEE {
            return Err(StoreError::invalid(
                "committee",
                "a chair and at least two officials (ข้อ ๖๗)",
            ));
        }
        let order = order.map(|o| o.to_string());
        let mut tx = self.pool.begin().await?;
        for person in &people {
            ensure_person(&mut tx, org.as_str(), person).await?;
        }
        if let Some(order) = &order {
            let kind: Option<String> =
                sqlx::query_scalar("SELECT kind FROM documents WHERE org_id = $1 AND id = $2")
                    .bind(org.as_str())
                    .bind(order)
                    .fetch_optional(&mut *tx)
                    .await?;
            if kind.as_deref() != Some("order") {
                return Err(StoreError::invalid("order", "no order (คำสั่ง) with this id"));
            }
        }
        tx.commit().await?;
        self.list_step(org, actor, list, COMMITTEE_APPOINTED, at, move |event| {
            Event {
                people: Some(people),
                text: order,
                ..event
            }
        })
        .await
    }

    /// A committee member keeps a listed document longer, saying why.
    pub async fn keep_destruction_item(
        &self,
        org: &OrgId,
        actor: &PersonId,
        list: &str,
        document: &DocumentId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<DestructionList> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "say why it is kept longer"));
        }
        let item = document.to_string();
        self.list_step(org, actor, list, ITEM_KEPT, at, move |event| Event {
            documents: Some(vec![item]),
            text: Some(reason),
            ..event
        })
        .await
    }

    /// The head approves: every item not kept is destroyed, each with its
    /// event. Refused whole, naming the document and the reason, if any
    /// such item is held or no longer due.
    pub async fn approve_destruction_list(
        &self,
        org: &OrgId,
        actor: &PersonId,
        list: &str,
        at: DateTime<Utc>,
    ) -> Result<DestructionList> {
        self.list_step(org, actor, list, LIST_APPROVED, at, |event| event)
            .await
    }

    /// One step of a list's route, its change and event (and, on
    /// approval, the destruction) in one transaction.
    async fn list_step(
        &self,
        org: &OrgId,
        actor: &PersonId,
        list: &str,
        kind: &'static str,
        at: DateTime<Utc>,
        complete: impl FnOnce(Event) -> Event + Send + 'static,
    ) -> Result<DestructionList> {
        let (org_s, actor_s, list_s) = (org.to_string(), actor.to_string(), list.to_owned());
        // The objects of the erased content, deleted once the destruction
        // has committed (a crash before leaves orphans for `saraban gc`).
        let doomed: std::sync::Arc<std::sync::Mutex<Vec<(crate::content::ContentKind, String)>>> =
            Default::default();
        let (content, doomed_in) = (self.content.clone(), doomed.clone());
        self.writers
            .write(&org_s.clone(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    let row = list_row(tx, &org_s, &list_s).await?;
                    let next = step(tx, &org_s, &actor_s, &row, kind, at).await?;
                    let event = complete(records_event(&org_s, kind, &list_s, &actor_s, at));
                    match kind {
                        COMMITTEE_APPOINTED => {
                            sqlx::query(
                                "UPDATE destruction_lists SET committee = $3, order_ref = $4 WHERE org_id = $1 AND id = $2",
                            )
                            .bind(&org_s)
                            .bind(&list_s)
                            .bind(event.people.as_ref().map(|p| p.join(" ")))
                            .bind(event.text.as_deref())
                            .execute(&mut **tx)
                            .await?;
                        }
                        ITEM_KEPT => {
                            let item = event.documents.as_ref().and_then(|d| d.first()).cloned().unwrap_or_default();
                            let kept = sqlx::query(
                                "UPDATE destruction_items SET kept_by = $4, kept_reason = $5
                                  WHERE org_id = $1 AND list_id = $2 AND document_id = $3 AND kept_reason IS NULL",
                            )
                            .bind(&org_s)
                            .bind(&list_s)
                            .bind(&item)
                            .bind(&actor_s)
                            .bind(event.text.as_deref())
                            .execute(&mut **tx)
                            .await?
                            .rows_affected();
                            if kept == 0 {
                                return Err(StoreError::invalid(
                                    "document",
                                    format!("{item} is not on the list, or is kept already"),
                                ));
                            }
                        }
                        LIST_APPROVED => {
                            sqlx::query(sqlx::AssertSqlSafe(timed_for(
                                tx,
                                "UPDATE destruction_lists SET approved_by = $3, approved_at = @ts($4) WHERE org_id = $1 AND id = $2",
                            )))
                            .bind(&org_s)
                            .bind(&list_s)
                            .bind(&actor_s)
                            .bind(&event.at)
                            .execute(&mut **tx)
                            .await?;
                        }
                        _ => {}
                    }
                    sqlx::query("UPDATE destruction_lists SET state = $3 WHERE org_id = $1 AND id = $2")
                        .bind(&org_s)
                        .bind(&list_s)
                        .bind(next.as_str())
                        .execute(&mut **tx)
                        .await?;
                    let at_text = event.at.clone();
                    batch.ledger.push(event, None, None);
                    if kind == LIST_APPROVED {
                        let year = row.try_get::<i64, _>("year")? as i32;
                        let number = row.try_get::<i64, _>("number")? as u32;
                        let mut objects = Vec::new();
                        let destroyed =
                            destroy_items(tx, &content, &mut objects, &org_s, &list_s, year, &at_text).await?;
                        *doomed_in.lock().unwrap_or_else(|e| e.into_inner()) = objects;
                        for (document, subject, erased, version, content_hash) in destroyed {
                            let event = Event {
                                year: Some(year),
                                number: Some(number),
                                text: subject,
                                documents: Some(vec![list_s.clone()]),
                                erased: Some(erased),
                                doc_version: version,
                                content_hash,
                                ..records_event(&org_s, DESTROYED, &document, &actor_s, at)
                            };
                            batch.ledger.push(event, None, None);
                        }
                    }
                    Ok(())
                })
            })
            .await?;
        let doomed = std::mem::take(&mut *doomed.lock().unwrap_or_else(|e| e.into_inner()));
        for (kind, sha256) in doomed {
            self.content.delete(org.as_str(), kind, &sha256).await?;
        }
        self.destruction_list(org, list).await
    }

    /// A list with its counts.
    pub async fn destruction_list(&self, org: &OrgId, list: &str) -> Result<DestructionList> {
        let mut tx = self.pool.begin().await?;
        let row = list_row(&mut tx, org.as_str(), list).await?;
        let counts = item_counts(&mut tx, org.as_str(), list).await?;
        tx.commit().await?;
        list_from(&row, counts)
    }

    /// Every list of the organisation, newest first.
    pub async fn destruction_lists(&self, org: &OrgId) -> Result<Vec<DestructionList>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(self.timed(&format!(
            "SELECT {LIST_COLUMNS} FROM destruction_lists WHERE org_id = $1 ORDER BY year DESC"
        ))))
        .bind(org.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut lists = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let counts = item_counts(&mut tx, org.as_str(), &id).await?;
            lists.push(list_from(&row, counts)?);
        }
        tx.commit().await?;
        Ok(lists)
    }

    /// A page of a list's items in order of register, year and number:
    /// those after the item of document `after`, or the first page.
    pub async fn destruction_items(
        &self,
        org: &OrgId,
        list: &str,
        after: Option<&DocumentId>,
        limit: i64,
    ) -> Result<Vec<DestructionItem>> {
        let postgres = self.backend() == crate::Backend::Postgres;
        let key = match after {
            None => (String::new(), 0, 0, String::new()),
            Some(after) => self.destruction_item_key(org, list, after).await?,
        };
        let query = sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::statement(
            postgres,
            crate::list_queries::DESTRUCTION_ITEMS,
        )))
        .bind(org.as_str())
        .bind(list);
        let rows = bind_key(query, key)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let subject: Option<String> = row.try_get("subject")?;
                let from_content: Option<String> = row.try_get("content_subject")?;
                Ok(DestructionItem {
                    document: row.try_get("document_id")?,
                    kind: row.try_get("kind")?,
                    register: row.try_get("register_id")?,
                    year: row.try_get::<i64, _>("year")? as i32,
                    number: row.try_get("number")?,
                    class: row.try_get("class")?,
                    subject: subject.or(from_content),
                    kept_by: row.try_get("kept_by")?,
                    kept_reason: row.try_get("kept_reason")?,
                    destroyed_at: row.try_get("destroyed_at")?,
                })
            })
            .collect()
    }

    /// How many numbered documents have run out their period by the end
    /// of B.E. `ended` and are on no list yet (held ones apart), and how
    /// many documents are held.
    pub async fn due_for_destruction(&self, org: &OrgId, ended: i32) -> Result<(i64, i64)> {
        let mut tx = self.pool.begin().await?;
        let due = due_items(&mut tx, org.as_str(), "", ended, false).await?;
        let held: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT d.document_id) FROM legal_hold_documents d
               JOIN legal_holds h ON h.org_id = d.org_id AND h.id = d.hold_id
              WHERE d.org_id = $1 AND h.lifted_at IS NULL",
        )
        .bind(org.as_str())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((due, held))
    }
}

/// A document due for the National Archives (บัญชีส่งมอบหนังสือครบ ๒๕ ปี).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferItem {
    pub document: String,
    pub kind: String,
    pub register: Option<String>,
    pub year: i32,
    pub number: Option<i64>,
    pub class: String,
    pub subject: Option<String>,
}

impl Store {
    /// How many items of a list come up to document `item`'s in its order,
    /// that one included: where a page after it starts counting.
    pub async fn destruction_items_through(
        &self,
        org: &OrgId,
        list: &str,
        item: &DocumentId,
    ) -> Result<i64> {
        let key = self.destruction_item_key(org, list, item).await?;
        let query = sqlx::query(crate::list_queries::DESTRUCTION_ITEMS_THROUGH)
            .bind(org.as_str())
            .bind(list);
        let counted = bind_key(query, key).fetch_one(&self.pool).await?;
        Ok(counted.try_get(0)?)
    }

    /// An item's place in its list's order.
    async fn destruction_item_key(
        &self,
        org: &OrgId,
        list: &str,
        item: &DocumentId,
    ) -> Result<(String, i64, i64, String)> {
        let row = sqlx::query(crate::list_queries::DESTRUCTION_ITEM_KEY)
            .bind(org.as_str())
            .bind(list)
            .bind(item.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::invalid("after", format!("{item} is not on list {list}")))?;
        Ok((
            row.try_get("register_key")?,
            row.try_get("year")?,
            row.try_get("number_key")?,
            item.as_str().to_owned(),
        ))
    }

    /// The documents of permanent value whose age reaches the schedule's
    /// transfer age by the end of B.E. `ended`: a page in register order,
    /// those after document `after` (the last of the page before).
    pub async fn transfer_due(
        &self,
        org: &OrgId,
        ended: i32,
        after: Option<&DocumentId>,
        limit: i64,
    ) -> Result<Vec<TransferItem>> {
        let mut tx = self.pool.begin().await?;
        let org = org.as_str();
        // The key of `after` in the list's order: the page goes on from it
        // by the index, not by counting rows off.
        let key: (String, i64, i64, String) = match after {
            None => (String::new(), i64::MIN, i64::MIN, String::new()),
            Some(after) => {
                let row = sqlx::query(
                    "SELECT COALESCE(register_id, '') AS register_key, year, number
                       FROM documents WHERE org_id = $1 AND id = $2 AND number IS NOT NULL",
                )
                .bind(org)
                .bind(after.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::not_found("numbered document", after.as_str()))?;
                (
                    row.try_get("register_key")?,
                    row.try_get("year")?,
                    row.try_get("number")?,
                    after.as_str().to_owned(),
                )
            }
        };
        let (schedule, _) = schedule_in(&mut tx, org).await?;
        let permanent: Vec<&str> = schedule
            .classes
            .iter()
            .filter(|class| class.permanent_value)
            .map(|class| class.id.as_str())
            .collect();
        let pairs = numbered_pairs(&mut tx, org).await?;
        if pairs.is_empty() || permanent.is_empty() {
            return Ok(Vec::new());
        }
        let mut n = 7;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let pair_values: Vec<String> = pairs
            .iter()
            .map(|_| format!("({}, {}, {})", next(), next(), next()))
            .collect();
        let permanent_values: Vec<String> =
            permanent.iter().map(|_| format!("({})", next())).collect();
        let sql = format!(
            "WITH pairs (kind, register_id, class) AS (VALUES {}),
                  permanent (class) AS (VALUES {})
             SELECT d.id, d.kind, d.register_id, d.year, d.number, c.class, {}
               FROM documents d
               JOIN pairs p ON p.kind = d.kind AND COALESCE(p.register_id, '') = COALESCE(d.register_id, '')
               LEFT JOIN document_retention r ON r.org_id = d.org_id AND r.document_id = d.id
               JOIN permanent c ON c.class = COALESCE(r.class, p.class)
              WHERE d.org_id = $1 AND d.number IS NOT NULL AND d.year <= $2
                AND (COALESCE(d.register_id, ''), d.year, d.number, d.id) > ($4, $5, $6, $7)
              ORDER BY COALESCE(d.register_id, ''), d.year, d.number, d.id LIMIT $3",
            pair_values.join(", "),
            permanent_values.join(", "),
            crate::rows::content_of!("d"),
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org)
            .bind(i64::from(ended) - i64::from(schedule.transfer_age))
            .bind(limit);
        let mut query = bind_key(query, key);
        for (kind, register) in &pairs {
            let class = schedule.class_for(kind, register.as_deref()).id.as_str();
            query = query
                .bind(kind.clone())
                .bind(register.clone())
                .bind(class.to_owned());
        }
        for class in &permanent {
            query = query.bind((*class).to_owned());
        }
        let rows = query.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.iter()
            .map(|row| {
                let subject = stored_subject(row.try_get("content")?);
                Ok(TransferItem {
                    document: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    register: row.try_get("register_id")?,
                    year: row.try_get::<i64, _>("year")? as i32,
                    number: row.try_get("number")?,
                    class: row.try_get("class")?,
                    subject,
                })
            })
            .collect()
    }
}

/// The (kind, register) pairs of `org`'s numbered documents: few, so the
/// schedule's class of each is resolved before the statement over them.
async fn numbered_pairs(
    tx: &mut Transaction<'static, Any>,
    org: &str,
) -> Result<Vec<(String, Option<String>)>> {
    sqlx::query(
        "SELECT DISTINCT kind, register_id FROM documents WHERE org_id = $1 AND number IS NOT NULL",
    )
    .bind(org)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("kind")?, row.try_get("register_id")?)))
    .collect()
}

/// The subject of a stored content (none once destroyed: `{}`).
fn stored_subject(content: Option<String>) -> Option<String> {
    content
        .and_then(|content| serde_json::from_str::<Value>(&content).ok())
        .and_then(|value| value["subject"].as_str().map(str::to_owned))
}

async fn item_counts(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    list: &str,
) -> Result<(i64, i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS items, COUNT(kept_reason) AS kept, COUNT(destroyed_at) AS destroyed
           FROM destruction_items WHERE org_id = $1 AND list_id = $2",
    )
    .bind(org)
    .bind(list)
    .fetch_one(&mut **tx)
    .await?;
    Ok((
        row.try_get("items")?,
        row.try_get("kept")?,
        row.try_get("destroyed")?,
    ))
}

/// The documents due for list `list`: inserted as its items, or counted.
/// One statement over the documents, with the schedule's class of each
/// kind and register resolved first (there are few) and each class's last
/// year due.
async fn due_items(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    list: &str,
    ended: i32,
    insert: bool,
) -> Result<i64> {
    let (schedule, _) = schedule_in(tx, org).await?;
    let pairs = numbered_pairs(tx, org).await?;
    let due: Vec<(&str, i64)> = schedule
        .classes
        .iter()
        .filter_map(|class| {
            class
                .years
                .map(|years| (class.id.as_str(), i64::from(ended) - i64::from(years)))
        })
        .collect();
    if pairs.is_empty() || due.is_empty() {
        return Ok(0);
    }
    let mut n = 2;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    // The class of each document is resolved inline (its chosen class, or
    // its kind and register's by a CASE over the few pairs), and each
    // class's last year due likewise: joining the documents to VALUES
    // lists on computed keys made PostgreSQL expect a handful of rows and
    // pick nested-loop anti joins against the held documents (40 s over
    // 1,000,000 documents); with the CASEs it estimates a third and hashes.
    let class_cases: Vec<String> = pairs
        .iter()
        .map(|_| {
            format!(
                "WHEN d.kind = {} AND COALESCE(d.register_id, '') = COALESCE({}, '') THEN {}",
                next(),
                next(),
                next()
            )
        })
        .collect();
    let due_cases: Vec<String> = due
        .iter()
        .map(|_| format!("WHEN {} THEN {}", next(), next()))
        .collect();
    let sql = format!(
        "WITH candidates AS (
           SELECT d.org_id, d.id, d.kind, d.register_id, d.year, d.number,
                  COALESCE(r.class, CASE {} END) AS class
             FROM documents d
             LEFT JOIN document_retention r ON r.org_id = d.org_id AND r.document_id = d.id
            WHERE d.org_id = $1 AND d.number IS NOT NULL
         )
         {}
           FROM candidates c
          WHERE c.year <= CASE c.class {} END
            AND NOT EXISTS (SELECT 1 FROM legal_hold_documents h
                              JOIN legal_holds l ON l.org_id = h.org_id AND l.id = h.hold_id
                             WHERE h.org_id = c.org_id AND h.document_id = c.id AND l.lifted_at IS NULL)
            AND NOT EXISTS (SELECT 1 FROM destruction_items i
                              JOIN destruction_lists l ON l.org_id = i.org_id AND l.id = i.list_id
                             WHERE i.org_id = c.org_id AND i.document_id = c.id
                               AND (i.destroyed_at IS NOT NULL OR l.state <> 'approved'))",
        class_cases.join(" "),
        if insert {
            "INSERT INTO destruction_items (org_id, list_id, document_id, kind, register_id, year, number, class)
             SELECT c.org_id, $2, c.id, c.kind, c.register_id, c.year, c.number, c.class"
        } else {
            "SELECT COUNT(*) AS due, $2 AS list"
        },
        due_cases.join(" "),
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(list);
    for (kind, register) in &pairs {
        let class = schedule.class_for(kind, register.as_deref()).id.as_str();
        query = query
            .bind(kind.clone())
            .bind(register.clone())
            .bind(class.to_owned());
    }
    for (class, last_year) in &due {
        query = query.bind((*class).to_owned()).bind(*last_year);
    }
    if insert {
        Ok(query.execute(&mut **tx).await?.rows_affected() as i64)
    } else {
        Ok(query.fetch_one(&mut **tx).await?.try_get("due")?)
    }
}

/// Erases the content of every item of `list` not kept; each checked
/// first (not held, still due). Returns, per document, its subject, what
/// was erased, its version and content hash.
#[allow(clippy::type_complexity)]
async fn destroy_items(
    tx: &mut Transaction<'static, Any>,
    content: &crate::content::ContentStore,
    doomed: &mut Vec<(crate::content::ContentKind, String)>,
    org: &str,
    list: &str,
    year: i32,
    at: &str,
) -> Result<Vec<(String, Option<String>, Vec<String>, u64, String)>> {
    let (schedule, _) = schedule_in(tx, org).await?;
    let items = sqlx::query(
        "SELECT i.document_id, COALESCE(r.class, i.class) AS class, i.year, d.kind, d.register_id, r.class AS chosen
           FROM destruction_items i
           JOIN documents d ON d.org_id = i.org_id AND d.id = i.document_id
           LEFT JOIN document_retention r ON r.org_id = i.org_id AND r.document_id = i.document_id
          WHERE i.org_id = $1 AND i.list_id = $2 AND i.kept_reason IS NULL ORDER BY i.document_id",
    )
    .bind(org)
    .bind(list)
    .fetch_all(&mut **tx)
    .await?;
    let mut done = Vec::with_capacity(items.len());
    for row in &items {
        let document: String = row.try_get("document_id")?;
        let held = holds_on(tx, org, &document).await?;
        if let Some(hold) = held.first() {
            return Err(StoreError::invalid(
                "document",
                format!(
                    "{document} is held ({}: {}); lift the hold or keep it",
                    hold.id, hold.reason
                ),
            ));
        }
        let chosen: Option<String> = row.try_get("chosen")?;
        let kind: String = row.try_get("kind")?;
        let register: Option<String> = row.try_get("register_id")?;
        let class = chosen.unwrap_or_else(|| {
            schedule
                .class_for(&kind, register.as_deref())
                .id
                .to_string()
        });
        let doc_year = row.try_get::<i64, _>("year")? as i32;
        if let Some(why) = still_due(&schedule, &class, doc_year, year) {
            return Err(StoreError::invalid(
                "document",
                format!("{document} is {why}"),
            ));
        }
        done.push(erase(tx, content, doomed, org, &document, at).await?);
    }
    Ok(done)
}

/// Erases one document's content: its versions, its current text, its
/// issued PDF, and the files it alone names.
async fn erase(
    tx: &mut Transaction<'static, Any>,
    objects: &crate::content::ContentStore,
    doomed: &mut Vec<(crate::content::ContentKind, String)>,
    org: &str,
    document: &str,
    at: &str,
) -> Result<(String, Option<String>, Vec<String>, u64, String)> {
    let row = sqlx::query(concat!(
        "SELECT ",
        crate::rows::content_of!("documents"),
        ", content_hash, version, pdf_hash FROM documents WHERE org_id = $1 AND id = $2"
    ))
    .bind(org)
    .bind(document)
    .fetch_one(&mut **tx)
    .await?;
    let content: String = row.try_get("content")?;
    let content_hash: String = row.try_get("content_hash")?;
    let version = row.try_get::<i64, _>("version")? as u64;
    let pdf: Option<String> = row.try_get("pdf_hash")?;
    let parsed: Value = serde_json::from_str(&content).unwrap_or(Value::Null);
    let subject = parsed["subject"].as_str().map(str::to_owned);
    let mut erased = Vec::new();
    let mut files = Vec::new();
    for version_row in sqlx::query(
        "SELECT version, content, content_hash FROM document_versions WHERE org_id = $1 AND document_id = $2 ORDER BY version",
    )
    .bind(org)
    .bind(document)
    .fetch_all(&mut **tx)
    .await?
    {
        let text: String = version_row.try_get("content")?;
        erased.push(format!(
            "version:{}:{}",
            version_row.try_get::<i64, _>("version")?,
            sha256_hex(text.as_bytes())
        ));
        named_files(
            &serde_json::from_str(&text).unwrap_or(Value::Null),
            &mut files,
        );
    }
    named_files(&parsed, &mut files);
    files.sort();
    files.dedup();
    sqlx::query("DELETE FROM document_versions WHERE org_id = $1 AND document_id = $2")
        .bind(org)
        .bind(document)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE document_contents SET content = '{}' WHERE org_id = $1 AND document_id = $2",
    )
    .bind(org)
    .bind(document)
    .execute(&mut **tx)
    .await?;
    // What the row keeps of the content goes with it.
    sqlx::query(
        "UPDATE documents SET list_subject = NULL, list_urgency = NULL, list_secrecy = NULL
          WHERE org_id = $1 AND id = $2",
    )
    .bind(org)
    .bind(document)
    .execute(&mut **tx)
    .await?;
    // Its search row goes with its text: found by number only, never by
    // what it said.
    crate::search_rows::refresh(tx, org, &[document], &[], &[]).await?;
    use crate::content::ContentKind;
    if let Some(pdf) = pdf {
        let kept: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM pdfs WHERE org_id = $1 AND sha256 = $2")
                .bind(org)
                .bind(&pdf)
                .fetch_optional(&mut **tx)
                .await?;
        // What was erased is told by the hash of the bytes as kept.
        let bytes = match kept {
            Some(_) => objects.get(org, ContentKind::Pdf, &pdf).await?,
            None => None,
        };
        if let Some(bytes) = bytes {
            erased.push(format!("pdf:{}", sha256_hex(&bytes)));
            sqlx::query("DELETE FROM pdfs WHERE org_id = $1 AND sha256 = $2")
                .bind(org)
                .bind(&pdf)
                .execute(&mut **tx)
                .await?;
            doomed.push((ContentKind::Pdf, pdf));
        }
    }
    for file in files {
        // A file another document's version names stays (it is theirs too).
        let shared: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM document_versions WHERE org_id = $1 AND content LIKE $2 LIMIT 1",
        )
        .bind(org)
        .bind(format!("%{file}%"))
        .fetch_optional(&mut **tx)
        .await?;
        let kept: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM enclosure_files WHERE org_id = $1 AND sha256 = $2")
                .bind(org)
                .bind(&file)
                .fetch_optional(&mut **tx)
                .await?;
        let bytes = match (shared, kept) {
            (None, Some(_)) => objects.get(org, ContentKind::Enclosure, &file).await?,
            _ => None,
        };
        if let Some(bytes) = bytes {
            erased.push(format!("file:{}", sha256_hex(&bytes)));
            sqlx::query("DELETE FROM enclosure_files WHERE org_id = $1 AND sha256 = $2")
                .bind(org)
                .bind(&file)
                .execute(&mut **tx)
                .await?;
            doomed.push((ContentKind::Enclosure, file));
        }
    }
    sqlx::query(sqlx::AssertSqlSafe(timed_for(
        tx,
        "UPDATE destruction_items SET destroyed_at = @ts($3), subject = $4 WHERE org_id = $1 AND document_id = $2 AND kept_reason IS NULL AND destroyed_at IS NULL",
    )))
    .bind(org)
    .bind(document)
    .bind(at)
    .bind(subject.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok((document.to_owned(), subject, erased, version, content_hash))
}

/// A list item's place in its list's order (register, B.E. year, number,
/// document), bound as the four parameters a page goes on after.
fn bind_key(
    query: sqlx::query::Query<'_, Any, sqlx::any::AnyArguments>,
    key: (String, i64, i64, String),
) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments> {
    query.bind(key.0).bind(key.1).bind(key.2).bind(key.3)
}
