-- Published documents (issue 15, point 8): when an issued document was put
-- on the organisation's public board (`/p/{org}`), while it is there. A
-- projection of the `published` and `unpublished` events (a cancellation
-- also takes a document off the board); `saraban verify` rebuilds it.
-- Numbered after 0008, which another change of the same round takes.
ALTER TABLE documents ADD COLUMN published_at TIMESTAMPTZ;
CREATE INDEX documents_published ON documents (org_id, published_at) WHERE published_at IS NOT NULL;
