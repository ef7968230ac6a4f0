//! The typesetting side of receiving a letter (หนังสือรับ): what an
//! uploaded PDF is, scanned pages made one PDF, the stamped view (every
//! page of the original kept as a PDF page, the receiving stamp, the
//! endorsements, the original's hash), and the receiving register.
//!
//! The original reaches Typst only as a virtual file at a path saraban
//! chose; what users typed, only as strings in `/data.json`.

use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::font::FontData;
use hayro::hayro_syntax::Pdf;
use hayro::hayro_syntax::page::{Page, Rotation};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{RenderCache, RenderSettings};
use saraban_core::enclosure::{self, Limits, MediaType, Refusal, Sha256};
use serde_json::{Value, json};
use typst::foundations::{Bytes, Smart};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::{RenderError, Typesetter, breaks, is_invisible, messages, world};

/// Why an incoming file is refused. `thai_message` is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncomingFileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes, over the limit of {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("the file is not a PDF")]
    NotPdf,
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("the PDF is damaged and cannot be read")]
    Malformed,
    #[error("no scanned page was given")]
    NoImages,
    /// `page` counts from 1, in the order given.
    #[error("scanned page {page} is not a PNG or JPEG image")]
    NotImage { page: usize },
    #[error("scanned page {page} is a damaged image")]
    BadImage { page: usize },
    /// Its header was sound but the picture did not decode.
    #[error("a scanned page is a damaged image")]
    UndecodableImage,
    #[error("the SHA-256 given is not that of the original's bytes")]
    HashMismatch,
}

impl IncomingFileError {
    /// A sentence for the user, in Thai.
    pub fn thai_message(&self) -> String {
        match self {
            Self::Empty => "ไฟล์ว่าง ไม่มีข้อมูล".into(),
            Self::TooLarge { size, limit } => format!(
                "ไฟล์มีขนาด {} เกินกำหนด {}",
                megabytes(*size),
                megabytes(*limit)
            ),
            Self::NotPdf => "ไฟล์นี้ไม่ใช่ PDF".into(),
            Self::Encrypted => {
                "PDF นี้เข้ารหัสหรือตั้งรหัสผ่านไว้ ระบบเก็บไว้ให้เปิดอ่านได้ตลอดไปไม่ได้ โปรดส่งฉบับที่ไม่เข้ารหัส".into()
            }
            Self::Malformed => "PDF นี้เสียหายหรืออ่านไม่ได้".into(),
            Self::NoImages => "ไม่มีภาพสแกนสักหน้า".into(),
            Self::NotImage { page } => format!("ภาพสแกนหน้าที่ {page} ไม่ใช่ไฟล์ภาพ PNG หรือ JPEG"),
            Self::BadImage { page } => format!("ภาพสแกนหน้าที่ {page} เสียหาย อ่านไม่ได้"),
            Self::UndecodableImage => "ภาพสแกนบางหน้าเสียหาย อ่านไม่ได้".into(),
            Self::HashMismatch => "ค่า SHA-256 ที่ให้มาไม่ตรงกับไฟล์ต้นฉบับ".into(),
        }
    }
}

fn megabytes(bytes: u64) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

/// Refuses a file larger than `limit` bytes; the caller owns the limits.
pub fn check_size(size: u64, limit: u64) -> Result<(), IncomingFileError> {
    if size > limit {
        Err(IncomingFileError::TooLarge { size, limit })
    } else {
        Ok(())
    }
}

