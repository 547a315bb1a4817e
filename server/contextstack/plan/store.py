"""The plan's tables (projects, tracks, phases, steps, step_dependencies): the only place their SQL is written.

Rows become Structs by column name. The SQL is written once for both backends; where SQLite and PostgreSQL have no
common form (a list as one parameter, the catalogue of tables) the two forms sit side by side at the top, chosen
by the reader's `dialect`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import msgspec

from contextstack.plan.models import Dependency, Phase, Project, Step, Track
from contextstack.storage import Reader, Row, Transaction, list_parameter
from contextstack.storage import in_list as list_condition

_encode_json = msgspec.json.Encoder().encode


def in_list(reader: Reader, values: Iterable[str]) -> tuple[str, Any]:
    """`IN` a list, as one parameter: the SQL that follows a column, and the parameter's value (storage's
    `in_list` and `list_parameter`)."""
    return list_condition(reader.dialect, "").lstrip(), list_parameter(reader.dialect, values)


# Every table with a `project_id` column but the event log (and SQLite's full-text tables): what a project holds.
# SQLite: its catalogue, sqlite_master with pragma_table_info. PostgreSQL: information_schema.
_PROJECT_SCOPED_TABLES = {
    "sqlite": (
        "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c "
        "WHERE m.type = 'table' AND c.name = 'project_id' AND m.name NOT IN ('events') "
        "AND m.name NOT LIKE '%fts%' ORDER BY m.name"
    ),
    "postgresql": (
        "SELECT c.table_name AS name FROM information_schema.columns AS c "
        "JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.column_name = 'project_id' "
        "AND c.table_name NOT IN ('events') ORDER BY c.table_name"
    ),
}

_PROJECT_COLUMNS = "id, slug, name, description, instructions, status, version, created_at, updated_at"
_TRACK_COLUMNS = "id, project_id, name, description, position, version, created_at, updated_at"
_PHASE_COLUMNS = "id, project_id, track_id, name, description, position, version, created_at, updated_at"
_STEP_FIELDS = (
    "id",
    "project_id",
    "phase_id",
    "title",
    "description",
    "instructions",
    "acceptance_criteria",
    "status",
    "blocked_reason",
    "position",
    "started_at",
    "finished_at",
    "version",
    "created_at",
    "updated_at",
)
_STEP_COLUMNS = ", ".join(_STEP_FIELDS)
_decode_criteria = msgspec.json.Decoder(list[str]).decode


class Table(NamedTuple):
    """A level's table, and the column naming each row's parent."""

    name: str
    parent_column: str


TRACKS = Table("tracks", "project_id")
PHASES = Table("phases", "track_id")
STEPS = Table("steps", "phase_id")


def _placeholders(columns: str) -> str:
    return ", ".join("?" * len(columns.split(",")))


def _criteria_text(criteria: list[str]) -> str:
    return _encode_json(criteria).decode()


# Projects


async def get_project(reader: Reader, ref: str) -> Project | None:
    """The project with this id or slug."""
    row = await reader.fetchone(f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE id = ? OR slug = ?", (ref, ref))
    return None if row is None else Project(**dict(row))


async def get_project_id(reader: Reader, ref: str) -> str | None:
    """The id of the project with this id or slug."""
    row = await reader.fetchone("SELECT id FROM projects WHERE id = ? OR slug = ?", (ref, ref))
    return None if row is None else str(row["id"])


async def list_projects(reader: Reader, status: str | None, after_id: str | None, limit: int) -> list[Project]:
    """Up to `limit` projects in id (creation) order, after `after_id`, in `status` if given."""
    where, params = ["1 = 1"], []
    if status:
        where.append("status = ?")
        params.append(status)
    if after_id is not None:
        where.append("id > ?")
        params.append(after_id)
    rows = await reader.fetchall(
        f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE {' AND '.join(where)} ORDER BY id LIMIT ?", (*params, limit)
    )
    return [Project(**dict(row)) for row in rows]


async def slugs_starting_with(reader: Reader, prefix: str) -> set[str]:
    """Every project slug that starts with `prefix`."""
    rows = await reader.fetchall("SELECT slug FROM projects WHERE slug LIKE ?", (prefix + "%",))
    return {row["slug"] for row in rows}


async def slug_taken(reader: Reader, slug: str) -> bool:
    """Whether a project uses `slug`."""
    return await reader.fetchone("SELECT 1 FROM projects WHERE slug = ?", (slug,)) is not None


async def insert_project(tx: Transaction, project: Project) -> None:
    """Store a new project."""
    await tx.execute(
        f"INSERT INTO projects ({_PROJECT_COLUMNS}) VALUES ({_placeholders(_PROJECT_COLUMNS)})",
        msgspec.structs.astuple(project),
    )


async def update_project(
    tx: Transaction, project_id: str, changes: dict[str, Any], version: int, updated_at: str
) -> None:
    """Write a project's changed fields (field -> value) with its new version."""
    await _update(tx, "projects", project_id, changes, version, updated_at)


