//! `saraban`: the command line. Thin: it parses arguments, reads files and
//! calls the library crates.

mod backup;
mod bundle;
mod engine;
mod gc;
mod migrate;
mod reindex;
mod render;
mod secret;
mod serve;
mod transfer;
mod usage_error;
mod user;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// glibc's malloc held freed blocks in its thread arenas (the server's
/// peak under the load bench: 298 MB, against 178 MB); mimalloc gives
/// them back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "saraban",
    version,
    about = "Thai official correspondence: draft, route, number, typeset, verify"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Render(render::RenderArgs),
    /// Run the server: the HTTP API under /api/v1.
    Serve(serve::ServeArgs),
    /// Organisations: `org init FILE`.
    Org {
        #[command(flatten)]
        db: engine::Database,
        #[command(subcommand)]
        command: engine::OrgCommand,
    },
    /// People's sign-in: `user password ORG USER` sets a password, read
    /// from the terminal or the first line of standard input.
    User {
        #[command(flatten)]
        db: engine::Database,
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Documents and their route: new, edit, submit, endorse, return, sign,
    /// issue, withdraw, cancel, archive, show, history, pdf, list.
    Doc {
        #[command(flatten)]
        db: engine::Database,
        #[command(flatten)]
        acting: engine::Acting,
        #[command(subcommand)]
        command: engine::DocCommand,
    },
    /// Check every record: the logs, documents, PDFs, register numbers and
    /// checkpoints. Exit 0: all holds; 1: tampering found; 2: could not run.
    Verify(verify::VerifyArgs),
    /// Registers: `register list REGISTER --year 2568`, `register verify`.
    Register {
        #[command(flatten)]
        db: engine::Database,
        #[command(flatten)]
        acting: engine::Acting,
        #[command(subcommand)]
        command: engine::RegisterCommand,
    },
    /// Write a register year's archive bundle: issued PDFs, the whole log,
    /// checkpoints and proofs, checkable offline with `verify-bundle`.
    Export(bundle::ExportArgs),
    /// Check an archive bundle offline, without a database. Exit 0: all
    /// holds; 1: something fails; 2: could not run.
    VerifyBundle(bundle::VerifyBundleArgs),
    /// Write the transfer package to the National Archives (BagIt) of the
    /// documents of permanent value due by the end of a B.E. year.
    Transfer(transfer::TransferArgs),
    /// Rebuild the search index from the records: `reindex [--org ORG]`.
    Reindex(reindex::ReindexArgs),
    /// A consistent backup while the server runs: the database, the key
    /// folder (secret keys sealed under a passphrase) and a manifest.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty database and key folder, then verify
    /// it. Exit 0: restored and holds; 1: it does not hold; 2: could not run.
    Restore(backup::RestoreArgs),
    /// The migrations the database still needs (`--check`), or apply them.
    /// Exit 0: up to date; 1: pending (with --check); 2: could not run.
    Migrate(migrate::MigrateArgs),
    /// The content store's objects that no record names (older than a
    /// day): listed, or removed with --delete.
    Gc(gc::GcArgs),
}

fn main() -> ExitCode {
    // Before the arguments are parsed: the second core starts meanwhile.
    if std::env::args_os().nth(1).is_some_and(|a| a == "render") {
        render::start();
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(args) => match verify::run(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::Export(args) => match bundle::export(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::VerifyBundle(args) => match bundle::verify_bundle(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::Transfer(args) => match transfer::run(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::Restore(args) => match backup::restore(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::Migrate(args) => match migrate::run(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::Gc(args) => match gc::run(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
        Command::Backup(args) => backup::backup(args),
        Command::Render(args) => render::run(args),
        Command::Reindex(args) => reindex::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Org { db, command } => engine::org(db, command),
        Command::User { db, command } => user::run(db, command),
        Command::Doc {
            db,
            acting,
            command,
        } => engine::doc(db, acting, command),
        Command::Register {
            db,
            acting,
            command,
        } => engine::register(db, acting, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
