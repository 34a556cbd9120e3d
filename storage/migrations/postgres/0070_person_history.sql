-- Issue 17 (part A): the record over the years. Each employee or payee is one person with
-- a stable id; each dependant is a person linked to them (holder_id) with the dates the
-- relationship started and ended; a spouse's 国民年金第3号被保険者 periods are dated too.
-- A submission is one event in that history: `collection` (the first intake) or `change`
-- (after a verification: it holds a new version of the changed people only, and goes to
-- the officer alone). Every subjects row is a version of one person (`person_id`); a
-- change's version names the version it replaces (`previous_id`), what changed and from
-- when; the replaced version is marked superseded once the change is verified and stays,
-- sealed, in the history (a superseded number is never exported as current).
CREATE TABLE people (
    id           TEXT PRIMARY KEY,
    holder_id    TEXT REFERENCES people (id),
    kind         TEXT NOT NULL CHECK (kind IN ('employee', 'payee', 'dependant')),
    relationship TEXT,
    started_on   TEXT,
    ended_on     TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX people_by_holder ON people (holder_id);

CREATE TABLE category3_periods (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    started_on TEXT,
    ended_on   TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX category3_periods_by_person ON category3_periods (person_id);

ALTER TABLE submissions ADD COLUMN person_id TEXT REFERENCES people (id);
ALTER TABLE submissions ADD COLUMN event TEXT NOT NULL DEFAULT 'collection';
ALTER TABLE submissions ADD COLUMN change_of TEXT REFERENCES submissions (id);
CREATE INDEX submissions_by_person ON submissions (person_id);

ALTER TABLE subjects ADD COLUMN person_id TEXT REFERENCES people (id);
ALTER TABLE subjects ADD COLUMN change_kind TEXT;
ALTER TABLE subjects ADD COLUMN change_effective_on TEXT;
ALTER TABLE subjects ADD COLUMN previous_id TEXT REFERENCES subjects (id);
ALTER TABLE subjects ADD COLUMN superseded_at BIGINT;
CREATE INDEX subjects_by_person ON subjects (person_id);

-- A release hands payroll either the full current record of each person (`snapshot`, as
-- before) or only what changed, each row marked added, changed or ended (`changes`).
ALTER TABLE releases ADD COLUMN mode TEXT NOT NULL DEFAULT 'snapshot';

-- Existing data: every subject becomes a person whose id is the subject's own id (the
-- payroll CSV's person_id column keeps its value); the provider of each submission is the
-- holder of its dependants.
INSERT INTO people (id, holder_id, kind, relationship, created_at)
    SELECT t.id, NULL, i.kind, NULL, t.created_at
    FROM subjects t JOIN submissions s ON s.id = t.submission_id
    JOIN invitations i ON i.id = s.invitation_id
    WHERE t.relationship = 'self';
UPDATE submissions SET person_id = (SELECT MIN(t.id) FROM subjects t
    WHERE t.submission_id = submissions.id AND t.relationship = 'self');
INSERT INTO people (id, holder_id, kind, relationship, created_at)
    SELECT t.id, s.person_id, 'dependant', t.relationship, t.created_at
    FROM subjects t JOIN submissions s ON s.id = t.submission_id
    WHERE t.relationship <> 'self';
UPDATE subjects SET person_id = id;
INSERT INTO category3_periods (id, person_id, started_on, ended_on, created_at)
    SELECT id, id, NULL, NULL, created_at FROM subjects
    WHERE category3_spouse = 1 AND removed_at IS NULL;
