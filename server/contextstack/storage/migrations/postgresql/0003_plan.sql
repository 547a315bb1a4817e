-- PostgreSQL twin of ../0003_plan.sql (types as 0001's header says). SQLite's json_type() check on the acceptance
-- criteria is json_typeof() of the text cast to json here.
--
-- The plan: tracks (parallel lines of work) -> phases (ordered stages) -> steps (ordered units of work).
--
-- Positions are 0..n-1 among siblings. The unique (parent, position) indexes refuse duplicates; PostgreSQL checks
-- a unique index row by row too, so the service's two passes through negative positions serve here as well.
-- project_id is repeated on every level; the composite foreign keys keep it equal to the parent's, and
-- UNIQUE (project_id, id) is both their parent key and the index for a project's rows.

CREATE TABLE tracks (
    id           TEXT    COLLATE "C" PRIMARY KEY,
    project_id   TEXT    COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         TEXT    COLLATE "C" NOT NULL,
    description  TEXT    COLLATE "C" NOT NULL DEFAULT '',
    position     BIGINT  NOT NULL,
    version      BIGINT  NOT NULL DEFAULT 1,
    created_at   TEXT    COLLATE "C" NOT NULL,
    updated_at   TEXT    COLLATE "C" NOT NULL,
    UNIQUE (project_id, id)
);

CREATE UNIQUE INDEX tracks_by_position ON tracks (project_id, position);

CREATE TABLE phases (
    id           TEXT    COLLATE "C" PRIMARY KEY,
    project_id   TEXT    COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    track_id     TEXT    COLLATE "C" NOT NULL,
    name         TEXT    COLLATE "C" NOT NULL,
    description  TEXT    COLLATE "C" NOT NULL DEFAULT '',
    position     BIGINT  NOT NULL,
    version      BIGINT  NOT NULL DEFAULT 1,
    created_at   TEXT    COLLATE "C" NOT NULL,
    updated_at   TEXT    COLLATE "C" NOT NULL,
    UNIQUE (project_id, id),
    FOREIGN KEY (track_id, project_id) REFERENCES tracks (id, project_id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX phases_by_position ON phases (track_id, position);

CREATE TABLE steps (
    id                   TEXT    COLLATE "C" PRIMARY KEY,
    project_id           TEXT    COLLATE "C" NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    phase_id             TEXT    COLLATE "C" NOT NULL,
    title                TEXT    COLLATE "C" NOT NULL,
    description          TEXT    COLLATE "C" NOT NULL DEFAULT '',
    instructions         TEXT    COLLATE "C" NOT NULL DEFAULT '',
    acceptance_criteria  TEXT    COLLATE "C" NOT NULL DEFAULT '[]',  -- JSON array of strings, in order
    status               TEXT    COLLATE "C" NOT NULL DEFAULT 'todo',
    blocked_reason       TEXT    COLLATE "C",
    position             BIGINT  NOT NULL,
    started_at           TEXT    COLLATE "C",        -- first move to in_progress (or straight to done)
    finished_at          TEXT    COLLATE "C",        -- when it was done; cleared when reopened
    version              BIGINT  NOT NULL DEFAULT 1,
    created_at           TEXT    COLLATE "C" NOT NULL,
    updated_at           TEXT    COLLATE "C" NOT NULL,
    FOREIGN KEY (phase_id, project_id) REFERENCES phases (id, project_id) ON DELETE CASCADE,
    CHECK (status IN ('todo', 'in_progress', 'blocked', 'done')),
    CHECK ((status = 'blocked') = (blocked_reason IS NOT NULL)),
    CHECK ((status = 'done') = (finished_at IS NOT NULL)),
    CHECK (json_typeof(acceptance_criteria::json) = 'array')
);

CREATE UNIQUE INDEX steps_by_position ON steps (phase_id, position);
CREATE INDEX steps_by_status ON steps (project_id, status);
CREATE INDEX steps_by_finished ON steps (project_id, finished_at) WHERE finished_at IS NOT NULL;

-- "step_id depends on depends_on": step_id may start once depends_on is done. Both are steps of one project
-- (checked by the service, which also refuses cycles). Deleting either step drops the dependency.
CREATE TABLE step_dependencies (
    step_id     TEXT COLLATE "C" NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    depends_on  TEXT COLLATE "C" NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    PRIMARY KEY (step_id, depends_on),
    CHECK (step_id <> depends_on)
);

CREATE INDEX step_dependencies_by_dependency ON step_dependencies (depends_on);
