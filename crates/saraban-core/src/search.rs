//! Search text: what the index holds and what a query asks, put in one
//! form, and the snippet that shows where a query matched.
//!
//! Thai has no spaces between words, so matching is by substring (the
//! databases' trigram indexes), and the same normalisation on both sides
//! is what makes a query find its text: NFC, zero-width marks dropped,
//! Thai digits as Arabic, lower case, whitespace collapsed.

use std::ops::Range;

use unicode_normalization::{IsNormalized, UnicodeNormalization};

/// The shortest term a trigram index can look up; a shorter one is
/// matched by a scan of the organisation's rows.
pub const TRIGRAM: usize = 3;

/// Characters of text a snippet shows around its first match.
pub const SNIPPET_CHARS: usize = 160;

/// `text` as the index holds it and a query is compared: Unicode NFC;
/// ZERO WIDTH SPACE, (NON-)JOINER, WORD JOINER and BOM dropped; Thai
/// digits as Arabic; lower case; runs of whitespace one space, trimmed.
pub fn normalise(text: &str) -> String {
    normalise_direct(text).unwrap_or_else(|| normalise_general(text))
}

/// `normalise` of any text: NFC, then the rest character by character.
fn normalise_general(text: &str) -> String {
    // Most text is in NFC already: its characters are then taken as they
    // are, without the composing iterator's buffers (the same characters).
    if unicode_normalization::is_nfc_quick(text.chars()) == IsNormalized::Yes {
        normalise_chars(text.len(), text.chars())
    } else {
        normalise_chars(text.len(), text.nfc())
    }
}

/// `normalise` of text already put in NFC (`chars`).
fn normalise_chars(capacity: usize, chars: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(capacity);
    let mut space = false;
    for c in chars {
        if matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}') {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '๐'..='๙' => out.push(char::from(b'0' + (c as u32 - '๐' as u32) as u8)),
            c if c.is_uppercase() => out.extend(c.to_lowercase()),
            c => out.push(c),
        }
    }
    out
}

/// `normalise` of text made only of ASCII, Thai (U+0E00–U+0E7F), the
/// punctuation U+2010–U+2027 and NO-BREAK SPACE, in one pass over its
/// bytes; `None` for any other text, or for Thai marks that NFC would
/// reorder. None of these characters composes or decomposes under NFC,
/// is zero-width, or has a case outside ASCII, so what the general path
/// does to them reduces to the digits, ASCII case and whitespace.
fn normalise_direct(text: &str) -> Option<String> {
    /// What becomes of one character.
    enum Becomes {
        Space,
        Itself,
        Byte(u8),
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // Bytes from `run` on are copied as they are when something else comes.
    let mut run = 0;
    let mut space = false;
    // The combining class of the last Thai mark since a starter: NFC puts
    // a run of marks in non-decreasing order.
    let mut last_class = 0u8;
    let mut i = 0;
    while i < bytes.len() {
        let (width, class, becomes) = match bytes[i] {
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => (1, 0, Becomes::Space),
            0xC2 if bytes.get(i + 1) == Some(&0xA0) => (2, 0, Becomes::Space),
            upper @ b'A'..=b'Z' => (1, 0, Becomes::Byte(upper.to_ascii_lowercase())),
            0..=0x7F => (1, 0, Becomes::Itself),
            // U+0E00–U+0E7F: E0 B8 80–BF, E0 B9 80–BF.
            0xE0 if matches!(bytes.get(i + 1), Some(0xB8 | 0xB9)) => {
                let offset = (bytes[i + 1] & 0x01) << 6 | (bytes[i + 2] & 0x3F);
                match offset {
                    // ๐–๙
                    0x50..=0x59 => (3, 0, Becomes::Byte(b'0' + offset - 0x50)),
                    0x38 | 0x39 => (3, 103, Becomes::Itself),
                    0x3A => (3, 9, Becomes::Itself),
                    0x48..=0x4B => (3, 107, Becomes::Itself),
                    _ => (3, 0, Becomes::Itself),
                }
            }
            // U+2010–U+2027: E2 80 90–A7.
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0x90..=0xA7)) =>
            {
                (3, 0, Becomes::Itself)
            }
            _ => return None,
        };
        if class != 0 && class < last_class {
            return None;
        }
        last_class = class;
        match becomes {
            Becomes::Space => {
                out.push_str(&text[run..i]);
                space = !out.is_empty();
                run = i + width;
            }
            Becomes::Itself | Becomes::Byte(_) if space => {
                out.push(' ');
                space = false;
            }
            _ => {}
        }
        if let Becomes::Byte(byte) = becomes {
            out.push_str(&text[run..i]);
            out.push(char::from(byte));
            run = i + width;
        }
        i += width;
    }
    out.push_str(&text[run..]);
    Some(out)
}

