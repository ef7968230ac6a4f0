//! Archive bundles: one organisation's register year, in a folder that can
//! be checked years later with no database and no server, only the
//! organisation's verifier key.
//!
//! ```text
//! DIR/manifest.json             what the bundle claims (`Manifest`)
//! DIR/events.jsonl              the organisation's whole log, one event's
//!                               canonical bytes per line, seq 1 first
//! DIR/checkpoints/SIZE.checkpoint
//!                               every signed note of the log, as signed
//! DIR/pdfs/REGISTER-NUMBER-YEAR.pdf
//!                               the PDFs issued in the register year
//! DIR/contents/REGISTER-NUMBER-YEAR.json
//!                               an issued document's content as the log
//!                               hashed it, for those with enclosure files
//! DIR/contents/received-REGISTER-NUMBER-YEAR.json
//!                               a letter received in the year (the
//!                               receiving register), its content as the
//!                               `received` event hashed it
//! DIR/enclosures/SHA256         each enclosure file and each received
//!                               letter's original, named by its hash
//! ```
//!
//! Canonical event bytes are RFC 8785 JSON, which never holds a raw
//! newline, so each line of `events.jsonl` is exactly what was hashed.
//! The manifest carries what is derived from the log (inclusion proofs of
//! the year's issued and received events in the tree of the latest
//! checkpoint, and a consistency proof from each checkpoint to the next);
//! [`check`] trusts none of it: every claim is recomputed from the events
//! and the signed notes, and the proofs are verified besides.
//!
//! This module is pure: [`assemble`] builds a bundle in memory and
//! [`check`] reads one through a function the caller gives.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::checkpoint::{self, Checkpoint, VerifierKey};
use crate::ledger::{Event, GENESIS, chain_hash, sha256_hex};
use crate::merkle::{self, Hash};
use crate::numbering::{FirstNumbers, IssuedNumber, check_numbers};

/// The `format` of the manifests this module writes and reads.
pub const FORMAT: &str = "saraban-bundle/1";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const EVENTS_FILE: &str = "events.jsonl";
pub const CHECKPOINTS_DIR: &str = "checkpoints";
pub const PDFS_DIR: &str = "pdfs";
pub const CONTENTS_DIR: &str = "contents";
pub const ENCLOSURES_DIR: &str = "enclosures";
/// The kind of the event that records a destruction (`retention::DESTROYED`).
const DESTROYED_KIND: &str = crate::retention::DESTROYED;

/// "N/YEAR" of the list a `destroyed` event names (its number and year).
fn list_of(event: &Event) -> String {
    format!(
        "{}/{}",
        event.number.unwrap_or_default(),
        event.year.unwrap_or_default()
    )
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub org: String,
    /// The register year (B.E.) whose issued documents the bundle holds.
    pub year: i32,
    /// The origin line of the organisation's checkpoints.
    pub origin: String,
    /// The note verifier key text that signed the checkpoints.
    pub verifier_key: String,
    /// How many events the bundle's log holds; the latest checkpoint
    /// covers them all.
    pub log_size: u64,
    /// The chain hash of the last event (hex), as `saraban doc history`
    /// and the database's ledger head show it.
    pub head_hash: String,
    /// Registers whose numbering in this year does not start at 1 (a
    /// paper register carried on).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub first_numbers: BTreeMap<String, u32>,
    /// Oldest first.
    pub checkpoints: Vec<CheckpointEntry>,
    /// By register, then number.
    pub documents: Vec<IssuedDocument>,
    /// The receiving register: the letters received in the year, by
    /// register, then number. Absent from bundles written before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub received: Vec<ReceivedLetter>,
    /// Documents issued or received in the year whose content was erased
    /// under an approved destruction list (issue 19): their number stays
    /// in the register, proven by the event that numbered them and the
    /// `destroyed` event that erased them. Absent from bundles written
    /// before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destroyed: Vec<DestroyedDocument>,
}

/// A numbered document of the year destroyed under a destruction list:
/// no PDF, content or file, only its proofs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestroyedDocument {
    pub document: String,
    pub register: String,
    pub year: i32,
    pub number: u32,
    /// เรื่อง, as the `destroyed` event recorded it.
    pub subject: String,
    /// The `issued` or `received` event that numbered it.
    pub event_seq: u64,
    /// Inclusion proof of that event in the latest checkpoint's tree.
    pub inclusion_proof: Vec<String>,
    /// The `destroyed` event.
    pub destroyed_seq: u64,
    /// Inclusion proof of the `destroyed` event.
    pub destroyed_proof: Vec<String>,
    /// The list ("1/2568") it was destroyed under.
    pub list: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointEntry {
    pub size: u64,
    /// The note's file name in `checkpoints/`.
    pub file: String,
    /// RFC 6962 consistency proof (hex hashes) from this checkpoint to the
    /// next one; empty for the latest.
    pub consistency_to_next: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedDocument {
    pub document: String,
    pub register: String,
    pub year: i32,
    pub number: u32,
    /// For people browsing the bundle; no signature covers it.
    pub subject: String,
    /// The `issued` event.
    pub event_seq: u64,
    /// The PDF's file name in `pdfs/`.
    pub pdf_file: String,
    pub pdf_sha256: String,
    /// Inclusion proof (hex hashes) of the issued event in the tree of the
    /// latest checkpoint.
    pub inclusion_proof: Vec<String>,
    /// The issued content's file name in `contents/`, for a document with
    /// enclosure files: its SHA-256 is the issued event's content hash,
    /// and the hashes it names are the files in `enclosures/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_file: Option<String>,
}

/// A letter of the receiving register (หนังสือรับ), numbered by its
/// `received` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLetter {
    pub document: String,
    pub register: String,
    pub year: i32,
    /// เลขรับ.
    pub number: u32,
    /// เรื่อง, as the content says it.
    pub subject: String,
    /// The `received` event.
    pub event_seq: u64,
    /// The content's file name in `contents/`: its SHA-256 is the received
    /// event's content hash.
    pub content_file: String,
    /// The original's SHA-256 as the content names it, its file in
    /// `enclosures/`; none for a paper letter recorded by its fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_sha256: Option<String>,
    /// Inclusion proof (hex hashes) of the received event in the tree of
    /// the latest checkpoint.
    pub inclusion_proof: Vec<String>,
}

/// A bundle in memory: the manifest and every other file by its path in
/// the bundle's folder.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Bundle {
    pub fn manifest_json(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec_pretty(&self.manifest).expect("a manifest serialises");
        json.push(b'\n');
        json
    }
}

/// What [`assemble`] needs, as the store holds it.
#[derive(Debug)]
pub struct LogExport<'a> {
    pub org: &'a str,
    pub year: i32,
    pub origin: &'a str,
    pub key: &'a VerifierKey,
    /// Canonical bytes of every event, seq 1 first.
    pub events: &'a [Vec<u8>],
    /// Every signed note of the log, in any order.
    pub notes: &'a [String],
    pub first_numbers: BTreeMap<String, u32>,
    /// Subjects by document id.
    pub subjects: &'a HashMap<String, String>,
    /// Issued PDFs by their SHA-256 (hex).
    pub pdfs: &'a HashMap<String, Vec<u8>>,
    /// The issued content (canonical text) of documents with enclosure
    /// files, by document id.
    pub contents: &'a HashMap<String, String>,
    /// Enclosure files and received originals by their SHA-256 (hex).
    pub enclosures: &'a HashMap<String, Vec<u8>>,
    /// The content (canonical text) of each letter received in the year as
    /// its `received` event hashed it (version 1), by document id.
    pub received: &'a HashMap<String, String>,
}

