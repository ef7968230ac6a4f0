//! Handwritten signatures: uploads normalised or refused, and printed above
//! the names of a memo's signer and endorsers and of an order's signer,
//! without moving anything else on the page.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::example;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{RenderCache, RenderSettings};
use proptest::prelude::*;
use saraban_core::enclosure::Sha256;
use saraban_core::{Document, Syntax, read_document};
use saraban_typeset::probe::Layout;
use saraban_typeset::{
    RenderError, SIGNATURE_HEIGHT_PX, SignatureImage, SignatureRefusal, Typesetter,
    normalise_signature,
};

const CM_PER_PT: f64 = 2.54 / 72.0;
/// Rasterising scale: pixels a point.
const SCALE: f32 = 2.0;

// ---------------------------------------------------------------- images

fn encode_png(width: u32, height: u32, colour: png::ColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(data).unwrap();
    writer.finish().unwrap();
    out
}

struct Decoded {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

fn decode_rgba(png_bytes: &[u8]) -> Decoded {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut rgba).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgba);
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    Decoded {
        width: frame.width,
        height: frame.height,
        rgba,
    }
}

/// Pen strokes as a browser canvas gives them: a looping line of `ink`,
/// its edges anti-aliased in alpha, on a transparent `width` × `height`
/// canvas. `variant` changes the shape.
fn canvas_signature(width: u32, height: u32, ink: [u8; 3], variant: u32) -> Vec<u8> {
    let mut rgba = vec![0u8; (width * height * 4) as usize];
    let (w, h) = (f64::from(width), f64::from(height));
    let pen = (h / 40.0).max(1.5);
    let phase = f64::from(variant);
    let mut dab = |cx: f64, cy: f64| {
        let (x0, x1) = (
            (cx - pen - 1.0).max(0.0) as u32,
            ((cx + pen + 1.0) as u32).min(width - 1),
        );
        let (y0, y1) = (
            (cy - pen - 1.0).max(0.0) as u32,
            ((cy + pen + 1.0) as u32).min(height - 1),
        );
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = ((f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2)).sqrt();
                let coverage = (pen + 0.5 - d).clamp(0.0, 1.0);
                let at = ((y * width + x) * 4) as usize;
                let alpha = (coverage * 255.0) as u8;
                if alpha > rgba[at + 3] {
                    rgba[at..at + 4].copy_from_slice(&[ink[0], ink[1], ink[2], alpha]);
                }
            }
        }
    };
    // A cursive loop across the middle, then an underline flourish.
    for i in 0..2000 {
        let t = f64::from(i) / 2000.0;
        let x = w * (0.15 + 0.7 * t);
        let y = h * (0.45 + 0.25 * (t * 18.0 + phase).sin() * (1.0 - t * 0.5));
        dab(x, y);
    }
    for i in 0..600 {
        let t = f64::from(i) / 600.0;
        dab(w * (0.2 + 0.6 * t), h * (0.75 + 0.05 * (t * 3.0).sin()));
    }
    encode_png(width, height, png::ColorType::Rgba, &rgba)
}

fn signature_image(ink: [u8; 3], variant: u32) -> SignatureImage {
    normalise_signature(&canvas_signature(900, 300, ink, variant)).unwrap()
}

// ------------------------------------------------------- normalisation

#[test]
fn a_canvas_signature_is_trimmed_scaled_to_the_line_height_and_keeps_its_ink_colour() {
    let blue = [20, 40, 170];
    let image = signature_image(blue, 0);
    assert_eq!(image.height_px, SIGNATURE_HEIGHT_PX);
    assert!(image.width_px <= 5 * SIGNATURE_HEIGHT_PX);
    assert!(image.png.len() <= 200 * 1024, "{} bytes", image.png.len());
    assert_eq!(image.sha256, Sha256::of(&image.png).as_str());
    let decoded = decode_rgba(&image.png);
    assert_eq!(
        (decoded.width, decoded.height),
        (image.width_px, image.height_px)
    );
    // Trimmed: the drawing's left 15 % of empty canvas is gone, so the
    // ink starts within the small margin.
    let opaque: Vec<(u32, [u8; 4])> = decoded
        .rgba
        .chunks_exact(4)
        .enumerate()
        .filter(|(_, p)| p[3] > 200)
        .map(|(i, p)| (i as u32 % decoded.width, [p[0], p[1], p[2], p[3]]))
        .collect();
    let leftmost = opaque.iter().map(|(x, _)| *x).min().unwrap();
    assert!(leftmost <= 12, "ink starts at x = {leftmost}");
    // The ink stays blue.
    assert!(opaque.iter().all(|(_, p)| p[2] > p[0] + 80), "not blue");
    // The corners are transparent.
    assert_eq!(decoded.rgba[3], 0);
    assert_eq!(decoded.rgba[decoded.rgba.len() - 1], 0);
}

