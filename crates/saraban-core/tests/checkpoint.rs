//! Signed checkpoints through the public API, with expected values derived
//! here from the specs (SHA-256, Ed25519 and base64 directly), not from the
//! module under test.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey};
use saraban_core::checkpoint::{
    Checkpoint, CheckpointError, KeyError, SignerKey, VerifierKey, open, sign,
};
use saraban_core::merkle;
use sha2::{Digest, Sha256};

const NAME: &str = "saraban.example/wangkrachae";

/// RFC 8032 §7.1 TEST 1: a seed whose public key is published.
const RFC8032_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const RFC8032_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

fn seed() -> [u8; 32] {
    hex::decode(RFC8032_SEED).unwrap().try_into().unwrap()
}

fn key() -> SignerKey {
    SignerKey::from_seed(NAME, &seed()).unwrap()
}

fn three_leaf_root() -> merkle::Hash {
    let leaves: Vec<_> = [&b"a"[..], b"b", b"c"]
        .iter()
        .map(|l| merkle::leaf_hash(l))
        .collect();
    merkle::root(&leaves)
}

fn checkpoint() -> Checkpoint {
    Checkpoint::new(NAME, 3, three_leaf_root()).unwrap()
}

/// A note signed by hand, for bodies `sign` would never write.
fn sign_by_hand(body: &str, name: &str, seed: &[u8; 32]) -> String {
    let signing = SigningKey::from_bytes(seed);
    let mut id_input = name.as_bytes().to_vec();
    id_input.extend_from_slice(&[0x0a, 0x01]);
    id_input.extend_from_slice(signing.verifying_key().as_bytes());
    let id = &Sha256::digest(&id_input)[..4];
    let mut blob = id.to_vec();
    blob.extend_from_slice(&signing.sign(body.as_bytes()).to_bytes());
    format!("{body}\n\u{2014} {name} {}\n", BASE64.encode(blob))
}

#[test]
fn known_answer_from_a_fixed_seed() {
    let key = key();
    let public = hex::decode(RFC8032_PUBLIC).unwrap();

    let mut id_input = NAME.as_bytes().to_vec();
    id_input.push(b'\n');
    id_input.push(0x01);
    id_input.extend_from_slice(&public);
    let id = hex::encode(&Sha256::digest(&id_input)[..4]);
    assert_eq!(format!("{:08x}", key.key_id()), id);

    let mut public_blob = vec![0x01];
    public_blob.extend_from_slice(&public);
    let verifier_text = format!("{NAME}+{id}+{}", BASE64.encode(&public_blob));
    assert_eq!(key.verifier().to_text(), verifier_text);

    let mut seed_blob = vec![0x01];
    seed_blob.extend_from_slice(&seed());
    let signer_text = format!("PRIVATE+KEY+{NAME}+{id}+{}", BASE64.encode(&seed_blob));
    assert_eq!(key.to_text().as_str(), signer_text);

    let root = three_leaf_root();
    let body = format!("{NAME}\n3\n{}\n", BASE64.encode(root));
    assert_eq!(checkpoint().body(), body);
    // Ed25519 is deterministic: the whole note is fixed by the seed.
    let note = sign(&checkpoint(), &key);
    assert_eq!(note, sign_by_hand(&body, NAME, &seed()));
    assert!(note.ends_with('\n'));
    assert!(note.contains("\n\n\u{2014} saraban.example/wangkrachae "));
    assert_eq!(
        open(&note, &VerifierKey::parse(&verifier_text).unwrap()),
        Ok(checkpoint())
    );
}

#[test]
fn key_texts_round_trip() {
    let generated = SignerKey::generate(NAME).unwrap();
    let text = generated.to_text();
    let parsed = SignerKey::parse(&text).unwrap();
    assert_eq!(parsed.to_text(), text);
    assert_eq!(parsed.name(), NAME);
    assert_eq!(parsed.key_id(), generated.key_id());
    let verifier = VerifierKey::parse(&generated.verifier().to_text()).unwrap();
    assert_eq!(verifier, generated.verifier());
    assert_eq!(verifier.name(), NAME);
    assert_eq!(verifier.key_id(), generated.key_id());
    assert_eq!(verifier.to_string(), verifier.to_text());
    assert!(!format!("{generated:?}").contains(text.rsplit('+').next().unwrap()));
}

#[test]
fn checkpoints_round_trip() {
    let key = SignerKey::generate(NAME).unwrap();
    for checkpoint in [
        Checkpoint::new(NAME, 0, merkle::root(&[])).unwrap(),
        checkpoint(),
        Checkpoint::new("อบต.วังกระแจะ/ทะเบียน", u64::MAX, [0xff; 32]).unwrap(),
    ] {
        let opened = open(&sign(&checkpoint, &key), &key.verifier()).unwrap();
        assert_eq!(opened, checkpoint);
        assert_eq!(opened.origin(), checkpoint.origin());
        assert_eq!(opened.size(), checkpoint.size());
        assert_eq!(opened.root(), checkpoint.root());
    }
}

#[test]
fn signatures_by_other_keys_are_ignored() {
    let key = key();
    let witness = SignerKey::from_seed("witness.example", &[3; 32]).unwrap();
    let note = sign(&checkpoint(), &key);
    let witness_line = sign(&checkpoint(), &witness)
        .rsplit_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    let cosigned = format!("{note}{witness_line}");
    assert_eq!(open(&cosigned, &key.verifier()), Ok(checkpoint()));
    assert_eq!(open(&cosigned, &witness.verifier()), Ok(checkpoint()));
    let witness_first = format!(
        "{}\n{witness_line}{}",
        checkpoint().body(),
        note.rsplit_once("\n\n").unwrap().1
    );
    assert_eq!(open(&witness_first, &key.verifier()), Ok(checkpoint()));
    // A line from another algorithm or a longer signature is still only unknown.
    let foreign = format!("\u{2014} other.example {}\n", BASE64.encode([9u8; 200]));
    assert_eq!(
        open(&format!("{note}{foreign}"), &key.verifier()),
        Ok(checkpoint())
    );
}

