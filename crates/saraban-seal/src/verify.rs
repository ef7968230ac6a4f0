//! Checking a CMS SignedData: its attributes, its signature, the signer's
//! chain up to a trusted certificate, and its timestamp token.
//!
//! Keys: ECDSA P-256 and RSA (2048 to 8192 bits). Signatures: ECDSA with
//! SHA-256 or SHA-384; RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512,
//! named sha*WithRSAEncryption, or rsaEncryption in a SignerInfo (as OpenSSL
//! and Adobe write it). So a chain may mix RSA and ECDSA certificates.

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, SliceReader};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::attr::Attributes;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};

use crate::failure::{Failure, TimestampReport};
use crate::identity::{
    MAX_RSA_BITS, MIN_RSA_BITS, bit_length, common_name, key_algorithm_name, to_chrono,
};
use crate::oid;
use crate::signed_data::SigningCertificateV2;
use crate::timestamp::{self, TstInfo};

/// How long a chain may be: enough for any real CA.
const MAX_CHAIN: usize = 8;

/// What a verified SignedData tells.
#[derive(Debug)]
pub(crate) struct Verified {
    pub timestamp: Option<TimestampReport>,
}

/// The certificate of the SignedData's (first) signer, if it carries it.
pub(crate) fn signer_certificate(signed_data: &SignedData) -> Option<Certificate> {
    let info = signed_data.signer_infos.0.iter().next()?;
    certificates(signed_data)
        .into_iter()
        .find(|certificate| identifies(&info.sid, certificate))
}

/// A SignedData read from /Contents, which is the DER, exactly as DER
/// writes it, then zeros to the end: so no byte of /Contents can change
/// without the check seeing it.
pub(crate) fn read_signed_data(contents: &[u8]) -> Result<SignedData, Failure> {
    let malformed = |e: der::Error| Failure::Malformed(format!("the CMS cannot be read: {e}"));
    let mut reader = SliceReader::new(contents).map_err(malformed)?;
    let content_info = ContentInfo::decode(&mut reader).map_err(malformed)?;
    let der = content_info.to_der().map_err(malformed)?;
    if !contents.starts_with(&der) {
        return Err(Failure::Malformed("the CMS is not in canonical DER".into()));
    }
    if contents[der.len()..].iter().any(|&byte| byte != 0) {
        return Err(Failure::Malformed(
            "/Contents has data after the CMS".into(),
        ));
    }
    if content_info.content_type != oid::ID_SIGNED_DATA {
        return Err(Failure::Malformed("the CMS is not a SignedData".into()));
    }
    let signed_data: SignedData = content_info.content.decode_as().map_err(malformed)?;
    let only_sha256 = signed_data.digest_algorithms.len() == 1
        && signed_data
            .digest_algorithms
            .iter()
            .all(|algorithm| algorithm.oid == oid::ID_SHA256);
    let detached_data = signed_data.encap_content_info.econtent_type == oid::ID_DATA
        && signed_data.encap_content_info.econtent.is_none();
    let versions_one = signed_data.version == CmsVersion::V1
        && signed_data
            .signer_infos
            .0
            .iter()
            .all(|info| info.version == CmsVersion::V1);
    if !(only_sha256 && detached_data && versions_one && signed_data.crls.is_none()) {
        return Err(Failure::Malformed(
            "the CMS is not a detached SHA-256 SignedData of version 1".into(),
        ));
    }
    Ok(signed_data)
}

fn certificates(signed_data: &SignedData) -> Vec<Certificate> {
    signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(certificate) => Some(certificate.clone()),
            _ => None,
        })
        .collect()
}

fn identifies(sid: &SignerIdentifier, certificate: &Certificate) -> bool {
    let tbs = certificate.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            id.issuer == *tbs.issuer() && id.serial_number == *tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    }
}