#[test]
fn the_same_upload_gives_the_same_bytes() {
    let upload = canvas_signature(700, 250, [0, 0, 0], 3);
    let first = normalise_signature(&upload).unwrap();
    let second = normalise_signature(&upload).unwrap();
    assert_eq!(first, second);
    assert_ne!(first.sha256, signature_image([0, 0, 0], 4).sha256);
}

#[test]
fn a_scan_on_white_paper_loses_its_paper_and_keeps_its_ink() {
    // Black strokes on slightly grey, slightly noisy paper, fully opaque.
    let (width, height) = (600u32, 200u32);
    let drawn = decode_rgba(&canvas_signature(width, height, [10, 10, 10], 1));
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for (i, p) in drawn.rgba.chunks_exact(4).enumerate() {
        let paper = 236 + (i * 7919 % 13) as u32; // 236..248
        let a = u32::from(p[3]);
        let value = ((u32::from(p[0]) * a + paper * (255 - a)) / 255) as u8;
        rgb.extend_from_slice(&[value, value, value]);
    }
    let scan = encode_png(width, height, png::ColorType::Rgb, &rgb);
    let image = normalise_signature(&scan).unwrap();
    let decoded = decode_rgba(&image.png);
    let transparent = decoded.rgba.chunks_exact(4).filter(|p| p[3] == 0).count();
    let pixels = (decoded.width * decoded.height) as usize;
    assert!(
        transparent * 2 > pixels,
        "the paper stayed: {transparent} of {pixels}"
    );
    assert!(
        decoded
            .rgba
            .chunks_exact(4)
            .any(|p| p[3] == 255 && p[0] < 60)
    );
}

// ------------------------------------------------------------ refusals

fn refusal(bytes: &[u8]) -> SignatureRefusal {
    normalise_signature(bytes).unwrap_err()
}

/// A PNG chunk: length, type, data, CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = 0xFFFF_FFFFu32;
    for byte in kind.iter().chain(data) {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    out.extend_from_slice(&(!crc).to_be_bytes());
    out
}

fn png_declaring(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", idat));
    out.extend(chunk(b"IEND", &[]));
    out
}

#[test]
fn a_jpeg_named_png_is_refused_as_a_jpeg() {
    // What a file called "signature.png" holds: the name plays no part.
    let jpeg = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9";
    let refused = refusal(jpeg);
    assert_eq!(
        refused,
        SignatureRefusal::NotPng {
            found: Some("JPEG")
        }
    );
    assert_eq!(refused.code(), "not_png");
    assert!(refused.thai_message().contains("JPEG"));
    assert!(refused.thai_message().contains("ไม่ใช่ PNG"));
    assert_eq!(refused.to_string(), "the file is a JPEG image, not a PNG");
    assert_eq!(refusal(b"").code(), "empty");
    assert_eq!(refusal(b"hello, world").code(), "not_png");
}

#[test]
fn a_20_mb_png_is_refused_naming_the_limit() {
    let mut big = canvas_signature(300, 100, [0, 0, 0], 0);
    big.resize(20 * 1024 * 1024, 0);
    let refused = refusal(&big);
    assert_eq!(refused.code(), "too_large");
    assert!(
        refused.thai_message().contains("5.0 MB"),
        "{}",
        refused.thai_message()
    );
    assert!(refused.thai_message().contains("20.0 MB"));
    assert!(refused.to_string().contains(&(5 * 1024 * 1024).to_string()));
}

