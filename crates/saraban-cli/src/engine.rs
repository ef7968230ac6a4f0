//! `saraban org | doc | register`: the engine from the command line, for
//! scripting and administration, acting as a named user.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use saraban_core::document::read_value;
use saraban_core::org::OrgConfig;
use saraban_core::workflow::RouteAction;
use saraban_core::{BuddhistYear, DocumentId, Drafted, OrgId, PersonId, Syntax};
use saraban_store::{Store, StoreError};
use serde::Serialize;

use crate::usage_error::UsageError;

#[derive(Debug, Args)]
pub struct Database {
    /// The database: sqlite://FILE, postgres://…, or a plain SQLite path.
    #[arg(
        long,
        env = "SARABAN_DB",
        default_value = "sqlite://saraban.db",
        global = true
    )]
    pub db: String,
    /// The folder of the organisations' signing keys and checkpoint files
    /// (default: beside a SQLite file, `FILE.keys`).
    #[arg(long, env = "SARABAN_KEYS", global = true)]
    pub keys: Option<PathBuf>,
    /// Where PDFs, enclosures and signature images are kept: a folder, or
    /// s3://bucket/prefix (credentials, endpoint and region from AWS_*)
    /// [default: beside a SQLite file, FILE.content; required for PostgreSQL]
    #[arg(long, env = "SARABAN_STORE", global = true)]
    pub store: Option<String>,
    /// The address of the public verification pages, printed with a QR
    /// code on the PDFs this command issues.
    #[arg(long, env = "SARABAN_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct Acting {
    /// The organisation (default: the only one in the database).
    #[arg(long, env = "SARABAN_ORG", global = true)]
    pub org: Option<String>,
    /// When the action happens, RFC 3339 (default: now). For recording
    /// paper history and for tests.
    #[arg(long, global = true)]
    pub at: Option<DateTime<chrono::FixedOffset>>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create or update an organisation from its configuration file (TOML).
    /// Idempotent: the same file again changes nothing; a changed route
    /// becomes a new route version.
    Init { file: PathBuf },
    /// The certificate the organisation's issued PDFs are digitally signed
    /// with: `org cert show ORG`, `org cert import ORG --key KEY.pem
    /// --chain CHAIN.pem` (a certificate from a real CA in place of the
    /// self-issued one).
    Cert {
        #[command(subcommand)]
        command: CertCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Print the certificate in use and its chain (PEM).
    Show { org: String },
    /// Install a certificate from a real CA: a PKCS#12 file (.p12, its
    /// password asked on the terminal or read as standard input's first
    /// line), or its private key (PKCS#8 PEM) and chain (PEM, the
    /// organisation's certificate first) with --key and --chain.
    Import {
        org: String,
        /// The .p12 (.pfx) file.
        #[arg(required_unless_present = "key", conflicts_with_all = ["key", "chain"])]
        file: Option<PathBuf>,
        #[arg(long, requires = "chain")]
        key: Option<PathBuf>,
        #[arg(long, requires = "key")]
        chain: Option<PathBuf>,
    },
}

/// What `org cert import` installs.
enum Imported {
    Pem { key: String, chain: String },
    Pkcs12 { bytes: Vec<u8>, password: String },
}

