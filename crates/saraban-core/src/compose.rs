//! The document as it stands: the drafter's content with what the route
//! added (endorsements, the signature, the register number, the public
//! check) laid over it, ready for the typesetter. Typed on both sides: the
//! drafter's `Document` in, the printable `Document` out.

use std::num::NonZeroU32;

use crate::document::{Acting, Endorsement, MemoNumber, Signer, Verification};
use crate::org::OrgConfig;
use crate::register::RegisterPrefix;
use crate::text::{Line, Paragraph};
use crate::workflow::Standing;
use crate::{Document, ThaiDate};

/// Whether a gathered approval endorsed the document or signed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    Endorsed,
    Signed,
}

/// One endorsement or signature gathered on the route.
#[derive(Debug, Clone, PartialEq)]
pub struct Gathered {
    pub approval: Approval,
    pub text: Option<Paragraph>,
    pub date: ThaiDate,
    pub standing: Standing,
    /// The title of the position acted for.
    pub position_title: Paragraph,
    pub name: Line,
    pub signature: Option<Line>,
    /// The actor's own position title, when acting for another.
    pub own_title: Option<Paragraph>,
    /// SHA-256 (hex) of the signature image the approval printed.
    pub signature_image: Option<String>,
    /// The signer kept the order's own date rather than the day signed.
    pub kept_date: bool,
}

/// What the route has added so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlay {
    pub gathered: Vec<Gathered>,
    /// The register number, once issued.
    pub number: Option<NonZeroU32>,
    /// The register's prefix, where its numbers have one (memos).
    pub prefix: Option<RegisterPrefix>,
    /// The public check printed on the issued PDF.
    pub verification: Option<Verification>,
}

/// Lays `overlay` over the drafter's `document` with the organisation's
/// style. What only the engine may say (numbers, endorsements, the
/// signature of an order, the public check) never comes from the draft.
pub fn compose(mut document: Document, org: &OrgConfig, overlay: &Overlay) -> Document {
    let common = document.common_mut();
    common.style.digits = org.organisation.digits;
    // Paths from a stored document are never followed: the emblem comes
    // from the organisation's record, fonts from the deployment.
    common.style.emblem = None;
    common.style.font_dir = None;
    common.style.font_family = None;
    common.verification = overlay.verification.clone();
    let signed = last_signed(overlay);
    let dated = date_borne(
        &document,
        signed.map(|s| Signing {
            day: s.date,
            kept_date: s.kept_date,
        }),
    );
    match &mut document {
        Document::Memo(memo) => {
            renumber(&mut memo.number, overlay);
            memo.endorsements = overlay.gathered.iter().map(endorsement).collect();
        }
        Document::Order(order) => {
            order.number = overlay.number;
            if let Some(signed) = signed {
                order.signer = signer(signed);
                order.date = dated;
            }
        }
        // A letter is numbered like a memo; it, a stamped letter and an
        // announcement bear the signer and the day they are signed.
        Document::Letter(letter) => {
            renumber(&mut letter.number, overlay);
            if let Some(signed) = signed {
                letter.signer = signer(signed);
                letter.date = dated;
            }
        }
        Document::Stamped(stamped) => {
            renumber(&mut stamped.number, overlay);
            if let Some(signed) = signed {
                stamped.signer = signer(signed);
                stamped.date = dated;
                // The initials beside the stamp are the signer's own.
                stamped.initials = None;
            }
        }
        Document::Announcement(announcement) => {
            announcement.number = overlay.number;
            if let Some(signed) = signed {
                announcement.signer = signer(signed);
                announcement.date = dated;
            }
        }
    }
    document
}

/// The signature an issued document's date follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signing {
    /// The day it was signed, in Thai time.
    pub day: ThaiDate,
    /// The signer kept the order's own date (the `signed` event's
    /// `kept_date`).
    pub kept_date: bool,
}

/// The date an issued document bears, given its signature (none before):
/// a memo keeps its own; an order is dated the day it is signed unless its
/// drafter (`keep_date`) or its signer kept the date set; a letter, a
/// stamped letter and an announcement are dated the day they are signed.
/// What the page prints, and what the register and the public board list.
pub fn date_borne(document: &Document, signed: Option<Signing>) -> ThaiDate {
    match (document, signed) {
        (Document::Memo(memo), _) => memo.date,
        (Document::Order(order), Some(signing)) if order.keep_date || signing.kept_date => {
            order.date
        }
        (_, Some(signing)) => signing.day,
        (document, None) => document.date(),
    }
}

