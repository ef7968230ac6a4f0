//! Receiving (หนังสือรับ): a letter recorded by the registrar, numbered in
//! the receiving register in the same transaction as its `received`
//! event, its original PDF kept byte for byte in `enclosure_files` by its
//! SHA-256 (which the content names, so the event's content hash covers
//! it). From there it runs its route like any document (`act`), is
//! ordered and assigned by the signer, and closed by the assignee.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use saraban_core::clock::{thai_date, thai_time};
use saraban_core::enclosure::{Limits, MediaType, Sha256};
use saraban_core::incoming::{self, Original, PdfType, Received, StampPlace, check_original};
use saraban_core::ledger::{Event, EventHead};
use saraban_core::register::RegisterNumber;
use saraban_core::text::{Line, Paragraph};
use saraban_core::workflow::{ActionKind, Refusal, Standing, decide};
use saraban_core::{BuddhistYear, DocumentId, OrgId, PersonId};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::documents::{ActOutcome, DocumentSummary, summary_of};
use crate::enclosures::{Checked, EnclosureDownload, insert_file};
use crate::error::{Result, StoreError};
use crate::ledger::SeqTicket;
use crate::press::{StampNote, StampedView, press_of};
use crate::reads::{
    AUTHORITIES, ensure_person, load_document, load_route, org_config, register_info,
};
use crate::rows::{stored_number, timed_for};
use crate::store::Store;
use crate::transitions::{NewVersion, allocate, insert_version, numbered, record_version};
use crate::writer::{Batch, Writes};

/// An original file as sent: its bytes and the name it came under.
#[derive(Debug, Clone)]
pub struct OriginalFile {
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

/// A page of the receiving register's year.
#[derive(Debug, Clone)]
pub struct ReceivedPage {
    pub entries: Vec<ReceivedEntry>,
    /// The เลขรับ the next page starts after, if there is one.
    pub next: Option<i64>,
}

/// One letter of the receiving register (ทะเบียนหนังสือรับ).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceivedEntry {
    /// เลขทะเบียนรับ.
    pub number: i64,
    #[schema(value_type = String)]
    pub document_id: DocumentId,
    /// When it was received (RFC 3339, Thai time).
    pub received_at: String,
    /// ที่: the sender's number as typed.
    pub their_number: String,
    /// ลงวันที่ (ISO).
    pub dated: String,
    /// จาก.
    pub from: String,
    /// ถึง.
    pub to: String,
    /// เรื่อง.
    pub subject: String,
    /// การปฏิบัติ: what was done, once closed.
    pub action: Option<String>,
    /// The position or person the order assigned it to.
    pub assigned_to: Option<String>,
    /// หมายเหตุ: the assignee and deadline, and whether it is overdue.
    pub remark: String,
    pub state: String,
    /// The deadline (ISO): the order's, else the sender's.
    pub due: Option<String>,
    /// Not closed by its deadline (today, in Thai time).
    pub overdue: bool,
    /// The destruction list ("1/2568") its content was erased under, if
    /// it was: number, time received and subject stay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destroyed_under: Option<String>,
}

/// A received letter in the inbox: the signer's order, its assignee and
/// deadline (ISO), and whether the deadline has passed unclosed.
#[derive(Debug, Clone)]
pub struct IncomingOrder {
    pub order: Option<String>,
    pub assigned_to: Option<String>,
    pub due: Option<String>,
    pub overdue: bool,
}

/// Not closed, and its deadline (ISO) is before `today`.
fn is_overdue(closed: bool, due: Option<&str>, today: NaiveDate) -> bool {
    !closed
        && due
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_some_and(|d| d < today)
}

/// The refusal of an original, under `file`, nothing stored.
fn refused(message: String) -> StoreError {
    StoreError::invalid("file", message)
}

