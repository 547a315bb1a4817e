-- The event log: every change writes a row here in the same transaction as the change (the outbox).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- monotonic, never reused: the SSE event id
    created_at  TEXT    NOT NULL,
    project_id  TEXT,                               -- NULL for global changes
    actor       TEXT    NOT NULL,                   -- user | api | ai:<model>
    type        TEXT    NOT NULL,                   -- e.g. step.status_changed
    entity_id   TEXT,
    data        TEXT    NOT NULL DEFAULT '{}'        -- JSON: the changed fields
) STRICT;

CREATE INDEX events_by_project ON events (project_id, id);
CREATE INDEX events_by_type ON events (type, id);
