-- Knowledge: what a person already knows and agreed on, for one project or (project_id NULL) for all of them.
CREATE TABLE knowledge (
    seq            INTEGER PRIMARY KEY,                 -- the full-text index's row key: stable across VACUUM
    id             TEXT    NOT NULL UNIQUE,
    project_id     TEXT    REFERENCES projects(id) ON DELETE CASCADE,  -- NULL: global
    kind           TEXT    NOT NULL
                   CHECK (kind IN ('decision', 'constraint', 'architecture', 'convention', 'reference', 'note')),
    title          TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    tags           TEXT    NOT NULL DEFAULT '[]',       -- JSON array of strings
    pinned         INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    source         TEXT,
    supersedes     TEXT    REFERENCES knowledge(id) ON DELETE SET NULL,
    superseded_by  TEXT    REFERENCES knowledge(id) ON DELETE SET NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
) STRICT;

CREATE INDEX knowledge_by_project ON knowledge (project_id, id);
CREATE INDEX knowledge_by_supersedes ON knowledge (supersedes);
CREATE INDEX knowledge_by_superseded_by ON knowledge (superseded_by);
-- Search joins every candidate hit to its filters: this small covering index keeps that join off the wide rows.
CREATE INDEX knowledge_search_filter ON knowledge (seq, superseded_by, project_id, kind);

-- The full-text index over title, body and tags (external content: the text lives only in `knowledge`).
-- prefix='2 3' keeps search-as-you-type fast; the triggers keep the index in step in the same transaction.
CREATE VIRTUAL TABLE knowledge_fts USING fts5(
    title, body, tags,
    content = 'knowledge', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
-- Merge index segments in larger groups: bulk imports write a third less (measured in docs/benchmarks.md).
INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('automerge', 8);

CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge BEGIN
    INSERT INTO knowledge_fts (rowid, title, body, tags) VALUES (new.seq, new.title, new.body, new.tags);
END;

CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge BEGIN
    INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, tags)
    VALUES ('delete', old.seq, old.title, old.body, old.tags);
END;

CREATE TRIGGER knowledge_fts_update AFTER UPDATE OF title, body, tags ON knowledge BEGIN
    INSERT INTO knowledge_fts (knowledge_fts, rowid, title, body, tags)
    VALUES ('delete', old.seq, old.title, old.body, old.tags);
    INSERT INTO knowledge_fts (rowid, title, body, tags) VALUES (new.seq, new.title, new.body, new.tags);
END;
