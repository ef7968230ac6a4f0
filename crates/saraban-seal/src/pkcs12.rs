//! An organisation's key and certificate chain from a PKCS#12 file (.p12 or
//! .pfx, RFC 7292), as a certificate authority hands them over.
//!
//! Read: what OpenSSL 3 writes by default (PBES2 with PBKDF2-HMAC-SHA-256
//! and AES-256-CBC for the shrouded key bag and for the encrypted
//! certificate bags, an HMAC-SHA-256 MAC keyed by the PKCS#12 KDF), PBES2
//! with any HMAC-SHA PRF, AES-128/192/256-CBC or DES-EDE3-CBC, and the
//! legacy PKCS#12 PBE of `openssl pkcs12 -legacy` and older tools
//! (pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd2-KeyTripleDES-CBC,
//! pbeWithSHAAnd128BitRC2-CBC, pbeWithSHAAnd40BitRC2-CBC) with a SHA-1 MAC.
//! Not read (an [`Pkcs12Error::Unsupported`] naming it): RC4, PBMAC1, the
//! public-key modes (signedData, envelopedData), BER with indefinite lengths.
//!
//! The key: ECDSA P-256, or RSA of 2048 bits or more (PKCS#8 rsaEncryption);
//! any other is refused naming what it is, and a smaller RSA key naming its
//! size.
//!
//! The MAC is checked first, so a wrong password is told apart from a
//! damaged file; a file without a MAC has its password checked by the
//! decryption itself (the padding and the DER of what comes out).
//!
//! The password and everything derived from it or decrypted with it are
//! wiped when dropped, and no error names any of them.

use std::fmt;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, InnerIvInit, KeyInit};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use hmac::Mac;
use hmac::digest::Digest;
use hmac::digest::block_api::EagerHash;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::identity::{KeyRefusal, SealKey, SigningIdentity, certifies};

/// Why a PKCS#12 file gave no signing identity. No message names the
/// password or anything of the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Pkcs12Error {
    #[error("the password is wrong: the PKCS#12 file does not open with it")]
    WrongPassword,
    #[error("this is not a PKCS#12 (.p12/.pfx) file, or it is damaged")]
    NotPkcs12,
    #[error("the PKCS#12 file holds no private key (was it exported with its key?)")]
    NoKey,
    #[error("the PKCS#12 file holds no certificate")]
    NoCertificate,
    #[error("the private key in the PKCS#12 file is not the key of any certificate in it")]
    KeyMismatch,
    #[error(
        "the private key in the PKCS#12 file is {0}; saraban seals with ECDSA P-256 \
         (prime256v1) keys or RSA keys of 2048 bits or more: ask the certificate \
         authority for one of those"
    )]
    UnsupportedKey(String),
    #[error(
        "the private key in the PKCS#12 file is an RSA key of {0} bits; saraban needs \
         RSA keys of 2048 to 8192 bits: ask the certificate authority for a \
         2048-bit or larger key"
    )]
    RsaKeySize(usize),
    #[error("the PKCS#12 file uses {0}, which saraban does not read")]
    Unsupported(String),
}

/// More iterations than this are refused: a hostile file could otherwise keep
/// the process hashing for hours. OpenSSL writes 2048; NIST's advice for
/// PBKDF2-HMAC-SHA-256 is 600,000.
const MAX_ITERATIONS: u32 = 5_000_000;
/// Nested safeContentsBags deeper than this are refused.
const MAX_DEPTH: usize = 4;

impl SigningIdentity {
    /// The private key and certificate chain of a PKCS#12 file (.p12/.pfx)
    /// opened with `password`: the certificate of the key first, then the
    /// certificates that issued it in order (matched by subject and issuer
    /// names), up to the last one the file holds. Certificates the chain
    /// does not reach are left out.
    pub fn from_pkcs12(bytes: &[u8], password: &str) -> Result<Self, Pkcs12Error> {
        let contents = open(bytes, password)?;
        identity_of(contents)
    }
}

/// Keys and certificates found in a file.
#[derive(Default)]
struct Contents {
    keys: Vec<SealKey>,
    /// Why the first key a seal cannot use was refused.
    refused: Option<Pkcs12Error>,
    certificates: Vec<Certificate>,
}

