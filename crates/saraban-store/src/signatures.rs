//! Each person's signature image, printed above their name when they
//! endorse or sign. Bound to its owner like the approval key: the PNG is
//! sealed (ChaCha20-Poly1305) under a key derived from their approval
//! key, which only their password opens, so the server can put it on a
//! page only after they signed in. The log records each image's SHA-256
//! (`signature_registered`, `signature_removed`), and an approval's event
//! the SHA-256 of the image it printed; the printed images are kept by
//! hash (`inked_signatures`) for the typesetter, and `verify` checks both
//! against the log. The sealed bytes are an object of the content store
//! (`signatures`, by the hash of the sealed bytes); the row keeps the
//! nonce and the hashes.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use chrono::{DateTime, Utc};
use saraban_core::checkpoint::SignerKey;
use saraban_core::clock::thai_time;
use saraban_core::finding::FindingClass;
use saraban_core::ledger::{Event, EventHead, sha256, sha256_hex};
use saraban_core::{OrgId, PersonId};
use sqlx::Row;
use zeroize::Zeroizing;

use crate::content::ContentKind;
use crate::keys::Ink;
use crate::reads::ensure_person;
use crate::writer::Writes;
use crate::{Result, Store, StoreError};

/// The event that records a person's new signature image (its SHA-256 in
/// `text`).
pub const SIGNATURE_REGISTERED: &str = "signature_registered";
/// The event that records that a person's image was taken away.
pub const SIGNATURE_REMOVED: &str = "signature_removed";

/// A registered image is normalised already (trimmed and scaled by the
/// typesetter); this only bounds what the table holds.
pub const MAX_SIGNATURE_PNG: usize = 512 * 1024;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The sealing key of a person's image: their approval key's seed, hashed
/// under a label of its own, so the image key is never the signing key.
fn sealing_key(key: &SignerKey) -> Zeroizing<[u8; 32]> {
    let mut input = Zeroizing::new(b"saraban signature image v1\0".to_vec());
    input.extend_from_slice(key.seed().as_slice());
    Zeroizing::new(sha256(&input))
}

/// What the seal binds the image to: its owner and its hash.
fn bound_to(org: &str, person: &str, sha: &str) -> Vec<u8> {
    format!("{org}\0{person}\0{sha}").into_bytes()
}

fn cipher(key: &SignerKey) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(&chacha20poly1305::Key::from(*sealing_key(key)))
}

/// The hash of the sealed image the person's row names, if any.
async fn sealed_object(
    conn: &mut sqlx::AnyConnection,
    org: &str,
    person: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT sealed_sha256 FROM signature_images WHERE org_id = $1 AND person_id = $2",
    )
    .bind(org)
    .bind(person)
    .fetch_optional(conn)
    .await?)
}

/// The SHA-256 a `signature_registered` or `signature_removed` event gives
/// the person's image: `Some(Some(sha))`, `Some(None)` once removed, `None`
/// for any other event.
pub(crate) fn registered_signature(event: &Event) -> Option<Option<&str>> {
    match event.kind.as_str() {
        SIGNATURE_REGISTERED => Some(event.text.as_deref()),
        SIGNATURE_REMOVED => Some(None),
        _ => None,
    }
}

impl Store {
    /// The person's signature image, when they opened it by signing in.
    pub fn ink(&self, org: &str, person: &str) -> Option<Ink> {
        self.inks
            .lock()
            .expect("inks")
            .get(&(org.to_owned(), person.to_owned()))
            .cloned()
    }

