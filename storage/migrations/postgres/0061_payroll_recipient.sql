-- Payroll's age recipient (the public key exports are sealed to), set or changed by two
-- admins instead of a hand edit of kakunin.toml and a restart. One admin proposes a
-- recipient, another approves it; the latest approved one is in force (before any, the
-- settings' payroll_recipient). A recipient is a public key: nothing here is secret, but
-- who may change where numbers go is dual control, and every step is audited.
CREATE TABLE payroll_recipient_changes (
    id          TEXT PRIMARY KEY,
    recipient   TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES staff_accounts (id),
    proposed_at BIGINT NOT NULL,
    decided_by  TEXT REFERENCES staff_accounts (id),
    decided_at  BIGINT,
    outcome     TEXT CHECK (outcome IN ('approved', 'withdrawn')),
    -- 1 while the proposal waits, NULL once decided: the unique index below lets one wait.
    pending     BIGINT CHECK (pending = 1)
);
CREATE INDEX payroll_recipient_changes_decided ON payroll_recipient_changes (outcome, decided_at);
-- One open proposal at a time.
CREATE UNIQUE INDEX payroll_recipient_changes_one_open ON payroll_recipient_changes (pending);
