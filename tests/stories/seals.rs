//! The digital signature on every issued PDF (issue 17), on SQLite and
//! PostgreSQL, over real HTTP: memo, order, external letter, stamped
//! letter and announcement each issued with the organisation's PAdES seal,
//! which poppler's pdfsig, qpdf and pyHanko (trusting the organisation's
//! certificate as the API publishes it) all accept, the file still
//! PDF/A; one changed byte fails all three and `verify`; the public check
//! reports who sealed it and whether it holds. With a timestamp authority
//! (OpenSSL's, on loopback), the seal carries its token and pyHanko
//! reports it.
//!
//! An administrator installs a real CA's .p12 on the administrators' page:
//! a P-256 one, and an RSA one (an RSA-3072 CA and certificate, as Thai CAs
//! issue), whose memo is sealed with RSA PKCS#1 v1.5 and which pdfsig,
//! pyHanko (trusting that CA) and `verify` accept, one changed byte failing
//! all of them; with an RSA timestamp authority, the RSA seal carries its
//! token too.

use reqwest::StatusCode;
use saraban_core::OrgId;
use saraban_stories::seal_tools::{
    KeyKind, assert_pyhanko_timestamp, make_authority_with, openssl, pdfa_identification, pdfsig,
    pyhanko_validate, real_ca_with, run, scratch, serve,
};
use saraban_stories::{ApiClient, ApiServer, TestDb, example_content, org, stories};
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
    a_timestamp_authority_stamps_an_rsa_seal,
    an_administrator_installs_a_real_cas_certificate,
    an_administrator_installs_an_rsa_cas_certificate,
);

/// The key of the RSA stories: what Thai CAs commonly issue.
const RSA: KeyKind = KeyKind::Rsa(3072);
/// The .p12's password in the stories that install one.
const P12_PASSWORD: &str = "ใบรับรอง-2569";

/// A CA of `kind` in `dir` (ca.pem) and the organisation's certificate it
/// issued, exported with its key and chain as org.p12.
fn real_ca_p12(dir: &std::path::Path, kind: KeyKind) -> Vec<u8> {
    real_ca_with(dir, kind);
    openssl(
        dir,
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
            &format!("pass:{P12_PASSWORD}"),
            "-out",
            "org.p12",
        ],
    );
    std::fs::read(dir.join("org.p12")).unwrap()
}

/// The administrators' certificate form, posted with `p12` and `password`
/// as a browser does: its status and page.
async fn post_p12(admin: &ApiClient, p12: &[u8], password: &str) -> (StatusCode, String) {
    let page = admin.html("/admin/certificate").await;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's token")
        .to_owned();
    let boundary = "saraban-boundary-p12";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf.as_str()), ("password", password)] {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"p12\"; filename=\"org.p12\"\r\nContent-Type: application/x-pkcs12\r\n\r\n")
            .into_bytes(),
    );
    body.extend_from_slice(p12);
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

/// The public verification page's check of `pdf` against the document of
/// verification code `code`: its status and answer.
async fn public_check(server: &ApiServer, code: &str, pdf: &[u8]) -> (StatusCode, Value) {
    let visitor = server.visitor();
    let response = visitor
        .http
        .post(format!("{}/public/verify/{code}", visitor.base))
        .header("content-type", "application/pdf")
        .body(pdf.to_vec())
        .send()
        .await
        .unwrap();
    ApiClient::answer(response).await
}

/// The signature pdfsig dumps from `file` (in `dir`), as OpenSSL prints
/// the CMS.
fn dumped_cms(dir: &std::path::Path, file: &str) -> String {
    let dumped = std::process::Command::new("pdfsig")
        .current_dir(dir)
        .args(["-dump", file])
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
            dir.join(format!("{file}.sig0")).to_str().unwrap(),
            "-cmsout",
            "-print",
        ],
        "apt-get install openssl",
    );
    String::from_utf8_lossy(&printed.stdout).into_owned()
}

/// The seal's SignerInfo is RSA PKCS#1 v1.5 with SHA-256
/// (sha256WithRSAEncryption), and nothing in it is ECDSA.
fn assert_rsa_seal(cms: &str) {
    let signer_info = &cms[cms.find("signerInfos:").expect("signerInfos")..];
    let algorithm = signer_info
        .split("signatureAlgorithm:")
        .nth(1)
        .and_then(|rest| rest.lines().find(|line| line.contains("algorithm:")))
        .unwrap_or_default();
    assert!(
        algorithm.contains("sha256WithRSAEncryption"),
        "the SignerInfo's algorithm: {algorithm}\n{cms}"
    );
    assert!(
        !cms.contains("ecdsa"),
        "an ECDSA part in an RSA seal:\n{cms}"
    );
}

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
            ApiClient::answer(response).await
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
    // The object in the content store replaced by the altered bytes.
    saraban_stories::tamper_object(
        &server.store,
        ORG,
        saraban_store::ContentKind::Pdf,
        issued["pdf_hash"].as_str().unwrap(),
        |_| altered.clone(),
    )
    .await;
    let audit = server
        .store
        .audit(&OrgId::parse(ORG).unwrap())
        .await
        .unwrap();
    assert!(!audit.holds(), "verify holds over an altered PDF");
    std::fs::remove_dir_all(&dir).ok();
}

async fn a_timestamp_authority_stamps_the_seal(db: TestDb) {
    timestamp_story(db, KeyKind::P256).await;
}

/// The organisation seals with an RSA CA's certificate (installed from its
/// .p12 on the administrators' page) and an RSA timestamp authority stamps
/// the RSA signature value.
async fn a_timestamp_authority_stamps_an_rsa_seal(db: TestDb) {
    timestamp_story(db, RSA).await;
}

