//! The route a document takes and the rules of each step, decided without
//! any I/O: given the document's facts and what the actor may act as, an
//! action is either allowed (with the state it leads to) or refused with a
//! reason the user can read.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::document::{Capacity, Secrecy};
use crate::slug::Slug;

/// A route as data: review steps in order, then the signer, then the
/// registrar who issues into a register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub review: Vec<RouteStep>,
    pub sign: Slug,
    pub issue: Slug,
    pub register: Slug,
    /// Where a returned document goes when its drafter submits it again.
    /// Left out of the stored definition when it is the default, so that
    /// routes stored before it keep their bytes.
    #[serde(default, skip_serializing_if = "OnReturn::is_restart")]
    pub on_return: OnReturn,
    /// The route of received letters (kind "incoming"): numbered when
    /// received, so never issued; closed once the order is carried out.
    /// Written only when true, so that other routes keep their bytes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incoming: bool,
    /// A received letter marked ด่วนที่สุด is submitted straight to the
    /// signer. Written only when true, as `incoming`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent_skips_review: bool,
}

/// Where a resubmitted document goes after a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnReturn {
    /// From the first review step: everyone sees the revised version.
    #[default]
    Restart,
    /// Straight back to the step (or the signer) that returned it; those
    /// who endorsed before see what changed on the document page.
    BackToReturner,
}

impl OnReturn {
    pub fn is_restart(&self) -> bool {
        *self == OnReturn::Restart
    }

    pub fn name(self) -> &'static str {
        match self {
            OnReturn::Restart => "restart",
            OnReturn::BackToReturner => "back_to_returner",
        }
    }

    /// As the admin page says it.
    pub fn thai(self) -> &'static str {
        match self {
            OnReturn::Restart => "เสนอใหม่ตั้งแต่ขั้นแรก",
            OnReturn::BackToReturner => "กลับไปยังผู้ส่งคืน",
        }
    }
}

/// One review step: `required` of the `positions` must endorse (one of one
/// for a plain step; n of m for a parallel group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteStep {
    pub positions: Vec<Slug>,
    pub required: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "step")]
pub enum State {
    Draft,
    /// Waiting at review step k (from 0).
    InReview(usize),
    AwaitingSignature,
    Signed,
    Issued,
    Archived,
    /// Back with the drafter for revision.
    Returned,
    Withdrawn,
    Cancelled,
    /// A received letter whose order was carried out (ดำเนินการแล้ว).
    Closed,
}

