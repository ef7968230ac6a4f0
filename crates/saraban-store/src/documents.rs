//! Documents as they stand: one, a list, an inbox, a register's year, the
//! history of events, and PDFs (issued, or a preview). Reads only.

use std::collections::HashMap;

use saraban_core::BuddhistYear;
use saraban_core::document::Urgency;
use saraban_core::register::{NumberPattern, RegisterNumber};
use saraban_core::replay::waiting_positions;
use saraban_core::workflow::{Route, Standing, State};
use saraban_core::{DocumentId, OrgId, PersonId, PositionId};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::list_queries::{self, After, ListedRow};
use crate::press::Composed;
use crate::reads::{
    gathered, inked_images, load_document, load_route, org_config, org_digits, refuse_destroyed,
    register_info, signing_of,
};
use crate::rows::{
    DocRow, stored_document, stored_id, stored_number, stored_person, stored_position,
};
use crate::store::Store;
use saraban_core::Document;
use saraban_core::compose::{Overlay, compose, date_borne};

/// A document as lists and `doc show` present it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentSummary {
    #[schema(value_type = String)]
    pub id: DocumentId,
    pub kind: String,
    pub state: String,
    /// สถานะ in Thai.
    pub state_thai: String,
    /// The review step waited on (from 1), while in review.
    pub step: Option<usize>,
    pub round: i64,
    #[schema(value_type = String)]
    pub drafter: PersonId,
    pub version: i64,
    pub subject: String,
    pub content_hash: String,
    pub register: Option<String>,
    pub year: Option<i64>,
    pub number: Option<i64>,
    /// The number as printed ("ที่ ๔๙๐/๒๕๖๗").
    pub printed_number: Option<String>,
    pub pdf_hash: Option<String>,
    pub cancelled: bool,
    /// The positions whose action the document waits for.
    pub waiting_for: Vec<String>,
    pub route_version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// On the organisation's public board since (RFC 3339, Thai time);
    /// absent when it is not there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActOutcome {
    pub document: DocumentSummary,
    pub event_seq: u64,
}

/// A page of a register's year.
#[derive(Debug, Clone)]
pub struct RegisterPage {
    pub entries: Vec<RegisterEntry>,
    /// The number the next page starts after, if there is one.
    pub next: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub seq: u64,
    pub hash: String,
    pub prev_hash: String,
    /// The event's canonical JSON (RFC 8785), parsed.
    #[schema(value_type = Object)]
    pub event: Value,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterEntry {
    pub number: i64,
    pub printed_number: String,
    #[schema(value_type = String)]
    pub document_id: DocumentId,
    pub subject: String,
    pub state: String,
    pub cancelled: bool,
    pub issued_at: String,
    /// ลงวันที่, as an ISO date: the document's date (an order's is the
    /// date it was signed, as printed).
    pub dated: String,
    /// จาก: a memo's ส่วนราชการ, an order's issuer.
    pub from: String,
    /// ถึง: whom a memo is addressed to (เรียน); an order has no addressee.
    pub to: String,
    /// การปฏิบัติ / ผู้ลงนาม: who signed, and as what ("ปฏิบัติราชการแทน…"
    /// when for another position).
    pub signer: Option<String>,
    /// หมายเหตุ: the reason given when it was cancelled.
    pub cancel_reason: Option<String>,
    /// The destruction list ("1/2568") its content was erased under, if
    /// it was (ทำลายแล้วตามบัญชี …): number, date and subject stay.
    pub destroyed_under: Option<String>,
}

impl DocRow {
    pub(crate) fn summary(
        &self,
        route: Option<&Route>,
        pattern: Option<&NumberPattern>,
        digits: saraban_core::DigitStyle,
    ) -> Result<DocumentSummary> {
        self.listed().summary(route, pattern, digits)
    }

