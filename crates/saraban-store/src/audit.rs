//! Checking an organisation's records against themselves: the log recomputed
//! from its stored bytes, documents and PDFs against the hashes the log
//! holds, register numbers against the issued events. Every finding is
//! kept (an audit does not stop at the first), each with its class.

use std::collections::HashMap;

use saraban_core::checkpoint;
use saraban_core::ledger::{ChainFault, Event, StoredEvent, sha256_hex, verify_chain};
use saraban_core::merkle;
use saraban_core::numbering::{FirstNumbers, IssuedNumber, check_counter, check_numbers};
use saraban_core::org::OrgConfig;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::actor_keys::{KEY_REGISTERED, registered_key};
use crate::keys::origin;
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

/// An issued event's claim on a register number.
struct Issue {
    seq: u64,
    document: String,
    register: String,
    year: i32,
    number: u32,
    pdf_hash: Option<String>,
}

/// A row of `documents` as the audit reads it.
struct DocumentRow {
    id: String,
    version: u64,
    content: String,
    content_hash: String,
    /// Register, year, number and PDF hash, as the issue set them.
    number: (Option<String>, Option<i64>, Option<i64>, Option<String>),
}

impl DocumentRow {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(DocumentRow {
            id: row.try_get("id")?,
            version: row.try_get::<i64, _>("version")? as u64,
            content: row.try_get("content")?,
            content_hash: row.try_get("content_hash")?,
            number: (
                row.try_get("register_id")?,
                row.try_get("year")?,
                row.try_get("number")?,
                row.try_get("pdf_hash")?,
            ),
        })
    }
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
    pub async fn audit_against(&self, org: &str, kept_notes: &[String]) -> Result<Audit> {
        let mut findings = Findings {
            org,
            found: Vec::new(),
        };
        let config = self.org_config(org).await?;
        let head = sqlx::query("SELECT seq, hash FROM ledger_heads WHERE org_id = $1")
            .bind(org)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", org))?;
        let head_seq = head.try_get::<i64, _>("seq")? as u64;
        let head_hash = to_hash(head.try_get("hash")?);

        let rows = sqlx::query(
            "SELECT seq, bytes, prev_hash, hash, actor_signature FROM events WHERE org_id = $1 ORDER BY seq",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        let mut signatures: HashMap<u64, Vec<u8>> = HashMap::new();
        let mut events: Vec<StoredEvent> = Vec::with_capacity(rows.len());
        for row in &rows {
            let seq = row.try_get::<i64, _>("seq")? as u64;
            if let Some(signature) = row.try_get::<Option<Vec<u8>>, _>("actor_signature")? {
                signatures.insert(seq, signature);
            }
            events.push(StoredEvent {
                seq,
                bytes: row.try_get("bytes")?,
                prev_hash: to_hash(row.try_get("prev_hash")?),
                hash: to_hash(row.try_get("hash")?),
            });
        }
        check_chain(&mut findings, &events, head_seq, head_hash);

        let decoded: Vec<(u64, Event)> = events
            .iter()
            .filter_map(|stored| {
                Event::from_canonical(&stored.bytes)
                    .ok()
                    .map(|event| (stored.seq, event))
            })
            .collect();
        check_actor_signatures(&mut findings, &events, &decoded, &signatures);
        let documents = self.check_documents(&mut findings, &decoded).await?;
        self.check_actions(&mut findings, &decoded).await?;
        let issues: Vec<Issue> = decoded
            .iter()
            .filter(|(_, event)| event.kind == "issued")
            .filter_map(|(seq, event)| {
                Some(Issue {
                    seq: *seq,
                    document: event.document.clone(),
                    register: event.register.clone()?,
                    year: event.year?,
                    number: event.number?,
                    pdf_hash: event.pdf_hash.clone(),
                })
            })
            .collect();
        self.check_issues(&mut findings, &config, &issues).await?;

        let leaves: Vec<_> = events.iter().map(|e| merkle::leaf_hash(&e.bytes)).collect();
        let checkpoints = self
            .check_checkpoints(&mut findings, &leaves, kept_notes)
            .await?;
        let mut found = findings.found;
        found.sort_by_key(|finding| (finding.seq, finding.class));
        Ok(Audit {
            org: org.to_owned(),
            events: events.len() as u64,
            head_seq,
            merkle_root: hex::encode(merkle::root(&leaves)),
            documents,
            issued: issues.len() as u64,
            checkpoints,
            findings: found,
        })
    }

    /// Each document's stored content and versions against the hashes its
    /// events recorded; returns how many documents there are.
    async fn check_documents(
        &self,
        findings: &mut Findings<'_>,
        events: &[(u64, Event)],
    ) -> Result<u64> {
        let org = findings.org;
        let mut versions: HashMap<(String, u64), String> = HashMap::new();
        for row in sqlx::query(
            "SELECT document_id, version, content, content_hash FROM document_versions WHERE org_id = $1",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        {
            let id: String = row.try_get("document_id")?;
            let version = row.try_get::<i64, _>("version")? as u64;
            let content: String = row.try_get("content")?;
            let stored_hash: String = row.try_get("content_hash")?;
            if sha256_hex(content.as_bytes()) != stored_hash {
                findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&id),
                    format!("version {version}: its text does not match its hash"),
                );
            }
            versions.insert((id, version), stored_hash);
        }
        let documents = sqlx::query(
            "SELECT id, version, content, content_hash, register_id, year, number, pdf_hash FROM documents WHERE org_id = $1",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        // What the log says of each document: its latest version's hash and
        // its number, if issued.
        let mut claimed: HashMap<&str, (u64, &str)> = HashMap::new();
        let mut issued: HashMap<&str, &Event> = HashMap::new();
        for (seq, event) in events {
            if event.kind == KEY_REGISTERED {
                continue;
            }
            match versions.get(&(event.document.clone(), event.doc_version)) {
                Some(hash) if *hash == event.content_hash => {}
                Some(_) => findings.add(
                    FindingClass::ContentModified,
                    Some(*seq),
                    Some(&event.document),
                    format!(
                        "version {} is not the text this event approved",
                        event.doc_version
                    ),
                ),
                None => findings.add(
                    FindingClass::ContentModified,
                    Some(*seq),
                    Some(&event.document),
                    format!("version {} is missing", event.doc_version),
                ),
            }
            let entry = claimed
                .entry(event.document.as_str())
                .or_insert((0, event.content_hash.as_str()));
            if event.doc_version >= entry.0 {
                *entry = (event.doc_version, event.content_hash.as_str());
            }
            if event.kind == "issued" {
                issued.insert(event.document.as_str(), event);
            }
        }
        for row in &documents {
            let DocumentRow {
                id,
                version,
                content,
                content_hash,
                number,
            } = DocumentRow::from_row(row)?;
            if sha256_hex(content.as_bytes()) != content_hash {
                findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&id),
                    "its text does not match its hash".into(),
                );
            }
            match claimed.get(id.as_str()) {
                Some((logged, hash)) if *logged == version && *hash == content_hash => {}
                Some((logged, _)) => findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&id),
                    format!("at version {version}, but the log last recorded version {logged}"),
                ),
                None => findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&id),
                    "no event of the log records it".into(),
                ),
            }
            let logged = issued.get(id.as_str()).map(|event| {
                (
                    event.register.clone(),
                    event.year.map(i64::from),
                    event.number.map(i64::from),
                    event.pdf_hash.clone(),
                )
            });
            let unnumbered = (None, None, None, None);
            if number != logged.unwrap_or(unnumbered) {
                findings.add(
                    FindingClass::ContentModified,
                    None,
                    Some(&id),
                    "its register number or PDF differs from the issued event".into(),
                );
            }
        }
        Ok(documents.len() as u64)
    }

    /// The route actions (what history and the PDF's endorsements show)
    /// against the events that recorded them.
    async fn check_actions(
        &self,
        findings: &mut Findings<'_>,
        events: &[(u64, Event)],
    ) -> Result<()> {
        let by_seq: HashMap<u64, &Event> = events.iter().map(|(seq, e)| (*seq, e)).collect();
        for row in sqlx::query(
            "SELECT seq, document_id, position_id, actor_id, standing, text FROM actions WHERE org_id = $1",
        )
        .bind(findings.org)
        .fetch_all(&self.pool)
        .await?
        {
            let seq = row.try_get::<i64, _>("seq")? as u64;
            let document: String = row.try_get("document_id")?;
            let position: Option<String> = row.try_get("position_id")?;
            let actor: String = row.try_get("actor_id")?;
            let standing: Option<String> = row.try_get("standing")?;
            let text: Option<String> = row.try_get("text")?;
            let agrees = by_seq.get(&seq).is_some_and(|event| {
                event.document == document
                    && event.position == position
                    && event.actor == actor
                    && event.capacity == standing
                    && event.text == text
            });
            if !agrees {
                findings.add(
                    FindingClass::ContentModified,
                    Some(seq),
                    Some(&document),
                    "the recorded action differs from its event".into(),
                );
            }
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

impl Store {
    /// Every signed checkpoint (in the database, in the file beside the
    /// key, and kept by the caller) against the signature and the log;
    /// returns how many the database holds.
    async fn check_checkpoints(
        &self,
        findings: &mut Findings<'_>,
        leaves: &[merkle::Hash],
        kept_notes: &[String],
    ) -> Result<u64> {
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
        let Some(verifier) = self.verifier_key(org).await? else {
            if !stored.is_empty() || !kept_notes.is_empty() {
                findings.add(
                    FindingClass::BadSignature,
                    None,
                    None,
                    "checkpoints exist but no key verifies them".into(),
                );
            }
            return Ok(stored.len() as u64);
        };
        // (size, root, where the note came from), each signature checked.
        let mut held: Vec<(u64, merkle::Hash, &'static str)> = Vec::new();
        let mut open =
            |findings: &mut Findings<'_>, note: &str, source: &'static str| match checkpoint::open(
                note, &verifier,
            ) {
                Ok(checkpoint) if checkpoint.origin() == origin(org) => {
                    held.push((checkpoint.size(), *checkpoint.root(), source));
                    Some(checkpoint)
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
        for (size, root, note) in &stored {
            if let Some(checkpoint) = open(findings, note, "in the database")
                && (checkpoint.size() != *size || checkpoint.root().as_slice() != root.as_slice())
            {
                findings.add(
                    FindingClass::CheckpointMismatch,
                    Some(*size),
                    None,
                    "the row's size or root is not what its note signs".into(),
                );
            }
        }
        if let Some(filed) = &filed {
            for (size, note) in filed {
                open(findings, note, "in the checkpoint file");
                let detail = match stored.iter().find(|(s, _, _)| s == size) {
                    None => "filed but missing from the database",
                    Some((_, _, stored_note)) if stored_note != note => {
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
            for (size, _, _) in &stored {
                if !filed.iter().any(|(s, _)| s == size) {
                    findings.add(
                        FindingClass::CheckpointMismatch,
                        Some(*size),
                        None,
                        "in the database but not in the checkpoint file".into(),
                    );
                }
            }
        }
        for note in kept_notes {
            open(findings, note, "kept by the verifier");
        }
        held.sort_by_key(|(size, root, _)| (*size, *root));
        held.dedup_by_key(|(size, root, _)| (*size, *root));
        let roots = merkle::prefix_roots(leaves, held.iter().map(|(size, _, _)| *size));
        for (size, root, source) in held {
            match roots.get(&size) {
                None => findings.add(
                    FindingClass::Truncated,
                    Some(size),
                    None,
                    format!(
                        "a signed checkpoint {source} covers {size} events, the log holds {}",
                        leaves.len()
                    ),
                ),
                Some(logged) if *logged != root => findings.add(
                    FindingClass::Fork,
                    Some(size),
                    None,
                    format!("the log's first {size} events are not those of the signed checkpoint {source}"),
                ),
                Some(_) => {}
            }
        }
        Ok(stored.len() as u64)
    }
}

/// Every endorsement and signature of a person whose key the log has
/// registered must carry that key's signature of the event's bytes.
fn check_actor_signatures(
    findings: &mut Findings<'_>,
    events: &[StoredEvent],
    decoded: &[(u64, Event)],
    signatures: &HashMap<u64, Vec<u8>>,
) {
    let bytes: HashMap<u64, &[u8]> = events.iter().map(|e| (e.seq, e.bytes.as_slice())).collect();
    let mut keys: HashMap<String, checkpoint::VerifierKey> = HashMap::new();
    for (seq, event) in decoded {
        if let Some(key) = registered_key(event) {
            keys.insert(event.actor.clone(), key);
            continue;
        }
        if !matches!(event.kind.as_str(), "endorsed" | "signed") {
            continue;
        }
        let Some(key) = keys.get(&event.actor) else {
            continue;
        };
        let detail = match (signatures.get(seq), bytes.get(seq)) {
            (None, _) => "an approval without its actor's signature",
            (Some(signature), Some(bytes)) if !key.verify_message(bytes, signature) => {
                "the actor's signature does not verify"
            }
            (Some(_), _) => continue,
        };
        findings.add(
            FindingClass::BadSignature,
            Some(*seq),
            Some(&event.document),
            format!("{detail} ({})", event.actor),
        );
    }
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

/// The chain recomputed from the stored bytes, and the head against it.
fn check_chain(
    findings: &mut Findings<'_>,
    events: &[StoredEvent],
    head_seq: u64,
    head_hash: [u8; 32],
) {
    for fault in verify_chain(events) {
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
    match events.last() {
        Some(last) if last.seq < head_seq => findings.add(
            FindingClass::Truncated,
            Some(last.seq),
            None,
            format!(
                "the log ends at event {}, its head is at {head_seq}",
                last.seq
            ),
        ),
        None if head_seq > 0 => findings.add(
            FindingClass::Truncated,
            None,
            None,
            format!("the log is empty, its head is at {head_seq}"),
        ),
        Some(last) if last.seq > head_seq => findings.add(
            FindingClass::Gap,
            Some(last.seq),
            None,
            format!("the log runs past its head at {head_seq}"),
        ),
        Some(last) if last.hash != head_hash => findings.add(
            FindingClass::ContentModified,
            Some(last.seq),
            None,
            "the last event is not the one the head records".into(),
        ),
        _ => {}
    }
}
