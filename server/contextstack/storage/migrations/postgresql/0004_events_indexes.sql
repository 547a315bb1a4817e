-- PostgreSQL twin of ../0004_events_indexes.sql.
-- A project's activity filtered by one type or one actor, newest first, without scanning the project's
-- whole log: each index yields the matching rows already in id order.
CREATE INDEX events_by_project_type ON events (project_id, type, id);
CREATE INDEX events_by_project_actor ON events (project_id, actor, id);
