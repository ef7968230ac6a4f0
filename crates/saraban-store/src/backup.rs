//! Backups that restore and verify: a consistent snapshot of the database
//! taken while the server runs (SQLite's `VACUUM INTO`, PostgreSQL's
//! `pg_dump` in its custom format), the key folder with every
//! organisation's checkpoint file, and a manifest naming every file by
//! SHA-256 and each organisation's newest checkpoint. Secret keys are kept
//! only sealed under a passphrase (argon2id, ChaCha20-Poly1305), never in
//! the clear.
//!
//! The key folder is copied before the database is snapshotted: a
//! checkpoint is filed only after its batch commits, so every checkpoint
//! the copy holds is in the snapshot, and whatever was acknowledged before
//! the backup began is in both.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use chrono::{DateTime, Utc};
use saraban_core::ledger::sha256_hex;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::Audit;
use crate::error::{Result, StoreError};
use crate::store::{Store, redact};
use crate::writer::Backend;

/// The manifest's name in a backup folder.
pub const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "saraban-backup/1";
const SQLITE_FILE: &str = "database.sqlite";
const POSTGRES_FILE: &str = "database.pgdump";
const KEYS: &str = "keys";
/// The content store's objects, by key, in a backup of a local folder.
const CONTENT: &str = "content";
/// A sealed secret file's name: the file's own name and this.
const SEALED: &str = ".sealed";

/// What a backup holds, written last as `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub made_at: DateTime<Utc>,
    pub saraban_version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The newest migration the database had.
    pub migration: i64,
    pub organisations: Vec<OrganisationEntry>,
    /// How the secret keys are sealed: argon2id of the passphrase.
    pub sealing: Sealing,
    /// Every file but the manifest, by its path under the backup folder.
    pub files: Vec<FileEntry>,
    /// Where the content (PDFs, enclosures, signature images) was kept:
    /// a local folder's objects are copied under `content/`; an S3
    /// bucket is its own durable store, named here and not copied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrganisationEntry {
    pub org: String,
    /// The newest checkpoint the copied checkpoint file holds: the
    /// restored log must reach it.
    pub checkpoint: Option<NewestCheckpoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewestCheckpoint {
    pub size: u64,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sealing {
    pub kdf: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub salt: String,
    pub cipher: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// Sealed under the passphrase (a secret key).
    pub sealed: bool,
}

/// A restore that completed and what the audit of each organisation found.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub audits: Vec<Audit>,
}

impl Restored {
    /// Every organisation's records hold and reach the manifest's checkpoint.
    pub fn holds(&self) -> bool {
        self.audits.iter().all(Audit::holds) && self.short_of_checkpoint().is_empty()
    }

    /// The organisations whose restored log stops short of the newest
    /// checkpoint the backup's checkpoint file holds.
    pub fn short_of_checkpoint(&self) -> Vec<String> {
        self.manifest
            .organisations
            .iter()
            .filter_map(|entry| {
                let checkpoint = entry.checkpoint.as_ref()?;
                let audit = self.audits.iter().find(|audit| audit.org == entry.org)?;
                (audit.events < checkpoint.size).then(|| {
                    format!(
                        "{}: the log has {} events, the backup's checkpoint {}",
                        entry.org, audit.events, checkpoint.size
                    )
                })
            })
            .collect()
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |error| StoreError::io(path, error)
}

fn refused(reason: impl Into<String>) -> StoreError {
    StoreError::invalid("backup", reason)
}

/// The argon2id parameters of new backups (OWASP's second choice: 46 MiB,
/// one pass costs about as much as three of 19 MiB and is simpler).
fn new_sealing() -> Result<Sealing> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(StoreError::crypto)?;
    Ok(Sealing {
        kdf: "argon2id".into(),
        memory_kib: 47_104,
        iterations: 1,
        parallelism: 1,
        salt: hex::encode(salt),
        cipher: "chacha20poly1305".into(),
    })
}

