-- PostgreSQL twin of ../0011_knowledge_changes.sql: the two SQLite triggers are one PL/pgSQL trigger function,
-- fired after each row updated or deleted (a foreign key's ON DELETE SET NULL updates rows, and fires it too, as
-- in SQLite). `max(change) + 1` is safe: every write transaction holds the store's advisory lock, so changes are
-- numbered in commit order.
--
-- What changed in the knowledge table, for the ranking index the daemon keeps in memory (memory/index.py): the
-- latest change of each entry that was edited, superseded or deleted, numbered in the order they happened. New
-- entries need no row: their keys (`seq`) grow, so the index finds them past the last one it read. One row per
-- entry at most, renumbered on each change; the index reads those numbered after the last it applied, in the same
-- read as the query it answers, so it ranks what is committed and nothing else.
CREATE TABLE knowledge_changes (
    entry_seq BIGINT PRIMARY KEY,  -- knowledge.seq of the entry changed (it may be gone)
    change    BIGINT NOT NULL      -- increasing: the order of the changes
);
CREATE INDEX knowledge_changes_by_change ON knowledge_changes (change);

CREATE FUNCTION knowledge_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO knowledge_changes (entry_seq, change)
    VALUES (OLD.seq, (SELECT coalesce(max(change), 0) + 1 FROM knowledge_changes))
    ON CONFLICT (entry_seq) DO UPDATE SET change = excluded.change;
    RETURN NULL;
END;
$$;

CREATE TRIGGER knowledge_changed AFTER UPDATE OR DELETE ON knowledge
    FOR EACH ROW EXECUTE FUNCTION knowledge_changed();
