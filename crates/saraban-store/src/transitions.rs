//! The transitions of a document: create, edit, and the route actions.
//! Each runs in a batch of the group-commit writer (`writer`), so a
//! transition, its register number and its event commit together.

use chrono::{DateTime, Utc};
use saraban_core::clock::{thai_date, thai_time};
use saraban_core::ledger::{Event, EventHead, sha256_hex};
use saraban_core::org::Slug;
use saraban_core::register::NumberPattern;
use saraban_core::workflow::{ActionKind, OnReturn, RouteAction, State, decide};
use saraban_core::{DocumentId, Drafted, OrgId, PersonId};
use sqlx::{Any, Row, Transaction};

use crate::documents::{ActOutcome, DocumentSummary, summary_of};
use crate::enclosures::{self, Checked, Upload, check_named, check_upload, insert_file};
use crate::error::{Result, StoreError};
use crate::ledger::SeqTicket;
use crate::press::{Composed, Press, print};
use crate::reads::{
    self, endorsed_at_step, ensure_person, gathered, has_actor_key, load_document,
    load_document_and_route, load_route, org_config, register_info,
};
use crate::rows::{
    ActionRow, DocRow, Heading, RouteChange, WaitingMove, WantedDocument, stored_document,
    stored_number, timed_for,
};
use crate::store::Store;
use crate::writer::{Batch, Writes};
use saraban_core::compose::{Overlay, compose};

/// Checks that new content keeps the document's kind.
fn check_kind(content: &Drafted, kind: &str) -> Result<()> {
    if content.kind() != kind {
        return Err(StoreError::invalid(
            "kind",
            format!("a {kind} cannot become a {}", content.kind()),
        ));
    }
    Ok(())
}

