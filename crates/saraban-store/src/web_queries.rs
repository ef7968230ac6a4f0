//! Read-only questions the web application asks: which actions a person may
//! take on a document now, the document's pages as images, a draft's pages
//! before it is stored, and the urgency of documents in a list. Nothing
//! here writes; every action still goes through `Store::act`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use saraban_core::clock::thai_date;
use saraban_core::org::{OrgConfig, Slug};
use saraban_core::register::NumberPattern;
use saraban_core::workflow::{ActionKind, Authority, Facts, Route, Standing, State, decide};
use saraban_core::{Document, ThaiDate};
use serde_json::Value;
use sqlx::{Any, Row, Transaction};

use crate::compose::{Gathered, Overlay, compose};
use crate::{Result, Store, StoreError};

/// An action the person may take now, and the position it would be
/// taken for (with the capacity, when acting for another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedAction {
    pub action: ActionKind,
    pub acting_for: Option<Authority>,
}

/// The route actions a person might be offered, in the order shown.
const OFFERED: [ActionKind; 8] = [
    ActionKind::Submit,
    ActionKind::Endorse,
    ActionKind::Return,
    ActionKind::Sign,
    ActionKind::Issue,
    ActionKind::Withdraw,
    ActionKind::Cancel,
    ActionKind::Archive,
];

struct Stored {
    kind: String,
    state: State,
    round: i64,
    drafter: Slug,
    route_version: i64,
    content: Value,
    register: Option<String>,
    number: Option<i64>,
}

async fn stored(tx: &mut Transaction<'static, Any>, org: &str, id: &str) -> Result<Stored> {
    let row = sqlx::query(
        "SELECT kind, state, step, round, drafter_id, route_version, content, register_id, number
           FROM documents WHERE org_id = $1 AND id = $2",
    )
    .bind(org)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::not_found("document", id))?;
    let state_name: String = row.get(1);
    let state = State::from_parts(&state_name, row.get(2))
        .ok_or_else(|| StoreError::Invalid(format!("stored state '{state_name}'")))?;
    Ok(Stored {
        kind: row.get(0),
        state,
        round: row.get(3),
        drafter: Slug::parse(&row.get::<String, _>(4)).map_err(StoreError::Invalid)?,
        route_version: row.get(5),
        content: serde_json::from_str(&row.get::<String, _>(6))
            .map_err(|e| StoreError::Invalid(e.to_string()))?,
        register: row.get(7),
        number: row.get(8),
    })
}

async fn config_of(
    tx: &mut Transaction<'static, Any>,
    org: &str,
) -> Result<(OrgConfig, Option<Vec<u8>>)> {
    let row = sqlx::query("SELECT config, emblem FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", org))?;
    let config = serde_json::from_str(&row.get::<String, _>(0))
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((config, row.get(1)))
}

