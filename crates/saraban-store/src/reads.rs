//! What transitions and pages read inside a transaction: documents with
//! their route and the actor's authorities, routes, people, the
//! organisation's configuration, registers and gathered approvals.
//! Writes nothing.

use chrono::{DateTime, Datelike};
use saraban_core::clock::YearReset;
use saraban_core::compose::{Approval, Gathered, Signing};
use saraban_core::ledger::Event;
use saraban_core::org::{OrgConfig, Slug};
use saraban_core::register::NumberPattern;
use saraban_core::replay::{Projected, ReplayFault};
use saraban_core::text::Text;
use saraban_core::workflow::{Authority, Route, Standing, State};
use saraban_core::{DigitStyle, ThaiDate};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::{Result, StoreError};
use crate::rows::{
    DOCUMENT_COLUMNS, DocRow, DocumentRead, WantedDocument, column_of_values, stored_json,
    timed_for, typed_values,
};

/// The destruction list ("1/2568") under which a document's content was
/// erased, if it was.
pub(crate) async fn destroyed_under(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    document: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT l.number, l.year FROM destruction_items i
           JOIN destruction_lists l ON l.org_id = i.org_id AND l.id = i.list_id
          WHERE i.org_id = $1 AND i.document_id = $2 AND i.destroyed_at IS NOT NULL",
    )
    .bind(org)
    .bind(document)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| -> Result<String> {
        Ok(format!(
            "{}/{}",
            row.try_get::<i64, _>("number")?,
            row.try_get::<i64, _>("year")?
        ))
    })
    .transpose()
}

/// `StoreError::Destroyed` for a document whose content was erased under
/// an approved list; a document with content (the one read that costs
/// nothing more), or one emptied without a list (tampering, which stays
/// an internal failure and `verify`'s finding), passes.
pub(crate) async fn refuse_destroyed(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    doc: &DocRow,
) -> Result<()> {
    // A row read without its content is asked about its list alone.
    if doc
        .content
        .as_ref()
        .is_some_and(|content| !content.as_object().is_some_and(|o| o.is_empty()))
    {
        return Ok(());
    }
    match destroyed_under(tx, org, doc.id.as_str()).await? {
        Some(list) => Err(StoreError::Destroyed {
            id: doc.id.clone(),
            list,
        }),
        None => Ok(()),
    }
}

pub(crate) async fn load_document(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
) -> Result<DocRow> {
    let sql = format!("{DOCUMENT_COLUMNS} WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(timed_for(tx, &sql)))
        .bind(org)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("document", id))?;
    DocRow::from_row(&row)
}

/// Documents' columns with their route version's definition and the
/// actor's authorities on the day: all a transition decides on. `WANTED`
/// becomes the VALUES rows (document, person, ISO date) asked for.
/// Not the content: what is decided on is in the row (`DocRow::heading`).
const DOCUMENT_ROUTE_AND_AUTHORITIES: &str = "SELECT d.id, d.kind, d.state, d.step, d.round, d.drafter_id, d.route_version, d.version,
                d.list_subject, d.list_urgency, d.list_secrecy, d.content_hash, d.register_id, d.year, d.number, d.pdf_hash, @text(d.cancelled_at), @text(d.created_at),
                @text(d.updated_at), @text(d.published_at), d.assigned_to, d.due_on, d.circulated_to, d.acknowledged_by, r.definition, (SELECT string_agg(a.position_id || ' ' || a.standing, ',') FROM (AUTHORITIES) a) AS authorities
           FROM (VALUES WANTED) AS w
           JOIN documents d ON d.org_id = $1 AND d.id = w.column1 AND d.id IN (KEYS)
           JOIN routes r ON r.org_id = d.org_id AND r.kind = d.kind AND r.version = d.route_version";

