//! Documents and the transitions of their route. Each transition runs in a
//! batch of the group-commit writer (`writer`), so a transition, its
//! register number and its event commit together.

use chrono::{DateTime, Datelike, Utc};
use saraban_core::clock::{YearReset, thai_date, thai_time};
use saraban_core::document::document_from_value;
use saraban_core::ledger::{Event, EventHead, sha256_hex};
use saraban_core::org::{OrgConfig, Slug};
use saraban_core::register::{NumberPattern, RegisterNumber};
use saraban_core::workflow::{ActionKind, Authority, Facts, Route, Standing, State, decide};
use saraban_core::{BuddhistYear, ThaiDate};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::compose::{Gathered, Overlay, compose};
use crate::ledger::SeqTicket;
use crate::route_changes::{ActionRow, RouteChange, WaitingMove, typed_values};
use crate::writer::{Batch, Writes};
use crate::{Result, Store, StoreError};

const DOCUMENT_COLUMNS: &str = "SELECT id, kind, state, step, round, drafter_id, route_version, version, content, content_hash, \
     register_id, year, number, pdf_hash, cancelled_at, created_at, updated_at FROM documents";

/// A document as lists and `doc show` present it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentSummary {
    pub id: String,
    pub kind: String,
    pub state: String,
    /// สถานะ in Thai.
    pub state_thai: String,
    /// The review step waited on (from 1), while in review.
    pub step: Option<usize>,
    pub round: i64,
    pub drafter: String,
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
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActOutcome {
    pub document: DocumentSummary,
    pub event_seq: u64,
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
    pub document_id: String,
    pub subject: String,
    pub state: String,
    pub cancelled: bool,
    pub issued_at: String,
}

#[derive(Debug, Clone)]
pub(crate) struct DocRow {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) state: State,
    pub(crate) round: i64,
    pub(crate) drafter: Slug,
    pub(crate) route_version: i64,
    pub(crate) version: i64,
    /// Shared: a transition copies the row it read, not its content.
    pub(crate) content: std::sync::Arc<Value>,
    pub(crate) content_hash: String,
    pub(crate) register: Option<String>,
    pub(crate) year: Option<i64>,
    pub(crate) number: Option<i64>,
    pub(crate) pdf_hash: Option<String>,
    pub(crate) cancelled: bool,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

impl DocRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        let state_name: String = row.get(2);
        let step: i64 = row.get(3);
        let state = State::from_parts(&state_name, step)
            .ok_or_else(|| StoreError::corrupt("state", &state_name))?;
        let content: String = row.get(8);
        Ok(DocRow {
            id: row.get(0),
            kind: row.get(1),
            state,
            round: row.get(4),
            drafter: Slug::parse(&row.get::<String, _>(5)).map_err(|e| StoreError::corrupt("drafter", e))?,
            route_version: row.get(6),
            version: row.get(7),
            content: serde_json::from_str(&content)
                .map(std::sync::Arc::new)
                .map_err(|e| StoreError::corrupt("content", e))?,
            content_hash: row.get(9),
            register: row.get(10),
            year: row.get(11),
            number: row.get(12),
            pdf_hash: row.get(13),
            cancelled: row.get::<Option<String>, _>(14).is_some(),
            created_at: row.get(15),
            updated_at: row.get(16),
        })
    }

    fn summary(
        &self,
        route: Option<&Route>,
        pattern: Option<&NumberPattern>,
        digits: saraban_core::DigitStyle,
    ) -> DocumentSummary {
        let waiting_for = match (self.state, route) {
            (State::InReview(k), Some(route)) => route
                .review
                .get(k)
                .map(|s| s.positions.iter().map(|p| p.to_string()).collect())
                .unwrap_or_default(),
            (State::AwaitingSignature, Some(route)) => vec![route.sign.to_string()],
            (State::Signed, Some(route)) => vec![route.issue.to_string()],
            (State::Draft | State::Returned, _) => vec![format!("drafter:{}", self.drafter)],
            _ => Vec::new(),
        };
        let printed_number = match (self.number, self.year, pattern) {
            (Some(number), Some(year), Some(pattern)) => Some(format!(
                "ที่ {}",
                RegisterNumber {
                    pattern: pattern.clone(),
                    number: std::num::NonZeroU32::new(number as u32)
                        .unwrap_or(std::num::NonZeroU32::MIN),
                    year: BuddhistYear::new(year as i32)
                        .unwrap_or_else(|_| BuddhistYear::new(2500).expect("valid")),
                }
                .format(digits)
            )),
            _ => None,
        };
        DocumentSummary {
            id: self.id.clone(),
            kind: self.kind.clone(),
            state: self.state.name().to_owned(),
            state_thai: self.state.thai().to_owned(),
            step: match self.state {
                State::InReview(k) => Some(k + 1),
                _ => None,
            },
            round: self.round,
            drafter: self.drafter.to_string(),
            version: self.version,
            subject: self
                .content
                .get("subject")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
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
        }
    }
}

/// The canonical bytes of a document's content and their hash.
fn canonical_content(content: &Value) -> Result<(String, String)> {
    let bytes = serde_jcs::to_vec(content).map_err(|e| StoreError::invalid("content", e.to_string()))?;
    let hash = sha256_hex(&bytes);
    Ok((String::from_utf8(bytes).expect("JSON is UTF-8"), hash))
}

