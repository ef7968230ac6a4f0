//! No crate of the workspace has a cycle between its modules.
//!
//! For every crate under `crates/*/` (each of `src/lib.rs`, `src/main.rs`
//! and `src/bin/*.rs` is a root of its own), the module tree is read by
//! following `mod name;` declarations (`name.rs`, `name/mod.rs`, and
//! `parent/name.rs` for nested modules). Each module file is lexed (comments,
//! doc comments, strings, raw strings and character literals are skipped, so
//! words in text make no reference), and its references to modules of the
//! same crate are collected:
//!
//! - `use` trees (`use crate::{a, b::{c, d}}`, over several lines),
//! - paths anywhere in the code (`crate::a::f()`, `super::x`, `self::y`),
//!   resolved relative to the module (an inline `mod tests { .. }` belongs to
//!   its file's module, so its `use super::*` is no reference),
//! - in a module that has children (the crate root, a `mod.rs`, a `name.rs`
//!   with a `name/` folder), paths whose first segment is one of its child
//!   modules (`writer::Writers`, `use admin::page`).
//!
//! A reference goes to the longest prefix of its path that is a module of the
//! crate: `crate::engine::DocRow` to `engine`, `crate::Store` (an item of the
//! root, defined or re-exported there) to the root. `mod` declarations are no
//! edges, and neither are the root's `pub use` / `pub(crate) use` lines (the
//! root is the crate's facade); everything else the root uses of its modules
//! is. A reference of a module to itself is ignored.
//!
//! The strongly connected components of that graph (Tarjan) with more than
//! one module are the cycles. The failure names, for each of them, one
//! shortest cycle through every edge between its modules, each edge with the
//! `file:line` of a reference that makes it: removing those references, or
//! moving what they name, breaks the cycle.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Lexing: just enough of Rust to tell code from comments and literals.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Ident(String),
    /// `r#name`: never a keyword, never one of `crate`, `self`, `super`.
    RawIdent(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string, character, byte or number literal.
    Literal,
    Lifetime,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    line: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Skips a `"…"` literal whose opening quote is at `start`; returns the
/// index after its closing quote.
fn skip_string(chars: &[char], start: usize, line: &mut usize) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if chars.get(i + 1) == Some(&'\n') {
                    *line += 1;
                }
                i += 2;
            }
            '"' => return i + 1,
            '\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// Skips a raw string `r##"…"##` whose first `#` (or quote) is at `start`;
/// returns the index after it, or `None` when `start` begins no raw string.
fn skip_raw_string(chars: &[char], start: usize, line: &mut usize) -> Option<usize> {
    let mut i = start;
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '\n' {
            *line += 1;
        } else if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(chars.len())
}

/// Skips a character literal `'x'`, `'\n'`, `'\u{..}'` at `start`, or
/// returns `None` when the quote begins a lifetime or a label.
fn skip_char(chars: &[char], start: usize) -> Option<usize> {
    match chars.get(start + 1) {
        Some('\\') => {
            let mut i = start + 3;
            while i < chars.len() && chars[i] != '\'' && chars[i] != '\n' {
                i += 1;
            }
            Some(i + 1)
        }
        Some(_) if chars.get(start + 2) == Some(&'\'') => Some(start + 3),
        _ => None,
    }
}

