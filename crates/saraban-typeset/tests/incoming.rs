//! Receiving incoming letters: refusing bad files, the stamped view of a
//! real-world-like letter (tests/fixtures/incoming, made once with Typst
//! and qpdf), scanned pages, and the receiving register.

mod common;

use std::path::PathBuf;

use common::poppler;
use saraban_core::enclosure::Sha256;
use saraban_typeset::{
    EndorsementNote, IncomingError, IncomingFileError, ReceivingRegisterPage, ReceivingRegisterRow,
    ReceivingStamp, Typesetter, inspect_pdf,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/incoming")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Each page's size in points and its /Rotate, as pdfinfo reads them.
fn page_sizes(pdf: &[u8]) -> Vec<(f64, f64, u32)> {
    let info = poppler("pdfinfo", &["-f", "1", "-l", "999"], pdf);
    let mut sizes = Vec::new();
    let mut rotations = Vec::new();
    for line in info.lines() {
        let Some(rest) = line.strip_prefix("Page") else {
            continue;
        };
        if let Some((_, size)) = rest.split_once("size:") {
            let mut parts = size.split_whitespace();
            let w: f64 = parts.next().unwrap().parse().unwrap();
            parts.next();
            let h: f64 = parts.next().unwrap().parse().unwrap();
            sizes.push((w, h));
        } else if let Some((_, rot)) = rest.split_once("rot:") {
            rotations.push(rot.trim().parse().unwrap());
        }
    }
    assert_eq!(sizes.len(), rotations.len());
    sizes
        .into_iter()
        .zip(rotations)
        .map(|((w, h), r)| (w, h, r))
        .collect()
}

fn page_text(pdf: &[u8], page: usize) -> String {
    let n = page.to_string();
    poppler("pdftotext", &["-f", &n, "-l", &n], pdf)
}

fn stamp() -> ReceivingStamp {
    ReceivingStamp {
        organisation: "องค์การบริหารส่วนตำบลหนองบัว".into(),
        number: "๑๒/๒๕๖๙".into(),
        date: "๒๖ พ.ย. ๒๕๖๙".into(),
        time: "๑๔.๓๐ น.".into(),
        position_mm: None,
        letter_reference: "ที่ ชม ๐๐๒๓.๑/ว ๔๕๖ เรื่อง ขอเชิญประชุมคณะกรรมการป้องกันและบรรเทาสาธารณภัย"
            .into(),
    }
}

fn note(text: &str, name: &str, position: &str) -> EndorsementNote {
    EndorsementNote {
        text: text.into(),
        name: name.into(),
        position: position.into(),
        date: "๒๖ พ.ย. ๖๙".into(),
    }
}

fn two_notes() -> Vec<EndorsementNote> {
    vec![
        note(
            "เรียน ปลัด อบต.\nเพื่อโปรดพิจารณา",
            "นางสาวมาลี ศรีสุข",
            "เจ้าพนักงานธุรการ",
        ),
        note(
            "เรียน นายก อบต.\nเห็นควรมอบกองช่างเข้าร่วมประชุม",
            "นายประเสริฐ ทองดี",
            "ปลัดองค์การบริหารส่วนตำบล",
        ),
    ]
}

fn stamped(original: &[u8], stamp: &ReceivingStamp, notes: &[EndorsementNote]) -> Vec<u8> {
    let hash = Sha256::of(original);
    Typesetter::default()
        .stamp_incoming(original, stamp, notes, hash.as_str())
        .unwrap()
}

/// Text with its spacing and line ends taken out, for words a line may
/// have broken.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn png_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 2, 2);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[0, 255, 255, 0]).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn bad_files_are_refused_in_thai() {
    let cases: [(&str, Vec<u8>, IncomingFileError, &str); 6] = [
        ("empty", Vec::new(), IncomingFileError::Empty, "ไฟล์ว่าง"),
        (
            "a PNG named .pdf",
            png_bytes(),
            IncomingFileError::NotPdf,
            "ไม่ใช่ PDF",
        ),
        (
            "plain text",
            "เรียน นายก".as_bytes().to_vec(),
            IncomingFileError::NotPdf,
            "ไม่ใช่ PDF",
        ),
        (
            "encrypted, empty user password",
            fixture("encrypted.pdf"),
            IncomingFileError::Encrypted,
            "เข้ารหัส",
        ),
        (
            "encrypted with a password",
            fixture("encrypted-password.pdf"),
            IncomingFileError::Encrypted,
            "เข้ารหัส",
        ),
        (
            "a PDF header, then garbage",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage".to_vec(),
            IncomingFileError::Malformed,
            "เสียหาย",
        ),
    ];
    for (what, bytes, want, thai) in cases {
        let got = inspect_pdf(&bytes).expect_err(what);
        assert_eq!(got, want, "{what}");
        assert!(
            got.thai_message().contains(thai),
            "{what}: {}",
            got.thai_message()
        );
        assert!(!got.to_string().is_empty());
        // The stamped view refuses the same files.
        let hash = Sha256::of(&bytes);
        let err = Typesetter::default()
            .stamp_incoming(&bytes, &stamp(), &[], hash.as_str())
            .unwrap_err();
        assert!(matches!(err, IncomingError::File(e) if e == want), "{what}");
    }
    // A real letter cut off after its header does not parse either.
    let letter = fixture("letter-short.pdf");
    assert_eq!(
        inspect_pdf(&letter[..200]),
        Err(IncomingFileError::Malformed)
    );
}

