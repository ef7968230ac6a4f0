//! The incremental update that adds an invisible signature field to a
//! file: appended after the original bytes, which stay an exact prefix.
//!
//! New objects: the signature dictionary, its widget on page 1 with an
//! empty appearance, a new version of page 1 (the widget added to /Annots)
//! and of the catalog (/AcroForm with the field, /SigFlags 3), then a
//! cross-reference section of the same form as the file's last one.

use std::io::Write as _;
use std::ops::Range;

use chrono::{DateTime, FixedOffset};
use hayro_syntax::Pdf;
use hayro_syntax::object::{Array, Dict, Name, ObjectIdentifier};
use hayro_syntax::xref::XRef;

use super::read::{self, XrefForm};
use super::syntax::{self, Entry};
use super::write;

/// The width reserved for the /ByteRange array, patched once the offsets
/// are known: `[0 a b c]` padded with spaces.
const BYTE_RANGE_WIDTH: usize = 48;

/// What the signature dictionary says besides the signature itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignatureFields<'a> {
    pub name: &'a str,
    pub reason: &'a str,
    pub location: Option<&'a str>,
    pub contact_info: &'a str,
    pub signed_at: DateTime<FixedOffset>,
}

/// A file with its update written, /Contents still all zeros.
#[derive(Debug, Clone)]
pub(crate) struct Update {
    pub bytes: Vec<u8>,
    /// The hex digits of /Contents, between `<` and `>`.
    pub contents_hex: Range<usize>,
}

impl Update {
    /// The bytes the signature covers: everything except `<…>` of /Contents.
    pub fn signed_parts(&self) -> [&[u8]; 2] {
        [
            &self.bytes[..self.contents_hex.start - 1],
            &self.bytes[self.contents_hex.end + 1..],
        ]
    }

    /// Put `der` (hex, zero padded) into /Contents. False if it does not fit.
    pub fn fill_contents(&mut self, der: &[u8]) -> bool {
        let slot = &mut self.bytes[self.contents_hex.clone()];
        if der.len() * 2 > slot.len() {
            return false;
        }
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for (pair, byte) in slot.chunks_exact_mut(2).zip(der) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        true
    }
}

/// Why a file cannot take a signature.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("the file is not a PDF that can be read")]
    NotAPdf,
    #[error("the PDF is encrypted; saraban seals only unencrypted files")]
    Encrypted,
    #[error("the PDF's last trailer cannot be read (startxref, /Size, /Root)")]
    NoTrailer,
    #[error("the PDF's catalog cannot be read")]
    NoCatalog,
    #[error("the PDF's first page cannot be found")]
    NoPage,
}

fn object_id((number, generation): (u32, u16)) -> ObjectIdentifier {
    ObjectIdentifier::new(
        i32::try_from(number).unwrap_or(i32::MAX),
        i32::from(generation),
    )
}

/// The items of the array under `key`, whether written there or referenced.
fn array_items<'a>(dict: &Dict<'a>, key: &[u8]) -> Vec<&'a [u8]> {
    dict.get::<Array<'a>>(key)
        .and_then(|array| syntax::items(array.data()))
        .unwrap_or_default()
}

/// Page 1: its object number and generation, and its dictionary.
fn first_page<'a>(
    xref: &'a XRef,
    catalog_entries: &[Entry<'_>],
) -> Result<((u32, u16), Dict<'a>), UpdateError> {
    let mut node = syntax::lookup(catalog_entries, b"Pages")
        .and_then(syntax::parse_reference)
        .ok_or(UpdateError::NoPage)?;
    // The page tree is shallow; the bound only stops a loop in a bad file.
    for _ in 0..64 {
        let dict: Dict<'a> = xref.get(object_id(node)).ok_or(UpdateError::NoPage)?;
        let is_page = dict
            .get::<Name<'_>>(b"Type")
            .is_some_and(|kind| kind.as_str() == "Page");
        if is_page {
            return Ok((node, dict));
        }
        node = array_items(&dict, b"Kids")
            .first()
            .and_then(|kid| syntax::parse_reference(kid))
            .ok_or(UpdateError::NoPage)?;
    }
    Err(UpdateError::NoPage)
}

