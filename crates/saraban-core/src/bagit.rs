//! BagIt (RFC 8493) bags: the files of a bag made from a payload, and a
//! bag read back and checked (every payload file listed with its SHA-256,
//! nothing beside them, the Payload-Oxum, the tag manifest). Pure: the
//! caller reads and writes the files.

use std::collections::BTreeMap;

use crate::ledger::sha256_hex;

pub const BAGIT_TXT: &str = "bagit.txt";
pub const BAG_INFO: &str = "bag-info.txt";
pub const MANIFEST: &str = "manifest-sha256.txt";
pub const TAG_MANIFEST: &str = "tagmanifest-sha256.txt";
const DECLARATION: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// A path as a manifest writes it (RFC 8493 §2.1.3: CR, LF and % encoded).
fn encoded(path: &str) -> String {
    path.replace('%', "%25")
        .replace('\n', "%0A")
        .replace('\r', "%0D")
}

fn decoded(path: &str) -> String {
    path.replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%25", "%")
}

fn manifest_of<'a>(files: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    files
        .map(|(path, bytes)| format!("{}  {}\n", sha256_hex(bytes), encoded(path)))
        .collect()
}

/// Every file of a bag holding `payload` (paths under `data/`), with
/// `info` in its bag-info.txt after the Payload-Oxum and Bagging-Date.
pub fn bag(
    payload: &BTreeMap<String, Vec<u8>>,
    info: &[(&str, String)],
    bagging_date: &str,
) -> Vec<(String, Vec<u8>)> {
    let data: Vec<(String, &[u8])> = payload
        .iter()
        .map(|(path, bytes)| (format!("data/{path}"), bytes.as_slice()))
        .collect();
    let octets: usize = payload.values().map(Vec::len).sum();
    let mut bag_info = format!(
        "Bagging-Date: {bagging_date}\nPayload-Oxum: {octets}.{}\n",
        payload.len()
    );
    for (label, value) in info {
        // A value is one line: a line break would start another label.
        let value = value.replace(['\r', '\n'], " ");
        bag_info.push_str(&format!("{label}: {value}\n"));
    }
    let manifest = manifest_of(data.iter().map(|(p, b)| (p.as_str(), *b)));
    let tags: Vec<(&str, &[u8])> = vec![
        (BAGIT_TXT, DECLARATION.as_bytes()),
        (BAG_INFO, bag_info.as_bytes()),
        (MANIFEST, manifest.as_bytes()),
    ];
    let tag_manifest = manifest_of(tags.iter().copied());
    let mut files: Vec<(String, Vec<u8>)> = data
        .iter()
        .map(|(path, bytes)| (path.clone(), bytes.to_vec()))
        .collect();
    for (path, bytes) in tags {
        files.push((path.to_owned(), bytes.to_vec()));
    }
    files.push((TAG_MANIFEST.to_owned(), tag_manifest.into_bytes()));
    files
}

/// A manifest's lines as (path, SHA-256); a line that does not read is a
/// problem.
fn read_manifest(text: &str, name: &str, problems: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once(char::is_whitespace) {
            Some((hash, path)) if hash.len() == 64 && !path.trim().is_empty() => {
                entries.insert(decoded(path.trim_start()), hash.to_ascii_lowercase());
            }
            _ => problems.push(format!("{name}: line {} does not read", index + 1)),
        }
    }
    entries
}

/// Checks a bag: `files` are every file in it (paths relative to its
/// root, `/` separated), `read` gives a file's bytes. Returns what does
/// not hold; empty when the bag is valid and complete.
pub fn check(files: &[String], read: &dyn Fn(&str) -> Result<Vec<u8>, String>) -> Vec<String> {
    let mut problems = Vec::new();
    match read(BAGIT_TXT) {
        Ok(bytes) if bytes.starts_with(b"BagIt-Version: ") => {}
        Ok(_) => problems.push(format!("{BAGIT_TXT}: no BagIt-Version")),
        Err(e) => problems.push(format!("{BAGIT_TXT}: {e}")),
    }
    let listed = |name: &str, problems: &mut Vec<String>| match read(name) {
        Ok(bytes) => read_manifest(&String::from_utf8_lossy(&bytes), name, problems),
        Err(e) => {
            problems.push(format!("{name}: {e}"));
            BTreeMap::new()
        }
    };
    let manifest = listed(MANIFEST, &mut problems);
    let tags = listed(TAG_MANIFEST, &mut problems);
    let mut octets = 0usize;
    for (path, hash) in manifest.iter().chain(&tags) {
        match read(path) {
            Ok(bytes) => {
                if manifest.contains_key(path) {
                    octets += bytes.len();
                }
                if sha256_hex(&bytes) != *hash {
                    problems.push(format!("{path}: its SHA-256 is not the manifest's"));
                }
            }
            Err(e) => problems.push(format!("{path}: listed but not read: {e}")),
        }
    }
    for path in files.iter().filter(|p| p.starts_with("data/")) {
        if !manifest.contains_key(path) {
            problems.push(format!("{path}: in the payload but in no manifest"));
        }
    }
    let oxum = read(BAG_INFO).ok().and_then(|bytes| {
        String::from_utf8_lossy(&bytes).lines().find_map(|line| {
            line.strip_prefix("Payload-Oxum:")
                .map(|v| v.trim().to_owned())
        })
    });
    if let Some(oxum) = oxum
        && oxum != format!("{octets}.{}", manifest.len())
    {
        problems.push(format!(
            "{BAG_INFO}: Payload-Oxum {oxum}, the payload is {octets}.{}",
            manifest.len()
        ));
    }
    problems
}

