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
mod backup;
mod channels;
mod checkpoints;
mod circulation;
mod content;
mod deadlines;
mod destruction;
mod documents;
mod enclosures;
mod error;
mod export;
mod gc;
mod health;
mod incoming;
mod keys;
mod ledger;
/// The statements behind every list, for the plan test (tests/stories/plans.rs).
pub mod list_queries;
mod messages;
mod migrate;
mod operations;
mod organisation;
mod outbox;
mod press;
mod public;
mod publication;
mod reads;
mod records_audit;
mod replica;
mod replies;
mod retention;
mod route_changes;
mod rows;
mod seals;
mod search;
mod search_rows;
mod session_keys;
mod signatures;
mod store;
mod transfer;
mod transitions;
mod unit_registers;
mod unit_registers_audit;
mod writer;

pub use accounts::{
    API_TOKEN_DAYS, Account, PositionHeld, SESSION_HOURS, SignInError, check_new_password,
};
pub use allowed::AllowedAction;
pub use audit::{Audit, Finding, FindingClass};
pub use backup::{
    FileEntry, MANIFEST, Manifest, NewestCheckpoint, OrganisationEntry, Restored, check_backup,
    restore,
};
pub use channels::{Channel, valid_email, valid_line_user};
pub use circulation::{Acknowledgement, Circulation, ToAcknowledge, Unacknowledged};
pub use content::{ContentKind, ContentPlace, ContentStore, StoredObject, UNOWNED};
pub use deadlines::{HOLIDAYS_CHANGED, Overdue};
pub use destruction::{DestructionItem, DestructionList, TransferItem};
pub use documents::{
    ActOutcome, DocumentSummary, HistoryEntry, Inbox, RegisterEntry, RegisterPage, ReturnNote,
};
pub use enclosures::{EnclosureDownload, EnclosureInfo, Upload};
pub use error::{Internal, Result, StoreError};
pub use export::{Bundle, SEAL_CHAIN_FILE};
pub use health::{Check, Readiness};
pub use incoming::{IncomingOrder, OriginalFile, ReceivedEntry, ReceivedPage};
pub use keys::{Ink, default_key_folder, origin};
pub use messages::{FailedMessage, MessageSummary, NotificationEntry, OutgoingMessage};
pub use migrate::{MigrationStatus, apply_migrations, migration_status};
pub use operations::{BackupStatus, Operations};
pub use organisation::InitReport;
pub use outbox::{EMAIL, LINE};
pub use press::{Composed, EnclosureFile, Press, PressError, ScanFailure, StampNote, StampedView};
pub use public::{PdfCheck, PublicRecord, PublicStep, normalise_code, verification_code};
pub use publication::{Board, BoardEntry, BoardFilter};
pub use replica::{Lsn, read_after};
pub use replies::Reply;
pub use retention::{DocumentRetention, Hold, HoldSummary};
pub use seals::{SealCertificate, SealSummary, check_pdf_seal};
pub use search::{
    COUNT_BOUND, MAX_SEARCH_LIMIT, SearchHit, SearchQuery, SearchResults, SnippetPart,
};
pub use signatures::{MAX_SIGNATURE_PNG, SIGNATURE_REGISTERED, SIGNATURE_REMOVED};
pub use store::{Store, redact};
pub use transitions::Assignment;
pub use unit_registers::{UnitReceipt, UnitRegisterEntry, UnitRegisterPage};
pub use writer::Backend;
