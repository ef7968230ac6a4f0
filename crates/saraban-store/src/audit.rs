//! Checking an organisation's records against themselves: the log recomputed
//! from its stored bytes, a page at a time; every table beside it rebuilt
//! from its events (`saraban_core::replay`) and compared column by column;
//! documents, versions and PDFs against the hashes the log holds; register
//! numbers against the issued events; the log against every signed
//! checkpoint. Every finding is kept (an audit does not stop at the first),
//! each with its class.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use saraban_core::OrgId;
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
use crate::records_audit::RecordsCheck;
use crate::rows::{DocRow, Heading, stored_json};
use crate::seals::check_pdf_seal;
use crate::search_rows::{row_inputs, search_row, stored_rows};
use crate::signatures::{InkCheck, registered_signature};
use crate::unit_registers_audit::UnitRegisterCheck;
use crate::writer::Backend;
use crate::{Result, Store, StoreError};
use saraban_core::clock::normal_time;

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

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// An approval to check: its event's bytes against its actor's key. Its
/// document and actor are read back from the bytes only if it fails.
struct Approval {
    seq: u64,
    key: Arc<checkpoint::VerifierKey>,
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
    keys: HashMap<String, Arc<checkpoint::VerifierKey>>,
    pending: Vec<Approval>,
    running: Option<tokio::task::JoinHandle<Vec<Found>>>,
}

