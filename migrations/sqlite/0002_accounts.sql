-- Sign-in: passwords (argon2id PHC strings), sessions and API tokens (only
-- their SHA-256 is stored), and idempotency keys of API actions.

CREATE TABLE accounts (
    org_id          TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

CREATE TABLE idempotency_keys (
    org_id     TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    key        TEXT NOT NULL,
    status     INTEGER NOT NULL,
    response   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id, key)
);

ALTER TABLE people ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
