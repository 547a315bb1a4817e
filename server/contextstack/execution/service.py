"""Step status: the rules of changing it, and "where am I" for a project."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence

import msgspec

from contextstack.errors import Conflict, FieldError, Invalid
from contextstack.execution.dependencies import unfinished_dependencies
from contextstack.execution.models import (
    LocatedStep,
    PhaseProgress,
    StatusChange,
    StatusCounts,
    StatusReport,
    TrackProgress,
)
from contextstack.plan.models import Step
from contextstack.plan.plan_queries import get_step, step_columns, steps_from_rows
from contextstack.plan.service import resolve_project
from contextstack.storage import Database, Reader
from contextstack.versioning import check_if_match

DEFAULT_NEXT = 5
DEFAULT_RECENT = 5

_STARTED = ("in_progress", "done")


async def change_status(
    db: Database, step_id: str, data: StatusChange, actor: str, if_match: str | None = None
) -> Step:
    """Move a step to another status, by the rules; a step already there is answered unchanged.

    `blocked` needs a reason (Invalid naming body.reason). Starting a step (`in_progress` or `done`) while some
    step it depends on is not done is a Conflict naming them, unless `force`. The first start sets
    `started_at`; `done` sets `finished_at` and leaving `done` clears it.
    """
    reason = data.reason.strip() if data.reason else None
    if data.status == "blocked" and not reason:
        raise Invalid(
            "a blocked step needs a reason: say what it waits for",
            errors=[FieldError(field="body.reason", message="required when the status is blocked")],
        )
    async with db.transaction() as tx:
        step = await get_step(tx, step_id)
        check_if_match(if_match, step.version, f"step {step_id}")
        blocked_reason = reason if data.status == "blocked" else None
        if (data.status, blocked_reason) == (step.status, step.blocked_reason):
            return step
        unfinished = await unfinished_dependencies(tx, step.id) if data.status in _STARTED else []
        if unfinished and not data.force:
            named = ", ".join(f"{d.title!r} ({d.id}, {d.status})" for d in unfinished)
            raise Conflict(
                f"step {step.title!r} cannot become {data.status}: it depends on steps not done yet: {named}. "
                "Finish them first, or send force=true.",
                errors=[
                    FieldError(field="depends_on", message=f"{d.id} ({d.title!r}) is {d.status}, not done")
                    for d in unfinished
                ],
            )
        changed = msgspec.structs.replace(
            step,
            status=data.status,
            blocked_reason=blocked_reason,
            started_at=step.started_at or (tx.created_at if data.status in _STARTED else None),
            finished_at=tx.created_at if data.status == "done" else None,
            version=step.version + 1,
            updated_at=tx.created_at,
        )
        await tx.execute(
            "UPDATE steps SET status = ?, blocked_reason = ?, started_at = ?, finished_at = ?, version = ?, "
            "updated_at = ? WHERE id = ?",
            (
                changed.status,
                changed.blocked_reason,
                changed.started_at,
                changed.finished_at,
                changed.version,
                changed.updated_at,
                step.id,
            ),
        )
        await tx.record_event(
            "step.status_changed",
            actor=data.actor or actor,
            project_id=step.project_id,
            entity_id=step.id,
            data={
                "from": step.status,
                "to": changed.status,
                "reason": reason,
                "forced": bool(unfinished),
                "version": changed.version,
            },
        )
    return changed


# The steps "where am I" names, in one statement: every step in progress or blocked, the first `todo` steps whose
# dependencies are all done, and the last finished. `bucket` says which list a row belongs to; the plan-order keys
# come along so that each list is put in order after the one round trip. The next steps are found by walking the
# plan in order (tracks, phases, steps by position), which stops at the LIMIT instead of sorting every todo step.
_LOCATED_COLUMNS = (
    f"{step_columns('s')}, t.id AS track_id, t.name AS track_name, p.name AS phase_name, "
    "t.position AS track_position, p.position AS phase_position"
)
_BY_STEP = (
    f"SELECT {_LOCATED_COLUMNS} FROM steps AS s JOIN phases AS p ON p.id = s.phase_id "
    "JOIN tracks AS t ON t.id = p.track_id WHERE s.project_id = ?1 AND "
)
_IN_PLAN_ORDER = (
    f"SELECT {_LOCATED_COLUMNS} FROM tracks AS t CROSS JOIN phases AS p ON p.track_id = t.id "
    "CROSS JOIN steps AS s ON s.phase_id = p.id WHERE t.project_id = ?1 AND "
)
_WAITING = (
    "EXISTS (SELECT 1 FROM step_dependencies AS d JOIN steps AS w ON w.id = d.depends_on "
    "WHERE d.step_id = s.id AND w.status <> 'done')"
)
_STEPS_THAT_MATTER = (
    f"SELECT 'now' AS bucket, * FROM ({_BY_STEP} s.status IN ('in_progress', 'blocked')) "
    f"UNION ALL SELECT 'next', * FROM ({_IN_PLAN_ORDER} s.status = 'todo' AND NOT {_WAITING} "
    "ORDER BY t.position, p.position, s.position LIMIT ?2) "
    f"UNION ALL SELECT 'done', * FROM ({_BY_STEP} s.finished_at IS NOT NULL "
    "ORDER BY s.finished_at DESC, s.id DESC LIMIT ?3)"
)
# Every track, its phases and how many of their steps are in each status (index steps_tally), in one statement.
_TALLIES = (
    "SELECT t.id AS track_id, t.name AS track_name, t.position AS track_position, "
    "p.id AS phase_id, p.name AS phase_name, p.position AS phase_position, c.status, c.n "
    "FROM tracks AS t LEFT JOIN phases AS p ON p.track_id = t.id "
    "LEFT JOIN (SELECT phase_id, status, count(*) AS n FROM steps WHERE project_id = ?1 GROUP BY phase_id, status) "
    "AS c ON c.phase_id = p.id "
    "WHERE t.project_id = ?1 ORDER BY t.position, p.position"
)


def _located(rows: Sequence[sqlite3.Row], steps: Sequence[Step]) -> list[LocatedStep]:
    return [
        LocatedStep(
            **msgspec.structs.asdict(step),
            track_id=row["track_id"],
            track_name=row["track_name"],
            phase_name=row["phase_name"],
        )
        for step, row in zip(steps, rows, strict=True)
    ]


def _counts(by_status: Counter[str]) -> StatusCounts:
    total = sum(by_status.values())
    return StatusCounts(
        todo=by_status["todo"],
        in_progress=by_status["in_progress"],
        blocked=by_status["blocked"],
        done=by_status["done"],
        total=total,
        percent_done=round(100 * by_status["done"] / total, 1) if total else 0.0,
    )


def _plan_position(row: sqlite3.Row) -> tuple[int, int, int]:
    return row["track_position"], row["phase_position"], row["position"]


def _finish_order(row: sqlite3.Row) -> tuple[str, str]:
    return row["finished_at"], row["id"]


async def get_status(
    db: Database, project_ref: str, *, next_limit: int = DEFAULT_NEXT, recent_limit: int = DEFAULT_RECENT
) -> StatusReport:
    """Where am I in a project (id or slug), as of one moment: see StatusReport."""
    return await db.read(lambda view: status_report(view, project_ref, next_limit, recent_limit))


async def status_report(view: Reader, project_ref: str, next_limit: int, recent_limit: int) -> StatusReport:
    """get_status's answer, read through `view`."""
    project = await resolve_project(view, project_ref)
    tallies = await view.fetchall(_TALLIES, (project.id,))
    rows = await view.fetchall(_STEPS_THAT_MATTER, (project.id, next_limit, recent_limit))
    steps = await steps_from_rows(view, rows)
    located = dict(zip((row["id"] for row in rows), _located(rows, steps), strict=True))
    buckets: dict[str, list[sqlite3.Row]] = {"now": [], "next": [], "done": []}
    for row in rows:
        buckets[row["bucket"]].append(row)
    now = sorted(buckets["now"], key=_plan_position)
    return StatusReport(
        project=project,
        counts=_counts(_project_tally(tallies)),
        tracks=_tracks(tallies),
        in_progress=[located[row["id"]] for row in now if row["status"] == "in_progress"],
        blocked=[located[row["id"]] for row in now if row["status"] == "blocked"],
        next_steps=[located[row["id"]] for row in sorted(buckets["next"], key=_plan_position)],
        recently_done=[located[row["id"]] for row in sorted(buckets["done"], key=_finish_order, reverse=True)],
    )


