//! Sign-in: argon2id passwords, sessions and API tokens, lock-out after
//! repeated failures, and what a signed-in person may act as today.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use saraban_core::clock::{thai_date, thai_time};
use saraban_core::ledger::sha256_hex;
use saraban_core::{OrgId, PersonId, PositionId};
use serde::Serialize;
use sqlx::Row;

use crate::rows::{stored_person, stored_position};
use crate::{Result, Store, StoreError};

/// Failures in a row before an account is locked, and for how long.
pub const MAX_FAILURES: i64 = 5;
const LOCK_MINUTES: i64 = 15;
/// Failed attempts one network address may make in a window of
/// `LOCK_MINUTES`: enough for an office behind one address to mistype,
/// too few to guess through many accounts.
pub const MAX_ADDRESS_FAILURES: i64 = 30;
/// The scopes of `sign_in_limits`: a network address, and a name typed
/// that is no account (so that unknown names lock as real ones do, and the
/// answers do not tell which accounts exist).
const ADDRESS: &str = "address";
const UNKNOWN_NAME: &str = "name";
pub const SESSION_HOURS: i64 = 12;
pub const API_TOKEN_DAYS: i64 = 90;

/// A signed-in person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    #[schema(value_type = String)]
    pub org: OrgId,
    #[schema(value_type = String)]
    pub person: PersonId,
    pub name: String,
    pub is_admin: bool,
    /// Positions held or acted for today, with the capacity.
    pub positions: Vec<PositionHeld>,
}

/// A position and how it is held: holder, delegated, acting, acting_in_position.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PositionHeld {
    #[schema(value_type = String)]
    pub position: PositionId,
    pub capacity: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown organisation, person or password: one answer for all three.
    #[error("the organisation, user or password is wrong")]
    Wrong,
    #[error("too many failed attempts; try again after {0}")]
    Locked(String),
    /// Too many failed attempts from this network address.
    #[error("too many failed attempts from this address; try again after {0}")]
    RateLimited(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SignInError {
    fn from(error: sqlx::Error) -> Self {
        SignInError::Store(error.into())
    }
}

fn window() -> Duration {
    Duration::minutes(LOCK_MINUTES)
}

/// What the counting statement allows: a check against the stored hash
/// (none for an unknown name), or nothing until the lock ends.
enum Attempt {
    Check(Option<String>),
    Locked(String),
}

fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::crypto(format!("password hashing: {e}")))
}