/// The seal of `kind` (P-256: the organisation's own; RSA: an RSA CA's
/// installed from .p12) with a timestamp from an authority of `kind`.
async fn timestamp_story(db: TestDb, kind: KeyKind) {
    let server = start(db).await;
    let authority = make_authority_with(kind);
    let dir = &authority.dir;
    let installed_root = match kind {
        KeyKind::P256 => None,
        KeyKind::Rsa(_) => {
            let p12 = real_ca_p12(dir, kind);
            let admin = server.sign_in("admin").await;
            let (status, page) = post_p12(&admin, &p12, P12_PASSWORD).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            Some(dir.join("ca.pem"))
        }
    };
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
    let root = match installed_root {
        Some(root) => root,
        None => published_root(&server, dir).await,
    };
    let mut trust = std::fs::read_to_string(&root).unwrap();
    trust.push_str(&std::fs::read_to_string(dir.join("root.pem")).unwrap());
    let trust_file = dir.join("trust.pem");
    std::fs::write(&trust_file, trust).unwrap();
    let file = dir.join("order.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let (ok, text) = pdfsig(&file);
    assert!(ok && text.contains("Signature is Valid"), "pdfsig:\n{text}");
    assert!(text.contains("Total document signed"), "pdfsig:\n{text}");
    // pdfsig 22 shows no RFC 3161 token; the signature it dumps, read by
    // OpenSSL, carries one.
    let printed = dumped_cms(dir, "order.pdf");
    assert!(
        printed.contains("id-smime-aa-timeStampToken"),
        "the dumped signature has no timestamp token:\n{printed}"
    );
    if kind != KeyKind::P256 {
        assert_rsa_seal(&printed);
    }
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
    installs_a_real_cas_certificate(db, KeyKind::P256).await;
}

/// The same with an RSA-3072 CA and certificate: the memo is sealed with
/// RSA, and pdfsig, pyHanko and `verify` hold it, and fail it for one
/// changed byte.
async fn an_administrator_installs_an_rsa_cas_certificate(db: TestDb) {
    installs_a_real_cas_certificate(db, RSA).await;
}

async fn installs_a_real_cas_certificate(db: TestDb, kind: KeyKind) {
    let server = start(db).await;
    let dir = scratch("p12-page");
    let p12 = real_ca_p12(&dir, kind);
    let admin = server.sign_in("admin").await;
    let (status, page) = post_p12(&admin, &p12, "ผิด").await;
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

    let (status, page) = post_p12(&admin, &p12, P12_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Test Thai CA"), "{page}");
    let (_, certificate) = server
        .visitor()
        .get(&format!("/orgs/{ORG}/certificate"))
        .await;
    assert_eq!(certificate["issuer"], "Test Thai CA", "{certificate}");
    let ca = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    assert!(
        certificate["chain_pem"]
            .as_str()
            .unwrap()
            .ends_with(ca.as_str()),
        "the API publishes the CA's chain: {certificate}"
    );
    let (issued, pdf) = server
        .through_the_route(
            &example_content("ita-report-2568.toml"),
            &["somjai", "somsak", "wilaiwan"],
            "kanok",
        )
        .await;
    let file = dir.join("memo.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let (ok, text) = pdfsig(&file);
    assert!(ok && text.contains("Signature is Valid"), "pdfsig:\n{text}");
    assert!(text.contains("Total document signed"), "pdfsig:\n{text}");
    assert!(
        text.contains("Wang Krachae SAO"),
        "sealed with the installed certificate:\n{text}"
    );
    if kind != KeyKind::P256 {
        assert_rsa_seal(&dumped_cms(&dir, "memo.pdf"));
    }
    let root = dir.join("ca.pem");
    let (ok, line) = pyhanko_validate(&file, &root, false);
    assert!(ok, "pyHanko: {line}");
    assert!(line.contains("INTACT:TRUSTED"), "pyHanko: {line}");
    verify_holds(&server).await;
    // The public verification page names the CA's certificate, and holds.
    let code = saraban_store::verification_code(ORG, issued["id"].as_str().unwrap());
    let (status, genuine) = public_check(&server, &code, &pdf).await;
    assert_eq!(status, StatusCode::OK, "{genuine}");
    assert_eq!(genuine["matches"], true, "{genuine}");
    assert_eq!(genuine["seal"]["valid"], true, "{genuine}");
    assert_eq!(genuine["seal"]["signer"], "Wang Krachae SAO", "{genuine}");
    assert_eq!(genuine["seal"]["issuer"], "Test Thai CA", "{genuine}");

    // One changed byte: pdfsig, pyHanko, the public check, the seal's
    // check and verify fail, naming why.
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
    let (_, compared) = public_check(&server, &code, &altered).await;
    assert_eq!(compared["matches"], false, "{compared}");
    assert_eq!(compared["seal"]["valid"], false, "{compared}");
    assert_eq!(compared["seal"]["problem"], "digest_mismatch", "{compared}");
    let org_id = OrgId::parse(ORG).unwrap();
    let seal = server
        .store
        .check_seal(&org_id, &altered)
        .await
        .unwrap()
        .expect("a seal");
    assert!(!seal.valid, "{seal:?}");
    assert_eq!(seal.problem.as_deref(), Some("digest_mismatch"), "{seal:?}");
    saraban_stories::tamper_object(
        &server.store,
        ORG,
        saraban_store::ContentKind::Pdf,
        issued["pdf_hash"].as_str().unwrap(),
        |_| altered.clone(),
    )
    .await;
    let audit = server.store.audit(&org_id).await.unwrap();
    assert!(!audit.holds(), "verify holds over an altered PDF");
    std::fs::remove_dir_all(&dir).ok();
}