impl State {
    /// The name stored and shown ("in_review"); the step is kept apart.
    pub fn name(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::InReview(_) => "in_review",
            State::AwaitingSignature => "awaiting_signature",
            State::Signed => "signed",
            State::Issued => "issued",
            State::Archived => "archived",
            State::Returned => "returned",
            State::Withdrawn => "withdrawn",
            State::Cancelled => "cancelled",
            State::Closed => "closed",
        }
    }

    pub fn from_parts(name: &str, step: i64) -> Option<State> {
        Some(match name {
            "draft" => State::Draft,
            "in_review" => State::InReview(usize::try_from(step).ok()?),
            "awaiting_signature" => State::AwaitingSignature,
            "signed" => State::Signed,
            "issued" => State::Issued,
            "archived" => State::Archived,
            "returned" => State::Returned,
            "withdrawn" => State::Withdrawn,
            "cancelled" => State::Cancelled,
            "closed" => State::Closed,
            _ => return None,
        })
    }

    pub fn step(self) -> i64 {
        match self {
            State::InReview(step) => step as i64,
            _ => -1,
        }
    }

    /// สถานะ of a document of `kind` as the office says it: a received
    /// letter is ลงรับแล้ว, not a draft, and its signer's order is สั่งการ.
    pub fn thai_for(self, kind: &str) -> &'static str {
        match self {
            State::Draft if kind == crate::incoming::KIND => "ลงรับแล้ว",
            State::AwaitingSignature if kind == crate::incoming::KIND => "รอสั่งการ",
            State::Signed if kind == crate::incoming::KIND => "สั่งการแล้ว",
            other => other.thai(),
        }
    }

    /// สถานะ as the office says it.
    pub fn thai(self) -> &'static str {
        match self {
            State::Draft => "ร่าง",
            State::InReview(_) => "อยู่ระหว่างเสนอ",
            State::AwaitingSignature => "รอลงนาม",
            State::Signed => "ลงนามแล้ว",
            State::Issued => "ออกเลขแล้ว",
            State::Archived => "เก็บแล้ว",
            State::Returned => "ส่งคืนแก้ไข",
            State::Withdrawn => "ถอนเรื่อง",
            State::Cancelled => "ยกเลิก",
            State::Closed => "ดำเนินการแล้ว",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::InReview(step) => write!(f, "in_review (step {})", step + 1),
            other => f.write_str(other.name()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Edit,
    Submit,
    Endorse,
    Return,
    Sign,
    Issue,
    Withdraw,
    Cancel,
    Archive,
    /// Marks an issued document public: it goes on the organisation's
    /// board (`/p/{org}`) and feed.
    Publish,
    /// Takes it off the board again.
    Unpublish,
    /// A received letter's order carried out: the text says what was done
    /// (การปฏิบัติ).
    Close,
    /// A received letter (a circular, หนังสือเวียน) sent to the holders of
    /// some positions for each to acknowledge.
    Circulate,
    /// รับทราบ: one person's acknowledgement of a circulated letter.
    Acknowledge,
}

impl ActionKind {
    pub const ALL: [ActionKind; 14] = [
        ActionKind::Edit,
        ActionKind::Submit,
        ActionKind::Endorse,
        ActionKind::Return,
        ActionKind::Sign,
        ActionKind::Issue,
        ActionKind::Withdraw,
        ActionKind::Cancel,
        ActionKind::Archive,
        ActionKind::Publish,
        ActionKind::Unpublish,
        ActionKind::Close,
        ActionKind::Circulate,
        ActionKind::Acknowledge,
    ];

    /// The event this action records in the ledger.
    /// The action's name in URLs, commands and stored route actions.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Edit => "edit",
            ActionKind::Submit => "submit",
            ActionKind::Endorse => "endorse",
            ActionKind::Return => "return",
            ActionKind::Sign => "sign",
            ActionKind::Issue => "issue",
            ActionKind::Withdraw => "withdraw",
            ActionKind::Cancel => "cancel",
            ActionKind::Archive => "archive",
            ActionKind::Publish => "publish",
            ActionKind::Unpublish => "unpublish",
            ActionKind::Close => "close",
            ActionKind::Circulate => "circulate",
            ActionKind::Acknowledge => "acknowledge",
        }
    }

    pub fn from_name(name: &str) -> Option<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .find(|action| action.name() == name)
    }

    pub fn event(self) -> &'static str {
        match self {
            ActionKind::Edit => "edited",
            ActionKind::Submit => "submitted",
            ActionKind::Endorse => "endorsed",
            ActionKind::Return => "returned",
            ActionKind::Sign => "signed",
            ActionKind::Issue => "issued",
            ActionKind::Withdraw => "withdrawn",
            ActionKind::Cancel => "cancelled",
            ActionKind::Archive => "archived",
            ActionKind::Publish => "published",
            ActionKind::Unpublish => "unpublished",
            ActionKind::Close => "closed",
            ActionKind::Circulate => "circulated",
            ActionKind::Acknowledge => "acknowledged",
        }
    }
}

/// An action taken on the route: every action but editing, which replaces
/// the content and so goes its own way (`Store::edit_document`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteAction {
    Submit,
    Endorse,
    Return,
    Sign,
    Issue,
    Withdraw,
    Cancel,
    Archive,
    Publish,
    Unpublish,
    Close,
    Circulate,
    Acknowledge,
}

impl RouteAction {
    pub const ALL: [RouteAction; 13] = [
        RouteAction::Submit,
        RouteAction::Endorse,
        RouteAction::Return,
        RouteAction::Sign,
        RouteAction::Issue,
        RouteAction::Withdraw,
        RouteAction::Cancel,
        RouteAction::Archive,
        RouteAction::Publish,
        RouteAction::Unpublish,
        RouteAction::Close,
        RouteAction::Circulate,
        RouteAction::Acknowledge,
    ];

    pub fn kind(self) -> ActionKind {
        match self {
            RouteAction::Submit => ActionKind::Submit,
            RouteAction::Endorse => ActionKind::Endorse,
            RouteAction::Return => ActionKind::Return,
            RouteAction::Sign => ActionKind::Sign,
            RouteAction::Issue => ActionKind::Issue,
            RouteAction::Withdraw => ActionKind::Withdraw,
            RouteAction::Cancel => ActionKind::Cancel,
            RouteAction::Archive => ActionKind::Archive,
            RouteAction::Publish => ActionKind::Publish,
            RouteAction::Unpublish => ActionKind::Unpublish,
            RouteAction::Close => ActionKind::Close,
            RouteAction::Circulate => ActionKind::Circulate,
            RouteAction::Acknowledge => ActionKind::Acknowledge,
        }
    }

    /// The action's name in URLs, commands and stored route actions.
    pub fn name(self) -> &'static str {
        self.kind().name()
    }

    pub fn from_name(name: &str) -> Option<RouteAction> {
        RouteAction::ALL
            .into_iter()
            .find(|action| action.name() == name)
    }
}

impl From<RouteAction> for ActionKind {
    fn from(action: RouteAction) -> ActionKind {
        action.kind()
    }
}

impl TryFrom<ActionKind> for RouteAction {
    /// Editing is not a route action.
    type Error = ActionKind;