impl Store {
    /// A new draft by `drafter`, from content in format saraban/1 (read
    /// at the edge: its canonical bytes are those the client sent).
    pub async fn create_document(
        &self,
        org: &OrgId,
        drafter: &PersonId,
        content: Drafted,
        at: DateTime<Utc>,
    ) -> Result<DocumentSummary> {
        let kind = content.kind().to_owned();
        let (canonical, content_hash) = (
            content.canonical().to_owned(),
            content.content_hash().to_owned(),
        );
        let now = thai_time(at).to_rfc3339();
        let id = uuid::Uuid::now_v7().to_string();
        let (org, drafter) = (org.as_str().to_owned(), drafter.as_str().to_owned());
        // Files it names must be the organisation's already.
        let files =
            names_files(&content).then(|| (content.document().clone(), self.enclosure_limits));
        let in_reply_to = content.document().in_reply_to().map(|id| id.to_string());
        self.writers
            .write(&format!("{org}/{id}"), Writes::AsItGoes, move |batch| {
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
                        files,
                        in_reply_to,
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
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        content: Drafted,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        self.edit_with(org, actor, id, Edit::Replace(Box::new(content)), at)
            .await
    }

    /// Attaches a file to a draft: checked (type from its bytes, the
    /// limits), stored once by its SHA-256, and named at the end of the
    /// draft's สิ่งที่ส่งมาด้วย in a new version, all in one transaction
    /// with its `edited` event. A refusal stores nothing.
    pub async fn attach_enclosure(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        upload: Upload,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        // What the edit would refuse first (not the drafter, not a draft).
        self.may_edit(org, actor, id).await?;
        let checked = check_upload(upload, self.enclosure_limits).await?;
        // Stored durably before the event that names it commits; a refused
        // edit leaves an orphan for `saraban gc`.
        self.store_file(org.as_str(), &checked).await?;
        self.edit_with(org, actor, id, Edit::Attach(Box::new(checked)), at)
            .await
    }

    async fn edit_with(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        edit: Edit,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let now = thai_time(at).to_rfc3339();
        let limits = self.enclosure_limits;
        let (org, actor, id) = (org.to_string(), actor.to_string(), id.to_string());
        let (mut outcome, ticket) = self
            .writers
            .write(&format!("{org}/{id}"), Writes::AsItGoes, move |batch| {
                Box::pin(async move { edit_in(batch, &org, &actor, &id, edit, limits, now).await })
            })
            .await?;
        outcome.event_seq = numbered(&ticket)?;
        Ok(outcome)
    }

    /// What `edit_document` would refuse before it reads the new content:
    /// an unknown document or person, not the drafter, not in draft or
    /// returned. The edges ask it when the content sent is no document,
    /// so that the answer is the one the edit would have given.
    pub async fn may_edit(&self, org: &OrgId, actor: &PersonId, id: &DocumentId) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        may_edit_in(&mut tx, org.as_str(), actor.as_str(), id.as_str()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a route action: submit, endorse, return, sign, issue,
    /// withdraw, cancel, archive, publish or unpublish. A refusal changes
    /// nothing.
    pub async fn act(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        action: RouteAction,
        text: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        self.act_assigning(org, actor, id, action, text, None, at)
            .await
    }

    /// `act`, and with a signature on a received letter, the order's
    /// assignment: to a position or a person, by an optional date.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_assigning(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        action: RouteAction,
        text: Option<&str>,
        assignment: Option<Assignment>,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let directions = Directions {
            assignment,
            circulate_to: Vec::new(),
            keep_date: false,
        };
        self.act_directing(org, actor, id, action, text, directions, at)
            .await
    }

    /// Signs an order keeping the date its draft set as its "สั่ง ณ วันที่",
    /// instead of the day of signing (the `signed` event's `kept_date`).
    pub async fn sign_keeping_date(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        text: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let directions = Directions {
            assignment: None,
            circulate_to: Vec::new(),
            keep_date: true,
        };
        self.act_directing(org, actor, id, RouteAction::Sign, text, directions, at)
            .await
    }

    /// Circulates a received letter (หนังสือเวียน) to the holders of
    /// `positions`, each of whom then acknowledges it once.
    pub async fn circulate(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        positions: Vec<Slug>,
        text: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let directions = Directions {
            assignment: None,
            circulate_to: positions,
            keep_date: false,
        };
        self.act_directing(org, actor, id, RouteAction::Circulate, text, directions, at)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn act_directing(
        &self,
        org: &OrgId,
        actor: &PersonId,
        id: &DocumentId,
        action: RouteAction,
        text: Option<&str>,
        directions: Directions,
        at: DateTime<Utc>,
    ) -> Result<ActOutcome> {
        let action = action.kind();
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if let Some(text) = text {
            saraban_core::text::Paragraph::parse(text)
                .map_err(|e| StoreError::invalid("text", e.to_string()))?;
        }
        let now = thai_time(at).to_rfc3339();
        let date = thai_date(at).format("%Y-%m-%d").to_string();
        let (org, actor, id) = (org.to_string(), actor.to_string(), id.to_string());
        let text = text.map(str::to_owned);
        let press = self.press.clone();
        let content = self.content.clone();
        let public_url = self.public_url();
        let signer = self.unlocked_key(&org, &actor);
        let ink = self.ink(&org, &actor);
        // The image an approval prints is stored durably before its event.
        if let Some(ink) = ink
            .as_ref()
            .filter(|_| matches!(action, ActionKind::Endorse | ActionKind::Sign))
        {
            self.content
                .put(
                    &org,
                    crate::content::ContentKind::Ink,
                    &ink.sha256,
                    ink.png.to_vec(),
                )
                .await?;
        }
        let sealer = if action == ActionKind::Issue {
            self.sealer(&org)?
        } else {
            None
        };
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
        // Issuing a reply closes its letter: the letter is held too.
        let answers = if action == ActionKind::Issue {
            crate::replies::letter_answered(&self.pool, &org, &id).await?
        } else {
            None
        };
        let also = answers.as_ref().map(|letter| format!("{org}/{letter}"));
        let (mut outcome, ticket) = self
            .writers
            .write_reading_also(&key, also, Some(wanted), writes, move |batch| {
                Box::pin(async move {
                    let job = Job {
                        press: press.as_ref(),
                        content: &content,
                        public_url: public_url.as_deref(),
                        signer,
                        ink,
                        sealer,
                        org: &org,
                        actor: &actor,
                        id: &id,
                        action,
                        at,
                    };
                    act_in(batch, job, text.as_deref(), directions, now, date).await
                })
            })
            .await?;
        outcome.event_seq = numbered(&ticket)?;
        Ok(outcome)
    }
}

/// The next number of a register's year, gapless: the counter moves in the
/// issuing transaction, so a rollback gives the number back.
pub(crate) async fn allocate(
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
        "UPDATE register_counters SET next_number = next_number + 1 WHERE org_id = $1 AND register_id = $2 AND year = $3 RETURNING next_number - 1 AS number",
    )
    .bind(org)
    .bind(register)
    .bind(year)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.get("number"))
}

/// Keeps `content` as a document's version `version`, and as its content
/// now (`document_contents`, after its row).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_version(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    version: i64,
    content: &str,
    hash: &str,
    author: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(timed_for(
        tx,
        "INSERT INTO document_versions (org_id, document_id, version, content, content_hash, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, @ts($7))",
    )))
    .bind(org)
    .bind(id)
    .bind(version)
    .bind(content)
    .bind(hash)
    .bind(author)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(timed_for(
        tx,
        "INSERT INTO document_contents (org_id, document_id, content) VALUES ($1, $2, $3)
         ON CONFLICT (org_id, document_id) DO UPDATE SET content = excluded.content",
    )))
    .bind(org)
    .bind(id)
    .bind(content)
    .execute(&mut **tx)
    .await?;
    Ok(())
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
    files: Option<(saraban_core::Document, saraban_core::enclosure::Limits)>,
    in_reply_to: Option<String>,
) -> Result<DocumentSummary> {
    let tx = &mut batch.tx;
    let drafter = ensure_person(&mut *tx, org, drafter).await?;
    check_reply(&mut *tx, org, in_reply_to.as_deref()).await?;
    if let Some((document, limits)) = &files {
        check_named(&mut *tx, org, document, *limits, None).await?;
    }
    let (_, route_version) = load_route(&mut *tx, org, &kind, None).await?;
    let heading = Heading::of_text(&canonical)?;
    sqlx::query(sqlx::AssertSqlSafe(timed_for(tx,
            "INSERT INTO documents (org_id, id, kind, state, step, round, drafter_id, route_version, version, list_subject, list_urgency, list_secrecy, content_hash, created_at, updated_at, in_reply_to)
             VALUES ($1, $2, $3, 'draft', -1, 0, $4, $5, 1, $6, $10, $11, $7, @ts($8), @ts($8), $9)",
        )))
        .bind(org)
        .bind(&id)
        .bind(&kind)
        .bind(drafter.as_str())
        .bind(route_version)
        .bind(heading.subject)
        .bind(&content_hash)
        .bind(&now)
        .bind(&in_reply_to)
        .bind(heading.urgency)
        .bind(heading.secrecy)
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
    batch.ledger.push(event, None, None);
    Ok(summary)
}

