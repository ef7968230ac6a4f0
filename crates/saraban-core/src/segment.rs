//! Thai line breaking decided in Rust.
//!
//! Thai is written without spaces between words, and Typst's own breaker
//! (ICU's LSTM model) guesses where words end: it splits months, surnames,
//! village names and official terms ("พฤษภาค|ม", "ผู้รับผิด|ชอบ"). `Segmenter`
//! finds the words with a dictionary instead (the general word list, the
//! months, the official terms shipped in `data/terms_th.txt`, and the
//! organisation's own names, positions and terms) and writes its decision
//! into the text:
//!
//! - U+200B ZERO WIDTH SPACE (`BREAK`) between words, where a line may break;
//! - U+00A0 NO-BREAK SPACE (`GLUE`) for a space that must not break
//!   ("พ.ศ. ๒๕๖๘", "๙ เมษายน", "ต่าง ๆ", a name and its surname).
//!
//! The templates then break Thai lines only there (see `common.typ`: they
//! switch off Typst's Thai model, and Typst breaks after U+200B). Neither
//! mark has a width of its own (a no-break space is as wide as a space and
//! stretches like one), so lines measure as they would unmarked. Typst
//! keeps both in the typeset text; saraban-typeset takes them out after
//! layout, so that the PDF's text has neither. Marking only where a line
//! may break (rather than U+2060 WORD JOINER inside every word) keeps the
//! text short and the rule in one place.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use icu_segmenter::options::LineBreakOptions;
use icu_segmenter::{LineSegmenter, LineSegmenterBorrowed};

use crate::org::OrgConfig;
use crate::thai::{MONTHS_ABBREVIATED, MONTHS_FULL};

/// Where a line may break.
pub const BREAK: char = '\u{200B}';
/// A space where a line must not break.
pub const GLUE: char = '\u{00A0}';

/// Marks of earlier versions or typed by hand, dropped before marking: the
/// segmenter decides every break of a Thai run.
const JOINER: char = '\u{2060}';

/// In a narrow column, a known word longer than this many clusters may break
/// between the words it is made of ("ประจำปี|งบประมาณ") rather than overflow.
const NARROW_WORD: usize = 10;

/// The general Thai word list of PyThaiNLP (CC0-1.0, see
/// `data/words_th.LICENSE`), kept to entries of Thai letters and dots of at
/// most 20 characters, sorted by code point. Longer entries are phrases,
/// which should stay breakable in a narrow column.
const GENERAL: &str = include_str!("../data/words_th.txt");

/// Official terms, titles and place words the general list lacks; one a
/// line, `#` starts a comment. Edit freely.
const TERMS: &str = include_str!("../data/terms_th.txt");

/// The month names, full and abbreviated, as dates print them.
fn months() -> impl Iterator<Item = &'static str> {
    MONTHS_FULL.iter().chain(MONTHS_ABBREVIATED.iter()).copied()
}

/// Titles that begin a person's name, longest first so that "นางสาว" wins
/// over "นาง".
const TITLES: [&str; 12] = [
    "ว่าที่ร้อยตรีหญิง",
    "ว่าที่ร้อยตรี",
    "เด็กหญิง",
    "เด็กชาย",
    "นางสาว",
    "ว่าที่ร.ต.",
    "นาย",
    "นาง",
    "น.ส.",
    "ด.ช.",
    "ด.ญ.",
    "ดร.",
];

/// Words after which a place's name follows ("ตำบลวังกระแจะ"): the rest of
/// the run after them is kept whole when it is short enough to be a name.
const PLACES: [&str; 14] = [
    "ตำบล",
    "ต.",
    "อำเภอ",
    "อ.",
    "จังหวัด",
    "จ.",
    "หมู่บ้าน",
    "อบต.",
    "อบจ.",
    "ทต.",
    "ทม.",
    "เทศบาลตำบล",
    "เทศบาลเมือง",
    "เทศบาลนคร",
];

/// Words after which a year follows on the same line.
const ERAS: [&str; 4] = ["พ.ศ.", "ค.ศ.", "พุทธศักราช", "คริสต์ศักราช"];

/// A run of unknown letters up to this many clusters is kept whole (most
/// are names the dictionary lacks); a longer one is left to Typst's model.
const UNKNOWN_KEPT: usize = 8;