impl Store {
    /// The actions `person` may take on the document at `at`, as the
    /// engine would decide them (an edit is offered apart, to the drafter).
    pub async fn allowed_actions(
        &self,
        org: &str,
        person: &str,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<AllowedAction>> {
        let mut tx = self.pool.begin().await?;
        let doc = stored(&mut tx, org, id).await?;
        let row = sqlx::query(
            "SELECT definition FROM routes WHERE org_id = $1 AND kind = $2 AND version = $3",
        )
        .bind(org)
        .bind(&doc.kind)
        .bind(doc.route_version)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("route for", doc.kind.clone()))?;
        let route: Route = serde_json::from_str(&row.get::<String, _>(0))
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let date = thai_date(at).format("%Y-%m-%d").to_string();
        let rows = sqlx::query(crate::engine::AUTHORITIES)
            .bind(org)
            .bind(person)
            .bind(&date)
            .fetch_all(&mut *tx)
            .await?;
        let mut authorities: Vec<Authority> = Vec::new();
        for row in rows {
            let position = Slug::parse(&row.get::<String, _>(0)).map_err(StoreError::Invalid)?;
            let standing = Standing::from_name(&row.get::<String, _>(1))
                .ok_or_else(|| StoreError::Invalid("stored capacity".into()))?;
            match authorities.iter_mut().find(|a| a.position == position) {
                Some(existing) if standing == Standing::Holder => existing.standing = standing,
                Some(_) => {}
                None => authorities.push(Authority { position, standing }),
            }
        }
        let acted: Vec<Slug> = match doc.state {
            State::InReview(step) => sqlx::query(
                "SELECT position_id FROM actions WHERE org_id = $1 AND document_id = $2 AND round = $3 AND step = $4 AND kind = 'endorse'",
            )
            .bind(org)
            .bind(id)
            .bind(doc.round)
            .bind(step as i64)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .filter_map(|row| Slug::parse(&row.get::<String, _>(0)).ok())
            .collect(),
            _ => Vec::new(),
        };
        tx.commit().await?;
        let Ok(actor) = Slug::parse(person) else {
            return Ok(Vec::new());
        };
        let facts = Facts {
            state: doc.state,
            drafter: &doc.drafter,
            route: &route,
            acted_this_step: &acted,
        };
        // A text is offered so that actions needing one (a return) are
        // judged on who and when only; the form asks for the text.
        Ok(OFFERED
            .into_iter()
            .filter_map(|action| {
                decide(&facts, &actor, &authorities, action, Some("-"))
                    .ok()
                    .map(|decision| AllowedAction {
                        action,
                        acting_for: decision.acting_for,
                    })
            })
            .collect())
    }

    /// The document as it stands, one SVG image per page: the drafter's
    /// content with the endorsements, signature and number gathered so far.
    pub async fn page_images(&self, org: &str, id: &str) -> Result<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        let doc = stored(&mut tx, org, id).await?;
        let (config, emblem) = config_of(&mut tx, org).await?;
        let gathered = gathered(&mut tx, org, id, doc.round).await?;
        let prefix = match &doc.register {
            Some(register) => {
                let row =
                    sqlx::query("SELECT pattern FROM registers WHERE org_id = $1 AND id = $2")
                        .bind(org)
                        .bind(register)
                        .fetch_optional(&mut *tx)
                        .await?;
                row.and_then(|r| serde_json::from_str::<NumberPattern>(&r.get::<String, _>(0)).ok())
                    .and_then(|pattern| match pattern {
                        NumberPattern::PrefixNumber { prefix } => Some(prefix.as_str().to_owned()),
                        NumberPattern::NumberYear => None,
                    })
            }
            None => None,
        };
        tx.commit().await?;
        // Whatever else the overlay may carry (set when issuing) keeps its
        // default here: the preview shows what the route has gathered.
        #[allow(clippy::needless_update)]
        let overlay = Overlay {
            gathered,
            number: doc.number,
            prefix,
            ..Overlay::default()
        };
        let document = compose(&doc.content, &config, &overlay)?;
        self.svg_pages(document, emblem).await
    }

    /// A draft's pages before it is stored, as the live preview shows
    /// them. Bad content is refused with the field at fault.
    pub async fn draft_images(&self, org: &str, content: &Value) -> Result<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        let (config, emblem) = config_of(&mut tx, org).await?;
        tx.commit().await?;
        saraban_core::document::document_from_value(content.clone())?;
        let document = compose(content, &config, &Overlay::default())?;
        self.svg_pages(document, emblem).await
    }

    async fn svg_pages(&self, document: Document, emblem: Option<Vec<u8>>) -> Result<Vec<String>> {
        let typesetter = self.typesetter.clone();
        tokio::task::spawn_blocking(move || {
            let emblem = emblem
                .map(saraban_typeset::Emblem::from_bytes)
                .transpose()
                .map_err(|e| StoreError::Render(e.to_string()))?;
            let typeset = typesetter
                .typeset(&document, emblem.as_ref())
                .map_err(|e| StoreError::Render(e.to_string()))?;
            Ok(typeset.svg_pages())
        })
        .await
        .map_err(|e| StoreError::Render(e.to_string()))?
    }

    /// The printable page of a register's year, typeset like the documents.
    pub async fn register_pdf(&self, page: saraban_typeset::RegisterPage) -> Result<Vec<u8>> {
        let typesetter = self.typesetter.clone();
        tokio::task::spawn_blocking(move || {
            typesetter
                .register_pdf(&page)
                .map_err(|e| StoreError::Render(e.to_string()))
        })
        .await
        .map_err(|e| StoreError::Render(e.to_string()))?
    }

    /// The organisation's emblem artwork, when it has one.
    pub async fn emblem(&self, org: &str) -> Result<Option<Vec<u8>>> {
        let mut tx = self.pool.begin().await?;
        let (_, emblem) = config_of(&mut tx, org).await?;
        tx.commit().await?;
        Ok(emblem)
    }

    /// The urgency (ด่วน, ด่วนมาก, ด่วนที่สุด) of each listed document that has one.
    pub async fn urgencies(&self, org: &str, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, content FROM documents WHERE org_id = $1 AND id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
        for id in ids {
            query = query.bind(id);
        }
        for row in query.fetch_all(&self.pool).await? {
            let content: Value = serde_json::from_str(&row.get::<String, _>(1)).unwrap_or_default();
            if let Some(urgency) = content.get("urgency").and_then(Value::as_str) {
                let wording = match urgency {
                    "urgent" | "ด่วน" => "ด่วน",
                    "very_urgent" | "ด่วนมาก" => "ด่วนมาก",
                    "most_urgent" | "ด่วนที่สุด" => "ด่วนที่สุด",
                    _ => continue,
                };
                found.insert(row.get::<String, _>(0), wording.to_owned());
            }
        }
        Ok(found)
    }
}

