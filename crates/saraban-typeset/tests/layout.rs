//! The official layout, read back from the typeset pages: where the emblem,
//! title, header, body and signature went, in centimetres from the top-left
//! corner of A4 paper (21 × 29.7 cm; text from 3 cm to 19 cm).

use saraban_core::{Document, Syntax, read_document};
use saraban_typeset::probe::{Layout, PlacedText};
use saraban_typeset::{FontSet, Typesetter};
use serde_json::json;

const LEFT: f64 = 3.0;
const RIGHT: f64 = 19.0;
const MIDDLE: f64 = (LEFT + RIGHT) / 2.0;

fn example(name: &str) -> Document {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    read_document(&text, Syntax::of_path(path.as_ref())).unwrap()
}

fn layout(document: &Document) -> Layout {
    let typeset = Typesetter::default().typeset(document, None).unwrap();
    Layout::of(&typeset.document)
}

fn near(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

fn centre(text: &PlacedText) -> f64 {
    text.x + text.width / 2.0
}

/// Official size (points of TH Sarabun PSK) in points of Sarabun.
fn official(points: f64) -> f64 {
    points * FontSet::bundled().scale
}

#[test]
fn memo_follows_the_official_form() {
    let layout = layout(&example("ita-report-2568.toml"));
    for (width, height) in &layout.page_sizes {
        assert!(
            near(*width, 21.0, 0.01) && near(*height, 29.7, 0.01),
            "A4: {width} × {height}"
        );
    }

    // Garuda (placeholder) 1.5 cm tall, top left, 1.5 cm from the top edge.
    let emblem = layout
        .boxes
        .iter()
        .find(|b| b.page == 0 && near(b.height, 1.5, 0.01));
    let emblem = emblem.expect("a 1.5 cm emblem on page one");
    assert!(
        near(emblem.x, LEFT, 0.01) && near(emblem.y, 1.5, 0.01),
        "{emblem:?}"
    );

    // Title: bold, 29 pt equivalent, centred, its baseline on the emblem's foot.
    let title = layout.find("บันทึกข้อความ").unwrap();
    assert!(
        title.bold && near(title.size, official(29.0), 0.05),
        "{title:?}"
    );
    assert!(
        near(centre(title), MIDDLE, 0.05),
        "title centred: {title:?}"
    );
    assert!(
        near(title.y, emblem.y + emblem.height, 0.05),
        "title on the emblem's line: {title:?}"
    );

    // Header labels bold at 20 pt equivalent; ที่ and วันที่ share a line, วันที่ in the right half.
    let unit = layout.find("ส่วนราชการ").unwrap();
    assert!(unit.bold && near(unit.size, official(20.0), 0.05) && near(unit.x, LEFT, 0.01));
    let number = layout
        .texts
        .iter()
        .find(|t| t.text == "ที่" && t.bold)
        .unwrap();
    let date = layout.find("วันที่").unwrap();
    assert!(
        near(number.y, date.y, 0.01) && near(date.x, MIDDLE, 0.01),
        "{number:?} {date:?}"
    );
    assert!(number.y > unit.y && layout.find("เรื่อง").unwrap().y > number.y);
    let value = layout.find("สำนักปลัด").unwrap();
    assert!(
        !value.bold && near(value.size, official(16.0), 0.05),
        "values at body size: {value:?}"
    );

    // Body: first line indented 2.5 cm.
    let first = layout.find("ตามคำสั่ง").unwrap();
    assert!(
        near(first.x, LEFT + 2.5, 0.01),
        "first-line indent: {first:?}"
    );

    // Signature block in the right half, below the closing line.
    let closing = layout.find("จึงเรียนมาเพื่อโปรดทราบ").unwrap();
    let name = layout.find("(นางสาวฉัญญุรัตน์").unwrap();
    assert!(
        name.x > MIDDLE && name.x + name.width <= RIGHT + 0.01,
        "{name:?}"
    );
    assert!((name.page, name.y) > (closing.page, closing.y));

    // Four endorsements with abbreviated dates, the mayor's "ทราบ" last.
    let dates: Vec<_> = layout
        .texts
        .iter()
        .filter(|t| t.text.contains("๑๓ เม.ย. ๖๘"))
        .collect();
    assert_eq!(dates.len(), 4, "{dates:?}");
    let mayor = layout.find("(นายกนก ใจรักษ์)").unwrap();
    assert!((mayor.page, mayor.y) > (name.page, name.y));

    // Page numbers "- ๒ -" centred at the top from page two; none on page one.
    assert!(layout.page_sizes.len() >= 2);
    for page in 0..layout.page_sizes.len() {
        let label = format!(
            "- {} -",
            saraban_core::DigitStyle::Thai.number(page as u64 + 1)
        );
        let found = layout
            .lines(page)
            .into_iter()
            .find(|(_, text)| text == &label);
        if page == 0 {
            assert!(found.is_none());
        } else {
            let (y, _) = found.unwrap_or_else(|| panic!("page number {label}"));
            assert!(y < 2.5, "page number in the top margin: {y}");
        }
    }
}

#[test]
fn order_follows_the_official_form() {
    let layout = layout(&example("order-490-2567.toml"));
    let emblem = layout
        .boxes
        .iter()
        .find(|b| b.page == 0 && near(b.height, 3.0, 0.01));
    let emblem = emblem.expect("a 3 cm emblem on page one");
    assert!(near(emblem.x + emblem.width / 2.0, MIDDLE, 0.01) && near(emblem.y, 1.5, 0.01));

    let lines = layout.lines(0);
    for heading in ["คำสั่งองค์การบริหารส่วนตำบลวังกระแจะ", "ที่ ๔๙๐/๒๕๖๗"]
    {
        let run = layout
            .find(heading)
            .unwrap_or_else(|| panic!("{heading}: {lines:?}"));
        assert!(run.bold && near(centre(run), MIDDLE, 0.05), "{run:?}");
        assert!(run.y > emblem.y + emblem.height);
    }
    let all: String = (0..layout.page_sizes.len())
        .flat_map(|p| layout.lines(p))
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all.contains("สั่ง ณ วันที่ ๑ สิงหาคม พ.ศ. ๒๕๖๗"), "{all}");
    assert!(all.contains("ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป"));
    let name = layout.find("(นายกนก ใจรักษ์)").unwrap();
    assert!(name.x > MIDDLE);
}

