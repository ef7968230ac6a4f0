//! The Typst world saraban compiles in: the templates compiled into the
//! binary, one JSON file of data, an optional emblem (or an incoming
//! letter's original or scans, at paths saraban chose), and the fonts. It has
//! no file system and no packages, so a document cannot read anything else.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts::FontSet;

/// The templates, as the virtual files the entry point imports.
pub(crate) const TEMPLATES: [(&str, &str); 11] = [
    (
        "/main.typ",
        include_str!("../../../typst-templates/main.typ"),
    ),
    (
        "/common.typ",
        include_str!("../../../typst-templates/common.typ"),
    ),
    (
        "/memo.typ",
        include_str!("../../../typst-templates/memo.typ"),
    ),
    (
        "/order.typ",
        include_str!("../../../typst-templates/order.typ"),
    ),
    (
        "/letter.typ",
        include_str!("../../../typst-templates/letter.typ"),
    ),
    (
        "/stamped.typ",
        include_str!("../../../typst-templates/stamped.typ"),
    ),
    (
        "/announcement.typ",
        include_str!("../../../typst-templates/announcement.typ"),
    ),
    (
        "/register.typ",
        include_str!("../../../typst-templates/register.typ"),
    ),
    (
        "/incoming.typ",
        include_str!("../../../typst-templates/incoming.typ"),
    ),
    (
        "/receiving-register.typ",
        include_str!("../../../typst-templates/receiving-register.typ"),
    ),
    (
        "/destruction-list.typ",
        include_str!("../../../typst-templates/destruction-list.typ"),
    ),
];

/// Where the data of the document is served.
pub(crate) const DATA_PATH: &str = "/data.json";

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// The templates' ids, in the order of `TEMPLATES`.
static TEMPLATE_IDS: LazyLock<Vec<FileId>> =
    LazyLock::new(|| TEMPLATES.iter().map(|(path, _)| file_id(path)).collect());

/// Each template parsed on its first use, once per process: a document
/// needs seven of them, a register page two. A `Source` is cheap to clone.
static PARSED: [OnceLock<Source>; TEMPLATES.len()] = [const { OnceLock::new() }; TEMPLATES.len()];

/// The entry point of a document and the templates it imports: what every
/// document's compilation parses first (a register page uses others).
const DOCUMENT_TEMPLATES: [&str; 7] = [
    "/main.typ",
    "/common.typ",
    "/memo.typ",
    "/order.typ",
    "/letter.typ",
    "/stamped.typ",
    "/announcement.typ",
];

/// Does the part of a document's compilation that depends on no document:
/// Typst's standard library built and hashed, and the document templates
/// parsed (about 1.5 ms together). Each result is kept for the process, so
/// a one-shot process can run this on another core while it reads its
/// input; a compilation that starts first waits for, or does, the same work.
pub fn warm_up() {
    // Hashing the LazyHash caches its hash, which every compilation reads.
    typst::utils::hash128(&*LIBRARY);
    for path in DOCUMENT_TEMPLATES {
        template(file_id(path));
    }
}

fn template(id: FileId) -> Option<Source> {
    let index = TEMPLATE_IDS.iter().position(|t| *t == id)?;
    let parsed = PARSED[index].get_or_init(|| Source::new(id, TEMPLATES[index].1.to_owned()));
    Some(parsed.clone())
}

pub(crate) fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("template paths are valid");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One compilation's world: shared templates and fonts, own data.
pub(crate) struct DocumentWorld {
    fonts: Arc<FontSet>,
    main: FileId,
    /// Non-source files: the data, the emblem, the QR code.
    files: HashMap<FileId, Bytes>,
}

impl DocumentWorld {
    pub(crate) fn new(fonts: Arc<FontSet>, data: Vec<u8>, extra: Vec<(String, Bytes)>) -> Self {
        let mut files = HashMap::new();
        files.insert(file_id(DATA_PATH), Bytes::new(data));
        for (path, bytes) in extra {
            files.insert(file_id(&path), bytes);
        }
        Self {
            fonts,
            main: file_id("/main.typ"),
            files,
        }
    }

    /// A world whose entry point is another template, e.g. a register page.
    pub(crate) fn with_main(mut self, main: &str) -> Self {
        self.main = file_id(main);
        self
    }
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        template(id).ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.files.get(&id) {
            return Ok(bytes.clone());
        }
        template(id)
            .map(Bytes::from_string)
            .ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        // A document's date comes from its data; the clock would make output
        // depend on the day it was rendered.
        None
    }
}

fn not_found(id: FileId) -> FileError {
    match id.get().root() {
        VirtualRoot::Package(_) => FileError::AccessDenied,
        VirtualRoot::Project => FileError::NotFound(id.get().vpath().get_without_slash().into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warm-up parses what a document's entry point imports: no more
    /// (wasted on a second core) and no less (left to the first).
    #[test]
    fn document_templates_are_the_entry_point_and_its_imports() {
        let (_, main) = TEMPLATES
            .iter()
            .find(|(path, _)| *path == "/main.typ")
            .expect("the entry point is a template");
        let mut imported: Vec<String> = main
            .lines()
            .filter_map(|line| line.strip_prefix("#import \""))
            .filter_map(|rest| rest.split('"').next())
            .map(|name| format!("/{name}"))
            .collect();
        imported.insert(0, "/main.typ".to_owned());
        imported.sort();
        imported.dedup();
        let mut listed: Vec<String> = DOCUMENT_TEMPLATES.iter().map(|p| (*p).to_owned()).collect();
        listed.sort();
        assert_eq!(imported, listed);
        for path in DOCUMENT_TEMPLATES {
            assert!(TEMPLATES.iter().any(|(p, _)| *p == path), "{path}");
        }
    }
}
