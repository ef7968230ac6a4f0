//! What an organisation publishes (issue 15, point 8): the issued
//! announcements, orders and letters its registrar marked public, as its
//! public board (`/p/{org}`) and feed show them, and their issued PDFs.
//! Read without signing in, so nothing here tells more than the issued
//! document itself does, and a document that is not on the board is, here,
//! not found.
//!
//! Publishing and withdrawing are route actions (`Store::act` with
//! `RouteAction::Publish`/`Unpublish`, events `published`/`unpublished`);
//! `documents.published_at` is their projection, which `verify` rebuilds.

use std::collections::HashMap;

use saraban_core::compose::{Signing, date_borne};
use saraban_core::workflow::{Publicity, State};
use saraban_core::{DigitStyle, DocumentId, OrgId};
use sqlx::Row;

use crate::documents::issued_pdf_of;
use crate::reads::{digits_of, register_info, signing_of};
use crate::rows::{DOCUMENT_COLUMNS, DocRow, stored_document};
use crate::{Result, Store, StoreError};

/// One published document, as the board lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BoardEntry {
    #[schema(value_type = String)]
    pub id: DocumentId,
    /// announcement, order, letter or stamped.
    pub kind: String,
    /// As printed ("ที่ ๑/๒๕๖๘"), where the register numbers it.
    pub printed_number: Option<String>,
    pub subject: String,
    /// The date the document bears (ISO 8601): an order's, a letter's or an
    /// announcement's is the day it was signed unless it keeps its own.
    pub dated: String,
    /// The B.E. year of `dated`, which the board filters by.
    pub year: i32,
    /// When it was put on the board (RFC 3339, Thai time).
    pub published_at: String,
    /// Its public check (`/verify/{code}`).
    pub verify_code: String,
}

/// An organisation's board: its published documents, newest first.
#[derive(Debug, Clone)]
pub struct Board {
    pub organisation: String,
    pub digits: DigitStyle,
    /// Those the filter keeps.
    pub entries: Vec<BoardEntry>,
    /// Every B.E. year and kind of the whole board, for the filter, newest
    /// year first.
    pub years: Vec<i32>,
    pub kinds: Vec<String>,
    /// The last time the board changed: a publication, a withdrawal or a
    /// cancellation (RFC 3339, Thai time); none if nothing was ever on it.
    pub changed_at: Option<String>,
}

/// Which of the board to show.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub kind: Option<String>,
    /// B.E.
    pub year: Option<i32>,
}

