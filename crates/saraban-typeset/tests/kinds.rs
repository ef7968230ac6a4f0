//! The outgoing kinds (issue 15) read back from the typeset pages: the
//! external letter, the stamped letter and the announcement, and what the
//! memo and the order gained. Centimetres from the paper's top-left corner
//! (A4; text from 3 cm to 19 cm).

use saraban_core::document::document_from_value;
use saraban_core::{Document, Syntax};
use saraban_typeset::probe::{Layout, PlacedText};
use serde_json::{Value, json};

mod common;

use common::{LEFT, MIDDLE, RIGHT, all_text, centre, example, layout, near, official};

/// The foot of the text area: A4 less the 2 cm bottom margin.
const FOOT: f64 = 29.7 - 2.0;

/// The runs of one baseline joined, with the x where the line starts.
fn line_at(layout: &Layout, page: usize, needle: &str) -> (f64, f64, String) {
    let (y, text) = layout
        .lines(page)
        .into_iter()
        .find(|(_, text)| text.contains(needle))
        .unwrap_or_else(|| panic!("{needle} on page {page}: {:?}", layout.lines(page)));
    let x = layout
        .texts
        .iter()
        .filter(|t| t.page == page && near(t.y, y, 0.05))
        .map(|t| t.x)
        .fold(f64::MAX, f64::min);
    (x, y, text)
}

/// The 3 cm Garuda at the top centre, 1.5 cm from the paper's top edge.
fn garuda(layout: &Layout) -> (f64, f64) {
    let emblem = layout
        .boxes
        .iter()
        .find(|b| b.page == 0 && near(b.height, 3.0, 0.01))
        .expect("a 3 cm emblem on page one");
    assert!(
        near(emblem.x + emblem.width / 2.0, MIDDLE, 0.01) && near(emblem.y, 1.5, 0.01),
        "{emblem:?}"
    );
    (emblem.y, emblem.y + emblem.height)
}

