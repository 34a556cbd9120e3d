-- The queue's two rare views get their own ordered indexes, so that each reads one page
-- from an index range instead of scanning the backlog (PostgreSQL chose a parallel
-- sequential scan for both at 100,000 submissions).
--
-- "Flagged duplicates": a mark on the submission, set when one of its people holds a
-- number listed in duplicate_numbers (submissions.rs, note_duplicate) and cleared when its
-- numbers are disposed of. Like the list it comes from, it may stay set after the other
-- person is removed; the queue checks every line live, so a stale mark only costs a probe.
ALTER TABLE submissions ADD COLUMN duplicate_flag INTEGER NOT NULL DEFAULT 0;
UPDATE submissions SET duplicate_flag = 1 WHERE id IN (
    SELECT s.submission_id FROM subjects s
    JOIN duplicate_numbers n ON n.blind_index = s.number_blind_index
    WHERE s.removed_at IS NULL);
CREATE INDEX submissions_flagged ON submissions (submitted_at, id) WHERE duplicate_flag = 1;
-- Waiting items of one branch, oldest first.
CREATE INDEX submissions_waiting_branch ON submissions (branch_code, submitted_at, id)
    WHERE state IN ('submitted', 'resubmitted', 'in_review');
