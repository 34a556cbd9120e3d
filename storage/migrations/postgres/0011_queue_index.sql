-- The queue lists a scope's submissions oldest first, one page at a time.
-- Waiting items (the officers' default view) are read in order from a partial index and
-- the scan stops after a page; other states use the (branch, state) index.
CREATE INDEX submissions_waiting ON submissions (submitted_at, id)
    WHERE state IN ('submitted', 'resubmitted', 'in_review');
CREATE INDEX submissions_queue ON submissions (branch_code, state, submitted_at, id);
-- Flagged duplicates: one number (blind index) held by people with different names or
-- birth dates, found from this index alone.
CREATE INDEX subjects_duplicates ON subjects (number_blind_index, name, birth_date, submission_id)
    WHERE removed_at IS NULL;
-- Every lookup by blind index is about live subjects: the partial index above serves them.
DROP INDEX subjects_by_blind_index;