/// A refusal of the file, or a failure of saraban's own typesetting.
#[derive(Debug, thiserror::Error)]
pub enum IncomingError {
    #[error(transparent)]
    File(#[from] IncomingFileError),
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl IncomingError {
    pub fn thai_message(&self) -> String {
        match self {
            Self::File(e) => e.thai_message(),
            Self::Render(_) => "จัดทำ PDF ไม่สำเร็จ เป็นข้อขัดข้องของระบบ ไม่ใช่ของไฟล์".into(),
        }
    }
}

/// One page as a reader shows it: its size after its rotation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageFacts {
    pub width_pt: f32,
    pub height_pt: f32,
    /// The page's /Rotate, clockwise: 0, 90, 180 or 270.
    pub rotation: u16,
}

impl PageFacts {
    pub fn landscape(&self) -> bool {
        self.width_pt > self.height_pt
    }
}

/// What an incoming PDF is.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfFacts {
    pub pages: Vec<PageFacts>,
}

impl PdfFacts {
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

/// Refuses an empty file, one that is not a PDF (told from its bytes), an
/// encrypted PDF (even one that opens without a password: an archive must
/// read it forever) and one that does not parse; otherwise its pages.
pub fn inspect_pdf(bytes: &[u8]) -> Result<PdfFacts, IncomingFileError> {
    open_pdf(bytes).map(|pdf| facts(&pdf))
}

/// The same rules as an enclosure's (`saraban_core::enclosure`), then
/// the document opened for its pages.
fn open_pdf(bytes: &[u8]) -> Result<Pdf, IncomingFileError> {
    let unlimited = Limits {
        file: u64::MAX,
        document: u64::MAX,
    };
    match enclosure::check(bytes, &unlimited) {
        Ok(MediaType::Pdf) => {}
        Err(Refusal::Empty) => return Err(IncomingFileError::Empty),
        Err(Refusal::EncryptedPdf) => return Err(IncomingFileError::Encrypted),
        Err(Refusal::MalformedPdf) => return Err(IncomingFileError::Malformed),
        Ok(_) | Err(_) => return Err(IncomingFileError::NotPdf),
    }
    let pdf = Pdf::new(Arc::new(bytes.to_vec())).map_err(|_| IncomingFileError::Malformed)?;
    if pdf.pages().is_empty() {
        return Err(IncomingFileError::Malformed);
    }
    Ok(pdf)
}

fn facts(pdf: &Pdf) -> PdfFacts {
    PdfFacts {
        pages: pdf.pages().iter().map(page_facts).collect(),
    }
}

fn page_facts(page: &Page<'_>) -> PageFacts {
    let (width_pt, height_pt) = page.render_dimensions();
    let rotation = match page.rotation() {
        Rotation::None => 0,
        Rotation::Horizontal => 90,
        Rotation::Flipped => 180,
        Rotation::FlippedHorizontal => 270,
    };
    PageFacts {
        width_pt,
        height_pt,
        rotation,
    }
}

/// The receiving stamp (ตรารับหนังสือ), its fields formatted by the caller.
#[derive(Debug, Clone)]
pub struct ReceivingStamp {
    pub organisation: String,
    /// เลขรับ in the organisation's digits, e.g. "๑๒" or "๑๒/๒๕๖๙".
    pub number: String,
    /// e.g. "๒๖ พ.ย. ๒๕๖๙".
    pub date: String,
    /// e.g. "๑๔.๓๐ น.".
    pub time: String,
    /// The stamp's top-left corner, mm from page 1's top-left, kept inside
    /// the page; `None` puts it at the top right.
    pub position_mm: Option<(f64, f64)>,
    /// The letter's own ที่ and เรื่อง as one line, heading the endorsement
    /// sheet (ใบเกษียณ) when there is one; may be empty.
    pub letter_reference: String,
}

/// An endorsement (เกษียณหนังสือ) written on the letter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EndorsementNote {
    /// May hold several lines.
    pub text: String,
    pub name: String,
    pub position: String,
    /// Formatted by the caller, e.g. "๒๖ พ.ย. ๖๙".
    pub date: String,
}

const MM: f64 = 72.0 / 25.4;
/// The stamp's nominal size, for placing it and keeping its room.
pub const STAMP_W_MM: f64 = 50.0;
pub const STAMP_H_MM: f64 = 25.0;
/// Where the stamp goes unless placed: this far from the top and the
/// right edge of page 1.
pub const STAMP_INSET_MM: f64 = 10.0;

