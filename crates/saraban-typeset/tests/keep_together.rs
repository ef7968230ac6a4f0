//! Page flow, read back from the typeset pages: what must not be parted by
//! a page break (the closing and signature from the body's last lines, a
//! lead-in from what it introduces, a heading from its text) stays on one
//! page, however much text comes before it; and justified lines never
//! squeeze their spaces away.

use saraban_core::{Document, Syntax};
use saraban_typeset::Typesetter;
use saraban_typeset::probe::Layout;
use serde_json::{Value, json};

/// An example file as a JSON value, for the tests to grow.
fn example_value(name: &str) -> Value {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    saraban_core::document::read_value(&text, Syntax::of_path(path.as_ref())).unwrap()
}

fn document(value: Value) -> Document {
    saraban_core::document::document_from_value(value).unwrap()
}

fn layout(document: &Document) -> Layout {
    let typeset = Typesetter::default().typeset(document, None).unwrap();
    Layout::of(&typeset.document)
}

/// Text as printed, without the invisible marks that steer line breaking.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'))
        .collect()
}

/// Every line of every page: (page, baseline, text).
fn all_lines(layout: &Layout) -> Vec<(usize, f64, String)> {
    (0..layout.page_sizes.len())
        .flat_map(|page| {
            layout
                .lines(page)
                .into_iter()
                .map(move |(y, text)| (page, y, clean(&text)))
        })
        .collect()
}