/// A reply answers a received letter of the same organisation.
async fn check_reply(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    in_reply_to: Option<&str>,
) -> Result<()> {
    let Some(letter) = in_reply_to else {
        return Ok(());
    };
    let kind: Option<String> =
        sqlx::query_scalar("SELECT kind FROM documents WHERE org_id = $1 AND id = $2")
            .bind(org)
            .bind(letter)
            .fetch_optional(&mut **tx)
            .await?;
    if kind.as_deref() != Some(saraban_core::incoming::KIND) {
        return Err(StoreError::invalid(
            "in_reply_to",
            format!("{letter} is no received letter of this organisation"),
        ));
    }
    Ok(())
}

/// The document and its drafter, when `actor` may edit it now.
async fn may_edit_in(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    actor: &str,
    id: &str,
) -> Result<(DocRow, Slug)> {
    let doc = load_document(&mut *tx, org, id).await?;
    let actor = ensure_person(&mut *tx, org, actor).await?;
    let (route, _) = load_route(&mut *tx, org, &doc.kind, Some(doc.route_version)).await?;
    let facts = doc.facts(&route, &[], None);
    decide(&facts, &actor, &[], ActionKind::Edit, None)?;
    Ok((doc, actor))
}

/// What an edit brings: a whole new content, or a file to attach to the
/// content as it stands.
enum Edit {
    Replace(Box<Drafted>),
    Attach(Box<Checked>),
}

/// Whether a content names any enclosure file.
fn names_files(content: &Drafted) -> bool {
    content
        .document()
        .enclosures()
        .iter()
        .any(|e| e.file.is_some())
}

