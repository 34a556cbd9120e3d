-- Issue 17 (part B): leaving, re-hiring and per-person disposal.
--
-- Leaving ends the employment (or the payee's contract) of the PERSON: HR's leaving date is
-- kept per person, apart from `people` so that the public instance's role (which reads
-- `people`) learns no leaving date; a re-hire deletes the row (the date is in the trail).
CREATE TABLE person_leavings (
    person_id   TEXT PRIMARY KEY REFERENCES people (id),
    left_on     TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
INSERT INTO person_leavings (person_id, left_on, recorded_at)
    SELECT person_id, MAX(needed_until), 0 FROM submissions
    WHERE person_id IS NOT NULL AND needed_until IS NOT NULL AND event = 'collection'
    GROUP BY person_id;

-- A disposal destroys a whole record (a submission, as before), or one person of it: an
-- ended dependant (all of their versions), or one version (superseded: its number and
-- photos; or only its replaced photos). `target_id` is '' for a whole record, else the
-- person's or the version's id, so that one proposal per target waits at a time.
ALTER TABLE disposals ADD COLUMN person_id TEXT REFERENCES people (id);
ALTER TABLE disposals ADD COLUMN subject_id TEXT REFERENCES subjects (id);
ALTER TABLE disposals ADD COLUMN reason TEXT;
ALTER TABLE disposals ADD COLUMN target_id TEXT NOT NULL DEFAULT '';
DROP INDEX disposals_one_open_per_submission;
CREATE UNIQUE INDEX disposals_one_open_per_target ON disposals (submission_id, target_id)
    WHERE approved_at IS NULL;
