-- One live invitation per employee code, whoever creates it (the API, the pages, a roster,
-- `kakunin invite`): the code is held in `live_employee_code` while the invitation is in
-- use — not revoked, its submission neither rejected nor disposed — and a unique index on
-- it makes a second one impossible, also for two roster uploads racing. Revoking, and the
-- transitions to rejected or disposed (storage/src/submissions.rs, apply_transition), free
-- the code. Where earlier versions let a second live invitation in, the newest keeps it.
ALTER TABLE invitations ADD COLUMN live_employee_code TEXT;
UPDATE invitations SET live_employee_code = employee_code
WHERE employee_code IS NOT NULL AND revoked_at IS NULL
  AND EXISTS (SELECT 1 FROM submissions s WHERE s.invitation_id = invitations.id
              AND s.state NOT IN ('rejected', 'disposed'))
  AND NOT EXISTS (SELECT 1 FROM invitations later JOIN submissions ls ON ls.invitation_id = later.id
              WHERE later.employee_code = invitations.employee_code AND later.revoked_at IS NULL
              AND ls.state NOT IN ('rejected', 'disposed')
              AND (later.created_at > invitations.created_at
                   OR (later.created_at = invitations.created_at AND later.id > invitations.id)));
CREATE UNIQUE INDEX invitations_one_live_per_employee ON invitations (live_employee_code)
    WHERE live_employee_code IS NOT NULL;