/// A memo-style number ("ที่ ตร ๗๑๐๐๑/๑"): the register's, never the draft's.
fn renumber(number: &mut MemoNumber, overlay: &Overlay) {
    number.number = None;
    if let (Some(allocated), Some(prefix)) = (overlay.number, &overlay.prefix) {
        number.number = Some(allocated);
        number.prefix = prefix.clone();
    }
}

/// The last signature gathered on the route.
fn last_signed(overlay: &Overlay) -> Option<&Gathered> {
    overlay
        .gathered
        .iter()
        .rev()
        .find(|g| g.approval == Approval::Signed)
}

/// The wording printed when an approval came without a text of its own.
fn default_opinion(approval: Approval) -> Paragraph {
    let text = match approval {
        Approval::Signed => "ทราบ",
        Approval::Endorsed => "เห็นควรทราบ",
    };
    Paragraph::parse(text).expect("a fixed wording is a paragraph")
}

fn endorsement(g: &Gathered) -> Endorsement {
    let Signer {
        name,
        position,
        signature,
        acting,
        signature_image,
    } = signer(g);
    Endorsement {
        opinion: g
            .text
            .clone()
            .unwrap_or_else(|| default_opinion(g.approval)),
        name,
        position,
        date: Some(g.date),
        signature,
        acting,
        signature_image,
    }
}

