//! Checking an organisation's records against themselves: the log recomputed
//! from its stored bytes, a page at a time; every table beside it rebuilt
//! from its events (`saraban_core::replay`) and compared column by column;
//! documents, versions and PDFs against the hashes the log holds; register
//! numbers against the issued events; the log against every signed
//! checkpoint. Every finding is kept (an audit does not stop at the first),
//! each with its class.

use std::collections::{BTreeMap, HashMap, HashSet};

use saraban_core::checkpoint;
use saraban_core::ledger::{ChainCheck, ChainFault, Event, StoredEvent, sha256_hex};
use saraban_core::merkle;
use saraban_core::numbering::{FirstNumbers, IssuedNumber, check_counter, check_numbers};
use saraban_core::org::OrgConfig;
use saraban_core::replay::{Projected, ProjectedAction, ReplayFault};
use saraban_core::workflow::Route;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::actor_keys::{KEY_REGISTERED, registered_key};
use crate::keys::origin;
use crate::rows::stored_json;
use crate::{Result, Store, StoreError};

/// What kind of damage a finding is: the vocabulary the audit shares with
/// the check of an archive bundle.
pub use saraban_core::finding::FindingClass;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    #[schema(value_type = String)]
    pub class: FindingClass,
    pub org: String,
    pub seq: Option<u64>,
    pub document: Option<String>,
    pub detail: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.class.name(), self.org)?;
        if let Some(seq) = self.seq {
            write!(f, " event {seq}")?;
        }
        if let Some(document) = &self.document {
            write!(f, " document {document}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// The result of auditing one organisation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Audit {
    pub org: String,
    pub events: u64,
    pub head_seq: u64,
    /// RFC 6962 tree head over the events' stored bytes (hex).
    pub merkle_root: String,
    pub documents: u64,
    pub issued: u64,
    pub checkpoints: u64,
    pub findings: Vec<Finding>,
    /// What was put right that is not tampering: checkpoints filed late
    /// after a crash.
    pub notices: Vec<String>,
}

impl Audit {
    pub fn holds(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Collects findings for one organisation.
struct Findings<'a> {
    org: &'a str,
    found: Vec<Finding>,
}

impl Findings<'_> {
    fn add(
        &mut self,
        class: FindingClass,
        seq: Option<u64>,
        document: Option<&str>,
        detail: String,
    ) {
        self.found.push(Finding {
            class,
            org: self.org.to_owned(),
            seq,
            document: document.map(str::to_owned),
            detail,
        });
    }
}

fn to_hash(bytes: Vec<u8>) -> [u8; 32] {
    // A hash column of the wrong length can match nothing.
    bytes.try_into().unwrap_or([0xff; 32])
}

/// Events read at a time: the audit holds one page of the log, never all
/// of it.
const PAGE: i64 = 4096;

/// Approvals whose actors' signatures are checked together, on every core,
/// while the next pages are read.
const APPROVALS_PER_BATCH: usize = 8192;

/// An issued event's claim on a register number.
struct Issue {
    seq: u64,
    document: String,
    register: String,
    year: i32,
    number: u32,
    pdf_hash: Option<String>,
}

/// An approval to check: its event's bytes against its actor's key.
struct Approval {
    seq: u64,
    document: String,
    actor: String,
    key: checkpoint::VerifierKey,
    bytes: Vec<u8>,
    signature: Option<Vec<u8>>,
}

/// A finding made off the async thread: (event, document, detail).
type Found = (u64, String, String);

/// Every endorsement and signature of a person whose key the log has
/// registered must carry that key's signature of the event's bytes. The
/// checks run in batches on blocking threads, one batch behind the reads.
#[derive(Default)]
struct ApprovalChecks {
    keys: HashMap<String, checkpoint::VerifierKey>,
    pending: Vec<Approval>,
    running: Option<tokio::task::JoinHandle<Vec<Found>>>,
}

impl ApprovalChecks {
    fn observe(&mut self, seq: u64, event: &Event, bytes: &[u8], signature: Option<Vec<u8>>) {
        if let Some(key) = registered_key(event) {
            self.keys.insert(event.actor.clone(), key);
            return;
        }
        if !matches!(event.kind.as_str(), "endorsed" | "signed") {
            return;
        }
        let Some(key) = self.keys.get(&event.actor) else {
            return;
        };
        self.pending.push(Approval {
            seq,
            document: event.document.clone(),
            actor: event.actor.clone(),
            key: key.clone(),
            bytes: bytes.to_vec(),
            signature,
        });
    }

    /// Starts checking the pending approvals once there are enough.
    async fn start_when_full(&mut self, findings: &mut Findings<'_>) -> Result<()> {
        if self.pending.len() >= APPROVALS_PER_BATCH {
            self.start(findings).await?;
        }
        Ok(())
    }

    async fn start(&mut self, findings: &mut Findings<'_>) -> Result<()> {
        self.collect(findings).await?;
        let batch = std::mem::take(&mut self.pending);
        if !batch.is_empty() {
            self.running = Some(tokio::task::spawn_blocking(move || check_approvals(&batch)));
        }
        Ok(())
    }

    async fn collect(&mut self, findings: &mut Findings<'_>) -> Result<()> {
        if let Some(running) = self.running.take() {
            let found = running
                .await
                .map_err(|e| StoreError::invariant(format!("a signature check stopped: {e}")))?;
            for (seq, document, detail) in found {
                findings.add(
                    FindingClass::BadSignature,
                    Some(seq),
                    Some(&document),
                    detail,
                );
            }
        }
        Ok(())
    }

    async fn finish(mut self, findings: &mut Findings<'_>) -> Result<()> {
        self.start(findings).await?;
        self.collect(findings).await
    }
}

/// Signatures checked together per this many approvals; a group that
/// fails is checked one by one to find which.
const APPROVALS_PER_GROUP: usize = 128;

fn check_approvals(batch: &[Approval]) -> Vec<Found> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = batch.len().div_ceil(threads).max(APPROVALS_PER_GROUP);
    std::thread::scope(|scope| {
        let workers: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.chunks(APPROVALS_PER_GROUP)
                        .flat_map(check_group)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a signature-checking thread"))
            .collect()
    })
}