/// The SHA-256s of the enclosure files a stored content names.
pub fn enclosure_hashes(content: &serde_json::Value) -> Vec<String> {
    content
        .get("enclosures")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("sha256")?.as_str().map(str::to_owned))
        .collect()
}

/// The SHA-256 of the original a received letter's content names.
pub fn original_hash(content: &serde_json::Value) -> Option<String> {
    content
        .get("original")?
        .get("sha256")?
        .as_str()
        .map(str::to_owned)
}

/// Builds the bundle of a register year. Refuses (with a message for the
/// person exporting) when the latest checkpoint does not cover the whole
/// log, or an issued PDF or a received letter's content or original is
/// missing.
pub fn assemble(export: &LogExport<'_>) -> Result<Bundle, String> {
    let leaves: Vec<Hash> = export
        .events
        .iter()
        .map(|bytes| merkle::leaf_hash(bytes))
        .collect();
    let mut checkpoints: Vec<Checkpoint> = Vec::new();
    for note in export.notes {
        let opened = checkpoint::open(note, export.key)
            .map_err(|e| format!("a stored checkpoint does not verify: {e}"))?;
        if opened.origin() != export.origin {
            return Err(format!(
                "a stored checkpoint is of another log, {}",
                opened.origin()
            ));
        }
        checkpoints.push(opened);
    }
    let mut notes: Vec<(&Checkpoint, &String)> = checkpoints.iter().zip(export.notes).collect();
    notes.sort_by_key(|(checkpoint, _)| checkpoint.size());
    notes.dedup_by_key(|(checkpoint, _)| checkpoint.size());
    let log_size = export.events.len() as u64;
    let Some((latest, _)) = notes.last() else {
        return Err("the log has no signed checkpoint".into());
    };
    if latest.size() != log_size {
        return Err(format!(
            "the latest checkpoint covers {} of the log's {log_size} events",
            latest.size()
        ));
    }

    let mut files = BTreeMap::new();
    let mut events_file = Vec::new();
    for bytes in export.events {
        events_file.extend_from_slice(bytes);
        events_file.push(b'\n');
    }
    files.insert(EVENTS_FILE.to_owned(), events_file);

    let mut entries = Vec::with_capacity(notes.len());
    for (i, (checkpoint, note)) in notes.iter().enumerate() {
        let file = format!("{}.checkpoint", checkpoint.size());
        let consistency_to_next = match notes.get(i + 1) {
            Some((next, _)) => {
                let upto = &leaves[..next.size() as usize];
                merkle::consistency_proof(upto, checkpoint.size() as usize)
                    .map(|proof| proof.iter().map(hex::encode).collect())
                    .ok_or_else(|| format!("no consistency proof from {}", checkpoint.size()))?
            }
            None => Vec::new(),
        };
        files.insert(
            format!("{CHECKPOINTS_DIR}/{file}"),
            note.as_bytes().to_vec(),
        );
        entries.push(CheckpointEntry {
            size: checkpoint.size(),
            file,
            consistency_to_next,
        });
    }

    let mut documents = Vec::new();
    let mut received = Vec::new();
    let mut destroyed = Vec::new();
    // The documents the log destroyed, by id: their `destroyed` event.
    let mut destructions: HashMap<String, (usize, Event)> = HashMap::new();
    for (index, bytes) in export.events.iter().enumerate() {
        if let Ok(event) = Event::from_canonical(bytes)
            && event.kind == DESTROYED_KIND
        {
            destructions.insert(event.document.clone(), (index, event));
        }
    }
    for (index, bytes) in export.events.iter().enumerate() {
        let event = Event::from_canonical(bytes)
            .map_err(|e| format!("event {} is not canonical: {e}", index + 1))?;
        let numbered = Issue::any(&event).filter(|issue| issue.year == export.year);
        if let (Some(issue), Some((at, erased))) = (numbered, destructions.get(&event.document)) {
            let proof = |index: usize| -> Vec<String> {
                merkle::inclusion_proof(&leaves, index)
                    .expect("index within the log")
                    .iter()
                    .map(hex::encode)
                    .collect()
            };
            destroyed.push(DestroyedDocument {
                document: event.document.clone(),
                register: issue.register,
                year: issue.year,
                number: issue.number,
                subject: erased.text.clone().unwrap_or_default(),
                event_seq: event.seq,
                inclusion_proof: proof(index),
                destroyed_seq: erased.seq,
                destroyed_proof: proof(*at),
                list: list_of(erased),
            });
            continue;
        }
        if let Some(receipt) = Issue::received(&event).filter(|r| r.year == export.year) {
            let letter = received_letter(export, &event, receipt, &leaves, index, &mut files)?;
            received.push(letter);
            continue;
        }
        let Some(issue) = Issue::of(&event).filter(|issue| issue.year == export.year) else {
            continue;
        };
        let pdf_hash = event
            .pdf_hash
            .clone()
            .ok_or_else(|| format!("event {} issues a document without a PDF", event.seq))?;
        let pdf = export.pdfs.get(&pdf_hash).ok_or_else(|| {
            format!(
                "the PDF of {} (event {}) is missing from the store",
                event.document, event.seq
            )
        })?;
        let pdf_file = pdf_file_name(&issue.register, issue.number, issue.year);
        files.insert(format!("{PDFS_DIR}/{pdf_file}"), pdf.clone());
        let content_file = match export.contents.get(&event.document) {
            Some(content) => {
                let name = pdf_file.replace(".pdf", ".json");
                let value: serde_json::Value = serde_json::from_str(content)
                    .map_err(|e| format!("the content of {} is no JSON: {e}", event.document))?;
                for hash in enclosure_hashes(&value) {
                    let bytes = export.enclosures.get(&hash).ok_or_else(|| {
                        format!(
                            "the enclosure file {hash} of {} is missing from the store",
                            event.document
                        )
                    })?;
                    files.insert(format!("{ENCLOSURES_DIR}/{hash}"), bytes.clone());
                }
                files.insert(
                    format!("{CONTENTS_DIR}/{name}"),
                    content.as_bytes().to_vec(),
                );
                Some(name)
            }
            None => None,
        };
        let proof = merkle::inclusion_proof(&leaves, index).expect("index within the log");
        documents.push(IssuedDocument {
            document: event.document.clone(),
            register: issue.register,
            year: issue.year,
            number: issue.number,
            subject: export
                .subjects
                .get(&event.document)
                .cloned()
                .unwrap_or_default(),
            event_seq: event.seq,
            pdf_file,
            pdf_sha256: pdf_hash,
            inclusion_proof: proof.iter().map(hex::encode).collect(),
            content_file,
        });
    }
    documents.sort_by(|a, b| (&a.register, a.number).cmp(&(&b.register, b.number)));
    received.sort_by(|a, b| (&a.register, a.number).cmp(&(&b.register, b.number)));
    destroyed.sort_by(|a, b| (&a.register, a.number).cmp(&(&b.register, b.number)));

    let head = export
        .events
        .iter()
        .fold(GENESIS, |prev, bytes| chain_hash(&prev, bytes));
    Ok(Bundle {
        manifest: Manifest {
            format: FORMAT.to_owned(),
            org: export.org.to_owned(),
            year: export.year,
            origin: export.origin.to_owned(),
            verifier_key: export.key.to_text(),
            log_size,
            head_hash: hex::encode(head),
            first_numbers: export.first_numbers.clone(),
            checkpoints: entries,
            documents,
            received,
            destroyed,
        },
        files,
    })
}