/// The single value of the signed attribute `kind`.
fn attribute_value<'a>(
    attributes: &'a Attributes,
    kind: &ObjectIdentifier,
) -> Option<&'a der::Any> {
    attributes
        .iter()
        .find(|attribute| attribute.oid == *kind)
        .and_then(|attribute| attribute.values.iter().next())
}

/// A hash a signature algorithm names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn of_digest_algorithm(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            oid::ID_SHA256 => Some(Hash::Sha256),
            oid::ID_SHA384 => Some(Hash::Sha384),
            oid::ID_SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn digest(self, message: &[u8]) -> Vec<u8> {
        use rsa::sha2::Digest as _;
        match self {
            Hash::Sha256 => rsa::sha2::Sha256::digest(message).to_vec(),
            Hash::Sha384 => rsa::sha2::Sha384::digest(message).to_vec(),
            Hash::Sha512 => rsa::sha2::Sha512::digest(message).to_vec(),
        }
    }

    fn pkcs1v15(self) -> rsa::Pkcs1v15Sign {
        match self {
            Hash::Sha256 => rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha256>(),
            Hash::Sha384 => rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha384>(),
            Hash::Sha512 => rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha512>(),
        }
    }
}

/// How a signature is made, as its algorithm identifier says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// ECDSA (with a P-256 key).
    Ecdsa(Hash),
    /// RSA PKCS#1 v1.5.
    RsaPkcs1(Hash),
}

/// The scheme `algorithm` names: ecdsa-with-SHA256/384, or
/// sha256/384/512WithRSAEncryption (parameters NULL or absent). In CMS, a
/// SignerInfo may name rsaEncryption, whose hash is then the SignerInfo's
/// `digest` algorithm (RFC 3370 §3.2); a certificate may not.
fn scheme_of(
    algorithm: &AlgorithmIdentifierOwned,
    digest: Option<&ObjectIdentifier>,
) -> Result<Scheme, String> {
    let rsa_parameters_ok = algorithm
        .parameters
        .as_ref()
        .is_none_or(|parameters| parameters.is_null());
    let unsupported = || {
        let name = const_oid::db::DB
            .by_oid(&algorithm.oid)
            .map_or_else(String::new, |name| format!("{name} "));
        format!(
            "the signature algorithm {name}({}) is not supported (ECDSA P-256 with \
             SHA-256 or SHA-384, RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512 are)",
            algorithm.oid
        )
    };
    let scheme = match algorithm.oid {
        oid::ECDSA_WITH_SHA256 if algorithm.parameters.is_none() => Scheme::Ecdsa(Hash::Sha256),
        oid::ECDSA_WITH_SHA384 if algorithm.parameters.is_none() => Scheme::Ecdsa(Hash::Sha384),
        oid::SHA256_WITH_RSA_ENCRYPTION if rsa_parameters_ok => Scheme::RsaPkcs1(Hash::Sha256),
        oid::SHA384_WITH_RSA_ENCRYPTION if rsa_parameters_ok => Scheme::RsaPkcs1(Hash::Sha384),
        oid::SHA512_WITH_RSA_ENCRYPTION if rsa_parameters_ok => Scheme::RsaPkcs1(Hash::Sha512),
        oid::RSA_ENCRYPTION if rsa_parameters_ok => Scheme::RsaPkcs1(
            digest
                .and_then(Hash::of_digest_algorithm)
                .ok_or_else(unsupported)?,
        ),
        oid::ID_RSASSA_PSS => {
            return Err("RSASSA-PSS signatures are not supported (RSA PKCS#1 v1.5 is)".into());
        }
        _ => return Err(unsupported()),
    };
    Ok(scheme)
}

/// A certificate's public key, as far as a seal's check uses it.
enum PublicKey {
    P256(VerifyingKey),
    Rsa(rsa::PublicKey),
}

