"""Rows of the plan as Structs: reading tracks, phases and steps, and the writes every level shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from contextstack.errors import FieldError, Invalid, NotFound
from contextstack.plan.models import Phase, Step, Track
from contextstack.plan.positions import Level
from contextstack.storage import Reader, Transaction

TRACK_COLUMNS = "id, project_id, name, description, position, version, created_at, updated_at"
PHASE_COLUMNS = "id, project_id, track_id, name, description, position, version, created_at, updated_at"
STEP_COLUMNS = (
    "id, project_id, phase_id, title, description, instructions, acceptance_criteria, status, blocked_reason, "
    "position, started_at, finished_at, version, created_at, updated_at"
)
_STEP_FIELDS = tuple(column.strip() for column in STEP_COLUMNS.split(","))

Entity = TypeVar("Entity", Track, Phase, Step)

_encode_json = msgspec.json.Encoder().encode


def step_columns(alias: str) -> str:
    """STEP_COLUMNS of the table named `alias` in a join."""
    return ", ".join(f"{alias}.{column}" for column in _STEP_FIELDS)


def criteria_text(criteria: list[str]) -> str:
    """Acceptance criteria as stored: a JSON array."""
    return _encode_json(criteria).decode()


async def get_track(reader: Reader, track_id: str) -> Track:
    """The track with this id; NotFound otherwise."""
    row = await reader.fetchone(f"SELECT {TRACK_COLUMNS} FROM tracks WHERE id = ?", (track_id,))
    if row is None:
        raise NotFound(f"no track with id {track_id!r}")
    return Track(**dict(row))


async def get_phase(reader: Reader, phase_id: str) -> Phase:
    """The phase with this id; NotFound otherwise."""
    row = await reader.fetchone(f"SELECT {PHASE_COLUMNS} FROM phases WHERE id = ?", (phase_id,))
    if row is None:
        raise NotFound(f"no phase with id {phase_id!r}")
    return Phase(**dict(row))


async def get_step(reader: Reader, step_id: str) -> Step:
    """The step with this id, its dependencies included; NotFound otherwise."""
    row = await reader.fetchone(f"SELECT {STEP_COLUMNS} FROM steps WHERE id = ?", (step_id,))
    if row is None:
        raise NotFound(f"no step with id {step_id!r}")
    return (await steps_from_rows(reader, [row]))[0]


def step_from_row(row: sqlite3.Row, depends_on: list[str]) -> Step:
    """A step from a row holding (at least) STEP_COLUMNS, and the ids it depends on."""
    fields = {column: row[column] for column in _STEP_FIELDS}
    fields["acceptance_criteria"] = msgspec.json.decode(fields["acceptance_criteria"], type=list[str])
    return Step(**fields, depends_on=depends_on)


def step_row(step: Step) -> list[Any]:
    """The values of STEP_COLUMNS for a step (its dependencies live in their own table)."""
    fields = msgspec.structs.asdict(step)
    fields["acceptance_criteria"] = criteria_text(step.acceptance_criteria)
    return [fields[column] for column in _STEP_FIELDS]


async def steps_from_rows(reader: Reader, rows: Sequence[sqlite3.Row]) -> list[Step]:
    """Steps from rows holding STEP_COLUMNS, each with its dependencies (one more query for all of them)."""
    if not rows:
        return []
    found = await reader.fetchall(
        "SELECT step_id, depends_on FROM step_dependencies WHERE step_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY step_id, depends_on",
        (_encode_json([row["id"] for row in rows]).decode(),),
    )
    depends_on: dict[str, list[str]] = {}
    for step_id, dependency in found:
        depends_on.setdefault(step_id, []).append(dependency)
    return [step_from_row(row, depends_on.get(row["id"], [])) for row in rows]


async def project_steps(reader: Reader, project_id: str) -> list[Step]:
    """Every step of a project, by phase and position."""
    rows = await reader.fetchall(
        f"SELECT {STEP_COLUMNS} FROM steps WHERE project_id = ? ORDER BY phase_id, position", (project_id,)
    )
    return await steps_from_rows(reader, rows)


async def insert(tx: Transaction, table: str, columns: str, values: Sequence[Any]) -> None:
    """One row of `values` for `columns` (a comma-separated list) into `table`."""
    await tx.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})", values)


def changed_fields(data: msgspec.Struct, current: msgspec.Struct, fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields that `data` sets to something other than their `current` value."""
    return {
        field: value
        for field in fields
        if (value := getattr(data, field)) is not msgspec.UNSET and value != getattr(current, field)
    }


async def save_changes(
    tx: Transaction,
    level: Level,
    current: Entity,
    changes: dict[str, Any],
    actor: str,
    *,
    columns: dict[str, Any] | None = None,
) -> Entity:
    """Write `changes` (field -> new value) with the next version, and log them as `<kind>.updated`.

    `columns` are the values to store when they differ from the fields (JSON text, or fewer: fields kept in
    other tables); by default the changes themselves.
    """
    updated = msgspec.structs.replace(current, **changes, version=current.version + 1, updated_at=tx.created_at)
    stored: dict[str, Any] = changes if columns is None else columns
    assignments = "".join(f"{column} = ?, " for column in stored)
    await tx.execute(
        f"UPDATE {level.table} SET {assignments}version = ?, updated_at = ? WHERE id = ?",
        (*stored.values(), updated.version, updated.updated_at, current.id),
    )
    await tx.record_event(
        f"{level.kind}.updated",
        actor=actor,
        project_id=current.project_id,
        entity_id=current.id,
        data={**changes, "version": updated.version},
    )
    return updated


async def save_move(tx: Transaction, level: Level, current: Entity, parent: str, position: int, actor: str) -> Entity:
    """After positions.move: bump the moved item's version and log where it went from and to."""
    moved = msgspec.structs.replace(
        current,
        **{level.parent_column: parent},
        position=position,
        version=current.version + 1,
        updated_at=tx.created_at,
    )
    await tx.execute(
        f"UPDATE {level.table} SET version = ?, updated_at = ? WHERE id = ?",
        (moved.version, moved.updated_at, current.id),
    )
    await tx.record_event(
        f"{level.kind}.moved",
        actor=actor,
        project_id=current.project_id,
        entity_id=current.id,
        data={
            "from": {level.parent_column: getattr(current, level.parent_column), "position": current.position},
            "to": {level.parent_column: parent, "position": position},
            "version": moved.version,
        },
    )
    return moved


def refused_parent(level: Level, parent: str, why: str) -> Invalid:
    """The error for a move to a parent the item cannot go to."""
    return Invalid(
        f"cannot move the {level.kind} to {parent!r}: {why}", errors=[FieldError(field="body.parent", message=why)]
    )


async def count(reader: Reader, sql: str, params: tuple[str, ...]) -> int:
    """The single number a `SELECT count(*) …` answers."""
    row = await reader.fetchone(sql, params)
    return int(row[0]) if row else 0