#[test]
fn a_png_bomb_is_refused_from_its_header_at_once() {
    // 100000 × 100000 RGBA declared (40 GB decoded) in a file of 60 bytes.
    let bomb = png_declaring(
        100_000,
        100_000,
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    assert!(bomb.len() < 100);
    let started = Instant::now();
    let refused = refusal(&bomb);
    assert!(started.elapsed() < Duration::from_millis(200));
    assert_eq!(
        refused,
        SignatureRefusal::TooManyPixels {
            width: 100_000,
            height: 100_000
        }
    );
    assert_eq!(refused.code(), "too_many_pixels");
    assert!(refused.thai_message().contains("100000 × 100000"));
    // Each side within bounds, their product not.
    assert_eq!(
        refusal(&png_declaring(6000, 2500, &[])).code(),
        "too_many_pixels"
    );
}

#[test]
fn a_blank_transparent_png_is_refused_as_having_no_signature() {
    let blank = encode_png(400, 150, png::ColorType::Rgba, &vec![0; 400 * 150 * 4]);
    let refused = refusal(&blank);
    assert_eq!(refused, SignatureRefusal::NoInk);
    assert_eq!(refused.code(), "no_ink");
    assert!(refused.thai_message().starts_with("ไม่พบลายมือชื่อในภาพ"));
    // Nor is a scan of blank white paper a signature.
    let paper = encode_png(400, 150, png::ColorType::Rgb, &vec![245; 400 * 150 * 3]);
    assert_eq!(refusal(&paper), SignatureRefusal::NoInk);
}

#[test]
fn a_damaged_png_is_refused_as_corrupt() {
    let damaged = png_declaring(300, 100, b"not deflate data at all");
    assert_eq!(refusal(&damaged).code(), "corrupt");
    let cut = canvas_signature(300, 100, [0, 0, 0], 0);
    assert_eq!(refusal(&cut[..cut.len() / 2]).code(), "corrupt");
    assert_eq!(refusal(b"\x89PNG\r\n\x1a\n").code(), "corrupt");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_bytes_are_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = normalise_signature(&bytes);
        let mut png_like = b"\x89PNG\r\n\x1a\n".to_vec();
        png_like.extend_from_slice(&bytes);
        prop_assert!(normalise_signature(&png_like).is_err());
    }

    #[test]
    fn small_images_with_ink_normalise_to_the_fixed_height(
        width in 4u32..120,
        height in 4u32..80,
        background in prop_oneof![Just([0u8, 0, 0, 0]), Just([255u8, 255, 255, 255]), Just([250u8, 248, 240, 255])],
        ink in (0u8..90, 0u8..90, 0u8..255),
        noise in proptest::collection::vec(any::<u8>(), 64),
        block in (0u32..100, 0u32..100),
    ) {
        let mut rgba: Vec<u8> = (0..width * height).flat_map(|_| background).collect();
        // Random pixels, and one solid block of ink so there is some.
        for (i, n) in noise.iter().enumerate() {
            let at = (*n as usize * 31 + i * 97) % (width * height) as usize * 4;
            rgba[at..at + 4].copy_from_slice(&[*n, n.wrapping_mul(3), n.wrapping_mul(7), *n]);
        }
        let (bx, by) = (block.0 % (width - 3), block.1 % (height - 3));
        for y in by..by + 4 {
            for x in bx..bx + 4 {
                let at = ((y * width + x) * 4) as usize;
                rgba[at..at + 4].copy_from_slice(&[ink.0, ink.1, ink.2, 255]);
            }
        }
        let upload = encode_png(width, height, png::ColorType::Rgba, &rgba);
        let image = normalise_signature(&upload).unwrap();
        prop_assert_eq!(image.height_px, SIGNATURE_HEIGHT_PX);
        prop_assert!(image.width_px >= 1 && image.width_px <= 5 * SIGNATURE_HEIGHT_PX);
        prop_assert!(image.png.len() <= 200 * 1024);
        let decoded = decode_rgba(&image.png);
        prop_assert_eq!((decoded.width, decoded.height), (image.width_px, image.height_px));
        prop_assert!(decoded.rgba.chunks_exact(4).any(|p| p[3] > 0));
        prop_assert_eq!(normalise_signature(&upload).unwrap(), image);
    }
}

// ---------------------------------------------------------- the domain

#[test]
fn a_drafter_cannot_send_a_signature_image() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/order-490-2567.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let sha = "a".repeat(64);
    let forged = text.replace(
        "[signer]\n",
        &format!("[signer]\nsignature_image = \"{sha}\"\n"),
    );
    assert_ne!(forged, text);
    let refused = read_document(&forged, Syntax::Toml).unwrap_err();
    assert!(refused.to_string().contains("signature_image"), "{refused}");
    // A document read as usual has none, and writes none.
    let document = read_document(&text, Syntax::Toml).unwrap();
    assert_eq!(document.signer().signature_image, None);
    let written = match &document {
        Document::Order(order) => serde_json::to_value(order).unwrap(),
        _ => unreachable!(),
    };
    assert!(written["signer"].get("signature_image").is_none());
}

// ---------------------------------------------------------- typesetting

/// The memo of the ITA report with its first two endorsements, typed
/// signatures taken out so the room above each name is empty without a
/// handwritten one.
fn memo() -> Document {
    let mut document = example("ita-report-2568.toml");
    let Document::Memo(memo) = &mut document else {
        unreachable!()
    };
    memo.endorsements.truncate(2);
    memo.signer.signature = None;
    document
}

