-- Issue 19, photo first: a photo of a My Number card's back whose QR number the person is
-- asked to confirm on their own-details page before it is saved (storage/src/card_reads.rs).
-- The photo is scrubbed and age-sealed like any document, the QR's number age-sealed to
-- the internal identity like documents.qr_sealed: nothing in the clear. The row lives
-- until the person saves their details with it (it then becomes their card-back document,
-- compared with the saved number by the internal side like any card back), reads another
-- card, or an hour passes (swept when the next card is read).
CREATE TABLE card_reads (
    id               TEXT PRIMARY KEY,
    submission_id    TEXT NOT NULL REFERENCES submissions (id),
    sealed           BYTEA NOT NULL,
    width            BIGINT NOT NULL,
    height           BIGINT NOT NULL,
    removed_metadata TEXT NOT NULL,
    warnings         TEXT NOT NULL,
    qr_sealed        BYTEA NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX card_reads_by_submission ON card_reads (submission_id);
