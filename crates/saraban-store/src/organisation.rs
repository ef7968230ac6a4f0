//! `org init`: an organisation from its configuration file, idempotently.

use chrono::{DateTime, Utc};
use saraban_core::OrgId;
use saraban_core::clock::thai_time;
use saraban_core::ledger::{GENESIS, sha256_hex};
use saraban_core::org::OrgConfig;
use serde::Serialize;
use sqlx::Row;

use crate::rows::timed_for;
use crate::writer::Writes;
use crate::{Result, Store};

/// What `org init` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InitReport {
    pub organisation_created: bool,
    pub configuration_changed: bool,
    /// Routes that got a new version: (kind, version).
    pub new_route_versions: Vec<(String, i64)>,
}

impl Store {
    /// Creates or updates the organisation described by `config`.
    /// Re-running with the same file changes nothing; a changed route
    /// becomes a new version, and running documents keep theirs.
    pub async fn init_org(
        &self,
        config: &OrgConfig,
        emblem: Option<&[u8]>,
        at: DateTime<Utc>,
    ) -> Result<InitReport> {
        let config_id = config.organisation.id.clone();
        let org = config.organisation.id.as_str();
        let canonical = serde_jcs::to_vec(config)
            .map_err(|e| crate::StoreError::invalid("configuration", e.to_string()))?;
        let config_json = String::from_utf8(canonical).expect("JSON is UTF-8");
        let mut hash_input = config_json.clone().into_bytes();
        hash_input.extend_from_slice(emblem.unwrap_or_default());
        let config_hash = sha256_hex(&hash_input);
        let now = thai_time(at).to_rfc3339();
        let config = config.clone();
        let emblem = emblem.map(<[u8]>::to_vec);
        let org = org.to_owned();
        let report = self
            .writers
            .write(&org.clone(), Writes::AsItGoes, move |batch| {
                Box::pin(async move {
                    init_in(
                        &mut batch.tx,
                        &org,
                        &config,
                        emblem.as_deref(),
                        config_json,
                        config_hash,
                        now,
                    )
                    .await
                })
            })
            .await?;
        // Its checkpoints' key, kept outside the database.
        self.ensure_keys(&OrgId::from(config_id), at).await?;
        Ok(report)
    }
}

