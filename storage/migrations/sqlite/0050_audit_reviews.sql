-- Issue 18: the periodic audit review (監査責任者による定期的な点検, PPC guideline 安全管理措置
-- 「取扱状況の把握及び安全管理措置の見直し」). An auditor signs off a period of whole days in
-- Japan time, what was looked at, and remarks (typed text). Append-only like the trail: a
-- review is a statement made at a time, never edited (storage/src/audit_desk.rs).
CREATE TABLE audit_reviews (
    id           TEXT PRIMARY KEY,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    looked_at    TEXT NOT NULL,
    remarks      TEXT NOT NULL,
    reviewed_by  TEXT NOT NULL REFERENCES staff_accounts (id),
    reviewed_at  INTEGER NOT NULL,
    CHECK (period_from <= period_to)
);
CREATE INDEX audit_reviews_by_period ON audit_reviews (period_to);
-- The trail read newest first a page at a time (keyset on (at, seq)).
CREATE INDEX audit_log_by_time ON audit_log (at, seq);