fn lex(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let at = line;
        let mut push = |kind| tokens.push(Token { kind, line: at });
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(&chars, i, &mut line);
            push(Kind::Literal);
        } else if c == '\'' {
            match skip_char(&chars, i) {
                Some(end) => {
                    i = end;
                    push(Kind::Literal);
                }
                None => {
                    i += 1;
                    while i < chars.len() && is_ident_char(chars[i]) {
                        i += 1;
                    }
                    push(Kind::Lifetime);
                }
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            push(Kind::Literal);
        } else if is_ident_start(c) {
            let mut end = i;
            while end < chars.len() && is_ident_char(chars[end]) {
                end += 1;
            }
            let word: String = chars[i..end].iter().collect();
            let after = chars.get(end).copied();
            match (word.as_str(), after) {
                // Byte and C string literals, byte characters.
                ("b" | "c", Some('"')) => {
                    i = skip_string(&chars, end, &mut line);
                    push(Kind::Literal);
                }
                ("b", Some('\'')) => {
                    i = skip_char(&chars, end).unwrap_or(end + 1);
                    push(Kind::Literal);
                }
                ("r" | "br" | "cr", Some('"' | '#')) => {
                    match skip_raw_string(&chars, end, &mut line) {
                        Some(after_raw) => {
                            i = after_raw;
                            push(Kind::Literal);
                        }
                        None if word == "r"
                            && chars.get(end + 1).is_some_and(|&c| is_ident_start(c)) =>
                        {
                            let mut raw_end = end + 1;
                            while raw_end < chars.len() && is_ident_char(chars[raw_end]) {
                                raw_end += 1;
                            }
                            push(Kind::RawIdent(chars[end + 1..raw_end].iter().collect()));
                            i = raw_end;
                        }
                        None => {
                            push(Kind::Ident(word));
                            i = end;
                        }
                    }
                }
                _ => {
                    push(Kind::Ident(word));
                    i = end;
                }
            }
        } else if c == ':' && next == Some(':') {
            push(Kind::PathSep);
            i += 2;
        } else {
            push(Kind::Punct(c));
            i += 1;
        }
    }
    tokens
}

// ---------------------------------------------------------------------------
// Scanning one file: its `mod name;` declarations and its module paths.

/// What a path starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Base {
    /// `crate::…` (or `$crate::…` in a macro).
    Crate,
    /// `self::…`
    SelfModule,
    /// `super::…`, so many times.
    Super(usize),
    /// `name::…`: a reference only when `name` is a child module of the
    /// file's module.
    Plain,
}

/// A path as written, before the module tree is known.
#[derive(Debug, Clone)]
struct RawRef {
    base: Base,
    /// The inline modules (`mod tests { .. }`) around the path.
    inline: Vec<String>,
    /// The segments after the base (for `Plain`, all of them), with lines.
    segments: Vec<(String, usize)>,
    /// The line of the path's first token.
    line: usize,
    /// In a `pub use` / `pub(…) use` item.
    reexport: bool,
}

#[derive(Debug, Default)]
struct FileScan {
    /// `mod name;` declared by the file itself, with lines.
    mods: Vec<(String, usize)>,
    refs: Vec<RawRef>,
}

fn ident(token: Option<&Token>) -> Option<&str> {
    match token.map(|t| &t.kind) {
        Some(Kind::Ident(name)) => Some(name),
        _ => None,
    }
}

/// A name in a path: an identifier, raw or not.
fn name(token: Option<&Token>) -> Option<&str> {
    match token.map(|t| &t.kind) {
        Some(Kind::Ident(name) | Kind::RawIdent(name)) => Some(name),
        _ => None,
    }
}

fn is_punct(token: Option<&Token>, c: char) -> bool {
    matches!(token.map(|t| &t.kind), Some(Kind::Punct(p)) if *p == c)
}

fn is_path_sep(token: Option<&Token>) -> bool {
    matches!(token.map(|t| &t.kind), Some(Kind::PathSep))
}

/// Whether the `use` at `at` has a visibility: `pub use`, `pub(crate) use`.
fn is_pub_use(tokens: &[Token], at: usize) -> bool {
    if at == 0 {
        return false;
    }
    if ident(tokens.get(at - 1)) == Some("pub") {
        return true;
    }
    if !is_punct(tokens.get(at - 1), ')') {
        return false;
    }
    let mut depth = 0;
    let mut k = at - 1;
    loop {
        if is_punct(tokens.get(k), ')') {
            depth += 1;
        } else if is_punct(tokens.get(k), '(') {
            depth -= 1;
            if depth == 0 {
                return k > 0 && ident(tokens.get(k - 1)) == Some("pub");
            }
        }
        if k == 0 {
            return false;
        }
        k -= 1;
    }
}

