//! RFC 3161 timestamps (PAdES B-T): the request for a signature value, the
//! TSA's response, and the token read back.

use chrono::{DateTime, NaiveDate, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{BitString, ObjectIdentifier, OctetString, Uint};
use der::{Any, Decode, Encode, Sequence, Tag, Tagged};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

use crate::oid;
use crate::signed_data::sha256_algorithm;

/// The media type of a request, as RFC 3161 §3.4 names it.
pub const REQUEST_MEDIA_TYPE: &str = "application/timestamp-query";
/// The media type of a response.
pub const RESPONSE_MEDIA_TYPE: &str = "application/timestamp-reply";

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct PkiStatusInfo {
    status: u32,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<Any>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<Uint>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<Uint>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<Uint>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    serial_number: Uint,
    /// Read by hand: der's GeneralizedTime refuses the fractions of a
    /// second TSAs may write.
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Uint>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// Why a timestamp could not be had or read.
#[derive(Debug, thiserror::Error)]
pub enum TimestampError {
    #[error("the timestamp structure cannot be encoded or read: {0}")]
    Der(#[from] der::Error),
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    #[error("the timestamp authority refused: status {status}{}", text.as_deref().map(|t| format!(" ({t})")).unwrap_or_default())]
    Refused { status: u32, text: Option<String> },
    #[error("the timestamp authority's response has no token")]
    NoToken,
    #[error("the token is not a CMS SignedData over a TSTInfo")]
    NotATimestampToken,
    #[error("the token timestamps something else (message imprint differs)")]
    ImprintMismatch,
    #[error("the token's nonce is not the request's")]
    NonceMismatch,
    #[error("the token's time cannot be read")]
    BadTime,
    #[error("the timestamp authority cannot be reached: {0}")]
    Http(String),
}

/// A TimeStampReq for one signature value: SHA-256 imprint, a random
/// nonce, the TSA's certificate asked for.
#[derive(Debug, Clone)]
pub struct TimestampRequest {
    der: Vec<u8>,
    nonce: Uint,
    imprint: Vec<u8>,
}

impl TimestampRequest {
    /// A request for `signature_value` (see `Prepared::signature_value`).
    pub fn new(signature_value: &[u8]) -> Result<Self, TimestampError> {
        let imprint = Sha256::digest(signature_value).to_vec();
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| TimestampError::Random(e.to_string()))?;
        nonce[0] = (nonce[0] & 0x7f) | 0x01;
        let nonce = Uint::new(&nonce)?;
        let request = TimeStampReq {
            version: 1,
            message_imprint: MessageImprint {
                hash_algorithm: sha256_algorithm(),
                hashed_message: OctetString::new(imprint.clone())?,
            },
            req_policy: None,
            nonce: Some(nonce.clone()),
            cert_req: true,
            extensions: None,
        };
        Ok(Self {
            der: request.to_der()?,
            nonce,
            imprint,
        })
    }

    /// The DER to send (media type [`REQUEST_MEDIA_TYPE`]).
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The token in a TimeStampResp to this request, once its status,
    /// message imprint and nonce are checked.
    pub fn token_from_response(&self, response: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let response = TimeStampResp::from_der(response)?;
        // 0 granted, 1 granted with modifications.
        if response.status.status > 1 {
            return Err(TimestampError::Refused {
                status: response.status.status,
                text: response.status.status_string.map(|texts| texts.join("; ")),
            });
        }
        let token = response
            .time_stamp_token
            .ok_or(TimestampError::NoToken)?
            .to_der()?;
        let (tst_info, _) = read_token(&token)?;
        if tst_info.message_imprint.hashed_message.as_bytes() != self.imprint.as_slice() {
            return Err(TimestampError::ImprintMismatch);
        }
        if tst_info.nonce.as_ref() != Some(&self.nonce) {
            return Err(TimestampError::NonceMismatch);
        }
        Ok(token)
    }
}

/// Ask the TSA at `url` (HTTP POST, RFC 3161 §3.4) to timestamp
/// `signature_value`; the token, checked against the request.
pub async fn fetch_timestamp(
    client: &reqwest::Client,
    url: &str,
    signature_value: &[u8],
) -> Result<Vec<u8>, TimestampError> {
    let request = TimestampRequest::new(signature_value)?;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, REQUEST_MEDIA_TYPE)
        .body(request.to_der().to_vec())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| TimestampError::Http(e.to_string()))?;
    let body = response
        .bytes()
        .await
        .map_err(|e| TimestampError::Http(e.to_string()))?;
    request.token_from_response(&body)
}

/// A token's SignedData and TSTInfo, structure checked.
pub(crate) fn read_token(token: &[u8]) -> Result<(TstInfo, SignedData), TimestampError> {
    let content_info = ContentInfo::from_der(token)?;
    if content_info.content_type != oid::ID_SIGNED_DATA {
        return Err(TimestampError::NotATimestampToken);
    }
    let signed_data: SignedData = content_info.content.decode_as()?;
    let encapsulated = &signed_data.encap_content_info;
    if encapsulated.econtent_type != oid::ID_CT_TST_INFO {
        return Err(TimestampError::NotATimestampToken);
    }
    let content = encapsulated
        .econtent
        .as_ref()
        .ok_or(TimestampError::NotATimestampToken)?
        .decode_as::<OctetString>()?;
    let tst_info = TstInfo::from_der(content.as_bytes())?;
    if tst_info.message_imprint.hash_algorithm.oid != oid::ID_SHA256 {
        return Err(TimestampError::ImprintMismatch);
    }
    Ok((tst_info, signed_data))
}

impl TstInfo {
    /// genTime: `YYYYMMDDHHMMSS[.fff]Z`.
    pub(crate) fn time(&self) -> Result<DateTime<Utc>, TimestampError> {
        if self.gen_time.tag() != Tag::GeneralizedTime {
            return Err(TimestampError::BadTime);
        }
        let text =
            std::str::from_utf8(self.gen_time.value()).map_err(|_| TimestampError::BadTime)?;
        let whole = text
            .strip_suffix('Z')
            .ok_or(TimestampError::BadTime)?
            .split('.')
            .next()
            .unwrap_or_default();
        let number = |range: std::ops::Range<usize>| -> Result<u32, TimestampError> {
            whole
                .get(range)
                .and_then(|digits| digits.parse().ok())
                .ok_or(TimestampError::BadTime)
        };
        if whole.len() != 14 {
            return Err(TimestampError::BadTime);
        }
        let year = i32::try_from(number(0..4)?).map_err(|_| TimestampError::BadTime)?;
        NaiveDate::from_ymd_opt(year, number(4..6)?, number(6..8)?)
            .and_then(|date| {
                date.and_hms_opt(
                    number(8..10).ok()?,
                    number(10..12).ok()?,
                    number(12..14).ok()?,
                )
            })
            .map(|naive| naive.and_utc())
            .ok_or(TimestampError::BadTime)
    }
}