impl ApprovalChecks {
    /// Takes an approval's `bytes` to check later; leaves others alone.
    fn observe(
        &mut self,
        seq: u64,
        event: &Event,
        bytes: &mut Vec<u8>,
        signature: Option<Vec<u8>>,
    ) {
        if let Some(key) = registered_key(event) {
            self.keys.insert(event.actor.clone(), Arc::new(key));
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
            key: key.clone(),
            bytes: std::mem::take(bytes),
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
            let found = running.finished("a signature check").await?;
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

/// Signatures checked together per this many approvals (a larger sum costs
/// less a point); a group that fails is checked one by one to find which.
const APPROVALS_PER_GROUP: usize = 1024;

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
        .filter_map(|a| Some((&*a.key, a.bytes.as_slice(), a.signature.as_deref()?)))
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
            let (document, actor) = Event::from_canonical(&approval.bytes)
                .map(|event| (event.document, event.actor))
                .unwrap_or_default();
            Some((approval.seq, document, format!("{detail} ({actor})")))
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

/// The action rows numbered after $2 up to $3, through `Store::timed`.
const ACTIONS_BETWEEN: &str =
    "SELECT seq, document_id, round, step, kind, position_id, actor_id, standing, text, @text(at)
   FROM actions WHERE org_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq";

/// The events after `after`, up to a page, and their action rows
/// (`actions`: `ACTIONS_BETWEEN` written for the database).
async fn read_page(
    pool: &sqlx::AnyPool,
    actions: &str,
    org: &str,
    after: u64,
) -> Result<EventPage> {
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
        Some(last) => {
            sqlx::query(sqlx::AssertSqlSafe(actions.to_owned()))
                .bind(org)
                .bind(after as i64)
                .bind(last.seq as i64)
                .fetch_all(pool)
                .await?
        }
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
        let document: &str = row.try_get("document_id")?;
        let Some(action) = expected.remove(&seq) else {
            if !rebuilt.broken(&DocKey::new(document)) {
                findings.add(
                    FindingClass::Projection,
                    Some(seq),
                    Some(document),
                    "an action row that no event of the log makes".into(),
                );
            }
            continue;
        };
        let position: Option<&str> = row.try_get("position_id")?;
        let actor: &str = row.try_get("actor_id")?;
        let standing: Option<&str> = row.try_get("standing")?;
        let text: Option<&str> = row.try_get("text")?;
        if document != action.document
            || position != Some(action.position.as_str())
            || actor != action.actor
            || standing != Some(action.standing)
            || text != action.text.as_deref()
        {
            findings.add(
                FindingClass::ContentModified,
                Some(seq),
                Some(document),
                "the recorded action differs from its event".into(),
            );
        }
        let round: i64 = row.try_get("round")?;
        let step: i64 = row.try_get("step")?;
        let kind: &str = row.try_get("kind")?;
        let at: &str = row.try_get("at")?;
        if round != action.round
            || step != action.step
            || kind != action.kind
            || normal_time(at) != normal_time(&action.at)
        {
            findings.add(
                FindingClass::Projection,
                Some(seq),
                Some(document),
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

/// A document id held compactly: as its 128 bits when it is UUID text (in
/// lower case, as the store writes them), otherwise as it is; shown back
/// as it was read.
#[derive(Clone, PartialEq, Eq, Hash)]
enum DocKey {
    Uuid(u128),
    Text(Box<str>),
}

impl DocKey {
    fn new(id: &str) -> DocKey {
        uuid_bits(id).map_or_else(|| DocKey::Text(id.into()), DocKey::Uuid)
    }
}

/// The bits of `id` if it is a hyphenated UUID in lower-case hex.
fn uuid_bits(id: &str) -> Option<u128> {
    let bytes = id.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut bits = 0u128;
    for (i, &c) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        bits = bits << 4 | u128::from(digit);
    }
    Some(bits)
}

impl fmt::Display for DocKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocKey::Uuid(bits) => {
                let hex = format!("{bits:032x}");
                write!(
                    f,
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                )
            }
            DocKey::Text(text) => f.write_str(text),
        }
    }
}

/// A hash as hex text, held as its 32 bytes when it is lower-case hex of
/// that length (so two texts are equal exactly when these are).
#[derive(Clone, PartialEq, Eq)]
enum HashText {
    Bytes([u8; 32]),
    Text(Box<str>),
}

impl HashText {
    fn new(text: &str) -> HashText {
        let lower = text
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        let mut bytes = [0u8; 32];
        if lower && hex::decode_to_slice(text, &mut bytes).is_ok() {
            HashText::Bytes(bytes)
        } else {
            HashText::Text(text.into())
        }
    }

    fn is(&self, text: &str) -> bool {
        *self == HashText::new(text)
    }
}

/// A version of a document as the event that made it says.
struct MadeVersion {
    content_hash: HashText,
    author: Arc<str>,
    at: Box<str>,
}

/// What the events rebuild, as they stream by: each document's row (or
/// `None` once one of its events could not be replayed, which is reported
/// once), and each version's maker.
struct Rebuilt {
    /// Kind names, each held once; documents and routes name them by index.
    kind_names: Vec<String>,
    /// Each document's kind, which with its route version names its route.
    kinds: HashMap<DocKey, u16>,
    routes: HashMap<(u16, i64), Route>,
    documents: HashMap<DocKey, Option<Box<Projected>>>,
    versions: HashMap<(DocKey, u64), MadeVersion>,
    /// Each actor's name, held once.
    actors: HashSet<Arc<str>>,
    /// Documents destroyed under a list: their content is gone by right.
    destroyed: HashSet<DocKey>,
}

impl Rebuilt {
    fn kind_id(&mut self, name: &str) -> u16 {
        match self.kind_names.iter().position(|kind| kind == name) {
            Some(id) => id as u16,
            None => {
                self.kind_names.push(name.to_owned());
                (self.kind_names.len() - 1) as u16
            }
        }
    }

    fn broken(&self, document: &DocKey) -> bool {
        matches!(self.documents.get(document), Some(None))
    }

    /// Replays `event`; returns the action row it makes, if any.
    fn apply(
        &mut self,
        findings: &mut Findings<'_>,
        seq: u64,
        event: &Event,
    ) -> Option<ProjectedAction> {
        if event.kind == KEY_REGISTERED
            || event.kind == crate::deadlines::HOLIDAYS_CHANGED
            || registered_signature(event).is_some()
        {
            return None;
        }
        // A unit's receipt touches no document row: `UnitRegisterCheck`.
        if event.kind == saraban_core::incoming::UNIT_RECEIVED {
            return None;
        }
        if saraban_core::retention::is_records_event(&event.kind) {
            if event.kind == saraban_core::retention::DESTROYED {
                self.destroyed.insert(DocKey::new(&event.document));
            }
            return None;
        }
        let name = event.document.as_str();
        let id = DocKey::new(name);
        if event.kind == "created" || event.kind == "received" {
            let replayed = match self.documents.get(&id) {
                Some(_) => Err(ReplayFault::CreatedTwice),
                None => Projected::created(event)
                    .and_then(|projected| self.received_as_routed(&id, event, projected)),
            };
            match replayed {
                Ok(projected) => {
                    self.made(id.clone(), event);
                    self.documents.insert(id, Some(projected));
                }
                Err(fault) => {
                    findings.add(
                        FindingClass::Transition,
                        Some(seq),
                        Some(name),
                        fault.to_string(),
                    );
                    self.documents.insert(id, None);
                }
            }
            return None;
        }
        let Some(Some(projected)) = self.documents.get_mut(&id) else {
            if let Entry::Vacant(entry) = self.documents.entry(id) {
                findings.add(
                    FindingClass::Transition,
                    Some(seq),
                    Some(name),
                    ReplayFault::NotCreated.to_string(),
                );
                entry.insert(None);
            }
            return None;
        };
        let route = self
            .kinds
            .get(&id)
            .and_then(|kind| self.routes.get(&(*kind, projected.route_version)));
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
                    self.made(id, event);
                }
                action
            }
            Err((class, detail)) => {
                findings.add(class, Some(seq), Some(name), detail);
                self.documents.insert(id, None);
                None
            }
        }
    }

    /// A received letter is numbered by its route's registrar in its route's
    /// register: what `Projected::created` cannot check without the route.
    fn received_as_routed(
        &self,
        id: &DocKey,
        event: &Event,
        projected: Projected,
    ) -> Result<Box<Projected>, ReplayFault> {
        if event.kind != "received" {
            return Ok(Box::new(projected));
        }
        let route = self
            .kinds
            .get(id)
            .and_then(|kind| self.routes.get(&(*kind, projected.route_version)))
            .ok_or_else(|| {
                ReplayFault::Refused(format!(
                    "no route (version {}) of its kind to receive it under",
                    projected.route_version
                ))
            })?;
        if event.position.as_deref() != Some(route.issue.as_str()) {
            return Err(ReplayFault::Refused(format!(
                "received for {:?}, the route's registrar is {}",
                event.position, route.issue
            )));
        }
        if projected.register.as_deref() != Some(route.register.as_str()) {
            return Err(ReplayFault::Register {
                expected: route.register.to_string(),
                found: projected.register.unwrap_or_default(),
            });
        }
        Ok(Box::new(projected))
    }

    fn made(&mut self, id: DocKey, event: &Event) {
        let author = match self.actors.get(event.actor.as_str()) {
            Some(author) => author.clone(),
            None => {
                let author: Arc<str> = event.actor.as_str().into();
                self.actors.insert(author.clone());
                author
            }
        };
        self.versions.insert(
            (id, event.doc_version),
            MadeVersion {
                content_hash: HashText::new(&event.content_hash),
                author,
                at: event.at.as_str().into(),
            },
        );
    }
}

/// The kind a document's content says it is.
#[derive(serde::Deserialize)]
struct ContentKind {
    kind: String,
    /// The received letter it answers, which its row keeps too.
    #[serde(default)]
    in_reply_to: Option<String>,
}

/// A stored content's hash, and the kind it says it is.
struct ContentDigest {
    sha256: String,
    kind: Option<String>,
    in_reply_to: Option<String>,
}

/// Rows of contents are read this many at a time (a memo's text runs to
/// kilobytes), the next page while this one is hashed.
const CONTENT_PAGE: i64 = 256;

/// `work` done on each of `items`, the items spread over the cores (a
/// part at least `least` long each); the results in the items' order.
fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    least: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = items.len().div_ceil(threads).max(least).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(work).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a checking thread"))
            .collect()
    })
}

/// A content's hash, and what it says (`said`, if it reads) of its kind.
fn digest(content: &[u8], said: Option<ContentKind>) -> ContentDigest {
    ContentDigest {
        sha256: sha256_hex(content),
        in_reply_to: said.as_ref().and_then(|c| c.in_reply_to.clone()),
        kind: said.map(|c| c.kind),
    }
}