/// `certificate`'s key: ECDSA P-256, or RSA of [`MIN_RSA_BITS`] to
/// [`MAX_RSA_BITS`] bits.
fn public_key(certificate: &Certificate) -> Result<PublicKey, String> {
    let spki = certificate.tbs_certificate().subject_public_key_info();
    let der = spki.to_der().map_err(|e| e.to_string())?;
    let whose = || common_name(certificate.tbs_certificate().subject());
    match spki.algorithm.oid {
        oid::RSA_ENCRYPTION => {
            let bits = spki
                .subject_public_key
                .as_bytes()
                .and_then(|bytes| rsa::pkcs1::RsaPublicKeyRef::from_der(bytes).ok())
                .map(|key| bit_length(key.modulus.as_bytes()))
                .ok_or_else(|| format!("the RSA key of {} cannot be read", whose()))?;
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                return Err(format!(
                    "the RSA key of {} has {bits} bits (saraban checks {MIN_RSA_BITS} to \
                     {MAX_RSA_BITS})",
                    whose()
                ));
            }
            let reference = SubjectPublicKeyInfoRef::from_der(&der).map_err(|e| e.to_string())?;
            rsa::PublicKey::try_from(reference)
                .map(PublicKey::Rsa)
                .map_err(|e| format!("the RSA key of {} cannot be used: {e}", whose()))
        }
        oid::ID_EC_PUBLIC_KEY => VerifyingKey::from_public_key_der(&der)
            .map(PublicKey::P256)
            .map_err(|_| {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok());
                format!(
                    "the key of {} is {}, not P-256",
                    whose(),
                    key_algorithm_name(&spki.algorithm.oid, curve.as_ref())
                )
            }),
        other => Err(format!(
            "the key of {} is {}; saraban checks ECDSA P-256 and RSA keys",
            whose(),
            key_algorithm_name(&other, None)
        )),
    }
}

/// Whether `signature` over `message` by `certificate`'s key holds under
/// `algorithm` (with `digest`, a SignerInfo's digest algorithm, for
/// rsaEncryption); an error says what cannot be checked.
fn verify_signature(
    certificate: &Certificate,
    algorithm: &AlgorithmIdentifierOwned,
    digest: Option<&ObjectIdentifier>,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, String> {
    let scheme = scheme_of(algorithm, digest)?;
    match (public_key(certificate)?, scheme) {
        (PublicKey::P256(key), Scheme::Ecdsa(hash)) => {
            let Ok(signature) = DerSignature::from_bytes(signature) else {
                return Ok(false);
            };
            Ok(match hash {
                Hash::Sha256 => key.verify(message, &signature).is_ok(),
                // ECDSA takes the hash's leftmost bits (FIPS 186-5 §6.4.1).
                _ => key
                    .verify_prehash(&hash.digest(message), &signature)
                    .is_ok(),
            })
        }
        (PublicKey::Rsa(key), Scheme::RsaPkcs1(hash)) => Ok(key
            .verify(hash.pkcs1v15(), &hash.digest(message), signature)
            .is_ok()),
        (PublicKey::P256(_), Scheme::RsaPkcs1(_)) => {
            Err("an RSA signature names an ECDSA key".into())
        }
        (PublicKey::Rsa(_), Scheme::Ecdsa(_)) => Err("an ECDSA signature names an RSA key".into()),
    }
}

/// Check a signer: attributes, digest, signature, signing certificate.
/// Returns the signer's certificate.
fn verify_signer(
    info: &SignerInfo,
    pool: &[Certificate],
    content_digest: &[u8],
    content_type: ObjectIdentifier,
) -> Result<Certificate, Failure> {
    if info.digest_alg.oid != oid::ID_SHA256 {
        return Err(Failure::Unsupported(format!(
            "digest algorithm {} is not supported",
            info.digest_alg.oid
        )));
    }
    let signer = pool
        .iter()
        .find(|certificate| identifies(&info.sid, certificate))
        .cloned()
        .ok_or_else(|| Failure::Malformed("the signer's certificate is not in the CMS".into()))?;
    let attributes = info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| Failure::Malformed("the signer has no signed attributes".into()))?;
    let declared_type = attribute_value(attributes, &oid::ID_CONTENT_TYPE)
        .and_then(|value| value.decode_as::<ObjectIdentifier>().ok());
    if declared_type != Some(content_type) {
        return Err(Failure::Malformed(
            "the content-type attribute is wrong or missing".into(),
        ));
    }
    let digest = attribute_value(attributes, &oid::ID_MESSAGE_DIGEST)
        .and_then(|value| value.decode_as::<OctetString>().ok())
        .ok_or_else(|| Failure::Malformed("the message-digest attribute is missing".into()))?;
    if digest.as_bytes() != content_digest {
        return Err(Failure::DigestMismatch);
    }
    let signed = attributes
        .to_der()
        .map_err(|e| Failure::Malformed(e.to_string()))?;
    match verify_signature(
        &signer,
        &info.signature_algorithm,
        Some(&info.digest_alg.oid),
        &signed,
        info.signature.as_bytes(),
    ) {
        Ok(true) => Ok(signer),
        Ok(false) => Err(Failure::SignatureInvalid),
        Err(reason) => Err(Failure::Unsupported(reason)),
    }
}

