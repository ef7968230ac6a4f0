//! `saraban render`: one input file to one PDF/A file.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use saraban_core::{Document, Syntax, read_document};
use saraban_typeset::{Emblem, FontSet, Typesetter};

use crate::usage_error::UsageError;

const FORMAT_HELP: &str = "\
INPUT is a JSON or TOML file (chosen by the .toml extension) in format \"saraban/1\":
  format = \"saraban/1\", kind = \"memo\" (บันทึกข้อความ) or \"order\" (คำสั่ง),
  optional: id, urgency (ด่วน|ด่วนมาก|ด่วนที่สุด), secrecy (ลับ|ลับมาก),
            style.digits (thai|arabic|as_typed), style.emblem, style.font_dir, style.font_family.
  memo:  unit, phone?, number = {prefix, number?}, date, subject, to, references?,
         enclosures?, body, closing?, signer, endorsements?
  order: authority, number?, date, subject, body, effective? | effective_from?, signer,
         copies?
  letter: number = {prefix}, agency, date, subject, to, rank? (general|high|monk),
         salutation?, sign_off?, references?, enclosures?, body, signer,
         contact = {unit, phone?, fax?, email?}, copies?
  stamped: number = {prefix}, to, subject, matter (details|copies|acknowledgement|report|
         reminder|ordered, with order), body, agency, initials?, signer, date, contact
  announcement: issuer, number?, unnumbered?, subject, body, effective? | effective_from?,
         date, signer
  body:  a list of paragraphs (strings) or tables {paragraph | heading | table, and/or
         items = [text | {text, label?, items?}], numbering?};
         table = {columns, widths?, align?, header?, rows, footer?}
  signer/endorsement: name, position, signature?, acting = {capacity, principal}?
         (endorsements also need opinion; date is optional)
  Dates are ISO with the Christian-era year: 2025-04-09 prints as ๙ เมษายน ๒๕๖๘.
The full reference is docs/document-format.md; examples/ holds real documents.";

/// Typeset a document (memo, order, letter, stamped letter, announcement) into a PDF/A-2b file.
#[derive(Debug, Args)]
#[command(after_long_help = FORMAT_HELP)]
pub struct RenderArgs {
    /// The document: a .json or .toml file in format "saraban/1".
    input: PathBuf,
    /// Where to write the PDF (default: INPUT with the extension .pdf).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The Garuda artwork (PNG or SVG); overrides style.emblem.
    #[arg(long)]
    emblem: Option<PathBuf>,
    /// A folder with the organisation's own fonts; overrides style.font_dir.
    #[arg(long)]
    font_dir: Option<PathBuf>,
    /// Instead of a PDF, write the Typst project this document compiles
    /// from (templates, data.json, images) into this folder, for timing
    /// against the `typst` CLI (scripts/compare-typst).
    #[arg(long, hide = true, value_name = "DIR")]
    typst_project: Option<PathBuf>,
}

pub fn run(args: RenderArgs) -> Result<(), UsageError> {
    keep_layout_on_this_thread();
    // Typst's library and the templates, made ready on the other core
    // while this one reads and prepares the document.
    std::thread::spawn(saraban_typeset::warm_up);
    let text = std::fs::read_to_string(&args.input)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", args.input.display())))?;
    let document = read_document(&text, Syntax::of_path(&args.input))
        .map_err(|e| UsageError(format!("{}: {e}", args.input.display())))?;
    let base = args.input.parent().unwrap_or(Path::new("."));
    let style = &document.common().style;

    let font_dir = args
        .font_dir
        .or_else(|| style.font_dir.as_ref().map(|d| base.join(d)));
    let typesetter = match font_dir {
        Some(dir) => {
            let family = style.font_family.as_ref().map(|f| f.as_str());
            let fonts = FontSet::with_dir(&dir, family).map_err(|e| UsageError(e.to_string()))?;
            Typesetter::new(fonts.into())
        }
        None if style.font_family.is_some() => {
            return Err(UsageError(
                "style.font_family: needs style.font_dir (or --font-dir) with that family's files"
                    .into(),
            ));
        }
        None => Typesetter::default(),
    };

    let emblem_path = args
        .emblem
        .or_else(|| style.emblem.as_ref().map(|p| base.join(p)));
    let emblem = match emblem_path {
        Some(path) => {
            let bytes = std::fs::read(&path).map_err(|e| {
                UsageError(format!("style.emblem: cannot read {}: {e}", path.display()))
            })?;
            Some(
                Emblem::from_bytes(bytes)
                    .map_err(|e| UsageError(format!("{e} ({})", path.display())))?,
            )
        }
        None => None,
    };

    if let Some(dir) = args.typst_project {
        return write_project(&typesetter, &document, emblem.as_ref(), &dir);
    }

    let typeset = typesetter
        .typeset(&document, emblem.as_ref())
        .map_err(|e| UsageError(e.to_string()))?;
    let pdf = typeset.pdf().map_err(|e| UsageError(e.to_string()))?;
    let output = args
        .output
        .unwrap_or_else(|| args.input.with_extension("pdf"));
    write_atomically(&output, &pdf)
        .map_err(|e| UsageError(format!("cannot write {}: {e}", output.display())))?;
    for warning in &typeset.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!(
        "wrote {} ({} page{}, {} bytes)",
        output.display(),
        typeset.page_count(),
        if typeset.page_count() == 1 { "" } else { "s" },
        pdf.len()
    );
    Ok(())
}

/// Typst lays out a document's pages in rayon's pool. Called from a thread
/// outside the pool, the whole layout moves to a newly started pool thread,
/// often on the other core with cold caches: measured, about half the runs
/// took 16–18 ms for what took 12.5 ms on one core. With this thread made
/// one of the pool's, the layout stays here; the pool's other thread still
/// takes work Typst hands off, such as compressing the PDF's streams.
fn keep_layout_on_this_thread() {
    // Fails only if the global pool exists already; the default one then
    // does the same work, only slower to start.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

fn write_project(
    typesetter: &Typesetter,
    document: &Document,
    emblem: Option<&Emblem>,
    dir: &Path,
) -> Result<(), UsageError> {
    let files = typesetter
        .project_files(document, emblem)
        .map_err(|e| UsageError(e.to_string()))?;
    for (path, bytes) in files {
        let target = dir.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&target, bytes))
            .map_err(|e| UsageError(format!("cannot write {}: {e}", target.display())))?;
    }
    eprintln!("wrote the Typst project to {}", dir.display());
    Ok(())
}

/// Writes beside the target and renames, so that a failure never leaves a
/// half-written PDF behind. No fsync: it cost 25 ms to hundreds of ms on a
/// busy disk, more than the typesetting, and a PDF lost to a power cut is
/// made again, byte for byte, from its input.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