/// Each content hashed and its kind read, spread over the cores.
fn digest_contents(contents: &[&[u8]]) -> Vec<ContentDigest> {
    on_every_core(contents, 16, |content| {
        digest(content, serde_json::from_slice(content).ok())
    })
}

/// What reading the documents' texts leaves for the documents' check.
#[derive(Default)]
struct TextsRead {
    /// The digest of each text that is not byte for byte its version's
    /// (the versions' check hashed those).
    digests: HashMap<DocKey, ContentDigest>,
    /// Search rows missing or not their rebuild: (document, detail).
    search: Vec<(String, String)>,
    /// Rows whose content is missing, or whose heading columns are not
    /// their content's: (document, detail).
    headings: Vec<(String, String)>,
}

/// A document's row as read with its text: the row, its text parsed (or
/// why it does not read), and the text's digest where it is not its
/// version's.
struct TextRead {
    id: String,
    doc: std::result::Result<DocRow, String>,
    digest: Option<ContentDigest>,
    /// What is wrong with the row's heading columns, if anything.
    heading: Option<String>,
}

fn read_text(row: &AnyRow) -> Result<TextRead> {
    let id: String = row.try_get("id")?;
    // A row without its content has the empty text: not its hash's.
    let stored: Option<&[u8]> = row.try_get("content")?;
    let text = stored.unwrap_or_default();
    let parsed = serde_json::from_slice::<serde_json::Value>(text);
    let digest = (row.try_get::<i64, _>("as_version")? == 0).then(|| {
        let said = parsed
            .as_ref()
            .ok()
            .and_then(|content| <ContentKind as serde::Deserialize>::deserialize(content).ok());
        digest(text, said)
    });
    let kept = Heading::from_row(row)?;
    let heading = match (&parsed, stored) {
        (_, None) => Some("its content is missing".to_owned()),
        (Ok(content), Some(_)) => Heading::of(content)
            .differences(&kept)
            .map(|columns| format!("its row's {columns} is not its content's")),
        // Reported by the search rows' check.
        (Err(_), Some(_)) => None,
    };
    let doc = match parsed {
        Ok(content) => Ok(DocRow::with_content(row, Some(Arc::new(content)))?),
        Err(error) => Err(error.to_string()),
    };
    Ok(TextRead {
        id,
        doc,
        digest,
        heading,
    })
}

/// Each document's search row rebuilt by `search_row` and compared with
/// the `stored` one: (document, what differs).
fn compare_search_rows(
    docs: &[DocRow],
    actors: &crate::search_rows::Actors,
    context: &crate::search_rows::Context,
    stored: &HashMap<String, crate::search_rows::SearchRow>,
) -> Vec<(String, String)> {
    on_every_core(docs, 8, |doc| {
        let acted = actors.get(&doc.id).map_or(&[][..], Vec::as_slice);
        let row = search_row(doc, acted, context, false);
        let detail = match stored.get(&row.document_id) {
            None => Some("its search row is missing".to_owned()),
            Some(kept) => row
                .differences(kept)
                .map(|columns| format!("its search row differs from the rebuild in {columns}")),
        };
        detail.map(|detail| (row.document_id, detail))
    })
    .into_iter()
    .flatten()
    .collect()
}

/// A spawned task's output; one that panicked or was cancelled is an
/// invariant error naming `what`.
trait Finished<T> {
    fn finished(self, what: &'static str) -> impl Future<Output = Result<T>> + Send;
}

impl<T: Send + 'static> Finished<T> for tokio::task::JoinHandle<T> {
    async fn finished(self, what: &'static str) -> Result<T> {
        self.await
            .map_err(|e| StoreError::invariant(format!("{what} stopped: {e}")))
    }
}

/// What the versions' check leaves for the documents' check, which
/// compares a document's text with its version's rather than hash it again.
#[derive(Default)]
struct VersionsRead {
    /// The kind each version's content says (`None`: it says none), where
    /// that is not the kind its document's row said as the audit began.
    kinds: HashMap<(DocKey, u64), Option<u16>>,
    /// The hash of each version's content that is not its row's.
    misfits: HashMap<(DocKey, u64), String>,
    /// The received letter each version answers, where it answers one.
    replies: HashMap<(DocKey, u64), String>,
}

/// A stored version as read, its text hashed: all the versions' check
/// keeps of it while the log streams (a version's text is not held).
struct VersionRead {
    key: DocKey,
    version: u64,
    digest: ContentDigest,
    stored_hash: Box<str>,
    author: Box<str>,
    at: Box<str>,
}

/// A page of version rows, each text hashed and its kind read.
fn versions_of(rows: &[AnyRow]) -> Result<Vec<VersionRead>> {
    let contents: Vec<&[u8]> = rows
        .iter()
        .map(|row| row.try_get("content"))
        .collect::<std::result::Result<_, _>>()?;
    let digests = digest_contents(&contents);
    rows.iter()
        .zip(digests)
        .map(|(row, digest)| {
            Ok(VersionRead {
                key: DocKey::new(row.try_get("document_id")?),
                version: row.try_get::<i64, _>("version")? as u64,
                digest,
                stored_hash: row.try_get::<&str, _>("content_hash")?.into(),
                author: row.try_get::<&str, _>("author_id")?.into(),
                at: row.try_get::<&str, _>("created_at")?.into(),
            })
        })
        .collect()
}

impl Store {
    /// The ids of every organisation in the store.
    pub async fn organisation_ids(&self) -> Result<Vec<OrgId>> {
        self.organisations().await
    }

