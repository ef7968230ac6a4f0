//! Where Thai lines may break: every printed string of the view goes
//! through the segmenter (`saraban_core::segment`) before Typst sees it.
//! Done on the serialised view, so that it reaches every text the templates
//! print whatever shape the view takes: the strings of a table are marked
//! for a narrow column, the rest for a wide one.

use saraban_core::segment::{Segmenter, Width};
use serde_json::Value;

/// Parts of the view that are not running text: the style, the PDF's
/// metadata (its title and keywords stay as typed), codes and URLs.
const SKIPPED: [&str; 5] = ["style", "meta", "verification", "kind", "number"];

/// Marks the view and tells the templates so (`segmented`: they then break
/// Thai lines only at the marks).
///
/// Off by default (`Typesetter::with_segmenter` turns it on) until three
/// things are solved: glued spaces are U+00A0 in the PDF's text, which the
/// layout tests' `find("… …")` do not expect; the bench's 200-row order
/// runs to 15 pages instead of 10; re-rendering after one change is slower.
pub(crate) fn mark(view: &mut Value, segmenter: &Segmenter) {
    if let Value::Object(fields) = view {
        fields.insert("segmented".into(), Value::Bool(true));
        for (key, value) in fields.iter_mut() {
            if !SKIPPED.contains(&key.as_str()) {
                walk(value, segmenter, Width::Wide);
            }
        }
    }
}

fn walk(value: &mut Value, segmenter: &Segmenter, width: Width) {
    match value {
        Value::String(text) if text.chars().any(|c| ('\u{0E01}'..='\u{0E4E}').contains(&c)) => {
            *text = segmenter.mark(text, width);
        }
        Value::Array(items) => {
            for item in items {
                walk(item, segmenter, width);
            }
        }
        Value::Object(fields) => {
            let width = if fields.get("type").and_then(Value::as_str) == Some("table") {
                Width::Narrow
            } else {
                width
            };
            for (key, value) in fields.iter_mut() {
                if key != "type" {
                    walk(value, segmenter, width);
                }
            }
        }
        _ => {}
    }
}
