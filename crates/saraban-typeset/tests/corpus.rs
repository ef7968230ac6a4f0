//! The line-breaking corpus: Thai names, surnames, places, months, dates and
//! official terms, typeset in body paragraphs and in table cells 3 cm wide.
//! Lines are read back from the pages (the probe), and every occurrence with
//! a line break inside it, other than at a place it may break, is counted.
//! There must be none. Run with `--nocapture` to see the counts.

use std::process::Command;

use saraban_core::Document;
use saraban_core::document::document_from_value;
use saraban_typeset::Typesetter;
use saraban_typeset::probe::Layout;
use serde_json::{Value, json};

/// People: title, first name, surname. In a wide column the whole name
/// keeps to one line; in a narrow one it may break at the space.
const NAMES: [&str; 30] = [
    "นายสมชาย ใจดี",
    "นางสาวสมใจ ตั้งใจดี",
    "นางสาวฉัญญุรัตน์ อิ่มสมบัติ",
    "นายประเสริฐ ศรีสุวรรณ",
    "นางมาลี บุญมา",
    "นายวิชัย แก้วประเสริฐ",
    "นางสาวกัญญารัตน์ ทองคำ",
    "นายธนพล วงศ์สวัสดิ์",
    "นางสุภาพร จันทร์เพ็ญ",
    "นายอนุชา พรหมมา",
    "นางสาวพิมพ์ชนก รุ่งเรือง",
    "นายณัฐวุฒิ สุขสวัสดิ์",
    "นางวันเพ็ญ ศรีวงศ์",
    "นายสุรศักดิ์ ปัญญาดี",
    "นางสาวจิราพร แสงทอง",
    "นายเกียรติศักดิ์ บุญเรือง",
    "นางนงลักษณ์ ชัยมงคล",
    "นายชัยวัฒน์ สมบูรณ์ชัย",
    "นางสาวศิริพร อินทร์แก้ว",
    "นายบุญเลิศ ทองดี",
    "นางสาววรรณา พึ่งบุญ",
    "นายปิยะพงษ์ เรืองศรี",
    "นางรัตนา มณีวงศ์",
    "นายธีรพงษ์ คำแหง",
    "นางสาวอรอุมา สิทธิชัย",
    "นายสมศักดิ์ รักษาศักดิ์",
    "ว่าที่ร้อยตรีพงศกร ศรีสมบูรณ์",
    "นายอำนาจ ทรัพย์มาก",
    "นางสาวปวีณา ขำสุวรรณ",
    "นายกิตติพงษ์ ประจำวงศ์",
];

/// Places; `|` marks where a line may break (between a place's kind and
/// its name).
const PLACES: [&str; 24] = [
    "อบต.|วังกระแจะ",
    "ตำบล|หนองเสม็ด",
    "ตำบล|ห้วงน้ำขาว",
    "อำเภอ|เขาสมิง",
    "อำเภอ|แหลมงอบ",
    "อำเภอ|บ่อไร่",
    "อำเภอ|คลองใหญ่",
    "จังหวัด|ตราด",
    "จังหวัด|จันทบุรี",
    "จังหวัด|ฉะเชิงเทรา",
    "จังหวัด|นครราชสีมา",
    "จังหวัด|พระนครศรีอยุธยา",
    "ตำบล|ท่าพริก",
    "ตำบล|แสนตุ้ง",
    "อบต.|ด่านชุมพล",
    "อบต.|ทุ่งนนทรี",
    "เทศบาลตำบล|เนินทราย",
    "อำเภอ|เมืองจันทบุรี",
    "ตำบล|บางพระ",
    "ตำบล|หนองคันทรง",
    "อบต.|ชำราก",
    "อำเภอ|ท่าใหม่",
    "ตำบล|เกาะช้าง",
    "กรุงเทพมหานคร",
];

/// Dates that keep day, month and year on one line (the month names
/// themselves come from `saraban_core::thai::MONTHS_FULL`).
const DATES: [&str; 6] = [
    "๙ เมษายน ๒๕๖๘",
    "๑ ตุลาคม ๒๕๖๗",
    "๓๐ กันยายน ๒๕๖๘",
    "พ.ศ. ๒๕๖๘",
    "๑๓ ธ.ค. ๖๗",
    "ตุลาคม ๒๕๖๗ –| มีนาคม ๒๕๖๘",
];

