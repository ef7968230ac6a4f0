//! An approval key carried by its session, so that any server process on
//! the same database can act for a person who signed in on another.
//!
//! At sign-in the unlocked seed is sealed (ChaCha20-Poly1305) under a key
//! derived from the session token, and kept in the session's row. The row
//! holds only the token's SHA-256, so the database alone opens nothing: a
//! process must be shown the token itself, as every request shows it. A
//! process that meets a session whose person's key it does not hold (or
//! holds an older one of, after a password reset elsewhere) opens it from
//! the row; a row from before this version has none, and its person signs
//! in again to approve there.

use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use saraban_core::checkpoint::SignerKey;
use saraban_core::ledger::sha256;
use zeroize::Zeroizing;

use crate::actor_keys::key_name;
use crate::{Result, Store, StoreError};

const NONCE: usize = 12;

/// The sealing key a token gives: SHA-256 of a label and the token. The
/// token has 244 random bits, so no stretching is needed.
fn cipher(token: &str) -> ChaCha20Poly1305 {
    let mut input = Zeroizing::new(b"saraban session key\0".to_vec());
    input.extend_from_slice(token.as_bytes());
    let key = Zeroizing::new(sha256(&input));
    ChaCha20Poly1305::new(&chacha20poly1305::Key::from(*key))
}

/// Binds a sealed seed to whose it is, so that a row's seal cannot be
/// moved to another person's session.
fn bound_to(org: &str, person: &str) -> Vec<u8> {
    format!("{org}\0{person}").into_bytes()
}

/// The person's seed sealed for the session `token`: nonce, then sealed.
pub(crate) fn seal_for_session(
    org: &str,
    person: &str,
    token: &str,
    key: &SignerKey,
) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut nonce).map_err(StoreError::crypto)?;
    let seed = key.seed();
    let sealed = cipher(token)
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: seed.as_slice(),
                aad: &bound_to(org, person),
            },
        )
        .map_err(|e| StoreError::crypto(format!("sealing a session key: {e}")))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The key a session row carries, opened with the session's token; `None`
/// when it does not open (another token, or not this person's).
fn open_for_session(
    org: &str,
    person: &str,
    token: &str,
    sealed: &[u8],
) -> Result<Option<SignerKey>> {
    if sealed.len() <= NONCE {
        return Ok(None);
    }
    let (nonce, body) = sealed.split_at(NONCE);
    let nonce: [u8; NONCE] = nonce.try_into().expect("split at NONCE");
    let Ok(seed) = cipher(token).decrypt(
        &Nonce::from(nonce),
        Payload {
            msg: body,
            aad: &bound_to(org, person),
        },
    ) else {
        return Ok(None);
    };
    let seed = Zeroizing::new(seed);
    let Ok(seed) = <[u8; 32]>::try_from(seed.as_slice()) else {
        return Ok(None);
    };
    let seed = Zeroizing::new(seed);
    SignerKey::from_seed(&key_name(org, person), &seed)
        .map(Some)
        .map_err(StoreError::crypto)
}

impl Store {
    /// On each authenticated request: makes sure this process holds the
    /// person's current approval key, opening it from the session's row
    /// when it holds none or one the log has replaced (`verifier` is the
    /// current key's, from `person_keys`). A key that cannot be had stays
    /// locked: approving then asks the person to sign in again.
    pub(crate) async fn hold_session_key(
        &self,
        org: &str,
        person: &str,
        token: &str,
        sealed: Option<&[u8]>,
        verifier: Option<&str>,
    ) -> Result<()> {
        let Some(verifier) = verifier else {
            return Ok(());
        };
        if let Some(held) = self.unlocked_key(org, person) {
            if held.verifier().to_text() == verifier {
                return Ok(());
            }
            // Replaced elsewhere (a password reset): never sign with it.
            self.forget_unlocked(org, person);
        }
        let Some(sealed) = sealed else {
            return Ok(());
        };
        let Some(key) = open_for_session(org, person, token, sealed)? else {
            return Ok(());
        };
        if key.verifier().to_text() != verifier {
            return Ok(());
        }
        let key = Arc::new(key);
        self.keep_unlocked(org, person, key.clone());
        self.open_signature(org, person, &key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_token_and_person() {
        let key = SignerKey::generate(&key_name("org", "somjai")).unwrap();
        let sealed = seal_for_session("org", "somjai", "token-a", &key).unwrap();
        let opened = open_for_session("org", "somjai", "token-a", &sealed)
            .unwrap()
            .expect("opens with its token");
        assert_eq!(opened.verifier().to_text(), key.verifier().to_text());
        assert!(
            open_for_session("org", "somjai", "token-b", &sealed)
                .unwrap()
                .is_none()
        );
        assert!(
            open_for_session("org", "kanok", "token-a", &sealed)
                .unwrap()
                .is_none()
        );
        let mut bent = sealed.clone();
        *bent.last_mut().unwrap() ^= 1;
        assert!(
            open_for_session("org", "somjai", "token-a", &bent)
                .unwrap()
                .is_none()
        );
        assert!(
            open_for_session("org", "somjai", "token-a", &sealed[..5])
                .unwrap()
                .is_none()
        );
    }
}