fn identity_of(contents: Contents) -> Result<SigningIdentity, Pkcs12Error> {
    if contents.keys.is_empty() {
        return Err(contents.refused.unwrap_or(Pkcs12Error::NoKey));
    }
    if contents.certificates.is_empty() {
        return Err(Pkcs12Error::NoCertificate);
    }
    let mut certificates = contents.certificates;
    for key in contents.keys {
        // If several certificates carry the key (a renewal), the one valid
        // longest.
        let leaf = certificates
            .iter()
            .enumerate()
            .filter(|(_, certificate)| certifies(certificate, &key))
            .max_by_key(|(_, certificate)| {
                certificate
                    .tbs_certificate()
                    .validity()
                    .not_after
                    .to_unix_duration()
            })
            .map(|(index, _)| index);
        if let Some(index) = leaf {
            let leaf = certificates.swap_remove(index);
            let chain = order_chain(leaf, certificates);
            return SigningIdentity::new(key, chain).map_err(|_| Pkcs12Error::KeyMismatch);
        }
    }
    Err(Pkcs12Error::KeyMismatch)
}

/// `leaf`, then the certificate whose subject is its issuer, and so on until
/// a self-issued certificate or one whose issuer is not among `others`.
fn order_chain(leaf: Certificate, mut others: Vec<Certificate>) -> Vec<Certificate> {
    let mut chain = vec![leaf];
    while let Some(tbs) = chain.last().map(Certificate::tbs_certificate) {
        if tbs.issuer() == tbs.subject() {
            break;
        }
        let issuer = tbs.issuer();
        let Some(index) = others
            .iter()
            .position(|c| c.tbs_certificate().subject() == issuer)
        else {
            break;
        };
        chain.push(others.swap_remove(index));
    }
    chain
}

// --- The file's structures (RFC 7292 section 4, RFC 8018 appendix A) ---

/// PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo,
/// macData MacData OPTIONAL }
#[derive(Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    mac_data: Option<MacData>,
}

/// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
#[derive(Sequence)]
struct ContentInfo {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    content: Any,
}

/// MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING,
/// iterations INTEGER DEFAULT 1 }
#[derive(Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    iterations: Option<u32>,
}

/// DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier,
/// digest OCTET STRING }
#[derive(Sequence)]
struct DigestInfo {
    digest_algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

/// EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo }
#[derive(Sequence)]
struct EncryptedData {
    version: u8,
    encrypted_content_info: EncryptedContentInfo,
}

/// EncryptedContentInfo ::= SEQUENCE { contentType OID,
/// contentEncryptionAlgorithm AlgorithmIdentifier,
/// encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }
#[derive(Sequence)]
struct EncryptedContentInfo {
    content_type: ObjectIdentifier,
    algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    encrypted_content: Option<OctetString>,
}

/// SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY,
/// bagAttributes SET OF PKCS12Attribute OPTIONAL }
#[derive(Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    bag_attributes: Option<Any>,
}

/// CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT ANY }
#[derive(Sequence)]
struct CertBag {
    cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    cert_value: Any,
}

/// EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm
/// AlgorithmIdentifier, encryptedData OCTET STRING }
#[derive(Sequence)]
struct EncryptedPrivateKeyInfo {
    algorithm: AlgorithmIdentifierOwned,
    encrypted_data: OctetString,
}

/// PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier,
/// encryptionScheme AlgorithmIdentifier }
#[derive(Sequence)]
struct Pbes2Params {
    key_derivation_func: AlgorithmIdentifierOwned,
    encryption_scheme: AlgorithmIdentifierOwned,
}

/// PBKDF2-params ::= SEQUENCE { salt OCTET STRING (the `specified` choice),
/// iterationCount INTEGER, keyLength INTEGER OPTIONAL,
/// prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
#[derive(Sequence)]
struct Pbkdf2Params {
    salt: OctetString,
    iteration_count: u32,
    key_length: Option<u32>,
    prf: Option<AlgorithmIdentifierOwned>,
}

/// pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
#[derive(Sequence)]
struct Pkcs12PbeParams {
    salt: OctetString,
    iterations: u32,
}

// --- Object identifiers ---

const fn oid(text: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(text)
}

const ID_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.2");
const ID_ENVELOPED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.3");
const ID_ENCRYPTED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.6");