/// Whether the ESS signing-certificate(-v2) attribute names `signer`.
fn names_signing_certificate(info: &SignerInfo, signer: &Certificate) -> bool {
    let Some(value) = info
        .signed_attrs
        .as_ref()
        .and_then(|attributes| attribute_value(attributes, &oid::ID_SIGNING_CERTIFICATE_V2))
    else {
        return false;
    };
    let Ok(signing_certificate) = value.decode_as::<SigningCertificateV2>() else {
        return false;
    };
    let Some(first) = signing_certificate.certs.first() else {
        return false;
    };
    let Ok(der) = signer.to_der() else {
        return false;
    };
    let is_sha256 = first
        .hash_algorithm
        .as_ref()
        .is_none_or(|algorithm| algorithm.oid == oid::ID_SHA256);
    let hash_matches = is_sha256 && first.cert_hash.as_bytes() == &Sha256::digest(&der)[..];
    let issuer_matches = first.issuer_serial.as_ref().is_none_or(|issuer_serial| {
        let tbs = signer.tbs_certificate();
        issuer_serial.serial_number == *tbs.serial_number()
            && issuer_serial.issuer.iter().any(
                |name| matches!(name, GeneralName::DirectoryName(name) if name == tbs.issuer()),
            )
    });
    hash_matches && issuer_matches
}

fn is_valid_at(certificate: &Certificate, at: DateTime<Utc>) -> bool {
    let validity = certificate.tbs_certificate().validity();
    to_chrono(&validity.not_before) <= at && at <= to_chrono(&validity.not_after)
}

