//! The statements behind the lists a page or the API shows (inboxes,
//! document lists, registers, notifications, the public board, the
//! records' lists), in one place: the store runs these very texts, and the
//! plan test (`tests/stories/plans.rs`) asks each database how it would
//! run them, so that a list no index serves fails a test, not a drafter.
//!
//! A list reads the columns it shows: a document's row, which keeps its
//! subject and urgency (`@subject`, `@urgency`) apart from its content.
//! Lists that page do so by a keyset (`After`), never by OFFSET, so that
//! the hundredth page costs what the first does.
//! Migrations sqlite 0015 / postgres 0016 hold the indexes they use.

use chrono::DateTime;
use saraban_core::DocumentId;
use saraban_core::clock::thai_time;
use saraban_core::org::Slug;
use saraban_core::workflow::State;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::rows::{DOCUMENT_COLUMNS, content_of, timed};

/// A statement written for the database it runs on: `@subject` is the
/// document's subject, `@urgency` its urgency (both kept in its row,
/// migrations 0019/0021/0023), then `rows::timed`.
pub fn written(postgres: bool, sql: &str) -> String {
    let sql = sql
        .replace("@urgency", "documents.list_urgency AS urgency")
        .replace(
            "@content_subject",
            "documents.list_subject AS content_subject",
        )
        .replace("@subject", "documents.list_subject AS subject");
    timed(postgres, &sql)
}

/// What a list shows of a document: its row but the content, and its
/// subject (`ListedRow`).
pub const LISTED: &str = "SELECT documents.id, kind, state, step, round, drafter_id, route_version, version, @subject, \
     content_hash, register_id, year, number, pdf_hash, @text(cancelled_at), @text(created_at), @text(updated_at), \
     @text(published_at) FROM documents";

/// The drafter's own drafts and returned documents, latest first
/// (partial index `documents_drafts`).
pub const DRAFTS: &str = "@listed WHERE org_id = $1 AND drafter_id = $2 AND state IN ('draft', 'returned') \
     ORDER BY documents.updated_at DESC, documents.id DESC LIMIT $3";

/// What the drafter sent and is under way or done, latest first (partial
/// index `documents_sent`): the newest `$3` however many they sent.
pub const SENT: &str = "@listed WHERE org_id = $1 AND drafter_id = $2 \
     AND state IN ('in_review', 'awaiting_signature', 'signed', 'issued') \
     ORDER BY documents.updated_at DESC, documents.id DESC LIMIT $3";

/// The documents waiting for one of `positions` positions (`$3` on),
/// oldest first. Read through the waiting rows (`waiting_by_position`);
/// what waits is put in order by its keys alone (`documents_keys`), and
/// only the first `$2` are read.
pub fn waiting(positions: usize) -> String {
    let placeholders: Vec<String> = (0..positions).map(|i| format!("${}", i + 3)).collect();
    format!(
        "@listed WHERE org_id = $1 AND id IN (
           SELECT w.id FROM documents w
            WHERE w.org_id = $1 AND w.id IN (SELECT document_id FROM waiting WHERE org_id = $1 AND position_id IN ({}))
            ORDER BY w.updated_at, w.id LIMIT $2)
         ORDER BY documents.updated_at, documents.id",
        placeholders.join(", ")
    )
}

/// A page of the organisation's documents, latest first, after a key
/// (`documents_latest`).
pub const DOCUMENTS: &str = "@listed WHERE org_id = $1 AND (documents.updated_at, documents.id) < (@ts($2), $3) \
     ORDER BY documents.updated_at DESC, documents.id DESC LIMIT $4";

/// The same in one state (`documents_latest_by_state`).
pub const DOCUMENTS_IN_STATE: &str = "@listed WHERE org_id = $1 AND state = $4 \
     AND (documents.updated_at, documents.id) < (@ts($2), $3) \
     ORDER BY documents.updated_at DESC, documents.id DESC LIMIT $5";

/// A register's year in number order (the unique key
/// `(org_id, register_id, year, number)`); the register's columns are
/// read from the content, so it is read.
pub const REGISTER: &str = concat!(
    "SELECT number, id, ",
    content_of!("documents"),
    ", state, @text(cancelled_at) FROM documents
     WHERE org_id = $1 AND register_id = $2 AND year = $3 AND number > $4
     ORDER BY number LIMIT $5"
);

