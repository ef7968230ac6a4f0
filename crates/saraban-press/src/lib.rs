//! Typesets what the store composes. The store persists and composes, and
//! knows no typesetter; this crate brings Typst to it: the `Press` it
//! prints issued documents with, and the PDFs and page images the API and
//! the web pages ask for. Typesetting runs off the async threads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use saraban_core::{Document, DocumentId, OrgId};
use saraban_store::{Composed, PressError, Result, ScanFailure, StampedView, Store, StoreError};
use saraban_typeset::{Attachment, Emblem, RegisterPage, SignatureImage, Typeset, Typesetter};
use saraban_typeset::{EndorsementNote, IncomingError, ReceivingStamp};
pub use saraban_typeset::{ReceivingRegisterPage, ReceivingRegisterRow};

/// How many organisations' dictionaries are kept built; past that the
/// cache starts again (a deployment serves many, each renders often).
const DICTIONARIES_KEPT: usize = 256;

/// Saraban's typesetter as the store's press. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct TypstPress {
    typesetter: Typesetter,
    /// A typesetter per organisation's words (its names, titles and
    /// terms), built once: a dictionary takes longer to build than a page.
    by_words: Arc<Mutex<HashMap<Vec<String>, Typesetter>>>,
}

impl TypstPress {
    pub fn new(typesetter: Typesetter) -> Self {
        TypstPress {
            typesetter,
            by_words: Arc::default(),
        }
    }

    /// The typesetter whose dictionary holds `words` as well.
    fn typesetter_for(&self, words: &[String]) -> Typesetter {
        if words.is_empty() {
            return self.typesetter.clone();
        }
        let mut cache = self.by_words.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(typesetter) = cache.get(words) {
            return typesetter.clone();
        }
        if cache.len() >= DICTIONARIES_KEPT {
            cache.clear();
        }
        let typesetter = self.typesetter.clone().with_terms(words);
        cache.insert(words.to_vec(), typesetter.clone());
        typesetter
    }

    /// The store, printing issued documents with this press.
    pub fn attach(&self, store: Store) -> Store {
        store.with_press(Arc::new(self.clone()))
    }

    /// The issued PDF, byte for byte; before issue (or for an older
    /// version), the document as it stands, typeset now.
    pub async fn pdf(
        &self,
        store: &Store,
        org: &OrgId,
        id: &DocumentId,
        version: Option<i64>,
    ) -> Result<Vec<u8>> {
        if version.is_none()
            && let Some(pdf) = store.issued_pdf(org, id).await?
        {
            return Ok(pdf);
        }
        let composed = store.composed(org, id, version).await?;
        self.typeset_with(composed, |typeset| {
            typeset.pdf().map_err(StoreError::render)
        })
        .await
    }

    /// The document as it stands, one SVG image per page, and the pages of
    /// the PDF files it names as enclosures, from the one reading of it.
    pub async fn page_images(
        &self,
        store: &Store,
        org: &OrgId,
        id: &DocumentId,
    ) -> Result<DocumentImages> {
        let composed = store.composed(org, id, None).await?;
        let enclosures = self.enclosure_images(store, org, &composed.document).await;
        let pages = self
            .typeset_with(composed, |typeset| Ok(typeset.svg_pages()))
            .await?;
        Ok(DocumentImages { pages, enclosures })
    }

    /// A draft's pages before it is stored, as the live preview shows them.
    pub async fn draft_images(
        &self,
        store: &Store,
        org: &OrgId,
        draft: Document,
    ) -> Result<Vec<String>> {
        let composed = store.compose_draft(org, draft).await?;
        self.typeset_with(composed, |typeset| Ok(typeset.svg_pages()))
            .await
    }