/// `content` with `file` named at the end of its สิ่งที่ส่งมาด้วย.
fn with_enclosure(content: &serde_json::Value, kind: &str, file: &Checked) -> Result<Drafted> {
    if !matches!(kind, "memo" | "letter") {
        return Err(StoreError::invalid(
            "file",
            "หนังสือชนิดนี้ไม่มีสิ่งที่ส่งมาด้วย จึงแนบไฟล์ไม่ได้",
        ));
    }
    let mut value = content.clone();
    let object = value
        .as_object_mut()
        .ok_or_else(|| StoreError::corrupt("content", "not an object"))?;
    let mut entry = serde_json::json!({
        "title": file.title.as_str(),
        "sha256": file.sha256.as_str(),
    });
    if let Some(name) = &file.filename {
        entry["filename"] = serde_json::json!(name.as_str());
    }
    match object
        .entry("enclosures")
        .or_insert_with(|| serde_json::json!([]))
    {
        serde_json::Value::Array(list) => list.push(entry),
        _ => return Err(StoreError::corrupt("content", "enclosures is not a list")),
    }
    Drafted::from_value(value).map_err(|e| StoreError::invalid(e.path.clone(), e.message.clone()))
}

async fn edit_in(
    batch: &mut Batch,
    org: &str,
    actor: &str,
    id: &str,
    edit: Edit,
    limits: saraban_core::enclosure::Limits,
    now: String,
) -> Result<(ActOutcome, SeqTicket)> {
    let tx = &mut batch.tx;
    let (doc, actor) = may_edit_in(&mut *tx, org, actor, id).await?;
    let content = match edit {
        Edit::Replace(content) => {
            let content = *content;
            check_kind(&content, &doc.kind)?;
            if names_files(&content) {
                check_named(&mut *tx, org, content.document(), limits, None).await?;
            }
            content
        }
        Edit::Attach(file) => {
            let content = with_enclosure(doc.content()?, &doc.kind, &file)?;
            insert_file(&mut *tx, org, &file).await?;
            let name = file
                .filename
                .as_ref()
                .map_or(file.title.as_str(), |n| n.as_str());
            check_named(&mut *tx, org, content.document(), limits, Some(name)).await?;
            content
        }
    };
    let (canonical, content_hash) = (
        content.canonical().to_owned(),
        content.content_hash().to_owned(),
    );
    let in_reply_to = content.document().in_reply_to().map(|id| id.to_string());
    check_reply(&mut *tx, org, in_reply_to.as_deref()).await?;
    let edit = NewVersion {
        org,
        id,
        actor: actor.as_str(),
        version: doc.version + 1,
        canonical: &canonical,
        content_hash,
        in_reply_to: in_reply_to.as_deref(),
        now,
    };
    record_version(batch, edit).await
}

/// A document's new content, as an edit records it.
pub(crate) struct NewVersion<'a> {
    pub(crate) org: &'a str,
    pub(crate) id: &'a str,
    pub(crate) actor: &'a str,
    pub(crate) version: i64,
    pub(crate) canonical: &'a str,
    pub(crate) content_hash: String,
    /// The received letter the content answers.
    pub(crate) in_reply_to: Option<&'a str>,
    pub(crate) now: String,
}