/// Checks the original off the async threads: a PDF within the limit,
/// neither encrypted nor malformed; described for the content.
async fn checked_original(file: OriginalFile, limits: Limits) -> Result<(Original, Checked)> {
    let base = file
        .filename
        .as_deref()
        .map(|name| name.rsplit(['/', '\\']).next().unwrap_or(name).to_owned());
    let filename = base.as_deref().and_then(|name| Line::parse(name).ok());
    let name = base.unwrap_or_else(|| "ต้นฉบับ".into());
    tokio::task::spawn_blocking(move || {
        let pages = check_original(&file.bytes, &limits, &name).map_err(refused)?;
        let sha256 = Sha256::of(&file.bytes);
        let original = Original {
            sha256: sha256.clone(),
            filename: filename.clone(),
            media_type: PdfType,
            pages,
        };
        let checked = Checked {
            title: Paragraph::parse("ต้นฉบับหนังสือรับ").map_err(StoreError::invariant)?,
            filename,
            media_type: MediaType::Pdf,
            sha256,
            bytes: file.bytes,
        };
        Ok((original, checked))
    })
    .await
    .map_err(StoreError::render)?
}

/// What the receiving register prints of a letter's content.
#[derive(serde::Deserialize)]
struct RegisterFields {
    their_number: String,
    /// ISO, as the content keeps a date.
    date: String,
    from: String,
    to: String,
    subject: String,
    #[serde(default)]
    due: Option<String>,
}

impl RegisterFields {
    /// Read as stored; a content whose dates are not plain ISO text (a
    /// TOML date, say) goes through the checked reading instead.
    fn read(content: &str) -> Result<RegisterFields> {
        if let Ok(fields) = serde_json::from_str(content) {
            return Ok(fields);
        }
        let letter = serde_json::from_str(content)
            .map_err(|e| StoreError::corrupt("content", e))
            .and_then(|value| {
                incoming::incoming_from_value(value).map_err(|e| StoreError::corrupt("content", e))
            })?;
        Ok(RegisterFields {
            their_number: letter.their_number.as_str().to_owned(),
            date: letter.date.iso(),
            from: letter.from.as_str().to_owned(),
            to: letter.to.as_str().to_owned(),
            subject: letter.subject.as_str().to_owned(),
            due: letter.due.map(|due| due.iso()),
        })
    }
}

impl Store {
    /// Records a received letter: by its fields only (a paper letter), or
    /// with its original PDF. Only a holder of (or delegate for) the
    /// incoming route's `issue` position receives. A refusal stores
    /// nothing and gives back no number.
    pub async fn receive_letter(
        &self,
        org: &OrgId,
        actor: &PersonId,
        content: Received,
        original: Option<OriginalFile>,
        at: DateTime<Utc>,
    ) -> Result<DocumentSummary> {
        let (content, file) = match original {
            Some(file) => {
                let (original, checked) = checked_original(file, self.enclosure_limits).await?;
                (content.with_original(original)?, Some(checked))
            }
            None => (content, None),
        };
        self.receive(org, actor, content, file, at).await
    }

    /// Records a letter that came as scanned pages (PNG or JPEG, in
    /// order): the press makes them one PDF, kept as its original.
    pub async fn receive_scans(
        &self,
        org: &OrgId,
        actor: &PersonId,
        content: Received,
        scans: Vec<Vec<u8>>,
        at: DateTime<Utc>,
    ) -> Result<DocumentSummary> {
        let limits = self.enclosure_limits;
        let mut total: u64 = 0;
        for (i, scan) in scans.iter().enumerate() {
            let name = format!("ภาพสแกนหน้าที่ {}", i + 1);
            let size = scan.len() as u64;
            total += size;
            match saraban_core::enclosure::check(scan, &limits) {
                Ok(MediaType::Png | MediaType::Jpeg) => {}
                Ok(_) => {
                    return Err(StoreError::invalid(
                        format!("scans[{i}]"),
                        format!("ไม่รับไฟล์ “{name}” เนื่องจากไม่ใช่ภาพ PNG หรือ JPEG"),
                    ));
                }
                Err(refusal) => {
                    return Err(StoreError::invalid(
                        format!("scans[{i}]"),
                        refusal.message(&name),
                    ));
                }
            }
        }
        if scans.is_empty() {
            return Err(StoreError::invalid("scans", "ไม่มีภาพสแกนสักหน้า"));
        }
        if total > limits.document {
            let refusal = saraban_core::enclosure::Refusal::DocumentTooLarge {
                total,
                limit: limits.document,
            };
            return Err(StoreError::invalid("scans", refusal.message("ภาพสแกน")));
        }
        let press = press_of(self.press.as_ref())?;
        let pdf = tokio::task::spawn_blocking(move || press.scans_to_pdf(&scans))
            .await
            .map_err(StoreError::render)?
            .map_err(|failure| match failure {
                crate::press::ScanFailure::Refused(message) => {
                    StoreError::invalid("scans", message)
                }
                crate::press::ScanFailure::Failed(e) => StoreError::render(e),
            })?;
        let file = OriginalFile {
            filename: Some("scans.pdf".into()),
            bytes: pdf,
        };
        // The assembled PDF is ours: within the document's limit, and no
        // file limit of the sender's applies to it.
        let made = Limits {
            file: limits.document.max(limits.file),
            document: limits.document,
        };
        let (original, checked) = checked_original(file, made).await?;
        self.receive(
            org,
            actor,
            content.with_original(original)?,
            Some(checked),
            at,
        )
        .await
    }

