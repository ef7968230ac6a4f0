//! Signed checkpoints: the head of an organisation's Merkle tree (origin,
//! size, root) written as a C2SP tlog-checkpoint and signed with Ed25519 as
//! a C2SP signed note. Checkpoints leave the database (published, printed on
//! issued PDFs), so whoever holds the verifier key can later check that the
//! log they are shown is the one that was signed.
//!
//! Keys use the note key text formats, so other note tools can read them:
//!
//! ```text
//! signer:   PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ 32-byte seed)>
//! verifier: <name>+<key id>+<base64(0x01 ‖ 32-byte public key)>
//! key id:   first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), 8 hex digits
//! ```
//!
//! A signed checkpoint reads:
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <base64 root hash>
//!
//! — <key name> <base64(key id ‖ Ed25519 signature over the three lines)>
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::merkle::Hash;

/// The signature type byte of Ed25519 in key texts and key ids.
const ED25519: u8 = 0x01;

const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// An em dash (U+2014) and a space open every signature line.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// Notes with more signature lines are refused: the spec asks verifiers to
/// take at least 16, and a cap bounds the work a hostile note can cause.
const MAX_SIGNATURES: usize = 100;

/// Why a key name or key text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key name {0:?} is empty or contains a space, '+' or a control character")]
    BadName(String),
    /// The text is not of the key text form. The reason never quotes the
    /// text, which may hold a secret seed.
    #[error("malformed key text: {0}")]
    Malformed(&'static str),
    #[error("key type {0:#04x} is not Ed25519 (0x01)")]
    UnsupportedType(u8),
    #[error("the key id in the key text does not match the key")]
    IdMismatch,
    #[error("the operating system gave no randomness: {0}")]
    Randomness(String),
}

/// Why a signed checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a signed note: no blank line before the signatures, a malformed
    /// signature line, a control character, ...
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    /// A note signed by the key whose text is not a checkpoint, or an
    /// origin that cannot be written as one.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// No signature line carries both this key's name and its key id.
    #[error("the note is not signed by {key}")]
    NotSignedByKey { key: String },
    /// A signature line names this key but the signature does not verify.
    #[error("a signature by this key does not verify")]
    BadSignature,
}

/// Note key names: non-empty, no Unicode spaces and no '+' (the spec), and
/// no control characters (a name is written on a note line).
fn check_name(name: &str) -> Result<(), KeyError> {
    let forbidden = |c: char| c.is_whitespace() || c == '+' || c.is_control();
    if name.is_empty() || name.chars().any(forbidden) {
        return Err(KeyError::BadName(name.to_owned()));
    }
    Ok(())
}

/// `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[..4]`, big-endian.
fn key_id(name: &str, public: &VerifyingKey) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ED25519])
        .chain_update(public.as_bytes())
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Splits `<name>+<8 hex key id>+<base64(0x01 ‖ 32 bytes)>` into its parts.
/// The key bytes are wiped on drop as they may be a seed.
fn split_key_text(text: &str) -> Result<(&str, u32, Zeroizing<[u8; 32]>), KeyError> {
    // Names have no '+', but base64 may: split at the first two only.
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyError::Malformed("expected <name>+<key id>+<key>"));
    };
    check_name(name)?;
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed("key id is not 8 hex digits"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| KeyError::Malformed("key id is not hex"))?;
    let decoded = Zeroizing::new(
        BASE64
            .decode(key)
            .map_err(|_| KeyError::Malformed("key is not standard base64"))?,
    );
    match decoded.split_first() {
        None => Err(KeyError::Malformed("key is empty")),
        Some((&ED25519, bytes)) => {
            let mut key = Zeroizing::new([0u8; 32]);
            if bytes.len() != key.len() {
                return Err(KeyError::Malformed("Ed25519 key is not 32 bytes"));
            }
            key.copy_from_slice(bytes);
            Ok((name, id, key))
        }
        Some((&other, _)) => Err(KeyError::UnsupportedType(other)),
    }
}

