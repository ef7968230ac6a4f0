-- Enclosure files (สิ่งที่ส่งมาด้วย), kept as they were sent, once per
-- organisation by their SHA-256. A document's content names each by its
-- hash, so the content hash, and the event of the version, covers the
-- bytes; `verify` hashes every stored file against its key.
CREATE TABLE enclosure_files (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    sha256     TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       BIGINT NOT NULL,
    bytes      BYTEA NOT NULL,
    PRIMARY KEY (org_id, sha256)
);
