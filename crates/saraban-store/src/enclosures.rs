//! Enclosure files (สิ่งที่ส่งมาด้วย): kept once per organisation by their
//! SHA-256 in `enclosure_files`, named by hash in a document's content.
//! What a transaction asks of them (store a file, check that a content's
//! files are there and within the document's limit, read them for the
//! press at issue), what readers ask (a document's list, a file's bytes),
//! and what `verify` checks (every stored file against its hash, every
//! named file present).
//!
//! Attaching a file to a draft is a transition (`transitions.rs`); this
//! module imports no transition.

use std::collections::{BTreeMap, BTreeSet};

use saraban_core::document::{Document, Enclosure};
use saraban_core::enclosure::{Limits, MediaType, Refusal, Sha256};
use saraban_core::{DocumentId, FindingClass, OrgId};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::content::{ContentKind, ContentStore};
use crate::error::{Result, StoreError};
use crate::press::EnclosureFile;
use crate::reads::load_document;
use crate::rows::stored_document;
use crate::store::Store;

/// A file sent to be attached, not yet checked.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The title printed under สิ่งที่ส่งมาด้วย.
    pub title: String,
    /// The name it was sent under, if any.
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// How refusals name the file: its name, else its title.
    pub fn display_name(&self) -> String {
        self.filename
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| self.title.clone())
    }
}

/// A checked file, ready for the transaction that attaches it.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) title: saraban_core::text::Paragraph,
    pub(crate) filename: Option<saraban_core::text::Line>,
    pub(crate) media_type: MediaType,
    pub(crate) sha256: Sha256,
    pub(crate) bytes: Vec<u8>,
}

/// Checks an upload off the async threads: its title, its type from its
/// bytes, its size; refusals name the file, in Thai, under `file`.
pub(crate) async fn check_upload(upload: Upload, limits: Limits) -> Result<Checked> {
    let title = saraban_core::text::Paragraph::parse(&upload.title)
        .map_err(|e| StoreError::invalid("title", e))?;
    // A name that is no single line of text is dropped, not refused: it is
    // only how the sender's disk called the file.
    let filename = upload.filename.as_deref().and_then(|name| {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        saraban_core::text::Line::parse(base).ok()
    });
    let name = upload.display_name();
    tokio::task::spawn_blocking(move || {
        let media_type = saraban_core::enclosure::check(&upload.bytes, &limits)
            .map_err(|refusal| StoreError::invalid("file", refusal.message(&name)))?;
        Ok(Checked {
            title,
            filename,
            media_type,
            sha256: Sha256::of(&upload.bytes),
            bytes: upload.bytes,
        })
    })
    .await
    .map_err(StoreError::render)?
}

/// Records `file` once (its bytes are in the content store, put by
/// `Store::store_file` before the transaction): a file already kept is kept
/// as it is.
pub(crate) async fn insert_file(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    file: &Checked,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO enclosure_files (org_id, sha256, media_type, size) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, sha256) DO NOTHING",
    )
    .bind(org)
    .bind(file.sha256.as_str())
    .bind(file.media_type.mime())
    .bind(file.bytes.len() as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The files a document's content names, each once, by hash.
fn named(enclosures: &[Enclosure]) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for (i, enclosure) in enclosures.iter().enumerate() {
        if let Some(file) = &enclosure.file {
            out.entry(file.sha256.as_str()).or_insert(i);
        }
    }
    out
}

/// Every file `document` names is one of the organisation's, and together
/// they are within the document's limit. `adding` names the file being
/// attached, for the message.
pub(crate) async fn check_named(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    document: &Document,
    limits: Limits,
    adding: Option<&str>,
) -> Result<()> {
    let mut total: u64 = 0;
    for (hash, index) in named(document.enclosures()) {
        let row = sqlx::query("SELECT size FROM enclosure_files WHERE org_id = $1 AND sha256 = $2")
            .bind(org)
            .bind(hash)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::invalid(
                format!("enclosures[{index}].sha256"),
                format!("ไม่มีไฟล์ {hash} ในระบบ ให้แนบไฟล์ก่อน"),
            ));
        };
        total += row.try_get::<i64, _>("size")?.max(0) as u64;
    }
    if total > limits.document {
        let refusal = Refusal::DocumentTooLarge {
            total,
            limit: limits.document,
        };
        return Err(match adding {
            Some(name) => StoreError::invalid("file", refusal.message(name)),
            None => StoreError::invalid(
                "enclosures",
                format!("ไม่รับไฟล์สิ่งที่ส่งมาด้วย เนื่องจาก{}", refusal.reason()),
            ),
        });
    }
    Ok(())
}