/// The index in `lines` of the first line containing `needle`.
fn line_of(lines: &[(usize, f64, String)], needle: &str) -> usize {
    lines
        .iter()
        .position(|(_, _, text)| text.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in {lines:#?}"))
}

fn is_page_number(text: &str) -> bool {
    text.starts_with("- ") && text.ends_with(" -")
}

/// The example order, its table of appointees grown by `extra` rows.
fn order_with_appointees(base: &Value, extra: usize) -> Document {
    let mut value = base.clone();
    let table = value["body"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find_map(|b| b.get_mut("table"))
        .expect("the example order has a table");
    let rows = table["rows"].as_array_mut().unwrap();
    for i in 0..extra {
        rows.push(json!([
            format!("{}", rows.len() + 1),
            format!("นายทดสอบ เพิ่มเติมที่{}", i + 1),
            "นักจัดการงานทั่วไป",
            "ตอบข้อซักถามทางโทรศัพท์",
        ]));
    }
    document(value)
}

/// The example order grows a row at a time until its signature would stand
/// alone on the next page: it must take the body's last lines with it.
#[test]
fn the_signature_takes_the_last_lines_of_the_order_with_it() {
    let base = example_value("order-490-2567.toml");
    let mut moved = None;
    let mut previous_page = None;
    for extra in 0..24 {
        let lines = all_lines(&layout(&order_with_appointees(&base, extra)));
        let name = line_of(&lines, "(นายกนก ใจรักษ์)");
        let date = line_of(&lines, "สั่ง ณ วันที่");
        let effective = line_of(&lines, "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป");
        let last = line_of(&lines, "โดยเร็ว");
        let page = lines[name].0;
        for (what, index) in [
            ("date", date),
            ("effective", effective),
            ("body's end", last),
        ] {
            assert_eq!(
                lines[index].0, page,
                "{extra} rows more: the {what} is on another page than the signature"
            );
        }
        // The line before the body's last is a body line on the same page.
        let before = &lines[last - 1];
        assert!(
            before.0 == page && !is_page_number(&before.2),
            "{extra} rows more: the body's last line is alone on page {}: {lines:#?}",
            page + 1
        );
        if previous_page.is_some_and(|p| p < page) {
            moved = Some(extra);
            break;
        }
        previous_page = Some(page);
    }
    assert!(moved.is_some(), "the signature never moved to a new page");
}

/// A memo of `filler` one-line paragraphs, then `tail` blocks.
fn memo_after_filler(filler: usize, tail: Vec<Value>) -> Document {
    let mut body: Vec<Value> = (1..=filler)
        .map(|i| json!(format!("ข้อความบรรทัดที่ {i} ของบันทึกทดสอบการจัดหน้า")))
        .collect();
    body.extend(tail);
    document(json!({
        "format": "saraban/1",
        "kind": "memo",
        "unit": "สำนักปลัด องค์การบริหารส่วนตำบลวังกระแจะ",
        "number": { "prefix": "ตร 71001", "number": 123 },
        "date": "2025-04-09",
        "subject": "ทดสอบการจัดหน้า",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "body": body,
        "closing": "จึงเรียนมาเพื่อโปรดทราบ",
        "signer": { "name": "นางสาวฉัญญุรัตน์ อิ่มสมบัติ", "position": "ผู้ช่วยนิติกร" },
    }))
}

/// Slides `tail` down the page a line at a time (more filler before it),
/// across the break to page two, and checks each layout.
fn slide(tail: &[Value], check: impl Fn(usize, &[(usize, f64, String)])) {
    for filler in 14..34 {
        let lines = all_lines(&layout(&memo_after_filler(filler, tail.to_vec())));
        check(filler, &lines);
    }
}

const LEAD_IN: &str = "ให้เจ้าหน้าที่ผู้ได้รับการแต่งตั้งมีหน้าที่ ดังนี้";

/// A lead-in ending in "ดังนี้" never ends a page without its first item.
#[test]
fn a_lead_in_keeps_its_first_item() {
    let tail = [json!({
        "paragraph": LEAD_IN,
        "items": ["สื่อสาร ตอบข้อซักถาม และให้คำอธิบายแก่ประชาชน", "ประสานงานกับกองที่เกี่ยวข้อง"],
    })];
    slide(&tail, |filler, lines| {
        let lead = line_of(lines, "มีหน้าที่ ดังนี้");
        let item = line_of(lines, "สื่อสาร ตอบข้อซักถาม");
        assert_eq!(
            lines[lead].0,
            lines[item].0,
            "{filler} lines before: the lead-in ends page {} alone",
            lines[lead].0 + 1
        );
    });
}

/// The same for a lead-in followed by a table: its header and first row.
#[test]
fn a_lead_in_keeps_the_first_row_of_its_table() {
    let tail = [
        json!(LEAD_IN),
        json!({ "table": {
            "columns": ["ที่", "ชื่อ - สกุล", "หน้าที่"],
            "rows": [["๑", "นางวิไลวรรณ ศรีสุขใจ", "ผู้กำกับดูแล"], ["๒", "นายสมศักดิ์ มั่นคงดี", "ผู้ช่วย"]],
        }}),
    ];
    slide(&tail, |filler, lines| {
        let lead = line_of(lines, "มีหน้าที่ ดังนี้");
        let row = line_of(lines, "นางวิไลวรรณ");
        assert_eq!(
            lines[lead].0,
            lines[row].0,
            "{filler} lines before: the lead-in ends page {} alone",
            lines[lead].0 + 1
        );
    });
}

/// A heading never ends a page: it goes with the text under it.
#[test]
fn a_heading_stays_with_what_follows() {
    let tail = [
        json!({ "heading": "ส่วนที่ ๒ รายละเอียด" }),
        json!(
            "ข้อความใต้หัวข้อซึ่งยาวพอที่จะขึ้นบรรทัดใหม่ได้ ข้อความใต้หัวข้อซึ่งยาวพอที่จะขึ้นบรรทัดใหม่ได้ ข้อความใต้หัวข้อซึ่งยาวพอ"
        ),
    ];
    slide(&tail, |filler, lines| {
        let heading = line_of(lines, "ส่วนที่ ๒ รายละเอียด");
        let text = line_of(lines, "ข้อความใต้หัวข้อ");
        assert_eq!(
            lines[heading].0,
            lines[text].0,
            "{filler} lines before: the heading ends page {}",
            lines[heading].0 + 1
        );
    });
}

/// The memo's closing line and signature stay with the body's last two
/// lines; no page begins or ends with a single line of a paragraph.
#[test]
fn the_closing_and_signature_keep_the_last_two_lines() {
    let last = "ย่อหน้าสุดท้ายของบันทึกซึ่งยาวกว่าหนึ่งบรรทัด ".repeat(4) + "จบย่อหน้า";
    let tail = [json!(last)];
    slide(&tail, |filler, lines| {
        let end = line_of(lines, "จบย่อหน้า");
        let closing = line_of(lines, "จึงเรียนมาเพื่อโปรดทราบ");
        let name = line_of(lines, "(นางสาวฉัญญุรัตน์");
        let page = lines[end].0;
        assert!(
            lines[closing].0 == page && lines[name].0 == page,
            "{filler} lines before: closing or signature parted from the body"
        );
        let start = line_of(lines, "ย่อหน้าสุดท้ายของบันทึก");
        let on = |p: usize| (start..=end).filter(|&i| lines[i].0 == p).count();
        for p in lines[start].0..=page {
            assert!(
                on(p) >= 2,
                "{filler} lines before: page {} has one line of the paragraph",
                p + 1
            );
        }
    });
}

/// Justified lines stretch or shrink their spaces, but a space never
/// shrinks below a visible gap (text extraction relies on it too).
#[test]
fn justified_spaces_keep_a_visible_floor() {
    // Many short words between spaces: the text that tempts the line
    // breaker to squeeze a line rather than stretch it.
    let names = [
        "นายสมชาย ใจดี",
        "นางสาวสมหญิง รักไทย",
        "นายอนุชา ทองประเสริฐ",
        "นางวิไล ศรีสุข",
        "นายธนพล รุ่งเรือง",
        "นางสาวกมล ใจงาม",
        "นายชัย มั่นคง",
        "นางพร สุขใจ",
    ];
    let list = (0..6).flat_map(|_| names).collect::<Vec<_>>().join(" ");
    // Latin words break only at spaces, as protected Thai names do.
    let latin = "Integrity and Transparency Assessment of the public sector agencies, \
        with open data on the web site and a line for questions from the public. "
        .repeat(5);
    let crowded = memo_after_filler(
        0,
        vec![
            json!(format!(
                "ผู้เข้าร่วมประชุม ได้แก่ {list} และ COVID-19 Web 2.0 ISO 9001"
            )),
            json!(latin),
        ],
    );
    let documents = [
        (
            "order-490-2567.toml",
            document(example_value("order-490-2567.toml")),
        ),
        (
            "ita-report-2568.toml",
            document(example_value("ita-report-2568.toml")),
        ),
        ("a list of names", crowded),
    ];
    for (name, document) in documents {
        let layout = layout(&document);
        let narrowest = layout
            .texts
            .iter()
            .flat_map(|t| t.spaces.iter().map(move |s| (*s, t)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .expect("the text has spaces");
        assert!(
            narrowest.0 >= MIN_SPACE_EM,
            "{name}: a space of {:.3} em in {:?}",
            narrowest.0,
            narrowest.1.text
        );
    }
}

/// The narrowest a justified space may become, in ems: Sarabun's space is
/// 0.243 em wide; much below 0.19 em words start to run together.
const MIN_SPACE_EM: f64 = 0.19;

/// A body that ends with a table keeps the table's last row with the
/// closing and the signature; where that row goes over to a new page, the
/// header goes with it, and every row is printed once.
#[test]
fn a_table_ending_the_body_keeps_its_last_row_with_the_signature() {
    let rows: Vec<Value> = ["๑", "๒", "๓", "๔"]
        .iter()
        .map(|n| json!([n, format!("รายการที่ {n} ของตาราง"), "ผู้รับผิดชอบ"]))
        .collect();
    let tail = [json!({ "table": {
        "columns": ["ที่", "รายการ", "หมายเหตุ"],
        "rows": rows,
    }})];
    let moved = std::cell::Cell::new(false);
    slide(&tail, |filler, lines| {
        let first = line_of(lines, "รายการที่ ๑");
        let last = line_of(lines, "รายการที่ ๔");
        let closing = line_of(lines, "จึงเรียนมาเพื่อโปรดทราบ");
        let name = line_of(lines, "(นางสาวฉัญญุรัตน์");
        let page = lines[last].0;
        assert!(
            lines[closing].0 == page && lines[name].0 == page,
            "{filler} lines before: the last row is parted from the signature: {lines:#?}"
        );
        for n in ["๑", "๒", "๓", "๔"] {
            let row = format!("รายการที่ {n}");
            let count = lines.iter().filter(|l| l.2.contains(&row)).count();
            assert_eq!(
                count, 1,
                "{filler} lines before: row {n} printed {count} times"
            );
        }
        // The header heads every page the table is on, once.
        let headers: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].2.contains("หมายเหตุ"))
            .collect();
        for p in lines[first].0..=page {
            let on: Vec<&usize> = headers.iter().filter(|&&h| lines[h].0 == p).collect();
            assert_eq!(
                on.len(),
                1,
                "{filler} lines before: {} headers on page {}: {lines:#?}",
                on.len(),
                p + 1
            );
        }
        let header = headers.iter().rfind(|&&h| lines[h].0 == page).unwrap();
        assert!(
            *header < last,
            "{filler} lines before: the header is below the row"
        );
        if lines[first].0 < page {
            moved.set(true);
        }
    });
    assert!(moved.get(), "the last row never went over to a new page");
}