    async fn receive(
        &self,
        org: &OrgId,
        actor: &PersonId,
        content: Received,
        file: Option<Checked>,
        at: DateTime<Utc>,
    ) -> Result<DocumentSummary> {
        let id = uuid::Uuid::now_v7().to_string();
        // The original is stored durably before the event that names it.
        if let Some(file) = &file {
            self.store_file(org.as_str(), file).await?;
        }
        let (org, actor) = (org.as_str().to_owned(), actor.as_str().to_owned());
        self.writers
            .write(&format!("{org}/{id}"), Writes::AsItGoes, move |batch| {
                Box::pin(
                    async move { receive_in(batch, &org, &actor, id, content, file, at).await },
                )
            })
            .await
    }

    /// The receiving register's letters of a B.E. year, by เลขรับ, in one
    /// statement: each letter with the `closed` event that says what was
    /// done (a year of thousands of letters is one round trip).
    pub async fn received_register(
        &self,
        org: &OrgId,
        year: BuddhistYear,
        today: NaiveDate,
    ) -> Result<Vec<ReceivedEntry>> {
        let page = self
            .received_register_page(org, year, today, 0, u32::MAX)
            .await?;
        Ok(page.entries)
    }

    /// At most `limit` letters of the receiving register's year numbered
    /// after `after`, and the number the next page starts after: what a
    /// page shows of a year of thousands.
    pub async fn received_register_page(
        &self,
        org: &OrgId,
        year: BuddhistYear,
        today: NaiveDate,
        after: i64,
        limit: u32,
    ) -> Result<ReceivedPage> {
        let org = org.as_str();
        let mut tx = self.pool.begin().await?;
        let (route, _) = load_route(&mut tx, org, incoming::KIND, None).await?;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::statement(
            tx.backend_name() == "PostgreSQL",
            crate::list_queries::RECEIVED,
        )))
        .bind(org)
        .bind(incoming::KIND)
        .bind(route.register.as_str())
        .bind(i64::from(year.get()))
        .bind(after)
        // One more than asked tells whether there is a next page.
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        // Issuing a reply answers its letter, whatever the letter's state.
        let mut replies = crate::replies::replies_to_rows(&mut tx, org, &rows).await?;
        tx.commit().await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            entries.push(received_entry(&row, &mut replies, today)?);
        }
        let next = match (more, entries.last()) {
            (true, Some(last)) => Some(last.number),
            _ => None,
        };
        Ok(ReceivedPage { entries, next })
    }

    /// What the inbox shows of received letters among `ids`: the order
    /// written when signed, the assignee, the deadline (the order's, else
    /// the sender's) and whether it has passed; one statement.
    pub async fn incoming_orders(
        &self,
        org: &OrgId,
        ids: &[DocumentId],
        today: NaiveDate,
    ) -> Result<HashMap<DocumentId, IncomingOrder>> {
        let mut found = HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT d.id, d.state, {}, d.assigned_to, d.due_on, e.bytes AS signed
               FROM documents d
               LEFT JOIN events e ON e.org_id = d.org_id AND e.document_id = d.id AND e.kind = 'signed'
              WHERE d.org_id = $1 AND d.kind = $2 AND d.id IN ({})",
            crate::rows::content_of!("d"),
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.as_str())
            .bind(incoming::KIND);
        for id in ids {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(&self.pool).await? {
            let id: String = row.try_get("id")?;
            let content: String = row.try_get("content")?;
            let sender_due = serde_json::from_str::<serde_json::Value>(&content)
                .ok()
                .and_then(|v| v.get("due").and_then(|d| d.as_str()).map(str::to_owned));
            let due = row.try_get::<Option<String>, _>("due_on")?.or(sender_due);
            let order = match row.try_get::<Option<Vec<u8>>, _>("signed")? {
                Some(bytes) => {
                    Event::from_canonical(&bytes)
                        .map_err(|e| StoreError::corrupt("event", e))?
                        .text
                }
                None => None,
            };
            let state: String = row.try_get("state")?;
            found.insert(
                crate::rows::stored_id(&id)?,
                IncomingOrder {
                    order,
                    assigned_to: row.try_get("assigned_to")?,
                    overdue: is_overdue(state == "closed", due.as_deref(), today),
                    due,
                },
            );
        }
        Ok(found)
    }

    /// The position that receives letters (the incoming route's `issue`),
    /// if the organisation has an incoming route.
    pub async fn incoming_registrar(&self, org: &OrgId) -> Result<Option<String>> {
        let mut tx = self.pool.begin().await?;
        let route = match load_route(&mut tx, org.as_str(), incoming::KIND, None).await {
            Ok((route, _)) => Some(route.issue.to_string()),
            Err(StoreError::NotFound { .. }) => None,
            Err(error) => return Err(error),
        };
        tx.commit().await?;
        Ok(route)
    }

    /// Puts the receiving stamp at `place` (none: top right) in a new
    /// version, every other field kept: an `edited` event by the
    /// registrar who received it, while it is still with them in draft.
    pub async fn place_stamp(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        place: Option<StampPlace>,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let now = thai_time(at).to_rfc3339();
        let (org, actor, id) = (org.to_string(), actor.to_string(), id.to_string());
        let (mut outcome, ticket) = self
            .writers
            .write(&format!("{org}/{id}"), Writes::AsItGoes, move |batch| {
                Box::pin(async move { place_in(batch, &org, &actor, &id, place, now).await })
            })
            .await?;
        outcome.event_seq = numbered(&ticket)?;
        Ok(outcome)
    }

    /// A received letter's original, byte for byte.
    pub async fn original(&self, org: &OrgId, id: &DocumentId) -> Result<EnclosureDownload> {
        let mut tx = self.pool.begin().await?;
        let (letter, _) = received_letter(&mut tx, org.as_str(), id.as_str()).await?;
        let original = letter
            .original
            .ok_or_else(|| StoreError::not_found("original of", id.as_str()))?;
        let bytes = original_bytes(&self.content, org.as_str(), &original).await?;
        tx.commit().await?;
        Ok(EnclosureDownload {
            media_type: MediaType::Pdf,
            filename: original
                .filename
                .map_or_else(|| "original.pdf".into(), |n| n.as_str().to_owned()),
            bytes,
        })
    }

    /// The stamped view: the original, the receiving stamp (organisation,
    /// เลขรับ, date and time of receipt in the organisation's digits) and
    /// the notes its route gathered, typeset by the press.
    pub async fn stamped_view(&self, org: &OrgId, id: &DocumentId) -> Result<Vec<u8>> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let (letter, doc) = received_letter(&mut tx, org, id).await?;
        let original = letter
            .original
            .as_ref()
            .ok_or_else(|| StoreError::not_found("original of", id))?;
        let bytes = original_bytes(&self.content, org, original).await?;
        let (config, _) = org_config(&mut tx, org).await?;
        let digits = config.organisation.digits;
        let (route, _) = load_route(&mut tx, org, incoming::KIND, Some(doc.route_version)).await?;
        let (pattern, _) = register_info(&mut tx, org, route.register.as_str()).await?;
        let (Some(number), Some(year)) = (doc.number, doc.year) else {
            return Err(StoreError::corrupt("received letter", "without its number"));
        };
        let year = i32::try_from(year)
            .ok()
            .and_then(|y| BuddhistYear::new(y).ok())
            .ok_or_else(|| StoreError::corrupt("register year", year))?;
        let number = RegisterNumber {
            pattern,
            number: stored_number(number)?,
            year,
        }
        .format(digits);
        let received = DateTime::parse_from_rfc3339(&doc.created_at)
            .map_err(|e| StoreError::corrupt("time", e))?;
        let day = saraban_core::ThaiDate::new(received.date_naive())
            .map_err(|e| StoreError::corrupt("time", e))?;
        let time = digits.apply(&received.format("%H.%M น.").to_string());
        let name_of = |person: &str| {
            config
                .people
                .iter()
                .find(|p| p.id.as_str() == person)
                .map_or_else(|| person.to_owned(), |p| p.name.as_str().to_owned())
        };
        let title_of = |position: &str| {
            config
                .positions
                .iter()
                .find(|p| p.id.as_str() == position)
                .map_or_else(|| position.to_owned(), |p| p.title.as_str().to_owned())
        };
        let mut notes = Vec::new();
        for row in sqlx::query(
            "SELECT bytes FROM events WHERE org_id = $1 AND document_id = $2 AND kind IN ('submitted', 'endorsed', 'signed') ORDER BY seq",
        )
        .bind(org)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        {
            let event = Event::from_canonical(&row.try_get::<Vec<u8>, _>("bytes")?)
                .map_err(|e| StoreError::corrupt("event", e))?;
            let Some(text) = event.text.clone() else {
                continue;
            };
            // The registrar submits for no position: as the registrar.
            let position = event.position.as_deref().unwrap_or(route.issue.as_str());
            let day = DateTime::parse_from_rfc3339(&event.at)
                .ok()
                .and_then(|at| saraban_core::ThaiDate::new(at.date_naive()).ok())
                .map(|d| d.abbreviated(digits))
                .unwrap_or_default();
            notes.push(StampNote {
                text,
                name: name_of(&event.actor),
                position: title_of(position),
                date: day,
            });
        }
        tx.commit().await?;
        let view = StampedView {
            original: bytes,
            sha256: original.sha256.to_string(),
            organisation: config.organisation.name.as_str().to_owned(),
            number,
            date: day.abbreviated(digits),
            time,
            position_mm: letter.stamp.map(|s| (s.x_mm, s.y_mm)),
            letter_reference: format!(
                "ที่ {} เรื่อง {}",
                letter.their_number.as_str(),
                letter.subject.as_str()
            ),
            notes,
            words: saraban_core::segment::org_words(&config)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        let press = press_of(self.press.as_ref())?;
        tokio::task::spawn_blocking(move || press.stamp(&view))
            .await
            .map_err(StoreError::render)?
            .map_err(StoreError::render)
    }
}