#[test]
fn a_letter_is_inspected_page_by_page() {
    let facts = inspect_pdf(&fixture("letter-short.pdf")).unwrap();
    assert_eq!(facts.page_count(), 2);
    let (one, two) = (facts.pages[0], facts.pages[1]);
    assert_eq!((one.rotation, one.landscape()), (0, false));
    assert!((one.width_pt - 595.3).abs() < 0.5 && (one.height_pt - 841.9).abs() < 0.5);
    // Stored portrait with /Rotate 90: shown landscape.
    assert_eq!((two.rotation, two.landscape()), (90, true));
    assert!((two.width_pt - 841.9).abs() < 0.5);
}

#[test]
fn the_stamped_view_keeps_the_letter_and_its_text() {
    let original = fixture("letter-short.pdf");
    let before = original.clone();
    let pdf = stamped(&original, &stamp(), &two_notes());
    assert_eq!(original, before);

    // Same pages, same sizes as shown; the rotated page stays landscape.
    let sizes = page_sizes(&pdf);
    assert_eq!(sizes.len(), 2, "the notes fit on page 1: no sheet");
    assert!((sizes[0].0 - 595.3).abs() < 0.5 && (sizes[0].1 - 841.9).abs() < 0.5);
    let (w, h, rot) = sizes[1];
    assert!(
        w > h && (w - 841.9).abs() < 0.5,
        "page 2 should stay landscape: {w} × {h} rot {rot}"
    );
    let again = inspect_pdf(&pdf).unwrap();
    assert!(again.pages[1].landscape());

    // The original's text, vector and extractable, on both pages.
    let one = page_text(&pdf, 1);
    let squeezed_one = squeezed(&one);
    for words in [
        "ขอเชิญประชุมคณะกรรมการป้องกันและบรรเทาสาธารณภัย",
        "นายกองค์การบริหารส่วนตำบลหนองบัว",
        "นายอำเภอเมืองตัวอย่าง",
    ] {
        assert!(
            squeezed_one.contains(words),
            "{words} missing from page 1:\n{one}"
        );
    }
    assert!(page_text(&pdf, 2).contains("ตารางกำหนดการประชุม"));

    // The stamp, the notes and the hash, on page 1.
    for words in [
        "องค์การบริหารส่วนตำบลหนองบัว",
        "รับที่",
        "๑๒/๒๕๖๙",
        "๑๔.๓๐",
        "เพื่อโปรดพิจารณา",
        "เห็นควรมอบกองช่างเข้าร่วมประชุม",
        "นางสาวมาลีศรีสุข",
        "ปลัดองค์การบริหารส่วนตำบล",
    ] {
        assert!(
            squeezed_one.contains(words),
            "{words} missing from page 1:\n{one}"
        );
    }
    let hash = Sha256::of(&original);
    assert!(
        squeezed_one.contains(&format!("ต้นฉบับSHA-256{hash}")),
        "{one}"
    );
    // No segmenter marks leak into the text.
    assert!(!one.contains('\u{200B}'));
}