def _project_tally(tallies: Sequence[sqlite3.Row]) -> Counter[str]:
    tally: Counter[str] = Counter()
    for row in tallies:
        if row["status"]:
            tally[row["status"]] += row["n"]
    return tally


def _tracks(tallies: Sequence[sqlite3.Row]) -> list[TrackProgress]:
    """Tracks with their phases, in order, from the rows of _TALLIES (one per track, phase and status)."""
    tracks: dict[str, sqlite3.Row] = {}
    phases: dict[str, dict[str, sqlite3.Row]] = {}
    by_phase: dict[str, Counter[str]] = {}
    for row in tallies:
        tracks.setdefault(row["track_id"], row)
        phase_id = row["phase_id"]
        if phase_id is None:
            continue
        phases.setdefault(row["track_id"], {}).setdefault(phase_id, row)
        tally = by_phase.setdefault(phase_id, Counter())
        if row["status"]:
            tally[row["status"]] = row["n"]
    result = []
    for track_id, track in tracks.items():
        track_tally: Counter[str] = Counter()
        track_phases = []
        for phase_id, phase in phases.get(track_id, {}).items():
            track_tally.update(by_phase[phase_id])
            track_phases.append(
                PhaseProgress(
                    id=phase_id,
                    name=phase["phase_name"],
                    position=phase["phase_position"],
                    counts=_counts(by_phase[phase_id]),
                )
            )
        result.append(
            TrackProgress(
                id=track_id,
                name=track["track_name"],
                position=track["track_position"],
                counts=_counts(track_tally),
                phases=track_phases,
            )
        )
    return result
