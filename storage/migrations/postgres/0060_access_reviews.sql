-- The periodic review of access rights (取扱者の権限の見直し; PPC guideline for businesses,
-- 別添1 安全管理措置 C-e and F-a): an admin looks at every account with
-- its rights and signs the review off. What was looked at is kept as it was (a snapshot
-- of accounts, roles, scopes, states and last sign-ins, as JSON without any secret), so a
-- later auditor sees what the signature covered. The sign-off is also an audit entry.
CREATE TABLE access_reviews (
    id           TEXT PRIMARY KEY,
    reviewed_by  TEXT NOT NULL REFERENCES staff_accounts (id),
    reviewed_at  BIGINT NOT NULL,
    accounts     BIGINT NOT NULL,
    remarks      TEXT NOT NULL,
    snapshot     TEXT NOT NULL
);
CREATE INDEX access_reviews_at ON access_reviews (reviewed_at);
