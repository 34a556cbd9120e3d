-- Issue 17 (part B): the annual re-confirmation (年末調整). An admin opens a campaign for a
-- year over every employee, or some branches, whose record is verified or released; each
-- gets one answer row and a fresh link (the record's invitation is re-issued: the token is
-- stored hashed there, as for any invitation). An answer is `no_change` (one tap) or
-- `changed` (a change event handed in while the campaign is open; `change_id` names it).
-- The answer rows carry no name and no number: the admin's lists join the invitation's
-- roster name on the internal side. `branch_code` is copied so that progress per branch is
-- one grouped scan of one index.
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    year        BIGINT NOT NULL,
    branches    TEXT,
    opened_by   TEXT NOT NULL,
    opened_at   BIGINT NOT NULL,
    links_until BIGINT NOT NULL,
    closed_at   BIGINT,
    closed_by   TEXT
);

CREATE TABLE campaign_answers (
    id             TEXT PRIMARY KEY,
    campaign_id    TEXT NOT NULL REFERENCES campaigns (id),
    person_id      TEXT NOT NULL REFERENCES people (id),
    record_id      TEXT NOT NULL REFERENCES submissions (id),
    invitation_id  TEXT NOT NULL REFERENCES invitations (id),
    branch_code    TEXT,
    answer         TEXT CHECK (answer IN ('no_change', 'changed')),
    change_id      TEXT REFERENCES submissions (id),
    answered_at    BIGINT,
    reminded_at    BIGINT,
    reminders_sent BIGINT NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, person_id)
);
CREATE INDEX campaign_answers_progress ON campaign_answers (campaign_id, branch_code, answer);
CREATE INDEX campaign_answers_by_person ON campaign_answers (person_id, answer);
