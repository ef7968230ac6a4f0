//! The official layout, read back from the typeset pages: where the emblem,
//! title, header, body and signature went, in centimetres from the top-left
//! corner of A4 paper (21 × 29.7 cm; text from 3 cm to 19 cm).

use saraban_core::Document;
use saraban_typeset::probe::PlacedText;
use saraban_typeset::{FontSet, Typesetter};
use serde_json::json;

mod common;

use common::{LEFT, MIDDLE, RIGHT, all_text, centre, example, layout, near, official};

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
    all_text(&layout(document))
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

/// The right edge of a run, in cm from the paper's left edge.
fn right_edge(text: &PlacedText) -> f64 {
    text.x + text.width
}

/// Text without spaces and the invisible marks line breaking may add.
fn bare(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
        })
        .collect()
}

/// Issue 13: a budget table's amounts are right-aligned, so their right
/// edges line up; the total is a footer row printed once, bold, under the
/// last row, its label right-aligned across the columns it spans.
#[test]
fn budget_amounts_line_up_and_the_total_follows_the_rows() {
    let layout = layout(&example("budget-memo-2568.toml"));
    // The rightmost run of each amount (a unit price can read the same).
    let rightmost = |amount: &str| {
        layout
            .texts
            .iter()
            .filter(|t| bare(&t.text) == amount)
            .max_by(|a, b| a.x.total_cmp(&b.x))
            .unwrap_or_else(|| panic!("{amount} printed"))
    };
    let amounts = ["๖,๒๕๐.๐๐", "๙,๔๐๐.๐๐", "๑๕,๐๐๐.๐๐", "๒,๑๐๐.๐๐", "๑,๕๐๐.๐๐"];
    let rows: Vec<&PlacedText> = amounts.iter().map(|a| rightmost(a)).collect();
    let total = rightmost("๓๔,๒๕๐.๐๐");
    // The last column ends at the text's right edge; cells are inset 4 pt.
    let inset = 4.0 / 72.0 * 2.54;
    for run in rows.iter().chain([&total]) {
        assert!(
            near(right_edge(run), RIGHT - inset, 0.02),
            "right-aligned in the last column: {run:?}"
        );
    }
    let unit_prices: Vec<&PlacedText> = ["๑๒๕.๐๐", "๒,๓๕๐.๐๐", "๓๕.๐๐", "๗๕๐.๐๐"]
        .iter()
        .map(|a| rightmost(a))
        .collect();
    let edge = right_edge(unit_prices[0]);
    assert!(
        unit_prices
            .iter()
            .all(|run| near(right_edge(run), edge, 0.01)),
        "{unit_prices:?}"
    );
    assert!(edge < rows[0].x, "unit prices left of the amounts");

    // The total: bold, once, below every row, and its label ends where
    // the amount column begins.
    assert!(total.bold && !rows[0].bold, "{total:?}");
    for run in &rows {
        assert!((total.page, total.y) > (run.page, run.y), "{run:?}");
    }
    // Runs of one baseline, between two x positions (a phrase may be set
    // in several runs).
    let phrase = |page: usize, y: f64, from: f64, to: f64| {
        let mut runs: Vec<&PlacedText> = layout
            .texts
            .iter()
            .filter(|t| t.page == page && near(t.y, y, 0.01) && t.x >= from && t.x < to)
            .collect();
        runs.sort_by(|a, b| a.x.total_cmp(&b.x));
        runs
    };
    let label = phrase(total.page, total.y, LEFT, total.x);
    let text: String = label.iter().map(|t| bare(&t.text)).collect();
    assert_eq!(text, "รวมทั้งสิ้น", "{label:?}");
    assert!(label.iter().all(|t| t.bold), "{label:?}");
    let amount_column = 1.6 / (0.6 + 4.2 + 1.2 + 1.6 + 1.6) * (RIGHT - LEFT);
    let end = label.iter().map(|t| right_edge(t)).fold(0.0, f64::max);
    assert!(
        near(end, RIGHT - amount_column - inset, 0.03),
        "right-aligned before the amount column: {label:?}"
    );
    let printed: usize = (0..layout.page_sizes.len())
        .flat_map(|p| layout.lines(p))
        .filter(|(_, line)| bare(line).contains("รวมทั้งสิ้น"))
        .count();
    assert_eq!(printed, 1, "the footer prints once");
    let (y, line) = layout
        .lines(total.page)
        .into_iter()
        .find(|(_, line)| bare(line).contains("สามหมื่นสี่พัน"))
        .expect("the amount in words");
    let words = phrase(total.page, y, LEFT, RIGHT);
    let middle = (words[0].x + right_edge(words[words.len() - 1])) / 2.0;
    assert!(
        y > total.y && near(middle, MIDDLE, 0.05),
        "centred under the total: {line}"
    );
}

