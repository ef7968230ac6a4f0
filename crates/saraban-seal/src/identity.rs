//! Who seals: an organisation's certificate authority and the signing key it
//! certifies, kept as PEM in the organisation's key folder.
//!
//! The organisation's own authority and the keys it issues are ECDSA P-256.
//! A key from a real certificate authority (a .p12, or PEM) may also be RSA
//! of 2048 bits or more, as Thai CAs commonly issue: it signs with RSA
//! PKCS#1 v1.5 and SHA-256.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use der::asn1::Utf8StringRef;
use der::pem::LineEnding;
use der::{Any, Decode, Encode, EncodePem};
use p256::ecdsa::signature::{self, Keypair, Signer};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use pkcs8::PrivateKeyInfoRef;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::SignatureEncoding;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef,
};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

pub use x509_cert::Certificate;

use crate::oid;

/// How long the organisation's CA certificate is valid.
const AUTHORITY_YEARS: i64 = 20;
/// How long a signing certificate is valid.
const SIGNER_YEARS: i64 = 5;
/// Certificates start a little before "now", so that a clock a few
/// minutes behind elsewhere does not see them as not yet valid.
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);

/// Why an identity could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("the private key cannot be used: {0}")]
    PrivateKey(String),
    #[error("the certificate chain cannot be read: {0}")]
    Certificates(String),
    #[error("the certificate chain is empty")]
    EmptyChain,
    #[error("the private key does not belong to the first certificate of the chain")]
    KeyDoesNotMatchCertificate,
    #[error("the certificate cannot be issued: {0}")]
    Issue(String),
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// The fewest bits an RSA key may have (NIST SP 800-131A: RSA under 2048
/// bits is disallowed for signatures).
pub const MIN_RSA_BITS: usize = 2048;
/// The most bits an RSA key may have: more is refused (as `rsa` does),
/// so that a hostile certificate cannot make checking slow.
pub const MAX_RSA_BITS: usize = 8192;

/// The private key of a seal: ECDSA P-256, or RSA of at least
/// [`MIN_RSA_BITS`] bits, which signs with PKCS#1 v1.5 and SHA-256.
#[derive(Clone)]
pub enum SealKey {
    /// ECDSA P-256 (the organisation's own CA issues these).
    P256(SigningKey),
    /// RSA, 2048 to 8192 bits, with SHA-256's PKCS#1 v1.5 prefix.
    Rsa(Box<rsa::pkcs1v15::SigningKey<rsa::sha2::Sha256>>),
}

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealKey({})", self.algorithm())
    }
}

/// Why a PKCS#8 private key is not one a seal can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyRefusal {
    /// Neither P-256 nor RSA: what it is, for a person.
    Unsupported(String),
    /// RSA, but under [`MIN_RSA_BITS`] bits (or over [`MAX_RSA_BITS`]).
    RsaSize(usize),
    /// Not a key that can be read.
    Malformed(String),
}

impl fmt::Display for KeyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRefusal::Unsupported(what) => write!(
                f,
                "it is {what}; saraban seals with ECDSA P-256 or RSA keys of \
                 {MIN_RSA_BITS} bits or more"
            ),
            KeyRefusal::RsaSize(bits) if *bits < MIN_RSA_BITS => write!(
                f,
                "the RSA key has {bits} bits; saraban needs at least {MIN_RSA_BITS}"
            ),
            KeyRefusal::RsaSize(bits) => write!(
                f,
                "the RSA key has {bits} bits; saraban takes at most {MAX_RSA_BITS}"
            ),
            KeyRefusal::Malformed(reason) => write!(f, "it cannot be read: {reason}"),
        }
    }
}

/// The number of bits of a big-endian unsigned integer.
pub(crate) fn bit_length(bytes: &[u8]) -> usize {
    let trimmed = match bytes.iter().position(|&byte| byte != 0) {
        Some(start) => &bytes[start..],
        None => return 0,
    };
    trimmed.len() * 8 - trimmed[0].leading_zeros() as usize
}

