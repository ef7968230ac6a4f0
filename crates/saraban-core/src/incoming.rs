//! A received letter (หนังสือรับ) as the registrar records it: the
//! sender's fields as typed, and, when it came as a file, the original
//! PDF named by its SHA-256 (kept byte for byte beside it).
//!
//! Not a `Document`: saraban typesets no received letter, it stamps the
//! sender's own pages, and a `Document` always has a body and a signer.

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use crate::document::{FORMAT, InputError, Secrecy, Urgency, from_value};
use crate::enclosure::{self, Limits, MediaType, Refusal, Sha256};
use crate::text::{Line, Paragraph};
use crate::thai::ThaiDate;

/// The kind of a received letter, in content, routes and registers.
pub const KIND: &str = "incoming";

/// The event of a letter recorded in a unit's own receiving register
/// (ลงรับของหน่วย), with that register's number of the year.
pub const UNIT_RECEIVED: &str = "unit_received";

/// หนังสือรับ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incoming {
    /// ที่: the sender's number, kept exactly as typed.
    pub their_number: Line,
    /// ลงวันที่.
    pub date: ThaiDate,
    /// จาก.
    pub from: Line,
    /// ถึง.
    pub to: Line,
    /// เรื่อง.
    pub subject: Paragraph,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrecy: Option<Secrecy>,
    /// ภายในวันที่: the sender's deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<ThaiDate>,
    /// The file it came as; none for a paper letter recorded by its fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Original>,
    /// Where the registrar put the receiving stamp; none: top right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<StampPlace>,
}

/// The original as received: always a PDF (scans are made one first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Original {
    pub sha256: Sha256,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<Line>,
    pub media_type: PdfType,
    pub pages: NonZeroU32,
}

/// "application/pdf", the one type an original is kept as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfType;

impl Serialize for PdfType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(MediaType::Pdf.mime())
    }
}

impl<'de> Deserialize<'de> for PdfType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == MediaType::Pdf.mime() {
            Ok(PdfType)
        } else {
            Err(serde::de::Error::custom(format!(
                "'{text}': an original is kept as application/pdf"
            )))
        }
    }
}

/// The stamp's top-left corner, in mm from the first page's top-left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StampPlace {
    pub x_mm: f64,
    pub y_mm: f64,
}

/// Larger than any page saraban receives (A3 is 420 mm long).
const MAX_MM: f64 = 1000.0;

impl<'de> Deserialize<'de> for StampPlace {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            x_mm: f64,
            y_mm: f64,
        }
        let raw = Raw::deserialize(deserializer)?;
        for value in [raw.x_mm, raw.y_mm] {
            if !(0.0..=MAX_MM).contains(&value) {
                return Err(serde::de::Error::custom(format!(
                    "{value} mm is not on a page (0 to {MAX_MM})"
                )));
            }
        }
        Ok(StampPlace {
            x_mm: raw.x_mm,
            y_mm: raw.y_mm,
        })
    }
}

/// A received letter as the registrar sent it, with the canonical bytes
/// (RFC 8785) of the JSON and their SHA-256, as `Drafted` keeps a draft.
#[derive(Debug, Clone)]
pub struct Received {
    incoming: Incoming,
    value: serde_json::Value,
    canonical: String,
    content_hash: String,
}

impl Received {
    /// Reads `value` (format saraban/1, kind incoming).
    pub fn from_value(value: serde_json::Value) -> Result<Self, InputError> {
        let serde_json::Value::Object(mut fields) = value.clone() else {
            return Err(InputError::new("", "the letter must be a table/object"));
        };
        match fields.remove("format") {
            Some(serde_json::Value::String(format)) if format == FORMAT => {}
            _ => {
                return Err(InputError::new(
                    "format",
                    format!("missing or unsupported; write format = \"{FORMAT}\""),
                ));
            }
        }
        match fields.remove("kind") {
            Some(serde_json::Value::String(kind)) if kind == KIND => {}
            _ => {
                return Err(InputError::new(
                    "kind",
                    format!("a received letter is of kind \"{KIND}\""),
                ));
            }
        }
        let incoming: Incoming = from_value(serde_json::Value::Object(fields))?;
        let bytes =
            serde_jcs::to_vec(&value).map_err(|e| InputError::new("content", e.to_string()))?;
        Ok(Received {
            incoming,
            value,
            content_hash: crate::ledger::sha256_hex(&bytes),
            canonical: String::from_utf8(bytes).expect("JSON is UTF-8"),
        })
    }

