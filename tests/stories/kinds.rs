//! The outgoing kinds of issue 15 through their whole route over the HTTP
//! API, on SQLite and PostgreSQL: the external letter, the stamped letter
//! and the announcement are drafted, reviewed, signed, issued with their
//! number in their register, printed, and the log verifies.

use reqwest::StatusCode;
use saraban_stories::{ApiServer, TestDb, example_content, stories};
use serde_json::{Value, json};

const PASSWORD: &str = "saraban-kinds";

async fn start(db: TestDb) -> ApiServer {
    ApiServer::start(db, PASSWORD).await
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every paragraph of the body, as `pdftotext -raw` extracts it.
fn every_paragraph_extracts(content: &Value, pdf: &[u8]) -> String {
    let text = saraban_stories::pdf_text(pdf);
    let extracted = squeeze(&text);
    let document = saraban_core::document::document_from_value(content.clone()).unwrap();
    for block in document.body().blocks() {
        let texts = match block {
            saraban_core::document::Block::Paragraph(text) => vec![text],
            saraban_core::document::Block::Items(items) => items.texts(),
            _ => Vec::new(),
        };
        for paragraph in texts {
            assert!(
                extracted.contains(&squeeze(paragraph.as_str())),
                "not extracted as typed: {}\n---\n{text}",
                paragraph.as_str()
            );
        }
    }
    text
}

async fn verify_holds(server: &ApiServer) {
    let admin = server.sign_in("admin").await;
    let (status, audit) = admin.get("/verify").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["findings"], json!([]), "{audit}");
}

/// The letter to the district office: reviewed by the head of office and
/// the clerk, signed by the mayor, numbered in the ทะเบียนหนังสือส่ง with
/// the memos.
async fn an_external_letter_goes_out(db: TestDb) {
    let server = start(db).await;
    let content = example_content("letter-ita-report-2568.toml");
    let (issued, pdf) = server
        .through_the_route(&content, &["somjai", "wilaiwan"], "kanok")
        .await;
    assert_eq!(issued["kind"], "letter");
    assert_eq!(issued["number"], 1);
    let year = issued["year"].as_i64().unwrap();
    let text = every_paragraph_extracts(&content, &pdf);
    for printed in [
        "ที่ ตร ๗๑๐๐๑/๑",
        "เรียน นายอำเภอเมืองตราด",
        "ขอแสดงความนับถือ",
        "(นายกนก ใจรักษ์)",
        "saraban@wangkrachae.go.th",
    ] {
        assert!(
            squeeze(&text).contains(&squeeze(printed)),
            "{printed}:\n{text}"
        );
    }
    // The next memo takes the next number of the same register.
    let (_, register) = server
        .sign_in("sunee")
        .await
        .get(&format!("/registers/memo/{year}"))
        .await;
    assert_eq!(register[0]["printed_number"], "ที่ ตร ๗๑๐๐๑/๑", "{register}");
    assert_eq!(register[0]["to"], "นายอำเภอเมืองตราด");
    let memo = example_content("ita-report-2568.toml");
    let (issued, _) = server
        .through_the_route(&memo, &["somjai", "somsak", "wilaiwan"], "kanok")
        .await;
    assert_eq!(issued["number"], 2, "one register, no gap");
    verify_holds(&server).await;
}

/// The stamped letter: only for an allowed matter, signed (initialled) by
/// the head of office without review, numbered with the outgoing letters.
async fn a_stamped_letter_acknowledges_receipt(db: TestDb) {
    let server = start(db).await;
    let drafter = server.sign_in("chanyurat").await;
    let mut refused = example_content("stamped-receipt-2568.toml");
    refused["matter"] = json!("budget");
    let (status, error) = drafter.post("/documents", &refused).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error.to_string().contains("matter"), "{error}");

    let content = example_content("stamped-receipt-2568.toml");
    let (issued, pdf) = server.through_the_route(&content, &[], "somjai").await;
    assert_eq!(issued["kind"], "stamped");
    assert_eq!(issued["number"], 1);
    let text = every_paragraph_extracts(&content, &pdf);
    for printed in [
        "ที่ ตร ๗๑๐๐๑/๑",
        "ถึง สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดตราด",
        "องค์การบริหารส่วนตำบลวังกระแจะ",
        "ส. ต.",
        "โทร. ๐ ๓๙๕๑ ๒๔๕๖",
    ] {
        assert!(
            squeeze(&text).contains(&squeeze(printed)),
            "{printed}:\n{text}"
        );
    }
    verify_holds(&server).await;
}

