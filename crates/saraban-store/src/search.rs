//! Finding documents: a query's terms matched as substrings of the search
//! rows' text (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), within the
//! reader's organisation and what they may read, ranked and with a snippet;
//! and `reindex`, the rows rebuilt from the records.

use chrono::NaiveDate;
use saraban_core::document::Urgency;
use saraban_core::register::NumberPattern;
use saraban_core::search::{SNIPPET_CHARS, TRIGRAM, chars, normalise, snippet, terms};
use saraban_core::workflow::State;
use saraban_core::{DocumentId, OrgId};
use serde::Serialize;
use sqlx::Row;

use crate::accounts::Account;
use crate::documents::printed_number;
use crate::error::{Result, StoreError};
use crate::reads::{org_digits, register_info};
use crate::rows::stored_id;
use crate::search_rows::rebuild_org;
use crate::store::Store;
use crate::writer::{Backend, Writes};

/// The most matches counted: a count past it is given as `more`.
pub const COUNT_BOUND: u64 = 1000;

/// The most results one page gives.
pub const MAX_SEARCH_LIMIT: u32 = 100;

/// What to find, and among which documents.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// As typed; normalised here, as the text was.
    pub text: String,
    pub kind: Option<String>,
    pub state: Option<State>,
    pub register: Option<String>,
    /// B.E.: the register's year, or the year of the date it bears.
    pub year: Option<i64>,
    /// The date it bears (or was received on), from and to, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub urgency: Option<Urgency>,
    pub limit: u32,
    pub offset: u32,
}

/// A page of results and how many the reader may see in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Matches the reader may read (never counting those they may not),
    /// at most `COUNT_BOUND`.
    pub total: u64,
    /// There may be more than `total`: the count stopped at its bound,
    /// or (PostgreSQL, a common word) only the newest rows were searched
    /// once they held the page.
    pub more: bool,
    pub hits: Vec<SearchHit>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    #[schema(value_type = String)]
    pub id: DocumentId,
    pub kind: String,
    pub state: String,
    /// สถานะ in Thai.
    pub state_thai: String,
    /// The subject as typed.
    pub subject: String,
    /// The register number as printed, in the organisation's digits.
    pub printed_number: Option<String>,
    /// The date it bears, or a received letter's date of receipt (ISO).
    pub dated: String,
    pub urgency: Option<String>,
    pub secrecy: Option<String>,
    /// Why it ranks where it does: "number" (the register or sender's
    /// number is the query), "subject" (every term is in the subject) or
    /// "text".
    pub matched: String,
    /// Where the query matched, in the searched (normalised) text: the
    /// parts in order, the matching ones marked. Text, not markup.
    pub snippet: Vec<SnippetPart>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SnippetPart {
    pub text: String,
    pub matched: bool,
}

