-- A document's content (its drafter's JSON, often 8 KB) moves out of its
-- row into a table of its own (issue 20, point 6). Every UPDATE of a row
-- computed its generated columns again (migration 0021), which detoasted
-- and parsed the whole content for each route action. The row keeps the
-- subject and urgency, now written by the store, and the secrecy, which a
-- route action decides on; `verify` checks them against the content.
CREATE TABLE document_contents (
    org_id      TEXT NOT NULL,
    document_id TEXT NOT NULL,
    content     TEXT NOT NULL,
    PRIMARY KEY (org_id, document_id),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);
INSERT INTO document_contents (org_id, document_id, content)
    SELECT org_id, id, content FROM documents;

ALTER TABLE documents
    ALTER COLUMN list_subject DROP EXPRESSION,
    ALTER COLUMN list_urgency DROP EXPRESSION,
    ADD COLUMN list_secrecy TEXT GENERATED ALWAYS AS (content::json ->> 'secrecy') STORED;
ALTER TABLE documents ALTER COLUMN list_secrecy DROP EXPRESSION;
ALTER TABLE documents DROP COLUMN content;
