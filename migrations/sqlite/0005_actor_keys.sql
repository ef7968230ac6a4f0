-- Each person's own approval key: an Ed25519 seed sealed under a key
-- derived from their password (argon2id with its own salt), and the
-- verifier key, which the log also records when the key is made. The
-- signature of an endorsement or signature event is kept beside it.
CREATE TABLE person_keys (
    org_id       TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    sealed_seed  BLOB NOT NULL,
    salt         BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
ALTER TABLE events ADD COLUMN actor_signature BLOB;