/// A term for LIKE: `%`, `_` and the escape itself taken literally.
fn like_escaped(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An FTS5 phrase: the term in double quotes, its own doubled.
fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// Where a PostgreSQL filter tests the text for a term's parameter:
/// `@has_term($n)`, written per pass by `has_term`.
const HAS_TERM: &str = "@has_term(";

/// `filter` with each `@has_term($n)` written for its pass. Reading the
/// newest rows, `strpos`, a byte search that skips ahead by the term's
/// last byte (a third of LIKE's time on Thai text, whose every character
/// starts with the same byte); through the trigram index, LIKE, which the
/// index serves, the term escaped in the statement.
fn has_term(filter: &str, window: bool) -> String {
    let mut out = String::with_capacity(filter.len() + 64);
    let mut rest = filter;
    while let Some(at) = rest.find(HAS_TERM) {
        out.push_str(&rest[..at]);
        let after = &rest[at + HAS_TERM.len()..];
        let end = after.find(')').unwrap_or(after.len());
        let param = &after[..end];
        if window {
            out.push_str(&format!("strpos(s.text, {param}) > 0"));
        } else {
            out.push_str(&format!(
                "s.text LIKE '%' || replace(replace(replace({param}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' ESCAPE '\\'"
            ));
        }
        rest = &after[(end + 1).min(after.len())..];
    }
    out.push_str(rest);
    out
}

/// A statement's parameters, numbered as they are added.
struct Statement {
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Number(i64),
}

impl Statement {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn text(&mut self, value: impl Into<String>) -> String {
        self.bind(Bind::Text(value.into()))
    }
}

/// A PostgreSQL search's sample: this share of the window, newest first.
const PROBE_SHARE: u64 = 8;

/// The same, on SQLite, for a query the FTS index cannot look up.
const SCAN_WINDOWS: [Option<u64>; 2] = [Some(20_000), None];

/// A match before ranking: what the rank is told from.
struct Candidate {
    id: i64,
    document_id: String,
    subject: String,
    numbers: String,
}

impl Store {
    /// The documents of the reader's organisation that match `query` and
    /// that they may read: someone who holds no position today reads
    /// nothing; a secret (ลับ, ลับมาก) one only its drafter, those who
    /// acted on it and the holders of its route's positions (and of a
    /// received letter's assignee and circulation) may find. A term matches
    /// where it is a substring of the text, or of the name of someone who
    /// drafted or acted on the document. The newest `COUNT_BOUND` matches
    /// (in the order saraban first indexed them; on SQLite, for a query of
    /// short terms or names only, which no index serves, the newest that
    /// fill the page) are ranked: the query as
    /// a register or sender's number first, then every term in the
    /// subject, then elsewhere; newer first within each.
    pub async fn search(&self, reader: &Account, query: &SearchQuery) -> Result<SearchResults> {
        let normalised = normalise(&query.text);
        let terms = terms(&normalised);
        if terms.is_empty() {
            return Err(StoreError::invalid("q", "type what to search for"));
        }
        if reader.positions.is_empty() {
            return Ok(SearchResults {
                total: 0,
                more: false,
                hits: Vec::new(),
            });
        }
        let org = reader.org.as_str();
        let sqlite = self.backend() == Backend::Sqlite;
        let mut tx = self.reader().await.begin().await?;
        if !sqlite {
            // A prepared statement's generic plan does not know the terms:
            // at 1,000,000 documents it took "1234" from 132 ms to 4.6 s.
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(&mut *tx)
                .await?;
        }
        let people = people_named(&mut tx, org).await?;
        let mut statement = Statement { binds: Vec::new() };
        let org_param = statement.text(org);
        // The organisation is named by each pass (below); these follow it.
        let mut conditions = Vec::new();
        // FTS5 looks up terms of three characters or more that name no
        // one; the rest are tests on each row the lookup (or the scan,
        // newest first) gives.
        let mut looked_up = Vec::new();
        let mut needs_documents = false;
        // Whether PostgreSQL's trigram index narrows by every term: none
        // too short for a trigram, none that may be a person's name.
        let mut every_term_indexed = true;
        for term in &terms {
            let named: Vec<&str> = people
                .iter()
                .filter(|(_, name)| name.contains(term))
                .map(|(id, _)| id.as_str())
                .collect();
            if named.is_empty() && sqlite && chars(term) >= TRIGRAM {
                looked_up.push(phrase(term));
                continue;
            }
            // Text and term are both normalised, so a plain search for
            // the bytes is the match: SQLite's instr, far cheaper than its
            // LIKE; on PostgreSQL a test each pass writes (`has_term`).
            every_term_indexed &= named.is_empty() && chars(term) >= TRIGRAM;
            let param = statement.text(*term);
            let in_text = if sqlite {
                format!("instr(s.text, {param}) > 0")
            } else {
                format!("{HAS_TERM}{param})")
            };
            if named.is_empty() {
                conditions.push(in_text);
            } else {
                let ids: Vec<String> = named.iter().map(|id| statement.text(*id)).collect();
                let ids = ids.join(", ");
                // Asked of each row as it comes (the document's few
                // actions, by their index), so that the newest matches
                // come first and the bound stops the search.
                conditions.push(format!(
                    "(s.drafter_id IN ({ids}) OR EXISTS (
                        SELECT 1 FROM actions a WHERE a.org_id = s.org_id AND a.document_id = s.document_id
                        AND a.actor_id IN ({ids})) OR {in_text})"
                ));
            }
        }
        if let Some(kind) = &query.kind {
            let param = statement.text(kind.clone());
            conditions.push(format!("s.kind = {param}"));
        }
        if let Some(state) = query.state {
            needs_documents = true;
            let param = statement.text(state.name());
            conditions.push(format!("d.state = {param}"));
        }
        if let Some(register) = &query.register {
            let param = statement.text(register.clone());
            conditions.push(format!("s.register_id = {param}"));
        }
        if let Some(year) = query.year {
            let param = statement.bind(Bind::Number(year));
            conditions.push(format!("s.year = {param}"));
        }
        if let Some(from) = query.from {
            let param = statement.text(from.format("%Y-%m-%d").to_string());
            conditions.push(format!("s.dated >= {param}"));
        }
        if let Some(to) = query.to {
            let param = statement.text(to.format("%Y-%m-%d").to_string());
            conditions.push(format!("s.dated <= {param}"));
        }
        if let Some(urgency) = query.urgency {
            let param = statement.text(urgency.wording());
            conditions.push(format!("s.urgency = {param}"));
        }
        // A secret document: only those its row names.
        let mut readers = vec![format!(" person:{} ", reader.person)];
        readers.extend(
            reader
                .positions
                .iter()
                .map(|held| format!(" position:{} ", held.position)),
        );
        let allowed: Vec<String> = readers
            .into_iter()
            .map(|reader| {
                let param = statement.text(format!("%{}%", like_escaped(&reader)));
                format!("s.readers LIKE {param} ESCAPE '\\'")
            })
            .collect();
        conditions.push(format!("(s.secrecy IS NULL OR {})", allowed.join(" OR ")));
        let filter = conditions.join(" AND ");

        const SELECTED: &str = "s.id, s.document_id, s.subject, s.numbers";
        // The documents table only when a condition asks it (a state): a
        // row read less for each candidate.
        let joined = if needs_documents {
            "JOIN documents d ON d.org_id = s.org_id AND d.id = s.document_id"
        } else {
            ""
        };
        let bound = COUNT_BOUND + 1;
        let wanted = u64::from(query.offset) + u64::from(query.limit.clamp(1, MAX_SEARCH_LIMIT));
        // Where the database has no index for every term (PostgreSQL's
        // common words; on either, a query of short terms or names only),
        // the newest rows are searched first, a window at a time, and the
        // search stops once the page is full.
        let fts = sqlite && !looked_up.is_empty();
        // A scan reads every row it tests: it stops at the page, and
        // counts no further.
        let scan = sqlite && !fts;
        let limit = if scan { wanted + 1 } else { bound };
        // A sample of the window first: a term it finds too seldom for the
        // window to fill the page goes to the index at once, where one
        // the index cannot narrow (short, or a name) is walked on.
        let probe = (self.search_window / PROBE_SHARE).max(1);
        let probing = !sqlite && probe < self.search_window;
        let postgres_windows = if probing {
            vec![Some(probe), Some(self.search_window), None]
        } else {
            vec![Some(self.search_window), None]
        };
        let windows: &[Option<u64>] = if fts {
            &[None]
        } else if sqlite {
            &SCAN_WINDOWS
        } else {
            &postgres_windows
        };
        let source = if fts {
            // The index first, newest first, so that the bound stops it.
            let matching = statement.text(looked_up.join(" AND "));
            format!(
                "search_index f CROSS JOIN search_documents s {joined}
                 WHERE f.search_index MATCH {matching} AND s.id = f.rowid AND"
            )
        } else {
            format!("search_documents s {joined} WHERE")
        };
        // (the newest matches, up to the bound; whether every row was searched)
        let mut found = (Vec::new(), true);
        let mut passes = windows.iter();
        while let Some(window) = passes.next() {
            let (from, newest) = match window {
                // PostgreSQL: the organisation's newest rows in a subquery
                // of their own, so that no other row is read. Given the
                // window as a condition beside the terms, the planner
                // walked every organisation's rows by id and tested the
                // terms before the organisation (an equality it moves
                // last): for an organisation smaller than the window, the
                // whole table (128 ms at 5,000 rows of 8 organisations).
                Some(rows) if !sqlite => (
                    format!(
                        "(SELECT * FROM search_documents WHERE org_id = {org_param}
                          ORDER BY id DESC LIMIT {rows}) s {joined} WHERE"
                    ),
                    String::new(),
                ),
                Some(rows) => (
                    source.clone(),
                    format!(
                        " AND s.id >= COALESCE((SELECT id FROM search_documents WHERE org_id = {org_param}
                            ORDER BY id DESC LIMIT 1 OFFSET {}), 0)",
                        rows - 1
                    ),
                ),
                None => (source.clone(), String::new()),
            };
            if !sqlite {
                // PostgreSQL guesses a Thai LIKE matches almost nothing and
                // would take the trigram index even for a window, fetching
                // every row with a common word (50,000 rows, 700 ms at
                // 100,000 documents) to keep the newest: a window is read
                // newest first, so its bound stops it. The last pass is the
                // index's: walked by id instead, "1234" read every row
                // (3.9 s at 1,000,000 documents; 16 ms by the index).
                // Nor a scan of the whole table for that pass: the planner
                // prices the GIN index's pending list (rows written since its
                // last cleanup) above a scan of the table that tests LIKE on
                // every row, which it prices as nearly free: 300 ms under
                // load, where the index took 1-8 ms.
                let (bitmaps, walks) = if window.is_some() {
                    ("off", "on")
                } else {
                    ("on", "off")
                };
                // All in one round trip.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "SET LOCAL enable_bitmapscan = {bitmaps}; SET LOCAL enable_indexscan = {walks};
                     SET LOCAL enable_seqscan = {walks}"
                )))
                .execute(&mut *tx)
                .await?;
            }
            // FTS5 gives its rows in rowid order, and stops at the bound,
            // only when the order is asked of it by name.
            let newest_first = if fts { "f.rowid DESC" } else { "s.id DESC" };
            // The index pass names the organisation as the trigram index is
            // keyed (migration 0022), which no btree serves: given `org_id`
            // itself, the planner took the btree and tested every row of the
            // organisation (100-360 ms at 5,000 rows under load).
            let (org_key, terms_filter) = match (sqlite, window) {
                (true, _) => ("s.org_id", filter.clone()),
                (false, Some(_)) => ("s.org_id", has_term(&filter, true)),
                (false, None) => ("(s.org_id || '')", has_term(&filter, false)),
            };
            let filter = format!("{org_key} = {org_param} AND {terms_filter}");
            let sql = format!(
                "SELECT {SELECTED} FROM {from} {filter}{newest} ORDER BY {newest_first} LIMIT {limit}"
            );
            let rows = candidates(&mut tx, &sql, &statement.binds).await?;
            let searched_all = match window {
                None => true,
                Some(size) => !has_more_rows(&mut tx, org, *size).await?,
            };
            if rows.len() as u64 >= wanted || searched_all {
                found = (rows, searched_all);
                break;
            }
            // Found at this rate, the whole window would not fill the page:
            // the window's pass is skipped for the index's.
            let seldom = (rows.len() as u64) * self.search_window < wanted * probe;
            if probing && *window == Some(probe) && every_term_indexed && seldom {
                passes.next();
            }
        }
        let (candidates, searched_all) = found;
        if !sqlite {
            // The rows shown, and the names, are read by their keys again.
            sqlx::raw_sql(
                "SET LOCAL enable_bitmapscan TO DEFAULT; SET LOCAL enable_indexscan TO DEFAULT;
                 SET LOCAL enable_seqscan TO DEFAULT",
            )
            .execute(&mut *tx)
            .await?;
        }
        let mut matched = candidates.len() as u64;
        let mut more = matched > COUNT_BOUND || !searched_all;
        if scan && matched > wanted {
            (matched, more) = (wanted, true);
        }

        // Ranked here, on the few small rows.
        let number = normalised.strip_prefix("ที่ ").unwrap_or(&normalised);
        let rank = |candidate: &Candidate| -> u8 {
            if candidate.numbers.split('\n').any(|n| n == number) {
                0
            } else if terms.iter().all(|term| candidate.subject.contains(term)) {
                1
            } else {
                2
            }
        };
        let mut ranked: Vec<(u8, &Candidate)> = candidates.iter().map(|c| (rank(c), c)).collect();
        ranked.sort_by_key(|(rank, candidate)| (*rank, std::cmp::Reverse(candidate.id)));
        let page: Vec<(u8, &Candidate)> = ranked
            .into_iter()
            .take(usize::try_from(COUNT_BOUND).unwrap_or(usize::MAX))
            .skip(query.offset as usize)
            .take(query.limit.clamp(1, MAX_SEARCH_LIMIT) as usize)
            .collect();
        let ids: Vec<&str> = page.iter().map(|(_, c)| c.document_id.as_str()).collect();
        let mut shown = shown_rows(&mut tx, org, &ids).await?;
        let digits = org_digits(&mut tx, org).await?;
        let mut patterns: std::collections::HashMap<String, NumberPattern> = Default::default();
        let mut hits = Vec::with_capacity(page.len());
        let mut found_by_name = Vec::new();
        for (rank, candidate) in &page {
            let row = shown
                .remove(&candidate.document_id)
                .ok_or_else(|| StoreError::corrupt("search row", &candidate.document_id))?;
            let printed = match (&row.register, row.number) {
                (Some(register), Some(number)) => {
                    if !patterns.contains_key(register) {
                        let (pattern, _) = register_info(&mut tx, org, register).await?;
                        patterns.insert(register.clone(), pattern);
                    }
                    let year = row
                        .year
                        .ok_or_else(|| StoreError::corrupt("search year", "none"))?;
                    Some(printed_number(&patterns[register], number, year, digits)?)
                }
                _ => None,
            };
            let state = State::from_parts(&row.state, 0)
                .ok_or_else(|| StoreError::corrupt("search state", &row.state))?;
            let (shown_text, marks) = snippet(&row.text, &terms, SNIPPET_CHARS);
            if marks.is_empty() {
                found_by_name.push(hits.len());
            }
            hits.push(SearchHit {
                id: stored_id(&candidate.document_id)?,
                state_thai: state.thai_for(&row.kind).to_owned(),
                kind: row.kind,
                state: row.state,
                subject: row.title,
                printed_number: printed,
                dated: row.dated,
                urgency: row.urgency,
                secrecy: row.secrecy,
                matched: match rank {
                    0 => "number",
                    1 => "subject",
                    _ => "text",
                }
                .to_owned(),
                snippet: snippet_parts(&shown_text, &marks),
            });
        }
        // Found by a name: show where.
        if !found_by_name.is_empty() {
            let named: Vec<&str> = found_by_name.iter().map(|&k| ids[k]).collect();
            let involved = involved_names(&mut tx, org, &named).await?;
            for k in found_by_name {
                if let Some(names) = involved.get(ids[k]) {
                    let (in_names, marked) = snippet(names, &terms, SNIPPET_CHARS);
                    if !marked.is_empty() {
                        hits[k].snippet = snippet_parts(&in_names, &marked);
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(SearchResults {
            total: matched.min(COUNT_BOUND),
            more,
            hits,
        })
    }

    /// Rebuilds the search rows of `org` (or of every organisation) from
    /// the records, each organisation in one transaction; returns how
    /// many documents each has.
    pub async fn reindex(&self, org: Option<&OrgId>) -> Result<Vec<(OrgId, usize)>> {
        let orgs = match org {
            Some(org) => vec![org.clone()],
            None => self.organisations().await?,
        };
        let mut done = Vec::new();
        for org in orgs {
            let id = org.as_str().to_owned();
            // Through the organisation's writer, so that no batch of its
            // changes interleaves with the rebuild.
            let count = self
                .writers
                .write(&id.clone(), Writes::AsItGoes, move |batch| {
                    Box::pin(async move { rebuild_org(&mut batch.tx, &id).await })
                })
                .await?;
            done.push((org, count));
        }
        crate::search_rows::analyse_rebuilt_rows(self.pool(), self.backend() == Backend::Postgres)
            .await?;
        Ok(done)
    }
}

/// The candidates a statement gives (`SELECTED`'s columns).
async fn candidates(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sql: &str,
    binds: &[Bind],
) -> Result<Vec<Candidate>> {
    let mut select = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for bind in binds {
        select = match bind {
            Bind::Text(text) => select.bind(text.clone()),
            Bind::Number(number) => select.bind(*number),
        };
    }
    select
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| {
            Ok(Candidate {
                id: row.try_get("id")?,
                document_id: row.try_get("document_id")?,
                subject: row.try_get("subject")?,
                numbers: row.try_get("numbers")?,
            })
        })
        .collect()
}

/// `org` has more search rows than `window`.
async fn has_more_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    org: &str,
    window: u64,
) -> Result<bool> {
    let beyond: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM search_documents WHERE org_id = $1 ORDER BY id DESC LIMIT 1 OFFSET {window}"
    )))
    .bind(org)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(beyond.is_some())
}

