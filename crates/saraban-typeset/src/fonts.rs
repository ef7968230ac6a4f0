//! Fonts: Sarabun compiled in, a few fallbacks for what Sarabun lacks, and
//! optionally an organisation's own Thai fonts. Also the size calibration
//! that makes any Thai font print as large as TH Sarabun PSK does.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;

/// Sarabun (OFL-1.1, licence in typst-templates/fonts/OFL.txt).
static SARABUN: [&[u8]; 4] = [
    include_bytes!("../../../typst-templates/fonts/Sarabun_400Regular.ttf"),
    include_bytes!("../../../typst-templates/fonts/Sarabun_700Bold.ttf"),
    include_bytes!("../../../typst-templates/fonts/Sarabun_400Regular_Italic.ttf"),
    include_bytes!("../../../typst-templates/fonts/Sarabun_700Bold_Italic.ttf"),
];

/// The family the templates ask for unless an organisation brings its own.
pub const DEFAULT_FAMILY: &str = "Sarabun";

/// Height of the Thai consonant ก above the baseline in TH Sarabun New /
/// TH Sarabun PSK, in em. Measured on Laksaman, TLWG's copy of TH Sarabun
/// New whose glyphs were scaled up by exactly 150.42% (its changelog):
/// 0.602 em / 1.5042.
pub const TH_SARABUN_KO_HEIGHT_EM: f64 = 0.4002;

/// Single line spacing of TH Sarabun New as word processors set it
/// (usWinAscent + usWinDescent), in em; Laksaman's 1.957 / 1.5042.
pub const TH_SARABUN_LINE_EM: f64 = 1.301;

/// The fonts a typesetter may use, in the order Typst falls back through.
///
/// Compiled-in fonts are described by metadata computed ahead of time
/// (`bundled-fonts.json`) and parsed only when Typst first asks for one:
/// most documents use two of the 23 bundled faces, and parsing them all
/// would cost every process a few milliseconds before its first page.
#[derive(Debug)]
pub struct FontSet {
    slots: Vec<Slot>,
    pub(crate) book: LazyHash<FontBook>,
    /// The family the body is set in.
    pub family: String,
    /// Point size that gives this family the body size of TH Sarabun PSK at
    /// 1 pt: multiply an official size ("16 pt") by it.
    pub scale: f64,
}

/// One face: where its bytes are, and the font once parsed.
#[derive(Debug)]
struct Slot {
    data: Bytes,
    index: u32,
    font: OnceLock<Option<Font>>,
}

impl Slot {
    fn parsed(font: Font) -> Self {
        Self {
            data: font.data().clone(),
            index: font.index(),
            font: OnceLock::from(Some(font)),
        }
    }
}

/// The font files compiled in: Sarabun, then Typst's own fonts as
/// fallbacks for Latin, Greek, Cyrillic and symbols Sarabun lacks.
fn bundled_files() -> impl Iterator<Item = &'static [u8]> {
    SARABUN.iter().copied().chain(typst_assets::fonts())
}

/// The metadata of one compiled-in face, as `bundled-fonts.json` keeps it.
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
struct BundledFace {
    /// Position in `bundled_files`.
    file: usize,
    /// Face in that file (collections hold several).
    index: u32,
    info: FontInfo,
}

/// Every compiled-in face, parsed: what `bundled-fonts.json` is made from.
#[cfg(test)]
fn parse_bundled() -> Vec<BundledFace> {
    bundled_files()
        .enumerate()
        .flat_map(|(file, data)| {
            Font::iter(Bytes::new(data)).map(move |font| BundledFace {
                file,
                index: font.index(),
                info: font.info().clone(),
            })
        })
        .collect()
}

/// The compiled-in faces, unparsed, with their metadata.
fn bundled_slots() -> (Vec<Slot>, Vec<FontInfo>) {
    let files: Vec<&'static [u8]> = bundled_files().collect();
    let faces: Vec<BundledFace> = serde_json::from_str(include_str!("bundled-fonts.json"))
        .expect("bundled-fonts.json is valid (see the test bundled_metadata_is_current)");
    faces
        .into_iter()
        .map(|face| {
            let slot = Slot {
                data: Bytes::new(files[face.file]),
                index: face.index,
                font: OnceLock::new(),
            };
            (slot, face.info)
        })
        .unzip()
}

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("font_dir: cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("font_dir: no font files (.ttf, .otf, .ttc) in {0}")]
    Empty(String),
    #[error("font_family: no font of family '{family}' found; found: {found}")]
    MissingFamily { family: String, found: String },
    #[error("font_family: '{0}' has no Thai letter ก, so it cannot set Thai documents")]
    NotThai(String),
}