    /// Recomputes everything `org`'s records claim and reports each
    /// disagreement.
    pub async fn audit(&self, org: &OrgId) -> Result<Audit> {
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
    pub async fn audit_against(&self, org: &OrgId, kept_notes: &[String]) -> Result<Audit> {
        let config = self.org_config(org).await?;
        let org = org.as_str();
        let mut findings = Findings {
            org,
            found: Vec::new(),
        };
        let head = sqlx::query("SELECT seq, hash, frontier FROM ledger_heads WHERE org_id = $1")
            .bind(org)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", org))?;
        let head_seq = head.try_get::<i64, _>("seq")? as u64;
        let head_hash = to_hash(head.try_get("hash")?);
        let head_frontier: Option<Vec<u8>> = head.try_get("frontier")?;
        // Each document's text is read once, beside the log: its search
        // row (built from the documents' table alone) rebuilt and compared,
        // and its digest kept for the documents' check.
        let texts = {
            let (store, org) = (self.clone(), org.to_owned());
            tokio::spawn(async move { store.read_texts(&org).await })
        };
        let checkpoints = self.read_checkpoints(&mut findings, kept_notes).await?;
        let sizes: HashSet<u64> = checkpoints.held.iter().map(|(size, _, _)| *size).collect();

        let mut rebuilt = Rebuilt {
            kind_names: Vec::new(),
            kinds: HashMap::new(),
            routes: HashMap::new(),
            documents: HashMap::new(),
            versions: HashMap::new(),
            actors: HashSet::new(),
            destroyed: HashSet::new(),
        };
        self.document_kinds(org, &mut rebuilt).await?;
        self.routes_of(org, &mut rebuilt).await?;
        let versions_read = self.read_versions(org);
        let mut chain = ChainCheck::default();
        let mut frontier = merkle::Frontier::default();
        let mut roots: HashMap<u64, merkle::Hash> = HashMap::new();
        let mut approvals = ApprovalChecks::default();
        let mut inks = InkCheck::default();
        let mut records = RecordsCheck::default();
        let mut units = UnitRegisterCheck::default();
        let mut issues: Vec<Issue> = Vec::new();
        let mut last: Option<(u64, [u8; 32])> = None;
        let actions: Arc<str> = self.timed(ACTIONS_BETWEEN).into();
        // The next page is read while this one is checked.
        let read = |after: u64| {
            let (pool, actions, org) = (self.pool.clone(), actions.clone(), org.to_owned());
            tokio::spawn(async move { read_page(&pool, &actions, &org, after).await })
        };
        let mut next = read(0);
        loop {
            let page = next.finished("a page read").await??;
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
            let tail = stored.last().expect("a page has events");
            last = Some((tail.seq, tail.hash));
            let mut actions: BTreeMap<u64, ProjectedAction> = BTreeMap::new();
            for ((mut stored, event), (signature, document, kind)) in
                stored.into_iter().zip(decoded).zip(beside)
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
                inks.observe(stored.seq, &event);
                records.observe(stored.seq, &event);
                units.observe(stored.seq, &event);
                approvals.observe(stored.seq, &event, &mut stored.bytes, signature);
                if let Some(action) = rebuilt.apply(&mut findings, stored.seq, &event) {
                    actions.insert(stored.seq, action);
                }
                // Received letters are numbered in their register as they
                // arrive: their numbers are held to it like issued ones.
                if matches!(
                    event.kind.as_str(),
                    "issued" | "received" | saraban_core::incoming::UNIT_RECEIVED
                ) && let (Some(register), Some(year), Some(number)) =
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
            compare_actions(&mut findings, &rebuilt, &action_rows, actions)?;
            approvals.start_when_full(&mut findings).await?;
        }
        approvals.finish(&mut findings).await?;
        let after_log = last.map_or(0, |(seq, _)| seq);
        let beyond = sqlx::query(sqlx::AssertSqlSafe(actions.to_string()))
            .bind(org)
            .bind(after_log as i64)
            .bind(i64::MAX)
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
        let versions_read = versions_read.finished("the versions' read").await??;
        rebuilt
            .versions
            .retain(|(key, _), _| !rebuilt.destroyed.contains(key));
        for issue in &mut issues {
            if rebuilt.destroyed.contains(&DocKey::new(&issue.document)) {
                issue.pdf_hash = None;
            }
        }
        // The issued PDFs are hashed and their seals checked while the
        // versions and documents are compared.
        let pdfs = {
            let (store, org) = (self.clone(), org.to_owned());
            let issued: Vec<(u64, String, String)> = issues
                .iter()
                .filter_map(|issue| {
                    Some((issue.seq, issue.document.clone(), issue.pdf_hash.clone()?))
                })
                .collect();
            tokio::spawn(async move { store.check_issued_pdfs(&org, &issued).await })
        };
        let versions = self.check_versions(&mut findings, &mut rebuilt, versions_read);
        let mut texts = texts.finished("the texts' read").await??;
        let documents = self
            .check_documents(&mut findings, &mut rebuilt, versions, &mut texts.digests)
            .await?;
        self.check_issues(&mut findings, &config, &issues, pdfs)
            .await?;
        for (document, detail) in self.unpublishable_on_board(findings.org).await? {
            findings.add(FindingClass::Transition, None, Some(&document), detail);
        }
        for (class, document, detail) in self.check_enclosures(findings.org).await? {
            findings.add(class, None, document.as_deref(), detail);
        }
        for (document, detail) in texts.headings.into_iter().chain(texts.search) {
            let document = Some(document.as_str()).filter(|d| !d.is_empty());
            findings.add(FindingClass::Projection, None, document, detail);
        }
        for (class, seq, detail) in inks.finish(self, findings.org).await? {
            findings.add(class, seq, None, detail);
        }
        for (class, seq, document, detail) in units.finish(self, findings.org, &config).await? {
            findings.add(class, seq, document.as_deref(), detail);
        }
        let (records_found, records_notices) = records.finish(self, findings.org).await?;
        for (class, seq, document, detail) in records_found {
            findings.add(class, seq, document.as_deref(), detail);
        }
        let late = checkpoints.compare(&mut findings, &roots, frontier.size());
        let mut notices = records_notices;
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
        self.operations.audited(org, found.len());
        Ok(Audit {
            org: org.to_owned(),
            events: frontier.size(),
            head_seq,
            merkle_root: hex::encode(frontier.root()),
            documents,
            issued: issues
                .iter()
                .filter(|issue| issue.pdf_hash.is_some())
                .count() as u64,
            checkpoints: checkpoints.count,
            findings: found,
            notices,
        })
    }

    async fn document_kinds(&self, org: &str, rebuilt: &mut Rebuilt) -> Result<()> {
        for row in sqlx::query("SELECT id, kind FROM documents WHERE org_id = $1")
            .bind(org)
            .fetch_all(&self.pool)
            .await?
        {
            let kind = rebuilt.kind_id(row.try_get("kind")?);
            rebuilt.kinds.insert(DocKey::new(row.try_get("id")?), kind);
        }
        Ok(())
    }

    async fn routes_of(&self, org: &str, rebuilt: &mut Rebuilt) -> Result<()> {
        for row in sqlx::query("SELECT kind, version, definition FROM routes WHERE org_id = $1")
            .bind(org)
            .fetch_all(&self.pool)
            .await?
        {
            let route: Route = stored_json(&row, "definition", "route")?;
            let kind = rebuilt.kind_id(row.try_get("kind")?);
            rebuilt
                .routes
                .insert((kind, row.try_get("version")?), route);
        }
        Ok(())
    }

    /// `column`, a text column, as its bytes: so read, a memo's text is
    /// neither checked as UTF-8 nor copied once more on the way.
    fn text_bytes(&self, column: &str) -> String {
        match self.backend() {
            Backend::Sqlite => format!("CAST({column} AS BLOB)"),
            Backend::Postgres => format!("convert_to({column}, 'UTF8')"),
        }
    }

    /// The waiting positions of the documents whose ids lie after `after`
    /// (from the first, if `None`) up to `until` (to the last, if `None`).
    async fn waiting_between(
        &self,
        org: &str,
        after: Option<&str>,
        until: Option<&str>,
    ) -> Result<HashMap<String, Vec<String>>> {
        let sql = match (after.is_some(), until.is_some()) {
            (false, false) => "SELECT document_id, position_id FROM waiting WHERE org_id = $1",
            (true, false) => {
                "SELECT document_id, position_id FROM waiting WHERE org_id = $1 AND document_id > $2"
            }
            (false, true) => {
                "SELECT document_id, position_id FROM waiting WHERE org_id = $1 AND document_id <= $2"
            }
            (true, true) => {
                "SELECT document_id, position_id FROM waiting
                  WHERE org_id = $1 AND document_id > $2 AND document_id <= $3"
            }
        };
        let mut query = sqlx::query(sql).bind(org);
        for bound in [after, until].into_iter().flatten() {
            query = query.bind(bound);
        }
        let mut waiting: HashMap<String, Vec<String>> = HashMap::new();
        for row in query.fetch_all(&self.pool).await? {
            waiting
                .entry(row.try_get("document_id")?)
                .or_default()
                .push(row.try_get("position_id")?);
        }
        Ok(waiting)
    }

    /// Each document's row against the one its events rebuild: its content
    /// and version, number, state, round, cancellation, times, and who it
    /// waits for. Its text's digest is its version's, unless `digests`
    /// (from `read_texts`) holds its own. Returns how many rows there are.
    async fn check_documents(
        &self,
        findings: &mut Findings<'_>,
        rebuilt: &mut Rebuilt,
        versions: VersionsRead,
        digests: &mut HashMap<DocKey, ContentDigest>,
    ) -> Result<u64> {
        let org = findings.org;
        let sql = self.timed(
            "SELECT d.id, d.kind, d.state, d.step, d.round, d.drafter_id, d.route_version, d.version,
                    d.content_hash, d.register_id, d.year, d.number, d.pdf_hash, @text(d.cancelled_at),
                    @text(d.created_at), @text(d.updated_at), @text(d.published_at), d.verify_code, d.assigned_to, d.due_on, d.in_reply_to,
                    d.circulated_to, d.acknowledged_by, v.content_hash AS version_hash
               FROM documents d LEFT JOIN document_versions v
                 ON v.org_id = d.org_id AND v.document_id = d.id AND v.version = d.version
              WHERE d.org_id = $1 AND d.id > $2 ORDER BY d.id LIMIT $3",
        );
        let read = |after: String| self.documents_page(&sql, org, after);
        let mut count = 0;
        let mut after: Option<String> = None;
        let mut next = Some(read(String::new()));
        while let Some(page) = next.take() {
            let rows = page.finished("a page read").await??;
            let until = rows
                .last()
                .map(|row| row.try_get::<String, _>("id"))
                .transpose()?;
            next = until.clone().map(read);
            let mut waiting = self
                .waiting_between(org, after.as_deref(), until.as_deref())
                .await?;
            count += rows.len() as u64;
            for row in &rows {
                let id: &str = row.try_get("id")?;
                let mut waits: Vec<String> = waiting.remove(id).unwrap_or_default();
                waits.sort();
                let digest = digests.remove(&DocKey::new(id));
                self.check_document(findings, rebuilt, &versions, row, id, digest, waits)?;
            }
            for id in waiting.keys() {
                findings.add(
                    FindingClass::Projection,
                    None,
                    Some(id),
                    "a document that does not exist is waited for".into(),
                );
            }
            after = until;
        }
        for (id, projected) in &rebuilt.documents {
            if projected.is_some() {
                findings.add(
                    FindingClass::Projection,
                    None,
                    Some(&id.to_string()),
                    "the log records it, but it has no row".into(),
                );
            }
        }
        Ok(count)
    }

    /// One document's row; `digest` is its text's, when that is not its
    /// version's text.
    #[allow(clippy::too_many_arguments)]
    fn check_document(
        &self,
        findings: &mut Findings<'_>,
        rebuilt: &mut Rebuilt,
        versions: &VersionsRead,
        row: &AnyRow,
        id: &str,
        digest: Option<ContentDigest>,
        waits: Vec<String>,
    ) -> Result<()> {
        let org = findings.org;
        let key = DocKey::new(id);
        if rebuilt.destroyed.contains(&key) {
            // Its content is gone under a list: `RecordsCheck` holds it.
            rebuilt.documents.remove(&key);
            return Ok(());
        }
        let content_hash: String = row.try_get("content_hash")?;
        let version = row.try_get::<i64, _>("version")? as u64;
        let (text_hash, text_kind, answers) = match digest {
            Some(digest) => (
                digest.sha256,
                digest.kind.map(|kind| rebuilt.kind_id(&kind)),
                digest.in_reply_to,
            ),
            // Its text is byte for byte that of its version row.
            None => {
                let at = (key.clone(), version);
                let hash = match versions.misfits.get(&at) {
                    Some(hash) => hash.clone(),
                    None => row.try_get::<String, _>("version_hash")?,
                };
                let kind = match versions.kinds.get(&at) {
                    Some(kind) => *kind,
                    None => rebuilt.kinds.get(&key).copied(),
                };
                (hash, kind, versions.replies.get(&at).cloned())
            }
        };
        let row_answers: Option<String> = row.try_get("in_reply_to")?;
        if row_answers != answers {
            findings.add(
                FindingClass::Projection,
                None,
                Some(id),
                format!(
                    "its row says it answers {}, its content {}",
                    row_answers.as_deref().unwrap_or("nothing"),
                    answers.as_deref().unwrap_or("nothing")
                ),
            );
        }
        if text_hash != content_hash {
            findings.add(
                FindingClass::ContentModified,
                None,
                Some(id),
                "its text does not match its hash".into(),
            );
        }
        let kind: String = row.try_get("kind")?;
        let kind_id = rebuilt.kind_id(&kind);
        if text_kind != Some(kind_id) {
            findings.add(
                FindingClass::Projection,
                None,
                Some(id),
                format!("its row says kind {kind:?}, its content does not"),
            );
        }
        let projected = match rebuilt.documents.remove(&key) {
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
        let time = |at: Option<String>| shown(at.as_deref().map(normal_time));
        compare(
            "cancelled at",
            time(row.try_get("cancelled_at")?),
            time(projected.cancelled_at.clone()),
        );
        compare(
            "published at",
            time(row.try_get("published_at")?),
            time(projected.published_at.clone()),
        );
        compare(
            "created at",
            time(row.try_get("created_at")?),
            time(Some(projected.created_at.clone())),
        );
        compare(
            "updated at",
            time(row.try_get("updated_at")?),
            time(Some(projected.updated_at.clone())),
        );
        compare(
            "verification code",
            shown(row.try_get("verify_code")?),
            shown(
                projected
                    .pdf_hash
                    .as_ref()
                    .map(|_| crate::public::verification_code(org, id)),
            ),
        );
        compare(
            "assigned to",
            shown(row.try_get("assigned_to")?),
            shown(projected.assigned_to.clone()),
        );
        compare(
            "due",
            shown(row.try_get("due_on")?),
            shown(projected.due.clone()),
        );
        compare(
            "circulated to",
            shown(row.try_get("circulated_to")?),
            shown(crate::rows::joined(&projected.circulated_to)),
        );
        compare(
            "acknowledged by",
            shown(row.try_get("acknowledged_by")?),
            shown(crate::rows::joined(&projected.acknowledged_by)),
        );
        let route = rebuilt.routes.get(&(kind_id, projected.route_version));
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

    /// Starts reading the page of `org`'s documents after `after` by `sql`
    /// (bound to the organisation, `after` and `CONTENT_PAGE`).
    fn documents_page(
        &self,
        sql: &str,
        org: &str,
        after: String,
    ) -> tokio::task::JoinHandle<std::result::Result<Vec<AnyRow>, sqlx::Error>> {
        let (pool, org, sql) = (self.pool.clone(), org.to_owned(), sql.to_owned());
        tokio::spawn(async move {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org)
                .bind(after)
                .bind(CONTENT_PAGE)
                .fetch_all(&pool)
                .await
        })
    }

    /// Reads every document's text once, a page at a time, the next page
    /// while this one is checked: each text parsed on every core, its
    /// search row rebuilt and compared with the stored one, and its digest
    /// kept where it is not byte for byte its version's.
    async fn read_texts(&self, org: &str) -> Result<TextsRead> {
        let sql = self.timed(&format!(
            "SELECT d.id, d.kind, d.state, d.step, d.round, d.drafter_id, d.route_version, d.version,
                    {} AS content, d.content_hash, d.register_id, d.year, d.number, d.pdf_hash,
                    @text(d.cancelled_at), @text(d.created_at), @text(d.updated_at),
                    @text(d.published_at), d.assigned_to, d.due_on, d.circulated_to, d.acknowledged_by,
                    d.list_subject, d.list_urgency, d.list_secrecy,
                    CAST(CASE WHEN v.content = c.content THEN 1 ELSE 0 END AS BIGINT) AS as_version
               FROM documents d
               LEFT JOIN document_contents c ON c.org_id = d.org_id AND c.document_id = d.id
               LEFT JOIN document_versions v
                 ON v.org_id = d.org_id AND v.document_id = d.id AND v.version = d.version
              WHERE d.org_id = $1 AND d.id > $2 ORDER BY d.id LIMIT $3",
            self.text_bytes("c.content")
        ));
        let read = |after: String| self.documents_page(&sql, org, after);
        let mut texts = TextsRead::default();
        let mut documents = 0;
        let mut next = read(String::new());
        loop {
            let rows = next.finished("a page read").await??;
            let Some(last) = rows.last() else {
                break;
            };
            next = read(last.try_get("id")?);
            documents += rows.len();
            let read_page = tokio::task::spawn_blocking(move || {
                on_every_core(&rows, 8, read_text)
                    .into_iter()
                    .collect::<Result<Vec<_>>>()
            })
            .finished("a parsing task")
            .await??;
            let mut docs = Vec::with_capacity(read_page.len());
            for text in read_page {
                if let Some(digest) = text.digest {
                    texts.digests.insert(DocKey::new(&text.id), digest);
                }
                if let Some(detail) = text.heading {
                    texts.headings.push((text.id.clone(), detail));
                }
                match text.doc {
                    Ok(doc) => docs.push(doc),
                    Err(error) => texts.search.push((
                        text.id,
                        format!(
                            "its search row cannot be rebuilt: its text does not read ({error})"
                        ),
                    )),
                }
            }
            let mut tx = self.pool.begin().await?;
            let (actors, context) = row_inputs(&mut tx, org, &docs, &[]).await?;
            let ids: Vec<&str> = docs.iter().map(|doc| doc.id.as_str()).collect();
            let stored = stored_rows(&mut tx, org, &ids).await?;
            tx.commit().await?;
            let found = tokio::task::spawn_blocking(move || {
                compare_search_rows(&docs, &actors, &context, &stored)
            })
            .finished("a search rows' check")
            .await?;
            texts.search.extend(found);
        }
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM search_documents WHERE org_id = $1")
                .bind(org)
                .fetch_one(&self.pool)
                .await?;
        if usize::try_from(rows).unwrap_or_default() > documents {
            texts.search.push((
                String::new(),
                format!("the search table has {rows} rows for {documents} documents"),
            ));
        }
        let strays: Vec<String> = sqlx::query_scalar(
            "SELECT c.document_id FROM document_contents c
              WHERE c.org_id = $1 AND NOT EXISTS
                    (SELECT 1 FROM documents d WHERE d.org_id = c.org_id AND d.id = c.document_id)
              LIMIT 100",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        texts.headings.extend(strays.into_iter().map(|id| {
            (
                id,
                "a content is kept for a document that has no row".to_owned(),
            )
        }));
        Ok(texts)
    }