/// A name run (title and first name, or surname) longer than this many
/// clusters is taken for an ordinary phrase ("นายกองค์การบริหารส่วนตำบล…").
const NAME_MAX: usize = 14;

static LSTM: LazyLock<LineSegmenterBorrowed<'static>> =
    LazyLock::new(|| LineSegmenter::new_lstm(LineBreakOptions::default()));

include!(concat!(env!("OUT_DIR"), "/word_ends.rs"));

/// Word `i` of the general list, read in place.
fn general_word(i: usize) -> &'static [u8] {
    let start = match i {
        0 => 0,
        _ => WORD_ENDS[i - 1] as usize + 1,
    };
    &GENERAL.as_bytes()[start..WORD_ENDS[i] as usize]
}

/// How wide the text's lines are: in a wide column a person's whole name
/// stays on one line; in a narrow one (a table cell) it may break between
/// first name and surname.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Width {
    Wide,
    Narrow,
}

/// The dictionary: the general list plus the extra words of this
/// segmenter. Build one per organisation and share it (`Arc`): it keeps
/// the texts it marked lately, so that a document rendered again at its
/// next step (an endorsement more, a number) only has its new text marked.
#[derive(Debug)]
pub struct Segmenter {
    /// Months, terms and the organisation's words, sorted and unique.
    extra: Vec<String>,
    /// Marked texts by width and text; emptied when full.
    recent: Mutex<HashMap<(Width, String), String>>,
}

/// How many marked texts a segmenter keeps: a few documents' worth.
const RECENT: usize = 4096;

impl Clone for Segmenter {
    fn clone(&self) -> Self {
        Self {
            extra: self.extra.clone(),
            recent: Mutex::default(),
        }
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new(std::iter::empty::<String>())
    }
}

/// The bundled dictionary, built on first use and shared by every
/// typesetter that adds no words of its own.
static BUNDLED: LazyLock<Arc<Segmenter>> = LazyLock::new(|| Arc::new(Segmenter::default()));

/// The organisation's own words that a printed line must not split: its
/// people's names, its positions' titles, its name and unit, its `terms`.
pub fn org_words(org: &OrgConfig) -> Vec<&str> {
    let info = &org.organisation;
    org.people
        .iter()
        .map(|p| p.name.as_str())
        .chain(org.positions.iter().map(|p| p.title.as_str()))
        .chain(std::iter::once(info.name.as_str()))
        .chain(info.unit.as_ref().map(|u| u.as_str()))
        .chain(org.terms.iter().map(|t| t.as_str()))
        .collect()
}

impl Segmenter {
    /// The general list, the months and the shipped terms: built once per
    /// process, shared.
    pub fn bundled() -> Arc<Segmenter> {
        Arc::clone(&BUNDLED)
    }

