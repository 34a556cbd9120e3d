-- Incident records (情報漏えい等事案): what happened, when it was found, each step taken
-- (scope established, PPC reported, people notified, closed), by whom, in order.
CREATE TABLE incidents (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    opened_by  TEXT NOT NULL,
    opened_at  INTEGER NOT NULL,
    closed_at  INTEGER
);
CREATE TABLE incident_events (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    kind        TEXT NOT NULL CHECK (kind IN ('opened', 'note', 'scope', 'reported', 'notified', 'closed')),
    text        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX incident_events_by_incident ON incident_events (incident_id, recorded_at);
