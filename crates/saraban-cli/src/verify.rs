//! `saraban verify`: audits every organisation's records (or one) and
//! says what is wrong, by class. Exit 0 when everything holds, 1 when
//! something was tampered with, 2 when the check could not run.

use std::process::ExitCode;

use clap::Args;
use saraban_store::Audit;

use crate::engine::{Database, failed, open, runtime};
use crate::usage_error::UsageError;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: Database,
    /// Only this organisation (default: every one in the database).
    #[arg(long, env = "SARABAN_ORG")]
    pub org: Option<String>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
    /// A checkpoint note kept from before (a file); the log must still
    /// contain what it signed. May be given several times.
    #[arg(long = "checkpoint", value_name = "FILE")]
    pub checkpoints: Vec<std::path::PathBuf>,
}

pub fn run(args: VerifyArgs) -> Result<ExitCode, UsageError> {
    runtime()?.block_on(async move {
        let mut kept = Vec::with_capacity(args.checkpoints.len());
        for path in &args.checkpoints {
            kept.push(std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!("--checkpoint: cannot read {}: {e}", path.display()))
            })?);
        }
        let store = open(&args.db).await?;
        let orgs = match &args.org {
            Some(org) => vec![crate::engine::org_id(org)?],
            None => store.organisation_ids().await.map_err(failed)?,
        };
        let mut audits = Vec::with_capacity(orgs.len());
        for org in &orgs {
            audits.push(store.audit_against(org, &kept).await.map_err(failed)?);
        }
        store.close().await;
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&audits).expect("serialisable")
            );
        } else {
            for audit in &audits {
                println!("{}", describe(audit));
            }
        }
        Ok(if audits.iter().all(Audit::holds) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

fn describe(audit: &Audit) -> String {
    let mut text = format!(
        "{}: {} events (head {}), {} documents, {} issued, {} checkpoints, Merkle root {}",
        audit.org,
        audit.events,
        audit.head_seq,
        audit.documents,
        audit.issued,
        audit.checkpoints,
        audit.merkle_root
    );
    for notice in &audit.notices {
        text.push_str(&format!("\n  notice: {notice}"));
    }
    if audit.holds() {
        text.push_str("\n  holds");
    } else {
        text.push_str(&format!(
            "\n  does NOT hold: {} findings",
            audit.findings.len()
        ));
        for finding in &audit.findings {
            text.push_str(&format!("\n  {finding}"));
        }
    }
    text
}