#[test]
fn delegation_and_urgency_are_printed() {
    let layout = layout(&example("order-490-2567-delegated.json"));
    let urgency = layout.find("ด่วนที่สุด").unwrap();
    assert_eq!(urgency.color, "#d00000");
    assert!(urgency.bold && near(urgency.size, official(32.0), 0.05));
    let title = layout.find("คำสั่งองค์การ").unwrap();
    assert!(urgency.page == 0 && urgency.y < title.y);

    let name = layout
        .texts
        .iter()
        .rfind(|t| t.text.starts_with('('))
        .unwrap();
    let below: Vec<_> = layout
        .lines(name.page)
        .into_iter()
        .filter(|(y, _)| *y > name.y)
        .map(|(_, text)| text)
        .collect();
    assert_eq!(below[0], "ปลัดองค์การบริหารส่วนตำบลวังกระแจะ", "{below:?}");
    assert_eq!(below[1], "ปฏิบัติราชการแทน");
    assert_eq!(below[2], "นายกองค์การบริหารส่วนตำบลวังกระแจะ");
}

fn memo_with(body: Vec<serde_json::Value>, extra: serde_json::Value) -> Document {
    let mut value = json!({
        "format": "saraban/1",
        "kind": "memo",
        "unit": "สำนักปลัด องค์การบริหารส่วนตำบลวังกระแจะ",
        "number": { "prefix": "ตร 71001", "number": 123 },
        "date": "2025-04-09",
        "subject": "ทดสอบ",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "body": body,
        "signer": { "name": "นางสาวฉัญญุรัตน์ อิ่มสมบัติ", "position": "ผู้ช่วยนิติกร" },
    });
    if let serde_json::Value::Object(extra) = extra {
        value.as_object_mut().unwrap().extend(extra);
    }
    saraban_core::document::document_from_value(value).unwrap()
}

/// Markup in user text is printed as typed: it never reaches Typst as code.
#[test]
fn user_text_is_data_not_markup() {
    let attempts = [
        "#read(\"/etc/passwd\")",
        "#import \"@preview/x:0.1.0\"",
        "$x$",
        "*a*",
        "<l>",
        "@r",
        "]",
        "\\",
        "#set page(width: 1cm)",
        "_b_ `c` // d /* e */",
    ];
    let body = attempts
        .iter()
        .map(|a| json!(format!("ข้อความ {a} ท้าย")))
        .collect();
    // Arabic digits, so that "0.1.0" is printed as typed.
    let extra = json!({ "subject": attempts.join(" "), "style": { "digits": "arabic" } });
    let layout = layout(&memo_with(body, extra));
    let page = layout
        .lines(0)
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n");
    for attempt in attempts {
        assert!(
            page.contains(&format!("ข้อความ {attempt} ท้าย")),
            "{attempt} not literal in:\n{page}"
        );
    }
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert!(
        squeeze(&page).contains(&squeeze(&attempts.join(" "))),
        "subject literal"
    );
    assert!(!page.contains("root:"), "nothing read from the file system");
    assert!(
        near(layout.page_sizes[0].0, 21.0, 0.01),
        "page settings untouched"
    );
}

