-- Staff sign-in (second factor, sessions, history) and the officers' decisions.
-- TOTP secrets are stored encrypted (XChaCha20-Poly1305 under keys/totp.key, see
-- storage::totp_key); recovery codes only as SHA-256 of 128-bit random codes.

ALTER TABLE staff_accounts ADD COLUMN totp_secret_sealed BLOB;
ALTER TABLE staff_accounts ADD COLUMN totp_pending_sealed BLOB;
ALTER TABLE staff_accounts ADD COLUMN totp_enrolled_at INTEGER;
-- The last accepted time step: a code is accepted once (RFC 6238 section 5.2).
ALTER TABLE staff_accounts ADD COLUMN totp_last_step INTEGER;

CREATE TABLE staff_recovery_codes (
    account_id TEXT NOT NULL REFERENCES staff_accounts (id),
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (account_id, code_hash)
);

-- One live session per account: the UNIQUE account_id makes a second one impossible.
CREATE TABLE staff_sessions (
    token_hash          BLOB PRIMARY KEY,
    account_id          TEXT NOT NULL UNIQUE REFERENCES staff_accounts (id),
    csrf_hash           BLOB NOT NULL,
    second_factor_done  INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    last_seen_at        INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL
);

-- Login history for auditors; also the counter behind the time-based lockout.
CREATE TABLE staff_sign_ins (
    id         TEXT PRIMARY KEY,
    at         INTEGER NOT NULL,
    username   TEXT NOT NULL,
    account_id TEXT,
    source_ip  TEXT,
    user_agent TEXT,
    outcome    TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'locked')),
    reason     TEXT NOT NULL
);
CREATE INDEX staff_sign_ins_by_username ON staff_sign_ins (username, at);
CREATE INDEX staff_sign_ins_by_ip ON staff_sign_ins (source_ip, at);

-- 本人確認 records: one per person, checker and date from the server, never typed.
CREATE TABLE verifications (
    id             TEXT PRIMARY KEY,
    submission_id  TEXT NOT NULL REFERENCES submissions (id),
    subject_id     TEXT NOT NULL REFERENCES subjects (id),
    number_check   TEXT NOT NULL,
    identity_check TEXT NOT NULL,
    documents      TEXT NOT NULL,
    checked_by     TEXT NOT NULL REFERENCES staff_accounts (id),
    checked_at     INTEGER NOT NULL
);
CREATE INDEX verifications_by_submission ON verifications (submission_id);

CREATE TABLE correction_requests (
    id            TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    subject_id    TEXT REFERENCES subjects (id),
    document_id   TEXT REFERENCES documents (id),
    reason        TEXT NOT NULL,
    message       TEXT NOT NULL,
    requested_by  TEXT NOT NULL REFERENCES staff_accounts (id),
    requested_at  INTEGER NOT NULL
);
CREATE INDEX correction_requests_by_submission ON correction_requests (submission_id);

CREATE TABLE rejections (
    id            TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    reason        TEXT NOT NULL,
    note          TEXT NOT NULL,
    rejected_by   TEXT NOT NULL REFERENCES staff_accounts (id),
    rejected_at   INTEGER NOT NULL
);

-- Release to payroll with dual control: one officer proposes, a different one approves.
CREATE TABLE releases (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('proposed', 'approved')),
    purpose       TEXT NOT NULL,
    proposed_by   TEXT NOT NULL REFERENCES staff_accounts (id),
    proposed_at   INTEGER NOT NULL,
    approved_by   TEXT REFERENCES staff_accounts (id),
    approved_at   INTEGER,
    recipient     TEXT,
    export_sealed BLOB,
    export_sha256 BLOB,
    downloaded_at INTEGER,
    CHECK (approved_by IS NULL OR approved_by <> proposed_by)
);

CREATE TABLE release_items (
    release_id    TEXT NOT NULL REFERENCES releases (id),
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (release_id, submission_id)
);
CREATE INDEX release_items_by_submission ON release_items (submission_id);

-- 持出管理記録簿: everything that left, never the numbers themselves.
CREATE TABLE export_ledger (
    id           TEXT PRIMARY KEY,
    at           INTEGER NOT NULL,
    release_id   TEXT NOT NULL REFERENCES releases (id),
    officers     TEXT NOT NULL,
    record_ids   TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    recipient    TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    route        TEXT NOT NULL,
    sha256       BLOB NOT NULL
);