/// Checks a transfer package's documents against their own events (the
/// bag itself checked by `check`): each content's SHA-256 is the one its
/// latest version's event recorded, the issued PDF's the one its `issued`
/// event recorded, each file's its name, every event canonical and of its
/// document.
pub fn check_transfer(
    files: &[String],
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Vec<String> {
    use crate::ledger::Event;
    let mut problems = Vec::new();
    let documents: Vec<&str> = files
        .iter()
        .filter_map(|f| {
            f.strip_prefix("data/documents/")?
                .strip_suffix("/events.jsonl")
        })
        .collect();
    if documents.is_empty() {
        problems.push("the package holds no document".into());
    }
    for id in documents {
        let folder = format!("data/documents/{id}");
        let events = read(&format!("{folder}/events.jsonl")).unwrap_or_default();
        let mut content_hash = None;
        let mut pdf_hash = None;
        for line in events.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            match Event::from_canonical(line) {
                Ok(event) if event.document == id => {
                    if matches!(event.kind.as_str(), "created" | "edited" | "received") {
                        content_hash = Some(event.content_hash.clone());
                    }
                    if event.kind == "issued" {
                        pdf_hash = event.pdf_hash.clone();
                    }
                }
                Ok(_) => problems.push(format!("{folder}: an event of another document")),
                Err(e) => problems.push(format!("{folder}: an event that does not read: {e}")),
            }
        }
        match (read(&format!("{folder}/content.json")), content_hash) {
            (Ok(bytes), Some(hash)) if sha256_hex(&bytes) == hash => {}
            (Ok(_), Some(_)) => problems.push(format!(
                "{folder}/content.json is not the content its events recorded"
            )),
            (Err(e), _) => problems.push(format!("{folder}/content.json: {e}")),
            (Ok(_), None) => problems.push(format!("{folder}: no event records its content")),
        }
        if let Some(hash) = pdf_hash {
            match read(&format!("{folder}/issued.pdf")) {
                Ok(bytes) if sha256_hex(&bytes) == hash => {}
                Ok(_) => problems.push(format!(
                    "{folder}/issued.pdf is not the PDF it was issued as"
                )),
                Err(e) => problems.push(format!("{folder}/issued.pdf: {e}")),
            }
        }
        let prefix = format!("{folder}/files/");
        for file in files.iter().filter(|f| f.starts_with(&prefix)) {
            let name = &file[prefix.len()..];
            match read(file) {
                Ok(bytes) if sha256_hex(&bytes) == name => {}
                _ => problems.push(format!("{file}: its bytes are not its name")),
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_from(files: &[(String, Vec<u8>)]) -> impl Fn(&str) -> Result<Vec<u8>, String> + '_ {
        move |path: &str| {
            files
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, b)| b.clone())
                .ok_or_else(|| "missing".to_owned())
        }
    }

    proptest! {
        #[test]
        fn a_bag_checks_and_any_changed_byte_is_found(
            payload in proptest::collection::btree_map("[a-z]{1,8}(/[a-z%]{1,8})?", proptest::collection::vec(any::<u8>(), 1..64), 1..6),
            flip in any::<prop::sample::Index>(),
        ) {
            let files = bag(&payload, &[("Source-Organization", "อบต.วังกระแจะ".into())], "2026-01-02");
            let names: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
            prop_assert!(check(&names, &read_from(&files)).is_empty());
            let mut damaged = files.clone();
            let at = flip.index(damaged.len());
            let byte = flip.index(damaged[at].1.len());
            damaged[at].1[byte] ^= 1;
            prop_assert!(!check(&names, &read_from(&damaged)).is_empty());
        }
    }

    #[test]
    fn a_payload_file_beside_the_manifest_is_found() {
        let payload = BTreeMap::from([("a.pdf".to_owned(), b"%PDF-".to_vec())]);
        let mut files = bag(&payload, &[], "2026-01-02");
        files.push(("data/extra.txt".into(), b"x".to_vec()));
        let names: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
        let problems = check(&names, &read_from(&files));
        assert!(
            problems.iter().any(|p| p.contains("data/extra.txt")),
            "{problems:?}"
        );
    }
}
