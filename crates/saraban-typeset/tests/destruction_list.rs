//! The destruction list (บัญชีหนังสือขอทำลาย) of the example organisation
//! in the official layout: A4 landscape, the seven columns in order, each
//! row's cells read back under their own column's heading, a subject that
//! looks like Typst markup printed as typed, and a long list running on to
//! a second page.

use saraban_typeset::probe::Layout;
use saraban_typeset::{DestructionListPage, DestructionListRow, Typesetter};

const HEADERS: [&str; 7] = [
    "ลำดับที่",
    "ที่",
    "ลงวันที่",
    "เรื่อง",
    "รหัสแฟ้ม",
    "การพิจารณา",
    "หมายเหตุ",
];

fn thai_digits() -> [char; 10] {
    ['๐', '๑', '๒', '๓', '๔', '๕', '๖', '๗', '๘', '๙']
}

fn row(i: usize, subject: &str) -> DestructionListRow {
    let n: String = (i + 1)
        .to_string()
        .chars()
        .map(|d| thai_digits()[d.to_digit(10).unwrap() as usize])
        .collect();
    DestructionListRow {
        order: n.clone(),
        number: format!("ตร ๗๑๐๐๑/{n}"),
        date: "๑ มี.ค. ๒๕๖๖".into(),
        subject: subject.into(),
        file_code: "memo".into(),
        decision: if i == 1 {
            "ขยายเวลาเก็บ".into()
        } else {
            "ทำลาย".into()
        },
        note: "เรื่องประจำ".into(),
    }
}

fn page(rows: Vec<DestructionListRow>) -> DestructionListPage {
    DestructionListPage {
        title: "บัญชีหนังสือขอทำลาย ประจำปี พ.ศ. ๒๕๖๘".into(),
        organisation: "องค์การบริหารส่วนตำบลวังกระแจะ".into(),
        drawn_up: "จัดทำเมื่อ ๑ มกราคม ๒๕๖๙".into(),
        headers: HEADERS.map(str::to_owned),
        rows,
        signatures: vec!["ประธานกรรมการ ....................".into()],
        page_word: "แผ่นที่".into(),
        empty: "ไม่มีหนังสือครบกำหนดทำลาย".into(),
        digits: thai_digits(),
        printed_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    }
}

#[test]
fn the_list_reads_back_in_its_official_columns() {
    let rows = vec![
        row(0, "รายงานผลการประเมิน ITA"),
        row(1, "#read(\"/etc/passwd\") $x$ *ตัวหนา*"),
        row(2, "ขอเชิญประชุม"),
    ];
    let document = Typesetter::default().destruction_list(&page(rows)).unwrap();
    let layout = Layout::of(&document);
    let (width, height) = layout.page_sizes[0];
    assert!(width > height, "landscape: {width} x {height}");
    assert!((width - 29.7).abs() < 0.1);
    // The headings, left to right in the official order.
    let header_y = layout
        .texts
        .iter()
        .find(|t| t.bold && t.text.contains("การพิจารณา"))
        .unwrap_or_else(|| panic!("{:#?}", layout.lines(0)))
        .y;
    let heading = |text: &str| {
        layout
            .texts
            .iter()
            .find(|t| {
                t.bold
                    && (t.y - header_y).abs() < 0.1
                    && (t.text == text
                        || (text.starts_with(t.text.as_str()) && t.text.chars().count() > 1))
            })
            .unwrap_or_else(|| panic!("heading {text}: {:#?}", layout.lines(0)))
    };
    let xs: Vec<f64> = HEADERS.iter().map(|h| heading(h).x).collect();
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
    // Each row's cells sit under their heading: between its column's start
    // and the next column's.
    let column_of = |x: f64| xs.iter().rposition(|start| x + 0.6 >= *start).unwrap();
    for (cell, column) in [
        ("ตร ๗๑๐๐๑/๒", 1),
        ("๑ มี.ค. ๒๕๖๖", 2),
        ("รายงานผลการประเมิน", 3),
        ("ขยายเวลาเก็บ", 5),
        ("เรื่องประจำ", 6),
    ] {
        let placed = layout.find(cell).unwrap_or_else(|| panic!("{cell}"));
        assert!(placed.y > header_y, "{cell} under the headings");
        assert_eq!(column_of(placed.x), column, "{cell} at {}", placed.x);
    }
    // Markup in a subject is text.
    let text: String = layout.lines(0).into_iter().map(|(_, l)| l).collect();
    assert!(text.contains("#read(\"/etc/passwd\")"), "{text}");
    assert!(text.contains("$x$") && text.contains("*ตัวหนา*"), "{text}");
    // Rows in order down the page.
    let ys: Vec<f64> = ["รายงานผลการประเมิน", "#read", "ขอเชิญประชุม"]
        .iter()
        .map(|s| layout.find(s).unwrap().y)
        .collect();
    assert!(ys.windows(2).all(|w| w[0] < w[1]), "{ys:?}");
}

#[test]
fn a_long_list_runs_on_with_its_page_numbers_and_makes_a_pdf() {
    let rows = (0..60).map(|i| row(i, "เรื่องประจำของสำนักปลัด")).collect();
    let page = page(rows);
    let typesetter = Typesetter::default();
    let layout = Layout::of(&typesetter.destruction_list(&page).unwrap());
    assert!(layout.page_sizes.len() >= 2);
    assert!(layout.lines(1).iter().any(|(_, l)| l.contains("แผ่นที่ ๒")));
    // The headings repeat on every page.
    assert!(layout.lines(1).iter().any(|(_, l)| l.contains("การพิจารณา")));
    let pdf = typesetter.destruction_list_pdf(&page).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}