    /// Registers `png` (normalised already) as the person's signature
    /// image; they must be signed in (their approval key open). Returns
    /// its SHA-256.
    pub async fn register_signature(
        &self,
        org: &OrgId,
        person: &PersonId,
        png: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<String> {
        if !png.starts_with(PNG_MAGIC) {
            return Err(StoreError::invalid("signature", "not a PNG image"));
        }
        if png.len() > MAX_SIGNATURE_PNG {
            return Err(StoreError::invalid(
                "signature",
                format!("a normalised image is at most {MAX_SIGNATURE_PNG} bytes"),
            ));
        }
        let key = self
            .unlocked_key(org.as_str(), person.as_str())
            .ok_or_else(|| StoreError::KeyLocked {
                person: person.to_string(),
            })?;
        let sha = sha256_hex(&png);
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(StoreError::crypto)?;
        let sealed = cipher(&key)
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &png,
                    aad: &bound_to(org.as_str(), person.as_str(), &sha),
                },
            )
            .map_err(|_| StoreError::crypto("sealing a signature image"))?;
        // The sealed bytes are stored durably before the row naming them
        // commits; a crash between leaves an orphan for `gc`.
        let sealed_sha = sha256_hex(&sealed);
        let sealed_size = sealed.len() as i64;
        self.content
            .put(
                org.as_str(),
                ContentKind::SealedSignature,
                &sealed_sha,
                sealed,
            )
            .await?;
        let now = thai_time(at).to_rfc3339();
        let (org_owned, person_owned, sha_owned) =
            (org.to_string(), person.to_string(), sha.clone());
        let replaced = self
            .writers
            .write(org.as_str(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    ensure_person(&mut *tx, &org_owned, &person_owned).await?;
                    let replaced = sealed_object(tx, &org_owned, &person_owned).await?;
                    sqlx::query(
                        "INSERT INTO signature_images (org_id, person_id, sha256, nonce, sealed_sha256, sealed_size)
                         VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (org_id, person_id) DO UPDATE SET sha256 = excluded.sha256,
                            nonce = excluded.nonce, sealed_sha256 = excluded.sealed_sha256,
                            sealed_size = excluded.sealed_size",
                    )
                    .bind(&org_owned)
                    .bind(&person_owned)
                    .bind(&sha_owned)
                    .bind(nonce.to_vec())
                    .bind(&sealed_sha)
                    .bind(sealed_size)
                    .execute(&mut **tx)
                    .await?;
                    let event = Event {
                        text: Some(sha_owned),
                        ..Event::new(EventHead {
                            org: &org_owned,
                            seq: 0,
                            at: now,
                            kind: SIGNATURE_REGISTERED,
                            document: "",
                            doc_version: 0,
                            actor: &person_owned,
                            content_hash: String::new(),
                        })
                    };
                    batch.ledger.push(event, None, None);
                    Ok(replaced)
                })
            })
            .await?;
        if let Some(replaced) = replaced {
            self.forget_sealed(org.as_str(), &replaced).await;
        }
        self.keep_ink(
            org.as_str(),
            person.as_str(),
            Ink {
                sha256: sha.clone(),
                png: std::sync::Arc::new(png),
            },
        );
        Ok(sha)
    }

    /// Takes the person's signature image away; approvals from now on print
    /// their name alone. False when they had none.
    pub async fn remove_signature(
        &self,
        org: &OrgId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let now = thai_time(at).to_rfc3339();
        let (org_owned, person_owned) = (org.to_string(), person.to_string());
        let removed = self
            .writers
            .write(org.as_str(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    let tx = &mut batch.tx;
                    let gone = sealed_object(tx, &org_owned, &person_owned).await?;
                    sqlx::query(
                        "DELETE FROM signature_images WHERE org_id = $1 AND person_id = $2",
                    )
                    .bind(&org_owned)
                    .bind(&person_owned)
                    .execute(&mut **tx)
                    .await?;
                    if gone.is_some() {
                        let event = Event::new(EventHead {
                            org: &org_owned,
                            seq: 0,
                            at: now,
                            kind: SIGNATURE_REMOVED,
                            document: "",
                            doc_version: 0,
                            actor: &person_owned,
                            content_hash: String::new(),
                        });
                        batch.ledger.push(event, None, None);
                    }
                    Ok(gone)
                })
            })
            .await?;
        self.inks
            .lock()
            .expect("inks")
            .remove(&(org.to_string(), person.to_string()));
        if let Some(gone) = &removed {
            self.forget_sealed(org.as_str(), gone).await;
        }
        Ok(removed.is_some())
    }

    /// Deletes a sealed image no row names any more, once the change that
    /// let it go has committed. A failure leaves an orphan for `gc`.
    async fn forget_sealed(&self, org: &str, sealed_sha: &str) {
        let kind = ContentKind::SealedSignature;
        let named = match self.pool.acquire().await {
            Ok(mut conn) => crate::content::recorded(&mut conn, org, kind, sealed_sha).await,
            Err(error) => Err(error.into()),
        };
        let deleted = match named {
            Ok(true) => Ok(()),
            Ok(false) => self.content.delete(org, kind, sealed_sha).await,
            Err(error) => Err(error),
        };
        if let Err(error) = deleted {
            tracing::warn!(org, %error, "a sealed signature image left for gc");
        }
    }

    /// The SHA-256 of the person's registered image, opened or not.
    pub async fn registered_signature(
        &self,
        org: &OrgId,
        person: &PersonId,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT sha256 FROM signature_images WHERE org_id = $1 AND person_id = $2",
        )
        .bind(org.as_str())
        .bind(person.as_str())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A printed signature image, by its SHA-256.
    pub async fn inked_png(&self, org: &OrgId, sha: &str) -> Result<Option<Vec<u8>>> {
        let kept: Option<String> = sqlx::query_scalar(
            "SELECT sha256 FROM inked_signatures WHERE org_id = $1 AND sha256 = $2",
        )
        .bind(org.as_str())
        .bind(sha)
        .fetch_optional(&self.pool)
        .await?;
        match kept {
            Some(sha) => self.content.get(org.as_str(), ContentKind::Ink, &sha).await,
            None => Ok(None),
        }
    }

    fn keep_ink(&self, org: &str, person: &str, ink: Ink) {
        self.inks
            .lock()
            .expect("inks")
            .insert((org.to_owned(), person.to_owned()), ink);
    }

    /// At sign-in, with the person's approval key open: opens their image.
    /// One sealed under an earlier key (a password an administrator reset)
    /// stays shut; they register it again.
    pub(crate) async fn open_signature(
        &self,
        org: &str,
        person: &str,
        key: &SignerKey,
    ) -> Result<()> {
        let row = sqlx::query(
            "SELECT sha256, nonce, sealed_sha256 FROM signature_images WHERE org_id = $1 AND person_id = $2",
        )
        .bind(org)
        .bind(person)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(());
        };
        let (sha, nonce, sealed_sha): (String, Vec<u8>, String) = (
            row.try_get("sha256")?,
            row.try_get("nonce")?,
            row.try_get("sealed_sha256")?,
        );
        let Some(sealed) = self
            .content
            .get(org, ContentKind::SealedSignature, &sealed_sha)
            .await?
        else {
            tracing::warn!(
                org,
                person,
                "a sealed signature image missing from the content store"
            );
            return Ok(());
        };
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| StoreError::corrupt("signature image", "nonce not 12 bytes"))?;
        let opened = cipher(key).decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &sealed,
                aad: &bound_to(org, person, &sha),
            },
        );
        match opened {
            Ok(png) if sha256_hex(&png) == sha => {
                self.keep_ink(
                    org,
                    person,
                    Ink {
                        sha256: sha,
                        png: std::sync::Arc::new(png),
                    },
                );
            }
            _ => tracing::warn!(org, person, "a signature image that does not open"),
        }
        Ok(())
    }
}

