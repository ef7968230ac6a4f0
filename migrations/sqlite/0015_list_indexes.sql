-- Every list a page or the API shows is read through an index in the
-- order it shows (issue 20, point 5; the statements are in
-- saraban-store's list_queries.rs, and tests/stories/plans.rs asks the
-- planner about each). Indexes only: no data changes.

-- The inbox: a drafter's drafts, and what they sent, latest first.
CREATE INDEX documents_drafts ON documents (org_id, drafter_id, updated_at, id)
    WHERE state IN ('draft', 'returned');
CREATE INDEX documents_sent ON documents (org_id, drafter_id, updated_at, id)
    WHERE state IN ('in_review', 'awaiting_signature', 'signed', 'issued');

-- What waits for a position, put in order by its keys alone, so that
-- only the first page's rows are read.
CREATE INDEX documents_keys ON documents (org_id, id, updated_at);

-- The document list's pages, latest first, in all states or one.
CREATE INDEX documents_latest ON documents (org_id, updated_at, id);
CREATE INDEX documents_latest_by_state ON documents (org_id, state, updated_at, id);
-- documents_latest_by_state serves whatever documents_by_state did.
DROP INDEX documents_by_state;

-- The public board, latest first.
CREATE INDEX documents_on_board ON documents (org_id, published_at, id)
    WHERE published_at IS NOT NULL;
DROP INDEX documents_published;

-- A person's notifications, newest first.
CREATE INDEX notifications_latest ON notifications (org_id, person_id, created_at, id);
DROP INDEX notifications_by_person;

-- The messages that failed for good, newest first.
CREATE INDEX notification_messages_failed ON notification_messages (org_id, created_at)
    WHERE status = 'failed';
CREATE INDEX notification_messages_failed_all ON notification_messages (created_at)
    WHERE status = 'failed';

-- A destruction list's items in register order.
CREATE INDEX destruction_items_in_order ON destruction_items
    (org_id, list_id, COALESCE(register_id, ''), year, COALESCE(number, 0), document_id);

-- When the public board last changed: the few actions that change it.
CREATE INDEX actions_on_board ON actions (org_id, seq)
    WHERE kind IN ('publish', 'unpublish', 'cancel');

-- The circulated letters the inbox asks about: only those ever circulated.
CREATE INDEX documents_circulated ON documents (org_id, id)
    WHERE circulated_to IS NOT NULL;

-- An organisation's deadlines passed, the latest first.
CREATE INDEX deadlines_by_org ON deadlines (org_id, due_on);
