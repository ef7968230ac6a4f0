//! Rows as the store reads and writes them, decoded by column name, and
//! the SQL builders they share. Knows no transaction and no `Store`.

use saraban_core::org::Slug;
use saraban_core::replay::{Projected, ProjectedAction};
use saraban_core::workflow::{Authority, Facts, Publicity, Route, State};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};

/// The JSON a text column holds, as `T`; what it is, if it does not read.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
    what: &'static str,
) -> Result<T> {
    serde_json::from_str(&row.try_get::<String, _>(column)?)
        .map_err(|e| StoreError::corrupt(what, e))
}

/// A stored content that the store accepted once, read back as a document.
pub(crate) fn stored_document(content: Value) -> Result<saraban_core::Document> {
    saraban_core::document::document_from_value(content)
        .map_err(|e| StoreError::corrupt("content", e))
}

/// A stored document id, which the store made.
pub(crate) fn stored_id(id: &str) -> Result<saraban_core::DocumentId> {
    saraban_core::DocumentId::parse(id).map_err(|e| StoreError::corrupt("document id", e))
}

/// A stored person id, which the organisation's configuration gave.
pub(crate) fn stored_person(id: &str) -> Result<saraban_core::PersonId> {
    saraban_core::PersonId::parse(id).map_err(|e| StoreError::corrupt("person id", e))
}

/// A stored position id, which the organisation's configuration gave.
pub(crate) fn stored_position(id: &str) -> Result<saraban_core::PositionId> {
    saraban_core::PositionId::parse(id).map_err(|e| StoreError::corrupt("position id", e))
}

/// A stored register number, which the counter started at 1.
pub(crate) fn stored_number(number: i64) -> Result<std::num::NonZeroU32> {
    u32::try_from(number)
        .ok()
        .and_then(std::num::NonZeroU32::new)
        .ok_or_else(|| StoreError::corrupt("register number", number))
}

/// A statement with its timestamps written for the database it runs on.
/// In `sql`, `@ts($n)` is a parameter stored in, or compared with, a
/// timestamp column, and `@text(column)` reads a timestamp column back.
/// SQLite keeps RFC 3339 text in Thai time (one fixed offset, fractions in
/// whole groups of three, so text order is time order); PostgreSQL keeps
/// `TIMESTAMPTZ`, cast from that text and read back as the same text
/// (sqlx's `Any` driver decodes no timestamp type).
pub(crate) fn timed(postgres: bool, sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (marker, wrap): (&str, fn(&str) -> String) = if rest.starts_with("@ts(") {
            ("@ts(", |inner| format!("CAST({inner} AS TIMESTAMPTZ)"))
        } else if rest.starts_with("@text(") {
            ("@text(", postgres_time_text)
        } else {
            out.push('@');
            rest = &rest[1..];
            continue;
        };
        let end = rest.find(')').expect("a timestamp marker closes");
        let inner = &rest[marker.len()..end];
        if postgres {
            out.push_str(&wrap(inner));
        } else if marker == "@text(" {
            // Read under the column's own name, as on PostgreSQL.
            out.push_str(&format!("{inner} AS {}", column_name(inner)));
        } else {
            out.push_str(inner);
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A `TIMESTAMPTZ` column as RFC 3339 text in Thai time, with its fraction
/// in chrono's whole groups (none, milliseconds or microseconds), as Rust
/// writes it.
fn postgres_time_text(column: &str) -> String {
    let micros =
        format!("to_char({column} AT TIME ZONE 'Asia/Bangkok', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')");
    format!(
        "regexp_replace(regexp_replace({micros}, '\\.?000$', ''), '\\.?000$', '') || '+07:00' AS {}",
        column_name(column)
    )
}

/// `timed` for the database `conn` is on.
pub(crate) fn timed_for(conn: &sqlx::AnyConnection, sql: &str) -> String {
    timed(conn.backend_name() == "PostgreSQL", sql)
}

/// `d.created_at` is read as `created_at`.
fn column_name(column: &str) -> &str {
    column.rsplit('.').next().unwrap_or(column)
}

/// Slugs kept in one column, joined by spaces (a slug has none); `None`
/// for none, so that rows without any keep NULL.
pub(crate) fn joined(slugs: &[Slug]) -> Option<String> {
    (!slugs.is_empty()).then(|| slugs.iter().map(Slug::as_str).collect::<Vec<_>>().join(" "))
}

/// A column `joined` wrote, read back.
pub(crate) fn slugs(column: Option<String>) -> Result<Vec<Slug>> {
    column
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(|slug| Slug::parse(slug).map_err(|e| StoreError::corrupt("slug list", e)))
        .collect()
}

/// The content of the document row `$alias` (a string literal), as a
/// column named `content`: it is kept in `document_contents` (migration
/// 0019/0023). A literal, for `concat!` in constants.
macro_rules! content_of {
    ($alias:literal) => {
        concat!(
            "(SELECT kept.content FROM document_contents kept WHERE kept.org_id = ",
            $alias,
            ".org_id AND kept.document_id = ",
            $alias,
            ".id) AS content"
        )
    };
}
pub(crate) use content_of;

/// Through `timed`.
pub(crate) const DOCUMENT_COLUMNS: &str = concat!(
    "SELECT id, kind, state, step, round, drafter_id, route_version, version, ",
    content_of!("documents"),
    ", content_hash, register_id, year, number, pdf_hash, @text(cancelled_at), @text(created_at), @text(updated_at), @text(published_at), assigned_to, due_on, circulated_to, acknowledged_by, \
     list_subject, list_urgency, list_secrecy FROM documents"
);

/// What a document's row keeps of its content, beside it in
/// `document_contents`: what a route action decides on and a list shows,
/// so that neither reads the content. A projection of the content: each
/// is the value of its field, a string as it is, anything else as JSON
/// text, none when the field is null or absent (as PostgreSQL's `->>`
/// and SQLite's `json_extract` read it, which filled them once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Heading {
    pub(crate) subject: Option<String>,
    pub(crate) urgency: Option<String>,
    pub(crate) secrecy: Option<String>,
}

/// A content's field as its heading keeps it.
fn heading_field(value: Option<&Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => Some(other.to_string()),
    }
}

