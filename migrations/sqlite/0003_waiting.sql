-- Which positions a document waits for now, kept with every transition, so
-- that an inbox is one indexed query however many documents there are.
CREATE TABLE waiting (
    org_id      TEXT NOT NULL,
    document_id TEXT NOT NULL,
    position_id TEXT NOT NULL,
    PRIMARY KEY (org_id, document_id, position_id),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);
CREATE INDEX waiting_by_position ON waiting (org_id, position_id);
CREATE INDEX documents_by_drafter ON documents (org_id, drafter_id, state);
