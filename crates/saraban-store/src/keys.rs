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
use saraban_seal::{Certificate, SigningIdentity};
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
/// they signed (`ORG.checkpoints`, one JSON line each), and of each
/// organisation's PAdES seal (`ORG.seal.key`, `ORG.seal.pem`,
/// `ORG.seal-ca.key`, `ORG.seal-ca.pem`).
#[derive(Debug)]
pub(crate) struct KeyFolder {
    dir: PathBuf,
    signers: Mutex<HashMap<String, Arc<SignerKey>>>,
    seals: Mutex<HashMap<String, Arc<SigningIdentity>>>,
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
            seals: Mutex::new(HashMap::new()),
        })
    }

    /// The folder itself.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
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

/// The files of an organisation's PAdES seal in the key folder: the
/// signing key and its chain (leaf first), and the self-issued CA that
/// `ensure_seal` makes (whose key stays here, owner-only, to issue the
/// next signing certificate).
struct SealFiles {
    key: PathBuf,
    chain: PathBuf,
    ca_key: PathBuf,
    ca_certificate: PathBuf,
}

impl KeyFolder {
    fn seal_files(&self, org: &str) -> SealFiles {
        SealFiles {
            key: self.dir.join(format!("{org}.seal.key")),
            chain: self.dir.join(format!("{org}.seal.pem")),
            ca_key: self.dir.join(format!("{org}.seal-ca.key")),
            ca_certificate: self.dir.join(format!("{org}.seal-ca.pem")),
        }
    }

    /// The organisation's seal (PAdES signing key and chain), if it has one.
    pub(crate) fn seal(&self, org: &str) -> Result<Option<Arc<SigningIdentity>>> {
        if let Some(seal) = self.seals.lock().expect("seal cache").get(org) {
            return Ok(Some(seal.clone()));
        }
        let files = self.seal_files(org);
        let key = match std::fs::read_to_string(&files.key) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error(&files.key, error)),
        };
        let chain = std::fs::read_to_string(&files.chain).map_err(|e| io_error(&files.chain, e))?;
        let seal =
            Arc::new(SigningIdentity::from_pem(&key, &chain).map_err(|e| {
                StoreError::corrupt("seal", format!("{}: {e}", files.key.display()))
            })?);
        self.seals
            .lock()
            .expect("seal cache")
            .insert(org.to_owned(), seal.clone());
        Ok(Some(seal))
    }

    /// The organisation's seal, made now if it has none: a self-issued CA
    /// named after the organisation and a signing certificate from it.
    /// An existing seal (made here or imported) is never replaced.
    pub(crate) fn ensure_seal(
        &self,
        org: &str,
        name: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Arc<SigningIdentity>> {
        if let Some(seal) = self.seal(org)? {
            return Ok(seal);
        }
        let (ca, signing) = saraban_seal::self_issued(name, org, now)
            .map_err(|e| StoreError::crypto(format!("seal for {org}: {e}")))?;
        let files = self.seal_files(org);
        let (ca_key, ca_certificate) = ca.to_pem().map_err(StoreError::crypto)?;
        write_new(&files.ca_key, ca_key.as_bytes(), true)?;
        write_new(&files.ca_certificate, ca_certificate.as_bytes(), false)?;
        self.install_seal(org, &signing)
    }

    /// Installs `seal` as the organisation's, replacing the one it had
    /// (an imported certificate from a real CA).
    pub(crate) fn install_seal(
        &self,
        org: &str,
        seal: &SigningIdentity,
    ) -> Result<Arc<SigningIdentity>> {
        let files = self.seal_files(org);
        let (key, chain) = seal.to_pem().map_err(StoreError::crypto)?;
        // The chain first, so that a crash between leaves the old key with
        // a chain it does not match: refused on reading, never used.
        replace(&files.chain, chain.as_bytes(), false)?;
        replace(&files.key, key.as_bytes(), true)?;
        self.seals.lock().expect("seal cache").remove(org);
        self.seal(org)?
            .ok_or_else(|| StoreError::invariant("a seal just written is not there"))
    }

    /// The certificates an organisation's seals are checked against: its
    /// self-issued CA, and the top of its seal's chain.
    pub(crate) fn seal_anchors(&self, org: &str) -> Result<Vec<Certificate>> {
        let mut anchors = Vec::new();
        let files = self.seal_files(org);
        match std::fs::read_to_string(&files.ca_certificate) {
            Ok(text) => anchors.extend(
                saraban_seal::certificates_from_pem(&text)
                    .map_err(|e| StoreError::corrupt("seal CA", e))?,
            ),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io_error(&files.ca_certificate, error)),
        }
        if let Some(seal) = self.seal(org)?
            && let Some(top) = seal.chain().last()
            && !anchors.contains(top)
        {
            anchors.push(top.clone());
        }
        Ok(anchors)
    }
}

/// Writes a file that must not exist yet (owner-only when `secret`).
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(path, e))
}

/// Writes a file whole beside `path` and renames it into place.
fn replace(path: &Path, bytes: &[u8], secret: bool) -> Result<()> {
    let beside = path.with_extension("new");
    std::fs::remove_file(&beside).ok();
    write_new(&beside, bytes, secret)?;
    std::fs::rename(&beside, path).map_err(|e| io_error(path, e))
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

/// The RFC 3161 authority whose token a seal carries: its address and the
/// HTTP client that asks it, made once when it is set (a client keeps its
/// connections between issues).
#[derive(Debug, Clone)]
pub(crate) struct TimestampAuthority {
    pub(crate) url: String,
    pub(crate) client: reqwest::Client,
}