#[test]
fn an_external_letter_follows_the_official_form() {
    let layout = layout(&example("letter-ita-report-2568.toml"));
    assert_eq!(
        layout.page_sizes.len(),
        1,
        "the example letter fills one page"
    );
    let (_, emblem_foot) = garuda(&layout);

    // ที่ at the left margin; the agency and its address at the right, on
    // the same first line, each line starting at the same x and the block
    // ending at the right margin.
    let (number_x, number_y, number) = line_at(&layout, 0, "ที่ ตร ๗๑๐๐๑/");
    assert!(near(number_x, LEFT, 0.01), "{number}");
    assert!(number_y > emblem_foot);
    let address = [
        "องค์การบริหารส่วนตำบลวังกระแจะ",
        "ถนนวังกระแจะ - ท่าพริก อำเภอเมืองตราด",
        "จังหวัดตราด ๒๓๐๐๐",
    ];
    let lines: Vec<&PlacedText> = address
        .iter()
        .map(|a| {
            layout
                .texts
                .iter()
                .find(|t| t.page == 0 && t.x > MIDDLE && a.starts_with(t.text.trim()))
                .unwrap_or_else(|| panic!("{a}"))
        })
        .collect();
    assert!(near(lines[0].y, number_y, 0.01), "first line beside ที่");
    let start = lines[0].x;
    for pair in lines.windows(2) {
        assert!(
            pair[1].y > pair[0].y && near(pair[1].x, start, 0.01),
            "{pair:?}"
        );
    }
    let right = address
        .iter()
        .map(|a| {
            let (_, _, _) = line_at(&layout, 0, a);
            layout
                .texts
                .iter()
                .filter(|t| t.page == 0 && t.x >= start - 0.01)
                .filter(|t| a.contains(t.text.trim()) && !t.text.trim().is_empty())
                .map(|t| t.x + t.width)
                .fold(0.0, f64::max)
        })
        .fold(0.0, f64::max);
    assert!(
        near(right, RIGHT, 0.05),
        "the address ends at the margin: {right}"
    );

    // The date starts at the centre of the text, below the address.
    let (date_x, date_y, date) = line_at(&layout, 0, "๒๑ เมษายน ๒๕๖๘");
    assert!(near(date_x, MIDDLE, 0.01), "{date} at {date_x}");
    assert!(date_y > lines[2].y);

    // เรื่อง, then the salutation with the addressee, อ้างถึง, สิ่งที่ส่งมาด้วย, in order.
    let order: Vec<f64> = ["เรื่อง", "เรียน", "อ้างถึง", "สิ่งที่ส่งมาด้วย", "ตามที่อำเภอ"]
        .iter()
        .map(|n| line_at(&layout, 0, n).1)
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let (to_x, _, to) = line_at(&layout, 0, "เรียน");
    assert!(
        near(to_x, LEFT, 0.01) && to.contains("นายอำเภอเมืองตราด"),
        "{to}"
    );
    let (_, _, enclosure) = line_at(&layout, 0, "สิ่งที่ส่งมาด้วย");
    assert!(enclosure.contains("๑. รายงานผล"), "{enclosure}");

    // The closing above the signature, both in the right half.
    let closing = layout.find("ขอแสดงความนับถือ").unwrap();
    let name = layout.find("(นายกนก ใจรักษ์)").unwrap();
    assert!(
        closing.x > MIDDLE - 1.0 && name.x > MIDDLE - 1.0,
        "{closing:?} {name:?}"
    );
    assert!(
        near(centre(closing), centre(name), 0.3),
        "{closing:?} {name:?}"
    );
    assert!(closing.y < name.y);

    // ส่วนราชการเจ้าของเรื่อง at the bottom left: the unit, โทร., โทรสาร,
    // e-mail at the left margin, the last line at the foot of the page.
    let contact: Vec<(f64, f64, String)> = [
        "สำนักปลัด",
        "โทร. ๐ ๓๙๕๑ ๒๔๕๖",
        "โทรสาร ๐ ๓๙๕๑ ๒๔๕๗",
        "saraban@wangkrachae.go.th",
    ]
    .iter()
    .map(|n| line_at(&layout, 0, n))
    .collect();
    for (x, y, text) in &contact {
        assert!(near(*x, LEFT, 0.01) && *y > name.y, "{text} at {x}, {y}");
    }
    assert!(contact.windows(2).all(|w| w[0].1 < w[1].1));
    let last = contact.last().unwrap().1;
    assert!(last > FOOT - 1.0 && last <= FOOT, "at the foot: {last}");
    assert!(contact[3].2.starts_with("ไปรษณีย์อิเล็กทรอนิกส์"));
}

#[test]
fn the_rank_and_the_drafters_wording_print() {
    let mut value: Value = saraban_core::document::read_value(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/letter-ita-report-2568.toml"
        ))
        .unwrap(),
        Syntax::Toml,
    )
    .unwrap();
    value["rank"] = json!("high");
    value["to"] = json!("นายกรัฐมนตรี");
    value["copies"] = json!(["ผู้ว่าราชการจังหวัดตราด", "นายอำเภอเมืองตราด"]);
    let layout = layout(&document_from_value(value.clone()).unwrap());
    let text = all_text(&layout);
    assert!(text.contains("กราบเรียนนายกรัฐมนตรี"), "{text}");
    assert!(text.contains("ขอแสดงความนับถืออย่างยิ่ง"));
    let (x, _, copies) = line_at(&layout, layout.page_sizes.len() - 1, "สำเนาส่ง");
    assert!(near(x, LEFT, 0.01) && copies.contains("ผู้ว่าราชการจังหวัดตราด"));
    value["salutation"] = json!("เรียน");
    value["sign_off"] = json!("ขอแสดงความนับถือ");
    let text = all_text(&layout_of(value));
    assert!(text.contains("\nเรียนนายกรัฐมนตรี") && !text.contains("อย่างยิ่ง"));
}

fn layout_of(value: Value) -> Layout {
    layout(&document_from_value(value).unwrap())
}

