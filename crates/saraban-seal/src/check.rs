//! Checking the seals on a PDF: one report for each signature field.

use chrono::{DateTime, FixedOffset, Utc};
use hayro_syntax::Pdf;
use hayro_syntax::object::{Array, Dict, Name};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

pub use crate::failure::{Failure, TimestampReport};
use crate::identity::common_name;
use crate::pdf::{syntax, write};
use crate::verify;

/// Why a PDF's seals cannot be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the file is not a PDF that can be read")]
    NotAPdf,
    #[error("the PDF is encrypted; saraban checks only unencrypted files")]
    Encrypted,
    #[error("the PDF has no signature")]
    NotSigned,
}

/// Whether the signature itself holds: intact, by a trusted signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid(Failure),
}

/// What one signature on the file says, and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealReport {
    /// The signature field's name (/T).
    pub field: String,
    pub signer_cn: Option<String>,
    pub issuer_cn: Option<String>,
    /// /Name, /Reason, /Location, /ContactInfo of the signature dictionary.
    pub name: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact_info: Option<String>,
    /// /M: when the signer says it signed.
    pub signed_at: Option<DateTime<FixedOffset>>,
    pub timestamp: Option<TimestampReport>,
    /// Whether the signature covers every byte of the file (no update was
    /// added after it), independent of the verdict.
    pub covers_whole_file: bool,
    pub verdict: Verdict,
}

impl SealReport {
    /// Valid, and nothing was added to the file after it.
    pub fn seals_whole_file(&self) -> bool {
        self.verdict == Verdict::Valid && self.covers_whole_file
    }

    /// "valid", "not_whole_file" (valid, but the file has more after it),
    /// or the failure's code.
    pub fn code(&self) -> &'static str {
        match &self.verdict {
            Verdict::Valid if self.covers_whole_file => "valid",
            Verdict::Valid => "not_whole_file",
            Verdict::Invalid(failure) => failure.code(),
        }
    }
}

/// Check every signature on `pdf` against the `trusted` certificates
/// (the organisations' CA certificates, a timestamp authority's root).
pub fn check(pdf: &[u8], trusted: &[Certificate]) -> Result<Vec<SealReport>, CheckError> {
    let document = Pdf::new(pdf.to_vec()).map_err(|e| match e {
        hayro_syntax::LoadPdfError::Decryption(_) => CheckError::Encrypted,
        hayro_syntax::LoadPdfError::Invalid => CheckError::NotAPdf,
    })?;
    let xref = document.xref();
    let catalog: Dict<'_> = xref.get(xref.root_id()).ok_or(CheckError::NotAPdf)?;
    let mut signature_fields = Vec::new();
    if let Some(fields) = catalog
        .get::<Dict<'_>>(b"AcroForm")
        .and_then(|form| form.get::<Array<'_>>(b"Fields"))
    {
        collect_signature_fields(fields.iter::<Dict<'_>>(), &mut signature_fields, 0);
    }
    if signature_fields.is_empty() {
        return Err(CheckError::NotSigned);
    }
    let file = document.data().as_ref();
    Ok(signature_fields
        .iter()
        .map(|(field, signature)| report(file, field, signature, trusted))
        .collect())
}

/// Signature fields with a value, looking into /Kids of non-terminal
/// fields.
fn collect_signature_fields<'a>(
    fields: impl Iterator<Item = Dict<'a>>,
    found: &mut Vec<(Dict<'a>, Dict<'a>)>,
    depth: usize,
) {
    // Field trees are shallow; the bound only stops a loop in a bad file.
    if depth > 8 {
        return;
    }
    for field in fields {
        if let Some(kids) = field.get::<Array<'a>>(b"Kids") {
            collect_signature_fields(kids.iter::<Dict<'a>>(), found, depth + 1);
        }
        let is_signature = field
            .get::<Name<'_>>(b"FT")
            .is_some_and(|kind| kind.as_str() == "Sig");
        if is_signature && let Some(value) = field.get::<Dict<'a>>(b"V") {
            found.push((field.clone(), value));
        }
    }
}

fn text(dict: &Dict<'_>, key: &[u8]) -> Option<String> {
    dict.get::<hayro_syntax::object::String<'_>>(key)
        .map(|string| write::decode_text_string(string.as_bytes()))
}

/// Where `inner` starts within `outer`, if it is a part of it.
fn offset_in(outer: &[u8], inner: &[u8]) -> Option<usize> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (start + inner.len() <= outer.len()).then_some(start)
}

/// /Contents' hex, read strictly: hex digits only, an even number, letters
/// all of one case. A signature's /Contents is written that way, and so a
/// changed digit cannot spell the same bytes (`a` for `A`).
fn decode_hex(digits: &[u8]) -> Option<Vec<u8>> {
    let has_lower = digits.iter().any(u8::is_ascii_lowercase);
    let has_upper = digits.iter().any(u8::is_ascii_uppercase);
    if !digits.len().is_multiple_of(2) || (has_lower && has_upper) {
        return None;
    }
    let value = |digit: u8| char::from(digit).to_digit(16);
    digits
        .chunks_exact(2)
        .map(|pair| u8::try_from(value(pair[0])? * 16 + value(pair[1])?).ok())
        .collect()
}