/// The private key that signs checkpoints. Its seed is wiped on drop and
/// never shown by `Debug`; only [`SignerKey::to_text`] gives it out.
pub struct SignerKey {
    name: String,
    key_id: u32,
    signing: SigningKey,
}

impl SignerKey {
    /// A new key from the operating system's random number generator.
    pub fn generate(name: &str) -> Result<SignerKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut_slice()).map_err(|e| KeyError::Randomness(e.to_string()))?;
        SignerKey::from_seed(name, &seed)
    }

    /// The key of a 32-byte Ed25519 seed (RFC 8032 private key). The seed
    /// must be secret and uniformly random; use [`SignerKey::generate`].
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SignerKey, KeyError> {
        check_name(name)?;
        let signing = SigningKey::from_bytes(seed);
        Ok(SignerKey {
            name: name.to_owned(),
            key_id: key_id(name, &signing.verifying_key()),
            signing,
        })
    }

    /// The Ed25519 signature of `message` (an approval's event bytes).
    pub fn sign_message(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The 32-byte seed, for sealing under a password. Wiped on drop.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// Reads `PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ seed)>`, checking
    /// that the key id is the one of the key.
    pub fn parse(text: &str) -> Result<SignerKey, KeyError> {
        let rest = text
            .strip_prefix(SIGNER_KEY_PREFIX)
            .ok_or(KeyError::Malformed(
                "signer key text must start with PRIVATE+KEY+",
            ))?;
        // A mangled text could put part of the seed where the name goes:
        // never quote it back.
        let hide_name = |e| match e {
            KeyError::BadName(_) => KeyError::Malformed("bad key name"),
            other => other,
        };
        let (name, id, seed) = split_key_text(rest).map_err(hide_name)?;
        let key = SignerKey::from_seed(name, &seed).map_err(hide_name)?;
        if key.key_id != id {
            return Err(KeyError::IdMismatch);
        }
        Ok(key)
    }

    /// The key text, seed included: keep it as secret as the key.
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new([0u8; 33]);
        raw[0] = ED25519;
        raw[1..].copy_from_slice(self.signing.as_bytes());
        let encoded = Zeroizing::new(BASE64.encode(raw.as_slice()));
        Zeroizing::new(format!(
            "{SIGNER_KEY_PREFIX}{}+{:08x}+{}",
            self.name,
            self.key_id,
            encoded.as_str()
        ))
    }

    /// The public half, to publish.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            verifying: self.signing.verifying_key(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// The public key that checks signed checkpoints.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    verifying: VerifyingKey,
}

impl VerifierKey {
    /// Whether `signature` is this key's Ed25519 signature of `message`
    /// (strict: no malleable or small-order forms).
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature)
            .is_ok_and(|signature| self.verifying.verify_strict(message, &signature).is_ok())
    }

    /// Whether every `(key, message, signature)` holds, checked together
    /// (`batch_holds`). False when any fails: check them singly to find
    /// which.
    pub fn verify_all(items: &[(&VerifierKey, &[u8], &[u8])]) -> bool {
        batch_holds(items)
    }

    /// Reads `<name>+<key id>+<base64(0x01 ‖ public key)>`, checking that
    /// the key id is the one of the key.
    pub fn parse(text: &str) -> Result<VerifierKey, KeyError> {
        if text.starts_with(SIGNER_KEY_PREFIX) {
            return Err(KeyError::Malformed(
                "this is a signer (private) key; give its verifier key",
            ));
        }
        let (name, id, public) = split_key_text(text)?;
        let verifying = VerifyingKey::from_bytes(&public)
            .map_err(|_| KeyError::Malformed("not an Ed25519 public key"))?;
        // A small-order key would accept forged signatures under lax checks.
        if verifying.is_weak() {
            return Err(KeyError::Malformed("weak (small-order) Ed25519 public key"));
        }
        if key_id(name, &verifying) != id {
            return Err(KeyError::IdMismatch);
        }
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id: id,
            verifying,
        })
    }

    pub fn to_text(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = ED25519;
        raw[1..].copy_from_slice(self.verifying.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifierKey").field(&self.to_text()).finish()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A tree head of a log: the log's origin, its number of leaves and the
/// RFC 6962 root over them ([`crate::merkle::root`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
}

impl Checkpoint {
    /// The origin must be one non-empty line without control characters;
    /// a schema-less URL naming the log (`saraban.example/wangkrachae`) is
    /// the convention, and the signer key usually bears the same name.
    pub fn new(
        origin: impl Into<String>,
        size: u64,
        root: Hash,
    ) -> Result<Checkpoint, CheckpointError> {
        let origin = origin.into();
        check_origin(&origin)?;
        Ok(Checkpoint { origin, size, root })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The checkpoint text, as signed: origin, size and base64 root, each
    /// ending in a newline.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        )
    }

    /// Reads a checkpoint text. Extension lines after the root are allowed
    /// by the spec; they must be non-empty and are ignored here.
    fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let malformed = CheckpointError::MalformedCheckpoint;
        let lines = text
            .strip_suffix('\n')
            .ok_or(malformed("text does not end in a newline"))?;
        let mut lines = lines.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(malformed("fewer than three lines"));
        };
        if lines.any(str::is_empty) {
            return Err(malformed("empty extension line"));
        }
        check_origin(origin)?;
        let size = parse_size(size).ok_or(malformed("tree size is not a decimal number"))?;
        let root = BASE64
            .decode(root)
            .map_err(|_| malformed("root hash is not standard base64"))?;
        let root: Hash = root
            .try_into()
            .map_err(|_| malformed("root hash is not 32 bytes"))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }
}