impl Heading {
    pub(crate) fn of(content: &Value) -> Heading {
        Heading {
            subject: heading_field(content.get("subject")),
            urgency: heading_field(content.get("urgency")),
            secrecy: heading_field(content.get("secrecy")),
        }
    }

    /// Of a content as it is stored (its JSON text), read for these three
    /// fields alone.
    pub(crate) fn of_text(text: &str) -> Result<Heading> {
        #[derive(serde::Deserialize)]
        struct Fields {
            #[serde(default)]
            subject: Value,
            #[serde(default)]
            urgency: Value,
            #[serde(default)]
            secrecy: Value,
        }
        let fields: Fields =
            serde_json::from_str(text).map_err(|e| StoreError::corrupt("content", e))?;
        Ok(Heading {
            subject: heading_field(Some(&fields.subject)),
            urgency: heading_field(Some(&fields.urgency)),
            secrecy: heading_field(Some(&fields.secrecy)),
        })
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<Heading> {
        Ok(Heading {
            subject: row.try_get("list_subject")?,
            urgency: row.try_get("list_urgency")?,
            secrecy: row.try_get("list_secrecy")?,
        })
    }

    /// The columns that differ from `other`'s, if any.
    pub(crate) fn differences(&self, other: &Heading) -> Option<String> {
        let differ: Vec<&str> = [
            ("list_subject", self.subject != other.subject),
            ("list_urgency", self.urgency != other.urgency),
            ("list_secrecy", self.secrecy != other.secrecy),
        ]
        .into_iter()
        .filter_map(|(column, differs)| differs.then_some(column))
        .collect();
        (!differ.is_empty()).then(|| differ.join(", "))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct DocRow {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) state: State,
    pub(crate) round: i64,
    pub(crate) drafter: Slug,
    pub(crate) route_version: i64,
    pub(crate) version: i64,
    /// Shared: a transition copies the row it read, not its content. None
    /// where the row was read without it (a route action's, which decides
    /// on `heading`; see `content`).
    pub(crate) content: Option<std::sync::Arc<Value>>,
    pub(crate) heading: Heading,
    pub(crate) content_hash: String,
    pub(crate) register: Option<String>,
    pub(crate) year: Option<i64>,
    pub(crate) number: Option<i64>,
    pub(crate) pdf_hash: Option<String>,
    pub(crate) cancelled: bool,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    /// On the public board since (migration 0008/0009).
    pub(crate) published_at: Option<String>,
    /// A received letter's assignee and deadline (ISO) by the signer's
    /// order (migration 0009/0010).
    pub(crate) assigned_to: Option<String>,
    pub(crate) due_on: Option<String>,
    /// A circulated letter's positions, and who has acknowledged it.
    pub(crate) circulated_to: Vec<Slug>,
    pub(crate) acknowledged_by: Vec<Slug>,
}

impl DocRow {
    /// The row as the replay sees it, with the positions already `heard`
    /// at its current step.
    pub(crate) fn projected(&self, heard: Vec<Slug>, returned_from: Option<State>) -> Projected {
        Projected {
            state: self.state,
            round: self.round,
            drafter: self.drafter.to_string(),
            route_version: self.route_version,
            version: self.version as u64,
            content_hash: self.content_hash.clone(),
            register: self.register.clone(),
            year: self.year,
            number: self.number,
            pdf_hash: self.pdf_hash.clone(),
            // Whether, not when: the time is the row's own column.
            cancelled_at: self.cancelled.then(|| self.updated_at.clone()),
            published_at: self.published_at.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            heard,
            returned_from,
            assigned_to: self.assigned_to.clone(),
            due: self.due_on.clone(),
            circulated_to: self.circulated_to.clone(),
            acknowledged_by: self.acknowledged_by.clone(),
            most_urgent: self.most_urgent(),
        }
    }

    /// What `decide` knows of it under `route`: `acted`, the positions
    /// heard at its step; `returned_from`, where a return took it from.
    pub(crate) fn facts<'a>(
        &'a self,
        route: &'a Route,
        acted: &'a [Slug],
        returned_from: Option<State>,
    ) -> Facts<'a> {
        Facts {
            state: self.state,
            drafter: &self.drafter,
            route,
            acted_this_step: acted,
            returned_from,
            public: self.publicity(),
            assigned_to: self.assigned_to.as_deref(),
            circulated_to: &self.circulated_to,
            acknowledged_by: &self.acknowledged_by,
            most_urgent: self.most_urgent(),
        }
    }

