//! Signed checkpoints of an organisation's log: made, read, and the key
//! that verifies them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use saraban_core::OrgId;
use saraban_core::checkpoint::{self, VerifierKey};
use saraban_core::merkle::{self, Frontier};
use sqlx::Row;

use crate::keys::KeyFolder;
use crate::writer::Writes;
use crate::{Result, Store, StoreError};

impl Store {
    /// Keeps signing keys and checkpoint files in `dir` (made if missing).
    /// Without it the store makes no checkpoints.
    pub fn use_key_folder(&self, dir: impl Into<PathBuf>) -> Result<()> {
        *self.keys.write().expect("keys") = Some(Arc::new(KeyFolder::open(dir.into())?));
        Ok(())
    }

    pub(crate) fn key_folder(&self) -> Option<Arc<KeyFolder>> {
        self.keys.read().expect("keys").clone()
    }

    /// Makes the organisation's signing key and its seal if it has none,
    /// and records its verifier key and seal chain in the database for
    /// anyone to read.
    pub async fn ensure_signing_key(&self, org: &OrgId) -> Result<Option<VerifierKey>> {
        self.ensure_keys(org, chrono::Utc::now()).await
    }

    /// `ensure_signing_key` at `at`: a seal made now is valid from then.
    pub(crate) async fn ensure_keys(
        &self,
        org: &OrgId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<VerifierKey>> {
        let org = org.as_str();
        let Some(keys) = self.key_folder() else {
            return Ok(None);
        };
        let verifier = keys.ensure(org)?.verifier();
        sqlx::query("UPDATE organisations SET verifier_key = $1 WHERE id = $2")
            .bind(verifier.to_text())
            .bind(org)
            .execute(&self.pool)
            .await?;
        // The seal of its issued PDFs is made with the checkpoint key.
        self.ensure_seal(org, at).await?;
        Ok(Some(verifier))
    }

    /// The key that verifies the organisation's checkpoints: from the key
    /// folder when the store has one, else as recorded in the database.
    pub async fn verifier_key(&self, org: &OrgId) -> Result<Option<VerifierKey>> {
        self.verifier_key_of(org.as_str()).await
    }

    pub(crate) async fn verifier_key_of(&self, org: &str) -> Result<Option<VerifierKey>> {
        if let Some(keys) = self.key_folder()
            && let Some(signer) = keys.signer(org)?
        {
            return Ok(Some(signer.verifier()));
        }
        let text: Option<String> =
            sqlx::query("SELECT verifier_key FROM organisations WHERE id = $1")
                .bind(org)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::not_found("organisation", org))?
                .get("verifier_key");
        text.map(|text| {
            VerifierKey::parse(&text).map_err(|e| StoreError::corrupt("verifier key", e))
        })
        .transpose()
    }

    /// Signs a checkpoint of the organisation's log now, if anything was
    /// appended since the last one. Returns the size it covers.
    pub async fn checkpoint(&self, org: &OrgId) -> Result<Option<u64>> {
        let org = org.as_str();
        let before = self.latest_checkpoint_size(org).await?;
        let owned = org.to_owned();
        self.writers
            .write(org, Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    batch.ledger.request_checkpoint(&owned);
                    Ok(())
                })
            })
            .await?;
        let after = self.latest_checkpoint_size(org).await?;
        Ok(after.filter(|size| Some(*size) != before))
    }

    async fn latest_checkpoint_size(&self, org: &str) -> Result<Option<u64>> {
        let size: Option<i64> =
            sqlx::query("SELECT MAX(size) AS size FROM checkpoints WHERE org_id = $1")
                .bind(org)
                .fetch_one(&self.pool)
                .await?
                .get("size");
        Ok(size.map(|size| size as u64))
    }

    /// The newest signed note of the organisation's log.
    pub async fn latest_checkpoint(&self, org: &OrgId) -> Result<Option<String>> {
        let org = org.as_str();
        Ok(
            sqlx::query(
                "SELECT note FROM checkpoints WHERE org_id = $1 ORDER BY size DESC LIMIT 1",
            )
            .bind(org)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.get("note")),
        )
    }

    /// Files the organisation's signed checkpoints that the database holds
    /// and the key folder's file lacks — a crash came between saving one
    /// and filing it — once each is checked: its signature against the
    /// organisation's key and its root against the log. Returns the sizes
    /// filed late. A note that fails either check is left for `verify` to
    /// report.
    pub async fn file_late_checkpoints(&self, org: &OrgId) -> Result<Vec<u64>> {
        let org = org.as_str();
        let Some(folder) = self.key_folder() else {
            return Ok(Vec::new());
        };
        let Some(signer) = folder.signer(org)? else {
            return Ok(Vec::new());
        };
        let filed: HashSet<u64> = folder
            .filed_notes(org)?
            .into_iter()
            .map(|(size, _)| size)
            .collect();
        let verifier = signer.verifier();
        let mut missing: BTreeMap<u64, (merkle::Hash, String)> = BTreeMap::new();
        for row in sqlx::query("SELECT size, note FROM checkpoints WHERE org_id = $1 ORDER BY size")
            .bind(org)
            .fetch_all(&self.pool)
            .await?
        {
            let size = row.try_get::<i64, _>("size")? as u64;
            if filed.contains(&size) {
                continue;
            }
            let note: String = row.try_get("note")?;
            if let Ok(signed) = checkpoint::open(&note, &verifier)
                && signed.size() == size
                && signed.origin() == crate::keys::origin(org)
            {
                missing.insert(size, (*signed.root(), note));
            }
        }
        let Some(&last) = missing.keys().next_back() else {
            return Ok(Vec::new());
        };
        let roots = self.prefix_roots(org, &missing, last).await?;
        let mut late = Vec::new();
        for (size, (root, note)) in &missing {
            if roots.get(size) == Some(root) {
                folder.file_note(org, *size, note)?;
                tracing::warn!(
                    org,
                    size,
                    "checkpoint filed late: it was signed and saved, and a crash came before it was filed"
                );
                late.push(*size);
            }
        }
        Ok(late)
    }

    /// The log's Merkle roots at each of `sizes`, reading its first `last`
    /// events a page at a time.
    async fn prefix_roots<T>(
        &self,
        org: &str,
        sizes: &BTreeMap<u64, T>,
        last: u64,
    ) -> Result<HashMap<u64, merkle::Hash>> {
        let mut frontier = Frontier::default();
        let mut roots = HashMap::new();
        while frontier.size() < last {
            let rows = sqlx::query(
                "SELECT bytes FROM events WHERE org_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT 4096",
            )
            .bind(org)
            .bind(frontier.size() as i64)
            .bind(last as i64)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                frontier.push(merkle::leaf_hash(&row.try_get::<Vec<u8>, _>("bytes")?));
                if sizes.contains_key(&frontier.size()) {
                    roots.insert(frontier.size(), frontier.root());
                }
            }
        }
        Ok(roots)
    }
}
