//! Fonts: Sarabun compiled in, a few fallbacks for what Sarabun lacks, and
//! optionally an organisation's own Thai fonts. Also the size calibration
//! that makes any Thai font print as large as TH Sarabun PSK does.

use std::path::Path;
use std::sync::Arc;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
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
#[derive(Debug)]
pub struct FontSet {
    pub(crate) fonts: Vec<Font>,
    pub(crate) book: LazyHash<FontBook>,
    /// The family the body is set in.
    pub family: String,
    /// Point size that gives this family the body size of TH Sarabun PSK at
    /// 1 pt: multiply an official size ("16 pt") by it.
    pub scale: f64,
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
        static BUNDLED: std::sync::OnceLock<Arc<FontSet>> = std::sync::OnceLock::new();
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
        let mut fonts = own;
        fonts.extend(
            SARABUN
                .iter()
                .flat_map(|data| Font::iter(Bytes::new(*data))),
        );
        // Fallbacks for Latin, Greek, Cyrillic and symbols Sarabun lacks.
        fonts.extend(typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))));
        let regular = fonts
            .iter()
            .find(|font| font.info().family.eq_ignore_ascii_case(family))
            .ok_or_else(|| {
                let mut found: Vec<_> = fonts.iter().map(|f| f.info().family.clone()).collect();
                found.dedup();
                FontError::MissingFamily {
                    family: family.to_owned(),
                    found: found.join(", "),
                }
            })?;
        let ko_height =
            ko_height_em(regular).ok_or_else(|| FontError::NotThai(family.to_owned()))?;
        let scale = TH_SARABUN_KO_HEIGHT_EM / ko_height;
        let family = regular.info().family.clone();
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(FontSet {
            fonts,
            book,
            family,
            scale,
        })
    }

    /// Whether some font of the set can draw `c`.
    pub fn covers(&self, c: char) -> bool {
        self.fonts
            .iter()
            .any(|font| font.info().coverage.contains(c as u32))
    }
}

/// Height of ก above the baseline, in em.
fn ko_height_em(font: &Font) -> Option<f64> {
    let face = ttf_parser::Face::parse(font.data(), font.index()).ok()?;
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
}
