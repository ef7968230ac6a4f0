//! `saraban reindex`: rebuilds the search rows of every organisation (or
//! one) from the records, each in one transaction through its writer, so
//! the index is whole before and after, never half-built.

use clap::Args;

use crate::engine::{Database, failed, open, org_id, runtime};
use crate::usage_error::UsageError;

#[derive(Debug, Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    pub db: Database,
    /// Only this organisation (default: every one in the database).
    #[arg(long, env = "SARABAN_ORG")]
    pub org: Option<String>,
}

pub fn run(args: ReindexArgs) -> Result<(), UsageError> {
    runtime()?.block_on(async move {
        let store = open(&args.db).await?;
        let org = args.org.as_deref().map(org_id).transpose()?;
        let rebuilt = store.reindex(org.as_ref()).await.map_err(failed)?;
        store.close().await;
        for (org, documents) in rebuilt {
            println!("{org}: {documents} documents indexed");
        }
        Ok(())
    })
}