/// A key's algorithm for a person: "an ECDSA key on the curve secp384r1
/// (1.3.132.0.34)", "an Ed25519 key".
pub(crate) fn key_algorithm_name(
    algorithm: &der::asn1::ObjectIdentifier,
    curve: Option<&der::asn1::ObjectIdentifier>,
) -> String {
    const ID_ED25519: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.3.101.112");
    const ID_ED448: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.3.101.113");
    const ID_DSA: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
    let name = |oid: &der::asn1::ObjectIdentifier| {
        const_oid::db::DB
            .by_oid(oid)
            .map_or_else(|| oid.to_string(), |name| format!("{name} ({oid})"))
    };
    match (*algorithm, curve) {
        (oid::ID_EC_PUBLIC_KEY, Some(curve)) => {
            format!("an ECDSA key on the curve {}", name(curve))
        }
        (ID_ED25519, _) => "an Ed25519 key".into(),
        (ID_ED448, _) => "an Ed448 key".into(),
        (ID_DSA, _) => "a DSA key".into(),
        (oid::ID_RSASSA_PSS, _) => "an RSA-PSS key (id-RSASSA-PSS)".into(),
        _ => format!("a key of the algorithm {}", name(algorithm)),
    }
}

impl SealKey {
    /// The key of a PKCS#8 PrivateKeyInfo (DER), if a seal can use it.
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyRefusal> {
        let info =
            PrivateKeyInfoRef::from_der(der).map_err(|e| KeyRefusal::Malformed(e.to_string()))?;
        let algorithm = info.algorithm.oid;
        if algorithm == oid::ID_EC_PUBLIC_KEY {
            let curve =
                info.algorithm.parameters.as_ref().and_then(|parameters| {
                    parameters.decode_as::<der::asn1::ObjectIdentifier>().ok()
                });
            if curve.is_some_and(|curve| curve != oid::SECP256R1) {
                return Err(KeyRefusal::Unsupported(key_algorithm_name(
                    &algorithm,
                    curve.as_ref(),
                )));
            }
            return SigningKey::from_pkcs8_der(der)
                .map(SealKey::P256)
                .map_err(|e| KeyRefusal::Malformed(e.to_string()));
        }
        if algorithm == oid::RSA_ENCRYPTION {
            return rsa_from_pkcs1_der(info.private_key.as_bytes());
        }
        Err(KeyRefusal::Unsupported(key_algorithm_name(
            &algorithm, None,
        )))
    }

    /// The key as PKCS#8 DER ("PRIVATE KEY").
    fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, IdentityError> {
        match self {
            SealKey::P256(key) => key.to_pkcs8_pem(LineEnding::LF),
            SealKey::Rsa(key) => {
                let private: &rsa::PrivateKey = key.as_ref().as_ref();
                private.to_pkcs8_pem(LineEnding::LF)
            }
        }
        .map_err(|e| IdentityError::PrivateKey(e.to_string()))
    }

    /// "ECDSA P-256" or "RSA-3072".
    pub fn algorithm(&self) -> String {
        match self {
            SealKey::P256(_) => "ECDSA P-256".into(),
            SealKey::Rsa(key) => format!("RSA-{}", rsa_bits(key)),
        }
    }

    /// The most bytes a signature by this key takes (DER ECDSA, or the RSA
    /// modulus' length).
    pub(crate) fn max_signature_len(&self) -> usize {
        match self {
            SealKey::P256(_) => 72,
            SealKey::Rsa(key) => {
                let private: &rsa::PrivateKey = key.as_ref().as_ref();
                private.size()
            }
        }
    }
}

fn rsa_bits(key: &rsa::pkcs1v15::SigningKey<rsa::sha2::Sha256>) -> usize {
    let private: &rsa::PrivateKey = key.as_ref();
    bit_length(&private.n_bytes())
}