async def count_project_contents(tx: Transaction, project_id: str) -> dict[str, int]:
    """How many rows each table holds for the project (tables holding none left out)."""
    counts = {}
    for table in await tx.fetchall(_PROJECT_SCOPED_TABLES[tx.dialect]):
        n = await _count(tx, f"SELECT count(*) AS n FROM {table['name']} WHERE project_id = ?", (project_id,))
        if n:
            counts[str(table["name"])] = n
    return counts


async def delete_project(tx: Transaction, project_id: str) -> None:
    """Delete a project; its foreign keys take everything under it along."""
    await tx.execute("DELETE FROM projects WHERE id = ?", (project_id,))


async def delete_plan(tx: Transaction, project_id: str) -> None:
    """Delete a project's tracks, and with them their phases, steps and dependencies."""
    await tx.execute("DELETE FROM tracks WHERE project_id = ?", (project_id,))


# Tracks and phases


async def get_track(reader: Reader, track_id: str) -> Track | None:
    """The track with this id."""
    row = await reader.fetchone(f"SELECT {_TRACK_COLUMNS} FROM tracks WHERE id = ?", (track_id,))
    return None if row is None else Track(**dict(row))


async def get_phase(reader: Reader, phase_id: str) -> Phase | None:
    """The phase with this id."""
    row = await reader.fetchone(f"SELECT {_PHASE_COLUMNS} FROM phases WHERE id = ?", (phase_id,))
    return None if row is None else Phase(**dict(row))


async def list_tracks(reader: Reader, project_id: str, after: int, limit: int) -> list[Track]:
    """Up to `limit` of a project's tracks, in position order, after position `after`."""
    rows = await reader.fetchall(
        f"SELECT {_TRACK_COLUMNS} FROM tracks WHERE project_id = ? AND position > ? ORDER BY position LIMIT ?",
        (project_id, after, limit),
    )
    return [Track(**dict(row)) for row in rows]


async def list_phases(reader: Reader, track_id: str, after: int, limit: int) -> list[Phase]:
    """Up to `limit` of a track's phases, in position order, after position `after`."""
    rows = await reader.fetchall(
        f"SELECT {_PHASE_COLUMNS} FROM phases WHERE track_id = ? AND position > ? ORDER BY position LIMIT ?",
        (track_id, after, limit),
    )
    return [Phase(**dict(row)) for row in rows]


async def project_tracks(reader: Reader, project_id: str) -> list[Track]:
    """Every track of a project, by position."""
    rows = await reader.fetchall(
        f"SELECT {_TRACK_COLUMNS} FROM tracks WHERE project_id = ? ORDER BY position", (project_id,)
    )
    return [Track(**dict(row)) for row in rows]


async def project_phases(reader: Reader, project_id: str) -> list[Phase]:
    """Every phase of a project, by track and position."""
    rows = await reader.fetchall(
        f"SELECT {_PHASE_COLUMNS} FROM phases WHERE project_id = ? ORDER BY track_id, position", (project_id,)
    )
    return [Phase(**dict(row)) for row in rows]


