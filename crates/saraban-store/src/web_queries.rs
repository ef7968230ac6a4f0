//! Read-only questions the web application asks: which actions a person may
//! take on a document now, the document's pages as images, a draft's pages
//! before it is stored, and the urgency of documents in a list. Nothing
//! here writes; every action still goes through `Store::act`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use saraban_core::Document;
use saraban_core::clock::thai_date;
use saraban_core::document::Urgency;
use saraban_core::org::Slug;
use saraban_core::register::NumberPattern;
use saraban_core::workflow::{ActionKind, Authority, Facts, State, decide};
use serde_json::Value;
use sqlx::Row;

use crate::compose::{Overlay, compose};
use crate::reads::{
    endorsed_at_step, gathered, load_document, load_document_and_route, org_config, register_info,
};
use crate::{Result, Store, StoreError};

/// An action the person may take now, and the position it would be
/// taken for (with the capacity, when acting for another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedAction {
    pub action: ActionKind,
    pub acting_for: Option<Authority>,
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
        let date = thai_date(at).format("%Y-%m-%d").to_string();
        let (doc, route, authorities) =
            load_document_and_route(&mut tx, org, id, person, &date, false).await?;
        let acted = match doc.state {
            State::InReview(step) => endorsed_at_step(&mut tx, org, id, doc.round, step).await?,
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
        // Every route action in its order; editing is offered apart.
        Ok(ActionKind::ALL
            .into_iter()
            .filter(|action| *action != ActionKind::Edit)
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
        let doc = load_document(&mut tx, org, id).await?;
        let (config, emblem) = org_config(&mut tx, org).await?;
        let gathered = gathered(&mut tx, org, id).await?;
        let prefix = match &doc.register {
            Some(register) => match register_info(&mut tx, org, register).await?.0 {
                NumberPattern::PrefixNumber { prefix } => Some(prefix.as_str().to_owned()),
                NumberPattern::NumberYear => None,
            },
            None => None,
        };
        tx.commit().await?;
        // Whatever else the overlay may carry (set when issuing) keeps its
        // default here: the preview shows what the route has gathered.
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
        let (config, emblem) = org_config(&mut tx, org).await?;
        tx.commit().await?;
        saraban_core::document::document_from_value(content.clone())?;
        let document = compose(content, &config, &Overlay::default())?;
        self.svg_pages(document, emblem).await
    }

    async fn svg_pages(&self, document: Document, emblem: Option<Vec<u8>>) -> Result<Vec<String>> {
        crate::render::typeset(&self.typesetter, document, emblem, |typeset| {
            Ok(typeset.svg_pages())
        })
        .await
    }

    /// The printable page of a register's year, typeset like the documents.
    pub async fn register_pdf(&self, page: saraban_typeset::RegisterPage) -> Result<Vec<u8>> {
        let typesetter = self.typesetter.clone();
        tokio::task::spawn_blocking(move || {
            typesetter.register_pdf(&page).map_err(StoreError::render)
        })
        .await
        .map_err(StoreError::render)?
    }

    /// The organisation's emblem artwork, when it has one.
    pub async fn emblem(&self, org: &str) -> Result<Option<Vec<u8>>> {
        let mut tx = self.pool.begin().await?;
        let (_, emblem) = org_config(&mut tx, org).await?;
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
            let content: Value =
                serde_json::from_str(&row.try_get::<String, _>("content")?).unwrap_or_default();
            if let Some(urgency) = content
                .get("urgency")
                .and_then(|u| serde_json::from_value::<Urgency>(u.clone()).ok())
            {
                found.insert(
                    row.try_get::<String, _>("id")?,
                    urgency.wording().to_owned(),
                );
            }
        }
        Ok(found)
    }
}