/// A letter's line of the receiving register from a row of `RECEIVED`'s
/// columns: what was done (the `closed` event, and the replies issued),
/// the assignee and deadline, and whether it is overdue on `today`.
pub(crate) fn received_entry(
    row: &sqlx::any::AnyRow,
    replies: &mut HashMap<String, Vec<crate::replies::Reply>>,
    today: NaiveDate,
) -> Result<ReceivedEntry> {
    let id: String = row.try_get("id")?;
    let content: String = row.try_get("content")?;
    // Destroyed under a list (issue 19): its number and subject
    // stay, marked so; the rest went with its content.
    if let Some(list) = row.try_get::<Option<i64>, _>("list_number")? {
        let list = format!("{list}/{}", row.try_get::<i64, _>("list_year")?);
        return Ok(ReceivedEntry {
            number: row.try_get("number")?,
            document_id: crate::rows::stored_id(&id)?,
            received_at: row.try_get("created_at")?,
            their_number: String::new(),
            dated: String::new(),
            from: String::new(),
            to: String::new(),
            subject: row
                .try_get::<Option<String>, _>("destroyed_subject")?
                .unwrap_or_default(),
            action: None,
            remark: format!("ทำลายแล้วตามบัญชีหนังสือขอทำลาย ฉบับที่ {list}"),
            state: row.try_get("state")?,
            assigned_to: None,
            due: None,
            overdue: false,
            destroyed_under: Some(list),
        });
    }
    // Checked when received; a year's register reads only what it
    // prints, thousands of times over.
    let letter = RegisterFields::read(&content)?;
    let closed = match row.try_get::<Option<Vec<u8>>, _>("closed")? {
        Some(bytes) => {
            Some(Event::from_canonical(&bytes).map_err(|e| StoreError::corrupt("event", e))?)
        }
        None => None,
    };
    // Closed by a reply's issue: the reply's number says what was done.
    let by_reply = closed.as_ref().is_some_and(|e| e.documents.is_some());
    let action = closed.and_then(|e| e.text);
    let answered = replies
        .remove(&id)
        .and_then(|replies| crate::replies::answered(&replies));
    let is_answered = answered.is_some();
    let action = match (action, answered) {
        (Some(_), Some(answered)) if by_reply => Some(answered),
        (Some(done), Some(answered)) => Some(format!("{done}; {answered}")),
        (done, answered) => done.or(answered),
    };
    let state_name: String = row.try_get("state")?;
    let closed = state_name == "closed" || is_answered;
    let assigned: Option<String> = row.try_get("assigned_to")?;
    let due = row.try_get::<Option<String>, _>("due_on")?.or(letter.due);
    let overdue = is_overdue(closed, due.as_deref(), today);
    let mut remark = Vec::new();
    if let Some(to) = &assigned {
        remark.push(format!("มอบ {to}"));
    }
    if let Some(due) = &due {
        remark.push(format!("ภายใน {due}"));
    }
    if overdue {
        remark.push("เกินกำหนด".into());
    }
    Ok(ReceivedEntry {
        number: row.try_get("number")?,
        document_id: crate::rows::stored_id(&id)?,
        received_at: row.try_get("created_at")?,
        their_number: letter.their_number,
        dated: letter.date,
        from: letter.from,
        to: letter.to,
        subject: letter.subject,
        action,
        remark: remark.join(" "),
        state: state_name,
        assigned_to: assigned,
        due,
        overdue,
        destroyed_under: None,
    })
}

