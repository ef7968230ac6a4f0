//! The PDF files themselves, checked with poppler's tools: PDF/A-2b, A4,
//! every font embedded, identical bytes on every run, and Thai text that
//! extracts exactly as it was typed.

mod common;

use std::path::PathBuf;

use common::poppler;
use saraban_core::{Document, Syntax, read_document};
use saraban_typeset::Typesetter;

fn examples() -> Vec<(PathBuf, Document)> {
    let paths = common::example_paths();
    assert!(
        paths.len() >= 3,
        "examples/ holds the seed memo and the orders"
    );
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let document = read_document(&text, Syntax::of_path(&path)).unwrap();
            (path, document)
        })
        .collect()
}

fn render(document: &Document) -> Vec<u8> {
    Typesetter::default()
        .typeset(document, None)
        .unwrap()
        .pdf()
        .unwrap()
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    for (path, document) in examples() {
        let first = render(&document);
        let second = Typesetter::default()
            .typeset(&document, None)
            .unwrap()
            .pdf()
            .unwrap();
        assert!(
            first == second,
            "{} differs between renders",
            path.display()
        );
    }
}

#[test]
fn examples_are_pdf_a_2b_on_a4_with_every_font_embedded() {
    for (path, document) in examples() {
        let pdf = render(&document);
        let raw = String::from_utf8_lossy(&pdf);
        assert!(
            raw.contains("<pdfaid:part>2</pdfaid:part>"),
            "{}: PDF/A part",
            path.display()
        );
        assert!(raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"));

        let info = poppler("pdfinfo", &[], &pdf);
        assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
        let title = document.subject().as_str().replace('\n', " ");
        assert!(
            info.contains(&format!("Title:           {title}")),
            "{info}"
        );
        assert!(info.contains(&format!(
            "Author:          {}",
            document.signer().name.as_str()
        )));

        let fonts = poppler("pdffonts", &[], &pdf);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty());
        for row in rows {
            // Columns: name type encoding emb sub uni object-id.
            let columns: Vec<&str> = row.split_whitespace().collect();
            let emb = columns[columns.len() - 5];
            assert_eq!(emb, "yes", "{}: font not embedded: {row}", path.display());
        }
    }
}

/// Typst can split a Thai cluster whose mark the font shifts into two
/// text items, and extraction then doubles it; the templates turn mark
/// positioning off for Sarabun so that this cannot happen.
#[test]
fn thai_text_extracts_exactly() {
    for (path, document) in examples() {
        let text = poppler("pdftotext", &["-raw", "-enc", "UTF-8"], &render(&document));
        // The marks that steer line breaking stay out of the PDF's text (the
        // examples type none of them, nor a no-break space).
        let marks: Vec<char> = text
            .chars()
            .filter(|c| matches!(c, '\u{200B}' | '\u{2060}' | '\u{00A0}' | '\u{FFFC}'))
            .collect();
        assert!(marks.is_empty(), "{}: {marks:?} extracted", path.display());
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let extracted = squeeze(&text);
        let blocks = document.body().blocks();
        let mut checked = 0;
        for block in blocks {
            let texts = match block {
                saraban_core::document::Block::Paragraph(text) => vec![text],
                saraban_core::document::Block::Items(items) => items.texts(),
                _ => Vec::new(),
            };
            for paragraph in texts {
                // As printed: typed Arabic digits in Thai text turn Thai.
                let wanted = squeeze(&document.common().style.digits.typed(paragraph.as_str()));
                assert!(
                    extracted.contains(&wanted),
                    "{}: paragraph not extracted as typed:\n{}\n--- extracted:\n{text}",
                    path.display(),
                    paragraph.as_str()
                );
                checked += 1;
            }
        }
        assert!(checked >= 2, "{}", path.display());
        // A stamped letter prints no เรื่อง: its subject is for the register.
        if document.kind() != "stamped" {
            assert!(extracted.contains(&squeeze(document.subject().as_str())));
        }
    }
}

/// An issued document's verification prints on its last page: the code,
/// the address (beside its QR code), the checkpoint.
#[test]
fn the_verification_prints_on_the_last_page() {
    let (_, document) = examples().into_iter().next().unwrap();
    let mut document = document;
    document.common_mut().verification = Some(saraban_core::document::Verification {
        code: saraban_core::text::Line::parse("K7Q2M-9M4XA").unwrap(),
        url: Some(
            saraban_core::text::Line::parse("https://saraban.example.go.th/verify/K7Q2M-9M4XA")
                .unwrap(),
        ),
        checkpoint: Some(
            saraban_core::text::Line::parse("บันทึกตรวจสอบล่าสุด saraban/wangkrachae ลำดับที่ 42")
                .unwrap(),
        ),
    });
    let pdf = render(&document);
    let text = poppler("pdftotext", &["-raw", "-enc", "UTF-8"], &pdf);
    let last_page = text
        .rsplit('\u{c}')
        .find(|page| !page.trim().is_empty())
        .unwrap();
    for expected in [
        "K7Q2M-9M4XA",
        "https://saraban.example.go.th/verify/K7Q2M-9M4XA",
        "saraban/wangkrachae",
    ] {
        assert!(
            last_page.contains(expected),
            "{expected} on the last page:\n{last_page}"
        );
    }
    // The footer's Thai words count in the document's digits (issue 14,
    // point 15); the code and the address above kept theirs.
    let size = format!("ลำดับที่ {}", document.common().style.digits.apply("42"));
    assert!(
        last_page.contains(&size),
        "{size} on the last page:\n{last_page}"
    );
}
