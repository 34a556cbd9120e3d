-- Issue 16: a release names one of the configured purposes of use ([portal] purposes, the
-- list the landing page and the file ledger show), checked by application::release, and
-- may add a short note (e.g. 2026年分 年末調整) kept beside it, not inside it.
ALTER TABLE releases ADD COLUMN purpose_note TEXT;
ALTER TABLE export_ledger ADD COLUMN purpose_note TEXT;