#[test]
fn arabic_digits_when_the_organisation_chooses_them() {
    let document = memo_with(
        vec![json!("ครั้งที่ ๒ ปี 2568")],
        json!({ "style": { "digits": "arabic" } }),
    );
    let layout = layout(&document);
    let page = layout
        .lines(0)
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(page.contains("9 เมษายน 2568"), "{page}");
    assert!(page.contains("ตร 71001/123"));
    assert!(page.contains("ครั้งที่ 2 ปี 2568"));
    let thai = layout_text(&memo_with(vec![json!("ครั้งที่ 2")], json!({})));
    assert!(
        thai.contains("๙ เมษายน ๒๕๖๘") && thai.contains("ตร ๗๑๐๐๑/๑๒๓") && thai.contains("ครั้งที่ ๒")
    );
}

fn layout_text(document: &Document) -> String {
    let layout = layout(document);
    (0..layout.page_sizes.len())
        .flat_map(|p| layout.lines(p))
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn long_tables_repeat_their_header_on_every_page() {
    let rows: Vec<_> = (1..=200)
        .map(|i| {
            json!([
                i.to_string(),
                format!("นายทดสอบ ลำดับที่{i}"),
                "นักจัดการงานทั่วไป",
                "ตอบข้อซักถามของประชาชน"
            ])
        })
        .collect();
    let value = json!({
        "format": "saraban/1",
        "kind": "order",
        "authority": "องค์การบริหารส่วนตำบลวังกระแจะ",
        "number": 490,
        "date": "2024-08-01",
        "subject": "แต่งตั้งเจ้าหน้าที่",
        "body": ["จึงแต่งตั้ง ดังนี้", { "table": { "columns": ["ที่", "ชื่อ - สกุล", "ตำแหน่ง", "หน้าที่"], "rows": rows } }],
        "signer": { "name": "นายกนก ใจรักษ์", "position": "นายกองค์การบริหารส่วนตำบลวังกระแจะ" },
    });
    let document = saraban_core::document::document_from_value(value).unwrap();
    let layout = layout(&document);
    assert!(
        layout.page_sizes.len() >= 5,
        "{} pages",
        layout.page_sizes.len()
    );
    for page in 0..layout.page_sizes.len() {
        let has_rows = layout
            .texts
            .iter()
            .any(|t| t.page == page && t.text.contains("นายทดสอบ"));
        let has_header = layout
            .texts
            .iter()
            .any(|t| t.page == page && t.text == "ชื่อ - สกุล");
        assert_eq!(has_rows, has_header, "page {page}");
    }
}

#[test]
fn characters_without_a_glyph_fall_back_and_are_reported() {
    let document = memo_with(vec![json!("อักษร 漢 และ 😀 ไม่มีในฟอนต์ Ωμέγα Жж")], json!({}));
    let typeset = Typesetter::default().typeset(&document, None).unwrap();
    let warning = typeset
        .warnings
        .iter()
        .find(|w| w.contains("U+6F22"))
        .expect("a warning");
    assert!(warning.contains("U+1F600"), "{warning}");
    typeset.pdf().expect("PDF/A export succeeds");
    let text = layout_text(&document);
    assert!(
        text.contains("Ωμέγα Жж"),
        "Greek and Cyrillic come from the fallback fonts"
    );
}

#[test]
fn an_organisation_font_must_set_thai() {
    let dir = std::env::temp_dir().join(format!("saraban-fonts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let latin = typst_assets::fonts().next().unwrap();
    std::fs::write(dir.join("latin.otf"), latin).unwrap();
    let error = FontSet::with_dir(&dir, None).unwrap_err().to_string();
    assert!(
        error.starts_with("font_family:") && error.contains("no Thai"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An organisation's own Thai font is measured like Sarabun: the same
/// calibration rule gives the same size for the same glyphs.
#[test]
fn an_organisation_font_is_calibrated_from_its_metrics() {
    let dir = std::env::temp_dir().join(format!("saraban-own-fonts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let font = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../typst-templates/fonts/Sarabun_400Regular.ttf"
    );
    std::fs::copy(font, dir.join("own.ttf")).unwrap();
    let fonts = FontSet::with_dir(&dir, Some("Sarabun")).unwrap();
    assert!((fonts.scale - FontSet::bundled().scale).abs() < 1e-9);
    let typeset = Typesetter::new(fonts.into())
        .typeset(&memo_with(vec![json!("ข้อความ")], json!({})), None)
        .unwrap();
    assert!(typeset.pdf().is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}
