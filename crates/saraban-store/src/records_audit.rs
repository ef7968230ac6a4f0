//! The audit of the records side: the schedules, classes, holds and
//! destruction lists rebuilt from their events and compared with their
//! tables; each destroyed document held to its list (approved, and the
//! document on it and not kept) and to what its events say it had (every
//! version and the issued PDF named as erased), and its content gone.
//! Destroyed documents are reported as such, not as missing content.

use std::collections::{BTreeMap, HashMap, HashSet};

use saraban_core::clock::normal_time;
use saraban_core::finding::FindingClass;
use saraban_core::ledger::{Event, sha256_hex};
use saraban_core::retention::{
    self, CLASS_SET, COMMITTEE_APPOINTED, DESTROYED, HOLD_LIFTED, HOLD_PLACED, ITEM_KEPT,
    LIST_APPROVED, LIST_DRAFTED, ListRole, ListState, SCHEDULE_SET,
};
use sqlx::Row;

use crate::destruction::hash_items;
use crate::{Result, Store};

/// A finding: class, event, document, detail.
pub(crate) type RecordsFinding = (FindingClass, Option<u64>, Option<String>, String);

#[derive(Debug, Default)]
struct ListRebuilt {
    year: i64,
    number: i64,
    items_hash: String,
    state: Option<ListState>,
    committee: Option<String>,
    order: Option<String>,
    drafted: (String, String),
    approved: Option<(String, String)>,
    kept: HashMap<String, (String, String)>,
}

#[derive(Debug)]
struct HoldRebuilt {
    reason: String,
    placed: (String, String),
    documents: Vec<String>,
    lifted: Option<(String, String)>,
}

#[derive(Debug)]
struct DestroyedRebuilt {
    seq: u64,
    list: String,
    label: String,
    actor: String,
    at: String,
    subject: Option<String>,
    erased: Vec<String>,
}

fn projection(found: &mut Vec<RecordsFinding>, document: Option<&str>, detail: String) {
    found.push((
        FindingClass::Projection,
        None,
        document.map(str::to_owned),
        detail,
    ));
}

/// What the records events rebuild, as the log streams by.
#[derive(Debug, Default)]
pub(crate) struct RecordsCheck {
    schedules: Vec<(i64, String, String, String)>,
    classes: HashMap<String, (String, String, String)>,
    holds: BTreeMap<String, HoldRebuilt>,
    lists: BTreeMap<String, ListRebuilt>,
    destroyed: BTreeMap<String, DestroyedRebuilt>,
    found: Vec<RecordsFinding>,
}

impl RecordsCheck {
    fn refused(&mut self, seq: u64, document: &str, detail: String) {
        self.found.push((
            FindingClass::Transition,
            Some(seq),
            Some(document.to_owned()),
            detail,
        ));
    }

    /// Takes one event of the log (any: those not of the records side are
    /// passed over).
    pub(crate) fn observe(&mut self, seq: u64, event: &Event) {
        if !retention::is_records_event(&event.kind) {
            return;
        }
        let who = (event.actor.clone(), normal_time(&event.at));
        let subject = event.document.clone();
        match event.kind.as_str() {
            SCHEDULE_SET => self.schedules.push((
                event.doc_version as i64,
                event.content_hash.clone(),
                event.actor.clone(),
                normal_time(&event.at),
            )),
            CLASS_SET => {
                let class = event.retention.clone().unwrap_or_default();
                self.classes.insert(subject, (class, who.0, who.1));
            }
            HOLD_PLACED => {
                self.holds.insert(
                    subject,
                    HoldRebuilt {
                        reason: event.text.clone().unwrap_or_default(),
                        placed: who,
                        documents: event.documents.clone().unwrap_or_default(),
                        lifted: None,
                    },
                );
            }
            HOLD_LIFTED => match self.holds.get_mut(&subject) {
                Some(hold) if hold.lifted.is_none() => hold.lifted = Some(who),
                _ => self.refused(seq, &subject, "lifts a hold not in force".into()),
            },
            LIST_DRAFTED => {
                self.lists.insert(
                    subject,
                    ListRebuilt {
                        year: i64::from(event.year.unwrap_or_default()),
                        number: i64::from(event.number.unwrap_or_default()),
                        items_hash: event.content_hash.clone(),
                        state: Some(ListState::Drafted),
                        drafted: who,
                        ..ListRebuilt::default()
                    },
                );
            }
            DESTROYED => self.destroyed_event(seq, event),
            kind => {
                let Some(list) = self.lists.get_mut(&subject) else {
                    self.refused(seq, &subject, format!("{kind} of a list never drawn up"));
                    return;
                };
                let member = list
                    .committee
                    .as_deref()
                    .is_some_and(|c| c.split(' ').any(|p| p == event.actor));
                // Who held the registrar's and the head's positions is the
                // live check's; the log holds the order and the committee.
                let mut roles = vec![ListRole::Registrar, ListRole::Head];
                if member {
                    roles.push(ListRole::Member);
                }
                let step = list
                    .state
                    .ok_or(retention::ListRefusal::NotYours("route"))
                    .and_then(|state| retention::list_step(state, kind, &roles));
                match step {
                    Ok(next) => {
                        list.state = Some(next);
                        match kind {
                            COMMITTEE_APPOINTED => {
                                list.committee = event.people.as_ref().map(|p| p.join(" "));
                                list.order = event.text.clone();
                            }
                            ITEM_KEPT => {
                                let item = event
                                    .documents
                                    .as_ref()
                                    .and_then(|d| d.first())
                                    .cloned()
                                    .unwrap_or_default();
                                list.kept
                                    .insert(item, (who.0, event.text.clone().unwrap_or_default()));
                            }
                            LIST_APPROVED => list.approved = Some(who),
                            _ => {}
                        }
                    }
                    Err(refusal) => self.refused(seq, &subject, refusal.to_string()),
                }
            }
        }
    }

