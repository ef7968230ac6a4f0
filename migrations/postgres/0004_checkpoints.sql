-- Signed checkpoints of each organisation's log (C2SP signed notes, the
-- same text as the file outside the database), the Merkle frontier that
-- lets a checkpoint be made without rereading the log, and the verifier
-- key that checkpoints are signed with; and each issued document's public
-- verification code.
ALTER TABLE ledger_heads ADD COLUMN frontier BYTEA;
ALTER TABLE organisations ADD COLUMN verifier_key TEXT;
CREATE TABLE checkpoints (
    org_id  TEXT NOT NULL,
    size    BIGINT NOT NULL,
    root    BYTEA NOT NULL,
    note    TEXT NOT NULL,
    made_at TEXT NOT NULL,
    PRIMARY KEY (org_id, size)
);
ALTER TABLE documents ADD COLUMN verify_code TEXT;
CREATE UNIQUE INDEX documents_by_verify_code ON documents (verify_code);
