-- Each person's sealed signature image joins the other content in the
-- content store (issue 20): the row keeps the image's SHA-256 (what the log
-- registered), the nonce, and the SHA-256 and size of the sealed bytes,
-- which are the object `{org}/signatures/{fan}/{sealed_sha256}`.
--
-- The rows with their sealed bytes are renamed `…_to_move`; opening the
-- store puts each one's bytes into the content store, then moves the row
-- here in a transaction, and drops the emptied table (see content.rs).
ALTER TABLE signature_images RENAME TO signature_images_to_move;
CREATE TABLE signature_images (
    org_id        TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    nonce         BLOB NOT NULL,
    sealed_sha256 TEXT NOT NULL,
    sealed_size   INTEGER NOT NULL,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
