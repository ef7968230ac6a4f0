//! Sign-in: argon2id passwords, sessions and API tokens, lock-out after
//! repeated failures, and what a signed-in person may act as today.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use saraban_core::clock::{thai_date, thai_time};
use saraban_core::ledger::sha256_hex;
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, StoreError};

/// Failures in a row before an account is locked, and for how long.
const MAX_FAILURES: i64 = 5;
const LOCK_MINUTES: i64 = 15;
pub const SESSION_HOURS: i64 = 12;
pub const API_TOKEN_DAYS: i64 = 90;

/// A signed-in person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub org: String,
    pub person: String,
    pub name: String,
    pub is_admin: bool,
    /// Positions held or acted for today, with the capacity.
    pub positions: Vec<PositionHeld>,
}

/// A position and how it is held: holder, delegated, acting, acting_in_position.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PositionHeld {
    pub position: String,
    pub capacity: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown organisation, person or password: one answer for all three.
    #[error("the organisation, user or password is wrong")]
    Wrong,
    #[error("too many failed attempts; try again after {0}")]
    Locked(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SignInError {
    fn from(error: sqlx::Error) -> Self {
        SignInError::Store(error.into())
    }
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
    pub async fn set_password(&self, org: &str, person: &str, password: &str) -> Result<()> {
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
        let row = sqlx::query("SELECT password_hash, failed_attempts, locked_until FROM accounts WHERE org_id = $1 AND person_id = $2")
            .bind(org)
            .bind(person)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            // Spend the time a real check would, so that timing does not
            // tell which accounts exist.
            let _ = hash_password(password);
            return Err(SignInError::Wrong);
        };
        let stored: String = row.try_get("password_hash")?;
        let failures: i64 = row.try_get("failed_attempts")?;
        let locked_until: Option<String> = row.try_get("locked_until")?;
        let now = thai_time(at).to_rfc3339();
        if let Some(until) = locked_until {
            let until_time = DateTime::parse_from_rfc3339(&until)
                .map_err(|e| StoreError::corrupt("account lock time", e))?;
            if until_time > at {
                return Err(SignInError::Locked(until));
            }
        }
        let verified = {
            let password = password.to_owned();
            tokio::task::spawn_blocking(move || {
                PasswordHash::new(&stored)
                    .map(|hash| {
                        Argon2::default()
                            .verify_password(password.as_bytes(), &hash)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await
            .unwrap_or(false)
        };
        if !verified {
            let failures = failures + 1;
            let locked = (failures >= MAX_FAILURES)
                .then(|| thai_time(at + Duration::minutes(LOCK_MINUTES)).to_rfc3339());
            sqlx::query("UPDATE accounts SET failed_attempts = $1, locked_until = $2 WHERE org_id = $3 AND person_id = $4")
                .bind(if locked.is_some() { 0 } else { failures })
                .bind(locked)
                .bind(org)
                .bind(person)
                .execute(&self.pool)
                .await?;
            return Err(SignInError::Wrong);
        }
        let token = new_token();
        let expires = if api {
            at + Duration::days(API_TOKEN_DAYS)
        } else {
            at + Duration::hours(SESSION_HOURS)
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE org_id = $1 AND person_id = $2")
            .bind(org)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, org_id, person_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(sha256_hex(token.as_bytes()))
            .bind(org)
            .bind(person)
            .bind(if api { "api" } else { "session" })
            .bind(&now)
            .bind(thai_time(expires).to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.unlock_actor_key(org, person, password, at).await?;
        Ok(token)
    }

    /// The account behind a session or API token, if it is still valid.
    pub async fn authenticate(&self, token: &str, at: DateTime<Utc>) -> Result<Option<Account>> {
        let row = sqlx::query(
            "SELECT s.org_id, s.person_id, s.expires_at, p.name, p.is_admin FROM sessions s
               JOIN people p ON p.org_id = s.org_id AND p.id = s.person_id WHERE s.token_hash = $1",
        )
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
        let org: String = row.try_get("org_id")?;
        let person: String = row.try_get("person_id")?;
        let name: String = row.try_get("name")?;
        let is_admin = row.try_get::<i64, _>("is_admin")? != 0;
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
        org: &str,
        person: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<PositionHeld>> {
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
                    position: row.try_get("position_id")?,
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
            .sign_in(&account.org, &account.person, old, false, at)
            .await?;
        self.set_password(&account.org, &account.person, new)
            .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE org_id = $1 AND person_id = $2 AND token_hash <> $3",
        )
        .bind(&account.org)
        .bind(&account.person)
        .bind(sha256_hex(token.as_bytes()))
        .execute(&self.pool)
        .await?;
        self.sign_out(&token).await?;
        Ok(())
    }

    /// A stored answer to an action taken with this idempotency key.
    pub async fn idempotent_response(
        &self,
        org: &str,
        person: &str,
        key: &str,
    ) -> Result<Option<(u16, String)>> {
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
        org: &str,
        person: &str,
        key: &str,
        status: u16,
        response: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO idempotency_keys (org_id, person_id, key, status, response, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id, person_id, key) DO NOTHING",
        )
        .bind(org)
        .bind(person)
        .bind(key)
        .bind(i64::from(status))
        .bind(response)
        .bind(thai_time(at).to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
