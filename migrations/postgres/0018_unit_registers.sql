-- A unit's own receiving register (issue 16): each received letter a
-- unit's clerk recorded in the register their position keeps (kept_by),
-- with that register's gapless number of the B.E. year. A projection of
-- the `unit_received` events, which `verify` rebuilds and compares; no
-- such event exists before this migration, so there is nothing to carry.
-- The numbers come from `register_counters`, as every register's do.
CREATE TABLE unit_receipts (
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    register_id TEXT NOT NULL,
    year        INTEGER NOT NULL,
    number      INTEGER NOT NULL CHECK (number >= 1),
    document_id TEXT NOT NULL,
    position_id TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    standing    TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, register_id, year, number),
    UNIQUE (org_id, register_id, document_id),
    FOREIGN KEY (org_id, register_id) REFERENCES registers (org_id, id),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);
-- A letter's page shows the units' numbers it has.
CREATE INDEX unit_receipts_document ON unit_receipts (org_id, document_id);