    /// The same letter naming `original`, the file the store read. A
    /// description the sender already wrote must be that of the file.
    pub fn with_original(self, original: Original) -> Result<Self, InputError> {
        if let Some(given) = &self.incoming.original
            && given.sha256 != original.sha256
        {
            return Err(InputError::new(
                "original.sha256",
                "is not the SHA-256 of the file sent",
            ));
        }
        let mut value = self.value;
        value["original"] = serde_json::to_value(&original).expect("serialisable");
        Received::from_value(value)
    }

    pub fn incoming(&self) -> &Incoming {
        &self.incoming
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }
}

/// Reads stored content back as a received letter.
pub fn incoming_from_value(value: serde_json::Value) -> Result<Incoming, InputError> {
    Received::from_value(value).map(|r| r.incoming)
}

/// An original file checked: a PDF within the limit of one file, neither
/// encrypted nor malformed; its pages. A refusal names the file, in Thai.
pub fn check_original(bytes: &[u8], limits: &Limits, name: &str) -> Result<NonZeroU32, String> {
    match enclosure::check(bytes, limits) {
        Ok(MediaType::Pdf) => {}
        Ok(_) | Err(Refusal::Unknown | Refusal::MalformedImage) => {
            return Err(format!("ไม่รับไฟล์ “{name}” เนื่องจากไม่ใช่ไฟล์ PDF"));
        }
        Err(refusal) => return Err(refusal.message(name)),
    }
    let pages = hayro_syntax::Pdf::new(std::sync::Arc::new(bytes.to_vec()))
        .map(|pdf| pdf.pages().len())
        .unwrap_or(0);
    u32::try_from(pages)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| Refusal::MalformedPdf.message(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn letter() -> serde_json::Value {
        json!({
            "format": "saraban/1",
            "kind": "incoming",
            "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
            "date": "2026-01-05",
            "from": "ที่ว่าการอำเภอเมืองตราด",
            "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
            "subject": "ขอเชิญประชุม",
        })
    }

    #[test]
    fn the_senders_number_is_kept_as_typed() {
        let received = Received::from_value(letter()).unwrap();
        assert_eq!(received.incoming().their_number.as_str(), "ตร ๐๐๒๓.๓/ว ๑๒๓");
        assert_eq!(
            received.content_hash(),
            crate::ledger::sha256_hex(received.canonical().as_bytes())
        );
        assert!(received.incoming().original.is_none());
    }

    #[test]
    fn refusals_name_the_field() {
        let mut value = letter();
        value["urgent"] = json!(true);
        assert_eq!(Received::from_value(value).unwrap_err().path, "urgent");
        let mut value = letter();
        value.as_object_mut().unwrap().remove("from");
        assert_eq!(Received::from_value(value).unwrap_err().path, "from");
        let mut value = letter();
        value["stamp"] = json!({"x_mm": -3.0, "y_mm": 10.0});
        assert_eq!(Received::from_value(value).unwrap_err().path, "stamp");
        let mut value = letter();
        value["kind"] = json!("memo");
        assert_eq!(Received::from_value(value).unwrap_err().path, "kind");
        let mut value = letter();
        value["original"] = json!({"sha256": "00", "media_type": "application/pdf", "pages": 1});
        assert_eq!(
            Received::from_value(value).unwrap_err().path,
            "original.sha256"
        );
    }

    #[test]
    fn the_original_goes_under_the_content_hash() {
        let plain = Received::from_value(letter()).unwrap();
        let original = Original {
            sha256: Sha256::of(b"%PDF-1.7"),
            filename: Some(Line::parse("letter.pdf").unwrap()),
            media_type: PdfType,
            pages: NonZeroU32::new(2).unwrap(),
        };
        let named = plain.clone().with_original(original.clone()).unwrap();
        assert_ne!(named.content_hash(), plain.content_hash());
        assert_eq!(named.incoming().original.as_ref(), Some(&original));
        let other = Original {
            sha256: Sha256::of(b"other"),
            ..original
        };
        assert_eq!(
            named.with_original(other).unwrap_err().path,
            "original.sha256"
        );
    }

    #[test]
    fn an_original_must_be_a_pdf() {
        let limits = Limits {
            file: 1 << 20,
            document: 1 << 20,
        };
        let png =
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
        assert!(
            check_original(png, &limits, "a.pdf")
                .unwrap_err()
                .contains("ไม่ใช่ไฟล์ PDF")
        );
        assert!(check_original(b"", &limits, "a.pdf").is_err());
    }
}