async def insert_tracks(tx: Transaction, tracks: Sequence[Track]) -> None:
    """Store new tracks."""
    await tx.executemany(
        f"INSERT INTO tracks ({_TRACK_COLUMNS}) VALUES ({_placeholders(_TRACK_COLUMNS)})",
        [msgspec.structs.astuple(track) for track in tracks],
    )


async def insert_phases(tx: Transaction, phases: Sequence[Phase]) -> None:
    """Store new phases."""
    await tx.executemany(
        f"INSERT INTO phases ({_PHASE_COLUMNS}) VALUES ({_placeholders(_PHASE_COLUMNS)})",
        [msgspec.structs.astuple(phase) for phase in phases],
    )


async def update_track(tx: Transaction, track_id: str, changes: dict[str, Any], version: int, updated_at: str) -> None:
    """Write a track's changed fields with its new version."""
    await _update(tx, "tracks", track_id, changes, version, updated_at)


async def update_phase(tx: Transaction, phase_id: str, changes: dict[str, Any], version: int, updated_at: str) -> None:
    """Write a phase's changed fields with its new version."""
    await _update(tx, "phases", phase_id, changes, version, updated_at)


async def track_project(reader: Reader, track_id: str) -> str | None:
    """The id of the project holding this track."""
    row = await reader.fetchone("SELECT project_id FROM tracks WHERE id = ?", (track_id,))
    return None if row is None else str(row["project_id"])


async def phase_project(reader: Reader, phase_id: str) -> str | None:
    """The id of the project holding this phase."""
    row = await reader.fetchone("SELECT project_id FROM phases WHERE id = ?", (phase_id,))
    return None if row is None else str(row["project_id"])


async def count_track_contents(reader: Reader, track_id: str) -> dict[str, int]:
    """How many phases and steps a track holds."""
    return {
        "phases": await _count(reader, "SELECT count(*) AS n FROM phases WHERE track_id = ?", (track_id,)),
        "steps": await _count(
            reader,
            "SELECT count(*) AS n FROM steps WHERE phase_id IN (SELECT id FROM phases WHERE track_id = ?)",
            (track_id,),
        ),
    }


async def count_phase_contents(reader: Reader, phase_id: str) -> dict[str, int]:
    """How many steps a phase holds."""
    return {"steps": await _count(reader, "SELECT count(*) AS n FROM steps WHERE phase_id = ?", (phase_id,))}


# Steps


def step_columns(alias: str) -> str:
    """The columns a Step is read from, of the table named `alias` in a join."""
    return ", ".join(f"{alias}.{column}" for column in _STEP_FIELDS)


async def get_step(reader: Reader, step_id: str) -> Step | None:
    """The step with this id, its dependencies included."""
    row = await reader.fetchone(f"SELECT {_STEP_COLUMNS} FROM steps WHERE id = ?", (step_id,))
    return None if row is None else (await steps_from_rows(reader, [row]))[0]


async def list_steps(reader: Reader, phase_id: str, after: int, limit: int) -> list[Step]:
    """Up to `limit` of a phase's steps, in position order, after position `after`."""
    rows = await reader.fetchall(
        f"SELECT {_STEP_COLUMNS} FROM steps WHERE phase_id = ? AND position > ? ORDER BY position LIMIT ?",
        (phase_id, after, limit),
    )
    return await steps_from_rows(reader, rows)


async def project_steps(reader: Reader, project_id: str) -> list[Step]:
    """Every step of a project, by phase and position."""
    rows = await reader.fetchall(
        f"SELECT {_STEP_COLUMNS} FROM steps WHERE project_id = ? ORDER BY phase_id, position", (project_id,)
    )
    return await steps_from_rows(reader, rows)


async def steps_from_rows(reader: Reader, rows: Sequence[Row]) -> list[Step]:
    """Steps from rows holding step_columns first, in their order, each with its dependencies (one query for all)."""
    if not rows:
        return []
    depends_on = await dependencies(reader, [row["id"] for row in rows])
    return [_step(row, depends_on.get(row["id"], [])) for row in rows]


