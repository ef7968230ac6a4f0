//! Enclosures (สิ่งที่ส่งมาด้วย) as files: what a file is, told from its
//! bytes and never from its name; the limits on a file and on a document;
//! and the refusals, in Thai, naming the file and the reason.
//!
//! A document's content names each file by its SHA-256 (`Sha256`), so the
//! content hash, and with it the event that records the version, covers
//! the file's bytes. Pure: the bytes are given, nothing is read.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// 25 MB, the default limit of one file.
pub const FILE_LIMIT: u64 = 25 * 1024 * 1024;
/// 100 MB, the default limit of a document's files together.
pub const DOCUMENT_LIMIT: u64 = 100 * 1024 * 1024;

/// How large a file and a document's files together may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub file: u64,
    pub document: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file: FILE_LIMIT,
            document: DOCUMENT_LIMIT,
        }
    }
}

/// A SHA-256 as 64 lower-case hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Sha256(String);

impl Sha256 {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Sha256(text.to_owned()))
        } else {
            Err("must be a SHA-256: 64 lower-case hexadecimal digits".into())
        }
    }

    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Sha256(crate::ledger::sha256_hex(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Sha256::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    /// A legacy Office file (.doc, .xls, .ppt): an OLE2 compound file.
    Ole2,
}

const ALL: [MediaType; 10] = [
    MediaType::Pdf,
    MediaType::Png,
    MediaType::Jpeg,
    MediaType::Docx,
    MediaType::Xlsx,
    MediaType::Pptx,
    MediaType::Odt,
    MediaType::Ods,
    MediaType::Odp,
    MediaType::Ole2,
];

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MediaType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            MediaType::Odt => "application/vnd.oasis.opendocument.text",
            MediaType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            MediaType::Odp => "application/vnd.oasis.opendocument.presentation",
            MediaType::Ole2 => "application/vnd.ms-office",
        }
    }

    /// The file name ending saraban gives it when none is known.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpg",
            MediaType::Docx => "docx",
            MediaType::Xlsx => "xlsx",
            MediaType::Pptx => "pptx",
            MediaType::Odt => "odt",
            MediaType::Ods => "ods",
            MediaType::Odp => "odp",
            MediaType::Ole2 => "doc",
        }
    }

    /// Whether a browser shows it itself (PDF and images); office files
    /// are downloaded.
    pub fn shows_in_browser(self) -> bool {
        matches!(self, MediaType::Pdf | MediaType::Png | MediaType::Jpeg)
    }

    /// The type a stored MIME name stands for.
    pub fn from_mime(mime: &str) -> Option<Self> {
        ALL.into_iter().find(|t| t.mime() == mime)
    }
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// Larger than the limit, its size unknown: it was not read to its end.
    OverLimit {
        limit: u64,
    },
    DocumentTooLarge {
        total: u64,
        limit: u64,
    },
    Unknown,
    MalformedPdf,
    EncryptedPdf,
    MalformedImage,
}

