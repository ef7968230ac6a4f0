//! Where Thai lines may break: every printed string of the view goes
//! through the segmenter (`saraban_core::segment`) before Typst sees it.
//! Done on the serialised view, so that it reaches every text the templates
//! print whatever shape the view takes: the strings of a table are marked
//! for a narrow column, the rest for a wide one. After layout the marks are
//! taken out of the typeset text again (`unmark_document`).

use saraban_core::segment::{BREAK, GLUE, Segmenter, Width};
use std::sync::LazyLock;

use serde_json::Value;
use typst::layout::{Frame, FrameItem};
use typst::model::Document as _;
use typst::text::{Lang, TextItem};
use typst_layout::PagedDocument;

/// Parts of the view that are not running text: the style, the PDF's
/// metadata (its title and keywords stay as typed), codes and URLs.
const SKIPPED: [&str; 5] = ["style", "meta", "verification", "kind", "number"];

/// Marks the view and tells the templates so (`segmented`: they then break
/// Thai lines only at the marks). The marks leave the typeset text again
/// after layout (`unmark_document`).
pub(crate) fn mark(view: &mut Value, segmenter: &Segmenter) {
    let table_pt = view
        .pointer("/style/table")
        .and_then(Value::as_f64)
        .unwrap_or(10.0);
    if let Value::Object(fields) = view {
        fields.insert("segmented".into(), Value::Bool(true));
        if let Some(Value::Array(body)) = fields.get_mut("body") {
            for block in body.iter_mut().filter(|b| b["type"] == "table") {
                fit_table(block, segmenter, table_pt);
            }
        }
        for (key, value) in fields.iter_mut() {
            if !SKIPPED.contains(&key.as_str()) {
                walk(value, segmenter, Width::Wide);
            }
        }
    }
}

/// The width of the text (A4 less the margins of `common.typ`), in points.
const TEXT_WIDTH_PT: f64 = 16.0 / 2.54 * 72.0;
/// The room a cell's text takes from its column, in points: the left inset
/// of `body-table` (`common.typ`), 4 pt, and 1.5 pt clear of the rule on
/// the right. A piece a little wider than Typst's line (the column less
/// both insets) runs into the right inset, still inside the cell; only a
/// piece that would cross the rule is broken.
const CELL_INSET_PT: f64 = 4.0 + 1.5;

/// Marks a body table's cells for a narrow column, then breaks further
/// any piece too wide for its own column (`Segmenter::fit`), measured with
/// Sarabun at the table's size (bold in the header and footer).
fn fit_table(table: &mut Value, segmenter: &Segmenter, size: f64) {
    let widths: Vec<f64> = table["widths"]
        .as_array()
        .map(|w| w.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let total: f64 = widths.iter().sum();
    for (part, bold) in [("header", true), ("rows", false), ("footer", true)] {
        let Some(Value::Array(rows)) = table.get_mut(part) else {
            continue;
        };
        for cell in rows
            .iter_mut()
            .flat_map(|r| r.as_array_mut().into_iter().flatten())
        {
            let column = cell["column"].as_u64().unwrap_or(0) as usize;
            let span = cell["span"].as_u64().unwrap_or(1).max(1) as usize;
            let share: f64 = widths.iter().skip(column).take(span).sum();
            let room = if total > 0.0 {
                TEXT_WIDTH_PT * share / total
            } else {
                TEXT_WIDTH_PT
            } - CELL_INSET_PT;
            if let Some(Value::String(text)) = cell.get_mut("text") {
                if text.chars().any(is_thai) {
                    let marked = segmenter.mark(text, Width::Narrow);
                    *text = segmenter.fit(&marked, &|piece| advance(piece, bold) * size <= room);
                } else {
                    *text = segmenter.fit(text, &|piece| advance(piece, bold) * size <= room);
                }
            }
        }
    }
}

fn is_thai(c: char) -> bool {
    ('\u{0E01}'..='\u{0E4E}').contains(&c)
}

static REGULAR: LazyLock<Option<ttf_parser::Face<'static>>> = LazyLock::new(|| {
    ttf_parser::Face::parse(
        include_bytes!("../../../typst-templates/fonts/Sarabun_400Regular.ttf"),
        0,
    )
    .ok()
});
static BOLD: LazyLock<Option<ttf_parser::Face<'static>>> = LazyLock::new(|| {
    ttf_parser::Face::parse(
        include_bytes!("../../../typst-templates/fonts/Sarabun_700Bold.ttf"),
        0,
    )
    .ok()
});