/// The signed ranges and the CMS, once the ByteRange is checked against
/// the file: starts at 0 and leaves out exactly the /Contents string.
struct Located {
    contents: Vec<u8>,
    digest: Vec<u8>,
    covers_whole_file: bool,
}

fn locate(file: &[u8], signature: &Dict<'_>) -> Result<Located, Failure> {
    let dict_start = offset_in(file, signature.data()).ok_or_else(|| {
        Failure::Malformed("the signature dictionary is not stored directly in the file".into())
    })?;
    let entries = syntax::dict_entries(file, dict_start)
        .ok_or_else(|| Failure::Malformed("the signature dictionary cannot be read".into()))?;
    let contents = syntax::lookup(&entries, b"Contents")
        .filter(|value| value.first() == Some(&b'<') && value.last() == Some(&b'>'))
        .ok_or_else(|| Failure::Malformed("/Contents is not a hex string".into()))?;
    let contents_start = offset_in(file, contents).ok_or(Failure::ByteRangeInvalid)?;
    let contents_end = contents_start + contents.len();
    let range: Vec<u64> = syntax::lookup(&entries, b"ByteRange")
        .and_then(|value| syntax::array_items(value, 0))
        .map(|items| {
            items
                .iter()
                .filter_map(|i| syntax::parse_unsigned(i))
                .collect()
        })
        .unwrap_or_default();
    let [start, first_len, second_start, second_len] = range[..] else {
        return Err(Failure::Malformed("/ByteRange is not four numbers".into()));
    };
    let as_usize = |n: u64| usize::try_from(n).map_err(|_| Failure::ByteRangeInvalid);
    let (first_len, second_start, second_len) = (
        as_usize(first_len)?,
        as_usize(second_start)?,
        as_usize(second_len)?,
    );
    let second_end = second_start
        .checked_add(second_len)
        .ok_or(Failure::ByteRangeInvalid)?;
    if start != 0
        || first_len != contents_start
        || second_start != contents_end
        || second_end > file.len()
    {
        return Err(Failure::ByteRangeInvalid);
    }
    let contents = decode_hex(&contents[1..contents.len() - 1])
        .ok_or_else(|| Failure::Malformed("/Contents is not hex".into()))?;
    let mut hasher = Sha256::new();
    hasher.update(&file[..first_len]);
    hasher.update(&file[second_start..second_end]);
    Ok(Located {
        contents,
        digest: hasher.finalize().to_vec(),
        covers_whole_file: second_end == file.len(),
    })
}

fn report(
    file: &[u8],
    field: &Dict<'_>,
    signature: &Dict<'_>,
    trusted: &[Certificate],
) -> SealReport {
    let signed_at = signature
        .get::<hayro_syntax::object::String<'_>>(b"M")
        .and_then(|m| write::parse_date(m.as_bytes()));
    let mut report = SealReport {
        field: text(field, b"T").unwrap_or_default(),
        signer_cn: None,
        issuer_cn: None,
        name: text(signature, b"Name"),
        reason: text(signature, b"Reason"),
        location: text(signature, b"Location"),
        contact_info: text(signature, b"ContactInfo"),
        signed_at,
        timestamp: None,
        covers_whole_file: false,
        verdict: Verdict::Valid,
    };
    let sub_filter_ok = signature
        .get::<Name<'_>>(b"SubFilter")
        .is_some_and(|name| name.as_str() == "ETSI.CAdES.detached");
    if !sub_filter_ok {
        report.verdict = Verdict::Invalid(Failure::Unsupported(
            "only /SubFilter /ETSI.CAdES.detached signatures are checked".into(),
        ));
        return report;
    }
    let located = match locate(file, signature) {
        Ok(located) => located,
        Err(failure) => {
            report.verdict = Verdict::Invalid(failure);
            return report;
        }
    };
    report.covers_whole_file = located.covers_whole_file;
    let signed_data = match verify::read_signed_data(&located.contents) {
        Ok(signed_data) => signed_data,
        Err(failure) => {
            report.verdict = Verdict::Invalid(failure);
            return report;
        }
    };
    if let Some(signer) = verify::signer_certificate(&signed_data) {
        let tbs = signer.tbs_certificate();
        report.signer_cn = Some(common_name(tbs.subject()));
        report.issuer_cn = Some(common_name(tbs.issuer()));
    }
    let claimed_time = signed_at.map_or_else(Utc::now, |time| time.with_timezone(&Utc));
    match verify::verify_signed_data(&signed_data, &located.digest, trusted, claimed_time) {
        Ok(verified) => report.timestamp = verified.timestamp,
        Err(failure) => report.verdict = Verdict::Invalid(failure),
    }
    report
}