/// When each document of a page of a register's year (numbers after `$4`
/// to `$5`) was issued.
pub const REGISTER_ISSUED: &str = "SELECT document_id, @text(at) FROM actions WHERE org_id = $1 AND kind = 'issue' AND document_id IN
     (SELECT id FROM documents WHERE org_id = $1 AND register_id = $2 AND year = $3 AND number > $4 AND number <= $5)";

/// The signatures and cancellations of a page of a register's year.
/// A signature's event comes with it: its signer may have kept an order's
/// own date (`kept_date`).
pub const REGISTER_ACTIONS: &str =
    "SELECT a.document_id, a.kind, a.actor_id, a.position_id, a.standing, a.text, @text(a.at), e.bytes AS sign_event
       FROM actions a LEFT JOIN events e ON e.org_id = a.org_id AND e.seq = a.seq AND a.kind = 'sign'
     WHERE a.org_id = $1 AND a.kind IN ('sign', 'cancel') AND a.document_id IN
       (SELECT id FROM documents WHERE org_id = $1 AND register_id = $2 AND year = $3 AND number > $4 AND number <= $5)
     ORDER BY a.seq";

/// The documents of a page of a register's year destroyed under a list:
/// the subject the destruction recorded, and the list.
pub const REGISTER_DESTROYED: &str =
    "SELECT i.document_id, i.subject, l.number AS list_number, l.year AS list_year
   FROM destruction_items i
   JOIN destruction_lists l ON l.org_id = i.org_id AND l.id = i.list_id
   JOIN documents d ON d.org_id = i.org_id AND d.id = i.document_id
  WHERE i.org_id = $1 AND d.register_id = $2 AND d.year = $3 AND d.number > $4 AND d.number <= $5
    AND i.destroyed_at IS NOT NULL";

/// The receiving register's letters of a year by เลขรับ after `$5`, at
/// most `$6`, each with the event that closed it and the list it was
/// destroyed under.
pub const RECEIVED: &str = concat!(
    "SELECT d.id, d.number, d.state, ",
    content_of!("d"),
    ", d.assigned_to, d.due_on, @text(d.created_at), e.bytes AS closed,
        di.subject AS destroyed_subject, dl.number AS list_number, dl.year AS list_year
   FROM documents d
   LEFT JOIN events e ON e.org_id = d.org_id AND e.document_id = d.id AND e.kind = 'closed'
   LEFT JOIN destruction_items di ON di.org_id = d.org_id AND di.document_id = d.id AND di.destroyed_at IS NOT NULL
   LEFT JOIN destruction_lists dl ON dl.org_id = di.org_id AND dl.id = di.list_id
  WHERE d.org_id = $1 AND d.kind = $2 AND d.register_id = $3 AND d.year = $4 AND d.number > $5
  ORDER BY d.number LIMIT $6"
);

/// A unit's own receiving register (`$2`) of the B.E. year `$3`: the
/// letters its clerks recorded, by the unit's number after `$4`, at most
/// `$5`, each with the columns of `RECEIVED` (the central เลขรับ is
/// `number`); by `unit_receipts`' primary key.
pub const UNIT_RECEIVED: &str = concat!(
    "SELECT u.number AS unit_number, @text(u.received_at), u.actor_id AS unit_actor,
        d.id, d.number, d.state, ",
    content_of!("d"),
    ", d.assigned_to, d.due_on, @text(d.created_at), e.bytes AS closed,
        di.subject AS destroyed_subject, dl.number AS list_number, dl.year AS list_year
   FROM unit_receipts u
   JOIN documents d ON d.org_id = u.org_id AND d.id = u.document_id
   LEFT JOIN events e ON e.org_id = d.org_id AND e.document_id = d.id AND e.kind = 'closed'
   LEFT JOIN destruction_items di ON di.org_id = d.org_id AND di.document_id = d.id AND di.destroyed_at IS NOT NULL
   LEFT JOIN destruction_lists dl ON dl.org_id = di.org_id AND dl.id = di.list_id
  WHERE u.org_id = $1 AND u.register_id = $2 AND u.year = $3 AND u.number > $4
  ORDER BY u.number LIMIT $5"
);

