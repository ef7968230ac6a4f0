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

/// What a render can start before its arguments are parsed; `main` calls
/// it first thing for `saraban render`. The other core builds Typst's
/// library and parses the templates while this one parses the arguments
/// and reads the document, then maps in the heap this thread is about to
/// lay the pages out in (`populate_ahead`).
pub fn start() {
    // First: it starts a thread, whose stack mapping would otherwise wait
    // for the population below to finish.
    keep_layout_on_this_thread();
    skip_allocator_teardown();
    let heap = heap_ahead();
    std::thread::spawn(move || {
        saraban_typeset::warm_up();
        let _ = populate_ahead(heap);
    });
}

pub fn run(args: RenderArgs) -> Result<(), UsageError> {
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

/// How much of this thread's heap `start` maps in ahead. A one-page memo
/// touched 10.5 MiB of it (page faults by address, `perf record -d`); the
/// rest of a longer document faults in as before. Mapping in 16 MiB takes
/// the second core about 2 ms, done before the layout needs it.
const HEAP_AHEAD: usize = 16 << 20;

/// mimalloc 2's segments: 32 MiB, aligned to their size.
const SEGMENT: usize = 32 << 20;
const PAGE: usize = 4096;

/// The span of this thread's heap a render will use next: from the page
/// after a new small allocation up to `HEAP_AHEAD`, within mimalloc's
/// segment of it (`SEGMENT`), so the span never leaves the mapping the
/// allocation is in.
fn heap_ahead() -> std::ops::Range<usize> {
    let probe = Box::new(0_u64);
    let address = std::ptr::from_ref::<u64>(&*probe).addr();
    let start = (address & !(PAGE - 1)) + PAGE;
    let segment_end = (address & !(SEGMENT - 1)) + SEGMENT;
    start..(start + HEAP_AHEAD).min(segment_end)
}

/// Maps in `span` of the heap, as writing to each page would, without
/// writing. A render's first touch of a fresh page costs a fault (about
/// 1.7 µs here, some 1,200 of them in a memo's layout); taken here, on the
/// core the library was built on, they are off the layout's path. In
/// steps, so that a thread that maps memory meanwhile waits for one step,
/// not all. Only a speed-up: `start` ignores an error (an older kernel
/// without MADV_POPULATE_WRITE), which leaves the faults where they were.
#[allow(unsafe_code)]
fn populate_ahead(span: std::ops::Range<usize>) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        const STEP: usize = 512 << 10;
        let mut at = span.start;
        while at < span.end {
            let len = (span.end - at).min(STEP);
            // SAFETY: MADV_POPULATE_WRITE changes no byte of memory: it only
            // faults in the pages not yet present, zeroed, as a first write
            // would. The span lies inside one of mimalloc's segments
            // (`heap_ahead`), private anonymous read-write memory. Were the
            // segment's size other than assumed, still no byte would change:
            // a span over unmapped or read-only memory fails (ENOMEM, EFAULT),
            // and over any other mapping it only faults pages in.
            let result = unsafe {
                libc::madvise(
                    std::ptr::without_provenance_mut(at),
                    len,
                    libc::MADV_POPULATE_WRITE,
                )
            };
            if result != 0 {
                return Err(std::io::Error::last_os_error());
            }
            at += len;
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = span;
    Ok(())
}

/// mimalloc's option `destroy_on_exit`: its number in mimalloc 2's
/// `mi_option_t` (the `extended` bindings name no constant for it). The
/// render test `the_allocator_is_not_torn_down_at_exit` fails if it names
/// another option.
const MI_OPTION_DESTROY_ON_EXIT: libmimalloc_sys::mi_option_t = 22;

/// At exit, mimalloc's handler collects the main thread's heap and gives
/// its free pages back to the system one `madvise` at a time (about 1 ms of
/// a render, measured), for a process whose memory the system is about to
/// take back whole. With this option above 1 the handler returns at once.
#[allow(unsafe_code)]
fn skip_allocator_teardown() {
    // SAFETY: sets one integer among mimalloc's options, which its exit
    // handler reads; no memory and no allocation is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_DESTROY_ON_EXIT, 2) };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The span is the heap's: fresh memory after a live allocation, inside
    /// its segment; mapping it in leaves live data as it was.
    #[test]
    fn populating_the_heap_ahead_changes_no_byte() {
        let before: Vec<u8> = (0..=255).cycle().take(3 << 20).collect();
        let span = heap_ahead();
        assert!(span.len() >= PAGE && span.len() <= HEAP_AHEAD, "{span:?}");
        assert_eq!(span.start % PAGE, 0);
        let after_probe = Box::new(7_u64);
        let address = std::ptr::from_ref::<u64>(&*after_probe).addr();
        assert_eq!(
            address / SEGMENT,
            span.start / SEGMENT,
            "the span is in the segment allocations come from"
        );

        // The pages of a live buffer, mapped in again: already present, kept.
        let first = before.as_ptr().addr() & !(PAGE - 1);
        populate_ahead(first..first + (2 << 20)).expect("MADV_POPULATE_WRITE (Linux 5.14+)");
        populate_ahead(span).expect("MADV_POPULATE_WRITE (Linux 5.14+)");
        assert!(
            before
                .iter()
                .zip((0..=255).cycle())
                .all(|(b, want)| *b == want)
        );
        assert_eq!(*after_probe, 7);
    }
}
