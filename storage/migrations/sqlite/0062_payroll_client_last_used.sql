-- When a payroll client's token was last presented (the admin's list shows it, so an
-- unused client stands out and can be revoked).
ALTER TABLE payroll_clients ADD COLUMN last_used_at INTEGER;
