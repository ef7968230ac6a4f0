//! Enclosures as files (issue 15, points 5–7), over the HTTP API on SQLite
//! and PostgreSQL: a หนังสือภายนอก gets two PDF enclosures, each stored
//! once by its SHA-256 and named in a new version of the draft; files that
//! are no PDF, image or office file, encrypted PDFs and files over the
//! limits are refused with a Thai message naming the file, and nothing is
//! stored; the letter goes through its route and is issued as PDF/A-3b
//! with both files embedded (poppler's `pdfdetach`); everyone on the route
//! downloads them as sent; `verify` holds, and the archive bundle carries
//! and checks them.

use reqwest::StatusCode;
use saraban_core::FindingClass;
use saraban_core::enclosure::Limits;
use saraban_stories::{ApiClient, ApiServer, TestDb, example_content, org, stories, tiny_pdf};
use serde_json::{Value, json};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-enclosures";
/// Small limits, so that the refusals need no large files.
const LIMITS: Limits = Limits {
    file: 600 * 1024,
    document: 700 * 1024,
};

async fn start(db: TestDb) -> ApiServer {
    let config = saraban_stories::example_org_with_admin();
    // A key folder: the organisation's log is signed, so it can be bundled.
    let keys =
        std::env::temp_dir().join(format!("saraban-enclosures-{}.keys", uuid::Uuid::new_v4()));
    db.store.use_key_folder(&keys).unwrap();
    saraban_stories::init_with_passwords(&db.store, &config, PASSWORD).await;
    db.store.ensure_signing_key(&org(ORG)).await.unwrap();
    let store = db.store.clone().with_enclosure_limits(LIMITS);
    ApiServer::serve(db, store, ORG, PASSWORD).await
}

/// How many files are stored, and the draft's version.
async fn stored(server: &ApiServer, id: &str) -> (i64, i64) {
    use sqlx::Row;
    let files: i64 = sqlx::query("SELECT COUNT(*) AS n FROM enclosure_files")
        .fetch_one(server.store.pool())
        .await
        .unwrap()
        .get("n");
    let version: i64 = sqlx::query("SELECT version FROM documents WHERE id = $1")
        .bind(id)
        .fetch_one(server.store.pool())
        .await
        .unwrap()
        .get("version");
    (files, version)
}

/// Attaches `bytes` to the draft, the title and name in the query.
async fn attach(
    client: &ApiClient,
    id: &str,
    title: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let response = client
        .http
        .post(format!(
            "{}/documents/{id}/enclosures?title={}&filename={}",
            client.base,
            encode(title),
            encode(filename)
        ))
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    ApiClient::answer(response).await
}