    /// Starts reading every stored version, a page at a time, each hashed
    /// and its kind read on other threads: the reading runs while the log
    /// streams, and `check_versions` compares what it read once the log
    /// has been replayed.
    fn read_versions(&self, org: &str) -> tokio::task::JoinHandle<Result<Vec<VersionRead>>> {
        let sql = self.timed(&format!(
            "SELECT document_id, version, {} AS content, content_hash, author_id, @text(created_at)
               FROM document_versions
              WHERE org_id = $1 AND (document_id > $2 OR (document_id = $2 AND version > $3))
              ORDER BY document_id, version LIMIT $4",
            self.text_bytes("content")
        ));
        let (pool, org) = (self.pool.clone(), org.to_owned());
        tokio::spawn(async move {
            let read = |after: (String, i64)| {
                let (pool, org, sql) = (pool.clone(), org.clone(), sql.clone());
                tokio::spawn(async move {
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(org)
                        .bind(after.0)
                        .bind(after.1)
                        .bind(CONTENT_PAGE)
                        .fetch_all(&pool)
                        .await
                })
            };
            let mut read_so_far = Vec::new();
            let mut next = read((String::new(), 0));
            loop {
                let rows = next.finished("a page read").await??;
                let Some(last) = rows.last() else {
                    break;
                };
                next = read((last.try_get("document_id")?, last.try_get("version")?));
                let page = tokio::task::spawn_blocking(move || versions_of(&rows))
                    .finished("a hashing task")
                    .await??;
                read_so_far.extend(page);
            }
            Ok(read_so_far)
        })
    }

