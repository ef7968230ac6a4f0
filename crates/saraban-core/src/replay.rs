//! A document's rows rebuilt from its events alone: its state, round,
//! version, number and cancellation, who it waits for, and the action rows
//! its route actions left. The route actions go through the same rule as
//! when they were taken ([`decide`]), so an event the rules would not have
//! allowed, or a row that says other than its events, is found.
//!
//! Pure: the caller streams the log through [`Projected::created`] and
//! [`Projected::apply`] and compares what comes out with the tables.

use crate::ledger::Event;
use crate::slug::Slug;
use crate::workflow::{ActionKind, Authority, Facts, Publicity, Route, Standing, State, decide};

/// A document as its events leave it: the columns of its row that are not
/// its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projected {
    pub state: State,
    pub round: i64,
    pub drafter: String,
    pub route_version: i64,
    pub version: u64,
    pub content_hash: String,
    pub register: Option<String>,
    pub year: Option<i64>,
    pub number: Option<i64>,
    pub pdf_hash: Option<String>,
    pub cancelled_at: Option<String>,
    /// When it was put on the public board, while it is there; a
    /// withdrawal of publication, or a cancellation, takes it off.
    pub published_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Positions already heard at the current step of this round (a group
    /// step waits for the rest).
    pub heard: Vec<Slug>,
    /// Where the document was when last returned, until it is submitted.
    pub returned_from: Option<State>,
    /// A received letter's assignee by the signer's order (position or
    /// person id), and by when (YYYY-MM-DD).
    pub assigned_to: Option<String>,
    pub due: Option<String>,
    /// The positions a received letter was circulated to, and who has
    /// acknowledged it, in the order they did.
    pub circulated_to: Vec<Slug>,
    pub acknowledged_by: Vec<Slug>,
    /// A received letter marked ด่วนที่สุด, as its `received` event says.
    pub most_urgent: bool,
}

/// An action row as its event says it must read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectedAction {
    pub seq: u64,
    pub document: String,
    pub round: i64,
    pub step: i64,
    pub kind: &'static str,
    pub position: String,
    pub actor: String,
    pub standing: &'static str,
    pub text: Option<String>,
    pub at: String,
}

/// Why an event cannot follow the ones before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayFault {
    #[error("a document event of unknown kind {0:?}")]
    UnknownKind(String),
    #[error("the document was created twice")]
    CreatedTwice,
    #[error("an event of a document that was never created")]
    NotCreated,
    #[error("the created event names no route version")]
    NoRouteVersion,
    #[error("version {found} follows version {had}")]
    Version { had: u64, found: u64 },
    #[error("the event approves content other than the document's version {0}")]
    Content(u64),
    #[error("the rules refuse it: {0}")]
    Refused(String),
    #[error("it acts for {found:?}, the rules say {expected:?}")]
    Position {
        expected: Option<(String, &'static str)>,
        found: Option<(String, String)>,
    },
    #[error("an issue without its register, year, number or PDF")]
    Unnumbered,
    #[error("issued into register {found}, the route's is {expected}")]
    Register { expected: String, found: String },
    #[error("a received letter without its register, year or number")]
    ReceivedUnnumbered,
    #[error("an assignment on a {0} event: only the signer's order on a received letter assigns")]
    Assignment(String),
    #[error("positions named outside a circulation, or a circulation that names none")]
    Circulation,
    #[error("a kept date on a {0} event: only an outgoing document's signer keeps its date")]
    KeptDate(String),
}