#[derive(Debug, Subcommand)]
pub enum DocCommand {
    /// Start a draft from a document file (format saraban/1).
    New {
        file: PathBuf,
        #[arg(long = "as")]
        user: String,
    },
    /// Replace a draft's content (drafter only, in draft or returned).
    Edit {
        id: String,
        file: PathBuf,
        #[arg(long = "as")]
        user: String,
    },
    Submit(ActionArgs),
    /// Endorse at the current review step, with an opinion (--text).
    Endorse(ActionArgs),
    /// Return for revision; --text gives the reason (required).
    Return(ActionArgs),
    /// Sign (approve or acknowledge, e.g. --text ทราบ).
    Sign(ActionArgs),
    /// Number, typeset and store the final PDF.
    Issue(ActionArgs),
    Withdraw(ActionArgs),
    /// Cancel an issued document; --text cites the cancelling order.
    Cancel(ActionArgs),
    Archive(ActionArgs),
    /// The document's state, number and who it waits for.
    Show {
        id: String,
    },
    /// The document's approval records with their hashes.
    History {
        id: String,
    },
    /// The issued PDF, or a preview with the endorsements so far.
    Pdf {
        id: String,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Documents, newest first.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// The page after this key (the `next` the page before printed).
        #[arg(long)]
        after: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ActionArgs {
    id: String,
    /// Who acts (their sign-in name).
    #[arg(long = "as")]
    user: String,
    /// Opinion or reason.
    #[arg(long)]
    text: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// A register's numbers for one B.E. year; cancelled ones marked ยกเลิก.
    List {
        register: String,
        #[arg(long)]
        year: i32,
    },
    /// Check the organisation's approval log from its stored bytes.
    Verify,
}

pub(crate) fn failed(error: StoreError) -> UsageError {
    UsageError(error.to_string())
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, UsageError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start: {e}")))
}

/// The content store `--store` names; none for the default.
pub(crate) fn content_place(
    store: Option<&str>,
) -> Result<Option<saraban_store::ContentPlace>, UsageError> {
    store
        .filter(|s| !s.is_empty())
        .map(saraban_store::ContentPlace::parse)
        .transpose()
        .map_err(|e| UsageError(format!("--{e}")))
}

pub(crate) async fn open(db: &Database) -> Result<Store, UsageError> {
    let place = content_place(db.store.as_deref())?;
    let store = Store::open_with_content(&db.db, place.as_ref())
        .await
        .map_err(|e| {
            UsageError(format!(
                "cannot open {}: {e}",
                saraban_store::redact(&db.db)
            ))
        })?;
    // Issuing typesets the document inside its transaction.
    let store = saraban_press::TypstPress::default().attach(store);
    if let Some(keys) = db
        .keys
        .clone()
        .or_else(|| saraban_store::default_key_folder(&db.db))
    {
        store
            .use_key_folder(&keys)
            .map_err(|e| UsageError(format!("--keys: {e}")))?;
    }
    store.set_public_url(db.public_url.clone());
    Ok(store)
}

fn instant(acting: &Acting) -> DateTime<Utc> {
    acting.at.map_or_else(Utc::now, |at| at.with_timezone(&Utc))
}

fn read_content(file: &Path) -> Result<Drafted, UsageError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
    // Check it fully now, so that the error names the field.
    let value = read_value(&text, Syntax::of_path(file))
        .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    Drafted::from_value(value).map_err(|e| UsageError(format!("{}: {e}", file.display())))
}

/// Ids as the command line gives them. Text that is no id names nothing
/// the database holds, and is answered as the store answers an unknown one.
pub(crate) fn org_id(text: &str) -> Result<OrgId, UsageError> {
    OrgId::parse(text).map_err(|_| failed(StoreError::not_found("organisation", text)))
}

fn person_id(text: &str) -> Result<PersonId, UsageError> {
    PersonId::parse(text).map_err(|_| failed(StoreError::not_found("person", text)))
}

fn document_id(text: &str) -> Result<DocumentId, UsageError> {
    DocumentId::parse(text).map_err(|_| failed(StoreError::not_found("document", text)))
}

async fn organisation(store: &Store, acting: &Acting) -> Result<OrgId, UsageError> {
    if let Some(org) = &acting.org {
        return org_id(org);
    }
    let orgs = store.organisations().await.map_err(failed)?;
    match orgs.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(UsageError(
            "no organisation yet: run `saraban org init FILE` first".into(),
        )),
        _ => Err(UsageError(format!(
            "--org: the database holds several organisations: {}",
            orgs.iter()
                .map(OrgId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn print<T: Serialize>(acting: &Acting, value: &T, text: impl FnOnce() -> String) {
    if acting.json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("serialisable")
        );
    } else {
        println!("{}", text());
    }
}

fn summary_line(d: &saraban_store::DocumentSummary) -> String {
    let mut line = format!("{}  {}  {} ({})", d.id, d.kind, d.state, d.state_thai);
    if let Some(number) = &d.printed_number {
        line.push_str(&format!("  {number}"));
    }
    if d.cancelled {
        line.push_str("  ยกเลิก");
    }
    if !d.waiting_for.is_empty() {
        line.push_str(&format!("  waiting for: {}", d.waiting_for.join(", ")));
    }
    line.push_str(&format!("\n  เรื่อง {}", d.subject));
    line
}

pub fn org(db: Database, command: OrgCommand) -> Result<(), UsageError> {
    let file = match command {
        OrgCommand::Init { file } => file,
        OrgCommand::Cert { command } => return cert(db, command),
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
    let config =
        OrgConfig::parse_toml(&text).map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    let emblem = match &config.organisation.emblem {
        Some(path) => {
            let path = file.parent().unwrap_or(Path::new(".")).join(path);
            let bytes = std::fs::read(&path).map_err(|e| {
                UsageError(format!(
                    "organisation.emblem: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            saraban_typeset::Emblem::from_bytes(bytes.clone())
                .map_err(|e| UsageError(format!("organisation.emblem: {e}")))?;
            Some(bytes)
        }
        None => None,
    };
    runtime()?.block_on(async {
        let store = open(&db).await?;
        let report = store.init_org(&config, emblem.as_deref(), Utc::now()).await.map_err(failed)?;
        let org = config.organisation.id.as_str();
        if report.organisation_created {
            println!("created organisation {org} ({})", config.organisation.name);
        } else if report.configuration_changed {
            println!("updated organisation {org}");
        } else {
            println!("organisation {org} is up to date");
        }
        for (kind, version) in &report.new_route_versions {
            println!("route for {kind}: version {version}");
        }
        if emblem.is_none() {
            eprintln!("warning: organisation.emblem: no Garuda artwork; documents show a placeholder of the official size");
        }
        store.close().await;
        Ok(())
    })
}

fn cert(db: Database, command: CertCommand) -> Result<(), UsageError> {
    let read = |flag: &str, path: &Path| {
        std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("--{flag}: cannot read {}: {e}", path.display())))
    };
    let (org, imported) = match &command {
        CertCommand::Show { org } => (org, None),
        CertCommand::Import {
            org,
            file: Some(file),
            ..
        } => {
            let bytes = std::fs::read(file)
                .map_err(|e| UsageError(format!("FILE: cannot read {}: {e}", file.display())))?;
            let password =
                crate::secret::read_secret(&format!("Password of {}: ", file.display()))?;
            (org, Some(Imported::Pkcs12 { bytes, password }))
        }
        CertCommand::Import {
            org,
            key: Some(key),
            chain: Some(chain),
            ..
        } => (
            org,
            Some(Imported::Pem {
                key: read("key", key)?,
                chain: read("chain", chain)?,
            }),
        ),
        CertCommand::Import { .. } => {
            return Err(UsageError(
                "org cert import: give a .p12 file, or --key and --chain".into(),
            ));
        }
    };
    let org = OrgId::parse(org).map_err(|e| UsageError(format!("ORG: {e}")))?;
    runtime()?.block_on(async {
        let store = open(&db).await?;
        let certificate = match imported {
            Some(Imported::Pem { key, chain }) => Some(
                store
                    .import_seal(&org, &key, &chain)
                    .await
                    .map_err(|e| match e {
                        StoreError::Invalid { reason, .. } => {
                            UsageError(format!("--key/--chain: {reason}"))
                        }
                        other => failed(other),
                    })?,
            ),
            Some(Imported::Pkcs12 { bytes, password }) => {
                let identity = saraban_seal::SigningIdentity::from_pkcs12(&bytes, &password)
                    .map_err(|e| UsageError(format!("FILE: {e}")))?;
                Some(store.install_seal(&org, &identity).await.map_err(failed)?)
            }
            None => store.seal_certificate(&org).await.map_err(failed)?,
        };
        store.close().await;
        let certificate = certificate.ok_or_else(|| {
            UsageError(format!(
                "{org} has no certificate: its key folder has none yet"
            ))
        })?;
        println!("subject: {}", certificate.subject);
        println!(
            "issuer:  {}{}",
            certificate.issuer,
            if certificate.self_issued {
                " (self-issued)"
            } else {
                ""
            }
        );
        println!(
            "valid:   {} to {}",
            certificate.not_before, certificate.not_after
        );
        println!("serial:  {}", certificate.serial);
        println!("sha256:  {}", certificate.sha256_fingerprint);
        print!("{}", certificate.chain_pem);
        Ok(())
    })
}

pub fn doc(db: Database, acting: Acting, command: DocCommand) -> Result<(), UsageError> {
    let at = instant(&acting);
    runtime()?.block_on(async {
        let store = open(&db).await?;
        let org = organisation(&store, &acting).await?;
        let act = |args: &ActionArgs, action: RouteAction| {
            let store = store.clone();
            let org = org.clone();
            let (id, user, text) = (args.id.clone(), args.user.clone(), args.text.clone());
            async move {
                let (user, id) = (person_id(&user)?, document_id(&id)?);
                store
                    .act(&org, &user, &id, action, text.as_deref(), at)
                    .await
                    .map_err(failed)
            }
        };
        let outcome = match &command {
            DocCommand::New { file, user } => {
                let content = read_content(file)?;
                let created = store
                    .create_document(&org, &person_id(user)?, content, at)
                    .await
                    .map_err(failed)?;
                print(&acting, &created, || {
                    format!("created {}", summary_line(&created))
                });
                None
            }
            DocCommand::Edit { id, file, user } => {
                let content = read_content(file)?;
                Some(
                    store
                        .edit_document(&org, &person_id(user)?, &document_id(id)?, content, at)
                        .await
                        .map_err(failed)?,
                )
            }
            DocCommand::Submit(args) => Some(act(args, RouteAction::Submit).await?),
            DocCommand::Endorse(args) => Some(act(args, RouteAction::Endorse).await?),
            DocCommand::Return(args) => Some(act(args, RouteAction::Return).await?),
            DocCommand::Sign(args) => Some(act(args, RouteAction::Sign).await?),
            DocCommand::Issue(args) => Some(act(args, RouteAction::Issue).await?),
            DocCommand::Withdraw(args) => Some(act(args, RouteAction::Withdraw).await?),
            DocCommand::Cancel(args) => Some(act(args, RouteAction::Cancel).await?),
            DocCommand::Archive(args) => Some(act(args, RouteAction::Archive).await?),
            DocCommand::Show { id } => {
                let shown = store.show(&org, &document_id(id)?).await.map_err(failed)?;
                print(&acting, &shown, || summary_line(&shown));
                None
            }
            DocCommand::History { id } => {
                let history = store
                    .history(&org, &document_id(id)?)
                    .await
                    .map_err(failed)?;
                print(&acting, &history, || {
                    history
                        .iter()
                        .map(|h| {
                            let e = &h.event;
                            format!(
                                "#{} {} {} by {}{} {}  hash {}",
                                h.seq,
                                e["at"].as_str().unwrap_or_default(),
                                e["kind"].as_str().unwrap_or_default(),
                                e["actor"].as_str().unwrap_or_default(),
                                e["position"]
                                    .as_str()
                                    .map(|p| format!(" as {p}"))
                                    .unwrap_or_default(),
                                e["text"]
                                    .as_str()
                                    .map(|t| format!("«{}»", t.replace('\n', " ")))
                                    .unwrap_or_default(),
                                h.hash
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
                None
            }
            DocCommand::Pdf { id, output } => {
                let pdf = saraban_press::TypstPress::default()
                    .pdf(&store, &org, &document_id(id)?, None)
                    .await
                    .map_err(failed)?;
                crate::render::write_atomically(output, &pdf)
                    .map_err(|e| UsageError(format!("cannot write {}: {e}", output.display())))?;
                eprintln!(
                    "wrote {} ({} bytes, sha256 {})",
                    output.display(),
                    pdf.len(),
                    saraban_core::ledger::sha256_hex(&pdf)
                );
                None
            }
            DocCommand::List {
                state,
                limit,
                after,
            } => {
                let after = after
                    .as_deref()
                    .map(saraban_store::list_queries::After::parse)
                    .transpose()
                    .map_err(failed)?;
                let list = store
                    .list_documents(&org, state.as_deref(), *limit, after.as_ref())
                    .await
                    .map_err(failed)?;
                print(&acting, &list, || {
                    list.iter().map(summary_line).collect::<Vec<_>>().join("\n")
                });
                if let Some(last) = list.last().filter(|_| list.len() as i64 == *limit)
                    && let Some(next) =
                        saraban_store::list_queries::After::text_of(&last.updated_at, &last.id)
                {
                    eprintln!("next page: --after {next}");
                }
                None
            }
        };
        if let Some(outcome) = outcome {
            print(&acting, &outcome, || {
                format!(
                    "event #{}: {}",
                    outcome.event_seq,
                    summary_line(&outcome.document)
                )
            });
        }
        store.close().await;
        Ok(())
    })
}

pub fn register(db: Database, acting: Acting, command: RegisterCommand) -> Result<(), UsageError> {
    runtime()?.block_on(async {
        let store = open(&db).await?;
        let org = organisation(&store, &acting).await?;
        match command {
            RegisterCommand::List { register, year } => {
                BuddhistYear::new(year).map_err(|e| UsageError(format!("--year: {e}")))?;
                let entries = store
                    .register_entries(&org, &register, year)
                    .await
                    .map_err(failed)?;
                print(&acting, &entries, || {
                    entries
                        .iter()
                        .map(|e| {
                            format!(
                                "{}  {}  {}{}",
                                e.printed_number,
                                e.issued_at.get(..10).unwrap_or_default(),
                                e.subject,
                                if e.cancelled {
                                    "  [ยกเลิก]"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            RegisterCommand::Verify => {
                let report = store.audit(&org).await.map_err(failed)?;
                print(&acting, &report, || {
                    if report.holds() {
                        format!(
                            "the log of {org} holds: {} events, Merkle root {}",
                            report.events, report.merkle_root
                        )
                    } else {
                        format!(
                            "the log of {org} does NOT hold:\n{}",
                            report
                                .findings
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join("\n")
                        )
                    }
                });
                if !report.holds() {
                    store.close().await;
                    std::process::exit(1);
                }
            }
        }
        store.close().await;
        Ok(())
    })
}