/// The urgency of each of `ids` documents (`$2` on) that has one: the
/// inbox's marks, by primary key.
pub fn urgencies(ids: usize) -> String {
    let placeholders: Vec<String> = (0..ids).map(|i| format!("${}", i + 2)).collect();
    format!(
        "SELECT id, @urgency FROM documents WHERE org_id = $1 AND id IN ({})",
        placeholders.join(", ")
    )
}

/// The memos and letters that answer `letters` received letters (`$2` on):
/// the receiving registers' "ตอบแล้ว", by the `in_reply_to` index (in no
/// order: a letter's few are sorted by the reader).
pub fn replies_to(letters: usize) -> String {
    let placeholders: Vec<String> = (0..letters).map(|i| format!("${}", i + 2)).collect();
    format!(
        "SELECT d.id, d.kind, d.state, d.in_reply_to, d.number, d.year, g.pattern FROM documents d
           LEFT JOIN registers g ON g.org_id = d.org_id AND g.id = d.register_id
          WHERE d.org_id = $1 AND d.in_reply_to IN ({})",
        placeholders.join(", ")
    )
}

/// The circulated letters of an organisation, newest first
/// (`documents_circulated`: only those ever circulated).
pub const CIRCULATED: &str = concat!(
    "SELECT id, number, ",
    content_of!("documents"),
    ", circulated_to, acknowledged_by FROM documents
  WHERE org_id = $1 AND circulated_to IS NOT NULL ORDER BY documents.id DESC"
);

/// The states in which a document is no longer to be dealt with.
pub(crate) const CLOSED_STATES: &str = "('issued', 'archived', 'withdrawn', 'cancelled', 'closed')";

/// The organisation's deadlines passed by `$2`, the latest first, of
/// documents still open (`deadlines_by_org`).
pub fn overdue() -> String {
    format!(
        "SELECT d.document_id, d.due_on, doc.kind, {}
           FROM deadlines d
           JOIN documents doc ON doc.org_id = d.org_id AND doc.id = d.document_id
          WHERE d.org_id = $1 AND d.due_on < $2 AND doc.state NOT IN {CLOSED_STATES}
          ORDER BY d.due_on DESC LIMIT 500",
        content_of!("doc")
    )
}

/// A person's notifications, newest first (`notifications_latest`).
pub const NOTIFICATIONS: &str =
    "SELECT id, document_id, cause, urgency, subject, @text(created_at), @text(read_at)
   FROM notifications WHERE org_id = $1 AND person_id = $2
  ORDER BY notifications.created_at DESC, notifications.id DESC LIMIT $3";

/// The messages that failed for good, newest first, of one organisation
/// (`notification_messages_failed`).
pub const FAILED_MESSAGES: &str =
    "SELECT id, person_id, channel, subject, attempts, last_error, @text(created_at)
   FROM notification_messages
  WHERE status = 'failed' AND org_id = $1
  ORDER BY notification_messages.created_at DESC LIMIT 200";

/// The same across every organisation (the operator's page).
pub const FAILED_MESSAGES_ALL: &str =
    "SELECT id, person_id, channel, subject, attempts, last_error, @text(created_at)
   FROM notification_messages
  WHERE status = 'failed'
  ORDER BY notification_messages.created_at DESC LIMIT 200";

/// A page of a destruction list's items in register order, after an
/// item's key (`destruction_items_in_order`); the subject the list
/// recorded, or else the content's.
pub const DESTRUCTION_ITEMS: &str = "SELECT i.document_id, i.kind, i.register_id, i.year, i.number, i.class, i.kept_by, i.kept_reason,
        i.subject, @text(i.destroyed_at), @content_subject
   FROM destruction_items i
   LEFT JOIN documents ON documents.org_id = i.org_id AND documents.id = i.document_id
  WHERE i.org_id = $1 AND i.list_id = $2
    AND (COALESCE(i.register_id, ''), i.year, COALESCE(i.number, 0), i.document_id) > ($3, $4, $5, $6)
  ORDER BY COALESCE(i.register_id, ''), i.year, COALESCE(i.number, 0), i.document_id LIMIT $7";