impl Projected {
    /// The draft a `created` event makes, or a `received` one: a received
    /// letter, in draft with its registrar, numbered in the receiving
    /// register from the start.
    pub fn created(event: &Event) -> Result<Projected, ReplayFault> {
        let received = match event.kind.as_str() {
            "created" => false,
            "received" => true,
            _ => return Err(ReplayFault::NotCreated),
        };
        let (register, year, number) = match (&event.register, event.year, event.number) {
            (Some(register), Some(year), Some(number)) if received => (
                Some(register.clone()),
                Some(i64::from(year)),
                Some(i64::from(number)),
            ),
            _ if received => return Err(ReplayFault::ReceivedUnnumbered),
            _ => (None, None, None),
        };
        let route_version = event.route_version.ok_or(ReplayFault::NoRouteVersion)?;
        if event.doc_version != 1 {
            return Err(ReplayFault::Version {
                had: 0,
                found: event.doc_version,
            });
        }
        Ok(Projected {
            state: State::Draft,
            round: 0,
            drafter: event.actor.clone(),
            route_version: i64::from(route_version),
            version: 1,
            content_hash: event.content_hash.clone(),
            register,
            year,
            number,
            pdf_hash: None,
            cancelled_at: None,
            published_at: None,
            created_at: event.at.clone(),
            updated_at: event.at.clone(),
            heard: Vec::new(),
            returned_from: None,
            assigned_to: None,
            due: None,
            circulated_to: Vec::new(),
            acknowledged_by: Vec::new(),
            most_urgent: received
                && event.urgency.as_deref() == Some(crate::document::Urgency::MostUrgent.wording()),
        })
    }