/// Parses one use tree at `at`, appending its leaves (full paths) to `out`;
/// returns the index after the tree.
fn use_tree(
    tokens: &[Token],
    mut at: usize,
    prefix: &[(String, usize)],
    out: &mut Vec<Vec<(String, usize)>>,
) -> usize {
    let mut path = prefix.to_vec();
    if is_path_sep(tokens.get(at)) {
        // `::name`: an external crate.
        path.push(("::".to_owned(), tokens[at].line));
        at += 1;
    }
    loop {
        if is_punct(tokens.get(at), '$') && name(tokens.get(at + 1)).is_some() {
            at += 1;
        }
        if let Some(segment) = name(tokens.get(at)) {
            path.push((segment.to_owned(), tokens[at].line));
            at += 1;
            if is_path_sep(tokens.get(at)) {
                at += 1;
                continue;
            }
            if ident(tokens.get(at)) == Some("as") {
                at += 2;
            }
            out.push(path);
            return at;
        }
        if is_punct(tokens.get(at), '*') {
            path.push(("*".to_owned(), tokens[at].line));
            out.push(path);
            return at + 1;
        }
        if is_punct(tokens.get(at), '{') {
            at += 1;
            while at < tokens.len() && !is_punct(tokens.get(at), '}') {
                let before = at;
                at = use_tree(tokens, at, &path, out);
                if is_punct(tokens.get(at), ',') {
                    at += 1;
                } else if at == before {
                    // Not a use tree: step over it rather than loop.
                    at += 1;
                }
            }
            return at + 1;
        }
        return at;
    }
}

/// Makes a reference of a path's segments (`crate`, `self`, `super` first
/// or a plain name).
fn classify(mut path: Vec<(String, usize)>, inline: &[String], reexport: bool) -> Option<RawRef> {
    // `use crate::a::{self, B}`: `self` is `crate::a`.
    if path.len() > 1 && path.last().is_some_and(|(s, _)| s == "self") {
        path.pop();
    }
    let (first, line) = path.first()?.clone();
    let (base, skip) = match first.as_str() {
        "crate" => (Base::Crate, 1),
        "self" => (Base::SelfModule, 1),
        "super" => {
            let n = path.iter().take_while(|(s, _)| s == "super").count();
            (Base::Super(n), n)
        }
        "::" => return None,
        _ => (Base::Plain, 0),
    };
    Some(RawRef {
        base,
        inline: inline.to_vec(),
        segments: path[skip..].to_vec(),
        line,
        reexport,
    })
}

