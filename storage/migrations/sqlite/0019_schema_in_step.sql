-- The two migration directories describe one schema (storage/tests/schema.rs compares
-- them). PostgreSQL's 0019 retypes two columns to the 64-bit integers SQLite already has;
-- nothing changes here, the version is kept in step.
SELECT 1;
