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