fn write_entries_except(out: &mut Vec<u8>, entries: &[Entry<'_>], skip: &[&[u8]]) {
    for entry in entries.iter().filter(|e| !skip.contains(&e.key)) {
        out.push(b'/');
        out.extend_from_slice(entry.key);
        out.push(b' ');
        out.extend_from_slice(entry.value);
        out.push(b' ');
    }
}

fn write_array(out: &mut Vec<u8>, items: &[&[u8]], last: &[u8]) {
    out.push(b'[');
    for item in items {
        out.extend_from_slice(item);
        out.push(b' ');
    }
    out.extend_from_slice(last);
    out.push(b']');
}

/// Append the signature field's update to `pdf`, with room for a CMS of
/// `contents_capacity` bytes.
pub(crate) fn append_signature(
    pdf: &[u8],
    fields: &SignatureFields<'_>,
    contents_capacity: usize,
) -> Result<Update, UpdateError> {
    let document = Pdf::new(pdf.to_vec()).map_err(|e| match e {
        hayro_syntax::LoadPdfError::Decryption(_) => UpdateError::Encrypted,
        hayro_syntax::LoadPdfError::Invalid => UpdateError::NotAPdf,
    })?;
    let xref = document.xref();
    let revision = read::last_revision(pdf).ok_or(UpdateError::NoTrailer)?;
    let catalog: Dict<'_> = xref
        .get(object_id(revision.root))
        .ok_or(UpdateError::NoCatalog)?;
    let catalog_entries = syntax::dict_entries(catalog.data(), 0).ok_or(UpdateError::NoCatalog)?;
    let (page, page_dict) = first_page(xref, &catalog_entries)?;
    let page_entries = syntax::dict_entries(page_dict.data(), 0).ok_or(UpdateError::NoPage)?;

    let old_form = catalog.get::<Dict<'_>>(b"AcroForm");
    let old_form_entries = old_form
        .as_ref()
        .and_then(|form| syntax::dict_entries(form.data(), 0))
        .unwrap_or_default();
    let old_fields = old_form
        .as_ref()
        .map(|form| array_items(form, b"Fields"))
        .unwrap_or_default();
    let old_annots = array_items(&page_dict, b"Annots");

    let signature = revision.size;
    let widget = signature + 1;
    let appearance = signature + 2;
    let xref_stream = signature + 3;
    let new_size = match revision.form {
        XrefForm::Table => signature + 3,
        XrefForm::Stream => signature + 4,
    };

    let mut out = Vec::with_capacity(pdf.len() + contents_capacity * 2 + 4096);
    out.extend_from_slice(pdf);
    if !matches!(pdf.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, u16, usize)> = Vec::new();

    // The signature dictionary.
    offsets.push((signature, 0, out.len()));
    write!(
        out,
        "{signature} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M "
    )
    .ok();
    out.extend_from_slice(&write::date(fields.signed_at));
    out.extend_from_slice(b" /Name ");
    out.extend_from_slice(&write::text_string(fields.name));
    out.extend_from_slice(b" /Reason ");
    out.extend_from_slice(&write::text_string(fields.reason));
    if let Some(location) = fields.location {
        out.extend_from_slice(b" /Location ");
        out.extend_from_slice(&write::text_string(location));
    }
    out.extend_from_slice(b" /ContactInfo ");
    out.extend_from_slice(&write::text_string(fields.contact_info));
    out.extend_from_slice(b"\n/ByteRange ");
    let byte_range_at = out.len();
    out.extend(std::iter::repeat_n(b' ', BYTE_RANGE_WIDTH));
    out.extend_from_slice(b"\n/Contents <");
    let contents_start = out.len();
    out.extend(std::iter::repeat_n(b'0', contents_capacity * 2));
    let contents_end = out.len();
    out.extend_from_slice(b">\n>>\nendobj\n");

    // The widget: field and annotation in one, invisible, printed (PDF/A
    // wants the Print flag) and locked.
    let field_name = format!("Signature{}", old_fields.len() + 1);
    offsets.push((widget, 0, out.len()));
    write!(
        out,
        "{widget} 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T "
    )
    .ok();
    out.extend_from_slice(&write::text_string(&field_name));
    write!(
        out,
        " /V {signature} 0 R /P {} {} R /Rect [0 0 0 0] /F 132 /AP << /N {appearance} 0 R >> >>\nendobj\n",
        page.0, page.1
    )
    .ok();

    // An empty appearance: PDF/A wants every annotation to have one.
    offsets.push((appearance, 0, out.len()));
    write!(
        out,
        "{appearance} 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 0 0] /Length 0 >>\nstream\n\nendstream\nendobj\n"
    )
    .ok();

    // Page 1 again, with the widget among its annotations.
    offsets.push((page.0, page.1, out.len()));
    write!(out, "{} {} obj\n<< ", page.0, page.1).ok();
    write_entries_except(&mut out, &page_entries, &[b"Annots"]);
    out.extend_from_slice(b"/Annots ");
    write_array(&mut out, &old_annots, format!("{widget} 0 R").as_bytes());
    out.extend_from_slice(b" >>\nendobj\n");

    // The catalog again, with the form that holds the field.
    let root = revision.root;
    offsets.push((root.0, root.1, out.len()));
    write!(out, "{} {} obj\n<< ", root.0, root.1).ok();
    write_entries_except(&mut out, &catalog_entries, &[b"AcroForm"]);
    out.extend_from_slice(b"/AcroForm << ");
    write_entries_except(&mut out, &old_form_entries, &[b"Fields", b"SigFlags"]);
    out.extend_from_slice(b"/Fields ");
    write_array(&mut out, &old_fields, format!("{widget} 0 R").as_bytes());
    out.extend_from_slice(b" /SigFlags 3 >> >>\nendobj\n");

    // The trailer's entries, the same for either form.
    let mut trailer = Vec::new();
    write!(
        trailer,
        "/Size {new_size} /Root {} {} R /Prev {} ",
        root.0, root.1, revision.xref_offset
    )
    .ok();
    if let Some(info) = revision.info {
        trailer.extend_from_slice(b"/Info ");
        trailer.extend_from_slice(info);
        trailer.push(b' ');
    }
    trailer.extend_from_slice(b"/ID [");
    match revision.id.as_deref() {
        Some([first, ..]) => trailer.extend_from_slice(first),
        _ => trailer.extend_from_slice(random_id().as_bytes()),
    }
    trailer.push(b' ');
    trailer.extend_from_slice(random_id().as_bytes());
    trailer.extend_from_slice(b"] ");

    let xref_offset = out.len();
    match revision.form {
        XrefForm::Table => write_xref_table(&mut out, &offsets, &trailer),
        XrefForm::Stream => {
            offsets.push((xref_stream, 0, xref_offset));
            write_xref_stream(&mut out, xref_stream, &offsets, &trailer);
        }
    }
    write!(out, "startxref\n{xref_offset}\n%%EOF\n").ok();

    // Now that the length is known: the ranges either side of /Contents'
    // `<…>`.
    let before = contents_start - 1;
    let after = contents_end + 1;
    let byte_range = format!("[0 {before} {after} {}]", out.len() - after);
    out[byte_range_at..byte_range_at + byte_range.len()].copy_from_slice(byte_range.as_bytes());

    Ok(Update {
        bytes: out,
        contents_hex: contents_start..contents_end,
    })
}

/// A fresh file identifier, as a hex string.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // Uniqueness, not secrecy: a failing generator leaves zeros, still a
    // valid identifier.
    let _ = getrandom::fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("<{hex}>")
}