#[test]
fn a_stamped_letter_carries_the_stamp_line_and_initials() {
    let layout = layout(&example("stamped-receipt-2568.toml"));
    let (_, emblem_foot) = garuda(&layout);
    let (x, number_y, _) = line_at(&layout, 0, "ที่ ตร ๗๑๐๐๑/");
    assert!(near(x, LEFT, 0.01) && number_y > emblem_foot);
    let (x, to_y, to) = line_at(&layout, 0, "ถึง");
    assert!(near(x, LEFT, 0.01) && to_y > number_y, "{to}");
    assert!(to.contains("สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดตราด"));
    assert!(
        !all_text(&layout).contains("เรื่อง ตอบรับ"),
        "a stamped letter prints no เรื่อง"
    );

    // The stamp line: the agency's name centred on the right half, below
    // the body; the round stamp under it with the initials beside it; then
    // the date.
    let body = line_at(&layout, 0, "จึงขอตอบรับมาเพื่อทราบ").1;
    let agency = layout
        .texts
        .iter()
        .filter(|t| t.text.contains("องค์การบริหารส่วนตำบลวังกระแจะ") && t.x > MIDDLE - 1.0)
        .find(|t| t.y > body)
        .expect("the stamp line");
    let half = (MIDDLE + RIGHT) / 2.0;
    assert!(near(centre(agency), half, 0.1), "{agency:?}");
    let stamp = layout
        .boxes
        .iter()
        .find(|b| near(b.width, 3.5, 0.01) && near(b.height, 3.5, 0.01));
    // The stamp is a circle: read its text and the initials beside it.
    let initials = layout
        .find("ส. ต.")
        .expect("the initials of นางสาวสมใจ ตั้งใจดี");
    assert!(initials.y > agency.y && initials.x > half, "{initials:?}");
    assert!(stamp.is_none() || stamp.is_some_and(|s| s.y > agency.y));
    let date = layout.find("๒ พฤษภาคม ๒๕๖๘").unwrap();
    assert!(
        date.y > initials.y + 1.0 && near(centre(date), half, 0.1),
        "{date:?}"
    );

    // ส่วนราชการเจ้าของเรื่อง with โทร. at the bottom left.
    let (x, unit_y, _) = line_at(&layout, 0, "สำนักปลัด");
    let (px, phone_y, _) = line_at(&layout, 0, "โทร. ๐ ๓๙๕๑ ๒๔๕๖");
    assert!(near(x, LEFT, 0.01) && near(px, LEFT, 0.01) && unit_y > date.y);
    assert!(phone_y > FOOT - 1.0 && phone_y <= FOOT, "{phone_y}");
}

#[test]
fn an_announcement_follows_the_official_form() {
    let layout = layout(&example("announcement-complaints-2568.toml"));
    let (_, emblem_foot) = garuda(&layout);
    let title = layout.find("ประกาศองค์การบริหารส่วนตำบลวังกระแจะ").unwrap();
    assert!(
        title.bold && near(title.size, official(20.0), 0.05),
        "{title:?}"
    );
    assert!(near(centre(title), MIDDLE, 0.05) && title.y > emblem_foot);
    let number = layout.find("ที่ ๑๒/๒๕๖๘").unwrap();
    assert!(number.bold && near(centre(number), MIDDLE, 0.05) && number.y > title.y);
    let subject = line_at(&layout, 0, "เรื่อง ช่องทาง");
    assert!(subject.1 > number.y);
    let text = all_text(&layout);
    assert!(
        text.contains("ทั้งนี้ ตั้งแต่วันที่ ๑ มิถุนายน พ.ศ. ๒๕๖๘ เป็นต้นไป"),
        "{text}"
    );
    let last = layout.page_sizes.len() - 1;
    let (x, y, dated) = line_at(&layout, last, "ประกาศ ณ วันที่");
    assert_eq!(dated, "ประกาศ ณ วันที่ ๑๕ พฤษภาคม พ.ศ. ๒๕๖๘");
    assert!(near(x, LEFT + 0.4 * (RIGHT - LEFT), 0.01), "{x}");
    let name = layout.find("(นายกนก ใจรักษ์)").unwrap();
    assert!(name.y > y && name.x > MIDDLE);

    // Unnumbered: no "ที่" line.
    let mut document = example("announcement-complaints-2568.toml");
    let Document::Announcement(announcement) = &mut document else {
        panic!()
    };
    announcement.unnumbered = true;
    let text = all_text(&self::layout(&document));
    assert!(!text.contains("ที่ ๑๒/๒๕๖๘"), "{text}");
}

