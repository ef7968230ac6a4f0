//! saraban's domain: Thai official documents, their dates, digits and
//! register numbers. Pure: no I/O, no database, no HTTP.

pub mod bagit;
pub mod bundle;
pub mod calendar;
pub mod checkpoint;
pub mod clock;
pub mod compose;
pub mod diff;
pub mod document;
pub mod enclosure;
pub mod finding;
pub mod ids;
pub mod incoming;
pub mod ledger;
pub mod merkle;
pub mod notify;
pub mod numbering;
pub mod org;
pub mod outgoing;
pub mod register;
pub mod replay;
pub mod retention;
pub mod search;
pub mod segment;
pub mod slug;
pub mod text;
pub mod thai;
pub mod workflow;

pub use document::{Document, Drafted, InputError, Syntax, read_document};
pub use finding::FindingClass;
pub use ids::{DocumentId, IdError, OrgId, PersonId, PositionId};
pub use thai::{BuddhistYear, DigitStyle, ThaiDate};
