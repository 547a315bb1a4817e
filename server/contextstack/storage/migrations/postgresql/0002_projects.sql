-- PostgreSQL twin of ../0002_projects.sql (types as 0001's header says).
-- Projects: the root of a person's context. Tracks, phases, steps and knowledge hang off them.
CREATE TABLE projects (
    id            TEXT    COLLATE "C" PRIMARY KEY,
    slug          TEXT    COLLATE "C" NOT NULL UNIQUE,
    name          TEXT    COLLATE "C" NOT NULL,
    description   TEXT    COLLATE "C" NOT NULL DEFAULT '',
    instructions  TEXT    COLLATE "C" NOT NULL DEFAULT '',
    status        TEXT    COLLATE "C" NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    version       BIGINT  NOT NULL DEFAULT 1,
    created_at    TEXT    COLLATE "C" NOT NULL,
    updated_at    TEXT    COLLATE "C" NOT NULL
);
