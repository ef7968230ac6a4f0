//! Signed checkpoints of an organisation's log: made, read, and the key
//! that verifies them.

use std::path::PathBuf;
use std::sync::Arc;

use saraban_core::checkpoint::VerifierKey;
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

    /// Makes the organisation's signing key if it has none, and records
    /// its verifier key in the database for anyone to read.
    pub async fn ensure_signing_key(&self, org: &str) -> Result<Option<VerifierKey>> {
        let Some(keys) = self.key_folder() else {
            return Ok(None);
        };
        let verifier = keys.ensure(org)?.verifier();
        sqlx::query("UPDATE organisations SET verifier_key = $1 WHERE id = $2")
            .bind(verifier.to_text())
            .bind(org)
            .execute(&self.pool)
            .await?;
        Ok(Some(verifier))
    }

    /// The key that verifies the organisation's checkpoints: from the key
    /// folder when the store has one, else as recorded in the database.
    pub async fn verifier_key(&self, org: &str) -> Result<Option<VerifierKey>> {
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
    pub async fn checkpoint(&self, org: &str) -> Result<Option<u64>> {
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
    pub async fn latest_checkpoint(&self, org: &str) -> Result<Option<String>> {
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
}
