-- A session carries its person's approval key, sealed under a key derived
-- from the session's token (which the row does not hold), so that every
-- server process on the database can act for them. Sessions opened
-- before this have none: their people sign in again to approve on a
-- process other than the one they signed in on.
ALTER TABLE sessions ADD COLUMN key_wrap BYTEA;