    /// Every stored version (`read`, from `read_versions`) against its hash
    /// and the event that made it. Returns what the documents' check needs
    /// of them.
    fn check_versions(
        &self,
        findings: &mut Findings<'_>,
        rebuilt: &mut Rebuilt,
        read: Vec<VersionRead>,
    ) -> VersionsRead {
        let mut read_versions = VersionsRead::default();
        for stored in read {
            let VersionRead {
                key,
                version,
                digest,
                stored_hash,
                author,
                at,
            } = stored;
            if let Some(letter) = digest.in_reply_to {
                read_versions.replies.insert((key.clone(), version), letter);
            }
            let kind = digest.kind.map(|kind| rebuilt.kind_id(&kind));
            if kind != rebuilt.kinds.get(&key).copied() {
                read_versions.kinds.insert((key.clone(), version), kind);
            }
            if digest.sha256 != *stored_hash {
                findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&key.to_string()),
                    format!("version {version}: its text does not match its hash"),
                );
                read_versions
                    .misfits
                    .insert((key.clone(), version), digest.sha256);
            }
            match rebuilt.versions.remove(&(key.clone(), version)) {
                None if rebuilt.broken(&key) => {}
                None => findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&key.to_string()),
                    format!("version {version} was made by no event of the log"),
                ),
                Some(made) if !made.content_hash.is(&stored_hash) => findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&key.to_string()),
                    format!("version {version} is not the text the log recorded"),
                ),
                Some(made) => {
                    if *author != *made.author || normal_time(&at) != normal_time(&made.at) {
                        findings.add(
                            FindingClass::Projection,
                            None,
                            Some(&key.to_string()),
                            format!(
                                "version {version}: its author or time is not what its event says"
                            ),
                        );
                    }
                }
            }
        }
        for (id, version) in rebuilt.versions.keys() {
            findings.add(
                FindingClass::ContentModified,
                None,
                Some(&id.to_string()),
                format!("version {version} is missing"),
            );
        }
        read_versions
    }

    /// Register numbers (gapless and unique per register and year) and the
    /// issued PDFs (`pdfs`, checked meanwhile by `check_issued_pdfs`).
    async fn check_issues(
        &self,
        findings: &mut Findings<'_>,
        config: &OrgConfig,
        issues: &[Issue],
        pdfs: tokio::task::JoinHandle<Result<Vec<PdfFinding>>>,
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
        let pdfs = pdfs.finished("the PDFs' check").await??;
        for (seq, document, class, detail) in pdfs {
            findings.add(class, Some(seq), Some(&document), detail);
        }
        Ok(())
    }

    /// Each issued PDF (event, document, hash) against its hash and its
    /// seal: read a few at a time, checked on every core, so that no more
    /// than a few PDFs are held at once.
    async fn check_issued_pdfs(
        &self,
        org: &str,
        issued: &[(u64, String, String)],
    ) -> Result<Vec<PdfFinding>> {
        let anchors = Arc::new(self.seal_anchors(org).await?);
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let mut found = Vec::new();
        for group in issued.chunks(4 * threads) {
            let mut read = Vec::with_capacity(group.len());
            for (seq, document, hash) in group {
                // The row says it is kept; the content store must hold it,
                // byte for byte, under its key.
                let recorded: Option<i64> =
                    sqlx::query_scalar("SELECT size FROM pdfs WHERE org_id = $1 AND sha256 = $2")
                        .bind(org)
                        .bind(hash)
                        .fetch_optional(&self.pool)
                        .await?;
                let pdf = match recorded {
                    Some(_) => {
                        self.content
                            .get(org, crate::content::ContentKind::Pdf, hash)
                            .await?
                    }
                    None => None,
                };
                let key =
                    crate::content::ContentStore::key(org, crate::content::ContentKind::Pdf, hash);
                read.push(IssuedPdf {
                    seq: *seq,
                    document: document.clone(),
                    hash: hash.clone(),
                    key,
                    recorded: recorded.is_some(),
                    pdf,
                });
            }
            let anchors = anchors.clone();
            let checked = tokio::task::spawn_blocking(move || {
                let chunk = read.len().div_ceil(threads).max(1);
                std::thread::scope(|scope| {
                    let workers: Vec<_> = read
                        .chunks(chunk)
                        .map(|part| {
                            let anchors = &anchors;
                            scope.spawn(move || {
                                part.iter()
                                    .filter_map(|pdf| pdf.check(anchors))
                                    .collect::<Vec<_>>()
                            })
                        })
                        .collect();
                    workers
                        .into_iter()
                        .flat_map(|worker| worker.join().expect("a PDF-checking thread"))
                        .collect::<Vec<_>>()
                })
            })
            .finished("a PDF check")
            .await?;
            found.extend(checked);
        }
        Ok(found)
    }
}

