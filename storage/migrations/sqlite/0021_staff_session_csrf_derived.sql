-- The staff CSRF token is derived from the session cookie and checked by one middleware
-- without a database read (intake-api/src/csrf.rs), so the stored hash of it is no longer
-- read: the column goes.
ALTER TABLE staff_sessions DROP COLUMN csrf_hash;