/// Items: labels typed or numbered in the chosen style, the second level
/// one step (1.25 cm) further in, and items after a table.
#[test]
fn items_are_labelled_and_nested_as_written() {
    let layout = layout(&example("budget-memo-2568.toml"));
    let label = |text: &str| {
        layout
            .texts
            .iter()
            .find(|t| bare(&t.text) == text)
            .unwrap_or_else(|| panic!("label {text}"))
    };
    for (text, indent) in [
        ("๑.", 2.5),
        ("๑.๑", 3.75),
        ("๑.๒", 3.75),
        ("๒.", 2.5),
        ("ก.", 2.5),
        ("ข.", 2.5),
    ] {
        let run = label(text);
        assert!(near(run.x, LEFT + indent, 0.01), "{text}: {run:?}");
    }
    let first = label("๑.");
    let sub = label("๑.๑");
    assert!((sub.page, sub.y) > (first.page, first.y));
    let total = label("๓๔,๒๕๐.๐๐");
    let after = label("ก.");
    assert!(
        (after.page, after.y) > (total.page, total.y),
        "after the table"
    );
}

/// Typed digits turn Thai only in Thai text; "as_typed" leaves them.
#[test]
fn typed_digits_follow_their_context() {
    let body = vec![json!(
        "ปี 2568 โรค COVID-19 มาตรฐาน ISO 9001 อีเมล saraban2568@wangkrachae.go.th"
    )];
    let thai = layout_text(&memo_with(body.clone(), json!({})));
    for printed in [
        "ปี ๒๕๖๘",
        "COVID-19",
        "ISO 9001",
        "saraban2568@wangkrachae.go.th",
        "๙ เมษายน ๒๕๖๘",
    ] {
        assert!(
            bare(&thai).contains(&bare(printed)),
            "{printed} in:\n{thai}"
        );
    }
    let typed = layout_text(&memo_with(
        body,
        json!({ "style": { "digits": "as_typed" } }),
    ));
    let typed = bare(&typed);
    assert!(typed.contains("ปี2568"), "{typed}");
    // What saraban prints itself stays Thai.
    assert!(
        typed.contains("๙เมษายน๒๕๖๘") && typed.contains("ตร๗๑๐๐๑/๑๒๓"),
        "{typed}"
    );
}

/// Decimal columns line up on the decimal point; a header cell spans the
/// columns it groups.
#[test]
fn decimal_columns_align_on_the_point_under_a_spanning_header() {
    let table = json!({ "table": {
        "header": [["", { "text": "งบประมาณ (บาท)", "span": 2 }]],
        "columns": ["รายการ", "ปี ๒๕๖๗", "ปี ๒๕๖๘"],
        "align": ["left", "decimal", "decimal"],
        "rows": [
            ["ค่าวัสดุ", "1,250.5", "12"],
            ["ค่าจ้าง", "12", "300.75"],
            ["ค่าป้าย", "-", "9,999.25"],
        ],
    }});
    let layout = layout(&memo_with(vec![json!("ตาราง"), table], json!({})));
    let run = |text: &str| {
        layout
            .texts
            .iter()
            .find(|t| bare(&t.text) == bare(text))
            .unwrap_or_else(|| panic!("{text}"))
    };
    // Column 2 (x from 3 + 16/3 cm): whole parts end at the same point.
    let a = run("๑,๒๕๐");
    let b = layout
        .texts
        .iter()
        .filter(|t| t.text == "๑๒")
        .min_by(|p, q| p.x.total_cmp(&q.x))
        .unwrap();
    assert!(near(right_edge(a), right_edge(b), 0.01), "{a:?} {b:?}");
    let fraction = run(".๕");
    assert!(near(fraction.x, right_edge(a), 0.01), "{fraction:?}");
    // Column 3: "๑๒" without a fraction ends where "๓๐๐" and "๙,๙๙๙" do.
    let c = run("๓๐๐");
    let d = run("๙,๙๙๙");
    let e = layout
        .texts
        .iter()
        .filter(|t| t.text == "๑๒")
        .max_by(|p, q| p.x.total_cmp(&q.x))
        .unwrap();
    assert!(
        near(right_edge(c), right_edge(d), 0.01) && near(right_edge(c), right_edge(e), 0.01),
        "{c:?} {d:?} {e:?}"
    );
    let group = run("งบประมาณ (บาท)");
    let third = (RIGHT - LEFT) / 3.0;
    assert!(
        near(centre(group), LEFT + 2.0 * third, 0.05),
        "centred over the two year columns: {group:?}"
    );
}