async def dependencies(reader: Reader, step_ids: Sequence[str]) -> dict[str, list[str]]:
    """What each of these steps depends on (those that depend on any), in one query."""
    if not step_ids:
        return {}
    among, ids = in_list(reader, step_ids)
    found = await reader.fetchall(
        f"SELECT step_id, depends_on FROM step_dependencies WHERE step_id {among} ORDER BY step_id, depends_on", (ids,)
    )
    depends_on: dict[str, list[str]] = {}
    for row in found:
        depends_on.setdefault(row["step_id"], []).append(row["depends_on"])
    return depends_on


def step_fields_after(row: Row, first: int) -> dict[str, Any]:
    """A step's fields but `depends_on`, from a row holding step_columns in their order from column `first` on
    (several times faster than by name)."""
    fields = dict(zip(_STEP_FIELDS, tuple(row)[first : first + len(_STEP_FIELDS)], strict=True))
    fields["acceptance_criteria"] = _decode_criteria(fields["acceptance_criteria"])
    return fields


def _step(row: Row, depends_on: list[str]) -> Step:
    return Step(**step_fields_after(row, 0), depends_on=depends_on)


def _step_row(step: Step) -> list[Any]:
    fields = msgspec.structs.asdict(step)
    fields["acceptance_criteria"] = _criteria_text(step.acceptance_criteria)
    return [fields[column] for column in _STEP_FIELDS]


async def insert_steps(tx: Transaction, steps: Sequence[Step]) -> None:
    """Store new steps, then what each depends on (steps among them, or stored already)."""
    await tx.executemany(
        f"INSERT INTO steps ({_STEP_COLUMNS}) VALUES ({_placeholders(_STEP_COLUMNS)})",
        [_step_row(step) for step in steps],
    )
    await tx.executemany(
        "INSERT INTO step_dependencies (step_id, depends_on) VALUES (?, ?)",
        [(step.id, dependency) for step in steps for dependency in step.depends_on],
    )


async def update_step(tx: Transaction, step_id: str, changes: dict[str, Any], version: int, updated_at: str) -> None:
    """Write a step's changed fields (`depends_on` replacing its dependencies) with its new version."""
    columns = dict(changes)
    if "depends_on" in columns:
        await tx.execute("DELETE FROM step_dependencies WHERE step_id = ?", (step_id,))
        await tx.executemany(
            "INSERT INTO step_dependencies (step_id, depends_on) VALUES (?, ?)",
            [(step_id, dependency) for dependency in columns.pop("depends_on")],
        )
    if "acceptance_criteria" in columns:
        columns["acceptance_criteria"] = _criteria_text(columns["acceptance_criteria"])
    await _update(tx, "steps", step_id, columns, version, updated_at)


async def step_projects(reader: Reader, step_ids: list[str]) -> dict[str, str]:
    """The project of each of these steps that exists: step id -> project id."""
    among, ids = in_list(reader, step_ids)
    rows = await reader.fetchall(f"SELECT id, project_id FROM steps WHERE id {among}", (ids,))
    return {row["id"]: row["project_id"] for row in rows}


async def project_dependencies(reader: Reader, project_id: str, except_step: str) -> list[tuple[str, str]]:
    """(step, what it depends on) for every step of a project but `except_step`."""
    rows = await reader.fetchall(
        "SELECT d.step_id, d.depends_on FROM step_dependencies AS d JOIN steps AS s ON s.id = d.step_id "
        "WHERE s.project_id = ? AND d.step_id <> ?",
        (project_id, except_step),
    )
    return [(row["step_id"], row["depends_on"]) for row in rows]


async def unfinished_dependencies(reader: Reader, step_id: str) -> list[Dependency]:
    """The steps this one depends on that are not done yet, by id."""
    rows = await reader.fetchall(
        "SELECT s.id, s.title, s.status FROM step_dependencies AS d JOIN steps AS s ON s.id = d.depends_on "
        "WHERE d.step_id = ? AND s.status <> 'done' ORDER BY s.id",
        (step_id,),
    )
    return [Dependency(**dict(row)) for row in rows]


