//! Approval records: each event is stored as its exact canonical bytes
//! (RFC 8785 JSON) and chained: `hash = SHA-256(prev_hash ‖ bytes)`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first event of a log.
pub const GENESIS: [u8; 32] = [0; 32];

/// One event of an organisation's log. Field names are short and stable:
/// they are part of what is hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Format of the event.
    pub v: u32,
    pub org: String,
    pub seq: u64,
    /// RFC 3339 in Thai time.
    pub at: String,
    /// created, edited, submitted, endorsed, returned, signed, issued,
    /// withdrawn, cancelled, archived, published, unpublished (on or off
    /// the public board: like the others, no field of their own).
    pub kind: String,
    pub document: String,
    pub doc_version: u64,
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// holder, delegated, acting, acting_in_position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<String>,
    /// SHA-256 (hex) of the canonical document content at this version.
    pub content_hash: String,
    /// Opinion or reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// SHA-256 (hex) of the issued PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf_hash: Option<String>,
    /// The route version the document runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_version: Option<u32>,
    /// Whom the signer's order on a received letter assigns it to: a
    /// position or a person id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// By when (YYYY-MM-DD), with `assigned_to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// The positions a received letter is circulated to, in the order the
    /// registrar chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positions: Option<Vec<String>>,
    /// A received letter's ชั้นความเร็ว, as its `received` event records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// SHA-256 (hex) of the signature image an endorsement or signature
    /// prints above the actor's name: one the actor registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_image: Option<String>,
    /// Records management: a document's retention class (`retention_set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
    /// The documents a hold keeps, or the item a committee member keeps;
    /// on a received letter's `closed` event, the reply whose issue closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
    /// The committee a destruction list's reviewers form, chair first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<String>>,
    /// What a destruction erased: "version:N:SHA", "pdf:SHA", "file:SHA".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased: Option<Vec<String>>,
    /// The date (YYYY-MM-DD) an order's signer kept as its "สั่ง ณ วันที่"
    /// instead of the day of signing: the draft's own date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_date: Option<String>,
}

/// What every event says: who did what to which document, when.
#[derive(Debug, Clone)]
pub struct EventHead<'a> {
    pub org: &'a str,
    pub seq: u64,
    pub at: String,
    pub kind: &'a str,
    pub document: &'a str,
    pub doc_version: u64,
    pub actor: &'a str,
    pub content_hash: String,
}

impl Event {
    /// An event with the common fields set and the optional ones empty.
    pub fn new(head: EventHead<'_>) -> Event {
        Event {
            v: 1,
            org: head.org.to_owned(),
            seq: head.seq,
            at: head.at,
            kind: head.kind.to_owned(),
            document: head.document.to_owned(),
            doc_version: head.doc_version,
            actor: head.actor.to_owned(),
            position: None,
            capacity: None,
            content_hash: head.content_hash,
            text: None,
            register: None,
            year: None,
            number: None,
            pdf_hash: None,
            route_version: None,
            assigned_to: None,
            due: None,
            positions: None,
            urgency: None,
            signature_image: None,
            retention: None,
            documents: None,
            people: None,
            erased: None,
            kept_date: None,
        }
    }

    /// The canonical bytes (RFC 8785). An event holds only strings and
    /// integers, whose RFC 8785 form is what serde_json writes; the keys are
    /// put in RFC 8785 order by `SortedEvent`, so no general canonicaliser
    /// is needed (a property test holds this to serde_jcs).
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(&SortedEvent::from(self)).expect("an event always serialises")
    }

    /// Reads stored bytes back, refusing any that are not canonical.
    pub fn from_canonical(bytes: &[u8]) -> Result<Event, String> {
        let event: Event = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if event.canonical() != bytes {
            return Err("not in canonical form".into());
        }
        Ok(event)
    }
}

/// An event's fields in RFC 8785 key order (by UTF-16 code units).
#[derive(Serialize)]
struct SortedEvent<'a> {
    actor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    assigned_to: Option<&'a str>,
    at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity: Option<&'a str>,
    content_hash: &'a str,
    doc_version: u64,
    document: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    documents: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    due: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    erased: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kept_date: Option<&'a str>,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<u32>,
    org: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pdf_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    people: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    positions: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    register: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    route_version: Option<u32>,
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature_image: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    urgency: Option<&'a str>,
    v: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
}