fn megabytes(bytes: u64) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    if tenths.is_multiple_of(10) {
        format!("{} MB", tenths / 10)
    } else {
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

impl Refusal {
    /// The reason, in Thai.
    pub fn reason(&self) -> String {
        match self {
            Refusal::Empty => "เป็นไฟล์ว่าง".into(),
            Refusal::TooLarge { size, limit } => format!(
                "มีขนาด {} เกินกำหนด {} ต่อไฟล์",
                megabytes(*size),
                megabytes(*limit)
            ),
            Refusal::OverLimit { limit } => {
                format!("มีขนาดเกินกำหนด {} ต่อไฟล์", megabytes(*limit))
            }
            Refusal::DocumentTooLarge { total, limit } => format!(
                "ทำให้ไฟล์แนบของหนังสือรวมกันเป็น {} เกินกำหนด {} ต่อฉบับ",
                megabytes(*total),
                megabytes(*limit)
            ),
            Refusal::Unknown => {
                "ไม่ใช่ไฟล์ชนิดที่รับได้ (PDF, PNG, JPEG หรือไฟล์สำนักงาน เช่น DOCX, XLSX, ODT, DOC)".into()
            }
            Refusal::MalformedPdf => "เป็น PDF ที่เสียหายหรืออ่านไม่ได้".into(),
            Refusal::EncryptedPdf => "เป็น PDF ที่เข้ารหัสหรือตั้งรหัสผ่านไว้".into(),
            Refusal::MalformedImage => "เป็นไฟล์ภาพที่เสียหาย".into(),
        }
    }

    /// The whole refusal: the file by its name, then the reason.
    pub fn message(&self, file: &str) -> String {
        format!("ไม่รับไฟล์ “{file}” เนื่องจาก{}", self.reason())
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP: &[u8] = b"PK\x03\x04";

/// What `bytes` are, when they are a file saraban keeps, and within the
/// limit of one file.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<MediaType, Refusal> {
    let size = bytes.len() as u64;
    if size == 0 {
        return Err(Refusal::Empty);
    }
    if size > limits.file {
        return Err(Refusal::TooLarge {
            size,
            limit: limits.file,
        });
    }
    let kind = sniff(bytes).ok_or(Refusal::Unknown)?;
    match kind {
        MediaType::Pdf => check_pdf(bytes)?,
        // The signature, then the IHDR chunk first.
        MediaType::Png if bytes.len() < 33 || &bytes[12..16] != b"IHDR" => {
            return Err(Refusal::MalformedImage);
        }
        MediaType::Jpeg if bytes.len() < 4 => return Err(Refusal::MalformedImage),
        _ => {}
    }
    Ok(kind)
}

/// The type by magic number alone.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    if pdf_header(bytes) {
        Some(MediaType::Pdf)
    } else if bytes.starts_with(PNG) {
        Some(MediaType::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(MediaType::Jpeg)
    } else if bytes.starts_with(OLE2) {
        Some(MediaType::Ole2)
    } else if bytes.starts_with(ZIP) {
        office_zip(bytes)
    } else {
        None
    }
}

/// `%PDF-` within the first kilobyte, as readers accept it.
fn pdf_header(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    find(head, b"%PDF-").is_some()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// An OpenDocument file (its first entry `mimetype`, stored, naming the
/// type) or an Office Open XML one (`[Content_Types].xml` and the part
/// folder of its application).
fn office_zip(bytes: &[u8]) -> Option<MediaType> {
    // The first local header: name length at 26, extra length at 28.
    if bytes.len() > 30 {
        let name_len = usize::from(u16::from_le_bytes([bytes[26], bytes[27]]));
        let extra_len = usize::from(u16::from_le_bytes([bytes[28], bytes[29]]));
        let name = bytes.get(30..30 + name_len)?;
        if name == b"mimetype" {
            // Stored, not compressed: its size at 18 is its length.
            let size = u32::from_le_bytes([bytes[18], bytes[19], bytes[20], bytes[21]]) as usize;
            let start = 30 + name_len + extra_len;
            let rest = bytes.get(start..start.checked_add(size)?)?;
            for (mime, kind) in [
                ("application/vnd.oasis.opendocument.text", MediaType::Odt),
                (
                    "application/vnd.oasis.opendocument.spreadsheet",
                    MediaType::Ods,
                ),
                (
                    "application/vnd.oasis.opendocument.presentation",
                    MediaType::Odp,
                ),
            ] {
                if rest == mime.as_bytes() {
                    return Some(kind);
                }
            }
            return None;
        }
    }
    find(bytes, b"[Content_Types].xml")?;
    if find(bytes, b"word/document").is_some() {
        Some(MediaType::Docx)
    } else if find(bytes, b"xl/workbook").is_some() {
        Some(MediaType::Xlsx)
    } else if find(bytes, b"ppt/presentation").is_some() {
        Some(MediaType::Pptx)
    } else {
        None
    }
}

/// A PDF a reader opens without a password, with at least one page, and
/// not encrypted at all: an archive must be able to read it forever.
fn check_pdf(bytes: &[u8]) -> Result<(), Refusal> {
    if encrypt_key(bytes) {
        return Err(Refusal::EncryptedPdf);
    }
    let data = std::sync::Arc::new(bytes.to_vec());
    match hayro_syntax::Pdf::new(data) {
        Ok(pdf) if !pdf.pages().is_empty() => Ok(()),
        Ok(_) => Err(Refusal::MalformedPdf),
        Err(hayro_syntax::LoadPdfError::Decryption(_)) => Err(Refusal::EncryptedPdf),
        Err(_) => Err(Refusal::MalformedPdf),
    }
}

/// Whether a trailer (or a cross-reference stream's dictionary) names an
/// `/Encrypt` dictionary: those are never compressed, so the key is in
/// the bytes as written. Also an encryption with an empty user password,
/// which a reader opens silently, is encrypted.
fn encrypt_key(bytes: &[u8]) -> bool {
    const KEY: &[u8] = b"/Encrypt";
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], KEY) {
        let end = from + at + KEY.len();
        match bytes.get(end) {
            // `/EncryptMetadata` and other longer names are not the key.
            Some(b) if b.is_ascii_alphanumeric() => from = end,
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(MediaType::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some(MediaType::Jpeg));
        assert_eq!(sniff(OLE2), Some(MediaType::Ole2));
        assert_eq!(sniff(b"just text"), None);
        assert_eq!(
            check(b"not a pdf at all", &Limits::default()),
            Err(Refusal::Unknown)
        );
        let mime = b"application/vnd.oasis.opendocument.text";
        let mut odt = b"PK\x03\x04".to_vec();
        odt.extend([0u8; 14]);
        odt.extend((mime.len() as u32).to_le_bytes());
        odt.extend((mime.len() as u32).to_le_bytes());
        odt.extend(8u16.to_le_bytes());
        odt.extend(0u16.to_le_bytes());
        odt.extend(b"mimetypeapplication/vnd.oasis.opendocument.textPK");
        assert_eq!(sniff(&odt), Some(MediaType::Odt));
    }

    #[test]
    fn limits_and_refusals_name_the_file() {
        let limits = Limits {
            file: 4,
            document: 8,
        };
        let refusal = check(b"%PDF-1.7", &limits).unwrap_err();
        assert_eq!(refusal, Refusal::TooLarge { size: 8, limit: 4 });
        assert!(refusal.message("รายงาน.pdf").contains("“รายงาน.pdf”"));
        assert_eq!(check(b"", &limits), Err(Refusal::Empty));
        assert_eq!(
            check(b"%PDF-1.7\ngarbage", &Limits::default()),
            Err(Refusal::MalformedPdf)
        );
        assert_eq!(
            check(
                b"%PDF-1.7\ntrailer << /Encrypt 5 0 R >>",
                &Limits::default()
            ),
            Err(Refusal::EncryptedPdf)
        );
        assert!(!encrypt_key(b"/EncryptMetadata false"));
    }

    #[test]
    fn hashes_are_lower_case_hex() {
        assert!(Sha256::parse(&"a".repeat(64)).is_ok());
        assert!(Sha256::parse(&"A".repeat(64)).is_err());
        assert!(Sha256::parse("abc").is_err());
        assert_eq!(Sha256::of(b"").as_str().len(), 64);
    }
}
