//! Content by SHA-256 in an object store: issued PDFs, enclosure files and
//! received originals, the signature images approvals printed, and each
//! person's registered image, sealed under their key. The
//! database keeps their hashes and metadata; the bytes live here, in a local
//! folder (the embedded default, beside the SQLite file) or an S3-compatible
//! bucket (`s3://bucket/prefix`, credentials from the environment).
//!
//! A key is `{org}/{kind}/{sha256[0..2]}/{sha256}`: the same content gives
//! the same key, so a put is idempotent, and one organisation's object is
//! never another's (destroying one record never deletes another's file).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sqlx::{AnyPool, Row};

use crate::error::{Result, StoreError};

/// What an object is; its name is the second part of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// An issued PDF (sealed bytes, as its issue event hashes them).
    Pdf,
    /// An enclosure file or a received letter's original.
    Enclosure,
    /// A signature image an endorsement or signature printed.
    Ink,
    /// A person's registered signature image, sealed under a key only they
    /// open (its hash is of the sealed bytes).
    SealedSignature,
}

impl ContentKind {
    pub const ALL: [ContentKind; 4] = [
        ContentKind::Pdf,
        ContentKind::Enclosure,
        ContentKind::Ink,
        ContentKind::SealedSignature,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ContentKind::Pdf => "pdfs",
            ContentKind::Enclosure => "enclosures",
            ContentKind::Ink => "inks",
            ContentKind::SealedSignature => "signatures",
        }
    }

    fn from_name(name: &str) -> Option<ContentKind> {
        ContentKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// The table that lists this kind's objects, by organisation and hash.
    pub(crate) fn table(self) -> &'static str {
        match self {
            ContentKind::Pdf => "pdfs",
            ContentKind::Enclosure => "enclosure_files",
            ContentKind::Ink => "inked_signatures",
            ContentKind::SealedSignature => "signature_images",
        }
    }

    /// The column of that table holding an object's hash.
    pub(crate) fn hash_column(self) -> &'static str {
        match self {
            ContentKind::SealedSignature => "sealed_sha256",
            _ => "sha256",
        }
    }
}

/// Where the content is kept, as `--store` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentPlace {
    /// A folder on this machine (created if missing).
    Folder(PathBuf),
    /// An S3-compatible bucket and a prefix in it: `s3://bucket/prefix`.
    S3 { bucket: String, prefix: String },
    /// In memory, for a database in memory.
    Memory,
}

impl ContentPlace {
    /// `s3://bucket/prefix`, or a folder's path (`file://` optional).
    pub fn parse(spec: &str) -> Result<ContentPlace> {
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(StoreError::invalid(
                    "store",
                    format!("'{spec}' names no bucket: write s3://bucket/prefix"),
                ));
            }
            return Ok(ContentPlace::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        let path = spec.strip_prefix("file://").unwrap_or(spec);
        if path.is_empty() || spec.contains("://") && !spec.starts_with("file://") {
            return Err(StoreError::invalid(
                "store",
                format!("'{spec}' is neither a folder nor s3://bucket/prefix"),
            ));
        }
        Ok(ContentPlace::Folder(PathBuf::from(path)))
    }

    /// The default for a database: the folder `FILE.content` beside a
    /// SQLite file; none for PostgreSQL, whose store is named with
    /// `--store`.
    pub fn beside(database_url: &str) -> Result<ContentPlace> {
        let path = match database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
        {
            Some(rest) => rest.split('?').next().unwrap_or_default(),
            None if database_url.contains("://") => {
                return Err(StoreError::invalid(
                    "store",
                    "PostgreSQL keeps its content in a store named with --store FOLDER or --store s3://bucket/prefix",
                ));
            }
            None => database_url,
        };
        if path.is_empty() || path.contains(":memory:") {
            return Ok(ContentPlace::Memory);
        }
        Ok(ContentPlace::Folder(PathBuf::from(format!(
            "{path}.content"
        ))))
    }
}

impl std::fmt::Display for ContentPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContentPlace::Folder(path) => write!(f, "{}", path.display()),
            ContentPlace::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            ContentPlace::Memory => write!(f, "memory"),
        }
    }
}

/// An object the store holds, as `gc` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    /// The organisation, kind and hash its key names, if it is one of ours.
    pub named: Option<(String, ContentKind, String)>,
    pub size: u64,
    pub modified: DateTime<Utc>,
}

