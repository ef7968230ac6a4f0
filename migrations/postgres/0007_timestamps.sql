-- Timestamps become TIMESTAMPTZ. Until now they were RFC 3339 text in
-- Thai time (+07:00); PostgreSQL reads that text as the same instant, kept
-- to the microsecond: digits beyond the sixth are cut, not rounded, as the
-- code now cuts them, and verify compares times to the microsecond. What
-- events hash is their stored bytes, which this does not touch.
ALTER TABLE organisations ALTER COLUMN updated_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(updated_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE routes ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(created_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE documents
    ALTER COLUMN cancelled_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(cancelled_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ),
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(created_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ),
    ALTER COLUMN updated_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(updated_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE document_versions ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(created_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE actions ALTER COLUMN at TYPE TIMESTAMPTZ USING CAST(regexp_replace(at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE accounts ALTER COLUMN locked_until TYPE TIMESTAMPTZ USING CAST(regexp_replace(locked_until, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE sessions
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(created_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ),
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(expires_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE idempotency_keys ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(created_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE checkpoints ALTER COLUMN made_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(made_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE person_keys ALTER COLUMN created_at TYPE TIMESTAMPTZ USING CAST(regexp_replace(created_at, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
ALTER TABLE sign_in_limits ALTER COLUMN window_ends TYPE TIMESTAMPTZ USING CAST(regexp_replace(window_ends, '(\.[0-9]{6})[0-9]+', '\1') AS TIMESTAMPTZ);