    fn try_from(kind: ActionKind) -> Result<RouteAction, ActionKind> {
        RouteAction::ALL
            .into_iter()
            .find(|action| action.kind() == kind)
            .ok_or(kind)
    }
}

/// In what capacity someone acts for a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Holds the position.
    Holder,
    /// Acts for it under a delegation record.
    Delegate(Capacity),
}

impl Standing {
    pub fn name(self) -> &'static str {
        match self {
            Standing::Holder => "holder",
            Standing::Delegate(Capacity::Delegated) => "delegated",
            Standing::Delegate(Capacity::Acting) => "acting",
            Standing::Delegate(Capacity::ActingInPosition) => "acting_in_position",
        }
    }

    pub fn from_name(name: &str) -> Option<Standing> {
        Some(match name {
            "holder" => Standing::Holder,
            "delegated" => Standing::Delegate(Capacity::Delegated),
            "acting" => Standing::Delegate(Capacity::Acting),
            "acting_in_position" => Standing::Delegate(Capacity::ActingInPosition),
            _ => return None,
        })
    }
}

/// A position the actor may act for today, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub position: Slug,
    pub standing: Standing,
}

/// What the engine knows about a document when someone acts on it.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub state: State,
    pub drafter: &'a Slug,
    pub route: &'a Route,
    /// Positions that have already endorsed the current step in this round.
    pub acted_this_step: &'a [Slug],
    /// Where a returned document was when it was returned (a review step,
    /// or awaiting signature); read only under `OnReturn::BackToReturner`.
    pub returned_from: Option<State>,
    /// Whether the document is on the public board, or may never be.
    pub public: Publicity,
    /// A received letter's assignee by the signer's order: a position or
    /// a person id.
    pub assigned_to: Option<&'a str>,
    /// The positions a received letter was circulated to, and the people
    /// who have acknowledged it.
    pub circulated_to: &'a [Slug],
    pub acknowledged_by: &'a [Slug],
    /// Whether it is a received letter marked ด่วนที่สุด.
    pub most_urgent: bool,
}

/// A document's standing towards publication (`/p/{org}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Publicity {
    /// Not published (yet, or any more).
    #[default]
    Unpublished,
    /// On the board.
    Published,
    /// ลับ or ลับมาก: never published (ลับที่สุด is never in the system).
    Secret(Secrecy),
    /// A kind for the office itself (a บันทึกข้อความ), not for the public.
    Internal,
}

impl Publicity {
    /// The kinds an organisation may publish: ประกาศ, คำสั่ง, and its
    /// letters (ภายนอก, ประทับตรา).
    pub const KINDS: [&'static str; 4] = ["announcement", "order", "letter", "stamped"];

    /// The standing of a document of `kind` and `secrecy`, `published` or not.
    pub fn of(kind: &str, secrecy: Option<Secrecy>, published: bool) -> Publicity {
        match (secrecy, published) {
            (Some(level), _) => Publicity::Secret(level),
            _ if !Publicity::KINDS.contains(&kind) => Publicity::Internal,
            (None, true) => Publicity::Published,
            (None, false) => Publicity::Unpublished,
        }
    }
}

/// An allowed action: the state after it and the position acted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub next: State,
    pub acting_for: Option<Authority>,
}

/// Why an action was refused. Nothing is changed when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{action:?} is not possible while the document is {state}")]
    WrongState { action: ActionKind, state: State },
    #[error("only the drafter may {0:?} this document")]
    NotDrafter(ActionKind),
    #[error("it is not your turn: this step waits for {waiting_for}")]
    NotYourTurn { waiting_for: String },
    #[error("position {0} has already acted at this step")]
    AlreadyActed(Slug),
    #[error("{0:?} needs a text: a reason or an opinion")]
    TextRequired(ActionKind),
    /// A secret document is never published.
    #[error("a document classified {} is never published", .0.wording())]
    Secret(Secrecy),
    /// A memo is internal correspondence, not for the public board.
    #[error("only announcements, orders and letters are published")]
    NotPublishable,
    /// Issuing a received letter (numbered when received), or closing a
    /// document that was not received.
    #[error(
        "{0:?} is not for this kind of document: a received letter is numbered when received and closed, never issued"
    )]
    NotForKind(ActionKind),
    /// A person acknowledges a circulated letter once.
    #[error("you have acknowledged this letter already")]
    AlreadyAcknowledged,
}