fn check_origin(origin: &str) -> Result<(), CheckpointError> {
    if origin.is_empty() || origin.chars().any(char::is_control) {
        return Err(CheckpointError::MalformedCheckpoint(
            "origin is empty or contains a control character",
        ));
    }
    Ok(())
}

/// ASCII decimal without sign or leading zeros (but "0"), as the spec
/// writes it: one number has one spelling.
fn parse_size(text: &str) -> Option<u64> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

/// The signed note of `checkpoint`, with one signature line by `key`.
pub fn sign(checkpoint: &Checkpoint, key: &SignerKey) -> String {
    sign_note(&checkpoint.body(), key)
}

/// Verifies a signed checkpoint against `key` and reads it. Signatures by
/// other keys (witnesses, a rotated key) are ignored, but every signature
/// line naming this key must verify. The origin is not compared with the
/// key name: check [`Checkpoint::origin`] is the log you expect.
pub fn open(note: &str, key: &VerifierKey) -> Result<Checkpoint, CheckpointError> {
    // The text is read only once a trusted signature covers it.
    let text = open_note(note, key)?;
    Checkpoint::parse_body(text)
}

/// `text` (ending in a newline), a blank line, and `key`'s signature line.
fn sign_note(text: &str, key: &SignerKey) -> String {
    debug_assert!(text.ends_with('\n'), "note text ends in a newline");
    let signature = key.signing.sign(text.as_bytes());
    let mut blob = [0u8; 4 + Signature::BYTE_SIZE];
    blob[..4].copy_from_slice(&key.key_id.to_be_bytes());
    blob[4..].copy_from_slice(&signature.to_bytes());
    format!(
        "{text}\n{SIGNATURE_LINE_PREFIX}{} {}\n",
        key.name,
        BASE64.encode(blob)
    )
}

/// Whether every `(key, message, signature)` holds, checked together by
/// ed25519-dalek's batch verification (one multiscalar multiplication,
/// about twice as fast as one by one). A weak key or a signature that does
/// not parse fails the batch; a batch that fails is checked one by one
/// (`verify_strict`) by the caller, which names the bad signature.
fn batch_holds(items: &[(&VerifierKey, &[u8], &[u8])]) -> bool {
    let mut messages = Vec::with_capacity(items.len());
    let mut signatures = Vec::with_capacity(items.len());
    let mut keys = Vec::with_capacity(items.len());
    for (key, message, signature) in items {
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        if key.verifying.is_weak() {
            return false;
        }
        messages.push(*message);
        signatures.push(signature);
        keys.push(key.verifying);
    }
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}

