//! Typesets saraban documents into PDF/A-2b with Typst.
//!
//! The document's data goes in as a virtual JSON file that the templates
//! read with `json(..)`: user text is data, never markup. The templates and
//! fonts are compiled into the binary; the world serves nothing else.

mod breaks;
mod destruction;
mod fonts;
mod incoming;
pub mod probe;
mod signature;
mod view;
mod world;

use std::sync::Arc;

use chrono::Datelike;
use typst::foundations::{Bytes, Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use saraban_core::Document;
use saraban_core::segment::Segmenter;

pub use destruction::{DestructionListPage, DestructionListRow};
pub use fonts::{DEFAULT_FAMILY, FontError, FontSet, TH_SARABUN_KO_HEIGHT_EM, TH_SARABUN_LINE_EM};
pub use incoming::{
    EndorsementNote, IncomingError, IncomingFileError, PageFacts, PdfFacts, ReceivingRegisterPage,
    ReceivingRegisterRow, ReceivingStamp, STAMP_H_MM, STAMP_W_MM, check_size,
    default_stamp_place_mm, inspect_pdf,
};
pub use signature::{
    HEIGHT_PX as SIGNATURE_HEIGHT_PX, MAX_INPUT_BYTES as SIGNATURE_MAX_INPUT_BYTES, SignatureImage,
    SignatureRefusal, normalise_signature,
};
pub use world::warm_up;

/// A file an issued document carries (an enclosure, สิ่งที่ส่งมาด้วย):
/// embedded in the PDF as an associated file, which makes it PDF/A-3b.
/// Its bytes reach Typst only as a virtual file; its title only as the
/// JSON string of its description.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The MIME type, taken from the bytes by the caller.
    pub mime: String,
    /// The file name ending, e.g. "pdf".
    pub extension: String,
    /// Shown by PDF readers beside the file: the enclosure's title.
    pub description: String,
    pub bytes: Vec<u8>,
}

/// Where the list of attachments is served (always; empty for most).
const ATTACHMENTS_PATH: &str = "/attachments.json";

/// The Garuda artwork an organisation supplies.
#[derive(Debug, Clone)]
pub struct Emblem {
    pub format: EmblemFormat,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmblemFormat {
    Png,
    Svg,
}

impl Emblem {
    /// Recognises PNG and SVG by their content.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, RenderError> {
        let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            EmblemFormat::Png
        } else if std::str::from_utf8(&bytes[..bytes.len().min(1024)])
            .is_ok_and(|head| head.contains("<svg") || head.trim_start().starts_with("<?xml"))
        {
            EmblemFormat::Svg
        } else {
            return Err(RenderError::Emblem("not a PNG or SVG file".into()));
        };
        Ok(Self { format, bytes })
    }

    fn virtual_path(&self) -> &'static str {
        match self.format {
            EmblemFormat::Png => "/emblem.png",
            EmblemFormat::Svg => "/emblem.svg",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("style.emblem: {0}")]
    Emblem(String),
    /// The templates failed: a defect of saraban, not of the input.
    #[error("typesetting failed: {0}")]
    Typst(String),
    #[error("PDF export failed: {0}")]
    Pdf(String),
    /// A signer or endorsement names a signature image that was not given
    /// (or was given with bytes of another hash).
    #[error("signature image: {0}")]
    Signature(String),
}

/// A typeset document and what the user should know about it.
#[derive(Debug)]
pub struct Typeset {
    pub document: PagedDocument,
    pub warnings: Vec<String>,
    ident: String,
    date: Datetime,
    /// Files are attached: the PDF is PDF/A-3b, not PDF/A-2b.
    attached: bool,
}

impl Typeset {
    pub fn page_count(&self) -> usize {
        self.document.pages().len()
    }

    /// Each page as an SVG image, for previews on screens of any size.
    pub fn svg_pages(&self) -> Vec<String> {
        let options = typst_svg::SvgOptions::default();
        self.document
            .pages()
            .iter()
            .map(|page| typst_svg::svg(page, &options))
            .collect()
    }