/// What `verify` holds the signature images to, as the log streams: each
/// approval prints the image its actor had registered at that moment, and
/// afterwards the tables are the log's (`finish`).
#[derive(Debug, Default)]
pub(crate) struct InkCheck {
    /// Each person's registered image now, as the log so far says.
    registered: std::collections::HashMap<String, String>,
    /// The images approvals printed, with the first event that did.
    printed: std::collections::BTreeMap<String, u64>,
    found: Vec<(FindingClass, Option<u64>, String)>,
}

impl InkCheck {
    /// Takes one event of the log.
    pub(crate) fn observe(&mut self, seq: u64, event: &Event) {
        if let Some(registered) = registered_signature(event) {
            match registered {
                Some(sha) => {
                    self.registered.insert(event.actor.clone(), sha.to_owned());
                }
                None => {
                    self.registered.remove(&event.actor);
                }
            }
            return;
        }
        let Some(sha) = &event.signature_image else {
            return;
        };
        if !matches!(event.kind.as_str(), "endorsed" | "signed") {
            self.found.push((
                FindingClass::Transition,
                Some(seq),
                format!("a {} event carries a signature image", event.kind),
            ));
            return;
        }
        if self.registered.get(&event.actor) != Some(sha) {
            self.found.push((
                FindingClass::ContentModified,
                Some(seq),
                format!(
                    "the signature image {sha} is not the one {} had registered",
                    event.actor
                ),
            ));
        }
        self.printed.entry(sha.clone()).or_insert(seq);
    }