    /// The general list, the months, the shipped terms and `words`. Each of
    /// `words` is split at whitespace; every piece becomes a word.
    pub fn new<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> Self {
        let mut extra: Vec<String> = months()
            .chain(TITLES.iter().copied())
            .map(str::to_owned)
            .chain(
                TERMS
                    .lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim())
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned),
            )
            .collect();
        for word in words {
            for piece in word
                .as_ref()
                .split(|c: char| !is_run_char(c))
                .map(|w| w.trim_start_matches('.'))
                .filter(|w| !w.is_empty())
            {
                // A long phrase (a position, a unit) stays breakable between
                // its words: only a name-sized piece becomes a word, and a
                // title's name without the title too.
                if clusters_in(piece) <= NAME_MAX {
                    extra.push(piece.to_owned());
                }
                if let Some(title) = TITLES.iter().find(|t| piece.starts_with(**t)) {
                    let name = &piece[title.len()..];
                    if !name.is_empty() && clusters_in(name) <= NAME_MAX {
                        extra.push(name.to_owned());
                    }
                }
            }
        }
        extra.sort_unstable();
        extra.dedup();
        Self {
            extra,
            recent: Mutex::default(),
        }
    }

    /// The words of an organisation: its people's names, position titles,
    /// its name and unit, and its `terms`.
    pub fn for_org(org: &OrgConfig) -> Self {
        Self::new(org_words(org))
    }

    /// Whether `word` is in the dictionary.
    pub fn knows(&self, word: &str) -> bool {
        let bytes = word.as_bytes();
        let first = first_not(0, WORD_ENDS.len(), |i| general_word(i) < bytes);
        (first < WORD_ENDS.len() && general_word(first) == bytes)
            || self
                .extra
                .binary_search_by(|w| w.as_str().cmp(word))
                .is_ok()
    }

    /// `text` with its breaks marked (see the module). Marks already in
    /// `text` are dropped first, so marking is idempotent and `unmark`
    /// gives back the text without them.
    pub fn mark(&self, text: &str, width: Width) -> String {
        let key = (width, text.to_owned());
        if let Some(marked) = self.recent().get(&key) {
            return marked.clone();
        }
        let marked = self.mark_uncached(text, width);
        let mut recent = self.recent();
        if recent.len() >= RECENT {
            recent.clear();
        }
        recent.insert(key, marked.clone());
        marked
    }

    /// The kept texts. A poisoned lock only means another thread panicked
    /// while it held it: the map is still whole.
    fn recent(&self) -> MutexGuard<'_, HashMap<(Width, String), String>> {
        self.recent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mark_uncached(&self, text: &str, width: Width) -> String {
        let text = unmark(text);
        let mut out = String::with_capacity(text.len() * 2);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        // The last whitespace-delimited token's kind, for the space after it.
        let mut previous_name = false;
        while i < chars.len() {
            let (start, c) = chars[i];
            if is_run_char(c) && c != '.' {
                let mut j = i;
                while j < chars.len() && is_run_char(chars[j].1) {
                    j += 1;
                }
                let end = chars.get(j).map_or(text.len(), |(at, _)| *at);
                let run = &text[start..end];
                let name = self.mark_run(run, previous_name, width, &mut out);
                previous_name = name;
                // A number right after Thai letters ("ให้๓๐ กันยายน"): in a
                // narrow column the line may break before it.
                let digit = chars.get(j).is_some_and(|(_, c)| is_digit(*c));
                if width == Width::Narrow && digit {
                    out.push(BREAK);
                }
                i = j;
                continue;
            }
            if c.is_whitespace() && c != '\n' {
                let before = out_word_before(&text[..start]);
                let after = &text[start + c.len_utf8()..];
                out.push(
                    if c == ' ' && glue_space(before, after, previous_name, width) {
                        GLUE
                    } else {
                        c
                    },
                );
                i += 1;
                continue;
            }
            previous_name = false;
            out.push(c);
            i += 1;
        }
        out
    }

    /// `marked` (as `mark` wrote it) with more places to break where a piece
    /// between two of them is wider than its column (`fits` says whether a
    /// piece fits on a line): better a word broken in a column too narrow
    /// for it than text running into the next column. A glued space is let
    /// go first ("ตุลาคม ๒๕๖๗"), then a word breaks between the words it is
    /// made of, and only then between letters (never inside a cluster).
    pub fn fit(&self, marked: &str, fits: &dyn Fn(&str) -> bool) -> String {
        let mut out = String::with_capacity(marked.len() + 8);
        let mut unit = String::new();
        let flush = |unit: &mut String, out: &mut String| {
            if fits(unit) {
                out.push_str(unit);
            } else {
                for (k, word) in unit.split(GLUE).enumerate() {
                    if k > 0 {
                        out.push(' ');
                    }
                    self.fit_word(word, fits, out);
                }
            }
            unit.clear();
        };
        for c in marked.chars() {
            if c == BREAK || (c.is_whitespace() && c != GLUE) {
                flush(&mut unit, &mut out);
                out.push(c);
            } else {
                unit.push(c);
            }
        }
        flush(&mut unit, &mut out);
        out
    }

    /// One word into `out`, with breaks where it does not fit (see `fit`):
    /// between the words it is made of, as many to a line as fit (each
    /// too wide alone broken the same way), else between clusters.
    fn fit_word(&self, word: &str, fits: &dyn Fn(&str) -> bool, out: &mut String) {
        if word.is_empty() || fits(word) {
            out.push_str(word);
            return;
        }
        let bounds = boundaries(word);
        let parts: Vec<(usize, usize)> = if word.chars().all(is_run_char) {
            self.segment(word, &bounds, Some(word.len()))
                .iter()
                .map(|t| (t.start, t.end))
                .collect()
        } else {
            Vec::new()
        };
        if parts.len() > 1 {
            let mut start = 0;
            let mut k = 0;
            while k < parts.len() {
                // The most parts from `k` that fit on one line.
                let mut end = k;
                while end + 1 < parts.len() && fits(&word[parts[k].0..parts[end + 1].1]) {
                    end += 1;
                }
                if start > 0 {
                    out.push(BREAK);
                }
                self.fit_word(&word[parts[k].0..parts[end].1], fits, out);
                start = parts[end].1;
                k = end + 1;
            }
            return;
        }
        // Between clusters, as many to a line as fit; never a line of one
        // cluster after a longer one.
        let mut lines: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        while start < word.len() {
            let end = bounds
                .iter()
                .copied()
                .filter(|&end| end > start && fits(&word[start..end]))
                .last()
                .unwrap_or_else(|| {
                    bounds
                        .iter()
                        .copied()
                        .find(|&b| b > start)
                        .unwrap_or(word.len())
                });
            lines.push((start, end));
            start = end;
        }
        if let [.., (previous_start, previous_end), (last_start, _)] = lines.as_mut_slice() {
            let lone = bounds.iter().filter(|&&b| b > *last_start).count() == 1;
            let back = bounds.iter().copied().rfind(|&b| b < *previous_end);
            if let (true, Some(back)) = (lone, back)
                && back > *previous_start
            {
                *previous_end = back;
                *last_start = back;
            }
        }
        for (k, (start, end)) in lines.into_iter().enumerate() {
            if k > 0 {
                out.push(BREAK);
            }
            out.push_str(&word[start..end]);
        }
    }

    /// Marks one run of Thai letters into `out`; whether it was a title
    /// and first name (so the space after it may be glued to the surname).
    fn mark_run(&self, run: &str, after_name: bool, width: Width, out: &mut String) -> bool {
        let bounds = boundaries(run);
        let clusters = bounds.len() - 1;
        let title = TITLES
            .iter()
            .find(|t| run.starts_with(**t))
            .filter(|t| clusters_in(&run[t.len()..]) >= 2 && clusters <= NAME_MAX);
        // In a narrow column a surname longer than a known word may be is
        // broken between the words it is made of, like a long known word:
        // kept whole, it can leave its row's next words a line of their own
        // ("นามสกุลยาวพอสมควร" in a 4 cm cell made each row a line taller).
        let surname_max = match width {
            Width::Wide => NAME_MAX,
            Width::Narrow => NARROW_WORD,
        };
        if title.is_some() || (after_name && clusters <= surname_max) {
            // A title and first name, or the surname after them: kept whole.
            out.push_str(run);
            return title.is_some();
        }
        let mut tokens = self.segment(run, &bounds, None);
        // A place's name after its kind ("ตำบล", "อำเภอ"…) is kept whole, and
        // so is a title with the name after it ("ให้|นางสาวสมใจ").
        let mut name = false;
        if let Some((k, title)) = tokens.iter().enumerate().find_map(|(k, t)| {
            let word = &run[t.start..t.end];
            let title = TITLES.contains(&word);
            (k + 1 < tokens.len() && (title || PLACES.contains(&word))).then_some((k, title))
        }) {
            let from = if title { k } else { k + 1 };
            let rest = tokens[k + 1].first;
            if clusters - rest <= NAME_MAX && (!title || clusters - rest >= 2) {
                let first = tokens[from].first;
                tokens.truncate(from);
                tokens.push(Token {
                    start: bounds[first],
                    end: run.len(),
                    first,
                    last: clusters,
                    known: true,
                    kept: true,
                });
                name = title;
            }
        }
        for (k, token) in tokens.iter().enumerate() {
            let piece = &run[token.start..token.end];
            if k > 0 {
                let prev = &tokens[k - 1];
                // No line of a lone letter, none starting with ๆ or ฯ.
                let lone = |t: &Token| run[t.start..t.end].chars().count() == 1;
                let attached = piece.starts_with(['ๆ', 'ฯ']);
                if !(lone(prev) || lone(token) || attached) {
                    out.push(BREAK);
                }
            }
            let size = token.last - token.first;
            if token.known && !token.kept && width == Width::Narrow && size > NARROW_WORD {
                let inner: Vec<usize> = bounds[token.first..=token.last]
                    .iter()
                    .map(|b| b - token.start)
                    .collect();
                let parts = self.segment(piece, &inner, Some(piece.len()));
                push_parts(piece, parts.iter().map(|t| (t.start, t.end)), out);
            } else if !token.known && size > UNKNOWN_KEPT {
                // A long stretch the dictionary does not know: where ICU's
                // model would break it.
                let points = LSTM
                    .segment_str(piece)
                    .filter(|p| *p > 0 && *p < piece.len());
                let mut start = 0;
                let pieces = points.chain([piece.len()]).map(|end| {
                    let range = (start, end);
                    start = end;
                    range
                });
                push_parts(piece, pieces.collect::<Vec<_>>().into_iter(), out);
            } else {
                out.push_str(piece);
            }
        }
        name
    }

    /// Maximal matching over cluster boundaries: fewest unknown clusters,
    /// then fewest words. Adjacent unknown clusters make one token.
    /// `whole`: a length not to match at the start (to split a word into
    /// the words it is made of).
    fn segment(&self, run: &str, bounds: &[usize], whole: Option<usize>) -> Vec<Token> {
        let n = bounds.len() - 1;
        let bytes = run.as_bytes();
        // index of each boundary by byte offset
        let mut at = vec![usize::MAX; run.len() + 1];
        for (k, b) in bounds.iter().enumerate() {
            at[*b] = k;
        }
        let mut best: Vec<(u32, u32)> = vec![(u32::MAX, u32::MAX); n + 1];
        let mut from: Vec<(usize, bool)> = vec![(0, false); n + 1];
        best[0] = (0, 0);
        let mut lengths = Vec::new();
        for k in 0..n {
            let (unknown, words) = best[k];
            if unknown == u32::MAX {
                continue;
            }
            let rest = &bytes[bounds[k]..];
            lengths.clear();
            prefix_lengths(WORD_ENDS.len(), general_word, rest, &mut lengths);
            prefix_lengths(
                self.extra.len(),
                |i| self.extra[i].as_bytes(),
                rest,
                &mut lengths,
            );
            let mut offer = |to: usize, cost: (u32, u32), known: bool| {
                // On a tie the later start wins: longer words first
                // ("องค์การ|บริหาร", not "องค์|การบริหาร").
                if cost <= best[to] {
                    best[to] = cost;
                    from[to] = (k, known);
                }
            };
            for &len in &lengths {
                if k == 0 && Some(len) == whole {
                    continue;
                }
                let to = at[bounds[k] + len];
                if to != usize::MAX {
                    offer(to, (unknown, words + 1), true);
                }
            }
            offer(k + 1, (unknown + 1, words + 1), false);
        }
        let mut tokens: Vec<Token> = Vec::new();
        let mut k = n;
        while k > 0 {
            let (prev, known) = from[k];
            match tokens.last_mut() {
                Some(last) if !known && !last.known => {
                    last.first = prev;
                    last.start = bounds[prev];
                }
                _ => tokens.push(Token {
                    start: bounds[prev],
                    end: bounds[k],
                    first: prev,
                    last: k,
                    known,
                    kept: false,
                }),
            }
            k = prev;
        }
        tokens.reverse();
        tokens
    }
}

