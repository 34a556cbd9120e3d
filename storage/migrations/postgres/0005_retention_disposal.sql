-- Retention and disposal (廃棄). A submission's numbers stop being needed on
-- `needed_until` (e.g. the leaving date); they are kept for the longest retention period
-- of the purposes they serve, then appear on the disposal list. Disposal destroys the
-- ciphertexts and keeps the rest, with a record of who, when, what and how.

ALTER TABLE submissions ADD COLUMN needed_until TEXT;

CREATE TABLE retention_purposes (
    code            TEXT PRIMARY KEY,
    name_ja         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    retention_years BIGINT NOT NULL CHECK (retention_years BETWEEN 0 AND 100)
);
INSERT INTO retention_purposes (code, name_ja, name_en, retention_years) VALUES
    ('withholding', '給与所得・退職所得の源泉徴収事務', 'Withholding tax on salaries and retirement income', 7),
    ('dependant_declaration', '扶養控除等（異動）申告書', 'Declarations for dependants', 7),
    ('social_insurance', '健康保険・厚生年金保険届出事務', 'Health insurance and pension filings', 7),
    ('employment_insurance', '雇用保険届出事務', 'Employment insurance filings', 7);

CREATE TABLE disposals (
    id                  TEXT PRIMARY KEY,
    submission_id       TEXT NOT NULL REFERENCES submissions (id),
    proposed_by         TEXT NOT NULL,
    proposed_at         BIGINT NOT NULL,
    approved_by         TEXT,
    approved_at         BIGINT,
    method              TEXT,
    numbers_destroyed   BIGINT,
    documents_destroyed BIGINT
);
CREATE UNIQUE INDEX disposals_one_open_per_submission ON disposals (submission_id)
    WHERE approved_at IS NULL;