/// A received letter's entry, its content and its original put in
/// `files`.
fn received_letter(
    export: &LogExport<'_>,
    event: &Event,
    receipt: Issue,
    leaves: &[Hash],
    index: usize,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<ReceivedLetter, String> {
    let content = export.received.get(&event.document).ok_or_else(|| {
        format!(
            "the content of received letter {} (event {}) is missing from the store",
            event.document, event.seq
        )
    })?;
    let value: serde_json::Value = serde_json::from_str(content)
        .map_err(|e| format!("the content of {} is no JSON: {e}", event.document))?;
    let original = original_hash(&value);
    if let Some(hash) = &original {
        let bytes = export.enclosures.get(hash).ok_or_else(|| {
            format!(
                "the original {hash} of received letter {} is missing from the store",
                event.document
            )
        })?;
        files.insert(format!("{ENCLOSURES_DIR}/{hash}"), bytes.clone());
    }
    let content_file = received_file_name(&receipt.register, receipt.number, receipt.year);
    files.insert(
        format!("{CONTENTS_DIR}/{content_file}"),
        content.as_bytes().to_vec(),
    );
    let proof = merkle::inclusion_proof(leaves, index).expect("index within the log");
    Ok(ReceivedLetter {
        document: event.document.clone(),
        register: receipt.register,
        year: receipt.year,
        number: receipt.number,
        subject: subject_of(&value),
        event_seq: event.seq,
        content_file,
        original_sha256: original,
        inclusion_proof: proof.iter().map(hex::encode).collect(),
    })
}

fn subject_of(content: &serde_json::Value) -> String {
    content
        .get("subject")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `received-REGISTER-NUMBER-YEAR.json`: apart from the issued contents of
/// the same folder, whatever the registers are called.
pub fn received_file_name(register: &str, number: u32, year: i32) -> String {
    format!("received-{register}-{number}-{year}.json")
}

/// `REGISTER-NUMBER-YEAR.pdf`: the register keeps numbers of different
/// registers apart.
pub fn pdf_file_name(register: &str, number: u32, year: i32) -> String {
    format!("{register}-{number}-{year}.pdf")
}

/// What an issued or a received event says of its number.
#[derive(Debug, Clone)]
struct Issue {
    register: String,
    year: i32,
    number: u32,
}

impl Issue {
    fn of(event: &Event) -> Option<Issue> {
        Issue::numbered(event, "issued")
    }

    /// A received letter's เลขรับ.
    fn received(event: &Event) -> Option<Issue> {
        Issue::numbered(event, "received")
    }

    /// The number any register gave: issued or received, they count in
    /// the same register years.
    fn any(event: &Event) -> Option<Issue> {
        Issue::of(event).or_else(|| Issue::received(event))
    }

    fn numbered(event: &Event, kind: &str) -> Option<Issue> {
        if event.kind != kind {
            return None;
        }
        Some(Issue {
            register: event.register.clone()?,
            year: event.year?,
            number: event.number?,
        })
    }
}

/// What kind of problem a finding is; its word opens the finding's line.
/// The bundle check names the classes the audit of a database does.
pub use crate::finding::FindingClass;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub class: FindingClass,
    pub detail: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.class.name(), self.detail)
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub org: String,
    pub year: i32,
    pub events: u64,
    pub checkpoints: u64,
    pub documents: u64,
    /// Letters of the receiving register.
    pub received: u64,
    /// The root of the bundle's log (hex).
    pub merkle_root: String,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn holds(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Why a bundle could not be checked at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("manifest.json: {0}")]
    Manifest(String),
    #[error("--key: {0}")]
    Key(String),
}

/// Reads a file of the bundle by its path (`events.jsonl`,
/// `pdfs/memo-1-2568.pdf`); `Err` says why it could not be read.
pub type ReadFile<'a> = dyn Fn(&str) -> Result<Vec<u8>, String> + 'a;

/// What the verifier holds from outside the bundle.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outside<'a> {
    /// The organisation's verifier key text, obtained apart from the
    /// bundle; the bundle's must be the same.
    pub key: Option<&'a str>,
    /// Signed notes kept from before: the bundle's log must still hold
    /// what each signed, which catches a bundle cut back to an older
    /// checkpoint.
    pub notes: &'a [String],
}

/// Checks a bundle: `manifest` is the text of `manifest.json`, `read`
/// gives the other files. Every finding is kept.
pub fn check(
    manifest: &[u8],
    outside: Outside<'_>,
    read: &ReadFile<'_>,
) -> Result<Report, CheckError> {
    let manifest: Manifest =
        serde_json::from_slice(manifest).map_err(|e| CheckError::Manifest(e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(CheckError::Manifest(format!(
            "format {:?} is not {FORMAT:?}",
            manifest.format
        )));
    }
    let bundled_key = VerifierKey::parse(manifest.verifier_key.trim())
        .map_err(|e| CheckError::Manifest(format!("verifier_key: {e}")))?;
    let trusted_key = outside
        .key
        .map(|text| VerifierKey::parse(text.trim()).map_err(|e| CheckError::Key(e.to_string())))
        .transpose()?;
    let mut findings = Vec::new();
    let mut add = |class: FindingClass, detail: String| findings.push(Finding { class, detail });
    // The independent key, when given, is the one signatures are held to.
    let key = match &trusted_key {
        Some(trusted) if *trusted != bundled_key => {
            add(
                FindingClass::Key,
                format!(
                    "the bundle names key {}, the key given is {}",
                    bundled_key.to_text(),
                    trusted.to_text()
                ),
            );
            trusted
        }
        Some(trusted) => trusted,
        None => &bundled_key,
    };

    let log = read_log(&manifest, read, &mut add);
    let leaves: Vec<Hash> = log
        .iter()
        .map(|(bytes, _)| merkle::leaf_hash(bytes))
        .collect();
    if log.len() as u64 != manifest.log_size {
        add(
            FindingClass::Manifest,
            format!(
                "the log holds {} events, the manifest says {}",
                log.len(),
                manifest.log_size
            ),
        );
    }
    let head = log
        .iter()
        .fold(GENESIS, |prev, (bytes, _)| chain_hash(&prev, bytes));
    if !log.is_empty() && hex::encode(head) != manifest.head_hash {
        add(
            FindingClass::Chain,
            format!(
                "the log's chain ends at {}, the manifest says {}",
                hex::encode(head),
                manifest.head_hash
            ),
        );
    }

    let latest = check_checkpoints(&manifest, key, &leaves, read, &mut add);
    check_kept_notes(&manifest, key, &leaves, outside.notes, &mut add);
    check_documents(&manifest, &log, latest.as_ref(), read, &mut add);
    check_received(&manifest, &log, latest.as_ref(), read, &mut add);
    check_destroyed(&manifest, &log, latest.as_ref(), &mut add);
    check_year_numbers(&manifest, &log, &mut add);

    findings.sort_by_key(|finding| finding.class);
    Ok(Report {
        org: manifest.org.clone(),
        year: manifest.year,
        events: log.len() as u64,
        checkpoints: manifest.checkpoints.len() as u64,
        documents: manifest.documents.len() as u64,
        received: manifest.received.len() as u64,
        merkle_root: hex::encode(merkle::root(&leaves)),
        findings,
    })
}

type Add<'a> = dyn FnMut(FindingClass, String) + 'a;

/// The log's lines with the event each one reads as (`None` when it does
/// not read as the canonical event of its place).
fn read_log(
    manifest: &Manifest,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) -> Vec<(Vec<u8>, Option<Event>)> {
    let text = match read(EVENTS_FILE) {
        Ok(text) => text,
        Err(error) => {
            add(FindingClass::Missing, format!("{EVENTS_FILE}: {error}"));
            return Vec::new();
        }
    };
    let Some(text) = text
        .strip_suffix(b"\n")
        .or(text.is_empty().then_some(&[][..]))
    else {
        add(
            FindingClass::Event,
            format!("{EVENTS_FILE} does not end in a newline"),
        );
        return Vec::new();
    };
    if text.is_empty() {
        return Vec::new();
    }
    text.split(|&b| b == b'\n')
        .enumerate()
        .map(|(index, line)| {
            let seq = index as u64 + 1;
            let event = match Event::from_canonical(line) {
                Ok(event) if event.seq != seq => {
                    add(
                        FindingClass::Event,
                        format!("line {seq} is event {} of the log", event.seq),
                    );
                    None
                }
                Ok(event) if event.org != manifest.org => {
                    add(
                        FindingClass::Event,
                        format!("event {seq} is of another organisation, {}", event.org),
                    );
                    None
                }
                Ok(event) => Some(event),
                Err(error) => {
                    add(
                        FindingClass::Event,
                        format!("event {seq} is not a canonical event: {error}"),
                    );
                    None
                }
            };
            (line.to_vec(), event)
        })
        .collect()
}

/// A bundle file name must stay inside its folder.
fn plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
}