/// A word (or unknown stretch) of a run: byte range and boundary indices.
#[derive(Debug)]
struct Token {
    start: usize,
    end: usize,
    first: usize,
    last: usize,
    known: bool,
    /// A name or place put together from several words: never split.
    kept: bool,
}

/// `text` without the marks `mark` writes (a no-break space becomes a
/// space again).
pub fn unmark(text: &str) -> String {
    text.chars()
        .filter(|c| *c != BREAK && *c != JOINER)
        .map(|c| if c == GLUE { ' ' } else { c })
        .collect()
}

/// Thai letters, vowels, tone marks, ฯ and ๆ, and the dot of an
/// abbreviation (never the first character of a run). Thai digits and ฿
/// are not: they break like numbers.
fn is_run_char(c: char) -> bool {
    matches!(c, '\u{0E01}'..='\u{0E3A}' | '\u{0E40}'..='\u{0E4E}' | '.')
}

/// Characters that belong to the cluster before them: marks above and
/// below, the vowels that follow a consonant, ฯ, ๆ and an abbreviation dot.
fn attaches(c: char) -> bool {
    matches!(
        c,
        '\u{0E2F}'..='\u{0E3A}' | '\u{0E45}'..='\u{0E4E}' | '.'
    )
}

/// Leading vowels (เ แ โ ใ ไ) belong to the cluster after them.
fn leads(c: char) -> bool {
    matches!(c, '\u{0E40}'..='\u{0E44}')
}

