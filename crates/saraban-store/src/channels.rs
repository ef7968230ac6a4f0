//! Each person's outside channels (issue 18): an e-mail address confirmed
//! by a link, a LINE user id linked by a one-time code sent to it. Only the
//! SHA-256 of a token or code is kept; the message that carries it drops
//! its body once sent.

use chrono::{DateTime, Duration, Utc};
use saraban_core::notify::{stamp, unstamp};
use saraban_core::{OrgId, PersonId};
use serde::Serialize;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::outbox::{EMAIL, LINE, NewMessage, insert_message};
use crate::store::Store;

/// How long an e-mail confirmation link holds.
const EMAIL_HOURS: i64 = 24;
/// How long a LINE code holds, and how many wrong tries it takes.
const LINE_MINUTES: i64 = 15;
const LINE_TRIES: i64 = 5;

/// A person's channel as their page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Channel {
    /// email or line.
    pub channel: String,
    /// The confirmed address or LINE user id, if any.
    pub address: Option<String>,
    /// The address waiting for its confirmation, if any.
    pub pending: Option<String>,
    pub confirmed_at: Option<String>,
}

fn hash(secret: &str) -> String {
    saraban_core::ledger::sha256_hex(secret.as_bytes())
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(StoreError::crypto)?;
    Ok(hex::encode(buffer))
}

/// A plain check of an e-mail address: one @, a dot in the domain, no
/// spaces or angle brackets, at most 254 characters.
pub fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    address.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && address
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | ',' | ';' | '\\'))
}

