//! `saraban migrate [--check]`: which of this build's migrations the
//! database still needs, and applying them. Exit 0: up to date (or now
//! applied); 1: `--check` found migrations pending; 2: could not run, or
//! the database is newer than this saraban.

use std::process::ExitCode;

use clap::Args;

use crate::engine::runtime;
use crate::usage_error::UsageError;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The database: sqlite://FILE, postgres://…, or a plain SQLite path.
    #[arg(long, env = "SARABAN_DB", default_value = "sqlite://saraban.db")]
    db: String,
    /// Where PDFs, enclosures and signature images are kept (the content an older
    /// version kept in the database moves there): a folder, or
    /// s3://bucket/prefix (credentials, endpoint and region from AWS_*)
    /// [default: beside a SQLite file, FILE.content; required for PostgreSQL]
    #[arg(long, env = "SARABAN_STORE")]
    store: Option<String>,
    /// Only list what is pending; change nothing.
    #[arg(long)]
    check: bool,
}

pub fn run(args: MigrateArgs) -> Result<ExitCode, UsageError> {
    let db = saraban_store::redact(&args.db);
    runtime()?.block_on(async move {
        let status = saraban_store::migration_status(&args.db)
            .await
            .map_err(|e| UsageError(format!("--db: cannot open {db}: {e}")))?;
        if !status.unknown.is_empty() {
            return Err(UsageError(format!(
                "{db} is newer than this saraban ({}): it has migration(s) {:?} applied, which this version does not know; run the newer saraban",
                env!("CARGO_PKG_VERSION"),
                status.unknown
            )));
        }
        if status.pending.is_empty() {
            println!(
                "{db}: up to date ({} migrations applied)",
                status.applied.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        let verb = if args.check { "needs" } else { "applying" };
        println!("{db}: {verb} {} migration(s):", status.pending.len());
        for (version, name) in &status.pending {
            println!("  {version:04} {name}");
        }
        if args.check {
            return Ok(ExitCode::from(1));
        }
        let place = crate::engine::content_place(args.store.as_deref())?;
        saraban_store::apply_migrations(&args.db, place.as_ref())
            .await
            .map_err(|e| UsageError(format!("--db: migrating {db}: {e}")))?;
        println!("{db}: up to date");
        Ok(ExitCode::SUCCESS)
    })
}
