//! Content in the object store (issue 20, point 1), on SQLite with the
//! folder beside the file and on PostgreSQL with the S3-compatible server
//! `scripts/test` starts (or a folder of its own): a memo with an enclosure
//! file goes through its route, endorsed and signed with printed signature
//! images, and is issued. The database keeps hashes and metadata only; each
//! object is under `{org}/{kind}/{sha256[0..2]}/{sha256}` and hashes to its
//! key; verify holds. An object deleted or altered behind saraban's back is
//! a finding that names it. `gc` lists an orphan put by hand (only once it
//! is old enough), removes it, and leaves every referenced object.

use chrono::Utc;
use saraban_core::ledger::sha256_hex;
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction as A;
use saraban_core::{FindingClass, PersonId};
use saraban_stories::saraban_store::{Backend, ContentKind, ContentStore, Store, Upload};
use saraban_stories::{Office, TestDb, example, org, stories, thai};
use sqlx::Row;

const ORG: &str = "wangkrachae";

stories!(content_lives_in_the_store_and_verify_and_gc_hold_it_to_the_records);

/// Every object the records name, as (kind, hash).
async fn named(store: &Store) -> Vec<(ContentKind, String)> {
    let mut out = Vec::new();
    for (kind, table, column) in [
        (ContentKind::Pdf, "pdfs", "sha256"),
        (ContentKind::Enclosure, "enclosure_files", "sha256"),
        (ContentKind::Ink, "inked_signatures", "sha256"),
        (
            ContentKind::SealedSignature,
            "signature_images",
            "sealed_sha256",
        ),
    ] {
        let sql = format!("SELECT {column} FROM {table} WHERE org_id = $1 ORDER BY {column}");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ORG)
            .fetch_all(store.pool())
            .await
            .unwrap()
        {
            out.push((kind, row.get::<String, _>(0)));
        }
    }
    out
}

/// The columns of `table`, by name.
async fn columns(store: &Store, table: &str) -> Vec<String> {
    let sql = if store.backend() == Backend::Sqlite {
        format!("SELECT name FROM pragma_table_info('{table}') ORDER BY name")
    } else {
        format!(
            "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY column_name"
        )
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>("name"))
        .collect()
}

async fn findings(store: &Store) -> Vec<(FindingClass, String)> {
    store
        .audit(&org(ORG))
        .await
        .unwrap()
        .findings
        .iter()
        .map(|f| (f.class, f.detail.clone()))
        .collect()
}