/// The advance of `text` set in Sarabun, in ems: the sum of its glyphs'
/// advances (Thai marks have none), near enough to tell whether a piece
/// fits its column. Without the font, every piece fits.
fn advance(text: &str, bold: bool) -> f64 {
    let Some(face) = (if bold { &*BOLD } else { &*REGULAR }) else {
        return 0.0;
    };
    let units: f64 = text
        .chars()
        // Marks above and below take no room (the shaper zeroes them).
        .filter(|c| !matches!(*c, BREAK | '\u{2060}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'))
        .map(|c| if c == GLUE { ' ' } else { c })
        .filter_map(|c| face.glyph_index(c))
        .filter_map(|g| face.glyph_hor_advance(g))
        .map(f64::from)
        .sum();
    units / f64::from(face.units_per_em())
}

fn walk(value: &mut Value, segmenter: &Segmenter, width: Width) {
    match value {
        // A table's cells are marked already (`fit_table`); marking again
        // would undo the breaks it added.
        Value::String(text) if text.chars().any(is_thai) => {
            *text = segmenter.mark(text, width);
        }
        Value::Array(items) => {
            for item in items {
                walk(item, segmenter, width);
            }
        }
        Value::Object(fields) => {
            if fields.get("type").and_then(Value::as_str) == Some("table") {
                return;
            }
            // A signature image's path is a file name, never printed.
            for (key, value) in fields.iter_mut() {
                if key != "type" && key != "signature_image" {
                    walk(value, segmenter, width);
                }
            }
        }
        _ => {}
    }
}

/// The marks of the segmenter, and the word joiner of the templates' page
/// flow (`reaching` in `common.typ`), are there for the line breaker only;
/// so is the language "zh" of paragraphs and cells, which picks Typst's
/// breaker without a Thai model (`common.typ`): the text is Thai, and the
/// PDF's structure says so (its `/Lang` comes from each run's language).
/// Typst keeps them in the typeset text, where the PDF's text (and so
/// `pdftotext`, copy and paste, search) would find them: they are taken out
/// after layout, and a glued space is a plain space again. Widths do not
/// change: the marks have no glyph (Typst drops default ignorables when it
/// shapes) and a no-break space already has a space's width.
pub(crate) fn unmark_document(document: PagedDocument) -> PagedDocument {
    if !document.pages().iter().any(|page| has_marks(&page.frame)) {
        return document;
    }
    let pages = document
        .pages()
        .iter()
        .map(|page| {
            let mut page = page.clone();
            unmark_frame(&mut page.frame);
            page
        })
        .collect();
    // The introspector is rebuilt from the same pages: nothing it records
    // (tags, positions) changes.
    PagedDocument::new(pages, document.info().clone())
}

fn is_mark(c: char) -> bool {
    matches!(c, BREAK | WORD_JOINER | GLUE)
}

const WORD_JOINER: char = '\u{2060}';

fn has_marks(frame: &Frame) -> bool {
    frame.items().any(|(_, item)| match item {
        FrameItem::Group(group) => has_marks(&group.frame),
        FrameItem::Text(text) => text.lang == Lang::CHINESE || text.text.contains(is_mark),
        _ => false,
    })
}

/// Only the frames with marks are touched: the others stay shared with
/// Typst's memoised layout.
fn unmark_frame(frame: &mut Frame) {
    if !has_marks(frame) {
        return;
    }
    frame.retain(|item| {
        match item {
            FrameItem::Group(group) => unmark_frame(&mut group.frame),
            FrameItem::Text(text) => unmark_text(text),
            _ => {}
        }
        true
    });
}

/// The run's text without the marks, its glyphs' ranges moved to match.
fn unmark_text(item: &mut TextItem) {
    if item.lang == Lang::CHINESE {
        item.lang = Lang::THAI;
    }
    if !item.text.contains(is_mark) {
        return;
    }
    let mut text = String::with_capacity(item.text.len());
    // The new offset of every old byte offset (and of the end).
    let mut at = Vec::with_capacity(item.text.len() + 1);
    for c in item.text.chars() {
        at.extend(std::iter::repeat_n(text.len(), c.len_utf8()));
        match c {
            BREAK | WORD_JOINER => {}
            GLUE => text.push(' '),
            c => text.push(c),
        }
    }
    at.push(text.len());
    let moved = |offset: u16| u16::try_from(at[usize::from(offset)]).unwrap_or(u16::MAX);
    for glyph in &mut item.glyphs {
        glyph.range = moved(glyph.range.start)..moved(glyph.range.end);
    }
    item.text = text.as_str().into();
}