/// The people of `org`, with their names normalised as the text is.
async fn people_named(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    org: &str,
) -> Result<Vec<(String, String)>> {
    let mut people = Vec::new();
    for row in sqlx::query("SELECT id, name FROM people WHERE org_id = $1")
        .bind(org)
        .fetch_all(&mut **tx)
        .await?
    {
        let name: String = row.try_get("name")?;
        people.push((row.try_get("id")?, normalise(&name)));
    }
    Ok(people)
}

/// A hit's row, as the page shows it.
struct ShownRow {
    kind: String,
    state: String,
    register: Option<String>,
    year: Option<i64>,
    number: Option<i64>,
    dated: String,
    urgency: Option<String>,
    secrecy: Option<String>,
    title: String,
    text: String,
}

/// `$2, $3, …` for `ids`, after the organisation's `$1`.
fn id_parameters(ids: &[&str]) -> String {
    (0..ids.len())
        .map(|k| format!("${}", k + 2))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn shown_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    org: &str,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, ShownRow>> {
    let mut shown = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(shown);
    }
    let sql = format!(
        "SELECT s.document_id, s.kind, d.state, s.register_id, s.year, s.number, s.dated, s.urgency, s.secrecy, s.title, s.text
         FROM search_documents s JOIN documents d ON d.org_id = s.org_id AND d.id = s.document_id
         WHERE s.org_id = $1 AND s.document_id IN ({})",
        id_parameters(ids)
    );
    let mut select = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
    for id in ids {
        select = select.bind(*id);
    }
    for row in select.fetch_all(&mut **tx).await? {
        shown.insert(
            row.try_get("document_id")?,
            ShownRow {
                kind: row.try_get("kind")?,
                state: row.try_get("state")?,
                register: row.try_get("register_id")?,
                year: row.try_get("year")?,
                number: row.try_get("number")?,
                dated: row.try_get("dated")?,
                urgency: row.try_get("urgency")?,
                secrecy: row.try_get("secrecy")?,
                title: row.try_get("title")?,
                text: row.try_get("text")?,
            },
        );
    }
    Ok(shown)
}