/// How many of a list's items come up to an item's key, that one included.
pub const DESTRUCTION_ITEMS_THROUGH: &str = "SELECT COUNT(*) FROM destruction_items i
  WHERE i.org_id = $1 AND i.list_id = $2
    AND (COALESCE(i.register_id, ''), i.year, COALESCE(i.number, 0), i.document_id) <= ($3, $4, $5, $6)";

/// The key of one item of a destruction list, for the page after it.
pub const DESTRUCTION_ITEM_KEY: &str =
    "SELECT COALESCE(register_id, '') AS register_key, year, COALESCE(number, 0) AS number_key
   FROM destruction_items WHERE org_id = $1 AND list_id = $2 AND document_id = $3";

/// The organisation's public board, latest first (`documents_on_board`):
/// whole rows, since the board shows what the content says.
pub fn board() -> String {
    format!(
        "{DOCUMENT_COLUMNS} WHERE org_id = $1 AND published_at IS NOT NULL \
         ORDER BY documents.published_at DESC, documents.id DESC"
    )
}

/// The day each document on the board was signed.
pub const BOARD_SIGNED: &str = "SELECT a.document_id, @text(a.at), e.bytes AS sign_event
   FROM actions a JOIN events e ON e.org_id = a.org_id AND e.seq = a.seq
  WHERE a.org_id = $1 AND a.kind = 'sign' AND a.document_id IN
   (SELECT id FROM documents WHERE org_id = $1 AND published_at IS NOT NULL) ORDER BY a.seq";

/// When the board last changed (`actions_on_board`, the few actions that
/// change it, newest first).
pub const BOARD_CHANGED: &str =
    "SELECT @text(at) FROM actions WHERE org_id = $1 AND kind IN ('publish', 'unpublish', 'cancel')
  ORDER BY actions.seq DESC LIMIT 1";

/// `@listed` and `@subject` written out, then the timestamps.
pub fn statement(postgres: bool, sql: &str) -> String {
    written(postgres, &sql.replace("@listed", LISTED))
}

/// The key of the last document of a page of `DOCUMENTS`: its time to the
/// microsecond and its id, `MICROS.ID` (digits, a dot, a lower-case
/// UUID), which `AFTER_PATTERN` describes exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    /// `updated_at` as the store writes it (Thai time, RFC 3339).
    pub updated_at: String,
    pub id: String,
}

/// Every `after` that `After::parse` takes, and no other.
pub const AFTER_PATTERN: &str =
    "^[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

impl After {
    /// Before every document: the first page.
    pub fn first() -> Self {
        After {
            updated_at: "9999-12-31T23:59:59+07:00".to_owned(),
            id: String::new(),
        }
    }

    /// An `after` as a client sent it back; refused naming `after`.
    pub fn parse(text: &str) -> Result<Self> {
        let refused = || {
            StoreError::invalid(
                "after",
                "must be the `next` of a page: digits, a dot and a document id",
            )
        };
        let (micros, id) = text.split_once('.').ok_or_else(refused)?;
        if micros.is_empty() || micros.len() > 16 || !micros.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refused());
        }
        let id = DocumentId::parse(id).map_err(|_| refused())?;
        let at = micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(refused)?;
        Ok(After {
            updated_at: thai_time(at).to_rfc3339(),
            id: id.as_str().to_owned(),
        })
    }

    /// The `after` that follows the document updated at `updated_at`
    /// (as stored) with `id`.
    pub fn text_of(updated_at: &str, id: &DocumentId) -> Option<String> {
        let at = DateTime::parse_from_rfc3339(updated_at).ok()?;
        let micros = u64::try_from(at.timestamp_micros()).ok()?;
        Some(format!("{micros}.{}", id.as_str()))
    }
}