/// Checks content as a document of `kind` before it is stored.
fn check_content(content: &Value, kind: Option<&str>) -> Result<String> {
    let document = document_from_value(content.clone())?;
    if let Some(kind) = kind
        && document.kind() != kind
    {
        return Err(StoreError::invalid(
            "kind",
            format!("a {kind} cannot become a {}", document.kind()),
        ));
    }
    Ok(document.kind().to_owned())
}

pub(crate) async fn load_document(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
) -> Result<DocRow> {
    let sql = format!("{DOCUMENT_COLUMNS} WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("document", id))?;
    DocRow::from_row(&row)
}

/// Documents' columns with their route version's definition and the
/// actor's authorities on the day: all a transition decides on. `WANTED`
/// becomes the VALUES rows (document, person, ISO date) asked for.
const DOCUMENT_ROUTE_AND_AUTHORITIES: &str = "SELECT d.id, d.kind, d.state, d.step, d.round, d.drafter_id, d.route_version, d.version, d.content,
                d.content_hash, d.register_id, d.year, d.number, d.pdf_hash, d.cancelled_at, d.created_at,
                d.updated_at, r.definition, (SELECT string_agg(a.position_id || ' ' || a.standing, ',') FROM (AUTHORITIES) a)
           FROM (VALUES WANTED) AS w
           JOIN documents d ON d.org_id = $1 AND d.id = w.column1
           JOIN routes r ON r.org_id = d.org_id AND r.kind = d.kind AND r.version = d.route_version";

/// `DOCUMENT_ROUTE_AND_AUTHORITIES` for `rows` documents of one
/// organisation ($1).
fn documents_routes_and_authorities(rows: usize, lock: bool) -> String {
    let authorities = AUTHORITIES
        .replace("$3", "w.column3")
        .replace("$2", "w.column2");
    let mut sql = DOCUMENT_ROUTE_AND_AUTHORITIES
        .replace("AUTHORITIES", &authorities)
        .replace("WANTED", &typed_values(rows, &["TEXT"; 3], 2));
    // Rows are locked in this order: two processes locking overlapping
    // sets of documents never wait on each other in a circle.
    sql.push_str(" ORDER BY d.id");
    if lock {
        sql.push_str(" FOR UPDATE OF d");
    }
    sql
}

/// What a transition read of its document: the row, its route version and
/// the actor's authorities.
pub(crate) type DocumentRead = (DocRow, Route, Vec<Authority>);

fn document_read_from(row: &AnyRow) -> Result<DocumentRead> {
    let route: Route = serde_json::from_str(&row.get::<String, _>(17))
        .map_err(|e| StoreError::corrupt("route", e))?;
    let held: Option<String> = row.get(18);
    let authorities = authorities_from(
        held.iter()
            .flat_map(|list| list.split(','))
            .filter_map(|pair| pair.split_once(' ')),
    )?;
    Ok((DocRow::from_row(row)?, route, authorities))
}

/// A document, the version of its route it follows and the actor's
/// authorities, in one round trip (a transition needs all three).
pub(crate) async fn load_document_and_route(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    actor: &str,
    date: &str,
    lock: bool,
) -> Result<DocumentRead> {
    let wanted = WantedDocument {
        org: org.to_owned(),
        id: id.to_owned(),
        actor: actor.to_owned(),
        date: date.to_owned(),
    };
    read_documents(tx, &[wanted], lock)
        .await?
        .remove(&(org.to_owned(), id.to_owned()))
        .ok_or_else(|| StoreError::not_found("document", id))
}

/// What a route action will read, asked for before its batch runs.
#[derive(Debug, Clone)]
pub(crate) struct WantedDocument {
    pub(crate) org: String,
    pub(crate) id: String,
    pub(crate) actor: String,
    /// The day of the action (ISO), for the actor's authorities.
    pub(crate) date: String,
}

/// Reads the documents a batch's route actions act on, an organisation's
/// at a time (locked on PostgreSQL, as each transition would), keyed by
/// organisation and document. A document not found is left out; its
/// transition reads it again and reports it.
pub(crate) async fn read_documents(
    tx: &mut Transaction<'static, Any>,
    wanted: &[WantedDocument],
    lock: bool,
) -> Result<std::collections::HashMap<(String, String), DocumentRead>> {
    let mut found = std::collections::HashMap::new();
    let mut orgs: Vec<&str> = wanted.iter().map(|w| w.org.as_str()).collect();
    orgs.sort_unstable();
    orgs.dedup();
    for org in orgs {
        let of_org: Vec<&WantedDocument> = wanted.iter().filter(|w| w.org == org).collect();
        let sql = documents_routes_and_authorities(of_org.len(), lock);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_owned());
        for w in &of_org {
            query = query
                .bind(w.id.clone())
                .bind(w.actor.clone())
                .bind(w.date.clone());
        }
        for row in query.fetch_all(&mut **tx).await? {
            let read = document_read_from(&row)?;
            found.insert((org.to_owned(), read.0.id.clone()), read);
        }
    }
    Ok(found)
}

