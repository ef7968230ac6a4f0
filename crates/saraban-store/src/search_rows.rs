//! The search index's rows: one per document, a projection of the
//! documents table (content, number, date, secrecy; for a secret one, who
//! acted on it), built by `search_row` — the one function the batch's
//! commit (`ledger`), `reindex` and `verify` use. A route action that
//! neither numbers nor touches a secret document changes no column of it:
//! the state and the names of those involved are read where they are kept
//! when searching. The index itself is the database's: FTS5 trigram on
//! SQLite (kept by the table's triggers), a GIN index of organisation and
//! pg_trgm trigrams on PostgreSQL.

use std::collections::{HashMap, HashSet};

use saraban_core::document::{Secrecy, Urgency};
use saraban_core::register::{NumberPattern, RegisterNumber};
use saraban_core::search::normalise;
use saraban_core::workflow::Route;
use saraban_core::{BuddhistYear, DigitStyle};
use serde_json::Value;
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::error::Result;
use crate::reads::{load_route, register_info};
use crate::rows::{DOCUMENT_COLUMNS, DocRow, stored_number, timed_for, values};

/// A document as the index holds it. Text columns are normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchRow {
    pub(crate) document_id: String,
    pub(crate) kind: String,
    /// Who drafted it: a name typed finds their documents.
    pub(crate) drafter: String,
    pub(crate) register: Option<String>,
    pub(crate) year: Option<i64>,
    pub(crate) number: Option<i64>,
    /// The date it bears (ISO), or was received on (a received letter).
    pub(crate) dated: String,
    /// ด่วน, ด่วนมาก, ด่วนที่สุด.
    pub(crate) urgency: Option<String>,
    /// ลับ, ลับมาก.
    pub(crate) secrecy: Option<String>,
    /// The subject as typed, to show.
    pub(crate) title: String,
    pub(crate) subject: String,
    /// The register number as printed, without ที่ ("490/2567"), and a
    /// received letter's sender's number, one a line.
    pub(crate) numbers: String,
    /// The searched text: numbers, subject, body, table cells, enclosure
    /// titles, from and to.
    pub(crate) text: String,
    /// `text` was not built (a route action, which changes no content
    /// nor number): the stored one stands.
    pub(crate) text_kept: bool,
    /// Of a secret document only: who may find it, " person:ID … position:ID ".
    pub(crate) readers: Option<String>,
}

impl SearchRow {
    /// The columns in which `kept` is not this row, named; none if equal.
    pub(crate) fn differences(&self, kept: &SearchRow) -> Option<String> {
        let columns: Vec<&str> = [
            ("kind", self.kind == kept.kind),
            ("drafter_id", self.drafter == kept.drafter),
            ("register_id", self.register == kept.register),
            ("year", self.year == kept.year),
            ("number", self.number == kept.number),
            ("dated", self.dated == kept.dated),
            ("urgency", self.urgency == kept.urgency),
            ("secrecy", self.secrecy == kept.secrecy),
            ("title", self.title == kept.title),
            ("subject", self.subject == kept.subject),
            ("numbers", self.numbers == kept.numbers),
            ("text", self.text == kept.text),
            ("readers", self.readers == kept.readers),
        ]
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(column, _)| column)
        .collect();
        (!columns.is_empty()).then(|| columns.join(", "))
    }
}

/// What the rows of an organisation's documents are built with besides
/// the documents themselves.
pub(crate) struct Context {
    /// Register id → its pattern.
    pub(crate) patterns: HashMap<String, NumberPattern>,
    /// (kind, route version) → the route, read for secret documents only.
    pub(crate) routes: HashMap<(String, i64), Route>,
}

/// Content keys whose strings are not text anyone searches for: the
/// format's own words, hashes, dates and layout.
const NOT_TEXT: [&str; 14] = [
    "format",
    "kind",
    "id",
    "sha256",
    "media_type",
    "date",
    "due",
    "in_reply_to",
    "align",
    "numbering",
    "original",
    "stamp",
    "urgency",
    "secrecy",
];

