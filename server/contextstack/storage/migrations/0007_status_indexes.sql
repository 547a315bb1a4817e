-- What "where am I" (and so every uncached context assembly) asks of the plan: how many steps of each phase are
-- in each status. A covering index answers it without reading the steps' rows.
CREATE INDEX steps_tally ON steps (project_id, phase_id, status);
