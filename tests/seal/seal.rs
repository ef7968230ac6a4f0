//! Sealing real typeset documents, and the seals checked by saraban-seal
//! itself and by outside validators: poppler's pdfsig, qpdf and pyHanko.

use saraban_stories::seal_tools as common;

use chrono::Timelike;
use saraban_seal::{
    CaIdentity, CheckError, Failure, SigningIdentity, Verdict, certificates_from_pem, check,
    describe, seal,
};
use saraban_stories::seal_tools::{
    ORG_NAME, SIGNER_NAME, details, identity, pdfsig, pyhanko_validate, scratch,
};

#[test]
fn a_sealed_memo_keeps_its_bytes_and_checks_as_valid_here_and_in_pdfsig_qpdf_and_pyhanko() {
    let original = common::typeset_example("ita-report-2568.toml");
    let (authority, signer) = identity();
    let details = details();
    let sealed = seal(&original, &signer, &details).unwrap();

    assert!(
        sealed.starts_with(&original),
        "an incremental update keeps the original as an exact prefix"
    );
    assert_eq!(
        common::pdfa_identification(&sealed),
        common::pdfa_identification(&original),
        "the XMP's PDF/A identification is untouched"
    );
    assert_eq!(
        common::pdfa_identification(&sealed),
        Some(("2".into(), "B".into()))
    );

    let reports = check(&sealed, std::slice::from_ref(authority.certificate())).unwrap();
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report.verdict, Verdict::Valid, "{report:?}");
    assert!(report.covers_whole_file);
    assert_eq!(report.code(), "valid");
    assert_eq!(report.signer_cn.as_deref(), Some(ORG_NAME));
    assert_eq!(
        report.issuer_cn.as_deref(),
        Some(&*format!("{ORG_NAME} CA"))
    );
    assert_eq!(report.name.as_deref(), Some(SIGNER_NAME));
    assert_eq!(report.reason.as_deref(), Some("ออกหนังสือราชการ"));
    assert_eq!(report.contact_info.as_deref(), Some("VRFY-7K2M-Q9XD"));
    assert_eq!(
        report.signed_at,
        Some(details.signed_at.with_nanosecond(0).unwrap())
    );
    assert!(report.timestamp.is_none());

    let dir = scratch("memo");
    let file = dir.join("sealed.pdf");
    std::fs::write(&file, &sealed).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, authority.to_pem().unwrap().1).unwrap();

    let (ok, text) = pdfsig(&file);
    assert!(ok, "pdfsig failed:\n{text}");
    assert!(text.contains("Signature is Valid"), "pdfsig:\n{text}");
    assert!(text.contains("Total document signed"), "pdfsig:\n{text}");
    assert!(text.contains("ETSI.CAdES.detached"), "pdfsig:\n{text}");

    let qpdf = common::run(
        "qpdf",
        &["--check", file.to_str().unwrap()],
        "apt-get install qpdf",
    );
    assert!(
        qpdf.status.success(),
        "qpdf --check:\n{}{}",
        String::from_utf8_lossy(&qpdf.stdout),
        String::from_utf8_lossy(&qpdf.stderr)
    );

    let (ok, line) = pyhanko_validate(&file, &ca, false);
    assert!(ok, "pyHanko refused the seal:\n{line}");
    assert!(
        line.contains(":INTACT:TRUSTED,UNTOUCHED"),
        "pyHanko:\n{line}"
    );
    let (ok, text) = pyhanko_validate(&file, &ca, true);
    assert!(ok, "pyHanko refused the seal:\n{text}");
    for expected in [
        "The signer's certificate is trusted.",
        "The signature is cryptographically sound.",
        "The signature covers the entire file.",
        "The signature is judged VALID.",
    ] {
        assert!(
            text.contains(expected),
            "pyHanko lacks {expected:?}:\n{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_changed_byte_fails_pdfsig_pyhanko_and_check() {
    let original = common::typeset_example("order-490-2567.toml");
    let (authority, signer) = identity();
    let sealed = seal(&original, &signer, &details()).unwrap();
    // A byte of the page's content, well inside the original.
    let mut tampered = sealed.clone();
    let at = original.len() / 2;
    tampered[at] ^= 0x01;

    let dir = scratch("tampered");
    let file = dir.join("tampered.pdf");
    std::fs::write(&file, &tampered).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, authority.to_pem().unwrap().1).unwrap();

    let (_, text) = pdfsig(&file);
    assert!(
        !text.contains("Signature is Valid"),
        "pdfsig took a changed file as valid:\n{text}"
    );
    let (ok, text) = pyhanko_validate(&file, &ca, false);
    assert!(!ok, "pyHanko took a changed file as valid:\n{text}");
    assert!(!text.contains(":INTACT"), "pyHanko:\n{text}");

    let reports = check(&tampered, std::slice::from_ref(authority.certificate())).unwrap();
    assert_eq!(
        reports[0].verdict,
        Verdict::Invalid(Failure::DigestMismatch)
    );
    assert_eq!(reports[0].code(), "digest_mismatch");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_kind_of_document_takes_a_seal() {
    let (authority, signer) = identity();
    for example in [
        "letter-ita-report-2568.toml",
        "stamped-receipt-2568.toml",
        "announcement-complaints-2568.toml",
    ] {
        let sealed = seal(&common::typeset_example(example), &signer, &details()).unwrap();
        let reports = check(&sealed, std::slice::from_ref(authority.certificate())).unwrap();
        assert!(reports[0].seals_whole_file(), "{example}: {:?}", reports[0]);
        let dir = scratch("kinds");
        let file = dir.join("sealed.pdf");
        std::fs::write(&file, &sealed).unwrap();
        let (ok, text) = pdfsig(&file);
        assert!(
            ok && text.contains("Signature is Valid"),
            "{example}:\n{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_second_seal_leaves_the_first_valid_but_no_longer_whole() {
    let (authority, signer) = identity();
    let once = seal(
        &common::typeset_example("ita-report-2568.toml"),
        &signer,
        &details(),
    )
    .unwrap();
    let twice = seal(&once, &signer, &details()).unwrap();
    let reports = check(&twice, std::slice::from_ref(authority.certificate())).unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].field, "Signature1");
    assert_eq!(reports[0].verdict, Verdict::Valid);
    assert!(!reports[0].covers_whole_file);
    assert_eq!(reports[0].code(), "not_whole_file");
    assert_eq!(reports[1].field, "Signature2");
    assert!(reports[1].seals_whole_file());

    let dir = scratch("twice");
    let file = dir.join("twice.pdf");
    std::fs::write(&file, &twice).unwrap();
    let (ok, text) = pdfsig(&file);
    assert!(ok, "pdfsig:\n{text}");
    assert_eq!(text.matches("Signature is Valid").count(), 2, "{text}");
    let qpdf = common::run(
        "qpdf",
        &["--check", file.to_str().unwrap()],
        "apt-get install qpdf",
    );
    assert!(qpdf.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unsigned_pdf_is_told_apart_and_a_stranger_is_untrusted() {
    let original = common::typeset_example("ita-report-2568.toml");
    let (authority, signer) = identity();
    assert!(matches!(
        check(&original, std::slice::from_ref(authority.certificate())),
        Err(CheckError::NotSigned)
    ));
    assert!(matches!(check(b"not a pdf", &[]), Err(CheckError::NotAPdf)));

    let sealed = seal(&original, &signer, &details()).unwrap();
    let (stranger, _) = identity();
    let reports = check(&sealed, std::slice::from_ref(stranger.certificate())).unwrap();
    assert!(
        matches!(reports[0].verdict, Verdict::Invalid(Failure::Untrusted(_))),
        "{:?}",
        reports[0].verdict
    );
    assert_eq!(reports[0].code(), "untrusted");
    // Still says who signed, for the page that explains the refusal.
    assert_eq!(reports[0].signer_cn.as_deref(), Some(ORG_NAME));
}

#[test]
fn identities_go_to_pem_and_come_back() {
    let (authority, signer) = identity();
    let (key_pem, chain_pem) = signer.to_pem().unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(chain_pem.matches("-----BEGIN CERTIFICATE-----").count(), 2);
    let back = SigningIdentity::from_pem(&key_pem, &chain_pem).unwrap();
    assert_eq!(back.chain(), signer.chain());

    let (ca_key, ca_pem) = authority.to_pem().unwrap();
    let authority_back = CaIdentity::from_pem(&ca_key, &ca_pem).unwrap();
    assert_eq!(authority_back.certificate(), authority.certificate());
    assert_eq!(certificates_from_pem(&ca_pem).unwrap().len(), 1);

    // Another key with this chain is refused.
    let (_, other) = identity();
    let (other_key, _) = other.to_pem().unwrap();
    assert!(SigningIdentity::from_pem(&other_key, &chain_pem).is_err());

    let info = signer.describe();
    assert_eq!(info.subject_cn, ORG_NAME);
    assert_eq!(info.issuer_cn, format!("{ORG_NAME} CA"));
    assert_eq!(info.serial_hex.len(), 32);
    assert_eq!(info.sha256_fingerprint.len(), 64);
    let years = (info.not_after - info.not_before).num_days() / 365;
    assert_eq!(years, 5);
    let ca_years = {
        let ca = describe(authority.certificate());
        (ca.not_after - ca.not_before).num_days() / 365
    };
    assert_eq!(ca_years, 20);

    // OpenSSL reads them: the CA as a CA, the signing certificate as
    // issued by it, with the Thai name intact.
    let dir = scratch("pem");
    std::fs::write(dir.join("ca.pem"), &ca_pem).unwrap();
    let leaf_pem = chain_pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap();
    std::fs::write(dir.join("leaf.pem"), leaf_pem).unwrap();
    let verify = common::run(
        "openssl",
        &[
            "verify",
            "-CAfile",
            dir.join("ca.pem").to_str().unwrap(),
            dir.join("leaf.pem").to_str().unwrap(),
        ],
        "apt-get install openssl",
    );
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let text = common::run(
        "openssl",
        &[
            "x509",
            "-noout",
            "-text",
            "-nameopt",
            "utf8",
            "-in",
            dir.join("leaf.pem").to_str().unwrap(),
        ],
        "apt-get install openssl",
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(ORG_NAME), "{text}");
    assert!(
        text.contains("Digital Signature, Non Repudiation"),
        "{text}"
    );
    assert!(text.contains("CA:FALSE"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
