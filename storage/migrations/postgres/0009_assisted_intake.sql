-- Submissions taken in by staff on a person's behalf: paper received by post (郵送) or
-- handed over in person (対面), by an officer or a branch collector. The record says how
-- it arrived, which documents the staff member saw, who and when (server clock).
CREATE TABLE assisted_intakes (
    id                 TEXT PRIMARY KEY,
    submission_id      TEXT NOT NULL REFERENCES submissions (id),
    channel            TEXT NOT NULL CHECK (channel IN ('post', 'in_person')),
    documents_seen     TEXT NOT NULL,
    note               TEXT NOT NULL,
    taken_by           TEXT NOT NULL REFERENCES staff_accounts (id),
    taken_at           BIGINT NOT NULL
);
CREATE INDEX assisted_intakes_by_submission ON assisted_intakes (submission_id);