/// Name, typed signature, position and the wording of acting for another.
fn signer(g: &Gathered) -> Signer {
    let (position, acting) = match g.standing {
        Standing::Holder => (g.position_title.clone(), None),
        Standing::Delegate(capacity) => (
            g.own_title
                .clone()
                .unwrap_or_else(|| g.position_title.clone()),
            Some(Acting {
                capacity,
                principal: g.position_title.clone(),
            }),
        ),
    };
    Signer {
        name: g.name.clone(),
        position,
        signature: g.signature.clone(),
        acting,
        signature_image: g.signature_image.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Capacity, Syntax, read_document};

    fn org() -> OrgConfig {
        OrgConfig::parse_toml(include_str!(
            "../../../examples/organisation/wangkrachae.toml"
        ))
        .expect("the example organisation")
    }

    fn memo() -> Document {
        read_document(
            include_str!("../../../examples/ita-report-2568.toml"),
            Syntax::Toml,
        )
        .expect("the example memo")
    }

    fn example_order() -> Document {
        read_document(
            include_str!("../../../examples/order-490-2567.toml"),
            Syntax::Toml,
        )
        .expect("the example order")
    }

    fn gathered(approval: Approval, standing: Standing, day: u32) -> Gathered {
        Gathered {
            approval,
            text: None,
            date: ThaiDate::from_ymd(2025, 4, day).expect("a date"),
            standing,
            position_title: Paragraph::parse("นายก อบต.").expect("a title"),
            name: Line::parse("นายกนก ใจดี").expect("a name"),
            signature: None,
            own_title: Some(Paragraph::parse("ปลัด อบต.").expect("a title")),
            signature_image: None,
            kept_date: false,
        }
    }

    #[test]
    fn each_approval_prints_the_image_its_event_named() {
        let endorsed = Gathered {
            signature_image: Some("ab".repeat(32)),
            ..gathered(Approval::Endorsed, Standing::Holder, 10)
        };
        let signed = Gathered {
            signature_image: Some("cd".repeat(32)),
            ..gathered(Approval::Signed, Standing::Holder, 11)
        };
        let overlay = Overlay {
            gathered: vec![endorsed, signed],
            ..Overlay::default()
        };
        let Document::Memo(memo) = compose(memo(), &org(), &overlay) else {
            panic!("a memo stays a memo");
        };
        let images: Vec<Option<String>> = memo
            .endorsements
            .iter()
            .map(|e| e.signature_image.clone())
            .collect();
        assert_eq!(images, vec![Some("ab".repeat(32)), Some("cd".repeat(32))]);
    }

    #[test]
    fn a_draft_prints_no_number_or_endorsement_of_its_own() {
        let composed = compose(memo(), &org(), &Overlay::default());
        let Document::Memo(memo) = composed else {
            panic!("a memo stays a memo")
        };
        assert_eq!(memo.number.number, None);
        assert!(memo.endorsements.is_empty());
        assert_eq!(memo.common.verification, None);
        assert_eq!(memo.common.style.emblem, None);
        assert_eq!(memo.common.style.digits, org().organisation.digits);
    }

    #[test]
    fn endorsements_come_from_the_route_in_order_with_their_wording() {
        let overlay = Overlay {
            gathered: vec![
                gathered(Approval::Endorsed, Standing::Holder, 10),
                gathered(Approval::Signed, Standing::Delegate(Capacity::Acting), 11),
            ],
            number: NonZeroU32::new(12),
            prefix: Some(RegisterPrefix::parse("ตร ๗๑๐๐๑").expect("a prefix")),
            verification: None,
        };
        let Document::Memo(memo) = compose(memo(), &org(), &overlay) else {
            panic!("a memo stays a memo")
        };
        assert_eq!(memo.number.number, NonZeroU32::new(12));
        assert_eq!(memo.number.prefix.as_str(), "ตร ๗๑๐๐๑");
        let opinions: Vec<&str> = memo
            .endorsements
            .iter()
            .map(|e| e.opinion.as_str())
            .collect();
        assert_eq!(opinions, ["เห็นควรทราบ", "ทราบ"]);
        // Acting for another: one's own title, then the capacity and the
        // principal's position.
        let acting = memo.endorsements[1].acting.as_ref().expect("acting");
        assert_eq!(memo.endorsements[1].position.as_str(), "ปลัด อบต.");
        assert_eq!(acting.capacity, Capacity::Acting);
        assert_eq!(acting.principal.as_str(), "นายก อบต.");
        assert_eq!(memo.endorsements[0].acting, None);
        assert_eq!(memo.endorsements[0].position.as_str(), "นายก อบต.");
    }

    #[test]
    fn an_order_takes_its_signer_and_date_from_the_last_signature() {
        let overlay = Overlay {
            gathered: vec![
                gathered(Approval::Endorsed, Standing::Holder, 10),
                gathered(Approval::Signed, Standing::Holder, 11),
            ],
            number: NonZeroU32::new(490),
            ..Overlay::default()
        };
        let Document::Order(order) = compose(example_order(), &org(), &overlay) else {
            panic!("an order stays an order")
        };
        assert_eq!(order.number, NonZeroU32::new(490));
        assert_eq!(order.signer.name.as_str(), "นายกนก ใจดี");
        assert_eq!(order.date, ThaiDate::from_ymd(2025, 4, 11).expect("a date"));
        // Unsigned, an order keeps the drafter's signer and date, unnumbered.
        let Document::Order(draft) = compose(example_order(), &org(), &Overlay::default()) else {
            panic!("an order stays an order")
        };
        let Document::Order(original) = example_order() else {
            panic!("an order")
        };
        assert_eq!(draft.number, None);
        assert_eq!(draft.signer, original.signer);
        assert_eq!(draft.date, original.date);
        // An order whose date is kept bears it, signed on another day.
        let Document::Order(mut kept) = example_order() else {
            panic!("an order")
        };
        kept.keep_date = true;
        let Document::Order(signed) = compose(Document::Order(kept), &org(), &overlay) else {
            panic!("an order stays an order")
        };
        assert_eq!(signed.signer.name.as_str(), "นายกนก ใจดี");
        assert_eq!(signed.date, original.date);
        // So does one whose signer kept it; another signed is dated that day.
        let mut keeping = overlay.clone();
        keeping.gathered[1].kept_date = true;
        let Document::Order(kept_by_signer) = compose(example_order(), &org(), &keeping) else {
            panic!("an order stays an order")
        };
        assert_eq!(kept_by_signer.date, original.date);
        let Document::Order(dated_signed) = compose(example_order(), &org(), &overlay) else {
            panic!("an order stays an order")
        };
        assert_eq!(dated_signed.date, overlay.gathered[1].date);
        assert_ne!(dated_signed.date, original.date);
    }
}
