//! saraban's engine on a database: SQLite (a file, the embedded default) or
//! PostgreSQL, chosen by the URL. One transaction per transition: the
//! document's change, its register number and its ledger event commit
//! together or not at all.
//!
//! This file only declares the modules and says what the crate offers;
//! ARCHITECTURE.md gives the layers and the direction of their imports.

mod accounts;
mod actor_keys;
mod allowed;
mod audit;
mod checkpoints;
mod circulation;
mod documents;
mod enclosures;
mod error;
mod export;
mod incoming;
mod keys;
mod ledger;
mod organisation;
mod press;
mod public;
mod publication;
mod reads;
mod replies;
mod route_changes;
mod rows;
mod seals;
mod signatures;
mod store;
mod transitions;
mod writer;

pub use accounts::{
    API_TOKEN_DAYS, Account, PositionHeld, SESSION_HOURS, SignInError, check_new_password,
};
pub use allowed::AllowedAction;
pub use audit::{Audit, Finding, FindingClass};
pub use circulation::{Acknowledgement, Circulation, ToAcknowledge, Unacknowledged};
pub use documents::{ActOutcome, DocumentSummary, HistoryEntry, Inbox, RegisterEntry, ReturnNote};
pub use enclosures::{EnclosureDownload, EnclosureInfo, Upload};
pub use error::{Internal, Result, StoreError};
pub use export::{Bundle, SEAL_CHAIN_FILE};
pub use incoming::{IncomingOrder, OriginalFile, ReceivedEntry};
pub use keys::{Ink, default_key_folder, origin};
pub use organisation::InitReport;
pub use press::{Composed, EnclosureFile, Press, PressError, ScanFailure, StampNote, StampedView};
pub use public::{PdfCheck, PublicRecord, PublicStep, normalise_code, verification_code};
pub use publication::{Board, BoardEntry, BoardFilter};
pub use replies::Reply;
pub use seals::{SealCertificate, SealSummary, check_pdf_seal};
pub use signatures::{MAX_SIGNATURE_PNG, SIGNATURE_REGISTERED, SIGNATURE_REMOVED};
pub use store::{Store, redact};
pub use transitions::Assignment;
pub use writer::Backend;
