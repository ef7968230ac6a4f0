//! `saraban export` writes a register year's archive bundle (layout in
//! `saraban_core::bundle`) as a BagIt bag (RFC 8493): the bundle's files
//! are the bag's payload, under `data/`, listed with their SHA-256 in
//! `manifest-sha256.txt`, so any BagIt validator checks it too.
//! `saraban verify-bundle` checks one offline, with no database: the bag,
//! then the bundle inside it; a bundle written before bags (the same files
//! at the folder's top) is still read. Exit 0: all holds; 1: something
//! fails; 2: could not run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use saraban_core::BuddhistYear;
use saraban_core::bagit;
use saraban_core::bundle::{self, Bundle, Outside, Report};
use saraban_core::finding::FindingClass;

use crate::engine::{Database, failed, open, runtime};
use crate::usage_error::UsageError;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: Database,
    /// The organisation.
    #[arg(long, env = "SARABAN_ORG")]
    pub org: String,
    /// The register year (B.E.), e.g. 2568.
    #[arg(long)]
    pub year: i32,
    /// The bundle's folder; it must not exist yet or be empty.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The bundle's folder.
    pub dir: PathBuf,
    /// The organisation's verifier key obtained apart from the bundle
    /// (e.g. from /api/v1/orgs/ORG/key); it must be the bundle's.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// A checkpoint note kept from before (a file); the bundle's log must
    /// still hold what it signed. May be given several times.
    #[arg(long = "checkpoint", value_name = "FILE")]
    pub checkpoints: Vec<PathBuf>,
    /// The organisation's seal certificate (PEM) obtained apart from the
    /// bundle (e.g. from /api/v1/orgs/ORG/certificate); the issued PDFs'
    /// seals must chain to it. Without it, to the bundle's seal-chain.pem.
    #[arg(long, value_name = "FILE")]
    pub certificate: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn export(args: ExportArgs) -> Result<ExitCode, UsageError> {
    BuddhistYear::new(args.year).map_err(|e| UsageError(format!("--year: {e}")))?;
    let target = &args.output;
    let occupied = std::fs::read_dir(target).is_ok_and(|mut entries| entries.next().is_some());
    if occupied || target.is_file() {
        return Err(UsageError(format!(
            "-o: {} already exists and is not an empty folder",
            target.display()
        )));
    }
    let bundle = runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let bundle = match crate::engine::org_id(&args.org) {
            Ok(org) => store.export_bundle(&org, args.year).await.map_err(failed),
            Err(error) => Err(error),
        };
        store.close().await;
        bundle
    })?;
    // The export is held to the same check as any bundle: a store whose
    // records do not hold still gets its bundle written, as evidence.
    let report = check_in_memory(&bundle);
    write_bundle(target, &bundle)
        .map_err(|e| UsageError(format!("cannot write {}: {e}", target.display())))?;
    eprintln!(
        "wrote {}: {} documents issued and {} letters received in {}, {} events, {} checkpoints, Merkle root {}",
        target.display(),
        report.documents,
        report.received,
        report.year,
        report.events,
        report.checkpoints,
        report.merkle_root
    );
    if report.holds() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("the exported records do NOT hold:");
    for finding in &report.findings {
        eprintln!("{finding}");
    }
    Ok(ExitCode::from(1))
}

fn check_in_memory(bundle: &Bundle) -> Report {
    let read = |path: &str| {
        bundle
            .files
            .get(path)
            .cloned()
            .ok_or_else(|| "not in the bundle".to_owned())
    };
    let manifest = bundle.manifest_json();
    let mut report = bundle::check(&manifest, Outside::default(), &read)
        .expect("an assembled manifest reads back");
    report
        .findings
        .extend(check_seals(&manifest, &bundled_anchor(&read), &read));
    report
}

/// The bundle's files as a BagIt bag: its manifest and files the payload.
fn bag_of(bundle: &Bundle) -> Vec<(String, Vec<u8>)> {
    let mut payload = bundle.files.clone();
    payload.insert(bundle::MANIFEST_FILE.to_owned(), bundle.manifest_json());
    let manifest = &bundle.manifest;
    let today = saraban_core::clock::thai_date(chrono::Utc::now()).to_string();
    bagit::bag(
        &payload,
        &[
            ("Source-Organization", manifest.org.clone()),
            (
                "External-Identifier",
                format!("saraban-bundle {} {}", manifest.org, manifest.year),
            ),
            (
                "External-Description",
                format!(
                    "ทะเบียนหนังสือประจำปี พ.ศ. {}: {} documents issued, {} letters received, {} destroyed; the log of {} events (saraban verify-bundle)",
                    manifest.year,
                    manifest.documents.len(),
                    manifest.received.len(),
                    manifest.destroyed.len(),
                    manifest.log_size
                ),
            ),
        ],
        &today,
    )
}