/// The sealing key from the passphrase, as `sealing` says.
fn sealing_key(sealing: &Sealing, passphrase: &str) -> Result<Zeroizing<[u8; 32]>> {
    if sealing.kdf != "argon2id" || sealing.cipher != "chacha20poly1305" {
        return Err(refused(format!(
            "{MANIFEST}: keys sealed with {} and {}, which this saraban does not read",
            sealing.kdf, sealing.cipher
        )));
    }
    let params = Params::new(
        sealing.memory_kib,
        sealing.iterations,
        sealing.parallelism,
        Some(32),
    )
    .map_err(|e| refused(format!("{MANIFEST}: sealing: {e}")))?;
    let salt = hex::decode(&sealing.salt)
        .map_err(|_| refused(format!("{MANIFEST}: sealing: the salt is not hex")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut_slice())
        .map_err(StoreError::crypto)?;
    Ok(key)
}

/// `bytes` sealed: a fresh nonce, then the ciphertext bound to `path`.
fn seal(key: &[u8; 32], path: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(StoreError::crypto)?;
    let sealed = ChaCha20Poly1305::new(&chacha20poly1305::Key::from(*key))
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: bytes,
                aad: path.as_bytes(),
            },
        )
        .map_err(|_| StoreError::crypto("sealing a key file"))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

fn open_sealed(key: &[u8; 32], path: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let wrong = || {
        refused(format!(
            "the passphrase does not open {path} (a wrong passphrase, or the file was changed)"
        ))
    };
    if sealed.len() < 12 {
        return Err(wrong());
    }
    let (nonce, ciphertext) = sealed.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().expect("12 bytes");
    ChaCha20Poly1305::new(&chacha20poly1305::Key::from(*key))
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: path.as_bytes(),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| wrong())
}

/// Whether a key-folder file is public (checkpoint notes, certificates)
/// and copied as it is; every other file is sealed.
fn is_public(name: &str) -> bool {
    name.ends_with(".checkpoints") || name.ends_with(".pem")
}

/// A checkpoint file as read while it may be appended to: whole lines only.
fn whole_lines(mut bytes: Vec<u8>) -> Vec<u8> {
    let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    bytes.truncate(end);
    bytes
}

/// The newest note of a checkpoint file's text.
fn newest_note(text: &str) -> Option<NewestCheckpoint> {
    #[derive(Deserialize)]
    struct Filed {
        size: u64,
        note: String,
    }
    text.lines()
        .filter_map(|line| serde_json::from_str::<Filed>(line).ok())
        .max_by_key(|filed| filed.size)
        .map(|filed| NewestCheckpoint {
            size: filed.size,
            note: filed.note,
        })
}

/// Writes a new file, synced (owner-only when `secret`).
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io(path))
}

fn file_entry(root: &Path, path: &str, sealed: bool) -> Result<FileEntry> {
    let full = root.join(path);
    let bytes = std::fs::read(&full).map_err(io(&full))?;
    Ok(FileEntry {
        path: path.to_owned(),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
        sealed,
    })
}

/// A folder that is missing or empty, made if missing.
fn empty_folder(dir: &Path, what: &str) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(refused(format!(
                    "{what} {} is not empty; give a new folder",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io(dir))
        }
        Err(error) => Err(StoreError::io(dir, error)),
    }
}

/// A PostgreSQL URL without its password, and the password (for
/// `PGPASSWORD`, so that no command line shows it).
fn split_password(url: &str) -> (String, Option<String>) {
    if let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > scheme
        && let Some((user, password)) = url[scheme + 3..at].split_once(':')
    {
        return (
            format!("{}{user}{}", &url[..scheme + 3], &url[at..]),
            Some(password.to_owned()),
        );
    }
    (url.to_owned(), None)
}

