//! `saraban backup --to DIR`, `saraban restore DIR --db URL`, and the
//! server's scheduled backups (`serve --backup-every 1h --backup-to DIR
//! --backup-keep N`). The snapshot, the manifest and the sealing are the
//! store's (`Store::backup`, `saraban_store::restore`); this names the
//! passphrase's sources and says what happened.
//!
//! The passphrase comes from `SARABAN_BACKUP_PASSPHRASE`, a file
//! (`--passphrase-file`), or the terminal (or standard input's first
//! line); never from an argument, which `ps` would show.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use saraban_store::Store;
use zeroize::Zeroizing;

use crate::engine::{Database, open, runtime};
use crate::usage_error::UsageError;

const PASSPHRASE_ENV: &str = "SARABAN_BACKUP_PASSPHRASE";
/// Scheduled backups' folders are named this and their UTC time.
const SCHEDULED_PREFIX: &str = "saraban-backup-";

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    db: Database,
    /// A new or empty folder to write the backup into.
    #[arg(long)]
    to: PathBuf,
    /// A file whose first line is the passphrase the keys are sealed under
    /// [default: SARABAN_BACKUP_PASSPHRASE, else asked]
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup folder (with manifest.json).
    from: PathBuf,
    /// The empty database to restore into: sqlite://FILE (a new file) or
    /// postgres://… (a database without tables).
    #[arg(long)]
    db: String,
    /// The new or empty folder the keys and checkpoint files go to
    /// [default: beside a SQLite file, FILE.keys; required for PostgreSQL]
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Where PDFs, enclosures and signature images are kept: a folder, or
    /// s3://bucket/prefix (credentials, endpoint and region from AWS_*)
    /// [default: beside a SQLite file, FILE.content; required for PostgreSQL]
    #[arg(long, env = "SARABAN_STORE")]
    store: Option<String>,
    /// A file whose first line is the backup's passphrase [default:
    /// SARABAN_BACKUP_PASSPHRASE, else asked]
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

/// The passphrase, from the environment, a file, or asked.
pub(crate) fn passphrase(file: Option<&Path>) -> Result<Zeroizing<String>, UsageError> {
    let text = match (file, std::env::var(PASSPHRASE_ENV)) {
        (Some(file), _) => {
            let text = Zeroizing::new(std::fs::read_to_string(file).map_err(|e| {
                UsageError(format!(
                    "--passphrase-file: cannot read {}: {e}",
                    file.display()
                ))
            })?);
            Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
        }
        (None, Ok(text)) => Zeroizing::new(text),
        (None, Err(_)) => Zeroizing::new(crate::secret::read_secret("backup passphrase: ")?),
    };
    if text.is_empty() {
        return Err(UsageError(
            "the backup passphrase is empty: set SARABAN_BACKUP_PASSPHRASE or --passphrase-file"
                .into(),
        ));
    }
    Ok(text)
}

pub fn backup(args: BackupArgs) -> Result<(), UsageError> {
    let passphrase = passphrase(args.passphrase_file.as_deref())?;
    runtime()?.block_on(async move {
        let store = open(&args.db).await?;
        let started = std::time::Instant::now();
        let manifest = store
            .backup(&args.db.db, &args.to, &passphrase)
            .await
            .map_err(|e| UsageError(e.to_string()))?;
        store.close().await;
        let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
        println!(
            "backed up to {} in {:.1} s: {} files, {} bytes",
            args.to.display(),
            started.elapsed().as_secs_f64(),
            manifest.files.len(),
            bytes
        );
        for entry in &manifest.organisations {
            match &entry.checkpoint {
                Some(checkpoint) => println!("  {}: checkpoint {}", entry.org, checkpoint.size),
                None => println!("  {}: no checkpoint yet", entry.org),
            }
        }
        Ok(())
    })
}