/// A normalised query's terms: its words, each to be found.
pub fn terms(normalised: &str) -> Vec<&str> {
    let mut terms: Vec<&str> = Vec::new();
    for term in normalised.split(' ').filter(|t| !t.is_empty()) {
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

/// Characters in `term`, as the trigram minimum counts them.
pub fn chars(term: &str) -> usize {
    term.chars().count()
}

/// A window of `text` (normalised) around the first place a term matched,
/// at most `width` characters, cut at spaces where it can be, with the
/// byte ranges of every match inside it; the beginning of `text` when no
/// term is found. An ellipsis marks a cut end.
pub fn snippet(text: &str, terms: &[&str], width: usize) -> (String, Vec<Range<usize>>) {
    let first = terms
        .iter()
        .filter(|t| !t.is_empty())
        .filter_map(|term| text.find(term))
        .min()
        .unwrap_or(0);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = chars.partition_point(|(i, _)| *i < first);
    // A third of the window before the match, the rest after it.
    let mut start = at.saturating_sub(width / 3);
    let mut end = (start + width).min(chars.len());
    start = end.saturating_sub(width).min(start);
    if start > 0
        && let Some(space) = (start..at).find(|&k| chars[k].1 == ' ')
    {
        start = space + 1;
    }
    if end < chars.len()
        && let Some(space) = (at..end).rev().find(|&k| chars[k].1 == ' ')
        && space > at
    {
        end = space;
    }
    let byte = |k: usize| chars.get(k).map_or(text.len(), |(i, _)| *i);
    let window = &text[byte(start)..byte(end)];
    let lead = if start > 0 { "…" } else { "" };
    let mut marks: Vec<Range<usize>> = Vec::new();
    for term in terms.iter().filter(|t| !t.is_empty()) {
        let mut from = 0;
        while let Some(found) = window[from..].find(term) {
            let begin = from + found;
            marks.push(begin + lead.len()..begin + term.len() + lead.len());
            from = begin + term.len();
        }
    }
    marks.sort_by_key(|range| range.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in marks {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    let trail = if end < chars.len() { "…" } else { "" };
    (format!("{lead}{window}{trail}"), merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn digits_zero_widths_case_and_spaces_are_one_form() {
        assert_eq!(
            normalise("ที่ ๔๙๐/๒๕๖๗\u{200B}  ITA\u{00A0}Report\u{FEFF}"),
            "ที่ 490/2567 ita report"
        );
        assert_eq!(normalise("  ประจำ\u{2060}ปีงบประมาณ \n"), "ประจำปีงบประมาณ");
    }

    #[test]
    fn decomposed_text_is_composed() {
        // SARA AM written as NIKHAHIT + SARA AA composes to U+0E33 only by
        // NFKC, so NFC keeps it: both sides get the same form anyway.
        assert_eq!(normalise("e\u{0301}"), "\u{e9}");
        assert_eq!(normalise("ทำ"), normalise("ทำ"));
    }

    /// Characters the direct path takes, and some it must leave to the
    /// general one.
    fn direct_alphabet() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => proptest::char::range('\u{0}', '\u{7F}'),
            6 => proptest::char::range('\u{E00}', '\u{E7F}'),
            1 => proptest::char::range('\u{2010}', '\u{2027}'),
            1 => Just('\u{A0}'),
        ]
    }

    fn any_alphabet() -> impl Strategy<Value = char> {
        prop_oneof![
            8 => direct_alphabet(),
            1 => proptest::char::range('\u{2000}', '\u{206F}'),
            1 => proptest::sample::select(vec![
                '\u{85}', '\u{3000}', '\u{FEFF}', '\u{300}', '\u{301}', '\u{E4D}', 'É',
                'é', 'Ä', 'ß', 'İ', 'Σ', '\u{212B}', '\u{1E9E}', '\u{FF21}',
            ]),
            1 => any::<char>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn the_direct_path_gives_what_the_general_one_does(
            text in proptest::collection::vec(direct_alphabet(), 0..48)
                .prop_map(String::from_iter)
        ) {
            let general = normalise_general(&text);
            if let Some(direct) = normalise_direct(&text) {
                prop_assert_eq!(direct, general);
            }
        }

        #[test]
        fn normalise_is_the_general_path_on_any_text(
            text in proptest::collection::vec(any_alphabet(), 0..48).prop_map(String::from_iter)
        ) {
            prop_assert_eq!(normalise(&text), normalise_general(&text));
        }
    }

    #[test]
    fn thai_and_ascii_take_the_direct_path_unless_nfc_reorders() {
        let typed = "  เรื่อง\u{A0}รายงาน ITA “๒๕๖๘” – ที่ ตร ๗๑๐๐๑/๑๒๓\n";
        assert_eq!(
            normalise_direct(typed).as_deref(),
            Some("เรื่อง รายงาน ita “2568” – ที่ ตร 71001/123")
        );
        // MAI EK (class 107) before SARA U (103): NFC swaps them.
        assert_eq!(normalise_direct("ก\u{E48}\u{E38}"), None);
        assert_eq!(normalise("ก\u{E48}\u{E38}"), "ก\u{E38}\u{E48}");
        assert_eq!(
            normalise_direct("ก\u{E38}\u{E48}").as_deref(),
            Some("ก\u{E38}\u{E48}")
        );
        assert_eq!(normalise_direct("e\u{301}"), None);
        assert_eq!(normalise_direct("a\u{200B}b"), None);
    }

    #[test]
    fn terms_are_the_distinct_words() {
        assert_eq!(terms("งบประมาณ 2567 งบประมาณ"), ["งบประมาณ", "2567"]);
        assert!(terms("").is_empty());
    }

    #[test]
    fn a_snippet_marks_each_match_in_its_window() {
        let text = normalise("เรื่อง รายงานผลการประเมินคุณธรรมและความโปร่งใส ประจำปีงบประมาณ ๒๕๖๘");
        let (shown, marks) = snippet(&text, &["งบประมาณ", "คุณธรรม"], SNIPPET_CHARS);
        assert_eq!(shown, text);
        let marked: Vec<&str> = marks.iter().map(|r| &shown[r.clone()]).collect();
        assert_eq!(marked, ["คุณธรรม", "งบประมาณ"]);
    }

    #[test]
    fn a_long_text_is_cut_around_the_match() {
        let text = format!("{} งบประมาณ {}", "ก ".repeat(200), "ข ".repeat(200));
        let (shown, marks) = snippet(&text, &["งบประมาณ"], 40);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.chars().count() <= 42, "{shown}");
        assert_eq!(&shown[marks[0].clone()], "งบประมาณ");
    }
}
