-- Machine clients of the payroll system: they pull released records, sealed to payroll's
-- own age recipient. Only the SHA-256 of each bearer token is kept.
CREATE TABLE payroll_clients (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