/// Byte offsets in `run` where a cluster may start, and its end.
fn boundaries(run: &str) -> Vec<usize> {
    let mut bounds = vec![0];
    let mut previous: Option<char> = None;
    for (at, c) in run.char_indices() {
        if at > 0 && !attaches(c) && !previous.is_some_and(leads) {
            bounds.push(at);
        }
        previous = Some(c);
    }
    bounds.push(run.len());
    bounds
}

fn clusters_in(text: &str) -> usize {
    if text.is_empty() {
        0
    } else {
        boundaries(text).len() - 1
    }
}

/// `text`'s pieces (byte ranges, in order, covering it) with a break
/// between each two.
fn push_parts(text: &str, parts: impl Iterator<Item = (usize, usize)>, out: &mut String) {
    for (k, (start, end)) in parts.enumerate() {
        if k > 0 {
            out.push(BREAK);
        }
        out.push_str(&text[start..end]);
    }
}

/// The lengths of the words of a sorted list of `count` (word `i` is
/// `word(i)`) that begin `text`: a walk down the list, narrowing it to the
/// words that begin with one more character of `text` at each step (words
/// end only where characters do).
fn prefix_lengths<'a>(
    count: usize,
    word: impl Fn(usize) -> &'a [u8],
    text: &[u8],
    out: &mut Vec<usize>,
) {
    let (mut lo, mut hi) = (0, count);
    let char_ends = (1..=text.len()).filter(|&end| text.get(end).is_none_or(|&b| b & 0xC0 != 0x80));
    for end in char_ends {
        let prefix = &text[..end];
        lo = first_not(lo, hi, |i| word(i) < prefix);
        hi = first_not(lo, hi, |i| word(i).starts_with(prefix));
        if lo == hi {
            return;
        }
        if word(lo).len() == end {
            out.push(end);
        }
    }
}