fn scan(source: &str) -> FileScan {
    let tokens = lex(source);
    let mut result = FileScan::default();
    // One entry per open brace: the inline module it opens, if it does.
    let mut braces: Vec<Option<String>> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let inline: Vec<String> = braces.iter().flatten().cloned().collect();
        let token = &tokens[i];
        match &token.kind {
            Kind::Punct('{') => {
                let opens = (i >= 2 && ident(tokens.get(i - 2)) == Some("mod"))
                    .then(|| name(tokens.get(i - 1)).map(str::to_owned))
                    .flatten();
                braces.push(opens);
                i += 1;
            }
            Kind::Punct('}') => {
                braces.pop();
                i += 1;
            }
            Kind::Ident(word) if word == "mod" => {
                if let Some(module) = name(tokens.get(i + 1))
                    && is_punct(tokens.get(i + 2), ';')
                    && inline.is_empty()
                {
                    result.mods.push((module.to_owned(), token.line));
                }
                i += 1;
            }
            // Not `impl Trait + use<'a>` (precise capturing).
            Kind::Ident(word) if word == "use" && !is_punct(tokens.get(i + 1), '<') => {
                let reexport = is_pub_use(&tokens, i);
                let mut leaves = Vec::new();
                let at = use_tree(&tokens, i + 1, &[], &mut leaves);
                for leaf in leaves {
                    result.refs.extend(classify(leaf, &inline, reexport));
                }
                i = if is_punct(tokens.get(at), ';') {
                    at + 1
                } else {
                    at.max(i + 1)
                };
            }
            Kind::Ident(first) if is_path_sep(tokens.get(i + 1)) => {
                let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
                let continues = is_path_sep(previous) || is_punct(previous, '.');
                // `pub(in crate::a)` is a visibility, no use of `a`.
                let visibility =
                    ident(previous) == Some("in") && i >= 2 && is_punct(tokens.get(i - 2), '(');
                let metavariable = is_punct(previous, '$') && first != "crate";
                let mut path = vec![(first.clone(), token.line)];
                let mut end = i;
                while is_path_sep(tokens.get(end + 1)) {
                    match name(tokens.get(end + 2)) {
                        Some(segment) => {
                            path.push((segment.to_owned(), tokens[end + 2].line));
                            end += 2;
                        }
                        None => break,
                    }
                }
                if !continues && !visibility && !metavariable && path.len() > 1 {
                    result.refs.extend(classify(path, &inline, false));
                }
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    result
}

// ---------------------------------------------------------------------------
// The module tree of one crate root, and its graph.

#[derive(Debug)]
struct Module {
    /// From the root: `[]` is the root, `["web", "admin"]` is `web::admin`.
    path: Vec<String>,
    file: PathBuf,
    source: String,
    scan: FileScan,
    children: Vec<String>,
}

impl Module {
    fn display(&self) -> String {
        display_path(&self.path)
    }
}

fn display_path(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// One place in the code that makes an edge.
#[derive(Debug, Clone)]
struct Reference {
    file: PathBuf,
    line: usize,
    text: String,
}

#[derive(Debug)]
struct Graph {
    modules: Vec<Module>,
    /// `(from, to)` → the references that make the edge, one per line, in
    /// file order.
    edges: BTreeMap<(usize, usize), Vec<Reference>>,
    /// `mod name;` declarations without a file.
    missing: Vec<String>,
}

/// Reads the tree from `root` (a `lib.rs`, `main.rs` or `bin/*.rs`) with
/// `read`, then resolves every reference.
fn build(root: &Path, read: &dyn Fn(&Path) -> Option<String>) -> Graph {
    let mut modules: Vec<Module> = Vec::new();
    let mut missing = Vec::new();
    let mut queue = VecDeque::from([(Vec::<String>::new(), root.to_path_buf())]);
    while let Some((path, file)) = queue.pop_front() {
        // A module whose file is missing stays known (empty), so that paths
        // through it still resolve to it.
        let source = read(&file).unwrap_or_else(|| {
            if path.is_empty() {
                missing.push(format!("{}: cannot be read", file.display()));
            }
            String::new()
        });
        let scan = scan(&source);
        let folder = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        // A root or `mod.rs` keeps its children beside it; `name.rs` in `name/`.
        let children_folder = if path.is_empty() || stem == "mod" {
            folder
        } else {
            folder.join(stem)
        };
        let mut children = Vec::new();
        for (child, line) in &scan.mods {
            let flat = children_folder.join(format!("{child}.rs"));
            let nested = children_folder.join(child).join("mod.rs");
            let found = [flat.clone(), nested.clone()]
                .into_iter()
                .find(|candidate| read(candidate).is_some());
            if found.is_none() {
                missing.push(format!(
                    "{}:{line}: `mod {child};` has neither {} nor {}",
                    file.display(),
                    flat.display(),
                    nested.display()
                ));
            }
            let mut child_path = path.clone();
            child_path.push(child.clone());
            queue.push_back((child_path, found.unwrap_or(flat)));
            children.push(child.clone());
        }
        modules.push(Module {
            path,
            file,
            source,
            scan,
            children,
        });
    }

    let index: HashMap<Vec<String>, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.clone(), i))
        .collect();
    let mut edges: BTreeMap<(usize, usize), Vec<Reference>> = BTreeMap::new();
    for (from, module) in modules.iter().enumerate() {
        let lines: Vec<&str> = module.source.lines().collect();
        for raw in &module.scan.refs {
            let Some((target, line)) = resolve(module, raw, &index) else {
                continue;
            };
            if target == from || (module.path.is_empty() && raw.reexport) {
                continue;
            }
            let text = lines.get(line - 1).map_or("", |l| l.trim()).to_owned();
            edges.entry((from, target)).or_default().push(Reference {
                file: module.file.clone(),
                line,
                text,
            });
        }
    }
    for references in edges.values_mut() {
        references.sort_by_key(|r| r.line);
        references.dedup_by_key(|r| r.line);
    }
    Graph {
        modules,
        edges,
        missing,
    }
}

/// The module a reference goes to, and the line to show for it.
fn resolve(
    module: &Module,
    raw: &RawRef,
    index: &HashMap<Vec<String>, usize>,
) -> Option<(usize, usize)> {
    let context = || {
        let mut context = module.path.clone();
        context.extend(raw.inline.iter().cloned());
        context
    };
    let base = match raw.base {
        Base::Crate => Vec::new(),
        Base::SelfModule => context(),
        Base::Super(n) => {
            let mut context = context();
            context.truncate(context.len().checked_sub(n)?);
            context
        }
        Base::Plain => {
            let (first, _) = raw.segments.first()?;
            if !raw.inline.is_empty() || !module.children.contains(first) {
                return None;
            }
            module.path.clone()
        }
    };
    let mut full = base.clone();
    full.extend(raw.segments.iter().map(|(s, _)| s.clone()));
    let known = (0..=full.len())
        .rev()
        .find(|&k| index.contains_key(&full[..k]))?;
    let target = index[&full[..known]];
    // The line of the first segment past the module (the item used), else
    // of the last segment, else of the path.
    let line = known
        .checked_sub(base.len())
        .and_then(|k| raw.segments.get(k).or(raw.segments.last()))
        .or(raw.segments.last())
        .map_or(raw.line, |(_, line)| *line);
    Some((target, line))
}

// ---------------------------------------------------------------------------
// Cycles.

/// Tarjan's strongly connected components, each sorted, in a stable order.
fn components(nodes: usize, edges: &BTreeMap<(usize, usize), Vec<Reference>>) -> Vec<Vec<usize>> {
    #[derive(Debug)]
    struct Tarjan<'a> {
        next: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        found: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.counter);
            self.low[v] = self.counter;
            self.counter += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for &w in &self.next[v] {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                self.found.push(component);
            }
        }
    }
    let mut next = vec![Vec::new(); nodes];
    for &(from, to) in edges.keys() {
        next[from].push(to);
    }
    let mut tarjan = Tarjan {
        next: &next,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        counter: 0,
        found: Vec::new(),
    };
    for v in 0..nodes {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    let mut found = tarjan.found;
    found.sort();
    found
}

