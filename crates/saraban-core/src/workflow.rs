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
            _ => return None,
        })
    }

    pub fn step(self) -> i64 {
        match self {
            State::InReview(step) => step as i64,
            _ => -1,
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
}

impl ActionKind {
    pub const ALL: [ActionKind; 11] = [
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
}

impl RouteAction {
    pub const ALL: [RouteAction; 10] = [
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
        ) {
            let route = route();
            let drafter = slug("drafter");
            let actor = if is_drafter { drafter.clone() } else { slug("someone") };
            let facts = Facts { state, drafter: &drafter, route: &route, acted_this_step: &[], returned_from: None, public: Publicity::Unpublished };
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
                prop_assert!(!matches!(state, State::Withdrawn | State::Archived));
                if let State::InReview(k) = next { prop_assert!(k < route.review.len()); }
            }
        }
    }
}