/// The files of `document` for the press, in the order of their titles.
pub(crate) async fn files_of(
    tx: &mut Transaction<'static, Any>,
    content: &ContentStore,
    org: &str,
    document: &Document,
) -> Result<Vec<EnclosureFile>> {
    let mut files = Vec::new();
    for enclosure in document.enclosures() {
        let Some(file) = &enclosure.file else {
            continue;
        };
        let (media_type, bytes) = read_file(tx, content, org, file.sha256.as_str())
            .await?
            .ok_or_else(|| {
                StoreError::corrupt("enclosure", format!("{} is missing", file.sha256))
            })?;
        files.push(EnclosureFile {
            title: enclosure.title.as_str().to_owned(),
            media_type,
            bytes,
        });
    }
    Ok(files)
}

async fn read_file(
    tx: &mut Transaction<'static, Any>,
    content: &ContentStore,
    org: &str,
    hash: &str,
) -> Result<Option<(MediaType, Vec<u8>)>> {
    let Some(mime) = sqlx::query_scalar::<_, String>(
        "SELECT media_type FROM enclosure_files WHERE org_id = $1 AND sha256 = $2",
    )
    .bind(org)
    .bind(hash)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let media_type = MediaType::from_mime(&mime)
        .ok_or_else(|| StoreError::corrupt("enclosure type", mime.clone()))?;
    let bytes = content
        .get(org, ContentKind::Enclosure, hash)
        .await?
        .ok_or_else(|| StoreError::corrupt("enclosure", format!("{hash} is missing")))?;
    Ok(Some((media_type, bytes)))
}

/// One enclosure of a document, as the API and the page list it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnclosureInfo {
    /// Its place under สิ่งที่ส่งมาด้วย, from 1.
    pub index: usize,
    pub title: String,
    /// None for an enclosure given as a title only.
    pub sha256: Option<String>,
    pub filename: Option<String>,
    pub media_type: Option<String>,
    pub size: Option<u64>,
}