/// Writes a new version of a document's content: its row, the version
/// kept, and the `edited` event, in the batch's transaction.
pub(crate) async fn record_version(
    batch: &mut Batch,
    edit: NewVersion<'_>,
) -> Result<(ActOutcome, SeqTicket)> {
    let NewVersion {
        org,
        id,
        actor,
        version,
        canonical,
        content_hash,
        in_reply_to,
        now,
    } = edit;
    let tx = &mut batch.tx;
    let heading = Heading::of_text(canonical)?;
    sqlx::query(sqlx::AssertSqlSafe(timed_for(tx, "UPDATE documents SET list_subject = $1, content_hash = $2, version = $3, updated_at = @ts($4), in_reply_to = $5, list_urgency = $8, list_secrecy = $9 WHERE org_id = $6 AND id = $7")))
            .bind(heading.subject)
            .bind(&content_hash)
            .bind(version)
            .bind(&now)
            .bind(in_reply_to)
            .bind(org)
            .bind(id)
            .bind(heading.urgency)
            .bind(heading.secrecy)
            .execute(&mut **tx)
            .await?;
    insert_version(
        &mut *tx,
        org,
        id,
        version,
        canonical,
        &content_hash,
        actor,
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
        actor,
        content_hash,
    });
    let document = summary_of(tx, org, id).await?;
    let ticket = batch.ledger.push(event, None, None);
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
    /// Typesets the issued document.
    press: Option<&'a std::sync::Arc<dyn Press>>,
    /// Where the issued PDF is stored, and the images and files it prints.
    content: &'a crate::content::ContentStore,
    /// Where the public pages are, for the URL printed at issue.
    public_url: Option<&'a str>,
    /// The actor's approval key, if unlocked in this process.
    signer: Option<std::sync::Arc<saraban_core::checkpoint::SignerKey>>,
    /// The actor's signature image, if they opened one by signing in.
    ink: Option<crate::keys::Ink>,
    /// The organisation's seal, for an issue.
    sealer: Option<crate::seals::Sealer>,
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
    directions: Directions,
    now: String,
    date: String,
) -> Result<(ActOutcome, SeqTicket)> {
    let Directions {
        assignment,
        circulate_to,
        keep_date,
    } = directions;
    let Job {
        press,
        content,
        public_url,
        signer,
        ink,
        sealer,
        org,
        actor,
        id,
        action,
        at,
    } = job;
    // An approval prints its actor's image above their name.
    let ink = ink.filter(|_| matches!(action, ActionKind::Endorse | ActionKind::Sign));
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
    // Where it was returned from matters only to a route that goes back.
    let returned_from =
        if doc.state == State::Returned && route.on_return == OnReturn::BackToReturner {
            reads::returned_from(&mut *tx, org, id, doc.round).await?
        } else {
            None
        };
    let facts = doc.facts(&route, &acted, returned_from);
    let decision = decide(&facts, &actor, &authorities, action, text)?;
    if let Some(assignment) = &assignment {
        check_assignment(&mut *tx, org, &route, action, assignment).await?;
    }
    let circulate_to = check_circulation(&mut *tx, org, action, circulate_to).await?;
    let kept_date = if keep_date {
        Some(order_date_kept(
            action,
            &*reads::content_read(&mut *tx, org, &doc).await?,
        )?)
    } else {
        None
    };

    // Issuing: the year, number and PDF hash the event records.
    let mut issued: Option<(i32, u32, String)> = None;
    // How a number prints, once the document has one.
    let mut numbering: Option<(NumberPattern, saraban_core::DigitStyle)> = None;
    // The received letter an issued reply answers, as its content says.
    let mut answers: Option<String> = None;
    if action == ActionKind::Issue {
        let (pattern, reset) = register_info(&mut *tx, org, route.register.as_str()).await?;
        let register_year = i64::from(reset.year_of(at).get());
        let allocated = allocate(&mut *tx, org, route.register.as_str(), register_year).await?;
        let (config, emblem) = org_config(&mut *tx, org).await?;
        let overlay = Overlay {
            gathered: gathered(&mut *tx, org, id, &route).await?,
            number: Some(stored_number(allocated)?),
            prefix: match &pattern {
                NumberPattern::PrefixNumber { prefix } => Some(prefix.clone()),
                NumberPattern::NumberYear => None,
            },
            verification: Some(
                crate::public::verification_for(&mut *tx, public_url, org, id).await?,
            ),
        };
        let signatures = reads::inked_images(content, org, &overlay.gathered).await?;
        let seal_reason = sealed_approval(&overlay);
        let verification = overlay.verification.clone();
        let drafted = stored_document((*reads::content_read(&mut *tx, org, &doc).await?).clone())?;
        answers = drafted.in_reply_to().map(ToString::to_string);
        let document = compose(drafted, &config, &overlay);
        let files = enclosures::files_of(&mut *tx, content, org, &document).await?;
        let mut composed = Composed::new(document, &config, emblem);
        composed.files = files;
        composed.signatures = signatures;
        let pdf = print(press, composed).await?;
        // Sealed before it is hashed: the issued bytes are the sealed ones.
        let pdf = match &sealer {
            Some(sealer) => {
                sealer
                    .seal(
                        &pdf,
                        config.organisation.name.to_string(),
                        seal_reason,
                        crate::public::verification_code(org, id),
                        verification.and_then(|v| v.url).map(|url| url.to_string()),
                        // The seal's time is the real one, even when the
                        // issue is recorded at an earlier `at` (an import).
                        thai_time(Utc::now()).fixed_offset(),
                    )
                    .await?
            }
            None => pdf,
        };
        let hash = sha256_hex(&pdf);
        // Stored durably before the issue event that names it commits.
        let size = pdf.len() as i64;
        content
            .put(org, crate::content::ContentKind::Pdf, &hash, pdf)
            .await?;
        sqlx::query(
            "INSERT INTO pdfs (org_id, sha256, size) VALUES ($1, $2, $3) ON CONFLICT (org_id, sha256) DO NOTHING",
        )
        .bind(org)
        .bind(&hash)
        .bind(size)
        .execute(&mut **tx)
        .await?;
        let year = i32::try_from(register_year)
            .map_err(|_| StoreError::invariant("a register year out of range"))?;
        issued = Some((year, stored_number(allocated)?.get(), hash));
        sqlx::query("UPDATE documents SET verify_code = $1 WHERE org_id = $2 AND id = $3")
            .bind(crate::public::verification_code(org, id))
            .bind(org)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        numbering = Some((pattern, config.organisation.digits));
    } else if let Some(register) = &doc.register {
        let key = (org.to_owned(), register.clone());
        numbering = Some(match batch.numbering.get(&key) {
            Some(known) => known.clone(),
            None => {
                let (pattern, _) = register_info(&mut *tx, org, register).await?;
                let known = (pattern, reads::org_digits(&mut *tx, org).await?);
                batch.numbering.insert(key, known.clone());
                known
            }
        });
    }
    let closing_at = now.clone();
    let event = Event {
        position: decision.acting_for.as_ref().map(|a| a.position.to_string()),
        capacity: decision
            .acting_for
            .as_ref()
            .map(|a| a.standing.name().to_owned()),
        text: text.map(str::to_owned),
        register: issued.as_ref().map(|_| route.register.to_string()),
        year: issued.as_ref().map(|(year, _, _)| *year),
        number: issued.as_ref().map(|(_, number, _)| *number),
        pdf_hash: issued.map(|(_, _, hash)| hash),
        route_version: (action == ActionKind::Submit).then_some(doc.route_version as u32),
        assigned_to: assignment.as_ref().map(|a| a.to.to_string()),
        positions: circulate_to,
        due: assignment
            .as_ref()
            .and_then(|a| a.due)
            .map(|due| due.format("%Y-%m-%d").to_string()),
        signature_image: ink.as_ref().map(|ink| ink.sha256.clone()),
        kept_date,
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
            if has_actor_key(&mut batch.tx, org, actor.as_str()).await? {
                return Err(StoreError::KeyLocked {
                    person: actor.to_string(),
                });
            }
            None
        }
        _ => None,
    };
    // One rule, two uses: the row, the waiting positions and the action row
    // are the event replayed, as `verify` rebuilds them from the log.
    let mut projected = doc.projected(acted, returned_from);
    let waiting_before = projected.waiting(&route);
    let action_row = projected
        .apply(0, &event, &route)
        .map_err(|fault| {
            StoreError::invariant(format!(
                "the replay refuses an allowed {}: {fault}",
                action.name()
            ))
        })?
        .map(ActionRow::from);
    let waiting_after = projected.waiting(&route);
    let after = doc.replayed(projected);
    let (pattern, digits) = match &numbering {
        Some((pattern, digits)) => (Some(pattern), *digits),
        None => (None, saraban_core::DigitStyle::default()),
    };
    let summary = after.summary(Some(&route), pattern, digits)?;
    let change = RouteChange {
        action: action_row,
        document: after,
        cancels: action == ActionKind::Cancel,
        waiting: (waiting_before != waiting_after).then_some(WaitingMove {
            before: waiting_before,
            after: waiting_after,
        }),
        inked: ink.map(|ink| (ink.sha256, ink.png)),
    };
    let ticket = batch.ledger.push(event, signer, Some(change));
    if let Some(letter) = answers.as_deref() {
        let reply = crate::replies::AnsweringReply {
            id,
            printed_number: summary.printed_number.as_deref().unwrap_or_default(),
        };
        crate::replies::close_answered(
            batch,
            org,
            actor.as_str(),
            letter,
            reply,
            &closing_at,
            &date,
        )
        .await?;
    }
    Ok((
        ActOutcome {
            document: summary,
            event_seq: 0,
        },
        ticket,
    ))
}

