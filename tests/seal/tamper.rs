//! No single changed byte anywhere in a sealed file leaves its seal valid:
//! not in the original, not in the signature dictionary's /ByteRange
//! numbers, not in /Contents' hex (the CMS, or its zero padding).

use saraban_stories::seal_tools as common;

use std::sync::OnceLock;

use proptest::prelude::*;
use saraban_seal::{Certificate, Verdict, check, seal};

struct Sealed {
    bytes: Vec<u8>,
    trusted: Certificate,
    original_len: usize,
}

fn sealed() -> &'static Sealed {
    static SEALED: OnceLock<Sealed> = OnceLock::new();
    SEALED.get_or_init(|| {
        let original = common::typeset_example("ita-report-2568.toml");
        let (authority, signer) = common::identity();
        Sealed {
            bytes: seal(&original, &signer, &common::details()).unwrap(),
            trusted: authority.certificate().clone(),
            original_len: original.len(),
        }
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
        .unwrap()
}

/// Whether some seal on `bytes` still checks as valid.
fn still_valid(bytes: &[u8]) -> bool {
    match check(bytes, std::slice::from_ref(&sealed().trusted)) {
        Ok(reports) => reports.iter().any(|r| r.verdict == Verdict::Valid),
        Err(_) => false,
    }
}

fn assert_change_detected(position: usize, replacement: u8) {
    let sealed = sealed();
    let mut bytes = sealed.bytes.clone();
    if bytes[position] == replacement {
        return;
    }
    bytes[position] = replacement;
    assert!(
        !still_valid(&bytes),
        "changing byte {position} ({:?} to {:?}) left the seal valid",
        char::from(sealed.bytes[position]),
        char::from(replacement)
    );
}

#[test]
fn the_untouched_file_is_valid() {
    assert!(still_valid(&sealed().bytes));
}

#[test]
fn every_byte_range_digit_and_the_contents_edges_are_guarded() {
    let bytes = &sealed().bytes;
    let byte_range = find(bytes, b"/ByteRange [");
    let contents = find(bytes, b"/Contents <") + b"/Contents ".len();
    for position in byte_range..byte_range + 60 {
        for replacement in [b'0', b'1', b'9', b' ', b']'] {
            assert_change_detected(position, replacement);
        }
    }
    // The `<`, the first digits (the CMS's header) and the `>`.
    let closing = contents + bytes[contents..].iter().position(|&b| b == b'>').unwrap();
    for position in (contents..contents + 40).chain(closing - 4..=closing) {
        for replacement in [b'0', b'1', b'A', b'a', b'f', b'F', b' '] {
            assert_change_detected(position, replacement);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_byte_anywhere(fraction in 0.0f64..1.0, replacement in any::<u8>()) {
        let position = (fraction * sealed().bytes.len() as f64) as usize;
        assert_change_detected(position.min(sealed().bytes.len() - 1), replacement);
    }

    #[test]
    fn any_byte_of_the_update(offset in 0usize..24_000 + 2_000, replacement in any::<u8>()) {
        let sealed = sealed();
        let position = (sealed.original_len + offset).min(sealed.bytes.len() - 1);
        assert_change_detected(position, replacement);
    }

    #[test]
    fn any_hex_digit_of_the_cms(offset in 0usize..2_000, digit in prop::sample::select(b"0123456789abcdefABCDEF".to_vec())) {
        let bytes = &sealed().bytes;
        let contents = find(bytes, b"/Contents <") + b"/Contents <".len();
        assert_change_detected(contents + offset, digit);
    }
}