/// Official terms; `|` marks where a line may break.
const TERMS: [&str; 30] = [
    "ประจำปีงบประมาณ",
    "ผู้รับผิดชอบ",
    "อิเล็กทรอนิกส์",
    "คุณธรรม|และ|ความโปร่งใส",
    "ผู้บังคับบัญชา",
    "ข้อบัญญัติ",
    "ไปรษณีย์|อิเล็กทรอนิกส์",
    "เว็บไซต์",
    "ยุทธศาสตร์",
    "งบประมาณ",
    "จัดซื้อ|จัดจ้าง",
    "ผู้อำนวยการ",
    "สำนักปลัด",
    "นักวิเคราะห์|นโยบาย|และ|แผน",
    "ประชาสัมพันธ์",
    "สาธารณสุข",
    "ราชกิจจานุเบกษา",
    "ยุทธศาสตร์|ชาติ",
    "คณะกรรมการ",
    "ผู้ว่าราชการ|จังหวัด",
    "ปลัด|องค์การ|บริหาร|ส่วน|ตำบล",
    "ทรัพยากร|ธรรมชาติ",
    "สิ่งแวดล้อม",
    "ประสิทธิภาพ",
    "การ|มีส่วนร่วม",
    "เทคโนโลยี|สารสนเทศ",
    "คอมพิวเตอร์",
    "ออนไลน์",
    "กรุงเทพฯ",
    "ต่าง ๆ",
];

/// Every item, printed (without `|`), with the character offsets (spaces
/// removed) where a line may break inside it, wide and narrow.
struct Item {
    text: String,
    wide: Vec<usize>,
    narrow: Vec<usize>,
}

fn items() -> Vec<Item> {
    let mut items = Vec::new();
    for name in NAMES {
        let first = name.split(' ').next().unwrap().chars().count();
        items.push(Item {
            text: name.to_owned(),
            wide: Vec::new(),
            narrow: vec![first],
        });
    }
    for spec in PLACES
        .iter()
        .chain(&TERMS)
        .chain(&saraban_core::thai::MONTHS_FULL)
        .chain(&DATES)
    {
        let mut allowed = Vec::new();
        let mut at = 0;
        for c in spec.chars() {
            if c == '|' {
                allowed.push(at);
            } else if c != ' ' {
                at += 1;
            }
        }
        items.push(Item {
            text: spec.replace('|', ""),
            wide: allowed.clone(),
            narrow: allowed,
        });
    }
    items
}

/// Body paragraphs, each item in running text with Thai words on both
/// sides, four times over in different places of the line.
fn paragraphs(items: &[Item]) -> Vec<String> {
    let frames = [
        ("ให้", "ดำเนินการตามที่ได้รับมอบหมาย"),
        ("โดยมี", "เป็นผู้ประสานงานหลัก"),
        ("ทั้งนี้", "ได้รายงานผลการดำเนินงานแล้ว"),
        ("ตามหนังสือของ", "ซึ่งเกี่ยวข้อง"),
    ];
    let mut paragraphs = Vec::new();
    for round in 0..4 {
        let mut text = String::new();
        for (k, item) in items.iter().enumerate() {
            let (before, after) = frames[(k + round) % frames.len()];
            // A name is followed by a space, as Thai writing has it.
            let gap = if item.text.contains(' ') || item.text.ends_with('.') {
                " "
            } else {
                ""
            };
            text.push_str(&format!("{before}{}{gap}{after} ", item.text));
            if k % 9 == 8 {
                paragraphs.push(text.trim_end().to_owned());
                text.clear();
            }
        }
        if !text.is_empty() {
            paragraphs.push(text.trim_end().to_owned());
        }
    }
    paragraphs
}

fn memo(body: Vec<Value>) -> Document {
    document_from_value(json!({
        "format": "saraban/1",
        "kind": "memo",
        "unit": "สำนักปลัด องค์การบริหารส่วนตำบลวังกระแจะ",
        "number": { "prefix": "ตร 71001", "number": 1 },
        "date": "2025-04-09",
        "subject": "ทดสอบการตัดบรรทัด",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "body": body,
        "signer": { "name": "นางสาวฉัญญุรัตน์ อิ่มสมบัติ", "position": "ผู้ช่วยนิติกร" },
    }))
    .unwrap()
}

/// Lines read back in order, each as (page, text without spaces).
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}' | '\u{2060}'))
        .collect()
}

/// Counts the occurrences of `items` in `lines` and those broken inside,
/// at a place not allowed (`narrow` picks the allowed places).
fn count(lines: &[String], items: &[Item], narrow: bool, broken: &mut Vec<String>) -> usize {
    let mut flow = String::new();
    // Character offsets in `flow` where a new line starts.
    let mut starts = Vec::new();
    for line in lines {
        starts.push(flow.chars().count());
        flow.push_str(line);
    }
    let chars: Vec<char> = flow.chars().collect();
    let mut found = 0;
    for item in items {
        let wanted: Vec<char> = squeeze(&item.text).chars().collect();
        let allowed = if narrow { &item.narrow } else { &item.wide };
        for at in 0..chars.len().saturating_sub(wanted.len() - 1) {
            if chars[at..at + wanted.len()] != wanted[..] {
                continue;
            }
            found += 1;
            for start in &starts {
                let inside = start.saturating_sub(at);
                if *start > at && *start < at + wanted.len() && !allowed.contains(&inside) {
                    let before: String = chars[at..*start].iter().collect();
                    let after: String = chars[*start..at + wanted.len()].iter().collect();
                    broken.push(format!("{before}|{after}"));
                }
            }
        }
    }
    found
}