/// Every note against the key and the log, and each one against the next.
/// Returns the latest checkpoint that verifies, which the inclusion proofs
/// are checked against.
fn check_checkpoints(
    manifest: &Manifest,
    key: &VerifierKey,
    leaves: &[Hash],
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) -> Option<Checkpoint> {
    if manifest.checkpoints.is_empty() {
        add(
            FindingClass::Signature,
            "the bundle holds no signed checkpoint".into(),
        );
        return None;
    }
    let mut opened: Vec<Option<Checkpoint>> = Vec::with_capacity(manifest.checkpoints.len());
    for entry in &manifest.checkpoints {
        opened.push(open_checkpoint(manifest, entry, key, read, add));
    }
    let roots = merkle::prefix_roots(leaves, opened.iter().flatten().map(Checkpoint::size));
    for (entry, checkpoint) in manifest.checkpoints.iter().zip(&opened) {
        let Some(checkpoint) = checkpoint else {
            continue;
        };
        let size = checkpoint.size();
        match roots.get(&size) {
            None => add(
                FindingClass::Root,
                format!(
                    "checkpoint {} covers {size} events, the log holds {}",
                    entry.file,
                    leaves.len()
                ),
            ),
            Some(root) if root != checkpoint.root() => add(
                FindingClass::Root,
                format!(
                    "the log's first {size} events are not those checkpoint {} signs",
                    entry.file
                ),
            ),
            Some(_) => {}
        }
    }
    for (i, pair) in manifest.checkpoints.windows(2).enumerate() {
        if pair[0].size >= pair[1].size {
            add(
                FindingClass::Manifest,
                format!(
                    "checkpoints {} and {} are not in growing order",
                    pair[0].file, pair[1].file
                ),
            );
            continue;
        }
        let (Some(old), Some(new)) = (&opened[i], &opened[i + 1]) else {
            continue;
        };
        let proof = hex_hashes(&pair[0].consistency_to_next);
        let consistent = proof.as_ref().is_some_and(|proof| {
            merkle::verify_consistency(old.size(), new.size(), old.root(), new.root(), proof)
        });
        if !consistent {
            add(
                FindingClass::Consistency,
                format!(
                    "the proof that checkpoint {} is a prefix of {} does not verify",
                    pair[0].file, pair[1].file
                ),
            );
        }
    }
    let last = manifest.checkpoints.last().expect("not empty");
    if !last.consistency_to_next.is_empty() {
        add(
            FindingClass::Manifest,
            format!(
                "the latest checkpoint {} has a proof to no later one",
                last.file
            ),
        );
    }
    let latest = opened.last().cloned().flatten();
    match &latest {
        Some(latest) if latest.size() != leaves.len() as u64 => add(
            FindingClass::Root,
            format!(
                "the latest checkpoint covers {} events, the log holds {}",
                latest.size(),
                leaves.len()
            ),
        ),
        Some(_) => {}
        None => add(
            FindingClass::Signature,
            "the latest checkpoint does not verify: no inclusion proof can be checked".into(),
        ),
    }
    latest
}

fn check_kept_notes(
    manifest: &Manifest,
    key: &VerifierKey,
    leaves: &[Hash],
    notes: &[String],
    add: &mut Add<'_>,
) {
    let mut opened = Vec::with_capacity(notes.len());
    for (note, place) in notes.iter().zip(1..) {
        match checkpoint::open(note, key) {
            Ok(checkpoint) if checkpoint.origin() == manifest.origin => {
                opened.push((checkpoint, place))
            }
            Ok(checkpoint) => add(
                FindingClass::Signature,
                format!(
                    "kept checkpoint {place} is of the log {}, not {}",
                    checkpoint.origin(),
                    manifest.origin
                ),
            ),
            Err(error) => add(
                FindingClass::Signature,
                format!("kept checkpoint {place} does not verify: {error}"),
            ),
        }
    }
    let roots = merkle::prefix_roots(leaves, opened.iter().map(|(c, _)| c.size()));
    for (checkpoint, place) in opened {
        let size = checkpoint.size();
        match roots.get(&size) {
            None => add(
                FindingClass::Root,
                format!(
                    "kept checkpoint {place} covers {size} events, the bundle's log only {}: it was cut",
                    leaves.len()
                ),
            ),
            Some(root) if root != checkpoint.root() => add(
                FindingClass::Root,
                format!(
                    "the log's first {size} events are not those kept checkpoint {place} signs"
                ),
            ),
            Some(_) => {}
        }
    }
}

fn open_checkpoint(
    manifest: &Manifest,
    entry: &CheckpointEntry,
    key: &VerifierKey,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) -> Option<Checkpoint> {
    if !plain_file_name(&entry.file) {
        add(
            FindingClass::Manifest,
            format!("checkpoint file name {:?} leaves its folder", entry.file),
        );
        return None;
    }
    let path = format!("{CHECKPOINTS_DIR}/{}", entry.file);
    let note = match read(&path) {
        Ok(note) => note,
        Err(error) => {
            add(FindingClass::Missing, format!("{path}: {error}"));
            return None;
        }
    };
    let Ok(note) = String::from_utf8(note) else {
        add(FindingClass::Signature, format!("{path} is not UTF-8 text"));
        return None;
    };
    let checkpoint = match checkpoint::open(&note, key) {
        Ok(checkpoint) => checkpoint,
        Err(error) => {
            add(FindingClass::Signature, format!("{path}: {error}"));
            return None;
        }
    };
    if checkpoint.origin() != manifest.origin {
        add(
            FindingClass::Signature,
            format!(
                "{path} is of the log {}, not {}",
                checkpoint.origin(),
                manifest.origin
            ),
        );
        return None;
    }
    if checkpoint.size() != entry.size {
        add(
            FindingClass::Manifest,
            format!(
                "{path} signs size {}, the manifest says {}",
                checkpoint.size(),
                entry.size
            ),
        );
    }
    Some(checkpoint)
}

fn hex_hashes(hashes: &[String]) -> Option<Vec<Hash>> {
    hashes
        .iter()
        .map(|text| hex::decode(text).ok()?.try_into().ok())
        .collect()
}