/// The chain from `leaf` up to one of `trusted`: each certificate signed by
/// the next, each valid at `at`, each issuer a CA.
pub(crate) fn verify_chain(
    leaf: &Certificate,
    pool: &[Certificate],
    trusted: &[Certificate],
    at: DateTime<Utc>,
) -> Result<Vec<Certificate>, String> {
    let is_trusted = |certificate: &Certificate| trusted.iter().any(|t| t == certificate);
    let mut current = leaf.clone();
    let mut chain = Vec::new();
    for _ in 0..MAX_CHAIN {
        if !is_valid_at(&current, at) {
            return Err(format!(
                "the certificate of {} was not valid at {}",
                common_name(current.tbs_certificate().subject()),
                at.format("%Y-%m-%d %H:%M:%S UTC")
            ));
        }
        chain.push(current.clone());
        if is_trusted(&current) {
            return Ok(chain);
        }
        let tbs_der = current
            .tbs_certificate()
            .to_der()
            .map_err(|e| e.to_string())?;
        let mut cannot_check = None;
        let signature = current.signature().raw_bytes();
        let algorithm = current.signature_algorithm();
        let issuer = trusted
            .iter()
            .chain(pool)
            .filter(|candidate| {
                candidate.tbs_certificate().subject() == current.tbs_certificate().issuer()
            })
            .find(|candidate| {
                match verify_signature(candidate, algorithm, None, &tbs_der, signature) {
                    Ok(holds) => holds,
                    Err(reason) => {
                        cannot_check.get_or_insert(reason);
                        false
                    }
                }
            })
            .ok_or_else(|| {
                let subject = common_name(current.tbs_certificate().subject());
                match cannot_check.take() {
                    Some(reason) => format!(
                        "the signature on the certificate of {subject} cannot be checked: {reason}"
                    ),
                    None => format!("no trusted issuer signed the certificate of {subject}"),
                }
            })?
            .clone();
        if !is_trusted(&issuer) {
            let is_authority = issuer
                .tbs_certificate()
                .get_extension::<BasicConstraints>()
                .ok()
                .flatten()
                .is_some_and(|(_, constraints)| constraints.ca);
            if !is_authority {
                return Err(format!(
                    "{} is not a certificate authority",
                    common_name(issuer.tbs_certificate().subject())
                ));
            }
        }
        current = issuer;
    }
    Err("the certificate chain is too long".into())
}

fn may_sign_documents(certificate: &Certificate) -> bool {
    match certificate.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, usage))) => usage.digital_signature() || usage.non_repudiation(),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// Check the SignedData of a PAdES signature over content whose SHA-256 is
/// `content_digest`. `claimed_time` (/M) is when the certificates must be
/// valid, unless a verified timestamp says when.
pub(crate) fn verify_signed_data(
    signed_data: &SignedData,
    content_digest: &[u8],
    trusted: &[Certificate],
    claimed_time: DateTime<Utc>,
) -> Result<Verified, Failure> {
    let pool = certificates(signed_data);
    let info = match signed_data.signer_infos.0.as_slice() {
        [info] => info,
        _ => {
            return Err(Failure::Malformed(
                "the CMS must have exactly one signer".into(),
            ));
        }
    };
    let signer = verify_signer(info, &pool, content_digest, oid::ID_DATA)?;
    if !names_signing_certificate(info, &signer) {
        return Err(Failure::SigningCertificateMismatch);
    }
    let timestamp = match info
        .unsigned_attrs
        .as_ref()
        .and_then(|attributes| attribute_value(attributes, &oid::ID_SIGNATURE_TIME_STAMP_TOKEN))
    {
        Some(token) => Some(verify_timestamp(
            &token
                .to_der()
                .map_err(|e| Failure::Malformed(e.to_string()))?,
            info.signature.as_bytes(),
            trusted,
        )?),
        None => None,
    };
    let at = match &timestamp {
        Some(report) if report.tsa_trusted => report.time,
        _ => claimed_time,
    };
    if !may_sign_documents(&signer) {
        return Err(Failure::Untrusted(
            "the signer's certificate is not for signing documents".into(),
        ));
    }
    let chain = verify_chain(&signer, &pool, trusted, at).map_err(Failure::Untrusted)?;
    // A certificate the chain does not use could be changed unnoticed.
    if pool.iter().any(|certificate| !chain.contains(certificate)) {
        return Err(Failure::Malformed(
            "the CMS carries a certificate outside the signer's chain".into(),
        ));
    }
    Ok(Verified { timestamp })
}

