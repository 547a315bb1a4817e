-- PostgreSQL twin of ../0007_status_indexes.sql.
-- What "where am I" (and so every uncached context assembly) asks of the plan: how many steps of each phase are
-- in each status. The index holds all three columns, so PostgreSQL can answer it by an index-only scan too.
CREATE INDEX steps_tally ON steps (project_id, phase_id, status);