/// A received letter's content and row; any other document is not one.
async fn received_letter(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
) -> Result<(incoming::Incoming, crate::rows::DocRow)> {
    let doc = load_document(tx, org, id).await?;
    if doc.kind != incoming::KIND {
        return Err(StoreError::not_found("received letter", id));
    }
    crate::reads::refuse_destroyed(tx, org, &doc).await?;
    let letter = incoming::incoming_from_value((**doc.content()?).clone())
        .map_err(|e| StoreError::corrupt("content", e))?;
    Ok((letter, doc))
}

/// The bytes the content names, checked against its hash.
async fn original_bytes(
    content: &crate::content::ContentStore,
    org: &str,
    original: &Original,
) -> Result<Vec<u8>> {
    let bytes = content
        .get(
            org,
            crate::content::ContentKind::Enclosure,
            original.sha256.as_str(),
        )
        .await?
        .ok_or_else(|| {
            StoreError::corrupt("original", format!("{} is missing", original.sha256))
        })?;
    if Sha256::of(&bytes) != original.sha256 {
        return Err(StoreError::corrupt(
            "original",
            format!("the stored bytes are not {}", original.sha256),
        ));
    }
    Ok(bytes)
}

async fn receive_in(
    batch: &mut Batch,
    org: &str,
    actor: &str,
    id: String,
    content: Received,
    file: Option<Checked>,
    at: DateTime<Utc>,
) -> Result<DocumentSummary> {
    let now = thai_time(at).to_rfc3339();
    let date = thai_date(at).format("%Y-%m-%d").to_string();
    let tx = &mut batch.tx;
    let actor = ensure_person(&mut *tx, org, actor).await?;
    let (route, route_version) = load_route(&mut *tx, org, incoming::KIND, None).await?;
    // Only the registrar of the route receives, as holder or delegate.
    let mut standing = None;
    for row in sqlx::query(AUTHORITIES)
        .bind(org)
        .bind(actor.as_str())
        .bind(&date)
        .fetch_all(&mut **tx)
        .await?
    {
        let position: String = row.try_get("position_id")?;
        let held: String = row.try_get("standing")?;
        if position == route.issue.as_str() {
            let held =
                Standing::from_name(&held).ok_or_else(|| StoreError::corrupt("capacity", &held))?;
            if standing.is_none() || held == Standing::Holder {
                standing = Some(held);
            }
        }
    }
    let Some(standing) = standing else {
        return Err(StoreError::Refused(Refusal::NotYourTurn {
            waiting_for: route.issue.to_string(),
        }));
    };
    let (_, reset) = register_info(&mut *tx, org, route.register.as_str()).await?;
    let year = i64::from(reset.year_of(at).get());
    let number = allocate(&mut *tx, org, route.register.as_str(), year).await?;
    if let Some(file) = &file {
        insert_file(&mut *tx, org, file).await?;
    }
    let (canonical, content_hash) = (content.canonical(), content.content_hash().to_owned());
    let heading = crate::rows::Heading::of_text(canonical)?;
    sqlx::query(sqlx::AssertSqlSafe(timed_for(tx,
        "INSERT INTO documents (org_id, id, kind, state, step, round, drafter_id, route_version, version, list_subject, list_urgency, list_secrecy, content_hash, register_id, year, number, created_at, updated_at)
         VALUES ($1, $2, $3, 'draft', -1, 0, $4, $5, 1, $6, $12, $13, $7, $8, $9, $10, @ts($11), @ts($11))",
    )))
    .bind(org)
    .bind(&id)
    .bind(incoming::KIND)
    .bind(actor.as_str())
    .bind(route_version)
    .bind(heading.subject)
    .bind(&content_hash)
    .bind(route.register.as_str())
    .bind(year)
    .bind(number)
    .bind(&now)
    .bind(heading.urgency)
    .bind(heading.secrecy)
    .execute(&mut **tx)
    .await?;
    insert_version(
        &mut *tx,
        org,
        &id,
        1,
        canonical,
        &content_hash,
        actor.as_str(),
        &now,
    )
    .await?;
    let year =
        i32::try_from(year).map_err(|_| StoreError::invariant("a register year out of range"))?;
    let event = Event {
        route_version: Some(route_version as u32),
        position: Some(route.issue.to_string()),
        capacity: Some(standing.name().to_owned()),
        register: Some(route.register.to_string()),
        year: Some(year),
        number: Some(stored_number(number)?.get()),
        urgency: content
            .incoming()
            .urgency
            .map(|urgency| urgency.wording().to_owned()),
        ..Event::new(EventHead {
            org,
            seq: 0,
            at: now,
            kind: "received",
            document: &id,
            doc_version: 1,
            actor: actor.as_str(),
            content_hash,
        })
    };
    let summary = summary_of(tx, org, &id).await?;
    batch.ledger.push(event, None, None);
    Ok(summary)
}

