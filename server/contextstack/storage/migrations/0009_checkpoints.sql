-- Checkpoints: snapshots of one project, stored as a two-level tree of content-addressed blobs, like git.
--
-- Each entity (the project, a track, phase, step or knowledge entry) is a blob keyed by the hash of its JSON.
-- A checkpoint's entities are spread over a fixed number of buckets by id; each bucket is a blob too (its
-- entities' ids and hashes), and the checkpoint row lists its buckets' hashes. A change to a few entities makes
-- a few new entity blobs and a few new buckets; everything else is shared with earlier checkpoints.
-- `refs` counts what refers to a blob (checkpoints to buckets, buckets to entities): at 0 it goes.
CREATE TABLE checkpoint_blobs (
    hash     TEXT    PRIMARY KEY,
    refs     INTEGER NOT NULL CHECK (refs >= 0),
    content  BLOB    NOT NULL
) STRICT;

-- No foreign key to projects: a deleted project is brought back from its last checkpoint.
CREATE TABLE checkpoints (
    id            TEXT    PRIMARY KEY,
    project_id    TEXT    NOT NULL,
    project_slug  TEXT    NOT NULL,
    label         TEXT,
    reason        TEXT,
    trigger       TEXT    NOT NULL
                  CHECK (trigger IN ('manual', 'ai_burst', 'import', 'restore', 'delete', 'undo')),
    actor         TEXT    NOT NULL,
    event_id      INTEGER NOT NULL,                 -- the newest event before it: what came after changed since
    counts        TEXT    NOT NULL DEFAULT '{}',    -- JSON: entities by kind
    size          INTEGER NOT NULL,                 -- bytes of its entities' JSON
    buckets       TEXT    NOT NULL,                 -- JSON array of bucket hashes
    created_at    TEXT    NOT NULL
) STRICT;

CREATE INDEX checkpoints_by_project ON checkpoints (project_id, id);
