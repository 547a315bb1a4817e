-- The plan: tracks (parallel lines of work) -> phases (ordered stages) -> steps (ordered units of work).
--
-- Positions are 0..n-1 among siblings. The unique (parent, position) indexes refuse duplicates; SQLite checks
-- them row by row, so the service renumbers siblings in two passes through negative positions.
-- project_id is repeated on every level (deleting a project, same-project checks and plan queries need no
-- joins); the composite foreign keys keep it equal to the parent's, and UNIQUE (project_id, id) is both their
-- parent key and the index for a project's rows.

CREATE TABLE tracks (
    id           TEXT    PRIMARY KEY,
    project_id   TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    position     INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    UNIQUE (project_id, id)
) STRICT;

CREATE UNIQUE INDEX tracks_by_position ON tracks (project_id, position);

CREATE TABLE phases (
    id           TEXT    PRIMARY KEY,
    project_id   TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    track_id     TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    position     INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    UNIQUE (project_id, id),
    FOREIGN KEY (track_id, project_id) REFERENCES tracks (id, project_id) ON DELETE CASCADE
) STRICT;

CREATE UNIQUE INDEX phases_by_position ON phases (track_id, position);

CREATE TABLE steps (
    id                   TEXT    PRIMARY KEY,
    project_id           TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    phase_id             TEXT    NOT NULL,
    title                TEXT    NOT NULL,
    description          TEXT    NOT NULL DEFAULT '',
    instructions         TEXT    NOT NULL DEFAULT '',
    acceptance_criteria  TEXT    NOT NULL DEFAULT '[]',  -- JSON array of strings, in order
    status               TEXT    NOT NULL DEFAULT 'todo',
    blocked_reason       TEXT,
    position             INTEGER NOT NULL,
    started_at           TEXT,                           -- first move to in_progress (or straight to done)
    finished_at          TEXT,                           -- when it was done; cleared when reopened
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    FOREIGN KEY (phase_id, project_id) REFERENCES phases (id, project_id) ON DELETE CASCADE,
    CHECK (status IN ('todo', 'in_progress', 'blocked', 'done')),
    CHECK ((status = 'blocked') = (blocked_reason IS NOT NULL)),
    CHECK ((status = 'done') = (finished_at IS NOT NULL)),
    CHECK (json_type(acceptance_criteria) = 'array')
) STRICT;

CREATE UNIQUE INDEX steps_by_position ON steps (phase_id, position);
CREATE INDEX steps_by_status ON steps (project_id, status);
CREATE INDEX steps_by_finished ON steps (project_id, finished_at) WHERE finished_at IS NOT NULL;

-- "step_id depends on depends_on": step_id may start once depends_on is done. Both are steps of one project
-- (checked by the service, which also refuses cycles). Deleting either step drops the dependency.
CREATE TABLE step_dependencies (
    step_id     TEXT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    depends_on  TEXT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    PRIMARY KEY (step_id, depends_on),
    CHECK (step_id <> depends_on)
) STRICT, WITHOUT ROWID;

CREATE INDEX step_dependencies_by_dependency ON step_dependencies (depends_on);