/// Where pdftotext finds the first word `word` on page 1: (x, y) points.
fn word_position(pdf: &[u8], word: &str) -> (f64, f64) {
    let html = poppler("pdftotext", &["-bbox", "-f", "1", "-l", "1"], pdf);
    let line = html
        .lines()
        .find(|l| l.contains(&format!(">{word}</word>")))
        .unwrap_or_else(|| panic!("{word} not found"));
    let attr = |name: &str| -> f64 {
        let from = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let to = from + line[from..].find('"').unwrap();
        line[from..to].parse().unwrap()
    };
    (attr("xMin"), attr("yMin"))
}

#[test]
fn the_stamp_goes_top_right_or_where_it_is_put() {
    let original = fixture("letter-short.pdf");
    let mm = 72.0 / 25.4;
    let (x, y) = word_position(&stamped(&original, &stamp(), &[]), "รับที่");
    // 5 cm wide, 1 cm in from the right and from the top.
    assert!(x > 595.3 - 60.0 * mm && x < 595.3 - 50.0 * mm, "x {x}");
    assert!(y > 10.0 * mm && y < 25.0 * mm, "y {y}");

    let placed = ReceivingStamp {
        position_mm: Some((30.0, 200.0)),
        ..stamp()
    };
    let (x, y) = word_position(&stamped(&original, &placed, &[]), "รับที่");
    assert!(x > 30.0 * mm && x < 35.0 * mm, "x {x}");
    assert!(y > 200.0 * mm && y < 215.0 * mm, "y {y}");

    // Off the page: clamped inside it, whole.
    let outside = ReceivingStamp {
        position_mm: Some((400.0, 9999.0)),
        ..stamp()
    };
    let (x, y) = word_position(&stamped(&original, &outside, &[]), "รับที่");
    assert!(x > 595.3 - 50.0 * mm && x < 595.3 - 45.0 * mm, "x {x}");
    assert!(y > 841.9 - 25.0 * mm && y < 841.9, "y {y}");
}

#[test]
fn endorsements_without_room_go_to_a_sheet() {
    // Page 1 full to its foot: even two short notes need the sheet.
    let original = fixture("letter-full.pdf");
    let pages = inspect_pdf(&original).unwrap().page_count();
    let pdf = stamped(&original, &stamp(), &two_notes());
    let sizes = page_sizes(&pdf);
    assert_eq!(sizes.len(), pages + 1);
    assert!(
        sizes[pages - 1].0 > sizes[pages - 1].1,
        "the rotated page stays landscape"
    );
    let sheet = squeezed(&page_text(&pdf, pages + 1));
    for words in [
        "ใบเกษียณหนังสือ",
        "หนังสือรับที่๑๒/๒๕๖๙",
        "ที่ชม๐๐๒๓.๑/ว๔๕๖",
        "เพื่อโปรดพิจารณา",
        "เห็นควรมอบกองช่างเข้าร่วมประชุม",
        "นายประเสริฐทองดี",
    ] {
        assert!(
            sheet.contains(words),
            "{words} missing from the sheet:\n{sheet}"
        );
    }
    let first = squeezed(&page_text(&pdf, 1));
    assert!(!first.contains("เพื่อโปรดพิจารณา"));
    assert!(first.contains("๑๒/๒๕๖๙"), "the stamp stays on page 1");

    // Room at the foot of page 1, but not for a dozen notes.
    let short = fixture("letter-short.pdf");
    let many: Vec<EndorsementNote> = (0..12)
        .map(|_| {
            note(
                "เรียน นายก อบต.\nเพื่อโปรดพิจารณาสั่งการ และมอบหมายผู้รับผิดชอบดำเนินการต่อไป",
                "นายประเสริฐ ทองดี",
                "ปลัดองค์การบริหารส่วนตำบล",
            )
        })
        .collect();
    let pdf = stamped(&short, &stamp(), &many);
    let sheets = page_sizes(&pdf).len() - 2;
    assert!(sheets >= 1);
    assert!(!squeezed(&page_text(&pdf, 1)).contains("เพื่อโปรดพิจารณาสั่งการ"));
    let text = squeezed(&poppler("pdftotext", &["-f", "3"], &pdf));
    assert_eq!(text.matches("เพื่อโปรดพิจารณาสั่งการ").count(), 12);
}

