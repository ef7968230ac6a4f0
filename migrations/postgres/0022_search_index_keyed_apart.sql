-- Search's index pass (issue 20) names the organisation and its terms.
-- Given `org_id = $1`, the planner could take a btree on org_id
-- (search_documents_newest) and test every one of the organisation's
-- rows with LIKE, which it prices as nearly free: under load, 100 to
-- 360 ms at 5,000 rows, where the trigram index takes 2 ms. The index is
-- now keyed by the expression `org_id || ''`, which the pass writes and
-- no btree serves; the pass also turns sequential scans off (the planner
-- prices the index's pending list above a scan that tests every row), so
-- the trigram index is the pass's one way in.
-- The build takes the table's write lock for a few minutes a million rows.
CREATE INDEX search_documents_keyed_trigrams ON search_documents
    USING gin ((org_id || ''), text gin_trgm_ops);
DROP INDEX search_documents_org_trigrams;