async fn content_lives_in_the_store_and_verify_and_gc_hold_it_to_the_records(db: TestDb) {
    let store = &db.store;
    let keys = std::env::temp_dir().join(format!("saraban-content-{}.keys", uuid::Uuid::new_v4()));
    store.use_key_folder(&keys).unwrap();
    let config = OrgConfig::parse_toml(
        &std::fs::read_to_string(example("organisation/wangkrachae.toml")).unwrap(),
    )
    .unwrap();
    store
        .init_org(&config, None, thai(2025, 1, 2, 9, 0))
        .await
        .unwrap();
    for person in [
        "chanyurat",
        "somjai",
        "somsak",
        "wilaiwan",
        "kanok",
        "sunee",
    ] {
        store
            .set_password(
                &org(ORG),
                &PersonId::parse(person).unwrap(),
                "content-store",
            )
            .await
            .unwrap();
    }
    for (person, wave) in [("somjai", 7.0), ("kanok", 13.0)] {
        store
            .register_signature(
                &org(ORG),
                &PersonId::parse(person).unwrap(),
                saraban_stories::drawn_png(450, 150, wave),
                thai(2025, 1, 2, 9, 30),
            )
            .await
            .unwrap();
    }

    // A memo with an enclosure file, endorsed and signed with images, issued.
    let office = Office::new(store, ORG);
    let at = thai(2025, 6, 2, 9, 0);
    let memo = saraban_stories::example_content("ita-report-2568.toml");
    let id = office.draft("chanyurat", memo, at).await.unwrap().id;
    let enclosure = saraban_stories::tiny_pdf("content store enclosure", 2048);
    store
        .attach_enclosure(
            &org(ORG),
            &saraban_stories::person("chanyurat"),
            &id,
            Upload {
                title: "รายงานผลการดำเนินการ จำนวน ๑ ชุด".into(),
                filename: Some("report.pdf".into()),
                bytes: enclosure.clone(),
            },
            at,
        )
        .await
        .unwrap();
    for (who, action, text) in [
        ("chanyurat", A::Submit, None),
        ("somjai", A::Endorse, Some("เห็นควรเสนอ")),
        ("somsak", A::Endorse, Some("เห็นควรเสนอ")),
        ("wilaiwan", A::Endorse, Some("เห็นควรทราบ")),
        ("kanok", A::Sign, Some("ทราบ")),
        ("sunee", A::Issue, None),
    ] {
        office.act(who, &id, action, text, at).await.unwrap();
    }
    let pdf_hash = store
        .show(&org(ORG), &id)
        .await
        .unwrap()
        .pdf_hash
        .expect("an issued PDF");

    // The database keeps no content bytes: metadata only, by organisation.
    for (table, kept) in [
        ("pdfs", vec!["org_id", "sha256", "size"]),
        (
            "enclosure_files",
            vec!["media_type", "org_id", "sha256", "size"],
        ),
        ("inked_signatures", vec!["org_id", "sha256", "size"]),
        (
            "signature_images",
            vec![
                "nonce",
                "org_id",
                "person_id",
                "sealed_sha256",
                "sealed_size",
                "sha256",
            ],
        ),
    ] {
        assert_eq!(columns(store, table).await, kept, "{table}");
    }
    let objects = named(store).await;
    let kinds: Vec<ContentKind> = objects.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        kinds,
        [
            ContentKind::Pdf,
            ContentKind::Enclosure,
            ContentKind::Ink,
            ContentKind::Ink,
            ContentKind::SealedSignature,
            ContentKind::SealedSignature
        ],
        "one PDF, one enclosure file, two printed images, two people's sealed images: {objects:?}"
    );
    assert!(objects.contains(&(ContentKind::Pdf, pdf_hash.clone())));
    assert!(objects.contains(&(ContentKind::Enclosure, sha256_hex(&enclosure))));

    // Each object is under its key, and hashes to it; the store lists
    // exactly those.
    let content = store.content_store();
    for (kind, sha) in &objects {
        let bytes = content
            .get(ORG, *kind, sha)
            .await
            .unwrap()
            .expect("the object");
        assert_eq!(&sha256_hex(&bytes), sha, "{kind:?}");
    }
    let mut listed: Vec<String> = content
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    listed.sort();
    let mut keys_named: Vec<String> = objects
        .iter()
        .map(|(kind, sha)| ContentStore::key(ORG, *kind, sha))
        .collect();
    keys_named.sort();
    assert_eq!(listed, keys_named);
    assert_eq!(
        ContentStore::key(ORG, ContentKind::Pdf, &pdf_hash),
        format!("{ORG}/pdfs/{}/{pdf_hash}", &pdf_hash[..2])
    );
    if let Some(path) = content.local_path(ORG, ContentKind::Pdf, &pdf_hash) {
        assert!(path.is_file(), "{}", path.display());
    }
    // What the API serves is what the store holds.
    assert_eq!(
        sha256_hex(&store.issued_pdf(&org(ORG), &id).await.unwrap().unwrap()),
        pdf_hash
    );
    assert!(findings(store).await.is_empty(), "verify holds");

    // gc: an orphan put by hand is listed once it is old enough, removed
    // with --delete; the referenced objects stay.
    let orphan = b"an object no record names".to_vec();
    let orphan_sha = sha256_hex(&orphan);
    content
        .put(ORG, ContentKind::Enclosure, &orphan_sha, orphan)
        .await
        .unwrap();
    let day_ago = Utc::now() - chrono::Duration::days(1);
    assert!(
        store.content_orphans(day_ago).await.unwrap().is_empty(),
        "a young object may be one a transition is about to name"
    );
    let soon = Utc::now() + chrono::Duration::seconds(1);
    let orphans: Vec<String> = store
        .content_orphans(soon)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    let orphan_key = ContentStore::key(ORG, ContentKind::Enclosure, &orphan_sha);
    assert_eq!(orphans, std::slice::from_ref(&orphan_key));
    let removed: Vec<String> = store
        .delete_content_orphans(soon)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(removed, [orphan_key]);
    assert!(store.content_orphans(soon).await.unwrap().is_empty());
    for (kind, sha) in &objects {
        assert!(content.get(ORG, *kind, sha).await.unwrap().is_some());
    }
    assert!(findings(store).await.is_empty(), "verify holds after gc");

    // An altered PDF object is a finding naming it, so is a deleted one.
    let pdf_key = ContentStore::key(ORG, ContentKind::Pdf, &pdf_hash);
    let pdf = content
        .get(ORG, ContentKind::Pdf, &pdf_hash)
        .await
        .unwrap()
        .unwrap();
    saraban_stories::tamper_object(store, ORG, ContentKind::Pdf, &pdf_hash, |mut bytes| {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        bytes
    })
    .await;
    let found = findings(store).await;
    assert!(
        found
            .iter()
            .any(|(class, detail)| *class == FindingClass::ContentModified
                && detail.contains(&pdf_key)
                && detail.contains("not the one issued")),
        "{found:?}"
    );
    content
        .delete(ORG, ContentKind::Pdf, &pdf_hash)
        .await
        .unwrap();
    let found = findings(store).await;
    assert!(
        found
            .iter()
            .any(|(class, detail)| *class == FindingClass::ContentModified
                && detail.contains(&pdf_key)
                && detail.contains("missing")),
        "{found:?}"
    );
    // Put back as issued, the records hold again.
    content
        .put(ORG, ContentKind::Pdf, &pdf_hash, pdf)
        .await
        .unwrap();
    assert!(findings(store).await.is_empty());

    // A deleted enclosure file and a deleted signature image, likewise.
    let enclosure_sha = sha256_hex(&enclosure);
    content
        .delete(ORG, ContentKind::Enclosure, &enclosure_sha)
        .await
        .unwrap();
    let (_, ink_sha) = objects
        .iter()
        .find(|(kind, _)| *kind == ContentKind::Ink)
        .unwrap()
        .clone();
    let ink = content
        .get(ORG, ContentKind::Ink, &ink_sha)
        .await
        .unwrap()
        .unwrap();
    content
        .delete(ORG, ContentKind::Ink, &ink_sha)
        .await
        .unwrap();
    let (_, sealed_sha) = objects
        .iter()
        .find(|(kind, _)| *kind == ContentKind::SealedSignature)
        .unwrap()
        .clone();
    let sealed = content
        .get(ORG, ContentKind::SealedSignature, &sealed_sha)
        .await
        .unwrap()
        .unwrap();
    content
        .delete(ORG, ContentKind::SealedSignature, &sealed_sha)
        .await
        .unwrap();
    let found = findings(store).await;
    for key in [
        ContentStore::key(ORG, ContentKind::Enclosure, &enclosure_sha),
        ContentStore::key(ORG, ContentKind::Ink, &ink_sha),
        ContentStore::key(ORG, ContentKind::SealedSignature, &sealed_sha),
    ] {
        assert!(
            found.iter().any(|(_, detail)| detail.contains(&key)),
            "{key}: {found:?}"
        );
    }
    content
        .put(ORG, ContentKind::Enclosure, &enclosure_sha, enclosure)
        .await
        .unwrap();
    content
        .put(ORG, ContentKind::Ink, &ink_sha, ink)
        .await
        .unwrap();
    content
        .put(
            ORG,
            ContentKind::SealedSignature,
            &sealed_sha,
            sealed.clone(),
        )
        .await
        .unwrap();
    assert!(findings(store).await.is_empty());

    // Content an older version kept in the database moves out when the
    // store opens, and a move cut short by a crash carries on: the PDF's
    // row is back in `pdfs_to_move` with its bytes while its object is
    // already put (the crash fell between the two), the enclosure file's
    // with no object yet. Reopened, both are moved, the tables emptied and
    // dropped, and the records hold with the events unchanged.
    let events_before = event_bytes(store).await;
    let blob = if store.backend() == Backend::Sqlite {
        "BLOB"
    } else {
        "BYTEA"
    };
    let enclosure = content
        .get(ORG, ContentKind::Enclosure, &enclosure_sha)
        .await
        .unwrap()
        .unwrap();
    for sql in [
        format!("CREATE TABLE pdfs_to_move (sha256 TEXT PRIMARY KEY, bytes {blob} NOT NULL)"),
        format!(
            "CREATE TABLE enclosure_files_to_move (org_id TEXT NOT NULL, sha256 TEXT NOT NULL, media_type TEXT NOT NULL, size BIGINT NOT NULL, bytes {blob} NOT NULL, PRIMARY KEY (org_id, sha256))"
        ),
        format!(
            "CREATE TABLE signature_images_to_move (org_id TEXT NOT NULL, person_id TEXT NOT NULL, sha256 TEXT NOT NULL, nonce {blob} NOT NULL, sealed {blob} NOT NULL, PRIMARY KEY (org_id, person_id))"
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(store.pool())
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO pdfs_to_move (sha256, bytes) VALUES ($1, $2)")
        .bind(&pdf_hash)
        .bind(
            content
                .get(ORG, ContentKind::Pdf, &pdf_hash)
                .await
                .unwrap()
                .unwrap(),
        )
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM pdfs WHERE sha256 = $1")
        .bind(&pdf_hash)
        .execute(store.pool())
        .await
        .unwrap();
    kept_as_before(
        store,
        ContentKind::Enclosure,
        "INSERT INTO enclosure_files_to_move (org_id, sha256, media_type, size, bytes) SELECT org_id, sha256, media_type, size, $2 FROM enclosure_files WHERE sha256 = $1",
        "DELETE FROM enclosure_files WHERE sha256 = $1",
        &enclosure_sha,
        &enclosure,
    )
    .await;
    // The mayor's sealed image as sqlite 0010 / postgres 0011 kept it.
    kept_as_before(
        store,
        ContentKind::SealedSignature,
        "INSERT INTO signature_images_to_move (org_id, person_id, sha256, nonce, sealed) SELECT org_id, person_id, sha256, nonce, $2 FROM signature_images WHERE sealed_sha256 = $1",
        "DELETE FROM signature_images WHERE sealed_sha256 = $1",
        &sealed_sha,
        &sealed,
    )
    .await;
    assert!(!findings(store).await.is_empty(), "not yet moved");
    store.close().await;
    let reopened = saraban_stories::open_store(&db.url).await.unwrap();
    reopened.use_key_folder(&keys).unwrap();
    assert_eq!(named(&reopened).await, objects, "the rows are back");
    assert_eq!(
        reopened
            .content_store()
            .get(ORG, ContentKind::Enclosure, &enclosure_sha)
            .await
            .unwrap(),
        Some(enclosure)
    );
    assert_eq!(
        reopened
            .content_store()
            .get(ORG, ContentKind::SealedSignature, &sealed_sha)
            .await
            .unwrap(),
        Some(sealed)
    );
    // Its owner, signed in, opens it from the store as before.
    let owner: String =
        sqlx::query_scalar("SELECT person_id FROM signature_images WHERE sealed_sha256 = $1")
            .bind(&sealed_sha)
            .fetch_one(reopened.pool())
            .await
            .unwrap();
    assert!(reopened.ink(ORG, &owner).is_none());
    reopened
        .sign_in(ORG, &owner, "content-store", false, thai(2025, 6, 3, 9, 0))
        .await
        .unwrap();
    assert!(reopened.ink(ORG, &owner).is_some(), "{owner}'s image opens");
    for table in [
        "pdfs_to_move",
        "enclosure_files_to_move",
        "signature_images_to_move",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert!(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_one(reopened.pool())
                .await
                .is_err(),
            "{table} is dropped"
        );
    }
    assert!(
        findings(&reopened).await.is_empty(),
        "verify holds after the move"
    );
    assert_eq!(event_bytes(&reopened).await, events_before);

    // A removed image's sealed bytes leave the store with its row.
    assert!(
        reopened
            .remove_signature(
                &org(ORG),
                &PersonId::parse(&owner).unwrap(),
                thai(2025, 6, 3, 10, 0)
            )
            .await
            .unwrap()
    );
    assert_eq!(
        reopened
            .content_store()
            .get(ORG, ContentKind::SealedSignature, &sealed_sha)
            .await
            .unwrap(),
        None
    );
    assert!(
        findings(&reopened).await.is_empty(),
        "verify holds after the removal"
    );
    reopened.close().await;
    std::fs::remove_dir_all(&keys).ok();
}

/// An object as a version before the content store kept it: its row (by
/// `copy`, given the hash and the bytes) back in its `…_to_move` table with
/// its bytes, its row here gone (`forget`), and no object yet.
async fn kept_as_before(
    store: &Store,
    kind: ContentKind,
    copy: &str,
    forget: &str,
    sha: &str,
    bytes: &[u8],
) {
    sqlx::query(sqlx::AssertSqlSafe(copy.to_owned()))
        .bind(sha)
        .bind(bytes)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(forget.to_owned()))
        .bind(sha)
        .execute(store.pool())
        .await
        .unwrap();
    store.content_store().delete(ORG, kind, sha).await.unwrap();
}

/// Every event's hashed bytes, in order.
async fn event_bytes(store: &Store) -> Vec<Vec<u8>> {
    sqlx::query_scalar("SELECT bytes FROM events ORDER BY org_id, seq")
        .fetch_all(store.pool())
        .await
        .unwrap()
}