/// The /Reason of an issued PDF's seal: whose signature it seals.
fn sealed_approval(overlay: &Overlay) -> String {
    match overlay
        .gathered
        .iter()
        .rev()
        .find(|g| g.approval == saraban_core::compose::Approval::Signed)
    {
        Some(signed) => format!(
            "ออกตามที่ {} {} ลงนาม",
            signed.name.as_str(),
            signed.position_title.as_str()
        ),
        None => "ออกโดยระบบสารบรรณ".to_owned(),
    }
}

/// What an action directs beyond its text: the signer's assignment, the
/// positions a letter is circulated to, or the signer keeping an order's
/// own date.
struct Directions {
    assignment: Option<Assignment>,
    circulate_to: Vec<Slug>,
    keep_date: bool,
}

/// The date (YYYY-MM-DD) a signer keeps: only in signing, only an order's.
fn order_date_kept(action: ActionKind, content: &serde_json::Value) -> Result<String> {
    if action != ActionKind::Sign {
        return Err(StoreError::invalid(
            "keep_date",
            "คงวันที่ในร่างได้เฉพาะเมื่อลงนาม",
        ));
    }
    if content.get("kind").and_then(serde_json::Value::as_str) != Some("order") {
        return Err(StoreError::invalid("keep_date", "คงวันที่ในร่างได้เฉพาะคำสั่ง"));
    }
    content
        .get("date")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| StoreError::corrupt("content", "an order without its date"))
}