#[test]
fn sharing_only_the_name_or_only_the_id_is_not_this_key() {
    let key = key();
    // Same name, other key: its id differs, so the line is ignored.
    let impostor = SignerKey::from_seed(NAME, &[4; 32]).unwrap();
    let note = sign(&checkpoint(), &impostor);
    assert!(matches!(
        open(&note, &key.verifier()),
        Err(CheckpointError::NotSignedByKey { .. })
    ));
    // Same id, other name.
    let note = sign(&checkpoint(), &key).replace(
        "\u{2014} saraban.example/wangkrachae ",
        "\u{2014} saraban.example/other ",
    );
    assert!(matches!(
        open(&note, &key.verifier()),
        Err(CheckpointError::NotSignedByKey { .. })
    ));
}

#[test]
fn notes_that_must_fail() {
    use CheckpointError::*;
    let key = key();
    let verifier = key.verifier();
    let note = sign(&checkpoint(), &key);
    let (text, signature_line) = note.rsplit_once("\n\n").unwrap();
    let text = format!("{text}\n");

    let mut flipped = note.clone().into_bytes();
    flipped[3] ^= 0x01; // in the origin
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(
        open(&flipped, &verifier),
        Err(BadSignature),
        "bit flipped in the body"
    );

    let size_changed = note.replacen("\n3\n", "\n4\n", 1);
    assert_eq!(
        open(&size_changed, &verifier),
        Err(BadSignature),
        "size changed"
    );

    // Past the 4-byte key id (6 base64 characters) and the name.
    let blob_at = note.rfind(' ').unwrap() + 1;
    let mut bytes = note.clone().into_bytes();
    let target = blob_at + 20;
    bytes[target] = if bytes[target] == b'A' { b'B' } else { b'A' };
    let bad_signature = String::from_utf8(bytes).unwrap();
    assert_eq!(
        open(&bad_signature, &verifier),
        Err(BadSignature),
        "signature changed"
    );

    // One good and one bad line from the same key: the note is refused.
    let twice = format!(
        "{note}{}",
        &bad_signature[bad_signature.rfind("\n\n").unwrap() + 2..]
    );
    assert_eq!(open(&twice, &verifier), Err(BadSignature));

    let stranger = SignerKey::from_seed("saraban.example/other", &[5; 32]).unwrap();
    assert!(matches!(
        open(&note, &stranger.verifier()),
        Err(NotSignedByKey { .. })
    ));

    for cut in [1, 10, signature_line.len(), signature_line.len() + 1] {
        let truncated = &note[..note.len() - cut];
        assert!(
            matches!(open(truncated, &verifier), Err(MalformedNote(_))),
            "truncated by {cut}"
        );
    }
    let no_blank_line = format!("{text}{signature_line}");
    assert!(matches!(
        open(&no_blank_line, &verifier),
        Err(MalformedNote(_))
    ));
    assert!(matches!(open(&text, &verifier), Err(MalformedNote(_))));
    assert!(matches!(open("", &verifier), Err(MalformedNote(_))));
    let hyphen = note.replace('\u{2014}', "-");
    assert!(matches!(open(&hyphen, &verifier), Err(MalformedNote(_))));
    let carriage_return = note.replace('\n', "\r\n");
    assert!(matches!(
        open(&carriage_return, &verifier),
        Err(MalformedNote(_))
    ));
}

#[test]
fn signed_texts_that_are_not_checkpoints() {
    let root = BASE64.encode(three_leaf_root());
    let cases = [
        (
            "root not 32 bytes",
            format!("{NAME}\n3\n{}\n", BASE64.encode([1u8; 31])),
        ),
        (
            "root not base64",
            format!("{NAME}\n3\n{}\n", hex::encode([1u8; 32])),
        ),
        ("size not a number", format!("{NAME}\nthree\n{root}\n")),
        ("size negative", format!("{NAME}\n-3\n{root}\n")),
        ("size with a leading zero", format!("{NAME}\n03\n{root}\n")),
        ("two lines", format!("{NAME}\n3\n")),
        ("empty origin", format!("\n3\n{root}\n")),
        (
            "empty extension line",
            format!("{NAME}\n3\n{root}\n\nmore\n"),
        ),
    ];
    for (what, body) in cases {
        let note = sign_by_hand(&body, NAME, &seed());
        assert!(
            matches!(
                open(&note, &key().verifier()),
                Err(CheckpointError::MalformedCheckpoint(_))
            ),
            "{what}: {:?}",
            open(&note, &key().verifier())
        );
        // Unsigned text is never read: a stranger's key sees no signature.
        let stranger = SignerKey::from_seed("saraban.example/other", &[5; 32]).unwrap();
        assert!(matches!(
            open(&note, &stranger.verifier()),
            Err(CheckpointError::NotSignedByKey { .. })
        ));
    }
    // Extension lines are signed, allowed and ignored.
    let extended = sign_by_hand(&format!("{NAME}\n3\n{root}\nextension\n"), NAME, &seed());
    assert_eq!(open(&extended, &key().verifier()), Ok(checkpoint()));
}

#[test]
fn bad_names_are_refused() {
    assert!(matches!(
        SignerKey::generate("two words"),
        Err(KeyError::BadName(_))
    ));
    assert!(matches!(
        SignerKey::generate("a+b"),
        Err(KeyError::BadName(_))
    ));
    assert!(matches!(SignerKey::generate(""), Err(KeyError::BadName(_))));
}