    /// What a list reads of this row.
    fn listed(&self) -> ListedRow {
        ListedRow {
            id: self.id.clone(),
            kind: self.kind.clone(),
            state: self.state,
            round: self.round,
            drafter: self.drafter.clone(),
            route_version: self.route_version,
            version: self.version,
            subject: self.heading.subject.clone().unwrap_or_default(),
            content_hash: self.content_hash.clone(),
            register: self.register.clone(),
            year: self.year,
            number: self.number,
            pdf_hash: self.pdf_hash.clone(),
            cancelled: self.cancelled,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            published_at: self.published_at.clone(),
        }
    }
}

impl ListedRow {
    pub(crate) fn summary(
        &self,
        route: Option<&Route>,
        pattern: Option<&NumberPattern>,
        digits: saraban_core::DigitStyle,
    ) -> Result<DocumentSummary> {
        // The replay's rule, for the step as a whole (a group step's
        // endorsers so far are in the waiting rows); a draft waits for
        // its drafter, whom the rows do not list.
        let waiting_for = match (self.state, route) {
            (State::Draft | State::Returned, _) => vec![format!("drafter:{}", self.drafter)],
            (state, Some(route)) => waiting_positions(state, route, &[]),
            (_, None) => Vec::new(),
        };
        let printed_number = match (self.number, self.year, pattern) {
            (Some(number), Some(year), Some(pattern)) => {
                Some(printed_number(pattern, number, year, digits)?)
            }
            _ => None,
        };
        Ok(DocumentSummary {
            id: stored_id(&self.id)?,
            kind: self.kind.clone(),
            state: self.state.name().to_owned(),
            state_thai: self.state.thai_for(&self.kind).to_owned(),
            step: match self.state {
                State::InReview(k) => Some(k + 1),
                _ => None,
            },
            round: self.round,
            drafter: PersonId::from(self.drafter.clone()),
            version: self.version,
            subject: self.subject.clone(),
            content_hash: self.content_hash.clone(),
            register: self.register.clone(),
            year: self.year,
            number: self.number,
            printed_number,
            pdf_hash: self.pdf_hash.clone(),
            cancelled: self.cancelled,
            waiting_for,
            route_version: self.route_version,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            published_at: self.published_at.clone(),
        })
    }
}

/// A register number as printed ("ที่ ๔๙๐/๒๕๖๗"); a stored number or
/// year that no register could have given is refused, never replaced.
pub(crate) fn printed_number(
    pattern: &NumberPattern,
    number: i64,
    year: i64,
    digits: saraban_core::DigitStyle,
) -> Result<String> {
    let year = i32::try_from(year)
        .ok()
        .and_then(|year| BuddhistYear::new(year).ok())
        .ok_or_else(|| StoreError::corrupt("register year", year))?;
    let printed = RegisterNumber {
        pattern: pattern.clone(),
        number: stored_number(number)?,
        year,
    }
    .format(digits);
    Ok(format!("ที่ {printed}"))
}

/// The issued PDF of a document already read; none before issue.
pub(crate) async fn issued_pdf_of(
    content: &crate::content::ContentStore,
    org: &str,
    doc: &DocRow,
) -> Result<Option<Vec<u8>>> {
    let Some(hash) = &doc.pdf_hash else {
        return Ok(None);
    };
    let bytes = content
        .get(org, crate::content::ContentKind::Pdf, hash)
        .await?
        .ok_or_else(|| StoreError::corrupt("PDF", format!("{hash} is missing")))?;
    Ok(Some(bytes))
}

/// The drafter's content of `doc` at `version`: its own, or a kept one.
async fn content_at(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    doc: &DocRow,
    version: i64,
) -> Result<Value> {
    if version == doc.version {
        Ok((**doc.content()?).clone())
    } else {
        older_version(tx, org, id, version).await
    }
}

/// The content a document had at `version`, from its kept versions.
async fn older_version(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    version: i64,
) -> Result<Value> {
    let content: String = sqlx::query_scalar(
        "SELECT content FROM document_versions WHERE org_id = $1 AND document_id = $2 AND version = $3",
    )
    .bind(org)
    .bind(id)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found("version", version.to_string()))?;
    serde_json::from_str(&content).map_err(|e| StoreError::corrupt("version", e))
}

