//! Which route actions a person may take on a document now, as `act`
//! would decide them. Nothing here writes; every action still goes through
//! `Store::act`.

use chrono::{DateTime, Utc};
use saraban_core::clock::thai_date;
use saraban_core::workflow::{Authority, RouteAction, State, decide};
use saraban_core::{DocumentId, OrgId, PersonId};

use crate::reads::{endorsed_at_step, load_document_and_route};
use crate::{Result, Store};

/// An action the person may take now, and the position it would be
/// taken for (with the capacity, when acting for another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedAction {
    pub action: RouteAction,
    pub acting_for: Option<Authority>,
}

impl Store {
    /// The actions `person` may take on the document at `at`, as the
    /// engine would decide them (an edit is offered apart, to the drafter).
    pub async fn allowed_actions(
        &self,
        org: &OrgId,
        person: &PersonId,
        id: &DocumentId,
        at: DateTime<Utc>,
    ) -> Result<Vec<AllowedAction>> {
        let (org, id) = (org.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let date = thai_date(at).format("%Y-%m-%d").to_string();
        let (doc, route, authorities) =
            load_document_and_route(&mut tx, org, id, person.as_str(), &date, false).await?;
        let acted = match doc.state {
            State::InReview(step) => endorsed_at_step(&mut tx, org, id, doc.round, step).await?,
            _ => Vec::new(),
        };

        tx.commit().await?;
        let actor = person.as_slug().clone();
        let facts = doc.facts(&route, &acted, None);
        // A text is offered so that actions needing one (a return) are
        // judged on who and when only; the form asks for the text.
        // Every route action in its order; editing is offered apart.
        Ok(RouteAction::ALL
            .into_iter()
            .filter_map(|action| {
                decide(&facts, &actor, &authorities, action.kind(), Some("-"))
                    .ok()
                    .map(|decision| AllowedAction {
                        action,
                        acting_for: decision.acting_for,
                    })
            })
            .collect())
    }
}