/// Writes into a hidden sibling folder and renames it into place, so that
/// a failed export leaves no half bundle that looks whole.
fn write_bundle(target: &Path, bundle: &Bundle) -> std::io::Result<()> {
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    let partial = parent.join(format!(".{name}.{}.partial", std::process::id()));
    let result = (|| {
        std::fs::create_dir(&partial)?;
        for (path, bytes) in bag_of(bundle) {
            let path = partial.join(path);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)?;
            }
            std::fs::write(&path, bytes)?;
        }
        if target.is_dir() {
            // Empty, as checked before the export.
            std::fs::remove_dir(target)?;
        }
        std::fs::rename(&partial, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    result
}

pub fn verify_bundle(args: VerifyBundleArgs) -> Result<ExitCode, UsageError> {
    let bagged = args.dir.join(bagit::BAGIT_TXT).is_file();
    // A transfer package is a BagIt bag (crate::transfer) with no bundle
    // manifest in its payload.
    if bagged && !args.dir.join("data").join(bundle::MANIFEST_FILE).is_file() {
        return crate::transfer::check_bag(&args.dir);
    }
    // The bag first (every file listed with its SHA-256, nothing beside
    // them); then the bundle, its payload, as an unbagged one is checked.
    let (root, bag_problems) = if bagged {
        let files = crate::transfer::files_under(&args.dir)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", args.dir.display())))?;
        let read = |path: &str| -> Result<Vec<u8>, String> {
            if !files.iter().any(|f| f == path) {
                return Err("not in the bag".into());
            }
            std::fs::read(args.dir.join(path)).map_err(|e| e.to_string())
        };
        (args.dir.join("data"), bagit::check(&files, &read))
    } else {
        (args.dir.clone(), Vec::new())
    };
    let manifest_path = root.join(bundle::MANIFEST_FILE);
    let manifest = std::fs::read(&manifest_path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", manifest_path.display())))?;
    let trusted_key = args
        .key
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("--key: cannot read {}: {e}", path.display())))
        })
        .transpose()?;
    let mut kept_notes = Vec::with_capacity(args.checkpoints.len());
    for path in &args.checkpoints {
        kept_notes.push(std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!("--checkpoint: cannot read {}: {e}", path.display()))
        })?);
    }
    let outside = Outside {
        key: trusted_key.as_deref(),
        notes: &kept_notes,
    };
    // The check names only `events.jsonl` and plain file names inside
    // `checkpoints/`, `pdfs/`, `contents/` and `enclosures/`, so reads stay
    // inside the bundle.
    let read = |path: &str| std::fs::read(root.join(path)).map_err(|e| e.to_string());
    let mut report = bundle::check(&manifest, outside, &read)
        .map_err(|e| UsageError(format!("{}: {e}", args.dir.display())))?;
    report
        .findings
        .extend(bag_problems.into_iter().map(|problem| bundle::Finding {
            class: FindingClass::Manifest,
            detail: format!("BagIt: {problem}"),
        }));
    let anchors = match &args.certificate {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!(
                    "--certificate: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            saraban_seal::certificates_from_pem(&text)
                .map_err(|e| UsageError(format!("--certificate: {}: {e}", path.display())))?
        }
        None => bundled_anchor(&read),
    };
    report
        .findings
        .extend(check_seals(&manifest, &anchors, &read));
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        );
    } else {
        println!(
            "{} {}: {} events, {} checkpoints, {} documents, {} received letters, Merkle root {}",
            report.org,
            report.year,
            report.events,
            report.checkpoints,
            report.documents,
            report.received,
            report.merkle_root
        );
        if report.holds() {
            println!("holds");
        }
        for finding in &report.findings {
            println!("{finding}");
        }
    }
    Ok(if report.holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The top of the bundle's own seal chain, if it has one.
fn bundled_anchor(
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Vec<saraban_seal::Certificate> {
    read(saraban_store::SEAL_CHAIN_FILE)
        .ok()
        .and_then(|pem| saraban_seal::certificates_from_pem(&String::from_utf8_lossy(&pem)).ok())
        .and_then(|chain| chain.last().cloned())
        .into_iter()
        .collect()
}

/// Each issued PDF's seal, where it has one, checked against `anchors`: a
/// seal that does not hold, or does not cover the whole file, is found.
fn check_seals(
    manifest: &[u8],
    anchors: &[saraban_seal::Certificate],
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Vec<bundle::Finding> {
    let Ok(manifest) = serde_json::from_slice::<bundle::Manifest>(manifest) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for document in &manifest.documents {
        // A name that leaves its folder is the bundle check's finding.
        if document.pdf_file.contains(['/', '\\']) || document.pdf_file.starts_with('.') {
            continue;
        }
        let Ok(pdf) = read(&format!("pdfs/{}", document.pdf_file)) else {
            continue;
        };
        if let Some(seal) = saraban_store::check_pdf_seal(&pdf, anchors)
            && let Some(problem) = seal.problem
        {
            findings.push(bundle::Finding {
                class: FindingClass::BadSignature,
                detail: format!(
                    "pdfs/{}: its seal does not hold: {problem}",
                    document.pdf_file
                ),
            });
        }
    }
    findings
}