/// Each listed document against its issued event, its inclusion proof and
/// its PDF; and every issued event of the year listed.
fn check_documents(
    manifest: &Manifest,
    log: &[(Vec<u8>, Option<Event>)],
    latest: Option<&Checkpoint>,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) {
    let mut listed: BTreeSet<u64> = manifest.destroyed.iter().map(|d| d.event_seq).collect();
    for document in &manifest.documents {
        let name = format!(
            "{} {}/{} ({})",
            document.register, document.number, document.year, document.document
        );
        listed.insert(document.event_seq);
        let Some((bytes, event)) = document
            .event_seq
            .checked_sub(1)
            .and_then(|index| log.get(index as usize))
        else {
            add(
                FindingClass::Manifest,
                format!("{name}: event {} is not in the log", document.event_seq),
            );
            continue;
        };
        let Some(event) = event else {
            // The event line's own finding says why.
            continue;
        };
        let claims_agree = event.kind == "issued"
            && event.document == document.document
            && event.register.as_deref() == Some(&document.register)
            && event.year == Some(document.year)
            && event.number == Some(document.number)
            && event.pdf_hash.as_deref() == Some(&document.pdf_sha256);
        if !claims_agree {
            add(
                FindingClass::Manifest,
                format!(
                    "{name}: event {} does not issue this number and PDF",
                    document.event_seq
                ),
            );
        }
        if document.year != manifest.year {
            add(
                FindingClass::Manifest,
                format!("{name} is not of the bundle's year {}", manifest.year),
            );
        }
        check_inclusion(
            &name,
            document.event_seq,
            bytes,
            &document.inclusion_proof,
            latest,
            add,
        );
        check_pdf(&name, document, event, read, add);
        check_enclosures(&name, document, event, read, add);
    }
    for (bytes_event, seq) in log.iter().zip(1u64..) {
        let Some(event) = &bytes_event.1 else {
            continue;
        };
        let of_year = Issue::of(event).is_some_and(|issue| issue.year == manifest.year);
        if of_year && !listed.contains(&seq) {
            add(
                FindingClass::Manifest,
                format!(
                    "event {seq} issues {} in {}, but the bundle does not list it",
                    event.document, manifest.year
                ),
            );
        }
    }
}

/// Each destroyed document: the event that numbered it says so, a
/// `destroyed` event of the log erased it under the list named, and both
/// are in the latest checkpoint's tree.
fn check_destroyed(
    manifest: &Manifest,
    log: &[(Vec<u8>, Option<Event>)],
    latest: Option<&Checkpoint>,
    add: &mut Add<'_>,
) {
    let at = |seq: u64| seq.checked_sub(1).and_then(|index| log.get(index as usize));
    for entry in &manifest.destroyed {
        let name = format!(
            "destroyed {} {}/{} ({})",
            entry.register, entry.number, entry.year, entry.document
        );
        if entry.year != manifest.year {
            add(
                FindingClass::Manifest,
                format!("{name} is not of the bundle's year {}", manifest.year),
            );
        }
        match at(entry.event_seq) {
            None => add(
                FindingClass::Manifest,
                format!("{name}: event {} is not in the log", entry.event_seq),
            ),
            Some((_, None)) => {}
            Some((bytes, Some(event))) => {
                let agrees = event.document == entry.document
                    && Issue::any(event).is_some_and(|issue| {
                        issue.register == entry.register
                            && issue.year == entry.year
                            && issue.number == entry.number
                    });
                if !agrees {
                    add(
                        FindingClass::Manifest,
                        format!("{name}: event {} does not number it", entry.event_seq),
                    );
                }
                check_inclusion(
                    &name,
                    entry.event_seq,
                    bytes,
                    &entry.inclusion_proof,
                    latest,
                    add,
                );
            }
        }
        match at(entry.destroyed_seq) {
            None => add(
                FindingClass::Missing,
                format!(
                    "{name}: its destruction, event {}, is not in the log",
                    entry.destroyed_seq
                ),
            ),
            Some((_, None)) => {}
            Some((bytes, Some(event))) => {
                if event.kind != DESTROYED_KIND
                    || event.document != entry.document
                    || list_of(event) != entry.list
                {
                    add(
                        FindingClass::Missing,
                        format!(
                            "{name}: event {} does not destroy it under list {}, so its PDF and content are missing",
                            entry.destroyed_seq, entry.list
                        ),
                    );
                }
                check_inclusion(
                    &name,
                    entry.destroyed_seq,
                    bytes,
                    &entry.destroyed_proof,
                    latest,
                    add,
                );
            }
        }
    }
}

/// The proof that the event at `seq` (its canonical `bytes`) is in the
/// latest checkpoint's tree.
fn check_inclusion(
    name: &str,
    seq: u64,
    bytes: &[u8],
    proof: &[String],
    latest: Option<&Checkpoint>,
    add: &mut Add<'_>,
) {
    let Some(latest) = latest else {
        return;
    };
    let included = hex_hashes(proof).is_some_and(|proof| {
        merkle::verify_inclusion(
            &merkle::leaf_hash(bytes),
            seq - 1,
            latest.size(),
            &proof,
            latest.root(),
        )
    });
    if !included {
        add(
            FindingClass::Inclusion,
            format!(
                "{name}: the proof that event {seq} is in the latest checkpoint does not verify"
            ),
        );
    }
}

/// The receiving register: each listed letter against its received event,
/// its inclusion proof, its content and its original; and every letter
/// received in the year listed once.
fn check_received(
    manifest: &Manifest,
    log: &[(Vec<u8>, Option<Event>)],
    latest: Option<&Checkpoint>,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) {
    let mut listed = BTreeSet::new();
    let destroyed: BTreeSet<u64> = manifest.destroyed.iter().map(|d| d.event_seq).collect();
    for letter in &manifest.received {
        let name = format!(
            "received {} {}/{} ({})",
            letter.register, letter.number, letter.year, letter.document
        );
        if !listed.insert(letter.event_seq) {
            add(
                FindingClass::Manifest,
                format!("{name}: event {} is listed twice", letter.event_seq),
            );
        }
        let Some((bytes, event)) = letter
            .event_seq
            .checked_sub(1)
            .and_then(|index| log.get(index as usize))
        else {
            add(
                FindingClass::Manifest,
                format!("{name}: event {} is not in the log", letter.event_seq),
            );
            continue;
        };
        let Some(event) = event else {
            // The event line's own finding says why.
            continue;
        };
        let claims_agree = event.kind == "received"
            && event.document == letter.document
            && event.register.as_deref() == Some(&letter.register)
            && event.year == Some(letter.year)
            && event.number == Some(letter.number);
        if !claims_agree {
            add(
                FindingClass::Manifest,
                format!(
                    "{name}: event {} does not receive this letter under this number",
                    letter.event_seq
                ),
            );
        }
        if letter.year != manifest.year {
            add(
                FindingClass::Manifest,
                format!("{name} is not of the bundle's year {}", manifest.year),
            );
        }
        check_inclusion(
            &name,
            letter.event_seq,
            bytes,
            &letter.inclusion_proof,
            latest,
            add,
        );
        check_received_files(&name, letter, event, read, add);
    }
    for ((_, event), seq) in log.iter().zip(1u64..) {
        let Some(event) = event else {
            continue;
        };
        let of_year = Issue::received(event).is_some_and(|r| r.year == manifest.year);
        if of_year && !listed.contains(&seq) && !destroyed.contains(&seq) {
            add(
                FindingClass::Manifest,
                format!(
                    "event {seq} receives {} in {}, but the bundle does not list it",
                    event.document, manifest.year
                ),
            );
        }
    }
}

/// The content file `file` of `contents/`, which must be the content
/// `event` hashed, as JSON; otherwise a finding (of `class`
/// where the bytes are not the hashed content) and none.
fn hashed_content(
    name: &str,
    file: &str,
    event: &Event,
    class: FindingClass,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) -> Option<serde_json::Value> {
    if !plain_file_name(file) {
        add(
            FindingClass::Manifest,
            format!("{name}: content file name {file:?} leaves its folder"),
        );
        return None;
    }
    let path = format!("{CONTENTS_DIR}/{file}");
    let content = match read(&path) {
        Ok(content) => content,
        Err(error) => {
            add(FindingClass::Missing, format!("{name}: {path}: {error}"));
            return None;
        }
    };
    let actual = sha256_hex(&content);
    if actual != event.content_hash {
        add(
            class,
            format!(
                "{name}: {path} has SHA-256 {actual}, the {} event's content hash is {}",
                event.kind, event.content_hash
            ),
        );
        return None;
    }
    match serde_json::from_slice::<serde_json::Value>(&content) {
        Ok(value) => Some(value),
        Err(_) => {
            add(class, format!("{name}: {path} is no JSON"));
            None
        }
    }
}