/// An RSA key from a PKCS#1 RSAPrivateKey (DER), its size checked first so
/// that a small key is refused naming its size.
fn rsa_from_pkcs1_der(der: &[u8]) -> Result<SealKey, KeyRefusal> {
    let parts = rsa::pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|e| KeyRefusal::Malformed(e.to_string()))?;
    let bits = bit_length(parts.modulus.as_bytes());
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(KeyRefusal::RsaSize(bits));
    }
    // The structure is sound (no noise from a wrong password): what `rsa`
    // refuses is a key of a kind it does not take (more than two primes, a
    // public exponent over 2^33).
    let key = rsa::PrivateKey::from_pkcs1_der(der).map_err(|e| {
        KeyRefusal::Unsupported(format!(
            "an RSA key saraban cannot use (multi-prime, or an unusual public exponent: {e})"
        ))
    })?;
    Ok(SealKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key))))
}

/// An organisation's own certificate authority: it signs the organisation's
/// signing certificates, and its certificate is what verifiers trust.
pub struct CaIdentity {
    key: SigningKey,
    certificate: Certificate,
}

/// A private key with its certificate chain: the signing certificate first,
/// then the certificates that issued it, up to the authority.
pub struct SigningIdentity {
    key: SealKey,
    chain: Vec<Certificate>,
}

impl fmt::Debug for CaIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaIdentity")
            .field("certificate", &describe(&self.certificate))
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("key", &self.key.algorithm())
            .field("certificate", &describe(self.certificate()))
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// The facts of a certificate a person is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub subject_cn: String,
    pub issuer_cn: String,
    /// Lower-case hex, no separators.
    pub serial_hex: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// SHA-256 of the certificate's DER, lower-case hex.
    pub sha256_fingerprint: String,
}

/// The facts of `certificate` a person is shown.
pub fn describe(certificate: &Certificate) -> CertificateInfo {
    let tbs = certificate.tbs_certificate();
    let der = certificate.to_der().unwrap_or_default();
    CertificateInfo {
        subject_cn: common_name(tbs.subject()),
        issuer_cn: common_name(tbs.issuer()),
        serial_hex: hex(tbs.serial_number().as_bytes()),
        not_before: to_chrono(&tbs.validity().not_before),
        not_after: to_chrono(&tbs.validity().not_after),
        sha256_fingerprint: hex(&Sha256::digest(&der)),
    }
}

/// The first common name of `name`, or "" if it has none.
pub(crate) fn common_name(name: &Name) -> String {
    name.common_name()
        .ok()
        .flatten()
        .map(|cn| cn.value().into_owned())
        .unwrap_or_default()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn to_chrono(time: &Time) -> DateTime<Utc> {
    let since_epoch = time.to_unix_duration();
    DateTime::from_timestamp(since_epoch.as_secs() as i64, 0).unwrap_or_default()
}

fn to_x509_time(time: DateTime<Utc>) -> Result<Time, IdentityError> {
    let seconds = u64::try_from(time.timestamp())
        .map_err(|_| IdentityError::Issue("a time before 1970".into()))?;
    let date_time = der::DateTime::from_unix_duration(Duration::from_secs(seconds))
        .map_err(|e| IdentityError::Issue(e.to_string()))?;
    Ok(Time::from(date_time))
}

/// Every certificate in a PEM text, in order.
pub fn certificates_from_pem(pem: &str) -> Result<Vec<Certificate>, IdentityError> {
    Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| IdentityError::Certificates(e.to_string()))
}

/// Certificates as PEM blocks, one after another.
pub fn certificates_to_pem(certificates: &[Certificate]) -> Result<String, IdentityError> {
    let mut pem = String::new();
    for certificate in certificates {
        pem.push_str(
            &certificate
                .to_pem(LineEnding::LF)
                .map_err(|e| IdentityError::Certificates(e.to_string()))?,
        );
    }
    Ok(pem)
}

fn key_to_pem(key: &SigningKey) -> Result<Zeroizing<String>, IdentityError> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| IdentityError::PrivateKey(e.to_string()))
}

fn key_from_pem(pem: &str) -> Result<SigningKey, IdentityError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| IdentityError::PrivateKey(e.to_string()))
}