async fn download(
    client: &ApiClient,
    id: &str,
    hash: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = client
        .http
        .get(format!("{}/documents/{id}/enclosures/{hash}", client.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn letter() -> Value {
    let mut content = example_content("letter-ita-report-2568.toml");
    // The files bring their titles.
    content.as_object_mut().unwrap().remove("enclosures");
    content
}

const TITLES: [&str; 2] = [
    "รายงานผลการดำเนินการมาตรการส่งเสริมคุณธรรมและความโปร่งใส จำนวน ๑ ชุด",
    "รายงานการประชุมคณะทำงาน ครั้งที่ ๒/๒๕๖๘ จำนวน ๑ ชุด",
];

/// `pdfdetach` (poppler) on `pdf`: the list it prints, and every file it
/// saves, by name.
fn detach(pdf: &[u8]) -> (String, Vec<(String, Vec<u8>)>) {
    let dir = std::env::temp_dir().join(format!("saraban-detach-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("issued.pdf");
    std::fs::write(&path, pdf).unwrap();
    let list = std::process::Command::new("pdfdetach")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfdetach (poppler-utils)");
    assert!(list.status.success(), "pdfdetach -list");
    let saved = dir.join("out");
    std::fs::create_dir_all(&saved).unwrap();
    let save = std::process::Command::new("pdfdetach")
        .arg("-saveall")
        .arg("-o")
        .arg(&saved)
        .arg(&path)
        .output()
        .unwrap();
    assert!(save.status.success(), "pdfdetach -saveall");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&saved)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    std::fs::remove_dir_all(&dir).ok();
    (String::from_utf8_lossy(&list.stdout).into_owned(), files)
}

async fn a_letter_carries_its_enclosures(db: TestDb) {
    let server = start(db).await;
    let drafter = server.sign_in("chanyurat").await;
    let id = drafter.create(&letter()).await;

    // Two PDFs, each a version of the draft naming it.
    let report = tiny_pdf("ITA report 2568", 200 * 1024);
    let minutes = tiny_pdf("Working group minutes 2/2568", 10 * 1024);
    for (title, name, bytes) in [
        (TITLES[0], "ita-report-2568.pdf", &report),
        (TITLES[1], "รายงานการประชุม.pdf", &minutes),
    ] {
        let (status, answer) = attach(&drafter, &id, title, name, bytes.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    let (status, listed) = drafter.get(&format!("/documents/{id}/enclosures")).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let hashes: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sha256"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        hashes,
        vec![
            saraban_core::ledger::sha256_hex(&report),
            saraban_core::ledger::sha256_hex(&minutes)
        ]
    );
    assert_eq!(listed[0]["title"], TITLES[0]);
    assert_eq!(listed[1]["media_type"], "application/pdf");
    assert_eq!(listed[1]["filename"], "รายงานการประชุม.pdf");
    // The content names each file by hash, so the version's hash (and its
    // event) covers the bytes.
    let (_, content) = drafter.get(&format!("/documents/{id}/content")).await;
    assert_eq!(content["enclosures"][0]["sha256"], hashes[0].as_str());
    let before = stored(&server, &id).await;
    assert_eq!(before, (2, 3), "two files, three versions");

    // Refusals: each names the file and the reason, in Thai; nothing is
    // stored and the draft stays as it was.
    let big = tiny_pdf("too big", 700 * 1024);
    let over_document = tiny_pdf("over the document's limit", 590 * 1024);
    for (name, bytes, reason) in [
        ("locked.pdf", saraban_stories::encrypted_pdf(), "เข้ารหัส"),
        (
            "notes.txt",
            b"plain text, no enclosure".to_vec(),
            "ไม่ใช่ไฟล์ชนิดที่รับได้",
        ),
        ("broken.pdf", b"%PDF-1.7\nnot really".to_vec(), "เสียหาย"),
        ("scan.pdf", big, "เกินกำหนด"),
        ("annex.pdf", over_document, "ต่อฉบับ"),
        ("renamed.pdf", b"\x89PNG\r\n\x1a\n-short".to_vec(), "เสียหาย"),
    ] {
        let (status, error) = attach(&drafter, &id, "ไฟล์ที่ไม่รับ", name, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {error}");
        assert_eq!(error["field"], "file", "{name}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(&format!("“{name}”")), "{message}");
        assert!(message.contains(reason), "{name}: {message}");
        assert_eq!(stored(&server, &id).await, before, "{name}: nothing stored");
    }
    // A content naming a file the organisation does not have is refused.
    let mut forged = content.clone();
    forged["enclosures"][1]["sha256"] = json!("0".repeat(64));
    let (status, error) = drafter
        .send(reqwest::Method::PUT, &format!("/documents/{id}"), &forged)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["field"], "enclosures[1].sha256", "{error}");
    // Someone who is not the drafter cannot attach.
    let clerk = server.sign_in("wilaiwan").await;
    let (status, error) = attach(&clerk, &id, "อื่น", "x.pdf", tiny_pdf("x", 0)).await;
    assert!(status.is_client_error(), "{status}: {error}");
    assert_eq!(stored(&server, &id).await, before);

    // Through the route: reviewers open the files, the mayor signs.
    drafter.act_ok(&id, "submit", None).await;
    for user in ["somjai", "wilaiwan"] {
        let reviewer = server.sign_in(user).await;
        let (status, headers, bytes) = download(&reviewer, &id, &hashes[0]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline;"),
            "PDFs open in the browser"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(bytes, report, "as sent");
        reviewer.act_ok(&id, "endorse", Some("เห็นควรลงนาม")).await;
    }
    server
        .sign_in("kanok")
        .await
        .act_ok(&id, "sign", None)
        .await;
    let registrar = server.sign_in("sunee").await;
    let issued = registrar.act_ok(&id, "issue", None).await;
    let response = registrar
        .http
        .get(format!("{}/documents/{id}/pdf", server.base))
        .send()
        .await
        .unwrap();
    let pdf = response.bytes().await.unwrap().to_vec();
    assert_eq!(
        issued["document"]["pdf_hash"].as_str(),
        Some(saraban_core::ledger::sha256_hex(&pdf).as_str())
    );
    // PDF/A-3b, both files embedded as they were sent, in order.
    let xmp = String::from_utf8_lossy(&pdf);
    assert!(
        xmp.contains("<pdfaid:part>3</pdfaid:part>") || xmp.contains("pdfaid:part=\"3\""),
        "PDF/A-3"
    );
    let (list, files) = detach(&pdf);
    assert!(list.starts_with("2 embedded files"), "{list}");
    assert!(
        list.contains("enclosure-1.pdf") && list.contains("enclosure-2.pdf"),
        "{list}"
    );
    assert_eq!(
        files,
        vec![
            ("enclosure-1.pdf".to_owned(), report.clone()),
            ("enclosure-2.pdf".to_owned(), minutes.clone())
        ]
    );
    // The titles print under สิ่งที่ส่งมาด้วย, numbered.
    let text: String = saraban_stories::pdf_text(&pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for (i, title) in TITLES.iter().enumerate() {
        let numbered = format!("{}.{}", ["๑", "๒"][i], title);
        let numbered: String = numbered.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&numbered), "{numbered}: {text}");
    }
    // The signer still opens them after issue; another organisation's
    // address of the file is not found.
    let signer = server.sign_in("kanok").await;
    let (status, _, bytes) = download(&signer, &id, &hashes[1]).await;
    assert_eq!((status, bytes), (StatusCode::OK, minutes.clone()));
    let (status, _, _) = download(&registrar, &id, &"f".repeat(64)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // verify holds.
    let admin = server.sign_in("admin").await;
    let (status, audit) = admin.get("/verify").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["findings"], json!([]), "{audit}");

    // The archive bundle carries the issued content and both files, and
    // its check finds a changed file.
    let year = issued["document"]["year"].as_i64().unwrap() as i32;
    let mut bundle = server.store.export_bundle(&org(ORG), year).await.unwrap();
    for hash in &hashes {
        assert!(
            bundle.files.contains_key(&format!("enclosures/{hash}")),
            "{hash}"
        );
    }
    let check = |bundle: &saraban_store::Bundle| {
        let read = |path: &str| bundle.files.get(path).cloned().ok_or("no such file".into());
        saraban_core::bundle::check(
            &bundle.manifest_json(),
            saraban_core::bundle::Outside::default(),
            &read,
        )
        .unwrap()
    };
    let report_of = check(&bundle);
    assert!(report_of.holds(), "{:?}", report_of.findings);
    let file = bundle
        .files
        .get_mut(&format!("enclosures/{}", hashes[1]))
        .unwrap();
    let middle = file.len() / 2;
    file[middle] ^= 1;
    let classes: Vec<FindingClass> = check(&bundle).findings.iter().map(|f| f.class).collect();
    assert!(classes.contains(&FindingClass::Enclosure), "{classes:?}");
}

stories!(a_letter_carries_its_enclosures);
