-- Each person's signature image (PNG, normalised when registered), sealed
-- under a key derived from their approval key, so that only they, signed
-- in, can put it on a page. The log records its SHA-256
-- (signature_registered); a removed one leaves no row.
CREATE TABLE signature_images (
    org_id    TEXT NOT NULL,
    person_id TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    nonce     BYTEA NOT NULL,
    sealed    BYTEA NOT NULL,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
-- The images that endorsements and signatures have printed, by SHA-256:
-- written with the first event that names one, read to typeset it.
CREATE TABLE inked_signatures (
    org_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    png    BYTEA NOT NULL,
    PRIMARY KEY (org_id, sha256)
);
-- The chain of the organisation's PAdES seal (PEM, leaf first), kept
-- beside the key folder's files for whoever checks without the keys.
ALTER TABLE organisations ADD COLUMN seal_chain TEXT;