    /// The pages of each PDF enclosure `document` names, drawn as SVG: what
    /// the live preview and the document page show after its own pages, so
    /// a reviewer reads what is attached without opening it. At most
    /// `ENCLOSURE_PREVIEW_PAGES` of each; a PDF that cannot be drawn shows
    /// none.
    pub async fn enclosure_images(
        &self,
        store: &Store,
        org: &OrgId,
        document: &Document,
    ) -> Result<Vec<EnclosurePages>> {
        let files = store.pdf_enclosures(org, document).await?;
        if files.is_empty() {
            return Ok(Vec::new());
        }
        tokio::task::spawn_blocking(move || {
            files
                .into_iter()
                .map(|file| {
                    let (svgs, pages) = pdf_page_svgs(file.bytes, ENCLOSURE_PREVIEW_PAGES);
                    EnclosurePages {
                        title: file.title,
                        svgs,
                        pages,
                    }
                })
                .collect()
        })
        .await
        .map_err(StoreError::render)
    }

    /// The printable page of a register's year, typeset like the documents.
    pub async fn register_pdf(&self, page: RegisterPage) -> Result<Vec<u8>> {
        let typesetter = self.typesetter.clone();
        tokio::task::spawn_blocking(move || {
            typesetter.register_pdf(&page).map_err(StoreError::render)
        })
        .await
        .map_err(StoreError::render)?
    }

    /// A destruction list (บัญชีหนังสือขอทำลาย) in its official columns.
    pub async fn destruction_list_pdf(
        &self,
        page: saraban_typeset::DestructionListPage,
    ) -> Result<Vec<u8>> {
        let typesetter = self.typesetter.clone();
        tokio::task::spawn_blocking(move || {
            typesetter
                .destruction_list_pdf(&page)
                .map_err(StoreError::render)
        })
        .await
        .map_err(StoreError::render)?
    }

    /// The receiving register's printable pages.
    pub async fn receiving_register_pdf(&self, page: ReceivingRegisterPage) -> Result<Vec<u8>> {
        let typesetter = self.typesetter.clone();
        tokio::task::spawn_blocking(move || {
            typesetter
                .receiving_register_pdf(&page)
                .map_err(StoreError::render)
        })
        .await
        .map_err(StoreError::render)?
    }

    /// The first page of a PDF (a stamped view) as one SVG image, with
    /// its size in points as shown; none if the PDF cannot be read.
    pub async fn first_page_svg(&self, pdf: Vec<u8>) -> Option<FirstPage> {
        tokio::task::spawn_blocking(move || first_page_svg(pdf))
            .await
            .ok()
            .flatten()
    }

    async fn typeset_with<T: Send + 'static>(
        &self,
        composed: Composed,
        output: fn(&Typeset) -> Result<T>,
    ) -> Result<T> {
        let press = self.clone();
        tokio::task::spawn_blocking(move || {
            // Building a dictionary blocks too.
            let typesetter = press.typesetter_for(&composed.words);
            let typeset = typeset(&typesetter, &composed).map_err(StoreError::render)?;
            output(&typeset)
        })
        .await
        .map_err(StoreError::render)?
    }
}

fn typeset(
    typesetter: &Typesetter,
    composed: &Composed,
) -> std::result::Result<Typeset, PressError> {
    let emblem = composed
        .emblem
        .clone()
        .map(Emblem::from_bytes)
        .transpose()?;
    let attachments: Vec<Attachment> = composed
        .files
        .iter()
        .map(|file| Attachment {
            mime: file.media_type.mime().to_owned(),
            extension: file.media_type.extension().to_owned(),
            description: file.title.clone(),
            bytes: file.bytes.clone(),
        })
        .collect();
    let signatures: Vec<SignatureImage> = composed
        .signatures
        .iter()
        .map(|(sha256, png)| kept_signature(sha256, png))
        .collect();
    Ok(typesetter.typeset_signed(
        &composed.document,
        emblem.as_ref(),
        &attachments,
        &signatures,
    )?)
}

/// A signature image as the store keeps it (normalised when registered):
/// its size is its PNG header's.
fn kept_signature(sha256: &str, png: &[u8]) -> SignatureImage {
    let be = |at: usize| {
        png.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_be_bytes)
    };
    SignatureImage {
        png: png.to_vec(),
        sha256: sha256.to_owned(),
        width_px: be(16),
        height_px: be(20),
    }
}