/// The content store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ContentStore {
    objects: Arc<dyn ObjectStore>,
    /// The folder, when it is a local one: what a put makes durable with
    /// fsync, and what a backup copies.
    folder: Option<PathBuf>,
    place: ContentPlace,
}

impl ContentStore {
    /// Opens the store at `place`; a folder is created if missing. An S3
    /// bucket takes its credentials, endpoint and region from the
    /// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_ENDPOINT or AWS_ENDPOINT_URL, AWS_REGION, AWS_ALLOW_HTTP).
    pub fn open(place: &ContentPlace) -> Result<ContentStore> {
        let (objects, folder): (Arc<dyn ObjectStore>, _) = match place {
            ContentPlace::Folder(path) => {
                std::fs::create_dir_all(path).map_err(|e| StoreError::io(path, e))?;
                let local = LocalFileSystem::new_with_prefix(path)
                    .map_err(|e| StoreError::io(path, std::io::Error::other(e)))?
                    .with_automatic_cleanup(true);
                let canonical = std::fs::canonicalize(path).map_err(|e| StoreError::io(path, e))?;
                (Arc::new(local), Some(canonical))
            }
            ContentPlace::S3 { bucket, prefix } => {
                let mut builder =
                    object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
                // Loopback servers (the tests' own) answer on a path, not a
                // host name per bucket.
                if std::env::var("AWS_REGION").is_err()
                    && std::env::var("AWS_DEFAULT_REGION").is_err()
                {
                    builder = builder.with_region("us-east-1");
                }
                let s3 = builder.build().map_err(|e| {
                    StoreError::invalid("store", format!("s3://{bucket}: {}", one_line(&e)))
                })?;
                let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.as_str()))
                };
                (objects, None)
            }
            ContentPlace::Memory => (Arc::new(object_store::memory::InMemory::new()), None),
        };
        Ok(ContentStore {
            objects,
            folder,
            place: place.clone(),
        })
    }

    pub fn place(&self) -> &ContentPlace {
        &self.place
    }

    /// The local folder, if the content is kept in one.
    pub fn folder(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    /// The key of `sha256` of `kind` for `org`.
    pub fn key(org: &str, kind: ContentKind, sha256: &str) -> String {
        let fan = sha256.get(..2).unwrap_or("00");
        format!("{org}/{}/{fan}/{sha256}", kind.name())
    }

    /// Where the object of `sha256` is in the local folder, if the content
    /// is kept in one (for the tamper tests and the backup).
    pub fn local_path(&self, org: &str, kind: ContentKind, sha256: &str) -> Option<PathBuf> {
        self.folder
            .as_ref()
            .map(|folder| folder.join(ContentStore::key(org, kind, sha256)))
    }

    /// Stores `bytes` under their hash, durably, before the caller commits
    /// the row or event that names them. An object already there with the
    /// same size is kept (same hash, same bytes).
    pub async fn put(
        &self,
        org: &str,
        kind: ContentKind,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<()> {
        let key = Key::from(ContentStore::key(org, kind, sha256));
        let size = bytes.len() as u64;
        let there = match self.objects.head(&key).await {
            Ok(meta) => meta.size == size,
            Err(object_store::Error::NotFound { .. }) => false,
            Err(error) => return Err(failure(&key, error)),
        };
        if !there {
            self.objects
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| failure(&key, e))?;
        }
        // The local store renames a finished temporary file into place but
        // does not fsync: the file and each folder above it are synced here,
        // so the name survives a power cut before the event commits.
        if let Some(folder) = &self.folder {
            let folder = folder.clone();
            let file = folder.join(key.as_ref());
            tokio::task::spawn_blocking(move || sync_file_and_folders(&folder, &file))
                .await
                .map_err(|e| StoreError::invariant(format!("fsync task: {e}")))??;
        }
        Ok(())
    }

    /// The object's bytes; `None` if it is not there.
    pub async fn get(&self, org: &str, kind: ContentKind, sha256: &str) -> Result<Option<Vec<u8>>> {
        let key = Key::from(ContentStore::key(org, kind, sha256));
        match self.objects.get(&key).await {
            Ok(found) => Ok(Some(
                found.bytes().await.map_err(|e| failure(&key, e))?.to_vec(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(failure(&key, error)),
        }
    }

    /// Removes the object; one already gone is not an error.
    pub async fn delete(&self, org: &str, kind: ContentKind, sha256: &str) -> Result<()> {
        self.delete_key(&ContentStore::key(org, kind, sha256)).await
    }

    pub async fn delete_key(&self, key: &str) -> Result<()> {
        let key = Key::from(key);
        match self.objects.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(failure(&key, error)),
        }
    }

    /// Every object in the store.
    pub async fn list(&self) -> Result<Vec<StoredObject>> {
        use futures_util::TryStreamExt;
        let metas: Vec<object_store::ObjectMeta> = self
            .objects
            .list(None)
            .try_collect()
            .await
            .map_err(|e| failure(&Key::from(""), e))?;
        Ok(metas
            .into_iter()
            .map(|meta| {
                let key = meta.location.to_string();
                StoredObject {
                    named: named(&key),
                    key,
                    size: meta.size,
                    modified: meta.last_modified,
                }
            })
            .collect())
    }
}

/// The organisation, kind and hash a key of ours names.
pub(crate) fn named(key: &str) -> Option<(String, ContentKind, String)> {
    let parts: Vec<&str> = key.split('/').collect();
    let [org, kind, fan, sha256] = parts.as_slice() else {
        return None;
    };
    let kind = ContentKind::from_name(kind)?;
    let hex = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && sha256.starts_with(fan)).then(|| ((*org).to_owned(), kind, (*sha256).to_owned()))
}

fn failure(key: &Key, error: object_store::Error) -> StoreError {
    StoreError::io(
        format!("content store: {key}"),
        std::io::Error::other(one_line(&error)),
    )
}

fn one_line(error: &dyn std::fmt::Display) -> String {
    error.to_string().replace('\n', " ")
}

/// fsync the file, then each folder from its own up to the store's root.
fn sync_file_and_folders(root: &Path, file: &Path) -> Result<()> {
    std::fs::File::open(file)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::io(file, e))?;
    let mut folder = file.parent();
    while let Some(dir) = folder {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io(dir, e))?;
        if dir == root {
            break;
        }
        folder = dir.parent();
    }
    Ok(())
}