async fn load_route(
    executor: &mut Transaction<'static, Any>,
    org: &str,
    kind: &str,
    version: Option<i64>,
) -> Result<(Route, i64)> {
    let row = match version {
        Some(version) => sqlx::query("SELECT definition, version FROM routes WHERE org_id = $1 AND kind = $2 AND version = $3")
            .bind(org)
            .bind(kind)
            .bind(version)
            .fetch_optional(&mut **executor)
            .await?,
        None => sqlx::query("SELECT definition, version FROM routes WHERE org_id = $1 AND kind = $2 ORDER BY version DESC LIMIT 1")
            .bind(org)
            .bind(kind)
            .fetch_optional(&mut **executor)
            .await?,
    }
    .ok_or_else(|| StoreError::not_found("route for", kind))?;
    let route: Route = serde_json::from_str(&row.get::<String, _>(0))
        .map_err(|e| StoreError::corrupt("route", e))?;
    Ok((route, row.get(1)))
}

async fn ensure_person(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    person: &str,
) -> Result<Slug> {
    let found = sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND id = $2")
        .bind(org)
        .bind(person)
        .fetch_optional(&mut **tx)
        .await?;
    match (found, Slug::parse(person)) {
        (Some(_), Ok(slug)) => Ok(slug),
        _ => Err(StoreError::not_found("person", person)),
    }
}

/// Positions a person ($2) of an organisation ($1) holds or acts for on a
/// date ($3, ISO): held, or delegated by a record that covers the date.
pub(crate) const AUTHORITIES: &str = "SELECT position_id, 'holder' AS standing FROM holdings
       WHERE org_id = $1 AND person_id = $2 AND from_date <= $3 AND (to_date IS NULL OR to_date >= $3)
     UNION ALL
     SELECT position_id, capacity FROM delegations
       WHERE org_id = $1 AND delegate_id = $2 AND from_date <= $3 AND to_date >= $3";

/// The positions a person may act for, from (position, standing) pairs:
/// held, or delegated by a record that covers the date.
fn authorities_from<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Vec<Authority>> {
    let mut found: Vec<Authority> = Vec::new();
    for (position, standing) in pairs {
        let position = Slug::parse(position).map_err(|e| StoreError::corrupt("position", e))?;
        let standing = Standing::from_name(standing)
            .ok_or_else(|| StoreError::corrupt("capacity", standing))?;
        // Holding a position beats acting for it.
        if let Some(existing) = found.iter_mut().find(|a| a.position == position) {
            if standing == Standing::Holder {
                existing.standing = standing;
            }
        } else {
            found.push(Authority { position, standing });
        }
    }
    Ok(found)
}

pub(crate) async fn org_config(
    tx: &mut Transaction<'static, Any>,
    org: &str,
) -> Result<(OrgConfig, Option<Vec<u8>>)> {
    let row = sqlx::query("SELECT config, emblem FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", org))?;
    let config = serde_json::from_str(&row.get::<String, _>(0))
        .map_err(|e| StoreError::corrupt("configuration", e))?;
    Ok((config, row.get(1)))
}

pub(crate) async fn register_info(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    register: &str,
) -> Result<(NumberPattern, YearReset)> {
    let row = sqlx::query("SELECT pattern, reset FROM registers WHERE org_id = $1 AND id = $2")
        .bind(org)
        .bind(register)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("register", register))?;
    let pattern = serde_json::from_str(&row.get::<String, _>(0))
        .map_err(|e| StoreError::corrupt("register pattern", e))?;
    let reset = serde_json::from_value(Value::String(row.get(1)))
        .map_err(|e| StoreError::corrupt("register year", e))?;
    Ok((pattern, reset))
}

/// The positions that endorsed review step `step` of round `round`.
pub(crate) async fn endorsed_at_step(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    round: i64,
    step: usize,
) -> Result<Vec<Slug>> {
    Ok(sqlx::query(
        "SELECT position_id FROM actions WHERE org_id = $1 AND document_id = $2 AND round = $3 AND step = $4 AND kind = 'endorse'",
    )
    .bind(org)
    .bind(id)
    .bind(round)
    .bind(step as i64)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .filter_map(|row| Slug::parse(&row.get::<String, _>(0)).ok())
    .collect())
}

/// Endorsements and the signature of the current round, for the page.
pub(crate) async fn gathered(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    round: i64,
) -> Result<Vec<Gathered>> {
    let rows = sqlx::query(
        "SELECT a.kind, a.text, a.at, a.standing, pos.title, p.name, p.signature, a.actor_id
           FROM actions a
           JOIN people p ON p.org_id = a.org_id AND p.id = a.actor_id
           JOIN positions pos ON pos.org_id = a.org_id AND pos.id = a.position_id
          WHERE a.org_id = $1 AND a.document_id = $2 AND a.round = $3 AND a.kind IN ('endorse', 'sign')
          ORDER BY a.seq",
    )
    .bind(org)
    .bind(id)
    .bind(round)
    .fetch_all(&mut **tx)
    .await?;
    let mut gathered = Vec::new();
    for row in rows {
        let at: String = row.get(2);
        let date = DateTime::parse_from_rfc3339(&at)
            .map_err(|e| StoreError::corrupt("action time", e))
            .and_then(|at| {
                let day = at.date_naive();
                ThaiDate::from_ymd(day.year(), day.month(), day.day())
                    .map_err(|e| StoreError::corrupt("action time", e))
            })?;
        let standing = Standing::from_name(&row.get::<String, _>(3)).unwrap_or(Standing::Holder);
        let own_title = if standing == Standing::Holder {
            None
        } else {
            let actor: String = row.get(7);
            sqlx::query(
                "SELECT pos.title FROM holdings h JOIN positions pos ON pos.org_id = h.org_id AND pos.id = h.position_id
                  WHERE h.org_id = $1 AND h.person_id = $2 AND h.from_date <= $3 AND (h.to_date IS NULL OR h.to_date >= $3)
                  ORDER BY h.from_date LIMIT 1",
            )
            .bind(org)
            .bind(actor)
            .bind(date.iso())
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.get::<String, _>(0))
        };
        gathered.push(Gathered {
            kind: row.get(0),
            text: row.get(1),
            date,
            standing,
            position_title: row.get(4),
            name: row.get(5),
            signature: row.get(6),
            own_title,
        });
    }
    Ok(gathered)
}