    /// Applies the document's next event (number `seq`) under its route;
    /// returns the action row it leaves, if any.
    pub fn apply(
        &mut self,
        seq: u64,
        event: &Event,
        route: &Route,
    ) -> Result<Option<ProjectedAction>, ReplayFault> {
        // A `closed` event naming a reply: its issue closed the letter.
        if let Some(replies) = &event.documents
            && event.kind == ActionKind::Close.event()
        {
            return self.closed_by_reply(event, route, replies).map(|()| None);
        }
        let action = match event.kind.as_str() {
            "created" | "received" => return Err(ReplayFault::CreatedTwice),
            "edited" => ActionKind::Edit,
            kind => ActionKind::ALL
                .into_iter()
                .find(|action| action.event() == kind)
                .ok_or_else(|| ReplayFault::UnknownKind(kind.to_owned()))?,
        };
        if action == ActionKind::Edit {
            if event.doc_version != self.version + 1 {
                return Err(ReplayFault::Version {
                    had: self.version,
                    found: event.doc_version,
                });
            }
        } else if event.doc_version != self.version || event.content_hash != self.content_hash {
            return Err(ReplayFault::Content(self.version));
        }
        // The actor may act for exactly the position the event names: the
        // rule then says whether that position could act, and for what.
        let authorities: Vec<Authority> = match (&event.position, &event.capacity) {
            (Some(position), capacity) => {
                let position = Slug::parse(position).map_err(|e| {
                    ReplayFault::Refused(format!("position {position:?} is not a slug: {e}"))
                })?;
                let standing = capacity
                    .as_deref()
                    .and_then(Standing::from_name)
                    .unwrap_or(Standing::Holder);
                vec![Authority { position, standing }]
            }
            (None, _) => Vec::new(),
        };
        let actor = Slug::parse(&event.actor)
            .map_err(|e| ReplayFault::Refused(format!("actor {:?}: {e}", event.actor)))?;
        let drafter = Slug::parse(&self.drafter)
            .map_err(|e| ReplayFault::Refused(format!("drafter {:?}: {e}", self.drafter)))?;
        let facts = Facts {
            state: self.state,
            drafter: &drafter,
            route,
            acted_this_step: &self.heard,
            returned_from: self.returned_from,
            // What the log knows: whether it is on the board. Its content's
            // secrecy and kind are the store's to check when it publishes.
            public: if self.published_at.is_some() {
                Publicity::Published
            } else {
                Publicity::Unpublished
            },
            assigned_to: self.assigned_to.as_deref(),
            circulated_to: &self.circulated_to,
            acknowledged_by: &self.acknowledged_by,
            most_urgent: self.most_urgent,
        };
        let decision = decide(&facts, &actor, &authorities, action, event.text.as_deref())
            .map_err(|refusal| ReplayFault::Refused(refusal.to_string()))?;
        let acting = decision
            .acting_for
            .as_ref()
            .map(|a| (a.position.to_string(), a.standing.name()));
        let recorded = event.position.clone().map(|p| {
            let capacity = event.capacity.clone().unwrap_or_default();
            (p, capacity)
        });
        let agrees = match (&acting, &recorded) {
            (None, None) => true,
            (Some((position, standing)), Some((p, c))) => position == p && standing == c,
            _ => false,
        };
        if !agrees {
            return Err(ReplayFault::Position {
                expected: acting,
                found: recorded,
            });
        }

        let assigns = event.assigned_to.is_some() || event.due.is_some();
        if assigns && (action != ActionKind::Sign || !route.incoming || event.assigned_to.is_none())
        {
            return Err(ReplayFault::Assignment(event.kind.clone()));
        }
        if event.kept_date.is_some() && (action != ActionKind::Sign || route.incoming) {
            return Err(ReplayFault::KeptDate(event.kind.clone()));
        }
        let circulated = match (&event.positions, action) {
            (None, ActionKind::Circulate) => return Err(ReplayFault::Circulation),
            (None, _) => Vec::new(),
            (Some(positions), ActionKind::Circulate) if !positions.is_empty() => positions
                .iter()
                .map(|p| Slug::parse(p).map_err(|_| ReplayFault::Circulation))
                .collect::<Result<_, _>>()?,
            (Some(_), _) => return Err(ReplayFault::Circulation),
        };
        let step_before = self.state.step();
        match action {
            ActionKind::Edit => {
                self.version = event.doc_version;
                self.content_hash = event.content_hash.clone();
            }
            ActionKind::Submit => {
                self.round += 1;
                self.returned_from = None;
            }
            ActionKind::Return => self.returned_from = Some(self.state),
            ActionKind::Circulate => self.circulated_to = circulated,
            ActionKind::Acknowledge => self.acknowledged_by.push(actor.clone()),
            ActionKind::Sign if assigns => {
                self.assigned_to = event.assigned_to.clone();
                self.due = event.due.clone();
            }
            ActionKind::Issue => {
                let (Some(register), Some(year), Some(number), Some(pdf_hash)) =
                    (&event.register, event.year, event.number, &event.pdf_hash)
                else {
                    return Err(ReplayFault::Unnumbered);
                };
                if register != route.register.as_str() {
                    return Err(ReplayFault::Register {
                        expected: route.register.to_string(),
                        found: register.clone(),
                    });
                }
                self.register = Some(register.clone());
                self.year = Some(i64::from(year));
                self.number = Some(i64::from(number));
                self.pdf_hash = Some(pdf_hash.clone());
            }
            // A cancelled document leaves the board: the verification page
            // still tells anyone holding its code that it was cancelled.
            ActionKind::Cancel => {
                self.cancelled_at = Some(event.at.clone());
                self.published_at = None;
            }
            ActionKind::Publish => self.published_at = Some(event.at.clone()),
            ActionKind::Unpublish => self.published_at = None,
            _ => {}
        }
        match &decision.acting_for {
            Some(authority) if decision.next == self.state => {
                self.heard.push(authority.position.clone())
            }
            _ => self.heard.clear(),
        }
        self.state = decision.next;
        self.updated_at = event.at.clone();
        Ok(decision.acting_for.map(|authority| ProjectedAction {
            seq,
            document: event.document.clone(),
            round: self.round,
            step: step_before,
            kind: action.name(),
            position: authority.position.to_string(),
            actor: event.actor.clone(),
            standing: authority.standing.name(),
            text: event.text.clone(),
            at: event.at.clone(),
        }))
    }

    /// A letter closed because a reply to it was issued (`documents` names
    /// the reply): no one's turn on the letter, so for no position, and
    /// only while the letter is open ([`reply_closes`]).
    fn closed_by_reply(
        &mut self,
        event: &Event,
        route: &Route,
        replies: &[String],
    ) -> Result<(), ReplayFault> {
        if event.doc_version != self.version || event.content_hash != self.content_hash {
            return Err(ReplayFault::Content(self.version));
        }
        if !route.incoming || replies.len() != 1 {
            return Err(ReplayFault::Refused(
                "a reply closes a received letter, and names one reply".into(),
            ));
        }
        if event.position.is_some() || event.capacity.is_some() {
            return Err(ReplayFault::Position {
                expected: None,
                found: event
                    .position
                    .clone()
                    .map(|p| (p, event.capacity.clone().unwrap_or_default())),
            });
        }
        if !reply_closes(self.state) {
            return Err(ReplayFault::Refused(format!(
                "a reply closes only an open letter; this one is {}",
                self.state
            )));
        }
        self.state = State::Closed;
        self.heard.clear();
        self.updated_at = event.at.clone();
        Ok(())
    }

