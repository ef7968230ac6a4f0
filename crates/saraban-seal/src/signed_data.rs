//! The CMS SignedData of a PAdES baseline signature: detached, over the
//! ByteRange's SHA-256, with the ESS signing-certificate-v2 attribute.
//!
//! An RSA key's SignerInfo names its signature sha256WithRSAEncryption
//! (RFC 5754 §3.2, parameters NULL as RFC 4055 asks) rather than
//! rsaEncryption (RFC 3370 §3.2): the algorithm then names its hash as the
//! digest algorithm does, it is what pyHanko writes itself, and pdfsig
//! (NSS) and pyHanko both accept it. The check takes either.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;

use crate::identity::SigningIdentity;
use crate::oid;

/// RFC 5035 SigningCertificateV2.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Vec<Any>>,
}

/// RFC 5035 ESSCertIDv2.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertIdV2 {
    /// DEFAULT sha256, so absent (None) when it is SHA-256: der's derive
    /// handles DEFAULT only for Copy types.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// RFC 5035 IssuerSerial.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

pub(crate) fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::ID_SHA256,
        parameters: None,
    }
}

fn attribute(kind: der::asn1::ObjectIdentifier, value: Any) -> der::Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid: kind, values })
}

/// The signing-certificate-v2 value naming `certificate` by its hash and
/// its issuer and serial.
fn signing_certificate(certificate: &Certificate) -> der::Result<SigningCertificateV2> {
    let tbs = certificate.tbs_certificate();
    Ok(SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(&Sha256::digest(certificate.to_der()?)[..])?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        }],
        policies: None,
    })
}

/// A SignedData for `content_digest` (the ByteRange's SHA-256), signed by
/// `identity`, without unsigned attributes yet.
pub(crate) fn sign_detached(
    content_digest: &[u8],
    identity: &SigningIdentity,
) -> Result<SignedData, SignError> {
    let signer = identity.certificate();
    let mut signed_attributes = SetOfVec::new();
    signed_attributes.insert(attribute(
        oid::ID_CONTENT_TYPE,
        Any::encode_from(&oid::ID_DATA)?,
    )?)?;
    signed_attributes.insert(attribute(
        oid::ID_MESSAGE_DIGEST,
        Any::encode_from(&OctetString::new(content_digest)?)?,
    )?)?;
    signed_attributes.insert(attribute(
        oid::ID_SIGNING_CERTIFICATE_V2,
        Any::encode_from(&signing_certificate(signer)?)?,
    )?)?;
    // The signature is over the attributes' DER as a SET OF, which is how
    // SetOfVec encodes (sorted).
    let signature = identity
        .sign(&signed_attributes.to_der()?)
        .map_err(|e| SignError::Signature(e.to_string()))?;

    let tbs = signer.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attributes),
        signature_algorithm: identity.signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let certificates = identity
        .chain()
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect::<Vec<_>>();
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_algorithm())?;
    Ok(SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet::try_from(certificates)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info])?,
    })
}

/// `signed_data` with `token` as the signer's signature-time-stamp.
pub(crate) fn with_timestamp(
    mut signed_data: SignedData,
    token: &[u8],
) -> Result<SignedData, SignError> {
    let token = Any::from_der(token)?;
    let mut infos: Vec<SignerInfo> = signed_data.signer_infos.0.into_vec();
    let info = infos.first_mut().ok_or(SignError::NoSigner)?;
    let mut unsigned = info.unsigned_attrs.take().unwrap_or_default();
    unsigned.insert(attribute(oid::ID_SIGNATURE_TIME_STAMP_TOKEN, token)?)?;
    info.unsigned_attrs = Some(unsigned);
    signed_data.signer_infos = SignerInfos::try_from(infos)?;
    Ok(signed_data)
}

/// The DER of a ContentInfo wrapping `signed_data`.
pub(crate) fn to_content_info_der(signed_data: &SignedData) -> Result<Vec<u8>, SignError> {
    let content_info = ContentInfo {
        content_type: oid::ID_SIGNED_DATA,
        content: Any::encode_from(signed_data)?,
    };
    Ok(content_info.to_der()?)
}

/// The SignerInfo's signature value: what a timestamp is asked for.
pub(crate) fn signature_value(signed_data: &SignedData) -> &[u8] {
    signed_data
        .signer_infos
        .0
        .iter()
        .next()
        .map_or(&[][..], |info| info.signature.as_bytes())
}

/// Why a SignedData could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the CMS structure cannot be encoded: {0}")]
    Der(#[from] der::Error),
    #[error("signing failed: {0}")]
    Signature(String),
    #[error("the SignedData has no signer")]
    NoSigner,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_attributes_are_the_pades_baseline_three_and_no_signing_time() {
        let (_, identity) = crate::self_issued("ทดสอบ", "test", chrono::Utc::now()).unwrap();
        let signed_data = sign_detached(&[7u8; 32], &identity).unwrap();
        let info = signed_data.signer_infos.0.iter().next().unwrap();
        let kinds: Vec<_> = info
            .signed_attrs
            .as_ref()
            .unwrap()
            .iter()
            .map(|attribute| attribute.oid)
            .collect();
        assert_eq!(kinds.len(), 3);
        for kind in [
            oid::ID_CONTENT_TYPE,
            oid::ID_MESSAGE_DIGEST,
            oid::ID_SIGNING_CERTIFICATE_V2,
        ] {
            assert!(kinds.contains(&kind), "{kind} missing");
        }
        assert!(!kinds.contains(&oid::ID_SIGNING_TIME));
        assert_eq!(signed_data.certificates.unwrap().0.len(), 2);
    }

    #[test]
    fn the_ess_hash_algorithm_is_left_out_when_it_is_the_default() {
        let (_, identity) = crate::self_issued("ทดสอบ", "test", chrono::Utc::now()).unwrap();
        let value = signing_certificate(identity.certificate()).unwrap();
        // ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING, … }: no
        // AlgorithmIdentifier before the hash.
        let cert_id = value.certs[0].to_der().unwrap();
        let mut reader = der::SliceReader::new(&cert_id).unwrap();
        der::Header::decode(&mut reader).unwrap();
        assert_eq!(der::Reader::peek_byte(&reader), Some(0x04));
        let der = value.to_der().unwrap();
        assert_eq!(SigningCertificateV2::from_der(&der).unwrap(), value);
    }
}