impl<'a> From<&'a Event> for SortedEvent<'a> {
    fn from(event: &'a Event) -> Self {
        SortedEvent {
            actor: &event.actor,
            assigned_to: event.assigned_to.as_deref(),
            at: &event.at,
            capacity: event.capacity.as_deref(),
            content_hash: &event.content_hash,
            doc_version: event.doc_version,
            document: &event.document,
            documents: event.documents.as_deref(),
            due: event.due.as_deref(),
            erased: event.erased.as_deref(),
            kept_date: event.kept_date.as_deref(),
            kind: &event.kind,
            number: event.number,
            org: &event.org,
            pdf_hash: event.pdf_hash.as_deref(),
            people: event.people.as_deref(),
            position: event.position.as_deref(),
            positions: event.positions.as_deref(),
            register: event.register.as_deref(),
            retention: event.retention.as_deref(),
            route_version: event.route_version,
            seq: event.seq,
            signature_image: event.signature_image.as_deref(),
            text: event.text.as_deref(),
            urgency: event.urgency.as_deref(),
            v: event.v,
            year: event.year,
        }
    }
}

/// `SHA-256(prev ‖ bytes)`.
pub fn chain_hash(prev: &[u8; 32], bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(bytes);
    hasher.finalize().into()
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha256(bytes))
}

/// A break in a chain, found by `verify_chain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    Gap { expected: u64, found: u64 },
    NotCanonical { seq: u64 },
    HashMismatch { seq: u64 },
    PrevMismatch { seq: u64 },
}

/// A stored event: its sequence number, bytes, and the hashes kept beside.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub seq: u64,
    pub bytes: Vec<u8>,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// Recomputes a log from its stored bytes; returns every fault found.
pub fn verify_chain(events: &[StoredEvent]) -> Vec<ChainFault> {
    ChainCheck::default().page(events).0
}

/// The chain recomputed a page of events at a time, so a long log need
/// not be held at once.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    prev: [u8; 32],
    next_seq: u64,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck {
            prev: GENESIS,
            next_seq: 1,
        }
    }
}