const KEY_BAG: ObjectIdentifier = oid("1.2.840.113549.1.12.10.1.1");
const PKCS8_SHROUDED_KEY_BAG: ObjectIdentifier = oid("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = oid("1.2.840.113549.1.12.10.1.3");
const SAFE_CONTENTS_BAG: ObjectIdentifier = oid("1.2.840.113549.1.12.10.1.6");
const X509_CERTIFICATE: ObjectIdentifier = oid("1.2.840.113549.1.9.22.1");

const PBE_SHA1_RC4_128: ObjectIdentifier = oid("1.2.840.113549.1.12.1.1");
const PBE_SHA1_RC4_40: ObjectIdentifier = oid("1.2.840.113549.1.12.1.2");
const PBE_SHA1_3DES_3KEY: ObjectIdentifier = oid("1.2.840.113549.1.12.1.3");
const PBE_SHA1_3DES_2KEY: ObjectIdentifier = oid("1.2.840.113549.1.12.1.4");
const PBE_SHA1_RC2_128: ObjectIdentifier = oid("1.2.840.113549.1.12.1.5");
const PBE_SHA1_RC2_40: ObjectIdentifier = oid("1.2.840.113549.1.12.1.6");

const PBES2: ObjectIdentifier = oid("1.2.840.113549.1.5.13");
const PBKDF2: ObjectIdentifier = oid("1.2.840.113549.1.5.12");
const PBMAC1: ObjectIdentifier = oid("1.2.840.113549.1.5.14");
const SCRYPT: ObjectIdentifier = oid("1.3.6.1.4.1.11591.4.11");

const HMAC_WITH_SHA1: ObjectIdentifier = oid("1.2.840.113549.2.7");
const HMAC_WITH_SHA224: ObjectIdentifier = oid("1.2.840.113549.2.8");
const HMAC_WITH_SHA256: ObjectIdentifier = oid("1.2.840.113549.2.9");
const HMAC_WITH_SHA384: ObjectIdentifier = oid("1.2.840.113549.2.10");
const HMAC_WITH_SHA512: ObjectIdentifier = oid("1.2.840.113549.2.11");

const AES_128_CBC: ObjectIdentifier = oid("2.16.840.1.101.3.4.1.2");
const AES_192_CBC: ObjectIdentifier = oid("2.16.840.1.101.3.4.1.22");
const AES_256_CBC: ObjectIdentifier = oid("2.16.840.1.101.3.4.1.42");
const DES_EDE3_CBC: ObjectIdentifier = oid("1.2.840.113549.3.7");

const ID_SHA1: ObjectIdentifier = oid("1.3.14.3.2.26");
const ID_SHA224: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.4");
const ID_SHA256: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.3");

/// An algorithm's name for a person, with its OID.
fn algorithm_name(oid: &ObjectIdentifier) -> String {
    let name = match *oid {
        PBE_SHA1_RC4_128 => Some("pbeWithSHAAnd128BitRC4"),
        PBE_SHA1_RC4_40 => Some("pbeWithSHAAnd40BitRC4"),
        PBMAC1 => Some("PBMAC1"),
        SCRYPT => Some("scrypt"),
        ID_SIGNED_DATA => Some("the public-key integrity mode (signedData)"),
        ID_ENVELOPED_DATA => Some("the public-key privacy mode (envelopedData)"),
        _ => const_oid::db::DB.by_oid(oid),
    };
    match name {
        Some(name) => format!("{name} ({oid})"),
        None => format!("the algorithm {oid}"),
    }
}

fn unsupported(oid: &ObjectIdentifier) -> Pkcs12Error {
    Pkcs12Error::Unsupported(algorithm_name(oid))
}

fn malformed(_: der::Error) -> Pkcs12Error {
    Pkcs12Error::NotPkcs12
}

// --- Opening the file ---

/// The password in the two forms PKCS#12 uses: its UTF-8 bytes (PBES2's
/// PBKDF2) and a BMPString with two zero bytes after it (the PKCS#12 KDF
/// of the MAC and the legacy PBE).
struct Password {
    utf8: Zeroizing<Vec<u8>>,
    bmp: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    fn new(password: &str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(2 * password.len() + 2));
        for unit in password.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        Self {
            utf8: Zeroizing::new(password.as_bytes().to_vec()),
            bmp,
        }
    }

    /// OpenSSL's "no password": no BMPString at all, not even the two
    /// zero bytes. OpenSSL tries it when given an empty password.
    fn absent() -> Self {
        Self {
            utf8: Zeroizing::new(Vec::new()),
            bmp: Zeroizing::new(Vec::new()),
        }
    }
}