/// The names of those who drafted or acted on each of `ids`, normalised,
/// one a line, in the order they came to it.
async fn involved_names(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    org: &str,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, String>> {
    let list = id_parameters(ids);
    let sql = format!(
        "SELECT d.id AS document_id, p.name, -1 AS seq FROM documents d
            JOIN people p ON p.org_id = d.org_id AND p.id = d.drafter_id
            WHERE d.org_id = $1 AND d.id IN ({list})
         UNION ALL
         SELECT a.document_id, p.name, a.seq FROM actions a
            JOIN people p ON p.org_id = a.org_id AND p.id = a.actor_id
            WHERE a.org_id = $1 AND a.document_id IN ({list})
         ORDER BY seq"
    );
    let mut select = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
    for id in ids {
        select = select.bind(*id);
    }
    let mut involved: std::collections::HashMap<String, Vec<String>> = Default::default();
    for row in select.fetch_all(&mut **tx).await? {
        let name = normalise(&row.try_get::<String, _>("name")?);
        let names = involved.entry(row.try_get("document_id")?).or_default();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(involved
        .into_iter()
        .map(|(document, names)| (document, names.join("\n")))
        .collect())
}

fn snippet_parts(shown: &str, marks: &[std::ops::Range<usize>]) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut at = 0;
    for mark in marks {
        if mark.start > at {
            parts.push(SnippetPart {
                text: shown[at..mark.start].to_owned(),
                matched: false,
            });
        }
        parts.push(SnippetPart {
            text: shown[mark.clone()].to_owned(),
            matched: true,
        });
        at = mark.end;
    }
    if at < shown.len() {
        parts.push(SnippetPart {
            text: shown[at..].to_owned(),
            matched: false,
        });
    }
    parts
}
