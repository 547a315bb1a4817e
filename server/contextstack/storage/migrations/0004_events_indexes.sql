-- A project's activity filtered by one type or one actor, newest first, without scanning the project's
-- whole log: each index yields the matching rows already in id order. (Prefix filters such as `step.`
-- walk events_by_project instead; see contextstack/events/service.py.)
CREATE INDEX events_by_project_type ON events (project_id, type, id);
CREATE INDEX events_by_project_actor ON events (project_id, actor, id);