/// The stamp's default place on a page `width_mm` wide, in mm from the
/// top left, as the stamped view puts it.
pub fn default_stamp_place_mm(width_mm: f64) -> (f64, f64) {
    (
        (width_mm - STAMP_W_MM - STAMP_INSET_MM).max(0.0),
        STAMP_INSET_MM,
    )
}
/// Room kept at the foot of page 1 for the hash line.
const FOOT_MM: f64 = 12.0;
/// Room kept at the top of page 1 above any endorsement.
const HEAD_MM: f64 = 10.0;
/// Endorsements keep this far from the page's sides.
const SIDE_MM: f64 = 20.0;
/// Pixels per point when page 1 is rasterised to look for room:
/// one pixel is 1.4 mm, enough to see a line of text.
const SCAN_SCALE: f32 = 0.25;
/// A pixel darker than this (any channel, of 255) is ink.
const INK_BELOW: u8 = 235;
/// Blank bands thinner than this are not worth writing in.
const MIN_BAND_MM: f64 = 15.0;

/// Where the stamp goes on a page of `width` × `height` points.
fn stamp_origin(position_mm: Option<(f64, f64)>, width: f64, height: f64) -> (f64, f64) {
    let (w, h) = (STAMP_W_MM * MM, STAMP_H_MM * MM);
    let (x, y) = match position_mm {
        Some((x, y)) if x.is_finite() && y.is_finite() => (x * MM, y * MM),
        _ => {
            let (x, y) = default_stamp_place_mm(width / MM);
            (x * MM, y * MM)
        }
    };
    (
        x.clamp(0.0, (width - w).max(0.0)),
        y.clamp(0.0, (height - h).max(0.0)),
    )
}

/// A blank band of page 1, in points from its top-left.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Band {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

/// The tallest band of page 1 with no ink across the page's width, clear
/// of the stamp, the top margin and the hash line: page 1 rasterised at
/// low resolution and read row by row. A scan's grey paper has no blank
/// rows, so its endorsements go to the sheet.
fn free_band(page: &Page<'_>, fallback_font: Option<Bytes>, stamp_y: f64) -> Option<Band> {
    let resolver_font = fallback_font.clone();
    let settings = InterpreterSettings {
        // Fonts the PDF does not embed are drawn with one of ours: the
        // shapes differ, but the ink falls where the text is.
        font_resolver: Arc::new(move |_| {
            resolver_font
                .clone()
                .map(|font| (Arc::new(font) as FontData, 0))
        }),
        ..InterpreterSettings::default()
    };
    let pixmap = hayro::render(
        page,
        &RenderCache::new(),
        &settings,
        &RenderSettings {
            x_scale: SCAN_SCALE,
            y_scale: SCAN_SCALE,
            bg_color: WHITE,
            ..RenderSettings::default()
        },
    );
    let (width, height) = (usize::from(pixmap.width()), usize::from(pixmap.height()));
    let scale = f64::from(SCAN_SCALE);
    let px = |mm: f64| (mm * MM * scale).round() as usize;
    let edge = px(3.0).min(width / 2);
    let pixels = pixmap.data_as_u8_slice();
    let blank = |row: usize| {
        pixels[(row * width + edge) * 4..(row * width + width - edge) * 4]
            .chunks_exact(4)
            .all(|p| p[0] >= INK_BELOW && p[1] >= INK_BELOW && p[2] >= INK_BELOW)
    };
    let stamp_rows = px(stamp_y / MM)..px(stamp_y / MM + STAMP_H_MM + 3.0);
    let usable = px(HEAD_MM)..height.saturating_sub(px(FOOT_MM));
    let (mut best, mut run_start) = (0..0, None);
    for row in usable.clone() {
        let free = blank(row) && !stamp_rows.contains(&row);
        match (free, run_start) {
            (true, None) => run_start = Some(row),
            (false, Some(start)) => {
                if row - start > best.len() {
                    best = start..row;
                }
                run_start = None;
            }
            _ => {}
        }
    }
    if let Some(start) = run_start
        && usable.end - start > best.len()
    {
        best = start..usable.end;
    }
    // A little air between the letter and the notes.
    let pad = 3.0 * MM;
    let top = best.start as f64 / scale + pad;
    let band_height = best.len() as f64 / scale - 2.0 * pad;
    let page_width = width as f64 / scale;
    (band_height >= MIN_BAND_MM * MM && page_width > 2.0 * SIDE_MM * MM).then_some(Band {
        x: SIDE_MM * MM,
        y: top,
        width: page_width - 2.0 * SIDE_MM * MM,
        height: band_height,
    })
}

