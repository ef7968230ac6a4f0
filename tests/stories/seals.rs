//! The digital signature on every issued PDF (issue 17), on SQLite and
//! PostgreSQL, over real HTTP: memo, order, external letter, stamped
//! letter and announcement each issued with the organisation's PAdES seal,
//! which poppler's pdfsig, qpdf and pyHanko (trusting the organisation's
//! certificate as the API publishes it) all accept, the file still
//! PDF/A; one changed byte fails all three and `verify`; the public check
//! reports who sealed it and whether it holds. With a timestamp authority
//! (OpenSSL's, on loopback), the seal carries its token and pyHanko
//! reports it.

use reqwest::StatusCode;
use saraban_core::OrgId;
use saraban_stories::seal_tools::{
    assert_pyhanko_timestamp, make_authority, openssl, pdfa_identification, pdfsig,
    pyhanko_validate, real_ca, run, scratch, serve,
};
use saraban_stories::{ApiServer, TestDb, example_content, org, stories};
use serde_json::{Value, json};

const ORG: &str = "wangkrachae";
const PASSWORD: &str = "saraban-seals";

/// The example organisation with a key folder: its checkpoint key and seal.
async fn start(db: TestDb) -> ApiServer {
    let keys = std::env::temp_dir().join(format!("saraban-seals-{}.keys", uuid::Uuid::new_v4()));
    db.store.use_key_folder(&keys).unwrap();
    let config = saraban_stories::example_org_with_admin();
    saraban_stories::init_with_passwords(&db.store, &config, PASSWORD).await;
    db.store.ensure_signing_key(&org(ORG)).await.unwrap();
    let store = db.store.clone();
    ApiServer::serve(db, store, ORG, PASSWORD).await
}

/// The organisation's certificate as the API publishes it: the top of
/// its chain, written where pyHanko can read it.
async fn published_root(server: &ApiServer, dir: &std::path::Path) -> std::path::PathBuf {
    let (status, certificate) = server
        .visitor()
        .get(&format!("/orgs/{ORG}/certificate"))
        .await;
    assert_eq!(status, StatusCode::OK, "{certificate}");
    assert_eq!(certificate["subject"], "องค์การบริหารส่วนตำบลวังกระแจะ");
    assert_eq!(certificate["self_issued"], true);
    let chain = certificate["chain_pem"].as_str().unwrap();
    let root_start = chain.rfind("-----BEGIN CERTIFICATE-----").unwrap();
    let path = dir.join("organisation-ca.pem");
    std::fs::write(&path, &chain[root_start..]).unwrap();
    path
}

fn qpdf_check(file: &std::path::Path) -> bool {
    run(
        "qpdf",
        &["--check", file.to_str().unwrap()],
        "apt-get install qpdf",
    )
    .status
    .success()
}

async fn verify_holds(server: &ApiServer) {
    let admin = server.sign_in("admin").await;
    let (status, audit) = admin.get("/verify").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["findings"], json!([]), "{audit}");
}

stories!(
    every_issued_kind_carries_a_seal_that_outside_validators_accept,
    a_timestamp_authority_stamps_the_seal,
    an_administrator_installs_a_real_cas_certificate,
);