impl Store {
    /// A new draft by `drafter`, from content in format saraban/1.
    pub async fn create_document(
        &self,
        org: &str,
        drafter: &str,
        content: Value,
        at: DateTime<Utc>,
    ) -> Result<DocumentSummary> {
        let kind = check_content(&content, None)?;
        let (canonical, content_hash) = canonical_content(&content)?;
        let now = thai_time(at).to_rfc3339();
        let id = uuid::Uuid::now_v7().to_string();
        let (org, drafter) = (org.to_owned(), drafter.to_owned());
        self.write(&format!("{org}/{id}"), Writes::AsItGoes, move |batch| {
            Box::pin(async move {
                create_in(
                    batch,
                    &org,
                    &drafter,
                    id,
                    kind,
                    canonical,
                    content_hash,
                    now,
                )
                .await
            })
        })
        .await
    }

    /// Replaces the draft's content; only the drafter, only in draft or
    /// returned. The old content stays as a version.
    pub async fn edit_document(
        &self,
        org: &str,
        actor: &str,
        id: &str,
        content: Value,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let now = thai_time(at).to_rfc3339();
        let (org, actor, id) = (org.to_owned(), actor.to_owned(), id.to_owned());
        let (mut outcome, ticket) = self
            .write(&format!("{org}/{id}"), Writes::AsItGoes, move |batch| {
                Box::pin(async move { edit_in(batch, &org, &actor, &id, content, now).await })
            })
            .await?;
        outcome.event_seq = numbered(&ticket)?;
        Ok(outcome)
    }

    /// Takes a route action: submit, endorse, return, sign, issue,
    /// withdraw, cancel or archive. A refusal changes nothing.
    pub async fn act(
        &self,
        org: &str,
        actor: &str,
        id: &str,
        action: ActionKind,
        text: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        if action == ActionKind::Edit {
            return Err(StoreError::invalid("action", "use edit_document to edit"));
        }
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if let Some(text) = text {
            saraban_core::text::Paragraph::parse(text)
                .map_err(|e| StoreError::invalid("text", e.to_string()))?;
        }
        let now = thai_time(at).to_rfc3339();
        let date = thai_date(at).format("%Y-%m-%d").to_string();
        let (org, actor, id) = (org.to_owned(), actor.to_owned(), id.to_owned());
        let text = text.map(str::to_owned);
        let typesetter = self.typesetter.clone();
        let public_url = self.public_url();
        let signer = self.unlocked_key(&org, &actor);
        let key = format!("{org}/{id}");
        // Issuing numbers, renders and stores the PDF as it goes; every
        // other action only reads until the batch writes its changes.
        let writes = if action == ActionKind::Issue {
            Writes::AsItGoes
        } else {
            Writes::AtTheEnd
        };
        let wanted = WantedDocument {
            org: org.clone(),
            id: id.clone(),
            actor: actor.clone(),
            date: date.clone(),
        };
        let (mut outcome, ticket) = self
            .write_reading(&key, Some(wanted), writes, move |batch| {
                Box::pin(async move {
                    let job = Job {
                        typesetter: &typesetter,
                        public_url: public_url.as_deref(),
                        signer,
                        org: &org,
                        actor: &actor,
                        id: &id,
                        action,
                        at,
                    };
                    act_in(batch, job, text.as_deref(), now, date).await
                })
            })
            .await?;
        outcome.event_seq = numbered(&ticket)?;
        Ok(outcome)
    }

    async fn render(
        &self,
        document: saraban_core::Document,
        emblem: Option<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        render(&self.typesetter, document, emblem).await
    }

    /// The document as it stands.
    pub async fn show(&self, org: &str, id: &str) -> Result<DocumentSummary> {
        let mut tx = self.pool.begin().await?;
        let summary = summary_of(&mut tx, org, id).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The drafter's current content.
    pub async fn content(&self, org: &str, id: &str) -> Result<Value> {
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org, id).await?;
        tx.commit().await?;
        Ok(std::sync::Arc::unwrap_or_clone(doc.content))
    }

    /// The issued PDF, byte for byte; before issue, a preview with the
    /// endorsements gathered so far.
    pub async fn pdf(&self, org: &str, id: &str) -> Result<Vec<u8>> {
        self.pdf_of_version(org, id, None).await
    }