fn order() -> Document {
    let mut document = example("order-490-2567.toml");
    let Document::Order(order) = &mut document else {
        unreachable!()
    };
    order.signer.signature = None;
    document
}

/// `document` with a signature image named on its signer and each
/// endorsement, and those images.
fn signed(document: &Document) -> (Document, Vec<SignatureImage>) {
    let mut document = document.clone();
    let images: Vec<SignatureImage> = (0..3)
        .map(|i| signature_image([10 + 10 * i as u8, 30, 140 + 20 * i as u8], i))
        .collect();
    match &mut document {
        Document::Memo(memo) => {
            memo.signer.signature_image = Some(images[0].sha256.clone());
            for (e, image) in memo.endorsements.iter_mut().zip(&images[1..]) {
                e.signature_image = Some(image.sha256.clone());
            }
        }
        Document::Order(order) => order.signer.signature_image = Some(images[0].sha256.clone()),
        Document::Letter(letter) => letter.signer.signature_image = Some(images[0].sha256.clone()),
        Document::Stamped(stamped) => {
            stamped.signer.signature_image = Some(images[0].sha256.clone());
        }
        Document::Announcement(announcement) => {
            announcement.signer.signature_image = Some(images[0].sha256.clone());
        }
    }
    (document, images)
}

struct Printed {
    layout: Layout,
    pdf: Vec<u8>,
}

fn print(document: &Document, images: &[SignatureImage]) -> Printed {
    let typeset = Typesetter::default()
        .typeset_signed(document, None, &[], images)
        .unwrap();
    Printed {
        layout: Layout::of(&typeset.document),
        pdf: typeset.pdf().unwrap(),
    }
}

/// The baseline of the line holding `needle`, and the horizontal middle of
/// the run of text around it (runs of one line closer than 0.5 cm).
fn name_at(layout: &Layout, needle: &str) -> (usize, f64, f64) {
    let found = layout
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not printed"));
    let mut line: Vec<_> = layout
        .texts
        .iter()
        .filter(|t| t.page == found.page && (t.y - found.y).abs() < 0.05)
        .collect();
    line.sort_by(|a, b| a.x.total_cmp(&b.x));
    let (mut left, mut right) = (found.x, found.x + found.width);
    for run in line.iter().chain(line.iter().rev()) {
        if run.x <= right + 0.5 && run.x + run.width >= left - 0.5 {
            left = left.min(run.x);
            right = right.max(run.x + run.width);
        }
    }
    (found.page, found.y, (left + right) / 2.0)
}

/// Non-white pixels of `page` of `pdf` in the rectangle (centimetres
/// from the page's top-left corner).
fn ink_in(pdf: &[u8], page: usize, x: (f64, f64), y: (f64, f64)) -> usize {
    let pdf = Pdf::new(Arc::new(pdf.to_vec())).unwrap();
    let pixmap = hayro::render(
        &pdf.pages()[page],
        &RenderCache::new(),
        &InterpreterSettings::default(),
        &RenderSettings {
            x_scale: SCALE,
            y_scale: SCALE,
            bg_color: WHITE,
            ..RenderSettings::default()
        },
    );
    let (width, height) = (usize::from(pixmap.width()), usize::from(pixmap.height()));
    let px = |cm: f64| (cm / CM_PER_PT * f64::from(SCALE)).round() as usize;
    let pixels = pixmap.data_as_u8_slice();
    let mut count = 0;
    for row in px(y.0)..px(y.1).min(height) {
        for column in px(x.0)..px(x.1).min(width) {
            let p = &pixels[(row * width + column) * 4..][..4];
            if p[0] < 200 || p[1] < 200 || p[2] < 200 {
                count += 1;
            }
        }
    }
    count
}

/// The room where a signature goes above the name at `needle`: 1.5 cm
/// either side of the name's middle, from `reach` cm above its baseline
/// down to 0.6 cm above it (clear of the name's own marks).
fn ink_above_name(printed: &Printed, needle: &str, reach: f64) -> usize {
    let (page, baseline, middle) = name_at(&printed.layout, needle);
    ink_in(
        &printed.pdf,
        page,
        (middle - 1.5, middle + 1.5),
        (baseline - reach, baseline - 0.6),
    )
}

