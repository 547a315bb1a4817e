-- PostgreSQL twin of ../0006_context_indexes.sql.
-- What context assembly asks of knowledge on every (uncached) call: a scope's pinned entries, and its newest
-- decisions and constraints. Partial indexes hold only the rows those questions can return.
CREATE INDEX knowledge_pinned ON knowledge (project_id, created_at, id)
    WHERE pinned = 1 AND superseded_by IS NULL;
CREATE INDEX knowledge_recent_decisions ON knowledge (project_id, created_at, id)
    WHERE pinned = 0 AND superseded_by IS NULL AND kind IN ('decision', 'constraint');
CREATE INDEX knowledge_superseded ON knowledge (project_id, updated_at, id)
    WHERE superseded_by IS NOT NULL;
