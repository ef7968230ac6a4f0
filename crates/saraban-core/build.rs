//! Where each word of the general Thai word list ends, computed once at
//! build time: the segmenter looks words up in the embedded list in place,
//! so a short process (`saraban render`) does not split 1.4 MB into a
//! vector at every start.

use std::fmt::Write as _;

const LIST: &str = "data/words_th.txt";

fn main() {
    println!("cargo:rerun-if-changed={LIST}");
    let text = std::fs::read_to_string(LIST).unwrap_or_else(|e| panic!("{LIST}: {e}"));
    assert!(text.ends_with('\n'), "{LIST}: the last word has no newline");
    let mut ends = Vec::new();
    let mut previous: Option<&str> = None;
    let mut start = 0;
    for (at, _) in text.match_indices('\n') {
        let word = &text[start..at];
        let line = ends.len() + 1;
        assert!(
            !word.is_empty() && !word.contains(char::is_whitespace),
            "{LIST}:{line}: a word, without spaces, on each line"
        );
        assert!(
            previous.is_none_or(|p| p < word),
            "{LIST}:{line}: the list must be sorted by code point and unique"
        );
        ends.push(u32::try_from(at).expect("a word list under 4 GB"));
        previous = Some(word);
        start = at + 1;
    }
    let mut out = format!(
        "/// Where word `i` of `GENERAL` ends: it starts after word `i - 1`'s\n\
         /// newline. Written by build.rs from `{LIST}`.\n\
         static WORD_ENDS: [u32; {}] = [",
        ends.len()
    );
    for end in &ends {
        write!(out, "{end},").expect("a string takes writes");
    }
    out.push_str("];\n");
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("word_ends.rs");
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