fn open(bytes: &[u8], password: &str) -> Result<Contents, Pkcs12Error> {
    // A SEQUENCE of indefinite length: BER, which DER does not allow.
    if bytes.starts_with(&[0x30, 0x80]) {
        return Err(Pkcs12Error::Unsupported(
            "BER with indefinite lengths (export the file again with OpenSSL)".into(),
        ));
    }
    let pfx = Pfx::from_der(bytes).map_err(malformed)?;
    if pfx.version != 3 {
        return Err(Pkcs12Error::NotPkcs12);
    }
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(unsupported(&pfx.auth_safe.content_type));
    }
    let auth_safe = pfx
        .auth_safe
        .content
        .decode_as::<OctetString>()
        .map_err(malformed)?;
    let auth_safe = auth_safe.as_bytes();

    let password = match &pfx.mac_data {
        Some(mac_data) => {
            let mut candidates = vec![Password::new(password)];
            if password.is_empty() {
                candidates.push(Password::absent());
            }
            let mut opened = None;
            for candidate in candidates {
                if mac_holds(mac_data, &candidate, auth_safe)? {
                    opened = Some(candidate);
                    break;
                }
            }
            opened.ok_or(Pkcs12Error::WrongPassword)?
        }
        None => Password::new(password),
    };

    let mut contents = Contents::default();
    let safes = Vec::<ContentInfo>::from_der(auth_safe).map_err(malformed)?;
    for safe in safes {
        match safe.content_type {
            ID_DATA => {
                let data = safe.content.decode_as::<OctetString>().map_err(malformed)?;
                read_safe_contents(data.as_bytes(), &password, &mut contents, 0)
                    .map_err(|e| e.or_malformed(Pkcs12Error::NotPkcs12))?;
            }
            ID_ENCRYPTED_DATA => {
                let encrypted = safe
                    .content
                    .decode_as::<EncryptedData>()
                    .map_err(malformed)?;
                let info = encrypted.encrypted_content_info;
                if encrypted.version > 2 || info.content_type != ID_DATA {
                    return Err(Pkcs12Error::NotPkcs12);
                }
                let Some(ciphertext) = info.encrypted_content else {
                    continue;
                };
                let plaintext = decrypt(&info.algorithm, &password, ciphertext.as_bytes())?;
                // What a wrong password decrypts to is noise.
                read_safe_contents(&plaintext, &password, &mut contents, 0)
                    .map_err(|e| e.or_malformed(Pkcs12Error::WrongPassword))?;
            }
            other => return Err(unsupported(&other)),
        }
    }
    Ok(contents)
}

/// A failure while reading bags: malformed DER (told by the caller: damage,
/// or noise from a wrong password) or a definite error.
enum BagError {
    Malformed,
    Definite(Pkcs12Error),
}

impl BagError {
    fn or_malformed(self, malformed: Pkcs12Error) -> Pkcs12Error {
        match self {
            BagError::Malformed => malformed,
            BagError::Definite(error) => error,
        }
    }
}

impl From<der::Error> for BagError {
    fn from(_: der::Error) -> Self {
        BagError::Malformed
    }
}

impl From<Pkcs12Error> for BagError {
    fn from(error: Pkcs12Error) -> Self {
        BagError::Definite(error)
    }
}

/// SafeContents ::= SEQUENCE OF SafeBag
fn read_safe_contents(
    der: &[u8],
    password: &Password,
    contents: &mut Contents,
    depth: usize,
) -> Result<(), BagError> {
    if depth > MAX_DEPTH {
        return Err(BagError::Malformed);
    }
    for bag in Vec::<SafeBag>::from_der(der)? {
        match bag.bag_id {
            KEY_BAG => {
                let key_der = Zeroizing::new(bag.bag_value.to_der()?);
                read_key(&key_der, contents)?;
            }
            PKCS8_SHROUDED_KEY_BAG => {
                let shrouded = bag.bag_value.decode_as::<EncryptedPrivateKeyInfo>()?;
                let key_der = decrypt(
                    &shrouded.algorithm,
                    password,
                    shrouded.encrypted_data.as_bytes(),
                )?;
                // Noise from a wrong password (where no MAC said so).
                read_key(&key_der, contents)
                    .map_err(|e| BagError::Definite(e.or_malformed(Pkcs12Error::WrongPassword)))?;
            }
            CERT_BAG => {
                let cert_bag = bag.bag_value.decode_as::<CertBag>()?;
                // Other kinds (SDSI certificates) are not for us.
                if cert_bag.cert_id == X509_CERTIFICATE {
                    let der = cert_bag.cert_value.decode_as::<OctetString>()?;
                    contents
                        .certificates
                        .push(Certificate::from_der(der.as_bytes())?);
                }
            }
            SAFE_CONTENTS_BAG => {
                read_safe_contents(&bag.bag_value.to_der()?, password, contents, depth + 1)?;
            }
            // CRLs, secrets: not needed to seal.
            _ => {}
        }
    }
    Ok(())
}

