//! Each organisation's PAdES seal on the PDFs it issues: the key and its
//! certificate chain in the key folder (a self-issued CA made with the
//! checkpoint key, or a certificate from a real CA installed in its place),
//! the chain recorded in the database for whoever checks without the
//! keys, and an RFC 3161 timestamp when an authority is set. Issuing seals
//! the typeset PDF before it is hashed, so the bytes the `issued` event
//! names are the sealed ones; `verify` checks each seal.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use saraban_core::OrgId;
use saraban_core::clock::thai_time;
use saraban_seal::{Certificate, CheckError, SealDetails, SealReport, SigningIdentity, Verdict};
use serde::Serialize;
use sqlx::Row;

use crate::keys::TimestampAuthority;
use crate::{Result, Store, StoreError};

/// How long an issue waits for the timestamp authority before it seals
/// without a timestamp.
const TIMESTAMP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The certificate an organisation's seals are made with, as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SealCertificate {
    /// The certificate's subject (CN): the organisation.
    pub subject: String,
    /// Who issued it (CN): the organisation's own CA, or a real CA.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// RFC 3339.
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the certificate (DER), hex.
    pub sha256_fingerprint: String,
    /// Whether the organisation issued it to itself (`saraban org init`).
    pub self_issued: bool,
    /// The chain, leaf first, as PEM: what a reader trusts to check the
    /// seals.
    pub chain_pem: String,
}

/// What a PDF's seal says, for a person checking a file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SealSummary {
    /// The signing certificate's subject (CN).
    pub signer: Option<String>,
    /// Who issued that certificate (CN).
    pub issuer: Option<String>,
    /// The signature's /Name and /Reason: the organisation, and whose
    /// approval it seals.
    pub name: Option<String>,
    pub reason: Option<String>,
    /// When it was sealed (/M), RFC 3339.
    pub signed_at: Option<String>,
    /// The timestamp authority's time, when it has one.
    pub timestamp: Option<String>,
    /// Intact, covering the whole file, by a certificate that chains to
    /// the organisation's.
    pub valid: bool,
    /// Why not, when not: `digest_mismatch`, `not_whole_file`,
    /// `signature_invalid`, `untrusted`, `not_signed`, …
    pub problem: Option<String>,
}

/// The organisation's seal and timestamp authority, taken to an issue.
#[derive(Debug, Clone)]
pub(crate) struct Sealer {
    identity: Arc<SigningIdentity>,
    timestamp_authority: Option<TimestampAuthority>,
}

/// Whether a certificate was issued by the organisation's own CA, which
/// `saraban_seal::self_issued` names after it ("<name> CA").
fn is_self_issued(info: &saraban_seal::CertificateInfo) -> bool {
    info.issuer_cn == format!("{} CA", info.subject_cn)
}

fn certificate_of(identity: &SigningIdentity, chain_pem: String) -> SealCertificate {
    shown(identity.describe(), chain_pem)
}

/// A certificate's facts as shown, with its chain.
fn shown(info: saraban_seal::CertificateInfo, chain_pem: String) -> SealCertificate {
    let self_issued = is_self_issued(&info);
    SealCertificate {
        subject: info.subject_cn,
        issuer: info.issuer_cn,
        serial: info.serial_hex,
        not_before: thai_time(info.not_before).to_rfc3339(),
        not_after: thai_time(info.not_after).to_rfc3339(),
        sha256_fingerprint: info.sha256_fingerprint,
        self_issued,
        chain_pem,
    }
}

/// A seal's report as a person reads it.
fn summary(report: &SealReport) -> SealSummary {
    let problem = match (&report.verdict, report.covers_whole_file) {
        (Verdict::Valid, true) => None,
        _ => Some(report.code().to_owned()),
    };
    SealSummary {
        signer: report.signer_cn.clone(),
        issuer: report.issuer_cn.clone(),
        name: report.name.clone(),
        reason: report.reason.clone(),
        signed_at: report.signed_at.map(|t| t.to_rfc3339()),
        timestamp: report
            .timestamp
            .as_ref()
            .map(|t| thai_time(t.time).to_rfc3339()),
        valid: problem.is_none(),
        problem,
    }
}