# What every level shares


async def sibling_ids(reader: Reader, table: Table, parent_id: str) -> list[str]:
    """The ids of a parent's children, in position order."""
    rows = await reader.fetchall(
        f"SELECT id FROM {table.name} WHERE {table.parent_column} = ? ORDER BY position", (parent_id,)
    )
    return [str(row["id"]) for row in rows]


async def write_positions(tx: Transaction, table: Table, parent_id: str, positions: dict[str, int]) -> None:
    """Give some of a parent's children new positions (item id -> position)."""
    # Both engines check the unique (parent, position) index row by row, so a shift written in place would collide
    # with a sibling not yet moved: park every moving row at -1 - target first, then flip the parked rows.
    # SQLite: one small statement per row costs nothing. PostgreSQL: one statement for every row, the targets
    # as arrays (a statement there is a round of the protocol, and each row's new version is written anyway).
    if tx.dialect == "postgresql":
        moving = [(item, target) for item, target in positions.items()]
        await tx.execute(
            f"UPDATE {table.name} AS t SET position = -1 - v.target "
            "FROM unnest(?::text[], ?::bigint[]) AS v (id, target) WHERE t.id = v.id AND t.position <> v.target",
            ([item for item, _ in moving], [target for _, target in moving]),
        )
    else:
        await tx.executemany(
            f"UPDATE {table.name} SET position = ? WHERE id = ? AND position <> ?",
            [(-1 - target, item, target) for item, target in positions.items()],
        )
    await tx.execute(
        f"UPDATE {table.name} SET position = -1 - position WHERE {table.parent_column} = ? AND position < 0",
        (parent_id,),
    )


async def set_parent(tx: Transaction, table: Table, item_id: str, parent_id: str, position: int) -> None:
    """Put an item under another parent, at `position` (a free one there)."""
    await tx.execute(
        f"UPDATE {table.name} SET {table.parent_column} = ?, position = ? WHERE id = ?", (parent_id, position, item_id)
    )


async def set_version(tx: Transaction, table: Table, item_id: str, version: int, updated_at: str) -> None:
    """Give an item a new version (after it moved)."""
    await tx.execute(
        f"UPDATE {table.name} SET version = ?, updated_at = ? WHERE id = ?", (version, updated_at, item_id)
    )


async def delete_item(tx: Transaction, table: Table, item_id: str) -> None:
    """Delete an item; its foreign keys take everything under it along."""
    await tx.execute(f"DELETE FROM {table.name} WHERE id = ?", (item_id,))


async def _update(
    tx: Transaction, table: str, item_id: str, columns: dict[str, Any], version: int, updated_at: str
) -> None:
    assignments = "".join(f"{column} = ?, " for column in columns)
    await tx.execute(
        f"UPDATE {table} SET {assignments}version = ?, updated_at = ? WHERE id = ?",
        (*columns.values(), version, updated_at, item_id),
    )


async def _count(reader: Reader, sql: str, params: tuple[str, ...]) -> int:
    """The number `n` a `SELECT count(*) AS n …` answers."""
    row = await reader.fetchone(sql, params)
    return int(row["n"]) if row else 0


async def park(tx: Transaction, table: Table, item_ids: Iterable[str]) -> None:
    """Take items off their positions (to distinct negative ones) before many positions are rewritten at once.

    Every position is 0 or more between changes, and unique under its parent, so `-1 - position` is a negative
    one that no sibling holds.
    """
    among, ids = in_list(tx, item_ids)
    await tx.execute(f"UPDATE {table.name} SET position = -1 - position WHERE id {among}", (ids,))


async def taken_ids(reader: Reader, ids: Iterable[str]) -> set[str]:
    """Which of these ids a track, phase or step already has."""
    among, wanted = in_list(reader, ids)
    rows = await reader.fetchall(
        " UNION ALL ".join(f"SELECT id FROM {table} WHERE id {among}" for table in ("tracks", "phases", "steps")),
        (wanted, wanted, wanted),
    )
    return {str(row["id"]) for row in rows}