/// A PKCS#8 PrivateKeyInfo: a P-256 or RSA key is kept, why any other is
/// refused noted.
fn read_key(der: &[u8], contents: &mut Contents) -> Result<(), BagError> {
    match SealKey::from_pkcs8_der(der) {
        Ok(key) => contents.keys.push(key),
        Err(KeyRefusal::Malformed(_)) => return Err(BagError::Malformed),
        Err(KeyRefusal::RsaSize(bits)) => {
            contents
                .refused
                .get_or_insert(Pkcs12Error::RsaKeySize(bits));
        }
        Err(KeyRefusal::Unsupported(what)) => {
            contents
                .refused
                .get_or_insert(Pkcs12Error::UnsupportedKey(what));
        }
    }
    Ok(())
}

// --- The MAC ---

/// Whether the MAC over `auth_safe` holds under `password`.
fn mac_holds(
    mac_data: &MacData,
    password: &Password,
    auth_safe: &[u8],
) -> Result<bool, Pkcs12Error> {
    let algorithm = &mac_data.mac.digest_algorithm;
    let salt = mac_data.mac_salt.as_bytes();
    let iterations = iterations(mac_data.iterations.unwrap_or(1))?;
    let expected = mac_data.mac.digest.as_bytes();
    let bmp = &password.bmp;
    Ok(match algorithm.oid {
        ID_SHA1 => hmac_holds::<sha1::Sha1>(64, bmp, salt, iterations, auth_safe, expected),
        ID_SHA224 => hmac_holds::<pbe_sha2::Sha224>(64, bmp, salt, iterations, auth_safe, expected),
        ID_SHA256 => hmac_holds::<pbe_sha2::Sha256>(64, bmp, salt, iterations, auth_safe, expected),
        ID_SHA384 => {
            hmac_holds::<pbe_sha2::Sha384>(128, bmp, salt, iterations, auth_safe, expected)
        }
        ID_SHA512 => {
            hmac_holds::<pbe_sha2::Sha512>(128, bmp, salt, iterations, auth_safe, expected)
        }
        other => return Err(unsupported(&other)),
    })
}

/// HMAC-`D` keyed by the PKCS#12 KDF (ID 3), compared in constant time.
fn hmac_holds<D: EagerHash>(
    block_len: usize,
    password_bmp: &[u8],
    salt: &[u8],
    iterations: u32,
    message: &[u8],
    expected: &[u8],
) -> bool {
    let key = pkcs12_kdf::<D>(
        block_len,
        password_bmp,
        salt,
        KDF_MAC,
        iterations,
        <D as Digest>::output_size(),
    );
    let Ok(mut mac) = <hmac::Hmac<D> as KeyInit>::new_from_slice(&key) else {
        return false;
    };
    mac.update(message);
    mac.verify_slice(expected).is_ok()
}

fn iterations(count: u32) -> Result<u32, Pkcs12Error> {
    match count {
        0 => Err(Pkcs12Error::NotPkcs12),
        1..=MAX_ITERATIONS => Ok(count),
        _ => Err(Pkcs12Error::Unsupported(format!(
            "{count} iterations (at most {MAX_ITERATIONS} are accepted)"
        ))),
    }
}

/// The PKCS#12 KDF's purposes (RFC 7292 appendix B.3).
const KDF_KEY: u8 = 1;
const KDF_IV: u8 = 2;
const KDF_MAC: u8 = 3;

