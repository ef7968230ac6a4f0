//! The object identifiers a seal uses, named as their standards name them.

use const_oid::ObjectIdentifier;

const fn oid(text: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(text)
}

/// RFC 5652: id-data.
pub(crate) const ID_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.1");
/// RFC 5652: id-signedData.
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.2");
/// RFC 5652: id-contentType.
pub(crate) const ID_CONTENT_TYPE: ObjectIdentifier = oid("1.2.840.113549.1.9.3");
/// RFC 5652: id-messageDigest.
pub(crate) const ID_MESSAGE_DIGEST: ObjectIdentifier = oid("1.2.840.113549.1.9.4");
/// RFC 5652: id-signingTime (PAdES baseline forbids it; /M holds the time).
#[cfg(test)]
pub(crate) const ID_SIGNING_TIME: ObjectIdentifier = oid("1.2.840.113549.1.9.5");
/// RFC 5035: id-aa-signingCertificateV2.
pub(crate) const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier = oid("1.2.840.113549.1.9.16.2.47");
/// RFC 3161: id-aa-signatureTimeStampToken.
pub(crate) const ID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    oid("1.2.840.113549.1.9.16.2.14");
/// RFC 3161: id-ct-TSTInfo.
pub(crate) const ID_CT_TST_INFO: ObjectIdentifier = oid("1.2.840.113549.1.9.16.1.4");
/// RFC 5758: id-sha256.
pub(crate) const ID_SHA256: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.1");
/// RFC 5758: ecdsa-with-SHA256.
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier = oid("1.2.840.10045.4.3.2");
/// RFC 5758: ecdsa-with-SHA384.
pub(crate) const ECDSA_WITH_SHA384: ObjectIdentifier = oid("1.2.840.10045.4.3.3");
/// RFC 8017: rsaEncryption (an RSA key; in CMS, also the PKCS#1 v1.5
/// signature whose hash is the SignerInfo's digest algorithm).
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
/// RFC 8017: sha256WithRSAEncryption.
pub(crate) const SHA256_WITH_RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.11");
/// RFC 8017: sha384WithRSAEncryption.
pub(crate) const SHA384_WITH_RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.12");
/// RFC 8017: sha512WithRSAEncryption.
pub(crate) const SHA512_WITH_RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.13");
/// RFC 8017: id-RSASSA-PSS.
pub(crate) const ID_RSASSA_PSS: ObjectIdentifier = oid("1.2.840.113549.1.1.10");
/// RFC 5480: id-ecPublicKey.
pub(crate) const ID_EC_PUBLIC_KEY: ObjectIdentifier = oid("1.2.840.10045.2.1");
/// RFC 5480: secp256r1 (P-256).
pub(crate) const SECP256R1: ObjectIdentifier = oid("1.2.840.10045.3.1.7");
/// RFC 5758: id-sha384.
pub(crate) const ID_SHA384: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.2");
/// RFC 5758: id-sha512.
pub(crate) const ID_SHA512: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.3");
/// X.520: commonName.
pub(crate) const COMMON_NAME: ObjectIdentifier = oid("2.5.4.3");
/// X.520: organizationName.
pub(crate) const ORGANIZATION: ObjectIdentifier = oid("2.5.4.10");
/// X.520: organizationIdentifier (the organisation's id in saraban).
pub(crate) const ORGANIZATION_IDENTIFIER: ObjectIdentifier = oid("2.5.4.97");
/// RFC 5280: id-kp-timeStamping.
pub(crate) const ID_KP_TIME_STAMPING: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.8");

/// RFC 5758: ecdsa-with-SHA256 as an algorithm identifier (no parameters).
pub(crate) fn ecdsa_with_sha256() -> spki::AlgorithmIdentifierOwned {
    spki::AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    }
}

/// RFC 4055: sha256WithRSAEncryption as an algorithm identifier, with the
/// NULL parameters RFC 4055 §5 asks writers to put.
pub(crate) fn sha256_with_rsa_encryption() -> spki::AlgorithmIdentifierOwned {
    spki::AlgorithmIdentifierOwned {
        oid: SHA256_WITH_RSA_ENCRYPTION,
        parameters: Some(der::Any::null()),
    }
}