/// A document's search row. `actors` are the people who acted on it
/// (read for a secret one only: they may find it).
/// With `keep_text`, the text is not built (see `SearchRow::text_kept`).
pub(crate) fn search_row(
    doc: &DocRow,
    actors: &[String],
    context: &Context,
    keep_text: bool,
) -> SearchRow {
    // Rows read for search are read with their content (`DOCUMENT_COLUMNS`).
    let content = doc.content.as_deref().unwrap_or(&Value::Null);
    let field = |key: &str| content.get(key).and_then(Value::as_str);
    let mut numbers = Vec::new();
    if let (Some(number), Some(year), Some(pattern)) = (
        doc.number,
        doc.year,
        doc.register
            .as_ref()
            .and_then(|register| context.patterns.get(register)),
    ) && let (Ok(number), Some(year)) = (
        stored_number(number),
        i32::try_from(year)
            .ok()
            .and_then(|y| BuddhistYear::new(y).ok()),
    ) {
        let printed = RegisterNumber {
            pattern: pattern.clone(),
            number,
            year,
        }
        .format(DigitStyle::Arabic);
        numbers.push(normalise(&printed));
    }
    if let Some(theirs) = field("their_number") {
        numbers.push(normalise(theirs));
    }
    let subject = normalise(field("subject").unwrap_or_default());
    let mut parts: Vec<&str> = Vec::new();
    if !keep_text {
        gather_text(content, &mut parts);
    }
    let numbered: Vec<String> = numbers.iter().map(|n| format!("ที่ {n}")).collect();
    // The number alone ranks a query of just "490" as an exact match.
    if let Some(number) = doc.number {
        numbers.push(number.to_string());
    }
    let text = if keep_text {
        String::new()
    } else {
        normalise(
            &numbered
                .iter()
                .map(String::as_str)
                .chain(parts)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let secrecy = match content.get("secrecy") {
        None | Some(Value::Null) => None,
        // One that does not read is kept as secret as can be.
        Some(level) => Some(
            serde_json::from_value::<Secrecy>(level.clone())
                .unwrap_or(Secrecy::Secret)
                .wording()
                .to_owned(),
        ),
    };
    let urgency = content
        .get("urgency")
        .and_then(|u| serde_json::from_value::<Urgency>(u.clone()).ok())
        .map(|u| u.wording().to_owned());
    let readers = secrecy.as_ref().map(|_| readers(doc, actors, context));
    let dated = match (doc.kind.as_str(), field("date")) {
        ("incoming", _) | (_, None) => doc.created_at.get(..10).unwrap_or_default().to_owned(),
        (_, Some(date)) => date.to_owned(),
    };
    let year = doc.year.or_else(|| {
        dated
            .get(..4)
            .and_then(|y| y.parse::<i64>().ok())
            .map(|y| y + 543)
    });
    SearchRow {
        document_id: doc.id.clone(),
        kind: doc.kind.clone(),
        drafter: doc.drafter.as_str().to_owned(),
        register: doc.register.clone(),
        year,
        number: doc.number,
        dated,
        urgency,
        secrecy,
        title: field("subject").unwrap_or_default().to_owned(),
        subject,
        numbers: numbers.join("\n"),
        text,
        text_kept: keep_text,
        readers,
    }
}

/// Who may find a secret document: its drafter, whoever acted on it, the
/// positions of its route (review, signer, issuer), and a received
/// letter's assignee and the positions it was circulated to.
fn readers(doc: &DocRow, actors: &[String], context: &Context) -> String {
    let mut readers: Vec<String> = vec![format!("person:{}", doc.drafter)];
    readers.extend(actors.iter().map(|actor| format!("person:{actor}")));
    if let Some(route) = context.routes.get(&(doc.kind.clone(), doc.route_version)) {
        for step in &route.review {
            readers.extend(step.positions.iter().map(|p| format!("position:{p}")));
        }
        readers.push(format!("position:{}", route.sign));
        readers.push(format!("position:{}", route.issue));
    }
    if let Some(assignee) = &doc.assigned_to {
        // A position or a person: the slug says which by what it names.
        readers.push(format!("position:{assignee}"));
        readers.push(format!("person:{assignee}"));
    }
    readers.extend(doc.circulated_to.iter().map(|p| format!("position:{p}")));
    let mut seen = HashSet::new();
    readers.retain(|reader| seen.insert(reader.clone()));
    format!(" {} ", readers.join(" "))
}

/// The strings of a content worth searching, in document order.
fn gather_text<'a>(value: &'a Value, parts: &mut Vec<&'a str>) {
    match value {
        Value::String(text) if !looks_like_code(text) => parts.push(text),
        Value::Array(items) => items.iter().for_each(|item| gather_text(item, parts)),
        Value::Object(fields) => {
            for (key, value) in fields {
                if !NOT_TEXT.contains(&key.as_str()) {
                    gather_text(value, parts);
                }
            }
        }
        _ => {}
    }
}

/// A hash or an ISO date, which no one types to find a letter.
fn looks_like_code(text: &str) -> bool {
    let hex = text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit());
    let date = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    hex || date
}

/// Rows per statement: 15 values each, well under both servers' limits.
const ROWS_PER_STATEMENT: usize = 64;

