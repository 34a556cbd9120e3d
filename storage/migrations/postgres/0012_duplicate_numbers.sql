-- Numbers (blind indexes) seen on two people with different names or birth dates: kept
-- as they are found, so the queue's "flagged duplicates" view reads a short list instead
-- of grouping every subject. The queue still checks each line live.
CREATE TABLE duplicate_numbers (
    blind_index   BYTEA PRIMARY KEY,
    first_seen_at BIGINT NOT NULL
);
INSERT INTO duplicate_numbers (blind_index, first_seen_at)
    SELECT number_blind_index, MIN(created_at) FROM subjects
    WHERE removed_at IS NULL AND number_blind_index IS NOT NULL
    GROUP BY number_blind_index
    HAVING MIN(name) <> MAX(name) OR MIN(birth_date) <> MAX(birth_date);