/// Decides whether `actor` (with `authorities` for the action's date) may
/// take `action` on a document with `facts`.
pub fn decide(
    facts: &Facts<'_>,
    actor: &Slug,
    authorities: &[Authority],
    action: ActionKind,
    text: Option<&str>,
) -> Result<Decision, Refusal> {
    use ActionKind as A;
    let route = facts.route;
    let state = facts.state;
    let wrong_state = || Refusal::WrongState { action, state };
    let has_text = text.is_some_and(|t| !t.trim().is_empty());
    let drafter_only = |next: State| {
        if actor == facts.drafter {
            Ok(Decision {
                next,
                acting_for: None,
            })
        } else {
            Err(Refusal::NotDrafter(action))
        }
    };
    let as_position = |position: &Slug| -> Result<Authority, Refusal> {
        authorities
            .iter()
            .find(|a| &a.position == position)
            .cloned()
            .ok_or_else(|| Refusal::NotYourTurn {
                waiting_for: position.to_string(),
            })
    };
    match action {
        A::Edit => match state {
            State::Draft | State::Returned => drafter_only(state),
            _ => Err(wrong_state()),
        },
        A::Submit => match state {
            State::Draft | State::Returned => drafter_only(match facts.returned_from {
                Some(from @ State::InReview(k))
                    if state == State::Returned
                        && route.on_return == OnReturn::BackToReturner
                        && k < route.review.len() =>
                {
                    from
                }
                Some(State::AwaitingSignature)
                    if state == State::Returned && route.on_return == OnReturn::BackToReturner =>
                {
                    State::AwaitingSignature
                }
                _ if route.review.is_empty() => State::AwaitingSignature,
                _ if route.urgent_skips_review && facts.most_urgent => State::AwaitingSignature,
                _ => State::InReview(0),
            }),
            _ => Err(wrong_state()),
        },
        A::Withdraw => match state {
            State::Draft | State::Returned | State::InReview(_) | State::AwaitingSignature => {
                drafter_only(State::Withdrawn)
            }
            _ => Err(wrong_state()),
        },
        A::Endorse | A::Return if matches!(state, State::InReview(_)) => {
            let State::InReview(index) = state else {
                unreachable!()
            };
            let step = route.review.get(index).ok_or_else(wrong_state)?;
            let authority = step
                .positions
                .iter()
                .filter(|p| !facts.acted_this_step.contains(p))
                .find_map(|p| as_position(p).ok());
            let Some(authority) = authority else {
                if let Some(done) = step.positions.iter().find(|p| {
                    facts.acted_this_step.contains(p)
                        && authorities.iter().any(|a| &a.position == *p)
                }) {
                    return Err(Refusal::AlreadyActed(done.clone()));
                }
                let waiting: Vec<&str> = step
                    .positions
                    .iter()
                    .filter(|p| !facts.acted_this_step.contains(p))
                    .map(Slug::as_str)
                    .collect();
                return Err(Refusal::NotYourTurn {
                    waiting_for: waiting.join(" or "),
                });
            };
            if action == A::Return {
                if !has_text {
                    return Err(Refusal::TextRequired(action));
                }
                return Ok(Decision {
                    next: State::Returned,
                    acting_for: Some(authority),
                });
            }
            let endorsed = facts.acted_this_step.len() + 1;
            let next = if endorsed < step.required {
                state
            } else if index + 1 < route.review.len() {
                State::InReview(index + 1)
            } else {
                State::AwaitingSignature
            };
            Ok(Decision {
                next,
                acting_for: Some(authority),
            })
        }
        A::Return | A::Sign if state == State::AwaitingSignature => {
            let authority = as_position(&route.sign)?;
            if action == A::Return && !has_text {
                return Err(Refusal::TextRequired(action));
            }
            let next = if action == A::Return {
                State::Returned
            } else {
                State::Signed
            };
            Ok(Decision {
                next,
                acting_for: Some(authority),
            })
        }
        A::Issue if route.incoming => Err(Refusal::NotForKind(action)),
        A::Close | A::Circulate | A::Acknowledge if !route.incoming => {
            Err(Refusal::NotForKind(action))
        }
        // The registrar circulates a letter as received, or once ordered.
        A::Circulate if matches!(state, State::Draft | State::Signed | State::Closed) => {
            Ok(Decision {
                next: state,
                acting_for: Some(as_position(&route.issue)?),
            })
        }
        // Each person once, for a position it was circulated to.
        A::Acknowledge if !facts.circulated_to.is_empty() => {
            if facts.acknowledged_by.contains(actor) {
                return Err(Refusal::AlreadyAcknowledged);
            }
            let authority = facts
                .circulated_to
                .iter()
                .find_map(|p| as_position(p).ok())
                .ok_or_else(|| Refusal::NotYourTurn {
                    waiting_for: facts
                        .circulated_to
                        .iter()
                        .map(Slug::as_str)
                        .collect::<Vec<_>>()
                        .join(" or "),
                })?;
            Ok(Decision {
                next: state,
                acting_for: Some(authority),
            })
        }
        // The assignee carries out the order (a holder of the assigned
        // position, or the assigned person); the registrar may record it.
        A::Close if state == State::Signed => {
            if !has_text {
                return Err(Refusal::TextRequired(action));
            }
            let assigned = facts.assigned_to;
            let authority = assigned
                .and_then(|a| authorities.iter().find(|x| x.position.as_str() == a))
                .or_else(|| authorities.iter().find(|x| x.position == route.issue))
                .cloned();
            match authority {
                Some(authority) => Ok(Decision {
                    next: State::Closed,
                    acting_for: Some(authority),
                }),
                None if assigned == Some(actor.as_str()) => Ok(Decision {
                    next: State::Closed,
                    acting_for: None,
                }),
                None => Err(Refusal::NotYourTurn {
                    waiting_for: match assigned {
                        Some(a) => format!("{a} or {}", route.issue),
                        None => route.issue.to_string(),
                    },
                }),
            }
        }
        A::Issue if state == State::Signed => Ok(Decision {
            next: State::Issued,
            acting_for: Some(as_position(&route.issue)?),
        }),
        A::Cancel if state == State::Issued => {
            let authority = as_position(&route.issue)?;
            if !has_text {
                return Err(Refusal::TextRequired(action));
            }
            Ok(Decision {
                next: State::Cancelled,
                acting_for: Some(authority),
            })
        }
        A::Archive if matches!(state, State::Issued | State::Cancelled) => Ok(Decision {
            next: State::Archived,
            acting_for: Some(as_position(&route.issue)?),
        }),
        // Whoever issues for the route publishes what it issued, and takes
        // it off the board. Whatever its state, a secret document or a
        // memo is refused as such; only an issued one goes on the board.
        A::Publish => match facts.public {
            Publicity::Secret(level) => Err(Refusal::Secret(level)),
            Publicity::Internal => Err(Refusal::NotPublishable),
            Publicity::Unpublished if state == State::Issued => Ok(Decision {
                next: state,
                acting_for: Some(as_position(&route.issue)?),
            }),
            _ => Err(wrong_state()),
        },
        A::Unpublish if facts.public == Publicity::Published => Ok(Decision {
            next: state,
            acting_for: Some(as_position(&route.issue)?),
        }),
        _ => Err(wrong_state()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn route() -> Route {
        Route {
            review: vec![
                RouteStep {
                    positions: vec![slug("head")],
                    required: 1,
                },
                RouteStep {
                    positions: vec![slug("a"), slug("b"), slug("c")],
                    required: 2,
                },
            ],
            sign: slug("mayor"),
            issue: slug("registrar"),
            register: slug("memo"),
            on_return: OnReturn::Restart,
            incoming: false,
            urgent_skips_review: false,
        }
    }

    fn holder(position: &str) -> Vec<Authority> {
        vec![Authority {
            position: slug(position),
            standing: Standing::Holder,
        }]
    }

    #[test]
    fn a_parallel_group_needs_its_quorum() {
        let route = route();
        let drafter = slug("drafter");
        let mut acted = vec![];
        fn facts<'a>(route: &'a Route, drafter: &'a Slug, acted: &'a [Slug]) -> Facts<'a> {
            Facts {
                state: State::InReview(1),
                drafter,
                route,
                acted_this_step: acted,
                returned_from: None,
                public: Publicity::Unpublished,
                assigned_to: None,
                circulated_to: &[],
                acknowledged_by: &[],
                most_urgent: false,
            }
        }
        let first = decide(
            &facts(&route, &drafter, &acted),
            &slug("pa"),
            &holder("a"),
            ActionKind::Endorse,
            Some("ok"),
        )
        .unwrap();
        assert_eq!(first.next, State::InReview(1));
        acted.push(slug("a"));
        let again = decide(
            &facts(&route, &drafter, &acted),
            &slug("pa"),
            &holder("a"),
            ActionKind::Endorse,
            Some("ok"),
        );
        assert_eq!(again, Err(Refusal::AlreadyActed(slug("a"))));
        let second = decide(
            &facts(&route, &drafter, &acted),
            &slug("pc"),
            &holder("c"),
            ActionKind::Endorse,
            None,
        )
        .unwrap();
        assert_eq!(second.next, State::AwaitingSignature);
    }

    #[test]
    fn returns_need_a_reason() {
        let route = route();
        let drafter = slug("drafter");
        let facts = Facts {
            state: State::InReview(0),
            drafter: &drafter,
            route: &route,
            acted_this_step: &[],
            returned_from: None,
            public: Publicity::Unpublished,
            assigned_to: None,
            circulated_to: &[],
            acknowledged_by: &[],
            most_urgent: false,
        };
        assert_eq!(
            decide(
                &facts,
                &slug("h"),
                &holder("head"),
                ActionKind::Return,
                Some("  ")
            ),
            Err(Refusal::TextRequired(ActionKind::Return))
        );
        let decision = decide(
            &facts,
            &slug("h"),
            &holder("head"),
            ActionKind::Return,
            Some("แก้ไขวันที่"),
        )
        .unwrap();
        assert_eq!(decision.next, State::Returned);
    }

    #[test]
    fn a_resubmission_restarts_or_goes_back_as_the_route_says() {
        let drafter = slug("clerk");
        let submit = |route: &Route, returned_from| {
            let facts = Facts {
                state: State::Returned,
                drafter: &drafter,
                route,
                acted_this_step: &[],
                returned_from,
                public: Publicity::Unpublished,
                assigned_to: None,
                circulated_to: &[],
                acknowledged_by: &[],
                most_urgent: false,
            };
            decide(&facts, &drafter, &[], ActionKind::Submit, None).map(|d| d.next)
        };
        let restart = route();
        let back = Route {
            on_return: OnReturn::BackToReturner,
            ..route()
        };
        for from in [State::InReview(1), State::AwaitingSignature] {
            assert_eq!(submit(&restart, Some(from)), Ok(State::InReview(0)));
            assert_eq!(submit(&back, Some(from)), Ok(from));
        }
        // A step the route no longer has, or no return on record: the start.
        assert_eq!(
            submit(&back, Some(State::InReview(7))),
            Ok(State::InReview(0))
        );
        assert_eq!(submit(&back, None), Ok(State::InReview(0)));
        // A first submission never skips a step.
        let facts = Facts {
            state: State::Draft,
            drafter: &drafter,
            route: &back,
            acted_this_step: &[],
            returned_from: Some(State::AwaitingSignature),
            public: Publicity::Unpublished,
            assigned_to: None,
            circulated_to: &[],
            acknowledged_by: &[],
            most_urgent: false,
        };
        assert_eq!(
            decide(&facts, &drafter, &[], ActionKind::Submit, None).map(|d| d.next),
            Ok(State::InReview(0))
        );
    }

    #[test]
    fn the_default_leaves_stored_routes_as_they_were() {
        let stored = serde_json::to_string(&route()).unwrap();
        assert!(!stored.contains("on_return"), "{stored}");
        let back: Route =
            serde_json::from_str(&stored.replacen('{', "{\"on_return\":\"back_to_returner\",", 1))
                .unwrap();
        assert_eq!(back.on_return, OnReturn::BackToReturner);
    }

    #[test]
    fn only_the_registrar_publishes_an_issued_public_document() {
        let route = route();
        let drafter = slug("drafter");
        let try_as = |state, public, position: &str, action| {
            let facts = Facts {
                state,
                drafter: &drafter,
                route: &route,
                acted_this_step: &[],
                returned_from: None,
                public,
                assigned_to: None,
                circulated_to: &[],
                acknowledged_by: &[],
                most_urgent: false,
            };
            decide(&facts, &slug("x"), &holder(position), action, None).map(|d| d.next)
        };
        use Publicity as P;
        assert_eq!(
            try_as(
                State::Issued,
                P::Unpublished,
                "registrar",
                ActionKind::Publish
            ),
            Ok(State::Issued)
        );
        assert!(matches!(
            try_as(State::Issued, P::Unpublished, "mayor", ActionKind::Publish),
            Err(Refusal::NotYourTurn { .. })
        ));
        for state in [State::Signed, State::Cancelled, State::Archived] {
            assert!(matches!(
                try_as(state, P::Unpublished, "registrar", ActionKind::Publish),
                Err(Refusal::WrongState { .. })
            ));
        }
        assert!(matches!(
            try_as(
                State::Issued,
                P::Published,
                "registrar",
                ActionKind::Publish
            ),
            Err(Refusal::WrongState { .. })
        ));
        assert_eq!(
            try_as(
                State::Issued,
                P::Secret(Secrecy::Confidential),
                "registrar",
                ActionKind::Publish
            ),
            Err(Refusal::Secret(Secrecy::Confidential))
        );
        assert_eq!(
            try_as(State::Issued, P::Internal, "registrar", ActionKind::Publish),
            Err(Refusal::NotPublishable)
        );
        assert_eq!(
            try_as(
                State::Archived,
                P::Published,
                "registrar",
                ActionKind::Unpublish
            ),
            Ok(State::Archived)
        );
        assert!(matches!(
            try_as(
                State::Issued,
                P::Unpublished,
                "registrar",
                ActionKind::Unpublish
            ),
            Err(Refusal::WrongState { .. })
        ));
        assert_eq!(Publicity::of("memo", None, false), P::Internal);
        assert_eq!(
            Publicity::of("order", Some(Secrecy::Secret), false),
            P::Secret(Secrecy::Secret)
        );
        assert_eq!(Publicity::of("announcement", None, true), P::Published);
    }

    fn incoming_route() -> Route {
        Route {
            review: vec![RouteStep {
                positions: vec![slug("clerk")],
                required: 1,
            }],
            sign: slug("mayor"),
            issue: slug("registrar"),
            register: slug("received"),
            on_return: OnReturn::Restart,
            incoming: true,
            urgent_skips_review: false,
        }
    }

    #[test]
    fn a_received_letter_is_never_issued_and_only_it_is_closed() {
        let incoming = incoming_route();
        let outgoing = route();
        let drafter = slug("reg");
        let facts = |route| Facts {
            state: State::Signed,
            drafter: &drafter,
            route,
            acted_this_step: &[],
            returned_from: None,
            public: Publicity::Internal,
            assigned_to: Some("engineer"),
            circulated_to: &[],
            acknowledged_by: &[],
            most_urgent: false,
        };
        assert_eq!(
            decide(
                &facts(&incoming),
                &slug("reg"),
                &holder("registrar"),
                ActionKind::Issue,
                None
            ),
            Err(Refusal::NotForKind(ActionKind::Issue))
        );
        assert_eq!(
            decide(
                &facts(&outgoing),
                &slug("reg"),
                &holder("registrar"),
                ActionKind::Close,
                Some("ดำเนินการแล้ว")
            ),
            Err(Refusal::NotForKind(ActionKind::Close))
        );
        // The route of a received letter runs as any other up to the order.
        let draft = Facts {
            state: State::Draft,
            ..facts(&incoming)
        };
        assert_eq!(
            decide(&draft, &drafter, &[], ActionKind::Submit, Some("เรียน ปลัด")).map(|d| d.next),
            Ok(State::InReview(0))
        );
    }

    #[test]
    fn a_circulated_letter_is_acknowledged_once_by_each_holder() {
        fn facts<'a>(
            route: &'a Route,
            registrar: &'a Slug,
            circulated_to: &'a [Slug],
            acknowledged_by: &'a [Slug],
        ) -> Facts<'a> {
            Facts {
                state: State::Signed,
                drafter: registrar,
                route,
                acted_this_step: &[],
                returned_from: None,
                public: Publicity::Internal,
                assigned_to: None,
                circulated_to,
                acknowledged_by,
                most_urgent: false,
            }
        }
        let letters = incoming_route();
        let registrar = slug("reg");
        let circulated = [slug("clerk"), slug("works")];
        let act = |circulated_to: &[Slug],
                   acknowledged_by: &[Slug],
                   who: &str,
                   position: &str,
                   action| {
            decide(
                &facts(&letters, &registrar, circulated_to, acknowledged_by),
                &slug(who),
                &holder(position),
                action,
                None,
            )
        };
        // Only the registrar circulates; the state stays.
        let circulated_now = act(&[], &[], "reg", "registrar", ActionKind::Circulate).unwrap();
        assert_eq!(circulated_now.next, State::Signed);
        assert!(matches!(
            act(&[], &[], "somjai", "clerk", ActionKind::Circulate),
            Err(Refusal::NotYourTurn { .. })
        ));
        // Not before it is circulated; then by a holder of a position it
        // went to, once.
        assert!(matches!(
            act(&[], &[], "somchai", "works", ActionKind::Acknowledge),
            Err(Refusal::WrongState { .. })
        ));
        let decision = act(
            &circulated,
            &[],
            "somchai",
            "works",
            ActionKind::Acknowledge,
        )
        .unwrap();
        assert_eq!(decision.next, State::Signed);
        assert_eq!(decision.acting_for.unwrap().position, slug("works"));
        assert_eq!(
            act(
                &circulated,
                &[slug("somchai")],
                "somchai",
                "works",
                ActionKind::Acknowledge
            ),
            Err(Refusal::AlreadyAcknowledged)
        );
        assert!(matches!(
            act(&circulated, &[], "kanok", "mayor", ActionKind::Acknowledge),
            Err(Refusal::NotYourTurn { .. })
        ));
        // Not on other routes.
        let memos = route();
        assert_eq!(
            decide(
                &facts(&memos, &registrar, &circulated, &[]),
                &registrar,
                &holder("registrar"),
                ActionKind::Circulate,
                None
            ),
            Err(Refusal::NotForKind(ActionKind::Circulate))
        );
    }

    #[test]
    fn a_most_urgent_letter_skips_the_review_where_its_route_says() {
        let registrar = slug("reg");
        let submitted = |skips: bool, most_urgent: bool| {
            let route = Route {
                urgent_skips_review: skips,
                ..incoming_route()
            };
            let facts = Facts {
                state: State::Draft,
                drafter: &registrar,
                route: &route,
                acted_this_step: &[],
                returned_from: None,
                public: Publicity::Internal,
                assigned_to: None,
                circulated_to: &[],
                acknowledged_by: &[],
                most_urgent,
            };
            decide(&facts, &registrar, &[], ActionKind::Submit, None)
                .unwrap()
                .next
        };
        assert_eq!(submitted(true, true), State::AwaitingSignature);
        assert_eq!(submitted(true, false), State::InReview(0));
        assert_eq!(submitted(false, true), State::InReview(0));
    }

    #[test]
    fn the_assignee_or_the_registrar_closes_with_what_was_done() {
        let route = incoming_route();
        let drafter = slug("reg");
        let close = |state, assigned_to, actor: &str, position: &str, text: Option<&str>| {
            let facts = Facts {
                state,
                drafter: &drafter,
                route: &route,
                acted_this_step: &[],
                returned_from: None,
                public: Publicity::Internal,
                assigned_to,
                circulated_to: &[],
                acknowledged_by: &[],
                most_urgent: false,
            };
            let authorities = if position.is_empty() {
                vec![]
            } else {
                holder(position)
            };
            decide(&facts, &slug(actor), &authorities, ActionKind::Close, text)
                .map(|d| (d.next, d.acting_for.map(|a| a.position.to_string())))
        };
        let done = Some("ซ่อมถนนแล้วเสร็จ");
        // The assigned position, the registrar, or the assigned person.
        assert_eq!(
            close(State::Signed, Some("engineer"), "somchai", "engineer", done),
            Ok((State::Closed, Some("engineer".into())))
        );
        assert_eq!(
            close(State::Signed, Some("engineer"), "reg", "registrar", done),
            Ok((State::Closed, Some("registrar".into())))
        );
        assert_eq!(
            close(State::Signed, Some("somchai"), "somchai", "", done),
            Ok((State::Closed, None))
        );
        // Anyone else, or without saying what was done, or before the order.
        assert!(matches!(
            close(State::Signed, Some("engineer"), "somsri", "clerk", done),
            Err(Refusal::NotYourTurn { .. })
        ));
        assert!(matches!(
            close(State::Signed, Some("somchai"), "somsri", "", done),
            Err(Refusal::NotYourTurn { .. })
        ));
        assert_eq!(
            close(
                State::Signed,
                Some("engineer"),
                "somchai",
                "engineer",
                Some(" ")
            ),
            Err(Refusal::TextRequired(ActionKind::Close))
        );
        for state in [State::AwaitingSignature, State::Closed, State::Draft] {
            assert!(matches!(
                close(state, Some("engineer"), "somchai", "engineer", done),
                Err(Refusal::WrongState { .. })
            ));
        }
    }

    fn any_state() -> impl Strategy<Value = State> {
        prop_oneof![
            Just(State::Draft),
            (0usize..3).prop_map(State::InReview),
            Just(State::AwaitingSignature),
            Just(State::Signed),
            Just(State::Issued),
            Just(State::Archived),
            Just(State::Returned),
            Just(State::Withdrawn),
            Just(State::Cancelled),
            Just(State::Closed),
        ]
    }

    proptest! {
        /// Whoever acts, the engine never moves a document backwards out of
        /// issue, never issues without a signature, and only the drafter
        /// touches drafts.
        #[test]
        fn transitions_respect_the_lifecycle(
            state in any_state(),
            action in proptest::sample::select(ActionKind::ALL.to_vec()),
            position in proptest::sample::select(vec!["head", "a", "b", "c", "mayor", "registrar", "nobody"]),
            is_drafter in any::<bool>(),
            text in proptest::option::of("[ก-ฮ ]{0,5}"),
            incoming in any::<bool>(),
        ) {
            let route = Route { incoming, ..route() };
            let drafter = slug("drafter");
            let actor = if is_drafter { drafter.clone() } else { slug("someone") };
            let facts = Facts { state, drafter: &drafter, route: &route, acted_this_step: &[], returned_from: None, public: Publicity::Unpublished, assigned_to: None, circulated_to: &[], acknowledged_by: &[], most_urgent: false };
            if let Ok(decision) = decide(&facts, &actor, &holder(position), action, text.as_deref()) {
                let next = decision.next;
                if matches!(state, State::Issued | State::Cancelled | State::Archived) {
                    // Publishing leaves the state as it is.
                    let publication = matches!(action, ActionKind::Publish | ActionKind::Unpublish);
                    prop_assert!(matches!(next, State::Cancelled | State::Archived) || (publication && next == state));
                }
                if matches!(action, ActionKind::Publish | ActionKind::Unpublish) {
                    prop_assert_eq!(decision.acting_for.map(|a| a.position), Some(slug("registrar")));
                }
                if next == State::Issued && state != State::Issued { prop_assert_eq!(state, State::Signed); }
                if matches!(action, ActionKind::Edit | ActionKind::Submit | ActionKind::Withdraw) {
                    prop_assert!(is_drafter);
                }
                // Nothing moves a withdrawn, archived or closed document; a
                // closed letter may still be circulated for information, and
                // acknowledged, which leave it closed.
                let informs = matches!(action, ActionKind::Circulate | ActionKind::Acknowledge);
                prop_assert!(!matches!(state, State::Withdrawn | State::Archived));
                if state == State::Closed {
                    prop_assert!(informs && next == State::Closed);
                }
                // A received letter is never issued; only it is closed, once signed.
                if incoming { prop_assert_ne!(action, ActionKind::Issue); }
                if action == ActionKind::Close {
                    prop_assert!(incoming && state == State::Signed && next == State::Closed);
                }
                if let State::InReview(k) = next { prop_assert!(k < route.review.len()); }
            }
        }
    }
}