/// In one component: for every edge between its modules, a shortest cycle
/// through it; each cycle once, shortest first. A cycle lists its modules
/// from the lowest, without repeating the first at the end.
fn cycles_of(
    component: &[usize],
    edges: &BTreeMap<(usize, usize), Vec<Reference>>,
) -> Vec<Vec<usize>> {
    let inside: BTreeSet<usize> = component.iter().copied().collect();
    let internal: Vec<(usize, usize)> = edges
        .keys()
        .copied()
        .filter(|(a, b)| inside.contains(a) && inside.contains(b))
        .collect();
    let mut found = BTreeSet::new();
    for &(from, to) in &internal {
        // Shortest way back from `to` to `from`.
        let mut previous: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([to]);
        let mut seen = BTreeSet::from([to]);
        while let Some(v) = queue.pop_front() {
            if v == from {
                break;
            }
            for &(_, w) in internal.iter().filter(|(a, _)| *a == v) {
                if seen.insert(w) {
                    previous.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        let mut back = vec![from];
        let mut v = from;
        while v != to {
            v = previous[&v];
            back.push(v);
        }
        // back = [from, …, to] walking predecessors: the cycle is
        // from → to → … → from.
        back.reverse();
        let mut cycle = vec![from];
        cycle.extend(back.into_iter().take_while(|&v| v != from));
        let lowest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
        cycle.rotate_left(lowest);
        found.insert(cycle);
    }
    let mut found: Vec<Vec<usize>> = found.into_iter().collect();
    found.sort_by_key(|cycle| cycle.len());
    found
}

/// The cycles of one crate root, described for a developer; empty when
/// there are none.
fn describe_cycles(graph: &Graph, workspace: &Path) -> String {
    let shown = |file: &Path| {
        file.strip_prefix(workspace)
            .unwrap_or(file)
            .display()
            .to_string()
    };
    let mut out = String::new();
    for component in components(graph.modules.len(), &graph.edges) {
        if component.len() < 2 {
            continue;
        }
        let names: Vec<String> = component
            .iter()
            .map(|&m| graph.modules[m].display())
            .collect();
        let cycles = cycles_of(&component, &graph.edges);
        let _ = writeln!(
            out,
            "  {} modules depend on each other: {}",
            component.len(),
            names.join(", ")
        );
        for cycle in cycles {
            let mut closed = cycle.clone();
            closed.push(cycle[0]);
            let route: Vec<String> = closed.iter().map(|&m| graph.modules[m].display()).collect();
            let _ = writeln!(out, "    cycle: {}", route.join(" → "));
            for pair in closed.windows(2) {
                let references = &graph.edges[&(pair[0], pair[1])];
                let first = &references[0];
                let more = match references.len() - 1 {
                    0 => String::new(),
                    1 => " (+1 more line)".to_owned(),
                    n => format!(" (+{n} more lines)"),
                };
                let _ = writeln!(
                    out,
                    "      {} → {}: {}:{}{more}  `{}`",
                    graph.modules[pair[0]].display(),
                    graph.modules[pair[1]].display(),
                    shown(&first.file),
                    first.line,
                    first.text
                );
            }
        }
    }
    out
}

/// The roots of a crate: `src/lib.rs`, `src/main.rs`, `src/bin/*.rs`.
fn roots(crate_dir: &Path) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
        .iter()
        .map(|file| crate_dir.join("src").join(file))
        .filter(|file| file.is_file())
        .collect();
    if let Ok(entries) = fs::read_dir(crate_dir.join("src").join("bin")) {
        let mut bins: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "rs"))
            .collect();
        bins.sort();
        roots.extend(bins);
    }
    roots
}