/// Consecutive object numbers as subsections: (first, entries).
fn subsections(offsets: &[(u32, u16, usize)]) -> Vec<(u32, Vec<(u16, usize)>)> {
    let mut sorted = offsets.to_vec();
    sorted.sort_unstable();
    let mut sections: Vec<(u32, Vec<(u16, usize)>)> = Vec::new();
    for (number, generation, offset) in sorted {
        match sections.last_mut() {
            Some((first, entries)) if *first + entries.len() as u32 == number => {
                entries.push((generation, offset));
            }
            _ => sections.push((number, vec![(generation, offset)])),
        }
    }
    sections
}

fn write_xref_table(out: &mut Vec<u8>, offsets: &[(u32, u16, usize)], trailer: &[u8]) {
    out.extend_from_slice(b"xref\n");
    for (first, entries) in subsections(offsets) {
        writeln!(out, "{first} {}", entries.len()).ok();
        for (generation, offset) in entries {
            // Each entry exactly 20 bytes, ending in space + LF.
            writeln!(out, "{offset:010} {generation:05} n ").ok();
        }
    }
    out.extend_from_slice(b"trailer\n<< ");
    out.extend_from_slice(trailer);
    out.extend_from_slice(b">>\n");
}

fn write_xref_stream(
    out: &mut Vec<u8>,
    number: u32,
    offsets: &[(u32, u16, usize)],
    trailer: &[u8],
) {
    let largest = offsets.iter().map(|o| o.2).max().unwrap_or(0) as u64;
    let offset_width = (64 - largest.leading_zeros()).div_ceil(8).max(1) as usize;
    let mut index = String::new();
    let mut data = Vec::new();
    for (first, entries) in subsections(offsets) {
        index.push_str(&format!("{first} {} ", entries.len()));
        for (generation, offset) in entries {
            data.push(1u8);
            data.extend_from_slice(&(offset as u64).to_be_bytes()[8 - offset_width..]);
            data.extend_from_slice(&generation.to_be_bytes());
        }
    }
    write!(
        out,
        "{number} 0 obj\n<< /Type /XRef /W [1 {offset_width} 2] /Index [{}] /Length {} ",
        index.trim_end(),
        data.len()
    )
    .ok();
    out.extend_from_slice(trailer);
    out.extend_from_slice(b">>\nstream\n");
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_numbers_share_a_subsection() {
        let sections = subsections(&[(61, 0, 10), (1, 0, 50), (62, 0, 20), (4, 0, 40)]);
        assert_eq!(
            sections,
            vec![
                (1, vec![(0, 50)]),
                (4, vec![(0, 40)]),
                (61, vec![(0, 10), (0, 20)])
            ]
        );
    }
}