async fn init_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    org: &str,
    config: &OrgConfig,
    emblem: Option<&[u8]>,
    config_json: String,
    config_hash: String,
    now: String,
) -> Result<InitReport> {
    {
        let mut report = InitReport::default();
        let existing: Option<String> =
            sqlx::query("SELECT config_hash FROM organisations WHERE id = $1")
                .bind(org)
                .fetch_optional(&mut **tx)
                .await?
                .map(|row| row.try_get("config_hash"))
                .transpose()?;
        if existing.as_deref() == Some(config_hash.as_str()) {
            return Ok(report);
        }
        report.organisation_created = existing.is_none();
        report.configuration_changed = true;
        sqlx::query(sqlx::AssertSqlSafe(timed_for(
            tx,
            "INSERT INTO organisations (id, name, config, config_hash, emblem, updated_at) VALUES ($1, $2, $3, $4, $5, @ts($6))
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, config = excluded.config,
                config_hash = excluded.config_hash, emblem = excluded.emblem, updated_at = excluded.updated_at",
        )))
        .bind(org)
        .bind(config.organisation.name.as_str())
        .bind(&config_json)
        .bind(&config_hash)
        .bind(emblem.map(<[u8]>::to_vec))
        .bind(&now)
        .execute(&mut **tx)
        .await?;
        sqlx::query("INSERT INTO ledger_heads (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (org_id) DO NOTHING")
            .bind(org)
            .bind(GENESIS.to_vec())
            .execute(&mut **tx)
            .await?;

        for position in &config.positions {
            sqlx::query(
                "INSERT INTO positions (org_id, id, title) VALUES ($1, $2, $3)
                 ON CONFLICT (org_id, id) DO UPDATE SET title = excluded.title",
            )
            .bind(org)
            .bind(position.id.as_str())
            .bind(position.title.as_str())
            .execute(&mut **tx)
            .await?;
        }
        for person in &config.people {
            sqlx::query(
                "INSERT INTO people (org_id, id, name, signature, is_admin) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, signature = excluded.signature,
                    is_admin = excluded.is_admin",
            )
            .bind(org)
            .bind(person.id.as_str())
            .bind(person.name.as_str())
            .bind(person.signature.as_ref().map(|s| s.as_str().to_owned()))
            .bind(i64::from(person.admin))
            .execute(&mut **tx)
            .await?;
        }
        // Holdings and delegations are the file's, whole.
        sqlx::query("DELETE FROM holdings WHERE org_id = $1")
            .bind(org)
            .execute(&mut **tx)
            .await?;
        for person in &config.people {
            for holding in &person.holds {
                sqlx::query(
                    "INSERT INTO holdings (org_id, person_id, position_id, from_date, to_date) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(org)
                .bind(person.id.as_str())
                .bind(holding.position.as_str())
                .bind(holding.from.iso())
                .bind(holding.to.map(|d| d.iso()))
                .execute(&mut **tx)
                .await?;
            }
        }
        sqlx::query("DELETE FROM delegations WHERE org_id = $1")
            .bind(org)
            .execute(&mut **tx)
            .await?;
        for d in &config.delegations {
            let standing = saraban_core::workflow::Standing::Delegate(d.capacity);
            sqlx::query(
                "INSERT INTO delegations (org_id, delegate_id, position_id, capacity, order_ref, from_date, to_date)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(org)
            .bind(d.delegate.as_str())
            .bind(d.position.as_str())
            .bind(standing.name())
            .bind(d.order.as_str())
            .bind(d.from.iso())
            .bind(d.to.iso())
            .execute(&mut **tx)
            .await?;
        }
        for register in &config.registers {
            let pattern = serde_json::to_string(&register.pattern()).expect("serialisable");
            let reset = serde_json::to_value(register.reset).expect("serialisable");
            sqlx::query(
                "INSERT INTO registers (org_id, id, name, kind, pattern, reset) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                    pattern = excluded.pattern, reset = excluded.reset",
            )
            .bind(org)
            .bind(register.id.as_str())
            .bind(register.name.as_str())
            .bind(&register.kind)
            .bind(&pattern)
            .bind(reset.as_str().unwrap_or("calendar"))
            .execute(&mut **tx)
            .await?;
            if let Some(start) = &register.start {
                // Only before the year's first number: a start never rewinds.
                sqlx::query(
                    "INSERT INTO register_counters (org_id, register_id, year, next_number) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (org_id, register_id, year) DO NOTHING",
                )
                .bind(org)
                .bind(register.id.as_str())
                .bind(i64::from(start.year.get()))
                .bind(i64::from(start.next))
                .execute(&mut **tx)
                .await?;
            }
        }
        for route_config in &config.routes {
            let route = config.route(&route_config.kind).expect("configured");
            let definition =
                String::from_utf8(serde_jcs::to_vec(&route).expect("serialisable")).expect("UTF-8");
            let hash = sha256_hex(definition.as_bytes());
            let latest = sqlx::query(
                "SELECT version, definition_hash FROM routes WHERE org_id = $1 AND kind = $2 ORDER BY version DESC LIMIT 1",
            )
            .bind(org)
            .bind(&route_config.kind)
            .fetch_optional(&mut **tx)
            .await?;
            let (version, same) = match latest {
                Some(row) => (
                    row.try_get::<i64, _>("version")?,
                    row.try_get::<String, _>("definition_hash")? == hash,
                ),
                None => (0, false),
            };
            if !same {
                sqlx::query(sqlx::AssertSqlSafe(timed_for(
                    tx,
                    "INSERT INTO routes (org_id, kind, version, definition, definition_hash, created_at) VALUES ($1, $2, $3, $4, $5, @ts($6))",
                )))
                .bind(org)
                .bind(&route_config.kind)
                .bind(version + 1)
                .bind(&definition)
                .bind(&hash)
                .bind(&now)
                .execute(&mut **tx)
                .await?;
                report
                    .new_route_versions
                    .push((route_config.kind.clone(), version + 1));
            }
        }
        Ok(report)
    }
}

impl Store {
    /// The organisations in this database, by id.
    pub async fn organisations(&self) -> Result<Vec<OrgId>> {
        let rows = sqlx::query("SELECT id FROM organisations ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                OrgId::parse(&id).map_err(|e| crate::StoreError::corrupt("organisation id", e))
            })
            .collect()
    }

    /// The organisation's configuration as last initialised.
    pub async fn org_config(&self, org: &OrgId) -> Result<OrgConfig> {
        let row = sqlx::query("SELECT config FROM organisations WHERE id = $1")
            .bind(org.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| crate::StoreError::not_found("organisation", org.as_str()))?;
        let config: String = row.try_get("config")?;
        serde_json::from_str(&config).map_err(|e| crate::StoreError::corrupt("configuration", e))
    }
}
