//! What changed between two versions of a document, as a reviewer reads
//! it: the document's fields in reading order under their Thai names
//! ("เรื่อง", "ข้อความ", "ผู้ลงนาม › ชื่อ"), the fields compared as a
//! sequence (a paragraph put in between leaves the ones after it
//! unchanged), and a changed field compared word by word, Thai words found
//! by the segmenter.
//!
//! It works on the stored content (format saraban/1) rather than on
//! [`crate::Document`], so that every kind, and every version ever stored,
//! compares the same way; a field it has no Thai name for shows its key.

use serde_json::Value;

use crate::segment::{BREAK, Segmenter, Width};
use crate::thai::{DigitStyle, parse_iso_date};

/// One field of a document as printed for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Where it is, in Thai ("ข้อความ › ตาราง").
    pub label: String,
    pub text: String,
}

/// A run of words of a changed field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Kept(String),
    Added(String),
    Removed(String),
}

/// What happened to a field from the old version to the new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(Field),
    Removed(Field),
    Changed { label: String, pieces: Vec<Piece> },
}

impl Change {
    pub fn label(&self) -> &str {
        match self {
            Change::Added(field) | Change::Removed(field) => &field.label,
            Change::Changed { label, .. } => label,
        }
    }
}

/// Keys the engine sets or that do not print as text.
const SKIPPED: [&str; 5] = ["format", "kind", "id", "style", "verification"];

/// Thai names of the keys of the input format.
const LABELS: [(&str, &str); 39] = [
    ("unit", "ส่วนราชการ"),
    ("phone", "โทร."),
    ("number", "ที่"),
    ("prefix", "อักษรย่อ"),
    ("date", "วันที่"),
    ("subject", "เรื่อง"),
    ("to", "เรียน"),
    ("references", "อ้างถึง"),
    ("enclosures", "สิ่งที่ส่งมาด้วย"),
    ("body", "ข้อความ"),
    ("closing", "คำลงท้าย"),
    ("signer", "ผู้ลงนาม"),
    ("endorsements", "เกษียณหนังสือ"),
    ("authority", "ผู้ออกคำสั่ง"),
    ("effective", "ทั้งนี้"),
    ("name", "ชื่อ"),
    ("position", "ตำแหน่ง"),
    ("signature", "ลายมือชื่อ"),
    ("acting", "รักษาราชการแทน"),
    ("capacity", "ฐานะ"),
    ("principal", "ตำแหน่งผู้มอบ"),
    ("opinion", "ความเห็น"),
    ("urgency", "ชั้นความเร็ว"),
    ("secrecy", "ชั้นความลับ"),
    ("text", "ข้อความ"),
    ("label", "หัวข้อ"),
    ("items", "รายการ"),
    ("numbering", "รูปแบบเลขข้อ"),
    ("table", "ตาราง"),
    ("header", "หัวตาราง"),
    ("rows", "แถว"),
    ("footer", "แถวท้ายตาราง"),
    ("align", "การจัดแนว"),
    ("widths", "ความกว้างคอลัมน์"),
    ("copies", "สำเนาส่ง"),
    ("address", "ที่อยู่"),
    // An enclosure with its file: its title reads as the enclosure itself,
    // a changed file as a changed hash.
    ("title", "สิ่งที่ส่งมาด้วย"),
    ("sha256", "ไฟล์ (SHA-256)"),
    ("filename", "ชื่อไฟล์"),
];

fn label_of(key: &str) -> &str {
    LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, label)| label)
}

/// The fields of stored content, in reading order.
pub fn fields(content: &Value) -> Vec<Field> {
    let mut out = Vec::new();
    flatten(content, "", &mut out);
    out
}

fn joined(parent: &str, key: &str) -> String {
    let label = label_of(key);
    if parent.is_empty() {
        label.to_owned()
    } else if parent.ends_with(label) {
        // "ข้อความ › ข้อความ" says nothing more than "ข้อความ".
        parent.to_owned()
    } else {
        format!("{parent} › {label}")
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(match parse_iso_date(text) {
            Ok(date) if text.len() == 10 => date.full(DigitStyle::Thai),
            _ => text.clone(),
        }),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(true) => Some("ใช่".to_owned()),
        Value::Bool(false) => Some("ไม่ใช่".to_owned()),
        Value::Null => None,
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn flatten(value: &Value, label: &str, out: &mut Vec<Field>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if label.is_empty() && SKIPPED.contains(&key.as_str()) {
                    continue;
                }
                flatten(value, &joined(label, key), out);
            }
        }
        Value::Array(values) => {
            for value in values {
                match value {
                    // A row of a table reads as one line.
                    Value::Array(cells) if cells.iter().all(|c| scalar(c).is_some()) => {
                        let cells: Vec<String> = cells.iter().filter_map(scalar).collect();
                        if !cells.is_empty() {
                            out.push(Field {
                                label: label.to_owned(),
                                text: cells.join(" │ "),
                            });
                        }
                    }
                    value => flatten(value, label, out),
                }
            }
        }
        other => {
            if let Some(text) = scalar(other) {
                out.push(Field {
                    label: label.to_owned(),
                    text,
                });
            }
        }
    }
}

