//! What the last revision of a file says about itself: where its
//! cross-reference section is, in which form, and its trailer.

use super::syntax::{self, Entry};

/// How a revision's cross-reference section is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XrefForm {
    /// `xref` … `trailer << >>`.
    Table,
    /// A `/Type /XRef` stream object (PDF 1.5).
    Stream,
}

/// The trailer of the file's last revision.
#[derive(Debug)]
pub(crate) struct LastRevision<'a> {
    /// The byte offset `startxref` gives.
    pub xref_offset: usize,
    pub form: XrefForm,
    /// The trailer's /Size: the next free object number.
    pub size: u32,
    pub root: (u32, u16),
    /// The /Info value's bytes, kept as they are.
    pub info: Option<&'a [u8]>,
    /// The items of /ID, as they stand in the file.
    pub id: Option<Vec<&'a [u8]>>,
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find_first(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The offset after `startxref` at the end of the file.
pub(crate) fn startxref(pdf: &[u8]) -> Option<usize> {
    // Only the file's tail: a `startxref` inside a stream earlier on is
    // not the one that counts.
    let tail_start = pdf.len().saturating_sub(1024);
    let keyword = tail_start + find_last(&pdf[tail_start..], b"startxref")?;
    let number_start = syntax::skip_space(pdf, keyword + b"startxref".len());
    let number_end = number_start
        + pdf[number_start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    usize::try_from(syntax::parse_unsigned(&pdf[number_start..number_end])?).ok()
}

/// Read the last revision's trailer, whichever form its cross-reference
/// section has.
pub(crate) fn last_revision(pdf: &[u8]) -> Option<LastRevision<'_>> {
    let xref_offset = startxref(pdf)?;
    let at = syntax::skip_space(pdf, xref_offset);
    let (form, entries) = if pdf.get(at..at + 4)? == b"xref" {
        let trailer = at + find_first(&pdf[at..], b"trailer")?;
        let dict = syntax::skip_space(pdf, trailer + b"trailer".len());
        (XrefForm::Table, syntax::dict_entries(pdf, dict)?)
    } else {
        // `12 0 obj << /Type /XRef … >> stream`
        let after_obj = at + find_first(pdf.get(at..at + 32)?, b"obj")? + 3;
        let dict = syntax::skip_space(pdf, after_obj);
        let entries = syntax::dict_entries(pdf, dict)?;
        if syntax::lookup(&entries, b"Type")? != b"/XRef" {
            return None;
        }
        (XrefForm::Stream, entries)
    };
    trailer_from(xref_offset, form, &entries)
}

fn trailer_from<'a>(
    xref_offset: usize,
    form: XrefForm,
    entries: &[Entry<'a>],
) -> Option<LastRevision<'a>> {
    let size = u32::try_from(syntax::parse_unsigned(syntax::lookup(entries, b"Size")?)?).ok()?;
    let root = syntax::parse_reference(syntax::lookup(entries, b"Root")?)?;
    let info = syntax::lookup(entries, b"Info");
    let id = syntax::lookup(entries, b"ID").and_then(|id| syntax::array_items(id, 0));
    Some(LastRevision {
        xref_offset,
        form,
        size,
        root,
        info,
        id,
    })
}
