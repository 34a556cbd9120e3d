-- Issue 18: branches (拠点・部署) with a code and a display name. Scopes, invitations and
-- submissions keep the code; rosters may name a branch by its display name (大阪支店),
-- mapped to its code on reading, and pages show the name. Setting a name is audited
-- (branch.set).
CREATE TABLE branches (
    code         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX branches_by_display_name ON branches (display_name);
