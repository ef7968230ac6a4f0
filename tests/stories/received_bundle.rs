//! The receiving register in the archive bundle (issue 16), on SQLite and
//! PostgreSQL: two letters received with their PDFs (one stamped since)
//! and a paper letter, exported as the year's bundle, written to a folder
//! and checked from it as `saraban verify-bundle` reads one. Then, each on
//! a fresh copy: an original's byte changed, a เลขรับ changed in the
//! manifest, a content file changed, a letter left out of the list; and
//! an original changed in the database, exported again: each is a finding.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use saraban_core::bundle::{self, Outside, Report};
use saraban_core::incoming::{Received, StampPlace};
use saraban_core::ledger::sha256_hex;
use saraban_core::{DocumentId, FindingClass};
use saraban_store::{Bundle, OriginalFile};
use saraban_stories::{TestDb, org, person, stories, thai};
use serde_json::{Value, json};

const ORG: &str = "wangkrachae";
const REGISTRAR: &str = "sunee";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/incoming")
            .join(name),
    )
    .unwrap()
}

fn letter(subject: &str) -> Received {
    Received::from_value(json!({
        "format": "saraban/1",
        "kind": "incoming",
        "their_number": "ตร ๐๐๒๓.๓/ว ๑๒๓",
        "date": "2026-01-05",
        "from": "ที่ว่าการอำเภอเมืองตราด",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "subject": subject,
    }))
    .unwrap()
}

