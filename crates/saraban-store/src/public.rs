//! The public check of an issued document: the code printed on it, and
//! what anyone holding the code may see — without signing in.

use saraban_core::OrgId;
use saraban_core::document::Verification;
use saraban_core::ledger::{Event, chain_hash, sha256_hex};
use saraban_core::org::OrgConfig;
use saraban_core::text::Line;
use saraban_core::workflow::Standing;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::rows::stored_id;
use crate::seals::SealSummary;
use crate::{Result, Store, StoreError};

/// Crockford's base-32 alphabet: no I, L, O or U to misread.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The document's verification code: ten characters of a hash of the
/// organisation and document id, printed as `XXXXX-XXXXX`. Derived, so
/// the same document always has the same code; 50 bits, so codes are not
/// guessed one after another.
pub fn verification_code(org: &str, id: &str) -> String {
    let digest = saraban_core::ledger::sha256(format!("saraban verify\n{org}\n{id}").as_bytes());
    let bits = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let chars: String = (0..10)
        .map(|i| CROCKFORD[((bits >> (59 - 5 * i)) & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A code as typed by a person: case, spaces and dashes of any kind do
/// not matter, Thai and full-width digits read as digits (a code copied
/// from a Thai-digit PDF, or typed on a Thai keyboard), and the letters
/// Crockford reads as digits are read so.
pub fn normalise_code(typed: &str) -> Option<String> {
    let mut chars = String::with_capacity(10);
    for c in typed.chars() {
        // Separators a person or a copy from a PDF may put in: spaces,
        // hyphens and dashes, and the invisible marks of Thai text.
        if c.is_whitespace()
            || matches!(
                c,
                '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
                    | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
            )
        {
            continue;
        }
        let c = match c {
            '\u{0E50}'..='\u{0E59}' => char::from(b'0' + (c as u32 - 0x0E50) as u8),
            // Full-width Latin letters and digits, as some keyboards type them.
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            c => c,
        };
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
            _ => return None,
        };
        if chars.len() == 10 {
            return None;
        }
        chars.push(c);
    }
    (chars.len() == 10).then(|| format!("{}-{}", &chars[..5], &chars[5..]))
}

/// What the issued PDF says of how to check it.
pub(crate) async fn verification_for(
    tx: &mut Transaction<'static, Any>,
    store_url: Option<&str>,
    org: &str,
    id: &str,
) -> Result<Verification> {
    let code = verification_code(org, id);
    let checkpoint = sqlx::query(
        "SELECT size, root FROM checkpoints WHERE org_id = $1 ORDER BY size DESC LIMIT 1",
    )
    .bind(org)
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| -> Result<String> {
        let size: i64 = row.try_get("size")?;
        let root: Vec<u8> = row.try_get("root")?;
        let root = root
            .get(..8)
            .ok_or_else(|| StoreError::corrupt("checkpoint root", "shorter than 8 bytes"))?;
        Ok(format!(
            "บันทึกตรวจสอบล่าสุด {} ลำดับที่ {size} ราก {}",
            crate::origin(org),
            hex::encode(root)
        ))
    })
    .transpose()?;
    let line = |text: String| Line::parse(&text).map_err(|e| StoreError::invalid("public_url", e));
    Ok(Verification {
        url: store_url
            .map(|base| line(format!("{}/verify/{code}", base.trim_end_matches('/'))))
            .transpose()?,
        code: line(code)?,
        checkpoint: checkpoint.map(line).transpose()?,
    })
}

/// The signature as the public record shows it: who signed, as what, and
/// when, as the issued document itself prints it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicStep {
    /// Always `signed`.
    pub kind: String,
    pub name: String,
    pub position: Option<String>,
    /// The delegation wording, when acting for another.
    pub capacity: Option<String>,
    /// RFC 3339, Thai time.
    pub at: String,
    pub seq: u64,
}

/// What anyone with the code may know of an issued document: only what the
/// issued document itself shows, and whether its records verify. Who
/// reviewed it, returned it or endorsed it on the way stays internal. A
/// secret document tells only that it exists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicRecord {
    pub code: String,
    pub organisation: String,
    pub secret: bool,
    pub kind: Option<String>,
    pub printed_number: Option<String>,
    pub subject: Option<String>,
    /// The date the document bears (ISO 8601, `YYYY-MM-DD`): a memo's
    /// date, an order's "สั่ง ณ วันที่".
    pub date: Option<String>,
    /// When it was issued (RFC 3339, Thai time).
    pub issued_at: Option<String>,
    pub signer: Option<PublicStep>,
    pub pdf_sha256: Option<String>,
    pub cancelled: bool,
    /// The document's events recompute to their hashes and link to one
    /// another, its PDF matches the issued hash, and a signed checkpoint
    /// covers the issue.
    pub records_verify: bool,
    /// What did not verify, if anything.
    pub problems: Vec<String>,
    /// The signed checkpoint that covers the issue (C2SP note).
    pub checkpoint: Option<String>,
    /// The destruction list ("1/2568") its content was erased under
    /// (issue 19): its number, date and log stay; its subject, text and
    /// PDF are not shown, since they are gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroyed_under: Option<String>,
    /// The organisation's digit style, which its pages print in; not part
    /// of the API's record (its numbers are as printed already).
    #[serde(skip)]
    pub digits: saraban_core::DigitStyle,
}