/// The first index of `lo..hi` where `holds` is false, given it holds for
/// a prefix of the range and not after (a list's `partition_point`).
fn first_not(mut lo: usize, mut hi: usize, holds: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The whitespace-delimited word that ends `text` (before a space).
fn out_word_before(text: &str) -> &str {
    let trimmed = text.trim_end();
    let start = trimmed.rfind(char::is_whitespace).map_or(0, |at| {
        at + trimmed[at..].chars().next().map_or(1, char::len_utf8)
    });
    &trimmed[start..]
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('๐'..='๙').contains(&c)
}

/// Whether the space between `before` and `after` must not break.
fn glue_space(before: &str, after: &str, after_name: bool, width: Width) -> bool {
    let next = after.trim_start();
    let next_word = next.split(char::is_whitespace).next().unwrap_or("");
    let first = next.chars().next();
    let digit = |c: Option<char>| c.is_some_and(is_digit);
    // Before ๆ, ฯ or a closing bracket.
    if matches!(first, Some('ๆ' | 'ฯ' | ')' | ']' | '}' | '”' | '’' | '»')) {
        return true;
    }
    // An era and its year; a day and its month; a month and its year.
    if ERAS.contains(&before) && digit(first) {
        return true;
    }
    let month = |w: &str| months().any(|m| m == w);
    if digit(before.chars().last()) && month(next_word) {
        return true;
    }
    if month(before) && (digit(first) || ERAS.contains(&next_word)) {
        return true;
    }
    // A title and first name, and the surname after it, where the line is
    // wide enough to hold them.
    after_name && width == Width::Wide && looks_like_surname(next_word)
}

/// A surname: Thai letters only, not too long.
fn looks_like_surname(word: &str) -> bool {
    !word.is_empty()
        && word.chars().all(is_run_char)
        && !word.starts_with('.')
        && clusters_in(word) <= NAME_MAX
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn show(text: &str) -> String {
        text.replace(BREAK, "|").replace(GLUE, "_")
    }

    #[test]
    fn the_word_list_is_sorted_and_unique() {
        assert!(WORD_ENDS.len() > 50_000);
        assert!((1..WORD_ENDS.len()).all(|i| general_word(i - 1) < general_word(i)));
        // The words read in place are the file's lines.
        let lines: Vec<&str> = GENERAL.lines().collect();
        assert_eq!(lines.len(), WORD_ENDS.len());
        assert!(
            lines
                .iter()
                .enumerate()
                .all(|(i, l)| l.as_bytes() == general_word(i))
        );
    }

    #[test]
    fn words_are_found() {
        let s = Segmenter::default();
        assert_eq!(
            show(&s.mark("ผู้รับผิดชอบประจำปีงบประมาณ", Width::Wide)),
            "ผู้รับผิดชอบ|ประจำปีงบประมาณ"
        );
        assert_eq!(show(&s.mark("เดือนพฤษภาคม", Width::Narrow)), "เดือน|พฤษภาคม");
        // In a narrow column a long term may break between its words.
        let s = Segmenter::new(["คุณธรรมและความโปร่งใส"]);
        let term = "คุณธรรมและความโปร่งใส";
        assert_eq!(show(&s.mark(term, Width::Wide)), term);
        assert_eq!(show(&s.mark(term, Width::Narrow)), "คุณธรรม|และ|ความโปร่งใส");
    }

    #[test]
    fn places_and_organisation_words_are_kept_whole() {
        let s = Segmenter::default();
        let marked = show(&s.mark("องค์การบริหารส่วนตำบลวังกระแจะ", Width::Narrow));
        assert!(marked.ends_with("ตำบล|วังกระแจะ"), "{marked}");
        let s = Segmenter::new(["หนองบัวแดง"]);
        assert_eq!(
            show(&s.mark("บ้านหนองบัวแดง", Width::Narrow)),
            "บ้าน|หนองบัวแดง"
        );
    }

    #[test]
    fn no_break_before_repetition_or_after_an_era() {
        let s = Segmenter::default();
        let marked = show(&s.mark(
            "เรื่องต่าง ๆ ภายใน พ.ศ. ๒๕๖๘ และ ๙ เมษายน ๒๕๖๘ (ฉบับ)",
            Width::Narrow,
        ));
        assert!(marked.contains("ต่าง_ๆ"), "{marked}");
        assert!(marked.contains("พ.ศ._๒๕๖๘"), "{marked}");
        assert!(marked.contains("๙_เมษายน_๒๕๖๘"), "{marked}");
    }

    #[test]
    fn a_name_stays_whole_where_the_line_allows() {
        let s = Segmenter::default();
        let wide = show(&s.mark("ให้นางสาวฉัญญุรัตน์ อิ่มสมบัติ เป็นผู้รับผิดชอบ", Width::Wide));
        assert!(wide.contains("นางสาวฉัญญุรัตน์_อิ่มสมบัติ "), "{wide}");
        let narrow = show(&s.mark("นางสาวฉัญญุรัตน์ อิ่มสมบัติ", Width::Narrow));
        assert_eq!(narrow, "นางสาวฉัญญุรัตน์ อิ่มสมบัติ");
        // นายก is a mayor, not a title.
        let mayor = show(&s.mark("นายกองค์การบริหารส่วนตำบลวังกระแจะ", Width::Wide));
        assert!(mayor.contains('|'), "{mayor}");
    }

    #[test]
    fn a_long_surname_may_break_between_its_words_in_a_narrow_column() {
        let s = Segmenter::default();
        let name = "นายทดสอบ นามสกุลยาวพอสมควร";
        assert_eq!(
            show(&s.mark(name, Width::Wide)),
            "นายทดสอบ_นามสกุลยาวพอสมควร"
        );
        assert_eq!(
            show(&s.mark(name, Width::Narrow)),
            "นายทดสอบ นามสกุล|ยาว|พอสมควร"
        );
        // A surname of ordinary length stays whole in either.
        let name = "นายทดสอบ ศรีสุวรรณ";
        assert_eq!(show(&s.mark(name, Width::Narrow)), name);
    }

    #[test]
    fn a_piece_too_wide_for_its_column_is_broken_to_fit() {
        let s = Segmenter::default();
        // At most six characters to a line (marks not counted).
        let fits = |piece: &str| piece.chars().filter(|c| *c != BREAK).count() <= 6;
        let marked = s.mark("ตุลาคม ๒๕๖๗", Width::Narrow);
        assert_eq!(show(&s.fit(&marked, &fits)), "ตุลาคม ๒๕๖๗");
        let marked = s.mark("ผู้รับผิดชอบ", Width::Narrow);
        let fitted = s.fit(&marked, &fits);
        assert_eq!(unmark(&fitted), "ผู้รับผิดชอบ");
        assert!(fitted.split(BREAK).all(fits), "{}", show(&fitted));
        // What fits is left as marked.
        let marked = s.mark("ให้ผู้รับผิดชอบ", Width::Narrow);
        assert_eq!(s.fit(&marked, &|_| true), marked);
    }

    #[test]
    fn marked_texts_are_kept_and_given_back_alike() {
        let s = Segmenter::default();
        let text = "ผู้รับผิดชอบประจำปีงบประมาณ";
        let first = s.mark(text, Width::Wide);
        assert_eq!(s.mark(text, Width::Wide), first);
        assert_eq!(s.clone().mark(text, Width::Wide), first);
        assert_ne!(s.mark(text, Width::Narrow), "");
    }

    #[test]
    fn an_unknown_stretch_breaks_where_the_model_would() {
        let s = Segmenter::default();
        // Letters no dictionary word covers, long enough to need a break.
        let marked = s.mark("ฉัญญุรัตน์ฉัญญุรัตน์ฉัญญุรัตน์", Width::Narrow);
        assert_eq!(unmark(&marked), "ฉัญญุรัตน์ฉัญญุรัตน์ฉัญญุรัตน์");
    }

    proptest! {
        #[test]
        fn marking_keeps_the_text_and_is_idempotent(
            text in "[ก-ฮะ-ฺเ-๎ .๑๒a-z]{0,60}"
        ) {
            let s = Segmenter::default();
            for width in [Width::Narrow, Width::Wide] {
                let marked = s.mark(&text, width);
                prop_assert_eq!(unmark(&marked), text.clone());
                prop_assert_eq!(s.mark(&marked, width), marked.clone());
            }
        }

        #[test]
        fn a_known_word_is_never_broken(
            pick in proptest::collection::vec(0usize..16, 1..12)
        ) {
            const WORDS: [&str; 16] = [
                "ผู้รับผิดชอบ", "อิเล็กทรอนิกส์", "พฤษภาคม", "มีนาคม", "กรุงเทพมหานคร",
                "ประจำปีงบประมาณ", "วังกระแจะ", "สมบัติ", "โปร่งใส", "คุณธรรม",
                "ดำเนินการ", "หน่วยงาน", "ราชการ", "ตำบล", "จังหวัด", "ชลบุรี",
            ];
            let s = Segmenter::new(["วังกระแจะ"]);
            let text = pick.iter().map(|k| WORDS[*k]).collect::<Vec<_>>().join(" ");
            let marked = s.mark(&text, Width::Wide);
            for word in marked.split([' ', GLUE]) {
                prop_assert!(!word.contains(BREAK), "{}", show(&marked));
            }
        }

        #[test]
        fn prefix_lengths_are_the_words_that_begin_the_text(
            picks in proptest::collection::vec(0usize..61_000, 1..4),
            tail in "[ก-ฮะ-ฺเ-๎]{0,4}"
        ) {
            // Words of the list run together, and a few letters after.
            let text: String = picks
                .iter()
                .map(|&i| std::str::from_utf8(general_word(i % WORD_ENDS.len())).unwrap())
                .chain(std::iter::once(tail.as_str()))
                .collect();
            let text = text.as_bytes();
            let mut found = Vec::new();
            prefix_lengths(WORD_ENDS.len(), general_word, text, &mut found);
            let expected: Vec<usize> = (0..WORD_ENDS.len())
                .map(general_word)
                .filter(|w| text.starts_with(w))
                .map(<[u8]>::len)
                .collect();
            prop_assert_eq!(found, expected);
        }
    }
}