/// Opens each of `notes` as `open` does, the signatures of those that are
/// well formed checked together; a batch that fails is opened note by note
/// to say which.
pub fn open_all(notes: &[&str], key: &VerifierKey) -> Vec<Result<Checkpoint, CheckpointError>> {
    let mut parsed = Vec::with_capacity(notes.len());
    let mut items: Vec<(&VerifierKey, &[u8], &[u8])> = Vec::new();
    for note in notes {
        match note_signatures(note, key) {
            Ok((text, signatures)) => parsed.push(Ok((text, signatures))),
            Err(error) => parsed.push(Err(error)),
        }
    }
    for (text, signatures) in parsed.iter().flatten() {
        for signature in signatures {
            items.push((key, text.as_bytes(), signature.as_slice()));
        }
    }
    if !batch_holds(&items) {
        return notes.iter().map(|note| open(note, key)).collect();
    }
    parsed
        .into_iter()
        .map(|note| note.and_then(|(text, _)| Checkpoint::parse_body(text)))
        .collect()
}

/// The text of `note` if `key` signed it.
fn open_note<'a>(note: &'a str, key: &VerifierKey) -> Result<&'a str, CheckpointError> {
    let (text, signatures) = note_signatures(note, key)?;
    for signature in &signatures {
        let signature = Signature::from_bytes(signature);
        key.verifying
            .verify_strict(text.as_bytes(), &signature)
            .map_err(|_| CheckpointError::BadSignature)?;
    }
    Ok(text)
}

/// The text of `note` and the signatures of it that name `key`, at least
/// one; none checked yet.
fn note_signatures<'a>(
    note: &'a str,
    key: &VerifierKey,
) -> Result<(&'a str, Vec<[u8; 64]>), CheckpointError> {
    let malformed = CheckpointError::MalformedNote;
    if note.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(malformed("control character other than newline"));
    }
    // The text may hold blank lines; the last one ends it.
    let blank = note
        .rfind("\n\n")
        .ok_or(malformed("no blank line before the signatures"))?;
    let (text, signatures) = (&note[..=blank], &note[blank + 2..]);
    let signatures = signatures.strip_suffix('\n').ok_or(malformed(
        "no signature line, or the last one does not end in a newline",
    ))?;
    let wanted_id = key.key_id.to_be_bytes();
    let mut found = Vec::new();
    for (count, line) in signatures.split('\n').enumerate() {
        if count == MAX_SIGNATURES {
            return Err(malformed("too many signature lines"));
        }
        let (name, blob) = parse_signature_line(line)?;
        if name != key.name || blob[..4] != wanted_id {
            continue;
        }
        let signature: [u8; 64] = blob[4..]
            .try_into()
            .map_err(|_| CheckpointError::BadSignature)?;
        found.push(signature);
    }
    if found.is_empty() {
        return Err(CheckpointError::NotSignedByKey {
            key: format!("{}+{:08x}", key.name, key.key_id),
        });
    }
    Ok((text, found))
}

