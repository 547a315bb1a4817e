-- PostgreSQL twin of ../0009_checkpoints.sql (types as 0001's header says: the blobs' content is BYTEA).
--
-- Checkpoints: snapshots of one project, stored as a two-level tree of content-addressed blobs, like git.
-- Each entity (the project, a track, phase, step or knowledge entry) is a blob keyed by the hash of its JSON.
-- A checkpoint's entities are spread over a fixed number of buckets by id; each bucket is a blob too (its
-- entities' ids and hashes), and the checkpoint row lists its buckets' hashes. `refs` counts what refers to a
-- blob (checkpoints to buckets, buckets to entities): at 0 it goes.
CREATE TABLE checkpoint_blobs (
    hash     TEXT    COLLATE "C" PRIMARY KEY,
    refs     BIGINT  NOT NULL CHECK (refs >= 0),
    content  BYTEA   NOT NULL
);

-- No foreign key to projects: a deleted project is brought back from its last checkpoint.
CREATE TABLE checkpoints (
    id            TEXT    COLLATE "C" PRIMARY KEY,
    project_id    TEXT    COLLATE "C" NOT NULL,
    project_slug  TEXT    COLLATE "C" NOT NULL,
    label         TEXT    COLLATE "C",
    reason        TEXT    COLLATE "C",
    trigger       TEXT    COLLATE "C" NOT NULL
                  CHECK (trigger IN ('manual', 'ai_burst', 'import', 'restore', 'delete', 'undo')),
    actor         TEXT    COLLATE "C" NOT NULL,
    event_id      BIGINT  NOT NULL,                 -- the newest event before it: what came after changed since
    counts        TEXT    COLLATE "C" NOT NULL DEFAULT '{}',  -- JSON: entities by kind
    size          BIGINT  NOT NULL,                 -- bytes of its entities' JSON
    buckets       TEXT    COLLATE "C" NOT NULL,     -- JSON array of bucket hashes
    created_at    TEXT    COLLATE "C" NOT NULL
);

CREATE INDEX checkpoints_by_project ON checkpoints (project_id, id);
