-- Kakunin foundation schema (PostgreSQL). Numbers and images are stored only as age
-- ciphertext; the blind index is an HMAC; at most the last four digits are in clear.
-- Timestamps are Unix milliseconds (UTC); dates are ISO 8601 text.

CREATE TABLE staff_accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('officer', 'collector', 'auditor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

CREATE TABLE staff_scopes (
    account_id  TEXT NOT NULL REFERENCES staff_accounts (id),
    branch_code TEXT NOT NULL,
    PRIMARY KEY (account_id, branch_code)
);

CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    token_hash      BYTEA NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('employee', 'payee')),
    display_name    TEXT NOT NULL,
    employee_code   TEXT,
    branch_code     TEXT,
    birth_date      TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT
);

CREATE TABLE submissions (
    id               TEXT PRIMARY KEY,
    invitation_id    TEXT NOT NULL UNIQUE REFERENCES invitations (id),
    state            TEXT NOT NULL,
    branch_code      TEXT,
    declined_reason  TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    submitted_at     BIGINT,
    claimed_by       TEXT,
    claim_expires_at BIGINT
);
CREATE INDEX submissions_by_state ON submissions (state, updated_at);
CREATE INDEX submissions_by_branch ON submissions (branch_code, state);

CREATE TABLE subjects (
    id                 TEXT PRIMARY KEY,
    submission_id      TEXT NOT NULL REFERENCES submissions (id),
    relationship       TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_kana          TEXT NOT NULL,
    birth_date         TEXT NOT NULL,
    number_sealed      BYTEA,
    number_blind_index BYTEA,
    number_last4       TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    removed_at         BIGINT
);
CREATE UNIQUE INDEX subjects_one_self ON subjects (submission_id)
    WHERE relationship = 'self' AND removed_at IS NULL;
CREATE INDEX subjects_by_submission ON subjects (submission_id);
CREATE INDEX subjects_by_blind_index ON subjects (number_blind_index);

CREATE TABLE documents (
    id               TEXT PRIMARY KEY,
    submission_id    TEXT NOT NULL REFERENCES submissions (id),
    subject_id       TEXT NOT NULL REFERENCES subjects (id),
    kind             TEXT NOT NULL,
    sealed           BYTEA,
    sealed_sha256    BYTEA NOT NULL,
    sealed_len       BIGINT NOT NULL,
    width            BIGINT NOT NULL,
    height           BIGINT NOT NULL,
    removed_metadata TEXT NOT NULL,
    warnings         TEXT NOT NULL,
    uploaded_by      TEXT NOT NULL,
    idempotency_key  TEXT,
    created_at       BIGINT NOT NULL,
    replaced_at      BIGINT,
    UNIQUE (subject_id, idempotency_key)
);
CREATE INDEX documents_by_subject ON documents (subject_id);
CREATE INDEX documents_by_submission ON documents (submission_id);

CREATE TABLE provider_sessions (
    token_hash    BYTEA PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES invitations (id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX provider_sessions_by_expiry ON provider_sessions (expires_at);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT,
    source_ip TEXT,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);

-- The chain head serializes appends (its row lock) and remembers the last hash, so a
-- deleted tail shows up too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Append-only in the database too; `kakunin audit verify` catches whoever drops these.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