/// The tables of content still holding bytes from before the content store
/// (migrations sqlite 0014, postgres 0015 renamed them `…_to_move`), with
/// the columns a row of each is moved by.
/// (Sealed signature images: sqlite 0018, postgres 0019.)
const TO_MOVE: [(ContentKind, &str); 4] = [
    (ContentKind::Pdf, "pdfs_to_move"),
    (ContentKind::Enclosure, "enclosure_files_to_move"),
    (ContentKind::Ink, "inked_signatures_to_move"),
    (ContentKind::SealedSignature, "signature_images_to_move"),
];

/// Moves the content still in the database into the store, a few rows at a
/// time: each object is put (durably) first, then its row becomes metadata
/// in a transaction. A crash between the two leaves the bytes in the
/// database and an object that the next open puts again (the same key);
/// run again, it carries on where it stopped. Returns how many rows moved.
pub(crate) async fn move_into_store(
    pool: &AnyPool,
    content: &ContentStore,
    postgres: bool,
) -> Result<u64> {
    let mut moved = 0;
    for (kind, table) in TO_MOVE {
        if !table_exists(pool, table, postgres).await? {
            continue;
        }
        loop {
            let sql = match kind {
                ContentKind::Pdf => {
                    format!("SELECT sha256, bytes FROM {table} ORDER BY sha256 LIMIT 32")
                }
                ContentKind::Enclosure => format!(
                    "SELECT org_id, sha256, media_type, size, bytes FROM {table} ORDER BY org_id, sha256 LIMIT 32"
                ),
                ContentKind::Ink => {
                    format!(
                        "SELECT org_id, sha256, png AS bytes FROM {table} ORDER BY org_id, sha256 LIMIT 32"
                    )
                }
                ContentKind::SealedSignature => format!(
                    "SELECT org_id, person_id, sha256 AS image_sha256, nonce, sealed AS bytes FROM {table} ORDER BY org_id, person_id LIMIT 32"
                ),
            };
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                let bytes: Vec<u8> = row.try_get("bytes")?;
                // A sealed image is kept by the hash of its sealed bytes.
                let sha256: String = match kind {
                    ContentKind::SealedSignature => saraban_core::ledger::sha256_hex(&bytes),
                    _ => row.try_get("sha256")?,
                };
                let size = bytes.len() as i64;
                // A PDF's organisations are those whose documents it was
                // issued for; one that no document names is kept aside, for
                // `gc` to list.
                let orgs: Vec<String> = match kind {
                    ContentKind::Pdf => {
                        let orgs: Vec<String> = sqlx::query_scalar(
                            "SELECT DISTINCT org_id FROM documents WHERE pdf_hash = $1 ORDER BY org_id",
                        )
                        .bind(&sha256)
                        .fetch_all(pool)
                        .await?;
                        if orgs.is_empty() {
                            vec![UNOWNED.to_owned()]
                        } else {
                            orgs
                        }
                    }
                    _ => vec![row.try_get("org_id")?],
                };
                for org in &orgs {
                    content.put(org, kind, &sha256, bytes.clone()).await?;
                }
                let mut tx = pool.begin().await?;
                match kind {
                    ContentKind::Pdf => {
                        for org in orgs.iter().filter(|org| *org != UNOWNED) {
                            sqlx::query(
                                "INSERT INTO pdfs (org_id, sha256, size) VALUES ($1, $2, $3) ON CONFLICT (org_id, sha256) DO NOTHING",
                            )
                            .bind(org)
                            .bind(&sha256)
                            .bind(size)
                            .execute(&mut *tx)
                            .await?;
                        }
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DELETE FROM {table} WHERE sha256 = $1"
                        )))
                        .bind(&sha256)
                        .execute(&mut *tx)
                        .await?;
                    }
                    ContentKind::SealedSignature => {
                        let (org, person): (String, String) =
                            (row.try_get("org_id")?, row.try_get("person_id")?);
                        let (image, nonce): (String, Vec<u8>) =
                            (row.try_get("image_sha256")?, row.try_get("nonce")?);
                        sqlx::query(
                            "INSERT INTO signature_images (org_id, person_id, sha256, nonce, sealed_sha256, sealed_size) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, person_id) DO NOTHING",
                        )
                        .bind(&org)
                        .bind(&person)
                        .bind(image)
                        .bind(nonce)
                        .bind(&sha256)
                        .bind(size)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DELETE FROM {table} WHERE org_id = $1 AND person_id = $2"
                        )))
                        .bind(&org)
                        .bind(&person)
                        .execute(&mut *tx)
                        .await?;
                    }
                    ContentKind::Enclosure | ContentKind::Ink => {
                        let org = &orgs[0];
                        if kind == ContentKind::Enclosure {
                            let media_type: String = row.try_get("media_type")?;
                            sqlx::query(
                                "INSERT INTO enclosure_files (org_id, sha256, media_type, size) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, sha256) DO NOTHING",
                            )
                            .bind(org)
                            .bind(&sha256)
                            .bind(media_type)
                            .bind(size)
                            .execute(&mut *tx)
                            .await?;
                        } else {
                            sqlx::query(
                                "INSERT INTO inked_signatures (org_id, sha256, size) VALUES ($1, $2, $3) ON CONFLICT (org_id, sha256) DO NOTHING",
                            )
                            .bind(org)
                            .bind(&sha256)
                            .bind(size)
                            .execute(&mut *tx)
                            .await?;
                        }
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DELETE FROM {table} WHERE org_id = $1 AND sha256 = $2"
                        )))
                        .bind(org)
                        .bind(&sha256)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                moved += 1;
            }
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
            .execute(pool)
            .await?;
    }
    Ok(moved)
}