/// The seals of `pdf` checked against `anchors`: the last seal (the one
/// that covers the file), or why there is none to check.
pub fn check_pdf_seal(pdf: &[u8], anchors: &[Certificate]) -> Option<SealSummary> {
    match saraban_seal::check(pdf, anchors) {
        Ok(reports) => reports.last().map(summary),
        Err(CheckError::NotSigned) => None,
        Err(error) => Some(SealSummary {
            signer: None,
            issuer: None,
            name: None,
            reason: None,
            signed_at: None,
            timestamp: None,
            valid: false,
            problem: Some(
                match error {
                    CheckError::NotAPdf => "not_a_pdf",
                    CheckError::Encrypted => "encrypted",
                    CheckError::NotSigned => "not_signed",
                }
                .to_owned(),
            ),
        }),
    }
}

impl Store {
    /// Sets (or clears) the RFC 3161 timestamp authority whose token each
    /// issued PDF's seal carries (PAdES B-T); without one the seal is B-B.
    pub fn use_timestamp_authority(&self, url: Option<String>) -> Result<()> {
        let authority = url
            .map(|url| {
                reqwest::Client::builder()
                    .timeout(TIMESTAMP_WAIT)
                    .build()
                    .map(|client| TimestampAuthority { url, client })
                    .map_err(|e| StoreError::invariant(format!("an HTTP client: {e}")))
            })
            .transpose()?;
        *self
            .timestamp_authority
            .write()
            .expect("timestamp authority") = authority;
        Ok(())
    }