/// A circulation names positions of the organisation, each once, and
/// only a circulation names any; returns them as the event records them.
async fn check_circulation(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    action: ActionKind,
    positions: Vec<Slug>,
) -> Result<Option<Vec<String>>> {
    if action != ActionKind::Circulate {
        if !positions.is_empty() {
            return Err(StoreError::invalid(
                "positions",
                "ระบุตำแหน่งได้เฉพาะเมื่อแจ้งเวียน",
            ));
        }
        return Ok(None);
    }
    if positions.is_empty() {
        return Err(StoreError::invalid(
            "positions",
            "เลือกตำแหน่งที่จะแจ้งเวียนอย่างน้อยหนึ่งตำแหน่ง",
        ));
    }
    let mut named: Vec<String> = Vec::with_capacity(positions.len());
    for position in positions {
        if named.iter().any(|p| p == position.as_str()) {
            continue;
        }
        let known = sqlx::query("SELECT 1 FROM positions WHERE org_id = $1 AND id = $2")
            .bind(org)
            .bind(position.as_str())
            .fetch_optional(&mut **tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::invalid(
                "positions",
                format!("ไม่มีตำแหน่ง “{position}” ในหน่วยงาน"),
            ));
        }
        named.push(position.to_string());
    }
    Ok(Some(named))
}

/// The signer's order on a received letter assigns it: to whom (a
/// position or a person of the organisation) and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub to: Slug,
    pub due: Option<chrono::NaiveDate>,
}

/// An assignment goes only with the signature on a received letter, to
/// a position or person the organisation has.
async fn check_assignment(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    route: &saraban_core::workflow::Route,
    action: ActionKind,
    assignment: &Assignment,
) -> Result<()> {
    if action != ActionKind::Sign || !route.incoming {
        return Err(StoreError::invalid(
            "assigned_to",
            "มอบหมายได้เฉพาะเมื่อสั่งการ (ลงนาม) ในหนังสือรับ",
        ));
    }
    let known = sqlx::query(
        "SELECT 1 FROM positions WHERE org_id = $1 AND id = $2 UNION ALL SELECT 1 FROM people WHERE org_id = $1 AND id = $2",
    )
    .bind(org)
    .bind(assignment.to.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if known.is_none() {
        return Err(StoreError::invalid(
            "assigned_to",
            format!("ไม่มีตำแหน่งหรือบุคคล “{}” ในหน่วยงาน", assignment.to),
        ));
    }
    Ok(())
}

/// The sequence number a committed batch gave an event.
pub(crate) fn numbered(ticket: &SeqTicket) -> Result<u64> {
    ticket
        .get()
        .copied()
        .ok_or_else(|| StoreError::invariant("an event was committed without its number"))
}
