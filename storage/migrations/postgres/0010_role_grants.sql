-- Granting a role (a new staff account, or a new role or scope for an existing one)
-- takes two admins: one proposes, a different one approves; nobody grants to themselves.
CREATE TABLE role_grants (
    id          TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('officer', 'collector', 'auditor', 'admin')),
    scopes      TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES staff_accounts (id),
    proposed_at BIGINT NOT NULL,
    decided_by  TEXT REFERENCES staff_accounts (id),
    decided_at  BIGINT,
    outcome     TEXT CHECK (outcome IN ('approved', 'rejected'))
);
CREATE INDEX role_grants_pending ON role_grants (decided_at, proposed_at);