    /// The PDF of one content version: the issued file for the issued
    /// version, otherwise that version as drafted, with the endorsements
    /// of the current round when it is the current version.
    pub async fn pdf_of_version(
        &self,
        org: &str,
        id: &str,
        version: Option<i64>,
    ) -> Result<Vec<u8>> {
        let mut tx = self.pool.begin().await?;
        let mut doc = load_document(&mut tx, org, id).await?;
        if let Some(version) = version.filter(|v| *v != doc.version) {
            let row = sqlx::query("SELECT content FROM document_versions WHERE org_id = $1 AND document_id = $2 AND version = $3")
                .bind(org)
                .bind(id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::not_found("version", version.to_string()))?;
            let content: String = row.get(0);
            let (config, emblem) = org_config(&mut tx, org).await?;
            tx.commit().await?;
            doc.content = std::sync::Arc::new(
                serde_json::from_str(&content).map_err(|e| StoreError::corrupt("version", e))?,
            );
            let document = compose(&doc.content, &config, &Overlay::default())?;
            return self.render(document, emblem).await;
        }
        if let Some(hash) = &doc.pdf_hash {
            let row = sqlx::query("SELECT bytes FROM pdfs WHERE sha256 = $1")
                .bind(hash)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::not_found("PDF", hash.clone()))?;
            tx.commit().await?;
            return Ok(row.get(0));
        }
        let (config, emblem) = org_config(&mut tx, org).await?;
        let overlay = Overlay {
            gathered: gathered(&mut tx, org, id, doc.round).await?,
            ..Overlay::default()
        };
        tx.commit().await?;
        let document = compose(&doc.content, &config, &overlay)?;
        self.render(document, emblem).await
    }

    /// The document's events, oldest first.
    pub async fn history(&self, org: &str, id: &str) -> Result<Vec<HistoryEntry>> {
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
                let bytes: Vec<u8> = row.get(1);
                Ok(HistoryEntry {
                    seq: row.get::<i64, _>(0) as u64,
                    prev_hash: hex::encode(row.get::<Vec<u8>, _>(2)),
                    hash: hex::encode(row.get::<Vec<u8>, _>(3)),
                    event: serde_json::from_slice(&bytes)
                        .map_err(|e| StoreError::corrupt("event", e))?,
                })
            })
            .collect()
    }

    /// A register's entries for one B.E. year, in number order.
    pub async fn register_entries(
        &self,
        org: &str,
        register: &str,
        year: i32,
    ) -> Result<Vec<RegisterEntry>> {
        let mut tx = self.pool.begin().await?;
        let (pattern, _) = register_info(&mut tx, org, register).await?;
        let (config, _) = org_config(&mut tx, org).await?;
        let rows = sqlx::query(
            "SELECT number, id, content, state, cancelled_at, updated_at FROM documents
              WHERE org_id = $1 AND register_id = $2 AND year = $3 AND number IS NOT NULL ORDER BY number",
        )
        .bind(org)
        .bind(register)
        .bind(i64::from(year))
        .fetch_all(&mut *tx)
        .await?;
        let issued_at = sqlx::query(
            "SELECT document_id, at FROM actions WHERE org_id = $1 AND kind = 'issue' AND document_id IN
               (SELECT id FROM documents WHERE org_id = $1 AND register_id = $2 AND year = $3)",
        )
        .bind(org)
        .bind(register)
        .bind(i64::from(year))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let year = BuddhistYear::new(year).map_err(|e| StoreError::invalid("year", e))?;
        rows.into_iter()
            .map(|row| {
                let number: i64 = row.get(0);
                let id: String = row.get(1);
                let content: Value =
                    serde_json::from_str(&row.get::<String, _>(2)).unwrap_or(Value::Null);
                let printed = RegisterNumber {
                    pattern: pattern.clone(),
                    number: std::num::NonZeroU32::new(number as u32)
                        .ok_or_else(|| StoreError::corrupt("number", 0))?,
                    year,
                }
                .format(config.organisation.digits);
                Ok(RegisterEntry {
                    number,
                    printed_number: format!("ที่ {printed}"),
                    subject: content
                        .get("subject")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    state: row.get(3),
                    cancelled: row.get::<Option<String>, _>(4).is_some(),
                    issued_at: issued_at
                        .iter()
                        .find(|r| r.get::<String, _>(0) == id)
                        .map(|r| r.get::<String, _>(1))
                        .unwrap_or_default(),
                    document_id: id,
                })
            })
            .collect()
    }

    /// Documents of an organisation, newest first, optionally in one state.
    pub async fn list_documents(
        &self,
        org: &str,
        state: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DocumentSummary>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "{DOCUMENT_COLUMNS} WHERE org_id = $1 AND ($2 = '' OR state = $2) ORDER BY updated_at DESC, id DESC LIMIT $3 OFFSET $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org)
            .bind(state.unwrap_or(""))
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx)
            .await?;
        let out = summaries(&mut tx, org, &rows).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The inbox of `person` who holds `positions` today: documents waiting
    /// for one of them (oldest first), their drafts, and what they sent.
    pub async fn inbox(
        &self,
        org: &str,
        person: &str,
        positions: &[String],
        limit: i64,
    ) -> Result<Inbox> {
        let mut tx = self.pool.begin().await?;
        let waiting_rows = if positions.is_empty() {
            Vec::new()
        } else {
            let placeholders: Vec<String> = (0..positions.len())
                .map(|i| format!("${}", i + 3))
                .collect();
            let sql = format!(
                "{DOCUMENT_COLUMNS} WHERE org_id = $1 AND id IN (SELECT document_id FROM waiting WHERE org_id = $1 AND position_id IN ({}))
                 ORDER BY updated_at, id LIMIT $2",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(limit);
            for position in positions {
                query = query.bind(position);
            }
            query.fetch_all(&mut *tx).await?
        };
        let drafts_sql = format!(
            "{DOCUMENT_COLUMNS} WHERE org_id = $1 AND drafter_id = $2 AND state IN ('draft', 'returned') ORDER BY updated_at DESC, id LIMIT $3"
        );
        let draft_rows = sqlx::query(sqlx::AssertSqlSafe(drafts_sql))
            .bind(org)
            .bind(person)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let sent_sql = format!(
            "{DOCUMENT_COLUMNS} WHERE org_id = $1 AND drafter_id = $2 AND state IN ('in_review', 'awaiting_signature', 'signed', 'issued')
             ORDER BY updated_at DESC, id LIMIT $3"
        );
        let sent_rows = sqlx::query(sqlx::AssertSqlSafe(sent_sql))
            .bind(org)
            .bind(person)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let inbox = Inbox {
            waiting: summaries(&mut tx, org, &waiting_rows).await?,
            drafts: summaries(&mut tx, org, &draft_rows).await?,
            sent: summaries(&mut tx, org, &sent_rows).await?,
        };
        tx.commit().await?;
        Ok(inbox)
    }
}