/// Every line of text of `after` as in `before`: the same words on the
/// same baseline (to rounding).
fn assert_same_lines(before: &Layout, after: &Layout, what: &str) {
    assert_eq!(before.page_sizes.len(), after.page_sizes.len(), "{what}");
    for page in 0..before.page_sizes.len() {
        let (was, is) = (before.lines(page), after.lines(page));
        assert_eq!(was.len(), is.len(), "{what}, page {}", page + 1);
        for ((y0, text0), (y1, text1)) in was.iter().zip(&is) {
            assert_eq!(text0, text1, "{what}, page {}", page + 1);
            assert!(
                (y0 - y1).abs() < 1e-6,
                "{what}: {text0} moved from {y0} to {y1} cm"
            );
        }
    }
}

/// Signs `document`, then checks that ink appears above each name in
/// `names` (and none without the images), with every line of text where
/// it was.
fn signatures_print_above_the_names(document: Document, names: &[(&str, f64)]) {
    let plain = print(&document, &[]);
    let (signed_document, images) = signed(&document);
    let signed = print(&signed_document, &images);
    assert_eq!(
        plain.layout.page_sizes.len(),
        signed.layout.page_sizes.len()
    );
    assert_same_lines(&plain.layout, &signed.layout, "the memo or order");
    let images_placed = signed.layout.boxes.iter().filter(|b| b.is_image).count();
    assert_eq!(images_placed, names.len());
    for (name, reach) in names {
        let before = ink_above_name(&plain, name, *reach);
        let after = ink_above_name(&signed, name, *reach);
        assert_eq!(before, 0, "ink above {name} without a signature");
        assert!(after > 300, "only {after} pixels of ink above {name}");
    }
}

#[test]
fn a_memo_prints_its_signers_and_endorsers_signatures_above_their_names() {
    signatures_print_above_the_names(memo(), &[("ฉัญญุรัตน์", 1.6), ("สมใจ", 1.15), ("สมศักดิ์", 1.15)]);
}

#[test]
fn an_order_prints_its_signers_signature_above_the_name() {
    signatures_print_above_the_names(order(), &[("กนก", 1.6)]);
}

#[test]
fn a_handwritten_signature_takes_the_place_of_the_typed_one() {
    let typed = example("ita-report-2568.toml");
    let (mut signed_document, images) = signed(&memo());
    if let (Document::Memo(signed_memo), Document::Memo(typed_memo)) =
        (&mut signed_document, &typed)
    {
        signed_memo.signer.signature = typed_memo.signer.signature.clone();
    }
    let plain = print(&typed, &[]);
    let signed = print(&signed_document, &images);
    assert!(common::all_text(&plain.layout).contains("ฉัญญุภา"));
    assert!(!common::all_text(&signed.layout).contains("ฉัญญุภา"));
    let name = |layout: &Layout| name_at(layout, "ฉัญญุรัตน์");
    assert_eq!(name(&plain.layout).1, name(&signed.layout).1);
}

#[test]
fn a_signature_named_but_not_given_is_an_error() {
    let (document, images) = signed(&order());
    let missing = Typesetter::default().typeset(&document, None).unwrap_err();
    assert!(matches!(missing, RenderError::Signature(_)), "{missing}");
    assert!(missing.to_string().contains(&images[0].sha256));
    // Bytes that are not the named image's are not printed in its place.
    let mut swapped = images[1].clone();
    swapped.sha256 = images[0].sha256.clone();
    let wrong = Typesetter::default()
        .typeset_signed(&document, None, &[], &[swapped])
        .unwrap_err();
    assert!(matches!(wrong, RenderError::Signature(_)), "{wrong}");
}

/// Each image placed: its left, top and height in centimetres.
fn images_placed(layout: &Layout) -> Vec<(f64, f64, f64)> {
    layout
        .boxes
        .iter()
        .filter(|b| b.is_image)
        .map(|b| (b.x, b.y, b.height))
        .collect()
}

#[test]
fn letters_stamped_letters_and_announcements_print_the_signature_without_moving_text() {
    for name in [
        "letter-ita-report-2568.toml",
        "stamped-receipt-2568.toml",
        "announcement-complaints-2568.toml",
    ] {
        let document = example(name);
        let plain = print(&document, &[]);
        let (signed_document, images) = signed(&document);
        let signed = print(&signed_document, &images);
        assert!(images_placed(&plain.layout).is_empty(), "{name}");
        let placed = images_placed(&signed.layout);
        assert_eq!(placed.len(), 1, "{name}");
        let (_, top, height) = placed[0];
        assert!((0.8..=1.3).contains(&height), "{name}: {height} cm");
        // Above the last line of the signature block, on the last page.
        let last = plain.layout.page_sizes.len() - 1;
        let lines = plain.layout.lines(last);
        assert!(top + height < lines.last().unwrap().0, "{name}");
        assert_same_lines(&plain.layout, &signed.layout, name);
    }
}