    /// A received letter marked ด่วนที่สุด (its `received` event says the
    /// same: the content it hashed is this one's first version, whose
    /// urgency no later version changes).
    fn most_urgent(&self) -> bool {
        self.kind == saraban_core::incoming::KIND
            && self.heading.urgency.as_deref()
                == Some(saraban_core::document::Urgency::MostUrgent.wording())
    }

    /// Its content, where the row was read with it; an invariant error
    /// where it was not (`reads::content_read` reads it then).
    pub(crate) fn content(&self) -> Result<&std::sync::Arc<Value>> {
        self.content
            .as_ref()
            .ok_or_else(|| StoreError::invariant("a document's content was used unread"))
    }

    /// Whether it may be, or is, on the public board: its kind and
    /// secrecy say whether it ever may.
    pub(crate) fn publicity(&self) -> Publicity {
        let secrecy = self
            .heading
            .secrecy
            .as_ref()
            .map(|s| {
                serde_json::from_value(Value::String(s.clone()))
                    .map_err(|e| StoreError::corrupt("secrecy", e))
            })
            .transpose();
        match secrecy {
            Ok(secrecy) => Publicity::of(&self.kind, secrecy, self.published_at.is_some()),
            // Stored content the store accepted always reads; were it not
            // to, it is kept off the board as if secret.
            Err(_) => Publicity::Secret(saraban_core::document::Secrecy::Secret),
        }
    }

    /// This row after the replay of its next event.
    pub(crate) fn replayed(&self, projected: Projected) -> DocRow {
        DocRow {
            state: projected.state,
            round: projected.round,
            register: projected.register,
            year: projected.year,
            number: projected.number,
            pdf_hash: projected.pdf_hash,
            cancelled: projected.cancelled_at.is_some(),
            updated_at: projected.updated_at,
            published_at: projected.published_at,
            assigned_to: projected.assigned_to,
            due_on: projected.due,
            circulated_to: projected.circulated_to,
            acknowledged_by: projected.acknowledged_by,
            ..self.clone()
        }
    }
}