fn check_group(group: &[Approval]) -> Vec<Found> {
    let signed: Vec<(&checkpoint::VerifierKey, &[u8], &[u8])> = group
        .iter()
        .filter_map(|a| Some((&a.key, a.bytes.as_slice(), a.signature.as_deref()?)))
        .collect();
    let all_hold = signed.len() == group.len() && checkpoint::VerifierKey::verify_all(&signed);
    if all_hold {
        return Vec::new();
    }
    group
        .iter()
        .filter_map(|approval| {
            let detail = match &approval.signature {
                None => "an approval without its actor's signature",
                Some(signature) if !approval.key.verify_message(&approval.bytes, signature) => {
                    "the actor's signature does not verify"
                }
                Some(_) => return None,
            };
            Some((
                approval.seq,
                approval.document.clone(),
                format!("{detail} ({})", approval.actor),
            ))
        })
        .collect()
}

/// A page of the log, with the action rows of its events.
struct EventPage {
    stored: Vec<StoredEvent>,
    /// Each event's actor signature, and its row's document and kind.
    beside: Vec<(Option<Vec<u8>>, String, String)>,
    action_rows: Vec<AnyRow>,
}

/// The events after `after`, up to a page, and their action rows.
async fn read_page(pool: &sqlx::AnyPool, org: &str, after: u64) -> Result<EventPage> {
    let rows = sqlx::query(
        "SELECT seq, bytes, prev_hash, hash, actor_signature, document_id, kind FROM events
          WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(org)
    .bind(after as i64)
    .bind(PAGE)
    .fetch_all(pool)
    .await?;
    let mut stored = Vec::with_capacity(rows.len());
    let mut beside = Vec::with_capacity(rows.len());
    for row in &rows {
        stored.push(StoredEvent {
            seq: row.try_get::<i64, _>("seq")? as u64,
            bytes: row.try_get("bytes")?,
            prev_hash: to_hash(row.try_get("prev_hash")?),
            hash: to_hash(row.try_get("hash")?),
        });
        beside.push((
            row.try_get::<Option<Vec<u8>>, _>("actor_signature")?,
            row.try_get::<String, _>("document_id")?,
            row.try_get::<String, _>("kind")?,
        ));
    }
    let action_rows = match stored.last() {
        Some(last) => sqlx::query(
            "SELECT seq, document_id, round, step, kind, position_id, actor_id, standing, text, at
                   FROM actions WHERE org_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
        )
        .bind(org)
        .bind(after as i64)
        .bind(last.seq as i64)
        .fetch_all(pool)
        .await?,
        None => Vec::new(),
    };
    Ok(EventPage {
        stored,
        beside,
        action_rows,
    })
}

/// Action rows against the rows their events rebuild (`expected`).
fn compare_actions(
    findings: &mut Findings<'_>,
    rebuilt: &Rebuilt,
    rows: &[AnyRow],
    mut expected: BTreeMap<u64, ProjectedAction>,
) -> Result<()> {
    for row in rows {
        let seq = row.try_get::<i64, _>("seq")? as u64;
        let document: String = row.try_get("document_id")?;
        let Some(action) = expected.remove(&seq) else {
            if !rebuilt.broken(&document) {
                findings.add(
                    FindingClass::Projection,
                    Some(seq),
                    Some(&document),
                    "an action row that no event of the log makes".into(),
                );
            }
            continue;
        };
        let position: Option<String> = row.try_get("position_id")?;
        let actor: String = row.try_get("actor_id")?;
        let standing: Option<String> = row.try_get("standing")?;
        let text: Option<String> = row.try_get("text")?;
        if document != action.document
            || position.as_deref() != Some(action.position.as_str())
            || actor != action.actor
            || standing.as_deref() != Some(action.standing)
            || text != action.text
        {
            findings.add(
                FindingClass::ContentModified,
                Some(seq),
                Some(&document),
                "the recorded action differs from its event".into(),
            );
        }
        let round: i64 = row.try_get("round")?;
        let step: i64 = row.try_get("step")?;
        let kind: String = row.try_get("kind")?;
        let at: String = row.try_get("at")?;
        if round != action.round || step != action.step || kind != action.kind || at != action.at {
            findings.add(
                FindingClass::Projection,
                Some(seq),
                Some(&document),
                format!(
                    "the action row says {kind} at round {round}, step {step}, {at}; its event rebuilds {} at round {}, step {}, {}",
                    action.kind, action.round, action.step, action.at
                ),
            );
        }
    }
    for (seq, action) in expected {
        findings.add(
            FindingClass::Projection,
            Some(seq),
            Some(&action.document),
            format!(
                "the {} by {} has no action row: the history and the issued PDF would leave it out",
                action.kind, action.actor
            ),
        );
    }
    Ok(())
}

/// A version of a document as the event that made it says.
struct MadeVersion {
    content_hash: String,
    author: String,
    at: String,
}

/// What the events rebuild, as they stream by: each document's row (or
/// `None` once one of its events could not be replayed, which is reported
/// once), and each version's maker.
struct Rebuilt {
    /// Each document's kind, which with its route version names its route.
    kinds: HashMap<String, String>,
    routes: HashMap<(String, i64), Route>,
    documents: HashMap<String, Option<Projected>>,
    versions: HashMap<(String, u64), MadeVersion>,
}

impl Rebuilt {
    fn broken(&self, document: &str) -> bool {
        matches!(self.documents.get(document), Some(None))
    }

    /// Replays `event`; returns the action row it makes, if any.
    fn apply(
        &mut self,
        findings: &mut Findings<'_>,
        seq: u64,
        event: &Event,
    ) -> Option<ProjectedAction> {
        if event.kind == KEY_REGISTERED {
            return None;
        }
        let id = event.document.as_str();
        if event.kind == "created" {
            let replayed = match self.documents.get(id) {
                Some(_) => Err(ReplayFault::CreatedTwice),
                None => Projected::created(event),
            };
            match replayed {
                Ok(projected) => {
                    self.documents.insert(id.to_owned(), Some(projected));
                    self.made(event);
                }
                Err(fault) => {
                    findings.add(
                        FindingClass::Transition,
                        Some(seq),
                        Some(id),
                        fault.to_string(),
                    );
                    self.documents.insert(id.to_owned(), None);
                }
            }
            return None;
        }
        let Some(Some(projected)) = self.documents.get_mut(id) else {
            if !self.documents.contains_key(id) {
                findings.add(
                    FindingClass::Transition,
                    Some(seq),
                    Some(id),
                    ReplayFault::NotCreated.to_string(),
                );
                self.documents.insert(id.to_owned(), None);
            }
            return None;
        };
        let route = self
            .kinds
            .get(id)
            .and_then(|kind| self.routes.get(&(kind.clone(), projected.route_version)));
        let replayed = match route {
            Some(route) => projected
                .apply(seq, event, route)
                .map_err(|fault| (FindingClass::Transition, fault.to_string())),
            None => Err((
                FindingClass::Projection,
                format!(
                    "no route (version {}) of its kind to replay it under",
                    projected.route_version
                ),
            )),
        };
        match replayed {
            Ok(action) => {
                if event.kind == "edited" {
                    self.made(event);
                }
                action
            }
            Err((class, detail)) => {
                findings.add(class, Some(seq), Some(id), detail);
                self.documents.insert(id.to_owned(), None);
                None
            }
        }
    }

    fn made(&mut self, event: &Event) {
        self.versions.insert(
            (event.document.clone(), event.doc_version),
            MadeVersion {
                content_hash: event.content_hash.clone(),
                author: event.actor.clone(),
                at: event.at.clone(),
            },
        );
    }
}

/// The kind a document's content says it is.
#[derive(serde::Deserialize)]
struct ContentKind {
    kind: String,
}

/// A stored content's hash, and the kind it says it is (when asked).
struct ContentDigest {
    sha256: String,
    kind: Option<String>,
}

/// Rows of contents are read this many at a time (a memo's text runs to
/// kilobytes).
const CONTENT_PAGE: i64 = 512;

/// The `content` column of each row hashed (and its kind read), the rows
/// spread over the cores.
fn digest_contents(rows: &[AnyRow], with_kind: bool) -> Result<Vec<ContentDigest>> {
    let contents: Vec<String> = rows
        .iter()
        .map(|row| row.try_get("content"))
        .collect::<std::result::Result<_, _>>()?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = contents.len().div_ceil(threads).max(16);
    Ok(std::thread::scope(|scope| {
        let workers: Vec<_> = contents
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|content| ContentDigest {
                            sha256: sha256_hex(content.as_bytes()),
                            kind: with_kind
                                .then(|| serde_json::from_str::<ContentKind>(content).ok())
                                .flatten()
                                .map(|c| c.kind),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a hashing thread"))
            .collect()
    }))
}

impl Store {
    /// The ids of every organisation in the store.
    pub async fn organisation_ids(&self) -> Result<Vec<String>> {
        sqlx::query("SELECT id FROM organisations ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok(row.try_get("id")?))
            .collect()
    }

    /// Recomputes everything `org`'s records claim and reports each
    /// disagreement.
    pub async fn audit(&self, org: &str) -> Result<Audit> {
        self.audit_against(org, &[]).await
    }

    /// As `audit`, also holding the log to checkpoint notes kept elsewhere
    /// (by an auditor, a citizen, another server).
    ///
    /// The log is read a page at a time: each page's chain, its events'
    /// own columns, and the action rows of its events are checked as it
    /// goes, its events are replayed into the documents' rows, and its
    /// approvals' signatures are checked on other threads. The tables
    /// beside the log are then compared with what the events rebuilt.
    pub async fn audit_against(&self, org: &str, kept_notes: &[String]) -> Result<Audit> {
        let mut findings = Findings {
            org,
            found: Vec::new(),
        };
        let config = self.org_config(org).await?;
        let head = sqlx::query("SELECT seq, hash, frontier FROM ledger_heads WHERE org_id = $1")
            .bind(org)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", org))?;
        let head_seq = head.try_get::<i64, _>("seq")? as u64;
        let head_hash = to_hash(head.try_get("hash")?);
        let head_frontier: Option<Vec<u8>> = head.try_get("frontier")?;
        let checkpoints = self.read_checkpoints(&mut findings, kept_notes).await?;
        let sizes: HashSet<u64> = checkpoints.held.iter().map(|(size, _, _)| *size).collect();

        let mut rebuilt = Rebuilt {
            kinds: self.document_kinds(org).await?,
            routes: self.routes_of(org).await?,
            documents: HashMap::new(),
            versions: HashMap::new(),
        };
        let mut chain = ChainCheck::default();
        let mut frontier = merkle::Frontier::default();
        let mut roots: HashMap<u64, merkle::Hash> = HashMap::new();
        let mut approvals = ApprovalChecks::default();
        let mut issues: Vec<Issue> = Vec::new();
        let mut last: Option<(u64, [u8; 32])> = None;
        // The next page is read while this one is checked.
        let read = |after: u64| {
            let (pool, org) = (self.pool.clone(), org.to_owned());
            tokio::spawn(async move { read_page(&pool, &org, after).await })
        };
        let mut next = read(0);
        loop {
            let page = next
                .await
                .map_err(|e| StoreError::invariant(format!("a page read stopped: {e}")))??;
            let Some(until) = page.stored.last().map(|stored| stored.seq) else {
                break;
            };
            next = read(until);
            let EventPage {
                stored,
                beside,
                action_rows,
            } = page;
            let (faults, decoded) = chain.page(&stored);
            report_chain_faults(&mut findings, faults);
            let mut actions: BTreeMap<u64, ProjectedAction> = BTreeMap::new();
            for ((stored, event), (signature, document, kind)) in
                stored.iter().zip(decoded).zip(beside)
            {
                frontier.push(merkle::leaf_hash(&stored.bytes));
                if sizes.contains(&frontier.size()) {
                    roots.insert(frontier.size(), frontier.root());
                }
                let Some(event) = event else {
                    continue;
                };
                if event.document != document || event.kind != kind {
                    findings.add(
                        FindingClass::Projection,
                        Some(stored.seq),
                        Some(&event.document),
                        format!(
                            "its row says document {document:?} and kind {kind:?}, its bytes {:?} and {:?}",
                            event.document, event.kind
                        ),
                    );
                }
                approvals.observe(stored.seq, &event, &stored.bytes, signature);
                if let Some(action) = rebuilt.apply(&mut findings, stored.seq, &event) {
                    actions.insert(stored.seq, action);
                }
                if event.kind == "issued"
                    && let (Some(register), Some(year), Some(number)) =
                        (&event.register, event.year, event.number)
                {
                    issues.push(Issue {
                        seq: stored.seq,
                        document: event.document.clone(),
                        register: register.clone(),
                        year,
                        number,
                        pdf_hash: event.pdf_hash.clone(),
                    });
                }
            }
            let tail = stored.last().expect("a page has events");
            last = Some((tail.seq, tail.hash));
            compare_actions(&mut findings, &rebuilt, &action_rows, actions)?;
            approvals.start_when_full(&mut findings).await?;
        }
        approvals.finish(&mut findings).await?;
        let after_log = last.map_or(0, |(seq, _)| seq);
        let beyond = sqlx::query(
            "SELECT seq, document_id, round, step, kind, position_id, actor_id, standing, text, at
               FROM actions WHERE org_id = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(org)
        .bind(after_log as i64)
        .fetch_all(&self.pool)
        .await?;
        compare_actions(&mut findings, &rebuilt, &beyond, BTreeMap::new())?;
        check_head(&mut findings, last, head_seq, head_hash);
        if let Some(stored) = head_frontier
            && frontier.size() == head_seq
            && stored != frontier.to_bytes()
        {
            findings.add(
                FindingClass::Projection,
                Some(head_seq),
                None,
                "the log head's Merkle frontier is not the one of the log's events".into(),
            );
        }
        let documents = self.check_documents(&mut findings, &mut rebuilt).await?;
        self.check_versions(&mut findings, &mut rebuilt).await?;
        self.check_issues(&mut findings, &config, &issues).await?;
        let late = checkpoints.compare(&mut findings, &roots, frontier.size());
        let mut notices = Vec::new();
        if let Some(folder) = self.key_folder() {
            for (size, note) in late {
                folder.file_note(org, size, &note)?;
                notices.push(format!(
                    "checkpoint {size} was filed late: it is signed and in the database, and was missing from the checkpoint file (a crash between the two); it is filed now"
                ));
            }
        }
        let mut found = findings.found;
        found.sort_by_key(|finding| (finding.seq, finding.class));
        Ok(Audit {
            org: org.to_owned(),
            events: frontier.size(),
            head_seq,
            merkle_root: hex::encode(frontier.root()),
            documents,
            issued: issues.len() as u64,
            checkpoints: checkpoints.stored.len() as u64,
            findings: found,
            notices,
        })
    }

    async fn document_kinds(&self, org: &str) -> Result<HashMap<String, String>> {
        sqlx::query("SELECT id, kind FROM documents WHERE org_id = $1")
            .bind(org)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("kind")?)))
            .collect()
    }

    async fn routes_of(&self, org: &str) -> Result<HashMap<(String, i64), Route>> {
        sqlx::query("SELECT kind, version, definition FROM routes WHERE org_id = $1")
            .bind(org)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let route: Route = stored_json(row, "definition", "route")?;
                Ok(((row.try_get("kind")?, row.try_get("version")?), route))
            })
            .collect()
    }

    /// Each document's row against the one its events rebuild: its content
    /// and version, number, state, round, cancellation, times, and who it
    /// waits for. Returns how many rows there are.
    async fn check_documents(
        &self,
        findings: &mut Findings<'_>,
        rebuilt: &mut Rebuilt,
    ) -> Result<u64> {
        let org = findings.org;
        let mut waiting: HashMap<String, Vec<String>> = HashMap::new();
        for row in sqlx::query("SELECT document_id, position_id FROM waiting WHERE org_id = $1")
            .bind(org)
            .fetch_all(&self.pool)
            .await?
        {
            waiting
                .entry(row.try_get("document_id")?)
                .or_default()
                .push(row.try_get("position_id")?);
        }
        let mut count = 0;
        let mut after = String::new();
        loop {
            let rows = sqlx::query(
                "SELECT id, kind, state, step, round, drafter_id, route_version, version, content, content_hash,
                        register_id, year, number, pdf_hash, cancelled_at, created_at, updated_at, verify_code
                   FROM documents WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(org)
            .bind(&after)
            .bind(CONTENT_PAGE)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.try_get("id")?;
            count += rows.len() as u64;
            let digests = digest_contents(&rows, true)?;
            for (row, digest) in rows.iter().zip(digests) {
                let id: String = row.try_get("id")?;
                let mut waits: Vec<String> = waiting.remove(&id).unwrap_or_default();
                waits.sort();
                self.check_document(findings, rebuilt, row, &id, digest, waits)?;
            }
        }
        for (id, projected) in &rebuilt.documents {
            if projected.is_some() {
                findings.add(
                    FindingClass::Projection,
                    None,
                    Some(id),
                    "the log records it, but it has no row".into(),
                );
            }
        }
        for id in waiting.keys() {
            findings.add(
                FindingClass::Projection,
                None,
                Some(id),
                "a document that does not exist is waited for".into(),
            );
        }
        Ok(count)
    }

    fn check_document(
        &self,
        findings: &mut Findings<'_>,
        rebuilt: &mut Rebuilt,
        row: &AnyRow,
        id: &str,
        digest: ContentDigest,
        waits: Vec<String>,
    ) -> Result<()> {
        let org = findings.org;
        let content_hash: String = row.try_get("content_hash")?;
        if digest.sha256 != content_hash {
            findings.add(
                FindingClass::ContentModified,
                None,
                Some(id),
                "its text does not match its hash".into(),
            );
        }
        let kind: String = row.try_get("kind")?;
        if digest.kind.as_ref() != Some(&kind) {
            findings.add(
                FindingClass::Projection,
                None,
                Some(id),
                format!("its row says kind {kind:?}, its content does not"),
            );
        }
        let projected = match rebuilt.documents.remove(id) {
            Some(Some(projected)) => projected,
            // Its events could not be replayed: reported already.
            Some(None) => return Ok(()),
            None => {
                findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(id),
                    "no event of the log records it".into(),
                );
                return Ok(());
            }
        };
        let version = row.try_get::<i64, _>("version")? as u64;
        if version != projected.version || content_hash != projected.content_hash {
            findings.add(
                FindingClass::ContentModified,
                None,
                Some(id),
                format!(
                    "at version {version}, but the log last recorded version {}",
                    projected.version
                ),
            );
        }
        let number = (
            row.try_get::<Option<String>, _>("register_id")?,
            row.try_get::<Option<i64>, _>("year")?,
            row.try_get::<Option<i64>, _>("number")?,
            row.try_get::<Option<String>, _>("pdf_hash")?,
        );
        let logged = (
            projected.register.clone(),
            projected.year,
            projected.number,
            projected.pdf_hash.clone(),
        );
        if number != logged {
            findings.add(
                FindingClass::ContentModified,
                None,
                Some(id),
                "its register number or PDF differs from the issued event".into(),
            );
        }
        let mut differs: Vec<String> = Vec::new();
        let mut compare = |column: &str, stored: String, rebuilt: String| {
            if stored != rebuilt {
                differs.push(format!("{column} is {stored}, the log says {rebuilt}"));
            }
        };
        let state: String = row.try_get("state")?;
        let step: i64 = row.try_get("step")?;
        compare(
            "state",
            format!("{state} (step {step})"),
            format!(
                "{} (step {})",
                projected.state.name(),
                projected.state.step()
            ),
        );
        compare(
            "round",
            row.try_get::<i64, _>("round")?.to_string(),
            projected.round.to_string(),
        );
        compare(
            "drafter",
            row.try_get("drafter_id")?,
            projected.drafter.clone(),
        );
        compare(
            "route version",
            row.try_get::<i64, _>("route_version")?.to_string(),
            projected.route_version.to_string(),
        );
        let shown = |at: Option<String>| at.unwrap_or_else(|| "none".into());
        compare(
            "cancelled at",
            shown(row.try_get("cancelled_at")?),
            shown(projected.cancelled_at.clone()),
        );
        compare(
            "created at",
            row.try_get("created_at")?,
            projected.created_at.clone(),
        );
        compare(
            "updated at",
            row.try_get("updated_at")?,
            projected.updated_at.clone(),
        );
        compare(
            "verification code",
            shown(row.try_get("verify_code")?),
            shown(
                projected
                    .number
                    .map(|_| crate::public::verification_code(org, id)),
            ),
        );
        let route = rebuilt.routes.get(&(kind, projected.route_version));
        let mut expected = route
            .map(|route| projected.waiting(route))
            .unwrap_or_default();
        expected.sort();
        compare("waiting for", waits.join(", "), expected.join(", "));
        for detail in differs {
            findings.add(FindingClass::Projection, None, Some(id), detail);
        }
        Ok(())
    }

    /// Every stored version against its hash and the event that made it.
    async fn check_versions(
        &self,
        findings: &mut Findings<'_>,
        rebuilt: &mut Rebuilt,
    ) -> Result<()> {
        let org = findings.org;
        let mut after = (String::new(), 0_i64);
        loop {
            let rows = sqlx::query(
                "SELECT document_id, version, content, content_hash, author_id, created_at FROM document_versions
                  WHERE org_id = $1 AND (document_id > $2 OR (document_id = $2 AND version > $3))
                  ORDER BY document_id, version LIMIT $4",
            )
            .bind(org)
            .bind(&after.0)
            .bind(after.1)
            .bind(CONTENT_PAGE)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = (last.try_get("document_id")?, last.try_get("version")?);
            let digests = digest_contents(&rows, false)?;
            for (row, digest) in rows.iter().zip(digests) {
                let id: String = row.try_get("document_id")?;
                let version = row.try_get::<i64, _>("version")? as u64;
                let stored_hash: String = row.try_get("content_hash")?;
                if digest.sha256 != stored_hash {
                    findings.add(
                        FindingClass::ContentModified,
                        None,
                        Some(&id),
                        format!("version {version}: its text does not match its hash"),
                    );
                }
                match rebuilt.versions.remove(&(id.clone(), version)) {
                    None if rebuilt.broken(&id) => {}
                    None => findings.add(
                        FindingClass::ContentModified,
                        None,
                        Some(&id),
                        format!("version {version} was made by no event of the log"),
                    ),
                    Some(made) if made.content_hash != stored_hash => findings.add(
                        FindingClass::ContentModified,
                        None,
                        Some(&id),
                        format!("version {version} is not the text the log recorded"),
                    ),
                    Some(made) => {
                        let author: String = row.try_get("author_id")?;
                        let at: String = row.try_get("created_at")?;
                        if author != made.author || at != made.at {
                            findings.add(
                                FindingClass::Projection,
                                None,
                                Some(&id),
                                format!("version {version}: its author or time is not what its event says"),
                            );
                        }
                    }
                }
            }
        }
        for (id, version) in rebuilt.versions.keys() {
            findings.add(
                FindingClass::ContentModified,
                None,
                Some(id),
                format!("version {version} is missing"),
            );
        }
        Ok(())
    }

    /// Register numbers (gapless and unique per register and year) and the
    /// issued PDFs.
    async fn check_issues(
        &self,
        findings: &mut Findings<'_>,
        config: &OrgConfig,
        issues: &[Issue],
    ) -> Result<()> {
        let issued: Vec<IssuedNumber<'_>> = issues
            .iter()
            .map(|issue| IssuedNumber {
                register: &issue.register,
                year: issue.year,
                number: issue.number,
                seq: issue.seq,
                document: &issue.document,
            })
            .collect();
        let firsts = first_numbers(config);
        let numbers = check_numbers(&issued, &firsts);
        for finding in &numbers.findings {
            findings.add(
                finding.class,
                Some(finding.seq),
                Some(&finding.document),
                finding.detail.clone(),
            );
        }
        // The counters must stand where the issued numbers end, or the next
        // issue would skip or repeat a number.
        for row in sqlx::query(
            "SELECT register_id, year, next_number FROM register_counters WHERE org_id = $1",
        )
        .bind(findings.org)
        .fetch_all(&self.pool)
        .await?
        {
            let register: String = row.try_get("register_id")?;
            let year = i32::try_from(row.try_get::<i64, _>("year")?)
                .map_err(|e| StoreError::corrupt("register counter year", e))?;
            let counter: i64 = row.try_get("next_number")?;
            let due = numbers.next_due(&firsts, &register, year);
            if let Some((class, detail)) = check_counter(&register, year, counter, due) {
                findings.add(class, None, None, detail);
            }
        }
        for issue in issues {
            let Some(hash) = &issue.pdf_hash else {
                continue;
            };
            let pdf: Option<Vec<u8>> = sqlx::query("SELECT bytes FROM pdfs WHERE sha256 = $1")
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| row.try_get("bytes"))
                .transpose()?;
            let detail = match pdf {
                None => "the issued PDF is missing",
                Some(bytes) if sha256_hex(&bytes) != *hash => {
                    "the stored PDF is not the one issued"
                }
                Some(_) => continue,
            };
            findings.add(
                FindingClass::ContentModified,
                Some(issue.seq),
                Some(&issue.document),
                detail.into(),
            );
        }
        Ok(())
    }
}