/// A stored file, to send.
#[derive(Debug, Clone)]
pub struct EnclosureDownload {
    pub media_type: MediaType,
    /// The name to save it under: the one it was sent with, or the title.
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl Store {
    /// The PDF files `document` names as its enclosures, in order, as the
    /// live preview shows their pages; one not stored (a draft's typing)
    /// is left out.
    pub async fn pdf_enclosures(
        &self,
        org: &OrgId,
        document: &Document,
    ) -> Result<Vec<EnclosureFile>> {
        let mut tx = self.pool.begin().await?;
        let mut files = Vec::new();
        for enclosure in document.enclosures() {
            let Some(file) = &enclosure.file else {
                continue;
            };
            if let Some((MediaType::Pdf, bytes)) =
                read_file(&mut tx, &self.content, org.as_str(), file.sha256.as_str()).await?
            {
                files.push(EnclosureFile {
                    title: enclosure.title.as_str().to_owned(),
                    media_type: MediaType::Pdf,
                    bytes,
                });
            }
        }
        tx.commit().await?;
        Ok(files)
    }

    /// Puts an accepted file's bytes in the content store, durably, before
    /// the transaction that records it and names it in an event.
    pub(crate) async fn store_file(&self, org: &str, file: &Checked) -> Result<()> {
        self.content
            .put(
                org,
                ContentKind::Enclosure,
                file.sha256.as_str(),
                file.bytes.clone(),
            )
            .await
    }

    /// The enclosures of a document's current version, in order.
    pub async fn enclosures(&self, org: &OrgId, id: &DocumentId) -> Result<Vec<EnclosureInfo>> {
        let mut tx = self.pool.begin().await?;
        let doc = load_document(&mut tx, org.as_str(), id.as_str()).await?;
        crate::reads::refuse_destroyed(&mut tx, org.as_str(), &doc).await?;
        let document = stored_document((**doc.content()?).clone())?;
        let mut out = Vec::new();
        for (i, enclosure) in document.enclosures().iter().enumerate() {
            let mut info = EnclosureInfo {
                index: i + 1,
                title: enclosure.title.as_str().to_owned(),
                sha256: None,
                filename: None,
                media_type: None,
                size: None,
            };
            if let Some(file) = &enclosure.file {
                info.sha256 = Some(file.sha256.to_string());
                info.filename = file.filename.as_ref().map(|n| n.as_str().to_owned());
                if let Some(row) = sqlx::query(
                    "SELECT media_type, size FROM enclosure_files WHERE org_id = $1 AND sha256 = $2",
                )
                .bind(org.as_str())
                .bind(file.sha256.as_str())
                .fetch_optional(&mut *tx)
                .await?
                {
                    info.media_type = Some(row.try_get("media_type")?);
                    info.size = Some(row.try_get::<i64, _>("size")?.max(0) as u64);
                }
            }
            out.push(info);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A file some version of the document names; another document's or
    /// organisation's file is not found.
    pub async fn enclosure_file(
        &self,
        org: &OrgId,
        id: &DocumentId,
        sha256: &str,
    ) -> Result<EnclosureDownload> {
        let not_found = || StoreError::not_found("enclosure", sha256);
        let hash = Sha256::parse(sha256).map_err(|_| not_found())?;
        let mut tx = self.pool.begin().await?;
        // The document must be the organisation's (not found otherwise).
        load_document(&mut tx, org.as_str(), id.as_str()).await?;
        let versions = sqlx::query(
            "SELECT content FROM document_versions WHERE org_id = $1 AND document_id = $2 ORDER BY version DESC",
        )
        .bind(org.as_str())
        .bind(id.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut found: Option<Enclosure> = None;
        for row in versions {
            let content: String = row.try_get("content")?;
            if !content.contains(hash.as_str()) {
                continue;
            }
            let value =
                serde_json::from_str(&content).map_err(|e| StoreError::corrupt("content", e))?;
            let document = stored_document(value)?;
            found = document
                .enclosures()
                .iter()
                .find(|e| e.file.as_ref().is_some_and(|f| f.sha256 == hash))
                .cloned();
            if found.is_some() {
                break;
            }
        }
        let enclosure = found.ok_or_else(not_found)?;
        let (media_type, bytes) = read_file(&mut tx, &self.content, org.as_str(), hash.as_str())
            .await?
            .ok_or_else(not_found)?;
        tx.commit().await?;
        let filename = enclosure
            .file
            .and_then(|f| f.filename)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|| format!("{}.{}", enclosure.title.as_str(), media_type.extension()));
        Ok(EnclosureDownload {
            media_type,
            filename,
            bytes,
        })
    }

    /// For `verify`: every stored file of the organisation against its
    /// hash, and every file a stored version names present. (class,
    /// document, detail) for each finding.
    pub(crate) async fn check_enclosures(
        &self,
        org: &str,
    ) -> Result<Vec<(FindingClass, Option<String>, String)>> {
        let mut found = Vec::new();
        let mut stored = BTreeSet::new();
        // One file at a time: they may be large.
        let hashes: Vec<String> =
            sqlx::query("SELECT sha256 FROM enclosure_files WHERE org_id = $1 ORDER BY sha256")
                .bind(org)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| row.try_get("sha256"))
                .collect::<std::result::Result<_, _>>()?;
        for hash in hashes {
            let row = sqlx::query(
                "SELECT media_type, size FROM enclosure_files WHERE org_id = $1 AND sha256 = $2",
            )
            .bind(org)
            .bind(&hash)
            .fetch_one(&self.pool)
            .await?;
            let key = ContentStore::key(org, ContentKind::Enclosure, &hash);
            let Some(bytes) = self.content.get(org, ContentKind::Enclosure, &hash).await? else {
                found.push((
                    FindingClass::Enclosure,
                    None,
                    format!(
                        "the enclosure file {hash} is missing from the content store (object {key})"
                    ),
                ));
                stored.insert(hash);
                continue;
            };
            let size: i64 = row.try_get("size")?;
            let mime: String = row.try_get("media_type")?;
            let actual = saraban_core::ledger::sha256_hex(&bytes);
            if actual != hash {
                found.push((
                    FindingClass::Enclosure,
                    None,
                    format!("the stored enclosure file {hash} (object {key}) has SHA-256 {actual}: its bytes were changed"),
                ));
            } else if size != bytes.len() as i64
                || saraban_core::enclosure::sniff(&bytes).map(MediaType::mime)
                    != Some(mime.as_str())
            {
                found.push((
                    FindingClass::Enclosure,
                    None,
                    format!("the enclosure file {hash}: its recorded size or type is not that of its bytes"),
                ));
            }
            stored.insert(hash);
        }
        // Versions that name a file: their text holds "sha256".
        let rows = sqlx::query(
            "SELECT document_id, version, content FROM document_versions WHERE org_id = $1 AND content LIKE '%\"sha256\"%' ORDER BY document_id, version",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let document: String = row.try_get("document_id")?;
            let version: i64 = row.try_get("version")?;
            let content: String = row.try_get("content")?;
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&content) else {
                continue; // the version check reports content that is no JSON
            };
            // A received letter names its original; a document its enclosures.
            let names: Vec<String> = if value.get("kind").and_then(|k| k.as_str())
                == Some(saraban_core::incoming::KIND)
            {
                let Ok(letter) = saraban_core::incoming::incoming_from_value(value) else {
                    continue;
                };
                letter
                    .original
                    .map(|original| original.sha256.to_string())
                    .into_iter()
                    .collect()
            } else {
                let Ok(parsed) = saraban_core::document::document_from_value(value) else {
                    continue;
                };
                named(parsed.enclosures())
                    .keys()
                    .map(|hash| hash.to_string())
                    .collect()
            };
            for hash in names {
                if !stored.contains(&hash) {
                    found.push((
                        FindingClass::Enclosure,
                        Some(document.clone()),
                        format!(
                            "version {version} names the enclosure file {hash}, which is missing"
                        ),
                    ));
                }
            }
        }
        Ok(found)
    }
}
