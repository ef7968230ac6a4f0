//! The transfer package to the National Archives (ข้อ ๕๘): the documents
//! of permanent value due by the end of a B.E. year, each with its content
//! as stored, its issued PDF, the files it names (enclosures, a received
//! letter's original), its events as the log holds them and a Dublin Core
//! record; the organisation's checkpoints and verifier key beside them.
//! The caller wraps the payload in a BagIt bag (`saraban_core::bagit`).

use std::collections::BTreeMap;

use saraban_core::{DocumentId, OrgId};
use serde_json::Value;
use sqlx::Row;

use crate::{Result, Store};

/// Items read a page at a time.
const TRANSFER_PAGE: i64 = 500;

/// XML text escaped for an element's content.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Every "sha256" a content names.
fn named_files(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("sha256", Value::String(hash)) => found.push(hash.clone()),
                    _ => named_files(value, found),
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|v| named_files(v, found)),
        _ => {}
    }
}

impl Store {
    /// The payload of the transfer package of B.E. `ended` (paths under
    /// the bag's `data/`).
    pub async fn transfer_payload(
        &self,
        org: &OrgId,
        ended: i32,
    ) -> Result<BTreeMap<String, Vec<u8>>> {
        let config = self.org_config(org).await?;
        let mut payload = BTreeMap::new();
        let mut list = Vec::new();
        let mut after: Option<DocumentId> = None;
        loop {
            let page = self
                .transfer_due(org, ended, after.as_ref(), TRANSFER_PAGE)
                .await?;
            let done = (page.len() as i64) < TRANSFER_PAGE;
            if let Some(last) = page.last() {
                after = Some(crate::rows::stored_id(&last.document)?);
            }
            for item in page {
                let id = item.document.clone();
                let row = sqlx::query(concat!(
                    "SELECT ",
                    crate::rows::content_of!("documents"),
                    ", pdf_hash FROM documents WHERE org_id = $1 AND id = $2"
                ))
                .bind(org.as_str())
                .bind(&id)
                .fetch_one(&self.pool)
                .await?;
                let content: String = row.try_get("content")?;
                let pdf: Option<String> = row.try_get("pdf_hash")?;
                let folder = format!("documents/{id}");
                let mut conn = self.pool.acquire().await?;
                if let Some(hash) = &pdf {
                    let bytes = crate::content::kept(
                        &mut conn,
                        &self.content,
                        org.as_str(),
                        crate::content::ContentKind::Pdf,
                        hash,
                    )
                    .await?;
                    if let Some(bytes) = bytes {
                        payload.insert(format!("{folder}/issued.pdf"), bytes);
                    }
                }
                let mut files = Vec::new();
                named_files(
                    &serde_json::from_str(&content).unwrap_or(Value::Null),
                    &mut files,
                );
                files.sort();
                files.dedup();
                for file in files {
                    let bytes = crate::content::kept(
                        &mut conn,
                        &self.content,
                        org.as_str(),
                        crate::content::ContentKind::Enclosure,
                        &file,
                    )
                    .await?;
                    if let Some(bytes) = bytes {
                        payload.insert(format!("{folder}/files/{file}"), bytes);
                    }
                }
                let events: Vec<Vec<u8>> = sqlx::query_scalar(
                    "SELECT bytes FROM events WHERE org_id = $1 AND document_id = $2 ORDER BY seq",
                )
                .bind(org.as_str())
                .bind(&id)
                .fetch_all(&self.pool)
                .await?;
                let mut lines = Vec::new();
                for event in events {
                    lines.extend_from_slice(&event);
                    lines.push(b'\n');
                }
                payload.insert(format!("{folder}/events.jsonl"), lines);
                let subject = item.subject.clone().unwrap_or_default();
                let number = item
                    .number
                    .map(|n| format!("{n}/{}", item.year))
                    .unwrap_or_default();
                let dublin_core = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n  <dc:identifier>{}</dc:identifier>\n  <dc:identifier>{}</dc:identifier>\n  <dc:title>{}</dc:title>\n  <dc:creator>{}</dc:creator>\n  <dc:date>{}</dc:date>\n  <dc:type>{}</dc:type>\n  <dc:format>application/pdf</dc:format>\n  <dc:language>th</dc:language>\n  <dc:rights>{}</dc:rights>\n</metadata>\n",
                    xml(&id),
                    xml(&format!(
                        "{} {number}",
                        item.register.as_deref().unwrap_or("")
                    )),
                    xml(&subject),
                    xml(config.organisation.name.as_str()),
                    item.year - saraban_core::thai::BUDDHIST_ERA_OFFSET,
                    xml(&item.kind),
                    xml(&item.class),
                );
                payload.insert(
                    format!("{folder}/dublin-core.xml"),
                    dublin_core.into_bytes(),
                );
                payload.insert(format!("{folder}/content.json"), content.into_bytes());
                list.push(item);
            }
            if done {
                break;
            }
        }
        let notes: Vec<(i64, String)> =
            sqlx::query("SELECT size, note FROM checkpoints WHERE org_id = $1 ORDER BY size")
                .bind(org.as_str())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| Ok((row.try_get("size")?, row.try_get("note")?)))
                .collect::<Result<_>>()?;
        for (size, note) in notes {
            payload.insert(format!("log/checkpoints/{size:012}.txt"), note.into_bytes());
        }
        if let Some(key) = self.verifier_key(org).await? {
            payload.insert("log/verifier-key.txt".into(), key.to_text().into_bytes());
        }
        payload.insert(
            "transfer-list.json".into(),
            serde_json::to_vec_pretty(&list)
                .map_err(|e| crate::StoreError::invariant(e.to_string()))?,
        );
        Ok(payload)
    }
}