/// A seal's key from PEM: PKCS#8 ("PRIVATE KEY"), or an RSA key as PKCS#1
/// ("RSA PRIVATE KEY"), as some CAs hand them over.
fn seal_key_from_pem(pem: &str) -> Result<SealKey, IdentityError> {
    let (label, der) = der::pem::decode_vec(pem.trim().as_bytes())
        .map_err(|e| IdentityError::PrivateKey(format!("the PEM cannot be read: {e}")))?;
    let der = Zeroizing::new(der);
    let key = match label {
        "PRIVATE KEY" => SealKey::from_pkcs8_der(&der),
        "RSA PRIVATE KEY" => rsa_from_pkcs1_der(&der),
        other => {
            return Err(IdentityError::PrivateKey(format!(
                "a PEM \"{other}\" block is not a private key saraban reads (PKCS#8 \
                 \"PRIVATE KEY\", or \"RSA PRIVATE KEY\")"
            )));
        }
    };
    key.map_err(|refusal| IdentityError::PrivateKey(refusal.to_string()))
}

/// Whether `certificate` certifies the public half of `key`.
pub(crate) fn certifies(certificate: &Certificate, key: &SealKey) -> bool {
    match key {
        SealKey::P256(key) => certifies_p256(certificate, key),
        // An RSA key is compared by its numbers, whatever the DER of the
        // certificate's key (absent or NULL parameters).
        SealKey::Rsa(key) => {
            let private: &rsa::PrivateKey = key.as_ref().as_ref();
            let spki = certificate.tbs_certificate().subject_public_key_info();
            spki.to_der()
                .ok()
                .and_then(|der| {
                    rsa::PublicKey::try_from(SubjectPublicKeyInfoRef::from_der(&der).ok()?).ok()
                })
                .is_some_and(|public| public == private.to_public_key())
        }
    }
}

fn certifies_p256(certificate: &Certificate, key: &SigningKey) -> bool {
    let Ok(public) = VerifyingKey::from(key).to_public_key_der() else {
        return false;
    };
    certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .is_ok_and(|der| der == public.as_bytes())
}

/// A new organisation CA and a signing certificate it issued, both for the
/// organisation named `org_name` (its Thai name) with saraban id `org_id`.
pub fn self_issued(
    org_name: &str,
    org_id: &str,
    now: DateTime<Utc>,
) -> Result<(CaIdentity, SigningIdentity), IdentityError> {
    let authority = CaIdentity::new(org_name, org_id, now)?;
    let signer = authority.issue_signing_identity(org_name, org_id, now)?;
    Ok((authority, signer))
}

impl CaIdentity {
    /// A new self-signed authority for the organisation.
    pub fn new(org_name: &str, org_id: &str, now: DateTime<Utc>) -> Result<Self, IdentityError> {
        let key = new_key()?;
        let subject = organisation_name(&format!("{org_name} CA"), org_name, org_id)?;
        let profile = OrganisationProfile {
            subject: subject.clone(),
            issuer: subject,
            role: Role::Authority,
        };
        let certificate = issue(
            profile,
            &key,
            VerifyingKey::from(&key),
            now,
            AUTHORITY_YEARS,
        )?;
        Ok(Self { key, certificate })
    }

    /// A new signing key with a certificate from this authority.
    pub fn issue_signing_identity(
        &self,
        org_name: &str,
        org_id: &str,
        now: DateTime<Utc>,
    ) -> Result<SigningIdentity, IdentityError> {
        let key = new_key()?;
        let profile = OrganisationProfile {
            subject: organisation_name(org_name, org_name, org_id)?,
            issuer: self.certificate.tbs_certificate().subject().clone(),
            role: Role::Signer,
        };
        let certificate = issue(
            profile,
            &self.key,
            VerifyingKey::from(&key),
            now,
            SIGNER_YEARS,
        )?;
        Ok(SigningIdentity {
            key: SealKey::P256(key),
            chain: vec![certificate, self.certificate.clone()],
        })
    }

