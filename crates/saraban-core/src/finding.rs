//! The classes of what is found wrong with records: by the audit of a
//! database (`saraban verify`) and by the offline check of an archive
//! bundle (`saraban verify-bundle`). One vocabulary for both; each class
//! has a stable word, which opens the finding's printed line, and a stable
//! JSON name (`snake_case` of the variant).
//!
//! Some classes are named by one check only (a database has no manifest,
//! a bundle no register counters); register numbers are checked by both,
//! with the same function ([`crate::numbering`]).

use serde::Serialize;

/// What kind of damage a finding is. Findings are listed in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingClass {
    /// Audit: a sequence number of the log missing or out of place.
    Gap,
    /// Both: stored bytes, a document, a version or a PDF that no longer
    /// match the hash recorded for them; in a bundle, a received letter's
    /// content that is not the one its `received` event hashed.
    ContentModified,
    /// Audit: an event's bytes that are not the canonical encoding of an
    /// event.
    NonCanonical,
    /// Audit: a checkpoint or an actor's signature that does not verify.
    BadSignature,
    /// Bundle: a file the manifest names, or `events.jsonl`, is not there.
    Missing,
    /// Bundle: the key given to the verifier is not the manifest's.
    Key,
    /// Bundle: an event line that is not a canonical event of its place in
    /// the log.
    Event,
    /// Bundle: the log's chain does not end where the manifest says.
    Chain,
    /// Bundle: a checkpoint note that does not verify, or not of this log.
    Signature,
    /// Bundle: a signed root that the bundle's log does not give.
    Root,
    /// Bundle: a consistency proof between checkpoints that fails.
    Consistency,
    /// Bundle: an inclusion proof that fails.
    Inclusion,
    /// Bundle: a PDF that is not the one the issued event names.
    Pdf,
    /// Both: a register year whose numbers skip one, or start before or
    /// after its first number.
    NumberGap,
    /// Both: a register number given twice.
    DuplicateNumber,
    /// Bundle: a manifest claim that the log contradicts.
    Manifest,
    /// Audit: a log shorter than its head or than a signed checkpoint.
    Truncated,
    /// Audit: a log that disagrees with a signed checkpoint of its own past.
    Fork,
    /// Audit: checkpoints in the database and outside it that disagree.
    CheckpointMismatch,
    /// Audit: a row beside the log (a document's state, number or
    /// cancellation, who it waits for, an action, an event's columns, the
    /// log head's frontier) that is not what the events rebuild.
    Projection,
    /// Audit: an event that the route's rules would not have allowed after
    /// the events before it.
    Transition,
    /// Both: an enclosure file whose bytes are not those of the SHA-256
    /// that names it, or that a document names and is not there.
    Enclosure,
}

impl FindingClass {
    /// Every class, in order.
    pub const ALL: [FindingClass; 22] = [
        FindingClass::Gap,
        FindingClass::ContentModified,
        FindingClass::NonCanonical,
        FindingClass::BadSignature,
        FindingClass::Missing,
        FindingClass::Key,
        FindingClass::Event,
        FindingClass::Chain,
        FindingClass::Signature,
        FindingClass::Root,
        FindingClass::Consistency,
        FindingClass::Inclusion,
        FindingClass::Pdf,
        FindingClass::NumberGap,
        FindingClass::DuplicateNumber,
        FindingClass::Manifest,
        FindingClass::Truncated,
        FindingClass::Fork,
        FindingClass::CheckpointMismatch,
        FindingClass::Projection,
        FindingClass::Transition,
        FindingClass::Enclosure,
    ];

    /// The stable word of the class, as the findings print it.
    pub fn name(self) -> &'static str {
        match self {
            FindingClass::Gap => "gap",
            FindingClass::ContentModified => "content modified",
            FindingClass::NonCanonical => "non-canonical",
            FindingClass::BadSignature => "bad signature",
            FindingClass::Missing => "missing",
            FindingClass::Key => "key",
            FindingClass::Event => "event",
            FindingClass::Chain => "chain",
            FindingClass::Signature => "signature",
            FindingClass::Root => "root",
            FindingClass::Consistency => "consistency",
            FindingClass::Inclusion => "inclusion",
            FindingClass::Pdf => "pdf",
            FindingClass::NumberGap => "number gap",
            FindingClass::DuplicateNumber => "duplicate number",
            FindingClass::Manifest => "manifest",
            FindingClass::Truncated => "truncated",
            FindingClass::Fork => "fork",
            FindingClass::CheckpointMismatch => "checkpoint mismatch",
            FindingClass::Projection => "projection mismatch",
            FindingClass::Transition => "transition refused",
            FindingClass::Enclosure => "enclosure",
        }
    }
}

impl std::fmt::Display for FindingClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_listed_once_in_order_with_a_word_of_its_own() {
        let mut sorted = FindingClass::ALL;
        sorted.sort();
        assert_eq!(sorted, FindingClass::ALL);
        let mut words: Vec<&str> = FindingClass::ALL.iter().map(|c| c.name()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), FindingClass::ALL.len());
    }

    #[test]
    fn the_words_and_json_names_stay_as_printed() {
        assert_eq!(FindingClass::NumberGap.name(), "number gap");
        assert_eq!(
            FindingClass::DuplicateNumber.to_string(),
            "duplicate number"
        );
        assert_eq!(
            serde_json::to_value(FindingClass::ContentModified).unwrap(),
            "content_modified"
        );
        assert_eq!(serde_json::to_value(FindingClass::Pdf).unwrap(), "pdf");
    }
}