impl Store {
    /// The public board of `org`, or none if there is no such organisation.
    pub async fn board(&self, org: &OrgId, filter: &BoardFilter) -> Result<Option<Board>> {
        let org_id = org.as_str();
        let mut tx = self.reader().await.begin().await?;
        let Some((organisation, config)) =
            sqlx::query("SELECT name, config FROM organisations WHERE id = $1")
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| {
                    Ok::<_, StoreError>((row.try_get("name")?, row.try_get::<String, _>("config")?))
                })
                .transpose()?
        else {
            return Ok(None);
        };
        let digits = digits_of(&config)?;
        let postgres = self.backend() == crate::Backend::Postgres;
        let rows = sqlx::query(sqlx::AssertSqlSafe(crate::list_queries::statement(
            postgres,
            &crate::list_queries::board(),
        )))
        .bind(org_id)
        .fetch_all(&mut *tx)
        .await?;
        // The day each was signed: the date most kinds bear.
        let signed: HashMap<String, Signing> = sqlx::query(sqlx::AssertSqlSafe(
            crate::list_queries::statement(postgres, crate::list_queries::BOARD_SIGNED),
        ))
        .bind(org_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| {
            let at: String = row.try_get("at")?;
            let event: Vec<u8> = row.try_get("sign_event")?;
            Ok((row.try_get("document_id")?, signing_of(&at, Some(&event))?))
        })
        .collect::<Result<_>>()?;
        let changed_at: Option<String> = sqlx::query(sqlx::AssertSqlSafe(
            crate::list_queries::statement(postgres, crate::list_queries::BOARD_CHANGED),
        ))
        .bind(org_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get("at"))
        .transpose()?;
        let mut patterns = HashMap::new();
        let mut all = Vec::with_capacity(rows.len());
        for row in &rows {
            let doc = DocRow::from_row(row)?;
            if !on_the_board(&doc) {
                continue;
            }
            let pattern = match &doc.register {
                Some(register) => {
                    if !patterns.contains_key(register) {
                        let (pattern, _) = register_info(&mut tx, org_id, register).await?;
                        patterns.insert(register.clone(), pattern);
                    }
                    patterns.get(register)
                }
                None => None,
            };
            let summary = doc.summary(None, pattern, digits)?;
            let document = stored_document((**doc.content()?).clone())?;
            let borne = date_borne(&document, signed.get(&doc.id).copied());
            let (dated, year) = (borne.iso(), borne.year().get());
            all.push(BoardEntry {
                verify_code: crate::public::verification_code(org_id, &doc.id),
                id: summary.id,
                kind: summary.kind,
                printed_number: summary.printed_number,
                subject: summary.subject,
                dated,
                year,
                published_at: doc.published_at.clone().unwrap_or_default(),
            });
        }
        tx.commit().await?;
        let mut years: Vec<i32> = all.iter().map(|e| e.year).collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        let kinds: Vec<String> = Publicity::KINDS
            .iter()
            .filter(|kind| all.iter().any(|e| e.kind == **kind))
            .map(|kind| (*kind).to_owned())
            .collect();
        let entries = all
            .into_iter()
            .filter(|e| filter.kind.as_ref().is_none_or(|kind| &e.kind == kind))
            .filter(|e| filter.year.is_none_or(|year| e.year == year))
            .collect();
        Ok(Some(Board {
            organisation,
            digits,
            entries,
            years,
            kinds,
            changed_at,
        }))
    }

    /// Documents on `org`'s board that may never be there (a secret one,
    /// a memo): the log's rule knows only whether a document is on the
    /// board; its content, which `verify` holds to its hash, says whether
    /// it may be. For the audit: (document, why).
    pub(crate) async fn unpublishable_on_board(&self, org: &str) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(self.timed(&format!(
            "{DOCUMENT_COLUMNS} WHERE org_id = $1 AND published_at IS NOT NULL"
        ))))
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::new();
        for row in &rows {
            let doc = DocRow::from_row(row)?;
            let why = match doc.publicity() {
                Publicity::Secret(level) => format!(
                    "it is on the public board, but it is classified {}",
                    level.wording()
                ),
                Publicity::Internal => format!(
                    "it is on the public board, but a {} is never published",
                    doc.kind
                ),
                Publicity::Published | Publicity::Unpublished => continue,
            };
            found.push((doc.id, why));
        }
        Ok(found)
    }

    /// The issued PDF of a document while it is on `org`'s board; none
    /// otherwise (not published, withdrawn, cancelled, secret, or unknown).
    pub async fn published_pdf(&self, org: &OrgId, id: &DocumentId) -> Result<Option<Vec<u8>>> {
        let mut tx = self.pool.begin().await?;
        let doc = match crate::reads::load_document(&mut tx, org.as_str(), id.as_str()).await {
            Ok(doc) => doc,
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        tx.commit().await?;
        if on_the_board(&doc) {
            issued_pdf_of(&self.content, org.as_str(), &doc).await
        } else {
            Ok(None)
        }
    }
}

/// Whether a document stands on its organisation's board: published, of a
/// kind that may be, and still issued (or archived so).
fn on_the_board(doc: &DocRow) -> bool {
    doc.publicity() == Publicity::Published && matches!(doc.state, State::Issued | State::Archived)
}
