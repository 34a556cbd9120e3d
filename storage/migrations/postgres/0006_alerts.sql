-- Alerts raised from the audit trail for auditors (監査責任者). Each rule firing for an
-- account in a window is recorded once.
CREATE TABLE alerts (
    id           TEXT PRIMARY KEY,
    rule         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    window_end   BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    raised_at    BIGINT NOT NULL,
    UNIQUE (rule, actor, window_start)
);
CREATE INDEX alerts_by_time ON alerts (raised_at);
CREATE INDEX audit_log_by_action_time ON audit_log (action, at);
CREATE INDEX audit_log_by_actor_time ON audit_log (actor, at);