    /// Compares the tables with the log: every printed image kept and
    /// unchanged, nothing kept that no approval printed, and each person's
    /// sealed image the one the log last registered for them.
    pub(crate) async fn finish(
        mut self,
        store: &Store,
        org: &str,
    ) -> Result<Vec<(FindingClass, Option<u64>, String)>> {
        let mut printed = std::mem::take(&mut self.printed);
        // A few images a person, not one a document: read at once.
        for row in sqlx::query("SELECT sha256 FROM inked_signatures WHERE org_id = $1")
            .bind(org)
            .fetch_all(&store.pool)
            .await?
        {
            let sha: String = row.try_get("sha256")?;
            let key = crate::content::ContentStore::key(org, ContentKind::Ink, &sha);
            let png = store.content.get(org, ContentKind::Ink, &sha).await?;
            match (printed.remove(&sha), png) {
                (None, _) => self.found.push((
                    FindingClass::Projection,
                    None,
                    format!("a kept signature image {sha} that no approval printed"),
                )),
                (Some(seq), None) => self.found.push((
                    FindingClass::ContentModified,
                    Some(seq),
                    format!("the printed signature image {sha} is missing from the content store (object {key})"),
                )),
                (Some(seq), Some(png)) if sha256_hex(&png) != sha => self.found.push((
                    FindingClass::ContentModified,
                    Some(seq),
                    format!("the kept signature image {sha} (object {key}) has been changed"),
                )),
                (Some(_), Some(_)) => {}
            }
        }
        for (sha, seq) in printed {
            self.found.push((
                FindingClass::ContentModified,
                Some(seq),
                format!("the printed signature image {sha} is missing"),
            ));
        }
        let mut registered = std::mem::take(&mut self.registered);
        for row in sqlx::query(
            "SELECT person_id, sha256, sealed_sha256 FROM signature_images WHERE org_id = $1 ORDER BY person_id",
        )
        .bind(org)
        .fetch_all(&store.pool)
        .await?
        {
            let (person, sha, sealed_sha): (String, String, String) = (
                row.try_get("person_id")?,
                row.try_get("sha256")?,
                row.try_get("sealed_sha256")?,
            );
            // The sealed bytes cannot be opened here, but they must be the
            // object the row names, unchanged.
            let kind = ContentKind::SealedSignature;
            let key = crate::content::ContentStore::key(org, kind, &sealed_sha);
            match store.content.get(org, kind, &sealed_sha).await? {
                None => self.found.push((
                    FindingClass::ContentModified,
                    None,
                    format!("{person}'s sealed signature image is missing from the content store (object {key})"),
                )),
                Some(sealed) if sha256_hex(&sealed) != sealed_sha => self.found.push((
                    FindingClass::ContentModified,
                    None,
                    format!("{person}'s sealed signature image (object {key}) has been changed"),
                )),
                Some(_) => {}
            }
            if registered.remove(&person).as_deref() != Some(sha.as_str()) {
                self.found.push((
                    FindingClass::Projection,
                    None,
                    format!("{person}'s signature image {sha} is not the one the log registered"),
                ));
            }
        }
        let mut missing: Vec<String> = registered.into_keys().collect();
        missing.sort();
        for person in missing {
            self.found.push((
                FindingClass::Projection,
                None,
                format!("{person}'s registered signature image is missing"),
            ));
        }
        Ok(self.found)
    }
}
