-- Records management (issue 19). Every table here is a projection of the
-- records events (retention_schedule_set, retention_set, hold_placed,
-- hold_lifted, destruction_*, destroyed) that `verify` rebuilds. Existing
-- organisations have no schedule row: they run on the regulation's
-- (saraban_core::retention::Schedule::regulation) until they set one, and
-- their documents take their class from it, so nothing is carried over.
CREATE TABLE retention_schedules (
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    version         INTEGER NOT NULL,
    definition      TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    set_by          TEXT NOT NULL,
    set_at          TEXT NOT NULL,
    PRIMARY KEY (org_id, version)
);

-- A document's class where the drafter or registrar chose one.
CREATE TABLE document_retention (
    org_id      TEXT NOT NULL,
    document_id TEXT NOT NULL,
    class       TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, document_id)
);

CREATE TABLE legal_holds (
    org_id    TEXT NOT NULL REFERENCES organisations (id),
    id        TEXT NOT NULL,
    reason    TEXT NOT NULL,
    query     TEXT,
    placed_by TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    lifted_by TEXT,
    lifted_at TEXT,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE legal_hold_documents (
    org_id      TEXT NOT NULL,
    hold_id     TEXT NOT NULL,
    document_id TEXT NOT NULL,
    PRIMARY KEY (org_id, hold_id, document_id)
);
CREATE INDEX legal_hold_documents_by_document ON legal_hold_documents (org_id, document_id);

-- บัญชีหนังสือขอทำลาย: one a year per organisation.
CREATE TABLE destruction_lists (
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    id          TEXT NOT NULL,
    year        INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    state       TEXT NOT NULL,
    items_hash  TEXT NOT NULL,
    committee   TEXT,
    order_ref   TEXT,
    drafted_by  TEXT NOT NULL,
    drafted_at  TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, year),
    UNIQUE (org_id, number)
);

CREATE TABLE destruction_items (
    org_id      TEXT NOT NULL,
    list_id     TEXT NOT NULL,
    document_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    register_id TEXT,
    year        INTEGER NOT NULL,
    number      INTEGER,
    class       TEXT NOT NULL,
    kept_by     TEXT,
    kept_reason TEXT,
    subject     TEXT,
    destroyed_at TEXT,
    PRIMARY KEY (org_id, list_id, document_id)
);
CREATE INDEX destruction_items_by_document ON destruction_items (org_id, document_id);