fn pdftotext(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("saraban-corpus-{}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is needed (poppler-utils; scripts/test installs it)");
    std::fs::remove_file(&path).unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn no_word_is_broken_across_lines() {
    let items = items();
    // The organisation lists its places (the `terms` of its file).
    let places = PLACES.iter().map(|p| p.rsplit('|').next().unwrap());
    let typesetter = Typesetter::default().with_terms(places);

    // Body paragraphs: the lines of the body, between the subject's rule and
    // the signature.
    let body = memo(paragraphs(&items).into_iter().map(Value::String).collect());
    let typeset = typesetter.typeset(&body, None).unwrap();
    let layout = Layout::of(&typeset.document);
    let mut lines = Vec::new();
    for page in 0..typeset.page_count() {
        // Page numbers ("- ๒ -") left out: an occurrence broken across
        // pages is then found, and counted broken.
        lines.extend(
            layout
                .lines(page)
                .into_iter()
                .filter(|(_, t)| !(t.starts_with("- ") && t.ends_with(" -")))
                .map(|(_, t)| squeeze(&t)),
        );
    }
    let mut broken_body = Vec::new();
    let body_found = count(&lines, &items, false, &mut broken_body);
    let pdf = typeset.pdf().unwrap();
    let extracted = pdftotext(&pdf);
    // The language that chose the line breaker is not what the PDF says.
    assert!(
        pdf.windows(9).all(|w| w != b"/Lang(zh)") && pdf.windows(9).any(|w| w == b"/Lang(th)"),
        "the PDF's text is said to be Thai"
    );
    // None of the marks that steer line breaking (nor a no-break space for
    // a glued one: the corpus types none) reaches the PDF's text.
    let marks = |text: &str| {
        text.chars()
            .filter(|c| matches!(c, '\u{200B}' | '\u{2060}' | '\u{00A0}' | '\u{FFFC}'))
            .count()
    };
    let stray = marks(&extracted);

    // A table whose first column is 3 cm wide (of 16 cm): every item in its
    // own cell, one item to a row.
    let rows: Vec<Value> = items
        .iter()
        .flat_map(|item| [item.text.clone(), format!("ให้{}", item.text)])
        .map(|cell| json!([cell, "-"]))
        .collect();
    let table = memo(vec![json!({ "table": {
        "columns": ["รายการ", "หมายเหตุ"],
        "widths": [3, 13],
        "rows": rows,
    }})]);
    let typeset = typesetter.typeset(&table, None).unwrap();
    let layout = Layout::of(&typeset.document);
    // The first column: runs that start within 3 cm of the left margin.
    let mut cell_lines: Vec<String> = Vec::new();
    for page in 0..typeset.page_count() {
        let mut runs: Vec<_> = layout
            .texts
            .iter()
            .filter(|t| t.page == page && t.x >= 3.0 && t.x < 6.0 && t.size < 10.0)
            .collect();
        runs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
        let mut last_y = f64::NAN;
        for run in runs {
            if (run.y - last_y).abs() < 0.05 {
                if let Some(line) = cell_lines.last_mut() {
                    line.push_str(&squeeze(&run.text));
                }
            } else {
                cell_lines.push(squeeze(&run.text));
            }
            last_y = run.y;
        }
    }
    let mut broken_cells = Vec::new();
    let cells_found = count(&cell_lines, &items, true, &mut broken_cells);
    // Nothing may run out of its 3 cm column (at 6 cm from the page's edge).
    let overflowing: Vec<&str> = layout
        .texts
        .iter()
        .filter(|t| t.x >= 3.0 && t.x < 6.0 && t.size < 10.0 && t.x + t.width > 6.0)
        .map(|t| t.text.as_str())
        .collect();
    let stray = stray + marks(&pdftotext(&typeset.pdf().unwrap()));

    println!(
        "corpus: {} occurrences in body paragraphs, {} broken; {} in 3 cm cells, {} broken; \
         {} stray marks in the extracted text; {} cell lines run out of their column {:?}",
        body_found,
        broken_body.len(),
        cells_found,
        broken_cells.len(),
        stray,
        overflowing.len(),
        overflowing,
    );
    for b in broken_body.iter().chain(&broken_cells) {
        println!("  broken: {b}");
    }
    assert!(
        body_found + cells_found >= 400,
        "the corpus has {} occurrences",
        body_found + cells_found
    );
    assert_eq!(stray, 0, "marks appear in the extracted text");
    assert!(
        overflowing.is_empty(),
        "{overflowing:?} run out of the column"
    );
    assert!(
        broken_body.is_empty() && broken_cells.is_empty(),
        "{} occurrences broken inside a word",
        broken_body.len() + broken_cells.len()
    );
}
