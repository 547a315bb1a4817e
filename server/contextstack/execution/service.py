"""Step status: the rules of changing it, and "where am I" for a project."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import msgspec

from contextstack.context.models import Step
from contextstack.context.plan_queries import get_step, step_columns, steps_from_rows
from contextstack.context.service import resolve_project
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
from contextstack.storage import Database
from contextstack.storage.snapshot import Snapshot, snapshot
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


_LOCATED_STEPS = (
    f"SELECT {step_columns('s')}, t.id AS track_id, t.name AS track_name, p.name AS phase_name "
    "FROM steps AS s JOIN phases AS p ON p.id = s.phase_id JOIN tracks AS t ON t.id = p.track_id "
    "WHERE s.project_id = ? "
)
_PLAN_ORDER = "ORDER BY t.position, p.position, s.position"
_WAITING = (
    "EXISTS (SELECT 1 FROM step_dependencies AS d JOIN steps AS w ON w.id = d.depends_on "
    "WHERE d.step_id = s.id AND w.status <> 'done')"
)


async def _located(view: Snapshot, sql: str, params: Sequence[Any]) -> list[LocatedStep]:
    rows = await view.fetchall(_LOCATED_STEPS + sql, params)
    steps = await steps_from_rows(view, rows)
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


async def get_status(
    db: Database, project_ref: str, *, next_limit: int = DEFAULT_NEXT, recent_limit: int = DEFAULT_RECENT
) -> StatusReport:
    """Where am I in a project (id or slug), as of one moment: see StatusReport."""
    async with snapshot(db) as view:
        project = await resolve_project(view, project_ref)
        tracks = await view.fetchall(
            "SELECT id, name, position FROM tracks WHERE project_id = ? ORDER BY position", (project.id,)
        )
        phases = await view.fetchall(
            "SELECT id, track_id, name, position FROM phases WHERE project_id = ? ORDER BY track_id, position",
            (project.id,),
        )
        tallies = await view.fetchall(
            "SELECT phase_id, status, count(*) FROM steps WHERE project_id = ? GROUP BY phase_id, status",
            (project.id,),
        )
        in_progress = await _located(view, f"AND s.status = 'in_progress' {_PLAN_ORDER}", (project.id,))
        blocked = await _located(view, f"AND s.status = 'blocked' {_PLAN_ORDER}", (project.id,))
        next_steps = await _located(
            view, f"AND s.status = 'todo' AND NOT {_WAITING} {_PLAN_ORDER} LIMIT ?", (project.id, next_limit)
        )
        recently_done = await _located(
            view,
            "AND s.finished_at IS NOT NULL ORDER BY s.finished_at DESC, s.id DESC LIMIT ?",
            (project.id, recent_limit),
        )
    by_phase: dict[str, Counter[str]] = {}
    for phase_id, status, n in tallies:
        by_phase.setdefault(phase_id, Counter())[status] = n
    phases_by_track: dict[str, list[PhaseProgress]] = {}
    by_track: dict[str, Counter[str]] = {}
    for phase in phases:
        tally = by_phase.get(phase["id"], Counter())
        by_track.setdefault(phase["track_id"], Counter()).update(tally)
        phases_by_track.setdefault(phase["track_id"], []).append(
            PhaseProgress(id=phase["id"], name=phase["name"], position=phase["position"], counts=_counts(tally))
        )
    return StatusReport(
        project=project,
        counts=_counts(sum(by_phase.values(), Counter())),
        tracks=[
            TrackProgress(
                id=track["id"],
                name=track["name"],
                position=track["position"],
                counts=_counts(by_track.get(track["id"], Counter())),
                phases=phases_by_track.get(track["id"], []),
            )
            for track in tracks
        ],
        in_progress=in_progress,
        blocked=blocked,
        next_steps=next_steps,
        recently_done=recently_done,
    )