/// `DOCUMENT_ROUTE_AND_AUTHORITIES` for `rows` documents of one
/// organisation ($1).
fn documents_routes_and_authorities(rows: usize, lock: bool) -> String {
    let authorities = AUTHORITIES
        .replace("$3", "w.column3")
        .replace("$2", "w.column2");
    let mut sql = DOCUMENT_ROUTE_AND_AUTHORITIES
        .replace("AUTHORITIES", &authorities)
        .replace("WANTED", &typed_values(rows, &["TEXT"; 3], 2))
        .replace("KEYS", &column_of_values(rows, 3, 2));
    // Rows are locked in this order: two processes locking overlapping
    // sets of documents never wait on each other in a circle.
    sql.push_str(" ORDER BY d.id");
    if lock {
        sql.push_str(" FOR UPDATE OF d");
    }
    sql
}

fn document_read_from(row: &AnyRow) -> Result<DocumentRead> {
    let route: Route = stored_json(row, "definition", "route")?;
    let held: Option<String> = row.get("authorities");
    let authorities = authorities_from(
        held.iter()
            .flat_map(|list| list.split(','))
            .filter_map(|pair| pair.split_once(' ')),
    )?;
    Ok((DocRow::with_content(row, None)?, route, authorities))
}

/// `doc`'s content: the one read with it, or else read now.
pub(crate) async fn content_read(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    doc: &DocRow,
) -> Result<std::sync::Arc<Value>> {
    if let Some(content) = &doc.content {
        return Ok(content.clone());
    }
    let text: String = sqlx::query_scalar(
        "SELECT content FROM document_contents WHERE org_id = $1 AND document_id = $2",
    )
    .bind(org)
    .bind(doc.id.as_str())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::corrupt("content", format!("{} has none", doc.id)))?;
    serde_json::from_str(&text)
        .map(std::sync::Arc::new)
        .map_err(|e| StoreError::corrupt("content", e))
}

/// A document, the version of its route it follows and the actor's
/// authorities, in one round trip (a transition needs all three).
pub(crate) async fn load_document_and_route(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    actor: &str,
    date: &str,
    lock: bool,
) -> Result<DocumentRead> {
    let wanted = WantedDocument {
        org: org.to_owned(),
        id: id.to_owned(),
        actor: actor.to_owned(),
        date: date.to_owned(),
    };
    read_documents(tx, &[wanted], lock)
        .await?
        .remove(&(org.to_owned(), id.to_owned()))
        .ok_or_else(|| StoreError::not_found("document", id))
}

/// Reads the documents a batch's route actions act on, an organisation's
/// at a time (locked on PostgreSQL, as each transition would), keyed by
/// organisation and document. A document not found is left out; its
/// transition reads it again and reports it.
pub(crate) async fn read_documents(
    tx: &mut Transaction<'static, Any>,
    wanted: &[WantedDocument],
    lock: bool,
) -> Result<std::collections::HashMap<(String, String), DocumentRead>> {
    let mut found = std::collections::HashMap::new();
    let mut orgs: Vec<&str> = wanted.iter().map(|w| w.org.as_str()).collect();
    orgs.sort_unstable();
    orgs.dedup();
    for org in orgs {
        let of_org: Vec<&WantedDocument> = wanted.iter().filter(|w| w.org == org).collect();
        let sql = documents_routes_and_authorities(of_org.len(), lock);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(timed_for(tx, &sql))).bind(org.to_owned());
        for w in &of_org {
            query = query
                .bind(w.id.clone())
                .bind(w.actor.clone())
                .bind(w.date.clone());
        }
        for row in query.fetch_all(&mut **tx).await? {
            let read = document_read_from(&row)?;
            found.insert((org.to_owned(), read.0.id.clone()), read);
        }
    }
    Ok(found)
}