/// Runs a PostgreSQL client program on `url`; its stderr in the error.
async fn postgres_tool(program: &str, args: &[&str], url: &str) -> Result<()> {
    let (url, password) = split_password(url);
    let mut command = std::process::Command::new(program);
    command.args(args).arg(format!("--dbname={url}"));
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| StoreError::invariant(format!("{program}: {e}")))?
        .map_err(|e| {
            StoreError::io(
                PathBuf::from(program),
                std::io::Error::new(e.kind(), format!("{e} (is PostgreSQL's client installed?)")),
            )
        })?;
    if !output.status.success() {
        return Err(StoreError::invariant(format!(
            "{program} on {} failed: {}",
            redact(&url),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

impl Store {
    /// Backs up this store, which `database_url` names, into the new or
    /// empty folder `to`, while it keeps working. The secret keys are
    /// sealed under `passphrase`.
    pub async fn backup(
        &self,
        database_url: &str,
        to: &Path,
        passphrase: &str,
    ) -> Result<Manifest> {
        if passphrase.is_empty() {
            return Err(refused("the passphrase is empty"));
        }
        let folder = self.key_folder().ok_or_else(|| {
            refused("no key folder: the records cannot be proven without it; give --keys")
        })?;
        empty_folder(to, "the backup folder")?;
        let orgs = self.organisation_ids().await?;
        let made_at = Utc::now();
        let sealing = new_sealing()?;
        let key = sealing_key(&sealing, passphrase)?;

        // The key folder first (see the module's comment).
        let keys_dir = to.join(KEYS);
        std::fs::create_dir_all(&keys_dir).map_err(io(&keys_dir))?;
        let mut files = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(folder.dir()).map_err(io(folder.dir()))? {
            let entry = entry.map_err(io(folder.dir()))?;
            if entry.file_type().map_err(io(folder.dir()))?.is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        let mut newest: BTreeMap<String, NewestCheckpoint> = BTreeMap::new();
        for name in &names {
            // A seal being replaced leaves `.new` files for a moment.
            if name.ends_with(".new") {
                continue;
            }
            let source = folder.dir().join(name);
            let bytes = Zeroizing::new(std::fs::read(&source).map_err(io(&source))?);
            if let Some(org) = name.strip_suffix(".checkpoints") {
                let bytes = whole_lines(bytes.to_vec());
                if let Some(note) = newest_note(&String::from_utf8_lossy(&bytes)) {
                    newest.insert(org.to_owned(), note);
                }
                let path = format!("{KEYS}/{name}");
                write_file(&to.join(&path), &bytes, false)?;
                files.push(file_entry(to, &path, false)?);
            } else if is_public(name) {
                let path = format!("{KEYS}/{name}");
                write_file(&to.join(&path), &bytes, false)?;
                files.push(file_entry(to, &path, false)?);
            } else {
                let path = format!("{KEYS}/{name}{SEALED}");
                write_file(&to.join(&path), &seal(&key, &path, &bytes)?, true)?;
                files.push(file_entry(to, &path, true)?);
            }
        }
        // Nothing proves an organisation's records without its key.
        let missing: Vec<String> = orgs
            .iter()
            .filter(|org| !names.contains(&format!("{org}.key")))
            .map(|org| format!("{}/{org}.key", folder.dir().display()))
            .collect();
        if !missing.is_empty() {
            return Err(refused(format!(
                "the key folder lacks the signing key of {}",
                missing.join(", ")
            )));
        }

        let database_file = match self.backend() {
            Backend::Sqlite => {
                let path = to.join(SQLITE_FILE);
                let text = path
                    .to_str()
                    .ok_or_else(|| refused(format!("{} is not a UTF-8 path", path.display())))?;
                // One read transaction: a consistent copy while the writer
                // goes on.
                sqlx::query("VACUUM INTO $1")
                    .bind(text)
                    .execute(&self.pool)
                    .await?;
                SQLITE_FILE
            }
            Backend::Postgres => {
                let path = to.join(POSTGRES_FILE);
                let text = path.to_string_lossy().into_owned();
                // One repeatable-read snapshot of the whole database.
                postgres_tool(
                    "pg_dump",
                    &[
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        "--file",
                        &text,
                    ],
                    database_url,
                )
                .await?;
                POSTGRES_FILE
            }
        };
        files.push(file_entry(to, database_file, false)?);
        // The content the snapshot names, after it: objects are put before
        // the rows that name them commit, so each is there to copy.
        let content = match self.content.folder() {
            Some(_) => {
                let named = match self.backend() {
                    Backend::Sqlite => {
                        let snapshot =
                            format!("sqlite://{}?mode=ro", to.join(SQLITE_FILE).display());
                        let pool = sqlx::AnyPool::connect(&snapshot).await?;
                        let named = named_objects(&pool).await;
                        pool.close().await;
                        named?
                    }
                    Backend::Postgres => named_objects(&self.pool).await?,
                };
                for (org, kind, sha256) in named {
                    let key = crate::content::ContentStore::key(&org, kind, &sha256);
                    let bytes = self
                        .content
                        .get(&org, kind, &sha256)
                        .await?
                        .ok_or_else(|| {
                            refused(format!("the content store lacks the object {key}"))
                        })?;
                    let path = format!("{CONTENT}/{key}");
                    let file = to.join(&path);
                    if let Some(folder) = file.parent() {
                        std::fs::create_dir_all(folder).map_err(io(folder))?;
                    }
                    write_file(&file, &bytes, false)?;
                    files.push(FileEntry {
                        path,
                        sha256: sha256_hex(&bytes),
                        bytes: bytes.len() as u64,
                        sealed: false,
                    });
                }
                CONTENT.to_owned()
            }
            None => self.content.place().to_string(),
        };
        let migration = sqlx::query_scalar::<_, i64>("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await?;
        let manifest = Manifest {
            format: FORMAT.into(),
            made_at,
            saraban_version: env!("CARGO_PKG_VERSION").into(),
            database: match self.backend() {
                Backend::Sqlite => "sqlite".into(),
                Backend::Postgres => "postgres".into(),
            },
            migration,
            organisations: orgs
                .iter()
                .map(|org| OrganisationEntry {
                    org: org.to_string(),
                    checkpoint: newest.remove(org.as_str()),
                })
                .collect(),
            sealing,
            files,
            content: Some(content),
        };
        let text = serde_json::to_vec_pretty(&manifest).expect("serialisable");
        let beside = to.join(format!("{MANIFEST}.new"));
        write_file(&beside, &text, false)?;
        let path = to.join(MANIFEST);
        std::fs::rename(&beside, &path).map_err(io(&path))?;
        Ok(manifest)
    }
}

/// Reads a backup's manifest and holds every file to it: each present,
/// each hashing to its entry, and each organisation's key and checkpoint
/// file there. Every problem is named, together.
pub fn check_backup(from: &Path) -> Result<Manifest> {
    let path = from.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|e| {
        refused(format!(
            "{}: {} ({e}); is this a saraban backup?",
            path.display(),
            if e.kind() == std::io::ErrorKind::NotFound {
                "missing"
            } else {
                "unreadable"
            }
        ))
    })?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| refused(format!("{}: {e}", path.display())))?;
    if manifest.format != FORMAT {
        return Err(refused(format!(
            "{}: format '{}', this saraban reads {FORMAT}",
            path.display(),
            manifest.format
        )));
    }
    let mut problems = Vec::new();
    for file in &manifest.files {
        match std::fs::read(from.join(&file.path)) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                problems.push(format!("{} is missing", file.path));
            }
            Err(error) => problems.push(format!("{} cannot be read: {error}", file.path)),
            Ok(bytes) if sha256_hex(&bytes) != file.sha256 => problems.push(format!(
                "{} is corrupted: its SHA-256 is not the manifest's",
                file.path
            )),
            Ok(_) => {}
        }
    }
    let listed = |path: &str| manifest.files.iter().any(|file| file.path == path);
    for entry in &manifest.organisations {
        let key = format!("{KEYS}/{}.key{SEALED}", entry.org);
        if !listed(&key) || !from.join(&key).is_file() {
            problems.push(format!(
                "the signing key of {} ({key}) is missing: its records could not be proven",
                entry.org
            ));
        }
        let checkpoints = format!("{KEYS}/{}.checkpoints", entry.org);
        if entry.checkpoint.is_some()
            && (!listed(&checkpoints) || !from.join(&checkpoints).is_file())
        {
            problems.push(format!(
                "the checkpoint file of {} ({checkpoints}) is missing",
                entry.org
            ));
        }
    }
    let database = match manifest.database.as_str() {
        "sqlite" => SQLITE_FILE,
        "postgres" => POSTGRES_FILE,
        other => return Err(refused(format!("{MANIFEST}: unknown database '{other}'"))),
    };
    if !listed(database) {
        problems.push(format!("the database snapshot ({database}) is missing"));
    }
    if !problems.is_empty() {
        problems.sort();
        problems.dedup();
        return Err(refused(format!(
            "{} does not restore: {}",
            from.display(),
            problems.join("; ")
        )));
    }
    Ok(manifest)
}

/// Whether the database at `url` is empty (a SQLite file that does not
/// exist yet, or is empty; a PostgreSQL database without tables).
async fn is_empty_database(url: &str) -> Result<bool> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_one(&mut conn)
        .await?;
        let _ = sqlx::Connection::close(conn).await;
        return Ok(tables == 0);
    }
    let path = sqlite_path(url)?;
    Ok(std::fs::metadata(&path).map_or(true, |meta| meta.len() == 0))
}