impl Store {
    /// Where the public pages are (`https://…`), for the URLs printed on
    /// issued PDFs; none prints the code alone.
    pub fn set_public_url(&self, url: Option<String>) {
        *self.public_url.write().expect("public url") = url;
    }

    /// Where the public pages are, if the server was told: the base of the
    /// addresses printed on PDFs and of the feed's links.
    pub fn public_url(&self) -> Option<String> {
        self.public_url.read().expect("public url").clone()
    }

    /// The public record of the issued document with this code.
    pub async fn public_record(&self, code: &str) -> Result<Option<PublicRecord>> {
        let Some(code) = normalise_code(code) else {
            return Ok(None);
        };
        let Some(row) = sqlx::query(concat!(
            "SELECT d.org_id, d.id, d.kind, ",
            crate::rows::content_of!("d"),
            ", d.pdf_hash, o.name
               FROM documents d JOIN organisations o ON o.id = d.org_id
              WHERE d.verify_code = $1"
        ))
        .bind(&code)
        .fetch_optional(self.reader().await)
        .await?
        else {
            return Ok(None);
        };
        let org = OrgId::parse(&row.try_get::<String, _>("org_id")?)
            .map_err(|e| StoreError::corrupt("organisation id", e))?;
        let id = stored_id(&row.try_get::<String, _>("id")?)?;
        let content: serde_json::Value =
            serde_json::from_str(&row.try_get::<String, _>("content")?).unwrap_or_default();
        let organisation: String = row.try_get("name")?;
        let config = self.org_config(&org).await?;
        let digits = config.organisation.digits;
        if content.get("secrecy").is_some_and(|s| !s.is_null()) {
            return Ok(Some(PublicRecord {
                code,
                organisation,
                secret: true,
                kind: None,
                printed_number: None,
                subject: None,
                date: None,
                issued_at: None,
                signer: None,
                pdf_sha256: None,
                cancelled: false,
                records_verify: true,
                problems: Vec::new(),
                checkpoint: None,
                destroyed_under: None,
                digits,
            }));
        }
        let summary = self.show(&org, &id).await?;
        let destroyed_under = {
            let mut tx = self.pool.begin().await?;
            let list = crate::reads::destroyed_under(&mut tx, org.as_str(), id.as_str()).await?;
            tx.commit().await?;
            list
        };
        let pdf_hash: Option<String> = row.try_get("pdf_hash")?;
        let mut problems = Vec::new();
        // The log's steps, read here to check the record and to find the
        // signature, the issue and a cancellation; never shown as a list.
        let mut steps = Vec::new();
        let mut issued_seq = None;
        for row in sqlx::query(
            "SELECT seq, bytes, prev_hash, hash FROM events WHERE org_id = $1 AND document_id = $2 ORDER BY seq",
        )
        .bind(org.as_str())
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        {
            let seq = row.try_get::<i64, _>("seq")? as u64;
            let bytes: Vec<u8> = row.try_get("bytes")?;
            let prev: Vec<u8> = row.try_get("prev_hash")?;
            let hash: Vec<u8> = row.try_get("hash")?;
            let links = prev
                .as_slice()
                .try_into()
                .is_ok_and(|prev| chain_hash(prev, &bytes).as_slice() == hash.as_slice());
            let event = match Event::from_canonical(&bytes) {
                Ok(event) if links && event.seq == seq => event,
                _ => {
                    problems.push(format!("event {seq} does not match its hash"));
                    continue;
                }
            };
            // The row's document column is not hashed: the bytes say whose
            // event it is.
            if event.document != id {
                problems.push(format!("event {seq} is another document's"));
                continue;
            }
            if event.kind == "issued" {
                issued_seq = Some(seq);
                if event.pdf_hash != pdf_hash {
                    problems.push("the PDF is not the one the issue recorded".into());
                }
            }
            if ["created", "edited"].contains(&event.kind.as_str()) {
                continue;
            }
            steps.push(public_step(&config, seq, &event));
        }
        if let Some(hash) = pdf_hash.as_ref().filter(|_| destroyed_under.is_none()) {
            let mut conn = self.pool.acquire().await?;
            let stored = crate::content::kept(
                &mut conn,
                &self.content,
                org.as_str(),
                crate::content::ContentKind::Pdf,
                hash,
            )
            .await?;
            drop(conn);
            if stored.is_none_or(|bytes| sha256_hex(&bytes) != *hash) {
                problems.push("the stored PDF does not match its hash".into());
            }
        }
        let checkpoint = match issued_seq {
            Some(seq) => sqlx::query(
                "SELECT note FROM checkpoints WHERE org_id = $1 AND size >= $2 ORDER BY size LIMIT 1",
            )
            .bind(org.as_str())
            .bind(seq as i64)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get::<String, _>("note"))
            .transpose()?,
            None => None,
        };
        match (&checkpoint, self.verifier_key(&org).await?) {
            (Some(note), Some(key)) => {
                if saraban_core::checkpoint::open(note, &key).is_err() {
                    problems.push("the checkpoint's signature does not verify".into());
                }
            }
            (None, _) => problems.push("no signed checkpoint covers the issue yet".into()),
            (Some(_), None) => problems.push("no key to verify the checkpoint".into()),
        }
        // Cancelled is what the log says, whatever the row says.
        let cancelled = steps.iter().any(|s| s.kind == "cancelled");
        if cancelled != summary.cancelled {
            problems.push("the document's row and its log disagree on its cancellation".into());
        }
        let signer = steps.iter().rev().find(|s| s.kind == "signed").cloned();
        // The date as printed: an order takes its signature's.
        let date = match &destroyed_under {
            // Erased: the date it was signed, which it bore.
            Some(_) => match &signer {
                Some(signed) => crate::reads::day_of(&signed.at)?.iso(),
                None => String::new(),
            },
            None => self.composed(&org, &id, None).await?.document.date().iso(),
        };
        let issued_at = steps
            .iter()
            .rev()
            .find(|s| s.kind == "issued")
            .map(|s| s.at.clone());
        Ok(Some(PublicRecord {
            code,
            organisation,
            secret: false,
            kind: Some(summary.kind),
            printed_number: summary.printed_number,
            subject: destroyed_under.is_none().then_some(summary.subject),
            date: Some(date),
            issued_at,
            signer,
            pdf_sha256: pdf_hash,
            cancelled,
            records_verify: problems.is_empty(),
            problems,
            checkpoint,
            destroyed_under,
            digits,
        }))
    }

    /// Whether `pdf` is, byte for byte, the issued document of this code,
    /// and what its seal says (checked against the organisation's
    /// certificates: a copy that is not the issued file may still carry a
    /// seal, valid or not).
    pub async fn compare_issued_pdf(&self, code: &str, pdf: &[u8]) -> Result<Option<PdfCheck>> {
        let Some(code) = normalise_code(code) else {
            return Ok(None);
        };
        let Some(row) =
            sqlx::query("SELECT org_id, pdf_hash FROM documents WHERE verify_code = $1")
                .bind(code)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let (org, hash): (String, Option<String>) =
            (row.try_get("org_id")?, row.try_get("pdf_hash")?);
        let anchors = self.seal_anchors(&org).await?;
        Ok(Some(PdfCheck {
            matches: hash.as_deref() == Some(sha256_hex(pdf).as_str()),
            seal: crate::seals::check_pdf_seal(pdf, &anchors),
        }))
    }
}