/// A PNG with its header chunk, or a JPEG with a frame header: the image
/// kinds scanners write, told from the bytes.
fn check_scan(bytes: &[u8], page: usize) -> Result<&'static str, IncomingFileError> {
    match enclosure::sniff(bytes) {
        Some(MediaType::Png) => {
            let sized = bytes.len() >= 33
                && &bytes[12..16] == b"IHDR"
                && bytes[16..20] != [0; 4]
                && bytes[20..24] != [0; 4];
            if sized {
                Ok("png")
            } else {
                Err(IncomingFileError::BadImage { page })
            }
        }
        Some(MediaType::Jpeg) => {
            if jpeg_has_frame(bytes) {
                Ok("jpg")
            } else {
                Err(IncomingFileError::BadImage { page })
            }
        }
        _ => Err(IncomingFileError::NotImage { page }),
    }
}

/// Walks a JPEG's segments to a start-of-frame with a non-zero size.
fn jpeg_has_frame(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            return bytes
                .get(at + 5..at + 9)
                .is_some_and(|s| s[0..2] != [0, 0] && s[2..4] != [0, 0]);
        }
        if marker == 0xDA || length < 2 {
            return false;
        }
        at += 2 + length;
    }
    false
}

/// The receiving register (ทะเบียนหนังสือรับ) of one B.E. year, every
/// string formatted by the caller.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReceivingRegisterPage {
    pub organisation: String,
    /// The unit (กอง) keeping its own register, if any.
    pub unit: Option<String>,
    /// The B.E. year in the organisation's digits, e.g. "๒๕๖๙".
    pub year: String,
    pub rows: Vec<ReceivingRegisterRow>,
    /// The organisation's ten digits, for page numbers.
    #[serde(skip)]
    pub digits: [char; 10],
    /// The day the page is printed, recorded in the PDF.
    #[serde(skip)]
    pub printed_on: chrono::NaiveDate,
}

/// One letter in the register, under the regulation's columns.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReceivingRegisterRow {
    /// เลขทะเบียนรับ.
    pub number: String,
    /// ที่: the sender's number as typed.
    pub reference: String,
    /// ลงวันที่.
    pub dated: String,
    /// จาก.
    pub from: String,
    /// ถึง.
    pub to: String,
    /// เรื่อง.
    pub subject: String,
    /// การปฏิบัติ.
    pub action: String,
    /// หมายเหตุ.
    pub remark: String,
}