/// A received letter's content must be the one its event hashed, and its
/// original the file of the hash that content names.
fn check_received_files(
    name: &str,
    letter: &ReceivedLetter,
    event: &Event,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) {
    let Some(value) = hashed_content(
        name,
        &letter.content_file,
        event,
        FindingClass::ContentModified,
        read,
        add,
    ) else {
        return;
    };
    if subject_of(&value) != letter.subject {
        add(
            FindingClass::Manifest,
            format!("{name}: the subject is not the content's"),
        );
    }
    // The content, which the event covers, names the original; the
    // manifest's copy of its hash must agree.
    let original = original_hash(&value);
    if original != letter.original_sha256 {
        add(
            FindingClass::Manifest,
            format!(
                "{name}: the manifest names original {:?}, the content {:?}",
                letter.original_sha256, original
            ),
        );
    }
    let Some(hash) = original else {
        return;
    };
    let path = format!("{ENCLOSURES_DIR}/{hash}");
    if !plain_file_name(&hash) {
        add(
            FindingClass::Enclosure,
            format!("{name}: {path} leaves its folder"),
        );
        return;
    }
    match read(&path) {
        Ok(bytes) => {
            let actual = sha256_hex(&bytes);
            if actual != hash {
                add(
                    FindingClass::Enclosure,
                    format!(
                        "{name}: original {path} has SHA-256 {actual}, the content names {hash}"
                    ),
                );
            }
        }
        Err(error) => add(FindingClass::Missing, format!("{name}: {path}: {error}")),
    }
}

/// A document's enclosure files: its content must be the one the issued
/// event hashed, and every file it names there, with that hash.
fn check_enclosures(
    name: &str,
    document: &IssuedDocument,
    event: &Event,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) {
    let Some(file) = &document.content_file else {
        return;
    };
    let Some(value) = hashed_content(name, file, event, FindingClass::Enclosure, read, add) else {
        return;
    };
    for hash in enclosure_hashes(&value) {
        let path = format!("{ENCLOSURES_DIR}/{hash}");
        if !plain_file_name(&hash) {
            add(
                FindingClass::Enclosure,
                format!("{name}: {path} leaves its folder"),
            );
            continue;
        }
        match read(&path) {
            Ok(bytes) => {
                let actual = sha256_hex(&bytes);
                if actual != hash {
                    add(
                        FindingClass::Enclosure,
                        format!("{name}: {path} has SHA-256 {actual}, the content names {hash}"),
                    );
                }
            }
            Err(error) => add(FindingClass::Missing, format!("{name}: {path}: {error}")),
        }
    }
}

fn check_pdf(
    name: &str,
    document: &IssuedDocument,
    event: &Event,
    read: &ReadFile<'_>,
    add: &mut Add<'_>,
) {
    if !plain_file_name(&document.pdf_file) {
        add(
            FindingClass::Manifest,
            format!(
                "{name}: PDF file name {:?} leaves its folder",
                document.pdf_file
            ),
        );
        return;
    }
    let path = format!("{PDFS_DIR}/{}", document.pdf_file);
    let pdf = match read(&path) {
        Ok(pdf) => pdf,
        Err(error) => {
            add(FindingClass::Missing, format!("{name}: {path}: {error}"));
            return;
        }
    };
    // The signed event, not the manifest, says which PDF was issued.
    let issued = event.pdf_hash.as_deref().unwrap_or_default();
    let actual = sha256_hex(&pdf);
    if actual != issued {
        add(
            FindingClass::Pdf,
            format!("{name}: {path} has SHA-256 {actual}, the issued event names {issued}"),
        );
    }
}