pub(crate) async fn load_route(
    executor: &mut Transaction<'static, Any>,
    org: &str,
    kind: &str,
    version: Option<i64>,
) -> Result<(Route, i64)> {
    let row = match version {
        Some(version) => sqlx::query("SELECT definition, version FROM routes WHERE org_id = $1 AND kind = $2 AND version = $3")
            .bind(org)
            .bind(kind)
            .bind(version)
            .fetch_optional(&mut **executor)
            .await?,
        None => sqlx::query("SELECT definition, version FROM routes WHERE org_id = $1 AND kind = $2 ORDER BY version DESC LIMIT 1")
            .bind(org)
            .bind(kind)
            .fetch_optional(&mut **executor)
            .await?,
    }
    .ok_or_else(|| StoreError::not_found("route for", kind))?;
    let route: Route = stored_json(&row, "definition", "route")?;
    Ok((route, row.get("version")))
}

pub(crate) async fn ensure_person(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    person: &str,
) -> Result<Slug> {
    let found = sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND id = $2")
        .bind(org)
        .bind(person)
        .fetch_optional(&mut **tx)
        .await?;
    match (found, Slug::parse(person)) {
        (Some(_), Ok(slug)) => Ok(slug),
        _ => Err(StoreError::not_found("person", person)),
    }
}

/// Positions a person ($2) of an organisation ($1) holds or acts for on a
/// date ($3, ISO): held, or delegated by a record that covers the date.
pub(crate) const AUTHORITIES: &str = "SELECT position_id, 'holder' AS standing FROM holdings
       WHERE org_id = $1 AND person_id = $2 AND from_date <= $3 AND (to_date IS NULL OR to_date >= $3)
     UNION ALL
     SELECT position_id, capacity FROM delegations
       WHERE org_id = $1 AND delegate_id = $2 AND from_date <= $3 AND to_date >= $3";

/// The positions a person may act for, from (position, standing) pairs:
/// held, or delegated by a record that covers the date.
fn authorities_from<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Vec<Authority>> {
    let mut found: Vec<Authority> = Vec::new();
    for (position, standing) in pairs {
        let position = Slug::parse(position).map_err(|e| StoreError::corrupt("position", e))?;
        let standing = Standing::from_name(standing)
            .ok_or_else(|| StoreError::corrupt("capacity", standing))?;
        // Holding a position beats acting for it.
        if let Some(existing) = found.iter_mut().find(|a| a.position == position) {
            if standing == Standing::Holder {
                existing.standing = standing;
            }
        } else {
            found.push(Authority { position, standing });
        }
    }
    Ok(found)
}

pub(crate) async fn org_config(
    tx: &mut Transaction<'static, Any>,
    org: &str,
) -> Result<(OrgConfig, Option<Vec<u8>>)> {
    let row = sqlx::query("SELECT config, emblem FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", org))?;
    let config = stored_json(&row, "config", "configuration")?;
    Ok((config, row.get("emblem")))
}

/// The day of a stored time (RFC 3339 in Thai time): the day an approval
/// was given, as the page and the registers date it.
pub(crate) fn day_of(at: &str) -> Result<ThaiDate> {
    let at = DateTime::parse_from_rfc3339(at).map_err(|e| StoreError::corrupt("time", e))?;
    let day = at.date_naive();
    ThaiDate::from_ymd(day.year(), day.month(), day.day())
        .map_err(|e| StoreError::corrupt("time", e))
}

/// A signature as an issued document's date follows it: the day it was
/// given (`at`) and whether its `signed` event kept an order's own date.
pub(crate) fn signing_of(at: &str, sign_event: Option<&[u8]>) -> Result<Signing> {
    #[derive(serde::Deserialize)]
    struct KeptDate {
        kept_date: Option<String>,
    }
    let kept_date = match sign_event {
        Some(bytes) => serde_json::from_slice::<KeptDate>(bytes)
            .map_err(|e| StoreError::corrupt("event", e))?
            .kept_date
            .is_some(),
        None => false,
    };
    Ok(Signing {
        day: day_of(at)?,
        kept_date,
    })
}