/// The signed checkpoints an audit holds the log to: each note's
/// signature checked as it is read, its root compared once the log has
/// been streamed.
struct HeldCheckpoints {
    /// The database's rows: size, root, note.
    stored: Vec<(u64, Vec<u8>, String)>,
    /// The notes of the key folder's file, if the store has one.
    filed: Option<Vec<(u64, String)>>,
    /// (size, root, where the note came from) of every note that verifies.
    held: Vec<(u64, merkle::Hash, &'static str)>,
    /// The sizes of the database's notes whose signatures verify.
    authentic: HashSet<u64>,
}

impl Store {
    /// Every signed checkpoint (in the database, in the file beside the
    /// key, and kept by the caller), each signature checked.
    async fn read_checkpoints(
        &self,
        findings: &mut Findings<'_>,
        kept_notes: &[String],
    ) -> Result<HeldCheckpoints> {
        let org = findings.org;
        let stored: Vec<(u64, Vec<u8>, String)> =
            sqlx::query("SELECT size, root, note FROM checkpoints WHERE org_id = $1 ORDER BY size")
                .bind(org)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| {
                    Ok((
                        row.try_get::<i64, _>("size")? as u64,
                        row.try_get("root")?,
                        row.try_get("note")?,
                    ))
                })
                .collect::<Result<_>>()?;
        let filed = match self.key_folder() {
            Some(folder) => Some(folder.filed_notes(org)?),
            None => None,
        };
        let mut held_checkpoints = HeldCheckpoints {
            stored,
            filed,
            held: Vec::new(),
            authentic: HashSet::new(),
        };
        let Some(verifier) = self.verifier_key(org).await? else {
            if !held_checkpoints.stored.is_empty() || !kept_notes.is_empty() {
                findings.add(
                    FindingClass::BadSignature,
                    None,
                    None,
                    "checkpoints exist but no key verifies them".into(),
                );
            }
            return Ok(held_checkpoints);
        };
        // Each distinct note's signature is checked once, on every core:
        // with a checkpoint per batch there are as many notes as batches.
        let mut notes: Vec<&str> = held_checkpoints
            .stored
            .iter()
            .map(|(_, _, note)| note.as_str())
            .chain(
                held_checkpoints
                    .filed
                    .iter()
                    .flatten()
                    .map(|(_, note)| note.as_str()),
            )
            .chain(kept_notes.iter().map(String::as_str))
            .collect();
        notes.sort_unstable();
        notes.dedup();
        let opened = open_notes(&notes, &verifier);
        let held = &mut held_checkpoints.held;
        let mut open = |findings: &mut Findings<'_>, note: &str, source: &'static str| match opened
            .get(note)
            .expect("every note is opened")
        {
            Ok(checkpoint) if checkpoint.origin() == origin(org) => {
                held.push((checkpoint.size(), *checkpoint.root(), source));
                Some(checkpoint.clone())
            }
            Ok(checkpoint) => {
                findings.add(
                    FindingClass::BadSignature,
                    Some(checkpoint.size()),
                    None,
                    format!(
                        "a checkpoint {source} is of another log, {}",
                        checkpoint.origin()
                    ),
                );
                None
            }
            Err(error) => {
                findings.add(
                    FindingClass::BadSignature,
                    None,
                    None,
                    format!("a checkpoint {source} does not verify: {error}"),
                );
                None
            }
        };
        for (size, root, note) in &held_checkpoints.stored {
            let Some(checkpoint) = open(findings, note, "in the database") else {
                continue;
            };
            if checkpoint.size() != *size || checkpoint.root().as_slice() != root.as_slice() {
                findings.add(
                    FindingClass::CheckpointMismatch,
                    Some(*size),
                    None,
                    "the row's size or root is not what its note signs".into(),
                );
            } else {
                held_checkpoints.authentic.insert(*size);
            }
        }
        let stored_notes: HashMap<u64, &str> = held_checkpoints
            .stored
            .iter()
            .map(|(size, _, note)| (*size, note.as_str()))
            .collect();
        if let Some(filed) = &held_checkpoints.filed {
            for (size, note) in filed {
                open(findings, note, "in the checkpoint file");
                let detail = match stored_notes.get(size) {
                    None => "filed but missing from the database",
                    Some(stored_note) if stored_note != note => {
                        "the database holds a different note"
                    }
                    Some(_) => continue,
                };
                findings.add(
                    FindingClass::CheckpointMismatch,
                    Some(*size),
                    None,
                    detail.into(),
                );
            }
        }
        for note in kept_notes {
            open(findings, note, "kept by the verifier");
        }
        held_checkpoints
            .held
            .sort_by_key(|(size, root, _)| (*size, *root));
        held_checkpoints
            .held
            .dedup_by_key(|(size, root, _)| (*size, *root));
        Ok(held_checkpoints)
    }
}