    fn destroyed_event(&mut self, seq: u64, event: &Event) {
        let list_id = event
            .documents
            .as_ref()
            .and_then(|d| d.first())
            .cloned()
            .unwrap_or_default();
        let approved = self.lists.get(&list_id).filter(|list| {
            list.state == Some(ListState::Approved) && !list.kept.contains_key(&event.document)
        });
        let Some(list) = approved else {
            self.refused(
                seq,
                &event.document,
                "destroyed without an approved destruction list that keeps it off".into(),
            );
            return;
        };
        let label = format!("{}/{}", list.number, list.year);
        if self.destroyed.contains_key(&event.document) {
            self.refused(seq, &event.document, "destroyed twice".into());
            return;
        }
        self.destroyed.insert(
            event.document.clone(),
            DestroyedRebuilt {
                seq,
                list: list_id,
                label,
                actor: event.actor.clone(),
                at: normal_time(&event.at),
                subject: event.text.clone(),
                erased: event.erased.clone().unwrap_or_default(),
            },
        );
    }

    /// Compares the tables with the rebuild; returns the findings and a
    /// notice per destroyed document.
    pub(crate) async fn finish(
        mut self,
        store: &Store,
        org: &str,
    ) -> Result<(Vec<RecordsFinding>, Vec<String>)> {
        let mut found = std::mem::take(&mut self.found);
        let mut tx = store.pool.begin().await?;

        let rows = sqlx::query(sqlx::AssertSqlSafe(store.timed(
            "SELECT version, definition, definition_hash, set_by, @text(set_at) FROM retention_schedules WHERE org_id = $1 ORDER BY version",
        )))
        .bind(org)
        .fetch_all(&mut *tx)
        .await?;
        if rows.len() != self.schedules.len() {
            projection(
                &mut found,
                None,
                format!(
                    "{} retention schedules are stored, the log set {}",
                    rows.len(),
                    self.schedules.len()
                ),
            );
        }
        for (row, (version, hash, by, at)) in rows.iter().zip(&self.schedules) {
            let definition: String = row.try_get("definition")?;
            let stored = (
                row.try_get::<i64, _>("version")?,
                row.try_get::<String, _>("definition_hash")?,
                row.try_get::<String, _>("set_by")?,
                normal_time(&row.try_get::<String, _>("set_at")?),
            );
            if sha256_hex(definition.as_bytes()) != *hash
                || stored != (*version, hash.clone(), by.clone(), at.clone())
            {
                found.push((
                    FindingClass::ContentModified,
                    None,
                    None,
                    format!("retention schedule {version} is not the one the log set"),
                ));
            }
        }

        let mut classes = std::mem::take(&mut self.classes);
        for row in sqlx::query(sqlx::AssertSqlSafe(store.timed(
            "SELECT document_id, class, set_by, @text(set_at) FROM document_retention WHERE org_id = $1",
        )))
        .bind(org)
        .fetch_all(&mut *tx)
        .await?
        {
            let document: String = row.try_get("document_id")?;
            let stored = (
                row.try_get::<String, _>("class")?,
                row.try_get::<String, _>("set_by")?,
                normal_time(&row.try_get::<String, _>("set_at")?),
            );
            if classes.remove(&document) != Some(stored) {
                projection(
                    &mut found,
                    Some(&document),
                    "its retention class is not the one the log gave it".into(),
                );
            }
        }
        for document in classes.keys() {
            projection(
                &mut found,
                Some(document),
                "the log gave it a retention class its row lacks".into(),
            );
        }

        let mut holds_seen = HashSet::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(store.timed(
            "SELECT id, reason, placed_by, @text(placed_at), lifted_by, @text(lifted_at) FROM legal_holds WHERE org_id = $1",
        )))
        .bind(org)
        .fetch_all(&mut *tx)
        .await?
        {
            let id: String = row.try_get("id")?;
            let documents: Vec<String> = sqlx::query_scalar(
                "SELECT document_id FROM legal_hold_documents WHERE org_id = $1 AND hold_id = $2",
            )
            .bind(org)
            .bind(&id)
            .fetch_all(&mut *tx)
            .await?;
            let mut documents = documents;
            documents.sort();
            let lifted: (Option<String>, Option<String>) =
                (
                row.try_get("lifted_by")?,
                row.try_get::<Option<String>, _>("lifted_at")?
                    .map(|at| normal_time(&at)),
            );
            let same = self.holds.get(&id).is_some_and(|hold| {
                let mut wanted = hold.documents.clone();
                wanted.sort();
                hold.reason == row.try_get::<String, _>("reason").unwrap_or_default()
                    && hold.placed
                        == (
                            row.try_get("placed_by").unwrap_or_default(),
                            normal_time(&row.try_get::<String, _>("placed_at").unwrap_or_default()),
                        )
                    && wanted == documents
                    && hold.lifted.clone().map_or((None, None), |(by, at)| {
                        (Some(by), Some(at))
                    }) == lifted
            });
            if !same {
                projection(&mut found, None, format!("hold {id} is not what the log placed and lifted"));
            }
            holds_seen.insert(id);
        }
        for id in self.holds.keys().filter(|id| !holds_seen.contains(*id)) {
            projection(
                &mut found,
                None,
                format!("hold {id}, which the log placed, has no row"),
            );
        }