/// The organisation's digit style alone: what a document's summary needs,
/// without reading (and checking every text of) the whole configuration.
pub(crate) async fn org_digits(
    tx: &mut Transaction<'static, Any>,
    org: &str,
) -> Result<DigitStyle> {
    let config: String = sqlx::query_scalar("SELECT config FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", org))?;
    digits_of(&config)
}

/// The digit style of a stored configuration, read without the rest.
pub(crate) fn digits_of(config: &str) -> Result<DigitStyle> {
    #[derive(serde::Deserialize)]
    struct Stored {
        organisation: Info,
    }
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(default)]
        digits: DigitStyle,
    }
    let stored: Stored =
        serde_json::from_str(config).map_err(|e| StoreError::corrupt("configuration", e))?;
    Ok(stored.organisation.digits)
}

pub(crate) async fn register_info(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    register: &str,
) -> Result<(NumberPattern, YearReset)> {
    let row = sqlx::query("SELECT pattern, reset FROM registers WHERE org_id = $1 AND id = $2")
        .bind(org)
        .bind(register)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("register", register))?;
    let pattern = stored_json(&row, "pattern", "register pattern")?;
    let reset = serde_json::from_value(Value::String(row.get("reset")))
        .map_err(|e| StoreError::corrupt("register year", e))?;
    Ok((pattern, reset))
}

/// The positions that endorsed review step `step` of round `round`.
pub(crate) async fn endorsed_at_step(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    round: i64,
    step: usize,
) -> Result<Vec<Slug>> {
    Ok(sqlx::query(
        "SELECT position_id FROM actions WHERE org_id = $1 AND document_id = $2 AND round = $3 AND step = $4 AND kind = 'endorse'",
    )
    .bind(org)
    .bind(id)
    .bind(round)
    .bind(step as i64)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .filter_map(|row| Slug::parse(&row.get::<String, _>("position_id")).ok())
    .collect())
}

/// Where a document returned in `round` was when it was returned: the
/// step of the round's last return (-1 where the signer returned it).
pub(crate) async fn returned_from(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    round: i64,
) -> Result<Option<State>> {
    let step: Option<i64> = sqlx::query_scalar(
        "SELECT step FROM actions WHERE org_id = $1 AND document_id = $2 AND round = $3 AND kind = 'return' ORDER BY seq DESC LIMIT 1",
    )
    .bind(org)
    .bind(id)
    .bind(round)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(step.map(|step| match usize::try_from(step) {
        Ok(step) => State::InReview(step),
        Err(_) => State::AwaitingSignature,
    }))
}