async fn every_issued_kind_carries_a_seal_that_outside_validators_accept(db: TestDb) {
    let server = start(db).await;
    let dir = scratch("seals-story");
    let root = published_root(&server, &dir).await;
    let kinds: [(&str, &[&str], &str); 5] = [
        (
            "ita-report-2568.toml",
            &["somjai", "somsak", "wilaiwan"],
            "kanok",
        ),
        ("order-490-2567.toml", &["somjai", "wilaiwan"], "kanok"),
        (
            "letter-ita-report-2568.toml",
            &["somjai", "wilaiwan"],
            "kanok",
        ),
        ("stamped-receipt-2568.toml", &[], "somjai"),
        (
            "announcement-complaints-2568.toml",
            &["somjai", "wilaiwan"],
            "kanok",
        ),
    ];
    let mut memo: Option<(Value, Vec<u8>)> = None;
    for (example, reviewers, signer) in kinds {
        let (issued, pdf) = server
            .through_the_route(&example_content(example), reviewers, signer)
            .await;
        let file = dir.join(example.replace(".toml", ".pdf"));
        std::fs::write(&file, &pdf).unwrap();
        let (ok, text) = pdfsig(&file);
        assert!(ok, "pdfsig {example}:\n{text}");
        assert!(
            text.contains("Signature is Valid"),
            "pdfsig {example}:\n{text}"
        );
        assert!(
            text.contains("Total document signed"),
            "pdfsig {example}:\n{text}"
        );
        assert!(qpdf_check(&file), "qpdf --check {example}");
        let (ok, line) = pyhanko_validate(&file, &root, false);
        assert!(ok, "pyHanko {example}: {line}");
        assert!(line.contains("INTACT:TRUSTED"), "pyHanko {example}: {line}");
        assert_eq!(
            pdfa_identification(&pdf).map(|(part, _)| part),
            Some("2".to_owned()),
            "{example} stays PDF/A-2"
        );
        if memo.is_none() {
            memo = Some((issued, pdf));
        }
    }
    verify_holds(&server).await;

    // The public check names who sealed the issued file, and that it holds.
    let (issued, pdf) = memo.unwrap();
    let id = issued["id"].as_str().unwrap();
    let code = saraban_store::verification_code(ORG, id);
    let compare = |bytes: Vec<u8>| {
        let visitor = server.visitor();
        let code = code.clone();
        async move {
            let response = visitor
                .http
                .post(format!("{}/public/verify/{code}", visitor.base))
                .header("content-type", "application/pdf")
                .body(bytes)
                .send()
                .await
                .unwrap();
            saraban_stories::ApiClient::answer(response).await
        }
    };
    let (status, genuine) = compare(pdf.clone()).await;
    assert_eq!(status, StatusCode::OK, "{genuine}");
    assert_eq!(genuine["matches"], true);
    assert_eq!(genuine["seal"]["valid"], true, "{genuine}");
    assert_eq!(genuine["seal"]["signer"], "องค์การบริหารส่วนตำบลวังกระแจะ");
    assert!(
        genuine["seal"]["reason"]
            .as_str()
            .unwrap()
            .contains("นายกนก ใจรักษ์"),
        "{genuine}"
    );
    let page = server.visitor().html(&format!("/verify/{code}")).await;
    assert!(page.contains("ตรวจสอบ"), "{page}");

    // One changed byte: pdfsig, pyHanko, the public check and verify all fail.
    let mut altered = pdf.clone();
    let middle = altered.len() / 3;
    altered[middle] ^= 0x01;
    let file = dir.join("altered.pdf");
    std::fs::write(&file, &altered).unwrap();
    let (_, text) = pdfsig(&file);
    assert!(
        !text.contains("Signature is Valid"),
        "pdfsig accepted:\n{text}"
    );
    let (ok, line) = pyhanko_validate(&file, &root, false);
    assert!(
        !ok && !line.contains("INTACT:TRUSTED"),
        "pyHanko accepted: {line}"
    );
    let (_, compared) = compare(altered.clone()).await;
    assert_eq!(compared["matches"], false);
    assert_eq!(compared["seal"]["valid"], false, "{compared}");
    assert_eq!(compared["seal"]["problem"], "digest_mismatch", "{compared}");
    sqlx::query("UPDATE pdfs SET bytes = $1 WHERE sha256 = $2")
        .bind(&altered)
        .bind(issued["pdf_hash"].as_str().unwrap())
        .execute(server.store.pool())
        .await
        .unwrap();
    let audit = server
        .store
        .audit(&OrgId::parse(ORG).unwrap())
        .await
        .unwrap();
    assert!(!audit.holds(), "verify holds over an altered PDF");
    std::fs::remove_dir_all(&dir).ok();
}