/// The columns of `LISTED`, read.
#[derive(Debug, Clone)]
pub(crate) struct ListedRow {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) state: State,
    pub(crate) round: i64,
    pub(crate) drafter: Slug,
    pub(crate) route_version: i64,
    pub(crate) version: i64,
    pub(crate) subject: String,
    pub(crate) content_hash: String,
    pub(crate) register: Option<String>,
    pub(crate) year: Option<i64>,
    pub(crate) number: Option<i64>,
    pub(crate) pdf_hash: Option<String>,
    pub(crate) cancelled: bool,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) published_at: Option<String>,
}

impl ListedRow {
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self> {
        let state_name: String = row.try_get("state")?;
        let step: i64 = row.try_get("step")?;
        let state = State::from_parts(&state_name, step)
            .ok_or_else(|| StoreError::corrupt("state", &state_name))?;
        Ok(ListedRow {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            state,
            round: row.try_get("round")?,
            drafter: Slug::parse(&row.try_get::<String, _>("drafter_id")?)
                .map_err(|e| StoreError::corrupt("drafter", e))?,
            route_version: row.try_get("route_version")?,
            version: row.try_get("version")?,
            subject: row
                .try_get::<Option<String>, _>("subject")?
                .unwrap_or_default(),
            content_hash: row.try_get("content_hash")?,
            register: row.try_get("register_id")?,
            year: row.try_get("year")?,
            number: row.try_get("number")?,
            pdf_hash: row.try_get("pdf_hash")?,
            cancelled: row.try_get::<Option<String>, _>("cancelled_at")?.is_some(),
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            published_at: row.try_get("published_at")?,
        })
    }
}