impl HeldCheckpoints {
    /// Each signed root against the log's `roots` at its size; returns the
    /// database's notes missing from the file that are signed and agree
    /// with the log (a crash came between saving and filing them): they
    /// are to be filed late, not reported.
    fn compare(
        &self,
        findings: &mut Findings<'_>,
        roots: &HashMap<u64, merkle::Hash>,
        log_size: u64,
    ) -> Vec<(u64, String)> {
        for (size, root, source) in &self.held {
            match roots.get(size) {
                None => findings.add(
                    FindingClass::Truncated,
                    Some(*size),
                    None,
                    format!(
                        "a signed checkpoint {source} covers {size} events, the log holds {log_size}"
                    ),
                ),
                Some(logged) if logged != root => findings.add(
                    FindingClass::Fork,
                    Some(*size),
                    None,
                    format!("the log's first {size} events are not those of the signed checkpoint {source}"),
                ),
                Some(_) => {}
            }
        }
        let Some(filed) = &self.filed else {
            return Vec::new();
        };
        let filed: HashSet<u64> = filed.iter().map(|(size, _)| *size).collect();
        let mut late = Vec::new();
        for (size, root, note) in &self.stored {
            if filed.contains(size) {
                continue;
            }
            let agrees = self.authentic.contains(size)
                && roots
                    .get(size)
                    .is_some_and(|r| r.as_slice() == root.as_slice());
            if agrees {
                late.push((*size, note.clone()));
            } else {
                findings.add(
                    FindingClass::CheckpointMismatch,
                    Some(*size),
                    None,
                    "in the database but not in the checkpoint file".into(),
                );
            }
        }
        late
    }
}