/// Rebuilds the search rows of `ids`, documents of `org`, from the
/// documents table, in the caller's transaction. `acting` are (document,
/// person) of the batch's actions not yet in the actions table; the texts
/// of `text_kept` (documents only a route action touched) stand.
pub(crate) async fn refresh(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    ids: &[&str],
    acting: &[(&str, &str)],
    text_kept: &[&str],
) -> Result<()> {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let rows = build_rows(tx, org, chunk, acting, text_kept).await?;
        write_rows(tx, org, &rows).await?;
    }
    Ok(())
}

/// The search rows of `org`'s documents `ids`, as rebuilt now.
pub(crate) async fn build_rows(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    ids: &[&str],
    acting: &[(&str, &str)],
    text_kept: &[&str],
) -> Result<Vec<SearchRow>> {
    let docs = read_documents(tx, org, ids).await?;
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    let (actors, context) = row_inputs(tx, org, &docs, acting).await?;
    Ok(docs
        .iter()
        .map(|doc| {
            let acted = actors.get(&doc.id).map_or(&[][..], Vec::as_slice);
            search_row(doc, acted, &context, text_kept.contains(&doc.id.as_str()))
        })
        .collect())
}

/// Who acted on each document, by document.
pub(crate) type Actors = HashMap<String, Vec<String>>;

/// What `search_row` needs of `docs` besides them: who acted on each
/// secret one (`acting`, the batch's actions not yet in the table, among
/// them) and the `Context`. `verify` reads the documents itself.
pub(crate) async fn row_inputs(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    docs: &[DocRow],
    acting: &[(&str, &str)],
) -> Result<(Actors, Context)> {
    // Who acted matters only to who may find a secret document.
    let secret: Vec<&str> = docs
        .iter()
        .filter(|doc| is_secret(doc))
        .map(|doc| doc.id.as_str())
        .collect();
    let mut actors = if secret.is_empty() {
        HashMap::new()
    } else {
        read_actors(tx, org, &secret).await?
    };
    for (document, person) in acting {
        if !secret.contains(document) {
            continue;
        }
        let acted = actors.entry((*document).to_owned()).or_default();
        if !acted.iter().any(|a| a == person) {
            acted.push((*person).to_owned());
        }
    }
    let context = context(tx, org, docs).await?;
    Ok((actors, context))
}

/// Marked ลับ or ลับมาก (or anything else under `secrecy`).
pub(crate) fn is_secret(doc: &DocRow) -> bool {
    doc.heading.secrecy.is_some()
}

async fn read_documents(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    ids: &[&str],
) -> Result<Vec<DocRow>> {
    let sql = format!(
        "{DOCUMENT_COLUMNS} WHERE org_id = $1 AND id IN ({}) ORDER BY id",
        parameters(ids.len())
    );
    let sql = timed_for(tx, &sql);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(DocRow::from_row)
        .collect()
}