#[test]
fn no_module_cycle_in_any_crate() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the stories package is inside the workspace");
    let mut crate_dirs: Vec<PathBuf> = fs::read_dir(workspace.join("crates"))
        .expect("crates/ of the workspace")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    crate_dirs.sort();
    let read = |file: &Path| fs::read_to_string(file).ok();
    let mut checked = 0;
    let mut failures = String::new();
    for crate_dir in &crate_dirs {
        let crate_name = crate_dir.file_name().unwrap_or_default().to_string_lossy();
        for root in roots(crate_dir) {
            checked += 1;
            let graph = build(&root, &read);
            let root_shown = root.strip_prefix(workspace).unwrap_or(&root).display();
            let mut problems = String::new();
            for missing in &graph.missing {
                let missing = missing.replace(&format!("{}/", workspace.display()), "");
                let _ = writeln!(problems, "  missing module file: {missing}");
            }
            problems.push_str(&describe_cycles(&graph, workspace));
            println!(
                "{crate_name} ({root_shown}): {} modules, {} edges{}",
                graph.modules.len(),
                graph.edges.len(),
                if problems.is_empty() {
                    ", no cycle"
                } else {
                    ", FAILS (below)"
                }
            );
            if !problems.is_empty() {
                let _ = writeln!(failures, "{crate_name} ({root_shown}):\n{problems}");
            }
        }
    }
    assert!(
        checked > 0,
        "no crate root found under {}",
        workspace.join("crates").display()
    );
    assert!(
        failures.is_empty(),
        "module cycles: each cycle below is a path of references between modules; break it \
         by removing one of its edges (the reference shown, and the other lines counted \
         with it)\n\n{failures}"
    );
}

// ---------------------------------------------------------------------------
// The parser and the cycle search on sources in memory.

#[cfg(test)]
mod tests {
    use super::*;

    /// The resolved edges of a crate given as `(file, source)`, as
    /// `from → to` names with the line of their first reference.
    fn graph_of(files: &[(&str, &str)]) -> Graph {
        let files: HashMap<PathBuf, String> = files
            .iter()
            .map(|(path, source)| (PathBuf::from(path), (*source).to_owned()))
            .collect();
        let root = if files.contains_key(Path::new("src/lib.rs")) {
            "src/lib.rs"
        } else {
            "src/main.rs"
        };
        build(Path::new(root), &|file| files.get(file).cloned())
    }

    fn edges(graph: &Graph) -> Vec<String> {
        graph
            .edges
            .iter()
            .map(|((from, to), references)| {
                format!(
                    "{} → {} :{}",
                    graph.modules[*from].display(),
                    graph.modules[*to].display(),
                    references[0].line
                )
            })
            .collect()
    }

