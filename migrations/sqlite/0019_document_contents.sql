-- A document's content (its drafter's JSON, often 8 KB) moves out of its
-- row into a table of its own (issue 20, point 6). A route action reads and
-- rewrites the row; with the content inside, each read walked the content's
-- overflow pages and each rewrite that changed the row's length wrote them
-- again. The row keeps what a route action decides on and a list shows:
-- the subject, the urgency and the secrecy (named apart, as PostgreSQL's
-- were, so that no join becomes ambiguous). `verify` checks them against
-- the content.
CREATE TABLE document_contents (
    org_id      TEXT NOT NULL,
    document_id TEXT NOT NULL,
    content     TEXT NOT NULL,
    PRIMARY KEY (org_id, document_id),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);
INSERT INTO document_contents (org_id, document_id, content)
    SELECT org_id, id, content FROM documents;

ALTER TABLE documents ADD COLUMN list_subject TEXT;
ALTER TABLE documents ADD COLUMN list_urgency TEXT;
ALTER TABLE documents ADD COLUMN list_secrecy TEXT;
UPDATE documents SET
    list_subject = json_extract(content, '$.subject'),
    list_urgency = json_extract(content, '$.urgency'),
    list_secrecy = json_extract(content, '$.secrecy');
ALTER TABLE documents DROP COLUMN content;