/// The file a SQLite URL (or plain path) names.
fn sqlite_path(url: &str) -> Result<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Err(StoreError::invalid(
            "db",
            format!("'{}' names no database file", redact(url)),
        ));
    }
    Ok(PathBuf::from(path))
}

/// Every object the content tables name: (organisation, kind, hash).
async fn named_objects(
    pool: &sqlx::AnyPool,
) -> Result<Vec<(String, crate::content::ContentKind, String)>> {
    use sqlx::Row;
    let mut named = Vec::new();
    for kind in crate::content::ContentKind::ALL {
        let sql = format!(
            "SELECT org_id, {column} AS sha256 FROM {} ORDER BY org_id, {column}",
            kind.table(),
            column = kind.hash_column()
        );
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?
        {
            named.push((row.try_get("org_id")?, kind, row.try_get("sha256")?));
        }
    }
    Ok(named)
}

/// Restores the backup in `from` into the empty database `database_url`,
/// the new or empty key folder `keys` and the content store `content`
/// (default: beside a SQLite file), then audits every organisation
/// against the manifest's checkpoints. The caller reports success only if
/// the result `holds`.
pub async fn restore(
    from: &Path,
    database_url: &str,
    keys: &Path,
    passphrase: &str,
    content: Option<&crate::content::ContentPlace>,
) -> Result<Restored> {
    let manifest = check_backup(from)?;
    let backend =
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            "postgres"
        } else {
            "sqlite"
        };
    if backend != manifest.database {
        return Err(refused(format!(
            "the backup is of a {} database; --db names a {backend} one",
            manifest.database
        )));
    }
    if !is_empty_database(database_url).await? {
        return Err(StoreError::invalid(
            "db",
            format!(
                "{} is not empty; restore into a new database",
                redact(database_url)
            ),
        ));
    }
    // Every key opened before anything is written.
    let key = sealing_key(&manifest.sealing, passphrase)?;
    let mut opened = Vec::new();
    for file in manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with(&format!("{KEYS}/")))
    {
        let bytes = std::fs::read(from.join(&file.path)).map_err(io(&from.join(&file.path)))?;
        let name = file.path[KEYS.len() + 1..].to_owned();
        if file.sealed {
            let name = name.strip_suffix(SEALED).unwrap_or(&name).to_owned();
            opened.push((name, open_sealed(&key, &file.path, &bytes)?, true));
        } else {
            opened.push((name, Zeroizing::new(bytes), false));
        }
    }
    empty_folder(keys, "--keys")?;
    for (name, bytes, secret) in &opened {
        write_file(&keys.join(name), bytes, *secret)?;
    }
    match manifest.database.as_str() {
        "sqlite" => {
            let target = sqlite_path(database_url)?;
            let source = from.join(SQLITE_FILE);
            std::fs::copy(&source, &target).map_err(io(&target))?;
            std::fs::File::open(&target)
                .and_then(|file| file.sync_all())
                .map_err(io(&target))?;
        }
        _ => {
            let source = from.join(POSTGRES_FILE);
            postgres_tool(
                "pg_restore",
                &[
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    &source.to_string_lossy(),
                ],
                database_url,
            )
            .await?;
        }
    }
    // The copied objects go into the content store (a folder or a bucket)
    // before the database that names them is opened.
    let place = match content {
        Some(place) => place.clone(),
        None => crate::content::ContentPlace::beside(database_url)?,
    };
    let objects = crate::content::ContentStore::open(&place)?;
    for file in manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with(&format!("{CONTENT}/")))
    {
        let key = &file.path[CONTENT.len() + 1..];
        let Some((org, kind, sha256)) = crate::content::named(key) else {
            return Err(refused(format!(
                "{}: not a content object's key",
                file.path
            )));
        };
        let path = from.join(&file.path);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        objects.put(&org, kind, &sha256, bytes).await?;
    }
    // A bucket's backup holds no objects: they stay in the bucket it names.
    // Restored onto another store, the objects the database names are
    // copied across from there (those missing in both are verify's to name).
    if let Some(source) = manifest.content.as_deref().filter(|c| *c != CONTENT) {
        let source = crate::content::ContentPlace::parse(source)?;
        if source.to_string() != place.to_string() {
            let source = crate::content::ContentStore::open(&source)?;
            let pool = sqlx::AnyPool::connect(database_url).await?;
            let named = named_objects(&pool).await;
            pool.close().await;
            for (org, kind, sha256) in named? {
                if objects.get(&org, kind, &sha256).await?.is_none()
                    && let Some(bytes) = source.get(&org, kind, &sha256).await?
                {
                    objects.put(&org, kind, &sha256, bytes).await?;
                }
            }
        }
    }
    let store = Store::open_with_content(database_url, Some(&place)).await?;
    store.use_key_folder(keys)?;
    let orgs: Vec<String> = store
        .organisation_ids()
        .await?
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected: Vec<String> = manifest
        .organisations
        .iter()
        .map(|o| o.org.clone())
        .collect();
    let mut audits = Vec::new();
    for entry in &manifest.organisations {
        if !orgs.contains(&entry.org) {
            store.close().await;
            return Err(refused(format!(
                "the restored database lacks the organisation {}",
                entry.org
            )));
        }
        let org = saraban_core::OrgId::parse(&entry.org)
            .map_err(|_| refused(format!("{MANIFEST}: '{}' is no organisation id", entry.org)))?;
        let kept: Vec<String> = entry.checkpoint.iter().map(|c| c.note.clone()).collect();
        // The audit holds the log to the manifest's checkpoint (`kept`).
        audits.push(store.audit_against(&org, &kept).await?);
    }
    let unexpected: Vec<&String> = orgs.iter().filter(|org| !expected.contains(org)).collect();
    store.close().await;
    if !unexpected.is_empty() {
        return Err(refused(format!(
            "the restored database holds organisations the manifest does not name: {unexpected:?}"
        )));
    }
    Ok(Restored { manifest, audits })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_passphrase_and_under_its_name() {
        let sealing = new_sealing().unwrap();
        let key = sealing_key(&sealing, "right").unwrap();
        let sealed = seal(&key, "keys/org.key.sealed", b"secret seed").unwrap();
        assert!(!sealed.windows(11).any(|w| w == b"secret seed"));
        assert_eq!(
            open_sealed(&key, "keys/org.key.sealed", &sealed)
                .unwrap()
                .as_slice(),
            b"secret seed"
        );
        let wrong = sealing_key(&sealing, "wrong").unwrap();
        assert!(open_sealed(&wrong, "keys/org.key.sealed", &sealed).is_err());
        // Renamed to pass for another organisation's key: refused.
        assert!(open_sealed(&key, "keys/other.key.sealed", &sealed).is_err());
    }

    #[test]
    fn a_checkpoint_file_copied_mid_append_keeps_whole_lines() {
        let text =
            b"{\"size\":3,\"note\":\"a\"}\n{\"size\":9,\"note\":\"b\"}\n{\"size\":1".to_vec();
        let kept = whole_lines(text);
        let kept = String::from_utf8(kept).unwrap();
        assert!(kept.ends_with("\"b\"}\n"));
        let newest = newest_note(&kept).unwrap();
        assert_eq!((newest.size, newest.note.as_str()), (9, "b"));
    }

    #[test]
    fn a_postgres_password_goes_to_the_environment_not_the_command_line() {
        assert_eq!(
            split_password("postgres://saraban:s3cret@db:5432/saraban"),
            (
                "postgres://saraban@db:5432/saraban".to_owned(),
                Some("s3cret".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://saraban@db/saraban"),
            ("postgres://saraban@db/saraban".to_owned(), None)
        );
    }
}