    fn targets(source: &str) -> Vec<String> {
        scan(source)
            .refs
            .iter()
            .map(|r| {
                let base = match r.base {
                    Base::Crate => "crate::".to_owned(),
                    Base::SelfModule => "self::".to_owned(),
                    Base::Super(n) => "super::".repeat(n),
                    Base::Plain => String::new(),
                };
                let segments: Vec<&str> = r.segments.iter().map(|(s, _)| s.as_str()).collect();
                format!("{base}{}", segments.join("::"))
            })
            .collect()
    }

    #[test]
    fn comments_and_strings_make_no_reference() {
        let source = r####"
            // use crate::a::X;
            /* crate::b::f() /* nested crate::c */ still crate::d */
            /// Calls crate::e::g().
            //! Inner crate::f.
            /** crate::g */
            fn f<'a>(x: &'a str) -> char {
                let _ = "crate::h::i() \" crate::j";
                let _ = r"crate::k";
                let _ = r#"crate::l "quoted" crate::m"#;
                let _ = br##"crate::n "# crate::o"##;
                let _ = b"crate::p";
                let _ = '"';
                let _ = '\'';
                let _ = b'{';
                'outer: loop { break 'outer; }
                crate::real::call()
            }
        "####;
        assert_eq!(targets(source), ["crate::real::call"]);
    }

    #[test]
    fn grouped_and_multi_line_uses() {
        let source = "
            use crate::{
                a,
                b::{c, d::E as F},
                g::{self, H},
            };
            use crate::i::*;
            use std::collections::HashMap;
            use ::other::crate_name;
            pub(crate) use self::j::K;
        ";
        assert_eq!(
            targets(source),
            [
                "crate::a",
                "crate::b::c",
                "crate::b::d::E",
                "crate::g",
                "crate::g::H",
                "crate::i::*",
                "std::collections::HashMap",
                "self::j::K",
            ]
        );
        let reexports: Vec<bool> = scan(source).refs.iter().map(|r| r.reexport).collect();
        assert_eq!(
            reexports,
            [false, false, false, false, false, false, false, true]
        );
    }

    #[test]
    fn code_paths_but_not_visibilities_fields_or_methods() {
        let source = "
            pub(crate) struct S { field: crate::a::T }
            pub(in crate::b) fn f(x: X) -> impl Y + use<'_> {
                x.c::<u8>();
                x.d.e::f();
                <crate::g::H as Trait>::i();
                super::super::j::k()
            }
        ";
        assert_eq!(
            targets(source),
            ["crate::a::T", "crate::g::H", "super::super::j::k"]
        );
    }

    #[test]
    fn super_and_self_resolve_relative_to_the_module() {
        let graph = graph_of(&[
            ("src/lib.rs", "mod web;\npub mod other;\n"),
            (
                "src/web/mod.rs",
                "mod admin;\nmod words;\npub fn page() { admin::route(); }\n",
            ),
            (
                "src/web/admin.rs",
                "use super::words;\nuse super::{page, Fields};\npub fn route() { self::helper(); }\n",
            ),
            (
                "src/web/words.rs",
                "pub fn w() { super::super::other::x(); }\n",
            ),
            ("src/other.rs", "pub fn x() {}\n"),
        ]);
        assert!(graph.missing.is_empty(), "{:?}", graph.missing);
        assert_eq!(
            edges(&graph),
            [
                "web → web::admin :3",
                "web::admin → web :2",
                "web::admin → web::words :1",
                "web::words → other :1",
            ]
        );
    }

    #[test]
    fn nested_files_beside_a_module_file() {
        let graph = graph_of(&[
            ("src/lib.rs", "mod a;\n"),
            ("src/a.rs", "mod b;\nfn f() { b::g(); }\n"),
            ("src/a/b.rs", "pub fn g() { crate::a::h() }\n"),
        ]);
        assert!(graph.missing.is_empty(), "{:?}", graph.missing);
        assert_eq!(edges(&graph), ["a → a::b :2", "a::b → a :1"]);
    }

    #[test]
    fn inline_modules_belong_to_their_file() {
        let graph = graph_of(&[
            ("src/lib.rs", "mod a;\nmod b;\n"),
            (
                "src/a.rs",
                "pub fn f() {}\nmod inner {\n    pub const X: u8 = 1;\n}\n\
                 #[cfg(test)]\nmod tests {\n    use super::*;\n    use self::inner::X;\n    \
                 fn t() { super::f(); super::super::b::g(); }\n}\n",
            ),
            ("src/b.rs", "pub fn g() {}\n"),
        ]);
        assert_eq!(edges(&graph), ["a → b :9"]);
    }

    #[test]
    fn the_root_is_a_facade_but_its_own_uses_count() {
        let graph = graph_of(&[
            (
                "src/lib.rs",
                "mod engine;\nmod writer;\nmod ledger;\nmod public;\n\
                 pub use engine::Inbox;\npub(crate) use crate::ledger::Event;\n\
                 use public::Code;\n\
                 pub struct Store {\n    writers: writer::Writers,\n}\n",
            ),
            ("src/engine.rs", "use crate::Store;\n"),
            ("src/writer.rs", "pub struct Writers;\n"),
            ("src/ledger.rs", "pub struct Event;\n"),
            ("src/public.rs", "pub struct Code;\n"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "crate → writer :9",
                "crate → public :7",
                "engine → crate :1"
            ]
        );
    }

    #[test]
    fn a_three_module_cycle_is_found_with_its_lines() {
        let graph = graph_of(&[
            (
                "src/lib.rs",
                "mod engine;\nmod writer;\nmod ledger;\nmod util;\n",
            ),
            (
                "src/engine.rs",
                "use crate::util;\n\nuse crate::writer::Batch;\n",
            ),
            (
                "src/writer.rs",
                "pub struct Batch;\nfn f() { crate::ledger::append(); }\n",
            ),
            (
                "src/ledger.rs",
                "// crate::util\nuse crate::engine::{\n    DocRow,\n};\n",
            ),
            ("src/util.rs", "pub fn u() {}\n"),
        ]);
        let report = describe_cycles(&graph, Path::new(""));
        assert!(
            report.contains("3 modules depend on each other: engine, writer, ledger"),
            "{report}"
        );
        assert!(
            report.contains("cycle: engine → writer → ledger → engine"),
            "{report}"
        );
        assert!(
            report.contains("engine → writer: src/engine.rs:3"),
            "{report}"
        );
        assert!(
            report.contains("writer → ledger: src/writer.rs:2"),
            "{report}"
        );
        assert!(
            report.contains("ledger → engine: src/ledger.rs:3"),
            "{report}"
        );
        assert_eq!(report.matches("cycle:").count(), 1, "{report}");
    }

    #[test]
    fn every_edge_of_a_component_lies_on_a_listed_cycle() {
        let graph = graph_of(&[
            ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("src/a.rs", "use crate::b::X;\nuse crate::c::Y;\n"),
            ("src/b.rs", "use crate::a::Z;\n"),
            ("src/c.rs", "use crate::b::W;\n"),
        ]);
        let report = describe_cycles(&graph, Path::new(""));
        assert!(report.contains("cycle: a → b → a"), "{report}");
        assert!(report.contains("cycle: a → c → b → a"), "{report}");
        assert_eq!(report.matches("cycle:").count(), 2, "{report}");
    }

    #[test]
    fn a_dag_is_accepted() {
        let graph = graph_of(&[
            (
                "src/main.rs",
                "mod a;\nmod b;\nmod c;\nfn main() { a::run(); }\n",
            ),
            ("src/a.rs", "use crate::b::X;\nuse crate::c::Y;\n"),
            ("src/b.rs", "use crate::c::Y;\n"),
            ("src/c.rs", "/// Used by crate::a.\npub struct Y;\n"),
        ]);
        assert!(graph.missing.is_empty(), "{:?}", graph.missing);
        assert_eq!(edges(&graph).len(), 4);
        assert_eq!(describe_cycles(&graph, Path::new("")), "");
    }

    #[test]
    fn a_missing_module_file_is_reported() {
        let graph = graph_of(&[
            ("src/lib.rs", "mod gone;\nmod here;\n"),
            ("src/here.rs", "use crate::gone::X;\n"),
        ]);
        assert_eq!(edges(&graph), ["here → gone :1"]);
        assert_eq!(graph.missing.len(), 1);
        assert!(
            graph.missing[0].starts_with("src/lib.rs:1: `mod gone;`"),
            "{:?}",
            graph.missing
        );
    }
}
