//! Reference images: every example, each page rendered to a 100 dpi
//! grayscale PNG (poppler's `pdftoppm`), compared with the images checked
//! in under `tests/reference/`. A page fails when more than a few pixels
//! differ visibly, so that marks, spacing or a page break cannot drift
//! unnoticed.
//!
//! After a deliberate change of the layout, regenerate the images with
//!
//! ```sh
//! SARABAN_UPDATE_REFERENCES=1 cargo test -p saraban-typeset --test reference
//! ```
//!
//! and look at the changed images before checking them in.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use saraban_core::{Syntax, read_document};
use saraban_typeset::Typesetter;

/// A pixel differs when its gray level moves by more than this (of 255):
/// anti-aliasing noise between poppler versions stays below it.
const LEVEL: u8 = 64;
/// A page drifts when more than this share of its pixels differ: about
/// 0.05% of an A4 page at 100 dpi, some 480 pixels, less than one word.
const SHARE: f64 = 0.0005;

fn reference_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference"))
}

fn examples() -> Vec<PathBuf> {
    common::example_paths()
}

/// The pages of `example` as PNG files in `dir`, in page order.
fn render_pages(example: &Path, dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(example).unwrap();
    let document = read_document(&text, Syntax::of_path(example)).unwrap();
    let pdf = Typesetter::default()
        .typeset(&document, None)
        .unwrap()
        .pdf()
        .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let pdf_path = dir.join("document.pdf");
    std::fs::write(&pdf_path, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "100", "-gray", "-png"])
        .arg(&pdf_path)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) is installed");
    assert!(status.success(), "pdftoppm failed on {}", example.display());
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    // pdftoppm numbers pages with as many digits as the last one needs.
    pages.sort();
    pages
}

/// An 8-bit grayscale image: width, height, pixels.
fn gray(path: &Path) -> (u32, u32, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // Low bit depths come out as 8-bit levels (0–255).
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    buffer.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let pixels = buffer.chunks(channels).map(|p| p[0]).collect();
    (info.width, info.height, pixels)
}

/// Writes a page as a 16-level grayscale PNG: a quarter of pdftoppm's
/// size, and the rounding (at most 8 levels) is far below `LEVEL`.
fn write_small((width, height, pixels): (u32, u32, Vec<u8>), path: &Path) {
    let row_bytes = (width as usize).div_ceil(2);
    let mut packed = vec![0u8; row_bytes * height as usize];
    for (i, level) in pixels.iter().enumerate() {
        let (y, x) = (i / width as usize, i % width as usize);
        let nibble = (u16::from(*level) * 15 + 127) / 255;
        packed[y * row_bytes + x / 2] |= (nibble as u8) << if x % 2 == 0 { 4 } else { 0 };
    }
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Four);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&packed).unwrap();
}

fn reference_name(example: &Path, page: usize) -> String {
    let stem = example.file_stem().unwrap().to_str().unwrap();
    format!("{stem}-{}.png", page + 1)
}

#[test]
fn pages_match_their_reference_images() {
    let update = std::env::var_os("SARABAN_UPDATE_REFERENCES").is_some_and(|v| v == "1");
    let scratch = std::env::temp_dir().join(format!("saraban-reference-{}", std::process::id()));
    let mut failures = Vec::new();
    for example in examples() {
        let stem = example.file_stem().unwrap().to_str().unwrap().to_owned();
        let dir = scratch.join(&stem);
        let pages = render_pages(&example, &dir);
        if update {
            std::fs::create_dir_all(reference_dir()).unwrap();
            for old in std::fs::read_dir(reference_dir()).unwrap() {
                let old = old.unwrap().path();
                let name = old.file_name().unwrap().to_str().unwrap();
                if name.strip_prefix(&stem).is_some_and(|rest| {
                    rest.strip_prefix('-')
                        .and_then(|r| r.strip_suffix(".png"))
                        .is_some_and(|n| n.parse::<usize>().is_ok())
                }) {
                    std::fs::remove_file(&old).unwrap();
                }
            }
            for (page, path) in pages.iter().enumerate() {
                let target = reference_dir().join(reference_name(&example, page));
                write_small(gray(path), &target);
            }
            continue;
        }
        let expected = (0..)
            .map(|page| reference_dir().join(reference_name(&example, page)))
            .take_while(|p| p.exists())
            .count();
        if expected != pages.len() {
            failures.push(format!(
                "{stem}: {} pages, the reference has {expected}",
                pages.len()
            ));
            continue;
        }
        for (page, path) in pages.iter().enumerate() {
            let reference = reference_dir().join(reference_name(&example, page));
            let (width, height, actual) = gray(path);
            let (ref_width, ref_height, wanted) = gray(&reference);
            if (width, height) != (ref_width, ref_height) {
                failures.push(format!("{stem} page {}: size changed", page + 1));
                continue;
            }
            let differ = actual
                .iter()
                .zip(&wanted)
                .filter(|(a, b)| a.abs_diff(**b) > LEVEL)
                .count();
            let share = differ as f64 / actual.len() as f64;
            if share > SHARE {
                failures.push(format!(
                    "{stem} page {}: {differ} pixels differ ({:.3}%); now {}",
                    page + 1,
                    share * 100.0,
                    path.display()
                ));
            }
        }
    }
    if failures.is_empty() {
        std::fs::remove_dir_all(&scratch).ok();
    }
    assert!(
        failures.is_empty(),
        "pages drifted from tests/reference/ (if meant, regenerate: \
         SARABAN_UPDATE_REFERENCES=1 cargo test -p saraban-typeset --test reference):\n{}",
        failures.join("\n")
    );
}