/// A finding about an issued PDF: event, document, class, detail.
type PdfFinding = (u64, String, FindingClass, String);

/// An issued PDF as read for its check.
struct IssuedPdf {
    seq: u64,
    document: String,
    hash: String,
    /// Its object in the content store.
    key: String,
    /// Whether the `pdfs` table says it is kept.
    recorded: bool,
    pdf: Option<Vec<u8>>,
}

impl IssuedPdf {
    /// What is wrong with it, if anything.
    fn check(&self, anchors: &[saraban_seal::Certificate]) -> Option<PdfFinding> {
        let key = &self.key;
        let (class, detail) = match (self.recorded, &self.pdf) {
            (false, _) => (
                FindingClass::ContentModified,
                "the issued PDF is missing".to_owned(),
            ),
            (true, None) => (
                FindingClass::ContentModified,
                format!("the issued PDF is missing from the content store (object {key})"),
            ),
            (_, Some(bytes)) if sha256_hex(bytes) != self.hash => (
                FindingClass::ContentModified,
                format!("the stored PDF is not the one issued (object {key})"),
            ),
            (_, Some(bytes)) => {
                // A PDF issued before seals were made carries none.
                let problem = check_pdf_seal(bytes, anchors)?.problem?;
                (
                    FindingClass::BadSignature,
                    format!("the issued PDF's seal does not hold: {problem}"),
                )
            }
        };
        Some((self.seq, self.document.clone(), class, detail))
    }
}