/// RFC 7292 appendix B.2: `out_len` bytes from the password (a BMPString
/// with its two zero bytes, or nothing), the salt and the purpose `id`,
/// with hash `D` whose input block is `block_len` bytes.
fn pkcs12_kdf<D: Digest>(
    block_len: usize,
    password_bmp: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    out_len: usize,
) -> Zeroizing<Vec<u8>> {
    let v = block_len;
    let u = <D as Digest>::output_size();
    // S and P: salt and password each repeated to a multiple of v bytes
    // (none if empty); I = S || P.
    let mut input = Zeroizing::new(Vec::new());
    for part in [salt, password_bmp] {
        if !part.is_empty() {
            let len = v * part.len().div_ceil(v);
            input.extend(part.iter().cycle().take(len));
        }
    }
    let diversifier = vec![id; v];
    let mut out = Zeroizing::new(Vec::with_capacity(out_len));
    let mut a = Zeroizing::new(vec![0u8; u]);
    let mut b = Zeroizing::new(vec![0u8; v]);
    loop {
        // A = H^r(D || I)
        a.copy_from_slice(
            &D::new()
                .chain_update(&diversifier)
                .chain_update(&*input)
                .finalize(),
        );
        for _ in 1..iterations {
            let next = D::digest(&*a);
            a.copy_from_slice(&next);
        }
        let take = (out_len - out.len()).min(u);
        out.extend_from_slice(&a[..take]);
        if out.len() == out_len {
            return out;
        }
        // B = A repeated to v bytes; each v-byte block of I becomes
        // (I_j + B + 1) mod 2^(8v).
        for (index, byte) in b.iter_mut().enumerate() {
            *byte = a[index % u];
        }
        for block in input.chunks_mut(v) {
            let mut carry = 1u16;
            for (i_byte, b_byte) in block.iter_mut().zip(b.iter()).rev() {
                let sum = u16::from(*i_byte) + u16::from(*b_byte) + carry;
                *i_byte = sum.to_le_bytes()[0];
                carry = sum >> 8;
            }
        }
    }
}

// --- Decryption ---

/// The plaintext of `ciphertext`, encrypted with `algorithm` (PBES2 or a
/// PKCS#12 PBE) under `password`. A padding that does not check is taken
/// as a wrong password.
fn decrypt(
    algorithm: &AlgorithmIdentifierOwned,
    password: &Password,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
    let parameters = || algorithm.parameters.as_ref().ok_or(Pkcs12Error::NotPkcs12);
    match algorithm.oid {
        PBES2 => {
            let params = parameters()?
                .decode_as::<Pbes2Params>()
                .map_err(malformed)?;
            decrypt_pbes2(&params, password, ciphertext)
        }
        PBE_SHA1_3DES_3KEY | PBE_SHA1_3DES_2KEY | PBE_SHA1_RC2_128 | PBE_SHA1_RC2_40 => {
            let params = parameters()?
                .decode_as::<Pkcs12PbeParams>()
                .map_err(malformed)?;
            let iterations = iterations(params.iterations)?;
            let salt = params.salt.as_bytes();
            let derive =
                |id, len| pkcs12_kdf::<sha1::Sha1>(64, &password.bmp, salt, id, iterations, len);
            let iv = derive(KDF_IV, 8);
            match algorithm.oid {
                PBE_SHA1_3DES_3KEY => {
                    let key = derive(KDF_KEY, 24);
                    cbc_decrypt(new_cipher::<des::TdesEde3>(&key)?, &iv, ciphertext)
                }
                PBE_SHA1_3DES_2KEY => {
                    let key = derive(KDF_KEY, 16);
                    cbc_decrypt(new_cipher::<des::TdesEde2>(&key)?, &iv, ciphertext)
                }
                PBE_SHA1_RC2_128 => {
                    let key = derive(KDF_KEY, 16);
                    cbc_decrypt(rc2::Rc2::new_with_eff_key_len(&key, 128), &iv, ciphertext)
                }
                _ => {
                    let key = derive(KDF_KEY, 5);
                    cbc_decrypt(rc2::Rc2::new_with_eff_key_len(&key, 40), &iv, ciphertext)
                }
            }
        }
        other => Err(unsupported(&other)),
    }
}

