-- Issue 19: the QR code on the back of a My Number card, read by the upload pipeline and
-- compared with the typed number (storage/src/card_qr.rs).
--
-- `qr_check`: NULL when the photo was not looked at for a QR (any photo other than a card
-- back); otherwise `no_qr`, `unreadable`, `pending` (a valid number was read and awaits
-- the internal side), `matches` or `differs`.
-- `qr_sealed`: while `pending` only, the number the QR held, age-sealed to the internal
-- identity like the typed number (invariant 6: a public instance cannot compare, it holds
-- no identity). The internal side opens it and the typed number (audited), compares them
-- in constant time, writes the outcome and deletes this column's value in the same
-- transaction. Never the digits in the clear.
-- `qr_number_ref`: the subject's `number_ref` the outcome was compared against; an outcome
-- whose ref is no longer the subject's was made against an earlier typed number.
ALTER TABLE documents ADD COLUMN qr_check TEXT;
ALTER TABLE documents ADD COLUMN qr_sealed BYTEA;
ALTER TABLE documents ADD COLUMN qr_number_ref TEXT;
-- What the internal side still has to compare.
CREATE INDEX documents_qr_pending ON documents (submission_id) WHERE qr_check = 'pending';

-- The officer's reason for relying on the card as the number check although a card-back
-- photo's QR differs from the typed number (verifier::rules refuses it without one, and
-- refuses digits in it).
ALTER TABLE verifications ADD COLUMN qr_override_reason TEXT;
