//! Signatures on the page (issue 17), on SQLite and PostgreSQL, over real
//! HTTP: the head of office and the mayor register their signature images
//! (one drawn, one a scan on white paper); a memo goes up, each endorses
//! or signs, and the issued PDF — rendered by poppler, not by saraban —
//! shows ink above their names and none above the name of the endorser
//! who registered none. The events record each image's hash, `verify`
//! holds, and a printed image swapped in the database is caught. Bad
//! images are refused with the field named, and nothing is stored.

use base64::Engine;
use reqwest::{Method, StatusCode};
use saraban_core::ledger::sha256_hex;
use saraban_store::Store;
use saraban_stories::{
    ApiServer, TestDb, drawn_png, encode_png as encode, example_content, org, raw_request, stories,
};
use serde_json::{Value, json};
use sqlx::Row;

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "signatures-story-1";

/// A signature scanned on white paper: grey ink on an opaque white page.
fn scanned_png() -> Vec<u8> {
    let (width, height) = (800u32, 260u32);
    let mut rgb = vec![250u8; (width * height * 3) as usize];
    for i in 0..4000 {
        let t = f64::from(i) / 4000.0;
        let (cx, cy) = (
            f64::from(width) * (0.15 + 0.7 * t),
            f64::from(height) * (0.5 + 0.25 * (t * 23.0).cos()),
        );
        for d in -2i32..=2 {
            let (x, y) = (cx as i32 + d, cy as i32);
            let at = ((y as u32 * width + x as u32) * 3) as usize;
            rgb[at..at + 3].copy_from_slice(&[40, 40, 45]);
        }
    }
    encode(width, height, png::ColorType::Rgb, &rgb)
}

/// A PNG whose header claims 100,000 × 100,000 pixels: a few hundred bytes
/// that would take 40 GB to decode.
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    };
    let mut header = Vec::new();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn holds(store: &Store) {
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(audit.holds(), "{:#?}", audit.findings);
}