fn new_token() -> String {
    // Two v4 UUIDs: 244 random bits from the OS.
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

pub fn check_new_password(password: &str) -> Result<()> {
    let length = password.chars().count();
    if !(8..=256).contains(&length) {
        return Err(StoreError::invalid(
            "password",
            "must be 8 to 256 characters",
        ));
    }
    Ok(())
}

impl Store {
    /// Sets a person's password (administration, demo seeding).
    pub async fn set_password(&self, org: &OrgId, person: &PersonId, password: &str) -> Result<()> {
        let (org, person) = (org.as_str(), person.as_str());
        check_new_password(password)?;
        let hash = hash_password(password)?;
        let found = sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND id = $2")
            .bind(org)
            .bind(person)
            .fetch_optional(&self.pool)
            .await?;
        if found.is_none() {
            return Err(StoreError::not_found("person", person));
        }
        sqlx::query(
            "INSERT INTO accounts (org_id, person_id, password_hash) VALUES ($1, $2, $3)
             ON CONFLICT (org_id, person_id) DO UPDATE SET password_hash = excluded.password_hash,
                failed_attempts = 0, locked_until = NULL",
        )
        .bind(org)
        .bind(person)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        // The approval key follows the password: kept (re-sealed) when it
        // is unlocked here, as on a change of password; made anew when not.
        let keep = self.unlocked_key(org, person);
        self.seal_actor_key(org, person, password, keep, Utc::now())
            .await
    }

    /// Checks a password and opens a session (or an API token). Returns the
    /// token, shown once; only its hash is kept.
    pub async fn sign_in(
        &self,
        org: &str,
        person: &str,
        password: &str,
        api: bool,
        at: DateTime<Utc>,
    ) -> Result<String, SignInError> {
        self.sign_in_from(None, org, person, password, api, at)
            .await
    }

    /// A sign-in from a network address, which counts against that
    /// address's limit too. Every attempt is counted before its password
    /// is checked, in one statement, so that parallel guesses cannot pass
    /// the limits between a read and a write, and a locked account is
    /// refused whatever the password.
    pub async fn sign_in_from(
        &self,
        address: Option<&str>,
        org: &str,
        person: &str,
        password: &str,
        api: bool,
        at: DateTime<Utc>,
    ) -> Result<String, SignInError> {
        if let Some(address) = address
            && !self
                .take_attempt(ADDRESS, address, MAX_ADDRESS_FAILURES, at)
                .await?
        {
            return Err(SignInError::RateLimited(
                thai_time(at + window()).to_rfc3339(),
            ));
        }
        let attempt = self.take_account_attempt(org, person, at).await;
        if !matches!(attempt, Ok(Attempt::Check(_)))
            && let Some(address) = address
        {
            // No password was checked: the address is not charged.
            self.give_back_attempt(ADDRESS, address).await?;
        }
        let stored = match attempt? {
            Attempt::Check(stored) => stored,
            Attempt::Locked(until) => return Err(SignInError::Locked(until)),
        };
        let verified = {
            let password = password.to_owned();
            tokio::task::spawn_blocking(move || match stored {
                Some(stored) => PasswordHash::new(&stored)
                    .map(|hash| {
                        Argon2::default()
                            .verify_password(password.as_bytes(), &hash)
                            .is_ok()
                    })
                    .unwrap_or(false),
                None => {
                    // Spend the time a real check would, so that timing
                    // does not tell which accounts exist.
                    let _ = hash_password(&password);
                    false
                }
            })
            .await
            .unwrap_or(false)
        };
        if !verified {
            // The attempt was counted before the check.
            return Err(SignInError::Wrong);
        }
        if let Some(address) = address {
            self.give_back_attempt(ADDRESS, address).await?;
        }
        // The key first: the session carries it sealed, for other processes.
        self.unlock_actor_key(org, person, password, at).await?;
        let token = new_token();
        let key_wrap = match self.unlocked_key(org, person) {
            Some(key) => Some(crate::session_keys::seal_for_session(
                org, person, &token, &key,
            )?),
            None => None,
        };
        let expires = if api {
            at + Duration::days(API_TOKEN_DAYS)
        } else {
            at + Duration::hours(SESSION_HOURS)
        };
        let now = thai_time(at).to_rfc3339();
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE org_id = $1 AND person_id = $2")
            .bind(org)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(self.timed("INSERT INTO sessions (token_hash, org_id, person_id, kind, created_at, expires_at, key_wrap) VALUES ($1, $2, $3, $4, @ts($5), @ts($6), $7)")))
            .bind(sha256_hex(token.as_bytes()))
            .bind(org)
            .bind(person)
            .bind(if api { "api" } else { "session" })
            .bind(&now)
            .bind(thai_time(expires).to_rfc3339())
            .bind(key_wrap)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The account behind a session or API token, if it is still valid.
    pub async fn authenticate(&self, token: &str, at: DateTime<Utc>) -> Result<Option<Account>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT s.org_id, s.person_id, @text(s.expires_at), p.name, p.is_admin, s.key_wrap, k.verifier_key
               FROM sessions s JOIN people p ON p.org_id = s.org_id AND p.id = s.person_id
               LEFT JOIN person_keys k ON k.org_id = s.org_id AND k.person_id = s.person_id
              WHERE s.token_hash = $1",
        )))
        .bind(sha256_hex(token.as_bytes()))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: String = row.try_get("expires_at")?;
        let expires = DateTime::parse_from_rfc3339(&expires)
            .map_err(|e| StoreError::corrupt("session expiry", e))?;
        if expires <= at {
            return Ok(None);
        }
        let org = OrgId::parse(&row.try_get::<String, _>("org_id")?)
            .map_err(|e| StoreError::corrupt("organisation id", e))?;
        let person = stored_person(&row.try_get::<String, _>("person_id")?)?;
        let name: String = row.try_get("name")?;
        let is_admin = row.try_get::<i64, _>("is_admin")? != 0;
        let key_wrap: Option<Vec<u8>> = row.try_get("key_wrap")?;
        let verifier: Option<String> = row.try_get("verifier_key")?;
        self.hold_session_key(
            org.as_str(),
            person.as_str(),
            token,
            key_wrap.as_deref(),
            verifier.as_deref(),
        )
        .await?;
        let positions = self.positions_of(&org, &person, at).await?;
        Ok(Some(Account {
            org,
            person,
            name,
            is_admin,
            positions,
        }))
    }

    /// Positions `person` holds or acts for on the Thai date of `at`.
    pub async fn positions_of(
        &self,
        org: &OrgId,
        person: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<Vec<PositionHeld>> {
        let (org, person) = (org.as_str(), person.as_str());
        let date = thai_date(at).format("%Y-%m-%d").to_string();
        let rows = sqlx::query(crate::reads::AUTHORITIES)
            .bind(org)
            .bind(person)
            .bind(&date)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(PositionHeld {
                    position: stored_position(&row.try_get::<String, _>("position_id")?)?,
                    capacity: row.try_get("standing")?,
                })
            })
            .collect()
    }

    pub async fn sign_out(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(token.as_bytes()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Changes a password after checking the old one; ends other sessions.
    pub async fn change_password(
        &self,
        account: &Account,
        old: &str,
        new: &str,
        at: DateTime<Utc>,
    ) -> Result<(), SignInError> {
        check_new_password(new)?;
        // Checking the old password counts as a sign-in attempt.
        let token = self
            .sign_in(
                account.org.as_str(),
                account.person.as_str(),
                old,
                false,
                at,
            )
            .await?;
        self.set_password(&account.org, &account.person, new)
            .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE org_id = $1 AND person_id = $2 AND token_hash <> $3",
        )
        .bind(account.org.as_str())
        .bind(account.person.as_str())
        .bind(sha256_hex(token.as_bytes()))
        .execute(&self.pool)
        .await?;
        self.sign_out(&token).await?;
        Ok(())
    }

    /// Counts an attempt at an account before its password is checked.
    /// The fifth in a row locks the account at once, so no more than five
    /// are ever checked, however many arrive together; an expired lock
    /// starts the count again.
    async fn take_account_attempt(
        &self,
        org: &str,
        person: &str,
        at: DateTime<Utc>,
    ) -> Result<Attempt, SignInError> {
        let now = thai_time(at).to_rfc3339();
        let until = thai_time(at + window()).to_rfc3339();
        let row = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "UPDATE accounts SET
                failed_attempts = CASE WHEN locked_until <= @ts($3) THEN 1 ELSE failed_attempts + 1 END,
                locked_until = CASE WHEN locked_until <= @ts($3) THEN NULL
                                    WHEN failed_attempts + 1 >= $4 THEN @ts($5)
                                    ELSE locked_until END
             WHERE org_id = $1 AND person_id = $2 AND (locked_until IS NULL OR locked_until <= @ts($3))
             RETURNING password_hash",
        )))
        .bind(org)
        .bind(person)
        .bind(&now)
        .bind(MAX_FAILURES)
        .bind(&until)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return Ok(Attempt::Check(Some(row.try_get("password_hash")?)));
        }
        let locked = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT @text(locked_until) FROM accounts WHERE org_id = $1 AND person_id = $2",
        )))
        .bind(org)
        .bind(person)
        .fetch_optional(&self.pool)
        .await?;
        match locked {
            Some(row) => {
                let until: Option<String> = row.try_get("locked_until")?;
                Ok(Attempt::Locked(until.unwrap_or(now)))
            }
            None => {
                // No such account: the name locks as an account would.
                let name = format!("{org}/{person}");
                if self
                    .take_attempt(UNKNOWN_NAME, &name, MAX_FAILURES, at)
                    .await?
                {
                    Ok(Attempt::Check(None))
                } else {
                    Ok(Attempt::Locked(until))
                }
            }
        }
    }

    /// Counts an attempt of `subject` in `scope`; false when the window's
    /// `max` are spent. One statement, so parallel attempts each take
    /// their own count.
    async fn take_attempt(
        &self,
        scope: &str,
        subject: &str,
        max: i64,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let now = thai_time(at).to_rfc3339();
        let ends = thai_time(at + window()).to_rfc3339();
        let row = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "INSERT INTO sign_in_limits (scope, subject, attempts, window_ends) VALUES ($1, $2, 1, @ts($4))
             ON CONFLICT (scope, subject) DO UPDATE SET
                attempts = CASE WHEN sign_in_limits.window_ends <= @ts($3) THEN 1
                                ELSE sign_in_limits.attempts + 1 END,
                window_ends = CASE WHEN sign_in_limits.window_ends <= @ts($3) THEN @ts($4)
                                   ELSE sign_in_limits.window_ends END
             WHERE sign_in_limits.window_ends <= @ts($3) OR sign_in_limits.attempts < $5
             RETURNING attempts",
        )))
        .bind(scope)
        .bind(subject)
        .bind(&now)
        .bind(&ends)
        .bind(max)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Gives back an attempt that checked no password, or the right one.
    async fn give_back_attempt(&self, scope: &str, subject: &str) -> Result<()> {
        sqlx::query(
            "UPDATE sign_in_limits SET attempts = attempts - 1
             WHERE scope = $1 AND subject = $2 AND attempts > 0",
        )
        .bind(scope)
        .bind(subject)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A stored answer to an action taken with this idempotency key.
    pub async fn idempotent_response(
        &self,
        org: &OrgId,
        person: &PersonId,
        key: &str,
    ) -> Result<Option<(u16, String)>> {
        let (org, person) = (org.as_str(), person.as_str());
        let row = sqlx::query("SELECT status, response FROM idempotency_keys WHERE org_id = $1 AND person_id = $2 AND key = $3")
            .bind(org)
            .bind(person)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let status = u16::try_from(row.try_get::<i64, _>("status")?)
            .map_err(|e| StoreError::corrupt("idempotent response status", e))?;
        Ok(Some((status, row.try_get("response")?)))
    }

    pub async fn remember_response(
        &self,
        org: &OrgId,
        person: &PersonId,
        key: &str,
        status: u16,
        response: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "INSERT INTO idempotency_keys (org_id, person_id, key, status, response, created_at) VALUES ($1, $2, $3, $4, $5, @ts($6))
             ON CONFLICT (org_id, person_id, key) DO NOTHING",
        )))
        .bind(org.as_str())
        .bind(person.as_str())
        .bind(key)
        .bind(i64::from(status))
        .bind(response)
        .bind(thai_time(at).to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