/// A LINE user id: "U" and 32 hexadecimal digits.
pub fn valid_line_user(id: &str) -> bool {
    id.len() == 33 && id.starts_with('U') && id[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl Store {
    /// The person's channels.
    pub async fn channels(&self, org: &OrgId, person: &PersonId) -> Result<Vec<Channel>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT channel, address, pending, @text(confirmed_at) FROM person_channels
              WHERE org_id = $1 AND person_id = $2 ORDER BY channel",
        )))
        .bind(org.as_str())
        .bind(person.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| Channel {
                channel: row.get("channel"),
                address: row.get("address"),
                pending: row.get("pending"),
                confirmed_at: row.get("confirmed_at"),
            })
            .collect())
    }

    /// Asks to send notifications to `address`: a link to confirm it goes
    /// there (through the sender), and the address is used once the link is
    /// opened. Returns the link's token (for the caller to drop; it is
    /// kept hashed only).
    pub async fn request_email(
        &self,
        org: &OrgId,
        person: &PersonId,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let address = address.trim();
        if !valid_email(address) {
            return Err(StoreError::invalid("email", "ที่อยู่อีเมลไม่ถูกต้อง"));
        }
        let token = random_hex(32)?;
        let base = self
            .public_url()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        let link = format!("{base}/channels/confirm?token={token}");
        let mut tx = self.pool.begin().await?;
        self.upsert_pending(
            &mut tx,
            org,
            person,
            EMAIL,
            address,
            &token,
            now + Duration::hours(EMAIL_HOURS),
        )
        .await?;
        insert_message(
            &mut tx,
            &NewMessage {
                id: &uuid::Uuid::new_v4().to_string(),
                org: org.as_str(),
                person: person.as_str(),
                channel: EMAIL,
                address,
                subject: "ยืนยันอีเมลสำหรับรับการแจ้งเตือนจากระบบสารบรรณ",
                body: &format!(
                    "มีผู้ขอให้ระบบสารบรรณอิเล็กทรอนิกส์แจ้งเตือนทางอีเมลนี้\nหากเป็นท่าน โปรดเปิดลิงก์นี้ภายใน {EMAIL_HOURS} ชั่วโมงเพื่อยืนยัน:\n{link}\n\nหากไม่ใช่ท่าน ไม่ต้องทำอะไร\n"
                ),
                secret: true,
                at: &stamp(now),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Confirms the e-mail address a link's token names; returns whose.
    pub async fn confirm_email(&self, token: &str, now: DateTime<Utc>) -> Result<(String, String)> {
        let refused = || StoreError::invalid("token", "ลิงก์ยืนยันไม่ถูกต้องหรือหมดอายุแล้ว");
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(refused());
        }
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT org_id, person_id, pending, @text(token_expires) FROM person_channels
              WHERE token_hash = $1 AND channel = $2",
        )))
        .bind(hash(token))
        .bind(EMAIL)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(refused)?;
        let expires: String = row.get("token_expires");
        if unstamp(&expires).is_none_or(|at| at < now) {
            return Err(refused());
        }
        let (org, person): (String, String) = (row.get("org_id"), row.get("person_id"));
        sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "UPDATE person_channels SET address = pending, pending = NULL, token_hash = NULL,
                    token_expires = NULL, tries = 0, confirmed_at = @ts($3)
              WHERE org_id = $1 AND person_id = $2 AND channel = 'email'",
        )))
        .bind(&org)
        .bind(&person)
        .bind(stamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((org, person))
    }

    /// Asks to link a LINE user id: a one-time code is pushed to it, which
    /// the person types on their page (`confirm_line`). Returns the code
    /// (for the caller to drop).
    pub async fn request_line(
        &self,
        org: &OrgId,
        person: &PersonId,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let user_id = user_id.trim();
        if !valid_line_user(user_id) {
            return Err(StoreError::invalid(
                "line_user_id",
                "LINE user id ต้องขึ้นต้นด้วย U ตามด้วยเลขฐานสิบหก 32 หลัก",
            ));
        }
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(StoreError::crypto)?;
        let code = format!("{:06}", u32::from_be_bytes(bytes) % 1_000_000);
        let mut tx = self.pool.begin().await?;
        self.upsert_pending(
            &mut tx,
            org,
            person,
            LINE,
            user_id,
            &format!("{org}/{person}/{code}"),
            now + Duration::minutes(LINE_MINUTES),
        )
        .await?;
        insert_message(
            &mut tx,
            &NewMessage {
                id: &uuid::Uuid::new_v4().to_string(),
                org: org.as_str(),
                person: person.as_str(),
                channel: LINE,
                address: user_id,
                subject: "รหัสเชื่อมบัญชี LINE",
                body: &format!(
                    "รหัสเชื่อมบัญชี LINE กับระบบสารบรรณ: {code}\nพิมพ์รหัสนี้ในหน้าช่องทางแจ้งเตือนของท่านภายใน {LINE_MINUTES} นาที"
                ),
                secret: true,
                at: &stamp(now),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(code)
    }

    /// Links the LINE user id waiting for `code`.
    pub async fn confirm_line(
        &self,
        org: &OrgId,
        person: &PersonId,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let refused = || StoreError::invalid("code", "รหัสไม่ถูกต้องหรือหมดอายุแล้ว");
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "SELECT token_hash, @text(token_expires), tries FROM person_channels
              WHERE org_id = $1 AND person_id = $2 AND channel = $3 AND token_hash IS NOT NULL",
        )))
        .bind(org.as_str())
        .bind(person.as_str())
        .bind(LINE)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(refused)?;
        let expires: String = row.get("token_expires");
        let tries: i64 = row.get("tries");
        if unstamp(&expires).is_none_or(|at| at < now) || tries >= LINE_TRIES {
            return Err(refused());
        }
        let expected: String = row.get("token_hash");
        if hash(&format!("{org}/{person}/{}", code.trim())) != expected {
            sqlx::query(
                "UPDATE person_channels SET tries = tries + 1
                  WHERE org_id = $1 AND person_id = $2 AND channel = $3",
            )
            .bind(org.as_str())
            .bind(person.as_str())
            .bind(LINE)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Err(refused());
        }
        sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "UPDATE person_channels SET address = pending, pending = NULL, token_hash = NULL,
                    token_expires = NULL, tries = 0, confirmed_at = @ts($4)
              WHERE org_id = $1 AND person_id = $2 AND channel = $3",
        )))
        .bind(org.as_str())
        .bind(person.as_str())
        .bind(LINE)
        .bind(stamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stops a channel (and forgets its address). False if there was none.
    pub async fn remove_channel(
        &self,
        org: &OrgId,
        person: &PersonId,
        channel: &str,
    ) -> Result<bool> {
        let gone = sqlx::query(
            "DELETE FROM person_channels WHERE org_id = $1 AND person_id = $2 AND channel = $3",
        )
        .bind(org.as_str())
        .bind(person.as_str())
        .bind(channel)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(gone > 0)
    }

    #[allow(clippy::too_many_arguments)]
    async fn upsert_pending(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        org: &OrgId,
        person: &PersonId,
        channel: &str,
        pending: &str,
        secret: &str,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(self.timed(
            "INSERT INTO person_channels (org_id, person_id, channel, pending, token_hash, token_expires, tries)
             VALUES ($1, $2, $3, $4, $5, @ts($6), 0)
             ON CONFLICT (org_id, person_id, channel) DO UPDATE SET pending = excluded.pending,
                 token_hash = excluded.token_hash, token_expires = excluded.token_expires, tries = 0",
        )))
        .bind(org.as_str())
        .bind(person.as_str())
        .bind(channel)
        .bind(pending)
        .bind(hash(secret))
        .bind(stamp(expires))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
