-- Notifications and deadlines (issue 18). Times are text in Thai time with
-- six fraction digits ("2025-04-09T08:00:00.000000+07:00", written by
-- saraban_core::notify::stamp), so text order is time order (PostgreSQL's
-- 0013 keeps them as TIMESTAMPTZ).

-- The outbox: one row per person told of something, written in the same
-- transaction as the event that causes it (or, for a reminder, once per
-- person, document and day: `once`).
CREATE TABLE notifications (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    document_id TEXT NOT NULL,
    -- waiting, returned, issued, assigned, due_tomorrow, due_today
    cause       TEXT NOT NULL,
    -- ด่วนที่สุด, ด่วนมาก, ด่วน, or none
    urgency     TEXT,
    subject     TEXT NOT NULL,
    event_seq   INTEGER,
    once        TEXT,
    created_at  TEXT NOT NULL,
    read_at     TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX notifications_once ON notifications (org_id, person_id, once) WHERE once IS NOT NULL;
CREATE INDEX notifications_by_person ON notifications (org_id, person_id, created_at);

-- What each notification owes each outside channel the person had when it
-- was written: planned into a message (message_id) once due.
CREATE TABLE notification_deliveries (
    org_id          TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    channel         TEXT NOT NULL,
    send_after      TEXT NOT NULL,
    message_id      TEXT,
    PRIMARY KEY (org_id, notification_id, channel)
);
CREATE INDEX deliveries_unplanned ON notification_deliveries (send_after) WHERE message_id IS NULL;

-- A message as sent to one address: its id is LINE's X-Line-Retry-Key and
-- the e-mail's Message-ID, the same on every try. status: pending (due at
-- next_attempt), sending (claimed until lease_until), sent, failed (for
-- good: shown to the administrator).
CREATE TABLE notification_messages (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    -- 1: the body holds a secret (a confirmation link or code), replaced
    -- once sent.
    secret       INTEGER NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    next_attempt TEXT NOT NULL,
    lease_until  TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT
);
CREATE INDEX notification_messages_due ON notification_messages (status, next_attempt);

-- Every try of every message, and how it ended.
CREATE TABLE notification_attempts (
    message_id TEXT NOT NULL,
    attempt    INTEGER NOT NULL,
    at         TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT,
    PRIMARY KEY (message_id, attempt)
);

-- Each person's outside channels: an e-mail address confirmed by a link,
-- a LINE user id linked by a one-time code. Only the SHA-256 of the token
-- or code is kept.
CREATE TABLE person_channels (
    org_id        TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    channel       TEXT NOT NULL,
    address       TEXT,
    pending       TEXT,
    token_hash    TEXT,
    token_expires TEXT,
    tries         INTEGER NOT NULL DEFAULT 0,
    confirmed_at  TEXT,
    PRIMARY KEY (org_id, person_id, channel)
);
CREATE UNIQUE INDEX person_channels_token ON person_channels (token_hash) WHERE token_hash IS NOT NULL;

-- A document's or received letter's deadline (ภายในวันที่, ISO date): a
-- projection of its content's `deadline` or its assignment's `due`.
CREATE TABLE deadlines (
    org_id      TEXT NOT NULL,
    document_id TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    PRIMARY KEY (org_id, document_id)
);
CREATE INDEX deadlines_by_day ON deadlines (due_on);

-- An organisation's own holiday list (TOML, as saraban_core::calendar
-- reads it), once it has edited the one shipped; the log records each
-- change (holidays_changed, its SHA-256).
CREATE TABLE holiday_lists (
    org_id     TEXT PRIMARY KEY,
    list       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