/// The announcement of the complaint channels: its own register, its own
/// number, "ประกาศ ณ วันที่" the day the mayor signs.
async fn an_announcement_is_numbered_in_its_register(db: TestDb) {
    let server = start(db).await;
    let content = example_content("announcement-complaints-2568.toml");
    let (issued, pdf) = server
        .through_the_route(&content, &["somjai", "wilaiwan"], "kanok")
        .await;
    assert_eq!(issued["kind"], "announcement");
    assert_eq!(issued["number"], 1, "the drafted number is never printed");
    let year = issued["year"].as_i64().unwrap();
    let text = every_paragraph_extracts(&content, &pdf);
    let thai_year = saraban_core::DigitStyle::Thai.number(year as u64);
    for printed in [
        "ประกาศองค์การบริหารส่วนตำบลวังกระแจะ".to_owned(),
        format!("ที่ ๑/{thai_year}"),
        "ประกาศ ณ วันที่".to_owned(),
        "ทั้งนี้ ตั้งแต่วันที่ ๑ มิถุนายน พ.ศ. ๒๕๖๘ เป็นต้นไป".to_owned(),
    ] {
        assert!(
            squeeze(&text).contains(&squeeze(&printed)),
            "{printed}:\n{text}"
        );
    }
    let (_, register) = server
        .sign_in("sunee")
        .await
        .get(&format!("/registers/announcement/{year}"))
        .await;
    assert_eq!(
        register[0]["printed_number"],
        format!("ที่ ๑/{thai_year}"),
        "{register}"
    );
    verify_holds(&server).await;
}

/// An outgoing register is read a page at a time by its number, over the
/// API (`?limit=&after=`) and on the web page (`&after=`), so a year of
/// thousands is never read whole to show a page.
async fn an_outgoing_register_goes_by_pages(db: TestDb) {
    let server = start(db).await;
    let memo = example_content("ita-report-2568.toml");
    let mut year = 0;
    for number in 1..=3 {
        let (issued, _) = server
            .through_the_route(&memo, &["somjai", "somsak", "wilaiwan"], "kanok")
            .await;
        assert_eq!(issued["number"], number);
        year = issued["year"].as_i64().unwrap();
    }
    let registrar = server.sign_in("sunee").await;
    let numbers = |page: &Value| -> Vec<i64> {
        page.as_array()
            .unwrap_or_else(|| panic!("{page}"))
            .iter()
            .map(|entry| entry["number"].as_i64().unwrap())
            .collect()
    };
    let (status, first) = registrar
        .get(&format!("/registers/memo/{year}?limit=2"))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(numbers(&first), [1, 2]);
    let (_, second) = registrar
        .get(&format!("/registers/memo/{year}?limit=2&after=2"))
        .await;
    assert_eq!(numbers(&second), [3], "{second}");
    assert_eq!(second[0]["printed_number"], "ที่ ตร ๗๑๐๐๑/๓");
    assert!(!second[0]["issued_at"].as_str().unwrap().is_empty());
    let (_, past) = registrar
        .get(&format!("/registers/memo/{year}?after=3"))
        .await;
    assert_eq!(numbers(&past), Vec::<i64>::new());
    for (query, field) in [
        ("after=-1", "after"),
        ("limit=0", "limit"),
        ("offset=1", "offset"),
    ] {
        let (status, error) = registrar
            .get(&format!("/registers/memo/{year}?{query}"))
            .await;
        assert_eq!(
            (status, error["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{query}: {error}"
        );
    }
    let page = registrar
        .html(&format!("/registers?register=memo&year={year}&after=2"))
        .await;
    assert!(page.contains("ที่ ตร ๗๑๐๐๑/๓"), "{page}");
    assert!(!page.contains("ที่ ตร ๗๑๐๐๑/๒<"), "only the page's entries");
    assert!(page.contains("เลขที่ ๓ – ๓"), "the page's range");
    assert!(!page.contains("register-next"), "no page after the last");
    let whole = registrar
        .html(&format!("/registers?register=memo&year={year}"))
        .await;
    assert!(
        ["๗๑๐๐๑/๑", "๗๑๐๐๑/๒", "๗๑๐๐๑/๓"]
            .iter()
            .all(|number| whole.contains(number)),
        "{whole}"
    );
    verify_holds(&server).await;
}

stories!(
    an_outgoing_register_goes_by_pages,
    an_external_letter_goes_out,
    a_stamped_letter_acknowledges_receipt,
    an_announcement_is_numbered_in_its_register,
);
