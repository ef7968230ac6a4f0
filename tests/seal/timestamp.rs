//! PAdES B-T: a real RFC 3161 timestamp authority (OpenSSL's `ts -reply`,
//! behind a loopback HTTP server) timestamps the signature value, over the
//! same HTTP path a deployment uses.

use saraban_stories::seal_tools::{self as common, make_authority, reply, serve};

use chrono::Utc;
use saraban_seal::timestamp::{TimestampRequest, fetch_timestamp};
use saraban_seal::{SealError, TimestampError, Verdict, check, prepare};

#[test]
fn a_seal_timestamped_over_http_checks_here_and_in_pdfsig_and_pyhanko() {
    let authority = make_authority();
    let (url, server) = serve(authority.dir.clone(), 1);
    let original = common::typeset_example("ita-report-2568.toml");
    let (org, signer) = common::identity();
    let prepared = prepare(&original, &signer, &common::details()).unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let token = runtime
        .block_on(fetch_timestamp(&client, &url, prepared.signature_value()))
        .unwrap();
    server.join().unwrap();

    let sealed = prepared.finish(Some(&token)).unwrap();
    let trusted = [org.certificate().clone(), authority.root.clone()];
    let reports = check(&sealed, &trusted).unwrap();
    let report = &reports[0];
    assert_eq!(report.verdict, Verdict::Valid, "{report:?}");
    assert!(report.covers_whole_file);
    let stamp = report
        .timestamp
        .as_ref()
        .expect("the timestamp is reported");
    assert!(stamp.tsa_trusted);
    assert_eq!(stamp.tsa_cn, "Test TSA");
    assert!(
        (Utc::now() - stamp.time).num_seconds().abs() < 120,
        "{stamp:?}"
    );

    // Without the TSA's root the seal still holds; the time is only not
    // vouched for.
    let reports = check(&sealed, std::slice::from_ref(org.certificate())).unwrap();
    assert_eq!(reports[0].verdict, Verdict::Valid);
    assert!(!reports[0].timestamp.as_ref().unwrap().tsa_trusted);

    let file = authority.dir.join("sealed.pdf");
    std::fs::write(&file, &sealed).unwrap();
    let ca = authority.dir.join("trust.pem");
    let mut roots = org.to_pem().unwrap().1;
    roots.push_str(&std::fs::read_to_string(authority.dir.join("root.pem")).unwrap());
    std::fs::write(&ca, roots).unwrap();
    let (ok, text) = common::pdfsig(&file);
    assert!(ok && text.contains("Signature is Valid"), "pdfsig:\n{text}");
    let (ok, text) = common::pyhanko_validate(&file, &ca, true);
    assert!(ok, "pyHanko:\n{text}");
    assert!(
        text.contains("The signature is judged VALID."),
        "pyHanko:\n{text}"
    );
    common::assert_pyhanko_timestamp(&text);

    // A changed byte inside the token fails the check.
    let contents = sealed
        .windows(11)
        .rposition(|w| w == b"/Contents <")
        .unwrap()
        + 11;
    let zeros = sealed[contents..]
        .windows(64)
        .position(|w| w.iter().all(|&b| b == b'0'))
        .unwrap();
    let mut tampered = sealed.clone();
    let inside_token = contents + zeros - 200;
    tampered[inside_token] = if tampered[inside_token] == b'1' {
        b'2'
    } else {
        b'1'
    };
    let reports = check(&tampered, &trusted).unwrap();
    assert_ne!(reports[0].verdict, Verdict::Valid);
    let _ = std::fs::remove_dir_all(&authority.dir);
}

#[test]
fn a_token_for_another_signature_is_refused() {
    let authority = make_authority();
    let (url, server) = serve(authority.dir.clone(), 1);
    let original = common::typeset_example("ita-report-2568.toml");
    let (_, signer) = common::identity();
    let prepared = prepare(&original, &signer, &common::details()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token = runtime
        .block_on(fetch_timestamp(
            &reqwest::Client::new(),
            &url,
            b"some other signature",
        ))
        .unwrap();
    server.join().unwrap();
    assert!(matches!(
        prepared.finish(Some(&token)),
        Err(SealError::Timestamp(TimestampError::ImprintMismatch))
    ));
    let _ = std::fs::remove_dir_all(&authority.dir);
}

#[test]
fn a_response_to_another_request_is_refused() {
    let authority = make_authority();
    let first = TimestampRequest::new(b"signature").unwrap();
    let second = TimestampRequest::new(b"signature").unwrap();
    let reply = reply(&authority.dir, first.to_der());
    assert!(first.token_from_response(&reply).is_ok());
    // Same imprint, other nonce.
    assert!(matches!(
        second.token_from_response(&reply),
        Err(TimestampError::NonceMismatch)
    ));
    let _ = std::fs::remove_dir_all(&authority.dir);
}
