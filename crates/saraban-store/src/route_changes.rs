//! What a route action changes — its action row, the document's state and
//! who the document now waits for — is written by its batch, a few
//! statements for all: the documents and waiting positions before the log
//! head is locked, the action rows with the events, whose sequence numbers
//! they take. A transition itself only reads. A document acts at most once
//! per batch (`writer`), so no transition reads a row another one of its
//! batch is still to write.

use sqlx::{Any, Transaction};

use crate::error::Result;
use crate::rows::{
    ActionRow, RouteChange, WaitingMove, column_of_values, joined, timed_for, typed_values, values,
};

/// Rows per statement: at most 15 values each, well under both servers'
/// limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 64;

/// The columns of an action row, as `typed_values` casts them.
const ACTION_TYPES: [&str; 11] = [
    "TEXT",
    "BIGINT",
    "TEXT",
    "BIGINT",
    "BIGINT",
    "TEXT",
    "TEXT",
    "TEXT",
    "TEXT",
    "TEXT",
    "TIMESTAMP",
];

/// Writes the documents' new state and waiting positions of one
/// organisation's route changes.
pub(crate) async fn write_documents(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    changes: &[&RouteChange],
) -> Result<()> {
    for chunk in changes.chunks(ROWS_PER_STATEMENT) {
        update_documents(tx, org, chunk).await?;
        replace_waiting(tx, org, chunk).await?;
    }
    // The image itself is in the content store, put before the batch.
    // One row per image, however many of the batch's approvals it inks.
    let mut inked: Vec<(&str, i64)> = Vec::new();
    for (sha, png) in changes.iter().filter_map(|c| c.inked.as_ref()) {
        if !inked.iter().any(|(known, _)| *known == sha.as_str()) {
            inked.push((sha, png.len() as i64));
        }
    }
    for chunk in inked.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO inked_signatures (org_id, sha256, size) VALUES {}
             ON CONFLICT (org_id, sha256) DO NOTHING",
            values(chunk.len(), 3, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (sha, size) in chunk {
            query = query.bind(org).bind(*sha).bind(*size);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Inserts the action rows of one organisation's route changes, each with
/// its event's number.
pub(crate) async fn insert_actions(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    changes: &[(u64, &RouteChange)],
) -> Result<()> {
    for chunk in changes.chunks(ROWS_PER_STATEMENT) {
        insert_action_rows(tx, org, chunk).await?;
    }
    Ok(())
}

async fn insert_action_rows(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    changes: &[(u64, &RouteChange)],
) -> Result<()> {
    let actions: Vec<(u64, &ActionRow)> = changes
        .iter()
        .filter_map(|(seq, change)| change.action.as_ref().map(|a| (*seq, a)))
        .collect();
    if actions.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO actions (org_id, seq, document_id, round, step, kind, position_id, actor_id, standing, text, at) VALUES {}",
        typed_values(actions.len(), &ACTION_TYPES, 1)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(timed_for(tx, &sql)));
    for (seq, action) in actions {
        query = query
            .bind(org.to_owned())
            .bind(seq as i64)
            .bind(action.document.clone())
            .bind(action.round)
            .bind(action.step)
            .bind(action.kind)
            .bind(action.position.clone())
            .bind(action.actor.clone())
            .bind(action.standing)
            .bind(action.text.clone())
            .bind(action.at.clone());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// One UPDATE for all: the new rows come as a VALUES list (its columns are
/// `column1`… on both servers), typed by CAST so PostgreSQL need not guess.
async fn update_documents(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    changes: &[&RouteChange],
) -> Result<()> {
    const TYPES: [&str; 15] = [
        "TEXT",
        "TEXT",
        "BIGINT",
        "BIGINT",
        "TEXT",
        "BIGINT",
        "BIGINT",
        "TEXT",
        "TIMESTAMP",
        "TIMESTAMP",
        "TIMESTAMP",
        "TEXT",
        "TEXT",
        "TEXT",
        "TEXT",
    ];
    let sql = format!(
        "UPDATE documents SET state = v.column2, step = v.column3, round = v.column4,
                register_id = v.column5, year = v.column6, number = v.column7, pdf_hash = v.column8,
                cancelled_at = COALESCE(v.column9, documents.cancelled_at), updated_at = v.column10,
                published_at = v.column11, assigned_to = v.column12, due_on = v.column13,
                circulated_to = v.column14, acknowledged_by = v.column15
           FROM (VALUES {}) AS v
          WHERE documents.org_id = $1 AND documents.id = v.column1 AND documents.id IN ({})",
        typed_values(changes.len(), &TYPES, 2),
        column_of_values(changes.len(), TYPES.len(), 2)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(timed_for(tx, &sql))).bind(org.to_owned());
    for change in changes {
        let doc = &change.document;
        query = query
            .bind(doc.id.clone())
            .bind(doc.state.name())
            .bind(doc.state.step())
            .bind(doc.round)
            .bind(doc.register.clone())
            .bind(doc.year)
            .bind(doc.number)
            .bind(doc.pdf_hash.clone())
            .bind(change.cancels.then(|| doc.updated_at.clone()))
            .bind(doc.updated_at.clone())
            .bind(doc.published_at.clone())
            .bind(doc.assigned_to.clone())
            .bind(doc.due_on.clone())
            .bind(joined(&doc.circulated_to))
            .bind(joined(&doc.acknowledged_by));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Moves the waiting rows of the documents whose waiting positions
/// changed. The common move, one position to the next, is one UPDATE for
/// all (which leaves the rows' document, so no foreign key is checked
/// again); other moves, or rows not as expected, are written afresh.
async fn replace_waiting(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    changes: &[&RouteChange],
) -> Result<()> {
    let moves: Vec<(&str, &WaitingMove)> = changes
        .iter()
        .filter_map(|change| {
            change
                .waiting
                .as_ref()
                .map(|w| (change.document.id.as_str(), w))
        })
        .collect();
    let (single, mut afresh): (Vec<_>, Vec<_>) = moves
        .into_iter()
        .partition(|(_, w)| w.before.len() == 1 && w.after.len() == 1);
    if !single.is_empty() {
        let sql = format!(
            "UPDATE waiting SET position_id = v.column3 FROM (VALUES {}) AS v
              WHERE waiting.org_id = $1 AND waiting.document_id = v.column1 AND waiting.position_id = v.column2
                AND waiting.document_id IN ({})",
            typed_values(single.len(), &["TEXT"; 3], 2),
            column_of_values(single.len(), 3, 2)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_owned());
        for (id, w) in &single {
            query = query
                .bind(id.to_string())
                .bind(w.before[0].clone())
                .bind(w.after[0].clone());
        }
        let moved = query.execute(&mut **tx).await?.rows_affected();
        if moved != single.len() as u64 {
            afresh.extend(single);
        }
    }
    if afresh.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = (0..afresh.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "DELETE FROM waiting WHERE org_id = $1 AND document_id IN ({})",
        list.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_owned());
    for (id, _) in &afresh {
        query = query.bind(id.to_string());
    }
    query.execute(&mut **tx).await?;

    let rows: Vec<(&str, &String)> = afresh
        .iter()
        .flat_map(|(id, w)| w.after.iter().map(move |p| (*id, p)))
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT * 2) {
        let sql = format!(
            "INSERT INTO waiting (org_id, document_id, position_id) VALUES {}",
            values(chunk.len(), 3, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, position) in chunk {
            query = query
                .bind(org.to_owned())
                .bind(id.to_string())
                .bind(position.to_string());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