    /// The PDF/A-2b file. Deterministic: the same document gives the same
    /// bytes (the approval records hash them).
    pub fn pdf(&self) -> Result<Vec<u8>, RenderError> {
        // PDF/A-2 allows no embedded files but PDF/A ones; PDF/A-3
        // allows any, as associated files. A document without enclosure
        // files stays PDF/A-2b, byte for byte as before.
        let standard = if self.attached {
            PdfStandard::A_3b
        } else {
            PdfStandard::A_2b
        };
        let standards = PdfStandards::new(&[standard])
            .map_err(|e| RenderError::Pdf(e.message().to_string()))?;
        let options = PdfOptions {
            ident: Smart::Custom(self.ident.clone()),
            creator: Smart::Custom(Some("saraban".into())),
            timestamp: Some(Timestamp::new_utc(self.date)),
            standards,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&self.document, &options)
            .map_err(|errors| RenderError::Pdf(messages(&errors)))
    }
}

/// Turns documents into pages. Cheap to clone; one per process is enough.
#[derive(Debug, Clone)]
pub struct Typesetter {
    fonts: Arc<FontSet>,
    replacement: char,
    /// Where Thai lines may break, decided in Rust (`breaks`): the bundled
    /// dictionary, shared, unless the organisation's words are added.
    segmenter: Arc<Segmenter>,
}

impl Default for Typesetter {
    fn default() -> Self {
        Self::new(FontSet::bundled())
    }
}

impl Typesetter {
    pub fn new(fonts: Arc<FontSet>) -> Self {
        let replacement = ['\u{FFFD}', '\u{25A1}', '?']
            .into_iter()
            .find(|c| fonts.covers(*c))
            .unwrap_or('?');
        Self {
            fonts,
            replacement,
            segmenter: Segmenter::bundled(),
        }
    }

    /// The same typesetter, breaking Thai lines with `segmenter` (e.g.
    /// `Segmenter::for_org`, which knows the organisation's names and terms).
    /// Build it once per organisation and share it.
    pub fn with_segmenter(mut self, segmenter: Arc<Segmenter>) -> Self {
        self.segmenter = segmenter;
        self
    }

