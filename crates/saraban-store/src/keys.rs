//! The keys that sign: an organisation's checkpoint key, kept in a folder
//! outside the database, and the approval keys people unlocked in this
//! process. Knows no database and no `Store`.
//!
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

use saraban_core::checkpoint::SignerKey;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

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
    /// The folder `dir`, made if missing.
    pub(crate) fn open(dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(KeyFolder {
            dir,
            signers: Mutex::new(HashMap::new()),
        })
    }

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
        let signer =
            Arc::new(SignerKey::parse(text.trim()).map_err(|e| {
                StoreError::corrupt("key file", format!("{}: {e}", path.display()))
            })?);
        signers.insert(org.to_owned(), signer.clone());
        Ok(Some(signer))
    }

    /// The organisation's key, made now if it has none (readable by the
    /// owner only; an existing key is never replaced).
    pub(crate) fn ensure(&self, org: &str) -> Result<Arc<SignerKey>> {
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

    /// Adds a note to the end of the organisation's checkpoint file. Not
    /// synced: the note is already durable in the database, and one lost
    /// from the file by a crash is filed late on the next start.
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
                        StoreError::corrupt(
                            "checkpoint note",
                            format!("{} line {}: {e}", path.display(), i + 1),
                        )
                    })
            })
            .collect()
    }
}

/// Unlocked approval keys of this process, by (organisation, person).
pub(crate) type Unlocked = Arc<Mutex<HashMap<(String, String), Arc<SignerKey>>>>;

/// A signature image its owner opened by signing in: the PNG as
/// registered and its SHA-256 (hex), which an approval's event records.
#[derive(Debug, Clone)]
pub struct Ink {
    pub sha256: String,
    pub png: Arc<Vec<u8>>,
}

/// Signature images opened in this process, by (organisation, person).
pub(crate) type Inks = Arc<Mutex<HashMap<(String, String), Ink>>>;