        let mut lists_seen = HashSet::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(store.timed(
            "SELECT id, year, number, state, items_hash, committee, order_ref, drafted_by, @text(drafted_at), approved_by, @text(approved_at)
               FROM destruction_lists WHERE org_id = $1",
        )))
        .bind(org)
        .fetch_all(&mut *tx)
        .await?
        {
            let id: String = row.try_get("id")?;
            lists_seen.insert(id.clone());
            let Some(list) = self.lists.get(&id) else {
                projection(&mut found, None, format!("destruction list {id} was drawn up by no event"));
                continue;
            };
            let approved: (Option<String>, Option<String>) =
                (
                row.try_get("approved_by")?,
                row.try_get::<Option<String>, _>("approved_at")?
                    .map(|at| normal_time(&at)),
            );
            let same_row = row.try_get::<i64, _>("year")? == list.year
                && row.try_get::<i64, _>("number")? == list.number
                && Some(row.try_get::<String, _>("state")?.as_str())
                    == list.state.map(ListState::as_str)
                && row.try_get::<Option<String>, _>("committee")? == list.committee
                && row.try_get::<Option<String>, _>("order_ref")? == list.order
                && (
                    row.try_get::<String, _>("drafted_by")?,
                    normal_time(&row.try_get::<String, _>("drafted_at")?),
                ) == list.drafted
                && approved
                    == list
                        .approved
                        .clone()
                        .map_or((None, None), |(by, at)| (Some(by), Some(at)));
            if !same_row {
                projection(
                &mut found,
                    None,
                    format!("destruction list {id} is not what its events rebuild"),
                );
            }
            let (hash, _) = hash_items(&mut tx, org, &id).await?;
            if hash != list.items_hash || row.try_get::<String, _>("items_hash")? != list.items_hash
            {
                found.push((
                    FindingClass::ContentModified,
                    None,
                    None,
                    format!("destruction list {id}: its items are not those it was drawn up with"),
                ));
            }
            for item in sqlx::query(sqlx::AssertSqlSafe(store.timed(
                "SELECT document_id, kept_by, kept_reason, subject, @text(destroyed_at) FROM destruction_items
                  WHERE org_id = $1 AND list_id = $2 AND (kept_reason IS NOT NULL OR destroyed_at IS NOT NULL)",
            )))
            .bind(org)
            .bind(&id)
            .fetch_all(&mut *tx)
            .await?
            {
                let document: String = item.try_get("document_id")?;
                let kept: (Option<String>, Option<String>) =
                    (item.try_get("kept_by")?, item.try_get("kept_reason")?);
                let wanted_kept = list
                    .kept
                    .get(&document)
                    .cloned()
                    .map_or((None, None), |(by, reason)| (Some(by), Some(reason)));
                let destroyed_at: Option<String> = item
                    .try_get::<Option<String>, _>("destroyed_at")?
                    .map(|at| normal_time(&at));
                let wanted = self.destroyed.get(&document).filter(|d| d.list == id);
                let subject: Option<String> = item.try_get("subject")?;
                if kept != wanted_kept
                    || destroyed_at != wanted.map(|d| d.at.clone())
                    || (wanted.is_some() && subject != wanted.and_then(|d| d.subject.clone()))
                {
                    projection(
                &mut found,
                        Some(&document),
                        format!("its item on destruction list {id} is not what the log says"),
                    );
                }
            }
            let marked: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM destruction_items WHERE org_id = $1 AND list_id = $2 AND destroyed_at IS NOT NULL",
            )
            .bind(org)
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
            let destroyed_here = self.destroyed.values().filter(|d| d.list == id).count() as i64;
            let kept_rows: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM destruction_items WHERE org_id = $1 AND list_id = $2 AND kept_reason IS NOT NULL",
            )
            .bind(org)
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
            if marked != destroyed_here || kept_rows != list.kept.len() as i64 {
                projection(
                &mut found,
                    None,
                    format!("destruction list {id}: its items' marks are not what the log says"),
                );
            }
        }
        for id in self.lists.keys().filter(|id| !lists_seen.contains(*id)) {
            projection(
                &mut found,
                None,
                format!("destruction list {id} has no row"),
            );
        }

        let mut notices = Vec::new();
        for (document, destroyed) in &self.destroyed {
            let mut missing_from_event = Vec::new();
            for row in sqlx::query(
                "SELECT bytes FROM events WHERE org_id = $1 AND document_id = $2 AND kind IN ('created', 'edited', 'received', 'issued') ORDER BY seq",
            )
            .bind(org)
            .bind(document)
            .fetch_all(&mut *tx)
            .await?
            {
                let Ok(event) = Event::from_canonical(&row.try_get::<Vec<u8>, _>("bytes")?) else {
                    continue;
                };
                if let Some(pdf) = &event.pdf_hash
                    && !destroyed.erased.contains(&format!("pdf:{pdf}"))
                {
                    missing_from_event.push(format!("its issued PDF {pdf}"));
                }
                if event.kind != "issued" {
                    let erased = format!("version:{}:{}", event.doc_version, event.content_hash);
                    if !destroyed.erased.contains(&erased) {
                        missing_from_event.push(format!("version {}", event.doc_version));
                    }
                }
            }
            if !missing_from_event.is_empty() {
                found.push((
                    FindingClass::Transition,
                    Some(destroyed.seq),
                    Some(document.clone()),
                    format!(
                        "its destruction does not name what it erased: {}",
                        missing_from_event.join(", ")
                    ),
                ));
            }
            let content: Option<String> = sqlx::query_scalar(
                "SELECT content FROM document_contents WHERE org_id = $1 AND document_id = $2",
            )
            .bind(org)
            .bind(document)
            .fetch_optional(&mut *tx)
            .await?;
            let versions: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM document_versions WHERE org_id = $1 AND document_id = $2",
            )
            .bind(org)
            .bind(document)
            .fetch_one(&mut *tx)
            .await?;
            let mut remaining = Vec::new();
            if content.as_deref().is_some_and(|c| c != "{}") {
                remaining.push("its text".to_owned());
            }
            if versions > 0 {
                remaining.push(format!("{versions} versions"));
            }
            for erased in &destroyed.erased {
                if let Some(pdf) = erased.strip_prefix("pdf:") {
                    let kept: Option<i64> =
                        sqlx::query_scalar("SELECT 1 FROM pdfs WHERE org_id = $1 AND sha256 = $2")
                            .bind(org)
                            .bind(pdf)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if kept.is_some() {
                        remaining.push("its issued PDF".into());
                    }
                }
                if let Some(file) = erased.strip_prefix("file:") {
                    let kept: Option<i64> = sqlx::query_scalar(
                        "SELECT 1 FROM enclosure_files WHERE org_id = $1 AND sha256 = $2",
                    )
                    .bind(org)
                    .bind(file)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if kept.is_some() {
                        remaining.push(format!("the file {file}"));
                    }
                }
            }
            if !remaining.is_empty() {
                projection(
                    &mut found,
                    Some(document),
                    format!(
                        "destroyed under list {}, but {} remain",
                        destroyed.label,
                        remaining.join(", ")
                    ),
                );
            }
            notices.push(format!(
                "document {document} was destroyed under destruction list {} (approved by {}, {}): {} objects erased",
                destroyed.label,
                self.lists
                    .get(&destroyed.list)
                    .and_then(|l| l.approved.as_ref())
                    .map_or(destroyed.actor.as_str(), |(by, _)| by.as_str()),
                destroyed.at,
                destroyed.erased.len()
            ));
        }
        tx.commit().await?;
        Ok((found, notices))
    }
}
