-- A digest of each key that every instance must share (today the key of staff TOTP secrets),
-- recorded by the first instance that starts: an instance holding a different key refuses
-- to start instead of failing every staff sign-in (see storage/src/totp_key.rs).
CREATE TABLE key_checks (
    name   TEXT PRIMARY KEY,
    digest BYTEA NOT NULL
);
