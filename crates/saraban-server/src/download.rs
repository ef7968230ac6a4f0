//! The name a downloaded PDF is saved under: the document's number and
//! subject, as an office files it (`ตร-๗๑๐๐๑-๑-รายงานผลการประเมิน.pdf`),
//! with an ASCII name beside it for clients that read only `filename=`.

use axum::http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use saraban_store::DocumentSummary;

/// The longest subject, in characters, that goes into a file name.
const SUBJECT_CHARS: usize = 40;

/// What RFC 8187 lets through unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A PDF's file name, in Thai and in ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PdfName {
    pub thai: String,
    pub ascii: String,
}

impl PdfName {
    /// The number as printed (without "ที่"), then the subject's start; a
    /// draft, which has no number yet, is named "ร่าง".
    pub(crate) fn of(summary: &DocumentSummary) -> PdfName {
        let number = summary
            .printed_number
            .as_deref()
            .map(|printed| printed.trim_start_matches("ที่").trim())
            .unwrap_or("ร่าง");
        let subject = shortened(&summary.subject, SUBJECT_CHARS);
        let thai = format!("{}.pdf", file_safe(&format!("{number} {subject}")));
        let ascii = match (&summary.register, summary.year, summary.number) {
            (Some(register), Some(year), Some(number)) => {
                format!("{}-{number}-{year}.pdf", file_safe(register))
            }
            _ => format!("draft-{}.pdf", file_safe(&summary.id)),
        };
        PdfName { thai, ascii }
    }

    /// `Content-Disposition: inline` with both names (RFC 6266).
    pub(crate) fn disposition(&self) -> HeaderValue {
        let encoded = utf8_percent_encode(&self.thai, ATTR_CHAR);
        HeaderValue::from_str(&format!(
            "inline; filename=\"{}\"; filename*=UTF-8''{encoded}",
            self.ascii
        ))
        .expect("ASCII and percent-encoding make a valid header")
    }
}

/// `Content-Disposition` of a stored file (an enclosure): `inline` for
/// what a browser shows, `attachment` otherwise, its name in UTF-8 and a
/// safe ASCII fallback that keeps its ending.
pub(crate) fn file_disposition(inline: bool, name: &str, extension: &str) -> HeaderValue {
    let safe = file_safe(name);
    let encoded = utf8_percent_encode(&safe, ATTR_CHAR);
    let ascii = format!("enclosure.{}", file_safe(extension));
    HeaderValue::from_str(&format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    ))
    .expect("ASCII and percent-encoding make a valid header")
}

/// Separators, quotes and characters a file system or a header refuses
/// become "-", runs of them one; what is left is trimmed of them.
fn file_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let keep = !(c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '/' | '\\' | '"' | '\'' | ':' | '*' | '?' | '<' | '>' | '|' | ';' | ','
            )
            || saraban_core::text::is_bidi_control(c)
            || (!c.is_ascii() && !c.is_alphanumeric() && !is_thai_mark(c)));
        // A mark cut from its consonant (at the start, or after what
        // became "-") has nothing to sit on: it is dropped.
        let orphan = is_thai_mark(c) && (out.is_empty() || out.ends_with('-'));
        if keep && !orphan {
            out.push(c);
        } else if !keep && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "saraban".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Thai vowel and tone marks that sit above or below their consonant.
fn is_thai_mark(c: char) -> bool {
    matches!(c, '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}')
}

/// At most `most` characters of `text`, never ending on a consonant whose
/// marks were cut off: the cut backs off to the start of that cluster.
fn shortened(text: &str, most: usize) -> &str {
    let mut end = text.len();
    for (count, (at, c)) in text.char_indices().enumerate() {
        if count == most {
            end = at;
            // A mark belongs to the character before it: drop both.
            if is_thai_mark(c) {
                end = text[..at]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| !is_thai_mark(*c))
                    .map_or(0, |(at, _)| at);
            }
            break;
        }
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn summary(printed: Option<&str>, subject: &str) -> DocumentSummary {
        let issued = printed.is_some();
        DocumentSummary {
            id: saraban_core::DocumentId::parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").unwrap(),
            kind: "memo".into(),
            state: "issued".into(),
            state_thai: "ออกเลขแล้ว".into(),
            step: None,
            round: 1,
            drafter: saraban_core::PersonId::parse("chanyurat").unwrap(),
            version: 1,
            subject: subject.into(),
            content_hash: String::new(),
            register: issued.then(|| "memo".into()),
            year: issued.then_some(2568),
            number: issued.then_some(1),
            printed_number: printed.map(str::to_owned),
            pdf_hash: None,
            cancelled: false,
            waiting_for: Vec::new(),
            route_version: 1,
            published_at: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn an_issued_memo_is_named_by_its_number_and_subject() {
        let name = PdfName::of(&summary(Some("ที่ ตร ๗๑๐๐๑/๑"), "รายงานผลการประเมิน"));
        assert_eq!(name.thai, "ตร-๗๑๐๐๑-๑-รายงานผลการประเมิน.pdf");
        assert_eq!(name.ascii, "memo-1-2568.pdf");
        let header = name.disposition();
        let header = header.to_str().expect("ASCII");
        assert!(header.starts_with("inline; filename=\"memo-1-2568.pdf\"; filename*=UTF-8''"));
        assert!(header.contains("%E0%B8%95%E0%B8%A3-"), "{header}");
    }

    #[test]
    fn a_draft_is_named_as_a_draft() {
        let name = PdfName::of(&summary(None, "ขออนุมัติ / จัดซื้อ \"วัสดุ\""));
        assert_eq!(name.thai, "ร่าง-ขออนุมัติ-จัดซื้อ-วัสดุ.pdf");
        assert_eq!(name.ascii, "draft-0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.pdf");
    }

    #[test]
    fn a_mark_left_without_its_consonant_is_dropped() {
        // "¡" becomes a separator, which a mark cannot sit on.
        assert_eq!(file_safe("¡\u{e47}"), "saraban");
        assert_eq!(file_safe("ก ่า"), "ก-า");
    }

    #[test]
    fn a_long_subject_is_cut_before_a_cluster_not_inside_it() {
        // The 41st character is a vowel mark: its consonant goes with it.
        let subject = format!("{}กิ", "ก".repeat(39));
        assert_eq!(shortened(&subject, 40), "ก".repeat(39));
        assert_eq!(shortened("สั้น", 40), "สั้น");
    }

    proptest! {
        #[test]
        fn any_name_is_safe_to_save_and_to_send(
            subject in "\\PC{0,80}",
            printed in proptest::option::of("\\PC{0,20}"),
        ) {
            let name = PdfName::of(&summary(printed.as_deref(), &subject));
            for name in [&name.thai, &name.ascii] {
                prop_assert!(name.ends_with(".pdf"));
                prop_assert!(name.len() > ".pdf".len());
                prop_assert!(!name.chars().any(|c| c.is_control() || c.is_whitespace()
                    || matches!(c, '/' | '\\' | '"')));
                prop_assert!(!name.starts_with('-'));
                prop_assert!(!name.chars().next().is_some_and(is_thai_mark));
            }
            prop_assert!(name.ascii.is_ascii());
            prop_assert!(name.disposition().to_str().is_ok());
        }
    }
}