async fn place_in(
    batch: &mut Batch,
    org: &str,
    actor: &str,
    id: &str,
    place: Option<StampPlace>,
    now: String,
) -> Result<(ActOutcome, SeqTicket)> {
    let tx = &mut batch.tx;
    let doc = load_document(&mut *tx, org, id).await?;
    if doc.kind != incoming::KIND {
        return Err(StoreError::not_found("received letter", id));
    }
    let actor = ensure_person(&mut *tx, org, actor).await?;
    let (route, _) = load_route(&mut *tx, org, &doc.kind, Some(doc.route_version)).await?;
    // Whoever may edit it now, as for any draft: its registrar, in draft.
    let facts = doc.facts(&route, &[], None);
    decide(&facts, &actor, &[], ActionKind::Edit, None)?;
    let mut value = (**doc.content()?).clone();
    let fields = value
        .as_object_mut()
        .ok_or_else(|| StoreError::corrupt("content", "not an object"))?;
    match place {
        Some(place) => {
            fields.insert(
                "stamp".into(),
                serde_json::json!({"x_mm": place.x_mm, "y_mm": place.y_mm}),
            );
        }
        None => {
            fields.remove("stamp");
        }
    }
    let content = Received::from_value(value)?;
    let edit = NewVersion {
        org,
        id,
        actor: actor.as_str(),
        version: doc.version + 1,
        canonical: content.canonical(),
        content_hash: content.content_hash().to_owned(),
        in_reply_to: None,
        now,
    };
    record_version(batch, edit).await
}