    /// The authority's certificate: what verifiers are told to trust.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The private key (PKCS#8 "PRIVATE KEY") and the certificate
    /// ("CERTIFICATE"), as PEM.
    pub fn to_pem(&self) -> Result<(Zeroizing<String>, String), IdentityError> {
        Ok((
            key_to_pem(&self.key)?,
            certificates_to_pem(std::slice::from_ref(&self.certificate))?,
        ))
    }

    /// Read back what [`CaIdentity::to_pem`] wrote.
    pub fn from_pem(key_pem: &str, certificate_pem: &str) -> Result<Self, IdentityError> {
        let key = key_from_pem(key_pem)?;
        let certificate = certificates_from_pem(certificate_pem)?
            .into_iter()
            .next()
            .ok_or(IdentityError::EmptyChain)?;
        if !certifies_p256(&certificate, &key) {
            return Err(IdentityError::KeyDoesNotMatchCertificate);
        }
        Ok(Self { key, certificate })
    }
}

impl SigningIdentity {
    /// A key and its chain (signing certificate first). Refused if the key is
    /// not the one the first certificate certifies.
    pub fn new(key: SealKey, chain: Vec<Certificate>) -> Result<Self, IdentityError> {
        let leaf = chain.first().ok_or(IdentityError::EmptyChain)?;
        if !certifies(leaf, &key) {
            return Err(IdentityError::KeyDoesNotMatchCertificate);
        }
        Ok(Self { key, chain })
    }

    /// Read a PEM private key (PKCS#8, P-256 or RSA; or PKCS#1 RSA) and a
    /// PEM chain, signing certificate first.
    pub fn from_pem(key_pem: &str, chain_pem: &str) -> Result<Self, IdentityError> {
        Self::new(
            seal_key_from_pem(key_pem)?,
            certificates_from_pem(chain_pem)?,
        )
    }

    /// The private key (PKCS#8 "PRIVATE KEY") and the chain ("CERTIFICATE"
    /// blocks, signing certificate first), as PEM.
    pub fn to_pem(&self) -> Result<(Zeroizing<String>, String), IdentityError> {
        Ok((self.key.to_pkcs8_pem()?, certificates_to_pem(&self.chain)?))
    }

    /// The private key: P-256 or RSA.
    pub fn key(&self) -> &SealKey {
        &self.key
    }

    /// The signing certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.chain[0]
    }

    /// The signing certificate, then the certificates that issued it.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The facts of the signing certificate a person is shown.
    pub fn describe(&self) -> CertificateInfo {
        describe(self.certificate())
    }

    /// A signature over `message` with SHA-256: DER ECDSA, or RSA
    /// PKCS#1 v1.5.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        match &self.key {
            SealKey::P256(key) => {
                let signature: DerSignature = key.try_sign(message)?;
                Ok(signature.as_bytes().to_vec())
            }
            SealKey::Rsa(key) => {
                let signature: rsa::pkcs1v15::Signature = key.try_sign(message)?;
                Ok(signature.to_vec())
            }
        }
    }

    /// The CMS signatureAlgorithm of [`SigningIdentity::sign`]:
    /// ecdsa-with-SHA256, or sha256WithRSAEncryption.
    pub(crate) fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match &self.key {
            SealKey::P256(_) => oid::ecdsa_with_sha256(),
            SealKey::Rsa(_) => oid::sha256_with_rsa_encryption(),
        }
    }
}

fn new_key() -> Result<SigningKey, IdentityError> {
    SigningKey::try_generate().map_err(|e| IdentityError::Random(e.to_string()))
}