/// Each note opened with `verifier`, the notes spread over the cores.
fn open_notes<'a>(
    notes: &[&'a str],
    verifier: &checkpoint::VerifierKey,
) -> HashMap<&'a str, std::result::Result<checkpoint::Checkpoint, String>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = notes.len().div_ceil(threads).max(64);
    std::thread::scope(|scope| {
        let workers: Vec<_> = notes
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|note| {
                            (
                                *note,
                                checkpoint::open(note, verifier).map_err(|e| e.to_string()),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a note-opening thread"))
            .collect()
    })
}

/// The registers whose numbering starts in a year at other than 1.
fn first_numbers(config: &OrgConfig) -> FirstNumbers<'_> {
    config
        .registers
        .iter()
        .filter_map(|register| {
            let start = register.start.as_ref()?;
            Some(((register.id.as_str(), start.year.get()), start.next))
        })
        .collect()
}

fn report_chain_faults(findings: &mut Findings<'_>, faults: Vec<ChainFault>) {
    for fault in faults {
        match fault {
            ChainFault::Gap { expected, found } => findings.add(
                FindingClass::Gap,
                Some(found),
                None,
                format!("expected event {expected}, found {found}"),
            ),
            ChainFault::NotCanonical { seq } => findings.add(
                FindingClass::NonCanonical,
                Some(seq),
                None,
                "its bytes are not a canonical event of this number".into(),
            ),
            ChainFault::HashMismatch { seq } => findings.add(
                FindingClass::ContentModified,
                Some(seq),
                None,
                "its bytes do not match its hash".into(),
            ),
            ChainFault::PrevMismatch { seq } => findings.add(
                FindingClass::ContentModified,
                Some(seq),
                None,
                "it does not link to the event before it".into(),
            ),
        }
    }
}

/// The log head's row against the last event of the log: (seq, hash).
fn check_head(
    findings: &mut Findings<'_>,
    last: Option<(u64, [u8; 32])>,
    head_seq: u64,
    head_hash: [u8; 32],
) {
    match last {
        Some((seq, _)) if seq < head_seq => findings.add(
            FindingClass::Truncated,
            Some(seq),
            None,
            format!("the log ends at event {seq}, its head is at {head_seq}"),
        ),
        None if head_seq > 0 => findings.add(
            FindingClass::Truncated,
            None,
            None,
            format!("the log is empty, its head is at {head_seq}"),
        ),
        Some((seq, _)) if seq > head_seq => findings.add(
            FindingClass::Gap,
            Some(seq),
            None,
            format!("the log runs past its head at {head_seq}"),
        ),
        Some((seq, hash)) if hash != head_hash => findings.add(
            FindingClass::ContentModified,
            Some(seq),
            None,
            "the last event is not the one the head records".into(),
        ),
        _ => {}
    }
}
