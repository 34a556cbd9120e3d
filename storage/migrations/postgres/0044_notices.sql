-- Issue 18: alerts reach people (e-mail through [mail] to the auditors and the configured
-- addresses, and an optional webhook) and providers who have not handed in get reminders.
-- Neither carries a number, a name or a link token. These columns record what was sent,
-- so the periodic job sends each notice once, on any number of instances (a notice is
-- claimed by setting its column in one statement before it is sent).
ALTER TABLE alerts ADD COLUMN notified_at BIGINT;
CREATE INDEX alerts_to_notify ON alerts (raised_at) WHERE notified_at IS NULL;
ALTER TABLE invitations ADD COLUMN reminded_at BIGINT;
ALTER TABLE invitations ADD COLUMN reminders_sent BIGINT NOT NULL DEFAULT 0;