    /// The same typesetter, its dictionary the bundled one plus `terms`
    /// (names, places, official terms: each split at whitespace, every
    /// piece a word that is never broken). Builds a new dictionary: call it
    /// once per organisation (or when its terms change), not per document.
    pub fn with_terms<S: AsRef<str>>(self, terms: impl IntoIterator<Item = S>) -> Self {
        self.with_segmenter(Arc::new(Segmenter::new(terms)))
    }

    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// The files a document is compiled from, at their paths in the world:
    /// the templates, `/data.json` and any images. Written out, they make a
    /// Typst project that the `typst` CLI compiles to the same pages
    /// (scripts/compare-typst times the two).
    pub fn project_files(
        &self,
        document: &Document,
        emblem: Option<&Emblem>,
    ) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
        let inputs = self.inputs(document, emblem, &[], &[])?;
        let mut out: Vec<(String, Vec<u8>)> = world::TEMPLATES
            .iter()
            .map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec()))
            .collect();
        out.push((world::DATA_PATH.to_owned(), inputs.data));
        out.extend(
            inputs
                .files
                .into_iter()
                .map(|(path, bytes)| (path, bytes.to_vec())),
        );
        Ok(out)
    }

    /// The view as `/data.json`, the images, and the warnings so far.
    fn inputs(
        &self,
        document: &Document,
        emblem: Option<&Emblem>,
        attachments: &[Attachment],
        signatures: &[SignatureImage],
    ) -> Result<Inputs, RenderError> {
        let mut warnings = Vec::new();
        let signature_files = signature_files(document, signatures)?;
        if emblem.is_none() {
            warnings.push(
                "style.emblem: no Garuda artwork given; a placeholder of the official size is drawn".into(),
            );
        }
        let missing = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let fix = |text: &str| -> String {
            text.chars()
                .map(|c| {
                    if c.is_whitespace() || is_invisible(c) || self.fonts.covers(c) {
                        c
                    } else {
                        missing.borrow_mut().insert(c);
                        self.replacement
                    }
                })
                .collect()
        };
        let view = view::build(
            document,
            &self.fonts,
            emblem.map(Emblem::virtual_path),
            &fix,
        );
        let missing = missing.into_inner();
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter()
                .map(|c| format!("U+{:04X}", *c as u32))
                .collect();
            warnings.push(format!(
                "no font has a glyph for {}; printed as '{}'",
                list.join(", "),
                self.replacement
            ));
        }
        // Marking works on the serialised view (see `breaks`).
        let mut data =
            serde_json::to_value(&view).map_err(|e| RenderError::Typst(e.to_string()))?;
        breaks::mark(&mut data, &self.segmenter);
        let data = serde_json::to_vec(&data).map_err(|e| RenderError::Typst(e.to_string()))?;
        let mut files: Vec<(String, Bytes)> = signature_files;
        if let Some(emblem) = emblem {
            files.push((
                emblem.virtual_path().to_owned(),
                Bytes::new(emblem.bytes.clone()),
            ));
        }
        let mut listed = Vec::with_capacity(attachments.len());
        for (i, attachment) in attachments.iter().enumerate() {
            // Paths saraban makes: never a name the user typed.
            let ext: String = attachment
                .extension
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let path = format!("/enclosure-{}.{ext}", i + 1);
            listed.push(serde_json::json!({
                "path": path,
                "mime": attachment.mime,
                "description": attachment.description,
            }));
            files.push((path, Bytes::new(attachment.bytes.clone())));
        }
        files.push((
            ATTACHMENTS_PATH.to_owned(),
            Bytes::new(serde_json::to_vec(&listed).map_err(|e| RenderError::Typst(e.to_string()))?),
        ));
        if let Some(url) = document
            .common()
            .verification
            .as_ref()
            .and_then(|v| v.url.as_ref())
        {
            files.push((view::QR_PATH.to_owned(), Bytes::new(qr_svg(url.as_str())?)));
        }
        Ok(Inputs {
            data,
            files,
            warnings,
        })
    }

    /// Lays out `document`. Without an emblem, a placeholder of the right
    /// size stands in its place and a warning says so.
    pub fn typeset(
        &self,
        document: &Document,
        emblem: Option<&Emblem>,
    ) -> Result<Typeset, RenderError> {
        self.typeset_attached(document, emblem, &[])
    }

    /// Lays out `document` carrying `attachments`, embedded in its PDF
    /// (PDF/A-3b) in their order.
    pub fn typeset_attached(
        &self,
        document: &Document,
        emblem: Option<&Emblem>,
        attachments: &[Attachment],
    ) -> Result<Typeset, RenderError> {
        self.typeset_signed(document, emblem, attachments, &[])
    }

    /// Lays out `document` as `typeset_attached` does, with the handwritten
    /// signatures its signer and endorsements name (`signature_image`)
    /// printed above their names. Each named image must be among
    /// `signatures`; others given are not used.
    pub fn typeset_signed(
        &self,
        document: &Document,
        emblem: Option<&Emblem>,
        attachments: &[Attachment],
        signatures: &[SignatureImage],
    ) -> Result<Typeset, RenderError> {
        let Inputs {
            data,
            files,
            mut warnings,
        } = self.inputs(document, emblem, attachments, signatures)?;
        let world = world::DocumentWorld::new(self.fonts.clone(), data, files);
        let result = typst::compile::<PagedDocument>(&world);
        // Memoised results of old documents only cost memory: keep a few
        // generations, enough for re-rendering one document step by step.
        typst::comemo::evict(10);
        let document_out = result.output.map_err(|errors| {
            let emblem_error = errors
                .iter()
                .any(|e| e.message.contains("image") || e.message.contains("decode"));
            let text = messages(&errors);
            if emblem_error && emblem.is_some() {
                RenderError::Emblem(text)
            } else {
                RenderError::Typst(text)
            }
        })?;
        warnings.extend(result.warnings.iter().map(|w| w.message.to_string()));
        let date = document.date().naive();
        let date = Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
            .ok_or_else(|| RenderError::Pdf("document date out of range".into()))?;
        let ident = match &document.common().id {
            Some(id) => id.as_str().to_owned(),
            None => default_ident(document),
        };
        Ok(Typeset {
            document: breaks::unmark_document(document_out),
            warnings,
            ident,
            date,
            attached: !attachments.is_empty(),
        })
    }
}