#[test]
fn a_wrong_hash_is_refused() {
    let original = fixture("letter-short.pdf");
    let other = Sha256::of(b"something else");
    let err = Typesetter::default()
        .stamp_incoming(&original, &stamp(), &[], other.as_str())
        .unwrap_err();
    assert!(matches!(
        err,
        IncomingError::File(IncomingFileError::HashMismatch)
    ));
}

#[test]
fn scanned_pages_make_one_pdf_in_order() {
    let scans: Vec<Vec<u8>> = ["scan-1.jpg", "scan-2.jpg", "scan-3.jpg"]
        .into_iter()
        .map(fixture)
        .collect();
    let typesetter = Typesetter::default();
    let pdf = typesetter.scans_to_pdf(&scans).unwrap();
    let sizes = page_sizes(&pdf);
    assert_eq!(sizes.len(), 3);
    for (w, h, _) in sizes {
        assert!(
            (w - 595.3).abs() < 0.5 && (h - 841.9).abs() < 0.5,
            "A4: {w} × {h}"
        );
    }
    assert_eq!(inspect_pdf(&pdf).unwrap().page_count(), 3);
    // In the order given: the images are embedded as given, one a page.
    let images = poppler("pdfimages", &["-list"], &pdf);
    let pages: Vec<&str> = images
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(pages, ["1", "2", "3"]);

    // A PNG is taken too.
    let pdf = typesetter
        .scans_to_pdf(&[scans[0].clone(), png_bytes()])
        .unwrap();
    assert_eq!(page_sizes(&pdf).len(), 2);

    let refused = |images: &[Vec<u8>]| match typesetter.scans_to_pdf(images) {
        Err(IncomingError::File(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let not_image = refused(&[scans[0].clone(), fixture("letter-short.pdf")]);
    assert_eq!(not_image, IncomingFileError::NotImage { page: 2 });
    assert!(not_image.thai_message().contains("หน้าที่ 2"));
    assert_eq!(refused(&[]), IncomingFileError::NoImages);
    assert_eq!(refused(&[Vec::new()]), IncomingFileError::Empty);
    let truncated = scans[1][..20].to_vec();
    assert_eq!(
        refused(&[truncated]),
        IncomingFileError::BadImage { page: 1 }
    );
    // Its frame header intact, its picture garbage.
    let mut garbled = scans[2].clone();
    let start = garbled.len() / 2;
    garbled[start..].fill(0xA5);
    let err = refused(&[scans[0].clone(), garbled]);
    assert_eq!(err, IncomingFileError::UndecodableImage);
    assert!(err.thai_message().contains("เสียหาย"));
}

#[test]
fn the_receiving_register_has_the_official_columns() {
    let row = |n: &str, subject: &str| ReceivingRegisterRow {
        number: n.into(),
        reference: "ชม ๐๐๒๓.๑/ว ๔๕๖".into(),
        dated: "๒๐ พ.ย. ๒๕๖๙".into(),
        from: "ที่ว่าการอำเภอเมืองตัวอย่าง".into(),
        to: "นายก อบต.".into(),
        subject: subject.into(),
        action: "มอบกองช่าง".into(),
        remark: String::new(),
    };
    let page = ReceivingRegisterPage {
        organisation: "องค์การบริหารส่วนตำบลหนองบัว".into(),
        unit: Some("กองช่าง".into()),
        year: "๒๕๖๙".into(),
        rows: (1..=40)
            .map(|i| {
                row(
                    &i.to_string(),
                    "ขอเชิญประชุมคณะกรรมการป้องกันและบรรเทาสาธารณภัยระดับอำเภอ",
                )
            })
            // A citizen's petition with a character no font has: PDF/A
            // refuses a missing glyph, so it is printed as a stand-in.
            .chain([row("41", "คำร้องขอซ่อมถนน 😀")])
            .collect(),
        digits: ['๐', '๑', '๒', '๓', '๔', '๕', '๖', '๗', '๘', '๙'],
        printed_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    };
    let pdf = Typesetter::default().receiving_register_pdf(&page).unwrap();
    let sizes = page_sizes(&pdf);
    assert!(sizes.len() >= 2, "40 rows take more than a page");
    assert!(sizes.iter().all(|(w, h, _)| w > h), "landscape");
    let text = poppler("pdftotext", &[], &pdf);
    let flat = squeezed(&text);
    for words in [
        "ทะเบียนหนังสือรับ",
        "องค์การบริหารส่วนตำบลหนองบัว",
        "กองช่าง",
        "ประจำปีพ.ศ.๒๕๖๙",
        "เลขทะเบียนรับ",
        "ลงวันที่",
        "จาก",
        "ถึง",
        "เรื่อง",
        "การปฏิบัติ",
        "หมายเหตุ",
        "ที่ว่าการอำเภอเมืองตัวอย่าง",
        "หน้า๒",
        "คำร้องขอซ่อมถนน",
    ] {
        assert!(flat.contains(words), "{words} missing:\n{text}");
    }
    // The header repeats on every page.
    assert_eq!(text.matches("เลขทะเบียนรับ").count(), sizes.len());
    // PDF/A-2b, as the outgoing register.
    let xmp = String::from_utf8_lossy(&pdf);
    assert!(xmp.contains("pdfaid:part>2<") || xmp.contains("pdfaid:part=\"2\""));

    let empty = ReceivingRegisterPage {
        rows: Vec::new(),
        unit: None,
        ..page
    };
    let pdf = Typesetter::default()
        .receiving_register_pdf(&empty)
        .unwrap();
    assert!(squeezed(&poppler("pdftotext", &[], &pdf)).contains("ไม่มีหนังสือรับในปีนี้"));
}

/// Times the stamped view of a long letter: SARABAN_TIMING_PDF names one
/// (e.g. 20 pages joined with qpdf). Run with `--ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn time_stamping_a_long_letter() {
    let path = std::env::var("SARABAN_TIMING_PDF").expect("SARABAN_TIMING_PDF");
    let original = std::fs::read(path).unwrap();
    let hash = Sha256::of(&original);
    let typesetter = Typesetter::default();
    let mut times = Vec::new();
    for i in 0..7 {
        // A new number each time, so that no layout is memoised.
        let numbered = ReceivingStamp {
            number: format!("{}/๒๕๖๙", i + 1),
            ..stamp()
        };
        let start = std::time::Instant::now();
        let pdf = typesetter
            .stamp_incoming(&original, &numbered, &two_notes(), hash.as_str())
            .unwrap();
        times.push(start.elapsed());
        assert!(inspect_pdf(&pdf).unwrap().page_count() >= 20);
    }
    println!("first (cold) {:?}", times[0]);
    times.sort();
    println!(
        "stamp_incoming: min {:?}, p50 {:?}, max {:?}",
        times[0], times[3], times[6]
    );
}

/// Times the receiving register of a year of 5,000 letters. Run with
/// `--ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn time_a_year_of_the_receiving_register() {
    let rows: Vec<ReceivingRegisterRow> = (1..=5000)
        .map(|i| ReceivingRegisterRow {
            number: i.to_string(),
            reference: format!("ชม ๐๐๒๓.๑/ว {i}"),
            dated: "๒๐ พ.ย. ๒๕๖๙".into(),
            from: "ที่ว่าการอำเภอเมืองตัวอย่าง".into(),
            to: "นายก อบต.".into(),
            subject: format!("ขอเชิญประชุมคณะกรรมการป้องกันและบรรเทาสาธารณภัย ครั้งที่ {i}"),
            action: "มอบกองช่าง".into(),
            remark: String::new(),
        })
        .collect();
    let page = ReceivingRegisterPage {
        organisation: "องค์การบริหารส่วนตำบลหนองบัว".into(),
        unit: None,
        year: "๒๕๖๙".into(),
        rows,
        digits: ['๐', '๑', '๒', '๓', '๔', '๕', '๖', '๗', '๘', '๙'],
        printed_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    };
    let start = std::time::Instant::now();
    let pdf = Typesetter::default().receiving_register_pdf(&page).unwrap();
    println!(
        "5,000 rows: {:?}, {} pages",
        start.elapsed(),
        inspect_pdf(&pdf).unwrap().page_count()
    );
}