/// A value bound to a list's statement when its plan is asked for.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// A list's statement as the store runs it, with values to bind.
#[derive(Debug, Clone)]
pub struct Listed {
    pub name: &'static str,
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// What the statements' binds are drawn from: ids that exist in the
/// database whose plans are asked for.
#[derive(Debug, Clone)]
pub struct Sample {
    pub org: String,
    pub drafter: String,
    pub person: String,
    pub positions: Vec<String>,
    pub register: String,
    pub year: i64,
    pub received_register: String,
    pub received_year: i64,
    pub destruction_list: String,
    /// A page's last document (`After`), to read the page after it.
    pub after: After,
}

/// Every list statement with its sample binds, written for the database.
pub fn statements(postgres: bool, sample: &Sample) -> Vec<Listed> {
    use Bind::{Int, Text};
    let org = || Text(sample.org.clone());
    let register_page_binds = || {
        vec![
            org(),
            Text(sample.register.clone()),
            Int(sample.year),
            Int(0),
            Int(100),
        ]
    };
    let mut waiting_binds = vec![org(), Int(200)];
    waiting_binds.extend(sample.positions.iter().cloned().map(Text));
    let list = [
        (
            "inbox: drafts",
            DRAFTS.to_owned(),
            vec![org(), Text(sample.drafter.clone()), Int(200)],
        ),
        (
            "inbox: sent",
            SENT.to_owned(),
            vec![org(), Text(sample.drafter.clone()), Int(200)],
        ),
        (
            "inbox: waiting",
            waiting(sample.positions.len()),
            waiting_binds,
        ),
        (
            "documents: first page",
            DOCUMENTS.to_owned(),
            vec![
                org(),
                Text(After::first().updated_at),
                Text(After::first().id),
                Int(50),
            ],
        ),
        (
            "documents: next page",
            DOCUMENTS.to_owned(),
            vec![
                org(),
                Text(sample.after.updated_at.clone()),
                Text(sample.after.id.clone()),
                Int(50),
            ],
        ),
        (
            "documents in a state: next page",
            DOCUMENTS_IN_STATE.to_owned(),
            vec![
                org(),
                Text(sample.after.updated_at.clone()),
                Text(sample.after.id.clone()),
                Text("issued".to_owned()),
                Int(50),
            ],
        ),
        (
            "inbox: urgencies",
            urgencies(1),
            vec![org(), Text(sample.after.id.clone())],
        ),
        (
            "receiving register: replies",
            replies_to(2),
            vec![
                org(),
                Text(sample.after.id.clone()),
                Text(sample.person.clone()),
            ],
        ),
        (
            "register: a page",
            REGISTER.to_owned(),
            vec![
                org(),
                Text(sample.register.clone()),
                Int(sample.year),
                Int(0),
                Int(101),
            ],
        ),
        (
            "register: issued",
            REGISTER_ISSUED.to_owned(),
            register_page_binds(),
        ),
        (
            "register: signatures and cancellations",
            REGISTER_ACTIONS.to_owned(),
            register_page_binds(),
        ),
        (
            "register: destroyed",
            REGISTER_DESTROYED.to_owned(),
            register_page_binds(),
        ),
        (
            "receiving register",
            RECEIVED.to_owned(),
            vec![
                org(),
                Text(saraban_core::incoming::KIND.to_owned()),
                Text(sample.received_register.clone()),
                Int(sample.received_year),
                Int(0),
                Int(101),
            ],
        ),
        (
            "a unit's receiving register",
            UNIT_RECEIVED.to_owned(),
            vec![
                org(),
                Text(sample.received_register.clone()),
                Int(sample.received_year),
                Int(0),
                Int(101),
            ],
        ),
        ("circulated letters", CIRCULATED.to_owned(), vec![org()]),
        (
            "overdue",
            overdue(),
            vec![org(), Text("2025-06-01".to_owned())],
        ),
        (
            "notifications",
            NOTIFICATIONS.to_owned(),
            vec![org(), Text(sample.person.clone()), Int(100)],
        ),
        ("failed messages", FAILED_MESSAGES.to_owned(), vec![org()]),
        (
            "failed messages, all",
            FAILED_MESSAGES_ALL.to_owned(),
            vec![],
        ),
        (
            "destruction list items",
            DESTRUCTION_ITEMS.to_owned(),
            vec![
                org(),
                Text(sample.destruction_list.clone()),
                Text(String::new()),
                Int(0),
                Int(0),
                Text(String::new()),
                Int(100),
            ],
        ),
        (
            "destruction list items up to one",
            DESTRUCTION_ITEMS_THROUGH.to_owned(),
            vec![
                org(),
                Text(sample.destruction_list.clone()),
                Text(String::new()),
                Int(0),
                Int(0),
                Text(String::new()),
            ],
        ),
        ("public board", board(), vec![org()]),
        ("public board: signed", BOARD_SIGNED.to_owned(), vec![org()]),
        (
            "public board: changed",
            BOARD_CHANGED.to_owned(),
            vec![org()],
        ),
    ];
    list.into_iter()
        .map(|(name, sql, binds)| Listed {
            name,
            sql: statement(postgres, &sql),
            binds,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_after_reads_back_as_the_key_it_was_made_from() {
        let id = DocumentId::parse("01936b2e-8a4c-7d3e-9f10-123456789abc").unwrap();
        for stored in [
            "2025-04-09T08:00:01+07:00",
            "2025-04-09T08:00:01.500+07:00",
            "2025-04-09T08:00:01.123456+07:00",
        ] {
            let text = After::text_of(stored, &id).unwrap();
            assert!(regex_lite_match(&text), "{text}");
            let after = After::parse(&text).unwrap();
            assert_eq!(after.updated_at, stored);
            assert_eq!(after.id, id.as_str());
        }
    }

    #[test]
    fn a_bad_after_is_refused_naming_it() {
        for bad in [
            "",
            "12",
            ".01936b2e-8a4c-7d3e-9f10-123456789abc",
            "12345678901234567.01936b2e-8a4c-7d3e-9f10-123456789abc",
            "1a.01936b2e-8a4c-7d3e-9f10-123456789abc",
            "12.01936B2E-8a4c-7d3e-9f10-123456789abc",
            "12.not-an-id",
        ] {
            let refused = After::parse(bad).unwrap_err();
            assert_eq!(refused.field().as_deref(), Some("after"), "{bad}");
        }
    }

    /// `AFTER_PATTERN` by hand (no regex crate here).
    fn regex_lite_match(text: &str) -> bool {
        let Some((micros, id)) = text.split_once('.') else {
            return false;
        };
        (1..=16).contains(&micros.len())
            && micros.bytes().all(|b| b.is_ascii_digit())
            && DocumentId::parse(id).is_ok()
    }
}
