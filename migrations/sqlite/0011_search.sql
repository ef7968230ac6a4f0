-- Search (issue 18): one row per document, a projection of the documents
-- table (its content, number, date, urgency and secrecy), rebuilt in the
-- transaction of a change to any of those and by `saraban reindex`. Text
-- columns hold `saraban_core::search::normalise`d text (`title` is the
-- subject as typed, to show). `readers` lists, for a secret document only,
-- who may find it ("person:ID" and "position:ID" between spaces). A route
-- action that neither numbers nor touches a secret document changes no
-- column here: its state is read from the documents table and the names
-- of those who acted from the actions table, when searching.
--
-- `id` orders the rows as they were first indexed, newest last: a search
-- reads the newest matches first and stops at its bound.
CREATE TABLE search_documents (
    id          INTEGER PRIMARY KEY,
    org_id      TEXT NOT NULL,
    document_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    drafter_id  TEXT NOT NULL,
    register_id TEXT,
    year        INTEGER,
    number      INTEGER,
    dated       TEXT NOT NULL,
    urgency     TEXT,
    secrecy     TEXT,
    title       TEXT NOT NULL,
    subject     TEXT NOT NULL,
    numbers     TEXT NOT NULL,
    readers     TEXT,
    -- Last: the other columns are read without its overflow pages.
    text        TEXT NOT NULL,
    UNIQUE (org_id, document_id),
    FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);
CREATE INDEX search_documents_newest ON search_documents (org_id, id);

-- FTS5 with the trigram tokenizer: Thai has no spaces between words, so a
-- word index would need a segmenter's guess at them; trigrams find any
-- substring of three characters or more ("งบประมาณ" in "ประจำปีงบประมาณ").
-- External content: the text is kept once, in search_documents, and the
-- triggers keep the index in step with it, touching it only when the text
-- itself changes.
CREATE VIRTUAL TABLE search_index USING fts5(
    text, content = 'search_documents', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER search_documents_added AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_index (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER search_documents_removed AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_index (search_index, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER search_documents_rewritten AFTER UPDATE OF text ON search_documents
WHEN old.text <> new.text BEGIN
    INSERT INTO search_index (search_index, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO search_index (rowid, text) VALUES (new.id, new.text);
END;
