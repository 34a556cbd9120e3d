-- Invitations managed by admins. The HR roster brings the furigana (pre-filled on the
-- employee's own form) and an e-mail address (where the link is sent when SMTP is set up).
-- Re-issuing replaces the link: the old token's hash is overwritten, so the old link dies.
ALTER TABLE invitations ADD COLUMN name_kana TEXT;
ALTER TABLE invitations ADD COLUMN email TEXT;
ALTER TABLE invitations ADD COLUMN revoked_by TEXT;
ALTER TABLE invitations ADD COLUMN issued_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invitations ADD COLUMN issued_at INTEGER;
ALTER TABLE invitations ADD COLUMN emailed_at INTEGER;
CREATE INDEX invitations_by_created ON invitations (created_at, id);
CREATE INDEX invitations_by_employee_code ON invitations (employee_code);