impl ChainCheck {
    /// Checks the next `events` of the log; returns the faults and each
    /// event read back (`None` where its bytes are not the canonical event
    /// of its number). Reading back (the costly part) is spread over the
    /// cores; the chain itself is one pass.
    pub fn page(&mut self, events: &[StoredEvent]) -> (Vec<ChainFault>, Vec<Option<Event>>) {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let chunk = events.len().div_ceil(threads).max(1024);
        let decoded: Vec<Option<Event>> = std::thread::scope(|scope| {
            let workers: Vec<_> = events
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|stored| {
                                Event::from_canonical(&stored.bytes)
                                    .ok()
                                    .filter(|event| event.seq == stored.seq)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().expect("a verifying thread"))
                .collect()
        });
        let mut faults = Vec::new();
        for (stored, event) in events.iter().zip(&decoded) {
            if stored.seq != self.next_seq {
                faults.push(ChainFault::Gap {
                    expected: self.next_seq,
                    found: stored.seq,
                });
            }
            if event.is_none() {
                faults.push(ChainFault::NotCanonical { seq: stored.seq });
            }
            if stored.prev_hash != self.prev {
                faults.push(ChainFault::PrevMismatch { seq: stored.seq });
            }
            if chain_hash(&self.prev, &stored.bytes) != stored.hash {
                faults.push(ChainFault::HashMismatch { seq: stored.seq });
            }
            self.prev = stored.hash;
            self.next_seq += 1;
        }
        (faults, decoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event(seq: u64, text: Option<String>) -> Event {
        let some = text.is_some();
        Event {
            v: 1,
            org: "wangkrachae".into(),
            seq,
            at: "2025-04-13T10:00:00+07:00".into(),
            kind: "endorsed".into(),
            document: "0190".into(),
            doc_version: 1,
            actor: "somjai".into(),
            position: Some("head-of-office".into()),
            capacity: Some("holder".into()),
            content_hash: "ab".repeat(32),
            // Present on some, so the key order is held to serde_jcs too.
            signature_image: text.as_ref().map(|_| "cd".repeat(32)),
            text,
            register: None,
            year: None,
            number: None,
            pdf_hash: None,
            route_version: Some(1),
            assigned_to: None,
            due: None,
            positions: None,
            urgency: None,
            // Present on some, so the new keys' order is held too.
            retention: some.then(|| "ordinary".into()),
            documents: some.then(|| vec!["a".into(), "b".into()]),
            people: some.then(|| vec!["somjai".into()]),
            erased: some.then(|| vec![format!("pdf:{}", "ef".repeat(32))]),
            kept_date: some.then(|| "2025-03-05".into()),
        }
    }

    fn chain(texts: &[Option<String>]) -> Vec<StoredEvent> {
        let mut prev = GENESIS;
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let bytes = event(i as u64 + 1, text.clone()).canonical();
                let hash = chain_hash(&prev, &bytes);
                let stored = StoredEvent {
                    seq: i as u64 + 1,
                    bytes,
                    prev_hash: prev,
                    hash,
                };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn canonical_bytes_sort_keys_and_keep_thai() {
        let bytes = event(1, Some("เห็นควรทราบ \"ด่วน\"".into())).canonical();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("{\"actor\":\"somjai\",\"at\":"), "{text}");
        assert!(text.contains("เห็นควรทราบ \\\"ด่วน\\\""));
        let spaced = text.replace(",\"at\"", ", \"at\"");
        assert!(Event::from_canonical(spaced.as_bytes()).is_err());
        assert_eq!(
            Event::from_canonical(&bytes).unwrap(),
            event(1, Some("เห็นควรทราบ \"ด่วน\"".into()))
        );
    }

    proptest! {
        #[test]
        fn canonical_bytes_are_those_of_rfc_8785(
            text in proptest::option::of("\\PC{0,12}|[\\x00-\\x1f\"\\\\\\x7f]{0,6}"),
            actor in "\\PC{1,8}",
            // RFC 8785 numbers are IEEE doubles: exact up to 2^53, far past
            // any log's length.
            seq in 0u64..(1 << 53),
            year in proptest::option::of(any::<i32>()),
            number in proptest::option::of(any::<u32>()),
            assigned_to in proptest::option::of("\\PC{1,8}"),
            due in proptest::option::of("20[0-9]{2}-[01][0-9]-[0-3][0-9]"),
            positions in proptest::option::of(proptest::collection::vec("\\PC{1,8}", 0..4)),
            urgency in proptest::option::of("ด่วน|ด่วนมาก|ด่วนที่สุด"),
        ) {
            let mut event = event(seq, text);
            event.actor = actor;
            event.year = year;
            event.number = number;
            event.assigned_to = assigned_to;
            event.due = due;
            event.positions = positions;
            event.urgency = urgency;
            event.register = number.map(|_| "order".into());
            prop_assert_eq!(event.canonical(), serde_jcs::to_vec(&event).unwrap());
        }

        #[test]
        fn any_single_change_breaks_the_chain(
            texts in proptest::collection::vec(proptest::option::of("\\PC{0,12}"), 1..12),
            victim in any::<prop::sample::Index>(),
            flip in any::<prop::sample::Index>(),
        ) {
            let mut events = chain(&texts);
            prop_assert!(verify_chain(&events).is_empty());
            let i = victim.index(events.len());
            let j = flip.index(events[i].bytes.len());
            events[i].bytes[j] ^= 0x01;
            prop_assert!(!verify_chain(&events).is_empty());
        }

        #[test]
        fn a_dropped_event_is_a_gap(texts in proptest::collection::vec(proptest::option::of("[ก-ฮ]{0,4}"), 2..10), victim in any::<prop::sample::Index>()) {
            let mut events = chain(&texts);
            let i = victim.index(events.len() - 1);
            events.remove(i);
            let faults = verify_chain(&events);
            let is_gap = |f: &ChainFault| matches!(f, ChainFault::Gap { .. });
            prop_assert!(faults.iter().any(is_gap));
        }
    }
}