impl saraban_store::Press for TypstPress {
    fn print(&self, composed: &Composed) -> std::result::Result<Vec<u8>, PressError> {
        Ok(typeset(&self.typesetter_for(&composed.words), composed)?.pdf()?)
    }

    fn scans_to_pdf(&self, images: &[Vec<u8>]) -> std::result::Result<Vec<u8>, ScanFailure> {
        self.typesetter.scans_to_pdf(images).map_err(scan_failure)
    }

    fn stamp(&self, view: &StampedView) -> std::result::Result<Vec<u8>, PressError> {
        stamp_with(&self.typesetter_for(&view.words), view)
    }
}

/// A document's pages and its PDF enclosures' pages, which may fail on
/// their own (the document's pages still show).
#[derive(Debug)]
pub struct DocumentImages {
    pub pages: Vec<String>,
    pub enclosures: Result<Vec<EnclosurePages>>,
}

/// How many pages of each PDF enclosure a preview draws.
pub const ENCLOSURE_PREVIEW_PAGES: usize = 10;

/// A PDF enclosure's first pages as SVG, and how many pages it has.
#[derive(Debug, Clone)]
pub struct EnclosurePages {
    pub title: String,
    pub svgs: Vec<String>,
    pub pages: usize,
}

/// The first `most` pages of `pdf` as SVG, and its page count (none of
/// either for a PDF that cannot be read).
fn pdf_page_svgs(pdf: Vec<u8>, most: usize) -> (Vec<String>, usize) {
    use hayro_svg::hayro_interpret::InterpreterSettings;
    let Ok(pdf) = hayro_svg::hayro_syntax::Pdf::new(Arc::new(pdf)) else {
        return (Vec::new(), 0);
    };
    let cache = hayro_svg::RenderCache::new();
    let settings = hayro_svg::SvgRenderSettings {
        bg_color: [255, 255, 255, 255],
    };
    let pages = pdf.pages();
    let svgs = pages
        .iter()
        .take(most)
        .map(|page| hayro_svg::convert(page, &cache, &InterpreterSettings::default(), &settings))
        .collect();
    (svgs, pages.len())
}

/// A PDF's first page drawn as SVG, and its size in points.
#[derive(Debug, Clone)]
pub struct FirstPage {
    pub svg: String,
    pub width_pt: f64,
    pub height_pt: f64,
}

fn first_page_svg(pdf: Vec<u8>) -> Option<FirstPage> {
    use hayro_svg::hayro_interpret::InterpreterSettings;
    let pdf = hayro_svg::hayro_syntax::Pdf::new(Arc::new(pdf)).ok()?;
    let page = pdf.pages().first()?;
    let (width, height) = page.render_dimensions();
    let svg = hayro_svg::convert(
        page,
        &hayro_svg::RenderCache::new(),
        &InterpreterSettings::default(),
        &hayro_svg::SvgRenderSettings {
            bg_color: [255, 255, 255, 255],
        },
    );
    Some(FirstPage {
        svg,
        width_pt: f64::from(width),
        height_pt: f64::from(height),
    })
}

/// A refusal of the images is the sender's; anything else is ours.
pub fn scan_failure(error: IncomingError) -> ScanFailure {
    match error {
        IncomingError::File(refusal) => ScanFailure::Refused(refusal.thai_message()),
        error => ScanFailure::Failed(Box::new(error)),
    }
}

/// The stamped view of a received letter, by `typesetter`.
pub fn stamp_with(
    typesetter: &Typesetter,
    view: &StampedView,
) -> std::result::Result<Vec<u8>, PressError> {
    let stamp = ReceivingStamp {
        organisation: view.organisation.clone(),
        number: view.number.clone(),
        date: view.date.clone(),
        time: view.time.clone(),
        position_mm: view.position_mm,
        letter_reference: view.letter_reference.clone(),
    };
    let notes: Vec<EndorsementNote> = view
        .notes
        .iter()
        .map(|note| EndorsementNote {
            text: note.text.clone(),
            name: note.name.clone(),
            position: note.position.clone(),
            date: note.date.clone(),
        })
        .collect();
    Ok(typesetter.stamp_incoming(&view.original, &stamp, &notes, &view.sha256)?)
}