    /// The positions the document waits for now; a signed received
    /// letter waits for its assignee, if the order named one.
    pub fn waiting(&self, route: &Route) -> Vec<String> {
        match (&self.assigned_to, self.state) {
            (Some(assignee), State::Signed) if route.incoming => vec![assignee.clone()],
            _ => waiting_positions(self.state, route, &self.heard),
        }
    }
}

/// Whether issuing a reply closes a received letter in `state`: any
/// state in which it is still open. A closed (or withdrawn) letter stays
/// as it is.
pub fn reply_closes(state: State) -> bool {
    matches!(
        state,
        State::Draft
            | State::InReview(_)
            | State::AwaitingSignature
            | State::Signed
            | State::Returned
    )
}

/// Who a document in `state` waits for: the positions of its review step
/// not yet `heard`, the signer, or the registrar who issues it.
pub fn waiting_positions(state: State, route: &Route, heard: &[Slug]) -> Vec<String> {
    match state {
        State::InReview(k) => route
            .review
            .get(k)
            .map(|step| {
                step.positions
                    .iter()
                    .filter(|p| !heard.contains(p))
                    .map(Slug::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        State::AwaitingSignature => vec![route.sign.to_string()],
        State::Signed => vec![route.issue.to_string()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::EventHead;
    use crate::workflow::RouteStep;
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
            on_return: crate::workflow::OnReturn::Restart,
            incoming: false,
            urgent_skips_review: false,
        }
    }

    struct Log {
        route: Route,
        events: Vec<Event>,
        version: u64,
        hash: String,
    }

    impl Log {
        fn clone_log(&self) -> Log {
            Log {
                route: self.route.clone(),
                events: self.events.clone(),
                version: self.version,
                hash: self.hash.clone(),
            }
        }

        fn new() -> Log {
            let mut log = Log {
                route: route(),
                events: Vec::new(),
                version: 1,
                hash: "h1".into(),
            };
            log.events.push(Event {
                route_version: Some(1),
                ..log.head("created", "drafter")
            });
            log
        }

        fn head(&self, kind: &str, actor: &str) -> Event {
            Event::new(EventHead {
                org: "o",
                seq: self.events.len() as u64 + 1,
                at: format!("2025-01-01T08:{:02}:00+07:00", self.events.len()),
                kind,
                document: "d",
                doc_version: self.version,
                actor,
                content_hash: self.hash.clone(),
            })
        }

        fn act(&mut self, kind: &str, actor: &str, position: Option<&str>, text: Option<&str>) {
            let event = Event {
                position: position.map(str::to_owned),
                capacity: position.map(|_| "holder".to_owned()),
                text: text.map(str::to_owned),
                ..self.head(kind, actor)
            };
            self.events.push(event);
        }

        fn edit(&mut self) {
            self.version += 1;
            self.hash = format!("h{}", self.version);
            let event = self.head("edited", "drafter");
            self.events.push(event);
        }

        fn issue(&mut self) {
            let event = Event {
                position: Some("registrar".into()),
                capacity: Some("holder".into()),
                register: Some("memo".into()),
                year: Some(2568),
                number: Some(7),
                pdf_hash: Some("pdf".into()),
                ..self.head("issued", "clerk")
            };
            self.events.push(event);
        }

        fn replay(&self) -> Result<(Projected, Vec<ProjectedAction>), ReplayFault> {
            let route = &self.route;
            let mut doc = Projected::created(&self.events[0])?;
            let mut actions = Vec::new();
            for (i, event) in self.events.iter().enumerate().skip(1) {
                actions.extend(doc.apply(i as u64 + 1, event, route)?);
            }
            Ok((doc, actions))
        }
    }

    fn full_route() -> Log {
        let mut log = Log::new();
        log.edit();
        log.act("submitted", "drafter", None, None);
        log.act("endorsed", "somchai", Some("head"), Some("เห็นควร"));
        log.act("endorsed", "anna", Some("b"), None);
        log.act("endorsed", "bee", Some("a"), None);
        log.act("signed", "kanok", Some("mayor"), None);
        log.issue();
        log
    }

    #[test]
    fn a_full_route_rebuilds_the_row_and_its_actions() {
        let (doc, actions) = full_route().replay().unwrap();
        assert_eq!(doc.state, State::Issued);
        assert_eq!((doc.round, doc.version), (1, 2));
        assert_eq!(doc.number, Some(7));
        assert_eq!(doc.updated_at, "2025-01-01T08:07:00+07:00");
        let kinds: Vec<_> = actions.iter().map(|a| (a.kind, a.step)).collect();
        assert_eq!(
            kinds,
            [
                ("endorse", 0),
                ("endorse", 1),
                ("endorse", 1),
                ("sign", -1),
                ("issue", -1)
            ]
        );
        assert!(doc.waiting(&route()).is_empty());
    }

    #[test]
    fn a_group_step_waits_for_those_not_heard() {
        let mut log = Log::new();
        log.act("submitted", "drafter", None, None);
        log.act("endorsed", "somchai", Some("head"), None);
        log.act("endorsed", "anna", Some("b"), None);
        let (doc, _) = log.replay().unwrap();
        assert_eq!(doc.state, State::InReview(1));
        assert_eq!(doc.waiting(&route()), ["a", "c"]);
    }

    #[test]
    fn an_event_the_rules_refuse_is_a_fault() {
        let mut log = Log::new();
        log.act("submitted", "drafter", None, None);
        // The signer acts before the review is done.
        log.act("signed", "kanok", Some("mayor"), None);
        assert!(matches!(log.replay(), Err(ReplayFault::Refused(_))));

        let mut log = Log::new();
        log.act("submitted", "drafter", None, None);
        log.act("endorsed", "anna", Some("a"), None);
        assert!(log.replay().is_err());

        let mut log = Log::new();
        log.act("submitted", "someone", None, None);
        assert!(matches!(log.replay(), Err(ReplayFault::Refused(_))));
    }

    #[test]
    fn a_position_or_version_other_than_the_rules_give_is_a_fault() {
        let mut log = full_route();
        log.events[3].capacity = Some("acting".into());
        // "acting" is a standing the rule accepts: the row must say it.
        let (_, actions) = log.replay().unwrap();
        assert_eq!(actions[0].standing, "acting");

        let mut log = full_route();
        log.events[1].doc_version = 3;
        assert!(matches!(log.replay(), Err(ReplayFault::Version { .. })));

        let mut log = full_route();
        log.events[6].content_hash = "other".into();
        assert_eq!(log.replay(), Err(ReplayFault::Content(2)));
    }

    #[test]
    fn a_cancellation_is_kept_with_its_time() {
        let mut log = full_route();
        log.act("cancelled", "clerk", Some("registrar"), Some("ผิดพลาด"));
        let (doc, actions) = log.replay().unwrap();
        assert_eq!(doc.state, State::Cancelled);
        assert_eq!(
            doc.cancelled_at.as_deref(),
            Some("2025-01-01T08:08:00+07:00")
        );
        assert_eq!(actions.last().unwrap().kind, "cancel");
    }

    #[test]
    fn publication_is_replayed_and_a_cancellation_ends_it() {
        let mut log = full_route();
        log.act("published", "clerk", Some("registrar"), None);
        let (doc, actions) = log.replay().unwrap();
        assert_eq!(doc.state, State::Issued);
        assert_eq!(
            doc.published_at.as_deref(),
            Some("2025-01-01T08:08:00+07:00")
        );
        assert_eq!(actions.last().unwrap().kind, "publish");
        // Published twice is an event the rules refuse.
        let mut twice = log.clone_log();
        twice.act("published", "clerk", Some("registrar"), None);
        assert!(matches!(twice.replay(), Err(ReplayFault::Refused(_))));
        // Withdrawn, then published again.
        let mut again = log.clone_log();
        again.act("unpublished", "clerk", Some("registrar"), None);
        assert_eq!(again.replay().unwrap().0.published_at, None);
        again.act("published", "clerk", Some("registrar"), None);
        assert!(again.replay().unwrap().0.published_at.is_some());
        // Someone other than the registrar may not.
        let mut other = full_route();
        other.act("published", "kanok", Some("mayor"), None);
        assert!(other.replay().is_err());
        // A cancellation takes it off the board.
        log.act("cancelled", "clerk", Some("registrar"), Some("ผิดพลาด"));
        let (doc, _) = log.replay().unwrap();
        assert_eq!((doc.state, doc.published_at), (State::Cancelled, None));
    }

    /// A letter received into register "received" as number 1 of 2569,
    /// its route: the clerk reviews, the mayor orders.
    fn received() -> Log {
        let mut log = Log::new();
        log.route = Route {
            review: vec![RouteStep {
                positions: vec![slug("head")],
                required: 1,
            }],
            register: slug("received"),
            incoming: true,
            ..route()
        };
        log.events[0] = Event {
            route_version: Some(1),
            position: Some("registrar".into()),
            capacity: Some("holder".into()),
            register: Some("received".into()),
            year: Some(2569),
            number: Some(1),
            ..log.head("received", "clerk")
        };
        log.act(
            "submitted",
            "clerk",
            None,
            Some("เรียน ปลัด อบต. เพื่อโปรดพิจารณา"),
        );
        log.act(
            "endorsed",
            "somchai",
            Some("head"),
            Some("เรียน นายก เพื่อโปรดสั่งการ"),
        );
        log
    }

    fn ordered(log: &mut Log, assigned_to: &str, due: Option<&str>) {
        let event = Event {
            position: Some("mayor".into()),
            capacity: Some("holder".into()),
            text: Some("ทราบ มอบกองช่างดำเนินการ".into()),
            assigned_to: Some(assigned_to.into()),
            due: due.map(str::to_owned),
            ..log.head("signed", "kanok")
        };
        log.events.push(event);
    }

    #[test]
    fn a_received_letter_is_numbered_at_receipt_and_closed_by_its_assignee() {
        let mut log = received();
        ordered(&mut log, "engineer", Some("2026-02-01"));
        let (doc, _) = log.replay().unwrap();
        assert_eq!(
            (doc.register.as_deref(), doc.year, doc.number),
            (Some("received"), Some(2569), Some(1))
        );
        assert_eq!(doc.drafter, "clerk");
        assert_eq!(
            (doc.assigned_to.as_deref(), doc.due.as_deref()),
            (Some("engineer"), Some("2026-02-01"))
        );
        assert_eq!(doc.waiting(&log.route), ["engineer"]);
        // Someone other than the assignee or the registrar may not close.
        let mut other = log.clone_log();
        other.act("closed", "anna", Some("a"), Some("เสร็จ"));
        assert!(matches!(other.replay(), Err(ReplayFault::Refused(_))));
        log.act("closed", "somsak", Some("engineer"), Some("ซ่อมแล้วเสร็จ"));
        let (doc, actions) = log.replay().unwrap();
        assert_eq!(doc.state, State::Closed);
        assert!(doc.waiting(&log.route).is_empty());
        assert_eq!(actions.last().unwrap().kind, "close");
    }

    #[test]
    fn an_issued_reply_closes_an_open_letter_once() {
        let mut log = received();
        ordered(&mut log, "engineer", None);
        let by_reply = Event {
            documents: Some(vec!["reply".into()]),
            text: Some("ตอบแล้ว ที่ ตร ๗๑๐๐๑/๑".into()),
            ..log.head("closed", "clerk")
        };
        log.events.push(by_reply.clone());
        let (doc, actions) = log.replay().unwrap();
        assert_eq!(doc.state, State::Closed);
        assert!(doc.waiting(&log.route).is_empty());
        assert_eq!(
            actions.last().unwrap().kind,
            "sign",
            "no action row of its own"
        );
        // A closed letter stays as it is; a reply closes for no position.
        let mut twice = log.clone_log();
        twice.events.push(by_reply.clone());
        assert!(matches!(twice.replay(), Err(ReplayFault::Refused(_))));
        let mut positioned = received();
        positioned.events.push(Event {
            position: Some("registrar".into()),
            ..by_reply.clone()
        });
        assert!(matches!(
            positioned.replay(),
            Err(ReplayFault::Position { .. })
        ));
        // Only a received letter is answered.
        let mut outgoing = full_route();
        outgoing.events.push(Event {
            documents: Some(vec!["reply".into()]),
            ..outgoing.head("closed", "clerk")
        });
        assert!(matches!(outgoing.replay(), Err(ReplayFault::Refused(_))));
    }

    #[test]
    fn a_received_letter_has_its_number_and_only_an_order_assigns() {
        let mut log = received();
        log.events[0].number = None;
        assert_eq!(log.replay().unwrap_err(), ReplayFault::ReceivedUnnumbered);
        // Received twice.
        let mut log = received();
        let again = log.events[0].clone();
        log.events.push(again);
        assert_eq!(log.replay().unwrap_err(), ReplayFault::CreatedTwice);
        // An assignment on an endorsement, or on an outgoing document's signature.
        let mut log = received();
        log.events[2].assigned_to = Some("engineer".into());
        assert!(matches!(log.replay(), Err(ReplayFault::Assignment(_))));
        let mut log = full_route();
        log.events[5].assigned_to = Some("engineer".into());
        assert!(matches!(log.replay(), Err(ReplayFault::Assignment(_))));
        // Never issued.
        let mut log = received();
        ordered(&mut log, "engineer", None);
        log.issue();
        assert!(matches!(log.replay(), Err(ReplayFault::Refused(_))));
    }

    proptest! {
        /// Any sequence of attempted actions, each kept only where the rule
        /// allows it, replays to the state the rule reached.
        #[test]
        fn replay_follows_the_rule(
            choices in proptest::collection::vec((0usize..9, 0usize..6), 0..40),
            back_to_returner in any::<bool>(),
        ) {
            let mut route = route();
            if back_to_returner {
                route.on_return = crate::workflow::OnReturn::BackToReturner;
            }
            let people = ["drafter", "head", "a", "b", "c", "mayor"];
            let mut log = Log::new();
            log.route = route.clone();
            let mut state = State::Draft;
            let mut heard: Vec<Slug> = Vec::new();
            let mut returned_from = None;
            let drafter = slug("drafter");
            for (action, who) in choices {
                let action = ActionKind::ALL[action];
                if matches!(action, ActionKind::Edit | ActionKind::Issue) {
                    continue;
                }
                let person = people[who];
                let authorities = if person == "drafter" {
                    Vec::new()
                } else {
                    vec![Authority { position: slug(person), standing: Standing::Holder }]
                };
                let facts = Facts { state, drafter: &drafter, route: &route, acted_this_step: &heard, returned_from, public: Publicity::Unpublished, assigned_to: None, circulated_to: &[], acknowledged_by: &[], most_urgent: false };
                let Ok(decision) = decide(&facts, &slug(person), &authorities, action, Some("เหตุผล")) else {
                    continue;
                };
                let position = decision.acting_for.as_ref().map(|a| a.position.to_string());
                log.act(action.event(), person, position.as_deref(), Some("เหตุผล"));
                match &decision.acting_for {
                    Some(a) if decision.next == state => heard.push(a.position.clone()),
                    _ => heard.clear(),
                }
                match action {
                    ActionKind::Return => returned_from = Some(state),
                    ActionKind::Submit => returned_from = None,
                    _ => {}
                }
                state = decision.next;
            }
            let (doc, _) = log.replay().unwrap();
            prop_assert_eq!(doc.state, state);
            prop_assert_eq!(doc.heard, heard);
        }
    }
}