/// The bytes of an object its table records for `org`; none if no row
/// names it, or the store has lost it (verify reports that).
pub(crate) async fn kept(
    conn: &mut sqlx::AnyConnection,
    content: &ContentStore,
    org: &str,
    kind: ContentKind,
    sha256: &str,
) -> Result<Option<Vec<u8>>> {
    if recorded(conn, org, kind, sha256).await? {
        content.get(org, kind, sha256).await
    } else {
        Ok(None)
    }
}

/// Whether a row of `kind`'s table names the object.
pub(crate) async fn recorded(
    conn: &mut sqlx::AnyConnection,
    org: &str,
    kind: ContentKind,
    sha256: &str,
) -> Result<bool> {
    let sql = format!(
        "SELECT 1 FROM {} WHERE org_id = $1 AND {} = $2",
        kind.table(),
        kind.hash_column()
    );
    let row: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(org)
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
}

/// The organisation part of the key of a PDF that no document names (found
/// when its bytes were moved out of the database).
pub const UNOWNED: &str = "_unowned";

async fn table_exists(pool: &AnyPool, table: &str, postgres: bool) -> Result<bool> {
    let sql = if postgres {
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
    } else {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
    };
    let n: i64 = sqlx::query_scalar(sql).bind(table).fetch_one(pool).await?;
    Ok(n > 0)
}