/// The positions a document in `state` waits for, leaving out those of a
/// group step already `heard`.
fn waiting_positions(state: State, route: &Route, heard: &[Slug]) -> Vec<String> {
    match state {
        State::InReview(k) => route
            .review
            .get(k)
            .map(|step| {
                step.positions
                    .iter()
                    .filter(|p| !heard.contains(p))
                    .map(Slug::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        State::AwaitingSignature => vec![route.sign.to_string()],
        State::Signed => vec![route.issue.to_string()],
        _ => Vec::new(),
    }
}

/// Summaries of document rows, reading each route version and register once.
async fn summaries(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    rows: &[AnyRow],
) -> Result<Vec<DocumentSummary>> {
    let docs = rows
        .iter()
        .map(DocRow::from_row)
        .collect::<Result<Vec<_>>>()?;
    summarise(tx, org, docs).await
}

/// The summary of one document as it now stands in the transaction.
async fn summary_of(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
) -> Result<DocumentSummary> {
    let doc = load_document(tx, org, id).await?;
    let mut one = summarise(tx, org, vec![doc]).await?;
    Ok(one.pop().expect("one document in, one summary out"))
}

async fn summarise(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    docs: Vec<DocRow>,
) -> Result<Vec<DocumentSummary>> {
    let (config, _) = org_config(tx, org).await?;
    let mut routes: std::collections::HashMap<(String, i64), Route> =
        std::collections::HashMap::new();
    let mut patterns: std::collections::HashMap<String, NumberPattern> =
        std::collections::HashMap::new();
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let key = (doc.kind.clone(), doc.route_version);
        if !routes.contains_key(&key) {
            let (route, _) = load_route(tx, org, &doc.kind, Some(doc.route_version)).await?;
            routes.insert(key.clone(), route);
        }
        if let Some(register) = &doc.register
            && !patterns.contains_key(register)
        {
            patterns.insert(register.clone(), register_info(tx, org, register).await?.0);
        }
        let pattern = doc.register.as_ref().and_then(|r| patterns.get(r));
        out.push(doc.summary(routes.get(&key), pattern, config.organisation.digits));
    }
    Ok(out)
}

/// What waits for a person, their drafts, and what they sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub waiting: Vec<DocumentSummary>,
    pub drafts: Vec<DocumentSummary>,
    pub sent: Vec<DocumentSummary>,
}

/// The next number of a register's year, gapless: the counter moves in the
/// issuing transaction, so a rollback gives the number back.
async fn allocate(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    register: &str,
    year: i64,
) -> Result<i64> {
    sqlx::query("INSERT INTO register_counters (org_id, register_id, year, next_number) VALUES ($1, $2, $3, 1) ON CONFLICT (org_id, register_id, year) DO NOTHING")
        .bind(org)
        .bind(register)
        .bind(year)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query(
        "UPDATE register_counters SET next_number = next_number + 1 WHERE org_id = $1 AND register_id = $2 AND year = $3 RETURNING next_number - 1",
    )
    .bind(org)
    .bind(register)
    .bind(year)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.get(0))
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    version: i64,
    content: &str,
    hash: &str,
    author: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO document_versions (org_id, document_id, version, content, content_hash, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(org)
    .bind(id)
    .bind(version)
    .bind(content)
    .bind(hash)
    .bind(author)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Typesets off the async threads, and takes `output` of the result.
pub(crate) async fn typeset<T: Send + 'static>(
    typesetter: &saraban_typeset::Typesetter,
    document: saraban_core::Document,
    emblem: Option<Vec<u8>>,
    output: fn(&saraban_typeset::Typeset) -> Result<T>,
) -> Result<T> {
    let typesetter = typesetter.clone();
    tokio::task::spawn_blocking(move || {
        let emblem = emblem
            .map(saraban_typeset::Emblem::from_bytes)
            .transpose()
            .map_err(StoreError::render)?;
        let typeset = typesetter
            .typeset(&document, emblem.as_ref())
            .map_err(StoreError::render)?;
        output(&typeset)
    })
    .await
    .map_err(StoreError::render)?
}

/// The PDF of `document`.
async fn render(
    typesetter: &saraban_typeset::Typesetter,
    document: saraban_core::Document,
    emblem: Option<Vec<u8>>,
) -> Result<Vec<u8>> {
    typeset(typesetter, document, emblem, |typeset| {
        typeset.pdf().map_err(StoreError::render)
    })
    .await
}

#[allow(clippy::too_many_arguments)]
async fn create_in(
    batch: &mut Batch,
    org: &str,
    drafter: &str,
    id: String,
    kind: String,
    canonical: String,
    content_hash: String,
    now: String,
) -> Result<DocumentSummary> {
    let tx = &mut batch.tx;
    let drafter = ensure_person(&mut *tx, org, drafter).await?;
    let (_, route_version) = load_route(&mut *tx, org, &kind, None).await?;
    sqlx::query(
            "INSERT INTO documents (org_id, id, kind, state, step, round, drafter_id, route_version, version, content, content_hash, created_at, updated_at)
             VALUES ($1, $2, $3, 'draft', -1, 0, $4, $5, 1, $6, $7, $8, $8)",
        )
        .bind(org)
        .bind(&id)
        .bind(&kind)
        .bind(drafter.as_str())
        .bind(route_version)
        .bind(&canonical)
        .bind(&content_hash)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    insert_version(
        &mut *tx,
        org,
        &id,
        1,
        &canonical,
        &content_hash,
        drafter.as_str(),
        &now,
    )
    .await?;
    let event = Event {
        route_version: Some(route_version as u32),
        ..Event::new(EventHead {
            org,
            seq: 0,
            at: now,
            kind: "created",
            document: &id,
            doc_version: 1,
            actor: drafter.as_str(),
            content_hash,
        })
    };
    let summary = summary_of(tx, org, &id).await?;
    batch.append(event, None, None);
    Ok(summary)
}

async fn edit_in(
    batch: &mut Batch,
    org: &str,
    actor: &str,
    id: &str,
    content: Value,
    now: String,
) -> Result<(ActOutcome, SeqTicket)> {
    let tx = &mut batch.tx;
    let doc = load_document(&mut *tx, org, id).await?;
    let actor = ensure_person(&mut *tx, org, actor).await?;
    let (route, _) = load_route(&mut *tx, org, &doc.kind, Some(doc.route_version)).await?;
    let facts = Facts {
        state: doc.state,
        drafter: &doc.drafter,
        route: &route,
        acted_this_step: &[],
    };
    decide(&facts, &actor, &[], ActionKind::Edit, None)?;
    check_content(&content, Some(&doc.kind))?;
    let (canonical, content_hash) = canonical_content(&content)?;
    let version = doc.version + 1;
    sqlx::query("UPDATE documents SET content = $1, content_hash = $2, version = $3, updated_at = $4 WHERE org_id = $5 AND id = $6")
            .bind(&canonical)
            .bind(&content_hash)
            .bind(version)
            .bind(&now)
            .bind(org)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    insert_version(
        &mut *tx,
        org,
        id,
        version,
        &canonical,
        &content_hash,
        actor.as_str(),
        &now,
    )
    .await?;
    let event = Event::new(EventHead {
        org,
        seq: 0,
        at: now,
        kind: "edited",
        document: id,
        doc_version: version as u64,
        actor: actor.as_str(),
        content_hash,
    });
    let document = summary_of(tx, org, id).await?;
    let ticket = batch.append(event, None, None);
    Ok((
        ActOutcome {
            document,
            event_seq: 0,
        },
        ticket,
    ))
}

/// Who does what to which document, when.
struct Job<'a> {
    typesetter: &'a saraban_typeset::Typesetter,
    /// Where the public pages are, for the URL printed at issue.
    public_url: Option<&'a str>,
    /// The actor's approval key, if unlocked in this process.
    signer: Option<std::sync::Arc<saraban_core::checkpoint::SignerKey>>,
    org: &'a str,
    actor: &'a str,
    id: &'a str,
    action: ActionKind,
    at: DateTime<Utc>,
}