impl Typesetter {
    /// Scanned pages (PNG or JPEG, told from the bytes) as one PDF, one
    /// image per A4 page in the order given, fitted to the page (landscape
    /// for a wider-than-tall image). A plain PDF: PDF/A needs a date this
    /// call is not given.
    pub fn scans_to_pdf(&self, images: &[Vec<u8>]) -> Result<Vec<u8>, IncomingError> {
        if images.is_empty() {
            return Err(IncomingFileError::NoImages.into());
        }
        let mut files = Vec::with_capacity(images.len());
        let mut paths = Vec::with_capacity(images.len());
        for (i, bytes) in images.iter().enumerate() {
            if bytes.is_empty() {
                return Err(IncomingFileError::Empty.into());
            }
            let extension = check_scan(bytes, i + 1)?;
            let path = format!("/scan-{}.{extension}", i + 1);
            files.push((path.clone(), Bytes::new(bytes.clone())));
            paths.push(path);
        }
        let data = json!({
            "kind": "scans",
            "title": "ภาพสแกนหนังสือรับ",
            "segmented": false,
            "sha256": "",
            "text": {},
            "scans": paths,
        });
        let document = self.compile_incoming(&data, files).map_err(|e| match e {
            // The headers were sound but the picture did not decode.
            RenderError::Typst(m) if m.contains("decode") => {
                IncomingError::File(IncomingFileError::UndecodableImage)
            }
            e => e.into(),
        })?;
        Ok(plain_pdf(&document, "saraban:scans")?)
    }

    /// The stamped view of an incoming letter: every page of the original
    /// kept as it is shown (size, orientation, vector content and text),
    /// the receiving stamp on page 1, the endorsements in page 1's blank
    /// room if they fit there, otherwise on a sheet after the last page,
    /// and the original's SHA-256 at the foot of page 1.
    ///
    /// A plain PDF, not PDF/A: PDF/A-2 forbids embedding a PDF page (krilla
    /// refuses it), and the original is kept byte for byte beside it.
    pub fn stamp_incoming(
        &self,
        original_pdf: &[u8],
        stamp: &ReceivingStamp,
        notes: &[EndorsementNote],
        original_sha256_hex: &str,
    ) -> Result<Vec<u8>, IncomingError> {
        if Sha256::of(original_pdf).as_str() != original_sha256_hex {
            return Err(IncomingFileError::HashMismatch.into());
        }
        let pdf = open_pdf(original_pdf)?;
        let pages = facts(&pdf).pages;
        let first = pages[0];
        let (stamp_x, stamp_y) = stamp_origin(
            stamp.position_mm,
            f64::from(first.width_pt),
            f64::from(first.height_pt),
        );
        let band = if notes.is_empty() {
            None
        } else {
            let font = self.fonts.font(0).map(|f| f.data().clone());
            free_band(&pdf.pages()[0], font, stamp_y)
        };
        let mut text = json!({
            "stamp": {
                "organisation": stamp.organisation,
                "number": stamp.number,
                "date": stamp.date,
                "time": stamp.time,
            },
            "reference": stamp.letter_reference,
            "notes": notes,
        });
        self.cover(&mut text);
        breaks::mark(&mut text, &self.segmenter);
        let data = json!({
            "kind": "stamped",
            "title": format!("หนังสือรับที่ {}", stamp.number),
            "segmented": true,
            "original": ORIGINAL_PATH,
            "sha256": original_sha256_hex,
            "pages": pages
                .iter()
                .map(|p| json!({"width": p.width_pt, "height": p.height_pt}))
                .collect::<Vec<_>>(),
            "stamp": {"x": stamp_x, "y": stamp_y},
            "band": band.map(|b| json!({"x": b.x, "y": b.y, "width": b.width, "height": b.height})),
            "text": text,
        });
        let files = vec![(ORIGINAL_PATH.to_owned(), Bytes::new(original_pdf.to_vec()))];
        let document = self.compile_incoming(&data, files)?;
        Ok(plain_pdf(
            &document,
            &format!("saraban:incoming:{original_sha256_hex}"),
        )?)
    }

