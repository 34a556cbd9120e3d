-- A verification keeps what it was checked against (issue 16): the version of the rule
-- table (verifier/src/rules/table.rs) and the documents relied on for both checks with
-- the expiry date the officer recorded, as JSON [{"kind", "valid_until"}]. Verifications
-- recorded before versions were recorded say 'legacy' and list no expiry dates.
ALTER TABLE verifications ADD COLUMN rule_version TEXT NOT NULL DEFAULT 'legacy';
ALTER TABLE verifications ADD COLUMN relied_on TEXT NOT NULL DEFAULT '[]';
