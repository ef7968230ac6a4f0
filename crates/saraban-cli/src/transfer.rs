//! `saraban transfer`: the package of documents of permanent value due
//! for the National Archives (บัญชีส่งมอบหนังสือครบ ๒๕ ปี) by the end of a
//! B.E. year, written as a BagIt bag (RFC 8493); `verify-bundle` checks
//! one (`check_bag`), as any BagIt validator can.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use saraban_core::bagit;

use crate::engine::{Database, failed, open, runtime};
use crate::usage_error::UsageError;

#[derive(Debug, Args)]
pub struct TransferArgs {
    #[command(flatten)]
    pub db: Database,
    #[arg(long, env = "SARABAN_ORG")]
    pub org: String,
    /// The B.E. year whose end the documents' age is counted to.
    #[arg(long)]
    pub year: i32,
    /// An empty or new folder to write the bag into.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

pub fn run(args: TransferArgs) -> Result<ExitCode, UsageError> {
    saraban_core::BuddhistYear::new(args.year).map_err(|e| UsageError(format!("--year: {e}")))?;
    let target = &args.output;
    if target.is_file()
        || std::fs::read_dir(target).is_ok_and(|mut entries| entries.next().is_some())
    {
        return Err(UsageError(format!(
            "-o: {} already exists and is not an empty folder",
            target.display()
        )));
    }
    let (payload, name) = runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let org = crate::engine::org_id(&args.org)?;
        let payload = store
            .transfer_payload(&org, args.year)
            .await
            .map_err(failed);
        let name = store
            .org_config(&org)
            .await
            .map(|c| c.organisation.name.to_string())
            .map_err(failed);
        store.close().await;
        Ok::<_, UsageError>((payload?, name?))
    })?;
    let documents = payload
        .keys()
        .filter(|p| p.ends_with("/events.jsonl"))
        .count();
    let today = saraban_core::clock::thai_date(chrono::Utc::now()).to_string();
    let files = bagit::bag(
        &payload,
        &[
            ("Source-Organization", name),
            (
                "External-Description",
                format!(
                    "บัญชีส่งมอบหนังสือครบกำหนด ประจำปี พ.ศ. {}: {documents} documents",
                    args.year
                ),
            ),
        ],
        &today,
    );
    write_all(target, &files)
        .map_err(|e| UsageError(format!("cannot write {}: {e}", target.display())))?;
    eprintln!("wrote {}: {documents} documents", target.display());
    Ok(ExitCode::SUCCESS)
}

fn write_all(target: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    for (path, bytes) in files {
        let path = target.join(path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// Every file under `dir`, as `/`-separated paths relative to it.
pub(crate) fn files_under(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push(parts.join("/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A transfer bag checked: the bag (RFC 8493), then each document
/// against its events. Exit 0 when it holds, 1 when not.
pub fn check_bag(dir: &Path) -> Result<ExitCode, UsageError> {
    let files =
        files_under(dir).map_err(|e| UsageError(format!("cannot read {}: {e}", dir.display())))?;
    let read = |path: &str| -> Result<Vec<u8>, String> {
        // Only names the bag's own listing holds are read.
        if !files.iter().any(|f| f == path) {
            return Err("not in the bag".into());
        }
        std::fs::read(dir.join(path)).map_err(|e| e.to_string())
    };
    let mut problems = bagit::check(&files, &read);
    problems.extend(bagit::check_transfer(&files, &read));
    if problems.is_empty() {
        println!("{}: the bag and its documents hold", dir.display());
        Ok(ExitCode::SUCCESS)
    } else {
        for problem in &problems {
            println!("{problem}");
        }
        Ok(ExitCode::from(1))
    }
}
