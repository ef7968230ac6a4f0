-- Content out of the database (issue 20): issued PDFs, enclosure files and
-- received originals, and printed signature images are kept by SHA-256 in
-- the content store (a folder, or an S3 bucket named with --store). Each
-- table keeps the hash and metadata only, by organisation: the store's key
-- is `{org}/{kind}/{sha256[0..2]}/{sha256}`.
--
-- The rows with bytes are renamed `…_to_move`; opening the store copies
-- each row's bytes to the content store, then moves the row here in a
-- transaction, and drops the emptied table (see content.rs).
ALTER TABLE pdfs RENAME TO pdfs_to_move;
ALTER TABLE pdfs_to_move RENAME CONSTRAINT pdfs_pkey TO pdfs_to_move_pkey;
CREATE TABLE pdfs (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    sha256 TEXT NOT NULL,
    size   BIGINT NOT NULL,
    PRIMARY KEY (org_id, sha256)
);

ALTER TABLE enclosure_files RENAME TO enclosure_files_to_move;
ALTER TABLE enclosure_files_to_move RENAME CONSTRAINT enclosure_files_pkey TO enclosure_files_to_move_pkey;
CREATE TABLE enclosure_files (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    sha256     TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       BIGINT NOT NULL,
    PRIMARY KEY (org_id, sha256)
);

ALTER TABLE inked_signatures RENAME TO inked_signatures_to_move;
ALTER TABLE inked_signatures_to_move RENAME CONSTRAINT inked_signatures_pkey TO inked_signatures_to_move_pkey;
CREATE TABLE inked_signatures (
    org_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size   BIGINT NOT NULL,
    PRIMARY KEY (org_id, sha256)
);