/// `— <name> <base64(key id ‖ signature)>` into the name and the decoded
/// bytes, at least a key id and one byte of signature long.
fn parse_signature_line(line: &str) -> Result<(&str, Vec<u8>), CheckpointError> {
    let malformed = CheckpointError::MalformedNote;
    let rest = line.strip_prefix(SIGNATURE_LINE_PREFIX).ok_or(malformed(
        "signature line does not start with an em dash and a space",
    ))?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or(malformed("signature line has no space after the key name"))?;
    check_name(name).map_err(|_| malformed("bad key name in a signature line"))?;
    let blob = BASE64
        .decode(encoded)
        .map_err(|_| malformed("signature is not standard base64"))?;
    if blob.len() < 5 {
        return Err(malformed("signature shorter than a key id and one byte"));
    }
    Ok((name, blob))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example key and note of Go's golang.org/x/mod/sumdb/note
    /// package documentation: interoperability with the reference
    /// implementation, byte for byte.
    const GO_SIGNER: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const GO_SIGNATURE_LINE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn matches_the_go_reference_note() {
        let signer = SignerKey::parse(GO_SIGNER).unwrap();
        assert_eq!(signer.to_text().as_str(), GO_SIGNER);
        assert_eq!(signer.verifier().to_text(), GO_VERIFIER);
        assert_eq!(signer.key_id(), 0xc74f20a3);
        let note = sign_note(GO_TEXT, &signer);
        assert_eq!(note, format!("{GO_TEXT}\n{GO_SIGNATURE_LINE}"));
        let verifier = VerifierKey::parse(GO_VERIFIER).unwrap();
        assert_eq!(open_note(&note, &verifier), Ok(GO_TEXT));
    }

    #[test]
    fn a_text_with_blank_lines_splits_at_the_last_one() {
        let signer = SignerKey::parse(GO_SIGNER).unwrap();
        let text = "one\n\ntwo\n";
        let note = sign_note(text, &signer);
        assert_eq!(open_note(&note, &signer.verifier()), Ok(text));
    }

    #[test]
    fn debug_never_shows_the_seed() {
        let signer = SignerKey::parse(GO_SIGNER).unwrap();
        let shown = format!("{signer:?} {signer:#?}");
        let seed_text = GO_SIGNER.rsplit('+').next().unwrap();
        assert!(!shown.contains(seed_text), "{shown}");
        assert!(!shown.contains(&hex::encode(signer.signing.as_bytes())));
        assert!(shown.contains("PeterNeumann") && shown.contains("c74f20a3"));
    }

    #[test]
    fn bad_key_names_are_refused() {
        for name in [
            "",
            "a b",
            "a+b",
            "a\tb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{7}b",
        ] {
            assert!(
                matches!(
                    SignerKey::from_seed(name, &[1; 32]),
                    Err(KeyError::BadName(_))
                ),
                "{name:?}"
            );
        }
        assert!(SignerKey::from_seed("saraban.example/อบต.วังกระแจะ", &[1; 32]).is_ok());
    }

    #[test]
    fn key_texts_that_must_fail() {
        use KeyError::*;
        let verifier = |t: &str| VerifierKey::parse(t).unwrap_err();
        let signer = |t: &str| SignerKey::parse(t).unwrap_err();
        // Mangled id: the text no longer names its key.
        assert_eq!(
            verifier(&GO_VERIFIER.replace("c74f20a3", "c74f20a4")),
            IdMismatch
        );
        assert_eq!(
            signer(&GO_SIGNER.replace("c74f20a3", "c74f20a4")),
            IdMismatch
        );
        // Another name under the same key.
        assert_eq!(verifier(&GO_VERIFIER.replace("Peter", "Paul")), IdMismatch);
        assert!(matches!(
            verifier("PeterNeumann+c74f20a+ARpc"),
            Malformed(_)
        ));
        assert!(matches!(verifier("PeterNeumann+c74f20a3"), Malformed(_)));
        assert!(matches!(verifier(GO_SIGNER), Malformed(_)));
        assert!(matches!(signer(GO_VERIFIER), Malformed(_)));
        // Type byte 0x02 instead of 0x01.
        let other_type = format!("PeterNeumann+c74f20a3+{}", BASE64.encode([2u8; 33]));
        assert_eq!(verifier(&other_type), UnsupportedType(2));
        let short = format!("PeterNeumann+c74f20a3+{}", BASE64.encode([1u8; 32]));
        assert!(matches!(verifier(&short), Malformed(_)));
        assert!(matches!(
            verifier(&format!("{GO_VERIFIER}\n")),
            Malformed(_)
        ));
        // The identity point is of small order.
        let mut weak = [0u8; 33];
        weak[0] = ED25519;
        weak[1] = 1;
        let weak = format!("PeterNeumann+c74f20a3+{}", BASE64.encode(weak));
        assert!(matches!(verifier(&weak), Malformed(_)));
    }

    #[test]
    fn a_key_failure_never_quotes_the_seed() {
        let broken = GO_SIGNER.replace("AYEK", "AYE!");
        let message = SignerKey::parse(&broken).unwrap_err().to_string();
        assert!(!message.contains("FALVFG"), "{message}");
        // A pasted space turns the seed's first part into a "name".
        let shifted = GO_SIGNER.replace("PeterNeumann+c74f20a3+", " ");
        let message = SignerKey::parse(&shifted).unwrap_err().to_string();
        assert!(!message.contains("FALVFG"), "{message}");
    }

    #[test]
    fn generated_keys_differ_and_round_trip() {
        let a = SignerKey::generate("saraban.example/a").unwrap();
        let b = SignerKey::generate("saraban.example/a").unwrap();
        assert_ne!(a.to_text(), b.to_text());
        let again = SignerKey::parse(&a.to_text()).unwrap();
        assert_eq!(again.verifier(), a.verifier());
        assert_eq!(
            VerifierKey::parse(&a.verifier().to_text()),
            Ok(a.verifier())
        );
    }

    #[test]
    fn checkpoint_bodies_that_must_fail() {
        let parse = |t: &str| Checkpoint::parse_body(t).unwrap_err();
        let root = BASE64.encode([7u8; 32]);
        for text in [
            format!("o\n12\n{root}"),
            "o\n12\n".to_owned(),
            format!("\n12\n{root}\n"),
            format!("o\n012\n{root}\n"),
            format!("o\n+12\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n 12\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            format!("o\n12\n{}\n", BASE64.encode([7u8; 31])),
            format!("o\n12\n{}\n", BASE64.encode([7u8; 33])),
            format!("o\n12\n{}\n", hex::encode([7u8; 32])),
            format!("o\n12\n{}\n", &root[..43]),
            format!("o\n12\n{root}\n\nextension\n"),
        ] {
            assert!(
                matches!(parse(&text), CheckpointError::MalformedCheckpoint(_)),
                "{text:?}"
            );
        }
        let with_extension = format!("o\n0\n{root}\nextension\n");
        assert_eq!(
            Checkpoint::parse_body(&with_extension),
            Checkpoint::new("o", 0, [7; 32])
        );
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n18446744073709551615\n{root}\n"))
                .unwrap()
                .size(),
            u64::MAX
        );
    }

    #[test]
    fn origins_that_cannot_be_written_are_refused() {
        for origin in ["", "a\nb", "a\rb", "a\u{0}"] {
            assert!(Checkpoint::new(origin, 1, [0; 32]).is_err(), "{origin:?}");
        }
    }

    #[test]
    fn too_many_signature_lines_are_refused() {
        let signer = SignerKey::parse(GO_SIGNER).unwrap();
        let other = SignerKey::from_seed("other", &[9; 32]).unwrap();
        let checkpoint = Checkpoint::new("o", 1, [0; 32]).unwrap();
        let mut note = sign(&checkpoint, &signer);
        let other_line = sign(&checkpoint, &other)
            .rsplit_once("\n\n")
            .unwrap()
            .1
            .to_owned();
        for _ in 0..MAX_SIGNATURES - 1 {
            note.push_str(&other_line);
        }
        assert!(
            open(&note, &signer.verifier()).is_ok(),
            "100 lines are taken"
        );
        note.push_str(&other_line);
        assert!(matches!(
            open(&note, &signer.verifier()),
            Err(CheckpointError::MalformedNote(_))
        ));
    }

    #[test]
    fn signatures_checked_together_fail_when_any_fails() {
        let people: Vec<SignerKey> = (0..3u8)
            .map(|i| SignerKey::from_seed("person", &[i + 1; 32]).unwrap())
            .collect();
        let keys: Vec<VerifierKey> = people.iter().map(SignerKey::verifier).collect();
        let messages: Vec<Vec<u8>> = (0..40u32)
            .map(|i| format!("event {i}").into_bytes())
            .collect();
        let mut signatures: Vec<Vec<u8>> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| people[i % 3].signing.sign(m).to_bytes().to_vec())
            .collect();
        let items = |signatures: &[Vec<u8>]| -> bool {
            let items: Vec<(&VerifierKey, &[u8], &[u8])> = messages
                .iter()
                .zip(signatures)
                .enumerate()
                .map(|(i, (m, s))| (&keys[i % 3], m.as_slice(), s.as_slice()))
                .collect();
            VerifierKey::verify_all(&items)
        };
        assert!(items(&signatures));
        assert!(VerifierKey::verify_all(&[]));
        // Another person's signature of the same event.
        let mut swapped = signatures.clone();
        swapped[7] = people[2].signing.sign(&messages[7]).to_bytes().to_vec();
        assert!(!items(&swapped));
        // Each byte of a signature matters: R, s, and its length.
        for at in [0, 31, 32, 63] {
            signatures[5][at] ^= 1;
            assert!(!items(&signatures), "byte {at}");
            signatures[5][at] ^= 1;
        }
        signatures[5].pop();
        assert!(!items(&signatures));
        signatures[5] = people[2].signing.sign(&messages[5]).to_bytes().to_vec();
        // s + l: the same point, not a canonical scalar.
        let mut high = people[2].signing.sign(&messages[5]).to_bytes();
        // The group order l, little-endian.
        let order: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(high[32 + i]) + u16::from(order[i]) + carry;
            high[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        signatures[5] = high.to_vec();
        assert!(!items(&signatures));
    }

    #[test]
    fn notes_opened_together_answer_as_one_by_one() {
        let signer = SignerKey::from_seed("saraban.example/o", &[3; 32]).unwrap();
        let other = SignerKey::from_seed("saraban.example/o", &[4; 32]).unwrap();
        let key = signer.verifier();
        let mut notes: Vec<String> = (0..20u64)
            .map(|size| {
                sign(
                    &Checkpoint::new("o", size, [size as u8; 32]).unwrap(),
                    &signer,
                )
            })
            .collect();
        notes.push("not a note".into());
        notes.push(sign(&Checkpoint::new("o", 1, [0; 32]).unwrap(), &other));
        let one_by_one =
            |notes: &[String]| -> Vec<_> { notes.iter().map(|n| open(n, &key)).collect() };
        let together = |notes: &[String]| {
            let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
            open_all(&notes, &key)
        };
        assert_eq!(together(&notes), one_by_one(&notes));
        assert!(together(&notes)[..20].iter().all(Result::is_ok));
        // A forged root in one note: found, the others still open.
        notes[9] = notes[9].replacen("\n\n", "\nforged\n\n", 1);
        let opened = together(&notes);
        assert_eq!(opened, one_by_one(&notes));
        assert_eq!(opened[9], Err(CheckpointError::BadSignature));
        assert!(opened[8].is_ok());
    }

    proptest! {
        #[test]
        fn any_checkpoint_round_trips(
            origin in "[^\\p{Cc}]{1,40}",
            size in any::<u64>(),
            root in any::<[u8; 32]>(),
            seed in any::<[u8; 32]>(),
        ) {
            let checkpoint = Checkpoint::new(origin, size, root).unwrap();
            let key = SignerKey::from_seed("saraban.example/test", &seed).unwrap();
            let note = sign(&checkpoint, &key);
            prop_assert_eq!(open(&note, &key.verifier()), Ok(checkpoint.clone()));
            prop_assert_eq!(Checkpoint::parse_body(&checkpoint.body()), Ok(checkpoint));
        }

        #[test]
        fn any_flipped_bit_is_caught(
            seed in any::<[u8; 32]>(),
            pick in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let key = SignerKey::from_seed("saraban.example/test", &seed).unwrap();
            let checkpoint = Checkpoint::new("saraban.example/wangkrachae", 1234, [5; 32]).unwrap();
            let mut bytes = sign(&checkpoint, &key).into_bytes();
            let at = pick.index(bytes.len());
            bytes[at] ^= 1 << bit;
            // A flip that breaks UTF-8 is not even a note.
            if let Ok(note) = String::from_utf8(bytes) {
                prop_assert!(open(&note, &key.verifier()).is_err());
            }
        }
    }
}