/// CN = `common_name`, O = `organisation`, organizationIdentifier =
/// `org_id`, each a UTF8String (Thai names need it).
fn organisation_name(
    common_name: &str,
    organisation: &str,
    org_id: &str,
) -> Result<Name, IdentityError> {
    let mut rdns = RdnSequence::default();
    for (attribute, text) in [
        (oid::ORGANIZATION_IDENTIFIER, org_id),
        (oid::ORGANIZATION, organisation),
        (oid::COMMON_NAME, common_name),
    ] {
        let value = Utf8StringRef::new(text)
            .and_then(|text| Any::encode_from(&text))
            .map_err(|e| IdentityError::Issue(e.to_string()))?;
        let mut rdn = RelativeDistinguishedName::default();
        rdn.insert(AttributeTypeAndValue {
            oid: attribute,
            value,
        })
        .map_err(|e| IdentityError::Issue(e.to_string()))?;
        rdns.push(rdn);
    }
    // Name has no public constructor from an RdnSequence without the
    // `hazmat` feature; the DER of both is the same.
    let der = rdns
        .to_der()
        .map_err(|e| IdentityError::Issue(e.to_string()))?;
    Name::from_der(&der).map_err(|e| IdentityError::Issue(e.to_string()))
}

fn random_serial() -> Result<SerialNumber, IdentityError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| IdentityError::Random(e.to_string()))?;
    // Positive, and with a non-zero first byte so that the DER keeps all 16.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(|e| IdentityError::Issue(e.to_string()))
}

fn issue(
    profile: OrganisationProfile,
    issuer_key: &SigningKey,
    subject_key: VerifyingKey,
    now: DateTime<Utc>,
    years: i64,
) -> Result<Certificate, IdentityError> {
    let not_before = now - CLOCK_SKEW;
    let not_after = now + TimeDelta::days(365 * years + years / 4);
    let validity = Validity::new(to_x509_time(not_before)?, to_x509_time(not_after)?);
    let public_key = SubjectPublicKeyInfoOwned::from_key(&subject_key)
        .map_err(|e| IdentityError::Issue(e.to_string()))?;
    let builder = CertificateBuilder::new(profile, random_serial()?, validity, public_key)
        .map_err(|e| IdentityError::Issue(e.to_string()))?;
    builder
        .build::<_, DerSignature>(&EcdsaSha256Signer(issuer_key))
        .map_err(|e| IdentityError::Issue(e.to_string()))
}

/// A P-256 key that names its algorithm ecdsa-with-SHA256 itself: p256's
/// own naming needs sha2 0.11's `oid` feature, which nothing else here
/// wants.
struct EcdsaSha256Signer<'a>(&'a SigningKey);

impl Keypair for EcdsaSha256Signer<'_> {
    type VerifyingKey = VerifyingKey;

    fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::from(self.0)
    }
}

impl DynSignatureAlgorithmIdentifier for EcdsaSha256Signer<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(oid::ecdsa_with_sha256())
    }
}

impl Signer<DerSignature> for EcdsaSha256Signer<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<DerSignature, signature::Error> {
        self.0.try_sign(message)
    }
}

enum Role {
    Authority,
    Signer,
}

/// The extensions of saraban's two kinds of certificate.
struct OrganisationProfile {
    subject: Name,
    issuer: Name,
    role: Role,
}

impl BuilderProfile for OrganisationProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        subject_key: SubjectPublicKeyInfoRef<'_>,
        issuer_key: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let (constraints, usages) = match self.role {
            Role::Authority => (
                BasicConstraints {
                    ca: true,
                    path_len_constraint: Some(0),
                },
                KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            ),
            Role::Signer => (
                BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
        };
        let subject = tbs.subject();
        let mut extensions = Vec::new();
        let basic = (true, &constraints).to_extension(subject, &extensions)?;
        extensions.push(basic);
        let usage = KeyUsage(usages).to_extension(subject, &extensions)?;
        extensions.push(usage);
        let subject_key_id =
            SubjectKeyIdentifier::try_from(subject_key)?.to_extension(subject, &extensions)?;
        extensions.push(subject_key_id);
        let authority_key_id =
            AuthorityKeyIdentifier::try_from(issuer_key)?.to_extension(subject, &extensions)?;
        extensions.push(authority_key_id);
        Ok(extensions)
    }
}