fn decrypt_pbes2(
    params: &Pbes2Params,
    password: &Password,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
    let kdf = &params.key_derivation_func;
    if kdf.oid != PBKDF2 {
        return Err(unsupported(&kdf.oid));
    }
    let pbkdf2_params = kdf
        .parameters
        .as_ref()
        .ok_or(Pkcs12Error::NotPkcs12)?
        .decode_as::<Pbkdf2Params>()
        .map_err(malformed)?;
    let scheme = &params.encryption_scheme;
    let key_len = match scheme.oid {
        AES_128_CBC => 16,
        AES_192_CBC => 24,
        AES_256_CBC => 32,
        DES_EDE3_CBC => 24,
        other => return Err(unsupported(&other)),
    };
    if pbkdf2_params
        .key_length
        .is_some_and(|len| usize::try_from(len) != Ok(key_len))
    {
        return Err(Pkcs12Error::NotPkcs12);
    }
    let iv = scheme
        .parameters
        .as_ref()
        .ok_or(Pkcs12Error::NotPkcs12)?
        .decode_as::<OctetString>()
        .map_err(malformed)?;
    let salt = pbkdf2_params.salt.as_bytes();
    let rounds = iterations(pbkdf2_params.iteration_count)?;
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    let prf = pbkdf2_params
        .prf
        .as_ref()
        .map_or(HMAC_WITH_SHA1, |prf| prf.oid);
    let pw = &password.utf8;
    match prf {
        HMAC_WITH_SHA1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, rounds, &mut key),
        HMAC_WITH_SHA224 => pbkdf2::pbkdf2_hmac::<pbe_sha2::Sha224>(pw, salt, rounds, &mut key),
        HMAC_WITH_SHA256 => pbkdf2::pbkdf2_hmac::<pbe_sha2::Sha256>(pw, salt, rounds, &mut key),
        HMAC_WITH_SHA384 => pbkdf2::pbkdf2_hmac::<pbe_sha2::Sha384>(pw, salt, rounds, &mut key),
        HMAC_WITH_SHA512 => pbkdf2::pbkdf2_hmac::<pbe_sha2::Sha512>(pw, salt, rounds, &mut key),
        other => return Err(unsupported(&other)),
    }
    let iv = iv.as_bytes();
    match scheme.oid {
        AES_128_CBC => cbc_decrypt(new_cipher::<aes::Aes128>(&key)?, iv, ciphertext),
        AES_192_CBC => cbc_decrypt(new_cipher::<aes::Aes192>(&key)?, iv, ciphertext),
        AES_256_CBC => cbc_decrypt(new_cipher::<aes::Aes256>(&key)?, iv, ciphertext),
        _ => cbc_decrypt(new_cipher::<des::TdesEde3>(&key)?, iv, ciphertext),
    }
}

fn new_cipher<C: KeyInit>(key: &[u8]) -> Result<C, Pkcs12Error> {
    C::new_from_slice(key).map_err(|_| Pkcs12Error::NotPkcs12)
}

