//! Each person's own approval key. Endorsements and signatures carry the
//! actor's Ed25519 signature over the event's bytes, so that an insider
//! with the database but not the person's password cannot forge one. The
//! seed is sealed under a key derived from the password (argon2id, salt of
//! its own per sealing); signing in unlocks it in this process only. The
//! log records each new verifier key (`key_registered`), so a key swapped
//! in the table later does not match the log.

use std::sync::Arc;

use argon2::Argon2;
use chrono::{DateTime, Utc};
use saraban_core::checkpoint::{SignerKey, VerifierKey};
use saraban_core::clock::thai_time;
use saraban_core::ledger::{Event, EventHead};
use sqlx::{Any, Row, Transaction};
use zeroize::Zeroizing;

use crate::writer::Writes;
use crate::{Result, Store, StoreError};

/// The event that records a person's new verifier key (in its `text`).
pub const KEY_REGISTERED: &str = "key_registered";

/// The name a person's key carries.
pub(crate) fn key_name(org: &str, person: &str) -> String {
    format!("saraban/{org}/{person}")
}

/// The one-time pad a password and salt give: the seed is XORed with it.
/// A fresh salt per sealing keeps every pad used once.
fn pad(password: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let mut pad = Zeroizing::new([0u8; 32]);
    Argon2::default()
        .hash_password_into(password.as_bytes(), salt, pad.as_mut_slice())
        .map_err(|e| StoreError::crypto(format!("key sealing: {e}")))?;
    Ok(pad)
}

fn xor(seed: &[u8; 32], pad: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = seed[i] ^ pad[i];
    }
    out
}

/// A stored key opened with `password`; `None` when the password is not
/// the one it was sealed under.
fn unseal(
    org: &str,
    person: &str,
    password: &str,
    sealed: &[u8],
    salt: &[u8],
    verifier: &str,
) -> Result<Option<SignerKey>> {
    let sealed: [u8; 32] = sealed
        .try_into()
        .map_err(|_| StoreError::corrupt("sealed key", "not 32 bytes"))?;
    let seed = xor(&sealed, &*pad(password, salt)?);
    let key = SignerKey::from_seed(&key_name(org, person), &seed).map_err(StoreError::crypto)?;
    Ok((key.verifier().to_text() == verifier).then_some(key))
}

impl Store {
    /// The person's unlocked key in this process, if any.
    pub(crate) fn unlocked_key(&self, org: &str, person: &str) -> Option<Arc<SignerKey>> {
        self.unlocked
            .lock()
            .expect("unlocked keys")
            .get(&(org.to_owned(), person.to_owned()))
            .cloned()
    }

    pub(crate) fn keep_unlocked(&self, org: &str, person: &str, key: Arc<SignerKey>) {
        self.unlocked
            .lock()
            .expect("unlocked keys")
            .insert((org.to_owned(), person.to_owned()), key);
    }

    /// Drops a key this process holds, and the image it opened.
    pub(crate) fn forget_unlocked(&self, org: &str, person: &str) {
        let who = (org.to_owned(), person.to_owned());
        self.unlocked.lock().expect("unlocked keys").remove(&who);
        self.inks.lock().expect("inks").remove(&who);
    }

    /// After a password is checked (sign-in): opens the person's key, or
    /// makes one if they have none. A key sealed under another password
    /// (set by an administrator since) is replaced by a new one.
    pub(crate) async fn unlock_actor_key(
        &self,
        org: &str,
        person: &str,
        password: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let row = sqlx::query(
            "SELECT sealed_seed, salt, verifier_key FROM person_keys WHERE org_id = $1 AND person_id = $2",
        )
        .bind(org)
        .bind(person)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            let (sealed, salt, verifier): (Vec<u8>, Vec<u8>, String) = (
                row.get("sealed_seed"),
                row.get("salt"),
                row.get("verifier_key"),
            );
            let (org_owned, person_owned, password_owned) =
                (org.to_owned(), person.to_owned(), password.to_owned());
            let opened = tokio::task::spawn_blocking(move || {
                unseal(
                    &org_owned,
                    &person_owned,
                    &password_owned,
                    &sealed,
                    &salt,
                    &verifier,
                )
            })
            .await
            .map_err(|e| StoreError::invariant(format!("unsealing a key: {e}")))??;
            if let Some(key) = opened {
                self.keep_unlocked(org, person, Arc::new(key));
                if let Some(key) = self.unlocked_key(org, person) {
                    self.open_signature(org, person, &key).await?;
                }
                return Ok(());
            }
        }
        self.seal_actor_key(org, person, password, None, at).await
    }

    /// Seals the person's key under `password`: the key given (a password
    /// change keeps the key), or a new one, which the log records.
    pub(crate) async fn seal_actor_key(
        &self,
        org: &str,
        person: &str,
        password: &str,
        keep: Option<Arc<SignerKey>>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (key, new) = match keep {
            Some(key) => (key, false),
            None => (
                Arc::new(SignerKey::generate(&key_name(org, person)).map_err(StoreError::crypto)?),
                true,
            ),
        };
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(StoreError::crypto)?;
        let sealed = {
            let (password, seed) = (password.to_owned(), key.seed());
            tokio::task::spawn_blocking(move || pad(&password, &salt).map(|pad| xor(&seed, &pad)))
                .await
                .map_err(|e| StoreError::invariant(format!("sealing a key: {e}")))??
        };
        let verifier = key.verifier().to_text();
        let now = thai_time(at).to_rfc3339();
        let (org_owned, person_owned) = (org.to_owned(), person.to_owned());
        self.writers
            .write(org, Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    store_sealed(
                        &mut batch.tx,
                        &org_owned,
                        &person_owned,
                        &verifier,
                        &sealed,
                        &salt,
                        &now,
                    )
                    .await?;
                    if new {
                        let event = Event {
                            text: Some(verifier),
                            ..Event::new(EventHead {
                                org: &org_owned,
                                seq: 0,
                                at: now,
                                kind: KEY_REGISTERED,
                                document: "",
                                doc_version: 0,
                                actor: &person_owned,
                                content_hash: String::new(),
                            })
                        };
                        batch.ledger.push(event, None, None);
                    }
                    Ok(())
                })
            })
            .await?;
        self.unlocked
            .lock()
            .expect("unlocked keys")
            .insert((org.to_owned(), person.to_owned()), key);
        Ok(())
    }
}

async fn store_sealed(
    tx: &mut Transaction<'static, Any>,
    org: &str,
    person: &str,
    verifier: &str,
    sealed: &[u8; 32],
    salt: &[u8; 16],
    now: &str,
) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(crate::rows::timed_for(
        tx,
        "INSERT INTO person_keys (org_id, person_id, verifier_key, sealed_seed, salt, created_at)
         VALUES ($1, $2, $3, $4, $5, @ts($6))
         ON CONFLICT (org_id, person_id) DO UPDATE SET verifier_key = excluded.verifier_key,
            sealed_seed = excluded.sealed_seed, salt = excluded.salt, created_at = excluded.created_at",
    )))
    .bind(org)
    .bind(person)
    .bind(verifier)
    .bind(sealed.to_vec())
    .bind(salt.to_vec())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The verifier keys the log registered, in order: (seq, person, key).
pub(crate) fn registered_key(event: &Event) -> Option<VerifierKey> {
    (event.kind == KEY_REGISTERED)
        .then(|| {
            event
                .text
                .as_deref()
                .and_then(|t| VerifierKey::parse(t).ok())
        })
        .flatten()
}