async fn act_in(
    batch: &mut Batch,
    job: Job<'_>,
    text: Option<&str>,
    now: String,
    date: String,
) -> Result<(ActOutcome, SeqTicket)> {
    let Job {
        typesetter,
        public_url,
        signer,
        org,
        actor,
        id,
        action,
        at,
    } = job;
    let lock = batch.lock_rows;
    let read_ahead = batch.read_ahead.remove(&(org.to_owned(), id.to_owned()));
    let tx = &mut batch.tx;
    let (doc, route, authorities) = match read_ahead {
        Some(read) => read,
        None => load_document_and_route(&mut *tx, org, id, actor, &date, lock).await?,
    };
    // Whoever holds or acts for a position is a person of the organisation;
    // only someone without one needs looking up.
    let actor = match Slug::parse(actor) {
        Ok(slug) if !authorities.is_empty() => slug,
        _ => ensure_person(&mut *tx, org, actor).await?,
    };
    // Who already endorsed this step matters only where several may.
    let acted: Vec<Slug> = match doc.state {
        State::InReview(step)
            if route
                .review
                .get(step)
                .is_some_and(|s| s.positions.len() > 1) =>
        {
            endorsed_at_step(&mut *tx, org, id, doc.round, step).await?
        }
        _ => Vec::new(),
    };
    let facts = Facts {
        state: doc.state,
        drafter: &doc.drafter,
        route: &route,
        acted_this_step: &acted,
    };
    let decision = decide(&facts, &actor, &authorities, action, text)?;

    let mut round = doc.round;
    if action == ActionKind::Submit {
        round += 1;
    }
    // The action row is written with its event, which gives its number.
    let action_row = decision.acting_for.as_ref().map(|authority| ActionRow {
        document: id.to_owned(),
        round,
        step: doc.state.step(),
        kind: action.name(),
        position: authority.position.to_string(),
        actor: actor.to_string(),
        standing: authority.standing.name(),
        text: text.map(str::to_owned),
        at: now.clone(),
    });

    let mut after = DocRow {
        state: decision.next,
        round,
        cancelled: doc.cancelled || action == ActionKind::Cancel,
        updated_at: now.clone(),
        ..doc.clone()
    };
    // How a number prints, once the document has one.
    let mut numbering: Option<(NumberPattern, saraban_core::DigitStyle)> = None;
    if action == ActionKind::Issue {
        let (pattern, reset) = register_info(&mut *tx, org, route.register.as_str()).await?;
        let register_year = i64::from(reset.year_of(at).get());
        let allocated = allocate(&mut *tx, org, route.register.as_str(), register_year).await?;
        let (config, emblem) = org_config(&mut *tx, org).await?;
        let overlay = Overlay {
            gathered: gathered(&mut *tx, org, id, doc.round).await?,
            number: Some(allocated),
            prefix: match &pattern {
                NumberPattern::PrefixNumber { prefix } => Some(prefix.as_str().to_owned()),
                NumberPattern::NumberYear => None,
            },
            verification: Some(
                crate::public::verification_for(&mut *tx, public_url, org, id).await?,
            ),
        };
        let document = compose(&doc.content, &config, &overlay)?;
        let pdf = render(typesetter, document, emblem).await?;
        let hash = sha256_hex(&pdf);
        sqlx::query(
            "INSERT INTO pdfs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&hash)
        .bind(pdf)
        .execute(&mut **tx)
        .await?;
        after.register = Some(route.register.to_string());
        after.year = Some(register_year);
        after.number = Some(allocated);
        after.pdf_hash = Some(hash);
        sqlx::query("UPDATE documents SET verify_code = $1 WHERE org_id = $2 AND id = $3")
            .bind(crate::public::verification_code(org, id))
            .bind(org)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        numbering = Some((pattern, config.organisation.digits));
    } else if let Some(register) = &doc.register {
        let (pattern, _) = register_info(&mut *tx, org, register).await?;
        let (config, _) = org_config(&mut *tx, org).await?;
        numbering = Some((pattern, config.organisation.digits));
    }
    // Who the document waits for now: the positions of the step not yet
    // heard from (a group step keeps those still missing).
    let mut heard = if decision.next == doc.state {
        acted.clone()
    } else {
        Vec::new()
    };
    if let Some(authority) = decision
        .acting_for
        .as_ref()
        .filter(|_| decision.next == doc.state)
    {
        heard.push(authority.position.clone());
    }
    let waiting_before = waiting_positions(doc.state, &route, &acted);
    let waiting_after = waiting_positions(decision.next, &route, &heard);
    let issued = action == ActionKind::Issue;
    let event = Event {
        position: decision.acting_for.as_ref().map(|a| a.position.to_string()),
        capacity: decision
            .acting_for
            .as_ref()
            .map(|a| a.standing.name().to_owned()),
        text: text.map(str::to_owned),
        register: issued.then(|| route.register.to_string()),
        year: if issued {
            after.year.map(|y| y as i32)
        } else {
            None
        },
        number: if issued {
            after.number.map(|n| n as u32)
        } else {
            None
        },
        pdf_hash: if issued { after.pdf_hash.clone() } else { None },
        route_version: (action == ActionKind::Submit).then_some(doc.route_version as u32),
        ..Event::new(EventHead {
            org,
            seq: 0,
            at: now,
            kind: action.event(),
            document: id,
            doc_version: doc.version as u64,
            actor: actor.as_str(),
            content_hash: doc.content_hash.clone(),
        })
    };
    // An approval carries its actor's own signature, where they have a key.
    let signer = match (action, signer) {
        (ActionKind::Endorse | ActionKind::Sign, Some(key)) => Some(key),
        (ActionKind::Endorse | ActionKind::Sign, None) => {
            if Store::has_actor_key(&mut batch.tx, org, actor.as_str()).await? {
                return Err(StoreError::KeyLocked {
                    person: actor.to_string(),
                });
            }
            None
        }
        _ => None,
    };
    let (pattern, digits) = match &numbering {
        Some((pattern, digits)) => (Some(pattern), *digits),
        None => (None, saraban_core::DigitStyle::default()),
    };
    let summary = after.summary(Some(&route), pattern, digits);
    let change = RouteChange {
        action: action_row,
        document: after,
        cancels: action == ActionKind::Cancel,
        waiting: (waiting_before != waiting_after).then_some(WaitingMove {
            before: waiting_before,
            after: waiting_after,
        }),
    };
    let ticket = batch.append(event, signer, Some(change));
    Ok((
        ActOutcome {
            document: summary,
            event_seq: 0,
        },
        ticket,
    ))
}

/// The sequence number a committed batch gave an event.
fn numbered(ticket: &SeqTicket) -> Result<u64> {
    ticket
        .get()
        .copied()
        .ok_or_else(|| StoreError::invariant("an event was committed without its number"))
}