async fn a_timestamp_authority_stamps_the_seal(db: TestDb) {
    let server = start(db).await;
    let authority = make_authority();
    let (url, answered) = serve(authority.dir.clone(), 1);
    server.store.use_timestamp_authority(Some(url)).unwrap();
    let (_, pdf) = server
        .through_the_route(
            &example_content("order-490-2567.toml"),
            &["somjai", "wilaiwan"],
            "kanok",
        )
        .await;
    answered.join().unwrap();
    let dir = &authority.dir;
    let root = published_root(&server, dir).await;
    let mut trust = std::fs::read_to_string(&root).unwrap();
    trust.push_str(&std::fs::read_to_string(dir.join("root.pem")).unwrap());
    let trust_file = dir.join("trust.pem");
    std::fs::write(&trust_file, trust).unwrap();
    let file = dir.join("order.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let (ok, text) = pdfsig(&file);
    assert!(ok && text.contains("Signature is Valid"), "pdfsig:\n{text}");
    // pdfsig 22 shows no RFC 3161 token; the signature it dumps, read by
    // OpenSSL, carries one.
    let dumped = std::process::Command::new("pdfsig")
        .current_dir(dir)
        .args(["-dump", "order.pdf"])
        .status()
        .expect("pdfsig");
    assert!(dumped.success());
    let printed = run(
        "openssl",
        &[
            "cms",
            "-inform",
            "DER",
            "-in",
            dir.join("order.pdf.sig0").to_str().unwrap(),
            "-cmsout",
            "-print",
        ],
        "apt-get install openssl",
    );
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert!(
        printed.contains("id-smime-aa-timeStampToken"),
        "the dumped signature has no timestamp token:\n{printed}"
    );
    let (ok, text) = pyhanko_validate(&file, &trust_file, true);
    assert!(ok, "pyHanko:\n{text}");
    assert_pyhanko_timestamp(&text);
    // saraban's own check reads the token too.
    let seal = server
        .store
        .check_seal(&OrgId::parse(ORG).unwrap(), &pdf)
        .await
        .unwrap()
        .expect("a seal");
    assert!(seal.valid, "{seal:?}");
    assert!(seal.timestamp.is_some(), "{seal:?}");
    verify_holds(&server).await;
    std::fs::remove_dir_all(dir).ok();
}

/// The administrators' page takes a real CA's .p12: a wrong password is
/// refused at the field in Thai (422) and nothing changes; the right one
/// installs it, the page and the API show it, and the next issued PDF is
/// sealed with it.
async fn an_administrator_installs_a_real_cas_certificate(db: TestDb) {
    let server = start(db).await;
    let dir = scratch("p12-page");
    real_ca(&dir);
    openssl(
        &dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "org.key",
            "-in",
            "org.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "pass:ใบรับรอง-2569",
            "-out",
            "org.p12",
        ],
    );
    let p12 = std::fs::read(dir.join("org.p12")).unwrap();
    let admin = server.sign_in("admin").await;
    let post = |password: &str| {
        let (admin, p12) = (&admin, p12.clone());
        let password = password.to_owned();
        async move {
            let page = admin.html("/admin/certificate").await;
            let csrf = page
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("the form's token")
                .to_owned();
            let boundary = "saraban-boundary-p12";
            let mut body = Vec::new();
            for (name, value) in [("csrf", csrf.as_str()), ("password", password.as_str())] {
                body.extend(
                    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .into_bytes(),
                );
            }
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"p12\"; filename=\"org.p12\"\r\nContent-Type: application/x-pkcs12\r\n\r\n")
                    .into_bytes(),
            );
            body.extend_from_slice(&p12);
            body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
            let response = admin
                .http
                .post(format!("{}/admin/certificate", admin.root))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("origin", admin.root.clone())
                .body(body)
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, page) = post("ผิด").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("รหัสผ่านไม่ถูกต้อง"), "{page}");
    assert!(!page.contains("ผิด\""), "the password is not echoed");
    let (_, certificate) = server
        .visitor()
        .get(&format!("/orgs/{ORG}/certificate"))
        .await;
    assert_eq!(
        certificate["self_issued"], true,
        "nothing changed: {certificate}"
    );

    let (status, page) = post("ใบรับรอง-2569").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Test Thai CA"), "{page}");
    let (_, certificate) = server
        .visitor()
        .get(&format!("/orgs/{ORG}/certificate"))
        .await;
    assert_eq!(certificate["issuer"], "Test Thai CA", "{certificate}");
    let (_, pdf) = server
        .through_the_route(&example_content("stamped-receipt-2568.toml"), &[], "somjai")
        .await;
    let file = dir.join("stamped.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let (ok, text) = pdfsig(&file);
    assert!(ok && text.contains("Signature is Valid"), "pdfsig:\n{text}");
    assert!(
        text.contains("Wang Krachae SAO"),
        "sealed with the installed certificate:\n{text}"
    );
    verify_holds(&server).await;
    std::fs::remove_dir_all(&dir).ok();
}
