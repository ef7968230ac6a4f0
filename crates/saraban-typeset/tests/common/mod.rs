//! What the typesetting tests share. Each test file takes what it needs,
//! so that what one does not use is no dead code.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use saraban_core::{Document, Syntax, read_document};
use saraban_typeset::probe::{Layout, PlacedText};
use saraban_typeset::{FontSet, Typesetter};

/// The text area of A4, in centimetres from the paper's left edge.
pub const LEFT: f64 = 3.0;
pub const RIGHT: f64 = 19.0;
pub const MIDDLE: f64 = (LEFT + RIGHT) / 2.0;

/// A document of `examples/`, read as its file says.
pub fn example(name: &str) -> Document {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    read_document(&text, Syntax::of_path(path.as_ref())).unwrap()
}

/// The document typeset by the default typesetter, read back.
pub fn layout(document: &Document) -> Layout {
    let typeset = Typesetter::default().typeset(document, None).unwrap();
    Layout::of(&typeset.document)
}

pub fn near(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

pub fn centre(text: &PlacedText) -> f64 {
    text.x + text.width / 2.0
}

/// Every line of every page, joined by line breaks.
pub fn all_text(layout: &Layout) -> String {
    (0..layout.page_sizes.len())
        .flat_map(|p| layout.lines(p))
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Official size (points of TH Sarabun PSK) in points of Sarabun.
pub fn official(points: f64) -> f64 {
    points * FontSet::bundled().scale
}

/// The input files in `examples/` (TOML and JSON), in name order.
pub fn example_paths() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("toml" | "json")
            )
        })
        .collect();
    paths.sort();
    paths
}

/// Runs a poppler tool (pdftotext, pdfinfo, pdfimages) on a PDF and
/// returns its standard output.
pub fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!(
        "saraban-{tool}-{}-{:?}.pdf",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, pdf).unwrap();
    let mut command = Command::new(tool);
    command.args(args).arg(&path);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = command.output().unwrap_or_else(|e| {
        panic!("{tool} is needed (poppler-utils; scripts/test installs it): {e}")
    });
    std::fs::remove_file(&path).unwrap();
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