/// The objects no row names, modified before `older_than`: what `saraban
/// gc` lists (and removes with `--delete`). A young object may be one a
/// transition has put and not yet committed, so it is left alone.
pub(crate) async fn orphans(
    pool: &AnyPool,
    content: &ContentStore,
    older_than: DateTime<Utc>,
) -> Result<Vec<StoredObject>> {
    let mut named = std::collections::HashSet::new();
    for kind in ContentKind::ALL {
        let sql = format!(
            "SELECT org_id, {} AS sha256 FROM {}",
            kind.hash_column(),
            kind.table()
        );
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?
        {
            let org: String = row.try_get("org_id")?;
            let sha256: String = row.try_get("sha256")?;
            named.insert(ContentStore::key(&org, kind, &sha256));
        }
    }
    Ok(content
        .list()
        .await?
        .into_iter()
        .filter(|object| !named.contains(&object.key) && object.modified < older_than)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_scoped_by_organisation_and_fanned_by_hash() {
        let sha = "ab".repeat(32);
        let key = ContentStore::key("wangkrachae", ContentKind::Pdf, &sha);
        assert_eq!(key, format!("wangkrachae/pdfs/ab/{sha}"));
        assert_eq!(
            named(&key),
            Some(("wangkrachae".into(), ContentKind::Pdf, sha.clone()))
        );
        assert_eq!(named("wangkrachae/pdfs/cd/x"), None);
    }

    #[test]
    fn places_parse() {
        assert_eq!(
            ContentPlace::parse("s3://bucket/a/b/").unwrap(),
            ContentPlace::S3 {
                bucket: "bucket".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(
            ContentPlace::parse("/var/lib/saraban").unwrap(),
            ContentPlace::Folder("/var/lib/saraban".into())
        );
        assert!(ContentPlace::parse("s3:///x").is_err());
        assert!(ContentPlace::parse("http://x").is_err());
        assert_eq!(
            ContentPlace::beside("sqlite:///tmp/a.db?mode=rwc").unwrap(),
            ContentPlace::Folder("/tmp/a.db.content".into())
        );
        assert!(ContentPlace::beside("postgres://x/y").is_err());
    }

    #[tokio::test]
    async fn a_put_is_durable_idempotent_and_read_back() {
        let dir = std::env::temp_dir().join(format!("saraban-content-{}", uuid::Uuid::new_v4()));
        let store = ContentStore::open(&ContentPlace::Folder(dir.clone())).unwrap();
        let bytes = b"%PDF-1.7 test".to_vec();
        let sha = saraban_core::ledger::sha256_hex(&bytes);
        store
            .put("org", ContentKind::Pdf, &sha, bytes.clone())
            .await
            .unwrap();
        store
            .put("org", ContentKind::Pdf, &sha, bytes.clone())
            .await
            .unwrap();
        assert_eq!(
            store.get("org", ContentKind::Pdf, &sha).await.unwrap(),
            Some(bytes)
        );
        assert!(
            store
                .local_path("org", ContentKind::Pdf, &sha)
                .unwrap()
                .is_file()
        );
        assert_eq!(
            store.get("other", ContentKind::Pdf, &sha).await.unwrap(),
            None
        );
        assert_eq!(store.list().await.unwrap().len(), 1);
        store.delete("org", ContentKind::Pdf, &sha).await.unwrap();
        store.delete("org", ContentKind::Pdf, &sha).await.unwrap();
        assert_eq!(
            store.get("org", ContentKind::Pdf, &sha).await.unwrap(),
            None
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