    /// The receiving register as a PDF/A-2b file, landscape A4.
    pub fn receiving_register_pdf(
        &self,
        page: &ReceivingRegisterPage,
    ) -> Result<Vec<u8>, RenderError> {
        let mut text = serde_json::to_value(page).map_err(|e| RenderError::Typst(e.to_string()))?;
        self.cover(&mut text);
        breaks::mark(&mut text, &self.segmenter);
        let data = json!({
            "title": format!("ทะเบียนหนังสือรับ {} {}", page.organisation, page.year),
            "segmented": true,
            "digits": page.digits.iter().map(char::to_string).collect::<Vec<_>>(),
            "text": text,
        });
        let document = self.compile(&data, Vec::new(), "/receiving-register.typ")?;
        crate::printed(
            document,
            format!(
                "saraban:receiving-register:{}:{}:{}",
                page.organisation,
                page.unit.as_deref().unwrap_or(""),
                page.year
            ),
            page.printed_on,
        )
    }

    fn compile_incoming(
        &self,
        data: &Value,
        files: Vec<(String, Bytes)>,
    ) -> Result<PagedDocument, RenderError> {
        self.compile(data, files, "/incoming.typ")
    }

    fn compile(
        &self,
        data: &Value,
        files: Vec<(String, Bytes)>,
        main: &str,
    ) -> Result<PagedDocument, RenderError> {
        let data = serde_json::to_vec(data).map_err(|e| RenderError::Typst(e.to_string()))?;
        let world = world::DocumentWorld::new(self.fonts.clone(), data, files).with_main(main);
        let result = typst::compile::<PagedDocument>(&world);
        typst::comemo::evict(10);
        let document = result
            .output
            .map_err(|errors| RenderError::Typst(messages(&errors)))?;
        Ok(breaks::unmark_document(document))
    }

    /// Characters no font has become the replacement character, as in
    /// documents: PDF/A refuses a missing glyph.
    fn cover(&self, value: &mut Value) {
        let printable = |c: char| c.is_whitespace() || is_invisible(c) || self.fonts.covers(c);
        match value {
            Value::String(s) if !s.chars().all(printable) => {
                *s = s
                    .chars()
                    .map(|c| if printable(c) { c } else { self.replacement })
                    .collect();
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.cover(v)),
            Value::Object(fields) => fields.values_mut().for_each(|v| self.cover(v)),
            _ => {}
        }
    }
}

/// Where the original is served to the template.
const ORIGINAL_PATH: &str = "/original.pdf";

/// A PDF without a standard: deterministic, no date.
fn plain_pdf(document: &PagedDocument, ident: &str) -> Result<Vec<u8>, RenderError> {
    let options = PdfOptions {
        ident: Smart::Custom(ident.to_owned()),
        creator: Smart::Custom(Some("saraban".into())),
        timestamp: None,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(document, &options).map_err(|errors| RenderError::Pdf(messages(&errors)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_stays_inside_the_page() {
        let (w, h) = (595.0, 842.0);
        let (x, y) = stamp_origin(None, w, h);
        assert!((x - (w - 60.0 * MM)).abs() < 1e-6 && (y - 10.0 * MM).abs() < 1e-6);
        let (x, y) = stamp_origin(Some((500.0, -4.0)), w, h);
        assert!((x - (w - STAMP_W_MM * MM)).abs() < 1e-6 && y == 0.0);
        assert_eq!(
            stamp_origin(Some((f64::NAN, 1.0)), w, h),
            stamp_origin(None, w, h)
        );
    }

    #[test]
    fn scans_are_told_by_their_bytes() {
        assert_eq!(
            check_scan(b"%PDF-1.7 whatever", 2),
            Err(IncomingFileError::NotImage { page: 2 })
        );
        assert_eq!(
            check_scan(b"\xFF\xD8\xFF\xE0\x00\x02", 1),
            Err(IncomingFileError::BadImage { page: 1 })
        );
        // SOI, a frame header of 8 × 16, then the scan.
        let jpeg = b"\xFF\xD8\xFF\xC0\x00\x11\x08\x00\x10\x00\x08\x03";
        assert_eq!(check_scan(jpeg, 1), Ok("jpg"));
    }
}
