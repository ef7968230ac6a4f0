//! `saraban gc [--delete]`: the objects of the content store that no row
//! names and that are older than a day (`--older-than`), listed one a line;
//! removed with `--delete`. Exit 0: none found, or all removed; 1: orphans
//! listed (like `migrate --check`); 2: could not run.

use std::process::ExitCode;

use clap::Args;

use crate::engine::{Database, failed, open, runtime};
use crate::usage_error::UsageError;

#[derive(Debug, Args)]
pub struct GcArgs {
    #[command(flatten)]
    pub db: Database,
    /// Remove the orphans listed, not only list them.
    #[arg(long)]
    pub delete: bool,
    /// How old an orphan must be (0s, 90s, 30m, 1h, 1d): a younger object
    /// may be one a transition put and has not yet committed.
    #[arg(long, default_value = "1d")]
    pub older_than: String,
}

pub fn run(args: GcArgs) -> Result<ExitCode, UsageError> {
    let age = if args.older_than.trim_end_matches(['s', 'm', 'h', 'd']) == "0" {
        std::time::Duration::ZERO
    } else {
        crate::backup::parse_every(&args.older_than).ok_or_else(|| {
            UsageError(format!(
                "--older-than: '{}' is not a period like 0s, 90s, 30m, 1h or 1d",
                args.older_than
            ))
        })?
    };
    let older_than = chrono::Utc::now()
        - chrono::Duration::from_std(age)
            .map_err(|_| UsageError("--older-than: too long".into()))?;
    runtime()?.block_on(async move {
        let store = open(&args.db).await?;
        let found = if args.delete {
            store.delete_content_orphans(older_than).await
        } else {
            store.content_orphans(older_than).await
        }
        .map_err(failed)?;
        store.close().await;
        let verb = if args.delete { "removed" } else { "orphan" };
        for object in &found {
            println!(
                "{verb} {} ({} bytes, {})",
                object.key,
                object.size,
                object.modified.to_rfc3339()
            );
        }
        let bytes: u64 = found.iter().map(|o| o.size).sum();
        println!(
            "{} in {}: {} {} objects, {bytes} bytes",
            if args.delete {
                "gc"
            } else {
                "gc (listed only; --delete removes)"
            },
            store.content_store().place(),
            found.len(),
            if args.delete { "removed" } else { "orphan" },
        );
        Ok(if found.is_empty() || args.delete {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