/// Each register's numbers of the year, as the log issued or received
/// them: unique and without a gap from the register's first number.
fn check_year_numbers(manifest: &Manifest, log: &[(Vec<u8>, Option<Event>)], add: &mut Add<'_>) {
    let issues: Vec<(Issue, u64, &str)> = log
        .iter()
        .zip(1u64..)
        .filter_map(|((_, event), seq)| {
            let event = event.as_ref()?;
            let issue = Issue::any(event).filter(|issue| issue.year == manifest.year)?;
            Some((issue, seq, event.document.as_str()))
        })
        .collect();
    let issued: Vec<IssuedNumber<'_>> = issues
        .iter()
        .map(|(issue, seq, document)| IssuedNumber {
            register: &issue.register,
            year: issue.year,
            number: issue.number,
            seq: *seq,
            document,
        })
        .collect();
    let firsts: FirstNumbers<'_> = manifest
        .first_numbers
        .iter()
        .map(|(register, first)| ((register.as_str(), manifest.year), *first))
        .collect();
    for finding in check_numbers(&issued, &firsts).findings {
        add(
            finding.class,
            format!("{} (event {})", finding.detail, finding.seq),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{Checkpoint, SignerKey};
    use crate::ledger::EventHead;

    const ORIGIN: &str = "saraban/wangkrachae";

    fn event(seq: u64, document: &str, issued: Option<(u32, &[u8])>) -> Vec<u8> {
        let mut event = Event::new(EventHead {
            org: "wangkrachae",
            seq,
            at: "2025-04-13T10:00:00+07:00".into(),
            kind: if issued.is_some() {
                "issued"
            } else {
                "endorsed"
            },
            document,
            doc_version: 1,
            actor: "sunee",
            content_hash: "ab".repeat(32),
        });
        if let Some((number, pdf)) = issued {
            event.register = Some("memo".into());
            event.year = Some(2568);
            event.number = Some(number);
            event.pdf_hash = Some(sha256_hex(pdf));
        }
        event.canonical()
    }

    struct Fixture {
        signer: SignerKey,
        bundle: Bundle,
    }

    /// A log of seven events issuing memo 1 (event 3) and memo 2 (event
    /// 6), checkpointed after each issue and at the end.
    fn fixture() -> Fixture {
        let events = vec![
            event(1, "a", None),
            event(2, "a", None),
            event(3, "a", Some((1, b"%PDF-a"))),
            event(4, "b", None),
            event(5, "b", None),
            event(6, "b", Some((2, b"%PDF-b"))),
            event(7, "c", None),
        ];
        let signer = SignerKey::from_seed(ORIGIN, &[7; 32]).unwrap();
        let leaves: Vec<Hash> = events.iter().map(|e| merkle::leaf_hash(e)).collect();
        let notes: Vec<String> = [7usize, 3, 6]
            .iter()
            .map(|&size| {
                let head = Checkpoint::new(ORIGIN, size as u64, merkle::root(&leaves[..size]));
                checkpoint::sign(&head.unwrap(), &signer)
            })
            .collect();
        let subjects = HashMap::from([("a".to_owned(), "รายงาน".to_owned())]);
        let pdfs = HashMap::from([
            (sha256_hex(b"%PDF-a"), b"%PDF-a".to_vec()),
            (sha256_hex(b"%PDF-b"), b"%PDF-b".to_vec()),
        ]);
        let bundle = assemble(&LogExport {
            org: "wangkrachae",
            year: 2568,
            origin: ORIGIN,
            key: &signer.verifier(),
            events: &events,
            notes: &notes,
            first_numbers: BTreeMap::new(),
            subjects: &subjects,
            pdfs: &pdfs,
            contents: &HashMap::new(),
            enclosures: &HashMap::new(),
            received: &HashMap::new(),
        })
        .unwrap();
        Fixture { signer, bundle }
    }

    fn check_bundle(bundle: &Bundle, key: Option<&str>) -> Report {
        check_with(bundle, Outside { key, notes: &[] })
    }

    fn check_with(bundle: &Bundle, outside: Outside<'_>) -> Report {
        let read = |path: &str| bundle.files.get(path).cloned().ok_or("no such file".into());
        check(&bundle.manifest_json(), outside, &read).unwrap()
    }

    fn classes(report: &Report) -> Vec<FindingClass> {
        report.findings.iter().map(|f| f.class).collect()
    }

    #[test]
    fn an_untouched_bundle_holds() {
        let Fixture { signer, bundle } = fixture();
        assert_eq!(bundle.manifest.checkpoints.len(), 3);
        assert_eq!(bundle.manifest.documents.len(), 2);
        assert!(bundle.files.contains_key("pdfs/memo-2-2568.pdf"));
        let report = check_bundle(&bundle, Some(&signer.verifier().to_text()));
        assert!(report.holds(), "{:?}", report.findings);
        assert_eq!((report.events, report.checkpoints), (7, 3));
    }

    #[test]
    fn an_export_needs_a_checkpoint_of_the_whole_log() {
        let signer = SignerKey::from_seed(ORIGIN, &[7; 32]).unwrap();
        let events = vec![event(1, "a", None), event(2, "a", None)];
        let head = Checkpoint::new(ORIGIN, 1, merkle::leaf_hash(&events[0])).unwrap();
        let notes = [checkpoint::sign(&head, &signer)];
        let error = assemble(&LogExport {
            org: "wangkrachae",
            year: 2568,
            origin: ORIGIN,
            key: &signer.verifier(),
            events: &events,
            notes: &notes,
            first_numbers: BTreeMap::new(),
            subjects: &HashMap::new(),
            pdfs: &HashMap::new(),
            contents: &HashMap::new(),
            enclosures: &HashMap::new(),
            received: &HashMap::new(),
        })
        .unwrap_err();
        assert!(error.contains("covers 1 of the log's 2"), "{error}");
    }

    #[test]
    fn a_changed_pdf_or_event_is_found() {
        let mut bundle = fixture().bundle;
        bundle.files.get_mut("pdfs/memo-1-2568.pdf").unwrap()[1] ^= 1;
        let events = bundle.files.get_mut(EVENTS_FILE).unwrap();
        let text = String::from_utf8(events.clone()).unwrap();
        *events = text.replacen("\"sunee\"", "\"sunei\"", 1).into_bytes();
        let found = classes(&check_bundle(&bundle, None));
        assert!(found.contains(&FindingClass::Pdf), "{found:?}");
        assert!(found.contains(&FindingClass::Root), "{found:?}");
        assert!(found.contains(&FindingClass::Chain), "{found:?}");
    }

    #[test]
    fn a_bad_proof_or_note_is_found() {
        let mut bundle = fixture().bundle;
        let proof = &mut bundle.manifest.documents[0].inclusion_proof[0];
        *proof = proof.replacen(&proof[..1], if &proof[..1] == "0" { "1" } else { "0" }, 1);
        bundle.manifest.checkpoints[0].consistency_to_next.pop();
        let found = classes(&check_bundle(&bundle, None));
        assert_eq!(
            found,
            [FindingClass::Consistency, FindingClass::Inclusion],
            "{found:?}"
        );

        let mut bundle = fixture().bundle;
        let note = bundle.files.get_mut("checkpoints/6.checkpoint").unwrap();
        *note = String::from_utf8(note.clone())
            .unwrap()
            .replacen("\n6\n", "\n5\n", 1)
            .into_bytes();
        let found = classes(&check_bundle(&bundle, None));
        assert_eq!(found, [FindingClass::Signature], "{found:?}");
    }

    #[test]
    fn missing_files_a_foreign_key_and_an_unlisted_issue_are_found() {
        let mut bundle = fixture().bundle;
        bundle.files.remove("pdfs/memo-2-2568.pdf");
        bundle.manifest.documents.remove(0);
        let other = SignerKey::from_seed(ORIGIN, &[8; 32]).unwrap();
        let report = check_bundle(&bundle, Some(&other.verifier().to_text()));
        let found = classes(&report);
        for class in [
            FindingClass::Missing,
            FindingClass::Key,
            FindingClass::Signature,
            FindingClass::Manifest,
        ] {
            assert!(found.contains(&class), "{class:?} in {found:?}");
        }
    }

    #[test]
    fn numbers_must_run_without_gap_or_repeat() {
        let mut bundle = fixture().bundle;
        bundle.manifest.first_numbers.insert("memo".into(), 2);
        let report = check_bundle(&bundle, None);
        assert_eq!(classes(&report), [FindingClass::NumberGap]);
        assert!(
            report.findings[0].detail.contains("number 1 where 2"),
            "{}",
            report.findings[0]
        );
    }

    #[test]
    fn an_unreadable_manifest_or_key_stops_the_check() {
        let bundle = fixture().bundle;
        let read = |_: &str| Err::<Vec<u8>, _>("unread".to_owned());
        assert!(matches!(
            check(b"{}", Outside::default(), &read),
            Err(CheckError::Manifest(_))
        ));
        let mut manifest = bundle.manifest.clone();
        manifest.format = "saraban-bundle/9".into();
        let json = serde_json::to_vec(&manifest).unwrap();
        assert!(matches!(
            check(&json, Outside::default(), &read),
            Err(CheckError::Manifest(_))
        ));
        assert!(matches!(
            check(
                &bundle.manifest_json(),
                Outside {
                    key: Some("not a key"),
                    notes: &[]
                },
                &read
            ),
            Err(CheckError::Key(_))
        ));
    }

    /// A bundle cut back to an older checkpoint holds together by itself;
    /// a later note kept by the verifier shows the cut.
    #[test]
    fn a_kept_note_catches_a_bundle_cut_short() {
        let Fixture { signer, bundle } = fixture();
        let kept = String::from_utf8(bundle.files["checkpoints/7.checkpoint"].clone()).unwrap();
        let mut cut = bundle.clone();
        let lines = String::from_utf8(cut.files[EVENTS_FILE].clone()).unwrap();
        let first_six: String = lines
            .lines()
            .take(6)
            .map(|line| format!("{line}\n"))
            .collect();
        cut.files.insert(EVENTS_FILE.into(), first_six.into_bytes());
        cut.files.remove("checkpoints/7.checkpoint");
        cut.manifest.checkpoints.pop();
        cut.manifest.checkpoints[1].consistency_to_next.clear();
        cut.manifest.log_size = 6;
        let bytes: Vec<Vec<u8>> = lines
            .lines()
            .take(6)
            .map(|l| l.as_bytes().to_vec())
            .collect();
        let head = bytes.iter().fold(GENESIS, |prev, b| chain_hash(&prev, b));
        cut.manifest.head_hash = hex::encode(head);
        let leaves: Vec<Hash> = bytes.iter().map(|b| merkle::leaf_hash(b)).collect();
        for document in &mut cut.manifest.documents {
            let index = document.event_seq as usize - 1;
            let proof = merkle::inclusion_proof(&leaves, index).unwrap();
            document.inclusion_proof = proof.iter().map(hex::encode).collect();
        }
        assert!(check_bundle(&cut, None).holds());
        let key = signer.verifier().to_text();
        let notes = [kept];
        let report = check_with(
            &cut,
            Outside {
                key: Some(&key),
                notes: &notes,
            },
        );
        assert_eq!(
            classes(&report),
            [FindingClass::Root],
            "{:?}",
            report.findings
        );
        assert!(
            check_with(
                &bundle,
                Outside {
                    key: None,
                    notes: &notes
                }
            )
            .holds()
        );
    }

    /// A letter received as `number` of register "received" in 2568.
    fn received_event(seq: u64, document: &str, number: u32, content: &str) -> Vec<u8> {
        let mut event = Event::new(EventHead {
            org: "wangkrachae",
            seq,
            at: "2025-04-13T09:00:00+07:00".into(),
            kind: "received",
            document,
            doc_version: 1,
            actor: "sunee",
            content_hash: sha256_hex(content.as_bytes()),
        });
        event.register = Some("received".into());
        event.year = Some(2568);
        event.number = Some(number);
        event.route_version = Some(1);
        event.canonical()
    }

    const ORIGINAL: &[u8] = b"%PDF-1.7 the district office's letter";

    fn letter_content(subject: &str, original: Option<&[u8]>) -> String {
        let mut content = serde_json::json!({
            "format": "saraban/1",
            "kind": "incoming",
            "subject": subject,
        });
        if let Some(bytes) = original {
            content["original"] = serde_json::json!({
                "sha256": sha256_hex(bytes),
                "media_type": "application/pdf",
                "pages": 1,
            });
        }
        String::from_utf8(serde_jcs::to_vec(&content).unwrap()).unwrap()
    }

    /// A log receiving letters `numbers` (the first with its original
    /// PDF, the others on paper), then issuing memo 1; one checkpoint.
    fn with_received(numbers: &[u32]) -> Bundle {
        let mut events = Vec::new();
        let mut contents = HashMap::new();
        for (i, &number) in numbers.iter().enumerate() {
            let document = format!("r{number}");
            let original = (i == 0).then_some(ORIGINAL);
            let content = letter_content(&format!("หนังสือรับ {number}"), original);
            events.push(received_event(
                events.len() as u64 + 1,
                &document,
                number,
                &content,
            ));
            contents.insert(document, content);
        }
        let seq = events.len() as u64;
        events.push(event(seq + 1, "a", None));
        events.push(event(seq + 2, "a", Some((1, b"%PDF-a"))));
        let signer = SignerKey::from_seed(ORIGIN, &[7; 32]).unwrap();
        let leaves: Vec<Hash> = events.iter().map(|e| merkle::leaf_hash(e)).collect();
        let head = Checkpoint::new(ORIGIN, leaves.len() as u64, merkle::root(&leaves)).unwrap();
        let notes = [checkpoint::sign(&head, &signer)];
        assemble(&LogExport {
            org: "wangkrachae",
            year: 2568,
            origin: ORIGIN,
            key: &signer.verifier(),
            events: &events,
            notes: &notes,
            first_numbers: BTreeMap::new(),
            subjects: &HashMap::new(),
            pdfs: &HashMap::from([(sha256_hex(b"%PDF-a"), b"%PDF-a".to_vec())]),
            contents: &HashMap::new(),
            enclosures: &HashMap::from([(sha256_hex(ORIGINAL), ORIGINAL.to_vec())]),
            received: &contents,
        })
        .unwrap()
    }

    #[test]
    fn the_receiving_register_is_bundled_and_holds() {
        let bundle = with_received(&[1, 2]);
        let received = &bundle.manifest.received;
        assert_eq!(
            received
                .iter()
                .map(|r| (r.number, r.event_seq, r.subject.as_str()))
                .collect::<Vec<_>>(),
            [(1, 1, "หนังสือรับ 1"), (2, 2, "หนังสือรับ 2")]
        );
        assert_eq!(received[0].content_file, "received-received-1-2568.json");
        assert_eq!(received[0].original_sha256, Some(sha256_hex(ORIGINAL)));
        assert_eq!(received[1].original_sha256, None);
        assert_eq!(
            bundle.files[&format!("enclosures/{}", sha256_hex(ORIGINAL))],
            ORIGINAL
        );
        assert!(
            bundle
                .files
                .contains_key("contents/received-received-2-2568.json")
        );
        let report = check_bundle(&bundle, None);
        assert!(report.holds(), "{:?}", report.findings);
        assert_eq!((report.documents, report.received), (1, 2));
    }

    #[test]
    fn a_changed_original_content_or_number_is_found() {
        let original = format!("enclosures/{}", sha256_hex(ORIGINAL));
        let mut bundle = with_received(&[1, 2]);
        bundle.files.get_mut(&original).unwrap()[3] ^= 1;
        let report = check_bundle(&bundle, None);
        assert_eq!(classes(&report), [FindingClass::Enclosure]);
        assert!(
            report.findings[0].detail.contains("received 1/2568"),
            "{}",
            report.findings[0]
        );

        let mut bundle = with_received(&[1, 2]);
        bundle.manifest.received[1].number = 3;
        let report = check_bundle(&bundle, None);
        assert_eq!(classes(&report), [FindingClass::Manifest]);
        assert!(
            report.findings[0].detail.contains("event 2"),
            "{}",
            report.findings[0]
        );

        let mut bundle = with_received(&[1, 2]);
        let content = bundle
            .files
            .get_mut("contents/received-received-2-2568.json")
            .unwrap();
        *content = String::from_utf8(content.clone())
            .unwrap()
            .replace("หนังสือรับ 2", "หนังสือรับ 9")
            .into_bytes();
        assert_eq!(
            classes(&check_bundle(&bundle, None)),
            [FindingClass::ContentModified]
        );

        // The manifest's hash of the original, not the content's.
        let mut bundle = with_received(&[1, 2]);
        bundle.manifest.received[0].original_sha256 = Some("0".repeat(64));
        assert_eq!(
            classes(&check_bundle(&bundle, None)),
            [FindingClass::Manifest]
        );
    }

    #[test]
    fn every_received_letter_is_listed_once() {
        let mut bundle = with_received(&[1, 2]);
        bundle.manifest.received.remove(0);
        let report = check_bundle(&bundle, None);
        assert_eq!(classes(&report), [FindingClass::Manifest]);
        assert!(
            report.findings[0].detail.contains("event 1 receives r1"),
            "{}",
            report.findings[0]
        );
        let mut bundle = with_received(&[1, 2]);
        let again = bundle.manifest.received[1].clone();
        bundle.manifest.received.push(again);
        assert_eq!(
            classes(&check_bundle(&bundle, None)),
            [FindingClass::Manifest]
        );
    }

    #[test]
    fn received_numbers_must_run_without_gap_or_repeat() {
        let report = check_bundle(&with_received(&[1, 3]), None);
        assert_eq!(classes(&report), [FindingClass::NumberGap]);
        assert!(
            report.findings[0]
                .detail
                .contains("received 2568: number 3 where 2"),
            "{}",
            report.findings[0]
        );
        let report = check_bundle(&with_received(&[1, 2, 2]), None);
        assert_eq!(classes(&report), [FindingClass::DuplicateNumber]);
    }

    /// A manifest written before the receiving register reads as one
    /// without it; a field no version wrote is refused.
    #[test]
    fn manifests_without_the_receiving_register_still_read() {
        let bundle = fixture().bundle;
        let json = String::from_utf8(bundle.manifest_json()).unwrap();
        assert!(!json.contains("\"received\""), "{json}");
        let read: Manifest = serde_json::from_str(&json).unwrap();
        assert_eq!(read, bundle.manifest);

        let bundle = with_received(&[1]);
        let mut value: serde_json::Value = serde_json::from_slice(&bundle.manifest_json()).unwrap();
        value["received"][0]["stamped_sha256"] = "00".into();
        let read = |_: &str| Err::<Vec<u8>, _>("unread".to_owned());
        let json = serde_json::to_vec(&value).unwrap();
        assert!(matches!(
            check(&json, Outside::default(), &read),
            Err(CheckError::Manifest(_))
        ));
    }

    #[test]
    fn file_names_stay_in_their_folder() {
        assert!(plain_file_name("memo-1-2568.pdf"));
        for name in ["", "../x", "a/b", ".hidden", "a\\b"] {
            assert!(!plain_file_name(name), "{name:?}");
        }
    }
}