/// Endorsements and the signature of the document's current round.
async fn gathered(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    id: &str,
    round: i64,
) -> Result<Vec<Gathered>> {
    let rows = sqlx::query(
        "SELECT a.kind, a.text, a.at, a.standing, pos.title, p.name, p.signature, a.actor_id
           FROM actions a
           JOIN people p ON p.org_id = a.org_id AND p.id = a.actor_id
           JOIN positions pos ON pos.org_id = a.org_id AND pos.id = a.position_id
          WHERE a.org_id = $1 AND a.document_id = $2 AND a.round = $3 AND a.kind IN ('endorse', 'sign')
          ORDER BY a.seq",
    )
    .bind(org)
    .bind(id)
    .bind(round)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let at: String = row.get(2);
        let date = at
            .get(0..10)
            .and_then(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .ok_or_else(|| StoreError::Invalid(format!("stored time '{at}'")))
            .and_then(|day| ThaiDate::new(day).map_err(StoreError::Invalid))?;
        let standing = Standing::from_name(&row.get::<String, _>(3)).unwrap_or(Standing::Holder);
        let own_title = if standing == Standing::Holder {
            None
        } else {
            sqlx::query(
                "SELECT pos.title FROM holdings h JOIN positions pos ON pos.org_id = h.org_id AND pos.id = h.position_id
                  WHERE h.org_id = $1 AND h.person_id = $2 AND h.from_date <= $3 AND (h.to_date IS NULL OR h.to_date >= $3)
                  ORDER BY h.from_date LIMIT 1",
            )
            .bind(org)
            .bind(row.get::<String, _>(7))
            .bind(date.iso())
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.get::<String, _>(0))
        };
        out.push(Gathered {
            kind: row.get(0),
            text: row.get(1),
            date,
            standing,
            position_title: row.get(4),
            name: row.get(5),
            signature: row.get(6),
            own_title,
        });
    }
    Ok(out)
}