/// The signed checkpoints an audit holds the log to: each note's
/// signature checked as it is read, its root compared once the log has
/// been streamed.
struct HeldCheckpoints {
    /// How many notes the database holds.
    count: u64,
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
            count: stored.len() as u64,
            stored,
            filed,
            held: Vec::new(),
            authentic: HashSet::new(),
        };
        let Some(verifier) = self.verifier_key_of(org).await? else {
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
        held_checkpoints.forget_filed();
        Ok(held_checkpoints)
    }
}

impl HeldCheckpoints {
    /// Drops the texts of the notes the file holds (a note per batch makes
    /// them many): from here on only those missing from it are wanted.
    fn forget_filed(&mut self) {
        let Some(filed) = &mut self.filed else {
            self.stored = Vec::new();
            return;
        };
        let sizes: HashSet<u64> = filed.iter().map(|(size, _)| *size).collect();
        self.stored.retain(|(size, _, _)| !sizes.contains(size));
        self.stored.shrink_to_fit();
        for (_, note) in filed.iter_mut() {
            *note = String::new();
        }
        self.authentic
            .retain(|size| self.stored.iter().any(|(s, _, _)| s == size));
    }

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

/// Notes whose signatures are checked together.
const NOTES_PER_GROUP: usize = 1024;

/// Each note opened with `verifier`, the notes spread over the cores and
/// their signatures checked in groups.
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
                    part.chunks(NOTES_PER_GROUP)
                        .flat_map(|group| {
                            let opened = checkpoint::open_all(group, verifier);
                            group.iter().copied().zip(
                                opened
                                    .into_iter()
                                    .map(|note| note.map_err(|e| e.to_string())),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_keys_show_back_the_id_they_were_read_from() {
        for id in [
            "01a21860-98a6-750a-a6a1-6ee40515e5d4",
            "00000000-0000-0000-0000-000000000000",
            "01A21860-98a6-750a-a6a1-6ee40515e5d4",
            "01a21860098a6-750a-a6a1-6ee40515e5d4",
            "01a21860-98a6-750a-a6a1-6ee40515e5d",
            "",
            "memo-1",
        ] {
            assert_eq!(DocKey::new(id).to_string(), id);
        }
        assert!(matches!(
            DocKey::new("01a21860-98a6-750a-a6a1-6ee40515e5d4"),
            DocKey::Uuid(_)
        ));
        assert!(matches!(
            DocKey::new("01A21860-98a6-750a-a6a1-6ee40515e5d4"),
            DocKey::Text(_)
        ));
    }

    #[test]
    fn hash_texts_are_equal_only_when_their_texts_are() {
        let lower = "ab".repeat(32);
        let upper = "AB".repeat(32);
        assert!(HashText::new(&lower).is(&lower));
        assert!(!HashText::new(&lower).is(&upper));
        assert!(!HashText::new(&upper).is(&lower));
        assert!(HashText::new(&upper).is(&upper));
        assert!(!HashText::new(&lower).is(&lower[..62]));
        assert!(HashText::new("not hex").is("not hex"));
    }
}