impl From<ProjectedAction> for ActionRow {
    fn from(action: ProjectedAction) -> ActionRow {
        ActionRow {
            document: action.document,
            round: action.round,
            step: action.step,
            kind: action.kind,
            position: action.position,
            actor: action.actor,
            standing: action.standing,
            text: action.text,
            at: action.at,
        }
    }
}

impl DocRow {
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self> {
        let content: Option<String> = row.try_get("content")?;
        let content = content.ok_or_else(|| StoreError::corrupt("content", "it is missing"))?;
        let content = serde_json::from_str(&content)
            .map(std::sync::Arc::new)
            .map_err(|e| StoreError::corrupt("content", e))?;
        DocRow::with_content(row, Some(content))
    }

    /// The row's other columns, its content parsed already (`verify` reads
    /// it as bytes, once for two checks), or not read at all.
    pub(crate) fn with_content(
        row: &AnyRow,
        content: Option<std::sync::Arc<Value>>,
    ) -> Result<Self> {
        let state_name: String = row.get("state");
        let step: i64 = row.get("step");
        let state = State::from_parts(&state_name, step)
            .ok_or_else(|| StoreError::corrupt("state", &state_name))?;
        Ok(DocRow {
            id: row.get("id"),
            kind: row.get("kind"),
            state,
            round: row.get("round"),
            drafter: Slug::parse(&row.get::<String, _>("drafter_id"))
                .map_err(|e| StoreError::corrupt("drafter", e))?,
            route_version: row.get("route_version"),
            version: row.get("version"),
            content,
            heading: Heading::from_row(row)?,
            content_hash: row.get("content_hash"),
            register: row.get("register_id"),
            year: row.get("year"),
            number: row.get("number"),
            pdf_hash: row.get("pdf_hash"),
            cancelled: row.get::<Option<String>, _>("cancelled_at").is_some(),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
            published_at: row.get("published_at"),
            assigned_to: row.get("assigned_to"),
            due_on: row.get("due_on"),
            circulated_to: slugs(row.get("circulated_to"))?,
            acknowledged_by: slugs(row.get("acknowledged_by"))?,
        })
    }
}

/// What a transition read of its document: the row, its route version and
/// the actor's authorities.
pub(crate) type DocumentRead = (DocRow, Route, Vec<Authority>);

/// What a route action will read, asked for before its batch runs.
#[derive(Debug, Clone)]
pub(crate) struct WantedDocument {
    pub(crate) org: String,
    pub(crate) id: String,
    pub(crate) actor: String,
    /// The day of the action (ISO), for the actor's authorities.
    pub(crate) date: String,
}

/// The route action as its `actions` row stores it; `seq` is its event's.
#[derive(Debug, Clone)]
pub(crate) struct ActionRow {
    pub(crate) document: String,
    pub(crate) round: i64,
    pub(crate) step: i64,
    pub(crate) kind: &'static str,
    pub(crate) position: String,
    pub(crate) actor: String,
    pub(crate) standing: &'static str,
    pub(crate) text: Option<String>,
    pub(crate) at: String,
}

/// One route action's changes.
#[derive(Debug, Clone)]
pub(crate) struct RouteChange {
    /// Taken for a position (every action but the drafter's own).
    pub(crate) action: Option<ActionRow>,
    /// The document's row after the action.
    pub(crate) document: DocRow,
    /// The action cancels the document (stamped with its time).
    pub(crate) cancels: bool,
    /// Who the document waited for and waits for now, when that changed.
    pub(crate) waiting: Option<WaitingMove>,
    /// The signature image an approval prints (SHA-256 hex, PNG), kept by
    /// hash with the first event that names it.
    pub(crate) inked: Option<(String, std::sync::Arc<Vec<u8>>)>,
}

#[derive(Debug, Clone)]
pub(crate) struct WaitingMove {
    pub(crate) before: Vec<String>,
    pub(crate) after: Vec<String>,
}

/// `($1, $2, …), (…)` for `rows` rows of `columns` parameters from `$first`.
pub(crate) fn values(rows: usize, columns: usize, first: usize) -> String {
    values_of(rows, columns, first, |n, _| format!("${n}"))
}

