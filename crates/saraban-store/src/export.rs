//! Gathering an archive bundle (`saraban_core::bundle`) of one register
//! year from the store: the whole log, every signed checkpoint, the year's
//! issued PDFs, and the letters received in the year with their originals.

use std::collections::{BTreeMap, HashMap};

use saraban_core::OrgId;
pub use saraban_core::bundle::Bundle;
use saraban_core::bundle::{self, LogExport};
use saraban_core::ledger::Event;
use serde_json::Value;
use sqlx::Row;

use crate::content::{ContentKind, kept};
use crate::keys::origin;
use crate::{Result, Store, StoreError};

/// The seal's certificate chain (PEM, leaf first) in a bundle's folder.
pub const SEAL_CHAIN_FILE: &str = "seal-chain.pem";

impl Store {
    /// The bundle of `org`'s register year `year` (B.E.). Signs a
    /// checkpoint of the whole log first if the latest one is older, which
    /// needs the organisation's key folder.
    pub async fn export_bundle(&self, org: &OrgId, year: i32) -> Result<Bundle> {
        let config = self.org_config(org).await?;
        let key = self.verifier_key(org).await?.ok_or_else(|| {
            StoreError::Conflict(format!(
                "{org} has no signing key, so nothing can prove its log: give its key folder (--keys)"
            ))
        })?;
        if !self.checkpoint_covers_log(org.as_str()).await? {
            if self.key_folder().is_none() {
                return Err(StoreError::Conflict(format!(
                    "the latest checkpoint of {org} does not cover its whole log, and without its key folder (--keys) none can be signed"
                )));
            }
            self.checkpoint(org).await?;
        }
        let seal = self.seal_certificate(org).await?;
        let org = org.as_str();

        // Only the events the latest checkpoint covers: documents issued
        // meanwhile go into the next bundle, and this one stays provable.
        let mut tx = self.pool.begin().await?;
        let checkpoints: Vec<(i64, String)> =
            sqlx::query("SELECT size, note FROM checkpoints WHERE org_id = $1 ORDER BY size")
                .bind(org)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| Ok((row.try_get("size")?, row.try_get("note")?)))
                .collect::<Result<_>>()?;
        let covered = checkpoints.last().map_or(0, |(size, _)| *size);
        let events: Vec<Vec<u8>> =
            sqlx::query("SELECT bytes FROM events WHERE org_id = $1 AND seq <= $2 ORDER BY seq")
                .bind(org)
                .bind(covered)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| Ok(row.try_get("bytes")?))
                .collect::<Result<_>>()?;
        let notes: Vec<String> = checkpoints.into_iter().map(|(_, note)| note).collect();
        let mut subjects = HashMap::new();
        let mut pdfs = HashMap::new();
        let mut contents = HashMap::new();
        let mut enclosures = HashMap::new();
        let mut received = HashMap::new();
        for event in events
            .iter()
            .filter_map(|bytes| Event::from_canonical(bytes).ok())
        {
            if event.kind == "received" && event.year == Some(year) {
                // The content as received: a stamp placed since is a later
                // version, and the event hashed this one.
                let content: Option<String> = sqlx::query(
                    "SELECT content FROM document_versions WHERE org_id = $1 AND document_id = $2 AND version = $3",
                )
                .bind(org)
                .bind(&event.document)
                .bind(event.doc_version as i64)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get("content"))
                .transpose()?;
                let Some(content) = content else {
                    continue;
                };
                let original = serde_json::from_str::<Value>(&content)
                    .ok()
                    .as_ref()
                    .and_then(bundle::original_hash);
                if let Some(hash) = original
                    && let Some(bytes) =
                        kept(&mut tx, &self.content, org, ContentKind::Enclosure, &hash).await?
                {
                    enclosures.insert(hash, bytes);
                }
                received.insert(event.document.clone(), content);
                continue;
            }
            if event.kind != "issued" || event.year != Some(year) {
                continue;
            }
            if let Some(hash) = &event.pdf_hash
                && let Some(bytes) =
                    kept(&mut tx, &self.content, org, ContentKind::Pdf, hash).await?
            {
                pdfs.insert(hash.clone(), bytes);
            }
            let content: Option<String> = sqlx::query(concat!(
                "SELECT ",
                crate::rows::content_of!("documents"),
                " FROM documents WHERE org_id = $1 AND id = $2"
            ))
            .bind(org)
            .bind(&event.document)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get("content"))
            .transpose()?;
            let value = content
                .as_deref()
                .and_then(|content| serde_json::from_str::<Value>(content).ok());
            // A document with enclosure files brings its content and files.
            let hashes = value
                .as_ref()
                .map(bundle::enclosure_hashes)
                .unwrap_or_default();
            for hash in &hashes {
                if let Some(bytes) =
                    kept(&mut tx, &self.content, org, ContentKind::Enclosure, hash).await?
                {
                    enclosures.insert(hash.clone(), bytes);
                }
            }
            if let (false, Some(content)) = (hashes.is_empty(), &content) {
                contents.insert(event.document.clone(), content.clone());
            }
            let subject =
                value.and_then(|content| content.get("subject")?.as_str().map(str::to_owned));
            subjects.insert(event.document.clone(), subject.unwrap_or_default());
        }
        tx.commit().await?;

        let first_numbers: BTreeMap<String, u32> = config
            .registers
            .iter()
            .filter_map(|register| {
                let start = register.start.as_ref()?;
                (start.year.get() == year).then(|| (register.id.as_str().to_owned(), start.next))
            })
            .collect();
        let mut bundle = bundle::assemble(&LogExport {
            org,
            year,
            origin: &origin(org),
            key: &key,
            events: &events,
            notes: &notes,
            first_numbers,
            subjects: &subjects,
            pdfs: &pdfs,
            contents: &contents,
            enclosures: &enclosures,
            received: &received,
        })
        .map_err(|e| StoreError::invariant(format!("{org}: {e}")))?;
        // The certificate chain its PDFs are sealed with, for a reader who
        // checks them offline (who may also bring the certificate apart).
        if let Some(certificate) = seal {
            bundle.files.insert(
                SEAL_CHAIN_FILE.to_owned(),
                certificate.chain_pem.into_bytes(),
            );
        }
        Ok(bundle)
    }

    /// Whether a signed checkpoint covers every event of the log.
    async fn checkpoint_covers_log(&self, org: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM events WHERE org_id = $1) AS events,
                    (SELECT MAX(size) FROM checkpoints WHERE org_id = $1) AS covered",
        )
        .bind(org)
        .fetch_one(&self.pool)
        .await?;
        let events: i64 = row.try_get("events")?;
        let covered: Option<i64> = row.try_get("covered")?;
        Ok(covered.is_some_and(|size| size >= events))
    }
}