/// Endorsements and the signature that stand, for the page, as the
/// document's events record them (not its action rows, which are a
/// projection: a row deleted by hand must not drop an endorsement from
/// what is issued). The events are replayed under the document's route: a
/// resubmission that starts over drops every approval; one that goes back
/// to the step that returned it keeps the approvals of the steps before.
pub(crate) async fn gathered(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    route: &Route,
) -> Result<Vec<Gathered>> {
    let mut approvals: Vec<(i64, Event)> = Vec::new();
    let mut replayed: Option<Projected> = None;
    for row in sqlx::query(
        "SELECT seq, bytes FROM events WHERE org_id = $1 AND document_id = $2 ORDER BY seq",
    )
    .bind(org)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    {
        let seq = row.get::<i64, _>("seq") as u64;
        let event = Event::from_canonical(&row.get::<Vec<u8>, _>("bytes"))
            .ok()
            .filter(|event| event.seq == seq && event.document == id)
            .ok_or_else(|| {
                StoreError::corrupt(
                    "event",
                    format!("event {seq} of {org} is not the document's"),
                )
            })?;
        let unreplayable = |fault: ReplayFault| {
            StoreError::corrupt("event", format!("event {seq} of {org}: {fault}"))
        };
        let Some(document) = replayed.as_mut() else {
            replayed = Some(Projected::created(&event).map_err(unreplayable)?);
            continue;
        };
        let step_before = document.state.step();
        document.apply(seq, &event, route).map_err(unreplayable)?;
        match event.kind.as_str() {
            "submitted" => {
                let resumed = document.state;
                approvals.retain(|(step, _)| match resumed {
                    State::InReview(k) => usize::try_from(*step).is_ok_and(|step| step < k),
                    State::AwaitingSignature => *step >= 0,
                    _ => false,
                });
            }
            "endorsed" | "signed" => approvals.push((step_before, event)),
            _ => {}
        }
    }
    let approvals = approvals.into_iter().map(|(_, event)| event);
    let mut gathered = Vec::new();
    for event in approvals {
        let date = day_of(&event.at)?;
        let position = event
            .position
            .as_deref()
            .ok_or_else(|| StoreError::corrupt("event", "an approval without its position"))?;
        let standing = event
            .capacity
            .as_deref()
            .and_then(Standing::from_name)
            .unwrap_or(Standing::Holder);
        let row = sqlx::query(
            "SELECT pos.title, p.name, p.signature FROM people p, positions pos
              WHERE p.org_id = $1 AND p.id = $2 AND pos.org_id = $1 AND pos.id = $3",
        )
        .bind(org)
        .bind(&event.actor)
        .bind(position)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            StoreError::corrupt("event", "an approval by an unknown person or position")
        })?;
        let own_title = if standing == Standing::Holder {
            None
        } else {
            sqlx::query(
                "SELECT pos.title FROM holdings h JOIN positions pos ON pos.org_id = h.org_id AND pos.id = h.position_id
                  WHERE h.org_id = $1 AND h.person_id = $2 AND h.from_date <= $3 AND (h.to_date IS NULL OR h.to_date >= $3)
                  ORDER BY h.from_date LIMIT 1",
            )
            .bind(org)
            .bind(&event.actor)
            .bind(date.iso())
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.get::<String, _>("title"))
        };
        let signature: Option<String> = row.get("signature");
        gathered.push(Gathered {
            approval: if event.kind == "signed" {
                Approval::Signed
            } else {
                Approval::Endorsed
            },
            text: event.text.as_deref().map(stored_text).transpose()?,
            date,
            standing,
            position_title: stored_text(&row.get::<String, _>("title"))?,
            name: stored_text(&row.get::<String, _>("name"))?,
            signature: signature.as_deref().map(stored_text).transpose()?,
            own_title: own_title.as_deref().map(stored_text).transpose()?,
            signature_image: event.signature_image.clone(),
            kept_date: event.kept_date.is_some(),
        });
    }
    Ok(gathered)
}

/// The signature images `gathered` printed, as (SHA-256 hex, PNG), each
/// once.
pub(crate) async fn inked_images(
    content: &crate::content::ContentStore,
    org: &str,
    gathered: &[Gathered],
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut images: Vec<(String, Vec<u8>)> = Vec::new();
    for sha in gathered.iter().filter_map(|g| g.signature_image.as_deref()) {
        if images.iter().any(|(known, _)| known == sha) {
            continue;
        }
        let png = content
            .get(org, crate::content::ContentKind::Ink, sha)
            .await?
            .ok_or_else(|| StoreError::corrupt("signature image", format!("{sha} is not kept")))?;
        images.push((sha.to_owned(), png));
    }
    Ok(images)
}

/// Text the store accepted once, read back.
fn stored_text<const MAX: usize, const MULTILINE: bool>(raw: &str) -> Result<Text<MAX, MULTILINE>> {
    Text::parse(raw).map_err(|e| StoreError::corrupt("text", e))
}

/// Whether the person has an approval key (so must sign approvals).
pub(crate) async fn has_actor_key(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    person: &str,
) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM person_keys WHERE org_id = $1 AND person_id = $2")
            .bind(org)
            .bind(person)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}
