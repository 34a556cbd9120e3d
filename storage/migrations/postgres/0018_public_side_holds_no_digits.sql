-- Invariant 6 (DESIGN.md): a public instance, its files and its database credentials reach
-- no digit of a number and cannot act as staff.
--
-- 1. The blind index and the last four digits leave `subjects`, which the public side
--    writes. They are derived on the internal side (storage/src/number_index.rs) from the
--    sealed number, under keys/blind-index.key, which only internal instances hold, into
--    `number_index`, which a public database role cannot read: the last four digits sealed
--    (XChaCha20-Poly1305 under a subkey of that key), the blind index keyed. `number_ref`
--    names the number a row was derived from: the public side gives every new number a
--    new ref, so a stale derivation is recognised and redone, and marks it pending, so the
--    internal side finds what to derive from a short index instead of the whole table.
-- 2. `number_saved_at`: when the number was last typed, so that an officer unseals only
--    what the person has handed in (finding 8 of the security review).
-- 3. Staff session rows are keyed: `token_hash` now holds HMAC(keys/session.key, token)
--    and `row_mac` binds the row's account, role and second-factor state to it, so a
--    database writer without that key can neither insert a session nor move one to
--    another account. Existing sessions end.
-- 4. `attempt_counters`: the sign-in and step-up lockout (storage/src/lockout.rs) counts
--    and reserves attempts atomically.

CREATE TABLE number_index (
    subject_id   TEXT PRIMARY KEY REFERENCES subjects (id),
    number_ref   TEXT NOT NULL,
    blind_index  BYTEA NOT NULL,
    last4_sealed BYTEA NOT NULL,
    indexed_at   BIGINT NOT NULL
);
CREATE INDEX number_index_by_blind_index ON number_index (blind_index, subject_id);

ALTER TABLE subjects ADD COLUMN number_ref TEXT;
ALTER TABLE subjects ADD COLUMN number_saved_at BIGINT;
ALTER TABLE subjects ADD COLUMN number_pending BIGINT NOT NULL DEFAULT 0;
UPDATE subjects SET number_ref = id, number_saved_at = updated_at, number_pending = 1
    WHERE number_sealed IS NOT NULL;
DROP INDEX subjects_duplicates;
ALTER TABLE subjects DROP COLUMN number_blind_index;
ALTER TABLE subjects DROP COLUMN number_last4;
-- Numbers still to derive: read by the internal side's indexer.
CREATE INDEX subjects_number_pending ON subjects (id) WHERE number_pending = 1;

DELETE FROM staff_sessions;
ALTER TABLE staff_sessions ADD COLUMN row_mac BYTEA NOT NULL DEFAULT ''::bytea;

CREATE TABLE attempt_counters (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL,
    in_flight    BIGINT NOT NULL
);