impl FontSet {
    /// Sarabun and the fallbacks, all compiled in.
    pub fn bundled() -> Arc<FontSet> {
        static BUNDLED: OnceLock<Arc<FontSet>> = OnceLock::new();
        BUNDLED
            .get_or_init(|| {
                Arc::new(
                    Self::assemble(Vec::new(), DEFAULT_FAMILY)
                        .expect("the bundled Sarabun sets Thai"),
                )
            })
            .clone()
    }

    /// The organisation's fonts from `dir` first, then the bundled ones;
    /// the body is set in `family` (the first family found in `dir` when
    /// not given).
    pub fn with_dir(dir: &Path, family: Option<&str>) -> Result<FontSet, FontError> {
        let unreadable = |reason: std::io::Error| FontError::Unreadable {
            path: dir.display().to_string(),
            reason: reason.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(unreadable)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc")
                })
            })
            .collect();
        paths.sort();
        let mut own = Vec::new();
        for path in &paths {
            let data = std::fs::read(path).map_err(unreadable)?;
            own.extend(Font::iter(Bytes::new(data)));
        }
        let Some(first) = own.first() else {
            return Err(FontError::Empty(dir.display().to_string()));
        };
        let family = family.map_or_else(|| first.info().family.clone(), str::to_owned);
        Self::assemble(own, &family)
    }

    fn assemble(own: Vec<Font>, family: &str) -> Result<FontSet, FontError> {
        let mut infos: Vec<FontInfo> = own.iter().map(|font| font.info().clone()).collect();
        let mut slots: Vec<Slot> = own.into_iter().map(Slot::parsed).collect();
        let (bundled, bundled_infos) = bundled_slots();
        slots.extend(bundled);
        infos.extend(bundled_infos);
        let regular = infos
            .iter()
            .position(|info| info.family.eq_ignore_ascii_case(family))
            .ok_or_else(|| {
                let mut found: Vec<_> = infos.iter().map(|info| info.family.clone()).collect();
                found.dedup();
                FontError::MissingFamily {
                    family: family.to_owned(),
                    found: found.join(", "),
                }
            })?;
        let ko_height = ko_height_em(&slots[regular].data, slots[regular].index)
            .ok_or_else(|| FontError::NotThai(family.to_owned()))?;
        let scale = TH_SARABUN_KO_HEIGHT_EM / ko_height;
        let family = infos[regular].family.clone();
        let book = LazyHash::new(FontBook::from_infos(infos));
        Ok(FontSet {
            slots,
            book,
            family,
            scale,
        })
    }

    /// The face at `index` of the book, parsed on first use.
    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        let slot = self.slots.get(index)?;
        slot.font
            .get_or_init(|| Font::new(slot.data.clone(), slot.index))
            .clone()
    }

    /// Whether some font of the set can draw `c`.
    pub fn covers(&self, c: char) -> bool {
        (0..self.slots.len()).any(|index| {
            self.book
                .info(index)
                .is_some_and(|info| info.coverage.contains(c as u32))
        })
    }
}

/// Height of ก above the baseline, in em.
fn ko_height_em(data: &[u8], index: u32) -> Option<f64> {
    let face = ttf_parser::Face::parse(data, index).ok()?;
    let glyph = face.glyph_index('ก')?;
    let bounds = face.glyph_bounding_box(glyph)?;
    Some(f64::from(bounds.y_max) / f64::from(face.units_per_em()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarabun_calibrates_to_about_eleven_points() {
        let set = FontSet::bundled();
        assert_eq!(set.family, "Sarabun");
        let body = 16.0 * set.scale;
        // The brief's rule of thumb: 16 pt TH Sarabun ≈ 10.5–11 pt Sarabun.
        assert!((10.5..=11.0).contains(&body), "{body}");
        assert!(set.covers('ก') && set.covers('A') && set.covers('Ж'));
    }

    /// The metadata compiled in is what parsing the fonts gives (it goes
    /// stale when Sarabun or typst-assets change). To rewrite it:
    /// `SARABAN_UPDATE_REFERENCES=1 cargo test -p saraban-typeset --lib bundled`.
    #[test]
    fn bundled_metadata_is_current() {
        let parsed = parse_bundled();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bundled-fonts.json");
        if std::env::var_os("SARABAN_UPDATE_REFERENCES").is_some() {
            let json = serde_json::to_string(&parsed).unwrap();
            std::fs::write(path, json + "\n").unwrap();
        }
        let stored: Vec<BundledFace> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(
            stored == parsed,
            "src/bundled-fonts.json is stale; rewrite it with SARABAN_UPDATE_REFERENCES=1"
        );
    }

    #[test]
    fn bundled_fonts_parse_on_demand() {
        let set = FontSet::bundled();
        let sarabun = set.book.select("sarabun", Default::default()).unwrap();
        let font = set.font(sarabun).unwrap();
        assert_eq!(font.info(), set.book.info(sarabun).unwrap());
        assert!(set.font(set.slots.len()).is_none());
    }
}