/// Past this many cells, sequences are not aligned: everything old is
/// shown removed and everything new added (a guard, never met by a letter).
const MOST_CELLS: usize = 4_000_000;

/// The longest common subsequence of `old` and `new` as pairs of indices.
fn common<T: PartialEq>(old: &[T], new: &[T]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MOST_CELLS {
        return Vec::new();
    }
    // lengths[i][j]: the LCS of old[i..] and new[j..].
    let mut lengths = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lengths[at(i, j)] = if old[i] == new[j] {
                lengths[at(i + 1, j + 1)] + 1
            } else {
                lengths[at(i + 1, j)].max(lengths[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if old[i] == new[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lengths[at(i + 1, j)] >= lengths[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// `text` as words and the spaces between them.
fn words(text: &str, segmenter: &Segmenter) -> Vec<String> {
    let marked = segmenter.mark(text, Width::Wide);
    let mut out: Vec<String> = Vec::new();
    for piece in marked.split(BREAK) {
        let mut word = String::new();
        let mut in_space = None;
        for c in piece.chars() {
            let space = c.is_whitespace();
            if in_space.is_some_and(|was| was != space) {
                out.push(std::mem::take(&mut word));
            }
            in_space = Some(space);
            word.push(if c == crate::segment::GLUE { ' ' } else { c });
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

fn push(pieces: &mut Vec<Piece>, piece: Piece) {
    match (pieces.last_mut(), piece) {
        (Some(Piece::Kept(a)), Piece::Kept(b))
        | (Some(Piece::Added(a)), Piece::Added(b))
        | (Some(Piece::Removed(a)), Piece::Removed(b)) => a.push_str(&b),
        (_, piece) => pieces.push(piece),
    }
}

/// `old` and `new` word by word.
pub fn compare_text(old: &str, new: &str, segmenter: &Segmenter) -> Vec<Piece> {
    let (old, new) = (words(old, segmenter), words(new, segmenter));
    let mut pieces = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (oi, nj) in common(&old, &new)
        .into_iter()
        .chain([(old.len(), new.len())])
    {
        for word in &old[i..oi] {
            push(&mut pieces, Piece::Removed(word.clone()));
        }
        for word in &new[j..nj] {
            push(&mut pieces, Piece::Added(word.clone()));
        }
        if oi < old.len() {
            push(&mut pieces, Piece::Kept(old[oi].clone()));
        }
        (i, j) = (oi + 1, nj + 1);
    }
    pieces
}

/// What changed from `old` to `new` (both stored content), in the new
/// version's reading order; empty when nothing printed changed.
pub fn compare(old: &Value, new: &Value, segmenter: &Segmenter) -> Vec<Change> {
    let (old, new) = (fields(old), fields(new));
    let mut changes = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (oi, nj) in common(&old, &new)
        .into_iter()
        .chain([(old.len(), new.len())])
    {
        let (mut removed, mut added) = (&old[i..oi], &new[j..nj]);
        // A field removed and one added under the same name, in step, is
        // one field changed.
        while let (Some(before), Some(after)) = (removed.first(), added.first()) {
            if before.label != after.label {
                break;
            }
            changes.push(Change::Changed {
                label: after.label.clone(),
                pieces: compare_text(&before.text, &after.text, segmenter),
            });
            (removed, added) = (&removed[1..], &added[1..]);
        }
        changes.extend(removed.iter().cloned().map(Change::Removed));
        changes.extend(added.iter().cloned().map(Change::Added));
        (i, j) = (oi + 1, nj + 1);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn segmenter() -> std::sync::Arc<Segmenter> {
        Segmenter::bundled()
    }

    fn memo(subject: &str, body: Value) -> Value {
        json!({
            "format": "saraban/1", "kind": "memo", "unit": "สำนักปลัด",
            "number": {"prefix": "ตร ๗๑๐๐๑"}, "date": "2025-04-09",
            "subject": subject, "to": "นายก อบต.", "body": body,
            "signer": {"name": "นางสาวกานดา ใจดี", "position": "นิติกร"}
        })
    }

    #[test]
    fn an_inserted_paragraph_leaves_the_others_alone() {
        let old = memo("รายงานผล", json!(["ย่อหน้าแรก", "ย่อหน้าสุดท้าย"]));
        let new = memo("รายงานผล", json!(["ย่อหน้าแรก", "ย่อหน้าใหม่", "ย่อหน้าสุดท้าย"]));
        let changes = compare(&old, &new, &segmenter());
        assert_eq!(
            changes,
            vec![Change::Added(Field {
                label: "ข้อความ".into(),
                text: "ย่อหน้าใหม่".into()
            })]
        );
    }

    #[test]
    fn a_changed_enclosure_file_reads_under_its_thai_names() {
        let with = |hash: &str| {
            let mut content = memo("รายงานผล", json!(["ก"]));
            content["enclosures"] = json!([
                {"title": "รายงานผลการประเมิน", "sha256": hash, "filename": "report.pdf"}
            ]);
            content
        };
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let changes = compare(&with(&a), &with(&b), &segmenter());
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].label(), "สิ่งที่ส่งมาด้วย › ไฟล์ (SHA-256)");
        let labels: Vec<String> = fields(&with(&a)).into_iter().map(|f| f.label).collect();
        assert!(labels.contains(&"สิ่งที่ส่งมาด้วย".to_owned()), "{labels:?}");
        assert!(
            labels.contains(&"สิ่งที่ส่งมาด้วย › ชื่อไฟล์".to_owned()),
            "{labels:?}"
        );
    }

    #[test]
    fn a_changed_subject_shows_the_words() {
        let old = memo("รายงานผลการประเมิน", json!(["ก"]));
        let new = memo("รายงานผลการตรวจสอบ", json!(["ก"]));
        let changes = compare(&old, &new, &segmenter());
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].label(), "เรื่อง");
        let Change::Changed { pieces, .. } = &changes[0] else {
            panic!("{changes:?}")
        };
        let removed = |w: &str| {
            pieces
                .iter()
                .any(|p| matches!(p, Piece::Removed(t) if t.contains(w)))
        };
        let added = |w: &str| {
            pieces
                .iter()
                .any(|p| matches!(p, Piece::Added(t) if t.contains(w)))
        };
        assert!(removed("ประเมิน") && !removed("รายงาน"), "{pieces:?}");
        assert!(added("ตรวจสอบ") && !added("รายงาน"), "{pieces:?}");
        assert!(matches!(&pieces[0], Piece::Kept(k) if k.starts_with("รายงาน")));
    }

    #[test]
    fn names_and_dates_read_in_thai() {
        let fields = fields(&memo("ก", json!(["ข"])));
        assert!(fields.contains(&Field {
            label: "ผู้ลงนาม › ชื่อ".into(),
            text: "นางสาวกานดา ใจดี".into()
        }));
        assert!(fields.contains(&Field {
            label: "วันที่".into(),
            text: "๙ เมษายน ๒๕๖๘".into()
        }));
        assert!(!fields.iter().any(|f| f.text == "memo"));
    }

    #[test]
    fn table_rows_compare_as_lines() {
        let table = |amount: &str| json!([{"table": {"header": [["รายการ", "บาท"]], "rows": [["ค่าจ้าง", amount], ["ค่าวัสดุ", "500"]]}}]);
        let changes = compare(
            &memo("ก", table("1,000")),
            &memo("ก", table("1,200")),
            &segmenter(),
        );
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].label(), "ข้อความ › ตาราง › แถว");
    }

    proptest! {
        /// The pieces give back both texts: kept and removed the old one,
        /// kept and added the new one.
        #[test]
        fn pieces_rebuild_both_texts(old in "[ก-ฮะ-ู เ-ไ0-9a-z]{0,40}", new in "[ก-ฮะ-ู เ-ไ0-9a-z]{0,40}") {
            let pieces = compare_text(&old, &new, &segmenter());
            let rebuilt = |keep_added: bool| -> String {
                pieces.iter().filter_map(|p| match p {
                    Piece::Kept(t) => Some(t.as_str()),
                    Piece::Added(t) if keep_added => Some(t.as_str()),
                    Piece::Removed(t) if !keep_added => Some(t.as_str()),
                    _ => None,
                }).collect()
            };
            let plain = |t: &str| crate::segment::unmark(t).replace(crate::segment::GLUE, " ");
            prop_assert_eq!(rebuilt(false), plain(&old));
            prop_assert_eq!(rebuilt(true), plain(&new));
        }

        #[test]
        fn a_version_compared_with_itself_has_no_change(subject in "[ก-ฮ ]{1,30}") {
            let doc = memo(&subject, json!(["ย่อหน้า", {"text": "ข้อ", "items": ["หนึ่ง", "สอง"]}]));
            prop_assert!(compare(&doc, &doc, &segmenter()).is_empty());
        }
    }
}
