//! The one thing the store asks of typesetting: at issue, the PDF of the
//! composed document, inside the issuing transaction (the number it
//! prints is allocated there). The store composes; whoever opens it brings
//! the press, so the store itself typesets nothing.
//!
//! Knows nothing of the rest of the crate.

use std::fmt::Debug;
use std::sync::Arc;

use saraban_core::Document;
use saraban_core::org::OrgConfig;

use crate::error::{Result, StoreError};

/// The error a press reports; ours, never the client's (the document it
/// is given has been accepted already).
pub type PressError = Box<dyn std::error::Error + Send + Sync>;

/// Typesets an issued document, and the receiving side's PDFs. Called
/// off the async threads.
pub trait Press: Debug + Send + Sync + 'static {
    fn print(&self, document: &Composed) -> std::result::Result<Vec<u8>, PressError>;
    /// Scanned pages (PNG or JPEG), in order, as one PDF.
    fn scans_to_pdf(&self, images: &[Vec<u8>]) -> std::result::Result<Vec<u8>, ScanFailure>;
    /// A received letter's original with its receiving stamp and notes.
    fn stamp(&self, view: &StampedView) -> std::result::Result<Vec<u8>, PressError>;
}

/// Why scanned pages did not become one PDF.
#[derive(Debug)]
pub enum ScanFailure {
    /// The images' fault: what to tell the sender, in Thai.
    Refused(String),
    /// Ours.
    Failed(PressError),
}

/// The stamped view of a received letter, every string formatted.
#[derive(Debug, Clone)]
pub struct StampedView {
    /// The original PDF as received, and its SHA-256 (hex).
    pub original: Vec<u8>,
    pub sha256: String,
    pub organisation: String,
    /// เลขรับ, e.g. "๑/๒๕๖๙".
    pub number: String,
    pub date: String,
    pub time: String,
    /// The stamp's top-left corner in mm; none: top right.
    pub position_mm: Option<(f64, f64)>,
    /// The letter's ที่ and เรื่อง, heading an endorsement sheet.
    pub letter_reference: String,
    /// The notes written on it on its way up, in order.
    pub notes: Vec<StampNote>,
    /// The organisation's words a line must not split.
    pub words: Vec<String>,
}

/// A note (เกษียณ) on a received letter.
#[derive(Debug, Clone)]
pub struct StampNote {
    pub text: String,
    pub name: String,
    pub position: String,
    pub date: String,
}

/// A document as it stands, with what its organisation typesets it with.
#[derive(Debug, Clone)]
pub struct Composed {
    pub document: Document,
    /// The organisation's emblem artwork (PNG or SVG), when it has one.
    pub emblem: Option<Vec<u8>>,
    /// The organisation's own words that a printed line must not split
    /// (`saraban_core::segment::org_words`).
    pub words: Vec<String>,
    /// The enclosures' files, in the order their titles print: given to
    /// the press at issue, to embed in the issued PDF.
    pub files: Vec<EnclosureFile>,
    /// The signature images the document's signer and endorsements name,
    /// as (SHA-256 hex, PNG).
    pub signatures: Vec<(String, Vec<u8>)>,
}

/// An enclosure's file as the press embeds it.
#[derive(Debug, Clone)]
pub struct EnclosureFile {
    pub title: String,
    pub media_type: saraban_core::enclosure::MediaType,
    pub bytes: Vec<u8>,
}

impl Composed {
    pub(crate) fn new(document: Document, org: &OrgConfig, emblem: Option<Vec<u8>>) -> Self {
        Composed {
            document,
            emblem,
            words: saraban_core::segment::org_words(org)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            files: Vec::new(),
            signatures: Vec::new(),
        }
    }
}

/// The store's press, or the invariant it was opened without one.
pub(crate) fn press_of(press: Option<&Arc<dyn Press>>) -> Result<Arc<dyn Press>> {
    press.cloned().ok_or_else(|| {
        StoreError::invariant("this store was opened without a press: it cannot typeset")
    })
}

/// Runs `press` on `composed` off the async threads.
pub(crate) async fn print(press: Option<&Arc<dyn Press>>, composed: Composed) -> Result<Vec<u8>> {
    let press = press.cloned().ok_or_else(|| {
        StoreError::invariant("this store was opened without a press: it cannot issue")
    })?;
    tokio::task::spawn_blocking(move || press.print(&composed))
        .await
        .map_err(StoreError::render)?
        .map_err(StoreError::render)
}