impl Store {
    /// The document as it stands.
    pub async fn show(&self, org: &OrgId, id: &DocumentId) -> Result<DocumentSummary> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let summary = summary_of(&mut tx, org, id).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// `StoreError::Destroyed` when the document's content was erased
    /// under an approved destruction list (what the API answers 410 for).
    pub async fn refuse_destroyed(&self, org: &OrgId, id: &DocumentId) -> Result<()> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org, id).await?;
        refuse_destroyed(&mut tx, org, &doc).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The drafter's current content.
    pub async fn content(&self, org: &OrgId, id: &DocumentId) -> Result<Value> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org, id).await?;
        refuse_destroyed(&mut tx, org, &doc).await?;
        tx.commit().await?;
        Ok((**doc.content()?).clone())
    }

    /// The drafter's content as it was at two versions (from 1), read
    /// together: what someone acted on, say, and what stands now.
    pub async fn version_contents(
        &self,
        org: &OrgId,
        id: &DocumentId,
        (old, new): (i64, i64),
    ) -> Result<(Value, Value)> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org, id).await?;
        refuse_destroyed(&mut tx, org, &doc).await?;
        let old = content_at(&mut tx, org, id, &doc, old).await?;
        let new = content_at(&mut tx, org, id, &doc, new).await?;
        tx.commit().await?;
        Ok((old, new))
    }

    /// The issued PDF, byte for byte; none before issue.
    pub async fn issued_pdf(&self, org: &OrgId, id: &DocumentId) -> Result<Option<Vec<u8>>> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org, id).await?;
        refuse_destroyed(&mut tx, org, &doc).await?;
        tx.commit().await?;
        issued_pdf_of(&self.content, org, &doc).await
    }

    /// A version of the document composed for the typesetter. The current
    /// version carries what the route has gathered (endorsements, the
    /// signature, the number once issued); an older one is as drafted.
    pub async fn composed(
        &self,
        org: &OrgId,
        id: &DocumentId,
        version: Option<i64>,
    ) -> Result<Composed> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org, id).await?;
        refuse_destroyed(&mut tx, org, &doc).await?;
        let (config, emblem) = org_config(&mut tx, org).await?;
        if let Some(version) = version.filter(|v| *v != doc.version) {
            let content = older_version(&mut tx, org, id, version).await?;
            tx.commit().await?;
            let drafted = stored_document(content)?;
            let document = compose(drafted, &config, &Overlay::default());
            return Ok(Composed::new(document, &config, emblem));
        }
        let prefix = match &doc.register {
            Some(register) => match register_info(&mut tx, org, register).await?.0 {
                NumberPattern::PrefixNumber { prefix } => Some(prefix),
                NumberPattern::NumberYear => None,
            },
            None => None,
        };
        let (route, _) = load_route(&mut tx, org, &doc.kind, Some(doc.route_version)).await?;
        let overlay = Overlay {
            gathered: gathered(&mut tx, org, id, &route).await?,
            number: doc.number.map(stored_number).transpose()?,
            prefix,
            // The public check is printed only on the issued file.
            verification: None,
        };
        let signatures = inked_images(&self.content, org, &overlay.gathered).await?;
        tx.commit().await?;
        let document = compose(
            stored_document((**doc.content()?).clone())?,
            &config,
            &overlay,
        );
        let mut composed = Composed::new(document, &config, emblem);
        composed.signatures = signatures;
        Ok(composed)
    }

    /// A draft composed with its organisation's style, before it is stored.
    pub async fn compose_draft(&self, org: &OrgId, draft: Document) -> Result<Composed> {
        let org = org.as_str();
        let mut tx = self.pool.begin().await?;
        let (config, emblem) = org_config(&mut tx, org).await?;
        tx.commit().await?;
        let document = compose(draft, &config, &Overlay::default());
        Ok(Composed::new(document, &config, emblem))
    }

    /// The organisation's emblem artwork, when it has one.
    pub async fn emblem(&self, org: &OrgId) -> Result<Option<Vec<u8>>> {
        let org = org.as_str();
        let mut tx = self.pool.begin().await?;
        let (_, emblem) = org_config(&mut tx, org).await?;
        tx.commit().await?;
        Ok(emblem)
    }

    /// The document's events, oldest first.
    pub async fn history(&self, org: &OrgId, id: &DocumentId) -> Result<Vec<HistoryEntry>> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        load_document(&mut tx, org, id).await?;
        let rows = sqlx::query("SELECT seq, bytes, prev_hash, hash FROM events WHERE org_id = $1 AND document_id = $2 ORDER BY seq")
            .bind(org)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|row| {
                let bytes: Vec<u8> = row.get("bytes");
                Ok(HistoryEntry {
                    seq: row.get::<i64, _>("seq") as u64,
                    prev_hash: hex::encode(row.get::<Vec<u8>, _>("prev_hash")),
                    hash: hex::encode(row.get::<Vec<u8>, _>("hash")),
                    event: serde_json::from_slice(&bytes)
                        .map_err(|e| StoreError::corrupt("event", e))?,
                })
            })
            .collect()
    }

    /// A register's entries for one B.E. year, in number order: the whole
    /// year, for its CSV and printed register.
    pub async fn register_entries(
        &self,
        org: &OrgId,
        register: &str,
        year: i32,
    ) -> Result<Vec<RegisterEntry>> {
        let page = self.register_page(org, register, year, 0, u32::MAX).await?;
        Ok(page.entries)
    }

    /// At most `limit` entries of a register's year numbered after
    /// `after`, and the number the next page starts after: what a page
    /// shows of a year of thousands, read by the register's number index.
    pub async fn register_page(
        &self,
        org: &OrgId,
        register: &str,
        year: i32,
        after: i64,
        limit: u32,
    ) -> Result<RegisterPage> {
        let org = org.as_str();
        let mut tx = self.reader().await.begin().await?;
        let (pattern, _) = register_info(&mut tx, org, register).await?;
        let (config, _) = org_config(&mut tx, org).await?;
        let postgres = self.backend() == crate::Backend::Postgres;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(list_queries::statement(
            postgres,
            list_queries::REGISTER,
        )))
        .bind(org)
        .bind(register)
        .bind(i64::from(year))
        .bind(after)
        // One more than asked tells whether there is a next page.
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let Some(last) = rows.last().map(|row| row.get::<i64, _>("number")) else {
            tx.commit().await?;
            return Ok(RegisterPage {
                entries: Vec::new(),
                next: None,
            });
        };
        let page_binds = |sql: &str| {
            sqlx::query(sqlx::AssertSqlSafe(list_queries::statement(postgres, sql)))
                .bind(org)
                .bind(register)
                .bind(i64::from(year))
                .bind(after)
                .bind(last)
        };
        let issued_at: HashMap<String, String> = page_binds(list_queries::REGISTER_ISSUED)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|row| -> Result<_> { Ok((row.try_get("document_id")?, row.try_get("at")?)) })
            .collect::<Result<_>>()?;
        let signed_and_cancelled =
            register_actions(&mut tx, page_binds(list_queries::REGISTER_ACTIONS)).await?;
        // Destroyed under a list (issue 19): the entry stays, its subject
        // as the destruction recorded it, its date the signing's.
        let destroyed: HashMap<String, (Option<String>, String)> =
            page_binds(list_queries::REGISTER_DESTROYED)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|row| -> Result<_> {
                    Ok((
                        row.try_get::<String, _>("document_id")?,
                        (
                            row.try_get::<Option<String>, _>("subject")?,
                            format!(
                                "{}/{}",
                                row.try_get::<i64, _>("list_number")?,
                                row.try_get::<i64, _>("list_year")?
                            ),
                        ),
                    ))
                })
                .collect::<Result<_>>()?;
        tx.commit().await?;
        let year = BuddhistYear::new(year).map_err(|e| StoreError::invalid("year", e))?;
        let entries = rows
            .into_iter()
            .map(|row| {
                let number: i64 = row.get("number");
                let id: String = row.get("id");
                let content: Value =
                    serde_json::from_str(&row.get::<String, _>("content")).unwrap_or(Value::Null);
                let acts = signed_and_cancelled.get(&id);
                let signed = acts.and_then(|a| a.signed.as_ref());
                let signing = signed
                    .map(|s| signing_of(&s.at, s.event.as_deref()))
                    .transpose()?;
                let destroyed_under = destroyed.get(&id);
                let document = match destroyed_under {
                    Some(_) => None,
                    None => Some(stored_document(content.clone())?),
                };
                let dated = match &document {
                    Some(document) => date_borne(document, signing).iso(),
                    None => signing.map(|s| s.day.iso()).unwrap_or_default(),
                };
                let (from, to) = match &document {
                    None => ("", ""),
                    Some(document) => match document {
                        Document::Memo(memo) => (memo.unit.as_str(), memo.to.as_str()),
                        Document::Order(order) => (order.authority.as_str(), ""),
                        Document::Letter(letter) => (
                            letter.agency.as_str().lines().next().unwrap_or_default(),
                            letter.to.as_str(),
                        ),
                        Document::Stamped(stamped) => {
                            (stamped.agency.as_str(), stamped.to.as_str())
                        }
                        Document::Announcement(announcement) => (announcement.issuer.as_str(), ""),
                    },
                };
                let (from, to) = (from.to_owned(), to.to_owned());
                Ok(RegisterEntry {
                    dated,
                    from,
                    to,
                    signer: signed.map(|signed| signer_wording(&config, signed)),
                    cancel_reason: acts
                        .and_then(|a| a.cancelled.as_ref())
                        .and_then(|c| c.text.clone()),
                    number,
                    printed_number: printed_number(
                        &pattern,
                        number,
                        i64::from(year.get()),
                        config.organisation.digits,
                    )?,
                    subject: match destroyed_under {
                        Some((subject, _)) => subject.clone().unwrap_or_default(),
                        None => content
                            .get("subject")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    },
                    destroyed_under: destroyed_under.map(|(_, list)| list.clone()),
                    state: row.get("state"),
                    cancelled: row.get::<Option<String>, _>("cancelled_at").is_some(),
                    issued_at: issued_at.get(&id).cloned().unwrap_or_default(),
                    document_id: stored_id(&id)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RegisterPage {
            next: more.then_some(last),
            entries,
        })
    }

    /// A page of an organisation's documents, latest first, optionally in
    /// one state: those after `after` (a page's last, `After::text_of`),
    /// or the first page.
    pub async fn list_documents(
        &self,
        org: &OrgId,
        state: Option<&str>,
        limit: i64,
        after: Option<&After>,
    ) -> Result<Vec<DocumentSummary>> {
        let org = org.as_str();
        let first = After::first();
        let after = after.unwrap_or(&first);
        let postgres = self.backend() == crate::Backend::Postgres;
        let mut tx = self.reader().await.begin().await?;
        let rows = match state {
            None => {
                sqlx::query(sqlx::AssertSqlSafe(list_queries::statement(
                    postgres,
                    list_queries::DOCUMENTS,
                )))
                .bind(org)
                .bind(after.updated_at.as_str())
                .bind(after.id.as_str())
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
            }
            Some(state) => {
                sqlx::query(sqlx::AssertSqlSafe(list_queries::statement(
                    postgres,
                    list_queries::DOCUMENTS_IN_STATE,
                )))
                .bind(org)
                .bind(after.updated_at.as_str())
                .bind(after.id.as_str())
                .bind(state)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        let out = Summariser::of(org).rows(&mut tx, &rows).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The inbox of `person` who holds `positions` today: documents waiting
    /// for one of them (oldest first), their drafts, and what they sent.
    pub async fn inbox(
        &self,
        org: &OrgId,
        person: &PersonId,
        positions: &[PositionId],
        limit: i64,
    ) -> Result<Inbox> {
        let (org, person) = (org.as_str(), person.as_str());
        let postgres = self.backend() == crate::Backend::Postgres;
        let mut tx = self.reader().await.begin().await?;
        let waiting_rows = if positions.is_empty() {
            Vec::new()
        } else {
            let sql = list_queries::statement(postgres, &list_queries::waiting(positions.len()));
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(limit);
            for position in positions {
                query = query.bind(position.as_str());
            }
            query.fetch_all(&mut *tx).await?
        };
        let draft_rows = sqlx::query(sqlx::AssertSqlSafe(list_queries::statement(
            postgres,
            list_queries::DRAFTS,
        )))
        .bind(org)
        .bind(person)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let sent_rows = sqlx::query(sqlx::AssertSqlSafe(list_queries::statement(
            postgres,
            list_queries::SENT,
        )))
        .bind(org)
        .bind(person)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut summariser = Summariser::of(org);
        let inbox = Inbox {
            waiting: summariser.rows(&mut tx, &waiting_rows).await?,
            drafts: summariser.rows(&mut tx, &draft_rows).await?,
            sent: summariser.rows(&mut tx, &sent_rows).await?,
        };
        tx.commit().await?;
        Ok(inbox)
    }

    /// The urgency (ด่วน, ด่วนมาก, ด่วนที่สุด) of each listed document that has one.
    pub async fn urgencies(
        &self,
        org: &OrgId,
        ids: &[DocumentId],
    ) -> Result<HashMap<DocumentId, String>> {
        let org = org.as_str();
        let mut found = HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let sql = list_queries::statement(
            self.backend() == crate::Backend::Postgres,
            &list_queries::urgencies(ids.len()),
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
        for id in ids {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(&self.pool).await? {
            let urgency = row.try_get::<Option<String>, _>("urgency")?;
            if let Some(urgency) =
                urgency.and_then(|u| serde_json::from_value::<Urgency>(Value::String(u)).ok())
            {
                found.insert(
                    stored_id(&row.try_get::<String, _>("id")?)?,
                    urgency.wording().to_owned(),
                );
            }
        }
        Ok(found)
    }
}

impl Store {
    /// The latest return (ส่งคืนแก้ไข) of each listed document that was ever
    /// returned: who returned it, as what, when and why. The drafter's inbox
    /// and edit page show it.
    pub async fn returns(
        &self,
        org: &OrgId,
        ids: &[DocumentId],
    ) -> Result<HashMap<DocumentId, ReturnNote>> {
        let org = org.as_str();
        let mut found: HashMap<DocumentId, ReturnNote> = HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        // Oldest first, so that each document keeps its newest return.
        let sql = format!(
            "SELECT document_id, actor_id, position_id, text, @text(at) FROM actions
              WHERE org_id = $1 AND kind = 'return' AND document_id IN ({}) ORDER BY seq",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.timed(&sql))).bind(org);
        for id in ids {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(&self.pool).await? {
            found.insert(
                stored_id(&row.try_get::<String, _>("document_id")?)?,
                ReturnNote {
                    by: stored_person(&row.try_get::<String, _>("actor_id")?)?,
                    position: row
                        .try_get::<Option<String>, _>("position_id")?
                        .as_deref()
                        .map(stored_position)
                        .transpose()?,
                    at: row.try_get("at")?,
                    reason: row
                        .try_get::<Option<String>, _>("text")?
                        .unwrap_or_default(),
                },
            );
        }
        Ok(found)
    }
}

/// A document's return for revision, as its drafter is told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnNote {
    /// The person who returned it.
    pub by: PersonId,
    /// The position they returned it as.
    pub position: Option<PositionId>,
    /// When (RFC 3339, Thai time).
    pub at: String,
    /// The reason they gave.
    pub reason: String,
}

/// One action of the register's columns: who, as what, when, and the text.
struct RegisterAction {
    actor: String,
    position: Option<String>,
    standing: Option<String>,
    text: Option<String>,
    at: String,
    /// A signature's event bytes (none for a cancellation).
    event: Option<Vec<u8>>,
}

/// The last signature and the cancellation of a document in a register.
#[derive(Default)]
struct RegisterActions {
    signed: Option<RegisterAction>,
    cancelled: Option<RegisterAction>,
}

/// The signatures and cancellations of a register's year, by document.
async fn register_actions(
    tx: &mut Transaction<'static, Any>,
    query: sqlx::query::Query<'_, Any, sqlx::any::AnyArguments>,
) -> Result<HashMap<String, RegisterActions>> {
    let rows = query.fetch_all(&mut **tx).await?;
    let mut found: HashMap<String, RegisterActions> = HashMap::new();
    for row in rows {
        let action = RegisterAction {
            actor: row.try_get("actor_id")?,
            position: row.try_get("position_id")?,
            standing: row.try_get("standing")?,
            text: row.try_get("text")?,
            at: row.try_get("at")?,
            event: row.try_get("sign_event")?,
        };
        let entry = found.entry(row.try_get("document_id")?).or_default();
        // Oldest first: the last signature is the one printed.
        if row.try_get::<String, _>("kind")? == "sign" {
            entry.signed = Some(action);
        } else {
            entry.cancelled = Some(action);
        }
    }
    Ok(found)
}

/// "นายกนก ใจรักษ์ (นายก…)", or "(ปฏิบัติราชการแทนนายก…)" when signed for another.
fn signer_wording(config: &saraban_core::org::OrgConfig, signed: &RegisterAction) -> String {
    let name = config
        .people
        .iter()
        .find(|p| p.id.as_str() == signed.actor)
        .map(|p| p.name.as_str().to_owned())
        .unwrap_or_else(|| signed.actor.clone());
    let Some(position) = &signed.position else {
        return name;
    };
    let title = config
        .positions
        .iter()
        .find(|p| p.id.as_str() == position)
        .map(|p| p.title.as_str().to_owned())
        .unwrap_or_else(|| position.clone());
    let capacity = match signed.standing.as_deref().and_then(Standing::from_name) {
        Some(Standing::Delegate(capacity)) => capacity.wording(),
        _ => "",
    };
    format!("{name} ({capacity}{title})")
}

/// The summary of one document as it now stands in the transaction.
pub(crate) async fn summary_of(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
) -> Result<DocumentSummary> {
    let doc = load_document(tx, org, id).await?;
    let mut one = Summariser::of(org)
        .summarise(tx, vec![doc.listed()])
        .await?;
    Ok(one.pop().expect("one document in, one summary out"))
}

/// Turns one organisation's listed rows into summaries. It reads the
/// organisation's digit style, and each route version and register pattern
/// the rows name, once for all the lists it serves: the inbox's three
/// lists share one.
struct Summariser<'a> {
    org: &'a str,
    digits: Option<saraban_core::DigitStyle>,
    routes: HashMap<(String, i64), Route>,
    patterns: HashMap<String, NumberPattern>,
}

impl<'a> Summariser<'a> {
    fn of(org: &'a str) -> Self {
        Self {
            org,
            digits: None,
            routes: HashMap::new(),
            patterns: HashMap::new(),
        }
    }

    /// Summaries of a list's rows, as `list_queries::LISTED` selects them.
    async fn rows(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        rows: &[AnyRow],
    ) -> Result<Vec<DocumentSummary>> {
        let docs = rows
            .iter()
            .map(ListedRow::from_row)
            .collect::<Result<Vec<_>>>()?;
        self.summarise(tx, docs).await
    }

    async fn summarise(
        &mut self,
        tx: &mut Transaction<'static, Any>,
        docs: Vec<ListedRow>,
    ) -> Result<Vec<DocumentSummary>> {
        let org = self.org;
        let digits = match self.digits {
            Some(digits) => digits,
            None => *self.digits.insert(org_digits(tx, org).await?),
        };
        let mut out = Vec::with_capacity(docs.len());
        for doc in docs {
            let key = (doc.kind.clone(), doc.route_version);
            if !self.routes.contains_key(&key) {
                let (route, _) = load_route(tx, org, &doc.kind, Some(doc.route_version)).await?;
                self.routes.insert(key.clone(), route);
            }
            if let Some(register) = &doc.register
                && !self.patterns.contains_key(register)
            {
                let pattern = register_info(tx, org, register).await?.0;
                self.patterns.insert(register.clone(), pattern);
            }
            let pattern = doc.register.as_ref().and_then(|r| self.patterns.get(r));
            out.push(doc.summary(self.routes.get(&key), pattern, digits)?);
        }
        Ok(out)
    }
}

/// What waits for a person, their drafts, and what they sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub waiting: Vec<DocumentSummary>,
    pub drafts: Vec<DocumentSummary>,
    pub sent: Vec<DocumentSummary>,
}
