//! What checking a seal can find wrong, and what it finds of its
//! timestamp: shared by the file-level check and the CMS verification.

use chrono::{DateTime, Utc};

/// Why a signature is not valid. Each has a stable [`Failure::code`] for
/// the caller's own (Thai) wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("the signature is malformed: {0}")]
    Malformed(String),
    #[error(
        "the signed byte range does not start at the file's beginning or does not leave out exactly the signature"
    )]
    ByteRangeInvalid,
    #[error("the document was changed after it was signed (its digest differs)")]
    DigestMismatch,
    #[error("the signature does not verify with the signer's key")]
    SignatureInvalid,
    #[error("the signature does not name the certificate that signed it")]
    SigningCertificateMismatch,
    #[error("the timestamp is not valid: {0}")]
    TimestampInvalid(String),
    #[error("the signer is not trusted: {0}")]
    Untrusted(String),
    #[error("the signature uses what saraban cannot check: {0}")]
    Unsupported(String),
}

impl Failure {
    /// A stable, machine-readable name for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Malformed(_) => "malformed",
            Failure::ByteRangeInvalid => "byte_range_invalid",
            Failure::DigestMismatch => "digest_mismatch",
            Failure::SignatureInvalid => "signature_invalid",
            Failure::SigningCertificateMismatch => "signing_certificate_mismatch",
            Failure::TimestampInvalid(_) => "timestamp_invalid",
            Failure::Untrusted(_) => "untrusted",
            Failure::Unsupported(_) => "unsupported",
        }
    }
}

/// A verified RFC 3161 timestamp on the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampReport {
    /// The token's genTime.
    pub time: DateTime<Utc>,
    /// The timestamp authority's common name.
    pub tsa_cn: String,
    /// Whether the authority's chain leads to one of the trusted
    /// certificates (otherwise /M, not this time, is used for validity).
    pub tsa_trusted: bool,
}