fn order_with(extra: Value) -> Document {
    let mut value = json!({
        "format": "saraban/1",
        "kind": "order",
        "authority": "องค์การบริหารส่วนตำบลวังกระแจะ",
        "number": 12,
        "date": "2025-01-02",
        "subject": "มอบหมายให้ปฏิบัติราชการแทน",
        "body": ["อาศัยอำนาจตามความในมาตรา ๖๐ จึงมอบหมายให้ปลัดองค์การบริหารส่วนตำบลปฏิบัติราชการแทน"],
        "signer": { "name": "นายกนก ใจรักษ์", "position": "นายกองค์การบริหารส่วนตำบลวังกระแจะ" },
    });
    value
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    document_from_value(value).unwrap()
}

#[test]
fn an_order_takes_a_dated_effective_clause_and_copies() {
    let layout = layout(&order_with(json!({
        "effective_from": "2025-01-01",
        "copies": ["ปลัดองค์การบริหารส่วนตำบลวังกระแจะ", "ทุกกอง"],
    })));
    let text = all_text(&layout);
    assert!(
        text.contains("ทั้งนี้ ตั้งแต่วันที่ ๑ มกราคม พ.ศ. ๒๕๖๘ เป็นต้นไป"),
        "{text}"
    );
    let name = layout.find("(นายกนก ใจรักษ์)").unwrap();
    let (x, y, copies) = line_at(&layout, name.page, "สำเนาส่ง");
    assert!(near(x, LEFT, 0.01) && y > name.y, "{copies}");
    assert!(copies.contains("ปลัดองค์การบริหารส่วนตำบลวังกระแจะ"));
    assert!(text.contains("ทุกกอง"));

    let both = document_from_value(json!({
        "format": "saraban/1", "kind": "order", "authority": "อบต.", "date": "2025-01-02",
        "subject": "ก", "body": ["ข"], "effective": "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป",
        "effective_from": "2025-01-01", "signer": { "name": "ก", "position": "ข" },
    }))
    .unwrap_err();
    assert_eq!(both.path, "effective_from");
}

#[test]
fn an_endorsement_may_have_no_date() {
    let value = json!({
        "format": "saraban/1",
        "kind": "memo",
        "unit": "สำนักปลัด",
        "number": { "prefix": "ตร ๗๑๐๐๑" },
        "date": "2025-04-09",
        "subject": "ทดสอบ",
        "to": "นายก",
        "body": ["ข้อความ"],
        "signer": { "name": "นางสาวฉัญญุรัตน์ อิ่มสมบัติ", "position": "ผู้ช่วยนิติกร" },
        "endorsements": [
            { "opinion": "เห็นควรทราบ", "name": "นางสาวสมใจ ตั้งใจดี", "position": "หัวหน้าสำนักปลัด", "date": "2025-04-13" },
            { "opinion": "ทราบ", "name": "นายกนก ใจรักษ์", "position": "นายก" },
        ],
    });
    let document = document_from_value(value).unwrap();
    let text = all_text(&layout(&document));
    assert_eq!(text.matches("๑๓ เม.ย. ๖๘").count(), 1, "{text}");
    // Side by side, the undated endorsement ends with its position.
    assert!(text.ends_with("หัวหน้าสำนักปลัดนายก\n๑๓ เม.ย. ๖๘"), "{text}");
}