/// A fresh folder of the test's own, removed when dropped.
struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The bundle's files and manifest written under `dir`, as `saraban
/// export` lays them out.
fn write(dir: &Path, bundle: &Bundle) {
    let manifest = bundle.manifest_json();
    let files = bundle
        .files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .chain([(bundle::MANIFEST_FILE, manifest.as_slice())]);
    for (path, bytes) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// The check of the folder, reading only from it.
fn check(dir: &Path) -> Report {
    let manifest = std::fs::read(dir.join(bundle::MANIFEST_FILE)).unwrap();
    let read = |path: &str| std::fs::read(dir.join(path)).map_err(|e| e.to_string());
    bundle::check(&manifest, Outside::default(), &read).unwrap()
}

fn classes(report: &Report) -> Vec<FindingClass> {
    report.findings.iter().map(|f| f.class).collect()
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join(bundle::MANIFEST_FILE);
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

async fn the_years_bundle_carries_and_checks_the_receiving_register(db: TestDb) {
    let keys = std::env::temp_dir().join(format!("saraban-received-{}.keys", uuid::Uuid::new_v4()));
    let _keys = Folder(keys.clone());
    db.store.use_key_folder(&keys).unwrap();
    let config = saraban_stories::example_org_with_admin();
    db.store
        .init_org(&config, None, chrono::Utc::now())
        .await
        .unwrap();
    db.store.ensure_signing_key(&org(ORG)).await.unwrap();
    let store = &db.store;

    let mut ids: Vec<DocumentId> = Vec::new();
    let mut originals = HashMap::new();
    for (subject, file) in [
        ("ขอเชิญประชุม", Some("letter-short.pdf")),
        ("ขอความอนุเคราะห์ข้อมูล", None),
        ("แจ้งกำหนดการ", Some("letter-full.pdf")),
    ] {
        let original = file.map(|name| OriginalFile {
            filename: Some(name.into()),
            bytes: fixture(name),
        });
        let received = store
            .receive_letter(
                &org(ORG),
                &person(REGISTRAR),
                letter(subject),
                original.clone(),
                thai(2026, 1, 6, 9, ids.len() as u32),
            )
            .await
            .unwrap();
        if let Some(original) = original {
            originals.insert(received.id.clone(), original.bytes);
        }
        ids.push(received.id);
    }
    // A stamp placed since: a later version; the bundle keeps the content
    // the received event hashed.
    store
        .place_stamp(
            &org(ORG),
            &person(REGISTRAR),
            &ids[0],
            Some(StampPlace {
                x_mm: 120.0,
                y_mm: 15.0,
            }),
            thai(2026, 1, 6, 10, 0),
        )
        .await
        .unwrap();

    let exported = store.export_bundle(&org(ORG), 2569).await.unwrap();
    let received = &exported.manifest.received;
    assert_eq!(
        received
            .iter()
            .map(|r| (r.number, r.document.as_str()))
            .collect::<Vec<_>>(),
        ids.iter()
            .zip(1..)
            .map(|(id, n)| (n, id.as_str()))
            .collect::<Vec<_>>()
    );
    assert_eq!(received[1].original_sha256, None);
    for letter in received {
        let Some(hash) = &letter.original_sha256 else {
            continue;
        };
        let id = DocumentId::parse(&letter.document).unwrap();
        assert_eq!(hash, &sha256_hex(&originals[&id]));
        assert_eq!(
            exported.files[&format!("enclosures/{hash}")],
            originals[&id]
        );
    }
    let first = &exported.files[&format!("contents/{}", received[0].content_file)];
    assert!(!String::from_utf8_lossy(first).contains("stamp"));
    // Another year's bundle holds none of them.
    let other = store.export_bundle(&org(ORG), 2568).await.unwrap();
    assert!(other.manifest.received.is_empty());

    let root = Folder(
        std::env::temp_dir().join(format!("saraban-received-bundle-{}", uuid::Uuid::new_v4())),
    );
    let fresh = |name: &str| {
        let dir = root.0.join(name);
        write(&dir, &exported);
        dir
    };

    let untouched = fresh("untouched");
    let report = check(&untouched);
    assert!(report.holds(), "{:?}", report.findings);
    assert_eq!(report.received, 3);

    // The first original, one byte changed.
    let dir = fresh("original");
    let hash = received[0].original_sha256.clone().unwrap();
    let path = dir.join("enclosures").join(&hash);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&path, bytes).unwrap();
    let report = check(&dir);
    assert_eq!(classes(&report), [FindingClass::Enclosure]);
    assert!(report.findings[0].detail.contains(&hash), "{report:?}");

    // The second letter's เลขรับ changed from 2 to 7 in the list.
    let dir = fresh("number");
    edit_manifest(&dir, |m| m["received"][1]["number"] = json!(7));
    let report = check(&dir);
    assert_eq!(classes(&report), [FindingClass::Manifest]);

    // The third letter's content says another subject.
    let dir = fresh("content");
    let path = dir.join("contents").join(&received[2].content_file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("แจ้งกำหนดการ", "แจ้งยกเลิก")).unwrap();
    assert_eq!(classes(&check(&dir)), [FindingClass::ContentModified]);

    // The paper letter left out of the list.
    let dir = fresh("unlisted");
    edit_manifest(&dir, |m| {
        m["received"].as_array_mut().unwrap().remove(1);
    });
    let report = check(&dir);
    assert_eq!(classes(&report), [FindingClass::Manifest]);
    assert!(
        report.findings[0].detail.contains(ids[1].as_str()),
        "{:?}",
        report.findings
    );

    // An original changed in the database: the next export carries the
    // changed bytes, as evidence, and its check names them.
    let mut bytes = originals[&ids[2]].clone();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    let hash = received[2].original_sha256.clone().unwrap();
    saraban_stories::tamper_object(
        store,
        ORG,
        saraban_store::ContentKind::Enclosure,
        &hash,
        |_| bytes.clone(),
    )
    .await;
    let again = store.export_bundle(&org(ORG), 2569).await.unwrap();
    let read = |path: &str| again.files.get(path).cloned().ok_or("no such file".into());
    let report = bundle::check(&again.manifest_json(), Outside::default(), &read).unwrap();
    assert_eq!(classes(&report), [FindingClass::Enclosure]);
    assert!(report.findings[0].detail.contains(&hash), "{report:?}");
}

stories!(the_years_bundle_carries_and_checks_the_receiving_register);
