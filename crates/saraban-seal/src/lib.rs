//! PAdES seals on the PDFs saraban issues: an organisation's key signs the
//! file as an incremental update (the original bytes stay an exact prefix),
//! and [`check`] says whether a file's seals hold.
//!
//! ECDSA P-256 with SHA-256, or RSA (2048 to 8192 bits) PKCS#1 v1.5 with
//! SHA-256 for a key from a CA that issues RSA; the CMS is a detached SignedData
//! (PAdES baseline B-B, or B-T with an RFC 3161 timestamp): signed
//! attributes content-type, message-digest and ESS signing-certificate-v2,
//! no signing-time attribute (the time is the signature dictionary's /M).
//!
//! Sealing is two steps so that async code can fetch a timestamp in
//! between: [`prepare`], then [`timestamp::fetch_timestamp`] for
//! [`Prepared::signature_value`], then [`Prepared::finish`].

mod check;
mod failure;
mod identity;
mod oid;
mod pdf;
mod pkcs12;
mod seal;
mod signed_data;
pub mod timestamp;
mod verify;

pub use check::{CheckError, Failure, SealReport, TimestampReport, Verdict, check};
pub use identity::{
    CaIdentity, Certificate, CertificateInfo, IdentityError, MAX_RSA_BITS, MIN_RSA_BITS, SealKey,
    SigningIdentity, certificates_from_pem, certificates_to_pem, describe, self_issued,
};
pub use pdf::update::UpdateError;
pub use pkcs12::Pkcs12Error;
pub use seal::{
    CONTENTS_CAPACITY, Prepared, SealDetails, SealError, contents_capacity, prepare, seal,
};
pub use signed_data::SignError;
pub use timestamp::TimestampError;
