//! Signed checkpoints: an organisation's key, kept in a folder outside the
//! database, signs (origin, size, root) of its log as a C2SP signed note.
//! Each note goes into the database and, after the commit, onto the end of
//! a file beside the key, so that rewriting or cutting the log in the
//! database alone is caught against the file (and against any note a
//! verifier kept).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use saraban_core::checkpoint::{SignerKey, VerifierKey};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::writer::Writes;
use crate::{Result, Store, StoreError};

/// The origin line of an organisation's checkpoints, also its key's name.
pub fn origin(org: &str) -> String {
    format!("saraban/{org}")
}

/// Where an organisation's keys go when nobody says: beside a SQLite
/// database file (`saraban.db` → `saraban.db.keys/`); nowhere for a
/// server database, whose keys must be placed on purpose.
pub fn default_key_folder(url: &str) -> Option<PathBuf> {
    let path = match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(rest) => rest.split('?').next().unwrap_or_default(),
        None if url.contains("://") => return None,
        None => url,
    };
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.keys")))
}

/// The folder of signing keys (`ORG.key`, owner-only) and of the notes
/// they signed (`ORG.checkpoints`, one JSON line each).
#[derive(Debug)]
pub(crate) struct KeyFolder {
    dir: PathBuf,
    signers: Mutex<HashMap<String, Arc<SignerKey>>>,
}

/// A note as the checkpoint file keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct FiledNote {
    size: u64,
    note: String,
}

/// Where a store's keys are, once it is told (shared with its writers).
pub(crate) type SharedKeys = Arc<RwLock<Option<Arc<KeyFolder>>>>;

fn io_error(path: &Path, error: std::io::Error) -> StoreError {
    StoreError::io(path, error)
}

impl KeyFolder {
    fn key_path(&self, org: &str) -> PathBuf {
        self.dir.join(format!("{org}.key"))
    }

    fn notes_path(&self, org: &str) -> PathBuf {
        self.dir.join(format!("{org}.checkpoints"))
    }

    /// The organisation's signing key, if it has one.
    pub(crate) fn signer(&self, org: &str) -> Result<Option<Arc<SignerKey>>> {
        let mut signers = self.signers.lock().expect("key cache");
        if let Some(signer) = signers.get(org) {
            return Ok(Some(signer.clone()));
        }
        let path = self.key_path(org);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error(&path, error)),
        };
        let signer = Arc::new(
            SignerKey::parse(text.trim())
                .map_err(|e| StoreError::corrupt("key file", format!("{}: {e}", path.display())))?,
        );
        signers.insert(org.to_owned(), signer.clone());
        Ok(Some(signer))
    }

    /// The organisation's key, made now if it has none (readable by the
    /// owner only; an existing key is never replaced).
    fn ensure(&self, org: &str) -> Result<Arc<SignerKey>> {
        if let Some(signer) = self.signer(org)? {
            return Ok(signer);
        }
        let signer = SignerKey::generate(&origin(org))
            .map_err(|e| StoreError::crypto(format!("key for {org}: {e}")))?;
        let path = self.key_path(org);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(|e| io_error(&path, e))?;
        file.write_all(signer.to_text().as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error(&path, e))?;
        let signer = Arc::new(signer);
        self.signers
            .lock()
            .expect("key cache")
            .insert(org.to_owned(), signer.clone());
        Ok(signer)
    }

    /// Adds a note to the end of the organisation's checkpoint file.
    pub(crate) fn file_note(&self, org: &str, size: u64, note: &str) -> Result<()> {
        let path = self.notes_path(org);
        let line = serde_json::to_string(&FiledNote {
            size,
            note: note.to_owned(),
        })
        .expect("serialisable");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        file.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| io_error(&path, e))
    }

    /// The notes filed for an organisation, oldest first.
    pub(crate) fn filed_notes(&self, org: &str) -> Result<Vec<(u64, String)>> {
        let path = self.notes_path(org);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(io_error(&path, error)),
        };
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str::<FiledNote>(line)
                    .map(|filed| (filed.size, filed.note))
                    .map_err(|e| {
                        StoreError::corrupt("checkpoint note", format!("{} line {}: {e}", path.display(), i + 1))
                    })
            })
            .collect()
    }
}

impl Store {
    /// Keeps signing keys and checkpoint files in `dir` (made if missing).
    /// Without it the store makes no checkpoints.
    pub fn use_key_folder(&self, dir: impl Into<PathBuf>) -> Result<()> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        *self.keys.write().expect("keys") = Some(Arc::new(KeyFolder {
            dir,
            signers: Mutex::new(HashMap::new()),
        }));
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
                .get(0);
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
        self.write(org, Writes::AsItGoes, move |batch| {
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
        let size: Option<i64> = sqlx::query("SELECT MAX(size) FROM checkpoints WHERE org_id = $1")
            .bind(org)
            .fetch_one(&self.pool)
            .await?
            .get(0);
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
            .map(|row| row.get(0)),
        )
    }
}
