-- A correction request is open until the provider hands the submission in again; the
-- provider's status shows the open ones, the officer's item view the whole history.
ALTER TABLE correction_requests ADD COLUMN resolved_at INTEGER;