/// Check a signature-time-stamp token over `signature_value`.
fn verify_timestamp(
    token: &[u8],
    signature_value: &[u8],
    trusted: &[Certificate],
) -> Result<TimestampReport, Failure> {
    let invalid = |e: timestamp::TimestampError| Failure::TimestampInvalid(e.to_string());
    let (tst_info, signed_data): (TstInfo, SignedData) =
        timestamp::read_token(token).map_err(invalid)?;
    if tst_info.message_imprint.hashed_message.as_bytes() != &Sha256::digest(signature_value)[..] {
        return Err(invalid(timestamp::TimestampError::ImprintMismatch));
    }
    let time = tst_info.time().map_err(invalid)?;
    let content = signed_data
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|content| content.decode_as::<OctetString>().ok())
        .ok_or_else(|| Failure::TimestampInvalid("the token has no TSTInfo".into()))?;
    let pool = certificates(&signed_data);
    let info = signed_data
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| Failure::TimestampInvalid("the token has no signer".into()))?;
    let tsa = verify_signer(
        info,
        &pool,
        &Sha256::digest(content.as_bytes()),
        oid::ID_CT_TST_INFO,
    )
    .map_err(|failure| match failure {
        Failure::Unsupported(reason) => Failure::Unsupported(format!("timestamp: {reason}")),
        other => Failure::TimestampInvalid(other.to_string()),
    })?;
    let for_timestamping = tsa
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(_, usage)| usage.0.contains(&oid::ID_KP_TIME_STAMPING));
    if !for_timestamping {
        return Err(Failure::TimestampInvalid(
            "the token's signer is not a timestamp authority".into(),
        ));
    }
    let tsa_trusted = verify_chain(&tsa, &pool, trusted, time).is_ok();
    Ok(TimestampReport {
        time,
        tsa_cn: common_name(tsa.tbs_certificate().subject()),
        tsa_trusted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn algorithm(text: &str, parameters: Option<der::Any>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(text),
            parameters,
        }
    }

    #[test]
    fn schemes_named_by_algorithm_identifiers() {
        let null = || Some(der::Any::null());
        for (oid, parameters, scheme) in [
            ("1.2.840.10045.4.3.2", None, Scheme::Ecdsa(Hash::Sha256)),
            ("1.2.840.10045.4.3.3", None, Scheme::Ecdsa(Hash::Sha384)),
            (
                "1.2.840.113549.1.1.11",
                null(),
                Scheme::RsaPkcs1(Hash::Sha256),
            ),
            (
                "1.2.840.113549.1.1.11",
                None,
                Scheme::RsaPkcs1(Hash::Sha256),
            ),
            (
                "1.2.840.113549.1.1.12",
                null(),
                Scheme::RsaPkcs1(Hash::Sha384),
            ),
            (
                "1.2.840.113549.1.1.13",
                null(),
                Scheme::RsaPkcs1(Hash::Sha512),
            ),
        ] {
            assert_eq!(scheme_of(&algorithm(oid, parameters), None), Ok(scheme));
        }
        // rsaEncryption takes its hash from the SignerInfo's digest
        // algorithm; without one (a certificate) it names no scheme.
        let rsa = algorithm("1.2.840.113549.1.1.1", Some(der::Any::null()));
        assert_eq!(
            scheme_of(&rsa, Some(&oid::ID_SHA256)),
            Ok(Scheme::RsaPkcs1(Hash::Sha256))
        );
        assert!(scheme_of(&rsa, None).is_err());
        // PSS, SHA-1 and ECDSA with parameters are refused, saying why.
        let pss = scheme_of(&algorithm("1.2.840.113549.1.1.10", None), None).unwrap_err();
        assert!(pss.contains("RSASSA-PSS"), "{pss}");
        let sha1 = scheme_of(&algorithm("1.2.840.113549.1.1.5", null()), None).unwrap_err();
        assert!(sha1.contains("sha1WithRSAEncryption"), "{sha1}");
        assert!(scheme_of(&algorithm("1.2.840.10045.4.3.2", null()), None).is_err());
    }

    #[test]
    fn bit_lengths_of_moduli() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01, 0xff]), 9);
        let mut modulus = vec![0u8; 257];
        modulus[1] = 0xc5;
        assert_eq!(bit_length(&modulus), 2048);
    }
}