    /// Makes the organisation's seal in the key folder if it has none (a
    /// self-issued CA and a signing certificate in the organisation's
    /// name, valid from `at`) and records its chain in the database.
    pub(crate) async fn ensure_seal(&self, org: &str, at: DateTime<Utc>) -> Result<()> {
        let Some(keys) = self.key_folder() else {
            return Ok(());
        };
        let name: String = sqlx::query("SELECT name FROM organisations WHERE id = $1")
            .bind(org)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("organisation", org))?
            .get("name");
        let seal = keys.ensure_seal(org, &name, at)?;
        self.record_chain(org, &seal).await
    }

    async fn record_chain(&self, org: &str, seal: &SigningIdentity) -> Result<()> {
        let chain = saraban_seal::certificates_to_pem(seal.chain()).map_err(StoreError::crypto)?;
        sqlx::query("UPDATE organisations SET seal_chain = $1 WHERE id = $2")
            .bind(chain)
            .bind(org)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The certificate the organisation's seals are made with: the key
    /// folder's, or as the database recorded it.
    pub async fn seal_certificate(&self, org: &OrgId) -> Result<Option<SealCertificate>> {
        let org = org.as_str();
        if let Some(keys) = self.key_folder()
            && let Some(seal) = keys.seal(org)?
        {
            let pem =
                saraban_seal::certificates_to_pem(seal.chain()).map_err(StoreError::crypto)?;
            return Ok(Some(certificate_of(&seal, pem)));
        }
        let chain: Option<String> =
            sqlx::query("SELECT seal_chain FROM organisations WHERE id = $1")
                .bind(org)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::not_found("organisation", org))?
                .get("seal_chain");
        let Some(pem) = chain else {
            return Ok(None);
        };
        let certificates = saraban_seal::certificates_from_pem(&pem)
            .map_err(|e| StoreError::corrupt("seal chain", e))?;
        let Some(leaf) = certificates.first() else {
            return Ok(None);
        };
        Ok(Some(shown(saraban_seal::describe(leaf), pem)))
    }

    /// Installs a certificate from a real CA (its key and chain, PEM) as
    /// the organisation's seal, replacing the self-issued one. The key
    /// must be the certificate's.
    pub async fn import_seal(
        &self,
        org: &OrgId,
        key_pem: &str,
        chain_pem: &str,
    ) -> Result<SealCertificate> {
        let identity = SigningIdentity::from_pem(key_pem, chain_pem)
            .map_err(|e| StoreError::invalid("certificate", e.to_string()))?;
        self.install_seal(org, &identity).await
    }

    /// Installs `identity` (a real CA's certificate, read by the caller,
    /// e.g. from a .p12) as the organisation's seal.
    pub async fn install_seal(
        &self,
        org: &OrgId,
        identity: &SigningIdentity,
    ) -> Result<SealCertificate> {
        let org = org.as_str();
        let keys = self
            .key_folder()
            .ok_or_else(|| StoreError::invalid("keys", "this store has no key folder"))?;
        let seal = keys.install_seal(org, identity)?;
        self.record_chain(org, &seal).await?;
        let pem = saraban_seal::certificates_to_pem(seal.chain()).map_err(StoreError::crypto)?;
        tracing::info!(org, issuer = %seal.describe().issuer_cn, "seal certificate installed");
        Ok(certificate_of(&seal, pem))
    }

    /// What the seal of `pdf` says, checked against the organisation's
    /// certificates; none when the file carries no seal.
    pub async fn check_seal(&self, org: &OrgId, pdf: &[u8]) -> Result<Option<SealSummary>> {
        let anchors = self.seal_anchors(org.as_str()).await?;
        Ok(check_pdf_seal(pdf, &anchors))
    }

    /// The certificates the organisation's seals chain to: the key
    /// folder's, or the top of the chain the database recorded.
    pub(crate) async fn seal_anchors(&self, org: &str) -> Result<Vec<Certificate>> {
        if let Some(keys) = self.key_folder() {
            let anchors = keys.seal_anchors(org)?;
            if !anchors.is_empty() {
                return Ok(anchors);
            }
        }
        let chain: Option<String> =
            sqlx::query("SELECT seal_chain FROM organisations WHERE id = $1")
                .bind(org)
                .fetch_optional(&self.pool)
                .await?
                .and_then(|row| row.get("seal_chain"));
        Ok(chain
            .and_then(|pem| saraban_seal::certificates_from_pem(&pem).ok())
            .and_then(|chain| chain.last().cloned())
            .into_iter()
            .collect())
    }

    /// The organisation's seal for an issue, when it has one.
    pub(crate) fn sealer(&self, org: &str) -> Result<Option<Sealer>> {
        let Some(keys) = self.key_folder() else {
            return Ok(None);
        };
        Ok(keys.seal(org)?.map(|identity| Sealer {
            identity,
            timestamp_authority: self
                .timestamp_authority
                .read()
                .expect("timestamp authority")
                .clone(),
        }))
    }
}

impl Sealer {
    /// `pdf` sealed: the organisation's signature over the whole file, as
    /// an incremental update, with a timestamp when the authority answers
    /// in time (without one, the seal is still made, and the log says why).
    pub(crate) async fn seal(
        &self,
        pdf: &[u8],
        name: String,
        reason: String,
        contact_info: String,
        location: Option<String>,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<u8>> {
        let details = SealDetails {
            name,
            reason,
            location,
            contact_info,
            signed_at: at,
        };
        let prepared = saraban_seal::prepare(pdf, &self.identity, &details)
            .map_err(|e| StoreError::invariant(format!("sealing an issued PDF: {e}")))?;
        let token = match &self.timestamp_authority {
            Some(authority) => {
                match saraban_seal::timestamp::fetch_timestamp(
                    &authority.client,
                    &authority.url,
                    prepared.signature_value(),
                )
                .await
                {
                    Ok(token) => Some(token),
                    Err(error) => {
                        tracing::warn!(%error, "the timestamp authority did not answer; sealed without a timestamp");
                        None
                    }
                }
            }
            None => None,
        };
        prepared
            .finish(token.as_deref())
            .map_err(|e| StoreError::invariant(format!("sealing an issued PDF: {e}")))
    }
}