/// The signature images `document` names, at the virtual paths the view
/// gives them; an image named but not given, or given with bytes of
/// another hash, is an error rather than a blank space on the page.
fn signature_files(
    document: &Document,
    signatures: &[SignatureImage],
) -> Result<Vec<(String, Bytes)>, RenderError> {
    let mut named: Vec<&str> = vec![];
    named.extend(document.signer().signature_image.as_deref());
    if let Document::Memo(memo) = document {
        named.extend(
            memo.endorsements
                .iter()
                .filter_map(|e| e.signature_image.as_deref()),
        );
    }
    named.sort_unstable();
    named.dedup();
    named
        .into_iter()
        .map(|sha256| {
            let path = view::signature_path(sha256)
                .ok_or_else(|| RenderError::Signature(format!("{sha256:?} is not a SHA-256")))?;
            let image = signatures
                .iter()
                .find(|s| s.sha256 == sha256)
                .ok_or_else(|| RenderError::Signature(format!("{sha256} was not given")))?;
            if saraban_core::enclosure::Sha256::of(&image.png).as_str() != sha256 {
                return Err(RenderError::Signature(format!(
                    "the bytes given for {sha256} have another hash"
                )));
            }
            Ok((path, Bytes::new(image.png.clone())))
        })
        .collect()
}

/// What a document is compiled from.
struct Inputs {
    data: Vec<u8>,
    files: Vec<(String, Bytes)>,
    warnings: Vec<String>,
}

/// A register's page for one year: its headings and rows, already
/// formatted (Thai digits, dates) by the caller.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RegisterPage {
    pub title: String,
    pub subtitle: String,
    /// Column headings: number, subject, date, state.
    pub headers: [String; 4],
    pub rows: Vec<RegisterPageRow>,
    /// The words the template prints: "หน้า", "ยกเลิก", and for no rows.
    pub page_word: String,
    pub cancelled_word: String,
    pub empty: String,
    /// The organisation's ten digits, for page numbers (known only at layout).
    pub digits: [char; 10],
    /// The day the page is printed, recorded in the PDF.
    #[serde(skip)]
    pub printed_on: chrono::NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RegisterPageRow {
    pub number: String,
    pub subject: String,
    pub date: String,
    pub state: String,
    pub cancelled: bool,
}

impl Typesetter {
    /// The register page as a PDF/A-2b file.
    pub fn register_pdf(&self, page: &RegisterPage) -> Result<Vec<u8>, RenderError> {
        let data = serde_json::to_vec(page).map_err(|e| RenderError::Typst(e.to_string()))?;
        let world = world::DocumentWorld::new(self.fonts.clone(), data, Vec::new())
            .with_main("/register.typ");
        let result = typst::compile::<PagedDocument>(&world);
        typst::comemo::evict(10);
        let document = result
            .output
            .map_err(|errors| RenderError::Typst(messages(&errors)))?;
        printed(
            document,
            format!("saraban:register:{}", page.title),
            page.printed_on,
        )
    }
}

/// A page printed on `day` (a register's, not a document's) as PDF/A.
fn printed(
    document: PagedDocument,
    ident: String,
    day: chrono::NaiveDate,
) -> Result<Vec<u8>, RenderError> {
    let typeset = Typeset {
        document,
        warnings: Vec::new(),
        ident,
        attached: false,
        date: Datetime::from_ymd(day.year(), day.month() as u8, day.day() as u8)
            .ok_or_else(|| RenderError::Pdf("print date out of range".into()))?,
    };
    typeset.pdf()
}

/// Zero-width characters legitimately typed in Thai text need no glyph.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// An identity stable for the same document: kind, number or date, subject.
fn default_ident(document: &Document) -> String {
    let number = document
        .register_number()
        .map(|n| n.to_string())
        .unwrap_or_default();
    format!(
        "saraban:{}:{}:{}:{}",
        document.kind(),
        number,
        document.date(),
        document.subject()
    )
}

/// A QR code of `text` as SVG, dark modules on white, with the standard
/// quiet zone; medium error correction survives a worn printout.
fn qr_svg(text: &str) -> Result<Vec<u8>, RenderError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| RenderError::Typst(format!("verification.url: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build()
        .into_bytes())
}

/// Typst's diagnostics as one line of text.
fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}
