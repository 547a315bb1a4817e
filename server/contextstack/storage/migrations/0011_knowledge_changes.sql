-- What changed in the knowledge table, for the ranking index the daemon keeps in memory (memory/index.py): the
-- latest change of each entry that was edited, superseded or deleted, numbered in the order they happened. New
-- entries need no row: their keys (`seq`) grow, so the index finds them past the last one it read. One row per
-- entry at most, renumbered on each change (an upsert: a trigger's `OR REPLACE` gives way to the conflict
-- handling of the statement that fired it, such as a foreign key's `ON DELETE SET NULL`); the index reads those
-- numbered after the last it applied, in the same read as the query it answers, so it ranks what is committed
-- and nothing else.
CREATE TABLE knowledge_changes (
    entry_seq INTEGER PRIMARY KEY,  -- knowledge.seq of the entry changed (it may be gone)
    change    INTEGER NOT NULL      -- increasing: the order of the changes
) STRICT;
CREATE INDEX knowledge_changes_by_change ON knowledge_changes (change);

CREATE TRIGGER knowledge_changed_update AFTER UPDATE ON knowledge BEGIN
    INSERT INTO knowledge_changes (entry_seq, change)
    VALUES (old.seq, (SELECT coalesce(max(change), 0) + 1 FROM knowledge_changes))
    ON CONFLICT (entry_seq) DO UPDATE SET change = excluded.change;
END;

CREATE TRIGGER knowledge_changed_delete AFTER DELETE ON knowledge BEGIN
    INSERT INTO knowledge_changes (entry_seq, change)
    VALUES (old.seq, (SELECT coalesce(max(change), 0) + 1 FROM knowledge_changes))
    ON CONFLICT (entry_seq) DO UPDATE SET change = excluded.change;
END;