/// `$2, $3, …` for `count` ids after the organisation.
fn parameters(count: usize) -> String {
    (0..count)
        .map(|k| format!("${}", k + 2))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who acted on each document, in the order they did.
async fn read_actors(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    ids: &[&str],
) -> Result<Actors> {
    let sql = format!(
        "SELECT document_id, actor_id FROM actions WHERE org_id = $1 AND document_id IN ({}) ORDER BY seq",
        parameters(ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
    for id in ids {
        query = query.bind(*id);
    }
    let mut actors: HashMap<String, Vec<String>> = HashMap::new();
    for row in query.fetch_all(&mut **tx).await? {
        let acted = actors.entry(row.try_get("document_id")?).or_default();
        let actor: String = row.try_get("actor_id")?;
        if !acted.contains(&actor) {
            acted.push(actor);
        }
    }
    Ok(actors)
}

async fn context(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    docs: &[DocRow],
) -> Result<Context> {
    let mut patterns = HashMap::new();
    let mut routes = HashMap::new();
    for doc in docs {
        if let Some(register) = &doc.register
            && !patterns.contains_key(register)
        {
            let (pattern, _) = register_info(tx, org, register).await?;
            patterns.insert(register.clone(), pattern);
        }
        let key = (doc.kind.clone(), doc.route_version);
        if is_secret(doc) && !routes.contains_key(&key) {
            let (route, _) = load_route(tx, org, &doc.kind, Some(doc.route_version)).await?;
            routes.insert(key, route);
        }
    }
    Ok(Context { patterns, routes })
}

/// Writes `rows` (insert, or replace what the document had). A kept text
/// is not written; a written one that did not change leaves the index as
/// it was (the trigger compares).
pub(crate) async fn write_rows(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    rows: &[SearchRow],
) -> Result<()> {
    const COLUMNS: &str = "org_id, document_id, kind, drafter_id, register_id, year, number, dated, urgency, secrecy, title, subject, numbers, readers";
    const UPDATED: &str = "kind = excluded.kind, drafter_id = excluded.drafter_id, register_id = excluded.register_id, year = excluded.year,
        number = excluded.number, dated = excluded.dated, urgency = excluded.urgency,
        secrecy = excluded.secrecy, title = excluded.title, subject = excluded.subject,
        numbers = excluded.numbers, readers = excluded.readers";
    for with_text in [true, false] {
        let chosen: Vec<&SearchRow> = rows.iter().filter(|r| r.text_kept != with_text).collect();
        for chunk in chosen.chunks(ROWS_PER_STATEMENT) {
            let sql = if with_text {
                format!(
                    "INSERT INTO search_documents ({COLUMNS}, text) VALUES {}
                     ON CONFLICT (org_id, document_id) DO UPDATE SET {UPDATED}, text = excluded.text",
                    values(chunk.len(), 15, 1)
                )
            } else {
                // Only a route action's: the row is there already.
                format!(
                    "INSERT INTO search_documents ({COLUMNS}, text) VALUES {}
                     ON CONFLICT (org_id, document_id) DO UPDATE SET {UPDATED}",
                    values(chunk.len(), 15, 1)
                )
            };
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                query = query
                    .bind(org)
                    .bind(&row.document_id)
                    .bind(&row.kind)
                    .bind(&row.drafter)
                    .bind(&row.register)
                    .bind(row.year)
                    .bind(row.number)
                    .bind(&row.dated)
                    .bind(&row.urgency)
                    .bind(&row.secrecy)
                    .bind(&row.title)
                    .bind(&row.subject)
                    .bind(&row.numbers)
                    .bind(&row.readers)
                    .bind(&row.text);
            }
            query.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// The search rows of `org`'s documents `ids` as stored, by document.
pub(crate) async fn stored_rows(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    ids: &[&str],
) -> Result<HashMap<String, SearchRow>> {
    let sql = format!(
        "SELECT document_id, kind, drafter_id, register_id, year, number, dated, urgency, secrecy, title, subject, numbers, text, readers
         FROM search_documents WHERE org_id = $1 AND document_id IN ({})",
        parameters(ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    let mut stored = HashMap::new();
    for row in rows {
        let found = SearchRow {
            document_id: row.try_get("document_id")?,
            kind: row.try_get("kind")?,
            drafter: row.try_get("drafter_id")?,
            register: row.try_get("register_id")?,
            year: row.try_get("year")?,
            number: row.try_get("number")?,
            dated: row.try_get("dated")?,
            urgency: row.try_get("urgency")?,
            secrecy: row.try_get("secrecy")?,
            title: row.try_get("title")?,
            subject: row.try_get("subject")?,
            numbers: row.try_get("numbers")?,
            text: row.try_get("text")?,
            text_kept: false,
            readers: row.try_get("readers")?,
        };
        stored.insert(found.document_id.clone(), found);
    }
    Ok(stored)
}

/// Rebuilds `org`'s search rows from its records: every row removed, and
/// each document's written again in the order they were made (the rows'
/// order is the search's "newest first"), a chunk at a time, so that a
/// large organisation's contents are never all in memory.
pub(crate) async fn rebuild_org(tx: &mut Transaction<'static, Any>, org: &str) -> Result<usize> {
    sqlx::query("DELETE FROM search_documents WHERE org_id = $1")
        .bind(org)
        .execute(&mut **tx)
        .await?;
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM documents WHERE org_id = $1 ORDER BY created_at, id")
            .bind(org)
            .fetch_all(&mut **tx)
            .await?;
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let mut rows = build_rows(tx, org, &chunk, &[], &[]).await?;
        // build_rows reads by id; written in the chunk's order of making.
        rows.sort_by_key(|row| chunk.iter().position(|id| *id == row.document_id));
        write_rows(tx, org, &rows).await?;
    }
    Ok(ids.len())
}

/// Builds every organisation's rows (a database from before search).
pub(crate) async fn rebuild_every_org(pool: &AnyPool, postgres: bool) -> Result<()> {
    let mut tx = pool.begin().await?;
    let orgs: Vec<String> = sqlx::query_scalar("SELECT id FROM organisations ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    for org in orgs {
        rebuild_org(&mut tx, &org).await?;
    }
    tx.commit().await?;
    analyse_rebuilt_rows(pool, postgres).await
}

/// Tells PostgreSQL's planner (`postgres`) of search rows rewritten in bulk. Until
/// autovacuum gets to the table it takes an organisation's rows for a few
/// thousand, and a rare word at 1,000,000 documents went through the
/// organisation's index as well as the trigrams (154 ms, 24 ms once
/// analysed).
pub(crate) async fn analyse_rebuilt_rows(pool: &AnyPool, postgres: bool) -> Result<()> {
    if postgres {
        sqlx::raw_sql("ANALYZE search_documents")
            .execute(pool)
            .await?;
    }
    Ok(())
}
