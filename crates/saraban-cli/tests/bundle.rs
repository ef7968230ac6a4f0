//! Archive bundles from the command line: two memos issued on a real
//! SQLite file, exported, checked offline, then checked again after each
//! kind of tampering; and a year's receiving register, its letters
//! received through the store (the command line receives none).

mod common;

use std::path::{Path, PathBuf};

use common::{Cli, example};
use saraban_core::checkpoint::SignerKey;

impl Cli {
    /// `verify-bundle` on `bundle`: its exit code and what it printed.
    fn verify(&self, bundle: &Path, extra: &[&str]) -> (Option<i32>, String) {
        let mut args = vec!["verify-bundle", bundle.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), text)
    }

    /// A copy of the bundle to tamper with.
    fn copy(&self, bundle: &Path, name: &str) -> PathBuf {
        let copy = self.dir.join(name);
        copy_dir(bundle, &copy);
        copy
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `bagit.py --validate` (the Library of Congress validator, PyPI
/// `bagit`), or None when it is not installed (refused under CI, where
/// scripts/test installs it).
fn bagit_validates(bag: &Path) -> Option<bool> {
    let installed = std::process::Command::new("python3")
        .args(["-c", "import bagit"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must validate the bundle with bagit.py: pip install bagit"
        );
        eprintln!("bagit.py check skipped: pip install bagit");
        return None;
    }
    let status = std::process::Command::new("python3")
        .args(["-m", "bagit", "--validate", "--quiet"])
        .arg(bag)
        .status()
        .unwrap();
    Some(status.success())
}

/// The bundle's manifest, in the bag's payload.
fn manifest(bundle: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(bundle.join("data/manifest.json")).unwrap()).unwrap()
}

/// Flips the low bit of the byte at `index` of a file.
fn flip_byte(path: &Path, index: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[index] ^= 1;
    std::fs::write(path, bytes).unwrap();
}

fn assert_fails(cli: &Cli, bundle: &Path, extra: &[&str], class: &str, what: &str) {
    let (code, text) = cli.verify(bundle, extra);
    assert_eq!(code, Some(1), "{what}: {text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with(&format!("{class}: "))),
        "{what}: expected a '{class}' line in\n{text}"
    );
}

#[test]
fn an_exported_year_verifies_offline_and_tampering_is_named() {
    let cli = Cli::new("bundle");
    cli.ok(&["org", "init", &example("organisation/wangkrachae.toml")]);
    cli.issue_memo(9);
    cli.issue_memo(10);
    // A draft after the last issue: the export must sign a checkpoint that
    // covers it.
    cli.ok(&[
        "doc",
        "new",
        &example("ita-report-2568.toml"),
        "--as",
        "chanyurat",
        "--at",
        "2025-04-11T09:00:00+07:00",
    ]);

    let bundle = cli.dir.join("bundle-2568");
    let export = || {
        cli.run(&[
            "export",
            "--org",
            "wangkrachae",
            "--year",
            "2568",
            "-o",
            bundle.to_str().unwrap(),
        ])
    };
    let exported = export();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let written = manifest(&bundle);
    assert_eq!(written["format"], "saraban-bundle/1");
    let documents = written["documents"].as_array().unwrap();
    let numbers: Vec<_> = documents.iter().map(|d| d["number"].as_u64()).collect();
    assert_eq!(numbers, [Some(1), Some(2)]);
    let log_size = written["log_size"].as_u64().unwrap();
    let checkpoints = written["checkpoints"].as_array().unwrap();
    assert!(checkpoints.len() >= 2, "{checkpoints:?}");
    assert_eq!(checkpoints.last().unwrap()["size"].as_u64(), Some(log_size));
    let first_pdf = documents[0]["pdf_file"].as_str().unwrap().to_owned();
    assert!(
        std::fs::read(bundle.join("data/pdfs").join(&first_pdf))
            .unwrap()
            .starts_with(b"%PDF-")
    );

    let (code, text) = cli.verify(&bundle, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("holds"), "{text}");
    // A BagIt bag (RFC 8493) that bagit.py validates; the same files
    // without the bag, as bundles were written before, still verify.
    let bag_info = std::fs::read_to_string(bundle.join("bag-info.txt")).unwrap();
    assert!(bag_info.contains("Payload-Oxum: "), "{bag_info}");
    assert!(
        std::fs::read_to_string(bundle.join("manifest-sha256.txt"))
            .unwrap()
            .contains("  data/manifest.json\n")
    );
    assert!(
        bagit_validates(&bundle).is_none_or(|ok| ok),
        "bagit.py refused the bundle"
    );
    let unbagged = cli.dir.join("unbagged");
    copy_dir(&bundle.join("data"), &unbagged);
    let (code, text) = cli.verify(&unbagged, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("holds"), "{text}");
    let key_file = cli.dir.join("published.key");
    std::fs::write(&key_file, written["verifier_key"].as_str().unwrap()).unwrap();
    let (code, text) = cli.verify(&bundle, &["--key", key_file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    // The latest note, kept by someone since: the bundle still holds it.
    let kept = bundle
        .join("data/checkpoints")
        .join(checkpoints.last().unwrap()["file"].as_str().unwrap());
    let (code, text) = cli.verify(&bundle, &["--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = cli.verify(&bundle, &["--json"]);
    assert_eq!(code, Some(0), "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["events"].as_u64(), Some(log_size));

    // The issued PDFs are sealed; the bundle carries the seal's chain, and
    // a certificate given apart that is not the organisation's fails them.
    assert!(bundle.join("data/seal-chain.pem").is_file());
    let chain = std::fs::read_to_string(bundle.join("data/seal-chain.pem")).unwrap();
    let root = &chain[chain.rfind("-----BEGIN CERTIFICATE-----").unwrap()..];
    let root_file = cli.dir.join("organisation-ca.pem");
    std::fs::write(&root_file, root).unwrap();
    let (code, text) = cli.verify(&bundle, &["--certificate", root_file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    let (stranger, _) =
        saraban_seal::self_issued("สำนักงานอื่น", "other", chrono::Utc::now()).unwrap();
    let stranger_file = cli.dir.join("stranger-ca.pem");
    std::fs::write(&stranger_file, stranger.to_pem().unwrap().1).unwrap();
    assert_fails(
        &cli,
        &bundle,
        &["--certificate", stranger_file.to_str().unwrap()],
        "bad signature",
        "a certificate that is not the organisation's",
    );

    // Exporting over a bundle is refused.
    let again = export();
    assert_eq!(again.status.code(), Some(2));

    let pdf_flipped = cli.copy(&bundle, "pdf-flipped");
    flip_byte(&pdf_flipped.join("data/pdfs").join(&first_pdf), 100);
    assert_fails(&cli, &pdf_flipped, &[], "pdf", "a PDF byte flipped");
    // The bag's own check names it too, and so does bagit.py.
    let (_, text) = cli.verify(&pdf_flipped, &[]);
    assert!(
        text.contains(&format!(
            "BagIt: data/pdfs/{first_pdf}: its SHA-256 is not the manifest's"
        )),
        "{text}"
    );
    assert!(
        bagit_validates(&pdf_flipped).is_none_or(|ok| !ok),
        "bagit.py accepted a changed byte"
    );
    // The bag-info's Payload-Oxum alone: a changed byte elsewhere in a
    // tag file fails the bag.
    let tag_flipped = cli.copy(&bundle, "tag-flipped");
    let info = std::fs::read_to_string(tag_flipped.join("bag-info.txt")).unwrap();
    std::fs::write(
        tag_flipped.join("bag-info.txt"),
        info.replacen("Payload-Oxum: ", "Payload-Oxum: 1", 1),
    )
    .unwrap();
    assert_fails(&cli, &tag_flipped, &[], "manifest", "bag-info.txt changed");
    assert!(
        bagit_validates(&tag_flipped).is_none_or(|ok| !ok),
        "bagit.py accepted a changed bag-info.txt"
    );
    // A flipped PDF in an unbagged bundle: its own check still names it.
    let old_flipped = cli.copy(&unbagged, "old-flipped");
    flip_byte(&old_flipped.join("pdfs").join(&first_pdf), 100);
    assert_fails(
        &cli,
        &old_flipped,
        &[],
        "pdf",
        "a PDF byte flipped, unbagged",
    );

    let event_changed = cli.copy(&bundle, "event-changed");
    let events = std::fs::read_to_string(event_changed.join("data/events.jsonl")).unwrap();
    let changed = events.replacen("\"actor\":\"somjai\"", "\"actor\":\"somsak\"", 1);
    assert_ne!(changed, events);
    std::fs::write(event_changed.join("data/events.jsonl"), changed).unwrap();
    assert_fails(&cli, &event_changed, &[], "root", "an event line changed");

    let note_altered = cli.copy(&bundle, "note-altered");
    let first_note = note_altered
        .join("data/checkpoints")
        .join(checkpoints[0]["file"].as_str().unwrap());
    let note = std::fs::read_to_string(&first_note).unwrap();
    std::fs::write(&first_note, note.replacen("saraban/", "saraban/x", 1)).unwrap();
    assert_fails(
        &cli,
        &note_altered,
        &[],
        "signature",
        "a checkpoint altered",
    );

    let proof_flipped = cli.copy(&bundle, "proof-flipped");
    let mut tampered = manifest(&proof_flipped);
    let hash = tampered["documents"][1]["inclusion_proof"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = if hash.starts_with('0') { "1" } else { "0" };
    tampered["documents"][1]["inclusion_proof"][0] = format!("{flipped}{}", &hash[1..]).into();
    std::fs::write(
        proof_flipped.join("data/manifest.json"),
        serde_json::to_vec_pretty(&tampered).unwrap(),
    )
    .unwrap();
    assert_fails(
        &cli,
        &proof_flipped,
        &[],
        "inclusion",
        "an inclusion proof hash flipped",
    );

    let pdf_deleted = cli.copy(&bundle, "pdf-deleted");
    std::fs::remove_file(pdf_deleted.join("data/pdfs").join(&first_pdf)).unwrap();
    assert_fails(&cli, &pdf_deleted, &[], "missing", "a PDF deleted");

    let other_key = cli.dir.join("other.key");
    let other = SignerKey::from_seed("saraban/wangkrachae", &[9; 32]).unwrap();
    std::fs::write(&other_key, other.verifier().to_text()).unwrap();
    assert_fails(
        &cli,
        &bundle,
        &["--key", other_key.to_str().unwrap()],
        "key",
        "another key given",
    );

    // Not a bundle: the check cannot run.
    let (code, text) = cli.verify(&cli.dir, &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.starts_with("error: cannot read"), "{text}");
}

/// Receives `subjects` as letters of 6 January 2026 (B.E. 2569), the
/// first with a PDF original, through the store on the test's database.
fn receive(cli: &Cli, subjects: &[&str]) {
    let original = std::fs::read(format!(
        "{}/../../tests/fixtures/incoming/letter-short.pdf",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = saraban_store::Store::open(&cli.db).await.unwrap();
        store
            .use_key_folder(saraban_store::default_key_folder(&cli.db).unwrap())
            .unwrap();
        let org = saraban_core::OrgId::parse("wangkrachae").unwrap();
        let registrar = saraban_core::PersonId::parse("sunee").unwrap();
        for (i, subject) in subjects.iter().enumerate() {
            let content = saraban_core::incoming::Received::from_value(serde_json::json!({
                "format": "saraban/1",
                "kind": "incoming",
                "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
                "date": "2026-01-05",
                "from": "ที่ว่าการอำเภอเมืองตราด",
                "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
                "subject": subject,
            }))
            .unwrap();
            let file = (i == 0).then(|| saraban_store::OriginalFile {
                filename: Some("letter-short.pdf".into()),
                bytes: original.clone(),
            });
            let at = chrono::DateTime::parse_from_rfc3339("2026-01-06T09:00:00+07:00").unwrap();
            store
                .receive_letter(&org, &registrar, content, file, at.to_utc())
                .await
                .unwrap();
        }
        store.close().await;
    });
}

#[test]
fn the_receiving_register_is_exported_and_tampering_is_named() {
    let cli = Cli::new("bundle-received");
    cli.ok(&["org", "init", &example("organisation/wangkrachae.toml")]);
    receive(&cli, &["ขอเชิญประชุม", "ขอความอนุเคราะห์ข้อมูล"]);
    let bundle = cli.dir.join("bundle-2569");
    cli.ok(&[
        "export",
        "--org",
        "wangkrachae",
        "--year",
        "2569",
        "-o",
        bundle.to_str().unwrap(),
    ]);
    let written = manifest(&bundle);
    let received = written["received"].as_array().unwrap();
    let numbers: Vec<_> = received.iter().map(|r| r["number"].as_u64()).collect();
    assert_eq!(numbers, [Some(1), Some(2)]);
    let (code, text) = cli.verify(&bundle, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("2 received letters"), "{text}");

    let original_flipped = cli.copy(&bundle, "original-flipped");
    let hash = received[0]["original_sha256"].as_str().unwrap();
    flip_byte(&original_flipped.join("data/enclosures").join(hash), 200);
    assert_fails(
        &cli,
        &original_flipped,
        &[],
        "enclosure",
        "an original's byte flipped",
    );

    let number_changed = cli.copy(&bundle, "number-changed");
    let mut tampered = manifest(&number_changed);
    tampered["received"][1]["number"] = 3.into();
    std::fs::write(
        number_changed.join("data/manifest.json"),
        serde_json::to_vec_pretty(&tampered).unwrap(),
    )
    .unwrap();
    assert_fails(
        &cli,
        &number_changed,
        &[],
        "manifest",
        "a เลขรับ changed in the manifest",
    );

    let content_changed = cli.copy(&bundle, "content-changed");
    let content = content_changed
        .join("data/contents")
        .join(received[1]["content_file"].as_str().unwrap());
    flip_byte(&content, 10);
    assert_fails(
        &cli,
        &content_changed,
        &[],
        "content modified",
        "a received letter's content changed",
    );
}