/// Dark pixels in the room above the first printed word containing
/// `needle`, as poppler renders the PDF: 1.5 cm either side of the word's
/// middle, from `reach` cm above the top of its box down to just above it.
fn ink_above(pdf: &[u8], needle: &str, reach: f64) -> usize {
    let dir = std::env::temp_dir().join(format!("saraban-ink-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("issued.pdf");
    std::fs::write(&file, pdf).unwrap();
    let boxes = std::process::Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let html = String::from_utf8(boxes.stdout).unwrap();
    let (mut page, mut found) = (0usize, None);
    for line in html.lines() {
        if line.contains("<page ") {
            page += 1;
        }
        if line.contains("<word ") && line.contains(needle) {
            let number = |name: &str| -> f64 {
                let at = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                line[at..].split('"').next().unwrap().parse().unwrap()
            };
            found = Some((page, number("xMin"), number("yMin"), number("xMax")));
            break;
        }
    }
    let (page, x_min, y_min, x_max) = found.unwrap_or_else(|| panic!("{needle} is not printed"));
    const DPI: f64 = 100.0;
    let rendered = saraban_stories::grey_page(pdf, DPI as u32, Some(page));
    std::fs::remove_dir_all(&dir).ok();
    let (width, height, pixels) = (rendered.width, rendered.height, &rendered.pixels);
    let px = |pt: f64| (pt / 72.0 * DPI).round().max(0.0) as usize;
    let cm = 72.0 / 2.54;
    let middle = (x_min + x_max) / 2.0;
    let (left, right) = (px(middle - 1.5 * cm), px(middle + 1.5 * cm).min(width));
    let (top, bottom) = (px(y_min - reach * cm), px(y_min - 0.1 * cm).min(height));
    let mut dark = 0;
    for row in top..bottom {
        for column in left..right {
            if pixels[row * width + column] < 160 {
                dark += 1;
            }
        }
    }
    dark
}

stories!(signatures_print_above_the_names_and_bad_images_are_refused);

async fn signatures_print_above_the_names_and_bad_images_are_refused(db: TestDb) {
    let server = ApiServer::start(db, PASSWORD).await;
    let store = server.store.clone();
    let head = server.sign_in("somjai").await;
    let mayor = server.sign_in("kanok").await;

    // Bad images first: each refused, naming the field, nothing stored.
    let jpeg = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/incoming/scan-1.jpg"),
    )
    .unwrap();
    let refusals: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a JPEG named .png", jpeg, "JPEG"),
        ("a PNG bomb", png_bomb(), "พิกเซล"),
        (
            "a blank canvas",
            encode(300, 100, png::ColorType::Rgba, &vec![0u8; 300 * 100 * 4]),
            "ไม่พบลายมือชื่อ",
        ),
    ];
    for (what, bytes, says) in refusals {
        let (status, body) = head
            .send(
                Method::PUT,
                "/me/signature",
                &json!({ "png": base64(&bytes) }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        assert_eq!(body["field"], "png", "{what}: {body}");
        assert!(
            body["message"].as_str().unwrap_or_default().contains(says),
            "{what}: {body}"
        );
    }
    // Over the normaliser's 5 MB: refused by it, saying the limit.
    let mut large = b"\x89PNG\r\n\x1a\n".to_vec();
    large.resize(5 * 1024 * 1024 + 512 * 1024, 0);
    let (status, body) = head
        .send(
            Method::PUT,
            "/me/signature",
            &json!({ "png": base64(&large) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "png", "{body}");
    assert!(body["message"].as_str().unwrap().contains("MB"), "{body}");
    // A 20 MB one is over the request's own limit: refused as it arrives,
    // with the JSON error, before anything is read.
    let address = server.authority();
    let mut twenty = b"{\"png\":\"".to_vec();
    twenty.extend(base64(&vec![0x89u8; 20 * 1024 * 1024]).into_bytes());
    twenty.extend_from_slice(b"\"}");
    let cookie = head
        .set_cookie
        .as_ref()
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let answer = raw_request(
        &address,
        &format!(
            "PUT /api/v1/me/signature HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            twenty.len()
        ),
        &twenty,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"too_large\""), "{answer}");
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM signature_images").await,
        0
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM events WHERE kind = 'signature_registered'"
        )
        .await,
        0
    );
    assert_eq!(head.get("/me/signature").await.0, StatusCode::NOT_FOUND);

    // The head of office draws hers; the mayor's is a scan on white paper.
    let (status, head_image) = head
        .send(
            Method::PUT,
            "/me/signature",
            &json!({ "png": base64(&drawn_png(900, 300, 17.0)) }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{head_image}");
    let (status, mayor_image) = mayor
        .send(
            Method::PUT,
            "/me/signature",
            &json!({ "png": base64(&scanned_png()) }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mayor_image}");
    let head_sha = head_image["sha256"].as_str().unwrap().to_owned();
    let mayor_sha = mayor_image["sha256"].as_str().unwrap().to_owned();
    // What comes back is the normalised image the log names.
    let own = head
        .http
        .get(format!("{}/me/signature", head.base))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.headers()["content-type"], "image/png");
    assert_eq!(sha256_hex(&own.bytes().await.unwrap()), head_sha);

    // The memo goes up: the head of office and the mayor print their
    // images; the deputy, who has none, prints his name alone.
    let drafter = server.sign_in("chanyurat").await;
    let id = drafter
        .create(&example_content("ita-report-2568.toml"))
        .await;
    drafter.act_ok(&id, "submit", None).await;
    head.act_ok(&id, "endorse", Some("เพื่อโปรดพิจารณา")).await;
    for user in ["somsak", "wilaiwan"] {
        server
            .sign_in(user)
            .await
            .act_ok(&id, "endorse", Some("เห็นควรทราบ"))
            .await;
    }
    mayor.act_ok(&id, "sign", Some("ทราบ")).await;
    let registrar = server.sign_in("sunee").await;
    let issued = registrar.act_ok(&id, "issue", None).await;

    // The events name the images.
    let (_, history) = registrar.get(&format!("/documents/{id}/history")).await;
    let image_of = |kind: &str, actor: &str| -> Option<String> {
        history
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["event"]["kind"] == kind && h["event"]["actor"] == actor)
            .and_then(|h| h["event"]["signature_image"].as_str().map(str::to_owned))
    };
    assert_eq!(image_of("endorsed", "somjai"), Some(head_sha.clone()));
    assert_eq!(image_of("endorsed", "somsak"), None);
    assert_eq!(image_of("signed", "kanok"), Some(mayor_sha.clone()));

    // The issued PDF shows ink above the two names, none above the third.
    let pdf = registrar.pdf(&id).await;
    assert_eq!(
        Some(sha256_hex(&pdf).as_str()),
        issued["document"]["pdf_hash"].as_str()
    );
    let above_head = ink_above(&pdf, "สมใจ", 0.9);
    let above_mayor = ink_above(&pdf, "กนก", 0.9);
    let above_deputy = ink_above(&pdf, "สมศักดิ์", 0.9);
    assert!(
        above_head > 100,
        "ink above the head of office: {above_head}"
    );
    assert!(above_mayor > 100, "ink above the mayor: {above_mayor}");
    assert!(
        above_deputy < 20,
        "ink above the deputy, who has no image: {above_deputy}"
    );
    holds(&store).await;

    // Taken away, it prints no more; the log says so and verify holds.
    assert_eq!(
        head.send(Method::DELETE, "/me/signature", &Value::Null)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(head.get("/me/signature").await.0, StatusCode::NOT_FOUND);
    holds(&store).await;

    // A printed image swapped in the database is a tamper finding.
    let mayor_png = store
        .content_store()
        .get(ORG, saraban_store::ContentKind::Ink, &mayor_sha)
        .await
        .unwrap()
        .unwrap();
    saraban_stories::tamper_object(
        &store,
        ORG,
        saraban_store::ContentKind::Ink,
        &head_sha,
        |_| mayor_png,
    )
    .await;
    let audit = store.audit(&org(ORG)).await.unwrap();
    assert!(
        audit
            .findings
            .iter()
            .any(|f| f.detail.contains(&head_sha) && f.detail.contains("changed")),
        "{:#?}",
        audit.findings
    );
}
