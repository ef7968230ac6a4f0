//! Sealing: the incremental update, then the CMS in its /Contents.

use chrono::{DateTime, FixedOffset};
use cms::signed_data::SignedData;
use der::Encode;
use sha2::{Digest, Sha256};

use crate::identity::SigningIdentity;
use crate::pdf::update::{self, SignatureFields, Update, UpdateError};
use crate::signed_data::{self, SignError};
use crate::timestamp::{self, TimestampError};

/// The least room reserved in /Contents for the CMS, in bytes (written as
/// twice as many hex digits). [`contents_capacity`] reserves more for a
/// longer chain or a larger signature.
pub const CONTENTS_CAPACITY: usize = 12_000;
/// The SignedData's own structure around the certificates and the
/// signature: the signer's issuer and serial (twice: the SignerInfo and the
/// ESS signing-certificate-v2), the algorithms, the other signed
/// attributes, the DER headers; with room to spare.
const CMS_OVERHEAD: usize = 2_048;
/// What a timestamp token may add: its TSTInfo, its signed attributes, its
/// signature and its authority's certificates (RFC 3161 certReq), up to a
/// chain of three RSA-4096 certificates.
const TIMESTAMP_ALLOWANCE: usize = 10_240;

/// The room /Contents gets for `identity`'s CMS: its chain, its largest
/// signature (an RSA-4096 key's is 512 bytes), a timestamp token with its
/// authority's chain, and the CMS around them; never less than
/// [`CONTENTS_CAPACITY`].
pub fn contents_capacity(identity: &SigningIdentity) -> usize {
    let chain: usize = identity
        .chain()
        .iter()
        .map(|certificate| {
            certificate
                .encoded_len()
                .map_or(4_096, |len| usize::try_from(len).unwrap_or(4_096))
        })
        .sum();
    let needed = CMS_OVERHEAD + chain + identity.key().max_signature_len() + TIMESTAMP_ALLOWANCE;
    // Whole kilobytes, so that a file's size says little about the chain.
    needed.next_multiple_of(1_024).max(CONTENTS_CAPACITY)
}

/// What the signature dictionary says about the seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealDetails {
    /// /Name: who seals, e.g. "องค์การบริหารส่วนตำบลวังกระแจะ — นายกนก ใจรักษ์".
    pub name: String,
    /// /Reason, e.g. "ออกหนังสือ".
    pub reason: String,
    /// /Location, if any.
    pub location: Option<String>,
    /// /ContactInfo: the public verification code.
    pub contact_info: String,
    /// /M: when it was sealed, with its offset (Thailand: +07:00).
    pub signed_at: DateTime<FixedOffset>,
}

/// Why a PDF could not be sealed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(transparent)]
    Pdf(#[from] UpdateError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("the timestamp token cannot be used: {0}")]
    Timestamp(#[from] TimestampError),
    #[error("the signature needs {needed} bytes but /Contents has room for {capacity}")]
    ContentsTooSmall { needed: usize, capacity: usize },
}

/// A file with its signature made but not yet written in: between
/// [`prepare`] and [`Prepared::finish`] the caller may fetch a timestamp
/// for [`Prepared::signature_value`].
#[derive(Debug, Clone)]
pub struct Prepared {
    update: Update,
    signed_data: SignedData,
    capacity: usize,
}

/// Write the signature field's update after `pdf` and sign it.
pub fn prepare(
    pdf: &[u8],
    identity: &SigningIdentity,
    details: &SealDetails,
) -> Result<Prepared, SealError> {
    let fields = SignatureFields {
        name: &details.name,
        reason: &details.reason,
        location: details.location.as_deref(),
        contact_info: &details.contact_info,
        signed_at: details.signed_at,
    };
    let capacity = contents_capacity(identity);
    let update = update::append_signature(pdf, &fields, capacity)?;
    let mut hasher = Sha256::new();
    for part in update.signed_parts() {
        hasher.update(part);
    }
    let signed_data = signed_data::sign_detached(&hasher.finalize(), identity)?;
    Ok(Prepared {
        update,
        signed_data,
        capacity,
    })
}

impl Prepared {
    /// The signature value: what an RFC 3161 timestamp is requested for.
    pub fn signature_value(&self) -> &[u8] {
        signed_data::signature_value(&self.signed_data)
    }

    /// The sealed file, with `timestamp_token` (a TimeStampToken for
    /// [`Prepared::signature_value`]) as the signature's timestamp if
    /// given.
    pub fn finish(self, timestamp_token: Option<&[u8]>) -> Result<Vec<u8>, SealError> {
        let Prepared {
            mut update,
            signed_data,
            capacity,
        } = self;
        let signed_data = match timestamp_token {
            Some(token) => {
                let (tst_info, _) = timestamp::read_token(token)?;
                let expected = Sha256::digest(signed_data::signature_value(&signed_data));
                if tst_info.message_imprint.hashed_message.as_bytes() != &expected[..] {
                    return Err(TimestampError::ImprintMismatch.into());
                }
                signed_data::with_timestamp(signed_data, token)?
            }
            None => signed_data,
        };
        let der = signed_data::to_content_info_der(&signed_data)?;
        if !update.fill_contents(&der) {
            return Err(SealError::ContentsTooSmall {
                needed: der.len(),
                capacity,
            });
        }
        Ok(update.bytes)
    }
}

/// Seal `pdf` without a timestamp: [`prepare`] then [`Prepared::finish`].
pub fn seal(
    pdf: &[u8],
    identity: &SigningIdentity,
    details: &SealDetails,
) -> Result<Vec<u8>, SealError> {
    prepare(pdf, identity, details)?.finish(None)
}
