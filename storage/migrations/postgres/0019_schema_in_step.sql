-- The two migration directories describe one schema (storage/tests/schema.rs compares
-- them). Two PostgreSQL columns had been typed INTEGER where every other integer column,
-- and SQLite's INTEGER, is 64-bit: the queue's duplicate mark and the audit head's key.
ALTER TABLE submissions ALTER COLUMN duplicate_flag TYPE BIGINT;
ALTER TABLE audit_head ALTER COLUMN id TYPE BIGINT;