pub fn restore(args: RestoreArgs) -> Result<ExitCode, UsageError> {
    let keys = args
        .keys
        .clone()
        .or_else(|| saraban_store::default_key_folder(&args.db))
        .ok_or_else(|| UsageError("--keys: give the folder the keys go to".into()))?;
    let passphrase = passphrase(args.passphrase_file.as_deref())?;
    runtime()?.block_on(async move {
        let place = crate::engine::content_place(args.store.as_deref())?;
        let restored =
            saraban_store::restore(&args.from, &args.db, &keys, &passphrase, place.as_ref())
                .await
                .map_err(|e| UsageError(e.to_string()))?;
        for audit in &restored.audits {
            println!(
                "{}: {} events, {} documents, {} checkpoints: {}",
                audit.org,
                audit.events,
                audit.documents,
                audit.checkpoints,
                if audit.holds() {
                    "holds"
                } else {
                    "does NOT hold"
                }
            );
            for finding in &audit.findings {
                println!("  {finding}");
            }
        }
        for short in restored.short_of_checkpoint() {
            println!("  {short}");
        }
        if restored.holds() {
            println!(
                "restored {} into {} (keys in {}): verify holds",
                args.from.display(),
                saraban_store::redact(&args.db),
                keys.display()
            );
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!("error: the restored records do NOT hold; do not use this database");
            Ok(ExitCode::from(1))
        }
    })
}

/// How often, where, and how many scheduled backups to keep.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub every: Duration,
    pub to: PathBuf,
    pub keep: usize,
    pub passphrase: Zeroizing<String>,
    pub database_url: String,
}

/// "90s", "30m", "1h", "2d" as a duration.
pub(crate) fn parse_every(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(number * seconds))
}

/// Backs `store` up every `schedule.every`, keeping the newest `keep`
/// backups; each outcome goes to the store's operations (the admin page
/// and `/metrics`) and the log. Runs until the process ends.
pub(crate) async fn run_schedule(store: Store, schedule: Schedule) {
    let mut ticks = tokio::time::interval(schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let at = chrono::Utc::now();
        let folder = schedule.to.join(format!(
            "{SCHEDULED_PREFIX}{}",
            at.format("%Y%m%dT%H%M%S%.3fZ")
        ));
        match store
            .backup(&schedule.database_url, &folder, &schedule.passphrase)
            .await
        {
            Ok(manifest) => {
                tracing::info!(folder = %folder.display(), files = manifest.files.len(), "backed up");
                // Pruned before it is told: whoever sees this backup
                // reported sees the old ones gone.
                if let Err(error) = prune(&schedule.to, schedule.keep) {
                    tracing::warn!("old backups not removed: {error}");
                }
                store
                    .operations()
                    .backup_succeeded(at, folder.display().to_string());
            }
            Err(error) => {
                tracing::error!(folder = %folder.display(), "backup failed: {error}");
                store.operations().backup_failed(at, error.to_string());
            }
        }
    }
}

/// Removes all but the newest `keep` complete scheduled backups in `dir`,
/// and any incomplete one older than the newest complete one.
fn prune(dir: &Path, keep: usize) -> std::io::Result<()> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SCHEDULED_PREFIX))
        })
        .collect();
    // The names sort as their times.
    backups.sort();
    let complete: Vec<&PathBuf> = backups
        .iter()
        .filter(|path| path.join(saraban_store::MANIFEST).is_file())
        .collect();
    let Some(newest) = complete.last() else {
        return Ok(());
    };
    let kept: Vec<&PathBuf> = complete.iter().rev().take(keep.max(1)).copied().collect();
    for path in &backups {
        if !kept.contains(&path) && path < *newest {
            std::fs::remove_dir_all(path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_durations() {
        assert_eq!(parse_every("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_every("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_every("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(parse_every("5s"), Some(Duration::from_secs(5)));
        for wrong in ["", "h", "0h", "1w", "-1h", "1.5h"] {
            assert_eq!(parse_every(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn pruning_keeps_the_newest_complete_backups() {
        let dir = std::env::temp_dir().join(format!("saraban-prune-{}", uuid_like()));
        for (name, complete) in [
            ("saraban-backup-20260101T000000.000Z", true),
            ("saraban-backup-20260102T000000.000Z", false),
            ("saraban-backup-20260103T000000.000Z", true),
            ("saraban-backup-20260104T000000.000Z", true),
            ("other", true),
        ] {
            std::fs::create_dir_all(dir.join(name)).unwrap();
            if complete {
                std::fs::write(dir.join(name).join(saraban_store::MANIFEST), "{}").unwrap();
            }
        }
        prune(&dir, 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "other",
                "saraban-backup-20260103T000000.000Z",
                "saraban-backup-20260104T000000.000Z"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn uuid_like() -> String {
        format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        )
    }
}