/// `values`, each parameter cast to its column's type, so that PostgreSQL
/// need not guess a VALUES list's types (both servers call its columns
/// `column1`, `column2`…).
pub(crate) fn typed_values(rows: usize, types: &[&str], first: usize) -> String {
    values_of(rows, types.len(), first, |n, column| match types[column] {
        // Written for the backend by `timed`.
        "TIMESTAMP" => format!("@ts(${n})"),
        other => format!("CAST(${n} AS {other})"),
    })
}

/// The parameters of one column of a `values` list (`$first`, then every
/// `columns`th), comma-separated. `key IN (…)` beside a join on a VALUES
/// list gives the planner the batch's keys as an index condition: without
/// it PostgreSQL joined the list against a scan of the organisation's
/// every document whenever it judged the table small.
pub(crate) fn column_of_values(rows: usize, columns: usize, first: usize) -> String {
    (0..rows)
        .map(|row| format!("${}", first + row * columns))
        .collect::<Vec<_>>()
        .join(", ")
}

fn values_of(
    rows: usize,
    columns: usize,
    first: usize,
    cell: impl Fn(usize, usize) -> String,
) -> String {
    (0..rows)
        .map(|row| {
            let cells: Vec<String> = (0..columns)
                .map(|column| cell(first + row * columns + column, column))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod timed_tests {
    use super::timed;

    const SQL: &str =
        "SELECT @text(d.updated_at), id FROM documents d WHERE d.updated_at <= @ts($2) AND x = $1";

    #[test]
    fn sqlite_keeps_the_text_under_the_column_name() {
        assert_eq!(
            timed(false, SQL),
            "SELECT d.updated_at AS updated_at, id FROM documents d WHERE d.updated_at <= $2 AND x = $1"
        );
    }

    #[test]
    fn postgres_casts_parameters_and_reads_back_text() {
        let sql = timed(true, SQL);
        assert!(
            sql.contains("d.updated_at <= CAST($2 AS TIMESTAMPTZ)"),
            "{sql}"
        );
        assert!(
            sql.contains("to_char(d.updated_at AT TIME ZONE 'Asia/Bangkok'"),
            "{sql}"
        );
        assert!(
            sql.contains(") || '+07:00' AS updated_at, id FROM"),
            "{sql}"
        );
        assert!(!sql.contains('@'), "{sql}");
    }

    #[test]
    fn an_at_sign_that_marks_nothing_stays() {
        assert_eq!(timed(true, "SELECT 'a@b' AS mail"), "SELECT 'a@b' AS mail");
    }
}

#[cfg(test)]
mod tests {
    use super::Heading;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// What a content's field may hold, as stored or as tampered with.
    fn field() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            "[ก-๙a-z ]{0,12}".prop_map(|text| Some(Value::String(text))),
            any::<i32>().prop_map(|n| Some(json!(n))),
            any::<bool>().prop_map(|b| Some(json!(b))),
            "[a-z]{0,4}".prop_map(|text| Some(json!({ "x": text }))),
        ]
    }

    proptest! {
        /// The row's heading is the same whether taken from the parsed
        /// content (what `verify` checks) or from its text (what a write
        /// stores), whatever else the content holds.
        #[test]
        fn a_heading_reads_the_same_from_the_value_and_its_text(
            subject in field(),
            urgency in field(),
            secrecy in field(),
            body in "[ก-๙ ]{0,40}",
        ) {
            let mut content = json!({ "format": "saraban/1", "kind": "memo", "body": [{ "paragraph": body }] });
            for (name, value) in [("subject", subject), ("urgency", urgency), ("secrecy", secrecy)] {
                if let Some(value) = value {
                    content[name] = value;
                }
            }
            let text = content.to_string();
            prop_assert_eq!(Heading::of(&content), Heading::of_text(&text).unwrap());
        }
    }

    #[test]
    fn a_heading_keeps_strings_as_they_are_and_nothing_for_null() {
        let heading =
            Heading::of(&json!({ "subject": "ขออนุมัติ", "secrecy": "ลับ", "urgency": null }));
        assert_eq!(heading.subject.as_deref(), Some("ขออนุมัติ"));
        assert_eq!(heading.secrecy.as_deref(), Some("ลับ"));
        assert_eq!(heading.urgency, None);
        assert_eq!(
            heading.differences(&Heading::default()).as_deref(),
            Some("list_subject, list_secrecy")
        );
    }
}
