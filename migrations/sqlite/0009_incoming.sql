-- Incoming letters (issue 16): whom the signer's order assigns a received
-- letter to (a position or a person) and by when (ISO date). A projection
-- of the `signed` event's `assigned_to` and `due`; existing rows have none.
ALTER TABLE documents ADD COLUMN assigned_to TEXT;
ALTER TABLE documents ADD COLUMN due_on TEXT;
-- The received letter a memo or letter answers (its content's
-- `in_reply_to`, a projection of it): the letter's page and register find
-- their replies by it.
ALTER TABLE documents ADD COLUMN in_reply_to TEXT;
CREATE INDEX documents_in_reply_to ON documents (org_id, in_reply_to) WHERE in_reply_to IS NOT NULL;
-- A circulated letter (หนังสือเวียน): the positions it went to, and who
-- has acknowledged it, as slugs joined by spaces; projections of the
-- `circulated` and `acknowledged` events.
ALTER TABLE documents ADD COLUMN circulated_to TEXT;
ALTER TABLE documents ADD COLUMN acknowledged_by TEXT;