/// CBC decryption with PKCS#7 padding. A bad padding: a wrong password.
fn cbc_decrypt<C: BlockCipherDecrypt>(
    cipher: C,
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
    let decryptor =
        cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(|_| Pkcs12Error::NotPkcs12)?;
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let len = decryptor
        .decrypt_padded::<Pkcs7>(&mut buffer)
        .map_err(|_| Pkcs12Error::WrongPassword)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The PKCS#12 KDF with SHA-1: the long-known vector (password "smeg",
    /// salt 0A58CF64530D823F, one iteration), which OpenSSL's PKCS12KDF
    /// gives too; the 24-byte key needs a second round.
    #[test]
    fn pkcs12_kdf_sha1_vectors() {
        let password = Password::new("smeg");
        let salt = hex("0A58CF64530D823F");
        let key = pkcs12_kdf::<sha1::Sha1>(64, &password.bmp, &salt, KDF_KEY, 1, 24);
        assert_eq!(
            *key,
            hex("8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3")
        );
        let iv = pkcs12_kdf::<sha1::Sha1>(64, &password.bmp, &salt, KDF_IV, 1, 8);
        assert_eq!(*iv, hex("79993DFE048D3B76"));
    }

    /// Vectors from OpenSSL, the oracle: `openssl kdf -keylen N -kdfopt
    /// digest:D -kdfopt hexpass:<BMPString> -kdfopt hexsalt:S -kdfopt iter:R
    /// -kdfopt id:ID PKCS12KDF`. A Thai password (UTF-16 beyond Latin-1),
    /// 2048 iterations as OpenSSL writes its MAC; and SHA-512 (128-byte
    /// blocks) with a salt longer than a block and a key over two outputs.
    #[test]
    fn pkcs12_kdf_matches_openssl() {
        let thai = Password::new("ทดสอบ");
        assert_eq!(*thai.bmp, hex("0e170e140e2a0e2d0e1a0000"));
        let mac_key = pkcs12_kdf::<pbe_sha2::Sha256>(
            64,
            &thai.bmp,
            &hex("0102030405060708"),
            KDF_MAC,
            2048,
            40,
        );
        assert_eq!(
            *mac_key,
            hex("61BFE42B79E2152174EA6EBC8F18828A4C4825D8ABDF152A93BCC7469D846E500582858AD60DE92F")
        );
        let salt: String = (1..=67).map(|n| format!("{n:02}")).collect();
        let key = pkcs12_kdf::<pbe_sha2::Sha512>(
            128,
            &Password::new("secret").bmp,
            &hex(&salt),
            KDF_KEY,
            3,
            100,
        );
        assert_eq!(
            *key,
            hex(concat!(
                "0D3D14954849E2A461CFD11EB558A340F1980270575482ECE02DA7A4B5B57DC4",
                "986B1273817012B955169A6F64434880F4FDE57B72F93D44C390C0FA24EDE545",
                "7E1DECCAEC4C4D9006ED7AF29B1E75745B9A17BB13AA31B57CDF864345F4AAAA",
                "045EC78A"
            ))
        );
    }

    #[test]
    fn password_as_bmp_string() {
        let password = Password::new("aé");
        assert_eq!(*password.bmp, vec![0, b'a', 0, 0xe9, 0, 0]);
        assert_eq!(*password.utf8, "aé".as_bytes());
        assert!(Password::absent().bmp.is_empty());
    }

    #[test]
    fn iteration_counts_are_bounded() {
        assert_eq!(iterations(0), Err(Pkcs12Error::NotPkcs12));
        assert_eq!(iterations(2048), Ok(2048));
        assert!(matches!(
            iterations(MAX_ITERATIONS + 1),
            Err(Pkcs12Error::Unsupported(_))
        ));
    }

    /// OpenSSL will not export a key with a certificate not its own, so the
    /// mismatch is made here.
    #[test]
    fn key_of_another_certificate_is_a_mismatch() {
        let now = chrono::Utc::now();
        let (_, signer) = crate::self_issued("A", "a", now).unwrap();
        let other_key = SealKey::P256(p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap());
        let contents = Contents {
            keys: vec![other_key],
            refused: None,
            certificates: signer.chain().to_vec(),
        };
        assert_eq!(identity_of(contents).unwrap_err(), Pkcs12Error::KeyMismatch);
    }

    /// The same for an RSA key: compared with the certificate's key by its
    /// numbers, it matches none.
    #[test]
    fn rsa_key_of_no_certificate_is_a_mismatch() {
        use rsa::Generate as _;
        let (_, signer) = crate::self_issued("A", "a", chrono::Utc::now()).unwrap();
        let key = rsa::PrivateKey::generate();
        let contents = Contents {
            keys: vec![SealKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)))],
            refused: None,
            certificates: signer.chain().to_vec(),
        };
        assert_eq!(identity_of(contents).unwrap_err(), Pkcs12Error::KeyMismatch);
    }

    /// The first key a seal cannot use is why the file gives none.
    #[test]
    fn a_refused_key_is_the_reason_when_no_key_is_usable() {
        let contents = Contents {
            keys: Vec::new(),
            refused: Some(Pkcs12Error::RsaKeySize(1024)),
            certificates: Vec::new(),
        };
        assert_eq!(
            identity_of(contents).unwrap_err(),
            Pkcs12Error::RsaKeySize(1024)
        );
    }

    #[test]
    fn not_a_pfx() {
        assert!(matches!(
            open(b"-----BEGIN CERTIFICATE-----", "x"),
            Err(Pkcs12Error::NotPkcs12)
        ));
        assert!(matches!(open(&[], "x"), Err(Pkcs12Error::NotPkcs12)));
        assert!(matches!(
            open(&[0x30, 0x80, 0x02, 0x01, 0x03], "x"),
            Err(Pkcs12Error::Unsupported(_))
        ));
    }
}