/// A PDF compared with the issued one.
#[derive(Debug, Clone)]
pub struct PdfCheck {
    /// Byte for byte the issued PDF.
    pub matches: bool,
    /// What its seal says, when it carries one.
    pub seal: Option<SealSummary>,
}

/// An event as the public page names it: the organisation's names and
/// titles, the delegation wording.
fn public_step(config: &OrgConfig, seq: u64, event: &Event) -> PublicStep {
    let name = config
        .people
        .iter()
        .find(|p| p.id.as_str() == event.actor)
        .map_or_else(|| event.actor.clone(), |p| p.name.as_str().to_owned());
    let position = event.position.as_ref().and_then(|id| {
        config
            .positions
            .iter()
            .find(|p| p.id.as_str() == id)
            .map(|p| p.title.as_str().to_owned())
    });
    let capacity = event
        .capacity
        .as_deref()
        .and_then(Standing::from_name)
        .and_then(|standing| match standing {
            Standing::Holder => None,
            Standing::Delegate(capacity) => Some(capacity.wording().to_owned()),
        });
    PublicStep {
        kind: event.kind.clone(),
        name,
        position,
        capacity,
        at: event.at.clone(),
        seq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_code_reads_back_however_it_is_typed(org in "[a-z]{1,12}", id in "[0-9a-f-]{36}") {
            let code = verification_code(&org, &id);
            prop_assert_eq!(code.len(), 11);
            prop_assert_eq!(normalise_code(&code), Some(code.clone()));
            let typed = code.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
            prop_assert_eq!(normalise_code(&typed), Some(code));
        }
    }

    #[test]
    fn a_code_copied_from_paper_reads_in_thai_digits_and_any_dash() {
        let code = "7K2QF-0B9XM";
        for typed in [
            "7k2qf0b9xm",
            "๗k๒qf-๐b๙xm",
            "๗K๒QF–๐B๙XM",
            " 7K2QF — 0B9XM ",
            "7K2QF\u{2212}0B9XM",
            "7K2QF\u{200B}0B9XM",
            "\u{FF17}\u{FF2B}2QF-0b9xm",
            "7K2QF\u{00A0}0B9XM",
        ] {
            assert_eq!(normalise_code(typed).as_deref(), Some(code), "{typed:?}");
        }
    }

    #[test]
    fn codes_of_other_lengths_or_letters_are_not_codes() {
        assert_eq!(normalise_code("ABCDE-FGHJ"), None);
        assert_eq!(normalise_code("ABCDE-FGHJKM"), None);
        assert_eq!(normalise_code("ABCDE-FGHJU"), None);
        assert_eq!(normalise_code("กขคงจ-ฉชซฌญ"), None);
        assert_eq!(normalise_code("ABCDE_FGHJK"), None);
        assert_eq!(normalise_code(&"A".repeat(10_000)), None);
    }
}
