-- saraban's engine: organisations, their people and routes, documents,
-- registers and the approval log. Every row carries its organisation.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    config      TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    emblem      BLOB,
    updated_at  TEXT NOT NULL
);

CREATE TABLE positions (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    id     TEXT NOT NULL,
    title  TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE people (
    org_id    TEXT NOT NULL REFERENCES organisations (id),
    id        TEXT NOT NULL,
    name      TEXT NOT NULL,
    signature TEXT,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE holdings (
    org_id      TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    position_id TEXT NOT NULL,
    from_date   TEXT NOT NULL,
    to_date     TEXT,
    PRIMARY KEY (org_id, person_id, position_id, from_date),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, position_id) REFERENCES positions (org_id, id)
);

CREATE TABLE delegations (
    org_id      TEXT NOT NULL,
    delegate_id TEXT NOT NULL,
    position_id TEXT NOT NULL,
    capacity    TEXT NOT NULL,
    order_ref   TEXT NOT NULL,
    from_date   TEXT NOT NULL,
    to_date     TEXT NOT NULL,
    PRIMARY KEY (org_id, delegate_id, position_id, from_date),
    FOREIGN KEY (org_id, delegate_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, position_id) REFERENCES positions (org_id, id)
);

CREATE TABLE routes (
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    definition      TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, version)
);

CREATE TABLE registers (
    org_id  TEXT NOT NULL REFERENCES organisations (id),
    id      TEXT NOT NULL,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    pattern TEXT NOT NULL,
    reset   TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- The next number to give, per register and B.E. year.
CREATE TABLE register_counters (
    org_id      TEXT NOT NULL,
    register_id TEXT NOT NULL,
    year        INTEGER NOT NULL,
    next_number INTEGER NOT NULL CHECK (next_number >= 1),
    PRIMARY KEY (org_id, register_id, year),
    FOREIGN KEY (org_id, register_id) REFERENCES registers (org_id, id)
);

CREATE TABLE documents (
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    id            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    step          INTEGER NOT NULL,
    round         INTEGER NOT NULL,
    drafter_id    TEXT NOT NULL,
    route_version INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    content       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    register_id   TEXT,
    year          INTEGER,
    number        INTEGER,
    pdf_hash      TEXT,
    cancelled_at  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, register_id, year, number),
    FOREIGN KEY (org_id, drafter_id) REFERENCES people (org_id, id)
);
CREATE INDEX documents_by_state ON documents (org_id, state, updated_at);

CREATE TABLE document_versions (
    org_id       TEXT NOT NULL,
    document_id  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    content      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    author_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, document_id, version),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);

-- What each person did at each step (endorsements, returns, signatures).
CREATE TABLE actions (
    org_id      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    document_id TEXT NOT NULL,
    round       INTEGER NOT NULL,
    step        INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    position_id TEXT,
    actor_id    TEXT NOT NULL,
    standing    TEXT,
    text        TEXT,
    at          TEXT NOT NULL,
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);
CREATE INDEX actions_by_document ON actions (org_id, document_id, round, step);
-- A position endorses a step once per round.
CREATE UNIQUE INDEX one_endorsement_per_step
    ON actions (org_id, document_id, round, step, position_id) WHERE kind = 'endorse';

-- Issued PDFs, content-addressed.
CREATE TABLE pdfs (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL
);

CREATE TABLE ledger_heads (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id),
    seq    INTEGER NOT NULL,
    hash   BLOB NOT NULL
);

CREATE TABLE events (
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    seq         INTEGER NOT NULL,
    bytes       BLOB NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL,
    document_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX events_by_document ON events (org_id, document_id, seq);
