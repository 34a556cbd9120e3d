-- Staff credentials over their life (security review findings 6 and 10): nobody but the
-- staff member ever knows their password. A new account, and one whose credentials two
-- admins reset, has no password ('!', which no hash verifies) until its holder opens a
-- one-time activation link and sets one; TOTP is then enrolled at the first sign-in.
-- The link's token is stored as HMAC(session.key, token) with a row MAC (as staff
-- sessions are), so a database writer without the internal key can neither make one nor
-- move one to another account.
ALTER TABLE staff_accounts ADD COLUMN email TEXT;
ALTER TABLE staff_accounts ADD COLUMN password_changed_at BIGINT;
ALTER TABLE role_grants ADD COLUMN email TEXT;

CREATE TABLE staff_activations (
    token_tag   BYTEA PRIMARY KEY,
    account_id  TEXT NOT NULL UNIQUE REFERENCES staff_accounts (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('new', 'reset')),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    row_mac     BYTEA NOT NULL
);

-- Changes to an existing account that take two admins: resetting its credentials
-- (password and TOTP: the holder activates again) and enabling it again after it was
-- disabled. Disabling takes one admin and is immediate (it only ever takes rights away).
CREATE TABLE account_changes (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES staff_accounts (id),
    kind        TEXT NOT NULL CHECK (kind IN ('reset_credentials', 'enable')),
    proposed_by TEXT NOT NULL REFERENCES staff_accounts (id),
    proposed_at BIGINT NOT NULL,
    decided_by  TEXT REFERENCES staff_accounts (id),
    decided_at  BIGINT,
    outcome     TEXT CHECK (outcome IN ('approved', 'withdrawn'))
);
CREATE INDEX account_changes_pending ON account_changes (decided_at, proposed_at);
-- One open proposal of a kind per account.
CREATE UNIQUE INDEX account_changes_one_open ON account_changes (account_id, kind)
    WHERE decided_at IS NULL;

ALTER TABLE payroll_clients ADD COLUMN rotated_at BIGINT;
